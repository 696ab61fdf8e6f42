/* Container health checks: parsing, the state in health.json, one check, and the monitor's timer.
 * See health.h. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/fileio.h"
#include "common/json-util.h"
#include "common/macro.h"
#include "common/strv.h"
#include "runtime/container-plan.h"
#include "runtime/dlopen-systemd.h"
#include "runtime/health.h"
#include "runtime/plan-internal.h"
#include "runtime/spawn.h"
#include "runtime/state.h"

#define USEC_PER_SEC 1000000ULL
#define HEALTH_OUTPUT_MAX (64U * 1024U) /* read from a check at most; the log keeps max_log_size */

void health_options_done(HealthOptions *o) {
        char **strs[] = {&o->cmd,         &o->interval,         &o->timeout,          &o->retries,
                         &o->start_period, &o->on_failure,      &o->startup_cmd,      &o->startup_interval,
                         &o->startup_retries, &o->startup_success, &o->startup_timeout, &o->log_destination,
                         &o->max_log_count, &o->max_log_size};

        for (size_t i = 0; i < ELEMENTSOF(strs); i++) {
                free(*strs[i]);
                *strs[i] = NULL;
        }
        o->disabled = false;
}

static const char *const on_failure_names[_HEALTH_ON_FAILURE_MAX] = {
        [HEALTH_ON_FAILURE_NONE] = "none",
        [HEALTH_ON_FAILURE_KILL] = "kill",
        [HEALTH_ON_FAILURE_RESTART] = "restart",
        [HEALTH_ON_FAILURE_STOP] = "stop",
};

const char *health_on_failure_to_string(HealthOnFailure f) {
        return f >= 0 && f < _HEALTH_ON_FAILURE_MAX ? on_failure_names[f] : NULL;
}

HealthOnFailure health_on_failure_from_string(const char *s) {
        for (int i = 0; s && i < _HEALTH_ON_FAILURE_MAX; i++)
                if (streq(on_failure_names[i], s))
                        return (HealthOnFailure) i;
        return _HEALTH_ON_FAILURE_INVALID;
}

static const char *const status_names[_HEALTH_STATUS_MAX] = {
        [HEALTH_STARTING] = "starting",
        [HEALTH_HEALTHY] = "healthy",
        [HEALTH_UNHEALTHY] = "unhealthy",
};

const char *health_status_to_string(HealthStatus s) {
        return s >= 0 && s < _HEALTH_STATUS_MAX ? status_names[s] : NULL;
}

HealthStatus health_status_from_string(const char *s) {
        for (int i = 0; s && i < _HEALTH_STATUS_MAX; i++)
                if (streq(status_names[i], s))
                        return (HealthStatus) i;
        return _HEALTH_STATUS_INVALID;
}

HealthConfig *health_config_free(HealthConfig *c) {
        if (!c)
                return NULL;
        strv_free(c->test);
        strv_free(c->startup_test);
        free(c->log_destination);
        free(c);
        return NULL;
}

/* --- durations --- */

int health_duration_parse(const char *s, uint64_t *ret_usec) {
        static const struct {
                const char *name;
                uint64_t ns;
        } units[] = {
                /* longest first where one is a prefix of another ("ms" before "m") */
                {"ns", 1},
                {"us", 1000},
                {"\xc2\xb5s", 1000}, /* µs, U+00B5 */
                {"\xce\xbcs", 1000}, /* μs, U+03BC */
                {"ms", 1000000},
                {"s", 1000000000ULL},
                {"m", 60ULL * 1000000000ULL},
                {"h", 3600ULL * 1000000000ULL},
        };
        long double total = 0;
        const char *p = s;

        if (!s || !*s)
                return -EINVAL;
        if (*p == '+')
                p++;
        if (streq(p, "0")) {
                *ret_usec = 0;
                return 0;
        }
        if (!*p)
                return -EINVAL;
        while (*p) {
                long double v = 0, scale = 1;
                bool digits = false;
                size_t k;

                while (*p >= '0' && *p <= '9') {
                        v = v * 10 + (*p++ - '0');
                        digits = true;
                }
                if (*p == '.') {
                        p++;
                        while (*p >= '0' && *p <= '9') {
                                scale /= 10;
                                v += (*p++ - '0') * scale;
                                digits = true;
                        }
                }
                if (!digits)
                        return -EINVAL;
                for (k = 0; k < ELEMENTSOF(units); k++)
                        if (startswith(p, units[k].name))
                                break;
                if (k == ELEMENTSOF(units))
                        return -EINVAL; /* a missing or unknown unit */
                /* "m" must not swallow the "m" of "ms": ms comes first in the table */
                p += strlen(units[k].name);
                total += v * (long double) units[k].ns;
                if (total > (long double) INT64_MAX)
                        return -ERANGE;
        }
        *ret_usec = (uint64_t) (total / 1000);
        return 0;
}

char *health_duration_format(uint64_t usec, char *buf, size_t size) {
        uint64_t h = usec / (3600 * USEC_PER_SEC), m = usec / (60 * USEC_PER_SEC) % 60;
        uint64_t s = usec / USEC_PER_SEC % 60, frac = usec % USEC_PER_SEC;
        char sec[64];
        int n;

        if (usec == 0) {
                snprintf(buf, size, "0s");
                return buf;
        }
        if (usec < USEC_PER_SEC) {
                if (usec % 1000 == 0)
                        snprintf(buf, size, "%" PRIu64 "ms", usec / 1000);
                else
                        snprintf(buf, size, "%" PRIu64 "\xc2\xb5s", usec);
                return buf;
        }
        if (frac) {
                n = snprintf(sec, sizeof(sec), "%" PRIu64 ".%06" PRIu64, s, frac);
                while (n > 0 && sec[n - 1] == '0')
                        sec[--n] = 0;
        } else
                snprintf(sec, sizeof(sec), "%" PRIu64, s);
        if (h)
                snprintf(buf, size, "%" PRIu64 "h%" PRIu64 "m%ss", h, m, sec);
        else if (m)
                snprintf(buf, size, "%" PRIu64 "m%ss", m, sec);
        else
                snprintf(buf, size, "%ss", sec);
        return buf;
}

/* --- the command --- */

static int strv_from_json_array(json_object *a, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = json_object_array_length(a);

        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string))
                        return -EINVAL;
                if (strv_extend(&l, json_object_get_string(e)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool word_is(const char *w, const char *what) {
        return w && strcasecmp(w, what) == 0;
}

/* test = [kind, rest joined by a space] or [kind, rest...] */
static int make_test(const char *kind, char *const *rest, bool join, char ***ret) {
        _cleanup_strv_free_ char **t = NULL;

        if (strv_extend(&t, kind) < 0)
                return -ENOMEM;
        if (join) {
                _cleanup_free_ char *s = strv_join(rest, " ");
                if (!s || strv_extend(&t, s) < 0)
                        return -ENOMEM;
        } else
                for (size_t i = 0; rest && rest[i]; i++)
                        if (strv_extend(&t, rest[i]) < 0)
                                return -ENOMEM;
        *ret = TAKE_PTR(t);
        return 0;
}

int health_cmd_parse(const char *s, char ***ret) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        *ret = NULL;
        if (!s)
                return -EINVAL;
        s += strspn(s, " \t\n");
        if (!*s)
                return -EINVAL;
        if (*s == '[') {
                _cleanup_json_ json_object *a = json_tokener_parse(s);
                if (!a || !json_object_is_type(a, json_type_array))
                        return -EINVAL;
                r = strv_from_json_array(a, &words);
                if (r < 0)
                        return r;
                if (strv_length(words) == 0)
                        return -EINVAL;
                if (word_is(words[0], "NONE"))
                        return 0;
                if (word_is(words[0], "CMD") || word_is(words[0], "CMD-SHELL")) {
                        bool shell = word_is(words[0], "CMD-SHELL");
                        if (!words[1])
                                return -EINVAL;
                        return make_test(shell ? "CMD-SHELL" : "CMD", words + 1, shell, ret);
                }
                /* podman: several words run as they are, one word through the shell */
                if (words[1])
                        return make_test("CMD", words, false, ret);
                return make_test("CMD-SHELL", words, true, ret);
        }
        if (strcasecmp(s, "none") == 0)
                return 0;
        {
                size_t n = strcspn(s, " \t");
                bool cmd = n == 3 && strncasecmp(s, "CMD", 3) == 0;
                bool shell = n == 9 && strncasecmp(s, "CMD-SHELL", 9) == 0;

                if (cmd || shell) {
                        /* podman's compatibility form: the words after the keyword, split at spaces */
                        const char *p = s + n;
                        for (;;) {
                                p += strspn(p, " \t\n");
                                if (!*p)
                                        break;
                                size_t k = strcspn(p, " \t\n");
                                _cleanup_free_ char *w = strndup(p, k);
                                if (!w || strv_extend(&words, w) < 0)
                                        return -ENOMEM;
                                p += k;
                        }
                        if (strv_length(words) == 0)
                                return -EINVAL;
                        return make_test(shell ? "CMD-SHELL" : "CMD", words, shell, ret);
                }
        }
        if (strv_extend(&words, s) < 0)
                return -ENOMEM;
        return make_test("CMD-SHELL", words, true, ret);
}

char **health_test_argv(char *const *test) {
        char **argv = NULL;

        if (!test || !test[0] || !test[1])
                return NULL;
        if (streq(test[0], "CMD-SHELL")) {
                _cleanup_free_ char *s = strv_join(test + 1, " ");
                if (!s || strv_extend(&argv, "/bin/sh") < 0 || strv_extend(&argv, "-c") < 0
                    || strv_extend(&argv, s) < 0)
                        return strv_free(argv);
                return argv;
        }
        if (streq(test[0], "CMD")) {
                if (strv_copy(test + 1, &argv) < 0)
                        return NULL;
                return argv;
        }
        return NULL;
}

/* --- the config --- */

/* A Go duration; positive unless zero_ok (podman refuses 0 for intervals and timeouts: "disable" is
 * how an interval is turned off). */
static int parse_duration_flag(const char *flag, const char *v, bool allow_disable, bool zero_ok, uint64_t *ret,
                               char **ret_error) {
        uint64_t u;

        if (!v)
                return 0;
        if (allow_disable && streq(v, "disable")) {
                *ret = 0;
                return 0;
        }
        if (health_duration_parse(v, &u) < 0 || (u == 0 && !zero_ok))
                return plan_errorf(ret_error, -EINVAL, "--%s %s: expected a duration%s (e.g. 30s, 1m30s, 500ms)%s",
                                   flag, v, zero_ok ? "" : " above 0", allow_disable ? " or disable" : "");
        *ret = u;
        return 0;
}

static int parse_uint_flag(const char *flag, const char *v, unsigned min, unsigned *ret, char **ret_error) {
        char *end;
        unsigned long n;

        if (!v)
                return 0;
        errno = 0;
        n = strtoul(v, &end, 10);
        if (!*v || *end || errno || v[0] == '-' || n > UINT_MAX || n < min)
                return plan_errorf(ret_error, -EINVAL, "--%s %s: expected a number%s", flag, v,
                                   min > 0 ? " of 1 or more" : "");
        *ret = (unsigned) n;
        return 0;
}

static uint64_t ns_to_usec(int64_t ns) {
        return ns > 0 ? (uint64_t) ns / 1000 : 0;
}

int health_config_build(const HealthOptions *o, const ImageHealthcheck *image, HealthConfig **ret,
                        char **ret_error) {
        _cleanup_(health_config_freep) HealthConfig *c = NULL;
        _cleanup_strv_free_ char **test = NULL;
        bool from_image = false, no_check;
        int r;

        *ret = NULL;
        if (o->cmd) {
                r = health_cmd_parse(o->cmd, &test);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return plan_errorf(ret_error, -EINVAL,
                                           o->cmd[strspn(o->cmd, " \t\n")] == '['
                                                   ? "--health-cmd %s: a JSON array must be strings naming a command "
                                                     "(\"CMD\", ARG..., or \"CMD-SHELL\", STRING, or ARG...)"
                                                   : "--health-cmd '%s': expected a command, a JSON array or none",
                                           o->cmd);
        } else if (image && image->test && image->test[0] && !word_is(image->test[0], "NONE")) {
                if (!(streq(image->test[0], "CMD") || streq(image->test[0], "CMD-SHELL")) || !image->test[1])
                        return plan_errorf(ret_error, -EINVAL,
                                           "the image's HEALTHCHECK: Test[0] %s: expected CMD or CMD-SHELL",
                                           image->test[0]);
                if (strv_copy(image->test, &test) < 0)
                        return -ENOMEM;
                from_image = true;
        }
        if ((o->disabled || !test) && o->startup_cmd && !o->disabled)
                return plan_errorf(ret_error, -EINVAL,
                                   "--health-startup-cmd: needs a health check (--health-cmd or the image's "
                                   "HEALTHCHECK)");
        /* Without a check the other flags do nothing, but a bad value is still an error. */
        no_check = o->disabled || !test;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->test = TAKE_PTR(test);
        c->interval_usec = 30 * USEC_PER_SEC;
        c->timeout_usec = 30 * USEC_PER_SEC;
        c->retries = 3;
        c->startup_interval_usec = 30 * USEC_PER_SEC;
        c->startup_timeout_usec = 30 * USEC_PER_SEC;
        c->max_log_count = 5;
        c->max_log_size = 500;
        if (image && (from_image || !o->cmd)) {
                if (image->interval_ns > 0)
                        c->interval_usec = ns_to_usec(image->interval_ns);
                if (image->timeout_ns > 0)
                        c->timeout_usec = ns_to_usec(image->timeout_ns);
                if (image->start_period_ns > 0)
                        c->start_period_usec = ns_to_usec(image->start_period_ns);
                if (image->retries > 0)
                        c->retries = (unsigned) image->retries;
        }
        r = parse_duration_flag("health-interval", o->interval, true, false, &c->interval_usec, ret_error);
        if (r >= 0)
                r = parse_duration_flag("health-timeout", o->timeout, false, false, &c->timeout_usec, ret_error);
        if (r >= 0)
                r = parse_duration_flag("health-start-period", o->start_period, false, true, &c->start_period_usec,
                                        ret_error);
        if (r >= 0)
                r = parse_uint_flag("health-retries", o->retries, 1, &c->retries, ret_error);
        if (r >= 0 && o->on_failure) {
                HealthOnFailure f = health_on_failure_from_string(o->on_failure);
                if (f < 0)
                        r = plan_errorf(ret_error, -EINVAL,
                                        "--health-on-failure %s: expected none, kill, restart or stop", o->on_failure);
                else
                        c->on_failure = f;
        }
        if (r >= 0 && o->startup_cmd) {
                r = health_cmd_parse(o->startup_cmd, &c->startup_test);
                if (r == -EINVAL || (r >= 0 && !c->startup_test))
                        r = plan_errorf(ret_error, -EINVAL, "--health-startup-cmd %s: expected a command or a JSON array",
                                        o->startup_cmd);
        }
        if (r >= 0)
                r = parse_duration_flag("health-startup-interval", o->startup_interval, true, false,
                                        &c->startup_interval_usec, ret_error);
        if (r >= 0)
                r = parse_duration_flag("health-startup-timeout", o->startup_timeout, false, false,
                                        &c->startup_timeout_usec, ret_error);
        if (r >= 0)
                r = parse_uint_flag("health-startup-retries", o->startup_retries, 0, &c->startup_retries, ret_error);
        if (r >= 0)
                r = parse_uint_flag("health-startup-success", o->startup_success, 0, &c->startup_success, ret_error);
        if (r >= 0)
                r = parse_uint_flag("health-max-log-count", o->max_log_count, 0, &c->max_log_count, ret_error);
        if (r >= 0)
                r = parse_uint_flag("health-max-log-size", o->max_log_size, 0, &c->max_log_size, ret_error);
        if (r < 0)
                return r;
        if (r >= 0 && (o->startup_interval || o->startup_timeout || o->startup_retries || o->startup_success)
            && !o->startup_cmd)
                return plan_errorf(ret_error, -EINVAL,
                                   "--health-startup-*: needs --health-startup-cmd (the startup check to run)");
        {
                const char *d = o->log_destination ?: "local";
                struct stat st;

                if (!streq(d, "local") && !streq(d, "events_logger")) {
                        if (d[0] != '/')
                                return plan_errorf(ret_error, -EINVAL,
                                                   "--health-log-destination %s: expected local, events_logger or an "
                                                   "absolute directory",
                                                   d);
                        if (stat(d, &st) < 0 || !S_ISDIR(st.st_mode))
                                return plan_errorf(ret_error, -ENOENT,
                                                   "--health-log-destination %s: not an existing directory", d);
                }
                c->log_destination = strdup(d);
                if (!c->log_destination)
                        return -ENOMEM;
        }
        if (no_check)
                return 0; /* c is freed */
        *ret = TAKE_PTR(c);
        return 0;
}

int health_config_to_json(const HealthConfig *c, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o || json_add_strv(o, "test", c->test) < 0 || json_add_int(o, "interval", (int64_t) c->interval_usec) < 0
            || json_add_int(o, "timeout", (int64_t) c->timeout_usec) < 0
            || json_add_int(o, "startPeriod", (int64_t) c->start_period_usec) < 0
            || json_add_int(o, "retries", c->retries) < 0
            || json_add_string(o, "onFailure", health_on_failure_to_string(c->on_failure)) < 0
            || (c->startup_test && json_add_strv(o, "startupTest", c->startup_test) < 0)
            || json_add_int(o, "startupInterval", (int64_t) c->startup_interval_usec) < 0
            || json_add_int(o, "startupTimeout", (int64_t) c->startup_timeout_usec) < 0
            || json_add_int(o, "startupRetries", c->startup_retries) < 0
            || json_add_int(o, "startupSuccess", c->startup_success) < 0
            || json_add_string(o, "logDestination", c->log_destination) < 0
            || json_add_int(o, "maxLogCount", c->max_log_count) < 0
            || json_add_int(o, "maxLogSize", c->max_log_size) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static int get_u64(json_object *o, const char *key, uint64_t max, uint64_t *ret, char **ret_error) {
        json_object *v;
        int64_t n;

        if (!json_object_object_get_ex(o, key, &v))
                return 0; /* keep the default */
        if (!json_object_is_type(v, json_type_int) || (n = json_object_get_int64(v)) < 0 || (uint64_t) n > max)
                return plan_errorf(ret_error, -EBADMSG, "container plan: \"health\".\"%s\": expected a number", key);
        *ret = (uint64_t) n;
        return 0;
}

static int get_test(json_object *o, const char *key, bool required, char ***ret, char **ret_error) {
        json_object *v;
        int r;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
                if (required)
                        return plan_errorf(ret_error, -EBADMSG, "container plan: \"health\".\"%s\": missing", key);
                return 0;
        }
        if (!json_object_is_type(v, json_type_array))
                return plan_errorf(ret_error, -EBADMSG, "container plan: \"health\".\"%s\": expected an array", key);
        r = strv_from_json_array(v, ret);
        if (r == -EINVAL || (r >= 0 && (!*ret || !(*ret)[0] || !(*ret)[1])))
                return plan_errorf(ret_error, -EBADMSG, "container plan: \"health\".\"%s\": expected a command",
                                   key);
        return r;
}

int health_config_from_json(json_object *o, HealthConfig **ret, char **ret_error) {
        _cleanup_(health_config_freep) HealthConfig *c = calloc(1, sizeof(HealthConfig));
        uint64_t n;
        json_object *v;
        int r;

        if (!c)
                return -ENOMEM;
        if (!json_object_is_type(o, json_type_object))
                return plan_errorf(ret_error, -EBADMSG, "container plan: \"health\": expected an object");
        r = get_test(o, "test", true, &c->test, ret_error);
        if (r >= 0)
                r = get_test(o, "startupTest", false, &c->startup_test, ret_error);
        if (r >= 0)
                r = get_u64(o, "interval", INT64_MAX, &c->interval_usec, ret_error);
        if (r >= 0)
                r = get_u64(o, "timeout", INT64_MAX, &c->timeout_usec, ret_error);
        if (r >= 0)
                r = get_u64(o, "startPeriod", INT64_MAX, &c->start_period_usec, ret_error);
        if (r >= 0)
                r = get_u64(o, "startupInterval", INT64_MAX, &c->startup_interval_usec, ret_error);
        if (r >= 0)
                r = get_u64(o, "startupTimeout", INT64_MAX, &c->startup_timeout_usec, ret_error);
#define U(key, field)                                                           \
        if (r >= 0) {                                                           \
                n = c->field;                                                   \
                r = get_u64(o, key, UINT_MAX, &n, ret_error);                   \
                c->field = (unsigned) n;                                        \
        }
        U("retries", retries);
        U("startupRetries", startup_retries);
        U("startupSuccess", startup_success);
        U("maxLogCount", max_log_count);
        U("maxLogSize", max_log_size);
#undef U
        if (r < 0)
                return r;
        if (c->retries == 0 || c->timeout_usec == 0)
                return plan_errorf(ret_error, -EBADMSG, "container plan: \"health\": retries and timeout must be > 0");
        if (json_object_object_get_ex(o, "onFailure", &v)) {
                int f = json_object_is_type(v, json_type_string)
                                ? health_on_failure_from_string(json_object_get_string(v))
                                : -EINVAL;
                if (f < 0)
                        return plan_errorf(ret_error, -EBADMSG, "container plan: \"health\".\"onFailure\": unknown");
                c->on_failure = f;
        }
        if (json_object_object_get_ex(o, "logDestination", &v) && json_object_is_type(v, json_type_string))
                c->log_destination = strdup(json_object_get_string(v));
        else
                c->log_destination = strdup("local");
        if (!c->log_destination)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

/* --- the state --- */

static void entry_done(HealthLogEntry *e) {
        free(e->start);
        free(e->end);
        free(e->output);
        *e = (HealthLogEntry){};
}

void health_state_done(HealthState *s) {
        for (size_t i = 0; i < s->n_log; i++)
                entry_done(&s->log[i]);
        free(s->log);
        *s = (HealthState){};
}

HealthResult health_state_record(HealthState *s, const HealthConfig *c, bool startup, bool in_start_period,
                                 HealthLogEntry *entry) {
        HealthLogEntry *a;
        bool passed = entry->exit_code == 0;

        if (entry->output && c->max_log_size > 0 && strlen(entry->output) > c->max_log_size)
                entry->output[c->max_log_size] = 0;
        a = realloc(s->log, (s->n_log + 1) * sizeof(*a));
        if (a) {
                s->log = a;
                s->log[s->n_log++] = *entry;
        } else
                entry_done(entry);
        *entry = (HealthLogEntry){};
        while (c->max_log_count > 0 && s->n_log > c->max_log_count) {
                entry_done(&s->log[0]);
                memmove(s->log, s->log + 1, (s->n_log - 1) * sizeof(*s->log));
                s->n_log--;
        }

        if (startup)
                return passed ? HEALTH_RESULT_PASSED : HEALTH_RESULT_FAILED;
        if (passed) {
                s->status = HEALTH_HEALTHY;
                s->failing_streak = 0;
                return HEALTH_RESULT_PASSED;
        }
        if (in_start_period)
                return HEALTH_RESULT_FAILED;
        s->failing_streak++;
        if (s->failing_streak >= c->retries) {
                s->status = HEALTH_UNHEALTHY;
                return HEALTH_RESULT_UNHEALTHY;
        }
        return HEALTH_RESULT_FAILED;
}

int health_state_to_json(const HealthState *s, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object(), *log = json_object_new_array();

        if (!o || !log || json_add_string(o, "Status", health_status_to_string(s->status)) < 0
            || json_add_int(o, "FailingStreak", s->failing_streak) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_log; i++) {
                json_object *e = json_object_new_object();
                if (!e || json_add_string(e, "Start", s->log[i].start) < 0
                    || json_add_string(e, "End", s->log[i].end) < 0
                    || json_add_int(e, "ExitCode", s->log[i].exit_code) < 0
                    || json_add_string(e, "Output", s->log[i].output ?: "") < 0 || json_array_add(log, e) < 0) {
                        json_object_put(e);
                        return -ENOMEM;
                }
        }
        if (json_add_object(o, "Log", TAKE_PTR(log)) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static char *dup_json_str(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return strdup(json_object_get_string(v));
}

int health_state_parse(const char *text, HealthState *ret) {
        _cleanup_json_ json_object *o = json_tokener_parse(text);
        HealthState s = {};
        json_object *v;
        int64_t n;

        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        if (!json_object_object_get_ex(o, "Status", &v) || !json_object_is_type(v, json_type_string)
            || (int) (s.status = health_status_from_string(json_object_get_string(v))) < 0)
                return -EBADMSG;
        if (json_object_object_get_ex(o, "FailingStreak", &v)) {
                if (!json_object_is_type(v, json_type_int) || (n = json_object_get_int64(v)) < 0 || n > UINT_MAX)
                        return -EBADMSG;
                s.failing_streak = (unsigned) n;
        }
        if (json_object_object_get_ex(o, "Log", &v)) {
                size_t len;
                if (!json_object_is_type(v, json_type_array))
                        return -EBADMSG;
                len = json_object_array_length(v);
                if (len > 0 && !(s.log = calloc(len, sizeof(HealthLogEntry))))
                        return -ENOMEM;
                for (size_t i = 0; i < len; i++) {
                        json_object *e = json_object_array_get_idx(v, i), *x;
                        HealthLogEntry *le = &s.log[s.n_log];
                        if (!json_object_is_type(e, json_type_object)) {
                                health_state_done(&s);
                                return -EBADMSG;
                        }
                        le->start = dup_json_str(e, "Start");
                        le->end = dup_json_str(e, "End");
                        le->output = dup_json_str(e, "Output");
                        if (json_object_object_get_ex(e, "ExitCode", &x) && json_object_is_type(x, json_type_int))
                                le->exit_code = json_object_get_int(x);
                        s.n_log++;
                }
        }
        *ret = s;
        return 0;
}

static int state_path(const char *id, char *buf, size_t size) {
        if (strlen(id) != CONTAINER_ID_LEN || strchr(id, '/'))
                return -EINVAL;
        snprintf(buf, size, "%s/health.json", id);
        return 0;
}

int health_state_load(ContainerStore *store, const char *id, HealthState *ret) {
        _cleanup_free_ char *text = NULL;
        char path[CONTAINER_ID_LEN + 32];
        int r;

        r = state_path(id, path, sizeof(path));
        if (r < 0)
                return r;
        r = read_full_file_at(container_store_runroot_fd(store), path, 16 * 1024 * 1024, &text, NULL);
        if (r < 0)
                return r;
        return health_state_parse(text, ret);
}

int health_state_save(ContainerStore *store, const char *id, const HealthState *s) {
        _cleanup_json_ json_object *o = NULL;
        char path[CONTAINER_ID_LEN + 32];
        int r;

        r = state_path(id, path, sizeof(path));
        if (r >= 0)
                r = health_state_to_json(s, &o);
        if (r < 0)
                return r;
        return json_write_file_replace_at(container_store_runroot_fd(store), path, o, 0644);
}

int health_state_reset(ContainerStore *store, const char *id) {
        _cleanup_close_ int lock = -EBADF;
        HealthState s = {};
        int r;

        lock = container_lock(store, id);
        if (lock < 0)
                return lock;
        r = health_state_load(store, id, &s);
        if (r < 0 && r != -ENOENT)
                s = (HealthState){}; /* a corrupt file is replaced */
        s.status = HEALTH_STARTING;
        s.failing_streak = 0;
        r = health_state_save(store, id, &s);
        health_state_done(&s);
        return r;
}

/* --- one check --- */

static uint64_t mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* Runs argv in the container, collecting stdout+stderr, for at most timeout_usec. */
static int exec_check(const ContainerPlan *plan, pid_t target, char **argv, uint64_t timeout_usec, int *ret_exit,
                      char **ret_output, char **ret_error) {
        ExecOptions eo = {.argv = argv};
        SpawnStdio io = SPAWN_STDIO_INIT;
        SpawnResult res = {.pidfd = -1, .pty_master = -1};
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        uint64_t deadline = mono_usec() + timeout_usec;
        bool timed_out = false;
        int p[2], status = 0, r;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        io.stdout_fd = io.stderr_fd = p[1];
        r = container_exec(plan, target, &eo, &io, &res, ret_error);
        close(p[1]);
        if (r < 0) {
                close(p[0]);
                /* 126/127: the check command cannot run: a failed check (podman's too), with the reason
                 * as its output; anything else is skiff's failure. */
                if (res.exit_code == 126 || res.exit_code == 127) {
                        *ret_exit = res.exit_code;
                        *ret_output = *ret_error ? TAKE_PTR(*ret_error) : strdup("");
                        spawn_result_done(&res);
                        return *ret_output ? 0 : -ENOMEM;
                }
                spawn_result_done(&res);
                return r;
        }
        out = malloc(HEALTH_OUTPUT_MAX + 1);
        if (!out) {
                (void) kill(res.pid, SIGKILL);
                (void) waitpid(res.pid, NULL, 0);
                close(p[0]);
                spawn_result_done(&res);
                return -ENOMEM;
        }
        for (;;) {
                uint64_t now = mono_usec();
                struct pollfd pf = {.fd = p[0], .events = POLLIN};
                char buf[4096];
                ssize_t n;

                if (now >= deadline) {
                        timed_out = true;
                        break;
                }
                n = poll(&pf, 1, (int) MIN((deadline - now) / 1000 + 1, (uint64_t) INT_MAX));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        continue; /* the deadline check above ends it */
                n = read(p[0], buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break; /* EOF: every writer is gone */
                size_t k = MIN((size_t) n, HEALTH_OUTPUT_MAX - len);
                memcpy(out + len, buf, k);
                len += k;
        }
        close(p[0]);
        /* EOF or not, wait for the process itself until the deadline */
        while (!timed_out) {
                pid_t w = waitpid(res.pid, &status, WNOHANG);
                if (w == res.pid)
                        break;
                if (w < 0 && errno != EINTR) {
                        status = 0;
                        break;
                }
                if (mono_usec() >= deadline) {
                        timed_out = true;
                        break;
                }
                if (res.pidfd >= 0) {
                        struct pollfd pf = {.fd = res.pidfd, .events = POLLIN};
                        (void) poll(&pf, 1, (int) MIN((deadline - mono_usec()) / 1000 + 1, (uint64_t) INT_MAX));
                } else
                        (void) usleep(10000);
        }
        if (timed_out) {
                char b[32];
                (void) kill(res.pid, SIGKILL);
                while (waitpid(res.pid, &status, 0) < 0 && errno == EINTR)
                        ;
                spawn_result_done(&res);
                *ret_exit = 1;
                free(out);
                out = NULL;
                if (asprintf(ret_output, "health check timed out after %s",
                             health_duration_format(timeout_usec, b, sizeof(b)))
                    < 0)
                        return -ENOMEM;
                return 0;
        }
        spawn_result_done(&res);
        out[len] = 0;
        /* podman keeps the output without its trailing newline */
        while (len > 0 && out[len - 1] == '\n')
                out[--len] = 0;
        *ret_exit = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
        *ret_output = TAKE_PTR(out);
        return 0;
}

static void write_log_destination(const HealthConfig *c, const char *id, const HealthState *s) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *path = NULL;

        if (!c->log_destination || c->log_destination[0] != '/')
                return;
        if (asprintf(&path, "%s/%s-healthcheck.log", c->log_destination, id) < 0)
                return;
        if (health_state_to_json(s, &o) >= 0)
                (void) json_write_file_replace_at(AT_FDCWD, path, o, 0644);
}

int health_run_once(ContainerStore *store, const char *id, const ContainerPlan *plan, pid_t target, bool startup,
                    char **ret_error) {
        const HealthConfig *c = plan->health;
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_close_ int lock = -EBADF;
        HealthLogEntry e = {};
        HealthState s = {};
        ContainerState st = {};
        bool in_start_period = false;
        char now[40];
        int r, exit_code = 0;

        if (!c)
                return plan_errorf(ret_error, -ENOENT, "the container has no health check");
        argv = health_test_argv(startup ? c->startup_test : c->test);
        if (!argv)
                return plan_errorf(ret_error, -EINVAL, "the health check has no command");
        e.start = strdup(rfc3339_nanos_now(now, sizeof(now)));
        if (!e.start)
                return -ENOMEM;
        r = exec_check(plan, target, argv, startup ? c->startup_timeout_usec : c->timeout_usec, &exit_code,
                       &e.output, ret_error);
        if (r < 0) {
                entry_done(&e);
                return r;
        }
        e.exit_code = exit_code;
        e.end = strdup(rfc3339_nanos_now(now, sizeof(now)));

        lock = container_lock(store, id);
        if (lock < 0) {
                entry_done(&e);
                return lock;
        }
        if (c->start_period_usec > 0 && container_state_load(store, id, &st) >= 0 && st.started_at) {
                int64_t started, t;
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                t = (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
                if (rfc3339_parse(st.started_at, &started) >= 0)
                        in_start_period = t - started < (int64_t) c->start_period_usec * 1000;
        }
        container_state_done(&st);
        r = health_state_load(store, id, &s);
        if (r < 0)
                s = (HealthState){.status = HEALTH_STARTING};
        r = health_state_record(&s, c, startup, in_start_period, &e);
        if (health_state_save(store, id, &s) >= 0)
                write_log_destination(c, id, &s);
        health_state_done(&s);
        return r;
}

/* --- the monitor's timer --- */

struct HealthMonitor {
        ContainerStore *store; /* borrowed */
        char id[CONTAINER_ID_LEN + 1];
        const HealthConfig *config; /* borrowed */
        const ContainerPlan *plan;  /* borrowed, set at each start */
        int timer_fd;
        pid_t target;
        pid_t child; /* the process running a check, 0: none */
        bool child_startup;
        bool running;
        bool in_startup;
        unsigned startup_passes, startup_failures;
        bool notify_healthy, notified;
        int status_sent; /* --sdnotify=healthy: the HealthStatus last sent as STATUS=, -1 none */
        bool restart_requested;
};

/* --sdnotify=healthy: the unit's StatusText follows the health status (starting, healthy, unhealthy). */
static void send_status(HealthMonitor *m, HealthStatus s) {
        if (!m->notify_healthy || m->status_sent == (int) s || !getenv("NOTIFY_SOCKET") || dlopen_libsystemd(NULL) < 0)
                return;
        m->status_sent = (int) s;
        (void) sd_notifyf(/* unset_environment= */ false, "STATUS=%s", health_status_to_string(s));
}

int health_monitor_new(ContainerStore *store, const char *id, const HealthConfig *config, bool sdnotify_healthy,
                       HealthMonitor **ret) {
        HealthMonitor *m;

        if (strlen(id) != CONTAINER_ID_LEN)
                return -EINVAL;
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->store = store;
        memcpy(m->id, id, CONTAINER_ID_LEN + 1);
        m->config = config;
        m->notify_healthy = sdnotify_healthy;
        m->status_sent = -1;
        m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (m->timer_fd < 0) {
                int r = -errno;
                free(m);
                return r;
        }
        /* --sdnotify=healthy: this monitor is the unit's main process from now on (the launcher exits
         * before the container is healthy); READY=1 follows with the first passed check. */
        if (sdnotify_healthy && getenv("NOTIFY_SOCKET") && dlopen_libsystemd(NULL) >= 0)
                (void) sd_notifyf(/* unset_environment= */ false, "MAINPID=%d", (int) getpid());
        *ret = m;
        return 0;
}

HealthMonitor *health_monitor_free(HealthMonitor *m) {
        if (!m)
                return NULL;
        if (m->child > 0) {
                (void) kill(m->child, SIGKILL);
                (void) waitpid(m->child, NULL, 0);
        }
        if (m->timer_fd >= 0)
                close(m->timer_fd);
        free(m);
        return NULL;
}

int health_monitor_fd(const HealthMonitor *m) {
        return m->timer_fd;
}

static void arm(HealthMonitor *m, uint64_t first_usec, uint64_t every_usec) {
        struct itimerspec its = {};

        if (every_usec > 0) {
                first_usec = MAX(first_usec, (uint64_t) 1);
                its.it_value.tv_sec = (time_t) (first_usec / USEC_PER_SEC);
                its.it_value.tv_nsec = (long) (first_usec % USEC_PER_SEC) * 1000;
                its.it_interval.tv_sec = (time_t) (every_usec / USEC_PER_SEC);
                its.it_interval.tv_nsec = (long) (every_usec % USEC_PER_SEC) * 1000;
        }
        (void) timerfd_settime(m->timer_fd, 0, &its, NULL);
}

void health_monitor_started(HealthMonitor *m, const ContainerPlan *plan, pid_t pid) {
        m->plan = plan;
        m->target = pid;
        m->running = true;
        m->in_startup = m->config->startup_test != NULL;
        m->startup_passes = m->startup_failures = 0;
        m->restart_requested = false;
        (void) health_state_reset(m->store, m->id);
        send_status(m, HEALTH_STARTING);
        /* The first check right after the start (podman: "executed as soon as a container is
         * started"), then one every interval. */
        if (m->in_startup)
                arm(m, 1, m->config->startup_interval_usec);
        else
                arm(m, 1, m->config->interval_usec);
}

void health_monitor_stopped(HealthMonitor *m) {
        m->running = false;
        m->target = 0;
        arm(m, 0, 0);
        if (m->child > 0)
                (void) kill(m->child, SIGKILL); /* reaped by the loop; its result is ignored */
}

void health_monitor_on_timer(HealthMonitor *m) {
        uint64_t ticks;
        sigset_t none;
        pid_t pid;

        (void) !read(m->timer_fd, &ticks, sizeof(ticks));
        if (!m->running || m->child > 0 || !m->plan)
                return; /* one check at a time: a slow one makes the next wait */
        pid = fork();
        if (pid < 0)
                return;
        if (pid == 0) {
                _cleanup_free_ char *err = NULL;
                int r;

                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                r = health_run_once(m->store, m->id, m->plan, m->target, m->in_startup, &err);
                _exit(r < 0 ? 3 : r);
        }
        m->child = pid;
        m->child_startup = m->in_startup;
}

bool health_monitor_on_reaped(HealthMonitor *m, pid_t pid, int wstatus, HealthAction *ret_action) {
        int result;

        *ret_action = HEALTH_ACTION_NONE;
        if (pid <= 0 || pid != m->child)
                return false;
        m->child = 0;
        if (!m->running || !WIFEXITED(wstatus))
                return true;
        result = WEXITSTATUS(wstatus);
        if (m->child_startup) {
                if (result == HEALTH_RESULT_PASSED) {
                        m->startup_failures = 0;
                        if (++m->startup_passes >= MAX(m->config->startup_success, 1U)) {
                                /* the regular check takes over right away */
                                m->in_startup = false;
                                arm(m, 1, m->config->interval_usec);
                        }
                } else if (result == HEALTH_RESULT_FAILED) {
                        m->startup_passes = 0;
                        if (m->config->startup_retries > 0 && ++m->startup_failures >= m->config->startup_retries) {
                                m->restart_requested = true;
                                *ret_action = HEALTH_ACTION_RESTART;
                        }
                }
                return true;
        }
        if (m->notify_healthy) {
                /* the recorded status (a manual `healthcheck run` may have changed it too) */
                HealthState st = {};
                if (health_state_load(m->store, m->id, &st) >= 0)
                        send_status(m, st.status);
                health_state_done(&st);
        }
        if (result == HEALTH_RESULT_PASSED && m->notify_healthy && !m->notified) {
                m->notified = true;
                if (getenv("NOTIFY_SOCKET") && dlopen_libsystemd(NULL) >= 0)
                        (void) sd_notifyf(/* unset_environment= */ false, "MAINPID=%d\nREADY=1", (int) getpid());
        }
        if (result == HEALTH_RESULT_UNHEALTHY)
                switch (m->config->on_failure) {
                case HEALTH_ON_FAILURE_KILL:
                        *ret_action = HEALTH_ACTION_KILL;
                        break;
                case HEALTH_ON_FAILURE_RESTART:
                        m->restart_requested = true;
                        *ret_action = HEALTH_ACTION_RESTART;
                        break;
                case HEALTH_ON_FAILURE_STOP:
                        *ret_action = HEALTH_ACTION_STOP;
                        break;
                default:
                        break;
                }
        return true;
}

bool health_monitor_take_restart(HealthMonitor *m) {
        bool r = m && m->restart_requested;

        if (m)
                m->restart_requested = false;
        return r;
}
