/* Valid and invalid values follow Kubernetes' own tables (apimachinery util/validation
 * validation_test.go, api/validate/content dns_test.go and kube_test.go, and the path checks of
 * pkg/apis/core/validation), re-expressed as our own lists; the expected phrases are ours. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/macro.h"
#include "play/names.h"

typedef const char *(*Checker)(const char *s);

typedef struct BadCase {
        const char *in;
        const char *phrase; /* exact phrase for the first rule broken */
} BadCase;

static char *repeat(char c, size_t n) {
        static char bufs[8][600];
        static unsigned next;
        char *b = bufs[next++ % ELEMENTSOF(bufs)];

        assert_true(n < sizeof(bufs[0]));
        memset(b, c, n);
        b[n] = 0;
        return b;
}

static void check_good(const char *what, Checker check, const char *const *good, size_t n) {
        for (size_t i = 0; i < n; i++) {
                const char *r = check(good[i]);

                if (r)
                        fail_msg("%s(\"%s\"): unexpected \"%s\"", what, good[i], r);
        }
}

static void check_bad(const char *what, Checker check, const BadCase *bad, size_t n) {
        for (size_t i = 0; i < n; i++) {
                const char *r = check(bad[i].in);

                if (!r)
                        fail_msg("%s(\"%s\"): accepted", what, bad[i].in);
                if (!streq(r, bad[i].phrase))
                        fail_msg("%s(\"%s\"): \"%s\", want \"%s\"", what, bad[i].in, r, bad[i].phrase);
        }
}

#define CHECK_GOOD(check, good) check_good(#check, check, good, ELEMENTSOF(good))
#define CHECK_BAD(check, bad) check_bad(#check, check, bad, ELEMENTSOF(bad))

#define LABEL_CHARSET "must consist of lower case alphanumeric characters or '-'"
#define SUBDOMAIN_CHARSET "must consist of lower case alphanumeric characters, '-' or '.'"
#define START_END "must start and end with an alphanumeric character"
#define SUBDOMAIN_PARTS "must have each dot-separated part start and end with an alphanumeric character"
#define TOO_LONG_63 "must be no more than 63 characters"
#define TOO_LONG_253 "must be no more than 253 characters"
#define EMPTY "must be non-empty"

static void test_dns1123_label(void **state) {
        const char *const good[] = {
                "a",  "ab",  "abc", "a1",  "a-1",        "a--1--2--b",    "0",
                "01", "012", "1a",  "1-a", "1--a--b--2", repeat('a', 63),
        };
        const BadCase bad[] = {
                {"", EMPTY},
                {"A", LABEL_CHARSET},
                {"ABC", LABEL_CHARSET},
                {"aBc", LABEL_CHARSET},
                {"A1", LABEL_CHARSET},
                {"A-1", LABEL_CHARSET},
                {"1-A", LABEL_CHARSET},
                {"-", START_END},
                {"a-", START_END},
                {"-a", START_END},
                {"1-", START_END},
                {"-1", START_END},
                {"_", LABEL_CHARSET},
                {"a_", LABEL_CHARSET},
                {"_a", LABEL_CHARSET},
                {"a_b", LABEL_CHARSET},
                {"1_", LABEL_CHARSET},
                {"_1", LABEL_CHARSET},
                {"1_2", LABEL_CHARSET},
                {".", "must not contain dots"},
                {"a.", "must not contain dots"},
                {".a", "must not contain dots"},
                {"a.b", "must not contain dots"},
                {"1.", "must not contain dots"},
                {".1", "must not contain dots"},
                {"1.2", "must not contain dots"},
                {" ", LABEL_CHARSET},
                {"a ", LABEL_CHARSET},
                {" a", LABEL_CHARSET},
                {"a b", LABEL_CHARSET},
                {"1 ", LABEL_CHARSET},
                {" 1", LABEL_CHARSET},
                {"1 2", LABEL_CHARSET},
                {"a\n", LABEL_CHARSET},
                {"caf\xc3\xa9", LABEL_CHARSET},
                {repeat('a', 64), TOO_LONG_63},
                {repeat('-', 64), TOO_LONG_63},
        };

        CHECK_GOOD(name_check_dns1123_label, good);
        CHECK_BAD(name_check_dns1123_label, bad);
        assert_string_equal(name_check_dns1123_label(NULL), EMPTY);
}

static void test_dns1123_subdomain(void **state) {
        const char *const good[] = {
                "a",
                "ab",
                "abc",
                "a1",
                "a-1",
                "a--1--2--b",
                "0",
                "01",
                "012",
                "1a",
                "1-a",
                "1--a--b--2",
                "a.a",
                "ab.a",
                "abc.a",
                "a1.a",
                "a-1.a",
                "a--1--2--b.a",
                "a.1",
                "ab.1",
                "abc.1",
                "a1.1",
                "a-1.1",
                "a--1--2--b.1",
                "0.a",
                "01.a",
                "012.a",
                "1a.a",
                "1-a.a",
                "1--a--b--2",
                "0.1",
                "01.1",
                "012.1",
                "1a.1",
                "1-a.1",
                "1--a--b--2.1",
                "a.b.c.d.e",
                "aa.bb.cc.dd.ee",
                "1.2.3.4.5",
                "11.22.33.44.55",
                repeat('a', 253),
                repeat('a', 100), /* no per-label limit of 63 in Kubernetes' regex */
        };
        const BadCase bad[] = {
                {"", EMPTY},
                {"A", SUBDOMAIN_CHARSET},
                {"ABC", SUBDOMAIN_CHARSET},
                {"aBc", SUBDOMAIN_CHARSET},
                {"A1", SUBDOMAIN_CHARSET},
                {"A-1", SUBDOMAIN_CHARSET},
                {"1-A", SUBDOMAIN_CHARSET},
                {"-", START_END},
                {"a-", START_END},
                {"-a", START_END},
                {"1-", START_END},
                {"-1", START_END},
                {"_", SUBDOMAIN_CHARSET},
                {"a_", SUBDOMAIN_CHARSET},
                {"_a", SUBDOMAIN_CHARSET},
                {"a_b", SUBDOMAIN_CHARSET},
                {"1_", SUBDOMAIN_CHARSET},
                {"_1", SUBDOMAIN_CHARSET},
                {"1_2", SUBDOMAIN_CHARSET},
                {".", START_END},
                {"a.", START_END},
                {".a", START_END},
                {"a..b", SUBDOMAIN_PARTS},
                {"1.", START_END},
                {".1", START_END},
                {"1..2", SUBDOMAIN_PARTS},
                {"a-.b", SUBDOMAIN_PARTS},
                {"a.-b", SUBDOMAIN_PARTS},
                {" ", SUBDOMAIN_CHARSET},
                {"a ", SUBDOMAIN_CHARSET},
                {" a", SUBDOMAIN_CHARSET},
                {"a b", SUBDOMAIN_CHARSET},
                {"1 ", SUBDOMAIN_CHARSET},
                {" 1", SUBDOMAIN_CHARSET},
                {"1 2", SUBDOMAIN_CHARSET},
                {"A.a", SUBDOMAIN_CHARSET},
                {"aB.a", SUBDOMAIN_CHARSET},
                {"ab.A", SUBDOMAIN_CHARSET},
                {"A1.a", SUBDOMAIN_CHARSET},
                {"a1.A", SUBDOMAIN_CHARSET},
                {"A.1", SUBDOMAIN_CHARSET},
                {"aB.1", SUBDOMAIN_CHARSET},
                {"A1.1", SUBDOMAIN_CHARSET},
                {"1A.1", SUBDOMAIN_CHARSET},
                {"0.A", SUBDOMAIN_CHARSET},
                {"01.A", SUBDOMAIN_CHARSET},
                {"012.A", SUBDOMAIN_CHARSET},
                {"1A.a", SUBDOMAIN_CHARSET},
                {"1a.A", SUBDOMAIN_CHARSET},
                {"A.B.C.D.E", SUBDOMAIN_CHARSET},
                {"AA.BB.CC.DD.EE", SUBDOMAIN_CHARSET},
                {"a.B.c.d.e", SUBDOMAIN_CHARSET},
                {"aa.bB.cc.dd.ee", SUBDOMAIN_CHARSET},
                {"a@b", SUBDOMAIN_CHARSET},
                {"a,b", SUBDOMAIN_CHARSET},
                {"a;b", SUBDOMAIN_CHARSET},
                {"a:b", SUBDOMAIN_CHARSET},
                {"a%b", SUBDOMAIN_CHARSET},
                {"a?b", SUBDOMAIN_CHARSET},
                {"a$b", SUBDOMAIN_CHARSET},
                {repeat('a', 254), TOO_LONG_253},
                {repeat('.', 254), TOO_LONG_253},
        };

        CHECK_GOOD(name_check_dns1123_subdomain, good);
        CHECK_BAD(name_check_dns1123_subdomain, bad);
}

static void test_iana_svc_name(void **state) {
        const char *const good[] = {
                "telnet", "re-mail-ck", "pop3",      "a",    "a-1",
                "1-a",    "a-1-b-2-c",  "1-a-2-b-3", "http", "abcdefghijklmno",
        };
        const BadCase bad[] = {
                {"longerthan15characters", "must be no more than 15 characters"},
                {"", EMPTY},
                {repeat('a', 16), "must be no more than 15 characters"},
                {"12345", "must contain at least one letter (a-z)"},
                {"1-2-3-4", "must contain at least one letter (a-z)"},
                {"-begin", "must not begin or end with a hyphen"},
                {"end-", "must not begin or end with a hyphen"},
                {"two--hyphens", "must not contain consecutive hyphens"},
                {"whois++", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"},
                {"HTTP", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"},
                {"my_port", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"},
                {"--", "must contain at least one letter (a-z)"},
                {"-a--", "must not contain consecutive hyphens"},
        };

        CHECK_GOOD(name_check_iana_svc_name, good);
        CHECK_BAD(name_check_iana_svc_name, bad);
}

static void test_qualified_name(void **state) {
        char long_prefix[300];
        const char *const good[] = {
                "simple",
                "now-with-dashes",
                "1-starts-with-num",
                "1234",
                "simple/simple",
                "now-with-dashes/simple",
                "now-with-dashes/now-with-dashes",
                "now.with.dots/simple",
                "now-with.dashes-and.dots/simple",
                "1-num.2-num/3-num",
                "1234/5678",
                "1.2.3.4/5678",
                "Uppercase_Is_OK_123",
                "example.com/Uppercase_Is_OK_123",
                "requests.storage-foo",
                "app.kubernetes.io/name",
                repeat('a', 63),
                long_prefix,
        };
        const BadCase bad[] = {
                {"nospecialchars%^=@", "name part must consist of alphanumeric characters, '-', '_' or '.'"},
                {"cantendwithadash-", "name part " START_END},
                {"-cantstartwithadash-", "name part " START_END},
                {"only/one/slash", "must be a name with an optional DNS subdomain prefix and a single '/'"},
                {"Example.com/abc", "prefix part " SUBDOMAIN_CHARSET},
                {"example_com/abc", "prefix part " SUBDOMAIN_CHARSET},
                {"example.com/", "name part " EMPTY},
                {"/simple", "prefix part " EMPTY},
                {"", "name part " EMPTY},
                {"a..b/c", "prefix part " SUBDOMAIN_PARTS},
                {"-a/b", "prefix part " START_END},
                {"example.com/_e", "name part " START_END},
                {"example.com/e_", "name part " START_END},
                {"example.com/e?", "name part must consist of alphanumeric characters, '-', '_' or '.'"},
                {repeat('a', 64), "name part " TOO_LONG_63},
                {"x/"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                 "name part " TOO_LONG_63},
                /* Kubernetes reports the prefix before the name. */
                {"Bad/-", "prefix part " SUBDOMAIN_CHARSET},
        };
        char too_long_prefix[300];

        /* 253-character prefix and a 63-character name is the maximum. */
        snprintf(long_prefix, sizeof(long_prefix), "%s/%s", repeat('a', 253), repeat('b', 63));
        CHECK_GOOD(name_check_qualified_name, good);
        CHECK_BAD(name_check_qualified_name, bad);

        snprintf(too_long_prefix, sizeof(too_long_prefix), "%s/abc", repeat('a', 254));
        assert_string_equal(name_check_qualified_name(too_long_prefix), "prefix part " TOO_LONG_253);
}

static void test_label_value(void **state) {
        const char *const good[] = {
                "simple",
                "now-with-dashes",
                "1-starts-with-num",
                "end-with-num-1",
                "1234",
                repeat('a', 63),
                "",
                "Upper_Case.and-more",
                "a",
        };
        const BadCase bad[] = {
                {"nospecialchars%^=@", "must consist of alphanumeric characters, '-', '_' or '.'"},
                {"Tama-nui-te-r\xc4\x81.is.M\xc4\x81ori.sun",
                 "must consist of alphanumeric characters, '-', '_' or '.'"},
                {"\\backslashes\\are\\bad", "must consist of alphanumeric characters, '-', '_' or '.'"},
                {"-starts-with-dash", START_END},
                {"ends-with-dash-", START_END},
                {".starts.with.dot", START_END},
                {"ends.with.dot.", START_END},
                {"_", START_END},
                {"a/b", "must consist of alphanumeric characters, '-', '_' or '.'"},
                {repeat('a', 64), TOO_LONG_63},
        };

        CHECK_GOOD(name_check_label_value, good);
        CHECK_BAD(name_check_label_value, bad);
        assert_null(name_check_label_value(NULL));
}

static void test_env_var_name(void **state) {
        const char *const good[] = {
                "-",    ":",           "_",           "+a",         ">a",  "<a", "a.", "a..", "*a",
                "%a",   "?a",          "a:a",         "a_a",        "aAz", "~a", "|a", "a0a", "a9",
                "/a",   "a ",          "#a",          "0a",         "0 a", "'a", "(a", "@a",  " ",
                "PATH", "MY_ENV.NAME", "my.env-name", "MyEnvName1", "1",   "~",
        };
        const BadCase bad[] = {
                {"", EMPTY},
                {"=", "must not contain '='"},
                {"a=", "must not contain '='"},
                {"1=a", "must not contain '='"},
                {"a=b", "must not contain '='"},
                {"#%=&&", "must not contain '='"},
                {"\x01"
                 "abc",
                 "must consist only of printable ASCII characters"},
                {"\xc2\x82"
                 "abc",
                 "must consist only of printable ASCII characters"},
                {"\xc3\x87 \xc3\xa7", "must consist only of printable ASCII characters"},
                {"\xc3\x84 \xc3\xa4", "must consist only of printable ASCII characters"},
                {"\xc3\x91 \xc3\xb1", "must consist only of printable ASCII characters"},
                {"\xc3\x98 \xc3\xb8", "must consist only of printable ASCII characters"},
                {"a\tb", "must consist only of printable ASCII characters"},
                {"a\x7f", "must consist only of printable ASCII characters"},
                {"a\n=", "must consist only of printable ASCII characters"},
        };

        CHECK_GOOD(name_check_env_var_name, good);
        CHECK_BAD(name_check_env_var_name, bad);
}

static void test_config_map_key(void **state) {
        const char *const good[] = {
                "a",           "good",         "good-good",      "still.good", "this.is.also.good",
                ".so.is.this", "THIS_IS_GOOD", "so_is_this_17",  "-",          "_",
                ".a",          "a..",          repeat('k', 253),
        };
        const BadCase bad[] = {
                {".", "must not be '.'"},
                {"..", "must not be '..'"},
                {"..bad", "must not start with '..'"},
                {"...", "must not start with '..'"},
                {"b*d", "must consist of alphanumeric characters, '-', '_' or '.'"},
                {"bad!&bad", "must consist of alphanumeric characters, '-', '_' or '.'"},
                {"a/b", "must consist of alphanumeric characters, '-', '_' or '.'"},
                {"", EMPTY},
                {repeat('k', 254), TOO_LONG_253},
        };

        CHECK_GOOD(name_check_config_map_key, good);
        CHECK_BAD(name_check_config_map_key, bad);
}

static void test_sysctl_name(void **state) {
        const char *const good[] = {
                "a.b.c.d",
                "a",
                "a_b",
                "a-b",
                "abc",
                "abc.def",
                "a/b/c/d",
                "a/b.c",
                "kernel.shm_rmid_forced",
                "net.ipv4.ip_local_port_range",
                "net/ipv4/conf/eth0.100/forwarding",
                "net.ipv4.conf.eth0/100.forwarding",
                "0",
                repeat('a', 253),
        };
        const BadCase bad[] = {
                {"", EMPTY},
                {"*", "must consist of lower case alphanumeric characters, '-', '_', '.' or '/'"},
                {"ä", "must consist of lower case alphanumeric characters, '-', '_', '.' or '/'"},
                {"Kernel.shm", "must consist of lower case alphanumeric characters, '-', '_', '.' or '/'"},
                {"a b", "must consist of lower case alphanumeric characters, '-', '_', '.' or '/'"},
                {"a_", START_END},
                {"_a", START_END},
                {"_", START_END},
                {"__", START_END},
                {"_a._b", START_END},
                {"-", START_END},
                {".", START_END},
                {"a.", START_END},
                {".a", START_END},
                {"/a", START_END},
                {"a/", START_END},
                {"a.b._c",
                 "must have each part between '.' or '/' start and end with an alphanumeric character"},
                {"a..b",
                 "must have each part between '.' or '/' start and end with an alphanumeric character"},
                {"a./b",
                 "must have each part between '.' or '/' start and end with an alphanumeric character"},
                {"a_.b",
                 "must have each part between '.' or '/' start and end with an alphanumeric character"},
                {"a//b",
                 "must have each part between '.' or '/' start and end with an alphanumeric character"},
                {repeat('a', 254), TOO_LONG_253},
        };

        CHECK_GOOD(name_check_sysctl_name, good);
        CHECK_BAD(name_check_sysctl_name, bad);
}

static void test_ip(void **state) {
        const char *const good[] = {
                "1.2.3.4",
                "10.9.8.7",
                "0.0.0.0",
                "255.255.255.255",
                "127.0.0.1",
                "::",
                "::1",
                "2001:db8::ffff",
                "2001:4860:4860::8888",
                "fe80::1",
                "::ffff:1.2.3.4",
                "1:2:3:4:5:6:7:8",
        };
        const BadCase bad[] = {
                {"", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"1.2.3", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"1.2.3.4.5", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"256.1.1.1", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"010.1.1.1", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {" 1.2.3.4", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"1.2.3.4 ", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"1.2.3.4/32", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"fe80::1%eth0", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"1:2:3:4:5:6:7:8:9", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"2001:db8:::1", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"[::1]", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
                {"localhost", "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"},
        };

        CHECK_GOOD(name_check_ip, good);
        CHECK_BAD(name_check_ip, bad);
}

static void test_relative_path(void **state) {
        const char *const good[] = {
                "",      "foo",       "foo/bar", "foo/bar/", ".",    "./foo",  "..foo",
                "foo..", "foo/..bar", "foo/...", "...",      "a//b", "..data", "foo\\..\\bar",
        };
        const BadCase bad[] = {
                {"/foo", "must be a relative path"},     {"/", "must be a relative path"},
                {"/..", "must be a relative path"},      {"..", "must not contain '..'"},
                {"../foo", "must not contain '..'"},     {"foo/..", "must not contain '..'"},
                {"foo/../bar", "must not contain '..'"}, {"foo/../../..", "must not contain '..'"},
                {"./../x", "must not contain '..'"},
        };

        CHECK_GOOD(name_check_relative_path, good);
        CHECK_BAD(name_check_relative_path, bad);
}

static void test_volume_item_path(void **state) {
        const char *const good[] = {
                "foo", "foo/bar", "key.txt", ".hidden", "foo/..bar", "foo..", "a/b/c", "x/..data",
        };
        const BadCase bad[] = {
                {"", EMPTY},
                {"/foo", "must be a relative path"},
                {"..", "must not contain '..'"},
                {"../foo", "must not contain '..'"},
                {"foo/../bar", "must not contain '..'"},
                {"..data", "must not start with '..'"},
                {"..foo/bar", "must not start with '..'"},
                {"...", "must not start with '..'"},
        };

        CHECK_GOOD(name_check_volume_item_path, good);
        CHECK_BAD(name_check_volume_item_path, bad);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dns1123_label),
                cmocka_unit_test(test_dns1123_subdomain),
                cmocka_unit_test(test_iana_svc_name),
                cmocka_unit_test(test_qualified_name),
                cmocka_unit_test(test_label_value),
                cmocka_unit_test(test_env_var_name),
                cmocka_unit_test(test_config_map_key),
                cmocka_unit_test(test_sysctl_name),
                cmocka_unit_test(test_ip),
                cmocka_unit_test(test_relative_path),
                cmocka_unit_test(test_volume_item_path),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
