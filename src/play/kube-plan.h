#pragma once

/* The plan that needs no runtime: for every pod in a validated KubeSet, what skiff would run — per
 * container the argv rule (Kubernetes' command/args over the image's Entrypoint/Cmd, symbolic until
 * images exist), the environment resolved from ConfigMaps, Secrets and fieldRefs in Kubernetes' order
 * with $(VAR) expansion, mounts, ports, the pod-over-container securityContext merge, and resources in
 * bytes and millicores.
 *
 * The plan is pure data: a json-c tree, so `--format json` prints it as it is and the text form is
 * rendered from the same tree. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "play/kube-model.h"

/* Facts about the host that Kubernetes takes from the node (resourceFieldRef without a limit,
 * spec.nodeName). Filled by the caller, so the plan itself stays pure. */
typedef struct PlanHost {
        const char *hostname;
        int64_t cpus;         /* logical CPUs */
        int64_t memory_bytes; /* total memory */
} PlanHost;

typedef struct PlanOptions {
        bool show_secrets; /* print Secret values (and values expanded from them) instead of "(secret)" */
        /* Add what running the pod needs beyond what a person reads (skiff's pod code sets it, with
         * show_secrets): per probe and lifecycle handler a "target" {host, port, path, scheme, headers},
         * per container "lifecycle" {postStart, preStop, stopSignal}, per configMap/secret volume file
         * its "data" (base64), per pod "annotations". */
        bool runtime;
} PlanOptions;

/* Builds the plan of every pod in set, which must have passed kube_set_validate(). Returns 0 and a new
 * JSON object {"pods": [...], "volumes": [...]} in *ret (json_object_put() it), or -ENOMEM. */
int kube_plan_build(const KubeSet *set, const PlanHost *host, const PlanOptions *opts, json_object **ret);

/* Writes the plan in the human-readable form. */
void kube_plan_print(json_object *plan, FILE *f);
