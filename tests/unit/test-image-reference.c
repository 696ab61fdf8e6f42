/* Image references: the cases github.com/distribution/reference documents (normalize_test.go,
 * reference_test.go), with the canonical form docker and podman give, and the reason for each
 * refusal. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/macro.h"
#include "image/reference.h"
#include "unit-test.h"

#define H64 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define D256 "sha256:" H64
#define D512 "sha512:" H64 H64

typedef struct Valid {
        const char *input;
        const char *canonical;
        const char *registry;
        const char *repository;
        const char *tag; /* NULL: none */
        const char *digest;
        bool short_name;
} Valid;

static const Valid valid[] = {
        /* Short names: docker.io implied, "library/" for one component, "latest" by default. */
        {"busybox", "docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", NULL,
         true},
        {"debian", "docker.io/library/debian:latest", "docker.io", "library/debian", "latest", NULL, true},
        {"library/debian", "docker.io/library/debian:latest", "docker.io", "library/debian", "latest", NULL,
         true},
        {"docker/docker", "docker.io/docker/docker:latest", "docker.io", "docker/docker", "latest", NULL,
         true},
        {"test_com", "docker.io/library/test_com:latest", "docker.io", "library/test_com", "latest", NULL,
         true},
        {"test.com:tag", "docker.io/library/test.com:tag", "docker.io", "library/test.com", "tag", NULL,
         true},
        {"test.com:5000", "docker.io/library/test.com:5000", "docker.io", "library/test.com", "5000", NULL,
         true},
        {"localhost:5000", "docker.io/library/localhost:5000", "docker.io", "library/localhost", "5000",
         NULL, true},
        {"192.168.0.1", "docker.io/library/192.168.0.1:latest", "docker.io", "library/192.168.0.1", "latest",
         NULL, true},
        {"192.168.0.1:80", "docker.io/library/192.168.0.1:80", "docker.io", "library/192.168.0.1", "80",
         NULL, true},
        {"foo_bar.com:8080", "docker.io/library/foo_bar.com:8080", "docker.io", "library/foo_bar.com",
         "8080", NULL, true},
        {"foo/foo_bar.com:8080", "docker.io/foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080",
         NULL, true},
        {"lowercase:Uppercase", "docker.io/library/lowercase:Uppercase", "docker.io", "library/lowercase",
         "Uppercase", NULL, true},
        {"thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
         "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest",
         "docker.io", "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "latest",
         NULL, true},
        {"a__b-c/e---f.g:T_1.2-x", "docker.io/a__b-c/e---f.g:T_1.2-x", "docker.io", "a__b-c/e---f.g",
         "T_1.2-x", NULL, true},
        {"busybox@" D256, "docker.io/library/busybox@" D256, "docker.io", "library/busybox", NULL, D256,
         true},
        /* docker.io and index.docker.io written out. */
        {"docker.io/docker/docker", "docker.io/docker/docker:latest", "docker.io", "docker/docker", "latest",
         NULL, false},
        {"docker.io/library/debian", "docker.io/library/debian:latest", "docker.io", "library/debian",
         "latest", NULL, false},
        {"docker.io/debian", "docker.io/library/debian:latest", "docker.io", "library/debian", "latest",
         NULL, false},
        {"index.docker.io/docker/docker", "docker.io/docker/docker:latest", "docker.io", "docker/docker",
         "latest", NULL, false},
        {"index.docker.io/debian", "docker.io/library/debian:latest", "docker.io", "library/debian",
         "latest", NULL, false},
        {"docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
         "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest",
         "docker.io", "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "latest",
         NULL, false},
        /* Registries: a '.', a ':', or localhost. */
        {"127.0.0.1:5000/docker/docker", "127.0.0.1:5000/docker/docker:latest", "127.0.0.1:5000",
         "docker/docker", "latest", NULL, false},
        {"127.0.0.1:5000/debian", "127.0.0.1:5000/debian:latest", "127.0.0.1:5000", "debian", "latest", NULL,
         false},
        {"192.168.0.1:8/debian", "192.168.0.1:8/debian:latest", "192.168.0.1:8", "debian", "latest", NULL,
         false},
        {"test.com/repo:tag", "test.com/repo:tag", "test.com", "repo", "tag", NULL, false},
        {"test:5000/repo", "test:5000/repo:latest", "test:5000", "repo", "latest", NULL, false},
        {"test:5000/repo:tag", "test:5000/repo:tag", "test:5000", "repo", "tag", NULL, false},
        {"test:5000/repo@" D256, "test:5000/repo@" D256, "test:5000", "repo", NULL, D256, false},
        {"test:5000/repo:tag@" D256, "test:5000/repo:tag@" D256, "test:5000", "repo", "tag", D256, false},
        {"localhost/foo", "localhost/foo:latest", "localhost", "foo", "latest", NULL, false},
        {"localhost:5000/foo/bar:v1", "localhost:5000/foo/bar:v1", "localhost:5000", "foo/bar", "v1", NULL,
         false},
        {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
         "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", NULL, false},
        {"b.gcr.io/test.example.com/my-app:test.example.com",
         "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
         "test.example.com", NULL, false},
        {"xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage",
         "xn--n3h.com", NULL, false},
        {"xn--7o8h.com/myimage:xn--7o8h.com@" D512, "xn--7o8h.com/myimage:xn--7o8h.com@" D512,
         "xn--7o8h.com", "myimage", "xn--7o8h.com", D512, false},
        {"1.2.3.4/repo", "1.2.3.4/repo:latest", "1.2.3.4", "repo", "latest", NULL, false},
        {"[2001:db8::1]:5000/repo", "[2001:db8::1]:5000/repo:latest", "[2001:db8::1]:5000", "repo", "latest",
         NULL, false},
        {"[2001:db8::]:5000/repo:tag", "[2001:db8::]:5000/repo:tag", "[2001:db8::]:5000", "repo", "tag",
         NULL, false},
        {"[::1]:5000/repo", "[::1]:5000/repo:latest", "[::1]:5000", "repo", "latest", NULL, false},
        {"[::1]/repo", "[::1]/repo:latest", "[::1]", "repo", "latest", NULL, false},
        /* An uppercase first component is a registry name (those may have capitals), as in docker. */
        {"Foo/bar", "Foo/bar:latest", "Foo", "bar", "latest", NULL, false},
        {"quay.io/podman/hello", "quay.io/podman/hello:latest", "quay.io", "podman/hello", "latest", NULL,
         false},
};

typedef struct Invalid {
        const char *input;
        const char *reason;
} Invalid;

static const Invalid invalid[] = {
        {"", "empty reference"},
        {":justtag", "missing repository name"},
        {"@" D256, "missing repository name"},
        {"1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
         "a 64-hex-digit image ID is not a repository name"},
        {"docker/Docker", "repository name must be lowercase"},
        {"Uppercase:tag", "repository name must be lowercase"},
        {"test:5000/Uppercase/lowercase:tag", "repository name must be lowercase"},
        {"docker.io/docker/Docker", "repository name must be lowercase"},
        {"https://github.com/docker/docker", "invalid registry name"},
        {"-docker.io/docker/docker", "invalid registry name"},
        {"foo.com:/bar", "invalid registry name"},
        {"foo.com:5x/bar", "invalid registry name"},
        {"[fe80::1%eth0]:5000/repo", "invalid registry name"},
        {"[2001:db8:3:4::192.0.2.33]:5000/repo", "invalid registry name"},
        {"-docker", "invalid repository name: path components must start and end with a letter or digit"},
        {"-docker/docker",
         "invalid repository name: path components must start and end with a letter or digit"},
        {"docker///docker", "invalid repository name: empty path component"},
        {"docker.io/docker///docker", "invalid repository name: empty path component"},
        {"/foo", "invalid repository name: empty path component"},
        {"foo/", "invalid repository name: empty path component"},
        {"aa/asdf$$^/aa", "invalid repository name: only [a-z0-9], '.', '_' and '-' are allowed"},
        {"a..b", "invalid repository name: bad separator (one '.', one or two '_', or '-'s)"},
        {"a___b", "invalid repository name: bad separator (one '.', one or two '_', or '-'s)"},
        {"a._b", "invalid repository name: bad separator (one '.', one or two '_', or '-'s)"},
        {"a-.b", "invalid repository name: bad separator (one '.', one or two '_', or '-'s)"},
        {"busybox:", "invalid tag: empty"},
        {"busybox:.tag", "invalid tag: must start with a letter, digit or '_'"},
        {"busybox:-tag", "invalid tag: must start with a letter, digit or '_'"},
        {"busybox:ta+g", "invalid tag: only letters, digits, '_', '.' and '-' are allowed"},
        {"busybox@", "invalid digest: expected algorithm:hex"},
        {"busybox@sha256", "invalid digest: expected algorithm:hex"},
        {"busybox@sha256:", "invalid digest: expected algorithm:hex"},
        {"repo@sha256:ffffffffffffffffffffffffffffffffff", "invalid digest: sha256 needs 64 hex digits"},
        {"repo@sha512:" H64, "invalid digest: sha512 needs 128 hex digits"},
        {"repo@sha256:" H64 "@" D256, "invalid digest: expected algorithm:hex"},
        {"repo@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
         "invalid digest: hex digits must be lowercase [0-9a-f]"},
        {"validname@invaliddigest:" H64, "unsupported digest algorithm"},
        {"validname@1sha:" H64, "invalid digest: bad algorithm name"},
        {"validname@sha+:" H64, "invalid digest: bad algorithm name"},
};

static void check_valid(const Valid *v) {
        _cleanup_image_ref_ ImageRef *r = NULL, *again = NULL;
        _cleanup_free_ char *s = NULL, *t = NULL;
        const char *reason = NULL;

        print_message("# %s\n", v->input);
        assert_int_equal(image_ref_parse(v->input, &r, &reason), 0);
        assert_null(reason);
        assert_string_equal(r->registry, v->registry);
        assert_string_equal(r->repository, v->repository);
        if (v->tag)
                assert_string_equal(r->tag, v->tag);
        else
                assert_null(r->tag);
        if (v->digest)
                assert_string_equal(r->digest, v->digest);
        else
                assert_null(r->digest);
        assert_int_equal(image_ref_is_short_name(r), v->short_name);
        s = image_ref_to_string(r);
        assert_non_null(s);
        assert_string_equal(s, v->canonical);

        /* The canonical form parses back to itself, and is never a short name. */
        assert_int_equal(image_ref_parse(s, &again, NULL), 0);
        t = image_ref_to_string(again);
        assert_string_equal(t, s);
        assert_false(image_ref_is_short_name(again));
}

static void test_valid(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(valid); i++)
                check_valid(&valid[i]);
}

static void test_invalid(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(invalid); i++) {
                ImageRef *r = NULL;
                const char *reason = NULL;

                print_message("# '%s'\n", invalid[i].input);
                assert_int_equal(image_ref_parse(invalid[i].input, &r, &reason), -EINVAL);
                assert_null(r);
                assert_non_null(reason);
                assert_string_equal(reason, invalid[i].reason);
        }
}

static void test_null_reason(void **state) {
        ImageRef *r = NULL;

        assert_int_equal(image_ref_parse("Bad/Name", &r, NULL), -EINVAL);
        assert_null(r);
        assert_int_equal(image_ref_parse(NULL, &r, NULL), -EINVAL);
}

static void test_length_limits(void **state) {
        char name[400], tag[200];
        _cleanup_image_ref_ ImageRef *r = NULL;
        const char *reason = NULL;
        size_t n;

        /* "docker.io/" + "x/" + 243 = 255: the longest name. */
        strcpy(name, "x/");
        memset(name + 2, 'a', 243);
        strcpy(name + 245, ":tag");
        assert_int_equal(image_ref_parse(name, &r, &reason), 0);
        assert_int_equal(strlen(r->registry) + 1 + strlen(r->repository), 255);
        r = image_ref_free(r);

        /* One more character is too long. */
        memset(name + 2, 'a', 244);
        strcpy(name + 246, ":tag");
        assert_int_equal(image_ref_parse(name, &r, &reason), -EINVAL);
        assert_string_equal(reason, "repository name must not be longer than 255 characters");

        /* The name counts as normalised: "library/" + 240 is too long though 240 alone would fit. */
        memset(name, 'a', 240);
        strcpy(name + 240, ":tag");
        assert_int_equal(image_ref_parse(name, &r, &reason), -EINVAL);
        assert_string_equal(reason, "repository name must not be longer than 255 characters");

        /* strings.Repeat("a/", 128) + "a:tag" from reference_test.go. */
        n = 0;
        for (int i = 0; i < 128; i++) {
                name[n++] = 'a';
                name[n++] = '/';
        }
        strcpy(name + n, "a:tag");
        assert_int_equal(image_ref_parse(name, &r, &reason), -EINVAL);
        assert_string_equal(reason, "repository name must not be longer than 255 characters");

        /* Tags: 128 characters at most. */
        memset(tag, 'x', 128);
        tag[128] = '\0';
        snprintf(name, sizeof(name), "busybox:%s", tag);
        assert_int_equal(image_ref_parse(name, &r, &reason), 0);
        assert_string_equal(r->tag, tag);
        r = image_ref_free(r);
        snprintf(name, sizeof(name), "busybox:%sx", tag);
        assert_int_equal(image_ref_parse(name, &r, &reason), -EINVAL);
        assert_string_equal(reason, "invalid tag: longer than 128 characters");
}

static void test_localhost(void **state) {
        static const struct {
                const char *input;
                bool localhost;
        } cases[] = {
                {"localhost/foo", true},     {"localhost:5000/foo", true},
                {"localhost", false},        {"localhost.example.com/foo", false},
                {"localhostx:1/foo", false}, {"busybox", false},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_image_ref_ ImageRef *r = NULL;

                assert_int_equal(image_ref_parse(cases[i].input, &r, NULL), 0);
                assert_int_equal(image_ref_is_localhost(r), cases[i].localhost);
        }
        assert_false(image_ref_is_localhost(NULL));
        assert_false(image_ref_is_short_name(NULL));
}

static void test_digest_validate(void **state) {
        const char *reason = NULL;

        assert_int_equal(image_digest_validate(D256, &reason), 0);
        assert_int_equal(image_digest_validate(D512, &reason), 0);
        assert_int_equal(image_digest_validate("sha384:" H64 "ffffffffffffffffffffffffffffffff", &reason),
                         0);
        assert_int_equal(image_digest_validate("sha384:" H64, &reason), -EINVAL);
        assert_string_equal(reason, "invalid digest: sha384 needs 96 hex digits");
        assert_int_equal(image_digest_validate("md5:d41d8cd98f00b204e9800998ecf8427e", &reason), -EINVAL);
        assert_string_equal(reason, "unsupported digest algorithm");
        assert_int_equal(image_digest_validate("sha256:" H64 "\n", &reason), -EINVAL);
        assert_int_equal(image_digest_validate(":" H64, &reason), -EINVAL);
        assert_string_equal(reason, "invalid digest: expected algorithm:hex");
        assert_int_equal(image_digest_validate(NULL, NULL), -EINVAL);
        assert_int_equal(
                image_digest_validate(
                        "sha256:gfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", &reason),
                -EINVAL);
        assert_string_equal(reason, "invalid digest: hex digits must be lowercase [0-9a-f]");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),       cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_null_reason), cmocka_unit_test(test_length_limits),
                cmocka_unit_test(test_localhost),   cmocka_unit_test(test_digest_validate),
        };

        return unit_run_tests("image-reference", tests, ELEMENTSOF(tests));
}
