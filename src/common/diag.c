#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/strbuf.h"

Diag *diag_free(Diag *d) {
        if (!d)
                return NULL;
        free(d->file);
        free(d->path);
        free(d->message);
        free(d);
        return NULL;
}

static void diag_done(Diag *d) {
        free(d->file);
        free(d->path);
        free(d->message);
}

static int diag_fill(Diag *d, DiagSeverity sev, const char *file, unsigned line, unsigned column,
                     const char *path, const char *fmt, va_list ap) _printf_(7, 0);

static int diag_fill(Diag *d, DiagSeverity sev, const char *file, unsigned line, unsigned column,
                     const char *path, const char *fmt, va_list ap) {
        *d = (Diag) {
                .severity = sev,
                .line = line,
                .column = column,
        };
        if (file && !(d->file = strdup(file)))
                goto oom;
        if (path && *path && !(d->path = strdup(path)))
                goto oom;
        if (vasprintf(&d->message, fmt, ap) < 0) {
                d->message = NULL;
                goto oom;
        }
        return 0;
oom:
        diag_done(d);
        return -ENOMEM;
}

int diag_set(Diag **reterr, int error, const char *file, unsigned line, unsigned column, const char *path,
             const char *fmt, ...) {
        va_list ap;
        Diag *d;
        int r;

        if (!reterr)
                return error;
        d = malloc(sizeof(Diag));
        if (!d)
                return -ENOMEM;
        va_start(ap, fmt);
        r = diag_fill(d, DIAG_ERROR, file, line, column, path, fmt, ap);
        va_end(ap);
        if (r < 0) {
                free(d);
                return r;
        }
        *reterr = d;
        return error;
}

static int diag_list_grow(DiagList *l) {
        Diag *n;
        size_t a;

        if (l->n < l->alloc)
                return 0;
        a = MAX(l->alloc * 2, (size_t) 8);
        n = realloc(l->items, a * sizeof(Diag));
        if (!n) {
                l->oom = true;
                return -ENOMEM;
        }
        l->items = n;
        l->alloc = a;
        return 0;
}

static void diag_list_count(DiagList *l, DiagSeverity sev) {
        if (sev == DIAG_ERROR)
                l->n_errors++;
        else
                l->n_warnings++;
}

int diag_list_addv(DiagList *l, DiagSeverity sev, const char *file, unsigned line, unsigned column,
                   const char *path, const char *fmt, va_list ap) {
        if (diag_list_grow(l) < 0)
                return -ENOMEM;
        if (diag_fill(&l->items[l->n], sev, file, line, column, path, fmt, ap) < 0) {
                l->oom = true;
                return -ENOMEM;
        }
        l->n++;
        diag_list_count(l, sev);
        return 0;
}

int diag_list_add(DiagList *l, DiagSeverity sev, const char *file, unsigned line, unsigned column,
                  const char *path, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_list_addv(l, sev, file, line, column, path, fmt, ap);
        va_end(ap);
        return r;
}

int diag_list_take(DiagList *l, Diag *d) {
        if (!d)
                return 0;
        if (diag_list_grow(l) < 0) {
                diag_free(d);
                return -ENOMEM;
        }
        l->items[l->n++] = *d;
        diag_list_count(l, d->severity);
        free(d);
        return 0;
}

void diag_list_done(DiagList *l) {
        for (size_t i = 0; i < l->n; i++)
                diag_done(&l->items[i]);
        free(l->items);
        *l = (DiagList) DIAG_LIST_INIT;
}

static size_t file_rank(const DiagList *l, const char *file) {
        for (size_t i = 0; i < l->n; i++)
                if (streq_ptr(l->items[i].file, file))
                        return i;
        return l->n;
}

void diag_list_sort(DiagList *l) {
        /* Insertion sort: lists are short, already nearly sorted, and it is stable. Each item's key is
         * computed on the fly; file ranks refer to the order before sorting, so compute them first. */
        size_t *rank;

        if (l->n < 2)
                return;
        rank = malloc(l->n * sizeof(size_t));
        if (!rank)
                return; /* unsorted output is still correct output */
        for (size_t i = 0; i < l->n; i++)
                rank[i] = file_rank(l, l->items[i].file);
        for (size_t i = 1; i < l->n; i++) {
                Diag d = l->items[i];
                size_t rk = rank[i], j = i;

                while (j > 0) {
                        const Diag *p = &l->items[j - 1];
                        if (rank[j - 1] < rk || (rank[j - 1] == rk && (p->line < d.line ||
                                                                      (p->line == d.line && p->column <= d.column))))
                                break;
                        l->items[j] = l->items[j - 1];
                        rank[j] = rank[j - 1];
                        j--;
                }
                l->items[j] = d;
                rank[j] = rk;
        }
        free(rank);
}

char *diag_format(const Diag *d) {
        StrBuf sb = STRBUF_INIT;

        if (d->file) {
                strbuf_puts(&sb, d->file);
                if (d->line > 0) {
                        strbuf_addf(&sb, ":%u", d->line);
                        if (d->column > 0)
                                strbuf_addf(&sb, ":%u", d->column);
                }
                strbuf_puts(&sb, ": ");
        }
        if (d->severity == DIAG_WARNING)
                strbuf_puts(&sb, "warning: ");
        if (d->path)
                strbuf_addf(&sb, "%s: ", d->path);
        strbuf_puts(&sb, d->message);
        return strbuf_detach(&sb);
}

void diag_list_print(const DiagList *l, FILE *f) {
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_free_ char *s = diag_format(&l->items[i]);
                if (s)
                        fprintf(f, "%s\n", s);
        }
        if (l->oom)
                fprintf(f, "(out of memory: some diagnostics were lost)\n");
}
