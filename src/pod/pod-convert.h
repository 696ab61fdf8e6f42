#pragma once

/* From the kube plan (src/play/kube-plan.h, built with PlanOptions.runtime and show_secrets) to the
 * inputs of rtcore's container plan: one RunOptions per container and one for the infra container.
 * Pure: no file is read or written, so every rule is unit-tested on the examples.
 *
 * What a pod adds to a container's flags:
 *   - names: the pod is the plan's pod name, containers are POD-CONTAINER (podman's names);
 *   - namespaces: net, ipc and uts joined from the infra (ns:/proc/INFRA/ns/KIND), pid too with
 *     shareProcessNamespace; hostNetwork/hostIPC/hostPID keep the host's (hostNetwork the host's uts);
 *   - hostname: spec.hostname or the pod name (the plan decided), the same in every container;
 *   - /etc/hosts: one file for the whole pod naming the pod and every hostAliases entry
 *     (pod_etc_hosts(), set over the container plan's own);
 *   - volumes as -v SOURCE:DESTINATION:OPTIONS binds of the pod's volume directories;
 *   - env (resolved by the plan, fieldRefs known only now filled in), argv by Kubernetes' command/args
 *     rules, securityContext and resources mapped onto podman's flags;
 *   - restarts are the supervisor's (restart "no" for the runtime), the stop timeout is the pod's
 *     terminationGracePeriodSeconds, labels and annotations kept. */

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/container-plan.h"
#include "runtime/run-options.h"

typedef struct PodFacts {
        const char *pod_id;            /* 64 hex digits */
        pid_t infra_pid;               /* the infra's process as the host sees it; 0: not running yet,
                                        * namespaces are then joined through ns_dir */
        const char *ns_dir;            /* instead of /proc/INFRA/ns: a directory holding net, ipc, uts, pid */
        const char *volumes_dir;       /* the pod's own volume dirs: VOLUMES_DIR/<volume name> (emptyDir,
                                        * configMap, secret) */
        const char *named_volumes_dir; /* named volumes (PVCs): NAMED_VOLUMES_DIR/<claim>/_data */
        const char *tmpfs_volumes_dir; /* secret and emptyDir medium Memory volumes: a tmpfs each at
                                        * TMPFS_VOLUMES_DIR/<volume name> (RUNROOT); NULL: volumes_dir */
        const char *log_driver;        /* kube play --log-driver; NULL: the default */
        char **annotations;            /* kube play --annotation K=V, added to every container */
        const char *pause_path;        /* the skiff-pause binary */
        const char *infra_rootfs;      /* an empty directory: the infra's whole root */
        const char *host_ip;           /* status.hostIP for fieldRefs; NULL: 127.0.0.1 */
        const char *pod_ip;            /* status.podIP; NULL: 127.0.0.1 (loopback-only pods) */
} PodFacts;

/* Fills *ret (zeroed first; run_options_done() it) for one container of the pod (an element of
 * pod["initContainers"] or pod["containers"]) with id ctr_id. Returns 0, -ENOMEM, or -EINVAL with
 * *ret_error naming the container and field when the plan holds something the runtime cannot do. */
int pod_container_options(json_object *pod, json_object *container, const PodFacts *f, const char *ctr_id,
                          RunOptions *ret, char **ret_error);

/* The infra container's flags and image: skiff-pause as PID 1 of an empty root, owning the pod's
 * namespaces (new net/ipc/uts unless host*, a new pid namespace that the containers join with
 * shareProcessNamespace), read-only, no capabilities beyond podman's defaults. */
int pod_infra_options(json_object *pod, const PodFacts *f, const char *infra_id, RunOptions *ret,
                      ImageInfo *ret_image, char **ret_error);

/* The pod's /etc/hosts: localhost, the pod's hostname and name on 127.0.1.1, then one line per
 * hostAliases entry (Kubernetes' layout). NULL with hostNetwork (the host's file is used) or on OOM:
 * check pod_uses_host_network(). New string. */
char *pod_etc_hosts(json_object *pod);
bool pod_uses_host_network(json_object *pod);

/* Whether volume v (an element of pod["volumes"]) is a tmpfs of the pod's own: a secret (its files
 * never touch the disk) or an emptyDir with medium Memory. */
bool pod_volume_is_tmpfs(json_object *v);

/* The tmpfs mount options of such a volume: "mode=0755,size=SIZE" for a secret (SIZE: its files'
 * bytes plus slack), "mode=0777[,size=sizeLimitBytes]" for an emptyDir. New string, NULL on OOM. */
char *pod_volume_tmpfs_options(json_object *v);

/* The host directory that backs volume name of the pod (hostPath's path, VOLUMES_DIR/NAME,
 * TMPFS_VOLUMES_DIR/NAME, NAMED_VOLUMES_DIR/CLAIM/_data). Returns 0 with a new string, -ENOENT for an unknown volume, -ENOMEM. */
int pod_volume_source(json_object *pod, const char *name, const PodFacts *f, char **ret);

/* The pod's cgroup limits, as the kubelet sizes a pod's cgroup: memory the sum of the app containers'
 * (and sidecars') limits, or the largest init container's if that is more, only when every container
 * has one; cpu quota likewise from the cpu limits (100000 µs periods); cpu shares from the sum of the
 * cpu requests (1024 per CPU, at least 2) when any container has one. */
void pod_cgroup_limits(json_object *pod, CgroupLimits *ret);

/* Puts a plan (a container's or the infra's) into the pod's cgroup "skiff-pod-<pod id>" (under the
 * supervisor's own cgroup, next to nothing else) with the pod's limits. Returns 0 or -ENOMEM. */
int pod_plan_cgroup(json_object *pod, const char *pod_id, ContainerPlan *p);
