/* registries.conf (a TOML subset) on arbitrary bytes: parse and merge twice (as a drop-in over a
 * file), then resolve a few names through whatever parsed, and free everything. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "registry/registries-conf.h"
#include "registry/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void resolve(const RegistriesConf *c, const char *name) {
        PullCandidate *l = NULL;
        char *reason = NULL;
        size_t n = 0;

        if (registries_conf_resolve(c, name, &l, &n, &reason) >= 0)
                pull_candidates_free(l, n);
        free(reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RegistriesConf *c;
        json_object *o = NULL;
        Diag *d = NULL;

        if (size > 64 * 1024)
                return 0;
        if (toml_parse((const char *) data, size, "fuzz.toml", &o, &d) >= 0)
                json_object_put(o);
        if (d)
                free(diag_format(d));
        d = diag_free(d);

        c = registries_conf_new();
        if (!c)
                return 0;
        for (int i = 0; i < 2; i++) {
                if (registries_conf_merge_text(c, (const char *) data, size, "fuzz.conf", &d) < 0 && d)
                        free(diag_format(d));
                d = diag_free(d);
        }
        (void) registries_conf_find(c, "example.com/foo/bar:1");
        resolve(c, "busybox");
        resolve(c, "library/busybox:1.36");
        resolve(c,
                "quay.io/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        resolve(c, "localhost/app");
        registries_conf_free(c);
        return 0;
}
