/* sd_watchdog_ping_interval(): WATCHDOG_USEC as systemd sets it for WatchdogSec= (microseconds,
 * decimal), halved as sd_watchdog_enabled(3) advises; anything else means no watchdog or an error. */

#include <errno.h>
#include <stdint.h>

#include "unit-test.h"

#include "common/macro.h"
#include "common/sd-watchdog.h"

static void test_ping_interval(void **state) {
        uint64_t u = 42;

        (void) state;
        /* WatchdogSec=2 */
        assert_int_equal(sd_watchdog_ping_interval("2000000", &u), 1);
        assert_int_equal(u, 1000000);
        assert_int_equal(sd_watchdog_ping_interval("3", &u), 1);
        assert_int_equal(u, 1);
        assert_int_equal(sd_watchdog_ping_interval("1", &u), 1);
        assert_int_equal(u, 1); /* never 0: that would be no watchdog at all */
        assert_int_equal(sd_watchdog_ping_interval("18446744073709551614", &u), 1);
        assert_int_equal(u, UINT64_MAX / 2);
}

static void test_no_watchdog(void **state) {
        uint64_t u = 42;

        (void) state;
        assert_int_equal(sd_watchdog_ping_interval(NULL, &u), 0);
        assert_int_equal(sd_watchdog_ping_interval("", &u), 0);
        assert_int_equal(u, 42);
}

static void test_invalid(void **state) {
        uint64_t u = 42;
        static const char *const bad[] = { "0", "-1", "+5", " 5", "5 ", "5s", "0x10", "1e6",
                                           "99999999999999999999999", "abc" };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (sd_watchdog_ping_interval(bad[i], &u) != -EINVAL)
                        fail_msg("\"%s\" accepted", bad[i]);
                assert_int_equal(u, 42);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ping_interval),
                cmocka_unit_test(test_no_watchdog),
                cmocka_unit_test(test_invalid),
        };

        return unit_run_tests("tests", tests, ELEMENTSOF(tests));
}
