/* systemd unit-file syntax. The line handling follows config_parse() in systemd's
 * src/shared/conf-parser.c and the word splitting extract_first_word() in src/basic/extract-word.c;
 * the code is our own. */

#include "systemd-generator/unit-file.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/macro.h"
#include "common/strbuf.h"
#include "common/strv.h"

/* systemd's WHITESPACE. */
#define WHITESPACE " \t\n\r"
#define UTF8_BOM "\xEF\xBB\xBF"

typedef struct Parser {
        UnitFile *uf;
        const char *filename;
        DiagList *diags;
        UnitSection *section; /* current section, NULL before the first header */
        bool section_invalid; /* the last header was bad: drop entries quietly until the next one */
        bool in_place;        /* unit_file_parse_in_place(): the text is the caller's and writable */
        bool line_borrowed;   /* the line being parsed lives as long as the UnitFile: no copies */
        unsigned n_errors;
} Parser;

UnitFile *unit_file_free(UnitFile *uf) {
        if (!uf || uf->arena_borrowed) /* then the UnitFile itself is in the caller's arena */
                return NULL;
        arena_free(uf->arena);
        free(uf);
        return NULL;
}

UnitFile *unit_file_new_in(Arena *arena, const char *filename) {
        UnitFile *uf = arena_alloc(arena, sizeof(UnitFile));

        if (!uf)
                return NULL;
        uf->arena = arena;
        uf->arena_borrowed = true;
        if (filename && !(uf->filename = arena_strdup(arena, filename)))
                return NULL;
        return uf;
}

UnitFile *unit_file_new(const char *filename) {
        UnitFile *uf = calloc(1, sizeof(UnitFile));

        if (!uf)
                return NULL;
        uf->arena = arena_new();
        if (!uf->arena)
                return unit_file_free(uf);
        if (filename) {
                uf->filename = arena_strdup(uf->arena, filename);
                if (!uf->filename)
                        return unit_file_free(uf);
        }
        return uf;
}

const UnitSection *unit_file_find_section(const UnitFile *uf, const char *name) {
        for (const UnitSection *s = uf->sections; s; s = s->next)
                if (streq(s->name, name))
                        return s;
        return NULL;
}

/* Returns the section called name, creating it at the end; NULL on OOM. */
static UnitSection *section_ensure_n(UnitFile *uf, const char *name, size_t len, unsigned line) {
        UnitSection *s;

        for (s = uf->sections; s; s = s->next)
                if (strlen(s->name) == len && memcmp(s->name, name, len) == 0)
                        return s;

        s = arena_alloc(uf->arena, sizeof(UnitSection));
        if (!s)
                return NULL;
        s->name = arena_strndup(uf->arena, name, len);
        if (!s->name)
                return NULL;
        s->line = line;
        if (uf->sections_tail)
                uf->sections_tail->next = s;
        else
                uf->sections = s;
        uf->sections_tail = s;
        uf->n_sections++;
        return s;
}

/* With copy false, key, value and file are shared, not copied: they must outlive uf. */
static UnitEntry *entry_new(UnitFile *uf, const char *key, const char *value, unsigned line,
                            const char *file, bool copy) {
        UnitEntry *e = arena_alloc(uf->arena, sizeof(UnitEntry));

        if (!e)
                return NULL;
        if (copy) {
                e->key = arena_strdup(uf->arena, key);
                e->value = arena_strdup(uf->arena, value);
                if (!e->key || !e->value)
                        return NULL;
        } else {
                e->key = key;
                e->value = value;
        }
        e->line = line;
        if (file && uf->filename && (file == uf->filename || streq(file, uf->filename)))
                e->file = uf->filename;
        else if (file && !copy)
                e->file = file;
        else if (file) {
                e->file = arena_strdup(uf->arena, file);
                if (!e->file)
                        return NULL;
        }
        return e;
}

static int unit_section_append(UnitFile *uf, UnitSection *s, const char *key, const char *value,
                               unsigned line, const char *file, bool copy) {
        UnitEntry *e = entry_new(uf, key, value, line, file, copy);

        if (!e)
                return -ENOMEM;
        if (s->entries_tail)
                s->entries_tail->next = e;
        else
                s->entries = e;
        s->entries_tail = e;
        s->n_entries++;
        return 0;
}

static char *strstrip(char *s) {
        size_t n;

        s += strspn(s, WHITESPACE);
        n = strlen(s);
        while (n > 0 && strchr(WHITESPACE, s[n - 1]))
                n--;
        s[n] = 0;
        return s;
}

/* Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), as systemd's
 * utf8_is_valid(). */
static bool utf8_is_valid(const char *str) {
        const unsigned char *s = (const unsigned char *) str;

        while (*s) {
                uint32_t cp;
                int n;

                if (*s < 0x80) {
                        s++;
                        continue;
                }
                if ((*s & 0xE0) == 0xC0) {
                        n = 1;
                        cp = *s & 0x1F;
                } else if ((*s & 0xF0) == 0xE0) {
                        n = 2;
                        cp = *s & 0x0F;
                } else if ((*s & 0xF8) == 0xF0) {
                        n = 3;
                        cp = *s & 0x07;
                } else
                        return false;
                /* The NUL terminator fails the continuation test, so this never reads past it. */
                for (int i = 1; i <= n; i++) {
                        if ((s[i] & 0xC0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i] & 0x3F);
                }
                if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000))
                        return false;
                if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                        return false;
                s += n + 1;
        }
        return true;
}

static int parser_error(Parser *p, unsigned line, const char *fmt, ...) _printf_(3, 4);

/* Records a problem with one line. Returns 0, or -ENOMEM when the diagnostic could not be kept. */
static int parser_error(Parser *p, unsigned line, const char *fmt, ...) {
        va_list ap;
        int r = 0;

        p->n_errors++;
        if (!p->diags)
                return 0;
        va_start(ap, fmt);
        r = diag_list_addv(p->diags, DIAG_ERROR, p->filename, line, /* column= */ 0, /* path= */ NULL, fmt,
                           ap);
        va_end(ap);
        return r;
}

/* One logical line: continuations joined, comments already dropped. l is modified. */
static int parse_line(Parser *p, char *l, unsigned line) {
        char *e, *key, *value;

        l = strstrip(l);
        if (!*l)
                return 0;

        /* systemd checks after stripping and ignores the line with a warning. */
        if (!utf8_is_valid(l))
                return parser_error(p, line, "invalid UTF-8");

        if (*l == '[') {
                size_t n = strlen(l);

                /* systemd takes everything between the first '[' and a ']' ending the line as the
                 * name; "[Unit] # x" is not a header with a comment but an invalid header. */
                if (n < 3 || l[n - 1] != ']') {
                        p->section = NULL;
                        p->section_invalid = true;
                        return parser_error(p, line, "invalid section header '%.80s'", l);
                }
                p->section = section_ensure_n(p->uf, l + 1, n - 2, line);
                if (!p->section)
                        return -ENOMEM;
                p->section_invalid = false;
                return 0;
        }

        if (!p->section) {
                if (p->section_invalid)
                        return 0;
                return parser_error(p, line, "assignment outside of any [section]");
        }

        e = strchr(l, '=');
        if (!e)
                return parser_error(p, line, "missing '=' in an assignment");
        if (e == l)
                return parser_error(p, line, "missing key name before '='");

        *e = 0;
        key = strstrip(l);
        value = strstrip(e + 1);
        return unit_section_append(p->uf, p->section, key, value, line, p->uf->filename, !p->line_borrowed);
}

/* The bytes that end the scan of a physical line. */
static const bool line_stop[256] = {[0] = true, ['\n'] = true, ['\r'] = true};

/* Does text[start, end) end in an odd run of backslashes (the last one escaping the newline)? */
static bool ends_escaped(const char *text, size_t start, size_t end) {
        size_t i = end;

        while (i > start && text[i - 1] == '\\')
                i--;
        return (end - i) % 2 == 1;
}

static int parse_text(Parser *p, const char *text, size_t len) {
        StrBuf cont = STRBUF_INIT; /* the logical line being assembled */
        bool continued = false;
        size_t pos = 0;
        unsigned line = 0;
        int r = 0;

        if (len >= strlen(UTF8_BOM) && memcmp(text, UTF8_BOM, strlen(UTF8_BOM)) == 0)
                pos = strlen(UTF8_BOM);

        while (pos < len) {
                size_t start = pos, end, i;
                bool escaped = false;

                line++;
                /* Like systemd's read_line(): "\n", "\r\n" and a lone "\r" all end a line. One test
                 * per byte for the three bytes that stop the scan ('\n', '\r', NUL). */
                while (pos < len && !line_stop[(unsigned char) text[pos]])
                        pos++;
                if (pos < len && text[pos] == 0) {
                        r = parser_error(p, line, "NUL byte in file");
                        r = r < 0 ? r : -EBADMSG;
                        goto out;
                }
                end = pos;
                if (pos < len)
                        pos += (text[pos] == '\r' && pos + 1 < len && text[pos + 1] == '\n') ? 2 : 1;

                if (end - start > UNIT_LINE_MAX) {
                        r = parser_error(p, line, "Line too long");
                        r = r < 0 ? r : -ENOBUFS;
                        goto out;
                }

                /* Comments are recognised on each physical line before continuations are joined, so a
                 * comment line inside a continued line is skipped and does not end it. */
                for (i = start; i < end && strchr(WHITESPACE, text[i]); i++)
                        ;
                if (i < end && (text[i] == '#' || text[i] == ';'))
                        continue;

                /* In place: a line that is neither continued nor continues is parsed where it lies. */
                if (p->in_place && !continued) {
                        escaped = ends_escaped(text, start, end);
                        if (!escaped) {
                                ((char *) text)[end] = 0;
                                p->line_borrowed = true;
                                r = parse_line(p, (char *) text + start, line);
                                p->line_borrowed = false;
                                if (r < 0)
                                        goto out;
                                continue;
                        }
                        escaped = false;
                }

                if (cont.len + (end - start) > UNIT_LINE_MAX) {
                        r = parser_error(p, line, "Continuation line too long");
                        r = r < 0 ? r : -ENOBUFS;
                        goto out;
                }
                if (strbuf_add(&cont, text + start, end - start) < 0) {
                        r = -ENOMEM;
                        goto out;
                }

                /* An odd run of backslashes at the end continues the line; systemd turns that last
                 * backslash into a space. Earlier parts end in that space, so scanning only this
                 * physical line gives the same parity as systemd's scan of the joined buffer. */
                escaped = ends_escaped(text, start, end);
                if (escaped) {
                        cont.buf[cont.len - 1] = ' ';
                        continued = true;
                        continue;
                }

                r = parse_line(p, cont.buf, line);
                if (r < 0)
                        goto out;
                strbuf_truncate(&cont, 0);
                continued = false;
        }

        /* A continuation running into the end of the file is still parsed, as systemd does. */
        if (continued)
                r = parse_line(p, cont.buf, line);
out:
        strbuf_release(&cont);
        return r;
}

static int parse(Arena *arena, const char *text, size_t len, const char *filename, UnitFile **ret,
                 DiagList *diags) {
        _cleanup_unit_file_free_ UnitFile *uf = NULL;
        Parser p = {.filename = filename, .diags = diags, .in_place = arena};
        int r;

        if (len > UNIT_FILE_SIZE_MAX) {
                if (diags)
                        (void) diag_list_add(diags, DIAG_ERROR, filename, 0, 0, NULL,
                                             "File too large (%zu bytes, at most %u)", len,
                                             UNIT_FILE_SIZE_MAX);
                return -EFBIG;
        }

        uf = arena ? unit_file_new_in(arena, filename) : unit_file_new(filename);
        if (!uf)
                return -ENOMEM;
        p.uf = uf;

        r = parse_text(&p, text, len);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(uf);
        return (int) MIN(p.n_errors, (unsigned) INT32_MAX);
}

int unit_file_parse(const char *text, size_t len, const char *filename, UnitFile **ret, DiagList *diags) {
        return parse(NULL, text, len, filename, ret, diags);
}

int unit_file_parse_in_place(Arena *arena, char *text, size_t len, const char *filename, UnitFile **ret,
                             DiagList *diags) {
        assert(arena);
        return parse(arena, text, len, filename, ret, diags);
}

static int merge(UnitFile *base, const UnitFile *dropin, bool copy) {
        for (const UnitSection *ds = dropin->sections; ds; ds = ds->next) {
                UnitSection *bs = section_ensure_n(base, ds->name, strlen(ds->name), ds->line);

                if (!bs)
                        return -ENOMEM;
                for (const UnitEntry *e = ds->entries; e; e = e->next)
                        if (unit_section_append(base, bs, e->key, e->value, e->line, e->file ?: dropin->filename,
                                                copy) < 0)
                                return -ENOMEM;
        }
        return 0;
}

int unit_file_merge(UnitFile *base, const UnitFile *dropin) {
        return merge(base, dropin, true);
}

int unit_file_merge_shared(UnitFile *base, const UnitFile *dropin) {
        return merge(base, dropin, false);
}

const char *unit_file_get_last(const UnitFile *uf, const char *section, const char *key) {
        const UnitSection *s = unit_file_find_section(uf, section);
        const char *v = NULL;

        if (!s)
                return NULL;
        for (const UnitEntry *e = s->entries; e; e = e->next)
                if (streq(e->key, key))
                        v = e->value;
        return v;
}

int unit_file_get_all(const UnitFile *uf, const char *section, const char *key, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const UnitSection *s = unit_file_find_section(uf, section);
        const UnitEntry *start = s ? s->entries : NULL;
        size_t n = 0;

        /* The effective list starts after the last reset. */
        for (const UnitEntry *e = start; e; e = e->next)
                if (streq(e->key, key) && isempty(e->value))
                        start = e->next;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (const UnitEntry *e = start; e; e = e->next) {
                if (!streq(e->key, key))
                        continue;
                if (strv_extend(&l, e->value) < 0)
                        return -ENOMEM;
                n++;
        }
        *ret = TAKE_PTR(l);
        return (int) MIN(n, (size_t) INT32_MAX);
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

/* Reads n hex digits; stops at the first non-digit, so never past a NUL. */
static int unhex_n(const char *s, int n, uint32_t *ret) {
        uint32_t v = 0;

        for (int i = 0; i < n; i++) {
                int d = unhex(s[i]);

                if (d < 0)
                        return -EINVAL;
                v = (v << 4) | (uint32_t) d;
        }
        *ret = v;
        return 0;
}

static bool unichar_is_valid(uint32_t c) {
        return c < 0x110000 && !(c >= 0xD800 && c <= 0xDFFF) && !(c >= 0xFDD0 && c <= 0xFDEF)
               && (c & 0xFFFE) != 0xFFFE;
}

static int utf8_put(StrBuf *sb, uint32_t c) {
        char b[4];
        size_t n;

        if (c < 0x80) {
                b[0] = (char) c;
                n = 1;
        } else if (c < 0x800) {
                b[0] = (char) (0xC0 | (c >> 6));
                b[1] = (char) (0x80 | (c & 0x3F));
                n = 2;
        } else if (c < 0x10000) {
                b[0] = (char) (0xE0 | (c >> 12));
                b[1] = (char) (0x80 | ((c >> 6) & 0x3F));
                b[2] = (char) (0x80 | (c & 0x3F));
                n = 3;
        } else {
                b[0] = (char) (0xF0 | (c >> 18));
                b[1] = (char) (0x80 | ((c >> 12) & 0x3F));
                b[2] = (char) (0x80 | ((c >> 6) & 0x3F));
                b[3] = (char) (0x80 | (c & 0x3F));
                n = 4;
        }
        return strbuf_add(sb, b, n);
}

/* Decodes the escape whose letter s points at (after the backslash) onto sb, as systemd's
 * cunescape_one() without accept_nul. Returns how many characters it consumed, or -EINVAL. */
static int unescape_one(const char *s, StrBuf *sb) {
        static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''s ";
        uint32_t v;
        int r;

        for (size_t i = 0; simple[i]; i += 2)
                if (s[0] == simple[i]) {
                        r = strbuf_putc(sb, simple[i + 1]);
                        return r < 0 ? r : 1;
                }

        switch (s[0]) {
        case 'x':
                /* A raw byte, which may make the word invalid UTF-8 (as in systemd). */
                if (unhex_n(s + 1, 2, &v) < 0 || v == 0)
                        return -EINVAL;
                r = strbuf_putc(sb, (char) v);
                return r < 0 ? r : 3;
        case 'u':
        case 'U': {
                int n = s[0] == 'u' ? 4 : 8;

                /* systemd checks validity only for \U; we check \u too, so that a lone surrogate
                 * cannot put invalid UTF-8 into a generated unit. */
                if (unhex_n(s + 1, n, &v) < 0 || v == 0 || !unichar_is_valid(v))
                        return -EINVAL;
                r = utf8_put(sb, v);
                return r < 0 ? r : n + 1;
        }
        case '0' ... '7':
                if (s[1] < '0' || s[1] > '7' || s[2] < '0' || s[2] > '7')
                        return -EINVAL;
                v = ((uint32_t) (s[0] - '0') << 6) | ((uint32_t) (s[1] - '0') << 3)
                    | (uint32_t) (s[2] - '0');
                if (v == 0 || v > 255)
                        return -EINVAL;
                r = strbuf_putc(sb, (char) v);
                return r < 0 ? r : 3;
        default:
                return -EINVAL;
        }
}

/* One word of *p (see unit_value_split_words()). Returns 1 and the word in *ret, 0 at the end, or
 * -EINVAL/-ENOMEM. */
static int extract_word(const char **p, char **ret) {
        StrBuf sb = STRBUF_INIT;
        const char *s = *p + strspn(*p, WHITESPACE);
        char quote = 0;
        int r;

        if (!*s) {
                *p = s;
                return 0;
        }

        for (;;) {
                char c = *s;

                if (c == '\\') {
                        /* A trailing backslash is an error, quoted or not (no EXTRACT_RELAX). */
                        r = unescape_one(s + 1, &sb);
                        if (r < 0)
                                goto fail;
                        s += 1 + r;
                } else if (quote) {
                        if (!c) {
                                r = -EINVAL;
                                goto fail;
                        }
                        if (c == quote) {
                                quote = 0;
                                s++;
                        } else {
                                /* The run up to the closing quote, a backslash or the end, at once. */
                                size_t n = strcspn(s, quote == '"' ? "\"\\" : "'\\");

                                if (strbuf_add(&sb, s, n) < 0) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                s += n;
                        }
                } else if (!c)
                        break;
                else if (c == '"' || c == '\'') {
                        quote = c;
                        s++;
                } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { /* WHITESPACE */
                        s += strspn(s, WHITESPACE);
                        break;
                } else {
                        /* The run up to a quote, a backslash, whitespace or the end, at once. */
                        size_t n = strcspn(s, "\"'\\" WHITESPACE);

                        if (strbuf_add(&sb, s, n) < 0) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        s += n;
                }
        }

        /* An empty buffer here is a real (quoted) empty word: strbuf_detach() gives "" for it. */
        *ret = strbuf_detach(&sb);
        if (!*ret)
                return -ENOMEM;
        *p = s;
        return 1;
fail:
        strbuf_release(&sb);
        return r;
}

int unit_value_split_words(const char *value, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = value;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (;;) {
                char *w;
                int r = extract_word(&p, &w);

                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = strv_consume(&l, w);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int unit_value_parse_boolean(const char *v) {
        static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

UnitSection *unit_file_ensure_section(UnitFile *uf, const char *name, bool at_start) {
        UnitSection *s;

        for (s = uf->sections; s; s = s->next)
                if (streq(s->name, name))
                        return s;
        if (!at_start)
                return section_ensure_n(uf, name, strlen(name), 0);

        s = arena_alloc(uf->arena, sizeof(UnitSection));
        if (!s)
                return NULL;
        s->name = arena_strdup(uf->arena, name);
        if (!s->name)
                return NULL;
        s->next = uf->sections;
        uf->sections = s;
        if (!uf->sections_tail)
                uf->sections_tail = s;
        uf->n_sections++;
        return s;
}

int unit_file_rename_section(UnitFile *uf, const char *from, const char *to) {
        for (UnitSection *s = uf->sections; s; s = s->next)
                if (streq(s->name, from)) {
                        s->name = arena_strdup(uf->arena, to);
                        return s->name ? 0 : -ENOMEM;
                }
        return 0;
}

int unit_file_add(UnitFile *uf, const char *section, const char *key, const char *value) {
        UnitSection *s = unit_file_ensure_section(uf, section, false);

        if (!s)
                return -ENOMEM;
        return unit_section_append(uf, s, key, value, 0, NULL, true);
}

int unit_file_addf(UnitFile *uf, const char *section, const char *key, const char *fmt, ...) {
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (r < 0) {
                v = NULL;
                return -ENOMEM;
        }
        return unit_file_add(uf, section, key, v);
}

int unit_file_prepend(UnitFile *uf, const char *section, const char *key, const char *value) {
        UnitSection *s = unit_file_ensure_section(uf, section, false);
        UnitEntry *e;

        if (!s)
                return -ENOMEM;
        e = entry_new(uf, key, value, 0, NULL, true);
        if (!e)
                return -ENOMEM;
        e->next = s->entries;
        s->entries = e;
        if (!s->entries_tail)
                s->entries_tail = e;
        s->n_entries++;
        return 0;
}

void unit_file_unset(UnitFile *uf, const char *section, const char *key) {
        for (UnitSection *s = uf->sections; s; s = s->next) {
                UnitEntry **p, *prev = NULL;

                if (!streq(s->name, section))
                        continue;
                for (p = &s->entries; *p;) {
                        if (streq((*p)->key, key)) {
                                *p = (*p)->next;
                                s->n_entries--;
                        } else {
                                prev = *p;
                                p = &(*p)->next;
                        }
                }
                s->entries_tail = prev;
        }
}

bool unit_file_has_key(const UnitFile *uf, const char *section, const char *key) {
        return unit_file_get_last(uf, section, key) != NULL;
}

/* strbuf_add() with the common case inline: the generator writes every unit into one buffer that
 * has long reached its size, so nearly every append only copies. */
static inline void sb_add(StrBuf *sb, const char *s, size_t n) {
        if (!sb->oom && sb->len + n < sb->alloc) {
                memcpy(sb->buf + sb->len, s, n);
                sb->len += n;
                sb->buf[sb->len] = 0;
        } else
                (void) strbuf_add(sb, s, n);
}

static inline void sb_putc(StrBuf *sb, char c) {
        if (!sb->oom && sb->len + 1 < sb->alloc) {
                sb->buf[sb->len++] = c;
                sb->buf[sb->len] = 0;
        } else
                (void) strbuf_add(sb, &c, 1);
}

int unit_file_write(const UnitFile *uf, StrBuf *out) {
        for (const UnitSection *s = uf->sections; s; s = s->next) {
                /* Plain appends, not strbuf_addf(): this writes every line of every generated unit,
                 * and formatting was a tenth of the generator's instructions. */
                if (s != uf->sections)
                        sb_putc(out, '\n');
                sb_putc(out, '[');
                sb_add(out, s->name, strlen(s->name));
                sb_add(out, "]\n", 2);
                for (const UnitEntry *e = s->entries; e; e = e->next) {
                        size_t k = strlen(e->key), v = strlen(e->value);

                        /* "KEY=VALUE\n" with one check for room. */
                        if (!out->oom && out->len + k + v + 2 < out->alloc) {
                                char *d = out->buf + out->len;

                                memcpy(d, e->key, k);
                                d[k] = '=';
                                memcpy(d + k + 1, e->value, v);
                                d[k + 1 + v] = '\n';
                                out->len += k + v + 2;
                                out->buf[out->len] = 0;
                        } else {
                                sb_add(out, e->key, k);
                                sb_putc(out, '=');
                                sb_add(out, e->value, v);
                                sb_putc(out, '\n');
                        }
                }
        }
        return strbuf_ok(out) ? 0 : -ENOMEM;
}

/* The bytes that make a word need quotes: whitespace and control characters, DEL, quotes, backslash. */
static const bool needs_quotes[256] = {[0 ... ' '] = true, [0x7f] = true, ['"'] = true, ['\''] = true,
                                       ['\\'] = true};

/* Inside double quotes: the bytes written as escapes (and NUL, which ends the word). */
static const bool escape_in_quotes[256] = {[0 ... ' ' - 1] = true, [0x7f] = true, ['"'] = true,
                                           ['\\'] = true};

int unit_value_quote_word(StrBuf *out, const char *word) {
        size_t n = 0;

        while (!needs_quotes[(unsigned char) word[n]])
                n++;
        if (!word[n] && n > 0) {
                sb_add(out, word, n);
                return strbuf_ok(out) ? 0 : -ENOMEM;
        }

        /* Quoted: runs of bytes that need no escape inside double quotes are copied at once. */
        sb_putc(out, '"');
        for (const unsigned char *c = (const unsigned char *) word; *c; c++) {
                size_t run = 0;

                while (!escape_in_quotes[c[run]])
                        run++;
                if (run > 0) {
                        sb_add(out, (const char *) c, run);
                        c += run;
                        if (!*c)
                                break;
                }
                switch (*c) {
                case '"':
                        sb_add(out, "\\\"", 2);
                        break;
                case '\\':
                        sb_add(out, "\\\\", 2);
                        break;
                case '\n':
                        sb_add(out, "\\n", 2);
                        break;
                case '\t':
                        sb_add(out, "\\t", 2);
                        break;
                case '\r':
                        sb_add(out, "\\r", 2);
                        break;
                default: /* the other control characters and DEL */
                        (void) strbuf_addf(out, "\\x%02x", *c);
                }
        }
        return strbuf_putc(out, '"');
}

int unit_value_append_words(StrBuf *out, char *const *words) {
        for (char *const *w = words; w && *w; w++) {
                sb_putc(out, ' ');
                (void) unit_value_quote_word(out, *w);
        }
        return strbuf_ok(out) ? 0 : -ENOMEM;
}
