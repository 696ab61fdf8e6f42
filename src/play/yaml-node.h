#pragma once

/* A YAML document tree that remembers where every node stood, built on libyaml's event parser.
 *
 * Kubernetes reads YAML by converting it to JSON first (sigs.k8s.io/yaml over go-yaml v2), so this
 * loader builds exactly what that conversion can express and rejects the rest with a position:
 *   - anchors and aliases are resolved (an alias is the same node, shared, not a copy), and so are
 *     merge keys ("<<: *base");
 *   - a duplicate key in a mapping is an error (kubectl's strict decoding says the same);
 *   - mapping keys must be scalars;
 *   - aliases that would expand into an enormous tree ("billion laughs") are refused.
 * Scalars keep their text and style; whether a plain scalar is a null, bool, int, float or string is
 * decided by the consumer that knows which type it wants (ynode_scalar_kind()).
 *
 * Every node, string and array lives in the stream's arena and is freed with it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/diag.h"

typedef enum YNodeType {
        YNODE_SCALAR,
        YNODE_SEQUENCE,
        YNODE_MAPPING,
        _YNODE_TYPE_MAX,
        _YNODE_TYPE_INVALID = -EINVAL,
} YNodeType;

typedef enum YScalarStyle {
        YSCALAR_PLAIN,
        YSCALAR_SINGLE_QUOTED,
        YSCALAR_DOUBLE_QUOTED,
        YSCALAR_LITERAL,
        YSCALAR_FOLDED,
        _YSCALAR_STYLE_MAX,
        _YSCALAR_STYLE_INVALID = -EINVAL,
} YScalarStyle;

/* What a scalar means under YAML 1.1's core resolution, as go-yaml v2 (and so Kubernetes and podman)
 * decides it. Only plain scalars without an explicit tag can be anything other than a string. */
typedef enum YScalarKind {
        YKIND_STRING,
        YKIND_NULL,
        YKIND_BOOL,
        YKIND_INT,
        YKIND_FLOAT,
        _YKIND_MAX,
        _YKIND_INVALID = -EINVAL,
} YScalarKind;

typedef struct YNode YNode;

typedef struct YPair {
        YNode *key; /* always a scalar */
        YNode *value;
} YPair;

struct YNode {
        YNodeType type;
        unsigned line;   /* 1-based position of the node's first character */
        unsigned column; /* 1-based */
        const char *tag; /* explicit tag as written ("!!str"…, expanded by libyaml), or NULL */
        union {
                struct {
                        const char *value; /* NUL-terminated; may contain NULs from escapes */
                        size_t len;
                        YScalarStyle style;
                        YScalarKind kind; /* see ynode_scalar_kind() */
                } scalar;
                struct {
                        YNode **items;
                        size_t n;
                } seq;
                struct {
                        YPair *pairs; /* in document order; merged ("<<") pairs come last */
                        size_t n;
                } map;
        };
};

typedef struct YDocument {
        YNode *root;   /* NULL for an empty document */
        unsigned line; /* where the document starts */
} YDocument;

typedef struct YStream {
        Arena *arena;
        const char *file; /* for messages; in the arena */
        YDocument *docs;
        size_t n_docs;
        size_t n_nodes; /* nodes built (aliases not counted) */
} YStream;

/* Parses every document of text (len bytes; need not be NUL-terminated). file names the input in
 * messages ("pod.yaml", "<stdin>"). Returns 0 and a new stream in *ret (free with ystream_free()),
 * -ENOMEM, or -EBADMSG with *reterr saying what and where (first problem only). */
int ystream_load(const char *text, size_t len, const char *file, YStream **ret, Diag **reterr);

/* As ystream_load(), but an input of min_split bytes or more that holds several documents is read as
 * two parts on two threads; the result is the same as reading it whole. ystream_load() uses 512 KiB;
 * tests and the fuzzer pass 0 so small inputs take this path too. */
int ystream_load_split(const char *text, size_t len, const char *file, size_t min_split, YStream **ret,
                       Diag **reterr);

YStream *ystream_free(YStream *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(YStream *, ystream_free);

const char *ynode_type_to_string(YNodeType t);
/* "a string", "a mapping", "a list", "an integer"… as used in "must be X, got Y" messages. */
const char *ynode_describe(const YNode *n);

YScalarKind ynode_scalar_kind(const YNode *n);

/* What a plain, untagged scalar with this text would be (so a message can say "remove the quotes"). */
YScalarKind yaml_resolve_plain(const char *text);

/* Returns true for a missing node or a null scalar ("", "~", "null"…). */
bool ynode_is_null(const YNode *n);

/* Value of the pair whose key is key, or NULL. */
YNode *ynode_map_get(const YNode *map, const char *key);

/* Parse scalars as YAML 1.1 does. Return 0, or -EINVAL when n is not of that kind, -ERANGE when the
 * number does not fit. */
int ynode_get_bool(const YNode *n, bool *ret);
int ynode_get_int(const YNode *n, int64_t *ret);
int ynode_get_float(const YNode *n, double *ret);
