/* The TOML subset parser, registries.conf merging and prefix matching, and short-name resolution as
 * containers-registries.conf(5) and podman describe them. */

#include <sys/stat.h>

#include "common/macro.h"
#include "common/strv.h"
#include "registry/registries-conf.h"
#include "registry/toml.h"
#include "unit-test.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static json_object *toml_ok(const char *text) {
        json_object *o = NULL;
        Diag *d = NULL;
        int r = toml_parse(text, strlen(text), "t.toml", &o, &d);
        if (r < 0) {
                char *s = d ? diag_format(d) : NULL;
                print_message("unexpected error: %s\n", s ? s : "?");
                free(s);
        }
        assert_int_equal(r, 0);
        assert_null(d);
        return o;
}

static void toml_err(const char *text, const char *want) {
        json_object *o = NULL;
        Diag *d = NULL;
        char *s;

        assert_int_equal(toml_parse(text, strlen(text), "t.toml", &o, &d), -EBADMSG);
        assert_null(o);
        assert_non_null(d);
        s = diag_format(d);
        if (strcmp(s, want) != 0)
                print_message("got:  %s\nwant: %s\n", s, want);
        assert_string_equal(s, want);
        free(s);
        diag_free(d);
}

static void test_toml_values(void **state) {
        json_object *o = toml_ok("# comment\n"
                                 "a = \"x\\ty\\u00e9\\\"\"\n"
                                 "b = 'C:\\path'\n"
                                 "c = [ 1, -2, +3_000, ] # trailing comma\n"
                                 "d = true\n"
                                 "e.f.g = false\n"
                                 "\"quoted key\" = \"\"\"\nline\\\n   joined\"\"\"\n"
                                 "h = '''\nraw\\n'''\n"
                                 "i = { j = 1, k.l = \"m\" }\n"
                                 "[t]\n"
                                 "x = [\n  'a', # one\n  \"b\",\n]\n"
                                 "[[arr]]\nn = 1\n[[arr]]\nn = 2\n[[arr.sub]]\nq = 3\n");
        json_object *v, *w;

        assert_true(json_object_object_get_ex(o, "a", &v));
        assert_string_equal(json_object_get_string(v), "x\ty\xc3\xa9\"");
        assert_int_equal(toml_line(v), 2);
        assert_true(json_object_object_get_ex(o, "b", &v));
        assert_string_equal(json_object_get_string(v), "C:\\path");
        assert_true(json_object_object_get_ex(o, "c", &v));
        assert_int_equal(json_object_array_length(v), 3);
        assert_int_equal(json_object_get_int(json_object_array_get_idx(v, 2)), 3000);
        assert_int_equal(json_object_get_int(json_object_array_get_idx(v, 1)), -2);
        assert_true(json_object_object_get_ex(o, "e", &v));
        assert_true(json_object_object_get_ex(v, "f", &v));
        assert_true(json_object_object_get_ex(v, "g", &v));
        assert_false(json_object_get_boolean(v));
        assert_true(json_object_object_get_ex(o, "quoted key", &v));
        assert_string_equal(json_object_get_string(v), "linejoined");
        assert_true(json_object_object_get_ex(o, "h", &v));
        assert_string_equal(json_object_get_string(v), "raw\\n");
        assert_true(json_object_object_get_ex(o, "i", &v));
        assert_true(json_object_object_get_ex(v, "k", &w));
        assert_true(json_object_object_get_ex(w, "l", &w));
        assert_string_equal(json_object_get_string(w), "m");
        assert_true(json_object_object_get_ex(o, "t", &v));
        assert_true(json_object_object_get_ex(v, "x", &v));
        assert_int_equal(json_object_array_length(v), 2);
        assert_true(json_object_object_get_ex(o, "arr", &v));
        assert_int_equal(json_object_array_length(v), 2);
        w = json_object_array_get_idx(v, 1);
        assert_int_equal(toml_line(w), 20);
        assert_true(json_object_object_get_ex(w, "sub", &w));
        assert_int_equal(json_object_array_length(w), 1);
        json_object_put(o);

        /* CRLF line ends and a BOM */
        o = toml_ok("\xef\xbb\xbf"
                    "a = 1\r\nb = 2\r\n");
        assert_true(json_object_object_get_ex(o, "b", &v));
        assert_int_equal(toml_line(v), 2);
        json_object_put(o);
}

static void test_toml_errors(void **state) {
        toml_err("a = 1\na = 2\n", "t.toml:2:6: duplicate key 'a'");
        toml_err("[x]\n[x]\n", "t.toml:2:4: table [x] is defined more than once");
        toml_err("a = 1.5\n", "t.toml:1:6: floating-point values are not supported here");
        toml_err("a = 1979-05-27\n", "t.toml:1:9: dates and times are not supported here");
        toml_err("a = 0x1f\n", "t.toml:1:5: hexadecimal, octal and binary integers are not supported here");
        toml_err("a = 01\n", "t.toml:1:5: leading zeros are not allowed in integers");
        toml_err("a = 1_\n", "t.toml:1:6: an underscore in a number must sit between digits");
        toml_err("a = \"x\n", "t.toml:1:7: unterminated string");
        toml_err("a = \"\\q\"\n", "t.toml:1:7: invalid escape sequence in a string");
        toml_err("a = \"\\ud800\"\n", "t.toml:1:12: \\u escape is not a Unicode scalar value");
        toml_err("a = [1,\n2\n", "t.toml:1:5: unterminated array");
        toml_err("a = [1 2]\n", "t.toml:1:8: expected ',' or ']' in an array");
        toml_err("a = { b = 1\n", "t.toml:1:12: unterminated inline table");
        toml_err("a = {b = 1}\na.c = 2\n",
                 "t.toml:2:8: key 'a.c': 'a' is already a value and cannot be extended");
        toml_err("a = 1 b = 2\n", "t.toml:1:7: expected the end of the line after a value");
        toml_err("= 1\n", "t.toml:1:1: expected a key");
        toml_err("a\n", "t.toml:1:2: expected '=' after a key");
        toml_err("a = \n", "t.toml:1:5: expected a value");
        toml_err("[a\n", "t.toml:1:3: expected ']' to end the table header");
        toml_err("a = 1\n[[a]]\n", "t.toml:2:6: [[a]]: 'a' is already defined as something else");
        toml_err("a = \"\xff\"\n", "t.toml:1:6: invalid UTF-8 in a string");
        toml_err("a = 99999999999999999999\n", "t.toml:1:5: integer out of range");
        toml_err("a = 1\rb = 2\n", "t.toml:1:6: carriage return without a line feed");
        toml_err(
                "a = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
                "t.toml:1:70: values nested too deeply");
}

static RegistriesConf *conf_ok(const char *text) {
        RegistriesConf *c = registries_conf_new();
        Diag *d = NULL;
        int r;

        assert_non_null(c);
        r = registries_conf_merge_text(c, text, strlen(text), "r.conf", &d);
        if (r < 0) {
                char *s = d ? diag_format(d) : NULL;
                print_message("unexpected error: %s\n", s ? s : "?");
                free(s);
        }
        assert_int_equal(r, 0);
        return c;
}

static void conf_err(const char *text, const char *want) {
        RegistriesConf *c = registries_conf_new();
        Diag *d = NULL;
        char *s;

        assert_int_equal(registries_conf_merge_text(c, text, strlen(text), "r.conf", &d), -EBADMSG);
        s = diag_format(d);
        if (strcmp(s, want) != 0)
                print_message("got:  %s\nwant: %s\n", s, want);
        assert_string_equal(s, want);
        free(s);
        diag_free(d);
        /* nothing of the bad file was merged */
        assert_null(c->search);
        assert_int_equal(c->n_entries, 0);
        registries_conf_free(c);
}

static void test_conf_parse(void **state) {
        RegistriesConf *c = conf_ok("unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n"
                                    "short-name-mode = \"enforcing\"\n"
                                    "some-future-key = 1\n"
                                    "[[registry]]\n"
                                    "location = \"internal.example:5000\"\n"
                                    "insecure = true\n"
                                    "[[registry.mirror]]\n"
                                    "location = \"mirror.example\"\n"
                                    "[[registry]]\n"
                                    "prefix = \"*.blocked.example\"\n"
                                    "blocked = true\n"
                                    "[aliases]\n"
                                    "fedora = \"registry.fedoraproject.org/fedora\"\n");

        assert_int_equal(strv_length(c->search), 2);
        assert_string_equal(c->search[1], "docker.io");
        assert_int_equal(c->n_entries, 2);
        assert_string_equal(c->entries[0].prefix, "internal.example:5000");
        assert_true(c->entries[0].insecure);
        assert_int_equal(c->entries[0].n_mirrors, 1);
        assert_string_equal(c->entries[0].mirrors[0].location, "mirror.example");
        assert_int_equal(c->entries[0].line, 4);
        assert_null(c->entries[1].location);
        assert_true(c->entries[1].blocked);
        assert_string_equal(c->aliases[0], "fedora");
        registries_conf_free(c);
}

static void test_conf_errors(void **state) {
        conf_err("unqualified-search-registries = \"docker.io\"\n",
                 "r.conf:1: unqualified-search-registries: expected an array of strings");
        conf_err("unqualified-search-registries = [\"a/b\"]\n",
                 "r.conf:1: unqualified-search-registries: invalid registry 'a/b'");
        conf_err("[[registry]]\ninsecure = 1\n",
                 "r.conf:2: registry.insecure: expected a boolean (true or false)");
        conf_err("[[registry]]\ninsecure = true\n", "r.conf:1: registry: needs a prefix or a location");
        conf_err("[[registry]]\nprefix = \"*.x.example\"\nlocation = \"y.example\"\n",
                 "r.conf:1: registry.location: must be empty with a wildcard prefix ('*.x.example')");
        conf_err("[[registry]]\nlocation = \"a.example\"\n[[registry]]\nprefix = \"a.example\"\n",
                 "r.conf:3: registry.prefix: 'a.example' is defined twice (also on line 1)");
        conf_err(
                "[registries.search]\nregistries = [\"docker.io\"]\n",
                "r.conf:1: registries: version 1 tables ([registries.search], [registries.insecure]…) are not "
                "supported: use unqualified-search-registries and [[registry]]");
        conf_err("[aliases]\nx = \"y\"\n",
                 "r.conf:2: aliases: 'x' = 'y': an alias must be a fully qualified name without a digest");
        conf_err("unqualified-search-registries = [\n", "r.conf:1:33: unterminated array");
}

static void test_conf_merge(void **state) {
        RegistriesConf *c = conf_ok("unqualified-search-registries = [\"a.example\"]\n"
                                    "[[registry]]\nlocation = \"a.example\"\ninsecure = true\n"
                                    "[[registry]]\nlocation = \"b.example\"\n");
        const char *dropin = "[[registry]]\nlocation = \"a.example\"\nblocked = true\n"
                             "[[registry]]\nlocation = \"c.example\"\n";
        Diag *d = NULL;

        /* a drop-in without unqualified-search-registries keeps the list; same prefix replaces */
        assert_int_equal(registries_conf_merge_text(c, dropin, strlen(dropin), "d.conf", &d), 0);
        assert_int_equal(strv_length(c->search), 1);
        assert_int_equal(c->n_entries, 3);
        assert_true(c->entries[0].blocked);
        assert_false(c->entries[0].insecure);
        assert_string_equal(c->entries[0].file, "d.conf");
        assert_string_equal(c->entries[2].prefix, "c.example");
        dropin = "unqualified-search-registries = []\n";
        assert_int_equal(registries_conf_merge_text(c, dropin, strlen(dropin), "e.conf", &d), 0);
        assert_null(c->search);
        assert_string_equal(c->search_file, "e.conf");
        registries_conf_free(c);
}

static void test_conf_find(void **state) {
        RegistriesConf *c = conf_ok("[[registry]]\nprefix = \"example.com\"\nlocation = \"x.example\"\n"
                                    "[[registry]]\nprefix = \"example.com/foo\"\nlocation = \"y.example\"\n"
                                    "[[registry]]\nprefix = \"*.wild.example\"\ninsecure = true\n");

        assert_string_equal(registries_conf_find(c, "example.com/foo/bar:1")->location, "y.example");
        assert_string_equal(registries_conf_find(c, "example.com/foo:1")->location, "y.example");
        assert_string_equal(registries_conf_find(c, "example.com/foobar:1")->location, "x.example");
        assert_string_equal(registries_conf_find(c, "example.com@sha256:" D64)->location, "x.example");
        assert_null(registries_conf_find(c, "example.community/x"));
        assert_true(registries_conf_find(c, "a.wild.example:5000/x")->insecure);
        assert_true(registries_conf_find(c, "b.a.wild.example/x")->insecure);
        assert_null(registries_conf_find(c, "wild.example/x"));
        registries_conf_free(c);
}

static void resolve_ok(const RegistriesConf *c, const char *input, size_t n_want, const char *const *want) {
        PullCandidate *l = NULL;
        char *reason = NULL;
        size_t n = 0;
        int r = registries_conf_resolve(c, input, &l, &n, &reason);

        if (r < 0)
                print_message("%s: %s\n", input, reason ? reason : "?");
        assert_int_equal(r, 0);
        assert_int_equal(n, n_want);
        for (size_t i = 0; i < n; i++) {
                char *s = NULL;
                assert_true(asprintf(&s, "%s %s/%s %s%s", l[i].name, l[i].registry, l[i].repository,
                                     l[i].reference, l[i].insecure ? " insecure" : "")
                            > 0);
                if (strcmp(s, want[i]) != 0)
                        print_message("got:  %s\nwant: %s\n", s, want[i]);
                assert_string_equal(s, want[i]);
                free(s);
        }
        pull_candidates_free(l, n);
}

static void resolve_err(const RegistriesConf *c, const char *input, int err, const char *want) {
        PullCandidate *l = NULL;
        char *reason = NULL;
        size_t n = 0;

        assert_int_equal(registries_conf_resolve(c, input, &l, &n, &reason), err);
        if (strcmp(reason, want) != 0)
                print_message("got:  %s\nwant: %s\n", reason, want);
        assert_string_equal(reason, want);
        free(reason);
}

static void test_resolve(void **state) {
        RegistriesConf *c = conf_ok(
                "unqualified-search-registries = [\"quay.io\", \"docker.io\", \"blocked.example\"]\n"
                "[[registry]]\nprefix = \"quay.io/team\"\nlocation = \"mirror.example:5000/quay-team\"\n"
                "insecure = true\n"
                "[[registry]]\nlocation = \"blocked.example\"\nblocked = true\n"
                "[aliases]\n\"my/app\" = \"registry.example/apps/app\"\n");

        /* search registries in order; docker.io gets library/; a blocked one is skipped */
        resolve_ok(
                c, "busybox", 2,
                (const char *const[]){"quay.io/busybox:latest quay.io/busybox latest",
                                      "docker.io/library/busybox:latest docker.io/library/busybox latest"});
        resolve_ok(c, "team/tool:1.0@sha256:" D64, 2,
                   (const char *const[]){"quay.io/team/tool:1.0@sha256:" D64
                                         " mirror.example:5000/quay-team/tool sha256:" D64 " insecure",
                                         "docker.io/team/tool:1.0@sha256:" D64
                                         " docker.io/team/tool sha256:" D64});
        /* an alias, with the tag carried over */
        resolve_ok(c, "my/app:2", 1,
                   (const char *const[]){"registry.example/apps/app:2 registry.example/apps/app 2"});
        /* fully qualified names are used as they are (rewritten by [[registry]]) */
        resolve_ok(c, "quay.io/team/x", 1,
                   (const char *const[]){
                           "quay.io/team/x:latest mirror.example:5000/quay-team/x latest insecure"});
        resolve_ok(c, "localhost:5000/x", 1,
                   (const char *const[]){"localhost:5000/x:latest localhost:5000/x latest"});

        resolve_err(c, "blocked.example/x", -EACCES,
                    "registry blocked.example is blocked in r.conf (line 6)");
        resolve_err(c, "localhost/x", -EADDRNOTAVAIL,
                    "localhost/ names are local images and are never pulled from a network");
        resolve_err(c, "UPPER", -EINVAL, "invalid reference: repository name must be lowercase");
        registries_conf_free(c);

        c = conf_ok("");
        resolve_err(
                c, "busybox", -ENOENT,
                "short name 'busybox' did not resolve: no unqualified-search-registries are defined in r.conf");
        registries_conf_free(c);
}

static void test_load_env(void **state) {
        char dir[] = "/tmp/test-registries-conf-XXXXXX", *f = NULL, *dd = NULL, *f1 = NULL, *f2 = NULL;
        RegistriesConf *c = NULL;
        Diag *d = NULL;
        FILE *o;

        assert_non_null(mkdtemp(dir));
        assert_true(asprintf(&f, "%s/registries.conf", dir) > 0);
        assert_true(asprintf(&dd, "%s/d", dir) > 0);
        assert_true(asprintf(&f1, "%s/d/10-a.conf", dir) > 0);
        assert_true(asprintf(&f2, "%s/d/20-b.conf", dir) > 0);
        assert_int_equal(mkdir(dd, 0755), 0);
        o = fopen(f, "w");
        fputs("unqualified-search-registries = [\"main.example\"]\n", o);
        fclose(o);
        o = fopen(f2, "w");
        fputs("unqualified-search-registries = [\"b.example\"]\n", o);
        fclose(o);
        o = fopen(f1, "w");
        fputs("unqualified-search-registries = [\"a.example\"]\n", o);
        fclose(o);
        setenv("CONTAINERS_REGISTRIES_CONF", f, 1);
        setenv("SKIFF_REGISTRIES_CONF_DIR", dd, 1);
        assert_int_equal(registries_conf_load(&c, &d), 0);
        /* lexical order: 20-b.conf wins */
        assert_string_equal(c->search[0], "b.example");
        assert_string_equal(c->search_file, f2);
        assert_int_equal(strv_length(c->files), 3);
        registries_conf_free(c);

        o = fopen(f1, "w");
        fputs("bad =\n", o);
        fclose(o);
        assert_int_equal(registries_conf_load(&c, &d), -EBADMSG);
        assert_string_equal(d->file, f1);
        assert_int_equal(d->line, 1);
        diag_free(d);

        unlink(f1);
        unlink(f2);
        unlink(f);
        rmdir(dd);
        rmdir(dir);
        unsetenv("CONTAINERS_REGISTRIES_CONF");
        unsetenv("SKIFF_REGISTRIES_CONF_DIR");
        free(f);
        free(dd);
        free(f1);
        free(f2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_toml_values), cmocka_unit_test(test_toml_errors),
                cmocka_unit_test(test_conf_parse),  cmocka_unit_test(test_conf_errors),
                cmocka_unit_test(test_conf_merge),  cmocka_unit_test(test_conf_find),
                cmocka_unit_test(test_resolve),     cmocka_unit_test(test_load_env),
        };

        return unit_run_tests("registries-conf", tests, ELEMENTSOF(tests));
}
