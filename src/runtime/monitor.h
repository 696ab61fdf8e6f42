#pragma once

/* The container monitor: the process that is the container's parent for its whole life.
 *
 * A detached container (`run -d`, `start`) gets one small monitor process: monitor_launch() forks,
 * the child calls setsid() and forks again (so the monitor is not the launcher's child and has no
 * controlling terminal), the grandchild becomes a child subreaper (PR_SET_CHILD_SUBREAPER: processes the
 * container leaves behind are reparented to it, not to PID 1, and are reaped), points stdio at
 * /dev/null and execs the small skiff-monitor binary, which runs monitor_main() (or runs it itself). It
 * spawns the container with rtcore's container_spawn(), reads the container's stdout/stderr pipes and writes
 * them to the log (ctr-log.h), records the exit in the container's state, applies --restart with back-off,
 * handles stop requests, and with --rm removes the container when it is gone. Over a pipe it tells the
 * launcher either "started PID" (after execve() succeeded) or the spawn error and its exit class, so `skiff
 * run -d` prints the id only once the command really runs.
 *
 * The foreground `skiff run` uses the same code in the calling process: monitor_run_attached() copies
 * the output to the caller's stdout/stderr as well as to the log, and with a tty gives the container a
 * pty, puts the caller's terminal in raw mode, forwards window size changes and signals.
 *
 * Split for issue 5's pod supervisor (one process, N containers + infra): everything about one
 * container is a MonitoredContainer with explicit event entry points (output readable, child exited,
 * stop requested, timer due); the process-level part (MonitorLoop: epoll, signalfd, one timerfd, the
 * subreaper's waitpid loop) only dispatches events to the containers it holds. A pod supervisor adds
 * several containers to one loop.
 *
 * Stop protocol (between a command and a running monitor): the command takes the container lock, sets
 * stop_requested in state.json, and sends the monitor SIGTERM with sigqueue(), whose value carries the
 * timeout in seconds + 1 (0: use the container's --stop-timeout). The monitor sends the stop signal,
 * arms a timer, sends SIGKILL when it fires, records the exit, and exits (no restart after a stop).
 * The command waits for the monitor to exit (pidfd). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/container-plan.h"
#include "runtime/ctr-log.h"
#include "runtime/state.h"

/* The exit statuses skiff uses as podman does (a spawn failure's class). */
enum {
        EXIT_SETUP_FAILED = 125,  /* skiff's or the runtime's own error */
        EXIT_CANNOT_INVOKE = 126, /* the command exists but cannot be executed */
        EXIT_NOT_FOUND = 127,     /* the command was not found */
};

/* The sigqueue() value of a stop request: MONITOR_STOP_MAGIC | timeout seconds (0xffff: the
 * container's --stop-timeout). A SIGTERM without it (kill, systemd) stops a detached monitor's
 * containers with their own timeout and is forwarded to the container by an attached one. */
#define MONITOR_STOP_MAGIC 0x534b0000

typedef struct MonitorLoop MonitorLoop;

typedef enum MonitoredState {
        MCTR_IDLE, /* not started, or waiting for a restart back-off */
        MCTR_RUNNING,
        MCTR_STOPPING, /* stop signal sent, kill timer armed */
        MCTR_DONE,     /* exited and will not be restarted */
} MonitoredState;

/* One container under a monitor. Owned by its loop once added. */
typedef struct MonitoredContainer {
        MonitorLoop *loop;       /* borrowed back-pointer */
        size_t index;            /* in the loop */
        ContainerConfig *config; /* owned */
        ContainerPlan *plan;     /* owned; loaded from config->plan_json at the first start */
        char **cgroup_paths;     /* owned; from the last SpawnResult */
        MonitoredState state;
        pid_t pid;          /* container's init, 0 when not running */
        int pidfd;          /* -EBADF when not running */
        int out_fd, err_fd; /* read ends of the stdout/stderr pipes (or the pty master in out_fd) */
        CtrLog *log;        /* owned */
        unsigned restart_count;
        uint64_t timer_due_usec; /* CLOCK_MONOTONIC: kill deadline or restart time; 0 = none */
        unsigned stop_timeout;   /* effective timeout for the current stop */
        int exit_code;           /* last exit (128+N for signals) */
        bool stop_requested;
        /* Attached mode: where output is copied besides the log (-EBADF: nowhere). Borrowed fds. */
        int tee_out_fd, tee_err_fd;
        struct HealthMonitor *health; /* owned; the plan's health check (health.h), NULL: none */
} MonitoredContainer;

/* What the launcher learns from monitor_launch(). */
typedef struct MonitorLaunchResult {
        pid_t monitor_pid;
        pid_t container_pid;
        int exit_class; /* on failure: 125, 126 or 127 */
} MonitorLaunchResult;

/* Starts a detached monitor for container id (its record must exist and not run). Returns 0 once the
 * container's command was exec'd; or -errno with *ret_error (one line, e.g. "exec /bin/nope: No such
 * file or directory") and ret->exit_class set, in which case the monitor has recorded the failure,
 * cleaned up (and with --rm removed the record) and exited.
 *
 * helper is the path of the skiff-monitor executable (execl'd by the grandchild with the report pipe
 * as fd 3), or NULL to run monitor_main() in the forked copy of the caller (also the fallback when the
 * exec fails). */
int monitor_launch(const SkiffPaths *paths, const char *id, const char *helper, MonitorLaunchResult *ret,
                   char **ret_error);

/* Options of the foreground (attached) run. */
typedef struct MonitorAttach {
        bool tty;         /* -t: give the container a pty, raw mode on stdin_fd if it is a terminal */
        bool interactive; /* -i: copy stdin_fd to the container */
        int stdin_fd, stdout_fd, stderr_fd; /* the caller's */
} MonitorAttach;

/* Runs container id in the calling process until it exits (restart policies apply). Returns the
 * container's exit status (0..255) as `skiff run` exits with it, or -errno with *ret_error and
 * *ret_exit_class (125/126/127) when it could not be started. */
int monitor_run_attached(const SkiffPaths *paths, const char *id, const MonitorAttach *a,
                         int *ret_exit_class, char **ret_error);

/* The k8s-file log of c: config->log_path or ROOT/containers/<id>/ctr.log; NULL for the other drivers
 * (or OOM). New string. */
char *container_log_path(ContainerStore *s, const ContainerConfig *c);

/* Removes a container that does not run: container_spawn_cleanup() (cgroups, storage), then the record.
 * Returns 0, -EBUSY when it runs, -ENOENT, or -errno with *ret_error. */
int container_destroy(ContainerStore *s, const char *id, char **ret_error);

/* Sends a stop request to the monitor of a running container and waits until the container has exited
 * (at most timeout + a few seconds). timeout < 0: the container's --stop-timeout. Returns 0, -ESRCH when
 * it was not running (then nothing is done), or -errno. */
int container_stop(ContainerStore *s, const char *id, int timeout, char **ret_error);

/* --- Building blocks for a supervisor (the detached monitor and issue 5's pod supervisor) --- */

/* Creates a loop (epoll, signalfd for SIGCHLD/SIGTERM/SIGINT/SIGHUP/SIGWINCH, timerfd). Blocks those
 * signals in the calling thread. Returns 0 or -errno. */
int monitor_loop_new(ContainerStore *store, MonitorLoop **ret);
MonitorLoop *monitor_loop_free(MonitorLoop *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(MonitorLoop *, monitor_loop_free);

/* Takes ownership of config and adds a container to the loop (not started). Returns the container
 * (borrowed, owned by the loop) or NULL on OOM. */
MonitoredContainer *monitor_loop_add(MonitorLoop *l, ContainerConfig *config);

/* Spawns the container (container_spawn() with pipes for stdout/stderr), opens its log, records
 * "running" in its state. Returns 0, or -errno with *ret_error and *ret_exit_class. */
int mctr_start(MonitoredContainer *c, char **ret_error, int *ret_exit_class);
/* Starts a stop: stop signal now, SIGKILL after timeout seconds (< 0: the container's). */
int mctr_stop(MonitoredContainer *c, int timeout);
/* Reads what is available on fd (one of c's) into the log; returns 0, or 1 at EOF. */
int mctr_handle_output(MonitoredContainer *c, int fd);
/* The container's init exited with wait status wstatus: flushes the log, records the exit, decides on
 * a restart (arming the back-off timer) or DONE. Returns 0 or -errno. */
int mctr_handle_exit(MonitoredContainer *c, int wstatus);
/* The container's timer is due (kill deadline or restart back-off). */
int mctr_handle_timer(MonitoredContainer *c);

/* Restart back-off before the Nth restart (N >= 1), in microseconds: 100 ms doubling, at most 10 s as
 * podman/conmon's restart loop does not go lower; pure. */
uint64_t restart_backoff_usec(unsigned n);
/* Whether policy p restarts after an exit with code exit_code after restart_count restarts; pure. */
bool restart_policy_should_restart(RestartPolicy p, unsigned max, unsigned restart_count, int exit_code,
                                   bool stop_requested);

/* Runs the loop until every container is DONE. Returns 0 or -errno. */
int monitor_loop_run(MonitorLoop *l);

/* The detached monitor's exit status once its container is done (loop_result: monitor_loop_run()'s).
 * 0 normally; as a systemd unit's main process (sdnotify conmon/container/healthy with NOTIFY_SOCKET
 * set) the container's exit_code (128+N for a signal) as conmon gives it, except 0 after a stop. */
int monitor_exit_status(const ContainerConfig *c, int exit_code, bool stop_requested, int loop_result);

/* The detached monitor's body (after the double fork); never returns: _exit()s. report_fd is the pipe
 * to the launcher (closed after the first report). */
_Noreturn void monitor_main(const SkiffPaths *paths, const char *id, int report_fd);
