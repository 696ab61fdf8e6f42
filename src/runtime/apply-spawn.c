/* container_spawn()/container_exec(): the syscalls that apply a ContainerPlan. */

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/strv.h"
#include "runtime/spawn.h"

void spawn_result_done(SpawnResult *r) {
        if (!r)
                return;
        if (r->pidfd >= 0)
                close(r->pidfd);
        if (r->pty_master >= 0)
                close(r->pty_master);
        r->pidfd = r->pty_master = -1;
        r->cgroup_paths = strv_free(r->cgroup_paths);
}

int container_spawn(const ContainerPlan *plan, const SpawnStdio *io, SpawnResult *ret, char **ret_error) {
        ret->exit_code = 125;
        return -EOPNOTSUPP;
}

int container_spawn_cleanup(const ContainerPlan *plan, char *const *cgroup_paths, unsigned flags,
                            char **ret_error) {
        return -EOPNOTSUPP;
}

int container_exec(const ContainerPlan *plan, pid_t target, const ExecOptions *opts, const SpawnStdio *io,
                   SpawnResult *ret, char **ret_error) {
        ret->exit_code = 125;
        return -EOPNOTSUPP;
}
