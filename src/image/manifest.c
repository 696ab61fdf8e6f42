/* OCI / Docker registry documents: strict parsing into plain structs, and platform selection. */

#include "image/manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/json-util.h"
#include "common/macro.h"
#include "common/strv.h"
#include "image/reference.h"

/* Field paths are short ("manifests[12].platform.architecture") except under config.Labels, where a
 * user-chosen key may be cut short: only the message's path, never parsing, is affected. */
#define PATH_MAX_LEN 256

typedef enum DescriptorKind {
        DESCRIPTOR_INDEX_ENTRY,
        DESCRIPTOR_CONFIG,
        DESCRIPTOR_LAYER,
} DescriptorKind;

static const char *const layer_compression_table[_LAYER_COMPRESSION_MAX] = {
        [LAYER_COMPRESSION_NONE] = "none",
        [LAYER_COMPRESSION_GZIP] = "gzip",
        [LAYER_COMPRESSION_ZSTD] = "zstd",
};

const char *layer_compression_to_string(LayerCompression c) {
        if (c < 0 || c >= _LAYER_COMPRESSION_MAX)
                return NULL;
        return layer_compression_table[c];
}

static void path_join(char *buf, const char *prefix, const char *key) {
        if (isempty(prefix))
                snprintf(buf, PATH_MAX_LEN, "%s", key);
        else
                snprintf(buf, PATH_MAX_LEN, "%s.%s", prefix, key);
}

static const char *json_type_word(json_object *v) {
        switch (json_object_get_type(v)) {
        case json_type_null:
                return "null";
        case json_type_boolean:
                return "a boolean";
        case json_type_double:
                return "a fractional number";
        case json_type_int:
                return "an integer";
        case json_type_object:
                return "an object";
        case json_type_array:
                return "an array";
        case json_type_string:
                return "a string";
        }
        return "something else";
}

static int parse_document(const char *data, size_t len, json_object **ret, Diag **reterr) {
        json_tokener *tok;
        json_object *o;
        enum json_tokener_error err;
        size_t end;

        if (len > MANIFEST_SIZE_MAX)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, NULL, "document larger than %u bytes",
                                MANIFEST_SIZE_MAX);
        if (len == 0)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, NULL, "empty document");
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, data, (int) len);
        err = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
        if (!o && err == json_tokener_continue) {
                /* A top-level scalar ("null", "12") is only complete once json-c sees the end: a NUL
                 * is how it is told. */
                o = json_tokener_parse_ex(tok, "", 1);
                err = json_tokener_get_error(tok);
                end = len;
        }
        json_tokener_free(tok);
        if (err != json_tokener_success) {
                json_object_put(o);
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, NULL, "invalid JSON: %s",
                                json_tokener_error_desc(err));
        }
        for (; end < len; end++)
                if (!IN_SET(data[end], ' ', '\t', '\n', '\r')) {
                        json_object_put(o);
                        return diag_set(reterr, -EBADMSG, NULL, 0, 0, NULL,
                                        "invalid JSON: trailing data after the document");
                }
        if (!json_object_is_type(o, json_type_object)) {
                int r = diag_set(reterr, -EBADMSG, NULL, 0, 0, NULL, "expected a JSON object, got %s",
                                 json_type_word(o));
                json_object_put(o);
                return r;
        }
        *ret = o;
        return 0;
}

/* A string member: *ret borrowed from o; NULL when absent or null (an error when required). */
static int get_string(json_object *o, const char *prefix, const char *key, bool required, const char **ret,
                      Diag **reterr) {
        char path[PATH_MAX_LEN];
        json_object *v;
        const char *s;

        path_join(path, prefix, key);
        if (!json_object_object_get_ex(o, key, &v) || !v) {
                if (required)
                        return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "required");
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "expected a string, got %s",
                                json_type_word(v));
        s = json_object_get_string(v);
        /* json-c keeps "\u0000" in the value; C strings would silently cut it there. */
        if (strlen(s) != (size_t) json_object_get_string_len(v))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "contains a NUL character");
        if (required && !*s)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "must not be empty");
        *ret = s;
        return 0;
}

static int dup_string(json_object *o, const char *prefix, const char *key, bool required, char **ret,
                      Diag **reterr) {
        const char *s;
        int r;

        r = get_string(o, prefix, key, required, &s, reterr);
        if (r < 0)
                return r;
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int get_schema_version(json_object *o, int64_t *ret, Diag **reterr) {
        json_object *v;

        if (!json_object_object_get_ex(o, "schemaVersion", &v) || !v)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "schemaVersion", "required");
        if (!json_object_is_type(v, json_type_int))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "schemaVersion", "expected an integer, got %s",
                                json_type_word(v));
        *ret = json_object_get_int64(v);
        return 0;
}

static void platform_done(ManifestPlatform *p) {
        free(p->os);
        free(p->architecture);
        free(p->variant);
}

static void descriptor_done(ManifestDescriptor *d) {
        free(d->media_type);
        free(d->digest);
        platform_done(&d->platform);
}

static int platform_parse(json_object *o, const char *prefix, ManifestPlatform *p, Diag **reterr) {
        char path[PATH_MAX_LEN];
        json_object *v;
        int r;

        path_join(path, prefix, "platform");
        if (!json_object_object_get_ex(o, "platform", &v) || !v)
                return 0;
        if (!json_object_is_type(v, json_type_object))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "expected an object, got %s",
                                json_type_word(v));
        r = dup_string(v, path, "architecture", true, &p->architecture, reterr);
        if (r < 0)
                return r;
        r = dup_string(v, path, "os", true, &p->os, reterr);
        if (r < 0)
                return r;
        r = dup_string(v, path, "variant", false, &p->variant, reterr);
        if (r < 0)
                return r;
        if (p->variant && !*p->variant) {
                free(p->variant);
                p->variant = NULL;
        }
        return 0;
}

static LayerCompression layer_compression_from_media_type(const char *t) {
        if (streq(t, MEDIA_TYPE_OCI_LAYER))
                return LAYER_COMPRESSION_NONE;
        if (streq(t, MEDIA_TYPE_OCI_LAYER_GZIP) || streq(t, MEDIA_TYPE_DOCKER_LAYER_GZIP))
                return LAYER_COMPRESSION_GZIP;
        if (streq(t, MEDIA_TYPE_OCI_LAYER_ZSTD))
                return LAYER_COMPRESSION_ZSTD;
        return _LAYER_COMPRESSION_INVALID;
}

/* Fills *d (zeroed by the caller; released by the caller on failure too). */
static int descriptor_parse(json_object *o, const char *path, DescriptorKind kind, ManifestDescriptor *d,
                            Diag **reterr) {
        char field[PATH_MAX_LEN];
        const char *reason;
        json_object *v;
        int64_t size;
        int r;

        d->compression = _LAYER_COMPRESSION_INVALID;
        if (!json_object_is_type(o, json_type_object))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "expected an object, got %s",
                                json_type_word(o));

        r = dup_string(o, path, "mediaType", true, &d->media_type, reterr);
        if (r < 0)
                return r;

        r = dup_string(o, path, "digest", true, &d->digest, reterr);
        if (r < 0)
                return r;
        if (image_digest_validate(d->digest, &reason) < 0) {
                path_join(field, path, "digest");
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, field, "%s", reason);
        }

        path_join(field, path, "size");
        if (!json_object_object_get_ex(o, "size", &v) || !v)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, field, "required");
        if (!json_object_is_type(v, json_type_int))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, field, "expected an integer, got %s",
                                json_type_word(v));
        size = json_object_get_int64(v);
        /* json-c keeps values above INT64_MAX as uint64 and saturates get_int64() at INT64_MAX. */
        if (size < 0 || (size == INT64_MAX && json_object_get_uint64(v) > (uint64_t) INT64_MAX))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, field, "must be between 0 and %" PRId64,
                                INT64_MAX);
        d->size = size;

        path_join(field, path, "mediaType");
        switch (kind) {
        case DESCRIPTOR_LAYER:
                d->compression = layer_compression_from_media_type(d->media_type);
                if (d->compression < 0 && endswith(d->media_type, "+encrypted"))
                        return diag_set(reterr, -EOPNOTSUPP, NULL, 0, 0, field,
                                        "the layer is encrypted ('%s'): skiff cannot decrypt ocicrypt layers",
                                        d->media_type);
                if (d->compression < 0)
                        return diag_set(reterr, -EOPNOTSUPP, NULL, 0, 0, field,
                                        "unsupported layer media type '%s'", d->media_type);
                break;
        case DESCRIPTOR_CONFIG:
                if (!streq(d->media_type, MEDIA_TYPE_OCI_CONFIG)
                    && !streq(d->media_type, MEDIA_TYPE_DOCKER_CONFIG))
                        return diag_set(reterr, -EOPNOTSUPP, NULL, 0, 0, field,
                                        "not a container image config: '%s'", d->media_type);
                break;
        case DESCRIPTOR_INDEX_ENTRY:
                r = platform_parse(o, path, &d->platform, reterr);
                if (r < 0)
                        return r;
                break;
        }
        return 0;
}

static int descriptor_array_parse(json_object *o, const char *key, DescriptorKind kind,
                                  ManifestDescriptor **ret, size_t *ret_n, Diag **reterr) {
        ManifestDescriptor *a;
        json_object *v;
        size_t n;
        int r;

        if (!json_object_object_get_ex(o, key, &v) || !v)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, key, "required");
        if (!json_object_is_type(v, json_type_array))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, key, "expected an array, got %s",
                                json_type_word(v));
        n = json_object_array_length(v);
        a = calloc(MAX(n, (size_t) 1), sizeof(ManifestDescriptor));
        if (!a)
                return -ENOMEM;
        /* Hand the array over first, so the caller's free function releases partial results. */
        *ret = a;
        for (size_t i = 0; i < n; i++) {
                char path[PATH_MAX_LEN];

                snprintf(path, sizeof(path), "%s[%zu]", key, i);
                *ret_n = i + 1;
                r = descriptor_parse(json_object_array_get_idx(v, i), path, kind, &a[i], reterr);
                if (r < 0)
                        return r;
        }
        *ret_n = n;
        return 0;
}

static bool is_schema1(const char *media_type) {
        return media_type
               && (streq(media_type, MEDIA_TYPE_DOCKER_SCHEMA1)
                   || streq(media_type, MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED));
}

static bool is_index_type(const char *t) {
        return streq(t, MEDIA_TYPE_OCI_INDEX) || streq(t, MEDIA_TYPE_DOCKER_LIST);
}

static bool is_manifest_type(const char *t) {
        return streq(t, MEDIA_TYPE_OCI_MANIFEST) || streq(t, MEDIA_TYPE_DOCKER_MANIFEST);
}

static int schema1_error(Diag **reterr) {
        return diag_set(
                reterr, -EPROTONOSUPPORT, NULL, 0, 0, NULL,
                "Docker schema 1 manifests are not supported (deprecated since 2017; push the image again "
                "with a current client)");
}

int manifest_detect_kind(const char *data, size_t len, ManifestKind *ret, Diag **reterr) {
        _cleanup_json_ json_object *o = NULL;
        const char *t;
        int r;

        r = parse_document(data, len, &o, reterr);
        if (r < 0)
                return r;
        r = get_string(o, NULL, "mediaType", false, &t, reterr);
        if (r < 0)
                return r;
        if (is_schema1(t))
                return schema1_error(reterr);
        if (t) {
                if (is_index_type(t))
                        return *ret = MANIFEST_KIND_INDEX, 0;
                if (is_manifest_type(t))
                        return *ret = MANIFEST_KIND_IMAGE, 0;
                return diag_set(reterr, -EOPNOTSUPP, NULL, 0, 0, "mediaType",
                                "unsupported manifest media type '%s'", t);
        }
        if (json_object_object_get_ex(o, "manifests", NULL))
                return *ret = MANIFEST_KIND_INDEX, 0;
        if (json_object_object_get_ex(o, "layers", NULL) || json_object_object_get_ex(o, "config", NULL))
                return *ret = MANIFEST_KIND_IMAGE, 0;
        if (json_object_object_get_ex(o, "fsLayers", NULL))
                return schema1_error(reterr);
        return diag_set(reterr, -EBADMSG, NULL, 0, 0, NULL, "neither an image index nor an image manifest");
}

ManifestIndex *manifest_index_free(ManifestIndex *i) {
        if (!i)
                return NULL;
        for (size_t k = 0; k < i->n_manifests; k++)
                descriptor_done(&i->manifests[k]);
        free(i->manifests);
        free(i->media_type);
        free(i);
        return NULL;
}

int manifest_index_parse(const char *data, size_t len, ManifestIndex **ret, Diag **reterr) {
        _cleanup_(manifest_index_freep) ManifestIndex *i = NULL;
        _cleanup_json_ json_object *o = NULL;
        int64_t version;
        int r;

        r = parse_document(data, len, &o, reterr);
        if (r < 0)
                return r;
        i = calloc(1, sizeof(ManifestIndex));
        if (!i)
                return -ENOMEM;
        r = dup_string(o, NULL, "mediaType", false, &i->media_type, reterr);
        if (r < 0)
                return r;
        if (is_schema1(i->media_type))
                return schema1_error(reterr);
        if (i->media_type && !is_index_type(i->media_type))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "mediaType", "'%s' is not an image index",
                                i->media_type);
        r = get_schema_version(o, &version, reterr);
        if (r < 0)
                return r;
        if (version != 2)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "schemaVersion", "must be 2, got %" PRId64,
                                version);
        r = descriptor_array_parse(o, "manifests", DESCRIPTOR_INDEX_ENTRY, &i->manifests, &i->n_manifests,
                                   reterr);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(i);
        return 0;
}

Manifest *manifest_free(Manifest *m) {
        if (!m)
                return NULL;
        for (size_t k = 0; k < m->n_layers; k++)
                descriptor_done(&m->layers[k]);
        free(m->layers);
        descriptor_done(&m->config);
        free(m->media_type);
        free(m);
        return NULL;
}

int manifest_parse(const char *data, size_t len, Manifest **ret, Diag **reterr) {
        _cleanup_(manifest_freep) Manifest *m = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_object *v;
        int64_t version;
        int r;

        r = parse_document(data, len, &o, reterr);
        if (r < 0)
                return r;
        m = calloc(1, sizeof(Manifest));
        if (!m)
                return -ENOMEM;
        r = dup_string(o, NULL, "mediaType", false, &m->media_type, reterr);
        if (r < 0)
                return r;
        if (is_schema1(m->media_type))
                return schema1_error(reterr);
        r = get_schema_version(o, &version, reterr);
        if (r < 0)
                return r;
        if (version == 1)
                return schema1_error(reterr);
        if (version != 2)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "schemaVersion", "must be 2, got %" PRId64,
                                version);
        if (m->media_type && is_index_type(m->media_type))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "mediaType",
                                "'%s' is an image index, not an image manifest", m->media_type);
        if (m->media_type && !is_manifest_type(m->media_type))
                return diag_set(reterr, -EOPNOTSUPP, NULL, 0, 0, "mediaType",
                                "unsupported manifest media type '%s'", m->media_type);

        if (!json_object_object_get_ex(o, "config", &v) || !v)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "config", "required");
        r = descriptor_parse(v, "config", DESCRIPTOR_CONFIG, &m->config, reterr);
        if (r < 0)
                return r;
        r = descriptor_array_parse(o, "layers", DESCRIPTOR_LAYER, &m->layers, &m->n_layers, reterr);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

ImageConfig *image_config_free(ImageConfig *c) {
        if (!c)
                return NULL;
        free(c->architecture);
        free(c->os);
        free(c->variant);
        strv_free(c->entrypoint);
        strv_free(c->cmd);
        strv_free(c->env);
        free(c->user);
        free(c->working_dir);
        free(c->stop_signal);
        strv_free(c->health_test);
        strv_free(c->labels);
        strv_free(c->exposed_ports);
        strv_free(c->diff_ids);
        free(c);
        return NULL;
}

/* An array of strings; absent or null leaves *ret NULL, [] gives an empty vector. */
static int string_array_parse(json_object *o, const char *prefix, const char *key, char ***ret,
                              Diag **reterr) {
        _cleanup_strv_free_ char **l = NULL;
        char path[PATH_MAX_LEN];
        json_object *v;
        size_t n;

        path_join(path, prefix, key);
        if (!json_object_object_get_ex(o, key, &v) || !v)
                return 0;
        if (!json_object_is_type(v, json_type_array))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "expected an array of strings, got %s",
                                json_type_word(v));
        n = json_object_array_length(v);
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                char epath[PATH_MAX_LEN + 32];

                snprintf(epath, sizeof(epath), "%s[%zu]", path, i);
                if (!json_object_is_type(e, json_type_string))
                        return diag_set(reterr, -EBADMSG, NULL, 0, 0, epath, "expected a string, got %s",
                                        json_type_word(e));
                if (strlen(json_object_get_string(e)) != (size_t) json_object_get_string_len(e))
                        return diag_set(reterr, -EBADMSG, NULL, 0, 0, epath, "contains a NUL character");
                l[i] = strdup(json_object_get_string(e));
                if (!l[i])
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int labels_parse(json_object *o, const char *prefix, char ***ret, Diag **reterr) {
        _cleanup_strv_free_ char **l = NULL;
        char path[PATH_MAX_LEN];
        json_object *v;
        int r;

        path_join(path, prefix, "Labels");
        if (!json_object_object_get_ex(o, "Labels", &v) || !v)
                return 0;
        if (!json_object_is_type(v, json_type_object))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "expected an object, got %s",
                                json_type_word(v));
        json_object_object_foreach(v, key, value) {
                const char *s;

                r = get_string(v, path, key, false, &s, reterr);
                if (r < 0)
                        return r;
                r = strv_extend(&l, key);
                if (r < 0)
                        return r;
                r = strv_extend(&l, strempty(s));
                if (r < 0)
                        return r;
                (void) value;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int exposed_ports_parse(json_object *o, const char *prefix, char ***ret, Diag **reterr) {
        _cleanup_strv_free_ char **l = NULL;
        char path[PATH_MAX_LEN];
        json_object *v;
        int r;

        path_join(path, prefix, "ExposedPorts");
        if (!json_object_object_get_ex(o, "ExposedPorts", &v) || !v)
                return 0;
        if (!json_object_is_type(v, json_type_object))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "expected an object, got %s",
                                json_type_word(v));
        json_object_object_foreach(v, key, value) {
                (void) value;
                if (!*key)
                        return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "empty port");
                r = strv_extend(&l, key);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* config.Healthcheck: {"Test": [...], "Interval": ns, "Timeout": ns, "StartPeriod": ns, "Retries": n} */
static int healthcheck_parse(json_object *cfg, ImageConfig *c, Diag **reterr) {
        static const struct {
                const char *key;
                size_t offset;
        } durations[] = {
                {"Interval", offsetof(ImageConfig, health_interval_ns)},
                {"Timeout", offsetof(ImageConfig, health_timeout_ns)},
                {"StartPeriod", offsetof(ImageConfig, health_start_period_ns)},
        };
        json_object *h, *v;
        int r;

        if (!json_object_object_get_ex(cfg, "Healthcheck", &h) || !h)
                return 0;
        if (!json_object_is_type(h, json_type_object))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "config.Healthcheck", "expected an object, got %s",
                                json_type_word(h));
        r = string_array_parse(h, "config.Healthcheck", "Test", &c->health_test, reterr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(durations); i++) {
                if (!json_object_object_get_ex(h, durations[i].key, &v) || !v)
                        continue;
                if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
                        return diag_set(reterr, -EBADMSG, NULL, 0, 0, "config.Healthcheck",
                                        "%s: expected a number of nanoseconds", durations[i].key);
                *(int64_t *) ((char *) c + durations[i].offset) = json_object_get_int64(v);
        }
        if (json_object_object_get_ex(h, "Retries", &v) && v) {
                if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0
                    || json_object_get_int64(v) > INT32_MAX)
                        return diag_set(reterr, -EBADMSG, NULL, 0, 0, "config.Healthcheck",
                                        "Retries: expected a number");
                c->health_retries = (int) json_object_get_int64(v);
        }
        return 0;
}

int image_config_parse(const char *data, size_t len, ImageConfig **ret, Diag **reterr) {
        _cleanup_(image_config_freep) ImageConfig *c = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_object *cfg, *rootfs;
        const char *type;
        int r;

        r = parse_document(data, len, &o, reterr);
        if (r < 0)
                return r;
        c = calloc(1, sizeof(ImageConfig));
        if (!c)
                return -ENOMEM;
        r = dup_string(o, NULL, "architecture", true, &c->architecture, reterr);
        if (r < 0)
                return r;
        r = dup_string(o, NULL, "os", true, &c->os, reterr);
        if (r < 0)
                return r;
        r = dup_string(o, NULL, "variant", false, &c->variant, reterr);
        if (r < 0)
                return r;

        if (json_object_object_get_ex(o, "config", &cfg) && cfg) {
                if (!json_object_is_type(cfg, json_type_object))
                        return diag_set(reterr, -EBADMSG, NULL, 0, 0, "config", "expected an object, got %s",
                                        json_type_word(cfg));
                r = string_array_parse(cfg, "config", "Entrypoint", &c->entrypoint, reterr);
                if (r < 0)
                        return r;
                r = string_array_parse(cfg, "config", "Cmd", &c->cmd, reterr);
                if (r < 0)
                        return r;
                r = string_array_parse(cfg, "config", "Env", &c->env, reterr);
                if (r < 0)
                        return r;
                r = dup_string(cfg, "config", "User", false, &c->user, reterr);
                if (r < 0)
                        return r;
                r = dup_string(cfg, "config", "WorkingDir", false, &c->working_dir, reterr);
                if (r < 0)
                        return r;
                r = dup_string(cfg, "config", "StopSignal", false, &c->stop_signal, reterr);
                if (r < 0)
                        return r;
                r = labels_parse(cfg, "config", &c->labels, reterr);
                if (r < 0)
                        return r;
                r = exposed_ports_parse(cfg, "config", &c->exposed_ports, reterr);
                if (r < 0)
                        return r;
                r = healthcheck_parse(cfg, c, reterr);
                if (r < 0)
                        return r;
        }

        if (!json_object_object_get_ex(o, "rootfs", &rootfs) || !rootfs)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "rootfs", "required");
        if (!json_object_is_type(rootfs, json_type_object))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "rootfs", "expected an object, got %s",
                                json_type_word(rootfs));
        r = get_string(rootfs, "rootfs", "type", true, &type, reterr);
        if (r < 0)
                return r;
        if (!streq(type, "layers"))
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "rootfs.type",
                                "must be \"layers\", got \"%s\"", type);
        r = string_array_parse(rootfs, "rootfs", "diff_ids", &c->diff_ids, reterr);
        if (r < 0)
                return r;
        if (!c->diff_ids)
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, "rootfs.diff_ids", "required");
        for (size_t i = 0; c->diff_ids[i]; i++) {
                const char *reason;
                char path[PATH_MAX_LEN];

                if (image_digest_validate(c->diff_ids[i], &reason) >= 0)
                        continue;
                snprintf(path, sizeof(path), "rootfs.diff_ids[%zu]", i);
                return diag_set(reterr, -EBADMSG, NULL, 0, 0, path, "%s", reason);
        }
        *ret = TAKE_PTR(c);
        return 0;
}

/* containerd's platforms.Normalize() for architecture and variant; results are static or borrowed. */
static void platform_normalize(const char *arch, const char *variant, const char **ret_arch,
                               const char **ret_variant) {
        variant = strempty(variant);
        if (streq(arch, "x86_64") || streq(arch, "x86-64") || streq(arch, "amd64")) {
                arch = "amd64";
                if (streq(variant, "v1"))
                        variant = "";
        } else if (streq(arch, "aarch64") || streq(arch, "arm64")) {
                arch = "arm64";
                if (streq(variant, "8") || streq(variant, "v8") || streq(variant, "v8.0"))
                        variant = "";
        } else if (streq(arch, "armhf")) {
                arch = "arm";
                variant = "v7";
        } else if (streq(arch, "armel")) {
                arch = "arm";
                variant = "v6";
        } else if (streq(arch, "arm")) {
                if (IN_SET(variant[0], '\0', '7') && (variant[0] == '\0' || variant[1] == '\0'))
                        variant = "v7";
                else if (streq(variant, "5"))
                        variant = "v5";
                else if (streq(variant, "6"))
                        variant = "v6";
                else if (streq(variant, "8"))
                        variant = "v8";
        } else if (streq(arch, "i386"))
                arch = "386";
        *ret_arch = arch;
        *ret_variant = variant;
}

/* "vN" → N; "" → 1 for amd64 (the baseline, v1); otherwise -1. */
static int variant_level(const char *arch, const char *variant) {
        if (streq(variant, "") && streq(arch, "amd64"))
                return 1;
        if (variant[0] == 'v' && variant[1] >= '1' && variant[1] <= '9' && variant[2] == '\0')
                return variant[1] - '0';
        return -1;
}

/* How well an entry fits the wanted platform: 0 not at all, higher is better. */
static int platform_score(const ManifestPlatform *p, const char *os, const char *arch, const char *variant) {
        const char *parch, *pvariant;
        int want, have;

        if (!p->os || !p->architecture || !streq(p->os, os))
                return 0;
        platform_normalize(p->architecture, p->variant, &parch, &pvariant);
        if (streq(parch, arch) && streq(pvariant, variant))
                return 100;
        /* An arm64 host also runs 32-bit arm images (containerd's Only(linux/arm64)). */
        if (streq(arch, "arm64") && streq(parch, "arm")) {
                have = variant_level(parch, pvariant);
                return have > 0 && have <= 8 ? have : 0;
        }
        if (!streq(parch, arch) || !(streq(arch, "arm") || streq(arch, "amd64")))
                return 0;
        /* Older variants run on newer hardware: arm v7 runs v6 and v5, amd64 v3 runs v2 and v1. */
        want = variant_level(arch, variant);
        have = variant_level(parch, pvariant);
        if (want < 0 || have < 0 || have > want)
                return 0;
        return 10 + have;
}

int manifest_index_select(const ManifestIndex *index, const char *os, const char *architecture,
                          const char *variant, const ManifestDescriptor **ret) {
        const ManifestDescriptor *best = NULL;
        const char *arch, *var;
        int best_score = 0;

        platform_normalize(architecture, variant, &arch, &var);
        for (size_t i = 0; i < index->n_manifests; i++) {
                const ManifestDescriptor *d = &index->manifests[i];
                int score;

                if (!is_manifest_type(d->media_type))
                        continue;
                score = platform_score(&d->platform, os, arch, var);
                if (score > best_score) {
                        best = d;
                        best_score = score;
                }
        }
        if (!best)
                return -ENOENT;
        *ret = best;
        return 0;
}
