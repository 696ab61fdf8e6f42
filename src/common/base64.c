/* Hand-written rather than taken from OpenSSL: libplay must stay free of libcrypto (it is pure and
 * fuzzed on its own), and EVP_DecodeBlock is lax about padding and trailing garbage where Kubernetes
 * is strict. 60 lines, tested in test-base64. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/base64.h"
#include "common/cleanup.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

static size_t skip_newlines(const char *s, size_t len, size_t i) {
        while (i < len && (s[i] == '\r' || s[i] == '\n'))
                i++;
        return i;
}

/* Decodes like Go's base64.StdEncoding (not .Strict()): quanta of four characters, '=' padding required
 * in the last one, non-zero trailing bits ignored, '\r' and '\n' skipped anywhere, and the same offsets
 * in errors as Go reports, so a user who pastes the message into a search finds the same thing. */
int base64_decode(const char *s, size_t len, char **ret, size_t *ret_len, size_t *ret_bad_offset) {
        _cleanup_free_ unsigned char *out = malloc(len / 4 * 3 + 4);
        unsigned char *o = out;
        size_t si = 0, bad = 0;

        if (!out)
                return -ENOMEM;
        while (si < len) {
                unsigned char q[4];
                size_t j, n = 4;

                for (j = 0; j < 4; j++) {
                        char c;
                        int v;

                        if (si == len) {
                                if (j == 0)
                                        goto done;
                                /* an unpadded last quantum */
                                bad = si - j;
                                goto fail;
                        }
                        c = s[si++];
                        v = b64_value(c);
                        if (v >= 0) {
                                q[j] = (unsigned char) v;
                                continue;
                        }
                        if (c == '\n' || c == '\r') {
                                j--;
                                continue;
                        }
                        if (c != '=' || j < 2) {
                                bad = si - 1;
                                goto fail;
                        }
                        if (j == 2) {
                                /* "==" is needed: the first '=' is taken, find the second */
                                si = skip_newlines(s, len, si);
                                if (si == len) {
                                        bad = len;
                                        goto fail;
                                }
                                if (s[si] != '=') {
                                        bad = si - 1;
                                        goto fail;
                                }
                                si++;
                        }
                        si = skip_newlines(s, len, si);
                        if (si < len) {
                                bad = si; /* data after the padding */
                                goto fail;
                        }
                        n = j;
                        break;
                }
                for (size_t k = n; k < 4; k++)
                        q[k] = 0;
                *o++ = (unsigned char) (q[0] << 2 | q[1] >> 4);
                if (n > 2)
                        *o++ = (unsigned char) (q[1] << 4 | q[2] >> 2);
                if (n > 3)
                        *o++ = (unsigned char) (q[2] << 6 | q[3]);
                if (n < 4)
                        break;
        }
done:
        *o = 0;
        *ret_len = (size_t) (o - out);
        *ret = (char *) TAKE_PTR(out);
        return 0;
fail:
        if (ret_bad_offset)
                *ret_bad_offset = bad;
        return -EINVAL;
}

char *base64_encode(const void *data, size_t len) {
        const unsigned char *p = data;
        char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
        size_t i;

        if (!out)
                return NULL;
        for (i = 0; i + 2 < len; i += 3) {
                *o++ = alphabet[p[i] >> 2];
                *o++ = alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
                *o++ = alphabet[((p[i + 1] & 0xf) << 2) | (p[i + 2] >> 6)];
                *o++ = alphabet[p[i + 2] & 0x3f];
        }
        if (len - i == 1) {
                *o++ = alphabet[p[i] >> 2];
                *o++ = alphabet[(p[i] & 3) << 4];
                *o++ = '=';
                *o++ = '=';
        } else if (len - i == 2) {
                *o++ = alphabet[p[i] >> 2];
                *o++ = alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
                *o++ = alphabet[(p[i + 1] & 0xf) << 2];
                *o++ = '=';
        }
        *o = 0;
        return out;
}
