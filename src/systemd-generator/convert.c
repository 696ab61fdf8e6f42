/* The translation of one quadlet file into a .service unit (podman-systemd.unit(5) meanings, skiff in
 * the Exec lines). Flags come out in a fixed order, so the output is byte-stable and golden-testable. */

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/strbuf.h"
#include "common/strv.h"
#include "systemd-generator/quadlet-internal.h"

/* systemd's WHITESPACE, which separates words. */
#define WHITESPACE " \t\n\r"

/* ---- the keys of each group ---------------------------------------------------------------------- */

/* clang-format off */
static const char *const container_keys[] = {
        "AddCapability", "AddDevice", "AddHost", "Annotation", "AppArmor", "AutoUpdate", "CgroupsMode",
        "ContainerName", "ContainersConfModule", "DNS", "DNSOption", "DNSSearch", "DropCapability",
        "Entrypoint", "Environment", "EnvironmentFile", "EnvironmentHost", "Exec", "ExposeHostPort",
        "GIDMap", "GlobalArgs", "Group", "GroupAdd", "HealthCmd", "HealthInterval", "HealthLogDestination",
        "HealthMaxLogCount", "HealthMaxLogSize", "HealthOnFailure", "HealthRetries", "HealthStartPeriod",
        "HealthStartupCmd", "HealthStartupInterval", "HealthStartupRetries", "HealthStartupSuccess",
        "HealthStartupTimeout", "HealthTimeout", "HostName", "HttpProxy", "IP", "IP6", "Image", "Label",
        "LogDriver", "LogOpt", "Mask", "Memory", "Mount", "Network", "NetworkAlias", "NoNewPrivileges",
        "Notify", "PidsLimit", "Pod", "PodmanArgs", "PublishPort", "Pull", "ReadOnly", "ReadOnlyTmpfs",
        "ReloadCmd", "ReloadSignal", "RemapGid", "RemapUid", "RemapUidSize", "RemapUsers", "Retry",
        "RetryDelay", "Rootfs", "RunInit", "SeccompProfile", "Secret", "SecurityLabelDisable",
        "SecurityLabelFileType", "SecurityLabelLevel", "SecurityLabelNested", "SecurityLabelType",
        "ServiceName", "ShmSize", "StartWithPod", "StopSignal", "StopTimeout", "SubGIDMap", "SubUIDMap",
        "Sysctl", "Timezone", "Tmpfs", "UIDMap", "Ulimit", "Unmask", "User", "UserNS", "VolatileTmp",
        "Volume", "WorkingDir", NULL,
};
static const char *const pod_keys[] = {
        "AddHost", "ContainersConfModule", "DNS", "DNSOption", "DNSSearch", "ExitPolicy", "GIDMap",
        "GlobalArgs", "HostName", "IP", "IP6", "Label", "Network", "NetworkAlias", "PodName", "PodmanArgs",
        "PublishPort", "RemapGid", "RemapUid", "RemapUidSize", "RemapUsers", "ServiceName", "ShmSize",
        "StopTimeout", "SubGIDMap", "SubUIDMap", "UIDMap", "UserNS", "Volume", NULL,
};
static const char *const kube_keys[] = {
        "AutoUpdate", "ConfigMap", "ContainersConfModule", "ExitCodePropagation", "GlobalArgs",
        "KubeDownForce", "LogDriver", "LogOpt", "Network", "PodmanArgs", "PublishPort", "RemapGid",
        "RemapUid", "RemapUidSize", "RemapUsers", "ServiceName", "SetWorkingDirectory", "UserNS", "Yaml",
        NULL,
};
static const char *const volume_keys[] = {
        "ContainersConfModule", "Copy", "Device", "Driver", "GID", "GlobalArgs", "Group", "Image", "Label",
        "Options", "PodmanArgs", "ServiceName", "Type", "UID", "User", "VolumeName", NULL,
};
static const char *const network_keys[] = {
        "ContainersConfModule", "DNS", "DisableDNS", "Driver", "Gateway", "GlobalArgs", "IPAMDriver",
        "IPRange", "IPv6", "InterfaceName", "Internal", "Label", "NetworkDeleteOnStop", "NetworkName",
        "Options", "PodmanArgs", "ServiceName", "Subnet", NULL,
};
static const char *const image_keys[] = {
        "AllTags", "Arch", "AuthFile", "CertDir", "ContainersConfModule", "Creds", "DecryptionKey",
        "GlobalArgs", "Image", "ImageTag", "OS", "PodmanArgs", "Policy", "Retry", "RetryDelay",
        "ServiceName", "TLSVerify", "Variant", NULL,
};
static const char *const quadlet_keys[] = { "DefaultDependencies", NULL };
/* clang-format on */

static const char *const *const type_keys[_QUADLET_TYPE_MAX] = {
        [QUADLET_CONTAINER] = container_keys, [QUADLET_VOLUME] = volume_keys,
        [QUADLET_NETWORK] = network_keys,     [QUADLET_IMAGE] = image_keys,
        [QUADLET_KUBE] = kube_keys,           [QUADLET_POD] = pod_keys,
};
static const char *const group_names[_QUADLET_TYPE_MAX] = {
        [QUADLET_CONTAINER] = "Container", [QUADLET_VOLUME] = "Volume", [QUADLET_NETWORK] = "Network",
        [QUADLET_IMAGE] = "Image",         [QUADLET_KUBE] = "Kube",     [QUADLET_POD] = "Pod",
};
static const char *const service_suffix[_QUADLET_TYPE_MAX] = {
        [QUADLET_CONTAINER] = "",   [QUADLET_VOLUME] = "-volume", [QUADLET_NETWORK] = "-network",
        [QUADLET_IMAGE] = "-image", [QUADLET_KUBE] = "",          [QUADLET_POD] = "-pod",
};

/* ---- the key table: key name → KeyId, once per run ----------------------------------------------- */

/* Every key of every group above gets a small number, a KeyId, the first time the generator needs one:
 * key_table[] is an open-addressing hash table (FNV-1a, linear probing, at most a quarter full) over the
 * union of the *_keys tables, and key_types[id] says which groups accept the key (bit 1 << type). Both
 * are static and filled once; no memory is allocated. Looking a key up costs one hash of its name and,
 * on a hit, one strcmp; a KeyId is then an array index (see GroupIndex). */
#define KEY_TABLE_SIZE 1024U /* a power of two, at least 4x the number of distinct keys */
#define KEY_IDS_MAX 256U

typedef int KeyId; /* -1: not a key of any group */

static const char *key_names[KEY_IDS_MAX];
static uint8_t key_types[KEY_IDS_MAX];
static uint16_t key_table[KEY_TABLE_SIZE]; /* KeyId + 1; 0 is an empty slot */
static unsigned n_key_ids;

static size_t key_hash(const char *s) {
        uint32_t h = 2166136261U;

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 16777619U;
        return h & (KEY_TABLE_SIZE - 1);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t key_slot(const char *key) {
        size_t i = key_hash(key);

        while (key_table[i] && !streq(key_names[key_table[i] - 1], key))
                i = (i + 1) & (KEY_TABLE_SIZE - 1);
        return i;
}

static void key_table_init(void) {
        if (n_key_ids > 0)
                return;
        for (QuadletType t = 0; t < _QUADLET_TYPE_MAX; t++)
                for (const char *const *k = type_keys[t]; *k; k++) {
                        size_t i = key_slot(*k);

                        if (!key_table[i]) {
                                assert(n_key_ids < KEY_IDS_MAX && n_key_ids * 4 < KEY_TABLE_SIZE);
                                key_names[n_key_ids] = *k;
                                key_table[i] = (uint16_t) ++n_key_ids;
                        }
                        key_types[key_table[i] - 1] |= 1U << t;
                }
}

static KeyId key_id(const char *key) {
        return (KeyId) key_table[key_slot(key)] - 1;
}

static bool key_in_group(KeyId id, QuadletType t) {
        return id >= 0 && (key_types[id] & (1U << t));
}

static bool strv_has(const char *const *l, const char *s) {
        for (; *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

/* Levenshtein distance, capped: only small distances matter for a hint. */
static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

        if (la >= 63 || lb >= 63)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t sub =
                                prev[j - 1]
                                + (tolower((unsigned char) a[i - 1]) != tolower((unsigned char) b[j - 1]));
                        cur[j] = MIN(MIN(prev[j] + 1, cur[j - 1] + 1), sub);
                }
                memcpy(prev, cur, sizeof(size_t) * (lb + 1));
        }
        return prev[lb];
}

/* The closest known key, when close enough to be a typo (or the same but for case). */
static const char *did_you_mean(const char *const *keys, const char *key) {
        const char *best = NULL;
        size_t best_d = SIZE_MAX, limit = strlen(key) <= 4 ? 1 : 2;

        for (; *keys; keys++) {
                size_t d = edit_distance(*keys, key);
                if (d < best_d) {
                        best_d = d;
                        best = *keys;
                }
        }
        return best_d <= limit ? best : NULL;
}

/* ---- conversion context -------------------------------------------------------------------------- */

/* The entries of the type's group, indexed by KeyId once per conversion, so that the hundred or so
 * lookups of a conversion (get(), get_all()) are array indexing instead of walks of the section:
 * entries[keys[id].off .. keys[id].off + keys[id].n) are the entries of key id in file order, and the
 * list value of the key (after its last empty assignment, which resets it) starts at keys[id].begin
 * within them. Entries whose key is not in the key table are not indexed (check_keys() reports them);
 * lookups of such keys walk the section as before. */
typedef struct GroupIndex {
        const UnitEntry **entries; /* n_entries of the group, grouped by key */
        struct {
                uint32_t off, n, begin;
        } keys[KEY_IDS_MAX];
} GroupIndex;

typedef struct Conv {
        const QuadletSet *set;
        const Quadlet *q;
        const GeneratorOptions *opts;
        DiagList *diags;
        const UnitSection *sec; /* the type's group, may be NULL */
        GroupIndex idx;         /* sec's entries by key */
        const char *group;      /* "Container" */
        UnitFile *out;
        char **cmd;     /* the command line being built: n_cmd words (in out's arena), room for alloc_cmd */
        StrBuf line;    /* set_exec()'s buffer */
        struct KeyVal *kv; /* add_keyvals()'s words: n_kv, room for alloc_kv */
        size_t n_kv, alloc_kv;
        size_t n_cmd, alloc_cmd;
        char **deps;    /* services to Require and order After, in order of first mention */
        char **mounts;  /* RequiresMountsFor= paths */
        char *binds_to; /* the pod's service */
        char **scratch; /* strings that live as long as the conversion */
        unsigned n_errors;
        bool oom;
} Conv;

static void conv_diag(Conv *c, DiagSeverity sev, const UnitEntry *e, const char *fmt, ...) _printf_(4, 5);
static void conv_diag(Conv *c, DiagSeverity sev, const UnitEntry *e, const char *fmt, ...) {
        va_list ap;
        const char *file = e && e->file ? e->file : c->q->path;
        unsigned line = e ? e->line : c->sec && c->sec->line ? c->sec->line : 1;

        if (sev == DIAG_ERROR)
                c->n_errors++;
        va_start(ap, fmt);
        if (diag_list_addv(c->diags, sev, file, line, 0, NULL, fmt, ap) < 0)
                c->oom = true;
        va_end(ap);
}
#define conv_error(c, e, ...) conv_diag(c, DIAG_ERROR, e, __VA_ARGS__)
#define conv_warning(c, e, ...) conv_diag(c, DIAG_WARNING, e, __VA_ARGS__)

/* Appends s (in the output's arena, or NULL after a failed allocation) to the command line. The words
 * live in the arena, not one malloc each; the vector doubles as it grows and is kept from one command
 * to the next. */
static void cmd_push(Conv *c, char *s) {
        if (!s) {
                c->oom = true;
                return;
        }
        if (c->n_cmd + 2 > c->alloc_cmd) {
                size_t a = MAX(c->alloc_cmd * 2, (size_t) 32);
                char **m = realloc(c->cmd, sizeof(char *) * a);

                if (!m) {
                        c->oom = true;
                        return;
                }
                c->cmd = m;
                c->alloc_cmd = a;
        }
        c->cmd[c->n_cmd++] = s;
        c->cmd[c->n_cmd] = NULL;
}

static void cmd_reset(Conv *c) {
        c->n_cmd = 0;
        if (c->cmd)
                c->cmd[0] = NULL;
}

static void add_arg(Conv *c, const char *a) {
        cmd_push(c, arena_strdup(c->out->arena, a));
}

/* A word that lives as long as the conversion (a literal, a source value): no copy. */
static void add_arg_shared(Conv *c, const char *a) {
        cmd_push(c, (char *) a);
}

/* A printf'd string in the output's arena (NULL on OOM). */
static char *conv_vprintf(Conv *c, const char *fmt, va_list ap) _printf_(2, 0);
static char *conv_vprintf(Conv *c, const char *fmt, va_list ap) {
        _cleanup_free_ char *s = NULL;
        int n = vasprintf(&s, fmt, ap);

        if (n < 0) {
                s = NULL;
                return NULL;
        }
        return arena_strndup(c->out->arena, s, (size_t) n);
}

static void add_argf(Conv *c, const char *fmt, ...) _printf_(2, 3);
static void add_argf(Conv *c, const char *fmt, ...) {
        char *s;
        va_list ap;

        va_start(ap, fmt);
        s = conv_vprintf(c, fmt, ap);
        va_end(ap);
        cmd_push(c, s);
}

static void add_args(Conv *c, const char *flag, const char *value) {
        add_arg(c, flag);
        add_arg(c, value);
}

static void add_optf(Conv *c, const char *flag, const char *fmt, ...) _printf_(3, 4);
static void add_optf(Conv *c, const char *flag, const char *fmt, ...) {
        char *v;
        va_list ap;

        va_start(ap, fmt);
        v = conv_vprintf(c, fmt, ap);
        va_end(ap);
        add_arg(c, flag);
        cmd_push(c, v);
}

static void unit_add(Conv *c, const char *key, const char *value);

/* Requires= and After= a referenced unit's service, where quadlet puts them: as the reference is met. */
static void add_dep(Conv *c, const char *service) {
        if (strv_contains(c->deps, service))
                return;
        if (strv_extend(&c->deps, service) < 0)
                c->oom = true;
        unit_add(c, "Requires", service);
        unit_add(c, "After", service);
}

/* RequiresMountsFor= right away, as quadlet: before the Requires= lines. */
static void add_mount(Conv *c, const char *path) {
        if (strv_contains(c->mounts, path))
                return;
        if (strv_extend(&c->mounts, path) < 0)
                c->oom = true;
        unit_add(c, "RequiresMountsFor", path);
}

/* Fills c->idx from c->sec: a counting sort of the entries by KeyId. Returns 0 or -ENOMEM. */
static int group_index_build(Conv *c) {
        GroupIndex *x = &c->idx;
        _cleanup_free_ KeyId *ids = NULL;
        size_t n = c->sec ? c->sec->n_entries : 0, i = 0;
        uint32_t off = 0;

        key_table_init();
        if (n == 0)
                return 0;
        ids = malloc(sizeof(KeyId) * n);
        x->entries = malloc(sizeof(UnitEntry *) * n);
        if (!ids || !x->entries)
                return -ENOMEM;
        for (const UnitEntry *e = c->sec->entries; e; e = e->next, i++) {
                ids[i] = key_id(e->key);
                if (ids[i] >= 0)
                        x->keys[ids[i]].n++;
        }
        for (unsigned k = 0; k < n_key_ids; k++) {
                x->keys[k].off = off;
                off += x->keys[k].n;
                x->keys[k].n = 0;
        }
        i = 0;
        for (const UnitEntry *e = c->sec->entries; e; e = e->next, i++) {
                if (ids[i] < 0)
                        continue;
                x->entries[x->keys[ids[i]].off + x->keys[ids[i]].n++] = e;
                if (isempty(e->value))
                        x->keys[ids[i]].begin = x->keys[ids[i]].n;
        }
        return 0;
}

/* The last assignment of key in the type's group (NULL when unset); *ret_e is its entry. */
static const char *get(Conv *c, const char *key, const UnitEntry **ret_e) {
        const UnitEntry *last = NULL;
        KeyId id = key_id(key);

        if (id >= 0) {
                if (c->idx.keys[id].n > 0)
                        last = c->idx.entries[c->idx.keys[id].off + c->idx.keys[id].n - 1];
        } else if (c->sec)
                for (const UnitEntry *e = c->sec->entries; e; e = e->next)
                        if (streq(e->key, key))
                                last = e;
        if (ret_e)
                *ret_e = last;
        return last ? last->value : NULL;
}

/* The last assignment of key in another section of the source (NULL when unset). */
static const char *get_in(Conv *c, const char *section, const char *key, const UnitEntry **ret_e) {
        const UnitSection *s = unit_file_find_section(c->q->uf, section);
        const UnitEntry *last = NULL;

        if (s)
                for (const UnitEntry *e = s->entries; e; e = e->next)
                        if (streq(e->key, key))
                                last = e;
        *ret_e = last;
        return last ? last->value : NULL;
}

/* Like get(), but an empty value counts as unset (quadlet's lookups of single values). */
static const char *get_nonempty(Conv *c, const char *key, const UnitEntry **ret_e) {
        const char *v = get(c, key, ret_e);
        return isempty(v) ? NULL : v;
}

/* Every entry of a list key after its last reset. Returns the count; *ret is a new array (NULL for
 * 0). */
static size_t get_all(Conv *c, const char *key, const UnitEntry ***ret) {
        const UnitEntry **l = NULL;
        size_t n = 0;
        KeyId id = key_id(key);

        if (id >= 0) {
                n = c->idx.keys[id].n - c->idx.keys[id].begin;
                if (n > 0) {
                        l = malloc(sizeof(*l) * n);
                        if (l)
                                memcpy(l, c->idx.entries + c->idx.keys[id].off + c->idx.keys[id].begin,
                                       sizeof(*l) * n);
                        else {
                                c->oom = true;
                                n = 0;
                        }
                }
                *ret = l;
                return n;
        }

        /* Not a key of any group: walk the section. */
        const UnitEntry *start = c->sec ? c->sec->entries : NULL;
        for (const UnitEntry *e = start; e; e = e->next)
                if (streq(e->key, key) && isempty(e->value))
                        start = e->next;
        for (const UnitEntry *e = start; e; e = e->next) {
                const UnitEntry **m;

                if (!streq(e->key, key))
                        continue;
                m = realloc(l, sizeof(*l) * (n + 1));
                if (!m) {
                        c->oom = true;
                        break;
                }
                l = m;
                l[n++] = e;
        }
        *ret = l;
        return n;
}

#define FOREACH_VALUE(c, key, e)                                          \
        for (const UnitEntry **_l_ = NULL, **_p_ = NULL, *e = NULL; !_p_; \
             free(_l_), _p_ = (const UnitEntry **) 1)                     \
                for (size_t _n_ = get_all(c, key, &_l_), _i_ = 0; _i_ < _n_ && ((e = _l_[_i_]), 1); _i_++)

static int get_bool(Conv *c, const char *key, int def, const UnitEntry **ret_e) {
        const UnitEntry *e;
        const char *v = get_nonempty(c, key, &e);
        int b;

        if (ret_e)
                *ret_e = e;
        if (!v)
                return def;
        b = unit_value_parse_boolean(v);
        if (b < 0) {
                conv_error(c, e, "%s=%s: not a boolean (use true or false)", key, v);
                return def;
        }
        return b;
}

static char **split_words(Conv *c, const UnitEntry *e) {
        char **w = NULL;
        int r = unit_value_split_words(e->value, &w);

        if (r == -ENOMEM)
                c->oom = true;
        else if (r < 0)
                conv_error(c, e, "%s=%s: unbalanced quotes or bad escape", e->key, e->value);
        return w;
}

/* flag VALUE for the last non-empty value of key. */
static void add_string(Conv *c, const char *key, const char *flag) {
        const char *v = get_nonempty(c, key, NULL);
        if (v)
                add_args(c, flag, v);
}

/* flag VALUE for each value of a list key. */
static void add_all_strings(Conv *c, const char *key, const char *flag) {
        FOREACH_VALUE(c, key, e)
        add_args(c, flag, e->value);
}

/* flag when key is true, flag=false when it is false (quadlet's booleans). */
static void add_bool(Conv *c, const char *key, const char *flag) {
        const UnitEntry *e;
        int b = get_bool(c, key, -1, &e);

        if (b == 1)
                add_arg(c, flag);
        else if (b == 0)
                add_argf(c, "%s=false", flag);
}

/* Every word of every value, as arguments (PodmanArgs=, GlobalArgs=). */
static void add_all_words(Conv *c, const char *key) {
        FOREACH_VALUE(c, key, e) {
                _cleanup_strv_free_ char **w = split_words(c, e);
                STRV_FOREACH(s, w)
                        add_arg(c, *s);
        }
}

typedef struct KeyVal {
        const char *word; /* "KEY=VALUE" or "KEY", in the output's arena */
        size_t klen;      /* KEY's length */
        unsigned order;
} KeyVal;

/* strcmp() of the two keys (neither holds a NUL), then file order. */
static int keyval_cmp(const void *a, const void *b) {
        const KeyVal *x = a, *y = b;
        int r = memcmp(x->word, y->word, MIN(x->klen, y->klen));

        if (r == 0)
                r = x->klen < y->klen ? -1 : x->klen > y->klen;
        return r ? r : (x->order < y->order ? -1 : x->order > y->order);
}

/* One word of an Environment=/Label= value, kept in c->kv. Returns false on OOM. */
static bool keyval_push(Conv *c, const UnitEntry *e, const char *key, const char *w, size_t len) {
        const char *eq = memchr(w, '=', len);
        char *word;

        if (eq == w) {
                conv_error(c, e, "%s=%s: '%.*s' has no name before '='", key, e->value, (int) len, w);
                return true;
        }
        if (c->n_kv == c->alloc_kv) {
                size_t a = MAX(c->alloc_kv * 2, (size_t) 16);
                KeyVal *m = realloc(c->kv, sizeof(KeyVal) * a);

                if (!m)
                        return false;
                c->kv = m;
                c->alloc_kv = a;
        }
        word = arena_strndup(c->out->arena, w, len);
        if (!word)
                return false;
        c->kv[c->n_kv] = (KeyVal){.word = word, .klen = eq ? (size_t) (eq - w) : len, .order = (unsigned) c->n_kv};
        c->n_kv++;
        return true;
}

/* flag KEY=VALUE for the words of Environment=/Label=/Annotation=, sorted by key, the last value of a
 * key winning (as quadlet, so the order in the file does not matter). The words go to the command
 * line as they are: KEY=VALUE, or KEY alone. */
static void add_keyvals(Conv *c, const char *key, const char *flag) {
        KeyVal *kv;
        size_t n;
        bool sorted = true;

        c->n_kv = 0;
        FOREACH_VALUE(c, key, e) {
                const char *v = e->value;

                /* Without quotes or backslashes, the words are the runs between whitespace (what
                 * unit_value_split_words() gives, without a copy of each). */
                if (!strpbrk(v, "\"'\\")) {
                        for (v += strspn(v, WHITESPACE); *v; v += strspn(v, WHITESPACE)) {
                                size_t len = strcspn(v, WHITESPACE);

                                if (!keyval_push(c, e, key, v, len)) {
                                        c->oom = true;
                                        break;
                                }
                                v += len;
                        }
                        continue;
                }

                _cleanup_strv_free_ char **w = split_words(c, e);
                STRV_FOREACH(s, w)
                        if (!keyval_push(c, e, key, *s, strlen(*s))) {
                                c->oom = true;
                                break;
                        }
        }
        kv = c->kv;
        n = c->n_kv;
        if (c->oom)
                return;
        /* Usually written in order already: sort only when not. */
        for (size_t i = 1; i < n && sorted; i++)
                sorted = keyval_cmp(&kv[i - 1], &kv[i]) < 0;
        if (!sorted)
                qsort(kv, n, sizeof(KeyVal), keyval_cmp);
        for (size_t i = 0; i < n; i++) {
                bool last = i + 1 == n || kv[i].klen != kv[i + 1].klen
                            || memcmp(kv[i].word, kv[i + 1].word, kv[i].klen) != 0;

                if (last) {
                        add_arg_shared(c, flag);
                        cmd_push(c, (char *) kv[i].word);
                }
        }
}

/* ---- paths and references ------------------------------------------------------------------------ */

/* Resolves a path as quadlet does: absolute paths and paths starting with a specifier stay as they
 * are, others are relative to the unit file's directory; "." and ".." components are folded.
 * Returns a new string (NULL on OOM). */
static char *resolve_path(Conv *c, const char *p) {
        _cleanup_free_ char *joined = NULL;
        char *out, *save = NULL;
        size_t len = 0;

        if (p[0] == '%')
                return strdup(p);
        if (p[0] == '/')
                joined = strdup(p);
        else if (asprintf(&joined, "%s/%s", c->q->dir, p) < 0)
                joined = NULL;
        if (!joined)
                return NULL;
        out = malloc(strlen(joined) + 2);
        if (!out)
                return NULL;
        out[0] = 0;
        for (char *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
                if (streq(t, "."))
                        continue;
                if (streq(t, "..")) {
                        char *slash = strrchr(out, '/');
                        len = slash ? (size_t) (slash - out) : 0;
                        out[len] = 0;
                        continue;
                }
                len += (size_t) sprintf(out + len, "/%s", t);
        }
        if (len == 0)
                strcpy(out, "/");
        return out;
}

/* The unit a reference names. Templates follow the referencing unit: in "web@.container",
 * "data@.volume" means the instance of data with web's instance. Returns the unit or NULL (after an
 * error naming e); *ret_instance is the instance to substitute for %i in its names (or NULL). */
static const Quadlet *resolve_ref(Conv *c, const UnitEntry *e, const char *name, QuadletType want,
                                  const char **ret_instance) {
        const Quadlet *t = quadlet_set_lookup(c->set, name);
        const char *at = strchr(name, '@'), *dot = strrchr(name, '.');

        *ret_instance = NULL;
        if (!t && at && dot && at < dot && at + 1 < dot) {
                /* An instance without a file of its own: its template. */
                _cleanup_free_ char *tname = NULL;

                if (asprintf(&tname, "%.*s@%s", (int) (at - name), name, dot) < 0) {
                        c->oom = true;
                        return NULL;
                }
                t = quadlet_set_lookup(c->set, tname);
                if (t && t->instance && !*t->instance) {
                        /* The instance name lives as long as the conversion. */
                        if (strv_consume(&c->scratch, strndup(at + 1, (size_t) (dot - at - 1))) < 0) {
                                c->oom = true;
                                return NULL;
                        }
                        *ret_instance = c->scratch[strv_length(c->scratch) - 1];
                }
        }
        if (!t) {
                conv_error(c, e, "%s=%s: no unit file '%s' on the search path", e->key, e->value, name);
                return NULL;
        }
        if (t->type != want) {
                conv_error(c, e, "%s=%s: '%s' is not a .%s unit", e->key, e->value, name,
                           quadlet_type_to_string(want));
                return NULL;
        }
        if (t->instance && !*t->instance && !*ret_instance) {
                /* A template referenced by name: only meaningful from a template or an instance. */
                if (!c->q->instance) {
                        conv_error(c, e, "%s=%s: '%s' is a template; name an instance, such as %s@NAME.%s",
                                   e->key, e->value, name, t->prefix, quadlet_type_to_string(t->type));
                        return NULL;
                }
                *ret_instance = *c->q->instance ? c->q->instance : "%i";
        }
        return t;
}

/* Replaces every "%i" in s with instance (when instance is not NULL). Returns a new string. */
static char *with_instance(const char *s, const char *instance) {
        StrBuf sb = STRBUF_INIT;

        if (!instance)
                return strdup(s);
        for (const char *p = s; *p; p++) {
                if (p[0] == '%' && p[1] == 'i') {
                        (void) strbuf_puts(&sb, instance);
                        p++;
                } else if (p[0] == '%' && p[1] == '%') {
                        (void) strbuf_puts(&sb, "%%"); /* a literal '%': not a specifier */
                        p++;
                } else
                        (void) strbuf_putc(&sb, *p);
        }
        return strbuf_detach(&sb);
}

/* The service of a template's instance: "data-volume@.service" → "data-volume@INSTANCE.service".
 * Returns a new string. */
static char *instance_service(const char *service, const char *instance) {
        const char *at = strchr(service, '@');
        char *r;

        if (!instance || !at || at[1] != '.')
                return strdup(service);
        if (asprintf(&r, "%.*s%s%s", (int) (at - service + 1), service, instance, at + 1) < 0)
                return NULL;
        return r;
}

/* For a reference to another unit from e: records the dependency on its service and returns its
 * resource name (new string), or NULL after an error. */
static char *ref_resource(Conv *c, const UnitEntry *e, const char *name, QuadletType want) {
        const char *inst;
        const Quadlet *t = resolve_ref(c, e, name, want, &inst);
        _cleanup_free_ char *svc = NULL;
        char *res;

        if (!t)
                return NULL;
        if (!t->resource) {
                conv_error(c, e, "%s=%s: the name of '%s' depends on specifiers; set its %s", e->key,
                           e->value, name,
                           want == QUADLET_CONTAINER ? "ContainerName= without them"
                           : want == QUADLET_POD     ? "PodName= without them"
                           : want == QUADLET_VOLUME  ? "VolumeName= without them"
                           : want == QUADLET_NETWORK ? "NetworkName= without them"
                                                     : "ImageTag=");
                return NULL;
        }
        svc = instance_service(t->service, inst);
        res = with_instance(t->resource, inst);
        if (!svc || !res) {
                free(res);
                c->oom = true;
                return NULL;
        }
        /* A pod's members are bound to it, not required (see convert_container()). */
        if (want != QUADLET_POD)
                add_dep(c, svc);
        return res;
}

/* ---- checks shared by every type ----------------------------------------------------------------- */

static void check_keys(Conv *c) {
        const char *const *keys = type_keys[c->q->type];
        const UnitSection *qs = unit_file_find_section(c->q->uf, "Quadlet");

        if (c->sec)
                for (const UnitEntry *e = c->sec->entries; e; e = e->next) {
                        const char *hint;

                        KeyId id = key_id(e->key);

                        if (key_in_group(id, c->q->type))
                                continue;
                        for (QuadletType t = 0; t < _QUADLET_TYPE_MAX; t++)
                                if (t != c->q->type && key_in_group(id, t)) {
                                        conv_error(
                                                c, e, "key '%s' belongs in [%s] (a .%s file), not in [%s]",
                                                e->key, group_names[t], quadlet_type_to_string(t), c->group);
                                        goto next;
                                }
                        hint = did_you_mean(keys, e->key);
                        if (hint)
                                conv_error(c, e, "unknown key '%s' in [%s]; did you mean '%s'?", e->key,
                                           c->group, hint);
                        else
                                conv_error(c, e, "unknown key '%s' in [%s]", e->key, c->group);
                next:;
                }
        if (qs)
                for (const UnitEntry *e = qs->entries; e; e = e->next)
                        if (!strv_has(quadlet_keys, e->key))
                                conv_error(c, e, "unknown key '%s' in [Quadlet]", e->key);

        for (const UnitSection *s = c->q->uf->sections; s; s = s->next)
                for (QuadletType t = 0; t < _QUADLET_TYPE_MAX; t++)
                        if (t != c->q->type && streq(s->name, group_names[t]))
                                conv_warning(
                                        c, NULL,
                                        "section [%s] belongs in a .%s file; passed on to systemd, which ignores it",
                                        s->name, quadlet_type_to_string(t));

        {
                const UnitSection *svc = unit_file_find_section(c->q->uf, "Service");
                if (svc)
                        for (const UnitEntry *e = svc->entries; e; e = e->next)
                                if (streq(e->key, "User") || streq(e->key, "Group")
                                    || streq(e->key, "DynamicUser"))
                                        conv_warning(
                                                c, e,
                                                "[Service] %s= runs skiff as another user, whose containers are not "
                                                "this manager's; use the user search path instead",
                                                e->key);
        }
}

/* [Unit] keys naming quadlet files are rewritten to the services those files generate. */
static const char *const unit_dep_keys[] = {"After",
                                            "Before",
                                            "BindsTo",
                                            "Conflicts",
                                            "OnFailure",
                                            "OnSuccess",
                                            "PartOf",
                                            "PropagatesReloadTo",
                                            "PropagatesStopTo",
                                            "ReloadPropagatedFrom",
                                            "Requires",
                                            "Requisite",
                                            "StopPropagatedFrom",
                                            "Upholds",
                                            "Wants",
                                            NULL};

/* Does any word of v name a quadlet file (a word ending in .container, .volume, ...)? Values with
 * quotes or escapes are assumed to, and take the full path below. */
static bool mentions_quadlet(const char *v) {
        if (strpbrk(v, "\"'\\"))
                return true;
        for (v += strspn(v, WHITESPACE); *v; v += strspn(v, WHITESPACE)) {
                size_t n = strcspn(v, WHITESPACE);
                const char *dot = NULL;

                for (size_t i = 1; i < n; i++)
                        if (v[i] == '.')
                                dot = v + i;
                if (dot)
                        for (QuadletType t = 0; t < _QUADLET_TYPE_MAX; t++) {
                                const char *ext = quadlet_type_to_string(t);
                                size_t len = strlen(ext);

                                if ((size_t) (v + n - dot - 1) == len && memcmp(dot + 1, ext, len) == 0)
                                        return true;
                        }
                v += n;
        }
        return false;
}

static void rewrite_unit_deps(Conv *c) {
        UnitSection *s = NULL;

        for (UnitSection *i = c->out->sections; i; i = i->next)
                if (streq(i->name, "Unit"))
                        s = i;
        if (!s)
                return;
        for (UnitEntry *e = s->entries; e; e = e->next) {
                _cleanup_strv_free_ char **w = NULL, **outw = NULL;
                bool changed = false;

                if (!mentions_quadlet(e->value) || !strv_has(unit_dep_keys, e->key))
                        continue;
                if (unit_value_split_words(e->value, &w) < 0)
                        continue;
                STRV_FOREACH(word, w) {
                        QuadletType t = quadlet_type_from_filename(*word);
                        const char *inst;
                        const Quadlet *target;
                        _cleanup_free_ char *svc = NULL;

                        if (t < 0) {
                                if (strv_extend(&outw, *word) < 0)
                                        c->oom = true;
                                continue;
                        }
                        target = resolve_ref(c, e, *word, t, &inst);
                        if (!target)
                                continue;
                        svc = instance_service(target->service, inst);
                        if (!svc || strv_extend(&outw, svc) < 0)
                                c->oom = true;
                        changed = true;
                }
                if (changed) {
                        _cleanup_free_ char *j = strv_join(outw, " ");
                        if (!j)
                                c->oom = true;
                        else
                                e->value = arena_strdup(c->out->arena, j);
                }
        }
}

/* Writes the command line as one Exec-style value: prefix ("" or "-"), skiff's path and the arguments,
 * quoted for systemd. Built in one buffer kept for every line of the conversion. */
static void set_exec(Conv *c, const char *key, const char *prefix, char *const *args) {
        StrBuf *sb = c->set->exec_line ?: &c->line;

        strbuf_truncate(sb, 0);
        (void) strbuf_puts(sb, prefix);
        (void) strbuf_puts(sb, c->opts->skiff);
        (void) unit_value_append_words(sb, args);
        if (!strbuf_ok(sb) || unit_file_add(c->out, "Service", key, sb->buf) < 0)
                c->oom = true;
}

static void set_cmd(Conv *c, const char *key) {
        set_exec(c, key, "", c->cmd);
        cmd_reset(c);
}

static void service_add(Conv *c, const char *key, const char *value) {
        if (unit_file_add(c->out, "Service", key, value) < 0)
                c->oom = true;
}

static void unit_add(Conv *c, const char *key, const char *value) {
        if (unit_file_add(c->out, "Unit", key, value) < 0)
                c->oom = true;
}

/* Sets a [Service] key unless the user did. */
static void service_default(Conv *c, const char *key, const char *value) {
        if (!unit_file_has_key(c->q->uf, "Service", key))
                service_add(c, key, value);
}

/* The start of every command: skiff [--module=…] [GlobalArgs] VERB… */
static void cmd_start(Conv *c, const char *verb1, const char *verb2) {
        /* Not resolved against the unit's dir: a relative module is looked up in containers.conf.d. */
        FOREACH_VALUE(c, "ContainersConfModule", e)
        add_argf(c, "--module=%s", e->value);
        add_all_words(c, "GlobalArgs");
        add_arg(c, verb1);
        if (verb2)
                add_arg(c, verb2);
}

/* [Unit] additions common to all types: network-online ordering, SourcePath, RequiresMountsFor. */
static void init_service(Conv *c) {
        UnitFile *uf = c->out;
        const char *dd = unit_file_get_last(c->q->uf, "Quadlet", "DefaultDependencies");

        for (UnitSection *s = uf->sections; s; s = s->next) {
                if (streq(s->name, c->group))
                        s->name = arena_concat(uf->arena, "X-", c->group, NULL);
                else if (streq(s->name, "Quadlet"))
                        s->name = "X-Quadlet";
                if (!s->name)
                        c->oom = true;
        }
        if (dd && unit_value_parse_boolean(dd) < 0)
                conv_error(c, NULL, "[Quadlet] DefaultDependencies=%s: not a boolean", dd);
        if (!dd || unit_value_parse_boolean(dd) != 0) {
                const char *target =
                        c->opts->user ? "skiff-user-wait-network-online.service" : "network-online.target";

                if (unit_file_prepend(uf, "Unit", "After", target) < 0
                    || unit_file_prepend(uf, "Unit", "Wants", target) < 0)
                        c->oom = true;
        }
        unit_add(c, "SourcePath", c->q->path);
        /* A container adds it once its image is resolved (quadlet's order). */
        if (c->q->type != QUADLET_CONTAINER)
                unit_add(c, "RequiresMountsFor", "%t/containers");
}

static void finish_unit(Conv *c) {
        if (c->binds_to) {
                unit_add(c, "BindsTo", c->binds_to);
                unit_add(c, "After", c->binds_to);
        }
}

/* ---- small validators ---------------------------------------------------------------------------- */

static bool is_port_range(const char *s, size_t n) {
        size_t i = 0;
        unsigned long a = 0, b = 0;
        bool digits = false;

        for (; i < n && isdigit((unsigned char) s[i]); i++, digits = true)
                a = a * 10 + (unsigned long) (s[i] - '0');
        if (!digits || a > 65535)
                return false;
        if (i == n)
                return true;
        if (s[i++] != '-')
                return false;
        digits = false;
        for (; i < n && isdigit((unsigned char) s[i]); i++, digits = true)
                b = b * 10 + (unsigned long) (s[i] - '0');
        return digits && i == n && b <= 65535 && b >= a;
}

static bool is_protocol(const char *s) {
        return streq(s, "tcp") || streq(s, "udp") || streq(s, "sctp");
}

/* [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTO], IPv6 addresses in brackets. */
static bool publish_port_valid(const char *v) {
        const char *slash = strrchr(v, '/'), *end = slash ? slash : v + strlen(v), *colon;

        if (slash && !is_protocol(slash + 1))
                return false;
        colon = memrchr(v, ':', (size_t) (end - v));
        if (!colon)
                return is_port_range(v, (size_t) (end - v));
        if (!is_port_range(colon + 1, (size_t) (end - colon - 1)))
                return false;
        {
                const char *hp_end = colon, *c2 = NULL;
                if (v[0] == '[') {
                        const char *rb = memchr(v, ']', (size_t) (hp_end - v));
                        if (!rb || rb + 1 > hp_end || (rb + 1 < hp_end && rb[1] != ':'))
                                return false;
                        c2 = rb + 1 < hp_end ? rb + 1 : NULL;
                        if (!c2)
                                return rb + 1 == hp_end;
                } else
                        c2 = memrchr(v, ':', (size_t) (hp_end - v));
                if (!c2)
                        return hp_end == v || is_port_range(v, (size_t) (hp_end - v));
                return c2 + 1 == hp_end || is_port_range(c2 + 1, (size_t) (hp_end - c2 - 1));
        }
}

static void add_publish(Conv *c) {
        FOREACH_VALUE(c, "PublishPort", e) {
                if (!publish_port_valid(e->value)) {
                        conv_error(c, e,
                                   "PublishPort=%s: expected [[IP:][HOSTPORT]:]CONTAINERPORT[/tcp|udp|sctp]",
                                   e->value);
                        continue;
                }
                add_args(c, "--publish", e->value);
        }
}

static bool one_of(const char *v, const char *const *l) {
        return strv_has(l, v);
}

static const char *check_enum(Conv *c, const char *key, const char *const *allowed, const char *what) {
        const UnitEntry *e;
        const char *v = get_nonempty(c, key, &e);

        if (v && !one_of(v, allowed)) {
                conv_error(c, e, "%s=%s: must be %s", key, v, what);
                return NULL;
        }
        return v;
}

/* Network= for containers, pods and kube: NAME, MODE, x.network[:OPTS], x.container. */
static void add_networks(Conv *c, bool allow_container) {
        FOREACH_VALUE(c, "Network", e) {
                const char *colon = strchr(e->value, ':');
                _cleanup_free_ char *name =
                        colon ? strndup(e->value, (size_t) (colon - e->value)) : strdup(e->value);

                if (!name) {
                        c->oom = true;
                        continue;
                }
                if (endswith(name, ".network")) {
                        _cleanup_free_ char *res = ref_resource(c, e, name, QUADLET_NETWORK);
                        if (res)
                                add_optf(c, "--network", "%s%s", res, colon ?: "");
                } else if (endswith(name, ".container")) {
                        _cleanup_free_ char *res = NULL;

                        if (!allow_container) {
                                conv_error(
                                        c, e,
                                        "Network=%s: only a .container can share another container's network",
                                        e->value);
                                continue;
                        }
                        if (colon) {
                                conv_error(c, e, "Network=%s: a .container network takes no options",
                                           e->value);
                                continue;
                        }
                        res = ref_resource(c, e, name, QUADLET_CONTAINER);
                        if (res)
                                add_optf(c, "--network", "container:%s", res);
                } else
                        add_optf(c, "--network", "%s", e->value);
        }
}

/* UserNS=, UIDMap=…, and the deprecated Remap* keys. */
static void add_userns(Conv *c, bool allow_manual) {
        const UnitEntry *ue, *re;
        const char *userns = get_nonempty(c, "UserNS", &ue);
        const char *remap = get_nonempty(c, "RemapUsers", &re);
        const char *maps[] = {"UIDMap", "GIDMap", "SubUIDMap", "SubGIDMap"};
        const char *flags[] = {"--uidmap", "--gidmap", "--subuidname", "--subgidname"};
        bool have_maps = false;

        for (size_t i = 0; i < ELEMENTSOF(maps); i++) {
                const UnitEntry **l = NULL;
                size_t n = get_all(c, maps[i], &l);
                have_maps |= n > 0;
                free(l);
        }
        if (remap && (userns || have_maps)) {
                conv_error(c, re, "RemapUsers= cannot be combined with UserNS= or explicit id maps");
                return;
        }
        if (userns)
                add_args(c, "--userns", userns);
        for (size_t i = 0; i < ELEMENTSOF(maps); i++)
                FOREACH_VALUE(c, maps[i], e)
        add_args(c, flags[i], e->value);
        if (!remap)
                return;
        if (streq(remap, "auto")) {
                const char *size = get_nonempty(c, "RemapUidSize", NULL);
                if (size)
                        add_optf(c, "--userns", "auto:size=%s", size);
                else
                        add_args(c, "--userns", "auto");
        } else if (streq(remap, "keep-id"))
                add_args(c, "--userns", "keep-id");
        else if (streq(remap, "manual") && allow_manual) {
                FOREACH_VALUE(c, "RemapUid", e)
                add_optf(c, "--uidmap", "%s", e->value);
                FOREACH_VALUE(c, "RemapGid", e)
                add_optf(c, "--gidmap", "%s", e->value);
        } else
                conv_error(c, re, "RemapUsers=%s: must be %s", remap,
                           allow_manual ? "auto, keep-id or manual" : "auto or keep-id");
}

static void add_log(Conv *c) {
        add_string(c, "LogDriver", "--log-driver");
        FOREACH_VALUE(c, "LogOpt", e)
        add_optf(c, "--log-opt", "%s", e->value);
}

/* Volume=SRC:DST[:OPTS] for containers and pods. */
static void add_volumes(Conv *c) {
        FOREACH_VALUE(c, "Volume", e) {
                const char *colon = strchr(e->value, ':');
                _cleanup_free_ char *src = NULL, *res = NULL;

                if (!colon) {
                        /* An anonymous volume: only a destination. */
                        add_optf(c, "-v", "%s", e->value);
                        continue;
                }
                src = strndup(e->value, (size_t) (colon - e->value));
                if (!src) {
                        c->oom = true;
                        continue;
                }
                if (!*src) {
                        conv_error(c, e, "Volume=%s: empty source", e->value);
                        continue;
                }
                if (endswith(src, ".volume"))
                        res = ref_resource(c, e, src, QUADLET_VOLUME);
                else if (src[0] == '.' || src[0] == '/') {
                        res = resolve_path(c, src);
                        if (res && res[0] == '/')
                                add_mount(c, res);
                } else
                        res = strdup(src);
                if (!res) {
                        c->oom |= !endswith(src, ".volume");
                        continue;
                }
                add_optf(c, "-v", "%s%s", res, colon);
        }
}

/* Mount=type=…,source=…,… : resolves .volume/.image sources and relative bind sources. */
static void add_mounts(Conv *c) {
        FOREACH_VALUE(c, "Mount", e) {
                _cleanup_strv_free_ char **parts = NULL;
                _cleanup_free_ char *copy = strdup(e->value);
                const char *type = "volume";
                StrBuf sb = STRBUF_INIT;
                char *save = NULL;
                bool bad = false;

                if (!copy) {
                        c->oom = true;
                        continue;
                }
                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                        if (strv_extend(&parts, t) < 0)
                                c->oom = true;
                STRV_FOREACH(p, parts)
                        if (startswith(*p, "type="))
                                type = *p + 5;
                STRV_FOREACH(p, parts) {
                        const char *v = startswith(*p, "source=") ?: startswith(*p, "src=");
                        size_t klen = v ? (size_t) (v - *p) : 0;
                        _cleanup_free_ char *res = NULL;

                        if (sb.len)
                                (void) strbuf_putc(&sb, ',');
                        if (!v) {
                                (void) strbuf_puts(&sb, *p);
                                continue;
                        }
                        if (streq(type, "volume") && endswith(v, ".volume"))
                                res = ref_resource(c, e, v, QUADLET_VOLUME);
                        else if (streq(type, "image") && endswith(v, ".image"))
                                res = ref_resource(c, e, v, QUADLET_IMAGE);
                        else if (streq(type, "bind") && v[0] != '%') {
                                res = resolve_path(c, v);
                                if (res)
                                        add_mount(c, res);
                        } else
                                res = strdup(v);
                        if (!res) {
                                bad = true;
                                continue;
                        }
                        (void) strbuf_addf(&sb, "%.*s%s", (int) klen, *p, res);
                }
                if (!strbuf_ok(&sb))
                        c->oom = true;
                if (!bad && strbuf_ok(&sb))
                        add_optf(c, "--mount", "%s", sb.buf);
                strbuf_release(&sb);
        }
}

/* ---- .container ---------------------------------------------------------------------------------- */

static void convert_container(Conv *c) {
        const UnitEntry *e_image, *e_rootfs, *e_user, *e_group, *e_notify, *e_kill, *e_type, *e_pull;
        const char *image = get_nonempty(c, "Image", &e_image);
        const char *rootfs = get_nonempty(c, "Rootfs", &e_rootfs);
        const char *user = get_nonempty(c, "User", &e_user);
        const char *group = get_nonempty(c, "Group", &e_group);
        const char *notify = get_nonempty(c, "Notify", &e_notify);
        const char *killmode = get_in(c, "Service", "KillMode", &e_kill);
        const char *type = get_in(c, "Service", "Type", &e_type);
        const char *reload_cmd = get_nonempty(c, "ReloadCmd", NULL);
        const UnitEntry *e_reload;
        const char *reload_sig = get_nonempty(c, "ReloadSignal", &e_reload);
        const char *entrypoint;
        const UnitEntry *e_ep, *e_exec, *e_pod;
        _cleanup_free_ char *image_name = NULL, *name = NULL;
        const char *sdnotify = "conmon";
        static const char *const pulls[] = {"always", "missing", "never", "newer", NULL};
        static const char *const cgmodes[] = {"split", "enabled", "disabled", "no-conmon", NULL};
        static const char *const onfail[] = {"none", "kill", "restart", "stop", NULL};

        (void) e_pull;

        if (image && rootfs)
                conv_error(c, e_rootfs, "Image= and Rootfs= cannot both be set");
        else if (!image && !rootfs)
                conv_error(c, NULL, "[Container] needs Image= or Rootfs=");
        if (image && endswith(image, ".image"))
                image_name = ref_resource(c, e_image, image, QUADLET_IMAGE);
        else if (image && !(image_name = strdup(image)))
                c->oom = true;
        unit_add(c, "RequiresMountsFor", "%t/containers");
        if (group && !user)
                conv_error(c, e_group, "Group=%s needs User= (the group of which user?)", group);
        if (notify && !streq(notify, "healthy")) {
                int b = unit_value_parse_boolean(notify);
                if (b < 0)
                        conv_error(c, e_notify, "Notify=%s: must be true, false or healthy", notify);
                else if (b)
                        sdnotify = "container";
        } else if (notify)
                sdnotify = "healthy";
        if (killmode && !streq(killmode, "mixed") && !streq(killmode, "control-group"))
                conv_error(
                        c, e_kill,
                        "[Service] KillMode=%s: must be mixed or control-group (all of the container's processes must be stopped)",
                        killmode);
        if (type && !streq(type, "notify") && !streq(type, "oneshot"))
                conv_error(c, e_type, "[Service] Type=%s: must be notify or oneshot", type);
        if (reload_cmd && reload_sig)
                conv_error(c, e_reload, "ReloadCmd= and ReloadSignal= cannot both be set");
        (void) check_enum(c, "Pull", pulls, "always, missing, never or newer");
        (void) check_enum(c, "HealthOnFailure", onfail, "none, kill, restart or stop");
        (void) check_enum(c, "CgroupsMode", cgmodes, "split, enabled, disabled or no-conmon");
        {
                const UnitEntry *e;
                const char *au = get_nonempty(c, "AutoUpdate", &e);
                if (au && !streq(au, "registry") && !streq(au, "local"))
                        conv_error(c, e, "AutoUpdate=%s: must be registry or local", au);
        }

        /* The container's name: ContainerName= or systemd-%N (systemd-%p_%i for templates). */
        name = strdup(get_nonempty(c, "ContainerName", NULL)
                              ?: c->q->instance ? "systemd-%p_%i"
                                                : "systemd-%N");
        if (!name)
                c->oom = true;

        /* [Service] */
        service_add(c, "Environment", "PODMAN_SYSTEMD_UNIT=%n");
        if (!killmode)
                service_add(c, "KillMode", "mixed");
        for (int i = 0; i < 2; i++) {
                cmd_start(c, "rm", NULL);
                add_arg(c, "-v");
                add_arg(c, "-f");
                add_arg(c, "-i");
                add_arg(c, "--cidfile=%t/%N.cid");
                set_exec(c, i == 0 ? "ExecStop" : "ExecStopPost", i == 0 ? "" : "-", c->cmd);
                cmd_reset(c);
        }
        if (reload_cmd) {
                _cleanup_strv_free_ char **w = NULL;
                const UnitEntry *e;
                (void) get(c, "ReloadCmd", &e);
                w = e ? split_words(c, e) : NULL; /* e is set: reload_cmd was found */
                /* By name, as quadlet does: exec and kill need not know --cidfile. */
                cmd_start(c, "exec", NULL);
                add_arg(c, name);
                STRV_FOREACH(s, w)
                        add_arg(c, *s);
                set_cmd(c, "ExecReload");
        } else if (reload_sig) {
                cmd_start(c, "kill", NULL);
                add_args(c, "--signal", reload_sig);
                add_arg(c, name);
                set_cmd(c, "ExecReload");
        }
        service_add(c, "Delegate", "yes"); /* always: skiff needs the cgroup */
        if (!type) {
                service_add(c, "Type", "notify");
                service_add(c, "NotifyAccess", "all");
        } else if (streq(type, "notify"))
                service_default(c, "NotifyAccess", "all");
        service_default(c, "SyslogIdentifier", "%N");

        /* ExecStart, in quadlet's order (where quadlet's own order is random, ours is fixed). */
        cmd_start(c, "run", NULL);
        add_args(c, "--name", name);
        add_arg(c, "--cidfile=%t/%N.cid");
        add_arg(c, "--replace");
        add_arg(c, "--rm");
        add_log(c);
        {
                const char *cg = get_nonempty(c, "CgroupsMode", NULL);
                if (cg)
                        add_args(c, "--cgroups", cg);
                else
                        add_arg(c, "--cgroups=split");
        }
        add_string(c, "IP6", "--ip6");
        add_string(c, "ShmSize", "--shm-size");
        add_string(c, "IP", "--ip");
        add_string(c, "HostName", "--hostname");
        add_string(c, "StopSignal", "--stop-signal");
        add_string(c, "StopTimeout", "--stop-timeout");
        add_string(c, "Pull", "--pull");
        add_string(c, "Timezone", "--tz");
        add_string(c, "PidsLimit", "--pids-limit");
        add_string(c, "Memory", "--memory");
        add_string(c, "Retry", "--retry");
        add_string(c, "RetryDelay", "--retry-delay");
        entrypoint = get(c, "Entrypoint", &e_ep);
        if (entrypoint && *entrypoint)
                add_args(c, "--entrypoint", entrypoint);
        else if (entrypoint)
                add_arg(c, "--entrypoint="); /* clear the image's, as newer quadlet writes it */
        add_string(c, "WorkingDir", "--workdir");
        add_all_strings(c, "DNS", "--dns");
        add_all_strings(c, "DNSOption", "--dns-option");
        add_all_strings(c, "DNSSearch", "--dns-search");
        add_all_strings(c, "GroupAdd", "--group-add");
        add_all_strings(c, "AddHost", "--add-host");
        add_all_strings(c, "Tmpfs", "--tmpfs");
        if (get_bool(c, "VolatileTmp", false, NULL) == 1)
                add_args(c, "--tmpfs", "/tmp:rw,size=512M,mode=1777");
        add_all_strings(c, "NetworkAlias", "--network-alias");
        add_all_strings(c, "Ulimit", "--ulimit");
        add_bool(c, "RunInit", "--init");
        add_bool(c, "EnvironmentHost", "--env-host");
        add_bool(c, "ReadOnlyTmpfs", "--read-only-tmpfs");
        add_bool(c, "HttpProxy", "--http-proxy");
        add_networks(c, true);
        /* A oneshot runs in the foreground: the unit is done when the container exits. */
        if (!type || !streq(type, "oneshot")) {
                add_argf(c, "--sdnotify=%s", sdnotify);
                add_arg(c, "-d");
        }

        /* security */
        if (get_bool(c, "NoNewPrivileges", false, NULL) == 1)
                add_arg(c, "--security-opt=no-new-privileges");
        if (get_bool(c, "SecurityLabelDisable", false, NULL) == 1)
                add_args(c, "--security-opt", "label=disable");
        if (get_bool(c, "SecurityLabelNested", false, NULL) == 1)
                add_args(c, "--security-opt", "label=nested");
        {
                const char *t = get_nonempty(c, "SecurityLabelType", NULL),
                           *l = get_nonempty(c, "SecurityLabelLevel", NULL),
                           *f = get_nonempty(c, "SecurityLabelFileType", NULL),
                           *aa = get_nonempty(c, "AppArmor", NULL);
                if (t)
                        add_optf(c, "--security-opt", "label=type:%s", t);
                if (f)
                        add_optf(c, "--security-opt", "label=filetype:%s", f);
                if (l)
                        add_optf(c, "--security-opt", "label=level:%s", l);
                if (aa)
                        add_optf(c, "--security-opt", "apparmor=%s", aa);
        }

        /* devices: "-/dev/x" only when it exists where the generator runs */
        FOREACH_VALUE(c, "AddDevice", e) {
                const char *d = e->value;
                if (d[0] == '-') {
                        struct stat st;
                        _cleanup_free_ char *path = NULL;
                        const char *colon;

                        d++;
                        colon = strchr(d, ':');
                        path = colon ? strndup(d, (size_t) (colon - d)) : strdup(d);
                        if (!path) {
                                c->oom = true;
                                continue;
                        }
                        if (stat(path, &st) < 0)
                                continue;
                }
                add_args(c, "--device", d);
        }
        {
                const char *sp = get_nonempty(c, "SeccompProfile", NULL);
                if (sp)
                        add_optf(c, "--security-opt", "seccomp=%s", sp);
        }

        /* capabilities, lower-cased as quadlet writes them */
        FOREACH_VALUE(c, "DropCapability", e) {
                _cleanup_strv_free_ char **w = split_words(c, e);
                STRV_FOREACH(s, w) {
                        for (char *p = *s; *p; p++)
                                *p = (char) tolower((unsigned char) *p);
                        add_args(c, "--cap-drop", *s);
                }
        }
        FOREACH_VALUE(c, "AddCapability", e) {
                _cleanup_strv_free_ char **w = split_words(c, e);
                STRV_FOREACH(s, w) {
                        for (char *p = *s; *p; p++)
                                *p = (char) tolower((unsigned char) *p);
                        add_args(c, "--cap-add", *s);
                }
        }
        FOREACH_VALUE(c, "Sysctl", e) {
                _cleanup_strv_free_ char **w = split_words(c, e);
                STRV_FOREACH(s, w) {
                        if (!strchr(*s, '=')) {
                                conv_error(c, e, "Sysctl=%s: '%s' is not NAME=VALUE", e->value, *s);
                                continue;
                        }
                        add_args(c, "--sysctl", *s);
                }
        }
        add_bool(c, "ReadOnly", "--read-only");
        if (user)
                add_optf(c, "--user", "%s%s%s", user, group ? ":" : "", group ?: "");
        add_userns(c, true);
        add_volumes(c);
        {
                const char *au = get_nonempty(c, "AutoUpdate", NULL);
                if (au)
                        add_optf(c, "--label", "io.containers.autoupdate=%s", au);
        }
        FOREACH_VALUE(c, "ExposeHostPort", e) {
                const char *slash = strchr(e->value, '/');
                if (!is_port_range(e->value, slash ? (size_t) (slash - e->value) : strlen(e->value))
                    || (slash && !is_protocol(slash + 1))) {
                        conv_error(c, e, "ExposeHostPort=%s: expected PORT[-PORT][/tcp|udp|sctp]", e->value);
                        continue;
                }
                add_args(c, "--expose", e->value);
        }
        add_publish(c);
        add_keyvals(c, "Environment", "--env");
        add_keyvals(c, "Label", "--label");
        add_keyvals(c, "Annotation", "--annotation");
        FOREACH_VALUE(c, "Mask", e)
        add_optf(c, "--security-opt", "mask=%s", e->value);
        FOREACH_VALUE(c, "Unmask", e)
        add_optf(c, "--security-opt", "unmask=%s", e->value);
        FOREACH_VALUE(c, "EnvironmentFile", e) {
                /* "-FILE": ignore FILE when it is missing, as in systemd's EnvironmentFile=; the
                 * prefix is skiff's to read, the path after it is resolved. */
                bool optional = e->value[0] == '-';
                _cleanup_free_ char *p = resolve_path(c, e->value + optional);
                if (!p)
                        c->oom = true;
                else
                        add_optf(c, "--env-file", "%s%s", optional ? "-" : "", p);
        }
        add_all_strings(c, "Secret", "--secret");
        add_mounts(c);

        /* health checks */
        add_string(c, "HealthCmd", "--health-cmd");
        add_string(c, "HealthInterval", "--health-interval");
        add_string(c, "HealthOnFailure", "--health-on-failure");
        add_string(c, "HealthLogDestination", "--health-log-destination");
        add_string(c, "HealthMaxLogCount", "--health-max-log-count");
        add_string(c, "HealthMaxLogSize", "--health-max-log-size");
        add_string(c, "HealthRetries", "--health-retries");
        add_string(c, "HealthStartPeriod", "--health-start-period");
        add_string(c, "HealthTimeout", "--health-timeout");
        add_string(c, "HealthStartupCmd", "--health-startup-cmd");
        add_string(c, "HealthStartupInterval", "--health-startup-interval");
        add_string(c, "HealthStartupRetries", "--health-startup-retries");
        add_string(c, "HealthStartupSuccess", "--health-startup-success");
        add_string(c, "HealthStartupTimeout", "--health-startup-timeout");

        /* Pod=: bound to the pod's service, joins the pod by its id file */
        {
                const char *p = get_nonempty(c, "Pod", &e_pod);
                if (p) {
                        if (!endswith(p, ".pod"))
                                conv_error(c, e_pod, "Pod=%s: must name a .pod unit file", p);
                        else {
                                const char *inst;
                                const Quadlet *t = resolve_ref(c, e_pod, p, QUADLET_POD, &inst);
                                if (t) {
                                        _cleanup_free_ char *svc = instance_service(t->service, inst);
                                        if (!svc)
                                                c->oom = true;
                                        else {
                                                c->binds_to = strdup(svc);
                                                if (!c->binds_to)
                                                        c->oom = true;
                                                svc[strlen(svc) - strlen(".service")] = 0;
                                                add_optf(c, "--pod-id-file", "%%t/%s.pod-id", svc);
                                        }
                                }
                        }
                }
        }

        add_all_words(c, "PodmanArgs");
        if (rootfs) {
                _cleanup_free_ char *r = rootfs[0] == '.' ? resolve_path(c, rootfs) : strdup(rootfs);
                if (!r)
                        c->oom = true;
                else
                        add_args(c, "--rootfs", r);
        } else if (image_name)
                add_arg(c, image_name);
        if (get(c, "Exec", &e_exec) && e_exec) {
                _cleanup_strv_free_ char **w = split_words(c, e_exec);
                STRV_FOREACH(s, w)
                        add_arg(c, *s);
        }
        set_cmd(c, "ExecStart");
}

/* ---- .kube --------------------------------------------------------------------------------------- */

static void convert_kube(Conv *c) {
        _cleanup_strv_free_ char **yamls = NULL;
        const UnitEntry *e_type;
        const char *type = get_in(c, "Service", "Type", &e_type);
        static const char *const ecp[] = {"all", "any", "none", NULL};
        static const char *const swd[] = {"yaml", "unit", NULL};
        const char *prop = check_enum(c, "ExitCodePropagation", ecp, "all, any or none");
        const UnitEntry *e_swd;
        const char *wd = check_enum(c, "SetWorkingDirectory", swd, "yaml or unit");

        (void) get(c, "SetWorkingDirectory", &e_swd);
        FOREACH_VALUE(c, "Yaml", e) {
                char *p = resolve_path(c, e->value);
                if (strv_consume(&yamls, p) < 0)
                        c->oom = true;
        }
        if (strv_length(yamls) == 0)
                conv_error(c, NULL, "[Kube] needs Yaml=");
        if (type && !streq(type, "notify") && !streq(type, "oneshot"))
                conv_error(c, e_type, "[Service] Type=%s: must be notify or oneshot", type);
        if (wd && streq(wd, "yaml") && strv_length(yamls) > 1)
                conv_error(c, e_swd, "SetWorkingDirectory=yaml: ambiguous with %zu Yaml= files",
                           strv_length(yamls));
        {
                const char *r = get_nonempty(c, "RemapUsers", NULL);
                if (r && streq(r, "manual"))
                        conv_error(c, NULL, "RemapUsers=manual is not supported for .kube units");
        }

        service_default(c, "KillMode", "mixed");
        service_add(c, "Environment", "PODMAN_SYSTEMD_UNIT=%n");
        if (!type) {
                service_add(c, "Type", "notify");
                service_add(c, "NotifyAccess", "all");
        }
        service_default(c, "SyslogIdentifier", "%N");

        cmd_start(c, "kube", "play");
        add_arg(c, "--replace");
        add_arg(c, "--service-container=true");
        if (prop)
                add_argf(c, "--service-exit-code-propagation=%s", prop);
        add_log(c);
        add_userns(c, false);
        add_networks(c, false);
        FOREACH_VALUE(c, "AutoUpdate", e) {
                const char *slash = strchr(e->value, '/');
                const char *policy = slash ? slash + 1 : e->value;
                if (!streq(policy, "registry") && !streq(policy, "local")) {
                        conv_error(c, e,
                                   "AutoUpdate=%s: must be registry, local or CONTAINER/registry|local",
                                   e->value);
                        continue;
                }
                if (slash)
                        add_argf(c, "--annotation=io.containers.autoupdate/%.*s=%s",
                                 (int) (slash - e->value), e->value, policy);
                else
                        add_argf(c, "--annotation=io.containers.autoupdate=%s", policy);
        }
        FOREACH_VALUE(c, "ConfigMap", e) {
                _cleanup_free_ char *p = resolve_path(c, e->value);
                if (!p)
                        c->oom = true;
                else
                        add_args(c, "--configmap", p);
        }
        add_publish(c);
        add_all_words(c, "PodmanArgs");
        STRV_FOREACH(y, yamls)
                add_arg(c, *y);
        set_cmd(c, "ExecStart");

        cmd_start(c, "kube", "down");
        add_bool(c, "KubeDownForce", "--force");
        STRV_FOREACH(y, yamls)
                add_arg(c, *y);
        set_cmd(c, "ExecStopPost");

        if (!unit_file_has_key(c->q->uf, "Service", "WorkingDirectory") && strv_length(yamls) > 0) {
                if (!wd || streq(wd, "yaml")) {
                        if (wd) {
                                _cleanup_free_ char *d = strdup(yamls[0]);
                                if (!d)
                                        c->oom = true;
                                else {
                                        *strrchr(d, '/') = 0;
                                        service_add(c, "WorkingDirectory", *d ? d : "/");
                                }
                        }
                } else
                        service_add(c, "WorkingDirectory", c->q->dir);
        }
}

/* ---- .pod ---------------------------------------------------------------------------------------- */

static void convert_pod(Conv *c) {
        const UnitEntry *e_type;
        const char *type = get_in(c, "Service", "Type", &e_type);
        const char *name = get_nonempty(c, "PodName", NULL) ?: c->q->resource;
        static const char *const policies[] = {"stop", "continue", NULL};
        const char *policy = check_enum(c, "ExitPolicy", policies, "stop or continue");
        const UnitEntry *e_to;
        const char *timeout = get_nonempty(c, "StopTimeout", &e_to);

        if (type && !streq(type, "forking"))
                conv_error(c, e_type, "[Service] Type=%s: a .pod unit must be Type=forking", type);
        if (timeout && strspn(timeout, "0123456789") != strlen(timeout))
                conv_error(c, e_to, "StopTimeout=%s: must be a number of seconds", timeout);

        STRV_FOREACH(m, c->q->pod_members) {
                unit_add(c, "Wants", *m);
                unit_add(c, "Before", *m);
        }

        service_default(c, "SyslogIdentifier", "%N");

        cmd_start(c, "pod", "start");
        add_arg(c, "--pod-id-file=%t/%N.pod-id");
        set_cmd(c, "ExecStart");

        cmd_start(c, "pod", "stop");
        add_arg(c, "--pod-id-file=%t/%N.pod-id");
        add_arg(c, "--ignore");
        add_argf(c, "--time=%s", timeout ?: "10");
        set_cmd(c, "ExecStop");

        cmd_start(c, "pod", "rm");
        add_arg(c, "--pod-id-file=%t/%N.pod-id");
        add_arg(c, "--ignore");
        add_arg(c, "--force");
        set_cmd(c, "ExecStopPost");

        cmd_start(c, "pod", "create");
        add_arg(c, "--infra-conmon-pidfile=%t/%N.pid");
        add_arg(c, "--pod-id-file=%t/%N.pod-id");
        add_argf(c, "--exit-policy=%s", policy ?: "stop");
        add_arg(c, "--replace");
        add_userns(c, true);
        add_publish(c);
        add_networks(c, false);
        add_string(c, "IP", "--ip");
        add_string(c, "IP6", "--ip6");
        add_string(c, "ShmSize", "--shm-size");
        add_string(c, "HostName", "--hostname");
        add_all_strings(c, "NetworkAlias", "--network-alias");
        add_all_strings(c, "DNS", "--dns");
        add_all_strings(c, "DNSOption", "--dns-option");
        add_all_strings(c, "DNSSearch", "--dns-search");
        add_all_strings(c, "AddHost", "--add-host");
        add_keyvals(c, "Label", "--label");
        add_volumes(c);
        add_optf(c, "--infra-name", "%s-infra", name);
        add_args(c, "--name", name);
        add_all_words(c, "PodmanArgs");
        set_cmd(c, "ExecStartPre");

        service_add(c, "Environment", "PODMAN_SYSTEMD_UNIT=%n");
        service_default(c, "Type", "forking");
        service_default(c, "Restart", "on-failure");
        service_default(c, "PIDFile", "%t/%N.pid");
}

/* Volumes, networks and images are made once and stay: a oneshot that remains active. */
static void oneshot_defaults(Conv *c) {
        service_default(c, "SyslogIdentifier", "%N");
        service_default(c, "Type", "oneshot");
        service_default(c, "RemainAfterExit", "yes");
}

/* ---- .volume ------------------------------------------------------------------------------------- */

static void convert_volume(Conv *c) {
        const UnitEntry *e_type, *e_driver, *e_group, *e_image;
        const char *driver = get_nonempty(c, "Driver", &e_driver);
        const char *device = get_nonempty(c, "Device", NULL);
        const char *vtype = get_nonempty(c, "Type", &e_type);
        const char *options = get_nonempty(c, "Options", NULL);
        const char *user = get_nonempty(c, "User", NULL);
        const char *group = get_nonempty(c, "Group", &e_group);
        const char *image = get_nonempty(c, "Image", &e_image);
        const UnitEntry *e_copy;
        int copy = get_bool(c, "Copy", -1, &e_copy);
        _cleanup_free_ char *image_name = NULL;

        if (vtype && !device)
                conv_error(c, e_type, "Type=%s needs Device=", vtype);
        if (driver && streq(driver, "image") && !image)
                conv_error(c, e_driver, "Driver=image needs Image=");
        if (image && !(driver && streq(driver, "image"))) {
                conv_warning(c, e_image, "Image= is only used with Driver=image, ignoring");
                image = NULL;
        }
        if (image && endswith(image, ".image"))
                image_name = ref_resource(c, e_image, image, QUADLET_IMAGE);
        else if (image && !(image_name = strdup(image)))
                c->oom = true;

        cmd_start(c, "volume", "create");
        add_arg(c, "--ignore");
        if (driver)
                add_args(c, "--driver", driver);
        if (copy >= 0)
                add_args(c, "--opt", copy ? "copy" : "nocopy");
        if (device) {
                add_optf(c, "--opt", "device=%s", device);
                if (vtype && streq(vtype, "bind") && device[0] == '/')
                        add_mount(c, device);
        }
        if (vtype)
                add_optf(c, "--opt", "type=%s", vtype);
        if (user || group || options) {
                StrBuf sb = STRBUF_INIT;

                if (user)
                        (void) strbuf_addf(&sb, "uid=%s", user);
                if (group)
                        (void) strbuf_addf(&sb, "%sgid=%s", sb.len ? "," : "", group);
                if (options)
                        (void) strbuf_addf(&sb, "%s%s", sb.len ? "," : "", options);
                if (!strbuf_ok(&sb))
                        c->oom = true;
                else
                        add_optf(c, "--opt", "o=%s", sb.buf);
                strbuf_release(&sb);
        }
        add_string(c, "UID", "--uid");
        add_string(c, "GID", "--gid");
        if (image_name)
                add_optf(c, "--opt", "image=%s", image_name);
        add_keyvals(c, "Label", "--label");
        add_all_words(c, "PodmanArgs");
        add_arg(c, get_nonempty(c, "VolumeName", NULL) ?: c->q->resource);
        set_cmd(c, "ExecStart");
        oneshot_defaults(c);
}

/* ---- .network ------------------------------------------------------------------------------------ */

static void convert_network(Conv *c) {
        const UnitEntry **subnets = NULL, **gws = NULL, **ranges = NULL;
        size_t ns = get_all(c, "Subnet", &subnets), ng = get_all(c, "Gateway", &gws),
               nr = get_all(c, "IPRange", &ranges);

        if (ng > ns)
                conv_error(
                        c, gws[ns],
                        "Gateway=%s: more gateways than subnets (each Gateway= pairs with the Subnet= in the same position)",
                        gws[ns]->value);
        if (nr > ns)
                conv_error(
                        c, ranges[ns],
                        "IPRange=%s: more ranges than subnets (each IPRange= pairs with the Subnet= in the same position)",
                        ranges[ns]->value);

        cmd_start(c, "network", "create");
        add_arg(c, "--ignore");
        if (get_bool(c, "DisableDNS", false, NULL) == 1)
                add_arg(c, "--disable-dns");
        if (get_bool(c, "Internal", false, NULL) == 1)
                add_arg(c, "--internal");
        if (get_bool(c, "IPv6", false, NULL) == 1)
                add_arg(c, "--ipv6");
        add_string(c, "Driver", "--driver");
        add_string(c, "IPAMDriver", "--ipam-driver");
        add_string(c, "InterfaceName", "--interface-name");
        add_all_strings(c, "DNS", "--dns");
        for (size_t i = 0; i < ns; i++) {
                add_args(c, "--subnet", subnets[i]->value);
                if (i < ng)
                        add_args(c, "--gateway", gws[i]->value);
                if (i < nr)
                        add_args(c, "--ip-range", ranges[i]->value);
        }
        FOREACH_VALUE(c, "Options", e)
        add_optf(c, "--opt", "%s", e->value);
        add_keyvals(c, "Label", "--label");
        add_all_words(c, "PodmanArgs");
        add_arg(c, get_nonempty(c, "NetworkName", NULL) ?: c->q->resource);
        set_cmd(c, "ExecStart");
        oneshot_defaults(c);

        if (get_bool(c, "NetworkDeleteOnStop", false, NULL) == 1) {
                cmd_start(c, "network", "rm");
                add_arg(c, get_nonempty(c, "NetworkName", NULL) ?: c->q->resource);
                set_cmd(c, "ExecStopPost");
        }
        free(subnets);
        free(gws);
        free(ranges);
}

/* ---- .image -------------------------------------------------------------------------------------- */

static void convert_image(Conv *c) {
        const UnitEntry *e_image;
        const char *image = get_nonempty(c, "Image", &e_image);

        if (!image)
                conv_error(c, NULL, "[Image] needs Image=");

        cmd_start(c, "image", "pull");
        add_string(c, "Arch", "--arch");
        {
                const char *a = get_nonempty(c, "AuthFile", NULL);
                if (a) {
                        _cleanup_free_ char *p = resolve_path(c, a);
                        if (!p)
                                c->oom = true;
                        else
                                add_optf(c, "--authfile", "%s", p);
                }
        }
        add_string(c, "CertDir", "--cert-dir");
        add_string(c, "Creds", "--creds");
        add_string(c, "DecryptionKey", "--decryption-key");
        add_string(c, "OS", "--os");
        add_string(c, "Policy", "--policy");
        add_string(c, "Retry", "--retry");
        add_string(c, "RetryDelay", "--retry-delay");
        add_string(c, "Variant", "--variant");
        add_bool(c, "AllTags", "--all-tags");
        add_bool(c, "TLSVerify", "--tls-verify");
        add_all_words(c, "PodmanArgs");
        if (image)
                add_arg(c, image);
        set_cmd(c, "ExecStart");
        oneshot_defaults(c);
}

/* ---- names, entry point -------------------------------------------------------------------------- */

int quadlet_names(QuadletSet *set, Quadlet *q) {
        const char *group = group_names[q->type];
        const char *svcname = q->uf ? unit_file_get_last(q->uf, group, "ServiceName") : NULL;
        const char *base = !isempty(svcname) ? svcname : NULL;
        const char *inst_part = q->instance ? "@" : "";
        const char *inst = q->instance ?: "";
        static const char *const name_keys[_QUADLET_TYPE_MAX] = {
                [QUADLET_CONTAINER] = "ContainerName",
                [QUADLET_VOLUME] = "VolumeName",
                [QUADLET_NETWORK] = "NetworkName",
                [QUADLET_POD] = "PodName",
        };
        const char *explicit = NULL;

        if (base)
                q->service = arena_concat(set->arena, base, inst_part, inst, ".service", NULL);
        else
                q->service = arena_concat(set->arena, q->prefix, service_suffix[q->type], inst_part, inst,
                                          ".service", NULL);
        if (!q->service)
                return -ENOMEM;

        if (q->uf && name_keys[q->type])
                explicit = unit_file_get_last(q->uf, group, name_keys[q->type]);
        if (!isempty(explicit)) {
                /* Other units can use the name only if systemd would expand it the same way in their
                 * context: no specifiers, except %i of a template (replaced per instance). */
                bool ok = true;

                for (const char *p = strchr(explicit, '%'); p; p = strchr(p + 2, '%'))
                        if (!(p[1] == '%' || (p[1] == 'i' && q->instance))) {
                                ok = false;
                                break;
                        }
                if (ok) {
                        q->resource = q->instance && *q->instance ? with_instance(explicit, q->instance)
                                                                  : strdup(explicit);
                        if (!q->resource)
                                return -ENOMEM;
                        /* kept in the arena like every other string of q */
                        char *a = arena_strdup(set->arena, q->resource);
                        free((char *) q->resource);
                        q->resource = a;
                        if (!a)
                                return -ENOMEM;
                }
                return 0;
        }
        switch (q->type) {
        case QUADLET_CONTAINER:
        case QUADLET_POD:
        case QUADLET_VOLUME:
        case QUADLET_NETWORK:
                if (!q->instance)
                        q->resource = arena_concat(set->arena, "systemd-", q->prefix, NULL);
                else
                        q->resource = arena_concat(set->arena, "systemd-", q->prefix,
                                                   q->type == QUADLET_CONTAINER ? "_" : "-", *inst ? inst : "%i",
                                                   NULL);
                if (!q->resource)
                        return -ENOMEM;
                break;
        case QUADLET_IMAGE: {
                const char *tag = q->uf ? unit_file_get_last(q->uf, group, "ImageTag") : NULL;
                const char *img = q->uf ? unit_file_get_last(q->uf, group, "Image") : NULL;
                const char *v = !isempty(tag) ? tag : !isempty(img) ? img : NULL;
                q->resource = v ? arena_strdup(set->arena, v) : NULL;
                break;
        }
        default:
                break;
        }
        return 0;
}

int quadlet_convert(const QuadletSet *set, const Quadlet *q, const GeneratorOptions *opts, UnitFile **ret,
                    DiagList *diags) {
        _cleanup_unit_file_free_ UnitFile *out = NULL;
        Conv c = {.set = set, .q = q, .opts = opts, .diags = diags, .group = group_names[q->type]};

        c.sec = unit_file_find_section(q->uf, c.group);
        /* The output shares the source's strings (q->uf lives as long as the set). */
        out = set->out_arena ? unit_file_new_in(set->out_arena, q->service) : unit_file_new(q->service);
        if (!out || unit_file_merge_shared(out, q->uf) < 0)
                return -ENOMEM;
        c.out = out;
        if (group_index_build(&c) < 0) {
                free(c.idx.entries);
                return -ENOMEM;
        }

        check_keys(&c);
        init_service(&c);
        rewrite_unit_deps(&c);
        switch (q->type) {
        case QUADLET_CONTAINER:
                convert_container(&c);
                break;
        case QUADLET_KUBE:
                convert_kube(&c);
                break;
        case QUADLET_POD:
                convert_pod(&c);
                break;
        case QUADLET_VOLUME:
                convert_volume(&c);
                break;
        case QUADLET_NETWORK:
                convert_network(&c);
                break;
        case QUADLET_IMAGE:
                convert_image(&c);
                break;
        default:
                break;
        }
        finish_unit(&c);
        free(c.cmd);
        free(c.kv);
        strbuf_release(&c.line);
        strv_free(c.deps);
        strv_free(c.mounts);
        free(c.binds_to);
        strv_free(c.scratch);
        free(c.idx.entries);
        if (c.oom)
                return -ENOMEM;
        if (c.n_errors > 0)
                return 1;
        *ret = TAKE_PTR(out);
        return 0;
}
