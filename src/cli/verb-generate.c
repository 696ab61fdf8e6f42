/* skiff generate systemd: systemd units for an existing container or pod (podman's `generate systemd`,
 * whose flags it takes). The unit text is pod/systemd-unit.c's; this file loads the records, decides
 * what each unit runs, and writes or prints the result.
 *
 * What the units run:
 *   container           ExecStart=skiff start CTR: the monitor sends MAINPID=/READY=1 and is the main
 *                       process; ExecStop=-skiff stop -t N CTR
 *   container --new     ExecStart=skiff run --cidfile=%t/%n.ctr-id --rm --sdnotify=conmon -d … with the
 *                       recorded `skiff run|create` command line; ExecStopPost removes the container
 *   pod                 ExecStart=skiff pod start POD: the supervisor is the main process; SIGTERM
 *                       (systemctl stop) stops the pod
 *   pod --new           `pod create`: ExecStartPre=skiff pod create --pod-id-file %t/%n.pod-id … with the
 *                       recorded command line, ExecStart=skiff pod start --pod-id-file …, ExecStopPost=
 *                       skiff pod rm -f …; `kube play`: ExecStart=skiff kube play --replace
 *                       --service-container=true ROOT/systemd/UNIT.yaml, a copy of the pod's YAML (kept
 *                       with the pod by kube play), ExecStopPost=skiff kube down of the same file
 * A pod's containers that its supervisor runs (kube play's) are part of the pod unit; containers that
 * joined the pod (`skiff run --pod`) get units of their own, bound to the pod's (BindsTo=, After=). */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/container-common.h"
#include "cli/verbs.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "config.h"
#include "play/kube-model.h"
#include "pod/pod-state.h"
#include "pod/systemd-unit.h"
#include "runtime/state.h"

extern char **environ;

#define STRV_MAKE(...) ((const char *const[]) { __VA_ARGS__, NULL })

static bool strv_isempty_(char **l) {
        return !l || !*l;
}

typedef struct GenArgs {
        bool new_units, files, use_name, no_header, json;
        const char *restart_policy; /* NULL: on-failure, or the container's own with --new */
        int restart_sec;
        int stop_timeout; /* --time/--stop-timeout, < 0: the container's/pod's own */
        int start_timeout;
        const char *container_prefix, *pod_prefix, *separator;
        char **wants, **after, **requires, **env;
} GenArgs;

static void gen_args_done(GenArgs *a) {
        strv_free(a->wants);
        strv_free(a->after);
        strv_free(a->requires);
        strv_free(a->env);
}

/* One generated unit. */
typedef struct Unit {
        char *name;
        char *text;
} Unit;

typedef struct Gen {
        SkiffContext *ctx;
        GenArgs *a;
        char *self;           /* the skiff binary the units run */
        char *date;           /* the header's time */
        ContainerStore *cs;
        PodStore *ps;
        Unit *units;
        size_t n_units;
} Gen;

static void gen_done(Gen *g) {
        for (size_t i = 0; i < g->n_units; i++) {
                free(g->units[i].name);
                free(g->units[i].text);
        }
        free(g->units);
        free(g->self);
        free(g->date);
        container_store_free(g->cs);
        pod_store_free(g->ps);
}

static void generate_usage(FILE *f) {
        fputs("Usage: skiff generate systemd [OPTIONS] CONTAINER|POD\n"
              "\n"
              "Print systemd units that run an existing container or pod (a pod: one unit for the pod, and\n"
              "one for each container that joined it with `skiff run --pod`). Every unit is Type=notify:\n"
              "the container's monitor or the pod's supervisor becomes the unit's main process.\n"
              "\n"
              "Options:\n"
              "      --new                    Units that create the container or pod at start (from its\n"
              "                               recorded `skiff run/create`, `pod create` or `kube play`)\n"
              "                               and remove it at stop, instead of starting an existing one\n"
              "  -f, --files                  Write the units to the current directory and print their paths\n"
              "  -n, --name                   Use names instead of ids (unit names and commands)\n"
              "      --restart-policy POLICY  Restart=: no, on-success, on-failure (default), on-abnormal,\n"
              "                               on-watchdog, on-abort, always\n"
              "      --restart-sec SECONDS    RestartSec=\n"
              "  -t, --time, --stop-timeout SECONDS\n"
              "                               Stop timeout (default: the container's, or the pod's grace\n"
              "                               period); TimeoutStopSec= is 60 more\n"
              "      --start-timeout SECONDS  TimeoutStartSec=\n"
              "      --container-prefix TEXT  Unit name prefix for containers (default container)\n"
              "      --pod-prefix TEXT        Unit name prefix for pods (default pod)\n"
              "      --separator TEXT         Between prefix and name (default -)\n"
              "      --wants UNIT, --after UNIT, --requires UNIT\n"
              "                               Extra dependencies (repeatable)\n"
              "  -e, --env NAME[=VALUE]       Environment= for the units (NAME alone: from this\n"
              "                               environment; PREFIX*: every variable starting with PREFIX)\n"
              "      --no-header              No comment header (name, skiff version, time)\n"
              "      --format json            A JSON object: unit name -> unit text (-> path with --files)\n"
              "  -h, --help                   Show this help\n"
              "\n"
              "--template is refused: skiff does not write template units.\n"
              "`skiff generate kube` is `skiff kube generate`.\n",
              f);
}

static void generate_top_usage(FILE *f) {
        fputs("Usage: skiff generate COMMAND [OPTIONS] ...\n"
              "\n"
              "Commands:\n"
              "  systemd    systemd units for an existing container or pod\n"
              "  kube       Kubernetes YAML for pods and containers (skiff kube generate)\n"
              "\n"
              "Run 'skiff generate COMMAND --help' for a command's options.\n",
              f);
}

static int parse_seconds(const char *flag, const char *v, int *ret) {
        char *end = NULL;
        long n;

        errno = 0;
        n = strtol(v, &end, 10);
        if (!*v || *end || errno != 0 || n < 0 || n > INT32_MAX / 2) {
                log_error("generate systemd: invalid %s '%s': a number of seconds", flag, v);
                return -EINVAL;
        }
        *ret = (int) n;
        return 0;
}

/* -e NAME, -e NAME=VALUE, -e PREFIX*: resolved against our environment now, as podman does. */
static int add_env(GenArgs *a, const char *spec) {
        size_t len = strlen(spec);

        if (strchr(spec, '='))
                return strv_extend(&a->env, spec);
        if (len > 0 && spec[len - 1] == '*') {
                for (char **e = environ; e && *e; e++)
                        if (strncmp(*e, spec, len - 1) == 0 && strv_extend(&a->env, *e) < 0)
                                return -ENOMEM;
                return 0;
        }
        if (getenv(spec))
                return strv_extendf(&a->env, "%s=%s", spec, getenv(spec));
        return 0;
}

static int parse_args(int argc, char *argv[], GenArgs *a) {
        enum { ARG_NEW = 0x100, ARG_RESTART_POLICY, ARG_RESTART_SEC, ARG_START_TIMEOUT, ARG_CPREFIX, ARG_PPREFIX,
               ARG_SEPARATOR, ARG_WANTS, ARG_AFTER, ARG_REQUIRES, ARG_NO_HEADER, ARG_FORMAT, ARG_TEMPLATE };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "new", no_argument, NULL, ARG_NEW },
                { "files", no_argument, NULL, 'f' },
                { "name", no_argument, NULL, 'n' },
                { "restart-policy", required_argument, NULL, ARG_RESTART_POLICY },
                { "restart-sec", required_argument, NULL, ARG_RESTART_SEC },
                { "time", required_argument, NULL, 't' },
                { "stop-timeout", required_argument, NULL, 't' },
                { "start-timeout", required_argument, NULL, ARG_START_TIMEOUT },
                { "container-prefix", required_argument, NULL, ARG_CPREFIX },
                { "pod-prefix", required_argument, NULL, ARG_PPREFIX },
                { "separator", required_argument, NULL, ARG_SEPARATOR },
                { "wants", required_argument, NULL, ARG_WANTS },
                { "after", required_argument, NULL, ARG_AFTER },
                { "requires", required_argument, NULL, ARG_REQUIRES },
                { "env", required_argument, NULL, 'e' },
                { "no-header", no_argument, NULL, ARG_NO_HEADER },
                { "format", required_argument, NULL, ARG_FORMAT },
                { "template", no_argument, NULL, ARG_TEMPLATE },
                {},
        };
        int c, r;

        *a = (GenArgs) { .restart_sec = -1, .stop_timeout = -1, .start_timeout = -1, .container_prefix = "container",
                         .pod_prefix = "pod", .separator = "-" };
        optind = 0;
        while ((c = getopt_long(argc, argv, "hfnt:e:", options, NULL)) >= 0) {
                r = 0;
                switch (c) {
                case 'h':
                        generate_usage(stdout);
                        return 0;
                case ARG_NEW:
                        a->new_units = true;
                        break;
                case 'f':
                        a->files = true;
                        break;
                case 'n':
                        a->use_name = true;
                        break;
                case ARG_RESTART_POLICY:
                        if (!gen_restart_policy_valid(optarg)) {
                                log_error("generate systemd: invalid --restart-policy '%s': use no, on-success, on-failure, "
                                          "on-abnormal, on-watchdog, on-abort or always", optarg);
                                return -1;
                        }
                        a->restart_policy = optarg;
                        break;
                case ARG_RESTART_SEC:
                        r = parse_seconds("--restart-sec", optarg, &a->restart_sec);
                        break;
                case 't':
                        r = parse_seconds("--time", optarg, &a->stop_timeout);
                        break;
                case ARG_START_TIMEOUT:
                        r = parse_seconds("--start-timeout", optarg, &a->start_timeout);
                        break;
                case ARG_CPREFIX:
                        a->container_prefix = optarg;
                        break;
                case ARG_PPREFIX:
                        a->pod_prefix = optarg;
                        break;
                case ARG_SEPARATOR:
                        a->separator = optarg;
                        break;
                case ARG_WANTS:
                        r = strv_extend(&a->wants, optarg);
                        break;
                case ARG_AFTER:
                        r = strv_extend(&a->after, optarg);
                        break;
                case ARG_REQUIRES:
                        r = strv_extend(&a->requires, optarg);
                        break;
                case 'e':
                        r = add_env(a, optarg);
                        break;
                case ARG_NO_HEADER:
                        a->no_header = true;
                        break;
                case ARG_FORMAT:
                        if (streq(optarg, "json"))
                                a->json = true;
                        else {
                                log_error("generate systemd: invalid --format '%s': use json", optarg);
                                return -1;
                        }
                        break;
                case ARG_TEMPLATE:
                        log_error("generate systemd: --template: not supported (skiff does not write template units)");
                        return -1;
                default:
                        fputs("See 'skiff generate systemd --help'.\n", stderr);
                        return -1;
                }
                if (r == -ENOMEM) {
                        log_oom();
                        return -1;
                }
                if (r < 0)
                        return -1;
        }
        if (argc - optind != 1) {
                log_error("generate systemd: give exactly one container or pod");
                return -1;
        }
        return optind;
}

/* "container-web.service" (prefix, separator, name or id); no separator after an empty prefix. */
static char *unit_name(const GenArgs *a, bool pod, const char *ident) {
        const char *prefix = pod ? a->pod_prefix : a->container_prefix;
        char *s = NULL;

        if (asprintf(&s, "%s%s%s.service", prefix, *prefix ? a->separator : "", ident) < 0)
                return NULL;
        return s;
}

/* "SKIFF [--root R] [--runroot RR]": the start of every command line. */
static void cmd_start(const Gen *g, StrBuf *sb, const char *prefix) {
        if (prefix)
                (void) strbuf_puts(sb, prefix);
        if (prefix) {
                /* the prefix ("-") sticks to the binary */
                StrBuf w = STRBUF_INIT;
                _cleanup_free_ char *bin = NULL;
                gen_exec_word(&w, g->self);
                bin = strbuf_detach(&w);
                (void) strbuf_puts(sb, bin ?: "");
        } else
                gen_exec_word(sb, g->self);
        if (g->ctx->root_arg) {
                gen_exec_word(sb, "--root");
                gen_exec_word(sb, g->ctx->paths.root);
        }
        if (g->ctx->runroot_arg) {
                gen_exec_word(sb, "--runroot");
                gen_exec_word(sb, g->ctx->paths.runroot);
        }
}

static void words(StrBuf *sb, const char *const *l) {
        for (; l && *l; l++)
                gen_exec_word(sb, *l);
}

static int add_unit(Gen *g, char *name, const GenUnit *u) {
        GenHeader h = { .enabled = !g->a->no_header, .version = SKIFF_VERSION, .date = g->date };
        Unit *n;
        char *text = NULL;
        int r;

        r = gen_unit_render(u, &h, &text);
        if (r < 0)
                return r;
        n = realloc(g->units, (g->n_units + 1) * sizeof(Unit));
        if (!n) {
                free(text);
                return -ENOMEM;
        }
        g->units = n;
        g->units[g->n_units++] = (Unit) { .name = name, .text = text };
        return 0;
}

static const char *restart_for(const GenArgs *a, const ContainerConfig *c, unsigned *ret_burst) {
        *ret_burst = 0;
        if (a->restart_policy)
                return a->restart_policy;
        /* --new: a container created with --restart keeps its policy, as systemd's */
        if (a->new_units && c && c->restart != RESTART_NO) {
                if (c->restart == RESTART_ON_FAILURE) {
                        *ret_burst = c->restart_max;
                        return "on-failure";
                }
                return "always";
        }
        return "on-failure";
}

typedef struct PodRef {
        const char *unit;        /* the pod's unit */
        const char *name;
        bool kube;               /* played: --new containers join by name */
} PodRef;

/* The unit of one container (alone, or joined to pod). Takes nothing; adds to g->units. */
static int gen_container(Gen *g, const char *id, const PodRef *pod, char **ret_unit) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_strv_free_ char **args = NULL, **pre = NULL, **post = NULL;
        _cleanup_free_ char *name = NULL, *start = NULL, *stop = NULL;
        StrBuf sb = STRBUF_INIT;
        const GenArgs *a = g->a;
        const char *ident, *restart;
        unsigned timeout, burst;
        char t[16];
        int r;

        r = container_config_load(g->cs, id, &c);
        if (r < 0)
                return log_error_errno(r, "generate systemd: container %.12s: load its record: %m", id);
        ident = a->use_name ? c->name : c->id;
        name = unit_name(a, false, ident);
        if (!name)
                return log_oom();
        timeout = a->stop_timeout >= 0 ? (unsigned) a->stop_timeout : c->stop_timeout;
        snprintf(t, sizeof(t), "%u", timeout);
        restart = restart_for(a, c, &burst);
        if (!a->new_units && c->restart != RESTART_NO && !a->restart_policy)
                log_warning("generate systemd: container %s has restart policy %s: skiff restarts it and so will "
                            "systemd (Restart=%s); consider --restart-policy=no",
                            c->name, restart_policy_to_string(c->restart), restart);

        if (!a->new_units) {
                cmd_start(g, &sb, NULL);
                gen_exec_word(&sb, "start");
                gen_exec_word(&sb, ident);
                start = strbuf_detach(&sb);
                cmd_start(g, &sb, "-");
                gen_exec_word(&sb, "stop");
                gen_exec_word(&sb, "--ignore");
                gen_exec_word(&sb, "-t");
                gen_exec_word(&sb, t);
                gen_exec_word(&sb, ident);
                stop = strbuf_detach(&sb);
        } else {
                const char *bad = NULL, *sdnotify = NULL;
                bool named = false;

                if (!c->create_argv) {
                        log_error("generate systemd --new: container %s: no create command recorded (it was not "
                                  "created by skiff run or skiff create)", c->name);
                        return -ENOENT;
                }
                r = gen_rewrite_run_argv(c->create_argv, cli_run_option_info, &args, &named, &sdnotify, &bad);
                if (r == -ENOENT) {
                        log_error("generate systemd --new: container %s: recorded create command has option %s, "
                                  "which this skiff does not know", c->name, bad);
                        return r;
                }
                if (r < 0) {
                        _cleanup_free_ char *cmd = strv_join(c->create_argv, " ");
                        log_error("generate systemd --new: container %s: cannot reuse its recorded create command "
                                  "'%s'", c->name, cmd ?: "?");
                        return r;
                }
                if (!sdnotify || IN_SET(0, strcmp(sdnotify, "ignore"), strcmp(sdnotify, "conmon")))
                        sdnotify = "conmon";
                if (strv_extend(&pre, "/bin/rm -f %t/%n.ctr-id") < 0)
                        return log_oom();
                cmd_start(g, &sb, NULL);
                gen_exec_word(&sb, "run");
                gen_exec_raw(&sb, "--cidfile=%t/%n.ctr-id");
                gen_exec_word(&sb, "--rm");
                (void) strbuf_addf(&sb, " --sdnotify=%s", sdnotify);
                gen_exec_word(&sb, "-d");
                if (named)
                        gen_exec_word(&sb, "--replace");
                if (pod && pod->kube) {
                        gen_exec_word(&sb, "--pod");
                        gen_exec_word(&sb, pod->name);
                } else if (pod) {
                        gen_exec_word(&sb, "--pod-id-file");
                        (void) strbuf_addf(&sb, " %%t/%s.pod-id", pod->unit);
                }
                words(&sb, (const char *const *) args);
                start = strbuf_detach(&sb);
                cmd_start(g, &sb, "-");
                gen_exec_word(&sb, "stop");
                gen_exec_word(&sb, "--ignore");
                gen_exec_word(&sb, "-t");
                gen_exec_word(&sb, t);
                gen_exec_raw(&sb, "--cidfile=%t/%n.ctr-id");
                stop = strbuf_detach(&sb);
                cmd_start(g, &sb, NULL);
                gen_exec_word(&sb, "rm");
                gen_exec_word(&sb, "-f");
                gen_exec_word(&sb, "--ignore");
                gen_exec_word(&sb, "-t");
                gen_exec_word(&sb, t);
                gen_exec_raw(&sb, "--cidfile=%t/%n.ctr-id");
                if (strv_consume(&post, strbuf_detach(&sb)) < 0)
                        return log_oom();
        }
        if (!start || !stop)
                return log_oom();

        GenUnit u = {
                .kind = GEN_UNIT_CONTAINER,
                .name = name,
                .runroot = g->ctx->paths.runroot,
                .pod_unit = pod ? pod->unit : NULL,
                .wants = a->wants,
                .after = a->after,
                .requires = a->requires,
                .env = a->env,
                .restart = restart,
                .restart_sec = a->restart_sec,
                .start_limit_burst = burst,
                .timeout_stop_sec = 60 + timeout,
                .timeout_start_sec = a->start_timeout,
                .delegate = true,
                .exec_start_pre = pre,
                .exec_start = start,
                .exec_stop = stop,
                .exec_stop_post = post,
        };
        if (ret_unit) {
                *ret_unit = strdup(name);
                if (!*ret_unit)
                        return log_oom();
        }
        r = add_unit(g, name, &u);
        if (r < 0)
                return log_oom();
        TAKE_PTR(name);
        return 0;
}

/* Containers that joined pod id (skiff run --pod), not run by its supervisor; sorted ids. */
static int joined_containers(Gen *g, const PodConfig *cfg, char ***ret) {
        _cleanup_strv_free_ char **all = NULL, **mine = NULL;
        int r;

        r = container_list(g->cs, &all);
        if (r < 0)
                return r;
        STRV_FOREACH(id, all) {
                _cleanup_(container_config_freep) ContainerConfig *c = NULL;
                bool member = streq(cfg->infra_id, *id);

                for (size_t i = 0; i < cfg->n_members; i++)
                        if (streq(cfg->members[i].id, *id))
                                member = true;
                if (member || container_config_load(g->cs, *id, &c) < 0 || !streq_ptr(c->pod_id, cfg->id))
                        continue;
                if (strv_extend(&mine, *id) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(mine);
        return 0;
}

static int cmp_str(const void *x, const void *y) {
        return strcmp(*(char *const *) x, *(char *const *) y);
}

/* How many pods the YAML text holds (a played file may hold several: the unit plays them all). */
static size_t count_pods(const char *text, size_t size) {
        _cleanup_(kube_set_freep) KubeSet *set = kube_set_new();
        DiagList diags = DIAG_LIST_INIT;
        size_t n = 0;

        if (set && kube_set_load(set, text, size, "kube.yaml", false, &diags) >= 0)
                for (size_t i = 0; i < set->n_objects; i++)
                        if (IN_SET(set->objects[i].kind, KUBE_POD, KUBE_DEPLOYMENT))
                                n++;
        diag_list_done(&diags);
        return n;
}

/* --new for a played pod: the unit plays ROOT/systemd/UNIT.yaml, a copy of the pod's copy of its YAML
 * (the pod's own goes away with the pod at every stop). */
static int keep_yaml(Gen *g, const PodConfig *cfg, const char *unit, char **ret_path) {
        _cleanup_free_ char *src = NULL, *dir = NULL, *dst = NULL, *text = NULL;
        size_t size = 0, n;
        int r;

        if (asprintf(&src, "%s/pods/%s/%s", g->ctx->paths.runroot, cfg->id, POD_KUBE_YAML_FILE) < 0 ||
            asprintf(&dir, "%s/systemd", g->ctx->paths.root) < 0 || asprintf(&dst, "%s/%s.yaml", dir, unit) < 0)
                return log_oom();
        r = read_full_file_at(AT_FDCWD, src, 64u * 1024u * 1024u, &text, &size);
        if (r == -ENOENT) {
                log_error("generate systemd --new: pod %s: no copy of its YAML in %s (played by an older skiff, or "
                          "RUNROOT was cleared by a reboot); play it again with skiff kube play --replace", cfg->name, src);
                return r;
        }
        if (r < 0)
                return log_error_errno(r, "generate systemd --new: pod %s: read %s: %m", cfg->name, src);
        n = count_pods(text, size);
        if (n > 1)
                log_warning("generate systemd --new: pod %s was played from YAML with %zu pods: unit %s plays, and "
                            "stops, all of them", cfg->name, n, unit);
        r = mkdir_p(dir, 0700);
        if (r >= 0)
                r = write_file_atomic_at(AT_FDCWD, dst, text, size, 0600);
        if (r < 0)
                return log_error_errno(r, "generate systemd --new: pod %s: write %s: %m", cfg->name, dst);
        *ret_path = TAKE_PTR(dst);
        return 0;
}

static unsigned pod_grace(const PodConfig *cfg) {
        json_object *g;

        if (cfg->plan && json_object_object_get_ex(cfg->plan, "terminationGracePeriodSeconds", &g))
                return (unsigned) json_object_get_int(g);
        return 30;
}

static int gen_pod(Gen *g, const char *id) {
        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
        _cleanup_strv_free_ char **joined = NULL, **member_units = NULL, **pre = NULL, **post = NULL, **args = NULL;
        _cleanup_free_ char *name = NULL, *start = NULL, *yaml = NULL;
        StrBuf sb = STRBUF_INIT;
        const GenArgs *a = g->a;
        unsigned burst;
        bool kube;
        int r;

        r = pod_config_load(g->ps, id, &cfg);
        if (r < 0)
                return log_error_errno(r, "generate systemd: pod %.12s: load its record: %m", id);
        kube = cfg->create_argv ? streq_ptr(cfg->create_argv[1], "kube") : !strv_isempty_(cfg->sources);
        name = unit_name(a, true, a->use_name ? cfg->name : cfg->id);
        if (!name)
                return log_oom();

        r = joined_containers(g, cfg, &joined);
        if (r < 0)
                return log_error_errno(r, "generate systemd: pod %s: list its containers: %m", cfg->name);
        {
                PodRef ref = { .unit = name, .name = cfg->name, .kube = kube };
                STRV_FOREACH(cid, joined) {
                        char *u = NULL;
                        r = gen_container(g, *cid, &ref, &u);
                        if (r < 0)
                                return r;
                        if (strv_consume(&member_units, u) < 0)
                                return log_oom();
                }
        }
        if (member_units)
                qsort(member_units, strv_length(member_units), sizeof(char *), cmp_str);

        if (!a->new_units) {
                cmd_start(g, &sb, NULL);
                gen_exec_word(&sb, "pod");
                gen_exec_word(&sb, "start");
                gen_exec_word(&sb, a->use_name ? cfg->name : cfg->id);
                start = strbuf_detach(&sb);
        } else if (kube) {
                r = keep_yaml(g, cfg, name, &yaml);
                if (r < 0)
                        return r;
                if (cfg->create_argv && gen_rewrite_kube_play_argv(cfg->create_argv, &args) < 0)
                        return log_oom();
                cmd_start(g, &sb, NULL);
                words(&sb, STRV_MAKE("kube", "play", "--replace", "--service-container=true"));
                words(&sb, (const char *const *) args);
                gen_exec_word(&sb, yaml);
                start = strbuf_detach(&sb);
                cmd_start(g, &sb, NULL);
                words(&sb, STRV_MAKE("kube", "down"));
                gen_exec_word(&sb, yaml);
                if (strv_consume(&post, strbuf_detach(&sb)) < 0)
                        return log_oom();
        } else {
                const char *bad = NULL;
                bool named = false;

                if (!cfg->create_argv) {
                        log_error("generate systemd --new: pod %s: no create command recorded (created by an older "
                                  "skiff); create it again with skiff pod create", cfg->name);
                        return -ENOENT;
                }
                r = gen_rewrite_pod_create_argv(cfg->create_argv, &args, &named, &bad);
                if (r == -ENOENT) {
                        log_error("generate systemd --new: pod %s: recorded create command has option %s, which this "
                                  "skiff does not know", cfg->name, bad);
                        return r;
                }
                if (r < 0)
                        return log_oom();
                if (strv_extend(&pre, "/bin/rm -f %t/%n.pod-id") < 0)
                        return log_oom();
                cmd_start(g, &sb, NULL);
                words(&sb, STRV_MAKE("pod", "create", "--pod-id-file"));
                gen_exec_raw(&sb, "%t/%n.pod-id");
                if (named)
                        gen_exec_word(&sb, "--replace");
                words(&sb, (const char *const *) args);
                if (strv_consume(&pre, strbuf_detach(&sb)) < 0)
                        return log_oom();
                cmd_start(g, &sb, NULL);
                words(&sb, STRV_MAKE("pod", "start", "--pod-id-file"));
                gen_exec_raw(&sb, "%t/%n.pod-id");
                start = strbuf_detach(&sb);
                cmd_start(g, &sb, NULL);
                words(&sb, STRV_MAKE("pod", "rm", "-f", "--ignore", "--pod-id-file"));
                gen_exec_raw(&sb, "%t/%n.pod-id");
                if (strv_consume(&post, strbuf_detach(&sb)) < 0)
                        return log_oom();
        }
        if (!start)
                return log_oom();

        GenUnit u = {
                .kind = GEN_UNIT_POD,
                .name = name,
                .runroot = g->ctx->paths.runroot,
                .members = member_units,
                .wants = a->wants,
                .after = a->after,
                .requires = a->requires,
                .env = a->env,
                .restart = restart_for(a, NULL, &burst),
                .restart_sec = a->restart_sec,
                .timeout_stop_sec = 60 + (a->stop_timeout >= 0 ? (unsigned) a->stop_timeout : pod_grace(cfg)),
                .timeout_start_sec = a->start_timeout,
                .exec_start_pre = pre,
                .exec_start = start,
                .exec_stop_post = post,
        };
        r = add_unit(g, name, &u);
        if (r < 0)
                return log_oom();
        TAKE_PTR(name);
        /* the pod's unit first, then its containers' */
        if (g->n_units > 1) {
                Unit p = g->units[g->n_units - 1];
                memmove(g->units + 1, g->units, (g->n_units - 1) * sizeof(Unit));
                g->units[0] = p;
        }
        return 0;
}

static char *self_exe(void) {
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

        if (n <= 0)
                return strdup("/usr/bin/skiff");
        buf[n] = 0;
        return strdup(buf);
}

static int output(Gen *g) {
        _cleanup_json_ json_object *o = g->a->json ? json_object_new_object() : NULL;
        int r;

        if (g->a->json && !o)
                return log_oom();
        for (size_t i = 0; i < g->n_units; i++) {
                Unit *u = &g->units[i];
                _cleanup_free_ char *path = NULL;
                char cwd[PATH_MAX];

                if (g->a->files) {
                        if (!getcwd(cwd, sizeof(cwd)))
                                return log_error_errno(errno, "generate systemd: the current directory: %m");
                        if (asprintf(&path, "%s/%s", streq(cwd, "/") ? "" : cwd, u->name) < 0)
                                return log_oom();
                        r = write_file_atomic_at(AT_FDCWD, path, u->text, strlen(u->text), 0644);
                        if (r < 0)
                                return log_error_errno(r, "generate systemd: write %s: %m", path);
                }
                if (o)
                        r = json_add_string(o, u->name, path ?: u->text);
                else if (path)
                        r = printf("%s\n", path) < 0 ? -EIO : 0;
                else
                        r = printf("%s%s", i > 0 ? "\n" : "", u->text) < 0 ? -EIO : 0;
                if (r < 0)
                        return log_error_errno(r, "generate systemd: %s: %m", u->name);
        }
        if (o)
                printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
        return 0;
}

static int generate_systemd(SkiffContext *ctx, int argc, char *argv[]) {
        _cleanup_(gen_args_done) GenArgs a = {};
        _cleanup_(gen_done) Gen g = { .ctx = ctx, .a = &a };
        char id[CONTAINER_ID_LEN + 1];
        const char *ref;
        int idx, r;

        idx = parse_args(argc, argv, &a);
        if (idx <= 0)
                return idx == 0 ? 0 : 1;
        ref = argv[idx];
        if (ctx->paths_error < 0) {
                log_error("generate systemd: cannot determine skiff's directories (set --root/--runroot)");
                return 125;
        }
        g.self = self_exe();
        if (!g.self)
                return log_oom(), 125;
        if (!a.no_header) {
                char buf[64];
                time_t now = time(NULL);
                struct tm tm;
                if (localtime_r(&now, &tm) && strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Z %Y", &tm) > 0)
                        g.date = strdup(buf);
        }
        r = container_store_open(&ctx->paths, &g.cs);
        if (r < 0)
                return log_error_errno(r, "generate systemd: open the container records under %s: %m", ctx->paths.root), 125;
        r = pod_store_open(&ctx->paths, &g.ps);
        if (r < 0)
                return log_error_errno(r, "generate systemd: open the pod records under %s: %m", ctx->paths.root), 125;

        /* A container first, as podman: then a pod. */
        r = container_lookup(g.cs, ref, id);
        if (r >= 0) {
                _cleanup_(container_config_freep) ContainerConfig *c = NULL;
                _cleanup_(pod_config_freep) PodConfig *pc = NULL;

                r = container_config_load(g.cs, id, &c);
                if (r < 0)
                        return log_error_errno(r, "generate systemd %s: load the container's record: %m", ref), 125;
                if (c->pod_id && pod_config_load(g.ps, c->pod_id, &pc) >= 0) {
                        bool member = streq(pc->infra_id, id);
                        for (size_t i = 0; i < pc->n_members; i++)
                                if (streq(pc->members[i].id, id))
                                        member = true;
                        if (member) {
                                log_error("generate systemd %s: the container is run by pod %s's supervisor; generate "
                                          "the pod's unit (skiff generate systemd %s)", ref, pc->name, pc->name);
                                return 125;
                        }
                        /* joined: podman binds it to the pod's unit, named as it would name it */
                        _cleanup_free_ char *pu = unit_name(&a, true, a.use_name ? pc->name : pc->id);
                        bool kube = pc->create_argv ? streq_ptr(pc->create_argv[1], "kube") : !strv_isempty_(pc->sources);
                        PodRef pr = { .unit = pu, .name = pc->name, .kube = kube };
                        if (!pu)
                                return log_oom(), 125;
                        r = gen_container(&g, id, &pr, NULL);
                } else
                        r = gen_container(&g, id, NULL, NULL);
        } else if (r == -ENOENT) {
                r = pod_lookup(g.ps, ref, id);
                if (r == -ENOENT) {
                        log_error("generate systemd %s: no such container or pod", ref);
                        return 125;
                }
                if (r == -ENOTUNIQ) {
                        log_error("generate systemd %s: matches several pods; give more of the id", ref);
                        return 125;
                }
                if (r < 0)
                        return log_error_errno(r, "generate systemd %s: %m", ref), 125;
                r = gen_pod(&g, id);
        } else if (r == -ENOTUNIQ) {
                log_error("generate systemd %s: matches several containers; give more of the id", ref);
                return 125;
        } else
                return log_error_errno(r, "generate systemd %s: %m", ref), 125;
        if (r < 0)
                return 125;
        return output(&g) < 0 ? 125 : 0;
}

int verb_generate(SkiffContext *ctx, int argc, char *argv[]) {
        if (argc < 2) {
                generate_top_usage(stderr);
                return 1;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                generate_top_usage(stdout);
                return 0;
        }
        if (streq(argv[1], "systemd"))
                return generate_systemd(ctx, argc - 1, argv + 1);
        if (streq(argv[1], "kube")) /* podman's alias */
                return verb_kube_generate(ctx, argc - 1, argv + 1);
        log_error("generate: unknown command '%s'. See 'skiff generate --help'.", argv[1]);
        return 1;
}
