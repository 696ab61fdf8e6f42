#pragma once

/* Named volumes as the container verbs use them (verb-volume.c). */

#include "cli/verbs.h"
#include "runtime/container-plan.h"
#include "runtime/run-options.h"
#include "runtime/state.h"

/* Rewrites the -v NAME:DST[:OPTS] and --mount type=volume,source=NAME,... of o into binds of the
 * volumes' _data directories, creating a volume that does not exist yet (as podman does), and copies
 * the image's content at DST into a new, empty volume unless nocopy is given. Names of the volumes it
 * created go to *ret_created (for cli_volumes_undo() when the container is not made after all). Prints
 * a one-line error "skiff: VERB: ..." and returns -errno on failure (having undone its creations). */
int cli_volumes_resolve(SkiffContext *ctx, const char *verb, RunOptions *o, const ImageInfo *info,
                        char ***ret_created);
/* Removes the volumes cli_volumes_resolve() created. */
void cli_volumes_undo(SkiffContext *ctx, char **created);
