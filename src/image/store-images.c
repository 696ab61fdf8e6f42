/* Layers (ROOT/layers) and image records (ROOT/images.json). First cut: stubs, filled in next. */

#include <errno.h>
#include <stdlib.h>

#include "common/strv.h"
#include "image/store-internal.h"
#include "image/unpack.h"

int image_store_layer_ensure(ImageStore *s, const char *blob_digest, const char *media_type,
                             const char *expected_diff_id, char **ret_dir,
                             char ret_diff_id[static DIGEST_STRING_SIZE], char **reterr) {
        return store_error(reterr, -EOPNOTSUPP, "layers: not implemented yet");
}

int image_store_has_layer(ImageStore *s, const char *diff_id, char **ret_dir, char **reterr) {
        return store_error(reterr, -EOPNOTSUPP, "layers: not implemented yet");
}

StoreImage *store_image_free(StoreImage *i) {
        return NULL;
}

void store_image_array_free(StoreImage **a, size_t n) {
}

int image_name_normalize(const char *name, bool short_is_localhost, char **ret, char **reterr) {
        return -EOPNOTSUPP;
}

int image_store_image_commit(ImageStore *s, const char *manifest_digest, char *const *names,
                             char ret_id[static DIGEST_SHA256_HEX_LEN + 1], char **reterr) {
        return -EOPNOTSUPP;
}

int image_store_lookup(ImageStore *s, const char *name_or_id, StoreImage **ret, char **reterr) {
        return -EOPNOTSUPP;
}

int image_store_list(ImageStore *s, StoreImage ***ret, size_t *ret_n, char **reterr) {
        return -EOPNOTSUPP;
}

int image_store_tag(ImageStore *s, const char *image, const char *new_name, char **reterr) {
        return -EOPNOTSUPP;
}

int image_store_untag(ImageStore *s, const char *image, const char *name, char **reterr) {
        return -EOPNOTSUPP;
}

int image_store_remove(ImageStore *s, const char *image, ImageRemoveFlags flags,
                       char ret_id[static DIGEST_SHA256_HEX_LEN + 1], bool *ret_untagged, char **reterr) {
        return -EOPNOTSUPP;
}

int image_store_prune(ImageStore *s, ImagePruneFlags flags, char ***ret_removed, uint64_t *ret_bytes,
                      char **reterr) {
        return -EOPNOTSUPP;
}
