/* The streaming unpack: a layer unpacked from its blob's bytes while a BlobWriter still receives them.
 *
 * The writer appends to its temporary file as before and, through a BlobFeed, tells how far the file
 * is written and, at the end, whether the blob was committed. The unpack (layer_unpack_stream(), on
 * the caller's other thread) reads the same file with pread() behind the writer and waits when it
 * has caught up. So the writer never waits for the unpack (a slow unpack cannot stall the downloads
 * that share its thread), nothing is buffered in memory beyond one read, and the bytes the unpack
 * reads are the ones the writer hashes.
 *
 * The end of the blob is reported to the unpack only once the writer committed it, i.e. after its
 * size and digest were verified; a writer freed without a commit makes the next read fail. The layer
 * is renamed into ROOT/layers only after both the commit and the unpack (diff_id included) succeeded,
 * which store_layer_unpack()'s ready() step checks once more before publishing. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "image/store-internal.h"

#define STREAM_READ_SIZE (128U * 1024U)

typedef enum FeedState {
        FEED_OPEN,      /* the writer is still writing */
        FEED_COMMITTED, /* the blob is verified and stored: its size is final */
        FEED_FAILED,    /* the writer failed or was freed without a commit */
} FeedState;

struct BlobFeed {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int fd; /* our own dup of the writer's temporary file: valid after the writer closed its own */
        /* guarded by lock: */
        unsigned n_ref;
        int64_t size; /* bytes the writer has written */
        FeedState state;
        int64_t read;        /* bytes the reader has consumed (for the debug log) */
        int64_t read_at_end; /* ... when the writer ended */
};

int blob_feed_new(int fd, BlobFeed **ret) {
        BlobFeed *f;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (f->fd < 0) {
                free(f);
                return -errno;
        }
        pthread_mutex_init(&f->lock, NULL);
        pthread_cond_init(&f->cond, NULL);
        f->n_ref = 1;
        f->state = FEED_OPEN;
        *ret = f;
        return 0;
}

BlobFeed *blob_feed_ref(BlobFeed *f) {
        pthread_mutex_lock(&f->lock);
        f->n_ref++;
        pthread_mutex_unlock(&f->lock);
        return f;
}

BlobFeed *blob_feed_unref(BlobFeed *f) {
        bool last;

        if (!f)
                return NULL;
        pthread_mutex_lock(&f->lock);
        last = --f->n_ref == 0;
        pthread_mutex_unlock(&f->lock);
        if (!last)
                return NULL;
        close(f->fd);
        pthread_cond_destroy(&f->cond);
        pthread_mutex_destroy(&f->lock);
        free(f);
        return NULL;
}

void blob_feed_append(BlobFeed *f, int64_t size) {
        pthread_mutex_lock(&f->lock);
        f->size = size;
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);
}

void blob_feed_end(BlobFeed *f, bool committed) {
        pthread_mutex_lock(&f->lock);
        if (f->state == FEED_OPEN) {
                f->state = committed ? FEED_COMMITTED : FEED_FAILED;
                f->read_at_end = f->read;
                pthread_cond_broadcast(&f->cond);
        }
        pthread_mutex_unlock(&f->lock);
}

/* Waits until there are bytes past offset or the writer ended. Returns 1 and the written size in
 * *ret_size, 0 at the end of a committed blob, -ECANCELED when the writer failed. */
static int blob_feed_wait(BlobFeed *f, int64_t offset, int64_t *ret_size) {
        int r;

        pthread_mutex_lock(&f->lock);
        f->read = offset;
        while (f->state == FEED_OPEN && f->size <= offset)
                pthread_cond_wait(&f->cond, &f->lock);
        if (f->state == FEED_FAILED)
                r = -ECANCELED;
        else if (f->size > offset) {
                *ret_size = f->size;
                r = 1;
        } else
                r = 0;
        pthread_mutex_unlock(&f->lock);
        return r;
}

/* Waits for the writer's end: 0 when it committed the blob, -ECANCELED when not. */
static int blob_feed_result(BlobFeed *f) {
        int r;

        pthread_mutex_lock(&f->lock);
        while (f->state == FEED_OPEN)
                pthread_cond_wait(&f->cond, &f->lock);
        r = f->state == FEED_COMMITTED ? 0 : -ECANCELED;
        pthread_mutex_unlock(&f->lock);
        return r;
}

static int64_t feed_size(BlobFeed *f) {
        int64_t size;

        pthread_mutex_lock(&f->lock);
        size = f->size;
        pthread_mutex_unlock(&f->lock);
        return size;
}

/* ---- LayerStream ------------------------------------------------------------------------------ */

struct LayerStream {
        ImageStore *store; /* borrowed from the writer */
        char *blob_digest;
        char *diff_id; /* expected, or NULL */
        int lock_fd;   /* the layer's lock, from begin to free */
        BlobFeed *feed;
        int64_t offset; /* bytes read */
        char *buf;
        bool ran;
};

LayerStream *layer_stream_free(LayerStream *ls) {
        if (!ls)
                return NULL;
        if (ls->lock_fd >= 0)
                close(ls->lock_fd);
        blob_feed_unref(ls->feed);
        free(ls->buf);
        free(ls->diff_id);
        free(ls->blob_digest);
        free(ls);
        return NULL;
}

int layer_stream_begin(BlobWriter *w, const char *media_type, const char *expected_diff_id,
                       LayerStream **ret, char **reterr) {
        _cleanup_(layer_stream_freep) LayerStream *ls = NULL;
        const char *blob_digest, *blob_hex, *diff_hex = NULL;
        ImageStore *s;
        int r;

        r = blob_writer_stream_info(w, &s, &blob_digest);
        if (r < 0)
                return store_error(reterr, r,
                                   "streaming unpack: the blob writer has no expected digest or "
                                   "has data already");
        blob_hex = blob_digest + strlen(DIGEST_SHA256_PREFIX);
        if (expected_diff_id) {
                r = store_check_digest(expected_diff_id, "layer diff_id", &diff_hex, reterr);
                if (r < 0)
                        return r;
        }
        if (media_type && !store_layer_media_type_ok(media_type))
                return store_error(reterr, -EOPNOTSUPP, "layer %s: unsupported media type \"%s\"",
                                   blob_digest, media_type);
        if (diff_hex) {
                r = image_store_has_layer(s, expected_diff_id, NULL, reterr);
                if (r != 0)
                        return r < 0 ? r : -EEXIST;
        }

        ls = calloc(1, sizeof(*ls));
        if (!ls)
                return -ENOMEM;
        ls->store = s;
        ls->lock_fd = store_layer_lock(s, blob_hex, diff_hex, /* nonblock= */ true);
        if (ls->lock_fd == -EBUSY)
                return store_error(reterr, -EBUSY, "layer %s: being unpacked by another writer",
                                   blob_digest);
        if (ls->lock_fd < 0)
                return store_error(reterr, ls->lock_fd, "layer %s: lock: %s", blob_digest,
                                   strerror(-ls->lock_fd));
        if (diff_hex) {
                r = image_store_has_layer(s, expected_diff_id, NULL, reterr);
                if (r != 0)
                        return r < 0 ? r : -EEXIST;
        }
        ls->blob_digest = strdup(blob_digest);
        ls->diff_id = expected_diff_id ? strdup(expected_diff_id) : NULL;
        ls->buf = malloc(STREAM_READ_SIZE);
        if (!ls->blob_digest || (expected_diff_id && !ls->diff_id) || !ls->buf)
                return -ENOMEM;
        r = blob_writer_attach_feed(w, &ls->feed);
        if (r < 0)
                return store_error(reterr, r, "layer %s: streaming unpack: %s", blob_digest, strerror(-r));
        *ret = TAKE_PTR(ls);
        return 0;
}

static ssize_t stream_read(void *userdata, const void **ret_buf) {
        LayerStream *ls = userdata;
        int64_t size = 0;
        ssize_t n;
        int r;

        r = blob_feed_wait(ls->feed, ls->offset, &size);
        if (r <= 0)
                return r;
        do
                n = pread(ls->feed->fd, ls->buf, (size_t) MIN(size - ls->offset, (int64_t) STREAM_READ_SIZE),
                          ls->offset);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n == 0)
                return -EIO; /* shorter than the writer said: cannot happen */
        ls->offset += n;
        *ret_buf = ls->buf;
        return n;
}

static int stream_ready(void *userdata) {
        LayerStream *ls = userdata;

        return blob_feed_result(ls->feed);
}

int layer_stream_run(LayerStream *ls, char **ret_dir, char *ret_diff_id, char **reterr) {
        _cleanup_free_ char *err = NULL;
        const LayerSource src = {
                .fd = -EBADF,
                .read = stream_read,
                .ready = stream_ready,
                .userdata = ls,
        };
        int64_t read_at_end, size;
        int r;

        if (ls->ran)
                return -EINVAL;
        ls->ran = true;
        log_debug("layer %s: unpacking while the blob arrives", ls->blob_digest);
        r = store_layer_unpack(ls->store, ls->blob_digest, ls->diff_id, &src, ret_dir, ret_diff_id, &err);
        if (r < 0) {
                /* A blob that fails its digest check usually fails the unpack first (corrupt data, a
                 * diff_id mismatch), yet its digest mismatch is what the user must see, as without
                 * streaming: an unpack error counts only for a blob that was stored. */
                if (blob_feed_result(ls->feed) < 0) {
                        log_debug("layer %s: the blob was not stored: discarding its unpack after %" PRIi64
                                  " of the blob's %" PRIi64 " bytes",
                                  ls->blob_digest, ls->offset, feed_size(ls->feed));
                        return store_error(reterr, -ECANCELED, "layer %s: the blob was not stored",
                                           ls->blob_digest);
                }
                if (reterr && !*reterr)
                        *reterr = TAKE_PTR(err);
                return r;
        }
        pthread_mutex_lock(&ls->feed->lock);
        read_at_end = ls->feed->read_at_end;
        size = ls->feed->size;
        pthread_mutex_unlock(&ls->feed->lock);
        /* How much of the work overlapped the download (the pull tests check it). */
        log_debug("layer %s: unpacked; %" PRIi64 " of the blob's %" PRIi64
                  " bytes were read by the unpack before the blob was stored",
                  ls->blob_digest, read_at_end, size);
        return 0;
}
