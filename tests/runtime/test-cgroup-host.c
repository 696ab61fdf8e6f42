/* Privileged: on the host's real cgroup tree, create a container cgroup under our own, set limits,
 * join a child, check the files and the child's /proc/PID/cgroup, read stats, kill, remove, and
 * check nothing is left. Exit 77 when not root or when the tree is not writable. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../unit/unit-test.h"
#include "common/fileio.h"
#include "common/macro.h"
#include "common/strv.h"
#include "runtime/cgroup-devices.h"
#include "runtime/cgroup.h"

static char *read_at(int fd, const char *dir, const char *file) {
        char path[512], *t = NULL;

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        if (read_full_file_at(fd, path, 0, &t, NULL) < 0)
                return NULL;
        t[strcspn(t, "\n")] = 0;
        return t;
}

/* What a failed assertion leaves behind, for the teardown. */
static CgroupSystem *cur_sys;
static CgroupPlan *cur_plan;
static pid_t cur_child;

static int teardown(void **state) {
        if (cur_child > 0) {
                kill(cur_child, SIGKILL);
                (void) waitpid(cur_child, NULL, 0);
        }
        if (cur_sys && cur_plan)
                (void) cgroup_remove(cur_sys->root_fd, cur_plan->paths, 2000, NULL);
        cur_plan = cgroup_plan_free(cur_plan);
        cur_sys = cgroup_system_free(cur_sys);
        cur_child = 0;
        return 0;
}

static void test_host_lifecycle(void **state) {
        CgroupSystem *s = NULL;
        CgroupPlan *p = NULL;
        CgroupStats st;
        char name[64], *err = NULL, *t;
        CgroupLimits l = {.memory = 64 << 20,
                          .cpu_quota = 50000,
                          .cpu_period = 100000,
                          .cpu_shares = 512,
                          .pids_limit = 50};
        int status, pp[2];
        pid_t pid;

        assert_int_equal(cgroup_system_detect(&s), 0);
        print_message("# layout %s, %zu hierarchies\n", cgroup_layout_to_string(s->layout), s->n_hier);
        snprintf(name, sizeof(name), "skiff-test-%d", (int) getpid());
        assert_int_equal(cgroup_plan_build(s, name, &l, CGROUPS_ENABLED, false, &p, &err), 0);
        assert_int_equal(cgroup_plan_add_device_rules(s, p, name, false), 0);
        if (cgroup_plan_create(s->root_fd, p, &err) < 0) {
                print_message("# %s\n", err);
                cgroup_plan_free(p);
                cgroup_system_free(s);
                skip();
        }
        cur_sys = s;
        cur_plan = p;

        /* a child parked on a pipe, joined from here (crun's way) */
        assert_int_equal(pipe2(pp, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char c;
                close(pp[1]);
                alarm(30); /* never outlive a failed test */
                (void) read(pp[0], &c, 1);
                pause();
                _exit(0);
        }
        cur_child = pid;
        close(pp[0]);
        assert_int_equal(cgroup_join(s->root_fd, p->paths, pid, &err), 0);

        /* the limits, as the kernel shows them */
        const CgroupHierarchy *mem = cgroup_system_find(s, "memory"), *pids = cgroup_system_find(s, "pids"),
                              *cpu = cgroup_system_find(s, "cpu");
        STRV_FOREACH(path, p->paths) {
                if (mem && startswith(*path, mem->dir) && (*path)[strlen(mem->dir)] == '/') {
                        t = read_at(s->root_fd, *path, mem->v2 ? "memory.max" : "memory.limit_in_bytes");
                        assert_string_equal(t, "67108864");
                        free(t);
                }
                if (pids && startswith(*path, pids->dir) && (*path)[strlen(pids->dir)] == '/') {
                        t = read_at(s->root_fd, *path, "pids.max");
                        assert_string_equal(t, "50");
                        free(t);
                }
                if (cpu && !cpu->v2 && startswith(*path, cpu->dir) && (*path)[strlen(cpu->dir)] == '/') {
                        t = read_at(s->root_fd, *path, "cpu.cfs_quota_us");
                        assert_string_equal(t, "50000");
                        free(t);
                        t = read_at(s->root_fd, *path, "cpu.shares");
                        assert_string_equal(t, "512");
                        free(t);
                }
                if (startswith(*path, "devices/")) {
                        /* the kernel's view of the list: our allow rules, nothing else */
                        char lp[512];
                        snprintf(lp, sizeof(lp), "%s/devices.list", *path);
                        t = NULL;
                        assert_int_equal(read_full_file_at(s->root_fd, lp, 0, &t, NULL), 0);
                        assert_non_null(strstr(t, "c 1:3 rwm"));
                        assert_non_null(strstr(t, "c 136:* rwm"));
                        assert_null(strstr(t, "a *:* rwm"));
                        free(t);
                }
                /* the child is in it */
                t = read_at(s->root_fd, *path, "cgroup.procs");
                char want[32];
                snprintf(want, sizeof(want), "%d", (int) pid);
                assert_string_equal(t, want);
                free(t);
        }
        /* and /proc/PID/cgroup says so in every hierarchy we used */
        char procpath[64];
        snprintf(procpath, sizeof(procpath), "/proc/%d/cgroup", (int) pid);
        assert_int_equal(read_full_file_at(AT_FDCWD, procpath, 0, &t, NULL), 0);
        size_t hits = 0;
        for (char *q = t; (q = strstr(q, name)); q++)
                hits++;
        assert_int_equal(hits, strv_length(p->paths));
        free(t);

        assert_int_equal(cgroup_read_stats(s->root_fd, p->paths, &st), 0);
        assert_true(st.memory_usage >= 0); /* v1 does not move charges with the process */
        assert_int_equal(st.memory_limit, 64 << 20);
        assert_int_equal(st.pids_current, 1);
        assert_int_equal(st.pids_limit, 50);
        print_message("# stats: memory %lld, cpu %lld ns, pids %lld\n", (long long) st.memory_usage,
                      (long long) st.cpu_usage_ns, (long long) st.pids_current);

        /* remove while populated: refused after the timeout, nothing removed */
        /* the device rules hold: the child may not open a disk it could see (b 7:0, loop0), may
         * open /dev/null */
        {
                int st2;
                pid_t q = fork();
                assert_true(q >= 0);
                if (q == 0) {
                        if (cgroup_join(s->root_fd, p->paths, getpid(), NULL) < 0)
                                _exit(2);
                        if (open("/dev/null", O_RDWR | O_CLOEXEC) < 0)
                                _exit(3);
                        if (access("/dev/loop0", F_OK) == 0 && open("/dev/loop0", O_RDONLY | O_CLOEXEC) >= 0)
                                _exit(4);
                        _exit(0);
                }
                assert_int_equal(waitpid(q, &st2, 0), q);
                assert_true(WIFEXITED(st2));
                assert_int_equal(WEXITSTATUS(st2), 0);
        }

        assert_int_equal(cgroup_remove(s->root_fd, p->paths, 20, &err), -EBUSY);
        print_message("# %s\n", err);
        free(err);
        err = NULL;

        assert_int_equal(cgroup_kill(s->root_fd, p->paths, SIGKILL), 1);
        close(pp[1]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        cur_child = 0;
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_int_equal(cgroup_remove(s->root_fd, p->paths, 2000, &err), 0);
        STRV_FOREACH(path, p->paths)
                assert_int_equal(faccessat(s->root_fd, *path, F_OK, 0), -1);
}

/* A failing write leaves nothing behind. */
static void test_host_failure_rolls_back(void **state) {
        CgroupSystem *s = NULL;
        CgroupPlan *p = NULL;
        char name[64], *err = NULL;

        assert_int_equal(cgroup_system_detect(&s), 0);
        snprintf(name, sizeof(name), "skiff-test-bad-%d", (int) getpid());
        CgroupLimits l = {.pids_limit = 5};
        assert_int_equal(cgroup_plan_build(s, name, &l, CGROUPS_ENABLED, false, &p, &err), 0);
        /* corrupt the value the kernel will refuse */
        for (size_t i = 0; i < p->n_writes; i++)
                if (streq(p->writes[i].file, "pids.max")) {
                        free(p->writes[i].value);
                        p->writes[i].value = strdup("lots");
                }
        assert_int_equal(cgroup_plan_create(s->root_fd, p, &err), -EINVAL);
        print_message("# %s\n", err);
        assert_non_null(strstr(err, "pids.max: write \"lots\": Invalid argument"));
        free(err);
        STRV_FOREACH(path, p->paths)
                assert_int_equal(faccessat(s->root_fd, *path, F_OK, 0), -1);
        cgroup_plan_free(p);
        cgroup_system_free(s);
}

/* --cgroups=split: the creating process moves itself into <own>/supervisor and the container cgroup
 * is its sibling. Done in a child that first moves into a cgroup of this test's own (unique per run),
 * so that concurrent runs of this test (several worktrees share the host) never meet in one
 * "supervisor", and the test process itself stays where it was. */
static void test_host_split(void **state) {
        CgroupSystem *s = NULL;
        CgroupPlan *base = NULL;
        char name[64], *err = NULL;
        int status;
        pid_t pid;

        assert_int_equal(cgroup_system_detect(&s), 0);
        snprintf(name, sizeof(name), "skiff-test-split-%d", (int) getpid());
        assert_int_equal(cgroup_plan_build(s, name, NULL, CGROUPS_ENABLED, false, &base, &err), 0);
        assert_int_equal(cgroup_plan_create(s->root_fd, base, &err), 0);

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                CgroupSystem *cs = NULL;
                CgroupPlan *p = NULL;
                char *t = NULL;

                if (cgroup_join(s->root_fd, base->paths, getpid(), NULL) < 0)
                        _exit(2);
                /* now <own> is the test's cgroup */
                if (cgroup_system_detect(&cs) < 0
                    || cgroup_plan_build(cs, "skiff-c", NULL, CGROUPS_SPLIT, false, &p, NULL) < 0)
                        _exit(3);
                if (strv_length(p->monitor_paths) != strv_length(p->paths)
                    || !strstr(p->monitor_paths[0], name))
                        _exit(4);
                if (cgroup_plan_create(cs->root_fd, p, NULL) < 0)
                        _exit(5);
                if (read_full_file_at(AT_FDCWD, "/proc/self/cgroup", 0, &t, NULL) < 0
                    || !strstr(t, "/supervisor"))
                        _exit(6);
                STRV_FOREACH(path, p->paths)
                        if (faccessat(cs->root_fd, *path, F_OK, 0) < 0)
                                _exit(7);
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        /* depth first: supervisor and skiff-c go with the test's cgroup */
        assert_int_equal(cgroup_remove(s->root_fd, base->paths, 2000, &err), 0);
        STRV_FOREACH(path, base->paths)
                assert_int_equal(faccessat(s->root_fd, *path, F_OK, 0), -1);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        cgroup_plan_free(base);
        cgroup_system_free(s);
}

/* The v2 device filter (BPF) on this host's cgroup2 tree (any cgroup2 cgroup takes one, controllers
 * or not): a process in it may use /dev/null and mknod, but not open a disk or /dev/kmsg. */
static void test_host_device_bpf(void **state) {
        char dir[64], *err = NULL;
        int rootfd, status;
        pid_t pid;

        rootfd = cgroup_root_open();
        assert_true(rootfd >= 0);
        if (faccessat(rootfd, "unified/cgroup.procs", F_OK, 0) < 0
            && faccessat(rootfd, "cgroup.procs", F_OK, 0) < 0) {
                close(rootfd);
                skip();
        }
        snprintf(dir, sizeof(dir), "%sskiff-test-dev-%d",
                 faccessat(rootfd, "unified/cgroup.procs", F_OK, 0) == 0 ? "unified/" : "", (int) getpid());
        assert_int_equal(mkdirat(rootfd, dir, 0755), 0);
        if (cgroup_devices_bpf_attach(rootfd, dir, &err) < 0) {
                print_message("# %s\n", err);
                free(err);
                unlinkat(rootfd, dir, AT_REMOVEDIR);
                close(rootfd);
                fail();
        }
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char *paths[] = {dir, NULL}, node[64];
                if (cgroup_join(rootfd, paths, getpid(), NULL) < 0)
                        _exit(2);
                if (open("/dev/null", O_RDWR | O_CLOEXEC) < 0
                    || open("/dev/urandom", O_RDONLY | O_CLOEXEC) < 0)
                        _exit(3);
                if (access("/dev/kmsg", F_OK) == 0
                    && (open("/dev/kmsg", O_RDONLY | O_CLOEXEC) >= 0 || errno != EPERM))
                        _exit(4);
                if (access("/dev/loop0", F_OK) == 0
                    && (open("/dev/loop0", O_RDONLY | O_CLOEXEC) >= 0 || errno != EPERM))
                        _exit(5);
                /* mknod is allowed, opening what it made is not */
                snprintf(node, sizeof(node), "/tmp/skiff-test-node-%d", (int) getpid());
                if (mknod(node, S_IFCHR | 0600, makedev(1, 1)) < 0)
                        _exit(6);
                int fd = open(node, O_RDONLY | O_CLOEXEC);
                int e = errno;
                unlink(node);
                if (fd >= 0 || e != EPERM)
                        _exit(7);
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        char *paths[] = {dir, NULL};
        assert_int_equal(cgroup_remove(rootfd, paths, 2000, NULL), 0);
        close(rootfd);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(test_host_lifecycle, teardown),
                cmocka_unit_test(test_host_failure_rolls_back),
                cmocka_unit_test(test_host_split),
                cmocka_unit_test(test_host_device_bpf),
        };

        if (geteuid() != 0 || access("/sys/fs/cgroup", W_OK) < 0) {
                printf("1..0 # SKIP needs root and a writable /sys/fs/cgroup\n");
                return 77;
        }
        return unit_run_tests("cgroup-host", tests, ELEMENTSOF(tests));
}
