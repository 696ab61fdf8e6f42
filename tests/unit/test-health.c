/* Health checks: durations, --health-cmd, the config from flags over the image's HEALTHCHECK, the
 * state's rules (streak, retries, start period, log limits) and its JSON. */

#include <errno.h>
#include <json-c/json.h>

#include "common/json-util.h"
#include "common/macro.h"
#include "common/strv.h"
#include "runtime/health.h"
#include "unit-test.h"

static uint64_t dur(const char *s) {
        uint64_t u = 12345;
        assert_int_equal(health_duration_parse(s, &u), 0);
        return u;
}

static void test_durations(void **state) {
        uint64_t u;
        char b[64];

        assert_int_equal(dur("30s"), 30000000);
        assert_int_equal(dur("1m30s"), 90000000);
        assert_int_equal(dur("500ms"), 500000);
        assert_int_equal(dur("1.5h"), 5400000000ULL);
        assert_int_equal(dur("2us"), 2);
        assert_int_equal(dur("2\xc2\xb5s"), 2);
        assert_int_equal(dur("0"), 0);
        assert_int_equal(dur("1h2m3.5s"), 3723500000ULL);
        assert_int_equal(health_duration_parse("", &u), -EINVAL);
        assert_int_equal(health_duration_parse("30", &u), -EINVAL);
        assert_int_equal(health_duration_parse("5x", &u), -EINVAL);
        assert_int_equal(health_duration_parse("-1s", &u), -EINVAL);
        assert_int_equal(health_duration_parse("s", &u), -EINVAL);
        assert_int_equal(health_duration_parse("1s ", &u), -EINVAL);
        assert_int_equal(health_duration_parse("9999999999h", &u), -ERANGE);
        assert_string_equal(health_duration_format(0, b, sizeof(b)), "0s");
        assert_string_equal(health_duration_format(30000000, b, sizeof(b)), "30s");
        assert_string_equal(health_duration_format(90000000, b, sizeof(b)), "1m30s");
        assert_string_equal(health_duration_format(3600000000ULL, b, sizeof(b)), "1h0m0s");
        assert_string_equal(health_duration_format(1500000, b, sizeof(b)), "1.5s");
        assert_string_equal(health_duration_format(500000, b, sizeof(b)), "500ms");
}

static void check_cmd(const char *in, const char *want_joined) {
        _cleanup_strv_free_ char **t = NULL;
        _cleanup_free_ char *j = NULL;

        assert_int_equal(health_cmd_parse(in, &t), 0);
        if (!want_joined) {
                assert_null(t);
                return;
        }
        j = strv_join(t, "|");
        assert_string_equal(j, want_joined);
}

static void test_cmd(void **state) {
        char **t = NULL;

        check_cmd("curl -f http://localhost/", "CMD-SHELL|curl -f http://localhost/");
        check_cmd("none", NULL);
        check_cmd("NONE", NULL);
        check_cmd("[\"NONE\"]", NULL);
        check_cmd("[\"CMD\",\"/bin/check\",\"--now\"]", "CMD|/bin/check|--now");
        check_cmd("[\"CMD-SHELL\",\"a\",\"b\"]", "CMD-SHELL|a b");
        check_cmd("[\"/bin/check\",\"--now\"]", "CMD|/bin/check|--now");
        check_cmd("[\"test -e /x\"]", "CMD-SHELL|test -e /x");
        check_cmd("CMD /bin/check --now", "CMD|/bin/check|--now");
        check_cmd("CMD-SHELL test  -e /x", "CMD-SHELL|test -e /x");
        assert_int_equal(health_cmd_parse("", &t), -EINVAL);
        assert_int_equal(health_cmd_parse("[\"CMD\"", &t), -EINVAL);
        assert_int_equal(health_cmd_parse("[1,2]", &t), -EINVAL);
        assert_int_equal(health_cmd_parse("[]", &t), -EINVAL);
        assert_int_equal(health_cmd_parse("[\"CMD\"]", &t), -EINVAL);
        assert_int_equal(health_cmd_parse("CMD", &t), -EINVAL);
        assert_null(t);
}

static void test_argv(void **state) {
        char *shell[] = {(char *) "CMD-SHELL", (char *) "test -e /x", NULL};
        char *cmd[] = {(char *) "CMD", (char *) "/bin/true", (char *) "a", NULL};
        char *none[] = {(char *) "NONE", NULL};
        _cleanup_strv_free_ char **a = health_test_argv(shell), **b = health_test_argv(cmd);
        _cleanup_free_ char *ja = strv_join(a, "|"), *jb = strv_join(b, "|");

        assert_string_equal(ja, "/bin/sh|-c|test -e /x");
        assert_string_equal(jb, "/bin/true|a");
        assert_null(health_test_argv(none));
        assert_null(health_test_argv(NULL));
}

static void check_build_err(HealthOptions *o, const char *want) {
        _cleanup_(health_config_freep) HealthConfig *c = NULL;
        _cleanup_free_ char *err = NULL;

        assert_true(health_config_build(o, NULL, &c, &err) < 0);
        assert_null(c);
        assert_non_null(err);
        if (!strstr(err, want))
                fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

static void test_build(void **state) {
        _cleanup_(health_config_freep) HealthConfig *c = NULL;
        char *test[] = {(char *) "CMD-SHELL", (char *) "test -e /ok", NULL};
        ImageHealthcheck img = {.test = test, .interval_ns = 5000000000LL, .retries = 7};
        HealthOptions o = {};
        char *err = NULL;

        /* no command anywhere: no check */
        assert_int_equal(health_config_build(&o, NULL, &c, &err), 0);
        assert_null(c);
        /* podman's defaults */
        o.cmd = (char *) "true";
        assert_int_equal(health_config_build(&o, NULL, &c, &err), 0);
        assert_non_null(c);
        assert_int_equal(c->interval_usec, 30000000);
        assert_int_equal(c->timeout_usec, 30000000);
        assert_int_equal(c->retries, 3);
        assert_int_equal(c->start_period_usec, 0);
        assert_int_equal(c->on_failure, HEALTH_ON_FAILURE_NONE);
        assert_int_equal(c->max_log_count, 5);
        assert_int_equal(c->max_log_size, 500);
        assert_string_equal(c->log_destination, "local");
        assert_null(c->startup_test);
        c = health_config_free(c);
        /* the image's, with its interval and retries */
        o.cmd = NULL;
        assert_int_equal(health_config_build(&o, &img, &c, &err), 0);
        assert_string_equal(c->test[1], "test -e /ok");
        assert_int_equal(c->interval_usec, 5000000);
        assert_int_equal(c->retries, 7);
        c = health_config_free(c);
        /* flags win; none and --no-healthcheck turn the image's off */
        o.interval = (char *) "disable";
        o.retries = (char *) "2";
        o.on_failure = (char *) "restart";
        o.startup_cmd = (char *) "[\"/bin/ready\"]";
        o.startup_retries = (char *) "4";
        assert_int_equal(health_config_build(&o, &img, &c, &err), 0);
        assert_int_equal(c->interval_usec, 0);
        assert_int_equal(c->retries, 2);
        assert_int_equal(c->on_failure, HEALTH_ON_FAILURE_RESTART);
        assert_string_equal(c->startup_test[0], "CMD-SHELL");
        assert_int_equal(c->startup_retries, 4);
        c = health_config_free(c);
        o = (HealthOptions){.cmd = (char *) "none"};
        assert_int_equal(health_config_build(&o, &img, &c, &err), 0);
        assert_null(c);
        o = (HealthOptions){.disabled = true};
        assert_int_equal(health_config_build(&o, &img, &c, &err), 0);
        assert_null(c);
        assert_null(err);

        o = (HealthOptions){.cmd = (char *) "true", .interval = (char *) "5x"};
        check_build_err(&o, "--health-interval 5x: expected a duration");
        o = (HealthOptions){.cmd = (char *) "true", .timeout = (char *) "0s"};
        check_build_err(&o, "--health-timeout 0s: expected a duration above 0");
        o = (HealthOptions){.cmd = (char *) "true", .interval = (char *) "0"};
        check_build_err(&o, "--health-interval 0: expected a duration above 0");
        o = (HealthOptions){.cmd = (char *) "true", .retries = (char *) "0"};
        check_build_err(&o, "--health-retries 0: expected a number of 1 or more");
        o = (HealthOptions){.cmd = (char *) "true", .max_log_count = (char *) "-1"};
        check_build_err(&o, "--health-max-log-count -1: expected a number");
        o = (HealthOptions){.cmd = (char *) "true", .on_failure = (char *) "boom"};
        check_build_err(&o, "--health-on-failure boom");
        o = (HealthOptions){.cmd = (char *) "true", .startup_retries = (char *) "2"};
        check_build_err(&o, "needs --health-startup-cmd");
        o = (HealthOptions){.startup_cmd = (char *) "true"};
        check_build_err(&o, "--health-startup-cmd: needs a health check");
        o = (HealthOptions){.cmd = (char *) "true", .log_destination = (char *) "relative"};
        check_build_err(&o, "--health-log-destination relative");
        o = (HealthOptions){.cmd = (char *) "[\"CMD\""};
        check_build_err(&o, "--health-cmd [\"CMD\": a JSON array must be strings naming a command");
        o = (HealthOptions){.cmd = (char *) "   "};
        check_build_err(&o, "--health-cmd '   ': expected a command, a JSON array or none");
        o = (HealthOptions){.cmd = (char *) "true", .interval = (char *) "500ms", .timeout = (char *) "300ms"};
        {
                _cleanup_(health_config_freep) HealthConfig *sub = NULL;
                char *e2 = NULL;
                assert_int_equal(health_config_build(&o, NULL, &sub, &e2), 0); /* below 1s, as podman */
                assert_int_equal(sub->interval_usec, 500000);
                assert_int_equal(sub->timeout_usec, 300000);
        }
}

static HealthLogEntry entry(int code, const char *out) {
        return (HealthLogEntry){.start = strdup("s"), .end = strdup("e"), .exit_code = code,
                                .output = out ? strdup(out) : NULL};
}

static void test_record(void **state) {
        HealthConfig c = {.retries = 2, .max_log_count = 3, .max_log_size = 4};
        HealthState s = {};
        HealthLogEntry e;

        e = entry(1, "first failure");
        assert_int_equal(health_state_record(&s, &c, false, true, &e), HEALTH_RESULT_FAILED);
        assert_int_equal(s.status, HEALTH_STARTING);
        assert_int_equal(s.failing_streak, 0); /* start period: not counted */
        assert_string_equal(s.log[0].output, "firs");
        e = entry(1, "x");
        assert_int_equal(health_state_record(&s, &c, false, false, &e), HEALTH_RESULT_FAILED);
        assert_int_equal(s.failing_streak, 1);
        assert_int_equal(s.status, HEALTH_STARTING);
        e = entry(2, "y");
        assert_int_equal(health_state_record(&s, &c, false, false, &e), HEALTH_RESULT_UNHEALTHY);
        assert_int_equal(s.status, HEALTH_UNHEALTHY);
        assert_int_equal(s.failing_streak, 2);
        assert_int_equal(s.n_log, 3);
        e = entry(1, "startup");
        assert_int_equal(health_state_record(&s, &c, true, false, &e), HEALTH_RESULT_FAILED);
        assert_int_equal(s.failing_streak, 2); /* a startup check only logs */
        assert_int_equal(s.n_log, 3);          /* the oldest went */
        assert_string_equal(s.log[0].output, "x");
        e = entry(0, NULL);
        assert_int_equal(health_state_record(&s, &c, false, false, &e), HEALTH_RESULT_PASSED);
        assert_int_equal(s.status, HEALTH_HEALTHY);
        assert_int_equal(s.failing_streak, 0);

        {
                _cleanup_json_ json_object *o = NULL;
                HealthState back = {};
                assert_int_equal(health_state_to_json(&s, &o), 0);
                assert_int_equal(health_state_parse(json_object_to_json_string(o), &back), 0);
                assert_int_equal(back.status, HEALTH_HEALTHY);
                assert_int_equal(back.n_log, 3);
                assert_string_equal(back.log[1].output, "star");
                assert_int_equal(back.log[1].exit_code, 1);
                health_state_done(&back);
        }
        health_state_done(&s);
        assert_int_equal(health_state_parse("{}", &s), -EBADMSG);
        assert_int_equal(health_state_parse("{\"Status\":\"sick\"}", &s), -EBADMSG);
        assert_int_equal(health_state_parse("{\"Status\":\"healthy\",\"Log\":{}}", &s), -EBADMSG);
        assert_int_equal(health_state_parse("[", &s), -EBADMSG);
}

static void test_json(void **state) {
        _cleanup_(health_config_freep) HealthConfig *c = NULL, *back = NULL;
        _cleanup_json_ json_object *o = NULL, *bad = NULL;
        HealthOptions opts = {.cmd = (char *) "true", .on_failure = (char *) "stop",
                              .startup_cmd = (char *) "ready", .max_log_size = (char *) "0"};
        char *err = NULL;

        assert_int_equal(health_config_build(&opts, NULL, &c, &err), 0);
        assert_int_equal(health_config_to_json(c, &o), 0);
        assert_int_equal(health_config_from_json(o, &back, &err), 0);
        assert_string_equal(back->test[1], "true");
        assert_string_equal(back->startup_test[1], "ready");
        assert_int_equal(back->on_failure, HEALTH_ON_FAILURE_STOP);
        assert_int_equal(back->max_log_size, 0);
        assert_int_equal(back->interval_usec, c->interval_usec);

        bad = json_tokener_parse("{\"test\":[\"CMD\"],\"retries\":1}");
        back = health_config_free(back);
        assert_int_equal(health_config_from_json(bad, &back, &err), -EBADMSG);
        assert_non_null(err);
        assert_non_null(strstr(err, "\"test\""));
        free(err);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_durations), cmocka_unit_test(test_cmd),    cmocka_unit_test(test_argv),
                cmocka_unit_test(test_build),     cmocka_unit_test(test_record), cmocka_unit_test(test_json),
        };

        return unit_run_tests("health", tests, ELEMENTSOF(tests));
}
