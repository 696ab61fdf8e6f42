/* The default seccomp profile, as a C table (no JSON parsing at run time).
 *
 * It behaves as podman's default (containers-common's seccomp.json, podman 4.3 on Debian 12):
 *  - an allowlist; a syscall the profile does not mention fails with ENOSYS (defaultErrnoRet 38) so
 *    that a program built for a newer kernel falls back to the older syscall (clone3 → clone,
 *    statx → fstatat, faccessat2 → faccessat …) instead of treating EPERM as fatal;
 *  - syscalls known to be dangerous are named and fail with EPERM;
 *  - syscalls tied to a capability are allowed when the container holds it and fail with EPERM when
 *    it does not.
 * Where podman relies on capabilities alone and allows unconditionally (mount, umount2, unshare,
 * setns, clone with namespace flags, pivot_root, keyctl, reboot, syslog), this profile is stricter,
 * like Docker's default: those need CAP_SYS_ADMIN (CAP_SYS_BOOT for reboot), clone/unshare without
 * it are allowed only without namespace flags, clone3 gives ENOSYS (its flags are behind a pointer
 * a filter cannot read, so glibc falls back to clone, which the filter can check), and the kernel
 * keyring syscalls (keyctl, add_key, request_key) are refused: keyrings are not namespaced. ptrace
 * stays allowed as in podman (strace/gdb of one's own children; the kernel checks the rest), while
 * reading another process's memory (process_vm_*, kcmp, pidfd_getfd) needs CAP_SYS_PTRACE.
 * `--security-opt seccomp=/usr/share/containers/seccomp.json` gives podman's exact profile.
 *
 * Names that this libseccomp does not know are skipped at build time (see seccomp.c), so newer names
 * can be listed here before the library knows them. */

#include <errno.h>
#include <linux/sched.h>
#include <stddef.h>

#include <sys/capability.h>

#include "runtime/seccomp-internal.h"

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})
#define C(c) (UINT64_C(1) << (c))

/* Namespace flags of clone(2)/unshare(2); CLONE_NEWTIME is 0x80 (an old CSIGNAL bit, not a flag of
 * clone(2) but of unshare(2) and clone3). */
#define NS_FLAGS                                                                                 \
        (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET \
         | CLONE_NEWCGROUP)

static const char *const allow_always[] = {
        /* file I/O */
        "read",
        "write",
        "readv",
        "writev",
        "pread64",
        "pwrite64",
        "preadv",
        "preadv2",
        "pwritev",
        "pwritev2",
        "open",
        "openat",
        "openat2",
        "creat",
        "close",
        "close_range",
        "lseek",
        "_llseek",
        "dup",
        "dup2",
        "dup3",
        "fcntl",
        "fcntl64",
        "ioctl",
        "fsync",
        "fdatasync",
        "sync",
        "syncfs",
        "sync_file_range",
        "truncate",
        "truncate64",
        "ftruncate",
        "ftruncate64",
        "fallocate",
        "fadvise64",
        "fadvise64_64",
        "readahead",
        "sendfile",
        "sendfile64",
        "splice",
        "tee",
        "copy_file_range",
        "flock",
        /* file metadata and directories */
        "stat",
        "stat64",
        "lstat",
        "lstat64",
        "fstat",
        "fstat64",
        "fstatat64",
        "newfstatat",
        "statx",
        "statfs",
        "statfs64",
        "fstatfs",
        "fstatfs64",
        "access",
        "faccessat",
        "faccessat2",
        "readlink",
        "readlinkat",
        "getdents",
        "getdents64",
        "readdir",
        "chmod",
        "fchmod",
        "fchmodat",
        "fchmodat2",
        "chown",
        "chown32",
        "fchown",
        "fchown32",
        "fchownat",
        "lchown",
        "lchown32",
        "utime",
        "utimes",
        "utimensat",
        "utimensat_time64",
        "futimesat",
        "umask",
        "getcwd",
        "chdir",
        "fchdir",
        "mkdir",
        "mkdirat",
        "mknod",
        "mknodat",
        "rmdir",
        "rename",
        "renameat",
        "renameat2",
        "link",
        "linkat",
        "symlink",
        "symlinkat",
        "unlink",
        "unlinkat",
        "name_to_handle_at",
        /* extended attributes */
        "getxattr",
        "lgetxattr",
        "fgetxattr",
        "setxattr",
        "lsetxattr",
        "fsetxattr",
        "listxattr",
        "llistxattr",
        "flistxattr",
        "removexattr",
        "lremovexattr",
        "fremovexattr",
        "getxattrat",
        "setxattrat",
        "listxattrat",
        "removexattrat",
        /* memory */
        "brk",
        "mmap",
        "mmap2",
        "munmap",
        "mremap",
        "mprotect",
        "madvise",
        "mincore",
        "mlock",
        "mlock2",
        "mlockall",
        "munlock",
        "munlockall",
        "msync",
        "remap_file_pages",
        "memfd_create",
        "pkey_alloc",
        "pkey_free",
        "pkey_mprotect",
        "membarrier",
        /* processes (clone, clone3 and personality are below, with conditions) */
        "fork",
        "vfork",
        "execve",
        "execveat",
        "exit",
        "exit_group",
        "wait4",
        "waitid",
        "waitpid",
        "kill",
        "tkill",
        "tgkill",
        "getpid",
        "getppid",
        "gettid",
        "getpgid",
        "setpgid",
        "getpgrp",
        "getsid",
        "setsid",
        "getpriority",
        "setpriority",
        "sched_getaffinity",
        "sched_setaffinity",
        "sched_getattr",
        "sched_setattr",
        "sched_getparam",
        "sched_setparam",
        "sched_getscheduler",
        "sched_setscheduler",
        "sched_get_priority_max",
        "sched_get_priority_min",
        "sched_rr_get_interval",
        "sched_rr_get_interval_time64",
        "sched_yield",
        "prctl",
        "set_tid_address",
        "set_robust_list",
        "get_robust_list",
        "rseq",
        "restart_syscall",
        "seccomp",
        "capget",
        "capset",
        "getrlimit",
        "setrlimit",
        "prlimit64",
        "ugetrlimit",
        "getrusage",
        "times",
        "sysinfo",
        "uname",
        "ioprio_get",
        "ioprio_set",
        "getcpu",
        "pidfd_open",
        "pidfd_send_signal",
        "ptrace",
        "set_thread_area",
        "get_thread_area",
        "landlock_create_ruleset",
        "landlock_add_rule",
        "landlock_restrict_self",
        /* credentials */
        "getuid",
        "getuid32",
        "geteuid",
        "geteuid32",
        "getgid",
        "getgid32",
        "getegid",
        "getegid32",
        "getresuid",
        "getresuid32",
        "getresgid",
        "getresgid32",
        "getgroups",
        "getgroups32",
        "setuid",
        "setuid32",
        "setgid",
        "setgid32",
        "setreuid",
        "setreuid32",
        "setregid",
        "setregid32",
        "setresuid",
        "setresuid32",
        "setresgid",
        "setresgid32",
        "setgroups",
        "setgroups32",
        "setfsuid",
        "setfsuid32",
        "setfsgid",
        "setfsgid32",
        /* signals */
        "rt_sigaction",
        "rt_sigprocmask",
        "rt_sigreturn",
        "rt_sigpending",
        "rt_sigsuspend",
        "rt_sigtimedwait",
        "rt_sigtimedwait_time64",
        "rt_sigqueueinfo",
        "rt_tgsigqueueinfo",
        "sigaltstack",
        "signalfd",
        "signalfd4",
        "sigreturn",
        "pause",
        "alarm",
        /* time (setting the clock is below, with CAP_SYS_TIME) */
        "clock_gettime",
        "clock_gettime64",
        "clock_getres",
        "clock_getres_time64",
        "clock_nanosleep",
        "clock_nanosleep_time64",
        "nanosleep",
        "gettimeofday",
        "time",
        "timer_create",
        "timer_delete",
        "timer_getoverrun",
        "timer_gettime",
        "timer_gettime64",
        "timer_settime",
        "timer_settime64",
        "timerfd_create",
        "timerfd_gettime",
        "timerfd_gettime64",
        "timerfd_settime",
        "timerfd_settime64",
        "getitimer",
        "setitimer",
        "adjtimex",
        "clock_adjtime",
        "clock_adjtime64",
        /* futexes */
        "futex",
        "futex_time64",
        "futex_waitv",
        "futex_wake",
        "futex_wait",
        "futex_requeue",
        /* waiting for events */
        "poll",
        "ppoll",
        "ppoll_time64",
        "select",
        "_newselect",
        "pselect6",
        "pselect6_time64",
        "epoll_create",
        "epoll_create1",
        "epoll_ctl",
        "epoll_ctl_old",
        "epoll_wait",
        "epoll_wait_old",
        "epoll_pwait",
        "epoll_pwait2",
        "eventfd",
        "eventfd2",
        "inotify_init",
        "inotify_init1",
        "inotify_add_watch",
        "inotify_rm_watch",
        "fanotify_mark",
        "pipe",
        "pipe2",
        /* asynchronous I/O (io_uring is left out, as podman 4.3 does: ENOSYS, and liburing callers
         * fall back to threads) */
        "io_setup",
        "io_destroy",
        "io_submit",
        "io_cancel",
        "io_getevents",
        "io_pgetevents",
        "io_pgetevents_time64",
        /* sockets (socket(2) itself is below: audit netlink needs CAP_AUDIT_WRITE) */
        "socketpair",
        "bind",
        "connect",
        "listen",
        "accept",
        "accept4",
        "getsockname",
        "getpeername",
        "getsockopt",
        "setsockopt",
        "shutdown",
        "send",
        "sendto",
        "sendmsg",
        "sendmmsg",
        "recv",
        "recvfrom",
        "recvmsg",
        "recvmmsg",
        "recvmmsg_time64",
        "socketcall",
        /* System V and POSIX IPC (the container has its own IPC namespace) */
        "ipc",
        "msgget",
        "msgsnd",
        "msgrcv",
        "msgctl",
        "semget",
        "semop",
        "semctl",
        "semtimedop",
        "semtimedop_time64",
        "shmget",
        "shmat",
        "shmdt",
        "shmctl",
        "mq_open",
        "mq_unlink",
        "mq_timedsend",
        "mq_timedsend_time64",
        "mq_timedreceive",
        "mq_timedreceive_time64",
        "mq_notify",
        "mq_getsetattr",
        /* randomness */
        "getrandom",
        NULL,
};

/* Refused with EPERM whatever the capabilities: kernel-global state, obsolete interfaces with a
 * history of bugs, and userfaultfd/vmsplice, which make kernel races much easier to win. */
static const char *const deny_always[] = {
        "kexec_load",     "kexec_file_load", "swapon",     "swapoff",       "bdflush",
        "nfsservctl",     "sysfs",           "_sysctl",    "uselib",        "ustat",
        "userfaultfd",    "vmsplice",        "vm86",       "vm86old",       "pciconfig_iobase",
        "pciconfig_read", "pciconfig_write", "sgetmask",   "ssetmask",      "swapcontext",
        "nice",           "oldfstat",        "oldlstat",   "oldstat",       "oldolduname",
        "olduname",       "migrate_pages",   "move_pages", "create_module", "get_kernel_syms",
        "afs_syscall",    "tuxcall",         "vserver",    "security",      "keyctl",
        "add_key",        "request_key",     NULL,
};

/* Allowed with any one of the capabilities in caps, EPERM otherwise. */
static const struct {
        const char *const *names;
        uint64_t caps;
} by_capability[] = {
        {L("mount", "umount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick",
           "move_mount", "open_tree", "mount_setattr", "setns", "sethostname", "setdomainname", "quotactl",
           "quotactl_fd", "fanotify_init", "lookup_dcookie"),
         C(CAP_SYS_ADMIN)},
        {L("bpf"), C(CAP_SYS_ADMIN) | C(39) /* CAP_BPF */},
        {L("perf_event_open"), C(CAP_SYS_ADMIN) | C(38) /* CAP_PERFMON */},
        {L("syslog"), C(CAP_SYS_ADMIN) | C(CAP_SYSLOG)},
        {L("kcmp", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd"),
         C(CAP_SYS_PTRACE)},
        {L("init_module", "finit_module", "delete_module", "query_module"), C(CAP_SYS_MODULE)},
        {L("reboot"), C(CAP_SYS_BOOT)},
        {L("settimeofday", "stime", "clock_settime", "clock_settime64"), C(CAP_SYS_TIME)},
        {L("acct"), C(CAP_SYS_PACCT)},
        {L("iopl", "ioperm"), C(CAP_SYS_RAWIO)},
        {L("vhangup"), C(CAP_SYS_TTY_CONFIG)},
        {L("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"), C(CAP_SYS_NICE)},
        {L("chroot"), C(CAP_SYS_CHROOT)},
        {L("open_by_handle_at"), C(CAP_DAC_READ_SEARCH)},
};

/* Only on some architectures (libseccomp would also skip them elsewhere; the condition documents). */
static const struct {
        const char *const *names;
        uint32_t arches;
} by_arch[] = {
        {L("arch_prctl"), ARCH_BIT(SECCOMP_ARCH_X86_64) | ARCH_BIT(SECCOMP_ARCH_X32)},
        {L("modify_ldt"),
         ARCH_BIT(SECCOMP_ARCH_X86_64) | ARCH_BIT(SECCOMP_ARCH_X32) | ARCH_BIT(SECCOMP_ARCH_X86)},
        {L("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
           "set_tls"),
         ARCH_BIT(SECCOMP_ARCH_ARM) | ARCH_BIT(SECCOMP_ARCH_AARCH64)},
        {L("sync_file_range2"), ARCH_BIT(SECCOMP_ARCH_PPC64LE)},
        {L("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"),
         ARCH_BIT(SECCOMP_ARCH_S390) | ARCH_BIT(SECCOMP_ARCH_S390X)},
        {L("riscv_flush_icache"), ARCH_BIT(SECCOMP_ARCH_RISCV64)},
};

/* personality(2) values a program may set: PER_LINUX, PER_LINUX32, UNAME26 alone and with
 * PER_LINUX32, and 0xffffffff, which only queries. Others (e.g. ADDR_NO_RANDOMIZE) fall to the
 * default, as in podman. */
static const uint64_t personality_values[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

static const uint64_t ns_flag_bits[] = {
        CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

/* Names used by the rules built in code below: static, as the profile keeps pointers to them. */
static const char *const n_personality[] = {"personality", NULL};
static const char *const n_clone[] = {"clone", NULL};
static const char *const n_clone3[] = {"clone3", NULL};
static const char *const n_unshare[] = {"unshare", NULL};
static const char *const n_socket[] = {"socket", NULL};
static const char *const n_ns_syscalls[] = {"clone", "clone3", "unshare", NULL};

static int add(SeccompProfile *p, const char *const *names, SeccompActionKind kind, int errno_ret,
               SeccompRule **ret) {
        SeccompRule *r;
        int k;

        k = seccomp_profile_add_rule(p, &r);
        if (k < 0)
                return k;
        r->names = (char **) names; /* static: p->static_names */
        r->action = kind;
        r->errno_ret = errno_ret;
        if (ret)
                *ret = r;
        return 0;
}

static void arg(SeccompRule *r, unsigned index, enum scmp_compare op, uint64_t value, uint64_t value_two) {
        r->args[r->n_args++] =
                (SeccompArg){.index = index, .op = op, .value = value, .value_two = value_two};
}

int seccomp_profile_default(SeccompProfile **ret) {
        _cleanup_(seccomp_profile_freep) SeccompProfile *p = NULL;
        SeccompRule *r;
        int k;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->static_names = true;
        p->default_action = SECCOMP_ACTION_ERRNO;
        p->default_errno = ENOSYS;
        p->builtin = true;
        /* arches 0: the native one and its compat ones (seccomp.c) */

        if ((k = add(p, allow_always, SECCOMP_ACTION_ALLOW, -1, NULL)) < 0
            || (k = add(p, deny_always, SECCOMP_ACTION_ERRNO, EPERM, NULL)) < 0)
                return k;

        for (size_t i = 0; i < ELEMENTSOF(by_capability); i++) {
                if ((k = add(p, by_capability[i].names, SECCOMP_ACTION_ALLOW, -1, &r)) < 0)
                        return k;
                r->inc_caps_any = by_capability[i].caps;
                if ((k = add(p, by_capability[i].names, SECCOMP_ACTION_ERRNO, EPERM, &r)) < 0)
                        return k;
                r->exc_caps_any = by_capability[i].caps;
        }

        for (size_t i = 0; i < ELEMENTSOF(by_arch); i++) {
                if ((k = add(p, by_arch[i].names, SECCOMP_ACTION_ALLOW, -1, &r)) < 0)
                        return k;
                r->inc_arches = by_arch[i].arches;
        }

        for (size_t i = 0; i < ELEMENTSOF(personality_values); i++) {
                if ((k = add(p, n_personality, SECCOMP_ACTION_ALLOW, -1, &r)) < 0)
                        return k;
                arg(r, 0, SCMP_CMP_EQ, personality_values[i], 0);
        }

        /* clone(2): flags are the first argument, except on s390, where the stack comes first. */
        static const struct {
                unsigned index;
                uint32_t arches_in, arches_out;
        } clone_flags[] = {
                {0, 0, ARCH_BIT(SECCOMP_ARCH_S390) | ARCH_BIT(SECCOMP_ARCH_S390X)},
                {1, ARCH_BIT(SECCOMP_ARCH_S390) | ARCH_BIT(SECCOMP_ARCH_S390X), 0},
        };
        for (size_t i = 0; i < ELEMENTSOF(clone_flags); i++) {
                /* without CAP_SYS_ADMIN: no namespace flag at all … */
                if ((k = add(p, n_clone, SECCOMP_ACTION_ALLOW, -1, &r)) < 0)
                        return k;
                r->exc_caps_any = C(CAP_SYS_ADMIN);
                r->inc_arches = clone_flags[i].arches_in;
                r->exc_arches = clone_flags[i].arches_out;
                arg(r, clone_flags[i].index, SCMP_CMP_MASKED_EQ, NS_FLAGS, 0);
                /* … and EPERM, rather than the default ENOSYS, when one is set (one rule per bit:
                 * seccomp compares, it cannot test "any of these bits"). */
                for (size_t b = 0; b < ELEMENTSOF(ns_flag_bits); b++) {
                        if ((k = add(p, n_clone, SECCOMP_ACTION_ERRNO, EPERM, &r)) < 0)
                                return k;
                        r->exc_caps_any = C(CAP_SYS_ADMIN);
                        r->inc_arches = clone_flags[i].arches_in;
                        r->exc_arches = clone_flags[i].arches_out;
                        arg(r, clone_flags[i].index, SCMP_CMP_MASKED_EQ, ns_flag_bits[b], ns_flag_bits[b]);
                }
        }
        /* unshare(2) the same way (plus CLONE_NEWTIME), flags always first. */
        if ((k = add(p, n_unshare, SECCOMP_ACTION_ALLOW, -1, &r)) < 0)
                return k;
        r->exc_caps_any = C(CAP_SYS_ADMIN);
        arg(r, 0, SCMP_CMP_MASKED_EQ, NS_FLAGS | 0x80, 0);
        for (size_t b = 0; b <= ELEMENTSOF(ns_flag_bits); b++) {
                uint64_t bit = b < ELEMENTSOF(ns_flag_bits) ? ns_flag_bits[b] : 0x80 /* CLONE_NEWTIME */;
                if ((k = add(p, n_unshare, SECCOMP_ACTION_ERRNO, EPERM, &r)) < 0)
                        return k;
                r->exc_caps_any = C(CAP_SYS_ADMIN);
                arg(r, 0, SCMP_CMP_MASKED_EQ, bit, bit);
        }
        /* with CAP_SYS_ADMIN, all three as they are */
        if ((k = add(p, n_ns_syscalls, SECCOMP_ACTION_ALLOW, -1, &r)) < 0)
                return k;
        r->inc_caps_any = C(CAP_SYS_ADMIN);
        /* clone3 without it: ENOSYS so that libc falls back to clone(2), which we can check. */
        if ((k = add(p, n_clone3, SECCOMP_ACTION_ERRNO, ENOSYS, &r)) < 0)
                return k;
        r->exc_caps_any = C(CAP_SYS_ADMIN);

        /* socket(2): audit netlink (AF_NETLINK 16, NETLINK_AUDIT 9) needs CAP_AUDIT_WRITE, which is
         * not a default capability; EINVAL as podman (the kernel's answer for an unknown protocol,
         * which makes libaudit users carry on without auditing). */
        if ((k = add(p, n_socket, SECCOMP_ACTION_ALLOW, -1, &r)) < 0)
                return k;
        r->inc_caps_any = C(CAP_AUDIT_WRITE);
        if ((k = add(p, n_socket, SECCOMP_ACTION_ALLOW, -1, &r)) < 0)
                return k;
        r->exc_caps_any = C(CAP_AUDIT_WRITE);
        arg(r, 0, SCMP_CMP_NE, 16, 0);
        if ((k = add(p, n_socket, SECCOMP_ACTION_ALLOW, -1, &r)) < 0)
                return k;
        r->exc_caps_any = C(CAP_AUDIT_WRITE);
        arg(r, 2, SCMP_CMP_NE, 9, 0);
        if ((k = add(p, n_socket, SECCOMP_ACTION_ERRNO, EINVAL, &r)) < 0)
                return k;
        r->exc_caps_any = C(CAP_AUDIT_WRITE);
        arg(r, 0, SCMP_CMP_EQ, 16, 0);
        arg(r, 2, SCMP_CMP_EQ, 9, 0);

        *ret = TAKE_PTR(p);
        return 0;
}
