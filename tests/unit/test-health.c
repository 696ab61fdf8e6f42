/* The container health check's state machine and its option parsers (runtime/health.h). */

#include <errno.h>
#include <stdint.h>

#include "unit-test.h"

#include "common/macro.h"
#include "common/strv.h"
#include "runtime/health.h"

#define S 1000000ULL

static HealthSpec spec(unsigned retries, uint64_t start_period) {
        static char *argv[] = { (char *) "true", NULL };
        return (HealthSpec) { .argv = argv, .interval_usec = 2 * S, .timeout_usec = S,
                              .start_period_usec = start_period, .retries = retries };
}

static void test_healthy_after_one_success(void **state) {
        HealthSpec sp = spec(3, 0);
        HealthRunner h;

        (void) state;
        health_reset(&h, &sp, 100 * S);
        assert_int_equal(h.status, HEALTH_STARTING);
        assert_false(health_due(&h, 101 * S));
        assert_true(health_due(&h, 102 * S));
        health_begin(&h);
        assert_false(health_due(&h, 103 * S)); /* one at a time */
        assert_true(health_result(&h, &sp, true, 102 * S + 5));
        assert_int_equal(h.status, HEALTH_HEALTHY);
        /* next one interval after the end of this one */
        assert_false(health_due(&h, 104 * S));
        assert_true(health_due(&h, 104 * S + 5));
}

static void test_unhealthy_after_retries(void **state) {
        HealthSpec sp = spec(3, 0);
        HealthRunner h;
        uint64_t t = 0;

        (void) state;
        health_reset(&h, &sp, t);
        for (int i = 0; i < 2; i++) {
                t += 2 * S;
                health_begin(&h);
                assert_false(health_result(&h, &sp, false, t));
                assert_int_equal(h.status, HEALTH_STARTING);
        }
        t += 2 * S;
        health_begin(&h);
        assert_true(health_result(&h, &sp, false, t));
        assert_int_equal(h.status, HEALTH_UNHEALTHY);
        /* a success brings it back */
        t += 2 * S;
        health_begin(&h);
        assert_true(health_result(&h, &sp, true, t));
        assert_int_equal(h.status, HEALTH_HEALTHY);
        assert_int_equal(h.failures, 0);
        /* a success in between resets the count */
        for (int i = 0; i < 2; i++) {
                t += 2 * S;
                health_begin(&h);
                assert_false(health_result(&h, &sp, false, t));
        }
        t += 2 * S;
        health_begin(&h);
        assert_false(health_result(&h, &sp, true, t));
        t += 2 * S;
        health_begin(&h);
        assert_false(health_result(&h, &sp, false, t));
        assert_int_equal(h.status, HEALTH_HEALTHY);
}

static void test_start_period(void **state) {
        HealthSpec sp = spec(1, 5 * S);
        HealthRunner h;

        (void) state;
        health_reset(&h, &sp, 0);
        health_begin(&h);
        assert_false(health_result(&h, &sp, false, 2 * S)); /* in the start period: not counted */
        assert_int_equal(h.failures, 0);
        health_begin(&h);
        assert_false(health_result(&h, &sp, false, 4 * S));
        health_begin(&h);
        assert_true(health_result(&h, &sp, false, 6 * S));
        assert_int_equal(h.status, HEALTH_UNHEALTHY);
}

static void test_none(void **state) {
        HealthSpec sp = { .interval_usec = S, .retries = 1 };
        HealthRunner h;

        (void) state;
        health_reset(&h, &sp, 0);
        assert_int_equal(h.status, HEALTH_NONE);
        assert_false(health_due(&h, 100 * S));
        assert_false(health_result(&h, &sp, false, 100 * S));
}

static void test_status_strings(void **state) {
        (void) state;
        for (int i = 0; i < _HEALTH_STATUS_MAX; i++)
                assert_int_equal(health_status_from_string(health_status_to_string((HealthStatus) i)), i);
        assert_int_equal(health_status_from_string("sick"), _HEALTH_STATUS_INVALID);
        assert_null(health_status_to_string(_HEALTH_STATUS_MAX));
}

static void test_parse_duration(void **state) {
        static const struct {
                const char *s;
                uint64_t usec;
        } ok[] = {
                { "0", 0 }, { "30s", 30 * S }, { "1m30s", 90 * S }, { "1.5s", 1500000 }, { "500ms", 500000 },
                { "2h", 7200 * S }, { "250us", 250 }, { "1500ns", 1 }, { "1h2m3s4ms", 3723004000ULL },
        };
        static const char *const bad[] = { "", "s", "30", "-1s", "1x", "1s2", "abc", "1 s", "+1s", "0s5" };
        uint64_t u;

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                u = 7;
                if (health_parse_duration(ok[i].s, &u) != 0)
                        fail_msg("\"%s\" refused", ok[i].s);
                if (u != ok[i].usec)
                        fail_msg("\"%s\": %llu, expected %llu", ok[i].s, (unsigned long long) u,
                                 (unsigned long long) ok[i].usec);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (health_parse_duration(bad[i], &u) != -EINVAL)
                        fail_msg("\"%s\" accepted", bad[i]);
}

static void check_cmd(const char *s, const char *want) {
        char **argv = NULL;
        char *j;

        assert_int_equal(health_parse_cmd(s, &argv), 0);
        j = argv ? strv_join(argv, "|") : NULL;
        if (!streq_ptr(j, want))
                fail_msg("%s: got %s, expected %s", s, j ?: "(none)", want ?: "(none)");
        free(j);
        strv_free(argv);
}

static void test_parse_cmd(void **state) {
        char **argv = (char **) 0x1;

        (void) state;
        check_cmd("test -e /tmp/ok", "/bin/sh|-c|test -e /tmp/ok");
        check_cmd("[\"CMD\", \"test\", \"-e\", \"/x\"]", "test|-e|/x");
        check_cmd("[\"CMD-SHELL\", \"curl -f localhost || exit 1\"]", "/bin/sh|-c|curl -f localhost || exit 1");
        check_cmd("[\"test\", \"-e\", \"/x\"]", "test|-e|/x");
        check_cmd("none", NULL);
        check_cmd("[\"NONE\"]", NULL);
        check_cmd("", NULL);
        assert_int_equal(health_parse_cmd("[]", &argv), -EINVAL);
        assert_null(argv);
        assert_int_equal(health_parse_cmd("[\"CMD\"]", &argv), -EINVAL);
        assert_int_equal(health_parse_cmd("[\"CMD-SHELL\", \"a\", \"b\"]", &argv), -EINVAL);
        assert_int_equal(health_parse_cmd("[\"CMD\", 1]", &argv), -EINVAL);
        assert_int_equal(health_parse_cmd("[\"CMD\", ", &argv), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_healthy_after_one_success),
                cmocka_unit_test(test_unhealthy_after_retries),
                cmocka_unit_test(test_start_period),
                cmocka_unit_test(test_none),
                cmocka_unit_test(test_status_strings),
                cmocka_unit_test(test_parse_duration),
                cmocka_unit_test(test_parse_cmd),
        };

        return unit_run_tests("tests", tests, ELEMENTSOF(tests));
}
