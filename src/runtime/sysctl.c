/* Namespaced sysctls: validation (pure) and apply (writes under the container's /proc). */

#include "runtime/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/macro.h"

/* The IPC namespace's sysctls (ipc/ipc_sysctl.c and ipc/mq_sysctl.c in the kernel). */
static const char *const ipc_keys[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

void sysctls_done(Sysctls *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++) {
                free(s->items[i].key);
                free(s->items[i].value);
        }
        free(s->items);
        *s = (Sysctls){};
}

static int fail(char **ret_error, const char *spec, const char *what) {
        if (ret_error && asprintf(ret_error, "--sysctl \"%s\": %s", spec, what) < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

/* Keys are path components under /proc/sys: refuse anything that could walk elsewhere. */
static bool key_valid(const char *k) {
        if (isempty(k) || k[0] == '.' || endswith(k, ".") || strstr(k, ".."))
                return false;
        for (const char *p = k; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
                      || IN_SET(*p, '_', '-', '.', ':', '@')))
                        return false;
        return true;
}

/* 0 allowed, else -EINVAL with the reason in *why. */
static int check_key(const char *key, const SysctlNamespaces *ns, const char **why) {
        if (streq(key, "kernel.hostname") || streq(key, "kernel.domainname")) {
                *why = "set the UTS names with --hostname instead";
                return -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(ipc_keys); i++)
                if (streq(key, ipc_keys[i]))
                        goto ipc;
        if (startswith(key, "fs.mqueue."))
                goto ipc;
        if (startswith(key, "net.")) {
                if (!ns->private_net) {
                        *why = "the container shares the host's network namespace";
                        return -EINVAL;
                }
                return 0;
        }
        *why = "not a namespaced sysctl (it would change the host)";
        return -EINVAL;
ipc:
        if (!ns->private_ipc) {
                *why = "the container shares the host's IPC namespace";
                return -EINVAL;
        }
        return 0;
}

int sysctls_build(char *const *specs, const SysctlNamespaces *ns, Sysctls *ret, char **ret_error) {
        Sysctls s = {};
        size_t n = 0;
        int r;

        STRV_FOREACH(p, (char **) specs)
                n++;
        if (n > 0) {
                s.items = calloc(n, sizeof(Sysctl));
                if (!s.items)
                        return -ENOMEM;
        }

        STRV_FOREACH(p, (char **) specs) {
                const char *eq = strchr(*p, '='), *why = NULL;
                _cleanup_free_ char *key = NULL;
                size_t i;

                if (!eq || eq == *p) {
                        r = fail(ret_error, *p, "expected KEY=VALUE");
                        goto fail;
                }
                key = strndup(*p, (size_t) (eq - *p));
                if (!key) {
                        r = -ENOMEM;
                        goto fail;
                }
                for (char *c = key; *c; c++)
                        if (*c == '/')
                                *c = '.';
                if (!key_valid(key)) {
                        r = fail(ret_error, *p, "invalid key");
                        goto fail;
                }
                if (eq[1] == 0 || strchr(eq + 1, '\n')) {
                        r = fail(ret_error, *p, "the value must be one non-empty line");
                        goto fail;
                }
                if (check_key(key, ns, &why) < 0) {
                        r = fail(ret_error, *p, why);
                        goto fail;
                }

                for (i = 0; i < s.n; i++)
                        if (streq(s.items[i].key, key))
                                break;
                char *v = strdup(eq + 1);
                if (!v) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (i < s.n) {
                        free(s.items[i].value); /* a later value of the same key wins */
                        s.items[i].value = v;
                } else {
                        s.items[s.n].key = TAKE_PTR(key);
                        s.items[s.n].value = v;
                        s.n++;
                }
        }
        *ret = s;
        return 0;
fail:
        sysctls_done(&s);
        return r;
}

int sysctls_add_defaults(Sysctls *s, const SysctlNamespaces *ns) {
        static const struct {
                const char *key, *value;
        } defaults[] = {
                {"net.ipv4.ping_group_range", "0 0"},
        };

        if (!ns->private_net)
                return 0; /* all of podman's defaults are net.* */
        for (size_t d = 0; d < ELEMENTSOF(defaults); d++) {
                bool set = false;
                for (size_t i = 0; i < s->n; i++)
                        set = set || streq(s->items[i].key, defaults[d].key);
                if (set)
                        continue; /* the user's value wins */
                Sysctl *n = reallocarray(s->items, s->n + 1, sizeof(Sysctl));
                if (!n)
                        return -ENOMEM;
                s->items = n;
                /* defaults first: keep the user's items after, in their order */
                memmove(s->items + 1, s->items, s->n * sizeof(Sysctl));
                s->items[0] = (Sysctl){.key = strdup(defaults[d].key), .value = strdup(defaults[d].value)};
                s->n++;
                if (!s->items[0].key || !s->items[0].value)
                        return -ENOMEM;
        }
        return 0;
}

int sysctls_apply(const Sysctls *s, int proc_fd, size_t *ret_failed) {
        for (size_t i = 0; i < s->n; i++) {
                char path[256] = "/proc/sys/";
                size_t len, k = strlen(s->items[i].key), o = strlen(path);
                ssize_t w;
                int fd;

                if (o + k + 1 > sizeof(path)) {
                        if (ret_failed)
                                *ret_failed = i;
                        return -ENAMETOOLONG;
                }
                for (size_t j = 0; j <= k; j++)
                        path[o + j] = s->items[i].key[j] == '.' ? '/' : s->items[i].key[j];

                /* Relative to the container's /proc when given ("sys/…"), else the absolute path.
                 * O_NOFOLLOW: /proc/sys has no symlinks; one there would not be the kernel's. */
                fd = proc_fd == AT_FDCWD
                             ? open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
                             : openat(proc_fd, path + strlen("/proc/"), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0) {
                        if (ret_failed)
                                *ret_failed = i;
                        return -errno;
                }
                len = strlen(s->items[i].value);
                w = write(fd, s->items[i].value, len);
                int e = errno;
                close(fd);
                if (w < 0 || (size_t) w != len) {
                        if (ret_failed)
                                *ret_failed = i;
                        return w < 0 ? -e : -EIO;
                }
        }
        return 0;
}
