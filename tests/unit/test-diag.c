/* Diagnostics: the exact text users see ("file:line:col: [warning: ]path: message", with unknown
 * parts left out), the DiagList bookkeeping, and the order diag_list_sort() promises. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/diag.h"

static void assert_format(const Diag *d, const char *want) {
        _cleanup_free_ char *s = diag_format(d);

        assert_non_null(s);
        assert_string_equal(s, want);
}

static void test_diag_set_full(void **state) {
        _cleanup_(diag_freep) Diag *d = NULL;

        assert_int_equal(diag_set(&d, -EINVAL, "f.yaml", 3, 5, "spec.x", "msg"), -EINVAL);
        assert_non_null(d);
        assert_int_equal(d->severity, DIAG_ERROR);
        assert_string_equal(d->file, "f.yaml");
        assert_int_equal(d->line, 3);
        assert_int_equal(d->column, 5);
        assert_string_equal(d->path, "spec.x");
        assert_string_equal(d->message, "msg");
        assert_format(d, "f.yaml:3:5: spec.x: msg");
}

static void test_diag_set_printf(void **state) {
        _cleanup_(diag_freep) Diag *d = NULL;

        assert_int_equal(diag_set(&d, -EBADMSG, "pod.yaml", 12, 9,
                                  "spec.containers[1].ports[0].containerPort",
                                  "must be between %d and %d, got %s", 1, 65535, "70000"),
                         -EBADMSG);
        assert_format(
                d, "pod.yaml:12:9: spec.containers[1].ports[0].containerPort: must be between 1 and 65535, "
                   "got 70000");
}

static void test_diag_set_copies(void **state) {
        _cleanup_(diag_freep) Diag *d = NULL;
        char file[] = "a.yaml", path[] = "metadata";

        diag_set(&d, -EINVAL, file, 1, 1, path, "x");
        file[0] = 'Z';
        path[0] = 'Z';
        assert_format(d, "a.yaml:1:1: metadata: x");
}

static void test_diag_set_null_reterr(void **state) {
        /* Without somewhere to put it, the error code still comes back unchanged. */
        assert_int_equal(diag_set(NULL, -EINVAL, "f.yaml", 1, 1, "p", "m"), -EINVAL);
        assert_int_equal(diag_set(NULL, -EBADMSG, NULL, 0, 0, NULL, "m"), -EBADMSG);
}

static void test_diag_format_missing_parts(void **state) {
        Diag d = {.severity = DIAG_ERROR, .message = (char *) "msg"};

        assert_format(&d, "msg");

        d.path = (char *) "spec.x";
        assert_format(&d, "spec.x: msg");

        d.file = (char *) "f.yaml";
        assert_format(&d, "f.yaml: spec.x: msg");

        d.line = 3;
        assert_format(&d, "f.yaml:3: spec.x: msg");

        d.column = 5;
        assert_format(&d, "f.yaml:3:5: spec.x: msg");

        /* A column without a line means nothing: no ":0:5". */
        d.line = 0;
        assert_format(&d, "f.yaml: spec.x: msg");

        d.line = 3;
        d.path = NULL;
        assert_format(&d, "f.yaml:3:5: msg");

        /* No file: the position alone would be meaningless, so it goes too. */
        d.file = NULL;
        d.path = (char *) "spec.x";
        assert_format(&d, "spec.x: msg");
}

static void test_diag_format_warning(void **state) {
        Diag d = {
                .severity = DIAG_WARNING,
                .file = (char *) "f.yaml",
                .line = 3,
                .column = 5,
                .path = (char *) "spec.x",
                .message = (char *) "msg",
        };

        assert_format(&d, "f.yaml:3:5: warning: spec.x: msg");
        d.path = NULL;
        assert_format(&d, "f.yaml:3:5: warning: msg");
        d.file = NULL;
        assert_format(&d, "warning: msg");
        d.path = (char *) "metadata.foo";
        assert_format(&d, "warning: metadata.foo: msg");
}

static void test_diag_empty_path_is_no_path(void **state) {
        _cleanup_(diag_freep) Diag *d = NULL;
        DiagList l = DIAG_LIST_INIT;

        diag_set(&d, -EINVAL, "f.yaml", 1, 2, "", "top-level problem");
        assert_null(d->path);
        assert_format(d, "f.yaml:1:2: top-level problem");

        diag_list_add(&l, DIAG_WARNING, "f.yaml", 1, 2, "", "w");
        assert_null(l.items[0].path);
        assert_format(&l.items[0], "f.yaml:1:2: warning: w");
        diag_list_done(&l);
}

static void test_diag_free_null(void **state) {
        assert_null(diag_free(NULL));
}

static void test_diag_list_add_counts(void **state) {
        DiagList l = DIAG_LIST_INIT;

        assert_int_equal(diag_list_add(&l, DIAG_ERROR, "f.yaml", 1, 1, "a", "e1"), 0);
        assert_int_equal(diag_list_add(&l, DIAG_WARNING, "f.yaml", 2, 1, "b", "w%d", 1), 0);
        assert_int_equal(diag_list_add(&l, DIAG_ERROR, NULL, 0, 0, NULL, "e%s", "2"), 0);
        assert_int_equal(l.n, 3);
        assert_int_equal(l.n_errors, 2);
        assert_int_equal(l.n_warnings, 1);
        assert_false(l.oom);
        assert_format(&l.items[0], "f.yaml:1:1: a: e1");
        assert_format(&l.items[1], "f.yaml:2:1: warning: b: w1");
        assert_format(&l.items[2], "e2");
        diag_list_done(&l);
        assert_int_equal(l.n, 0);
        assert_null(l.items);
        assert_int_equal(l.n_errors, 0);
}

static void test_diag_list_grows(void **state) {
        DiagList l = DIAG_LIST_INIT;

        for (unsigned i = 0; i < 1000; i++)
                assert_int_equal(diag_list_add(&l, i % 3 ? DIAG_ERROR : DIAG_WARNING, "f.yaml", i + 1, 1,
                                               "p", "n%u", i),
                                 0);
        assert_int_equal(l.n, 1000);
        assert_int_equal(l.n_warnings, 334);
        assert_int_equal(l.n_errors, 666);
        assert_int_equal(l.items[999].line, 1000);
        assert_string_equal(l.items[999].message, "n999");
        diag_list_done(&l);
}

static void test_diag_list_take(void **state) {
        DiagList l = DIAG_LIST_INIT;
        Diag *d = NULL;

        assert_int_equal(diag_list_take(&l, NULL), 0);
        assert_int_equal(l.n, 0);

        diag_set(&d, -EBADMSG, "f.yaml", 4, 2, "kind", "duplicate key");
        assert_int_equal(diag_list_take(&l, d), 0); /* d is freed by the list */
        assert_int_equal(l.n, 1);
        assert_int_equal(l.n_errors, 1);
        assert_format(&l.items[0], "f.yaml:4:2: kind: duplicate key");
        diag_list_done(&l);
}

typedef struct Pos {
        const char *file;
        unsigned line, column;
        const char *msg;
} Pos;

static void check_sorted(const Pos *in, size_t n, const char *const *want) {
        DiagList l = DIAG_LIST_INIT;

        for (size_t i = 0; i < n; i++)
                diag_list_add(&l, DIAG_ERROR, in[i].file, in[i].line, in[i].column, NULL, "%s", in[i].msg);
        diag_list_sort(&l);
        assert_int_equal(l.n, n);
        for (size_t i = 0; i < n; i++)
                if (strcmp(l.items[i].message, want[i]) != 0)
                        fail_msg("position %zu: got %s, want %s", i, l.items[i].message, want[i]);
        diag_list_done(&l);
}

static void test_diag_list_sort_order(void **state) {
        /* Files in order of first appearance (b before a), then line and column; stable on ties. */
        const Pos in[] = {
                {"b.yaml", 9, 1, "b9:1"},        {"a.yaml", 5, 3, "a5:3"}, {"b.yaml", 2, 7, "b2:7"},
                {"a.yaml", 5, 1, "a5:1"},        {"a.yaml", 1, 1, "a1:1"}, {"b.yaml", 2, 7, "b2:7-second"},
                {"a.yaml", 5, 3, "a5:3-second"}, {"b.yaml", 2, 3, "b2:3"}, {"c.yaml", 1, 1, "c1:1"},
                {"a.yaml", 10, 1, "a10:1"},
        };
        const char *const want[] = {
                "b2:3", "b2:7", "b2:7-second", "b9:1",  "a1:1",
                "a5:1", "a5:3", "a5:3-second", "a10:1", "c1:1",
        };

        check_sorted(in, sizeof(in) / sizeof(in[0]), want);
}

static void test_diag_list_sort_unknown_positions(void **state) {
        /* Line 0 (unknown) sorts before every known line of its file; a NULL file is a group of its own,
         * ranked by where it first appeared. */
        const Pos in[] = {
                {"f.yaml", 3, 1, "f3"},   {NULL, 0, 0, "nofile-1"}, {"f.yaml", 0, 0, "f0"},
                {NULL, 0, 0, "nofile-2"}, {"f.yaml", 1, 2, "f1"},
        };
        const char *const want[] = {"f0", "f1", "f3", "nofile-1", "nofile-2"};

        check_sorted(in, sizeof(in) / sizeof(in[0]), want);
}

static void test_diag_list_sort_keeps_counts(void **state) {
        DiagList l = DIAG_LIST_INIT;

        diag_list_add(&l, DIAG_WARNING, "f", 2, 1, "p", "w");
        diag_list_add(&l, DIAG_ERROR, "f", 1, 1, "q", "e");
        diag_list_sort(&l);
        assert_int_equal(l.items[0].severity, DIAG_ERROR);
        assert_string_equal(l.items[0].path, "q");
        assert_int_equal(l.items[1].severity, DIAG_WARNING);
        assert_string_equal(l.items[1].path, "p");
        assert_int_equal(l.n_errors, 1);
        assert_int_equal(l.n_warnings, 1);
        diag_list_done(&l);

        /* Empty and one-element lists are left alone. */
        diag_list_sort(&l);
        diag_list_add(&l, DIAG_ERROR, "f", 5, 5, NULL, "only");
        diag_list_sort(&l);
        assert_string_equal(l.items[0].message, "only");
        diag_list_done(&l);
}

static void test_diag_list_print(void **state) {
        DiagList l = DIAG_LIST_INIT;
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        diag_list_add(&l, DIAG_ERROR, "f.yaml", 3, 5, "spec.x", "msg");
        diag_list_add(&l, DIAG_WARNING, "f.yaml", 4, 1, "metadata.foo", "unknown field, ignoring");
        diag_list_print(&l, f);
        l.oom = true;
        diag_list_print(&l, f);
        fclose(f);
        assert_string_equal(buf, "f.yaml:3:5: spec.x: msg\n"
                                 "f.yaml:4:1: warning: metadata.foo: unknown field, ignoring\n"
                                 "f.yaml:3:5: spec.x: msg\n"
                                 "f.yaml:4:1: warning: metadata.foo: unknown field, ignoring\n"
                                 "(out of memory: some diagnostics were lost)\n");
        free(buf);
        diag_list_done(&l);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_diag_set_full),
                cmocka_unit_test(test_diag_set_printf),
                cmocka_unit_test(test_diag_set_copies),
                cmocka_unit_test(test_diag_set_null_reterr),
                cmocka_unit_test(test_diag_format_missing_parts),
                cmocka_unit_test(test_diag_format_warning),
                cmocka_unit_test(test_diag_empty_path_is_no_path),
                cmocka_unit_test(test_diag_free_null),
                cmocka_unit_test(test_diag_list_add_counts),
                cmocka_unit_test(test_diag_list_grows),
                cmocka_unit_test(test_diag_list_take),
                cmocka_unit_test(test_diag_list_sort_order),
                cmocka_unit_test(test_diag_list_sort_unknown_positions),
                cmocka_unit_test(test_diag_list_sort_keeps_counts),
                cmocka_unit_test(test_diag_list_print),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
