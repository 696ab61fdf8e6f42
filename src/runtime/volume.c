/* Named volumes: the store under ROOT/volumes and the image copy-up. See volume.h. */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "common/fileio.h"
#include "common/json-util.h"
#include "common/macro.h"
#include "common/rm-rf.h"
#include "common/strv.h"
#include "runtime/state.h"
#include "runtime/volume.h"

#define VOLUME_RECORD "volume.json"
#define VOLUME_RECORD_MAX (1024 * 1024)

struct VolumeStore {
        char *path; /* ROOT/volumes */
        int dir_fd;
};

Volume *volume_free(Volume *v) {
        if (!v)
                return NULL;
        free(v->name);
        free(v->driver);
        free(v->created_at);
        strv_free(v->labels);
        strv_free(v->options);
        free(v);
        return NULL;
}

bool volume_name_is_valid(const char *name) {
        if (!name || !isalnum((unsigned char) name[0]) || strlen(name) > 253)
                return false;
        for (const char *p = name; *p; p++)
                if (!isalnum((unsigned char) *p) && !IN_SET(*p, '_', '.', '-'))
                        return false;
        return true;
}

int volume_option_check(const char *opt, char **ret_error) {
        static const char *const with_value[] = {"type", "device", "o", "size", "inodes", "uid", "gid", "image",
                                                 NULL};
        static const char *const bare[] = {"copy", "nocopy", "noquota", NULL};
        const char *eq = opt ? strchr(opt, '=') : NULL;
        _cleanup_free_ char *key = NULL;

        if (isempty(opt)) {
                (void) asprintf(ret_error, "--opt: empty option");
                return -EINVAL;
        }
        if (!eq) {
                if (strv_contains((char **) bare, opt))
                        return 0;
                if (strv_contains((char **) with_value, opt))
                        (void) asprintf(ret_error, "--opt %s: needs a value (%s=...)", opt, opt);
                else
                        (void) asprintf(ret_error, "--opt %s: unknown option for the local driver", opt);
                return -EINVAL;
        }
        key = strndup(opt, (size_t) (eq - opt));
        if (!key)
                return -ENOMEM;
        if (!strv_contains((char **) with_value, key)) {
                (void) asprintf(ret_error, "--opt %s: unknown option \"%s\" for the local driver", opt, key);
                return -EINVAL;
        }
        if (isempty(eq + 1)) {
                (void) asprintf(ret_error, "--opt %s: %s needs a value", opt, key);
                return -EINVAL;
        }
        if (IN_SET(0, strcmp(key, "uid"), strcmp(key, "gid"))) {
                char *end;
                long n;

                errno = 0;
                n = strtol(eq + 1, &end, 10);
                if (errno || *end || n < 0 || n > UINT32_MAX - 1) {
                        (void) asprintf(ret_error, "--opt %s: %s is not a number", opt, key);
                        return -EINVAL;
                }
        }
        return 0;
}

const char *volume_options_unsupported(const Volume *v) {
        for (char **o = v->options; o && *o; o++)
                if (startswith(*o, "type=") || startswith(*o, "device=") || startswith(*o, "o=") ||
                    startswith(*o, "image=") || startswith(*o, "size=") || startswith(*o, "inodes="))
                        return *o;
        return NULL;
}

static int add_kv_object(json_object *o, const char *key, char *const *kv) {
        json_object *m = json_object_new_object();

        if (!m)
                return -ENOMEM;
        for (char *const *p = kv; p && *p; p++) {
                const char *eq = strchr(*p, '=');
                _cleanup_free_ char *k = strndup(*p, eq ? (size_t) (eq - *p) : strlen(*p));
                if (!k || json_add_string(m, k, eq ? eq + 1 : "") < 0) {
                        json_object_put(m);
                        return -ENOMEM;
                }
        }
        return json_add_object(o, key, m);
}

int volume_to_json(const Volume *v, const char *mountpoint, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        if (json_add_string(o, "Name", v->name) < 0 || json_add_string(o, "Driver", v->driver ?: "local") < 0 ||
            json_add_string_nonnull(o, "Mountpoint", mountpoint) < 0 ||
            json_add_string(o, "CreatedAt", v->created_at) < 0 || add_kv_object(o, "Labels", v->labels) < 0 ||
            json_add_string(o, "Scope", "local") < 0 || add_kv_object(o, "Options", v->options) < 0 ||
            (v->uid >= 0 && json_add_int(o, "UID", v->uid) < 0) ||
            (v->gid >= 0 && json_add_int(o, "GID", v->gid) < 0) ||
            json_add_bool(o, "NeedsCopyUp", v->needs_copy_up) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static int kv_from_object(json_object *o, bool bare_if_empty, char ***ret) {
        if (!o)
                return 0;
        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        json_object_object_foreach(o, k, val) {
                if (!json_object_is_type(val, json_type_string))
                        return -EBADMSG;
                if (bare_if_empty && isempty(json_object_get_string(val))) {
                        if (strv_extend(ret, k) < 0)
                                return -ENOMEM;
                } else if (strv_extendf(ret, "%s=%s", k, json_object_get_string(val)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int int_field(json_object *o, const char *key, int64_t *ret) {
        json_object *v;

        *ret = -1;
        if (!json_object_object_get_ex(o, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return -EBADMSG;
        *ret = json_object_get_int64(v);
        return *ret < 0 || *ret > UINT32_MAX - 1 ? -EBADMSG : 0;
}

int volume_from_json(json_object *o, Volume **ret) {
        _cleanup_(volume_freep) Volume *v = NULL;
        json_object *name, *driver, *created, *labels = NULL, *options = NULL, *copy;
        int r;

        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "Name", &name) ||
            !json_object_is_type(name, json_type_string) ||
            !volume_name_is_valid(json_object_get_string(name)))
                return -EBADMSG;
        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v->name = strdup(json_object_get_string(name));
        if (!v->name)
                return -ENOMEM;
        if (json_object_object_get_ex(o, "Driver", &driver)) {
                if (!json_object_is_type(driver, json_type_string))
                        return -EBADMSG;
                v->driver = strdup(json_object_get_string(driver));
        } else
                v->driver = strdup("local");
        if (!v->driver)
                return -ENOMEM;
        if (json_object_object_get_ex(o, "CreatedAt", &created) && json_object_is_type(created, json_type_string)) {
                v->created_at = strdup(json_object_get_string(created));
                if (!v->created_at)
                        return -ENOMEM;
        }
        (void) json_object_object_get_ex(o, "Labels", &labels);
        (void) json_object_object_get_ex(o, "Options", &options);
        r = kv_from_object(labels, false, &v->labels);
        if (r >= 0)
                r = kv_from_object(options, true, &v->options);
        if (r >= 0)
                r = int_field(o, "UID", &v->uid);
        if (r >= 0)
                r = int_field(o, "GID", &v->gid);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(o, "NeedsCopyUp", &copy)) {
                if (!json_object_is_type(copy, json_type_boolean))
                        return -EBADMSG;
                v->needs_copy_up = json_object_get_boolean(copy);
        }
        *ret = TAKE_PTR(v);
        return 0;
}

/* --- the store --- */

static int store_lock(VolumeStore *s) {
        int fd = openat(s->dir_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR) {
                        int r = -errno;
                        close(fd);
                        return r;
                }
        return fd;
}

int volume_store_open(const char *root, VolumeStore **ret) {
        _cleanup_(volume_store_freep) VolumeStore *s = NULL;
        _cleanup_close_ int lock = -EBADF;
        DIR *d;
        struct dirent *de;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->dir_fd = -EBADF;
        if (asprintf(&s->path, "%s/volumes", root) < 0) {
                s->path = NULL;
                return -ENOMEM;
        }
        r = mkdir_p(s->path, 0700);
        if (r < 0)
                return r;
        s->dir_fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->dir_fd < 0)
                return -errno;
        lock = store_lock(s);
        if (lock < 0)
                return lock;
        /* Finish what a crash interrupted: a half-made volume was never visible, a half-removed one is
         * already gone for readers. */
        d = fdopendir(openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (startswith(de->d_name, ".tmp-") || startswith(de->d_name, ".rm-"))
                        (void) rm_rf_at(s->dir_fd, de->d_name);
        closedir(d);
        *ret = TAKE_PTR(s);
        return 0;
}

VolumeStore *volume_store_free(VolumeStore *s) {
        if (!s)
                return NULL;
        if (s->dir_fd >= 0)
                close(s->dir_fd);
        free(s->path);
        free(s);
        return NULL;
}

char *volume_data_path(VolumeStore *s, const char *name) {
        char *p;

        return asprintf(&p, "%s/%s/_data", s->path, name) < 0 ? NULL : p;
}

static int write_record(int dir_fd, const Volume *v) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        r = volume_to_json(v, NULL, &o);
        if (r < 0)
                return r;
        return json_write_file_atomic_at(dir_fd, VOLUME_RECORD, o, 0600);
}

int volume_create(VolumeStore *s, const Volume *v, char **ret_error) {
        _cleanup_close_ int lock = -EBADF, tmp_fd = -EBADF;
        _cleanup_free_ char *tmp = NULL;
        int r;

        if (!volume_name_is_valid(v->name)) {
                (void) asprintf(ret_error, "invalid name (letters, digits, '_', '.', '-'; starting with a letter or digit)");
                return -EINVAL;
        }
        lock = store_lock(s);
        if (lock < 0)
                return lock;
        if (faccessat(s->dir_fd, v->name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return -EEXIST;
        if (asprintf(&tmp, ".tmp-%s", v->name) < 0)
                return -ENOMEM;
        (void) rm_rf_at(s->dir_fd, tmp);
        if (mkdirat(s->dir_fd, tmp, 0700) < 0) {
                r = -errno;
                (void) asprintf(ret_error, "create %s/%s: %s", s->path, tmp, strerror(-r));
                return r;
        }
        tmp_fd = openat(s->dir_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (tmp_fd < 0) {
                r = -errno;
                goto fail;
        }
        /* 0755 as podman's _data: the container's users other than root must reach it. */
        if (mkdirat(tmp_fd, "_data", 0755) < 0 || fchmodat(tmp_fd, "_data", 0755, 0) < 0) {
                r = -errno;
                goto fail;
        }
        if ((v->uid >= 0 || v->gid >= 0) &&
            fchownat(tmp_fd, "_data", v->uid >= 0 ? (uid_t) v->uid : (uid_t) -1,
                     v->gid >= 0 ? (gid_t) v->gid : (gid_t) -1, 0) < 0) {
                r = -errno;
                (void) asprintf(ret_error, "chown _data to %lld:%lld: %s", (long long) v->uid, (long long) v->gid,
                                strerror(-r));
                goto fail_quiet;
        }
        r = write_record(tmp_fd, v);
        if (r < 0)
                goto fail;
        if (renameat(s->dir_fd, tmp, s->dir_fd, v->name) < 0) {
                r = -errno;
                goto fail;
        }
        (void) fsync(s->dir_fd);
        return 0;
fail:
        (void) asprintf(ret_error, "create %s/%s: %s", s->path, v->name, strerror(-r));
fail_quiet:
        (void) rm_rf_at(s->dir_fd, tmp);
        return r;
}

static int load_unlocked(VolumeStore *s, const char *name, Volume **ret) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *path = NULL, *data = NULL;
        int r;

        if (!volume_name_is_valid(name))
                return -ENOENT;
        if (asprintf(&path, "%s/" VOLUME_RECORD, name) < 0)
                return -ENOMEM;
        r = read_full_file_at(s->dir_fd, path, VOLUME_RECORD_MAX, &data, NULL);
        if (r < 0)
                return r;
        o = json_tokener_parse(data);
        if (!o)
                return -EBADMSG;
        r = volume_from_json(o, ret);
        if (r >= 0 && !streq((*ret)->name, name)) {
                *ret = volume_free(*ret);
                return -EBADMSG;
        }
        return r;
}

int volume_load(VolumeStore *s, const char *name, Volume **ret) {
        return load_unlocked(s, name, ret);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int volume_list(VolumeStore *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        DIR *d;
        struct dirent *de;
        int r = 0;

        d = fdopendir(openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (volume_name_is_valid(de->d_name)) {
                        r = strv_extend(&l, de->d_name);
                        if (r < 0)
                                break;
                }
        closedir(d);
        if (r < 0)
                return r;
        if (l)
                qsort(l, strv_length(l), sizeof(char *), cmp_str);
        *ret = TAKE_PTR(l);
        return 0;
}

int volume_remove(VolumeStore *s, const char *name) {
        _cleanup_close_ int lock = -EBADF;
        _cleanup_free_ char *aside = NULL;

        if (!volume_name_is_valid(name))
                return -ENOENT;
        lock = store_lock(s);
        if (lock < 0)
                return lock;
        if (asprintf(&aside, ".rm-%s", name) < 0)
                return -ENOMEM;
        (void) rm_rf_at(s->dir_fd, aside);
        if (renameat(s->dir_fd, name, s->dir_fd, aside) < 0)
                return -errno;
        (void) fsync(s->dir_fd);
        return rm_rf_at(s->dir_fd, aside);
}

int volume_mark_copied(VolumeStore *s, const char *name) {
        _cleanup_close_ int lock = -EBADF, fd = -EBADF;
        _cleanup_(volume_freep) Volume *v = NULL;
        int r;

        lock = store_lock(s);
        if (lock < 0)
                return lock;
        r = load_unlocked(s, name, &v);
        if (r < 0)
                return r;
        if (!v->needs_copy_up)
                return 0;
        v->needs_copy_up = false;
        fd = openat(s->dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return write_record(fd, v);
}

/* --- copy-up --- */

static bool is_whiteout(int dir_fd, const char *name, const struct stat *st) {
        char v[2];

        if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0))
                return true;
        if (S_ISREG(st->st_mode) && st->st_size == 0) {
                _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
                if (fd >= 0 && fgetxattr(fd, "user.overlay.whiteout", v, sizeof(v)) >= 0)
                        return true;
        }
        return false;
}

static bool is_opaque(int fd) {
        char v[2] = {};

        if (fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y')
                return true;
        return fgetxattr(fd, "user.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

static int copy_regular(int src_dir, int dst_dir, const char *name, const struct stat *st) {
        _cleanup_close_ int in = -EBADF, out = -EBADF;

        in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0)
                return -errno;
        out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
        if (out < 0)
                return -errno;
        for (;;) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
                if (n < 0 && IN_SET(errno, EXDEV, ENOSYS, EOPNOTSUPP, EINVAL)) {
                        char buf[65536];
                        n = read(in, buf, sizeof(buf));
                        if (n > 0 && write(out, buf, (size_t) n) != n)
                                return -EIO;
                }
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
        }
        (void) fchmod(out, st->st_mode & 07777);
        return 0;
}

/* Replays one layer's directory src onto dst (both open dirs), as overlay would show it on top. */
static int replay_dir(int src, int dst, unsigned depth) {
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (depth > 256)
                return -ELOOP;
        d = fdopendir(openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!d)
                return -errno;
        while (r >= 0 && (de = readdir(d))) {
                struct stat st, cur;
                bool exists;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }
                exists = fstatat(dst, de->d_name, &cur, AT_SYMLINK_NOFOLLOW) == 0;
                if (is_whiteout(src, de->d_name, &st)) {
                        if (exists)
                                r = rm_rf_at(dst, de->d_name);
                        continue;
                }
                if (exists && !(S_ISDIR(st.st_mode) && S_ISDIR(cur.st_mode))) {
                        r = rm_rf_at(dst, de->d_name);
                        if (r < 0)
                                break;
                        exists = false;
                }
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sfd = -EBADF, dfd = -EBADF;

                        if (!exists && mkdirat(dst, de->d_name, 0700) < 0) {
                                r = -errno;
                                break;
                        }
                        sfd = openat(src, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        dfd = openat(dst, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sfd < 0 || dfd < 0) {
                                r = -errno;
                                break;
                        }
                        if (exists && is_opaque(sfd)) {
                                r = rm_rf_children(dfd);
                                if (r < 0)
                                        break;
                        }
                        r = replay_dir(sfd, dfd, depth + 1);
                        (void) fchmod(dfd, st.st_mode & 07777);
                } else if (S_ISREG(st.st_mode))
                        r = copy_regular(src, dst, de->d_name, &st);
                else if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(src, de->d_name, target, sizeof(target) - 1);
                        if (n < 0) {
                                r = -errno;
                                break;
                        }
                        target[n] = 0;
                        if (symlinkat(target, dst, de->d_name) < 0)
                                r = -errno;
                } else if (mknodat(dst, de->d_name, st.st_mode, st.st_rdev) < 0 && errno != EPERM)
                        r = -errno; /* devices need privileges a rootless user lacks: skipped, as podman */
                if (r >= 0)
                        (void) fchownat(dst, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
        }
        closedir(d);
        return r;
}

int volume_copy_up(const char *dest, char *const *layer_dirs, const char *rootfs, const char *path,
                   char **ret_error) {
        _cleanup_close_ int dst = -EBADF;
        const char *rel = path;
        char *const single[] = {(char *) rootfs, NULL};
        char *const *dirs = rootfs ? single : layer_dirs;
        int r;

        while (*rel == '/')
                rel++;
        dst = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dst < 0) {
                r = -errno;
                (void) asprintf(ret_error, "open %s: %s", dest, strerror(-r));
                return r;
        }
        for (char *const *l = dirs; l && *l; l++) {
                _cleanup_close_ int root = -EBADF, src = -EBADF;
                struct stat st;

                root = open(*l, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (root < 0)
                        continue;
                /* The path is resolved inside the layer without following symlinks: a layer's symlink
                 * must not lead the copy out of it. */
                if (*rel) {
                        struct open_how how = {
                                .flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
                                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
                        };
                        src = (int) syscall(SYS_openat2, root, rel, &how, sizeof(how));
                } else
                        src = TAKE_FD(root);
                if (src < 0) {
                        /* Not a directory in this layer: a whiteout or a file hides what was below. */
                        if (*rel && fstatat(root, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
                                (void) rm_rf_children(dst);
                        continue;
                }
                if (is_opaque(src))
                        (void) rm_rf_children(dst);
                r = replay_dir(src, dst, 0);
                if (r < 0) {
                        (void) asprintf(ret_error, "copy %s of the image into %s: %s", path, dest, strerror(-r));
                        return r;
                }
        }
        return 0;
}
