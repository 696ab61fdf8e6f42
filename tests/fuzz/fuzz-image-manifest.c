/* Registry documents on arbitrary bytes: the same input through every parser (index, manifest,
 * config, kind detection), platform selection on any index that parses, and everything freed. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "image/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drop(Diag *d) {
        if (!d)
                return;
        free(diag_format(d));
        diag_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        ManifestIndex *index = NULL;
        Manifest *manifest = NULL;
        ImageConfig *config = NULL;
        ManifestKind kind;
        Diag *d = NULL;

        if (size > 256 * 1024)
                return 0;

        (void) manifest_detect_kind(text, size, &kind, &d);
        drop(TAKE_PTR(d));

        if (manifest_index_parse(text, size, &index, &d) >= 0) {
                const ManifestDescriptor *desc;

                (void) manifest_index_select(index, "linux", "amd64", NULL, &desc);
                (void) manifest_index_select(index, "linux", "arm", "v7", &desc);
                (void) manifest_index_select(index, "linux", "aarch64", NULL, &desc);
                manifest_index_free(index);
        }
        drop(TAKE_PTR(d));

        if (manifest_parse(text, size, &manifest, &d) >= 0)
                manifest_free(manifest);
        drop(TAKE_PTR(d));

        if (image_config_parse(text, size, &config, &d) >= 0)
                image_config_free(config);
        drop(TAKE_PTR(d));
        return 0;
}
