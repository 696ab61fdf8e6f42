#pragma once

/* `run --device HOST[:CONTAINER][:PERMS]` and `--subuidname/--subgidname NAME` (podman's): parsed into
 * the plan here, applied by apply-mounts.c (the node in the container's /dev) and cgroup.c (the rule
 * in the devices cgroup or the v2 device filter), and by the user namespace code (the id maps).
 *
 * Pure parsers plus the two plan steps; nothing here prints. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"

typedef struct ContainerPlan ContainerPlan;
typedef struct RunOptions RunOptions;
typedef struct PlanIdMap PlanIdMap;

/* One device node given to the container. */
typedef struct PlanDevice {
        char *host_path; /* the node on the host (bound onto path in the container) */
        char *path;      /* absolute, in the container */
        char type;       /* 'c' or 'b' */
        unsigned major, minor;
        unsigned access; /* CGROUP_DEV_READ | _WRITE | _MKNOD (cgroup-devices.h) */
} PlanDevice;

void plan_device_done(PlanDevice *d);

/* Splits a --device value: HOST, HOST:CONTAINER, HOST:PERMS, HOST:CONTAINER:PERMS; PERMS is a
 * non-empty combination of r, w and m (default rwm); CONTAINER defaults to HOST. Returns 0 or -EINVAL
 * with *ret_error ("--device dev/fuse: the host path must be absolute"). */
int device_spec_parse(const char *spec, char **ret_host, char **ret_path, unsigned *ret_access, char **ret_error);

/* The devices of --device values: each HOST stat()ed (a directory gives every device node directly in
 * it, under CONTAINER/NAME). Adds to p->devices. Returns 0 or -errno with *ret_error naming the value
 * ("--device /dev/nope: No such file or directory", "--device /etc/passwd: not a device node"). */
int plan_devices(const RunOptions *opts, ContainerPlan *p, char **ret_error);

/* The id maps of NAME's ranges in a subuid(5)/subgid(5) text ("name:start:count" lines; a name may also
 * be a numeric id): every range of NAME, in order, mapped to consecutive container ids from 0. Returns
 * the number of ranges (0: NAME has none), or -ENOMEM. */
int subid_maps_parse(const char *text, const char *name, PlanIdMap **ret, size_t *ret_n);

/* --subuidname/--subgidname (one alone names both, as podman): the maps from /etc/subuid and
 * /etc/subgid ($SKIFF_SUBUID_FILE, $SKIFF_SUBGID_FILE override the paths, for tests) into p. Conflicts
 * with --uidmap/--gidmap/--userns. Returns 0 (nothing asked) or -errno with *ret_error. */
int plan_subid_maps(const RunOptions *opts, ContainerPlan *p, char **ret_error);
