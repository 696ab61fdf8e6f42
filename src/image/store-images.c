/* Layers (ROOT/layers) and image records (ROOT/images.json). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/fileio.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strv.h"
#include "image/reference.h"
#include "image/store-internal.h"
#include "image/unpack.h"

#define RECORDS_FILE "images.json"
#define RECORDS_SIZE_MAX (256U * 1024U * 1024U)

/* ---- Layers --------------------------------------------------------------------------------- */

DEFINE_VOID_CLEANUP_FUNC(json_tokener *, json_tokener_free);

bool store_layer_media_type_ok(const char *t) {
        static const char *const types[] = {
                MEDIA_TYPE_OCI_LAYER,
                MEDIA_TYPE_OCI_LAYER_GZIP,
                MEDIA_TYPE_OCI_LAYER_ZSTD,
                MEDIA_TYPE_DOCKER_LAYER_GZIP,
                "application/vnd.oci.image.layer.nondistributable.v1.tar",
                "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
                "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        };

        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (streq(t, types[i]))
                        return true;
        return false;
}

static int layer_dir_path(ImageStore *s, const char *hex, char **ret) {
        if (asprintf(ret, "%s/layers/%s/diff", s->root, hex) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

int image_store_has_layer(ImageStore *s, const char *diff_id, char **ret_dir, char **reterr) {
        const char *hex;
        int r;

        r = store_check_digest(diff_id, "layer diff_id", &hex, reterr);
        if (r < 0)
                return r;
        if (faccessat(s->layers_fd, hex, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return store_error(reterr, -errno, "layer %s: %m", diff_id);
        }
        if (ret_dir) {
                r = layer_dir_path(s, hex, ret_dir);
                if (r < 0)
                        return r;
        }
        return 1;
}

/* Reads the size recorded in ROOT/layers/<hex>/layer.json; 0 when unreadable. */
static int64_t layer_size(ImageStore *s, const char *hex) {
        _cleanup_free_ char *path = NULL, *data = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_object *v;

        if (asprintf(&path, "%s/layer.json", hex) < 0) {
                path = NULL;
                return 0;
        }
        if (read_full_file_at(s->layers_fd, path, 65536, &data, NULL) < 0)
                return 0;
        o = json_tokener_parse(data);
        if (!o || !json_object_object_get_ex(o, "size", &v) || !json_object_is_type(v, json_type_int))
                return 0;
        return json_object_get_int64(v);
}

static int make_staging_dir(ImageStore *s, const char *prefix, char **ret_name, int *ret_fd) {
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t rnd = 0;

        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                rnd = ((uint64_t) getpid() << 32) ^ (uint64_t) time(NULL);
        if (asprintf(&name, "%s-%016llx", prefix, (unsigned long long) rnd) < 0) {
                name = NULL;
                return -ENOMEM;
        }
        if (mkdirat(s->tmp_fd, name, 0700) < 0)
                return -errno;
        fd = openat(s->tmp_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* Held until the dir is renamed away or removed: tells cleaners the writer is alive. */
        if (flock(fd, LOCK_EX) < 0)
                return -errno;
        *ret_name = TAKE_PTR(name);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int store_layer_lock(ImageStore *s, const char *blob_hex, const char *diff_hex, bool nonblock) {
        _cleanup_free_ char *lock_name = NULL;

        /* Keyed by the diff_id when known: two blobs (gzip and zstd) of one layer unpack once. */
        if (asprintf(&lock_name, "layer-%s", diff_hex ?: blob_hex) < 0) {
                lock_name = NULL;
                return -ENOMEM;
        }
        return store_lock_file(s, lock_name, nonblock);
}

int store_layer_unpack(ImageStore *s, const char *blob_digest, const char *expected_diff_id,
                       const LayerSource *src, char **ret_dir, char *ret_diff_id, char **reterr) {
        _cleanup_free_ char *staging = NULL, *info = NULL, *what = NULL;
        _cleanup_close_ int stage_fd = -EBADF, diff_fd = -EBADF;
        const char *diff_hex;
        UnpackResult res;
        UnpackFlags uflags = 0;
        int r;

        if (asprintf(&what, "layer %s", blob_digest) < 0) {
                what = NULL;
                return -ENOMEM;
        }
        r = make_staging_dir(s, "layer", &staging, &stage_fd);
        if (r < 0)
                return store_error(reterr, r, "%s: create staging directory: %s", what, strerror(-r));
        if (mkdirat(stage_fd, "diff", 0755) < 0
            || (diff_fd = openat(stage_fd, "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
                r = store_error(reterr, -errno, "%s: create staging directory: %m", what);
                goto fail;
        }
        if (s->flags & IMAGE_STORE_USERNS)
                uflags |= UNPACK_USERNS_XATTRS;
        if (s->flags & IMAGE_STORE_NO_CHOWN)
                uflags |= UNPACK_NO_CHOWN;
        if (src->fd >= 0)
                r = layer_unpack(src->fd, diff_fd, what, uflags, &res, reterr);
        else
                r = layer_unpack_stream(src->read, src->userdata, diff_fd, what, uflags, &res, reterr);
        if (r < 0)
                goto fail;
        if (expected_diff_id && !streq(expected_diff_id, res.diff_id)) {
                r = store_error(reterr, -EBADMSG, "%s: diff_id mismatch (expected %s, got %s)", what,
                                expected_diff_id, res.diff_id);
                goto fail;
        }
        diff_hex = res.diff_id + strlen(DIGEST_SHA256_PREFIX);
        if (asprintf(
                    &info,
                    "{\n  \"blob\": \"%s\",\n  \"diff_id\": \"%s\",\n  \"size\": %llu,\n  \"entries\": %llu\n}\n",
                    blob_digest, res.diff_id, (unsigned long long) res.size,
                    (unsigned long long) res.n_entries)
            < 0) {
                info = NULL;
                r = -ENOMEM;
                goto fail;
        }
        r = write_file_atomic_at(stage_fd, "layer.json", info, strlen(info), 0644);
        if (r < 0) {
                r = store_error(reterr, r, "%s: write layer.json: %s", what, strerror(-r));
                goto fail;
        }
        if (src->ready) {
                r = src->ready(src->userdata);
                if (r < 0)
                        goto fail;
        }
        /* Every file of the layer must be on disk before its name is: one syncfs() is much cheaper
         * than an fsync() per file. */
        if (syncfs(stage_fd) < 0) {
                r = store_error(reterr, -errno, "%s: sync: %m", what);
                goto fail;
        }
        if (renameat(s->tmp_fd, staging, s->layers_fd, diff_hex) < 0) {
                if (!IN_SET(errno, EEXIST, ENOTEMPTY)) {
                        r = store_error(reterr, -errno, "%s: rename into the store: %m", what);
                        goto fail;
                }
                /* The same diff_id came from another blob meanwhile: keep that one. */
                (void) rm_rf_at(s->tmp_fd, staging);
        }
        (void) fsync(s->layers_fd);
        if (ret_dir) {
                r = layer_dir_path(s, diff_hex, ret_dir);
                if (r < 0)
                        return r;
        }
        if (ret_diff_id)
                memcpy(ret_diff_id, res.diff_id, DIGEST_STRING_SIZE);
        return 0;

fail:
        (void) rm_rf_at(s->tmp_fd, staging);
        return r;
}

int image_store_layer_ensure(ImageStore *s, const char *blob_digest, const char *media_type,
                             const char *expected_diff_id, char **ret_dir, char *ret_diff_id,
                             char **reterr) {
        _cleanup_close_ int lock_fd = -EBADF, blob_fd = -EBADF;
        const char *blob_hex, *diff_hex = NULL;
        int r;

        r = store_check_digest(blob_digest, "layer", &blob_hex, reterr);
        if (r < 0)
                return r;
        if (expected_diff_id) {
                r = store_check_digest(expected_diff_id, "layer diff_id", &diff_hex, reterr);
                if (r < 0)
                        return r;
        }
        if (media_type && !store_layer_media_type_ok(media_type))
                return store_error(reterr, -EOPNOTSUPP, "layer %s: unsupported media type \"%s\"",
                                   blob_digest, media_type);

        if (diff_hex) {
                r = image_store_has_layer(s, expected_diff_id, ret_dir, reterr);
                if (r != 0)
                        goto done;
        }
        lock_fd = store_layer_lock(s, blob_hex, diff_hex, /* nonblock= */ false);
        if (lock_fd < 0)
                return store_error(reterr, lock_fd, "layer %s: lock: %s", blob_digest, strerror(-lock_fd));
        if (diff_hex) {
                r = image_store_has_layer(s, expected_diff_id, ret_dir, reterr);
                if (r != 0)
                        goto done;
        }

        r = image_store_open_blob(s, blob_digest, &blob_fd, NULL, reterr);
        if (r < 0)
                return r == -ENOENT ? store_error(reterr, r, "layer %s: blob not in the store", blob_digest)
                                    : r;
        log_debug("layer %s: unpacking", blob_digest);
        return store_layer_unpack(s, blob_digest, expected_diff_id, &(LayerSource){.fd = blob_fd}, ret_dir,
                                  ret_diff_id, reterr);

done:
        if (r < 0)
                return r;
        if (ret_diff_id)
                snprintf(ret_diff_id, DIGEST_STRING_SIZE, "%s", expected_diff_id);
        return 0;
}

/* ---- Image records -------------------------------------------------------------------------- */

StoreImage *store_image_free(StoreImage *i) {
        if (!i)
                return NULL;
        free(i->id);
        free(i->digest);
        free(i->manifest_media_type);
        free(i->config_digest);
        strv_free(i->names);
        strv_free(i->layer_digests);
        strv_free(i->diff_ids);
        strv_free(i->layer_dirs);
        free(i->created);
        image_config_free(i->config);
        strv_free(i->volumes);
        free(i);
        return NULL;
}

void store_image_array_free(StoreImage **a, size_t n) {
        for (size_t i = 0; i < n; i++)
                store_image_free(a[i]);
        free(a);
}

typedef struct Records {
        StoreImage **items;
        size_t n;
} Records;

static void records_done(Records *r) {
        store_image_array_free(r->items, r->n);
        *r = (Records){};
}

static int records_add(Records *r, StoreImage *img) {
        StoreImage **p = reallocarray(r->items, r->n + 1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        r->items = p;
        r->items[r->n++] = img;
        return 0;
}

static void records_remove(Records *r, size_t idx) {
        store_image_free(r->items[idx]);
        memmove(r->items + idx, r->items + idx + 1, (r->n - idx - 1) * sizeof(*r->items));
        r->n--;
}

static int get_string(json_object *o, const char *key, bool required, char **ret, const char **ret_why) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
                if (required) {
                        *ret_why = "missing";
                        return -EBADMSG;
                }
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_string)) {
                *ret_why = "not a string";
                return -EBADMSG;
        }
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

static int get_strv(json_object *o, const char *key, char ***ret, const char **ret_why) {
        _cleanup_strv_free_ char **l = NULL;
        json_object *v;
        size_t n;

        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_array)) {
                *ret_why = "not an array";
                return -EBADMSG;
        }
        n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);

                if (!json_object_is_type(e, json_type_string)) {
                        *ret_why = "not an array of strings";
                        return -EBADMSG;
                }
                if (strv_extend(&l, json_object_get_string(e)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int parse_record(json_object *o, StoreImage **ret, const char **ret_field, const char **ret_why) {
        _cleanup_(store_image_freep) StoreImage *img = NULL;
        json_object *v;
        int r;

        if (!json_object_is_type(o, json_type_object)) {
                *ret_field = "";
                *ret_why = "not an object";
                return -EBADMSG;
        }
        img = calloc(1, sizeof(*img));
        if (!img)
                return -ENOMEM;
#define FIELD(call, name)          \
        do {                       \
                *ret_field = name; \
                r = (call);        \
                if (r < 0)         \
                        return r;  \
        } while (0)
        FIELD(get_string(o, "id", true, &img->id, ret_why), "id");
        if (!digest_hex_is_valid(img->id)) {
                *ret_why = "not 64 hex digits";
                return -EBADMSG;
        }
        FIELD(get_string(o, "digest", true, &img->digest, ret_why), "digest");
        if (!digest_is_valid(img->digest)) {
                *ret_why = "invalid digest";
                return -EBADMSG;
        }
        FIELD(get_string(o, "mediaType", false, &img->manifest_media_type, ret_why), "mediaType");
        FIELD(get_string(o, "config", true, &img->config_digest, ret_why), "config");
        if (!digest_is_valid(img->config_digest) || !streq(img->config_digest + 7, img->id)) {
                *ret_why = "not the digest of the image id";
                return -EBADMSG;
        }
        FIELD(get_strv(o, "names", &img->names, ret_why), "names");
        FIELD(get_strv(o, "layers", &img->layer_digests, ret_why), "layers");
        FIELD(get_strv(o, "diffIds", &img->diff_ids, ret_why), "diffIds");
        if (strv_length(img->layer_digests) != strv_length(img->diff_ids)) {
                *ret_why = "not as many as layers";
                return -EBADMSG;
        }
        STRV_FOREACH(d, img->layer_digests)
                if (!digest_is_valid(*d)) {
                        *ret_field = "layers";
                        *ret_why = "invalid digest";
                        return -EBADMSG;
                }
        STRV_FOREACH(d, img->diff_ids)
                if (!digest_is_valid(*d)) {
                        *ret_why = "invalid digest";
                        return -EBADMSG;
                }
        FIELD(get_string(o, "created", false, &img->created, ret_why), "created");
        *ret_field = "size";
        if (json_object_object_get_ex(o, "size", &v)) {
                if (!json_object_is_type(v, json_type_int)) {
                        *ret_why = "not an integer";
                        return -EBADMSG;
                }
                img->size = json_object_get_int64(v);
        }
        *ret_field = "loaded";
        if (json_object_object_get_ex(o, "loaded", &v)) {
                if (!json_object_is_type(v, json_type_int)) {
                        *ret_why = "not an integer";
                        return -EBADMSG;
                }
                img->loaded_usec = json_object_get_int64(v);
        }
#undef FIELD
        *ret = TAKE_PTR(img);
        return 0;
}

int store_records_parse(const char *data, size_t len, StoreImage ***ret, size_t *ret_n, char **reterr) {
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        _cleanup_json_ json_object *root = NULL;
        Records recs = {};
        json_object *arr;
        size_t n;
        int r;

        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, data, (int) MIN(len, (size_t) INT32_MAX));
        if (!root || json_tokener_get_error(tok) != json_tokener_success
            || json_tokener_get_parse_end(tok) < len)
                return store_error(reterr, -EBADMSG, "%s: not valid JSON", RECORDS_FILE);
        if (!json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "images", &arr)
            || !json_object_is_type(arr, json_type_array))
                return store_error(reterr, -EBADMSG, "%s: \"images\" array missing", RECORDS_FILE);
        n = json_object_array_length(arr);
        for (size_t i = 0; i < n; i++) {
                StoreImage *img = NULL;
                const char *field = "", *why = "invalid";

                r = parse_record(json_object_array_get_idx(arr, i), &img, &field, &why);
                if (r == -EBADMSG) {
                        records_done(&recs);
                        return store_error(reterr, r, "%s: images[%zu].%s: %s", RECORDS_FILE, i, field, why);
                }
                if (r < 0 || records_add(&recs, img) < 0) {
                        store_image_free(img);
                        records_done(&recs);
                        return -ENOMEM;
                }
        }
        *ret = recs.items;
        *ret_n = recs.n;
        return 0;
}

static int records_load(ImageStore *s, Records *ret, char **reterr) {
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r;

        r = read_full_file_at(s->root_fd, RECORDS_FILE, RECORDS_SIZE_MAX, &data, &len);
        if (r == -ENOENT) {
                *ret = (Records){};
                return 0;
        }
        if (r < 0)
                return store_error(reterr, r, "image store %s: read %s: %s", s->root, RECORDS_FILE,
                                   strerror(-r));
        *ret = (Records){};
        return store_records_parse(data, len, &ret->items, &ret->n, reterr);
}

static int records_save(ImageStore *s, const Records *recs, char **reterr) {
        _cleanup_json_ json_object *root = json_object_new_object();
        json_object *arr = json_object_new_array();
        int r;

        if (!root || json_add_object(root, "images", arr) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < recs->n; i++) {
                const StoreImage *img = recs->items[i];
                json_object *o = json_object_new_object();

                r = json_array_add(arr, o);
                if (r < 0)
                        return r;
                if (json_add_string(o, "id", img->id) < 0 || json_add_string(o, "digest", img->digest) < 0
                    || json_add_string_nonnull(o, "mediaType", img->manifest_media_type) < 0
                    || json_add_string(o, "config", img->config_digest) < 0
                    || json_add_strv(o, "names", img->names) < 0
                    || json_add_strv(o, "layers", img->layer_digests) < 0
                    || json_add_strv(o, "diffIds", img->diff_ids) < 0
                    || json_add_string_nonnull(o, "created", img->created) < 0
                    || json_add_int(o, "size", img->size) < 0
                    || json_add_int(o, "loaded", img->loaded_usec) < 0)
                        return -ENOMEM;
        }
        r = json_write_file_atomic_at(s->root_fd, RECORDS_FILE, root, 0600);
        if (r < 0)
                return store_error(reterr, r, "image store %s: write %s: %s", s->root, RECORDS_FILE,
                                   strerror(-r));
        return 0;
}

static int store_lock(ImageStore *s, char **reterr) {
        _cleanup_close_ int fd = -EBADF;

        fd = openat(s->root_fd, "store.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return store_error(reterr, -errno, "image store %s: open store.lock: %m", s->root);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return store_error(reterr, -errno, "image store %s: lock: %m", s->root);
        return TAKE_FD(fd);
}

/* ---- Names ---------------------------------------------------------------------------------- */

static int name_normalize(const char *name, bool short_is_localhost, bool allow_digest, char **ret,
                          char **reterr) {
        _cleanup_image_ref_ ImageRef *ref = NULL;
        const char *reason = NULL;
        char *s;
        int r;

        r = image_ref_parse(name, &ref, &reason);
        if (r == -EINVAL)
                return store_error(reterr, r, "invalid image name \"%s\": %s", name, reason ?: "invalid");
        if (r < 0)
                return r;
        if (ref->digest && !allow_digest)
                return store_error(reterr, -EINVAL, "invalid image name \"%s\": a name cannot hold a digest",
                                   name);
        if (ref->short_name && short_is_localhost) {
                const char *repo = ref->repository;

                /* "busybox" became docker.io's "library/busybox"; under localhost it is plain. */
                if (!strchr(name, '/') && startswith(repo, "library/"))
                        repo += strlen("library/");
                r = asprintf(&s, "localhost/%s:%s", repo, ref->tag ?: "latest");
                if (r < 0)
                        return -ENOMEM;
        } else {
                s = image_ref_to_string(ref);
                if (!s)
                        return -ENOMEM;
        }
        *ret = s;
        return 0;
}

int image_name_normalize(const char *name, bool short_is_localhost, char **ret, char **reterr) {
        return name_normalize(name, short_is_localhost, false, ret, reterr);
}

/* Short names match a stored name that ends in "/NAME:TAG" at a path boundary, as podman's lookup
 * does: "busybox" finds "docker.io/library/busybox:latest" and "localhost/busybox:latest". */
static bool short_name_matches(const char *stored, const char *want) {
        size_t ls = strlen(stored), lw = strlen(want);

        if (lw >= ls)
                return streq(stored, want);
        return stored[ls - lw - 1] == '/' && streq(stored + ls - lw, want);
}

typedef enum MatchKind {
        MATCH_NONE,
        MATCH_ID,
        MATCH_NAME,
        MATCH_DIGEST,
} MatchKind;

/* Finds arg among recs. Returns the index, or -ENOENT/-ENOTUNIQ/-EINVAL with *reterr; the name
 * matched (borrowed from the record) in *ret_name for name matches. */
static int records_find(const Records *recs, const char *arg, MatchKind *ret_kind, const char **ret_name,
                        char **reterr) {
        _cleanup_image_ref_ ImageRef *ref = NULL;
        _cleanup_free_ char *full = NULL, *want = NULL;
        const char *hex = NULL;
        size_t len = strlen(arg);
        ssize_t found = -1;
        int r;

        *ret_name = NULL;
        *ret_kind = MATCH_NONE;
        if (digest_parse(arg, &hex, NULL) == 0) {
                for (size_t i = 0; i < recs->n; i++)
                        if (streq(recs->items[i]->id, hex) || streq(recs->items[i]->digest, arg)) {
                                *ret_kind = streq(recs->items[i]->id, hex) ? MATCH_ID : MATCH_DIGEST;
                                return (int) i;
                        }
                return store_error(reterr, -ENOENT, "%s: image not known", arg);
        }

        r = image_ref_parse(arg, &ref, NULL);
        if (r == 0 && ref->digest && !ref->tag) {
                for (size_t i = 0; i < recs->n; i++)
                        if (streq(recs->items[i]->digest, ref->digest)
                            || streq(recs->items[i]->id, ref->digest + 7)) {
                                *ret_kind = MATCH_DIGEST;
                                return (int) i;
                        }
                return store_error(reterr, -ENOENT, "%s: image not known", arg);
        }
        if (r == 0) {
                full = image_ref_to_string(ref);
                if (!full)
                        return -ENOMEM;
                for (size_t i = 0; i < recs->n; i++)
                        STRV_FOREACH(n, recs->items[i]->names)
                                if (streq(*n, full)) {
                                        *ret_kind = MATCH_NAME;
                                        *ret_name = *n;
                                        return (int) i;
                                }
        }

        /* An id prefix: podman accepts any unique prefix; fewer than 3 digits would be a guess. */
        if (len >= 3 && len <= DIGEST_SHA256_HEX_LEN && strspn(arg, "0123456789abcdef") == len) {
                for (size_t i = 0; i < recs->n; i++)
                        if (strncmp(recs->items[i]->id, arg, len) == 0) {
                                if (found >= 0 && !streq(recs->items[found]->id, recs->items[i]->id))
                                        return store_error(reterr, -ENOTUNIQ,
                                                           "%s: image id prefix is ambiguous", arg);
                                found = (ssize_t) i;
                        }
                if (found >= 0) {
                        *ret_kind = MATCH_ID;
                        return (int) found;
                }
        }

        if (r == 0 && ref->short_name) {
                /* What the user wrote, with the tag: "busybox:latest", "foo/bar:1". */
                const char *at = strchr(arg, '@');
                size_t l = at ? (size_t) (at - arg) : len;
                const char *slash = memrchr(arg, '/', l), *colon = memrchr(arg, ':', l);

                if (colon && (!slash || colon > slash))
                        r = asprintf(&want, "%.*s", (int) l, arg);
                else
                        r = asprintf(&want, "%.*s:latest", (int) l, arg);
                if (r < 0) {
                        want = NULL;
                        return -ENOMEM;
                }
                for (size_t i = 0; i < recs->n; i++)
                        STRV_FOREACH(n, recs->items[i]->names)
                                if (short_name_matches(*n, want)) {
                                        *ret_kind = MATCH_NAME;
                                        *ret_name = *n;
                                        return (int) i;
                                }
        } else if (r < 0
                   && !(len >= 3 && len <= DIGEST_SHA256_HEX_LEN
                        && strspn(arg, "0123456789abcdef") == len)) {
                return store_error(reterr, -EINVAL, "%s: not an image name or id", arg);
        }
        return store_error(reterr, -ENOENT, "%s: image not known", arg);
}

/* Fills the parts of a record that come from its config blob and the layer dirs. */
static int image_fill(ImageStore *s, StoreImage *img, char **reterr) {
        _cleanup_free_ char *data = NULL;
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(diag_freep) Diag *diag = NULL;
        json_object *cfg, *vols;
        size_t len;
        int r;

        r = image_store_read_blob(s, img->config_digest, MANIFEST_SIZE_MAX, &data, &len, reterr);
        if (r < 0)
                return r;
        r = image_config_parse(data, len, &img->config, &diag);
        if (r < 0) {
                _cleanup_free_ char *msg = diag ? diag_format(diag) : NULL;
                return store_error(reterr, r, "image %.12s: config %s: %s", img->id, img->config_digest,
                                   msg ?: "invalid");
        }
        o = json_tokener_parse(data);
        if (o && json_object_object_get_ex(o, "config", &cfg) && json_object_is_type(cfg, json_type_object)
            && json_object_object_get_ex(cfg, "Volumes", &vols)
            && json_object_is_type(vols, json_type_object)) {
                json_object_object_foreach(vols, key, val) {
                        (void) val;
                        if (strv_extend(&img->volumes, key) < 0)
                                return -ENOMEM;
                }
        }
        strv_free(img->layer_dirs);
        img->layer_dirs = NULL;
        STRV_FOREACH(d, img->diff_ids) {
                char *dir;

                r = layer_dir_path(s, *d + strlen(DIGEST_SHA256_PREFIX), &dir);
                if (r < 0 || strv_consume(&img->layer_dirs, dir) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int image_store_lookup(ImageStore *s, const char *name_or_id, StoreImage **ret, char **reterr) {
        _cleanup_(records_done) Records recs = {};
        const char *name;
        MatchKind kind;
        StoreImage *img;
        int r, idx;

        r = records_load(s, &recs, reterr);
        if (r < 0)
                return r;
        idx = records_find(&recs, name_or_id, &kind, &name, reterr);
        if (idx < 0)
                return idx;
        img = recs.items[idx];
        r = image_fill(s, img, reterr);
        if (r < 0)
                return r;
        recs.items[idx] = NULL;
        *ret = img;
        /* records_done() frees the rest; the taken slot is NULL. */
        return 0;
}

int image_store_list(ImageStore *s, StoreImage ***ret, size_t *ret_n, char **reterr) {
        _cleanup_(records_done) Records recs = {};
        int r;

        r = records_load(s, &recs, reterr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < recs.n; i++) {
                r = image_fill(s, recs.items[i], reterr);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(recs.items);
        *ret_n = recs.n;
        recs.n = 0;
        return 0;
}

/* Takes name away from every image but keep (an index, or -1). */
static void records_drop_name(Records *recs, const char *name, ssize_t keep) {
        for (size_t i = 0; i < recs->n; i++) {
                char **l = recs->items[i]->names, **w = l;

                if ((ssize_t) i == keep || !l)
                        continue;
                for (char **p = l; *p; p++) {
                        if (streq(*p, name))
                                free(*p);
                        else
                                *w++ = *p;
                }
                *w = NULL;
                if (!l[0]) {
                        free(l);
                        recs->items[i]->names = NULL;
                }
        }
}

static int64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int config_created(const char *data, size_t len, char **ret) {
        _cleanup_json_ json_object *o = json_tokener_parse(data);
        json_object *v;

        *ret = NULL;
        if (o && json_object_object_get_ex(o, "created", &v) && json_object_is_type(v, json_type_string)) {
                *ret = strdup(json_object_get_string(v));
                if (!*ret)
                        return -ENOMEM;
        }
        return 0;
}

int image_store_image_commit(ImageStore *s, const char *manifest_digest, char *const *names, char *ret_id,
                             char **reterr) {
        _cleanup_(store_image_freep) StoreImage *img = NULL;
        _cleanup_(manifest_freep) Manifest *m = NULL;
        _cleanup_(image_config_freep) ImageConfig *cfg = NULL;
        _cleanup_(diag_freep) Diag *diag = NULL;
        _cleanup_free_ char *mdata = NULL, *cdata = NULL;
        _cleanup_(records_done) Records recs = {};
        _cleanup_close_ int lock_fd = -EBADF;
        _cleanup_strv_free_ char **full_names = NULL;
        size_t mlen, clen, n_diff;
        ManifestKind kind;
        ssize_t idx = -1;
        int r;

        r = store_check_digest(manifest_digest, "manifest", NULL, reterr);
        if (r < 0)
                return r;
        for (size_t i = 0; names && names[i]; i++) {
                char *full = NULL;

                r = name_normalize(names[i], false, true, &full, reterr);
                if (r < 0)
                        return r;
                if (strv_consume(&full_names, full) < 0)
                        return -ENOMEM;
        }
        r = image_store_read_blob(s, manifest_digest, MANIFEST_SIZE_MAX, &mdata, &mlen, reterr);
        if (r < 0)
                return r == -ENOENT
                               ? store_error(reterr, r, "manifest %s: not in the store", manifest_digest)
                               : r;
        r = manifest_detect_kind(mdata, mlen, &kind, &diag);
        if (r >= 0 && kind != MANIFEST_KIND_IMAGE)
                return store_error(reterr, -EINVAL, "manifest %s: an index, not an image manifest",
                                   manifest_digest);
        if (r >= 0)
                r = manifest_parse(mdata, mlen, &m, &diag);
        if (r < 0) {
                _cleanup_free_ char *msg = diag ? diag_format(diag) : NULL;
                return store_error(reterr, r, "manifest %s: %s", manifest_digest, msg ?: strerror(-r));
        }
        r = image_store_read_blob(s, m->config.digest, MANIFEST_SIZE_MAX, &cdata, &clen, reterr);
        if (r < 0)
                return r == -ENOENT ? store_error(reterr, r, "config %s: not in the store", m->config.digest)
                                    : r;
        r = image_config_parse(cdata, clen, &cfg, &diag);
        if (r < 0) {
                _cleanup_free_ char *msg = diag ? diag_format(diag) : NULL;
                return store_error(reterr, r, "config %s: %s", m->config.digest, msg ?: strerror(-r));
        }
        n_diff = strv_length(cfg->diff_ids);
        if (n_diff != m->n_layers)
                return store_error(reterr, -EBADMSG,
                                   "manifest %s: %zu layers but the config has %zu diff_ids",
                                   manifest_digest, m->n_layers, n_diff);

        img = calloc(1, sizeof(*img));
        if (!img)
                return -ENOMEM;
        img->id = strdup(m->config.digest + strlen(DIGEST_SHA256_PREFIX));
        img->digest = strdup(manifest_digest);
        img->config_digest = strdup(m->config.digest);
        if (!img->id || !img->digest || !img->config_digest)
                return -ENOMEM;
        if (m->media_type && !(img->manifest_media_type = strdup(m->media_type)))
                return -ENOMEM;
        for (size_t i = 0; i < m->n_layers; i++) {
                r = image_store_has_blob(s, m->layers[i].digest, reterr);
                if (r < 0)
                        return r;
                if (r == 0)
                        return store_error(reterr, -ENOENT, "layer %s: blob not in the store",
                                           m->layers[i].digest);
                r = image_store_has_layer(s, cfg->diff_ids[i], NULL, reterr);
                if (r < 0)
                        return r;
                if (r == 0)
                        return store_error(reterr, -ENOENT, "layer %s: not unpacked (diff_id %s)",
                                           m->layers[i].digest, cfg->diff_ids[i]);
                if (strv_extend(&img->layer_digests, m->layers[i].digest) < 0
                    || strv_extend(&img->diff_ids, cfg->diff_ids[i]) < 0)
                        return -ENOMEM;
                img->size += layer_size(s, cfg->diff_ids[i] + strlen(DIGEST_SHA256_PREFIX));
        }
        r = config_created(cdata, clen, &img->created);
        if (r < 0)
                return r;

        lock_fd = store_lock(s, reterr);
        if (lock_fd < 0)
                return lock_fd;
        r = records_load(s, &recs, reterr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < recs.n; i++)
                if (streq(recs.items[i]->id, img->id))
                        idx = (ssize_t) i;
        if (idx < 0) {
                img->loaded_usec = now_usec();
                r = records_add(&recs, img);
                if (r < 0)
                        return r;
                idx = (ssize_t) recs.n - 1;
                img = NULL;
        } else {
                /* Same config: the newest manifest (e.g. a pull after a docker-archive load) wins. */
                StoreImage *old = recs.items[idx];

                free(old->digest);
                old->digest = TAKE_PTR(img->digest);
                free(old->manifest_media_type);
                old->manifest_media_type = TAKE_PTR(img->manifest_media_type);
                strv_free(old->layer_digests);
                old->layer_digests = TAKE_PTR(img->layer_digests);
                old->size = img->size;
        }
        STRV_FOREACH(n, full_names) {
                records_drop_name(&recs, *n, idx);
                if (!strv_contains(recs.items[idx]->names, *n)
                    && strv_extend(&recs.items[idx]->names, *n) < 0)
                        return -ENOMEM;
        }
        r = records_save(s, &recs, reterr);
        if (r < 0)
                return r;
        if (ret_id)
                snprintf(ret_id, DIGEST_SHA256_HEX_LEN + 1, "%s", recs.items[idx]->id);
        return 0;
}

int image_store_tag(ImageStore *s, const char *image, const char *new_name, char **reterr) {
        _cleanup_(records_done) Records recs = {};
        _cleanup_close_ int lock_fd = -EBADF;
        _cleanup_free_ char *full = NULL;
        const char *name;
        MatchKind kind;
        int r, idx;

        r = image_name_normalize(new_name, true, &full, reterr);
        if (r < 0)
                return r;
        lock_fd = store_lock(s, reterr);
        if (lock_fd < 0)
                return lock_fd;
        r = records_load(s, &recs, reterr);
        if (r < 0)
                return r;
        idx = records_find(&recs, image, &kind, &name, reterr);
        if (idx < 0)
                return idx;
        if (strv_contains(recs.items[idx]->names, full))
                return 0;
        records_drop_name(&recs, full, idx);
        if (strv_extend(&recs.items[idx]->names, full) < 0)
                return -ENOMEM;
        return records_save(s, &recs, reterr);
}

static int remove_name(StoreImage *img, const char *name) {
        char **w = img->names;

        for (char **p = img->names; p && *p; p++) {
                if (streq(*p, name))
                        free(*p);
                else
                        *w++ = *p;
        }
        if (w)
                *w = NULL;
        if (img->names && !img->names[0]) {
                free(img->names);
                img->names = NULL;
        }
        return 0;
}

int image_store_untag(ImageStore *s, const char *image, const char *name, char **reterr) {
        _cleanup_(records_done) Records recs = {};
        _cleanup_close_ int lock_fd = -EBADF;
        _cleanup_free_ char *matched = NULL;
        const char *mname;
        MatchKind kind;
        int r, idx, nidx;

        lock_fd = store_lock(s, reterr);
        if (lock_fd < 0)
                return lock_fd;
        r = records_load(s, &recs, reterr);
        if (r < 0)
                return r;
        idx = records_find(&recs, image, &kind, &mname, reterr);
        if (idx < 0)
                return idx;
        nidx = records_find(&recs, name, &kind, &mname, NULL);
        if (nidx != idx || kind != MATCH_NAME)
                return store_error(reterr, -ENOENT, "image %.12s: has no name \"%s\"", recs.items[idx]->id,
                                   name);
        matched = strdup(mname);
        if (!matched)
                return -ENOMEM;
        remove_name(recs.items[idx], matched);
        return records_save(s, &recs, reterr);
}

/* ---- Removal and garbage collection --------------------------------------------------------- */

static uint64_t tree_size(int dir_fd, const char *name) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        uint64_t total = 0;
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d)
                return 0;
        fd = -EBADF;
        while ((de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                total += (uint64_t) st.st_blocks * 512;
                if (S_ISDIR(st.st_mode))
                        total += tree_size(dirfd(d), de->d_name);
        }
        closedir(d);
        return total;
}

/* Deletes blobs and layers no record references, all staging entries and lock files. Must run with
 * gc.lock held exclusively (no other store handle open). */
static int store_gc(ImageStore *s, const Records *recs, uint64_t *bytes) {
        _cleanup_strv_free_ char **keep_blobs = NULL, **keep_layers = NULL;
        int fds[3] = {s->blobs_fd, s->layers_fd, s->locks_fd};

        for (size_t i = 0; i < recs->n; i++) {
                const StoreImage *img = recs->items[i];

                if (strv_extend(&keep_blobs, img->digest + 7) < 0 || strv_extend(&keep_blobs, img->id) < 0)
                        return -ENOMEM;
                STRV_FOREACH(d, img->layer_digests)
                        if (strv_extend(&keep_blobs, *d + 7) < 0)
                                return -ENOMEM;
                STRV_FOREACH(d, img->diff_ids)
                        if (strv_extend(&keep_layers, *d + 7) < 0)
                                return -ENOMEM;
        }
        for (size_t k = 0; k < ELEMENTSOF(fds); k++) {
                _cleanup_close_ int fd = openat(fds[k], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct dirent *de;
                DIR *d;

                if (fd < 0)
                        return -errno;
                d = fdopendir(fd);
                if (!d)
                        return -errno;
                fd = -EBADF;
                while ((de = readdir(d))) {
                        struct stat st;

                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        if (k == 0 && strv_contains(keep_blobs, de->d_name))
                                continue;
                        if (k == 1 && strv_contains(keep_layers, de->d_name))
                                continue;
                        if (bytes && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) >= 0) {
                                *bytes += (uint64_t) st.st_blocks * 512;
                                if (S_ISDIR(st.st_mode))
                                        *bytes += tree_size(dirfd(d), de->d_name);
                        }
                        (void) rm_rf_at(dirfd(d), de->d_name);
                }
                closedir(d);
        }
        store_clean_tmp(s, true);
        return 0;
}

/* Runs fn with gc.lock held exclusively, then goes back to shared. With nonblock, gives -EBUSY when
 * another handle is open. */
static int with_gc_lock(ImageStore *s, bool nonblock, uint64_t *bytes, char **reterr) {
        _cleanup_(records_done) Records recs = {};
        _cleanup_close_ int lock_fd = -EBADF;
        int r;

        for (;;) {
                if (flock(s->gc_fd, LOCK_EX | (nonblock ? LOCK_NB : 0)) >= 0)
                        break;
                if (errno == EINTR)
                        continue;
                r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                /* A failed conversion may have dropped the shared lock: take it back. */
                while (flock(s->gc_fd, LOCK_SH) < 0 && errno == EINTR)
                        ;
                return r;
        }
        lock_fd = store_lock(s, reterr);
        r = lock_fd < 0 ? lock_fd : records_load(s, &recs, reterr);
        if (r >= 0)
                r = store_gc(s, &recs, bytes);
        while (flock(s->gc_fd, LOCK_SH) < 0 && errno == EINTR)
                ;
        return r;
}

int image_store_remove(ImageStore *s, const char *image, ImageRemoveFlags flags, char *ret_id,
                       bool *ret_untagged, char **reterr) {
        _cleanup_(records_done) Records recs = {};
        _cleanup_close_ int lock_fd = -EBADF;
        _cleanup_free_ char *name = NULL;
        char id[DIGEST_SHA256_HEX_LEN + 1];
        const char *mname;
        MatchKind kind;
        int r, idx;

        lock_fd = store_lock(s, reterr);
        if (lock_fd < 0)
                return lock_fd;
        r = records_load(s, &recs, reterr);
        if (r < 0)
                return r;
        idx = records_find(&recs, image, &kind, &mname, reterr);
        if (idx < 0)
                return idx;
        snprintf(id, sizeof(id), "%s", recs.items[idx]->id);
        if (kind == MATCH_NAME && strv_length(recs.items[idx]->names) > 1) {
                /* One of several names: only that name goes, as with podman and docker. */
                name = strdup(mname);
                if (!name)
                        return -ENOMEM;
                remove_name(recs.items[idx], name);
                r = records_save(s, &recs, reterr);
                if (r < 0)
                        return r;
                if (ret_id)
                        memcpy(ret_id, id, sizeof(id));
                if (ret_untagged)
                        *ret_untagged = true;
                return 0;
        }
        if (kind != MATCH_NAME && strv_length(recs.items[idx]->names) > 1 && !(flags & IMAGE_REMOVE_FORCE))
                return store_error(reterr, -EBUSY,
                                   "image %.12s has %zu names: remove them by name, or force", id,
                                   strv_length(recs.items[idx]->names));
        if (s->in_use) {
                r = s->in_use(id, s->in_use_userdata);
                if (r < 0)
                        return store_error(reterr, r, "image %.12s: check whether it is in use: %s", id,
                                           strerror(-r));
                if (r > 0)
                        return store_error(reterr, -EBUSY, "image %.12s is in use by a container", id);
        }
        records_remove(&recs, (size_t) idx);
        r = records_save(s, &recs, reterr);
        if (r < 0)
                return r;
        (void) close(TAKE_FD(lock_fd));
        /* Free the image's blobs and layers now when nobody else has the store open; otherwise a
         * concurrent pull may be about to reuse them, and prune collects them later. */
        (void) with_gc_lock(s, true, NULL, NULL);
        if (ret_id)
                memcpy(ret_id, id, sizeof(id));
        if (ret_untagged)
                *ret_untagged = false;
        return 0;
}

int image_store_prune(ImageStore *s, ImagePruneFlags flags, char ***ret_removed, uint64_t *ret_bytes,
                      char **reterr) {
        _cleanup_strv_free_ char **removed = NULL;
        uint64_t bytes = 0;
        int r;

        {
                _cleanup_(records_done) Records recs = {};
                _cleanup_close_ int lock_fd = store_lock(s, reterr);

                if (lock_fd < 0)
                        return lock_fd;
                r = records_load(s, &recs, reterr);
                if (r < 0)
                        return r;
                for (size_t i = recs.n; i > 0; i--) {
                        StoreImage *img = recs.items[i - 1];

                        if (img->names && !(flags & IMAGE_PRUNE_ALL))
                                continue;
                        if (s->in_use) {
                                r = s->in_use(img->id, s->in_use_userdata);
                                if (r < 0)
                                        return store_error(reterr, r,
                                                           "image %.12s: check whether it is in use: %s",
                                                           img->id, strerror(-r));
                                if (r > 0)
                                        continue;
                        }
                        if (strv_extend(&removed, img->id) < 0)
                                return -ENOMEM;
                        records_remove(&recs, i - 1);
                }
                if (removed) {
                        r = records_save(s, &recs, reterr);
                        if (r < 0)
                                return r;
                }
        }
        r = with_gc_lock(s, false, &bytes, reterr);
        if (r < 0)
                return store_error(reterr, r, "image store %s: collect garbage: %s", s->root, strerror(-r));
        if (ret_removed)
                *ret_removed = TAKE_PTR(removed);
        if (ret_bytes)
                *ret_bytes = bytes;
        return 0;
}
