/* skiff run, create, start: flags into RunOptions, the image from the store, the plan from rtcore, the
 * record from state.h, the process from the monitor. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/container-common.h"
#include "cli/pod-common.h"
#include "cli/verbs.h"
#include "cli/volume-common.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/strv.h"
#include "image/store.h"
#include "runtime/container-plan.h"
#include "runtime/monitor.h"
#include "runtime/run-options.h"
#include "runtime/state.h"

/* Flags that are not RunOptions: they concern skiff's handling of the container, not the plan. */
typedef struct RunExtras {
        bool rootfs;    /* --rootfs: the image argument is a directory */
        char *log_path; /* --log-opt path=FILE */
        char *pull;     /* --pull: only never/missing make sense without a registry here */
        bool quiet;
        char *pod;      /* --pod NAME or --pod-id-file FILE (pod_is_file): join the pod's infra */
        bool pod_is_file;
} RunExtras;

static void run_extras_done(RunExtras *e) {
        free(e->log_path);
        free(e->pull);
        free(e->pod);
}

static void run_help(const char *verb) {
        printf("Usage: skiff %s [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
               "\n"
               "%s\n"
               "\n"
               "Options (podman's names; FLAG=VALUE and FLAG VALUE both work):\n"
               "      --name NAME              Container name (unique)\n"
               "      --replace                Remove a container of the same name first (stopping it)\n"
               "      --rm                     Remove the container when it exits\n"
               "  -d, --detach                 Run in the background and print the id\n"
               "  -i, --interactive            Keep stdin open\n"
               "  -t, --tty                    Allocate a pseudo-terminal\n"
               "      --cidfile FILE           Write the container id to FILE\n"
               "      --restart POLICY         no, on-failure[:N], always, unless-stopped\n"
               "      --stop-signal SIG        Signal for stop (default SIGTERM or the image's)\n"
               "      --stop-timeout SECONDS   Wait before SIGKILL on stop (default 10)\n"
               "      --log-driver DRIVER      k8s-file (default), journald, none\n"
               "      --log-opt path=FILE      Where the k8s-file log goes\n"
               "      --sdnotify MODE          conmon (default), container, healthy, ignore\n"
               "      --cgroups MODE           enabled, disabled, no-conmon, split\n"
               "  -l, --label K=V              Add a label (repeatable)\n"
               "      --annotation K=V         Add an annotation (repeatable)\n"
               "      --entrypoint CMD         Override the image's entrypoint ('' clears, JSON array)\n"
               "  -e, --env NAME[=VALUE]       Set an environment variable\n"
               "      --env-file FILE          Read environment variables from FILE\n"
               "      --env-host               Pass the whole host environment\n"
               "  -w, --workdir DIR            Working directory inside the container\n"
               "  -u, --user USER[:GROUP]      User (name or number, looked up in the image)\n"
               "      --group-add GROUP        Supplementary group\n"
               "  -h, --hostname NAME          Hostname (default: the first 12 digits of the id)\n"
               "      --timezone, --tz ZONE    local or a zoneinfo name\n"
               "  -v, --volume SRC:DST[:OPTS]  Bind mount a host path or a named volume\n"
               "      --mount SPEC             type=bind|volume|tmpfs,source=,destination=,...\n"
               "      --tmpfs DST[:OPTS]       Mount a tmpfs\n"
               "      --read-only              Read-only root filesystem\n"
               "      --read-only-tmpfs[=BOOL] With --read-only, tmpfs on /tmp, /var/tmp, /run\n"
               "      --shm-size SIZE          Size of /dev/shm (default 64m)\n"
               "      --privileged             All capabilities, no seccomp, all devices\n"
               "      --cap-add CAP            Add a capability (ALL for all)\n"
               "      --cap-drop CAP           Drop a capability (ALL for all)\n"
               "      --security-opt OPT       seccomp=FILE|unconfined, no-new-privileges, unmask=PATHS, mask=PATHS\n"
               "      --sysctl K=V             Namespaced sysctl\n"
               "      --userns MODE            host, keep-id, auto, nomap, ns:PATH\n"
               "      --uidmap C:H:N, --gidmap C:H:N  User namespace id maps\n"
               "      --pids-limit N           Process limit (default 2048; 0 or -1 unlimited)\n"
               "  -m, --memory SIZE            Memory limit (e.g. 512m)\n"
               "      --cpus N                 CPU quota (e.g. 1.5)\n"
               "  -c, --cpu-shares N           CPU shares\n"
               "      --ulimit NAME=SOFT[:HARD] Resource limit\n"
               "      --network MODE           private (default), none, host, ns:PATH\n"
               "      --pid, --ipc, --uts MODE private (default), host, ns:PATH\n"
               "      --add-host NAME:IP       Add to /etc/hosts\n"
               "      --dns IP, --dns-search DOMAIN, --dns-option OPT  resolv.conf entries\n"
               "      --pod POD, --pod-id-file FILE\n"
               "                               Join a running pod's network, ipc and uts namespaces\n"
               "      --init                   Run skiff's init as PID 1\n"
               "      --init-path PATH         The init binary to use\n"
               "      --rootfs                 IMAGE is a directory to use as the root filesystem\n"
               "      --pull POLICY            never or missing (images come from 'skiff pull')\n"
               "  -q, --quiet                  Accepted for podman compatibility\n"
               "      --http-proxy[=BOOL]      Pass the caller's proxy variables (default true)\n"
               "      --expose, --retry, --retry-delay  Accepted; no effect here\n"
               "      --health-cmd CMD         Health check: a shell command, a JSON array, or none\n"
               "      --health-interval D      Between checks (default 30s; disable: only 'healthcheck run')\n"
               "      --health-timeout D       Kill a check after D (default 30s)\n"
               "      --health-retries N       Failures in a row that make it unhealthy (default 3)\n"
               "      --health-start-period D  Failures in the first D don't count (default 0s)\n"
               "      --health-on-failure ACT  none (default), kill, restart, stop when unhealthy\n"
               "      --health-startup-cmd CMD Check run until it passes before the regular one;\n"
               "      --health-startup-interval D, --health-startup-timeout D (30s),\n"
               "      --health-startup-retries N (restart after N failures; 0 never),\n"
               "      --health-startup-success N (passes needed, default 1)\n"
               "      --health-log-destination local|events_logger|DIR  Where results go (default local)\n"
               "      --health-max-log-count N, --health-max-log-size N  Results kept (5), bytes each (500)\n"
               "      --no-healthcheck         No health check, not even the image's\n"
               "      --device HOST[:CTR][:PERMS]  Give the container a host device (rwm by default)\n"
               "      --subuidname NAME, --subgidname NAME  User namespace from NAME's /etc/subuid|subgid ranges\n"
               "  -p, --publish, --ip, --ip6, --network-alias, --secret  Refused: not supported yet\n"
               "      --help                   Show this help\n",
               verb,
               streq(verb, "create") ? "Create a container from an image without starting it; print its id."
                                     : "Run a command in a new container.");
}

static int parse_bool_arg(const char *flag, const char *arg, bool *ret) {
        if (!arg || streq(arg, "true") || streq(arg, "1")) {
                *ret = true;
                return 0;
        }
        if (streq(arg, "false") || streq(arg, "0")) {
                *ret = false;
                return 0;
        }
        log_error("%s=%s: expected true or false", flag, arg);
        return -EINVAL;
}

static int set_str(char **p, const char *v) {
        free(*p);
        *p = strdup(v);
        return *p ? 0 : -ENOMEM;
}

enum {
        ARG_NAME = 0x100,
        ARG_RM,
        ARG_REPLACE,
        ARG_INIT,
        ARG_INIT_PATH,
        ARG_RESTART,
        ARG_STOP_SIGNAL,
        ARG_STOP_TIMEOUT,
        ARG_CIDFILE,
        ARG_SDNOTIFY,
        ARG_LOG_DRIVER,
        ARG_LOG_OPT,
        ARG_ANNOTATION,
        ARG_ENTRYPOINT,
        ARG_ENV_FILE,
        ARG_ENV_HOST,
        ARG_GROUP_ADD,
        ARG_TIMEZONE,
        ARG_MOUNT,
        ARG_TMPFS,
        ARG_READ_ONLY,
        ARG_READ_ONLY_TMPFS,
        ARG_SHM_SIZE,
        ARG_PRIVILEGED,
        ARG_CAP_ADD,
        ARG_CAP_DROP,
        ARG_SECURITY_OPT,
        ARG_SYSCTL,
        ARG_USERNS,
        ARG_UIDMAP,
        ARG_GIDMAP,
        ARG_PIDS_LIMIT,
        ARG_CPUS,
        ARG_ULIMIT,
        ARG_CGROUPS,
        ARG_NETWORK,
        ARG_PID,
        ARG_IPC,
        ARG_UTS,
        ARG_ADD_HOST,
        ARG_DNS,
        ARG_DNS_SEARCH,
        ARG_DNS_OPTION,
        ARG_ROOTFS,
        ARG_PULL,
        ARG_POD,
        ARG_POD_ID_FILE,
        ARG_HELP,
        ARG_RETRY,
        ARG_EXPOSE,
        ARG_HTTP_PROXY,
        ARG_HEALTH,
        ARG_NO_HEALTHCHECK,
        ARG_DEVICE,
        ARG_SUBUIDNAME,
        ARG_SUBGIDNAME,
        ARG_UNSUPPORTED,
};

static const struct option run_flag_options[] = {
        {"name", required_argument, NULL, ARG_NAME},
        {"rm", optional_argument, NULL, ARG_RM},
        {"detach", optional_argument, NULL, 'd'},
        {"interactive", optional_argument, NULL, 'i'},
        {"tty", optional_argument, NULL, 't'},
        {"replace", optional_argument, NULL, ARG_REPLACE},
        {"init", optional_argument, NULL, ARG_INIT},
        {"init-path", required_argument, NULL, ARG_INIT_PATH},
        {"restart", required_argument, NULL, ARG_RESTART},
        {"stop-signal", required_argument, NULL, ARG_STOP_SIGNAL},
        {"stop-timeout", required_argument, NULL, ARG_STOP_TIMEOUT},
        {"cidfile", required_argument, NULL, ARG_CIDFILE},
        {"sdnotify", required_argument, NULL, ARG_SDNOTIFY},
        {"log-driver", required_argument, NULL, ARG_LOG_DRIVER},
        {"log-opt", required_argument, NULL, ARG_LOG_OPT},
        {"label", required_argument, NULL, 'l'},
        {"annotation", required_argument, NULL, ARG_ANNOTATION},
        {"entrypoint", required_argument, NULL, ARG_ENTRYPOINT},
        {"env", required_argument, NULL, 'e'},
        {"env-file", required_argument, NULL, ARG_ENV_FILE},
        {"env-host", optional_argument, NULL, ARG_ENV_HOST},
        {"workdir", required_argument, NULL, 'w'},
        {"user", required_argument, NULL, 'u'},
        {"group-add", required_argument, NULL, ARG_GROUP_ADD},
        {"hostname", required_argument, NULL, 'h'},
        {"timezone", required_argument, NULL, ARG_TIMEZONE},
        {"volume", required_argument, NULL, 'v'},
        {"mount", required_argument, NULL, ARG_MOUNT},
        {"tmpfs", required_argument, NULL, ARG_TMPFS},
        {"read-only", optional_argument, NULL, ARG_READ_ONLY},
        {"read-only-tmpfs", optional_argument, NULL, ARG_READ_ONLY_TMPFS},
        {"shm-size", required_argument, NULL, ARG_SHM_SIZE},
        {"privileged", optional_argument, NULL, ARG_PRIVILEGED},
        {"cap-add", required_argument, NULL, ARG_CAP_ADD},
        {"cap-drop", required_argument, NULL, ARG_CAP_DROP},
        {"security-opt", required_argument, NULL, ARG_SECURITY_OPT},
        {"sysctl", required_argument, NULL, ARG_SYSCTL},
        {"userns", required_argument, NULL, ARG_USERNS},
        {"uidmap", required_argument, NULL, ARG_UIDMAP},
        {"gidmap", required_argument, NULL, ARG_GIDMAP},
        {"pids-limit", required_argument, NULL, ARG_PIDS_LIMIT},
        {"memory", required_argument, NULL, 'm'},
        {"cpus", required_argument, NULL, ARG_CPUS},
        {"cpu-shares", required_argument, NULL, 'c'},
        {"ulimit", required_argument, NULL, ARG_ULIMIT},
        {"cgroups", required_argument, NULL, ARG_CGROUPS},
        {"network", required_argument, NULL, ARG_NETWORK},
        {"net", required_argument, NULL, ARG_NETWORK},
        {"pid", required_argument, NULL, ARG_PID},
        {"ipc", required_argument, NULL, ARG_IPC},
        {"uts", required_argument, NULL, ARG_UTS},
        {"add-host", required_argument, NULL, ARG_ADD_HOST},
        {"dns", required_argument, NULL, ARG_DNS},
        {"dns-search", required_argument, NULL, ARG_DNS_SEARCH},
        {"dns-option", required_argument, NULL, ARG_DNS_OPTION},
        {"rootfs", no_argument, NULL, ARG_ROOTFS},
        {"pull", required_argument, NULL, ARG_PULL},
        {"pod", required_argument, NULL, ARG_POD},
        {"pod-id-file", required_argument, NULL, ARG_POD_ID_FILE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, ARG_HELP},
        /* Written by skiff-generator (docs/generator-flags.md in the generator's tree) */
        {"tz", required_argument, NULL, ARG_TIMEZONE},
        {"retry", required_argument, NULL, ARG_RETRY},
        {"retry-delay", required_argument, NULL, ARG_RETRY},
        {"expose", required_argument, NULL, ARG_EXPOSE},
        {"http-proxy", optional_argument, NULL, ARG_HTTP_PROXY},
        /* health checks (runtime/health.h) */
        {"health-cmd", required_argument, NULL, ARG_HEALTH},
        {"health-interval", required_argument, NULL, ARG_HEALTH},
        {"health-on-failure", required_argument, NULL, ARG_HEALTH},
        {"health-retries", required_argument, NULL, ARG_HEALTH},
        {"health-start-period", required_argument, NULL, ARG_HEALTH},
        {"health-timeout", required_argument, NULL, ARG_HEALTH},
        {"health-log-destination", required_argument, NULL, ARG_HEALTH},
        {"health-max-log-count", required_argument, NULL, ARG_HEALTH},
        {"health-max-log-size", required_argument, NULL, ARG_HEALTH},
        {"health-startup-cmd", required_argument, NULL, ARG_HEALTH},
        {"health-startup-interval", required_argument, NULL, ARG_HEALTH},
        {"health-startup-retries", required_argument, NULL, ARG_HEALTH},
        {"health-startup-success", required_argument, NULL, ARG_HEALTH},
        {"health-startup-timeout", required_argument, NULL, ARG_HEALTH},
        {"no-healthcheck", no_argument, NULL, ARG_NO_HEALTHCHECK},
        {"device", required_argument, NULL, ARG_DEVICE},
        {"subuidname", required_argument, NULL, ARG_SUBUIDNAME},
        {"subgidname", required_argument, NULL, ARG_SUBGIDNAME},
        /* podman flags whose effect skiff cannot give yet: refused by name, never ignored */
        {"publish", required_argument, NULL, 'p'},
        {"ip", required_argument, NULL, ARG_UNSUPPORTED},
        {"ip6", required_argument, NULL, ARG_UNSUPPORTED},
        {"network-alias", required_argument, NULL, ARG_UNSUPPORTED},
        {"secret", required_argument, NULL, ARG_UNSUPPORTED},
        {},
};

#define RUN_SHORT_OPTIONS "+de:ih:l:m:c:p:qtu:v:w:"

/* For `generate systemd --new`, which rewrites a recorded `skiff run|create` command line: how many
 * of the following arguments the option arg ("--name", "--name=x", "-d", "-dit", "-e") takes with it
 * (0 or 1), and its long name in ret_name (NULL for short options: the caller looks at the letters).
 * Returns -ENOENT for an unknown option. */
int cli_run_option_info(const char *arg, const char **ret_name) {
        if (startswith(arg, "--")) {
                const char *n = arg + 2, *eq = strchr(n, '=');
                size_t len = eq ? (size_t) (eq - n) : strlen(n);

                for (const struct option *o = run_flag_options; o->name; o++)
                        if (strlen(o->name) == len && strncmp(o->name, n, len) == 0) {
                                *ret_name = o->name;
                                return o->has_arg == required_argument && !eq ? 1 : 0;
                        }
                return -ENOENT;
        }
        if (arg[0] != '-' || !arg[1])
                return -ENOENT;
        /* a cluster of short options: the first that takes a value takes the rest, or the next arg */
        for (const char *p = arg + 1; *p; p++) {
                static const char shorts[] = RUN_SHORT_OPTIONS;
                const char *o = strchr(shorts + 1, *p); /* after getopt's '+' */

                if (!o || *p == ':')
                        return -ENOENT;
                *ret_name = NULL;
                if (o[1] == ':')
                        return p[1] ? 0 : 1;
        }
        return 0;
}

/* --health-NAME VALUE into HealthOptions (validated by the plan, health.c). */
static int set_health_option(HealthOptions *h, const char *name, const char *v) {
        const struct {
                const char *name;
                char **field;
        } table[] = {
                {"health-cmd", &h->cmd},
                {"health-interval", &h->interval},
                {"health-timeout", &h->timeout},
                {"health-retries", &h->retries},
                {"health-start-period", &h->start_period},
                {"health-on-failure", &h->on_failure},
                {"health-startup-cmd", &h->startup_cmd},
                {"health-startup-interval", &h->startup_interval},
                {"health-startup-retries", &h->startup_retries},
                {"health-startup-success", &h->startup_success},
                {"health-startup-timeout", &h->startup_timeout},
                {"health-log-destination", &h->log_destination},
                {"health-max-log-count", &h->max_log_count},
                {"health-max-log-size", &h->max_log_size},
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(table[i].name, name))
                        return set_str(table[i].field, v);
        return -EINVAL;
}

/* Parses run/create flags. Returns the index of the image argument in argv, or -1 after printing a
 * usage error, or 0 for --help (printed). */
static int parse_run_flags(const char *verb, int argc, char *argv[], RunOptions *o, RunExtras *x) {
        const struct option *options = run_flag_options;
        bool http_proxy = true;
        int option_index = -1;
        int c, r = 0;

        /* '+': options end at the image; what follows is the container's command line, untouched. */
        while ((c = getopt_long(argc, argv, RUN_SHORT_OPTIONS, options, &option_index)) >= 0) {
                switch (c) {
                case ARG_HELP:
                        run_help(verb);
                        return 0;
                case ARG_NAME:
                        r = set_str(&o->name, optarg);
                        break;
                case ARG_RM:
                        r = parse_bool_arg("--rm", optarg, &o->rm);
                        break;
                case 'd':
                        r = parse_bool_arg("--detach", optarg, &o->detach);
                        break;
                case 'i':
                        r = parse_bool_arg("--interactive", optarg, &o->interactive);
                        break;
                case 't':
                        r = parse_bool_arg("--tty", optarg, &o->tty);
                        break;
                case ARG_REPLACE:
                        r = parse_bool_arg("--replace", optarg, &o->replace);
                        break;
                case ARG_INIT:
                        r = parse_bool_arg("--init", optarg, &o->init);
                        break;
                case ARG_INIT_PATH:
                        r = set_str(&o->init_path, optarg);
                        break;
                case ARG_RESTART:
                        r = set_str(&o->restart, optarg);
                        break;
                case ARG_STOP_SIGNAL:
                        r = set_str(&o->stop_signal, optarg);
                        break;
                case ARG_STOP_TIMEOUT:
                        r = set_str(&o->stop_timeout, optarg);
                        break;
                case ARG_CIDFILE:
                        r = set_str(&o->cidfile, optarg);
                        break;
                case ARG_SDNOTIFY:
                        if (!IN_SET(0, strcmp(optarg, "conmon"), strcmp(optarg, "container"),
                                    strcmp(optarg, "healthy"), strcmp(optarg, "ignore"))) {
                                log_error("--sdnotify %s: expected conmon, container, healthy or ignore",
                                          optarg);
                                return -1;
                        }
                        r = set_str(&o->sdnotify, optarg);
                        break;
                case ARG_LOG_DRIVER:
                        if (log_driver_from_string(optarg) < 0) {
                                log_error("--log-driver %s: expected k8s-file, journald or none", optarg);
                                return -1;
                        }
                        r = set_str(&o->log_driver, optarg);
                        break;
                case ARG_LOG_OPT: {
                        const char *p = startswith(optarg, "path=");
                        if (p) {
                                if (*p != '/') {
                                        log_error("--log-opt %s: the path must be absolute", optarg);
                                        return -1;
                                }
                                r = set_str(&x->log_path, p);
                        } else if (!startswith(optarg, "max-size=") && !startswith(optarg, "tag=")) {
                                log_error(
                                        "--log-opt %s: supported: path=FILE (max-size= and tag= are accepted and ignored)",
                                        optarg);
                                return -1;
                        }
                        break;
                }
                case 'l':
                        r = strv_extend(&o->labels, optarg);
                        break;
                case ARG_ANNOTATION:
                        r = strv_extend(&o->annotations, optarg);
                        break;
                case ARG_ENTRYPOINT:
                        r = set_str(&o->entrypoint, optarg);
                        break;
                case 'e':
                        r = strv_extend(&o->env, optarg);
                        break;
                case ARG_ENV_FILE:
                        r = strv_extend(&o->env_files, optarg);
                        break;
                case ARG_ENV_HOST:
                        r = parse_bool_arg("--env-host", optarg, &o->env_host);
                        break;
                case 'w':
                        r = set_str(&o->workdir, optarg);
                        break;
                case 'u':
                        r = set_str(&o->user, optarg);
                        break;
                case ARG_GROUP_ADD:
                        r = strv_extend(&o->group_add, optarg);
                        break;
                case 'h':
                        r = set_str(&o->hostname, optarg);
                        break;
                case ARG_TIMEZONE:
                        r = set_str(&o->timezone, optarg);
                        break;
                case 'v':
                        r = strv_extend(&o->volumes, optarg);
                        break;
                case ARG_MOUNT:
                        r = strv_extend(&o->mounts, optarg);
                        break;
                case ARG_TMPFS:
                        r = strv_extend(&o->tmpfs, optarg);
                        break;
                case ARG_READ_ONLY:
                        r = parse_bool_arg("--read-only", optarg, &o->read_only);
                        break;
                case ARG_READ_ONLY_TMPFS: {
                        bool b;
                        r = parse_bool_arg("--read-only-tmpfs", optarg, &b);
                        if (r >= 0)
                                r = set_str(&o->read_only_tmpfs, b ? "true" : "false");
                        break;
                }
                case ARG_SHM_SIZE:
                        r = set_str(&o->shm_size, optarg);
                        break;
                case ARG_PRIVILEGED:
                        r = parse_bool_arg("--privileged", optarg, &o->privileged);
                        break;
                case ARG_CAP_ADD:
                        r = strv_extend(&o->cap_add, optarg);
                        break;
                case ARG_CAP_DROP:
                        r = strv_extend(&o->cap_drop, optarg);
                        break;
                case ARG_SECURITY_OPT:
                        r = strv_extend(&o->security_opts, optarg);
                        break;
                case ARG_SYSCTL:
                        r = strv_extend(&o->sysctls, optarg);
                        break;
                case ARG_USERNS:
                        r = set_str(&o->userns, optarg);
                        break;
                case ARG_UIDMAP:
                        r = strv_extend(&o->uidmap, optarg);
                        break;
                case ARG_GIDMAP:
                        r = strv_extend(&o->gidmap, optarg);
                        break;
                case ARG_PIDS_LIMIT:
                        r = set_str(&o->pids_limit, optarg);
                        break;
                case 'm':
                        r = set_str(&o->memory, optarg);
                        break;
                case ARG_CPUS:
                        r = set_str(&o->cpus, optarg);
                        break;
                case 'c':
                        r = set_str(&o->cpu_shares, optarg);
                        break;
                case ARG_ULIMIT:
                        r = strv_extend(&o->ulimits, optarg);
                        break;
                case ARG_CGROUPS:
                        r = set_str(&o->cgroups, optarg);
                        break;
                case ARG_NETWORK:
                        r = set_str(&o->network, optarg);
                        break;
                case ARG_PID:
                        r = set_str(&o->pid, optarg);
                        break;
                case ARG_IPC:
                        r = set_str(&o->ipc, optarg);
                        break;
                case ARG_UTS:
                        r = set_str(&o->uts, optarg);
                        break;
                case ARG_ADD_HOST:
                        r = strv_extend(&o->add_hosts, optarg);
                        break;
                case ARG_DNS:
                        r = strv_extend(&o->dns, optarg);
                        break;
                case ARG_DNS_SEARCH:
                        r = strv_extend(&o->dns_search, optarg);
                        break;
                case ARG_DNS_OPTION:
                        r = strv_extend(&o->dns_options, optarg);
                        break;
                case ARG_ROOTFS:
                        x->rootfs = true;
                        break;
                case ARG_PULL:
                        if (!IN_SET(0, strcmp(optarg, "never"), strcmp(optarg, "missing"),
                                    strcmp(optarg, "always"), strcmp(optarg, "newer"))) {
                                log_error("--pull %s: expected always, missing, never or newer", optarg);
                                return -1;
                        }
                        r = set_str(&x->pull, optarg);
                        break;
                case ARG_POD:
                case ARG_POD_ID_FILE:
                        x->pod_is_file = c == ARG_POD_ID_FILE;
                        r = set_str(&x->pod, optarg);
                        break;
                case 'q':
                        x->quiet = true;
                        break;
                case ARG_RETRY:
                        /* pull retries: skiff run does not pull */
                        break;
                case ARG_EXPOSE:
                        /* metadata in podman (no port is opened): nothing to do without a network */
                        break;
                case ARG_HTTP_PROXY:
                        r = parse_bool_arg("--http-proxy", optarg, &http_proxy);
                        break;
                case ARG_HEALTH:
                        r = set_health_option(&o->health, options[option_index].name, optarg);
                        break;
                case ARG_NO_HEALTHCHECK:
                        o->health.disabled = true;
                        break;
                case ARG_DEVICE:
                        r = strv_extend(&o->devices, optarg);
                        break;
                case ARG_SUBUIDNAME:
                        r = set_str(&o->subuidname, optarg);
                        break;
                case ARG_SUBGIDNAME:
                        r = set_str(&o->subgidname, optarg);
                        break;
                case 'p':
                        log_error("%s: --publish %s: publishing ports is not supported yet", verb, optarg);
                        return -1;
                case ARG_UNSUPPORTED:
                        log_error("%s: --%s %s: not supported yet", verb,
                                  option_index >= 0 ? options[option_index].name : "?", optarg);
                        return -1;
                default:
                        fprintf(stderr, "See 'skiff %s --help'.\n", verb);
                        return -1;
                }
                option_index = -1;
                if (r < 0) {
                        if (r == -ENOMEM)
                                log_oom();
                        return -1;
                }
        }
        if (optind >= argc) {
                log_error("%s: an image is required (skiff %s [OPTIONS] IMAGE [COMMAND...])", verb, verb);
                return -1;
        }
        if (http_proxy) {
                /* podman's default (--http-proxy=true): the caller's proxy settings go into the
                 * container, before -e so that -e wins. "-e NAME" takes NAME from our environment. */
                static const char *const proxies[] = {"http_proxy", "https_proxy", "ftp_proxy", "no_proxy",
                                                      "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY"};
                char **l = NULL;
                for (size_t i = 0; i < ELEMENTSOF(proxies); i++)
                        if (getenv(proxies[i]) && strv_extend(&l, proxies[i]) < 0) {
                                strv_free(l);
                                log_oom();
                                return -1;
                        }
                STRV_FOREACH(e, o->env)
                        if (strv_extend(&l, *e) < 0) {
                                strv_free(l);
                                log_oom();
                                return -1;
                        }
                strv_free(o->env);
                o->env = l;
        }
        return optind;
}

int cli_image_info(SkiffContext *ctx, const char *ref, bool rootfs, ImageInfo *ret, char **ret_error) {
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        int r;

        if (rootfs) {
                char *p = realpath(ref, NULL);
                if (!p) {
                        r = -errno;
                        (void) asprintf(ret_error, "--rootfs %s: %s", ref, strerror(-r));
                        return r;
                }
                *ret = (ImageInfo){.rootfs = p, .name = strdup(ref)};
                return ret->name ? 0 : -ENOMEM;
        }
        r = image_store_open(ctx->paths.root, 0, &s, ret_error);
        if (r < 0)
                return r;
        return cli_image_info_in(s, ref, ret, ret_error);
}

int cli_image_info_in(ImageStore *s, const char *ref, ImageInfo *ret, char **ret_error) {
        _cleanup_(store_image_freep) StoreImage *img = NULL;
        ImageInfo i = {};
        int r;

        r = image_store_lookup(s, ref, &img, ret_error);
        if (r == -ENOENT || r == -EOPNOTSUPP) {
                free(*ret_error);
                *ret_error = NULL;
                (void) asprintf(ret_error, "%s: image not known%s", ref,
                                r == -EOPNOTSUPP ? " (the image store cannot look images up yet)" : "");
                return -ENOENT;
        }
        if (r < 0)
                return r;
        if (asprintf(&i.id, "sha256:%s", img->id) < 0)
                return -ENOMEM;
        i.name = strdup(ref);
        r = strv_copy(img->layer_dirs, &i.layer_dirs);
        if (r >= 0 && img->volumes)
                r = strv_copy(img->volumes, &i.volumes);
        if (r >= 0 && img->config) {
                ImageConfig *c = img->config;
                if (c->entrypoint)
                        r = strv_copy(c->entrypoint, &i.entrypoint);
                if (r >= 0 && c->cmd)
                        r = strv_copy(c->cmd, &i.cmd);
                if (r >= 0 && c->env)
                        r = strv_copy(c->env, &i.env);
                if (r >= 0 && c->exposed_ports)
                        r = strv_copy(c->exposed_ports, &i.exposed_ports);
                for (char **kv = c->labels; r >= 0 && kv && kv[0] && kv[1]; kv += 2)
                        r = strv_extendf(&i.labels, "%s=%s", kv[0], kv[1]);
                if (c->user)
                        i.user = strdup(c->user);
                if (c->working_dir)
                        i.workdir = strdup(c->working_dir);
                if (c->stop_signal)
                        i.stop_signal = strdup(c->stop_signal);
                if (r >= 0 && c->health_test) {
                        r = strv_copy(c->health_test, &i.health_test);
                        i.health_interval_ns = c->health_interval_ns;
                        i.health_timeout_ns = c->health_timeout_ns;
                        i.health_start_period_ns = c->health_start_period_ns;
                        i.health_retries = c->health_retries;
                }
        }
        if (r < 0 || !i.name) {
                image_info_done(&i);
                return -ENOMEM;
        }
        *ret = i;
        return 0;
}

static int signal_from_plan(const ContainerPlan *p) {
        return p->stop_signal > 0 ? p->stop_signal : SIGTERM;
}

/* Stops (if needed) and removes a container, for --replace and rm -f. */
int cli_container_force_remove(ContainerStore *store, const char *id, int timeout, char **ret_error) {
        int r;

        r = container_stop(store, id, timeout, ret_error);
        if (r < 0 && r != -ESRCH)
                return r;
        return container_destroy(store, id, ret_error);
}

static int write_cidfile(const char *path, const char *id) {
        _cleanup_close_ int fd = -EBADF;

        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (write(fd, id, strlen(id)) != (ssize_t) strlen(id))
                return -EIO;
        return 0;
}

/* Creates the container record. Returns 0 with the id, or an exit status (> 0) after printing the
 * error. Nothing is left behind on failure. */
static int container_create_from_flags(SkiffContext *ctx, ContainerStore *store, const char *verb, int argc,
                                       char *argv[], RunOptions *o, RunExtras *x, int image_idx,
                                       char ret_id[static CONTAINER_ID_LEN + 1]) {
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_container_plan_ ContainerPlan *plan = NULL;
        _cleanup_free_ char *err = NULL, *plan_json = NULL;
        _cleanup_strv_free_ char **new_volumes = NULL;
        const char *image = argv[image_idx];
        ImageInfo info = {};
        char id[CONTAINER_ID_LEN + 1], holder[CONTAINER_ID_LEN + 1], pod_id[POD_ID_LEN + 1] = "";
        int r;

        if (x->pull && streq(x->pull, "always")) {
                log_error("%s %s: --pull=always: pulling is not available here; use 'skiff pull' first",
                          verb, image);
                return 125;
        }
        r = cli_image_info(ctx, image, x->rootfs, &info, &err);
        if (r < 0) {
                log_error("%s: %s", verb, err ?: strerror(-r));
                return 125;
        }
        r = strv_copy(argv + image_idx + 1, &o->command);
        if (r < 0)
                goto oom;
        /* Named volumes become binds of their _data (made and filled on first use). */
        r = cli_volumes_resolve(ctx, verb, o, &info, &new_volumes);
        if (r < 0)
                goto fail;
        r = container_id_generate(id);
        if (r < 0) {
                log_error_errno(r, "%s %s: generate an id: %m", verb, image);
                goto fail;
        }
        o->id = strdup(id);
        if (!o->id)
                goto oom;
        if (o->name && !container_name_is_valid(o->name)) {
                log_error(
                        "%s: --name %s: invalid name (letters, digits, '_', '.', '-'; starting with a letter or digit)",
                        verb, o->name);
                r = -EINVAL;
                goto fail;
        }
        if (!o->name) {
                r = container_name_generate(&o->name);
                if (r < 0)
                        goto oom;
        }
        if (o->cidfile && access(o->cidfile, F_OK) == 0) {
                log_error("%s: --cidfile %s: the file exists; another container may be using it", verb,
                          o->cidfile);
                r = -EEXIST;
                goto fail;
        }

        if (x->pod) {
                r = cli_pod_join(ctx, x->pod, x->pod_is_file, o, pod_id, &err);
                if (r < 0) {
                        log_error("%s: %s", verb, err ?: strerror(-r));
                        goto fail;
                }
        }
        r = container_plan_build(o, &info, &ctx->paths, &plan, &err);
        if (r < 0) {
                log_error("%s %s: %s", verb, image, err ?: strerror(-r));
                goto fail;
        }
        r = container_plan_to_string(plan, &plan_json);
        if (r < 0) {
                log_error_errno(r, "%s %s: store the plan: %m", verb, image);
                goto fail;
        }

        /* --replace: only now, when the new container is known to be valid, the old one goes. */
        if (o->replace && container_lookup(store, o->name, holder) >= 0) {
                _cleanup_free_ char *rerr = NULL;
                _cleanup_(container_config_freep) ContainerConfig *old = NULL;

                /* lookup also matches id prefixes: only a container of exactly this name is replaced */
                if (container_config_load(store, holder, &old) >= 0 && streq(old->name, o->name)) {
                        r = cli_container_force_remove(store, holder, -1, &rerr);
                        if (r < 0 && r != -ENOENT) {
                                log_error("%s: --replace: remove container %s (%.12s): %s", verb, o->name,
                                          holder, rerr ?: strerror(-r));
                                goto fail;
                        }
                }
        }

        cfg = calloc(1, sizeof(*cfg));
        if (!cfg)
                goto oom;
        memcpy(cfg->id, id, sizeof(id));
        cfg->name = strdup(o->name);
        cfg->image = strdup(image);
        cfg->image_id = info.id ? strdup(info.id) : NULL;
        cfg->plan_json = TAKE_PTR(plan_json);
        if (!cfg->name || !cfg->image)
                goto oom;
        if (strv_copy(plan->labels ?: o->labels, &cfg->labels) < 0
            || strv_copy(plan->annotations ?: o->annotations, &cfg->annotations) < 0)
                goto oom;
        r = strv_extend(&cfg->create_argv, "skiff");
        for (int i = 0; r >= 0 && i < argc; i++)
                r = strv_extend(&cfg->create_argv, argv[i]);
        if (r < 0)
                goto oom;
        {
                char now[40];
                cfg->created_at = strdup(rfc3339_nanos_now(now, sizeof(now)));
        }
        cfg->restart = (RestartPolicy) plan->restart;
        cfg->restart_max = plan->restart_max_retries;
        cfg->log_driver = (LogDriver) plan->log_driver;
        cfg->log_path = x->log_path ? strdup(x->log_path) : NULL;
        cfg->auto_remove = o->rm;
        cfg->stop_signal = signal_from_plan(plan);
        cfg->stop_timeout = plan->stop_timeout;
        cfg->sdnotify = o->sdnotify ? strdup(o->sdnotify) : NULL;
        cfg->pod_id = x->pod ? strdup(pod_id) : NULL;

        r = container_create(store, cfg, &err);
        if (r < 0) {
                log_error("%s %s: %s", verb, image, err ?: strerror(-r));
                goto fail;
        }
        if (o->cidfile) {
                r = write_cidfile(o->cidfile, id);
                if (r < 0) {
                        log_error_errno(r, "%s: --cidfile %s: %m", verb, o->cidfile);
                        (void) container_destroy(store, id, NULL);
                        goto fail;
                }
        }
        image_info_done(&info);
        memcpy(ret_id, id, sizeof(id));
        return 0;
oom:
        r = log_oom();
fail:
        cli_volumes_undo(ctx, new_volumes);
        image_info_done(&info);
        return 125;
}

static int verb_run_or_create(SkiffContext *ctx, int argc, char *argv[], bool run) {
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        _cleanup_free_ char *err = NULL;
        RunOptions o = {};
        RunExtras x = {};
        char id[CONTAINER_ID_LEN + 1];
        const char *verb = argv[0];
        int idx, r, ret;

        idx = parse_run_flags(verb, argc, argv, &o, &x);
        if (idx <= 0) {
                run_options_done(&o);
                run_extras_done(&x);
                return idx == 0 ? 0 : 125;
        }
        if (ctx->paths_error < 0) {
                log_error_errno(ctx->paths_error, "%s: cannot determine skiff's directories: %m", verb);
                ret = 125;
                goto out;
        }
        r = container_store_open(&ctx->paths, &store);
        if (r < 0) {
                log_error_errno(r, "%s: open the container store under %s: %m", verb, ctx->paths.root);
                ret = 125;
                goto out;
        }
        ret = container_create_from_flags(ctx, store, verb, argc, argv, &o, &x, idx, id);
        if (ret != 0)
                goto out;
        if (!run) {
                printf("%s\n", id);
                goto out;
        }

        if (o.detach) {
                MonitorLaunchResult res;

                r = monitor_launch(&ctx->paths, id, cli_monitor_helper(), &res, &err);
                if (r < 0) {
                        log_error("%s %s: %s", verb, argv[idx], err ?: strerror(-r));
                        (void) container_destroy(store, id, NULL);
                        if (o.cidfile)
                                (void) unlink(o.cidfile);
                        ret = res.exit_class ?: 125;
                        goto out;
                }
                printf("%s\n", id);
                ret = 0;
                goto out;
        }

        MonitorAttach a = {
                .tty = o.tty,
                .interactive = o.interactive,
                .stdin_fd = STDIN_FILENO,
                .stdout_fd = STDOUT_FILENO,
                .stderr_fd = STDERR_FILENO,
        };
        int class;
        fflush(stdout);
        r = monitor_run_attached(&ctx->paths, id, &a, &class, &err);
        if (r < 0) {
                if (class == 0)
                        log_error_errno(r, "%s %s: %m", verb, argv[idx]);
                else
                        log_error("%s %s: %s", verb, argv[idx], err ?: strerror(-r));
                (void) container_destroy(store, id, NULL);
                if (o.cidfile)
                        (void) unlink(o.cidfile);
                ret = class ?: 125;
                goto out;
        }
        ret = r;
        if (o.rm) {
                _cleanup_free_ char *rerr = NULL;
                r = container_destroy(store, id, &rerr);
                if (r < 0 && r != -ENOENT)
                        log_warning("%s: remove container %.12s: %s", verb, id, rerr ?: strerror(-r));
        }
out:
        run_options_done(&o);
        run_extras_done(&x);
        return ret;
}

int verb_run(SkiffContext *ctx, int argc, char *argv[]) {
        return verb_run_or_create(ctx, argc, argv, true);
}

int verb_create(SkiffContext *ctx, int argc, char *argv[]) {
        return verb_run_or_create(ctx, argc, argv, false);
}

int verb_start(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"attach", no_argument, NULL, 'a'},
                {"interactive", no_argument, NULL, 'i'},
                {},
        };
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        bool attach = false, interactive = false;
        int c, r, ret = 0;

        while ((c = getopt_long(argc, argv, "+hai", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff start [OPTIONS] CONTAINER...\n\n"
                               "Start created or exited containers (in the background unless --attach).\n\n"
                               "  -a, --attach       Attach to the container's output; exit with its status\n"
                               "  -i, --interactive  With --attach, keep stdin open\n"
                               "  -h, --help         Show this help\n");
                        return 0;
                case 'a':
                        attach = true;
                        break;
                case 'i':
                        interactive = true;
                        break;
                default:
                        fputs("See 'skiff start --help'.\n", stderr);
                        return 125;
                }
        if (optind >= argc) {
                log_error("start: at least one container is required");
                return 125;
        }
        if (attach && argc - optind > 1) {
                log_error("start: --attach takes one container");
                return 125;
        }
        r = cli_open_store(ctx, "start", &store);
        if (r < 0)
                return 125;
        for (int i = optind; i < argc; i++) {
                _cleanup_free_ char *err = NULL;
                char id[CONTAINER_ID_LEN + 1];
                ContainerState st = {};

                r = cli_lookup(store, "start", argv[i], id);
                if (r < 0) {
                        ret = 125;
                        continue;
                }
                r = container_state_load(store, id, &st);
                if (r >= 0 && IN_SET(st.status, CONTAINER_STATUS_RUNNING, CONTAINER_STATUS_STOPPING)) {
                        container_state_done(&st);
                        if (!attach)
                                printf("%s\n", argv[i]);
                        continue;
                }
                if (r >= 0 && st.status == CONTAINER_STATUS_REMOVING) {
                        container_state_done(&st);
                        log_error("start %s: the container is being removed; run 'skiff rm %s' to finish",
                                  argv[i], argv[i]);
                        ret = 125;
                        continue;
                }
                container_state_done(&st);
                if (attach) {
                        MonitorAttach a = {.interactive = interactive,
                                           .stdin_fd = STDIN_FILENO,
                                           .stdout_fd = STDOUT_FILENO,
                                           .stderr_fd = STDERR_FILENO};
                        int class;
                        r = monitor_run_attached(&ctx->paths, id, &a, &class, &err);
                        if (r < 0) {
                                log_error("start %s: %s", argv[i], err ?: strerror(-r));
                                return class ?: 125;
                        }
                        return r;
                }
                MonitorLaunchResult res;
                r = monitor_launch(&ctx->paths, id, cli_monitor_helper(), &res, &err);
                if (r < 0) {
                        log_error("start %s: %s", argv[i], err ?: strerror(-r));
                        ret = res.exit_class ?: 125;
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        return ret;
}
