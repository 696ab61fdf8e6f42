/* pod/systemd-unit.c: the words of generate systemd's Exec lines (quoting, specifiers, variables) and
 * the rewriting of recorded command lines for --new units. Every case checks the exact text. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit-test.h"

#include "common/strbuf.h"
#include "common/strv.h"
#include "pod/systemd-unit.h"

/* A heap strv from a literal list (-Wwrite-strings makes literals const). */
static char **mk(const char *const *l) {
        char **v = NULL;

        for (; *l; l++)
                assert_int_equal(strv_extend(&v, *l), 0);
        return v;
}
#define MK(...) mk((const char *const[]) { __VA_ARGS__, NULL })

static char *line(const char *const *args) {
        StrBuf sb = STRBUF_INIT;

        for (; *args; args++)
                gen_exec_word(&sb, *args);
        return strbuf_detach(&sb);
}

static void test_exec_words(void **state) {
        _cleanup_free_ char *a = line((const char *const[]) { "/usr/bin/skiff", "run", "-e", "A=b c", NULL });
        _cleanup_free_ char *b = line((const char *const[]) { "sh", "-c", "echo \"100% $HOME\"\\n", NULL });
        _cleanup_free_ char *c = line((const char *const[]) { "x", "", ";", "tab\there", "nl\nx", "\x01", NULL });

        assert_string_equal(a, "/usr/bin/skiff run -e \"A=b c\"");
        /* % and $ doubled (no specifier or variable expansion), quotes and backslashes escaped */
        assert_string_equal(b, "sh -c \"echo \\\"100%% $$HOME\\\"\\\\n\"");
        assert_string_equal(c, "x \"\" \\; \"tab\\there\" \"nl\\nx\" \"\\x01\"");
}

static void test_exec_raw(void **state) {
        StrBuf sb = STRBUF_INIT;
        _cleanup_free_ char *s = NULL;

        gen_exec_word(&sb, "skiff");
        gen_exec_raw(&sb, "--cidfile=%t/%n.ctr-id");
        gen_exec_word(&sb, "100%");
        s = strbuf_detach(&sb);
        assert_string_equal(s, "skiff --cidfile=%t/%n.ctr-id 100%%");
}

static void test_restart_policy(void **state) {
        assert_true(gen_restart_policy_valid("on-failure"));
        assert_true(gen_restart_policy_valid("always"));
        assert_true(gen_restart_policy_valid("on-watchdog"));
        assert_false(gen_restart_policy_valid("unless-stopped"));
        assert_false(gen_restart_policy_valid(""));
        assert_false(gen_restart_policy_valid(NULL));
}

/* A stand-in for the CLI's table: -e/--env, --name, --cidfile, --pod take a value. */
static int fake_info(const char *arg, const char **ret_name) {
        static const char *const valued[] = { "name", "env", "cidfile", "pod", "pod-id-file", "sdnotify", "restart" };
        static const char *const flags[] = { "detach", "rm", "replace", "tty", "interactive" };

        if (arg[0] == '-' && arg[1] == '-') {
                const char *n = arg + 2, *eq = strchr(n, '=');
                size_t len = eq ? (size_t) (eq - n) : strlen(n);
                for (size_t i = 0; i < ELEMENTSOF(valued); i++)
                        if (strlen(valued[i]) == len && strncmp(valued[i], n, len) == 0) {
                                *ret_name = valued[i];
                                return eq ? 0 : 1;
                        }
                for (size_t i = 0; i < ELEMENTSOF(flags); i++)
                        if (strlen(flags[i]) == len && strncmp(flags[i], n, len) == 0) {
                                *ret_name = flags[i];
                                return 0;
                        }
                return -ENOENT;
        }
        *ret_name = NULL;
        for (const char *p = arg + 1; *p; p++) {
                if (!strchr("dite", *p))
                        return -ENOENT;
                if (*p == 'e')
                        return p[1] ? 0 : 1;
        }
        return 0;
}

static void test_rewrite_run(void **state) {
        _cleanup_strv_free_ char **argv = MK("skiff", "create", "--name", "web", "-dit", "--rm", "--cidfile", "/x", "--sdnotify=container",
                         "--pod", "p", "-e", "A=1", "--restart=always", "--replace", "-de", "B=2", "img", "sh", "-c",
                         "--rm");
        _cleanup_strv_free_ char **out = NULL;
        _cleanup_free_ char *joined = NULL;
        const char *sd = NULL, *bad = NULL;
        bool named = false;

        assert_int_equal(gen_rewrite_run_argv(argv, fake_info, &out, &named, &sd, &bad), 0);
        joined = strv_join(out, " ");
        /* -d goes from clusters, the unit's own options go, the image and command stay untouched */
        assert_string_equal(joined, "--name web -it -e A=1 -e B=2 img sh -c --rm");
        assert_true(named);
        assert_string_equal(sd, "container");
}

static void test_rewrite_run_errors(void **state) {
        _cleanup_strv_free_ char **unknown = MK("skiff", "run", "--bogus", "img");
        _cleanup_strv_free_ char **noimage = MK("skiff", "run", "--name", "x");
        _cleanup_strv_free_ char **notrun = MK("skiff", "pod", "create");
        _cleanup_strv_free_ char **out = NULL;
        const char *sd = NULL, *bad = NULL;
        bool named;

        assert_int_equal(gen_rewrite_run_argv(unknown, fake_info, &out, &named, &sd, &bad), -ENOENT);
        assert_string_equal(bad, "--bogus");
        assert_int_equal(gen_rewrite_run_argv(noimage, fake_info, &out, &named, &sd, &bad), -EINVAL);
        assert_int_equal(gen_rewrite_run_argv(notrun, fake_info, &out, &named, &sd, &bad), -EINVAL);
        assert_null(out);
}

static void test_rewrite_pod_create(void **state) {
        _cleanup_strv_free_ char **argv = MK("skiff", "pod", "create", "--name", "p", "--pod-id-file", "/f", "--infra-conmon-pidfile=/g",
                         "--replace", "-l", "a=b", "--network=host", "--exit-policy", "stop");
        _cleanup_strv_free_ char **bad_argv = MK("skiff", "pod", "create", "--share", "net");
        _cleanup_strv_free_ char **out = NULL, **out2 = NULL;
        _cleanup_free_ char *joined = NULL;
        const char *bad = NULL;
        bool named = false;

        assert_int_equal(gen_rewrite_pod_create_argv(argv, &out, &named, &bad), 0);
        joined = strv_join(out, " ");
        assert_string_equal(joined, "--name p -l a=b --network=host --exit-policy stop");
        assert_true(named);
        assert_int_equal(gen_rewrite_pod_create_argv(bad_argv, &out2, &named, &bad), -ENOENT);
        assert_string_equal(bad, "--share");
}

static void test_rewrite_kube_play(void **state) {
        _cleanup_strv_free_ char **argv = MK("skiff", "kube", "play", "--replace", "--configmap", "cm.yaml", "-w", "--log-driver", "journald",
                         "--annotation=a=b", "--start=false", "--service-container", "--no-hosts", "a.yaml", "--",
                         "--weird-file");
        _cleanup_strv_free_ char **out = NULL;
        _cleanup_free_ char *joined = NULL;

        assert_int_equal(gen_rewrite_kube_play_argv(argv, &out), 0);
        joined = strv_join(out, " ");
        assert_string_equal(joined, "--wait --log-driver journald --annotation=a=b --no-hosts");
}

static void test_render(void **state) {
        _cleanup_strv_free_ char **pre = MK("/bin/rm -f %t/%n.pod-id"), **post = MK("skiff pod rm"),
                                 **members = MK("container-a.service", "container-b.service"), **env = MK("A=b c", "P=$x%"),
                                 **wants = MK("w.service");
        GenUnit u = {
                .kind = GEN_UNIT_POD, .name = "pod-p.service", .runroot = "/run/skiff", .members = members,
                .wants = wants, .env = env, .restart = "always", .restart_sec = 2, .timeout_stop_sec = 70,
                .timeout_start_sec = -1, .exec_start_pre = pre, .exec_start = "skiff pod start p",
                .exec_stop_post = post,
        };
        GenHeader h = { .enabled = true, .version = "9.9", .date = "Mon Jan  1 00:00:00 UTC 2026" };
        _cleanup_free_ char *text = NULL;

        assert_int_equal(gen_unit_render(&u, &h, &text), 0);
        assert_string_equal(text, "# pod-p.service\n"
                                  "# autogenerated by skiff 9.9\n"
                                  "# Mon Jan  1 00:00:00 UTC 2026\n"
                                  "\n"
                                  "[Unit]\n"
                                  "Description=skiff pod-p.service\n"
                                  "Documentation=man:skiff-generate-systemd(1)\n"
                                  "Wants=network-online.target\n"
                                  "After=network-online.target\n"
                                  "RequiresMountsFor=/run/skiff\n"
                                  "Wants=container-a.service container-b.service\n"
                                  "Before=container-a.service container-b.service\n"
                                  "\n"
                                  "# User-defined dependencies\n"
                                  "Wants=w.service\n"
                                  "\n"
                                  "[Service]\n"
                                  "Environment=PODMAN_SYSTEMD_UNIT=%n\n"
                                  "Environment=\"A=b c\"\n"
                                  "Environment=P=$x%%\n"
                                  "Restart=always\n"
                                  "RestartSec=2\n"
                                  "TimeoutStopSec=70\n"
                                  "Type=notify\n"
                                  "NotifyAccess=all\n"
                                  "KillMode=mixed\n"
                                  "ExecStartPre=/bin/rm -f %t/%n.pod-id\n"
                                  "ExecStart=skiff pod start p\n"
                                  "ExecStopPost=skiff pod rm\n"
                                  "\n"
                                  "[Install]\n"
                                  "WantedBy=default.target\n");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_words),
                cmocka_unit_test(test_exec_raw),
                cmocka_unit_test(test_restart_policy),
                cmocka_unit_test(test_rewrite_run),
                cmocka_unit_test(test_rewrite_run_errors),
                cmocka_unit_test(test_rewrite_pod_create),
                cmocka_unit_test(test_rewrite_kube_play),
                cmocka_unit_test(test_render),
        };

        return unit_run_tests("systemd-unit", tests, ELEMENTSOF(tests));
}
