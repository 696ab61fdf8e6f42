/* skiff --module FILE: podman's containers.conf modules. Found as podman finds them (an absolute path
 * as is; a relative one in $XDG_CONFIG_HOME/containers/containers.conf.modules (~/.config/...),
 * /etc/containers/containers.conf.modules, /usr/share/containers/containers.conf.modules, in this
 * order) and parsed as TOML (registry/toml.h), so a missing or broken module is one clear error before
 * anything is done. skiff takes its defaults from podman's built-in containers.conf and reads no setting
 * from these files yet: a valid module changes nothing (said at debug level). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/verbs.h"
#include "common/diag.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "registry/toml.h"

static int module_dirs(char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

        if (xdg && *xdg) {
                if (strv_extendf(&l, "%s/containers/containers.conf.modules", xdg) < 0)
                        return -ENOMEM;
        } else if (home && *home && strv_extendf(&l, "%s/.config/containers/containers.conf.modules", home) < 0)
                return -ENOMEM;
        if (strv_extend(&l, "/etc/containers/containers.conf.modules") < 0
            || strv_extend(&l, "/usr/share/containers/containers.conf.modules") < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static int load_module(const char *module) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_(diag_freep) Diag *d = NULL;
        json_object *o = NULL;
        size_t len = 0;
        int r;

        if (isempty(module)) {
                log_error("--module: a file name is required");
                return -EINVAL;
        }
        if (module[0] == '/') {
                path = strdup(module);
                if (!path)
                        return log_oom();
                if (access(path, R_OK) < 0) {
                        r = -errno;
                        log_error_errno(r, "--module %s: %m", module);
                        return r;
                }
        } else {
                r = module_dirs(&dirs);
                if (r < 0)
                        return log_oom();
                STRV_FOREACH(dir, dirs) {
                        free(path);
                        if (asprintf(&path, "%s/%s", *dir, module) < 0) {
                                path = NULL;
                                return log_oom();
                        }
                        if (access(path, R_OK) == 0)
                                break;
                        free(path);
                        path = NULL;
                }
                if (!path) {
                        _cleanup_free_ char *where = strv_join(dirs, ", ");
                        log_error("--module %s: not found in %s", module, strempty(where));
                        return -ENOENT;
                }
        }
        r = read_full_file_at(AT_FDCWD, path, TOML_SIZE_MAX, &text, &len);
        if (r < 0) {
                log_error_errno(r, "--module %s: read %s: %m", module, path);
                return r;
        }
        r = toml_parse(text, len, path, &o, &d);
        if (r < 0) {
                _cleanup_free_ char *msg = d ? diag_format(d) : NULL;
                if (r == -ENOMEM)
                        return log_oom();
                log_error("--module %s: %s", module, msg ?: "not valid TOML");
                return r;
        }
        log_debug("--module %s: %s loaded; skiff reads no containers.conf setting yet, nothing changes", module,
                  path);
        json_object_put(o);
        return 0;
}

int cli_load_modules(char **modules) {
        STRV_FOREACH(m, modules) {
                int r = load_module(*m);
                if (r < 0)
                        return r;
        }
        return 0;
}
