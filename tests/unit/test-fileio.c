/* File helpers, each test in a fresh directory under $TMPDIR (removed afterwards). Runs as any user. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit-test.h"

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/macro.h"

typedef struct TmpDir {
        char path[PATH_MAX];
        int fd;
} TmpDir;

static int setup_tmpdir(void **state) {
        TmpDir *t = calloc(1, sizeof(TmpDir));
        const char *base = getenv("TMPDIR");

        if (!t)
                return -1;
        snprintf(t->path, sizeof(t->path), "%s/skiff-test-fileio.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(t->path)) {
                free(t);
                return -1;
        }
        t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (t->fd < 0) {
                free(t);
                return -1;
        }
        *state = t;
        return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int teardown_tmpdir(void **state) {
        TmpDir *t = *state;

        close(t->fd);
        nftw(t->path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(t);
        return 0;
}

/* Names in dir_fd/sub (sorted, "." and ".." left out), joined by ','. */
static char *list_dir(int dir_fd, const char *sub) {
        int fd = openat(dir_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char *out = calloc(1, 4096);
        DIR *d;
        int n = 0;

        assert_true(fd >= 0);
        assert_non_null(out);
        d = fdopendir(fd);
        assert_non_null(d);
        {
                struct dirent *e;
                char *all[64];
                while ((e = readdir(d))) {
                        if (streq(e->d_name, ".") || streq(e->d_name, ".."))
                                continue;
                        assert_true(n < 64);
                        all[n++] = strdup(e->d_name);
                }
                for (int i = 0; i < n; i++)
                        for (int j = i + 1; j < n; j++)
                                if (strcmp(all[j], all[i]) < 0) {
                                        char *x = all[i];
                                        all[i] = all[j];
                                        all[j] = x;
                                }
                for (int i = 0; i < n; i++) {
                        if (i)
                                strcat(out, ",");
                        strcat(out, all[i]);
                        free(all[i]);
                }
        }
        closedir(d);
        return out;
}

static void read_expect(int dir_fd, const char *path, const char *want, size_t want_len) {
        _cleanup_free_ char *buf = NULL;
        size_t size = SIZE_MAX;

        assert_int_equal(read_full_file_at(dir_fd, path, 0, &buf, &size), 0);
        assert_int_equal(size, want_len);
        assert_memory_equal(buf, want, want_len);
        assert_int_equal(buf[size], 0);
}

static mode_t mode_of(int dir_fd, const char *path) {
        struct stat st;

        assert_int_equal(fstatat(dir_fd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
        return st.st_mode;
}

static void test_write_atomic_creates_and_replaces(void **state) {
        TmpDir *t = *state;
        _cleanup_free_ char *names = NULL;

        assert_int_equal(write_file_atomic_at(t->fd, "conf", "one\n", 4, 0644), 0);
        read_expect(t->fd, "conf", "one\n", 4);

        assert_int_equal(write_file_atomic_at(t->fd, "conf", "second version\n", 15, 0644), 0);
        read_expect(t->fd, "conf", "second version\n", 15);

        /* Shorter content replaces, it does not overwrite in place. */
        assert_int_equal(write_file_atomic_at(t->fd, "conf", "x", 1, 0644), 0);
        read_expect(t->fd, "conf", "x", 1);

        /* Empty content is a file of size 0. */
        assert_int_equal(write_file_atomic_at(t->fd, "empty", "", 0, 0644), 0);
        read_expect(t->fd, "empty", "", 0);

        /* No temporary file left behind. */
        names = list_dir(t->fd, ".");
        assert_string_equal(names, "conf,empty");
}

static void test_write_atomic_replaces_inode(void **state) {
        TmpDir *t = *state;
        struct stat before, after;
        int fd;

        assert_int_equal(write_file_atomic_at(t->fd, "f", "old", 3, 0644), 0);
        /* A reader holding the old file keeps seeing the old content: the file is renamed over. */
        fd = openat(t->fd, "f", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &before), 0);
        assert_int_equal(write_file_atomic_at(t->fd, "f", "new!", 4, 0644), 0);
        assert_int_equal(fstatat(t->fd, "f", &after, 0), 0);
        assert_true(before.st_ino != after.st_ino);
        {
                char buf[8] = {};
                assert_int_equal(pread(fd, buf, sizeof(buf), 0), 3);
                assert_string_equal(buf, "old");
        }
        close(fd);
        read_expect(t->fd, "f", "new!", 4);
}

static void test_write_atomic_mode(void **state) {
        TmpDir *t = *state;
        mode_t old = umask(077);

        /* The mode is set explicitly, whatever the umask says. */
        assert_int_equal(write_file_atomic_at(t->fd, "a", "1", 1, 0644), 0);
        assert_int_equal(mode_of(t->fd, "a") & 07777, 0644);
        umask(0);
        assert_int_equal(write_file_atomic_at(t->fd, "b", "1", 1, 0600), 0);
        assert_int_equal(mode_of(t->fd, "b") & 07777, 0600);
        assert_int_equal(write_file_atomic_at(t->fd, "c", "1", 1, 0400), 0);
        assert_int_equal(mode_of(t->fd, "c") & 07777, 0400);
        /* Replacing takes the new mode, not the old file's. */
        assert_int_equal(write_file_atomic_at(t->fd, "a", "2", 1, 0640), 0);
        assert_int_equal(mode_of(t->fd, "a") & 07777, 0640);
        assert_true(S_ISREG(mode_of(t->fd, "a")));
        umask(old);
}

static void test_write_atomic_subdir_and_absolute(void **state) {
        TmpDir *t = *state;
        _cleanup_free_ char *names = NULL, *abs = NULL;

        assert_int_equal(mkdirat(t->fd, "sub", 0755), 0);
        assert_int_equal(write_file_atomic_at(t->fd, "sub/file.json", "{}", 2, 0644), 0);
        read_expect(t->fd, "sub/file.json", "{}", 2);
        names = list_dir(t->fd, "sub");
        assert_string_equal(names, "file.json");
        free(names);

        assert_true(asprintf(&abs, "%s/sub/abs", t->path) > 0);
        assert_int_equal(write_file_atomic_at(AT_FDCWD, abs, "A", 1, 0644), 0);
        read_expect(t->fd, "sub/abs", "A", 1);
        names = list_dir(t->fd, "sub");
        assert_string_equal(names, "abs,file.json");
}

static void test_write_atomic_failure_leaves_nothing(void **state) {
        TmpDir *t = *state;
        _cleanup_free_ char *names = NULL;

        /* The directory does not exist: nothing can be written. */
        assert_int_equal(write_file_atomic_at(t->fd, "missing/file", "x", 1, 0644), -ENOENT);

        /* The rename fails (a directory is in the way): the temporary file is removed again. */
        assert_int_equal(mkdirat(t->fd, "dir", 0755), 0);
        assert_int_equal(mkdirat(t->fd, "dir/inner", 0755), 0);
        assert_int_equal(write_file_atomic_at(t->fd, "dir", "x", 1, 0644), -EISDIR);
        names = list_dir(t->fd, ".");
        assert_string_equal(names, "dir");
        free(names);
        names = list_dir(t->fd, "dir");
        assert_string_equal(names, "inner");
}

static void test_read_full_file_binary(void **state) {
        TmpDir *t = *state;
        const char data[] = {'a', 0, 'b', '\n', 0};

        assert_int_equal(write_file_atomic_at(t->fd, "bin", data, sizeof(data), 0644), 0);
        read_expect(t->fd, "bin", data, sizeof(data));
}

static void test_read_full_file_large(void **state) {
        TmpDir *t = *state;
        const size_t n = 300 * 1024 + 7; /* several growth steps of the buffer */
        _cleanup_free_ char *data = malloc(n), *buf = NULL;
        size_t size = 0;

        assert_non_null(data);
        for (size_t i = 0; i < n; i++)
                data[i] = (char) ('a' + i % 26);
        assert_int_equal(write_file_atomic_at(t->fd, "big", data, n, 0644), 0);
        assert_int_equal(read_full_file_at(t->fd, "big", 0, &buf, &size), 0);
        assert_int_equal(size, n);
        assert_memory_equal(buf, data, n);
        free(buf);
        buf = NULL;

        /* A limit above the size is no limit. */
        assert_int_equal(read_full_file_at(t->fd, "big", n + 1, &buf, &size), 0);
        assert_int_equal(size, n);
        free(buf);
        buf = NULL;
        /* Exactly the size is allowed; one byte less is -EFBIG. */
        assert_int_equal(read_full_file_at(t->fd, "big", n, &buf, &size), 0);
        assert_int_equal(size, n);
        free(buf);
        buf = NULL;
        assert_int_equal(read_full_file_at(t->fd, "big", n - 1, &buf, &size), -EFBIG);
        assert_null(buf);
}

static void test_read_full_file_max(void **state) {
        TmpDir *t = *state;
        char *buf = NULL;
        size_t size = 12345;

        assert_int_equal(write_file_atomic_at(t->fd, "ten", "0123456789", 10, 0644), 0);
        assert_int_equal(read_full_file_at(t->fd, "ten", 9, &buf, &size), -EFBIG);
        assert_null(buf);
        assert_int_equal(size, 12345);
        assert_int_equal(read_full_file_at(t->fd, "ten", 1, &buf, &size), -EFBIG);
        assert_int_equal(read_full_file_at(t->fd, "ten", 10, &buf, &size), 0);
        assert_int_equal(size, 10);
        assert_string_equal(buf, "0123456789");
        free(buf);
        buf = NULL;
        assert_int_equal(read_full_file_at(t->fd, "ten", 11, &buf, NULL), 0); /* size is optional */
        assert_string_equal(buf, "0123456789");
        free(buf);
}

static void test_read_full_file_errors(void **state) {
        TmpDir *t = *state;
        char *buf = NULL;
        size_t size = 0;

        assert_int_equal(read_full_file_at(t->fd, "nope", 0, &buf, &size), -ENOENT);
        assert_int_equal(mkdirat(t->fd, "d", 0755), 0);
        assert_int_equal(read_full_file_at(t->fd, "d", 0, &buf, &size), -EISDIR);
        assert_null(buf);
}

static void test_read_full_stream(void **state) {
        char text[] = "line 1\nline 2\n";
        FILE *f = fmemopen(text, strlen(text), "r");
        char *buf = NULL;
        size_t size = 0;

        assert_non_null(f);
        assert_int_equal(read_full_stream(f, 0, &buf, &size), 0);
        assert_int_equal(size, 14);
        assert_string_equal(buf, text);
        free(buf);
        fclose(f);

        f = fmemopen(text, strlen(text), "r");
        buf = NULL;
        assert_int_equal(read_full_stream(f, 13, &buf, &size), -EFBIG);
        assert_null(buf);
        fclose(f);
}

static void test_mkdir_p(void **state) {
        TmpDir *t = *state;
        _cleanup_free_ char *deep = NULL, *slash = NULL;
        mode_t old = umask(0);

        assert_true(asprintf(&deep, "%s/a/b/c", t->path) > 0);
        assert_int_equal(mkdir_p(deep, 0750), 0);
        assert_true(S_ISDIR(mode_of(t->fd, "a/b/c")));
        /* Every component created gets the mode. */
        assert_int_equal(mode_of(t->fd, "a") & 07777, 0750);
        assert_int_equal(mode_of(t->fd, "a/b") & 07777, 0750);
        assert_int_equal(mode_of(t->fd, "a/b/c") & 07777, 0750);

        /* Existing directories are fine, and their mode is left alone. */
        assert_int_equal(mkdir_p(deep, 0700), 0);
        assert_int_equal(mode_of(t->fd, "a/b/c") & 07777, 0750);

        /* A trailing slash and repeated slashes. */
        assert_true(asprintf(&slash, "%s/x//y/", t->path) > 0);
        assert_int_equal(mkdir_p(slash, 0755), 0);
        assert_true(S_ISDIR(mode_of(t->fd, "x/y")));
        umask(old);
}

static void test_mkdir_p_errors(void **state) {
        TmpDir *t = *state;
        _cleanup_free_ char *under_file = NULL;

        assert_int_equal(write_file_atomic_at(t->fd, "file", "x", 1, 0644), 0);
        assert_true(asprintf(&under_file, "%s/file/sub", t->path) > 0);
        assert_int_equal(mkdir_p(under_file, 0755), -ENOTDIR);
}

/* KNOWN BUG (src/common/fileio.c, mkdir_p): EEXIST is taken as success without checking that what
 * exists is a directory, so mkdir_p("DIR/file") returns 0 when "file" is a regular file. `mkdir -p`
 * (which the header promises) fails there ("File exists"), and systemd's mkdir_p() returns -ENOTDIR.
 * A caller then fails later and further away, at the first openat() below the "directory". */
static void test_mkdir_p_existing_file(void **state) {
        TmpDir *t = *state;
        _cleanup_free_ char *p = NULL;

        assert_int_equal(write_file_atomic_at(t->fd, "file", "x", 1, 0644), 0);
        assert_true(asprintf(&p, "%s/file", t->path) > 0);
        assert_int_equal(mkdir_p(p, 0755), -ENOTDIR);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_tmpdir, teardown_tmpdir)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_write_atomic_creates_and_replaces),
                T(test_write_atomic_replaces_inode),
                T(test_write_atomic_mode),
                T(test_write_atomic_subdir_and_absolute),
                T(test_write_atomic_failure_leaves_nothing),
                T(test_read_full_file_binary),
                T(test_read_full_file_large),
                T(test_read_full_file_max),
                T(test_read_full_file_errors),
                cmocka_unit_test(test_read_full_stream),
                T(test_mkdir_p),
                T(test_mkdir_p_errors),
                T(test_mkdir_p_existing_file),
        };

        return unit_run_tests("tests", tests, ELEMENTSOF(tests));
}
