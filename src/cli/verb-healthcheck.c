/* skiff healthcheck run CTR: run a container's health check once, as podman's (exit 0 healthy, 1
 * unhealthy, 125 when it cannot be run). The check itself is health.c's, the same the monitor runs. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/container-common.h"
#include "cli/verbs.h"
#include "common/log.h"
#include "common/macro.h"
#include "runtime/container-plan.h"
#include "runtime/health.h"
#include "runtime/state.h"

static void healthcheck_help(void) {
        printf("Usage: skiff healthcheck run [OPTIONS] CONTAINER\n"
               "\n"
               "Run the health check of a running container once and record the result (as the\n"
               "container's monitor does on its timer). Exit status: 0 healthy, 1 unhealthy (or the\n"
               "check failed), 125 when it could not be run.\n"
               "\n"
               "Options:\n"
               "      --help   Show this help\n");
}

static int healthcheck_run(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_container_plan_ ContainerPlan *plan = NULL;
        _cleanup_free_ char *err = NULL;
        ContainerState st = {};
        char id[CONTAINER_ID_LEN + 1];
        int c, r, ret = 125;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        healthcheck_help();
                        return 0;
                default:
                        fputs("See 'skiff healthcheck --help'.\n", stderr);
                        return 125;
                }
        if (argc - optind != 1) {
                log_error("healthcheck run: exactly one container is required");
                return 125;
        }
        if (cli_open_store(ctx, "healthcheck run", &store) < 0
            || cli_lookup(store, "healthcheck run", argv[optind], id) < 0)
                return 125;
        r = container_config_load(store, id, &cfg);
        if (r >= 0)
                r = container_state_load(store, id, &st);
        if (r < 0) {
                log_error_errno(r, "healthcheck run %s: read the record: %m", argv[optind]);
                goto out;
        }
        r = container_plan_from_string(cfg->plan_json, &plan, &err);
        if (r < 0) {
                log_error("healthcheck run %s: read the plan: %s", argv[optind], err ?: strerror(-r));
                goto out;
        }
        if (!plan->health) {
                log_error("healthcheck run %s: the container has no health check", argv[optind]);
                goto out;
        }
        if (st.status != CONTAINER_STATUS_RUNNING || st.pid <= 0 || !proc_alive(st.pid, st.pid_starttime)) {
                log_error("healthcheck run %s: the container is not running", argv[optind]);
                goto out;
        }
        r = health_run_once(store, id, plan, st.pid, /* startup= */ false, &err);
        if (r < 0) {
                log_error("healthcheck run %s: %s", argv[optind], err ?: strerror(-r));
                goto out;
        }
        if (r == HEALTH_RESULT_PASSED)
                ret = 0;
        else {
                printf("unhealthy\n");
                ret = 1;
        }
out:
        container_state_done(&st);
        return ret;
}

int verb_healthcheck(SkiffContext *ctx, int argc, char *argv[]) {
        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                healthcheck_help();
                return argc < 2 ? 125 : 0;
        }
        if (streq(argv[1], "run"))
                return healthcheck_run(ctx, argc - 1, argv + 1);
        log_error("healthcheck %s: unknown command (run)", argv[1]);
        return 125;
}
