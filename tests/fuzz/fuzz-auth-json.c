/* auth.json on arbitrary bytes: look up credentials for a few registry/repository pairs, free. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "registry/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookup(const uint8_t *data, size_t size, const char *registry, const char *repository) {
        RegistryCreds c = {};
        Diag *d = NULL;

        if (auth_json_lookup((const char *) data, size, "auth.json", registry, repository, &c, &d) > 0)
                registry_creds_done(&c);
        if (d)
                free(diag_format(d));
        diag_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RegistryCreds c = {};

        if (size > 256 * 1024)
                return 0;
        lookup(data, size, "docker.io", "library/busybox");
        lookup(data, size, "quay.io", "team/app");
        lookup(data, size, "127.0.0.1:5000", "a/b/c");
        /* --creds shares the USER:PASS parser */
        {
                char buf[256];
                size_t n = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1;
                for (size_t i = 0; i < n; i++)
                        buf[i] = data[i] ? (char) data[i] : ' ';
                buf[n] = 0;
                if (registry_creds_parse(buf, &c) >= 0)
                        registry_creds_done(&c);
        }
        return 0;
}
