#pragma once

#include <stddef.h>

/* Decodes standard base64 with padding, as Go's base64.StdEncoding (and so Kubernetes) does: '\r' and
 * '\n' are skipped; anything else outside the alphabet, or a missing or misplaced '=', is an error;
 * non-zero trailing bits are ignored (Go's StdEncoding is not strict). Returns 0 with a new buffer in *ret (NUL-terminated, *ret_len bytes
 * without the terminator), -ENOMEM, or -EINVAL with *ret_bad_offset (when not NULL) the byte offset of
 * the first bad input character, as Go reports it ("illegal base64 data at input byte N"). */
int base64_decode(const char *s, size_t len, char **ret, size_t *ret_len, size_t *ret_bad_offset);

/* Returns a new NUL-terminated standard base64 encoding of data, or NULL on OOM. */
char *base64_encode(const void *data, size_t len);
