/* Cgroups: detection from mountinfo and /proc/self/cgroup texts, the plan for v1/hybrid/v2, the flag
 * parsers, and join/kill/stats/remove against a tmpdir tree standing in for /sys/fs/cgroup. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "common/strv.h"
#include "runtime/cgroup.h"
#include "unit-test.h"

/* This kind of host: v1 controllers, an empty cgroup2 at unified, name=systemd, and the caller in a
 * nested memory cgroup (cpu and cpuacct mounted separately). */
static const char *hybrid_mountinfo =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
        "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
        "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
        "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
        "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
        "50 23 0:50 / /mnt/other\\040dir rw - cgroup cgroup rw,memory\n";
static const char *hybrid_self = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
                                 "4:memory:/process_api/27f1\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n";

static const char *v2_mountinfo = "25 21 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
static const char *v2_self = "0::/user.slice/skiff.scope\n";

static const char *combined_mountinfo =
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpuacct,cpu\n"
        "33 31 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
static const char *combined_self = "3:cpu,cpuacct:/a/b/\n2:memory:/a\n";

static char tmp[64];
static int tmp_fd = -1;

static void mk(const char *path) {
        assert_int_equal(mkdirat(tmp_fd, path, 0755), 0);
}

static void put(const char *path, const char *text) {
        assert_int_equal(write_file_atomic_at(tmp_fd, path, text, strlen(text), 0644), 0);
}

static char *get(const char *path) {
        char *t = NULL;
        assert_int_equal(read_full_file_at(tmp_fd, path, 0, &t, NULL), 0);
        return t;
}

static int setup(void **state) {
        snprintf(tmp, sizeof(tmp), "/tmp/test-cgroup-XXXXXX");
        if (!mkdtemp(tmp))
                return -1;
        tmp_fd = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return tmp_fd < 0 ? -1 : 0;
}

static int teardown(void **state) {
        char cmd[128];

        close(tmp_fd);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
        return system(cmd) == 0 ? 0 : -1;
}

static const CgroupHierarchy *by_dir(const CgroupSystem *s, const char *dir) {
        for (size_t i = 0; i < s->n_hier; i++)
                if (streq(s->hier[i].dir, dir))
                        return &s->hier[i];
        return NULL;
}

static void test_detect_hybrid(void **state) {
        CgroupSystem *s = NULL;

        assert_int_equal(cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", hybrid_mountinfo, hybrid_self, &s),
                         0);
        assert_int_equal(s->layout, CGROUP_LAYOUT_HYBRID);
        assert_int_equal(s->n_hier, 10);
        assert_string_equal(by_dir(s, "memory")->own, "process_api/27f1");
        assert_string_equal(by_dir(s, "cpu")->own, "");
        assert_true(strv_contains(by_dir(s, "cpuacct")->controllers, "cpuacct"));
        assert_string_equal(by_dir(s, "systemd")->name, "systemd");
        assert_null(by_dir(s, "systemd")->controllers);
        assert_true(by_dir(s, "unified")->v2);
        assert_null(by_dir(s, "unified")->controllers);
        assert_null(by_dir(s, "/mnt/other dir"));
        assert_string_equal(cgroup_system_find(s, "memory")->dir, "memory");
        assert_null(cgroup_system_find(s, "hugetlb"));
        assert_string_equal(cgroup_layout_to_string(s->layout), "hybrid");
        cgroup_system_free(s);
}

/* A cgroup mount hidden by a later mount on top (a benchmark's tmpfs, a container's masked path) is
 * not what the path shows: it must not be used. */
static void test_detect_shadowed(void **state) {
        CgroupSystem *s = NULL;
        char *mi = NULL;

        assert_true(asprintf(&mi, "%s%s", hybrid_mountinfo,
                             "90 41 0:90 / /sys/fs/cgroup/unified rw - tmpfs hide rw\n")
                    > 0);
        assert_int_equal(cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", mi, hybrid_self, &s), 0);
        assert_int_equal(s->layout, CGROUP_LAYOUT_V1);
        assert_int_equal(s->n_hier, 9);
        assert_null(by_dir(s, "unified"));
        cgroup_system_free(s);
        free(mi);

        /* a tmpfs over the whole root hides everything */
        assert_true(asprintf(&mi, "%s%s", hybrid_mountinfo, "91 31 0:91 / /sys/fs/cgroup rw - tmpfs t rw\n")
                    > 0);
        assert_int_equal(cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", mi, hybrid_self, &s), -ENOMEDIUM);
        free(mi);
}

static void test_detect_v2(void **state) {
        CgroupSystem *s = NULL;

        mk("user.slice");
        mk("user.slice/skiff.scope");
        put("user.slice/skiff.scope/cgroup.controllers", "cpuset cpu io memory pids\n");
        assert_int_equal(cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", v2_mountinfo, v2_self, &s), 0);
        assert_int_equal(s->layout, CGROUP_LAYOUT_V2);
        assert_int_equal(s->n_hier, 1);
        assert_string_equal(s->hier[0].dir, "");
        assert_string_equal(s->hier[0].own, "user.slice/skiff.scope");
        assert_true(strv_contains(s->hier[0].controllers, "memory"));
        assert_true(cgroup_system_find(s, "pids")->v2);
        cgroup_system_free(s);
}

static void test_detect_combined(void **state) {
        CgroupSystem *s = NULL;

        assert_int_equal(
                cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", combined_mountinfo, combined_self, &s), 0);
        assert_int_equal(s->layout, CGROUP_LAYOUT_V1);
        assert_int_equal(s->n_hier, 2);
        assert_string_equal(s->hier[0].dir, "cpu,cpuacct");
        assert_string_equal(s->hier[0].own, "a/b");
        assert_string_equal(cgroup_system_find(s, "cpuacct")->dir, "cpu,cpuacct");
        cgroup_system_free(s);

        assert_int_equal(cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", "", "0::/\n", &s), -ENOMEDIUM);
}

static const CgroupWrite *find_write(const CgroupPlan *p, const char *file) {
        for (size_t i = 0; i < p->n_writes; i++)
                if (streq(p->writes[i].file, file))
                        return &p->writes[i];
        return NULL;
}

static void test_plan_hybrid(void **state) {
        CgroupSystem *s = NULL;
        CgroupPlan *p = NULL;
        char *err = NULL;
        CgroupLimits l = {.memory = 512 << 20, .cpu_quota = 150000, .cpu_shares = 512, .pids_limit = 100};

        /* memsw exists where swap accounting is on */
        mk("memory");
        mk("memory/process_api");
        mk("memory/process_api/27f1");
        put("memory/process_api/27f1/memory.memsw.limit_in_bytes", "9223372036854771712\n");
        assert_int_equal(cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", hybrid_mountinfo, hybrid_self, &s),
                         0);
        assert_int_equal(cgroup_plan_build(s, "skiff-abc", &l, CGROUPS_ENABLED, false, &p, &err), 0);
        assert_null(err);
        assert_null(p->monitor_paths);
        assert_null(p->warning);
        /* every wanted v1 hierarchy, name=systemd and the unified tree; not cpuset nor devices */
        assert_int_equal(strv_length(p->paths), 8);
        assert_true(strv_contains(p->paths, "memory/process_api/27f1/skiff-abc"));
        assert_true(strv_contains(p->paths, "cpu/skiff-abc"));
        assert_true(strv_contains(p->paths, "systemd/skiff-abc"));
        assert_true(strv_contains(p->paths, "unified/skiff-abc"));
        assert_false(strv_contains(p->paths, "cpuset/skiff-abc"));
        assert_false(strv_contains(p->paths, "devices/skiff-abc"));

        assert_int_equal(p->n_writes, 6);
        assert_string_equal(p->writes[0].file, "memory.limit_in_bytes"); /* before memsw */
        assert_string_equal(p->writes[0].value, "536870912");
        assert_string_equal(p->writes[0].path, "memory/process_api/27f1/skiff-abc");
        assert_string_equal(p->writes[1].file, "memory.memsw.limit_in_bytes");
        assert_string_equal(p->writes[1].value, "1073741824");       /* podman: swap as large as memory */
        assert_string_equal(p->writes[2].file, "cpu.cfs_period_us"); /* before the quota */
        assert_string_equal(p->writes[2].value, "100000");
        assert_string_equal(find_write(p, "cpu.cfs_quota_us")->value, "150000");
        assert_string_equal(find_write(p, "cpu.shares")->value, "512");
        assert_string_equal(find_write(p, "pids.max")->value, "100");
        assert_string_equal(find_write(p, "pids.max")->path, "pids/skiff-abc");

        /* device rules (v1): the devices hierarchy joins the plan, deny all then the allow list */
        assert_int_equal(cgroup_plan_add_device_rules(s, p, "skiff-abc", false), 0);
        assert_true(strv_contains(p->paths, "devices/skiff-abc"));
        assert_int_equal(strv_length(p->paths), 9);
        assert_string_equal(p->writes[6].path, "devices/skiff-abc");
        assert_string_equal(p->writes[6].file, "devices.deny");
        assert_string_equal(p->writes[6].value, "a");
        assert_string_equal(p->writes[7].file, "devices.allow");
        assert_string_equal(p->writes[7].value, "c *:* m");
        assert_int_equal(p->n_writes, 6 + 1 + 12);
        cgroup_plan_free(p);
        assert_int_equal(cgroup_plan_build(s, "skiff-abc", &l, CGROUPS_ENABLED, false, &p, &err), 0);
        assert_int_equal(cgroup_plan_add_device_rules(s, p, "skiff-abc", true), 0);
        assert_string_equal(p->writes[p->n_writes - 1].file, "devices.allow");
        assert_string_equal(p->writes[p->n_writes - 1].value, "a");
        cgroup_plan_free(p);

        /* --cgroups=split: the monitor's cgroups too */
        assert_int_equal(cgroup_plan_build(s, "skiff-abc", NULL, CGROUPS_SPLIT, false, &p, &err), 0);
        assert_true(strv_contains(p->monitor_paths, "memory/process_api/27f1/supervisor"));
        assert_int_equal(p->n_writes, 0);
        cgroup_plan_free(p);

        /* disabled: no cgroup, and limits refused */
        assert_int_equal(cgroup_plan_build(s, "skiff-abc", NULL, CGROUPS_DISABLED, false, &p, &err), 0);
        assert_int_equal(strv_length(p->paths), 0);
        cgroup_plan_free(p);
        assert_int_equal(cgroup_plan_build(s, "skiff-abc", &l, CGROUPS_DISABLED, false, &p, &err), -EINVAL);
        assert_string_equal(err, "--memory: cgroups are disabled (--cgroups=disabled)");
        free(err);
        err = NULL;

        /* rootless on v1: no cgroup, a warning when limits were asked for */
        assert_int_equal(cgroup_plan_build(s, "skiff-abc", &l, CGROUPS_ENABLED, true, &p, &err), 0);
        assert_int_equal(strv_length(p->paths), 0);
        assert_string_equal(
                p->warning,
                "--memory: rootless containers need a delegated cgroup v2 tree, resource limits ignored");
        cgroup_plan_free(p);

        /* podman's default pids limit alone: no warning when rootless, no error when disabled */
        CgroupLimits dflt = {.pids_limit = CGROUP_DEFAULT_PIDS_LIMIT};
        assert_int_equal(cgroup_plan_build(s, "skiff-abc", &dflt, CGROUPS_ENABLED, true, &p, &err), 0);
        assert_null(p->warning);
        cgroup_plan_free(p);
        assert_int_equal(cgroup_plan_build(s, "skiff-abc", &dflt, CGROUPS_DISABLED, false, &p, &err), 0);
        assert_int_equal(strv_length(p->paths), 0);
        cgroup_plan_free(p);
        /* but an explicit other one warns */
        CgroupLimits pl = {.pids_limit = 10};
        assert_int_equal(cgroup_plan_build(s, "skiff-abc", &pl, CGROUPS_ENABLED, true, &p, &err), 0);
        assert_string_equal(
                p->warning,
                "--pids-limit: rootless containers need a delegated cgroup v2 tree, resource limits ignored");
        cgroup_plan_free(p);

        /* bad names never make a path */
        assert_int_equal(cgroup_plan_build(s, "../x", NULL, CGROUPS_ENABLED, false, &p, &err), -EINVAL);
        assert_int_equal(cgroup_plan_build(s, "..", NULL, CGROUPS_ENABLED, false, &p, &err), -EINVAL);

        CgroupLimits bad = {.memory = 512 << 20, .memory_swap = 100 << 20};
        assert_int_equal(cgroup_plan_build(s, "skiff-abc", &bad, CGROUPS_ENABLED, false, &p, &err), -EINVAL);
        assert_string_equal(err, "--memory-swap: must be at least --memory (it counts memory plus swap)");
        free(err);
        cgroup_system_free(s);
}

static void test_plan_v2(void **state) {
        CgroupSystem *s = NULL;
        CgroupPlan *p = NULL;
        char *err = NULL;
        CgroupLimits l = {.memory = 256 << 20,
                          .memory_swap = -1,
                          .cpu_quota = 50000,
                          .cpu_shares = 1024,
                          .pids_limit = -1};

        put("user.slice/skiff.scope/memory.swap.max", "max\n");
        assert_int_equal(cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", v2_mountinfo, v2_self, &s), 0);
        assert_int_equal(cgroup_plan_build(s, "skiff-x", &l, CGROUPS_ENABLED, false, &p, &err), 0);
        assert_int_equal(strv_length(p->paths), 1);
        assert_string_equal(p->paths[0], "user.slice/skiff.scope/skiff-x");
        assert_string_equal(p->writes[0].path, "user.slice/skiff.scope");
        assert_string_equal(p->writes[0].file, "cgroup.subtree_control");
        assert_string_equal(p->writes[0].value, "+memory +cpu +pids");
        assert_string_equal(find_write(p, "memory.max")->value, "268435456");
        assert_string_equal(find_write(p, "memory.swap.max")->value, "max");
        assert_string_equal(find_write(p, "cpu.max")->value, "50000 100000");
        assert_string_equal(find_write(p, "cpu.weight")->value, "39");
        assert_string_equal(find_write(p, "pids.max")->value, "max");
        /* v2 device rules: a BPF program for the container's cgroup, no writes */
        size_t nw = p->n_writes;
        assert_int_equal(cgroup_plan_add_device_rules(s, p, "skiff-x", false), 0);
        assert_string_equal(p->device_filter_path, "user.slice/skiff.scope/skiff-x");
        assert_int_equal(p->n_writes, nw);
        cgroup_plan_free(p);
        assert_int_equal(cgroup_plan_build(s, "skiff-x", &l, CGROUPS_ENABLED, false, &p, &err), 0);
        assert_int_equal(cgroup_plan_add_device_rules(s, p, "skiff-x", true), 0); /* privileged: none */
        assert_null(p->device_filter_path);
        cgroup_plan_free(p);

        /* only podman's default pids limit: both writes optional, so a busy parent cannot fail a run
         * nobody asked limits for; an explicit limit is not optional */
        CgroupLimits dflt = {.pids_limit = CGROUP_DEFAULT_PIDS_LIMIT};
        assert_int_equal(cgroup_plan_build(s, "skiff-x", &dflt, CGROUPS_ENABLED, false, &p, &err), 0);
        assert_int_equal(p->n_writes, 2);
        assert_string_equal(p->writes[0].value, "+pids");
        assert_true(p->writes[0].optional);
        assert_true(p->writes[1].optional);
        cgroup_plan_free(p);
        assert_int_equal(cgroup_plan_build(s, "skiff-x", &l, CGROUPS_ENABLED, false, &p, &err), 0);
        for (size_t i = 0; i < p->n_writes; i++)
                assert_false(p->writes[i].optional);
        cgroup_plan_free(p);

        /* rootless with a writable (delegated) tree: limits apply */
        if (geteuid() == 0 || access(tmp, W_OK) == 0) {
                assert_int_equal(cgroup_plan_build(s, "skiff-x", &l, CGROUPS_ENABLED, true, &p, &err), 0);
                assert_int_equal(strv_length(p->paths), 1);
                assert_null(p->warning);
                cgroup_plan_free(p);
        }
        cgroup_system_free(s);

        /* a controller the tree doesn't have */
        assert_int_equal(
                cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", combined_mountinfo, combined_self, &s), 0);
        CgroupLimits pl = {.pids_limit = 5};
        assert_int_equal(cgroup_plan_build(s, "skiff-x", &pl, CGROUPS_ENABLED, false, &p, &err), -EINVAL);
        assert_string_equal(err, "--pids-limit: the pids controller is not available");
        free(err);
        cgroup_system_free(s);
}

/* A pod's containers: <own>/PARENT/NAME, the parent made by the first and shared, its limits written
 * before the container's, controllers enabled in <own> and in the parent (v2). */
static void test_plan_in_parent(void **state) {
        CgroupSystem *s = NULL;
        CgroupPlan *p = NULL, *q = NULL;
        char *err = NULL;
        CgroupLimits l = {.memory = 64 << 20, .memory_swap = -1, .cpu_quota = 50000};
        CgroupLimits pod = {.memory = 96 << 20, .memory_swap = -1, .cpu_quota = 75000, .cpu_period = 100000};

        put("user.slice/skiff.scope/cgroup.controllers", "cpuset cpu io memory pids\n");
        assert_int_equal(cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", v2_mountinfo, v2_self, &s), 0);
        assert_int_equal(cgroup_plan_build_in(s, "skiff-pod-1", &pod, "skiff-a", &l, CGROUPS_ENABLED, false, &p, &err), 0);
        assert_null(err);
        assert_int_equal(strv_length(p->paths), 1);
        assert_string_equal(p->paths[0], "user.slice/skiff.scope/skiff-pod-1/skiff-a");
        assert_int_equal(strv_length(p->parent_paths), 1);
        assert_string_equal(p->parent_paths[0], "user.slice/skiff.scope/skiff-pod-1");
        assert_string_equal(p->writes[0].path, "user.slice/skiff.scope");
        assert_string_equal(p->writes[0].file, "cgroup.subtree_control");
        assert_string_equal(p->writes[0].value, "+memory +cpu");
        assert_string_equal(p->writes[1].path, "user.slice/skiff.scope/skiff-pod-1");
        assert_string_equal(p->writes[1].file, "cgroup.subtree_control");
        assert_string_equal(p->writes[1].value, "+memory +cpu");
        assert_string_equal(p->writes[2].path, "user.slice/skiff.scope/skiff-pod-1");
        assert_string_equal(p->writes[2].file, "memory.max");
        assert_string_equal(p->writes[2].value, "100663296");
        assert_string_equal(find_write(p, "cpu.max")->value, "75000 100000"); /* the pod's, first */
        assert_string_equal(find_write(p, "cpu.max")->path, "user.slice/skiff.scope/skiff-pod-1");
        assert_string_equal(p->writes[p->n_writes - 1].path, "user.slice/skiff.scope/skiff-pod-1/skiff-a");
        assert_string_equal(p->writes[p->n_writes - 1].value, "50000 100000");
        assert_int_equal(cgroup_plan_add_device_rules(s, p, "skiff-pod-1/skiff-a", false), 0);
        assert_string_equal(p->device_filter_path, "user.slice/skiff.scope/skiff-pod-1/skiff-a");
        cgroup_plan_free(p);
        /* the parent is one path component, like the name */
        assert_int_equal(cgroup_plan_build_in(s, "a/b", NULL, "skiff-a", NULL, CGROUPS_ENABLED, false, &p, &err), -EINVAL);
        assert_int_equal(cgroup_plan_build_in(s, "..", NULL, "skiff-a", NULL, CGROUPS_ENABLED, false, &p, &err), -EINVAL);
        cgroup_system_free(s);

        /* hybrid: a parent in every hierarchy used; the devices one joins with the device rules;
         * two containers share the parent (made by the first, EEXIST for the second is fine) */
        for (const char *const *d = (const char *const[]) { "cpu", "cpuacct", "memory", "memory/process_api",
                                                            "memory/process_api/27f1", "devices", "freezer",
                                                            "blkio", "pids", "systemd", "unified", NULL };
             *d; d++)
                (void) mkdirat(tmp_fd, *d, 0755);
        assert_int_equal(cgroup_system_parse(tmp_fd, "/sys/fs/cgroup", hybrid_mountinfo, hybrid_self, &s), 0);
        assert_int_equal(cgroup_plan_build_in(s, "skiff-pod-2", NULL, "skiff-a", NULL, CGROUPS_ENABLED, false, &p, &err), 0);
        assert_int_equal(strv_length(p->parent_paths), 8);
        assert_true(strv_contains(p->parent_paths, "memory/process_api/27f1/skiff-pod-2"));
        assert_true(strv_contains(p->paths, "memory/process_api/27f1/skiff-pod-2/skiff-a"));
        assert_true(strv_contains(p->parent_paths, "unified/skiff-pod-2"));
        assert_int_equal(cgroup_plan_add_device_rules(s, p, "skiff-pod-2/skiff-a", false), 0);
        assert_true(strv_contains(p->paths, "devices/skiff-pod-2/skiff-a"));
        assert_true(strv_contains(p->parent_paths, "devices/skiff-pod-2"));
        assert_int_equal(strv_length(p->parent_paths), 9);
        cgroup_plan_free(p);
        assert_int_equal(cgroup_plan_build_in(s, "skiff-pod-2", NULL, "skiff-a", NULL, CGROUPS_ENABLED, false, &p, &err), 0);
        assert_int_equal(cgroup_plan_build_in(s, "skiff-pod-2", NULL, "skiff-b", NULL, CGROUPS_ENABLED, false, &q, &err), 0);
        assert_int_equal(cgroup_plan_create(tmp_fd, p, &err), 0);
        assert_int_equal(cgroup_plan_create(tmp_fd, q, &err), 0);
        assert_null(err);
        assert_int_equal(faccessat(tmp_fd, "memory/process_api/27f1/skiff-pod-2/skiff-a", F_OK, 0), 0);
        assert_int_equal(faccessat(tmp_fd, "pids/skiff-pod-2/skiff-b", F_OK, 0), 0);
        /* a container's removal leaves the shared parent */
        assert_int_equal(cgroup_remove(tmp_fd, p->paths, 100, &err), 0);
        assert_int_equal(faccessat(tmp_fd, "pids/skiff-pod-2/skiff-a", F_OK, 0), -1);
        assert_int_equal(faccessat(tmp_fd, "pids/skiff-pod-2", F_OK, 0), 0);
        assert_int_equal(cgroup_remove(tmp_fd, q->paths, 100, &err), 0);
        assert_int_equal(cgroup_remove(tmp_fd, q->parent_paths, 100, &err), 0);
        assert_int_equal(faccessat(tmp_fd, "pids/skiff-pod-2", F_OK, 0), -1);
        cgroup_plan_free(p);
        cgroup_plan_free(q);
        cgroup_system_free(s);
}

static void size_ok(const char *flag, const char *in, int64_t want) {
        int64_t v = 0;
        char *err = NULL;

        assert_int_equal(cgroup_parse_size(flag, in, &v, &err), 0);
        assert_null(err);
        assert_int_equal(v, want);
}

static void size_bad(const char *flag, const char *in, const char *want) {
        int64_t v = 0;
        char *err = NULL;

        assert_int_equal(cgroup_parse_size(flag, in, &v, &err), -EINVAL);
        assert_string_equal(err, want);
        free(err);
}

static void test_parsers(void **state) {
        int64_t q, v;
        uint64_t per, sh;
        char *err = NULL;

        size_ok("--memory", "512m", 512 << 20);
        size_ok("--memory", "1g", 1 << 30);
        size_ok("--memory", "1.5G", 3 << 29);
        size_ok("--memory", "1GiB", 1 << 30);
        size_ok("--memory", "512mb", 512 << 20);
        size_ok("--memory", "10485760", 10485760);
        size_ok("--memory", "1t", INT64_C(1) << 40);
        size_ok("--shm-size", "64k", 65536);
        size_bad("--memory", "12x", "--memory \"12x\": invalid size");
        size_bad("--memory", "", "--memory \"\": invalid size");
        size_bad("--memory", "-1", "--memory \"-1\": invalid size");
        size_bad("--memory", "1.g", "--memory \"1.g\": invalid size");
        size_bad("--memory", "1gg", "--memory \"1gg\": invalid size");
        size_bad("--memory", " 1g", "--memory \" 1g\": invalid size");
        size_bad("--memory", "1k", "--memory \"1k\": must be at least 6MiB");
        size_bad("--memory", "99999999999p", "--memory \"99999999999p\": too large");
        size_bad("--memory", "99999999999999999999999",
                 "--memory \"99999999999999999999999\": invalid size");
        size_bad("--shm-size", "0", "--shm-size \"0\": must be greater than 0");

        assert_int_equal(cgroup_parse_memory_swap("-1", &v, &err), 0);
        assert_int_equal(v, -1);

        assert_int_equal(cgroup_parse_cpus("1.5", &q, &per, &err), 0);
        assert_int_equal(q, 150000);
        assert_int_equal(per, 100000);
        assert_int_equal(cgroup_parse_cpus("0.25", &q, &per, &err), 0);
        assert_int_equal(q, 25000);
        assert_int_equal(cgroup_parse_cpus("2", &q, &per, &err), 0);
        assert_int_equal(q, 200000);
        assert_int_equal(cgroup_parse_cpus("0.001", &q, &per, &err), -EINVAL);
        assert_string_equal(err, "--cpus \"0.001\": must be at least 0.01");
        free(err);
        assert_int_equal(cgroup_parse_cpus("1e3", &q, &per, &err), -EINVAL);
        assert_string_equal(err, "--cpus \"1e3\": expected a number of CPUs such as 1.5");
        free(err);
        assert_int_equal(cgroup_parse_cpus("nan", &q, &per, &err), -EINVAL);
        free(err);

        assert_int_equal(cgroup_parse_cpu_shares("512", &sh, &err), 0);
        assert_int_equal(sh, 512);
        assert_int_equal(cgroup_parse_cpu_shares("1", &sh, &err), -EINVAL);
        assert_string_equal(err, "--cpu-shares \"1\": expected a number from 2 to 262144");
        free(err);

        assert_int_equal(cgroup_parse_pids_limit("-1", &v, &err), 0);
        assert_int_equal(v, -1);
        assert_int_equal(cgroup_parse_pids_limit("0", &v, &err), 0);
        assert_int_equal(v, -1);
        assert_int_equal(cgroup_parse_pids_limit("100", &v, &err), 0);
        assert_int_equal(v, 100);
        assert_int_equal(cgroup_parse_pids_limit("-2", &v, &err), -EINVAL);
        assert_string_equal(err, "--pids-limit \"-2\": expected -1 (unlimited) or a number");
        free(err);
        assert_int_equal(cgroup_parse_pids_limit("10x", &v, &err), -EINVAL);
        free(err);

        assert_int_equal(cgroup_cpu_shares_to_weight(2), 1);
        assert_int_equal(cgroup_cpu_shares_to_weight(1024), 39);
        assert_int_equal(cgroup_cpu_shares_to_weight(262144), 10000);
        assert_int_equal(cgroup_cpu_shares_to_weight(0), 0);

        assert_int_equal(cgroups_mode_from_string("no-conmon"), CGROUPS_NO_CONMON);
        assert_int_equal(cgroups_mode_from_string("split"), CGROUPS_SPLIT);
        assert_int_equal(cgroups_mode_from_string("off"), _CGROUPS_MODE_INVALID);
        assert_string_equal(cgroups_mode_to_string(CGROUPS_DISABLED), "disabled");
}

static void test_join_kill_stats_remove(void **state) {
        char *paths[] = {(char *) "fake/a", (char *) "fake/b", NULL};
        char *err = NULL, *t;
        CgroupStats st;
        int p[2], status;
        char buf[32];
        pid_t pid;

        mk("fake");
        mk("fake/a");
        mk("fake/b");
        put("fake/a/cgroup.procs", "");
        put("fake/b/cgroup.procs", "");

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                pause();
                _exit(0);
        }
        assert_int_equal(cgroup_join(tmp_fd, paths, pid, &err), 0);
        snprintf(buf, sizeof(buf), "%d", (int) pid);
        t = get("fake/b/cgroup.procs");
        assert_string_equal(t, buf);
        free(t);
        assert_int_equal(cgroup_is_populated(tmp_fd, paths), 1);
        /* the same pid in both hierarchies is signalled once */
        assert_int_equal(cgroup_kill(tmp_fd, paths, SIGTERM), 1);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

        put("fake/a/memory.usage_in_bytes", "4096\n");
        put("fake/a/memory.limit_in_bytes", "9223372036854771712\n");
        put("fake/b/pids.current", "3\n");
        put("fake/b/pids.max", "max\n");
        put("fake/b/cpu.stat", "usage_usec 1500\nuser_usec 1000\n");
        assert_int_equal(cgroup_read_stats(tmp_fd, paths, &st), 0);
        assert_int_equal(st.memory_usage, 4096);
        assert_int_equal(st.memory_limit, -1);
        assert_int_equal(st.pids_current, 3);
        assert_int_equal(st.pids_limit, -1);
        assert_int_equal(st.cpu_usage_ns, 1500000);

        /* joining a missing cgroup names it */
        char *missing[] = {(char *) "fake/none", NULL};
        assert_int_equal(cgroup_join(tmp_fd, missing, 1, &err), -ENOENT);
        assert_string_equal(err, "cgroup fake/none: join process 1: No such file or directory");
        free(err);
        err = NULL;

        /* remove: depth first (a real cgroupfs dir holds only virtual files; ours are empty dirs) */
        mk("gone");
        mk("gone/x");
        mk("gone/x/y");
        mk("gone/z");
        char *rm[] = {(char *) "gone", (char *) "never-existed", NULL};
        assert_int_equal(cgroup_remove(tmp_fd, rm, 100, &err), 0);
        assert_int_equal(faccessat(tmp_fd, "gone", F_OK, 0), -1);

        /* one path that cannot go (a directory with a file in it: ENOTEMPTY) does not keep the
         * others: they are removed, the first error is returned */
        mk("stuck");
        put("stuck/file", "x");
        mk("later");
        char *rm2[] = {(char *) "stuck", (char *) "later", NULL};
        assert_int_equal(cgroup_remove(tmp_fd, rm2, 20, &err), -ENOTEMPTY);
        assert_string_equal(err, "cgroup stuck: remove: Directory not empty");
        free(err);
        err = NULL;
        assert_int_equal(faccessat(tmp_fd, "later", F_OK, 0), -1);
        (void) p;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_detect_hybrid), cmocka_unit_test(test_detect_shadowed),
                cmocka_unit_test(test_detect_v2),     cmocka_unit_test(test_detect_combined),
                cmocka_unit_test(test_plan_hybrid),   cmocka_unit_test(test_plan_v2),
                cmocka_unit_test(test_plan_in_parent),
                cmocka_unit_test(test_parsers),       cmocka_unit_test(test_join_kill_stats_remove),
        };
        int r;

        if (setup(NULL) < 0)
                return 1;
        r = unit_run_tests("cgroup", tests, ELEMENTSOF(tests));
        teardown(NULL);
        return r;
}
