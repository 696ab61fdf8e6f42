/* Stub: filled in by the following commits. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/sysctl.h"

int sysctls_build(char *const *specs, const SysctlNamespaces *ns, Sysctls *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

void sysctls_done(Sysctls *s) {
        
}

int sysctls_apply(const Sysctls *s, int proc_fd, size_t *ret_failed) {
        return -EOPNOTSUPP;
}
