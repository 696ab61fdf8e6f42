/* skiff pod top's parsers on arbitrary bytes: the input as /proc/PID/stat, /proc/PID/status, a
 * uid_map, an /etc/passwd text, and (one per line) as the command line's descriptors. Errors, never a
 * crash or a leak. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pod/pod-top.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text, **args;
        size_t n = 0;

        if (size > 64 * 1024)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        {
                TopStat s;
                if (top_parse_stat(text, &s) >= 0)
                        free(s.comm);
        }
        {
                TopStatus s;
                (void) top_parse_status(text, &s);
        }
        (void) top_map_id(text, 100005);
        free(top_name_of(text, 0));
        free(top_name_of(text, 65534));

        args = calloc(size + 2, sizeof(char *));
        if (args) {
                char *save = NULL;
                for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
                        args[n++] = t;
                {
                        TopField *f = NULL;
                        char *err = NULL;
                        if (top_parse_descriptors((const char *const *) args, &f, &err) >= 0)
                                free(f);
                        free(err);
                }
                free(args);
        }
        free(text);
        return 0;
}
