/* Stub: filled in by the following commits. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/seccomp.h"

const char *seccomp_kind_to_string(SeccompKind k) {
        return NULL;
}

SeccompKind seccomp_kind_from_string(const char *s) {
        return -EOPNOTSUPP;
}

int seccomp_config_from_option(const char *value, SeccompConfig *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int seccomp_config_from_json(const char *json, size_t len, const char *filename, SeccompConfig *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

void seccomp_config_done(SeccompConfig *c) {
        
}

int seccomp_profile_parse(const char *json, size_t len, const char *filename, SeccompProfile **ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int seccomp_profile_default(SeccompProfile **ret) {
        return -EOPNOTSUPP;
}

SeccompProfile *seccomp_profile_free(SeccompProfile *p) {
        return NULL;
}

int seccomp_profile_lookup(const SeccompProfile *p, const char *name, uint64_t caps) {
        return -EOPNOTSUPP;
}

SeccompBpf *seccomp_bpf_free(SeccompBpf *b) {
        return NULL;
}

int seccomp_bpf_build(const SeccompConfig *config, uint64_t caps, const char *cache_dir, SeccompBpf **ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int seccomp_bpf_build_profile(const SeccompProfile *p, uint64_t caps, SeccompBpf **ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int seccomp_apply_bpf(const SeccompBpf *bpf) {
        return -EOPNOTSUPP;
}
