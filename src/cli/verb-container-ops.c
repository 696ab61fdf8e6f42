/* skiff ps, logs, inspect, stop, rm, kill, wait, exec. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/container-common.h"
#include "cli/verbs.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/strv.h"
#include "pod/pod-state.h"
#include "runtime/container-plan.h"
#include "runtime/ctr-log.h"
#include "runtime/health.h"
#include "runtime/monitor.h"
#include "runtime/spawn.h"
#include "runtime/state.h"

int cli_open_store(SkiffContext *ctx, const char *verb, ContainerStore **ret) {
        int r;

        if (ctx->paths_error < 0)
                return log_error_errno(ctx->paths_error, "%s: cannot determine skiff's directories: %m",
                                       verb);
        r = container_store_open(&ctx->paths, ret);
        if (r < 0)
                return log_error_errno(r, "%s: open the container store under %s: %m", verb,
                                       ctx->paths.root);
        return 0;
}

const char *cli_monitor_helper(void) {
        static char path[PATH_MAX];
        const char *e = secure_getenv("SKIFF_MONITOR");
        ssize_t n;
        char *slash;

        if (e)
                return isempty(e) ? NULL : e;
        n = readlink("/proc/self/exe", path, sizeof(path) - sizeof("/skiff-monitor"));
        if (n <= 0)
                return NULL;
        path[n] = 0;
        slash = strrchr(path, '/');
        if (!slash)
                return NULL;
        strcpy(slash, "/skiff-monitor");
        return access(path, X_OK) == 0 ? path : NULL;
}

int cli_lookup(ContainerStore *s, const char *verb, const char *ref,
               char ret_id[static CONTAINER_ID_LEN + 1]) {
        int r = container_lookup(s, ref, ret_id);

        if (r == -ENOENT)
                log_error("%s %s: no such container", verb, ref);
        else if (r == -ENOTUNIQ)
                log_error("%s %s: the prefix matches several containers; give more of the id", verb, ref);
        else if (r < 0)
                log_error_errno(r, "%s %s: %m", verb, ref);
        return r;
}

/* Seconds since the epoch of an RFC3339 string (0 when NULL or bad). */
static int64_t rfc_secs(const char *s) {
        int64_t ns;
        return s && rfc3339_parse(s, &ns) >= 0 ? ns / 1000000000LL : 0;
}

static void human_duration(char *buf, size_t size, int64_t secs) {
        if (secs < 1)
                snprintf(buf, size, "Less than a second");
        else if (secs < 60)
                snprintf(buf, size, "%" PRId64 " second%s", secs, secs == 1 ? "" : "s");
        else if (secs < 3600)
                snprintf(buf, size, "%" PRId64 " minute%s", secs / 60, secs / 60 == 1 ? "" : "s");
        else if (secs < 86400 * 2)
                snprintf(buf, size, "%" PRId64 " hour%s", secs / 3600, secs / 3600 == 1 ? "" : "s");
        else
                snprintf(buf, size, "%" PRId64 " days", secs / 86400);
}

static void status_text(const ContainerState *st, char *buf, size_t size) {
        char d[64];
        int64_t now = time(NULL);

        switch (st->status) {
        case CONTAINER_STATUS_RUNNING:
        case CONTAINER_STATUS_STOPPING:
                human_duration(d, sizeof(d), now - rfc_secs(st->started_at));
                snprintf(buf, size, "%s %s", st->status == CONTAINER_STATUS_RUNNING ? "Up" : "Stopping", d);
                break;
        case CONTAINER_STATUS_EXITED:
                human_duration(d, sizeof(d), now - rfc_secs(st->finished_at));
                snprintf(buf, size, "Exited (%d) %s ago", st->exit_code, d);
                break;
        default:
                snprintf(buf, size, "%s", st->status == CONTAINER_STATUS_CREATED ? "Created" : "Removing");
        }
}

/* podman's "Up 5 seconds (healthy)": the health check's status while the container runs. */
static void health_suffix(ContainerStore *store, const char *id, const ContainerState *st, char *buf,
                          size_t size) {
        HealthState h = {};
        size_t n = strlen(buf);

        if (st->status != CONTAINER_STATUS_RUNNING || health_state_load(store, id, &h) < 0)
                return;
        snprintf(buf + n, size - n, " (%s)", health_status_to_string(h.status));
        health_state_done(&h);
}

/* The command as the plan has it (argv), for ps and inspect; falls back to the create command line. */
static char **plan_argv_of(const ContainerConfig *c) {
        _cleanup_json_ json_object *o = c->plan_json ? json_tokener_parse(c->plan_json) : NULL;
        json_object *a;
        char **l = NULL;

        if (o && json_object_object_get_ex(o, "argv", &a) && json_object_is_type(a, json_type_array))
                for (size_t i = 0; i < json_object_array_length(a); i++)
                        (void) strv_extend(&l, json_object_get_string(json_object_array_get_idx(a, i)));
        return l;
}

static json_object *kv_object(char **l) {
        json_object *m = json_object_new_object();

        STRV_FOREACH(kv, l) {
                const char *eq = strchr(*kv, '=');
                _cleanup_free_ char *k = eq ? strndup(*kv, (size_t) (eq - *kv)) : strdup(*kv);
                if (k)
                        json_object_object_add(m, k, json_object_new_string(eq ? eq + 1 : ""));
        }
        return m;
}

/* --- ps --- */

typedef struct PsFilter {
        char **names, **labels, **statuses, **ids;
} PsFilter;

static bool ps_match(const PsFilter *f, const ContainerConfig *c, const ContainerState *st) {
        if (f->names) {
                bool ok = false;
                STRV_FOREACH(n, f->names)
                        if (strstr(c->name, *n))
                                ok = true;
                if (!ok)
                        return false;
        }
        if (f->ids) {
                bool ok = false;
                STRV_FOREACH(n, f->ids)
                        if (startswith(c->id, *n))
                                ok = true;
                if (!ok)
                        return false;
        }
        STRV_FOREACH(l, f->labels) {
                /* label=KEY matches any value, label=KEY=VALUE exactly */
                bool ok = false;
                STRV_FOREACH(kv, c->labels) {
                        if (strchr(*l, '=') ? streq(*kv, *l)
                                            : (startswith(*kv, *l) && (*kv)[strlen(*l)] == '='))
                                ok = true;
                }
                if (!ok)
                        return false;
        }
        if (f->statuses) {
                const char *s = container_status_to_string(st->status);
                bool ok = false;
                STRV_FOREACH(n, f->statuses)
                        if (streq(*n, s) || (streq(*n, "exited") && st->status == CONTAINER_STATUS_EXITED)
                            || (streq(*n, "stopped") && st->status == CONTAINER_STATUS_EXITED))
                                ok = true;
                if (!ok)
                        return false;
        }
        return true;
}

int verb_ps(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"all", no_argument, NULL, 'a'},
                {"quiet", no_argument, NULL, 'q'},
                {"format", required_argument, NULL, 'F'},
                {"filter", required_argument, NULL, 'f'},
                {"no-trunc", no_argument, NULL, 'T'},
                {},
        };
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        _cleanup_strv_free_ char **ids = NULL;
        _cleanup_json_ json_object *arr = NULL;
        PsFilter filter = {};
        bool all = false, quiet = false, json = false, notrunc = false;
        int c, r, ret = 0;

        while ((c = getopt_long(argc, argv, "haqf:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff ps [OPTIONS]\n\nList containers (running ones unless --all).\n\n"
                               "  -a, --all              All containers, not only running ones\n"
                               "  -q, --quiet            Only the ids\n"
                               "      --format json      JSON array (podman's field names)\n"
                               "  -f, --filter K=V       name=, id=, label=KEY[=VALUE], status= (repeatable)\n"
                               "      --no-trunc         Full ids\n"
                               "  -h, --help             Show this help\n");
                        return 0;
                case 'a':
                        all = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'T':
                        notrunc = true;
                        break;
                case 'F':
                        if (!streq(optarg, "json")) {
                                log_error("ps: --format %s: only 'json' is supported", optarg);
                                return 125;
                        }
                        json = true;
                        break;
                case 'f': {
                        const char *v;
                        if ((v = startswith(optarg, "name=")))
                                r = strv_extend(&filter.names, v);
                        else if ((v = startswith(optarg, "label=")))
                                r = strv_extend(&filter.labels, v);
                        else if ((v = startswith(optarg, "status=")))
                                r = container_status_from_string(v) >= 0 || streq(v, "stopped")
                                            ? strv_extend(&filter.statuses, v)
                                            : -EINVAL;
                        else if ((v = startswith(optarg, "id=")))
                                r = strv_extend(&filter.ids, v);
                        else
                                r = -EINVAL;
                        if (r < 0) {
                                log_error(
                                        "ps: --filter %s: expected name=, id=, label= or status= (created, running, stopping, exited)",
                                        optarg);
                                ret = 125;
                                goto out;
                        }
                        break;
                }
                default:
                        fputs("See 'skiff ps --help'.\n", stderr);
                        return 125;
                }
        if (optind < argc) {
                log_error("ps: unexpected argument '%s'", argv[optind]);
                ret = 125;
                goto out;
        }
        if (filter.statuses)
                all = true;
        if (cli_open_store(ctx, "ps", &store) < 0) {
                ret = 125;
                goto out;
        }
        r = container_list(store, &ids);
        if (r < 0) {
                log_error_errno(r, "ps: list containers: %m");
                ret = 125;
                goto out;
        }
        if (json)
                arr = json_object_new_array();
        else if (!quiet)
                printf("%-12s  %-30s  %-20s  %-16s  %-26s  %s\n", "CONTAINER ID", "IMAGE", "COMMAND",
                       "CREATED", "STATUS", "NAMES");
        STRV_FOREACH(id, ids) {
                _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
                _cleanup_strv_free_ char **cmd = NULL;
                _cleanup_free_ char *cmdline = NULL;
                ContainerState st = {};
                char stat[96], created[64];

                if (container_config_load(store, *id, &cfg) < 0 || container_state_load(store, *id, &st) < 0)
                        continue; /* removed meanwhile */
                if ((!all && !IN_SET(st.status, CONTAINER_STATUS_RUNNING, CONTAINER_STATUS_STOPPING))
                    || !ps_match(&filter, cfg, &st)) {
                        container_state_done(&st);
                        continue;
                }
                cmd = plan_argv_of(cfg);
                cmdline = strv_join(cmd, " ");
                status_text(&st, stat, sizeof(stat));
                health_suffix(store, *id, &st, stat, sizeof(stat));
                if (json) {
                        json_object *o = json_object_new_object(), *names = json_object_new_array();
                        json_array_add(names, json_object_new_string(cfg->name));
                        json_add_string(o, "Id", cfg->id);
                        json_add_object(o, "Names", names);
                        json_add_string(o, "Image", cfg->image);
                        json_add_string(o, "ImageID",
                                        cfg->image_id
                                                ? (startswith(cfg->image_id, "sha256:") ?: cfg->image_id)
                                                : "");
                        json_add_strv(o, "Command", cmd);
                        json_add_int(o, "Created", rfc_secs(cfg->created_at));
                        json_add_string(o, "CreatedAt", cfg->created_at);
                        json_add_string(o, "State", container_status_to_string(st.status));
                        json_add_string(o, "Status", stat);
                        json_add_bool(o, "Exited", st.status == CONTAINER_STATUS_EXITED);
                        json_add_int(o, "ExitCode", st.exit_code);
                        json_add_int(o, "ExitedAt", rfc_secs(st.finished_at));
                        json_add_int(o, "StartedAt", rfc_secs(st.started_at));
                        json_add_int(o, "Pid", st.pid);
                        json_add_int(o, "Restarts", st.restart_count);
                        json_add_bool(o, "AutoRemove", cfg->auto_remove);
                        json_add_object(o, "Labels", kv_object(cfg->labels));
                        json_add_string(o, "Pod", strempty(cfg->pod_id));
                        json_array_add(arr, o);
                } else if (quiet)
                        printf("%.*s\n", notrunc ? CONTAINER_ID_LEN : 12, cfg->id);
                else {
                        human_duration(created, sizeof(created), time(NULL) - rfc_secs(cfg->created_at));
                        strcat(created, " ago");
                        printf("%-12.*s  %-30s  %-20.20s  %-16s  %-26s  %s\n",
                               notrunc ? CONTAINER_ID_LEN : 12, cfg->id, cfg->image, strempty(cmdline),
                               created, stat, cfg->name);
                }
                container_state_done(&st);
        }
        if (json)
                printf("%s\n",
                       json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                                   | JSON_C_TO_STRING_NOSLASHESCAPE));
out:
        strv_free(filter.names);
        strv_free(filter.labels);
        strv_free(filter.statuses);
        strv_free(filter.ids);
        return ret;
}

/* --- inspect --- */

static json_object *inspect_one(ContainerStore *store, const ContainerConfig *cfg,
                                const ContainerState *st) {
        json_object *o = json_object_new_object(), *state = json_object_new_object(),
                    *config = json_object_new_object(), *host = json_object_new_object(), *restart;
        _cleanup_strv_free_ char **cmd = plan_argv_of(cfg);
        _cleanup_free_ char *log_path = container_log_path(store, cfg);
        _cleanup_json_ json_object *plan = cfg->plan_json ? json_tokener_parse(cfg->plan_json) : NULL;
        json_object *v;

        json_add_string(o, "Id", cfg->id);
        json_add_string(o, "Created", cfg->created_at);
        json_add_string(o, "Path", cmd ? cmd[0] : "");
        json_add_strv(o, "Args", cmd && cmd[0] ? cmd + 1 : NULL);
        if (!json_object_object_get_ex(o, "Args", &v) || !v)
                json_add_object(o, "Args", json_object_new_array());
        json_add_string(state, "Status", container_status_to_string(st->status));
        json_add_bool(state, "Running",
                      IN_SET(st->status, CONTAINER_STATUS_RUNNING, CONTAINER_STATUS_STOPPING));
        json_add_bool(state, "Paused", false);
        json_add_bool(state, "Restarting", false);
        json_add_bool(state, "OOMKilled", false);
        json_add_bool(state, "Dead", false);
        json_add_int(state, "Pid", st->pid);
        json_add_int(state, "ConmonPid", st->monitor_pid);
        json_add_int(state, "ExitCode", st->exit_code);
        json_add_string(state, "Error", strempty(st->exit_reason));
        json_add_string(state, "StartedAt", st->started_at ?: "0001-01-01T00:00:00Z");
        json_add_string(state, "FinishedAt", st->finished_at ?: "0001-01-01T00:00:00Z");
        {
                /* podman's State.Health (when the container has a check), as health.json has it */
                HealthState h = {};
                json_object *hj = NULL;
                if (health_state_load(store, cfg->id, &h) >= 0 && health_state_to_json(&h, &hj) >= 0)
                        json_add_object(state, "Health", hj);
                health_state_done(&h);
        }
        json_add_object(o, "State", state);
        json_add_string(o, "Image",
                        cfg->image_id ? (startswith(cfg->image_id, "sha256:") ?: cfg->image_id) : "");
        json_add_string(o, "ImageName", cfg->image);
        json_add_string(o, "Name", cfg->name);
        json_add_int(o, "RestartCount", st->restart_count);
        json_add_string(o, "Pod", strempty(cfg->pod_id));
        json_add_string(o, "LogPath", strempty(log_path));

        json_add_string(config, "Hostname", "");
        if (plan && json_object_object_get_ex(plan, "hostname", &v)
            && json_object_is_type(v, json_type_string))
                json_add_string(config, "Hostname", json_object_get_string(v));
        if (plan && json_object_object_get_ex(plan, "env", &v))
                json_add_object(config, "Env", json_object_get(v));
        if (plan && json_object_object_get_ex(plan, "cwd", &v))
                json_add_object(config, "WorkingDir", json_object_get(v));
        json_add_strv(config, "Cmd", cmd);
        json_add_string(config, "Image", cfg->image);
        json_add_object(config, "Labels", kv_object(cfg->labels));
        json_add_object(config, "Annotations", kv_object(cfg->annotations));
        json_add_int(config, "StopSignal", cfg->stop_signal);
        json_add_int(config, "StopTimeout", cfg->stop_timeout);
        json_add_strv(config, "CreateCommand", cfg->create_argv);
        json_add_string(config, "SdNotifyMode", cfg->sdnotify ?: "conmon");
        if (plan && json_object_object_get_ex(plan, "health", &v) && json_object_is_type(v, json_type_object)) {
                /* podman's Config.Healthcheck: durations in nanoseconds */
                json_object *hc = json_object_new_object(), *x;
                static const char *const keys[][2] = {{"interval", "Interval"},
                                                      {"timeout", "Timeout"},
                                                      {"startPeriod", "StartPeriod"}};
                if (json_object_object_get_ex(v, "test", &x))
                        json_add_object(hc, "Test", json_object_get(x));
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        if (json_object_object_get_ex(v, keys[i][0], &x))
                                json_add_int(hc, keys[i][1], json_object_get_int64(x) * 1000);
                if (json_object_object_get_ex(v, "retries", &x))
                        json_add_int(hc, "Retries", json_object_get_int64(x));
                json_add_object(config, "Healthcheck", hc);
                if (json_object_object_get_ex(v, "onFailure", &x))
                        json_add_string(config, "HealthcheckOnFailureAction", json_object_get_string(x));
                if (json_object_object_get_ex(v, "logDestination", &x))
                        json_add_string(config, "HealthLogDestination", json_object_get_string(x));
                if (json_object_object_get_ex(v, "maxLogCount", &x))
                        json_add_int(config, "HealthMaxLogCount", json_object_get_int64(x));
                if (json_object_object_get_ex(v, "maxLogSize", &x))
                        json_add_int(config, "HealthMaxLogSize", json_object_get_int64(x));
        }
        json_add_object(o, "Config", config);

        restart = json_object_new_object();
        json_add_string(restart, "Name", restart_policy_to_string(cfg->restart));
        json_add_int(restart, "MaximumRetryCount", cfg->restart_max);
        json_add_object(host, "RestartPolicy", restart);
        json_add_bool(host, "AutoRemove", cfg->auto_remove);
        {
                json_object *lc = json_object_new_object(), *opts = json_object_new_object();
                json_add_string(lc, "Type", log_driver_to_string(cfg->log_driver));
                if (log_path)
                        json_add_string(opts, "path", log_path);
                json_add_object(lc, "Config", opts);
                json_add_object(host, "LogConfig", lc);
        }
        json_add_strv(host, "CgroupPaths", st->cgroup_paths);
        json_add_object(o, "HostConfig", host);
        /* The runtime's own plan, verbatim, for whoever needs every detail. */
        if (plan)
                json_add_object(o, "SkiffPlan", json_object_get(plan));
        return o;
}

/* A minimal Go-template subset: literal text and {{.A.B.C}} (or {{ .A.B }}) lookups in the JSON of one
 * element; "{{json .X}}" prints the JSON of X. Anything else is an error. */
static int render_template(const char *tmpl, json_object *o, FILE *out) {
        const char *p = tmpl;

        while (*p) {
                const char *open = strstr(p, "{{"), *close;
                bool as_json = false;
                json_object *cur = o;

                if (!open) {
                        fputs(p, out);
                        break;
                }
                fwrite(p, 1, (size_t) (open - p), out);
                close = strstr(open, "}}");
                if (!close)
                        return -EINVAL;
                _cleanup_free_ char *expr = strndup(open + 2, (size_t) (close - open - 2));
                char *e = expr, *save = NULL;
                while (*e == ' ')
                        e++;
                for (char *t = e + strlen(e); t > e && t[-1] == ' '; t--)
                        t[-1] = 0;
                if (startswith(e, "json ")) {
                        as_json = true;
                        e += 5;
                        while (*e == ' ')
                                e++;
                }
                if (*e != '.')
                        return -EINVAL;
                for (char *k = strtok_r(e + 1, ".", &save); k; k = strtok_r(NULL, ".", &save))
                        if (!cur || !json_object_object_get_ex(cur, k, &cur))
                                return -ENOENT;
                if (as_json || json_object_is_type(cur, json_type_object)
                    || json_object_is_type(cur, json_type_array))
                        fputs(json_object_to_json_string_ext(cur, JSON_C_TO_STRING_PLAIN
                                                                          | JSON_C_TO_STRING_NOSLASHESCAPE),
                              out);
                else if (cur)
                        fputs(json_object_get_string(cur), out);
                else
                        fputs("<nil>", out);
                p = close + 2;
        }
        fputc('\n', out);
        return 0;
}

int verb_inspect(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"format", required_argument, NULL, 'f'},
                {"type", required_argument, NULL, 't'},
                {},
        };
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        _cleanup_json_ json_object *arr = json_object_new_array();
        const char *format = NULL;
        int c, ret = 0;

        while ((c = getopt_long(argc, argv, "hf:t:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff inspect [OPTIONS] CONTAINER...\n\n"
                               "Show containers' configuration and state as a JSON array (podman's field names).\n\n"
                               "  -f, --format FORMAT  json (default), or a template such as '{{.State.Status}}'\n"
                               "                       ({{.Field.Sub}} lookups and {{json .Field}} only)\n"
                               "  -t, --type container Accepted for podman compatibility\n"
                               "  -h, --help           Show this help\n");
                        return 0;
                case 'f':
                        format = streq(optarg, "json") ? NULL : optarg;
                        break;
                case 't':
                        if (!streq(optarg, "container")) {
                                log_error("inspect: --type %s: only containers are supported", optarg);
                                return 125;
                        }
                        break;
                default:
                        fputs("See 'skiff inspect --help'.\n", stderr);
                        return 125;
                }
        if (optind >= argc) {
                log_error("inspect: at least one container is required");
                return 125;
        }
        if (cli_open_store(ctx, "inspect", &store) < 0)
                return 125;
        for (int i = optind; i < argc; i++) {
                _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
                char id[CONTAINER_ID_LEN + 1];
                ContainerState st = {};
                json_object *o;
                int r;

                if (cli_lookup(store, "inspect", argv[i], id) < 0) {
                        ret = 125;
                        continue;
                }
                r = container_config_load(store, id, &cfg);
                if (r >= 0)
                        r = container_state_load(store, id, &st);
                if (r < 0) {
                        log_error_errno(r, "inspect %s: read the record: %m", argv[i]);
                        ret = 125;
                        continue;
                }
                o = inspect_one(store, cfg, &st);
                container_state_done(&st);
                if (format) {
                        r = render_template(format, o, stdout);
                        json_object_put(o);
                        if (r < 0) {
                                log_error("inspect: --format %s: %s", format,
                                          r == -ENOENT ? "no such field"
                                                       : "unsupported template (use {{.Field.Sub}})");
                                return 125;
                        }
                } else
                        json_object_array_add(arr, o);
        }
        if (!format)
                printf("%s\n",
                       json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                                   | JSON_C_TO_STRING_NOSLASHESCAPE));
        return ret;
}

/* --- stop / rm / kill / wait --- */

static int parse_timeout(const char *verb, const char *s, int *ret) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end || end == s || v < 0 || v > 65534) {
                log_error("%s: --time %s: expected a number of seconds (0..65534)", verb, s);
                return -EINVAL;
        }
        *ret = (int) v;
        return 0;
}

int verb_stop(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"time", required_argument, NULL, 't'},
                {"timeout", required_argument, NULL, 't'},
                {"ignore", no_argument, NULL, 'i'},
                {"all", no_argument, NULL, 'a'},
                {"cidfile", required_argument, NULL, 'C'},
                {},
        };
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        _cleanup_strv_free_ char **targets = NULL;
        bool ignore = false, all = false;
        int c, timeout = -1, ret = 0, r;

        while ((c = getopt_long(argc, argv, "ht:ia", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff stop [OPTIONS] CONTAINER...\n\n"
                               "Stop running containers: the stop signal, then SIGKILL after the timeout.\n\n"
                               "  -t, --time SECONDS  Timeout before SIGKILL (default: the container's, 10)\n"
                               "  -i, --ignore        No error for containers that don't exist\n"
                               "  -a, --all           Stop every running container\n"
                               "      --cidfile FILE  Read the container id from FILE\n"
                               "  -h, --help          Show this help\n");
                        return 0;
                case 't':
                        if (parse_timeout("stop", optarg, &timeout) < 0)
                                return 125;
                        break;
                case 'i':
                        ignore = true;
                        break;
                case 'a':
                        all = true;
                        break;
                case 'C': {
                        _cleanup_free_ char *text = NULL;
                        r = read_full_file_at(AT_FDCWD, optarg, 4096, &text, NULL);
                        if (r < 0) {
                                if (r == -ENOENT && ignore)
                                        break;
                                log_error_errno(r, "stop: --cidfile %s: %m", optarg);
                                return 125;
                        }
                        text[strcspn(text, " \n")] = 0;
                        if (strv_extend(&targets, text) < 0)
                                return log_oom(), 125;
                        break;
                }
                default:
                        fputs("See 'skiff stop --help'.\n", stderr);
                        return 125;
                }
        for (int i = optind; i < argc; i++)
                if (strv_extend(&targets, argv[i]) < 0)
                        return log_oom(), 125;
        if (cli_open_store(ctx, "stop", &store) < 0)
                return 125;
        if (all) {
                strv_free(targets);
                targets = NULL;
                if (container_list(store, &targets) < 0)
                        return 125;
        }
        if (!targets && !all && !ignore) {
                log_error("stop: at least one container is required");
                return 125;
        }
        STRV_FOREACH(t, targets) {
                _cleanup_free_ char *err = NULL;
                char id[CONTAINER_ID_LEN + 1];

                if (ignore && container_lookup(store, *t, id) == -ENOENT)
                        continue;
                if (cli_lookup(store, "stop", *t, id) < 0) {
                        ret = 125;
                        continue;
                }
                r = container_stop(store, id, timeout, &err);
                if (r == -ESRCH && all)
                        continue;
                if (r < 0 && r != -ESRCH) {
                        log_error("stop %s: %s", *t, err ?: strerror(-r));
                        ret = 125;
                        continue;
                }
                printf("%s\n", all ? id : *t);
        }
        return ret;
}

/* Whether container id is run by a pod's supervisor (the pod's infra, or a container of a played or
 * created pod's spec): removing it would pull it out from under the supervisor, which owns its
 * restarts, mounts and cleanup. Containers that joined a pod with `run --pod` have their own monitor
 * and are not. Returns 1 with the pod's name, 0, or -errno. */
static int pod_supervised(SkiffContext *ctx, ContainerStore *store, const char *id, char **ret_pod) {
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_(pod_store_freep) PodStore *pods = NULL;
        _cleanup_(pod_config_freep) PodConfig *pc = NULL;
        bool member;

        if (container_config_load(store, id, &cfg) < 0 || !cfg->pod_id)
                return 0;
        if (pod_store_open(&ctx->paths, &pods) < 0 || pod_config_load(pods, cfg->pod_id, &pc) < 0)
                return 0; /* the pod is gone: the container is an orphan, removable */
        member = streq(pc->infra_id, id);
        for (size_t i = 0; !member && i < pc->n_members; i++)
                member = streq(pc->members[i].id, id);
        if (!member)
                return 0;
        *ret_pod = strdup(pc->name ?: pc->id);
        return *ret_pod ? 1 : -ENOMEM;
}

int verb_rm(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},          {"force", no_argument, NULL, 'f'},
                {"ignore", no_argument, NULL, 'i'},        {"all", no_argument, NULL, 'a'},
                {"time", required_argument, NULL, 't'},    {"volumes", no_argument, NULL, 'v'},
                {"cidfile", required_argument, NULL, 'C'}, {},
        };
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        _cleanup_strv_free_ char **targets = NULL;
        bool force = false, ignore = false, all = false;
        int c, timeout = -1, ret = 0, r;

        while ((c = getopt_long(argc, argv, "hfiat:v", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff rm [OPTIONS] CONTAINER...\n\n"
                               "Remove containers: their record, storage, cgroups and log.\n\n"
                               "  -f, --force         Stop running containers first\n"
                               "  -t, --time SECONDS  With --force, the stop timeout\n"
                               "  -i, --ignore        No error for containers that don't exist\n"
                               "  -a, --all           Remove every container (not those a pod's supervisor runs)\n"
                               "      --cidfile FILE  Read the container id from FILE (and remove FILE)\n"
                               "  -v, --volumes       Accepted for podman compatibility\n"
                               "  -h, --help          Show this help\n");
                        return 0;
                case 'f':
                        force = true;
                        break;
                case 'i':
                        ignore = true;
                        break;
                case 'a':
                        all = true;
                        break;
                case 't':
                        if (parse_timeout("rm", optarg, &timeout) < 0)
                                return 125;
                        break;
                case 'v':
                        break;
                case 'C': {
                        _cleanup_free_ char *text = NULL;
                        r = read_full_file_at(AT_FDCWD, optarg, 4096, &text, NULL);
                        if (r < 0) {
                                if (r == -ENOENT && ignore)
                                        break;
                                log_error_errno(r, "rm: --cidfile %s: %m", optarg);
                                return 125;
                        }
                        text[strcspn(text, " \n")] = 0;
                        if (strv_extend(&targets, text) < 0)
                                return log_oom(), 125;
                        (void) unlink(optarg);
                        break;
                }
                default:
                        fputs("See 'skiff rm --help'.\n", stderr);
                        return 125;
                }
        for (int i = optind; i < argc; i++)
                if (strv_extend(&targets, argv[i]) < 0)
                        return log_oom(), 125;
        if (cli_open_store(ctx, "rm", &store) < 0)
                return 125;
        if (all) {
                strv_free(targets);
                targets = NULL;
                if (container_list(store, &targets) < 0)
                        return 125;
        }
        if (!targets && !all && !ignore) {
                log_error("rm: at least one container is required");
                return 125;
        }
        STRV_FOREACH(t, targets) {
                _cleanup_free_ char *err = NULL;
                char id[CONTAINER_ID_LEN + 1];

                if (ignore && container_lookup(store, *t, id) == -ENOENT)
                        continue;
                if (cli_lookup(store, "rm", *t, id) < 0) {
                        ret = 1;
                        continue;
                }
                {
                        _cleanup_free_ char *pod = NULL;
                        if (pod_supervised(ctx, store, id, &pod) > 0) {
                                if (all)
                                        continue; /* the pod's: `pod rm` / `kube down` remove it */
                                log_error("rm %s: the container belongs to pod %s, whose supervisor runs it: "
                                          "remove the pod (skiff pod rm, skiff kube down)", *t, pod);
                                ret = 125;
                                continue;
                        }
                }
                r = force ? cli_container_force_remove(store, id, timeout, &err)
                          : container_destroy(store, id, &err);
                if (r == -EBUSY) {
                        /* podman's status for "container is running" */
                        log_error("rm %s: the container is running: stop it first or use --force", *t);
                        ret = 2;
                        continue;
                }
                if (r < 0 && !(r == -ENOENT && ignore)) {
                        log_error("rm %s: %s", *t, err ?: strerror(-r));
                        ret = 125;
                        continue;
                }
                printf("%s\n", all ? id : *t);
        }
        return ret;
}

static int parse_signal(const char *s) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (!errno && *end == 0 && end != s)
                return v > 0 && v < NSIG ? (int) v : -EINVAL;
        if (startswith(s, "SIG") || startswith(s, "sig"))
                s += 3;
        for (int i = 1; i < NSIG; i++) {
                const char *n = sigabbrev_np(i);
                if (n && strcasecmp(n, s) == 0)
                        return i;
        }
        return -EINVAL;
}

int verb_kill(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"signal", required_argument, NULL, 's'},
                {},
        };
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        int c, sig = SIGKILL, ret = 0;

        while ((c = getopt_long(argc, argv, "hs:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff kill [OPTIONS] CONTAINER...\n\n"
                               "Send a signal to containers' main process.\n\n"
                               "  -s, --signal SIG  Signal name or number (default KILL)\n"
                               "  -h, --help        Show this help\n");
                        return 0;
                case 's':
                        sig = parse_signal(optarg);
                        if (sig < 0) {
                                log_error("kill: --signal %s: unknown signal", optarg);
                                return 125;
                        }
                        break;
                default:
                        fputs("See 'skiff kill --help'.\n", stderr);
                        return 125;
                }
        if (optind >= argc) {
                log_error("kill: at least one container is required");
                return 125;
        }
        if (cli_open_store(ctx, "kill", &store) < 0)
                return 125;
        for (int i = optind; i < argc; i++) {
                char id[CONTAINER_ID_LEN + 1];
                ContainerState st = {};

                if (cli_lookup(store, "kill", argv[i], id) < 0 || container_state_load(store, id, &st) < 0) {
                        ret = 125;
                        continue;
                }
                if (st.pid <= 0 || !proc_alive(st.pid, st.pid_starttime)) {
                        log_error("kill %s: the container is not running", argv[i]);
                        ret = 125;
                } else if (kill(st.pid, sig) < 0) {
                        log_error_errno(-errno, "kill %s: send signal %d to pid %d: %m", argv[i], sig,
                                        (int) st.pid);
                        ret = 125;
                } else
                        printf("%s\n", argv[i]);
                container_state_done(&st);
        }
        return ret;
}

int verb_wait(SkiffContext *ctx, int argc, char *argv[]) {
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        int ret = 0;

        if (argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: skiff wait CONTAINER...\n\nWait until containers have exited (and won't be restarted)\n"
                       "and print their exit codes.\n");
                return 0;
        }
        if (argc < 2) {
                log_error("wait: at least one container is required");
                return 125;
        }
        if (cli_open_store(ctx, "wait", &store) < 0)
                return 125;
        for (int i = 1; i < argc; i++) {
                char id[CONTAINER_ID_LEN + 1];

                if (cli_lookup(store, "wait", argv[i], id) < 0) {
                        ret = 125;
                        continue;
                }
                for (;;) {
                        ContainerState st = {};
                        int r = container_state_load(store, id, &st);
                        if (r == -ENOENT || (r >= 0 && st.status == CONTAINER_STATUS_CREATED)) {
                                /* removed (--rm), or never started */
                                container_state_done(&st);
                                printf("%d\n", r == -ENOENT ? -1 : 0);
                                break;
                        }
                        if (r >= 0 && st.status == CONTAINER_STATUS_EXITED && st.monitor_pid == 0) {
                                printf("%d\n", st.exit_code);
                                container_state_done(&st);
                                break;
                        }
                        container_state_done(&st);
                        if (r < 0) {
                                log_error_errno(r, "wait %s: %m", argv[i]);
                                ret = 125;
                                break;
                        }
                        (void) poll(NULL, 0, 50);
                }
        }
        return ret;
}

/* --- logs --- */

/* --since/--until: RFC3339 or a duration before now ("10m", "1h30m", "90s"). */
static int parse_time_arg(const char *s, int64_t *ret_nsec) {
        struct timespec now;
        int64_t total = 0;
        const char *p = s;

        if (rfc3339_parse(s, ret_nsec) >= 0)
                return 0;
        if (!*p)
                return -EINVAL;
        while (*p) {
                char *end;
                double v = strtod(p, &end);
                int64_t mult;

                if (end == p)
                        return -EINVAL;
                switch (*end) {
                case 's':
                        mult = 1;
                        break;
                case 'm':
                        mult = 60;
                        break;
                case 'h':
                        mult = 3600;
                        break;
                default:
                        return -EINVAL;
                }
                total += (int64_t) (v * (double) mult * 1e9);
                p = end + 1;
        }
        clock_gettime(CLOCK_REALTIME, &now);
        *ret_nsec = (int64_t) now.tv_sec * 1000000000LL + now.tv_nsec - total;
        return 0;
}

typedef struct LogsOpts {
        bool timestamps;
        int64_t since, until; /* 0: none */
        long tail;            /* -1: all */
} LogsOpts;

/* Prints the complete records in buf[0..len) and returns how many bytes were consumed. */
static size_t logs_print(const char *buf, size_t len, const LogsOpts *o, bool *at_line_start) {
        size_t used = 0;

        while (used < len) {
                const char *nl = memchr(buf + used, '\n', len - used);
                CtrLogRecord rec;
                FILE *out;

                if (!nl)
                        break;
                if (ctr_log_parse_line(buf + used, (size_t) (nl - buf - used), &rec) >= 0
                    && !(o->since && rec.time_nsec < o->since) && !(o->until && rec.time_nsec > o->until)) {
                        out = rec.stream == CTR_STREAM_STDERR ? stderr : stdout;
                        if (o->timestamps && at_line_start[rec.stream])
                                fprintf(out, "%.*s ", (int) rec.timestamp_len, rec.timestamp);
                        fwrite(rec.msg, 1, rec.msg_len, out);
                        /* A P record is continued by the next one of its stream: no newline yet. */
                        if (!rec.partial)
                                fputc('\n', out);
                        at_line_start[rec.stream] = !rec.partial;
                        fflush(out);
                }
                used = (size_t) (nl - buf) + 1;
        }
        return used;
}

/* Offset of the start of the last n lines in text (full records, counting P pieces as their own). */
static size_t tail_offset(const char *text, size_t len, long n) {
        size_t i = len;
        long seen = 0;

        if (n < 0)
                return 0;
        if (i > 0 && text[i - 1] == '\n')
                i--;
        while (i > 0) {
                if (text[i - 1] == '\n' && ++seen == n)
                        return i;
                i--;
        }
        return n == 0 ? len : 0;
}

static bool container_active(ContainerStore *store, const char *id) {
        ContainerState st = {};
        bool active;

        if (container_state_load(store, id, &st) < 0)
                return false;
        active =
                IN_SET(st.status, CONTAINER_STATUS_RUNNING, CONTAINER_STATUS_STOPPING) || st.monitor_pid > 0;
        container_state_done(&st);
        return active;
}

int verb_logs(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"follow", no_argument, NULL, 'f'},
                {"since", required_argument, NULL, 'S'},
                {"until", required_argument, NULL, 'U'},
                {"tail", required_argument, NULL, 'n'},
                {"timestamps", no_argument, NULL, 't'},
                {},
        };
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_close_ int fd = -EBADF, ino = -EBADF;
        LogsOpts o = {.tail = -1};
        bool follow = false, at_start[_CTR_STREAM_MAX] = {true, true};
        char id[CONTAINER_ID_LEN + 1];
        size_t len = 0, off;
        int c, r;

        while ((c = getopt_long(argc, argv, "hfn:t", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff logs [OPTIONS] CONTAINER\n\n"
                               "Show a container's output (k8s-file log): stdout to stdout, stderr to stderr.\n\n"
                               "  -f, --follow        Keep printing new output until the container exits\n"
                               "      --since TIME    Only output after TIME (RFC3339, or a duration: 10m, 1h)\n"
                               "      --until TIME    Only output before TIME\n"
                               "  -n, --tail N        Only the last N lines\n"
                               "  -t, --timestamps    Prefix each line with its time\n"
                               "  -h, --help          Show this help\n");
                        return 0;
                case 'f':
                        follow = true;
                        break;
                case 'S':
                case 'U':
                        if (parse_time_arg(optarg, c == 'S' ? &o.since : &o.until) < 0) {
                                log_error("logs: --%s %s: expected RFC3339 time or a duration like 10m",
                                          c == 'S' ? "since" : "until", optarg);
                                return 125;
                        }
                        break;
                case 'n': {
                        char *end;
                        errno = 0;
                        o.tail = strtol(optarg, &end, 10);
                        if (errno || *end || end == optarg || o.tail < -1) {
                                log_error("logs: --tail %s: expected a number of lines", optarg);
                                return 125;
                        }
                        break;
                }
                case 't':
                        o.timestamps = true;
                        break;
                default:
                        fputs("See 'skiff logs --help'.\n", stderr);
                        return 125;
                }
        if (argc - optind != 1) {
                log_error("logs: exactly one container is required");
                return 125;
        }
        if (cli_open_store(ctx, "logs", &store) < 0 || cli_lookup(store, "logs", argv[optind], id) < 0)
                return 125;
        r = container_config_load(store, id, &cfg);
        if (r < 0)
                return log_error_errno(r, "logs %s: read the record: %m", argv[optind]), 125;
        if (cfg->log_driver != LOG_DRIVER_K8S_FILE) {
                log_error("logs %s: the container logs to %s; skiff logs reads k8s-file logs only%s",
                          argv[optind], log_driver_to_string(cfg->log_driver),
                          cfg->log_driver == LOG_DRIVER_JOURNALD ? " (use journalctl CONTAINER_NAME=...)"
                                                                 : "");
                return 125;
        }
        path = container_log_path(store, cfg);
        if (!path)
                return log_oom(), 125;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno != ENOENT)
                return log_error_errno(-errno, "logs %s: open %s: %m", argv[optind], path), 125;
        if (fd >= 0) {
                _cleanup_fclose_ FILE *f = fdopen(dup(fd), "r");
                if (!f || read_full_stream(f, 0, &text, &len) < 0)
                        return log_error_errno(-errno, "logs %s: read %s: %m", argv[optind], path), 125;
                off = tail_offset(text, len, o.tail);
                off += logs_print(text + off, len - off, &o, at_start);
                (void) lseek(fd, (off_t) off, SEEK_SET);
        }
        if (!follow)
                return 0;

        /* Follow: new records as they are appended, until the container is gone and the file has been
         * read to its end. inotify wakes us for writes; a 250 ms poll catches the exit. */
        ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (ino >= 0)
                (void) inotify_add_watch(ino, path, IN_MODIFY);
        {
                _cleanup_free_ char *pending = NULL;
                size_t plen = 0;
                char buf[16384];

                for (;;) {
                        bool active = container_active(store, id);
                        ssize_t n;

                        if (fd < 0)
                                fd = open(path, O_RDONLY | O_CLOEXEC);
                        while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
                                char *np = realloc(pending, plen + (size_t) n);
                                size_t used;
                                if (!np)
                                        return log_oom(), 125;
                                pending = np;
                                memcpy(pending + plen, buf, (size_t) n);
                                plen += (size_t) n;
                                used = logs_print(pending, plen, &o, at_start);
                                memmove(pending, pending + used, plen - used);
                                plen -= used;
                        }
                        if (!active)
                                break;
                        struct pollfd p = {.fd = ino, .events = POLLIN};
                        if (poll(&p, ino >= 0 ? 1 : 0, 250) > 0) {
                                char ev[4096];
                                (void) !read(ino, ev, sizeof(ev));
                        }
                }
        }
        return 0;
}

/* --- exec --- */

int verb_exec(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'H'},
                {"interactive", no_argument, NULL, 'i'},
                {"tty", no_argument, NULL, 't'},
                {"env", required_argument, NULL, 'e'},
                {"env-file", required_argument, NULL, 'E'},
                {"user", required_argument, NULL, 'u'},
                {"workdir", required_argument, NULL, 'w'},
                {"privileged", no_argument, NULL, 'P'},
                {"detach", no_argument, NULL, 'd'},
                {},
        };
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_container_plan_ ContainerPlan *plan = NULL;
        _cleanup_free_ char *err = NULL;
        ExecOptions eo = {};
        SpawnStdio io = SPAWN_STDIO_INIT;
        SpawnResult res = {.pidfd = -1, .pty_master = -1};
        ContainerState st = {};
        bool interactive = false, detach = false;
        char id[CONTAINER_ID_LEN + 1];
        int c, r, status, ret = 125;

        while ((c = getopt_long(argc, argv, "+ite:u:w:d", options, NULL)) >= 0)
                switch (c) {
                case 'H':
                        printf("Usage: skiff exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
                               "Run a command in a running container: same namespaces, cgroup, capabilities,\n"
                               "seccomp filter and no_new_privs as the container.\n\n"
                               "  -i, --interactive     Keep stdin open\n"
                               "  -t, --tty             Allocate a pseudo-terminal\n"
                               "  -e, --env NAME[=VAL]  Set an environment variable\n"
                               "      --env-file FILE   Read environment variables from FILE\n"
                               "  -u, --user USER       User (looked up in the container)\n"
                               "  -w, --workdir DIR     Working directory\n"
                               "      --privileged      All capabilities, no seccomp\n"
                               "  -d, --detach          Don't wait for the command\n"
                               "      --help            Show this help\n");
                        return 0;
                case 'i':
                        interactive = true;
                        break;
                case 't':
                        eo.tty = true;
                        break;
                case 'e':
                        if (strv_extend(&eo.env, optarg) < 0)
                                goto oom;
                        break;
                case 'E':
                        if (strv_extend(&eo.env_files, optarg) < 0)
                                goto oom;
                        break;
                case 'u':
                        free(eo.user);
                        eo.user = strdup(optarg);
                        break;
                case 'w':
                        free(eo.workdir);
                        eo.workdir = strdup(optarg);
                        break;
                case 'P':
                        eo.privileged = true;
                        break;
                case 'd':
                        detach = true;
                        break;
                default:
                        fputs("See 'skiff exec --help'.\n", stderr);
                        goto out;
                }
        if (argc - optind < 2) {
                log_error("exec: a container and a command are required");
                goto out;
        }
        if (cli_open_store(ctx, "exec", &store) < 0 || cli_lookup(store, "exec", argv[optind], id) < 0)
                goto out;
        r = container_config_load(store, id, &cfg);
        if (r >= 0)
                r = container_state_load(store, id, &st);
        if (r < 0) {
                log_error_errno(r, "exec %s: read the record: %m", argv[optind]);
                goto out;
        }
        if (st.status != CONTAINER_STATUS_RUNNING || st.pid <= 0 || !proc_alive(st.pid, st.pid_starttime)) {
                log_error("exec %s: the container is not running", argv[optind]);
                goto out;
        }
        r = container_plan_from_string(cfg->plan_json, &plan, &err);
        if (r < 0) {
                log_error("exec %s: read the plan: %s", argv[optind], err ?: strerror(-r));
                goto out;
        }
        if (strv_copy(argv + optind + 1, &eo.argv) < 0)
                goto oom;
        io.stdin_fd = interactive ? STDIN_FILENO : -1;
        io.stdout_fd = detach ? -1 : STDOUT_FILENO;
        io.stderr_fd = detach ? -1 : STDERR_FILENO;
        /* -t: the caller's terminal is passed as is (no proxy pty for exec yet). */
        io.tty = eo.tty && isatty(STDOUT_FILENO);
        r = container_exec(plan, st.pid, &eo, &io, &res, &err);
        if (r < 0) {
                log_error("exec %s: %s", argv[optind], err ?: strerror(-r));
                ret = res.exit_code > 0 ? res.exit_code : 125;
                goto out;
        }
        if (detach) {
                ret = 0;
                goto out;
        }
        while (waitpid(res.pid, &status, 0) < 0 && errno == EINTR)
                ;
        ret = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125;
        goto out;
oom:
        log_oom();
out:
        spawn_result_done(&res);
        container_state_done(&st);
        strv_free(eo.argv);
        strv_free(eo.env);
        strv_free(eo.env_files);
        free(eo.user);
        free(eo.workdir);
        return ret;
}
