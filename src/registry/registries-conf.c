/* registries.conf v2 and drop-ins: parse, merge, match prefixes, resolve short names. */

#include "registry/registries-conf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strv.h"
#include "registry/toml.h"

static void registry_entry_done(RegistryEntry *e) {
        free(e->prefix);
        free(e->location);
        for (size_t i = 0; i < e->n_mirrors; i++)
                free(e->mirrors[i].location);
        free(e->mirrors);
        free(e->file);
        *e = (RegistryEntry){};
}

RegistriesConf *registries_conf_new(void) {
        return calloc(1, sizeof(RegistriesConf));
}

RegistriesConf *registries_conf_free(RegistriesConf *c) {
        if (!c)
                return NULL;
        strv_free(c->search);
        free(c->search_file);
        for (size_t i = 0; i < c->n_entries; i++)
                registry_entry_done(&c->entries[i]);
        free(c->entries);
        strv_free(c->aliases);
        strv_free(c->files);
        free(c);
        return NULL;
}

/* A file's worth of settings before it is merged. */
typedef struct ConfFile {
        bool has_search;
        char **search;
        RegistryEntry *entries;
        size_t n_entries;
        char **aliases;
} ConfFile;

static void conf_file_done(ConfFile *f) {
        strv_free(f->search);
        for (size_t i = 0; i < f->n_entries; i++)
                registry_entry_done(&f->entries[i]);
        free(f->entries);
        strv_free(f->aliases);
}

static int type_error(Diag **reterr, const char *file, json_object *v, const char *path, const char *what) {
        return diag_set(reterr, -EBADMSG, file, toml_line(v), 0, path, "expected %s", what);
}

static int get_string(json_object *v, const char *file, const char *path, char **ret, Diag **reterr) {
        char *s;

        if (!json_object_is_type(v, json_type_string))
                return type_error(reterr, file, v, path, "a string");
        s = strdup(json_object_get_string(v));
        if (!s)
                return -ENOMEM;
        free(*ret);
        *ret = s;
        return 0;
}

static int get_bool(json_object *v, const char *file, const char *path, bool *ret, Diag **reterr) {
        if (!json_object_is_type(v, json_type_boolean))
                return type_error(reterr, file, v, path, "a boolean (true or false)");
        *ret = json_object_get_boolean(v);
        return 0;
}

/* A registry host, optionally with a port and a path: what a search registry or location may be. */
static bool registry_name_valid(const char *s) {
        if (isempty(s) || strlen(s) > IMAGE_REF_NAME_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if (*p <= ' ' || *p == 0x7f || *p == '@' || *p == '\\' || *p == '"')
                        return false;
        return *s != '/' && !endswith(s, "/");
}

static int parse_search(json_object *v, const char *file, ConfFile *f, Diag **reterr) {
        size_t n;
        int r;

        if (!json_object_is_type(v, json_type_array))
                return type_error(reterr, file, v, "unqualified-search-registries", "an array of strings");
        n = json_object_array_length(v);
        f->has_search = true;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                const char *s;

                if (!json_object_is_type(e, json_type_string))
                        return type_error(reterr, file, e, "unqualified-search-registries",
                                          "an array of strings");
                s = json_object_get_string(e);
                if (!registry_name_valid(s) || strchr(s, '/'))
                        return diag_set(reterr, -EBADMSG, file, toml_line(e), 0,
                                        "unqualified-search-registries", "invalid registry '%s'", s);
                r = strv_extend(&f->search, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_mirrors(json_object *v, const char *file, RegistryEntry *e, Diag **reterr) {
        size_t n;

        if (!json_object_is_type(v, json_type_array))
                return type_error(reterr, file, v, "registry.mirror", "an array of tables");
        n = json_object_array_length(v);
        if (n == 0)
                return 0;
        e->mirrors = calloc(n, sizeof(RegistryMirror));
        if (!e->mirrors)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *m = json_object_array_get_idx(v, i);
                RegistryMirror *mi = &e->mirrors[e->n_mirrors++];
                int r;

                if (!json_object_is_type(m, json_type_object))
                        return type_error(reterr, file, m, "registry.mirror", "a table");
                json_object_object_foreach(m, key, val) {
                        if (streq(key, "location"))
                                r = get_string(val, file, "registry.mirror.location", &mi->location, reterr);
                        else if (streq(key, "insecure"))
                                r = get_bool(val, file, "registry.mirror.insecure", &mi->insecure, reterr);
                        else {
                                log_debug("%s:%u: registry.mirror.%s: unknown key, ignoring", file,
                                          toml_line(val), key);
                                r = 0;
                        }
                        if (r < 0)
                                return r;
                }
                if (!registry_name_valid(mi->location))
                        return diag_set(reterr, -EBADMSG, file, toml_line(m), 0, "registry.mirror.location",
                                        "a mirror needs a valid location");
        }
        return 0;
}

static int parse_registry(json_object *t, const char *file, RegistryEntry *e, Diag **reterr) {
        int r;

        e->line = toml_line(t);
        e->file = strdup(file);
        if (!e->file)
                return -ENOMEM;
        if (!json_object_is_type(t, json_type_object))
                return type_error(reterr, file, t, "registry", "a table ([[registry]])");
        json_object_object_foreach(t, key, val) {
                if (streq(key, "prefix"))
                        r = get_string(val, file, "registry.prefix", &e->prefix, reterr);
                else if (streq(key, "location"))
                        r = get_string(val, file, "registry.location", &e->location, reterr);
                else if (streq(key, "insecure"))
                        r = get_bool(val, file, "registry.insecure", &e->insecure, reterr);
                else if (streq(key, "blocked"))
                        r = get_bool(val, file, "registry.blocked", &e->blocked, reterr);
                else if (streq(key, "mirror"))
                        r = parse_mirrors(val, file, e, reterr);
                else {
                        /* mirror-by-digest-only, pull-from-mirror…: about mirrors, which skiff does not use
                         */
                        log_debug("%s:%u: registry.%s: not used by skiff, ignoring", file, toml_line(val),
                                  key);
                        r = 0;
                }
                if (r < 0)
                        return r;
        }
        if (e->n_mirrors > 0)
                log_debug(
                        "%s:%u: [[registry]] %s: %zu mirror(s) not used by skiff, pulling from the location",
                        file, e->line, e->prefix ?: e->location, e->n_mirrors);
        if (isempty(e->prefix) && isempty(e->location))
                return diag_set(reterr, -EBADMSG, file, e->line, 0, "registry",
                                "needs a prefix or a location");
        if (e->location && !registry_name_valid(e->location))
                return diag_set(reterr, -EBADMSG, file, e->line, 0, "registry.location",
                                "invalid location '%s'", e->location);
        if (e->prefix && startswith(e->prefix, "*.")) {
                if (!isempty(e->location))
                        return diag_set(reterr, -EBADMSG, file, e->line, 0, "registry.location",
                                        "must be empty with a wildcard prefix ('%s')", e->prefix);
                if (strchr(e->prefix, '/') || !registry_name_valid(e->prefix + 2))
                        return diag_set(reterr, -EBADMSG, file, e->line, 0, "registry.prefix",
                                        "invalid wildcard prefix '%s': use *.DOMAIN", e->prefix);
        } else if (isempty(e->prefix)) {
                free(e->prefix);
                e->prefix = strdup(e->location);
                if (!e->prefix)
                        return -ENOMEM;
        } else if (!registry_name_valid(e->prefix))
                return diag_set(reterr, -EBADMSG, file, e->line, 0, "registry.prefix", "invalid prefix '%s'",
                                e->prefix);
        if (isempty(e->location)) {
                free(e->location);
                e->location = NULL;
        }
        return 0;
}

static int parse_aliases(json_object *v, const char *file, ConfFile *f, Diag **reterr) {
        int r;

        if (!json_object_is_type(v, json_type_object))
                return type_error(reterr, file, v, "aliases", "a table");
        json_object_object_foreach(v, key, val) {
                _cleanup_image_ref_ ImageRef *ref = NULL;
                const char *reason = NULL;

                if (!json_object_is_type(val, json_type_string))
                        return type_error(reterr, file, val, "aliases", "a string");
                if (image_ref_parse(json_object_get_string(val), &ref, &reason) < 0 || ref->short_name
                    || ref->digest)
                        return diag_set(
                                reterr, -EBADMSG, file, toml_line(val), 0, "aliases",
                                "'%s' = '%s': an alias must be a fully qualified name without a digest%s%s",
                                key, json_object_get_string(val), reason ? ": " : "", strempty(reason));
                r = strv_extend(&f->aliases, key);
                if (r < 0)
                        return r;
                r = strv_extend(&f->aliases, json_object_get_string(val));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int conf_file_parse(const char *text, size_t len, const char *file, ConfFile *f, Diag **reterr) {
        _cleanup_json_ json_object *root = NULL;
        int r;

        r = toml_parse(text, len, file, &root, reterr);
        if (r < 0)
                return r;
        json_object_object_foreach(root, key, val) {
                if (streq(key, "unqualified-search-registries"))
                        r = parse_search(val, file, f, reterr);
                else if (streq(key, "registry")) {
                        size_t n;

                        if (!json_object_is_type(val, json_type_array))
                                return type_error(reterr, file, val, "registry", "[[registry]] tables");
                        n = json_object_array_length(val);
                        f->entries = calloc(n ?: 1, sizeof(RegistryEntry));
                        if (!f->entries)
                                return -ENOMEM;
                        for (size_t i = 0; i < n; i++) {
                                r = parse_registry(json_object_array_get_idx(val, i), file,
                                                   &f->entries[f->n_entries++], reterr);
                                if (r < 0)
                                        return r;
                        }
                } else if (streq(key, "aliases"))
                        r = parse_aliases(val, file, f, reterr);
                else if (streq(key, "registries"))
                        return diag_set(
                                reterr, -EBADMSG, file, toml_line(val), 0, "registries",
                                "version 1 tables ([registries.search], [registries.insecure]…) are not "
                                "supported: use unqualified-search-registries and [[registry]]");
                else if (streq(key, "short-name-mode") || streq(key, "credential-helpers")
                         || streq(key, "additional-layer-store-auth-helper")) {
                        log_debug("%s:%u: %s: not used by skiff, ignoring", file, toml_line(val), key);
                        r = 0;
                } else {
                        log_debug("%s:%u: %s: unknown key, ignoring", file, toml_line(val), key);
                        r = 0;
                }
                if (r < 0)
                        return r;
        }
        /* Two [[registry]] tables with one prefix in one file are a mistake podman refuses too. */
        for (size_t i = 0; i < f->n_entries; i++)
                for (size_t j = 0; j < i; j++)
                        if (streq(f->entries[i].prefix, f->entries[j].prefix))
                                return diag_set(reterr, -EBADMSG, file, f->entries[i].line, 0,
                                                "registry.prefix", "'%s' is defined twice (also on line %u)",
                                                f->entries[i].prefix, f->entries[j].line);
        return 0;
}

int registries_conf_merge_text(RegistriesConf *c, const char *text, size_t len, const char *filename,
                               Diag **reterr) {
        _cleanup_(conf_file_done) ConfFile f = {};
        RegistryEntry *entries;
        size_t n_alias;
        int r;

        r = conf_file_parse(text, len, filename, &f, reterr);
        if (r < 0)
                return r;

        /* Allocate everything first, so that c is left as it was on OOM. */
        entries = reallocarray(c->entries, c->n_entries + f.n_entries + 1, sizeof(RegistryEntry));
        if (!entries)
                return -ENOMEM;
        c->entries = entries;
        r = strv_extend(&c->files, filename);
        if (r < 0)
                return r;
        if (f.has_search) {
                char *sf = strdup(filename);
                if (!sf)
                        return -ENOMEM;
                strv_free(c->search);
                c->search = TAKE_PTR(f.search);
                free(c->search_file);
                c->search_file = sf;
        }
        for (size_t i = 0; i < f.n_entries; i++) {
                size_t k;

                for (k = 0; k < c->n_entries; k++)
                        if (streq(c->entries[k].prefix, f.entries[i].prefix))
                                break;
                if (k < c->n_entries)
                        registry_entry_done(&c->entries[k]);
                else
                        c->n_entries++;
                c->entries[k] = f.entries[i];
                f.entries[i] = (RegistryEntry){};
        }
        n_alias = strv_length(f.aliases);
        for (size_t i = 0; i + 1 < n_alias && r >= 0; i += 2) {
                bool replaced = false;

                for (char **b = c->aliases; b && b[0] && b[1]; b += 2)
                        if (streq(b[0], f.aliases[i])) {
                                free(b[1]);
                                b[1] = TAKE_PTR(f.aliases[i + 1]);
                                replaced = true;
                                break;
                        }
                if (!replaced) {
                        /* both or neither: the vector stays a list of pairs */
                        r = strv_extend(&c->aliases, f.aliases[i]);
                        if (r >= 0) {
                                r = strv_extend(&c->aliases, f.aliases[i + 1]);
                                if (r < 0) {
                                        size_t k = strv_length(c->aliases) - 1;
                                        free(c->aliases[k]);
                                        c->aliases[k] = NULL;
                                }
                        }
                }
        }
        for (size_t i = 0; i < n_alias; i++)
                free(f.aliases[i]);
        free(f.aliases);
        f.aliases = NULL;
        if (r < 0)
                return r;
        return 0;
}

static int merge_file(RegistriesConf *c, const char *path, Diag **reterr) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r;

        r = read_full_file_at(AT_FDCWD, path, TOML_SIZE_MAX + 1, &text, &size);
        if (r == -ENOENT)
                return 0;
        if (r == -EFBIG)
                return diag_set(reterr, -EBADMSG, path, 0, 0, NULL, "file too large");
        if (r < 0)
                return diag_set(reterr, r, path, 0, 0, NULL, "cannot read: %s", strerror(-r));
        log_debug("Reading registries configuration %s", path);
        return registries_conf_merge_text(c, text, size, path, reterr);
}

static char *path_join(const char *a, const char *b) {
        char *s;
        return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int merge_dir(RegistriesConf *c, const char *dir, Diag **reterr) {
        _cleanup_strv_free_ char **names = NULL;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (!dir)
                return 0;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT || errno == ENOTDIR
                               ? 0
                               : diag_set(reterr, -errno, dir, 0, 0, NULL, "cannot read directory: %m");
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || !endswith(de->d_name, ".conf"))
                        continue;
                r = strv_extendf(&names, "%s/%s", dir, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0)
                return r;
        if (names)
                qsort(names, strv_length(names), sizeof(char *), cmp_str);
        STRV_FOREACH(n, names) {
                r = merge_file(c, *n, reterr);
                if (r < 0)
                        return r;
        }
        return 0;
}

int registries_conf_load(RegistriesConf **ret, Diag **reterr) {
        _cleanup_(registries_conf_freep) RegistriesConf *c = registries_conf_new();
        _cleanup_free_ char *user_file = NULL, *user_dir = NULL;
        const char *env, *home = secure_getenv("HOME"), *file,
                         *system_dir = "/etc/containers/registries.conf.d";
        int r;

        if (!c)
                return -ENOMEM;
        if (home) {
                const char *cfg = secure_getenv("XDG_CONFIG_HOME");
                if (cfg && *cfg == '/') {
                        user_file = path_join(cfg, "containers/registries.conf");
                        user_dir = path_join(cfg, "containers/registries.conf.d");
                } else {
                        user_file = path_join(home, ".config/containers/registries.conf");
                        user_dir = path_join(home, ".config/containers/registries.conf.d");
                }
                if (!user_file || !user_dir)
                        return -ENOMEM;
        }
        env = secure_getenv("CONTAINERS_REGISTRIES_CONF");
        if (!isempty(env))
                file = env;
        else if (user_file && access(user_file, F_OK) == 0) {
                file = user_file;
                system_dir = NULL; /* the user's file replaces the system's configuration, dir included */
        } else
                file = "/etc/containers/registries.conf";
        r = merge_file(c, file, reterr);
        if (r < 0)
                return r;
        env = secure_getenv("SKIFF_REGISTRIES_CONF_DIR");
        if (env) {
                r = merge_dir(c, isempty(env) ? NULL : env, reterr);
        } else {
                r = merge_dir(c, system_dir, reterr);
                if (r >= 0)
                        r = merge_dir(c, user_dir, reterr);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

/* Length of the part of ref that prefix matches (containers-registries.conf(5): the prefix must end at
 * a '/', ':' or '@' of ref or at its end; "*.example.com" matches any subdomain), or -1. */
static ssize_t match_prefix(const char *ref, const char *prefix) {
        size_t lp, lr = strlen(ref);
        const char *host_end;

        if (startswith(prefix, "*.")) {
                const char *dom = prefix + 1; /* ".example.com" */
                size_t ld = strlen(dom);

                host_end = ref + strcspn(ref, "/");
                /* the host part, ignoring a port */
                for (const char *p = ref; p < host_end; p++)
                        if (*p == ':') {
                                host_end = p;
                                break;
                        }
                if ((size_t) (host_end - ref) <= ld || memcmp(host_end - ld, dom, ld) != 0)
                        return -1;
                return host_end - ref;
        }
        lp = strlen(prefix);
        if (lr < lp || memcmp(ref, prefix, lp) != 0)
                return -1;
        if (lr == lp || IN_SET(ref[lp], '/', ':', '@'))
                return (ssize_t) lp;
        return -1;
}

const RegistryEntry *registries_conf_find(const RegistriesConf *c, const char *name) {
        const RegistryEntry *best = NULL;
        ssize_t best_len = -1;

        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_entries; i++) {
                ssize_t l = match_prefix(name, c->entries[i].prefix);
                /* an exact prefix beats a wildcard one of the same length */
                if (l > best_len
                    || (l == best_len && l >= 0 && best && startswith(best->prefix, "*.")
                        && !startswith(c->entries[i].prefix, "*."))) {
                        best = &c->entries[i];
                        best_len = l;
                }
        }
        return best;
}

void pull_candidates_free(PullCandidate *l, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(l[i].name);
                free(l[i].registry);
                free(l[i].repository);
                free(l[i].reference);
                free(l[i].digest);
        }
        free(l);
}

/* Builds the candidate for a fully qualified reference, applying [[registry]] rewriting. */
static int make_candidate(const RegistriesConf *c, const ImageRef *ref, PullCandidate *ret,
                          char **ret_reason) {
        _cleanup_free_ char *name = image_ref_to_string(ref), *plain = NULL, *rewritten = NULL;
        _cleanup_image_ref_ ImageRef *loc = NULL;
        const RegistryEntry *e;
        const char *reason = NULL;

        if (!name)
                return -ENOMEM;
        if (asprintf(&plain, "%s/%s", ref->registry, ref->repository) < 0)
                return -ENOMEM;
        e = registries_conf_find(c, name);
        if (e && e->blocked) {
                if (ret_reason
                    && asprintf(ret_reason, "registry %s is blocked in %s (line %u)", e->prefix, e->file,
                                e->line)
                               < 0)
                        *ret_reason = NULL;
                return -EACCES;
        }
        if (e && e->location) {
                ssize_t l = match_prefix(plain, e->prefix);
                /* the prefix may name a tag or digest too; only rewrite the repository part */
                if (l < 0)
                        l = (ssize_t) strlen(plain);
                if (asprintf(&rewritten, "%s%s%s%s%s", e->location, plain + l, ref->tag ? ":" : "",
                             strempty(ref->tag), ref->digest ? "@" : "")
                    < 0)
                        return -ENOMEM;
                if (ref->digest) {
                        char *t = NULL;
                        if (asprintf(&t, "%s%s", rewritten, ref->digest) < 0)
                                return -ENOMEM;
                        free(rewritten);
                        rewritten = t;
                }
                if (image_ref_parse(rewritten, &loc, &reason) < 0) {
                        if (ret_reason
                            && asprintf(ret_reason, "%s rewritten by %s:%u to '%s': %s", name, e->file,
                                        e->line, rewritten, strempty(reason))
                                       < 0)
                                *ret_reason = NULL;
                        return -EINVAL;
                }
                ref = loc;
        }
        *ret = (PullCandidate){
                .name = TAKE_PTR(name),
                .registry = strdup(ref->registry),
                .repository = strdup(ref->repository),
                .reference = strdup(ref->digest ?: ref->tag),
                .digest = ref->digest ? strdup(ref->digest) : NULL,
                .insecure = e && e->insecure,
        };
        if (!ret->registry || !ret->repository || !ret->reference || (ref->digest && !ret->digest))
                return -ENOMEM;
        return 0;
}

static int set_reason(char **ret_reason, int r, const char *fmt, ...) _printf_(3, 4);
static int set_reason(char **ret_reason, int r, const char *fmt, ...) {
        va_list ap;

        if (!ret_reason)
                return r;
        va_start(ap, fmt);
        if (vasprintf(ret_reason, fmt, ap) < 0)
                *ret_reason = NULL;
        va_end(ap);
        return r;
}

int registries_conf_resolve(const RegistriesConf *c, const char *input, PullCandidate **ret, size_t *ret_n,
                            char **ret_reason) {
        _cleanup_image_ref_ ImageRef *ref = NULL;
        _cleanup_free_ char *path = NULL, *suffix = NULL;
        PullCandidate *l = NULL;
        const char *reason = NULL, *at, *colon;
        size_t n = 0, n_search;
        int r;

        r = image_ref_parse(input, &ref, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return set_reason(ret_reason, r, "invalid reference: %s", strempty(reason));

        if (!ref->short_name) {
                if (streq(ref->registry, "localhost"))
                        return set_reason(
                                ret_reason, -EADDRNOTAVAIL,
                                "localhost/ names are local images and are never pulled from a network");
                l = calloc(1, sizeof(PullCandidate));
                if (!l)
                        return -ENOMEM;
                r = make_candidate(c, ref, &l[0], ret_reason);
                if (r < 0) {
                        pull_candidates_free(l, 1);
                        return r;
                }
                *ret = l;
                *ret_n = 1;
                return 0;
        }

        /* The name as the user wrote it, without tag or digest, and what followed it. */
        at = strchr(input, '@');
        path = strndup(input, at ? (size_t) (at - input) : strlen(input));
        if (!path)
                return -ENOMEM;
        colon = strrchr(path, ':');
        if (colon && !strchr(colon, '/'))
                path[colon - path] = 0;
        if (asprintf(&suffix, "%s%s%s%s", ref->tag ? ":" : "", strempty(ref->tag), ref->digest ? "@" : "",
                     strempty(ref->digest))
            < 0)
                return -ENOMEM;

        /* An alias names the image exactly; digests bypass aliases as in podman. */
        if (!ref->digest)
                for (char **a = c ? c->aliases : NULL; a && a[0] && a[1]; a += 2)
                        if (streq(a[0], path)) {
                                _cleanup_image_ref_ ImageRef *aliased = NULL;
                                _cleanup_free_ char *full = NULL;

                                if (asprintf(&full, "%s%s", a[1], suffix) < 0)
                                        return -ENOMEM;
                                r = image_ref_parse(full, &aliased, &reason);
                                if (r == -ENOMEM)
                                        return r;
                                if (r < 0)
                                        return set_reason(ret_reason, r, "alias '%s' = '%s': %s", a[0], a[1],
                                                          strempty(reason));
                                l = calloc(1, sizeof(PullCandidate));
                                if (!l)
                                        return -ENOMEM;
                                r = make_candidate(c, aliased, &l[0], ret_reason);
                                if (r < 0) {
                                        pull_candidates_free(l, 1);
                                        return r;
                                }
                                *ret = l;
                                *ret_n = 1;
                                return 0;
                        }

        n_search = c ? strv_length(c->search) : 0;
        if (n_search == 0)
                return set_reason(
                        ret_reason, -ENOENT,
                        "short name '%s' did not resolve: no unqualified-search-registries are defined "
                        "in %s",
                        path, c && c->files ? c->files[0] : "registries.conf");
        l = calloc(n_search, sizeof(PullCandidate));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n_search; i++) {
                _cleanup_image_ref_ ImageRef *q = NULL;
                _cleanup_free_ char *full = NULL;

                if (asprintf(&full, "%s/%s%s", c->search[i], path, suffix) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = image_ref_parse(full, &q, &reason);
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0 || q->short_name) {
                        /* e.g. a search registry that does not look like a host name */
                        log_debug("Skipping search registry %s for '%s': %s", c->search[i], path,
                                  strempty(reason));
                        continue;
                }
                r = make_candidate(c, q, &l[n], ret_reason);
                if (r == -EACCES) {
                        /* a blocked search registry is skipped, as podman does */
                        if (ret_reason) {
                                log_debug("Skipping %s: %s", full, strempty(*ret_reason));
                                free(*ret_reason);
                                *ret_reason = NULL;
                        }
                        free(l[n].name);
                        free(l[n].registry);
                        free(l[n].repository);
                        free(l[n].reference);
                        free(l[n].digest);
                        l[n] = (PullCandidate){};
                        continue;
                }
                if (r < 0)
                        goto fail;
                n++;
        }
        if (n == 0) {
                pull_candidates_free(l, n_search);
                return set_reason(
                        ret_reason, -ENOENT,
                        "short name '%s' did not resolve: every unqualified-search registry is blocked "
                        "or invalid",
                        path);
        }
        *ret = l;
        *ret_n = n;
        return 0;
fail:
        pull_candidates_free(l, n_search);
        return r;
}
