#pragma once

/* Container health checks, as podman's (`run --health-*`, the image's HEALTHCHECK, `healthcheck run`).
 *
 *   HealthOptions   the --health-* flags as the user typed them (strings; part of RunOptions)
 *   HealthConfig    the parsed check (the flags over the image's HEALTHCHECK), stored in the plan
 *   HealthState     what the checks found: Status starting|healthy|unhealthy, FailingStreak and the
 *                   last results, in RUNROOT/containers/<id>/health.json (podman's State.Health
 *                   layout, so `inspect` shows it as is)
 *
 * The container's monitor runs the check on its timer (health_monitor_*: a timerfd in the monitor's
 * epoll, each check in a short-lived child of the monitor, so the loop never blocks on it), and
 * performs --health-on-failure and --sdnotify=healthy's READY=1. `skiff healthcheck run` runs
 * health_run_once() itself. A check is a process in the running container, started as `skiff exec`
 * starts one (container_exec()), its stdout and stderr together its Output.
 *
 * The parsers are pure (unit-tested); nothing here prints. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cleanup.h"

/* The --health-* flags, NULL when not given. Owned strings. */
typedef struct HealthOptions {
        char *cmd;             /* --health-cmd CMD | '["CMD","a"]' | none */
        char *interval;        /* --health-interval DURATION | disable */
        char *timeout;         /* --health-timeout DURATION */
        char *retries;         /* --health-retries N */
        char *start_period;    /* --health-start-period DURATION */
        char *on_failure;      /* --health-on-failure none|kill|restart|stop */
        char *startup_cmd;     /* --health-startup-cmd */
        char *startup_interval;
        char *startup_retries;
        char *startup_success;
        char *startup_timeout;
        char *log_destination; /* --health-log-destination local|events_logger|DIR */
        char *max_log_count;   /* --health-max-log-count N (0: unlimited) */
        char *max_log_size;    /* --health-max-log-size N (0: unlimited) */
        bool disabled;         /* --no-healthcheck */
} HealthOptions;

void health_options_done(HealthOptions *o);

/* The image's HEALTHCHECK (config.Healthcheck): Test as in the image, durations in nanoseconds
 * (0: the default). Borrowed. */
typedef struct ImageHealthcheck {
        char **test;
        int64_t interval_ns, timeout_ns, start_period_ns;
        int retries;
} ImageHealthcheck;

typedef enum HealthOnFailure {
        HEALTH_ON_FAILURE_NONE,
        HEALTH_ON_FAILURE_KILL,
        HEALTH_ON_FAILURE_RESTART,
        HEALTH_ON_FAILURE_STOP,
        _HEALTH_ON_FAILURE_MAX,
        _HEALTH_ON_FAILURE_INVALID = -22,
} HealthOnFailure;

const char *health_on_failure_to_string(HealthOnFailure f);
HealthOnFailure health_on_failure_from_string(const char *s);

typedef struct HealthConfig {
        char **test;               /* ["CMD-SHELL", "cmd"] or ["CMD", "argv0", ...] (podman's Test) */
        uint64_t interval_usec;    /* 0: no timer (--health-interval disable): only `healthcheck run` */
        uint64_t timeout_usec;     /* > 0 */
        uint64_t start_period_usec;
        unsigned retries;          /* failures in a row that make it unhealthy (>= 1) */
        HealthOnFailure on_failure;
        char **startup_test;       /* NULL: no startup check */
        uint64_t startup_interval_usec, startup_timeout_usec;
        unsigned startup_retries;  /* failed startup checks that restart the container; 0: never */
        unsigned startup_success;  /* passed startup checks before the regular one starts (0 = 1) */
        char *log_destination;     /* "local", "events_logger" or an absolute directory */
        unsigned max_log_count;    /* 0: unlimited */
        unsigned max_log_size;     /* bytes of Output kept per result; 0: unlimited */
} HealthConfig;

HealthConfig *health_config_free(HealthConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(HealthConfig *, health_config_free);

/* Go's duration syntax as podman takes it ("30s", "1m30s", "500ms", "1.5h", "0"). Returns 0 or
 * -EINVAL (-ERANGE past 2^63 ns). */
int health_duration_parse(const char *s, uint64_t *ret_usec);
/* Formats usec as Go does ("1m30s", "500ms", "0s") into buf. Returns buf. */
char *health_duration_format(uint64_t usec, char *buf, size_t size);

/* --health-cmd's value as podman reads it: "none" (or ["NONE"]): *ret NULL; a JSON array
 * '["CMD","a","b"]', '["CMD-SHELL","a b"]', '["a","b"]' (CMD), '["a b"]' (CMD-SHELL); a string
 * "CMD a b" / "CMD-SHELL a b"; any other string: CMD-SHELL. Returns 0 or -EINVAL. */
int health_cmd_parse(const char *s, char ***ret);

/* The argv a Test runs: CMD-SHELL "x" -> /bin/sh -c x, CMD a b -> a b. NULL for NONE/empty/unknown. */
char **health_test_argv(char *const *test);

/* The check from the flags over the image's HEALTHCHECK (image may be NULL), with podman's defaults
 * (interval 30s, timeout 30s, retries 3, start period 0, on-failure none, startup interval and
 * timeout 30s, log local, 5 results of 500 bytes). *ret NULL when there is none (no command, "none",
 * --no-healthcheck). Returns 0, or -EINVAL with *ret_error naming the flag ("--health-retries x:
 * expected a number"). */
int health_config_build(const HealthOptions *o, const ImageHealthcheck *image, HealthConfig **ret,
                        char **ret_error);

/* The config for the plan's JSON, and back (-EBADMSG with a message naming the key). */
struct json_object;
int health_config_to_json(const HealthConfig *c, struct json_object **ret);
int health_config_from_json(struct json_object *o, HealthConfig **ret, char **ret_error);

/* --- state --- */

typedef enum HealthStatus {
        HEALTH_STARTING,
        HEALTH_HEALTHY,
        HEALTH_UNHEALTHY,
        _HEALTH_STATUS_MAX,
        _HEALTH_STATUS_INVALID = -22,
} HealthStatus;

const char *health_status_to_string(HealthStatus s);
HealthStatus health_status_from_string(const char *s);

typedef struct HealthLogEntry {
        char *start, *end; /* RFC3339 nanos */
        int exit_code;
        char *output;
} HealthLogEntry;

typedef struct HealthState {
        HealthStatus status;
        unsigned failing_streak;
        HealthLogEntry *log; /* oldest first */
        size_t n_log;
} HealthState;

void health_state_done(HealthState *s);

/* What a result did to the state. */
typedef enum HealthResult {
        HEALTH_RESULT_PASSED = 0,    /* the check passed: healthy */
        HEALTH_RESULT_FAILED = 1,    /* it failed, not (yet) unhealthy (streak < retries, start period) */
        HEALTH_RESULT_UNHEALTHY = 2, /* it failed and the container is unhealthy now */
} HealthResult;

/* Records one result into s (pure): appends the entry (taking its strings; output cut to
 * max_log_size, the log to max_log_count), updates status and streak as podman does: a pass makes
 * it healthy with streak 0; a failure within the start period (in_start_period) only logs; else the
 * streak grows and reaching retries makes it unhealthy. A startup check (startup) only logs. */
HealthResult health_state_record(HealthState *s, const HealthConfig *c, bool startup, bool in_start_period,
                                 HealthLogEntry *entry);

/* health.json text <-> state (podman's State.Health: Status, FailingStreak, Log[Start, End, ExitCode,
 * Output]). parse: 0 or -EBADMSG. */
int health_state_parse(const char *text, HealthState *ret);
int health_state_to_json(const HealthState *s, struct json_object **ret);

/* RUNROOT/containers/<id>/health.json of a container store: load (-ENOENT when no check has run or
 * been set up) and save (atomic replace). The caller holds the container lock for a
 * read-modify-write. */
typedef struct ContainerStore ContainerStore;
int health_state_load(ContainerStore *store, const char *id, HealthState *ret);
int health_state_save(ContainerStore *store, const char *id, const HealthState *s);

/* Resets the state to "starting", streak 0, keeping the log (at each start of the container). */
int health_state_reset(ContainerStore *store, const char *id);

/* Runs the check (or with startup the startup check) of the running container once: a process in
 * the container (target: its init as seen from the host), killed after the timeout; records the
 * result under the container lock (start period from the state's started_at) and, with a directory
 * as log destination, writes DIR/<id>-healthcheck.log too. Returns the HealthResult (>= 0), or -errno
 * with *ret_error when the check could not be run at all. */
struct ContainerPlan;
int health_run_once(ContainerStore *store, const char *id, const struct ContainerPlan *plan, pid_t target,
                    bool startup, char **ret_error);

/* --- the monitor's part --- */

typedef struct HealthMonitor HealthMonitor;

/* What the monitor must do after a health event. */
typedef enum HealthAction {
        HEALTH_ACTION_NONE,
        HEALTH_ACTION_KILL,    /* SIGKILL the container (its restart policy applies) */
        HEALTH_ACTION_RESTART, /* stop it and start it again, whatever its restart policy */
        HEALTH_ACTION_STOP,    /* stop it for good */
} HealthAction;

/* A monitor for container id with config (borrowed; lives as long as the plan). sdnotify_healthy:
 * send READY=1 once healthy (--sdnotify=healthy under NOTIFY_SOCKET). Returns 0 or -errno. */
int health_monitor_new(ContainerStore *store, const char *id, const HealthConfig *config, bool sdnotify_healthy,
                       HealthMonitor **ret);
HealthMonitor *health_monitor_free(HealthMonitor *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(HealthMonitor *, health_monitor_free);

/* The timerfd to watch (EPOLLIN: call health_monitor_on_timer()). */
int health_monitor_fd(const HealthMonitor *m);
/* The container (re)started with init pid (plan: for the checks, borrowed): status starting, the
 * first check armed. */
void health_monitor_started(HealthMonitor *m, const struct ContainerPlan *plan, pid_t pid);
/* The container exited: no more checks (a running one is killed). */
void health_monitor_stopped(HealthMonitor *m);
/* The timer fired: starts a check in a child process if none runs. */
void health_monitor_on_timer(HealthMonitor *m);
/* A child was reaped: if it is this monitor's check process, returns true and sets *ret_action. */
bool health_monitor_on_reaped(HealthMonitor *m, pid_t pid, int wstatus, HealthAction *ret_action);
/* Whether an action asked for a restart that the exit handling must honour (and clears it). */
bool health_monitor_take_restart(HealthMonitor *m);
