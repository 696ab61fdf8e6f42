#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/arena.h"
#include "common/macro.h"

struct ArenaChunk {
        ArenaChunk *next;
        size_t used;
        size_t size;
        max_align_t data[];
};

/* Chunks grow geometrically from 64 KiB to 4 MiB: a small document costs one small chunk, a 5 MB
 * stream a few large ones. Chunks of 2 MiB and more are aligned to 2 MiB and offered to transparent
 * huge pages: filling 30 MiB of fresh memory one 4 KiB page fault at a time costs ~20 ms otherwise. */
#define ARENA_CHUNK_MIN (64u * 1024u)
#define ARENA_CHUNK_MAX (4u * 1024u * 1024u)
#define HUGE_PAGE (2u * 1024u * 1024u)

Arena *arena_new(void) {
        return calloc(1, sizeof(Arena));
}

Arena *arena_free(Arena *a) {
        if (!a)
                return NULL;
        for (ArenaChunk *c = a->chunks, *n; c; c = n) {
                n = c->next;
                free(c);
        }
        free(a);
        return NULL;
}

static ArenaChunk *chunk_new(size_t want) {
        ArenaChunk *c = NULL;

        if (want > SIZE_MAX - sizeof(ArenaChunk))
                return NULL;
        if (want >= HUGE_PAGE) {
                /* Round the whole chunk up to huge pages, so none is left half used. */
                size_t total = (sizeof(ArenaChunk) + want + HUGE_PAGE - 1) & ~((size_t) HUGE_PAGE - 1);
                if (posix_memalign((void **) &c, HUGE_PAGE, total) != 0)
                        return NULL;
                (void) madvise(c, total, MADV_HUGEPAGE); /* a hint: without THP it is just memory */
                want = total - sizeof(ArenaChunk);
        } else {
                c = malloc(sizeof(ArenaChunk) + want);
                if (!c)
                        return NULL;
        }
        c->used = 0;
        c->size = want;
        return c;
}

/* Returns size bytes aligned to align (a power of two), not zeroed, or NULL. */
static void *arena_alloc_raw(Arena *a, size_t size, size_t align) {
        ArenaChunk *c = a->chunks;
        size_t off;
        void *p;

        if (size > SIZE_MAX / 2)
                return NULL;
        if (size == 0)
                size = 1;
        off = c ? (c->used + align - 1) & ~(align - 1) : 0;
        if (!c || off > c->size || c->size - off < size) {
                size_t next = c ? MIN(MAX(c->size * 2, (size_t) ARENA_CHUNK_MIN), (size_t) ARENA_CHUNK_MAX)
                                : ARENA_CHUNK_MIN;
                size_t want = MAX(size, next);

                c = chunk_new(want);
                if (!c)
                        return NULL;
                /* A large allocation gets a chunk of its own behind the current one, so the space
                 * left in the current chunk stays usable. */
                if (a->chunks && size > next / 2 && a->chunks->size - a->chunks->used > 256) {
                        c->next = a->chunks->next;
                        a->chunks->next = c;
                } else {
                        c->next = a->chunks;
                        a->chunks = c;
                }
                off = 0;
        }
        p = (char *) c->data + off;
        c->used = off + size;
        a->total += size;
        return p;
}

void *arena_alloc(Arena *a, size_t size) {
        void *p = arena_alloc_raw(a, size, _Alignof(max_align_t));

        if (p)
                memset(p, 0, size);
        return p;
}

void *arena_alloc_array(Arena *a, size_t size, size_t n) {
        if (size && n > SIZE_MAX / size)
                return NULL;
        return arena_alloc(a, size * n);
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
        char *p;

        if (n == SIZE_MAX)
                return NULL;
        /* Strings need no alignment and no zeroing: every byte is written below. */
        p = arena_alloc_raw(a, n + 1, 1);
        if (!p)
                return NULL;
        memcpy(p, s, n);
        p[n] = 0;
        return p;
}

char *arena_strdup(Arena *a, const char *s) {
        return arena_strndup(a, s, strlen(s));
}

char *arena_printf(Arena *a, const char *fmt, ...) {
        va_list ap;
        char *tmp, *r;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&tmp, fmt, ap);
        va_end(ap);
        if (n < 0)
                return NULL;
        r = arena_strndup(a, tmp, (size_t) n);
        free(tmp);
        return r;
}

char *arena_concat(Arena *a, const char *s, ...) {
        va_list ap;
        size_t len = 0;
        char *r, *p;

        va_start(ap, s);
        for (const char *x = s; x; x = va_arg(ap, const char *))
                len += strlen(x);
        va_end(ap);
        r = p = arena_alloc_raw(a, len + 1, 1);
        if (!r)
                return NULL;
        va_start(ap, s);
        for (const char *x = s; x; x = va_arg(ap, const char *)) {
                size_t n = strlen(x);

                memcpy(p, x, n);
                p += n;
        }
        va_end(ap);
        *p = 0;
        return r;
}

void arena_reset(Arena *a) {
        ArenaChunk *keep = a->chunks;

        if (!keep)
                return;
        for (ArenaChunk *c = keep->next, *n; c; c = n) {
                n = c->next;
                free(c);
        }
        keep->next = NULL;
        keep->used = 0;
        a->total = 0;
}

void arena_adopt(Arena *a, Arena *b) {
        ArenaChunk *last = b->chunks;

        if (!last) {
                free(b);
                return;
        }
        while (last->next)
                last = last->next;
        /* Behind a's current chunk, so a keeps allocating where it was. */
        if (a->chunks) {
                last->next = a->chunks->next;
                a->chunks->next = b->chunks;
        } else
                a->chunks = b->chunks;
        a->total += b->total;
        free(b);
}
