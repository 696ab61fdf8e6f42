/* Privileged: on the host's real cgroup tree, create a container cgroup under our own, set limits,
 * join a child, check the files and the child's /proc/PID/cgroup, read stats, kill, remove, and
 * check nothing is left. Exit 77 when not root or when the tree is not writable. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "../unit/unit-test.h"

#include "common/fileio.h"
#include "common/macro.h"
#include "common/strv.h"
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
        CgroupLimits l = { .memory = 64 << 20, .cpu_quota = 50000, .cpu_period = 100000, .cpu_shares = 512,
                           .pids_limit = 50 };
        int status, pp[2];
        pid_t pid;

        assert_int_equal(cgroup_system_detect(&s), 0);
        print_message("# layout %s, %zu hierarchies\n", cgroup_layout_to_string(s->layout), s->n_hier);
        snprintf(name, sizeof(name), "skiff-test-%d", (int) getpid());
        assert_int_equal(cgroup_plan_build(s, name, &l, CGROUPS_ENABLED, false, &p, &err), 0);
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
        CgroupLimits l = { .pids_limit = 5 };
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(test_host_lifecycle, teardown),
                cmocka_unit_test(test_host_failure_rolls_back),
        };

        if (geteuid() != 0 || access("/sys/fs/cgroup", W_OK) < 0) {
                printf("1..0 # SKIP needs root and a writable /sys/fs/cgroup\n");
                return 77;
        }
        return unit_run_tests("cgroup-host", tests, ELEMENTSOF(tests));
}
