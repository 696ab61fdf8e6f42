#pragma once

#include "common/paths.h"

/* Global state of one `skiff` invocation, filled by main() from the global options. */
typedef struct SkiffContext {
        SkiffPaths paths;
        int paths_error; /* <0: paths could not be determined (no HOME/XDG_RUNTIME_DIR and no overrides) */
} SkiffContext;

/* Each verb gets argv with argv[0] = its own name, parses its options, and returns the process exit
 * status (0, 1 for usage and input errors, 125 for skiff's own failures). */
int verb_kube(SkiffContext *ctx, int argc, char *argv[]);
int verb_kube_play(SkiffContext *ctx, int argc, char *argv[]);

/* skiff image COMMAND and skiff images (= image ls): src/cli/verb-image.c. */
int verb_image(SkiffContext *ctx, int argc, char *argv[]);
int verb_images(SkiffContext *ctx, int argc, char *argv[]);
/* skiff pull IMAGE... (also `skiff image pull`): src/cli/verb-pull.c. */
int verb_pull(SkiffContext *ctx, int argc, char *argv[]);
