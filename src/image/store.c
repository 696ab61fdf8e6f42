/* The image store's directories, blobs and layers. Images (images.json) are in store-images.c. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/macro.h"
#include "image/store-internal.h"
#include "image/unpack.h"

int store_error(char **reterr, int error, const char *fmt, ...) {
        va_list ap;

        if (!reterr || *reterr)
                return error;
        va_start(ap, fmt);
        if (vasprintf(reterr, fmt, ap) < 0)
                *reterr = NULL;
        va_end(ap);
        return error;
}

int store_check_digest(const char *digest, const char *what, const char **ret_hex, char **reterr) {
        _cleanup_free_ char *reason = NULL;
        int r;

        r = digest_parse(digest, ret_hex, &reason);
        if (r < 0)
                return store_error(reterr, r, "%s: %s", what, reason ?: "invalid digest");
        return 0;
}

static void random_suffix(char buf[static 17]) {
        uint64_t rnd = 0;

        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                rnd = ((uint64_t) getpid() << 32) ^ (uint64_t) time(NULL) ^ (uint64_t) (uintptr_t) buf;
        snprintf(buf, 17, "%016llx", (unsigned long long) rnd);
}

int store_lock_file(ImageStore *s, const char *name, bool nonblock) {
        _cleanup_close_ int fd = -EBADF;

        fd = openat(s->locks_fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        for (;;) {
                if (flock(fd, LOCK_EX | (nonblock ? LOCK_NB : 0)) >= 0)
                        break;
                if (errno == EINTR)
                        continue;
                return errno == EWOULDBLOCK ? -EBUSY : -errno;
        }
        return TAKE_FD(fd);
}


/* write_file_atomic_at() leaves ".#images.json.<random>" next to images.json when killed. */
static void clean_root_leftovers(ImageStore *s) {
        _cleanup_close_ int fd = openat(s->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d)
                return;
        fd = -EBADF;
        while ((de = readdir(d)))
                if (startswith(de->d_name, ".#images.json."))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
}

void store_clean_tmp(ImageStore *s, bool exclusive) {
        _cleanup_close_ int fd = -EBADF;
        DIR *d;
        struct dirent *de;

        if (exclusive)
                clean_root_leftovers(s);

        fd = openat(s->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d)
                return;
        fd = -EBADF;
        while ((de = readdir(d))) {
                _cleanup_close_ int efd = -EBADF;
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (!exclusive) {
                        /* A writer creates its entry and flocks it right after; only an entry that
                         * is older than a minute and whose flock we can take belongs to a dead one. */
                        efd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
                        if (efd < 0 || fstat(efd, &st) < 0)
                                continue;
                        if (time(NULL) - st.st_mtime < 60)
                                continue;
                        if (flock(efd, LOCK_EX | LOCK_NB) < 0)
                                continue;
                }
                (void) rm_rf_at(dirfd(d), de->d_name);
        }
        closedir(d);
}

static int open_subdir(int dir_fd, const char *name, int *ret) {
        int fd;

        if (mkdirat(dir_fd, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

int image_store_open(const char *root, ImageStoreFlags flags, ImageStore **ret, char **reterr) {
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        _cleanup_close_ int blobs = -EBADF;
        int r;

        if (!root || root[0] != '/')
                return store_error(reterr, -EINVAL, "image store root \"%s\" is not an absolute path",
                                   strempty(root));
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->root_fd = s->blobs_fd = s->layers_fd = s->tmp_fd = s->locks_fd = s->gc_fd = -EBADF;
        s->flags = flags;
        if (geteuid() != 0)
                s->flags |= IMAGE_STORE_NO_CHOWN;
        s->root = strdup(root);
        if (!s->root)
                return -ENOMEM;
        r = mkdir_p(root, 0700);
        if (r < 0)
                return store_error(reterr, r, "image store %s: create: %s", root, strerror(-r));
        s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0)
                return store_error(reterr, -errno, "image store %s: open: %m", root);

        s->gc_fd = openat(s->root_fd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (s->gc_fd < 0)
                return store_error(reterr, -errno, "image store %s: open gc.lock: %m", root);
        /* Exclusive when nobody else has the store open: then every staging entry is a leftover. */
        if (flock(s->gc_fd, LOCK_EX | LOCK_NB) >= 0) {
                r = 1;
        } else {
                r = 0;
                while (flock(s->gc_fd, LOCK_SH) < 0)
                        if (errno != EINTR)
                                return store_error(reterr, -errno, "image store %s: lock gc.lock: %m", root);
        }

        r = open_subdir(s->root_fd, "blobs", &blobs) ?: open_subdir(blobs, "sha256", &s->blobs_fd)
                ?: open_subdir(s->root_fd, "layers", &s->layers_fd) ?: open_subdir(s->root_fd, "tmp", &s->tmp_fd)
                ?: open_subdir(s->root_fd, "locks", &s->locks_fd) ?: r;
        if (r < 0)
                return store_error(reterr, r, "image store %s: create layout: %s", root, strerror(-r));
        store_clean_tmp(s, r > 0);
        if (r > 0)
                while (flock(s->gc_fd, LOCK_SH) < 0 && errno == EINTR)
                        ;
        *ret = TAKE_PTR(s);
        return 0;
}

ImageStore *image_store_free(ImageStore *s) {
        if (!s)
                return NULL;
        int fds[] = {s->root_fd, s->blobs_fd, s->layers_fd, s->tmp_fd, s->locks_fd, s->gc_fd};

        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        free(s->root);
        free(s);
        return NULL;
}

const char *image_store_root(const ImageStore *s) {
        return s->root;
}

int image_store_root_fd(const ImageStore *s) {
        return s->root_fd;
}

void image_store_set_in_use_hook(ImageStore *s, ImageInUseFunc f, void *userdata) {
        s->in_use = f;
        s->in_use_userdata = userdata;
}

/* ---- Blobs ---------------------------------------------------------------------------------- */

int image_store_has_blob(ImageStore *s, const char *digest, char **reterr) {
        const char *hex;
        int r;

        r = store_check_digest(digest, "blob", &hex, reterr);
        if (r < 0)
                return r;
        if (faccessat(s->blobs_fd, hex, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                return 1;
        if (errno == ENOENT)
                return 0;
        return store_error(reterr, -errno, "blob %s: %m", digest);
}

int image_store_blob_path(ImageStore *s, const char *digest, char **ret, char **reterr) {
        const char *hex;
        int r;

        r = store_check_digest(digest, "blob", &hex, reterr);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s/blobs/sha256/%s", s->root, hex) < 0)
                return -ENOMEM;
        return 0;
}

int image_store_open_blob(ImageStore *s, const char *digest, int *ret_fd, int64_t *ret_size, char **reterr) {
        _cleanup_close_ int fd = -EBADF;
        const char *hex;
        struct stat st;
        int r;

        r = store_check_digest(digest, "blob", &hex, reterr);
        if (r < 0)
                return r;
        fd = openat(s->blobs_fd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return store_error(reterr, -errno, "blob %s: %s", digest,
                                   errno == ENOENT ? "not in the store" : strerror(errno));
        if (fstat(fd, &st) < 0)
                return store_error(reterr, -errno, "blob %s: stat: %m", digest);
        if (!S_ISREG(st.st_mode))
                return store_error(reterr, -EBADMSG, "blob %s: not a regular file", digest);
        if (ret_size)
                *ret_size = st.st_size;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int image_store_read_blob(ImageStore *s, const char *digest, size_t max, char **ret, size_t *ret_size,
                          char **reterr) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_fclose_ FILE *f = NULL;
        int r;

        r = image_store_open_blob(s, digest, &fd, NULL, reterr);
        if (r < 0)
                return r;
        f = fdopen(fd, "r");
        if (!f)
                return -errno;
        fd = -EBADF;
        r = read_full_stream(f, max ?: MANIFEST_SIZE_MAX, ret, ret_size);
        if (r == -EFBIG)
                return store_error(reterr, r, "blob %s: larger than %zu bytes", digest,
                                   max ?: MANIFEST_SIZE_MAX);
        if (r < 0)
                return store_error(reterr, r, "blob %s: read: %s", digest, strerror(-r));
        return 0;
}

#define BLOB_FLUSH_BYTES (8 * 1024 * 1024)

struct BlobWriter {
        ImageStore *store;
        char *expected;        /* NULL when unknown */
        int64_t expected_size; /* -1 when unknown */
        int lock_fd;
        int fd;
        char *tmp_name; /* named temp file in ROOT/tmp, or NULL for an O_TMPFILE */
        DigestHasher *hasher;
        int64_t size;
        int64_t flushed; /* bytes whose writeback was started */
        BlobFeed *feed;  /* a streaming unpack reads what we write, or NULL */
        bool broken;
        bool committed;
};

int blob_writer_begin(ImageStore *s, const char *expected_digest, int64_t expected_size,
                      BlobWriterFlags flags, BlobWriter **ret, char **reterr) {
        _cleanup_(blob_writer_freep) BlobWriter *w = NULL;
        const char *hex = NULL;
        int r;

        if (expected_digest) {
                r = store_check_digest(expected_digest, "blob", &hex, reterr);
                if (r < 0)
                        return r;
        }
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->store = s;
        w->lock_fd = w->fd = -EBADF;
        w->expected_size = expected_size < 0 ? -1 : expected_size;
        if (expected_digest) {
                _cleanup_free_ char *lock_name = NULL;

                w->expected = strdup(expected_digest);
                if (!w->expected || asprintf(&lock_name, "blob-%s", hex) < 0)
                        return -ENOMEM;
                r = store_lock_file(s, lock_name, flags & BLOB_WRITER_NONBLOCK);
                if (r == -EBUSY)
                        return store_error(reterr, r, "blob %s: being written by another process",
                                           expected_digest);
                if (r < 0)
                        return store_error(reterr, r, "blob %s: lock: %s", expected_digest, strerror(-r));
                w->lock_fd = r;
                r = image_store_has_blob(s, expected_digest, reterr);
                if (r < 0)
                        return r;
                if (r > 0)
                        return -EEXIST;
        }
        log_debug("blob %s: writing", strempty(expected_digest));
        r = digest_hasher_new(&w->hasher);
        if (r < 0)
                return r;

        /* An O_TMPFILE has no name, so a killed writer leaves nothing behind at all. */
        w->fd = openat(s->tmp_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
        if (w->fd < 0) {
                char rnd[17];

                if (!IN_SET(errno, EOPNOTSUPP, EISDIR, EINVAL))
                        return store_error(reterr, -errno, "blob %s: create temporary file: %m",
                                           strempty(expected_digest));
                random_suffix(rnd);
                if (asprintf(&w->tmp_name, "blob-%s", rnd) < 0) {
                        w->tmp_name = NULL;
                        return -ENOMEM;
                }
                w->fd = openat(s->tmp_fd, w->tmp_name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                               0644);
                if (w->fd < 0)
                        return store_error(reterr, -errno, "blob %s: create temporary file: %m",
                                           strempty(expected_digest));
                (void) flock(w->fd, LOCK_EX);
        }
        *ret = TAKE_PTR(w);
        return 0;
}

static const char *writer_name(const BlobWriter *w) {
        return w->expected ?: "(unknown digest)";
}

int blob_writer_write(BlobWriter *w, const void *data, size_t len, char **reterr) {
        const char *p = data;
        int r;

        if (w->broken || w->committed)
                return store_error(reterr, -EINVAL, "blob %s: writer already failed or committed",
                                   writer_name(w));
        if (w->expected_size >= 0 && (uint64_t) w->size + len > (uint64_t) w->expected_size) {
                w->broken = true;
                return store_error(reterr, -EFBIG, "blob %s: more data than the expected %lld bytes",
                                   writer_name(w), (long long) w->expected_size);
        }
        r = digest_hasher_update(w->hasher, data, len);
        if (r < 0) {
                w->broken = true;
                return store_error(reterr, r, "blob %s: hash: %s", writer_name(w), strerror(-r));
        }
        while (len > 0) {
                ssize_t n = write(w->fd, p, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        w->broken = true;
                        return store_error(reterr, -errno, "blob %s: write: %m", writer_name(w));
                }
                p += n;
                len -= (size_t) n;
                w->size += n;
        }
        /* Start the writeback of what is written, so that the fsync at commit (on a pull's only
         * downloading thread: it holds up every other download) finds little left to do. */
        if (w->size - w->flushed >= BLOB_FLUSH_BYTES) {
                (void) sync_file_range(w->fd, w->flushed, w->size - w->flushed, SYNC_FILE_RANGE_WRITE);
                w->flushed = w->size;
        }
        if (w->feed)
                blob_feed_append(w->feed, w->size);
        return 0;
}

int64_t blob_writer_size(const BlobWriter *w) {
        return w->size;
}

int blob_writer_commit(BlobWriter *w, char *ret_digest, char **reterr) {
        ImageStore *s = w->store;
        char got[DIGEST_STRING_SIZE];
        const char *hex;
        int r;

        if (w->broken || w->committed)
                return store_error(reterr, -EINVAL, "blob %s: writer already failed or committed",
                                   writer_name(w));
        w->broken = true; /* until proven otherwise */
        if (w->expected_size >= 0 && w->size != w->expected_size)
                return store_error(reterr, -EBADMSG,
                                   "blob %s: size mismatch (expected %lld bytes, got %lld)", writer_name(w),
                                   (long long) w->expected_size, (long long) w->size);
        r = digest_hasher_final(w->hasher, got);
        if (r < 0)
                return store_error(reterr, r, "blob %s: hash: %s", writer_name(w), strerror(-r));
        if (w->expected && !streq(w->expected, got))
                return store_error(reterr, -EBADMSG, "blob %s: digest mismatch (expected %s, got %s)",
                                   w->expected, w->expected, got);
        hex = got + strlen(DIGEST_SHA256_PREFIX);
        if (fsync(w->fd) < 0)
                return store_error(reterr, -errno, "blob %s: fsync: %m", got);
        if (fchmod(w->fd, 0644) < 0)
                return store_error(reterr, -errno, "blob %s: chmod: %m", got);

        if (w->tmp_name) {
                /* renameat2(NOREPLACE) keeps an existing copy (of the same content) untouched. */
                r = renameat2(s->tmp_fd, w->tmp_name, s->blobs_fd, hex, RENAME_NOREPLACE);
                if (r < 0 && errno != EEXIST)
                        return store_error(reterr, -errno, "blob %s: rename into the store: %m", got);
                if (r < 0)
                        (void) unlinkat(s->tmp_fd, w->tmp_name, 0);
                free(w->tmp_name);
                w->tmp_name = NULL;
        } else {
                char proc[64];

                snprintf(proc, sizeof(proc), "/proc/self/fd/%i", w->fd);
                if (linkat(AT_FDCWD, proc, s->blobs_fd, hex, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST)
                        return store_error(reterr, -errno, "blob %s: link into the store: %m", got);
        }
        (void) fsync(s->blobs_fd);
        w->broken = false;
        w->committed = true;
        log_debug("blob %s: stored", got);
        if (w->feed)
                blob_feed_end(w->feed, true);
        if (ret_digest)
                memcpy(ret_digest, got, DIGEST_STRING_SIZE);
        return 0;
}

BlobWriter *blob_writer_free(BlobWriter *w) {
        if (!w)
                return NULL;
        if (w->feed) {
                /* Not committed: the streaming unpack must throw away what it made of our bytes. */
                blob_feed_end(w->feed, false);
                blob_feed_unref(w->feed);
        }
        if (w->tmp_name)
                (void) unlinkat(w->store->tmp_fd, w->tmp_name, 0);
        free(w->tmp_name);
        if (w->fd >= 0)
                close(w->fd);
        if (w->lock_fd >= 0)
                close(w->lock_fd);
        digest_hasher_free(w->hasher);
        free(w->expected);
        free(w);
        return NULL;
}

int blob_writer_stream_info(const BlobWriter *w, ImageStore **ret_store, const char **ret_digest) {
        if (!w->expected || w->size > 0 || w->feed || w->broken || w->committed)
                return -EINVAL;
        *ret_store = w->store;
        *ret_digest = w->expected;
        return 0;
}

int blob_writer_attach_feed(BlobWriter *w, BlobFeed **ret_feed) {
        ImageStore *s;
        const char *digest;
        int r;

        r = blob_writer_stream_info(w, &s, &digest);
        if (r < 0)
                return r;
        r = blob_feed_new(w->fd, &w->feed);
        if (r < 0)
                return r;
        *ret_feed = blob_feed_ref(w->feed);
        return 0;
}

int image_store_put_blob(ImageStore *s, const char *expected_digest, const void *data, size_t len,
                         char *ret_digest, char **reterr) {
        _cleanup_(blob_writer_freep) BlobWriter *w = NULL;
        int r;

        r = blob_writer_begin(s, expected_digest, (int64_t) len, 0, &w, reterr);
        if (r == -EEXIST) {
                if (ret_digest)
                        snprintf(ret_digest, DIGEST_STRING_SIZE, "%s", expected_digest);
                return 0;
        }
        if (r < 0)
                return r;
        r = blob_writer_write(w, data, len, reterr);
        if (r < 0)
                return r;
        return blob_writer_commit(w, ret_digest, reterr);
}
