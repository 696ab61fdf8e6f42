#pragma once

/* The on-disk image store: content-addressed blobs verified on write, each layer unpacked once into
 * its own directory shared by every image, and a record of images and their names.
 *
 *     ROOT/blobs/sha256/<hex>          manifests, configs and layer blobs, named by their digest
 *     ROOT/layers/<diff_id hex>/diff/  one unpacked layer (an overlay lower dir), shared by images
 *     ROOT/layers/<diff_id hex>/layer.json   its blob digest, diff_id and unpacked size
 *     ROOT/images.json                 image records: id, manifest digest, names, layers
 *     ROOT/tmp/                        staging: blob writes and layer unpacks in progress
 *     ROOT/locks/                      per-digest lock files (blob-<hex>, layer-<hex>)
 *     ROOT/store.lock                  flock held while images.json is read-modified-written
 *     ROOT/gc.lock                     shared by every open store, exclusive for prune
 *
 * Crash safety: everything becomes visible by one rename() from ROOT/tmp (same filesystem) after its
 * content was synced, so a SIGKILL at any point leaves either nothing or a complete object. Staging
 * entries carry an flock held by their writer; image_store_open() and image_store_prune() delete the
 * ones whose flock can be taken (their writer died).
 *
 * Concurrency: writers of the same blob or layer serialise on a per-digest lock file, and the second
 * one finds the object present (-EEXIST from blob_writer_begin(), the existing dir from
 * image_store_layer_ensure()), so nothing is fetched or unpacked twice. Every open ImageStore holds
 * ROOT/gc.lock shared; prune takes it exclusively, so it never deletes a blob that a concurrent pull
 * has stored but not yet committed into an image.
 *
 * Errors: every fallible function returns 0 (or a documented ≥ 0) or -errno. Where the cause is worth
 * a sentence, *reterr (when reterr is not NULL) gets a new string (free()) naming the object and the
 * step, without a "skiff:" prefix, e.g.
 *     blob sha256:ab12…: digest mismatch (expected sha256:ab12…, got sha256:9f00…)
 * Callers print it as "skiff: pull REF: <reterr>". When *reterr is left NULL, strerror(-r) is the best
 * description. Library code prints nothing. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "image/digest.h"
#include "image/manifest.h"

typedef struct ImageStore ImageStore;
typedef struct BlobWriter BlobWriter;

typedef enum ImageStoreFlags {
        /* Layers are for an overlay mounted inside a user namespace: opaque dirs are marked with
         * user.overlay.opaque instead of trusted.overlay.opaque (which needs CAP_SYS_ADMIN in the
         * init namespace), and whiteouts fall back to the xattr form when mknod(0:0) is refused. */
        IMAGE_STORE_USERNS = 1 << 0,
        /* Do not chown unpacked files (a rootless store outside a user namespace can only own them
         * itself). Set automatically when the process is not root. */
        IMAGE_STORE_NO_CHOWN = 1 << 1,
} ImageStoreFlags;

/* Opens (creating when missing, mode 0700 for the root) the store at root, an absolute path such as
 * SkiffPaths.root ("/var/lib/skiff", "~/.local/share/skiff"); the store lives in root itself. Takes
 * ROOT/gc.lock shared for the lifetime of the handle and deletes staging leftovers of dead writers.
 * Returns 0 and a new store in *ret (free with image_store_free()), or -errno (with *reterr). */
int image_store_open(const char *root, ImageStoreFlags flags, ImageStore **ret, char **reterr);
ImageStore *image_store_free(ImageStore *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(ImageStore *, image_store_free);

/* The root path (borrowed) and an O_RDONLY|O_DIRECTORY fd of it (borrowed, valid until the store is
 * freed). */
const char *image_store_root(const ImageStore *s);
int image_store_root_fd(const ImageStore *s);

/* ---- Blobs ---------------------------------------------------------------------------------- */

/* Returns 1 when the blob is stored, 0 when not, -EINVAL for a bad digest (*reterr), or -errno. */
int image_store_has_blob(ImageStore *s, const char *digest, char **reterr);

/* Returns a new absolute path "ROOT/blobs/sha256/<hex>" in *ret (free()) whether or not the blob is
 * present; -EINVAL for a bad digest, -ENOMEM. */
int image_store_blob_path(ImageStore *s, const char *digest, char **ret, char **reterr);

/* Opens a stored blob read-only (O_CLOEXEC). Returns 0 and the fd in *ret_fd (and its size in
 * *ret_size when not NULL), -ENOENT when absent, -EINVAL for a bad digest. The content is not rehashed
 * (it was verified on write). */
int image_store_open_blob(ImageStore *s, const char *digest, int *ret_fd, int64_t *ret_size, char **reterr);

/* Reads a whole stored blob (a manifest or config) into a new NUL-terminated buffer (free()). Fails
 * with -EFBIG past max bytes (0: MANIFEST_SIZE_MAX). */
int image_store_read_blob(ImageStore *s, const char *digest, size_t max, char **ret, size_t *ret_size,
                          char **reterr);

typedef enum BlobWriterFlags {
        /* Do not wait when another process or thread writes the same digest: fail with -EBUSY. */
        BLOB_WRITER_NONBLOCK = 1 << 0,
} BlobWriterFlags;

/* Starts writing a blob into ROOT/tmp. expected_digest (validated; NULL when unknown, e.g. a
 * docker-archive layer) and expected_size (-1 when unknown) are checked while streaming and at commit.
 *
 * With an expected digest, begin() first takes the per-digest lock: it waits while another writer of
 * the same digest holds it (or gives -EBUSY with BLOB_WRITER_NONBLOCK), then returns -EEXIST when the
 * blob is already stored — the caller skips the download. Otherwise it returns 0 and a writer holding
 * the lock until blob_writer_commit() or blob_writer_free(). Other errors: -EINVAL (bad digest),
 * -EOPNOTSUPP (not sha256), -errno from the filesystem; all with *reterr. */
int blob_writer_begin(ImageStore *s, const char *expected_digest, int64_t expected_size,
                      BlobWriterFlags flags, BlobWriter **ret, char **reterr);

/* Appends data. Fails with -EFBIG (and *reterr "blob sha256:…: more data than the expected N bytes")
 * as soon as more than expected_size bytes arrive; the writer is then unusable (free it). */
int blob_writer_write(BlobWriter *w, const void *data, size_t len, char **reterr);

/* Bytes written so far. */
int64_t blob_writer_size(const BlobWriter *w);

/* Finishes the blob: checks the size (-EBADMSG "blob sha256:…: size mismatch (expected N bytes, got
 * M)") and the digest (-EBADMSG "blob sha256:…: digest mismatch (expected sha256:…, got sha256:…)"),
 * fsyncs, and renames it into ROOT/blobs/sha256/<hex>. On any failure nothing becomes visible. When
 * no digest was expected and the computed one is already stored, the new copy is dropped and 0 is
 * returned. Writes the digest into ret_digest when not NULL. The writer must still be freed. */
int blob_writer_commit(BlobWriter *w, char *ret_digest, char **reterr);

/* Discards an uncommitted blob (its temp file is removed) and releases the lock. Accepts NULL. */
BlobWriter *blob_writer_free(BlobWriter *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(BlobWriter *, blob_writer_free);

/* Convenience for small documents (manifests, configs): begin + write + commit. expected_digest may be
 * NULL. Returns 0 (also when already present) and the digest in ret_digest when not NULL. */
int image_store_put_blob(ImageStore *s, const char *expected_digest, const void *data, size_t len,
                         char *ret_digest, char **reterr);

/* ---- Layers --------------------------------------------------------------------------------- */

/* Makes sure the stored layer blob blob_digest is unpacked, once for the whole store: returns the
 * existing dir when ROOT/layers/<diff_id hex> is present; otherwise takes the per-layer lock, unpacks
 * into ROOT/tmp (gzip, zstd or plain tar, detected from the content; media_type may be NULL and is
 * only checked to be a layer type when given), verifies the digest of the uncompressed tar against
 * expected_diff_id (the config's rootfs.diff_ids entry; NULL to accept any), syncs and renames it into
 * place. A second caller waits on the lock and then finds the dir.
 *
 * Returns 0 and (when not NULL) a new absolute path of the layer's tree "ROOT/layers/<hex>/diff" in
 * *ret_dir and the diff_id in ret_diff_id. Errors: -ENOENT (blob not stored), -EBADMSG (hostile or
 * corrupt layer, diff_id mismatch: "layer sha256:…: entry \"../x\": path escapes the layer",
 * "layer sha256:…: diff_id mismatch (expected sha256:…, got sha256:…)"), -EOPNOTSUPP (unknown media
 * type), -errno; a failed unpack leaves nothing in ROOT/layers. */
int image_store_layer_ensure(ImageStore *s, const char *blob_digest, const char *media_type,
                             const char *expected_diff_id, char **ret_dir, char *ret_diff_id, char **reterr);

/* ---- Streaming unpack ------------------------------------------------------------------------ */

/* A layer unpacked from its blob's bytes while a BlobWriter still receives them, so that a pull's
 * last layer is unpacked as its last byte arrives rather than after it. The writer's thread goes on
 * writing and committing as without it and never waits for the unpack; another thread calls
 * layer_stream_run(), which reads what the writer has written so far (from the writer's temporary
 * file) and waits for more.
 *
 * Same guarantees as image_store_layer_ensure(): the layer is renamed into ROOT/layers only when the
 * writer committed the blob (size and digest verified) AND the unpack succeeded with the expected
 * diff_id; otherwise (a digest mismatch, a truncated or failed download, a writer freed for a retry
 * from scratch, a hostile entry) its staging dir is removed and nothing becomes visible. The layer's
 * lock is held from layer_stream_begin() to layer_stream_free(), so a concurrent
 * image_store_layer_ensure() of the same layer waits and then finds it. */
typedef struct LayerStream LayerStream;

/* Prepares the streaming unpack of the layer blob w writes (w was begun with the blob's expected
 * digest and nothing written yet). media_type and expected_diff_id as for image_store_layer_ensure().
 * Takes the layer's lock without waiting. Returns 0 and a new stream in *ret (free with
 * layer_stream_free(), from any thread, also when it never ran); -EEXIST when the layer is unpacked
 * already; -EBUSY when another writer (process or thread) unpacks it right now (unpack after the
 * commit with image_store_layer_ensure(), which waits); -EINVAL (w not suitable), -EOPNOTSUPP
 * (media type), -errno, with *reterr. */
int layer_stream_begin(BlobWriter *w, const char *media_type, const char *expected_diff_id,
                       LayerStream **ret, char **reterr);

/* Runs the unpack, on another thread than w's writer: blocks while waiting for bytes and for the
 * writer's commit. Call at most once. Returns 0 and (when not NULL) the layer's tree path in *ret_dir
 * and its diff_id in ret_diff_id once the layer is published; -ECANCELED when the writer was freed
 * without committing the blob (the writer's error is the one to report; nothing was published); an
 * unpack error (-EBADMSG for a hostile entry or a diff_id mismatch, as image_store_layer_ensure())
 * only when the blob itself was committed, with *reterr. */
int layer_stream_run(LayerStream *ls, char **ret_dir, char *ret_diff_id, char **reterr);

/* Releases the layer's lock and the stream. Not concurrently with layer_stream_run(). Accepts NULL. */
LayerStream *layer_stream_free(LayerStream *ls);
DEFINE_TRIVIAL_CLEANUP_FUNC(LayerStream *, layer_stream_free);

/* Returns 1 and (when not NULL) the layer's tree path in *ret_dir when the layer with this diff_id is
 * unpacked, 0 when not, or -errno. */
int image_store_has_layer(ImageStore *s, const char *diff_id, char **ret_dir, char **reterr);

/* ---- Images --------------------------------------------------------------------------------- */

typedef struct StoreImage {
        char *id;                  /* image id: the config digest's 64 hex digits */
        char *digest;              /* manifest digest "sha256:…" */
        char *manifest_media_type; /* as stored (OCI or Docker v2 schema 2) */
        char *config_digest;       /* "sha256:<id>" */
        char **names;              /* full references "docker.io/library/busybox:latest"; NULL: none */
        char **layer_digests;      /* blob digests, lowest layer first */
        char **diff_ids;           /* uncompressed digests, lowest first */
        char **layer_dirs;         /* absolute layer trees, lowest first (overlay lowerdir= wants them
                                    * top first: reverse them) */
        int64_t size;              /* unpacked size of all layers, bytes */
        char *created;             /* config "created" (RFC 3339), or NULL */
        int64_t loaded_usec;       /* when the record was written (CLOCK_REALTIME µs) */
        ImageConfig *config;       /* parsed config: entrypoint, cmd, env, user, working_dir, labels,
                                    * stop_signal, exposed_ports, architecture, os, variant */
        char **volumes;            /* config Volumes keys, NULL when none */
} StoreImage;

StoreImage *store_image_free(StoreImage *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(StoreImage *, store_image_free);
void store_image_array_free(StoreImage **a, size_t n);

/* Turns a user-written image name into the full form the store keeps: "busybox" →
 * "docker.io/library/busybox:latest" or, with short_is_localhost (tag, and names of images built or
 * loaded without a registry, as podman does), "localhost/busybox:latest". Names with a digest are
 * refused (a name is a tag). Returns 0 and a new string in *ret, -EINVAL with *reterr, -ENOMEM. */
int image_name_normalize(const char *name, bool short_is_localhost, char **ret, char **reterr);

/* Records an image whose manifest (and the config and layers it lists) is stored: the manifest blob
 * manifest_digest (an image manifest; for a pull through an index, the platform's manifest), its config blob
 * and every layer blob must be present and every layer unpacked (image_store_layer_ensure()), else -ENOENT
 * naming what is missing. The config's diff_ids must match the layers (-EBADMSG). names (full references as
 * image_name_normalize() returns; may be NULL) are added to the image and taken away from any other image
 * that had them (which may so become dangling, as in podman). Committing the same image again only adds
 * names. Written atomically under ROOT/store.lock. A name may also be "registry/repo@sha256:…" (a pull by
 * digest): it is kept as is. Returns 0 and, when not NULL, the image id in ret_id (65 bytes). */
int image_store_image_commit(ImageStore *s, const char *manifest_digest, char *const *names, char *ret_id,
                             char **reterr);

/* Finds an image by full id, unique id prefix (≥ 3 hex digits), "sha256:<id>", manifest digest,
 * full name, or short name (matched as podman does: "busybox" finds localhost/busybox:latest or
 * docker.io/library/busybox:latest; "name@sha256:…" by digest). Returns 0 and a new StoreImage in
 * *ret, -ENOENT ("image not known"), -EINVAL (bad name), -ENOTUNIQ (ambiguous prefix), -errno. */
int image_store_lookup(ImageStore *s, const char *name_or_id, StoreImage **ret, char **reterr);

/* All images, oldest loaded first. Returns 0 and a new array of *ret_n images (free with
 * store_image_array_free()). */
int image_store_list(ImageStore *s, StoreImage ***ret, size_t *ret_n, char **reterr);

/* Adds new_name (any form; short names become localhost/…) to the image found as by
 * image_store_lookup(), moving it from another image if needed. */
int image_store_tag(ImageStore *s, const char *image, const char *new_name, char **reterr);

/* Removes one name (as the user wrote it, normalised as in lookup) from the image that has it.
 * -ENOENT when no image has it. */
int image_store_untag(ImageStore *s, const char *image, const char *name, char **reterr);

/* Asked before an image is removed or pruned: returns > 0 when a container uses image_id (removal is
 * then refused with -EBUSY, even when forced, and prune keeps the image), 0 when it is free, -errno
 * on failure. The runtime installs it; until then no image is in use. */
typedef int (*ImageInUseFunc)(const char *image_id, void *userdata);
void image_store_set_in_use_hook(ImageStore *s, ImageInUseFunc f, void *userdata);

typedef enum ImageRemoveFlags {
        IMAGE_REMOVE_FORCE = 1 << 0, /* remove an image with several names given by id */
} ImageRemoveFlags;

/* Removes what `skiff image rm ARG` means: when ARG is one of several names of an image, only that
 * name (*ret_untagged = true); otherwise the image record (refused with -EBUSY when the image has
 * several names and ARG is an id, unless IMAGE_REMOVE_FORCE, or when the in-use hook says so). Blobs
 * and layers no other image uses are then deleted when no other store handle is open (otherwise left
 * for prune). Returns 0 and the removed image's id in ret_id (when not NULL). */
int image_store_remove(ImageStore *s, const char *image, ImageRemoveFlags flags, char *ret_id,
                       bool *ret_untagged, char **reterr);

typedef enum ImagePruneFlags {
        IMAGE_PRUNE_ALL = 1 << 0, /* remove every image not in use, not only dangling (nameless) ones */
} ImagePruneFlags;

/* Removes dangling images (all unused images with IMAGE_PRUNE_ALL), then every blob and layer no
 * image references and staging leftovers of dead writers. Waits until no other store handle is open
 * (gc.lock). Returns 0, the removed image ids in *ret_removed (strv, may be NULL) and the bytes freed
 * in *ret_bytes (when not NULL). */
int image_store_prune(ImageStore *s, ImagePruneFlags flags, char ***ret_removed, uint64_t *ret_bytes,
                      char **reterr);
