/* Cgroups: detection, plan (pure), and the apply steps, all relative to a root fd. See cgroup.h. */

#include "runtime/cgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/macro.h"
#include "common/strv.h"
#include "runtime/cgroup-devices.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

static const char *const layout_table[_CGROUP_LAYOUT_MAX] = {
        [CGROUP_LAYOUT_V1] = "v1",
        [CGROUP_LAYOUT_HYBRID] = "hybrid",
        [CGROUP_LAYOUT_V2] = "v2",
};

const char *cgroup_layout_to_string(CgroupLayout l) {
        return l >= 0 && l < _CGROUP_LAYOUT_MAX ? layout_table[l] : NULL;
}

static const char *const mode_table[_CGROUPS_MODE_MAX] = {
        [CGROUPS_ENABLED] = "enabled",
        [CGROUPS_DISABLED] = "disabled",
        [CGROUPS_NO_CONMON] = "no-conmon",
        [CGROUPS_SPLIT] = "split",
};

const char *cgroups_mode_to_string(CgroupsMode m) {
        return m >= 0 && m < _CGROUPS_MODE_MAX ? mode_table[m] : NULL;
}

CgroupsMode cgroups_mode_from_string(const char *s) {
        for (int i = 0; i < _CGROUPS_MODE_MAX; i++)
                if (s && streq(s, mode_table[i]))
                        return (CgroupsMode) i;
        return _CGROUPS_MODE_INVALID;
}

_printf_(3, 4) static int set_err(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (!ret_error)
                return r;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0) {
                *ret_error = NULL;
                r = -ENOMEM;
        }
        va_end(ap);
        return r;
}

/* ---- detection ---- */

static void hierarchy_done(CgroupHierarchy *h) {
        free(h->dir);
        strv_free(h->controllers);
        free(h->name);
        free(h->own);
}

CgroupSystem *cgroup_system_free(CgroupSystem *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_hier; i++)
                hierarchy_done(&s->hier[i]);
        free(s->hier);
        if (s->root_fd >= 0)
                close(s->root_fd);
        free(s);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(CgroupSystem *, cgroup_system_free);

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s) {
        char *w = s;

        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0'
                    && r[3] <= '7') {
                        *w++ = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 4;
                } else
                        *w++ = *r++;
        }
        *w = 0;
}

/* Comma-separated, sorted, for comparing controller sets ("cpuacct,cpu" == "cpu,cpuacct"). */
static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *normalize_list(char **l) {
        size_t n = strv_length(l);

        if (n > 1)
                qsort(l, n, sizeof(char *), cmp_str);
        return strv_join(l, ",");
}

/* One line of /proc/self/cgroup: "ID:CONTROLLERS:PATH". */
typedef struct SelfLine {
        char *controllers; /* normalized; "" for v2 */
        char *path;        /* with the leading '/' */
        bool used;
} SelfLine;

static int parse_self(const char *text, SelfLine **ret, size_t *ret_n) {
        _cleanup_free_ char *copy = strdup(text);
        SelfLine *l = NULL;
        size_t n = 0;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(line, ':'), *c2;
                char **parts = NULL;

                if (!c1 || !(c2 = strchr(c1 + 1, ':')))
                        goto bad;
                *c2 = 0;
                SelfLine *nl = reallocarray(l, n + 1, sizeof(SelfLine));
                if (!nl)
                        goto oom;
                l = nl;
                /* split the controllers */
                char *save2 = NULL;
                for (char *t = strtok_r(c1 + 1, ",", &save2); t; t = strtok_r(NULL, ",", &save2))
                        if (strv_extend(&parts, t) < 0) {
                                strv_free(parts);
                                goto oom;
                        }
                l[n].controllers = parts ? normalize_list(parts) : strdup("");
                strv_free(parts);
                l[n].path = strdup(c2 + 1);
                l[n].used = false;
                n++;
                if (!l[n - 1].controllers || !l[n - 1].path)
                        goto oom;
        }
        *ret = l;
        *ret_n = n;
        return 0;
bad:
oom:
        for (size_t i = 0; i < n; i++) {
                free(l[i].controllers);
                free(l[i].path);
        }
        free(l);
        return -ENOMEM;
}

static bool is_mount_option(const char *o) {
        static const char *const noise[] = {"rw",
                                            "ro",
                                            "relatime",
                                            "noatime",
                                            "nosuid",
                                            "nodev",
                                            "noexec",
                                            "xattr",
                                            "clone_children",
                                            "noprefix",
                                            "nsdelegate",
                                            "memory_recursiveprot",
                                            "memory_localevents",
                                            "favordynmods",
                                            "memory_hugetlb_accounting"};
        for (size_t i = 0; i < ELEMENTSOF(noise); i++)
                if (streq(o, noise[i]))
                        return true;
        return startswith(o, "release_agent=") || startswith(o, "cpuset_v2_mode");
}

/* "<own path>" made relative to the mount's root and stripped of slashes. */
static char *relative_own(const char *mount_root, const char *path) {
        const char *p = path;
        size_t rl = strlen(mount_root);

        if (!streq(mount_root, "/") && strncmp(path, mount_root, rl) == 0 && IN_SET(path[rl], '/', '\0'))
                p = path + rl;
        while (*p == '/')
                p++;
        char *r = strdup(p);
        if (r) {
                size_t l = strlen(r);
                while (l > 0 && r[l - 1] == '/')
                        r[--l] = 0;
        }
        return r;
}

static int read_v2_controllers(int root_fd, const CgroupHierarchy *h, char ***ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        char **l = NULL, *save = NULL;

        if (asprintf(&path, "%s%s%s%scgroup.controllers", h->dir, *h->dir ? "/" : "", h->own,
                     *h->own ? "/" : "")
            < 0)
                return -ENOMEM;
        if (read_full_file_at(root_fd, path, 4096, &text, NULL) < 0) {
                *ret = NULL;
                return 0; /* no file (a test tree): no controllers */
        }
        for (char *t = strtok_r(text, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
                if (strv_extend(&l, t) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
        *ret = l;
        return 0;
}

/* The mount point of every mountinfo line, in order (unescaped), "" for lines without one. */
static int collect_mount_points(const char *mountinfo, char ***ret) {
        char **l = NULL;

        for (const char *p = mountinfo; p && *p;) {
                const char *eol = strchr(p, '\n');
                size_t len = eol ? (size_t) (eol - p) : strlen(p);
                _cleanup_free_ char *line = strndup(p, len);
                char *mp = NULL;

                if (!line) {
                        strv_free(l);
                        return -ENOMEM;
                }
                if (len == 0) { /* strtok_r() in the caller skips empty lines: so do we */
                        p = eol ? eol + 1 : NULL;
                        continue;
                }
                /* the fifth field */
                char *save = NULL, *tok = strtok_r(line, " ", &save);
                for (int i = 1; tok && i < 5; i++)
                        tok = strtok_r(NULL, " ", &save);
                mp = strdup(tok ?: "");
                if (!mp || strv_consume(&l, mp) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
                unescape(l[strv_length(l) - 1]);
                p = eol ? eol + 1 : NULL;
        }
        *ret = l;
        return 0;
}

/* A mount is hidden when a later line mounts on the same point or on a directory above it. */
static bool is_shadowed(char **points, size_t line_no, const char *mpoint) {
        size_t n = strv_length(points);

        for (size_t i = line_no + 1; i < n; i++) {
                size_t l = strlen(points[i]);
                if (l == 0)
                        continue;
                if (streq(points[i], mpoint)
                    || (strncmp(mpoint, points[i], l) == 0 && (mpoint[l] == '/' || streq(points[i], "/"))))
                        return true;
        }
        return false;
}

int cgroup_system_parse(int root_fd, const char *root_path, const char *mountinfo, const char *self_cgroup,
                        CgroupSystem **ret) {
        _cleanup_(cgroup_system_freep) CgroupSystem *s = NULL;
        _cleanup_free_ char *copy = NULL;
        SelfLine *self = NULL;
        char **points = NULL;
        size_t n_self = 0, rpl = strlen(root_path);
        bool have_v1 = false, have_v2 = false, v2_at_root = false;
        char *save = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->root_fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (s->root_fd < 0)
                return -errno;
        r = parse_self(self_cgroup, &self, &n_self);
        if (r < 0)
                return r;
        copy = strdup(mountinfo);
        if (!copy) {
                r = -ENOMEM;
                goto finish;
        }
        r = collect_mount_points(mountinfo, &points);
        if (r < 0)
                goto finish;

        size_t line_no = 0;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), line_no++) {
                char *f[6] = {}, *sep, *fstype, *superopts, *tok, *save2 = NULL;
                size_t i = 0;

                /* id parent maj:min root mountpoint options [optional…] - fstype source superoptions */
                while (i < 6 && (tok = strtok_r(i == 0 ? line : NULL, " ", &save2)))
                        f[i++] = tok;
                if (i < 6)
                        continue;
                sep = NULL;
                while ((tok = strtok_r(NULL, " ", &save2)))
                        if (streq(tok, "-")) {
                                sep = tok;
                                break;
                        }
                if (!sep)
                        continue;
                fstype = strtok_r(NULL, " ", &save2);
                (void) strtok_r(NULL, " ", &save2); /* source */
                superopts = strtok_r(NULL, " ", &save2);
                if (!fstype || !superopts || !(streq(fstype, "cgroup") || streq(fstype, "cgroup2")))
                        continue;

                char *mroot = f[3], *mpoint = f[4];
                unescape(mroot);
                unescape(mpoint);
                const char *rel;
                if (strncmp(mpoint, root_path, rpl) != 0 || !IN_SET(mpoint[rpl], '/', '\0'))
                        continue; /* not under our root */
                if (is_shadowed(points, line_no, mpoint))
                        continue; /* something was mounted over it later: not what the path shows */
                rel = mpoint + rpl;
                while (*rel == '/')
                        rel++;

                CgroupHierarchy h = {};
                SelfLine *match = NULL;
                if (streq(fstype, "cgroup2")) {
                        for (size_t j = 0; j < n_self; j++)
                                if (streq(self[j].controllers, "") && !self[j].used)
                                        match = &self[j];
                        h.v2 = true;
                } else {
                        char **ctrls = NULL, *save3 = NULL;
                        _cleanup_free_ char *norm = NULL;

                        for (char *o = strtok_r(superopts, ",", &save3); o;
                             o = strtok_r(NULL, ",", &save3)) {
                                if (is_mount_option(o))
                                        continue;
                                if (startswith(o, "name=")) {
                                        free(h.name);
                                        h.name = strdup(o + 5);
                                }
                                if (strv_extend(&ctrls, o) < 0) {
                                        strv_free(ctrls);
                                        r = -ENOMEM;
                                        goto fail_h;
                                }
                        }
                        norm = ctrls ? normalize_list(ctrls) : NULL;
                        for (size_t j = 0; norm && j < n_self; j++)
                                if (streq(self[j].controllers, norm) && !self[j].used)
                                        match = &self[j];
                        /* the controllers proper, without "name=…" */
                        for (char **c = ctrls; c && *c; c++)
                                if (!startswith(*c, "name=") && strv_extend(&h.controllers, *c) < 0) {
                                        strv_free(ctrls);
                                        r = -ENOMEM;
                                        goto fail_h;
                                }
                        strv_free(ctrls);
                }
                if (!match) {
                        hierarchy_done(&h);
                        continue; /* a second mount of a hierarchy, or one we are not in */
                }
                match->used = true;
                h.dir = strdup(rel);
                h.own = relative_own(mroot, match->path);
                if (!h.dir || !h.own) {
                        r = -ENOMEM;
                        goto fail_h;
                }
                if (h.v2) {
                        r = read_v2_controllers(s->root_fd, &h, &h.controllers);
                        if (r < 0)
                                goto fail_h;
                        have_v2 = true;
                        if (!*h.dir)
                                v2_at_root = true;
                } else
                        have_v1 = true;

                CgroupHierarchy *nh = reallocarray(s->hier, s->n_hier + 1, sizeof(CgroupHierarchy));
                if (!nh) {
                        r = -ENOMEM;
                        goto fail_h;
                }
                s->hier = nh;
                s->hier[s->n_hier++] = h;
                continue;
        fail_h:
                hierarchy_done(&h);
                goto finish;
        }

        if (!have_v1 && !have_v2) {
                r = -ENOMEDIUM;
                goto finish;
        }
        s->layout = have_v1 ? (have_v2 ? CGROUP_LAYOUT_HYBRID : CGROUP_LAYOUT_V1) : CGROUP_LAYOUT_V2;
        (void) v2_at_root;
        *ret = TAKE_PTR(s);
        r = 0;
finish:
        strv_free(points);
        for (size_t j = 0; j < n_self; j++) {
                free(self[j].controllers);
                free(self[j].path);
        }
        free(self);
        return r;
}

int cgroup_root_open(void) {
        const char *root = secure_getenv("SKIFF_CGROUP_ROOT") ?: CGROUP_ROOT;
        int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

int cgroup_system_detect(CgroupSystem **ret) {
        _cleanup_free_ char *mi = NULL, *self = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = cgroup_root_open();
        if (fd < 0)
                return fd == -ENOENT ? -ENOMEDIUM : fd;
        r = read_full_file_at(AT_FDCWD, "/proc/self/mountinfo", 0, &mi, NULL);
        if (r < 0)
                return r;
        r = read_full_file_at(AT_FDCWD, "/proc/self/cgroup", 0, &self, NULL);
        if (r < 0)
                return r;
        return cgroup_system_parse(fd, secure_getenv("SKIFF_CGROUP_ROOT") ?: CGROUP_ROOT, mi, self, ret);
}

const CgroupHierarchy *cgroup_system_find(const CgroupSystem *s, const char *controller) {
        const CgroupHierarchy *found = NULL;

        for (size_t i = 0; i < s->n_hier; i++) {
                if (!strv_contains(s->hier[i].controllers, controller))
                        continue;
                if (s->hier[i].v2)
                        return &s->hier[i];
                if (!found)
                        found = &s->hier[i];
        }
        return found;
}

/* ---- parsers ---- */

static int parse_decimal(const char *s, uint64_t *ret_int, uint64_t *ret_frac_1e6) {
        uint64_t i = 0, frac = 0, scale = 100000;
        const char *p = s;

        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++) {
                if (i > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                i = i * 10 + (uint64_t) (*p - '0');
        }
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                for (; isdigit((unsigned char) *p); p++) {
                        frac += (uint64_t) (*p - '0') * scale;
                        scale /= 10; /* digits past the 6th are dropped */
                }
        }
        *ret_int = i;
        *ret_frac_1e6 = frac;
        return (int) (p - s);
}

int cgroup_parse_size(const char *flag, const char *value, int64_t *ret, char **ret_error) {
        uint64_t i, frac, mult = 1;
        const char *p;
        int n;

        if (!value)
                return -EINVAL;
        n = parse_decimal(value, &i, &frac);
        if (n < 0)
                goto invalid;
        p = value + n;
        if (*p == ' ')
                p++;
        switch (tolower((unsigned char) *p)) {
        case 'k':
                mult = UINT64_C(1) << 10;
                p++;
                break;
        case 'm':
                mult = UINT64_C(1) << 20;
                p++;
                break;
        case 'g':
                mult = UINT64_C(1) << 30;
                p++;
                break;
        case 't':
                mult = UINT64_C(1) << 40;
                p++;
                break;
        case 'p':
                mult = UINT64_C(1) << 50;
                p++;
                break;
        }
        if (mult > 1 && tolower((unsigned char) *p) == 'i')
                p++;
        if (tolower((unsigned char) *p) == 'b')
                p++;
        if (*p)
                goto invalid;
        if (i > (uint64_t) INT64_MAX / mult)
                return set_err(ret_error, -EINVAL, "%s \"%s\": too large", flag, value);
        uint64_t bytes = i * mult + (frac * mult) / 1000000;
        if (bytes > (uint64_t) INT64_MAX)
                return set_err(ret_error, -EINVAL, "%s \"%s\": too large", flag, value);
        if (streq(flag, "--memory") && bytes < (UINT64_C(6) << 20))
                return set_err(ret_error, -EINVAL, "%s \"%s\": must be at least 6MiB", flag, value);
        if (bytes == 0)
                return set_err(ret_error, -EINVAL, "%s \"%s\": must be greater than 0", flag, value);
        *ret = (int64_t) bytes;
        return 0;
invalid:
        return set_err(ret_error, -EINVAL, "%s \"%s\": invalid size", flag, value);
}

int cgroup_parse_memory_swap(const char *value, int64_t *ret, char **ret_error) {
        if (value && streq(value, "-1")) {
                *ret = -1;
                return 0;
        }
        return cgroup_parse_size("--memory-swap", value, ret, ret_error);
}

int cgroup_parse_cpus(const char *value, int64_t *ret_quota, uint64_t *ret_period, char **ret_error) {
        const uint64_t period = 100000;
        uint64_t i, frac;
        int n;

        if (!value || (n = parse_decimal(value, &i, &frac)) < 0 || value[n])
                return set_err(ret_error, -EINVAL, "--cpus \"%s\": expected a number of CPUs such as 1.5",
                               strempty(value));
        if (i > 1000000)
                return set_err(ret_error, -EINVAL, "--cpus \"%s\": too large", value);
        uint64_t quota = i * period + frac * period / 1000000;
        /* The kernel's minimum quota is 1 ms. */
        if (quota < 1000)
                return set_err(ret_error, -EINVAL, "--cpus \"%s\": must be at least 0.01", value);
        *ret_quota = (int64_t) quota;
        *ret_period = period;
        return 0;
}

static int parse_int64(const char *s, int64_t *ret) {
        char *end;
        long long v;

        if (isempty(s) || isspace((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int cgroup_parse_cpu_shares(const char *value, uint64_t *ret, char **ret_error) {
        int64_t v;

        if (parse_int64(value, &v) < 0 || v < 2 || v > 262144)
                return set_err(ret_error, -EINVAL, "--cpu-shares \"%s\": expected a number from 2 to 262144",
                               strempty(value));
        *ret = (uint64_t) v;
        return 0;
}

int cgroup_parse_pids_limit(const char *value, int64_t *ret, char **ret_error) {
        int64_t v;

        if (parse_int64(value, &v) < 0 || v < -1)
                return set_err(ret_error, -EINVAL,
                               "--pids-limit \"%s\": expected -1 (unlimited) or a number", strempty(value));
        /* podman reads 0 as "no limit" too */
        *ret = v == 0 ? -1 : v;
        return 0;
}

uint64_t cgroup_cpu_shares_to_weight(uint64_t shares) {
        if (shares == 0)
                return 0;
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        return 1 + ((shares - 2) * 9999) / 262142;
}

/* ---- plan ---- */

CgroupPlan *cgroup_plan_free(CgroupPlan *p) {
        if (!p)
                return NULL;
        strv_free(p->paths);
        strv_free(p->monitor_paths);
        for (size_t i = 0; i < p->n_writes; i++) {
                free(p->writes[i].path);
                free(p->writes[i].file);
                free(p->writes[i].value);
        }
        free(p->writes);
        free(p->warning);
        free(p->device_filter_path);
        free(p->extra_device_rules);
        strv_free(p->parent_paths);
        free(p);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(CgroupPlan *, cgroup_plan_free);

_printf_(4, 5) static int add_write(CgroupPlan *p, const char *path, const char *file, const char *fmt,
                                    ...) {
        CgroupWrite *w;
        va_list ap;
        int k;

        w = reallocarray(p->writes, p->n_writes + 1, sizeof(CgroupWrite));
        if (!w)
                return -ENOMEM;
        p->writes = w;
        w = &p->writes[p->n_writes];
        *w = (CgroupWrite){};
        va_start(ap, fmt);
        k = vasprintf(&w->value, fmt, ap);
        va_end(ap);
        if (k < 0) {
                w->value = NULL;
                return -ENOMEM;
        }
        w->path = strdup(path);
        w->file = strdup(file);
        p->n_writes++;
        if (!w->path || !w->file)
                return -ENOMEM;
        return 0;
}

static char *join_path(const CgroupHierarchy *h, const char *name) {
        char *r;

        if (asprintf(&r, "%s%s%s%s%s", h->dir, *h->dir && (*h->own || name) ? "/" : "", h->own,
                     *h->own && name ? "/" : "", strempty(name))
            < 0)
                return NULL;
        return r;
}

static bool file_exists(int root_fd, const char *dir, const char *file) {
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s%s%s", dir, *dir ? "/" : "", file) < 0)
                return false;
        return faccessat(root_fd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Limits the user asked for: podman's default pids limit, which the plan fills in, does not count
 * (it must neither make --cgroups=disabled fail nor make rootless runs warn). */
static bool limits_requested(const CgroupLimits *l) {
        return l->memory || l->memory_swap || l->cpu_quota || l->cpu_shares
               || (l->pids_limit && l->pids_limit != CGROUP_DEFAULT_PIDS_LIMIT);
}

static const char *first_limit_flag(const CgroupLimits *l) {
        if (l->memory || l->memory_swap)
                return l->memory ? "--memory" : "--memory-swap";
        if (l->cpu_quota)
                return "--cpus";
        if (l->cpu_shares)
                return "--cpu-shares";
        return "--pids-limit";
}

/* Hierarchies a v1 container gets its own cgroup in. cpuset would need cpuset.cpus/mems copied in
 * before a process may join, devices would need rules: both are left to the caller's cgroup. */
static bool v1_hierarchy_wanted(const CgroupHierarchy *h) {
        static const char *const wanted[] = {"memory", "cpu", "cpuacct", "pids", "freezer", "blkio"};

        if (h->name)
                return streq(h->name, "systemd");
        for (size_t i = 0; i < ELEMENTSOF(wanted); i++)
                if (strv_contains(h->controllers, wanted[i]))
                        return true;
        return false;
}

static int plan_limits(const CgroupSystem *sys, CgroupPlan *p, const CgroupLimits *l, char **paths_by_hier,
                       char **ret_error) {
        const CgroupHierarchy *mem = cgroup_system_find(sys, "memory"),
                              *cpu = cgroup_system_find(sys, "cpu"), *pids = cgroup_system_find(sys, "pids");
        int k;

#define PATH_OF(h) (paths_by_hier[(h) -sys->hier])
        if (l->memory || l->memory_swap) {
                if (!mem || !PATH_OF(mem))
                        return set_err(ret_error, -EINVAL, "%s: the memory controller is not available",
                                       l->memory ? "--memory" : "--memory-swap");
                _cleanup_free_ char *own = join_path(mem, NULL);
                if (!own)
                        return -ENOMEM;
                int64_t swap = l->memory_swap;
                if (swap == 0 && l->memory)
                        swap = 2 * l->memory; /* podman: as much swap as memory */
                if (l->memory && swap > 0 && swap < l->memory)
                        return set_err(
                                ret_error, -EINVAL,
                                "--memory-swap: must be at least --memory (it counts memory plus swap)");
                if (mem->v2) {
                        if (l->memory
                            && (k = add_write(p, PATH_OF(mem), "memory.max", "%" PRId64, l->memory)) < 0)
                                return k;
                        /* v2 counts swap alone; only where the kernel accounts swap */
                        if (swap != 0 && file_exists(sys->root_fd, own, "memory.swap.max")) {
                                if (swap < 0)
                                        k = add_write(p, PATH_OF(mem), "memory.swap.max", "max");
                                else
                                        k = add_write(p, PATH_OF(mem), "memory.swap.max", "%" PRId64,
                                                      swap - (l->memory ?: 0));
                                if (k < 0)
                                        return k;
                        }
                } else {
                        /* limit_in_bytes first: memsw may never be below it */
                        if (l->memory
                            && (k = add_write(p, PATH_OF(mem), "memory.limit_in_bytes", "%" PRId64,
                                              l->memory))
                                       < 0)
                                return k;
                        if (swap != 0 && file_exists(sys->root_fd, own, "memory.memsw.limit_in_bytes")
                            && (k = add_write(p, PATH_OF(mem), "memory.memsw.limit_in_bytes", "%" PRId64,
                                              swap))
                                       < 0)
                                return k;
                }
        }

        if (l->cpu_quota || l->cpu_shares) {
                if (!cpu || !PATH_OF(cpu))
                        return set_err(ret_error, -EINVAL, "%s: the cpu controller is not available",
                                       l->cpu_quota ? "--cpus" : "--cpu-shares");
                uint64_t period = l->cpu_period ?: 100000;
                if (cpu->v2) {
                        if (l->cpu_quota
                            && (k = add_write(p, PATH_OF(cpu), "cpu.max", "%" PRId64 " %" PRIu64,
                                              l->cpu_quota, period))
                                       < 0)
                                return k;
                        if (l->cpu_shares
                            && (k = add_write(p, PATH_OF(cpu), "cpu.weight", "%" PRIu64,
                                              cgroup_cpu_shares_to_weight(l->cpu_shares)))
                                       < 0)
                                return k;
                } else {
                        if (l->cpu_quota
                            && ((k = add_write(p, PATH_OF(cpu), "cpu.cfs_period_us", "%" PRIu64, period)) < 0
                                || (k = add_write(p, PATH_OF(cpu), "cpu.cfs_quota_us", "%" PRId64,
                                                  l->cpu_quota))
                                           < 0))
                                return k;
                        if (l->cpu_shares
                            && (k = add_write(p, PATH_OF(cpu), "cpu.shares", "%" PRIu64, l->cpu_shares)) < 0)
                                return k;
                }
        }

        if (l->pids_limit) {
                bool dflt = l->pids_limit == CGROUP_DEFAULT_PIDS_LIMIT;

                if (!pids || !PATH_OF(pids)) {
                        if (dflt)
                                return 0; /* podman's default, not asked for: no pids controller, no limit */
                        return set_err(ret_error, -EINVAL,
                                       "--pids-limit: the pids controller is not available");
                }
                if (l->pids_limit < 0)
                        k = add_write(p, PATH_OF(pids), "pids.max", "max");
                else
                        k = add_write(p, PATH_OF(pids), "pids.max", "%" PRId64, l->pids_limit);
                if (k < 0)
                        return k;
                p->writes[p->n_writes - 1].optional = dflt && pids->v2;
        }
#undef PATH_OF
        return 0;
}

static bool component_valid(const char *s) {
        return !isempty(s) && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..");
}

int cgroup_plan_build(const CgroupSystem *sys, const char *name, const CgroupLimits *limits,
                      CgroupsMode mode, bool rootless, CgroupPlan **ret, char **ret_error) {
        return cgroup_plan_build_in(sys, NULL, NULL, name, limits, mode, rootless, ret, ret_error);
}

int cgroup_plan_build_in(const CgroupSystem *sys, const char *parent, const CgroupLimits *parent_limits,
                         const char *leaf, const CgroupLimits *limits, CgroupsMode mode, bool rootless,
                         CgroupPlan **ret, char **ret_error) {
        _cleanup_(cgroup_plan_freep) CgroupPlan *p = NULL;
        _cleanup_free_ char **by_hier = NULL;        /* borrowed from p->paths */
        _cleanup_free_ char **parent_by_hier = NULL; /* borrowed from p->parent_paths */
        _cleanup_free_ char *joined_name = NULL;
        static const CgroupLimits none = {};
        const char *name = leaf;
        int k;

        if (!limits)
                limits = &none;
        if (!parent_limits)
                parent_limits = &none;
        if (!component_valid(leaf) || (parent && !component_valid(parent)))
                return -EINVAL;
        if (parent) {
                if (asprintf(&joined_name, "%s/%s", parent, leaf) < 0)
                        return -ENOMEM;
                name = joined_name;
        }
        p = calloc(1, sizeof(*p));
        by_hier = calloc(sys->n_hier + 1, sizeof(char *));
        parent_by_hier = calloc(sys->n_hier + 1, sizeof(char *));
        if (!p || !by_hier || !parent_by_hier)
                return -ENOMEM;
        p->paths = calloc(1, sizeof(char *));
        if (!p->paths)
                return -ENOMEM;

        if (mode == CGROUPS_DISABLED) {
                if (limits_requested(limits))
                        return set_err(ret_error, -EINVAL, "%s: cgroups are disabled (--cgroups=disabled)",
                                       first_limit_flag(limits));
                *ret = TAKE_PTR(p);
                return 0;
        }

        if (rootless) {
                /* Only a delegated v2 tree can be written by an unprivileged user (podman's rule). */
                const CgroupHierarchy *u = NULL;
                _cleanup_free_ char *own = NULL;

                for (size_t i = 0; i < sys->n_hier; i++)
                        if (sys->hier[i].v2)
                                u = &sys->hier[i];
                if (sys->layout != CGROUP_LAYOUT_V2 || !u || !(own = join_path(u, NULL))
                    || faccessat(sys->root_fd, *own ? own : ".", W_OK, 0) < 0) {
                        if (limits_requested(limits)
                            && asprintf(&p->warning,
                                        "%s: rootless containers need a delegated cgroup v2 tree, "
                                        "resource limits ignored",
                                        first_limit_flag(limits))
                                       < 0)
                                return -ENOMEM;
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        }

        for (size_t i = 0; i < sys->n_hier; i++) {
                const CgroupHierarchy *h = &sys->hier[i];
                char *path;

                if (rootless && !h->v2)
                        continue;
                if (!h->v2 && !v1_hierarchy_wanted(h))
                        continue;
                path = join_path(h, name);
                if (!path || strv_consume(&p->paths, path) < 0)
                        return -ENOMEM;
                by_hier[i] = path;
                if (parent) {
                        path = join_path(h, parent);
                        if (!path || strv_consume(&p->parent_paths, path) < 0)
                                return -ENOMEM;
                        parent_by_hier[i] = path;
                }
                if (mode == CGROUPS_SPLIT) {
                        char *m = join_path(h, "supervisor");
                        if (!m || strv_consume(&p->monitor_paths, m) < 0)
                                return -ENOMEM;
                }
        }

        /* v2: the controllers must be enabled in the parent's subtree_control (a write to our own
         * cgroup; it fails with EBUSY while the cgroup holds processes: --cgroups=split moves the
         * monitor out first). */
        for (size_t i = 0; i < sys->n_hier; i++) {
                const CgroupHierarchy *h = &sys->hier[i];
                _cleanup_free_ char *own = NULL;
                bool want_mem = limits->memory || limits->memory_swap || parent_limits->memory ||
                                parent_limits->memory_swap,
                     want_cpu = limits->cpu_quota || limits->cpu_shares || parent_limits->cpu_quota ||
                                parent_limits->cpu_shares,
                     want_pids = limits->pids_limit != 0 || parent_limits->pids_limit != 0,
                     only_default =
                             !want_mem && !want_cpu && limits->pids_limit == CGROUP_DEFAULT_PIDS_LIMIT;

                if (!h->v2 || !by_hier[i])
                        continue;
                if (!(want_mem && strv_contains(h->controllers, "memory"))
                    && !(want_cpu && strv_contains(h->controllers, "cpu"))
                    && !(want_pids && strv_contains(h->controllers, "pids")))
                        continue;
                own = join_path(h, NULL);
                if (!own)
                        return -ENOMEM;
                char **enable = NULL;
                _cleanup_free_ char *joined = NULL;
                if ((want_mem && strv_contains(h->controllers, "memory")
                     && strv_extend(&enable, "+memory") < 0)
                    || (want_cpu && strv_contains(h->controllers, "cpu") && strv_extend(&enable, "+cpu") < 0)
                    || (want_pids && strv_contains(h->controllers, "pids")
                        && strv_extend(&enable, "+pids") < 0)) {
                        strv_free(enable);
                        return -ENOMEM;
                }
                joined = strv_join(enable, " ");
                strv_free(enable);
                if (!joined)
                        return -ENOMEM;
                if ((k = add_write(p, *own ? own : ".", "cgroup.subtree_control", "%s", joined)) < 0)
                        return k;
                /* Nothing the user asked for depends on it: a busy parent must not fail the run. */
                p->writes[p->n_writes - 1].optional = only_default;
                /* and the shared parent hands them on to the container */
                if (parent_by_hier[i]) {
                        if ((k = add_write(p, parent_by_hier[i], "cgroup.subtree_control", "%s", joined)) < 0)
                                return k;
                        p->writes[p->n_writes - 1].optional = only_default;
                }
        }

        /* the parent's limits first: a v1 child's cpu quota may not exceed its parent's */
        if (parent && cgroup_limits_any(parent_limits)) {
                k = plan_limits(sys, p, parent_limits, parent_by_hier, ret_error);
                if (k < 0)
                        return k;
        }
        k = plan_limits(sys, p, limits, by_hier, ret_error);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(p);
        return 0;
}

int cgroup_plan_add_device_rules(const CgroupSystem *sys, CgroupPlan *p, const char *name, bool privileged) {
        const CgroupHierarchy *dev = NULL;
        const CgroupDeviceRule *rules;
        size_t n_rules;
        char *path;
        int k;

        if (strv_length(p->paths) == 0)
                return 0;
        if (sys->layout == CGROUP_LAYOUT_V2) {
                /* v2 has no devices controller: a BPF program on the container's cgroup */
                if (privileged)
                        return 0;
                for (size_t i = 0; i < sys->n_hier; i++)
                        if (sys->hier[i].v2) {
                                free(p->device_filter_path);
                                p->device_filter_path = join_path(&sys->hier[i], name);
                                return p->device_filter_path ? 0 : -ENOMEM;
                        }
                return 0;
        }
        for (size_t i = 0; i < sys->n_hier; i++)
                if (!sys->hier[i].v2 && strv_contains(sys->hier[i].controllers, "devices"))
                        dev = &sys->hier[i];
        if (!dev)
                return 0;
        path = join_path(dev, name);
        if (!path)
                return -ENOMEM;
        if (strchr(name, '/')) {
                /* in a shared parent (cgroup_plan_build_in()): the devices hierarchy has one too */
                char *parent = strndup(path, (size_t) (strrchr(path, '/') - path));
                if (!parent || (!strv_contains(p->parent_paths, parent) && strv_extend(&p->parent_paths, parent) < 0)) {
                        free(parent);
                        free(path);
                        return -ENOMEM;
                }
                free(parent);
        }
        if (!strv_contains(p->paths, path)) {
                if (strv_extend(&p->paths, path) < 0) {
                        free(path);
                        return -ENOMEM;
                }
        }
        if (privileged)
                k = add_write(p, path, "devices.allow", "a");
        else {
                /* Deny first (a new devices cgroup inherits its parent's list, usually "a *:* rwm"). */
                k = add_write(p, path, "devices.deny", "a");
                rules = cgroup_device_default_rules(&n_rules);
                for (size_t i = 0; k >= 0 && i < n_rules; i++) {
                        char line[64];
                        k = cgroup_device_rule_format(&rules[i], line, sizeof(line));
                        if (k >= 0)
                                k = add_write(p, path, "devices.allow", "%s", line);
                }
        }
        free(path);
        return k;
}

int cgroup_plan_allow_devices(const CgroupSystem *sys, CgroupPlan *p, const char *name, bool privileged,
                              const CgroupDeviceRule *rules, size_t n) {
        const CgroupHierarchy *dev = NULL;
        _cleanup_free_ char *path = NULL;
        int k = 0;

        if (n == 0 || privileged || strv_length(p->paths) == 0)
                return 0;
        if (sys->layout == CGROUP_LAYOUT_V2) {
                CgroupDeviceRule *a = reallocarray(p->extra_device_rules, p->n_extra_device_rules + n, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                memcpy(a + p->n_extra_device_rules, rules, n * sizeof(*a));
                p->extra_device_rules = a;
                p->n_extra_device_rules += n;
                return 0;
        }
        for (size_t i = 0; i < sys->n_hier; i++)
                if (!sys->hier[i].v2 && strv_contains(sys->hier[i].controllers, "devices"))
                        dev = &sys->hier[i];
        if (!dev)
                return 0;
        path = join_path(dev, name);
        if (!path)
                return -ENOMEM;
        for (size_t i = 0; k >= 0 && i < n; i++) {
                char line[64];
                k = cgroup_device_rule_format(&rules[i], line, sizeof(line));
                if (k >= 0)
                        k = add_write(p, path, "devices.allow", "%s", line);
        }
        return k;
}

/* ---- apply ---- */

static int write_at(int root_fd, const char *dir, const char *file, const char *value) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(value);
        ssize_t n;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        fd = openat(root_fd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        n = write(fd, value, len);
        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

static int write_error(const CgroupWrite *w, int r, char **ret_error) {
        /* EBUSY on subtree_control: v2's rule that a cgroup with processes cannot hand controllers to
         * its children. */
        bool busy = r == -EBUSY && streq(w->file, "cgroup.subtree_control");

        return set_err(
                ret_error, r, "cgroup %s/%s: write \"%s\": %s%s", w->path, w->file, w->value, strerror(-r),
                busy ? " (the caller's cgroup holds processes: use --cgroups=split, or start skiff in a "
                       "cgroup of its own)"
                     : "");
}

static bool is_own_path(const CgroupPlan *plan, const char *path) {
        return strv_contains(plan->paths, path) || strv_contains(plan->monitor_paths, path);
}

int cgroup_plan_create(int root_fd, const CgroupPlan *plan, char **ret_error) {
        size_t made = 0, n = strv_length(plan->paths);
        char pid[32];
        int r;

        /* --cgroups=split: leave the parent cgroup first, so that on v2 it holds no process and may
         * hand controllers to its children (the write to cgroup.subtree_control below). We move
         * only ourselves, the process skiff started. */
        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        STRV_FOREACH(m, plan->monitor_paths) {
                if (mkdirat(root_fd, *m, 0755) < 0 && errno != EEXIST)
                        return set_err(ret_error, -errno, "cgroup %s: create: %s", *m, strerror(errno));
                r = write_at(root_fd, *m, "cgroup.procs", pid);
                if (r < 0)
                        return set_err(ret_error, r, "cgroup %s: move the monitor (pid %s): %s", *m, pid,
                                       strerror(-r));
        }

        /* a shared parent (a pod's) is made by the first of its containers */
        STRV_FOREACH(pp, plan->parent_paths)
                if (mkdirat(root_fd, *pp, 0755) < 0 && errno != EEXIST)
                        return set_err(ret_error, -errno, "cgroup %s: create: %s", *pp, strerror(errno));

        /* subtree_control writes target the parent: before the children exist */
        for (size_t i = 0; i < plan->n_writes; i++) {
                const CgroupWrite *w = &plan->writes[i];
                if (is_own_path(plan, w->path))
                        continue;
                r = write_at(root_fd, w->path, w->file, w->value);
                if (r < 0 && !w->optional)
                        return write_error(w, r, ret_error);
        }
        for (; made < n; made++)
                if (mkdirat(root_fd, plan->paths[made], 0755) < 0) {
                        r = -errno;
                        set_err(ret_error, r, "cgroup %s: create: %s", plan->paths[made], strerror(-r));
                        goto undo;
                }
        for (size_t i = 0; i < plan->n_writes; i++) {
                const CgroupWrite *w = &plan->writes[i];
                if (!is_own_path(plan, w->path))
                        continue;
                r = write_at(root_fd, w->path, w->file, w->value);
                if (r < 0 && !w->optional) {
                        write_error(w, r, ret_error);
                        goto undo;
                }
        }
        if (plan->device_filter_path) {
                r = cgroup_devices_bpf_attach_with(root_fd, plan->device_filter_path, plan->extra_device_rules,
                                                   plan->n_extra_device_rules, ret_error);
                if (r < 0)
                        goto undo;
        }
        return 0;
undo:
        while (made > 0)
                (void) unlinkat(root_fd, plan->paths[--made], AT_REMOVEDIR);
        return r;
}

int cgroup_join(int root_fd, char *const *paths, pid_t pid, char **ret_error) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%d", (int) pid);
        STRV_FOREACH(p, (char **) paths) {
                int r = write_at(root_fd, *p, "cgroup.procs", buf);
                if (r < 0)
                        return set_err(ret_error, r, "cgroup %s: join process %d: %s", *p, (int) pid,
                                       strerror(-r));
        }
        return 0;
}

/* Reads the pids of dir/cgroup.procs into a growing array. */
static int read_procs(int root_fd, const char *dir, pid_t **pids, size_t *n) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        char *save = NULL;
        int r;

        if (asprintf(&path, "%s/cgroup.procs", dir) < 0)
                return -ENOMEM;
        r = read_full_file_at(root_fd, path, 0, &text, NULL);
        if (r < 0)
                return r;
        for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
                long v = strtol(t, NULL, 10);
                bool dup = false;

                if (v <= 0)
                        continue;
                for (size_t i = 0; i < *n; i++)
                        dup = dup || (*pids)[i] == (pid_t) v;
                if (dup)
                        continue;
                pid_t *np = reallocarray(*pids, *n + 1, sizeof(pid_t));
                if (!np)
                        return -ENOMEM;
                *pids = np;
                (*pids)[(*n)++] = (pid_t) v;
        }
        return 0;
}

/* Calls fn for dir and every cgroup below it, children first. */
static int walk(int root_fd, const char *dir, int (*fn)(int root_fd, const char *dir, void *u), void *u) {
        _cleanup_close_ int fd = -EBADF;
        DIR *d;
        struct dirent *de;
        int r = 0;

        fd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = walk(root_fd, sub, fn, u);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0)
                return r;
        return fn(root_fd, dir, u);
}

typedef struct PidList {
        pid_t *pids;
        size_t n;
} PidList;

static int collect(int root_fd, const char *dir, void *u) {
        PidList *l = u;
        int r = read_procs(root_fd, dir, &l->pids, &l->n);
        return r == -ENOENT ? 0 : r;
}

static int set_frozen(int root_fd, char *const *paths, bool frozen) {
        int done = 0;

        STRV_FOREACH(p, (char **) paths) {
                if (write_at(root_fd, *p, "cgroup.freeze", frozen ? "1" : "0") == 0
                    || write_at(root_fd, *p, "freezer.state", frozen ? "FROZEN" : "THAWED") == 0)
                        done++;
        }
        return done;
}

int cgroup_kill(int root_fd, char *const *paths, int sig) {
        PidList l = {};
        int r, signalled = 0;

        if (sig == SIGKILL) {
                /* Linux 5.14's cgroup.kill: atomic, no race with forks. Count what was there first. */
                STRV_FOREACH(p, (char **) paths) {
                        if (file_exists(root_fd, *p, "cgroup.kill")) {
                                r = walk(root_fd, *p, collect, &l);
                                if (r >= 0 && (r = write_at(root_fd, *p, "cgroup.kill", "1")) >= 0) {
                                        r = (int) l.n;
                                        free(l.pids);
                                        return r;
                                }
                                free(l.pids);
                                l = (PidList){};
                        }
                }
        }

        /* Freeze so that no process forks between reading the list and signalling it. Without a
         * freezer (a test tree), a bounded number of passes catches children forked meanwhile. */
        bool frozen = set_frozen(root_fd, paths, true) > 0;
        for (int pass = 0; pass < (frozen ? 1 : 3); pass++) {
                PidList cur = {};

                STRV_FOREACH(p, (char **) paths) {
                        r = walk(root_fd, *p, collect, &cur);
                        if (r < 0 && r != -ENOENT) {
                                free(cur.pids);
                                if (frozen)
                                        set_frozen(root_fd, paths, false);
                                free(l.pids);
                                return r;
                        }
                }
                for (size_t i = 0; i < cur.n; i++) {
                        bool seen = false;
                        for (size_t j = 0; j < l.n; j++)
                                seen = seen || l.pids[j] == cur.pids[i];
                        if (seen)
                                continue;
                        if (kill(cur.pids[i], sig) == 0)
                                signalled++;
                        pid_t *np = reallocarray(l.pids, l.n + 1, sizeof(pid_t));
                        if (np) {
                                l.pids = np;
                                l.pids[l.n++] = cur.pids[i];
                        }
                }
                free(cur.pids);
        }
        /* A frozen task gets SIGKILL only when thawed; other signals wait queued, as they should. */
        if (frozen)
                set_frozen(root_fd, paths, false);
        free(l.pids);
        return signalled;
}

int cgroup_is_populated(int root_fd, char *const *paths) {
        PidList l = {};

        STRV_FOREACH(p, (char **) paths) {
                int r = walk(root_fd, *p, collect, &l);
                if (r < 0 && r != -ENOENT) {
                        free(l.pids);
                        return r;
                }
        }
        free(l.pids);
        return l.n > 0;
}

static int rmdir_one(int root_fd, const char *dir, void *u) {
        if (unlinkat(root_fd, dir, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

int cgroup_remove(int root_fd, char *const *paths, unsigned timeout_ms, char **ret_error) {
        uint64_t deadline = now_ms() + timeout_ms;
        int first = 0;

        /* Every path is tried even when one fails: a cgroup left in one hierarchy must not leave the
         * others behind too. The first error is reported. */
        STRV_FOREACH(p, (char **) paths) {
                for (;;) {
                        /* The common case is an empty leaf: one rmdir, no directory walk. EBUSY
                         * means children (or processes; ENOTEMPTY in a plain directory tree, as the
                         * tests use): walk and remove children first. */
                        int r = rmdir_one(root_fd, *p, NULL);
                        if (IN_SET(r, -EBUSY, -ENOTEMPTY))
                                r = walk(root_fd, *p, rmdir_one, NULL);
                        if (r >= 0 || r == -ENOENT)
                                break;
                        /* EBUSY: a process is still leaving (exit is not instant); retry briefly. */
                        if (r != -EBUSY || now_ms() >= deadline) {
                                if (first == 0) {
                                        first = r;
                                        set_err(ret_error, r, "cgroup %s: remove: %s", *p,
                                                r == -EBUSY ? "still has processes" : strerror(-r));
                                }
                                break;
                        }
                        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
                }
        }
        return first;
}

/* First readable "file" among paths: its first number, "max" → -1. */
static int64_t read_value(int root_fd, char *const *paths, const char *file, const char *key) {
        STRV_FOREACH(p, (char **) paths) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                const char *v;

                if (asprintf(&path, "%s/%s", *p, file) < 0)
                        return -1;
                if (read_full_file_at(root_fd, path, 65536, &text, NULL) < 0)
                        continue;
                v = text;
                if (key) {
                        /* "key value" lines (cpu.stat) */
                        size_t kl = strlen(key);
                        for (v = text; v; v = strchr(v, '\n') ? strchr(v, '\n') + 1 : NULL)
                                if (strncmp(v, key, kl) == 0 && v[kl] == ' ') {
                                        v += kl + 1;
                                        break;
                                }
                        if (!v)
                                continue;
                }
                if (startswith(v, "max"))
                        return -1;
                char *end;
                errno = 0;
                unsigned long long u = strtoull(v, &end, 10);
                if (errno || end == v)
                        continue;
                /* v1 reports "no limit" as a huge page-aligned number */
                if (u >= (UINT64_C(1) << 62))
                        return -1;
                return (int64_t) u;
        }
        return -2; /* not found */
}

int cgroup_read_stats(int root_fd, char *const *paths, CgroupStats *ret) {
        CgroupStats s = {-1, -1, -1, -1, -1};
        int64_t v;

        if ((v = read_value(root_fd, paths, "memory.current", NULL)) >= 0
            || (v = read_value(root_fd, paths, "memory.usage_in_bytes", NULL)) >= 0)
                s.memory_usage = v;
        if ((v = read_value(root_fd, paths, "memory.max", NULL)) != -2
            || (v = read_value(root_fd, paths, "memory.limit_in_bytes", NULL)) != -2)
                s.memory_limit = v;
        if ((v = read_value(root_fd, paths, "cpu.stat", "usage_usec")) >= 0)
                s.cpu_usage_ns = v * 1000;
        else if ((v = read_value(root_fd, paths, "cpuacct.usage", NULL)) >= 0)
                s.cpu_usage_ns = v;
        if ((v = read_value(root_fd, paths, "pids.current", NULL)) >= 0)
                s.pids_current = v;
        if ((v = read_value(root_fd, paths, "pids.max", NULL)) != -2)
                s.pids_limit = v;
        *ret = s;
        return 0;
}

/* The warm-up's process: a no-op move of itself into its own cgroup (the first v1 pids or memory
 * hierarchy, or the unified one, that /proc/self/cgroup names). */
_noreturn_ static void attach_warmup_child(void) {
        FILE *f = fopen("/proc/self/cgroup", "re");
        char line[4096], path[PATH_MAX], pid[32];

        if (!f)
                _exit(0);
        snprintf(pid, sizeof(pid), "%d\n", (int) getpid());
        while (fgets(line, sizeof(line), f)) {
                char *ctrl = strchr(line, ':'), *own = ctrl ? strchr(ctrl + 1, ':') : NULL;
                const char *dir;
                ssize_t n;
                int fd;

                if (!own)
                        continue;
                *own++ = 0;
                ctrl++;
                own[strcspn(own, "\n")] = 0;
                if (streq(ctrl, "pids") || streq(ctrl, "memory"))
                        dir = ctrl;
                else if (isempty(ctrl))
                        dir = access("/sys/fs/cgroup/unified", F_OK) == 0 ? "unified" : "";
                else
                        continue;
                if ((size_t) snprintf(path, sizeof(path), "/sys/fs/cgroup%s%s%s/cgroup.procs", *dir ? "/" : "", dir,
                                      streq(own, "/") ? "" : own) >= sizeof(path))
                        continue;
                fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        continue;
                /* one move is enough: the grace period is the lock's, not the hierarchy's */
                n = write(fd, pid, strlen(pid));
                close(fd);
                if (n == (ssize_t) strlen(pid))
                        break;
        }
        _exit(0);
}

pid_t cgroup_attach_warmup(void) {
        pid_t pid;

        if (geteuid() != 0)
                return -EPERM;
        /* a process, not a thread: the caller forks (pulls, the supervisor) while it runs */
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                attach_warmup_child();
        return pid;
}

void cgroup_attach_warmup_done(pid_t pid) {
        if (pid > 0)
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
}
