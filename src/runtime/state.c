/* Container records: see state.h for the layout and the crash rules. */

#include "runtime/state.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/fileio.h"
#include "common/json-util.h"
#include "common/macro.h"
#include "common/rm-rf.h"
#include "common/strv.h"

struct ContainerStore {
        char *root;    /* ROOT/containers */
        char *runroot; /* RUNROOT/containers */
        int root_fd, runroot_fd, names_fd;
};

static const char *const status_names[_CONTAINER_STATUS_MAX] = {
        [CONTAINER_STATUS_CREATED] = "created",   [CONTAINER_STATUS_RUNNING] = "running",
        [CONTAINER_STATUS_STOPPING] = "stopping", [CONTAINER_STATUS_EXITED] = "exited",
        [CONTAINER_STATUS_REMOVING] = "removing",
};

static const char *const restart_names[_RESTART_POLICY_MAX] = {
        [RESTART_NO] = "no",
        [RESTART_ON_FAILURE] = "on-failure",
        [RESTART_ALWAYS] = "always",
        [RESTART_UNLESS_STOPPED] = "unless-stopped",
};

static const char *const log_driver_names[_LOG_DRIVER_MAX] = {
        [LOG_DRIVER_K8S_FILE] = "k8s-file",
        [LOG_DRIVER_JOURNALD] = "journald",
        [LOG_DRIVER_NONE] = "none",
};

static int table_lookup(const char *const *table, int n, const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return i;
        return -EINVAL;
}

const char *container_status_to_string(ContainerStatus s) {
        return s >= 0 && s < _CONTAINER_STATUS_MAX ? status_names[s] : NULL;
}

ContainerStatus container_status_from_string(const char *s) {
        return table_lookup(status_names, _CONTAINER_STATUS_MAX, s);
}

const char *restart_policy_to_string(RestartPolicy p) {
        return p >= 0 && p < _RESTART_POLICY_MAX ? restart_names[p] : NULL;
}

int restart_policy_parse(const char *s, RestartPolicy *ret, unsigned *ret_max) {
        const char *n;
        unsigned long v = 0;
        char *end;

        if (!s)
                return -EINVAL;
        if (isempty(s)) {
                /* podman treats --restart "" as "no" */
                *ret = RESTART_NO;
                *ret_max = 0;
                return 0;
        }
        n = startswith(s, "on-failure:");
        if (n) {
                if (!isdigit((unsigned char) *n))
                        return -EINVAL;
                errno = 0;
                v = strtoul(n, &end, 10);
                if (errno || *end || v > UINT_MAX)
                        return -EINVAL;
                *ret = RESTART_ON_FAILURE;
                *ret_max = (unsigned) v;
                return 0;
        }
        int p = table_lookup(restart_names, _RESTART_POLICY_MAX, s);
        if (p < 0)
                return -EINVAL;
        *ret = p;
        *ret_max = 0;
        return 0;
}

const char *log_driver_to_string(LogDriver d) {
        return d >= 0 && d < _LOG_DRIVER_MAX ? log_driver_names[d] : NULL;
}

LogDriver log_driver_from_string(const char *s) {
        if (s && streq(s, "json-file"))
                return LOG_DRIVER_K8S_FILE;
        return table_lookup(log_driver_names, _LOG_DRIVER_MAX, s);
}

ContainerConfig *container_config_free(ContainerConfig *c) {
        if (!c)
                return NULL;
        free(c->name);
        free(c->image);
        free(c->image_id);
        strv_free(c->labels);
        strv_free(c->annotations);
        strv_free(c->create_argv);
        free(c->plan_json);
        free(c->created_at);
        free(c->pod_id);
        free(c->log_path);
        free(c->sdnotify);
        free(c);
        return NULL;
}

void container_state_done(ContainerState *s) {
        if (!s)
                return;
        free(s->started_at);
        free(s->finished_at);
        free(s->exit_reason);
        free(s->log_path);
        strv_free(s->cgroup_paths);
        *s = (ContainerState){};
}

/* --- time and /proc helpers --- */

char *rfc3339_nanos_now(char *buf, size_t size) {
        struct timespec ts;
        struct tm tm;
        size_t n;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
        return buf;
}

int rfc3339_parse(const char *s, int64_t *ret_nsec) {
        struct tm tm = {};
        int64_t frac = 0, secs;
        int digits = 0, off = 0, n = 0;
        const char *p;

        if (!s || sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || n != 10)
                return -EINVAL;
        p = s + n;
        if (!IN_SET(*p, 'T', 't', ' '))
                return -EINVAL;
        p++;
        n = 0;
        if (sscanf(p, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 3 || n != 8)
                return -EINVAL;
        p += n;
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                for (; isdigit((unsigned char) *p); p++)
                        if (digits < 9) {
                                frac = frac * 10 + (*p - '0');
                                digits++;
                        }
                for (; digits < 9; digits++)
                        frac *= 10;
        }
        if (IN_SET(*p, 'Z', 'z') && p[1] == 0)
                off = 0;
        else if (IN_SET(*p, '+', '-')) {
                int hh, mm;
                n = 0;
                if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5 || p[6] != 0 || hh > 23
                    || mm > 59)
                        return -EINVAL;
                off = (hh * 60 + mm) * 60 * (*p == '-' ? -1 : 1);
        } else
                return -EINVAL;
        if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23
            || tm.tm_min > 59 || tm.tm_sec > 60)
                return -EINVAL;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        secs = (int64_t) timegm(&tm) - off;
        /* Nanoseconds since the epoch fit int64 until 2262: later (or hand-edited) times are refused. */
        if (__builtin_mul_overflow(secs, (int64_t) 1000000000, &secs)
            || __builtin_add_overflow(secs, frac, ret_nsec))
                return -ERANGE;
        return 0;
}

int proc_starttime(pid_t pid, uint64_t *ret) {
        char path[64], buf[1024], *p;
        unsigned long long st;
        ssize_t n;
        int fd;

        if (pid <= 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return -ESRCH;
        buf[n] = 0;
        /* comm may contain spaces and parentheses: fields start after the last ')'. */
        p = strrchr(buf, ')');
        if (!p)
                return -EBADMSG;
        /* fields 3..22: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
         * cutime cstime priority nice threads itrealvalue starttime */
        if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                   &st)
            != 1)
                return -EBADMSG;
        if (p[2] == 'Z' || p[2] == 'X')
                /* a zombie is gone for our purposes: it runs nothing and will be reaped */
                return -ESRCH;
        *ret = st;
        return 0;
}

bool proc_alive(pid_t pid, uint64_t starttime) {
        uint64_t st;

        if (proc_starttime(pid, &st) < 0)
                return false;
        return starttime == 0 || st == starttime;
}

/* --- ids and names --- */

int container_id_generate(char buf[static CONTAINER_ID_LEN + 1]) {
        uint8_t raw[CONTAINER_ID_LEN / 2];
        ssize_t n;

        n = getrandom(raw, sizeof(raw), 0);
        if (n < 0)
                return -errno;
        if ((size_t) n != sizeof(raw))
                return -EIO;
        for (size_t i = 0; i < sizeof(raw); i++)
                sprintf(buf + 2 * i, "%02x", raw[i]);
        return 0;
}

static bool id_is_valid(const char *s) {
        if (strlen(s) != CONTAINER_ID_LEN)
                return false;
        for (const char *p = s; *p; p++)
                if (!isdigit((unsigned char) *p) && !(*p >= 'a' && *p <= 'f'))
                        return false;
        return true;
}

bool container_name_is_valid(const char *name) {
        size_t l;

        if (!name || !isalnum((unsigned char) name[0]))
                return false;
        l = strlen(name);
        if (l > 253)
                return false;
        for (const char *p = name; *p; p++)
                if (!isalnum((unsigned char) *p) && !IN_SET(*p, '_', '.', '-'))
                        return false;
        return true;
}

int container_name_generate(char **ret) {
        char id[CONTAINER_ID_LEN + 1];
        int r;

        r = container_id_generate(id);
        if (r < 0)
                return r;
        if (asprintf(ret, "skiff_%.12s", id) < 0)
                return -ENOMEM;
        return 0;
}

/* --- recursive removal (of our own directories only; never crosses a mount) --- */


/* --- the store --- */

static int lock_store(ContainerStore *s) {
        int fd;

        fd = openat(s->root_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
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

int container_lock(ContainerStore *s, const char *id) {
        char path[CONTAINER_ID_LEN + 16];
        int fd;

        if (!id_is_valid(id))
                return -EINVAL;
        /* The lock file lives in RUNROOT: it must exist even before the container's state dir does, and
         * must not block removal of the state dir: a separate flat file per container. */
        snprintf(path, sizeof(path), "%s.lock", id);
        fd = openat(s->runroot_fd, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
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

static int open_dir(const char *path, int *ret) {
        int r, fd;

        r = mkdir_p(path, 0700);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

ContainerStore *container_store_free(ContainerStore *s) {
        if (!s)
                return NULL;
        if (s->root_fd >= 0)
                close(s->root_fd);
        if (s->runroot_fd >= 0)
                close(s->runroot_fd);
        if (s->names_fd >= 0)
                close(s->names_fd);
        free(s->root);
        free(s->runroot);
        free(s);
        return NULL;
}

int container_store_root_fd(const ContainerStore *s) {
        return s->root_fd;
}

int container_store_runroot_fd(const ContainerStore *s) {
        return s->runroot_fd;
}

char *container_store_config_dir(const ContainerStore *s, const char *id) {
        char *p;
        return asprintf(&p, "%s/%s", s->root, id) < 0 ? NULL : p;
}

char *container_store_state_dir(const ContainerStore *s, const char *id) {
        char *p;
        return asprintf(&p, "%s/%s", s->runroot, id) < 0 ? NULL : p;
}

static bool config_exists(ContainerStore *s, const char *id) {
        char path[CONTAINER_ID_LEN + 16];

        /* Callers pass valid ids (64 hex digits); anything longer cannot name a container. */
        if (strlen(id) > CONTAINER_ID_LEN)
                return false;
        (void) snprintf(path, sizeof(path), "%.*s/config.json", CONTAINER_ID_LEN, id);
        return faccessat(s->root_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Finishes what a crash interrupted. Called with the store lock held. */
static int store_repair_locked(ContainerStore *s) {
        _cleanup_close_ int dfd = -EBADF;
        DIR *d;
        struct dirent *de;

        /* ROOT: half-created (.tmp-) and half-removed (.rm-) records go. */
        dfd = openat(s->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        d = fdopendir(TAKE_FD(dfd));
        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (startswith(de->d_name, ".tmp-") || startswith(de->d_name, ".rm-"))
                        (void) rm_rf_at(dirfd(d), de->d_name);
        closedir(d);

        /* names/: links whose container is gone. */
        dfd = openat(s->names_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        d = fdopendir(TAKE_FD(dfd));
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char target[PATH_MAX];
                ssize_t n;

                if (de->d_name[0] == '.')
                        continue;
                n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                if (n < 0)
                        continue;
                target[n] = 0;
                if (!id_is_valid(target) || !config_exists(s, target))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);

        /* RUNROOT: state without a config (the removal crashed after the config went), and lock files
         * of containers that no longer exist. */
        dfd = openat(s->runroot_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        d = fdopendir(TAKE_FD(dfd));
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char id[CONTAINER_ID_LEN + 1];
                const char *dot = strchr(de->d_name, '.');

                if (de->d_name[0] == '.')
                        continue;
                if (dot && streq(dot, ".lock") && dot - de->d_name == CONTAINER_ID_LEN) {
                        memcpy(id, de->d_name, CONTAINER_ID_LEN);
                        id[CONTAINER_ID_LEN] = 0;
                        if (!config_exists(s, id)) {
                                /* Only if nobody holds it: a running command might be creating. */
                                int lfd = openat(dirfd(d), de->d_name, O_RDWR | O_CLOEXEC);
                                if (lfd >= 0) {
                                        if (flock(lfd, LOCK_EX | LOCK_NB) == 0)
                                                (void) unlinkat(dirfd(d), de->d_name, 0);
                                        close(lfd);
                                }
                        }
                        continue;
                }
                if (id_is_valid(de->d_name) && !config_exists(s, de->d_name))
                        (void) rm_rf_at(dirfd(d), de->d_name);
        }
        closedir(d);
        return 0;
}

int container_store_open(const SkiffPaths *paths, ContainerStore **ret) {
        ContainerStore *s;
        int r, lfd;

        if (!paths || !paths->root || !paths->runroot)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->root_fd = s->runroot_fd = s->names_fd = -EBADF;
        if (asprintf(&s->root, "%s/containers", paths->root) < 0) {
                s->root = NULL;
                container_store_free(s);
                return -ENOMEM;
        }
        if (asprintf(&s->runroot, "%s/containers", paths->runroot) < 0) {
                s->runroot = NULL;
                container_store_free(s);
                return -ENOMEM;
        }
        r = open_dir(s->root, &s->root_fd);
        if (r >= 0)
                r = open_dir(s->runroot, &s->runroot_fd);
        if (r >= 0) {
                if (mkdirat(s->root_fd, "names", 0700) < 0 && errno != EEXIST)
                        r = -errno;
                else {
                        s->names_fd = openat(s->root_fd, "names", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (s->names_fd < 0)
                                r = -errno;
                }
        }
        if (r < 0) {
                container_store_free(s);
                return r;
        }
        lfd = lock_store(s);
        if (lfd < 0) {
                container_store_free(s);
                return lfd;
        }
        (void) store_repair_locked(s);
        close(lfd);
        *ret = s;
        return 0;
}

/* --- lookup --- */

static int name_to_id(ContainerStore *s, const char *name, char ret_id[static CONTAINER_ID_LEN + 1]) {
        char target[CONTAINER_ID_LEN + 2];
        ssize_t n;

        if (!container_name_is_valid(name))
                return -ENOENT;
        n = readlinkat(s->names_fd, name, target, sizeof(target));
        if (n < 0)
                return errno == ENOENT || errno == EINVAL ? -ENOENT : -errno;
        if (n != CONTAINER_ID_LEN)
                return -ENOENT;
        target[n] = 0;
        if (!id_is_valid(target) || !config_exists(s, target))
                return -ENOENT;
        memcpy(ret_id, target, CONTAINER_ID_LEN + 1);
        return 0;
}

int container_lookup(ContainerStore *s, const char *ref, char ret_id[static CONTAINER_ID_LEN + 1]) {
        _cleanup_close_ int dfd = -EBADF;
        char found[CONTAINER_ID_LEN + 1] = {};
        bool ishex = true;
        size_t l;
        DIR *d;
        struct dirent *de;
        int matches = 0, r;

        if (isempty(ref))
                return -ENOENT;
        if (id_is_valid(ref) && config_exists(s, ref)) {
                memcpy(ret_id, ref, CONTAINER_ID_LEN + 1);
                return 0;
        }
        r = name_to_id(s, ref, ret_id);
        if (r != -ENOENT)
                return r;
        l = strlen(ref);
        for (const char *p = ref; *p; p++)
                if (!isdigit((unsigned char) *p) && !(*p >= 'a' && *p <= 'f'))
                        ishex = false;
        if (!ishex || l > CONTAINER_ID_LEN)
                return -ENOENT;
        dfd = openat(s->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        d = fdopendir(TAKE_FD(dfd));
        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (id_is_valid(de->d_name) && strncmp(de->d_name, ref, l) == 0
                    && config_exists(s, de->d_name)) {
                        matches++;
                        memcpy(found, de->d_name, CONTAINER_ID_LEN + 1);
                }
        closedir(d);
        if (matches == 0)
                return -ENOENT;
        if (matches > 1)
                return -ENOTUNIQ;
        memcpy(ret_id, found, CONTAINER_ID_LEN + 1);
        return 0;
}

/* --- JSON --- */

static int add_kv_object(json_object *o, const char *key, char **l) {
        json_object *m = json_object_new_object();

        if (!m)
                return -ENOMEM;
        STRV_FOREACH(kv, l) {
                const char *eq = strchr(*kv, '=');
                _cleanup_free_ char *k = eq ? strndup(*kv, (size_t) (eq - *kv)) : strdup(*kv);
                if (!k || json_object_object_add(m, k, json_object_new_string(eq ? eq + 1 : "")) < 0) {
                        json_object_put(m);
                        return -ENOMEM;
                }
        }
        return json_add_object(o, key, m);
}

static int get_kv_strv(json_object *o, const char *key, char ***ret) {
        json_object *m;
        char **l = NULL;

        if (!json_object_object_get_ex(o, key, &m) || !json_object_is_type(m, json_type_object)) {
                *ret = NULL;
                return 0;
        }
        json_object_object_foreach(m, k, v) {
                if (strv_extendf(&l, "%s=%s", k, json_object_get_string(v)) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
        }
        *ret = l;
        return 0;
}

static int get_strv(json_object *o, const char *key, char ***ret) {
        json_object *a;
        char **l = NULL;

        if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array)) {
                *ret = NULL;
                return 0;
        }
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string)
                    || strv_extend(&l, json_object_get_string(e)) < 0) {
                        strv_free(l);
                        return json_object_is_type(e, json_type_string) ? -ENOMEM : -EBADMSG;
                }
        }
        *ret = l;
        return 0;
}

/* Copies a string member (NULL when absent or null). Returns 0, -ENOMEM, or -EBADMSG for a non-string. */
static int get_str(json_object *o, const char *key, char **ret) {
        json_object *v;

        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

static int64_t get_int(json_object *o, const char *key, int64_t def) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return def;
        return json_object_get_int64(v);
}

static bool get_bool(json_object *o, const char *key) {
        json_object *v;

        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean)
               && json_object_get_boolean(v);
}

static int config_to_json(const ContainerConfig *c, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r = 0;

        if (!o)
                return -ENOMEM;
        r |= json_add_string(o, "id", c->id);
        r |= json_add_string(o, "name", c->name);
        r |= json_add_string(o, "image", c->image);
        r |= json_add_string(o, "imageId", c->image_id);
        r |= add_kv_object(o, "labels", c->labels);
        r |= add_kv_object(o, "annotations", c->annotations);
        r |= json_add_strv(o, "createCommand", c->create_argv);
        r |= json_add_string(o, "createdAt", c->created_at);
        r |= json_add_string(o, "podId", c->pod_id);
        r |= json_add_string(o, "restartPolicy", restart_policy_to_string(c->restart));
        r |= json_add_int(o, "restartMax", c->restart_max);
        r |= json_add_string(o, "logDriver", log_driver_to_string(c->log_driver));
        r |= json_add_string(o, "logPath", c->log_path);
        r |= json_add_bool(o, "autoRemove", c->auto_remove);
        r |= json_add_int(o, "stopSignal", c->stop_signal);
        r |= json_add_int(o, "stopTimeout", c->stop_timeout);
        r |= json_add_string(o, "sdnotify", c->sdnotify);
        if (r < 0)
                return -ENOMEM;
        if (c->plan_json) {
                /* Embedded as an object, not a string: the record stays readable with jq. */
                json_object *plan = json_tokener_parse(c->plan_json);
                if (!plan)
                        return -EINVAL;
                if (json_add_object(o, "plan", plan) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

static int config_from_json(json_object *o, ContainerConfig **ret) {
        _cleanup_(container_config_freep) ContainerConfig *c = calloc(1, sizeof(*c));
        _cleanup_free_ char *id = NULL, *restart = NULL, *driver = NULL;
        json_object *plan;
        int r;

        if (!c)
                return -ENOMEM;
        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        r = get_str(o, "id", &id);
        if (r < 0)
                return r;
        if (!id || !id_is_valid(id))
                return -EBADMSG;
        memcpy(c->id, id, CONTAINER_ID_LEN + 1);
        if ((r = get_str(o, "name", &c->name)) < 0 || (r = get_str(o, "image", &c->image)) < 0
            || (r = get_str(o, "imageId", &c->image_id)) < 0
            || (r = get_kv_strv(o, "labels", &c->labels)) < 0
            || (r = get_kv_strv(o, "annotations", &c->annotations)) < 0
            || (r = get_strv(o, "createCommand", &c->create_argv)) < 0
            || (r = get_str(o, "createdAt", &c->created_at)) < 0 || (r = get_str(o, "podId", &c->pod_id)) < 0
            || (r = get_str(o, "restartPolicy", &restart)) < 0 || (r = get_str(o, "logDriver", &driver)) < 0
            || (r = get_str(o, "logPath", &c->log_path)) < 0
            || (r = get_str(o, "sdnotify", &c->sdnotify)) < 0)
                return r;
        if (!c->name)
                return -EBADMSG;
        r = table_lookup(restart_names, _RESTART_POLICY_MAX, restart ?: "no");
        c->restart = r < 0 ? RESTART_NO : r;
        c->restart_max = (unsigned) MAX(get_int(o, "restartMax", 0), 0);
        r = log_driver_from_string(driver ?: "k8s-file");
        c->log_driver = r < 0 ? LOG_DRIVER_K8S_FILE : r;
        c->auto_remove = get_bool(o, "autoRemove");
        c->stop_signal = (int) get_int(o, "stopSignal", SIGTERM);
        c->stop_timeout = (unsigned) MAX(get_int(o, "stopTimeout", 10), 0);
        if (json_object_object_get_ex(o, "plan", &plan) && !json_object_is_type(plan, json_type_null)) {
                c->plan_json = strdup(json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PLAIN));
                if (!c->plan_json)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

static int state_to_json(const ContainerState *st, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r = 0;

        if (!o)
                return -ENOMEM;
        r |= json_add_string(o, "status", container_status_to_string(st->status));
        r |= json_add_int(o, "pid", st->pid);
        r |= json_add_int(o, "pidStartTime", (int64_t) st->pid_starttime);
        r |= json_add_int(o, "monitorPid", st->monitor_pid);
        r |= json_add_int(o, "monitorStartTime", (int64_t) st->monitor_starttime);
        r |= json_add_int(o, "exitCode", st->exit_code);
        r |= json_add_string(o, "startedAt", st->started_at);
        r |= json_add_string(o, "finishedAt", st->finished_at);
        r |= json_add_string(o, "exitReason", st->exit_reason);
        r |= json_add_int(o, "restartCount", st->restart_count);
        r |= json_add_bool(o, "stopRequested", st->stop_requested);
        r |= json_add_string(o, "logPath", st->log_path);
        r |= json_add_strv(o, "cgroupPaths", st->cgroup_paths);
        if (r < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static int state_from_json(json_object *o, ContainerState *ret) {
        ContainerState st = {};
        _cleanup_free_ char *status = NULL;
        int r;

        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        if ((r = get_str(o, "status", &status)) < 0 || (r = get_str(o, "startedAt", &st.started_at)) < 0
            || (r = get_str(o, "finishedAt", &st.finished_at)) < 0
            || (r = get_str(o, "exitReason", &st.exit_reason)) < 0
            || (r = get_str(o, "logPath", &st.log_path)) < 0
            || (r = get_strv(o, "cgroupPaths", &st.cgroup_paths)) < 0) {
                container_state_done(&st);
                return r;
        }
        r = container_status_from_string(status);
        if (r < 0) {
                container_state_done(&st);
                return -EBADMSG;
        }
        st.status = r;
        st.pid = (pid_t) get_int(o, "pid", 0);
        st.pid_starttime = (uint64_t) get_int(o, "pidStartTime", 0);
        st.monitor_pid = (pid_t) get_int(o, "monitorPid", 0);
        st.monitor_starttime = (uint64_t) get_int(o, "monitorStartTime", 0);
        st.exit_code = (int) get_int(o, "exitCode", 0);
        st.restart_count = (unsigned) MAX(get_int(o, "restartCount", 0), 0);
        st.stop_requested = get_bool(o, "stopRequested");
        *ret = st;
        return 0;
}

/* --- records --- */

int container_create(ContainerStore *s, const ContainerConfig *config, char **ret_error) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_close_ int lock = -EBADF, tfd = -EBADF;
        char tmp[CONTAINER_ID_LEN + 8], holder[CONTAINER_ID_LEN + 1];
        ContainerState st = {.status = CONTAINER_STATUS_CREATED};
        int r;

        if (!id_is_valid(config->id) || !container_name_is_valid(config->name))
                return -EINVAL;
        r = config_to_json(config, &o);
        if (r < 0)
                return r;
        lock = lock_store(s);
        if (lock < 0)
                return lock;
        if (name_to_id(s, config->name, holder) >= 0) {
                if (ret_error)
                        (void) asprintf(ret_error, "the container name \"%s\" is already in use by %s",
                                        config->name, holder);
                return -EEXIST;
        }
        /* A stale link (its container is gone) may still sit there; name_to_id() said it is not valid. */
        (void) unlinkat(s->names_fd, config->name, 0);
        if (config_exists(s, config->id))
                return -EEXIST;

        snprintf(tmp, sizeof(tmp), ".tmp-%s", config->id);
        if (mkdirat(s->root_fd, tmp, 0700) < 0)
                return -errno;
        tfd = openat(s->root_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (tfd < 0) {
                r = -errno;
                goto fail;
        }
        r = json_write_file_atomic_at(tfd, "config.json", o, 0600);
        if (r < 0)
                goto fail;
        if (renameat(s->root_fd, tmp, s->root_fd, config->id) < 0) {
                r = -errno;
                goto fail;
        }
        if (symlinkat(config->id, s->names_fd, config->name) < 0) {
                r = -errno;
                (void) renameat(s->root_fd, config->id, s->root_fd, tmp);
                goto fail;
        }
        /* A missing state.json reads as "created": writing it is not needed for consistency, but
         * do it so RUNROOT shows the container too. */
        r = container_state_save(s, config->id, &st);
        if (r < 0) {
                (void) unlinkat(s->names_fd, config->name, 0);
                (void) renameat(s->root_fd, config->id, s->root_fd, tmp);
                goto fail;
        }
        return 0;
fail:
        (void) rm_rf_at(s->root_fd, tmp);
        return r;
}

static void close_fds(int *fds, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0) {
                        close(fds[i]);
                        fds[i] = -EBADF;
                }
}

int container_create_many(ContainerStore *s, ContainerConfig *const *configs, size_t n, char **ret_error) {
        _cleanup_close_ int lock = -EBADF;
        _cleanup_free_ int *fds = NULL;
        size_t made = 0, placed = 0, named = 0;
        char tmp[CONTAINER_ID_LEN + 8], path[CONTAINER_ID_LEN + 24], holder[CONTAINER_ID_LEN + 1];
        int r = 0;

        /* two fds per record: its config.json and its directory */
        fds = malloc((2 * n + 1) * sizeof(int));
        if (!fds)
                return -ENOMEM;
        for (size_t i = 0; i < 2 * n; i++)
                fds[i] = -EBADF;
        for (size_t i = 0; i < n; i++)
                if (!id_is_valid(configs[i]->id) || !container_name_is_valid(configs[i]->name))
                        return -EINVAL;
        lock = lock_store(s);
        if (lock < 0)
                return lock;
        for (size_t i = 0; i < n; i++) {
                if (name_to_id(s, configs[i]->name, holder) >= 0) {
                        if (ret_error)
                                (void) asprintf(ret_error, "the container name \"%s\" is already in use by %s",
                                                configs[i]->name, holder);
                        return -EEXIST;
                }
                for (size_t j = 0; j < i; j++)
                        if (streq(configs[j]->name, configs[i]->name) || streq(configs[j]->id, configs[i]->id))
                                return -EEXIST;
                if (config_exists(s, configs[i]->id))
                        return -EEXIST;
        }

        /* 1. every config.json, in its temporary directory, not yet fsync'd */
        for (; made < n; made++) {
                _cleanup_json_ json_object *o = NULL;
                _cleanup_close_ int tfd = -EBADF;

                r = config_to_json(configs[made], &o);
                if (r < 0)
                        goto fail;
                snprintf(tmp, sizeof(tmp), ".tmp-%s", configs[made]->id);
                if (mkdirat(s->root_fd, tmp, 0700) < 0) {
                        r = -errno;
                        goto fail;
                }
                tfd = openat(s->root_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (tfd < 0) {
                        r = -errno;
                        made++; /* its directory exists: removed below */
                        goto fail;
                }
                r = json_write_file_replace_at(tfd, "config.json", o, 0600);
                if (r >= 0) {
                        fds[2 * made] = openat(tfd, "config.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                        if (fds[2 * made] < 0)
                                r = -errno;
                }
                if (r < 0) {
                        made++;
                        goto fail;
                }
                fds[2 * made + 1] = TAKE_FD(tfd);
        }
        /* 2. all of them durable at once */
        r = fsync_many(fds, 2 * n);
        if (r < 0)
                goto fail;
        /* 3. into place, named, with their "created" state */
        for (; placed < n; placed++) {
                ContainerState st = {.status = CONTAINER_STATUS_CREATED};
                const ContainerConfig *c = configs[placed];

                snprintf(tmp, sizeof(tmp), ".tmp-%s", c->id);
                /* A stale link (its container is gone) may still sit there: name_to_id() said so. */
                (void) unlinkat(s->names_fd, c->name, 0);
                if (renameat(s->root_fd, tmp, s->root_fd, c->id) < 0) {
                        r = -errno;
                        goto fail;
                }
                if (symlinkat(c->id, s->names_fd, c->name) < 0) {
                        r = -errno;
                        placed++; /* renamed: taken back below */
                        goto fail;
                }
                named = placed + 1;
                r = container_state_save(s, c->id, &st);
                if (r < 0) {
                        placed++;
                        goto fail;
                }
        }
        close_fds(fds, 2 * n);
        /* the renames and links: one more commit, shared by both directories */
        (void) fsync_many((const int[]) { s->root_fd, s->names_fd }, 2);
        return 0;

fail:
        close_fds(fds, 2 * n);
        for (size_t i = 0; i < n; i++) {
                const ContainerConfig *c = configs[i];

                if (i < named)
                        (void) unlinkat(s->names_fd, c->name, 0);
                if (i < placed) {
                        snprintf(path, sizeof(path), "%s", c->id);
                        (void) rm_rf_at(s->root_fd, path);
                        (void) rm_rf_at(s->runroot_fd, path);
                }
                if (i < made) {
                        snprintf(tmp, sizeof(tmp), ".tmp-%s", c->id);
                        (void) rm_rf_at(s->root_fd, tmp);
                }
        }
        return r;
}

int container_config_parse(const char *text, ContainerConfig **ret) {
        _cleanup_json_ json_object *o = json_tokener_parse(text);

        if (!o)
                return -EBADMSG;
        return config_from_json(o, ret);
}

int container_state_parse(const char *text, ContainerState *ret) {
        _cleanup_json_ json_object *o = json_tokener_parse(text);

        if (!o)
                return -EBADMSG;
        return state_from_json(o, ret);
}

int container_config_load(ContainerStore *s, const char *id, ContainerConfig **ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ json_object *o = NULL;
        char path[CONTAINER_ID_LEN + 16];
        int r;

        if (!id_is_valid(id))
                return -EINVAL;
        snprintf(path, sizeof(path), "%s/config.json", id);
        r = read_full_file_at(s->root_fd, path, 16 << 20, &text, NULL);
        if (r < 0)
                return r;
        o = json_tokener_parse(text);
        if (!o)
                return -EBADMSG;
        return config_from_json(o, ret);
}

static int state_read(ContainerStore *s, const char *id, ContainerState *ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ json_object *o = NULL;
        char path[CONTAINER_ID_LEN + 16];
        int r;

        snprintf(path, sizeof(path), "%s/state.json", id);
        r = read_full_file_at(s->runroot_fd, path, 1 << 20, &text, NULL);
        if (r == -ENOENT) {
                /* Never started, or RUNROOT (a tmpfs) was lost to a reboot: nothing runs. */
                *ret = (ContainerState){.status = CONTAINER_STATUS_CREATED};
                return 0;
        }
        if (r < 0)
                return r;
        o = json_tokener_parse(text);
        if (!o)
                return -EBADMSG;
        return state_from_json(o, ret);
}

static bool state_is_stale(const ContainerState *st) {
        return IN_SET(st->status, CONTAINER_STATUS_RUNNING, CONTAINER_STATUS_STOPPING)
               && !proc_alive(st->monitor_pid, st->monitor_starttime);
}

int container_state_load(ContainerStore *s, const char *id, ContainerState *ret) {
        _cleanup_close_ int lock = -EBADF;
        ContainerState st = {};
        char now[40];
        int r;

        if (!id_is_valid(id))
                return -EINVAL;
        r = state_read(s, id, &st);
        if (r < 0 || !state_is_stale(&st)) {
                if (r >= 0)
                        *ret = st;
                return r;
        }

        /* The monitor is gone while the record says it runs (SIGKILLed monitor, crash): repair under the
         * lock, re-reading in case the monitor finished its write just now. */
        container_state_done(&st);
        lock = container_lock(s, id);
        if (lock < 0)
                return lock;
        r = state_read(s, id, &st);
        if (r < 0)
                return r;
        if (state_is_stale(&st)) {
                bool killed = false;

                /* Without its monitor nobody logs, restarts or reaps the container: end it rather than
                 * leave an unsupervised process that `ps` can't account for. The start time check keeps
                 * us from killing a process that reused the pid. */
                if (st.pid > 0 && proc_alive(st.pid, st.pid_starttime) && kill(st.pid, SIGKILL) == 0)
                        killed = true;
                st.status = CONTAINER_STATUS_EXITED;
                st.exit_code = killed ? 128 + SIGKILL : 255;
                free(st.finished_at);
                st.finished_at = strdup(rfc3339_nanos_now(now, sizeof(now)));
                free(st.exit_reason);
                if (asprintf(&st.exit_reason, "monitor (pid %d) exited unexpectedly%s", (int) st.monitor_pid,
                             killed ? "; container killed" : "")
                    < 0)
                        st.exit_reason = NULL;
                st.pid = st.monitor_pid = 0;
                st.pid_starttime = st.monitor_starttime = 0;
                r = container_state_save(s, id, &st);
                if (r < 0) {
                        container_state_done(&st);
                        return r;
                }
        }
        *ret = st;
        return 0;
}

int container_state_save(ContainerStore *s, const char *id, const ContainerState *state) {
        _cleanup_json_ json_object *o = NULL;
        char path[CONTAINER_ID_LEN + 16];
        int r;

        if (!id_is_valid(id))
                return -EINVAL;
        r = state_to_json(state, &o);
        if (r < 0)
                return r;
        if (mkdirat(s->runroot_fd, id, 0700) < 0 && errno != EEXIST)
                return -errno;
        snprintf(path, sizeof(path), "%s/state.json", id);
        /* RUNROOT does not outlive a reboot (a tmpfs; a missing state.json reads as "created"):
         * replace atomically for concurrent readers, but no fsync. On a disk-backed RUNROOT those
         * were 4 x 2 fsyncs per `run --rm`, 1-5 ms each on a busy ext4 (docs/performance.md, Run). */
        return json_write_file_replace_at(s->runroot_fd, path, o, 0600);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int container_list(ContainerStore *s, char ***ret) {
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_strv_free_ char **l = NULL;
        DIR *d;
        struct dirent *de;
        int r = 0;

        dfd = openat(s->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        d = fdopendir(TAKE_FD(dfd));
        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (id_is_valid(de->d_name) && config_exists(s, de->d_name)) {
                        r = strv_extend(&l, de->d_name);
                        if (r < 0)
                                break;
                }
        closedir(d);
        if (r < 0)
                return r;
        if (l)
                qsort(l, strv_length(l), sizeof(char *), cmp_str);

        /* A record whose name link a crash took away gets it back (unless the name was reused). */
        STRV_FOREACH(id, l) {
                _cleanup_(container_config_freep) ContainerConfig *c = NULL;
                char holder[CONTAINER_ID_LEN + 1];

                if (container_config_load(s, *id, &c) < 0 || !container_name_is_valid(c->name))
                        continue;
                if (name_to_id(s, c->name, holder) == -ENOENT) {
                        _cleanup_close_ int lock = lock_store(s);
                        if (lock >= 0 && name_to_id(s, c->name, holder) == -ENOENT) {
                                (void) unlinkat(s->names_fd, c->name, 0);
                                (void) symlinkat(c->id, s->names_fd, c->name);
                        }
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int container_remove(ContainerStore *s, const char *id) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_close_ int lock = -EBADF;
        char aside[CONTAINER_ID_LEN + 8], holder[CONTAINER_ID_LEN + 1], lockname[CONTAINER_ID_LEN + 8];
        int r;

        if (!id_is_valid(id))
                return -EINVAL;
        lock = lock_store(s);
        if (lock < 0)
                return lock;
        r = container_config_load(s, id, &c);
        if (r == -ENOENT)
                return -ENOENT;
        /* Order: the config dir is renamed aside first (from then on the container does not exist for
         * any reader), then the name link, the state dir and the aside dir go; repair finishes any of
         * these after a crash. */
        snprintf(aside, sizeof(aside), ".rm-%s", id);
        if (renameat(s->root_fd, id, s->root_fd, aside) < 0)
                return -errno;
        if (c && name_to_id(s, c->name, holder) == -ENOENT) {
                char target[CONTAINER_ID_LEN + 2];
                ssize_t n = readlinkat(s->names_fd, c->name, target, sizeof(target));
                if (n == CONTAINER_ID_LEN && memcmp(target, id, CONTAINER_ID_LEN) == 0)
                        (void) unlinkat(s->names_fd, c->name, 0);
        }
        r = rm_rf_at(s->runroot_fd, id);
        snprintf(lockname, sizeof(lockname), "%s.lock", id);
        (void) unlinkat(s->runroot_fd, lockname, 0);
        int k = rm_rf_at(s->root_fd, aside);
        return r < 0 ? r : k;
}
