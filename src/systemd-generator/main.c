/* skiff-generator: systemd.generator(7) over generate_units(). Only argument handling and logging
 * live here. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/strv.h"
#include "config.h"
#include "generator-config.h"
#include "systemd-generator/quadlet.h"

static bool arg_dryrun = false;
static bool arg_user = false;
static bool arg_verbose = false;
static bool arg_no_kmsg = false;
static int arg_kmsg_fd = -EBADF;

static void help(const char *name) {
        printf("Usage: %s [OPTIONS] NORMAL_DIR [EARLY_DIR LATE_DIR]\n"
               "       %s -dryrun [OPTIONS]\n"
               "\n"
               "Translates quadlet unit files (.container .pod .kube .volume .network .image) into\n"
               "systemd services that run skiff. Called by systemd at boot and at daemon-reload; units\n"
               "are written into NORMAL_DIR.\n"
               "\n"
               "Options:\n"
               "  -dryrun          print every unit on stdout instead of writing files\n"
               "  -user            user-manager mode (also when installed as skiff-user-generator)\n"
               "  -v               say what is read and written\n"
               "  -no-kmsg-log     log to stderr only, not also to /dev/kmsg\n"
               "  -version         print the version\n"
               "  -h, --help       this text\n"
               "\n"
               "Environment: QUADLET_UNIT_DIRS=DIR[:DIR...] replaces the search path;\n"
               "SKIFF_GENERATOR_BINARY replaces %s in the Exec lines.\n"
               "See skiff-generator(8).\n",
               name, name, SKIFF_BINARY_PATH);
}

/* One line to stderr, and to the kernel log when systemd runs us (journald is not up yet when
 * generators run at boot): "<PRI>skiff-generator[PID]: message", as systemd's own generators do. */
static void log_line(int level, const char *msg) {
        fprintf(stderr, "%s\n", msg);
        if (arg_kmsg_fd >= 0)
                (void) dprintf(arg_kmsg_fd, "<%d>skiff-generator[%d]: %s\n", LOG_DAEMON | level,
                               (int) getpid(), msg);
}

static void log_debug_line(const char *msg) {
        _cleanup_free_ char *m = NULL;

        if (asprintf(&m, "debug: %s", msg) < 0)
                return;
        log_line(LOG_DEBUG, m);
}

static bool flag_is(const char *arg, const char *name) {
        /* Go's flag package (quadlet's) takes -name and --name alike. */
        if (arg[0] != '-')
                return false;
        arg += arg[1] == '-' ? 2 : 1;
        return streq(arg, name);
}

int main(int argc, char *argv[]) {
        _cleanup_strv_free_ char **dirs = NULL;
        const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        const char *out_dir = NULL;
        char *pos[3];
        size_t n_pos = 0;
        DiagList diags = DIAG_LIST_INIT;
        GeneratorOptions opts = {};
        int r;

        if (strstr(name, "user"))
                arg_user = true;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (flag_is(a, "dryrun"))
                        arg_dryrun = true;
                else if (flag_is(a, "user"))
                        arg_user = true;
                else if (flag_is(a, "v"))
                        arg_verbose = true;
                else if (flag_is(a, "no-kmsg-log"))
                        arg_no_kmsg = true;
                else if (flag_is(a, "version")) {
                        printf("skiff-generator %s\n", SKIFF_VERSION);
                        return 0;
                } else if (flag_is(a, "h") || flag_is(a, "help")) {
                        help(name);
                        return 0;
                } else if (a[0] == '-' && a[1]) {
                        fprintf(stderr, "%s: unknown option '%s' (see --help)\n", name, a);
                        return 1;
                } else if (n_pos < 3)
                        pos[n_pos++] = argv[i];
                else {
                        fprintf(stderr, "%s: expected 1 or 3 directories, got more\n", name);
                        return 1;
                }
        }
        if (!arg_dryrun && n_pos != 1 && n_pos != 3) {
                fprintf(stderr, "%s: expected 1 or 3 output directories (or -dryrun), got %zu\n", name,
                        n_pos);
                return 1;
        }
        out_dir = n_pos > 0 ? pos[0] : NULL;

        if (!arg_dryrun && !arg_no_kmsg)
                /* SKIFF_GENERATOR_KMSG: a file standing in for the kernel log, for tests. */
                arg_kmsg_fd = open(secure_getenv("SKIFF_GENERATOR_KMSG") ?: "/dev/kmsg",
                                   O_WRONLY | O_CLOEXEC | O_NOCTTY | O_APPEND);

        r = quadlet_search_path(arg_user, &dirs);
        if (r == -EINVAL) {
                log_line(LOG_ERR, "skiff-generator: QUADLET_UNIT_DIRS must list absolute directories");
                return 1;
        }
        if (r < 0) {
                log_line(LOG_ERR, "skiff-generator: out of memory");
                return 1;
        }
        if (arg_verbose)
                STRV_FOREACH(d, dirs) {
                        _cleanup_free_ char *m = NULL;
                        if (asprintf(&m, "search path: %s", *d) >= 0)
                                log_debug_line(m);
                }

        opts.user = arg_user;
        opts.unit_dirs = dirs;
        opts.skiff = secure_getenv("SKIFF_GENERATOR_BINARY") ?: SKIFF_BINARY_PATH;
        opts.generated_by = argv[0];
        opts.dryrun = arg_dryrun ? stdout : NULL;
        opts.debug = arg_verbose ? log_debug_line : NULL;

        r = generate_units(&opts, out_dir, &diags);
        diag_list_sort(&diags);
        for (size_t i = 0; i < diags.n; i++) {
                _cleanup_free_ char *m = diag_format(&diags.items[i]);
                if (m)
                        log_line(diags.items[i].severity == DIAG_ERROR ? LOG_ERR : LOG_WARNING, m);
        }
        diag_list_done(&diags);
        if (r < 0) {
                _cleanup_free_ char *m = NULL;
                if (asprintf(&m, "skiff-generator: %s: %s", out_dir ? out_dir : "-dryrun", strerror(-r))
                    >= 0)
                        log_line(LOG_ERR, m);
                return 1;
        }
        if (arg_kmsg_fd >= 0)
                close(arg_kmsg_fd);
        fflush(stdout);
        return r > 0 ? 1 : 0;
}
