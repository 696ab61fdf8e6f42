/* SPDX-License-Identifier: Apache-2.0 */

/* Replay driver for the fuzz targets when they are built without libFuzzer (systemd's fuzz-main.c).
 *
 * Every argument is a file, or a directory whose entries are replayed in name order (dotfiles such as
 * .gitkeep skipped, no recursion), through LLVMFuzzerTestOneInput(). Each input is one TAP test point,
 * so `meson test --suite fuzz-regress` counts them. "not ok" only means the file could not be read: an
 * input the target mishandles crashes the whole binary instead (an ASan/UBSan report or a signal), just
 * as it does under libFuzzer, and the last "# running PATH" line on stdout names the culprit. This keeps
 * every crasher ever added to tests/fuzz/corpus/<target>/ a test in builds without clang, e.g. the gcc
 * debug build. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/macro.h"
#include "common/strv.h"

/* Defined by the target (tests/fuzz/fuzz-<name>.c). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Appends path, or the entries of the directory path, to *inputs. Directory entries are sorted so the
 * TAP numbering is the same on every machine (readdir order is not). Returns 0 or -errno. */
static int collect_inputs(const char *path, char ***inputs) {
        _cleanup_strv_free_ char **entries = NULL;
        struct stat st;
        DIR *d;
        int r;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return strv_extend(inputs, path);

        d = opendir(path);
        if (!d)
                return -errno;
        for (;;) {
                struct dirent *de;

                errno = 0;
                de = readdir(d);
                if (!de)
                        break;
                if (de->d_name[0] == '.')
                        continue;
                r = strv_extendf(&entries, "%s/%s", path, de->d_name);
                if (r < 0) {
                        closedir(d);
                        return r;
                }
        }
        r = -errno;
        closedir(d);
        if (r < 0)
                return r;

        if (entries)
                qsort(entries, strv_length(entries), sizeof(char *), cmp_strp);
        STRV_FOREACH(e, entries) {
                r = strv_extend(inputs, *e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Runs one input. The data goes to the target in a buffer of exactly its size, not the NUL-terminated
 * one read_full_file_at() returns, so ASan flags a target that reads one byte past the end, as it
 * would under libFuzzer. */
static int replay_one(const char *path) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ uint8_t *data = NULL;
        size_t size;
        int r;

        r = read_full_file_at(AT_FDCWD, path, /* max= */ 0, &buf, &size);
        if (r < 0)
                return r;

        /* malloc(0) may return NULL; libFuzzer never passes NULL, so allocate at least one byte. */
        data = malloc(MAX(size, (size_t) 1));
        if (!data)
                return -ENOMEM;
        memcpy(data, buf, size);

        (void) LLVMFuzzerTestOneInput(data, size);
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_strv_free_ char **inputs = NULL;
        size_t n, k = 0;
        int r;

        for (int i = 1; i < argc; i++) {
                r = collect_inputs(argv[i], &inputs);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
                        return EXIT_FAILURE;
                }
        }

        n = strv_length(inputs);
        printf("1..%zu\n", n);
        STRV_FOREACH(p, inputs) {
                k++;
                /* Flushed before the call: if the target crashes, this is the last line meson shows. */
                printf("# running %s\n", *p);
                fflush(stdout);

                r = replay_one(*p);
                if (r < 0)
                        printf("not ok %zu - %s: %s\n", k, *p, strerror(-r));
                else
                        printf("ok %zu - %s\n", k, *p);
        }
        fflush(stdout);
        return EXIT_SUCCESS;
}
