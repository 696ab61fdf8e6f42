/* The YAML loader on arbitrary bytes: it must return a tree or one diagnostic, never crash, leak or
 * loop. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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

        /* The two-part reading of large streams, forced on every input: it must agree with the whole. */
        {
                YStream *whole = NULL, *split = NULL;
                Diag *e1 = NULL, *e2 = NULL;
                int r1 = ystream_load_split((const char *) data, size, "fuzz.yaml", SIZE_MAX, &whole, &e1);
                int r2 = ystream_load_split((const char *) data, size, "fuzz.yaml", 0, &split, &e2);

                if ((r1 >= 0) != (r2 >= 0) || (r1 >= 0 && (whole->n_docs != split->n_docs || whole->n_nodes != split->n_nodes)))
                        abort();
                ystream_free(whole);
                ystream_free(split);
                diag_free(e1);
                diag_free(e2);
        }
        return 0;
}
