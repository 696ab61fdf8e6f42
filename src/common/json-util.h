#pragma once

/* Small helpers over json-c. The adders return 0 or -ENOMEM and take a borrowed string (NULL adds
 * nothing for the *_nonnull variants). */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cleanup.h"

DEFINE_VOID_CLEANUP_FUNC(json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Adds a JSON null. */
int json_add_null(json_object *o, const char *key);
/* Adds value, or null when value is NULL. */
int json_add_string(json_object *o, const char *key, const char *value);
int json_add_string_nonnull(json_object *o, const char *key, const char *value);
int json_add_int(json_object *o, const char *key, int64_t value);
int json_add_bool(json_object *o, const char *key, bool value);
/* Takes ownership of value in every case. */
int json_add_object(json_object *o, const char *key, json_object *value);
int json_array_add(json_object *a, json_object *value);
/* Adds a JSON array of the strings of a NULL-terminated vector. */
int json_add_strv(json_object *o, const char *key, char *const *l);

/* Writes o to path atomically (see write_file_atomic_at()), pretty-printed, with a trailing newline. */
int json_write_file_atomic_at(int dir_fd, const char *path, json_object *o, mode_t mode);
/* The same with write_file_replace_at(): atomic for readers, not fsync'd (volatile RUNROOT files). */
int json_write_file_replace_at(int dir_fd, const char *path, json_object *o, mode_t mode);
