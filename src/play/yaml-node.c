#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/strbuf.h"
#include "play/yaml-node.h"

/* A document may expand (through aliases) to at most this many nodes. Far above any real Kubernetes
 * document, far below what "billion laughs" makes; the consumers walk the expanded tree. */
#define EXPANDED_NODES_MAX (4u * 1024u * 1024u)
/* Nesting deeper than this is not a Kubernetes object, and recursive consumers stay bounded. */
#define DEPTH_MAX 512u

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_NULL "tag:yaml.org,2002:null"
#define TAG_BOOL "tag:yaml.org,2002:bool"
#define TAG_INT "tag:yaml.org,2002:int"
#define TAG_FLOAT "tag:yaml.org,2002:float"
#define TAG_MERGE "tag:yaml.org,2002:merge"

DEFINE_VOID_CLEANUP_FUNC(yaml_parser_t *, yaml_parser_delete);

typedef struct Anchor {
        const char *name;
        YNode *node;
        size_t weight; /* nodes in node's tree, aliases expanded: what an alias to it adds */
        struct Anchor *next;
} Anchor;

typedef struct Frame {
        YNode *node;
        const char *anchor; /* registered when the collection ends, so it cannot contain itself */
        /* Children collected so far (malloc'd; copied into the arena at the end). For a mapping,
         * items alternate key, value. */
        YNode **items;
        size_t n, alloc;
        size_t start; /* Loader.expanded when it opened: its weight is what was counted since */
} Frame;

typedef struct Loader {
        YStream *stream;
        const char *file;
        Frame *stack;
        size_t depth, stack_alloc;
        Anchor *anchors;
        unsigned line_offset; /* lines of the input before this part (see ystream_load_split()) */
        size_t expanded; /* nodes of the current document, aliases expanded */
        YPair *scratch;  /* a mapping's pairs while it is being closed */
        size_t scratch_alloc;
        Diag **reterr;
} Loader;

static YScalarKind classify_scalar(const YNode *n);

static const char *const type_table[_YNODE_TYPE_MAX] = {
        [YNODE_SCALAR] = "scalar",
        [YNODE_SEQUENCE] = "list",
        [YNODE_MAPPING] = "mapping",
};

const char *ynode_type_to_string(YNodeType t) {
        return t >= 0 && t < _YNODE_TYPE_MAX ? type_table[t] : NULL;
}


YStream *ystream_free(YStream *s) {
        if (!s)
                return NULL;
        arena_free(s->arena);
        free(s);
        return NULL;
}

static void key_to_path(StrBuf *sb, const char *key, bool first) {
        bool simple = *key != 0;

        for (const char *p = key; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '_' || *p == '-'))
                        simple = false;
        if (simple)
                strbuf_addf(sb, "%s%s", first ? "" : ".", key);
        else
                strbuf_addf(sb, "[%s]", key);
}

/* The field path of the node being read: keys of the open mappings and indexes of the open lists,
 * including the innermost one, since the node being read is the next item of the top frame. */
static char *loader_path(const Loader *l, const char *last_key) {
        StrBuf sb = STRBUF_INIT;

        for (size_t i = 0; i < l->depth; i++) {
                const Frame *f = &l->stack[i];

                if (f->node->type == YNODE_MAPPING) {
                        /* A key is pending when an odd number of items was collected. */
                        if (f->n % 2 == 1)
                                key_to_path(&sb, f->items[f->n - 1]->scalar.value, sb.len == 0);
                } else
                        strbuf_addf(&sb, "[%zu]", f->n);
        }
        if (last_key)
                key_to_path(&sb, last_key, sb.len == 0);
        return strbuf_detach(&sb);
}

static int loader_error(Loader *l, unsigned line, unsigned column, const char *path, const char *fmt, ...)
        _printf_(5, 6);

static int loader_error(Loader *l, unsigned line, unsigned column, const char *path, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return diag_set(l->reterr, -EBADMSG, l->file, line, column, path, "%s", msg);
}

static YNode *node_new(Loader *l, YNodeType type, const yaml_mark_t *mark, const yaml_char_t *tag) {
        YNode *n = arena_alloc(l->stream->arena, sizeof(YNode));

        if (!n)
                return NULL;
        n->type = type;
        n->line = (unsigned) mark->line + 1 + l->line_offset;
        n->column = (unsigned) mark->column + 1;
        if (tag && !(n->tag = arena_strdup(l->stream->arena, (const char *) tag)))
                return NULL;
        l->stream->n_nodes++;
        return n;
}

static int frame_push_item(Frame *f, YNode *n) {
        if (f->n == f->alloc) {
                size_t a = f->alloc ? f->alloc * 2 : 8;
                YNode **items = realloc(f->items, a * sizeof(YNode *));
                if (!items)
                        return -ENOMEM;
                f->items = items;
                f->alloc = a;
        }
        f->items[f->n++] = n;
        return 0;
}

static bool is_merge_key(const YNode *k) {
        if (k->tag)
                return strcmp(k->tag, TAG_MERGE) == 0;
        return k->scalar.style == YSCALAR_PLAIN && strcmp(k->scalar.value, "<<") == 0;
}

/* Adds a finished node (or an alias target) to the collection on top of the stack, or makes it the
 * document's root. at is where an alias was written (NULL: n's own position), so that a refused
 * expansion points at the alias that caused it rather than at the anchor. */
static int loader_add(Loader *l, YNode *n, size_t weight, const yaml_mark_t *at, YDocument *doc) {
        Frame *f;

        l->expanded += weight;
        if (l->expanded > EXPANDED_NODES_MAX) {
                _cleanup_free_ char *path = loader_path(l, NULL);
                return loader_error(l, at ? (unsigned) at->line + 1 + l->line_offset : n->line,
                                    at ? (unsigned) at->column + 1 : n->column, path,
                                    "aliases expand this document to more than %u nodes, refusing it",
                                    EXPANDED_NODES_MAX);
        }
        if (l->depth == 0) {
                doc->root = n;
                return 0;
        }
        f = &l->stack[l->depth - 1];
        if (f->node->type == YNODE_MAPPING && f->n % 2 == 0) {
                /* n is a key: JSON (and so Kubernetes) only has string keys. */
                if (n->type != YNODE_SCALAR) {
                        _cleanup_free_ char *path = loader_path(l, NULL);
                        return loader_error(l, n->line, n->column, path,
                                            "a mapping key must be a scalar, got a %s",
                                            ynode_type_to_string(n->type));
                }
        }
        return frame_push_item(f, n);
}

static int loader_push(Loader *l, YNode *n, const yaml_char_t *anchor) {
        Frame *f;

        if (l->depth >= DEPTH_MAX) {
                _cleanup_free_ char *path = loader_path(l, NULL);
                return loader_error(l, n->line, n->column, path, "nested deeper than %u levels", DEPTH_MAX);
        }
        if (l->depth == l->stack_alloc) {
                size_t a = l->stack_alloc ? l->stack_alloc * 2 : 16;
                Frame *s = realloc(l->stack, a * sizeof(Frame));
                if (!s)
                        return -ENOMEM;
                memset(s + l->stack_alloc, 0, (a - l->stack_alloc) * sizeof(Frame));
                l->stack = s;
                l->stack_alloc = a;
        }
        f = &l->stack[l->depth++];
        /* The children buffer of this depth is kept from the last collection that stood here: a
         * document has hundreds of thousands of collections but only a few levels. */
        *f = (Frame) { .node = n, .start = l->expanded, .items = f->items, .alloc = f->alloc };
        if (anchor && !(f->anchor = arena_strdup(l->stream->arena, (const char *) anchor)))
                return -ENOMEM;
        return 0;
}

static int anchor_add(Loader *l, const char *name, YNode *n, size_t weight) {
        Anchor *a = arena_alloc(l->stream->arena, sizeof(Anchor));

        if (!a)
                return -ENOMEM;
        /* Newest first: a redefined anchor shadows the older one, as YAML says. */
        *a = (Anchor) { .name = name, .node = n, .weight = weight, .next = l->anchors };
        l->anchors = a;
        return 0;
}

static size_t str_hash(const char *s, size_t len) {
        size_t h = 1469598103934665603ULL;
        for (size_t i = 0; i < len; i++)
                h = (h ^ (unsigned char) s[i]) * 1099511628211ULL;
        return h;
}

static bool key_eq(const YNode *a, const YNode *b) {
        return a->scalar.len == b->scalar.len && memcmp(a->scalar.value, b->scalar.value, a->scalar.len) == 0;
}

/* Finds the first key that repeats an earlier one: returns its index and the earlier one's, or -1. */
static ssize_t find_duplicate_key(YPair *pairs, size_t n, size_t *ret_first) {
        _cleanup_free_ size_t *table = NULL;
        size_t size;

        if (n <= 16) {
                for (size_t i = 1; i < n; i++)
                        for (size_t j = 0; j < i; j++)
                                if (key_eq(pairs[i].key, pairs[j].key)) {
                                        *ret_first = j;
                                        return (ssize_t) i;
                                }
                return -1;
        }
        for (size = 32; size < n * 2; size *= 2)
                ;
        table = malloc(size * sizeof(size_t));
        if (!table)
                return -ENOMEM;
        for (size_t i = 0; i < size; i++)
                table[i] = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
                size_t j = str_hash(pairs[i].key->scalar.value, pairs[i].key->scalar.len) & (size - 1);
                for (; table[j] != SIZE_MAX; j = (j + 1) & (size - 1))
                        if (key_eq(pairs[table[j]].key, pairs[i].key)) {
                                *ret_first = table[j];
                                return (ssize_t) i;
                        }
                table[j] = i;
        }
        return -1;
}

static bool pairs_have_key(const YPair *pairs, size_t n, const YNode *key) {
        for (size_t i = 0; i < n; i++)
                if (key_eq(pairs[i].key, key))
                        return true;
        return false;
}

static int merge_one(Loader *l, YPair **pairs, size_t *n, size_t *alloc, const YNode *src, const YNode *at) {
        if (src->type != YNODE_MAPPING) {
                _cleanup_free_ char *path = loader_path(l, "<<");
                return loader_error(l, at->line, at->column, path,
                                    "a merge key (<<) takes a mapping or a list of mappings, got a %s",
                                    ynode_type_to_string(src->type));
        }
        for (size_t i = 0; i < src->map.n; i++) {
                if (pairs_have_key(*pairs, *n, src->map.pairs[i].key))
                        continue; /* keys of the mapping itself, and earlier merges, win */
                if (*n == *alloc) {
                        size_t a = *alloc ? *alloc * 2 : 8;
                        YPair *p = realloc(*pairs, a * sizeof(YPair));
                        if (!p)
                                return -ENOMEM;
                        *pairs = p;
                        *alloc = a;
                }
                (*pairs)[(*n)++] = src->map.pairs[i];
        }
        return 0;
}

/* Closes the collection on top of the stack: copies its children into the arena, applies merge keys,
 * checks for duplicate keys and registers its anchor. */
static int loader_pop(Loader *l) {
        Frame *f = &l->stack[l->depth - 1];
        YNode *n = f->node;
        /* Everything counted since it opened is its children, expanded; plus itself. */
        size_t weight = l->expanded - f->start + 1;
        int r = 0;

        if (n->type == YNODE_SEQUENCE) {
                n->seq.n = f->n;
                n->seq.items = arena_new0(l->stream->arena, YNode *, f->n);
                if (f->n && !n->seq.items) {
                        r = -ENOMEM;
                        goto finish;
                }
                for (size_t i = 0; i < f->n; i++) {
                        n->seq.items[i] = f->items[i];
                }
        } else {
                YPair *pairs;
                size_t np = 0, first;
                const YNode *merges[64], *merge_keys[64];
                size_t n_merges = 0;
                ssize_t dup;

                /* One scratch buffer for every mapping of the stream, grown as needed. */
                if (l->scratch_alloc < f->n / 2 + 1) {
                        size_t a = MAX(f->n / 2 + 1, l->scratch_alloc * 2);
                        YPair *b = realloc(l->scratch, a * sizeof(YPair));
                        if (!b) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        l->scratch = b;
                        l->scratch_alloc = a;
                }
                pairs = l->scratch;
                for (size_t i = 0; i + 1 < f->n; i += 2) {
                        if (is_merge_key(f->items[i])) {
                                if (n_merges == ELEMENTSOF(merges)) {
                                        _cleanup_free_ char *path = loader_path(l, "<<");
                                        r = loader_error(l, f->items[i]->line, f->items[i]->column, path,
                                                         "too many merge keys in one mapping");
                                        goto finish;
                                }
                                merge_keys[n_merges] = f->items[i];
                                merges[n_merges++] = f->items[i + 1];
                                continue;
                        }
                        pairs[np++] = (YPair) { .key = f->items[i], .value = f->items[i + 1] };
                }
                dup = find_duplicate_key(pairs, np, &first);
                if (dup < -1) {
                        r = (int) dup;
                        goto finish;
                }
                if (dup >= 0) {
                        /* Report it as Kubernetes' strict decoding would, at the second occurrence. */
                        const YNode *k = pairs[dup].key;
                        _cleanup_free_ char *path = NULL;

                        l->depth--; /* the path is that of the mapping's parent, plus the key */
                        path = loader_path(l, k->scalar.value);
                        l->depth++;
                        r = loader_error(l, k->line, k->column, path,
                                         "duplicate key \"%s\" (first defined at line %u)", k->scalar.value,
                                         pairs[first].key->line);
                        goto finish;
                }
                for (size_t m = 0; m < n_merges; m++) {
                        const YNode *src = merges[m];

                        /* Errors point at the "<<" key: the merged node may be an alias of one far away. */
                        if (src->type == YNODE_SEQUENCE) {
                                for (size_t i = 0; i < src->seq.n && r >= 0; i++)
                                        r = merge_one(l, &l->scratch, &np, &l->scratch_alloc, src->seq.items[i],
                                                      merge_keys[m]);
                        } else
                                r = merge_one(l, &l->scratch, &np, &l->scratch_alloc, src, merge_keys[m]);
                        if (r < 0)
                                goto finish;
                }
                pairs = l->scratch; /* merging may have moved it */
                n->map.n = np;
                n->map.pairs = arena_new0(l->stream->arena, YPair, np);
                if (np && !n->map.pairs) {
                        r = -ENOMEM;
                        goto finish;
                }
                memcpy(n->map.pairs, pairs, np * sizeof(YPair));
        }
        if (r >= 0 && f->anchor)
                r = anchor_add(l, f->anchor, n, weight);
finish:
        l->depth--;
        return r;
}

static YScalarStyle style_from_libyaml(yaml_scalar_style_t s) {
        switch (s) {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE:
                return YSCALAR_SINGLE_QUOTED;
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
                return YSCALAR_DOUBLE_QUOTED;
        case YAML_LITERAL_SCALAR_STYLE:
                return YSCALAR_LITERAL;
        case YAML_FOLDED_SCALAR_STYLE:
                return YSCALAR_FOLDED;
        default:
                return YSCALAR_PLAIN;
        }
}

/* libyaml's messages are accurate but terse; add what a person needs to fix the most common ones. */
static const char *syntax_hint(const yaml_parser_t *p, const char *text, size_t len) {
        size_t off = p->problem_mark.index;

        if (off < len && text[off] == '\t')
                return " (tabs cannot be used for indentation in YAML; use spaces)";
        if (p->problem && strstr(p->problem, "mapping values are not allowed"))
                return " (is a ':' missing a space after it, or is a value that contains ': ' not quoted?)";
        if (p->problem && strstr(p->problem, "did not find expected key"))
                return " (check the indentation of this line against the lines above)";
        return "";
}

static int syntax_error(Loader *l, const yaml_parser_t *p, const char *text, size_t len) {
        const yaml_mark_t *m = &p->problem_mark;

        if (p->error == YAML_MEMORY_ERROR)
                return -ENOMEM;
        /* A quoted scalar that is never closed runs to the end of the file: the place to fix is where
         * it was opened, not the last line. */
        if (p->context && strstr(p->context, "quoted scalar") && p->problem &&
            strstr(p->problem, "end of stream"))
                return loader_error(l, (unsigned) p->context_mark.line + 1 + l->line_offset,
                                    (unsigned) p->context_mark.column + 1, NULL,
                                    "YAML syntax error: this quoted string is never closed (no closing quote "
                                    "before the end of the file)");
        if (p->context)
                return loader_error(l, (unsigned) m->line + 1 + l->line_offset, (unsigned) m->column + 1, NULL,
                                    "YAML syntax error: %s %s at line %u column %u%s", p->problem ?: "error",
                                    p->context, (unsigned) p->context_mark.line + 1 + l->line_offset,
                                    (unsigned) p->context_mark.column + 1, syntax_hint(p, text, len));
        return loader_error(l, (unsigned) m->line + 1 + l->line_offset, (unsigned) m->column + 1, NULL,
                            "YAML syntax error: %s%s",
                            p->problem ?: "unknown error", syntax_hint(p, text, len));
}

static int stream_add_doc(YStream *s, size_t *alloc, YDocument **ret) {
        if (s->n_docs == *alloc) {
                size_t a = *alloc ? *alloc * 2 : 4;
                YDocument *d = arena_new0(s->arena, YDocument, a);
                if (!d)
                        return -ENOMEM;
                if (s->n_docs)
                        memcpy(d, s->docs, s->n_docs * sizeof(YDocument));
                s->docs = d;
                *alloc = a;
        }
        *ret = &s->docs[s->n_docs++];
        **ret = (YDocument) {};
        return 0;
}

/* Loads one part of the input (the whole of it, or a run of whole documents), whose first line is line
 * line_offset + 1 of the input. Empty documents are kept: they are dropped once, after the parts are
 * joined. */
static int load_part(const char *text, size_t len, const char *file, unsigned line_offset, YStream **ret,
                     Diag **reterr) {
        _cleanup_(yaml_parser_deletep) yaml_parser_t *parser = NULL;
        _cleanup_(ystream_freep) YStream *s = NULL;
        yaml_parser_t parser_storage;
        Loader l = { .reterr = reterr, .line_offset = line_offset };
        YDocument *doc = NULL;
        size_t docs_alloc = 0;
        bool done = false;
        int r = 0;

        s = calloc(1, sizeof(YStream));
        if (!s)
                return -ENOMEM;
        s->arena = arena_new();
        if (!s->arena)
                return -ENOMEM;
        s->file = arena_strdup(s->arena, file ?: "<input>");
        if (!s->file)
                return -ENOMEM;
        l.stream = s;
        l.file = s->file;

        if (!yaml_parser_initialize(&parser_storage))
                return -ENOMEM;
        parser = &parser_storage;
        yaml_parser_set_input_string(parser, (const unsigned char *) text, len);

        while (!done && r >= 0) {
                yaml_event_t ev;
                YNode *n;

                if (!yaml_parser_parse(parser, &ev)) {
                        r = syntax_error(&l, parser, text, len);
                        break;
                }
                switch (ev.type) {
                case YAML_STREAM_END_EVENT:
                        done = true;
                        break;
                case YAML_DOCUMENT_START_EVENT:
                        r = stream_add_doc(s, &docs_alloc, &doc);
                        if (r >= 0)
                                doc->line = (unsigned) ev.start_mark.line + 1 + l.line_offset;
                        l.anchors = NULL; /* anchors do not cross documents */
                        l.expanded = 0;
                        break;
                case YAML_SCALAR_EVENT:
                        n = node_new(&l, YNODE_SCALAR, &ev.start_mark, ev.data.scalar.tag);
                        if (!n) {
                                r = -ENOMEM;
                                break;
                        }
                        n->scalar.value = arena_strndup(s->arena, (const char *) ev.data.scalar.value,
                                                        ev.data.scalar.length);
                        n->scalar.len = ev.data.scalar.length;
                        n->scalar.style = style_from_libyaml(ev.data.scalar.style);
                        if (!n->scalar.value) {
                                r = -ENOMEM;
                                break;
                        }
                        n->scalar.kind = classify_scalar(n);
                        if (ev.data.scalar.anchor)
                                r = anchor_add(&l, arena_strdup(s->arena, (const char *) ev.data.scalar.anchor), n, 1);
                        if (r >= 0)
                                r = loader_add(&l, n, 1, NULL, doc);
                        break;
                case YAML_SEQUENCE_START_EVENT:
                case YAML_MAPPING_START_EVENT: {
                        bool seq = ev.type == YAML_SEQUENCE_START_EVENT;

                        n = node_new(&l, seq ? YNODE_SEQUENCE : YNODE_MAPPING, &ev.start_mark,
                                     seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag);
                        if (!n) {
                                r = -ENOMEM;
                                break;
                        }
                        r = loader_push(&l, n, seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor);
                        break;
                }
                case YAML_SEQUENCE_END_EVENT:
                case YAML_MAPPING_END_EVENT:
                        n = l.stack[l.depth - 1].node;
                        r = loader_pop(&l);
                        /* Its children were counted as they were added: count the collection itself once. */
                        if (r >= 0)
                                r = loader_add(&l, n, 1, NULL, doc);
                        break;
                case YAML_ALIAS_EVENT: {
                        const char *name = (const char *) ev.data.alias.anchor;
                        Anchor *a;

                        for (a = l.anchors; a; a = a->next)
                                if (streq(a->name, name))
                                        break;
                        if (!a) {
                                _cleanup_free_ char *path = loader_path(&l, NULL);
                                bool own = false;

                                for (size_t i = 0; i < l.depth; i++)
                                        if (streq_ptr(l.stack[i].anchor, name))
                                                own = true;
                                r = loader_error(&l, (unsigned) ev.start_mark.line + 1 + l.line_offset,
                                                 (unsigned) ev.start_mark.column + 1, path,
                                                 own ? "alias *%s refers to a node that contains it"
                                                     : "alias *%s refers to an anchor &%s that was not defined before it",
                                                 name, name);
                                break;
                        }
                        r = loader_add(&l, a->node, a->weight, &ev.start_mark, doc);
                        break;
                }
                default:
                        break;
                }
                yaml_event_delete(&ev);
        }

        for (size_t i = 0; i < l.stack_alloc; i++)
                free(l.stack[i].items);
        free(l.scratch);
        free(l.stack);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

/* Finds where a second part can start: a line "---" (alone, or followed by a space or tab) at or after
 * from, at the start of a line. YAML ends every document there, whatever came before (block scalars
 * are indented, and a quoted scalar or flow collection cannot run across it), so both halves parse
 * exactly as the whole would. Returns the offset of that line, or 0 when there is none. */
static size_t find_split(const char *text, size_t len, size_t from) {
        for (size_t i = from; i < len;) {
                const char *nl = memchr(text + i, '\n', len - i);
                size_t line;

                if (!nl)
                        return 0;
                line = (size_t) (nl - text) + 1;
                if (line + 3 <= len && memcmp(text + line, "---", 3) == 0 &&
                    (line + 3 == len || strchr(" \t\r\n", text[line + 3])))
                        return line;
                i = line;
        }
        return 0;
}

/* Whether the input may be cut at bytes. Not when it may be UTF-16/32 (a byte order mark other than
 * UTF-8's, or NULs); not when it has directives ('%' at the start of a line, after a UTF-8 BOM too),
 * which belong to the next document and would be separated from it; and not when it has line breaks
 * other than "\n" and "\r\n" (a lone "\r", NEL, LS, PS: libyaml counts them as lines, and the second
 * part's line numbers are computed by counting "\n"). */
static bool splittable(const char *text, size_t len) {
        const unsigned char *p = (const unsigned char *) text, *end = p + len;

        if (len >= 2 && (p[0] == 0xfe || p[0] == 0xff || p[0] == 0 || p[1] == 0))
                return false;
        if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
                p += 3;
        if (p < end && *p == '%')
                return false;
        for (; p < end; p++)
                switch (*p) {
                case 0:
                        return false;
                case '\r':
                        if (p + 1 == end || p[1] != '\n')
                                return false;
                        break;
                case '\n':
                        if (p + 1 < end && p[1] == '%')
                                return false;
                        break;
                case 0xc2: /* NEL: C2 85 */
                        if (p + 1 < end && p[1] == 0x85)
                                return false;
                        break;
                case 0xe2: /* LS, PS: E2 80 A8, E2 80 A9 */
                        if (p + 2 < end && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
                                return false;
                        break;
                default:
                        break;
                }
        return true;
}

typedef struct PartJob {
        const char *text;
        size_t len;
        const char *file;
        unsigned line_offset;
        YStream *stream;
        Diag *error;
        int r;
} PartJob;

static void *part_thread(void *userdata) {
        PartJob *j = userdata;
        j->r = load_part(j->text, j->len, j->file, j->line_offset, &j->stream, &j->error);
        return NULL;
}

static int join_streams(YStream *a, YStream *b) {
        YDocument *docs = arena_new0(a->arena, YDocument, a->n_docs + b->n_docs);

        if (!docs && a->n_docs + b->n_docs > 0)
                return -ENOMEM;
        if (a->n_docs)
                memcpy(docs, a->docs, a->n_docs * sizeof(YDocument));
        if (b->n_docs)
                memcpy(docs + a->n_docs, b->docs, b->n_docs * sizeof(YDocument));
        a->docs = docs;
        a->n_docs += b->n_docs;
        a->n_nodes += b->n_nodes;
        /* b's nodes live in b's arena: a takes it over, and b goes without freeing them. */
        arena_adopt(a->arena, b->arena);
        b->arena = NULL;
        return 0;
}

int ystream_load_split(const char *text, size_t len, const char *file, size_t min_split, YStream **ret,
                       Diag **reterr) {
        _cleanup_(ystream_freep) YStream *s = NULL;
        size_t cut = 0;
        int r;

        /* A large stream of several documents is read in two halves on two threads: libyaml's
         * scanner is most of the time of a large load, and is strictly sequential within a part. */
        if (len >= min_split && len >= 8 && splittable(text, len))
                cut = find_split(text, len, len / 2);
        if (cut > 0) {
                PartJob second = {
                        .text = text + cut,
                        .len = len - cut,
                        .file = file,
                        .line_offset = 0,
                };
                Diag *first_error = NULL;
                pthread_t t;
                bool threaded;

                for (const char *p = memchr(text, '\n', cut); p; p = memchr(p + 1, '\n', (size_t) (text + cut - p - 1)))
                        second.line_offset++;
                threaded = pthread_create(&t, NULL, part_thread, &second) == 0;
                r = load_part(text, cut, file, 0, &s, &first_error);
                if (threaded)
                        (void) pthread_join(t, NULL);
                else
                        part_thread(&second);
                /* The first problem in the input is the one to report, as a single pass would. */
                if (r < 0 || second.r < 0) {
                        ystream_free(second.stream);
                        if (r < 0) {
                                diag_free(second.error);
                                if (reterr)
                                        *reterr = first_error;
                                else
                                        diag_free(first_error);
                                return r;
                        }
                        if (reterr)
                                *reterr = second.error;
                        else
                                diag_free(second.error);
                        return second.r;
                }
                r = join_streams(s, second.stream);
                ystream_free(second.stream);
                if (r < 0)
                        return r;
        } else {
                r = load_part(text, len, file, 0, &s, reterr);
                if (r < 0)
                        return r;
        }

        /* Documents that hold nothing ("---" alone, comments only) are dropped here, once. */
        {
                size_t k = 0;
                for (size_t i = 0; i < s->n_docs; i++)
                        if (s->docs[i].root && !ynode_is_null(s->docs[i].root))
                                s->docs[k++] = s->docs[i];
                s->n_docs = k;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int ystream_load(const char *text, size_t len, const char *file, YStream **ret, Diag **reterr) {
        /* Below this, a thread costs more than it saves. */
        return ystream_load_split(text, len, file, 512 * 1024, ret, reterr);
}

static bool str_in(const char *s, const char *const *list) {
        for (; *list; list++)
                if (streq(s, *list))
                        return true;
        return false;
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL };
static const char *const false_words[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL };

/* Parses an integer as go-yaml v2 does (strconv.ParseInt with base 0 after dropping '_'): decimal,
 * 0x hex, 0o or leading-0 octal, 0b binary, with an optional sign. */
static int parse_yaml_int(const char *s, int64_t *ret) {
        char buf[128];
        size_t k = 0;
        bool neg = false;
        unsigned base = 10;
        unsigned __int128 v = 0;
        const char *p;

        for (p = s; *p; p++) {
                if (*p == '_')
                        continue;
                if (k + 1 >= sizeof(buf))
                        return -ERANGE;
                buf[k++] = *p;
        }
        buf[k] = 0;
        p = buf;
        if (*p == '+' || *p == '-')
                neg = *p++ == '-';
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
                base = 16, p += 2;
        else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
                base = 8, p += 2;
        else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
                base = 2, p += 2;
        else if (p[0] == '0' && p[1])
                base = 8, p += 1;
        if (!*p)
                return -EINVAL;
        for (; *p; p++) {
                unsigned d;
                if (*p >= '0' && *p <= '9')
                        d = (unsigned) (*p - '0');
                else if (*p >= 'a' && *p <= 'f')
                        d = (unsigned) (*p - 'a' + 10);
                else if (*p >= 'A' && *p <= 'F')
                        d = (unsigned) (*p - 'A' + 10);
                else
                        return -EINVAL;
                if (d >= base)
                        return -EINVAL;
                v = v * base + d;
                if (v > (unsigned __int128) INT64_MAX + 1)
                        return -ERANGE;
        }
        if (!neg && v > INT64_MAX)
                return -ERANGE;
        *ret = neg ? (int64_t) -(__int128) v : (int64_t) v;
        return 0;
}

/* go-yaml v2 drops '_' from numbers before parsing them ("1_000.5" is 1000.5). Returns a new string
 * or NULL on OOM (then the scalar is taken as a string). */
static char *strip_underscores(const char *s) {
        char *r = malloc(strlen(s) + 1), *o = r;

        if (!r)
                return NULL;
        for (; *s; s++)
                if (*s != '_')
                        *o++ = *s;
        *o = 0;
        return r;
}

static bool looks_like_float(const char *in) {
        static const char *const special[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
                                               "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", NULL };
        _cleanup_free_ char *s = NULL;
        bool digit = false;
        char *end;

        if (str_in(in, special))
                return true;
        s = strip_underscores(in);
        if (!s)
                return false;
        /* Only decimal notation: strtod would also take "inf", "nan" and hex floats. */
        for (const char *p = s; *p; p++) {
                if (*p >= '0' && *p <= '9')
                        digit = true;
                else if (!strchr("+-.eE_", *p))
                        return false;
        }
        if (!digit)
                return false;
        errno = 0;
        (void) strtod(s, &end);
        return *end == 0;
}

YScalarKind ynode_scalar_kind(const YNode *n) {
        if (!n || n->type != YNODE_SCALAR)
                return _YKIND_INVALID;
        return n->scalar.kind;
}

/* Decided once, when the scalar is read: consumers ask for it several times per scalar. */
static YScalarKind classify_scalar(const YNode *n) {
        if (n->tag) {
                if (streq(n->tag, TAG_NULL))
                        return YKIND_NULL;
                if (streq(n->tag, TAG_BOOL))
                        return YKIND_BOOL;
                if (streq(n->tag, TAG_INT))
                        return YKIND_INT;
                if (streq(n->tag, TAG_FLOAT))
                        return YKIND_FLOAT;
                return YKIND_STRING;
        }
        if (n->scalar.style != YSCALAR_PLAIN)
                return YKIND_STRING;
        return yaml_resolve_plain(n->scalar.value);
}

YScalarKind yaml_resolve_plain(const char *v) {
        int64_t i;

        /* Most scalars are words and paths: only these first characters can start anything else. */
        if (*v && !strchr("~nNyYtTfFoO0123456789+-.", *v))
                return YKIND_STRING;
        if (str_in(v, null_words))
                return YKIND_NULL;
        if (str_in(v, true_words) || str_in(v, false_words))
                return YKIND_BOOL;
        if ((*v >= '0' && *v <= '9') || *v == '-' || *v == '+' || *v == '.') {
                int r = parse_yaml_int(v, &i);
                if (r == 0 || r == -ERANGE)
                        return r == 0 ? YKIND_INT : YKIND_FLOAT; /* go-yaml falls back to float on overflow */
                if (looks_like_float(v))
                        return YKIND_FLOAT;
        }
        return YKIND_STRING;
}

bool ynode_is_null(const YNode *n) {
        return !n || (n->type == YNODE_SCALAR && ynode_scalar_kind(n) == YKIND_NULL);
}

const char *ynode_describe(const YNode *n) {
        if (!n)
                return "nothing";
        switch (n->type) {
        case YNODE_SEQUENCE:
                return "a list";
        case YNODE_MAPPING:
                return "a mapping";
        default:
                break;
        }
        switch (ynode_scalar_kind(n)) {
        case YKIND_NULL:
                return "null";
        case YKIND_BOOL:
                return "a boolean";
        case YKIND_INT:
                return "an integer";
        case YKIND_FLOAT:
                return "a number";
        default:
                return "a string";
        }
}

YNode *ynode_map_get(const YNode *map, const char *key) {
        if (!map || map->type != YNODE_MAPPING)
                return NULL;
        for (size_t i = 0; i < map->map.n; i++)
                if (streq(map->map.pairs[i].key->scalar.value, key))
                        return map->map.pairs[i].value;
        return NULL;
}

int ynode_get_bool(const YNode *n, bool *ret) {
        if (ynode_scalar_kind(n) != YKIND_BOOL)
                return -EINVAL;
        if (n->tag && (streq(n->scalar.value, "1") || streq(n->scalar.value, "0"))) {
                *ret = n->scalar.value[0] == '1';
                return 0;
        }
        if (str_in(n->scalar.value, true_words))
                *ret = true;
        else if (str_in(n->scalar.value, false_words))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

int ynode_get_int(const YNode *n, int64_t *ret) {
        YScalarKind k = ynode_scalar_kind(n);

        if (k != YKIND_INT && k != YKIND_FLOAT)
                return -EINVAL;
        if (k == YKIND_FLOAT) {
                /* go-yaml turns an int that overflows int64 into a float; say it is out of range. */
                int64_t v;
                return parse_yaml_int(n->scalar.value, &v) == -ERANGE ? -ERANGE : -EINVAL;
        }
        return parse_yaml_int(n->scalar.value, ret);
}

int ynode_get_float(const YNode *n, double *ret) {
        YScalarKind k = ynode_scalar_kind(n);
        const char *v;
        char *end;

        if (k == YKIND_INT) {
                int64_t i;
                int r = parse_yaml_int(n->scalar.value, &i);
                if (r < 0)
                        return r;
                *ret = (double) i;
                return 0;
        }
        if (k != YKIND_FLOAT)
                return -EINVAL;
        v = n->scalar.value;
        if (strstr(v, "inf") || strstr(v, "Inf") || strstr(v, "INF")) {
                *ret = v[0] == '-' ? -INFINITY : INFINITY;
                return 0;
        }
        if (strstr(v, "nan") || strstr(v, "NaN") || strstr(v, "NAN")) {
                *ret = NAN;
                return 0;
        }
        {
                _cleanup_free_ char *plain = strip_underscores(v);
                if (!plain)
                        return -ENOMEM;
                errno = 0;
                *ret = strtod(plain, &end);
                if (*end)
                        return -EINVAL;
        }
        return errno == ERANGE ? -ERANGE : 0;
}
