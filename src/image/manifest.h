#pragma once

/* Registry documents, parsed and validated strictly, without any I/O:
 *   - image indexes: OCI image index and Docker manifest list (application/vnd.oci.image.index.v1+json,
 *     application/vnd.docker.distribution.manifest.list.v2+json), and platform selection from them;
 *   - image manifests: OCI image manifest and Docker v2 schema 2 (schema 1 is refused);
 *   - image configs: the fields a container runtime needs.
 *
 * Every parser returns 0 and a new object, -ENOMEM, or an error with a Diag in *reterr (when not NULL)
 * whose path names the JSON field, e.g. "layers[2].digest: invalid digest: sha256 needs 64 hex
 * digits". Errors: -EBADMSG for malformed or invalid documents, -EPROTONOSUPPORT for Docker schema 1
 * manifests, -EOPNOTSUPP for unknown layer or config media types (e.g. an artifact, not an image). */

#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "common/diag.h"

#define MEDIA_TYPE_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_TYPE_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_TYPE_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_TYPE_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_TYPE_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_TYPE_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MEDIA_TYPE_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_TYPE_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_TYPE_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define MEDIA_TYPE_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MEDIA_TYPE_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"

/* Registries refuse manifests above 4 MiB; so do we, for every document here. */
#define MANIFEST_SIZE_MAX (4U * 1024U * 1024U)

typedef enum ManifestKind {
        MANIFEST_KIND_INDEX, /* OCI index or Docker manifest list */
        MANIFEST_KIND_IMAGE, /* OCI manifest or Docker v2 schema 2 */
        _MANIFEST_KIND_MAX,
        _MANIFEST_KIND_INVALID = -EINVAL,
} ManifestKind;

typedef enum LayerCompression {
        LAYER_COMPRESSION_NONE,
        LAYER_COMPRESSION_GZIP,
        LAYER_COMPRESSION_ZSTD,
        _LAYER_COMPRESSION_MAX,
        _LAYER_COMPRESSION_INVALID = -EINVAL,
} LayerCompression;

const char *layer_compression_to_string(LayerCompression c);

typedef struct ManifestPlatform {
        char *os;           /* "linux" */
        char *architecture; /* as written: "amd64", "arm64", "arm" */
        char *variant;      /* "v7", or NULL */
} ManifestPlatform;

typedef struct ManifestDescriptor {
        char *media_type;
        char *digest;                 /* validated with image_digest_validate() */
        int64_t size;                 /* ≥ 0 */
        ManifestPlatform platform;    /* index entries only; all NULL when absent */
        LayerCompression compression; /* layers only; _LAYER_COMPRESSION_INVALID elsewhere */
} ManifestDescriptor;

typedef struct ManifestIndex {
        char *media_type; /* NULL when the (OCI) document has none */
        ManifestDescriptor *manifests;
        size_t n_manifests;
} ManifestIndex;

typedef struct Manifest {
        char *media_type; /* NULL when the (OCI) document has none */
        ManifestDescriptor config;
        ManifestDescriptor *layers;
        size_t n_layers;
} Manifest;

typedef struct ImageConfig {
        char *architecture;
        char *os;
        char *variant;     /* may be NULL */
        char **entrypoint; /* NULL when unset (as opposed to set to []) */
        char **cmd;
        char **env;
        char *user;
        char *working_dir;
        char *stop_signal;
        char **labels;        /* key, value, key, value…: NULL when none */
        char **exposed_ports; /* "80/tcp"…, NULL when none */
        char **diff_ids;      /* rootfs.diff_ids, one per layer, in order */
        /* config.Healthcheck (Docker's HEALTHCHECK): Test NULL when none; durations in ns, 0 unset */
        char **health_test;
        int64_t health_interval_ns, health_timeout_ns, health_start_period_ns;
        int health_retries;
} ImageConfig;

/* Tells an index from an image manifest, from "mediaType" or, for OCI documents without one, from
 * the presence of "manifests" or "layers". Schema 1 gives -EPROTONOSUPPORT. */
int manifest_detect_kind(const char *data, size_t len, ManifestKind *ret, Diag **reterr);

int manifest_index_parse(const char *data, size_t len, ManifestIndex **ret, Diag **reterr);
ManifestIndex *manifest_index_free(ManifestIndex *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(ManifestIndex *, manifest_index_free);

int manifest_parse(const char *data, size_t len, Manifest **ret, Diag **reterr);
Manifest *manifest_free(Manifest *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manifest *, manifest_free);

int image_config_parse(const char *data, size_t len, ImageConfig **ret, Diag **reterr);
ImageConfig *image_config_free(ImageConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImageConfig *, image_config_free);

/* Picks the image manifest for a platform from an index, with containerd's/docker's normalisation
 * (x86_64 → amd64 with no variant, aarch64 → arm64 where "v8" is the default variant, arm → "v7" by
 * default, armhf → arm/v7, armel → arm/v6, i386 → 386). variant may be NULL for the default. An exact
 * variant match wins; otherwise an arm host takes the highest lower variant (v7 runs v6 and v5). Among
 * equals the first entry wins. Only image-manifest media types are considered.
 * Returns 0 and a pointer into index (borrowed) in *ret, or -ENOENT. */
int manifest_index_select(const ManifestIndex *index, const char *os, const char *architecture,
                          const char *variant, const ManifestDescriptor **ret);
