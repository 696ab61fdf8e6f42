/* The container's root file system, in the child: crun's order of steps, with the fallbacks a user
 * namespace needs (sysfs, mqueue and device nodes cannot always be created there, so the host's are
 * bound instead). Paths inside the new root are resolved with openat2(RESOLVE_IN_ROOT) and mounted
 * through /proc/self/fd/N, so a symlink in an image cannot send a mount outside the container. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "runtime/apply-internal.h"

int child_error(ChildError *e, int err, const char *fmt, ...) {
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
        if (n < 0)
                e->msg[0] = 0;
        e->err = err < 0 ? -err : err;
        return -e->err;
}

static int openat2_in_root(int root_fd, const char *path, int flags) {
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        while (*path == '/')
                path++;
        if (!*path)
                path = ".";
        fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

int open_in_root(int root_fd, const char *path, bool create, bool file) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int parent_fd = -EBADF;
        const char *base;
        int fd, r;

        fd = openat2_in_root(root_fd, path, O_PATH);
        if (fd >= 0 || fd != -ENOENT || !create)
                return fd;
        base = strrchr(path, '/');
        if (!base)
                return -EINVAL;
        parent = strndup(path, base - path);
        if (!parent)
                return -ENOMEM;
        base++;
        parent_fd = open_in_root(root_fd, parent, true, false);
        if (parent_fd < 0)
                return parent_fd;
        if (file) {
                /* O_PATH fds work as dirfd for *at calls. */
                int f = openat(parent_fd, base, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (f < 0 && errno != EEXIST)
                        return -errno;
                if (f >= 0)
                        close(f);
        } else {
                r = mkdirat(parent_fd, base, 0755);
                if (r < 0 && errno != EEXIST)
                        return -errno;
        }
        return openat2_in_root(root_fd, path, O_PATH);
}

static int mount_on_fd(const char *src, int fd, const char *type, unsigned long flags, const char *data) {
        char p[64];

        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        return mount(src, p, type, flags, data) < 0 ? -errno : 0;
}

/* The flags a remount of a bind must keep: inside a user namespace the kernel refuses to clear
 * nosuid/nodev/noexec/ro ("locked") flags of the source mount. */
static unsigned long locked_flags(const char *path_or_fdpath) {
        struct statvfs s;
        unsigned long f = 0;

        if (statvfs(path_or_fdpath, &s) < 0)
                return 0;
        if (s.f_flag & ST_NOSUID)
                f |= MS_NOSUID;
        if (s.f_flag & ST_NODEV)
                f |= MS_NODEV;
        if (s.f_flag & ST_NOEXEC)
                f |= MS_NOEXEC;
        if (s.f_flag & ST_RDONLY)
                f |= MS_RDONLY;
        if (s.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        if (s.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        if (s.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        return f;
}

/* Binds src (a path as the child sees it) onto dest inside root_fd (which must exist), then remounts
 * with the per-mount flags asked for. The remount goes through a fresh lookup of dest, which lands on
 * the new mount: an fd opened before the bind would still name the directory below it. */
static int bind_onto(const char *src, int root_fd, const char *dest, unsigned long flags, bool userns) {
        const unsigned long per_mount = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        _cleanup_close_ int fd = -EBADF, top = -EBADF;
        char p[64];
        int r;

        fd = openat2_in_root(root_fd, dest, O_PATH);
        if (fd < 0)
                return fd;
        r = mount_on_fd(src, fd, NULL, MS_BIND | (flags & MS_REC), NULL);
        if (r < 0)
                return r;
        if (!(flags & per_mount))
                return 0;
        top = openat2_in_root(root_fd, dest, O_PATH);
        if (top < 0)
                return top;
        snprintf(p, sizeof(p), "/proc/self/fd/%d", top);
        unsigned long keep = userns ? locked_flags(p) : 0;
        if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | (flags & per_mount) | keep, NULL) < 0)
                return -errno;
        return 0;
}

static bool gid_mapped(const ContainerPlan *plan, gid_t g) {
        for (size_t i = 0; i < plan->n_gid_map; i++)
                if (g >= plan->gid_map[i].container_id
                    && g - plan->gid_map[i].container_id < plan->gid_map[i].size)
                        return true;
        return false;
}

static int mount_one(const ContainerPlan *plan, int root_fd, const PlanMount *m, int src_fd, bool userns,
                     ChildError *e) {
        bool file = m->extra & PLAN_MOUNT_FILE;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *data = NULL;
        int r;

        fd = open_in_root(root_fd, m->destination, true, file);
        if (fd < 0)
                return child_error(e, fd, "mount %s: create the mount point", m->destination);

        if (streq(m->type, "bind")) {
                char src[64];

                snprintf(src, sizeof(src), "/proc/self/fd/%d", src_fd);
                r = bind_onto(src, root_fd, m->destination, m->flags, userns);
                if (r < 0)
                        return child_error(e, r, "mount %s on %s", m->source, m->destination);
        } else {
                const char *d = m->data;

                /* devpts' gid=5 (tty) only exists when it is mapped into the user namespace. */
                if (streq(m->type, "devpts") && userns && !gid_mapped(plan, 5) && d) {
                        data = strdup(d);
                        if (!data)
                                return child_error(e, ENOMEM, "mount %s", m->destination);
                        char *g = strstr(data, ",gid=5");
                        if (g)
                                memmove(g, g + 6, strlen(g + 6) + 1);
                        d = data;
                }
                if ((m->extra & PLAN_MOUNT_CHOWN) && streq(m->type, "tmpfs")) {
                        char *with = NULL;
                        if (asprintf(&with, "%s%suid=%u,gid=%u", strempty(d), d ? "," : "",
                                     (unsigned) plan->uid, (unsigned) plan->gid)
                            < 0)
                                return child_error(e, ENOMEM, "mount %s", m->destination);
                        free(data);
                        data = with;
                        d = data;
                }
                r = mount_on_fd(m->source, fd, m->type, m->flags & ~(MS_BIND | MS_REC), d);
                if (r == -EPERM && userns
                    && (streq(m->type, "sysfs") || streq(m->type, "mqueue") || streq(m->type, "proc"))) {
                        /* A user namespace without its own net (sysfs), ipc (mqueue) or pid (proc)
                         * namespace may not mount a new instance: bind the host's instead. */
                        const char *host = streq(m->type, "sysfs")    ? "/sys"
                                           : streq(m->type, "mqueue") ? "/dev/mqueue"
                                                                      : "/proc";
                        r = bind_onto(host, root_fd, m->destination,
                                      MS_REC | (m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)),
                                      userns);
                        /* a host without /dev/mqueue mounted has no queues to show: leave it empty */
                        if (r == -ENOENT && streq(m->type, "mqueue"))
                                r = 0;
                }
                if (r < 0)
                        return child_error(e, r, "mount %s", m->destination);
        }
        if (m->propagation) {
                _cleanup_close_ int mfd = open_in_root(root_fd, m->destination, false, false);
                if (mfd < 0 || mount_on_fd(NULL, mfd, NULL, m->propagation, NULL) < 0)
                        return child_error(e, mfd < 0 ? mfd : errno, "mount %s: set propagation",
                                           m->destination);
        }
        return 0;
}

static int make_devices(int root_fd, bool userns, ChildError *e) {
        static const struct {
                const char *name;
                unsigned maj, min;
        } devs[] = {
                {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
        };
        static const struct {
                const char *name, *target;
        } links[] = {
                {"ptmx", "pts/ptmx"},          {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
                {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"},
        };
        _cleanup_close_ int dev = openat2_in_root(root_fd, "/dev", O_DIRECTORY | O_RDONLY);

        if (dev < 0)
                return child_error(e, dev, "open /dev");
        FOREACH_ARRAY(d, devs, ELEMENTSOF(devs)) {
                if (!userns && mknodat(dev, d->name, S_IFCHR | 0666, makedev(d->maj, d->min)) == 0) {
                        (void) fchmodat(dev, d->name, 0666, 0); /* the umask took some bits */
                        continue;
                }
                if (!userns && errno != EPERM)
                        return child_error(e, errno, "mknod /dev/%s", d->name);
                /* mknod is not allowed (a user namespace): bind the host's node onto an empty file */
                char host[32];
                int f = openat(dev, d->name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
                if (f < 0)
                        return child_error(e, errno, "create /dev/%s", d->name);
                close(f);
                snprintf(host, sizeof(host), "/dev/%s", d->name);
                int r = bind_onto(host, root_fd, host, 0, userns);
                if (r < 0)
                        return child_error(e, r, "mount /dev/%s", d->name);
        }
        FOREACH_ARRAY(l, links, ELEMENTSOF(links))
                if (symlinkat(l->target, dev, l->name) < 0 && errno != EEXIST)
                        return child_error(e, errno, "symlink /dev/%s", l->name);
        return 0;
}

/* --privileged: every device node of the host's /dev (top level) in the container's too, as podman
 * gives them. Nodes already made (null, tty, ...) stay; in a user namespace they are bound. */
static int host_devices(int root_fd, bool userns, ChildError *e) {
        _cleanup_close_ int dev = openat2_in_root(root_fd, "/dev", O_DIRECTORY | O_RDONLY);
        DIR *d;

        if (dev < 0)
                return child_error(e, dev, "open /dev");
        d = opendir("/dev");
        if (!d)
                return child_error(e, errno, "read the host's /dev");
        for (struct dirent *de; (de = readdir(d));) {
                struct stat st;
                char host[PATH_MAX];

                if (de->d_name[0] == '.' || streq(de->d_name, "console") || streq(de->d_name, "ptmx"))
                        continue;
                snprintf(host, sizeof(host), "/dev/%s", de->d_name);
                if (lstat(host, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
                        continue;
                if (faccessat(dev, de->d_name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                if (!userns && mknodat(dev, de->d_name, st.st_mode, st.st_rdev) == 0) {
                        (void) fchownat(dev, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
                        (void) fchmodat(dev, de->d_name, st.st_mode & 07777, 0);
                        continue;
                }
                int f = openat(dev, de->d_name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
                if (f < 0)
                        continue;
                close(f);
                if (bind_onto(host, root_fd, host, 0, userns) < 0)
                        (void) unlinkat(dev, de->d_name, 0);
        }
        closedir(d);
        return 0;
}

/* --device: each host node bound onto an empty file at its container path (parents made as needed), as
 * in a user namespace where mknod is not allowed; the devices cgroup (or v2 filter) allows it. */
static int plan_devices_apply(const ContainerPlan *plan, int root_fd, bool userns, ChildError *e) {
        for (size_t i = 0; i < plan->n_devices; i++) {
                const PlanDevice *d = &plan->devices[i];
                _cleanup_close_ int fd = open_in_root(root_fd, d->path, true, true);
                struct stat st;
                int r;

                if (fd < 0)
                        return child_error(e, fd, "--device %s: create %s", d->host_path, d->path);
                if (fstat(fd, &st) < 0)
                        return child_error(e, errno, "--device %s: stat %s", d->host_path, d->path);
                if (S_ISDIR(st.st_mode))
                        return child_error(e, EISDIR, "--device %s: %s is a directory in the container",
                                           d->host_path, d->path);
                r = bind_onto(d->host_path, root_fd, d->path, 0, userns);
                if (r < 0)
                        return child_error(e, r, "--device %s: mount on %s", d->host_path, d->path);
        }
        return 0;
}

static int mask_paths(int root_fd, char **paths, ChildError *e) {
        STRV_FOREACH(p, paths) {
                _cleanup_close_ int fd = openat2_in_root(root_fd, *p, O_PATH | O_NOFOLLOW);
                struct stat st;
                int r;

                if (fd == -ENOENT)
                        continue;
                if (fd < 0 || fstat(fd, &st) < 0)
                        return child_error(e, fd < 0 ? fd : errno, "mask %s", *p);
                if (S_ISDIR(st.st_mode))
                        r = mount_on_fd("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                        "size=0k");
                else {
                        _cleanup_close_ int null = openat2_in_root(root_fd, "/dev/null", O_PATH);
                        char np[64];

                        if (null < 0)
                                return child_error(e, null, "mask %s: open /dev/null", *p);
                        snprintf(np, sizeof(np), "/proc/self/fd/%d", null);
                        r = mount_on_fd(np, fd, NULL, MS_BIND, NULL);
                }
                if (r < 0)
                        return child_error(e, r, "mask %s", *p);
        }
        return 0;
}

static int readonly_paths(int root_fd, char **paths, bool userns, ChildError *e) {
        STRV_FOREACH(p, paths) {
                _cleanup_close_ int fd = openat2_in_root(root_fd, *p, O_PATH | O_NOFOLLOW);
                char src[64];
                int r;

                if (fd == -ENOENT)
                        continue;
                if (fd < 0)
                        return child_error(e, fd, "read-only %s", *p);
                snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
                r = bind_onto(src, root_fd, *p, MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                              userns);
                if (r < 0)
                        return child_error(e, r, "read-only %s", *p);
        }
        return 0;
}

/* The overlay through the new mount API, one "lowerdir+" per layer (Linux 6.8), so that the number of
 * layers is not limited by the one page mount(2) takes for all options. Returns 0, -EOPNOTSUPP when
 * the kernel predates lowerdir+ (the caller falls back), or -errno with e set. */
static int mount_overlay_fsconfig(const ContainerPlan *plan, const char *root, bool userns, ChildError *e) {
        size_t n = strv_length(plan->lower_dirs);
        _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC), mnt = -EBADF;

        if (fs < 0)
                return errno == ENOSYS ? -EOPNOTSUPP : child_error(e, errno, "mount overlay: fsopen");
        if (plan->rm) {
                /* What a crash under a volatile mount left (see below): a --rm container started again
                 * (its removal failed) mounts its upper dir anyway, as nothing in it needs keeping. */
                char stale[PATH_MAX];
                if (snprintf(stale, sizeof(stale), "%s/work/incompat/volatile/dirty", plan->work_dir)
                    < (int) sizeof(stale)) {
                        (void) unlink(stale);
                        for (int i = 0; i < 2; i++) { /* volatile/, then incompat/ */
                                *strrchr(stale, '/') = '\0';
                                (void) rmdir(stale);
                        }
                }
        }
        for (size_t i = n; i > 0; i--) /* top layer first, as in lowerdir= */
                if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", plan->lower_dirs[i - 1], 0) < 0) {
                        if (errno == EINVAL && i == n)
                                return -EOPNOTSUPP; /* no lowerdir+ in this kernel */
                        return child_error(e, errno, "mount overlay: layer %s", plan->lower_dirs[i - 1]);
                }
        if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "overlay", 0) < 0 /* as mount(2) shows it */
            || fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", plan->upper_dir, 0) < 0
            || fsconfig(fs, FSCONFIG_SET_STRING, "workdir", plan->work_dir, 0) < 0
            || (userns && fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
            /* --rm: the upper dir is thrown away when the container exits, so it need not be
             * synced: "volatile" (Linux 5.10) skips the sync of the upper filesystem (here ext4)
             * that unmounting an overlay does, a journal commit that took 6-18 ms of every
             * `run --rm` (the exit of the container's mount namespace; docs/architecture.md, "Where
             * skiff run spends its time"). podman does the same for --rm. The price: a crash leaves
             * work/incompat/volatile, which makes overlayfs refuse this upper dir (removed above:
             * a --rm container never needs its upper dir's content back; --restart conflicts). */
            || (plan->rm && fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
            || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return child_error(e, errno, "mount overlay (%zu layers) on %s", n, root);
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
        if (mnt < 0 || move_mount(mnt, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return child_error(e, errno, "mount overlay (%zu layers) on %s", n, root);
        return 0;
}

static int mount_rootfs(const ContainerPlan *plan, const char *root, bool userns, ChildError *e) {
        int r;

        if (plan->rootfs) {
                if (mount(plan->rootfs, root, NULL, MS_BIND | MS_REC, NULL) < 0)
                        return child_error(e, errno, "mount rootfs %s", plan->rootfs);
                return 0;
        }
        r = mount_overlay_fsconfig(plan, root, userns, e);
        if (r != -EOPNOTSUPP)
                return r;

        /* FIXME: drop once Linux 6.8 (overlayfs' lowerdir+) is the baseline. mount(2): lowerdir= lists
         * the TOP layer first (the plan, as the image, lowest first), all options in one page. */
        size_t n = strv_length(plan->lower_dirs),
               len = 64 + strlen(plan->upper_dir) + strlen(plan->work_dir);
        for (size_t i = 0; i < n; i++)
                len += strlen(plan->lower_dirs[i]) + 1;
        _cleanup_free_ char *opts = malloc(len);
        if (!opts)
                return child_error(e, ENOMEM, "mount overlay");
        char *p = stpcpy(opts, "lowerdir=");
        for (size_t i = n; i > 0; i--) {
                p = stpcpy(p, plan->lower_dirs[i - 1]);
                if (i > 1)
                        *p++ = ':';
        }
        p += sprintf(p, ",upperdir=%s,workdir=%s", plan->upper_dir, plan->work_dir);
        if (userns)
                strcpy(p, ",userxattr");
        if (mount("overlay", root, "overlay", 0, opts) < 0)
                return child_error(e, errno, "mount overlay (%zu layers) on %s", n, root);
        return 0;
}

/* /sys/fs/cgroup inside: a tmpfs holding the container's own cgroup of each hierarchy (read-only
 * unless privileged), as podman shows it with the host's cgroup namespace on v1. It also hides the
 * host's cgroup mounts that a recursive bind of /sys (user namespaces) would bring along. */
static int mount_cgroupfs(int root_fd, char *const *paths, bool v2_root, bool rw, bool userns,
                          ChildError *e) {
        const unsigned long ro = rw ? 0 : MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        _cleanup_close_ int fd = -EBADF;
        char host[PATH_MAX];
        int r;

        if (!paths || !*paths)
                return 0;
        fd = openat2_in_root(root_fd, "/sys/fs/cgroup", O_PATH);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return child_error(e, fd, "mount /sys/fs/cgroup");
        if (v2_root) {
                snprintf(host, sizeof(host), "/sys/fs/cgroup/%s", paths[0]);
                r = bind_onto(host, root_fd, "/sys/fs/cgroup", ro, userns);
                return r < 0 ? child_error(e, r, "mount /sys/fs/cgroup") : 0;
        }
        r = mount_on_fd("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
        if (r < 0)
                return child_error(e, r, "mount /sys/fs/cgroup");
        for (char *const *p = paths; *p; p++) {
                const char *slash = strchr(*p, '/');
                char dest[PATH_MAX];
                int d;

                if (!slash)
                        continue;
                snprintf(dest, sizeof(dest), "/sys/fs/cgroup/%.*s", (int) (slash - *p), *p);
                snprintf(host, sizeof(host), "/sys/fs/cgroup/%s", *p);
                d = open_in_root(root_fd, dest, true, false);
                if (d < 0)
                        return child_error(e, d, "mount %s", dest);
                close(d);
                r = bind_onto(host, root_fd, dest, ro, userns);
                if (r < 0)
                        return child_error(e, r, "mount %s", dest);
                /* "cpu,cpuacct": the single names as links, as on the host */
                if (memchr(*p, ',', slash - *p)) {
                        _cleanup_close_ int dir =
                                openat2_in_root(root_fd, "/sys/fs/cgroup", O_DIRECTORY | O_RDONLY);
                        char name[64], *save = NULL;

                        snprintf(name, sizeof(name), "%.*s", (int) (slash - *p), *p);
                        char *copy = strdupa(name);
                        for (char *w = strtok_r(copy, ",", &save); dir >= 0 && w;
                             w = strtok_r(NULL, ",", &save))
                                (void) symlinkat(name, dir, w);
                }
        }
        if (!rw) {
                _cleanup_close_ int top = openat2_in_root(root_fd, "/sys/fs/cgroup", O_PATH);
                char fp[64];

                snprintf(fp, sizeof(fp), "/proc/self/fd/%d", top);
                if (top < 0
                    || mount(NULL, fp, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                             "mode=755")
                               < 0)
                        return child_error(e, top < 0 ? top : errno, "remount /sys/fs/cgroup read-only");
        }
        return 0;
}

int apply_rootfs(const ContainerPlan *plan, const char *root, bool userns, bool become_root, bool premounted,
                 char *const *cgroup_paths, bool cgroup_v2_root, ChildError *e) {
        _cleanup_close_ int root_fd = -EBADF;
        int r;

        /* Nothing we mount may propagate back to the host, while the host's unmounts still reach us. */
        if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return child_error(e, errno, "make / rslave");
        if (!premounted) {
                r = mount_rootfs(plan, root, userns, e);
                if (r < 0)
                        return r;
        }
        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return child_error(e, errno, "open the root %s", root);

        /* Bind sources are opened while we still have the host's ids: skiff's own directories (the
         * run dir under RUNROOT) are 0700 and the container's root in a user namespace is another
         * host uid. Then become that root, so that what we create belongs to it. */
        _cleanup_free_ int *src_fds = calloc(plan->n_mounts + 1, sizeof(int));
        if (!src_fds)
                return child_error(e, ENOMEM, "open the mount sources");
        for (size_t i = 0; i < plan->n_mounts; i++) {
                const PlanMount *m = &plan->mounts[i];

                src_fds[i] = -1;
                if (!streq(m->type, "bind"))
                        continue;
                if (m->extra & PLAN_MOUNT_MKDIR_SOURCE)
                        (void) mkdir(m->source, 0755);
                src_fds[i] = open(m->source, O_PATH | O_CLOEXEC);
                if (src_fds[i] < 0)
                        return child_error(e, errno, "mount %s on %s: open the source", m->source,
                                           m->destination);
        }
        /* Mount points on the image's own file system are created now, with the host's ids (the
         * namespace's root could not write there); those inside an earlier mount (/dev/pts in the /dev
         * tmpfs) are created after, by the namespace's root, as that file system then requires. */
        for (size_t i = 0; become_root && i < plan->n_mounts; i++) {
                const char *d = plan->mounts[i].destination;
                bool nested = false;

                for (size_t j = 0; j < i && !nested; j++) {
                        const char *pre = startswith(d, plan->mounts[j].destination);
                        nested = pre && *pre == '/';
                }
                if (nested)
                        continue;
                int fd = open_in_root(root_fd, d, true, plan->mounts[i].extra & PLAN_MOUNT_FILE);
                if (fd < 0)
                        return child_error(e, fd, "mount %s: create the mount point", d);
                close(fd);
        }
        if (become_root && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                return child_error(e, errno, "become root in the user namespace");

        for (size_t i = 0; i < plan->n_mounts; i++) {
                r = mount_one(plan, root_fd, &plan->mounts[i], src_fds[i], userns, e);
                if (r < 0)
                        return r;
                if (streq(plan->mounts[i].destination, "/sys")) {
                        r = mount_cgroupfs(root_fd, cgroup_paths, cgroup_v2_root, plan->privileged, userns,
                                           e);
                        if (r < 0)
                                return r;
                }
                if (streq(plan->mounts[i].destination, "/dev")) {
                        r = make_devices(root_fd, userns, e);
                        if (r >= 0 && plan->privileged)
                                r = host_devices(root_fd, userns, e);
                        if (r >= 0)
                                r = plan_devices_apply(plan, root_fd, userns, e);
                        if (r < 0)
                                return r;
                        /* -t: the pty is the console, as crun gives it (stdio is already set up) */
                        char tty[64];
                        /* by name: fd 0 belongs to a mount of the parent's namespace, which a bind
                         * cannot take; our copy of that mount has the same path */
                        if (plan->tty && isatty(0) && ttyname_r(0, tty, sizeof(tty)) == 0) {
                                int c = open_in_root(root_fd, "/dev/console", true, true);
                                if (c < 0)
                                        return child_error(e, c,
                                                           "mount /dev/console: create the mount point");
                                close(c);
                                r = bind_onto(tty, root_fd, "/dev/console", 0, userns);
                                if (r < 0)
                                        return child_error(e, r, "mount the tty on /dev/console");
                        }
                }
        }

        if (plan->sysctls.n > 0) {
                _cleanup_close_ int proc = openat2_in_root(root_fd, "/proc", O_DIRECTORY | O_RDONLY);
                size_t failed = 0;

                if (proc < 0)
                        return child_error(e, proc, "sysctl: open /proc");
                r = sysctls_apply(&plan->sysctls, proc, &failed);
                if (r < 0)
                        return child_error(e, r, "sysctl %s=%s", plan->sysctls.items[failed].key,
                                           plan->sysctls.items[failed].value);
        }

        r = mask_paths(root_fd, plan->masked_paths, e);
        if (r < 0)
                return r;
        r = readonly_paths(root_fd, plan->readonly_paths, userns, e);
        if (r < 0)
                return r;

        /* pivot_root(".", "."): the old root ends up stacked under the new one and is detached at once,
         * so no directory for it is needed in the image. */
        if (fchdir(root_fd) < 0) /* by fd: the path may not be searchable by the namespace's root */
                return child_error(e, errno, "chdir %s", root);
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return child_error(e, errno, "pivot_root %s", root);
        if (umount2(".", MNT_DETACH) < 0)
                return child_error(e, errno, "umount the old root");
        if (chdir("/") < 0)
                return child_error(e, errno, "chdir /");
        if (plan->read_only) {
                unsigned long keep = userns ? locked_flags("/") : 0;
                if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
                        return child_error(e, errno, "remount / read-only");
        }
        return 0;
}
