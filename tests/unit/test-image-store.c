/* The image store API: digests, the verifying blob writer and its lock, layers, image records, names,
 * tag/untag/remove/prune, and the records parser. Each test gets a fresh store in a temp dir. */

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/strv.h"
#include "image-test-util.h"
#include "image/digest.h"
#include "image/store-internal.h"
#include "image/store.h"
#include "unit-test.h"

#define EMPTY_SHA256 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct Ctx {
        char *dir;
        char *root;
        ImageStore *s;
} Ctx;

static int setup(void **state) {
        Ctx *c = calloc(1, sizeof(*c));

        if (!c || !(c->dir = make_tmpdir("store")) || asprintf(&c->root, "%s/root", c->dir) < 0)
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

/* ---- digests -------------------------------------------------------------------------------- */

static void test_digest(void **state) {
        char d[DIGEST_STRING_SIZE];
        _cleanup_(digest_hasher_freep) DigestHasher *h = NULL;
        const char *hex;

        assert_int_equal(digest_buffer("", 0, d), 0);
        assert_string_equal(d, EMPTY_SHA256);
        assert_int_equal(digest_hasher_new(&h), 0);
        assert_int_equal(digest_hasher_update(h, "ab", 2), 0);
        assert_int_equal(digest_hasher_update(h, "c", 1), 0);
        assert_int_equal(digest_hasher_size(h), 3);
        assert_int_equal(digest_hasher_final(h, d), 0);
        assert_string_equal(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_int_equal(digest_hasher_final(h, d), -EINVAL);
        assert_int_equal(digest_parse(EMPTY_SHA256, &hex, NULL), 0);
        assert_string_equal(hex, &EMPTY_SHA256[7]);
        assert_true(digest_hex_is_valid(&EMPTY_SHA256[7]));
        assert_false(digest_hex_is_valid("abc"));
}

static void test_digest_parse_errors(void **state) {
        const struct {
                const char *in;
                int r;
                const char *msg;
        } cases[] = {
                {"", -EINVAL, "invalid digest \"\": empty"},
                {"abc", -EINVAL, "invalid digest \"abc\": missing \"algorithm:\""},
                {":abc", -EINVAL, "invalid digest \":abc\": empty algorithm"},
                {"sha256:xyz", -EINVAL,
                 "invalid digest \"sha256:xyz\": sha256 needs lowercase hex digits, got 'x'"},
                {"sha256:abc", -EINVAL, "invalid digest \"sha256:abc\": sha256 needs 64 hex digits, got 3"},
                {"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", -EINVAL,
                 "invalid digest \"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\": sha256 "
                 "needs lowercase hex digits, got 'E'"},
                {"sha512:abcd", -EOPNOTSUPP,
                 "unsupported digest algorithm \"sha512\" (only sha256 is supported)"},
                {"SHA256:abcd", -EINVAL, "invalid digest \"SHA256:abcd\": bad algorithm name"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *reason = NULL;

                assert_int_equal(digest_parse(cases[i].in, NULL, &reason), cases[i].r);
                assert_non_null(reason);
                assert_string_equal(reason, cases[i].msg);
        }
}

/* ---- blobs ---------------------------------------------------------------------------------- */

static void test_blob_write_commit(void **state) {
        Ctx *c = *state;
        _cleanup_(blob_writer_freep) BlobWriter *w = NULL;
        _cleanup_free_ char *data = NULL, *err = NULL;
        char d[DIGEST_STRING_SIZE], want[DIGEST_STRING_SIZE];
        size_t len = 0;

        assert_int_equal(digest_buffer("hello world", 11, want), 0);
        assert_int_equal(image_store_has_blob(c->s, want, NULL), 0);
        assert_int_equal(blob_writer_begin(c->s, want, 11, 0, &w, &err), 0);
        assert_int_equal(blob_writer_write(w, "hello ", 6, &err), 0);
        assert_int_equal(blob_writer_write(w, "world", 5, &err), 0);
        assert_int_equal(blob_writer_size(w), 11);
        assert_int_equal(blob_writer_commit(w, d, &err), 0);
        assert_string_equal(d, want);
        assert_int_equal(image_store_has_blob(c->s, want, NULL), 1);
        assert_int_equal(image_store_read_blob(c->s, want, 0, &data, &len, NULL), 0);
        assert_int_equal(len, 11);
        assert_string_equal(data, "hello world");
        assert_int_equal(count_dir(c, "tmp"), 0);
        w = blob_writer_free(w);

        /* Present now: a second writer is told so, without waiting. */
        assert_int_equal(blob_writer_begin(c->s, want, 11, 0, &w, NULL), -EEXIST);
        assert_null(w);
        assert_int_equal(image_store_put_blob(c->s, want, "hello world", 11, d, NULL), 0);
        assert_int_equal(count_dir(c, "blobs/sha256"), 1);
}

static void test_blob_digest_mismatch(void **state) {
        Ctx *c = *state;
        _cleanup_(blob_writer_freep) BlobWriter *w = NULL;
        _cleanup_free_ char *err = NULL, *want = NULL;
        char got[DIGEST_STRING_SIZE];

        assert_int_equal(digest_buffer("other", 5, got), 0);
        assert_int_equal(blob_writer_begin(c->s, EMPTY_SHA256, -1, 0, &w, &err), 0);
        assert_int_equal(blob_writer_write(w, "other", 5, &err), 0);
        assert_int_equal(blob_writer_commit(w, NULL, &err), -EBADMSG);
        assert_true(asprintf(&want, "blob %s: digest mismatch (expected %s, got %s)", EMPTY_SHA256,
                             EMPTY_SHA256, got)
                    > 0);
        assert_string_equal(err, want);
        assert_int_equal(image_store_has_blob(c->s, EMPTY_SHA256, NULL), 0);
        assert_int_equal(count_dir(c, "blobs/sha256"), 0);
        assert_int_equal(count_dir(c, "tmp"), 0);
}

static void test_blob_size_checks(void **state) {
        Ctx *c = *state;
        _cleanup_(blob_writer_freep) BlobWriter *w = NULL, *w2 = NULL;
        _cleanup_free_ char *err = NULL, *err2 = NULL;

        assert_int_equal(blob_writer_begin(c->s, EMPTY_SHA256, 0, 0, &w, NULL), 0);
        assert_int_equal(blob_writer_write(w, "x", 1, &err), -EFBIG);
        assert_string_equal(err, "blob " EMPTY_SHA256 ": more data than the expected 0 bytes");
        w = blob_writer_free(w);

        /* The right bytes but a size that says otherwise: a truncated or padded download. */
        assert_int_equal(blob_writer_begin(c->s, EMPTY_SHA256, 10, 0, &w2, NULL), 0);
        assert_int_equal(blob_writer_commit(w2, NULL, &err2), -EBADMSG);
        assert_string_equal(err2, "blob " EMPTY_SHA256 ": size mismatch (expected 10 bytes, got 0)");
        assert_int_equal(count_dir(c, "blobs/sha256"), 0);
}

static void test_blob_bad_digest(void **state) {
        Ctx *c = *state;
        BlobWriter *w = NULL;
        _cleanup_free_ char *err = NULL, *err2 = NULL;

        assert_int_equal(blob_writer_begin(c->s, "sha256:1234", -1, 0, &w, &err), -EINVAL);
        assert_string_equal(err, "blob: invalid digest \"sha256:1234\": sha256 needs 64 hex digits, got 4");
        assert_int_equal(image_store_has_blob(c->s, "md5:abc", &err2), -EOPNOTSUPP);
        assert_string_equal(err2, "blob: unsupported digest algorithm \"md5\" (only sha256 is supported)");
}

static void test_blob_unknown_digest(void **state) {
        Ctx *c = *state;
        _cleanup_(blob_writer_freep) BlobWriter *w = NULL;
        char d[DIGEST_STRING_SIZE];

        assert_int_equal(blob_writer_begin(c->s, NULL, -1, 0, &w, NULL), 0);
        assert_int_equal(blob_writer_write(w, "abc", 3, NULL), 0);
        assert_int_equal(blob_writer_commit(w, d, NULL), 0);
        assert_string_equal(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_int_equal(image_store_has_blob(c->s, d, NULL), 1);
}

static void test_blob_discard(void **state) {
        Ctx *c = *state;
        BlobWriter *w = NULL;

        assert_int_equal(blob_writer_begin(c->s, EMPTY_SHA256, -1, 0, &w, NULL), 0);
        assert_int_equal(blob_writer_write(w, "partial", 7, NULL), 0);
        blob_writer_free(w);
        assert_int_equal(count_dir(c, "blobs/sha256"), 0);
        assert_int_equal(count_dir(c, "tmp"), 0);
}

/* Two writers of one digest: the second waits for the first, then finds the blob (-EEXIST); with
 * BLOB_WRITER_NONBLOCK it is told -EBUSY at once. The first writer is another process. */
static void test_blob_lock(void **state) {
        Ctx *c = *state;
        int p[2];
        char want[DIGEST_STRING_SIZE], b;
        BlobWriter *w = NULL;
        _cleanup_free_ char *err = NULL;
        pid_t pid;
        int status;

        assert_int_equal(digest_buffer("locked", 6, want), 0);
        assert_int_equal(pipe(p), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                ImageStore *s = NULL;
                BlobWriter *cw = NULL;

                if (image_store_open(c->root, 0, &s, NULL) < 0
                    || blob_writer_begin(s, want, 6, 0, &cw, NULL) < 0)
                        _exit(1);
                (void) !write(p[1], "x", 1);
                usleep(300 * 1000);
                if (blob_writer_write(cw, "locked", 6, NULL) < 0 || blob_writer_commit(cw, NULL, NULL) < 0)
                        _exit(2);
                blob_writer_free(cw);
                image_store_free(s);
                _exit(0);
        }
        close(p[1]);
        assert_int_equal(read(p[0], &b, 1), 1);
        close(p[0]);
        assert_int_equal(blob_writer_begin(c->s, want, 6, BLOB_WRITER_NONBLOCK, &w, &err), -EBUSY);
        assert_true(strstr(err, ": being written by another process") != NULL);
        assert_int_equal(blob_writer_begin(c->s, want, 6, 0, &w, NULL), -EEXIST);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(image_store_has_blob(c->s, want, NULL), 1);
}

/* ---- layers and images ---------------------------------------------------------------------- */

typedef struct TestImage {
        char manifest[DIGEST_STRING_SIZE];
        char config[DIGEST_STRING_SIZE];
        char layers[2][DIGEST_STRING_SIZE];
        char diff_ids[2][DIGEST_STRING_SIZE];
} TestImage;

static void put_fd_blob(Ctx *c, int fd, char d[static DIGEST_STRING_SIZE]) {
        size_t len = 0;
        char *buf = fd_read_all(fd, &len);

        assert_non_null(buf);
        assert_int_equal(image_store_put_blob(c->s, NULL, buf, len, d, NULL), 0);
        free(buf);
}

/* Stores a two-layer image (the second layer's content varies with marker) and its layers. */
static void make_image(Ctx *c, const char *marker, TestImage *img) {
        const TarEntry l0[] = {{.name = "bin", .type = AE_IFDIR},
                               {.name = "bin/sh", .type = AE_IFREG, .data = "sh"}};
        const TarEntry l1[] = {{.name = "marker", .type = AE_IFREG, .data = marker}};
        const TarEntry *ls[2] = {l0, l1};
        const size_t ns[2] = {ELEMENTSOF(l0), ELEMENTSOF(l1)};
        _cleanup_free_ char *config = NULL, *manifest = NULL;

        for (int i = 0; i < 2; i++) {
                int gz = tar_build(ls[i], ns[i], TAR_GZIP), plain = tar_build(ls[i], ns[i], TAR_PLAIN);
                size_t len = 0;
                char *buf = fd_read_all(plain, &len);

                put_fd_blob(c, gz, img->layers[i]);
                assert_int_equal(digest_buffer(buf, len, img->diff_ids[i]), 0);
                free(buf);
                close(gz);
                close(plain);
        }
        assert_true(
                asprintf(
                        &config,
                        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-05-06T07:08:09Z\","
                        "\"config\":{\"Cmd\":[\"sh\"],\"Env\":[\"M=%s\"],\"User\":\"1:2\",\"WorkingDir\":\"/w\","
                        "\"Labels\":{\"k\":\"v\"},\"Volumes\":{\"/v\":{}}},"
                        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\"]}}",
                        marker, img->diff_ids[0], img->diff_ids[1])
                > 0);
        assert_int_equal(image_store_put_blob(c->s, NULL, config, strlen(config), img->config, NULL), 0);
        assert_true(
                asprintf(
                        &manifest,
                        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
                        "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":1},"
                        "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":1}]}",
                        img->config, strlen(config), img->layers[0], img->layers[1])
                > 0);
        assert_int_equal(image_store_put_blob(c->s, NULL, manifest, strlen(manifest), img->manifest, NULL),
                         0);
}

static void ensure_layers(Ctx *c, const TestImage *img) {
        for (int i = 0; i < 2; i++) {
                _cleanup_free_ char *dir = NULL, *err = NULL;
                char got[DIGEST_STRING_SIZE];

                assert_int_equal(image_store_layer_ensure(c->s, img->layers[i],
                                                          "application/vnd.oci.image.layer.v1.tar+gzip",
                                                          img->diff_ids[i], &dir, got, &err),
                                 0);
                assert_string_equal(got, img->diff_ids[i]);
                assert_true(strstr(dir, img->diff_ids[i] + 7) != NULL);
        }
}

static void test_layer_ensure(void **state) {
        Ctx *c = *state;
        TestImage img;
        _cleanup_free_ char *dir = NULL, *dir2 = NULL, *path = NULL;
        struct stat st, st2;

        make_image(c, "a", &img);
        assert_int_equal(image_store_has_layer(c->s, img.diff_ids[0], NULL, NULL), 0);
        assert_int_equal(
                image_store_layer_ensure(c->s, img.layers[0], NULL, img.diff_ids[0], &dir, NULL, NULL), 0);
        assert_int_equal(asprintf(&path, "%s/bin/sh", dir), (int) strlen(dir) + 7);
        assert_int_equal(stat(path, &st), 0);
        /* Idempotent: the same dir, not unpacked again (same inode). */
        assert_int_equal(
                image_store_layer_ensure(c->s, img.layers[0], NULL, img.diff_ids[0], &dir2, NULL, NULL), 0);
        assert_string_equal(dir, dir2);
        assert_int_equal(stat(path, &st2), 0);
        assert_int_equal(st.st_ino, st2.st_ino);
        assert_int_equal(image_store_has_layer(c->s, img.diff_ids[0], NULL, NULL), 1);
        assert_int_equal(count_dir(c, "tmp"), 0);
}

static void test_layer_diff_id_mismatch(void **state) {
        Ctx *c = *state;
        TestImage img;
        _cleanup_free_ char *err = NULL, *want = NULL, *err2 = NULL;

        make_image(c, "a", &img);
        assert_int_equal(
                image_store_layer_ensure(c->s, img.layers[0], NULL, img.diff_ids[1], NULL, NULL, &err),
                -EBADMSG);
        assert_true(asprintf(&want, "layer %s: diff_id mismatch (expected %s, got %s)", img.layers[0],
                             img.diff_ids[1], img.diff_ids[0])
                    > 0);
        assert_string_equal(err, want);
        assert_int_equal(count_dir(c, "layers"), 0);
        assert_int_equal(count_dir(c, "tmp"), 0);
        assert_int_equal(image_store_layer_ensure(c->s, img.layers[0], "application/vnd.example.artifact",
                                                  NULL, NULL, NULL, &err2),
                         -EOPNOTSUPP);
        assert_true(strstr(err2, "unsupported media type \"application/vnd.example.artifact\"") != NULL);
}

static void test_layer_hostile_leaves_nothing(void **state) {
        Ctx *c = *state;
        const TarEntry e[] = {{.name = "ok", .type = AE_IFREG, .data = "x"},
                              {.name = "../../escape", .type = AE_IFREG, .data = "x"}};
        int fd = tar_build(e, ELEMENTSOF(e), TAR_GZIP);
        char d[DIGEST_STRING_SIZE];
        _cleanup_free_ char *err = NULL, *want = NULL;

        put_fd_blob(c, fd, d);
        close(fd);
        assert_int_equal(image_store_layer_ensure(c->s, d, NULL, NULL, NULL, NULL, &err), -EBADMSG);
        assert_true(asprintf(&want, "layer %s: entry \"../../escape\": path escapes the layer", d) > 0);
        assert_string_equal(err, want);
        assert_int_equal(count_dir(c, "layers"), 0);
        assert_int_equal(count_dir(c, "tmp"), 0);
}

typedef struct EnsureArg {
        Ctx *c;
        const char *blob, *diff_id;
        int r;
        char *dir;
} EnsureArg;

static void *ensure_thread(void *p) {
        EnsureArg *a = p;

        a->r = image_store_layer_ensure(a->c->s, a->blob, NULL, a->diff_id, &a->dir, NULL, NULL);
        return NULL;
}

/* The registry client unpacks layers from several threads sharing one ImageStore: the same layer
 * from 4 threads is unpacked once (all get the same dir), two layers in parallel both land. */
static void test_layer_ensure_threads(void **state) {
        Ctx *c = *state;
        TestImage img;
        EnsureArg args[8];
        pthread_t t[8];

        char log_path[PATH_MAX], line[512];
        int saved, logfd, unpacks = 0;
        FILE *f;

        make_image(c, "threads", &img);
        /* Count the library's debug line per real unpack. */
        snprintf(log_path, sizeof(log_path), "%s/log", c->dir);
        logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(logfd >= 0);
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        assert_int_equal(dup2(logfd, STDERR_FILENO), STDERR_FILENO);
        log_set_max_level(LOG_DEBUG);
        for (int i = 0; i < 8; i++) {
                args[i] = (EnsureArg){ .c = c, .blob = img.layers[i % 2], .diff_id = img.diff_ids[i % 2] };
                assert_int_equal(pthread_create(&t[i], NULL, ensure_thread, &args[i]), 0);
        }
        for (int i = 0; i < 8; i++) {
                assert_int_equal(pthread_join(t[i], NULL), 0);
                assert_int_equal(args[i].r, 0);
                assert_string_equal(args[i].dir, args[i % 2].dir);
        }
        fflush(stderr);
        log_set_max_level(LOG_WARNING);
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        close(logfd);
        f = fopen(log_path, "re");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f))
                unpacks += strstr(line, ": unpacking") != NULL;
        fclose(f);
        assert_int_equal(unpacks, 2);
        for (int i = 0; i < 8; i++)
                free(args[i].dir);
        assert_int_equal(count_dir(c, "layers"), 2);
        assert_int_equal(count_dir(c, "tmp"), 0);
}

static void test_image_commit_lookup(void **state) {
        Ctx *c = *state;
        TestImage img;
        char id[DIGEST_SHA256_HEX_LEN + 1], prefix[13];
        char *names[] = {(char *) "busybox", (char *) "quay.io/a/b:1", NULL};
        _cleanup_free_ char *err = NULL;

        make_image(c, "a", &img);
        /* Layers not unpacked yet: refused, naming the layer. */
        assert_int_equal(image_store_image_commit(c->s, img.manifest, names, id, &err), -ENOENT);
        assert_true(strstr(err, "not unpacked") != NULL);
        ensure_layers(c, &img);
        assert_int_equal(image_store_image_commit(c->s, img.manifest, names, id, NULL), 0);
        assert_string_equal(id, img.config + 7);
        snprintf(prefix, sizeof(prefix), "%.12s", id);

        const char *refs[] = {"busybox",
                              "busybox:latest",
                              "docker.io/library/busybox:latest",
                              "quay.io/a/b:1",
                              id,
                              prefix,
                              img.config,
                              img.manifest,
                              "b:1"};
        for (size_t i = 0; i < ELEMENTSOF(refs); i++) {
                _cleanup_(store_image_freep) StoreImage *si = NULL;

                assert_int_equal(image_store_lookup(c->s, refs[i], &si, NULL), 0);
                assert_string_equal(si->id, id);
                assert_string_equal(si->digest, img.manifest);
                assert_int_equal(strv_length(si->names), 2);
                assert_string_equal(si->names[0], "docker.io/library/busybox:latest");
                assert_int_equal(strv_length(si->layer_dirs), 2);
                assert_true(strstr(si->layer_dirs[0], img.diff_ids[0] + 7) != NULL);
                assert_string_equal(si->config->cmd[0], "sh");
                assert_string_equal(si->config->user, "1:2");
                assert_string_equal(si->config->working_dir, "/w");
                assert_string_equal(si->volumes[0], "/v");
                assert_string_equal(si->created, "2024-05-06T07:08:09Z");
                assert_true(si->size > 0);
        }
        {
                _cleanup_free_ char *e2 = NULL, *e3 = NULL;
                StoreImage *si = NULL;

                assert_int_equal(image_store_lookup(c->s, "nothere", &si, &e2), -ENOENT);
                assert_string_equal(e2, "nothere: image not known");
                assert_int_equal(image_store_lookup(c->s, "Not A Name", &si, &e3), -EINVAL);
                assert_string_equal(e3, "Not A Name: not an image name or id");
        }
}

static void test_names_move_tag_untag_remove(void **state) {
        Ctx *c = *state;
        TestImage a, b;
        char ida[DIGEST_SHA256_HEX_LEN + 1], idb[DIGEST_SHA256_HEX_LEN + 1], rid[DIGEST_SHA256_HEX_LEN + 1];
        char *na[] = {(char *) "x:1", NULL};
        StoreImage **list = NULL;
        size_t n = 0;
        bool untagged;
        _cleanup_free_ char *err = NULL;

        make_image(c, "a", &a);
        make_image(c, "b", &b);
        ensure_layers(c, &a);
        ensure_layers(c, &b);
        assert_int_equal(image_store_image_commit(c->s, a.manifest, na, ida, NULL), 0);
        /* The name moves to b; a becomes dangling, as in podman. */
        assert_int_equal(image_store_image_commit(c->s, b.manifest, na, idb, NULL), 0);
        assert_int_equal(image_store_list(c->s, &list, &n, NULL), 0);
        assert_int_equal(n, 2);
        assert_null(list[0]->names);
        assert_string_equal(list[1]->names[0], "docker.io/library/x:1");
        store_image_array_free(list, n);

        assert_int_equal(image_store_tag(c->s, ida, "mine", NULL), 0);
        assert_int_equal(image_store_tag(c->s, ida, "reg.example:5000/y:2", NULL), 0);
        {
                _cleanup_(store_image_freep) StoreImage *si = NULL;

                assert_int_equal(image_store_lookup(c->s, "mine", &si, NULL), 0);
                assert_string_equal(si->id, ida);
                assert_string_equal(si->names[0], "localhost/mine:latest");
                assert_string_equal(si->names[1], "reg.example:5000/y:2");
        }
        assert_int_equal(image_store_remove(c->s, ida, 0, rid, &untagged, &err), -EBUSY);
        assert_true(strstr(err, "has 2 names") != NULL);
        assert_int_equal(image_store_remove(c->s, "mine", 0, rid, &untagged, NULL), 0);
        assert_true(untagged);
        assert_string_equal(rid, ida);
        assert_int_equal(image_store_untag(c->s, ida, "reg.example:5000/y:2", NULL), 0);
        assert_int_equal(image_store_remove(c->s, ida, 0, rid, &untagged, NULL), 0);
        assert_false(untagged);
        /* a's own layer and blobs went with it (no other handle was open); b's stay. */
        assert_int_equal(count_dir(c, "layers"), 2);
        assert_int_equal(count_dir(c, "blobs/sha256"), 4);
        {
                StoreImage *si = NULL;

                assert_int_equal(image_store_lookup(c->s, ida, &si, NULL), -ENOENT);
        }
}

static int always_in_use(const char *id, void *userdata) {
        return 1;
}

static void test_prune(void **state) {
        Ctx *c = *state;
        TestImage a, b;
        char ida[DIGEST_SHA256_HEX_LEN + 1], idb[DIGEST_SHA256_HEX_LEN + 1];
        char *nb[] = {(char *) "keep", NULL};
        _cleanup_strv_free_ char **removed = NULL, **removed2 = NULL;
        _cleanup_free_ char *err = NULL;
        uint64_t bytes = 0;
        bool untagged;
        char path[PATH_MAX];

        make_image(c, "a", &a);
        make_image(c, "b", &b);
        ensure_layers(c, &a);
        ensure_layers(c, &b);
        assert_int_equal(image_store_image_commit(c->s, a.manifest, NULL, ida, NULL), 0);
        assert_int_equal(image_store_image_commit(c->s, b.manifest, nb, idb, NULL), 0);
        /* A stray temp file of a dead writer. */
        snprintf(path, sizeof(path), "%s/tmp/blob-dead", c->root);
        assert_int_equal(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);

        image_store_set_in_use_hook(c->s, always_in_use, NULL);
        assert_int_equal(image_store_remove(c->s, idb, 0, NULL, &untagged, &err), -EBUSY);
        assert_true(strstr(err, "in use by a container") != NULL);
        assert_int_equal(image_store_prune(c->s, IMAGE_PRUNE_ALL, &removed, &bytes, NULL), 0);
        assert_null(removed);
        image_store_set_in_use_hook(c->s, NULL, NULL);

        assert_int_equal(image_store_prune(c->s, 0, &removed2, &bytes, NULL), 0);
        assert_int_equal(strv_length(removed2), 1);
        assert_string_equal(removed2[0], ida);
        assert_true(bytes > 0);
        assert_int_equal(count_dir(c, "tmp"), 0);
        assert_int_equal(count_dir(c, "layers"), 2);
        assert_int_equal(count_dir(c, "blobs/sha256"), 4);
}

static void test_records_parse(void **state) {
        const struct {
                const char *in;
                const char *msg;
        } bad[] = {
                {"", "images.json: not valid JSON"},
                {"{}", "images.json: \"images\" array missing"},
                {"{\"images\":[1]}", "images.json: images[0].: not an object"},
                {"{\"images\":[{\"id\":\"abc\"}]}", "images.json: images[0].id: not 64 hex digits"},
                {"{\"images\":[{\"id\":\"" EMPTY_SHA256 "\"}]}",
                 "images.json: images[0].id: not 64 hex digits"},
                {"{\"images\":[{\"id\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
                 "\"digest\":\"" EMPTY_SHA256 "\",\"config\":\"" EMPTY_SHA256 "\",\"names\":[1]}]}",
                 "images.json: images[0].names: not an array of strings"},
                {"{\"images\":[{\"id\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
                 "\"digest\":\"" EMPTY_SHA256
                 "\",\"config\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"}]}",
                 "images.json: images[0].config: not the digest of the image id"},
                {"{\"images\":[{\"id\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
                 "\"digest\":\"" EMPTY_SHA256 "\",\"config\":\"" EMPTY_SHA256
                 "\",\"layers\":[\"" EMPTY_SHA256 "\"]}]}",
                 "images.json: images[0].diffIds: not as many as layers"},
        };
        StoreImage **imgs = NULL;
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *err = NULL;

                assert_int_equal(store_records_parse(bad[i].in, strlen(bad[i].in), &imgs, &n, &err),
                                 -EBADMSG);
                assert_string_equal(err, bad[i].msg);
        }
        assert_int_equal(store_records_parse("{\"images\":[]}", 13, &imgs, &n, NULL), 0);
        assert_int_equal(n, 0);
        store_image_array_free(imgs, n);
}

static void test_name_normalize(void **state) {
        const struct {
                const char *in;
                bool local;
                const char *out;
        } cases[] = {
                {"busybox", false, "docker.io/library/busybox:latest"},
                {"busybox", true, "localhost/busybox:latest"},
                {"a/b:1", true, "localhost/a/b:1"},
                {"a/b:1", false, "docker.io/a/b:1"},
                {"quay.io/x/y", true, "quay.io/x/y:latest"},
                {"localhost:5000/z:t", true, "localhost:5000/z:t"},
        };
        _cleanup_free_ char *err = NULL;
        char *out = NULL;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_int_equal(image_name_normalize(cases[i].in, cases[i].local, &out, NULL), 0);
                assert_string_equal(out, cases[i].out);
                free(out);
        }
        assert_int_equal(image_name_normalize("x@" EMPTY_SHA256, true, &out, &err), -EINVAL);
        assert_string_equal(err, "invalid image name \"x@" EMPTY_SHA256 "\": a name cannot hold a digest");
}

static void test_open_cleans_leftovers(void **state) {
        Ctx *c = *state;
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/tmp/layer-0000000000000000", c->root);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/tmp/layer-0000000000000000/diff", c->root);
        assert_int_equal(mkdir(path, 0500), 0);
        /* Another handle is open (c->s): a fresh, unlocked entry is kept (its writer may be starting). */
        {
                ImageStore *s2 = NULL;

                assert_int_equal(image_store_open(c->root, 0, &s2, NULL), 0);
                assert_int_equal(count_dir(c, "tmp"), 1);
                image_store_free(s2);
        }
        /* Alone: every staging entry is a leftover. */
        c->s = image_store_free(c->s);
        assert_int_equal(image_store_open(c->root, 0, &c->s, NULL), 0);
        assert_int_equal(count_dir(c, "tmp"), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_digest),
                cmocka_unit_test(test_digest_parse_errors),
                T(test_blob_write_commit),
                T(test_blob_digest_mismatch),
                T(test_blob_size_checks),
                T(test_blob_bad_digest),
                T(test_blob_unknown_digest),
                T(test_blob_discard),
                T(test_blob_lock),
                T(test_layer_ensure),
                T(test_layer_diff_id_mismatch),
                T(test_layer_hostile_leaves_nothing),
                T(test_layer_ensure_threads),
                T(test_image_commit_lookup),
                T(test_names_move_tag_untag_remove),
                T(test_prune),
                cmocka_unit_test(test_records_parse),
                cmocka_unit_test(test_name_normalize),
                T(test_open_cleans_leftovers),
        };

        return unit_run_tests("image-store", tests, ELEMENTSOF(tests));
}
