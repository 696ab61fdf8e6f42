/* A volume's volume.json on arbitrary bytes: a hand-edited or truncated record must give an error,
 * never a crash; what parses must serialise again; --opt values go through the option check. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "runtime/volume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_tokener *tok;
        json_object *o;
        char *s;

        if (size > 256 * 1024)
                return 0;
        s = strndup((const char *) data, size);
        if (s) {
                char *err = NULL;
                (void) volume_option_check(s, &err);
                (void) volume_name_is_valid(s);
                free(err);
                free(s);
        }
        tok = json_tokener_new();
        if (!tok)
                return 0;
        o = json_tokener_parse_ex(tok, (const char *) data, (int) size);
        json_tokener_free(tok);
        if (!o)
                return 0;
        {
                Volume *v = NULL;
                if (volume_from_json(o, &v) >= 0) {
                        json_object *back = NULL;
                        (void) volume_options_unsupported(v);
                        if (volume_to_json(v, "/x", &back) >= 0)
                                json_object_put(back);
                        volume_free(v);
                }
        }
        json_object_put(o);
        return 0;
}
