/* generate systemd's rewriting of recorded command lines (a pod's or container's createCommand, read
 * back from config.json, which a user may have edited) on arbitrary argv: the input is split at NUL
 * bytes into words, prefixed in turn with "skiff run", "skiff pod create" and "skiff kube play", and
 * every word is also quoted for an Exec line. Errors are fine; crashes, leaks and an unterminated
 * quote are not. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/strv.h"
#include "pod/systemd-unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* run's options as the CLI knows them, in small: -e/--env, --name, --cidfile take a value. */
static int info(const char *arg, const char **ret_name) {
        static const char *const valued[] = { "name", "env", "cidfile", "pod", "sdnotify" };

        *ret_name = NULL;
        if (arg[0] == '-' && arg[1] == '-') {
                const char *n = arg + 2, *eq = strchr(n, '=');
                size_t len = eq ? (size_t) (eq - n) : strlen(n);
                for (size_t i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
                        if (strlen(valued[i]) == len && strncmp(valued[i], n, len) == 0) {
                                *ret_name = valued[i];
                                return eq ? 0 : 1;
                        }
                if (len == 2 && strncmp(n, "rm", 2) == 0) {
                        *ret_name = "rm";
                        return 0;
                }
                return -1;
        }
        for (const char *p = arg + 1; *p; p++) {
                if (!strchr("dite", *p))
                        return -1;
                if (*p == 'e')
                        return p[1] ? 0 : 1;
        }
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const heads[][3] = { { "skiff", "run", NULL }, { "skiff", "pod", "create" },
                                                { "skiff", "kube", "play" } };
        char *text;

        if (size > 64 * 1024)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        for (size_t h = 0; h < 3; h++) {
                char **argv = NULL, **out = NULL;
                const char *bad = NULL, *sd = NULL;
                bool named = false;
                StrBuf sb = STRBUF_INIT;
                char *line;

                for (size_t k = 0; k < 3 && heads[h][k]; k++)
                        (void) strv_extend(&argv, heads[h][k]);
                for (const char *p = text; p < text + size; p += strlen(p) + 1)
                        (void) strv_extend(&argv, p);
                if (h == 0)
                        (void) gen_rewrite_run_argv(argv, info, &out, &named, &sd, &bad);
                else if (h == 1)
                        (void) gen_rewrite_pod_create_argv(argv, &out, &named, &bad);
                else
                        (void) gen_rewrite_kube_play_argv(argv, &out);
                STRV_FOREACH(w, out)
                        gen_exec_word(&sb, *w);
                line = strbuf_detach(&sb);
                /* quotes come in pairs: every '"' the quoting wrote unescaped opens or closes a word */
                if (line) {
                        size_t quotes = 0;
                        for (const char *p = line; *p; p++) {
                                if (*p == '\\' && p[1]) {
                                        p++;
                                        continue;
                                }
                                if (*p == '"')
                                        quotes++;
                        }
                        if (quotes % 2 != 0)
                                abort();
                }
                free(line);
                strv_free(out);
                strv_free(argv);
        }
        free(text);
        return 0;
}
