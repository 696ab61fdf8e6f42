/* skiff kube generate (alias generate kube): Kubernetes YAML that recreates pods and containers.
 *
 * The pods' records hold their kube plan (what `kube play` and `pod create` decided); a container made by
 * `skiff run` (alone, or joined to a pod with --pod) holds its container plan, which is turned into the
 * same shape here, with its image's config to tell what the user set from what the image brought. Then
 * src/play/kube-generate.c makes the objects and src/play/kube-emit.c writes them. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/verbs.h"
#include "common/base64.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "image/store.h"
#include "play/kube-emit.h"
#include "play/kube-generate.h"
#include "pod/pod-state.h"
#include "runtime/caps.h"
#include "runtime/state.h"

static void generate_usage(FILE *f) {
        fputs("Usage: skiff kube generate [OPTIONS] POD|CONTAINER...\n"
              "\n"
              "Print Kubernetes YAML that recreates the given pods and containers: for each pod a Pod (or\n"
              "with --type deployment a Deployment), the ConfigMaps and Secrets it reads, a\n"
              "PersistentVolumeClaim per named volume, and with --service a Service for its published\n"
              "ports. Containers not in a pod become one Pod together, named after the first of them.\n"
              "The output holds no ids and no times: the same pods give the same bytes, and `skiff kube\n"
              "play` of it recreates them.\n"
              "\n"
              "Options:\n"
              "  -f, --filename FILE   Write the YAML to FILE (refuses to overwrite one) instead of stdout\n"
              "  -s, --service         Also generate a Service (type NodePort) for published ports\n"
              "  -t, --type TYPE       pod (default) or deployment\n"
              "  -h, --help            Show this help\n"
              "\n"
              "Secrets the pods read are written in full (base64, as Kubernetes keeps them).\n"
              "Exit status: 0 on success, 1 on a usage error or an unknown pod or container, 125 when the\n"
              "records cannot be read or the file cannot be written.\n",
              f);
}

/* ---- a container record in the kube plan's shape ---- */

static json_object *jget(json_object *o, const char *key) {
        json_object *v = NULL;

        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *jstr(json_object *o, const char *key) {
        json_object *v = jget(o, key);

        return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* json-c asserts on a non-array: records may have been edited by hand */
static size_t jlen(json_object *a) {
        return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static int64_t jint(json_object *o, const char *key) {
        json_object *v = jget(o, key);

        return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
}

/* A Kubernetes name (DNS-1123 label) from a container or path: lower case, [a-z0-9-], no dashes at the
 * ends. New string, or NULL on OOM. */
static char *dns_label(const char *s, const char *suffix) {
        StrBuf sb = STRBUF_INIT;
        bool dash = false;

        for (; *s; s++) {
                char c = *s >= 'A' && *s <= 'Z' ? (char) (*s + 32) : *s;
                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                        if (dash && sb.len > 0)
                                strbuf_putc(&sb, '-');
                        strbuf_putc(&sb, c);
                        dash = false;
                } else
                        dash = true;
        }
        if (sb.len == 0)
                strbuf_puts(&sb, "root");
        strbuf_puts(&sb, suffix);
        return strbuf_detach(&sb);
}

static bool strv_equal_json(char *const *l, json_object *a, size_t offset, size_t n) {
        if (strv_length(l) != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!streq(l[i], strempty(json_object_get_string(json_object_array_get_idx(a, offset + i)))))
                        return false;
        return true;
}

static json_object *json_strv_slice(json_object *a, size_t from) {
        json_object *out = json_object_new_array();

        for (size_t i = from; out && i < jlen(a); i++)
                json_array_add(out, json_object_get(json_object_array_get_idx(a, i)));
        return out;
}

/* Kubernetes' command/args from the argv the container runs and its image's Entrypoint/Cmd: nothing
 * when it is the image's own, args when it keeps the Entrypoint, command otherwise. */
static json_object *argv_rule(json_object *argv, const ImageConfig *img) {
        size_t n = json_object_is_type(argv, json_type_array) ? json_object_array_length(argv) : 0;
        size_t ne = img ? strv_length(img->entrypoint) : 0, nc = img ? strv_length(img->cmd) : 0;
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (img && n == ne + nc && strv_equal_json(img->entrypoint, argv, 0, ne)
            && strv_equal_json(img->cmd, argv, ne, nc))
                json_add_string(o, "rule", "image");
        else if (img && ne > 0 && n > ne && strv_equal_json(img->entrypoint, argv, 0, ne)) {
                json_add_string(o, "rule", "image-entrypoint+args");
                json_add_object(o, "args", json_strv_slice(argv, ne));
        } else if (ne == 0 && n > 0) {
                /* no Entrypoint: args alone are the whole command line */
                json_add_string(o, "rule", "image-entrypoint+args");
                json_add_object(o, "args", json_strv_slice(argv, 0));
        } else {
                json_add_string(o, "rule", "command");
                json_add_object(o, "command", json_strv_slice(argv, 0));
        }
        return o;
}

/* Variables the runtime sets itself (podman's list; HOME comes from the user's passwd entry) or the
 * image brings: not the user's. */
static bool env_is_default(const char *kv, const ImageConfig *img) {
        static const char *const runtime[] = {
                "container=podman",
                "TERM=xterm",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        };

        if (startswith(kv, "HOSTNAME=") || startswith(kv, "HOME="))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(runtime); i++)
                if (streq(kv, runtime[i]))
                        return true;
        return img && strv_contains(img->env, kv);
}

static bool is_runtime_mount(const char *dest) {
        static const char *const own[] = {
                "/proc",         "/dev",       "/dev/pts",      "/dev/mqueue",      "/sys",
                "/dev/shm",      "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/run/.containerenv",
                "/sys/fs/cgroup"};

        for (size_t i = 0; i < ELEMENTSOF(own); i++)
                if (streq(dest, own[i]))
                        return true;
        return false;
}

/* Adds the volume {name…} to volumes unless one of that name is there. */
static void add_volume_once(json_object *volumes, json_object *v) {
        const char *name = jstr(v, "name");

        for (size_t i = 0; i < jlen(volumes); i++)
                if (streq_ptr(jstr(json_object_array_get_idx(volumes, i), "name"), name)) {
                        json_object_put(v);
                        return;
                }
        json_array_add(volumes, v);
}

#define MS_RDONLY_FLAG 1

static json_object *container_mounts(const SkiffPaths *paths, json_object *plan, json_object *volumes) {
        json_object *mounts = jget(plan, "mounts"), *out = json_object_new_array();
        _cleanup_free_ char *vol_prefix = NULL;

        if (!out || asprintf(&vol_prefix, "%s/volumes/", paths->root) < 0) {
                json_object_put(out);
                return NULL;
        }
        for (size_t i = 0; i < jlen(mounts); i++) {
                json_object *m = json_object_array_get_idx(mounts, i), *o, *v;
                const char *dest = strempty(jstr(m, "destination")), *type = strempty(jstr(m, "type")),
                           *src = strempty(jstr(m, "source")), *rest;
                _cleanup_free_ char *name = NULL;

                if (is_runtime_mount(dest))
                        continue;
                v = json_object_new_object();
                if (!v)
                        break;
                if (streq(type, "tmpfs")) {
                        name = dns_label(dest, "-tmpfs");
                        json_add_string(v, "name", name);
                        json_add_string(v, "type", "emptyDir");
                        json_add_string(v, "medium", "tmpfs");
                } else if (streq(type, "bind") && (rest = startswith(src, vol_prefix)) && strchr(rest, '/')
                           && streq(strchr(rest, '/'), "/_data")) {
                        _cleanup_free_ char *vol = strndup(rest, (size_t) (strchr(rest, '/') - rest));
                        name = vol ? dns_label(vol, "-pvc") : NULL;
                        json_add_string(v, "name", name);
                        json_add_string(v, "type", "persistentVolumeClaim");
                        json_add_string(v, "volume", vol);
                } else if (streq(type, "bind")) {
                        name = dns_label(src, "-host");
                        json_add_string(v, "name", name);
                        json_add_string(v, "type", "hostPath");
                        json_add_string(v, "path", src);
                } else {
                        json_object_put(v);
                        continue; /* mqueue, devpts…: the runtime's */
                }
                add_volume_once(volumes, v);
                o = json_object_new_object();
                json_add_string(o, "volume", name);
                json_add_string(o, "path", dest);
                json_add_bool(o, "readOnly", (jint(m, "flags") & MS_RDONLY_FLAG) != 0);
                json_array_add(out, o);
        }
        return out;
}

static json_object *container_security(json_object *plan) {
        json_object *o = json_object_new_object(), *caps = jget(plan, "capabilities"), *add, *drop,
                    *seccomp = jget(plan, "seccomp");
        bool privileged = json_object_get_boolean(jget(plan, "privileged"));
        uint64_t bounding = (uint64_t) jint(caps, "bounding"), dflt = caps_default_mask();
        const char *kind = jstr(seccomp, "kind");

        if (!o)
                return NULL;
        if (jstr(plan, "user")) {
                json_add_int(o, "runAsUser", jint(plan, "uid"));
                json_add_int(o, "runAsGroup", jint(plan, "gid"));
        }
        json_add_bool(o, "privileged", privileged);
        json_add_bool(o, "readOnlyRootFilesystem", json_object_get_boolean(jget(plan, "readOnly")));
        json_add_bool(o, "noNewPrivileges", json_object_get_boolean(jget(plan, "noNewPrivileges")));
        add = json_object_new_array();
        drop = json_object_new_array();
        for (int c = 0; !privileged && caps && c < 64; c++) {
                bool in = bounding & CAP_MASK(c), def = dflt & CAP_MASK(c);
                const char *name = caps_name(c);
                if (!name || in == def)
                        continue;
                json_array_add(in ? add : drop, json_object_new_string(name));
        }
        json_add_object(o, "capAdd", add);
        json_add_object(o, "capDrop", drop);
        if (streq_ptr(kind, "unconfined"))
                json_add_string(o, "seccomp", "Unconfined");
        else if (jstr(seccomp, "profilePath"))
                json_add_string(o, "seccomp", jstr(seccomp, "profilePath"));
        else
                json_add_string(o, "seccomp", "RuntimeDefault");
        return o;
}

static const char *restart_to_k8s(RestartPolicy p) {
        switch (p) {
        case RESTART_ON_FAILURE:
                return "OnFailure";
        case RESTART_ALWAYS:
        case RESTART_UNLESS_STOPPED:
                return "Always";
        default:
                return "Never";
        }
}

/* The kube plan's container entry for a container record; its volumes are added to volumes. pod_name
 * (or NULL): the pod it joined, whose "POD-" prefix comes off the name, since kube play puts it back. */
static int container_entry(SkiffContext *ctx, ImageStore *images, const ContainerConfig *cfg,
                           const char *pod_name, json_object *volumes, json_object **ret, char **ret_error) {
        _cleanup_(json_object_putp) json_object *plan = NULL, *c = json_object_new_object();
        _cleanup_(store_image_freep) StoreImage *img = NULL;
        _cleanup_free_ char *err = NULL, *name = NULL;
        const char *short_name = cfg->name, *rest;
        const ImageConfig *ic = NULL;
        json_object *env, *res, *penv;
        const char *cwd;
        int64_t quota, period;

        if (pod_name && (rest = startswith(cfg->name, pod_name)) && rest[0] == '-' && rest[1])
                short_name = rest + 1;
        name = dns_label(short_name, "");
        if (!c || !name)
                return -ENOMEM;
        plan = json_tokener_parse(strempty(cfg->plan_json));
        if (!plan) {
                if (asprintf(ret_error, "container %s: its recorded plan is not JSON", cfg->name) < 0)
                        *ret_error = NULL;
                return -EBADMSG;
        }
        /* The image may be gone (removed after the container was made): then nothing is known to come
         * from it and everything is written out. */
        if (images && image_store_lookup(images, cfg->image_id ?: cfg->image, &img, &err) >= 0 && img)
                ic = img->config;

        json_add_string(c, "containerName", name);
        json_add_string(c, "image", cfg->image);
        json_add_object(c, "argv", argv_rule(jget(plan, "argv"), ic));
        cwd = jstr(plan, "cwd");
        json_add_string(c, "workingDir",
                        !cwd || streq(cwd, ic && !isempty(ic->working_dir) ? ic->working_dir : "/") ? "image"
                                                                                                    : cwd);
        env = json_object_new_array();
        penv = jget(plan, "env");
        for (size_t i = 0; env && i < jlen(penv); i++) {
                const char *kv = strempty(json_object_get_string(json_object_array_get_idx(penv, i)));
                const char *eq = strchr(kv, '=');
                _cleanup_free_ char *k = NULL;
                json_object *e;

                if (!eq || env_is_default(kv, ic))
                        continue;
                k = strndup(kv, (size_t) (eq - kv));
                e = json_object_new_object();
                json_add_string(e, "name", k);
                json_add_string(e, "value", eq + 1);
                json_add_string(e, "source", "env");
                json_array_add(env, e);
        }
        json_add_object(c, "env", env);
        json_add_object(c, "mounts", container_mounts(&ctx->paths, plan, volumes));
        json_add_object(c, "ports", json_object_new_array());
        json_add_object(c, "security", container_security(plan));
        res = json_object_new_object();
        if (res && jint(jget(plan, "limits"), "memory") > 0)
                json_add_int(res, "memoryLimitBytes", jint(jget(plan, "limits"), "memory"));
        quota = jint(jget(plan, "limits"), "cpuQuota");
        period = jint(jget(plan, "limits"), "cpuPeriod");
        if (res && quota > 0 && period > 0)
                json_add_int(res, "cpuLimitMillicores", quota * 1000 / period);
        json_add_object(c, "resources", res);
        if (json_object_get_boolean(jget(plan, "tty")))
                json_add_bool(c, "tty", true);
        if (json_object_get_boolean(jget(plan, "interactive")))
                json_add_bool(c, "stdin", true);
        *ret = TAKE_PTR(c);
        return 0;
}

static json_object *strv_map(char *const *kv, bool skip_own) {
        json_object *o = json_object_new_object();

        STRV_FOREACH(s, (char **) kv) {
                const char *eq = strchr(*s, '=');
                _cleanup_free_ char *k = eq ? strndup(*s, (size_t) (eq - *s)) : strdup(*s);

                if (!o || !k)
                        break;
                /* skiff's own bookkeeping labels are not the user's */
                if (skip_own && startswith(k, "io.skiff."))
                        continue;
                json_add_string(o, k, eq ? eq + 1 : "");
        }
        return o;
}

/* ---- the command ---- */

typedef struct Inputs {
        json_object **pods; /* pod plans, owned */
        size_t n_pods;
        json_object *lone; /* the pod made of containers that are in none, or NULL */
} Inputs;

static void inputs_done(Inputs *in) {
        for (size_t i = 0; i < in->n_pods; i++)
                json_object_put(in->pods[i]);
        free(in->pods);
        json_object_put(in->lone);
}

static int push_pod(Inputs *in, json_object *pod) {
        json_object **p = reallocarray(in->pods, in->n_pods + 1, sizeof(*p));

        if (!p) {
                json_object_put(pod);
                return -ENOMEM;
        }
        in->pods = p;
        in->pods[in->n_pods++] = pod;
        return 0;
}

/* A pod's record keeps no secret (pod-run.c): a secret volume's files are only in the pod's tmpfs,
 * RUNROOT/pods/ID/volumes/NAME. Their data is read back from there while the pod exists; a pod whose
 * tmpfs is gone (a reboot) gives its Secret's keys without values, and says so. */
static int secret_data_from_tmpfs(SkiffContext *ctx, const char *pod_id, json_object *plan) {
        json_object *vols = jget(plan, "volumes");

        for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
                json_object *v = json_object_array_get_idx(vols, i), *files = jget(v, "files");

                if (!streq_ptr(jstr(v, "type"), "secret"))
                        continue;
                for (size_t j = 0; files && j < json_object_array_length(files); j++) {
                        json_object *f = json_object_array_get_idx(files, j);
                        const char *path = jstr(f, "path");
                        _cleanup_free_ char *full = NULL, *data = NULL, *b64 = NULL;
                        size_t len = 0;
                        int r;

                        if (jstr(f, "data") || !path || strstr(path, "..") || path[0] == '/')
                                continue;
                        if (asprintf(&full, "%s/pods/%s/volumes/%s/%s", ctx->paths.runroot, pod_id,
                                     strempty(jstr(v, "name")), path) < 0)
                                return -ENOMEM;
                        r = read_full_file_at(AT_FDCWD, full, 1024 * 1024, &data, &len);
                        if (r < 0) {
                                log_warning("kube generate: secret volume %s: %s: %s (the Secret's key %s is "
                                            "written without its value)", strempty(jstr(v, "name")), full,
                                            strerror(-r), strempty(jstr(f, "key")));
                                continue;
                        }
                        b64 = base64_encode(data, len);
                        if (!b64)
                                return -ENOMEM;
                        json_object_object_add(f, "data", json_object_new_string(b64));
                }
        }
        return 0;
}

/* The recorded plan of a pod, plus the containers that joined it with `run --pod`. */
static int pod_input(SkiffContext *ctx, PodStore *pods, ContainerStore *ctrs, ImageStore *images,
                     const char *id, json_object **ret, char **ret_error) {
        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
        _cleanup_(json_object_putp) json_object *plan = NULL;
        _cleanup_strv_free_ char **all = NULL;
        json_object *containers, *volumes;
        int r;

        r = pod_config_load(pods, id, &cfg);
        if (r < 0) {
                if (asprintf(ret_error, "pod %s: read its record: %s", id, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        if (!json_object_is_type(cfg->plan, json_type_object)
            || json_object_deep_copy(cfg->plan, &plan, NULL) < 0 || !plan) {
                if (asprintf(ret_error, "pod %s: its record holds no plan", cfg->name) < 0)
                        *ret_error = NULL;
                return -EBADMSG;
        }
        if (json_object_is_type(jget(plan, "volumes"), json_type_array) && secret_data_from_tmpfs(ctx, id, plan) < 0)
                return -ENOMEM;
        containers = jget(plan, "containers");
        volumes = jget(plan, "volumes");
        /* an edited record may hold anything there: json-c asserts on a non-array */
        if (!json_object_is_type(containers, json_type_array))
                json_object_object_add(plan, "containers", containers = json_object_new_array());
        if (!json_object_is_type(volumes, json_type_array))
                json_object_object_add(plan, "volumes", volumes = json_object_new_array());
        if (!containers || !volumes)
                return -ENOMEM;
        /* Labels the record has beyond the plan's (pod create --label) */
        if (!jget(plan, "labels"))
                json_object_object_add(plan, "labels", strv_map(cfg->labels, true));

        r = container_list(ctrs, &all);
        if (r < 0)
                return r;
        STRV_FOREACH(cid, all) {
                _cleanup_(container_config_freep) ContainerConfig *cc = NULL;
                bool member = false;
                json_object *entry;

                if (container_config_load(ctrs, *cid, &cc) < 0 || !streq_ptr(cc->pod_id, id))
                        continue;
                for (size_t i = 0; i < cfg->n_members; i++)
                        member = member || streq(cfg->members[i].id, *cid);
                if (member || streq(cfg->infra_id, *cid))
                        continue;
                r = container_entry(ctx, images, cc, cfg->name, volumes, &entry, ret_error);
                if (r < 0)
                        return r;
                json_array_add(containers, entry);
        }
        *ret = TAKE_PTR(plan);
        return 0;
}

static int lone_add(SkiffContext *ctx, Inputs *in, ContainerStore *ctrs, ImageStore *images, const char *id,
                    char **ret_error) {
        _cleanup_(container_config_freep) ContainerConfig *cc = NULL;
        json_object *entry;
        int r;

        r = container_config_load(ctrs, id, &cc);
        if (r < 0) {
                if (asprintf(ret_error, "container %s: read its record: %s", id, strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        if (!in->lone) {
                /* podman's shape: one pod named after the first container */
                _cleanup_free_ char *name = dns_label(cc->name, "-pod");
                json_object *p = json_object_new_object(), *ns = json_object_new_object();

                if (!p || !ns || !name) {
                        json_object_put(p);
                        json_object_put(ns);
                        return -ENOMEM;
                }
                json_add_string(p, "name", name);
                json_add_string(p, "kind", "Pod");
                json_add_string(p, "hostname", name);
                json_add_string(p, "restartPolicy", restart_to_k8s(cc->restart));
                json_add_int(p, "terminationGracePeriodSeconds", cc->stop_timeout);
                json_add_object(p, "namespaces", ns);
                json_add_object(p, "labels", strv_map(cc->labels, true));
                json_add_object(p, "annotations", strv_map(cc->annotations, false));
                json_add_object(p, "volumes", json_object_new_array());
                json_add_object(p, "initContainers", json_object_new_array());
                json_add_object(p, "containers", json_object_new_array());
                in->lone = p;
        }
        if (cc->pod_id) {
                if (asprintf(ret_error, "container %s: belongs to pod %.12s: generate the pod instead",
                             cc->name, cc->pod_id)
                    < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        r = container_entry(ctx, images, cc, NULL, jget(in->lone, "volumes"), &entry, ret_error);
        if (r < 0)
                return r;
        return json_array_add(jget(in->lone, "containers"), entry);
}

int verb_kube_generate(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"filename", required_argument, NULL, 'f'},
                {"service", no_argument, NULL, 's'},
                {"type", required_argument, NULL, 't'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(pod_store_freep) PodStore *pods = NULL;
        _cleanup_(container_store_freep) ContainerStore *ctrs = NULL;
        _cleanup_(json_object_putp) json_object *docs = NULL;
        _cleanup_free_ char *err = NULL, *yaml = NULL, *image_err = NULL;
        _cleanup_(inputs_done) Inputs in = {};
        KubeGenerateOptions opts = {};
        ImageStore *images = NULL;
        const char *filename = NULL;
        size_t len = 0;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+f:st:h", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        filename = optarg;
                        break;
                case 's':
                        opts.service = true;
                        break;
                case 't':
                        opts.type = kube_generate_type_from_string(optarg);
                        if (opts.type < 0) {
                                log_error("kube generate: --type %s: must be pod or deployment", optarg);
                                return 1;
                        }
                        break;
                case 'h':
                        generate_usage(stdout);
                        return 0;
                default:
                        generate_usage(stderr);
                        return 1;
                }
        if (optind >= argc) {
                log_error(
                        "kube generate: name at least one pod or container. See 'skiff kube generate --help'.");
                return 1;
        }
        if (ctx->paths_error < 0) {
                log_error("kube generate: cannot determine skiff's directories (set --root/--runroot)");
                return 125;
        }
        r = pod_store_open(&ctx->paths, &pods);
        if (r < 0)
                return log_error_errno(r, "kube generate: open the pod records under %s: %m",
                                       ctx->paths.root),
                       125;
        r = container_store_open(&ctx->paths, &ctrs);
        if (r < 0)
                return log_error_errno(r, "kube generate: open the container records under %s: %m",
                                       ctx->paths.root),
                       125;
        /* Without the image store the image's Entrypoint/Cmd/Env are unknown and everything is written
         * out: still correct YAML, only longer. */
        if (image_store_open(ctx->paths.root, ctx->paths.rootless ? IMAGE_STORE_USERNS : 0, &images,
                             &image_err)
            < 0)
                images = NULL;

        for (int i = optind; i < argc; i++) {
                char id[POD_ID_LEN + 1];
                json_object *plan;

                r = pod_lookup(pods, argv[i], id);
                if (r >= 0) {
                        r = pod_input(ctx, pods, ctrs, images, id, &plan, &err);
                        if (r >= 0)
                                r = push_pod(&in, plan);
                } else if (r == -ENOENT) {
                        r = container_lookup(ctrs, argv[i], id);
                        if (r == -ENOENT) {
                                log_error("kube generate %s: no such pod or container", argv[i]);
                                r = -ENOENT;
                                goto finish;
                        }
                        if (r >= 0)
                                r = lone_add(ctx, &in, ctrs, images, id, &err);
                }
                if (r == -ENOTUNIQ) {
                        log_error("kube generate %s: matches several; give more of the id", argv[i]);
                        goto finish;
                }
                if (r < 0) {
                        if (err)
                                log_error("kube generate: %s", err);
                        else
                                log_error_errno(r, "kube generate %s: %m", argv[i]);
                        goto finish;
                }
        }
        if (in.lone) {
                r = push_pod(&in, TAKE_PTR(in.lone));
                if (r < 0)
                        goto finish;
        }

        r = kube_generate(in.pods, in.n_pods, &opts, &docs, &err);
        if (r < 0) {
                if (err)
                        log_error("kube generate: %s", err);
                else
                        log_error_errno(r, "kube generate: %m");
                goto finish;
        }
        r = kube_emit_yaml((json_object *const *) json_object_get_array(docs)->array,
                           json_object_array_length(docs), &yaml, &len);
        if (r < 0) {
                log_error_errno(r, "kube generate: write YAML: %m");
                goto finish;
        }
        if (filename) {
                _cleanup_close_ int fd = open(filename, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (fd < 0) {
                        r = -errno;
                        log_error_errno(r, "kube generate: --filename %s: %m", filename);
                        goto finish;
                }
                for (size_t off = 0; off < len;) {
                        ssize_t k = write(fd, yaml + off, len - off);
                        if (k < 0) {
                                r = -errno;
                                log_error_errno(r, "kube generate: write %s: %m", filename);
                                (void) unlink(filename);
                                goto finish;
                        }
                        off += (size_t) k;
                }
        } else if (fwrite(yaml, 1, len, stdout) != len || fflush(stdout) != 0) {
                r = -EIO;
                log_error("kube generate: write to standard output failed");
                goto finish;
        }
        r = 0;
finish:
        image_store_free(images);
        if (r >= 0)
                return 0;
        return IN_SET(r, -ENOENT, -ENOTUNIQ) ? 1 : r == -EINVAL ? 1 : 125;
}
