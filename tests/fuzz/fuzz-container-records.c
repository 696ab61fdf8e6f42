/* Container records and logs on arbitrary bytes: the input as config.json, as state.json, and line by
 * line as a CRI log (each line's timestamp also through rfc3339_parse()). What a hand-edited or
 * truncated record or log could contain must give an error, never a crash. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ctr-log.h"
#include "runtime/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ContainerConfig *c = NULL;
        ContainerState st = {};
        char *text;
        size_t start = 0;

        if (size > 256 * 1024)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        if (container_config_parse(text, &c) >= 0)
                container_config_free(c);
        if (container_state_parse(text, &st) >= 0)
                container_state_done(&st);
        for (size_t i = 0; i <= size; i++)
                if (i == size || text[i] == '\n') {
                        CtrLogRecord rec;
                        int64_t ns;

                        if (ctr_log_parse_line(text + start, i - start, &rec) >= 0 && rec.msg_len > 0)
                                /* touch the message: its bounds must be inside the line */
                                (void) ((volatile const char *) rec.msg)[rec.msg_len - 1];
                        text[i] = 0;
                        (void) rfc3339_parse(text + start, &ns);
                        start = i + 1;
                }
        free(text);
        return 0;
}
