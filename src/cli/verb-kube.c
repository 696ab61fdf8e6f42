/* skiff kube …: Kubernetes YAML in and out. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/verbs.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "image/store.h"
#include "play/kube-model.h"
#include "play/kube-plan.h"
#include "cli/pod-common.h"
#include "pod/pod-state.h"
#include "registry/pull.h"
#include "registry/registries-conf.h"
#include "runtime/cgroup.h"
#include "runtime/dlopen-systemd.h"
#include "runtime/state.h"

/* Larger than any YAML a person writes; bounds memory for a mistaken `skiff kube play /dev/zero`. */
#define INPUT_MAX (64u * 1024u * 1024u)

static void kube_usage(FILE *f) {
        fputs("Usage: skiff kube COMMAND [OPTIONS]\n"
              "\n"
              "Kubernetes YAML: Pod, Deployment, ConfigMap, Secret, PersistentVolumeClaim.\n"
              "\n"
              "Commands:\n"
              "  play       Create and start the pods Kubernetes YAML describes (--dry-run: show the plan)\n"
              "  down       Stop and remove the pods Kubernetes YAML describes\n"
              "  generate   Print Kubernetes YAML that recreates pods and containers\n"
              "\n"
              "Run 'skiff kube COMMAND --help' for a command's options.\n",
              f);
}

int verb_kube(SkiffContext *ctx, int argc, char *argv[]) {
        if (argc < 2) {
                kube_usage(stderr);
                return 1;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                kube_usage(stdout);
                return 0;
        }
        if (streq(argv[1], "play"))
                return verb_kube_play(ctx, argc - 1, argv + 1);
        if (streq(argv[1], "down"))
                return verb_kube_down(ctx, argc - 1, argv + 1);
        if (streq(argv[1], "generate"))
                return verb_kube_generate(ctx, argc - 1, argv + 1);
        log_error("kube: unknown command '%s'. See 'skiff kube --help'.", argv[1]);
        return 1;
}

static void play_usage(FILE *f) {
        fputs("Usage: skiff kube play [OPTIONS] FILE...|-\n"
              "\n"
              "Read Kubernetes YAML (several documents, `kind: List`, several files, or - for standard input),\n"
              "check it against Kubernetes' validation rules (every problem is reported as\n"
              "FILE:LINE:COLUMN: FIELD.PATH: MESSAGE), pull the images its containers need as their\n"
              "imagePullPolicy says (all at once, before anything is created), then create and start its\n"
              "pods: an infra container holding the pod's namespaces, the containers, and one supervisor\n"
              "process per pod.\n"
              "\n"
              "Options:\n"
              "      --dry-run           Print the plan (containers, argv rule, resolved env, mounts,\n"
              "                          ports, security, resources) instead of running it\n"
              "      --replace           Replace pods (and containers) of the same names, whatever state\n"
              "                          they are in\n"
              "      --start=BOOL        Start the pods (default true); false only creates them\n"
              "  -w, --wait              Return only once every container is ready (readiness probes)\n"
              "      --configmap FILE    Also read ConfigMaps from FILE (repeatable, or comma-separated)\n"
              "      --log-driver DRIVER k8s-file (default), journald or none\n"
              "      --annotation K=V    Add an annotation to every container (repeatable)\n"
              "      --no-hosts          Keep each image's own /etc/hosts (no pod /etc/hosts)\n"
              "      --tls-verify[=BOOL] Require HTTPS with a verified certificate when pulling (default\n"
              "                          true, or false for registries marked insecure in registries.conf)\n"
              "      --authfile FILE     Registry credentials for pulling (default: as skiff pull)\n"
              "      --service-container[=BOOL], --service\n"
              "                          Under systemd (Type=notify): the pod's supervisor becomes the\n"
              "                          unit's main process (MAINPID=, READY=1 once every container\n"
              "                          started, or with --wait ready; STATUS= \"N/M containers\n"
              "                          running\"; WATCHDOG=1 under WatchdogSec=); stopping the unit\n"
              "                          (SIGTERM) stops the pod\n"
              "      --service-exit-code-propagation=all|any|none\n"
              "                          With --service-container: when the pod ends by itself, the\n"
              "                          supervisor exits with the first failed container's code if any\n"
              "                          (any) or every (all) container failed, else 0 (none: always 0)\n"
              "      --log-opt, --userns, --network, --publish\n"
              "                          Refused: not supported yet\n"
              "      --format FORMAT     Plan output: text (default) or json\n"
              "      --show-secrets      Show Secret values in the plan instead of \"(secret)\"\n"
              "  -q, --quiet             Print errors only, not warnings\n"
              "  -h, --help              Show this help\n"
              "\n"
              "Exit status: 0 on success, 1 when the input is invalid or on a usage error, 125 when a pod\n"
              "could not be created or started (nothing of it is left then), 126/127 when a container's\n"
              "command cannot be executed or was not found.\n",
              f);
}

static int read_input(const char *arg, char **ret, size_t *ret_size) {
        if (streq(arg, "-"))
                return read_full_stream(stdin, INPUT_MAX, ret, ret_size);
        return read_full_file_at(AT_FDCWD, arg, INPUT_MAX, ret, ret_size);
}

/* hostPort is accepted, but nothing publishes it until skiff has networking: one warning per port (with
 * hostNetwork the container binds the host's port itself, nothing to publish). */
static void warn_host_ports(json_object *pod) {
        json_object *ns = NULL, *net = NULL;
        const char *const lists[] = { "initContainers", "containers" };

        if (json_object_object_get_ex(pod, "namespaces", &ns) && json_object_object_get_ex(ns, "network", &net) &&
            streq(json_object_get_string(net), "host"))
                return;
        for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
                json_object *cs = NULL;

                if (!json_object_object_get_ex(pod, lists[l], &cs))
                        continue;
                for (size_t i = 0; i < json_object_array_length(cs); i++) {
                        json_object *c = json_object_array_get_idx(cs, i), *ports = NULL, *name = NULL;

                        /* Kubernetes' name of the container ("web"), not skiff's POD-web */
                        (void) json_object_object_get_ex(c, "containerName", &name);
                        if (!json_object_object_get_ex(c, "ports", &ports))
                                continue;
                        for (size_t j = 0; j < json_object_array_length(ports); j++) {
                                json_object *hp = NULL;

                                if (json_object_object_get_ex(json_object_array_get_idx(ports, j), "hostPort", &hp) &&
                                    json_object_get_int64(hp) > 0)
                                        log_warning("hostPort %lld of container %s: not published yet (networking is not built)",
                                                    (long long) json_object_get_int64(hp), json_object_get_string(name));
                        }
                }
        }
}

static int load_file(KubeSet *set, const char *arg, bool configmap, DiagList *diags, StrBuf *keep) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r;

        r = read_input(arg, &text, &size);
        if (r == -EFBIG)
                return log_error_errno(r, "Failed to read '%s': larger than %u MiB", arg, INPUT_MAX / 1024 / 1024);
        if (r < 0)
                return log_error_errno(r, "Failed to read '%s': %m", arg);
        /* every input as one YAML stream, for the pods' copy (pod-state.h, POD_KUBE_YAML_FILE) */
        if (keep) {
                if (keep->len > 0 && keep->buf[keep->len - 1] != '\n')
                        (void) strbuf_putc(keep, '\n');
                if (keep->len > 0)
                        (void) strbuf_puts(keep, "---\n");
                (void) strbuf_add(keep, text, size);
                if (!strbuf_ok(keep))
                        return log_oom();
        }
        r = kube_set_load(set, text, size, streq(arg, "-") ? "<stdin>" : arg, configmap, diags);
        if (r == -ENOMEM)
                return log_oom();
        return r;
}

static void host_facts(PlanHost *h, char *hostname, size_t len) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN), pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

        if (gethostname(hostname, len) < 0)
                snprintf(hostname, len, "localhost");
        hostname[len - 1] = 0;
        *h = (PlanHost) {
                .hostname = hostname,
                .cpus = cpus > 0 ? cpus : 1,
                .memory_bytes = pages > 0 && page > 0 ? (int64_t) pages * page : 0,
        };
}

static void print_diags(DiagList *diags, bool quiet) {
        diag_list_sort(diags);
        for (size_t i = 0; i < diags->n; i++) {
                _cleanup_free_ char *s = NULL;

                if (quiet && diags->items[i].severity == DIAG_WARNING)
                        continue;
                s = diag_format(&diags->items[i]);
                if (s)
                        fprintf(stderr, "%s\n", s);
        }
}

/* Reads and checks every input. Returns 0 with the set, 1 when the input is invalid (diagnostics
 * printed), 125 on skiff's own failure. names_only (kube down): only what names the pods must be
 * right; what the content refers to (a ConfigMap given to kube play with --configmap, say) is not
 * checked, so the YAML a pod was played from always takes it down. */
static int load_inputs(char **configmaps, char **files, bool quiet, bool names_only, KubeSet **ret, StrBuf *keep) {
        _cleanup_(kube_set_freep) KubeSet *set = kube_set_new();
        DiagList diags = DIAG_LIST_INIT;
        bool failed = false, unreadable = false;
        int r;

        if (!set)
                return log_oom(), 125;
        /* Read everything first, so every problem in every file is reported at once. A syntax error
         * stops that file only. */
        STRV_FOREACH(f, configmaps) {
                r = load_file(set, *f, true, &diags, keep);
                if (r == -ENOMEM)
                        goto finish_oom;
                if (r < 0)
                        failed = true;
                if (r != -EINVAL && r < 0)
                        unreadable = true;
        }
        STRV_FOREACH(f, files) {
                r = load_file(set, *f, false, &diags, keep);
                if (r == -ENOMEM)
                        goto finish_oom;
                if (r < 0)
                        failed = true;
                /* -EINVAL: read, with errors in the content; anything else: not read at all. */
                if (r != -EINVAL && r < 0)
                        unreadable = true;
        }
        /* Check the content even when decoding found errors, so every problem is reported at once;
         * but not when a whole file could not be read (references into it would all look dangling). */
        if (!unreadable) {
                DiagList checks = DIAG_LIST_INIT;

                r = kube_set_validate(set, names_only ? &checks : &diags);
                if (r == -ENOMEM) {
                        diag_list_done(&checks);
                        goto finish_oom;
                }
                /* names_only: an object whose pod name could not be made is skipped by the caller */
                if (r < 0 && !names_only)
                        failed = true;
                diag_list_done(&checks);
        }
        print_diags(&diags, quiet);
        diag_list_done(&diags);
        if (failed)
                return 1;
        {
                size_t n = 0;
                for (size_t i = 0; i < set->n_objects; i++)
                        if (IN_SET(set->objects[i].kind, KUBE_POD, KUBE_DEPLOYMENT, KUBE_PVC))
                                n++;
                if (n == 0) {
                        /* podman says the same: ConfigMaps and Secrets alone run nothing. */
                        _cleanup_free_ char *inputs = strv_join(files, ", ");
                        log_error("kube play: no Pod, Deployment or PersistentVolumeClaim in %s (ConfigMaps and "
                                  "Secrets are only used by the pods that refer to them)",
                                  inputs ? (streq(inputs, "-") ? "<stdin>" : inputs) : "the input");
                        return 1;
                }
        }
        *ret = TAKE_PTR(set);
        return 0;

finish_oom:
        diag_list_done(&diags);
        log_oom();
        return 125;
}

static int parse_bool_arg(const char *flag, const char *v, bool *ret) {
        if (!v || streq(v, "true") || streq(v, "1") || streq(v, "yes")) {
                *ret = true;
                return 0;
        }
        if (streq(v, "false") || streq(v, "0") || streq(v, "no")) {
                *ret = false;
                return 0;
        }
        log_error("kube play: invalid %s '%s': use true or false", flag, v);
        return -EINVAL;
}

static int check_paths(SkiffContext *ctx, const char *verb) {
        if (ctx->paths_error < 0) {
                log_error("%s: cannot determine skiff's directories (set --root/--runroot, or HOME and "
                          "XDG_RUNTIME_DIR)", verb);
                return -1;
        }
        return 0;
}

/* ---- images: pulled per imagePullPolicy before anything is created ---- */

typedef struct PlayImage {
        const char *image;     /* borrowed from the plan */
        const char *container; /* the first container (in YAML order) that uses it */
        const char *pod;
        bool always, if_missing, never_only;
        bool present;
        pid_t pid;
        int err_fd;
        char *error;
} PlayImage;

typedef struct PullSettings {
        int tls_verify; /* < 0: registries.conf */
        const char *authfile;
        bool quiet;
        bool sd_notify; /* --service-container under systemd: keep the start timeout from expiring */
} PullSettings;

/* Under systemd (Type=notify, NotifyAccess=all, as the generated units are), a first pull at boot can
 * take longer than TimeoutStartSec (podman issue 18353): while pulls run, a child of ours tells the
 * manager every PULL_EXTEND_EVERY_S seconds to allow PULL_EXTEND_USEC more, with a STATUS= line, and is
 * killed once they end. A pull that stalls is ended by the pull's own timeouts, not by this. */
#define PULL_EXTEND_EVERY_S 5
#define PULL_EXTEND_USEC (3 * PULL_EXTEND_EVERY_S * 1000000ULL)

static pid_t pull_extender_start(size_t n_pull) {
        pid_t pid;

        if (isempty(getenv("NOTIFY_SOCKET")) || dlopen_libsystemd(NULL) < 0)
                return -1;
        pid = fork();
        if (pid != 0)
                return pid;
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
                (void) sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=Pulling %zu image%s",
                                  (unsigned long long) PULL_EXTEND_USEC, n_pull, n_pull == 1 ? "" : "s");
                sleep(PULL_EXTEND_EVERY_S);
        }
}

static void pull_extender_stop(pid_t pid) {
        if (pid <= 0)
                return;
        (void) kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

static void on_pull_progress(const PullEvent *ev, void *userdata) {
        if (ev->type == PULL_EVENT_TRYING && !*(bool *) userdata)
                fprintf(stderr, "Trying to pull %s...\n", ev->name);
}

/* The pull of one image, in a child process of its own (so every image is pulled at once, each with
 * its own store handle and curl): exits 0, or 1 after writing its one-line error to err_fd. */
_noreturn_ static void pull_child(SkiffContext *ctx, const PlayImage *pi, const RegistriesConf *conf,
                                  const PullSettings *ps, int err_fd) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_free_ char *err = NULL;
        char id[DIGEST_SHA256_HEX_LEN + 1];
        bool quiet = ps->quiet;
        PullOptions o = {
                .tls_verify = ps->tls_verify,
                .authfile = ps->authfile,
                .conf = conf,
                .progress = on_pull_progress,
                .userdata = &quiet,
        };
        int r;

        r = image_store_open(ctx->paths.root, 0, &store, &err);
        if (r >= 0)
                r = image_pull(store, pi->image, &o, id, NULL, &err);
        if (r < 0) {
                const char *m = err ?: strerror(-r);
                (void) !write(err_fd, m, strlen(m));
                _exit(1);
        }
        _exit(0);
}

/* Every container image of every pod in the plan, as Kubernetes' imagePullPolicy says: Never uses the
 * local store only, IfNotPresent pulls when missing, Always asks the registry every time (a pull of
 * what is stored already fetches the manifest and no blob). Never's misses fail first, without a
 * registry contacted; then all the images to pull are pulled at once, one process each. Returns 0, or
 * 125 after printing one line naming the container and the image of the first failure (YAML order). */
static int pull_play_images(SkiffContext *ctx, json_object *plan, const PullSettings *ps) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(registries_conf_freep) RegistriesConf *conf = NULL;
        _cleanup_free_ PlayImage *imgs = NULL;
        _cleanup_free_ char *err = NULL;
        json_object *pods = NULL;
        size_t n = 0, n_pull = 0;
        pid_t extender = -1;
        int r, ret = 0;

        (void) json_object_object_get_ex(plan, "pods", &pods);
        for (size_t i = 0; pods && i < json_object_array_length(pods); i++) {
                json_object *pod = json_object_array_get_idx(pods, i), *name = NULL;

                (void) json_object_object_get_ex(pod, "name", &name);
                for (int k = 0; k < 2; k++) {
                        json_object *list = NULL;

                        (void) json_object_object_get_ex(pod, k == 0 ? "initContainers" : "containers", &list);
                        for (size_t j = 0; list && j < json_object_array_length(list); j++) {
                                json_object *c = json_object_array_get_idx(list, j), *v;
                                const char *image = NULL, *policy = "IfNotPresent", *cname = NULL;
                                PlayImage *pi = NULL;

                                if (json_object_object_get_ex(c, "image", &v))
                                        image = json_object_get_string(v);
                                if (json_object_object_get_ex(c, "pullPolicy", &v))
                                        policy = json_object_get_string(v);
                                if (json_object_object_get_ex(c, "containerName", &v))
                                        cname = json_object_get_string(v);
                                if (isempty(image))
                                        continue;
                                for (size_t x = 0; x < n && !pi; x++)
                                        if (streq(imgs[x].image, image))
                                                pi = &imgs[x];
                                if (!pi) {
                                        PlayImage *a = reallocarray(imgs, n + 1, sizeof(PlayImage));
                                        if (!a)
                                                return log_oom(), 125;
                                        imgs = a;
                                        pi = &imgs[n++];
                                        *pi = (PlayImage) { .image = image, .container = cname,
                                                            .pod = name ? json_object_get_string(name) : NULL,
                                                            .never_only = true, .pid = -1, .err_fd = -EBADF };
                                }
                                if (streq_ptr(policy, "Always"))
                                        pi->always = true;
                                else if (!streq_ptr(policy, "Never"))
                                        pi->if_missing = true;
                                if (!streq_ptr(policy, "Never"))
                                        pi->never_only = false;
                        }
                }
        }
        if (n == 0)
                return 0;

        r = image_store_open(ctx->paths.root, 0, &store, &err);
        if (r < 0) {
                log_error("kube play: open the image store %s: %s", ctx->paths.root, err ?: strerror(-r));
                return 125;
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_(store_image_freep) StoreImage *img = NULL;
                _cleanup_free_ char *e = NULL;

                imgs[i].present = image_store_lookup(store, imgs[i].image, &img, &e) >= 0;
                if (!imgs[i].present && imgs[i].never_only) {
                        log_error("kube play: container %s: image %s: not in the local image store (imagePullPolicy "
                                  "Never)", imgs[i].container ?: "?", imgs[i].image);
                        return 125;
                }
                if (imgs[i].always || (imgs[i].if_missing && !imgs[i].present))
                        n_pull++;
        }
        /* our handle (and its shared gc.lock) is not needed by the pulls, which open their own */
        store = image_store_free(store);
        if (n_pull == 0)
                return 0;

        {
                _cleanup_(diag_freep) Diag *d = NULL;
                r = registries_conf_load(&conf, &d);
                if (r < 0) {
                        _cleanup_free_ char *msg = d ? diag_format(d) : NULL;
                        log_error("kube play: %s", msg ?: strerror(-r));
                        return 125;
                }
        }
        fflush(stdout);
        fflush(stderr);
        extender = ps->sd_notify ? pull_extender_start(n_pull) : -1;
        for (size_t i = 0; i < n; i++) {
                int p[2];

                if (!(imgs[i].always || (imgs[i].if_missing && !imgs[i].present)))
                        continue;
                if (pipe2(p, O_CLOEXEC) < 0) {
                        if (asprintf(&imgs[i].error, "start the pull: %s", strerror(errno)) < 0)
                                imgs[i].error = NULL;
                        continue;
                }
                imgs[i].pid = fork();
                if (imgs[i].pid == 0) {
                        close(p[0]);
                        pull_child(ctx, &imgs[i], conf, ps, p[1]);
                }
                close(p[1]);
                if (imgs[i].pid < 0) {
                        r = -errno;
                        close(p[0]);
                        if (asprintf(&imgs[i].error, "start the pull: %s", strerror(-r)) < 0)
                                imgs[i].error = NULL;
                        continue;
                }
                imgs[i].err_fd = p[0];
        }
        /* every pull runs to its end (a half-pulled image is only a cache of blobs, never recorded) */
        for (size_t i = 0; i < n; i++) {
                int status = 0;

                if (imgs[i].pid <= 0)
                        continue;
                if (imgs[i].err_fd >= 0) {
                        _cleanup_(fclosep) FILE *f = fdopen(imgs[i].err_fd, "r");
                        if (f) {
                                size_t len = 0;
                                imgs[i].err_fd = -EBADF;
                                (void) read_full_stream(f, 4096, &imgs[i].error, &len);
                                if (imgs[i].error && !*imgs[i].error) {
                                        free(imgs[i].error);
                                        imgs[i].error = NULL;
                                }
                        }
                }
                while (waitpid(imgs[i].pid, &status, 0) < 0 && errno == EINTR)
                        ;
                if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && !imgs[i].error &&
                    asprintf(&imgs[i].error, "the pull ended with status %d", status) < 0)
                        imgs[i].error = NULL;
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                        free(imgs[i].error);
                        imgs[i].error = NULL;
                }
        }
        pull_extender_stop(extender);
        for (size_t i = 0; i < n; i++) {
                if (imgs[i].error && ret == 0) {
                        log_error("kube play: container %s: image %s: %s", imgs[i].container ?: "?", imgs[i].image,
                                  imgs[i].error);
                        ret = 125;
                }
                if (imgs[i].err_fd >= 0)
                        close(imgs[i].err_fd);
                free(imgs[i].error);
        }
        return ret;
}

static void warmup_donep(pid_t *pid) {
        cgroup_attach_warmup_done(*pid);
}

int verb_kube_play(SkiffContext *ctx, int argc, char *argv[]) {
        enum { ARG_DRY_RUN = 0x100, ARG_CONFIGMAP, ARG_FORMAT, ARG_SHOW_SECRETS, ARG_REPLACE, ARG_START, ARG_LOG_DRIVER,
               ARG_ANNOTATION, ARG_NO_HOSTS, ARG_SERVICE, ARG_EXIT_PROPAGATION, ARG_REFUSED, ARG_TLS_VERIFY,
               ARG_AUTHFILE };
        static const struct option options[] = {
                { "service-container", optional_argument, NULL, ARG_SERVICE },
                { "service", no_argument, NULL, ARG_SERVICE },
                { "service-exit-code-propagation", required_argument, NULL, ARG_EXIT_PROPAGATION },
                { "log-opt", required_argument, NULL, ARG_REFUSED },
                { "userns", required_argument, NULL, ARG_REFUSED },
                { "network", required_argument, NULL, ARG_REFUSED },
                { "publish", required_argument, NULL, ARG_REFUSED },
                { "help", no_argument, NULL, 'h' },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "configmap", required_argument, NULL, ARG_CONFIGMAP },
                { "format", required_argument, NULL, ARG_FORMAT },
                { "show-secrets", no_argument, NULL, ARG_SHOW_SECRETS },
                { "quiet", no_argument, NULL, 'q' },
                { "replace", no_argument, NULL, ARG_REPLACE },
                { "start", optional_argument, NULL, ARG_START },
                { "wait", no_argument, NULL, 'w' },
                { "log-driver", required_argument, NULL, ARG_LOG_DRIVER },
                { "annotation", required_argument, NULL, ARG_ANNOTATION },
                { "no-hosts", no_argument, NULL, ARG_NO_HOSTS },
                { "tls-verify", optional_argument, NULL, ARG_TLS_VERIFY },
                { "authfile", required_argument, NULL, ARG_AUTHFILE },
                {},
        };
        _cleanup_(kube_set_freep) KubeSet *set = NULL;
        _cleanup_strv_free_ char **configmaps = NULL, **annotations = NULL, **files = NULL;
        PullSettings pull = { .tls_verify = -1 };
        _cleanup_(warmup_donep) pid_t warmup = -1;
        _cleanup_(json_object_putp) json_object *plan = NULL;
        _cleanup_(strbuf_release) StrBuf keep = STRBUF_INIT;
        _cleanup_strv_free_ char **cmdline = NULL;
        bool dry_run = false, json = false, quiet = false;
        PlanOptions popts = {};
        PodPlayOptions play = { .start = true };
        PlanHost host;
        char hostname[256];
        int c, r, idx = 0;

        while ((c = getopt_long(argc, argv, "hqw", options, &idx)) >= 0) {
                switch (c) {
                case 'h':
                        play_usage(stdout);
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case 'w':
                        play.wait = true;
                        break;
                case ARG_DRY_RUN:
                        dry_run = true;
                        break;
                case ARG_REPLACE:
                        play.replace = true;
                        break;
                case ARG_START:
                        if (parse_bool_arg("--start", optarg, &play.start) < 0)
                                return 1;
                        break;
                case ARG_NO_HOSTS:
                        play.no_hosts = true;
                        break;
                case ARG_TLS_VERIFY: {
                        bool b = true;
                        if (parse_bool_arg("--tls-verify", optarg, &b) < 0)
                                return 1;
                        pull.tls_verify = b;
                        break;
                }
                case ARG_AUTHFILE:
                        if (access(optarg, R_OK) < 0) {
                                log_error_errno(-errno, "kube play: --authfile %s: %m", optarg);
                                return 1;
                        }
                        pull.authfile = optarg;
                        break;
                case ARG_SERVICE:
                        if (parse_bool_arg("--service-container", optarg, &play.sd_notify) < 0)
                                return 1;
                        break;
                case ARG_EXIT_PROPAGATION:
                        if (!IN_SET(0, strcmp(optarg, "none"), strcmp(optarg, "any"), strcmp(optarg, "all"))) {
                                log_error("kube play: --service-exit-code-propagation=%s: expected all, any or none",
                                          optarg);
                                return 1;
                        }
                        play.exit_propagation = optarg;
                        break;
                case ARG_REFUSED:
                        log_error("kube play: --%s: not supported yet", options[idx].name);
                        return 1;
                case ARG_LOG_DRIVER:
                        if (log_driver_from_string(optarg) < 0) {
                                log_error("kube play: invalid --log-driver '%s': use k8s-file, journald or none", optarg);
                                return 1;
                        }
                        play.log_driver = optarg;
                        break;
                case ARG_ANNOTATION:
                        if (!strchr(optarg, '=') || optarg[0] == '=') {
                                log_error("kube play: invalid --annotation '%s': expected KEY=VALUE", optarg);
                                return 1;
                        }
                        if (strv_extend(&annotations, optarg) < 0)
                                return log_oom(), 125;
                        break;
                case ARG_CONFIGMAP: {
                        _cleanup_free_ char *copy = strdup(optarg);
                        char *save = NULL;

                        if (!copy)
                                return log_oom(), 125;
                        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                                if (strv_extend(&configmaps, t) < 0)
                                        return log_oom(), 125;
                        break;
                }
                case ARG_FORMAT:
                        if (streq(optarg, "json"))
                                json = true;
                        else if (streq(optarg, "text"))
                                json = false;
                        else {
                                log_error("kube play: invalid --format '%s': use text or json", optarg);
                                return 1;
                        }
                        break;
                case ARG_SHOW_SECRETS:
                        popts.show_secrets = true;
                        break;
                default:
                        fputs("See 'skiff kube play --help'.\n", stderr);
                        return 1;
                }
        }
        if (optind >= argc) {
                log_error("kube play: no input: give one or more YAML files, or - for standard input");
                return 1;
        }
        for (int i = optind; i < argc; i++)
                if (strv_extend(&files, argv[i]) < 0)
                        return log_oom(), 125;

        /* The pods' first cgroup move waits for an RCU grace period: started now, it passes while the
         * input is read and the records are written (see cgroup.h). */
        warmup = dry_run ? -1 : cgroup_attach_warmup();
        r = load_inputs(configmaps, files, quiet, false, &set, dry_run ? NULL : &keep);
        if (r != 0)
                return r;

        host_facts(&host, hostname, sizeof(hostname));
        if (dry_run) {
                r = kube_plan_build(set, &host, &popts, &plan);
                if (r < 0)
                        return log_error_errno(r, "Failed to build the plan: %m"), 125;
                if (json)
                        printf("%s\n", json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
                else
                        kube_plan_print(plan, stdout);
                return 0;
        }

        if (check_paths(ctx, "kube play") < 0)
                return 125;
        popts.show_secrets = true;
        popts.runtime = true;
        r = kube_plan_build(set, &host, &popts, &plan);
        if (r < 0)
                return log_error_errno(r, "Failed to build the plan: %m"), 125;
        /* Every image of every pod is there (pulled as imagePullPolicy says) before any pod exists. */
        pull.quiet = quiet;
        pull.sd_notify = play.sd_notify;
        r = pull_play_images(ctx, plan, &pull);
        if (r != 0)
                return r;
        play.annotations = annotations;
        play.sources = files;
        play.kube_yaml = keep.buf ?: "";
        play.kube_yaml_size = keep.len;
        if (strv_extend(&cmdline, "skiff") < 0 || strv_extend(&cmdline, "kube") < 0)
                return log_oom(), 125;
        for (int i = 0; i < argc; i++)
                if (strv_extend(&cmdline, argv[i]) < 0)
                        return log_oom(), 125;
        play.create_argv = cmdline;
        {
                json_object *pods = NULL;
                size_t n;
                _cleanup_strv_free_ char **ids = NULL;
                int ret = 0;

                (void) json_object_object_get_ex(plan, "pods", &pods);
                n = pods ? json_object_array_length(pods) : 0;
                for (size_t i = 0; i < n; i++) {
                        json_object *pod = json_object_array_get_idx(pods, i);
                        _cleanup_free_ char *err = NULL;
                        char id[POD_ID_LEN + 1];
                        int code = 125;

                        warn_host_ports(pod);
                        r = cli_pod_play(ctx, pod, &play, id, &err, &code);
                        if (r < 0) {
                                log_error("kube play: %s", err ?: strerror(-r));
                                ret = code;
                                break; /* podman also stops at the first pod that fails */
                        }
                        if (strv_extend(&ids, id) < 0)
                                return log_oom(), 125;
                }
                /* podman's output: the pod ids, then its containers' (here: the pods only) */
                STRV_FOREACH(id, ids)
                        printf("Pod:\n%s\n", *id);
                return ret;
        }
}

static void down_usage(FILE *f) {
        fputs("Usage: skiff kube down [OPTIONS] FILE...|-\n"
              "\n"
              "Stop and remove the pods that the Kubernetes YAML describes (as `kube play` created them):\n"
              "their containers, supervisors, cgroups, mounts, state and emptyDir/configMap/secret\n"
              "volumes. Volumes of PersistentVolumeClaims stay unless --force.\n"
              "\n"
              "Options:\n"
              "      --force[=BOOL]  Also remove the PersistentVolumeClaims' volumes\n"
              "  -h, --help     Show this help\n"
              "\n"
              "Exit status: 0 on success (a pod that does not exist is not an error), 1 on invalid input,\n"
              "125 when a pod could not be removed.\n",
              f);
}

int verb_kube_down(SkiffContext *ctx, int argc, char *argv[]) {
        enum { ARG_FORCE = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "force", optional_argument, NULL, ARG_FORCE },
                {},
        };
        _cleanup_(kube_set_freep) KubeSet *set = NULL;
        _cleanup_strv_free_ char **files = NULL;
        _cleanup_(pod_store_freep) PodStore *pods = NULL;
        bool force = false;
        int c, r, ret = 0;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        down_usage(stdout);
                        return 0;
                case ARG_FORCE:
                        if (parse_bool_arg("--force", optarg, &force) < 0)
                                return 1;
                        break;
                default:
                        fputs("See 'skiff kube down --help'.\n", stderr);
                        return 1;
                }
        }
        if (optind >= argc) {
                log_error("kube down: no input: give one or more YAML files, or - for standard input");
                return 1;
        }
        for (int i = optind; i < argc; i++)
                if (strv_extend(&files, argv[i]) < 0)
                        return log_oom(), 125;
        r = load_inputs(NULL, files, true, true, &set, NULL);
        if (r != 0)
                return r;
        if (check_paths(ctx, "kube down") < 0)
                return 125;
        r = pod_store_open(&ctx->paths, &pods);
        if (r < 0)
                return log_error_errno(r, "kube down: open the pod records: %m"), 125;

        /* Debris of killed plays goes too: a `kube down` leaves nothing half-made behind. */
        {
                _cleanup_strv_free_ char **all = NULL;
                (void) pod_list(pods, &all);
                STRV_FOREACH(id, all)
                        if (pod_play_incomplete(pods, *id, false)) {
                                _cleanup_free_ char *err = NULL;
                                (void) cli_pod_teardown(ctx, pods, *id, true, &err);
                        }
        }
        for (size_t i = 0; i < set->n_objects; i++) {
                const KubeObject *o = &set->objects[i];
                char id[POD_ID_LEN + 1];
                _cleanup_free_ char *err = NULL;

                if (o->kind == KUBE_PVC && force && o->metadata && o->metadata->name.v) {
                        _cleanup_free_ char *dir = NULL;
                        if (asprintf(&dir, "%s/volumes/%s", ctx->paths.root, o->metadata->name.v) >= 0) {
                                r = rm_rf_path(dir);
                                if (r < 0) {
                                        log_error_errno(r, "kube down: volume %s: remove %s: %m", o->metadata->name.v, dir);
                                        ret = 125;
                                } else
                                        printf("Volume removed: %s\n", o->metadata->name.v);
                        }
                        continue;
                }
                if (!IN_SET(o->kind, KUBE_POD, KUBE_DEPLOYMENT) || !o->pod_name)
                        continue;
                if (pod_lookup(pods, o->pod_name, id) < 0)
                        continue; /* already gone: down is idempotent */
                r = cli_pod_teardown(ctx, pods, id, true, &err);
                if (r < 0) {
                        log_error("kube down: pod %s: %s", o->pod_name, err ?: strerror(-r));
                        ret = 125;
                        continue;
                }
                printf("Pod removed: %s (%s)\n", o->pod_name, id);
        }
        /* PVC volumes used by the pods but not declared: also only with --force */
        if (force) {
                PlanHost host;
                char hostname[256];
                _cleanup_(json_object_putp) json_object *plan = NULL;
                json_object *ps = NULL;

                host_facts(&host, hostname, sizeof(hostname));
                if (kube_plan_build(set, &host, &(PlanOptions) {}, &plan) >= 0 && json_object_object_get_ex(plan, "pods", &ps))
                        for (size_t i = 0; i < json_object_array_length(ps); i++) {
                                json_object *vols = NULL, *pod = json_object_array_get_idx(ps, i);
                                (void) json_object_object_get_ex(pod, "volumes", &vols);
                                for (size_t j = 0; vols && j < json_object_array_length(vols); j++) {
                                        json_object *v = json_object_array_get_idx(vols, j), *t, *nm;
                                        _cleanup_free_ char *dir = NULL;
                                        if (!json_object_object_get_ex(v, "type", &t) ||
                                            !streq(json_object_get_string(t), "persistentVolumeClaim") ||
                                            !json_object_object_get_ex(v, "volume", &nm))
                                                continue;
                                        if (asprintf(&dir, "%s/volumes/%s", ctx->paths.root, json_object_get_string(nm)) >= 0 &&
                                            access(dir, F_OK) == 0 && rm_rf_path(dir) >= 0)
                                                printf("Volume removed: %s\n", json_object_get_string(nm));
                                }
                        }
        }
        return ret;
}
