/* Capabilities: build (pure) and apply (libcap). See caps.h for the rules and the order. */

#include "runtime/caps.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <sys/capability.h>

#include "common/cleanup.h"
#include "common/macro.h"
#include "common/strbuf.h"

/* podman 4.x/5.x (containers-common's default_capabilities), checked against
 * /usr/share/containers/containers.conf of Debian's podman 4.3 and podman 5's documentation. */
static const int default_caps[] = {
        CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FOWNER,  CAP_FSETID, CAP_KILL,       CAP_NET_BIND_SERVICE,
        CAP_SETFCAP, CAP_SETGID,       CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT,
};

uint64_t caps_default_mask(void) {
        uint64_t m = 0;

        for (size_t i = 0; i < ELEMENTSOF(default_caps); i++)
                m |= CAP_MASK(default_caps[i]);
        return m;
}

uint64_t caps_all_mask(unsigned last_cap) {
        if (last_cap >= 63)
                return UINT64_MAX;
        return (CAP_MASK(last_cap + 1)) - 1;
}

int caps_last_cap(void) {
        char buf[32];
        ssize_t n;
        int fd;

        fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return CAP_LAST_CAP; /* /proc not mounted (early boot, tests): what libcap was built for */
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return CAP_LAST_CAP;
        buf[n] = 0;
        char *end;
        long v = strtol(buf, &end, 10);
        if (end == buf || v < 0 || v > 63)
                return -EBADMSG;
        return (int) v;
}

/* Canonical names, so that we need not free libcap's strings; indexes are the kernel's numbers. */
static const char *const cap_names[] = {
        [CAP_CHOWN] = "CAP_CHOWN",
        [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
        [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
        [CAP_FOWNER] = "CAP_FOWNER",
        [CAP_FSETID] = "CAP_FSETID",
        [CAP_KILL] = "CAP_KILL",
        [CAP_SETGID] = "CAP_SETGID",
        [CAP_SETUID] = "CAP_SETUID",
        [CAP_SETPCAP] = "CAP_SETPCAP",
        [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
        [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
        [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
        [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
        [CAP_NET_RAW] = "CAP_NET_RAW",
        [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
        [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
        [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
        [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
        [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
        [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
        [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
        [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
        [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
        [CAP_SYS_NICE] = "CAP_SYS_NICE",
        [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
        [CAP_SYS_TIME] = "CAP_SYS_TIME",
        [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
        [CAP_MKNOD] = "CAP_MKNOD",
        [CAP_LEASE] = "CAP_LEASE",
        [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
        [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
        [CAP_SETFCAP] = "CAP_SETFCAP",
        [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
        [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
        [CAP_SYSLOG] = "CAP_SYSLOG",
        [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
        [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
        [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
        [38] = "CAP_PERFMON",
        [39] = "CAP_BPF",
        [40] = "CAP_CHECKPOINT_RESTORE",
};

const char *caps_name(int c) {
        if (c < 0 || (size_t) c >= ELEMENTSOF(cap_names))
                return NULL;
        return cap_names[c];
}

int caps_from_name(const char *name) {
        const char *n;

        if (isempty(name))
                return -EINVAL;
        n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (cap_names[i] && strcasecmp(cap_names[i] + 4, n) == 0)
                        return (int) i;
        return -EINVAL;
}

static bool is_all(const char *s) {
        return strcasecmp(s, "ALL") == 0 || strcasecmp(s, "CAP_ALL") == 0;
}

_printf_(3, 4) static int set_error(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (!ret_error)
                return r;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0) {
                *ret_error = NULL;
                r = -ENOMEM;
        }
        va_end(ap);
        return r;
}

/* Parses a --cap-add/--cap-drop list into a mask; *ret_all tells whether "ALL" was among them. */
static int parse_list(const char *flag, char *const *l, unsigned last_cap, uint64_t *ret, bool *ret_all,
                      char **ret_error) {
        uint64_t m = 0;
        bool all = false;

        STRV_FOREACH(s, (char **) l) {
                int c;

                if (is_all(*s)) {
                        all = true;
                        continue;
                }
                c = caps_from_name(*s);
                if (c < 0 || (unsigned) c > last_cap)
                        return set_error(ret_error, -EINVAL, "%s \"%s\": unknown capability", flag, *s);
                m |= CAP_MASK(c);
        }
        *ret = m;
        *ret_all = all;
        return 0;
}

int caps_build(bool privileged, char *const *add, char *const *drop, uid_t uid, unsigned last_cap,
               CapSet *ret, char **ret_error) {
        uint64_t all = caps_all_mask(last_cap), add_m, drop_m, base;
        bool add_all, drop_all;
        int r;

        r = parse_list("--cap-add", add, last_cap, &add_m, &add_all, ret_error);
        if (r < 0)
                return r;
        r = parse_list("--cap-drop", drop, last_cap, &drop_m, &drop_all, ret_error);
        if (r < 0)
                return r;
        if (add_m & drop_m) {
                for (unsigned c = 0; c <= last_cap; c++)
                        if ((add_m & drop_m) & CAP_MASK(c))
                                return set_error(ret_error, -EINVAL, "--cap-add and --cap-drop both name %s",
                                                 caps_name((int) c));
        }

        /* podman's order: ALL in --cap-drop empties the base, ALL in --cap-add fills it; then the
         * named additions, then the named drops. */
        base = privileged ? all : (caps_default_mask() & all);
        if (drop_all)
                base = 0;
        if (add_all)
                base = all;
        base = (base | add_m) & ~drop_m;

        *ret = (CapSet){.bounding = base};
        if (uid == 0) {
                /* No inheritable set for root, as podman since CVE-2022-27649: a file with inheritable
                 * file capabilities must not gain them from us. */
                ret->permitted = ret->effective = base;
        } else {
                /* A non-root user gets only what was added explicitly, in every set, ambient
                 * included (ambient needs permitted and inheritable), so that it survives execve()
                 * of a program without file capabilities. */
                uint64_t user = (add_all ? all : add_m) & base;
                ret->permitted = ret->effective = ret->inheritable = ret->ambient = user;
        }
        return 0;
}

char *caps_mask_to_string(uint64_t mask) {
        StrBuf sb = STRBUF_INIT;

        if (strbuf_puts(&sb, "") < 0)
                return NULL;
        for (unsigned c = 0; c < 64; c++) {
                const char *n;

                if (!(mask & CAP_MASK(c)))
                        continue;
                n = caps_name((int) c);
                if (sb.len > 0)
                        strbuf_putc(&sb, ',');
                if (n)
                        strbuf_puts(&sb, n);
                else
                        strbuf_addf(&sb, "%u", c);
        }
        if (!strbuf_ok(&sb)) {
                strbuf_release(&sb);
                return NULL;
        }
        return strbuf_detach(&sb);
}

static int drop_bounding(uint64_t keep, const char **ret_step) {
        int last = caps_last_cap();

        if (last < 0)
                last = CAP_LAST_CAP;
        for (int c = 0; c <= last; c++) {
                if (keep & CAP_MASK(c))
                        continue;
                if (prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) <= 0)
                        continue; /* already gone (or unknown to the kernel) */
                if (prctl(PR_CAPBSET_DROP, (unsigned long) c, 0, 0, 0) < 0) {
                        if (ret_step)
                                *ret_step = "drop bounding capability";
                        return -errno;
                }
        }
        return 0;
}

/* capset() through the raw kernel interface: no allocation (libcap's cap_t is malloc'd), so the
 * child of a multi-threaded parent may call it. */
static int set_sets(const CapSet *set, const char **ret_step) {
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct d[2] = {};

        d[0].effective = (uint32_t) set->effective;
        d[1].effective = (uint32_t) (set->effective >> 32);
        d[0].permitted = (uint32_t) set->permitted;
        d[1].permitted = (uint32_t) (set->permitted >> 32);
        d[0].inheritable = (uint32_t) set->inheritable;
        d[1].inheritable = (uint32_t) (set->inheritable >> 32);
        if (capset(&h, d) < 0) {
                if (ret_step)
                        *ret_step = "capset";
                return -errno;
        }
        return 0;
}

static int set_ambient(uint64_t ambient, const char **ret_step) {
        /* Start from nothing: an ambient set inherited from the caller must not leak in. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
                if (ret_step)
                        *ret_step = "clear ambient capabilities";
                return -errno;
        }
        for (unsigned c = 0; c < 64; c++) {
                if (!(ambient & CAP_MASK(c)))
                        continue;
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) c, 0, 0) < 0) {
                        if (ret_step)
                                *ret_step = "raise ambient capability";
                        return -errno;
                }
        }
        return 0;
}

int caps_apply(const CapSet *set, const char **ret_step) {
        int r;

        r = drop_bounding(set->bounding, ret_step);
        if (r < 0)
                return r;
        r = set_sets(set, ret_step);
        if (r < 0)
                return r;
        return set_ambient(set->ambient, ret_step);
}

#define STEP(s)                          \
        do {                             \
                if (ret_step)            \
                        *ret_step = (s); \
        } while (0)

int caps_apply_user(const CapSet *set, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
                    const char **ret_step) {
        int r;

        /* 1. The bounding set first: dropping needs CAP_SETPCAP, which the uid change may take. */
        r = drop_bounding(set->bounding, ret_step);
        if (r < 0)
                return r;

        /* 2. Without KEEPCAPS, a change of every uid to non-zero clears the permitted set, and we
         * could not raise anything for a non-root user afterwards. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
                STEP("prctl(PR_SET_KEEPCAPS)");
                return -errno;
        }

        /* 3. Groups before the uid: setgroups()/setresgid() need CAP_SETGID, gone with uid != 0
         * unless kept. */
        if (setgroups(n_groups, n_groups > 0 ? groups : NULL) < 0) {
                STEP("setgroups");
                return -errno;
        }
        if (setresgid(gid, gid, gid) < 0) {
                STEP("setresgid");
                return -errno;
        }
        if (setresuid(uid, uid, uid) < 0) {
                STEP("setresuid");
                return -errno;
        }

        /* 4. The uid change cleared the effective set (KEEPCAPS keeps permitted only): set all
         * three now. Setting permitted to less than we hold drops the rest for good. */
        r = set_sets(set, ret_step);
        if (r < 0)
                return r;

        /* 5. Ambient last: raising needs the capability in permitted and inheritable. */
        r = set_ambient(set->ambient, ret_step);
        if (r < 0)
                return r;

        /* 6. Not needed any more; leaving it set would let a later setuid() in the container keep
         * capabilities that a normal program expects to lose. */
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
                STEP("prctl(PR_SET_KEEPCAPS)");
                return -errno;
        }
        return 0;
}
