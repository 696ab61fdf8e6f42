/* Stub: filled in by the following commits. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/rlimits.h"

int rlimit_from_name(const char *name) {
        return -EOPNOTSUPP;
}

const char *rlimit_to_name(int resource) {
        return NULL;
}

int rlimit_parse(const char *spec, Rlimit *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int rlimit_host_read(RlimitHost *ret) {
        return -EOPNOTSUPP;
}

int rlimits_build(char *const *ulimits, const RlimitHost *host, Rlimits *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int rlimits_apply(const Rlimits *l, int *ret_failed) {
        return -EOPNOTSUPP;
}
