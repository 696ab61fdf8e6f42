/* Device access rules for a container's cgroup: v1's devices.allow/deny lines and, on v2, the same
 * rules as a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the container's cgroup. One table, two
 * encodings. */

#include "runtime/cgroup-devices.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/macro.h"

#define ANY (-1)

/* What a container's minimal /dev holds (null zero full random urandom tty console ptmx, pts), the
 * tun device (pasta/slirp4netns inside pods), and mknod, but not access, for every other node, so
 * that package managers that create nodes keep working: podman's and runc's default list. */
static const CgroupDeviceRule default_rules[] = {
        {'c', ANY, ANY, CGROUP_DEV_MKNOD}, {'b', ANY, ANY, CGROUP_DEV_MKNOD},
        {'c', 1, 3, CGROUP_DEV_RWM},     /* null */
        {'c', 1, 5, CGROUP_DEV_RWM},     /* zero */
        {'c', 1, 7, CGROUP_DEV_RWM},     /* full */
        {'c', 1, 8, CGROUP_DEV_RWM},     /* random */
        {'c', 1, 9, CGROUP_DEV_RWM},     /* urandom */
        {'c', 5, 0, CGROUP_DEV_RWM},     /* tty */
        {'c', 5, 1, CGROUP_DEV_RWM},     /* console */
        {'c', 5, 2, CGROUP_DEV_RWM},     /* ptmx */
        {'c', 136, ANY, CGROUP_DEV_RWM}, /* pts */
        {'c', 10, 200, CGROUP_DEV_RWM},  /* net/tun */
};

const CgroupDeviceRule *cgroup_device_default_rules(size_t *ret_n) {
        *ret_n = ELEMENTSOF(default_rules);
        return default_rules;
}

int cgroup_device_rule_format(const CgroupDeviceRule *r, char *buf, size_t size) {
        char maj[16], min[16], acc[4];
        size_t k = 0;

        if (r->major == ANY)
                strcpy(maj, "*");
        else
                snprintf(maj, sizeof(maj), "%d", r->major);
        if (r->minor == ANY)
                strcpy(min, "*");
        else
                snprintf(min, sizeof(min), "%d", r->minor);
        if (r->access & CGROUP_DEV_READ)
                acc[k++] = 'r';
        if (r->access & CGROUP_DEV_WRITE)
                acc[k++] = 'w';
        if (r->access & CGROUP_DEV_MKNOD)
                acc[k++] = 'm';
        acc[k] = 0;
        int n = snprintf(buf, size, "%c %s:%s %s", r->type, maj, min, acc);
        return n < 0 || (size_t) n >= size ? -ENOBUFS : 0;
}

/* ---- v2: a BPF program ----
 *
 * The kernel calls it for every device access of a process in the cgroup with a struct
 * bpf_cgroup_dev_ctx; returning 1 allows, 0 refuses (EPERM). Registers: r1 the context, r2 type,
 * r3 access, r4 major, r5 minor, r0 the answer. One block per rule, each jumping to the next block
 * when a field does not match. */

#define INSN(c, d, s, o, i) \
        ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, off) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, off, 0)
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define AND_IMM(d, i) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH_IMM(d, i) INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, i)
#define JNE_IMM(d, i, off) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, off, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static size_t block_len(const CgroupDeviceRule *r) {
        /* type check, access check (mov, and, jne), major, minor, then mov r0 + exit */
        return (r->type == 'a' ? 0 : 1) + 3 + (r->major == ANY ? 0 : 1) + (r->minor == ANY ? 0 : 1) + 2;
}

int cgroup_device_program(const CgroupDeviceRule *rules, size_t n, struct bpf_insn **ret, size_t *ret_n) {
        size_t total = 6 + 2, k = 0; /* the loads, then the final "refuse" */
        struct bpf_insn *p;

        for (size_t i = 0; i < n; i++)
                total += block_len(&rules[i]);
        p = calloc(total, sizeof(*p));
        if (!p)
                return -ENOMEM;

        p[k++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
        p[k++] = MOV_REG(BPF_REG_3, BPF_REG_2);
        p[k++] = AND_IMM(BPF_REG_2, 0xffff); /* type */
        p[k++] = RSH_IMM(BPF_REG_3, 16);     /* access */
        p[k++] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
        p[k++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
        for (size_t i = 0; i < n; i++) {
                const CgroupDeviceRule *r = &rules[i];
                size_t len = block_len(r), start = k;
                int16_t to_next;

#define SKIP() (to_next = (int16_t) (start + len - (k + 1)))
                if (r->type != 'a') {
                        SKIP();
                        p[k++] = JNE_IMM(BPF_REG_2,
                                         r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, to_next);
                }
                /* access must be a subset of the rule's: (access & ~allowed) == 0 */
                p[k++] = MOV_REG(BPF_REG_0, BPF_REG_3);
                p[k++] = AND_IMM(BPF_REG_0, (int32_t) (~(uint32_t) r->access & 0x7));
                SKIP();
                p[k++] = JNE_IMM(BPF_REG_0, 0, to_next);
                if (r->major != ANY) {
                        SKIP();
                        p[k++] = JNE_IMM(BPF_REG_4, r->major, to_next);
                }
                if (r->minor != ANY) {
                        SKIP();
                        p[k++] = JNE_IMM(BPF_REG_5, r->minor, to_next);
                }
                p[k++] = MOV_IMM(BPF_REG_0, 1);
                p[k++] = EXIT();
#undef SKIP
        }
        p[k++] = MOV_IMM(BPF_REG_0, 0);
        p[k++] = EXIT();
        *ret = p;
        *ret_n = k;
        return 0;
}

int cgroup_devices_bpf_attach(int root_fd, const char *path, char **ret_error) {
        return cgroup_devices_bpf_attach_with(root_fd, path, NULL, 0, ret_error);
}

int cgroup_devices_bpf_attach_with(int root_fd, const char *path, const CgroupDeviceRule *extra, size_t n_extra,
                                   char **ret_error) {
        _cleanup_free_ struct bpf_insn *prog = NULL;
        _cleanup_free_ CgroupDeviceRule *all = NULL;
        _cleanup_close_ int cg = -EBADF, pfd = -EBADF;
        const CgroupDeviceRule *rules;
        size_t n_rules, n;
        union bpf_attr a;
        char log[4096] = "";
        int r;

        rules = cgroup_device_default_rules(&n_rules);
        if (n_extra > 0) {
                all = calloc(n_rules + n_extra, sizeof(*all));
                if (!all)
                        return -ENOMEM;
                memcpy(all, rules, n_rules * sizeof(*all));
                memcpy(all + n_rules, extra, n_extra * sizeof(*all));
                rules = all;
                n_rules += n_extra;
        }
        r = cgroup_device_program(rules, n_rules, &prog, &n);
        if (r < 0)
                return r;

        memset(&a, 0, sizeof(a));
        a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a.insns = (uint64_t) (uintptr_t) prog;
        a.insn_cnt = (uint32_t) n;
        a.license = (uint64_t) (uintptr_t) "GPL";
        pfd = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
        if (pfd < 0) {
                r = -errno;
                /* Again with the verifier's log, for the message only: a log that does not fit makes
                 * the load fail with ENOSPC, so it is not asked for on the first try. */
                a.log_buf = (uint64_t) (uintptr_t) log;
                a.log_size = sizeof(log);
                a.log_level = 1;
                (void) syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
                log[sizeof(log) - 1] = 0;
                if (ret_error
                    && asprintf(ret_error, "cgroup %s: load the device filter: %s%s%.200s", path,
                                strerror(-r), *log ? ": " : "", log)
                               < 0)
                        *ret_error = NULL;
                return r;
        }
        cg = openat(root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg < 0) {
                r = -errno;
                if (ret_error && asprintf(ret_error, "cgroup %s: open: %s", path, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        memset(&a, 0, sizeof(a));
        a.target_fd = (uint32_t) cg;
        a.attach_bpf_fd = (uint32_t) pfd;
        a.attach_type = BPF_CGROUP_DEVICE;
        a.attach_flags = BPF_F_ALLOW_MULTI;
        if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0) {
                r = -errno;
                if (ret_error
                    && asprintf(ret_error, "cgroup %s: attach the device filter: %s", path, strerror(-r))
                               < 0)
                        *ret_error = NULL;
                return r;
        }
        /* The attachment holds the program; our fd may go. It stays until the cgroup is removed. */
        return 0;
}
