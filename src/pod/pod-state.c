/* Pod records: see pod-state.h for the layout and the crash rules. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/json-util.h"
#include "common/macro.h"
#include "common/strv.h"
#include "pod/pod-state.h"
#include "runtime/state.h"

static inline void closedirp_(DIR **d) {
        if (*d)
                closedir(*d);
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

struct PodStore {
        char *root;    /* ROOT/pods */
        char *runroot; /* RUNROOT/pods */
        int root_fd, runroot_fd;
};

static const char *const status_names[_POD_STATUS_MAX] = {
        [POD_STATUS_CREATED] = "Created", [POD_STATUS_RUNNING] = "Running", [POD_STATUS_DEGRADED] = "Degraded",
        [POD_STATUS_STOPPING] = "Stopping", [POD_STATUS_EXITED] = "Exited",
};
static const char *const phase_names[_POD_CTR_PHASE_MAX] = {
        [POD_CTR_WAITING] = "waiting", [POD_CTR_RUNNING] = "running", [POD_CTR_TERMINATED] = "terminated",
};
static const char *const role_names[] = {
        [POD_ROLE_APP] = "app", [POD_ROLE_INIT] = "init", [POD_ROLE_SIDECAR] = "sidecar",
};

static int lookup(const char *const *t, int n, const char *s) {
        for (int i = 0; s && i < n; i++)
                if (t[i] && streq(t[i], s))
                        return i;
        return -EINVAL;
}

const char *pod_status_to_string(PodStatus s) {
        return s >= 0 && s < _POD_STATUS_MAX ? status_names[s] : NULL;
}
PodStatus pod_status_from_string(const char *s) {
        return lookup(status_names, _POD_STATUS_MAX, s);
}
const char *pod_container_phase_to_string(PodContainerPhase p) {
        return p >= 0 && p < _POD_CTR_PHASE_MAX ? phase_names[p] : NULL;
}
PodContainerPhase pod_container_phase_from_string(const char *s) {
        return lookup(phase_names, _POD_CTR_PHASE_MAX, s);
}
const char *pod_container_role_to_string(PodContainerRole r) {
        return (int) r >= 0 && (size_t) r < ELEMENTSOF(role_names) ? role_names[r] : NULL;
}
PodContainerRole pod_container_role_from_string(const char *s) {
        int r = lookup(role_names, (int) ELEMENTSOF(role_names), s);
        return r < 0 ? POD_ROLE_APP : (PodContainerRole) r;
}

PodConfig *pod_config_free(PodConfig *c) {
        if (!c)
                return NULL;
        free(c->name);
        free(c->created_at);
        free(c->kind);
        strv_free(c->sources);
        json_object_put(c->plan);
        free(c->infra_name);
        for (size_t i = 0; i < c->n_members; i++) {
                free(c->members[i].name);
                free(c->members[i].full_name);
        }
        free(c->members);
        strv_free(c->labels);
        strv_free(c->annotations);
        strv_free(c->create_argv);
        free(c);
        return NULL;
}

static void member_state_done(PodMemberState *m) {
        free(m->reason);
        free(m->message);
        free(m->started_at);
        free(m->finished_at);
        strv_free(m->cgroup_paths);
        *m = (PodMemberState) {};
}

void pod_state_done(PodState *s) {
        if (!s)
                return;
        free(s->reason);
        strv_free(s->infra_cgroup_paths);
        free(s->started_at);
        free(s->finished_at);
        for (size_t i = 0; i < s->n_members; i++)
                member_state_done(&s->members[i]);
        free(s->members);
        *s = (PodState) {};
}

/* ---- store ---- */

static int open_dir(const char *path, int *ret) {
        int r = mkdir_p(path, 0700), fd;

        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

PodStore *pod_store_free(PodStore *s) {
        if (!s)
                return NULL;
        free(s->root);
        free(s->runroot);
        if (s->root_fd >= 0)
                close(s->root_fd);
        if (s->runroot_fd >= 0)
                close(s->runroot_fd);
        free(s);
        return NULL;
}

/* Debris of a crash: a config dir being created (.tmp-*) or removed (.rm-*). */
static void repair(PodStore *s) {
        _cleanup_(closedirp_) DIR *d = NULL;
        struct dirent *de;
        int fd = openat(s->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        while ((de = readdir(d)))
                if (startswith(de->d_name, ".tmp-") || startswith(de->d_name, ".rm-"))
                        (void) rm_rf_at(s->root_fd, de->d_name);
}

int pod_store_open(const SkiffPaths *paths, PodStore **ret) {
        _cleanup_(pod_store_freep) PodStore *s = calloc(1, sizeof(PodStore));
        int r;

        if (!s)
                return -ENOMEM;
        s->root_fd = s->runroot_fd = -EBADF;
        if (asprintf(&s->root, "%s/pods", paths->root) < 0 || asprintf(&s->runroot, "%s/pods", paths->runroot) < 0)
                return -ENOMEM;
        r = open_dir(s->root, &s->root_fd);
        if (r < 0)
                return r;
        r = open_dir(s->runroot, &s->runroot_fd);
        if (r < 0)
                return r;
        if (mkdirat(s->root_fd, "names", 0700) < 0 && errno != EEXIST)
                return -errno;
        {
                /* Repair only when nobody holds the store: a supervisor must never wait here for a
                 * `kube play --replace` that waits for the supervisor. */
                _cleanup_close_ int lock = openat(s->root_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
                if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) >= 0)
                        repair(s);
        }
        *ret = TAKE_PTR(s);
        return 0;
}

char *pod_store_config_dir(const PodStore *s, const char *id) {
        char *p;
        return asprintf(&p, "%s/%s", s->root, id) < 0 ? NULL : p;
}

char *pod_store_state_dir(const PodStore *s, const char *id) {
        char *p;
        return asprintf(&p, "%s/%s", s->runroot, id) < 0 ? NULL : p;
}

static int lock_at(int dir_fd, const char *name) {
        int fd = openat(dir_fd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

int pod_store_lock(PodStore *s) {
        return lock_at(s->root_fd, ".lock");
}

int pod_lock(PodStore *s, const char *id) {
        char name[POD_ID_LEN + 8];

        snprintf(name, sizeof(name), "%s.lock", id);
        return lock_at(s->runroot_fd, name);
}

static bool id_valid(const char *s) {
        if (!s || strlen(s) != POD_ID_LEN)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return false;
        return true;
}

int pod_list(PodStore *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int fds[2] = { s->root_fd, s->runroot_fd };

        for (size_t k = 0; k < 2; k++) {
                _cleanup_(closedirp_) DIR *d = NULL;
                struct dirent *de;
                int fd = openat(fds[k], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (fd < 0)
                        return -errno;
                d = fdopendir(fd);
                if (!d) {
                        close(fd);
                        return -errno;
                }
                while ((de = readdir(d))) {
                        char id[POD_ID_LEN + 1];
                        const char *n = de->d_name[0] == '.' ? de->d_name + 1 : de->d_name;

                        /* <id>, <id>.play, .<id>.play.tmp: every trace of a pod counts */
                        if (strlen(n) < POD_ID_LEN)
                                continue;
                        memcpy(id, n, POD_ID_LEN);
                        id[POD_ID_LEN] = 0;
                        if (!id_valid(id) || (n[POD_ID_LEN] && !startswith(n + POD_ID_LEN, ".play")))
                                continue;
                        if (!strv_contains(l, id) && strv_extend(&l, id) < 0)
                                return -ENOMEM;
                }
        }
        if (l)
                qsort(l, strv_length(l), sizeof(char *), strcmp_ptr);
        *ret = TAKE_PTR(l);
        return 0;
}

int pod_lookup(PodStore *s, const char *ref, char ret_id[static POD_ID_LEN + 1]) {
        _cleanup_strv_free_ char **ids = NULL;
        char target[POD_ID_LEN + 2];
        const char *found = NULL;
        ssize_t n;
        int r;

        if (!ref || !*ref)
                return -ENOENT;
        if (!strchr(ref, '/')) {
                _cleanup_free_ char *link = NULL;
                if (asprintf(&link, "names/%s", ref) < 0)
                        return -ENOMEM;
                n = readlinkat(s->root_fd, link, target, sizeof(target) - 1);
                if (n == POD_ID_LEN) {
                        target[n] = 0;
                        memcpy(ret_id, target, POD_ID_LEN + 1);
                        return 0;
                }
        }
        r = pod_list(s, &ids);
        if (r < 0)
                return r;
        STRV_FOREACH(id, ids)
                if (startswith(*id, ref)) {
                        if (found)
                                return -ENOTUNIQ;
                        found = *id;
                }
        if (!found)
                return -ENOENT;
        memcpy(ret_id, found, POD_ID_LEN + 1);
        return 0;
}

/* ---- play marker ---- */

int pod_play_begin(PodStore *s, const char *id) {
        char tmp[POD_ID_LEN + 16], name[POD_ID_LEN + 8];
        int fd;

        snprintf(tmp, sizeof(tmp), ".%s.play.tmp", id);
        snprintf(name, sizeof(name), "%s.play", id);
        fd = openat(s->runroot_fd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX) < 0 || renameat(s->runroot_fd, tmp, s->runroot_fd, name) < 0 ||
            (mkdirat(s->runroot_fd, id, 0700) < 0 && errno != EEXIST)) {
                int r = -errno;
                (void) unlinkat(s->runroot_fd, tmp, 0);
                (void) unlinkat(s->runroot_fd, name, 0);
                close(fd);
                return r;
        }
        {
                char buf[32];
                int n = snprintf(buf, sizeof(buf), "%d\n", (int) getpid());
                (void) !write(fd, buf, (size_t) n); /* for people: who plays it */
        }
        return fd;
}

int pod_play_end(PodStore *s, const char *id, int fd) {
        char name[POD_ID_LEN + 8];
        int r = 0;

        snprintf(name, sizeof(name), "%s.play", id);
        if (unlinkat(s->runroot_fd, name, 0) < 0 && errno != ENOENT)
                r = -errno;
        if (fd >= 0)
                close(fd);
        return r;
}

int pod_play_wait(PodStore *s, const char *id, unsigned timeout_ms) {
        char name[POD_ID_LEN + 8];
        _cleanup_close_ int fd = -EBADF;

        snprintf(name, sizeof(name), "%s.play", id);
        fd = openat(s->runroot_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return 0;
        for (unsigned waited = 0;; waited += 10) {
                if (flock(fd, LOCK_EX | LOCK_NB) >= 0) {
                        (void) flock(fd, LOCK_UN);
                        return 0;
                }
                if (waited >= timeout_ms)
                        return -ETIMEDOUT;
                (void) usleep(10000);
        }
}

bool pod_play_incomplete(PodStore *s, const char *id, bool include_live) {
        char name[POD_ID_LEN + 8], cfg[POD_ID_LEN + 16];
        int fd;

        snprintf(name, sizeof(name), "%s.play", id);
        fd = openat(s->runroot_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
                bool held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
                close(fd);
                return held ? include_live : true;
        }
        /* No marker: a pod is complete when its config is there. */
        snprintf(cfg, sizeof(cfg), "%s/config.json", id);
        return faccessat(s->root_fd, cfg, F_OK, 0) < 0;
}

/* ---- JSON ---- */

static const char *jstr(json_object *o, const char *key) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static int dupstr(json_object *o, const char *key, char **ret) {
        const char *s = jstr(o, key);
        *ret = NULL;
        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int64_t jint(json_object *o, const char *key, int64_t def) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return def;
        return json_object_get_int64(v);
}

static bool jbool(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static int jstrv(json_object *o, const char *key, char ***ret) {
        json_object *a;

        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array))
                return 0;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (json_object_is_type(e, json_type_string) && strv_extend(ret, json_object_get_string(e)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static bool copy_id(char dst[static POD_ID_LEN + 1], const char *src) {
        if (!id_valid(src))
                return false;
        memcpy(dst, src, POD_ID_LEN + 1);
        return true;
}

int pod_config_to_json(const PodConfig *c, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *m = json_object_new_array();
        int r;

        if (!o || !m) {
                json_object_put(m);
                return -ENOMEM;
        }
        r = json_add_string(o, "id", c->id);
        if (r >= 0)
                r = json_add_string(o, "name", c->name);
        if (r >= 0)
                r = json_add_string(o, "created", c->created_at);
        if (r >= 0)
                r = json_add_string(o, "kind", c->kind);
        if (r >= 0)
                r = json_add_strv(o, "sources", c->sources);
        if (r >= 0)
                r = json_add_string(o, "restartPolicy", pod_restart_policy_to_string(c->restart_policy));
        if (r >= 0)
                r = json_add_string(o, "infraId", c->infra_id);
        if (r >= 0)
                r = json_add_string(o, "infraName", c->infra_name);
        if (r >= 0)
                r = json_add_strv(o, "labels", c->labels);
        if (r >= 0)
                r = json_add_strv(o, "annotations", c->annotations);
        if (r >= 0 && c->create_argv)
                r = json_add_strv(o, "createCommand", c->create_argv);
        for (size_t i = 0; r >= 0 && i < c->n_members; i++) {
                json_object *e = json_object_new_object();
                json_add_string(e, "name", c->members[i].name);
                json_add_string(e, "fullName", c->members[i].full_name);
                json_add_string(e, "id", c->members[i].id);
                json_add_string(e, "role", pod_container_role_to_string(c->members[i].role));
                r = json_array_add(m, e);
        }
        if (r >= 0)
                r = json_add_object(o, "containers", TAKE_PTR(m));
        else
                json_object_put(m);
        if (r >= 0 && c->plan)
                r = json_add_object(o, "plan", json_object_get(c->plan));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int pod_config_from_json(json_object *o, PodConfig **ret) {
        _cleanup_(pod_config_freep) PodConfig *c = calloc(1, sizeof(PodConfig));
        json_object *m, *plan;
        int r;

        if (!c)
                return -ENOMEM;
        if (!json_object_is_type(o, json_type_object) || !copy_id(c->id, jstr(o, "id")) || !jstr(o, "name"))
                return -EBADMSG;
        if (jstr(o, "infraId") && !copy_id(c->infra_id, jstr(o, "infraId")))
                return -EBADMSG;
        r = dupstr(o, "name", &c->name);
        if (r >= 0)
                r = dupstr(o, "created", &c->created_at);
        if (r >= 0)
                r = dupstr(o, "kind", &c->kind);
        if (r >= 0)
                r = dupstr(o, "infraName", &c->infra_name);
        if (r >= 0)
                r = jstrv(o, "sources", &c->sources);
        if (r >= 0)
                r = jstrv(o, "labels", &c->labels);
        if (r >= 0)
                r = jstrv(o, "annotations", &c->annotations);
        if (r >= 0)
                r = jstrv(o, "createCommand", &c->create_argv);
        if (r < 0)
                return r;
        c->restart_policy = pod_restart_policy_from_string(jstr(o, "restartPolicy"));
        if (c->restart_policy < 0)
                c->restart_policy = POD_RESTART_ALWAYS;
        if (json_object_object_get_ex(o, "containers", &m) && json_object_is_type(m, json_type_array)) {
                size_t n = json_object_array_length(m);
                c->members = calloc(n ?: 1, sizeof(PodMember));
                if (!c->members)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        json_object *e = json_object_array_get_idx(m, i);
                        PodMember *pm = &c->members[c->n_members++];

                        if (!copy_id(pm->id, jstr(e, "id")) || !jstr(e, "name"))
                                return -EBADMSG;
                        if (dupstr(e, "name", &pm->name) < 0 || dupstr(e, "fullName", &pm->full_name) < 0)
                                return -ENOMEM;
                        pm->role = pod_container_role_from_string(jstr(e, "role"));
                }
        }
        if (json_object_object_get_ex(o, "plan", &plan))
                c->plan = json_object_get(plan);
        *ret = TAKE_PTR(c);
        return 0;
}

int pod_state_to_json(const PodState *s, const PodConfig *c, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *m = json_object_new_array();
        int r;

        if (!o || !m) {
                json_object_put(m);
                return -ENOMEM;
        }
        r = json_add_string(o, "status", pod_status_to_string(s->status));
        if (r >= 0)
                r = json_add_string_nonnull(o, "reason", s->reason);
        if (r >= 0)
                r = json_add_int(o, "supervisorPid", s->supervisor_pid);
        if (r >= 0)
                r = json_add_int(o, "supervisorStartTime", (int64_t) s->supervisor_starttime);
        if (r >= 0)
                r = json_add_int(o, "infraPid", s->infra_pid);
        if (r >= 0)
                r = json_add_strv(o, "infraCgroups", s->infra_cgroup_paths);
        if (r >= 0)
                r = json_add_string_nonnull(o, "startedAt", s->started_at);
        if (r >= 0)
                r = json_add_string_nonnull(o, "finishedAt", s->finished_at);
        for (size_t i = 0; r >= 0 && i < s->n_members; i++) {
                const PodMemberState *ms = &s->members[i];
                json_object *e = json_object_new_object();

                if (c && i < c->n_members) {
                        json_add_string(e, "name", c->members[i].name);
                        json_add_string(e, "id", c->members[i].id);
                }
                json_add_string(e, "state", pod_container_phase_to_string(ms->phase));
                json_add_string_nonnull(e, "reason", ms->reason);
                json_add_string_nonnull(e, "message", ms->message);
                json_add_int(e, "exitCode", ms->exit_code);
                json_add_int(e, "restartCount", ms->restarts);
                json_add_bool(e, "ready", ms->ready);
                json_add_bool(e, "started", ms->started);
                json_add_int(e, "pid", ms->pid);
                json_add_string_nonnull(e, "startedAt", ms->started_at);
                json_add_string_nonnull(e, "finishedAt", ms->finished_at);
                json_add_strv(e, "cgroups", ms->cgroup_paths);
                r = json_array_add(m, e);
        }
        if (r >= 0)
                r = json_add_object(o, "containers", TAKE_PTR(m));
        else
                json_object_put(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int pod_state_from_json(json_object *o, size_t n_members, PodState *ret) {
        PodState s = {};
        json_object *m = NULL;
        int r;

        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        s.status = pod_status_from_string(jstr(o, "status"));
        if (s.status < 0)
                return -EBADMSG;
        s.supervisor_pid = (pid_t) jint(o, "supervisorPid", 0);
        s.supervisor_starttime = (uint64_t) jint(o, "supervisorStartTime", 0);
        s.infra_pid = (pid_t) jint(o, "infraPid", 0);
        s.members = calloc(n_members ?: 1, sizeof(PodMemberState));
        if (!s.members)
                return -ENOMEM;
        s.n_members = n_members;
        r = dupstr(o, "reason", &s.reason);
        if (r >= 0)
                r = dupstr(o, "startedAt", &s.started_at);
        if (r >= 0)
                r = dupstr(o, "finishedAt", &s.finished_at);
        if (r >= 0)
                r = jstrv(o, "infraCgroups", &s.infra_cgroup_paths);
        (void) json_object_object_get_ex(o, "containers", &m);
        for (size_t i = 0; r >= 0 && i < n_members; i++) {
                json_object *e = m && json_object_is_type(m, json_type_array) && i < json_object_array_length(m)
                                         ? json_object_array_get_idx(m, i)
                                         : NULL;
                PodMemberState *ms = &s.members[i];

                if (!e)
                        continue; /* a container the state does not know yet: waiting */
                ms->phase = pod_container_phase_from_string(jstr(e, "state"));
                if (ms->phase < 0)
                        ms->phase = POD_CTR_WAITING;
                ms->exit_code = (int) jint(e, "exitCode", 0);
                ms->restarts = (unsigned) jint(e, "restartCount", 0);
                ms->ready = jbool(e, "ready");
                ms->started = jbool(e, "started");
                ms->pid = (pid_t) jint(e, "pid", 0);
                r = dupstr(e, "reason", &ms->reason);
                if (r >= 0)
                        r = dupstr(e, "message", &ms->message);
                if (r >= 0)
                        r = dupstr(e, "startedAt", &ms->started_at);
                if (r >= 0)
                        r = dupstr(e, "finishedAt", &ms->finished_at);
                if (r >= 0)
                        r = jstrv(e, "cgroups", &ms->cgroup_paths);
        }
        if (r < 0) {
                pod_state_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

/* ---- records ---- */

int pod_create(PodStore *s, const PodConfig *config, char **ret_error) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *tmp = NULL, *link = NULL, *cfg = NULL;
        char holder[POD_ID_LEN + 2];
        ssize_t n;
        int r;

        if (!id_valid(config->id) || !container_name_is_valid(config->name))
                return -EINVAL;
        if (asprintf(&link, "names/%s", config->name) < 0 || asprintf(&tmp, ".tmp-%s", config->id) < 0 ||
            asprintf(&cfg, "%s/config.json", tmp) < 0)
                return -ENOMEM;
        n = readlinkat(s->root_fd, link, holder, sizeof(holder) - 1);
        if (n >= 0) {
                holder[n] = 0;
                if (ret_error && asprintf(ret_error, "pod name \"%s\" is in use by pod %.12s", config->name, holder) < 0)
                        *ret_error = NULL;
                return -EEXIST;
        }
        r = pod_config_to_json(config, &o);
        if (r < 0)
                return r;
        if (faccessat(s->root_fd, config->id, F_OK, AT_SYMLINK_NOFOLLOW) >= 0) {
                /* The play made the pod's directory already (its volumes): the config goes in atomically;
                 * until it is there, the play marker is what makes the directory the pod's. */
                free(cfg);
                if (asprintf(&cfg, "%s/config.json", config->id) < 0)
                        return -ENOMEM;
                r = json_write_file_atomic_at(s->root_fd, cfg, o, 0600);
                if (r < 0)
                        return r;
        } else {
                if (mkdirat(s->root_fd, tmp, 0700) < 0)
                        return -errno;
                r = json_write_file_atomic_at(s->root_fd, cfg, o, 0600);
                if (r >= 0 && renameat(s->root_fd, tmp, s->root_fd, config->id) < 0)
                        r = -errno;
                if (r < 0) {
                        (void) rm_rf_at(s->root_fd, tmp);
                        return r;
                }
        }
        if (symlinkat(config->id, s->root_fd, link) < 0) {
                r = -errno;
                (void) rm_rf_at(s->root_fd, config->id);
                if (r == -EEXIST && ret_error && asprintf(ret_error, "pod name \"%s\" is in use", config->name) < 0)
                        *ret_error = NULL;
                return r;
        }
        if (mkdirat(s->runroot_fd, config->id, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int pod_config_load(PodStore *s, const char *id, PodConfig **ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (!id_valid(id))
                return -ENOENT;
        if (asprintf(&path, "%s/config.json", id) < 0)
                return -ENOMEM;
        r = read_full_file_at(s->root_fd, path, 64u << 20, &text, NULL);
        if (r < 0)
                return r;
        o = json_tokener_parse(text);
        if (!o)
                return -EBADMSG;
        return pod_config_from_json(o, ret);
}

static int state_read(PodStore *s, const char *id, size_t n_members, PodState *ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (asprintf(&path, "%s/state.json", id) < 0)
                return -ENOMEM;
        r = read_full_file_at(s->runroot_fd, path, 16u << 20, &text, NULL);
        if (r == -ENOENT) {
                *ret = (PodState) { .status = POD_STATUS_CREATED };
                ret->members = calloc(n_members ?: 1, sizeof(PodMemberState));
                ret->n_members = n_members;
                return ret->members ? 0 : -ENOMEM;
        }
        if (r < 0)
                return r;
        o = json_tokener_parse(text);
        if (!o)
                return -EBADMSG;
        return pod_state_from_json(o, n_members, ret);
}

int pod_state_save(PodStore *s, const char *id, const PodState *state) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = pod_state_to_json(state, NULL, &o);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/state.json", id) < 0)
                return -ENOMEM;
        if (mkdirat(s->runroot_fd, id, 0700) < 0 && errno != EEXIST)
                return -errno;
        /* RUNROOT does not outlive a reboot (see container_state_save()): atomic for concurrent
         * readers, no fsync. The supervisor saves after every container start; on a disk-backed
         * RUNROOT the fsyncs were 2 x 1-5 ms each, on the play's critical path. */
        return json_write_file_replace_at(s->runroot_fd, path, o, 0600);
}

int pod_state_load(PodStore *s, const char *id, size_t n_members, PodState *ret) {
        PodState st;
        int r;

        r = state_read(s, id, n_members, &st);
        if (r < 0)
                return r;
        if (IN_SET(st.status, POD_STATUS_RUNNING, POD_STATUS_DEGRADED, POD_STATUS_STOPPING) &&
            !proc_alive(st.supervisor_pid, st.supervisor_starttime)) {
                _cleanup_close_ int lock = pod_lock(s, id);
                char now[64];

                /* The supervisor is gone without recording an end: it was killed (its containers died
                 * with it, see the supervisor's PDEATHSIG rules). Say so, once, in the record. */
                free(st.reason);
                st.reason = strdup("supervisor gone (killed?); its containers were stopped with it");
                st.status = POD_STATUS_EXITED;
                rfc3339_nanos_now(now, sizeof(now));
                for (size_t i = 0; i < st.n_members; i++) {
                        PodMemberState *m = &st.members[i];
                        if (m->phase != POD_CTR_RUNNING && m->phase != POD_CTR_WAITING)
                                continue;
                        m->phase = POD_CTR_TERMINATED;
                        m->ready = false;
                        m->pid = 0;
                        free(m->reason);
                        m->reason = strdup("SupervisorGone");
                        m->exit_code = 137;
                        if (!m->finished_at)
                                m->finished_at = strdup(now);
                }
                if (!st.finished_at)
                        st.finished_at = strdup(now);
                if (lock >= 0)
                        (void) pod_state_save(s, id, &st);
        }
        *ret = st;
        return 0;
}

int pod_remove(PodStore *s, const char *id) {
        _cleanup_free_ char *aside = NULL, *lock = NULL;
        _cleanup_(pod_config_freep) PodConfig *c = NULL;
        int r = 0, k;

        if (!id_valid(id))
                return -EINVAL;
        /* The name link first, but only when it still points at this pod. */
        if (pod_config_load(s, id, &c) >= 0 && c->name) {
                _cleanup_free_ char *link = NULL;
                char target[POD_ID_LEN + 2];
                ssize_t n;

                if (asprintf(&link, "names/%s", c->name) < 0)
                        return -ENOMEM;
                n = readlinkat(s->root_fd, link, target, sizeof(target) - 1);
                if (n == POD_ID_LEN && strncmp(target, id, POD_ID_LEN) == 0)
                        (void) unlinkat(s->root_fd, link, 0);
        }
        if (asprintf(&aside, ".rm-%s", id) < 0 || asprintf(&lock, "%s.lock", id) < 0)
                return -ENOMEM;
        if (renameat(s->root_fd, id, s->root_fd, aside) < 0 && errno != ENOENT)
                r = -errno;
        k = rm_rf_at(s->root_fd, r < 0 ? id : aside);
        if (k < 0 && r == 0)
                r = k;
        k = rm_rf_at(s->runroot_fd, id);
        if (k < 0 && r == 0)
                r = k;
        (void) unlinkat(s->runroot_fd, lock, 0);
        {
                char name[POD_ID_LEN + 16];
                snprintf(name, sizeof(name), "%s.play", id);
                (void) unlinkat(s->runroot_fd, name, 0);
                snprintf(name, sizeof(name), ".%s.play.tmp", id);
                (void) unlinkat(s->runroot_fd, name, 0);
        }
        return r;
}
