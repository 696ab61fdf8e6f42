#pragma once

/* Applying a ContainerPlan: the only part of the runtime core that makes syscalls (apply-*.c).
 *
 * container_spawn() clones the container's process into its namespaces, sets up the root filesystem
 * and everything in it, and returns once execve() of the container's command succeeded (the child's
 * error pipe is O_CLOEXEC: EOF on it means the exec happened). Any failure before that is reported as
 * one line naming the step ("mount /proc: Permission denied", "exec /bin/nosuch: No such file or
 * directory") and everything created for the container (cgroups, mounts, the process) is gone again.
 *
 * The caller becomes the parent of the container process (the monitor, or `skiff run` in the
 * foreground) and must reap it; this holds when a pid namespace is joined too (the caller's
 * pid_for_children points at it around the clone: no double fork), so plan->parent_death_signal
 * always refers to the caller. Nothing here logs above debug, prints, or calls exit(). */

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/container-plan.h"

/* The container's stdio. fds are borrowed (dup'd into the child); -1 means /dev/null. With tty, the
 * container's stdin/stdout/stderr are the slave side of a pty: pass one (pty_slave >= 0), or set
 * create_pty and get the master back in SpawnResult.pty_master. create_pty makes the pty inside the
 * container's own devpts (after the mounts, or after joining the namespaces for exec), so `tty` and
 * ttyname() work there and /dev/console is that pty; the master comes back over a socket (crun's
 * console socket). Prefer it for `run -t` and `exec -t`. */
typedef struct SpawnStdio {
        int stdin_fd;
        int stdout_fd;
        int stderr_fd;
        bool tty;        /* stdio is a terminal (the plan's tty flag is what the container sees) */
        int pty_slave;   /* -1: none given */
        bool create_pty; /* allocate a pty; the child gets the slave as its controlling terminal */
        int *keep_fds;   /* extra fds passed on as 3, 4, ... (e.g. LISTEN_FDS, the sdnotify socket) */
        size_t n_keep_fds;
        bool clone_parent; /* the process becomes a child of the caller's parent (CLONE_PARENT), which
                            * gets its SIGCHLD, reaps it, and is the parent its parent-death signal
                            * refers to: skiff-pod-spawn, a short-lived helper, starts a pod's
                            * containers as children of the pod's supervisor. The caller cannot
                            * waitpid() it (a failed start leaves its zombie to that parent). */
} SpawnStdio;

/* SPAWN_STDIO_INIT: no fds (all /dev/null), no tty. */
#define SPAWN_STDIO_INIT                                                           \
        (SpawnStdio) {                                                             \
                .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .pty_slave = -1, \
        }

typedef struct SpawnResult {
        pid_t pid;           /* the container's process (PID 1 inside a new pid namespace), our child */
        int pidfd;           /* a pidfd for pid (O_CLOEXEC), or -1 when the kernel has none */
        int pty_master;      /* with create_pty: the master side (O_CLOEXEC), else -1 */
        char **cgroup_paths; /* the container's cgroups relative to the cgroup root, as rtsec's
                              * CgroupPlan.paths ("memory/…/skiff-<id>"); NULL-terminated, may be NULL
                              * (--cgroups=disabled). For state, cgroup_kill() and cleanup. */
        int exit_code;       /* on failure (only this field is set then): 125 setup, 126 the command cannot
                              * be executed (EACCES, ENOEXEC, a directory), 127 the command was not found */
} SpawnResult;

/* Releases what SpawnResult owns (closes pidfd and pty_master if still >= 0, frees cgroup_paths). */
void spawn_result_done(SpawnResult *r);

/* Spawns the container. Returns 0 with *ret filled, or -errno with *ret_error (a new one-line message,
 * without a "skiff:" prefix; may stay NULL on -ENOMEM) and ret->exit_code set. */
int container_spawn(const ContainerPlan *plan, const SpawnStdio *io, SpawnResult *ret, char **ret_error);

/* container_spawn() of n containers at once (a pod's): the parent's share of each (run dir, cgroups,
 * the clone, joining the cgroups) is done one after another, while the children already set up their
 * namespaces and root file systems, all at the same time; then every child's verdict is collected. For
 * each i, the same contract as container_spawn(plans[i], &ios[i], &rets[i], &errors[i]) with its
 * return value in rs[i]: a container that fails is gone, the others run. Returns the number that
 * failed, or -ENOMEM (then none was started). errors[i] are new strings (or NULL) to free. */
int container_spawn_many(const ContainerPlan *const *plans, const SpawnStdio *ios, size_t n, SpawnResult *rets,
                         char **errors, int *rs);

/* What container_spawn_cleanup() removes besides the cgroups and the run dir. */
typedef enum SpawnCleanupFlags {
        SPAWN_CLEANUP_STORAGE = 1 << 0, /* the container's upper and work dirs (container_dir): on rm */
} SpawnCleanupFlags;

/* Removes what outlives the container's process: its cgroups (cgroup_paths, from SpawnResult) (they must be
 * empty: call after the process was reaped; killing stray members is the caller's choice, see rtsec's
 * cgroup.h), the files in run_dir, and with SPAWN_CLEANUP_STORAGE the container's storage. Idempotent:
 * missing pieces are fine. Returns 0, or the first -errno with *ret_error while still trying every other
 * piece. */
int container_spawn_cleanup(const ContainerPlan *plan, char *const *cgroup_paths, unsigned flags,
                            char **ret_error);

/* Options of `skiff exec`, over the plan's process settings. */
typedef struct ExecOptions {
        char **argv; /* required */
        char **env;  /* -e NAME=VALUE (or NAME, from the caller's environment), over the plan's env */
        char **env_files;
        char *user;    /* -u: resolved in the container's own /etc/passwd (its current content) */
        char *workdir; /* -w */
        bool tty;
        bool privileged; /* --privileged: all capabilities, no seccomp (as podman exec --privileged) */
        char **cap_add;  /* not in podman exec; reserved */
} ExecOptions;

/* Runs a new process in the running container whose process is target (its PID 1 seen from the host):
 * joins every namespace of target that differs from the caller's (user first, so the others may be
 * joined), target's cgroups, then chdir, user, rlimits, caps, no_new_privs and seccomp as the plan says,
 * and execs. Same return and error contract as container_spawn(); *ret->pid is the new process. */
int container_exec(const ContainerPlan *plan, pid_t target, const ExecOptions *opts, const SpawnStdio *io,
                   SpawnResult *ret, char **ret_error);
