/* The generator's input: systemd unit-file syntax on arbitrary bytes. Parse, look every key up,
 * split every value into words the way ExecStart= is (and check that quoting them back
 * round-trips), check booleans, and merge the file into a copy of itself as a drop-in would be. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/strv.h"
#include "systemd-generator/unit-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
        }
        for (size_t i = 0; i < diags.n; i++)
                free(diag_format(&diags.items[i]));
        diag_list_done(&diags);
        return 0;
}
