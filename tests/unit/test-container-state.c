/* Container records (src/runtime/state.c) and CRI log lines (src/runtime/ctr-log.c), in a tmpdir. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "common/strv.h"
#include "runtime/ctr-log.h"
#include "runtime/monitor.h"
#include "runtime/state.h"
#include "unit-test.h"

typedef struct Fixture {
        char dir[PATH_MAX];
        SkiffPaths paths;
        ContainerStore *store;
} Fixture;

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        const char *tmp = getenv("TMPDIR") ?: "/tmp";

        snprintf(f->dir, sizeof(f->dir), "%s/test-state-XXXXXX", tmp);
        assert_non_null(mkdtemp(f->dir));
        assert_true(asprintf(&f->paths.root, "%s/root", f->dir) > 0);
        assert_true(asprintf(&f->paths.runroot, "%s/run", f->dir) > 0);
        assert_int_equal(container_store_open(&f->paths, &f->store), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        char cmd[PATH_MAX + 16];

        container_store_free(f->store);
        free(f->paths.root);
        free(f->paths.runroot);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static ContainerConfig *new_config(const char *name) {
        ContainerConfig *c = calloc(1, sizeof(*c));

        assert_int_equal(container_id_generate(c->id), 0);
        c->name = strdup(name);
        c->image = strdup("localhost/busybox:latest");
        assert_int_equal(strv_extend(&c->labels, "a=b"), 0);
        assert_int_equal(strv_extend(&c->labels, "empty="), 0);
        assert_int_equal(strv_extend(&c->create_argv, "skiff"), 0);
        assert_int_equal(strv_extend(&c->create_argv, "run"), 0);
        assert_int_equal(strv_extend(&c->create_argv, "--name=x y"), 0);
        c->plan_json = strdup("{\"argv\":[\"/bin/sh\"],\"n\":1}");
        c->restart = RESTART_ON_FAILURE;
        c->restart_max = 2;
        c->stop_signal = SIGINT;
        c->stop_timeout = 3;
        return c;
}

static bool exists(Fixture *f, const char *sub) {
        _cleanup_free_ char *p = NULL;
        struct stat st;

        assert_true(asprintf(&p, "%s/%s", f->dir, sub) >= 0);
        return lstat(p, &st) == 0;
}

static void test_create_load_roundtrip(void **state) {
        Fixture *f = *state;
        _cleanup_(container_config_freep) ContainerConfig *c = new_config("web"), *back = NULL;
        ContainerState st = {};
        char id[CONTAINER_ID_LEN + 1];

        assert_int_equal(container_create(f->store, c, NULL), 0);
        assert_int_equal(container_lookup(f->store, "web", id), 0);
        assert_string_equal(id, c->id);
        assert_int_equal(container_config_load(f->store, id, &back), 0);
        assert_string_equal(back->name, "web");
        assert_string_equal(back->image, "localhost/busybox:latest");
        assert_true(strv_contains(back->labels, "a=b"));
        assert_true(strv_contains(back->labels, "empty="));
        assert_string_equal(back->create_argv[2], "--name=x y");
        assert_int_equal(back->restart, RESTART_ON_FAILURE);
        assert_int_equal(back->restart_max, 2);
        assert_int_equal(back->stop_signal, SIGINT);
        assert_int_equal(back->stop_timeout, 3);
        assert_non_null(strstr(back->plan_json, "\"argv\""));
        assert_int_equal(container_state_load(f->store, id, &st), 0);
        assert_int_equal(st.status, CONTAINER_STATUS_CREATED);
        container_state_done(&st);
}

static void test_name_unique(void **state) {
        Fixture *f = *state;
        _cleanup_(container_config_freep) ContainerConfig *a = new_config("db"), *b = new_config("db");
        _cleanup_free_ char *err = NULL;
        _cleanup_strv_free_ char **l = NULL;

        assert_int_equal(container_create(f->store, a, NULL), 0);
        assert_int_equal(container_create(f->store, b, &err), -EEXIST);
        assert_non_null(err);
        assert_non_null(strstr(err, a->id));
        /* nothing of b left behind */
        assert_int_equal(container_list(f->store, &l), 0);
        assert_int_equal(strv_length(l), 1);
        /* after removal the name is free again */
        assert_int_equal(container_remove(f->store, a->id), 0);
        assert_int_equal(container_create(f->store, b, NULL), 0);
}

static void test_invalid_names(void **state) {
        assert_true(container_name_is_valid("a"));
        assert_true(container_name_is_valid("a.b-c_d9"));
        assert_false(container_name_is_valid(""));
        assert_false(container_name_is_valid("-a"));
        assert_false(container_name_is_valid("a/b"));
        assert_false(container_name_is_valid("../x"));
        assert_false(container_name_is_valid("a b"));
}

static void test_prefix_lookup(void **state) {
        Fixture *f = *state;
        _cleanup_(container_config_freep) ContainerConfig *a = new_config("one"), *b = new_config("two");
        char id[CONTAINER_ID_LEN + 1], pfx[CONTAINER_ID_LEN + 1];

        memcpy(a->id, "abc1", 4);
        memcpy(b->id, "abc2", 4);
        assert_int_equal(container_create(f->store, a, NULL), 0);
        assert_int_equal(container_create(f->store, b, NULL), 0);
        assert_int_equal(container_lookup(f->store, "abc", id), -ENOTUNIQ);
        assert_int_equal(container_lookup(f->store, "abc1", id), 0);
        assert_string_equal(id, a->id);
        snprintf(pfx, sizeof(pfx), "%.12s", b->id);
        assert_int_equal(container_lookup(f->store, pfx, id), 0);
        assert_string_equal(id, b->id);
        assert_int_equal(container_lookup(f->store, b->id, id), 0);
        assert_int_equal(container_lookup(f->store, "abd", id), -ENOENT);
        assert_int_equal(container_lookup(f->store, "nope", id), -ENOENT);
        assert_int_equal(container_lookup(f->store, "", id), -ENOENT);
}

static void test_remove_leaves_nothing(void **state) {
        Fixture *f = *state;
        _cleanup_(container_config_freep) ContainerConfig *c = new_config("gone");
        char sub[PATH_MAX];
        int lock;

        assert_int_equal(container_create(f->store, c, NULL), 0);
        lock = container_lock(f->store, c->id);
        assert_true(lock >= 0);
        close(lock);
        assert_int_equal(container_remove(f->store, c->id), 0);
        snprintf(sub, sizeof(sub), "root/containers/%s", c->id);
        assert_false(exists(f, sub));
        snprintf(sub, sizeof(sub), "run/containers/%s", c->id);
        assert_false(exists(f, sub));
        snprintf(sub, sizeof(sub), "run/containers/%s.lock", c->id);
        assert_false(exists(f, sub));
        assert_false(exists(f, "root/containers/names/gone"));
        assert_int_equal(container_remove(f->store, c->id), -ENOENT);
}

/* Simulated crashes: the debris each step can leave is repaired by the next open. */
static void test_crash_repair(void **state) {
        Fixture *f = *state;
        _cleanup_(container_config_freep) ContainerConfig *c = new_config("crashy"),
                                                          *d = new_config("orphan");
        _cleanup_strv_free_ char **l = NULL;
        char from[PATH_MAX * 2], to[PATH_MAX * 2], id[CONTAINER_ID_LEN + 1];

        assert_int_equal(container_create(f->store, c, NULL), 0);
        assert_int_equal(container_create(f->store, d, NULL), 0);
        /* 1. crash during removal: config dir renamed aside, link and state still there */
        snprintf(from, sizeof(from), "%s/root/containers/%s", f->dir, c->id);
        snprintf(to, sizeof(to), "%s/root/containers/.rm-%s", f->dir, c->id);
        assert_int_equal(rename(from, to), 0);
        /* 2. crash during create: a .tmp- dir */
        snprintf(to, sizeof(to), "%s/root/containers/.tmp-%064d", f->dir, 0);
        assert_int_equal(mkdir(to, 0700), 0);
        /* 3. a lost name link */
        snprintf(to, sizeof(to), "%s/root/containers/names/orphan", f->dir);
        assert_int_equal(unlink(to), 0);

        container_store_free(f->store);
        assert_int_equal(container_store_open(&f->paths, &f->store), 0);
        assert_false(exists(f, "root/containers/names/crashy"));
        snprintf(to, sizeof(to), "root/containers/.rm-%s", c->id);
        assert_false(exists(f, to));
        snprintf(to, sizeof(to), "run/containers/%s", c->id);
        assert_false(exists(f, to));
        assert_int_equal(container_lookup(f->store, "crashy", id), -ENOENT);
        assert_int_equal(container_list(f->store, &l), 0);
        assert_int_equal(strv_length(l), 1);
        assert_int_equal(container_lookup(f->store, "orphan", id), 0);
        assert_string_equal(id, d->id);
}

static void test_stale_running_becomes_exited(void **state) {
        Fixture *f = *state;
        _cleanup_(container_config_freep) ContainerConfig *c = new_config("stale");
        ContainerState st = {.status = CONTAINER_STATUS_RUNNING}, back = {};
        pid_t dead, victim;
        int status;

        assert_int_equal(container_create(f->store, c, NULL), 0);
        dead = fork();
        if (dead == 0)
                _exit(0);
        assert_int_equal(waitpid(dead, &status, 0), dead);
        /* a "container" process that outlived its monitor */
        victim = fork();
        if (victim == 0) {
                pause();
                _exit(0);
        }
        st.monitor_pid = dead;
        st.pid = victim;
        assert_int_equal(proc_starttime(victim, &st.pid_starttime), 0);
        assert_int_equal(container_state_save(f->store, c->id, &st), 0);
        assert_int_equal(container_state_load(f->store, c->id, &back), 0);
        assert_int_equal(back.status, CONTAINER_STATUS_EXITED);
        assert_non_null(back.exit_reason);
        assert_non_null(strstr(back.exit_reason, "monitor"));
        assert_non_null(back.finished_at);
        assert_int_equal(back.exit_code, 128 + SIGKILL);
        assert_int_equal(waitpid(victim, &status, 0), victim);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        container_state_done(&back);
}

static void test_state_roundtrip_live(void **state) {
        Fixture *f = *state;
        _cleanup_(container_config_freep) ContainerConfig *c = new_config("live");
        ContainerState st = {.status = CONTAINER_STATUS_RUNNING,
                             .monitor_pid = getpid(),
                             .restart_count = 2},
                       back = {};

        assert_int_equal(proc_starttime(getpid(), &st.monitor_starttime), 0);
        st.started_at = strdup("2026-11-23T12:00:00.123456789Z");
        assert_int_equal(strv_extend(&st.cgroup_paths, "memory/x"), 0);
        assert_int_equal(container_create(f->store, c, NULL), 0);
        assert_int_equal(container_state_save(f->store, c->id, &st), 0);
        assert_int_equal(container_state_load(f->store, c->id, &back), 0);
        assert_int_equal(back.status, CONTAINER_STATUS_RUNNING);
        assert_int_equal(back.restart_count, 2);
        assert_string_equal(back.started_at, st.started_at);
        assert_string_equal(back.cgroup_paths[0], "memory/x");
        container_state_done(&st);
        container_state_done(&back);
}

static void test_restart_policy(void **state) {
        RestartPolicy p;
        unsigned max;

        assert_int_equal(restart_policy_parse("no", &p, &max), 0);
        assert_int_equal(p, RESTART_NO);
        assert_int_equal(restart_policy_parse("on-failure:2", &p, &max), 0);
        assert_int_equal(p, RESTART_ON_FAILURE);
        assert_int_equal(max, 2);
        assert_int_equal(restart_policy_parse("on-failure", &p, &max), 0);
        assert_int_equal(max, 0);
        assert_int_equal(restart_policy_parse("always", &p, &max), 0);
        assert_int_equal(restart_policy_parse("unless-stopped", &p, &max), 0);
        assert_int_equal(restart_policy_parse("on-failure:", &p, &max), -EINVAL);
        assert_int_equal(restart_policy_parse("on-failure:x", &p, &max), -EINVAL);
        assert_int_equal(restart_policy_parse("sometimes", &p, &max), -EINVAL);

        assert_true(restart_policy_should_restart(RESTART_ON_FAILURE, 2, 0, 1, false));
        assert_true(restart_policy_should_restart(RESTART_ON_FAILURE, 2, 1, 1, false));
        assert_false(restart_policy_should_restart(RESTART_ON_FAILURE, 2, 2, 1, false));
        assert_false(restart_policy_should_restart(RESTART_ON_FAILURE, 2, 0, 0, false));
        assert_true(restart_policy_should_restart(RESTART_ALWAYS, 0, 100, 0, false));
        assert_false(restart_policy_should_restart(RESTART_ALWAYS, 0, 0, 0, true));
        assert_false(restart_policy_should_restart(RESTART_NO, 0, 0, 1, false));
        assert_int_equal(restart_backoff_usec(1), 100000);
        assert_int_equal(restart_backoff_usec(2), 200000);
        assert_int_equal(restart_backoff_usec(40), 10000000);
}

/* The monitor as a systemd unit's main process ends with the container's status, as conmon does. */
static void test_monitor_exit_status(void **state) {
        ContainerConfig c = {};
        char sd[] = "ignore";

        (void) state;
        assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
        assert_int_equal(monitor_exit_status(&c, 7, false, 0), 0);
        assert_int_equal(monitor_exit_status(&c, 7, false, -EIO), 1);
        assert_int_equal(setenv("NOTIFY_SOCKET", "/run/notify", 1), 0);
        assert_int_equal(monitor_exit_status(&c, 7, false, 0), 7);
        assert_int_equal(monitor_exit_status(&c, 137, false, 0), 137);
        assert_int_equal(monitor_exit_status(&c, 143, true, 0), 0);
        assert_int_equal(monitor_exit_status(&c, 0, false, 0), 0);
        c.sdnotify = sd;
        assert_int_equal(monitor_exit_status(&c, 7, false, 0), 0);
        assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
}

static void test_rfc3339(void **state) {
        char buf[40];
        int64_t a, b;

        assert_int_equal(rfc3339_parse("1970-01-01T00:00:01.5Z", &a), 0);
        assert_int_equal(a, 1500000000);
        assert_int_equal(rfc3339_parse("1970-01-01T01:00:01+01:00", &b), 0);
        assert_int_equal(b, 1000000000);
        assert_int_equal(rfc3339_parse(rfc3339_nanos_now(buf, sizeof(buf)), &a), 0);
        assert_int_equal(strlen(buf), 30);
        assert_int_equal(rfc3339_parse("1970-01-01", &a), -EINVAL);
        assert_int_equal(rfc3339_parse("1970-01-01T00:00:00", &a), -EINVAL);
        assert_int_equal(rfc3339_parse("1970-13-01T00:00:00Z", &a), -EINVAL);
        assert_int_equal(rfc3339_parse("1970-01-01T00:00:00.Z", &a), -EINVAL);
}

static void test_ctr_log_write_parse(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *path = NULL, *text = NULL;
        char big[CTR_LOG_LINE_MAX + 10];
        CtrLog *l = NULL;
        CtrLogRecord rec;
        char *line, *save = NULL;
        int n = 0;

        assert_true(asprintf(&path, "%s/ctr.log", f->dir) > 0);
        assert_int_equal(ctr_log_open(LOG_DRIVER_K8S_FILE, path, "n", "id", &l), 0);
        assert_int_equal(ctr_log_write(l, CTR_STREAM_STDOUT, "hel", 3), 0);
        assert_int_equal(ctr_log_write(l, CTR_STREAM_STDERR, "err\n", 4), 0);
        assert_int_equal(ctr_log_write(l, CTR_STREAM_STDOUT, "lo\n\nx", 5), 0);
        memset(big, 'b', sizeof(big));
        assert_int_equal(ctr_log_write(l, CTR_STREAM_STDOUT, big, sizeof(big)), 0);
        l = ctr_log_free(l); /* flushes the unterminated rest as P */
        assert_int_equal(read_full_file_at(AT_FDCWD, path, 0, &text, NULL), 0);

        const struct {
                CtrStream s;
                bool partial;
                size_t len;
                const char *msg;
        } want[] = {
                {CTR_STREAM_STDOUT, true, 3, "hel"}, {CTR_STREAM_STDERR, false, 3, "err"},
                {CTR_STREAM_STDOUT, false, 2, "lo"}, {CTR_STREAM_STDOUT, false, 0, ""},
                {CTR_STREAM_STDOUT, true, 1, "x"},   {CTR_STREAM_STDOUT, true, CTR_LOG_LINE_MAX, NULL},
                {CTR_STREAM_STDOUT, true, 10, NULL},
        };
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
                assert_true(n < (int) ELEMENTSOF(want));
                assert_int_equal(ctr_log_parse_line(line, strlen(line), &rec), 0);
                assert_int_equal(rec.stream, want[n].s);
                assert_int_equal(rec.partial, want[n].partial);
                assert_int_equal(rec.msg_len, want[n].len);
                if (want[n].msg)
                        assert_memory_equal(rec.msg, want[n].msg, rec.msg_len);
        }
        assert_int_equal(n, ELEMENTSOF(want));
}

static void test_ctr_log_parse_bad(void **state) {
        CtrLogRecord rec;
        const char *bad[] = {"",
                             "x",
                             "2026-11-23T12:00:00Z",
                             "2026-11-23T12:00:00Z stdin F x",
                             "2026-11-23T12:00:00Z stdout X x",
                             "2026-11-23T12:00:00Z stdout Fx",
                             "notatime stdout F x"};

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(ctr_log_parse_line(bad[i], strlen(bad[i]), &rec), -EBADMSG);
        assert_int_equal(ctr_log_parse_line("2026-11-23T12:00:00.5Z stderr F", 31, &rec), 0);
        assert_int_equal(rec.msg_len, 0);
        assert_int_equal(rec.stream, CTR_STREAM_STDERR);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_create_load_roundtrip),         T(test_name_unique),
                cmocka_unit_test(test_invalid_names),  T(test_prefix_lookup),
                T(test_remove_leaves_nothing),         T(test_crash_repair),
                T(test_stale_running_becomes_exited),  T(test_state_roundtrip_live),
                cmocka_unit_test(test_restart_policy), cmocka_unit_test(test_rfc3339),
                cmocka_unit_test(test_monitor_exit_status),
                T(test_ctr_log_write_parse),           cmocka_unit_test(test_ctr_log_parse_bad),
        };

        return unit_run_tests("container-state", tests, ELEMENTSOF(tests));
}
