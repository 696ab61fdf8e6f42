/* The whole generator over one quadlet file: the first byte picks the file's type (.container,
 * .volume, .network, .image, .kube, .pod), the rest is its text. It is written into a private
 * directory and generate_units() runs over it in dry-run mode (units printed to /dev/null), which
 * exercises the key checks, the translation and the quoting of Exec lines on arbitrary input. */

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/fileio.h"
#include "systemd-generator/quadlet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz-generator-XXXXXX";
static FILE *devnull;

static void cleanup(void) {
        if (devnull)
                fclose(devnull);
        (void) rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const names[] = {"f.container", "f.volume", "f.network",
                                            "f.image",     "f.kube",   "f.pod"};
        char *dirs[] = {dir, NULL};
        char path[sizeof(dir) + 32];
        DiagList diags = DIAG_LIST_INIT;
        GeneratorOptions opts = {
                .unit_dirs = dirs,
                .skiff = "/usr/bin/skiff",
                .generated_by = "fuzz-generator",
        };
        const char *name;

        if (size < 1 || size > 64 * 1024)
                return 0;
        if (!devnull) {
                if (!mkdtemp(dir))
                        abort();
                devnull = fopen("/dev/null", "we");
                if (!devnull)
                        abort();
                atexit(cleanup);
        }
        name = names[data[0] % 6];
        opts.user = data[0] & 0x80;
        opts.dryrun = devnull;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (write_file_atomic_at(AT_FDCWD, path, data + 1, size - 1, 0644) < 0)
                abort();
        (void) generate_units(&opts, NULL, &diags);
        for (size_t i = 0; i < diags.n; i++)
                free(diag_format(&diags.items[i]));
        diag_list_done(&diags);
        unlink(path);
        return 0;
}
