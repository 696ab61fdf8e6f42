/* --device values and subuid(5) ranges. */

#include <errno.h>
#include <stdlib.h>

#include "common/macro.h"
#include "runtime/cgroup-devices.h"
#include "runtime/container-plan.h"
#include "runtime/devices.h"
#include "unit-test.h"

static void check_spec(const char *spec, const char *host, const char *path, unsigned access) {
        char *h = NULL, *p = NULL, *err = NULL;
        unsigned a = 0;

        assert_int_equal(device_spec_parse(spec, &h, &p, &a, &err), 0);
        assert_string_equal(h, host);
        assert_string_equal(p, path);
        assert_int_equal(a, access);
        assert_null(err);
        free(h);
        free(p);
}

static void check_spec_err(const char *spec, const char *want) {
        char *h = NULL, *p = NULL, *err = NULL;
        unsigned a = 0;

        assert_int_equal(device_spec_parse(spec, &h, &p, &a, &err), -EINVAL);
        assert_non_null(err);
        if (!strstr(err, want))
                fail_msg("error \"%s\" does not contain \"%s\"", err, want);
        free(err);
}

static void test_spec(void **state) {
        check_spec("/dev/fuse", "/dev/fuse", "/dev/fuse", CGROUP_DEV_RWM);
        check_spec("/dev/null:/dev/mynull", "/dev/null", "/dev/mynull", CGROUP_DEV_RWM);
        check_spec("/dev/null:/dev/mynull:rw", "/dev/null", "/dev/mynull", CGROUP_DEV_READ | CGROUP_DEV_WRITE);
        check_spec("/dev/sda:r", "/dev/sda", "/dev/sda", CGROUP_DEV_READ);
        check_spec("/dev/sda:m", "/dev/sda", "/dev/sda", CGROUP_DEV_MKNOD);
        check_spec_err("dev/null", "the host path must be absolute");
        check_spec_err("/dev/null:rx", "neither an absolute container path nor permissions");
        check_spec_err("/dev/null:dev/x:r", "the container path must be absolute");
        check_spec_err("/dev/null:/dev/x:", "permissions \"\"");
        check_spec_err("/dev/null:/a:r:x", "expected HOST[:CONTAINER][:PERMISSIONS]");
        check_spec_err(":/dev/x", "expected HOST");
        check_spec_err("/dev/null:/dev/../etc/x", "must not contain \"..\"");
}

static void test_subid(void **state) {
        const char *text = "alice:100000:65536\n"
                           "bob:165536:65536\n"
                           "alice:300000:10\n"
                           "alicex:1:1\n"
                           "alice:bad:1\n"
                           "alice:5:0\n"
                           "1000:400000:5";
        PlanIdMap *m = NULL;
        size_t n = 0;

        assert_int_equal(subid_maps_parse(text, "alice", &m, &n), 2);
        assert_int_equal(n, 2);
        assert_int_equal(m[0].container_id, 0);
        assert_int_equal(m[0].host_id, 100000);
        assert_int_equal(m[0].size, 65536);
        assert_int_equal(m[1].container_id, 65536);
        assert_int_equal(m[1].host_id, 300000);
        assert_int_equal(m[1].size, 10);
        free(m);
        assert_int_equal(subid_maps_parse(text, "1000", &m, &n), 1);
        assert_int_equal(m[0].host_id, 400000);
        free(m);
        assert_int_equal(subid_maps_parse(text, "carol", &m, &n), 0);
        assert_null(m);
        assert_int_equal(subid_maps_parse("", "alice", &m, &n), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_spec),
                cmocka_unit_test(test_subid),
        };

        return unit_run_tests("devices", tests, ELEMENTSOF(tests));
}
