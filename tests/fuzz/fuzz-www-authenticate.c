/* WWW-Authenticate headers on arbitrary bytes: parse, look up the parameters a client uses, free. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/www-auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        AuthChallenge *l = NULL;
        size_t n = 0;
        char *s;

        if (size > 32 * 1024)
                return 0;
        s = strndup((const char *) data, size);
        if (!s)
                return 0;
        /* twice: the second call appends to the first list, as for two headers */
        for (int i = 0; i < 2; i++)
                if (www_authenticate_parse(s, &l, &n) >= 0) {
                        const AuthChallenge *b = auth_challenges_find(l, n, "bearer");
                        if (b) {
                                (void) auth_challenge_param(b, "realm");
                                (void) auth_challenge_param(b, "service");
                                (void) auth_challenge_param(b, "scope");
                        }
                }
        auth_challenges_free(l, n);
        free(s);
        return 0;
}
