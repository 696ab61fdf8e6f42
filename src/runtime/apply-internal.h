#pragma once

/* Shared by the apply-*.c files (the child side of container_spawn()/container_exec()); not API.
 *
 * Everything the child does before execve() reports failure as a step name and an errno through
 * ChildError: the parent turns it into the one-line message. The child never allocates after the
 * point where the caller could be multithreaded... in practice the callers (skiff run, the monitor)
 * are single-threaded, so the rootfs code below may use snprintf and small mallocs. */

#include <stdbool.h>
#include <stddef.h>

#include "runtime/container-plan.h"

typedef struct ChildError {
        int err;       /* positive errno */
        int exec;      /* 1: the failing step was the execve() of the command (exit 126/127) */
        char msg[512]; /* "mount /proc: " is added by the parent from step and err */
} ChildError;

/* Formats into e and returns -err. */
int child_error(ChildError *e, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Sets up the container's root file system at root (a directory on the host that becomes "/"):
 * overlay (or bind of the plain rootfs), every plan mount, devices, masked and read-only paths,
 * sysctls, then pivot_root, read-only remount of /, hostname. Runs in the child, in its own mount
 * namespace. userns: the child is in a user namespace of its own (mount fallbacks apply);
 * become_root: switch to uid/gid 0 of that namespace once the host paths are open; premounted: the
 * parent already put the root file system at root (an idmapped overlay, see apply-spawn.c);
 * cgroup_paths: the container's cgroups (rtsec's relative paths) shown at /sys/fs/cgroup. */
int apply_rootfs(const ContainerPlan *plan, const char *root, bool userns, bool become_root, bool premounted,
                 char *const *cgroup_paths, bool cgroup_v2_root, ChildError *e);

/* Opens path inside root_fd (symlinks resolved inside root, never outside), creating missing
 * directories (and, with file, the last component as an empty file) when create is set.
 * Returns an O_PATH fd or -errno. */
int open_in_root(int root_fd, const char *path, bool create, bool file);
