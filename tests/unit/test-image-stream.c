/* The store's streaming unpack (store.h, "Streaming unpack"): a layer unpacked from a BlobWriter's bytes
 * while they are being written, on another thread, and published only when the blob was committed.
 * Each test drives the writer by hand, so what the unpack did before the last byte is observable in
 * its staging dir. */

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "image-test-util.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/store.h"
#include "unit-test.h"

#define PAD_SIZE (1024 * 1024)

typedef struct Ctx {
        char *dir;
        char *root;
        ImageStore *s;
} Ctx;

static int setup(void **state) {
        Ctx *c = calloc(1, sizeof(*c));

        if (!c || !(c->dir = make_tmpdir("stream")) || asprintf(&c->root, "%s/root", c->dir) < 0)
                return -1;
        if (image_store_open(c->root, 0, &c->s, NULL) < 0)
                return -1;
        *state = c;
        return 0;
}

static int teardown(void **state) {
        Ctx *c = *state;

        image_store_free(c->s);
        rm_rf(c->dir);
        free(c->dir);
        free(c->root);
        free(c);
        return 0;
}

static size_t count_dir(Ctx *c, const char *sub) {
        char path[PATH_MAX];
        size_t n = 0;
        DIR *d;
        struct dirent *de;

        snprintf(path, sizeof(path), "%s/%s", c->root, sub);
        d = opendir(path);
        assert_non_null(d);
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

/* A layer: "first" (small), then "pad" (1 MiB that compresses little), as a gzip blob and a plain tar
 * blob (the same diff_id). */
typedef struct Layer {
        char *gz, *plain;
        size_t gz_len, plain_len;
        char gz_digest[DIGEST_STRING_SIZE];
        char plain_digest[DIGEST_STRING_SIZE];
        char diff_id[DIGEST_STRING_SIZE];
        char *pad;
} Layer;

static void layer_make(Layer *l, const char *second_name) {
        uint32_t x = 12345;
        int gz, plain;

        l->pad = malloc(PAD_SIZE + 1);
        assert_non_null(l->pad);
        for (size_t i = 0; i < PAD_SIZE; i++) {
                x = x * 1103515245U + 12345U;
                l->pad[i] = (char) ('!' + (x >> 16) % 90);
        }
        l->pad[PAD_SIZE] = 0;

        const TarEntry e[] = {{.name = "first", .type = AE_IFREG, .data = "the first entry\n"},
                              {.name = second_name, .type = AE_IFREG, .data = l->pad}};
        gz = tar_build(e, ELEMENTSOF(e), TAR_GZIP);
        plain = tar_build(e, ELEMENTSOF(e), TAR_PLAIN);
        assert_true(gz >= 0 && plain >= 0);
        l->gz = fd_read_all(gz, &l->gz_len);
        l->plain = fd_read_all(plain, &l->plain_len);
        assert_non_null(l->gz);
        assert_non_null(l->plain);
        close(gz);
        close(plain);
        assert_int_equal(digest_buffer(l->gz, l->gz_len, l->gz_digest), 0);
        assert_int_equal(digest_buffer(l->plain, l->plain_len, l->plain_digest), 0);
        memcpy(l->diff_id, l->plain_digest, DIGEST_STRING_SIZE);
}

static void layer_done(Layer *l) {
        free(l->gz);
        free(l->plain);
        free(l->pad);
}

typedef struct Run {
        LayerStream *ls;
        pthread_t thread;
        int r;
        char *dir;
        char *err;
        char diff_id[DIGEST_STRING_SIZE];
} Run;

static void *run_thread(void *p) {
        Run *a = p;

        a->r = layer_stream_run(a->ls, &a->dir, a->diff_id, &a->err);
        return NULL;
}

static void run_start(Run *a) {
        assert_int_equal(pthread_create(&a->thread, NULL, run_thread, a), 0);
}

static void run_join(Run *a) {
        assert_int_equal(pthread_join(a->thread, NULL), 0);
        a->ls = layer_stream_free(a->ls);
}

static void run_done(Run *a) {
        free(a->dir);
        free(a->err);
}

/* Waits (up to 20 s) until a staging dir ROOT/tmp/<x>/diff holds name, of at least min_size bytes. */
static bool wait_staged(Ctx *c, const char *name, off_t min_size) {
        for (int i = 0; i < 2000; i++) {
                char tmp[PATH_MAX];
                DIR *d;
                struct dirent *de;
                bool found = false;

                snprintf(tmp, sizeof(tmp), "%s/tmp", c->root);
                d = opendir(tmp);
                assert_non_null(d);
                while (!found && (de = readdir(d))) {
                        char path[PATH_MAX * 2];
                        struct stat st;

                        snprintf(path, sizeof(path), "%s/%s/diff/%s", tmp, de->d_name, name);
                        found = stat(path, &st) >= 0 && st.st_size >= min_size;
                }
                closedir(d);
                if (found)
                        return true;
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
        return false;
}

static void write_part(BlobWriter *w, const char *data, size_t from, size_t to) {
        assert_int_equal(blob_writer_write(w, data + from, to - from, NULL), 0);
}

/* The first entry is on disk (in staging) while half of the blob is still to come; the layer appears
 * only after the commit, complete. */
static void test_unpack_overlaps_write(void **state) {
        Ctx *c = *state;
        Layer l;
        Run a = {};
        BlobWriter *w = NULL;
        _cleanup_free_ char *pad = NULL;
        struct stat st;

        layer_make(&l, "pad");
        assert_int_equal(blob_writer_begin(c->s, l.gz_digest, (int64_t) l.gz_len, 0, &w, NULL), 0);
        assert_int_equal(layer_stream_begin(w, MEDIA_TYPE_OCI_LAYER_GZIP, l.diff_id, &a.ls, NULL), 0);
        run_start(&a);

        write_part(w, l.gz, 0, l.gz_len / 2);
        assert_true(wait_staged(c, "first", 0));
        assert_int_equal(count_dir(c, "layers"), 0);
        assert_int_equal(image_store_has_layer(c->s, l.diff_id, NULL, NULL), 0);

        write_part(w, l.gz, l.gz_len / 2, l.gz_len);
        assert_int_equal(blob_writer_commit(w, NULL, NULL), 0);
        w = blob_writer_free(w);
        run_join(&a);
        assert_int_equal(a.r, 0);
        assert_string_equal(a.diff_id, l.diff_id);
        assert_true(asprintf(&pad, "%s/pad", a.dir) > 0);
        assert_int_equal(stat(pad, &st), 0);
        assert_int_equal(st.st_size, PAD_SIZE);
        assert_int_equal(image_store_has_layer(c->s, l.diff_id, NULL, NULL), 1);
        assert_int_equal(image_store_has_blob(c->s, l.gz_digest, NULL), 1);
        assert_int_equal(count_dir(c, "tmp"), 0);
        run_done(&a);
        layer_done(&l);
}

/* The bytes unpack into exactly the expected layer, but they are not the blob the digest names: the
 * writer's commit finds out at the end, and the complete unpack is thrown away. */
static void test_digest_mismatch_at_end_publishes_nothing(void **state) {
        Ctx *c = *state;
        Layer l;
        Run a = {};
        BlobWriter *w = NULL;
        _cleanup_free_ char *err = NULL;
        char other[DIGEST_STRING_SIZE];

        layer_make(&l, "pad");
        /* the same bytes but one in the gzip header's MTIME: the same tar inside */
        l.gz[4] ^= 1;
        assert_int_equal(digest_buffer(l.gz, l.gz_len, other), 0);
        l.gz[4] ^= 1;

        assert_int_equal(blob_writer_begin(c->s, other, (int64_t) l.gz_len, 0, &w, NULL), 0);
        assert_int_equal(layer_stream_begin(w, NULL, l.diff_id, &a.ls, NULL), 0);
        run_start(&a);
        write_part(w, l.gz, 0, l.gz_len);
        /* The unpack got through (nearly) everything: only what the decompressor holds back until
         * the end of its input (the blob's end, which a failed blob never reports) is missing. */
        assert_true(wait_staged(c, "pad", PAD_SIZE - 256 * 1024));
        assert_int_equal(blob_writer_commit(w, NULL, &err), -EBADMSG);
        assert_true(strstr(err, "digest mismatch") != NULL);
        w = blob_writer_free(w);
        run_join(&a);
        assert_int_equal(a.r, -ECANCELED);
        assert_int_equal(count_dir(c, "layers"), 0);
        assert_int_equal(count_dir(c, "tmp"), 0);
        assert_int_equal(count_dir(c, "blobs/sha256"), 0);
        run_done(&a);
        layer_done(&l);
}

/* A download that fails half-way (the writer is freed, as for a retry from scratch): the partial
 * unpack is thrown away and the lock released, so the retry streams again and succeeds. */
static void test_abandoned_writer_then_retry(void **state) {
        Ctx *c = *state;
        Layer l;
        Run a = {}, b = {};
        BlobWriter *w = NULL;

        layer_make(&l, "pad");
        assert_int_equal(blob_writer_begin(c->s, l.gz_digest, (int64_t) l.gz_len, 0, &w, NULL), 0);
        assert_int_equal(layer_stream_begin(w, NULL, l.diff_id, &a.ls, NULL), 0);
        run_start(&a);
        write_part(w, l.gz, 0, l.gz_len / 2);
        assert_true(wait_staged(c, "first", 0));
        w = blob_writer_free(w);
        run_join(&a);
        assert_int_equal(a.r, -ECANCELED);
        assert_int_equal(count_dir(c, "layers"), 0);
        assert_int_equal(count_dir(c, "tmp"), 0);

        assert_int_equal(blob_writer_begin(c->s, l.gz_digest, (int64_t) l.gz_len, 0, &w, NULL), 0);
        assert_int_equal(layer_stream_begin(w, NULL, l.diff_id, &b.ls, NULL), 0);
        run_start(&b);
        write_part(w, l.gz, 0, l.gz_len);
        assert_int_equal(blob_writer_commit(w, NULL, NULL), 0);
        w = blob_writer_free(w);
        run_join(&b);
        assert_int_equal(b.r, 0);
        assert_int_equal(image_store_has_layer(c->s, l.diff_id, NULL, NULL), 1);
        assert_int_equal(count_dir(c, "tmp"), 0);
        run_done(&a);
        run_done(&b);
        layer_done(&l);
}

/* Two blobs of one layer (gzip and plain): while one streams, the other cannot (-EBUSY: the caller
 * unpacks after its commit, waiting for the lock); once the layer exists, -EEXIST. */
static void test_layer_lock(void **state) {
        Ctx *c = *state;
        Layer l;
        Run a = {};
        BlobWriter *w = NULL, *w2 = NULL;
        LayerStream *ls2 = NULL;
        _cleanup_free_ char *dir = NULL;

        layer_make(&l, "pad");
        assert_int_equal(blob_writer_begin(c->s, l.gz_digest, (int64_t) l.gz_len, 0, &w, NULL), 0);
        assert_int_equal(layer_stream_begin(w, NULL, l.diff_id, &a.ls, NULL), 0);
        assert_int_equal(blob_writer_begin(c->s, l.plain_digest, (int64_t) l.plain_len, 0, &w2, NULL), 0);
        assert_int_equal(layer_stream_begin(w2, NULL, l.diff_id, &ls2, NULL), -EBUSY);

        run_start(&a);
        write_part(w, l.gz, 0, l.gz_len);
        assert_int_equal(blob_writer_commit(w, NULL, NULL), 0);
        w = blob_writer_free(w);
        run_join(&a);
        assert_int_equal(a.r, 0);

        assert_int_equal(layer_stream_begin(w2, NULL, l.diff_id, &ls2, NULL), -EEXIST);
        write_part(w2, l.plain, 0, l.plain_len);
        assert_int_equal(blob_writer_commit(w2, NULL, NULL), 0);
        w2 = blob_writer_free(w2);
        /* the non-streaming path finds the same layer */
        assert_int_equal(image_store_layer_ensure(c->s, l.plain_digest, NULL, l.diff_id, &dir, NULL, NULL),
                         0);
        assert_string_equal(dir, a.dir);
        assert_int_equal(count_dir(c, "layers"), 1);
        run_done(&a);
        layer_done(&l);
}

/* A hostile entry in a blob that verifies: the unpack error is reported (after the commit), nothing
 * is published. A writer with data already, or without an expected digest, cannot stream. */
static void test_hostile_and_misuse(void **state) {
        Ctx *c = *state;
        const TarEntry e[] = {{.name = "ok", .type = AE_IFREG, .data = "x"},
                              {.name = "../../escape", .type = AE_IFREG, .data = "x"}};
        int fd = tar_build(e, ELEMENTSOF(e), TAR_GZIP);
        size_t len = 0;
        _cleanup_free_ char *data = fd_read_all(fd, &len), *want = NULL, *err = NULL;
        char d[DIGEST_STRING_SIZE];
        BlobWriter *w = NULL;
        LayerStream *ls = NULL;
        Run a = {};

        close(fd);
        assert_non_null(data);
        assert_int_equal(digest_buffer(data, len, d), 0);
        assert_int_equal(blob_writer_begin(c->s, d, (int64_t) len, 0, &w, NULL), 0);
        assert_int_equal(layer_stream_begin(w, "application/vnd.example.artifact", NULL, &ls, &err),
                         -EOPNOTSUPP);
        assert_int_equal(layer_stream_begin(w, NULL, NULL, &a.ls, NULL), 0);
        run_start(&a);
        write_part(w, data, 0, len);
        assert_int_equal(blob_writer_commit(w, NULL, NULL), 0);
        w = blob_writer_free(w);
        run_join(&a);
        assert_int_equal(a.r, -EBADMSG);
        assert_true(asprintf(&want, "layer %s: entry \"../../escape\": path escapes the layer", d) > 0);
        assert_string_equal(a.err, want);
        assert_int_equal(count_dir(c, "layers"), 0);
        assert_int_equal(count_dir(c, "tmp"), 0);
        run_done(&a);

        /* misuse: no expected digest; data written already */
        assert_int_equal(blob_writer_begin(c->s, NULL, -1, 0, &w, NULL), 0);
        assert_int_equal(layer_stream_begin(w, NULL, NULL, &ls, NULL), -EINVAL);
        w = blob_writer_free(w);
        assert_int_equal(digest_buffer("abc", 3, d), 0);
        assert_int_equal(blob_writer_begin(c->s, d, 3, 0, &w, NULL), 0);
        assert_int_equal(blob_writer_write(w, "a", 1, NULL), 0);
        assert_int_equal(layer_stream_begin(w, NULL, NULL, &ls, NULL), -EINVAL);
        w = blob_writer_free(w);
        assert_null(ls);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_unpack_overlaps_write),       T(test_digest_mismatch_at_end_publishes_nothing),
                T(test_abandoned_writer_then_retry), T(test_layer_lock),
                T(test_hostile_and_misuse),
        };

        return unit_run_tests("image-stream", tests, ELEMENTSOF(tests));
}
