#pragma once

/* Diagnostics about a user's input: a severity, where (file, 1-based line and column, the field path
 * such as "spec.containers[1].ports[0].containerPort") and what. Parsers stop at the first syntax
 * error and return one Diag; validators collect every problem in a DiagList, so a user sees all of
 * them at once.
 *
 * Formatted as "pod.yaml:12:9: spec.containers[1].ports[0].containerPort: must be between 1 and 65535,
 * got 70000" for errors and "pod.yaml:3:3: warning: metadata.foo: unknown field, ignoring" for
 * warnings. Parts that are unknown are left out (no ":0:0"). */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/cleanup.h"
#include "common/macro.h"

typedef enum DiagSeverity {
        DIAG_ERROR,
        DIAG_WARNING,
        _DIAG_SEVERITY_MAX,
        _DIAG_SEVERITY_INVALID = -EINVAL,
} DiagSeverity;

typedef struct Diag {
        DiagSeverity severity;
        char *file;      /* may be NULL */
        unsigned line;   /* 1-based; 0 when unknown */
        unsigned column; /* 1-based; 0 when unknown */
        char *path;      /* field path; may be NULL */
        char *message;
} Diag;

typedef struct DiagList {
        Diag *items;
        size_t n;
        size_t alloc;
        size_t n_errors;
        size_t n_warnings;
        bool oom; /* an addition failed: the list is incomplete */
} DiagList;

#define DIAG_LIST_INIT {}

/* Frees d; accepts NULL and returns NULL. */
Diag *diag_free(Diag *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(Diag *, diag_free);

/* Makes a new error Diag in *reterr (when reterr is not NULL) and returns error (a -errno), so that
 * a parser can write `return diag_set(reterr, -EINVAL, file, line, col, path, "required");`. On OOM
 * *reterr stays NULL and -ENOMEM is returned instead. */
int diag_set(Diag **reterr, int error, const char *file, unsigned line, unsigned column, const char *path,
             const char *fmt, ...) _printf_(7, 8);

/* Adds one diagnostic. Returns 0 or -ENOMEM (the list remembers the failure in ->oom). */
int diag_list_add(DiagList *l, DiagSeverity sev, const char *file, unsigned line, unsigned column,
                  const char *path, const char *fmt, ...) _printf_(7, 8);
int diag_list_addv(DiagList *l, DiagSeverity sev, const char *file, unsigned line, unsigned column,
                   const char *path, const char *fmt, va_list ap) _printf_(7, 0);
/* Moves d into the list (d is freed in every case). */
int diag_list_take(DiagList *l, Diag *d);
void diag_list_done(DiagList *l);

/* Orders the list by file (in order of first appearance), line and column; stable. */
void diag_list_sort(DiagList *l);

/* Returns a new string "file:line:col: [warning: ]path: message", or NULL on OOM. */
char *diag_format(const Diag *d);
/* Prints every diagnostic, one per line. */
void diag_list_print(const DiagList *l, FILE *f);
