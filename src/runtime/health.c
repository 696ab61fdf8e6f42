/* SPDX-License-Identifier: Apache-2.0 */

#include "runtime/health.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/macro.h"
#include "common/strv.h"

static const char *const health_status_table[_HEALTH_STATUS_MAX] = {
        [HEALTH_NONE] = "",
        [HEALTH_STARTING] = "starting",
        [HEALTH_HEALTHY] = "healthy",
        [HEALTH_UNHEALTHY] = "unhealthy",
};

const char *health_status_to_string(HealthStatus s) {
        return s >= 0 && s < _HEALTH_STATUS_MAX ? health_status_table[s] : NULL;
}

HealthStatus health_status_from_string(const char *s) {
        if (!s)
                return _HEALTH_STATUS_INVALID;
        for (int i = 0; i < _HEALTH_STATUS_MAX; i++)
                if (streq(health_status_table[i], s))
                        return (HealthStatus) i;
        return _HEALTH_STATUS_INVALID;
}

void health_reset(HealthRunner *h, const HealthSpec *spec, uint64_t now) {
        *h = (HealthRunner) {
                .status = spec->argv ? HEALTH_STARTING : HEALTH_NONE,
                .started_usec = now,
                .next_due_usec = now + spec->interval_usec,
        };
}

bool health_due(const HealthRunner *h, uint64_t now) {
        return h->status != HEALTH_NONE && !h->running && h->next_due_usec <= now;
}

void health_begin(HealthRunner *h) {
        h->running = true;
}

bool health_result(HealthRunner *h, const HealthSpec *spec, bool success, uint64_t now) {
        HealthStatus old = h->status;

        if (h->status == HEALTH_NONE)
                return false;
        h->running = false;
        h->next_due_usec = now + spec->interval_usec;
        if (success) {
                h->failures = 0;
                h->status = HEALTH_HEALTHY;
        } else if (now >= h->started_usec + spec->start_period_usec) {
                if (h->failures < UINT32_MAX)
                        h->failures++;
                if (h->failures >= spec->retries)
                        h->status = HEALTH_UNHEALTHY;
        }
        return h->status != old;
}

int health_parse_duration(const char *s, uint64_t *ret_usec) {
        static const struct {
                const char *unit;
                double usec;
        } units[] = {
                /* longest first where one is a prefix of another */
                { "ns", 0.001 }, { "us", 1 }, { "\xc2\xb5s", 1 }, { "ms", 1000 },
                { "s", 1e6 },    { "m", 60e6 }, { "h", 3600e6 },
        };
        double total = 0;

        if (!s || !*s)
                return -EINVAL;
        if (streq(s, "0")) {
                *ret_usec = 0;
                return 0;
        }
        while (*s) {
                char *end;
                double v;
                size_t i;

                if (!((*s >= '0' && *s <= '9') || *s == '.'))
                        return -EINVAL;
                v = strtod(s, &end);
                if (end == s)
                        return -EINVAL;
                s = end;
                for (i = 0; i < ELEMENTSOF(units); i++) {
                        size_t n = strlen(units[i].unit);
                        /* "m" must not take the "m" of "ms" */
                        if (strncmp(s, units[i].unit, n) == 0 && !(n == 1 && s[0] == 'm' && s[1] == 's'))
                                break;
                }
                if (i == ELEMENTSOF(units))
                        return -EINVAL;
                s += strlen(units[i].unit);
                total += v * units[i].usec;
                if (total > 1e18)
                        return -EINVAL;
        }
        *ret_usec = (uint64_t) total;
        return 0;
}

int health_parse_cmd(const char *s, char ***ret_argv) {
        _cleanup_strv_free_ char **argv = NULL;

        *ret_argv = NULL;
        if (!s || !*s || streq(s, "none"))
                return 0;
        if (s[0] == '[') {
                json_object *a = json_tokener_parse(s);
                size_t n;

                if (!a || !json_object_is_type(a, json_type_array)) {
                        json_object_put(a);
                        return -EINVAL;
                }
                n = json_object_array_length(a);
                for (size_t i = 0; i < n; i++) {
                        json_object *e = json_object_array_get_idx(a, i);
                        if (!json_object_is_type(e, json_type_string) || strv_extend(&argv, json_object_get_string(e)) < 0) {
                                json_object_put(a);
                                return e && json_object_is_type(e, json_type_string) ? -ENOMEM : -EINVAL;
                        }
                }
                json_object_put(a);
                if (strv_length(argv) == 0)
                        return -EINVAL;
                if (streq(argv[0], "NONE"))
                        return 0;
                if (streq(argv[0], "CMD") || streq(argv[0], "CMD-SHELL")) {
                        bool shell = streq(argv[0], "CMD-SHELL");
                        char **rest = NULL;
                        if (strv_copy(argv + 1, &rest) < 0)
                                return -ENOMEM;
                        strv_free(argv);
                        argv = rest;
                        if (strv_length(argv) == 0 || (shell && strv_length(argv) != 1))
                                return -EINVAL;
                        if (!shell) {
                                *ret_argv = TAKE_PTR(argv);
                                return 0;
                        }
                        s = argv[0];
                } else {
                        *ret_argv = TAKE_PTR(argv);
                        return 0;
                }
        }
        {
                char **sh = NULL;
                if (strv_extend(&sh, "/bin/sh") < 0 || strv_extend(&sh, "-c") < 0 || strv_extend(&sh, s) < 0) {
                        strv_free(sh);
                        return -ENOMEM;
                }
                *ret_argv = sh;
        }
        return 0;
}
