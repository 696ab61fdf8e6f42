#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json-util.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "pod/pod-convert.h"

static json_object *jget(json_object *o, const char *key) {
        json_object *v;
        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *jstr(json_object *o, const char *key) {
        json_object *v = jget(o, key);
        if (!v || json_object_is_type(v, json_type_null))
                return NULL;
        return json_object_get_string(v);
}

static bool jbool(json_object *o, const char *key) {
        json_object *v = jget(o, key);
        return v && json_object_get_boolean(v);
}

static bool jhas_int(json_object *o, const char *key, int64_t *ret) {
        json_object *v = jget(o, key);
        if (!v || !json_object_is_type(v, json_type_int))
                return false;
        *ret = json_object_get_int64(v);
        return true;
}

static int set_str(char **field, const char *value) {
        free(*field);
        *field = value ? strdup(value) : NULL;
        return value && !*field ? -ENOMEM : 0;
}

static int errorf(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int errorf(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

/* A JSON array of strings as the JSON text rtcore's --entrypoint takes ('["a","b"]'). */
static char *json_array_text(json_object *a) {
        const char *s = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        return s ? strdup(s) : NULL;
}

static int strv_from_json(json_object *a, char ***l) {
        for (size_t i = 0; a && i < json_object_array_length(a); i++) {
                int r = strv_extend(l, json_object_get_string(json_object_array_get_idx(a, i)));
                if (r < 0)
                        return r;
        }
        return 0;
}

bool pod_uses_host_network(json_object *pod) {
        const char *n = jstr(jget(pod, "namespaces"), "network");
        return n && streq(n, "host");
}

static const char *ns_value(json_object *pod, const char *kind) {
        return jstr(jget(pod, "namespaces"), kind) ?: "pod";
}

static int ns_join(const PodFacts *f, const char *kind, char **ret) {
        if (f->ns_dir)
                return asprintf(ret, "ns:%s/%s", f->ns_dir, kind) < 0 ? -ENOMEM : 0;
        return asprintf(ret, "ns:/proc/%d/ns/%s", (int) f->infra_pid, kind) < 0 ? -ENOMEM : 0;
}

char *pod_etc_hosts(json_object *pod) {
        json_object *aliases = jget(pod, "hostAliases");
        const char *hostname = jstr(pod, "hostname"), *name = jstr(pod, "name");
        StrBuf sb = STRBUF_INIT;

        if (pod_uses_host_network(pod))
                return NULL;
        strbuf_puts(&sb, "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                         "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n");
        /* The kubelet writes the pod's IP; a loopback-only pod has none but loopback, and 127.0.1.1 is the
         * Debian convention for "this host's own name". */
        strbuf_addf(&sb, "127.0.1.1\t%s", strempty(hostname));
        if (name && !streq_ptr(name, hostname))
                strbuf_addf(&sb, " %s", name);
        strbuf_putc(&sb, '\n');
        if (aliases && json_object_array_length(aliases) > 0) {
                strbuf_puts(&sb, "\n# Entries added by HostAliases.\n");
                for (size_t i = 0; i < json_object_array_length(aliases); i++) {
                        json_object *h = json_object_array_get_idx(aliases, i), *names = jget(h, "hostnames");

                        strbuf_puts(&sb, strempty(jstr(h, "ip")));
                        for (size_t j = 0; names && j < json_object_array_length(names); j++)
                                strbuf_addf(&sb, "\t%s", json_object_get_string(json_object_array_get_idx(names, j)));
                        strbuf_putc(&sb, '\n');
                }
        }
        return strbuf_detach(&sb);
}

static json_object *find_volume(json_object *pod, const char *name) {
        json_object *vols = jget(pod, "volumes");

        for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
                json_object *v = json_object_array_get_idx(vols, i);
                if (streq_ptr(jstr(v, "name"), name))
                        return v;
        }
        return NULL;
}

bool pod_volume_is_tmpfs(json_object *v) {
        const char *type = jstr(v, "type");

        return streq_ptr(type, "secret") || (streq_ptr(type, "emptyDir") && streq_ptr(jstr(v, "medium"), "tmpfs"));
}

char *pod_volume_tmpfs_options(json_object *v) {
        json_object *files = jget(v, "files");
        int64_t limit = 0;
        uint64_t bytes = 0;
        char *s;

        if (streq_ptr(jstr(v, "type"), "secret")) {
                /* The decoded size is at most 3/4 of the base64; a page per file for the inodes' data,
                 * and 1 MiB of slack (a Secret is at most 1 MiB in Kubernetes). */
                for (size_t i = 0; files && i < json_object_array_length(files); i++) {
                        const char *d = jstr(json_object_array_get_idx(files, i), "data");
                        bytes += (d ? strlen(d) / 4 * 3 : 0) + 4096;
                }
                return asprintf(&s, "mode=0755,size=%llu", (unsigned long long) (bytes + 1024 * 1024)) < 0 ? NULL : s;
        }
        if (jhas_int(v, "sizeLimitBytes", &limit) && limit > 0)
                return asprintf(&s, "mode=0777,size=%lld", (long long) limit) < 0 ? NULL : s;
        return strdup("mode=0777");
}

int pod_volume_source(json_object *pod, const char *name, const PodFacts *f, char **ret) {
        json_object *v = find_volume(pod, name);
        const char *type = jstr(v, "type");
        int r;

        if (!v || !type)
                return -ENOENT;
        if (streq(type, "hostPath"))
                r = (*ret = strdup(strempty(jstr(v, "path")))) ? 0 : -ENOMEM;
        else if (streq(type, "persistentVolumeClaim"))
                r = asprintf(ret, "%s/%s/_data", f->named_volumes_dir, strempty(jstr(v, "volume"))) < 0 ? -ENOMEM : 0;
        else if (pod_volume_is_tmpfs(v) && f->tmpfs_volumes_dir)
                r = asprintf(ret, "%s/%s", f->tmpfs_volumes_dir, name) < 0 ? -ENOMEM : 0;
        else
                r = asprintf(ret, "%s/%s", f->volumes_dir, name) < 0 ? -ENOMEM : 0;
        return r;
}

static int add_mounts(json_object *pod, json_object *c, const PodFacts *f, const char *cname, RunOptions *o,
                      char **ret_error) {
        json_object *mounts = jget(c, "mounts");

        for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
                json_object *m = json_object_array_get_idx(mounts, i), *v;
                const char *vol = jstr(m, "volume"), *sub = jstr(m, "subPath"), *prop = jstr(m, "propagation");
                _cleanup_free_ char *src = NULL, *spec = NULL;
                bool ro = jbool(m, "readOnly");
                int r;

                r = pod_volume_source(pod, vol, f, &src);
                if (r == -ENOENT)
                        return errorf(ret_error, -EINVAL, "container %s: volumeMounts[%zu]: no volume named %s", cname, i,
                                      strempty(vol));
                if (r < 0)
                        return r;
                v = find_volume(pod, vol);
                /* A configMap or secret volume is written by skiff and always read-only, as the
                 * kubelet mounts it; a read-only PVC stays read-only whatever the mount says. */
                if (IN_SET(0, strcmp(strempty(jstr(v, "type")), "configMap"), strcmp(strempty(jstr(v, "type")), "secret")) ||
                    jbool(v, "readOnly"))
                        ro = true;
                if (strchr(src, ':') || strchr(strempty(jstr(m, "path")), ':'))
                        return errorf(ret_error, -EINVAL, "container %s: volumeMounts[%zu]: a path with ':' cannot be mounted",
                                      cname, i);
                if (asprintf(&spec, "%s%s%s:%s:%s,%s", src, sub ? "/" : "", strempty(sub), strempty(jstr(m, "path")),
                             ro ? "ro" : "rw", prop ? (streq(prop, "private") ? "rprivate" : prop) : "rprivate") < 0)
                        return -ENOMEM;
                r = strv_consume(&o->volumes, TAKE_PTR(spec));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* fieldRefs the plan could not know before the pod existed. */
static const char *late_field(const char *source, const PodFacts *f) {
        const char *path = startswith(strempty(source), "fieldRef ");
        size_t n;

        if (!path)
                return NULL;
        n = strcspn(path, " ");
        if (n == strlen("metadata.uid") && strncmp(path, "metadata.uid", n) == 0)
                return f->pod_id;
        if ((n == strlen("status.podIP") && strncmp(path, "status.podIP", n) == 0) ||
            (n == strlen("status.podIPs") && strncmp(path, "status.podIPs", n) == 0))
                return f->pod_ip ?: "127.0.0.1";
        if ((n == strlen("status.hostIP") && strncmp(path, "status.hostIP", n) == 0) ||
            (n == strlen("status.hostIPs") && strncmp(path, "status.hostIPs", n) == 0))
                return f->host_ip ?: "127.0.0.1";
        return NULL;
}

static int add_env(json_object *c, const PodFacts *f, RunOptions *o) {
        json_object *env = jget(c, "env");

        for (size_t i = 0; env && i < json_object_array_length(env); i++) {
                json_object *e = json_object_array_get_idx(env, i);
                const char *name = jstr(e, "name"), *value = jstr(e, "value");
                int r;

                if (!name)
                        continue;
                if (!value)
                        value = late_field(jstr(e, "source"), f);
                if (!value)
                        continue; /* not known on this host: Kubernetes would not set it either */
                r = strv_extendf(&o->env, "%s=%s", name, value);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_argv(json_object *c, RunOptions *o) {
        json_object *argv = jget(c, "argv");
        const char *rule = jstr(argv, "rule");
        json_object *command = jget(argv, "command"), *args = jget(argv, "args");

        /* Kubernetes' command is the Entrypoint (and drops the image's Cmd, as rtcore's rule for a
         * given --entrypoint without a command does); args are the Cmd. */
        if (command && rule && strstr(rule, "command")) {
                o->entrypoint = json_array_text(command);
                if (!o->entrypoint)
                        return -ENOMEM;
        }
        if (args)
                return strv_from_json(args, &o->command);
        return 0;
}

static int add_security(json_object *pod, json_object *c, RunOptions *o, const char *cname, char **ret_error) {
        json_object *sec = jget(c, "security"), *v;
        int64_t uid = 0, gid = 0;
        bool has_uid = jhas_int(sec, "runAsUser", &uid), has_gid = jhas_int(sec, "runAsGroup", &gid);
        const char *seccomp = jstr(sec, "seccomp");
        int r = 0;

        if (has_uid && has_gid)
                r = asprintf(&o->user, "%lld:%lld", (long long) uid, (long long) gid) < 0 ? -ENOMEM : 0;
        else if (has_uid)
                r = asprintf(&o->user, "%lld", (long long) uid) < 0 ? -ENOMEM : 0;
        else if (has_gid)
                /* podman's reading of runAsGroup alone: root with that group (the image's user name
                 * cannot be paired with a number here). */
                r = asprintf(&o->user, "0:%lld", (long long) gid) < 0 ? -ENOMEM : 0;
        if (r < 0)
                return r;
        v = jget(sec, "supplementalGroups");
        for (size_t i = 0; v && i < json_object_array_length(v); i++)
                if (strv_extendf(&o->group_add, "%lld", (long long) json_object_get_int64(json_object_array_get_idx(v, i))) < 0)
                        return -ENOMEM;
        o->privileged = jbool(sec, "privileged");
        o->read_only = jbool(sec, "readOnlyRootFilesystem");
        if (jbool(sec, "noNewPrivileges") && strv_extend(&o->security_opts, "no-new-privileges") < 0)
                return -ENOMEM;
        if (strv_from_json(jget(sec, "capAdd"), &o->cap_add) < 0 || strv_from_json(jget(sec, "capDrop"), &o->cap_drop) < 0)
                return -ENOMEM;
        if (seccomp && streq(seccomp, "Unconfined")) {
                if (strv_extend(&o->security_opts, "seccomp=unconfined") < 0)
                        return -ENOMEM;
        } else if (seccomp && !streq(seccomp, "RuntimeDefault")) {
                /* Localhost: the kubelet's profile root. */
                if (strv_extendf(&o->security_opts, "seccomp=%s%s", seccomp[0] == '/' ? "" : "/var/lib/kubelet/seccomp/",
                                 seccomp) < 0)
                        return -ENOMEM;
        }
        if (streq_ptr(jstr(sec, "procMount"), "Unmasked") && strv_extend(&o->security_opts, "unmask=ALL") < 0)
                return -ENOMEM;
        v = jget(sec, "sysctls");
        if (v) {
                json_object_object_foreach(v, k, val) if (strv_extendf(&o->sysctls, "%s=%s", k, json_object_get_string(val)) < 0) return -ENOMEM;
        }
        (void) pod;
        (void) cname;
        (void) ret_error;
        return 0;
}

static int add_resources(json_object *c, RunOptions *o) {
        json_object *res = jget(c, "resources");
        int64_t v;

        if (jhas_int(res, "memoryLimitBytes", &v) && asprintf(&o->memory, "%lld", (long long) v) < 0)
                return -ENOMEM;
        if (jhas_int(res, "cpuLimitMillicores", &v) && asprintf(&o->cpus, "%lld.%03lld", (long long) (v / 1000),
                                                                (long long) (v % 1000)) < 0)
                return -ENOMEM;
        /* The kubelet's shares for a CPU request: 1024 per CPU, at least 2. */
        if (jhas_int(res, "cpuRequestMillicores", &v) && asprintf(&o->cpu_shares, "%lld", (long long) MAX(v * 1024 / 1000, 2)) < 0)
                return -ENOMEM;
        return 0;
}

static int add_map(json_object *m, char ***l) {
        if (!m)
                return 0;
        json_object_object_foreach(m, k, v) if (strv_extendf(l, "%s=%s", k, json_object_get_string(v)) < 0) return -ENOMEM;
        return 0;
}

static int pod_namespaces(json_object *pod, const PodFacts *f, RunOptions *o, bool infra) {
        static const struct {
                const char *plan; /* the plan's key */
                const char *kind; /* /proc/PID/ns name */
                size_t field;
        } map[] = {
                { "network", "net", offsetof(RunOptions, network) },
                { "ipc", "ipc", offsetof(RunOptions, ipc) },
                { "uts", "uts", offsetof(RunOptions, uts) },
                { "pid", "pid", offsetof(RunOptions, pid) },
        };

        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                char **field = (char **) ((char *) o + map[i].field);
                const char *mode = ns_value(pod, map[i].plan);
                int r = 0;

                if (streq(mode, "host"))
                        r = set_str(field, "host");
                else if (streq(mode, "pod") && !infra)
                        r = ns_join(f, map[i].kind, field);
                else if (streq(mode, "pod") && streq(map[i].kind, "net") && infra)
                        r = set_str(field, "private");
                /* else: the infra creates its own (private, the default); a container's own pid ns */
                if (r < 0)
                        return r;
        }
        return 0;
}

static int common_options(json_object *pod, const PodFacts *f, const char *id, const char *name, RunOptions *o) {
        int64_t grace = 30;
        int r;

        if (set_str(&o->id, id) < 0 || set_str(&o->name, name) < 0)
                return -ENOMEM;
        o->detach = true;
        /* The supervisor restarts the containers of a pod (Kubernetes' rules), never the runtime. */
        if (set_str(&o->restart, "no") < 0 || set_str(&o->log_driver, f->log_driver) < 0)
                return -ENOMEM;
        (void) jhas_int(pod, "terminationGracePeriodSeconds", &grace);
        if (asprintf(&o->stop_timeout, "%lld", (long long) grace) < 0)
                return -ENOMEM;
        if (!pod_uses_host_network(pod) && set_str(&o->hostname, jstr(pod, "hostname")) < 0)
                return -ENOMEM;
        r = add_map(jget(pod, "labels"), &o->labels);
        if (r >= 0)
                r = add_map(jget(pod, "annotations"), &o->annotations);
        STRV_FOREACH(a, f->annotations)
                if (r >= 0)
                        r = strv_extend(&o->annotations, *a);
        if (r >= 0)
                r = strv_extendf(&o->labels, "io.skiff.pod=%s", strempty(jstr(pod, "name")));
        if (r >= 0)
                r = strv_extendf(&o->labels, "io.skiff.pod-id=%s", f->pod_id);
        return r;
}

int pod_container_options(json_object *pod, json_object *c, const PodFacts *f, const char *ctr_id, RunOptions *ret,
                          char **ret_error) {
        RunOptions o = {};
        const char *name = jstr(c, "name"), *wd = jstr(c, "workingDir");
        json_object *lc = jget(c, "lifecycle");
        int r;

        if (!name)
                return errorf(ret_error, -EINVAL, "pod %s: a container without a name", strempty(jstr(pod, "name")));
        r = common_options(pod, f, ctr_id, name, &o);
        if (r >= 0)
                r = pod_namespaces(pod, f, &o, false);
        if (r >= 0 && wd && !streq(wd, "image"))
                r = set_str(&o.workdir, wd);
        if (r >= 0)
                r = add_argv(c, &o);
        if (r >= 0)
                r = add_env(c, f, &o);
        if (r >= 0)
                r = add_mounts(pod, c, f, name, &o, ret_error);
        if (r >= 0)
                r = add_security(pod, c, &o, name, ret_error);
        if (r >= 0)
                r = add_resources(c, &o);
        if (r >= 0 && jstr(lc, "stopSignal"))
                r = set_str(&o.stop_signal, jstr(lc, "stopSignal"));
        if (r >= 0) {
                o.tty = jbool(c, "tty");
                o.interactive = jbool(c, "stdin");
                r = strv_extendf(&o.labels, "io.skiff.container=%s", strempty(jstr(c, "containerName")));
        }
        if (r < 0) {
                run_options_done(&o);
                return r;
        }
        *ret = o;
        return 0;
}

int pod_infra_options(json_object *pod, const PodFacts *f, const char *infra_id, RunOptions *ret, ImageInfo *ret_image,
                      char **ret_error) {
        _cleanup_free_ char *name = NULL;
        RunOptions o = {};
        ImageInfo img = {};
        int r;

        if (!f->pause_path || !f->infra_rootfs)
                return errorf(ret_error, -EINVAL, "pod %s: no skiff-pause binary for the infra container",
                              strempty(jstr(pod, "name")));
        /* podman's infra name: the first 12 digits of the pod id, then -infra. */
        if (asprintf(&name, "%.12s-infra", f->pod_id) < 0)
                return -ENOMEM;
        r = common_options(pod, f, infra_id, name, &o);
        if (r >= 0)
                r = pod_namespaces(pod, f, &o, true);
        /* skiff-pause is the whole program: the --init binding puts it at /run/skiff-init; the pod code
         * then makes it argv[0] alone (pod_infra_fix_plan()). */
        if (r >= 0) {
                o.init = true;
                o.read_only = true;
                r = set_str(&o.init_path, f->pause_path);
        }
        /* No tmpfs on /run, /tmp, /var/tmp: skiff-pause writes nothing, and a tmpfs on /run would hide
         * the /run/skiff-init binding. */
        if (r >= 0) {
                r = set_str(&o.read_only_tmpfs, "false");
        }
        if (r >= 0)
                r = set_str(&o.entrypoint, "[\"/run/skiff-init\"]");
        if (r >= 0)
                r = set_str(&o.cgroups, "enabled");
        if (r >= 0)
                r = strv_extend(&o.labels, "io.skiff.infra=true");
        if (r >= 0)
                r = set_str(&img.rootfs, f->infra_rootfs);
        if (r >= 0)
                r = set_str(&img.name, "skiff-pause");
        if (r < 0) {
                run_options_done(&o);
                image_info_done(&img);
                return r;
        }
        *ret = o;
        *ret_image = img;
        return 0;
}

void pod_cgroup_limits(json_object *pod, CgroupLimits *ret) {
        const char *const lists[] = { "initContainers", "containers" };
        int64_t mem_sum = 0, mem_init = 0, cpu_sum = 0, cpu_init = 0, req_sum = 0;
        bool mem_all = true, cpu_all = true, any = false;

        *ret = (CgroupLimits) {};
        for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
                json_object *cs = jget(pod, lists[l]);

                for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
                        json_object *c = json_object_array_get_idx(cs, i), *res = jget(c, "resources");
                        /* a sidecar (restartable init container) runs next to the app containers */
                        bool init = l == 0 && !streq_ptr(jstr(c, "type"), "sidecar");
                        int64_t v;

                        any = true;
                        if (jhas_int(res, "memoryLimitBytes", &v) && v > 0) {
                                if (init)
                                        mem_init = MAX(mem_init, v);
                                else
                                        mem_sum += v;
                        } else
                                mem_all = false;
                        if (jhas_int(res, "cpuLimitMillicores", &v) && v > 0) {
                                if (init)
                                        cpu_init = MAX(cpu_init, v);
                                else
                                        cpu_sum += v;
                        } else
                                cpu_all = false;
                        if (!init && jhas_int(res, "cpuRequestMillicores", &v) && v > 0)
                                req_sum += v;
                }
        }
        if (!any)
                return;
        if (mem_all)
                ret->memory = MAX(mem_sum, mem_init);
        if (cpu_all) {
                ret->cpu_quota = MAX(cpu_sum, cpu_init) * 100; /* millicores of a 100000 µs period */
                ret->cpu_period = 100000;
        }
        if (req_sum > 0)
                ret->cpu_shares = (uint64_t) MAX(req_sum * 1024 / 1000, 2);
}

int pod_plan_cgroup(json_object *pod, const char *pod_id, ContainerPlan *p) {
        free(p->cgroup_parent);
        if (asprintf(&p->cgroup_parent, "skiff-pod-%s", pod_id) < 0) {
                p->cgroup_parent = NULL;
                return -ENOMEM;
        }
        pod_cgroup_limits(pod, &p->parent_limits);
        /* the kubelet limits the pod's memory, not its swap (podman's default would be twice) */
        if (p->parent_limits.memory)
                p->parent_limits.memory_swap = -1;
        return 0;
}
