/* Fuzz target for the container plan's parsers: the stored plan JSON (container_plan_from_string(),
 * state files may be edited by hand) and the -v/--mount/--tmpfs values. The first byte picks the
 * parser; the rest is the input. Everything is freed. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/container-plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s, *err = NULL;
        PlanMount m = {};
        ContainerPlan *p = NULL;

        if (size < 1 || size > 1 << 20)
                return 0;
        s = malloc(size);
        if (!s)
                return 0;
        memcpy(s, data + 1, size - 1);
        s[size - 1] = 0;
        switch (data[0] % 4) {
        case 0:
                if (container_plan_from_string(s, &p, &err) >= 0) {
                        char *again = NULL;
                        /* what was read must write back */
                        if (container_plan_to_string(p, &again) < 0)
                                abort();
                        free(again);
                }
                break;
        case 1:
                if (plan_parse_volume(s, &m, &err) >= 0)
                        plan_mount_done(&m);
                break;
        case 2:
                if (plan_parse_mount(s, &m, &err) >= 0)
                        plan_mount_done(&m);
                break;
        case 3:
                if (plan_parse_tmpfs(s, &m, &err) >= 0)
                        plan_mount_done(&m);
                break;
        }
        container_plan_free(p);
        free(err);
        free(s);
        return 0;
}
