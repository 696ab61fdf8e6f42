/* systemd unit-file syntax (src/systemd-generator/unit-file.c): the line rules of systemd's
 * config_parse(), drop-in merging, and the value helpers (extract_first_word() splitting,
 * parse_boolean()). Expected results follow what systemd itself does with the same input. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/strv.h"
#include "systemd-generator/unit-file.h"
#include "unit-test.h"

/* Parses a NUL-terminated string and checks the number of line errors. */
static UnitFile *parse_ok(const char *text, int n_errors, DiagList *diags) {
        UnitFile *uf = NULL;

        assert_int_equal(unit_file_parse(text, strlen(text), "t.container", &uf, diags), n_errors);
        assert_non_null(uf);
        return uf;
}

static char *diag_str(const DiagList *l, size_t i) {
        assert_true(i < l->n);
        return diag_format(&l->items[i]);
}

static void assert_diag(const DiagList *l, size_t i, const char *expected) {
        _cleanup_free_ char *s = diag_str(l, i);

        assert_non_null(s);
        assert_string_equal(s, expected);
        assert_int_equal(l->items[i].severity, DIAG_ERROR);
        assert_int_equal(l->items[i].column, 0);
}

static void test_sections_in_order(void **state) {
        DiagList diags = DIAG_LIST_INIT;
        _cleanup_unit_file_free_ UnitFile *uf =
                parse_ok("[Unit]\nDescription=web\n\n[Container]\nImage=nginx\nPublishPort=80\n"
                         "[Install]\nWantedBy=default.target\n",
                         0, &diags);
        const UnitSection *s;
        const UnitEntry *e;

        assert_int_equal(diags.n, 0);
        assert_string_equal(uf->filename, "t.container");
        assert_int_equal(uf->n_sections, 3);
        s = uf->sections;
        assert_string_equal(s->name, "Unit");
        assert_int_equal(s->line, 1);
        assert_int_equal(s->n_entries, 1);
        assert_string_equal(s->entries->key, "Description");
        assert_string_equal(s->entries->value, "web");
        assert_int_equal(s->entries->line, 2);
        s = s->next;
        assert_string_equal(s->name, "Container");
        assert_int_equal(s->n_entries, 2);
        e = s->entries;
        assert_string_equal(e->key, "Image");
        assert_int_equal(e->line, 5);
        e = e->next;
        assert_string_equal(e->key, "PublishPort");
        assert_string_equal(e->value, "80");
        assert_null(e->next);
        s = s->next;
        assert_string_equal(s->name, "Install");
        assert_null(s->next);
        assert_ptr_equal(unit_file_find_section(uf, "Install"), s);
        assert_null(unit_file_find_section(uf, "install")); /* case-sensitive */
}

static void test_repeated_section_continues(void **state) {
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("[A]\nx=1\n[B]\ny=2\n[A]\nx=3\n", 0, NULL);
        _cleanup_strv_free_ char **all = NULL;

        assert_int_equal(uf->n_sections, 2);
        assert_int_equal(uf->sections->n_entries, 2);
        assert_int_equal(unit_file_get_all(uf, "A", "x", &all), 2);
        assert_string_equal(all[0], "1");
        assert_string_equal(all[1], "3");
}

static void test_comments_and_blank_lines(void **state) {
        DiagList diags = DIAG_LIST_INIT;
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("# leading comment\n"
                                                         "; semicolon comment\n"
                                                         "   \t# indented comment\n"
                                                         "\n   \n"
                                                         "[Service]\n"
                                                         "  ;Foo=bar\n"
                                                         "ExecStart=/bin/echo # not a comment\n",
                                                         0, &diags);

        assert_int_equal(diags.n, 0);
        assert_int_equal(uf->n_sections, 1);
        assert_int_equal(uf->sections->n_entries, 1);
        /* '#' only starts a comment at the start of a line. */
        assert_string_equal(unit_file_get_last(uf, "Service", "ExecStart"), "/bin/echo # not a comment");
        assert_int_equal(uf->sections->entries->line, 8);
}

static void test_whitespace_around_equals(void **state) {
        _cleanup_unit_file_free_ UnitFile *uf =
                parse_ok("  [Container]  \n  Image  =   busybox:latest \t\nLabel= a=b \nX=\t\n", 0, NULL);

        assert_string_equal(unit_file_get_last(uf, "Container", "Image"), "busybox:latest");
        /* Only the first '=' separates; the value keeps inner ones. */
        assert_string_equal(unit_file_get_last(uf, "Container", "Label"), "a=b");
        assert_string_equal(unit_file_get_last(uf, "Container", "X"), "");
        assert_null(unit_file_get_last(uf, "Container", "image")); /* keys are case-sensitive */
        assert_null(unit_file_get_last(uf, "Nope", "Image"));
}

static void test_continuation(void **state) {
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("[Service]\n"
                                                         "ExecStart=/bin/sh -c \\\n"
                                                         "   'echo one' \\\n"
                                                         "   two\n"
                                                         "After=a\n",
                                                         0, NULL);
        const UnitEntry *e = uf->sections->entries;

        /* Each backslash becomes a space and the next line is appended as is, its indentation
         * included: one space before the backslash, the backslash, three of indentation. */
        assert_string_equal(e->key, "ExecStart");
        assert_string_equal(e->value, "/bin/sh -c     'echo one'     two");
        assert_int_equal(e->line, 4); /* systemd reports the last line */
        assert_string_equal(e->next->value, "a");
        assert_int_equal(e->next->line, 5);
}

static void test_continuation_with_comment(void **state) {
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("[Service]\n"
                                                         "Environment=A=1 \\\n"
                                                         "# a comment is skipped, not joined\n"
                                                         "  ; nor this one \\\n"
                                                         "B=2\n"
                                                         "Other=x\n",
                                                         0, NULL);

        assert_int_equal(uf->sections->n_entries, 2);
        assert_string_equal(unit_file_get_last(uf, "Service", "Environment"), "A=1  B=2");
        assert_int_equal(uf->sections->entries->line, 5);
        assert_string_equal(unit_file_get_last(uf, "Service", "Other"), "x");
}

static void test_continuation_edge_cases(void **state) {
        /* An even number of backslashes does not continue; a blank line ends a continuation; a
         * continuation at the end of the file is still parsed; CRLF and lone CR end lines. */
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("[S]\r\n"
                                                         "A=x\\\\\r\n"
                                                         "B=y\\\n"
                                                         "\n"
                                                         "C=z\r"
                                                         "D=w \\",
                                                         0, NULL);

        assert_string_equal(unit_file_get_last(uf, "S", "A"), "x\\\\");
        assert_string_equal(unit_file_get_last(uf, "S", "B"), "y");
        assert_string_equal(unit_file_get_last(uf, "S", "C"), "z");
        assert_string_equal(unit_file_get_last(uf, "S", "D"), "w");
        assert_int_equal(uf->sections->entries->next->next->line, 5);
}

static void test_repeated_keys_and_reset(void **state) {
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("[Container]\n"
                                                         "Environment=A=1\n"
                                                         "Environment=B=2\n"
                                                         "Image=x\n"
                                                         "Environment=\n"
                                                         "Environment=C=3\n"
                                                         "Environment=D=4\n"
                                                         "Volume=a:b\n"
                                                         "Volume=\n",
                                                         0, NULL);
        _cleanup_strv_free_ char **env = NULL, **vol = NULL, **none = NULL;

        /* Every assignment is kept, the empty one included. */
        assert_int_equal(uf->sections->n_entries, 8);
        assert_int_equal(unit_file_get_all(uf, "Container", "Environment", &env), 2);
        assert_string_equal(env[0], "C=3");
        assert_string_equal(env[1], "D=4");
        assert_null(env[2]);
        assert_int_equal(unit_file_get_all(uf, "Container", "Volume", &vol), 0);
        assert_non_null(vol);
        assert_null(vol[0]);
        assert_string_equal(unit_file_get_last(uf, "Container", "Volume"), "");
        assert_string_equal(unit_file_get_last(uf, "Container", "Environment"), "D=4");
        assert_int_equal(unit_file_get_all(uf, "Missing", "Environment", &none), 0);
        assert_non_null(none);
        assert_null(none[0]);
}

static void test_errors_with_line_numbers(void **state) {
        DiagList diags = DIAG_LIST_INIT;
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("[Unit]\n"
                                                         "Description=ok\n"
                                                         "no equals sign here\n"
                                                         "\n"
                                                         "=value\n"
                                                         "After=b\n"
                                                         "   junk\n"
                                                         "Before=c\n",
                                                         3, &diags);

        assert_int_equal(diags.n, 3);
        assert_int_equal(diags.n_errors, 3);
        assert_diag(&diags, 0, "t.container:3: missing '=' in an assignment");
        assert_diag(&diags, 1, "t.container:5: missing key name before '='");
        assert_diag(&diags, 2, "t.container:7: missing '=' in an assignment");
        /* Parsing went on past every error. */
        assert_int_equal(uf->sections->n_entries, 3);
        assert_string_equal(unit_file_get_last(uf, "Unit", "Before"), "c");
        diag_list_done(&diags);
}

static void test_entry_before_section(void **state) {
        DiagList diags = DIAG_LIST_INIT;
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("# c\nImage=x\n[Container]\nImage=y\n", 1, &diags);

        assert_diag(&diags, 0, "t.container:2: assignment outside of any [section]");
        assert_int_equal(uf->n_sections, 1);
        assert_int_equal(uf->sections->n_entries, 1);
        assert_string_equal(unit_file_get_last(uf, "Container", "Image"), "y");
        diag_list_done(&diags);
}

static void test_bad_section_header(void **state) {
        DiagList diags = DIAG_LIST_INIT;
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok(
                "[Unit]\nA=1\n[Service] # comment\nB=2\nC=3\n[Install\n[]\n[Install]\nD=4\n", 3, &diags);

        assert_diag(&diags, 0, "t.container:3: invalid section header '[Service] # comment'");
        assert_diag(&diags, 1, "t.container:6: invalid section header '[Install'");
        assert_diag(&diags, 2, "t.container:7: invalid section header '[]'");
        /* The entries under the bad header are dropped without more noise. */
        assert_null(unit_file_find_section(uf, "Service"));
        assert_null(unit_file_get_last(uf, "Unit", "B"));
        assert_string_equal(unit_file_get_last(uf, "Install", "D"), "4");
        diag_list_done(&diags);
}

static void test_fatal_errors(void **state) {
        DiagList diags = DIAG_LIST_INIT;
        UnitFile *uf = NULL;
        static const char nul[] = "[Unit]\nA=1\nB=x\0y\n";
        char *big;

        assert_int_equal(unit_file_parse(nul, sizeof(nul) - 1, "n.service", &uf, &diags), -EBADMSG);
        assert_null(uf);
        assert_diag(&diags, 0, "n.service:3: NUL byte in file");
        diag_list_done(&diags);

        /* A line of exactly UNIT_LINE_MAX bytes is fine, one more is not. */
        big = malloc(UNIT_LINE_MAX + 16);
        assert_non_null(big);
        memcpy(big, "[S]\nK=", 6);
        memset(big + 6, 'v', UNIT_LINE_MAX - 2);
        assert_int_equal(unit_file_parse(big, 4 + UNIT_LINE_MAX, "b", &uf, NULL), 0);
        assert_int_equal(strlen(unit_file_get_last(uf, "S", "K")), UNIT_LINE_MAX - 2);
        uf = unit_file_free(uf);
        big[4 + UNIT_LINE_MAX] = 'v';
        assert_int_equal(unit_file_parse(big, 5 + UNIT_LINE_MAX, "b", &uf, &diags), -ENOBUFS);
        assert_null(uf);
        assert_diag(&diags, 0, "b:2: Line too long");
        diag_list_done(&diags);

        /* Short lines joined past the limit: "K=\\" then lines of 98 'v' and a backslash, each
         * adding 99 bytes to the joined line. */
        free(big);
        big = malloc(2 * UNIT_LINE_MAX);
        assert_non_null(big);
        memcpy(big, "[S]\nK=\\\n", 8);
        for (size_t i = 8; i + 100 <= 2 * UNIT_LINE_MAX; i += 100) {
                memset(big + i, 'v', 98);
                memcpy(big + i + 98, "\\\n", 2);
        }
        {
                /* The joined line is 3 + 99 * m bytes after m such lines. */
                unsigned m = (UNIT_LINE_MAX - 3) / 99 + 1;
                char expected[64];

                snprintf(expected, sizeof(expected), "c:%u: Continuation line too long", 2 + m);
                assert_int_equal(unit_file_parse(big, 2 * UNIT_LINE_MAX, "c", &uf, &diags), -ENOBUFS);
                assert_diag(&diags, 0, expected);
        }
        diag_list_done(&diags);
        free(big);

        /* The size check comes before the text is looked at. */
        assert_int_equal(unit_file_parse("", (size_t) UNIT_FILE_SIZE_MAX + 1, "d", &uf, &diags), -EFBIG);
        assert_null(uf);
        assert_int_equal(diags.n_errors, 1);
        diag_list_done(&diags);
}

static void test_utf8(void **state) {
        DiagList diags = DIAG_LIST_INIT;
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("\xEF\xBB\xBF[Unit]\n"
                                                         "Description=caf\xC3\xA9 \xF0\x9F\x98\x80\n"
                                                         "Bad=\xFF\n"
                                                         "Overlong=\xC0\xAF\n"
                                                         "Surrogate=\xED\xA0\x80\n"
                                                         "Cut=\xE2\x82\n",
                                                         4, &diags);

        /* The byte order mark is not part of the first section name. */
        assert_string_equal(uf->sections->name, "Unit");
        assert_string_equal(unit_file_get_last(uf, "Unit", "Description"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
        assert_int_equal(uf->sections->n_entries, 1);
        assert_diag(&diags, 0, "t.container:3: invalid UTF-8");
        assert_diag(&diags, 3, "t.container:6: invalid UTF-8");
        diag_list_done(&diags);
}

static void test_empty_input(void **state) {
        _cleanup_unit_file_free_ UnitFile *uf = NULL;

        assert_int_equal(unit_file_parse("", 0, NULL, &uf, NULL), 0);
        assert_non_null(uf);
        assert_null(uf->filename);
        assert_int_equal(uf->n_sections, 0);
        assert_null(uf->sections);
}

static void test_dropin_merge(void **state) {
        _cleanup_unit_file_free_ UnitFile *base = parse_ok("[Container]\n"
                                                           "Image=a\n"
                                                           "Environment=A=1\n"
                                                           "PublishPort=80\n"
                                                           "[Install]\n"
                                                           "WantedBy=default.target\n",
                                                           0, NULL);
        _cleanup_unit_file_free_ UnitFile *dropin = parse_ok("[Container]\n"
                                                             "Image=b\n"
                                                             "Environment=B=2\n"
                                                             "PublishPort=\n"
                                                             "PublishPort=443\n"
                                                             "[Service]\n"
                                                             "Restart=always\n",
                                                             0, NULL);
        _cleanup_strv_free_ char **env = NULL, **ports = NULL;
        const UnitSection *s;

        assert_int_equal(unit_file_merge(base, dropin), 0);
        assert_string_equal(unit_file_get_last(base, "Container", "Image"), "b");
        assert_int_equal(unit_file_get_all(base, "Container", "Environment", &env), 2);
        assert_string_equal(env[0], "A=1");
        assert_string_equal(env[1], "B=2");
        assert_int_equal(unit_file_get_all(base, "Container", "PublishPort", &ports), 1);
        assert_string_equal(ports[0], "443");
        /* A section only the drop-in has comes last; the drop-in is unchanged and still owned by
         * its own arena (the values were copied). */
        assert_int_equal(base->n_sections, 3);
        s = base->sections->next->next;
        assert_string_equal(s->name, "Service");
        assert_string_equal(s->entries->value, "always");
        assert_ptr_not_equal(s->entries->value, dropin->sections->next->entries->value);
        assert_int_equal(dropin->sections->n_entries, 4);
        assert_int_equal(base->sections->n_entries, 7);
}

static void assert_words(const char *value, const char *const *expected) {
        _cleanup_strv_free_ char **w = NULL;
        size_t n = 0;

        assert_int_equal(unit_value_split_words(value, &w), 0);
        assert_non_null(w);
        for (; expected[n]; n++) {
                assert_non_null(w[n]);
                assert_string_equal(w[n], expected[n]);
        }
        assert_null(w[n]);
}

#define WORDS(value, ...) assert_words(value, (const char *const[]){__VA_ARGS__, NULL})

static void test_split_words(void **state) {
        _cleanup_strv_free_ char **w = NULL;

        WORDS("  /bin/echo   one\ttwo  ", "/bin/echo", "one", "two");
        WORDS("\"GREETING=hello world\" 'x y' z", "GREETING=hello world", "x y", "z");
        WORDS("a\"b c\"d", "ab cd");
        WORDS("'' \"\" x", "", "", "x");
        WORDS("\"it's\" 'say \"hi\"'", "it's", "say \"hi\"");
        /* Escapes work inside single quotes too, unlike in a shell. */
        WORDS("a\\nb '\\t' \"\\\\\" \\\" \\s", "a\nb", "\t", "\\", "\"", " ");
        WORDS("\\x41\\x42 \\101 \\u00e9 \\U0001F600", "AB", "A", "\xC3\xA9", "\xF0\x9F\x98\x80");
        WORDS("\\a\\b\\f\\r\\v\\'", "\a\b\f\r\v'");
        WORDS("\\xff", "\xff");

        assert_int_equal(unit_value_split_words("", &w), 0);
        assert_non_null(w);
        assert_null(w[0]);
        w = strv_free(w);
        assert_int_equal(unit_value_split_words(" \t ", &w), 0);
        assert_null(w[0]);
        w = strv_free(w);
}

static void test_split_words_errors(void **state) {
        static const char *const bad[] = {
                "\"unbalanced", "x 'also", "a\"b",    "trailing\\", "'quoted trailing\\'",
                "\\q",          "\\x4",    "\\xZZ",   "\\x00",      "\\000",
                "\\400",        "\\u12",   "\\u0000", "\\uD800",    "\\U00110000",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char **w = (char **) 0x1;

                assert_int_equal(unit_value_split_words(bad[i], &w), -EINVAL);
                assert_ptr_equal(w, (char **) 0x1); /* untouched on failure */
        }
}

static void test_specifiers_untouched(void **state) {
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("[Container]\n"
                                                         "ContainerName=%N-web\n"
                                                         "Volume=%h/data:/data\n"
                                                         "Exec=/bin/run --name=%n --inst \"%i\" 100%%\n",
                                                         0, NULL);

        assert_string_equal(unit_file_get_last(uf, "Container", "ContainerName"), "%N-web");
        assert_string_equal(unit_file_get_last(uf, "Container", "Volume"), "%h/data:/data");
        WORDS(unit_file_get_last(uf, "Container", "Exec"), "/bin/run", "--name=%n", "--inst", "%i", "100%%");
}

static void test_booleans(void **state) {
        static const char *const yes[] = {"1", "yes", "y", "true", "t", "on", "YES", "True", "oN", "Y"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off", "NO", "False", "OFF", "F"};
        static const char *const neither[] = {"", "2", "yess", "enable", " yes", "yes ", "-1", "nope"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                assert_int_equal(unit_value_parse_boolean(yes[i]), 1);
                assert_true(unit_value_is_true(yes[i]));
                assert_false(unit_value_is_false(yes[i]));
        }
        for (size_t i = 0; i < ELEMENTSOF(no); i++) {
                assert_int_equal(unit_value_parse_boolean(no[i]), 0);
                assert_false(unit_value_is_true(no[i]));
                assert_true(unit_value_is_false(no[i]));
        }
        for (size_t i = 0; i < ELEMENTSOF(neither); i++) {
                assert_int_equal(unit_value_parse_boolean(neither[i]), -EINVAL);
                assert_false(unit_value_is_true(neither[i]));
                assert_false(unit_value_is_false(neither[i]));
        }
        assert_false(unit_value_is_true(NULL));
        assert_false(unit_value_is_false(NULL));
}


/* The generator's writer side: building a unit, writing it, and quoting Exec words so that systemd's
 * splitting (unit_value_split_words(), the same rules) gives every word back unchanged. */
static void test_build_and_write(void **state) {
        DiagList diags = DIAG_LIST_INIT;
        _cleanup_unit_file_free_ UnitFile *uf = parse_ok("[Container]\nImage=a\n\n[Install]\nWantedBy=x\n", 0, &diags);
        StrBuf sb = STRBUF_INIT;
        _cleanup_free_ char *text = NULL;

        assert_int_equal(unit_file_rename_section(uf, "Container", "X-Container"), 0);
        assert_int_equal(unit_file_add(uf, "Unit", "SourcePath", "/x/a.container"), 0);
        assert_int_equal(unit_file_prepend(uf, "Unit", "Wants", "network-online.target"), 0);
        assert_int_equal(unit_file_addf(uf, "Service", "ExecStart", "%s run %d", "/usr/bin/skiff", 1), 0);
        assert_true(unit_file_has_key(uf, "Unit", "Wants"));
        assert_false(unit_file_has_key(uf, "Container", "Image"));
        assert_int_equal(unit_file_write(uf, &sb), 0);
        text = strbuf_detach(&sb);
        assert_string_equal(text, "[X-Container]\nImage=a\n\n[Install]\nWantedBy=x\n\n[Unit]\n"
                                  "Wants=network-online.target\nSourcePath=/x/a.container\n\n[Service]\n"
                                  "ExecStart=/usr/bin/skiff run 1\n");
        unit_file_unset(uf, "Unit", "Wants");
        assert_false(unit_file_has_key(uf, "Unit", "Wants"));
        assert_int_equal(unit_file_add(uf, "Unit", "After", "b"), 0);
        assert_string_equal(unit_file_get_last(uf, "Unit", "After"), "b");
        {
                const UnitSection *first = unit_file_ensure_section(uf, "First", true);
                assert_ptr_equal(first, uf->sections);
                assert_string_equal(first->name, "First");
                assert_ptr_equal(unit_file_ensure_section(uf, "Unit", true), unit_file_find_section(uf, "Unit"));
        }
}

static void test_merge_keeps_origin(void **state) {
        DiagList diags = DIAG_LIST_INIT;
        _cleanup_unit_file_free_ UnitFile *base = parse_ok("[Container]\nImage=a\n", 0, &diags);
        _cleanup_unit_file_free_ UnitFile *d = NULL;

        assert_int_equal(unit_file_parse("\n[Container]\nLabel=x\n", 19, "d/10.conf", &d, &diags), 0);
        assert_int_equal(unit_file_merge(base, d), 0);
        assert_string_equal(base->sections->entries->file, "t.container");
        assert_string_equal(base->sections->entries->next->file, "d/10.conf");
        assert_int_equal(base->sections->entries->next->line, 3);
}

static void test_quote_word_round_trip(void **state) {
        static const char *const words[] = {
                "plain", "--flag=value", "%t/%N.cid", "a b", "", "say \"hi\"", "back\\slash", "it's",
                "tab\there", "new\nline", "\001ctl", "utf-8 é", "$HOME", "semi;colon",
        };
        StrBuf sb = STRBUF_INIT;
        _cleanup_free_ char *line = NULL;
        _cleanup_strv_free_ char **back = NULL;

        for (size_t i = 0; i < ELEMENTSOF(words); i++) {
                if (i > 0)
                        assert_int_equal(strbuf_putc(&sb, ' '), 0);
                assert_int_equal(unit_value_quote_word(&sb, words[i]), 0);
        }
        line = strbuf_detach(&sb);
        assert_non_null(line);
        assert_int_equal(unit_value_split_words(line, &back), 0);
        assert_int_equal(strv_length(back), ELEMENTSOF(words));
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                assert_string_equal(back[i], words[i]);
        /* Plain words stay as they are: quadlet's output is recognisable. */
        assert_non_null(strstr(line, "plain --flag=value %t/%N.cid \"a b\" \"\" "));
}

/* Everything a parse gives, as one string: the written unit, then every entry's line and file, then the
 * diagnostics. */
static char *parse_summary(int r, const UnitFile *uf, const DiagList *diags) {
        StrBuf sb = STRBUF_INIT;

        (void) strbuf_addf(&sb, "r=%d\n", r);
        if (r >= 0) {
                assert_int_equal(unit_file_write(uf, &sb), 0);
                for (const UnitSection *s = uf->sections; s; s = s->next)
                        for (const UnitEntry *e = s->entries; e; e = e->next)
                                (void) strbuf_addf(&sb, "%s:%u:%s\n", e->key, e->line, e->file ?: "-");
        }
        for (size_t i = 0; i < diags->n; i++) {
                _cleanup_free_ char *d = diag_format(&diags->items[i]);
                (void) strbuf_addf(&sb, "diag %s\n", d);
        }
        return strbuf_detach(&sb);
}

/* unit_file_parse_in_place() (the generator's) gives exactly what unit_file_parse() gives. */
static void test_parse_in_place_matches_parse(void **state) {
        static const char *const texts[] = {
                "[Unit]\nDescription=x\n\n[Container]\nImage=busybox\nEnvironment=A=1 B=2\n",
                "\xEF\xBB\xBF[Unit]\r\nA=1\r\nB = 2 \rC=3",
                "[Container]\nExec=sh -c \\\n  'echo hi' \\\n# a comment inside\n  more\nNext=1\n",
                "[Container]\nExec=a \\\\\nB=b\\\\\\\n c\nTail=x \\",
                "[Container]\n  ; comment\n#x\nnoequals\n=novalue\nK=\n[Bad] x\nDropped=1\n[Good]\nK=v\n",
                "Outside=1\n[S]\nK=\xff\xfe\nL=ok\n",
                "[S]\nK=v\n\nL=a\0b\n",
                "",
                "\n\n\n",
                "[A]\n[B]\n[A]\nK=again\n",
        };
        static const size_t lens[] = {0, 0, 0, 0, 0, 0, 15, 0, 0, 0}; /* 15: past the NUL byte */

        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                size_t len = lens[i] ? lens[i] : strlen(texts[i]);
                _cleanup_(arena_freep) Arena *a = arena_new();
                _cleanup_unit_file_free_ UnitFile *u1 = NULL;
                _cleanup_free_ char *s1 = NULL, *s2 = NULL;
                DiagList d1 = DIAG_LIST_INIT, d2 = DIAG_LIST_INIT;
                UnitFile *u2 = NULL;
                char *buf;
                int r1, r2;

                assert_non_null(a);
                r1 = unit_file_parse(texts[i], len, "t.container", &u1, &d1);
                buf = arena_alloc(a, len + 1);
                assert_non_null(buf);
                memcpy(buf, texts[i], len);
                r2 = unit_file_parse_in_place(a, buf, len, "t.container", &u2, &d2);
                s1 = parse_summary(r1, u1, &d1);
                s2 = parse_summary(r2, u2, &d2);
                assert_string_equal(s1, s2);
                /* The UnitFile lives in the arena: freeing it is a no-op, the arena frees it. */
                assert_null(unit_file_free(u2));
                diag_list_done(&d1);
                diag_list_done(&d2);
        }
}

/* unit_file_merge_shared() writes what unit_file_merge() writes, sharing the drop-in's strings. */
static void test_merge_shared(void **state) {
        _cleanup_unit_file_free_ UnitFile *b1 = parse_ok("[Container]\nImage=a\n", 0, NULL);
        _cleanup_unit_file_free_ UnitFile *b2 = parse_ok("[Container]\nImage=a\n", 0, NULL);
        _cleanup_unit_file_free_ UnitFile *d = NULL;
        _cleanup_free_ char *w1 = NULL, *w2 = NULL;
        StrBuf s1 = STRBUF_INIT, s2 = STRBUF_INIT;
        const UnitEntry *e;

        static const char dropin[] = "[Container]\nEnvironment=X=1\n[Service]\nRestart=always\n";

        assert_int_equal(unit_file_parse(dropin, strlen(dropin), "d/10.conf", &d, NULL), 0);
        assert_int_equal(unit_file_merge(b1, d), 0);
        assert_int_equal(unit_file_merge_shared(b2, d), 0);
        assert_int_equal(unit_file_write(b1, &s1), 0);
        assert_int_equal(unit_file_write(b2, &s2), 0);
        w1 = strbuf_detach(&s1);
        w2 = strbuf_detach(&s2);
        assert_string_equal(w1, w2);
        e = b2->sections->entries->next;
        assert_ptr_equal(e->value, d->sections->entries->value);
        assert_string_equal(e->file, "d/10.conf");
        assert_int_equal(e->line, 2);
}

/* The exact form of quoted words (quadlet's, and what the golden files hold). */
static void test_quote_word_exact(void **state) {
        static const struct {
                const char *word, *quoted;
        } cases[] = {
                {"plain", "plain"},
                {"", "\"\""},
                {"a b", "\"a b\""},
                {"say \"hi\" now", "\"say \\\"hi\\\" now\""},
                {"back\\slash", "\"back\\\\slash\""},
                {"it's", "\"it's\""},
                {"tab\there\nnew\rret", "\"tab\\there\\nnew\\rret\""},
                {"\001ctl\x7f", "\"\\x01ctl\\x7f\""},
                {"utf-8 é", "\"utf-8 é\""},
                {"é", "é"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                StrBuf sb = STRBUF_INIT;
                _cleanup_free_ char *s = NULL;

                assert_int_equal(unit_value_quote_word(&sb, cases[i].word), 0);
                s = strbuf_detach(&sb);
                assert_string_equal(s, cases[i].quoted);
        }

        /* unit_value_append_words(): " WORD" each, into a buffer that already holds text. */
        {
                char *const words[] = {(char *) "run", (char *) "a b", (char *) "--x=1", NULL};
                StrBuf sb = STRBUF_INIT;
                _cleanup_free_ char *s = NULL;

                assert_int_equal(strbuf_puts(&sb, "skiff"), 0);
                assert_int_equal(unit_value_append_words(&sb, words), 0);
                s = strbuf_detach(&sb);
                assert_string_equal(s, "skiff run \"a b\" --x=1");
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sections_in_order),
                cmocka_unit_test(test_repeated_section_continues),
                cmocka_unit_test(test_comments_and_blank_lines),
                cmocka_unit_test(test_whitespace_around_equals),
                cmocka_unit_test(test_continuation),
                cmocka_unit_test(test_continuation_with_comment),
                cmocka_unit_test(test_continuation_edge_cases),
                cmocka_unit_test(test_repeated_keys_and_reset),
                cmocka_unit_test(test_errors_with_line_numbers),
                cmocka_unit_test(test_entry_before_section),
                cmocka_unit_test(test_bad_section_header),
                cmocka_unit_test(test_fatal_errors),
                cmocka_unit_test(test_utf8),
                cmocka_unit_test(test_empty_input),
                cmocka_unit_test(test_dropin_merge),
                cmocka_unit_test(test_split_words),
                cmocka_unit_test(test_split_words_errors),
                cmocka_unit_test(test_specifiers_untouched),
                cmocka_unit_test(test_booleans),
                cmocka_unit_test(test_build_and_write),
                cmocka_unit_test(test_merge_keeps_origin),
                cmocka_unit_test(test_quote_word_round_trip),
                cmocka_unit_test(test_parse_in_place_matches_parse),
                cmocka_unit_test(test_merge_shared),
                cmocka_unit_test(test_quote_word_exact),
        };

        return unit_run_tests("unit-file", tests, ELEMENTSOF(tests));
}
