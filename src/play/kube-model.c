#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "play/kube-model.h"

static const char *const kind_table[_KUBE_KIND_MAX] = {
        [KUBE_POD] = "Pod",
        [KUBE_DEPLOYMENT] = "Deployment",
        [KUBE_CONFIG_MAP] = "ConfigMap",
        [KUBE_SECRET] = "Secret",
        [KUBE_PVC] = "PersistentVolumeClaim",
};

const char *kube_kind_to_string(KubeKind k) {
        return k >= 0 && k < _KUBE_KIND_MAX ? kind_table[k] : NULL;
}

KubeKind kube_kind_from_string(const char *s) {
        for (KubeKind k = 0; k < _KUBE_KIND_MAX; k++)
                if (streq(kind_table[k], s))
                        return k;
        return _KUBE_KIND_INVALID;
}

KubeSet *kube_set_new(void) {
        KubeSet *s = calloc(1, sizeof(KubeSet));

        if (!s)
                return NULL;
        s->arena = arena_new();
        if (!s->arena) {
                free(s);
                return NULL;
        }
        return s;
}

KubeSet *kube_set_free(KubeSet *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_streams; i++)
                ystream_free(s->streams[i]);
        free(s->streams);
        free(s->objects);
        arena_free(s->arena);
        free(s);
        return NULL;
}

const KStr *kstrmap_get(const KStrMap *m, const char *key) {
        for (size_t i = 0; i < m->n; i++)
                if (m->v[i].key.v && streq(m->v[i].key.v, key))
                        return &m->v[i].value;
        return NULL;
}

const KQuantity *kquantitymap_get(const KQuantityMap *m, const char *key) {
        for (size_t i = 0; i < m->n; i++)
                if (m->v[i].key.v && streq(m->v[i].key.v, key))
                        return &m->v[i].value;
        return NULL;
}

const KPodSpec *kube_object_pod_spec(const KubeObject *o) {
        if (o->kind == KUBE_POD)
                return o->pod->spec;
        if (o->kind == KUBE_DEPLOYMENT && o->deployment->spec && o->deployment->spec->template_)
                return o->deployment->spec->template_->spec;
        return NULL;
}

const KObjectMeta *kube_object_pod_meta(const KubeObject *o) {
        if (o->kind == KUBE_POD)
                return o->pod->metadata;
        if (o->kind == KUBE_DEPLOYMENT && o->deployment->spec && o->deployment->spec->template_)
                return o->deployment->spec->template_->metadata;
        return NULL;
}

const char *kube_object_pod_spec_path(const KubeObject *o) {
        return o->kind == KUBE_DEPLOYMENT ? "spec.template.spec" : "spec";
}

const char *kube_object_pod_name(const KubeObject *o) {
        return o->pod_name;
}

const KubeObject *kube_set_find(const KubeSet *set, KubeKind kind, const char *name) {
        for (size_t i = 0; i < set->n_objects; i++) {
                const KubeObject *o = &set->objects[i];
                if (o->kind == kind && o->metadata && o->metadata->name.v && streq(o->metadata->name.v, name))
                        return o;
        }
        return NULL;
}
