/* --ulimit parsing, podman's defaults clamped to the caller, apply in a child. */

#include <errno.h>
#include <sys/resource.h>

#include "common/macro.h"
#include "runtime/rlimits.h"
#include "unit-test.h"

static void test_names(void **state) {
        assert_int_equal(rlimit_from_name("nofile"), RLIMIT_NOFILE);
        assert_int_equal(rlimit_from_name("NPROC"), RLIMIT_NPROC);
        assert_int_equal(rlimit_from_name("RLIMIT_CORE"), RLIMIT_CORE);
        assert_int_equal(rlimit_from_name("memlock"), RLIMIT_MEMLOCK);
        assert_int_equal(rlimit_from_name("stack"), RLIMIT_STACK);
        assert_int_equal(rlimit_from_name("rttime"), RLIMIT_RTTIME);
        assert_int_equal(rlimit_from_name("files"), -EINVAL);
        assert_string_equal(rlimit_to_name(RLIMIT_SIGPENDING), "sigpending");
}

static void test_parse(void **state) {
        Rlimit r;
        char *err = NULL;

        assert_int_equal(rlimit_parse("nofile=1024:2048", &r, &err), 0);
        assert_int_equal(r.resource, RLIMIT_NOFILE);
        assert_int_equal(r.soft, 1024);
        assert_int_equal(r.hard, 2048);
        assert_int_equal(rlimit_parse("core=0", &r, &err), 0);
        assert_int_equal(r.soft, 0);
        assert_int_equal(r.hard, 0);
        assert_int_equal(rlimit_parse("memlock=-1", &r, &err), 0);
        assert_true(r.soft == RLIM_INFINITY && r.hard == RLIM_INFINITY);
        assert_int_equal(rlimit_parse("stack=8192:unlimited", &r, &err), 0);
        assert_true(r.soft == 8192 && r.hard == RLIM_INFINITY);
        assert_null(err);
}

static void check_err(const char *spec, const char *want) {
        Rlimit r;
        char *err = NULL;

        assert_int_equal(rlimit_parse(spec, &r, &err), -EINVAL);
        assert_non_null(err);
        assert_string_equal(err, want);
        free(err);
}

static void test_parse_errors(void **state) {
        check_err("nofile", "--ulimit \"nofile\": expected NAME=SOFT[:HARD]");
        check_err("=5", "--ulimit \"=5\": expected NAME=SOFT[:HARD]");
        check_err("files=5", "--ulimit \"files=5\": unknown limit name");
        check_err("nofile=", "--ulimit \"nofile=\": invalid soft limit (a number, -1 or unlimited)");
        check_err("nofile=12x", "--ulimit \"nofile=12x\": invalid soft limit (a number, -1 or unlimited)");
        check_err("nofile=-2", "--ulimit \"nofile=-2\": invalid soft limit (a number, -1 or unlimited)");
        check_err("nofile=5:", "--ulimit \"nofile=5:\": invalid hard limit (a number, -1 or unlimited)");
        check_err("nofile=10:5", "--ulimit \"nofile=10:5\": soft limit 10 is above the hard limit 5");
        check_err(
                "nofile=unlimited:5",
                "--ulimit \"nofile=unlimited:5\": soft limit 18446744073709551615 is above the hard limit 5");
        check_err(
                "nofile=99999999999999999999999",
                "--ulimit \"nofile=99999999999999999999999\": invalid soft limit (a number, -1 or unlimited)");
}

static const Rlimit *find(const Rlimits *l, int res) {
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].resource == res)
                        return &l->items[i];
        return NULL;
}

static void test_defaults_clamped(void **state) {
        RlimitHost h = {};
        Rlimits l;

        for (int i = 0; i < RLIM_NLIMITS; i++)
                h.hard[i] = RLIM_INFINITY;
        h.hard[RLIMIT_NOFILE] = 20000; /* this host */
        assert_int_equal(rlimits_build(NULL, &h, &l, NULL), 0);
        assert_int_equal(l.n, 2);
        assert_int_equal(find(&l, RLIMIT_NOFILE)->soft, 20000);
        assert_int_equal(find(&l, RLIMIT_NOFILE)->hard, 20000);
        assert_int_equal(find(&l, RLIMIT_NPROC)->soft, 1048576);
        assert_int_equal(find(&l, RLIMIT_NPROC)->hard, 1048576);

        /* with CAP_SYS_RESOURCE podman's values as they are */
        h.can_raise = true;
        assert_int_equal(rlimits_build(NULL, &h, &l, NULL), 0);
        assert_int_equal(find(&l, RLIMIT_NOFILE)->hard, 1048576);
}

static void test_ulimit_overrides(void **state) {
        RlimitHost h = {};
        Rlimits l;
        char *err = NULL;
        char *u[] = {(char *) "nofile=100:200", (char *) "core=0", (char *) "nofile=50", NULL};
        char *tooh[] = {(char *) "nofile=30000", NULL};
        char *inf[] = {(char *) "nofile=-1", NULL};

        for (int i = 0; i < RLIM_NLIMITS; i++)
                h.hard[i] = RLIM_INFINITY;
        h.hard[RLIMIT_NOFILE] = 20000;
        assert_int_equal(rlimits_build(u, &h, &l, &err), 0);
        assert_int_equal(l.n, 3);
        assert_int_equal(find(&l, RLIMIT_NOFILE)->soft, 50); /* the later one wins */
        assert_int_equal(find(&l, RLIMIT_NOFILE)->hard, 50);
        assert_int_equal(find(&l, RLIMIT_CORE)->hard, 0);

        assert_int_equal(rlimits_build(tooh, &h, &l, &err), -EINVAL);
        assert_string_equal(err, "--ulimit \"nofile=30000\": hard limit 30000 is above the caller's 20000 "
                                 "(raising it needs CAP_SYS_RESOURCE)");
        free(err);
        err = NULL;
        assert_int_equal(rlimits_build(inf, &h, &l, &err), -EINVAL);
        assert_string_equal(err, "--ulimit \"nofile=-1\": unlimited hard limit is above the caller's 20000 "
                                 "(raising it needs CAP_SYS_RESOURCE)");
        free(err);
}

static void test_apply_child(void **state) {
        RlimitHost h;
        Rlimits l;
        char *u[] = {(char *) "nofile=64:128", (char *) "core=0:0", NULL};
        int status;
        pid_t pid;

        assert_int_equal(rlimit_host_read(&h), 0);
        assert_int_equal(rlimits_build(u, &h, &l, NULL), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct rlimit rl;
                int failed = -1;

                if (rlimits_apply(&l, &failed) < 0)
                        _exit(2);
                if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur != 64 || rl.rlim_max != 128)
                        _exit(3);
                if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_cur != 0 || rl.rlim_max != 0)
                        _exit(4);
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);

        /* the defaults, clamped, always apply for the caller itself */
        assert_int_equal(rlimits_build(NULL, &h, &l, NULL), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(rlimits_apply(&l, NULL) < 0 ? 1 : 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_defaults_clamped),
                cmocka_unit_test(test_ulimit_overrides),
                cmocka_unit_test(test_apply_child),
        };

        return unit_run_tests("rlimits", tests, ELEMENTSOF(tests));
}
