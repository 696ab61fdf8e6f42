#pragma once

/* YAML out: a json-c tree written as a YAML stream with libyaml's emitter, the output side of what
 * yaml-node.c reads.
 *
 * Mappings keep the order their keys were added in (json-c iterates objects in insertion order), so
 * whoever builds the tree decides the key order and the same tree always gives the same bytes. Types
 * survive a round trip through Kubernetes' reader (YAML 1.1 as go-yaml v2 resolves it): integers,
 * booleans and null are written plain, and a string is quoted exactly when its plain form would read
 * back as something else ("true", "8080", "0400", "~", "1e3"…). Block style throughout, empty
 * collections as [] and {}. */

#include <stddef.h>

#include <json-c/json.h>

/* Writes docs[0..n) as one YAML stream, each document introduced by "---" except the first. Returns 0
 * and a new NUL-terminated string in *ret (its length in *ret_size when not NULL), -EINVAL for a tree
 * libyaml refuses (a double value that is not finite, invalid UTF-8), or -ENOMEM. */
int kube_emit_yaml(json_object *const *docs, size_t n, char **ret, size_t *ret_size);
