/* Seccomp: the default profile's content, the JSON parser's errors, the compiled program, and a
 * child that loads it (no privileges needed: no_new_privs first) and checks what it may do. */

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include <sys/capability.h>

#include "common/macro.h"
#include "runtime/caps.h"
#include "runtime/seccomp.h"
#include "unit-test.h"

static SeccompProfile *def;

static int setup(void **state) {
        return seccomp_profile_default(&def) < 0 ? -1 : 0;
}

static int teardown(void **state) {
        def = seccomp_profile_free(def);
        return 0;
}

static void test_default_content(void **state) {
        uint64_t dflt = caps_default_mask(), admin = dflt | CAP_MASK(CAP_SYS_ADMIN);

        assert_int_equal(seccomp_profile_lookup(def, "read", dflt), 1);
        assert_int_equal(seccomp_profile_lookup(def, "execve", dflt), 1);
        assert_int_equal(seccomp_profile_lookup(def, "ptrace", dflt), 1); /* as podman */
        assert_int_equal(seccomp_profile_lookup(def, "chroot", dflt), 1); /* SYS_CHROOT is a default */
        assert_int_equal(seccomp_profile_lookup(def, "chroot", 0), 0);
        /* namespaces and mounts need CAP_SYS_ADMIN */
        assert_int_equal(seccomp_profile_lookup(def, "mount", dflt), 0);
        assert_int_equal(seccomp_profile_lookup(def, "mount", admin), 1);
        assert_int_equal(seccomp_profile_lookup(def, "umount2", dflt), 0);
        assert_int_equal(seccomp_profile_lookup(def, "setns", dflt), 0);
        assert_int_equal(seccomp_profile_lookup(def, "setns", admin), 1);
        assert_int_equal(seccomp_profile_lookup(def, "unshare", dflt), 2); /* only without ns flags */
        assert_int_equal(seccomp_profile_lookup(def, "unshare", admin), 1);
        assert_int_equal(seccomp_profile_lookup(def, "clone", dflt), 2);
        assert_int_equal(seccomp_profile_lookup(def, "clone", admin), 1);
        assert_int_equal(seccomp_profile_lookup(def, "clone3", dflt), 0);
        assert_int_equal(seccomp_profile_lookup(def, "clone3", admin), 1);
        /* capability-bound extras */
        assert_int_equal(seccomp_profile_lookup(def, "process_vm_readv", dflt), 0);
        assert_int_equal(seccomp_profile_lookup(def, "process_vm_readv", dflt | CAP_MASK(CAP_SYS_PTRACE)),
                         1);
        assert_int_equal(seccomp_profile_lookup(def, "init_module", dflt), 0);
        assert_int_equal(seccomp_profile_lookup(def, "init_module", CAP_MASK(CAP_SYS_MODULE)), 1);
        assert_int_equal(seccomp_profile_lookup(def, "reboot", dflt), 0);
        assert_int_equal(seccomp_profile_lookup(def, "reboot", CAP_MASK(CAP_SYS_BOOT)), 1);
        assert_int_equal(seccomp_profile_lookup(def, "clock_settime", CAP_MASK(CAP_SYS_TIME)), 1);
        assert_int_equal(seccomp_profile_lookup(def, "bpf", CAP_MASK(39)), 1); /* CAP_BPF */
        assert_int_equal(seccomp_profile_lookup(def, "syslog", CAP_MASK(CAP_SYSLOG)), 1);
        /* refused whatever the capabilities */
        uint64_t all = caps_all_mask(40);
        assert_int_equal(seccomp_profile_lookup(def, "kexec_load", all), 0);
        assert_int_equal(seccomp_profile_lookup(def, "swapon", all), 0);
        assert_int_equal(seccomp_profile_lookup(def, "keyctl", all), 0);
        assert_int_equal(seccomp_profile_lookup(def, "userfaultfd", all), 0);
        /* argument conditions */
        assert_int_equal(seccomp_profile_lookup(def, "personality", dflt), 2);
        assert_int_equal(seccomp_profile_lookup(def, "socket", dflt), 2);
        assert_int_equal(seccomp_profile_lookup(def, "socket", CAP_MASK(CAP_AUDIT_WRITE)), 1);
        /* not mentioned: the default action (ENOSYS) */
        assert_int_equal(seccomp_profile_lookup(def, "io_uring_setup", all), -ENOENT);
        assert_int_equal(seccomp_profile_lookup(def, "frobnicate", all), -ENOENT);
#if defined(__x86_64__)
        assert_int_equal(seccomp_profile_lookup(def, "arch_prctl", dflt), 1);
        assert_int_equal(seccomp_profile_lookup(def, "modify_ldt", dflt), 1);
        assert_int_equal(seccomp_profile_lookup(def, "cacheflush", dflt), -ENOENT); /* arm only */
#endif
}

static void test_build_default(void **state) {
        SeccompBpf *b = NULL;
        char *err = NULL;
        struct timespec t0, t1;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(seccomp_bpf_build_profile(def, caps_default_mask(), &b, &err), 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_null(err);
        assert_non_null(b);
        assert_true(b->n_insns > 100 && b->n_insns < 4096);
        print_message("# default profile: %zu BPF instructions, built in %.2f ms\n", b->n_insns,
                      (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6);
        seccomp_bpf_free(b);
}

static void test_config(void **state) {
        SeccompConfig c;
        SeccompBpf *b = (SeccompBpf *) 1;
        char *err = NULL;

        assert_int_equal(seccomp_config_from_option(NULL, &c, &err), 0);
        assert_int_equal(c.kind, SECCOMP_KIND_DEFAULT);
        assert_int_equal(seccomp_config_from_option("unconfined", &c, &err), 0);
        assert_int_equal(c.kind, SECCOMP_KIND_UNCONFINED);
        assert_int_equal(seccomp_bpf_build(&c, 0, NULL, &b, &err), 0);
        assert_null(b);
        assert_int_equal(seccomp_config_from_option("/nonexistent/profile.json", &c, &err), -ENOENT);
        assert_string_equal(err, "seccomp profile /nonexistent/profile.json: No such file or directory");
        free(err);
        err = NULL;

        const char *j = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getppid\"],"
                        "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42}]}";
        assert_int_equal(seccomp_config_from_json(j, strlen(j), "p.json", &c, &err), 0);
        assert_int_equal(c.kind, SECCOMP_KIND_CUSTOM);
        assert_string_equal(c.profile_path, "p.json");
        assert_string_equal(c.profile_json, j);
        assert_int_equal(seccomp_bpf_build(&c, 0, NULL, &b, &err), 0);
        assert_non_null(b);
        seccomp_bpf_free(b);
        seccomp_config_done(&c);
        assert_int_equal(c.kind, SECCOMP_KIND_DEFAULT);
        assert_null(c.profile_json);

        assert_int_equal(seccomp_kind_from_string("custom"), SECCOMP_KIND_CUSTOM);
        assert_string_equal(seccomp_kind_to_string(SECCOMP_KIND_UNCONFINED), "unconfined");
        assert_int_equal(seccomp_kind_from_string("x"), _SECCOMP_KIND_INVALID);
}

static void check_parse_error(const char *json, const char *want) {
        SeccompProfile *p = NULL;
        char *err = NULL;

        assert_int_equal(seccomp_profile_parse(json, strlen(json), "x.json", &p, &err), -EINVAL);
        assert_null(p);
        assert_non_null(err);
        if (strcmp(err, want) != 0)
                print_message("# got: %s\n", err);
        assert_string_equal(err, want);
        free(err);
}

static void test_parse_errors(void **state) {
        check_parse_error("", "seccomp profile x.json: invalid JSON at byte 0: unexpected end of input");
        check_parse_error("{\"defaultAction\": ",
                          "seccomp profile x.json: invalid JSON at byte 18: unexpected end of input");
        check_parse_error("[]", "seccomp profile x.json: expected a JSON object");
        check_parse_error("{} x", "seccomp profile x.json: invalid JSON at byte 3: trailing data");
        check_parse_error("{}", "seccomp profile x.json: defaultAction: required");
        check_parse_error("{\"defaultAction\": 1}",
                          "seccomp profile x.json: defaultAction: expected a string");
        check_parse_error("{\"defaultAction\": \"SCMP_ACT_FOO\"}",
                          "seccomp profile x.json: defaultAction: unknown action \"SCMP_ACT_FOO\"");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
                "seccomp profile x.json: defaultAction: SCMP_ACT_NOTIFY is not supported (no seccomp agent)");
        check_parse_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
                          "seccomp profile x.json: defaultErrnoRet: only with defaultAction SCMP_ACT_ERRNO");
        check_parse_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
                          "seccomp profile x.json: defaultErrnoRet: expected a non-negative integer");
        check_parse_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 5000}",
                          "seccomp profile x.json: defaultErrnoRet: 5000 is out of range (at most 4095)");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_VAX\"]}",
                "seccomp profile x.json: architectures[0]: unknown architecture \"SCMP_ARCH_VAX\"");
        check_parse_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}",
                          "seccomp profile x.json: syscalls: expected an array");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"action\": \"SCMP_ACT_ALLOW\"}]}",
                "seccomp profile x.json: syscalls[0]: no \"names\"");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"read\", 3], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                "seccomp profile x.json: syscalls[1].names[1]: expected a syscall name");
        check_parse_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"]}]}",
                          "seccomp profile x.json: syscalls[0].action: required");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                "\"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}]}",
                "seccomp profile x.json: syscalls[0].errnoRet: only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                "seccomp profile x.json: syscalls[0].args[0].index: 6 is out of range (at most 5)");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_XX\"}]}]}",
                "seccomp profile x.json: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XX\"");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_FOO\"]}}]}",
                "seccomp profile x.json: syscalls[0].includes.caps[0]: unknown capability \"CAP_FOO\"");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                "\"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": [\"pdp11\"]}}]}",
                "seccomp profile x.json: syscalls[0].excludes.arches[0]: unknown architecture \"pdp11\"");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"new\"}}]}",
                "seccomp profile x.json: syscalls[0].includes.minKernel: expected a kernel version such as \"5.8\"");
        check_parse_error(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
                "seccomp profile x.json: flags[0]: unsupported flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"");
}

/* podman's own profile, when the host has it: parses, and compiles for the default capabilities. */
static void test_parse_podman_profile(void **state) {
        const char *path = "/usr/share/containers/seccomp.json";
        SeccompConfig c;
        SeccompBpf *b = NULL;
        char *err = NULL;

        if (access(path, R_OK) < 0)
                skip();
        assert_int_equal(seccomp_config_from_option(path, &c, &err), 0);
        assert_int_equal(seccomp_bpf_build(&c, caps_default_mask(), NULL, &b, &err), 0);
        assert_non_null(b);
        seccomp_bpf_free(b);
        seccomp_config_done(&c);
}

static void test_cache(void **state) {
        char dir[] = "/tmp/test-seccomp-XXXXXX", cmd[128];
        SeccompConfig c = {.kind = SECCOMP_KIND_DEFAULT};
        SeccompBpf *a = NULL, *b = NULL;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(seccomp_bpf_build(&c, caps_default_mask(), dir, &a, NULL), 0);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(seccomp_bpf_build(&c, caps_default_mask(), dir, &b, NULL), 0); /* from the file */
        clock_gettime(CLOCK_MONOTONIC, &t1);
        print_message("# default profile from the cache in %.3f ms\n",
                      (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6);
        assert_int_equal(a->n_insns, b->n_insns);
        assert_memory_equal(a->insns, b->insns, a->n_insns * 8);
        seccomp_bpf_free(a);
        seccomp_bpf_free(b);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

/* ---- a child under the filter ---- */

#define EXPECT(cond, code)           \
        do {                         \
                if (!(cond))         \
                        _exit(code); \
        } while (0)

static int fails_with(long r, int e) {
        return r == -1 && errno == e;
}

static void child_default(void) {
        char buf[8];
        struct iovec l = {buf, sizeof(buf)}, rm = {buf, sizeof(buf)};
        int s, status;
        pid_t pid;

        /* allowed */
        EXPECT(getpid() > 0, 10);
        EXPECT(write(STDOUT_FILENO, "", 0) == 0, 11);
        pid = fork(); /* glibc's fork is clone(2) without namespace flags */
        EXPECT(pid >= 0, 12);
        if (pid == 0)
                _exit(7);
        EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7, 13);
        EXPECT(unshare(CLONE_FILES) == 0, 14);
        EXPECT(personality(0xffffffff) >= 0, 15);
        s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        EXPECT(s >= 0, 16);
        close(s);
        s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        EXPECT(s >= 0, 17);
        close(s);

        /* named and refused: EPERM */
        EXPECT(fails_with(syscall(SYS_reboot, 0, 0, 0, NULL), EPERM), 20);
        EXPECT(fails_with(syscall(SYS_kexec_load, 0, 0, NULL, 0), EPERM), 21);
        EXPECT(fails_with(syscall(SYS_swapon, "/nonexistent", 0), EPERM), 22);
        EXPECT(fails_with(syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM), 23);
        EXPECT(fails_with(unshare(CLONE_NEWUSER), EPERM), 24);
        EXPECT(fails_with(unshare(CLONE_NEWNS | CLONE_FILES), EPERM), 25);
        EXPECT(fails_with(syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, NULL, NULL, 0), EPERM), 26);
        EXPECT(fails_with(process_vm_readv(getppid(), &l, 1, &rm, 1, 0), EPERM), 27);
        EXPECT(fails_with(syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL), EPERM), 28);
        EXPECT(fails_with(syscall(SYS_setns, 0, 0), EPERM), 29);
        EXPECT(fails_with(syscall(SYS_userfaultfd, 0), EPERM), 30);
        /* audit netlink without CAP_AUDIT_WRITE: EINVAL, as podman */
        EXPECT(fails_with(socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT), EINVAL), 31);

        /* not in the profile: ENOSYS, so that callers fall back */
        EXPECT(fails_with(syscall(SYS_clone3, NULL, 0), ENOSYS), 40);
        EXPECT(fails_with(syscall(SYS_io_uring_setup, 1, NULL), ENOSYS), 41);
        EXPECT(fails_with(syscall(1000, 0), ENOSYS), 42);
        EXPECT(fails_with(personality(ADDR_NO_RANDOMIZE), ENOSYS), 43);
        _exit(0);
}

static int run_under(SeccompBpf *b, void (*fn)(void)) {
        int status;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                /* no_new_privs: what lets an unprivileged process load a filter */
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(2);
                if (seccomp_apply_bpf(b) < 0)
                        _exit(3);
                fn();
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}

static void test_child_default(void **state) {
        SeccompBpf *b = NULL;

        assert_int_equal(seccomp_bpf_build_profile(def, caps_default_mask(), &b, NULL), 0);
        assert_int_equal(run_under(b, child_default), 0);
        seccomp_bpf_free(b);
}

static void child_admin(void) {
        /* with CAP_SYS_ADMIN in the set, the filter lets namespace syscalls through to the kernel,
         * which answers for itself (no EPERM from the filter; we may lack the capability). */
        long r = syscall(SYS_clone3, NULL, 0);
        EXPECT(r == -1 && errno != ENOSYS && errno != EPERM, 50); /* EFAULT/EINVAL from the kernel */
        _exit(0);
}

static void test_child_admin(void **state) {
        SeccompBpf *b = NULL;

        assert_int_equal(
                seccomp_bpf_build_profile(def, caps_default_mask() | CAP_MASK(CAP_SYS_ADMIN), &b, NULL), 0);
        assert_int_equal(run_under(b, child_admin), 0);
        seccomp_bpf_free(b);
}

static void child_custom(void) {
        /* syscall(): glibc's getppid() does not check for errors */
        EXPECT(fails_with(syscall(SYS_getppid), 42), 60);
        EXPECT(getpid() > 0, 61);
        /* args: dup() refused by the filter (ENOMSG) only for fd 100; 101 reaches the kernel */
        EXPECT(fails_with(syscall(SYS_dup, 100), ENOMSG), 62);
        EXPECT(fails_with(syscall(SYS_dup, 101), EBADF), 63);
        _exit(0);
}

static void test_child_custom(void **state) {
        const char *j =
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
                "\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42},"
                "{\"names\":[\"dup\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42,"
                "\"args\":[{\"index\":0,\"value\":100,\"op\":\"SCMP_CMP_EQ\"}]},"
                "{\"names\":[\"no_such_syscall\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
        SeccompProfile *p = NULL;
        SeccompBpf *b = NULL;
        char *err = NULL;

        assert_int_equal(seccomp_profile_parse(j, strlen(j), "c.json", &p, &err), 0);
        assert_int_equal(seccomp_bpf_build_profile(p, 0, &b, &err), 0);
        assert_int_equal(run_under(b, child_custom), 0);
        seccomp_bpf_free(b);
        seccomp_profile_free(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default_content),
                cmocka_unit_test(test_build_default),
                cmocka_unit_test(test_config),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_parse_podman_profile),
                cmocka_unit_test(test_cache),
                cmocka_unit_test(test_child_default),
                cmocka_unit_test(test_child_admin),
                cmocka_unit_test(test_child_custom),
        };

        if (setup(NULL) < 0)
                return 1;
        int r = unit_run_tests("seccomp", tests, ELEMENTSOF(tests));
        teardown(NULL);
        return r;
}
