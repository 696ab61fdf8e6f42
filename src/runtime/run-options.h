#pragma once

/* The inputs of a container: RunOptions (every `skiff run/create` flag, as the user typed it) and
 * ImageInfo (what the image store knows about the image). Both are plain data, filled by the CLI (or,
 * later, by the pod code) and read by container_plan_build(), which validates them and reports the first
 * bad value as one line naming the flag ("--memory 12q: invalid size").
 *
 * Values that need parsing (sizes, cpu counts, ulimits, mount specs, ...) are kept as the strings the
 * user gave: the parsers live in the plan (and in rtsec's cgroup.h/rlimits.h/caps.h/seccomp.h), so that
 * every rule is unit-tested in one place and the CLI is only getopt. Repeated flags keep their order.
 *
 * Ownership: every char * and char ** is owned by the struct; run_options_done()/image_info_done() free
 * them (a zeroed struct is valid and empty). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/health.h"

/* A namespace kind a container can have its own of, share with the host, or join. */
typedef enum NsKind {
        NS_MNT,
        NS_PID,
        NS_IPC,
        NS_UTS,
        NS_NET,
        NS_USER,
        NS_CGROUP,
        _NS_KIND_MAX,
        _NS_KIND_INVALID = -22, /* -EINVAL */
} NsKind;

/* "mnt", "pid", "ipc", "uts", "net", "user", "cgroup" (the names in /proc/PID/ns/). */
const char *ns_kind_to_string(NsKind k);
NsKind ns_kind_from_string(const char *s);

typedef enum NsMode {
        NS_MODE_NEW,  /* a new namespace of this kind for the container (the default for most kinds) */
        NS_MODE_HOST, /* keep the caller's */
        NS_MODE_JOIN, /* setns() into an existing one, given as a path (/proc/PID/ns/net, a bind mount) */
        _NS_MODE_MAX,
        _NS_MODE_INVALID = -22, /* -EINVAL */
} NsMode;

const char *ns_mode_to_string(NsMode m);
NsMode ns_mode_from_string(const char *s);

typedef struct RunOptions {
        /* Identity: the id is chosen by the caller (64 hex digits, see state.h) before the plan is built,
         * because the plan names the container's own directories after it. */
        char *id;
        char *name; /* --name; NULL: the caller picks one */

        /* Lifecycle (copied into the plan so that `start` and restarts find them) */
        bool rm;            /* --rm */
        bool detach;        /* -d */
        bool interactive;   /* -i */
        bool tty;           /* -t */
        bool replace;       /* --replace */
        bool init;          /* --init: run skiff-pause as PID 1 in front of the command */
        char *init_path;    /* the skiff-pause binary on the host (bind-mounted as /run/skiff-init); NULL:
                             * $SKIFF_PAUSE (or $SKIFF_PAUSE_PATH), else the installed one */
        char *restart;      /* --restart no|on-failure[:N]|always|unless-stopped */
        char *stop_signal;  /* --stop-signal (name or number); NULL: the image's, else SIGTERM */
        char *stop_timeout; /* --stop-timeout seconds; NULL: 10 */
        char *cidfile;      /* --cidfile */
        char *sdnotify;     /* --sdnotify container|conmon|healthy|ignore */
        char *log_driver;   /* --log-driver k8s-file|journald|none; NULL: k8s-file */
        char **labels;      /* --label K=V (a K alone means an empty value) */
        char **annotations; /* --annotation K=V */

        /* Process */
        char *entrypoint; /* --entrypoint: NULL unset, "" clears the image's, '["a","b"]' a JSON array */
        char **command;   /* the words after the image name (replace the image's Cmd when non-empty) */
        char **env;       /* -e NAME=VALUE, or -e NAME (taken from the caller's environment; skipped
                           * when unset there), in order; later wins */
        char **env_files; /* --env-file FILE, each read in order before -e */
        bool env_host;    /* --env-host: the caller's whole environment first */
        char *workdir;    /* -w */
        char *user;       /* -u USER[:GROUP], names or numbers */
        char **group_add; /* --group-add NAME|GID (keep-groups is refused) */
        char *hostname;   /* --hostname; NULL: the first 12 digits of the id */
        char *timezone;   /* --timezone local|ZONE (as in /usr/share/zoneinfo) */

        /* Storage */
        char **volumes;        /* -v SRC:DST[:OPTS] (or DST alone: an anonymous volume, refused for now) */
        char **mounts;         /* --mount type=bind|tmpfs|...,source=...,destination=...,... */
        char **tmpfs;          /* --tmpfs DST[:OPTS] */
        bool read_only;        /* --read-only */
        char *read_only_tmpfs; /* --read-only-tmpfs[=true|false]; NULL: true */
        char *shm_size;        /* --shm-size, e.g. 64m; NULL: 64m */

        /* Security */
        bool privileged;      /* --privileged */
        char **cap_add;       /* --cap-add */
        char **cap_drop;      /* --cap-drop */
        char **security_opts; /* --security-opt seccomp=FILE|unconfined, no-new-privileges[=true|false],
                               * unmask=PATH[:PATH...]|ALL, mask=PATH[:...], label=... (accepted, ignored:
                               * no SELinux here) */
        char **sysctls;       /* --sysctl K=V */
        char *userns;         /* --userns host|keep-id|auto|nomap|ns:PATH; NULL: host (root), private map
                               * of the caller (rootless) */
        char **uidmap;        /* --uidmap CONTAINER:HOST:SIZE */
        char **gidmap;        /* --gidmap CONTAINER:HOST:SIZE */

        /* Resources */
        char *pids_limit; /* --pids-limit N (-1 or 0: unlimited); NULL: 2048 as podman */
        char *memory;     /* --memory 512m */
        char *cpus;       /* --cpus 1.5 */
        char *cpu_shares; /* --cpu-shares 512 */
        char **ulimits;   /* --ulimit nofile=1024:2048 */
        char *cgroups;    /* --cgroups enabled|disabled|no-conmon|split; NULL: enabled */

        /* Namespaces */
        char *network;      /* --network host|none|private|ns:PATH|container:ID (resolved by the caller
                             * into ns:/proc/PID/ns/net); NULL: private */
        char *pid;          /* --pid host|private|ns:PATH; NULL: private */
        char *ipc;          /* --ipc host|private|ns:PATH; NULL: private */
        char *uts;          /* --uts host|private|ns:PATH; NULL: private */
        char **add_hosts;   /* --add-host NAME:IP */
        char **dns;         /* --dns IP */
        char **dns_search;  /* --dns-search DOMAIN */
        char **dns_options; /* --dns-option OPT */

        /* Health check (health.h) */
        HealthOptions health; /* --health-*, --no-healthcheck */

        /* Devices and subordinate ids (devices.h) */
        char **devices;   /* --device HOST[:CONTAINER][:PERMS] */
        char *subuidname; /* --subuidname NAME: the maps of NAME's /etc/subuid ranges */
        char *subgidname; /* --subgidname NAME */
} RunOptions;

void run_options_done(RunOptions *o);

/* What the image store knows about an image; the caller fills it from the image config. */
typedef struct ImageInfo {
        char *id;             /* the config digest, "sha256:..." */
        char *name;           /* the reference the user gave, for messages and `ps` */
        char **entrypoint;    /* Config.Entrypoint */
        char **cmd;           /* Config.Cmd */
        char **env;           /* Config.Env, NAME=VALUE */
        char *user;           /* Config.User */
        char *workdir;        /* Config.WorkingDir */
        char **labels;        /* Config.Labels as K=V */
        char *stop_signal;    /* Config.StopSignal */
        char **exposed_ports; /* "80/tcp" */
        char **volumes;       /* Config.Volumes (destinations) */
        char **layer_dirs;    /* unpacked layer directories, LOWEST FIRST (the base layer is [0]) */
        char *rootfs;         /* instead of layers: a plain directory used as the root (tests, --rootfs) */
        /* Config.Healthcheck: Test (NULL: none), durations in ns and Retries (0: the defaults) */
        char **health_test;
        int64_t health_interval_ns, health_timeout_ns, health_start_period_ns;
        int health_retries;
} ImageInfo;

void image_info_done(ImageInfo *i);
