#pragma once

/* Shared by the cmocka tests in tests/unit. Include after <cmocka.h>. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

/* A test of the correct behaviour where the code is known to be wrong: reported as skipped with the
 * reason, so it stays visible. SKIFF_TEST_KNOWN_BUGS=1 runs it anyway (to check a fix). */
#define KNOWN_BUG(why)                                           \
        do {                                                     \
                if (!getenv("SKIFF_TEST_KNOWN_BUGS")) {          \
                        print_message("# KNOWN BUG: %s\n", why); \
                        skip();                                  \
                }                                                \
        } while (0)

/* cmocka 1.1.5 (Debian 12) prints a skipped test as "not ok N # SKIP", which TAP readers, meson
 * included, count as a failure. With TAP output, run the tests in a child and rewrite those lines to
 * "ok N # SKIP" on their way to stdout. Returns what cmocka returns (non-zero: failures). */
static inline int unit_run_tests(const char *name, const struct CMUnitTest *tests, size_t n) {
        const char *out = getenv("CMOCKA_MESSAGE_OUTPUT");
        char line[8192];
        int p[2], status;
        FILE *in;
        pid_t pid;

        if (!out || strcasecmp(out, "TAP") != 0 || pipe(p) < 0)
                return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
        fflush(stdout);
        pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
        }
        if (pid == 0) {
                int r;

                close(p[0]);
                if (dup2(p[1], STDOUT_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                close(p[1]);
                r = _cmocka_run_group_tests(name, tests, n, NULL, NULL);
                fflush(stdout);
                exit(r == 0 ? EXIT_SUCCESS
                            : EXIT_FAILURE); /* exit(), not _exit(): leak checkers run at exit */
        }
        close(p[1]);
        in = fdopen(p[0], "r");
        if (!in) {
                close(p[0]);
                (void) waitpid(pid, &status, 0);
                return 1;
        }
        while (fgets(line, sizeof(line), in)) {
                unsigned num;
                int skip_at = -1;

                if (sscanf(line, "not ok %u # SKIP%n", &num, &skip_at) == 1 && skip_at > 0)
                        fputs(line + strlen("not "), stdout);
                else
                        fputs(line, stdout);
        }
        fflush(stdout);
        fclose(in);
        if (waitpid(pid, &status, 0) < 0)
                return 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
