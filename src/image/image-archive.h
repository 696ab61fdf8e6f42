#pragma once

/* Image archives in and out of the store:
 *   - load: oci-archive (a tar of an OCI image layout), docker-archive (`docker save`: manifest.json,
 *     a config and one tar per layer; Docker ≥ 25 also writes an OCI layout, which then wins), and
 *     OCI layout directories. Tars may be compressed (gzip, zstd…: detected from the content) and
 *     read from a pipe: the archive is read once, every blob streamed into the store and verified
 *     against its digest (the file name for OCI blobs, the config's diff_ids for docker layers).
 *   - save: oci-archive of one image, readable by skopeo, podman and image_archive_load().
 *
 * Names: oci layouts name images with the descriptor annotations io.containerd.image.name (full
 * names, written by docker and buildkit) or org.opencontainers.image.ref.name; a short name becomes
 * localhost/NAME as podman does; so do docker-archive RepoTags ("busybox:d" → localhost/busybox:d, as
 * podman 4/5 load them; full names stay as they are). An image without a name is stored without one
 * (dangling). */

#include <stddef.h>

#include "common/cleanup.h"
#include "image/store.h"

typedef struct LoadedImage {
        char id[DIGEST_SHA256_HEX_LEN + 1];
        char **names; /* full names given to it, NULL when none */
} LoadedImage;

/* Loads every image of an archive into the store. source is a file path, "-" for stdin, a directory
 * (an OCI layout), or a transport-prefixed path "oci:DIR[:NAME]", "oci-archive:FILE",
 * "docker-archive:FILE". Returns 0 and a new array of *ret_n loaded images (free with
 * loaded_images_free()), or -errno with *reterr: -EBADMSG for a malformed or tampered archive
 * ("FILE: blob sha256:…: digest mismatch (…)"), -EOPNOTSUPP for unsupported contents. A failed load
 * records no image (blobs it stored are left for prune). */
int image_archive_load(ImageStore *s, const char *source, LoadedImage **ret, size_t *ret_n, char **reterr);
void loaded_images_free(LoadedImage *l, size_t n);

/* Writes image (anything image_store_lookup() takes) as an oci-archive to output (a path, replaced
 * atomically, or "-" for stdout). The index names the image with org.opencontainers.image.ref.name
 * set to name (NULL: the name image was looked up by, else the image's first name, else none). Docker
 * v2 schema 2 manifests are converted to OCI ones (the layers are the same bytes). Returns 0 or -errno
 * with *reterr. */
int image_archive_save(ImageStore *s, const char *image, const char *name, const char *output,
                       char **reterr);

/* docker-archive's manifest.json: [{"Config": "x.json", "RepoTags": ["a:b"], "Layers": ["l/layer.tar"]}].
 * Exposed for the fuzzer. */
typedef struct DockerArchiveEntry {
        char *config; /* path inside the archive */
        char **repo_tags;
        char **layers; /* paths inside the archive, lowest first */
} DockerArchiveEntry;

/* Parses manifest.json strictly (paths are relative, without "..", names are image references).
 * Returns 0 and a new array (docker_archive_entries_free()), -EBADMSG with *reterr naming the field
 * ("manifest.json: [0].Layers[1]: not a string"), -ENOMEM. */
int docker_archive_manifest_parse(const char *data, size_t len, DockerArchiveEntry **ret, size_t *ret_n,
                                  char **reterr);
void docker_archive_entries_free(DockerArchiveEntry *e, size_t n);
