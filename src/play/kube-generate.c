/* Pod plans → Kubernetes objects (see kube-generate.h). */

#include "play/kube-generate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/json-util.h"
#include "common/macro.h"
#include "common/strbuf.h"
#include "play/expand.h"

static const char *const type_table[_KUBE_GENERATE_TYPE_MAX] = {
        [KUBE_GENERATE_POD] = "pod",
        [KUBE_GENERATE_DEPLOYMENT] = "deployment",
};

const char *kube_generate_type_to_string(KubeGenerateType t) {
        return t >= 0 && t < _KUBE_GENERATE_TYPE_MAX ? type_table[t] : NULL;
}

KubeGenerateType kube_generate_type_from_string(const char *s) {
        for (int i = 0; s && i < _KUBE_GENERATE_TYPE_MAX; i++)
                if (streq(type_table[i], s))
                        return (KubeGenerateType) i;
        return _KUBE_GENERATE_TYPE_INVALID;
}

/* One generation run. Building a tree has hundreds of small allocations: the helpers below record the
 * first failure in r and turn into no-ops afterwards, so the code reads as the YAML it writes and is
 * checked once per object. */
typedef struct Gen {
        int r;
        char *error;
        json_object *config_maps; /* name → ConfigMap object, in order of first use */
        json_object *secrets;
        json_object *pvcs;
        json_object *services; /* array */
        json_object *workloads;
        const char *pod_name; /* for messages */
} Gen;

static void gen_fail(Gen *g, int r) {
        if (g->r >= 0)
                g->r = r;
}

static void gen_error(Gen *g, const char *fmt, ...) _printf_(2, 3);
static void gen_error(Gen *g, const char *fmt, ...) {
        va_list ap;

        if (g->r < 0)
                return;
        g->r = -EINVAL;
        va_start(ap, fmt);
        if (vasprintf(&g->error, fmt, ap) < 0)
                g->error = NULL, g->r = -ENOMEM;
        va_end(ap);
}

/* Takes value (may be NULL: OOM) and adds it. Returns value (borrowed) or NULL. */
static json_object *put(Gen *g, json_object *o, const char *key, json_object *value) {
        if (!value || !o || g->r < 0 || json_add_object(o, key, value) < 0) {
                if (value && (!o || g->r < 0))
                        json_object_put(value);
                gen_fail(g, -ENOMEM);
                return NULL;
        }
        return value;
}

static json_object *push(Gen *g, json_object *a, json_object *value) {
        if (!value || !a || g->r < 0 || json_array_add(a, value) < 0) {
                if (value && (!a || g->r < 0))
                        json_object_put(value);
                gen_fail(g, -ENOMEM);
                return NULL;
        }
        return value;
}

static void put_str(Gen *g, json_object *o, const char *key, const char *v) {
        if (v)
                put(g, o, key, json_object_new_string(v));
}

static void put_int(Gen *g, json_object *o, const char *key, int64_t v) {
        put(g, o, key, json_object_new_int64(v));
}

static void put_true(Gen *g, json_object *o, const char *key) {
        put(g, o, key, json_object_new_boolean(true));
}

static json_object *put_obj(Gen *g, json_object *o, const char *key) {
        return put(g, o, key, json_object_new_object());
}

static json_object *put_arr(Gen *g, json_object *o, const char *key) {
        return put(g, o, key, json_object_new_array());
}

/* Plan accessors: a missing key or a wrong type reads as NULL/0/false. */
static json_object *jget(json_object *o, const char *key) {
        json_object *v = NULL;

        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *jstr(json_object *o, const char *key) {
        json_object *v = jget(o, key);

        return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool jbool(json_object *o, const char *key) {
        json_object *v = jget(o, key);

        return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static bool jint(json_object *o, const char *key, int64_t *ret) {
        json_object *v = jget(o, key);

        if (!json_object_is_type(v, json_type_int))
                return false;
        *ret = json_object_get_int64(v);
        return true;
}

static size_t jlen(json_object *a) {
        return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

/* json-c asserts on a non-array: plans come from files a user may have edited */
static json_object *jidx(json_object *a, size_t i) {
        return i < jlen(a) ? json_object_array_get_idx(a, i) : NULL;
}

/* Bytes as a Kubernetes quantity: the largest binary suffix that divides them, else plain bytes. */
static char *bytes_quantity(int64_t v) {
        static const char *const suffix[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        char *s = NULL;
        int k = -1;

        while (v != 0 && v % 1024 == 0 && k + 1 < (int) ELEMENTSOF(suffix)) {
                v /= 1024;
                k++;
        }
        if (asprintf(&s, "%" PRId64 "%s", v, k >= 0 ? suffix[k] : "") < 0)
                return NULL;
        return s;
}

/* Millicores as a quantity: "2" for whole CPUs, "250m" otherwise. */
static char *milli_quantity(int64_t m) {
        char *s = NULL;

        if ((m % 1000 == 0 ? asprintf(&s, "%" PRId64, m / 1000) : asprintf(&s, "%" PRId64 "m", m)) < 0)
                return NULL;
        return s;
}

static void put_quantity(Gen *g, json_object *o, const char *key, char *q) {
        if (!q)
                gen_fail(g, -ENOMEM);
        else
                put_str(g, o, key, q);
        free(q);
}

/* ---- $(VAR) escaping ---- */

typedef struct EnvScope {
        json_object *env; /* the container's plan env */
        size_t n;         /* how many of its entries are defined */
} EnvScope;

static const char *scope_lookup(const char *name, void *userdata) {
        const EnvScope *s = userdata;
        const char *found = NULL;

        for (size_t i = 0; i < s->n; i++) {
                json_object *e = jidx(s->env, i);
                if (streq_ptr(jstr(e, "name"), name))
                        found = jstr(e, "value") ?: ""; /* the last definition wins, as in Kubernetes */
        }
        return found;
}

/* The text to write so that kube play's expansion gives back s: s itself when expanding it changes
 * nothing (the common case, "sh -c 'echo $((1+2))'"), else s with every '$' that starts "$(" or "$$"
 * doubled. */
static char *unexpand(Gen *g, const char *s, EnvScope *scope) {
        _cleanup_free_ char *again = k8s_expand(s, scope_lookup, scope);
        StrBuf sb = STRBUF_INIT;
        char *out;

        if (!again) {
                gen_fail(g, -ENOMEM);
                return NULL;
        }
        if (streq(again, s)) {
                out = strdup(s);
                if (!out)
                        gen_fail(g, -ENOMEM);
                return out;
        }
        for (const char *p = s; *p; p++) {
                if (*p == '$' && (p[1] == '(' || p[1] == '$'))
                        strbuf_putc(&sb, '$');
                strbuf_putc(&sb, *p);
        }
        out = strbuf_detach(&sb);
        if (!out)
                gen_fail(g, -ENOMEM);
        return out;
}

static void put_expanded_list(Gen *g, json_object *o, const char *key, json_object *list, EnvScope *scope) {
        json_object *a;

        if (jlen(list) == 0)
                return;
        a = put_arr(g, o, key);
        for (size_t i = 0; i < jlen(list) && g->r >= 0; i++) {
                _cleanup_free_ char *s = unexpand(g, strempty(json_object_get_string(jidx(list, i))), scope);
                if (s)
                        push(g, a, json_object_new_string(s));
        }
}

static void put_str_list(Gen *g, json_object *o, const char *key, json_object *list) {
        json_object *a;

        if (jlen(list) == 0)
                return;
        a = put_arr(g, o, key);
        for (size_t i = 0; i < jlen(list); i++)
                push(g, a, json_object_new_string(strempty(json_object_get_string(jidx(list, i)))));
}

/* ---- ConfigMaps and Secrets the pod reads ---- */

/* The object named name in map (creating it as a ConfigMap or Secret), its data map in *ret_data. */
static json_object *source_object(Gen *g, bool secret, const char *name, json_object **ret_data) {
        json_object *all = secret ? g->secrets : g->config_maps, *o = jget(all, name), *meta;

        if (!o) {
                o = put_obj(g, all, name);
                put_str(g, o, "apiVersion", "v1");
                put_str(g, o, "kind", secret ? "Secret" : "ConfigMap");
                meta = put_obj(g, o, "metadata");
                put_str(g, meta, "name", name);
                if (secret)
                        put_str(g, o, "type", "Opaque");
        }
        *ret_data = NULL;
        if (!o)
                return NULL;
        *ret_data = jget(o, "data") ?: put_obj(g, o, "data");
        return o;
}

static bool is_text(const char *s, size_t len) {
        /* valid UTF-8 without NUL or other control characters than tab and newline: safe as YAML text */
        for (size_t i = 0; i < len;) {
                unsigned char c = (unsigned char) s[i];
                size_t n = c < 0x80             ? 1
                           : (c & 0xe0) == 0xc0 ? 2
                           : (c & 0xf0) == 0xe0 ? 3
                           : (c & 0xf8) == 0xf0 ? 4
                                                : 0;

                if (n == 0 || i + n > len)
                        return false;
                if (n == 1 && c < 0x20 && c != '\n' && c != '\t')
                        return false;
                if (c == 0x7f)
                        return false;
                for (size_t k = 1; k < n; k++)
                        if (((unsigned char) s[i + k] & 0xc0) != 0x80)
                                return false;
                i += n;
        }
        return true;
}

/* Records key = value (raw bytes) in ConfigMap/Secret name. A Secret keeps base64 under data; a
 * ConfigMap keeps text under data and anything else base64 under binaryData. */
static void source_add(Gen *g, bool secret, const char *name, const char *key, const void *value,
                       size_t len) {
        json_object *data, *o = source_object(g, secret, name, &data), *where, *old;
        _cleanup_free_ char *b64 = NULL, *text = NULL;
        const char *want;

        if (!o || g->r < 0)
                return;
        if (secret || !is_text(value, len)) {
                b64 = base64_encode(value, len);
                if (!b64) {
                        gen_fail(g, -ENOMEM);
                        return;
                }
                want = b64;
                where = secret ? data : (jget(o, "binaryData") ?: put_obj(g, o, "binaryData"));
        } else {
                text = strndup(value, len);
                if (!text) {
                        gen_fail(g, -ENOMEM);
                        return;
                }
                want = text;
                where = data;
        }
        old = jget(where, key);
        if (old) {
                if (!streq(json_object_get_string(old), want))
                        gen_error(g, "pod %s: %s %s key %s: read with two different values", g->pod_name,
                                  secret ? "secret" : "configMap", name, key);
                return;
        }
        put_str(g, where, key, want);
}

static void source_add_b64(Gen *g, bool secret, const char *name, const char *key, const char *b64) {
        _cleanup_free_ char *raw = NULL;
        size_t len = 0;
        int r;

        r = base64_decode(b64, strlen(b64), &raw, &len, NULL);
        if (r < 0) {
                gen_error(g, "pod %s: %s %s key %s: recorded data is not base64", g->pod_name,
                          secret ? "secret" : "configMap", name, key);
                return;
        }
        source_add(g, secret, name, key, raw, len);
}

/* ---- volumes ---- */

static void add_pvc(Gen *g, const char *claim) {
        json_object *o, *meta, *spec, *modes, *res, *req;

        if (jget(g->pvcs, claim))
                return;
        o = put_obj(g, g->pvcs, claim);
        put_str(g, o, "apiVersion", "v1");
        put_str(g, o, "kind", "PersistentVolumeClaim");
        meta = put_obj(g, o, "metadata");
        put_str(g, meta, "name", claim);
        spec = put_obj(g, o, "spec");
        modes = put_arr(g, spec, "accessModes");
        push(g, modes, json_object_new_string("ReadWriteOnce"));
        res = put_obj(g, spec, "resources");
        req = put_obj(g, res, "requests");
        /* skiff's named volumes have no size: podman writes the same request */
        put_str(g, req, "storage", "1Gi");
}

static void put_files(Gen *g, json_object *kv, json_object *v, bool secret, const char *source,
                      int64_t mode) {
        json_object *files = jget(v, "files"), *items;

        if (jlen(files) == 0)
                return;
        items = put_arr(g, kv, "items");
        for (size_t i = 0; i < jlen(files); i++) {
                json_object *f = jidx(files, i), *it = push(g, items, json_object_new_object());
                const char *key = strempty(jstr(f, "key")), *data = jstr(f, "data");
                int64_t m;

                put_str(g, it, "key", key);
                put_str(g, it, "path", strempty(jstr(f, "path")));
                if (jint(f, "mode", &m) && m != mode)
                        put_int(g, it, "mode", m);
                if (data)
                        source_add_b64(g, secret, source, key, data);
        }
}

static void add_volume(Gen *g, json_object *list, json_object *v) {
        const char *type = strempty(jstr(v, "type"));
        json_object *o = push(g, list, json_object_new_object()), *s;
        int64_t n;

        put_str(g, o, "name", strempty(jstr(v, "name")));
        if (streq(type, "hostPath")) {
                s = put_obj(g, o, "hostPath");
                put_str(g, s, "path", strempty(jstr(v, "path")));
                if (!isempty(jstr(v, "hostPathType")))
                        put_str(g, s, "type", jstr(v, "hostPathType"));
        } else if (streq(type, "emptyDir")) {
                s = put_obj(g, o, "emptyDir");
                if (streq_ptr(jstr(v, "medium"), "tmpfs"))
                        put_str(g, s, "medium", "Memory");
                if (jint(v, "sizeLimitBytes", &n))
                        put_quantity(g, s, "sizeLimit", bytes_quantity(n));
        } else if (streq(type, "configMap") || streq(type, "secret")) {
                bool secret = streq(type, "secret");
                const char *name = strempty(jstr(v, secret ? "secret" : "configMap"));
                int64_t mode = secret ? 0400 : 0644;
                json_object *data;

                s = put_obj(g, o, secret ? "secret" : "configMap");
                put_str(g, s, secret ? "secretName" : "name", name);
                /* the object exists even when no key is read (an empty or optional one) */
                source_object(g, secret, name, &data);
                jint(v, "defaultMode", &mode);
                put_files(g, s, v, secret, name, mode);
                /* Always written for secrets: skiff's default (0400) is not Kubernetes' (0644). */
                if (secret || mode != 0644)
                        put_int(g, s, "defaultMode", mode);
        } else if (streq(type, "persistentVolumeClaim")) {
                const char *claim = strempty(jstr(v, "volume"));

                s = put_obj(g, o, "persistentVolumeClaim");
                put_str(g, s, "claimName", claim);
                if (jbool(v, "readOnly"))
                        put_true(g, s, "readOnly");
                add_pvc(g, claim);
        } else
                gen_error(g, "pod %s: volume %s: type '%s' cannot be written as Kubernetes YAML",
                          g->pod_name, strempty(jstr(v, "name")), type);
}

/* ---- containers ---- */

static bool starts_with_word(const char *s, const char *word, const char **ret_rest) {
        size_t n = strlen(word);

        if (strncmp(s, word, n) != 0 || (s[n] != ' ' && s[n] != 0))
                return false;
        *ret_rest = s[n] == ' ' ? s + n + 1 : s + n;
        return true;
}

/* resourceFieldRef: the plan has the value, not the divisor; the divisor is what turns the container's
 * resource into that value. NULL (write the value itself) when no divisor does. */
static char *resource_divisor(const char *resource, const char *value, json_object *res) {
        int64_t v, total;
        char *end;

        errno = 0;
        v = strtoll(value, &end, 10);
        if (errno || *end || v <= 0)
                return NULL;
        if (streq(resource, "limits.memory") && jint(res, "memoryLimitBytes", &total)) {
        } else if (streq(resource, "requests.memory") && jint(res, "memoryRequestBytes", &total)) {
        } else if (streq(resource, "limits.cpu") && jint(res, "cpuLimitMillicores", &total)) {
                return v * 1000 == total ? strdup("1") : v == total ? strdup("1m") : NULL;
        } else if (streq(resource, "requests.cpu") && jint(res, "cpuRequestMillicores", &total)) {
                return v * 1000 == total ? strdup("1") : v == total ? strdup("1m") : NULL;
        } else
                return NULL;
        if (total % v != 0)
                return NULL;
        return bytes_quantity(total / v);
}

static void add_env(Gen *g, json_object *c, json_object *k) {
        json_object *env = jget(c, "env"), *list;

        if (jlen(env) == 0)
                return;
        list = put_arr(g, k, "env");
        for (size_t i = 0; i < jlen(env) && g->r >= 0; i++) {
                json_object *e = jidx(env, i), *o = push(g, list, json_object_new_object()), *from, *ref;
                const char *name = strempty(jstr(e, "name")), *value = jstr(e, "value"),
                           *source = strempty(jstr(e, "source")), *rest;
                EnvScope scope = {.env = env, .n = i};
                char what[32], obj[256], key[256];

                put_str(g, o, "name", name);
                if ((starts_with_word(source, "configMap", &rest)
                     || starts_with_word(source, "secret", &rest))
                    && value && sscanf(source, "%31s %255s key %255s", what, obj, key) == 3) {
                        bool secret = streq(what, "secret");
                        from = put_obj(g, o, "valueFrom");
                        ref = put_obj(g, from, secret ? "secretKeyRef" : "configMapKeyRef");
                        put_str(g, ref, "name", obj);
                        put_str(g, ref, "key", key);
                        source_add(g, secret, obj, key, value, strlen(value));
                } else if (starts_with_word(source, "fieldRef", &rest)) {
                        _cleanup_free_ char *path = strndup(rest, strcspn(rest, " "));
                        from = put_obj(g, o, "valueFrom");
                        ref = put_obj(g, from, "fieldRef");
                        put_str(g, ref, "fieldPath", path);
                        if (!path)
                                gen_fail(g, -ENOMEM);
                } else if (starts_with_word(source, "resourceFieldRef", &rest) && value) {
                        _cleanup_free_ char *divisor = resource_divisor(rest, value, jget(c, "resources"));
                        if (!divisor) {
                                put_str(g, o, "value", value);
                                continue;
                        }
                        from = put_obj(g, o, "valueFrom");
                        ref = put_obj(g, from, "resourceFieldRef");
                        put_str(g, ref, "resource", rest);
                        if (!streq(divisor, "1"))
                                put_str(g, ref, "divisor", divisor);
                } else {
                        _cleanup_free_ char *v = unexpand(g, strempty(value), &scope);
                        put_str(g, o, "value", v);
                }
        }
}

static void put_probe_handler(Gen *g, json_object *o, json_object *p) {
        json_object *target = jget(p, "target"), *exec = jget(p, "exec"), *s;
        const char *type = strempty(jstr(target, "type"));
        int64_t port = 0, n;

        if (json_object_is_type(exec, json_type_array)) {
                s = put_obj(g, o, "exec");
                put_str_list(g, s, "command", exec);
        } else if (streq(type, "httpGet")) {
                json_object *headers = jget(target, "headers");

                s = put_obj(g, o, "httpGet");
                put_str(g, s, "path", jstr(target, "path"));
                jint(target, "port", &port);
                put_int(g, s, "port", port);
                put_str(g, s, "host", jstr(target, "host"));
                if (!streq_ptr(jstr(target, "scheme"), "HTTP"))
                        put_str(g, s, "scheme", jstr(target, "scheme"));
                if (jlen(headers) > 0) {
                        json_object *hl = put_arr(g, s, "httpHeaders");
                        for (size_t i = 0; i < jlen(headers); i++) {
                                const char *line = strempty(json_object_get_string(jidx(headers, i)));
                                const char *colon = strchr(line, ':');
                                _cleanup_free_ char *hname =
                                        strndup(line, colon ? (size_t) (colon - line) : strlen(line));
                                json_object *h = push(g, hl, json_object_new_object());
                                put_str(g, h, "name", hname);
                                put_str(g, h, "value", colon ? colon + 1 + (colon[1] == ' ') : "");
                        }
                }
        } else if (streq(type, "tcpSocket")) {
                s = put_obj(g, o, "tcpSocket");
                jint(target, "port", &port);
                put_int(g, s, "port", port);
                put_str(g, s, "host", jstr(target, "host"));
        } else if (streq(type, "exec")) { /* lifecycle handlers */
                s = put_obj(g, o, "exec");
                put_str_list(g, s, "command", jget(target, "command"));
        } else if (streq(type, "sleep")) {
                s = put_obj(g, o, "sleep");
                put_int(g, s, "seconds", jint(target, "seconds", &n) ? n : 0);
        }
}

static void add_probe(Gen *g, json_object *k, const char *key, json_object *p) {
        static const struct {
                const char *name;
                int64_t dflt;
        } fields[] = {
                {"initialDelaySeconds", 0}, {"periodSeconds", 10},   {"timeoutSeconds", 1},
                {"successThreshold", 1},    {"failureThreshold", 3},
        };
        json_object *o;

        if (!p)
                return;
        o = put_obj(g, k, key);
        put_probe_handler(g, o, p);
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                int64_t v;
                if (jint(p, fields[i].name, &v) && v != fields[i].dflt)
                        put_int(g, o, fields[i].name, v);
        }
}

static void add_lifecycle(Gen *g, json_object *k, json_object *l) {
        static const char *const hooks[] = {"postStart", "preStop"};
        json_object *o;

        if (!json_object_is_type(l, json_type_object) || json_object_object_length(l) == 0)
                return;
        o = put_obj(g, k, "lifecycle");
        for (size_t i = 0; i < ELEMENTSOF(hooks); i++) {
                json_object *h = jget(l, hooks[i]);
                if (h) {
                        /* a handler is the probe's "target" itself */
                        json_object *wrap = json_object_new_object(), *hook;
                        if (!wrap) {
                                gen_fail(g, -ENOMEM);
                                return;
                        }
                        json_object_object_add(wrap, "target", json_object_get(h));
                        hook = put_obj(g, o, hooks[i]);
                        put_probe_handler(g, hook, wrap);
                        json_object_put(wrap);
                }
        }
        put_str(g, o, "stopSignal", jstr(l, "stopSignal"));
}

static void add_security(Gen *g, json_object *k, json_object *sec) {
        json_object *o = json_object_new_object(), *caps = NULL;
        const char *seccomp = jstr(sec, "seccomp");
        int64_t n;

        if (!o) {
                gen_fail(g, -ENOMEM);
                return;
        }
        if (jbool(sec, "privileged"))
                put_true(g, o, "privileged");
        if (jlen(jget(sec, "capAdd")) + jlen(jget(sec, "capDrop")) > 0) {
                static const char *const keys[2][2] = {{"capAdd", "add"}, {"capDrop", "drop"}};
                caps = put_obj(g, o, "capabilities");
                for (size_t i = 0; i < 2; i++) {
                        json_object *l = jget(sec, keys[i][0]), *a;
                        if (jlen(l) == 0)
                                continue;
                        a = put_arr(g, caps, keys[i][1]);
                        for (size_t j = 0; j < jlen(l); j++) {
                                const char *c = strempty(json_object_get_string(jidx(l, j)));
                                /* Kubernetes names capabilities without the CAP_ prefix */
                                push(g, a, json_object_new_string(startswith(c, "CAP_") ?: c));
                        }
                }
        }
        if (jint(sec, "runAsUser", &n))
                put_int(g, o, "runAsUser", n);
        if (jint(sec, "runAsGroup", &n))
                put_int(g, o, "runAsGroup", n);
        if (jbool(sec, "runAsNonRoot"))
                put_true(g, o, "runAsNonRoot");
        if (jbool(sec, "readOnlyRootFilesystem"))
                put_true(g, o, "readOnlyRootFilesystem");
        if (jbool(sec, "noNewPrivileges"))
                put(g, o, "allowPrivilegeEscalation", json_object_new_boolean(false));
        if (jstr(sec, "procMount") && !streq(jstr(sec, "procMount"), "Default"))
                put_str(g, o, "procMount", jstr(sec, "procMount"));
        if (seccomp && !streq(seccomp, "RuntimeDefault")) {
                json_object *sp = put_obj(g, o, "seccompProfile");
                if (streq(seccomp, "Unconfined"))
                        put_str(g, sp, "type", "Unconfined");
                else {
                        put_str(g, sp, "type", "Localhost");
                        put_str(g, sp, "localhostProfile", seccomp);
                }
        }
        if (json_object_object_length(o) > 0)
                put(g, k, "securityContext", o);
        else
                json_object_put(o);
}

static void add_resources(Gen *g, json_object *k, json_object *res) {
        static const struct {
                const char *plan, *group, *name;
                bool cpu;
        } map[] = {
                {"memoryLimitBytes", "limits", "memory", false},
                {"cpuLimitMillicores", "limits", "cpu", true},
                {"memoryRequestBytes", "requests", "memory", false},
                {"cpuRequestMillicores", "requests", "cpu", true},
        };
        json_object *o = NULL;

        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                json_object *grp;
                int64_t v;

                if (!jint(res, map[i].plan, &v))
                        continue;
                if (!o)
                        o = put_obj(g, k, "resources");
                grp = jget(o, map[i].group) ?: put_obj(g, o, map[i].group);
                put_quantity(g, grp, map[i].name, map[i].cpu ? milli_quantity(v) : bytes_quantity(v));
        }
}

static const char *propagation_k8s(const char *p) {
        if (streq_ptr(p, "rslave"))
                return "HostToContainer";
        if (streq_ptr(p, "rshared"))
                return "Bidirectional";
        return NULL;
}

static void add_container(Gen *g, json_object *list, json_object *c) {
        json_object *k = push(g, list, json_object_new_object()), *argv = jget(c, "argv"), *a;
        EnvScope scope = {.env = jget(c, "env"), .n = jlen(jget(c, "env"))};
        const char *wd = jstr(c, "workingDir"), *type = jstr(c, "type");

        put_str(g, k, "name", strempty(jstr(c, "containerName")));
        put_str(g, k, "image", strempty(jstr(c, "image")));
        put_expanded_list(g, k, "command", jget(argv, "command"), &scope);
        put_expanded_list(g, k, "args", jget(argv, "args"), &scope);
        if (wd && !streq(wd, "image"))
                put_str(g, k, "workingDir", wd);
        a = jget(c, "ports");
        if (jlen(a) > 0) {
                json_object *ports = put_arr(g, k, "ports");
                for (size_t i = 0; i < jlen(a); i++) {
                        json_object *p = jidx(a, i), *o = push(g, ports, json_object_new_object());
                        const char *proto = strempty(jstr(p, "protocol"));
                        char up[8] = {};
                        int64_t n;

                        for (size_t j = 0; j < sizeof(up) - 1 && proto[j]; j++)
                                up[j] = (char) (proto[j] >= 'a' && proto[j] <= 'z' ? proto[j] - 32
                                                                                   : proto[j]);
                        put_str(g, o, "name", jstr(p, "name"));
                        if (jint(p, "containerPort", &n))
                                put_int(g, o, "containerPort", n);
                        if (jint(p, "hostPort", &n))
                                put_int(g, o, "hostPort", n);
                        if (!streq(up, "TCP") && *up)
                                put_str(g, o, "protocol", up);
                        put_str(g, o, "hostIP", jstr(p, "hostIP"));
                }
        }
        add_env(g, c, k);
        add_resources(g, k, jget(c, "resources"));
        a = jget(c, "mounts");
        if (jlen(a) > 0) {
                json_object *mounts = put_arr(g, k, "volumeMounts");
                for (size_t i = 0; i < jlen(a); i++) {
                        json_object *m = jidx(a, i), *o = push(g, mounts, json_object_new_object());
                        put_str(g, o, "name", strempty(jstr(m, "volume")));
                        put_str(g, o, "mountPath", strempty(jstr(m, "path")));
                        if (jbool(m, "readOnly"))
                                put_true(g, o, "readOnly");
                        put_str(g, o, "subPath", jstr(m, "subPath"));
                        put_str(g, o, "mountPropagation", propagation_k8s(jstr(m, "propagation")));
                }
        }
        add_probe(g, k, "livenessProbe", jget(c, "livenessProbe"));
        add_probe(g, k, "readinessProbe", jget(c, "readinessProbe"));
        add_probe(g, k, "startupProbe", jget(c, "startupProbe"));
        add_lifecycle(g, k, jget(c, "lifecycle"));
        put_str(g, k, "imagePullPolicy", jstr(c, "pullPolicy"));
        if (streq_ptr(type, "sidecar"))
                put_str(g, k, "restartPolicy", "Always");
        add_security(g, k, jget(c, "security"));
        if (jbool(c, "stdin"))
                put_true(g, k, "stdin");
        if (jbool(c, "tty"))
                put_true(g, k, "tty");
}

/* ---- pods ---- */

static void put_string_map(Gen *g, json_object *o, const char *key, json_object *map) {
        json_object *m;

        if (!json_object_is_type(map, json_type_object) || json_object_object_length(map) == 0)
                return;
        m = put_obj(g, o, key);
        json_object_object_foreach(map, k, v) put_str(g, m, k, strempty(json_object_get_string(v)));
}

/* Pod-level securityContext: what the plan repeats in every container but Kubernetes sets per pod. */
static void add_pod_security(Gen *g, json_object *spec, json_object *pod) {
        json_object *c = jidx(jget(pod, "containers"), 0) ?: jidx(jget(pod, "initContainers"), 0);
        json_object *sec = jget(c, "security"), *o = json_object_new_object(),
                    *sysctls = jget(sec, "sysctls");
        int64_t n;

        if (!o) {
                gen_fail(g, -ENOMEM);
                return;
        }
        if (jlen(jget(sec, "supplementalGroups")) > 0) {
                json_object *src = jget(sec, "supplementalGroups"), *a = put_arr(g, o, "supplementalGroups");
                for (size_t i = 0; i < jlen(src); i++)
                        push(g, a, json_object_new_int64(json_object_get_int64(jidx(src, i))));
        }
        if (jint(sec, "fsGroup", &n))
                put_int(g, o, "fsGroup", n);
        if (json_object_is_type(sysctls, json_type_object) && json_object_object_length(sysctls) > 0) {
                json_object *a = put_arr(g, o, "sysctls");
                json_object_object_foreach(sysctls, k, v) {
                        json_object *s = push(g, a, json_object_new_object());
                        put_str(g, s, "name", k);
                        put_str(g, s, "value", strempty(json_object_get_string(v)));
                }
        }
        if (json_object_object_length(o) > 0)
                put(g, spec, "securityContext", o);
        else
                json_object_put(o);
}

static json_object *pod_spec(Gen *g, json_object *pod, const char *restart) {
        json_object *spec = json_object_new_object(), *ns = jget(pod, "namespaces"), *a;
        const char *name = jstr(pod, "name"), *hostname = jstr(pod, "hostname");
        bool host_net = streq_ptr(jstr(ns, "network"), "host");
        int64_t grace;

        if (!spec) {
                gen_fail(g, -ENOMEM);
                return NULL;
        }
        put_str(g, spec, "restartPolicy", restart);
        if (jint(pod, "terminationGracePeriodSeconds", &grace) && grace != 30)
                put_int(g, spec, "terminationGracePeriodSeconds", grace);
        if (host_net)
                put_true(g, spec, "hostNetwork");
        if (streq_ptr(jstr(ns, "ipc"), "host"))
                put_true(g, spec, "hostIPC");
        if (streq_ptr(jstr(ns, "pid"), "host"))
                put_true(g, spec, "hostPID");
        if (streq_ptr(jstr(ns, "pid"), "pod"))
                put_true(g, spec, "shareProcessNamespace");
        if (!host_net && hostname && !streq_ptr(hostname, name))
                put_str(g, spec, "hostname", hostname);
        a = jget(pod, "hostAliases");
        if (jlen(a) > 0) {
                json_object *l = put_arr(g, spec, "hostAliases");
                for (size_t i = 0; i < jlen(a); i++) {
                        json_object *h = push(g, l, json_object_new_object());
                        put_str(g, h, "ip", strempty(jstr(jidx(a, i), "ip")));
                        put_str_list(g, h, "hostnames", jget(jidx(a, i), "hostnames"));
                }
        }
        a = jget(pod, "dnsConfig");
        if (a && jlen(jget(a, "nameservers")) + jlen(jget(a, "searches")) > 0) {
                json_object *d = put_obj(g, spec, "dnsConfig");
                put_str_list(g, d, "nameservers", jget(a, "nameservers"));
                put_str_list(g, d, "searches", jget(a, "searches"));
        }
        add_pod_security(g, spec, pod);
        a = jget(pod, "initContainers");
        if (jlen(a) > 0) {
                json_object *l = put_arr(g, spec, "initContainers");
                for (size_t i = 0; i < jlen(a); i++)
                        add_container(g, l, jidx(a, i));
        }
        a = jget(pod, "containers");
        {
                /* required by the schema even when empty (a pod made by `pod create` alone) */
                json_object *l = put_arr(g, spec, "containers");
                for (size_t i = 0; i < jlen(a); i++)
                        add_container(g, l, jidx(a, i));
        }
        a = jget(pod, "volumes");
        if (jlen(a) > 0) {
                json_object *l = put_arr(g, spec, "volumes");
                for (size_t i = 0; i < jlen(a); i++)
                        add_volume(g, l, jidx(a, i));
        }
        return spec;
}

/* A Service name must be a DNS-1035 label: lower case, starting with a letter. */
static void add_service(Gen *g, json_object *pod, const char *name, json_object *selector) {
        json_object *ports = NULL, *o, *meta, *spec, *sel;
        json_object *lists[2] = {jget(pod, "initContainers"), jget(pod, "containers")};

        for (size_t l = 0; l < 2; l++)
                for (size_t i = 0; i < jlen(lists[l]); i++) {
                        json_object *cp = jget(jidx(lists[l], i), "ports");
                        for (size_t j = 0; j < jlen(cp); j++) {
                                json_object *p = jidx(cp, j), *sp;
                                const char *proto = strempty(jstr(p, "protocol"));
                                char pname[32], up[8] = {};
                                int64_t host, ctr = 0;

                                if (!jint(p, "hostPort", &host))
                                        continue; /* only published ports, as podman */
                                jint(p, "containerPort", &ctr);
                                for (size_t k = 0; k < sizeof(up) - 1 && proto[k]; k++)
                                        up[k] = (char) (proto[k] >= 'a' && proto[k] <= 'z' ? proto[k] - 32
                                                                                           : proto[k]);
                                if (!ports)
                                        ports = json_object_new_array();
                                if (!ports) {
                                        gen_fail(g, -ENOMEM);
                                        return;
                                }
                                sp = push(g, ports, json_object_new_object());
                                /* several ports need names; the port and protocol make them unique */
                                snprintf(pname, sizeof(pname), "%s-%" PRId64, *proto ? proto : "tcp", host);
                                put_str(g, sp, "name", pname);
                                put_str(g, sp, "protocol", *up ? up : "TCP");
                                put_int(g, sp, "port", host);
                                put_int(g, sp, "targetPort", ctr);
                        }
                }
        if (!ports)
                return;
        o = push(g, g->services, json_object_new_object());
        put_str(g, o, "apiVersion", "v1");
        put_str(g, o, "kind", "Service");
        meta = put_obj(g, o, "metadata");
        put_str(g, meta, "name", name);
        spec = put_obj(g, o, "spec");
        /* NodePort without a number: the cluster picks one (podman draws one at random, which makes its
         * output differ from run to run). */
        put_str(g, spec, "type", "NodePort");
        sel = put_obj(g, spec, "selector");
        json_object_object_foreach(selector, k, v) put_str(g, sel, k, json_object_get_string(v));
        put(g, spec, "ports", ports);
}

static void add_pod(Gen *g, json_object *pod, const KubeGenerateOptions *opts) {
        const char *name = strempty(jstr(pod, "name")), *restart = jstr(pod, "restartPolicy") ?: "Always";
        json_object *labels = jget(pod, "labels"), *meta, *spec, *o;
        _cleanup_(json_object_putp) json_object *selector = json_object_new_object();
        _cleanup_free_ char *wname = NULL;

        g->pod_name = name;
        if (!selector) {
                gen_fail(g, -ENOMEM);
                return;
        }
        /* A Deployment and a Service select the pod by its labels: podman's app=NAME when it has none. */
        if (json_object_is_type(labels, json_type_object) && json_object_object_length(labels) > 0) {
                json_object_object_foreach(labels, k, v) put_str(g, selector, k, json_object_get_string(v));
        } else if (opts->type == KUBE_GENERATE_DEPLOYMENT || opts->service)
                put_str(g, selector, "app", name);

        if (opts->service)
                add_service(g, pod, name, selector);

        o = push(g, g->workloads, json_object_new_object());
        if (opts->type == KUBE_GENERATE_DEPLOYMENT) {
                const char *suffix;
                json_object *dspec, *sel, *tmpl, *tmeta;

                if (!streq(restart, "Always")) {
                        gen_error(g, "pod %s: restartPolicy %s: a Deployment's pods must use Always", name,
                                  restart);
                        return;
                }
                /* kube play runs Deployment NAME as pod NAME-pod: a pod played from a Deployment gets its
                 * Deployment's name back; any other pod gets podman's NAME-deployment. */
                suffix = strrchr(name, '-');
                if (streq_ptr(jstr(pod, "kind"), "Deployment") && suffix && streq(suffix, "-pod")
                    && suffix > name)
                        wname = strndup(name, (size_t) (suffix - name));
                else if (asprintf(&wname, "%s-deployment", name) < 0)
                        wname = NULL;
                if (!wname) {
                        gen_fail(g, -ENOMEM);
                        return;
                }
                put_str(g, o, "apiVersion", "apps/v1");
                put_str(g, o, "kind", "Deployment");
                meta = put_obj(g, o, "metadata");
                put_str(g, meta, "name", wname);
                put_string_map(g, meta, "labels", selector);
                dspec = put_obj(g, o, "spec");
                put_int(g, dspec, "replicas", 1);
                sel = put_obj(g, dspec, "selector");
                put_string_map(g, sel, "matchLabels", selector);
                tmpl = put_obj(g, dspec, "template");
                tmeta = put_obj(g, tmpl, "metadata");
                put_string_map(g, tmeta, "labels", selector);
                put_string_map(g, tmeta, "annotations", jget(pod, "annotations"));
                spec = pod_spec(g, pod, restart);
                put(g, tmpl, "spec", spec);
                return;
        }
        put_str(g, o, "apiVersion", "v1");
        put_str(g, o, "kind", "Pod");
        meta = put_obj(g, o, "metadata");
        put_str(g, meta, "name", name);
        put_string_map(g, meta, "labels", selector);
        put_string_map(g, meta, "annotations", jget(pod, "annotations"));
        spec = pod_spec(g, pod, restart);
        put(g, o, "spec", spec);
}

static void append_values(Gen *g, json_object *docs, json_object *map) {
        json_object_object_foreach(map, k, v) {
                (void) k;
                push(g, docs, json_object_get(v));
        }
}

int kube_generate(json_object *const *pods, size_t n, const KubeGenerateOptions *opts, json_object **ret,
                  char **ret_error) {
        _cleanup_(json_object_putp) json_object *docs = json_object_new_array();
        Gen g = {
                .config_maps = json_object_new_object(),
                .secrets = json_object_new_object(),
                .pvcs = json_object_new_object(),
                .services = json_object_new_array(),
                .workloads = json_object_new_array(),
        };
        KubeGenerateOptions defaults = {};

        if (!opts)
                opts = &defaults;
        if (!docs || !g.config_maps || !g.secrets || !g.pvcs || !g.services || !g.workloads)
                g.r = -ENOMEM;
        for (size_t i = 0; i < n && g.r >= 0; i++)
                add_pod(&g, pods[i], opts);
        append_values(&g, docs, g.config_maps);
        append_values(&g, docs, g.secrets);
        append_values(&g, docs, g.pvcs);
        for (size_t i = 0; i < jlen(g.services); i++)
                push(&g, docs, json_object_get(jidx(g.services, i)));
        for (size_t i = 0; i < jlen(g.workloads); i++)
                push(&g, docs, json_object_get(jidx(g.workloads, i)));
        json_object_put(g.config_maps);
        json_object_put(g.secrets);
        json_object_put(g.pvcs);
        json_object_put(g.services);
        json_object_put(g.workloads);
        if (g.r < 0) {
                if (ret_error && g.error)
                        *ret_error = TAKE_PTR(g.error);
                free(g.error);
                return g.r;
        }
        *ret = TAKE_PTR(docs);
        return 0;
}
