#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/macro.h"
#include "common/rm-rf.h"

#define RM_RF_MAX_DEPTH 1024

/* The mount a path (or, with name "", the fd itself) is on. statx() gives the mount id since Linux
 * 5.8; without it, the device number is the best we have (it still catches other file systems). */
static int mount_of(int dir_fd, const char *name, unsigned long long *ret_id, mode_t *ret_mode) {
        struct statx sx;
        int flags = AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH);

        if (statx(dir_fd, name, flags, STATX_TYPE | STATX_MNT_ID, &sx) < 0)
                return -errno;
        if (sx.stx_mask & STATX_MNT_ID)
                *ret_id = sx.stx_mnt_id;
        else
                *ret_id = ((unsigned long long) sx.stx_dev_major << 32 | sx.stx_dev_minor) | 1ULL << 63;
        if (ret_mode)
                *ret_mode = sx.stx_mode;
        return 0;
}

static int remove_children(int dir_fd, unsigned long long mnt, unsigned depth);

/* NAME is a directory on mount MNT (checked by the caller): empties it and removes it. */
static int remove_dir(int dir_fd, const char *name, unsigned long long mnt, unsigned depth) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (depth >= RM_RF_MAX_DEPTH)
                return -ELOOP;
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == EACCES) {
                (void) fchmodat(dir_fd, name, 0700, 0);
                fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        /* Re-check through the fd we hold: the name may have been swapped since the caller looked. */
        unsigned long long here;
        r = mount_of(fd, "", &here, NULL);
        if (r < 0)
                return r;
        if (here != mnt)
                return -EBUSY;
        (void) fchmod(fd, 0700);
        r = remove_children(fd, mnt, depth + 1);
        if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r >= 0)
                r = -errno;
        return r;
}

static int remove_children(int dir_fd, unsigned long long mnt, unsigned depth) {
        _cleanup_close_ int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -EBADF;
        while ((de = readdir(d))) {
                unsigned long long child;
                mode_t mode;
                int k;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                k = mount_of(dirfd(d), de->d_name, &child, &mode);
                if (k == -ENOENT)
                        continue;
                if (k >= 0 && child != mnt)
                        k = -EBUSY;
                else if (k >= 0 && S_ISDIR(mode))
                        k = remove_dir(dirfd(d), de->d_name, mnt, depth);
                else if (k >= 0 && unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                        k = -errno;
                if (k < 0 && r == 0)
                        r = k;
        }
        closedir(d);
        return r;
}

int rm_rf_at(int dir_fd, const char *name) {
        unsigned long long parent, self;
        mode_t mode;
        int r;

        r = mount_of(dir_fd, name, &self, &mode);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (!S_ISDIR(mode))
                return unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        r = mount_of(dir_fd, "", &parent, NULL);
        if (r < 0)
                return r;
        if (self != parent)
                return -EBUSY;
        return remove_dir(dir_fd, name, self, 0);
}

int rm_rf_children(int dir_fd) {
        unsigned long long mnt;
        int r;

        r = mount_of(dir_fd, "", &mnt, NULL);
        if (r < 0)
                return r;
        return remove_children(dir_fd, mnt, 0);
}

int rm_rf_path(const char *path) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *slash = strrchr(path, '/'), *name;

        if (!slash) {
                parent = strdup(".");
                name = path;
        } else {
                name = slash + 1;
                parent = strndup(path, slash == path ? 1 : (size_t) (slash - path));
        }
        if (!parent)
                return -ENOMEM;
        if (!*name || streq(name, ".") || streq(name, ".."))
                return -EINVAL;
        fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        return rm_rf_at(fd, name);
}
