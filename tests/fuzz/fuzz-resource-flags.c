/* Fuzz target: the one-line flag parsers of the runtime's resources and security options:
 * --memory/--cpus/--cpu-shares/--pids-limit, --ulimit, --sysctl, --cap-add/--cap-drop. The input is
 * the flag's value. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/rlimits.h"
#include "runtime/sysctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *v = strndup((const char *) data, size), *err = NULL;
        int64_t i64;
        uint64_t u64;
        Rlimit rl;
        Sysctls sc;
        CapSet cs;
        RlimitHost host = {.can_raise = false};

        if (!v)
                return 0;
#define ERR_FREE()          \
        do {                \
                free(err);  \
                err = NULL; \
        } while (0)
        (void) cgroup_parse_size("--memory", v, &i64, &err);
        ERR_FREE();
        (void) cgroup_parse_memory_swap(v, &i64, &err);
        ERR_FREE();
        (void) cgroup_parse_cpus(v, &i64, &u64, &err);
        ERR_FREE();
        (void) cgroup_parse_cpu_shares(v, &u64, &err);
        ERR_FREE();
        (void) cgroup_parse_pids_limit(v, &i64, &err);
        ERR_FREE();
        (void) rlimit_parse(v, &rl, &err);
        ERR_FREE();

        for (int r = 0; r < RLIM_NLIMITS; r++)
                host.hard[r] = 20000;
        char *list[] = {v, NULL};
        Rlimits rls;
        (void) rlimits_build(list, &host, &rls, &err);
        ERR_FREE();
        SysctlNamespaces ns = {true, true, true};
        if (sysctls_build(list, &ns, &sc, &err) >= 0) {
                (void) sysctls_add_defaults(&sc, &ns);
                sysctls_done(&sc);
        }
        ERR_FREE();
        (void) caps_build(false, list, NULL, 1000, 40, &cs, &err);
        ERR_FREE();
        (void) caps_build(true, NULL, list, 0, 40, &cs, &err);
        ERR_FREE();
        free(v);
        return 0;
}
