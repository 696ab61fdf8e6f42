/* kube generate's pure half on arbitrary bytes. Input starting with '{' is a pod plan as a pod record
 * stores it (records can be edited by hand); anything else is Kubernetes YAML, played to plans the way
 * `kube play` records them. Every plan goes through kube_generate() and kube_emit_yaml(), and what is
 * emitted must read back as YAML: the emitter never writes text its own reader refuses. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "play/kube-emit.h"
#include "play/kube-generate.h"
#include "play/kube-model.h"
#include "play/kube-plan.h"
#include "play/yaml-node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void generate(json_object *const *pods, size_t n) {
        for (int type = 0; type < _KUBE_GENERATE_TYPE_MAX; type++) {
                KubeGenerateOptions opts = {.type = (KubeGenerateType) type, .service = type == 0};
                json_object *docs = NULL;
                char *err = NULL, *yaml = NULL;
                size_t len = 0;

                if (kube_generate(pods, n, &opts, &docs, &err) >= 0) {
                        if (kube_emit_yaml((json_object *const *) json_object_get_array(docs)->array,
                                           json_object_array_length(docs), &yaml, &len)
                            >= 0) {
                                YStream *ys = NULL;
                                Diag *d = NULL;

                                if (ystream_load(yaml, len, "generated.yaml", &ys, &d) < 0)
                                        abort(); /* emitted YAML that does not parse */
                                ystream_free(ys);
                                free(yaml);
                        }
                        json_object_put(docs);
                }
                free(err);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        PlanHost host = {.hostname = "fuzz", .cpus = 2, .memory_bytes = 1LL << 30};
        PlanOptions popts = {.runtime = true, .show_secrets = true};
        DiagList diags = DIAG_LIST_INIT;
        json_object *plan = NULL, *pods;
        KubeSet *set;

        if (size > 128 * 1024)
                return 0;
        if (size > 0 && data[0] == '{') {
                json_tokener *tok = json_tokener_new();
                json_object *pod = tok ? json_tokener_parse_ex(tok, (const char *) data, (int) size) : NULL;

                if (pod && json_object_is_type(pod, json_type_object))
                        generate(&pod, 1);
                json_object_put(pod);
                json_tokener_free(tok);
                return 0;
        }
        set = kube_set_new();
        if (!set)
                return 0;
        if (kube_set_load(set, (const char *) data, size, "fuzz.yaml", false, &diags) >= 0
            && kube_set_validate(set, &diags) >= 0 && kube_plan_build(set, &host, &popts, &plan) >= 0) {
                pods = json_object_object_get(plan, "pods");
                if (json_object_array_length(pods) > 0)
                        generate((json_object *const *) json_object_get_array(pods)->array,
                                 json_object_array_length(pods));
                json_object_put(plan);
        }
        for (size_t i = 0; i < diags.n; i++)
                free(diag_format(&diags.items[i]));
        diag_list_done(&diags);
        kube_set_free(set);
        return 0;
}
