#pragma once

/* Capabilities of a container process: build (pure) and apply (libcap, in the child).
 *
 * A CapSet holds the five kernel sets as 64-bit masks (bit n = capability n, as in
 * /proc/self/status). caps_build() turns podman's flags into one: the 11 default capabilities
 * (podman 4/5 and containers-common's default_capabilities), then --cap-drop, then --cap-add
 * ("ALL" in either, case-insensitive, CAP_ prefix optional), or every capability the kernel knows
 * with --privileged. Like podman, a container running as a non-root user gets the bounding set
 * only: its permitted/effective/inheritable sets are empty, except for capabilities named in
 * --cap-add, which are also raised in the ambient set so that they survive the execve() of a
 * non-root program.
 *
 * Order of operations in the child (caps_apply_user() does all of it, in this order):
 *   1. drop from the bounding set what is not in set->bounding (needs CAP_SETPCAP, which we still
 *      hold as root of the container);
 *   2. prctl(PR_SET_KEEPCAPS, 1), so that setresuid() to a non-zero uid keeps the permitted set;
 *   3. setgroups(), setresgid(), setresuid();
 *   4. capset(): permitted, effective, inheritable (after the uid change, because the change to a
 *      non-zero uid clears the effective set);
 *   5. raise each ambient capability (PR_CAP_AMBIENT_RAISE needs it in permitted and inheritable);
 *   6. prctl(PR_SET_KEEPCAPS, 0).
 * Then the caller sets no_new_privs and loads seccomp (see seccomp.h for that order) and execs. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct CapSet {
        uint64_t bounding;
        uint64_t permitted;
        uint64_t effective;
        uint64_t inheritable;
        uint64_t ambient;
} CapSet;

#define CAP_MASK(c) (UINT64_C(1) << (c))

/* The 11 capabilities podman grants by default, as a mask. */
uint64_t caps_default_mask(void);

/* Mask of every capability 0..last_cap. */
uint64_t caps_all_mask(unsigned last_cap);

/* The highest capability the running kernel knows, from /proc/sys/kernel/cap_last_cap (falls back to
 * libcap's CAP_LAST_CAP when /proc is not readable). Returns >= 0 or -errno. */
int caps_last_cap(void);

/* Parses one capability name: case-insensitive, "CAP_" optional ("net_admin", "CAP_NET_ADMIN").
 * Returns the capability number (>= 0), or -EINVAL for an unknown name. "ALL" is not a name here. */
int caps_from_name(const char *name);

/* Canonical name ("CAP_NET_ADMIN") of capability c, or NULL when unknown. Static string. */
const char *caps_name(int c);

/* Builds the set for a container.
 *   privileged: every capability up to last_cap (add/drop still apply, like podman);
 *   add/drop:   NULL-terminated lists from --cap-add/--cap-drop (may be NULL); "ALL" allowed;
 *   uid:        the container user; non-zero means the non-root rule above;
 *   last_cap:   caps_last_cap() of the host (capabilities above it are refused as unknown).
 * Returns 0 and fills *ret, or -EINVAL with *ret_error (malloc'd, free it) such as
 * "--cap-add \"CAP_FOO\": unknown capability", or -ENOMEM. */
int caps_build(bool privileged, char *const *add, char *const *drop, uid_t uid, unsigned last_cap,
               CapSet *ret, char **ret_error);

/* Formats a mask as "CAP_CHOWN,CAP_KILL,..." (malloc'd), or NULL on OOM. "" for 0. */
char *caps_mask_to_string(uint64_t mask);

/* Apply, in the child (syscalls). Drops the bounding set, changes to uid/gid/groups keeping the
 * capabilities of set, sets permitted/effective/inheritable and ambient, in the order documented at
 * the top. groups may be NULL when n_groups is 0 (the supplementary groups are then cleared).
 * Returns 0 or -errno; *ret_step (static string, may be NULL) names the failing step ("setresuid",
 * "capset", "drop bounding capability", "raise ambient capability"). */
int caps_apply_user(const CapSet *set, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
                    const char **ret_step);

/* Only the capability part (steps 1, 4, 5) for a process whose ids are already right (exec into a
 * running container as the same user). Same returns as caps_apply_user(). */
int caps_apply(const CapSet *set, const char **ret_step);
