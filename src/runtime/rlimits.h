#pragma once

/* Resource limits of a container process: podman's defaults, --ulimit parsing, and apply.
 *
 * Defaults, as podman: RLIMIT_NOFILE 1048576:1048576 and RLIMIT_NPROC 1048576:1048576,
 * each clamped to the caller's hard limit when it may not raise it (no CAP_SYS_RESOURCE, as on these
 * hosts where the hard NOFILE is 20000): a default must never make the start fail. An explicit
 * --ulimit above the hard limit is an error at plan time instead (one line, naming the limit),
 * because the user asked for exactly that value. Every other limit is inherited. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

typedef struct Rlimit {
        int resource; /* RLIMIT_NOFILE, … */
        rlim_t soft;  /* RLIM_INFINITY for -1 / "unlimited" */
        rlim_t hard;
} Rlimit;

typedef struct Rlimits {
        Rlimit items[RLIM_NLIMITS]; /* at most one per resource, in the order set */
        size_t n;
} Rlimits;

/* Docker's names: core cpu data fsize locks memlock msgqueue nice nofile nproc rss rtprio rttime
 * sigpending stack (also "as"). Returns the RLIMIT_* number or -EINVAL. */
int rlimit_from_name(const char *name);
/* The docker name of resource, or NULL. Static string. */
const char *rlimit_to_name(int resource);

/* Parses "name=soft[:hard]" (hard defaults to soft; -1 or "unlimited" means RLIM_INFINITY; soft must
 * not exceed hard). Returns 0, or -EINVAL with *ret_error like `--ulimit "nofile=10:5": soft limit
 * 10 is above the hard limit 5`, or -ENOMEM. */
int rlimit_parse(const char *spec, Rlimit *ret, char **ret_error);

/* The caller's limits that bound the container's: hard[r] is the hard limit of resource r, and
 * can_raise tells whether the caller may go above them (CAP_SYS_RESOURCE in its effective set). */
typedef struct RlimitHost {
        rlim_t hard[RLIM_NLIMITS];
        bool can_raise;
} RlimitHost;

/* Reads getrlimit() for every resource and the effective CAP_SYS_RESOURCE. Returns 0 or -errno. */
int rlimit_host_read(RlimitHost *ret);

/* Pure: the defaults clamped to host, then each --ulimit of ulimits (NULL-terminated; may be NULL)
 * replacing the default of its resource (a later one of the same name wins). Returns 0 and fills
 * *ret, or -EINVAL with *ret_error (parse error, or `--ulimit "nofile=30000": hard limit 30000 is
 * above the caller's 20000`), or -ENOMEM. */
int rlimits_build(char *const *ulimits, const RlimitHost *host, Rlimits *ret, char **ret_error);

/* In the child: setrlimit() each item. Async-signal-safe. Returns 0 or -errno; *ret_failed (may be
 * NULL) is set to the failing item's resource. */
int rlimits_apply(const Rlimits *l, int *ret_failed);
