/* skiff pod ps|inspect|start|stop|restart|rm|logs: pods by hand (kube play creates them). */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include "pod/supervisor.h"
#include "runtime/ctr-log.h"
#include "runtime/monitor.h"
#include "runtime/state.h"

static void pod_usage(FILE *f) {
        fputs("Usage: skiff pod COMMAND [OPTIONS] [POD...]\n"
              "\n"
              "Pods: the ones `skiff kube play` created.\n"
              "\n"
              "Commands:\n"
              "  ps         List pods (--format json)\n"
              "  inspect    Show pods' configuration and state (JSON)\n"
              "  start      Start created or exited pods (--wait: until ready)\n"
              "  stop       Stop pods (preStop hooks, stop signal, grace period, SIGKILL)\n"
              "  restart    Stop, then start pods\n"
              "  rm         Remove stopped pods (-f: stop them first)\n"
              "  logs       Show the output of a pod's containers (-c CONTAINER)\n"
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
} CommonArgs;

static int parse_common(const char *verb, const char *usage, int argc, char *argv[], CommonArgs *a) {
        enum { ARG_FORMAT = 0x100 };
        static const struct option options[] = {
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
                case 't':
                        a->timeout = atoi(optarg);
                        break;
                case 'c':
                        a->container = optarg;
                        break;
                case 'a':
                        a->all = true;
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
        CommonArgs a;
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
        CommonArgs a;
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

static int pod_each(SkiffContext *ctx, int argc, char *argv[], const char *verb, const char *usage) {
        _cleanup_(pod_store_freep) PodStore *s = NULL;
        CommonArgs a;
        int r = parse_common(verb, usage, argc, argv, &a), ret = 0;

        if (r <= 0)
                return r == 0 ? 0 : 1;
        if (r >= argc) {
                log_error("pod %s: give one or more pods", verb);
                return 1;
        }
        if (open_pods(ctx, verb, &s) < 0)
                return 125;
        for (int i = r; i < argc; i++) {
                _cleanup_free_ char *err = NULL;
                char id[POD_ID_LEN + 1];
                int code = 125;

                if (lookup(s, verb, argv[i], id) < 0) {
                        ret = 125;
                        continue;
                }
                if (streq(verb, "stop") || streq(verb, "restart")) {
                        r = cli_pod_teardown(ctx, s, id, false, &err);
                        if (r < 0) {
                                log_error("pod %s %s: %s", verb, argv[i], err ?: strerror(-r));
                                ret = 125;
                                continue;
                        }
                }
                if (streq(verb, "start") || streq(verb, "restart")) {
                        r = cli_pod_start(ctx, s, id, a.wait, -1, &err, &code);
                        if (r < 0) {
                                log_error("pod %s %s: %s", verb, argv[i], err ?: strerror(-r));
                                ret = code;
                                continue;
                        }
                }
                if (streq(verb, "rm")) {
                        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
                        PodState st = {};

                        if (pod_config_load(s, id, &cfg) >= 0 && pod_state_load(s, id, cfg->n_members, &st) >= 0 &&
                            IN_SET(st.status, POD_STATUS_RUNNING, POD_STATUS_DEGRADED, POD_STATUS_STOPPING) && !a.force) {
                                pod_state_done(&st);
                                log_error("pod rm %s: the pod is running; stop it first or use --force", argv[i]);
                                ret = 125;
                                continue;
                        }
                        pod_state_done(&st);
                        r = cli_pod_teardown(ctx, s, id, true, &err);
                        if (r < 0) {
                                log_error("pod rm %s: %s", argv[i], err ?: strerror(-r));
                                ret = 125;
                                continue;
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
        CommonArgs a;
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
        if (streq(argv[1], "inspect"))
                return pod_inspect(ctx, argc - 1, argv + 1);
        if (streq(argv[1], "logs"))
                return pod_logs(ctx, argc - 1, argv + 1);
        if (streq(argv[1], "start"))
                return pod_each(ctx, argc - 1, argv + 1, "start", "start [--wait] POD...\n\nStart created or exited pods.");
        if (streq(argv[1], "stop"))
                return pod_each(ctx, argc - 1, argv + 1, "stop",
                                "stop POD...\n\nStop pods: preStop hooks, the stop signal, SIGKILL after the grace period.");
        if (streq(argv[1], "restart"))
                return pod_each(ctx, argc - 1, argv + 1, "restart", "restart [--wait] POD...\n\nStop, then start pods.");
        if (streq(argv[1], "rm"))
                return pod_each(ctx, argc - 1, argv + 1, "rm", "rm [-f] POD...\n\nRemove pods (-f: stop running ones first).");
        log_error("pod: unknown command '%s'. See 'skiff pod --help'.", argv[1]);
        return 1;
}
