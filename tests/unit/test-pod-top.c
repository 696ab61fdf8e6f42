/* skiff pod top: descriptors, the /proc texts, id maps, names, Go durations, and one process read from
 * a fake /proc tree. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "pod/pod-top.h"
#include "unit-test.h"

static void test_descriptors(void **state) {
        TopField *f = NULL;
        char *err = NULL;
        int n;

        n = top_parse_descriptors(NULL, &f, &err);
        assert_int_equal(n, (int) top_n_default_fields);
        assert_int_equal(f[0], TOP_CONTAINER);
        assert_string_equal(top_field_header(f[1]), "USER");
        assert_string_equal(top_field_header(f[4]), "%CPU");
        assert_string_equal(top_field_header(f[5]), "ELAPSED");
        assert_string_equal(top_field_header(f[n - 1]), "COMMAND");
        free(f);

        n = top_parse_descriptors((const char *const[]) { "pid,hpid", "%C", "args", "%U", NULL }, &f, &err);
        assert_int_equal(n, 5);
        assert_int_equal(f[0], TOP_PID);
        assert_int_equal(f[1], TOP_HPID);
        assert_int_equal(f[2], TOP_PCPU);
        assert_int_equal(f[3], TOP_ARGS);
        assert_int_equal(f[4], TOP_USER);
        assert_string_equal(top_field_name(f[2]), "pcpu");
        free(f);
        f = NULL;

        assert_int_equal(top_parse_descriptors((const char *const[]) { "pid,nope", NULL }, &f, &err), -EINVAL);
        assert_string_equal(err, "unknown descriptor 'nope'");
        free(err);
        err = NULL;
        assert_int_equal(top_parse_descriptors((const char *const[]) { ",", NULL }, &f, &err), -EINVAL);
        assert_string_equal(err, "no descriptor given");
        free(err);
        assert_null(f);
}

static void test_stat_status(void **state) {
        TopStat s;
        TopStatus st;

        /* a comm with spaces and parentheses: the last ')' ends it */
        assert_int_equal(top_parse_stat("42 (a (b) c) S 7 42 42 34816 42 4194560 100 0 0 0 150 50 0 0 20 -5 1 0 "
                                        "12345 8392704 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
                                        &s),
                         0);
        assert_string_equal(s.comm, "a (b) c");
        assert_int_equal(s.state, 'S');
        assert_int_equal(s.ppid, 7);
        assert_int_equal(s.pgid, 42);
        assert_int_equal(s.tty_nr, 34816);
        assert_int_equal(s.utime, 150);
        assert_int_equal(s.stime, 50);
        assert_int_equal(s.nice, -5);
        assert_int_equal(s.starttime, 12345);
        assert_int_equal(s.vsize, 8392704);
        assert_int_equal(s.rss, 300);
        free(s.comm);
        assert_int_equal(top_parse_stat("42 no-paren S 1", &s), -EBADMSG);
        assert_int_equal(top_parse_stat("42 (x) S 1 2", &s), -EBADMSG);
        assert_int_equal(top_parse_stat(")(", &s), -EBADMSG);

        assert_int_equal(top_parse_status("Name:\tsleep\nUid:\t1000\t1001\t1001\t1001\nGid:\t5\t6\t6\t6\n"
                                          "NSpid:\t4242\t7\nNSpgid:\t4242\t1\nSeccomp:\t2\n",
                                          &st),
                         0);
        assert_int_equal(st.ruid, 1000);
        assert_int_equal(st.euid, 1001);
        assert_int_equal(st.rgid, 5);
        assert_int_equal(st.egid, 6);
        assert_int_equal(st.ns_pid, 7);
        assert_int_equal(st.ns_pgid, 1);
        assert_int_equal(st.seccomp, 2);
        assert_int_equal(top_parse_status("Name:\tx\n", &st), -EBADMSG);
}

static void test_ids_names_durations(void **state) {
        char buf[64];

        assert_int_equal(top_map_id("         0          0 4294967295\n", 1000), 1000);
        assert_int_equal(top_map_id("0 100000 65536\n", 100005), 5);
        assert_int_equal(top_map_id("0 100000 65536\n", 5), (uint32_t) -1);
        assert_int_equal(top_map_id("", 7), 7);
        assert_int_equal(top_map_id(NULL, 7), 7);

        char *n = top_name_of("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n", 65534);
        assert_string_equal(n, "nobody");
        free(n);
        assert_null(top_name_of("root:x:0:0::/:/bin/sh\n", 1));
        assert_null(top_name_of("broken\n:x:1:\nx:y\n", 1));
        n = top_name_of("wheel:x:10:root\n", 10);
        assert_string_equal(n, "wheel");
        free(n);

        assert_string_equal(top_go_duration(0, buf, sizeof(buf)), "0s");
        assert_string_equal(top_go_duration(1500000000ull, buf, sizeof(buf)), "1.5s");
        assert_string_equal(top_go_duration(7538737137571ull, buf, sizeof(buf)), "2h5m38.737137571s");
        assert_string_equal(top_go_duration(60ull * 1000000000ull, buf, sizeof(buf)), "1m0s");
        assert_string_equal(top_go_duration(3600ull * 1000000000ull, buf, sizeof(buf)), "1h0m0s");
        assert_string_equal(top_go_duration(47524632ull, buf, sizeof(buf)), "47.524632ms");
        assert_string_equal(top_go_duration(1500ull, buf, sizeof(buf)), "1.5µs");
        assert_string_equal(top_go_duration(12ull, buf, sizeof(buf)), "12ns");
}

static void put(int dfd, const char *path, const char *text) {
        assert_int_equal(write_file_atomic_at(dfd, path, text, strlen(text), 0644), 0);
}

static void test_proc_read(void **state) {
        char tmp[] = "/tmp/test-pod-top-XXXXXX", cmd[64];
        TopClock c = { .now_ns = 20ull * 1000000000ull, .ticks = 100, .page_size = 4096 };
        TopProc p;
        int dfd;

        assert_non_null(mkdtemp(tmp));
        dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        for (const char *const *d = (const char *const[]) { "500", "500/root", "500/root/etc", "400", NULL }; *d; d++)
                assert_int_equal(mkdirat(dfd, *d, 0755), 0);
        /* started 10 s after boot, 5 s of CPU: 50% over the 10 s since */
        put(dfd, "500/stat", "500 (sh) R 400 500 500 34817 0 0 0 0 0 0 300 200 0 0 20 0 1 0 1000 1048576 10 0\n");
        put(dfd, "500/status", "Uid:\t100005\t100005\t100005\t100005\nGid:\t100007\t100007\t100007\t100007\n"
                               "NSpid:\t500\t2\nNSpgid:\t500\t2\nSeccomp:\t2\n");
        assert_int_equal(write_file_atomic_at(dfd, "500/cmdline", "sh\0-c\0sleep 1\0", 14, 0644), 0);
        put(dfd, "500/uid_map", "0 100000 65536\n");
        put(dfd, "500/gid_map", "0 100000 65536\n");
        put(dfd, "500/root/etc/passwd", "root:x:0:0::/:/bin/sh\nfive:x:5:7::/:/bin/sh\n");
        put(dfd, "500/root/etc/group", "root:x:0:\nseven:x:7:\n");
        put(dfd, "400/status", "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t400\t1\n");

        assert_int_equal(top_proc_read(dfd, 500, "pod-c", "root:x:0:0::/:/bin/sh\n", NULL, &p), 0);
        assert_string_equal(p.user, "five");
        assert_string_equal(p.group, "seven");
        assert_string_equal(p.huser, "100005"); /* no name on the host */
        assert_string_equal(p.args, "sh -c sleep 1");
        assert_string_equal(p.tty, "pts/1");
        assert_int_equal(p.ppid_ns, 1);
        char *s;
#define FIELD(f, want)                                            \
        do {                                                      \
                s = top_field_format(&p, f, &c);                  \
                assert_string_equal(s, want);                     \
                free(s);                                          \
        } while (0)
        FIELD(TOP_PID, "2");
        FIELD(TOP_HPID, "500");
        FIELD(TOP_PPID, "1");
        FIELD(TOP_PGID, "2");
        FIELD(TOP_PCPU, "50.000");
        FIELD(TOP_ETIME, "10s");
        FIELD(TOP_TIME, "5s");
        FIELD(TOP_COMM, "sh");
        FIELD(TOP_CONTAINER, "pod-c");
        FIELD(TOP_VSZ, "1024");
        FIELD(TOP_RSS, "40");
        FIELD(TOP_STATE, "R");
        FIELD(TOP_SECCOMP, "filter");
#undef FIELD
        top_proc_done(&p);
        /* a parent in another pid namespace (fewer NSpid levels): PPID 0 */
        put(dfd, "400/status", "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t400\n");
        assert_int_equal(top_proc_read(dfd, 500, "pod-c", NULL, NULL, &p), 0);
        assert_int_equal(p.ppid_ns, 0);
        top_proc_done(&p);
        /* gone */
        assert_int_equal(top_proc_read(dfd, 999, "pod-c", NULL, NULL, &p), -ESRCH);
        close(dfd);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_descriptors),
                cmocka_unit_test(test_stat_status),
                cmocka_unit_test(test_ids_names_durations),
                cmocka_unit_test(test_proc_read),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
