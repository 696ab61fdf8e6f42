#pragma once

/* NULL-terminated string vectors (char **) that own their strings. */

#include <stdarg.h>
#include <stddef.h>

#include "common/cleanup.h"
#include "common/macro.h"

/* Frees every string and the vector; accepts NULL and returns NULL. */
char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);

/* Appends a copy of s (strv_extend) or s itself, taking ownership (strv_consume, which frees s on
 * failure). Return 0 or -ENOMEM; *l may be NULL. */
int strv_extend(char ***l, const char *s);
int strv_consume(char ***l, char *s);
int strv_extendf(char ***l, const char *fmt, ...) _printf_(2, 3);

bool strv_contains(char *const *l, const char *s);

/* Returns a new copy of l (NULL for an empty or NULL l is not an error: *ret may become NULL). */
int strv_copy(char *const *l, char ***ret);

/* Joins with sep; returns a new string or NULL on OOM. */
char *strv_join(char *const *l, const char *sep);
