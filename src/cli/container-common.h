#pragma once

/* Shared by the container verbs (verb-container*.c). Each prints its own error (one line). */

#include "cli/verbs.h"
#include "image/store.h"
#include "runtime/run-options.h"
#include "runtime/state.h"

/* Opens the container store; on failure prints "skiff: VERB: ..." and returns -errno. */
int cli_open_store(SkiffContext *ctx, const char *verb, ContainerStore **ret);
/* Resolves a name/id/prefix; on failure prints "skiff: VERB REF: no such container" (or "... matches
 * several containers") and returns -errno. */
int cli_lookup(ContainerStore *s, const char *verb, const char *ref,
               char ret_id[static CONTAINER_ID_LEN + 1]);
/* Fills ImageInfo from the image store (or a --rootfs directory). -ENOENT: "REF: image not known". */
int cli_image_info(SkiffContext *ctx, const char *ref, bool rootfs, ImageInfo *ret, char **ret_error);
/* cli_image_info() of an image (not --rootfs) in a store the caller opened: several lookups, one open. */
int cli_image_info_in(ImageStore *s, const char *ref, ImageInfo *ret, char **ret_error);
/* Stops a running container (timeout < 0: its own) and removes it. */
int cli_container_force_remove(ContainerStore *store, const char *id, int timeout, char **ret_error);
/* The skiff-monitor executable next to this skiff binary ($SKIFF_MONITOR overrides; empty: none), or
 * NULL when there is none (the monitor then runs in a forked copy of skiff). Static storage. */
const char *cli_monitor_helper(void);
/* How many following arguments a `skiff run|create` option takes (0 or 1) and its long name (NULL for
 * a short option or a cluster of them); -ENOENT for an unknown one. For `generate systemd --new`. */
int cli_run_option_info(const char *arg, const char **ret_name);
