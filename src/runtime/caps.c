/* Stub: filled in by the following commits. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/caps.h"

uint64_t caps_default_mask(void) {
        return 0;
}

uint64_t caps_all_mask(unsigned last_cap) {
        return 0;
}

int caps_last_cap(void) {
        return -EOPNOTSUPP;
}

int cap_from_name_relaxed(const char *name) {
        return -EOPNOTSUPP;
}

const char *cap_to_name(int c) {
        return NULL;
}

int caps_build(bool privileged, char *const *add, char *const *drop, uid_t uid, unsigned last_cap, CapSet *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

char *caps_mask_to_string(uint64_t mask) {
        return NULL;
}

int caps_apply_user(const CapSet *set, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups, const char **ret_step) {
        return -EOPNOTSUPP;
}

int caps_apply(const CapSet *set, const char **ret_step) {
        return -EOPNOTSUPP;
}
