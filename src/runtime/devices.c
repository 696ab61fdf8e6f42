/* --device and --subuidname/--subgidname into the plan. See devices.h. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "common/strv.h"
#include "runtime/cgroup-devices.h"
#include "runtime/container-plan.h"
#include "runtime/devices.h"
#include "runtime/plan-internal.h"
#include "runtime/run-options.h"

void plan_device_done(PlanDevice *d) {
        free(d->host_path);
        free(d->path);
        *d = (PlanDevice){};
}

static int perms_parse(const char *s, unsigned *ret) {
        unsigned a = 0;

        if (!*s)
                return -EINVAL;
        for (; *s; s++)
                switch (*s) {
                case 'r':
                        a |= CGROUP_DEV_READ;
                        break;
                case 'w':
                        a |= CGROUP_DEV_WRITE;
                        break;
                case 'm':
                        a |= CGROUP_DEV_MKNOD;
                        break;
                default:
                        return -EINVAL;
                }
        *ret = a;
        return 0;
}

int device_spec_parse(const char *spec, char **ret_host, char **ret_path, unsigned *ret_access, char **ret_error) {
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ char *copy = strdup(spec);
        unsigned access = CGROUP_DEV_RWM;
        const char *host, *path = NULL;
        char *save = NULL;
        size_t n;

        if (!copy)
                return -ENOMEM;
        /* split at ':' keeping empty parts out: "a::b" is refused below */
        for (char *p = copy, *c;; p = c + 1) {
                c = strchr(p, ':');
                if (c)
                        *c = 0;
                if (strv_extend(&parts, p) < 0)
                        return -ENOMEM;
                if (!c)
                        break;
        }
        (void) save;
        n = strv_length(parts);
        if (n > 3 || !parts[0][0])
                return plan_errorf(ret_error, -EINVAL, "--device %s: expected HOST[:CONTAINER][:PERMISSIONS]", spec);
        host = parts[0];
        if (n == 2) {
                if (parts[1][0] == '/')
                        path = parts[1];
                else if (perms_parse(parts[1], &access) < 0)
                        return plan_errorf(ret_error, -EINVAL,
                                           "--device %s: \"%s\" is neither an absolute container path nor "
                                           "permissions (r, w, m)",
                                           spec, parts[1]);
        } else if (n == 3) {
                path = parts[1];
                if (path[0] != '/')
                        return plan_errorf(ret_error, -EINVAL, "--device %s: the container path must be absolute",
                                           spec);
                if (perms_parse(parts[2], &access) < 0)
                        return plan_errorf(ret_error, -EINVAL,
                                           "--device %s: permissions \"%s\": expected r, w and/or m", spec,
                                           parts[2]);
        }
        if (host[0] != '/')
                return plan_errorf(ret_error, -EINVAL, "--device %s: the host path must be absolute", spec);
        if (strstr(path ?: host, "/../") || endswith(path ?: host, "/.."))
                return plan_errorf(ret_error, -EINVAL, "--device %s: the path must not contain \"..\"", spec);
        *ret_host = strdup(host);
        *ret_path = strdup(path ?: host);
        if (!*ret_host || !*ret_path) {
                free(*ret_host);
                free(*ret_path);
                return -ENOMEM;
        }
        *ret_access = access;
        return 0;
}

static int add_device(ContainerPlan *p, const char *host, const char *path, const struct stat *st,
                      unsigned access) {
        PlanDevice *a = reallocarray(p->devices, p->n_devices + 1, sizeof(PlanDevice));

        if (!a)
                return -ENOMEM;
        p->devices = a;
        a[p->n_devices] = (PlanDevice){
                .host_path = strdup(host),
                .path = strdup(path),
                .type = S_ISBLK(st->st_mode) ? 'b' : 'c',
                .major = major(st->st_rdev),
                .minor = minor(st->st_rdev),
                .access = access,
        };
        if (!a[p->n_devices].host_path || !a[p->n_devices].path) {
                plan_device_done(&a[p->n_devices]);
                return -ENOMEM;
        }
        p->n_devices++;
        return 0;
}

int plan_devices(const RunOptions *opts, ContainerPlan *p, char **ret_error) {
        STRV_FOREACH(spec, opts->devices) {
                _cleanup_free_ char *host = NULL, *path = NULL;
                unsigned access;
                struct stat st;
                int r;

                r = device_spec_parse(*spec, &host, &path, &access, ret_error);
                if (r < 0)
                        return r;
                if (stat(host, &st) < 0)
                        return plan_errorf(ret_error, -errno, "--device %s: %s", *spec, strerror(errno));
                if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
                        r = add_device(p, host, path, &st, access);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!S_ISDIR(st.st_mode))
                        return plan_errorf(ret_error, -EINVAL, "--device %s: not a device node", *spec);
                /* a directory: the device nodes directly in it, as podman adds them */
                DIR *d = opendir(host);
                size_t before = p->n_devices;
                if (!d)
                        return plan_errorf(ret_error, -errno, "--device %s: %s", *spec, strerror(errno));
                for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                        _cleanup_free_ char *h = NULL, *c = NULL;
                        struct stat est;
                        if (de->d_name[0] == '.')
                                continue;
                        if (asprintf(&h, "%s/%s", host, de->d_name) < 0 || asprintf(&c, "%s/%s", path, de->d_name) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        if (stat(h, &est) < 0 || !(S_ISCHR(est.st_mode) || S_ISBLK(est.st_mode)))
                                continue;
                        r = add_device(p, h, c, &est, access);
                }
                closedir(d);
                if (r < 0)
                        return r;
                if (p->n_devices == before)
                        return plan_errorf(ret_error, -ENOENT, "--device %s: the directory has no device nodes",
                                           *spec);
        }
        return 0;
}

int subid_maps_parse(const char *text, const char *name, PlanIdMap **ret, size_t *ret_n) {
        _cleanup_free_ PlanIdMap *maps = NULL;
        size_t n = 0, name_len = strlen(name);
        uint32_t next = 0;

        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t) (end - line) : strlen(line);
                unsigned long start, count;
                char buf[64], *e1, *e2;

                if (len > name_len && strncmp(line, name, name_len) == 0 && line[name_len] == ':'
                    && len - name_len - 1 < sizeof(buf)) {
                        memcpy(buf, line + name_len + 1, len - name_len - 1);
                        buf[len - name_len - 1] = 0;
                        errno = 0;
                        start = strtoul(buf, &e1, 10);
                        if (!errno && e1 != buf && *e1 == ':') {
                                count = strtoul(e1 + 1, &e2, 10);
                                if (!errno && e2 != e1 + 1 && *e2 == 0 && count > 0 && start <= UINT32_MAX
                                    && count <= UINT32_MAX - start && count <= UINT32_MAX - next) {
                                        PlanIdMap *a = reallocarray(maps, n + 1, sizeof(PlanIdMap));
                                        if (!a)
                                                return -ENOMEM;
                                        maps = a;
                                        maps[n++] = (PlanIdMap){next, (uint32_t) start, (uint32_t) count};
                                        next += (uint32_t) count;
                                }
                        }
                }
                line = end ? end + 1 : NULL;
        }
        *ret = TAKE_PTR(maps);
        *ret_n = n;
        return (int) MIN(n, (size_t) INT32_MAX);
}

static int load_maps(const char *flag, const char *name, const char *env, const char *def, PlanIdMap **ret,
                     size_t *ret_n, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        const char *file = getenv(env) ?: def;
        int r;

        r = read_full_file_at(AT_FDCWD, file, 16 << 20, &text, NULL);
        if (r < 0)
                return plan_errorf(ret_error, r, "%s %s: read %s: %s", flag, name, file, strerror(-r));
        r = subid_maps_parse(text, name, ret, ret_n);
        if (r < 0)
                return r;
        if (r == 0)
                return plan_errorf(ret_error, -ENOENT, "%s %s: no ranges of \"%s\" in %s", flag, name, name, file);
        return 0;
}

int plan_subid_maps(const RunOptions *opts, ContainerPlan *p, char **ret_error) {
        const char *uname = opts->subuidname ?: opts->subgidname, *gname = opts->subgidname ?: opts->subuidname;
        const char *flag = opts->subuidname ? "--subuidname" : "--subgidname";
        int r;

        if (!uname)
                return 0;
        if (opts->uidmap || opts->gidmap)
                return plan_errorf(ret_error, -EINVAL, "%s %s: conflicts with --uidmap/--gidmap", flag, uname);
        if (opts->userns)
                return plan_errorf(ret_error, -EINVAL, "%s %s: conflicts with --userns %s", flag, uname,
                                   opts->userns);
        r = load_maps(opts->subuidname ? "--subuidname" : "--subgidname", uname, "SKIFF_SUBUID_FILE", "/etc/subuid",
                      &p->uid_map, &p->n_uid_map, ret_error);
        if (r < 0)
                return r;
        return load_maps(opts->subgidname ? "--subgidname" : "--subuidname", gname, "SKIFF_SUBGID_FILE",
                         "/etc/subgid", &p->gid_map, &p->n_gid_map, ret_error);
}
