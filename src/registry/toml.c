/* A strict TOML subset parser into json-c trees; see toml.h for what it accepts. */

#include "registry/toml.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json-util.h"
#include "common/strbuf.h"
#include "common/strv.h"

/* Each json_object made here carries (line << 4 | flags) as its json-c userdata. The flags record how
 * a table or an array came to be, which decides whether a later header or dotted key may add to it. */
enum {
        F_DEFINED = 1 << 0, /* a table named by a [header] */
        F_DOTTED = 1 << 1,  /* a table made by a dotted key (a.b = 1 makes table a) */
        F_FROZEN = 1 << 2,  /* an inline table or a value array: complete as written */
        F_AOT = 1 << 3,     /* an array made by [[headers]] */
};

/* TOML nests arrays and inline tables; bound the recursion so hostile input cannot exhaust the stack. */
#define DEPTH_MAX 64U

typedef struct Parser {
        const char *s;
        size_t len;
        size_t i;
        unsigned line;
        size_t line_start;
        const char *file;
        Diag **reterr;
        json_object *root;
} Parser;

static uintptr_t meta(json_object *o) {
        return (uintptr_t) json_object_get_userdata(o);
}

static void set_meta(json_object *o, unsigned line, unsigned flags) {
        json_object_set_userdata(o, (void *) (((uintptr_t) line << 4) | flags), NULL);
}

static void add_flags(json_object *o, unsigned flags) {
        json_object_set_userdata(o, (void *) (meta(o) | flags), NULL);
}

unsigned toml_line(json_object *o) {
        return o ? (unsigned) (meta(o) >> 4) : 0;
}

static int fail(Parser *p, const char *fmt, ...) _printf_(2, 3);
static int fail(Parser *p, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (!msg)
                return -ENOMEM;
        return diag_set(p->reterr, -EBADMSG, p->file, p->line, (unsigned) (p->i - p->line_start + 1), NULL,
                        "%s", msg);
}

static bool eof(const Parser *p) {
        return p->i >= p->len;
}

static int peek(const Parser *p) {
        return eof(p) ? -1 : (unsigned char) p->s[p->i];
}

static int peek_at(const Parser *p, size_t k) {
        return p->i + k >= p->len ? -1 : (unsigned char) p->s[p->i + k];
}

static bool looking_at(const Parser *p, const char *w) {
        size_t l = strlen(w);
        return p->len - p->i >= l && memcmp(p->s + p->i, w, l) == 0;
}

static void skip_ws(Parser *p) {
        while (!eof(p) && (p->s[p->i] == ' ' || p->s[p->i] == '\t'))
                p->i++;
}

/* At a line end ("\n" or "\r\n"): consumes it and returns 1; 0 when not at one; an error for a lone
 * "\r". */
static int eat_newline(Parser *p) {
        if (peek(p) == '\r') {
                if (peek_at(p, 1) != '\n')
                        return fail(p, "carriage return without a line feed");
                p->i++;
        }
        if (peek(p) != '\n')
                return 0;
        p->i++;
        p->line++;
        p->line_start = p->i;
        return 1;
}

/* A comment runs to the end of the line and may hold any character except controls other than tab. */
static int skip_comment(Parser *p) {
        if (peek(p) != '#')
                return 0;
        while (!eof(p) && p->s[p->i] != '\n' && p->s[p->i] != '\r') {
                unsigned char c = (unsigned char) p->s[p->i];
                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        return fail(p, "control character in a comment");
                p->i++;
        }
        return 0;
}

/* Skips whitespace, comments and line ends (inside arrays). */
static int skip_ws_nl(Parser *p) {
        for (;;) {
                int r;

                skip_ws(p);
                r = skip_comment(p);
                if (r < 0)
                        return r;
                r = eat_newline(p);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 0;
        }
}

static int end_of_line(Parser *p, const char *after) {
        int r;

        skip_ws(p);
        r = skip_comment(p);
        if (r < 0)
                return r;
        if (eof(p))
                return 0;
        r = eat_newline(p);
        if (r < 0)
                return r;
        if (r == 0)
                return fail(p, "expected the end of the line after %s", after);
        return 0;
}

static int utf8_put(StrBuf *sb, uint32_t c) {
        char b[4];
        size_t n;

        if (c < 0x80) {
                b[0] = (char) c;
                n = 1;
        } else if (c < 0x800) {
                b[0] = (char) (0xc0 | (c >> 6));
                b[1] = (char) (0x80 | (c & 0x3f));
                n = 2;
        } else if (c < 0x10000) {
                b[0] = (char) (0xe0 | (c >> 12));
                b[1] = (char) (0x80 | ((c >> 6) & 0x3f));
                b[2] = (char) (0x80 | (c & 0x3f));
                n = 3;
        } else {
                b[0] = (char) (0xf0 | (c >> 18));
                b[1] = (char) (0x80 | ((c >> 12) & 0x3f));
                b[2] = (char) (0x80 | ((c >> 6) & 0x3f));
                b[3] = (char) (0x80 | (c & 0x3f));
                n = 4;
        }
        return strbuf_add(sb, b, n);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n) {
        uint32_t c;
        size_t l;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0) {
                l = 2;
                c = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                l = 3;
                c = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                l = 4;
                c = s[0] & 0x07;
        } else
                return 0;
        if (n < l)
                return 0;
        for (size_t k = 1; k < l; k++) {
                if ((s[k] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[k] & 0x3f);
        }
        if ((l == 2 && c < 0x80) || (l == 3 && c < 0x800) || (l == 4 && c < 0x10000) || c > 0x10ffff
            || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        return l;
}

static int parse_escape(Parser *p, StrBuf *sb) {
        int c;

        p->i++; /* the backslash */
        c = peek(p);
        switch (c) {
        case 'b':
                p->i++;
                return strbuf_putc(sb, '\b');
        case 't':
                p->i++;
                return strbuf_putc(sb, '\t');
        case 'n':
                p->i++;
                return strbuf_putc(sb, '\n');
        case 'f':
                p->i++;
                return strbuf_putc(sb, '\f');
        case 'r':
                p->i++;
                return strbuf_putc(sb, '\r');
        case '"':
                p->i++;
                return strbuf_putc(sb, '"');
        case '\\':
                p->i++;
                return strbuf_putc(sb, '\\');
        case 'u':
        case 'U': {
                size_t n = c == 'u' ? 4 : 8;
                uint32_t v = 0;

                p->i++;
                for (size_t k = 0; k < n; k++) {
                        int h = peek(p);
                        if (h >= '0' && h <= '9')
                                v = v * 16 + (uint32_t) (h - '0');
                        else if (h >= 'a' && h <= 'f')
                                v = v * 16 + (uint32_t) (h - 'a' + 10);
                        else if (h >= 'A' && h <= 'F')
                                v = v * 16 + (uint32_t) (h - 'A' + 10);
                        else
                                return fail(p, "\\%c needs %zu hexadecimal digits", c, n);
                        p->i++;
                }
                if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
                        return fail(p, "\\%c escape is not a Unicode scalar value", c);
                if (v == 0)
                        return fail(p, "NUL characters are not allowed in strings");
                return utf8_put(sb, v);
        }
        default:
                return fail(p, "invalid escape sequence in a string");
        }
}

/* Appends the UTF-8 character at the cursor, refusing controls other than tab. */
static int string_char(Parser *p, StrBuf *sb) {
        unsigned char c = (unsigned char) p->s[p->i];
        size_t l;

        if ((c < 0x20 && c != '\t') || c == 0x7f)
                return fail(p, "control character in a string");
        l = utf8_len((const unsigned char *) p->s + p->i, p->len - p->i);
        if (l == 0)
                return fail(p, "invalid UTF-8 in a string");
        if (strbuf_add(sb, p->s + p->i, l) < 0)
                return -ENOMEM;
        p->i += l;
        return 0;
}

/* Parses a single-line basic ("…") or literal ('…') string at the cursor into a new string. */
static int parse_simple_string(Parser *p, char **ret) {
        StrBuf sb = STRBUF_INIT;
        char quote = p->s[p->i];
        int r;

        p->i++;
        for (;;) {
                int c = peek(p);

                if (c < 0 || c == '\n' || c == '\r') {
                        strbuf_release(&sb);
                        return fail(p, "unterminated string");
                }
                if (c == quote) {
                        p->i++;
                        break;
                }
                if (c == '\\' && quote == '"')
                        r = parse_escape(p, &sb);
                else
                        r = string_char(p, &sb);
                if (r < 0) {
                        strbuf_release(&sb);
                        return r;
                }
        }
        if (strbuf_putc(&sb, 0) < 0 || !(*ret = strbuf_detach(&sb))) {
                strbuf_release(&sb);
                return -ENOMEM;
        }
        return 0;
}

/* """…""" and '''…''': a newline right after the opening delimiter is dropped; in basic ones a
 * backslash at the end of a line joins it to the next non-blank character. */
static int parse_multiline_string(Parser *p, char **ret) {
        StrBuf sb = STRBUF_INIT;
        char quote = p->s[p->i];
        int r;

        p->i += 3;
        r = eat_newline(p);
        if (r < 0)
                return r;
        for (;;) {
                int c = peek(p);

                if (c < 0) {
                        strbuf_release(&sb);
                        return fail(p, "unterminated multi-line string");
                }
                if (c == quote && peek_at(p, 1) == quote && peek_at(p, 2) == quote) {
                        size_t n = 0;

                        while (peek_at(p, n) == quote)
                                n++;
                        if (n > 5) {
                                strbuf_release(&sb);
                                return fail(p, "too many quotes at the end of a multi-line string");
                        }
                        for (size_t k = 3; k < n; k++)
                                (void) strbuf_putc(&sb, quote);
                        p->i += n;
                        break;
                }
                if (c == '\n' || c == '\r') {
                        r = eat_newline(p);
                        if (r > 0)
                                r = strbuf_putc(&sb, '\n');
                } else if (c == '\\' && quote == '"') {
                        size_t save = p->i;

                        /* line-ending backslash: whitespace, a newline, then trim until non-blank */
                        p->i++;
                        skip_ws(p);
                        if (peek(p) == '\n' || peek(p) == '\r') {
                                r = skip_ws_nl(p);
                        } else {
                                p->i = save;
                                r = parse_escape(p, &sb);
                        }
                } else
                        r = string_char(p, &sb);
                if (r < 0) {
                        strbuf_release(&sb);
                        return r;
                }
        }
        if (strbuf_putc(&sb, 0) < 0 || !(*ret = strbuf_detach(&sb))) {
                strbuf_release(&sb);
                return -ENOMEM;
        }
        return 0;
}

static bool is_bare_key_char(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
               || c == '-';
}

/* key = simple-key *( ws "." ws simple-key ). Returns the parts in *ret (strv). */
static int parse_key(Parser *p, char ***ret) {
        _cleanup_strv_free_ char **parts = NULL;
        int r;

        for (;;) {
                char *part = NULL;
                int c;

                skip_ws(p);
                c = peek(p);
                if (c == '"' || c == '\'') {
                        if (looking_at(p, "\"\"\"") || looking_at(p, "'''"))
                                return fail(p, "a key cannot be a multi-line string");
                        r = parse_simple_string(p, &part);
                        if (r < 0)
                                return r;
                } else if (is_bare_key_char(c)) {
                        size_t start = p->i;
                        while (is_bare_key_char(peek(p)))
                                p->i++;
                        part = strndup(p->s + start, p->i - start);
                        if (!part)
                                return -ENOMEM;
                } else
                        return fail(p, "expected a key");
                r = strv_consume(&parts, part);
                if (r < 0)
                        return r;
                skip_ws(p);
                if (peek(p) != '.')
                        break;
                p->i++;
        }
        *ret = TAKE_PTR(parts);
        return 0;
}

static char *key_display(char **parts) {
        return strv_join(parts, ".");
}

static int parse_value(Parser *p, unsigned depth, json_object **ret);

static int parse_integer(Parser *p, json_object **ret) {
        size_t start = p->i, digits = 0;
        char buf[32];
        size_t n = 0;
        int64_t v;
        char *end;

        if (peek(p) == '+' || peek(p) == '-')
                buf[n++] = p->s[p->i++];
        if (peek(p) == '0' && (peek_at(p, 1) == 'x' || peek_at(p, 1) == 'o' || peek_at(p, 1) == 'b'))
                return fail(p, "hexadecimal, octal and binary integers are not supported here");
        if (looking_at(p, "inf") || looking_at(p, "nan"))
                return fail(p, "floating-point values are not supported here");
        for (;;) {
                int c = peek(p);

                if (c >= '0' && c <= '9') {
                        if (n >= sizeof(buf) - 1)
                                return fail(p, "integer out of range");
                        buf[n++] = (char) c;
                        digits++;
                        p->i++;
                } else if (c == '_') {
                        int d = peek_at(p, 1);
                        if (digits == 0 || !(d >= '0' && d <= '9'))
                                return fail(p, "an underscore in a number must sit between digits");
                        p->i++;
                } else
                        break;
        }
        if (digits == 0)
                return fail(p, "expected a value");
        if (peek(p) == '.' || peek(p) == 'e' || peek(p) == 'E')
                return fail(p, "floating-point values are not supported here");
        if (peek(p) == '-' || peek(p) == ':')
                return fail(p, "dates and times are not supported here");
        if (buf[n - digits] == '0' && digits > 1) {
                p->i = start;
                return fail(p, "leading zeros are not allowed in integers");
        }
        buf[n] = 0;
        errno = 0;
        v = strtoll(buf, &end, 10);
        if (errno != 0 || *end) {
                p->i = start;
                return fail(p, "integer out of range");
        }
        *ret = json_object_new_int64(v);
        return *ret ? 0 : -ENOMEM;
}

static int parse_array(Parser *p, unsigned depth, json_object **ret) {
        _cleanup_json_ json_object *a = json_object_new_array();
        size_t start = p->i, start_line_start = p->line_start;
        unsigned start_line = p->line;
        int r;

        if (!a)
                return -ENOMEM;
        p->i++; /* [ */
        for (;;) {
                json_object *v = NULL;

                r = skip_ws_nl(p);
                if (r < 0)
                        return r;
                if (peek(p) == ']') {
                        p->i++;
                        break;
                }
                if (eof(p))
                        goto unterminated;
                r = parse_value(p, depth + 1, &v);
                if (r < 0)
                        return r;
                if (json_object_array_add(a, v) < 0) {
                        json_object_put(v);
                        return -ENOMEM;
                }
                r = skip_ws_nl(p);
                if (r < 0)
                        return r;
                if (peek(p) == ',') {
                        p->i++;
                        continue;
                }
                if (peek(p) == ']') {
                        p->i++;
                        break;
                }
                if (eof(p))
                        goto unterminated;
                return fail(p, "expected ',' or ']' in an array");
        }
        *ret = TAKE_PTR(a);
        return 0;

unterminated:
        /* point at the '[' that was never closed, not at the end of the file */
        p->i = start;
        p->line = start_line;
        p->line_start = start_line_start;
        return fail(p, "unterminated array");
}

static int assign(Parser *p, json_object *table, char **key, json_object *value, unsigned line);

static int parse_inline_table(Parser *p, unsigned depth, json_object **ret) {
        _cleanup_json_ json_object *t = json_object_new_object();
        bool first = true;
        int r;

        if (!t)
                return -ENOMEM;
        set_meta(t, p->line, 0);
        p->i++; /* { */
        skip_ws(p);
        if (peek(p) == '}') {
                p->i++;
                goto done;
        }
        for (;;) {
                _cleanup_strv_free_ char **key = NULL;
                json_object *v = NULL;
                unsigned line = p->line;

                if (!first) {
                        skip_ws(p);
                        if (peek(p) == '}') {
                                p->i++;
                                break;
                        }
                        if (peek(p) != ',')
                                return fail(p, eof(p) || peek(p) == '\n'
                                                       ? "unterminated inline table"
                                                       : "expected ',' or '}' in an inline table");
                        p->i++;
                }
                first = false;
                r = parse_key(p, &key);
                if (r < 0)
                        return r;
                if (peek(p) != '=')
                        return fail(p, "expected '=' after a key");
                p->i++;
                skip_ws(p);
                r = parse_value(p, depth + 1, &v);
                if (r < 0)
                        return r;
                r = assign(p, t, key, v, line);
                if (r < 0)
                        return r;
        }
done:
        add_flags(t, F_FROZEN);
        *ret = TAKE_PTR(t);
        return 0;
}

static int parse_value(Parser *p, unsigned depth, json_object **ret) {
        unsigned line = p->line;
        json_object *v = NULL;
        int c = peek(p), r;

        if (depth > DEPTH_MAX)
                return fail(p, "values nested too deeply");
        if (c == '"' || c == '\'') {
                _cleanup_free_ char *s = NULL;

                if ((c == '"' && looking_at(p, "\"\"\"")) || (c == '\'' && looking_at(p, "'''")))
                        r = parse_multiline_string(p, &s);
                else
                        r = parse_simple_string(p, &s);
                if (r < 0)
                        return r;
                v = json_object_new_string(s);
                if (!v)
                        return -ENOMEM;
        } else if (looking_at(p, "true") && !is_bare_key_char(peek_at(p, 4))) {
                p->i += 4;
                v = json_object_new_boolean(1);
        } else if (looking_at(p, "false") && !is_bare_key_char(peek_at(p, 5))) {
                p->i += 5;
                v = json_object_new_boolean(0);
        } else if (c == '[') {
                r = parse_array(p, depth, &v);
                if (r < 0)
                        return r;
                set_meta(v, line, F_FROZEN);
        } else if (c == '{') {
                r = parse_inline_table(p, depth, &v);
                if (r < 0)
                        return r;
        } else if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'i' || c == 'n') {
                r = parse_integer(p, &v);
                if (r < 0)
                        return r;
        } else
                return fail(p, "expected a value");
        if (!v)
                return -ENOMEM;
        if (!json_object_is_type(v, json_type_array) && !json_object_is_type(v, json_type_object))
                set_meta(v, line, 0);
        *ret = v;
        return 0;
}

/* Walks (and creates, as tables with flag `create`) the first n parts of key from table. Arrays of
 * tables lead to their last element. */
static int descend(Parser *p, json_object *table, char **key, size_t n, unsigned create, unsigned line,
                   json_object **ret) {
        for (size_t k = 0; k < n; k++) {
                json_object *child = NULL;

                if (!json_object_object_get_ex(table, key[k], &child)) {
                        child = json_object_new_object();
                        if (!child)
                                return -ENOMEM;
                        set_meta(child, line, create);
                        if (json_object_object_add(table, key[k], child) < 0) {
                                json_object_put(child);
                                return -ENOMEM;
                        }
                } else if (json_object_is_type(child, json_type_array) && (meta(child) & F_AOT)) {
                        size_t len = json_object_array_length(child);
                        child = json_object_array_get_idx(child, len - 1);
                } else if (!json_object_is_type(child, json_type_object) || (meta(child) & F_FROZEN)
                           || (create == F_DOTTED && (meta(child) & F_DEFINED))) {
                        _cleanup_free_ char *d = key_display(key);
                        return fail(p, "key '%s': '%s' is already a value and cannot be extended", d ?: "?",
                                    key[k]);
                }
                table = child;
        }
        *ret = table;
        return 0;
}

/* Stores value (taking it) under the dotted key in table. */
static int assign(Parser *p, json_object *table, char **key, json_object *value, unsigned line) {
        size_t n = strv_length(key);
        json_object *t = NULL;
        int r;

        r = descend(p, table, key, n - 1, F_DOTTED, line, &t);
        if (r < 0) {
                json_object_put(value);
                return r;
        }
        if (json_object_object_get_ex(t, key[n - 1], NULL)) {
                _cleanup_free_ char *d = key_display(key);
                json_object_put(value);
                return fail(p, "duplicate key '%s'", d ?: "?");
        }
        if (json_object_object_add(t, key[n - 1], value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

static int parse_header(Parser *p, json_object **cur) {
        _cleanup_strv_free_ char **key = NULL;
        bool aot = looking_at(p, "[[");
        unsigned line = p->line;
        json_object *parent = NULL, *child = NULL;
        size_t n;
        int r;

        p->i += aot ? 2 : 1;
        r = parse_key(p, &key);
        if (r < 0)
                return r;
        if (aot ? !looking_at(p, "]]") : peek(p) != ']')
                return fail(p, aot ? "expected ']]' to end the table header"
                                   : "expected ']' to end the table header");
        p->i += aot ? 2 : 1;
        n = strv_length(key);
        r = descend(p, p->root, key, n - 1, 0, line, &parent);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(parent, key[n - 1], &child)) {
                _cleanup_free_ char *d = key_display(key);

                if (aot) {
                        json_object *t;

                        if (!json_object_is_type(child, json_type_array) || !(meta(child) & F_AOT))
                                return fail(p, "[[%s]]: '%s' is already defined as something else", d ?: "?",
                                            d ?: "?");
                        t = json_object_new_object();
                        if (!t)
                                return -ENOMEM;
                        set_meta(t, line, F_DEFINED);
                        if (json_object_array_add(child, t) < 0) {
                                json_object_put(t);
                                return -ENOMEM;
                        }
                        *cur = t;
                        return 0;
                }
                if (!json_object_is_type(child, json_type_object)
                    || (meta(child) & (F_DEFINED | F_DOTTED | F_FROZEN)))
                        return fail(p, "table [%s] is defined more than once", d ?: "?");
                add_flags(child, F_DEFINED);
                *cur = child;
                return 0;
        }
        if (aot) {
                json_object *a = json_object_new_array(), *t = json_object_new_object();

                if (!a || !t) {
                        json_object_put(a);
                        json_object_put(t);
                        return -ENOMEM;
                }
                set_meta(a, line, F_AOT);
                set_meta(t, line, F_DEFINED);
                if (json_object_array_add(a, t) < 0) {
                        json_object_put(a);
                        json_object_put(t);
                        return -ENOMEM;
                }
                if (json_object_object_add(parent, key[n - 1], a) < 0) {
                        json_object_put(a);
                        return -ENOMEM;
                }
                *cur = t;
                return 0;
        }
        child = json_object_new_object();
        if (!child)
                return -ENOMEM;
        set_meta(child, line, F_DEFINED);
        if (json_object_object_add(parent, key[n - 1], child) < 0) {
                json_object_put(child);
                return -ENOMEM;
        }
        *cur = child;
        return 0;
}

int toml_parse(const char *text, size_t len, const char *filename, json_object **ret, Diag **reterr) {
        _cleanup_json_ json_object *root = json_object_new_object();
        Parser p = {
                .s = text,
                .len = len,
                .line = 1,
                .file = filename,
                .reterr = reterr,
        };
        json_object *cur;
        int r;

        if (!root)
                return -ENOMEM;
        if (len > TOML_SIZE_MAX)
                return diag_set(reterr, -EBADMSG, filename, 0, 0, NULL, "file too large (over %u bytes)",
                                TOML_SIZE_MAX);
        if (memchr(text, 0, len))
                return diag_set(reterr, -EBADMSG, filename, 0, 0, NULL, "NUL byte in the file");
        set_meta(root, 1, F_DEFINED);
        p.root = cur = root;
        /* A UTF-8 byte order mark is not TOML, but editors write it. */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                p.i = p.line_start = 3;
        while (!eof(&p)) {
                int c;

                skip_ws(&p);
                r = skip_comment(&p);
                if (r < 0)
                        return r;
                if (eof(&p))
                        break;
                r = eat_newline(&p);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                c = peek(&p);
                if (c == '[') {
                        r = parse_header(&p, &cur);
                        if (r < 0)
                                return r;
                        r = end_of_line(&p, "a table header");
                } else {
                        _cleanup_strv_free_ char **key = NULL;
                        json_object *v = NULL;
                        unsigned line = p.line;

                        r = parse_key(&p, &key);
                        if (r < 0)
                                return r;
                        if (peek(&p) != '=')
                                return fail(&p, "expected '=' after a key");
                        p.i++;
                        skip_ws(&p);
                        r = parse_value(&p, 0, &v);
                        if (r < 0)
                                return r;
                        r = assign(&p, cur, key, v, line);
                        if (r < 0)
                                return r;
                        r = end_of_line(&p, "a value");
                }
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(root);
        return 0;
}
