#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/json-util.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "play/expand.h"
#include "play/kube-plan.h"

/* The environment being built for one container, in Kubernetes' order: envFrom sources first (in
 * order, each ConfigMap/Secret's keys sorted), then env entries; a later definition of a name
 * replaces the value but keeps the first one's position, as a map would. */
typedef struct EnvEntry {
        char *name;
        char *value; /* NULL when only known when the pod starts */
        char *source;
        bool secret;
} EnvEntry;

typedef struct EnvList {
        EnvEntry *v;
        size_t n;
        bool used_secret; /* set by env_lookup(): the last expansion took a Secret's value */
} EnvList;

static void env_list_done(EnvList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].name);
                free(l->v[i].value);
                free(l->v[i].source);
        }
        free(l->v);
}

static int env_set(EnvList *l, const char *name, const char *value, size_t value_len, const char *source, bool secret) {
        EnvEntry *e = NULL;
        char *val = NULL, *src = strdup(source);

        if (!src)
                return -ENOMEM;
        if (value && !(val = strndup(value, value_len))) {
                free(src);
                return -ENOMEM;
        }
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->v[i].name, name)) {
                        e = &l->v[i];
                        break;
                }
        if (!e) {
                EnvEntry *n = realloc(l->v, (l->n + 1) * sizeof(EnvEntry));
                char *nm = strdup(name);

                if (!n || !nm) {
                        if (n)
                                l->v = n;
                        free(nm);
                        free(val);
                        free(src);
                        return -ENOMEM;
                }
                l->v = n;
                e = &l->v[l->n++];
                *e = (EnvEntry) { .name = nm };
        } else {
                free(e->value);
                free(e->source);
        }
        e->value = val;
        e->source = src;
        e->secret = secret;
        return 0;
}

static const char *env_lookup(const char *name, void *userdata) {
        EnvList *l = userdata;

        for (size_t i = 0; i < l->n; i++)
                if (streq(l->v[i].name, name)) {
                        /* A value built from a Secret is as secret as the Secret. */
                        if (l->v[i].secret && l->v[i].value)
                                l->used_secret = true;
                        return l->v[i].value; /* a value known only at start does not expand */
                }
        return NULL;
}

static int key_cmp(const void *a, const void *b) {
        return strcmp((*(const KStrPair *const *) a)->key.v, (*(const KStrPair *const *) b)->key.v);
}

/* Adds every key of a ConfigMap or Secret, sorted by key (Go iterates maps in random order; sorted
 * is the one order a person can predict). */
static int env_add_all(EnvList *l, const KubeObject *o, const char *prefix) {
        const KStrMap *maps[2];
        const KStrPair **pairs;
        size_t n = 0, k = 0;
        bool secret = o->kind == KUBE_SECRET;
        int r = 0;

        /* The kubelet imports a ConfigMap's data, not its binaryData; a Secret's data and stringData. */
        static const KStrMap empty = {};
        maps[0] = secret ? &o->secret->data : &o->config_map->data;
        maps[1] = secret ? &o->secret->string_data : &empty;
        n = maps[0]->n + maps[1]->n;
        pairs = calloc(n + 1, sizeof(*pairs));
        if (!pairs)
                return -ENOMEM;
        for (size_t m = 0; m < 2; m++)
                for (size_t i = 0; i < maps[m]->n; i++)
                        pairs[k++] = &maps[m]->v[i];
        qsort(pairs, n, sizeof(*pairs), key_cmp);
        for (size_t i = 0; i < n && r >= 0; i++) {
                const KStrPair *p = pairs[i];
                /* maps[0]->v is NULL for a Secret with stringData only: NULL + 0 is undefined */
                bool b64 = secret && maps[0]->n > 0 && p >= maps[0]->v && p < maps[0]->v + maps[0]->n;
                _cleanup_free_ char *name = NULL, *src = NULL, *dec = NULL;
                size_t len = 0;

                if (asprintf(&name, "%s%s", strempty(prefix), p->key.v) < 0 ||
                    asprintf(&src, "%s %s key %s", secret ? "secret" : "configMap", o->metadata->name.v, p->key.v) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (strchr(name, '='))
                        continue; /* not a valid variable name: the kubelet skips it too */
                if (b64) {
                        if (base64_decode(strempty(p->value.v), strlen(strempty(p->value.v)), &dec, &len, NULL) < 0)
                                continue;
                        /* stringData wins over data for the same key */
                        if (secret && kstrmap_get(&o->secret->string_data, p->key.v))
                                continue;
                        r = env_set(l, name, dec, len, src, secret);
                } else
                        r = env_set(l, name, strempty(p->value.v), strlen(strempty(p->value.v)), src, secret);
        }
        free(pairs);
        return r;
}

/* The bytes of one key of a ConfigMap or Secret. */
static int object_value(const KubeObject *o, const char *key, char **ret, size_t *ret_len) {
        const KStr *s;

        if (o->kind == KUBE_SECRET) {
                if ((s = kstrmap_get(&o->secret->string_data, key)))
                        goto plain;
                if ((s = kstrmap_get(&o->secret->data, key)))
                        return base64_decode(strempty(s->v), strlen(strempty(s->v)), ret, ret_len, NULL);
                return -ENOENT;
        }
        /* configMapKeyRef reads data only, as the kubelet does: binaryData is for volumes. */
        if (!(s = kstrmap_get(&o->config_map->data, key)))
                return -ENOENT;
plain:
        *ret = strdup(strempty(s->v));
        if (!*ret)
                return -ENOMEM;
        *ret_len = strlen(*ret);
        return 0;
}

static int64_t ceil_div(int64_t a, int64_t b) {
        if (b <= 0)
                return 0;
        return a / b + (a % b != 0 && a > 0);
}

/* resourceFieldRef: the limit (or the node's capacity when no limit is set), the request (or the limit,
 * Kubernetes' defaulting, or 0), divided by the divisor and rounded up. */
static int64_t resource_value(const KContainer *c, const KResourceFieldRef *r, const PlanHost *host) {
        bool limits = startswith(r->resource.v, "limits.") != NULL;
        const char *res = strchr(r->resource.v, '.') + 1;
        bool cpu = streq(res, "cpu");
        const KQuantity *lim = c->resources ? kquantitymap_get(&c->resources->limits, res) : NULL;
        const KQuantity *req = c->resources ? kquantitymap_get(&c->resources->requests, res) : NULL;
        Quantity one = { .mantissa = 1 };
        const Quantity *div = r->divisor.set && r->divisor.valid ? &r->divisor.q : &one;
        int64_t milli;

        if (limits) {
                if (lim && lim->valid)
                        milli = quantity_milli_value(&lim->q);
                else if (cpu)
                        milli = host->cpus * 1000;
                else
                        milli = -1; /* memory/storage: bytes below */
        } else {
                const KQuantity *q = req && req->valid ? req : (lim && lim->valid ? lim : NULL);
                milli = q ? quantity_milli_value(&q->q) : 0;
        }
        if (cpu)
                return ceil_div(milli, quantity_milli_value(div));
        if (limits && !(lim && lim->valid))
                return ceil_div(streq(res, "memory") ? host->memory_bytes : 0, quantity_value(div));
        {
                const KQuantity *q = limits ? lim : (req && req->valid ? req : (lim && lim->valid ? lim : NULL));
                return q ? ceil_div(quantity_value(&q->q), quantity_value(div)) : 0;
        }
}

static const char *field_value(const KubeObject *o, const KObjectMeta *pod_meta, const char *path, const PlanHost *host,
                               bool *ret_known) {
        const char *key;
        const KStrMap *map = NULL;

        *ret_known = true;
        if (streq(path, "metadata.name"))
                return o->pod_name;
        if (streq(path, "metadata.namespace"))
                return o->metadata && o->metadata->namespace_.v ? o->metadata->namespace_.v : "default";
        if (streq(path, "spec.nodeName"))
                return host->hostname;
        if (streq(path, "spec.serviceAccountName"))
                return "default";
        if ((key = startswith(path, "metadata.labels['")))
                map = pod_meta ? &pod_meta->labels : NULL;
        else if ((key = startswith(path, "metadata.annotations['")))
                map = pod_meta ? &pod_meta->annotations : NULL;
        if (key) {
                char buf[320];
                size_t len = strlen(key);
                const KStr *s;

                if (len < 2 || len - 2 >= sizeof(buf))
                        return "";
                memcpy(buf, key, len - 2);
                buf[len - 2] = 0;
                s = map ? kstrmap_get(map, buf) : NULL;
                return s ? strempty(s->v) : "";
        }
        /* metadata.uid, status.podIP, status.hostIP… exist once the pod does. */
        *ret_known = false;
        return NULL;
}

static const KContainer *find_container(const KPodSpec *spec, const char *name, const KContainer *fallback) {
        if (!name || !*name)
                return fallback;
        for (size_t i = 0; i < spec->containers.n; i++)
                if (streq_ptr(spec->containers.v[i].name.v, name))
                        return &spec->containers.v[i];
        for (size_t i = 0; i < spec->init_containers.n; i++)
                if (streq_ptr(spec->init_containers.v[i].name.v, name))
                        return &spec->init_containers.v[i];
        return fallback;
}

static int build_env(const KubeSet *set, const KubeObject *o, const KObjectMeta *pod_meta, const KPodSpec *spec,
                     const KContainer *c, const PlanHost *host, EnvList *env) {
        int r;

        for (size_t i = 0; i < c->env_from.n; i++) {
                const KEnvFromSource *e = &c->env_from.v[i];
                const KRefOptional *ref = e->config_map_ref ?: e->secret_ref;
                const KubeObject *src;

                if (!ref || !ref->name.v)
                        continue;
                src = kube_set_find(set, e->config_map_ref ? KUBE_CONFIG_MAP : KUBE_SECRET, ref->name.v);
                if (!src)
                        continue; /* optional and missing */
                r = env_add_all(env, src, e->prefix.v);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->env.n; i++) {
                const KEnvVar *e = &c->env.v[i];
                const KEnvVarSource *s = e->value_from;
                _cleanup_free_ char *src = NULL, *val = NULL;
                size_t len = 0;
                bool secret = false, known = true;

                if (!e->name.v)
                        continue;
                if (!s) {
                        env->used_secret = false;
                        val = k8s_expand(strempty(e->value.v), env_lookup, env);
                        if (!val)
                                return -ENOMEM;
                        secret = env->used_secret;
                        len = strlen(val);
                        src = strdup(secret ? "env, expanding a Secret" : "env");
                } else if (s->config_map_key_ref || s->secret_key_ref) {
                        const KKeySelector *k = s->config_map_key_ref ?: s->secret_key_ref;
                        const KubeObject *obj = kube_set_find(set, s->config_map_key_ref ? KUBE_CONFIG_MAP : KUBE_SECRET,
                                                              k->name.v ?: "");
                        secret = s->secret_key_ref != NULL;
                        if (!obj || object_value(obj, k->key.v ?: "", &val, &len) < 0)
                                continue; /* optional and missing: the variable is not set */
                        if (asprintf(&src, "%s %s key %s", secret ? "secret" : "configMap", k->name.v, k->key.v) < 0)
                                src = NULL;
                } else if (s->field_ref) {
                        const char *fv = field_value(o, pod_meta, strempty(s->field_ref->field_path.v), host, &known);
                        if (fv && !(val = strdup(fv)))
                                return -ENOMEM;
                        len = val ? strlen(val) : 0;
                        if (asprintf(&src, "fieldRef %s%s", s->field_ref->field_path.v, known ? "" : " (known when the pod starts)") < 0)
                                src = NULL;
                } else if (s->resource_field_ref) {
                        const KContainer *target = find_container(spec, s->resource_field_ref->container_name.v, c);
                        if (asprintf(&val, "%lld", (long long) resource_value(target, s->resource_field_ref, host)) < 0)
                                val = NULL;
                        if (!val)
                                return -ENOMEM;
                        len = strlen(val);
                        if (asprintf(&src, "resourceFieldRef %s", s->resource_field_ref->resource.v) < 0)
                                src = NULL;
                } else
                        continue;
                if (!src)
                        return -ENOMEM;
                r = env_set(env, e->name.v, val, len, src, secret);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Expands $(VAR) in each string against env (NULL: no expansion). Strings that took a Secret's value
 * are shown as "(secret)" unless show_secrets. */
static json_object *strlist_json(const KStrList *l, EnvList *env, bool show_secrets) {
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_free_ char *s = NULL;

                if (env) {
                        env->used_secret = false;
                        s = k8s_expand(strempty(l->v[i].v), env_lookup, env);
                        if (s && env->used_secret && !show_secrets) {
                                free(s);
                                s = strdup("(secret)");
                        }
                } else
                        s = strdup(strempty(l->v[i].v));
                if (!s || json_array_add(a, json_object_new_string(s)) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static int add_argv(json_object *c, const KContainer *k, EnvList *env, bool show_secrets) {
        json_object *argv = json_object_new_object();
        const char *rule;
        int r;

        if (!argv)
                return -ENOMEM;
        /* Kubernetes' table: command replaces the image's Entrypoint and drops its Cmd; args replaces
         * Cmd and keeps the Entrypoint (or command). */
        /* An empty list is "not set", as the kubelet and container runtimes read it. */
        if (k->command.n > 0 && k->args.n > 0)
                rule = "command+args";
        else if (k->command.n > 0)
                rule = "command";
        else if (k->args.n > 0)
                rule = "image-entrypoint+args";
        else
                rule = "image";
        r = json_add_string(argv, "rule", rule);
        if (r >= 0 && k->command.n > 0)
                r = json_add_object(argv, "command", strlist_json(&k->command, env, show_secrets));
        if (r >= 0 && k->args.n > 0)
                r = json_add_object(argv, "args", strlist_json(&k->args, env, show_secrets));
        if (r < 0) {
                json_object_put(argv);
                return r;
        }
        return json_add_object(c, "argv", argv);
}

/* Adds parent[key] = [ fill(0), fill(1), … fill(n-1) ], each fill() filling a new object. The one
 * loop, with its error handling, behind every list in the plan. */
typedef int (*FillFunc)(json_object *o, size_t i, const void *userdata);

static int add_object_array(json_object *parent, const char *key, size_t n, FillFunc fill, const void *userdata) {
        json_object *a = json_object_new_array();
        int r = 0;

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++) {
                json_object *o = json_object_new_object();

                r = o ? fill(o, i, userdata) : -ENOMEM;
                if (r >= 0)
                        r = json_array_add(a, o);
                else
                        json_object_put(o);
        }
        if (r < 0) {
                json_object_put(a);
                return r;
        }
        return json_add_object(parent, key, a);
}

typedef struct EnvFill {
        const EnvList *env;
        const PlanOptions *opts;
} EnvFill;

static int fill_env(json_object *o, size_t i, const void *userdata) {
        const EnvFill *f = userdata;
        const EnvEntry *e = &f->env->v[i];
        int r;

        r = json_add_string(o, "name", e->name);
        if (r >= 0) {
                if (!e->value)
                        r = json_add_null(o, "value");
                else if (e->secret && !f->opts->show_secrets)
                        r = json_add_string(o, "value", "(secret)");
                else
                        r = json_add_string(o, "value", e->value);
        }
        if (r >= 0)
                r = json_add_string(o, "source", e->source);
        if (r >= 0 && e->secret)
                r = json_add_bool(o, "secret", true);
        return r;
}

static const char *propagation(const char *k8s) {
        if (!k8s || streq(k8s, "None"))
                return "private";
        if (streq(k8s, "HostToContainer"))
                return "rslave";
        return "rshared";
}

static int fill_mount(json_object *o, size_t i, const void *userdata) {
        const KVolumeMount *m = &((const KContainer *) userdata)->volume_mounts.v[i];
        int r;

        r = json_add_string(o, "volume", strempty(m->name.v));
        if (r >= 0)
                r = json_add_string(o, "path", strempty(m->mount_path.v));
        if (r >= 0)
                r = json_add_bool(o, "readOnly", m->read_only.v);
        if (r >= 0 && m->sub_path.v && *m->sub_path.v)
                r = json_add_string(o, "subPath", m->sub_path.v);
        if (r >= 0)
                r = json_add_string(o, "propagation", propagation(m->mount_propagation.v));
        return r;
}

static int fill_port(json_object *o, size_t i, const void *userdata) {
        const KContainerPort *p = &((const KContainer *) userdata)->ports.v[i];
        char proto[8] = "tcp";
        int r;

        if (p->protocol.v)
                for (size_t j = 0; j < sizeof(proto) - 1 && p->protocol.v[j]; j++)
                        proto[j] = (char) (p->protocol.v[j] | 0x20), proto[j + 1] = 0;
        r = json_add_int(o, "containerPort", p->container_port.v);
        if (r >= 0 && p->host_port.v > 0)
                r = json_add_int(o, "hostPort", p->host_port.v);
        if (r >= 0)
                r = json_add_string(o, "protocol", proto);
        if (r >= 0 && p->host_ip.v)
                r = json_add_string(o, "hostIP", p->host_ip.v);
        if (r >= 0 && p->name.v)
                r = json_add_string(o, "name", p->name.v);
        /* Only a hostPort is published, as in Kubernetes and podman. */
        if (r >= 0)
                r = json_add_bool(o, "published", p->host_port.v > 0);
        return r;
}

static json_object *caps_json(const KStrList *l) {
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; l && i < l->n; i++) {
                const char *s = strempty(l->v[i].v);
                char buf[64];
                size_t k = 0;

                /* podman's spelling: CAP_NET_ADMIN, upper case */
                if (!startswith(s, "CAP_") && !startswith(s, "cap_") && strcasecmp(s, "ALL") != 0)
                        k = (size_t) snprintf(buf, sizeof(buf), "CAP_");
                for (; *s && k < sizeof(buf) - 1; s++)
                        buf[k++] = (char) (*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
                buf[k] = 0;
                if (json_array_add(a, json_object_new_string(buf)) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

/* The container's effective security settings: container fields over pod fields, skiff's (podman's)
 * defaults under both. */
static int add_security(json_object *c, const KContainer *k, const KPodSpec *spec) {
        const KSecurityContext *sc = k->security_context;
        const KPodSecurityContext *psc = spec->security_context;
        json_object *o = json_object_new_object();
        const KSeccompProfile *sp = sc && sc->seccomp_profile ? sc->seccomp_profile : (psc ? psc->seccomp_profile : NULL);
        int r;

        if (!o)
                return -ENOMEM;
        if (sc && sc->run_as_user.set)
                r = json_add_int(o, "runAsUser", sc->run_as_user.v);
        else if (psc && psc->run_as_user.set)
                r = json_add_int(o, "runAsUser", psc->run_as_user.v);
        else
                r = json_add_string(o, "runAsUser", "image");
        if (r >= 0 && sc && sc->run_as_group.set)
                r = json_add_int(o, "runAsGroup", sc->run_as_group.v);
        else if (r >= 0 && psc && psc->run_as_group.set)
                r = json_add_int(o, "runAsGroup", psc->run_as_group.v);
        else if (r >= 0)
                r = json_add_string(o, "runAsGroup", "image");
        if (r >= 0)
                r = json_add_bool(o, "runAsNonRoot", sc && sc->run_as_non_root.set ? sc->run_as_non_root.v
                                                                                   : psc && psc->run_as_non_root.v);
        if (r >= 0 && psc && psc->supplemental_groups.n) {
                json_object *g = json_object_new_array();
                for (size_t i = 0; g && i < psc->supplemental_groups.n; i++)
                        json_array_add(g, json_object_new_int64(psc->supplemental_groups.v[i].v));
                r = json_add_object(o, "supplementalGroups", g);
        }
        if (r >= 0 && psc && psc->fs_group.set)
                r = json_add_int(o, "fsGroup", psc->fs_group.v);
        if (r >= 0)
                r = json_add_bool(o, "privileged", sc && sc->privileged.v);
        if (r >= 0)
                r = json_add_bool(o, "readOnlyRootFilesystem", sc && sc->read_only_root_filesystem.v);
        if (r >= 0)
                r = json_add_bool(o, "noNewPrivileges",
                                  sc && sc->allow_privilege_escalation.set && !sc->allow_privilege_escalation.v);
        if (r >= 0)
                r = json_add_object(o, "capAdd", caps_json(sc && sc->capabilities ? &sc->capabilities->add : NULL));
        if (r >= 0)
                r = json_add_object(o, "capDrop", caps_json(sc && sc->capabilities ? &sc->capabilities->drop : NULL));
        if (r >= 0)
                r = json_add_string(o, "seccomp",
                                    !sp || !sp->type.v ? "RuntimeDefault"
                                    : streq(sp->type.v, "Localhost") ? strempty(sp->localhost_profile.v)
                                                                     : sp->type.v);
        if (r >= 0)
                r = json_add_string(o, "procMount", sc && sc->proc_mount.v ? sc->proc_mount.v : "Default");
        if (r >= 0 && psc && psc->sysctls.n) {
                json_object *s = json_object_new_object();
                for (size_t i = 0; s && i < psc->sysctls.n; i++)
                        json_add_string(s, strempty(psc->sysctls.v[i].name.v), strempty(psc->sysctls.v[i].value.v));
                r = json_add_object(o, "sysctls", s);
        }
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        return json_add_object(c, "security", o);
}

static int add_resources(json_object *c, const KContainer *k) {
        json_object *o = json_object_new_object();
        const KQuantity *q;
        int r = 0;

        if (!o)
                return -ENOMEM;
        if (k->resources) {
                if ((q = kquantitymap_get(&k->resources->limits, "memory")) && q->valid)
                        r = json_add_int(o, "memoryLimitBytes", quantity_value(&q->q));
                if (r >= 0 && (q = kquantitymap_get(&k->resources->requests, "memory")) && q->valid)
                        r = json_add_int(o, "memoryRequestBytes", quantity_value(&q->q));
                if (r >= 0 && (q = kquantitymap_get(&k->resources->limits, "cpu")) && q->valid)
                        r = json_add_int(o, "cpuLimitMillicores", quantity_milli_value(&q->q));
                if (r >= 0 && (q = kquantitymap_get(&k->resources->requests, "cpu")) && q->valid)
                        r = json_add_int(o, "cpuRequestMillicores", quantity_milli_value(&q->q));
        }
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        return json_add_object(c, "resources", o);
}

static int64_t port_number(const KContainer *c, const KIntOrStr *port) {
        if (!port->is_str)
                return port->i;
        for (size_t i = 0; i < c->ports.n; i++)
                if (c->ports.v[i].name.v && streq(c->ports.v[i].name.v, port->s))
                        return c->ports.v[i].container_port.v;
        return 0;
}

/* The handler of a probe or lifecycle hook as the supervisor runs it: a named port resolved to its
 * number, headers as "Name: value" lines. */
static json_object *target_json(const KContainer *c, const KHTTPGetAction *h, const KTCPSocketAction *t) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (h) {
                json_object *hdr = json_object_new_array();
                json_add_string(o, "type", "httpGet");
                json_add_string(o, "host", h->host.v);
                json_add_int(o, "port", port_number(c, &h->port));
                json_add_string(o, "path", h->path.v ?: "/");
                json_add_string(o, "scheme", h->scheme.v ?: "HTTP");
                for (size_t i = 0; hdr && i < h->http_headers.n; i++) {
                        _cleanup_free_ char *line = NULL;
                        if (asprintf(&line, "%s: %s", strempty(h->http_headers.v[i].name.v),
                                     strempty(h->http_headers.v[i].value.v)) >= 0)
                                json_array_add(hdr, json_object_new_string(line));
                }
                json_add_object(o, "headers", hdr);
        } else if (t) {
                json_add_string(o, "type", "tcpSocket");
                json_add_string(o, "host", t->host.v);
                json_add_int(o, "port", port_number(c, &t->port));
        }
        return o;
}

static json_object *handler_json(const KContainer *c, const KLifecycleHandler *h) {
        json_object *o;

        if (!h)
                return NULL;
        if (h->http_get || h->tcp_socket)
                return target_json(c, h->http_get, h->tcp_socket);
        o = json_object_new_object();
        if (!o)
                return NULL;
        if (h->exec) {
                json_add_string(o, "type", "exec");
                json_add_object(o, "command", strlist_json(&h->exec->command, NULL, true));
        } else if (h->sleep) {
                json_add_string(o, "type", "sleep");
                json_add_int(o, "seconds", h->sleep->seconds.v);
        }
        return o;
}

static json_object *probe_json(const KContainer *c, const KProbe *p, const PlanOptions *opts) {
        json_object *o;

        if (!p)
                return NULL;
        o = json_object_new_object();
        if (!o)
                return NULL;
        if (opts->runtime && (p->http_get || p->tcp_socket))
                json_add_object(o, "target", target_json(c, p->http_get, p->tcp_socket));
        if (p->exec)
                json_add_object(o, "exec", strlist_json(&p->exec->command, NULL, true));
        else if (p->http_get) {
                _cleanup_free_ char *url = NULL;
                bool https = p->http_get->scheme.v && streq(p->http_get->scheme.v, "HTTPS");
                /* The supervisor probes from inside the pod's network namespace: localhost is the pod. */
                if (asprintf(&url, "%s://%s:%lld%s", https ? "https" : "http", p->http_get->host.v ?: "127.0.0.1",
                             (long long) port_number(c, &p->http_get->port), p->http_get->path.v ?: "/") < 0)
                        url = NULL;
                json_add_string(o, "httpGet", url ?: "");
        } else if (p->tcp_socket) {
                json_add_int(o, "tcpSocket", port_number(c, &p->tcp_socket->port));
        }
        /* Kubernetes' defaults for what is not set */
        json_add_int(o, "initialDelaySeconds", p->initial_delay_seconds.set ? p->initial_delay_seconds.v : 0);
        json_add_int(o, "periodSeconds", p->period_seconds.set ? p->period_seconds.v : 10);
        json_add_int(o, "timeoutSeconds", p->timeout_seconds.set ? p->timeout_seconds.v : 1);
        json_add_int(o, "successThreshold", p->success_threshold.set ? p->success_threshold.v : 1);
        json_add_int(o, "failureThreshold", p->failure_threshold.set ? p->failure_threshold.v : 3);
        return o;
}

static int add_container(json_object *list, const KubeSet *set, const KubeObject *o, const KObjectMeta *pod_meta,
                         const KPodSpec *spec, const KContainer *k, bool init, const PlanHost *host,
                         const PlanOptions *opts) {
        _cleanup_(json_object_putp) json_object *c = json_object_new_object();
        _cleanup_free_ char *full = NULL;
        EnvList env = {};
        const char *policy;
        int r;

        if (!c)
                return -ENOMEM;
        if (asprintf(&full, "%s-%s", o->pod_name, strempty(k->name.v)) < 0)
                return -ENOMEM;
        /* Kubernetes' default pull policy: Always for :latest or no tag, IfNotPresent otherwise. */
        if (k->image_pull_policy.v)
                policy = k->image_pull_policy.v;
        else {
                /* The tag is what follows the last ':' of the last path component, before any digest. */
                _cleanup_free_ char *name = strndup(strempty(k->image.v), strcspn(strempty(k->image.v), "@"));
                const char *slash = name ? strrchr(name, '/') : NULL, *tag = name ? strrchr(slash ?: name, ':') : NULL;
                bool digest = strchr(strempty(k->image.v), '@') != NULL;

                if (!name)
                        return -ENOMEM;
                policy = tag ? (streq(tag, ":latest") ? "Always" : "IfNotPresent") : (digest ? "IfNotPresent" : "Always");
                /* As podman: "localhost/" names images built or loaded here, which no registry serves. */
                if (startswith(name, "localhost/"))
                        policy = "IfNotPresent";
        }
        r = json_add_string(c, "name", full);
        if (r >= 0)
                r = json_add_string(c, "containerName", strempty(k->name.v));
        if (r >= 0)
                r = json_add_string(c, "image", strempty(k->image.v));
        if (r >= 0)
                r = json_add_string(c, "pullPolicy", policy);
        if (r >= 0 && init)
                r = json_add_string(c, "type", k->restart_policy.v ? "sidecar" : "init");
        if (r >= 0)
                r = build_env(set, o, pod_meta, spec, k, host, &env);
        if (r >= 0)
                r = add_argv(c, k, &env, opts->show_secrets);
        if (r >= 0)
                r = json_add_string(c, "workingDir", k->working_dir.v ?: "image");
        if (r >= 0)
                r = add_object_array(c, "env", env.n, fill_env, &(EnvFill) { .env = &env, .opts = opts });
        if (r >= 0)
                r = add_object_array(c, "mounts", k->volume_mounts.n, fill_mount, k);
        if (r >= 0)
                r = add_object_array(c, "ports", k->ports.n, fill_port, k);
        if (r >= 0)
                r = add_security(c, k, spec);
        if (r >= 0)
                r = add_resources(c, k);
        if (r >= 0 && k->liveness_probe)
                r = json_add_object(c, "livenessProbe", probe_json(k, k->liveness_probe, opts));
        if (r >= 0 && k->readiness_probe)
                r = json_add_object(c, "readinessProbe", probe_json(k, k->readiness_probe, opts));
        if (r >= 0 && k->startup_probe)
                r = json_add_object(c, "startupProbe", probe_json(k, k->startup_probe, opts));
        if (r >= 0 && opts->runtime && k->lifecycle) {
                json_object *l = json_object_new_object();
                if (l && k->lifecycle->post_start)
                        json_add_object(l, "postStart", handler_json(k, k->lifecycle->post_start));
                if (l && k->lifecycle->pre_stop)
                        json_add_object(l, "preStop", handler_json(k, k->lifecycle->pre_stop));
                if (l && k->lifecycle->stop_signal.v)
                        json_add_string(l, "stopSignal", k->lifecycle->stop_signal.v);
                r = json_add_object(c, "lifecycle", l);
        }
        if (r >= 0 && (k->tty.v || k->stdin_.v)) {
                r = json_add_bool(c, "tty", k->tty.v);
                if (r >= 0)
                        r = json_add_bool(c, "stdin", k->stdin_.v);
        }
        env_list_done(&env);
        if (r < 0)
                return r;
        return json_array_add(list, TAKE_PTR(c));
}

/* The bytes of one key of a ConfigMap (data, or binaryData decoded) or Secret, as base64 "data". */
static void add_file_data(json_object *f, const KubeObject *src, const char *key, bool secret) {
        _cleanup_free_ char *val = NULL, *b64 = NULL;
        size_t len = 0;
        const KStr *s;

        if (!secret && (s = kstrmap_get(&src->config_map->binary_data, key))) {
                b64 = strdup(strempty(s->v)); /* already base64 */
        } else {
                if (object_value(src, key, &val, &len) < 0)
                        return; /* a key that is not there: validation reported it */
                b64 = base64_encode(val, len);
        }
        if (b64)
                json_add_string(f, "data", b64);
}

static json_object *items_json(const KubeObject *src, const void *items_any, size_t n, int64_t mode, bool secret,
                               const PlanOptions *opts) {
        const KKeyToPath *items = items_any;
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        if (!src)
                return a; /* optional and missing: an empty directory */
        if (n > 0) {
                for (size_t i = 0; i < n; i++) {
                        json_object *f = json_object_new_object();
                        json_add_string(f, "path", strempty(items[i].path.v));
                        json_add_string(f, "key", strempty(items[i].key.v));
                        json_add_int(f, "mode", items[i].mode.set ? items[i].mode.v : mode);
                        if (opts->runtime)
                                add_file_data(f, src, strempty(items[i].key.v), secret);
                        json_array_add(a, f);
                }
                return a;
        }
        /* Without items: one file per key. */
        {
                const KStrMap *maps[2] = { secret ? &src->secret->data : &src->config_map->data,
                                           secret ? &src->secret->string_data : &src->config_map->binary_data };
                for (size_t m = 0; m < 2; m++)
                        for (size_t i = 0; i < maps[m]->n; i++) {
                                json_object *f;

                                /* A Secret key in both data and stringData is one file (stringData wins). */
                                if (secret && m == 0 && kstrmap_get(maps[1], maps[m]->v[i].key.v))
                                        continue;
                                f = json_object_new_object();
                                json_add_string(f, "path", maps[m]->v[i].key.v);
                                json_add_string(f, "key", maps[m]->v[i].key.v);
                                json_add_int(f, "mode", mode);
                                if (opts->runtime)
                                        add_file_data(f, src, maps[m]->v[i].key.v, secret);
                                json_array_add(a, f);
                        }
        }
        return a;
}

static json_object *volume_json(const KubeSet *set, const KVolume *v, const PlanOptions *opts) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_add_string(o, "name", strempty(v->name.v));
        if (v->host_path) {
                json_add_string(o, "type", "hostPath");
                json_add_string(o, "path", strempty(v->host_path->path.v));
                json_add_string(o, "hostPathType", v->host_path->type.v ?: "");
        } else if (v->empty_dir) {
                bool mem = v->empty_dir->medium.v && streq(v->empty_dir->medium.v, "Memory");
                json_add_string(o, "type", "emptyDir");
                json_add_string(o, "medium", mem ? "tmpfs" : "disk");
                if (v->empty_dir->size_limit.valid)
                        json_add_int(o, "sizeLimitBytes", quantity_value(&v->empty_dir->size_limit.q));
        } else if (v->config_map) {
                const KubeObject *src = kube_set_find(set, KUBE_CONFIG_MAP, strempty(v->config_map->name.v));
                int64_t mode = v->config_map->default_mode.set ? v->config_map->default_mode.v : 0644;
                json_add_string(o, "type", "configMap");
                json_add_string(o, "configMap", strempty(v->config_map->name.v));
                json_add_int(o, "defaultMode", mode);
                json_add_object(o, "files", items_json(src, v->config_map->items.v, v->config_map->items.n, mode, false, opts));
        } else if (v->secret) {
                const KubeObject *src = kube_set_find(set, KUBE_SECRET, strempty(v->secret->secret_name.v));
                /* skiff's default for secret files is 0400 (owner-only, on tmpfs); Kubernetes' is 0644. */
                int64_t mode = v->secret->default_mode.set ? v->secret->default_mode.v : 0400;
                json_add_string(o, "type", "secret");
                json_add_string(o, "secret", strempty(v->secret->secret_name.v));
                json_add_int(o, "defaultMode", mode);
                json_add_object(o, "files", items_json(src, v->secret->items.v, v->secret->items.n, mode, true, opts));
        } else if (v->persistent_volume_claim) {
                const char *claim = strempty(v->persistent_volume_claim->claim_name.v);
                json_add_string(o, "type", "persistentVolumeClaim");
                json_add_string(o, "volume", claim);
                json_add_bool(o, "declared", kube_set_find(set, KUBE_PVC, claim) != NULL);
                json_add_bool(o, "readOnly", v->persistent_volume_claim->read_only.v);
        }
        return o;
}

static int add_pod(json_object *pods, const KubeSet *set, const KubeObject *o, const PlanHost *host,
                   const PlanOptions *opts) {
        _cleanup_(json_object_putp) json_object *p = json_object_new_object();
        const KPodSpec *spec = kube_object_pod_spec(o);
        const KObjectMeta *meta = kube_object_pod_meta(o);
        json_object *a;
        int r;

        if (!p)
                return -ENOMEM;
        r = json_add_string(p, "name", o->pod_name);
        if (r >= 0)
                r = json_add_string(p, "kind", kube_kind_to_string(o->kind));
        if (r >= 0) {
                _cleanup_free_ char *where = NULL;
                if (asprintf(&where, "%s:%u", o->file, knode_line(o->node)) < 0)
                        return -ENOMEM;
                r = json_add_string(p, "source", where);
        }
        if (r >= 0)
                r = json_add_string(p, "hostname",
                                    spec->host_network.v ? host->hostname : spec->hostname.v ? spec->hostname.v : o->pod_name);
        if (r >= 0)
                r = json_add_string(p, "restartPolicy", spec->restart_policy.v ?: "Always");
        if (r >= 0)
                r = json_add_int(p, "terminationGracePeriodSeconds",
                                 spec->termination_grace_period_seconds.set ? spec->termination_grace_period_seconds.v : 30);
        if (r >= 0) {
                json_object *ns = json_object_new_object();
                json_add_string(ns, "network", spec->host_network.v ? "host" : "pod");
                json_add_string(ns, "ipc", spec->host_ipc.v ? "host" : "pod");
                json_add_string(ns, "uts", spec->host_network.v ? "host" : "pod");
                json_add_string(ns, "pid", spec->host_pid.v ? "host" : spec->share_process_namespace.v ? "pod" : "container");
                r = json_add_object(p, "namespaces", ns);
        }
        if (r >= 0 && meta && meta->labels.n) {
                json_object *l = json_object_new_object();
                for (size_t i = 0; l && i < meta->labels.n; i++)
                        json_add_string(l, meta->labels.v[i].key.v, strempty(meta->labels.v[i].value.v));
                r = json_add_object(p, "labels", l);
        }
        if (r >= 0 && opts->runtime && meta && meta->annotations.n) {
                json_object *l = json_object_new_object();
                for (size_t i = 0; l && i < meta->annotations.n; i++)
                        json_add_string(l, meta->annotations.v[i].key.v, strempty(meta->annotations.v[i].value.v));
                r = json_add_object(p, "annotations", l);
        }
        if (r >= 0 && spec->host_aliases.n) {
                a = json_object_new_array();
                for (size_t i = 0; a && i < spec->host_aliases.n; i++) {
                        json_object *h = json_object_new_object();
                        json_add_string(h, "ip", strempty(spec->host_aliases.v[i].ip.v));
                        json_add_object(h, "hostnames", strlist_json(&spec->host_aliases.v[i].hostnames, NULL, true));
                        json_array_add(a, h);
                }
                r = json_add_object(p, "hostAliases", a);
        }
        if (r >= 0 && spec->dns_config) {
                json_object *d = json_object_new_object();
                json_add_object(d, "nameservers", strlist_json(&spec->dns_config->nameservers, NULL, true));
                json_add_object(d, "searches", strlist_json(&spec->dns_config->searches, NULL, true));
                r = json_add_object(p, "dnsConfig", d);
        }
        if (r >= 0) {
                a = json_object_new_array();
                for (size_t i = 0; a && i < spec->volumes.n; i++)
                        json_array_add(a, volume_json(set, &spec->volumes.v[i], opts));
                r = json_add_object(p, "volumes", a);
        }
        if (r >= 0) {
                a = json_object_new_array();
                r = a ? 0 : -ENOMEM;
                for (size_t i = 0; r >= 0 && i < spec->init_containers.n; i++)
                        r = add_container(a, set, o, meta, spec, &spec->init_containers.v[i], true, host, opts);
                if (r >= 0)
                        r = json_add_object(p, "initContainers", a);
                else
                        json_object_put(a);
        }
        if (r >= 0) {
                a = json_object_new_array();
                r = a ? 0 : -ENOMEM;
                for (size_t i = 0; r >= 0 && i < spec->containers.n; i++)
                        r = add_container(a, set, o, meta, spec, &spec->containers.v[i], false, host, opts);
                if (r >= 0)
                        r = json_add_object(p, "containers", a);
                else
                        json_object_put(a);
        }
        if (r < 0)
                return r;
        return json_array_add(pods, TAKE_PTR(p));
}

int kube_plan_build(const KubeSet *set, const PlanHost *host, const PlanOptions *opts, json_object **ret) {
        _cleanup_(json_object_putp) json_object *plan = json_object_new_object();
        json_object *pods = json_object_new_array(), *vols = json_object_new_array();
        PlanOptions defaults = {};
        int r;

        if (!opts)
                opts = &defaults;
        if (!plan || !pods || !vols) {
                json_object_put(pods);
                json_object_put(vols);
                return -ENOMEM;
        }
        r = json_add_object(plan, "pods", pods);
        if (r < 0) {
                json_object_put(vols);
                return r;
        }
        r = json_add_object(plan, "volumes", vols);
        if (r < 0)
                return r;
        for (size_t i = 0; i < set->n_objects; i++) {
                const KubeObject *o = &set->objects[i];

                if ((o->kind == KUBE_POD || o->kind == KUBE_DEPLOYMENT) && kube_object_pod_spec(o)) {
                        r = add_pod(pods, set, o, host, opts);
                        if (r < 0)
                                return r;
                } else if (o->kind == KUBE_PVC && o->metadata && o->metadata->name.v) {
                        json_object *v = json_object_new_object();
                        const KQuantity *q = o->pvc->spec && o->pvc->spec->resources
                                                     ? kquantitymap_get(&o->pvc->spec->resources->requests, "storage")
                                                     : NULL;
                        json_add_string(v, "name", o->metadata->name.v);
                        json_add_string(v, "from", "PersistentVolumeClaim");
                        if (q && q->valid)
                                json_add_int(v, "storageRequestBytes", quantity_value(&q->q));
                        r = json_array_add(vols, v);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(plan);
        return 0;
}

/* ---- text rendering ---- */

static const char *jstr(json_object *o, const char *key) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return NULL;
        return json_object_get_string(v);
}

static json_object *jget(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void print_strarray(FILE *f, json_object *a) {
        fputc('[', f);
        for (size_t i = 0; a && i < json_object_array_length(a); i++) {
                StrBuf sb = STRBUF_INIT;
                strbuf_add_quoted(&sb, json_object_get_string(json_object_array_get_idx(a, i)));
                fprintf(f, "%s%s", i ? ", " : "", sb.buf ?: "");
                strbuf_release(&sb);
        }
        fputc(']', f);
}

static void print_container(FILE *f, json_object *c) {
        json_object *argv = jget(c, "argv"), *a, *sec = jget(c, "security"), *res = jget(c, "resources");
        const char *rule = jstr(argv, "rule"), *type = jstr(c, "type");

        fprintf(f, "  %s %s\n", type ? (streq(type, "sidecar") ? "sidecar container" : "init container") : "container",
                jstr(c, "name"));
        fprintf(f, "    image:       %s (pull %s)\n", jstr(c, "image"), jstr(c, "pullPolicy"));
        fputs("    argv:        ", f);
        if (streq(rule, "command+args")) {
                print_strarray(f, jget(argv, "command"));
                fputs(" + ", f);
                print_strarray(f, jget(argv, "args"));
                fputs("  (command + args; the image's Entrypoint and Cmd are not used)", f);
        } else if (streq(rule, "command")) {
                print_strarray(f, jget(argv, "command"));
                fputs("  (command replaces the image's Entrypoint and drops its Cmd)", f);
        } else if (streq(rule, "image-entrypoint+args")) {
                fputs("<image Entrypoint> + ", f);
                print_strarray(f, jget(argv, "args"));
                fputs("  (args replace the image's Cmd)", f);
        } else
                fputs("<image Entrypoint> + <image Cmd>", f);
        fputc('\n', f);
        fprintf(f, "    workingDir:  %s\n", jstr(c, "workingDir"));
        a = jget(c, "env");
        if (a && json_object_array_length(a)) {
                fputs("    env:         (after the image's Env, which these override)\n", f);
                for (size_t i = 0; i < json_object_array_length(a); i++) {
                        json_object *e = json_object_array_get_idx(a, i);
                        const char *val = jstr(e, "value");
                        StrBuf sb = STRBUF_INIT;
                        if (val)
                                strbuf_add_quoted(&sb, val);
                        fprintf(f, "      %s=%s  (%s)\n", jstr(e, "name"), val ? sb.buf : "<known at start>", jstr(e, "source"));
                        strbuf_release(&sb);
                }
        }
        a = jget(c, "mounts");
        for (size_t i = 0; a && i < json_object_array_length(a); i++) {
                json_object *m = json_object_array_get_idx(a, i);
                fprintf(f, "    mount:       %s <- volume %s%s%s%s (%s, %s)\n", jstr(m, "path"), jstr(m, "volume"),
                        jstr(m, "subPath") ? " subPath " : "", jstr(m, "subPath") ?: "", "",
                        json_object_get_boolean(jget(m, "readOnly")) ? "ro" : "rw", jstr(m, "propagation"));
        }
        a = jget(c, "ports");
        for (size_t i = 0; a && i < json_object_array_length(a); i++) {
                json_object *p = json_object_array_get_idx(a, i);
                if (jget(p, "hostPort"))
                        fprintf(f, "    port:        %s%s%s:%s -> %s/%s\n", jstr(p, "hostIP") ?: "", jstr(p, "hostIP") ? ":" : "",
                                "host", jstr(p, "hostPort"), jstr(p, "containerPort"), jstr(p, "protocol"));
                else
                        fprintf(f, "    port:        %s/%s (not published: no hostPort)\n", jstr(p, "containerPort"),
                                jstr(p, "protocol"));
        }
        fprintf(f, "    user:        %s:%s%s\n", jstr(sec, "runAsUser"), jstr(sec, "runAsGroup"),
                json_object_get_boolean(jget(sec, "runAsNonRoot")) ? " (must not be root)" : "");
        fprintf(f, "    security:    privileged=%s readOnlyRootFilesystem=%s noNewPrivileges=%s seccomp=%s",
                jstr(sec, "privileged"), jstr(sec, "readOnlyRootFilesystem"), jstr(sec, "noNewPrivileges"),
                jstr(sec, "seccomp"));
        if (json_object_array_length(jget(sec, "capAdd"))) {
                fputs(" capAdd=", f);
                print_strarray(f, jget(sec, "capAdd"));
        }
        if (json_object_array_length(jget(sec, "capDrop"))) {
                fputs(" capDrop=", f);
                print_strarray(f, jget(sec, "capDrop"));
        }
        fputc('\n', f);
        if (res && json_object_object_length(res)) {
                fputs("    resources:  ", f);
                json_object_object_foreach(res, k, v) fprintf(f, " %s=%s", k, json_object_get_string(v));
                fputc('\n', f);
        }
        for (const char *const *pk = (const char *const[]) { "livenessProbe", "readinessProbe", "startupProbe", NULL }; *pk;
             pk++) {
                json_object *p = jget(c, *pk);
                if (!p)
                        continue;
                fprintf(f, "    %s: ", *pk);
                if (jget(p, "exec"))
                        print_strarray(f, jget(p, "exec"));
                else if (jget(p, "httpGet"))
                        fprintf(f, "GET %s", jstr(p, "httpGet"));
                else
                        fprintf(f, "tcp port %s", jstr(p, "tcpSocket"));
                fprintf(f, " every %ss after %ss, timeout %ss, %s failures\n", jstr(p, "periodSeconds"),
                        jstr(p, "initialDelaySeconds"), jstr(p, "timeoutSeconds"), jstr(p, "failureThreshold"));
        }
}

void kube_plan_print(json_object *plan, FILE *f) {
        json_object *pods = jget(plan, "pods"), *vols = jget(plan, "volumes");

        for (size_t i = 0; pods && i < json_object_array_length(pods); i++) {
                json_object *p = json_object_array_get_idx(pods, i), *ns = jget(p, "namespaces"), *a;

                fprintf(f, "%spod %s  (%s at %s)\n", i ? "\n" : "", jstr(p, "name"), jstr(p, "kind"), jstr(p, "source"));
                fprintf(f, "  hostname:    %s\n", jstr(p, "hostname"));
                fprintf(f, "  restart:     %s, grace period %ss\n", jstr(p, "restartPolicy"),
                        jstr(p, "terminationGracePeriodSeconds"));
                fprintf(f, "  namespaces:  network=%s ipc=%s uts=%s pid=%s\n", jstr(ns, "network"), jstr(ns, "ipc"),
                        jstr(ns, "uts"), jstr(ns, "pid"));
                a = jget(p, "hostAliases");
                for (size_t j = 0; a && j < json_object_array_length(a); j++) {
                        json_object *h = json_object_array_get_idx(a, j);
                        fprintf(f, "  /etc/hosts:  %s ", jstr(h, "ip"));
                        print_strarray(f, jget(h, "hostnames"));
                        fputc('\n', f);
                }
                a = jget(p, "volumes");
                for (size_t j = 0; a && j < json_object_array_length(a); j++) {
                        json_object *v = json_object_array_get_idx(a, j), *files = jget(v, "files");
                        const char *t = jstr(v, "type");
                        fprintf(f, "  volume %s: %s", strempty(jstr(v, "name")), t ?: "?");
                        if (t && streq(t, "hostPath"))
                                fprintf(f, " %s%s%s", strempty(jstr(v, "path")),
                                        isempty(jstr(v, "hostPathType")) ? "" : " type ", strempty(jstr(v, "hostPathType")));
                        else if (t && streq(t, "emptyDir"))
                                fprintf(f, " on %s%s%s", jstr(v, "medium"), jget(v, "sizeLimitBytes") ? ", limit bytes " : "",
                                        jget(v, "sizeLimitBytes") ? jstr(v, "sizeLimitBytes") : "");
                        else if (t && streq(t, "persistentVolumeClaim"))
                                fprintf(f, " -> named volume %s%s", jstr(v, "volume"),
                                        json_object_get_boolean(jget(v, "declared")) ? "" : " (created on first use)");
                        else if (t)
                                fprintf(f, " %s, mode %04o", jstr(v, "configMap") ?: jstr(v, "secret"),
                                        (unsigned) json_object_get_int(jget(v, "defaultMode")));
                        fputc('\n', f);
                        for (size_t k = 0; files && k < json_object_array_length(files); k++) {
                                json_object *fl = json_object_array_get_idx(files, k);
                                fprintf(f, "    file %s <- key %s, mode %04o\n", jstr(fl, "path"), jstr(fl, "key"),
                                        (unsigned) json_object_get_int(jget(fl, "mode")));
                        }
                }
                a = jget(p, "initContainers");
                for (size_t j = 0; a && j < json_object_array_length(a); j++)
                        print_container(f, json_object_array_get_idx(a, j));
                a = jget(p, "containers");
                for (size_t j = 0; a && j < json_object_array_length(a); j++)
                        print_container(f, json_object_array_get_idx(a, j));
        }
        for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
                json_object *v = json_object_array_get_idx(vols, i);
                fprintf(f, "%svolume %s  (PersistentVolumeClaim%s%s)\n", i == 0 ? "\n" : "", jstr(v, "name"),
                        jget(v, "storageRequestBytes") ? ", requests bytes " : "",
                        jget(v, "storageRequestBytes") ? jstr(v, "storageRequestBytes") : "");
        }
}
