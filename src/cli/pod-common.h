#pragma once

/* Shared by `skiff kube play/down` and `skiff pod ...`: creating a pod's records from a kube plan,
 * starting its supervisor from the records, and tearing a pod down (also what a killed play or a killed
 * supervisor left). Each prints nothing; errors come back as one line in *ret_error. */

#include <stdbool.h>

#include <json-c/json.h>

#include "cli/verbs.h"
#include "pod/pod-state.h"
#include "runtime/run-options.h"
#include "runtime/state.h"

typedef struct PodPlayOptions {
        bool replace;
        bool start;
        bool wait;
        bool no_hosts;
        bool sd_notify;          /* --service-container: the supervisor becomes systemd's main process */
        const char *exit_propagation; /* --service-exit-code-propagation any|all|none (NULL: none) */
        const char *log_driver;  /* NULL: k8s-file */
        char **annotations;      /* --annotation K=V */
        char **sources;          /* the input files, for the record */
        char **create_argv;      /* the command line, for the record (generate systemd --new) */
        const char *kube_yaml;   /* kube play's input as one YAML stream, kept as POD_KUBE_YAML_FILE */
        size_t kube_yaml_size;
} PodPlayOptions;

/* Plays one pod of a runtime kube plan (pod = an element of plan["pods"]). Everything that can be
 * checked is checked before anything is created (images, plans, hostPath types, the name); then the
 * records, volumes and the supervisor. On failure nothing of this pod is left. Returns 0 with the pod's
 * id in ret_id, or -errno with *ret_error; *ret_exit is the exit status to use (125, 126, 127). */
int cli_pod_play(SkiffContext *ctx, json_object *pod, const PodPlayOptions *o, char ret_id[static POD_ID_LEN + 1],
                 char **ret_error, int *ret_exit);

/* Starts the supervisor of a created pod from its records. */
int cli_pod_start(SkiffContext *ctx, PodStore *pods, const char *id, bool wait, bool sd_notify,
                  const char *exit_propagation, int play_lock_fd, char **ret_error, int *ret_exit);

/* `skiff run --pod POD` / `--pod-id-file FILE` (is_file): resolves a running pod and points o's
 * network, ipc and uts namespaces at its infra's (/proc/INFRA/ns/...), after checking that none of
 * --network/--ipc/--uts/--hostname was given. Returns 0 with the pod's id in ret_pod_id, or -errno with
 * a one-line *ret_error. */
int cli_pod_join(SkiffContext *ctx, const char *ref, bool is_file, RunOptions *o, char ret_pod_id[static POD_ID_LEN + 1],
                 char **ret_error);

/* Reads a pod id from a --pod-id-file (trailing newline allowed). */
int cli_pod_read_id_file(const char *path, char ret[static POD_ID_LEN + 1]);

/* Stops a pod (supervisor stop, then whatever survived it, through the recorded cgroups and pids), and
 * with remove also removes it whole: containers' records and storage, volumes, the pod record. Works on
 * debris too (a killed play, a killed supervisor). Returns 0 or -errno with *ret_error. */
int cli_pod_teardown(SkiffContext *ctx, PodStore *pods, const char *id, bool remove, char **ret_error);

/* cli_pod_teardown() with timeout >= 0 seconds instead of the pod's terminationGracePeriodSeconds
 * (and the joined containers' own stop timeouts) before SIGKILL: `pod stop/restart/rm -t`. */
int cli_pod_teardown_timeout(SkiffContext *ctx, PodStore *pods, const char *id, bool remove, int timeout,
                             char **ret_error);

/* The skiff-pause binary: $SKIFF_PAUSE, next to skiff (build tree: ../pause/skiff-pause), or
 * LIBEXECDIR/skiff/skiff-pause. NULL when none is found. Static storage. */
const char *cli_pause_path(void);
