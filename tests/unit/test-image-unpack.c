/* Layer unpacking, good paths: plain/gzip/zstd give the same tree and diff_id; whiteouts, opaque dirs,
 * hard links, modes (setuid, read-only dirs), times, xattrs, ownership. The hostile inputs are in
 * tests/cli/image-hostile.bats (crafted by a python script); a few are repeated here at the API. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/macro.h"
#include "image-test-util.h"
#include "image/digest.h"
#include "image/unpack.h"
#include "unit-test.h"

typedef struct Ctx {
        char *dir;
        int fd;
} Ctx;

static int setup(void **state) {
        Ctx *c = calloc(1, sizeof(*c));

        if (!c || !(c->dir = make_tmpdir("unpack")))
                return -1;
        c->fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        *state = c;
        return c->fd < 0 ? -1 : 0;
}

static int teardown(void **state) {
        Ctx *c = *state;

        close(c->fd);
        rm_rf(c->dir);
        free(c->dir);
        free(c);
        return 0;
}

static int unpack(Ctx *c, const TarEntry *e, size_t n, TarFilter f, UnpackFlags flags, UnpackResult *res,
                  char **err) {
        int fd = tar_build(e, n, f);
        int r;

        assert_true(fd >= 0);
        r = layer_unpack(fd, c->fd, "layer sha256:test", flags, res, err);
        close(fd);
        return r;
}

static void diff_id_of(const TarEntry *e, size_t n, char out[static DIGEST_STRING_SIZE]) {
        int fd = tar_build(e, n, TAR_PLAIN);
        size_t len = 0;
        char *buf = fd_read_all(fd, &len);

        assert_non_null(buf);
        assert_int_equal(digest_buffer(buf, len, out), 0);
        free(buf);
        close(fd);
}

static const TarEntry basic[] = {
        {.name = "bin", .type = AE_IFDIR},
        {.name = "bin/tool", .type = AE_IFREG, .mode = 04755, .data = "#!/bin/sh\necho hi\n"},
        {.name = "bin/link", .type = AE_IFLNK, .link = "tool"},
        {.name = "bin/hard", .link = "bin/tool"},
        {.name = "etc/conf", .type = AE_IFREG, .data = "x=1\n", .mtime = 1234567890},
        {.name = "ro", .type = AE_IFDIR, .mode = 0555, .mtime = 1111111111},
        {.name = "ro/inside", .type = AE_IFREG, .data = "written into a 0555 dir"},
        {.name = "./dot/./slash//x", .type = AE_IFREG, .data = "normalised"},
        {.name = "fifo", .type = AE_IFIFO, .mode = 0600},
};

static void check_basic_tree(Ctx *c) {
        struct stat st, st2;
        char buf[64] = {};

        assert_int_equal(fstatat(c->fd, "bin/tool", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_mode & 07777, 04755);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(fstatat(c->fd, "bin/hard", &st2, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_ino, st2.st_ino);
        assert_int_equal(st.st_nlink, 2);
        assert_int_equal(readlinkat(c->fd, "bin/link", buf, sizeof(buf) - 1), 4);
        assert_string_equal(buf, "tool");
        assert_int_equal(fstatat(c->fd, "etc/conf", &st, 0), 0);
        assert_int_equal(st.st_mtim.tv_sec, 1234567890);
        assert_int_equal(fstatat(c->fd, "ro", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 0555);
        assert_int_equal(st.st_mtim.tv_sec, 1111111111); /* not changed by the file written into it */
        assert_int_equal(fstatat(c->fd, "ro/inside", &st, 0), 0);
        assert_int_equal(fstatat(c->fd, "dot/slash/x", &st, 0), 0);
        assert_int_equal(fstatat(c->fd, "fifo", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISFIFO(st.st_mode));
        /* implicit parent */
        assert_int_equal(fstatat(c->fd, "etc", &st, 0), 0);
        assert_true(S_ISDIR(st.st_mode));
}

static void test_plain_gzip_zstd(void **state) {
        Ctx *c = *state;
        const TarFilter filters[] = {TAR_PLAIN, TAR_GZIP, TAR_ZSTD};
        char want[DIGEST_STRING_SIZE];

        diff_id_of(basic, ELEMENTSOF(basic), want);
        for (size_t i = 0; i < ELEMENTSOF(filters); i++) {
                _cleanup_free_ char *err = NULL;
                UnpackResult res;
                char sub[32];
                int fd;

                snprintf(sub, sizeof(sub), "f%zu", i);
                assert_int_equal(mkdirat(c->fd, sub, 0755), 0);
                fd = openat(c->fd, sub, O_RDONLY | O_DIRECTORY);
                {
                        Ctx sc = {.dir = NULL, .fd = fd};

                        assert_int_equal(unpack(&sc, basic, ELEMENTSOF(basic), filters[i], 0, &res, &err),
                                         0);
                        assert_null(err);
                        check_basic_tree(&sc);
                }
                close(fd);
                /* The diff_id is the digest of the uncompressed stream, whatever the compression. */
                assert_string_equal(res.diff_id, want);
                assert_int_equal(res.n_entries, ELEMENTSOF(basic));
        }
}

static void test_ownership(void **state) {
        Ctx *c = *state;
        const TarEntry e[] = {
                {.name = "d", .type = AE_IFDIR, .uid = 1234, .gid = 2345},
                {.name = "d/f", .type = AE_IFREG, .data = "x", .uid = 1000, .gid = 1001, .mode = 02755},
                {.name = "d/l", .type = AE_IFLNK, .link = "f", .uid = 7, .gid = 8},
        };
        struct stat st;

        if (geteuid() != 0)
                skip();
        assert_int_equal(unpack(c, e, ELEMENTSOF(e), TAR_GZIP, 0, NULL, NULL), 0);
        assert_int_equal(fstatat(c->fd, "d", &st, 0), 0);
        assert_int_equal(st.st_uid, 1234);
        assert_int_equal(st.st_gid, 2345);
        assert_int_equal(fstatat(c->fd, "d/f", &st, 0), 0);
        assert_int_equal(st.st_uid, 1000);
        assert_int_equal(st.st_mode & 07777, 02755); /* setgid survives the chown */
        assert_int_equal(fstatat(c->fd, "d/l", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_uid, 7);
}

static void test_no_chown(void **state) {
        Ctx *c = *state;
        const TarEntry e[] = {{.name = "f", .type = AE_IFREG, .data = "x", .uid = 4321, .gid = 4321}};
        struct stat st;

        assert_int_equal(unpack(c, e, ELEMENTSOF(e), TAR_PLAIN, UNPACK_NO_CHOWN, NULL, NULL), 0);
        assert_int_equal(fstatat(c->fd, "f", &st, 0), 0);
        assert_int_equal(st.st_uid, geteuid());
}

static void test_whiteouts_and_opaque(void **state) {
        Ctx *c = *state;
        const TarEntry e[] = {
                {.name = "etc", .type = AE_IFDIR},
                {.name = "etc/.wh.passwd", .type = AE_IFREG},
                {.name = "var/cache/.wh..wh..opq", .type = AE_IFREG},
                {.name = "var/cache/new", .type = AE_IFREG, .data = "n"},
                {.name = ".wh..wh.plnk", .type = AE_IFDIR}, /* aufs bookkeeping: ignored */
        };
        char v[8] = {};
        struct stat st;

        if (geteuid() != 0)
                skip(); /* trusted.overlay.* needs CAP_SYS_ADMIN */
        assert_int_equal(unpack(c, e, ELEMENTSOF(e), TAR_PLAIN, 0, NULL, NULL), 0);
        assert_int_equal(fstatat(c->fd, "etc/passwd", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(st.st_rdev, makedev(0, 0));
        assert_int_equal(faccessat(c->fd, "etc/.wh.passwd", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        {
                int fd = openat(c->fd, "var/cache", O_RDONLY | O_DIRECTORY);

                assert_int_equal(fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)), 1);
                assert_string_equal(v, "y");
                close(fd);
        }
        assert_int_equal(faccessat(c->fd, "var/cache/.wh..wh..opq", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(faccessat(c->fd, ".wh..wh.plnk", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}

static void test_userns_opaque(void **state) {
        Ctx *c = *state;
        const TarEntry e[] = {{.name = "d/.wh..wh..opq", .type = AE_IFREG}};
        char v[8] = {};
        int fd;

        assert_int_equal(unpack(c, e, ELEMENTSOF(e), TAR_PLAIN, UNPACK_USERNS_XATTRS, NULL, NULL), 0);
        fd = openat(c->fd, "d", O_RDONLY | O_DIRECTORY);
        assert_true(fd >= 0);
        if (fgetxattr(fd, "user.overlay.opaque", v, sizeof(v)) < 0 && errno == ENOTSUP) {
                close(fd);
                skip(); /* tmpfs before 6.6 has no user xattrs */
        }
        assert_string_equal(v, "y");
        close(fd);
}

static void test_xattrs(void **state) {
        Ctx *c = *state;
        const TarEntry e[] = {
                {.name = "f",
                 .type = AE_IFREG,
                 .data = "x",
                 .xattr_name = "user.skiff.test",
                 .xattr_value = "hello"},
        };
        char v[16] = {};

        assert_int_equal(unpack(c, e, ELEMENTSOF(e), TAR_GZIP, 0, NULL, NULL), 0);
        {
                int fd = openat(c->fd, "f", O_RDONLY);
                ssize_t n = fgetxattr(fd, "user.skiff.test", v, sizeof(v));

                close(fd);
                if (n < 0 && errno == ENOTSUP)
                        skip();
                assert_int_equal(n, 5);
                assert_string_equal(v, "hello");
        }
}

static void test_replace_file(void **state) {
        Ctx *c = *state;
        const TarEntry e[] = {
                {.name = "f", .type = AE_IFREG, .data = "first"},
                {.name = "f", .type = AE_IFREG, .data = "second"},
                {.name = "l", .type = AE_IFLNK, .link = "/etc/shadow"},
                {.name = "l", .type = AE_IFREG, .data = "a file now, written in the layer"},
        };
        char buf[64] = {};
        int fd;

        assert_int_equal(unpack(c, e, ELEMENTSOF(e), TAR_PLAIN, 0, NULL, NULL), 0);
        fd = openat(c->fd, "f", O_RDONLY);
        assert_int_equal(read(fd, buf, sizeof(buf)), 6);
        assert_string_equal(buf, "second");
        close(fd);
        {
                struct stat st;

                assert_int_equal(fstatat(c->fd, "l", &st, AT_SYMLINK_NOFOLLOW), 0);
                assert_true(S_ISREG(st.st_mode));
        }
}

static void test_hostile_at_api(void **state) {
        Ctx *c = *state;
        const struct {
                TarEntry e[2];
                size_t n;
                const char *msg;
        } cases[] = {
                {{{.name = "../x", .type = AE_IFREG, .data = "x"}},
                 1,
                 "layer sha256:test: entry \"../x\": path escapes the layer"},
                {{{.name = "/abs", .type = AE_IFREG, .data = "x"}},
                 1,
                 "layer sha256:test: entry \"/abs\": absolute path in a layer"},
                {{{.name = "s", .type = AE_IFLNK, .link = "/"},
                  {.name = "s/x", .type = AE_IFREG, .data = "x"}},
                 2,
                 "layer sha256:test: entry \"s/x\": path goes through a symlink"},
                {{{.name = "h", .link = "../../etc/passwd"}},
                 1,
                 "layer sha256:test: entry \"h\": hard link target path escapes the layer"},
                {{{.name = "dev/null", .type = AE_IFCHR}},
                 1,
                 "layer sha256:test: entry \"dev/null\": device nodes are not allowed in a layer (char 0:0)"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *err = NULL;

                assert_int_equal(unpack(c, cases[i].e, cases[i].n, TAR_PLAIN, 0, NULL, &err), -EBADMSG);
                assert_non_null(err);
                assert_string_equal(err, cases[i].msg);
        }
}

static void test_not_a_layer(void **state) {
        Ctx *c = *state;
        _cleanup_free_ char *err = NULL;
        int fd = memfd_create("junk", MFD_CLOEXEC);

        assert_int_equal(write(fd, "\x1f\x8b garbage that is not gzip", 27), 27);
        lseek(fd, 0, SEEK_SET);
        assert_int_equal(layer_unpack(fd, c->fd, "layer sha256:junk", 0, NULL, &err), -EBADMSG);
        assert_non_null(err);
        assert_true(strncmp(err, "layer sha256:junk: ", 19) == 0);
        close(fd);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_plain_gzip_zstd),      T(test_ownership),      T(test_no_chown),
                T(test_whiteouts_and_opaque), T(test_userns_opaque),  T(test_xattrs),
                T(test_replace_file),         T(test_hostile_at_api), T(test_not_a_layer),
        };

        return unit_run_tests("image-unpack", tests, ELEMENTSOF(tests));
}
