#pragma once

/* The pod supervisor: one process per pod, the parent of the pod's infra container and of every
 * container, for the pod's whole life (DESIGN.md "Process model").
 *
 * It is its own small static executable, skiff-pod (supervisor.c; docs/architecture.md "The small
 * supervisor"): pod_supervisor_start() forks, detaches (setsid, double fork) and execs it from `kube
 * play`/`pod start`, which has already checked everything, resolved the images, built every container
 * plan and created the records: the supervisor only applies. It reads the pod's records, becomes a
 * child subreaper, and has a short-lived helper, skiff-pod-spawn (pod-spawn.c, linked with the
 * runtime), start the infra (skiff-pause in an empty root, owning the pod's net/ipc/uts and, with
 * shareProcessNamespace, pid namespaces), the init containers one after the other to success, then the
 * containers, every one as a child of the supervisor (SpawnStdio.clone_parent). It reports "started"
 * (or, with wait_ready, "ready" once every container is ready) over a pipe to `kube play`, which then
 * exits.
 *
 * From then on it runs one epoll loop: container output into CRI logs, exits recorded and restarted
 * with Kubernetes' back-off (backoff.h), probes (probe.h; httpGet/tcpSocket from inside the pod's
 * network namespace, exec through the helper), postStart/preStop hooks, and a stop request (SIGTERM
 * from `kube down`/`pod stop`, or systemd): preStop, the stop signal, then SIGKILL after
 * terminationGracePeriodSeconds. The pod's state (pod-state.h) and each container's record
 * (runtime/state.h) are rewritten at every transition, so `pod ps/inspect` and `skiff ps` read them while
 * it runs and after it ended. When nothing is left to run (every container done under OnFailure/Never,
 * or after a stop) it stops the infra, removes the cgroups, records the end and exits. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/paths.h"

typedef struct PodSupervisorSetup {
        const SkiffPaths *paths;
        const char *pod_id;          /* the pod's records exist (pod_create()) */
        const char *binary;          /* the skiff-pod executable (pod_supervisor_binary()) */
        bool wait_ready;             /* report only once every container is ready */
        bool sd_notify;              /* systemd Type=notify (kube play --service-container): once the pod
                                      * started, send MAINPID=<supervisor> and READY=1 to $NOTIFY_SOCKET,
                                      * STATUS= at every transition, STOPPING=1 on stop */
        const char *exit_propagation; /* kube play --service-exit-code-propagation: "any", "all", or
                                       * NULL/"none" (the supervisor then exits 0 when the pod ends) */
        int play_lock_fd;            /* the play marker's lock (pod-state.h), or -1: the supervisor keeps
                                      * it held until it has recorded itself in the pod's state, so a
                                      * teardown racing a killed play always finds the supervisor */
} PodSupervisorSetup;

/* The skiff-pod executable: $SKIFF_POD, else next to the running skiff (the build tree's
 * src/pod/skiff-pod from src/cli/skiff, or the same directory), else ../libexec/skiff/skiff-pod from
 * it, else the configured libexecdir's. NULL when none is executable. */
const char *pod_supervisor_binary(void);

/* Starts the supervisor of setup->pod_id's pod. Returns 0 with its pid in *ret_pid once the pod
 * started (ready with wait_ready); or -errno with a one-line *ret_error ("container web-server: exec
 * httpd: No such file or directory") and *ret_exit_class (125, or 126/127 for a command that cannot be
 * run) after the supervisor stopped what it had started, recorded why and exited. */
int pod_supervisor_start(const PodSupervisorSetup *setup, pid_t *ret_pid, char **ret_error, int *ret_exit_class);

/* Asks a running supervisor (pid with /proc starttime, 0: unchecked) to stop the pod, and waits up to
 * timeout_sec for it to exit. Returns 0, -ESRCH when it was not running, -ETIMEDOUT, or -errno. */
int pod_supervisor_stop(pid_t pid, uint64_t starttime, unsigned timeout_sec);

/* The same, with grace_sec >= 0 instead of the pod's terminationGracePeriodSeconds for this stop
 * (`pod stop -t`): the SIGTERM is sigqueue()d with grace_sec as its value, which the supervisor reads
 * from its signalfd (a plain SIGTERM, systemd's or kill(1)'s, keeps the pod's own grace period). */
int pod_supervisor_stop_grace(pid_t pid, uint64_t starttime, int grace_sec, unsigned timeout_sec);
