#include "systemd-generator/str-index.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s) {
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 1099511628211ULL;
        return h;
}

static size_t slot_of(const StrIndex *x, const char *key) {
        size_t i = (size_t) hash(key) & (x->size - 1);

        while (x->keys[i] && strcmp(x->keys[i], key) != 0)
                i = (i + 1) & (x->size - 1);
        return i;
}

static int grow(StrIndex *x) {
        StrIndex y = {.size = x->size ? x->size * 2 : 64};

        y.keys = calloc(y.size, sizeof(char *));
        y.values = calloc(y.size, sizeof(size_t));
        if (!y.keys || !y.values) {
                free(y.keys);
                free(y.values);
                return -ENOMEM;
        }
        for (size_t i = 0; i < x->size; i++)
                if (x->keys[i]) {
                        size_t j = slot_of(&y, x->keys[i]);
                        y.keys[j] = x->keys[i];
                        y.values[j] = x->values[i];
                        y.n++;
                }
        str_index_done(x);
        *x = y;
        return 0;
}

int str_index_put(StrIndex *x, const char *key, size_t value) {
        size_t i;

        /* At most half full, so probes stay short and always end at an empty slot. */
        if ((x->n + 1) * 2 > x->size && grow(x) < 0)
                return -ENOMEM;
        i = slot_of(x, key);
        if (x->keys[i])
                return 0;
        x->keys[i] = key;
        x->values[i] = value;
        x->n++;
        return 0;
}

bool str_index_get(const StrIndex *x, const char *key, size_t *ret) {
        size_t i;

        if (x->size == 0)
                return false;
        i = slot_of(x, key);
        if (!x->keys[i])
                return false;
        if (ret)
                *ret = x->values[i];
        return true;
}

void str_index_done(StrIndex *x) {
        free(x->keys);
        free(x->values);
        *x = (StrIndex){};
}
