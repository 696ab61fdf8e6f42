/* json-c tree → YAML text through libyaml's event emitter (see kube-emit.h). */

#include "play/kube-emit.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "play/yaml-node.h"

static inline void yaml_emitter_deletep(yaml_emitter_t **e) {
        if (*e)
                yaml_emitter_delete(*e);
}

static int write_handler(void *data, unsigned char *buffer, size_t size) {
        /* libyaml: 1 is success, 0 makes yaml_emitter_emit() fail with YAML_WRITER_ERROR */
        return strbuf_add(data, buffer, size) >= 0;
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev, int init_ok) {
        /* The *_event_initialize() functions fail only on OOM or bad UTF-8, which they report as 0. */
        if (!init_ok)
                return -EINVAL;
        if (!yaml_emitter_emit(e, ev))
                return e->error == YAML_MEMORY_ERROR || e->error == YAML_WRITER_ERROR ? -ENOMEM : -EINVAL;
        return 0;
}

static int emit_scalar(yaml_emitter_t *e, const char *text, yaml_scalar_style_t style) {
        yaml_event_t ev;

        /* plain_implicit only for plain scalars (their type is resolved from the text), quoted_implicit
         * always (a quoted scalar is a string without a tag). libyaml still falls back from the style
         * asked for to another when the text needs it (": ", "#", a leading "-", trailing spaces…). */
        return emit(e, &ev,
                    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *) text, (int) strlen(text),
                                                 style == YAML_ANY_SCALAR_STYLE, 1, style));
}

static int emit_string(yaml_emitter_t *e, const char *s) {
        /* A string whose plain form resolves to another type is double-quoted; one with line breaks is
         * a literal block (a config file stays readable). */
        if (!*s || yaml_resolve_plain(s) != YKIND_STRING)
                return emit_scalar(e, s, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
        if (strchr(s, '\n'))
                return emit_scalar(e, s, YAML_LITERAL_SCALAR_STYLE);
        return emit_scalar(e, s, YAML_ANY_SCALAR_STYLE);
}

static int emit_node(yaml_emitter_t *e, json_object *o) {
        yaml_event_t ev;
        char buf[64];
        int r;

        switch (json_object_get_type(o)) {
        case json_type_null:
                return emit_scalar(e, "null", YAML_ANY_SCALAR_STYLE);
        case json_type_boolean:
                return emit_scalar(e, json_object_get_boolean(o) ? "true" : "false", YAML_ANY_SCALAR_STYLE);
        case json_type_int:
                snprintf(buf, sizeof(buf), "%" PRId64, json_object_get_int64(o));
                return emit_scalar(e, buf, YAML_ANY_SCALAR_STYLE);
        case json_type_double: {
                double d = json_object_get_double(o);
                if (!isfinite(d))
                        return -EINVAL;
                snprintf(buf, sizeof(buf), "%.17g", d);
                /* "1" would read back as an integer: keep it a float */
                if (!strpbrk(buf, ".e"))
                        strcat(buf, ".0");
                return emit_scalar(e, buf, YAML_ANY_SCALAR_STYLE);
        }
        case json_type_string:
                return emit_string(e, json_object_get_string(o));
        case json_type_array: {
                size_t n = json_object_array_length(o);

                r = emit(e, &ev,
                         yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                              n ? YAML_BLOCK_SEQUENCE_STYLE
                                                                : YAML_FLOW_SEQUENCE_STYLE));
                for (size_t i = 0; r >= 0 && i < n; i++)
                        r = emit_node(e, json_object_array_get_idx(o, i));
                if (r >= 0)
                        r = emit(e, &ev, yaml_sequence_end_event_initialize(&ev));
                return r;
        }
        case json_type_object: {
                bool empty = json_object_object_length(o) == 0;

                r = emit(e, &ev,
                         yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                             empty ? YAML_FLOW_MAPPING_STYLE
                                                                   : YAML_BLOCK_MAPPING_STYLE));
                json_object_object_foreach(o, key, value) {
                        if (r < 0)
                                break;
                        r = emit_string(e, key);
                        if (r >= 0)
                                r = emit_node(e, value);
                }
                if (r >= 0)
                        r = emit(e, &ev, yaml_mapping_end_event_initialize(&ev));
                return r;
        }
        }
        return -EINVAL;
}

int kube_emit_yaml(json_object *const *docs, size_t n, char **ret, size_t *ret_size) {
        _cleanup_(yaml_emitter_deletep) yaml_emitter_t *e = NULL;
        yaml_emitter_t emitter;
        StrBuf sb = STRBUF_INIT;
        yaml_event_t ev;
        int r;

        if (!yaml_emitter_initialize(&emitter))
                return -ENOMEM;
        e = &emitter;
        yaml_emitter_set_output(e, write_handler, &sb);
        yaml_emitter_set_unicode(e, 1);
        yaml_emitter_set_width(e, -1); /* never fold long lines: keeps strings as written */
        yaml_emitter_set_indent(e, 2);
        r = emit(e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
        for (size_t i = 0; r >= 0 && i < n; i++) {
                /* implicit start for the first document only: later ones get their "---" */
                r = emit(e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, i == 0));
                if (r >= 0)
                        r = emit_node(e, docs[i]);
                if (r >= 0)
                        r = emit(e, &ev, yaml_document_end_event_initialize(&ev, 1));
        }
        if (r >= 0)
                r = emit(e, &ev, yaml_stream_end_event_initialize(&ev));
        if (r >= 0 && !yaml_emitter_flush(e))
                r = -ENOMEM;
        if (r >= 0 && !strbuf_ok(&sb))
                r = -ENOMEM;
        if (r < 0) {
                strbuf_release(&sb);
                return r;
        }
        if (ret_size)
                *ret_size = sb.len;
        *ret = sb.buf ? strbuf_detach(&sb) : strdup("");
        return *ret ? 0 : -ENOMEM;
}
