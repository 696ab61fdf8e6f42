/* Capability sets: parsing of --cap-add/--cap-drop, podman's default and non-root rules, and a child
 * that applies a set and reads its own /proc/self/status. */

#include <errno.h>
#include <sys/prctl.h>

#include <sys/capability.h>

#include "common/macro.h"
#include "runtime/caps.h"
#include "unit-test.h"

static void test_default_mask(void **state) {
        uint64_t m = caps_default_mask();
        const int want[] = {CAP_CHOWN,   CAP_DAC_OVERRIDE,     CAP_FOWNER,    CAP_FSETID,
                            CAP_KILL,    CAP_NET_BIND_SERVICE, CAP_SETFCAP,   CAP_SETGID,
                            CAP_SETPCAP, CAP_SETUID,           CAP_SYS_CHROOT};

        assert_int_equal(__builtin_popcountll(m), 11);
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                assert_true(m & CAP_MASK(want[i]));
        assert_false(m & CAP_MASK(CAP_NET_RAW)); /* podman 4 dropped NET_RAW, MKNOD, AUDIT_WRITE */
        assert_false(m & CAP_MASK(CAP_MKNOD));
        assert_false(m & CAP_MASK(CAP_AUDIT_WRITE));
        assert_false(m & CAP_MASK(CAP_SYS_ADMIN));
}

static void test_names(void **state) {
        assert_int_equal(caps_from_name("net_admin"), CAP_NET_ADMIN);
        assert_int_equal(caps_from_name("CAP_NET_ADMIN"), CAP_NET_ADMIN);
        assert_int_equal(caps_from_name("cap_Sys_Admin"), CAP_SYS_ADMIN);
        assert_int_equal(caps_from_name("bpf"), 39);
        assert_int_equal(caps_from_name("checkpoint_restore"), 40);
        assert_int_equal(caps_from_name("CAP_"), -EINVAL);
        assert_int_equal(caps_from_name("foo"), -EINVAL);
        assert_int_equal(caps_from_name(""), -EINVAL);
        assert_int_equal(caps_from_name("ALL"), -EINVAL);
        assert_string_equal(caps_name(CAP_KILL), "CAP_KILL");
        assert_null(caps_name(64));
        assert_null(caps_name(-1));
        /* every name we know round-trips and agrees with libcap */
        for (int c = 0; c <= 40; c++) {
                cap_value_t v;
                assert_non_null(caps_name(c));
                assert_int_equal(caps_from_name(caps_name(c)), c);
                assert_int_equal(cap_from_name(caps_name(c), &v), 0);
                assert_int_equal(v, c);
        }
}

static void test_all_mask(void **state) {
        assert_int_equal(caps_all_mask(40), (UINT64_C(1) << 41) - 1);
        assert_int_equal(caps_all_mask(63), UINT64_MAX);
        assert_true(caps_last_cap() >= 36);
}

static void test_build_default_root(void **state) {
        CapSet s;
        char *err = NULL;

        assert_int_equal(caps_build(false, NULL, NULL, 0, 40, &s, &err), 0);
        assert_null(err);
        assert_int_equal(s.bounding, caps_default_mask());
        assert_int_equal(s.effective, caps_default_mask());
        assert_int_equal(s.permitted, caps_default_mask());
        assert_int_equal(s.inheritable, 0); /* CVE-2022-27649 */
        assert_int_equal(s.ambient, 0);
}

static void test_build_add_drop(void **state) {
        char *add[] = {(char *) "net_admin", (char *) "CAP_SYS_PTRACE", NULL};
        char *drop[] = {(char *) "chown", (char *) "Cap_Kill", NULL};
        CapSet s;
        char *err = NULL;

        assert_int_equal(caps_build(false, add, drop, 0, 40, &s, &err), 0);
        assert_true(s.bounding & CAP_MASK(CAP_NET_ADMIN));
        assert_true(s.bounding & CAP_MASK(CAP_SYS_PTRACE));
        assert_false(s.bounding & CAP_MASK(CAP_CHOWN));
        assert_false(s.bounding & CAP_MASK(CAP_KILL));
        assert_int_equal(__builtin_popcountll(s.bounding), 11);
        assert_int_equal(s.effective, s.bounding);
}

static void test_build_all(void **state) {
        char *all[] = {(char *) "all", NULL};
        char *one[] = {(char *) "NET_BIND_SERVICE", NULL};
        CapSet s;

        /* --cap-drop ALL --cap-add X: only X */
        assert_int_equal(caps_build(false, one, all, 0, 40, &s, NULL), 0);
        assert_int_equal(s.bounding, CAP_MASK(CAP_NET_BIND_SERVICE));
        /* --cap-add ALL --cap-drop X: everything but X */
        assert_int_equal(caps_build(false, all, one, 0, 40, &s, NULL), 0);
        assert_int_equal(s.bounding, caps_all_mask(40) & ~CAP_MASK(CAP_NET_BIND_SERVICE));
        /* --privileged: everything the kernel knows, and nothing above */
        assert_int_equal(caps_build(true, NULL, NULL, 0, 37, &s, NULL), 0);
        assert_int_equal(s.bounding, caps_all_mask(37));
        /* --privileged --cap-drop X */
        assert_int_equal(caps_build(true, NULL, one, 0, 40, &s, NULL), 0);
        assert_false(s.bounding & CAP_MASK(CAP_NET_BIND_SERVICE));
        assert_true(s.bounding & CAP_MASK(CAP_SYS_ADMIN));
}

static void test_build_nonroot(void **state) {
        char *add[] = {(char *) "net_raw", NULL};
        CapSet s;

        assert_int_equal(caps_build(false, NULL, NULL, 1000, 40, &s, NULL), 0);
        assert_int_equal(s.bounding, caps_default_mask());
        assert_int_equal(s.effective | s.permitted | s.inheritable | s.ambient, 0);

        assert_int_equal(caps_build(false, add, NULL, 1000, 40, &s, NULL), 0);
        assert_int_equal(s.bounding, caps_default_mask() | CAP_MASK(CAP_NET_RAW));
        assert_int_equal(s.effective, CAP_MASK(CAP_NET_RAW));
        assert_int_equal(s.permitted, CAP_MASK(CAP_NET_RAW));
        assert_int_equal(s.inheritable, CAP_MASK(CAP_NET_RAW));
        assert_int_equal(s.ambient, CAP_MASK(CAP_NET_RAW));
}

static void test_build_errors(void **state) {
        char *bad[] = {(char *) "CAP_NET_ADMIN", (char *) "cap_frobnicate", NULL};
        char *kill_[] = {(char *) "KILL", NULL};
        char *kill2[] = {(char *) "cap_kill", NULL};
        char *above[] = {(char *) "checkpoint_restore", NULL};
        CapSet s = {.bounding = 42};
        char *err = NULL;

        assert_int_equal(caps_build(false, bad, NULL, 0, 40, &s, &err), -EINVAL);
        assert_string_equal(err, "--cap-add \"cap_frobnicate\": unknown capability");
        free(err);
        err = NULL;
        assert_int_equal(s.bounding, 42); /* untouched on failure */
        assert_int_equal(caps_build(false, NULL, bad, 0, 40, &s, &err), -EINVAL);
        assert_string_equal(err, "--cap-drop \"cap_frobnicate\": unknown capability");
        free(err);
        err = NULL;
        assert_int_equal(caps_build(false, kill_, kill2, 0, 40, &s, &err), -EINVAL);
        assert_string_equal(err, "--cap-add and --cap-drop both name CAP_KILL");
        free(err);
        err = NULL;
        /* a capability the running kernel does not know is refused too */
        assert_int_equal(caps_build(false, above, NULL, 0, 39, &s, &err), -EINVAL);
        assert_string_equal(err, "--cap-add \"checkpoint_restore\": unknown capability");
        free(err);
}

static void test_mask_to_string(void **state) {
        char *s = caps_mask_to_string(CAP_MASK(CAP_CHOWN) | CAP_MASK(CAP_KILL));
        assert_string_equal(s, "CAP_CHOWN,CAP_KILL");
        free(s);
        s = caps_mask_to_string(0);
        assert_string_equal(s, "");
        free(s);
}

static uint64_t status_mask(const char *field) {
        char line[256];
        uint64_t v = UINT64_MAX;
        FILE *f = fopen("/proc/self/status", "re");

        if (!f)
                return v;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, field, strlen(field)) == 0 && line[strlen(field)] == ':')
                        v = strtoull(line + strlen(field) + 1, NULL, 16);
        fclose(f);
        return v;
}

static bool can_apply(void) {
        return prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) == 1 && geteuid() == 0
               && (status_mask("CapEff") & CAP_MASK(CAP_SETPCAP));
}

/* Runs in a child: applies set as uid/gid and checks every mask. Exit code: 0 ok, 10+n mask n wrong,
 * 2 apply failed. */
static int child_apply(const CapSet *set, uid_t uid) {
        const char *step = NULL;
        gid_t groups[] = {0};

        if (caps_apply_user(set, uid, uid, groups, 0, &step) < 0) {
                fprintf(stderr, "# apply: %s: %m\n", step ?: "?");
                return 2;
        }
        if (getuid() != uid || geteuid() != uid)
                return 3;
        if (status_mask("CapBnd") != set->bounding)
                return 10;
        if (status_mask("CapEff") != set->effective)
                return 11;
        if (status_mask("CapPrm") != set->permitted)
                return 12;
        if (status_mask("CapInh") != set->inheritable)
                return 13;
        if (status_mask("CapAmb") != set->ambient)
                return 14;
        if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0)
                return 15;
        /* An ambient capability survives execve() of a program without file capabilities: check
         * through a shell reading its own status (a fresh exec). */
        if (set->ambient) {
                char cmd[256];
                snprintf(cmd, sizeof(cmd), "grep -q '^CapEff:.*%016llx' /proc/self/status",
                         (unsigned long long) set->ambient);
                if (system(cmd) != 0)
                        return 16;
        }
        return 0;
}

static int run_child(const CapSet *set, uid_t uid) {
        int status;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0)
                _exit(child_apply(set, uid));
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_apply_root(void **state) {
        CapSet s;
        char *add[] = {(char *) "net_raw", NULL};

        if (!can_apply())
                skip();
        assert_int_equal(caps_build(false, add, NULL, 0, (unsigned) caps_last_cap(), &s, NULL), 0);
        assert_int_equal(run_child(&s, 0), 0);
}

static void test_apply_nonroot_ambient(void **state) {
        CapSet s;
        char *add[] = {(char *) "net_bind_service", NULL};

        if (!can_apply())
                skip();
        assert_int_equal(caps_build(false, add, NULL, 65534, (unsigned) caps_last_cap(), &s, NULL), 0);
        assert_int_equal(run_child(&s, 65534), 0);
        /* and without additions: nothing effective at all */
        assert_int_equal(caps_build(false, NULL, NULL, 65534, (unsigned) caps_last_cap(), &s, NULL), 0);
        assert_int_equal(run_child(&s, 65534), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default_mask),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_all_mask),
                cmocka_unit_test(test_build_default_root),
                cmocka_unit_test(test_build_add_drop),
                cmocka_unit_test(test_build_all),
                cmocka_unit_test(test_build_nonroot),
                cmocka_unit_test(test_build_errors),
                cmocka_unit_test(test_mask_to_string),
                cmocka_unit_test(test_apply_root),
                cmocka_unit_test(test_apply_nonroot_ambient),
        };

        return unit_run_tests("caps", tests, ELEMENTSOF(tests));
}
