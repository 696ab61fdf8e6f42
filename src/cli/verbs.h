#pragma once

#include "common/paths.h"

/* Global state of one `skiff` invocation, filled by main() from the global options. */
typedef struct SkiffContext {
        SkiffPaths paths;
        int paths_error; /* <0: paths could not be determined (no HOME/XDG_RUNTIME_DIR and no overrides) */
        const char *root_arg, *runroot_arg; /* --root/--runroot as given (NULL: not given), for commands
                                             * that write skiff command lines (generate systemd) */
} SkiffContext;

/* Each verb gets argv with argv[0] = its own name, parses its options, and returns the process exit
 * status (0, 1 for usage and input errors, 125 for skiff's own failures). */
int verb_kube(SkiffContext *ctx, int argc, char *argv[]);
int verb_kube_play(SkiffContext *ctx, int argc, char *argv[]);
int verb_kube_down(SkiffContext *ctx, int argc, char *argv[]);
/* skiff kube generate (src/cli/verb-kube-generate.c); also what `skiff generate kube` runs. */
int verb_kube_generate(SkiffContext *ctx, int argc, char *argv[]);
int verb_pod(SkiffContext *ctx, int argc, char *argv[]);

/* Containers (verb-container.c, verb-container-ops.c). Exit statuses as podman's: 125 for skiff's own
 * errors, 126/127 when the command cannot be run or found, else the container's status. */
int verb_run(SkiffContext *ctx, int argc, char *argv[]);
int verb_create(SkiffContext *ctx, int argc, char *argv[]);
int verb_start(SkiffContext *ctx, int argc, char *argv[]);
int verb_stop(SkiffContext *ctx, int argc, char *argv[]);
int verb_rm(SkiffContext *ctx, int argc, char *argv[]);
int verb_ps(SkiffContext *ctx, int argc, char *argv[]);
int verb_logs(SkiffContext *ctx, int argc, char *argv[]);
int verb_inspect(SkiffContext *ctx, int argc, char *argv[]);
int verb_exec(SkiffContext *ctx, int argc, char *argv[]);
int verb_kill(SkiffContext *ctx, int argc, char *argv[]);
int verb_wait(SkiffContext *ctx, int argc, char *argv[]);
/* skiff image COMMAND and skiff images (= image ls): src/cli/verb-image.c. */
int verb_image(SkiffContext *ctx, int argc, char *argv[]);
int verb_images(SkiffContext *ctx, int argc, char *argv[]);
/* skiff pull IMAGE... (also `skiff image pull`): src/cli/verb-pull.c. */
int verb_pull(SkiffContext *ctx, int argc, char *argv[]);
/* skiff volume COMMAND: src/cli/verb-volume.c. */
int verb_volume(SkiffContext *ctx, int argc, char *argv[]);
/* skiff generate systemd|kube: src/cli/verb-generate.c. */
int verb_generate(SkiffContext *ctx, int argc, char *argv[]);
/* skiff --module FILE (containers.conf modules): src/cli/containers-conf.c. Finds and parses each;
 * prints the error and returns -errno for a missing or invalid one. */
int cli_load_modules(char **modules);
/* skiff healthcheck run: src/cli/verb-healthcheck.c. */
int verb_healthcheck(SkiffContext *ctx, int argc, char *argv[]);
