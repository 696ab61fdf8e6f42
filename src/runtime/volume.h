#pragma once

/* Named volumes (`skiff volume`, `-v NAME:/path`, `--mount type=volume`): podman's "local" driver.
 *
 * A volume is ROOT/volumes/NAME/ holding `_data` (what containers bind-mount) and `volume.json` (its
 * record: driver, labels, options, creation time, uid/gid, whether the image's content is still to be
 * copied in). ROOT/volumes/.lock is flock'd for every change; a volume is made in `.tmp-NAME` and renamed
 * into place, and removed by renaming it to `.rm-NAME` first, so a reader never sees half of one and
 * volume_store_open() finishes what a crash left. Names start with a letter or digit, so the dot-names
 * cannot clash with a volume. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cleanup.h"

typedef struct Volume {
        char *name;
        char *driver;     /* "local" */
        char *created_at; /* RFC 3339, nanoseconds */
        char **labels;    /* K=V */
        char **options;   /* K=V as given to --opt (type, device, o, copy, nocopy, size, ...) */
        int64_t uid, gid; /* owner of _data; -1: the creator's */
        bool needs_copy_up; /* the first container to mount it copies the image's content in */
} Volume;

Volume *volume_free(Volume *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(Volume *, volume_free);

typedef struct VolumeStore VolumeStore;

/* Opens (creating) ROOT/volumes and finishes interrupted creates/removes. Returns 0 or -errno. */
int volume_store_open(const char *root, VolumeStore **ret);
VolumeStore *volume_store_free(VolumeStore *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(VolumeStore *, volume_store_free);

/* A volume name: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 253 characters (podman's rule). */
bool volume_name_is_valid(const char *name);

/* Checks one --opt value against the local driver's keys (type=, device=, o=, size=, inodes=, uid=,
 * gid=, image=, copy, nocopy, noquota). Returns 0 or -EINVAL with *ret_error. */
int volume_option_check(const char *opt, char **ret_error);
/* Whether the options ask for something this host cannot mount yet (a device/type mount, an image
 * volume): returns the offending option (borrowed) or NULL. */
const char *volume_options_unsupported(const Volume *v);

/* The record as JSON (what `volume inspect` prints: Name, Driver, Mountpoint, CreatedAt, Labels,
 * Scope, Options, UID, GID, NeedsCopyUp) and back. mountpoint may be NULL. */
int volume_to_json(const Volume *v, const char *mountpoint, json_object **ret);
int volume_from_json(json_object *o, Volume **ret);

/* Creates volume v->name. -EEXIST when it exists (nothing changed). Returns 0 or -errno with
 * *ret_error. */
int volume_create(VolumeStore *s, const Volume *v, char **ret_error);
/* Loads a volume's record. -ENOENT when there is none. */
int volume_load(VolumeStore *s, const char *name, Volume **ret);
/* The names of all volumes, sorted. */
int volume_list(VolumeStore *s, char ***ret);
/* Removes a volume and its data. -ENOENT when there is none. */
int volume_remove(VolumeStore *s, const char *name);
/* The volume's _data directory (new string), NULL on OOM. */
char *volume_data_path(VolumeStore *s, const char *name);
/* Clears needs_copy_up after the first mount. */
int volume_mark_copied(VolumeStore *s, const char *name);

/* Copies what the image has at path (an absolute path in the container) into dest, an empty directory:
 * layer_dirs are the image's layers LOWEST FIRST (overlay whiteouts and opaque dirs are honoured), or
 * rootfs a plain root directory. Nothing there is not an error. Returns 0 or -errno with *ret_error. */
int volume_copy_up(const char *dest, char *const *layer_dirs, const char *rootfs, const char *path,
                   char **ret_error);
