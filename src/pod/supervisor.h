#pragma once

/* The pod supervisor: one process per pod, the parent of the pod's infra container and of every
 * container, for the pod's whole life (DESIGN.md "Process model").
 *
 * pod_supervisor_start() forks it detached (setsid, double fork) from `kube play`, which has already
 * checked everything, resolved the images, built every container plan and created the records: the
 * supervisor only applies. It becomes a child subreaper, starts the infra (skiff-pause in an empty root,
 * owning the pod's net/ipc/uts and, with shareProcessNamespace, pid namespaces), points every plan at
 * the infra's namespaces, runs the init containers one after the other to success, then starts the
 * containers (each container_spawn() returns as soon as its command was exec'd, nothing waits for a
 * container before starting the next), and reports "started" (or, with wait_ready, "ready" once every
 * container is ready) over a pipe to `kube play`, which then exits.
 *
 * From then on it runs one epoll loop: container output into CRI logs, exits recorded and restarted
 * with Kubernetes' back-off (backoff.h), probes (probe.h; httpGet/tcpSocket from inside the pod's
 * network namespace, exec through container_exec()), postStart/preStop hooks, and a stop request
 * (SIGTERM from `kube down`/`pod stop`, or systemd): preStop, the stop signal, then SIGKILL after
 * terminationGracePeriodSeconds. The pod's state (pod-state.h) and each container's record
 * (runtime/state.h) are rewritten at every transition, so `pod ps/inspect` and `skiff ps` read them while
 * it runs and after it ended. When nothing is left to run (every container done under OnFailure/Never,
 * or after a stop) it stops the infra, removes the cgroups, records the end and exits. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/paths.h"
#include "pod/pod-state.h"
#include "runtime/container-plan.h"
#include "runtime/state.h"

typedef struct PodSupervisorSetup {
        const SkiffPaths *paths;
        const PodConfig *config;    /* borrowed */
        ContainerPlan *infra_plan;  /* borrowed: the supervisor (a fork) patches its copy */
        ContainerPlan **plans;      /* borrowed, index-aligned with config->members */
        char **log_paths;           /* index-aligned; NULL entries: no log file (journald, none) */
        LogDriver log_driver;
        bool wait_ready;            /* report only once every container is ready */
        unsigned backoff_initial_ms; /* 0: Kubernetes' 10 s (tests scale it down) */
        unsigned backoff_max_ms;     /* 0: 5 min */
        bool sd_notify;              /* systemd Type=notify (kube play --service-container): once the pod
                                      * started, send MAINPID=<supervisor> and READY=1 to $NOTIFY_SOCKET,
                                      * STATUS= at every transition, STOPPING=1 on stop */
        int play_lock_fd;            /* the play marker's lock (pod-state.h), or -1: the supervisor keeps
                                      * it held until it has recorded itself in the pod's state, so a
                                      * teardown racing a killed play always finds the supervisor */
} PodSupervisorSetup;

/* Starts the supervisor of setup->config's pod. Returns 0 with its pid in *ret_pid once the pod
 * started (ready with wait_ready); or -errno with a one-line *ret_error ("container web-server: exec
 * httpd: No such file or directory") and *ret_exit_class (125, or 126/127 for a command that cannot be
 * run) after the supervisor stopped what it had started, recorded why and exited. */
int pod_supervisor_start(const PodSupervisorSetup *setup, pid_t *ret_pid, char **ret_error, int *ret_exit_class);

/* Asks a running supervisor (pid with /proc starttime, 0: unchecked) to stop the pod, and waits up to
 * timeout_sec for it to exit. Returns 0, -ESRCH when it was not running, -ETIMEDOUT, or -errno. */
int pod_supervisor_stop(pid_t pid, uint64_t starttime, unsigned timeout_sec);
