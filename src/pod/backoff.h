#pragma once

/* Kubernetes' restart rules for the containers of a pod, as the kubelet applies them, as pure functions
 * of a clock the caller passes in (CLOCK_MONOTONIC microseconds in the supervisor, a fake clock in the
 * tests).
 *
 *  - restartPolicy Always restarts every exit, OnFailure a non-zero exit, Never nothing. An init
 *    container is restarted on failure unless the pod's policy is Never (then the pod fails), never
 *    after a success; a sidecar (an init container with restartPolicy Always) restarts always.
 *  - Back-off: the first restart waits 10 s, each further one twice as long, at most 5 min; a container
 *    that ran 10 min without exiting starts over at 10 s. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define BACKOFF_INITIAL_USEC (10ULL * 1000000ULL)
#define BACKOFF_MAX_USEC (300ULL * 1000000ULL)
#define BACKOFF_RESET_USEC (600ULL * 1000000ULL)

typedef enum PodRestartPolicy {
        POD_RESTART_ALWAYS,
        POD_RESTART_ON_FAILURE,
        POD_RESTART_NEVER,
        _POD_RESTART_POLICY_MAX,
        _POD_RESTART_POLICY_INVALID = -EINVAL,
} PodRestartPolicy;

/* "Always", "OnFailure", "Never" (Kubernetes' spelling, case-sensitive as the API is). */
const char *pod_restart_policy_to_string(PodRestartPolicy p);
PodRestartPolicy pod_restart_policy_from_string(const char *s);

typedef enum PodContainerRole {
        POD_ROLE_APP,     /* spec.containers[] */
        POD_ROLE_INIT,    /* spec.initContainers[] run to completion */
        POD_ROLE_SIDECAR, /* spec.initContainers[] with restartPolicy: Always */
} PodContainerRole;

/* Whether a container of that role restarts after exiting with exit_code (128+N for signal N) under the
 * pod's policy. */
bool pod_should_restart(PodRestartPolicy policy, PodContainerRole role, int exit_code);

/* One container's back-off. Zero-initialise (or BACKOFF_INIT) with the base delays; the supervisor may
 * scale them down for tests (initial/max of 0 mean the defaults). */
typedef struct Backoff {
        uint64_t initial_usec;
        uint64_t max_usec;
        uint64_t reset_usec;
        uint64_t started_usec; /* when the current run started, 0: not running */
        uint64_t delay_usec;   /* the delay given for the last restart, 0: none yet */
        unsigned restarts;     /* restarts so far (Kubernetes' restartCount) */
} Backoff;

/* The container started (or restarted) at now. */
void backoff_started(Backoff *b, uint64_t now);

/* The container exited at now and will be restarted: returns the delay before the restart (and counts
 * the restart). */
uint64_t backoff_next_delay(Backoff *b, uint64_t now);
