/* Pod records on arbitrary bytes: the input as a pod's config.json and as its state.json (with 0, 1
 * and 3 members). A hand-edited or truncated record must give an error, never a crash; what parses
 * must serialise again. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pod/pod-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_tokener *tok;
        json_object *o;

        if (size > 256 * 1024)
                return 0;
        tok = json_tokener_new();
        if (!tok)
                return 0;
        o = json_tokener_parse_ex(tok, (const char *) data, (int) size);
        json_tokener_free(tok);
        if (!o)
                return 0;
        {
                PodConfig *c = NULL;
                if (pod_config_from_json(o, &c) >= 0) {
                        json_object *back = NULL;
                        if (pod_config_to_json(c, &back) >= 0)
                                json_object_put(back);
                        pod_config_free(c);
                }
        }
        for (size_t n = 0; n < 4; n += n ? 2 : 1) {
                PodState st = {};
                if (pod_state_from_json(o, n, &st) >= 0) {
                        json_object *back = NULL;
                        if (pod_state_to_json(&st, NULL, &back) >= 0)
                                json_object_put(back);
                        pod_state_done(&st);
                }
        }
        json_object_put(o);
        return 0;
}
