#pragma once

/* Kubernetes' container probes, as the kubelet's prober schedules and judges them, as a pure state
 * machine over a clock the caller passes in (microseconds; CLOCK_MONOTONIC in the supervisor, a fake
 * clock in the tests). Running a probe is the caller's job (probe-net.h for httpGet/tcpSocket, an exec
 * in the container for exec); this only says when to run which probe and what a result means.
 *
 *  - A probe first runs initialDelaySeconds after the container started, then every periodSeconds
 *    (counted from the start of the previous run, as the kubelet's ticker does). A run that takes more
 *    than timeoutSeconds counts as a failure (the executor enforces it).
 *  - successThreshold consecutive successes make a probe pass, failureThreshold consecutive failures
 *    make it fail; liveness and startup must have successThreshold 1 (validation says so).
 *  - While a startupProbe has not passed, liveness and readiness do not run. Once it passed it never
 *    runs again for this run of the container; failing it restarts the container, like liveness.
 *  - A container with a readinessProbe is not ready until it passes; without one it is ready once
 *    started. A container is "started" once its startupProbe passed (or at once without one).
 *  - Everything starts over when the container restarts (probe_set_reset()). */

#include <stdbool.h>
#include <stdint.h>

#include "pod/probe-net.h"

typedef enum ProbeKind {
        PROBE_STARTUP,
        PROBE_LIVENESS,
        PROBE_READINESS,
        _PROBE_KIND_MAX,
        _PROBE_KIND_INVALID = -EINVAL,
} ProbeKind;

const char *probe_kind_to_string(ProbeKind k); /* "startup", "liveness", "readiness" */

typedef enum ProbeHandler {
        PROBE_HANDLER_EXEC,
        PROBE_HANDLER_HTTP_GET,
        PROBE_HANDLER_TCP_SOCKET,
        _PROBE_HANDLER_MAX,
        _PROBE_HANDLER_INVALID = -EINVAL,
} ProbeHandler;

/* One probe as the pod spec gives it, with Kubernetes' defaults applied by the plan. */
typedef struct ProbeSpec {
        bool set;
        ProbeHandler handler;
        char **exec_argv;   /* exec */
        ProbeTarget target; /* httpGet, tcpSocket */
        unsigned initial_delay_sec;
        unsigned period_sec;  /* >= 1 */
        unsigned timeout_sec; /* >= 1 */
        unsigned success_threshold;
        unsigned failure_threshold;
} ProbeSpec;

void probe_spec_done(ProbeSpec *s);

typedef struct ProbeRunner {
        const ProbeSpec *spec; /* borrowed; NULL or !spec->set: no such probe */
        uint64_t next_due_usec;       /* valid when scheduled */
        bool scheduled;
        unsigned successes, failures; /* consecutive */
        bool running;                 /* a run was started and has not reported yet */
        bool passed;                  /* the last verdict (threshold reached) */
        bool failed;
} ProbeRunner;

/* What a result changed. */
typedef enum ProbeEvent {
        PROBE_EVENT_NONE,
        PROBE_EVENT_STARTED,   /* the startup probe passed (liveness/readiness begin) */
        PROBE_EVENT_READY,     /* the container became ready */
        PROBE_EVENT_UNREADY,   /* it stopped being ready */
        PROBE_EVENT_RESTART,   /* liveness or startup failed: kill and restart per restartPolicy */
} ProbeEvent;

typedef struct ProbeSet {
        ProbeRunner probe[_PROBE_KIND_MAX];
        bool started; /* startup probe passed, or none */
        bool ready;
} ProbeSet;

/* Sets up the probes of one container (specs borrowed, indexed by ProbeKind, NULL for none) for a run
 * that started at now. Returns the events that hold at once: READY when there is no readiness or
 * startup probe to wait for, else NONE. */
ProbeEvent probe_set_reset(ProbeSet *s, const ProbeSpec *const specs[_PROBE_KIND_MAX], uint64_t now);

/* The container stopped: nothing runs any more, and it is not ready. */
void probe_set_stop(ProbeSet *s);

/* The earliest time a probe is due; false when none is scheduled. */
bool probe_set_next_due(const ProbeSet *s, uint64_t *ret);

/* The probe due at now that should run (marking it running and scheduling its next run), or
 * _PROBE_KIND_INVALID when none is. Call until it returns _PROBE_KIND_INVALID. */
ProbeKind probe_set_take_due(ProbeSet *s, uint64_t now);

/* Reports the result of a run of kind started by probe_set_take_due(). */
ProbeEvent probe_set_result(ProbeSet *s, ProbeKind kind, bool success, uint64_t now);
