#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/fileio.h"
#include "common/json-util.h"
#include "common/strbuf.h"

int json_add_object(json_object *o, const char *key, json_object *value) {
        if (!value)
                return -ENOMEM;
        if (json_object_object_add(o, key, value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

int json_add_null(json_object *o, const char *key) {
        /* json-c represents null as a NULL object: json_object_new_null() returns NULL. */
        return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
}

int json_add_string(json_object *o, const char *key, const char *value) {
        if (!value)
                return json_add_null(o, key);
        return json_add_object(o, key, json_object_new_string(value));
}

int json_add_string_nonnull(json_object *o, const char *key, const char *value) {
        return value ? json_add_string(o, key, value) : 0;
}

int json_add_int(json_object *o, const char *key, int64_t value) {
        return json_add_object(o, key, json_object_new_int64(value));
}

int json_add_bool(json_object *o, const char *key, bool value) {
        return json_add_object(o, key, json_object_new_boolean(value));
}

int json_array_add(json_object *a, json_object *value) {
        if (!value)
                return -ENOMEM;
        if (json_object_array_add(a, value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

int json_add_strv(json_object *o, const char *key, char *const *l) {
        json_object *a = json_object_new_array();
        int r;

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; l && l[i]; i++) {
                r = json_array_add(a, json_object_new_string(l[i]));
                if (r < 0) {
                        json_object_put(a);
                        return r;
                }
        }
        return json_add_object(o, key, a);
}

static int json_write_file(int dir_fd, const char *path, json_object *o, mode_t mode, bool durable) {
        StrBuf sb = STRBUF_INIT;
        const char *s;
        int r;

        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        strbuf_puts(&sb, s);
        strbuf_putc(&sb, '\n');
        if (!strbuf_ok(&sb)) {
                strbuf_release(&sb);
                return -ENOMEM;
        }
        r = durable ? write_file_atomic_at(dir_fd, path, sb.buf, sb.len, mode)
                    : write_file_replace_at(dir_fd, path, sb.buf, sb.len, mode);
        strbuf_release(&sb);
        return r;
}

int json_write_file_atomic_at(int dir_fd, const char *path, json_object *o, mode_t mode) {
        return json_write_file(dir_fd, path, o, mode, true);
}

int json_write_file_replace_at(int dir_fd, const char *path, json_object *o, mode_t mode) {
        return json_write_file(dir_fd, path, o, mode, false);
}
