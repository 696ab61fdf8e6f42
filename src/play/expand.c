#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "play/expand.h"

/* A minimal growable buffer, so that this pure module stands on libc alone. */
typedef struct Out {
        char *buf;
        size_t len, alloc;
} Out;

static int out_add(Out *o, const char *data, size_t n) {
        if (o->alloc - o->len <= n) {
                size_t want = o->len + n + 1;
                char *b;

                if (want < o->len)
                        return -ENOMEM;
                want = want < 64 ? 64 : want;
                if (want < o->alloc * 2)
                        want = o->alloc * 2;
                b = realloc(o->buf, want);
                if (!b)
                        return -ENOMEM;
                o->buf = b;
                o->alloc = want;
        }
        memcpy(o->buf + o->len, data, n);
        o->len += n;
        o->buf[o->len] = 0;
        return 0;
}

/* A transliteration of kubernetes/third_party/forked/golang/expansion.Expand(): scan for '$'; what
 * follows decides what is written and how far to skip. Everything between operators is copied
 * unchanged, as one slice from the last checkpoint. */
char *k8s_expand(const char *in, ExpandLookup lookup, void *userdata) {
        _cleanup_free_ char *name = NULL;
        Out o = {};
        const char *checkpoint, *p;
        bool closed_somewhere = true;
        int r = 0;

        if (!in)
                return NULL;

        for (checkpoint = p = in; *p; p++) {
                /* A '$' as the very last character is plain text. */
                if (*p != '$' || p[1] == '\0')
                        continue;

                r = out_add(&o, checkpoint, (size_t) (p - checkpoint));
                if (r < 0)
                        break;

                if (p[1] == '$') {
                        /* "$$" is an escaped '$'; the second one cannot start a reference. */
                        r = out_add(&o, "$", 1);
                        p++;
                } else if (p[1] == '(') {
                        /* The name runs to the first ')', whatever it contains, so "$(A$(B))" asks
                         * for "A$(B" and keeps the final ')' as text. */
                        const char *close = closed_somewhere ? strchr(p + 2, ')') : NULL;

                        if (!close) {
                                /* Unclosed: "$(" stays, and scanning resumes right after it.
                                 * No later "$(" can be closed either, and not searching again
                                 * keeps "$($($(…" linear. */
                                closed_somewhere = false;
                                r = out_add(&o, "$(", 2);
                                p++;
                        } else {
                                const char *value;

                                free(name);
                                name = strndup(p + 2, (size_t) (close - p - 2));
                                if (!name) {
                                        r = -ENOMEM;
                                        break;
                                }
                                value = lookup ? lookup(name, userdata) : NULL;
                                if (value)
                                        r = out_add(&o, value, strlen(value));
                                else
                                        /* Unknown names stay as written, "$(NAME)". */
                                        r = out_add(&o, p, (size_t) (close - p + 1));
                                p = close;
                        }
                } else {
                        /* '$' before anything else stays, together with that one byte. Go writes
                         * string(input[0]) here, which turns a byte >= 0x80 into a two-byte rune; we
                         * keep the input bytes as they are. */
                        r = out_add(&o, p, 2);
                        p++;
                }
                if (r < 0)
                        break;

                checkpoint = p + 1;
        }

        /* The tail after the last reference; also makes sure "" gives an allocated "". */
        if (r >= 0)
                r = out_add(&o, checkpoint, strlen(checkpoint));
        if (r < 0) {
                free(o.buf);
                return NULL;
        }
        return o.buf;
}
