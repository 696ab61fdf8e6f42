/* Kubernetes' restart decisions and back-off, on a fake clock. */

#include "unit-test.h"

#include "pod/backoff.h"

#define SEC 1000000ULL

static void test_policy_strings(void **state) {
        assert_int_equal(pod_restart_policy_from_string("Always"), POD_RESTART_ALWAYS);
        assert_int_equal(pod_restart_policy_from_string("OnFailure"), POD_RESTART_ON_FAILURE);
        assert_int_equal(pod_restart_policy_from_string("Never"), POD_RESTART_NEVER);
        assert_int_equal(pod_restart_policy_from_string("always"), _POD_RESTART_POLICY_INVALID);
        assert_int_equal(pod_restart_policy_from_string(NULL), _POD_RESTART_POLICY_INVALID);
        assert_string_equal(pod_restart_policy_to_string(POD_RESTART_ON_FAILURE), "OnFailure");
}

static void test_should_restart(void **state) {
        /* app containers follow the pod's policy */
        assert_true(pod_should_restart(POD_RESTART_ALWAYS, POD_ROLE_APP, 0));
        assert_true(pod_should_restart(POD_RESTART_ALWAYS, POD_ROLE_APP, 1));
        assert_false(pod_should_restart(POD_RESTART_ON_FAILURE, POD_ROLE_APP, 0));
        assert_true(pod_should_restart(POD_RESTART_ON_FAILURE, POD_ROLE_APP, 137));
        assert_false(pod_should_restart(POD_RESTART_NEVER, POD_ROLE_APP, 1));
        assert_false(pod_should_restart(POD_RESTART_NEVER, POD_ROLE_APP, 0));
        /* init containers: retried on failure unless Never, never after success (even with Always) */
        assert_false(pod_should_restart(POD_RESTART_ALWAYS, POD_ROLE_INIT, 0));
        assert_true(pod_should_restart(POD_RESTART_ALWAYS, POD_ROLE_INIT, 1));
        assert_true(pod_should_restart(POD_RESTART_ON_FAILURE, POD_ROLE_INIT, 2));
        assert_false(pod_should_restart(POD_RESTART_NEVER, POD_ROLE_INIT, 1));
        /* sidecars always */
        assert_true(pod_should_restart(POD_RESTART_NEVER, POD_ROLE_SIDECAR, 0));
}

static void test_backoff_doubles_to_cap(void **state) {
        Backoff b = {};
        uint64_t now = 0;
        const uint64_t want[] = { 10, 20, 40, 80, 160, 300, 300, 300 };

        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                uint64_t d;

                backoff_started(&b, now);
                now += 5 * SEC; /* crashes after 5 s */
                d = backoff_next_delay(&b, now);
                assert_int_equal(d, want[i] * SEC);
                assert_int_equal(b.restarts, i + 1);
                now += d;
        }
}

static void test_backoff_resets_after_ten_minutes(void **state) {
        Backoff b = {};
        uint64_t now = 1000 * SEC;

        backoff_started(&b, now);
        assert_int_equal(backoff_next_delay(&b, now + SEC), 10 * SEC);
        backoff_started(&b, now + 11 * SEC);
        assert_int_equal(backoff_next_delay(&b, now + 12 * SEC), 20 * SEC);
        /* ran for 599 s: still a crash loop */
        backoff_started(&b, now + 100 * SEC);
        assert_int_equal(backoff_next_delay(&b, now + 699 * SEC), 40 * SEC);
        /* ran for exactly 10 minutes: back to 10 s, the restart count goes on */
        backoff_started(&b, now + 800 * SEC);
        assert_int_equal(backoff_next_delay(&b, now + 1400 * SEC), 10 * SEC);
        assert_int_equal(b.restarts, 4);
}

static void test_backoff_scaled(void **state) {
        /* the supervisor's test scaling: 100 ms doubling to 400 ms */
        Backoff b = { .initial_usec = 100000, .max_usec = 400000 };

        backoff_started(&b, 0);
        assert_int_equal(backoff_next_delay(&b, 1), 100000);
        backoff_started(&b, 2);
        assert_int_equal(backoff_next_delay(&b, 3), 200000);
        backoff_started(&b, 4);
        assert_int_equal(backoff_next_delay(&b, 5), 400000);
        backoff_started(&b, 6);
        assert_int_equal(backoff_next_delay(&b, 7), 400000);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_policy_strings),
                cmocka_unit_test(test_should_restart),
                cmocka_unit_test(test_backoff_doubles_to_cap),
                cmocka_unit_test(test_backoff_resets_after_ten_minutes),
                cmocka_unit_test(test_backoff_scaled),
        };
        return unit_run_tests("pod-backoff", tests, sizeof(tests) / sizeof(tests[0]));
}
