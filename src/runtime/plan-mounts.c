/* -v, --mount and --tmpfs values into PlanMounts, with podman's option words. libmount's option-string
 * code does the tokenising and knows the kernel's flag words (ro, nosuid, nodev, noexec, ...); the words
 * that only mean something to a container engine (z, Z, U, O, copy, ...) are handled here. Pure. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <libmount/libmount.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "runtime/container-plan.h"
#include "runtime/plan-internal.h"

#define PROPAGATION_MASK (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* The kernel flag words a volume may carry. Each is looked up in libmount's Linux map, which knows
 * which flag it sets or clears ("suid" clears MS_NOSUID). */
static const char *const volume_flag_words[] = {
        "ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", NULL,
};

static int propagation_from_word(const char *w, unsigned long *ret) {
        static const struct {
                const char *name;
                unsigned long flags;
        } table[] = {
                {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
                {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
                {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
                {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
        };
        FOREACH_ARRAY(t, table, ELEMENTSOF(table))
                if (streq(t->name, w)) {
                        *ret = t->flags;
                        return 0;
                }
        return -EINVAL;
}

/* An absolute path without "." or ".." components and not "/" itself; trailing slashes dropped. */
static int normalize_destination(const char *flag, const char *spec, const char *dst, char **ret,
                                 char **ret_error) {
        _cleanup_free_ char *copy = NULL;
        size_t l;

        if (isempty(dst) || dst[0] != '/')
                return plan_errorf(ret_error, -EINVAL, "%s %s: destination \"%s\" is not an absolute path",
                                   flag, spec, strempty(dst));
        copy = strdup(dst);
        if (!copy)
                return -ENOMEM;
        l = strlen(copy);
        while (l > 1 && copy[l - 1] == '/')
                copy[--l] = 0;
        if (streq(copy, "/"))
                return plan_errorf(ret_error, -EINVAL, "%s %s: cannot mount over the container's /", flag,
                                   spec);
        for (const char *p = copy; p; p = strchr(p + 1, '/')) {
                const char *c = p + 1;
                size_t n = strcspn(c, "/");

                if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.') || n == 0)
                        return plan_errorf(ret_error, -EINVAL,
                                           "%s %s: destination \"%s\" is not a clean path", flag, spec, dst);
        }
        *ret = TAKE_PTR(copy);
        return 0;
}

/* Applies one kernel flag word through libmount's map. */
static int apply_flag_word(const char *word, unsigned long *flags) {
        return mnt_optstr_get_flags(word, flags, mnt_get_builtin_optmap(MNT_LINUX_MAP)) < 0 ? -EINVAL : 0;
}

static int bind_mount_new(const char *src, const char *dst, PlanMount *m) {
        *m = (PlanMount){
                .type = strdup("bind"),
                .source = strdup(src),
                .flags = MS_BIND | MS_REC,
                .propagation = MS_PRIVATE | MS_REC, /* podman's default for volumes: rprivate */
        };
        if (!m->type || !m->source)
                return -ENOMEM;
        (void) dst;
        return 0;
}

int plan_parse_volume(const char *spec, PlanMount *ret, char **ret_error) {
        _cleanup_free_ char *copy = NULL, *dst = NULL;
        PlanMount m = {};
        char *parts[3] = {}, *p;
        size_t n = 0;
        int r;

        if (isempty(spec))
                return plan_errorf(ret_error, -EINVAL, "-v: empty volume");
        copy = strdup(spec);
        if (!copy)
                return -ENOMEM;
        /* SRC:DST[:OPTS]; paths with ':' cannot be expressed, as in podman. */
        p = copy;
        parts[n++] = p;
        for (; *p; p++)
                if (*p == ':') {
                        if (n == 3)
                                return plan_errorf(ret_error, -EINVAL, "-v %s: too many ':'", spec);
                        *p = 0;
                        parts[n++] = p + 1;
                }
        if (n == 1)
                return plan_errorf(ret_error, -EOPNOTSUPP,
                                   "-v %s: anonymous volumes are not supported, give SOURCE:DESTINATION",
                                   spec);
        if (parts[0][0] != '/')
                return plan_errorf(ret_error, -EOPNOTSUPP,
                                   "-v %s: named volume \"%s\" is not supported, give an absolute host path",
                                   spec, parts[0]);
        r = normalize_destination("-v", spec, parts[1], &dst, ret_error);
        if (r < 0)
                return r;
        r = bind_mount_new(parts[0], dst, &m);
        if (r < 0)
                goto fail;
        m.destination = TAKE_PTR(dst);

        if (n == 3) {
                char *opts = parts[2], *name, *value;
                size_t namesz, valuesz;
                bool seen_propagation = false, seen_rw = false;

                while ((r = mnt_optstr_next_option(&opts, &name, &namesz, &value, &valuesz)) == 0) {
                        _cleanup_free_ char *w = strndup(name, namesz);
                        unsigned long prop;

                        if (!w) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        if (value) {
                                r = plan_errorf(ret_error, -EINVAL, "-v %s: unknown option \"%.*s\"", spec,
                                                (int) (namesz + 1 + valuesz), name);
                                goto fail;
                        }
                        if (IN_SET(0, strcmp(w, "z"), strcmp(w, "Z"), strcmp(w, "copy"),
                                   strcmp(w, "nocopy")))
                                continue; /* SELinux relabelling and volume copy-up: nothing to do here */
                        if (streq(w, "U")) {
                                m.extra |= PLAN_MOUNT_CHOWN;
                                continue;
                        }
                        if (streq(w, "bind") || streq(w, "rbind")) {
                                m.flags = (m.flags & ~MS_REC) | (streq(w, "rbind") ? MS_REC : 0);
                                continue;
                        }
                        if (propagation_from_word(w, &prop) == 0) {
                                if (seen_propagation) {
                                        r = plan_errorf(ret_error, -EINVAL,
                                                        "-v %s: more than one propagation option", spec);
                                        goto fail;
                                }
                                seen_propagation = true;
                                m.propagation = prop;
                                continue;
                        }
                        if (strv_contains((char **) volume_flag_words, w)) {
                                if (streq(w, "ro") || streq(w, "rw")) {
                                        if (seen_rw) {
                                                r = plan_errorf(ret_error, -EINVAL,
                                                                "-v %s: more than one of ro and rw", spec);
                                                goto fail;
                                        }
                                        seen_rw = true;
                                }
                                r = apply_flag_word(w, &m.flags);
                                if (r < 0)
                                        goto fail;
                                continue;
                        }
                        if (IN_SET(0, strcmp(w, "O"), strcmp(w, "idmap")))
                                r = plan_errorf(ret_error, -EOPNOTSUPP,
                                                "-v %s: option \"%s\" is not supported", spec, w);
                        else
                                r = plan_errorf(ret_error, -EINVAL, "-v %s: unknown option \"%s\"", spec, w);
                        goto fail;
                }
                if (r < 0) {
                        r = plan_errorf(ret_error, -EINVAL, "-v %s: bad options", spec);
                        goto fail;
                }
        }
        *ret = m;
        return 0;
fail:
        plan_mount_done(&m);
        return r;
}

static int parse_bool_value(const char *v, bool *ret) {
        if (!v || streq(v, "true") || streq(v, "1")) {
                *ret = true;
                return 0;
        }
        if (streq(v, "false") || streq(v, "0")) {
                *ret = false;
                return 0;
        }
        return -EINVAL;
}

int plan_parse_mount(const char *spec, PlanMount *ret, char **ret_error) {
        _cleanup_free_ char *copy = NULL, *type = NULL, *src = NULL, *dst = NULL, *size = NULL, *mode = NULL;
        PlanMount m = {};
        bool ro = false, nonrecursive = false, chown = false, have_prop = false;
        unsigned long prop = 0;
        char *opts, *name, *value;
        size_t namesz, valuesz;
        int r;

        if (isempty(spec))
                return plan_errorf(ret_error, -EINVAL, "--mount: empty value");
        copy = strdup(spec);
        if (!copy)
                return -ENOMEM;
        opts = copy;
        while ((r = mnt_optstr_next_option(&opts, &name, &namesz, &value, &valuesz)) == 0) {
                _cleanup_free_ char *k = strndup(name, namesz), *v = value ? strndup(value, valuesz) : NULL;
                char **target = NULL;
                bool b;

                if (!k || (value && !v))
                        return -ENOMEM;
                if (streq(k, "type"))
                        target = &type;
                else if (IN_SET(0, strcmp(k, "source"), strcmp(k, "src")))
                        target = &src;
                else if (IN_SET(0, strcmp(k, "destination"), strcmp(k, "dst"), strcmp(k, "target")))
                        target = &dst;
                else if (streq(k, "tmpfs-size"))
                        target = &size;
                else if (streq(k, "tmpfs-mode"))
                        target = &mode;
                if (target) {
                        if (isempty(v))
                                return plan_errorf(ret_error, -EINVAL, "--mount %s: %s needs a value", spec,
                                                   k);
                        if (*target)
                                return plan_errorf(ret_error, -EINVAL, "--mount %s: %s given twice", spec,
                                                   k);
                        *target = TAKE_PTR(v);
                        continue;
                }
                if (IN_SET(0, strcmp(k, "ro"), strcmp(k, "readonly"), strcmp(k, "rw"))) {
                        if (parse_bool_value(v, &b) < 0)
                                return plan_errorf(ret_error, -EINVAL, "--mount %s: %s=%s: not a boolean",
                                                   spec, k, v);
                        ro = streq(k, "rw") ? !b : b;
                } else if (streq(k, "bind-propagation")) {
                        if (!v || propagation_from_word(v, &prop) < 0)
                                return plan_errorf(ret_error, -EINVAL,
                                                   "--mount %s: bind-propagation=%s: not a propagation mode",
                                                   spec, strempty(v));
                        have_prop = true;
                } else if (streq(k, "bind-nonrecursive")) {
                        if (parse_bool_value(v, &nonrecursive) < 0)
                                return plan_errorf(ret_error, -EINVAL, "--mount %s: %s=%s: not a boolean",
                                                   spec, k, v);
                } else if (IN_SET(0, strcmp(k, "U"), strcmp(k, "chown"))) {
                        if (parse_bool_value(v, &chown) < 0)
                                return plan_errorf(ret_error, -EINVAL, "--mount %s: %s=%s: not a boolean",
                                                   spec, k, v);
                } else if (IN_SET(0, strcmp(k, "relabel"), strcmp(k, "consistency"), strcmp(k, "tmpcopyup"),
                                  strcmp(k, "notmpcopyup"), strcmp(k, "z"), strcmp(k, "Z")))
                        continue; /* SELinux and copy-up: nothing to do on this host */
                else
                        return plan_errorf(ret_error, -EINVAL, "--mount %s: unknown option \"%s\"", spec, k);
        }
        if (r < 0)
                return plan_errorf(ret_error, -EINVAL, "--mount %s: bad syntax", spec);
        if (!type)
                return plan_errorf(ret_error, -EINVAL, "--mount %s: type= is required", spec);
        if (!dst)
                return plan_errorf(ret_error, -EINVAL, "--mount %s: destination= is required", spec);
        r = normalize_destination("--mount", spec, dst, &m.destination, ret_error);
        if (r < 0)
                return r;

        if (streq(type, "bind")) {
                if (!src || src[0] != '/') {
                        r = plan_errorf(ret_error, -EINVAL,
                                        "--mount %s: a bind needs an absolute source=", spec);
                        goto fail;
                }
                if (size || mode) {
                        r = plan_errorf(ret_error, -EINVAL, "--mount %s: tmpfs options on a bind mount",
                                        spec);
                        goto fail;
                }
                m.type = strdup("bind");
                m.source = TAKE_PTR(src);
                m.flags = MS_BIND | (nonrecursive ? 0 : MS_REC) | (ro ? MS_RDONLY : 0);
                m.propagation = have_prop ? prop : MS_PRIVATE | MS_REC;
                m.extra = chown ? PLAN_MOUNT_CHOWN : 0;
        } else if (streq(type, "tmpfs")) {
                char *data = NULL;

                if (src) {
                        r = plan_errorf(ret_error, -EINVAL, "--mount %s: a tmpfs takes no source=", spec);
                        goto fail;
                }
                if (have_prop || nonrecursive) {
                        r = plan_errorf(ret_error, -EINVAL, "--mount %s: bind options on a tmpfs", spec);
                        goto fail;
                }
                if (size && mode)
                        r = asprintf(&data, "size=%s,mode=%s", size, mode);
                else if (size || mode)
                        r = asprintf(&data, "%s=%s", size ? "size" : "mode", size ?: mode);
                else
                        r = 0;
                if (r < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (size && strspn(size, "0123456789kmgKMG") != strlen(size)) {
                        free(data);
                        r = plan_errorf(ret_error, -EINVAL, "--mount %s: tmpfs-size=%s: invalid size", spec,
                                        size);
                        goto fail;
                }
                if (mode && (strspn(mode, "01234567") != strlen(mode) || strlen(mode) > 4)) {
                        free(data);
                        r = plan_errorf(ret_error, -EINVAL, "--mount %s: tmpfs-mode=%s: not an octal mode",
                                        spec, mode);
                        goto fail;
                }
                m.type = strdup("tmpfs");
                m.source = strdup("tmpfs");
                m.data = data;
                m.flags = MS_NOSUID | MS_NODEV | (ro ? MS_RDONLY : 0);
                m.extra = chown ? PLAN_MOUNT_CHOWN : 0;
        } else {
                r = plan_errorf(ret_error, -EOPNOTSUPP, "--mount %s: type=%s is not supported (bind, tmpfs)",
                                spec, type);
                goto fail;
        }
        if (!m.type || !m.source) {
                r = -ENOMEM;
                goto fail;
        }
        *ret = m;
        return 0;
fail:
        plan_mount_done(&m);
        return r;
}

int plan_parse_tmpfs(const char *spec, PlanMount *ret, char **ret_error) {
        _cleanup_free_ char *dst_raw = NULL, *opts = NULL, *vfs = NULL, *fs = NULL;
        PlanMount m = {};
        const char *colon;
        int r;

        if (isempty(spec))
                return plan_errorf(ret_error, -EINVAL, "--tmpfs: empty value");
        colon = strchr(spec, ':');
        dst_raw = colon ? strndup(spec, colon - spec) : strdup(spec);
        if (!dst_raw)
                return -ENOMEM;
        /* podman's defaults first, so that the user's words override them (libmount applies in order). */
        if (asprintf(&opts, "rw,noexec,nosuid,nodev%s%s", colon && colon[1] ? "," : "",
                     colon ? colon + 1 : "")
            < 0)
                return -ENOMEM;
        r = normalize_destination("--tmpfs", spec, dst_raw, &m.destination, ret_error);
        if (r < 0)
                return r;
        /* vfs: the words libmount knows as kernel flags; fs: the rest, handed to tmpfs as data. */
        if (mnt_split_optstr(opts, NULL, &vfs, &fs, 0, 0) < 0) {
                r = plan_errorf(ret_error, -EINVAL, "--tmpfs %s: bad options", spec);
                goto fail;
        }
        if (vfs) {
                unsigned long flags = 0;

                if (mnt_optstr_get_flags(vfs, &flags, mnt_get_builtin_optmap(MNT_LINUX_MAP)) < 0) {
                        r = plan_errorf(ret_error, -EINVAL, "--tmpfs %s: bad options", spec);
                        goto fail;
                }
                if (flags & (MS_BIND | MS_REC | PROPAGATION_MASK | MS_REMOUNT | MS_MOVE)) {
                        r = plan_errorf(ret_error, -EINVAL,
                                        "--tmpfs %s: bind or propagation options on a tmpfs", spec);
                        goto fail;
                }
                m.flags = flags;
        }
        if (fs) {
                _cleanup_strv_free_ char **keep = NULL;
                char *o = fs, *name, *value;
                size_t namesz, valuesz;

                while ((r = mnt_optstr_next_option(&o, &name, &namesz, &value, &valuesz)) == 0) {
                        static const char *const known[] = {"size",      "mode",      "uid", "gid",
                                                            "nr_inodes", "nr_blocks", NULL};
                        _cleanup_free_ char *k = strndup(name, namesz);

                        if (!k) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        if (IN_SET(0, strcmp(k, "tmpcopyup"), strcmp(k, "notmpcopyup"), strcmp(k, "z"),
                                   strcmp(k, "Z")))
                                continue;
                        if (streq(k, "U")) {
                                m.extra |= PLAN_MOUNT_CHOWN;
                                continue;
                        }
                        if (!strv_contains((char **) known, k) || !value || valuesz == 0) {
                                r = plan_errorf(ret_error, -EINVAL, "--tmpfs %s: unknown option \"%.*s\"",
                                                spec, (int) (value ? namesz + 1 + valuesz : namesz), name);
                                goto fail;
                        }
                        r = strv_extendf(&keep, "%.*s", (int) (namesz + 1 + valuesz), name);
                        if (r < 0)
                                goto fail;
                }
                if (keep) {
                        m.data = strv_join(keep, ",");
                        if (!m.data) {
                                r = -ENOMEM;
                                goto fail;
                        }
                }
        }
        m.type = strdup("tmpfs");
        m.source = strdup("tmpfs");
        if (!m.type || !m.source) {
                r = -ENOMEM;
                goto fail;
        }
        *ret = m;
        return 0;
fail:
        plan_mount_done(&m);
        return r;
}
