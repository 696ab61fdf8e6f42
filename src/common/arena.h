#pragma once

/* A bump allocator. Everything allocated from an Arena is freed at once by arena_free(); nothing is
 * freed on its own. The YAML node tree and the Kubernetes model live in one arena per input, which
 * keeps a 5 MB stream down to a few large allocations and makes aliases (shared nodes) free to hold. */

#include <stddef.h>

#include "common/cleanup.h"

typedef struct ArenaChunk ArenaChunk;

typedef struct Arena {
        ArenaChunk *chunks;
        size_t total; /* bytes handed out, for the size limits of callers */
} Arena;

Arena *arena_new(void);
/* Frees every allocation and the arena; accepts NULL and returns NULL. */
Arena *arena_free(Arena *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(Arena *, arena_free);

/* Frees every allocation but keeps a's current chunk for the next ones: an arena reused for one item
 * after another (the generator's output units) then costs no malloc, free or fresh page per item. */
void arena_reset(Arena *a);

/* Moves every allocation of b into a (freed with a from now on) and frees b itself. */
void arena_adopt(Arena *a, Arena *b);

/* Returns zeroed memory aligned for any type, or NULL on OOM. */
void *arena_alloc(Arena *a, size_t size);
/* Returns a NUL-terminated copy of the first n bytes of s (which may hold NULs), or NULL on OOM. */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The concatenation of the strings given, up to a NULL: arena_printf("%s%s%s") without printf, for
 * names built by the thousand. NULL on OOM. */
char *arena_concat(Arena *a, const char *s, ...) __attribute__((sentinel));

#define arena_new0(a, type, n) ((type *) arena_alloc_array((a), sizeof(type), (n)))
void *arena_alloc_array(Arena *a, size_t size, size_t n);
