#pragma once

/* Image references as docker and podman parse them (github.com/distribution/reference's
 * ParseNormalizedNamed, which containers/image's docker transport uses too):
 *
 *     [registry[:port]/]path[:tag][@algorithm:hex]
 *
 * The first path component is a registry when it contains '.' or ':', is "localhost", or has an
 * uppercase letter (registries may, repositories may not); otherwise docker.io is implied and a
 * single-component name gets "library/". "index.docker.io" is spelled "docker.io". With neither a
 * tag nor a digest the tag is "latest"; a reference with only a digest has no tag. */

#include <stdbool.h>

#include "common/cleanup.h"

/* The longest registry + "/" + path, as in distribution/reference (NameTotalLengthMax). */
#define IMAGE_REF_NAME_MAX 255
#define IMAGE_REF_TAG_MAX 128

typedef struct ImageRef {
        char *registry;   /* "docker.io", "quay.io", "localhost:5000", "[::1]:5000" */
        char *repository; /* the path: "library/busybox" */
        char *tag;        /* NULL when only a digest was given */
        char *digest;     /* "sha256:…", or NULL */
        bool short_name;  /* the user wrote no registry (docker.io was implied) */
} ImageRef;

/* Parses s. Returns 0 and a new ImageRef in *ret (free with image_ref_free()), -ENOMEM, or -EINVAL
 * with *ret_reason (when not NULL) set to a static phrase saying what is wrong, such as "repository
 * name must be lowercase" or "invalid digest: sha256 needs 64 hex digits". */
int image_ref_parse(const char *s, ImageRef **ret, const char **ret_reason);

/* Frees r; accepts NULL and returns NULL. */
ImageRef *image_ref_free(ImageRef *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImageRef *, image_ref_free);
#define _cleanup_image_ref_ _cleanup_(image_ref_freep)

/* True when the user wrote no registry, so that short-name resolution (registries.conf's
 * unqualified-search-registries) applies before docker.io is assumed. */
bool image_ref_is_short_name(const ImageRef *r);

/* True for "localhost" and "localhost:PORT": such names never touch the network by default. */
bool image_ref_is_localhost(const ImageRef *r);

/* Returns the canonical full form, "registry/path[:tag][@digest]", as a new string (free()), or NULL
 * on OOM. */
char *image_ref_to_string(const ImageRef *r);

/* Checks a content digest "algorithm:hex" as github.com/opencontainers/go-digest does: sha256 (64),
 * sha384 (96) and sha512 (128 lowercase hex digits) are supported. Returns 0, or -EINVAL with a
 * static phrase in *ret_reason (when not NULL). */
int image_digest_validate(const char *digest, const char **ret_reason);
