/* Fuzz target: the OCI/Docker seccomp profile JSON parser (--security-opt seccomp=FILE). */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "runtime/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        SeccompProfile *p = NULL;
        char *err = NULL;

        if (seccomp_profile_parse((const char *) data, size, "fuzz.json", &p, &err) >= 0) {
                /* exercise the evaluation of conditions too (no libseccomp: compiling is slow) */
                (void) seccomp_profile_lookup(p, "read", UINT64_MAX);
                (void) seccomp_profile_lookup(p, "mount", 0);
        }
        seccomp_profile_free(p);
        free(err);
        return 0;
}
