/* --sysctl validation (podman's namespaced list) and apply under a fake /proc. */

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "runtime/sysctl.h"
#include "unit-test.h"

static const SysctlNamespaces all_private = {true, true, true};

static void test_ok(void **state) {
        char *in[] = {(char *) "net.ipv4.ip_forward=1", (char *) "kernel.shmmax=1000",
                      (char *) "fs/mqueue/msg_max=20",  (char *) "kernel.sem=250 32000 32 128",
                      (char *) "net.ipv4.ip_forward=0", NULL};
        Sysctls s;
        char *err = NULL;

        assert_int_equal(sysctls_build(in, &all_private, &s, &err), 0);
        assert_null(err);
        assert_int_equal(s.n, 4);
        assert_string_equal(s.items[0].key, "net.ipv4.ip_forward");
        assert_string_equal(s.items[0].value, "0"); /* the later one wins */
        assert_string_equal(s.items[2].key, "fs.mqueue.msg_max");
        assert_string_equal(s.items[3].value, "250 32000 32 128");
        sysctls_done(&s);
        sysctls_done(&s); /* idempotent */

        assert_int_equal(sysctls_build(NULL, &all_private, &s, &err), 0);
        assert_int_equal(s.n, 0);
        sysctls_done(&s);
}

static void check_err(const char *spec, const SysctlNamespaces *ns, const char *want) {
        /* a valid item first (when allowed), so that the failure path frees what was built */
        char *in[] = {(char *) "kernel.msgmax=5", (char *) spec, NULL};
        char **p = ns->private_ipc ? in : in + 1;
        Sysctls s = {};
        char *err = NULL;

        assert_int_equal(sysctls_build(p, ns, &s, &err), -EINVAL);
        assert_non_null(err);
        assert_string_equal(err, want);
        assert_int_equal(s.n, 0);
        free(err);
}

static void test_errors(void **state) {
        SysctlNamespaces host_net = {.private_ipc = true, .private_uts = true};
        SysctlNamespaces host_ipc = {.private_net = true, .private_uts = true};

        check_err("vm.swappiness=1", &all_private,
                  "--sysctl \"vm.swappiness=1\": not a namespaced sysctl (it would change the host)");
        check_err("kernel.hostname=x", &all_private,
                  "--sysctl \"kernel.hostname=x\": set the UTS names with --hostname instead");
        check_err("kernel.domainname=x", &all_private,
                  "--sysctl \"kernel.domainname=x\": set the UTS names with --hostname instead");
        check_err("net.core.somaxconn=5", &host_net,
                  "--sysctl \"net.core.somaxconn=5\": the container shares the host's network namespace");
        check_err("fs.mqueue.queues_max=5", &host_ipc,
                  "--sysctl \"fs.mqueue.queues_max=5\": the container shares the host's IPC namespace");
        check_err("kernel.msgmax", &all_private, "--sysctl \"kernel.msgmax\": expected KEY=VALUE");
        check_err("=1", &all_private, "--sysctl \"=1\": expected KEY=VALUE");
        check_err("net.ipv4.ip_forward=", &all_private,
                  "--sysctl \"net.ipv4.ip_forward=\": the value must be one non-empty line");
        check_err("net.ipv4.ip_forward=1\n2", &all_private,
                  "--sysctl \"net.ipv4.ip_forward=1\n2\": the value must be one non-empty line");
        check_err("net..x=1", &all_private, "--sysctl \"net..x=1\": invalid key");
        check_err("net/../../etc=1", &all_private, "--sysctl \"net/../../etc=1\": invalid key");
        check_err("kernel.msgmax.=1", &all_private, "--sysctl \"kernel.msgmax.=1\": invalid key");
        check_err("kernel.shm*=1", &all_private, "--sysctl \"kernel.shm*=1\": invalid key");
}

static void test_defaults(void **state) {
        char *in[] = {(char *) "kernel.shmmax=1000", NULL};
        char *own[] = {(char *) "net.ipv4.ping_group_range=1 1", NULL};
        SysctlNamespaces host_net = {.private_ipc = true, .private_uts = true};
        Sysctls s;

        assert_int_equal(sysctls_build(in, &all_private, &s, NULL), 0);
        assert_int_equal(sysctls_add_defaults(&s, &all_private), 0);
        assert_int_equal(s.n, 2);
        assert_string_equal(s.items[0].key, "net.ipv4.ping_group_range");
        assert_string_equal(s.items[0].value, "0 0");
        assert_string_equal(s.items[1].key, "kernel.shmmax");
        sysctls_done(&s);

        /* the user's value wins */
        assert_int_equal(sysctls_build(own, &all_private, &s, NULL), 0);
        assert_int_equal(sysctls_add_defaults(&s, &all_private), 0);
        assert_int_equal(s.n, 1);
        assert_string_equal(s.items[0].value, "1 1");
        sysctls_done(&s);

        /* --network host: nothing */
        assert_int_equal(sysctls_build(NULL, &host_net, &s, NULL), 0);
        assert_int_equal(sysctls_add_defaults(&s, &host_net), 0);
        assert_int_equal(s.n, 0);
        sysctls_done(&s);
}

static void test_apply(void **state) {
        char dir[] = "/tmp/test-sysctl-XXXXXX";
        char *in[] = {(char *) "net.ipv4.ip_forward=1", (char *) "kernel.shmmax=4096", NULL};
        char *missing[] = {(char *) "net.nosuch=1", NULL};
        Sysctls s;
        size_t failed = 99;
        char *txt = NULL;
        int fd;

        assert_non_null(mkdtemp(dir));
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(mkdirat(fd, "sys", 0755), 0);
        assert_int_equal(mkdirat(fd, "sys/net", 0755), 0);
        assert_int_equal(mkdirat(fd, "sys/net/ipv4", 0755), 0);
        assert_int_equal(mkdirat(fd, "sys/kernel", 0755), 0);
        close(openat(fd, "sys/net/ipv4/ip_forward", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        close(openat(fd, "sys/kernel/shmmax", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));

        assert_int_equal(sysctls_build(in, &all_private, &s, NULL), 0);
        assert_int_equal(sysctls_apply(&s, fd, &failed), 0);
        assert_int_equal(read_full_file_at(fd, "sys/net/ipv4/ip_forward", 0, &txt, NULL), 0);
        assert_string_equal(txt, "1");
        free(txt);
        assert_int_equal(read_full_file_at(fd, "sys/kernel/shmmax", 0, &txt, NULL), 0);
        assert_string_equal(txt, "4096");
        free(txt);
        sysctls_done(&s);

        /* a key the kernel doesn't have: -ENOENT and the index */
        assert_int_equal(sysctls_build(missing, &all_private, &s, NULL), 0);
        assert_int_equal(sysctls_apply(&s, fd, &failed), -ENOENT);
        assert_int_equal(failed, 0);
        sysctls_done(&s);

        close(fd);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ok),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_apply),
        };

        return unit_run_tests("sysctl", tests, ELEMENTSOF(tests));
}
