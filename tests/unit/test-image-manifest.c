/* Registry documents: OCI and Docker indexes, manifests and configs, the field paths of their errors,
 * and platform selection from an index. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/strv.h"
#include "image/manifest.h"
#include "unit-test.h"

#define HA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define HD "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define HE "sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

#define OCI_CONFIG_DESC "{\"mediaType\":\"" MEDIA_TYPE_OCI_CONFIG "\",\"digest\":\"" HA "\",\"size\":1469}"
#define LAYER(type, digest, size) "{\"mediaType\":\"" type "\",\"digest\":\"" digest "\",\"size\":" size "}"

#define MANIFEST(layers)                                                                                 \
        "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST "\",\"config\":" OCI_CONFIG_DESC \
        ",\"layers\":[" layers "]}"

#define ENTRY(digest, plat) \
        "{\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST "\",\"digest\":\"" digest "\",\"size\":500" plat "}"
#define PLATFORM(arch, os, variant) \
        ",\"platform\":{\"architecture\":\"" arch "\",\"os\":\"" os "\"" variant "}"
#define VARIANT(v) ",\"variant\":\"" v "\""

static void assert_diag(Diag *d, const char *want) {
        _cleanup_free_ char *s = NULL;

        assert_non_null(d);
        s = diag_format(d);
        assert_non_null(s);
        assert_string_equal(s, want);
        diag_free(d);
}

static void manifest_fails(const char *json, int error, const char *want) {
        Manifest *m = NULL;
        Diag *d = NULL;

        print_message("# %s\n", want);
        assert_int_equal(manifest_parse(json, strlen(json), &m, &d), error);
        assert_null(m);
        assert_diag(d, want);
}

static void test_manifest_oci(void **state) {
        static const char json[] = MANIFEST(LAYER(MEDIA_TYPE_OCI_LAYER_GZIP, HB, "2479") "," LAYER(
                MEDIA_TYPE_OCI_LAYER_ZSTD, HC, "0") "," LAYER(MEDIA_TYPE_OCI_LAYER, HD, "9007199254740993"));
        _cleanup_(manifest_freep) Manifest *m = NULL;
        Diag *d = NULL;

        assert_int_equal(manifest_parse(json, strlen(json), &m, &d), 0);
        assert_null(d);
        assert_string_equal(m->media_type, MEDIA_TYPE_OCI_MANIFEST);
        assert_string_equal(m->config.media_type, MEDIA_TYPE_OCI_CONFIG);
        assert_string_equal(m->config.digest, HA);
        assert_int_equal(m->config.size, 1469);
        assert_int_equal(m->n_layers, 3);
        assert_string_equal(m->layers[0].digest, HB);
        assert_int_equal(m->layers[0].size, 2479);
        assert_int_equal(m->layers[0].compression, LAYER_COMPRESSION_GZIP);
        assert_int_equal(m->layers[1].compression, LAYER_COMPRESSION_ZSTD);
        assert_int_equal(m->layers[1].size, 0);
        assert_int_equal(m->layers[2].compression, LAYER_COMPRESSION_NONE);
        assert_true(m->layers[2].size == INT64_C(9007199254740993));
        assert_string_equal(layer_compression_to_string(m->layers[2].compression), "none");
}

static void test_manifest_docker(void **state) {
        static const char json[] =
                "{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"" MEDIA_TYPE_DOCKER_MANIFEST "\",\n"
                "  \"config\": {\"mediaType\": \"" MEDIA_TYPE_DOCKER_CONFIG
                "\", \"size\": 7023, \"digest\": \"" HA
                "\"},\n  \"layers\": [" LAYER(MEDIA_TYPE_DOCKER_LAYER_GZIP, HB, "32654") "]\n}\n";
        _cleanup_(manifest_freep) Manifest *m = NULL;
        ManifestKind kind;

        assert_int_equal(manifest_parse(json, strlen(json), &m, NULL), 0);
        assert_string_equal(m->media_type, MEDIA_TYPE_DOCKER_MANIFEST);
        assert_string_equal(m->config.media_type, MEDIA_TYPE_DOCKER_CONFIG);
        assert_int_equal(m->n_layers, 1);
        assert_int_equal(m->layers[0].compression, LAYER_COMPRESSION_GZIP);
        assert_int_equal(manifest_detect_kind(json, strlen(json), &kind, NULL), 0);
        assert_int_equal(kind, MANIFEST_KIND_IMAGE);
}

static void test_manifest_no_media_type(void **state) {
        /* mediaType is only a SHOULD in OCI image-spec 1.0. */
        static const char json[] = "{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC ",\"layers\":[]}";
        _cleanup_(manifest_freep) Manifest *m = NULL;
        ManifestKind kind = _MANIFEST_KIND_INVALID;

        assert_int_equal(manifest_parse(json, strlen(json), &m, NULL), 0);
        assert_null(m->media_type);
        assert_int_equal(m->n_layers, 0);
        assert_int_equal(manifest_detect_kind(json, strlen(json), &kind, NULL), 0);
        assert_int_equal(kind, MANIFEST_KIND_IMAGE);
}

static void test_manifest_errors(void **state) {
        manifest_fails(MANIFEST(LAYER(MEDIA_TYPE_OCI_LAYER_GZIP, HB, "1") "," LAYER(
                               MEDIA_TYPE_OCI_LAYER_GZIP, HC, "1") "," LAYER(MEDIA_TYPE_OCI_LAYER_GZIP,
                                                                             "sha256:abc", "1")),
                       -EBADMSG, "layers[2].digest: invalid digest: sha256 needs 64 hex digits");
        manifest_fails(
                MANIFEST(LAYER(MEDIA_TYPE_OCI_LAYER_GZIP, "md5:d41d8cd98f00b204e9800998ecf8427e", "1")),
                -EBADMSG, "layers[0].digest: unsupported digest algorithm");
        manifest_fails(MANIFEST(LAYER(MEDIA_TYPE_OCI_LAYER_GZIP, HB, "-1")), -EBADMSG,
                       "layers[0].size: must be between 0 and 9223372036854775807");
        manifest_fails(MANIFEST(LAYER(MEDIA_TYPE_OCI_LAYER_GZIP, HB, "18446744073709551615")), -EBADMSG,
                       "layers[0].size: must be between 0 and 9223372036854775807");
        manifest_fails(MANIFEST(LAYER(MEDIA_TYPE_OCI_LAYER_GZIP, HB, "1.5")), -EBADMSG,
                       "layers[0].size: expected an integer, got a fractional number");
        manifest_fails(MANIFEST(LAYER(MEDIA_TYPE_OCI_LAYER_GZIP, HB, "\"12\"")), -EBADMSG,
                       "layers[0].size: expected an integer, got a string");
        manifest_fails(MANIFEST("{\"mediaType\":\"" MEDIA_TYPE_OCI_LAYER_GZIP "\",\"digest\":\"" HB "\"}"),
                       -EBADMSG, "layers[0].size: required");
        manifest_fails(MANIFEST("{\"digest\":\"" HB "\",\"size\":1}"), -EBADMSG,
                       "layers[0].mediaType: required");
        manifest_fails(MANIFEST("{\"mediaType\":\"" MEDIA_TYPE_OCI_LAYER_GZIP "\",\"digest\":\"" HB
                                "\\u0000x\",\"size\":1}"),
                       -EBADMSG, "layers[0].digest: contains a NUL character");
        manifest_fails(MANIFEST("42"), -EBADMSG, "layers[0]: expected an object, got an integer");
        manifest_fails(MANIFEST(LAYER("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", HB, "1")),
                       -EOPNOTSUPP,
                       "layers[0].mediaType: unsupported layer media type "
                       "'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'");
        manifest_fails(
                "{\"schemaVersion\":2,\"config\":" LAYER("application/vnd.cncf.helm.config.v1+json", HA,
                                                         "10") ",\"layers\":[]}",
                -EOPNOTSUPP,
                "config.mediaType: not a container image config: 'application/vnd.cncf.helm.config.v1+json'");
        manifest_fails("{\"schemaVersion\":2,\"layers\":[]}", -EBADMSG, "config: required");
        manifest_fails("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC "}", -EBADMSG, "layers: required");
        manifest_fails("{\"schemaVersion\":2,\"config\":" OCI_CONFIG_DESC ",\"layers\":{}}", -EBADMSG,
                       "layers: expected an array, got an object");
        manifest_fails("{\"config\":" OCI_CONFIG_DESC ",\"layers\":[]}", -EBADMSG,
                       "schemaVersion: required");
        manifest_fails("{\"schemaVersion\":3,\"config\":" OCI_CONFIG_DESC ",\"layers\":[]}", -EBADMSG,
                       "schemaVersion: must be 2, got 3");
        manifest_fails("{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_OCI_INDEX "\",\"manifests\":[]}",
                       -EBADMSG,
                       "mediaType: '" MEDIA_TYPE_OCI_INDEX "' is an image index, not an image manifest");
        manifest_fails("{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}", -EOPNOTSUPP,
                       "mediaType: unsupported manifest media type 'text/plain'");
        manifest_fails("{\"schemaVersion\":2,\"mediaType\":7}", -EBADMSG,
                       "mediaType: expected a string, got an integer");
}

static void test_manifest_schema1(void **state) {
        static const char v1[] = "{\"schemaVersion\":1,\"name\":\"library/busybox\",\"tag\":\"latest\","
                                 "\"fsLayers\":[{\"blobSum\":\"" HA "\"}],\"signatures\":[]}";
        static const char signed_v1[] =
                "{\"schemaVersion\":1,\"mediaType\":\"" MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED "\"}";
        static const char no_version[] = "{\"name\":\"x\",\"fsLayers\":[]}";
        ManifestKind kind;
        Diag *d = NULL;

        manifest_fails(
                v1, -EPROTONOSUPPORT,
                "Docker schema 1 manifests are not supported (deprecated since 2017; push the image again "
                "with a current client)");
        manifest_fails(
                signed_v1, -EPROTONOSUPPORT,
                "Docker schema 1 manifests are not supported (deprecated since 2017; push the image again "
                "with a current client)");
        assert_int_equal(manifest_detect_kind(signed_v1, strlen(signed_v1), &kind, &d), -EPROTONOSUPPORT);
        diag_free(TAKE_PTR(d));
        assert_int_equal(manifest_detect_kind(no_version, strlen(no_version), &kind, &d), -EPROTONOSUPPORT);
        diag_free(TAKE_PTR(d));
}

static void test_bad_json(void **state) {
        static const struct {
                const char *json;
                size_t len;
                const char *want;
        } cases[] = {
                {"", 0, "empty document"},
                {"{", 1, "invalid JSON: unexpected end of data"},
                {"{\"a\":", 5, "invalid JSON: unexpected end of data"},
                {"[]", 2, "expected a JSON object, got an array"},
                {"null", 4, "expected a JSON object, got null"},
                {"{} {}", 5, "invalid JSON: trailing data after the document"},
                {"{}\n", 3, "schemaVersion: required"},
                {"{\"schemaVersion\":2}\0junk", 24, "invalid JSON: trailing data after the document"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Manifest *m = NULL;
                Diag *d = NULL;

                print_message("# %s\n", cases[i].want);
                assert_int_equal(manifest_parse(cases[i].json, cases[i].len, &m, &d), -EBADMSG);
                assert_null(m);
                assert_diag(d, cases[i].want);
        }
}

static void test_too_large(void **state) {
        _cleanup_free_ char *big = malloc(MANIFEST_SIZE_MAX + 1);
        Manifest *m = NULL;
        Diag *d = NULL;

        assert_non_null(big);
        memset(big, ' ', MANIFEST_SIZE_MAX + 1);
        assert_int_equal(manifest_parse(big, MANIFEST_SIZE_MAX + 1, &m, &d), -EBADMSG);
        assert_diag(d, "document larger than 4194304 bytes");
        /* No reterr: just the error. */
        assert_int_equal(manifest_parse("{", 1, &m, NULL), -EBADMSG);
}

static const char docker_list[] =
        "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_DOCKER_LIST "\",\"manifests\":["
        "{\"mediaType\":\"" MEDIA_TYPE_DOCKER_MANIFEST "\",\"digest\":\"" HA "\",\"size\":527,"
        "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
        "{\"mediaType\":\"" MEDIA_TYPE_DOCKER_MANIFEST "\",\"digest\":\"" HB "\",\"size\":527,"
        "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v5\"}},"
        "{\"mediaType\":\"" MEDIA_TYPE_DOCKER_MANIFEST "\",\"digest\":\"" HC "\",\"size\":527,"
        "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}},"
        "{\"mediaType\":\"" MEDIA_TYPE_DOCKER_MANIFEST "\",\"digest\":\"" HD "\",\"size\":527,"
        "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
        "{\"mediaType\":\"" MEDIA_TYPE_DOCKER_MANIFEST "\",\"digest\":\"" HE "\",\"size\":527,"
        "\"platform\":{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0.17763.1\"}}]}";

static const char *select_digest(const ManifestIndex *index, const char *os, const char *arch,
                                 const char *variant) {
        const ManifestDescriptor *d = NULL;

        if (manifest_index_select(index, os, arch, variant, &d) < 0)
                return NULL;
        assert_non_null(d);
        return d->digest;
}

static void test_index_docker(void **state) {
        _cleanup_(manifest_index_freep) ManifestIndex *i = NULL;
        ManifestKind kind;
        Diag *d = NULL;

        assert_int_equal(manifest_index_parse(docker_list, strlen(docker_list), &i, &d), 0);
        assert_null(d);
        assert_string_equal(i->media_type, MEDIA_TYPE_DOCKER_LIST);
        assert_int_equal(i->n_manifests, 5);
        assert_string_equal(i->manifests[1].platform.architecture, "arm");
        assert_string_equal(i->manifests[1].platform.variant, "v5");
        assert_null(i->manifests[0].platform.variant);
        assert_int_equal(manifest_detect_kind(docker_list, strlen(docker_list), &kind, NULL), 0);
        assert_int_equal(kind, MANIFEST_KIND_INDEX);

        assert_string_equal(select_digest(i, "linux", "amd64", NULL), HA);
        assert_string_equal(select_digest(i, "linux", "x86_64", NULL), HA);
        assert_string_equal(select_digest(i, "linux", "amd64", "v1"), HA);
        /* amd64 v3 hardware runs the baseline image. */
        assert_string_equal(select_digest(i, "linux", "amd64", "v3"), HA);
        /* arm64's default variant is v8, however it is spelled. */
        assert_string_equal(select_digest(i, "linux", "arm64", NULL), HD);
        assert_string_equal(select_digest(i, "linux", "aarch64", "8"), HD);
        /* arm defaults to v7, which runs v6 (the best below it) and v5. */
        assert_string_equal(select_digest(i, "linux", "arm", NULL), HC);
        assert_string_equal(select_digest(i, "linux", "armhf", NULL), HC);
        assert_string_equal(select_digest(i, "linux", "arm", "v6"), HC);
        assert_string_equal(select_digest(i, "linux", "armel", NULL), HC);
        assert_string_equal(select_digest(i, "linux", "arm", "5"), HB);
        assert_string_equal(select_digest(i, "windows", "amd64", NULL), HE);
        assert_null(select_digest(i, "linux", "s390x", NULL));
        assert_null(select_digest(i, "linux", "arm", "v4"));
        assert_null(select_digest(i, "darwin", "arm64", NULL));
}

static void test_index_oci_select(void **state) {
        static const char json[] = "{\"schemaVersion\":2,\"manifests\":["
                /* An attestation manifest: unknown/unknown, never selected. */
                ENTRY(HA, PLATFORM("unknown", "unknown", "")) ","
                                                              /* A nested index is not an image manifest. */
                                                              "{\"mediaType\":\"" MEDIA_TYPE_OCI_INDEX
                                                              "\",\"digest\":\"" HB "\",\"size\":1" PLATFORM(
                                                                      "amd64", "linux", "") "},"
                /* No platform: never selected. */
                ENTRY(HC, "") "," ENTRY(HD, PLATFORM("amd64", "linux", "")) "," ENTRY(HE, PLATFORM("amd64", "linux", VARIANT("v3"))) "," ENTRY(
                        HA,
                        PLATFORM(
                                "arm", "linux",
                                VARIANT("v7"))) "," ENTRY(HB,
                                                          PLATFORM(
                                                                  "arm", "linux",
                                                                  VARIANT("v8"))) "," ENTRY(HC,
                                                                                            PLATFORM(
                                                                                                    "arm64",
                                                                                                    "linux",
                                                                                                    "")) "]}";
        _cleanup_(manifest_index_freep) ManifestIndex *i = NULL;

        assert_int_equal(manifest_index_parse(json, strlen(json), &i, NULL), 0);
        assert_null(i->media_type);
        assert_int_equal(i->n_manifests, 8);
        assert_null(i->manifests[2].platform.os);

        assert_string_equal(select_digest(i, "linux", "amd64", NULL), HD);
        assert_string_equal(select_digest(i, "linux", "amd64", "v3"), HE);
        assert_string_equal(select_digest(i, "linux", "amd64", "v2"), HD);
        assert_string_equal(select_digest(i, "linux", "arm64", "v8"), HC);
        assert_string_equal(select_digest(i, "linux", "arm", NULL), HA);
        assert_string_equal(select_digest(i, "linux", "arm", "8"), HB);
}

static void test_index_arm64_runs_arm(void **state) {
        static const char json[] =
                "{\"schemaVersion\":2,\"manifests\":[" ENTRY(HA, PLATFORM("amd64", "linux", "")) "," ENTRY(
                        HB, PLATFORM("arm", "linux", VARIANT("v6"))) "," ENTRY(HC, PLATFORM("arm", "linux",
                                                                                            "")) "]}";
        _cleanup_(manifest_index_freep) ManifestIndex *i = NULL;

        assert_int_equal(manifest_index_parse(json, strlen(json), &i, NULL), 0);
        /* No arm64 image: the best 32-bit one (arm with no variant is v7). */
        assert_string_equal(select_digest(i, "linux", "arm64", NULL), HC);
}

static void index_fails(const char *json, int error, const char *want) {
        ManifestIndex *i = NULL;
        Diag *d = NULL;

        print_message("# %s\n", want);
        assert_int_equal(manifest_index_parse(json, strlen(json), &i, &d), error);
        assert_null(i);
        assert_diag(d, want);
}

static void test_index_errors(void **state) {
        index_fails("{\"schemaVersion\":2,\"manifests\":[" ENTRY(HA, "") "," ENTRY("sha256:xyz", "") "]}",
                    -EBADMSG, "manifests[1].digest: invalid digest: sha256 needs 64 hex digits");
        index_fails(
                "{\"schemaVersion\":2,\"manifests\":[" ENTRY(HA, ",\"platform\":{\"os\":\"linux\"}") "]}",
                -EBADMSG, "manifests[0].platform.architecture: required");
        index_fails("{\"schemaVersion\":2,\"manifests\":[" ENTRY(HA, ",\"platform\":[]") "]}", -EBADMSG,
                    "manifests[0].platform: expected an object, got an array");
        index_fails("{\"schemaVersion\":2,\"manifests\":[" ENTRY(
                            HA, PLATFORM("arm", "linux", ",\"variant\":5")) "]}",
                    -EBADMSG, "manifests[0].platform.variant: expected a string, got an integer");
        index_fails("{\"schemaVersion\":2}", -EBADMSG, "manifests: required");
        index_fails("{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST "\",\"manifests\":[]}",
                    -EBADMSG, "mediaType: '" MEDIA_TYPE_OCI_MANIFEST "' is not an image index");
        index_fails("{\"schemaVersion\":1,\"manifests\":[]}", -EBADMSG, "schemaVersion: must be 2, got 1");
        index_fails(
                "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_DOCKER_SCHEMA1 "\"}", -EPROTONOSUPPORT,
                "Docker schema 1 manifests are not supported (deprecated since 2017; push the image again "
                "with a current client)");
}

static void test_detect_kind(void **state) {
        static const char oci_index[] = "{\"schemaVersion\":2,\"manifests\":[]}";
        static const char neither[] = "{\"schemaVersion\":2}";
        static const char other[] = "{\"mediaType\":\"application/json\"}";
        ManifestKind kind = _MANIFEST_KIND_INVALID;
        Diag *d = NULL;

        assert_int_equal(manifest_detect_kind(oci_index, strlen(oci_index), &kind, NULL), 0);
        assert_int_equal(kind, MANIFEST_KIND_INDEX);
        assert_int_equal(manifest_detect_kind(neither, strlen(neither), &kind, &d), -EBADMSG);
        assert_diag(TAKE_PTR(d), "neither an image index nor an image manifest");
        assert_int_equal(manifest_detect_kind(other, strlen(other), &kind, &d), -EOPNOTSUPP);
        assert_diag(TAKE_PTR(d), "mediaType: unsupported manifest media type 'application/json'");
}

static const char busybox_config[] =
        "{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\",\"created\":\"2024-01-01T00:00:00Z\","
        "\"config\":{\"Entrypoint\":[\"/docker-entrypoint.sh\"],\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],"
        "\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"NGINX_VERSION=1.25\"],"
        "\"User\":\"101:101\",\"WorkingDir\":\"/srv\",\"Labels\":{\"maintainer\":\"NGINX\",\"empty\":\"\"},"
        "\"ExposedPorts\":{\"80/tcp\":{},\"443/udp\":{}},\"StopSignal\":\"SIGQUIT\",\"Volumes\":null},"
        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" HA "\",\"" HB "\"]},"
        "\"history\":[{\"created_by\":\"/bin/sh -c #(nop) ADD file\"},{\"empty_layer\":true}]}";

static void test_config(void **state) {
        _cleanup_(image_config_freep) ImageConfig *c = NULL;
        Diag *d = NULL;

        assert_int_equal(image_config_parse(busybox_config, strlen(busybox_config), &c, &d), 0);
        assert_null(d);
        assert_string_equal(c->architecture, "arm");
        assert_string_equal(c->os, "linux");
        assert_string_equal(c->variant, "v7");
        assert_int_equal(strv_length(c->entrypoint), 1);
        assert_string_equal(c->entrypoint[0], "/docker-entrypoint.sh");
        assert_int_equal(strv_length(c->cmd), 3);
        assert_string_equal(c->cmd[2], "daemon off;");
        assert_int_equal(strv_length(c->env), 2);
        assert_string_equal(c->env[1], "NGINX_VERSION=1.25");
        assert_string_equal(c->user, "101:101");
        assert_string_equal(c->working_dir, "/srv");
        assert_string_equal(c->stop_signal, "SIGQUIT");
        assert_int_equal(strv_length(c->labels), 4);
        assert_string_equal(c->labels[0], "maintainer");
        assert_string_equal(c->labels[1], "NGINX");
        assert_string_equal(c->labels[2], "empty");
        assert_string_equal(c->labels[3], "");
        assert_int_equal(strv_length(c->exposed_ports), 2);
        assert_string_equal(c->exposed_ports[0], "80/tcp");
        assert_string_equal(c->exposed_ports[1], "443/udp");
        assert_int_equal(strv_length(c->diff_ids), 2);
        assert_string_equal(c->diff_ids[1], HB);
}

static void test_config_minimal(void **state) {
        /* A scratch image: no "config", no layers; an empty Cmd stays distinct from no Cmd. */
        static const char json[] = "{\"architecture\":\"amd64\",\"os\":\"linux\","
                                   "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
        static const char empty_cmd[] =
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[],"
                "\"Entrypoint\":null,\"User\":null,\"Labels\":null},"
                "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
        _cleanup_(image_config_freep) ImageConfig *c = NULL, *e = NULL;

        assert_int_equal(image_config_parse(json, strlen(json), &c, NULL), 0);
        assert_null(c->variant);
        assert_null(c->entrypoint);
        assert_null(c->cmd);
        assert_null(c->env);
        assert_null(c->user);
        assert_null(c->labels);
        assert_null(c->exposed_ports);
        assert_non_null(c->diff_ids);
        assert_int_equal(strv_length(c->diff_ids), 0);

        assert_int_equal(image_config_parse(empty_cmd, strlen(empty_cmd), &e, NULL), 0);
        assert_non_null(e->cmd);
        assert_null(e->cmd[0]);
        assert_null(e->entrypoint);
        assert_null(e->user);
}

static void config_fails(const char *json, const char *want) {
        ImageConfig *c = NULL;
        Diag *d = NULL;

        print_message("# %s\n", want);
        assert_int_equal(image_config_parse(json, strlen(json), &c, &d), -EBADMSG);
        assert_null(c);
        assert_diag(d, want);
}

#define ROOTFS ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}"

static void test_config_errors(void **state) {
        config_fails("{\"os\":\"linux\"" ROOTFS "}", "architecture: required");
        config_fails("{\"architecture\":\"amd64\"" ROOTFS "}", "os: required");
        config_fails("{\"architecture\":\"amd64\",\"os\":\"\"" ROOTFS "}", "os: must not be empty");
        config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":[]" ROOTFS "}",
                     "config: expected an object, got an array");
        config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"A=1\",2]}" ROOTFS
                     "}",
                     "config.Env[1]: expected a string, got an integer");
        config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":\"sh\"}" ROOTFS "}",
                     "config.Cmd: expected an array of strings, got a string");
        config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":0}" ROOTFS "}",
                     "config.User: expected a string, got an integer");
        config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"a\":1}}" ROOTFS
                     "}",
                     "config.Labels.a: expected a string, got an integer");
        config_fails(
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"ExposedPorts\":[\"80\"]}" ROOTFS
                "}",
                "config.ExposedPorts: expected an object, got an array");
        config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\"}", "rootfs: required");
        config_fails(
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"fs\",\"diff_ids\":[]}}",
                "rootfs.type: must be \"layers\", got \"fs\"");
        config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}",
                     "rootfs.diff_ids: required");
        config_fails("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                     "\"diff_ids\":[\"" HA "\",\"sha256:ABC\"]}}",
                     "rootfs.diff_ids[1]: invalid digest: sha256 needs 64 hex digits");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_manifest_oci),
                cmocka_unit_test(test_manifest_docker),
                cmocka_unit_test(test_manifest_no_media_type),
                cmocka_unit_test(test_manifest_errors),
                cmocka_unit_test(test_manifest_schema1),
                cmocka_unit_test(test_bad_json),
                cmocka_unit_test(test_too_large),
                cmocka_unit_test(test_index_docker),
                cmocka_unit_test(test_index_oci_select),
                cmocka_unit_test(test_index_arm64_runs_arm),
                cmocka_unit_test(test_index_errors),
                cmocka_unit_test(test_detect_kind),
                cmocka_unit_test(test_config),
                cmocka_unit_test(test_config_minimal),
                cmocka_unit_test(test_config_errors),
        };

        return unit_run_tests("image-manifest", tests, ELEMENTSOF(tests));
}
