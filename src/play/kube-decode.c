/* YAML node tree → typed Kubernetes model, driven by one table per Kubernetes type.
 *
 * The tables say, for every key a type may hold, how to read it and where it goes. A key that is in
 * no table is reported as an unknown field with its position (and the closest known name, or the
 * type it belongs to when it was put in the wrong place): kubectl's strict mode would reject it,
 * podman would drop it without a word, we say so and go on. Fields Kubernetes has that make no sense
 * on one host are accepted quietly (F_QUIET); fields that change behaviour but that skiff does not
 * implement are warned about (F_UNSUPPORTED). Wrong types are errors, all of them collected. */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "play/kube-model.h"

typedef enum FieldType {
        F_STR,
        F_INT,
        F_BOOL,
        F_INTORSTR,
        F_QUANTITY,
        F_STRLIST,
        F_INTLIST,
        F_STRMAP,
        F_QUANTITYMAP,
        F_OBJ,     /* pointer to a struct described by sub */
        F_OBJLIST, /* KLIST of structs described by sub */
        F_NODE,    /* keep the node itself (const YNode *) for validation to judge */
        F_VOLSRC_UNSUPPORTED,
        F_QUIET,
        F_UNSUPPORTED,
        _F_TYPE_MAX,
} FieldType;

typedef struct TypeDesc TypeDesc;

typedef struct FieldDesc {
        const char *name;
        FieldType type;
        size_t offset;
        const TypeDesc *sub;
} FieldDesc;

struct TypeDesc {
        const char *name;  /* for messages: "a container" */
        const char *where; /* where its fields live, for misplaced-field hints: "spec.containers[]" */
        size_t size;
        const FieldDesc *fields;
};

typedef struct Decoder {
        Arena *arena;
        DiagList *diags;
        const char *file;
        StrBuf path;
        bool failed;
} Decoder;

/* The generic shape every KLIST(T) has. */
typedef KLIST(void) KListAny;

#define FIELD(T, key, type, member, sub) { key, type, offsetof(T, member), sub }
#define QUIET(key) { key, F_QUIET, 0, NULL }
#define UNSUPPORTED(key) { key, F_UNSUPPORTED, 0, NULL }
#define END { NULL, 0, 0, NULL }

static const TypeDesc t_key_selector, t_field_ref, t_resource_field_ref, t_env_var_source, t_env_var,
        t_ref_optional, t_env_from, t_port, t_volume_mount, t_resources, t_capabilities, t_seccomp,
        t_selinux, t_security_context, t_sysctl, t_pod_security_context, t_exec, t_http_header, t_http_get,
        t_tcp_socket, t_sleep, t_probe, t_lifecycle_handler, t_lifecycle, t_container, t_key_to_path,
        t_host_path, t_empty_dir, t_config_map_source, t_secret_source, t_pvc_source, t_volume, t_host_alias,
        t_dns_option, t_dns_config, t_pod_spec, t_meta, t_pod, t_label_selector, t_pod_template,
        t_deployment_spec, t_deployment, t_config_map, t_secret, t_pvc_resources, t_pvc_spec, t_pvc;

static const FieldDesc f_meta[] = {
        FIELD(KObjectMeta, "name", F_STR, name, NULL),
        FIELD(KObjectMeta, "namespace", F_STR, namespace_, NULL),
        FIELD(KObjectMeta, "labels", F_STRMAP, labels, NULL),
        FIELD(KObjectMeta, "annotations", F_STRMAP, annotations, NULL),
        UNSUPPORTED("generateName"),
        QUIET("uid"), QUIET("resourceVersion"), QUIET("generation"), QUIET("creationTimestamp"),
        QUIET("deletionTimestamp"), QUIET("deletionGracePeriodSeconds"), QUIET("selfLink"),
        QUIET("managedFields"), QUIET("ownerReferences"), QUIET("finalizers"), QUIET("clusterName"),
        END,
};
static const TypeDesc t_meta = { "metadata", "metadata", sizeof(KObjectMeta), f_meta };

static const FieldDesc f_key_selector[] = {
        FIELD(KKeySelector, "name", F_STR, name, NULL),
        FIELD(KKeySelector, "key", F_STR, key, NULL),
        FIELD(KKeySelector, "optional", F_BOOL, optional, NULL),
        END,
};
static const TypeDesc t_key_selector = { "a key reference", NULL, sizeof(KKeySelector), f_key_selector };

static const FieldDesc f_field_ref[] = {
        FIELD(KFieldRef, "apiVersion", F_STR, api_version, NULL),
        FIELD(KFieldRef, "fieldPath", F_STR, field_path, NULL),
        END,
};
static const TypeDesc t_field_ref = { "a field reference", NULL, sizeof(KFieldRef), f_field_ref };

static const FieldDesc f_resource_field_ref[] = {
        FIELD(KResourceFieldRef, "containerName", F_STR, container_name, NULL),
        FIELD(KResourceFieldRef, "resource", F_STR, resource, NULL),
        FIELD(KResourceFieldRef, "divisor", F_QUANTITY, divisor, NULL),
        END,
};
static const TypeDesc t_resource_field_ref = { "a resource reference", NULL, sizeof(KResourceFieldRef),
                                               f_resource_field_ref };

static const FieldDesc f_env_var_source[] = {
        FIELD(KEnvVarSource, "configMapKeyRef", F_OBJ, config_map_key_ref, &t_key_selector),
        FIELD(KEnvVarSource, "secretKeyRef", F_OBJ, secret_key_ref, &t_key_selector),
        FIELD(KEnvVarSource, "fieldRef", F_OBJ, field_ref, &t_field_ref),
        FIELD(KEnvVarSource, "resourceFieldRef", F_OBJ, resource_field_ref, &t_resource_field_ref),
        UNSUPPORTED("fileKeyRef"),
        END,
};
static const TypeDesc t_env_var_source = { "a value source", NULL, sizeof(KEnvVarSource), f_env_var_source };

static const FieldDesc f_env_var[] = {
        FIELD(KEnvVar, "name", F_STR, name, NULL),
        FIELD(KEnvVar, "value", F_STR, value, NULL),
        FIELD(KEnvVar, "valueFrom", F_OBJ, value_from, &t_env_var_source),
        END,
};
static const TypeDesc t_env_var = { "an environment variable", NULL, sizeof(KEnvVar), f_env_var };

static const FieldDesc f_ref_optional[] = {
        FIELD(KRefOptional, "name", F_STR, name, NULL),
        FIELD(KRefOptional, "optional", F_BOOL, optional, NULL),
        END,
};
static const TypeDesc t_ref_optional = { "a reference", NULL, sizeof(KRefOptional), f_ref_optional };

static const FieldDesc f_env_from[] = {
        FIELD(KEnvFromSource, "prefix", F_STR, prefix, NULL),
        FIELD(KEnvFromSource, "configMapRef", F_OBJ, config_map_ref, &t_ref_optional),
        FIELD(KEnvFromSource, "secretRef", F_OBJ, secret_ref, &t_ref_optional),
        END,
};
static const TypeDesc t_env_from = { "an envFrom source", NULL, sizeof(KEnvFromSource), f_env_from };

static const FieldDesc f_port[] = {
        FIELD(KContainerPort, "name", F_STR, name, NULL),
        FIELD(KContainerPort, "hostPort", F_INT, host_port, NULL),
        FIELD(KContainerPort, "containerPort", F_INT, container_port, NULL),
        FIELD(KContainerPort, "protocol", F_STR, protocol, NULL),
        FIELD(KContainerPort, "hostIP", F_STR, host_ip, NULL),
        END,
};
static const TypeDesc t_port = { "a container port", NULL, sizeof(KContainerPort), f_port };

static const FieldDesc f_volume_mount[] = {
        FIELD(KVolumeMount, "name", F_STR, name, NULL),
        FIELD(KVolumeMount, "readOnly", F_BOOL, read_only, NULL),
        FIELD(KVolumeMount, "mountPath", F_STR, mount_path, NULL),
        FIELD(KVolumeMount, "subPath", F_STR, sub_path, NULL),
        FIELD(KVolumeMount, "mountPropagation", F_STR, mount_propagation, NULL),
        UNSUPPORTED("subPathExpr"),
        UNSUPPORTED("recursiveReadOnly"),
        END,
};
static const TypeDesc t_volume_mount = { "a volume mount", NULL, sizeof(KVolumeMount), f_volume_mount };

static const FieldDesc f_resources[] = {
        FIELD(KResources, "limits", F_QUANTITYMAP, limits, NULL),
        FIELD(KResources, "requests", F_QUANTITYMAP, requests, NULL),
        UNSUPPORTED("claims"),
        END,
};
static const TypeDesc t_resources = { "resources", NULL, sizeof(KResources), f_resources };

static const FieldDesc f_capabilities[] = {
        FIELD(KCapabilities, "add", F_STRLIST, add, NULL),
        FIELD(KCapabilities, "drop", F_STRLIST, drop, NULL),
        END,
};
static const TypeDesc t_capabilities = { "capabilities", NULL, sizeof(KCapabilities), f_capabilities };

static const FieldDesc f_seccomp[] = {
        FIELD(KSeccompProfile, "type", F_STR, type, NULL),
        FIELD(KSeccompProfile, "localhostProfile", F_STR, localhost_profile, NULL),
        END,
};
static const TypeDesc t_seccomp = { "a seccomp profile", NULL, sizeof(KSeccompProfile), f_seccomp };

static const FieldDesc f_selinux[] = {
        FIELD(KSELinuxOptions, "user", F_STR, user, NULL),
        FIELD(KSELinuxOptions, "role", F_STR, role, NULL),
        FIELD(KSELinuxOptions, "type", F_STR, type, NULL),
        FIELD(KSELinuxOptions, "level", F_STR, level, NULL),
        END,
};
static const TypeDesc t_selinux = { "SELinux options", NULL, sizeof(KSELinuxOptions), f_selinux };

static const FieldDesc f_security_context[] = {
        FIELD(KSecurityContext, "capabilities", F_OBJ, capabilities, &t_capabilities),
        FIELD(KSecurityContext, "privileged", F_BOOL, privileged, NULL),
        FIELD(KSecurityContext, "seLinuxOptions", F_OBJ, se_linux_options, &t_selinux),
        FIELD(KSecurityContext, "runAsUser", F_INT, run_as_user, NULL),
        FIELD(KSecurityContext, "runAsGroup", F_INT, run_as_group, NULL),
        FIELD(KSecurityContext, "runAsNonRoot", F_BOOL, run_as_non_root, NULL),
        FIELD(KSecurityContext, "readOnlyRootFilesystem", F_BOOL, read_only_root_filesystem, NULL),
        FIELD(KSecurityContext, "allowPrivilegeEscalation", F_BOOL, allow_privilege_escalation, NULL),
        FIELD(KSecurityContext, "procMount", F_STR, proc_mount, NULL),
        FIELD(KSecurityContext, "seccompProfile", F_OBJ, seccomp_profile, &t_seccomp),
        UNSUPPORTED("appArmorProfile"),
        QUIET("windowsOptions"),
        END,
};
static const TypeDesc t_security_context = { "a container security context", "spec.containers[].securityContext",
                                             sizeof(KSecurityContext), f_security_context };

static const FieldDesc f_sysctl[] = {
        FIELD(KSysctl, "name", F_STR, name, NULL),
        FIELD(KSysctl, "value", F_STR, value, NULL),
        END,
};
static const TypeDesc t_sysctl = { "a sysctl", NULL, sizeof(KSysctl), f_sysctl };

static const FieldDesc f_pod_security_context[] = {
        FIELD(KPodSecurityContext, "seLinuxOptions", F_OBJ, se_linux_options, &t_selinux),
        FIELD(KPodSecurityContext, "runAsUser", F_INT, run_as_user, NULL),
        FIELD(KPodSecurityContext, "runAsGroup", F_INT, run_as_group, NULL),
        FIELD(KPodSecurityContext, "runAsNonRoot", F_BOOL, run_as_non_root, NULL),
        FIELD(KPodSecurityContext, "supplementalGroups", F_INTLIST, supplemental_groups, NULL),
        FIELD(KPodSecurityContext, "fsGroup", F_INT, fs_group, NULL),
        FIELD(KPodSecurityContext, "sysctls", F_OBJLIST, sysctls, &t_sysctl),
        FIELD(KPodSecurityContext, "seccompProfile", F_OBJ, seccomp_profile, &t_seccomp),
        UNSUPPORTED("fsGroupChangePolicy"),
        UNSUPPORTED("supplementalGroupsPolicy"),
        UNSUPPORTED("appArmorProfile"),
        UNSUPPORTED("seLinuxChangePolicy"),
        QUIET("windowsOptions"),
        END,
};
static const TypeDesc t_pod_security_context = { "a pod security context", "spec.securityContext",
                                                 sizeof(KPodSecurityContext), f_pod_security_context };

static const FieldDesc f_exec[] = {
        FIELD(KExecAction, "command", F_STRLIST, command, NULL),
        END,
};
static const TypeDesc t_exec = { "an exec action", NULL, sizeof(KExecAction), f_exec };

static const FieldDesc f_http_header[] = {
        FIELD(KHTTPHeader, "name", F_STR, name, NULL),
        FIELD(KHTTPHeader, "value", F_STR, value, NULL),
        END,
};
static const TypeDesc t_http_header = { "an HTTP header", NULL, sizeof(KHTTPHeader), f_http_header };

static const FieldDesc f_http_get[] = {
        FIELD(KHTTPGetAction, "path", F_STR, path, NULL),
        FIELD(KHTTPGetAction, "port", F_INTORSTR, port, NULL),
        FIELD(KHTTPGetAction, "host", F_STR, host, NULL),
        FIELD(KHTTPGetAction, "scheme", F_STR, scheme, NULL),
        FIELD(KHTTPGetAction, "httpHeaders", F_OBJLIST, http_headers, &t_http_header),
        END,
};
static const TypeDesc t_http_get = { "an httpGet action", NULL, sizeof(KHTTPGetAction), f_http_get };

static const FieldDesc f_tcp_socket[] = {
        FIELD(KTCPSocketAction, "port", F_INTORSTR, port, NULL),
        FIELD(KTCPSocketAction, "host", F_STR, host, NULL),
        END,
};
static const TypeDesc t_tcp_socket = { "a tcpSocket action", NULL, sizeof(KTCPSocketAction), f_tcp_socket };

static const FieldDesc f_sleep[] = {
        FIELD(KSleepAction, "seconds", F_INT, seconds, NULL),
        END,
};
static const TypeDesc t_sleep = { "a sleep action", NULL, sizeof(KSleepAction), f_sleep };

static const FieldDesc f_probe[] = {
        FIELD(KProbe, "exec", F_OBJ, exec, &t_exec),
        FIELD(KProbe, "httpGet", F_OBJ, http_get, &t_http_get),
        FIELD(KProbe, "tcpSocket", F_OBJ, tcp_socket, &t_tcp_socket),
        FIELD(KProbe, "grpc", F_NODE, grpc, NULL),
        FIELD(KProbe, "initialDelaySeconds", F_INT, initial_delay_seconds, NULL),
        FIELD(KProbe, "timeoutSeconds", F_INT, timeout_seconds, NULL),
        FIELD(KProbe, "periodSeconds", F_INT, period_seconds, NULL),
        FIELD(KProbe, "successThreshold", F_INT, success_threshold, NULL),
        FIELD(KProbe, "failureThreshold", F_INT, failure_threshold, NULL),
        FIELD(KProbe, "terminationGracePeriodSeconds", F_INT, termination_grace_period_seconds, NULL),
        END,
};
static const TypeDesc t_probe = { "a probe", NULL, sizeof(KProbe), f_probe };

static const FieldDesc f_lifecycle_handler[] = {
        FIELD(KLifecycleHandler, "exec", F_OBJ, exec, &t_exec),
        FIELD(KLifecycleHandler, "httpGet", F_OBJ, http_get, &t_http_get),
        FIELD(KLifecycleHandler, "tcpSocket", F_OBJ, tcp_socket, &t_tcp_socket),
        FIELD(KLifecycleHandler, "sleep", F_OBJ, sleep, &t_sleep),
        END,
};
static const TypeDesc t_lifecycle_handler = { "a lifecycle handler", NULL, sizeof(KLifecycleHandler),
                                              f_lifecycle_handler };

static const FieldDesc f_lifecycle[] = {
        FIELD(KLifecycle, "postStart", F_OBJ, post_start, &t_lifecycle_handler),
        FIELD(KLifecycle, "preStop", F_OBJ, pre_stop, &t_lifecycle_handler),
        FIELD(KLifecycle, "stopSignal", F_STR, stop_signal, NULL),
        END,
};
static const TypeDesc t_lifecycle = { "lifecycle", NULL, sizeof(KLifecycle), f_lifecycle };

static const FieldDesc f_container[] = {
        FIELD(KContainer, "name", F_STR, name, NULL),
        FIELD(KContainer, "image", F_STR, image, NULL),
        FIELD(KContainer, "command", F_STRLIST, command, NULL),
        FIELD(KContainer, "args", F_STRLIST, args, NULL),
        FIELD(KContainer, "workingDir", F_STR, working_dir, NULL),
        FIELD(KContainer, "ports", F_OBJLIST, ports, &t_port),
        FIELD(KContainer, "envFrom", F_OBJLIST, env_from, &t_env_from),
        FIELD(KContainer, "env", F_OBJLIST, env, &t_env_var),
        FIELD(KContainer, "resources", F_OBJ, resources, &t_resources),
        FIELD(KContainer, "volumeMounts", F_OBJLIST, volume_mounts, &t_volume_mount),
        FIELD(KContainer, "livenessProbe", F_OBJ, liveness_probe, &t_probe),
        FIELD(KContainer, "readinessProbe", F_OBJ, readiness_probe, &t_probe),
        FIELD(KContainer, "startupProbe", F_OBJ, startup_probe, &t_probe),
        FIELD(KContainer, "lifecycle", F_OBJ, lifecycle, &t_lifecycle),
        FIELD(KContainer, "imagePullPolicy", F_STR, image_pull_policy, NULL),
        FIELD(KContainer, "securityContext", F_OBJ, security_context, &t_security_context),
        FIELD(KContainer, "stdin", F_BOOL, stdin_, NULL),
        FIELD(KContainer, "stdinOnce", F_BOOL, stdin_once, NULL),
        FIELD(KContainer, "tty", F_BOOL, tty, NULL),
        FIELD(KContainer, "restartPolicy", F_STR, restart_policy, NULL),
        QUIET("terminationMessagePath"), QUIET("terminationMessagePolicy"), QUIET("resizePolicy"),
        UNSUPPORTED("volumeDevices"), UNSUPPORTED("restartPolicyRules"),
        END,
};
static const TypeDesc t_container = { "a container", "spec.containers[]", sizeof(KContainer), f_container };

static const FieldDesc f_key_to_path[] = {
        FIELD(KKeyToPath, "key", F_STR, key, NULL),
        FIELD(KKeyToPath, "path", F_STR, path, NULL),
        FIELD(KKeyToPath, "mode", F_INT, mode, NULL),
        END,
};
static const TypeDesc t_key_to_path = { "an item", NULL, sizeof(KKeyToPath), f_key_to_path };

static const FieldDesc f_host_path[] = {
        FIELD(KHostPathSource, "path", F_STR, path, NULL),
        FIELD(KHostPathSource, "type", F_STR, type, NULL),
        END,
};
static const TypeDesc t_host_path = { "a hostPath volume", NULL, sizeof(KHostPathSource), f_host_path };

static const FieldDesc f_empty_dir[] = {
        FIELD(KEmptyDirSource, "medium", F_STR, medium, NULL),
        FIELD(KEmptyDirSource, "sizeLimit", F_QUANTITY, size_limit, NULL),
        END,
};
static const TypeDesc t_empty_dir = { "an emptyDir volume", NULL, sizeof(KEmptyDirSource), f_empty_dir };

static const FieldDesc f_config_map_source[] = {
        FIELD(KConfigMapSource, "name", F_STR, name, NULL),
        FIELD(KConfigMapSource, "items", F_OBJLIST, items, &t_key_to_path),
        FIELD(KConfigMapSource, "defaultMode", F_INT, default_mode, NULL),
        FIELD(KConfigMapSource, "optional", F_BOOL, optional, NULL),
        END,
};
static const TypeDesc t_config_map_source = { "a configMap volume", NULL, sizeof(KConfigMapSource),
                                              f_config_map_source };

static const FieldDesc f_secret_source[] = {
        FIELD(KSecretSource, "secretName", F_STR, secret_name, NULL),
        FIELD(KSecretSource, "items", F_OBJLIST, items, &t_key_to_path),
        FIELD(KSecretSource, "defaultMode", F_INT, default_mode, NULL),
        FIELD(KSecretSource, "optional", F_BOOL, optional, NULL),
        END,
};
static const TypeDesc t_secret_source = { "a secret volume", NULL, sizeof(KSecretSource), f_secret_source };

static const FieldDesc f_pvc_source[] = {
        FIELD(KPVCSource, "claimName", F_STR, claim_name, NULL),
        FIELD(KPVCSource, "readOnly", F_BOOL, read_only, NULL),
        END,
};
static const TypeDesc t_pvc_source = { "a persistentVolumeClaim volume", NULL, sizeof(KPVCSource), f_pvc_source };

#define VOLSRC_UNSUPPORTED(key) { key, F_VOLSRC_UNSUPPORTED, offsetof(KVolume, unsupported_source), NULL }

static const FieldDesc f_volume[] = {
        FIELD(KVolume, "name", F_STR, name, NULL),
        FIELD(KVolume, "hostPath", F_OBJ, host_path, &t_host_path),
        FIELD(KVolume, "emptyDir", F_OBJ, empty_dir, &t_empty_dir),
        FIELD(KVolume, "configMap", F_OBJ, config_map, &t_config_map_source),
        FIELD(KVolume, "secret", F_OBJ, secret, &t_secret_source),
        FIELD(KVolume, "persistentVolumeClaim", F_OBJ, persistent_volume_claim, &t_pvc_source),
        VOLSRC_UNSUPPORTED("nfs"), VOLSRC_UNSUPPORTED("iscsi"), VOLSRC_UNSUPPORTED("glusterfs"),
        VOLSRC_UNSUPPORTED("rbd"), VOLSRC_UNSUPPORTED("cephfs"), VOLSRC_UNSUPPORTED("cinder"),
        VOLSRC_UNSUPPORTED("flexVolume"), VOLSRC_UNSUPPORTED("flocker"), VOLSRC_UNSUPPORTED("downwardAPI"),
        VOLSRC_UNSUPPORTED("fc"), VOLSRC_UNSUPPORTED("azureFile"), VOLSRC_UNSUPPORTED("azureDisk"),
        VOLSRC_UNSUPPORTED("vsphereVolume"), VOLSRC_UNSUPPORTED("quobyte"), VOLSRC_UNSUPPORTED("photonPersistentDisk"),
        VOLSRC_UNSUPPORTED("projected"), VOLSRC_UNSUPPORTED("portworxVolume"), VOLSRC_UNSUPPORTED("scaleIO"),
        VOLSRC_UNSUPPORTED("storageos"), VOLSRC_UNSUPPORTED("csi"), VOLSRC_UNSUPPORTED("ephemeral"),
        VOLSRC_UNSUPPORTED("image"), VOLSRC_UNSUPPORTED("gcePersistentDisk"),
        VOLSRC_UNSUPPORTED("awsElasticBlockStore"), VOLSRC_UNSUPPORTED("gitRepo"),
        END,
};
static const TypeDesc t_volume = { "a volume", "spec.volumes[]", sizeof(KVolume), f_volume };

static const FieldDesc f_host_alias[] = {
        FIELD(KHostAlias, "ip", F_STR, ip, NULL),
        FIELD(KHostAlias, "hostnames", F_STRLIST, hostnames, NULL),
        END,
};
static const TypeDesc t_host_alias = { "a host alias", NULL, sizeof(KHostAlias), f_host_alias };

static const FieldDesc f_dns_option[] = {
        FIELD(KDNSOption, "name", F_STR, name, NULL),
        FIELD(KDNSOption, "value", F_STR, value, NULL),
        END,
};
static const TypeDesc t_dns_option = { "a DNS option", NULL, sizeof(KDNSOption), f_dns_option };

static const FieldDesc f_dns_config[] = {
        FIELD(KPodDNSConfig, "nameservers", F_STRLIST, nameservers, NULL),
        FIELD(KPodDNSConfig, "searches", F_STRLIST, searches, NULL),
        FIELD(KPodDNSConfig, "options", F_OBJLIST, options, &t_dns_option),
        END,
};
static const TypeDesc t_dns_config = { "a DNS config", NULL, sizeof(KPodDNSConfig), f_dns_config };

static const FieldDesc f_pod_spec[] = {
        FIELD(KPodSpec, "volumes", F_OBJLIST, volumes, &t_volume),
        FIELD(KPodSpec, "initContainers", F_OBJLIST, init_containers, &t_container),
        FIELD(KPodSpec, "containers", F_OBJLIST, containers, &t_container),
        FIELD(KPodSpec, "restartPolicy", F_STR, restart_policy, NULL),
        FIELD(KPodSpec, "terminationGracePeriodSeconds", F_INT, termination_grace_period_seconds, NULL),
        FIELD(KPodSpec, "hostNetwork", F_BOOL, host_network, NULL),
        FIELD(KPodSpec, "hostPID", F_BOOL, host_pid, NULL),
        FIELD(KPodSpec, "hostIPC", F_BOOL, host_ipc, NULL),
        FIELD(KPodSpec, "shareProcessNamespace", F_BOOL, share_process_namespace, NULL),
        FIELD(KPodSpec, "securityContext", F_OBJ, security_context, &t_pod_security_context),
        FIELD(KPodSpec, "hostname", F_STR, hostname, NULL),
        FIELD(KPodSpec, "hostAliases", F_OBJLIST, host_aliases, &t_host_alias),
        FIELD(KPodSpec, "dnsConfig", F_OBJ, dns_config, &t_dns_config),
        FIELD(KPodSpec, "hostUsers", F_BOOL, host_users, NULL),
        /* Meaningless on one host: accepted without a word, as the issue and podman do. */
        QUIET("nodeSelector"), QUIET("affinity"), QUIET("tolerations"), QUIET("nodeName"),
        QUIET("schedulerName"), QUIET("priorityClassName"), QUIET("priority"), QUIET("preemptionPolicy"),
        QUIET("topologySpreadConstraints"), QUIET("serviceAccountName"), QUIET("serviceAccount"),
        QUIET("automountServiceAccountToken"), QUIET("dnsPolicy"), QUIET("enableServiceLinks"),
        QUIET("overhead"), QUIET("readinessGates"), QUIET("schedulingGates"), QUIET("os"),
        /* Would change what runs, and skiff does not do them: say so. */
        UNSUPPORTED("imagePullSecrets"), UNSUPPORTED("activeDeadlineSeconds"), UNSUPPORTED("runtimeClassName"),
        UNSUPPORTED("subdomain"), UNSUPPORTED("setHostnameAsFQDN"), UNSUPPORTED("ephemeralContainers"),
        UNSUPPORTED("resourceClaims"), UNSUPPORTED("resources"), UNSUPPORTED("hostnameOverride"),
        END,
};
static const TypeDesc t_pod_spec = { "the pod spec", "spec", sizeof(KPodSpec), f_pod_spec };

static const FieldDesc f_pod[] = {
        FIELD(KPod, "metadata", F_OBJ, metadata, &t_meta),
        FIELD(KPod, "spec", F_OBJ, spec, &t_pod_spec),
        QUIET("apiVersion"), QUIET("kind"), QUIET("status"),
        END,
};
static const TypeDesc t_pod = { "a Pod", "", sizeof(KPod), f_pod };

static const FieldDesc f_label_selector[] = {
        FIELD(KLabelSelector, "matchLabels", F_STRMAP, match_labels, NULL),
        FIELD(KLabelSelector, "matchExpressions", F_NODE, match_expressions, NULL),
        END,
};
static const TypeDesc t_label_selector = { "a label selector", NULL, sizeof(KLabelSelector), f_label_selector };

static const FieldDesc f_pod_template[] = {
        FIELD(KPodTemplate, "metadata", F_OBJ, metadata, &t_meta),
        FIELD(KPodTemplate, "spec", F_OBJ, spec, &t_pod_spec),
        END,
};
static const TypeDesc t_pod_template = { "a pod template", NULL, sizeof(KPodTemplate), f_pod_template };

static const FieldDesc f_deployment_spec[] = {
        FIELD(KDeploymentSpec, "replicas", F_INT, replicas, NULL),
        FIELD(KDeploymentSpec, "selector", F_OBJ, selector, &t_label_selector),
        FIELD(KDeploymentSpec, "template", F_OBJ, template_, &t_pod_template),
        QUIET("strategy"), QUIET("minReadySeconds"), QUIET("revisionHistoryLimit"), QUIET("paused"),
        QUIET("progressDeadlineSeconds"),
        END,
};
static const TypeDesc t_deployment_spec = { "a Deployment spec", NULL, sizeof(KDeploymentSpec), f_deployment_spec };

static const FieldDesc f_deployment[] = {
        FIELD(KDeployment, "metadata", F_OBJ, metadata, &t_meta),
        FIELD(KDeployment, "spec", F_OBJ, spec, &t_deployment_spec),
        QUIET("apiVersion"), QUIET("kind"), QUIET("status"),
        END,
};
static const TypeDesc t_deployment = { "a Deployment", "", sizeof(KDeployment), f_deployment };

static const FieldDesc f_config_map[] = {
        FIELD(KConfigMap, "metadata", F_OBJ, metadata, &t_meta),
        FIELD(KConfigMap, "data", F_STRMAP, data, NULL),
        FIELD(KConfigMap, "binaryData", F_STRMAP, binary_data, NULL),
        QUIET("apiVersion"), QUIET("kind"), QUIET("immutable"),
        END,
};
static const TypeDesc t_config_map = { "a ConfigMap", "", sizeof(KConfigMap), f_config_map };

static const FieldDesc f_secret[] = {
        FIELD(KSecret, "metadata", F_OBJ, metadata, &t_meta),
        FIELD(KSecret, "data", F_STRMAP, data, NULL),
        FIELD(KSecret, "stringData", F_STRMAP, string_data, NULL),
        FIELD(KSecret, "type", F_STR, type, NULL),
        QUIET("apiVersion"), QUIET("kind"), QUIET("immutable"),
        END,
};
static const TypeDesc t_secret = { "a Secret", "", sizeof(KSecret), f_secret };

static const FieldDesc f_pvc_resources[] = {
        FIELD(KPVCResources, "requests", F_QUANTITYMAP, requests, NULL),
        FIELD(KPVCResources, "limits", F_QUANTITYMAP, limits, NULL),
        END,
};
static const TypeDesc t_pvc_resources = { "resources", NULL, sizeof(KPVCResources), f_pvc_resources };

static const FieldDesc f_pvc_spec[] = {
        FIELD(KPVCSpec, "accessModes", F_STRLIST, access_modes, NULL),
        FIELD(KPVCSpec, "resources", F_OBJ, resources, &t_pvc_resources),
        FIELD(KPVCSpec, "storageClassName", F_STR, storage_class_name, NULL),
        FIELD(KPVCSpec, "volumeMode", F_STR, volume_mode, NULL),
        QUIET("volumeName"), QUIET("selector"), QUIET("dataSource"), QUIET("dataSourceRef"),
        QUIET("volumeAttributesClassName"),
        END,
};
static const TypeDesc t_pvc_spec = { "a PersistentVolumeClaim spec", NULL, sizeof(KPVCSpec), f_pvc_spec };

static const FieldDesc f_pvc[] = {
        FIELD(KPVC, "metadata", F_OBJ, metadata, &t_meta),
        FIELD(KPVC, "spec", F_OBJ, spec, &t_pvc_spec),
        QUIET("apiVersion"), QUIET("kind"), QUIET("status"),
        END,
};
static const TypeDesc t_pvc = { "a PersistentVolumeClaim", "", sizeof(KPVC), f_pvc };

/* Types whose fields are worth suggesting when a key lands in the wrong place. */
static const TypeDesc *const placement_types[] = { &t_meta, &t_pod_spec, &t_container, &t_volume };

/* Path handling: the decoder keeps the path of the node being read in d->path. */
static size_t path_push_key(Decoder *d, const char *key) {
        size_t mark = d->path.len;

        if (d->path.len > 0 && d->path.buf[d->path.len - 1] != '.')
                strbuf_putc(&d->path, '.');
        strbuf_puts(&d->path, key);
        return mark;
}

static size_t path_push_index(Decoder *d, size_t i) {
        size_t mark = d->path.len;
        strbuf_addf(&d->path, "[%zu]", i);
        return mark;
}

static size_t path_push_map_key(Decoder *d, const char *key) {
        size_t mark = d->path.len;
        strbuf_addf(&d->path, "[%s]", key);
        return mark;
}

static const char *path_str(const Decoder *d) {
        return d->path.buf ?: "";
}

static void decode_diag(Decoder *d, DiagSeverity sev, const YNode *at, const char *fmt, ...) _printf_(4, 5);

static void decode_diag(Decoder *d, DiagSeverity sev, const YNode *at, const char *fmt, ...) {
        va_list ap;

        /* Inside a List the path starts "items[3]."; about the item itself, drop the dot. */
        bool dot = d->path.len > 0 && d->path.buf[d->path.len - 1] == '.';

        if (dot)
                d->path.buf[d->path.len - 1] = 0;
        va_start(ap, fmt);
        (void) diag_list_addv(d->diags, sev, d->file, knode_line(at), knode_column(at), path_str(d), fmt, ap);
        va_end(ap);
        if (dot)
                d->path.buf[d->path.len - 1] = '.';
        if (sev == DIAG_ERROR)
                d->failed = true;
}

/* Edit distance with adjacent transpositions ("lables" is one typo from "labels"), capped: enough to
 * say "did you mean". */
static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b), prev2[64], prev[64], cur[64];

        if (la >= 63 || lb >= 63)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
                        /* Case-only differences ("ContainerPort") are the commonest typo: cheap. */
                        if (a[i - 1] != b[j - 1] && (a[i - 1] | 0x20) == (b[j - 1] | 0x20))
                                sub = prev[j - 1];
                        cur[j] = MIN(MIN(prev[j] + 1, cur[j - 1] + 1), sub);
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                                cur[j] = MIN(cur[j], prev2[j - 2] + 1);
                }
                memcpy(prev2, prev, (lb + 1) * sizeof(size_t));
                memcpy(prev, cur, (lb + 1) * sizeof(size_t));
        }
        return prev[lb];
}

static void report_unknown_field(Decoder *d, const TypeDesc *t, const YPair *p) {
        const char *key = p->key->scalar.value, *best = NULL;
        size_t best_d = SIZE_MAX;

        for (const FieldDesc *f = t->fields; f->name; f++) {
                size_t dist = edit_distance(key, f->name);
                if (dist < best_d) {
                        best_d = dist;
                        best = f->name;
                }
        }
        /* Allow about one typo per four letters, at least one. */
        if (best && best_d <= MAX((size_t) 1, strlen(key) / 4)) {
                decode_diag(d, DIAG_WARNING, p->key, "unknown field, ignoring (did you mean \"%s\"?)", best);
                return;
        }
        /* A spelled-out or misspelled long form of a short field name: "environment" for "env". */
        for (const FieldDesc *f = t->fields; f->name; f++)
                if (f->type != F_QUIET && f->type != F_UNSUPPORTED && strlen(f->name) >= 3 &&
                    strncasecmp(key, f->name, strlen(f->name)) == 0) {
                        decode_diag(d, DIAG_WARNING, p->key, "unknown field, ignoring (did you mean \"%s\"?)",
                                    f->name);
                        return;
                }
        for (size_t i = 0; i < ELEMENTSOF(placement_types); i++) {
                const TypeDesc *o = placement_types[i];
                if (o == t)
                        continue;
                for (const FieldDesc *f = o->fields; f->name; f++)
                        if (streq(f->name, key) && f->type != F_QUIET) {
                                decode_diag(d, DIAG_WARNING, p->key,
                                            "unknown field, ignoring (%s is a field of %s: %s%s%s)", key, o->name,
                                            o->where, *o->where ? "." : "", key);
                                return;
                        }
        }
        decode_diag(d, DIAG_WARNING, p->key, "unknown field, ignoring");
}

static int decode_str(Decoder *d, const YNode *n, KStr *ret) {
        YScalarKind k;

        if (n->type != YNODE_SCALAR) {
                decode_diag(d, DIAG_ERROR, n, "must be a string, got %s", ynode_describe(n));
                return 0;
        }
        k = ynode_scalar_kind(n);
        if (k == YKIND_NULL)
                return 0; /* null is "not set", as in Kubernetes' JSON */
        if (k != YKIND_STRING)
                /* kubectl refuses a number or boolean here; podman (sigs.k8s.io/yaml) converts the
                 * resolved value ("yes" → "true", "010" → "8", "1.50" → "1.5"). skiff keeps the text as
                 * written, which is what the author meant, and says the file will not move to a cluster
                 * as it is. */
                decode_diag(d, DIAG_WARNING, n,
                            "%s %s is read as the string \"%s\"; quote it, Kubernetes rejects it unquoted",
                            k == YKIND_BOOL ? "the boolean" : "the number", n->scalar.value, n->scalar.value);
        *ret = (KStr) { .v = n->scalar.value, .node = n };
        return 0;
}

/* Whether n is a quoted scalar that, written without quotes, would be of kind k ("80", 'true'). */
static bool quoted_as(const YNode *n, YScalarKind k) {
        if (n->type != YNODE_SCALAR || n->tag || n->scalar.style == YSCALAR_PLAIN)
                return false;
        return yaml_resolve_plain(n->scalar.value) == k;
}

static bool leading_zero_decimal(const char *s) {
        if (s[0] != '0' || !s[1])
                return false;
        return strspn(s, "0123456789") == strlen(s);
}

static int decode_int(Decoder *d, const YNode *n, KInt *ret) {
        int64_t v;
        int r;

        if (ynode_is_null(n))
                return 0;
        r = ynode_get_int(n, &v);
        if (r == -ERANGE)
                decode_diag(d, DIAG_ERROR, n, "must be an integer that fits in 64 bits, got %s", n->scalar.value);
        else if (r < 0 && n->type == YNODE_SCALAR && ynode_scalar_kind(n) == YKIND_STRING)
                decode_diag(d, DIAG_ERROR, n, "must be an integer, got the string \"%s\"%s", n->scalar.value,
                            quoted_as(n, YKIND_INT) ? " (remove the quotes)" : "");
        else if (r < 0 && n->type == YNODE_SCALAR && leading_zero_decimal(n->scalar.value))
                /* "0999": a leading 0 means octal in YAML 1.1, and 9 is no octal digit, so it is a float. */
                decode_diag(d, DIAG_ERROR, n,
                            "must be an integer, got %s, which is not octal (a leading 0 means octal: digits 0-7)",
                            n->scalar.value);
        else if (r < 0 && n->type == YNODE_SCALAR)
                decode_diag(d, DIAG_ERROR, n, "must be an integer, got %s %s", ynode_describe(n), n->scalar.value);
        else if (r < 0)
                decode_diag(d, DIAG_ERROR, n, "must be an integer, got %s", ynode_describe(n));
        else
                *ret = (KInt) { .v = v, .set = true, .node = n };
        return 0;
}

static int decode_bool(Decoder *d, const YNode *n, KBool *ret) {
        bool b;

        if (ynode_is_null(n))
                return 0;
        if (ynode_get_bool(n, &b) < 0) {
                if (n->type == YNODE_SCALAR && ynode_scalar_kind(n) == YKIND_STRING)
                        decode_diag(d, DIAG_ERROR, n, "must be true or false, got the string \"%s\"%s", n->scalar.value,
                                    quoted_as(n, YKIND_BOOL) ? " (remove the quotes)" : "");
                else if (n->type == YNODE_SCALAR)
                        decode_diag(d, DIAG_ERROR, n, "must be true or false, got %s %s", ynode_describe(n),
                                    n->scalar.value);
                else
                        decode_diag(d, DIAG_ERROR, n, "must be true or false, got %s", ynode_describe(n));
                return 0;
        }
        *ret = (KBool) { .v = b, .set = true, .node = n };
        return 0;
}

static int decode_int_or_str(Decoder *d, const YNode *n, KIntOrStr *ret) {
        YScalarKind k;
        int64_t v;

        if (ynode_is_null(n))
                return 0;
        if (n->type != YNODE_SCALAR) {
                decode_diag(d, DIAG_ERROR, n, "must be a port number or name, got %s", ynode_describe(n));
                return 0;
        }
        k = ynode_scalar_kind(n);
        if (k == YKIND_INT && ynode_get_int(n, &v) >= 0)
                *ret = (KIntOrStr) { .set = true, .i = v, .node = n };
        else if (k == YKIND_STRING)
                *ret = (KIntOrStr) { .set = true, .is_str = true, .s = n->scalar.value, .node = n };
        else
                decode_diag(d, DIAG_ERROR, n, "must be a port number or name, got %s %s", ynode_describe(n),
                            n->scalar.value);
        return 0;
}

/* "1Gb", "512MB", "1GiB": quantities have no byte unit. Returns a "; did you mean …?" hint naming
 * what does parse, or NULL. */
static char *quantity_byte_hint(const char *s) {
        _cleanup_free_ char *dec = NULL, *bin = NULL;
        size_t len = strlen(s);
        char *hint = NULL, unit;
        Quantity q;
        int r;

        if (len < 3 || (s[len - 1] != 'b' && s[len - 1] != 'B'))
                return NULL;
        /* "1Gb" → "1G" (10^9) or "1Gi" (2^30); "1GiB" → "1Gi"; "1KB" → "1k" or "1Ki". */
        unit = s[len - 2];
        if (asprintf(&dec, "%.*s%c", (int) (len - 2), s, unit == 'K' ? 'k' : unit) < 0)
                return NULL;
        if (unit != 'i' && asprintf(&bin, "%.*s%ci", (int) (len - 2), s, unit == 'k' ? 'K' : unit) < 0)
                return NULL;
        if (quantity_parse(dec, &q, NULL) < 0)
                return NULL;
        if (bin && quantity_parse(bin, &q, NULL) >= 0)
                r = asprintf(&hint, "; did you mean \"%s\" or \"%s\"? (quantities have no byte unit)", bin,
                             dec);
        else
                r = asprintf(&hint, "; did you mean \"%s\"? (quantities have no byte unit)", dec);
        return r < 0 ? NULL : hint;
}

static int decode_quantity(Decoder *d, const YNode *n, KQuantity *ret) {
        const char *reason = NULL;
        YScalarKind k;

        if (ynode_is_null(n))
                return 0;
        k = n->type == YNODE_SCALAR ? ynode_scalar_kind(n) : _YKIND_INVALID;
        if (k != YKIND_STRING && k != YKIND_INT && k != YKIND_FLOAT) {
                decode_diag(d, DIAG_ERROR, n, "must be a quantity such as 128Mi, 500m or 1.5, got %s",
                            ynode_describe(n));
                return 0;
        }
        *ret = (KQuantity) { .set = true, .text = n->scalar.value, .node = n };
        if (quantity_parse(n->scalar.value, &ret->q, &reason) < 0) {
                _cleanup_free_ char *hint = quantity_byte_hint(n->scalar.value);
                decode_diag(d, DIAG_ERROR, n, "invalid quantity \"%s\": %s%s", n->scalar.value,
                            reason ?: "not a number", strempty(hint));
        } else
                ret->valid = true;
        return 0;
}

static bool want_list(Decoder *d, const YNode *n, const char *what) {
        if (n->type == YNODE_SEQUENCE)
                return true;
        if (n->type == YNODE_SCALAR && ynode_scalar_kind(n) == YKIND_STRING && strchr(n->scalar.value, ' ') &&
            streq(what, "strings"))
                /* "command: sleep 10" is the classic: a list is needed, and the shell does not split it. */
                decode_diag(d, DIAG_ERROR, n, "must be a list of strings, got a string; write it as a list: [\"%.*s\", …]",
                            (int) strcspn(n->scalar.value, " "), n->scalar.value);
        else
                decode_diag(d, DIAG_ERROR, n, "must be a list of %s, got %s", what, ynode_describe(n));
        return false;
}

static int decode_strlist(Decoder *d, const YNode *n, KStrList *ret) {
        KStr *v;

        if (ynode_is_null(n))
                return 0;
        if (!want_list(d, n, "strings"))
                return 0;
        v = arena_new0(d->arena, KStr, n->seq.n);
        if (n->seq.n && !v)
                return -ENOMEM;
        for (size_t i = 0; i < n->seq.n; i++) {
                size_t mark = path_push_index(d, i);
                const YNode *item = n->seq.items[i];

                if (ynode_is_null(item)) /* JSON null in a []string is "" */
                        v[i] = (KStr) { .v = "", .node = item };
                else
                        decode_str(d, item, &v[i]);
                strbuf_truncate(&d->path, mark);
        }
        *ret = (KStrList) { .v = v, .n = n->seq.n, .node = n };
        return 0;
}

static int decode_intlist(Decoder *d, const YNode *n, KIntList *ret) {
        KInt *v;

        if (ynode_is_null(n))
                return 0;
        if (!want_list(d, n, "integers"))
                return 0;
        v = arena_new0(d->arena, KInt, n->seq.n);
        if (n->seq.n && !v)
                return -ENOMEM;
        for (size_t i = 0; i < n->seq.n; i++) {
                size_t mark = path_push_index(d, i);
                decode_int(d, n->seq.items[i], &v[i]);
                strbuf_truncate(&d->path, mark);
        }
        *ret = (KIntList) { .v = v, .n = n->seq.n, .node = n };
        return 0;
}

static bool want_map(Decoder *d, const YNode *n) {
        if (n->type == YNODE_MAPPING)
                return true;
        decode_diag(d, DIAG_ERROR, n, "must be a mapping, got %s", ynode_describe(n));
        return false;
}

static int decode_strmap(Decoder *d, const YNode *n, KStrMap *ret) {
        KStrPair *v;

        if (ynode_is_null(n))
                return 0;
        if (!want_map(d, n))
                return 0;
        v = arena_new0(d->arena, KStrPair, n->map.n);
        if (n->map.n && !v)
                return -ENOMEM;
        for (size_t i = 0; i < n->map.n; i++) {
                const YPair *p = &n->map.pairs[i];
                size_t mark = path_push_map_key(d, p->key->scalar.value);

                v[i].key = (KStr) { .v = p->key->scalar.value, .node = p->key };
                if (ynode_is_null(p->value))
                        v[i].value = (KStr) { .v = "", .node = p->value };
                else
                        decode_str(d, p->value, &v[i].value);
                strbuf_truncate(&d->path, mark);
        }
        *ret = (KStrMap) { .v = v, .n = n->map.n, .node = n };
        return 0;
}

static int decode_quantitymap(Decoder *d, const YNode *n, KQuantityMap *ret) {
        KQuantityPair *v;

        if (ynode_is_null(n))
                return 0;
        if (!want_map(d, n))
                return 0;
        v = arena_new0(d->arena, KQuantityPair, n->map.n);
        if (n->map.n && !v)
                return -ENOMEM;
        for (size_t i = 0; i < n->map.n; i++) {
                const YPair *p = &n->map.pairs[i];
                size_t mark = path_push_key(d, p->key->scalar.value);

                v[i].key = (KStr) { .v = p->key->scalar.value, .node = p->key };
                decode_quantity(d, p->value, &v[i].value);
                strbuf_truncate(&d->path, mark);
        }
        *ret = (KQuantityMap) { .v = v, .n = n->map.n, .node = n };
        return 0;
}

static int decode_object(Decoder *d, const TypeDesc *t, const YNode *n, void *obj);

/* Kubernetes defaults a probe's timeoutSeconds, periodSeconds, successThreshold and failureThreshold
 * when they are 0 (SetDefaults_Probe) before validating them, so 0 is accepted and means the default.
 * Do the same, and say so: "periodSeconds: 0" rarely means "every 10 seconds" on purpose. */
static void probe_zero_defaults(Decoder *d, KProbe *p) {
        const struct {
                KInt *field;
                const char *name;
                int def;
        } fields[] = {
                { &p->timeout_seconds, "timeoutSeconds", 1 },
                { &p->period_seconds, "periodSeconds", 10 },
                { &p->success_threshold, "successThreshold", 1 },
                { &p->failure_threshold, "failureThreshold", 3 },
        };

        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                size_t mark;

                if (!fields[i].field->set || fields[i].field->v != 0)
                        continue;
                mark = path_push_key(d, fields[i].name);
                decode_diag(d, DIAG_WARNING, fields[i].field->node,
                            "0 means the default, %d, as in Kubernetes; write %d or leave it out",
                            fields[i].def, fields[i].def);
                strbuf_truncate(&d->path, mark);
                *fields[i].field = (KInt) {};
        }
}

static int decode_obj_ptr(Decoder *d, const TypeDesc *t, const YNode *n, void **ret) {
        void *obj;
        int r;

        if (ynode_is_null(n))
                return 0;
        if (n->type != YNODE_MAPPING) {
                decode_diag(d, DIAG_ERROR, n, "must be a mapping (%s), got %s", t->name, ynode_describe(n));
                return 0;
        }
        obj = arena_alloc(d->arena, t->size);
        if (!obj)
                return -ENOMEM;
        *ret = obj;
        r = decode_object(d, t, n, obj);
        if (r >= 0 && t == &t_probe)
                probe_zero_defaults(d, obj);
        return r;
}

static int decode_objlist(Decoder *d, const TypeDesc *t, const YNode *n, KListAny *ret) {
        char *v;
        int r;

        if (ynode_is_null(n))
                return 0;
        if (n->type != YNODE_SEQUENCE) {
                decode_diag(d, DIAG_ERROR, n, "must be a list, got %s", ynode_describe(n));
                return 0;
        }
        v = arena_alloc_array(d->arena, t->size, n->seq.n);
        if (n->seq.n && !v)
                return -ENOMEM;
        for (size_t i = 0; i < n->seq.n; i++) {
                const YNode *item = n->seq.items[i];
                size_t mark = path_push_index(d, i);

                if (item->type != YNODE_MAPPING)
                        decode_diag(d, DIAG_ERROR, item, "must be a mapping (%s), got %s", t->name,
                                    ynode_describe(item));
                else {
                        r = decode_object(d, t, item, v + i * t->size);
                        if (r < 0)
                                return r;
                }
                strbuf_truncate(&d->path, mark);
        }
        *ret = (KListAny) { .v = v, .n = n->seq.n, .node = n };
        return 0;
}

static const FieldDesc *find_field(const TypeDesc *t, const char *key) {
        for (const FieldDesc *f = t->fields; f->name; f++)
                if (streq(f->name, key))
                        return f;
        return NULL;
}

static int decode_object(Decoder *d, const TypeDesc *t, const YNode *n, void *obj) {
        /* Every model struct starts with the node it was read from. */
        *(const YNode **) obj = n;

        for (size_t i = 0; i < n->map.n; i++) {
                const YPair *p = &n->map.pairs[i];
                const FieldDesc *f = find_field(t, p->key->scalar.value);
                char *field = f ? (char *) obj + f->offset : NULL;
                size_t mark;
                int r = 0;

                mark = path_push_key(d, p->key->scalar.value);
                if (!f) {
                        report_unknown_field(d, t, p);
                        strbuf_truncate(&d->path, mark);
                        continue;
                }
                switch (f->type) {
                case F_STR:
                        r = decode_str(d, p->value, (KStr *) field);
                        break;
                case F_INT:
                        r = decode_int(d, p->value, (KInt *) field);
                        break;
                case F_BOOL:
                        r = decode_bool(d, p->value, (KBool *) field);
                        break;
                case F_INTORSTR:
                        r = decode_int_or_str(d, p->value, (KIntOrStr *) field);
                        break;
                case F_QUANTITY:
                        r = decode_quantity(d, p->value, (KQuantity *) field);
                        break;
                case F_STRLIST:
                        r = decode_strlist(d, p->value, (KStrList *) field);
                        break;
                case F_INTLIST:
                        r = decode_intlist(d, p->value, (KIntList *) field);
                        break;
                case F_STRMAP:
                        r = decode_strmap(d, p->value, (KStrMap *) field);
                        break;
                case F_QUANTITYMAP:
                        r = decode_quantitymap(d, p->value, (KQuantityMap *) field);
                        break;
                case F_OBJ:
                        r = decode_obj_ptr(d, f->sub, p->value, (void **) field);
                        break;
                case F_OBJLIST: {
                        KListAny l = {};
                        r = decode_objlist(d, f->sub, p->value, &l);
                        memcpy(field, &l, sizeof(l));
                        break;
                }
                case F_NODE:
                        if (!ynode_is_null(p->value))
                                *(const YNode **) field = p->value;
                        break;
                case F_VOLSRC_UNSUPPORTED:
                        if (!*(const YPair **) field)
                                *(const YPair **) field = p;
                        break;
                case F_UNSUPPORTED:
                        if (!ynode_is_null(p->value))
                                decode_diag(d, DIAG_WARNING, p->key, "not supported by skiff, ignoring");
                        break;
                case F_QUIET:
                default:
                        break;
                }
                strbuf_truncate(&d->path, mark);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const TypeDesc *const kind_types[_KUBE_KIND_MAX] = {
        [KUBE_POD] = &t_pod,
        [KUBE_DEPLOYMENT] = &t_deployment,
        [KUBE_CONFIG_MAP] = &t_config_map,
        [KUBE_SECRET] = &t_secret,
        [KUBE_PVC] = &t_pvc,
};

static const char *const kind_api_versions[_KUBE_KIND_MAX] = {
        [KUBE_POD] = "v1",
        [KUBE_DEPLOYMENT] = "apps/v1",
        [KUBE_CONFIG_MAP] = "v1",
        [KUBE_SECRET] = "v1",
        [KUBE_PVC] = "v1",
};

/* Kinds of Kubernetes' own API that skiff does not run: skipped with a warning, as podman skips them
 * (podman only logs them). Anything else is most likely a typo of a kind skiff does run. */
static const char *const known_other_kinds[] = {
        "Service", "Ingress", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet",
        "ReplicationController", "Namespace", "ServiceAccount", "Role", "RoleBinding", "ClusterRole",
        "ClusterRoleBinding", "NetworkPolicy", "PersistentVolume", "StorageClass", "HorizontalPodAutoscaler",
        "PodDisruptionBudget", "Endpoints", "EndpointSlice", "LimitRange", "ResourceQuota", "PodTemplate",
        "CustomResourceDefinition", "IngressClass", "PriorityClass", "Event", "Node", "Lease",
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "Gateway", "HTTPRoute", NULL,
};

static int set_add_object(KubeSet *set, KubeObject **ret) {
        if (set->n_objects == set->alloc_objects) {
                size_t a = set->alloc_objects ? set->alloc_objects * 2 : 16;
                KubeObject *o = realloc(set->objects, a * sizeof(KubeObject));
                if (!o)
                        return -ENOMEM;
                set->objects = o;
                set->alloc_objects = a;
        }
        *ret = &set->objects[set->n_objects++];
        **ret = (KubeObject) {};
        return 0;
}

static int decode_document(KubeSet *set, Decoder *d, const YNode *root, const char *prefix, bool configmap_only,
                           bool in_list) {
        const YNode *kind_node, *api_node, *items;
        KubeObject *o;
        KubeKind kind;
        const char *kind_str;
        void *obj = NULL;
        int r;

        strbuf_truncate(&d->path, 0);
        strbuf_puts(&d->path, prefix);
        if (root->type != YNODE_MAPPING) {
                decode_diag(d, DIAG_ERROR, root, "a Kubernetes object must be a mapping, got %s", ynode_describe(root));
                return 0;
        }
        kind_node = ynode_map_get(root, "kind");
        api_node = ynode_map_get(root, "apiVersion");
        if (ynode_is_null(kind_node) || kind_node->type != YNODE_SCALAR) {
                size_t mark = path_push_key(d, "kind");
                if (ynode_is_null(kind_node))
                        decode_diag(d, DIAG_ERROR, root,
                                    "required: this document needs a kind (Pod, Deployment, ConfigMap, Secret, "
                                    "PersistentVolumeClaim or List)");
                else
                        decode_diag(d, DIAG_ERROR, kind_node, "must be a string, got %s", ynode_describe(kind_node));
                strbuf_truncate(&d->path, mark);
                return 0;
        }
        kind_str = kind_node->scalar.value;

        if (streq(kind_str, "List") && !in_list) {
                items = ynode_map_get(root, "items");
                if (ynode_is_null(items))
                        return 0;
                if (items->type != YNODE_SEQUENCE) {
                        size_t mark = path_push_key(d, "items");
                        decode_diag(d, DIAG_ERROR, items, "must be a list, got %s", ynode_describe(items));
                        strbuf_truncate(&d->path, mark);
                        return 0;
                }
                for (size_t i = 0; i < items->seq.n; i++) {
                        _cleanup_free_ char *p = NULL;
                        if (asprintf(&p, "%sitems[%zu].", prefix, i) < 0)
                                return -ENOMEM;
                        r = decode_document(set, d, items->seq.items[i], p, configmap_only, true);
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        kind = kube_kind_from_string(kind_str);
        if (kind < 0) {
                size_t mark = path_push_key(d, "kind");
                bool other = false;

                for (const char *const *k = known_other_kinds; *k; k++)
                        if (streq(*k, kind_str))
                                other = true;
                if (other)
                        decode_diag(d, DIAG_WARNING, kind_node, "kind %s is not run by skiff, skipping this document",
                                    kind_str);
                else {
                        const char *best = NULL;
                        for (KubeKind k = 0; k < _KUBE_KIND_MAX; k++)
                                if (edit_distance(kind_str, kube_kind_to_string(k)) <= 2)
                                        best = kube_kind_to_string(k);
                        if (best)
                                decode_diag(d, DIAG_ERROR, kind_node, "unknown kind \"%s\" (did you mean \"%s\"?)",
                                            kind_str, best);
                        else
                                decode_diag(d, DIAG_WARNING, kind_node,
                                            "unknown kind \"%s\", skipping this document", kind_str);
                }
                strbuf_truncate(&d->path, mark);
                return 0;
        }
        if (configmap_only && kind != KUBE_CONFIG_MAP) {
                size_t mark = path_push_key(d, "kind");
                decode_diag(d, DIAG_ERROR, kind_node, "--configmap files may only hold ConfigMaps, got a %s",
                            kind_str);
                strbuf_truncate(&d->path, mark);
                return 0;
        }

        {
                size_t mark = path_push_key(d, "apiVersion");
                if (ynode_is_null(api_node))
                        decode_diag(d, DIAG_WARNING, root, "not set; reading this %s as %s", kind_str,
                                    kind_api_versions[kind]);
                else if (api_node->type != YNODE_SCALAR)
                        decode_diag(d, DIAG_ERROR, api_node, "must be a string, got %s", ynode_describe(api_node));
                else if (!streq(api_node->scalar.value, kind_api_versions[kind]))
                        decode_diag(d, DIAG_WARNING, api_node, "a %s is %s, got \"%s\"; reading it as %s", kind_str,
                                    kind_api_versions[kind], api_node->scalar.value, kind_api_versions[kind]);
                strbuf_truncate(&d->path, mark);
        }

        obj = arena_alloc(d->arena, kind_types[kind]->size);
        if (!obj)
                return -ENOMEM;
        r = decode_object(d, kind_types[kind], root, obj);
        if (r < 0)
                return r;

        r = set_add_object(set, &o);
        if (r < 0)
                return r;
        o->kind = kind;
        o->file = d->file;
        o->prefix = arena_strdup(d->arena, prefix);
        if (!o->prefix)
                return -ENOMEM;
        o->node = root;
        o->from_configmap_option = configmap_only;
        if (api_node && api_node->type == YNODE_SCALAR)
                o->api_version = (KStr) { .v = api_node->scalar.value, .node = api_node };
        switch (kind) {
        case KUBE_POD:
                o->pod = obj;
                o->metadata = o->pod->metadata;
                break;
        case KUBE_DEPLOYMENT:
                o->deployment = obj;
                o->metadata = o->deployment->metadata;
                break;
        case KUBE_CONFIG_MAP:
                o->config_map = obj;
                o->metadata = o->config_map->metadata;
                break;
        case KUBE_SECRET:
                o->secret = obj;
                o->metadata = o->secret->metadata;
                break;
        case KUBE_PVC:
                o->pvc = obj;
                o->metadata = o->pvc->metadata;
                break;
        default:
                break;
        }
        /* podman's names: a Pod's pod is the Pod's name, a Deployment's is NAME-pod. */
        if ((kind == KUBE_POD || kind == KUBE_DEPLOYMENT) && o->metadata && o->metadata->name.v) {
                o->pod_name = kind == KUBE_POD ? o->metadata->name.v
                                               : arena_printf(d->arena, "%s-pod", o->metadata->name.v);
                if (!o->pod_name)
                        return -ENOMEM;
        }
        return 0;
}

int kube_set_load(KubeSet *set, const char *text, size_t len, const char *file, bool configmap_only,
                  DiagList *diags) {
        _cleanup_(ystream_freep) YStream *s = NULL;
        Diag *err = NULL;
        YStream **streams;
        Decoder d = {
                .arena = set->arena,
                .diags = diags,
        };
        int r;

        r = ystream_load(text, len, file, &s, &err);
        if (r == -EBADMSG) {
                (void) diag_list_take(diags, err);
                return r;
        }
        if (r < 0)
                return r;

        streams = realloc(set->streams, (set->n_streams + 1) * sizeof(YStream *));
        if (!streams)
                return -ENOMEM;
        set->streams = streams;
        d.file = s->file;
        set->streams[set->n_streams++] = TAKE_PTR(s);

        for (size_t i = 0; i < set->streams[set->n_streams - 1]->n_docs; i++) {
                const YDocument *doc = &set->streams[set->n_streams - 1]->docs[i];

                r = decode_document(set, &d, doc->root, "", configmap_only, false);
                if (r < 0)
                        break;
        }
        strbuf_release(&d.path);
        if (r >= 0)
                r = kube_set_reindex(set);
        if (r < 0)
                return r;
        if (diags->oom)
                return -ENOMEM;
        return d.failed ? -EINVAL : 0;
}
