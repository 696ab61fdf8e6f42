/* Image reference parsing on arbitrary bytes: parse, print the canonical form, parse that again (it
 * must give the same reference), free. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_image_ref_ ImageRef *ref = NULL, *again = NULL;
        _cleanup_free_ char *s = NULL, *t = NULL, *canonical = NULL;
        const char *reason = NULL;

        if (size > 4096)
                return 0;
        s = strndup((const char *) data, size);
        if (!s)
                return 0;
        if (image_ref_parse(s, &ref, &reason) < 0)
                return 0;
        (void) image_ref_is_short_name(ref);
        (void) image_ref_is_localhost(ref);
        canonical = image_ref_to_string(ref);
        if (!canonical)
                return 0;
        /* The canonical form is a fixed point. */
        if (image_ref_parse(canonical, &again, &reason) < 0)
                abort();
        t = image_ref_to_string(again);
        if (t && strcmp(t, canonical) != 0)
                abort();
        return 0;
}
