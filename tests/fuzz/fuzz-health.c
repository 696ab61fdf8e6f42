/* Health checks' parsers on arbitrary bytes: --health-cmd, durations, health.json, and the plan's
 * "health" object; what parses must serialise again. Also --device values and subuid(5) texts
 * (devices.h). */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/strv.h"
#include "runtime/container-plan.h"
#include "runtime/devices.h"
#include "runtime/health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s;

        if (size > 256 * 1024)
                return 0;
        s = strndup((const char *) data, size);
        if (!s)
                return 0;
        {
                char **t = NULL;
                uint64_t u;
                char buf[64];
                if (health_cmd_parse(s, &t) >= 0) {
                        char **argv = health_test_argv(t);
                        strv_free(argv);
                        strv_free(t);
                }
                if (health_duration_parse(s, &u) >= 0)
                        (void) health_duration_format(u, buf, sizeof(buf));
        }
        {
                char *h = NULL, *p = NULL, *err = NULL;
                unsigned a;
                PlanIdMap *m = NULL;
                size_t n;
                if (device_spec_parse(s, &h, &p, &a, &err) >= 0) {
                        free(h);
                        free(p);
                }
                free(err);
                if (subid_maps_parse(s, "alice", &m, &n) >= 0)
                        free(m);
        }
        {
                HealthState st = {};
                if (health_state_parse(s, &st) >= 0) {
                        json_object *o = NULL;
                        if (health_state_to_json(&st, &o) >= 0)
                                json_object_put(o);
                        health_state_done(&st);
                }
        }
        {
                json_object *o = json_tokener_parse(s);
                HealthConfig *c = NULL;
                char *err = NULL;
                if (o && health_config_from_json(o, &c, &err) >= 0) {
                        json_object *back = NULL;
                        if (health_config_to_json(c, &back) >= 0)
                                json_object_put(back);
                        health_config_free(c);
                }
                free(err);
                json_object_put(o);
        }
        free(s);
        return 0;
}
