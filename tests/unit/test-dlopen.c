/* common/dlopen-util: a library loaded on first use reports a missing library or symbol in one clear
 * line naming the soname, the symbol and what needs it, and keeps reporting it; and the real sonames
 * skiff loads (libarchive.so.13, libcurl.so.4) load and resolve on this system. */

#include <errno.h>
#include <pthread.h>
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

#include "unit-test.h"

#include "common/cleanup.h"
#include "common/dlopen-util.h"
#include "common/macro.h"
#include "image/dlopen-archive.h"
#include "registry/dlopen-curl.h"

static typeof(strlen) *sym_strlen;
static typeof(getpid) *sym_getpid;
static void (*sym_skiff_no_such_symbol)(void);

static void test_missing_library(void **state) {
        static const DlopenSymbol syms[] = {DLOPEN_SYMBOL(strlen)};
        static DlopenLibrary lib =
                DLOPEN_LIBRARY_INIT("libskiff-bogus.so.7", "test lazy loading", "skiff-bogus7", syms);
        _cleanup_free_ char *err = NULL;

        assert_int_equal(dlopen_library(&lib, &err), -ELIBACC);
        assert_non_null(err);
        assert_string_equal(err, "libskiff-bogus.so.7: cannot open shared object file: No such file or "
                                 "directory (needed to test lazy loading; install skiff-bogus7)");
        assert_null(sym_strlen);

        /* Every later call gives the same error again (a new copy, the old one freed), without NULL. */
        assert_int_equal(dlopen_library(&lib, &err), -ELIBACC);
        assert_non_null(strstr(err, "libskiff-bogus.so.7: cannot open shared object file"));
        assert_int_equal(dlopen_library(&lib, NULL), -ELIBACC);
}

static void test_missing_symbol(void **state) {
        /* A real library without one of the symbols: nothing stays half-resolved. */
        static const DlopenSymbol syms[] = {DLOPEN_SYMBOL(strlen), DLOPEN_SYMBOL(skiff_no_such_symbol)};
        static DlopenLibrary lib = DLOPEN_LIBRARY_INIT("libc.so.6", "test lazy loading", "libc6", syms);
        _cleanup_free_ char *err = NULL;

        assert_int_equal(dlopen_library(&lib, &err), -ELIBBAD);
        assert_non_null(err);
        assert_string_equal(err, "libc.so.6: undefined symbol skiff_no_such_symbol (needed to test lazy "
                                 "loading; install libc6)");
        assert_null(sym_strlen);
        assert_null(sym_skiff_no_such_symbol);
}

static void test_loads(void **state) {
        static const DlopenSymbol syms[] = {DLOPEN_SYMBOL(strlen), DLOPEN_SYMBOL(getpid)};
        static DlopenLibrary lib = DLOPEN_LIBRARY_INIT("libc.so.6", "test lazy loading", "libc6", syms);
        char *err = NULL;

        assert_int_equal(dlopen_library(&lib, &err), 0);
        assert_null(err);
        assert_non_null(sym_strlen);
        assert_int_equal(sym_strlen("skiff"), 5);
        assert_int_equal(sym_getpid(), getpid());
        assert_int_equal(dlopen_library(&lib, &err), 0);
}

static DlopenLibrary threaded_lib;
static const DlopenSymbol threaded_syms[] = {DLOPEN_SYMBOL(getpid)};

static void *load_thread(void *userdata) {
        return (void *) (intptr_t) dlopen_library(&threaded_lib, NULL);
}

static void test_threads(void **state) {
        pthread_t t[8];

        threaded_lib = (DlopenLibrary) DLOPEN_LIBRARY_INIT("libc.so.6", "test", "libc6", threaded_syms);
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                assert_int_equal(pthread_create(&t[i], NULL, load_thread, NULL), 0);
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                void *r;
                assert_int_equal(pthread_join(t[i], &r), 0);
                assert_int_equal((intptr_t) r, 0);
        }
        assert_int_equal(sym_getpid(), getpid());
}

static void test_real_libraries(void **state) {
        /* The sonames and symbol lists skiff uses, against the libraries installed (Debian 12:
         * libarchive13, libcurl4). A wrong soname or a symbol the library lacks fails here, not at a
         * user's first pull. */
        _cleanup_free_ char *err = NULL;

        if (dlopen_libarchive(&err) < 0)
                fail_msg("%s", err);
        assert_non_null(sym_archive_read_new);
        assert_non_null(sym_archive_write_set_format_pax_restricted);
        /* The mapped names are the pointers: the call below goes through sym_archive_read_new. */
        struct archive *a = archive_read_new();
        assert_non_null(a);
        assert_int_equal(archive_read_free(a), ARCHIVE_OK);

        if (dlopen_libcurl(&err) < 0)
                fail_msg("%s", err);
        assert_non_null(sym_curl_multi_poll);
        assert_string_equal(curl_easy_strerror(CURLE_OK), "No error");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_missing_library),
                cmocka_unit_test(test_missing_symbol),
                cmocka_unit_test(test_loads),
                cmocka_unit_test(test_threads),
                cmocka_unit_test(test_real_libraries),
        };

        return unit_run_tests("tests", tests, ELEMENTSOF(tests));
}
