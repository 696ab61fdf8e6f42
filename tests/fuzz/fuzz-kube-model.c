/* The whole pure pipeline of `kube play --dry-run` on arbitrary bytes: load, decode into the model,
 * validate, and (when valid) build and render the plan. */

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "play/kube-model.h"
#include "play/kube-plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static FILE *devnull;
        DiagList diags = DIAG_LIST_INIT;
        KubeSet *set;
        PlanHost host = { .hostname = "fuzz", .cpus = 2, .memory_bytes = 1LL << 30 };
        json_object *plan = NULL;

        if (size > 256 * 1024)
                return 0;
        if (!devnull)
                devnull = fopen("/dev/null", "we");
        set = kube_set_new();
        if (!set)
                return 0;
        if (kube_set_load(set, (const char *) data, size, "fuzz.yaml", false, &diags) >= 0 &&
            kube_set_validate(set, &diags) >= 0 && kube_plan_build(set, &host, NULL, &plan) >= 0) {
                if (devnull)
                        kube_plan_print(plan, devnull);
                json_object_put(plan);
        }
        for (size_t i = 0; i < diags.n; i++)
                free(diag_format(&diags.items[i]));
        diag_list_done(&diags);
        kube_set_free(set);
        return 0;
}
