#pragma once

/* Seccomp for containers, crun's generate/apply split.
 *
 *   plan:   seccomp_config_from_option() turns --security-opt seccomp=… into a SeccompConfig (plain
 *           data; the custom profile's text is kept so that `create` then `start` loads the same
 *           profile even if the file changed meanwhile).
 *   parent: seccomp_bpf_build() compiles it with libseccomp into a classic BPF program for the
 *           native architecture (and its compat ones, e.g. x86 and x32 on x86_64), given the
 *           container's capabilities, which decide the caps-dependent rules.
 *   child:  seccomp_apply_bpf() loads the program with seccomp(2); no libseccomp call after fork.
 *
 * The default profile behaves as podman's (containers-common seccomp.json): an allowlist, everything
 * else fails with EPERM; syscalls that the profile's libseccomp does not know (newer than the
 * library) fail with ENOSYS so that programs fall back to an older syscall (see
 * docs/architecture.md, "Security defaults and cgroups"); extra syscalls come with capabilities
 * (CAP_SYS_ADMIN: mount, umount2, unshare, setns, clone with namespace flags…; CAP_SYS_PTRACE:
 * ptrace, process_vm_*; CAP_SYS_MODULE, CAP_SYS_BOOT, …) and some are allowed only with some
 * arguments (personality(2) values, clone/clone3 without namespace flags when CAP_SYS_ADMIN is
 * absent).
 *
 * Loading order: the kernel lets a process install a filter only when no_new_privs is set or it has
 * CAP_SYS_ADMIN. So, like crun: with no_new_privs, load the filter last, right before execve();
 * without it (podman's default), load it while still holding CAP_SYS_ADMIN, i.e. just before
 * caps_apply_user(), and the profile must allow the syscalls made after it (the default does:
 * capset, prctl, setresuid, setgroups, execve). */

#include <stddef.h>
#include <stdint.h>

typedef enum SeccompKind {
        SECCOMP_KIND_DEFAULT,    /* the built-in profile */
        SECCOMP_KIND_UNCONFINED, /* no filter at all */
        SECCOMP_KIND_CUSTOM,     /* a JSON profile (OCI/Docker seccomp.json format) */
        _SECCOMP_KIND_MAX,
        _SECCOMP_KIND_INVALID = -22, /* -EINVAL */
} SeccompKind;

const char *seccomp_kind_to_string(SeccompKind k);
SeccompKind seccomp_kind_from_string(const char *s);

typedef struct SeccompConfig {
        SeccompKind kind;
        char *profile_path; /* CUSTOM: the file given, for messages; else NULL */
        char *profile_json; /* CUSTOM: the file's text as read at plan time; else NULL */
} SeccompConfig;

/* Fills *ret from the value of --security-opt seccomp=VALUE: NULL means the default,
 * "unconfined", or a path to a JSON profile, which is read (at most 4 MiB) and validated here.
 * Returns 0, -ENOMEM, or -errno (file not readable) / -EINVAL (bad profile) with *ret_error like
 * "seccomp profile /x.json: syscalls[3].action: unknown action \"SCMP_ACT_FOO\"". */
int seccomp_config_from_option(const char *value, SeccompConfig *ret, char **ret_error);

/* Fills *ret for a profile given as text (the plan's JSON, or a test); filename is for messages.
 * Same returns as seccomp_config_from_option(). */
int seccomp_config_from_json(const char *json, size_t len, const char *filename, SeccompConfig *ret,
                             char **ret_error);

/* Frees the strings of c (not c itself) and resets it to the default. Accepts NULL. */
void seccomp_config_done(SeccompConfig *c);

/* A parsed profile (the default's C table or a JSON file), independent of libseccomp. Opaque. */
typedef struct SeccompProfile SeccompProfile;

/* Parses an OCI/Docker seccomp.json profile: defaultAction, defaultErrnoRet, architectures,
 * archMap, syscalls[] (names or name, action, errnoRet, args[] {index, value, valueTwo, op},
 * includes/excludes {arches, caps, minKernel}). Unknown syscall names are kept (libseccomp may not
 * know them; they are skipped at build time, as crun does). Returns 0 and *ret (free with
 * seccomp_profile_free()), -ENOMEM, or -EINVAL with *ret_error naming filename and the field. */
int seccomp_profile_parse(const char *json, size_t len, const char *filename, SeccompProfile **ret,
                          char **ret_error);

/* The built-in default profile. Returns 0 and *ret, or -ENOMEM. */
int seccomp_profile_default(SeccompProfile **ret);

SeccompProfile *seccomp_profile_free(SeccompProfile *p);

/* Whether the profile, for a container holding caps (a capability mask, see caps.h) on the native
 * architecture, allows syscall name unconditionally (1), with argument conditions (2), or not (0);
 * -ENOENT when no rule names it. For tests and `skiff inspect`. */
int seccomp_profile_lookup(const SeccompProfile *p, const char *name, uint64_t caps);

/* A compiled filter: the struct sock_filter array the kernel takes. */
typedef struct SeccompBpf {
        void *insns; /* struct sock_filter[n_insns] */
        size_t n_insns;
        unsigned flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2), from a custom profile's "flags" */
} SeccompBpf;

SeccompBpf *seccomp_bpf_free(SeccompBpf *b);

/* Compiles config for a container holding caps (its bounding set; that is what podman's "includes":
 * {"caps": […]} are matched against). For SECCOMP_KIND_UNCONFINED sets *ret to NULL and returns 0.
 * cache_dir (may be NULL: no cache) is where the default profile's program is kept, keyed by
 * libseccomp's version, the architecture and caps (see docs/architecture.md for the choice).
 * Returns 0, -ENOMEM, or -errno with *ret_error ("seccomp profile x.json: syscall \"foo\": …"). */
int seccomp_bpf_build(const SeccompConfig *config, uint64_t caps, const char *cache_dir, SeccompBpf **ret,
                      char **ret_error);

/* Same from an already parsed profile (tests, benchmarks). */
int seccomp_bpf_build_profile(const SeccompProfile *p, uint64_t caps, SeccompBpf **ret, char **ret_error);

/* In the child: installs bpf with seccomp(SECCOMP_SET_MODE_FILTER). Async-signal-safe (no
 * allocation), so it can run after fork() of a multithreaded parent. NULL bpf: nothing to do.
 * Returns 0 or -errno (-EACCES: neither no_new_privs nor CAP_SYS_ADMIN, see the order above). */
int seccomp_apply_bpf(const SeccompBpf *bpf);
