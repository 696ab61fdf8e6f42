#pragma once

/* TEST-ONLY stand-in for rtcore's plan and spawn, so the monitor and the CLI can be developed before
 * container_plan_build()/container_spawn() exist. It runs the command WITHOUT ANY ISOLATION (a plain
 * fork + chroot + exec), so it is used only when SKIFF_TEST_STANDIN_RUNTIME=1 is in the environment AND
 * the real function returned -EOPNOTSUPP. No test in meson uses it; delete this file once rtcore's
 * plan and spawn are merged. */

#include <stdbool.h>

#include "runtime/container-plan.h"
#include "runtime/spawn.h"

bool standin_enabled(void);
int standin_plan_build(const RunOptions *opts, const ImageInfo *image, const SkiffPaths *paths,
                       ContainerPlan **ret, char **ret_error);
int standin_plan_to_string(const ContainerPlan *p, char **ret);
int standin_plan_from_string(const char *s, ContainerPlan **ret, char **ret_error);
int standin_spawn(const ContainerPlan *plan, const SpawnStdio *io, SpawnResult *ret, char **ret_error);
