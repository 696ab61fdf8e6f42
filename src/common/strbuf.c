#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

static int strbuf_grow(StrBuf *sb, size_t extra) {
        size_t want;
        char *b;

        if (sb->oom)
                return -ENOMEM;
        if (extra > SIZE_MAX / 2 - sb->len)
                goto fail;
        want = sb->len + extra + 1;
        if (want <= sb->alloc)
                return 0;
        want = MAX(want, sb->alloc * 2);
        want = MAX(want, (size_t) 64);
        b = realloc(sb->buf, want);
        if (!b)
                goto fail;
        sb->buf = b;
        sb->alloc = want;
        return 0;
fail:
        sb->oom = true;
        return -ENOMEM;
}

int strbuf_add(StrBuf *sb, const void *data, size_t len) {
        if (strbuf_grow(sb, len) < 0)
                return -ENOMEM;
        memcpy(sb->buf + sb->len, data, len);
        sb->len += len;
        sb->buf[sb->len] = 0;
        return 0;
}

int strbuf_puts(StrBuf *sb, const char *s) {
        return strbuf_add(sb, s, strlen(s));
}

int strbuf_putc(StrBuf *sb, char c) {
        return strbuf_add(sb, &c, 1);
}

int strbuf_vaddf(StrBuf *sb, const char *fmt, va_list ap) {
        va_list aq;
        int n;

        if (strbuf_grow(sb, 64) < 0)
                return -ENOMEM;
        va_copy(aq, ap);
        n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, aq);
        va_end(aq);
        if (n < 0) {
                sb->buf[sb->len] = 0;
                return -EINVAL;
        }
        if ((size_t) n >= sb->alloc - sb->len) {
                if (strbuf_grow(sb, (size_t) n) < 0)
                        return -ENOMEM;
                n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
                if (n < 0)
                        return -EINVAL;
        }
        sb->len += (size_t) n;
        return 0;
}

int strbuf_addf(StrBuf *sb, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = strbuf_vaddf(sb, fmt, ap);
        va_end(ap);
        return r;
}

int strbuf_add_quoted(StrBuf *sb, const char *s) {
        strbuf_putc(sb, '"');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                switch (*p) {
                case '"':
                        strbuf_puts(sb, "\\\"");
                        break;
                case '\\':
                        strbuf_puts(sb, "\\\\");
                        break;
                case '\n':
                        strbuf_puts(sb, "\\n");
                        break;
                case '\t':
                        strbuf_puts(sb, "\\t");
                        break;
                case '\r':
                        strbuf_puts(sb, "\\r");
                        break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                strbuf_addf(sb, "\\x%02x", (unsigned) *p);
                        else
                                strbuf_putc(sb, (char) *p);
                }
        }
        return strbuf_putc(sb, '"');
}

void strbuf_truncate(StrBuf *sb, size_t len) {
        if (len < sb->len) {
                sb->len = len;
                sb->buf[len] = 0;
        }
}

char *strbuf_detach(StrBuf *sb) {
        char *r;

        if (sb->oom) {
                strbuf_release(sb);
                return NULL;
        }
        r = sb->buf ?: strdup("");
        *sb = (StrBuf) STRBUF_INIT;
        return r;
}

void strbuf_release(StrBuf *sb) {
        free(sb->buf);
        *sb = (StrBuf) STRBUF_INIT;
}
