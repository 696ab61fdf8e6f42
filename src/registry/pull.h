#pragma once

/* Pulling an image from a registry into the store:
 *
 *   reference ─► candidates (registries.conf: short names, [[registry]] rewriting, blocked, insecure)
 *             ─► manifest (by tag or digest; an index or manifest list resolves to the platform)
 *             ─► config blob ─► layer blobs, several at once (curl multi), each streamed through the
 *                store's verifying blob writer; each layer is unpacked on a worker thread while its
 *                blob arrives (the store's LayerStream, reading what the writer has written) and
 *                published once the blob is verified and stored; a layer that cannot stream (being
 *                unpacked by another pull) is unpacked from the stored blob
 *                (image_store_layer_ensure()) after its download
 *             ─► manifest blob ─► image_store_image_commit() with the name.
 *
 * Blobs already stored are not fetched; a blob another process is fetching is waited for (the store's
 * per-digest lock), then found present. Nothing becomes visible as an image until every layer is
 * unpacked; on failure no image is recorded, and blobs verified before the failure stay in the store
 * as a cache (`skiff image prune` removes them when no image uses them).
 *
 * Library code: prints nothing; progress goes to the caller's callback. */

#include <stdbool.h>
#include <stdint.h>

#include "image/store.h"
#include "registry/auth.h"
#include "registry/registries-conf.h"

typedef enum PullEventType {
        PULL_EVENT_TRYING,        /* name: a candidate is being tried */
        PULL_EVENT_RESOLVED,      /* name, digest (image manifest), n_layers, size (sum of layer sizes) */
        PULL_EVENT_BLOB_PROGRESS, /* index, digest, size, received: bytes arrived */
        PULL_EVENT_BLOB_DONE,     /* index, digest, size, skipped: the blob is stored */
        PULL_EVENT_LAYER_DONE,    /* index, digest: the layer is unpacked */
        PULL_EVENT_COMMITTED,     /* name, digest (image id as "sha256:…") */
        _PULL_EVENT_TYPE_MAX,
        _PULL_EVENT_TYPE_INVALID = -EINVAL,
} PullEventType;

typedef struct PullEvent {
        PullEventType type;
        const char *name;   /* borrowed */
        const char *digest; /* borrowed */
        unsigned index;     /* layer index, 0 = lowest */
        unsigned n_layers;
        int64_t size; /* -1 when unknown */
        int64_t received;
        bool skipped; /* the blob was already stored */
} PullEvent;

/* Called from the pulling thread and from unpack workers, never concurrently (pull serialises). */
typedef void (*PullProgressFunc)(const PullEvent *ev, void *userdata);

typedef struct PullOptions {
        const char *os;           /* NULL: "linux" */
        const char *architecture; /* NULL: the host's (uname -m, normalised) */
        const char *variant;      /* NULL: the default for the architecture */
        int tls_verify;           /* < 0: per registries.conf (insecure = true turns it off); 0/1: forced */
        const char *authfile;     /* --authfile, or NULL */
        const RegistryCreds *creds; /* --creds, or NULL: from the auth files */
        const RegistriesConf *conf; /* may be NULL: no search registries, no rewriting */
        unsigned max_parallel;      /* blobs at once; 0: 6 */
        unsigned unpack_threads;    /* 0: one per download in flight (max_parallel), at least one
                                     * per CPU (at most 4) */
        unsigned max_retries;       /* 0: the default */
        unsigned retry_delay_ms;    /* 0: the default */
        bool max_retries_set;       /* max_retries as given, 0 included (--retry) */
        bool retry_delay_fixed;     /* retry_delay_ms between all retries (--retry-delay) */
        const struct RegistryCerts *certs; /* --cert-dir (certs.h), borrowed, or NULL */
        PullProgressFunc progress;
        void *userdata;
} PullOptions;

/* Pulls input (what the user typed: a short name, a full reference, name@digest). Returns 0, the image
 * id (64 hex digits) in ret_id and, when ret_name is not NULL, the full name pulled (free()). On error
 * returns -errno with *reterr (a new string naming the step: "manifest 1.0: HTTP 404: manifest unknown
 * (MANIFEST_UNKNOWN)"); with several candidates, each one's error, "; "-separated. */
int image_pull(ImageStore *store, const char *input, const PullOptions *opts,
               char ret_id[static DIGEST_SHA256_HEX_LEN + 1], char **ret_name, char **reterr);

/* `pull --all-tags`: the full names ("reg/repo:TAG") of every tag of the repository input names
 * (without a tag or digest), from the first candidate that answers. Returns 0 and a strv, or -errno
 * with *reterr. */
int image_pull_list_tags(const char *input, const PullOptions *opts, char ***ret, char **reterr);

/* The host's platform as OCI names it: "amd64", "arm64", "arm" (+ variant "v7"/"v6"), "386",
 * "ppc64le", "s390x", "riscv64". Returns a static string; *ret_variant is static or NULL. */
const char *pull_host_architecture(const char **ret_variant);
