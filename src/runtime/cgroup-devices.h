#pragma once

/* Device access rules for a container's cgroup (see cgroup.h, cgroup_plan_add_device_rules()): one
 * table, written as v1 devices.allow lines or compiled into a v2 BPF_PROG_TYPE_CGROUP_DEVICE program. */

#include <stddef.h>
#include <stdint.h>

struct bpf_insn;

enum {
        CGROUP_DEV_MKNOD = 1, /* the kernel's BPF_DEVCG_ACC_* bits */
        CGROUP_DEV_READ = 2,
        CGROUP_DEV_WRITE = 4,
        CGROUP_DEV_RWM = 7,
};

typedef struct CgroupDeviceRule {
        char type;        /* 'c', 'b', or 'a' (all) */
        int major, minor; /* -1: any */
        unsigned access;  /* CGROUP_DEV_* */
} CgroupDeviceRule;

/* podman's/runc's default allow list (static). */
const CgroupDeviceRule *cgroup_device_default_rules(size_t *ret_n);

/* "c 1:3 rwm", "c *:* m". Returns 0 or -ENOBUFS. */
int cgroup_device_rule_format(const CgroupDeviceRule *r, char *buf, size_t size);

/* The v2 program allowing exactly rules (everything else refused). Returns 0 and a malloc'd array in
 * *ret (free()), or -ENOMEM. */
int cgroup_device_program(const CgroupDeviceRule *rules, size_t n, struct bpf_insn **ret, size_t *ret_n);

/* Loads the default rules' program and attaches it to the cgroup path (relative to root_fd) with
 * BPF_F_ALLOW_MULTI. Returns 0 or -errno with *ret_error naming the path and the step (the verifier's
 * log when loading fails). */
int cgroup_devices_bpf_attach(int root_fd, const char *path, char **ret_error);
/* The same with extra rules allowed besides the defaults (--device). */
int cgroup_devices_bpf_attach_with(int root_fd, const char *path, const CgroupDeviceRule *extra, size_t n_extra,
                                   char **ret_error);
