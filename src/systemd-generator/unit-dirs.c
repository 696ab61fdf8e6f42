/* Where quadlet files are found: the search path, the walk of each directory, and drop-ins. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strv.h"
#include "systemd-generator/quadlet-internal.h"

static const char *const type_names[_QUADLET_TYPE_MAX] = {
        [QUADLET_CONTAINER] = "container", [QUADLET_VOLUME] = "volume", [QUADLET_NETWORK] = "network",
        [QUADLET_IMAGE] = "image",         [QUADLET_KUBE] = "kube",     [QUADLET_POD] = "pod",
};

const char *quadlet_type_to_string(QuadletType t) {
        if (t < 0 || t >= _QUADLET_TYPE_MAX)
                return NULL;
        return type_names[t];
}

QuadletType quadlet_type_from_filename(const char *name) {
        const char *dot = strrchr(name, '.');

        if (!dot || dot == name)
                return _QUADLET_TYPE_INVALID;
        for (QuadletType t = 0; t < _QUADLET_TYPE_MAX; t++)
                if (streq(dot + 1, type_names[t]))
                        return t;
        return _QUADLET_TYPE_INVALID;
}

static int add_dir(char ***l, const char *root, const char *a, const char *b) {
        return strv_extendf(l, "%s%s%s", root, a, b);
}

int quadlet_search_path(bool user, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *env = secure_getenv("QUADLET_UNIT_DIRS");
        const char *root = secure_getenv("SKIFF_GENERATOR_ROOT") ?: "";
        int r = 0;

        if (env) {
                _cleanup_free_ char *copy = strdup(env);
                char *save = NULL;

                if (!copy)
                        return -ENOMEM;
                for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                        if (d[0] != '/')
                                return -EINVAL;
                        if (strv_extend(&l, d) < 0)
                                return -ENOMEM;
                }
        } else if (!user) {
                r |= add_dir(&l, root, "/run/containers/systemd", "");
                r |= add_dir(&l, root, "/etc/containers/systemd", "");
                r |= add_dir(&l, root, "/usr/share/containers/systemd", "");
        } else {
                const char *runtime = secure_getenv("XDG_RUNTIME_DIR");
                const char *config = secure_getenv("XDG_CONFIG_HOME");
                const char *home = secure_getenv("HOME");
                const char *uid_env = secure_getenv("SKIFF_GENERATOR_UID");
                char uid[32];

                if (uid_env)
                        snprintf(uid, sizeof(uid), "%s", uid_env);
                else
                        snprintf(uid, sizeof(uid), "%u", (unsigned) getuid());

                if (!isempty(runtime))
                        r |= add_dir(&l, runtime, "/containers/systemd", "");
                if (!isempty(config))
                        r |= add_dir(&l, config, "/containers/systemd", "");
                else if (!isempty(home))
                        r |= add_dir(&l, home, "/.config/containers/systemd", "");
                r |= strv_extendf(&l, "%s/etc/containers/systemd/users/%s", root, uid);
                r |= add_dir(&l, root, "/etc/containers/systemd/users", "");
                r |= strv_extendf(&l, "%s/usr/share/containers/systemd/users/%s", root, uid);
                r |= add_dir(&l, root, "/usr/share/containers/systemd/users", "");
        }
        if (r < 0)
                return -ENOMEM;
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static bool is_number(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int typed_name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a + 1, *(char *const *) b + 1);
}

/* Lists dir's entries, sorted, without "." and "..". With ret_types, each name is stored after its
 * d_type byte (DT_REG, DT_DIR, DT_LNK, DT_UNKNOWN...): name = l[i] + 1, type = l[i][0]. Returns 0 (an
 * empty list for a missing dir), or -errno. */
static int list_dir_typed(const char *dir, char ***ret, bool typed) {
        _cleanup_strv_free_ char **l = NULL;
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0, alloc = 0;

        if (!d)
                return -errno;
        while ((errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (n + 2 > alloc) {
                        char **m = realloc(l, sizeof(char *) * (alloc = alloc ? alloc * 2 : 16));
                        if (!m) {
                                closedir(d);
                                return -ENOMEM;
                        }
                        l = m;
                }
                if (typed) {
                        size_t len = strlen(de->d_name);

                        l[n] = malloc(len + 2);
                        if (l[n]) {
                                l[n][0] = (char) de->d_type;
                                memcpy(l[n] + 1, de->d_name, len + 1);
                        }
                } else
                        l[n] = strdup(de->d_name);
                if (!l[n]) {
                        closedir(d);
                        return -ENOMEM;
                }
                l[++n] = NULL;
        }
        closedir(d);
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        qsort(l, n, sizeof(char *), typed ? typed_name_cmp : name_cmp);
        *ret = TAKE_PTR(l);
        return 0;
}

static int list_dir(const char *dir, char ***ret) {
        return list_dir_typed(dir, ret, false);
}

typedef struct Walk {
        QuadletSet *set;
        DiagList *diags;
        bool user;
        const char *etc_users, *share_users;
        dev_t *seen_dev;
        ino_t *seen_ino;
        size_t n_seen;
} Walk;

static int set_add(QuadletSet *set, QuadletType type, const char *dir, const char *name) {
        Quadlet *q;
        const char *at, *dot;

        if (str_index_get(&set->by_name, name, NULL))
                return 0; /* an earlier directory wins */
        if (set->n == set->alloc) {
                Quadlet *m = realloc(set->items,
                                     sizeof(Quadlet) * (set->alloc = set->alloc ? set->alloc * 2 : 32));
                if (!m)
                        return -ENOMEM;
                set->items = m;
        }
        q = &set->items[set->n];
        *q = (Quadlet){.type = type};
        q->name = arena_strdup(set->arena, name);
        q->path = arena_concat(set->arena, dir, "/", name, NULL);
        q->dir = arena_strdup(set->arena, dir);
        if (!q->name || !q->path || !q->dir)
                return -ENOMEM;
        dot = strrchr(name, '.');
        at = strchr(name, '@');
        if (at && at < dot) {
                q->prefix = arena_strndup(set->arena, name, (size_t) (at - name));
                q->instance = arena_strndup(set->arena, at + 1, (size_t) (dot - at - 1));
                if (!q->prefix || !q->instance)
                        return -ENOMEM;
        } else if (!(q->prefix = arena_strndup(set->arena, name, (size_t) (dot - name))))
                return -ENOMEM;
        if (str_index_put(&set->by_name, q->name, set->n) < 0)
                return -ENOMEM;
        set->n++;
        return 0;
}

int quadlet_set_reindex(QuadletSet *set) {
        str_index_done(&set->by_name);
        for (size_t i = 0; i < set->n; i++)
                if (str_index_put(&set->by_name, set->items[i].name, i) < 0)
                        return -ENOMEM;
        return 0;
}

/* Records a NAME.d directory seen by the walk (see DropInDir). Returns 0 or -ENOMEM. */
static int dropin_dir_add(QuadletSet *set, const char *path) {
        const char *k;

        if (str_index_get(&set->dropin_dirs, path, NULL))
                return 0;
        if (set->n_dropins == set->alloc_dropins) {
                size_t a = set->alloc_dropins ? set->alloc_dropins * 2 : 16;
                DropInDir *m = realloc(set->dropins, sizeof(DropInDir) * a);

                if (!m)
                        return -ENOMEM;
                set->dropins = m;
                set->alloc_dropins = a;
        }
        k = arena_strdup(set->arena, path);
        if (!k || str_index_put(&set->dropin_dirs, k, set->n_dropins) < 0)
                return -ENOMEM;
        if (str_index_put(&set->dropin_names, strrchr(k, '/') ? strrchr(k, '/') + 1 : k, set->n_dropins) < 0)
                return -ENOMEM;
        set->dropins[set->n_dropins++] = (DropInDir){.path = k};
        return 0;
}

/* The files of the drop-in dir at path (borrowed from set), listing it on first use; NULL when the
 * walk saw no such directory or it cannot be listed. Sets *oom on -ENOMEM. */
static char **dropin_dir_files(QuadletSet *set, const char *path, bool *oom) {
        DropInDir *d;
        size_t i;
        int r;

        if (!str_index_get(&set->dropin_dirs, path, &i))
                return NULL;
        d = &set->dropins[i];
        if (!d->listed) {
                r = list_dir(d->path, &d->files);
                if (r == -ENOMEM)
                        *oom = true;
                if (r < 0)
                        d->files = NULL;
                d->listed = r != -ENOMEM;
        }
        return d->files;
}

/* Walks dir recursively. Search dirs themselves are never filtered, only what is found below them. */
static int walk(Walk *w, const char *dir) {
        _cleanup_strv_free_ char **names = NULL;
        struct stat st;
        int r;

        if (stat(dir, &st) < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                return diag_list_add(w->diags, DIAG_WARNING, dir, 0, 0, NULL,
                                     "cannot read directory: %s, ignoring", strerror(errno));
        }
        if (!S_ISDIR(st.st_mode))
                return 0;
        /* Symlinks are followed; a directory reached twice (a loop, or two links) is walked once. */
        for (size_t i = 0; i < w->n_seen; i++)
                if (w->seen_dev[i] == st.st_dev && w->seen_ino[i] == st.st_ino)
                        return 0;
        {
                dev_t *d = realloc(w->seen_dev, sizeof(dev_t) * (w->n_seen + 1));
                if (!d)
                        return -ENOMEM;
                w->seen_dev = d;
                ino_t *i = realloc(w->seen_ino, sizeof(ino_t) * (w->n_seen + 1));
                if (!i)
                        return -ENOMEM;
                w->seen_ino = i;
                w->seen_dev[w->n_seen] = st.st_dev;
                w->seen_ino[w->n_seen++] = st.st_ino;
        }

        r = list_dir_typed(dir, &names, true);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return diag_list_add(w->diags, DIAG_WARNING, dir, 0, 0, NULL,
                                     "cannot read directory: %s, ignoring", strerror(-r));
        if (strv_extend(&w->set->dirs, dir) < 0)
                return -ENOMEM;

        STRV_FOREACH(tn, names) {
                _cleanup_free_ char *p = NULL;
                const char *name = *tn + 1, *const *n = &name;
                unsigned char type = (unsigned char) **tn;
                QuadletType t;

                if (asprintf(&p, "%s/%s", dir, *n) < 0) {
                        p = NULL;
                        return -ENOMEM;
                }
                /* The directory's own word on the type where it gives one; symlinks (followed) and
                 * file systems without d_type need a stat. */
                if (type == DT_REG)
                        st.st_mode = S_IFREG;
                else if (type == DT_DIR)
                        st.st_mode = S_IFDIR;
                else if (stat(p, &st) < 0)
                        continue; /* dangling symlink */
                if (S_ISDIR(st.st_mode)) {
                        /* NAME.d holds drop-ins, not units: remember it, so that loading units
                         * looks only into drop-in dirs that exist. */
                        if (endswith(*n, ".d")) {
                                r = dropin_dir_add(w->set, p);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (!w->user && (streq(p, w->etc_users) || streq(p, w->share_users)))
                                continue;
                        if (w->user && (streq(dir, w->etc_users) || streq(dir, w->share_users))
                            && is_number(*n))
                                continue;
                        r = walk(w, p);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!S_ISREG(st.st_mode))
                        continue;
                t = quadlet_type_from_filename(*n);
                if (t < 0)
                        continue;
                r = set_add(w->set, t, dir, *n);
                if (r < 0)
                        return r;
        }
        return 0;
}

int quadlet_set_find(QuadletSet *set, char **search, bool user, DiagList *diags) {
        _cleanup_free_ char *etc_users = NULL, *share_users = NULL;
        const char *root = secure_getenv("SKIFF_GENERATOR_ROOT") ?: "";
        Walk w = {.set = set, .diags = diags, .user = user};
        int r = 0;

        if (asprintf(&etc_users, "%s/etc/containers/systemd/users", root) < 0
            || asprintf(&share_users, "%s/usr/share/containers/systemd/users", root) < 0)
                return -ENOMEM;
        if (!set->arena && !(set->arena = arena_new()))
                return -ENOMEM;

        /* The root generator must not read users' units; a user generator reads the shared users/
         * dirs but not the per-uid dirs of others (its own is on the path by itself). Applied to
         * /usr/share as to /etc (quadlet filters /etc only). */
        w.etc_users = etc_users;
        w.share_users = share_users;
        STRV_FOREACH(d, search) {
                r = walk(&w, *d);
                if (r < 0)
                        break;
        }
        free(w.seen_dev);
        free(w.seen_ino);
        return r;
}

void quadlet_set_done(QuadletSet *set) {
        for (size_t i = 0; i < set->n; i++) {
                unit_file_free(set->items[i].uf);
                strv_free(set->items[i].pod_members);
        }
        free(set->items);
        strv_free(set->dirs);
        str_index_done(&set->by_name);
        str_index_done(&set->parsed_index);
        for (size_t i = 0; i < set->n_parsed; i++)
                unit_file_free(set->parsed[i]);
        free(set->parsed);
        str_index_done(&set->dropin_dirs);
        str_index_done(&set->dropin_names);
        for (size_t i = 0; i < set->n_dropins; i++)
                strv_free(set->dropins[i].files);
        free(set->dropins);
        arena_free(set->arena);
        arena_free(set->out_arena);
        *set = (QuadletSet){};
}

const Quadlet *quadlet_set_lookup(const QuadletSet *set, const char *name) {
        size_t i;

        return str_index_get(&set->by_name, name, &i) ? &set->items[i] : NULL;
}

/* Reads path into the run's arena: open, fstat, one read of the size fstat gave (plus one byte, to see
 * the end), close. Files that are not regular, are large, or change size while read go the general
 * way (read_full_file_at(), then copied). Returns 0, or -errno as read_full_file_at() does. */
static int read_text(QuadletSet *set, const char *path, char **ret, size_t *ret_size) {
        _cleanup_free_ char *slow = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        size_t want, len = 0;
        char *buf;
        int r;

        fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode) || st.st_size > (off_t) UNIT_LINE_MAX)
                goto general;
        want = (size_t) st.st_size + 1;
        buf = arena_alloc(set->arena, want + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf + len, want - len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                len += (size_t) n;
                /* As large as fstat said: the end (a regular file that is not being written to). */
                if (n == 0 || len == (size_t) st.st_size)
                        break;
                if (len == want)
                        goto general; /* it grew */
        }
        buf[len] = 0;
        *ret = buf;
        *ret_size = len;
        return 0;

general:
        (void) close(TAKE_FD(fd));
        r = read_full_file_at(AT_FDCWD, path, UNIT_FILE_SIZE_MAX + 1, &slow, &len);
        if (r < 0)
                return r;
        buf = arena_strndup(set->arena, slow, len);
        if (!buf)
                return -ENOMEM;
        *ret = buf;
        *ret_size = len;
        return 0;
}

/* Reads and parses one file into the run's arena (its keys and values point into the text read). */
static int read_unit(QuadletSet *set, const char *path, const char *display, UnitFile **ret, DiagList *diags) {
        char *text = NULL;
        size_t size = 0;
        int r;

        r = read_text(set, path, &text, &size);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                (void) diag_list_add(diags, DIAG_ERROR, display, 0, 0, NULL, "cannot read file: %s",
                                     strerror(-r));
                return 1;
        }
        r = unit_file_parse_in_place(set->arena, text, size, display, ret, diags);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 1;
        if (r > 0) {
                *ret = unit_file_free(*ret);
                return 1;
        }
        return 0;
}

typedef struct DropIn {
        const char *name; /* "10-x.conf", borrowed */
        char *path;
} DropIn;

static int dropin_cmp(const void *a, const void *b) {
        return strcmp(((const DropIn *) a)->name, ((const DropIn *) b)->name);
}

/* The drop-in directory names for q, most specific first: NAME.d, then (instances) the template's,
 * then the dash-truncated prefixes ("foo-bar-.container.d", "foo-.container.d"), then "container.d". */
/* Adds name to l when a drop-in dir of that name was seen by the walk (most units have none). */
static int dropin_name_add(QuadletSet *set, char ***l, StrBuf *name) {
        if (!strbuf_ok(name))
                return -ENOMEM;
        if (!str_index_get(&set->dropin_names, name->buf, NULL))
                return 0;
        return strv_extend(l, name->buf);
}

static int dropin_dir_names(QuadletSet *set, const Quadlet *q, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *ext = quadlet_type_to_string(q->type);
        StrBuf sb = STRBUF_INIT;
        int r;

        /* Built with appends into one buffer, not printf: this runs for every unit. */
        (void) strbuf_puts(&sb, q->name);
        (void) strbuf_puts(&sb, ".d");
        r = dropin_name_add(set, &l, &sb);
        if (r >= 0 && q->instance && *q->instance) {
                strbuf_truncate(&sb, 0);
                (void) strbuf_puts(&sb, q->prefix);
                (void) strbuf_puts(&sb, "@.");
                (void) strbuf_puts(&sb, ext);
                (void) strbuf_puts(&sb, ".d");
                r = dropin_name_add(set, &l, &sb);
        }
        for (size_t i = strlen(q->prefix); r >= 0 && i > 0; i--)
                if (q->prefix[i - 1] == '-') {
                        strbuf_truncate(&sb, 0);
                        (void) strbuf_add(&sb, q->prefix, i);
                        (void) strbuf_putc(&sb, '.');
                        (void) strbuf_puts(&sb, ext);
                        (void) strbuf_puts(&sb, ".d");
                        r = dropin_name_add(set, &l, &sb);
                }
        if (r >= 0) {
                strbuf_truncate(&sb, 0);
                (void) strbuf_puts(&sb, ext);
                (void) strbuf_puts(&sb, ".d");
                r = dropin_name_add(set, &l, &sb);
        }
        strbuf_release(&sb);
        if (r < 0)
                return -ENOMEM;
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

/* The drop-in file at path, read and parsed on first use and kept in set (borrowed). Returns 0 and
 * the file in *ret, 1 when it has errors (reported to diags every time, as for any unit that uses it;
 * such files are not kept), or -ENOMEM. */
static int dropin_parsed(QuadletSet *set, const char *path, const UnitFile **ret, DiagList *diags) {
        _cleanup_unit_file_free_ UnitFile *uf = NULL;
        const char *k;
        size_t i;
        int r;

        if (str_index_get(&set->parsed_index, path, &i)) {
                *ret = set->parsed[i];
                return 0;
        }
        r = read_unit(set, path, path, &uf, diags);
        if (r != 0)
                return r;
        if (set->n_parsed == set->alloc_parsed) {
                size_t a = set->alloc_parsed ? set->alloc_parsed * 2 : 16;
                UnitFile **m = realloc(set->parsed, sizeof(UnitFile *) * a);

                if (!m)
                        return -ENOMEM;
                set->parsed = m;
                set->alloc_parsed = a;
        }
        k = arena_strdup(set->arena, path);
        if (!k || str_index_put(&set->parsed_index, k, set->n_parsed) < 0)
                return -ENOMEM;
        *ret = set->parsed[set->n_parsed++] = TAKE_PTR(uf);
        return 0;
}

int quadlet_load(QuadletSet *set, Quadlet *q, DiagList *diags) {
        _cleanup_strv_free_ char **dirnames = NULL;
        _cleanup_strv_free_ char **seen = NULL;
        StrBuf path = STRBUF_INIT;
        DropIn *dropins = NULL;
        size_t n_dropins = 0;
        const char *src = q->path;
        struct stat st;
        int r;

        /* An empty instance file stands for its template (systemd's own instances need no file, but
         * [Install] of an instance does): read the template found on the search path. */
        if (q->instance && *q->instance && stat(q->path, &st) == 0 && st.st_size == 0) {
                _cleanup_free_ char *tname = NULL;
                const Quadlet *t;

                if (asprintf(&tname, "%s@.%s", q->prefix, quadlet_type_to_string(q->type)) < 0)
                        return -ENOMEM;
                t = quadlet_set_lookup(set, tname);
                if (t)
                        src = t->path;
        }

        r = read_unit(set, src, q->path, &q->uf, diags);
        if (r < 0)
                return r;
        if (r > 0) {
                q->failed = true;
                return 0;
        }

        r = dropin_dir_names(set, q, &dirnames);
        if (r < 0)
                return r;
        STRV_FOREACH(dn, dirnames) {
                if (!str_index_get(&set->dropin_names, *dn, NULL))
                        continue; /* no directory of this name anywhere */
                STRV_FOREACH(d, set->dirs) {
                        char **files;
                        const char *dpath;
                        bool oom = false;

                        /* One buffer for every candidate path: most of them do not exist. */
                        strbuf_truncate(&path, 0);
                        (void) strbuf_puts(&path, *d);
                        (void) strbuf_putc(&path, '/');
                        (void) strbuf_puts(&path, *dn);
                        if (!strbuf_ok(&path)) {
                                r = -ENOMEM;
                                goto out;
                        }
                        dpath = path.buf;
                        files = dropin_dir_files(set, dpath, &oom);
                        if (oom) {
                                r = -ENOMEM;
                                goto out;
                        }
                        STRV_FOREACH(f, files) {
                                DropIn *m;

                                if (!endswith(*f, ".conf") || strv_contains(seen, *f))
                                        continue;
                                if (strv_extend(&seen, *f) < 0) {
                                        r = -ENOMEM;
                                        goto out;
                                }
                                m = realloc(dropins, sizeof(DropIn) * (n_dropins + 1));
                                if (!m) {
                                        r = -ENOMEM;
                                        goto out;
                                }
                                dropins = m;
                                dropins[n_dropins].name = seen[strv_length(seen) - 1];
                                if (asprintf(&dropins[n_dropins].path, "%s/%s", dpath, *f) < 0) {
                                        r = -ENOMEM;
                                        goto out;
                                }
                                n_dropins++;
                        }
                }
        }

        if (n_dropins > 0)
                qsort(dropins, n_dropins, sizeof(DropIn), dropin_cmp);
        for (size_t i = 0; i < n_dropins; i++) {
                const UnitFile *d;

                r = dropin_parsed(set, dropins[i].path, &d, diags);
                if (r < 0)
                        goto out;
                if (r > 0) {
                        /* A broken drop-in makes the unit's meaning unknown: skip the unit. */
                        q->failed = true;
                        continue;
                }
                r = unit_file_merge_shared(q->uf, d);
                if (r < 0)
                        goto out;
        }
        r = 0;
out:
        strbuf_release(&path);
        for (size_t i = 0; i < n_dropins; i++)
                free(dropins[i].path);
        free(dropins);
        return r;
}
