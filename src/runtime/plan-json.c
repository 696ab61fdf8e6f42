/* ContainerPlan <-> JSON, for the container's record (create, then start; restarts). The format is
 * skiff's own and versioned ("version": 1); reading checks every type and enum name, because a record
 * may have been edited by hand, and names the key that is wrong. */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/json-util.h"
#include "common/strv.h"
#include "runtime/container-plan.h"
#include "runtime/plan-internal.h"

#define PLAN_JSON_VERSION 1

/* The record's own names for rtsec's enums: the stored format must not change when a library's
 * display names do. */
static const char *const seccomp_names[_SECCOMP_KIND_MAX] = {
        [SECCOMP_KIND_DEFAULT] = "default",
        [SECCOMP_KIND_UNCONFINED] = "unconfined",
        [SECCOMP_KIND_CUSTOM] = "custom",
};

static const char *const cgroups_names[_CGROUPS_MODE_MAX] = {
        [CGROUPS_ENABLED] = "enabled",
        [CGROUPS_DISABLED] = "disabled",
        [CGROUPS_NO_CONMON] = "no-conmon",
        [CGROUPS_SPLIT] = "split",
};

static const char *name_of(const char *const *t, int n, int v) {
        return v >= 0 && v < n ? t[v] : NULL;
}

static int name_lookup(const char *const *t, int n, const char *s) {
        for (int i = 0; i < n; i++)
                if (t[i] && streq(t[i], s))
                        return i;
        return -EINVAL;
}

/* ---- writing ---- */

static json_object *idmaps_to_json(const PlanIdMap *m, size_t n) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++) {
                json_object *e = json_object_new_object();
                if (!e || json_add_int(e, "container", m[i].container_id) < 0
                    || json_add_int(e, "host", m[i].host_id) < 0 || json_add_int(e, "size", m[i].size) < 0
                    || json_array_add(a, e) < 0) {
                        json_object_put(e);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

int container_plan_to_json(const ContainerPlan *p, struct json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *a, *e;
        int r = 0;

        if (!o)
                return -ENOMEM;
#define CK(x)                           \
        do {                            \
                if ((x) < 0)            \
                        return -ENOMEM; \
        } while (0)
        CK(json_add_int(o, "version", PLAN_JSON_VERSION));
        CK(json_add_string(o, "id", p->id));
        CK(json_add_string(o, "name", p->name));
        CK(json_add_string(o, "imageId", p->image_id));
        CK(json_add_string(o, "imageName", p->image_name));
        CK(json_add_strv(o, "labels", p->labels));
        CK(json_add_strv(o, "annotations", p->annotations));
        CK(json_add_bool(o, "rm", p->rm));
        CK(json_add_bool(o, "detach", p->detach));
        CK(json_add_bool(o, "interactive", p->interactive));
        CK(json_add_bool(o, "replace", p->replace));
        CK(json_add_string(o, "restart", plan_restart_to_string(p->restart)));
        CK(json_add_int(o, "restartMaxRetries", p->restart_max_retries));
        CK(json_add_int(o, "stopSignal", p->stop_signal));
        CK(json_add_int(o, "stopTimeout", p->stop_timeout));
        CK(json_add_string(o, "logDriver", plan_log_driver_to_string(p->log_driver)));
        CK(json_add_string(o, "cidfile", p->cidfile));
        CK(json_add_string(o, "sdnotify", p->sdnotify));
        if (p->health) {
                json_object *h = NULL;
                CK(health_config_to_json(p->health, &h));
                CK(json_add_object(o, "health", h));
        }
        CK(json_add_string(o, "containerDir", p->container_dir));
        CK(json_add_string(o, "runDir", p->run_dir));
        CK(json_add_string(o, "cacheDir", p->cache_dir));
        CK(json_add_strv(o, "lowerDirs", p->lower_dirs));
        CK(json_add_string(o, "upperDir", p->upper_dir));
        CK(json_add_string(o, "workDir", p->work_dir));
        CK(json_add_string(o, "rootfs", p->rootfs));
        CK(json_add_bool(o, "readOnly", p->read_only));
        CK(json_add_strv(o, "argv", p->argv));
        CK(json_add_strv(o, "env", p->env));
        CK(json_add_string(o, "cwd", p->cwd));
        CK(json_add_string(o, "user", p->user));
        CK(json_add_int(o, "uid", p->uid));
        CK(json_add_int(o, "gid", p->gid));
        a = json_object_new_array();
        for (size_t i = 0; a && i < p->n_groups; i++)
                if (json_array_add(a, json_object_new_int64(p->groups[i])) < 0)
                        r = -ENOMEM;
        CK(json_add_object(o, "groups", a));
        CK(r);
        CK(json_add_bool(o, "tty", p->tty));
        CK(json_add_bool(o, "init", p->init));
        CK(json_add_string(o, "initPath", p->init_path));
        CK(json_add_string(o, "hostname", p->hostname));
        CK(json_add_int(o, "umask", p->umask));
        CK(json_add_int(o, "parentDeathSignal", p->parent_death_signal));

        e = json_object_new_object();
        CK(json_add_object(o, "namespaces", e));
        for (int k = 0; k < _NS_KIND_MAX; k++) {
                json_object *n = json_object_new_object();
                CK(json_add_object(e, ns_kind_to_string(k), n));
                CK(json_add_string(n, "mode", ns_mode_to_string(p->ns[k].mode)));
                CK(json_add_string_nonnull(n, "path", p->ns[k].path));
        }
        a = idmaps_to_json(p->uid_map, p->n_uid_map);
        CK(json_add_object(o, "uidMap", a));
        a = idmaps_to_json(p->gid_map, p->n_gid_map);
        CK(json_add_object(o, "gidMap", a));
        if (p->n_devices > 0) {
                a = json_object_new_array();
                CK(json_add_object(o, "devices", a));
                for (size_t i = 0; i < p->n_devices; i++) {
                        json_object *d = json_object_new_object();
                        char type[2] = {p->devices[i].type, 0};
                        CK(json_array_add(a, d));
                        CK(json_add_string(d, "hostPath", p->devices[i].host_path));
                        CK(json_add_string(d, "path", p->devices[i].path));
                        CK(json_add_string(d, "type", type));
                        CK(json_add_int(d, "major", p->devices[i].major));
                        CK(json_add_int(d, "minor", p->devices[i].minor));
                        CK(json_add_int(d, "access", p->devices[i].access));
                }
        }

        CK(json_add_string(o, "etcHosts", p->etc_hosts));
        CK(json_add_string(o, "etcHostname", p->etc_hostname));
        CK(json_add_string(o, "etcResolvConf", p->etc_resolv_conf));
        CK(json_add_string(o, "timezone", p->timezone));

        a = json_object_new_array();
        CK(json_add_object(o, "mounts", a));
        for (size_t i = 0; i < p->n_mounts; i++) {
                const PlanMount *m = &p->mounts[i];
                json_object *j = json_object_new_object();

                CK(json_array_add(a, j));
                CK(json_add_string(j, "destination", m->destination));
                CK(json_add_string(j, "type", m->type));
                CK(json_add_string(j, "source", m->source));
                CK(json_add_int(j, "flags", (int64_t) m->flags));
                CK(json_add_int(j, "propagation", (int64_t) m->propagation));
                CK(json_add_string(j, "data", m->data));
                CK(json_add_int(j, "extra", m->extra));
        }
        CK(json_add_strv(o, "maskedPaths", p->masked_paths));
        CK(json_add_strv(o, "readonlyPaths", p->readonly_paths));

        CK(json_add_bool(o, "privileged", p->privileged));
        CK(json_add_bool(o, "noNewPrivileges", p->no_new_privs));
        e = json_object_new_object();
        CK(json_add_object(o, "capabilities", e));
        CK(json_add_int(e, "bounding", (int64_t) p->caps.bounding));
        CK(json_add_int(e, "permitted", (int64_t) p->caps.permitted));
        CK(json_add_int(e, "effective", (int64_t) p->caps.effective));
        CK(json_add_int(e, "inheritable", (int64_t) p->caps.inheritable));
        CK(json_add_int(e, "ambient", (int64_t) p->caps.ambient));
        e = json_object_new_object();
        CK(json_add_object(o, "seccomp", e));
        CK(json_add_string(e, "kind", name_of(seccomp_names, _SECCOMP_KIND_MAX, p->seccomp.kind)));
        CK(json_add_string(e, "profilePath", p->seccomp.profile_path));
        CK(json_add_string(e, "profile", p->seccomp.profile_json));
        a = json_object_new_array();
        CK(json_add_object(o, "sysctls", a));
        for (size_t i = 0; i < p->sysctls.n; i++) {
                json_object *j = json_object_new_object();
                CK(json_array_add(a, j));
                CK(json_add_string(j, "key", p->sysctls.items[i].key));
                CK(json_add_string(j, "value", p->sysctls.items[i].value));
        }
        a = json_object_new_array();
        CK(json_add_object(o, "rlimits", a));
        for (size_t i = 0; i < p->rlimits.n; i++) {
                const Rlimit *l = &p->rlimits.items[i];
                json_object *j = json_object_new_object();
                CK(json_array_add(a, j));
                CK(json_add_int(j, "resource", l->resource));
                /* RLIM_INFINITY as -1: JSON numbers above 2^63 do not survive json-c */
                CK(json_add_int(j, "soft", l->soft == RLIM_INFINITY ? -1 : (int64_t) l->soft));
                CK(json_add_int(j, "hard", l->hard == RLIM_INFINITY ? -1 : (int64_t) l->hard));
        }
        CK(json_add_string(o, "cgroups", name_of(cgroups_names, _CGROUPS_MODE_MAX, p->cgroups)));
        e = json_object_new_object();
        CK(json_add_object(o, "limits", e));
        CK(json_add_int(e, "memory", p->limits.memory));
        CK(json_add_int(e, "memorySwap", p->limits.memory_swap));
        CK(json_add_int(e, "cpuQuota", p->limits.cpu_quota));
        CK(json_add_int(e, "cpuPeriod", (int64_t) p->limits.cpu_period));
        CK(json_add_int(e, "cpuShares", (int64_t) p->limits.cpu_shares));
        CK(json_add_int(e, "pidsLimit", p->limits.pids_limit));
        if (p->cgroup_parent) {
                CK(json_add_string(o, "cgroupParent", p->cgroup_parent));
                e = json_object_new_object();
                CK(json_add_object(o, "parentLimits", e));
                CK(json_add_int(e, "memory", p->parent_limits.memory));
                CK(json_add_int(e, "memorySwap", p->parent_limits.memory_swap));
                CK(json_add_int(e, "cpuQuota", p->parent_limits.cpu_quota));
                CK(json_add_int(e, "cpuPeriod", (int64_t) p->parent_limits.cpu_period));
                CK(json_add_int(e, "cpuShares", (int64_t) p->parent_limits.cpu_shares));
        }
#undef CK
        *ret = TAKE_PTR(o);
        return 0;
}

int container_plan_to_string(const ContainerPlan *p, char **ret) {
        _cleanup_json_ json_object *o = NULL;
        char *s;
        int r;

        r = container_plan_to_json(p, &o);
        if (r < 0)
                return r;
        s = strdup(
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* ---- reading ---- */

typedef struct Reader {
        char **error;
        int r;
} Reader;

static json_object *get(Reader *rd, json_object *o, const char *key, json_type t, bool nullable) {
        json_object *v;

        if (rd->r < 0)
                return NULL;
        if (!json_object_object_get_ex(o, key, &v) || !v) {
                if (nullable)
                        return NULL;
                rd->r = plan_errorf(rd->error, -EBADMSG, "container plan: \"%s\": missing", key);
                return NULL;
        }
        if (!json_object_is_type(v, t) && !(t == json_type_int && json_object_is_type(v, json_type_int))) {
                rd->r = plan_errorf(rd->error, -EBADMSG, "container plan: \"%s\": expected %s", key,
                                    json_type_to_name(t));
                return NULL;
        }
        return v;
}

static char *get_str(Reader *rd, json_object *o, const char *key, bool nullable) {
        json_object *v = get(rd, o, key, json_type_string, true);
        char *s;

        if (rd->r < 0)
                return NULL;
        if (!v) {
                json_object *x;
                bool present = json_object_object_get_ex(o, key, &x);

                if (!present && !nullable)
                        rd->r = plan_errorf(rd->error, -EBADMSG, "container plan: \"%s\": missing", key);
                else if (present && (x || !nullable))
                        rd->r = plan_errorf(rd->error, -EBADMSG, "container plan: \"%s\": expected a string",
                                            key);
                return NULL;
        }
        s = strdup(json_object_get_string(v));
        if (!s)
                rd->r = -ENOMEM;
        return s;
}

static int64_t get_int(Reader *rd, json_object *o, const char *key, int64_t min, int64_t max) {
        json_object *v = get(rd, o, key, json_type_int, false);
        int64_t i;

        if (!v)
                return 0;
        i = json_object_get_int64(v);
        if (i < min || i > max) {
                rd->r = plan_errorf(rd->error, -EBADMSG, "container plan: \"%s\": %" PRIi64 " out of range",
                                    key, i);
                return 0;
        }
        return i;
}

static bool get_bool(Reader *rd, json_object *o, const char *key) {
        json_object *v = get(rd, o, key, json_type_boolean, false);
        return v ? json_object_get_boolean(v) : false;
}

static char **get_strv(Reader *rd, json_object *o, const char *key) {
        json_object *v = get(rd, o, key, json_type_array, true);
        char **l = NULL;

        if (!v)
                return NULL;
        for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *e = json_object_array_get_idx(v, i);

                if (!json_object_is_type(e, json_type_string)) {
                        rd->r = plan_errorf(rd->error, -EBADMSG,
                                            "container plan: \"%s\"[%zu]: expected a string", key, i);
                        return strv_free(l);
                }
                if (strv_extend(&l, json_object_get_string(e)) < 0) {
                        rd->r = -ENOMEM;
                        return strv_free(l);
                }
        }
        return l;
}

static int get_enum(Reader *rd, json_object *o, const char *key, int (*from)(const char *)) {
        _cleanup_free_ char *s = get_str(rd, o, key, false);
        int v;

        if (!s)
                return 0;
        v = from(s);
        if (v < 0)
                rd->r = plan_errorf(rd->error, -EBADMSG, "container plan: \"%s\": unknown value \"%s\"", key,
                                    s);
        return v < 0 ? 0 : v;
}

static int restart_from(const char *s) {
        return plan_restart_from_string(s);
}
static int log_from(const char *s) {
        return plan_log_driver_from_string(s);
}
static int nsmode_from(const char *s) {
        return ns_mode_from_string(s);
}
static int seccomp_from(const char *s) {
        return name_lookup(seccomp_names, _SECCOMP_KIND_MAX, s);
}
static int cgroups_from(const char *s) {
        return name_lookup(cgroups_names, _CGROUPS_MODE_MAX, s);
}

static PlanIdMap *get_idmaps(Reader *rd, json_object *o, const char *key, size_t *ret_n) {
        json_object *v = get(rd, o, key, json_type_array, true);
        PlanIdMap *m;
        size_t n;

        *ret_n = 0;
        if (!v || (n = json_object_array_length(v)) == 0)
                return NULL;
        m = calloc(n, sizeof(PlanIdMap));
        if (!m) {
                rd->r = -ENOMEM;
                return NULL;
        }
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                if (!json_object_is_type(e, json_type_object)) {
                        rd->r = plan_errorf(rd->error, -EBADMSG,
                                            "container plan: \"%s\"[%zu]: expected an object", key, i);
                        break;
                }
                m[i].container_id = (uint32_t) get_int(rd, e, "container", 0, UINT32_MAX);
                m[i].host_id = (uint32_t) get_int(rd, e, "host", 0, UINT32_MAX);
                m[i].size = (uint32_t) get_int(rd, e, "size", 1, UINT32_MAX);
        }
        if (rd->r < 0) {
                free(m);
                return NULL;
        }
        *ret_n = n;
        return m;
}

int container_plan_from_json(struct json_object *o, ContainerPlan **ret, char **ret_error) {
        _cleanup_container_plan_ ContainerPlan *p = calloc(1, sizeof(ContainerPlan));
        Reader rd = {.error = ret_error};
        json_object *v, *e;

        if (!p)
                return -ENOMEM;
        if (!json_object_is_type(o, json_type_object))
                return plan_errorf(ret_error, -EBADMSG, "container plan: not a JSON object");
        if (get_int(&rd, o, "version", 0, INT32_MAX) != PLAN_JSON_VERSION && rd.r >= 0)
                return plan_errorf(ret_error, -EBADMSG, "container plan: unsupported version");

        p->id = get_str(&rd, o, "id", false);
        p->name = get_str(&rd, o, "name", true);
        p->image_id = get_str(&rd, o, "imageId", true);
        p->image_name = get_str(&rd, o, "imageName", true);
        p->labels = get_strv(&rd, o, "labels");
        p->annotations = get_strv(&rd, o, "annotations");
        p->rm = get_bool(&rd, o, "rm");
        p->detach = get_bool(&rd, o, "detach");
        p->interactive = get_bool(&rd, o, "interactive");
        p->replace = get_bool(&rd, o, "replace");
        p->restart = get_enum(&rd, o, "restart", restart_from);
        p->restart_max_retries = (unsigned) get_int(&rd, o, "restartMaxRetries", 0, UINT32_MAX);
        p->stop_signal = (int) get_int(&rd, o, "stopSignal", 1, 64);
        p->stop_timeout = (unsigned) get_int(&rd, o, "stopTimeout", 0, UINT32_MAX);
        p->log_driver = get_enum(&rd, o, "logDriver", log_from);
        p->cidfile = get_str(&rd, o, "cidfile", true);
        p->sdnotify = get_str(&rd, o, "sdnotify", true);
        if (rd.r >= 0 && (v = get(&rd, o, "health", json_type_object, true)))
                rd.r = health_config_from_json(v, &p->health, ret_error);
        p->container_dir = get_str(&rd, o, "containerDir", false);
        p->run_dir = get_str(&rd, o, "runDir", false);
        p->cache_dir = get_str(&rd, o, "cacheDir", true);
        p->lower_dirs = get_strv(&rd, o, "lowerDirs");
        p->upper_dir = get_str(&rd, o, "upperDir", true);
        p->work_dir = get_str(&rd, o, "workDir", true);
        p->rootfs = get_str(&rd, o, "rootfs", true);
        p->read_only = get_bool(&rd, o, "readOnly");
        p->argv = get_strv(&rd, o, "argv");
        p->env = get_strv(&rd, o, "env");
        p->cwd = get_str(&rd, o, "cwd", false);
        p->user = get_str(&rd, o, "user", true);
        p->uid = (uid_t) get_int(&rd, o, "uid", 0, UINT32_MAX - 1);
        p->gid = (gid_t) get_int(&rd, o, "gid", 0, UINT32_MAX - 1);
        if ((v = get(&rd, o, "groups", json_type_array, false))) {
                size_t n = json_object_array_length(v);
                p->groups = n ? calloc(n, sizeof(gid_t)) : NULL;
                if (n && !p->groups)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        e = json_object_array_get_idx(v, i);
                        if (!json_object_is_type(e, json_type_int))
                                return plan_errorf(ret_error, -EBADMSG,
                                                   "container plan: \"groups\"[%zu]: expected a number", i);
                        p->groups[i] = (gid_t) json_object_get_int64(e);
                }
                p->n_groups = n;
        }
        p->tty = get_bool(&rd, o, "tty");
        p->init = get_bool(&rd, o, "init");
        p->init_path = get_str(&rd, o, "initPath", true);
        p->hostname = get_str(&rd, o, "hostname", false);
        p->umask = (unsigned) get_int(&rd, o, "umask", 0, 0777);
        {
                json_object *pd;
                /* optional: records written before it existed have none */
                if (json_object_object_get_ex(o, "parentDeathSignal", &pd))
                        p->parent_death_signal = (int) get_int(&rd, o, "parentDeathSignal", 0, 64);
        }

        if ((v = get(&rd, o, "namespaces", json_type_object, false)))
                for (int k = 0; k < _NS_KIND_MAX; k++) {
                        json_object *n = get(&rd, v, ns_kind_to_string(k), json_type_object, false);
                        if (!n)
                                break;
                        p->ns[k].mode = get_enum(&rd, n, "mode", nsmode_from);
                        p->ns[k].path = get_str(&rd, n, "path", true);
                        if (rd.r >= 0 && (p->ns[k].mode == NS_MODE_JOIN) != !!p->ns[k].path)
                                rd.r = plan_errorf(
                                        ret_error, -EBADMSG,
                                        "container plan: namespace %s: a path goes with mode join only",
                                        ns_kind_to_string(k));
                }
        p->uid_map = get_idmaps(&rd, o, "uidMap", &p->n_uid_map);
        p->gid_map = get_idmaps(&rd, o, "gidMap", &p->n_gid_map);
        if ((v = get(&rd, o, "devices", json_type_array, true))) {
                size_t n = json_object_array_length(v);
                p->devices = n ? calloc(n, sizeof(PlanDevice)) : NULL;
                if (n && !p->devices)
                        rd.r = -ENOMEM;
                for (size_t i = 0; rd.r >= 0 && i < n; i++) {
                        PlanDevice *d = &p->devices[i];
                        _cleanup_free_ char *type = NULL;
                        e = json_object_array_get_idx(v, i);
                        if (!json_object_is_type(e, json_type_object)) {
                                rd.r = plan_errorf(ret_error, -EBADMSG,
                                                   "container plan: \"devices\"[%zu]: expected an object", i);
                                break;
                        }
                        p->n_devices = i + 1;
                        d->host_path = get_str(&rd, e, "hostPath", false);
                        d->path = get_str(&rd, e, "path", false);
                        type = get_str(&rd, e, "type", false);
                        d->major = (unsigned) get_int(&rd, e, "major", 0, UINT32_MAX);
                        d->minor = (unsigned) get_int(&rd, e, "minor", 0, UINT32_MAX);
                        d->access = (unsigned) get_int(&rd, e, "access", 0, 7);
                        if (rd.r >= 0 && (!type || !IN_SET(type[0], 'c', 'b') || type[1] || d->path[0] != '/'))
                                rd.r = plan_errorf(ret_error, -EBADMSG,
                                                   "container plan: \"devices\"[%zu]: bad type or path", i);
                        if (type)
                                d->type = type[0];
                }
        }
        p->etc_hosts = get_str(&rd, o, "etcHosts", true);
        p->etc_hostname = get_str(&rd, o, "etcHostname", true);
        p->etc_resolv_conf = get_str(&rd, o, "etcResolvConf", true);
        p->timezone = get_str(&rd, o, "timezone", true);

        if ((v = get(&rd, o, "mounts", json_type_array, false))) {
                size_t n = json_object_array_length(v);
                p->mounts = n ? calloc(n, sizeof(PlanMount)) : NULL;
                if (n && !p->mounts)
                        return -ENOMEM;
                for (size_t i = 0; i < n && rd.r >= 0; i++) {
                        PlanMount *m = &p->mounts[i];
                        e = json_object_array_get_idx(v, i);
                        if (!json_object_is_type(e, json_type_object)) {
                                rd.r = plan_errorf(ret_error, -EBADMSG,
                                                   "container plan: \"mounts\"[%zu]: expected an object", i);
                                break;
                        }
                        p->n_mounts = i + 1;
                        m->destination = get_str(&rd, e, "destination", false);
                        m->type = get_str(&rd, e, "type", false);
                        m->source = get_str(&rd, e, "source", false);
                        m->flags = (unsigned long) get_int(&rd, e, "flags", 0, UINT32_MAX);
                        m->propagation = (unsigned long) get_int(&rd, e, "propagation", 0, UINT32_MAX);
                        m->data = get_str(&rd, e, "data", true);
                        m->extra = (unsigned) get_int(&rd, e, "extra", 0, 0xff);
                        if (rd.r >= 0 && m->destination[0] != '/')
                                rd.r = plan_errorf(
                                        ret_error, -EBADMSG,
                                        "container plan: \"mounts\"[%zu].destination: not absolute", i);
                }
        }
        p->masked_paths = get_strv(&rd, o, "maskedPaths");
        p->readonly_paths = get_strv(&rd, o, "readonlyPaths");
        p->privileged = get_bool(&rd, o, "privileged");
        p->no_new_privs = get_bool(&rd, o, "noNewPrivileges");
        if ((v = get(&rd, o, "capabilities", json_type_object, false))) {
                p->caps.bounding = (uint64_t) get_int(&rd, v, "bounding", 0, INT64_MAX);
                p->caps.permitted = (uint64_t) get_int(&rd, v, "permitted", 0, INT64_MAX);
                p->caps.effective = (uint64_t) get_int(&rd, v, "effective", 0, INT64_MAX);
                p->caps.inheritable = (uint64_t) get_int(&rd, v, "inheritable", 0, INT64_MAX);
                p->caps.ambient = (uint64_t) get_int(&rd, v, "ambient", 0, INT64_MAX);
        }
        if ((v = get(&rd, o, "seccomp", json_type_object, false))) {
                p->seccomp.kind = get_enum(&rd, v, "kind", seccomp_from);
                p->seccomp.profile_path = get_str(&rd, v, "profilePath", true);
                p->seccomp.profile_json = get_str(&rd, v, "profile", true);
                if (rd.r >= 0 && (p->seccomp.kind == SECCOMP_KIND_CUSTOM) != !!p->seccomp.profile_json)
                        rd.r = plan_errorf(ret_error, -EBADMSG,
                                           "container plan: seccomp: a profile goes with kind custom only");
        }
        if ((v = get(&rd, o, "sysctls", json_type_array, false))) {
                size_t n = json_object_array_length(v);
                p->sysctls.items = n ? calloc(n, sizeof(Sysctl)) : NULL;
                if (n && !p->sysctls.items)
                        return -ENOMEM;
                for (size_t i = 0; i < n && rd.r >= 0; i++) {
                        e = json_object_array_get_idx(v, i);
                        if (!json_object_is_type(e, json_type_object)) {
                                rd.r = plan_errorf(ret_error, -EBADMSG,
                                                   "container plan: \"sysctls\"[%zu]: expected an object",
                                                   i);
                                break;
                        }
                        p->sysctls.n = i + 1;
                        p->sysctls.items[i].key = get_str(&rd, e, "key", false);
                        p->sysctls.items[i].value = get_str(&rd, e, "value", false);
                }
        }
        if ((v = get(&rd, o, "rlimits", json_type_array, false))) {
                size_t n = json_object_array_length(v);
                if (n > RLIM_NLIMITS)
                        rd.r = plan_errorf(ret_error, -EBADMSG, "container plan: \"rlimits\": too many");
                for (size_t i = 0; i < n && rd.r >= 0; i++) {
                        Rlimit *l = &p->rlimits.items[i];
                        int64_t s, h;
                        e = json_object_array_get_idx(v, i);
                        if (!json_object_is_type(e, json_type_object)) {
                                rd.r = plan_errorf(ret_error, -EBADMSG,
                                                   "container plan: \"rlimits\"[%zu]: expected an object",
                                                   i);
                                break;
                        }
                        l->resource = (int) get_int(&rd, e, "resource", 0, RLIM_NLIMITS - 1);
                        s = get_int(&rd, e, "soft", -1, INT64_MAX);
                        h = get_int(&rd, e, "hard", -1, INT64_MAX);
                        l->soft = s < 0 ? RLIM_INFINITY : (rlim_t) s;
                        l->hard = h < 0 ? RLIM_INFINITY : (rlim_t) h;
                        p->rlimits.n = i + 1;
                }
        }
        p->cgroups = get_enum(&rd, o, "cgroups", cgroups_from);
        if ((v = get(&rd, o, "limits", json_type_object, false))) {
                p->limits.memory = get_int(&rd, v, "memory", 0, INT64_MAX);
                p->limits.memory_swap = get_int(&rd, v, "memorySwap", -1, INT64_MAX);
                p->limits.cpu_quota = get_int(&rd, v, "cpuQuota", 0, INT64_MAX);
                p->limits.cpu_period = (uint64_t) get_int(&rd, v, "cpuPeriod", 0, INT64_MAX);
                p->limits.cpu_shares = (uint64_t) get_int(&rd, v, "cpuShares", 0, INT64_MAX);
                p->limits.pids_limit = get_int(&rd, v, "pidsLimit", -1, INT64_MAX);
        }
        p->cgroup_parent = get_str(&rd, o, "cgroupParent", true);
        if (p->cgroup_parent && (v = get(&rd, o, "parentLimits", json_type_object, false))) {
                p->parent_limits.memory = get_int(&rd, v, "memory", 0, INT64_MAX);
                p->parent_limits.memory_swap = get_int(&rd, v, "memorySwap", -1, INT64_MAX);
                p->parent_limits.cpu_quota = get_int(&rd, v, "cpuQuota", 0, INT64_MAX);
                p->parent_limits.cpu_period = (uint64_t) get_int(&rd, v, "cpuPeriod", 0, INT64_MAX);
                p->parent_limits.cpu_shares = (uint64_t) get_int(&rd, v, "cpuShares", 0, INT64_MAX);
        }
        if (rd.r < 0)
                return rd.r;
        if (!p->argv || !p->rootfs == !p->lower_dirs)
                return plan_errorf(ret_error, -EBADMSG,
                                   "container plan: needs argv and either rootfs or lowerDirs");
        *ret = TAKE_PTR(p);
        return 0;
}

int container_plan_from_string(const char *s, ContainerPlan **ret, char **ret_error) {
        _cleanup_json_ json_object *o = NULL;
        enum json_tokener_error err;

        o = json_tokener_parse_verbose(s, &err);
        if (!o)
                return plan_errorf(ret_error, -EBADMSG, "container plan: %s", json_tokener_error_desc(err));
        return container_plan_from_json(o, ret, ret_error);
}
