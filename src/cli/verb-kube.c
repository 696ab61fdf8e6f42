/* skiff kube …: Kubernetes YAML in and out. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/verbs.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strv.h"
#include "play/kube-model.h"
#include "play/kube-plan.h"

/* Larger than any YAML a person writes; bounds memory for a mistaken `skiff kube play /dev/zero`. */
#define INPUT_MAX (64u * 1024u * 1024u)

static void kube_usage(FILE *f) {
        fputs("Usage: skiff kube COMMAND [OPTIONS]\n"
              "\n"
              "Kubernetes YAML: Pod, Deployment, ConfigMap, Secret, PersistentVolumeClaim.\n"
              "\n"
              "Commands:\n"
              "  play       Check Kubernetes YAML and show (--dry-run) the pods it describes\n"
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
        log_error("kube: unknown command '%s'. See 'skiff kube --help'.", argv[1]);
        return 1;
}

static void play_usage(FILE *f) {
        fputs("Usage: skiff kube play [OPTIONS] FILE...|-\n"
              "\n"
              "Read Kubernetes YAML (several documents, `kind: List`, several files, or - for standard input),\n"
              "check it against Kubernetes' validation rules, and report every problem as\n"
              "FILE:LINE:COLUMN: FIELD.PATH: MESSAGE.\n"
              "\n"
              "Options:\n"
              "      --dry-run           Print the plan (containers, argv rule, resolved env, mounts,\n"
              "                          ports, security, resources) instead of running it\n"
              "      --configmap FILE    Also read ConfigMaps from FILE (repeatable, or comma-separated)\n"
              "      --format FORMAT     Plan output: text (default) or json\n"
              "      --show-secrets      Show Secret values in the plan instead of \"(secret)\"\n"
              "  -q, --quiet             Print errors only, not warnings\n"
              "  -h, --help              Show this help\n"
              "\n"
              "Exit status: 0 when the input is valid (with --dry-run), 1 when it is not or on a usage error,\n"
              "125 when skiff itself fails (without --dry-run: this build cannot run pods yet).\n",
              f);
}

static int read_input(const char *arg, char **ret, size_t *ret_size) {
        if (streq(arg, "-"))
                return read_full_stream(stdin, INPUT_MAX, ret, ret_size);
        return read_full_file_at(AT_FDCWD, arg, INPUT_MAX, ret, ret_size);
}

static int load_file(KubeSet *set, const char *arg, bool configmap, DiagList *diags) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r;

        r = read_input(arg, &text, &size);
        if (r == -EFBIG)
                return log_error_errno(r, "Failed to read '%s': larger than %u MiB", arg, INPUT_MAX / 1024 / 1024);
        if (r < 0)
                return log_error_errno(r, "Failed to read '%s': %m", arg);
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

int verb_kube_play(SkiffContext *ctx, int argc, char *argv[]) {
        enum { ARG_DRY_RUN = 0x100, ARG_CONFIGMAP, ARG_FORMAT, ARG_SHOW_SECRETS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "configmap", required_argument, NULL, ARG_CONFIGMAP },
                { "format", required_argument, NULL, ARG_FORMAT },
                { "show-secrets", no_argument, NULL, ARG_SHOW_SECRETS },
                { "quiet", no_argument, NULL, 'q' },
                {},
        };
        _cleanup_(kube_set_freep) KubeSet *set = NULL;
        _cleanup_strv_free_ char **configmaps = NULL;
        _cleanup_(json_object_putp) json_object *plan = NULL;
        DiagList diags = DIAG_LIST_INIT;
        bool dry_run = false, json = false, quiet = false, failed = false, unreadable = false;
        PlanOptions popts = {};
        PlanHost host;
        char hostname[256];
        int c, r;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        play_usage(stdout);
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case ARG_DRY_RUN:
                        dry_run = true;
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

        set = kube_set_new();
        if (!set)
                return log_oom(), 125;
        /* Read everything first, so every problem in every file is reported at once. A syntax error
         * stops that file only. */
        STRV_FOREACH(f, configmaps) {
                r = load_file(set, *f, true, &diags);
                if (r == -ENOMEM)
                        goto finish_oom;
                if (r < 0)
                        failed = true;
                if (r != -EINVAL && r < 0)
                        unreadable = true;
        }
        for (int i = optind; i < argc; i++) {
                r = load_file(set, argv[i], false, &diags);
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
                r = kube_set_validate(set, &diags);
                if (r == -ENOMEM)
                        goto finish_oom;
                if (r < 0)
                        failed = true;
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
                        _cleanup_free_ char *inputs = strv_join(argv + optind, ", ");
                        log_error("kube play: no Pod, Deployment or PersistentVolumeClaim in %s (ConfigMaps and "
                                  "Secrets are only used by the pods that refer to them)",
                                  inputs ? (streq(inputs, "-") ? "<stdin>" : inputs) : "the input");
                        return 1;
                }
        }

        if (!dry_run) {
                log_error("kube play: this build of skiff checks and plans pods but cannot run them yet (the "
                          "runtime lands with the runtime and pod issues); use --dry-run to see the plan");
                return 125;
        }

        host_facts(&host, hostname, sizeof(hostname));
        r = kube_plan_build(set, &host, &popts, &plan);
        if (r < 0)
                return log_error_errno(r, "Failed to build the plan: %m"), 125;
        if (json)
                printf("%s\n", json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
        else
                kube_plan_print(plan, stdout);
        return 0;

finish_oom:
        diag_list_done(&diags);
        log_oom();
        return 125;
}
