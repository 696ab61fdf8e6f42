#pragma once

/* A strict parser for the subset of TOML (v1.0.0) that containers' configuration files use:
 * registries.conf and its drop-ins. Debian 12 packages no C TOML library (only C++, Go, Python and
 * Perl ones), hence this one; see docs/architecture.md.
 *
 * Supported: comments, bare/quoted/dotted keys, [table] and [[array.of.tables]] headers, basic
 * strings with every escape, literal strings, multi-line basic and literal strings, decimal integers
 * (with '_' separators and a sign), booleans, arrays (over several lines, trailing comma, comments)
 * and inline tables. Refused with an error naming the line: floats, dates and times, hexadecimal,
 * octal and binary integers, duplicate keys, a table defined twice, anything else TOML does not
 * allow.
 *
 * The document becomes a json-c tree: tables are objects, arrays (and arrays of tables) are arrays,
 * strings, integers and booleans the matching json-c types. Every value carries the line it starts
 * on: toml_line(). */

#include <stddef.h>

#include <json-c/json.h>

#include "common/diag.h"

/* Refuses documents above this size (registries.conf files are a few KiB). */
#define TOML_SIZE_MAX (1024U * 1024U)

/* Parses text (len bytes, need not be NUL-terminated). Returns 0 and a new object in *ret
 * (json_object_put() it), -ENOMEM, or -EBADMSG with a Diag in *reterr (when not NULL) naming
 * filename, the line and column, e.g. "registries.conf:3:12: expected a value". */
int toml_parse(const char *text, size_t len, const char *filename, json_object **ret, Diag **reterr);

/* The 1-based line on which value o starts, or 0 when o did not come from toml_parse(). */
unsigned toml_line(json_object *o);
