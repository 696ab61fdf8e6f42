/* Layer unpacking: libarchive reads, we write.
 *
 * Two libarchive readers are chained: the outer one only decompresses (any filter libarchive knows,
 * detected from the bytes, "raw" format), the inner one parses tar from the outer one's output. The
 * bytes between them are the uncompressed tar stream, which we hash on the way: that is the layer's
 * diff_id, checked against the image config without a second pass.
 *
 * Entries are written with *at() syscalls relative to the layer's directory fd. Parents are resolved
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), the final component is
 * created with O_EXCL/O_NOFOLLOW or the *at() call that never follows it, so nothing an earlier entry
 * created (a symlink, a hard link) can redirect a later write outside the layer. */

#include "image/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/macro.h"
#include "common/strbuf.h"
#include "image/dlopen-archive.h"

static struct archive *archive_read_free_p(struct archive *a) {
        archive_read_free(a);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free_p);

#define UNPACK_ENTRIES_MAX 10000000U
#define UNPACK_BUFFER_SIZE (128U * 1024U)

typedef struct DirFixup {
        char *path; /* relative, "" for the layer's root */
        mode_t mode;
        uid_t uid;
        gid_t gid;
        struct timespec mtime;
        size_t depth;
        size_t index;
} DirFixup;

typedef struct Unpacker {
        int root_fd;
        const char *what;
        UnpackReadFunc read; /* the compressed blob's source when not an fd */
        void *read_userdata;
        int read_error; /* what read() failed with: the unpack fails with it too */
        UnpackFlags flags;
        char **reterr;
        struct archive *outer;
        struct archive *tar;
        DigestHasher *hasher;
        bool outer_eof;
        char *buf;
        DirFixup *dirs;
        size_t n_dirs, alloc_dirs;
        uint64_t size;
        uint64_t n_entries;
} Unpacker;

static int openat2_beneath(int dir_fd, const char *path, int flags) {
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC | O_NOFOLLOW,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        long fd = syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));

        return fd < 0 ? -errno : (int) fd;
}

/* Opens the directory path below dir_fd without following any symlink. Returns the fd, -ELOOP when
 * a component (the last one included) is a symlink, -ENOTDIR when one is something else, -errno. */
static int open_dir_beneath(int dir_fd, const char *path) {
        _cleanup_close_ int fd = openat2_beneath(dir_fd, path, O_PATH);
        struct stat st;
        int r;

        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode))
                return -ELOOP;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        r = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return r < 0 ? -errno : r;
}

/* Formats "WHAT: entry "NAME": MESSAGE" into *u->reterr; returns error. */
static int entry_error(Unpacker *u, const char *name, int error, const char *fmt, ...) _printf_(4, 5);
static int entry_error(Unpacker *u, const char *name, int error, const char *fmt, ...) {
        StrBuf sb = STRBUF_INIT;
        _cleanup_free_ char *shown = NULL;
        va_list ap;

        if (!u->reterr || *u->reterr)
                return error;
        strbuf_addf(&sb, "%s: ", u->what);
        if (name) {
                size_t len = strlen(name);

                /* A 1 MB name is a hostile one; the first 200 bytes tell the user which. */
                shown = strndup(name, MIN(len, 200U));
                strbuf_puts(&sb, "entry ");
                strbuf_add_quoted(&sb, shown ?: "");
                if (len > 200)
                        strbuf_puts(&sb, "…");
                strbuf_puts(&sb, ": ");
        }
        va_start(ap, fmt);
        strbuf_vaddf(&sb, fmt, ap);
        va_end(ap);
        *u->reterr = strbuf_detach(&sb);
        return error;
}

static la_ssize_t tar_read_cb(struct archive *a, void *userdata, const void **ret_buf) {
        Unpacker *u = userdata;
        la_ssize_t n;

        if (u->outer_eof)
                return 0;
        n = archive_read_data(u->outer, u->buf, UNPACK_BUFFER_SIZE);
        if (n < 0) {
                archive_set_error(a, archive_errno(u->outer) ?: EIO, "%s",
                                  archive_error_string(u->outer) ?: "read error");
                return -1;
        }
        if (n == 0)
                u->outer_eof = true;
        else if (digest_hasher_update(u->hasher, u->buf, (size_t) n) < 0) {
                archive_set_error(a, EIO, "hashing failed");
                return -1;
        }
        *ret_buf = u->buf;
        return n;
}

/* The outer reader's source for layer_unpack_stream(). */
static la_ssize_t blob_read_cb(struct archive *a, void *userdata, const void **ret_buf) {
        Unpacker *u = userdata;
        ssize_t n = u->read(u->read_userdata, ret_buf);

        if (n < 0) {
                u->read_error = (int) n;
                archive_set_error(a, (int) -n, "%s", strerror((int) -n));
                return -1;
        }
        return n;
}

/* Turns a tar name into a clean relative path ("./a//b/" → "a/b"; "." → ""), refusing what could
 * leave the layer. */
static int normalize_path(Unpacker *u, const char *entry, const char *name, bool is_link_target,
                          char **ret) {
        StrBuf sb = STRBUF_INIT;
        const char *p = name;
        const char *label = is_link_target ? "hard link target " : "";
        char *s;

        if (strlen(name) > UNPACK_PATH_MAX)
                return entry_error(u, entry, -EBADMSG, "%sname longer than %u bytes", label,
                                   UNPACK_PATH_MAX);
        /* Docker and the OCI tools never write absolute names; one is a sign of a crafted or
         * mis-built layer, so it is refused rather than guessed at (GNU tar and podman strip '/'). */
        if (name[0] == '/')
                return entry_error(u, entry, -EBADMSG, "%sabsolute path in a layer", label);
        while (*p) {
                size_t n = strcspn(p, "/");

                if (n == 0 || (n == 1 && p[0] == '.')) {
                        /* empty or "." component */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        strbuf_release(&sb);
                        return entry_error(u, entry, -EBADMSG, "%spath escapes the layer", label);
                } else if (n > NAME_MAX) {
                        strbuf_release(&sb);
                        return entry_error(u, entry, -EBADMSG, "%spath component longer than %d bytes",
                                           label, NAME_MAX);
                } else {
                        if (sb.len > 0)
                                strbuf_putc(&sb, '/');
                        strbuf_add(&sb, p, n);
                }
                p += n;
                if (*p == '/')
                        p++;
        }
        s = strbuf_detach(&sb);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Opens the directory that holds path (creating missing parents with mode 0755, as tar does) and
 * points *ret_base at the last component. A parent that is a symlink or not a directory is refused:
 * following it could leave the layer. */
static int open_parent(Unpacker *u, const char *entry, char *path, bool create, int *ret_fd,
                       const char **ret_base) {
        char *slash = strrchr(path, '/');
        int fd, r;

        if (!slash) {
                fd = fcntl(u->root_fd, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return -errno;
                *ret_fd = fd;
                *ret_base = path;
                return 0;
        }
        *slash = 0;
        fd = open_dir_beneath(u->root_fd, path);
        if (fd == -ENOENT && create) {
                /* Walk and create what is missing, one component at a time. */
                _cleanup_close_ int cur = fcntl(u->root_fd, F_DUPFD_CLOEXEC, 3);
                char *p = path;

                if (cur < 0) {
                        *slash = '/';
                        return -errno;
                }
                for (;;) {
                        char *next = strchr(p, '/');
                        int nfd;

                        if (next)
                                *next = 0;
                        if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST) {
                                r = -errno;
                                if (next)
                                        *next = '/';
                                *slash = '/';
                                return entry_error(u, entry, r, "create parent directory: %s", strerror(-r));
                        }
                        nfd = open_dir_beneath(cur, p);
                        if (next)
                                *next = '/';
                        if (nfd < 0) {
                                fd = nfd;
                                break;
                        }
                        close(cur);
                        cur = nfd;
                        if (!next) {
                                fd = TAKE_FD(cur);
                                break;
                        }
                        p = next + 1;
                }
        }
        *slash = '/';
        if (fd == -ELOOP || fd == -EXDEV)
                return entry_error(u, entry, -EBADMSG, "path goes through a symlink");
        if (fd == -ENOTDIR)
                return entry_error(u, entry, -EBADMSG, "path goes through a non-directory");
        if (fd == -ENOENT)
                return entry_error(u, entry, -EBADMSG, "parent directory missing");
        if (fd < 0)
                return entry_error(u, entry, fd, "open parent directory: %s", strerror(-fd));
        *ret_fd = fd;
        *ret_base = slash + 1;
        return 0;
}

/* Makes room for a new non-directory entry at (dir_fd, base): an earlier file or link of the same name
 * is replaced (tar semantics: the last one wins); replacing a directory is refused, since a later
 * entry could otherwise reach through whatever replaced it. */
static int make_room(Unpacker *u, const char *entry, int dir_fd, const char *base) {
        struct stat st;

        if (fstatat(dir_fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : entry_error(u, entry, -errno, "stat: %m");
        if (S_ISDIR(st.st_mode))
                return entry_error(u, entry, -EBADMSG, "replaces a directory of the same layer");
        if (unlinkat(dir_fd, base, 0) < 0)
                return entry_error(u, entry, -errno, "replace: %m");
        return 0;
}

static bool xattr_name_allowed(const char *name) {
        /* overlay's own xattrs would let a layer forge whiteouts, opaque dirs or redirects into other
         * paths of the lower layers: only we write those. */
        if (startswith(name, "trusted.overlay.") || startswith(name, "user.overlay."))
                return false;
        return startswith(name, "user.") || startswith(name, "security.") || startswith(name, "trusted.");
}

static int check_xattrs(Unpacker *u, const char *entry, struct archive_entry *e) {
        const char *name;
        const void *value;
        size_t size;

        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                if (!xattr_name_allowed(name))
                        return entry_error(u, entry, -EBADMSG, "xattr \"%.100s\" is not allowed in a layer",
                                           name);
                if (size > UNPACK_XATTR_SIZE_MAX)
                        return entry_error(u, entry, -EBADMSG, "xattr \"%.100s\" larger than %u bytes", name,
                                           UNPACK_XATTR_SIZE_MAX);
        }
        return 0;
}

static int apply_xattrs(Unpacker *u, const char *entry, struct archive_entry *e, int fd) {
        const char *name;
        const void *value;
        size_t size;

        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
                if (fsetxattr(fd, name, value, size, 0) < 0) {
                        /* A filesystem without xattrs, or trusted.* without CAP_SYS_ADMIN: the
                         * file is still usable; the same as podman's rootless behaviour. */
                        if (IN_SET(errno, ENOTSUP, EPERM))
                                continue;
                        return entry_error(u, entry, -errno, "set xattr \"%.100s\": %m", name);
                }
        return 0;
}

static int apply_owner_mode_times(Unpacker *u, const char *entry, struct archive_entry *e, int fd) {
        struct timespec ts[2];

        if (!(u->flags & UNPACK_NO_CHOWN)
            && fchown(fd, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e)) < 0)
                return entry_error(u, entry, -errno, "chown %lld:%lld: %m", (long long) archive_entry_uid(e),
                                   (long long) archive_entry_gid(e));
        /* After chown, which clears setuid/setgid. */
        if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
                return entry_error(u, entry, -errno, "chmod: %m");
        ts[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
        ts[0] = archive_entry_atime_is_set(e)
                        ? (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)}
                        : ts[1];
        if (futimens(fd, ts) < 0)
                return entry_error(u, entry, -errno, "set times: %m");
        return 0;
}

static int write_regular(Unpacker *u, const char *entry, struct archive_entry *e, int dir_fd,
                         const char *base) {
        _cleanup_close_ int fd = -EBADF;
        int64_t size = archive_entry_size(e);
        int r;

        r = make_room(u, entry, dir_fd, base);
        if (r < 0)
                return r;
        fd = openat(dir_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return entry_error(u, entry, -errno, "create: %m");
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t offset;

                r = archive_read_data_block(u->tar, &buf, &len, &offset);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return entry_error(u, entry, -EBADMSG, "read: %s",
                                           archive_error_string(u->tar) ?: "corrupt data");
                if (offset < 0 || offset + (int64_t) len > size)
                        return entry_error(u, entry, -EBADMSG, "data beyond the entry's size");
                for (size_t done = 0; done < len;) {
                        ssize_t n = pwrite(fd, (const char *) buf + done, len - done, offset + (off_t) done);

                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                return entry_error(u, entry, -errno, "write: %m");
                        }
                        done += (size_t) n;
                }
        }
        /* Sparse files end in a hole that no data block covers. */
        if (ftruncate(fd, size) < 0)
                return entry_error(u, entry, -errno, "truncate: %m");
        u->size += (uint64_t) size;
        /* Start its writeback now: the store syncs the whole layer before publishing it, and that
         * wait is shorter for data already on its way to the disk. */
        if (size > 0)
                (void) sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
        r = apply_owner_mode_times(u, entry, e, fd);
        if (r < 0)
                return r;
        return apply_xattrs(u, entry, e, fd);
}

static int add_dir_fixup(Unpacker *u, const char *path, struct archive_entry *e) {
        DirFixup *d;
        size_t depth = 0;

        if (u->n_dirs == u->alloc_dirs) {
                size_t n = MAX(u->alloc_dirs * 2, 64U);
                DirFixup *p = reallocarray(u->dirs, n, sizeof(*p));

                if (!p)
                        return -ENOMEM;
                u->dirs = p;
                u->alloc_dirs = n;
        }
        for (const char *c = path; *c; c++)
                depth += *c == '/';
        d = &u->dirs[u->n_dirs];
        *d = (DirFixup){
                .path = strdup(path),
                .mode = archive_entry_perm(e) & 07777,
                .uid = (uid_t) archive_entry_uid(e),
                .gid = (gid_t) archive_entry_gid(e),
                .mtime = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                .depth = *path ? depth + 1 : 0,
                .index = u->n_dirs,
        };
        if (!d->path)
                return -ENOMEM;
        u->n_dirs++;
        return 0;
}

static int write_dir(Unpacker *u, const char *entry, char *path, struct archive_entry *e) {
        _cleanup_close_ int parent = -EBADF, fd = -EBADF;
        const char *base;
        int r;

        if (*path) {
                r = open_parent(u, entry, path, true, &parent, &base);
                if (r < 0)
                        return r;
                if (mkdirat(parent, base, 0700) < 0 && errno != EEXIST)
                        return entry_error(u, entry, -errno, "mkdir: %m");
                fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return entry_error(
                                u, entry, errno == ENOTDIR || errno == ELOOP ? -EBADMSG : -errno, "%s",
                                errno == ENOTDIR || errno == ELOOP ? "exists and is not a directory"
                                                                   : strerror(errno));
        } else {
                fd = fcntl(u->root_fd, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return -errno;
        }
        r = apply_xattrs(u, entry, e, fd);
        if (r < 0)
                return r;
        /* Mode, owner and times come last: a 0555 dir must still take its contents, and each entry
         * written into it changes its mtime. */
        return add_dir_fixup(u, path, e);
}

static int write_symlink(Unpacker *u, const char *entry, struct archive_entry *e, int dir_fd,
                         const char *base) {
        const char *target = archive_entry_symlink(e);
        struct timespec ts[2];
        int r;

        /* The target is stored, never followed here: a later entry through this link is refused by
         * open_parent(), and at run time it resolves inside the container's root. */
        if (!target || !*target)
                return entry_error(u, entry, -EBADMSG, "symlink without a target");
        if (strlen(target) > UNPACK_PATH_MAX)
                return entry_error(u, entry, -EBADMSG, "symlink target longer than %u bytes",
                                   UNPACK_PATH_MAX);
        r = make_room(u, entry, dir_fd, base);
        if (r < 0)
                return r;
        if (symlinkat(target, dir_fd, base) < 0)
                return entry_error(u, entry, -errno, "symlink: %m");
        if (!(u->flags & UNPACK_NO_CHOWN)
            && fchownat(dir_fd, base, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e),
                        AT_SYMLINK_NOFOLLOW)
                       < 0)
                return entry_error(u, entry, -errno, "chown: %m");
        ts[0] = ts[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
        if (utimensat(dir_fd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error(u, entry, -errno, "set times: %m");
        return 0;
}

static int write_hardlink(Unpacker *u, const char *entry, struct archive_entry *e, int dir_fd,
                          const char *base) {
        _cleanup_free_ char *target = NULL;
        _cleanup_close_ int tdir = -EBADF;
        const char *tbase;
        struct stat st;
        int r;

        r = normalize_path(u, entry, archive_entry_hardlink(e), true, &target);
        if (r < 0)
                return r;
        if (!*target)
                return entry_error(u, entry, -EBADMSG, "hard link to the layer's root directory");
        r = open_parent(u, entry, target, false, &tdir, &tbase);
        if (r < 0)
                return r;
        if (fstatat(tdir, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return entry_error(u, entry, -EBADMSG,
                                           "hard link target \"%.200s\" is not in the layer", target);
                return entry_error(u, entry, -errno, "stat hard link target: %m");
        }
        if (S_ISDIR(st.st_mode))
                return entry_error(u, entry, -EBADMSG, "hard link to a directory");
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
                return entry_error(u, entry, -EBADMSG, "hard link to a whiteout");
        r = make_room(u, entry, dir_fd, base);
        if (r < 0)
                return r;
        /* flags 0: a link to a symlink links the symlink itself, never its target. */
        if (linkat(tdir, tbase, dir_fd, base, 0) < 0)
                return entry_error(u, entry, -errno, "hard link: %m");
        return 0;
}

static int write_fifo(Unpacker *u, const char *entry, struct archive_entry *e, int dir_fd,
                      const char *base) {
        int r;

        r = make_room(u, entry, dir_fd, base);
        if (r < 0)
                return r;
        if (mknodat(dir_fd, base, S_IFIFO | 0600, 0) < 0)
                return entry_error(u, entry, -errno, "mkfifo: %m");
        {
                struct timespec ts[2];

                /* fchmodat() follows nothing here: base was just made a FIFO by us. */
                if (!(u->flags & UNPACK_NO_CHOWN)
                    && fchownat(dir_fd, base, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e),
                                AT_SYMLINK_NOFOLLOW)
                               < 0)
                        return entry_error(u, entry, -errno, "chown: %m");
                if (fchmodat(dir_fd, base, archive_entry_perm(e) & 07777, 0) < 0)
                        return entry_error(u, entry, -errno, "chmod: %m");
                ts[0] = ts[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
                if (utimensat(dir_fd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                        return entry_error(u, entry, -errno, "set times: %m");
        }
        return 0;
}

static int set_opaque(Unpacker *u, const char *entry, int dir_fd, const char *value) {
        const char *name =
                (u->flags & UNPACK_USERNS_XATTRS) ? "user.overlay.opaque" : "trusted.overlay.opaque";

        if (fsetxattr(dir_fd, name, value, strlen(value), 0) < 0)
                return entry_error(u, entry, -errno, "set %s: %m", name);
        return 0;
}

static int write_whiteout(Unpacker *u, const char *entry, char *path, int dir_fd, const char *base) {
        const char *name = base + strlen(".wh.");
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (streq(base, ".wh..wh..opq")) {
                /* The parent exists (open_parent made it): mark it opaque. */
                return set_opaque(u, entry, dir_fd, "y");
        }
        if (startswith(base, ".wh..wh."))
                return 0; /* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): meaningless here */
        if (!*name || streq(name, ".") || streq(name, ".."))
                return entry_error(u, entry, -EBADMSG, "whiteout of \"%s\" is not a valid name", name);
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0)
                return entry_error(u, entry, -EBADMSG, "whiteout of an entry of the same layer");
        if (mknodat(dir_fd, name, S_IFCHR | 0, makedev(0, 0)) >= 0)
                return 0;
        if (errno != EPERM || !(u->flags & UNPACK_USERNS_XATTRS))
                return entry_error(u, entry, -errno, "create whiteout (char device 0:0): %m");
        /* Overlay's xattr whiteouts (Linux 6.7): an empty file marked user.overlay.whiteout, in a dir
         * marked user.overlay.opaque=x so overlay looks for them. */
        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0000);
        if (fd < 0)
                return entry_error(u, entry, -errno, "create whiteout file: %m");
        if (fsetxattr(fd, "user.overlay.whiteout", "y", 1, 0) < 0)
                return entry_error(u, entry, -errno, "set user.overlay.whiteout: %m");
        return set_opaque(u, entry, dir_fd, "x");
}

static int unpack_entry(Unpacker *u, struct archive_entry *e) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        const char *entry = archive_entry_pathname(e), *base;
        mode_t type = archive_entry_filetype(e);
        int r;

        if (!entry)
                entry = archive_entry_pathname_utf8(e);
        if (!entry)
                return entry_error(u, NULL, -EBADMSG, "entry %" PRIu64 ": unreadable name", u->n_entries);
        if (++u->n_entries > UNPACK_ENTRIES_MAX)
                return entry_error(u, NULL, -EBADMSG, "more than %u entries", UNPACK_ENTRIES_MAX);
        r = normalize_path(u, entry, entry, false, &path);
        if (r < 0)
                return r;
        if (archive_entry_size_is_set(e)
            && (archive_entry_size(e) < 0 || (uint64_t) archive_entry_size(e) > UNPACK_ENTRY_SIZE_MAX))
                return entry_error(u, entry, -EBADMSG, "size %lld is larger than %llu bytes",
                                   (long long) archive_entry_size(e),
                                   (unsigned long long) UNPACK_ENTRY_SIZE_MAX);
        r = check_xattrs(u, entry, e);
        if (r < 0)
                return r;

        if (!*path) {
                if (type != AE_IFDIR)
                        return entry_error(u, entry, -EBADMSG, "the layer's root must be a directory");
                return write_dir(u, entry, path, e);
        }

        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (startswith(base, ".wh.")) {
                r = open_parent(u, entry, path, true, &dir_fd, &base);
                if (r < 0)
                        return r;
                return write_whiteout(u, entry, path, dir_fd, base);
        }
        if (type == AE_IFDIR && !archive_entry_hardlink(e))
                return write_dir(u, entry, path, e);

        r = open_parent(u, entry, path, true, &dir_fd, &base);
        if (r < 0)
                return r;
        if (archive_entry_hardlink(e))
                return write_hardlink(u, entry, e, dir_fd, base);

        switch (type) {
        case AE_IFREG:
                return write_regular(u, entry, e, dir_fd, base);
        case AE_IFLNK:
                return write_symlink(u, entry, e, dir_fd, base);
        case AE_IFIFO:
                return write_fifo(u, entry, e, dir_fd, base);
        case AE_IFCHR:
        case AE_IFBLK:
                /* Containers get /dev from the runtime; a device node in a shared lower dir is a path
                 * to host hardware, and rootless stores could not create one anyway. */
                return entry_error(u, entry, -EBADMSG, "device nodes are not allowed in a layer (%s %u:%u)",
                                   type == AE_IFCHR ? "char" : "block",
                                   (unsigned) archive_entry_rdevmajor(e),
                                   (unsigned) archive_entry_rdevminor(e));
        case AE_IFSOCK:
                return entry_error(u, entry, -EBADMSG, "sockets are not allowed in a layer");
        default:
                return entry_error(u, entry, -EBADMSG, "unknown entry type 0%o", (unsigned) type);
        }
}

static int fixup_cmp(const void *a, const void *b) {
        const DirFixup *x = a, *y = b;

        /* Deepest first; among equals in tar order, so a repeated entry's last values win. */
        if (x->depth != y->depth)
                return x->depth > y->depth ? -1 : 1;
        return x->index < y->index ? -1 : x->index > y->index;
}

static int apply_dir_fixups(Unpacker *u) {
        if (u->n_dirs > 0)
                qsort(u->dirs, u->n_dirs, sizeof(DirFixup), fixup_cmp);
        FOREACH_ARRAY(d, u->dirs, u->n_dirs) {
                _cleanup_close_ int fd = -EBADF;
                struct timespec ts[2] = {d->mtime, d->mtime};

                fd = *d->path ? open_dir_beneath(u->root_fd, d->path)
                              : fcntl(u->root_fd, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return entry_error(u, d->path, fd < -1 ? fd : -errno, "reopen directory: %s",
                                           strerror(fd < -1 ? -fd : errno));
                if (!(u->flags & UNPACK_NO_CHOWN) && fchown(fd, d->uid, d->gid) < 0)
                        return entry_error(u, d->path, -errno, "chown %u:%u: %m", (unsigned) d->uid,
                                           (unsigned) d->gid);
                if (fchmod(fd, d->mode) < 0)
                        return entry_error(u, d->path, -errno, "chmod: %m");
                if (futimens(fd, ts) < 0)
                        return entry_error(u, d->path, -errno, "set times: %m");
        }
        return 0;
}

/* Reads the blob from fd, or through read_cb() when fd < 0. */
static int unpack(int fd, UnpackReadFunc read_cb, void *userdata, int dest_fd, const char *what,
                  UnpackFlags flags, UnpackResult *ret, char **reterr) {
        _cleanup_(archive_read_free_pp) struct archive *outer = NULL, *tar = NULL;
        _cleanup_(digest_hasher_freep) DigestHasher *hasher = NULL;
        _cleanup_free_ char *buf = NULL;
        Unpacker u = {
                .root_fd = dest_fd,
                .what = what,
                .read = read_cb,
                .read_userdata = userdata,
                .flags = flags,
                .reterr = reterr,
        };
        struct archive_entry *e;
        int r;

        r = dlopen_libarchive(reterr);
        if (r < 0)
                return r;
        buf = malloc(UNPACK_BUFFER_SIZE);
        if (!buf)
                return -ENOMEM;
        r = digest_hasher_new(&hasher);
        if (r < 0)
                return r;
        outer = archive_read_new();
        tar = archive_read_new();
        if (!outer || !tar)
                return -ENOMEM;
        u.outer = outer;
        u.tar = tar;
        u.hasher = hasher;
        u.buf = buf;

        /* gzip, zstd and plain are what images use; any filter libarchive detects is accepted since
         * the digest already pins the content. */
        if (archive_read_support_filter_all(outer) < ARCHIVE_WARN
            || archive_read_support_format_raw(outer) != ARCHIVE_OK
            || archive_read_support_format_tar(tar) != ARCHIVE_OK)
                return entry_error(&u, NULL, -ENOMEM, "libarchive setup failed");
        if ((fd >= 0 ? archive_read_open_fd(outer, fd, UNPACK_BUFFER_SIZE)
                     : archive_read_open(outer, &u, NULL, blob_read_cb, NULL))
            != ARCHIVE_OK) {
                r = entry_error(&u, NULL, -EBADMSG, "not a layer: %s",
                                archive_error_string(outer) ?: "unreadable");
                goto finish;
        }
        r = archive_read_next_header(outer, &e);
        if (r == ARCHIVE_EOF) {
                r = entry_error(&u, NULL, -EBADMSG, "empty layer blob");
                goto finish;
        }
        if (r < ARCHIVE_WARN) {
                r = entry_error(&u, NULL, -EBADMSG, "not a layer: %s",
                                archive_error_string(outer) ?: "unreadable");
                goto finish;
        }
        if (archive_read_open(tar, &u, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
                r = entry_error(&u, NULL, -EBADMSG, "not a tar archive: %s",
                                archive_error_string(tar) ?: "unreadable");
                goto finish;
        }

        for (;;) {
                r = archive_read_next_header(tar, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN) {
                        r = entry_error(&u, NULL, -EBADMSG, "corrupt tar after %" PRIu64 " entries: %s",
                                        u.n_entries, archive_error_string(tar) ?: "read error");
                        goto finish;
                }
                r = unpack_entry(&u, e);
                if (r < 0)
                        goto finish;
        }
        /* Hash what follows the end-of-archive blocks too: the diff_id covers the whole stream. */
        while (!u.outer_eof) {
                la_ssize_t n = archive_read_data(outer, buf, UNPACK_BUFFER_SIZE);

                if (n < 0) {
                        r = entry_error(&u, NULL, -EBADMSG, "corrupt compressed data: %s",
                                        archive_error_string(outer) ?: "read error");
                        goto finish;
                }
                if (n == 0)
                        break;
                r = digest_hasher_update(hasher, buf, (size_t) n);
                if (r < 0)
                        goto finish;
        }
        r = apply_dir_fixups(&u);
        if (r < 0)
                goto finish;
        if (ret) {
                *ret = (UnpackResult){.size = u.size, .n_entries = u.n_entries};
                r = digest_hasher_final(hasher, ret->diff_id);
        } else
                r = 0;
finish:
        FOREACH_ARRAY(d, u.dirs, u.n_dirs)
                free(d->path);
        free(u.dirs);
        /* A source that failed is the cause; "corrupt data" would only be its consequence. */
        return r < 0 && u.read_error < 0 ? u.read_error : r;
}

int layer_unpack(int fd, int dest_fd, const char *what, UnpackFlags flags, UnpackResult *ret,
                 char **reterr) {
        return unpack(fd, NULL, NULL, dest_fd, what, flags, ret, reterr);
}

int layer_unpack_stream(UnpackReadFunc read_cb, void *userdata, int dest_fd, const char *what,
                        UnpackFlags flags, UnpackResult *ret, char **reterr) {
        return unpack(-EBADF, read_cb, userdata, dest_fd, what, flags, ret, reterr);
}
