#pragma once

/* Container records: what `skiff create/run` stored about a container, and what its monitor reports
 * while it runs.
 *
 * Two halves, kept apart because they live in different places and change at different rates:
 *
 *   ROOT/containers/<id>/config.json     ContainerConfig: persistent, written once at create (the
 *                                        plan JSON, the image, labels, the create command line). The
 *                                        container's overlay upper/work dirs live next to it (rtcore).
 *   RUNROOT/containers/<id>/state.json   ContainerState: volatile (tmpfs), rewritten by the monitor
 *                                        and by the commands at each transition.
 *   ROOT/containers/names/<name>         symlink -> <id>: the name index. symlinkat() fails with EEXIST,
 *                                        which makes a name unique without reading a table.
 *   ROOT/containers/.lock                flock'd (LOCK_EX) around every create, rename and remove.
 *   RUNROOT/containers/<id>/lock         flock'd around every read-modify-write of one state.json.
 *
 * Every file is replaced with write_file_atomic_at() (state.json, volatile by contract, with
 * write_file_replace_at(): atomic, not fsync'd), and every multi-step change is ordered so that a
 * crash at any point leaves either the old or the new record, plus debris that container_store_repair()
 * (called by container_store_open()) finishes: a config dir is created as .tmp-<id> and renamed into
 * place, a removal renames it to .rm-<id> before deleting it; a name link whose target is gone is
 * dropped, a record without its name link gets it back. A "running" record whose monitor is gone is
 * turned into "exited" with a reason when it is loaded (container_state_refresh()).
 *
 * Library code: nothing here prints; errors are -errno with, where the user must see a reason, a
 * one-line message in *ret_error (owned by the caller). */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cleanup.h"
#include "common/paths.h"

#define CONTAINER_ID_LEN 64

typedef enum ContainerStatus {
        CONTAINER_STATUS_CREATED,  /* record exists, never started (or RUNROOT was lost: reboot) */
        CONTAINER_STATUS_RUNNING,  /* the monitor reported a successful exec */
        CONTAINER_STATUS_STOPPING, /* a stop request was delivered, the process has not exited yet */
        CONTAINER_STATUS_EXITED,   /* the process is gone; exit_code/finished_at are valid */
        CONTAINER_STATUS_REMOVING, /* rm in progress; the next command finishes it */
        _CONTAINER_STATUS_MAX,
        _CONTAINER_STATUS_INVALID = -EINVAL,
} ContainerStatus;

const char *container_status_to_string(ContainerStatus s);
ContainerStatus container_status_from_string(const char *s);

typedef enum RestartPolicy {
        RESTART_NO,
        RESTART_ON_FAILURE,
        RESTART_ALWAYS,
        RESTART_UNLESS_STOPPED,
        _RESTART_POLICY_MAX,
        _RESTART_POLICY_INVALID = -EINVAL,
} RestartPolicy;

const char *restart_policy_to_string(RestartPolicy p);
/* Parses podman's --restart value: no | on-failure[:N] | always | unless-stopped. *ret_max is the
 * on-failure retry limit (0: unlimited). Returns 0 or -EINVAL. */
int restart_policy_parse(const char *s, RestartPolicy *ret, unsigned *ret_max);

typedef enum LogDriver {
        LOG_DRIVER_K8S_FILE, /* CRI format file, podman's default name for it */
        LOG_DRIVER_JOURNALD,
        LOG_DRIVER_NONE,
        _LOG_DRIVER_MAX,
        _LOG_DRIVER_INVALID = -EINVAL,
} LogDriver;

const char *log_driver_to_string(LogDriver d);
/* Accepts k8s-file, journald, none (and podman's "json-file", which podman also maps to k8s-file). */
LogDriver log_driver_from_string(const char *s);

/* Persistent record (config.json). Everything the monitor and `start` need without re-parsing the
 * command line; the plan itself is rtcore's JSON, stored verbatim and opaque here. */
typedef struct ContainerConfig {
        char id[CONTAINER_ID_LEN + 1];
        char *name;
        char *image;        /* the reference as the user gave it */
        char *image_id;     /* sha256 hex of the image config, NULL if unknown */
        char **labels;      /* "KEY=VALUE" strv, may be NULL */
        char **annotations; /* "KEY=VALUE" strv, may be NULL */
        char **create_argv; /* the full `skiff run|create ...` argv, for `generate systemd --new` */
        char *plan_json;    /* container_plan_to_json() output */
        char *created_at;   /* RFC3339 with nanoseconds, UTC */
        char *pod_id;       /* NULL unless the container belongs to a pod (issue 5) */
        RestartPolicy restart;
        unsigned restart_max; /* on-failure:N; 0 = unlimited */
        LogDriver log_driver;
        char *log_path;   /* --log-opt path=; NULL: ROOT/containers/<id>/ctr.log (persistent, as podman's
                             userdata/ctr.log) */
        bool auto_remove; /* --rm */
        int stop_signal;  /* default SIGTERM */
        unsigned stop_timeout; /* seconds, default 10 */
        char *sdnotify;        /* conmon|container|healthy|ignore, NULL = conmon */
} ContainerConfig;

ContainerConfig *container_config_free(ContainerConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ContainerConfig *, container_config_free);

/* Volatile record (state.json). */
typedef struct ContainerState {
        ContainerStatus status;
        pid_t pid;                  /* container's init (host pid), 0 if not running */
        pid_t monitor_pid;          /* 0 if none */
        uint64_t monitor_starttime; /* /proc/PID/stat field 22, guards against pid reuse */
        uint64_t pid_starttime;
        int exit_code;     /* valid when status is EXITED; 128+N for a signal, as podman */
        char *started_at;  /* RFC3339 nanos UTC, NULL if never started */
        char *finished_at; /* NULL unless exited */
        char *exit_reason; /* free text when the exit was not the process's own (e.g. "monitor gone"), or the
                              spawn error */
        unsigned restart_count;
        bool stop_requested; /* set by stop: no restart afterwards */
        char *log_path;      /* where the monitor writes (NULL for none/journald) */
        char **cgroup_paths; /* from SpawnResult, for cleanup after a crash */
} ContainerState;

void container_state_done(ContainerState *s);

typedef struct ContainerStore ContainerStore;

/* Opens (creating as needed) ROOT/containers and RUNROOT/containers of paths and repairs what a crash
 * left (see above). Returns 0 and a new store (free with container_store_free()), or -errno. */
int container_store_open(const SkiffPaths *paths, ContainerStore **ret);
ContainerStore *container_store_free(ContainerStore *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(ContainerStore *, container_store_free);

/* Directory fds of the store, borrowed (valid until container_store_free()). */
int container_store_root_fd(const ContainerStore *s);
int container_store_runroot_fd(const ContainerStore *s);

/* Absolute path of ROOT/containers/<id> resp. RUNROOT/containers/<id> (new string, NULL on OOM). */
char *container_store_config_dir(const ContainerStore *s, const char *id);
char *container_store_state_dir(const ContainerStore *s, const char *id);

/* Fills buf (65 bytes) with a new random 64-hex id (getrandom). Returns 0 or -errno. */
int container_id_generate(char buf[static CONTAINER_ID_LEN + 1]);
/* podman's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 bytes. */
bool container_name_is_valid(const char *name);
/* A random "adjective_noun"-like name (here: "skiff_" + 12 hex), unique at the time of the call is
 * not guaranteed: container_create() fails with -EEXIST and the caller retries. */
int container_name_generate(char **ret);

/* Resolves a user-given reference (full id, unique id prefix of at least 1 char, or exact name) to the
 * full id. Returns 0, -ENOENT (no such container), -ENOTUNIQ (prefix matches several). */
int container_lookup(ContainerStore *s, const char *ref, char ret_id[static CONTAINER_ID_LEN + 1]);

/* Creates the record: config.json, an empty "created" state, and the name link, under the store lock.
 * config->id must be set (container_id_generate()). Returns 0, -EEXIST when the name is taken (then
 * *ret_error names the holder: "name \"web\" is in use by container 3f2a…"), or -errno. Nothing is
 * left behind on failure. */
int container_create(ContainerStore *s, const ContainerConfig *config, char **ret_error);

/* container_create() of n containers at once (a pod's), with the same checks and records, all or
 * nothing: every config.json is written first, then all are fsync'd together (fsync_many(): one
 * journal commit, where container_create() waits for two per record), and only then renamed into
 * place and named, so a record under its final name is always complete. Returns 0, or -errno as
 * container_create() (with *ret_error for a name in use); on failure none of them exists. */
int container_create_many(ContainerStore *s, ContainerConfig *const *configs, size_t n, char **ret_error);

/* Parse the text of a config.json / state.json (pure; the fuzz target's entry points). Return 0 or
 * -EBADMSG (not JSON, wrong types, bad id or status) / -ENOMEM. */
int container_config_parse(const char *text, ContainerConfig **ret);
int container_state_parse(const char *text, ContainerState *ret);

/* Loads config.json. Returns 0, -ENOENT, -EBADMSG (corrupt), or -errno. */
int container_config_load(ContainerStore *s, const char *id, ContainerConfig **ret);

/* Loads state.json (a missing one is "created"), then refreshes it: a RUNNING/STOPPING record whose
 * monitor no longer exists (or whose pid was reused) becomes EXITED with exit_reason set and is written
 * back. Returns 0 or -errno. */
int container_state_load(ContainerStore *s, const char *id, ContainerState *ret);

/* Writes state.json atomically. The caller holds the container lock (container_lock()) when it did a
 * read-modify-write. Returns 0 or -errno. */
int container_state_save(ContainerStore *s, const char *id, const ContainerState *state);

/* Takes the per-container flock (blocking). Returns an fd to close to release it, or -errno. */
int container_lock(ContainerStore *s, const char *id);

/* Lists every container id (sorted), repairing as it goes. Returns 0 and a strv in *ret, or -errno. */
int container_list(ContainerStore *s, char ***ret);

/* Removes the record (config dir incl. whatever rtcore left in it, state dir, name link) under the store
 * lock: first renamed aside, then deleted, so a crash leaves nothing a later command sees as a
 * container. The caller has made sure nothing runs (status is not RUNNING/STOPPING). Returns 0, -ENOENT,
 * or -errno. */
int container_remove(ContainerStore *s, const char *id);

/* Current time as RFC3339 UTC with nanoseconds ("2026-11-23T12:00:00.123456789Z"), into buf of at
 * least 40 bytes. Returns buf. */
char *rfc3339_nanos_now(char *buf, size_t size);
/* Parses RFC3339 (with or without fraction, Z or ±hh:mm) to nanoseconds since the epoch. Returns 0,
 * -EINVAL, or -ERANGE for a time past 2262 (int64 nanoseconds). */
int rfc3339_parse(const char *s, int64_t *ret_nsec);

/* Reads /proc/PID/stat's starttime; returns 0, -ESRCH when the process is gone, or -errno. */
int proc_starttime(pid_t pid, uint64_t *ret);
/* True when pid exists and its starttime equals starttime (0 = don't check). */
bool proc_alive(pid_t pid, uint64_t starttime);
