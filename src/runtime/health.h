#pragma once

/* A container's health check (`skiff run --health-cmd ... [--health-interval] [--health-retries]
 * [--health-start-period] [--health-timeout]`, quadlet's HealthCmd= and friends), as podman and Docker
 * define it, as a pure state machine over a clock the caller passes in (microseconds, CLOCK_MONOTONIC in
 * the monitor); running the command inside the container is the monitor's job.
 *
 *  - The first check runs one interval after the container started, then one interval after the
 *    previous check ended.
 *  - A check that exits 0 is a success; a non-zero exit, or a run longer than the timeout (the monitor
 *    kills it), is a failure.
 *  - The status starts as "starting"; one success makes it "healthy"; `retries` consecutive failures
 *    make it "unhealthy". Failures within the start period after the start do not count (a success
 *    there still makes it healthy).
 *  - Everything starts over when the container restarts (health_reset()). */

#include <stdbool.h>
#include <stdint.h>

typedef enum HealthStatus {
        HEALTH_NONE, /* no health check */
        HEALTH_STARTING,
        HEALTH_HEALTHY,
        HEALTH_UNHEALTHY,
        _HEALTH_STATUS_MAX,
        _HEALTH_STATUS_INVALID = -22,
} HealthStatus;

const char *health_status_to_string(HealthStatus s); /* "", "starting", "healthy", "unhealthy" */
HealthStatus health_status_from_string(const char *s);

/* podman's defaults */
#define HEALTH_INTERVAL_DEFAULT_USEC (30ULL * 1000000ULL)
#define HEALTH_TIMEOUT_DEFAULT_USEC (30ULL * 1000000ULL)
#define HEALTH_RETRIES_DEFAULT 3U

typedef struct HealthSpec {
        char **argv;              /* NULL: no health check; argv[0] run in the container */
        uint64_t interval_usec;   /* > 0 */
        uint64_t timeout_usec;    /* > 0 */
        uint64_t start_period_usec;
        unsigned retries;         /* >= 1 */
} HealthSpec;

typedef struct HealthRunner {
        HealthStatus status;
        uint64_t started_usec; /* when the container started */
        uint64_t next_due_usec;
        unsigned failures; /* consecutive, counted ones */
        bool running;
} HealthRunner;

/* The container started at now: status "starting", the first check due one interval later. */
void health_reset(HealthRunner *h, const HealthSpec *spec, uint64_t now);
/* Is a check due at now (and none running)? The caller then runs one and calls health_begin(). */
bool health_due(const HealthRunner *h, uint64_t now);
void health_begin(HealthRunner *h);
/* The check that began ended (success false also for a timeout) at now. Returns true when the status
 * changed. */
bool health_result(HealthRunner *h, const HealthSpec *spec, bool success, uint64_t now);

/* Go's time.ParseDuration as podman reads --health-* durations ("30s", "1m30s", "1.5s", "500ms";
 * units ns us µs ms s m h; "0" alone): 0 and the microseconds (rounded down), or -EINVAL. */
int health_parse_duration(const char *s, uint64_t *ret_usec);

/* --health-cmd as podman takes it: a JSON array ["CMD", "a", "b"] (exec form), ["CMD-SHELL", "cmd"] or
 * any other string (run with /bin/sh -c). "none" and ["NONE"] disable the check (*ret NULL). 0 or
 * -EINVAL (a JSON array that is not a list of strings, or empty) or -ENOMEM. */
int health_parse_cmd(const char *s, char ***ret_argv);
