/* Hand-written rather than taken from OpenSSL: libplay must stay free of libcrypto (it is pure and
 * fuzzed on its own), and EVP_DecodeBlock is lax about padding and trailing garbage where Kubernetes
 * is strict. 60 lines, tested in test-base64. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/base64.h"

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

int base64_decode(const char *s, size_t len, char **ret, size_t *ret_len, size_t *ret_bad_offset) {
        unsigned char *out = malloc(len / 4 * 3 + 4), *o = out;
        uint32_t acc = 0;
        size_t n = 0, pad = 0, i, last = 0;

        if (!out)
                return -ENOMEM;
        for (i = 0; i < len; i++) {
                char c = s[i];
                int v;

                if (c == '\r' || c == '\n')
                        continue;
                if (c == '=') {
                        /* Padding only completes a quantum of 2 or 3 characters. */
                        if (pad == 0 && n % 4 < 2)
                                goto bad;
                        pad++;
                        n++;
                        last = i;
                        continue;
                }
                if (pad > 0)
                        goto bad; /* data after padding */
                v = b64_value(c);
                if (v < 0)
                        goto bad;
                acc = acc << 6 | (uint32_t) v;
                n++;
                last = i;
                if (n % 4 == 0) {
                        *o++ = (unsigned char) (acc >> 16);
                        *o++ = (unsigned char) (acc >> 8);
                        *o++ = (unsigned char) acc;
                        acc = 0;
                }
        }
        if (pad > 0) {
                size_t data = n - pad; /* characters of the last quantum that carry data */
                if (n % 4 != 0 || pad > 2 || (data % 4) + pad != 4)
                        goto bad_end;
                if (data % 4 == 2) {
                        if (acc & 0xf)
                                goto bad_end;
                        *o++ = (unsigned char) (acc >> 4);
                } else if (data % 4 == 3) {
                        if (acc & 0x3)
                                goto bad_end;
                        *o++ = (unsigned char) (acc >> 10);
                        *o++ = (unsigned char) (acc >> 2);
                }
        } else if (n % 4 != 0)
                goto bad_end;
        *o = 0;
        *ret_len = (size_t) (o - out);
        *ret = (char *) out;
        return 0;
bad_end:
        i = last;
bad:
        free(out);
        if (ret_bad_offset)
                *ret_bad_offset = i;
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
