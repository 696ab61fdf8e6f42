/* container_plan_build(): flags + image config -> ContainerPlan. Pure (see container-plan.h): the only
 * reads are the image's files, --env-file/seccomp files, the caller's environment, rlimits and
 * /etc/resolv.conf + /etc/hosts of the host. */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "config.h"
#include "runtime/container-plan.h"
#include "runtime/plan-internal.h"

extern char **environ;
const char *const plan_default_masked_paths[] = {
        "/proc/acpi",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/sys/firmware",
        "/sys/fs/selinux",
        "/sys/dev/block",
        "/sys/devices/virtual/powercap",
        NULL,
};

const char *const plan_default_readonly_paths[] = {
        "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

void plan_mount_done(PlanMount *m) {
        if (!m)
                return;
        free(m->destination);
        free(m->type);
        free(m->source);
        free(m->data);
        *m = (PlanMount){};
}

ContainerPlan *container_plan_free(ContainerPlan *p) {
        if (!p)
                return NULL;
        free(p->id);
        free(p->name);
        free(p->image_id);
        free(p->image_name);
        strv_free(p->labels);
        strv_free(p->annotations);
        free(p->cidfile);
        free(p->sdnotify);
        health_config_free(p->health);
        for (size_t i = 0; i < p->n_devices; i++)
                plan_device_done(&p->devices[i]);
        free(p->devices);
        free(p->container_dir);
        free(p->run_dir);
        free(p->cache_dir);
        strv_free(p->lower_dirs);
        free(p->upper_dir);
        free(p->work_dir);
        free(p->rootfs);
        strv_free(p->argv);
        strv_free(p->env);
        free(p->cwd);
        free(p->user);
        free(p->groups);
        free(p->init_path);
        free(p->hostname);
        for (size_t i = 0; i < _NS_KIND_MAX; i++)
                free(p->ns[i].path);
        free(p->uid_map);
        free(p->gid_map);
        free(p->etc_hosts);
        free(p->etc_hostname);
        free(p->etc_resolv_conf);
        free(p->timezone);
        free(p->cgroup_parent);
        for (size_t i = 0; i < p->n_mounts; i++)
                plan_mount_done(&p->mounts[i]);
        free(p->mounts);
        strv_free(p->masked_paths);
        strv_free(p->readonly_paths);
        seccomp_config_done(&p->seccomp);
        sysctls_done(&p->sysctls);
        free(p);
        return NULL;
}

int plan_errorf(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;
        char *s;

        if (!ret_error)
                return r;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0) {
                va_end(ap);
                return -ENOMEM;
        }
        va_end(ap);
        free(*ret_error);
        *ret_error = s;
        return r;
}

/* ---- argv ---- */

static int parse_json_argv(const char *text, char ***ret) {
        _cleanup_json_ json_object *o = json_tokener_parse(text);
        _cleanup_strv_free_ char **l = NULL;
        size_t n;
        int r;

        if (!o || !json_object_is_type(o, json_type_array))
                return -EINVAL;
        n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(o, i);

                if (!json_object_is_type(e, json_type_string))
                        return -EINVAL;
                r = strv_extend(&l, json_object_get_string(e));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int plan_argv(const RunOptions *opts, const ImageInfo *image, char ***ret, char **ret_error) {
        _cleanup_strv_free_ char **entry = NULL, **argv = NULL;
        int r;

        /* podman: --entrypoint replaces the image's Entrypoint and drops its Cmd; '' clears it; a JSON
         * array gives several words. The command after the image replaces Cmd. */
        if (opts->entrypoint) {
                const char *e = opts->entrypoint;

                if (e[0] == '[') {
                        r = parse_json_argv(e, &entry);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return plan_errorf(ret_error, -EINVAL,
                                                   "--entrypoint %s: not a JSON array of strings", e);
                } else if (*e) {
                        r = strv_extend(&entry, e);
                        if (r < 0)
                                return r;
                }
        } else {
                r = strv_copy(image->entrypoint, &entry);
                if (r < 0)
                        return r;
        }

        r = strv_copy(entry, &argv);
        if (r < 0)
                return r;
        STRV_FOREACH(c, opts->command ? opts->command : (opts->entrypoint ? NULL : image->cmd)) {
                r = strv_extend(&argv, *c);
                if (r < 0)
                        return r;
        }
        if (strv_length(argv) == 0 || isempty(argv[0]))
                return plan_errorf(ret_error, -EINVAL,
                                   "no command: give one after the image, or --entrypoint (the image has "
                                   "neither Entrypoint nor Cmd)");
        *ret = TAKE_PTR(argv);
        return 0;
}

/* ---- environment ---- */

static bool env_name_valid(const char *s, size_t n) {
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] == '=' || s[i] == 0)
                        return false;
        return true;
}

int plan_env_set(char ***env, const char *assignment) {
        const char *eq = strchr(assignment, '=');
        size_t n;

        if (!eq || !env_name_valid(assignment, eq - assignment))
                return -EINVAL;
        n = eq - assignment + 1;
        STRV_FOREACH(e, *env)
                if (strncmp(*e, assignment, n) == 0) {
                        char *c = strdup(assignment);

                        if (!c)
                                return -ENOMEM;
                        free(*e);
                        *e = c;
                        return 0;
                }
        return strv_extend(env, assignment);
}

static bool env_has(char **env, const char *name) {
        size_t n = strlen(name);

        STRV_FOREACH(e, env)
                if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
                        return true;
        return false;
}

/* One -e or --env-file entry: NAME=VALUE, NAME (from the caller's environment, skipped when unset
 * there, as podman), or PREFIX* (every variable of the caller starting with PREFIX). */
static int env_add_entry(char ***env, const char *what, const char *entry, char **ret_error) {
        const char *eq = strchr(entry, '=');
        size_t l = strlen(entry);
        int r;

        if (eq) {
                r = plan_env_set(env, entry);
                if (r == -EINVAL)
                        return plan_errorf(ret_error, r, "%s %s: invalid variable name", what, entry);
                return r;
        }
        if (l > 0 && entry[l - 1] == '*') {
                for (char **h = environ; h && *h; h++)
                        if (strncmp(*h, entry, l - 1) == 0 && strchr(*h, '=')) {
                                r = plan_env_set(env, *h);
                                if (r < 0)
                                        return r;
                        }
                return 0;
        }
        if (!env_name_valid(entry, l))
                return plan_errorf(ret_error, -EINVAL, "%s %s: invalid variable name", what, entry);
        const char *v = getenv(entry);
        if (!v)
                return 0;
        _cleanup_free_ char *a = NULL;
        if (asprintf(&a, "%s=%s", entry, v) < 0)
                return -ENOMEM;
        return plan_env_set(env, a);
}

static int env_add_file(char ***env, const char *path, char **ret_error) {
        _cleanup_free_ char *text = NULL, *what = NULL;
        char *save = NULL;
        size_t size;
        unsigned line_no = 0;
        int r;

        r = read_full_file_at(AT_FDCWD, path, 4 << 20, &text, &size);
        if (r < 0)
                return plan_errorf(ret_error, r, "--env-file %s: %s", path, strerror(-r));
        if (memchr(text, 0, size))
                return plan_errorf(ret_error, -EINVAL, "--env-file %s: binary file", path);
        /* Count lines ourselves: strtok_r skips empty lines, which are allowed. */
        for (char *p = text; p;) {
                char *nl = strchr(p, '\n'), *line = p;

                (void) save;
                if (nl)
                        *nl = 0;
                p = nl ? nl + 1 : NULL;
                line_no++;
                size_t ll = strlen(line);
                if (ll > 0 && line[ll - 1] == '\r')
                        line[--ll] = 0;
                while (*line == ' ' || *line == '\t')
                        line++;
                if (!*line || *line == '#')
                        continue;
                free(what);
                if (asprintf(&what, "--env-file %s:%u:", path, line_no) < 0)
                        return -ENOMEM;
                r = env_add_entry(env, what, line, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int plan_env(const RunOptions *opts, const ImageInfo *image, const char *home, const char *hostname,
                    char ***ret, char **ret_error) {
        _cleanup_strv_free_ char **env = NULL;
        int r;

        /* podman's order, later wins: defaults, the image's Env, --env-host, --env-file, -e. */
        r = strv_extend(&env, DEFAULT_PATH);
        if (r < 0)
                return r;
        if (opts->tty && (r = strv_extend(&env, "TERM=xterm")) < 0)
                return r;
        r = strv_extend(&env, "container=podman");
        if (r < 0)
                return r;
        STRV_FOREACH(e, image->env) {
                r = plan_env_set(&env, *e);
                if (r == -EINVAL)
                        return plan_errorf(ret_error, r, "image %s: Env \"%s\": not NAME=VALUE",
                                           strempty(image->name), *e);
                if (r < 0)
                        return r;
        }
        if (opts->env_host)
                for (char **h = environ; h && *h; h++) {
                        r = plan_env_set(&env, *h);
                        if (r < 0 && r != -EINVAL)
                                return r;
                }
        STRV_FOREACH(f, opts->env_files) {
                r = env_add_file(&env, *f, ret_error);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(e, opts->env) {
                r = env_add_entry(&env, "-e", *e, ret_error);
                if (r < 0)
                        return r;
        }
        if (!env_has(env, "HOME")) {
                _cleanup_free_ char *a = NULL;

                if (asprintf(&a, "HOME=%s", isempty(home) ? "/" : home) < 0)
                        return -ENOMEM;
                r = strv_extend(&env, a);
                if (r < 0)
                        return r;
        }
        if (hostname && !env_has(env, "HOSTNAME")) {
                r = strv_extendf(&env, "HOSTNAME=%s", hostname);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(env);
        return 0;
}

/* ---- small value parsers ---- */

static int parse_signal(const char *s, int *ret) {
        char *end;
        long v;
        const char *n = s;

        if (isempty(s))
                return -EINVAL;
        if (isdigit((unsigned char) s[0])) {
                errno = 0;
                v = strtol(s, &end, 10);
                if (errno || *end || v < 1 || v > SIGRTMAX)
                        return -EINVAL;
                *ret = (int) v;
                return 0;
        }
        if (strncasecmp(n, "SIG", 3) == 0)
                n += 3;
        for (int i = 1; i < SIGRTMIN; i++) {
                const char *a = sigabbrev_np(i);

                if (a && strcasecmp(a, n) == 0) {
                        *ret = i;
                        return 0;
                }
        }
        if (strncasecmp(n, "RTMIN", 5) == 0 || strncasecmp(n, "RTMAX", 5) == 0) {
                bool min = strncasecmp(n, "RTMIN", 5) == 0;
                long off = 0;

                if (n[5]) {
                        errno = 0;
                        off = strtol(n + 5, &end, 10);
                        if (errno || *end || (min ? off < 0 : off > 0))
                                return -EINVAL;
                }
                v = (min ? SIGRTMIN : SIGRTMAX) + off;
                if (v < SIGRTMIN || v > SIGRTMAX)
                        return -EINVAL;
                *ret = (int) v;
                return 0;
        }
        return -EINVAL;
}

static int parse_uint(const char *s, unsigned max, unsigned *ret) {
        char *end;
        unsigned long v;

        if (isempty(s) || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static bool is_hex_id(const char *s) {
        if (!s || strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!isxdigit((unsigned char) *s) || isupper((unsigned char) *s))
                        return false;
        return true;
}

/* RFC 1123 labels, as sethostname() itself would take any bytes. */
static bool hostname_valid(const char *h) {
        size_t l = strlen(h);

        if (l == 0 || l > 64)
                return false;
        for (const char *p = h; *p; p++)
                if (!isalnum((unsigned char) *p) && *p != '-' && *p != '.' && *p != '_')
                        return false;
        return h[0] != '-' && h[0] != '.';
}

/* ---- namespaces ---- */

static int parse_ns_option(const char *flag, const char *value, NsKind kind, PlanNamespace *ns,
                           char **ret_error) {
        const char *path;

        if (!value || streq(value, "private")
            || (kind == NS_NET && IN_SET(0, strcmp(value, "none"), strcmp(value, "bridge"))))
                ns->mode = NS_MODE_NEW;
        else if (streq(value, "host"))
                ns->mode = NS_MODE_HOST;
        else if ((path = startswith(value, "ns:"))) {
                if (path[0] != '/')
                        return plan_errorf(ret_error, -EINVAL, "%s %s: the namespace path must be absolute",
                                           flag, value);
                ns->mode = NS_MODE_JOIN;
                ns->path = strdup(path);
                if (!ns->path)
                        return -ENOMEM;
        } else if (startswith(value, "container:"))
                return plan_errorf(ret_error, -EINVAL, "%s %s: the container must be resolved by the caller",
                                   flag, value);
        else
                return plan_errorf(ret_error, -EINVAL, "%s %s: unknown mode (host, private%s, ns:PATH)",
                                   flag, value, kind == NS_NET ? ", none" : "");
        return 0;
}

static int parse_idmap(const char *flag, const char *spec, PlanIdMap **maps, size_t *n, char **ret_error) {
        unsigned c, h, s;
        char tail;
        PlanIdMap *a;

        if (sscanf(spec, "%u:%u:%u%c", &c, &h, &s, &tail) != 3 || s == 0 || (uint64_t) c + s > UINT32_MAX
            || (uint64_t) h + s > UINT32_MAX)
                return plan_errorf(ret_error, -EINVAL, "%s %s: expected CONTAINER_ID:HOST_ID:SIZE", flag,
                                   spec);
        for (size_t i = 0; i < *n; i++) {
                PlanIdMap *o = &(*maps)[i];
                if (c < o->container_id + o->size && o->container_id < c + s)
                        return plan_errorf(ret_error, -EINVAL, "%s %s: overlaps another mapping", flag,
                                           spec);
        }
        a = reallocarray(*maps, *n + 1, sizeof(PlanIdMap));
        if (!a)
                return -ENOMEM;
        a[(*n)++] = (PlanIdMap){c, h, s};
        *maps = a;
        return 0;
}

/* The subordinate ids of the caller from /etc/subuid or /etc/subgid (first range only). */
static int read_subid(const char *file, const char *user, uid_t id, uint32_t *ret_start,
                      uint32_t *ret_count) {
        _cleanup_free_ char *text = NULL;
        char *save = NULL;

        if (read_full_file_at(AT_FDCWD, file, 1 << 20, &text, NULL) < 0)
                return 0;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char name[256];
                unsigned start, count;

                if (sscanf(line, "%255[^:]:%u:%u", name, &start, &count) != 3 || count == 0)
                        continue;
                char idstr[16];
                snprintf(idstr, sizeof(idstr), "%u", (unsigned) id);
                if ((user && streq(name, user)) || streq(name, idstr)) {
                        *ret_start = start;
                        *ret_count = count;
                        return 1;
                }
        }
        return 0;
}

static int plan_userns(const RunOptions *opts, ContainerPlan *p, char **ret_error) {
        bool rootless = geteuid() != 0;
        int r;

        r = plan_subid_maps(opts, p, ret_error); /* --subuidname/--subgidname: maps as --uidmap gives */
        if (r < 0)
                return r;

        STRV_FOREACH(m, opts->uidmap) {
                r = parse_idmap("--uidmap", *m, &p->uid_map, &p->n_uid_map, ret_error);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(m, opts->gidmap) {
                r = parse_idmap("--gidmap", *m, &p->gid_map, &p->n_gid_map, ret_error);
                if (r < 0)
                        return r;
        }
        if (p->n_uid_map && !p->n_gid_map) { /* podman: a uid map alone is used for gids too */
                p->gid_map = calloc(p->n_uid_map, sizeof(PlanIdMap));
                if (!p->gid_map)
                        return -ENOMEM;
                memcpy(p->gid_map, p->uid_map, p->n_uid_map * sizeof(PlanIdMap));
                p->n_gid_map = p->n_uid_map;
        } else if (p->n_gid_map && !p->n_uid_map)
                return plan_errorf(ret_error, -EINVAL, "--gidmap needs --uidmap as well");

        if (opts->userns) {
                const char *path;

                if (p->n_uid_map)
                        return plan_errorf(ret_error, -EINVAL,
                                           "--userns %s: conflicts with --uidmap/--gidmap", opts->userns);
                if (streq(opts->userns, "host")) {
                        if (rootless)
                                return plan_errorf(ret_error, -EPERM,
                                                   "--userns host: not possible without root privileges");
                        p->ns[NS_USER].mode = NS_MODE_HOST;
                        return 0;
                }
                if ((path = startswith(opts->userns, "ns:"))) {
                        if (path[0] != '/')
                                return plan_errorf(ret_error, -EINVAL,
                                                   "--userns %s: the namespace path must be absolute",
                                                   opts->userns);
                        p->ns[NS_USER] = (PlanNamespace){NS_MODE_JOIN, strdup(path)};
                        return p->ns[NS_USER].path ? 0 : -ENOMEM;
                }
                if (!streq(opts->userns, "keep-id") && !streq(opts->userns, "private"))
                        return plan_errorf(ret_error, -EOPNOTSUPP,
                                           "--userns %s: not supported (host, private, keep-id, ns:PATH)",
                                           opts->userns);
        }

        if (p->n_uid_map) {
                p->ns[NS_USER].mode = NS_MODE_NEW;
                return 0;
        }
        if (!rootless && !opts->userns) {
                p->ns[NS_USER].mode = NS_MODE_HOST;
                return 0;
        }

        /* A private map: rootless (or --userns private/keep-id). The caller's own id becomes root in the
         * container (or stays itself with keep-id), the subordinate ids (if any) fill the rest. */
        uid_t uid = geteuid();
        gid_t gid = getegid();
        bool keep = opts->userns && streq(opts->userns, "keep-id");
        uint32_t us = 0, uc = 0, gs = 0, gc = 0;
        const char *user = getenv("USER");

        if (!rootless && !keep) {
                /* root asking for a private user namespace: a 65536-id slice well above the host's
                 * users, as podman's --userns=auto would pick. */
                r = parse_idmap("--userns", "0:100000:65536", &p->uid_map, &p->n_uid_map, ret_error);
                if (r >= 0)
                        r = parse_idmap("--userns", "0:100000:65536", &p->gid_map, &p->n_gid_map, ret_error);
                p->ns[NS_USER].mode = NS_MODE_NEW;
                return r;
        }
        (void) read_subid("/etc/subuid", user, uid, &us, &uc);
        (void) read_subid("/etc/subgid", user, uid, &gs, &gc);
        uint32_t inside_u = keep ? uid : 0, inside_g = keep ? gid : 0;
        p->uid_map = calloc(3, sizeof(PlanIdMap));
        p->gid_map = calloc(3, sizeof(PlanIdMap));
        if (!p->uid_map || !p->gid_map)
                return -ENOMEM;
        p->uid_map[p->n_uid_map++] = (PlanIdMap){inside_u, uid, 1};
        p->gid_map[p->n_gid_map++] = (PlanIdMap){inside_g, gid, 1};
        if (uc > 0) {
                if (keep) {
                        uint32_t below = MIN(uc, inside_u);
                        if (below)
                                p->uid_map[p->n_uid_map++] = (PlanIdMap){0, us, below};
                        if (uc > below)
                                p->uid_map[p->n_uid_map++] =
                                        (PlanIdMap){inside_u + 1, us + below, uc - below};
                } else
                        p->uid_map[p->n_uid_map++] = (PlanIdMap){1, us, uc};
        }
        if (gc > 0) {
                if (keep) {
                        uint32_t below = MIN(gc, inside_g);
                        if (below)
                                p->gid_map[p->n_gid_map++] = (PlanIdMap){0, gs, below};
                        if (gc > below)
                                p->gid_map[p->n_gid_map++] =
                                        (PlanIdMap){inside_g + 1, gs + below, gc - below};
                } else
                        p->gid_map[p->n_gid_map++] = (PlanIdMap){1, gs, gc};
        }
        p->ns[NS_USER].mode = NS_MODE_NEW;
        return 0;
}

/* ---- mounts ---- */

static int mount_add(ContainerPlan *p, const char *dst, const char *type, const char *src,
                     unsigned long flags, const char *data, unsigned extra) {
        PlanMount *a = reallocarray(p->mounts, p->n_mounts + 1, sizeof(PlanMount));

        if (!a)
                return -ENOMEM;
        p->mounts = a;
        a[p->n_mounts] = (PlanMount){
                .destination = strdup(dst),
                .type = strdup(type),
                .source = strdup(src),
                .flags = flags,
                .propagation = (flags & MS_BIND) ? MS_PRIVATE | MS_REC : 0,
                .data = data ? strdup(data) : NULL,
                .extra = extra,
        };
        if (!a[p->n_mounts].destination || !a[p->n_mounts].type || !a[p->n_mounts].source
            || (data && !a[p->n_mounts].data)) {
                plan_mount_done(&a[p->n_mounts]);
                return -ENOMEM;
        }
        p->n_mounts++;
        return 0;
}

static ssize_t mount_find(const ContainerPlan *p, const char *dst) {
        for (size_t i = 0; i < p->n_mounts; i++)
                if (streq(p->mounts[i].destination, dst))
                        return (ssize_t) i;
        return -1;
}

static size_t path_depth(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                n += *s == '/';
        return n;
}

/* Adds a user mount: one that replaces a system mount of the same destination (--tmpfs /tmp over the
 * read-only tmpfs, -v over /etc/hosts), refused when another user mount has it already. */
static int user_mount_add(ContainerPlan *p, PlanMount *m, size_t *first_user, const char *flag,
                          const char *spec, char **ret_error) {
        ssize_t i = mount_find(p, m->destination);
        PlanMount *a;

        if (i >= (ssize_t) *first_user)
                return plan_errorf(ret_error, -EINVAL, "%s %s: duplicate mount destination %s", flag, spec,
                                   m->destination);
        if (i >= 0) {
                plan_mount_done(&p->mounts[i]);
                memmove(&p->mounts[i], &p->mounts[i + 1], (p->n_mounts - i - 1) * sizeof(PlanMount));
                p->n_mounts--;
                (*first_user)--;
        }
        a = reallocarray(p->mounts, p->n_mounts + 1, sizeof(PlanMount));
        if (!a)
                return -ENOMEM;
        p->mounts = a;
        a[p->n_mounts++] = *m;
        *m = (PlanMount){};
        return 0;
}

static int bind_source_check(const char *flag, const char *spec, PlanMount *m, char **ret_error) {
        struct stat st;

        if (stat(m->source, &st) < 0)
                return plan_errorf(ret_error, -errno, "%s %s: source %s: %s", flag, spec, m->source,
                                   strerror(errno));
        if (!S_ISDIR(st.st_mode))
                m->extra |= PLAN_MOUNT_FILE;
        return 0;
}

static int parse_size_option(const char *flag, const char *value, int64_t *ret, char **ret_error) {
        char *end;
        double v;
        int64_t mult = 1;

        if (isempty(value) || !(isdigit((unsigned char) value[0]) || value[0] == '.'))
                return plan_errorf(ret_error, -EINVAL, "%s %s: invalid size", flag, strempty(value));
        errno = 0;
        v = strtod(value, &end);
        switch (tolower((unsigned char) *end)) {
        case 'b':
                mult = 1;
                end++;
                break;
        case 'k':
                mult = 1LL << 10;
                end++;
                break;
        case 'm':
                mult = 1LL << 20;
                end++;
                break;
        case 'g':
                mult = 1LL << 30;
                end++;
                break;
        case 't':
                mult = 1LL << 40;
                end++;
                break;
        default:
                break;
        }
        if (mult > 1 && tolower((unsigned char) *end) == 'b')
                end++;
        if (errno || *end || v <= 0 || v * (double) mult > 9.0e18)
                return plan_errorf(ret_error, -EINVAL, "%s %s: invalid size", flag, value);
        *ret = (int64_t) (v * (double) mult);
        return 0;
}

static int plan_mounts(const RunOptions *opts, ContainerPlan *p, char **ret_error) {
        _cleanup_free_ char *shm = NULL;
        int64_t shm_size = 64 << 20;
        bool ro_tmpfs = true;
        size_t first_user;
        int r;

        if (opts->shm_size) {
                r = parse_size_option("--shm-size", opts->shm_size, &shm_size, ret_error);
                if (r < 0)
                        return r;
        }
        if (asprintf(&shm, "mode=1777,size=%" PRIi64 "k", (shm_size + 1023) / 1024) < 0)
                return -ENOMEM;
        if (opts->read_only_tmpfs) {
                if (streq(opts->read_only_tmpfs, "true"))
                        ro_tmpfs = true;
                else if (streq(opts->read_only_tmpfs, "false"))
                        ro_tmpfs = false;
                else
                        return plan_errorf(ret_error, -EINVAL,
                                           "--read-only-tmpfs %s: expected true or false",
                                           opts->read_only_tmpfs);
        }

        /* The system mounts, as podman gives them (OCI defaults plus podman's changes). */
        struct {
                const char *dst, *type;
                unsigned long flags;
                const char *data;
        } sys[] = {
                {"/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL},
                {"/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"},
                {"/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"},
                {"/dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL},
                {"/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | (p->privileged ? 0 : MS_RDONLY), NULL},
                {"/dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, shm},
        };
        FOREACH_ARRAY(m, sys, ELEMENTSOF(sys)) {
                r = mount_add(p, m->dst, m->type, m->type, m->flags, m->data, 0);
                if (r < 0)
                        return r;
        }
        /* The per-container /etc files, written into run_dir at spawn. */
        static const char *const etc[] = {"hosts", "hostname", "resolv.conf"};
        FOREACH_ARRAY(e, etc, ELEMENTSOF(etc)) {
                _cleanup_free_ char *src = NULL, *dst = NULL;

                if (asprintf(&src, "%s/%s", p->run_dir, *e) < 0 || asprintf(&dst, "/etc/%s", *e) < 0)
                        return -ENOMEM;
                r = mount_add(p, dst, "bind", src, MS_BIND, NULL, PLAN_MOUNT_FILE);
                if (r < 0)
                        return r;
        }
        if (p->timezone) {
                _cleanup_free_ char *src = NULL;

                if (streq(p->timezone, "local"))
                        src = strdup("/etc/localtime");
                else if (asprintf(&src, "/usr/share/zoneinfo/%s", p->timezone) < 0)
                        src = NULL;
                if (!src)
                        return -ENOMEM;
                if (strstr(p->timezone, "..") || access(src, R_OK) < 0)
                        return plan_errorf(ret_error, -ENOENT, "--timezone %s: no such time zone (%s)",
                                           p->timezone, src);
                r = mount_add(p, "/etc/localtime", "bind", src, MS_BIND | MS_RDONLY, NULL, PLAN_MOUNT_FILE);
                if (r < 0)
                        return r;
        }
        if (p->init) {
                if (isempty(p->init_path) || access(p->init_path, X_OK) < 0)
                        return plan_errorf(ret_error, -ENOENT,
                                           "--init: %s: not an executable (see --init-path)",
                                           strempty(p->init_path));
                r = mount_add(p, "/run/skiff-init", "bind", p->init_path, MS_BIND | MS_RDONLY, NULL,
                              PLAN_MOUNT_FILE);
                if (r < 0)
                        return r;
        }
        if (p->read_only && ro_tmpfs) {
                static const char *const dirs[] = {"/run", "/tmp", "/var/tmp"};
                FOREACH_ARRAY(d, dirs, ELEMENTSOF(dirs)) {
                        r = mount_add(p, *d, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 0);
                        if (r < 0)
                                return r;
                }
        }

        first_user = p->n_mounts;
        struct {
                const char *flag;
                char **specs;
                int (*parse)(const char *, PlanMount *, char **);
        } user[] = {
                {"-v", opts->volumes, plan_parse_volume},
                {"--mount", opts->mounts, plan_parse_mount},
                {"--tmpfs", opts->tmpfs, plan_parse_tmpfs},
        };
        FOREACH_ARRAY(u, user, ELEMENTSOF(user))
                STRV_FOREACH(s, u->specs) {
                        PlanMount m = {};

                        r = u->parse(*s, &m, ret_error);
                        if (r < 0)
                                return r;
                        if (streq(m.type, "bind"))
                                r = bind_source_check(u->flag, *s, &m, ret_error);
                        if (r >= 0)
                                r = user_mount_add(p, &m, &first_user, u->flag, *s, ret_error);
                        plan_mount_done(&m);
                        if (r < 0)
                                return r;
                }
        /* Parents before children: a stable sort of the user mounts by depth. */
        for (size_t i = first_user + 1; i < p->n_mounts; i++)
                for (size_t j = i;
                     j > first_user
                     && path_depth(p->mounts[j - 1].destination) > path_depth(p->mounts[j].destination);
                     j--) {
                        PlanMount t = p->mounts[j];
                        p->mounts[j] = p->mounts[j - 1];
                        p->mounts[j - 1] = t;
                }
        return 0;
}

/* ---- /etc files ---- */

static int plan_etc_files(const RunOptions *opts, ContainerPlan *p, char **ret_error) {
        StrBuf hosts = STRBUF_INIT, resolv = STRBUF_INIT;
        bool host_net = p->ns[NS_NET].mode == NS_MODE_HOST;
        _cleanup_free_ char *host_hosts = NULL, *host_resolv = NULL;
        int r;

        if (host_net && read_full_file_at(AT_FDCWD, "/etc/hosts", 1 << 20, &host_hosts, NULL) >= 0)
                strbuf_puts(&hosts, host_hosts);
        else
                strbuf_puts(&hosts,
                            "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                            "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n");
        if (hosts.len && hosts.buf[hosts.len - 1] != '\n')
                strbuf_putc(&hosts, '\n');
        STRV_FOREACH(h, opts->add_hosts) {
                const char *c = strchr(*h, ':');

                if (!c || c == *h || !c[1]) {
                        strbuf_release(&hosts);
                        return plan_errorf(ret_error, -EINVAL, "--add-host %s: expected HOST:IP", *h);
                }
                strbuf_addf(&hosts, "%s\t%.*s\n", c + 1, (int) (c - *h), *h);
        }
        if (!host_net) {
                strbuf_addf(&hosts, "127.0.1.1\t%s", p->hostname);
                if (p->name && !streq(p->name, p->hostname))
                        strbuf_addf(&hosts, " %s", p->name);
                strbuf_putc(&hosts, '\n');
        }
        p->etc_hosts = strbuf_detach(&hosts);
        if (!p->etc_hosts)
                return -ENOMEM;
        if (asprintf(&p->etc_hostname, "%s\n", p->hostname) < 0)
                return -ENOMEM;

        if (opts->dns || opts->dns_search || opts->dns_options) {
                if (opts->dns_search)
                        strbuf_puts(&resolv, "search");
                STRV_FOREACH(s, opts->dns_search)
                        strbuf_addf(&resolv, " %s", *s);
                if (opts->dns_search)
                        strbuf_putc(&resolv, '\n');
                STRV_FOREACH(s, opts->dns)
                        strbuf_addf(&resolv, "nameserver %s\n", *s);
                if (opts->dns_options)
                        strbuf_puts(&resolv, "options");
                STRV_FOREACH(s, opts->dns_options)
                        strbuf_addf(&resolv, " %s", *s);
                if (opts->dns_options)
                        strbuf_putc(&resolv, '\n');
        } else if (read_full_file_at(AT_FDCWD, "/etc/resolv.conf", 1 << 20, &host_resolv, NULL) >= 0) {
                /* A loopback resolver of the host is unreachable from a network namespace of its own. */
                char *save = NULL;
                for (char *l = strtok_r(host_resolv, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        const char *ns = startswith(l, "nameserver");
                        if (!host_net && ns) {
                                while (*ns == ' ' || *ns == '\t')
                                        ns++;
                                if (startswith(ns, "127.") || streq(ns, "::1"))
                                        continue;
                        }
                        strbuf_addf(&resolv, "%s\n", l);
                }
        }
        p->etc_resolv_conf = strbuf_detach(&resolv);
        r = p->etc_resolv_conf ? 0 : -ENOMEM;
        return r;
}

/* ---- security options ---- */

static int strv_split_colon_add(char ***l, const char *s) {
        _cleanup_free_ char *c = strdup(s);
        char *save = NULL;
        int r;

        if (!c)
                return -ENOMEM;
        for (char *w = strtok_r(c, ":", &save); w; w = strtok_r(NULL, ":", &save))
                if (!strv_contains(*l, w) && (r = strv_extend(l, w)) < 0)
                        return r;
        return 0;
}

static int plan_security(const RunOptions *opts, ContainerPlan *p, char **ret_error) {
        const char *seccomp = NULL;
        _cleanup_strv_free_ char **unmask = NULL, **mask = NULL;
        bool unmask_all = false;
        int r;

        STRV_FOREACH(o, opts->security_opts) {
                const char *v;

                if ((v = startswith(*o, "seccomp=")))
                        seccomp = v;
                else if (streq(*o, "no-new-privileges") || streq(*o, "no-new-privileges=true")
                         || streq(*o, "no-new-privileges:true"))
                        p->no_new_privs = true;
                else if (streq(*o, "no-new-privileges=false") || streq(*o, "no-new-privileges:false"))
                        p->no_new_privs = false;
                else if ((v = startswith(*o, "unmask="))) {
                        if (streq(v, "ALL"))
                                unmask_all = true;
                        else if ((r = strv_split_colon_add(&unmask, v)) < 0)
                                return r;
                } else if ((v = startswith(*o, "mask="))) {
                        if ((r = strv_split_colon_add(&mask, v)) < 0)
                                return r;
                } else if (startswith(*o, "label=") || streq(*o, "apparmor=unconfined")
                           || startswith(*o, "apparmor="))
                        continue; /* no SELinux or AppArmor on these hosts: accepted as podman does there */
                else
                        return plan_errorf(ret_error, -EINVAL, "--security-opt %s: unknown option", *o);
        }
        STRV_FOREACH(m, mask)
                if ((*m)[0] != '/')
                        return plan_errorf(ret_error, -EINVAL,
                                           "--security-opt mask=%s: not an absolute path", *m);

        /* --privileged: no masks, no seccomp (unless asked for), /sys read-write (see plan_mounts) */
        if (!p->privileged) {
                if (!unmask_all) {
                        for (const char *const *m = plan_default_masked_paths; *m; m++)
                                if (!strv_contains(unmask, *m)
                                    && (r = strv_extend(&p->masked_paths, *m)) < 0)
                                        return r;
                        for (const char *const *m = plan_default_readonly_paths; *m; m++)
                                if (!strv_contains(unmask, *m)
                                    && (r = strv_extend(&p->readonly_paths, *m)) < 0)
                                        return r;
                }
        }
        STRV_FOREACH(m, mask)
                if (!strv_contains(p->masked_paths, *m) && (r = strv_extend(&p->masked_paths, *m)) < 0)
                        return r;

        if (seccomp) {
                r = seccomp_config_from_option(seccomp, &p->seccomp, ret_error);
                if (r < 0) {
                        if (ret_error && !*ret_error)
                                return plan_errorf(ret_error, r, "--security-opt seccomp=%s: %s",
                                                   strempty(seccomp), strerror(-r));
                        return r;
                }
        } else
                p->seccomp.kind = p->privileged ? SECCOMP_KIND_UNCONFINED : SECCOMP_KIND_DEFAULT;

        r = caps_last_cap();
        if (r < 0)
                return plan_errorf(ret_error, r, "read the kernel's last capability: %s", strerror(-r));
        r = caps_build(p->privileged, opts->cap_add, opts->cap_drop, p->uid, (unsigned) r, &p->caps,
                       ret_error);
        if (r < 0) {
                if (ret_error && !*ret_error)
                        return plan_errorf(ret_error, r, "capabilities: %s", strerror(-r));
                return r;
        }
        return 0;
}

/* ---- resources ---- */

static int plan_resources(const RunOptions *opts, ContainerPlan *p, char **ret_error) {
        RlimitHost host;
        int r;

        r = rlimit_host_read(&host);
        if (r < 0)
                return plan_errorf(ret_error, r, "read the caller's resource limits: %s", strerror(-r));
        r = rlimits_build(opts->ulimits, &host, &p->rlimits, ret_error);
        if (r < 0)
                return r;

        p->cgroups = CGROUPS_ENABLED;
        if (opts->cgroups) {
                p->cgroups = cgroups_mode_from_string(opts->cgroups);
                if ((int) p->cgroups < 0)
                        return plan_errorf(ret_error, -EINVAL,
                                           "--cgroups %s: expected enabled, disabled, no-conmon or split",
                                           opts->cgroups);
        }
        if (opts->memory
            && (r = cgroup_parse_size("--memory", opts->memory, &p->limits.memory, ret_error)) < 0)
                return r;
        if (opts->cpus
            && (r = cgroup_parse_cpus(opts->cpus, &p->limits.cpu_quota, &p->limits.cpu_period, ret_error))
                       < 0)
                return r;
        if (opts->cpu_shares
            && (r = cgroup_parse_cpu_shares(opts->cpu_shares, &p->limits.cpu_shares, ret_error)) < 0)
                return r;
        if (opts->pids_limit) {
                r = cgroup_parse_pids_limit(opts->pids_limit, &p->limits.pids_limit, ret_error);
                if (r < 0)
                        return r;
        } else if (p->cgroups != CGROUPS_DISABLED)
                p->limits.pids_limit = 2048; /* podman's default pids_limit */
        if (p->cgroups == CGROUPS_DISABLED
            && (opts->memory || opts->cpus || opts->cpu_shares || opts->pids_limit))
                return plan_errorf(ret_error, -EINVAL,
                                   "resource limits need cgroups (--cgroups disabled was given)");

        SysctlNamespaces ns = {
                .private_ipc = p->ns[NS_IPC].mode != NS_MODE_HOST,
                .private_net = p->ns[NS_NET].mode != NS_MODE_HOST,
                .private_uts = p->ns[NS_UTS].mode != NS_MODE_HOST,
        };
        if (opts->sysctls) {
                r = sysctls_build(opts->sysctls, &ns, &p->sysctls, ret_error);
                if (r < 0)
                        return r;
        }
        /* podman's default_sysctls (ping without CAP_NET_RAW); the user's value wins */
        r = sysctls_add_defaults(&p->sysctls, &ns);
        if (r < 0)
                return r;
        return 0;
}

/* ---- lifecycle ---- */

/* --health-* over the image's HEALTHCHECK (health.c); --sdnotify=healthy needs a check. */
static int plan_health(const RunOptions *opts, const ImageInfo *image, ContainerPlan *p, char **ret_error) {
        ImageHealthcheck ih = {
                .test = image->health_test,
                .interval_ns = image->health_interval_ns,
                .timeout_ns = image->health_timeout_ns,
                .start_period_ns = image->health_start_period_ns,
                .retries = image->health_retries,
        };
        int r;

        r = health_config_build(&opts->health, &ih, &p->health, ret_error);
        if (r < 0)
                return r;
        if (!p->health && p->sdnotify && streq(p->sdnotify, "healthy"))
                return plan_errorf(ret_error, -EINVAL,
                                   "--sdnotify=healthy needs a health check (--health-cmd) and the container "
                                   "has none (nor from the image's HEALTHCHECK)");
        return 0;
}

static int plan_lifecycle(const RunOptions *opts, const ImageInfo *image, ContainerPlan *p,
                          char **ret_error) {
        int r;

        p->rm = opts->rm;
        p->detach = opts->detach;
        p->interactive = opts->interactive;
        p->replace = opts->replace;
        p->restart = PLAN_RESTART_NO;
        if (opts->restart) {
                _cleanup_free_ char *mode = strdup(opts->restart);
                char *colon;

                if (!mode)
                        return -ENOMEM;
                colon = strchr(mode, ':');
                if (colon)
                        *colon++ = 0;
                p->restart = plan_restart_from_string(mode);
                if ((int) p->restart < 0 || (colon && p->restart != PLAN_RESTART_ON_FAILURE)
                    || (colon && parse_uint(colon, 1000000, &p->restart_max_retries) < 0))
                        return plan_errorf(
                                ret_error, -EINVAL,
                                "--restart %s: expected no, on-failure[:N], always or unless-stopped",
                                opts->restart);
                if (opts->rm && p->restart != PLAN_RESTART_NO)
                        return plan_errorf(ret_error, -EINVAL, "--restart %s: conflicts with --rm",
                                           opts->restart);
        }
        p->stop_signal = SIGTERM;
        const char *sig = opts->stop_signal ?: image->stop_signal;
        if (sig && parse_signal(sig, &p->stop_signal) < 0)
                return plan_errorf(ret_error, -EINVAL, "%s %s: unknown signal",
                                   opts->stop_signal ? "--stop-signal" : "image StopSignal", sig);
        p->stop_timeout = 10;
        if (opts->stop_timeout && parse_uint(opts->stop_timeout, UINT32_MAX, &p->stop_timeout) < 0)
                return plan_errorf(ret_error, -EINVAL, "--stop-timeout %s: not a number of seconds",
                                   opts->stop_timeout);
        p->log_driver = PLAN_LOG_K8S_FILE;
        if (opts->log_driver) {
                p->log_driver = plan_log_driver_from_string(opts->log_driver);
                if ((int) p->log_driver < 0)
                        return plan_errorf(ret_error, -EINVAL,
                                           "--log-driver %s: expected k8s-file, journald or none",
                                           opts->log_driver);
        }
        if (opts->sdnotify) {
                if (!IN_SET(0, strcmp(opts->sdnotify, "container"), strcmp(opts->sdnotify, "conmon"),
                            strcmp(opts->sdnotify, "healthy"), strcmp(opts->sdnotify, "ignore")))
                        return plan_errorf(ret_error, -EINVAL,
                                           "--sdnotify %s: expected container, conmon, healthy or ignore",
                                           opts->sdnotify);
                p->sdnotify = strdup(opts->sdnotify);
                if (!p->sdnotify)
                        return -ENOMEM;
        }
        if (opts->cidfile && !(p->cidfile = strdup(opts->cidfile)))
                return -ENOMEM;
        r = plan_health(opts, image, p, ret_error);
        if (r < 0)
                return r;
        r = plan_devices(opts, p, ret_error);
        if (r < 0)
                return r;

        STRV_FOREACH(l, image->labels)
                if ((r = plan_env_set(&p->labels, *l)) < 0 && r != -EINVAL)
                        return r;
        struct {
                const char *flag;
                char **in;
                char ***out;
        } kv[] = {{"--label", opts->labels, &p->labels},
                  {"--annotation", opts->annotations, &p->annotations}};
        FOREACH_ARRAY(k, kv, ELEMENTSOF(kv))
                STRV_FOREACH(l, k->in) {
                        _cleanup_free_ char *a = NULL;

                        if ((*l)[0] == '=')
                                return plan_errorf(ret_error, -EINVAL, "%s %s: empty key", k->flag, *l);
                        a = strchr(*l, '=') ? strdup(*l) : NULL;
                        if (!a && asprintf(&a, "%s=", *l) < 0)
                                return -ENOMEM;
                        if (!a)
                                return -ENOMEM;
                        r = plan_env_set(k->out, a);
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* --sdnotify=container (quadlet's Notify=true): the container speaks sd_notify itself. The unit's
 * notify socket (a path: an abstract one cannot be reached from the container's own network
 * namespace) is bound at /run/notify/notify.sock, where podman puts it, and NOTIFY_SOCKET names it;
 * the monitor sends only MAINPID= (monitor.c). Without NOTIFY_SOCKET (not under systemd) nothing is
 * passed. */
static int plan_notify_socket(ContainerPlan *p, char **ret_error) {
        const char *sock = getenv("NOTIFY_SOCKET");
        int r;

        if (!p->sdnotify || !streq(p->sdnotify, "container") || isempty(sock))
                return 0;
        if (sock[0] != '/')
                return plan_errorf(ret_error, -EINVAL,
                                   "--sdnotify=container: NOTIFY_SOCKET=%s is not a path (an abstract socket cannot "
                                   "be reached from the container)", sock);
        r = mount_add(p, "/run/notify/notify.sock", "bind", sock, MS_BIND, NULL, PLAN_MOUNT_FILE);
        if (r < 0)
                return r;
        return plan_env_set(&p->env, "NOTIFY_SOCKET=/run/notify/notify.sock");
}

int container_plan_build(const RunOptions *opts, const ImageInfo *image, const SkiffPaths *paths,
                         ContainerPlan **ret, char **ret_error) {
        _cleanup_container_plan_ ContainerPlan *p = NULL;
        _cleanup_free_ char *home = NULL;
        const char *user;
        int r;

        if (!is_hex_id(opts->id))
                return plan_errorf(ret_error, -EINVAL, "container id \"%s\": not 64 lowercase hex digits",
                                   strempty(opts->id));
        if (!image->layer_dirs && !image->rootfs)
                return plan_errorf(ret_error, -EINVAL, "image %s: no layers and no root directory",
                                   strempty(image->name));
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->umask = 0022;
        if (!(p->id = strdup(opts->id)) || (opts->name && !(p->name = strdup(opts->name)))
            || (image->id && !(p->image_id = strdup(image->id)))
            || (image->name && !(p->image_name = strdup(image->name))))
                return -ENOMEM;
        if (asprintf(&p->container_dir, "%s/containers/%s", paths->root, p->id) < 0
            || asprintf(&p->run_dir, "%s/containers/%s/run", paths->runroot, p->id) < 0
            || asprintf(&p->cache_dir, "%s/seccomp-cache", paths->runroot) < 0)
                return -ENOMEM;
        if (image->layer_dirs) {
                r = strv_copy(image->layer_dirs, &p->lower_dirs);
                if (r < 0)
                        return r;
                if (asprintf(&p->upper_dir, "%s/upper", p->container_dir) < 0
                    || asprintf(&p->work_dir, "%s/work", p->container_dir) < 0)
                        return -ENOMEM;
        } else if (!(p->rootfs = strdup(image->rootfs)))
                return -ENOMEM;
        p->read_only = opts->read_only;
        p->privileged = opts->privileged;
        p->tty = opts->tty;
        p->init = opts->init;
        if (p->init) {
                /* --init-path, else SKIFF_PAUSE_PATH from the environment (tests, a build tree), else the
                 * installed skiff-pause */
                const char *init = opts->init_path ?: secure_getenv("SKIFF_PAUSE")
                                                           ?: secure_getenv("SKIFF_PAUSE_PATH") ?: SKIFF_PAUSE_PATH;
                if (!(p->init_path = strdup(init)))
                        return -ENOMEM;
        }
        if (opts->timezone && !(p->timezone = strdup(opts->timezone)))
                return -ENOMEM;

        r = plan_lifecycle(opts, image, p, ret_error);
        if (r < 0)
                return r;

        /* argv, with skiff-pause in front for --init */
        r = plan_argv(opts, image, &p->argv, ret_error);
        if (r < 0)
                return r;
        if (p->init) {
                char **a = calloc(strv_length(p->argv) + 3, sizeof(char *));
                if (!a)
                        return -ENOMEM;
                a[0] = strdup("/run/skiff-init");
                a[1] = strdup("--");
                if (!a[0] || !a[1]) {
                        strv_free(a);
                        return -ENOMEM;
                }
                memcpy(a + 2, p->argv, strv_length(p->argv) * sizeof(char *));
                free(p->argv);
                p->argv = a;
        }

        /* namespaces: mnt always new; cgroup the host's (v1 hosts cannot give a useful private one;
         * FIXME: private on a pure v2 host, as podman) */
        p->ns[NS_MNT].mode = NS_MODE_NEW;
        p->ns[NS_CGROUP].mode = NS_MODE_HOST;
        struct {
                const char *flag;
                const char *value;
                NsKind kind;
        } nss[] = {
                {"--network", opts->network, NS_NET},
                {"--pid", opts->pid, NS_PID},
                {"--ipc", opts->ipc, NS_IPC},
                {"--uts", opts->uts, NS_UTS},
        };
        FOREACH_ARRAY(n, nss, ELEMENTSOF(nss)) {
                r = parse_ns_option(n->flag, n->value, n->kind, &p->ns[n->kind], ret_error);
                if (r < 0)
                        return r;
        }
        r = plan_userns(opts, p, ret_error);
        if (r < 0)
                return r;

        /* hostname */
        if (opts->hostname) {
                if (!hostname_valid(opts->hostname))
                        return plan_errorf(ret_error, -EINVAL, "--hostname %s: not a valid host name",
                                           opts->hostname);
                if (p->ns[NS_UTS].mode == NS_MODE_HOST)
                        return plan_errorf(ret_error, -EINVAL, "--hostname %s: conflicts with --uts host",
                                           opts->hostname);
                p->hostname = strdup(opts->hostname);
        } else if (p->ns[NS_UTS].mode == NS_MODE_HOST || p->ns[NS_NET].mode == NS_MODE_HOST) {
                char h[256] = {};
                (void) gethostname(h, sizeof(h) - 1);
                p->hostname = strdup(h);
        } else
                p->hostname = strndup(p->id, 12);
        if (!p->hostname)
                return -ENOMEM;

        /* user and groups */
        user = opts->user ?: image->user;
        if (!isempty(user) && !(p->user = strdup(user)))
                return -ENOMEM;
        r = plan_resolve_user(p->lower_dirs, p->rootfs, user, opts->group_add, &p->uid, &p->gid, &p->groups,
                              &p->n_groups, &home, ret_error);
        if (r < 0) {
                /* name the flag when the user came from -u */
                if (opts->user && ret_error && *ret_error && startswith(*ret_error, "user ")) {
                        _cleanup_free_ char *m = TAKE_PTR(*ret_error);
                        return plan_errorf(ret_error, r, "--%s", m);
                }
                if (!opts->user && ret_error && *ret_error && startswith(*ret_error, "user ")) {
                        _cleanup_free_ char *m = TAKE_PTR(*ret_error);
                        return plan_errorf(ret_error, r, "image %s", m);
                }
                return r;
        }

        r = plan_env(opts, image, home, p->hostname, &p->env, ret_error);
        if (r < 0)
                return r;

        const char *wd = opts->workdir ?: image->workdir;
        if (isempty(wd))
                wd = "/";
        if (wd[0] != '/')
                return plan_errorf(ret_error, -EINVAL, "%s %s: not an absolute path",
                                   opts->workdir ? "--workdir" : "image WorkingDir", wd);
        if (!(p->cwd = strdup(wd)))
                return -ENOMEM;

        r = plan_etc_files(opts, p, ret_error);
        if (r < 0)
                return r;
        r = plan_security(opts, p, ret_error);
        if (r < 0)
                return r;
        r = plan_mounts(opts, p, ret_error);
        if (r < 0)
                return r;
        r = plan_notify_socket(p, ret_error);
        if (r < 0)
                return r;
        r = plan_resources(opts, p, ret_error);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(p);
        return 0;
}
