#pragma once

/* A growable NUL-terminated string buffer, in the spirit of git's strbuf.h.
 *
 * A StrBuf starts zeroed (STRBUF_INIT) and is always NUL-terminated once anything was added. Adding
 * never fails loudly: after an allocation failure the buffer keeps what it had, remembers the failure,
 * and every later call returns -ENOMEM, so callers can add many pieces and check once with
 * strbuf_ok() or the return value of strbuf_detach(). */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/macro.h"

typedef struct StrBuf {
        char *buf;
        size_t len;
        size_t alloc;
        bool oom;
} StrBuf;

#define STRBUF_INIT {}

int strbuf_add(StrBuf *sb, const void *data, size_t len);
int strbuf_puts(StrBuf *sb, const char *s);
int strbuf_putc(StrBuf *sb, char c);
int strbuf_addf(StrBuf *sb, const char *fmt, ...) _printf_(2, 3);
int strbuf_vaddf(StrBuf *sb, const char *fmt, va_list ap) _printf_(2, 0);
/* Appends s as a JSON/YAML-style double-quoted string with escapes. */
int strbuf_add_quoted(StrBuf *sb, const char *s);
void strbuf_truncate(StrBuf *sb, size_t len);

static inline bool strbuf_ok(const StrBuf *sb) {
        return !sb->oom;
}

/* Returns the string (owned by the caller; "" for an empty buffer) and resets sb, or NULL if any
 * earlier addition failed (the buffer is released then). */
char *strbuf_detach(StrBuf *sb);
void strbuf_release(StrBuf *sb);
