#pragma once

/* Shared between store.c, store-images.c and archive.c; not part of the store's API. */

#include <stdarg.h>

#include "common/rm-rf.h"
#include "image/store.h"
#include "image/unpack.h"

struct ImageStore {
        char *root;
        int root_fd;   /* O_DIRECTORY */
        int blobs_fd;  /* ROOT/blobs/sha256 */
        int layers_fd; /* ROOT/layers */
        int tmp_fd;    /* ROOT/tmp */
        int locks_fd;  /* ROOT/locks */
        int gc_fd;     /* ROOT/gc.lock, held LOCK_SH while open */
        ImageStoreFlags flags;
        ImageInUseFunc in_use;
        void *in_use_userdata;
};

/* Sets *reterr (when not NULL and still unset) to a new formatted message; returns error. */
int store_error(char **reterr, int error, const char *fmt, ...) _printf_(3, 4);

/* Validates digest (with a message naming what) and returns its hex part (borrowed). */
int store_check_digest(const char *digest, const char *what, const char **ret_hex, char **reterr);

/* Takes an flock on ROOT/locks/<name> (created when missing). Returns the fd or -errno; -EBUSY when
 * nonblock and held. */
int store_lock_file(ImageStore *s, const char *name, bool nonblock);


/* Deletes ROOT/tmp entries whose writer died (all of them when exclusive). */
void store_clean_tmp(ImageStore *s, bool exclusive);

/* Parses the contents of ROOT/images.json strictly (every digest and id checked). Returns 0 and a new
 * array (store_image_array_free()) of records with config, volumes and layer_dirs unset, or -EBADMSG
 * with *reterr naming the field ("images.json: images[2].digest: invalid digest"), -ENOMEM. Exposed
 * for the fuzzer. */
int store_records_parse(const char *data, size_t len, StoreImage ***ret, size_t *ret_n, char **reterr);

/* ---- Layers (store-images.c), shared with the streaming unpack (store-stream.c) ---- */

/* True for the media types of layers (tar, gzip, zstd; OCI and Docker). */
bool store_layer_media_type_ok(const char *t);

/* Takes the per-layer lock (keyed by the diff_id when known, else by the blob). Returns the fd, -EBUSY
 * when nonblock and held, or -errno. */
int store_layer_lock(ImageStore *s, const char *blob_hex, const char *diff_hex, bool nonblock);

/* Where store_layer_unpack() gets a layer blob's bytes: a stored blob (fd) or a blob still being
 * written (read, fd < 0). ready(), when set, is asked after a successful unpack and before anything
 * is synced or published: a negative return discards the layer. */
typedef struct LayerSource {
        int fd;
        UnpackReadFunc read;
        int (*ready)(void *userdata);
        void *userdata;
} LayerSource;

/* Unpacks into a staging dir of ROOT/tmp, checks the diff_id (when expected_diff_id is not NULL),
 * writes layer.json, syncs and renames it to ROOT/layers/<diff_id hex>; the caller holds the layer's
 * lock. On failure the staging dir is removed. Returns 0 (ret_dir and ret_diff_id as in
 * image_store_layer_ensure()) or -errno with *reterr. */
int store_layer_unpack(ImageStore *s, const char *blob_digest, const char *expected_diff_id,
                       const LayerSource *src, char **ret_dir, char *ret_diff_id, char **reterr);

/* ---- The bytes of a blob being written, for a streaming unpack (store-stream.c) ---- */

/* Shared by a BlobWriter (which appends) and a LayerStream (which reads, on another thread):
 * reference counted, thread-safe. */
typedef struct BlobFeed BlobFeed;

/* Returns 0 and a new feed reading fd (dup'ed; the writer's temporary file) in *ret, or -errno. */
int blob_feed_new(int fd, BlobFeed **ret);
BlobFeed *blob_feed_ref(BlobFeed *f);
BlobFeed *blob_feed_unref(BlobFeed *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(BlobFeed *, blob_feed_unref);

/* The writer: the first size bytes are in the file. */
void blob_feed_append(BlobFeed *f, int64_t size);
/* The writer is done: committed (the blob's digest and size verified, the blob stored) or not (it
 * failed or was freed). Only the first call counts. */
void blob_feed_end(BlobFeed *f, bool committed);

/* Whether w can feed a streaming unpack (it has an expected digest, nothing written yet, no feed):
 * returns 0, its store and expected digest (borrowed from w); -EINVAL otherwise. */
int blob_writer_stream_info(const BlobWriter *w, ImageStore **ret_store, const char **ret_digest);

/* Attaches a new feed to w (see blob_writer_stream_info()): returns 0 and a reference to it in
 * *ret_feed, -EINVAL or -errno. */
int blob_writer_attach_feed(BlobWriter *w, BlobFeed **ret_feed);
