#pragma once

/* Pod records, laid out like rtlife's container records (runtime/state.h) and using its helpers (ids,
 * names, process liveness, timestamps):
 *
 *   ROOT/pods/<id>/config.json     PodConfig: persistent, written once by `kube play`/`pod create`:
 *                                  name, the pod's kube plan, the infra and every container (name, id,
 *                                  role), where the YAML came from. The pod's own volume dirs
 *                                  (emptyDir, configMap, secret files) live next to it in volumes/.
 *   RUNROOT/pods/<id>/state.json   PodState: volatile, rewritten by the supervisor at every transition
 *                                  and read by `pod ps/inspect`: the supervisor, the infra, per
 *                                  container its Kubernetes state, exit code, restarts, ready/started,
 *                                  times.
 *   RUNROOT/pods/<id>.play         the in-progress marker of `kube play`: flock'd by the play from before
 *                                  anything of the pod exists until it finished (the kernel drops the lock
 *                                  when the play dies, so no pid can be mistaken), then removed. A marker
 *                                  nobody holds, or a pod directory without config.json and without a
 *                                  marker, is what a killed play left: `kube play --replace` and `kube
 *                                  down` remove such a pod whole.
 *   ROOT/pods/names/<name>         symlink -> <id>, the name index (symlinkat() is the uniqueness test).
 *   ROOT/pods/.lock                flock'd around create and remove.
 *   RUNROOT/pods/<id>.lock         flock'd around every read-modify-write of one state.json.
 *
 * Files are replaced with write_file_atomic_at(): a crash leaves the old or the new state. A config dir
 * is created as .tmp-<id> and renamed into place; a removal renames it to .rm-<id> first. Nothing here
 * prints; errors are -errno, with a one-line *ret_error where a user must read why. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/paths.h"
#include "common/rm-rf.h"
#include "pod/backoff.h"

#define POD_ID_LEN 64

typedef enum PodStatus {
        POD_STATUS_CREATED,  /* recorded, nothing started (or --start=false) */
        POD_STATUS_RUNNING,  /* the supervisor runs and every container is running (or done, for init) */
        POD_STATUS_DEGRADED, /* the supervisor runs, some containers are not running (back-off, exited) */
        POD_STATUS_STOPPING, /* a stop was requested and is in progress */
        POD_STATUS_EXITED,   /* the supervisor ended: every container is gone (reason says why) */
        _POD_STATUS_MAX,
        _POD_STATUS_INVALID = -EINVAL,
} PodStatus;

const char *pod_status_to_string(PodStatus s); /* "Created", "Running", ... (podman's spelling) */
PodStatus pod_status_from_string(const char *s);

typedef enum PodContainerPhase {
        POD_CTR_WAITING,    /* Kubernetes' ContainerStateWaiting: not started yet, or in back-off */
        POD_CTR_RUNNING,
        POD_CTR_TERMINATED,
        _POD_CTR_PHASE_MAX,
        _POD_CTR_PHASE_INVALID = -EINVAL,
} PodContainerPhase;

const char *pod_container_phase_to_string(PodContainerPhase p); /* "waiting", "running", "terminated" */
PodContainerPhase pod_container_phase_from_string(const char *s);

const char *pod_container_role_to_string(PodContainerRole r); /* "app", "init", "sidecar" */
PodContainerRole pod_container_role_from_string(const char *s);

/* One container of the pod, in config.json. */
typedef struct PodMember {
        char *name;      /* the Kubernetes name ("web") */
        char *full_name; /* the container's name ("mypod-web") */
        char id[POD_ID_LEN + 1];
        PodContainerRole role;
} PodMember;

typedef struct PodConfig {
        char id[POD_ID_LEN + 1];
        char *name;
        char *created_at;
        char *kind;            /* "Pod" or "Deployment" */
        char **sources;        /* the YAML files (or "<stdin>") */
        json_object *plan;     /* the pod's entry of the kube plan (runtime form), owned */
        char infra_id[POD_ID_LEN + 1];
        char *infra_name;
        PodMember *members;    /* init containers first, in order, then the containers */
        size_t n_members;
        PodRestartPolicy restart_policy;
        char **labels;         /* K=V */
        char **annotations;    /* K=V */
        char **create_argv;    /* the `skiff pod create ...` or `skiff kube play ...` command line, for
                                * `generate systemd --new` ("createCommand"); NULL in older records */
} PodConfig;

/* Where `kube play` keeps a copy of the YAML it played (every input file and --configmap, in order, as
 * one stream): RUNROOT/pods/<id>/kube.yaml (RUNROOT: it may hold Secrets, which never go to ROOT),
 * removed with the pod. `generate systemd --new` reads it. */
#define POD_KUBE_YAML_FILE "kube.yaml"

PodConfig *pod_config_free(PodConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(PodConfig *, pod_config_free);

/* One container's state, in state.json (index-aligned with PodConfig.members). */
typedef struct PodMemberState {
        PodContainerPhase phase;
        char *reason;         /* Kubernetes' reason: ContainerCreating, CrashLoopBackOff, Completed,
                               * Error, OOMKilled, StartError, SupervisorGone… NULL when none */
        char *message;        /* a one-line detail (a spawn error), or NULL */
        int exit_code;        /* last exit (128+N for a signal) */
        unsigned restarts;
        bool ready, started;
        pid_t pid;            /* while running */
        char *started_at;     /* RFC3339 */
        char *finished_at;
        char **cgroup_paths;  /* for cleanup after a crash */
} PodMemberState;

typedef struct PodState {
        PodStatus status;
        char *reason;              /* why the pod is Exited/Degraded, or NULL */
        pid_t supervisor_pid;
        uint64_t supervisor_starttime;
        pid_t infra_pid;
        char **infra_cgroup_paths;
        char *started_at;
        char *finished_at;
        PodMemberState *members;
        size_t n_members;
} PodState;

void pod_state_done(PodState *s);

typedef struct PodStore PodStore;

/* Opens (creating) ROOT/pods and RUNROOT/pods, repairing crash debris. Returns 0 or -errno. */
int pod_store_open(const SkiffPaths *paths, PodStore **ret);
PodStore *pod_store_free(PodStore *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(PodStore *, pod_store_free);

/* ROOT/pods/<id> and RUNROOT/pods/<id> (new strings, NULL on OOM). */
char *pod_store_config_dir(const PodStore *s, const char *id);
char *pod_store_state_dir(const PodStore *s, const char *id);

/* Resolves a name, a full id or a unique id prefix. Returns 0, -ENOENT or -ENOTUNIQ. */
int pod_lookup(PodStore *s, const char *ref, char ret_id[static POD_ID_LEN + 1]);

/* Takes the store lock (blocking): hold it across "is the name free" → create, or remove. Returns an fd
 * to close, or -errno. */
int pod_store_lock(PodStore *s);

/* Creates and locks the play marker of id (created under a temporary name, locked, then renamed, so no
 * reader sees it unlocked), then RUNROOT/pods/<id>. Call before anything of the pod exists. Returns the
 * lock's fd (keep it open until pod_play_end(); do not let a long-lived child inherit it) or -errno. */
int pod_play_begin(PodStore *s, const char *id);
/* The play is complete: removes the marker and closes fd. */
int pod_play_end(PodStore *s, const char *id, int fd);
/* Waits (up to timeout_ms) until nobody holds id's play marker: a play in progress, or the supervisor of
 * a killed play that has not recorded itself yet. Returns 0 (also when there is no marker), or
 * -ETIMEDOUT. */
int pod_play_wait(PodStore *s, const char *id, unsigned timeout_ms);
/* True when id is debris of a killed play (see above) or, with include_live, also while a play of it
 * runs. */
bool pod_play_incomplete(PodStore *s, const char *id, bool include_live);

/* Creates the record (config.json, the name link, a Created state). The caller holds the store lock.
 * Returns 0, -EEXIST with *ret_error naming the pod that has the name, or -errno; nothing is left on
 * failure. */
int pod_create(PodStore *s, const PodConfig *config, char **ret_error);

int pod_config_load(PodStore *s, const char *id, PodConfig **ret);

/* Loads state.json (missing: Created) and refreshes it: a record that says a supervisor runs whose
 * process is gone becomes Exited with reason "supervisor gone (killed?)", its running containers
 * terminated with reason SupervisorGone, and is written back. Returns 0 or -errno. */
int pod_state_load(PodStore *s, const char *id, size_t n_members, PodState *ret);
int pod_state_save(PodStore *s, const char *id, const PodState *state);
/* The per-pod lock for a read-modify-write of state.json. Returns an fd to close, or -errno. */
int pod_lock(PodStore *s, const char *id);

/* Every pod id, also those whose config is missing but whose state or marker is there (debris of a
 * killed play), sorted. Returns 0 and a strv (may be NULL: none), or -errno. */
int pod_list(PodStore *s, char ***ret);

/* Removes the pod's record whole (config dir with its volumes, state dir, marker, name link). The
 * caller made sure nothing runs. Missing parts are fine. Returns 0 or -errno. */
int pod_remove(PodStore *s, const char *id);

/* The JSON forms (for `pod inspect --format json` too). */
int pod_config_to_json(const PodConfig *c, json_object **ret);
int pod_config_from_json(json_object *o, PodConfig **ret);
int pod_state_to_json(const PodState *s, const PodConfig *c, json_object **ret);
int pod_state_from_json(json_object *o, size_t n_members, PodState *ret);

/* rm_rf_path() and rm_rf_at() come from common/rm-rf.h (never entering another mount). */
