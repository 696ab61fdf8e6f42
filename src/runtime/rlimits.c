/* Resource limits: defaults clamped to the caller, --ulimit parsing, apply. See rlimits.h. */

#include "runtime/rlimits.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/capability.h>

#include "common/cleanup.h"
#include "common/macro.h"

static const struct {
        const char *name;
        int resource;
} rlimit_names[] = {
        {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
        {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
        {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
        {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
        {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
        {"stack", RLIMIT_STACK},
};

/* podman's defaults when containers.conf sets none: both RLIMIT_NOFILE and RLIMIT_NPROC get its
 * RLimitDefaultValue, 1048576 (soft and hard). podman clamps them for rootless callers only; we clamp
 * whenever the caller cannot raise, which is what makes rootful podman fail on these hosts without
 * a default_ulimits override. */
#define DEFAULT_NOFILE UINT64_C(1048576)
#define DEFAULT_NPROC UINT64_C(1048576)

int rlimit_from_name(const char *name) {
        if (!name)
                return -EINVAL;
        /* docker also accepts the RLIMIT_ spelling in --ulimit; be as lenient. */
        if (strncasecmp(name, "RLIMIT_", 7) == 0)
                name += 7;
        for (size_t i = 0; i < ELEMENTSOF(rlimit_names); i++)
                if (strcasecmp(rlimit_names[i].name, name) == 0)
                        return rlimit_names[i].resource;
        return -EINVAL;
}

const char *rlimit_to_name(int resource) {
        for (size_t i = 0; i < ELEMENTSOF(rlimit_names); i++)
                if (rlimit_names[i].resource == resource)
                        return rlimit_names[i].name;
        return NULL;
}

static int fail(char **ret_error, const char *spec, const char *what) {
        if (ret_error && asprintf(ret_error, "--ulimit \"%s\": %s", spec, what) < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static int parse_value(const char *s, size_t len, rlim_t *ret) {
        char buf[32], *end;
        unsigned long long v;

        if (len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = 0;
        if (streq(buf, "-1") || strcasecmp(buf, "unlimited") == 0) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        if (buf[0] < '0' || buf[0] > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(buf, &end, 10);
        if (errno != 0 || *end || v >= RLIM_INFINITY)
                return -EINVAL;
        *ret = (rlim_t) v;
        return 0;
}

int rlimit_parse(const char *spec, Rlimit *ret, char **ret_error) {
        const char *eq, *colon, *v;
        char name[32];
        rlim_t soft, hard;
        int res;

        if (!spec)
                return -EINVAL;
        eq = strchr(spec, '=');
        if (!eq || eq == spec)
                return fail(ret_error, spec, "expected NAME=SOFT[:HARD]");
        if ((size_t) (eq - spec) >= sizeof(name))
                return fail(ret_error, spec, "unknown limit name");
        memcpy(name, spec, (size_t) (eq - spec));
        name[eq - spec] = 0;
        res = rlimit_from_name(name);
        if (res < 0)
                return fail(ret_error, spec, "unknown limit name");

        v = eq + 1;
        colon = strchr(v, ':');
        if (parse_value(v, colon ? (size_t) (colon - v) : strlen(v), &soft) < 0)
                return fail(ret_error, spec, "invalid soft limit (a number, -1 or unlimited)");
        if (colon) {
                if (parse_value(colon + 1, strlen(colon + 1), &hard) < 0)
                        return fail(ret_error, spec, "invalid hard limit (a number, -1 or unlimited)");
        } else
                hard = soft;
        if (soft > hard) {
                char m[128];
                snprintf(m, sizeof(m), "soft limit %" PRIu64 " is above the hard limit %" PRIu64,
                         (uint64_t) soft, (uint64_t) hard);
                return fail(ret_error, spec, m);
        }
        *ret = (Rlimit){.resource = res, .soft = soft, .hard = hard};
        return 0;
}

int rlimit_host_read(RlimitHost *ret) {
        RlimitHost h = {};

        for (int r = 0; r < RLIM_NLIMITS; r++) {
                struct rlimit rl;

                if (getrlimit(r, &rl) < 0)
                        return -errno;
                h.hard[r] = rl.rlim_max;
        }

        /* CAP_SYS_RESOURCE in the effective set is what lets setrlimit() go above the hard limit. */
        cap_t c = cap_get_proc();
        if (c) {
                cap_flag_value_t v = CAP_CLEAR;
                if (cap_get_flag(c, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &v) == 0)
                        h.can_raise = v == CAP_SET;
                cap_free(c);
        }
        *ret = h;
        return 0;
}

static void put(Rlimits *l, Rlimit it) {
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].resource == it.resource) {
                        l->items[i] = it;
                        return;
                }
        l->items[l->n++] = it;
}

int rlimits_build(char *const *ulimits, const RlimitHost *host, Rlimits *ret, char **ret_error) {
        Rlimits l = {};
        const struct {
                int resource;
                rlim_t value;
        } defaults[] = {
                {RLIMIT_NOFILE, DEFAULT_NOFILE},
                {RLIMIT_NPROC, DEFAULT_NPROC},
        };

        for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
                rlim_t v = defaults[i].value;

                /* A default must never make the start fail: clamp it where we may not raise. */
                if (!host->can_raise && host->hard[defaults[i].resource] < v)
                        v = host->hard[defaults[i].resource];
                put(&l, (Rlimit){.resource = defaults[i].resource, .soft = v, .hard = v});
        }

        STRV_FOREACH(s, (char **) ulimits) {
                Rlimit it;
                int r;

                r = rlimit_parse(*s, &it, ret_error);
                if (r < 0)
                        return r;
                if (!host->can_raise && it.hard > host->hard[it.resource]) {
                        char m[160];
                        /* it.hard may be RLIM_INFINITY ("-1"); the caller's is then finite. */
                        if (it.hard == RLIM_INFINITY)
                                snprintf(m, sizeof(m),
                                         "unlimited hard limit is above the caller's %" PRIu64
                                         " (raising it needs CAP_SYS_RESOURCE)",
                                         (uint64_t) host->hard[it.resource]);
                        else
                                snprintf(m, sizeof(m),
                                         "hard limit %" PRIu64 " is above the caller's %" PRIu64
                                         " (raising it needs CAP_SYS_RESOURCE)",
                                         (uint64_t) it.hard, (uint64_t) host->hard[it.resource]);
                        return fail(ret_error, *s, m);
                }
                put(&l, it);
        }
        *ret = l;
        return 0;
}

int rlimits_apply(const Rlimits *l, int *ret_failed) {
        for (size_t i = 0; i < l->n; i++) {
                struct rlimit rl = {.rlim_cur = l->items[i].soft, .rlim_max = l->items[i].hard};

                if (setrlimit(l->items[i].resource, &rl) < 0) {
                        if (ret_failed)
                                *ret_failed = l->items[i].resource;
                        return -errno;
                }
        }
        return 0;
}
