#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/macro.h"

struct ArenaChunk {
        ArenaChunk *next;
        size_t used;
        size_t size;
        max_align_t data[];
};

#define ARENA_CHUNK_MIN (64 * 1024)

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

void *arena_alloc(Arena *a, size_t size) {
        const size_t align = _Alignof(max_align_t);
        ArenaChunk *c = a->chunks;
        void *p;

        if (size > SIZE_MAX - align - sizeof(ArenaChunk))
                return NULL; /* rounding up would wrap */
        size = (size + align - 1) & ~(align - 1);
        if (size == 0)
                size = align;
        if (!c || c->size - c->used < size) {
                size_t want = MAX(size, (size_t) ARENA_CHUNK_MIN);

                if (want > SIZE_MAX - sizeof(ArenaChunk))
                        return NULL;
                c = malloc(sizeof(ArenaChunk) + want);
                if (!c)
                        return NULL;
                c->used = 0;
                c->size = want;
                /* A large allocation gets a chunk of its own behind the current one, so the space
                 * left in the current chunk stays usable. */
                if (a->chunks && want == size && a->chunks->size - a->chunks->used > 256) {
                        c->next = a->chunks->next;
                        a->chunks->next = c;
                } else {
                        c->next = a->chunks;
                        a->chunks = c;
                }
        }
        p = (char *) c->data + c->used;
        c->used += size;
        a->total += size;
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
        p = arena_alloc(a, n + 1);
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
