/* skiff-monitor: the per-container monitor as its own small executable.
 *
 * `skiff run -d`/`skiff start` double-fork and exec this (see monitor_launch()) rather than keep running
 * in the forked copy of skiff: the CLI links the image store and registry code (libcrypto, libarchive,
 * libcurl), whose relocated data alone costs a process about 700 kB of private memory. This binary
 * links only the runtime, so each of the long-lived monitors stays well under 1 MiB.
 *
 * Usage (internal, not for people): skiff-monitor ROOT RUNROOT CONTAINER-ID, with the launcher's report
 * pipe on fd 3 (O_CLOEXEC is cleared by exec; monitor_main() closes it after the first report). */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/paths.h"
#include "runtime/monitor.h"

int main(int argc, char *argv[]) {
        SkiffPaths paths = {};

        if (argc != 4 || argv[1][0] != '/' || argv[2][0] != '/' || strlen(argv[3]) != CONTAINER_ID_LEN) {
                fprintf(stderr, "skiff-monitor: internal helper of skiff; not to be run by hand\n");
                return 2;
        }
        /* The container must not inherit the report pipe, or the launcher would wait for its end. */
        if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
                return 2;
        paths.root = argv[1];
        paths.runroot = argv[2];
        monitor_main(&paths, argv[3], 3);
}
