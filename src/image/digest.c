#include "image/digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct DigestHasher {
        EVP_MD_CTX *ctx;
        size_t size;
        bool finished;
};

int digest_hasher_new(DigestHasher **ret) {
        DigestHasher *h = calloc(1, sizeof(*h));

        if (!h)
                return -ENOMEM;
        h->ctx = EVP_MD_CTX_new();
        if (!h->ctx) {
                free(h);
                return -ENOMEM;
        }
        if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
                digest_hasher_free(h);
                return -EIO;
        }
        *ret = h;
        return 0;
}

DigestHasher *digest_hasher_free(DigestHasher *h) {
        if (!h)
                return NULL;
        EVP_MD_CTX_free(h->ctx);
        free(h);
        return NULL;
}

int digest_hasher_update(DigestHasher *h, const void *data, size_t len) {
        if (h->finished)
                return -EINVAL;
        if (len == 0)
                return 0;
        if (EVP_DigestUpdate(h->ctx, data, len) != 1)
                return -EIO;
        h->size += len;
        return 0;
}

size_t digest_hasher_size(const DigestHasher *h) {
        return h->size;
}

int digest_hasher_final(DigestHasher *h, char ret[static DIGEST_STRING_SIZE]) {
        static const char hexdigits[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        char *p;

        if (h->finished)
                return -EINVAL;
        h->finished = true;
        if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n * 2 != DIGEST_SHA256_HEX_LEN)
                return -EIO;
        p = stpcpy(ret, DIGEST_SHA256_PREFIX);
        for (unsigned i = 0; i < n; i++) {
                *p++ = hexdigits[md[i] >> 4];
                *p++ = hexdigits[md[i] & 15];
        }
        *p = 0;
        return 0;
}

int digest_buffer(const void *data, size_t len, char ret[static DIGEST_STRING_SIZE]) {
        _cleanup_(digest_hasher_freep) DigestHasher *h = NULL;
        int r;

        r = digest_hasher_new(&h);
        if (r < 0)
                return r;
        r = digest_hasher_update(h, data, len);
        if (r < 0)
                return r;
        return digest_hasher_final(h, ret);
}

bool digest_hex_is_valid(const char *s) {
        size_t n = 0;

        if (!s)
                return false;
        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == DIGEST_SHA256_HEX_LEN;
}

static int reason(char **ret_reason, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int reason(char **ret_reason, int error, const char *fmt, ...) {
        va_list ap;

        if (!ret_reason)
                return error;
        va_start(ap, fmt);
        if (vasprintf(ret_reason, fmt, ap) < 0)
                *ret_reason = NULL;
        va_end(ap);
        return error;
}

int digest_parse(const char *s, const char **ret_hex, char **ret_reason) {
        const char *colon, *hex;
        size_t alg_len, n;

        if (!s || !*s)
                return reason(ret_reason, -EINVAL, "invalid digest \"\": empty");
        colon = strchr(s, ':');
        if (!colon)
                return reason(ret_reason, -EINVAL, "invalid digest \"%.80s\": missing \"algorithm:\"", s);
        alg_len = (size_t) (colon - s);
        if (alg_len == 0)
                return reason(ret_reason, -EINVAL, "invalid digest \"%.80s\": empty algorithm", s);
        for (size_t i = 0; i < alg_len; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
                      || (i > 0 && strchr("+._-", s[i]))))
                        return reason(ret_reason, -EINVAL, "invalid digest \"%.80s\": bad algorithm name",
                                      s);
        hex = colon + 1;
        if (alg_len != 6 || strncmp(s, "sha256", 6) != 0)
                return reason(ret_reason, -EOPNOTSUPP,
                              "unsupported digest algorithm \"%.*s\" (only sha256 is supported)",
                              (int) (alg_len > 32 ? 32 : alg_len), s);
        n = strlen(hex);
        for (size_t i = 0; i < n; i++)
                if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
                        return reason(
                                ret_reason, -EINVAL,
                                "invalid digest \"%.80s\": sha256 needs lowercase hex digits, got '%c'", s,
                                (hex[i] >= 0x20 && hex[i] < 0x7f) ? hex[i] : '?');
        if (n != DIGEST_SHA256_HEX_LEN)
                return reason(ret_reason, -EINVAL,
                              "invalid digest \"%.80s\": sha256 needs 64 hex digits, got %zu", s, n);
        if (ret_hex)
                *ret_hex = hex;
        return 0;
}

bool digest_is_valid(const char *s) {
        return digest_parse(s, NULL, NULL) == 0;
}
