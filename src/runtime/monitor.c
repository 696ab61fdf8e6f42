/* The container monitor (see monitor.h). Stubs until container_spawn() lands (rtcore). */

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/macro.h"
#include "runtime/monitor.h"

uint64_t restart_backoff_usec(unsigned n) {
        uint64_t u = 100000;

        for (unsigned i = 1; i < n && u < 10000000; i++)
                u *= 2;
        return MIN(u, (uint64_t) 10000000);
}

bool restart_policy_should_restart(RestartPolicy p, unsigned max, unsigned restart_count, int exit_code,
                                   bool stop_requested) {
        if (stop_requested)
                return false;
        switch (p) {
        case RESTART_ALWAYS:
        case RESTART_UNLESS_STOPPED:
                return true;
        case RESTART_ON_FAILURE:
                return exit_code != 0 && (max == 0 || restart_count < max);
        default:
                return false;
        }
}

int monitor_launch(const SkiffPaths *paths, const char *id, MonitorLaunchResult *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int monitor_run_attached(const SkiffPaths *paths, const char *id, const MonitorAttach *a, int *ret_exit_class,
                         char **ret_error) {
        return -EOPNOTSUPP;
}

int container_stop(ContainerStore *s, const char *id, int timeout, char **ret_error) {
        return -EOPNOTSUPP;
}
