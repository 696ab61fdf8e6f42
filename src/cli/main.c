/* The `skiff` command: global options, then one verb. The only code that prints to the user. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/verbs.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/strv.h"
#include "config.h"

typedef struct Verb {
        const char *name;
        const char *summary;
        int (*run)(SkiffContext *ctx, int argc, char *argv[]);
} Verb;

static int verb_version(SkiffContext *ctx, int argc, char *argv[]);
static int verb_help(SkiffContext *ctx, int argc, char *argv[]);
static int verb_play(SkiffContext *ctx, int argc, char *argv[]);

static const Verb verbs[] = {
        { "kube", "Check and plan Kubernetes YAML (kube play)", verb_kube },
        { "play", "Alias: `skiff play kube` is `skiff kube play`", verb_play },
        { "pod", "Manage pods: ps, inspect, start, stop, rm, logs", verb_pod },
        { "run", "Run a command in a new container", verb_run },
        { "create", "Create a container without starting it", verb_create },
        { "start", "Start containers", verb_start },
        { "stop", "Stop running containers", verb_stop },
        { "rm", "Remove containers", verb_rm },
        { "ps", "List containers", verb_ps },
        { "logs", "Show a container's output", verb_logs },
        { "inspect", "Show containers' configuration and state (JSON)", verb_inspect },
        { "exec", "Run a command in a running container", verb_exec },
        { "kill", "Send a signal to containers", verb_kill },
        { "wait", "Wait for containers to exit; print their exit codes", verb_wait },
        { "pull", "Pull images from a registry", verb_pull },
        { "image", "Manage images: ls, inspect, load, save, tag, rm, prune, pull", verb_image },
        { "images", "List images (skiff image ls)", verb_images },
        { "volume", "Manage named volumes: create, ls, inspect, rm, prune", verb_volume },
        { "version", "Show the version", verb_version },
        { "help", "Show this help", verb_help },
        { "generate", "Generate systemd units for containers and pods (generate systemd)", verb_generate },
        { "healthcheck", "Run a container's health check (healthcheck run)", verb_healthcheck },
};

static void usage(FILE *f) {
        fputs("Usage: skiff [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS...]\n"
              "\n"
              "Run Kubernetes Pod YAML as pods on this host, supervised by systemd.\n"
              "\n"
              "Commands:\n",
              f);
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
        fputs("\n"
              "Global options:\n"
              "  -h, --help             Show this help\n"
              "      --version          Show the version\n"
              "      --log-level LEVEL  error, warn, info or debug (default: warn)\n"
              "      --root DIR         Storage root (images, volumes; default /var/lib/skiff,\n"
              "                         or ~/.local/share/skiff when rootless)\n"
              "      --runroot DIR      Runtime state (default /run/skiff or $XDG_RUNTIME_DIR/skiff)\n"
              "      --module FILE      Load a containers.conf module (checked; no setting is used yet)\n"
              "\n"
              "Run 'skiff COMMAND --help' for a command's options.\n",
              f);
}

static int verb_version(SkiffContext *ctx, int argc, char *argv[]) {
        if (argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: skiff version\n\nShow the version of skiff.\n");
                return 0;
        }
        if (argc > 1) {
                log_error("version: unexpected argument '%s'", argv[1]);
                return 1;
        }
        printf("skiff version %s\n", SKIFF_VERSION);
        return 0;
}

static int verb_help(SkiffContext *ctx, int argc, char *argv[]) {
        usage(stdout);
        return 0;
}

static int verb_play(SkiffContext *ctx, int argc, char *argv[]) {
        /* podman's older spelling, `play kube`, kept so scripts written for podman work. */
        if (argc > 1 && streq(argv[1], "kube"))
                return verb_kube_play(ctx, argc - 1, argv + 1);
        if (argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: skiff play kube [OPTIONS] FILE...|-\n\nAlias of 'skiff kube play'.\n");
                return 0;
        }
        log_error("play: expected 'kube' (skiff play kube FILE), got %s%s%s", argc > 1 ? "'" : "",
                  argc > 1 ? argv[1] : "nothing", argc > 1 ? "'" : "");
        return 1;
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_LOG_LEVEL, ARG_ROOT, ARG_RUNROOT, ARG_MODULE };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "root", required_argument, NULL, ARG_ROOT },
                { "runroot", required_argument, NULL, ARG_RUNROOT },
                { "module", required_argument, NULL, ARG_MODULE },
                {},
        };
        const char *root = NULL, *runroot = NULL;
        _cleanup_strv_free_ char **modules = NULL; /* --module, repeatable */
        bool version = false;
        SkiffContext ctx = {};
        int c, r;

        log_set_prefix("skiff");
        /* '+': stop at the verb, its options are its own. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        usage(stdout);
                        return 0;
                case ARG_VERSION:
                        version = true;
                        break;
                case ARG_LOG_LEVEL:
                        r = log_level_from_string(optarg);
                        if (r < 0) {
                                log_error("invalid --log-level '%s': use error, warn, info or debug", optarg);
                                return 1;
                        }
                        log_set_max_level(r);
                        break;
                case ARG_ROOT:
                        root = optarg;
                        break;
                case ARG_RUNROOT:
                        runroot = optarg;
                        break;
                case ARG_MODULE:
                        if (strv_extend(&modules, optarg) < 0)
                                return log_oom(), 125;
                        break;
                default:
                        /* getopt printed what was wrong */
                        fputs("See 'skiff --help'.\n", stderr);
                        return 1;
                }
        }
        if (version) {
                printf("skiff version %s\n", SKIFF_VERSION);
                return 0;
        }
        if (optind >= argc) {
                usage(stderr);
                return 1;
        }
        if (cli_load_modules(modules) < 0)
                return 125;
        /* Only verbs that touch storage need the directories; they check ctx.paths_error. Planning and
         * help must work for a user without HOME or XDG_RUNTIME_DIR. */
        ctx.root_arg = root;
        ctx.runroot_arg = runroot;
        ctx.paths_error = skiff_paths_init(&ctx.paths, root, runroot);
        if (ctx.paths_error < 0)
                log_debug_errno(ctx.paths_error, "Cannot determine skiff's directories: %m");
        r = -1;
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, argv[optind])) {
                        int first = optind;

                        optind = 0; /* the verb parses its own argv with getopt from the start */
                        r = verbs[i].run(&ctx, argc - first, argv + first);
                        break;
                }
        if (r < 0) {
                log_error("unknown command '%s'. See 'skiff --help'.", argv[optind]);
                r = 1;
        }
        skiff_paths_done(&ctx.paths);
        return r;
}
