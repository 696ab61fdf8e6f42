/* rm_rf_at(): removes our own trees, never follows symlinks, and never enters another mount — the
 * bind-mount case runs as root in a private mount namespace of a child and is skipped otherwise. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit-test.h"

#include "common/macro.h"
#include "common/rm-rf.h"

static char base[PATH_MAX];

static void mk(const char *rel, mode_t mode) {
        char p[PATH_MAX * 2];

        snprintf(p, sizeof(p), "%s/%s", base, rel);
        assert_int_equal(mkdir(p, mode), 0);
}

static void touch(const char *rel) {
        char p[PATH_MAX * 2];
        int fd;

        snprintf(p, sizeof(p), "%s/%s", base, rel);
        fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
}

static bool exists(const char *rel) {
        char p[PATH_MAX * 2];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", base, rel);
        return lstat(p, &st) == 0;
}

static int setup(void **state) {
        const char *t = getenv("TMPDIR");

        snprintf(base, sizeof(base), "%s/skiff-test-rm-rf.XXXXXX", t && *t ? t : "/tmp");
        return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state) {
        char cmd[PATH_MAX + 32];

        snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", base);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_tree_with_locked_dirs_and_symlinks(void **state) {
        int fd;

        mk("outside", 0755);
        touch("outside/keep");
        mk("t", 0755);
        mk("t/a", 0755);
        mk("t/a/b", 0755);
        touch("t/a/b/f");
        mk("t/ro", 0755);
        touch("t/ro/f");
        assert_int_equal(chmod(strcat(strcpy((char[PATH_MAX * 2]){0}, base), "/t/ro"), 0500), 0);
        assert_int_equal(symlinkat("../outside", AT_FDCWD,
                                   strcat(strcpy((char[PATH_MAX * 2]){0}, base), "/t/link")), 0);

        fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(rm_rf_at(fd, "t"), 0);
        assert_false(exists("t"));
        assert_true(exists("outside/keep")); /* the symlink was removed, not followed */
        assert_int_equal(rm_rf_at(fd, "t"), 0); /* missing is fine */
        touch("file");
        assert_int_equal(rm_rf_at(fd, "file"), 0);
        assert_false(exists("file"));
        close(fd);
}

static void test_path_form(void **state) {
        char p[PATH_MAX * 2];

        mk("p", 0755);
        mk("p/q", 0755);
        touch("p/q/f");
        snprintf(p, sizeof(p), "%s/p", base);
        assert_int_equal(rm_rf_path(p), 0);
        assert_false(exists("p"));
        assert_int_equal(rm_rf_path("/"), -EINVAL);
}

/* A bind mount of a directory of the SAME file system inside the tree (what a leaked container mount
 * looks like; st_dev cannot tell it apart): rm_rf_at() must stop there and leave its content. */
static void test_never_enters_a_bind_mount(void **state) {
        int status;
        pid_t pid;

        if (geteuid() != 0)
                skip();
        mk("host", 0755);
        touch("host/precious");
        mk("m", 0755);
        mk("m/inner", 0755);
        touch("m/gone");

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char src[PATH_MAX * 2], dst[PATH_MAX * 2];
                int fd, r;

                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(77);
                snprintf(src, sizeof(src), "%s/host", base);
                snprintf(dst, sizeof(dst), "%s/m/inner", base);
                if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
                        _exit(77);
                fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                r = rm_rf_at(fd, "m");
                if (r != -EBUSY)
                        _exit(1);
                if (access(src, F_OK) < 0 || access(strcat(src, "/precious"), F_OK) < 0)
                        _exit(2);
                if (access(strcat(strcpy((char[PATH_MAX * 2]){0}, base), "/m/gone"), F_OK) == 0)
                        _exit(3); /* the rest is still removed */
                struct stat st;
                if (stat(strcat(strcpy((char[PATH_MAX * 2]){0}, base), "/host"), &st) < 0 ||
                    (st.st_mode & 07777) != 0755)
                        _exit(4); /* not chmod'ed through the mount */
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 77)
                skip();
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_true(exists("host/precious"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_tree_with_locked_dirs_and_symlinks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_path_form, setup, teardown),
                cmocka_unit_test_setup_teardown(test_never_enters_a_bind_mount, setup, teardown),
        };

        return unit_run_tests("rm-rf", tests, ELEMENTSOF(tests));
}
