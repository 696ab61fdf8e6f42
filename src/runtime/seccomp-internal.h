#pragma once

/* The parsed form of a seccomp profile, shared by the default table (seccomp-default.c), the JSON
 * parser and the compiler (seccomp.c). Not part of the runtime's API. */

#include <stdbool.h>
#include <stdint.h>

#include <seccomp.h>

#include "common/cleanup.h"
#include "common/macro.h"
#include "runtime/seccomp.h"

typedef enum SeccompActionKind {
        SECCOMP_ACTION_KILL_THREAD,
        SECCOMP_ACTION_KILL_PROCESS,
        SECCOMP_ACTION_TRAP,
        SECCOMP_ACTION_ERRNO,
        SECCOMP_ACTION_TRACE,
        SECCOMP_ACTION_ALLOW,
        SECCOMP_ACTION_LOG,
        _SECCOMP_ACTION_MAX,
} SeccompActionKind;

/* Architectures a profile can name, as bits (ARCH_BIT) in rule conditions. */
typedef enum SeccompArch {
        SECCOMP_ARCH_X86_64,
        SECCOMP_ARCH_X86,
        SECCOMP_ARCH_X32,
        SECCOMP_ARCH_AARCH64,
        SECCOMP_ARCH_ARM,
        SECCOMP_ARCH_PPC64LE,
        SECCOMP_ARCH_PPC64,
        SECCOMP_ARCH_S390X,
        SECCOMP_ARCH_S390,
        SECCOMP_ARCH_RISCV64,
        SECCOMP_ARCH_MIPS,
        SECCOMP_ARCH_MIPS64,
        SECCOMP_ARCH_MIPS64N32,
        SECCOMP_ARCH_MIPSEL,
        SECCOMP_ARCH_MIPSEL64,
        SECCOMP_ARCH_MIPSEL64N32,
        _SECCOMP_ARCH_MAX,
} SeccompArch;

#define ARCH_BIT(a) (UINT32_C(1) << (a))

typedef struct SeccompArg {
        unsigned index; /* 0..5 */
        enum scmp_compare op;
        uint64_t value;
        uint64_t value_two;
} SeccompArg;

typedef struct SeccompRule {
        char **names; /* NULL-terminated; static strings when the profile's static_names */
        SeccompActionKind action;
        int errno_ret; /* ERRNO: the errno, TRACE: the message; -1: not given (EPERM / 0) */
        SeccompArg args[6];
        size_t n_args;
        /* Conditions; a rule applies when all hold. 0 means "no condition". */
        uint32_t inc_arches;     /* the native architecture is one of these */
        uint32_t exc_arches;     /* the native architecture is none of these */
        uint64_t inc_caps_all;   /* the container holds all of these (JSON includes.caps) */
        uint64_t inc_caps_any;   /* the container holds at least one (the default table) */
        uint64_t exc_caps_any;   /* the container holds none of these (JSON excludes.caps) */
        uint32_t inc_min_kernel; /* running kernel >= (major << 16 | minor) */
        uint32_t exc_min_kernel; /* running kernel < … */
} SeccompRule;

struct SeccompProfile {
        SeccompActionKind default_action;
        int default_errno;     /* -1: not given */
        uint32_t arches;       /* architectures to add to the filter; 0: native and its compat ones */
        unsigned filter_flags; /* SECCOMP_FILTER_FLAG_* from the profile's "flags" */
        SeccompRule *rules;
        size_t n_rules;
        size_t n_alloc;
        bool static_names;
        bool builtin;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(SeccompProfile *, seccomp_profile_free);

/* Appends a zeroed rule (errno_ret -1) and returns it in *ret (valid until the next call). */
int seccomp_profile_add_rule(SeccompProfile *p, SeccompRule **ret);

/* The libseccomp token (SCMP_ARCH_*) of a; 0 if none. */
uint32_t seccomp_arch_token(SeccompArch a);
/* The SeccompArch of the running process, or -1. */
int seccomp_arch_native_index(void);
