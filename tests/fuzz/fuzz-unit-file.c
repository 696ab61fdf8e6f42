/* The generator's input: systemd unit-file syntax on arbitrary bytes. Parse, look every key up,
 * split every value into words the way ExecStart= is (and check that quoting them back
 * round-trips), check booleans, and merge the file into a copy of itself as a drop-in would be. The
 * generator's in-place parse must give what unit_file_parse() gives: same result, same unit written. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "systemd-generator/unit-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *written(const UnitFile *uf) {
        StrBuf sb = STRBUF_INIT;

        (void) unit_file_write(uf, &sb);
        return strbuf_detach(&sb);
}

/* unit_file_parse_in_place() against unit_file_parse(): the return value, and the unit written. */
static void check_in_place(const uint8_t *data, size_t size) {
        _cleanup_(arena_freep) Arena *a = arena_new();
        _cleanup_unit_file_free_ UnitFile *u1 = NULL;
        UnitFile *u2 = NULL;
        char *buf;
        int r1, r2;

        if (!a || !(buf = arena_alloc(a, size + 1)))
                return;
        memcpy(buf, data, size);
        r1 = unit_file_parse((const char *) data, size, "fuzz.container", &u1, NULL);
        r2 = unit_file_parse_in_place(a, buf, size, "fuzz.container", &u2, NULL);
        if (r1 == -ENOMEM || r2 == -ENOMEM)
                return;
        if (r1 != r2)
                abort();
        if (r1 >= 0) {
                char *w1 = written(u1), *w2 = written(u2);

                if (w1 && w2 && strcmp(w1, w2) != 0)
                        abort();
                free(w1);
                free(w2);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_unit_file_free_ UnitFile *uf = NULL, *copy = NULL;
        DiagList diags = DIAG_LIST_INIT;

        /* Lookups below are linear per entry, so the harness is quadratic in the number of entries:
         * keep inputs to the size of real unit files so libFuzzer does not report slow units. */
        if (size > 64 * 1024)
                return 0;
        if (unit_file_parse((const char *) data, size, "fuzz.container", &uf, &diags) >= 0
            && unit_file_parse((const char *) data, size, "fuzz.container", &copy, NULL) >= 0) {
                for (const UnitSection *s = uf->sections; s; s = s->next)
                        for (const UnitEntry *e = s->entries; e; e = e->next) {
                                char **words = NULL, **all = NULL;

                                if (unit_value_split_words(e->value, &words) >= 0) {
                                        /* Quoting each word for an Exec line and splitting the line
                                         * again must give the same words (the generator relies on
                                         * it when it writes ExecStart=). */
                                        StrBuf sb = STRBUF_INIT;
                                        char *line, **back = NULL;

                                        STRV_FOREACH(w, words) {
                                                if (sb.len)
                                                        (void) strbuf_putc(&sb, ' ');
                                                (void) unit_value_quote_word(&sb, *w);
                                        }
                                        line = strbuf_detach(&sb);
                                        if (line && unit_value_split_words(line, &back) == 0) {
                                                if (strv_length(back) != strv_length(words))
                                                        abort();
                                                for (size_t i = 0; back[i]; i++)
                                                        if (strcmp(back[i], words[i]) != 0)
                                                                abort();
                                        } else if (line)
                                                abort();
                                        strv_free(back);
                                        free(line);
                                        strv_free(words);
                                }
                                (void) unit_value_parse_boolean(e->value);
                                (void) unit_file_get_last(uf, s->name, e->key);
                                if (unit_file_get_all(uf, s->name, e->key, &all) >= 0)
                                        strv_free(all);
                        }
                (void) unit_file_merge(copy, uf);
                (void) unit_file_merge_shared(copy, uf);
        }
        check_in_place(data, size);
        for (size_t i = 0; i < diags.n; i++)
                free(diag_format(&diags.items[i]));
        diag_list_done(&diags);
        return 0;
}
