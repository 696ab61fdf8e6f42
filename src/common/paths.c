#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/paths.h"

/* *dst = override, else $env, else base + suffix. */
static int set_path(char **dst, const char *override, const char *env, const char *suffix, const char *base) {
        const char *e = env ? secure_getenv(env) : NULL;

        if (!isempty(override))
                *dst = strdup(override);
        else if (!isempty(e))
                *dst = strdup(e);
        else if (!base)
                return -ENXIO;
        else if (asprintf(dst, "%s%s", base, suffix) < 0)
                *dst = NULL;
        return *dst ? 0 : -ENOMEM;
}

int skiff_paths_init(SkiffPaths *p, const char *root, const char *runroot) {
        const char *home = secure_getenv("HOME"), *xdg_data = secure_getenv("XDG_DATA_HOME"),
                   *xdg_run = secure_getenv("XDG_RUNTIME_DIR"), *xdg_conf = secure_getenv("XDG_CONFIG_HOME");
        int r;

        *p = (SkiffPaths) { .rootless = geteuid() != 0 };
        if (!p->rootless) {
                r = set_path(&p->root, root, "SKIFF_ROOT", "", "/var/lib/skiff");
                if (r >= 0)
                        r = set_path(&p->runroot, runroot, "SKIFF_RUNROOT", "", "/run/skiff");
                if (r >= 0)
                        r = set_path(&p->config_dir, NULL, "SKIFF_CONFIG_DIR", "", "/etc/skiff");
        } else {
                if (!isempty(xdg_data))
                        r = set_path(&p->root, root, "SKIFF_ROOT", "/skiff", xdg_data);
                else
                        r = set_path(&p->root, root, "SKIFF_ROOT", "/.local/share/skiff", home);
                if (r >= 0)
                        r = set_path(&p->runroot, runroot, "SKIFF_RUNROOT", "/skiff", xdg_run);
                if (r >= 0) {
                        if (!isempty(xdg_conf))
                                r = set_path(&p->config_dir, NULL, "SKIFF_CONFIG_DIR", "/skiff", xdg_conf);
                        else
                                r = set_path(&p->config_dir, NULL, "SKIFF_CONFIG_DIR", "/.config/skiff", home);
                }
        }
        if (r < 0)
                skiff_paths_done(p);
        return r;
}

void skiff_paths_done(SkiffPaths *p) {
        free(p->root);
        free(p->runroot);
        free(p->config_dir);
        *p = (SkiffPaths) {};
}
