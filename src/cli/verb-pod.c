/* skiff pod ps|inspect|start|stop|restart|rm|logs|top: pods by hand (kube play creates them). */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/pod-common.h"
#include "cli/verbs.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strv.h"
#include "pod/pod-state.h"
#include "pod/pod-top.h"
#include "pod/supervisor.h"
#include "runtime/cgroup.h"
#include "runtime/ctr-log.h"
#include "runtime/monitor.h"
#include "runtime/state.h"

static void pod_usage(FILE *f) {
        fputs("Usage: skiff pod COMMAND [OPTIONS] [POD...]\n"
              "\n"
              "Pods: the ones `skiff kube play` or `skiff pod create` made.\n"
              "\n"
              "Commands:\n"
              "  create     Create a pod: its infra holds the network, ipc and uts namespaces that\n"
              "             containers join with `skiff run --pod`\n"
              "  ps         List pods (--format json)\n"
              "  inspect    Show pods' configuration and state (JSON)\n"
              "  start      Start created or exited pods (--wait: until ready)\n"
              "  stop       Stop pods (preStop hooks, stop signal, grace period, SIGKILL)\n"
              "  restart    Stop, then start pods\n"
              "  rm         Remove stopped pods (-f: stop them first)\n"
              "  logs       Show the output of a pod's containers (-c CONTAINER)\n"
              "  top        Show the processes of a pod's containers (DESCRIPTORS, --format json)\n"
              "\n"
              "A POD is a name, a full id or a unique id prefix.\n",
              f);
}

static int open_pods(SkiffContext *ctx, const char *verb, PodStore **ret) {
        int r;

        if (ctx->paths_error < 0) {
                log_error("pod %s: cannot determine skiff's directories (set --root/--runroot)", verb);
                return -EINVAL;
        }
        r = pod_store_open(&ctx->paths, ret);
        if (r < 0)
                log_error_errno(r, "pod %s: open the pod records under %s: %m", verb, ctx->paths.root);
        return r;
}

static int lookup(PodStore *s, const char *verb, const char *ref, char id[static POD_ID_LEN + 1]) {
        int r = pod_lookup(s, ref, id);

        if (r == -ENOENT)
                log_error("pod %s %s: no such pod", verb, ref);
        else if (r == -ENOTUNIQ)
                log_error("pod %s %s: matches several pods; give more of the id", verb, ref);
        else if (r < 0)
                log_error_errno(r, "pod %s %s: %m", verb, ref);
        return r;
}

/* Parses the common "-h, --format json" options; returns optind or -1 (usage error) or 0 after help. */
typedef struct CommonArgs {
        bool json;
        bool force;
        bool wait;
        int timeout;
        const char *container;
        bool all;
        bool ignore;
        char **id_files; /* --pod-id-file (repeatable) */
} CommonArgs;

static void common_args_done(CommonArgs *a) {
        a->id_files = strv_free(a->id_files);
}

static int parse_common(const char *verb, const char *usage, int argc, char *argv[], CommonArgs *a) {
        enum { ARG_FORMAT = 0x100, ARG_POD_ID_FILE, ARG_IGNORE };
        static const struct option options[] = {
                { "pod-id-file", required_argument, NULL, ARG_POD_ID_FILE },
                { "ignore", no_argument, NULL, ARG_IGNORE },
                { "help", no_argument, NULL, 'h' },
                { "format", required_argument, NULL, ARG_FORMAT },
                { "force", no_argument, NULL, 'f' },
                { "wait", no_argument, NULL, 'w' },
                { "time", required_argument, NULL, 't' },
                { "container", required_argument, NULL, 'c' },
                { "all", no_argument, NULL, 'a' },
                {},
        };
        int c;

        *a = (CommonArgs) { .timeout = -1 };
        optind = 0;
        while ((c = getopt_long(argc, argv, "hfwt:c:a", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        printf("Usage: skiff pod %s\n", usage);
                        return 0;
                case ARG_FORMAT:
                        if (streq(optarg, "json"))
                                a->json = true;
                        else if (!streq(optarg, "table") && !streq(optarg, "text")) {
                                log_error("pod %s: invalid --format '%s': use json or table", verb, optarg);
                                return -1;
                        }
                        break;
                case 'f':
                        a->force = true;
                        break;
                case 'w':
                        a->wait = true;
                        break;
                case 't': {
                        char *end = NULL;
                        long v = strtol(optarg, &end, 10);
                        if (!*optarg || *end || v < 0 || v > INT32_MAX) {
                                log_error("pod %s: invalid --time '%s': a number of seconds", verb, optarg);
                                return -1;
                        }
                        a->timeout = (int) v;
                        break;
                }
                case 'c':
                        a->container = optarg;
                        break;
                case 'a':
                        a->all = true;
                        break;
                case ARG_IGNORE:
                        a->ignore = true;
                        break;
                case ARG_POD_ID_FILE:
                        if (strv_extend(&a->id_files, optarg) < 0) {
                                log_oom();
                                return -1;
                        }
                        break;
                default:
                        fprintf(stderr, "See 'skiff pod %s --help'.\n", verb);
                        return -1;
                }
        }
        return optind;
}

static int pod_json(PodStore *s, const char *id, json_object **ret) {
        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
        _cleanup_json_ json_object *o = NULL, *st = NULL;
        PodState state = {};
        int r;

        r = pod_config_load(s, id, &cfg);
        if (r < 0)
                return r;
        r = pod_state_load(s, id, cfg->n_members, &state);
        if (r < 0)
                return r;
        r = pod_config_to_json(cfg, &o);
        if (r >= 0)
                r = pod_state_to_json(&state, cfg, &st);
        if (r >= 0) {
                if (pod_play_incomplete(s, id, false))
                        json_add_bool(st, "incompletePlay", true);
                r = json_add_object(o, "state", TAKE_PTR(st));
        }
        pod_state_done(&state);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static const char *jstr(json_object *o, const char *k) {
        json_object *v;
        return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int pod_ps(SkiffContext *ctx, int argc, char *argv[]) {
        _cleanup_(pod_store_freep) PodStore *s = NULL;
        _cleanup_strv_free_ char **ids = NULL;
        _cleanup_json_ json_object *all = json_object_new_array();
        _cleanup_(common_args_done) CommonArgs a = {};
        int r = parse_common("ps", "ps [--format json]\n\nList pods: id, name, status, containers (running/all), "
                                   "restarts, and why a pod ended.",
                             argc, argv, &a);

        if (r <= 0)
                return r == 0 ? 0 : 1;
        if (!all || open_pods(ctx, "ps", &s) < 0)
                return 125;
        r = pod_list(s, &ids);
        if (r < 0)
                return log_error_errno(r, "pod ps: %m"), 125;
        STRV_FOREACH(id, ids) {
                json_object *o = NULL;
                if (pod_json(s, *id, &o) >= 0)
                        json_array_add(all, o);
        }
        if (a.json) {
                printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
                return 0;
        }
        printf("%-12s  %-20s  %-9s  %-10s  %-8s  %s\n", "POD ID", "NAME", "STATUS", "CONTAINERS", "RESTARTS", "REASON");
        for (size_t i = 0; i < json_object_array_length(all); i++) {
                json_object *o = json_object_array_get_idx(all, i), *st = NULL, *ctrs = NULL, *inc;
                unsigned running = 0, total = 0, restarts = 0;

                (void) json_object_object_get_ex(o, "state", &st);
                (void) json_object_object_get_ex(st, "containers", &ctrs);
                for (size_t j = 0; ctrs && j < json_object_array_length(ctrs); j++) {
                        json_object *c = json_object_array_get_idx(ctrs, j), *rc;
                        total++;
                        if (streq_ptr(jstr(c, "state"), "running"))
                                running++;
                        if (json_object_object_get_ex(c, "restartCount", &rc))
                                restarts += (unsigned) json_object_get_int(rc);
                }
                printf("%-12.12s  %-20s  %-9s  %u/%-8u  %-8u  %s%s\n", jstr(o, "id"), jstr(o, "name"), strempty(jstr(st, "status")),
                       running, total, restarts, strempty(jstr(st, "reason")),
                       json_object_object_get_ex(st, "incompletePlay", &inc) ? " (incomplete play: kube down or --replace)" : "");
        }
        return 0;
}

static int pod_inspect(SkiffContext *ctx, int argc, char *argv[]) {
        _cleanup_(pod_store_freep) PodStore *s = NULL;
        _cleanup_json_ json_object *all = json_object_new_array();
        _cleanup_(common_args_done) CommonArgs a = {};
        int r = parse_common("inspect", "inspect POD...\n\nShow pods' configuration and state as JSON.", argc, argv, &a), ret = 0;

        if (r <= 0)
                return r == 0 ? 0 : 1;
        if (r >= argc) {
                log_error("pod inspect: give one or more pods");
                return 1;
        }
        if (!all || open_pods(ctx, "inspect", &s) < 0)
                return 125;
        for (int i = r; i < argc; i++) {
                char id[POD_ID_LEN + 1];
                json_object *o = NULL;

                if (lookup(s, "inspect", argv[i], id) < 0) {
                        ret = 125;
                        continue;
                }
                if (pod_json(s, id, &o) < 0) {
                        log_error("pod inspect %s: cannot read its record", argv[i]);
                        ret = 125;
                        continue;
                }
                json_array_add(all, o);
        }
        printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
        return ret;
}

/* What `pod create` recorded for `pod start` (systemd's Type=forking): where to write the
 * supervisor's pid, ROOT/pods/ID/infra-conmon-pidfile. */
static char *pidfile_record(SkiffContext *ctx, const char *id) {
        char *p = NULL;
        return asprintf(&p, "%s/pods/%s/infra-conmon-pidfile", ctx->paths.root, id) < 0 ? NULL : p;
}

static int write_conmon_pidfile(SkiffContext *ctx, PodStore *s, const char *id) {
        _cleanup_free_ char *rec = pidfile_record(ctx, id), *path = NULL, *text = NULL;
        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
        PodState st = {};
        int r;

        if (!rec)
                return -ENOMEM;
        r = read_full_file_at(AT_FDCWD, rec, PATH_MAX, &path, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = pod_config_load(s, id, &cfg);
        if (r >= 0)
                r = pod_state_load(s, id, cfg->n_members, &st);
        if (r < 0)
                return r;
        r = asprintf(&text, "%d\n", (int) st.supervisor_pid) < 0 ? -ENOMEM : 0;
        pod_state_done(&st);
        if (r < 0)
                return r;
        return write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0644);
}

static int pod_each(SkiffContext *ctx, int argc, char *argv[], const char *verb, const char *usage) {
        _cleanup_(pod_store_freep) PodStore *s = NULL;
        _cleanup_(common_args_done) CommonArgs a = {};
        _cleanup_strv_free_ char **refs = NULL;
        int r = parse_common(verb, usage, argc, argv, &a), ret = 0, first = r;

        if (r <= 0)
                return r == 0 ? 0 : 1;
        if (r >= argc && !a.id_files) {
                log_error("pod %s: give one or more pods (or --pod-id-file)", verb);
                return 1;
        }
        if (open_pods(ctx, verb, &s) < 0)
                return 125;
        /* --pod-id-file: a missing file or one naming a pod that is gone is an error, or nothing with
         * --ignore (systemd's ExecStop/ExecStopPost run after a failed or partial start too). */
        STRV_FOREACH(f, a.id_files) {
                char pid_[POD_ID_LEN + 1];
                r = cli_pod_read_id_file(*f, pid_);
                if (r < 0) {
                        if (a.ignore)
                                continue;
                        if (r == -EBADMSG)
                                log_error("pod %s: --pod-id-file %s: does not hold a pod id", verb, *f);
                        else
                                log_error_errno(r, "pod %s: --pod-id-file %s: %m", verb, *f);
                        ret = 125;
                        continue;
                }
                if (a.ignore && pod_lookup(s, pid_, (char[POD_ID_LEN + 1]) {}) == -ENOENT)
                        continue;
                if (strv_extend(&refs, pid_) < 0)
                        return log_oom(), 125;
        }
        for (int i = first; i < argc; i++) {
                char pid_[POD_ID_LEN + 1];
                if (a.ignore && pod_lookup(s, argv[i], pid_) == -ENOENT)
                        continue;
                if (strv_extend(&refs, argv[i]) < 0)
                        return log_oom(), 125;
        }
        STRV_FOREACH(ref, refs) {
                _cleanup_free_ char *err = NULL;
                char id[POD_ID_LEN + 1];
                int code = 125;

                if (lookup(s, verb, *ref, id) < 0) {
                        ret = 125;
                        continue;
                }
                if (streq(verb, "stop") || streq(verb, "restart")) {
                        r = cli_pod_teardown_timeout(ctx, s, id, false, a.timeout, &err);
                        if (r < 0) {
                                log_error("pod %s %s: %s", verb, *ref, err ?: strerror(-r));
                                ret = 125;
                                continue;
                        }
                }
                if (streq(verb, "start") || streq(verb, "restart")) {
                        /* Under systemd (a Type=notify unit from `generate systemd`), the one pod's
                         * supervisor becomes the unit's main process, as a container's monitor does. */
                        bool sd = streq(verb, "start") && strv_length(refs) == 1 && !isempty(getenv("NOTIFY_SOCKET"));
                        r = cli_pod_start(ctx, s, id, a.wait, sd, NULL, -1, &err, &code);
                        if (r < 0) {
                                log_error("pod %s %s: %s", verb, *ref, err ?: strerror(-r));
                                ret = code;
                                continue;
                        }
                        r = write_conmon_pidfile(ctx, s, id);
                        if (r < 0) {
                                log_error_errno(r, "pod %s %s: write the supervisor's pid to --infra-conmon-pidfile: %m",
                                                verb, *ref);
                                ret = 125;
                                continue;
                        }
                }
                if (streq(verb, "rm")) {
                        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
                        PodState st = {};

                        if (pod_config_load(s, id, &cfg) >= 0 && pod_state_load(s, id, cfg->n_members, &st) >= 0 &&
                            IN_SET(st.status, POD_STATUS_RUNNING, POD_STATUS_DEGRADED, POD_STATUS_STOPPING) && !a.force) {
                                pod_state_done(&st);
                                log_error("pod rm %s: the pod is running; stop it first or use --force", *ref);
                                ret = 125;
                                continue;
                        }
                        pod_state_done(&st);
                        r = cli_pod_teardown(ctx, s, id, true, &err);
                        if (r < 0) {
                                log_error("pod rm %s: %s", *ref, err ?: strerror(-r));
                                ret = 125;
                                continue;
                        }
                        STRV_FOREACH(f, a.id_files) {
                                char fid[POD_ID_LEN + 1];
                                if (cli_pod_read_id_file(*f, fid) >= 0 && streq(fid, id))
                                        (void) unlink(*f);
                        }
                }
                printf("%s\n", id);
        }
        return ret;
}

static int print_log(const char *path, const char *prefix) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r = read_full_file_at(AT_FDCWD, path, 0, &text, &size);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (char *line = text, *end; line < text + size; line = end + 1) {
                CtrLogRecord rec;

                end = memchr(line, '\n', (size_t) (text + size - line));
                if (!end)
                        end = text + size;
                if (ctr_log_parse_line(line, (size_t) (end - line), &rec) < 0)
                        continue;
                fprintf(rec.stream == CTR_STREAM_STDERR ? stderr : stdout, "%s%.*s%s", prefix, (int) rec.msg_len, rec.msg,
                        rec.partial ? "" : "\n");
        }
        return 0;
}

static int pod_logs(SkiffContext *ctx, int argc, char *argv[]) {
        _cleanup_(pod_store_freep) PodStore *s = NULL;
        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
        _cleanup_(container_store_freep) ContainerStore *cs = NULL;
        _cleanup_(common_args_done) CommonArgs a = {};
        char id[POD_ID_LEN + 1];
        bool found = false;
        int r = parse_common("logs", "logs [-c CONTAINER] POD\n\nShow what the pod's containers wrote (init containers "
                                     "first); with several containers each line starts with the container's name.",
                             argc, argv, &a);

        if (r <= 0)
                return r == 0 ? 0 : 1;
        if (r != argc - 1) {
                log_error("pod logs: give one pod");
                return 1;
        }
        if (open_pods(ctx, "logs", &s) < 0 || lookup(s, "logs", argv[r], id) < 0)
                return 125;
        if (pod_config_load(s, id, &cfg) < 0 || container_store_open(&ctx->paths, &cs) < 0) {
                log_error("pod logs %s: cannot read its record", argv[r]);
                return 125;
        }
        for (size_t i = 0; i < cfg->n_members; i++) {
                _cleanup_(container_config_freep) ContainerConfig *cc = NULL;
                _cleanup_free_ char *path = NULL, *prefix = NULL;

                if (a.container && !streq(a.container, cfg->members[i].name) && !streq(a.container, cfg->members[i].full_name))
                        continue;
                found = true;
                if (container_config_load(cs, cfg->members[i].id, &cc) < 0 || !(path = container_log_path(cs, cc)))
                        continue;
                if (asprintf(&prefix, "%s ", cfg->members[i].name) < 0)
                        return log_oom(), 125;
                (void) print_log(path, a.container || cfg->n_members == 1 ? "" : prefix);
        }
        if (a.container && !found) {
                log_error("pod logs %s: no container %s in the pod", argv[r], a.container);
                return 125;
        }
        return 0;
}

static void create_usage(FILE *f) {
        fputs("Usage: skiff pod create [OPTIONS]\n"
              "\n"
              "Create a pod without containers of its own: an infra (skiff-pause) that will hold the pod's\n"
              "network, ipc and uts namespaces, and the pod's supervisor once started (skiff pod start).\n"
              "Containers join it with `skiff run --pod NAME` or `--pod-id-file FILE`.\n"
              "\n"
              "Options:\n"
              "  -n, --name NAME                 The pod's name (default: a generated one)\n"
              "      --hostname NAME             The pod's host name (default: its name)\n"
              "      --add-host HOST:IP          An /etc/hosts entry for the pod (repeatable)\n"
              "  -l, --label K=V                 A label (repeatable)\n"
              "      --network host|private      The host's network, or a private one (default)\n"
              "      --pod-id-file FILE          Write the pod's id to FILE\n"
              "      --infra-conmon-pidfile FILE `pod start` writes the supervisor's pid to FILE\n"
              "      --exit-policy continue|stop continue (default): the pod runs until stopped; stop: accepted,\n"
              "                                  see skiff-pod(1)\n"
              "      --infra-name NAME           The infra container's name\n"
              "      --replace                   Replace a pod of the same name\n"
              "      --infra=true                An infra container (always; false is refused)\n"
              "  -h, --help                      Show this help\n"
              "\n"
              "podman's --publish, --volume, --userns, --uidmap, --gidmap, --subuidname, --subgidname, --ip,\n"
              "--ip6, --mac-address, --shm-size, --network-alias, --dns, --dns-option, --dns-search, --share,\n"
              "--cgroup-parent, --device are refused by name: skiff's pods do not give them yet.\n",
              f);
}

static int verb_pod_create(SkiffContext *ctx, int argc, char *argv[]) {
        enum { ARG_HOSTNAME = 0x100, ARG_ADD_HOST, ARG_NETWORK, ARG_POD_ID_FILE, ARG_CONMON_PIDFILE, ARG_EXIT_POLICY,
               ARG_INFRA_NAME, ARG_REPLACE, ARG_INFRA, ARG_REFUSED };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "name", required_argument, NULL, 'n' },
                { "hostname", required_argument, NULL, ARG_HOSTNAME },
                { "add-host", required_argument, NULL, ARG_ADD_HOST },
                { "label", required_argument, NULL, 'l' },
                { "network", required_argument, NULL, ARG_NETWORK },
                { "net", required_argument, NULL, ARG_NETWORK },
                { "pod-id-file", required_argument, NULL, ARG_POD_ID_FILE },
                { "infra-conmon-pidfile", required_argument, NULL, ARG_CONMON_PIDFILE },
                { "exit-policy", required_argument, NULL, ARG_EXIT_POLICY },
                { "infra-name", required_argument, NULL, ARG_INFRA_NAME },
                { "replace", no_argument, NULL, ARG_REPLACE },
                { "infra", optional_argument, NULL, ARG_INFRA },
                { "publish", required_argument, NULL, ARG_REFUSED },
                { "volume", required_argument, NULL, ARG_REFUSED },
                { "userns", required_argument, NULL, ARG_REFUSED },
                { "uidmap", required_argument, NULL, ARG_REFUSED },
                { "gidmap", required_argument, NULL, ARG_REFUSED },
                { "subuidname", required_argument, NULL, ARG_REFUSED },
                { "subgidname", required_argument, NULL, ARG_REFUSED },
                { "ip", required_argument, NULL, ARG_REFUSED },
                { "ip6", required_argument, NULL, ARG_REFUSED },
                { "mac-address", required_argument, NULL, ARG_REFUSED },
                { "shm-size", required_argument, NULL, ARG_REFUSED },
                { "network-alias", required_argument, NULL, ARG_REFUSED },
                { "dns", required_argument, NULL, ARG_REFUSED },
                { "dns-option", required_argument, NULL, ARG_REFUSED },
                { "dns-search", required_argument, NULL, ARG_REFUSED },
                { "share", required_argument, NULL, ARG_REFUSED },
                { "cgroup-parent", required_argument, NULL, ARG_REFUSED },
                { "device", required_argument, NULL, ARG_REFUSED },
                {},
        };
        _cleanup_json_ json_object *pod = json_object_new_object(), *labels = json_object_new_object(),
                                   *aliases = json_object_new_array();
        _cleanup_free_ char *gen_name = NULL, *err = NULL, *rec = NULL;
        const char *name = NULL, *hostname = NULL, *id_file = NULL, *pidfile = NULL;
        bool host_net = false;
        PodPlayOptions play = {};
        char id[POD_ID_LEN + 1];
        int c, idx = 0, code = 125, r;

        if (!pod || !labels || !aliases)
                return log_oom(), 125;
        optind = 0;
        while ((c = getopt_long(argc, argv, "hn:l:p:v:", options, &idx)) >= 0) {
                switch (c) {
                case 'h':
                        create_usage(stdout);
                        return 0;
                case 'n':
                        name = optarg;
                        break;
                case ARG_HOSTNAME:
                        hostname = optarg;
                        break;
                case ARG_ADD_HOST: {
                        const char *colon = strrchr(optarg, ':');
                        _cleanup_free_ char *host = NULL;
                        json_object *a = json_object_new_object(), *names = json_object_new_array();

                        if (!colon || colon == optarg || !colon[1]) {
                                json_object_put(a);
                                json_object_put(names);
                                log_error("pod create: invalid --add-host '%s': expected HOST:IP", optarg);
                                return 1;
                        }
                        host = strndup(optarg, (size_t) (colon - optarg));
                        if (!a || !names || !host) {
                                json_object_put(a);
                                json_object_put(names);
                                return log_oom(), 125;
                        }
                        json_object_array_add(names, json_object_new_string(host));
                        json_object_object_add(a, "ip", json_object_new_string(colon + 1));
                        json_object_object_add(a, "hostnames", names);
                        json_object_array_add(aliases, a);
                        break;
                }
                case 'l': {
                        const char *eq = strchr(optarg, '=');
                        _cleanup_free_ char *k = eq ? strndup(optarg, (size_t) (eq - optarg)) : strdup(optarg);
                        if (!k)
                                return log_oom(), 125;
                        if (!*k) {
                                log_error("pod create: invalid --label '%s': expected KEY=VALUE", optarg);
                                return 1;
                        }
                        json_object_object_add(labels, k, json_object_new_string(eq ? eq + 1 : ""));
                        break;
                }
                case ARG_NETWORK:
                        if (streq(optarg, "host"))
                                host_net = true;
                        else if (!streq(optarg, "private") && !streq(optarg, "bridge")) {
                                log_error("pod create: --network %s: not supported yet (host or private)", optarg);
                                return 125;
                        }
                        break;
                case ARG_POD_ID_FILE:
                        id_file = optarg;
                        break;
                case ARG_CONMON_PIDFILE:
                        pidfile = optarg;
                        break;
                case ARG_EXIT_POLICY:
                        if (!streq(optarg, "continue") && !streq(optarg, "stop")) {
                                log_error("pod create: invalid --exit-policy '%s': use continue or stop", optarg);
                                return 1;
                        }
                        break;
                case ARG_INFRA_NAME:
                        /* the infra is named after the pod id (as in kube play); the name is accepted */
                        break;
                case ARG_REPLACE:
                        play.replace = true;
                        break;
                case ARG_INFRA:
                        if (optarg && !streq(optarg, "true")) {
                                log_error("pod create: --infra=%s: a pod without an infra is not supported", optarg);
                                return 125;
                        }
                        break;
                case 'p':
                case 'v':
                case ARG_REFUSED:
                        log_error("pod create: --%s: not supported by skiff's pods yet",
                                  c == 'p' ? "publish" : c == 'v' ? "volume" : options[idx].name);
                        return 125;
                default:
                        fputs("See 'skiff pod create --help'.\n", stderr);
                        return 1;
                }
        }
        if (optind < argc) {
                log_error("pod create: unexpected argument '%s'", argv[optind]);
                return 1;
        }
        if (ctx->paths_error < 0) {
                log_error("pod create: cannot determine skiff's directories (set --root/--runroot)");
                return 125;
        }
        if (!name) {
                r = container_name_generate(&gen_name);
                if (r < 0)
                        return log_oom(), 125;
                name = gen_name;
        }
        if (!container_name_is_valid(name)) {
                log_error("pod create: --name %s: invalid name (letters, digits, '_', '.', '-'; starting with a letter "
                          "or digit)", name);
                return 1;
        }
        if (pidfile && pidfile[0] != '/') {
                log_error("pod create: --infra-conmon-pidfile %s: must be an absolute path", pidfile);
                return 1;
        }
        json_object_object_add(pod, "kind", json_object_new_string("Pod"));
        json_object_object_add(pod, "name", json_object_new_string(name));
        json_object_object_add(pod, "restartPolicy", json_object_new_string("Always"));
        json_object_object_add(pod, "containers", json_object_new_array());
        if (host_net) {
                json_object *ns = json_object_new_object();
                json_object_object_add(ns, "network", json_object_new_string("host"));
                json_object_object_add(pod, "namespaces", ns);
        } else
                json_object_object_add(pod, "hostname", json_object_new_string(hostname ?: name));
        json_object_object_add(pod, "labels", TAKE_PTR(labels));
        json_object_object_add(pod, "hostAliases", TAKE_PTR(aliases));

        play.start = false;
        /* the command line, for `generate systemd --new` */
        {
                _cleanup_strv_free_ char **cmdline = NULL;
                if (strv_extend(&cmdline, "skiff") < 0 || strv_extend(&cmdline, "pod") < 0)
                        return log_oom(), 125;
                for (int i = 0; i < argc; i++)
                        if (strv_extend(&cmdline, argv[i]) < 0)
                                return log_oom(), 125;
                play.create_argv = cmdline;
                r = cli_pod_play(ctx, pod, &play, id, &err, &code);
                play.create_argv = NULL;
        }
        if (r < 0) {
                log_error("pod create %s: %s", name, err ?: strerror(-r));
                return code;
        }
        if (pidfile) {
                rec = pidfile_record(ctx, id);
                r = rec ? write_file_atomic_at(AT_FDCWD, rec, pidfile, strlen(pidfile), 0644) : -ENOMEM;
                if (r < 0) {
                        _cleanup_(pod_store_freep) PodStore *s = NULL;
                        _cleanup_free_ char *e = NULL;
                        log_error_errno(r, "pod create %s: record --infra-conmon-pidfile: %m", name);
                        if (pod_store_open(&ctx->paths, &s) >= 0)
                                (void) cli_pod_teardown(ctx, s, id, true, &e);
                        return 125;
                }
        }
        if (id_file) {
                _cleanup_free_ char *text = NULL;
                r = asprintf(&text, "%s\n", id) < 0 ? -ENOMEM : write_file_atomic_at(AT_FDCWD, id_file, text, strlen(text), 0644);
                if (r < 0) {
                        _cleanup_(pod_store_freep) PodStore *s = NULL;
                        _cleanup_free_ char *e = NULL;
                        log_error_errno(r, "pod create %s: --pod-id-file %s: %m", name, id_file);
                        if (pod_store_open(&ctx->paths, &s) >= 0)
                                (void) cli_pod_teardown(ctx, s, id, true, &e);
                        return 125;
                }
        }
        printf("%s\n", id);
        return 0;
}

/* ---- top ---- */

typedef struct TopSource {
        const char *name;   /* the container's name */
        char *const *paths; /* its cgroups (relative to the cgroup root) */
        pid_t pid;          /* its main process, when it has no cgroup (rootless on v1) */
} TopSource;

/* The pids of a container from the first of its cgroups that can be read; without any, its main
 * process alone. */
static int cgroup_pids(int root_fd, char *const *paths, pid_t main_pid, pid_t **ret, size_t *ret_n) {
        STRV_FOREACH(p, (char **) paths) {
                _cleanup_free_ char *file = NULL, *text = NULL;
                pid_t *l = NULL;
                size_t n = 0;

                if (asprintf(&file, "%s/cgroup.procs", *p) < 0)
                        return -ENOMEM;
                if (read_full_file_at(root_fd, file, 1 << 22, &text, NULL) < 0)
                        continue;
                for (char *t = text, *e; *t; t = e) {
                        long v = strtol(t, &e, 10);
                        pid_t *nl;

                        if (e == t)
                                break;
                        if (v <= 0)
                                continue;
                        nl = realloc(l, (n + 1) * sizeof(pid_t));
                        if (!nl) {
                                free(l);
                                return -ENOMEM;
                        }
                        l = nl;
                        l[n++] = (pid_t) v;
                }
                *ret = l;
                *ret_n = n;
                return 0;
        }
        *ret = NULL;
        *ret_n = 0;
        if (main_pid > 0) {
                *ret = malloc(sizeof(pid_t));
                if (!*ret)
                        return -ENOMEM;
                (*ret)[0] = main_pid;
                *ret_n = 1;
        }
        return 0;
}

static int pod_top(SkiffContext *ctx, int argc, char *argv[]) {
        _cleanup_(pod_store_freep) PodStore *s = NULL;
        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
        _cleanup_(container_store_freep) ContainerStore *cs = NULL;
        _cleanup_(common_args_done) CommonArgs a = {};
        _cleanup_free_ char *err = NULL, *host_passwd = NULL, *host_group = NULL;
        _cleanup_free_ TopField *fl = NULL;
        _cleanup_free_ TopSource *src = NULL;
        _cleanup_strv_free_ char **joined_names = NULL;
        char ***joined_paths = NULL;
        _cleanup_free_ pid_t *joined_pids = NULL;
        size_t n_src = 0, n_joined = 0, n_rows = 0;
        char ***rows = NULL; /* rows[i][column] */
        _cleanup_close_ int proc_fd = -EBADF, root_fd = -EBADF;
        PodState st = {};
        TopClock clock = { .ticks = sysconf(_SC_CLK_TCK), .page_size = sysconf(_SC_PAGESIZE) };
        struct timespec ts;
        char id[POD_ID_LEN + 1];
        int n_fields, ret = 125;
        int r = parse_common("top", "top [--format json] POD [DESCRIPTORS...]\n\n"
                                    "Show the processes of the pod's containers (read from /proc, nothing runs in\n"
                                    "the containers). DESCRIPTORS (separate or comma-separated) choose the columns,\n"
                                    "by name or AIX code: container, user (%U), ruser (%u), group (%G), rgroup (%g),\n"
                                    "huser, hgroup, pid (%p), hpid, ppid (%P), pgid (%r), pcpu (%C), etime (%t),\n"
                                    "time (%x), tty (%y), comm (%c), args (%a), nice (%n), vsz (%z), rss, state,\n"
                                    "seccomp. Default: container user pid ppid pcpu etime tty time args.\n"
                                    "--format json: an array of objects keyed by descriptor name.",
                             argc, argv, &a);

        if (r <= 0)
                return r == 0 ? 0 : 1;
        if (r >= argc) {
                log_error("pod top: give a pod");
                return 1;
        }
        n_fields = top_parse_descriptors((const char *const *) (argv + r + 1), &fl, &err);
        if (n_fields < 0) {
                log_error("pod top %s: %s", argv[r], err ?: strerror(-n_fields));
                return 125;
        }
        if (open_pods(ctx, "top", &s) < 0 || lookup(s, "top", argv[r], id) < 0)
                return 125;
        if (pod_config_load(s, id, &cfg) < 0 || pod_state_load(s, id, cfg->n_members, &st) < 0) {
                log_error("pod top %s: cannot read its record", argv[r]);
                return 125;
        }
        if (!IN_SET(st.status, POD_STATUS_RUNNING, POD_STATUS_DEGRADED, POD_STATUS_STOPPING)) {
                log_error("pod top %s: the pod is not running", argv[r]);
                goto finish;
        }
        /* the infra and the members, then containers that joined (skiff run --pod) */
        src = calloc(cfg->n_members + 1, sizeof(TopSource));
        if (!src) {
                log_oom();
                goto finish;
        }
        src[n_src++] = (TopSource) { cfg->infra_name, st.infra_cgroup_paths, st.infra_pid };
        /* (a member that is not running has no cgroup, or an empty one) */
        for (size_t i = 0; i < cfg->n_members && i < st.n_members; i++)
                src[n_src++] = (TopSource) { cfg->members[i].full_name, st.members[i].cgroup_paths,
                                             st.members[i].phase == POD_CTR_RUNNING ? st.members[i].pid : 0 };
        if (container_store_open(&ctx->paths, &cs) >= 0) {
                _cleanup_strv_free_ char **all = NULL;

                (void) container_list(cs, &all);
                STRV_FOREACH(cid, all) {
                        _cleanup_(container_config_freep) ContainerConfig *cc = NULL;
                        ContainerState cst = {};
                        bool member = streq(*cid, cfg->infra_id);

                        for (size_t i = 0; i < cfg->n_members; i++)
                                member = member || streq(*cid, cfg->members[i].id);
                        if (member || container_config_load(cs, *cid, &cc) < 0 || !streq_ptr(cc->pod_id, id) ||
                            container_state_load(cs, *cid, &cst) < 0)
                                continue;
                        char ***np = realloc(joined_paths, (n_joined + 1) * sizeof(char **));
                        pid_t *pp = np ? realloc(joined_pids, (n_joined + 1) * sizeof(pid_t)) : NULL;
                        joined_paths = np ?: joined_paths;
                        joined_pids = pp ?: joined_pids;
                        if (!np || !pp || strv_extend(&joined_names, cc->name) < 0) {
                                container_state_done(&cst);
                                log_oom();
                                goto finish;
                        }
                        joined_pids[n_joined] = proc_alive(cst.pid, cst.pid_starttime) ? cst.pid : 0;
                        joined_paths[n_joined++] = TAKE_PTR(cst.cgroup_paths);
                        container_state_done(&cst);
                }
        }

        proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        root_fd = cgroup_root_open();
        if (proc_fd < 0 || root_fd < 0) {
                log_error("pod top %s: open %s: %s", argv[r], proc_fd < 0 ? "/proc" : "the cgroup root",
                          strerror(errno));
                goto finish;
        }
        (void) read_full_file_at(AT_FDCWD, "/etc/passwd", 1 << 20, &host_passwd, NULL);
        (void) read_full_file_at(AT_FDCWD, "/etc/group", 1 << 20, &host_group, NULL);
        clock_gettime(CLOCK_BOOTTIME, &ts);
        clock.now_ns = (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;

        for (size_t k = 0; k < n_src + n_joined; k++) {
                const char *name = k < n_src ? src[k].name : joined_names[k - n_src];
                char *const *paths = k < n_src ? src[k].paths : joined_paths[k - n_src];
                pid_t main_pid = k < n_src ? src[k].pid : joined_pids[k - n_src];
                _cleanup_free_ pid_t *pids = NULL;
                size_t n_pids = 0;

                if (cgroup_pids(root_fd, paths, main_pid, &pids, &n_pids) < 0) {
                        log_oom();
                        goto finish;
                }
                for (size_t i = 0; i < n_pids; i++) {
                        TopProc p = {};
                        char **row, ***nr;

                        if (top_proc_read(proc_fd, pids[i], name, host_passwd, host_group, &p) < 0)
                                continue; /* gone meanwhile */
                        row = calloc((size_t) n_fields + 1, sizeof(char *));
                        nr = realloc(rows, (n_rows + 1) * sizeof(char **));
                        if (nr)
                                rows = nr;
                        if (!row || !nr) {
                                free(row);
                                top_proc_done(&p);
                                log_oom();
                                goto finish;
                        }
                        for (int f = 0; f < n_fields; f++)
                                if (!(row[f] = top_field_format(&p, fl[f], &clock))) {
                                        strv_free(row);
                                        top_proc_done(&p);
                                        log_oom();
                                        goto finish;
                                }
                        rows[n_rows++] = row;
                        top_proc_done(&p);
                }
        }

        if (a.json) {
                _cleanup_json_ json_object *arr = json_object_new_array();

                for (size_t i = 0; arr && i < n_rows; i++) {
                        json_object *o = json_object_new_object();
                        for (int f = 0; o && f < n_fields; f++)
                                (void) json_add_string(o, top_field_name(fl[f]), rows[i][f]);
                        (void) json_array_add(arr, o);
                }
                if (!arr) {
                        log_oom();
                        goto finish;
                }
                printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
        } else {
                _cleanup_free_ size_t *w = calloc((size_t) n_fields, sizeof(size_t));

                if (!w) {
                        log_oom();
                        goto finish;
                }
                for (int f = 0; f < n_fields; f++) {
                        w[f] = strlen(top_field_header(fl[f]));
                        for (size_t i = 0; i < n_rows; i++)
                                w[f] = MAX(w[f], strlen(rows[i][f]));
                }
                for (size_t i = 0; i <= n_rows; i++)
                        for (int f = 0; f < n_fields; f++) {
                                const char *cell = i == 0 ? top_field_header(fl[f]) : rows[i - 1][f];
                                if (f == n_fields - 1)
                                        printf("%s\n", cell);
                                else
                                        printf("%-*s   ", (int) w[f], cell);
                        }
        }
        ret = 0;
finish:
        for (size_t i = 0; i < n_rows; i++)
                strv_free(rows[i]);
        free(rows);
        for (size_t i = 0; i < n_joined; i++)
                strv_free(joined_paths[i]);
        free(joined_paths);
        pod_state_done(&st);
        return ret;
}

int verb_pod(SkiffContext *ctx, int argc, char *argv[]) {
        if (argc < 2) {
                pod_usage(stderr);
                return 1;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                pod_usage(stdout);
                return 0;
        }
        if (streq(argv[1], "ps") || streq(argv[1], "ls") || streq(argv[1], "list"))
                return pod_ps(ctx, argc - 1, argv + 1);
        if (streq(argv[1], "create"))
                return verb_pod_create(ctx, argc - 1, argv + 1);
        if (streq(argv[1], "inspect"))
                return pod_inspect(ctx, argc - 1, argv + 1);
        if (streq(argv[1], "logs"))
                return pod_logs(ctx, argc - 1, argv + 1);
        if (streq(argv[1], "top"))
                return pod_top(ctx, argc - 1, argv + 1);
        if (streq(argv[1], "start"))
                return pod_each(ctx, argc - 1, argv + 1, "start", "start [--wait] [--pod-id-file FILE] POD...\n\nStart created or exited pods; with a pod made by `pod create "
                                "--infra-conmon-pidfile`, write the supervisor's pid there.");
        if (streq(argv[1], "stop"))
                return pod_each(ctx, argc - 1, argv + 1, "stop",
                                "stop [--ignore] [--pod-id-file FILE] [-t SECONDS] POD...\n\nStop pods: containers that joined "
                                "(skiff run --pod), preStop hooks, the stop signal, SIGKILL after the grace period "
                                "(-t SECONDS: instead of terminationGracePeriodSeconds). "
                                "--ignore: a pod that does not exist is not an error.");
        if (streq(argv[1], "restart"))
                return pod_each(ctx, argc - 1, argv + 1, "restart", "restart [--wait] POD...\n\nStop, then start pods.");
        if (streq(argv[1], "rm"))
                return pod_each(ctx, argc - 1, argv + 1, "rm", "rm [-f] [--ignore] [--pod-id-file FILE] POD...\n\nRemove pods and their containers (-f: stop "
                                "running ones first; --ignore: a pod that does not exist is not an error).");
        log_error("pod: unknown command '%s'. See 'skiff pod --help'.", argv[1]);
        return 1;
}
