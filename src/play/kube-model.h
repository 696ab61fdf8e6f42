#pragma once

/* The typed Kubernetes model: v1 Pod, apps/v1 Deployment, ConfigMap, Secret, PersistentVolumeClaim.
 *
 * Every field remembers the YAML node it came from (->node, NULL when unset or built by code), so
 * validation can say "pod.yaml:12:9: spec.containers[1].ports[0].containerPort: …". Strings point into
 * the YAML tree; all of it lives in the KubeSet's arenas and goes with kube_set_free().
 *
 * Field names follow the Kubernetes API (k8s.io/api/core/v1) so the code reads like the YAML. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/diag.h"
#include "play/quantity.h"
#include "play/yaml-node.h"

/* Scalars, with where they were written. An unset field has node == NULL (and v NULL / set false). */
typedef struct KStr {
        const char *v;
        const YNode *node;
} KStr;

typedef struct KInt {
        int64_t v;
        bool set;
        const YNode *node;
} KInt;

typedef struct KBool {
        bool v;
        bool set;
        const YNode *node;
} KBool;

/* intstr.IntOrString: a port number or a port name. */
typedef struct KIntOrStr {
        bool set;
        bool is_str;
        int64_t i;
        const char *s;
        const YNode *node;
} KIntOrStr;

typedef struct KQuantity {
        bool set;
        bool valid; /* parsed; when false, decoding already reported why */
        const char *text;
        Quantity q;
        const YNode *node;
} KQuantity;

#define KLIST(T)                                                                                      \
        struct {                                                                                      \
                T *v;                                                                                 \
                size_t n;                                                                             \
                const YNode *node;                                                                    \
        }

typedef KLIST(KStr) KStrList;
typedef KLIST(KInt) KIntList;

typedef struct KStrPair {
        KStr key;
        KStr value;
} KStrPair;
typedef KLIST(KStrPair) KStrMap;

typedef struct KQuantityPair {
        KStr key;
        KQuantity value;
} KQuantityPair;
typedef KLIST(KQuantityPair) KQuantityMap;

/* Returns the value for key, or NULL. */
const KStr *kstrmap_get(const KStrMap *m, const char *key);
const KQuantity *kquantitymap_get(const KQuantityMap *m, const char *key);

typedef struct KObjectMeta {
        const YNode *node;
        KStr name;
        KStr namespace_;
        KStrMap labels;
        KStrMap annotations;
} KObjectMeta;

typedef struct KKeySelector { /* configMapKeyRef, secretKeyRef */
        const YNode *node;
        KStr name;
        KStr key;
        KBool optional;
} KKeySelector;

typedef struct KFieldRef {
        const YNode *node;
        KStr api_version;
        KStr field_path;
} KFieldRef;

typedef struct KResourceFieldRef {
        const YNode *node;
        KStr container_name;
        KStr resource;
        KQuantity divisor;
} KResourceFieldRef;

typedef struct KEnvVarSource {
        const YNode *node;
        KKeySelector *config_map_key_ref;
        KKeySelector *secret_key_ref;
        KFieldRef *field_ref;
        KResourceFieldRef *resource_field_ref;
} KEnvVarSource;

typedef struct KEnvVar {
        const YNode *node;
        KStr name;
        KStr value;
        KEnvVarSource *value_from;
} KEnvVar;

typedef struct KRefOptional { /* envFrom[].configMapRef / secretRef */
        const YNode *node;
        KStr name;
        KBool optional;
} KRefOptional;

typedef struct KEnvFromSource {
        const YNode *node;
        KStr prefix;
        KRefOptional *config_map_ref;
        KRefOptional *secret_ref;
} KEnvFromSource;

typedef struct KContainerPort {
        const YNode *node;
        KStr name;
        KInt host_port;
        KInt container_port;
        KStr protocol;
        KStr host_ip;
} KContainerPort;

typedef struct KVolumeMount {
        const YNode *node;
        KStr name;
        KBool read_only;
        KStr mount_path;
        KStr sub_path;
        KStr mount_propagation;
} KVolumeMount;

typedef struct KResources {
        const YNode *node;
        KQuantityMap limits;
        KQuantityMap requests;
} KResources;

typedef struct KCapabilities {
        const YNode *node;
        KStrList add;
        KStrList drop;
} KCapabilities;

typedef struct KSeccompProfile {
        const YNode *node;
        KStr type;
        KStr localhost_profile;
} KSeccompProfile;

typedef struct KSELinuxOptions {
        const YNode *node;
        KStr user, role, type, level;
} KSELinuxOptions;

typedef struct KSecurityContext {
        const YNode *node;
        KCapabilities *capabilities;
        KBool privileged;
        KSELinuxOptions *se_linux_options;
        KInt run_as_user;
        KInt run_as_group;
        KBool run_as_non_root;
        KBool read_only_root_filesystem;
        KBool allow_privilege_escalation;
        KStr proc_mount;
        KSeccompProfile *seccomp_profile;
} KSecurityContext;

typedef struct KSysctl {
        const YNode *node;
        KStr name;
        KStr value;
} KSysctl;

typedef struct KPodSecurityContext {
        const YNode *node;
        KSELinuxOptions *se_linux_options;
        KInt run_as_user;
        KInt run_as_group;
        KBool run_as_non_root;
        KIntList supplemental_groups;
        KInt fs_group;
        KLIST(KSysctl) sysctls;
        KSeccompProfile *seccomp_profile;
} KPodSecurityContext;

typedef struct KExecAction {
        const YNode *node;
        KStrList command;
} KExecAction;

typedef struct KHTTPHeader {
        const YNode *node;
        KStr name;
        KStr value;
} KHTTPHeader;

typedef struct KHTTPGetAction {
        const YNode *node;
        KStr path;
        KIntOrStr port;
        KStr host;
        KStr scheme;
        KLIST(KHTTPHeader) http_headers;
} KHTTPGetAction;

typedef struct KTCPSocketAction {
        const YNode *node;
        KIntOrStr port;
        KStr host;
} KTCPSocketAction;

typedef struct KSleepAction {
        const YNode *node;
        KInt seconds;
} KSleepAction;

typedef struct KProbe {
        const YNode *node;
        KExecAction *exec;
        KHTTPGetAction *http_get;
        KTCPSocketAction *tcp_socket;
        const YNode *grpc; /* accepted by Kubernetes, not run by skiff: validation says so */
        KInt initial_delay_seconds;
        KInt timeout_seconds;
        KInt period_seconds;
        KInt success_threshold;
        KInt failure_threshold;
        KInt termination_grace_period_seconds;
} KProbe;

typedef struct KLifecycleHandler {
        const YNode *node;
        KExecAction *exec;
        KHTTPGetAction *http_get;
        KTCPSocketAction *tcp_socket;
        KSleepAction *sleep;
} KLifecycleHandler;

typedef struct KLifecycle {
        const YNode *node;
        KLifecycleHandler *post_start;
        KLifecycleHandler *pre_stop;
        KStr stop_signal;
} KLifecycle;

typedef struct KContainer {
        const YNode *node;
        KStr name;
        KStr image;
        KStrList command;
        KStrList args;
        KStr working_dir;
        KLIST(KContainerPort) ports;
        KLIST(KEnvFromSource) env_from;
        KLIST(KEnvVar) env;
        KResources *resources;
        KLIST(KVolumeMount) volume_mounts;
        KProbe *liveness_probe;
        KProbe *readiness_probe;
        KProbe *startup_probe;
        KLifecycle *lifecycle;
        KStr image_pull_policy;
        KSecurityContext *security_context;
        KBool stdin_;
        KBool stdin_once;
        KBool tty;
        KStr restart_policy; /* init containers only: "Always" makes a native sidecar */
} KContainer;

typedef struct KKeyToPath {
        const YNode *node;
        KStr key;
        KStr path;
        KInt mode;
} KKeyToPath;

typedef struct KHostPathSource {
        const YNode *node;
        KStr path;
        KStr type;
} KHostPathSource;

typedef struct KEmptyDirSource {
        const YNode *node;
        KStr medium;
        KQuantity size_limit;
} KEmptyDirSource;

typedef struct KConfigMapSource {
        const YNode *node;
        KStr name;
        KLIST(KKeyToPath) items;
        KInt default_mode;
        KBool optional;
} KConfigMapSource;

typedef struct KSecretSource {
        const YNode *node;
        KStr secret_name;
        KLIST(KKeyToPath) items;
        KInt default_mode;
        KBool optional;
} KSecretSource;

typedef struct KPVCSource {
        const YNode *node;
        KStr claim_name;
        KBool read_only;
} KPVCSource;

typedef struct KVolume {
        const YNode *node;
        KStr name;
        KHostPathSource *host_path;
        KEmptyDirSource *empty_dir;
        KConfigMapSource *config_map;
        KSecretSource *secret;
        KPVCSource *persistent_volume_claim;
        /* The first volume source Kubernetes knows but skiff does not run (nfs, csi…), or NULL. */
        const YPair *unsupported_source;
} KVolume;

typedef struct KHostAlias {
        const YNode *node;
        KStr ip;
        KStrList hostnames;
} KHostAlias;

typedef struct KDNSOption {
        const YNode *node;
        KStr name;
        KStr value;
} KDNSOption;

typedef struct KPodDNSConfig {
        const YNode *node;
        KStrList nameservers;
        KStrList searches;
        KLIST(KDNSOption) options;
} KPodDNSConfig;

typedef struct KPodSpec {
        const YNode *node;
        KLIST(KVolume) volumes;
        KLIST(KContainer) init_containers;
        KLIST(KContainer) containers;
        KStr restart_policy;
        KInt termination_grace_period_seconds;
        KBool host_network;
        KBool host_pid;
        KBool host_ipc;
        KBool share_process_namespace;
        KPodSecurityContext *security_context;
        KStr hostname;
        KLIST(KHostAlias) host_aliases;
        KPodDNSConfig *dns_config;
        KBool host_users;
} KPodSpec;

typedef struct KPod {
        const YNode *node;
        KObjectMeta *metadata;
        KPodSpec *spec;
} KPod;

typedef struct KLabelSelector {
        const YNode *node;
        KStrMap match_labels;
        const YNode *match_expressions; /* not evaluated: validation says so */
} KLabelSelector;

typedef struct KPodTemplate {
        const YNode *node;
        KObjectMeta *metadata;
        KPodSpec *spec;
} KPodTemplate;

typedef struct KDeploymentSpec {
        const YNode *node;
        KInt replicas;
        KLabelSelector *selector;
        KPodTemplate *template_;
} KDeploymentSpec;

typedef struct KDeployment {
        const YNode *node;
        KObjectMeta *metadata;
        KDeploymentSpec *spec;
} KDeployment;

typedef struct KConfigMap {
        const YNode *node;
        KObjectMeta *metadata;
        KStrMap data;
        KStrMap binary_data; /* base64, as written */
} KConfigMap;

typedef struct KSecret {
        const YNode *node;
        KObjectMeta *metadata;
        KStrMap data; /* base64, as written */
        KStrMap string_data;
        KStr type;
} KSecret;

typedef struct KPVCResources {
        const YNode *node;
        KQuantityMap requests;
        KQuantityMap limits;
} KPVCResources;

typedef struct KPVCSpec {
        const YNode *node;
        KStrList access_modes;
        KPVCResources *resources;
        KStr storage_class_name;
        KStr volume_mode;
} KPVCSpec;

typedef struct KPVC {
        const YNode *node;
        KObjectMeta *metadata;
        KPVCSpec *spec;
} KPVC;

typedef enum KubeKind {
        KUBE_POD,
        KUBE_DEPLOYMENT,
        KUBE_CONFIG_MAP,
        KUBE_SECRET,
        KUBE_PVC,
        _KUBE_KIND_MAX,
        _KUBE_KIND_INVALID = -EINVAL,
} KubeKind;

const char *kube_kind_to_string(KubeKind k);
KubeKind kube_kind_from_string(const char *s);

typedef struct KubeObject {
        KubeKind kind;
        const char *file;   /* borrowed from the stream */
        const char *prefix; /* field path prefix: "" or "items[3]." inside a List */
        const YNode *node;
        KStr api_version;
        KObjectMeta *metadata; /* the object's own metadata (for all kinds) */
        union {
                KPod *pod;
                KDeployment *deployment;
                KConfigMap *config_map;
                KSecret *secret;
                KPVC *pvc;
        };
        const char *pod_name;       /* Pod and Deployment: the pod skiff runs (podman's names) */
        bool from_configmap_option; /* came from --configmap FILE */
} KubeObject;

/* Everything loaded from one or more inputs. */
typedef struct KubeSet {
        YStream **streams;
        size_t n_streams;
        KubeObject *objects;
        size_t n_objects, alloc_objects;
        size_t *index; /* object indexes by (kind, name), for kube_set_find(); rebuilt by each load */
        size_t n_index;
        Arena *arena; /* decoded objects */
} KubeSet;

KubeSet *kube_set_new(void);
KubeSet *kube_set_free(KubeSet *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(KubeSet *, kube_set_free);

/* Parses text (a YAML stream of one or more documents, with `kind: List` expanded) into set. Syntax
 * errors stop at the first and return -EBADMSG; problems in the content (wrong types, unknown kinds
 * and fields…) are all added to diags, errors as DIAG_ERROR (and the function then returns -EINVAL
 * after reading everything), ignored things as DIAG_WARNING. With configmap_only, only ConfigMap
 * documents are accepted (podman's --configmap). Returns 0, -EINVAL, -EBADMSG or -ENOMEM. */
int kube_set_load(KubeSet *set, const char *text, size_t len, const char *file, bool configmap_only,
                  DiagList *diags);

/* Checks everything by Kubernetes' validation rules, and across objects (references between them,
 * duplicate names, host ports used twice on this host). Adds every problem to diags. Returns 0, or
 * -EINVAL when any error was found. */
int kube_set_validate(const KubeSet *set, DiagList *diags);

/* The pod spec and metadata of a workload object (Pod or Deployment template), or NULL. */
const KPodSpec *kube_object_pod_spec(const KubeObject *o);
const KObjectMeta *kube_object_pod_meta(const KubeObject *o);
/* The path of the pod spec inside the object: "spec" or "spec.template.spec". */
const char *kube_object_pod_spec_path(const KubeObject *o);
/* The name skiff gives the pod: metadata.name for a Pod, NAME-pod for a Deployment (podman's names). */
const char *kube_object_pod_name(const KubeObject *o);

/* Rebuilds the name index after objects were added (kube_set_load() does it). Returns 0 or -ENOMEM. */
int kube_set_reindex(KubeSet *set);

/* Finds an object by kind and metadata.name (the first one defined, when a name repeats), or NULL. */
const KubeObject *kube_set_find(const KubeSet *set, KubeKind kind, const char *name);

static inline unsigned knode_line(const YNode *n) {
        return n ? n->line : 0;
}
static inline unsigned knode_column(const YNode *n) {
        return n ? n->column : 0;
}
