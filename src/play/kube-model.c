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
        free(s->index);
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

static const char *object_name(const KubeObject *o) {
        return o->metadata && o->metadata->name.v ? o->metadata->name.v : NULL;
}

static int index_cmp(const void *a, const void *b, void *userdata) {
        const KubeSet *set = userdata;
        size_t i = *(const size_t *) a, j = *(const size_t *) b;
        const KubeObject *x = &set->objects[i], *y = &set->objects[j];
        int c;

        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        c = strcmp(object_name(x), object_name(y));
        if (c != 0)
                return c;
        return i < j ? -1 : i > j; /* the first definition first */
}

int kube_set_reindex(KubeSet *set) {
        size_t *idx = realloc(set->index, (set->n_objects + 1) * sizeof(size_t)), n = 0;

        if (!idx)
                return -ENOMEM;
        set->index = idx;
        for (size_t i = 0; i < set->n_objects; i++)
                if (object_name(&set->objects[i]))
                        idx[n++] = i;
        qsort_r(idx, n, sizeof(size_t), index_cmp, set);
        set->n_index = n;
        return 0;
}

const KubeObject *kube_set_find(const KubeSet *set, KubeKind kind, const char *name) {
        size_t lo = 0, hi = set->n_index;

        /* Lower bound of (kind, name): the first definition when a name repeats. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const KubeObject *o = &set->objects[set->index[mid]];
                int c = o->kind != kind ? (o->kind < kind ? -1 : 1) : strcmp(object_name(o), name);

                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < set->n_index) {
                const KubeObject *o = &set->objects[set->index[lo]];
                if (o->kind == kind && streq(object_name(o), name))
                        return o;
        }
        return NULL;
}
