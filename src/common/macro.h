#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _pure_ __attribute__((pure))
#define _noreturn_ __attribute__((noreturn))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

/* True when x equals one of the following values. */
#define IN_SET(x, ...)                                                          \
        ({                                                                      \
                bool _found_ = false;                                           \
                __typeof__(x) _x_ = (x);                                        \
                const __typeof__(x) _set_[] = { __VA_ARGS__ };                  \
                for (size_t _i_ = 0; _i_ < ELEMENTSOF(_set_); _i_++)            \
                        if (_set_[_i_] == _x_)                                  \
                                _found_ = true;                                 \
                _found_;                                                        \
        })

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

static inline bool isempty(const char *s) {
        return !s || !*s;
}

static inline const char *strempty(const char *s) {
        return s ?: "";
}

/* Returns the rest of s after prefix, or NULL when s does not start with prefix. */
static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

bool endswith(const char *s, const char *suffix);

/* Iterates a NULL-terminated array of strings. */
#define STRV_FOREACH(s, l) for (char **s = (l); s && *s; s++)
#define FOREACH_ARRAY(i, array, num) for (__typeof__(&(array)[0]) i = (array); i && i < (array) + (num); i++)
