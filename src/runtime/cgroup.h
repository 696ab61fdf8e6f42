#pragma once

/* Cgroups for containers: detection (v2, v1, hybrid), a pure plan of directories and (file, value)
 * writes, and small apply steps (create, join, kill, remove, stats), all relative to one directory
 * fd, the "cgroup root" (normally /sys/fs/cgroup), so that unit tests point them at a tmpdir tree.
 *
 * Layout: a container's cgroup is `<own>/skiff-<id>` in every hierarchy used, where <own> is the
 * caller's cgroup in that hierarchy (/proc/self/cgroup). skiff never moves a process it did not start
 * and never writes above the caller's own cgroup. Hierarchies used: on v2, the unified tree; on v1
 * and hybrid, each v1 controller hierarchy mounted (memory, cpu, cpuacct, pids, …), name=systemd and,
 * on hybrid, the unified tree too (so that a process's v2 path is right even when it holds no
 * controllers, as systemd expects).
 *
 * Paths handed around after creation (CgroupPlan.paths, SpawnResult, the container's state) are
 * relative to the cgroup root: "memory/process_api/27f1…/skiff-<id>", "unified/skiff-<id>". */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum CgroupLayout {
        CGROUP_LAYOUT_V1,     /* v1 controllers only */
        CGROUP_LAYOUT_HYBRID, /* v1 controllers plus a cgroup2 tree with (almost) none */
        CGROUP_LAYOUT_V2,     /* one unified tree */
        _CGROUP_LAYOUT_MAX,
        _CGROUP_LAYOUT_INVALID = -22, /* -EINVAL */
} CgroupLayout;

const char *cgroup_layout_to_string(CgroupLayout l);

/* podman's --cgroups. */
typedef enum CgroupsMode {
        CGROUPS_ENABLED,   /* a cgroup per container under the caller's own (the default) */
        CGROUPS_DISABLED,  /* no cgroup: the container stays in the caller's; limits are refused */
        CGROUPS_NO_CONMON, /* as enabled; the monitor stays in the caller's cgroup */
        CGROUPS_SPLIT,     /* the caller (a systemd unit's main process) moves its own process into
                            * <own>/supervisor and the container goes to <own>/skiff-<id>: on v2 a
                            * cgroup with processes cannot hand controllers to its children */
        _CGROUPS_MODE_MAX,
        _CGROUPS_MODE_INVALID = -22, /* -EINVAL */
} CgroupsMode;

const char *cgroups_mode_to_string(CgroupsMode m);
CgroupsMode cgroups_mode_from_string(const char *s);

typedef struct CgroupHierarchy {
        char *dir; /* mount point relative to the cgroup root: "memory", "cpu,cpuacct",
                    * "unified", "systemd"; "" when the root itself is a cgroup2 mount */
        bool v2;
        char **controllers; /* v1: from the mount options; v2: cgroup.controllers of <own> */
        char *name;         /* v1 named hierarchy ("systemd" for name=systemd), else NULL */
        char *own;          /* the caller's cgroup inside this hierarchy, "" for the top, never with a
                             * leading or trailing '/': "process_api/27f1…" */
} CgroupHierarchy;

typedef struct CgroupSystem {
        CgroupLayout layout;
        int root_fd; /* O_PATH|O_DIRECTORY, owned */
        CgroupHierarchy *hier;
        size_t n_hier;
} CgroupSystem;

/* Reads /proc/self/mountinfo and /proc/self/cgroup and opens the cgroup root (/sys/fs/cgroup).
 * Returns 0 and *ret (free with cgroup_system_free()), -ENOMEDIUM when no cgroup fs is mounted there,
 * or -errno. */
int cgroup_system_detect(CgroupSystem **ret);

/* The pure part of cgroup_system_detect(): root_fd (borrowed; dup'd into *ret) is the directory that
 * root_path ("/sys/fs/cgroup") names in mountinfo's mount points; mountinfo and self_cgroup are the
 * texts of /proc/self/mountinfo and /proc/self/cgroup. For v2 the controllers are read from
 * <own>/cgroup.controllers under root_fd (missing file: none). Returns 0, -ENOMEM, -ENOMEDIUM, or
 * -EBADMSG for text it cannot parse. */
int cgroup_system_parse(int root_fd, const char *root_path, const char *mountinfo, const char *self_cgroup,
                        CgroupSystem **ret);

CgroupSystem *cgroup_system_free(CgroupSystem *s);

/* The hierarchy that holds controller (e.g. "memory"), preferring v2 when it has it; NULL if none. */
const CgroupHierarchy *cgroup_system_find(const CgroupSystem *s, const char *controller);

/* Opens the cgroup root (O_PATH|O_DIRECTORY|O_CLOEXEC), for later steps in another process (`rm`).
 * Returns an fd or -errno. */
int cgroup_root_open(void);

/* podman's default --pids-limit (containers.conf pids_limit = 2048), for containers that get a
 * cgroup and did not ask for another limit. Applying it is the plan's choice (rtcore). */
#define CGROUP_DEFAULT_PIDS_LIMIT 2048

/* Limits: 0 means "not set" (the hierarchy's default is left alone). */
typedef struct CgroupLimits {
        int64_t memory;      /* bytes (--memory) */
        int64_t memory_swap; /* memory plus swap, bytes (--memory-swap); -1 unlimited; 0 with memory
                              * set means twice memory, as podman */
        int64_t cpu_quota;   /* µs per cpu_period (--cpus 1.5 → 150000) */
        uint64_t cpu_period; /* µs; 0 means 100000 */
        uint64_t cpu_shares; /* --cpu-shares, 2..262144 */
        int64_t pids_limit;  /* --pids-limit N; -1 unlimited */
} CgroupLimits;

static inline bool cgroup_limits_any(const CgroupLimits *l) {
        return l->memory || l->memory_swap || l->cpu_quota || l->cpu_shares || l->pids_limit;
}

/* Flag parsers. flag is the option's name for the message ("--memory"); *ret_error is one line such
 * as `--memory "12x": invalid size`. Return 0, -EINVAL (with *ret_error) or -ENOMEM.
 *   sizes: "512m", "1g", "1.5g", "4096", "64k", "1t", "1GiB" (binary units k m g t p, either case, an
 *          optional 'i' and 'b'); > 0; with flag "--memory" at least 6 MiB, as podman refuses less;
 *   cpus:  a decimal > 0 ("1.5", "0.25"), at most the host's CPU count is not checked (podman
 *          doesn't either); gives quota and period (100000 µs);
 *   shares: 2..262144; pids: -1 or a positive number. */
int cgroup_parse_size(const char *flag, const char *value, int64_t *ret, char **ret_error);
int cgroup_parse_memory_swap(const char *value, int64_t *ret, char **ret_error); /* size or -1 */
int cgroup_parse_cpus(const char *value, int64_t *ret_quota, uint64_t *ret_period, char **ret_error);
int cgroup_parse_cpu_shares(const char *value, uint64_t *ret, char **ret_error);
int cgroup_parse_pids_limit(const char *value, int64_t *ret, char **ret_error);

/* cgroup v1 cpu.shares (2..262144) to v2 cpu.weight (1..10000), the conversion crun and podman use
 * (1 + ((shares - 2) * 9999) / 262142). 0 stays 0. */
uint64_t cgroup_cpu_shares_to_weight(uint64_t shares);

typedef struct CgroupWrite {
        char *path;    /* directory relative to the root, one of CgroupPlan.paths */
        char *file;    /* "memory.limit_in_bytes" */
        char *value;   /* "536870912" */
        bool optional; /* a failure is ignored: podman's default pids limit on a v2 tree whose pids
                        * controller cannot be enabled (the caller's cgroup holds processes) */
} CgroupWrite;

typedef struct CgroupPlan {
        char **paths;         /* the container's cgroup in each hierarchy used (NULL-terminated;
                               * empty for CGROUPS_DISABLED or limits skipped) */
        char **monitor_paths; /* CGROUPS_SPLIT: where the caller moves itself; else NULL */
        CgroupWrite *writes;  /* in order */
        size_t n_writes;
        char *warning;            /* non-fatal: "rootless: cgroup v1 cannot be delegated, resource
                                   * limits ignored" (the CLI prints it, as podman warns); may be NULL */
        char *device_filter_path; /* v2: attach the device rules' BPF program here (one of paths);
                                   * set by cgroup_plan_add_device_rules(), else NULL */
        struct CgroupDeviceRule *extra_device_rules; /* v2: allowed besides the defaults (--device) */
        size_t n_extra_device_rules;
        char **parent_paths;      /* cgroup_plan_build_in(): the shared parent in each hierarchy used
                                   * (created when missing, never removed by the container's cleanup);
                                   * else NULL */
} CgroupPlan;

/* Pure: the directories and writes for a container called name (e.g. "skiff-<64-hex id>") with
 * limits. rootless callers get a cgroup only on v2 when their own cgroup is writable (delegated;
 * checked with faccessat() under the root fd), otherwise no cgroup and, when limits were asked for,
 * *ret's warning (a pids limit equal to CGROUP_DEFAULT_PIDS_LIMIT counts as not asked for, here and
 * for --cgroups=disabled). Errors: -EINVAL with *ret_error for limits the host cannot apply ("--memory: the
 * memory controller is not available", "--cpus: cgroups are disabled (--cgroups=disabled)"),
 * -ENOMEM. A memory-swap limit is silently left out where memsw/swap files do not exist, as podman
 * does. */
int cgroup_plan_build(const CgroupSystem *sys, const char *name, const CgroupLimits *limits,
                      CgroupsMode mode, bool rootless, CgroupPlan **ret, char **ret_error);

/* The same, for a container whose cgroup sits in a parent of several containers (a pod's): paths are
 * <own>/PARENT/NAME, parent_paths <own>/PARENT, and the parent gets parent_limits (may be NULL: none;
 * e.g. the pod's memory limit, the sum of its containers'). On v2 the controllers are enabled in both
 * <own> and the parent. parent is one path component ("skiff-pod-<id>"); NULL is cgroup_plan_build(). */
int cgroup_plan_build_in(const CgroupSystem *sys, const char *parent, const CgroupLimits *parent_limits,
                         const char *name, const CgroupLimits *limits, CgroupsMode mode, bool rootless,
                         CgroupPlan **ret, char **ret_error);

CgroupPlan *cgroup_plan_free(CgroupPlan *p);

/* Adds the device rules podman/runc apply to a plan built by cgroup_plan_build(): on v1, the
 * container also gets a cgroup in the devices hierarchy with "a" denied, then read/write/mknod allowed
 * for the nodes of a container's /dev (null zero full random urandom tty console ptmx, pts 136:*) and
 * mknod (not access) for every other node; with privileged, "a" is allowed instead. On v2 the same
 * rules become a BPF program that cgroup_plan_create() attaches to the container's cgroup
 * (device_filter_path; nothing when privileged). When the plan has no cgroups it does nothing.
 * For a plan of cgroup_plan_build_in(), name is "PARENT/NAME" (the devices parent joins parent_paths).
 * Returns 0 or -ENOMEM. */
int cgroup_plan_add_device_rules(const CgroupSystem *sys, CgroupPlan *p, const char *name, bool privileged);

/* After cgroup_plan_add_device_rules(): also allow rules (--device): devices.allow lines on v1, part of
 * the filter on v2. Nothing without cgroups or when privileged. Returns 0 or -ENOMEM. */
int cgroup_plan_allow_devices(const CgroupSystem *sys, CgroupPlan *p, const char *name, bool privileged,
                              const struct CgroupDeviceRule *rules, size_t n);

/* Creates the parent_paths that do not exist yet, every directory of plan (mode 0755; an existing one is an error: -EEXIST) and does the
 * writes (a failing optional write is ignored). With monitor_paths (CGROUPS_SPLIT) it first moves the
 * calling process into them (created if missing, kept on failure: the caller stays where it was put).
 * On failure removes the container cgroups it created and returns -errno with *ret_error naming the
 * file ("cgroup memory/…/skiff-x/memory.limit_in_bytes: write \"1000\": Device or resource busy"). */
int cgroup_plan_create(int root_fd, const CgroupPlan *plan, char **ret_error);

/* Moves pid into every cgroup of paths (writes "cgroup.procs"). Returns 0 or -errno with *ret_error. */
int cgroup_join(int root_fd, char *const *paths, pid_t pid, char **ret_error);

/* Sends sig to every process of the cgroups: cgroup.kill when sig is SIGKILL and the v2 tree has it
 * (Linux 5.14), else freezes (v2 cgroup.freeze / v1 freezer) where it can, signals each pid of
 * cgroup.procs, thaws. Returns the number of processes signalled (>= 0) or -errno. */
int cgroup_kill(int root_fd, char *const *paths, int sig);

/* Whether any cgroup of paths still holds a process (1), none (0), or -errno. */
int cgroup_is_populated(int root_fd, char *const *paths);

/* Removes the cgroups, depth first (child cgroups a container created itself go too), retrying while
 * the kernel says EBUSY (processes still exiting) for at most timeout_ms in all. Missing ones are
 * fine. Every path is tried even after one fails. Returns 0, or the first failure: -EBUSY (still
 * populated after the timeout) or -errno, with *ret_error naming the path. */
int cgroup_remove(int root_fd, char *const *paths, unsigned timeout_ms, char **ret_error);

typedef struct CgroupStats {
        int64_t memory_usage; /* bytes, -1 when unknown */
        int64_t memory_limit; /* bytes, -1 unlimited or unknown */
        int64_t cpu_usage_ns; /* -1 when unknown */
        int64_t pids_current; /* -1 when unknown */
        int64_t pids_limit;   /* -1 unlimited or unknown */
} CgroupStats;

/* Reads usage for inspect/stats from whichever hierarchies of paths hold the files. Returns 0 (fields
 * it could not read are -1) or -errno. */
int cgroup_read_stats(int root_fd, char *const *paths, CgroupStats *ret);

/* Moving a process between cgroups (a cgroup.procs write) takes the kernel's cgroup_threadgroup_rwsem
 * for writing, and the first writer after a quiet moment waits for an RCU grace period
 * (rcu_sync_enter(): 8-14 ms on this 2-CPU VM); writers within about a grace period of the last one
 * do not. A pod's first spawn (the infra's) pays it on kube play's critical path. This starts that
 * grace period early, in a short-lived child process: a no-op move of itself into the cgroup it is in
 * already (its pids, memory or unified cgroup, from /proc/self/cgroup). No cgroup changes. For root
 * (-EPERM otherwise). Returns the child's pid, which the caller reaps with cgroup_attach_warmup_done()
 * (before it exits; the child is done within a grace period), or -errno; failures in the child are
 * ignored. */
pid_t cgroup_attach_warmup(void);
void cgroup_attach_warmup_done(pid_t pid);
