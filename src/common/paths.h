#pragma once

/* Every host path skiff uses comes from one SkiffPaths, so tests can point the whole program at a
 * temporary directory (--root/--runroot, or SKIFF_ROOT/SKIFF_RUNROOT/SKIFF_CONFIG_DIR read with
 * secure_getenv()). */

#include <stdbool.h>

typedef struct SkiffPaths {
        bool rootless;
        char *root;       /* images, layers, volumes, container upper dirs */
        char *runroot;    /* runtime state: pods, containers, sockets, locks */
        char *config_dir; /* skiff's own config (/etc/skiff or ~/.config/skiff) */
} SkiffPaths;

/* Fills p for the calling user. root/runroot override the defaults when not NULL. Returns 0, -ENOMEM,
 * or -ENXIO when a rootless default cannot be derived (no HOME / XDG_RUNTIME_DIR). */
int skiff_paths_init(SkiffPaths *p, const char *root, const char *runroot);
void skiff_paths_done(SkiffPaths *p);
