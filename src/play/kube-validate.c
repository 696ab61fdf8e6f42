/* Validation by Kubernetes' own rules (k8s.io/kubernetes/pkg/apis/core/validation), plus what only
 * makes sense for a set of objects run together on one host: references between objects resolve,
 * names are unique, and no two pods want the same host port.
 *
 * Every problem is collected, so a user fixes a file in one round. Messages follow one shape:
 * "FIELD: must be …, got …", "FIELD: required", "FIELD: duplicate … (first at line N)". */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base64.h"
#include "common/strbuf.h"
#include "play/kube-model.h"
#include "play/names.h"

typedef struct Validator {
        const KubeSet *set;
        const KubeObject *obj;
        DiagList *diags;
        StrBuf path;
        bool failed;
} Validator;

static size_t vpush(Validator *v, const char *fmt, ...) _printf_(2, 3);

/* Appends a path component: "name" gets a '.' before it unless it starts with '['. */
static size_t vpush(Validator *v, const char *fmt, ...) {
        size_t mark = v->path.len;
        va_list ap;

        if (v->path.len > 0 && fmt[0] != '[' && v->path.buf[v->path.len - 1] != '.')
                strbuf_putc(&v->path, '.');
        /* Paths are pushed for every field of every object and read only for messages: keep the common
         * cases (a constant, or one string) away from vsnprintf. */
        if (!strchr(fmt, '%'))
                strbuf_puts(&v->path, fmt);
        else {
                va_start(ap, fmt);
                if (streq(fmt, "%s"))
                        strbuf_puts(&v->path, va_arg(ap, const char *));
                else
                        strbuf_vaddf(&v->path, fmt, ap);
                va_end(ap);
        }
        return mark;
}

static void vpop(Validator *v, size_t mark) {
        strbuf_truncate(&v->path, mark);
}

static void vdiag(Validator *v, DiagSeverity sev, const YNode *at, const char *field, const char *fmt, va_list ap)
        _printf_(5, 0);

static void vdiag(Validator *v, DiagSeverity sev, const YNode *at, const char *field, const char *fmt, va_list ap) {
        size_t mark = field ? vpush(v, "%s", field) : v->path.len;
        /* Inside a List the path starts "items[3]."; about the item itself, drop the dot. */
        bool dot = v->path.len > 0 && v->path.buf[v->path.len - 1] == '.';

        if (dot)
                v->path.buf[v->path.len - 1] = 0;
        (void) diag_list_addv(v->diags, sev, v->obj ? v->obj->file : NULL, knode_line(at), knode_column(at),
                              v->path.buf ?: "", fmt, ap);
        if (dot)
                v->path.buf[v->path.len - 1] = '.';
        vpop(v, mark);
        if (sev == DIAG_ERROR)
                v->failed = true;
}

/* An error about field (a child of the current path; NULL: the current path itself) at node at. */
static void verr(Validator *v, const YNode *at, const char *field, const char *fmt, ...) _printf_(4, 5);
static void verr(Validator *v, const YNode *at, const char *field, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vdiag(v, DIAG_ERROR, at, field, fmt, ap);
        va_end(ap);
}

static void vwarn(Validator *v, const YNode *at, const char *field, const char *fmt, ...) _printf_(4, 5);
static void vwarn(Validator *v, const YNode *at, const char *field, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vdiag(v, DIAG_WARNING, at, field, fmt, ap);
        va_end(ap);
}

/* "required" is reported at the mapping that lacks the field: that is where the user must add it. */
static bool require_str(Validator *v, const KStr *s, const YNode *parent, const char *field) {
        if (s->v && *s->v)
                return true;
        verr(v, s->node ?: parent, field, "required");
        return false;
}

static void check_name(Validator *v, const KStr *s, const char *field, const char *(*check)(const char *)) {
        const char *why;

        if (!s->v || !*s->v)
                return;
        why = check(s->v);
        if (why)
                verr(v, s->node, field, "%s, got \"%s\"", why, s->v);
}

static void check_enum(Validator *v, const KStr *s, const char *field, const char *const *allowed) {
        StrBuf sb = STRBUF_INIT;

        if (!s->v || !*s->v)
                return;
        for (const char *const *a = allowed; *a; a++)
                if (streq(*a, s->v))
                        return;
        for (const char *const *a = allowed; *a; a++)
                strbuf_addf(&sb, "%s%s", a == allowed ? "" : (a[1] ? ", " : " or "), **a ? *a : "\"\"");
        verr(v, s->node, field, "must be %s, got \"%s\"", sb.buf ?: "", s->v);
        strbuf_release(&sb);
}

static void check_range(Validator *v, const KInt *i, const char *field, int64_t lo, int64_t hi) {
        if (!i->set || (i->v >= lo && i->v <= hi))
                return;
        if (hi == INT64_MAX)
                verr(v, i->node, field, "must be greater than or equal to %lld, got %lld", (long long) lo,
                     (long long) i->v);
        else
                verr(v, i->node, field, "must be between %lld and %lld, got %lld", (long long) lo, (long long) hi,
                     (long long) i->v);
}

static void check_mode(Validator *v, const KInt *i, const char *field) {
        if (i->set && (i->v < 0 || i->v > 0777))
                verr(v, i->node, field, "must be a file mode between 0 and 0777 (octal; 511 in decimal), got %lld",
                     (long long) i->v);
}

static void check_abs_path(Validator *v, const KStr *s, const char *field) {
        if (s->v && *s->v && s->v[0] != '/')
                verr(v, s->node, field, "must be an absolute path, got \"%s\"", s->v);
}

/* ---- metadata ---- */

static const char *const podman_annotations[] = {
        "io.podman.annotations.userns", "io.podman.annotations.infra.name",
        "io.podman.annotations.init.container.type", "io.podman.annotations.volumes-from",
        "io.podman.annotations.ulimit", "io.podman.annotations.pids-limit", "io.podman.annotations.cpuset",
        "io.podman.annotations.memory-nodes", "io.podman.annotations.label", "io.podman.annotations.autoremove",
        "io.podman.annotations.init", "io.podman.annotations.publish-all", "io.podman.annotations.seccomp",
        "io.podman.annotations.apparmor", "io.podman.annotations.cid-file",
        "io.podman.annotations.kube.image.volumes.mount", "io.podman.annotations.kube.health.check",
        "io.podman.annotations.privileged", "io.podman.annotations.Privileged", NULL,
};

static bool in_list(const char *const *l, const char *s) {
        for (; *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

/* Values that podman's annotations accept, where it checks them. */
static void check_podman_annotation(Validator *v, const KStrPair *p, const char *base) {
        static const char *const init_types[] = { "once", "always", NULL };
        static const char *const autoupdate[] = { "registry", "local", "disabled", NULL };
        static const char *const sdnotify[] = { "conmon", "container", "healthy", "ignore", NULL };
        size_t mark = vpush(v, "[%s]", p->key.v);

        if (streq(base, "io.podman.annotations.init.container.type"))
                check_enum(v, &p->value, NULL, init_types);
        else if (streq(base, "io.containers.autoupdate"))
                check_enum(v, &p->value, NULL, autoupdate);
        else if (streq(base, "io.containers.sdnotify"))
                check_enum(v, &p->value, NULL, sdnotify);
        else if (streq(base, "io.podman.annotations.pids-limit")) {
                char *end;
                long long n = strtoll(p->value.v ?: "", &end, 10);
                if (!p->value.v || !*p->value.v || *end || n < -1)
                        verr(v, p->value.node, NULL, "must be a number (-1 or 0 for no limit), got \"%s\"",
                             strempty(p->value.v));
        }
        vpop(v, mark);
}

static void validate_meta(Validator *v, const KObjectMeta *m, const YNode *parent, bool need_name,
                          const char *(*name_rule)(const char *)) {
        size_t mark = vpush(v, "metadata");

        if (!m) {
                if (need_name)
                        verr(v, parent, "name", "required");
                vpop(v, mark);
                return;
        }
        if (need_name && require_str(v, &m->name, m->node, "name"))
                check_name(v, &m->name, "name", name_rule);
        for (size_t i = 0; i < m->labels.n; i++) {
                const KStrPair *p = &m->labels.v[i];
                size_t mk = vpush(v, "labels[%s]", p->key.v);
                const char *why = name_check_qualified_name(p->key.v);

                if (why)
                        verr(v, p->key.node, NULL, "label key %s, got \"%s\"", why, p->key.v);
                else if ((why = name_check_label_value(strempty(p->value.v))))
                        verr(v, p->value.node, NULL, "label value %s, got \"%s\"", why, strempty(p->value.v));
                vpop(v, mk);
        }
        {
                size_t total = 0;
                size_t mk = vpush(v, "annotations");
                for (size_t i = 0; i < m->annotations.n; i++) {
                        const KStrPair *p = &m->annotations.v[i];
                        const char *why = name_check_qualified_name(p->key.v);
                        _cleanup_free_ char *base = strdup(p->key.v);
                        char *slash;

                        total += strlen(p->key.v) + strlen(strempty(p->value.v));
                        if (why) {
                                size_t k = vpush(v, "[%s]", p->key.v);
                                verr(v, p->key.node, NULL, "annotation key %s, got \"%s\"", why, p->key.v);
                                vpop(v, k);
                                continue;
                        }
                        if (!base)
                                continue;
                        /* Per-container forms are KEY/CONTAINER. */
                        slash = strrchr(base, '/');
                        if (slash && (startswith(base, "io.podman.annotations.") || startswith(base, "io.containers.")))
                                *slash = 0;
                        if (startswith(base, "io.podman.annotations.") && !in_list(podman_annotations, base)) {
                                size_t k = vpush(v, "[%s]", p->key.v);
                                vwarn(v, p->key.node, NULL, "unknown podman annotation, ignoring");
                                vpop(v, k);
                        }
                        check_podman_annotation(v, p, base);
                }
                if (total > 256 * 1024)
                        verr(v, m->annotations.node, NULL, "annotations may hold at most 262144 bytes, got %zu", total);
                vpop(v, mk);
        }
        vpop(v, mark);
}

/* ---- references to ConfigMaps and Secrets ---- */

static const char *ref_kind_name(KubeKind k) {
        return k == KUBE_SECRET ? "Secret" : "ConfigMap";
}

/* A volume's files come from data and binaryData; a configMapKeyRef reads data only (the kubelet's
 * rule), so env references pass for_env. */
static bool object_has_key(const KubeObject *o, const char *key, bool for_env) {
        if (o->kind == KUBE_CONFIG_MAP)
                return kstrmap_get(&o->config_map->data, key) ||
                       (!for_env && kstrmap_get(&o->config_map->binary_data, key));
        return kstrmap_get(&o->secret->data, key) || kstrmap_get(&o->secret->string_data, key);
}

/* Checks that NAME (and KEY, when given) exist, unless optional. Returns the object or NULL. */
static const KubeObject *check_ref(Validator *v, KubeKind kind, const KStr *name, const KStr *key, const KBool *optional,
                                   const char *name_field) {
        const KubeObject *o;

        if (!name->v || !*name->v)
                return NULL;
        o = kube_set_find(v->set, kind, name->v);
        if (!o) {
                if (!optional || !optional->v)
                        verr(v, name->node, name_field,
                             "%s \"%s\" not found in the input%s (set optional: true if it may be missing)",
                             ref_kind_name(kind), name->v,
                             kind == KUBE_CONFIG_MAP ? " or in --configmap files" : "");
                return NULL;
        }
        if (key && key->v && *key->v && !object_has_key(o, key->v, true) && (!optional || !optional->v))
                verr(v, key->node, "key", "key \"%s\" not found in %s \"%s\" (%s:%u)", key->v, ref_kind_name(kind),
                     name->v, o->file, knode_line(o->node));
        return o;
}

/* ---- containers ---- */

static const char *const capabilities[] = {
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
        "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
        "PERFMON", "BPF", "CHECKPOINT_RESTORE", "ALL", NULL,
};

static void check_capability_list(Validator *v, const KStrList *l, const char *field) {
        size_t mark = vpush(v, "%s", field);

        for (size_t i = 0; i < l->n; i++) {
                const char *c = l->v[i].v ?: "";
                const char *bare = startswith(c, "CAP_") ?: c;
                bool ok = false;

                for (const char *const *k = capabilities; *k; k++)
                        if (strcasecmp(*k, bare) == 0)
                                ok = true;
                if (!ok) {
                        size_t m = vpush(v, "[%zu]", i);
                        verr(v, l->v[i].node, NULL, "unknown capability \"%s\"", c);
                        vpop(v, m);
                }
        }
        vpop(v, mark);
}

static void check_seccomp(Validator *v, const KSeccompProfile *s) {
        static const char *const types[] = { "RuntimeDefault", "Unconfined", "Localhost", NULL };
        size_t mark;

        if (!s)
                return;
        mark = vpush(v, "seccompProfile");
        if (require_str(v, &s->type, s->node, "type"))
                check_enum(v, &s->type, "type", types);
        if (s->type.v && streq(s->type.v, "Localhost") && !s->localhost_profile.v)
                verr(v, s->node, "localhostProfile", "required when type is Localhost");
        if (s->localhost_profile.v && !(s->type.v && streq(s->type.v, "Localhost")))
                verr(v, s->localhost_profile.node, "localhostProfile", "may only be set when type is Localhost");
        vpop(v, mark);
}

static void check_id(Validator *v, const KInt *i, const char *field) {
        check_range(v, i, field, 0, 2147483647);
}

static void validate_security_context(Validator *v, const KSecurityContext *sc, const KPodSecurityContext *psc) {
        static const char *const proc_mounts[] = { "Default", "Unmasked", NULL };
        size_t mark;
        const KInt *uid;
        const KBool *non_root;

        if (!sc)
                return;
        mark = vpush(v, "securityContext");
        check_id(v, &sc->run_as_user, "runAsUser");
        check_id(v, &sc->run_as_group, "runAsGroup");
        if (sc->capabilities) {
                size_t m = vpush(v, "capabilities");
                check_capability_list(v, &sc->capabilities->add, "add");
                check_capability_list(v, &sc->capabilities->drop, "drop");
                vpop(v, m);
        }
        if (sc->privileged.v && sc->allow_privilege_escalation.set && !sc->allow_privilege_escalation.v)
                verr(v, sc->allow_privilege_escalation.node, "allowPrivilegeEscalation",
                     "cannot be false when privileged is true");
        check_enum(v, &sc->proc_mount, "procMount", proc_mounts);
        check_seccomp(v, sc->seccomp_profile);
        vpop(v, mark);

        /* runAsNonRoot with an explicit uid 0 can never start: say it now rather than at start. */
        uid = sc->run_as_user.set ? &sc->run_as_user : (psc && psc->run_as_user.set ? &psc->run_as_user : NULL);
        non_root = sc->run_as_non_root.set ? &sc->run_as_non_root
                                           : (psc && psc->run_as_non_root.set ? &psc->run_as_non_root : NULL);
        if (uid && non_root && non_root->v && uid->v == 0) {
                mark = vpush(v, "securityContext");
                verr(v, non_root->node, "runAsNonRoot", "is true but runAsUser is 0 (line %u): the container would never start",
                     knode_line(uid->node));
                vpop(v, mark);
        }
}

static const KContainerPort *find_named_port(const KContainer *c, const char *name) {
        for (size_t i = 0; i < c->ports.n; i++)
                if (c->ports.v[i].name.v && streq(c->ports.v[i].name.v, name))
                        return &c->ports.v[i];
        return NULL;
}

static void check_port_ref(Validator *v, const KContainer *c, const KIntOrStr *port, const YNode *parent) {
        if (!port->set) {
                verr(v, parent, "port", "required");
                return;
        }
        if (!port->is_str) {
                if (port->i < 1 || port->i > 65535)
                        verr(v, port->node, "port", "must be between 1 and 65535, got %lld", (long long) port->i);
                return;
        }
        if (name_check_iana_svc_name(port->s))
                verr(v, port->node, "port", "must be a port number or a port name, got \"%s\"", port->s);
        else if (!find_named_port(c, port->s))
                verr(v, port->node, "port", "\"%s\" is not the name of a port of this container", port->s);
}

static void validate_handler(Validator *v, const KContainer *c, const YNode *node, const KExecAction *exec,
                             const KHTTPGetAction *http, const KTCPSocketAction *tcp, const KSleepAction *sleep,
                             const YNode *grpc) {
        static const char *const schemes[] = { "HTTP", "HTTPS", NULL };
        int n = !!exec + !!http + !!tcp + !!sleep + !!grpc;

        if (n == 0) {
                verr(v, node, NULL, "must specify a handler: exec, httpGet or tcpSocket");
                return;
        }
        if (n > 1) {
                verr(v, node, NULL, "may only specify one handler (exec, httpGet, tcpSocket%s)", sleep ? ", sleep" : "");
                return;
        }
        if (grpc) {
                verr(v, grpc, "grpc", "grpc probes are not supported by skiff; use exec, httpGet or tcpSocket");
                return;
        }
        if (exec && exec->command.n == 0)
                verr(v, exec->node, "exec.command", "required: a command to run");
        if (http) {
                size_t m = vpush(v, "httpGet");
                check_port_ref(v, c, &http->port, http->node);
                check_enum(v, &http->scheme, "scheme", schemes);
                for (size_t i = 0; i < http->http_headers.n; i++) {
                        size_t k = vpush(v, "httpHeaders[%zu]", i);
                        require_str(v, &http->http_headers.v[i].name, http->http_headers.v[i].node, "name");
                        vpop(v, k);
                }
                vpop(v, m);
        }
        if (tcp) {
                size_t m = vpush(v, "tcpSocket");
                check_port_ref(v, c, &tcp->port, tcp->node);
                vpop(v, m);
        }
        if (sleep) {
                size_t m = vpush(v, "sleep");
                if (!sleep->seconds.set)
                        verr(v, sleep->node, "seconds", "required");
                check_range(v, &sleep->seconds, "seconds", 0, INT32_MAX);
                vpop(v, m);
        }
}

static void validate_probe(Validator *v, const KContainer *c, const KProbe *p, const char *field, bool single_success) {
        size_t mark;

        if (!p)
                return;
        mark = vpush(v, "%s", field);
        validate_handler(v, c, p->node, p->exec, p->http_get, p->tcp_socket, NULL, p->grpc);
        check_range(v, &p->initial_delay_seconds, "initialDelaySeconds", 0, INT32_MAX);
        check_range(v, &p->timeout_seconds, "timeoutSeconds", 1, INT32_MAX);
        check_range(v, &p->period_seconds, "periodSeconds", 1, INT32_MAX);
        check_range(v, &p->success_threshold, "successThreshold", 1, INT32_MAX);
        check_range(v, &p->failure_threshold, "failureThreshold", 1, INT32_MAX);
        check_range(v, &p->termination_grace_period_seconds, "terminationGracePeriodSeconds", 1, INT32_MAX);
        if (single_success && p->success_threshold.set && p->success_threshold.v != 1)
                verr(v, p->success_threshold.node, "successThreshold", "must be 1 for a %s, got %lld", field,
                     (long long) p->success_threshold.v);
        vpop(v, mark);
}

static bool valid_signal(const char *s) {
        for (int i = 1; i < NSIG; i++) {
                const char *abbrev = sigabbrev_np(i);
                if (abbrev && (streq(s + (startswith(s, "SIG") ? 3 : 0), abbrev)))
                        return true;
        }
        return startswith(s, "SIGRTMIN") || startswith(s, "SIGRTMAX");
}

static void validate_lifecycle(Validator *v, const KContainer *c, const KLifecycle *l) {
        size_t mark;

        if (!l)
                return;
        mark = vpush(v, "lifecycle");
        if (l->post_start) {
                size_t m = vpush(v, "postStart");
                validate_handler(v, c, l->post_start->node, l->post_start->exec, l->post_start->http_get,
                                 l->post_start->tcp_socket, l->post_start->sleep, NULL);
                vpop(v, m);
        }
        if (l->pre_stop) {
                size_t m = vpush(v, "preStop");
                validate_handler(v, c, l->pre_stop->node, l->pre_stop->exec, l->pre_stop->http_get,
                                 l->pre_stop->tcp_socket, l->pre_stop->sleep, NULL);
                vpop(v, m);
        }
        if (l->stop_signal.v && !valid_signal(l->stop_signal.v))
                verr(v, l->stop_signal.node, "stopSignal", "must be a signal name such as SIGTERM, got \"%s\"",
                     l->stop_signal.v);
        vpop(v, mark);
}

static bool is_standard_resource(const char *k) {
        return streq(k, "cpu") || streq(k, "memory") || streq(k, "ephemeral-storage") || startswith(k, "hugepages-");
}

static void validate_quantity_map(Validator *v, const KQuantityMap *m, const char *field) {
        size_t mark = vpush(v, "%s", field);

        for (size_t i = 0; i < m->n; i++) {
                const KQuantityPair *p = &m->v[i];
                size_t k = vpush(v, "%s", p->key.v);

                if (!is_standard_resource(p->key.v) && !strchr(p->key.v, '/')) {
                        const char *hint = streq(p->key.v, "mem") || streq(p->key.v, "ram") || streq(p->key.v, "Memory")
                                                   ? " (did you mean \"memory\"?)"
                                           : streq(p->key.v, "CPU") || streq(p->key.v, "cpus") ? " (did you mean \"cpu\"?)"
                                                                                                 : "";
                        verr(v, p->key.node, NULL,
                             "unknown resource \"%s\": must be cpu, memory, ephemeral-storage, hugepages-<size> or a "
                             "domain-qualified extended resource%s",
                             p->key.v, hint);
                } else if (p->value.valid && p->value.q.negative && !quantity_is_zero(&p->value.q))
                        verr(v, p->value.node, NULL, "must be greater than or equal to 0, got \"%s\"", p->value.text);
                vpop(v, k);
        }
        vpop(v, mark);
}

static void validate_resources(Validator *v, const KResources *r) {
        size_t mark;

        if (!r)
                return;
        mark = vpush(v, "resources");
        validate_quantity_map(v, &r->limits, "limits");
        validate_quantity_map(v, &r->requests, "requests");
        for (size_t i = 0; i < r->requests.n; i++) {
                const KQuantityPair *req = &r->requests.v[i];
                const KQuantity *lim = kquantitymap_get(&r->limits, req->key.v);

                if (lim && lim->valid && req->value.valid && quantity_cmp(&req->value.q, &lim->q) > 0) {
                        size_t k = vpush(v, "requests.%s", req->key.v);
                        verr(v, req->value.node, NULL, "must be less than or equal to the %s limit %s (line %u), got %s",
                             req->key.v, lim->text, knode_line(lim->node), req->value.text);
                        vpop(v, k);
                }
        }
        vpop(v, mark);
}

static const char *const field_paths[] = {
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
        "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs", NULL,
};

static bool valid_field_path(const char *p) {
        const char *rest;

        for (const char *const *f = field_paths; *f; f++)
                if (streq(*f, p))
                        return true;
        /* metadata.labels['key'] and metadata.annotations['key'] */
        rest = startswith(p, "metadata.labels") ?: startswith(p, "metadata.annotations");
        if (!rest)
                return false;
        if (!*rest)
                return true;
        return startswith(rest, "['") && endswith(rest, "']") && strlen(rest) > 4;
}

static const char *const resource_refs[] = {
        "limits.cpu", "limits.memory", "limits.ephemeral-storage", "requests.cpu", "requests.memory",
        "requests.ephemeral-storage", NULL,
};

static void validate_resource_field_ref(Validator *v, const KPodSpec *spec, const KResourceFieldRef *r) {
        static const char *const cpu_divisors[] = { "1m", "1", NULL };
        static const char *const mem_divisors[] = { "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi",
                                                    "1Ti", "1Pi", "1Ei", NULL };
        size_t mark = vpush(v, "resourceFieldRef");
        bool ok = false;

        if (require_str(v, &r->resource, r->node, "resource")) {
                for (const char *const *k = resource_refs; *k; k++)
                        if (streq(*k, r->resource.v))
                                ok = true;
                if (startswith(r->resource.v, "limits.hugepages-") || startswith(r->resource.v, "requests.hugepages-"))
                        ok = true;
                if (!ok)
                        check_enum(v, &r->resource, "resource", resource_refs);
        }
        if (r->container_name.v && *r->container_name.v) {
                bool found = false;
                for (size_t i = 0; i < spec->containers.n; i++)
                        if (streq_ptr(spec->containers.v[i].name.v, r->container_name.v))
                                found = true;
                for (size_t i = 0; i < spec->init_containers.n; i++)
                        if (streq_ptr(spec->init_containers.v[i].name.v, r->container_name.v))
                                found = true;
                if (!found)
                        verr(v, r->container_name.node, "containerName", "no container named \"%s\" in this pod",
                             r->container_name.v);
        }
        if (ok && r->divisor.set && r->divisor.valid) {
                const char *const *allowed = strstr(r->resource.v, "cpu") ? cpu_divisors : mem_divisors;
                bool good = false;
                for (const char *const *a = allowed; *a; a++) {
                        Quantity q;
                        if (quantity_parse(*a, &q, NULL) >= 0 && quantity_cmp(&q, &r->divisor.q) == 0)
                                good = true;
                }
                if (!good)
                        verr(v, r->divisor.node, "divisor", "must be %s for %s, got \"%s\"",
                             allowed == cpu_divisors ? "1m or 1" : "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi or 1Ei",
                             r->resource.v, r->divisor.text);
        }
        vpop(v, mark);
}

static void validate_env(Validator *v, const KPodSpec *spec, const KContainer *c) {
        for (size_t i = 0; i < c->env.n; i++) {
                const KEnvVar *e = &c->env.v[i];
                size_t mark = vpush(v, "env[%zu]", i);

                if (require_str(v, &e->name, e->node, "name"))
                        check_name(v, &e->name, "name", name_check_env_var_name);
                if (e->value_from) {
                        const KEnvVarSource *s = e->value_from;
                        int n = !!s->config_map_key_ref + !!s->secret_key_ref + !!s->field_ref + !!s->resource_field_ref;
                        size_t m;

                        if (e->value.v && *e->value.v)
                                verr(v, e->value.node, "value", "may not be set together with valueFrom");
                        m = vpush(v, "valueFrom");
                        if (n == 0)
                                verr(v, s->node, NULL,
                                     "must specify one of configMapKeyRef, secretKeyRef, fieldRef or resourceFieldRef");
                        else if (n > 1)
                                verr(v, s->node, NULL,
                                     "may only specify one of configMapKeyRef, secretKeyRef, fieldRef or resourceFieldRef");
                        if (s->config_map_key_ref || s->secret_key_ref) {
                                const KKeySelector *k = s->config_map_key_ref ?: s->secret_key_ref;
                                KubeKind kind = s->config_map_key_ref ? KUBE_CONFIG_MAP : KUBE_SECRET;
                                size_t mk = vpush(v, "%s", s->config_map_key_ref ? "configMapKeyRef" : "secretKeyRef");
                                bool have_name = require_str(v, &k->name, k->node, "name");
                                bool have_key = require_str(v, &k->key, k->node, "key");

                                if (have_name)
                                        check_name(v, &k->name, "name", name_check_dns1123_subdomain);
                                if (have_key)
                                        check_name(v, &k->key, "key", name_check_config_map_key);
                                if (have_name && have_key)
                                        check_ref(v, kind, &k->name, &k->key, &k->optional, "name");
                                vpop(v, mk);
                        }
                        if (s->field_ref) {
                                size_t mk = vpush(v, "fieldRef");
                                if (require_str(v, &s->field_ref->field_path, s->field_ref->node, "fieldPath") &&
                                    !valid_field_path(s->field_ref->field_path.v))
                                        verr(v, s->field_ref->field_path.node, "fieldPath",
                                             "must be metadata.name, metadata.namespace, metadata.uid, "
                                             "metadata.labels['KEY'], metadata.annotations['KEY'], spec.nodeName, "
                                             "spec.serviceAccountName, status.hostIP or status.podIP, got \"%s\"",
                                             s->field_ref->field_path.v);
                                if (s->field_ref->api_version.v && !streq(s->field_ref->api_version.v, "v1"))
                                        verr(v, s->field_ref->api_version.node, "apiVersion", "must be v1, got \"%s\"",
                                             s->field_ref->api_version.v);
                                vpop(v, mk);
                        }
                        if (s->resource_field_ref)
                                validate_resource_field_ref(v, spec, s->resource_field_ref);
                        vpop(v, m);
                }
                vpop(v, mark);
        }
        for (size_t i = 0; i < c->env_from.n; i++) {
                const KEnvFromSource *e = &c->env_from.v[i];
                size_t mark = vpush(v, "envFrom[%zu]", i);

                if (!!e->config_map_ref + !!e->secret_ref != 1)
                        verr(v, e->node, NULL, "must specify exactly one of configMapRef or secretRef");
                else {
                        const KRefOptional *r = e->config_map_ref ?: e->secret_ref;
                        size_t mk = vpush(v, "%s", e->config_map_ref ? "configMapRef" : "secretRef");
                        if (require_str(v, &r->name, r->node, "name")) {
                                check_name(v, &r->name, "name", name_check_dns1123_subdomain);
                                check_ref(v, e->config_map_ref ? KUBE_CONFIG_MAP : KUBE_SECRET, &r->name, NULL,
                                          &r->optional, "name");
                        }
                        vpop(v, mk);
                }
                if (e->prefix.v && *e->prefix.v)
                        check_name(v, &e->prefix, "prefix", name_check_env_var_name);
                vpop(v, mark);
        }
}

static const KVolume *find_volume(const KPodSpec *spec, const char *name) {
        for (size_t i = 0; i < spec->volumes.n; i++)
                if (streq_ptr(spec->volumes.v[i].name.v, name))
                        return &spec->volumes.v[i];
        return NULL;
}

static void validate_mounts(Validator *v, const KPodSpec *spec, const KContainer *c) {
        static const char *const propagation[] = { "None", "HostToContainer", "Bidirectional", NULL };
        bool volume_failed = false;

        /* A volume that failed to decode (already reported) has no name: a mount of it is not dangling. */
        for (size_t i = 0; i < spec->volumes.n; i++)
                if (!spec->volumes.v[i].node)
                        volume_failed = true;

        for (size_t i = 0; i < c->volume_mounts.n; i++) {
                const KVolumeMount *m = &c->volume_mounts.v[i];
                size_t mark = vpush(v, "volumeMounts[%zu]", i);

                if (require_str(v, &m->name, m->node, "name") && !find_volume(spec, m->name.v) &&
                    !volume_failed)
                        verr(v, m->name.node, "name", "no volume named \"%s\" in spec.volumes", m->name.v);
                if (require_str(v, &m->mount_path, m->node, "mountPath")) {
                        check_abs_path(v, &m->mount_path, "mountPath");
                        for (size_t j = 0; j < i; j++)
                                if (streq_ptr(c->volume_mounts.v[j].mount_path.v, m->mount_path.v)) {
                                        verr(v, m->mount_path.node, "mountPath",
                                             "duplicate mount path \"%s\" (first mounted at line %u)", m->mount_path.v,
                                             knode_line(c->volume_mounts.v[j].mount_path.node));
                                        break;
                                }
                }
                if (m->sub_path.v && *m->sub_path.v)
                        check_name(v, &m->sub_path, "subPath", name_check_relative_path);
                check_enum(v, &m->mount_propagation, "mountPropagation", propagation);
                if (m->mount_propagation.v && streq(m->mount_propagation.v, "Bidirectional") &&
                    !(c->security_context && c->security_context->privileged.v))
                        verr(v, m->mount_propagation.node, "mountPropagation",
                             "Bidirectional requires a privileged container");
                vpop(v, mark);
        }
}

/* Host ports are one per host, across every pod skiff runs from this input. */
typedef struct HostPortUse {
        const char *ip;
        int64_t port;
        const char *protocol;
        const KubeObject *obj;
        const YNode *node;
        const char *pod;
} HostPortUse;

typedef struct HostPorts {
        HostPortUse *v;
        size_t n;
} HostPorts;

static bool wildcard_ip(const char *ip) {
        return !*ip || streq(ip, "0.0.0.0") || streq(ip, "::");
}

static void check_host_port(Validator *v, HostPorts *hp, const KContainerPort *p, const char *pod) {
        const char *proto = p->protocol.v ?: "TCP", *ip = p->host_ip.v ?: "";
        HostPortUse *n;

        for (size_t i = 0; i < hp->n; i++) {
                const HostPortUse *u = &hp->v[i];
                /* An unset hostIP, 0.0.0.0 or :: binds every address, so it clashes with any other. */
                bool ip_clash = wildcard_ip(ip) || wildcard_ip(u->ip) || streq(ip, u->ip);

                if (u->port != p->host_port.v || !streq(u->protocol, proto) || !ip_clash)
                        continue;
                if (u->obj == v->obj)
                        verr(v, p->host_port.node, "hostPort", "host port %lld/%s is already used in this pod (line %u)",
                             (long long) p->host_port.v, proto, knode_line(u->node));
                else
                        verr(v, p->host_port.node, "hostPort",
                             "host port %lld/%s is already used by pod \"%s\" (%s:%u); only one pod on a host "
                             "can bind it",
                             (long long) p->host_port.v, proto, u->pod ?: "?", u->obj->file,
                             knode_line(u->node));
                return;
        }
        n = realloc(hp->v, (hp->n + 1) * sizeof(HostPortUse));
        if (!n) {
                v->diags->oom = true; /* the caller returns -ENOMEM */
                return;
        }
        hp->v = n;
        hp->v[hp->n++] = (HostPortUse) {
                .ip = ip, .port = p->host_port.v, .protocol = proto, .obj = v->obj, .node = p->host_port.node, .pod = pod,
        };
}

static void validate_ports(Validator *v, const KPodSpec *spec, const KContainer *c, HostPorts *hp, const char *pod) {
        static const char *const protocols[] = { "TCP", "UDP", "SCTP", NULL };

        for (size_t i = 0; i < c->ports.n; i++) {
                const KContainerPort *p = &c->ports.v[i];
                size_t mark = vpush(v, "ports[%zu]", i);

                if (!p->container_port.set)
                        verr(v, p->node, "containerPort", "required");
                check_range(v, &p->container_port, "containerPort", 1, 65535);
                check_range(v, &p->host_port, "hostPort", 0, 65535);
                check_enum(v, &p->protocol, "protocol", protocols);
                if (p->name.v && *p->name.v) {
                        check_name(v, &p->name, "name", name_check_iana_svc_name);
                        for (size_t j = 0; j < i; j++)
                                if (streq_ptr(c->ports.v[j].name.v, p->name.v)) {
                                        verr(v, p->name.node, "name", "duplicate port name \"%s\" (first used at line %u)",
                                             p->name.v, knode_line(c->ports.v[j].name.node));
                                        break;
                                }
                }
                if (p->host_ip.v && *p->host_ip.v)
                        check_name(v, &p->host_ip, "hostIP", name_check_ip);
                if (spec->host_network.v && p->host_port.set && p->host_port.v != 0 && p->container_port.set &&
                    p->host_port.v != p->container_port.v)
                        verr(v, p->host_port.node, "hostPort",
                             "must match containerPort (%lld) when hostNetwork is true, got %lld",
                             (long long) p->container_port.v, (long long) p->host_port.v);
                if (p->host_port.set && p->host_port.v > 0 && p->host_port.v <= 65535)
                        check_host_port(v, hp, p, pod);
                vpop(v, mark);
        }
}

/* Docker/OCI reference sanity; the image store parses references fully when it pulls. */
static void check_image(Validator *v, const KStr *image) {
        const char *s = image->v, *path, *slash, *colon, *at;
        size_t len;

        for (const char *p = s; *p; p++)
                if (*p == ' ' || *p == '\t' || *p == '\n') {
                        verr(v, image->node, "image", "must not contain white space, got \"%s\"", s);
                        return;
                }
        at = strchr(s, '@');
        len = at ? (size_t) (at - s) : strlen(s);
        slash = memchr(s, '/', len);
        /* The first component is a registry when it has a '.' or ':' or is localhost. */
        path = s;
        if (slash) {
                size_t first = (size_t) (slash - s);
                if (memchr(s, '.', first) || memchr(s, ':', first) || (first == 9 && strncmp(s, "localhost", 9) == 0))
                        path = slash + 1;
        }
        colon = memrchr(path, ':', len - (size_t) (path - s));
        if (colon && memchr(colon, '/', len - (size_t) (colon - s)))
                colon = NULL;
        for (const char *p = path; p < (colon ?: s + len); p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._-/", *p))) {
                        verr(v, image->node, "image",
                             "invalid image reference \"%s\": repository names use lower case letters, digits, "
                             "'.', '_', '-' and '/'", s);
                        return;
                }
        if (path == (colon ?: s + len))
                verr(v, image->node, "image", "invalid image reference \"%s\": no repository name", s);
        if (at && !startswith(at + 1, "sha256:") && !startswith(at + 1, "sha512:"))
                verr(v, image->node, "image", "invalid image reference \"%s\": a digest is sha256:HEX", s);
}

/* The key node of key in mapping map, or NULL. */
static const YNode *map_key_node(const YNode *map, const char *key) {
        if (!map || map->type != YNODE_MAPPING)
                return NULL;
        for (size_t i = 0; i < map->map.n; i++)
                if (streq(map->map.pairs[i].key->scalar.value, key))
                        return map->map.pairs[i].key;
        return NULL;
}

static void validate_container(Validator *v, const KObjectMeta *meta, const KPodSpec *spec, const KContainer *c,
                               bool init, HostPorts *hp, const char *pod) {
        static const char *const pull_policies[] = { "Always", "IfNotPresent", "Never", NULL };
        static const char *const init_restart[] = { "Always", NULL };
        bool sidecar = init && c->restart_policy.v && streq(c->restart_policy.v, "Always");

        if (require_str(v, &c->name, c->node, "name"))
                check_name(v, &c->name, "name", name_check_dns1123_label);
        if (require_str(v, &c->image, c->node, "image"))
                check_image(v, &c->image);
        check_enum(v, &c->image_pull_policy, "imagePullPolicy", pull_policies);
        if (c->working_dir.v && *c->working_dir.v)
                check_abs_path(v, &c->working_dir, "workingDir");
        validate_ports(v, spec, c, hp, pod);
        validate_env(v, spec, c);
        validate_mounts(v, spec, c);
        validate_resources(v, c->resources);
        validate_security_context(v, c->security_context, spec->security_context);
        if (init && !sidecar) {
                /* Kubernetes forbids these on init containers that run to completion. */
                const YNode *bad[] = { c->liveness_probe ? c->liveness_probe->node : NULL,
                                       c->readiness_probe ? c->readiness_probe->node : NULL,
                                       c->startup_probe ? c->startup_probe->node : NULL,
                                       c->lifecycle ? c->lifecycle->node : NULL };
                const char *names[] = { "livenessProbe", "readinessProbe", "startupProbe", "lifecycle" };
                for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                        if (bad[i])
                                /* At the key: the value's first line is its first child ("exec:"). */
                                verr(v, map_key_node(c->node, names[i]) ?: bad[i], names[i],
                                     "may not be set on an init container (unless restartPolicy: Always makes it a sidecar)");
        } else {
                validate_probe(v, c, c->liveness_probe, "livenessProbe", true);
                validate_probe(v, c, c->readiness_probe, "readinessProbe", false);
                validate_probe(v, c, c->startup_probe, "startupProbe", true);
                validate_lifecycle(v, c, c->lifecycle);
        }
        if (init)
                check_enum(v, &c->restart_policy, "restartPolicy", init_restart);
        else if (c->restart_policy.v)
                verr(v, c->restart_policy.node, "restartPolicy",
                     "may only be set on init containers (sidecars); the pod's restartPolicy is spec.restartPolicy");
        (void) meta;
}

static void validate_key_items(Validator *v, const KubeObject *src, const void *items_any, size_t n,
                               const KBool *optional) {
        const KKeyToPath *items = items_any;

        for (size_t i = 0; i < n; i++) {
                const KKeyToPath *it = &items[i];
                size_t mark = vpush(v, "items[%zu]", i);

                if (require_str(v, &it->key, it->node, "key")) {
                        check_name(v, &it->key, "key", name_check_config_map_key);
                        if (src && !object_has_key(src, it->key.v, false) && !(optional && optional->v))
                                verr(v, it->key.node, "key", "key \"%s\" not found in %s \"%s\" (%s:%u)", it->key.v,
                                     kube_kind_to_string(src->kind), src->metadata->name.v, src->file,
                                     knode_line(src->node));
                }
                if (require_str(v, &it->path, it->node, "path"))
                        check_name(v, &it->path, "path", name_check_volume_item_path);
                for (size_t j = 0; j < i; j++)
                        if (it->path.v && streq_ptr(items[j].path.v, it->path.v)) {
                                verr(v, it->path.node, "path", "duplicate path \"%s\" (first at line %u)", it->path.v,
                                     knode_line(items[j].path.node));
                                break;
                        }
                check_mode(v, &it->mode, "mode");
                vpop(v, mark);
        }
}

static bool is_volume_type_key(const char *k) {
        return streq(k, "hostPath") || streq(k, "emptyDir") || streq(k, "configMap") || streq(k, "secret") ||
               streq(k, "persistentVolumeClaim");
}

static void validate_volume(Validator *v, const KVolume *vol) {
        static const char *const host_path_types[] = { "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File",
                                                       "Socket", "CharDevice", "BlockDevice", NULL };
        static const char *const media[] = { "", "Memory", NULL };
        int n = !!vol->host_path + !!vol->empty_dir + !!vol->config_map + !!vol->secret + !!vol->persistent_volume_claim;

        if (require_str(v, &vol->name, vol->node, "name"))
                check_name(v, &vol->name, "name", name_check_dns1123_label);
        if (n == 0 && vol->unsupported_source)
                verr(v, vol->unsupported_source->key, vol->unsupported_source->key->scalar.value,
                     "volume type %s is not supported by skiff (it runs hostPath, emptyDir, configMap, secret and "
                     "persistentVolumeClaim)",
                     vol->unsupported_source->key->scalar.value);
        else if (n == 0) {
                /* "emptyDir:" with nothing after it is null, which Kubernetes reads as not set. */
                const char *null_type = NULL;
                for (size_t i = 0; vol->node && i < vol->node->map.n; i++)
                        if (is_volume_type_key(vol->node->map.pairs[i].key->scalar.value) &&
                            ynode_is_null(vol->node->map.pairs[i].value))
                                null_type = vol->node->map.pairs[i].key->scalar.value;
                if (null_type)
                        verr(v, vol->node, NULL,
                             "must specify a volume type: %s is null, which means not set; write %s: {}", null_type,
                             null_type);
                else
                        verr(v, vol->node, NULL,
                             "must specify a volume type: hostPath, emptyDir, configMap, secret or persistentVolumeClaim");
        } else if (n > 1 || vol->unsupported_source) {
                StrBuf types = STRBUF_INIT;
                /* Name them, in the order written, so the user sees which one to drop. */
                for (size_t i = 0; vol->node && i < vol->node->map.n; i++) {
                        const char *k = vol->node->map.pairs[i].key->scalar.value;
                        const YPair *p = &vol->node->map.pairs[i];
                        if ((is_volume_type_key(k) && !ynode_is_null(p->value)) ||
                            (vol->unsupported_source && vol->unsupported_source->key == p->key))
                                strbuf_addf(&types, "%s%s", types.len ? ", " : "", k);
                }
                verr(v, vol->node, NULL, "may not specify more than one volume type, got %s",
                     types.buf ?: "");
                strbuf_release(&types);
        }
        if (vol->host_path) {
                size_t m = vpush(v, "hostPath");
                if (require_str(v, &vol->host_path->path, vol->host_path->node, "path"))
                        check_abs_path(v, &vol->host_path->path, "path");
                check_enum(v, &vol->host_path->type, "type", host_path_types);
                vpop(v, m);
        }
        if (vol->empty_dir) {
                size_t m = vpush(v, "emptyDir");
                check_enum(v, &vol->empty_dir->medium, "medium", media);
                if (vol->empty_dir->size_limit.valid && vol->empty_dir->size_limit.q.negative &&
                    !quantity_is_zero(&vol->empty_dir->size_limit.q))
                        verr(v, vol->empty_dir->size_limit.node, "sizeLimit", "must be greater than or equal to 0, got \"%s\"",
                             vol->empty_dir->size_limit.text);
                vpop(v, m);
        }
        if (vol->config_map) {
                const KConfigMapSource *c = vol->config_map;
                const KubeObject *src = NULL;
                size_t m = vpush(v, "configMap");

                if (require_str(v, &c->name, c->node, "name")) {
                        check_name(v, &c->name, "name", name_check_dns1123_subdomain);
                        src = check_ref(v, KUBE_CONFIG_MAP, &c->name, NULL, &c->optional, "name");
                }
                validate_key_items(v, src, c->items.v, c->items.n, &c->optional);
                check_mode(v, &c->default_mode, "defaultMode");
                vpop(v, m);
        }
        if (vol->secret) {
                const KSecretSource *s = vol->secret;
                const KubeObject *src = NULL;
                size_t m = vpush(v, "secret");

                if (require_str(v, &s->secret_name, s->node, "secretName")) {
                        check_name(v, &s->secret_name, "secretName", name_check_dns1123_subdomain);
                        src = check_ref(v, KUBE_SECRET, &s->secret_name, NULL, &s->optional, "secretName");
                }
                validate_key_items(v, src, s->items.v, s->items.n, &s->optional);
                check_mode(v, &s->default_mode, "defaultMode");
                vpop(v, m);
        }
        if (vol->persistent_volume_claim) {
                size_t m = vpush(v, "persistentVolumeClaim");
                if (require_str(v, &vol->persistent_volume_claim->claim_name, vol->persistent_volume_claim->node,
                                "claimName"))
                        check_name(v, &vol->persistent_volume_claim->claim_name, "claimName",
                                   name_check_dns1123_subdomain);
                vpop(v, m);
        }
}

static void validate_pod_security_context(Validator *v, const KPodSecurityContext *sc) {
        size_t mark;

        if (!sc)
                return;
        mark = vpush(v, "securityContext");
        check_id(v, &sc->run_as_user, "runAsUser");
        check_id(v, &sc->run_as_group, "runAsGroup");
        check_id(v, &sc->fs_group, "fsGroup");
        for (size_t i = 0; i < sc->supplemental_groups.n; i++) {
                size_t m = vpush(v, "supplementalGroups[%zu]", i);
                check_id(v, &sc->supplemental_groups.v[i], NULL);
                vpop(v, m);
        }
        for (size_t i = 0; i < sc->sysctls.n; i++) {
                const KSysctl *s = &sc->sysctls.v[i];
                size_t m = vpush(v, "sysctls[%zu]", i);

                if (require_str(v, &s->name, s->node, "name")) {
                        check_name(v, &s->name, "name", name_check_sysctl_name);
                        for (size_t j = 0; j < i; j++)
                                if (streq_ptr(sc->sysctls.v[j].name.v, s->name.v)) {
                                        verr(v, s->name.node, "name", "duplicate sysctl \"%s\" (first at line %u)",
                                             s->name.v, knode_line(sc->sysctls.v[j].name.node));
                                        break;
                                }
                }
                vpop(v, m);
        }
        check_seccomp(v, sc->seccomp_profile);
        vpop(v, mark);
}

static void validate_pod_spec(Validator *v, const KObjectMeta *meta, const KPodSpec *spec, HostPorts *hp,
                              const char *pod, bool deployment) {
        static const char *const restart_policies[] = { "Always", "OnFailure", "Never", NULL };
        static const char *const deployment_restart[] = { "Always", NULL };
        size_t n_all = spec->containers.n + spec->init_containers.n;

        if (spec->containers.n == 0)
                verr(v, spec->containers.node ?: spec->node, "containers", "required: a pod needs at least one container");
        if (deployment) {
                if (spec->restart_policy.v && *spec->restart_policy.v &&
                    !in_list(deployment_restart, spec->restart_policy.v))
                        verr(v, spec->restart_policy.node, "restartPolicy",
                             "must be Always in a Deployment's pod template, got \"%s\"",
                             spec->restart_policy.v);
        } else
                check_enum(v, &spec->restart_policy, "restartPolicy", restart_policies);
        check_range(v, &spec->termination_grace_period_seconds, "terminationGracePeriodSeconds", 0, INT64_MAX);
        if (spec->hostname.v && *spec->hostname.v)
                check_name(v, &spec->hostname, "hostname", name_check_dns1123_label);
        if (spec->share_process_namespace.v && spec->host_pid.v)
                verr(v, spec->share_process_namespace.node, "shareProcessNamespace",
                     "cannot be true together with hostPID");

        for (size_t i = 0; i < spec->volumes.n; i++) {
                size_t m = vpush(v, "volumes[%zu]", i);
                validate_volume(v, &spec->volumes.v[i]);
                for (size_t j = 0; j < i; j++)
                        if (spec->volumes.v[i].name.v && streq_ptr(spec->volumes.v[j].name.v, spec->volumes.v[i].name.v)) {
                                verr(v, spec->volumes.v[i].name.node, "name",
                                     "duplicate volume name \"%s\" (first used at line %u)", spec->volumes.v[i].name.v,
                                     knode_line(spec->volumes.v[j].name.node));
                                break;
                        }
                vpop(v, m);
        }

        /* Container names are unique across init and regular containers. */
        for (size_t i = 0; i < n_all; i++) {
                bool init = i < spec->init_containers.n;
                const KContainer *c = init ? &spec->init_containers.v[i] : &spec->containers.v[i - spec->init_containers.n];
                size_t m = vpush(v, "%s[%zu]", init ? "initContainers" : "containers", init ? i : i - spec->init_containers.n);

                validate_container(v, meta, spec, c, init, hp, pod);
                for (size_t j = 0; j < i && c->name.v; j++) {
                        const KContainer *o = j < spec->init_containers.n ? &spec->init_containers.v[j]
                                                                          : &spec->containers.v[j - spec->init_containers.n];
                        if (streq_ptr(o->name.v, c->name.v)) {
                                verr(v, c->name.node, "name", "duplicate container name \"%s\" (first used at line %u)",
                                     c->name.v, knode_line(o->name.node));
                                break;
                        }
                }
                vpop(v, m);
        }

        validate_pod_security_context(v, spec->security_context);
        for (size_t i = 0; i < spec->host_aliases.n; i++) {
                const KHostAlias *a = &spec->host_aliases.v[i];
                size_t m = vpush(v, "hostAliases[%zu]", i);

                if (require_str(v, &a->ip, a->node, "ip"))
                        check_name(v, &a->ip, "ip", name_check_ip);
                for (size_t j = 0; j < a->hostnames.n; j++) {
                        size_t k = vpush(v, "hostnames[%zu]", j);
                        check_name(v, &a->hostnames.v[j], NULL, name_check_dns1123_subdomain);
                        vpop(v, k);
                }
                vpop(v, m);
        }
        if (spec->dns_config) {
                const KPodDNSConfig *d = spec->dns_config;
                size_t m = vpush(v, "dnsConfig");

                if (d->nameservers.n > 3)
                        verr(v, d->nameservers.node, "nameservers", "may hold at most 3 nameservers, got %zu",
                             d->nameservers.n);
                for (size_t j = 0; j < d->nameservers.n; j++) {
                        size_t k = vpush(v, "nameservers[%zu]", j);
                        check_name(v, &d->nameservers.v[j], NULL, name_check_ip);
                        vpop(v, k);
                }
                if (d->searches.n > 32)
                        verr(v, d->searches.node, "searches", "may hold at most 32 search domains, got %zu", d->searches.n);
                for (size_t j = 0; j < d->searches.n; j++) {
                        /* A trailing '.' (an absolute domain) is allowed. */
                        KStr s = d->searches.v[j];
                        _cleanup_free_ char *copy = s.v ? strdup(s.v) : NULL;
                        size_t k = vpush(v, "searches[%zu]", j);

                        if (copy && *copy && copy[strlen(copy) - 1] == '.')
                                copy[strlen(copy) - 1] = 0;
                        if (copy && name_check_dns1123_subdomain(copy))
                                verr(v, s.node, NULL, "%s, got \"%s\"", name_check_dns1123_subdomain(copy), s.v);
                        vpop(v, k);
                }
                for (size_t j = 0; j < d->options.n; j++) {
                        size_t k = vpush(v, "options[%zu]", j);
                        require_str(v, &d->options.v[j].name, d->options.v[j].node, "name");
                        vpop(v, k);
                }
                vpop(v, m);
        }
}

/* ---- objects ---- */

static void validate_string_data_keys(Validator *v, const KStrMap *m, const char *field) {
        for (size_t i = 0; i < m->n; i++) {
                const char *why = name_check_config_map_key(m->v[i].key.v);
                if (why) {
                        size_t k = vpush(v, "%s[%s]", field, m->v[i].key.v);
                        verr(v, m->v[i].key.node, NULL, "key %s, got \"%s\"", why, m->v[i].key.v);
                        vpop(v, k);
                }
        }
}

static size_t validate_base64_map(Validator *v, const KStrMap *m, const char *field) {
        size_t total = 0;

        for (size_t i = 0; i < m->n; i++) {
                const KStr *val = &m->v[i].value;
                _cleanup_free_ char *out = NULL;
                size_t len = 0, bad = 0;

                if (!val->v)
                        continue;
                if (base64_decode(val->v, strlen(val->v), &out, &len, &bad) < 0) {
                        size_t k = vpush(v, "%s[%s]", field, m->v[i].key.v);
                        verr(v, val->node, NULL,
                             "must be base64-encoded (illegal base64 data at input byte %zu); use stringData for plain text",
                             bad);
                        vpop(v, k);
                }
                total += len;
        }
        return total;
}

static void check_duplicate_keys(Validator *v, const KStrMap *a, const KStrMap *b, const char *afield,
                                 const char *bfield) {
        for (size_t i = 0; i < b->n; i++)
                for (size_t j = 0; j < a->n; j++)
                        if (streq(b->v[i].key.v, a->v[j].key.v)) {
                                size_t k = vpush(v, "%s[%s]", bfield, b->v[i].key.v);
                                verr(v, b->v[i].key.node, NULL, "duplicate key: also in %s (line %u)", afield,
                                     knode_line(a->v[j].key.node));
                                vpop(v, k);
                        }
}

static void validate_config_map(Validator *v, const KConfigMap *cm) {
        size_t total = 0;

        validate_string_data_keys(v, &cm->data, "data");
        validate_string_data_keys(v, &cm->binary_data, "binaryData");
        check_duplicate_keys(v, &cm->data, &cm->binary_data, "data", "binaryData");
        for (size_t i = 0; i < cm->data.n; i++)
                total += strlen(cm->data.v[i].key.v) + strlen(strempty(cm->data.v[i].value.v));
        total += validate_base64_map(v, &cm->binary_data, "binaryData");
        if (total > 1024 * 1024)
                verr(v, cm->node, NULL, "a ConfigMap may hold at most 1048576 bytes of data, got %zu", total);
}

static void validate_secret(Validator *v, const KSecret *s) {
        size_t total;

        validate_string_data_keys(v, &s->data, "data");
        validate_string_data_keys(v, &s->string_data, "stringData");
        total = validate_base64_map(v, &s->data, "data");
        for (size_t i = 0; i < s->string_data.n; i++)
                total += strlen(strempty(s->string_data.v[i].value.v));
        if (total > 1024 * 1024)
                verr(v, s->node, NULL, "a Secret may hold at most 1048576 bytes of data, got %zu", total);
        if (s->type.v) {
                static const struct {
                        const char *type, *key;
                } required[] = {
                        { "kubernetes.io/tls", "tls.crt" },
                        { "kubernetes.io/tls", "tls.key" },
                        { "kubernetes.io/dockerconfigjson", ".dockerconfigjson" },
                        { "kubernetes.io/dockercfg", ".dockercfg" },
                        { "kubernetes.io/basic-auth", NULL },
                        { "kubernetes.io/ssh-auth", "ssh-privatekey" },
                };
                for (size_t i = 0; i < ELEMENTSOF(required); i++)
                        if (streq(s->type.v, required[i].type) && required[i].key &&
                            !kstrmap_get(&s->data, required[i].key) && !kstrmap_get(&s->string_data, required[i].key))
                                verr(v, s->type.node, "type", "a Secret of type %s needs the key \"%s\" in data or stringData",
                                     s->type.v, required[i].key);
        }
}

static void validate_pvc(Validator *v, const KPVC *pvc) {
        static const char *const modes[] = { "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod", NULL };
        static const char *const volume_modes[] = { "Filesystem", "Block", NULL };
        size_t mark;

        if (!pvc->spec) {
                vwarn(v, pvc->node, "spec", "not set; Kubernetes needs accessModes and resources.requests.storage");
                return;
        }
        mark = vpush(v, "spec");
        if (pvc->spec->access_modes.n == 0)
                vwarn(v, pvc->spec->node, "accessModes", "not set; Kubernetes needs at least one access mode");
        for (size_t i = 0; i < pvc->spec->access_modes.n; i++) {
                size_t k = vpush(v, "accessModes[%zu]", i);
                check_enum(v, &pvc->spec->access_modes.v[i], NULL, modes);
                vpop(v, k);
        }
        check_enum(v, &pvc->spec->volume_mode, "volumeMode", volume_modes);
        if (pvc->spec->volume_mode.v && streq(pvc->spec->volume_mode.v, "Block"))
                verr(v, pvc->spec->volume_mode.node, "volumeMode", "Block volumes are not supported by skiff");
        if (!pvc->spec->resources || !kquantitymap_get(&pvc->spec->resources->requests, "storage"))
                vwarn(v, pvc->spec->resources ? pvc->spec->resources->node : pvc->spec->node, "resources.requests.storage",
                      "not set; Kubernetes needs a storage request (skiff does not enforce it)");
        else {
                const KQuantity *q = kquantitymap_get(&pvc->spec->resources->requests, "storage");
                if (q->valid && (q->q.negative || quantity_is_zero(&q->q)))
                        verr(v, q->node, "resources.requests.storage", "must be greater than 0, got \"%s\"", q->text);
        }
        vpop(v, mark);
}

static void validate_deployment(Validator *v, const KubeObject *o, HostPorts *hp) {
        const KDeployment *d = o->deployment;
        const KDeploymentSpec *s = d->spec;
        size_t mark;

        if (!s) {
                verr(v, d->node, "spec", "required");
                return;
        }
        mark = vpush(v, "spec");
        check_range(v, &s->replicas, "replicas", 0, INT32_MAX);
        if (s->replicas.set && s->replicas.v != 1 && s->replicas.v >= 0)
                vwarn(v, s->replicas.node, "replicas", "skiff runs one replica per host; running 1 instead of %lld",
                      (long long) s->replicas.v);
        if (!s->selector)
                verr(v, s->node, "selector", "required");
        else if (s->selector->match_expressions)
                vwarn(v, s->selector->match_expressions, "selector.matchExpressions", "not evaluated by skiff, ignoring");
        if (!s->template_) {
                verr(v, s->node, "template", "required");
                vpop(v, mark);
                return;
        }
        {
                size_t m = vpush(v, "template");
                const KObjectMeta *tm = s->template_->metadata;

                validate_meta(v, tm, s->template_->node, false, name_check_dns1123_subdomain);
                if (s->selector) {
                        /* Every matchLabels entry must be among the template's labels, as Kubernetes requires. */
                        for (size_t i = 0; i < s->selector->match_labels.n; i++) {
                                const KStrPair *p = &s->selector->match_labels.v[i];
                                const KStr *have = tm ? kstrmap_get(&tm->labels, p->key.v) : NULL;

                                if (!have || !streq_ptr(have->v, p->value.v)) {
                                        size_t k = vpush(v, "metadata.labels");
                                        verr(v, tm && tm->labels.node ? tm->labels.node : s->template_->node, NULL,
                                             "must include %s: %s to match spec.selector.matchLabels (line %u)", p->key.v,
                                             strempty(p->value.v), knode_line(p->key.node));
                                        vpop(v, k);
                                }
                        }
                }
                if (!s->template_->spec)
                        verr(v, s->template_->node, "spec", "required");
                else {
                        size_t k = vpush(v, "spec");
                        validate_pod_spec(v, tm, s->template_->spec, hp, o->pod_name, true);
                        vpop(v, k);
                }
                vpop(v, m);
        }
        vpop(v, mark);
}

static bool pod_like(KubeKind k) {
        return k == KUBE_POD || k == KUBE_DEPLOYMENT;
}

static bool pod_like(KubeKind k);

/* The name an object takes on this host, and the space it is unique in: pods (from Pods and
 * Deployments alike) share one space, every other kind has its own. */
static const char *unique_name(const KubeObject *o, int *ret_space) {
        *ret_space = pod_like(o->kind) ? -1 : (int) o->kind;
        return pod_like(o->kind) ? o->pod_name : (o->metadata ? o->metadata->name.v : NULL);
}

static int unique_cmp(const void *a, const void *b, void *userdata) {
        const KubeSet *set = userdata;
        size_t i = *(const size_t *) a, j = *(const size_t *) b;
        int si, sj, c;
        const char *ni = unique_name(&set->objects[i], &si), *nj = unique_name(&set->objects[j], &sj);

        if (si != sj)
                return si < sj ? -1 : 1;
        c = strcmp(strempty(ni), strempty(nj));
        if (c != 0)
                return c;
        return i < j ? -1 : i > j; /* stable: the first definition comes first */
}

/* Sorting makes this n log n: a stream of thousands of objects is checked in a blink. */
static void validate_unique_names(Validator *v) {
        const KubeSet *set = v->set;
        _cleanup_free_ size_t *order = malloc(set->n_objects * sizeof(size_t) + 1);

        if (!order) {
                v->diags->oom = true;
                return;
        }
        for (size_t i = 0; i < set->n_objects; i++)
                order[i] = i;
        qsort_r(order, set->n_objects, sizeof(size_t), unique_cmp, (void *) set);
        for (size_t k = 1; k < set->n_objects; k++) {
                const KubeObject *p = &set->objects[order[k - 1]], *o = &set->objects[order[k]];
                int so, sp;
                const char *name = unique_name(o, &so), *pname = unique_name(p, &sp);

                if (!name || !pname || so != sp || !streq(name, pname))
                        continue;
                /* Report each later duplicate against the first definition. */
                for (size_t f = k - 1; f > 0; f--) {
                        int sf;
                        const char *fname = unique_name(&set->objects[order[f - 1]], &sf);
                        if (!fname || sf != so || !streq(fname, name))
                                break;
                        p = &set->objects[order[f - 1]];
                }
                v->obj = o;
                strbuf_truncate(&v->path, 0);
                strbuf_puts(&v->path, o->prefix);
                if (o->kind == KUBE_POD && p->kind == KUBE_DEPLOYMENT)
                        verr(v, o->metadata->name.node, "metadata.name",
                             "pod name \"%s\" is already taken by the pod of Deployment \"%s\" "
                             "(%s:%u; a Deployment's pod is named NAME-pod)",
                             name, p->metadata->name.v, p->file, knode_line(p->metadata->name.node));
                else if (o->kind == KUBE_DEPLOYMENT && p->kind == KUBE_POD)
                        verr(v, o->metadata->name.node, "metadata.name",
                             "this Deployment's pod would be named \"%s\", which is already the name "
                             "of the Pod at %s:%u (a Deployment's pod is named NAME-pod)",
                             name, p->file, knode_line(p->metadata->name.node));
                else
                        verr(v, o->metadata->name.node, "metadata.name",
                             "duplicate %s name \"%s\" (first defined at %s:%u)", kube_kind_to_string(o->kind),
                             o->metadata->name.v, p->file, knode_line(p->metadata->name.node));
        }
}

static bool path_covers(const char *outer, const char *inner) {
        size_t l = strlen(outer);
        return strncmp(outer, inner, l) == 0 && (inner[l] == 0 || inner[l] == '.' || inner[l] == '[');
}

/* Validation also runs over objects that decoding already found wrong (so a user sees every problem at
 * once); a field that failed to decode is then "missing" to the validator. Drop what validation says
 * at or below a path decoding already reported an error for: the first message is the true one. */
static void drop_consequential(DiagList *diags, size_t first) {
        size_t k = first;

        for (size_t i = first; i < diags->n; i++) {
                Diag *d = &diags->items[i];
                bool covered = false;

                for (size_t j = 0; j < first && !covered; j++) {
                        const Diag *e = &diags->items[j];
                        covered = e->severity == DIAG_ERROR && streq_ptr(e->file, d->file) && e->path && d->path &&
                                  path_covers(e->path, d->path);
                }
                if (covered) {
                        if (d->severity == DIAG_ERROR)
                                diags->n_errors--;
                        else
                                diags->n_warnings--;
                        free(d->file);
                        free(d->path);
                        free(d->message);
                        continue;
                }
                diags->items[k++] = *d;
        }
        diags->n = k;
}

int kube_set_validate(const KubeSet *set, DiagList *diags) {
        Validator v = { .set = set, .diags = diags };
        size_t first = diags->n;
        HostPorts hp = {};

        for (size_t i = 0; i < set->n_objects; i++) {
                const KubeObject *o = &set->objects[i];

                v.obj = o;
                strbuf_truncate(&v.path, 0);
                strbuf_puts(&v.path, o->prefix);
                validate_meta(&v, o->metadata, o->node, true, name_check_dns1123_subdomain);
                switch (o->kind) {
                case KUBE_POD:
                        if (!o->pod->spec)
                                verr(&v, o->node, "spec", "required");
                        else {
                                size_t m = vpush(&v, "spec");
                                validate_pod_spec(&v, o->metadata, o->pod->spec, &hp, o->pod_name, false);
                                vpop(&v, m);
                        }
                        break;
                case KUBE_DEPLOYMENT:
                        validate_deployment(&v, o, &hp);
                        break;
                case KUBE_CONFIG_MAP:
                        validate_config_map(&v, o->config_map);
                        break;
                case KUBE_SECRET:
                        validate_secret(&v, o->secret);
                        break;
                case KUBE_PVC:
                        validate_pvc(&v, o->pvc);
                        break;
                default:
                        break;
                }
        }
        validate_unique_names(&v);
        drop_consequential(diags, first);
        free(hp.v);
        strbuf_release(&v.path);
        if (diags->oom)
                return -ENOMEM;
        return v.failed ? -EINVAL : 0;
}
