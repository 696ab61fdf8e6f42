/* base64 as Kubernetes reads Secret.data and ConfigMap.binaryData: Go's base64.StdEncoding, which
 * encoding/json uses for []byte. Vectors from RFC 4648 section 10; the corrupt-input offsets are Go's
 * own table (encoding/base64 TestDecodeCorrupt), re-expressed here. */

#include <errno.h>
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

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/macro.h"

static void decode_ok(const char *in, const void *want, size_t want_len) {
        char *out = NULL;
        size_t len = SIZE_MAX, bad = SIZE_MAX;
        int r = base64_decode(in, strlen(in), &out, &len, &bad);

        if (r != 0)
                fail_msg("\"%s\": error %d at %zu", in, r, bad);
        assert_int_equal(len, want_len);
        assert_memory_equal(out, want, want_len);
        assert_int_equal(out[len], 0); /* NUL-terminated */
        free(out);
}

static void decode_bad(const char *in, size_t want_offset) {
        char *out = (char *) 0x1;
        size_t len = 777, bad = SIZE_MAX;
        int r = base64_decode(in, strlen(in), &out, &len, &bad);

        if (r != -EINVAL)
                fail_msg("\"%s\": got %d, want -EINVAL", in, r);
        if (bad != want_offset)
                fail_msg("\"%s\": illegal base64 data at input byte %zu, want %zu", in, bad, want_offset);
        /* Out-only parameters are not written on failure. */
        assert_ptr_equal(out, (char *) 0x1);
        assert_int_equal(len, 777);
}

static const struct {
        const char *plain, *encoded;
} rfc4648[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
};

static void test_encode_rfc4648(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(rfc4648); i++) {
                _cleanup_free_ char *s = base64_encode(rfc4648[i].plain, strlen(rfc4648[i].plain));
                assert_non_null(s);
                assert_string_equal(s, rfc4648[i].encoded);
        }
}

static void test_decode_rfc4648(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(rfc4648); i++)
                decode_ok(rfc4648[i].encoded, rfc4648[i].plain, strlen(rfc4648[i].plain));
}

static void test_decode_alphabet(void **state) {
        /* Every character of the standard alphabet, '+' and '/' included (not '-' and '_'). */
        const unsigned char want[] = {0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b, 0x30,
                                      0xd3, 0x8f, 0x41, 0x14, 0x93, 0x51, 0x55, 0x97, 0x61, 0x96,
                                      0x9b, 0x71, 0xd7, 0x9f, 0x82, 0x18, 0xa3, 0x92, 0x59, 0xa7,
                                      0xa2, 0x9a, 0xab, 0xb2, 0xdb, 0xaf, 0xc3, 0x1c, 0xb3, 0xd3,
                                      0x5d, 0xb7, 0xe3, 0x9e, 0xbb, 0xf3, 0xdf, 0xbf};
        const char *all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

        decode_ok(all, want, sizeof(want));
        decode_bad("AB-_", 2);
}

static void test_decode_binary(void **state) {
        decode_ok("AP8A/w==", "\x00\xff\x00\xff", 4);
        decode_ok("AAAA", "\0\0\0", 3);
}

static void test_decode_skips_newlines(void **state) {
        /* Go's decoder drops '\r' and '\n' anywhere, as kubectl-generated Secrets may wrap lines. */
        decode_ok("Zm9v\nYmFy", "foobar", 6);
        decode_ok("Zm9v\r\nYmFy\r\n", "foobar", 6);
        decode_ok("\nZ\nm\n9\nv\n", "foo", 3);
        decode_ok("Zg=\n=", "f", 1);
        decode_ok("\n", "", 0);
        decode_ok("\r\n\r\n", "", 0);
        decode_ok("AAA=\n", "\0\0", 2);
        decode_ok("AAAA\n", "\0\0\0", 3);
        /* Other white space is not skipped: a space is an illegal byte. */
        decode_bad("Zm9v YmFy", 4);
        decode_bad("Zm9v\tYmFy", 4);
}

static void test_decode_corrupt_offsets(void **state) {
        /* Go's TestDecodeCorrupt, the cases we agree on. */
        decode_bad("!!!!", 0);
        decode_bad("====", 0);
        decode_bad("x===", 1);
        decode_bad("=AAA", 0);
        decode_bad("A=AA", 1);
        decode_bad("AA==A", 4);
        decode_bad("AAA=AAAA", 4);
        decode_bad("AAAAA", 4);
        decode_bad("A=", 1);
        decode_bad("A==", 1);
        decode_bad("A!\n", 1);
        decode_bad("A=\n", 1);
        decode_ok("", "", 0);
        decode_ok("AA==", "\0", 1);
        decode_ok("AAA=", "\0\0", 2);
        /* Offsets count newlines too: they are bytes of the input. */
        decode_bad("Zm9v\n\n!", 6);
        decode_bad("Zm9v\nYm!y", 7);
}

static void test_decode_padding_errors(void **state) {
        /* Missing padding is an error (StdEncoding pads), and so is padding in the middle. */
        decode_bad("Zm9vYmE=Zm9v", 8);
        decode_bad("Zg==Zg==", 4);
        decode_bad("=", 0);
}

/* KNOWN BUG (src/common/base64.c, base64_decode): where the input ends inside a quantum or the padding
 * is wrong, the offset is that of the last character read, where Go reports the start of the
 * unfinished quantum ("AAAAAA": 4, "Zg": 0), the end of the input when a second '=' is missing ("AA=": 3,
 * "AAAAAA=": 7), the first '=' when a data character follows one '=' ("AA=A": 2), and the first byte
 * after complete padding for surplus '=' ("YWJjZA=====": 8). Kubernetes prints Go's offset in "illegal
 * base64 data at input byte N", so skiff's message points elsewhere. */
static void test_decode_corrupt_offsets_go_end_of_input(void **state) {
        decode_bad("AAAAAA", 4);
        decode_bad("AA=", 3);
        decode_bad("AAAAAA=", 7);
        decode_bad("AA=A", 2);
        decode_bad("YWJjZA=====", 8);
        decode_bad("Zg", 0);
}

/* KNOWN BUG (src/common/base64.c, base64_decode): Go's base64.StdEncoding is not Strict(), so it
 * ignores non-zero bits after the last full byte ("YR==" is "a", like "YQ=="); encoding/json decodes
 * []byte with it, so Kubernetes accepts such Secret data. skiff rejects them with -EINVAL. */
static void test_decode_nonzero_trailing_bits_accepted(void **state) {
        decode_ok("YR==", "a", 1);
        decode_ok("YWJ=", "ab", 2);
        decode_ok("Zm9vYmF=", "fooba", 5);
}

static void test_decode_strict_padding_bits_canonical(void **state) {
        /* The canonical forms decode whatever the policy on trailing bits. */
        decode_ok("YQ==", "a", 1);
        decode_ok("YWI=", "ab", 2);
}

static void test_decode_null_offset_pointer(void **state) {
        char *out = NULL;
        size_t len = 0;

        assert_int_equal(base64_decode("!!!!", 4, &out, &len, NULL), -EINVAL);
        assert_null(out);
}

static void test_decode_length_not_nul(void **state) {
        /* len bounds the input: nothing after it is read, and it need not be NUL-terminated. */
        const char buf[] = {'Z', 'm', '9', 'v', '!', '!'};
        char *out = NULL;
        size_t len = 0;

        assert_int_equal(base64_decode(buf, 4, &out, &len, NULL), 0);
        assert_int_equal(len, 3);
        assert_string_equal(out, "foo");
        free(out);
}

static void test_round_trip(void **state) {
        unsigned char data[300];

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (unsigned char) (i * 7 + 3);
        for (size_t n = 0; n <= sizeof(data); n++) {
                _cleanup_free_ char *enc = base64_encode(data, n), *dec = NULL;
                size_t len = 0;

                assert_non_null(enc);
                assert_int_equal(strlen(enc), (n + 2) / 3 * 4);
                assert_int_equal(base64_decode(enc, strlen(enc), &dec, &len, NULL), 0);
                assert_int_equal(len, n);
                if (n)
                        assert_memory_equal(dec, data, n);
        }
}

static void test_encode_all_bytes(void **state) {
        unsigned char all[256];
        _cleanup_free_ char *enc = NULL, *dec = NULL;
        size_t len = 0;

        for (size_t i = 0; i < 256; i++)
                all[i] = (unsigned char) i;
        enc = base64_encode(all, sizeof(all));
        assert_non_null(enc);
        assert_int_equal(strlen(enc), 344);
        assert_memory_equal(enc, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", 44);
        assert_string_equal(enc + 336, "/P3+/w==");
        assert_int_equal(base64_decode(enc, strlen(enc), &dec, &len, NULL), 0);
        assert_int_equal(len, 256);
        assert_memory_equal(dec, all, 256);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encode_rfc4648),
                cmocka_unit_test(test_decode_rfc4648),
                cmocka_unit_test(test_decode_alphabet),
                cmocka_unit_test(test_decode_binary),
                cmocka_unit_test(test_decode_skips_newlines),
                cmocka_unit_test(test_decode_corrupt_offsets),
                cmocka_unit_test(test_decode_padding_errors),
                cmocka_unit_test(test_decode_corrupt_offsets_go_end_of_input),
                cmocka_unit_test(test_decode_nonzero_trailing_bits_accepted),
                cmocka_unit_test(test_decode_strict_padding_bits_canonical),
                cmocka_unit_test(test_decode_null_offset_pointer),
                cmocka_unit_test(test_decode_length_not_nul),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_encode_all_bytes),
        };

        return unit_run_tests("tests", tests, ELEMENTSOF(tests));
}
