#pragma once

/* The container plan: everything container_spawn() needs, computed without side effects from the
 * user's flags (RunOptions), the image (ImageInfo) and skiff's paths. Like an OCI config.json, but our
 * own and smaller: a plan is plain data, built and unit-tested in plan-*.c, stored as JSON in the
 * container's record (create, then start; restarts), and applied by apply-*.c.
 *
 * Every mount the container gets is listed in the plan in mount order, the system ones (/proc, /dev,
 * /sys, ...) included, so what a container sees can be checked from a unit test. The apply step only
 * adds what cannot be known before (the uid/gid a devpts may use inside a user namespace, falling back
 * to a bind of /sys where sysfs may not be mounted).
 *
 * Ownership: a ContainerPlan owns every string and array in it; container_plan_free() frees it all. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cleanup.h"
#include "common/paths.h"
#include "runtime/caps.h"
#include "runtime/devices.h"
#include "runtime/health.h"
#include "runtime/cgroup.h"
#include "runtime/rlimits.h"
#include "runtime/run-options.h"
#include "runtime/seccomp.h"
#include "runtime/sysctl.h"

typedef struct PlanNamespace {
        NsMode mode;
        char *path; /* NS_MODE_JOIN only */
} PlanNamespace;

typedef struct PlanIdMap {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
} PlanIdMap;

/* Mount flags beyond MS_*: what the apply step must do besides the mount itself. */
typedef enum PlanMountExtra {
        PLAN_MOUNT_CHOWN = 1 << 0,        /* U: chown the source to the container's user */
        PLAN_MOUNT_MKDIR_SOURCE = 1 << 1, /* create a missing source dir (named volumes) */
        PLAN_MOUNT_FILE = 1 << 2,         /* the destination is a file (bind of a file, /etc files) */
} PlanMountExtra;

typedef struct PlanMount {
        char *destination;         /* absolute, inside the container */
        char *type;                /* "bind", "tmpfs", "proc", "sysfs", "devpts", "mqueue", "overlay" */
        char *source;              /* host path for binds; the type otherwise */
        unsigned long flags;       /* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, ... */
        unsigned long propagation; /* 0, or MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC) */
        char *data;                /* filesystem options ("mode=755,size=65536k"), or NULL */
        unsigned extra;            /* PlanMountExtra */
} PlanMount;

typedef enum PlanLogDriver {
        PLAN_LOG_K8S_FILE,
        PLAN_LOG_JOURNALD,
        PLAN_LOG_NONE,
        _PLAN_LOG_MAX,
        _PLAN_LOG_INVALID = -22,
} PlanLogDriver;

const char *plan_log_driver_to_string(PlanLogDriver d);
PlanLogDriver plan_log_driver_from_string(const char *s);

typedef enum PlanRestart {
        PLAN_RESTART_NO,
        PLAN_RESTART_ON_FAILURE,
        PLAN_RESTART_ALWAYS,
        PLAN_RESTART_UNLESS_STOPPED,
        _PLAN_RESTART_MAX,
        _PLAN_RESTART_INVALID = -22,
} PlanRestart;

const char *plan_restart_to_string(PlanRestart r);
PlanRestart plan_restart_from_string(const char *s);

typedef struct ContainerPlan {
        /* Identity and lifecycle (rtlife's monitor and state read these) */
        char *id;
        char *name;
        char *image_id;
        char *image_name;
        char **labels;      /* K=V, image labels first, then --label (later wins) */
        char **annotations; /* K=V */
        bool rm, detach, interactive, replace;
        PlanRestart restart;
        unsigned restart_max_retries; /* on-failure:N; 0: unlimited */
        int stop_signal;              /* a signal number */
        unsigned stop_timeout;        /* seconds */
        PlanLogDriver log_driver;
        char *cidfile;
        char *sdnotify;

        /* Directories (host paths) */
        char *container_dir; /* ROOT/containers/<id>: holds upper/ and work/ (and rtlife's files) */
        char *run_dir;       /* RUNROOT/containers/<id>/run: hosts, hostname, resolv.conf, the rootfs mount
                              * point (RUNROOT/containers/<id>/ itself is rtlife's state) */
        char *cache_dir;     /* RUNROOT/seccomp-cache: compiled seccomp programs (see seccomp.h) */

        /* Root filesystem: an overlay of lower_dirs (LOWEST FIRST, as ImageInfo) with upper_dir/work_dir,
         * or the plain directory rootfs. */
        char **lower_dirs;
        char *upper_dir;
        char *work_dir;
        char *rootfs;
        bool read_only; /* the root is remounted read-only */

        /* Process */
        char **argv; /* argv[0] is looked up in the container's PATH when it has no '/' */
        char **env;  /* NAME=VALUE, unique names, in order */
        char *cwd;   /* absolute */
        char *user;  /* the -u/image user as given, for messages ("" when root by default) */
        uid_t uid;
        gid_t gid;
        gid_t *groups; /* supplementary groups (from /etc/group membership and --group-add) */
        size_t n_groups;
        bool tty;
        bool init; /* argv[0] is /run/skiff-init, bound from init_path */
        char *init_path;
        char *hostname;
        unsigned umask;
        int parent_death_signal; /* 0 (default): the command outlives its parent (the monitor); else
                                  * the signal it gets when the caller dies (pods: SIGKILL) */

        /* Namespaces and id maps (maps only when ns[NS_USER] is NEW) */
        PlanNamespace ns[_NS_KIND_MAX];
        PlanIdMap *uid_map;
        size_t n_uid_map;
        PlanIdMap *gid_map;
        size_t n_gid_map;

        /* Files written per container into run_dir and bound over /etc/... */
        char *etc_hosts;
        char *etc_hostname;
        char *etc_resolv_conf; /* NULL: bind the host's /etc/resolv.conf content copied at spawn */
        char *timezone;        /* a zoneinfo name to bind at /etc/localtime, or NULL */

        /* Mounts, in order */
        PlanMount *mounts;
        size_t n_mounts;
        char **masked_paths;   /* /dev/null over files, an empty read-only tmpfs over directories */
        char **readonly_paths; /* bound read-only onto themselves */

        /* Security */
        bool privileged;
        bool no_new_privs;
        CapSet caps;           /* caps_build() for the plan's uid (rtsec's caps.h) */
        SeccompConfig seccomp; /* the custom profile's text is kept in the plan */
        Sysctls sysctls;       /* validated, namespaced only */

        /* Resources */
        Rlimits rlimits; /* podman's defaults clamped to the caller's hard limits, then --ulimit */
        CgroupsMode cgroups;
        CgroupLimits limits;
        char *cgroup_parent;        /* a cgroup under the caller's own that several containers share
                                     * (a pod's: "skiff-pod-<id>"), created by the first; NULL: none */
        CgroupLimits parent_limits; /* written on cgroup_parent (the pod's limits) */

        /* Health check (health.h): the monitor runs it; NULL: none */
        HealthConfig *health;

        /* --device nodes (devices.h), bound into the container and allowed in its devices cgroup */
        PlanDevice *devices;
        size_t n_devices;
} ContainerPlan;

ContainerPlan *container_plan_free(ContainerPlan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(ContainerPlan *, container_plan_free);
#define _cleanup_container_plan_ _cleanup_(container_plan_freep)

/* Builds the plan. Reads only files of the image (its /etc/passwd and /etc/group through the layer dirs,
 * top-down, honouring whiteouts), --env-file files, the caller's environment for -e NAME/--env-host,
 * the caller's rlimits (for clamping), and --security-opt seccomp=FILE. No other side effect.
 *
 * Returns 0 and a new plan in *ret (free with container_plan_free()), or -errno. On a bad input
 * (-EINVAL, -ENOENT for a missing file or user, -E2BIG, ...) *ret_error is a new one-line message
 * naming the flag and the value ("--user nobody2: no such user in the image's /etc/passwd"); on
 * -ENOMEM it may stay NULL. */
int container_plan_build(const RunOptions *opts, const ImageInfo *image, const SkiffPaths *paths,
                         ContainerPlan **ret, char **ret_error);

/* The plan as a JSON object (new reference in *ret) / back from one. container_plan_from_json() checks
 * types and enum names and gives -EBADMSG with a message naming the key when the JSON does not describe
 * a plan (state files may have been edited by hand). Both return 0 or -errno. */
struct json_object;
int container_plan_to_json(const ContainerPlan *p, struct json_object **ret);
int container_plan_from_json(struct json_object *o, ContainerPlan **ret, char **ret_error);

/* Convenience: the JSON text, and back. */
int container_plan_to_string(const ContainerPlan *p, char **ret);
int container_plan_from_string(const char *s, ContainerPlan **ret, char **ret_error);

/* The pieces of container_plan_build(), exported for unit tests and for the pod code. Each returns 0
 * or -errno with *ret_error on a bad input. */

/* argv from --entrypoint/command over the image's Entrypoint/Cmd (podman's rules: a given entrypoint
 * drops the image's Cmd unless a command is given too; --entrypoint '' clears; '["a","b"]' is JSON). */
int plan_argv(const RunOptions *opts, const ImageInfo *image, char ***ret, char **ret_error);

/* Adds/replaces NAME=VALUE in *env keeping the first position of NAME. */
int plan_env_set(char ***env, const char *assignment);

/* Parses one -v, --mount or --tmpfs value into a PlanMount (freed with plan_mount_done()). */
int plan_parse_volume(const char *spec, PlanMount *ret, char **ret_error);
int plan_parse_mount(const char *spec, PlanMount *ret, char **ret_error);
int plan_parse_tmpfs(const char *spec, PlanMount *ret, char **ret_error);
void plan_mount_done(PlanMount *m);

/* Resolves user ("name", "uid", "name:group", "uid:gid") and group_add in the image whose layers are
 * layer_dirs (lowest first) or rootfs: uid, gid, supplementary groups and the home directory (may be
 * NULL). A name missing from the image's files is -ENOENT with a message naming it. */
int plan_resolve_user(char *const *layer_dirs, const char *rootfs, const char *user, char *const *group_add,
                      uid_t *ret_uid, gid_t *ret_gid, gid_t **ret_groups, size_t *ret_n_groups,
                      char **ret_home, char **ret_error);

/* Opens path (absolute, inside the image) through the layers top-down, as overlayfs would show it:
 * -ENOENT when a whiteout (.wh.NAME or a 0:0 char device) or an opaque dir hides it. Returns an fd
 * (O_RDONLY|O_CLOEXEC) or -errno. */
int plan_open_image_file(char *const *layer_dirs, const char *rootfs, const char *path);

/* podman's default masked and read-only paths (NULL-terminated, static). */
extern const char *const plan_default_masked_paths[];
extern const char *const plan_default_readonly_paths[];
