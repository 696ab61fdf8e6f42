/* Users and groups of the image: /etc/passwd and /etc/group read through the layer directories as the
 * overlay mount will show them (top-down, whiteouts and opaque directories honoured), so that `-u name`
 * resolves before anything is mounted. Pure apart from reading the image's files. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/strv.h"
#include "runtime/container-plan.h"
#include "runtime/plan-internal.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER ".wh..wh..opq"

/* A dir of a layer hides everything below it when it is opaque: the AUFS-style marker file that OCI
 * layer tars carry, or the xattr overlayfs itself uses (trusted.* as root, user.* with userxattr). */
static bool dir_is_opaque(int dir_fd) {
        char v[2];

        if (faccessat(dir_fd, OPAQUE_MARKER, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return true;
        for (const char *const *n =
                     (const char *const[]){"trusted.overlay.opaque", "user.overlay.opaque", NULL};
             *n; n++) {
                char path[64];
                ssize_t l;

                snprintf(path, sizeof(path), "/proc/self/fd/%d", dir_fd);
                l = getxattr(path, *n, v, sizeof(v));
                if (l == 1 && v[0] == 'y')
                        return true;
        }
        return false;
}

/* Looks at one layer. Returns an fd (found), -ENOENT when this layer hides the path (whiteout, a
 * non-directory where a directory is needed, an opaque directory not holding it), or -ENODATA when the
 * layer says nothing about the path (look further down). */
static int layer_open(const char *layer, char *const *comps, size_t n) {
        _cleanup_close_ int dir_fd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dir_fd < 0)
                return errno == ENOENT ? -ENODATA : -errno;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *wh = NULL;
                struct stat st;
                bool last = i + 1 == n;

                if (asprintf(&wh, WHITEOUT_PREFIX "%s", comps[i]) < 0)
                        return -ENOMEM;
                if (faccessat(dir_fd, wh, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                        return -ENOENT;
                if (fstatat(dir_fd, comps[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                return -errno;
                        return dir_is_opaque(dir_fd) ? -ENOENT : -ENODATA;
                }
                if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
                        return -ENOENT; /* overlayfs' own whiteout */
                if (last) {
                        int fd;

                        if (S_ISLNK(st.st_mode))
                                return -ELOOP; /* would resolve on the host, not in the image */
                        if (!S_ISREG(st.st_mode))
                                return -EISDIR;
                        fd = openat(dir_fd, comps[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                        return fd < 0 ? -errno : fd;
                }
                if (!S_ISDIR(st.st_mode))
                        return S_ISLNK(st.st_mode) ? -ELOOP : -ENOENT;
                int sub = openat(dir_fd, comps[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (sub < 0)
                        return -errno;
                close(dir_fd);
                dir_fd = sub;
        }
        return -ENODATA;
}

int plan_open_image_file(char *const *layer_dirs, const char *rootfs, const char *path) {
        _cleanup_strv_free_ char **comps = NULL;
        _cleanup_free_ char *copy = NULL;
        size_t n_layers = strv_length(layer_dirs);
        char *save = NULL;
        int r;

        if (!path || path[0] != '/')
                return -EINVAL;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, ".") || streq(c, ".."))
                        return -EINVAL;
                r = strv_extend(&comps, c);
                if (r < 0)
                        return r;
        }
        if (!comps)
                return -EISDIR;

        if (n_layers == 0) {
                if (!rootfs)
                        return -ENOENT;
                r = layer_open(rootfs, comps, strv_length(comps));
                return r == -ENODATA ? -ENOENT : r;
        }
        for (size_t i = n_layers; i > 0; i--) {
                r = layer_open(layer_dirs[i - 1], comps, strv_length(comps));
                if (r != -ENODATA)
                        return r;
        }
        return -ENOENT;
}

static int read_image_file(char *const *layer_dirs, const char *rootfs, const char *path, char **ret) {
        _cleanup_fclose_ FILE *f = NULL;
        int fd = plan_open_image_file(layer_dirs, rootfs, path);

        if (fd < 0)
                return fd;
        f = fdopen(fd, "re");
        if (!f) {
                close(fd);
                return -errno;
        }
        return read_full_stream(f, 16 << 20, ret, NULL);
}

static bool parse_id(const char *s, uint32_t *ret) {
        char *end;
        unsigned long v;

        if (isempty(s) || s[0] == '-' || s[0] == '+' || s[0] == ' ')
                return false;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v >= UINT32_MAX)
                return false;
        *ret = (uint32_t) v;
        return true;
}

/* Splits one passwd/group line into its colon-separated fields (in place). Returns the count. */
static size_t split_fields(char *line, char **fields, size_t max) {
        size_t n = 0;

        fields[n++] = line;
        for (char *p = line; *p && n < max; p++)
                if (*p == ':') {
                        *p = 0;
                        fields[n++] = p + 1;
                }
        return n;
}

typedef struct PwEntry {
        uid_t uid;
        gid_t gid;
        char *name;
        char *home;
} PwEntry;

/* Finds by name (when name is set) or by uid in the passwd text. Returns 1 found, 0 not. */
static int passwd_find(char *text, const char *name, uid_t uid, PwEntry *ret) {
        char *save = NULL;

        if (!text)
                return 0;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[7];
                uint32_t u, g;

                if (line[0] == '#' || split_fields(line, f, 7) < 7)
                        continue;
                if (!parse_id(f[2], &u) || !parse_id(f[3], &g))
                        continue;
                if (name ? streq(f[0], name) : u == uid) {
                        ret->uid = u;
                        ret->gid = g;
                        ret->name = strdup(f[0]);
                        ret->home = strdup(f[5]);
                        if (!ret->name || !ret->home) {
                                free(ret->name);
                                free(ret->home);
                                return -ENOMEM;
                        }
                        return 1;
                }
        }
        return 0;
}

/* By name or gid; the text is not modified (each call copies). Returns 1 found, 0 not, -errno. */
static int group_find(const char *text, const char *name, gid_t gid, gid_t *ret_gid) {
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;

        if (!text)
                return 0;
        copy = strdup(text);
        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[4];
                uint32_t g;

                if (line[0] == '#' || split_fields(line, f, 4) < 3 || !parse_id(f[2], &g))
                        continue;
                if (name ? streq(f[0], name) : g == gid) {
                        *ret_gid = g;
                        return 1;
                }
        }
        return 0;
}

static int groups_add(gid_t **groups, size_t *n, gid_t g) {
        gid_t *a;

        for (size_t i = 0; i < *n; i++)
                if ((*groups)[i] == g)
                        return 0;
        if (*n >= NGROUPS_MAX)
                return -E2BIG;
        a = reallocarray(*groups, *n + 1, sizeof(gid_t));
        if (!a)
                return -ENOMEM;
        a[(*n)++] = g;
        *groups = a;
        return 0;
}

/* Every group whose member list names user. */
static int group_memberships(const char *text, const char *user, gid_t primary, gid_t **groups, size_t *n) {
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;
        int r;

        if (!text || !user)
                return 0;
        copy = strdup(text);
        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[4], *msave = NULL;
                uint32_t g;

                if (line[0] == '#' || split_fields(line, f, 4) < 4 || !parse_id(f[2], &g) || g == primary)
                        continue;
                for (char *m = strtok_r(f[3], ",", &msave); m; m = strtok_r(NULL, ",", &msave))
                        if (streq(m, user)) {
                                r = groups_add(groups, n, g);
                                if (r < 0)
                                        return r;
                                break;
                        }
        }
        return 0;
}

int plan_resolve_user(char *const *layer_dirs, const char *rootfs, const char *user, char *const *group_add,
                      uid_t *ret_uid, gid_t *ret_gid, gid_t **ret_groups, size_t *ret_n_groups,
                      char **ret_home, char **ret_error) {
        _cleanup_free_ char *passwd = NULL, *group = NULL, *uname = NULL, *gname = NULL;
        _cleanup_free_ gid_t *groups = NULL;
        PwEntry pw = {};
        size_t n_groups = 0;
        uint32_t uid = 0, gid = 0;
        bool have_pw = false;
        const char *spec = isempty(user) ? "0" : user;
        int r;

        r = read_image_file(layer_dirs, rootfs, "/etc/passwd", &passwd);
        if (r < 0 && r != -ENOENT)
                return plan_errorf(ret_error, r, "user %s: read the image's /etc/passwd: %s", spec,
                                   strerror(-r));
        r = read_image_file(layer_dirs, rootfs, "/etc/group", &group);
        if (r < 0 && r != -ENOENT)
                return plan_errorf(ret_error, r, "user %s: read the image's /etc/group: %s", spec,
                                   strerror(-r));

        const char *colon = strchr(spec, ':');
        uname = colon ? strndup(spec, colon - spec) : strdup(spec);
        if (!uname)
                return -ENOMEM;
        if (colon) {
                gname = strdup(colon + 1);
                if (!gname)
                        return -ENOMEM;
        }
        if (isempty(uname) || (gname && isempty(gname)))
                return plan_errorf(ret_error, -EINVAL, "user %s: empty user or group", spec);

        _cleanup_free_ char *passwd_copy = passwd ? strdup(passwd) : NULL;
        if (passwd && !passwd_copy)
                return -ENOMEM;
        if (parse_id(uname, &uid)) {
                r = passwd_find(passwd_copy, NULL, uid, &pw);
                if (r < 0)
                        return r;
                have_pw = r > 0;
                gid = have_pw ? pw.gid : 0; /* a uid missing from passwd runs with gid 0, as podman */
        } else {
                r = passwd_find(passwd_copy, uname, 0, &pw);
                if (r < 0)
                        return r;
                if (r == 0)
                        return plan_errorf(ret_error, -ENOENT,
                                           "user %s: no user \"%s\" in the image's /etc/passwd", spec,
                                           uname);
                have_pw = true;
                uid = pw.uid;
                gid = pw.gid;
        }

        if (gname) {
                if (!parse_id(gname, &gid)) {
                        gid_t g;

                        r = group_find(group, gname, 0, &g);
                        if (r < 0)
                                goto fail;
                        if (r == 0) {
                                r = plan_errorf(ret_error, -ENOENT,
                                                "user %s: no group \"%s\" in the image's /etc/group", spec,
                                                gname);
                                goto fail;
                        }
                        gid = g;
                }
        } else if (have_pw) {
                /* Supplementary groups come from /etc/group only when the group was not given. */
                r = group_memberships(group, pw.name, gid, &groups, &n_groups);
                if (r < 0)
                        goto fail;
        }

        STRV_FOREACH(g, (char **) group_add) {
                uint32_t id;
                gid_t found;

                if (streq(*g, "keep-groups")) {
                        r = plan_errorf(ret_error, -EOPNOTSUPP, "--group-add keep-groups: not supported");
                        goto fail;
                }
                if (!parse_id(*g, &id)) {
                        r = group_find(group, *g, 0, &found);
                        if (r < 0)
                                goto fail;
                        if (r == 0) {
                                r = plan_errorf(ret_error, -ENOENT,
                                                "--group-add %s: no group \"%s\" in the image's /etc/group",
                                                *g, *g);
                                goto fail;
                        }
                        id = found;
                }
                r = groups_add(&groups, &n_groups, id);
                if (r < 0)
                        goto fail;
        }

        *ret_uid = uid;
        *ret_gid = gid;
        *ret_groups = TAKE_PTR(groups);
        *ret_n_groups = n_groups;
        if (ret_home) {
                *ret_home = have_pw ? TAKE_PTR(pw.home) : NULL;
        }
        free(pw.name);
        free(pw.home);
        return 0;
fail:
        free(pw.name);
        free(pw.home);
        return r;
}
