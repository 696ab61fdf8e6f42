/* The image store's records (ROOT/images.json) as read back from disk, and docker-archive's
 * manifest.json, on arbitrary bytes: parse, touch every field, free. Also the digest parser. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strv.h"
#include "image/digest.h"
#include "image/image-archive.h"
#include "image/store-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        StoreImage **imgs = NULL;
        DockerArchiveEntry *entries = NULL;
        _cleanup_free_ char *s = NULL, *err = NULL, *err2 = NULL, *reason = NULL;
        size_t n = 0, m = 0, total = 0;

        if (size > 1 << 20)
                return 0;
        s = strndup((const char *) data, size);
        if (!s)
                return 0;
        if (store_records_parse(s, strlen(s), &imgs, &n, &err) >= 0) {
                for (size_t i = 0; i < n; i++)
                        total += strlen(imgs[i]->id) + strv_length(imgs[i]->names)
                                 + strv_length(imgs[i]->diff_ids);
                store_image_array_free(imgs, n);
        }
        if (docker_archive_manifest_parse(s, strlen(s), &entries, &m, &err2) >= 0) {
                for (size_t i = 0; i < m; i++)
                        total += strlen(entries[i].config) + strv_length(entries[i].layers);
                docker_archive_entries_free(entries, m);
        }
        (void) digest_parse(s, NULL, &reason);
        (void) total;
        return 0;
}
