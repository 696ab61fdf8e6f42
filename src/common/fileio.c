#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/macro.h"

int read_full_stream(FILE *f, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, alloc = 0;

        for (;;) {
                size_t n;

                if (alloc - len < 4096) {
                        size_t a = MAX(alloc * 2, (size_t) 16384);
                        char *b;

                        if (max > 0 && a > max + 1)
                                a = MAX(max + 1, len + 2);
                        b = realloc(buf, a);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        alloc = a;
                }
                n = fread(buf + len, 1, alloc - len - 1, f);
                len += n;
                if (max > 0 && len > max)
                        return -EFBIG;
                if (n == 0) {
                        if (ferror(f))
                                return errno > 0 ? -errno : -EIO;
                        break;
                }
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = len;
        return 0;
}

int read_full_file_at(int dir_fd, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_fclose_ FILE *f = NULL;
        struct stat st;

        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        f = fdopen(fd, "r");
        if (!f)
                return -errno;
        TAKE_FD(fd);
        return read_full_stream(f, max, ret, ret_size);
}

static int write_all(int fd, const void *data, size_t len) {
        const char *p = data;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

static int write_file_rename_at(int dir_fd, const char *path, const void *data, size_t len, mode_t mode,
                                bool durable) {
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        _cleanup_close_ int fd = -EBADF, dfd = -EBADF;
        const char *slash = strrchr(path, '/');
        uint64_t rnd = 0;
        int r;

        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
                rnd = (uint64_t) getpid() * 2654435761u ^ (uint64_t) (uintptr_t) &rnd;
        if (asprintf(&tmp, "%.*s.#%s.%016llx", slash ? (int) (slash - path + 1) : 0, path,
                     slash ? slash + 1 : path, (unsigned long long) rnd) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        r = write_all(fd, data, len);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r >= 0 && durable && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dir_fd, tmp, dir_fd, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dir_fd, tmp, 0);
                return r;
        }
        if (!durable)
                return 0;
        /* The rename is durable only once the directory is. */
        if (slash) {
                dir = strndup(path, (size_t) (slash - path) + 1);
                if (!dir)
                        return 0;
                dfd = openat(dir_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        } else
                dfd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void) fsync(dfd);
        return 0;
}

int write_file_atomic_at(int dir_fd, const char *path, const void *data, size_t len, mode_t mode) {
        return write_file_rename_at(dir_fd, path, data, len, mode, true);
}

int write_file_replace_at(int dir_fd, const char *path, const void *data, size_t len, mode_t mode) {
        return write_file_rename_at(dir_fd, path, data, len, mode, false);
}

typedef struct FsyncShare {
        const int *fds;
        size_t n, stride;
        int r;
} FsyncShare;

static void *fsync_share(void *arg) {
        FsyncShare *sh = arg;

        for (size_t i = 0; i < sh->n; i += sh->stride)
                if (sh->fds[i] >= 0 && fsync(sh->fds[i]) < 0 && sh->r == 0)
                        sh->r = -errno;
        return NULL;
}

int fsync_many(const int *fds, size_t n) {
        enum { MAX_THREADS = 16 };
        FsyncShare sh[MAX_THREADS];
        pthread_t t[MAX_THREADS];
        bool started[MAX_THREADS] = {};
        size_t k = MIN(n, (size_t) MAX_THREADS);
        int r = 0;

        if (n == 0)
                return 0;
        /* share i takes fds i, i+k, i+2k, ...; share 0 runs here, the others in threads */
        for (size_t i = 0; i < k; i++)
                sh[i] = (FsyncShare) { .fds = fds + i, .n = n - i, .stride = k };
        for (size_t i = 1; i < k; i++)
                started[i] = pthread_create(&t[i], NULL, fsync_share, &sh[i]) == 0;
        for (size_t i = 1; i < k; i++)
                if (!started[i]) /* no thread: do that share here */
                        (void) fsync_share(&sh[i]);
        (void) fsync_share(&sh[0]);
        for (size_t i = 0; i < k; i++) {
                if (started[i])
                        (void) pthread_join(t[i], NULL);
                if (r == 0)
                        r = sh[i].r;
        }
        return r;
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0) {
                struct stat st;

                if (errno != EEXIST)
                        return -errno;
                /* "exists" is only success when it is a directory, as for mkdir -p */
                if (stat(p, &st) < 0)
                        return -errno;
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
        }
        return 0;
}
