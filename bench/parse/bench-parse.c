/* SPDX-License-Identifier: Apache-2.0 */
/* bench-parse: times kube_set_load() and kube_set_validate() on one YAML stream, in-process.
 *
 *   bench-parse [--iterations N] [--warmup N] FILE   N timed iterations (default 30, after 3 warm-ups):
 *                                                    min and median wall time of load, validate, both
 *   bench-parse --once FILE                          one load+validate, then the peak RSS (ru_maxrss),
 *                                                    kept apart so the timing loop's heap does not count
 *   --plan                                           also the rest of `skiff kube play --dry-run`: build
 *                                                    the plan, print it (to /dev/null), free it
 *
 * Each iteration is a fresh KubeSet: load, validate, free (free is timed too, shown apart). The input
 * must validate with no error, else the figures would time an early exit: exit status 1.
 *
 * The timing mode also breaks load down, with as many iterations again of each: libyaml's event parser
 * alone (the floor any libyaml-based loader pays), and ystream_load() alone (events plus the node tree);
 * load minus the tree is decoding into the typed model.
 *
 * Output is a readable report plus one "BENCH key=value ..." line for scripts (bench/parse/run.sh).
 * Run by hand, never from CI: see bench/parse/run.sh and docs/performance.md. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/diag.h"
#include "common/fileio.h"
#include "common/macro.h"
#include "play/kube-model.h"
#include "play/kube-plan.h"
#include "play/yaml-node.h"

#include <yaml.h>

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) {
        qsort(v, n, sizeof(double), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double minimum(const double *v, size_t n) {
        double m = v[0];
        for (size_t i = 1; i < n; i++)
                m = MIN(m, v[i]);
        return m;
}

/* A field of /proc/self/status in KiB ("VmHWM", "VmRSS"), or -1. */
static long proc_status_kib(const char *field) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        size_t l = strlen(field);

        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, field, l) == 0 && line[l] == ':')
                        return strtol(line + l + 1, NULL, 10);
        return -1;
}

static bool arg_plan = false;

/* The timed series, and their names in the BENCH line. */
enum {
        S_LOAD,
        S_VALIDATE,
        S_BOTH,
        S_FREE,
        S_EVENTS,
        S_TREE,
        S_PLAN,
        S_PRINT,
        S_PLAN_FREE,
        _S_MAX,
};
static const char *const series_names[_S_MAX] = {
        [S_LOAD] = "load",   [S_VALIDATE] = "validate", [S_BOTH] = "total", [S_FREE] = "free",
        [S_EVENTS] = "events", [S_TREE] = "tree",       [S_PLAN] = "plan",  [S_PRINT] = "print",
        [S_PLAN_FREE] = "plan_free",
};

typedef struct Run {
        double load_ms, validate_ms, free_ms;
        double plan_ms, print_ms, plan_free_ms; /* --plan */
        size_t n_objects, n_nodes, n_warnings;
        size_t arena_yaml, arena_model; /* bytes handed out by the arenas */
        size_t heap_in_use;             /* malloc'd bytes in use after validation (mallinfo2) */
} Run;

static void print_diags(const DiagList *d, size_t max) {
        for (size_t i = 0, shown = 0; i < d->n && shown < max; i++) {
                _cleanup_free_ char *s = NULL;

                if (d->items[i].severity != DIAG_ERROR)
                        continue;
                s = diag_format(&d->items[i]);
                fprintf(stderr, "  %s\n", s ?: "(out of memory)");
                shown++;
        }
}

/* One load+validate+free. Returns 0, or 1 when the input has errors (the bench is then meaningless). */
static int run_once(const char *text, size_t len, const char *file, Run *ret) {
        DiagList diags = DIAG_LIST_INIT;
        KubeSet *set;
        double t0, t1, t2, t3;
        int rl, rv = 0;

        set = kube_set_new();
        if (!set) {
                fprintf(stderr, "bench-parse: out of memory\n");
                return 1;
        }
        t0 = now_ms();
        rl = kube_set_load(set, text, len, file, false, &diags);
        t1 = now_ms();
        if (rl >= 0)
                rv = kube_set_validate(set, &diags);
        t2 = now_ms();

        *ret = (Run) {
                .load_ms = t1 - t0,
                .validate_ms = t2 - t1,
                .n_objects = set->n_objects,
                .n_warnings = diags.n_warnings,
                .arena_model = set->arena->total,
        };
        for (size_t i = 0; i < set->n_streams; i++) {
                ret->n_nodes += set->streams[i]->n_nodes;
                ret->arena_yaml += set->streams[i]->arena->total;
        }
        ret->heap_in_use = mallinfo2().uordblks + mallinfo2().hblkhd;

        if (rl < 0 || rv < 0 || diags.n_errors > 0) {
                fprintf(stderr,
                        "bench-parse: %s does not validate (load: %s, validate: %s, %zu errors): the figures would "
                        "be meaningless. First errors:\n",
                        file, rl < 0 ? strerror(-rl) : "ok", rv < 0 ? strerror(-rv) : "ok", diags.n_errors);
                print_diags(&diags, 10);
                kube_set_free(set);
                diag_list_done(&diags);
                return 1;
        }

        if (arg_plan) {
                /* As skiff kube play --dry-run does it (the host facts are fixed, they only feed the plan). */
                PlanHost host = { .hostname = "bench", .cpus = 2, .memory_bytes = INT64_C(8) << 30 };
                PlanOptions opts = {};
                json_object *plan = NULL;
                FILE *null;
                double p0, p1, p2, p3;
                int r;

                null = fopen("/dev/null", "we");
                if (!null) {
                        fprintf(stderr, "bench-parse: /dev/null: %s\n", strerror(errno));
                        return 1;
                }
                p0 = now_ms();
                r = kube_plan_build(set, &host, &opts, &plan);
                p1 = now_ms();
                if (r < 0) {
                        fprintf(stderr, "bench-parse: kube_plan_build: %s\n", strerror(-r));
                        fclose(null);
                        return 1;
                }
                kube_plan_print(plan, null);
                fflush(null);
                p2 = now_ms();
                json_object_put(plan);
                p3 = now_ms();
                fclose(null);
                ret->plan_ms = p1 - p0;
                ret->print_ms = p2 - p1;
                ret->plan_free_ms = p3 - p2;
                if (ret->heap_in_use < mallinfo2().uordblks + mallinfo2().hblkhd)
                        ret->heap_in_use = mallinfo2().uordblks + mallinfo2().hblkhd;
        }

        t2 = now_ms();
        kube_set_free(set);
        diag_list_done(&diags);
        t3 = now_ms();
        ret->free_ms = t3 - t2;
        return 0;
}

/* libyaml's event parser alone, events dropped as they come. Returns ms, or a negative value on error. */
static double time_events(const char *text, size_t len, size_t *ret_events) {
        yaml_parser_t p;
        size_t n = 0;
        double t0 = now_ms();
        bool done = false;

        if (!yaml_parser_initialize(&p))
                return -1;
        yaml_parser_set_input_string(&p, (const unsigned char *) text, len);
        while (!done) {
                yaml_event_t ev;

                if (!yaml_parser_parse(&p, &ev)) {
                        yaml_parser_delete(&p);
                        return -1;
                }
                done = ev.type == YAML_STREAM_END_EVENT;
                yaml_event_delete(&ev);
                n++;
        }
        yaml_parser_delete(&p);
        *ret_events = n;
        return now_ms() - t0;
}

/* ystream_load() alone: events and the node tree, no typed model. Returns ms, or a negative value. */
static double time_tree(const char *text, size_t len, const char *file) {
        YStream *s = NULL;
        Diag *err = NULL;
        double t0 = now_ms(), t;
        int r;

        r = ystream_load(text, len, file, &s, &err);
        t = now_ms() - t0;
        diag_free(err);
        ystream_free(s);
        return r < 0 ? -1 : t;
}

static void series_freep(double *(*s)[_S_MAX]) {
        for (size_t k = 0; k < _S_MAX; k++)
                free((*s)[k]);
}

static void usage(FILE *f) {
        fputs("Usage: bench-parse [--iterations N] [--warmup N] [--once] [--plan] FILE\n"
              "\n"
              "Times kube_set_load() and kube_set_validate() on FILE (which must validate with no error).\n"
              "  -n, --iterations N   timed iterations (default 30)\n"
              "  -w, --warmup N       untimed iterations first (default 3)\n"
              "      --once           one iteration only, and report the peak RSS\n"
              "      --plan           also build, print (to /dev/null) and free the dry-run plan\n",
              f);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "iterations", required_argument, NULL, 'n' },
                { "warmup", required_argument, NULL, 'w' },
                { "once", no_argument, NULL, 'o' },
                { "plan", no_argument, NULL, 'p' },
                {},
        };
        _cleanup_free_ char *text = NULL;
        _cleanup_(series_freep) double *series[_S_MAX] = {};
        double mins[_S_MAX], meds[_S_MAX];
        long iterations = 30, warmup = 3;
        bool once = false;
        size_t len = 0;
        const char *file;
        Run run;
        int c, r;

        while ((c = getopt_long(argc, argv, "hn:w:", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        usage(stdout);
                        return 0;
                case 'n':
                        iterations = strtol(optarg, NULL, 10);
                        break;
                case 'w':
                        warmup = strtol(optarg, NULL, 10);
                        break;
                case 'o':
                        once = true;
                        break;
                case 'p':
                        arg_plan = true;
                        break;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind != argc - 1 || iterations < 1 || warmup < 0) {
                usage(stderr);
                return 2;
        }
        file = argv[optind];

        r = read_full_file_at(AT_FDCWD, file, 0, &text, &len);
        if (r < 0) {
                fprintf(stderr, "bench-parse: cannot read %s: %s\n", file, strerror(-r));
                return 1;
        }

        if (once) {
                /* The baseline: the process with the input read, before the parser runs. */
                long base_kib = proc_status_kib("VmHWM");
                struct rusage ru;
                double peak_mib, in_mib = (double) len / (1024.0 * 1024.0);

                if (run_once(text, len, file, &run) != 0)
                        return 1;
                if (getrusage(RUSAGE_SELF, &ru) < 0) {
                        fprintf(stderr, "bench-parse: getrusage: %s\n", strerror(errno));
                        return 1;
                }
                peak_mib = (double) ru.ru_maxrss / 1024.0;
                printf("input            %s: %zu bytes (%.2f MiB), %zu objects, %zu YAML nodes, %zu warnings\n", file,
                       len, in_mib, run.n_objects, run.n_nodes, run.n_warnings);
                printf("one iteration    load %.1f ms, validate %.1f ms, free %.1f ms\n", run.load_ms, run.validate_ms,
                       run.free_ms);
                if (arg_plan)
                        printf("  and the plan   build %.1f ms, print %.1f ms, free %.1f ms (peak RSS below includes it)\n",
                               run.plan_ms, run.print_ms, run.plan_free_ms);
                printf("peak RSS         %.1f MiB (ru_maxrss) = %.2fx the input\n", peak_mib, peak_mib / in_mib);
                printf("  before parsing %.1f MiB (VmHWM with the input read: binary, libc, the input buffer)\n",
                       (double) base_kib / 1024.0);
                printf("  parser's share %.1f MiB = %.2fx the input\n", peak_mib - (double) base_kib / 1024.0,
                       (peak_mib - (double) base_kib / 1024.0) / in_mib);
                printf("arenas           YAML tree %.1f MiB, model %.1f MiB; heap in use after validate %.1f MiB\n",
                       (double) run.arena_yaml / 1048576.0, (double) run.arena_model / 1048576.0,
                       (double) run.heap_in_use / 1048576.0);
                printf("BENCH mode=once%s input_bytes=%zu objects=%zu nodes=%zu warnings=%zu peak_rss_kib=%ld "
                       "base_rss_kib=%ld arena_yaml_bytes=%zu arena_model_bytes=%zu heap_bytes=%zu\n",
                       arg_plan ? "+plan" : "", len, run.n_objects, run.n_nodes, run.n_warnings, ru.ru_maxrss, base_kib, run.arena_yaml,
                       run.arena_model, run.heap_in_use);
                return 0;
        }

        for (size_t k = 0; k < _S_MAX; k++) {
                series[k] = calloc((size_t) iterations, sizeof(double));
                if (!series[k]) {
                        fprintf(stderr, "bench-parse: out of memory\n");
                        return 1;
                }
        }
        for (long i = 0; i < warmup; i++)
                if (run_once(text, len, file, &run) != 0)
                        return 1;
        for (long i = 0; i < iterations; i++) {
                if (run_once(text, len, file, &run) != 0)
                        return 1;
                series[S_LOAD][i] = run.load_ms;
                series[S_VALIDATE][i] = run.validate_ms;
                series[S_BOTH][i] = run.load_ms + run.validate_ms;
                series[S_FREE][i] = run.free_ms;
                series[S_PLAN][i] = run.plan_ms;
                series[S_PRINT][i] = run.print_ms;
                series[S_PLAN_FREE][i] = run.plan_free_ms;
        }
        for (long i = 0; i < iterations; i++) {
                size_t n_events = 0;

                series[S_EVENTS][i] = time_events(text, len, &n_events);
                series[S_TREE][i] = time_tree(text, len, file);
                if (series[S_EVENTS][i] < 0 || series[S_TREE][i] < 0) {
                        fprintf(stderr, "bench-parse: %s: YAML error in the breakdown runs\n", file);
                        return 1;
                }
        }
        for (size_t k = 0; k < _S_MAX; k++) {
                mins[k] = minimum(series[k], (size_t) iterations);
                meds[k] = median(series[k], (size_t) iterations);
        }

        printf("input            %s: %zu bytes, %zu objects, %zu YAML nodes, %zu warnings, 0 errors\n", file, len,
               run.n_objects, run.n_nodes, run.n_warnings);
        printf("iterations       %ld timed, after %ld warm-up\n", iterations, warmup);
        printf("                 %10s %10s\n", "min ms", "median ms");
        printf("load             %10.2f %10.2f\n", mins[S_LOAD], meds[S_LOAD]);
        printf("validate         %10.2f %10.2f\n", mins[S_VALIDATE], meds[S_VALIDATE]);
        printf("load+validate    %10.2f %10.2f\n", mins[S_BOTH], meds[S_BOTH]);
        printf("(free)           %10.2f %10.2f\n", mins[S_FREE], meds[S_FREE]);
        printf("load, broken down (separate runs):\n");
        printf("  libyaml events %10.2f %10.2f   yaml_parser_parse() alone\n", mins[S_EVENTS], meds[S_EVENTS]);
        printf("  + node tree    %10.2f %10.2f   ystream_load(): events + YNode tree\n", mins[S_TREE], meds[S_TREE]);
        printf("  = decode       %10.2f %10.2f   load - ystream_load: tree -> typed model\n",
               mins[S_LOAD] - mins[S_TREE], meds[S_LOAD] - meds[S_TREE]);
        if (arg_plan) {
                printf("the rest of --dry-run:\n");
                printf("  plan build     %10.2f %10.2f   kube_plan_build()\n", mins[S_PLAN], meds[S_PLAN]);
                printf("  plan print     %10.2f %10.2f   kube_plan_print() to /dev/null\n", mins[S_PRINT], meds[S_PRINT]);
                printf("  plan free      %10.2f %10.2f   json_object_put()\n", mins[S_PLAN_FREE], meds[S_PLAN_FREE]);
        }
        printf("throughput       %.1f MB/s (load+validate, median)\n", (double) len / 1e6 / (meds[S_BOTH] / 1e3));
        printf("BENCH mode=time%s input_bytes=%zu iterations=%ld", arg_plan ? "+plan" : "", len, iterations);
        for (size_t k = 0; k < _S_MAX; k++)
                if (arg_plan || (k != S_PLAN && k != S_PRINT && k != S_PLAN_FREE))
                        printf(" %s_min_ms=%.3f %s_median_ms=%.3f", series_names[k], mins[k], series_names[k], meds[k]);
        printf("\n");
        return 0;
}
