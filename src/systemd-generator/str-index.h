#pragma once

/* A small open-addressing hash map from borrowed strings to indexes, so that looking units up by file
 * name or service name stays linear overall with a thousand files (systemd runs generators on every
 * boot and daemon-reload). Keys are not copied: they must outlive the map. */

#include <stdbool.h>
#include <stddef.h>

typedef struct StrIndex {
        const char **keys; /* NULL: empty slot */
        size_t *values;
        size_t size; /* slots, a power of two */
        size_t n;
} StrIndex;

/* Adds key → value unless key is there already (then the map is unchanged). Returns 0 or -ENOMEM. */
int str_index_put(StrIndex *x, const char *key, size_t value);
/* Returns whether key is in the map, and its value in *ret. */
bool str_index_get(const StrIndex *x, const char *key, size_t *ret);
void str_index_done(StrIndex *x);
