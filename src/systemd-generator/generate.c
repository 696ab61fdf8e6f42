/* One run of the generator: find, load, name, check clashes, translate, write, link. */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "systemd-generator/quadlet-internal.h"

static void debug(const GeneratorOptions *opts, const char *fmt, ...) _printf_(2, 3);
static void debug(const GeneratorOptions *opts, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL;
        va_list ap;

        if (!opts->debug)
                return;
        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        if (m)
                opts->debug(m);
}

/* Writes a unit. No fsync and no temporary file, unlike write_file_atomic_at(): systemd hands
 * generators a fresh directory on tmpfs for every run, and syncing 1000 files would cost seconds
 * where the whole run should take milliseconds. */
static int write_unit(int dir_fd, const char *name, const char *text) {
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(text);

        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        while (len > 0) {
                ssize_t n = write(fd, text, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                text += n;
                len -= (size_t) n;
        }
        if (close(TAKE_FD(fd)) < 0)
                return -errno;
        return 0;
}

/* systemd's unit_name_is_valid() for what we generate: [A-Za-z0-9:_.\\-] and at most one '@'
 * (which must not start the name), at most 255 bytes, ending in ".service". */
static bool service_name_is_valid(const char *name) {
        const char *at = strchr(name, '@');

        if (strlen(name) > 255 || !endswith(name, ".service") || name[0] == '.' || at == name)
                return false;
        if (at && strchr(at + 1, '@'))
                return false;
        for (const char *p = name; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\@", *p))
                        return false;
        return true;
}

/* Processing order, so that the units others refer to come first (quadlet's order): images, then
 * volumes and networks, then containers and kube units, pods last (they collect their members). */
static int type_rank(QuadletType t) {
        switch (t) {
        case QUADLET_IMAGE:
                return 0;
        case QUADLET_VOLUME:
        case QUADLET_NETWORK:
                return 1;
        case QUADLET_CONTAINER:
        case QUADLET_KUBE:
                return 2;
        default:
                return 3;
        }
}

static int quadlet_cmp(const void *a, const void *b) {
        const Quadlet *x = a, *y = b;
        int r = type_rank(x->type) - type_rank(y->type);
        return r ? r : strcmp(x->name, y->name);
}

/* The line to blame for a file-level problem: where ServiceName= is set, else the type's group. */
static unsigned blame_line(const Quadlet *q, const char *key, const char **ret_file) {
        const char *group = NULL;
        const UnitSection *s;
        unsigned line = 1;

        *ret_file = q->path;
        switch (q->type) {
        case QUADLET_CONTAINER:
                group = "Container";
                break;
        case QUADLET_POD:
                group = "Pod";
                break;
        case QUADLET_KUBE:
                group = "Kube";
                break;
        case QUADLET_VOLUME:
                group = "Volume";
                break;
        case QUADLET_NETWORK:
                group = "Network";
                break;
        case QUADLET_IMAGE:
                group = "Image";
                break;
        default:
                break;
        }
        s = group && q->uf ? unit_file_find_section(q->uf, group) : NULL;
        if (!s)
                return line;
        if (s->line)
                line = s->line;
        for (const UnitEntry *e = s->entries; e; e = e->next)
                if (key && streq(e->key, key)) {
                        line = e->line;
                        *ret_file = e->file ?: q->path;
                }
        return line;
}

/* [Install]: what `systemctl enable` would do, done here because generated units cannot be enabled.
 * Relative symlinks in out_dir: WantedBy= → T.wants/UNIT, RequiredBy= → T.requires/UNIT, UpheldBy= →
 * T.upholds/UNIT, Alias= → NAME. */
/* The directories apply_install() made (or found) in out_dir this run: each is created once, not once
 * per link into it (default.target.wants/ collects hundreds). */
typedef struct MadeDirs {
        char **names;
        StrIndex index;
} MadeDirs;

static int apply_install(const GeneratorOptions *opts, const Quadlet *q, const UnitFile *uf, int out_fd,
                         MadeDirs *made, DiagList *diags) {
        static const struct {
                const char *key, *suffix;
        } kinds[] = {
                {"WantedBy", ".wants"},
                {"RequiredBy", ".requires"},
                {"UpheldBy", ".upholds"},
                {"Alias", NULL},
        };
        const UnitSection *s = unit_file_find_section(uf, "Install");
        _cleanup_free_ char *link_name = NULL;
        const char *service = q->service;
        int r;

        if (!s)
                return 0;
        /* A template is enabled through its DefaultInstance=, as systemctl does. */
        if (q->instance && !*q->instance) {
                const char *di = unit_file_get_last(uf, "Install", "DefaultInstance");
                const char *at = strchr(service, '@');

                if (isempty(di))
                        return 0;
                if (asprintf(&link_name, "%.*s@%s%s", (int) (at - service), service, di, at + 1) < 0)
                        return -ENOMEM;
        }

        for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                _cleanup_strv_free_ char **targets = NULL;

                if (unit_file_get_all(uf, "Install", kinds[k].key, &targets) < 0)
                        return -ENOMEM;
                STRV_FOREACH(t, targets) {
                        _cleanup_strv_free_ char **words = NULL;

                        if (unit_value_split_words(*t, &words) < 0)
                                continue;
                        STRV_FOREACH(w, words) {
                                _cleanup_free_ char *path = NULL, *target = NULL, *dir = NULL;

                                if (kinds[k].suffix) {
                                        if (strchr(*w, '/'))
                                                continue;
                                        if (asprintf(&dir, "%s%s", *w, kinds[k].suffix) < 0
                                            || asprintf(&path, "%s/%s", dir, link_name ?: service) < 0
                                            || asprintf(&target, "../%s", service) < 0)
                                                return -ENOMEM;
                                } else {
                                        const char *slash = strrchr(*w, '/');
                                        StrBuf up = STRBUF_INIT;

                                        if (!(path = strdup(*w)))
                                                return -ENOMEM;
                                        if (slash && !(dir = strndup(*w, (size_t) (slash - *w))))
                                                return -ENOMEM;
                                        for (const char *p = *w; (p = strchr(p, '/')); p++)
                                                (void) strbuf_puts(&up, "../");
                                        (void) strbuf_puts(&up, service);
                                        if (!(target = strbuf_detach(&up)))
                                                return -ENOMEM;
                                }
                                if (opts->dryrun) {
                                        debug(opts, "would link %s → %s", path, target);
                                        continue;
                                }
                                if (dir && !str_index_get(&made->index, dir, NULL)) {
                                        if (mkdirat(out_fd, dir, 0755) < 0 && errno != EEXIST) {
                                                (void) diag_list_add(diags, DIAG_WARNING, q->path, 0, 0, NULL,
                                                                     "cannot create %s: %m, ignoring", dir);
                                                continue;
                                        }
                                        if (strv_extend(&made->names, dir) < 0
                                            || str_index_put(&made->index, made->names[strv_length(made->names) - 1],
                                                             0) < 0)
                                                return -ENOMEM;
                                }
                                /* A link of the same name is replaced (it can only be there from an
                                 * earlier unit of this run, or an output dir that was not empty). */
                                r = symlinkat(target, out_fd, path) < 0 ? -errno : 0;
                                if (r == -EEXIST) {
                                        (void) unlinkat(out_fd, path, 0);
                                        r = symlinkat(target, out_fd, path) < 0 ? -errno : 0;
                                }
                                if (r < 0) {
                                        errno = -r;
                                        (void) diag_list_add(diags, DIAG_WARNING, q->path, 0, 0, NULL,
                                                             "cannot link %s: %m, ignoring", path);
                                        continue;
                                }
                                debug(opts, "linked %s → %s", path, target);
                        }
                }
        }
        return 0;
}

int generate_units(const GeneratorOptions *opts, const char *out_dir, DiagList *diags) {
        _cleanup_close_ int out_fd = -EBADF;
        QuadletSet set = {};
        StrIndex services = {};
        StrBuf sb = STRBUF_INIT;
        MadeDirs made = {};
        StrBuf exec_line = STRBUF_INIT;
        int n_failed = 0, r;

        if (!opts->dryrun) {
                r = mkdir_p(out_dir, 0755);
                if (r < 0)
                        return r;
                out_fd = open(out_dir, O_DIRECTORY | O_CLOEXEC | O_RDONLY);
                if (out_fd < 0)
                        return -errno;
        }

        r = quadlet_set_find(&set, opts->unit_dirs, opts->user, diags);
        if (r < 0)
                goto out;
        if (set.n == 0) {
                debug(opts, "no quadlet files found");
                goto out;
        }
        qsort(set.items, set.n, sizeof(Quadlet), quadlet_cmp);
        /* Every output unit is built in one arena, reset after each: no malloc or fresh pages per unit. */
        set.exec_line = &exec_line;
        set.out_arena = arena_new();
        if (!set.out_arena) {
                r = -ENOMEM;
                goto out;
        }
        r = quadlet_set_reindex(&set);
        if (r < 0)
                goto out;

        for (size_t i = 0; i < set.n; i++) {
                debug(opts, "loading %s", set.items[i].path);
                r = quadlet_load(&set, &set.items[i], diags);
                if (r < 0)
                        goto out;
        }
        for (size_t i = 0; i < set.n; i++) {
                r = quadlet_names(&set, &set.items[i]);
                if (r < 0)
                        goto out;
        }

        /* Two files making the same service: the first (in processing order) wins. */
        for (size_t i = 0; i < set.n; i++) {
                Quadlet *b = &set.items[i];
                const char *file;
                unsigned line;
                size_t j;

                if (!b->uf)
                        continue;
                if (!service_name_is_valid(b->service)) {
                        line = blame_line(b, "ServiceName", &file);
                        (void) diag_list_add(
                                diags, DIAG_ERROR, file, line, 0, NULL,
                                "'%s' is not a valid systemd unit name (letters, digits, \":-_.\\\" and one '@' only)",
                                b->service);
                        b->failed = true;
                        continue;
                }
                if (!str_index_get(&services, b->service, &j)) {
                        if (str_index_put(&services, b->service, i) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
                        continue;
                }
                line = blame_line(b, "ServiceName", &file);
                (void) diag_list_add(diags, DIAG_ERROR, file, line, 0, NULL,
                                     "generates %s, as %s does already", b->service, set.items[j].path);
                b->failed = true;
        }

        /* Pods start the containers that joined them (not templates, not StartWithPod=false). */
        for (size_t i = 0; i < set.n; i++) {
                Quadlet *q = &set.items[i];
                const char *pod, *swp;
                Quadlet *p;

                if (q->type != QUADLET_CONTAINER || !q->uf || q->failed || (q->instance && !*q->instance))
                        continue;
                pod = unit_file_get_last(q->uf, "Container", "Pod");
                swp = unit_file_get_last(q->uf, "Container", "StartWithPod");
                if (isempty(pod) || (swp && unit_value_parse_boolean(swp) == 0))
                        continue;
                p = (Quadlet *) quadlet_set_lookup(&set, pod);
                if (!p || p->type != QUADLET_POD)
                        continue;
                if (strv_extend(&p->pod_members, q->service) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
        }

        for (size_t i = 0; i < set.n; i++) {
                Quadlet *q = &set.items[i];
                _cleanup_unit_file_free_ UnitFile *out = NULL;
                const char *text;

                if (!q->uf || q->failed) {
                        n_failed++;
                        continue;
                }
                r = quadlet_convert(&set, q, opts, &out, diags);
                if (r < 0)
                        goto out;
                if (r > 0) {
                        n_failed++;
                        continue;
                }

                /* quadlet's header, its "# " included; a dry run shows the units without it. One
                 * buffer for every unit: it grows to the largest once instead of for each. */
                strbuf_truncate(&sb, 0);
                if (!opts->dryrun)
                        (void) strbuf_addf(&sb, "# Automatically generated by %s\n# \n", opts->generated_by);
                (void) unit_file_write(out, &sb);
                text = sb.buf ?: "";
                if (!strbuf_ok(&sb)) {
                        r = -ENOMEM;
                        goto out;
                }
                if (opts->dryrun) {
                        fprintf(opts->dryrun, "---%s---\n%s\n", q->service, text);
                } else {
                        debug(opts, "writing %s/%s", out_dir, q->service);
                        r = write_unit(out_fd, q->service, text);
                        if (r < 0) {
                                (void) diag_list_add(diags, DIAG_ERROR, q->path, 0, 0, NULL,
                                                     "cannot write %s/%s: %s", out_dir, q->service,
                                                     strerror(-r));
                                n_failed++;
                                continue;
                        }
                }
                r = apply_install(opts, q, out, out_fd, &made, diags);
                if (r < 0)
                        goto out;
                out = unit_file_free(out);
                arena_reset(set.out_arena);
        }
        r = n_failed;
out:
        strbuf_release(&sb);
        strbuf_release(&exec_line);
        str_index_done(&made.index);
        strv_free(made.names);
        str_index_done(&services);
        quadlet_set_done(&set);
        return r;
}
