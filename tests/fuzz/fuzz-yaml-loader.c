/* The YAML loader on arbitrary bytes: it must return a tree or one diagnostic, never crash, leak or
 * loop. */

#include <stddef.h>
#include <stdint.h>

#include "play/yaml-node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        YStream *s = NULL;
        Diag *err = NULL;

        if (size > 256 * 1024)
                return 0;
        if (ystream_load((const char *) data, size, "fuzz.yaml", &s, &err) >= 0) {
                /* Walk what we got the way consumers do. */
                for (size_t i = 0; i < s->n_docs; i++)
                        (void) ynode_describe(s->docs[i].root);
        }
        ystream_free(s);
        diag_free(err);
        return 0;
}
