#pragma once

/* Kubernetes YAML from what skiff recorded: the objects that recreate a pod, built from the pod's kube
 * plan in its runtime form (kube-plan.h with PlanOptions.runtime and show_secrets, as `kube play` and
 * `pod create` store it in the pod's config.json; for containers made by `skiff run`, the CLI builds the
 * same shape from the container records).
 *
 * The result is a json-c tree per object, its keys in the order Kubernetes documents them, for
 * kube_emit_yaml(). Pure: no file is read, nothing is random and no time or id goes into it, so the
 * same records always give the same bytes.
 *
 * What comes out per pod: the workload (a v1 Pod, or an apps/v1 Deployment of one replica), a ConfigMap
 * and a Secret for every one the pod reads (only the keys it reads, with the values it read), a
 * PersistentVolumeClaim per named volume, and with `service` a v1 Service for the published ports.
 * Fields that equal Kubernetes' defaults are left out; values that kube play expanded ($(VAR)) are
 * escaped ($$) where expanding them again would change them. */

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

typedef enum KubeGenerateType {
        KUBE_GENERATE_POD,
        KUBE_GENERATE_DEPLOYMENT,
        _KUBE_GENERATE_TYPE_MAX,
        _KUBE_GENERATE_TYPE_INVALID = -22,
} KubeGenerateType;

const char *kube_generate_type_to_string(KubeGenerateType t);
KubeGenerateType kube_generate_type_from_string(const char *s);

typedef struct KubeGenerateOptions {
        KubeGenerateType type;
        bool service; /* -s: a Service per pod with published ports */
} KubeGenerateOptions;

/* The objects for pods[0..n) (pod plans as described above), in document order: ConfigMaps, Secrets,
 * PersistentVolumeClaims, Services, then the workloads in the order given. Returns 0 and a new JSON
 * array in *ret (json_object_put() it), -ENOMEM, or -EINVAL with *ret_error (one line naming the pod
 * and field) when the plan holds something Kubernetes cannot express (a --type deployment of a pod
 * whose restartPolicy is not Always, two pods reading different values under one ConfigMap key). */
int kube_generate(json_object *const *pods, size_t n, const KubeGenerateOptions *opts, json_object **ret,
                  char **ret_error);
