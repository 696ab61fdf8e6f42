/* WWW-Authenticate parsing (RFC 7235 and what registries send), auth.json lookup
 * (containers-auth.json(5) key matching), --creds, and the registry's JSON error text. */

#include <sys/stat.h>

#include "common/macro.h"
#include "common/strv.h"
#include "registry/auth.h"
#include "registry/registry.h"
#include "registry/www-auth.h"
#include "unit-test.h"

static void test_www_authenticate(void **state) {
        AuthChallenge *l = NULL;
        size_t n = 0;
        const AuthChallenge *b;

        assert_int_equal(
                www_authenticate_parse(
                        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                        "scope=\"repository:library/busybox:pull\"",
                        &l, &n),
                0);
        assert_int_equal(n, 1);
        assert_string_equal(l[0].scheme, "Bearer");
        assert_string_equal(auth_challenge_param(&l[0], "realm"), "https://auth.docker.io/token");
        assert_string_equal(auth_challenge_param(&l[0], "SERVICE"), "registry.docker.io");
        assert_string_equal(auth_challenge_param(&l[0], "scope"), "repository:library/busybox:pull");

        /* a second header appends; several challenges in one; quoted escapes; blanks around '=' */
        assert_int_equal(
                www_authenticate_parse(
                        "Basic realm=\"say \\\"hi\\\"\", Bearer realm = \"https://a/t\" , service=a", &l,
                        &n),
                0);
        assert_int_equal(n, 3);
        assert_string_equal(auth_challenge_param(&l[1], "realm"), "say \"hi\"");
        b = auth_challenges_find(l, n, "bearer");
        assert_ptr_equal(b, &l[0]);
        assert_string_equal(auth_challenge_param(&l[2], "service"), "a");
        assert_null(auth_challenge_param(&l[2], "scope"));

        /* token68, a scheme alone, unquoted URL values, empty list elements */
        assert_int_equal(
                www_authenticate_parse(
                        ", Negotiate YIIab+/c==, NTLM ,Bearer realm=https://x.example/t?a=b,service=s", &l,
                        &n),
                0);
        assert_int_equal(n, 6);
        assert_string_equal(l[3].token68, "YIIab+/c==");
        assert_string_equal(l[4].scheme, "NTLM");
        assert_null(l[4].params);
        assert_string_equal(auth_challenge_param(&l[5], "realm"), "https://x.example/t?a=b");
        assert_string_equal(auth_challenge_param(&l[5], "service"), "s");

        /* malformed: the list is left as it was */
        assert_int_equal(www_authenticate_parse("Bearer realm=\"open", &l, &n), -EBADMSG);
        assert_int_equal(www_authenticate_parse("=x", &l, &n), -EBADMSG);
        assert_int_equal(www_authenticate_parse("Bearer realm=\"a\" junk", &l, &n), -EBADMSG);
        assert_int_equal(www_authenticate_parse("Bear\"er", &l, &n), -EBADMSG);
        assert_int_equal(n, 6);
        auth_challenges_free(l, n);

        l = NULL;
        n = 0;
        assert_int_equal(www_authenticate_parse("", &l, &n), 0);
        assert_int_equal(n, 0);
        assert_null(l);
}

static int lookup(const char *json, const char *registry, const char *repo, RegistryCreds *c, char **err) {
        Diag *d = NULL;
        int r = auth_json_lookup(json, strlen(json), "auth.json", registry, repo, c, &d);
        if (d) {
                *err = diag_format(d);
                diag_free(d);
        }
        return r;
}

static void test_auth_json(void **state) {
        /* alice:one, bob:two, carol:a:b (a password with a colon) */
        const char *j = "{\"auths\": {"
                        "\"quay.io\": {\"auth\": \"YWxpY2U6b25l\"},"
                        "\"quay.io/team\": {\"auth\": \"Ym9iOnR3bw==\"},"
                        "\"https://index.docker.io/v1/\": {\"auth\": \"Y2Fyb2w6YTpi\"},"
                        "\"http://127.0.0.1:5000/v2/\": {\"auth\": \"YWxpY2U6b25l\"},"
                        "\"empty.example\": {}"
                        "}, \"credHelpers\": {\"gcr.io\": \"gcloud\"}}";
        RegistryCreds c = {};
        char *err = NULL;

        assert_int_equal(lookup(j, "quay.io", "team/app", &c, &err), 1);
        assert_string_equal(c.username, "bob");
        registry_creds_done(&c);
        assert_int_equal(lookup(j, "quay.io", "teamx/app", &c, &err), 1);
        assert_string_equal(c.username, "alice");
        registry_creds_done(&c);
        assert_int_equal(lookup(j, "docker.io", "library/busybox", &c, &err), 1);
        assert_string_equal(c.username, "carol");
        assert_string_equal(c.password, "a:b");
        registry_creds_done(&c);
        assert_int_equal(lookup(j, "127.0.0.1:5000", "x", &c, &err), 1);
        registry_creds_done(&c);
        assert_int_equal(lookup(j, "quay.io.evil", "x", &c, &err), 0);
        assert_int_equal(lookup(j, "empty.example", "x", &c, &err), 0);
        assert_int_equal(lookup(j, "gcr.io", "x", &c, &err), 0);
        assert_int_equal(lookup("{}", "gcr.io", "x", &c, &err), 0);
        assert_null(err);

        assert_int_equal(lookup("{\"auths\": {\"q.io\": {\"auth\": \"!!\"}}}", "q.io", "x", &c, &err),
                         -EBADMSG);
        assert_string_equal(err, "auth.json: auths.\"q.io\".auth: invalid base64 at byte 0");
        free(err);
        err = NULL;
        assert_int_equal(
                lookup("{\"auths\": {\"q.io\": {\"auth\": \"bm9jb2xvbg==\"}}}", "q.io", "x", &c, &err),
                -EBADMSG);
        assert_string_equal(err, "auth.json: auths.\"q.io\".auth: expected base64 of \"USER:PASSWORD\"");
        free(err);
        err = NULL;
        assert_int_equal(lookup("{\"auths\": [1]}", "q.io", "x", &c, &err), -EBADMSG);
        assert_string_equal(err, "auth.json: auths: expected an object");
        free(err);
        err = NULL;
        assert_int_equal(lookup("{\"auths\": {} ", "q.io", "x", &c, &err), -EBADMSG);
        assert_string_equal(err, "auth.json: invalid JSON: unexpected end of input");
        free(err);
        err = NULL;
        assert_int_equal(lookup("{} x", "q.io", "x", &c, &err), -EBADMSG);
        free(err);
}

static void test_auth_paths(void **state) {
        char **l = NULL;

        unsetenv("REGISTRY_AUTH_FILE");
        setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
        setenv("HOME", "/home/u", 1);
        unsetenv("XDG_CONFIG_HOME");
        assert_int_equal(auth_file_paths(NULL, &l), 0);
        assert_int_equal(strv_length(l), 3);
        assert_string_equal(l[0], "/run/user/7/containers/auth.json");
        assert_string_equal(l[1], "/home/u/.config/containers/auth.json");
        assert_string_equal(l[2], "/home/u/.docker/config.json");
        l = strv_free(l);

        setenv("REGISTRY_AUTH_FILE", "/env/auth.json", 1);
        assert_int_equal(auth_file_paths(NULL, &l), 0);
        assert_int_equal(strv_length(l), 1);
        assert_string_equal(l[0], "/env/auth.json");
        l = strv_free(l);
        assert_int_equal(auth_file_paths("/opt/a.json", &l), 0);
        assert_string_equal(l[0], "/opt/a.json");
        l = strv_free(l);
        unsetenv("REGISTRY_AUTH_FILE");
}

static void test_creds(void **state) {
        RegistryCreds c = {};

        assert_int_equal(registry_creds_parse("u:p:q", &c), 0);
        assert_string_equal(c.username, "u");
        assert_string_equal(c.password, "p:q");
        registry_creds_done(&c);
        assert_int_equal(registry_creds_parse("u:", &c), 0);
        assert_string_equal(c.password, "");
        registry_creds_done(&c);
        assert_int_equal(registry_creds_parse(":p", &c), -EINVAL);
        assert_int_equal(registry_creds_parse("up", &c), -EINVAL);
}

static void test_error_text(void **state) {
        const char *b =
                "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{}},"
                "{\"code\":\"X\"},{\"message\":\"line\\nbreak\"}]}";
        char *s = registry_error_text(b, strlen(b));

        assert_string_equal(s, "manifest unknown (MANIFEST_UNKNOWN); X; line?break");
        free(s);
        assert_null(registry_error_text("<html>", 6));
        assert_null(registry_error_text("{\"errors\":[]}", 13));
        assert_null(registry_error_text(NULL, 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_www_authenticate), cmocka_unit_test(test_auth_json),
                cmocka_unit_test(test_auth_paths),       cmocka_unit_test(test_creds),
                cmocka_unit_test(test_error_text),
        };

        return unit_run_tests("registry-auth", tests, ELEMENTSOF(tests));
}
