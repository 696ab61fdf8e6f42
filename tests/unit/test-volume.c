/* Named volumes: name rules, --opt checks, the JSON record, the store's create/list/remove and crash
 * recovery, and the image copy-up with overlay whiteouts. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "unit-test.h"

#include "common/json-util.h"
#include "common/macro.h"
#include "common/rm-rf.h"
#include "common/strv.h"
#include "runtime/volume.h"

static char root[] = "/tmp/skiff-test-volume-XXXXXX";

static int setup(void **state) {
        (void) state;
        strcpy(root, "/tmp/skiff-test-volume-XXXXXX");
        return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state) {
        (void) state;
        return rm_rf_path(root) < 0 ? -1 : 0;
}

static void test_names(void **state) {
        (void) state;
        assert_true(volume_name_is_valid("data"));
        assert_true(volume_name_is_valid("systemd-data"));
        assert_true(volume_name_is_valid("a.b_c-9"));
        assert_true(volume_name_is_valid("0"));
        assert_false(volume_name_is_valid(NULL));
        assert_false(volume_name_is_valid(""));
        assert_false(volume_name_is_valid(".hidden"));
        assert_false(volume_name_is_valid("-x"));
        assert_false(volume_name_is_valid("_x"));
        assert_false(volume_name_is_valid("a/b"));
        assert_false(volume_name_is_valid(".."));
        assert_false(volume_name_is_valid("a b"));
        assert_false(volume_name_is_valid("a:b"));
        {
                char long_name[300];
                memset(long_name, 'a', sizeof(long_name) - 1);
                long_name[sizeof(long_name) - 1] = 0;
                assert_false(volume_name_is_valid(long_name));
                long_name[253] = 0;
                assert_true(volume_name_is_valid(long_name));
        }
}

static void test_options(void **state) {
        static const char *const good[] = {"copy", "nocopy", "type=tmpfs", "device=tmpfs", "o=size=1m,uid=1",
                                           "uid=1000", "gid=0", "image=localhost/x", NULL};
        static const char *const bad[] = {"", "type", "type=", "colour=red", "uid=x", "uid=-1", "nocopy=1", NULL};

        (void) state;
        for (const char *const *o = good; *o; o++) {
                char *err = NULL;
                assert_int_equal(volume_option_check(*o, &err), 0);
                assert_null(err);
        }
        for (const char *const *o = bad; *o; o++) {
                char *err = NULL;
                assert_int_equal(volume_option_check(*o, &err), -EINVAL);
                assert_non_null(err);
                assert_null(strchr(err, '\n'));
                free(err);
        }
}

static void test_record_roundtrip(void **state) {
        char *labels[] = {(char *) "a=b", (char *) "empty=", NULL};
        char *opts[] = {(char *) "nocopy", (char *) "type=tmpfs", NULL};
        Volume v = {.name = (char *) "v1", .driver = (char *) "local", .created_at = (char *) "2026-01-01T00:00:00Z",
                    .labels = labels, .options = opts, .uid = 1000, .gid = -1, .needs_copy_up = true};
        _cleanup_json_ json_object *o = NULL, *bad = NULL;
        _cleanup_(volume_freep) Volume *back = NULL, *b2 = NULL;
        json_object *mp;

        (void) state;
        assert_int_equal(volume_to_json(&v, "/x/_data", &o), 0);
        assert_true(json_object_object_get_ex(o, "Mountpoint", &mp));
        assert_string_equal(json_object_get_string(mp), "/x/_data");
        assert_int_equal(volume_from_json(o, &back), 0);
        assert_string_equal(back->name, "v1");
        assert_string_equal(back->driver, "local");
        assert_int_equal(back->uid, 1000);
        assert_int_equal(back->gid, -1);
        assert_true(back->needs_copy_up);
        assert_true(strv_contains(back->labels, "a=b"));
        assert_true(strv_contains(back->labels, "empty="));
        assert_true(strv_contains(back->options, "nocopy"));
        assert_true(strv_contains(back->options, "type=tmpfs"));
        assert_string_equal(volume_options_unsupported(back), "type=tmpfs");

        /* Records that are not ours: refused, never half-read. */
        bad = json_tokener_parse("{\"Name\": \"../x\"}");
        assert_int_equal(volume_from_json(bad, &b2), -EBADMSG);
        json_object_put(bad);
        bad = json_tokener_parse("{\"Name\": \"x\", \"Labels\": {\"a\": 1}}");
        assert_int_equal(volume_from_json(bad, &b2), -EBADMSG);
        json_object_put(bad);
        bad = json_tokener_parse("{\"Name\": \"x\", \"UID\": -5}");
        assert_int_equal(volume_from_json(bad, &b2), -EBADMSG);
        json_object_put(bad);
        bad = json_tokener_parse("[1]");
        assert_int_equal(volume_from_json(bad, &b2), -EBADMSG);
        assert_null(b2);
}

static void test_store(void **state) {
        _cleanup_(volume_store_freep) VolumeStore *s = NULL, *s2 = NULL;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(volume_freep) Volume *got = NULL;
        _cleanup_free_ char *data = NULL, *p = NULL;
        Volume v = {.name = (char *) "b", .driver = (char *) "local", .uid = -1, .gid = -1, .needs_copy_up = true};
        char *err = NULL;
        struct stat st;

        (void) state;
        assert_int_equal(volume_store_open(root, &s), 0);
        assert_int_equal(volume_create(s, &v, &err), 0);
        v.name = (char *) "a";
        assert_int_equal(volume_create(s, &v, &err), 0);
        assert_int_equal(volume_create(s, &v, &err), -EEXIST);
        v.name = (char *) ".lock";
        assert_int_equal(volume_create(s, &v, &err), -EINVAL);
        free(err);
        err = NULL;
        assert_int_equal(volume_list(s, &names), 0);
        assert_int_equal(strv_length(names), 2);
        assert_string_equal(names[0], "a");
        assert_string_equal(names[1], "b");

        data = volume_data_path(s, "a");
        assert_int_equal(stat(data, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_int_equal(volume_load(s, "a", &got), 0);
        assert_true(got->needs_copy_up);
        got = volume_free(got);
        assert_int_equal(volume_mark_copied(s, "a"), 0);
        assert_int_equal(volume_load(s, "a", &got), 0);
        assert_false(got->needs_copy_up);
        assert_int_equal(volume_load(s, "nope", &got), -ENOENT);
        assert_int_equal(volume_load(s, "../a", &got), -ENOENT);

        assert_int_equal(volume_remove(s, "a"), 0);
        assert_int_equal(volume_remove(s, "a"), -ENOENT);
        assert_int_equal(stat(data, &st), -1);

        /* A crash in the middle of a create or a remove: finished by the next open. */
        assert_int_equal(asprintf(&p, "%s/volumes/.tmp-c", root) > 0, 1);
        assert_int_equal(mkdir(p, 0700), 0);
        free(p);
        assert_int_equal(asprintf(&p, "%s/volumes/.rm-d", root) > 0, 1);
        assert_int_equal(mkdir(p, 0700), 0);
        assert_int_equal(volume_store_open(root, &s2), 0);
        assert_int_equal(stat(p, &st), -1);
        names = strv_free(names);
        assert_int_equal(volume_list(s2, &names), 0);
        assert_int_equal(strv_length(names), 1);
        assert_string_equal(names[0], "b");
}

static void write_at(const char *dir, const char *rel, const char *content) {
        _cleanup_free_ char *p = NULL;
        FILE *f;

        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        f = fopen(p, "w");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
}

static void mkdir_at(const char *dir, const char *rel) {
        _cleanup_free_ char *p = NULL;
        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        assert_int_equal(mkdir(p, 0755), 0);
}

static bool exists_at(const char *dir, const char *rel) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        return lstat(p, &st) == 0;
}

static void test_copy_up(void **state) {
        _cleanup_free_ char *l1 = NULL, *l2 = NULL, *dst = NULL, *wh = NULL;
        char *layers[3];
        char *err = NULL;

        (void) state;
        assert_true(asprintf(&l1, "%s/l1", root) > 0);
        assert_true(asprintf(&l2, "%s/l2", root) > 0);
        assert_true(asprintf(&dst, "%s/dst", root) > 0);
        assert_int_equal(mkdir(l1, 0755), 0);
        assert_int_equal(mkdir(l2, 0755), 0);
        assert_int_equal(mkdir(dst, 0755), 0);
        mkdir_at(l1, "etc");
        write_at(l1, "etc/kept", "lower\n");
        write_at(l1, "etc/deleted", "x\n");
        write_at(l1, "etc/replaced", "old\n");
        mkdir_at(l1, "etc/sub");
        write_at(l1, "etc/sub/f", "f\n");
        mkdir_at(l2, "etc");
        write_at(l2, "etc/replaced", "new\n");
        write_at(l2, "etc/added", "a\n");
        assert_true(asprintf(&wh, "%s/etc/deleted", l2) > 0);
        if (mknod(wh, S_IFCHR | 0000, makedev(0, 0)) < 0)
                skip(); /* a whiteout needs CAP_MKNOD */
        {
                _cleanup_free_ char *ln = NULL;
                assert_true(asprintf(&ln, "%s/etc/link", l2) > 0);
                assert_int_equal(symlink("kept", ln), 0);
        }
        layers[0] = l1;
        layers[1] = l2;
        layers[2] = NULL;
        assert_int_equal(volume_copy_up(dst, layers, NULL, "/etc", &err), 0);
        assert_null(err);
        assert_true(exists_at(dst, "kept"));
        assert_false(exists_at(dst, "deleted"));
        assert_true(exists_at(dst, "added"));
        assert_true(exists_at(dst, "link"));
        assert_true(exists_at(dst, "sub/f"));
        {
                _cleanup_free_ char *p = NULL;
                char buf[16] = {};
                FILE *f;
                assert_true(asprintf(&p, "%s/replaced", dst) > 0);
                f = fopen(p, "r");
                assert_non_null(f);
                assert_non_null(fgets(buf, sizeof(buf), f));
                fclose(f);
                assert_string_equal(buf, "new\n");
        }
        /* A path the image does not have copies nothing; a symlink in the path is not followed. */
        assert_int_equal(volume_copy_up(dst, layers, NULL, "/nowhere", &err), 0);
        {
                _cleanup_free_ char *d2 = NULL, *ln = NULL;
                assert_true(asprintf(&d2, "%s/dst2", root) > 0);
                assert_int_equal(mkdir(d2, 0755), 0);
                assert_true(asprintf(&ln, "%s/escape", l2) > 0);
                assert_int_equal(symlink("/etc", ln), 0);
                assert_int_equal(volume_copy_up(d2, layers, NULL, "/escape", &err), 0);
                assert_false(exists_at(d2, "passwd"));
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_options),
                cmocka_unit_test(test_record_roundtrip),
                cmocka_unit_test_setup_teardown(test_store, setup, teardown),
                cmocka_unit_test_setup_teardown(test_copy_up, setup, teardown),
        };

        return unit_run_tests("volume", tests, ELEMENTSOF(tests));
}
