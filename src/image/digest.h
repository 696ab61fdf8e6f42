#pragma once

/* Content digests as the OCI image spec writes them: "sha256:" followed by 64 lowercase hex digits.
 *
 * The store accepts only sha256 (every registry and every image tool writes it; sha512 digests are
 * legal in the spec but we cannot verify content we have not hashed the same way, so they are refused
 * with -EOPNOTSUPP rather than silently trusted).
 *
 * Hashing streams: a DigestHasher takes the bytes as they arrive (from the network or from a tar
 * reader), so nothing needs to be held in memory or read twice. It wraps libcrypto's EVP interface. */

#include <stdbool.h>
#include <stddef.h>

#include "common/cleanup.h"

#define DIGEST_SHA256_PREFIX "sha256:"
#define DIGEST_SHA256_HEX_LEN 64
/* "sha256:" + 64 hex digits + NUL */
#define DIGEST_STRING_SIZE (sizeof(DIGEST_SHA256_PREFIX) - 1 + DIGEST_SHA256_HEX_LEN + 1)

typedef struct DigestHasher DigestHasher;

/* Returns 0 and a new sha256 hasher in *ret (free with digest_hasher_free()), or -ENOMEM. */
int digest_hasher_new(DigestHasher **ret);
DigestHasher *digest_hasher_free(DigestHasher *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(DigestHasher *, digest_hasher_free);

/* Adds len bytes. Returns 0, or -EIO when libcrypto fails. */
int digest_hasher_update(DigestHasher *h, const void *data, size_t len);

/* Writes "sha256:<hex>" of everything added so far into ret (DIGEST_STRING_SIZE bytes). The hasher is
 * finished afterwards: further updates or finals give -EINVAL. Returns 0 or -EIO/-EINVAL. */
int digest_hasher_final(DigestHasher *h, char ret[static DIGEST_STRING_SIZE]);

/* Number of bytes hashed so far. */
size_t digest_hasher_size(const DigestHasher *h);

/* One-shot digest of a buffer into ret. Returns 0 or -ENOMEM/-EIO. */
int digest_buffer(const void *data, size_t len, char ret[static DIGEST_STRING_SIZE]);

/* Checks that s is a digest the store can verify: "sha256:" + 64 lowercase hex digits. Returns 0 and
 * (when ret_hex is not NULL) a pointer to the hex part inside s (borrowed), or:
 *   -EINVAL      s is not a digest at all; *ret_reason (when not NULL) says why, e.g.
 *                "invalid digest \"sha256:xyz\": sha256 needs 64 hex digits, got 3";
 *   -EOPNOTSUPP  a well-formed digest of another algorithm ("sha512:…"): "unsupported digest algorithm
 *                \"sha512\" (only sha256 is supported)".
 * The reason is a new string the caller frees (NULL on OOM: then the return is still the error). */
int digest_parse(const char *s, const char **ret_hex, char **ret_reason);

/* True when s is a valid sha256 digest (digest_parse() returns 0). */
bool digest_is_valid(const char *s);

/* True when s is exactly 64 lowercase hex digits (an image id or a digest's hex part). */
bool digest_hex_is_valid(const char *s);
