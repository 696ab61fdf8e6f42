/* Cases follow k8s.io/apimachinery/pkg/api/resource/quantity_test.go (TestQuantityParse,
 * TestQuantityCmp, TestQuantityCmpInt64AndDec, TestQuantityParseEmit, TestScaledValue), re-expressed
 * as our own tables, plus the scanner quirks found by reading quantity.go and suffix.go. */

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/macro.h"
#include "play/quantity.h"

typedef unsigned __int128 u128;

/* hi * 10^19 + lo, for mantissas wider than 64 bits. */
#define WIDE(hi, lo) ((u128) (hi##ULL) * 10000000000000000000ULL + (lo##ULL))

static const char *u128_str(u128 v, char buf[static 41]) {
        char *p = buf + 40;

        *p = 0;
        do {
                *--p = (char) ('0' + (int) (v % 10));
                v /= 10;
        } while (v != 0);
        return p;
}

static Quantity parse_ok(const char *s) {
        Quantity q = {};
        const char *reason = NULL;
        int r;

        r = quantity_parse(s, &q, &reason);
        if (r != 0)
                fail_msg("\"%s\": unexpected error %d (%s)", s, r, reason ?: "no reason");
        return q;
}

/* Checks the canonical form exactly: sign, mantissa without trailing zeros, exp10, exp2 == 0. */
static void check_exact(const char *s, bool negative, u128 mantissa, int exp10) {
        Quantity q = parse_ok(s);
        char b1[41], b2[41];

        if (q.negative != negative || q.mantissa != mantissa || q.exp10 != exp10 || q.exp2 != 0)
                fail_msg("\"%s\": got %s%se%d (exp2 %d), want %s%se%d", s, q.negative ? "-" : "",
                         u128_str(q.mantissa, b1), q.exp10, q.exp2, negative ? "-" : "",
                         u128_str(mantissa, b2), exp10);
}

typedef struct ParseCase {
        const char *in;
        u128 mantissa;
        int exp10;
} ParseCase;

/* TestQuantityParse's table, in canonical form (trailing zeros folded into the exponent). */
static const ParseCase k8s_parse_cases[] = {
        {"0", 0, 0},
        {"0n", 0, 0},
        {"0u", 0, 0},
        {"0m", 0, 0},
        {"0Ki", 0, 0},
        {"0k", 0, 0},
        {"0Mi", 0, 0},
        {"0M", 0, 0},
        {"0Gi", 0, 0},
        {"0G", 0, 0},
        {"0Ti", 0, 0},
        {"0T", 0, 0},

        /* Quantity-less numbers */
        {"1", 1, 0},

        /* Binary suffixes */
        {"1Ki", 1024, 0},
        {"8Ki", 8192, 0},
        {"7Mi", 7340032, 0},
        {"6Gi", 6442450944, 0},
        {"5Ti", 549755813888, 1},
        {"4Pi", 4503599627370496, 0},
        {"3Ei", 3458764513820540928, 0},
        {"10Ti", 1099511627776, 1},
        {"100Ti", 1099511627776, 2},

        /* Decimal suffixes */
        {"5n", 5, -9},
        {"4u", 4, -6},
        {"3m", 3, -3},
        {"9", 9, 0},
        {"8k", 8, 3},
        {"50k", 5, 4},
        {"7M", 7, 6},
        {"6G", 6, 9},
        {"5T", 5, 12},
        {"40T", 4, 13},
        {"300T", 3, 14},
        {"2P", 2, 15},
        {"1E", 1, 18},

        /* Decimal exponents */
        {"1E-3", 1, -3},
        {"1e3", 1, 3},
        {"1E6", 1, 6},
        {"1e9", 1, 9},
        {"1E12", 1, 12},
        {"1e15", 1, 15},
        {"1E18", 1, 18},

        /* Non-standard but parsable */
        {"1e14", 1, 14},
        {"1e13", 1, 13},
        {"100.035k", 100035, 0},

        /* Things that look like floating point */
        {"0.001", 1, -3},
        {"0.0005k", 5, -1},
        {"0.005", 5, -3},
        {"0.05", 5, -2},
        {"0.5", 5, -1},
        {"0.00050k", 5, -1},
        {"0.00500", 5, -3},
        {"0.05000", 5, -2},
        {"0.50000", 5, -1},
        {"0.5e0", 5, -1},
        {"0.5e-1", 5, -2},
        {"0.5e-2", 5, -3},
        {"10.035M", 10035, 3},
        {"1.2e3", 12, 2},
        {"1.3E+6", 13, 5},
        {"1.40e9", 14, 8},
        {"1.53E12", 153, 10},
        {"1.6e15", 16, 14},
        {"1.7E18", 17, 17},
        {"9.01", 901, -2},
        {"8.1k", 81, 2},
        {"7.123456M", 7123456, 0},
        {"6.987654321G", 6987654321, 0},
        {"5.444T", 5444, 9},
        {"40.1T", 401, 11},
        {"300.2T", 3002, 11},
        {"2.5P", 25, 14},
        {"1.01E", 101, 16},

        /* Things that saturate or round */
        {"3.001n", 4, -9},
        {"1.1E-9", 2, -9},
        {"0.0000000001", 1, -9},
        {"0.0000000005", 1, -9},
        {"0.00000000050", 1, -9},
        {"0.5e-9", 1, -9},
        {"0.9n", 1, -9},
        {"0.00000012345", 124, -9},
        {"0.00000012354", 124, -9},
        {"9Ei", INT64_MAX, 0},
        {"9223372036854775807Ki", INT64_MAX, 0},
        {"12E", 12, 18},

        /* Fractional binary values */
        {"100.035Ki", 10243584, -2},
        {"0.5Mi", 524288, 0},
        {"0.05Gi", 536870912, -1},
        {"0.025Ti", 274877906944, -1},

        /* "Things written by trolls" */
        {"0.000000000001Ki", 2, -9},
        {".001", 1, -3},
        {".0001k", 1, -1},
        {"1.", 1, 0},
        {"1.G", 1, 9},
};

/* What ParseQuantity's scanner accepts beyond the documented grammar, and other edges. */
static const ParseCase quirk_parse_cases[] = {
        {"1.5Gi", 1610612736, 0},
        {"500m", 5, -1},
        {"128Mi", 134217728, 0},
        {"0.1m", 1, -4},
        {".5", 5, -1},
        {"5.", 5, 0},
        {"00.5", 5, -1},
        {"1.1Ki", 11264, -1},
        {"0Ei", 0, 0},
        {"00Ei", 0, 0},
        /* No digits at all: 0 on Kubernetes' int64 fast path. */
        {"Mi", 0, 0},
        {"Ki", 0, 0},
        {"Ti", 0, 0},
        {"k", 0, 0},
        {"m", 0, 0},
        {"n", 0, 0},
        {"E", 0, 0},
        {"e5", 0, 0},
        {"e-9", 0, 0},
        {".", 0, 0},
        {".Gi", 0, 0},
        /* "E" is exa; "e"/"E" with digits is an exponent, sign and leading zeros allowed. */
        {"1e+3", 1, 3},
        {"1E+3", 1, 3},
        {"1e03", 1, 3},
        {"1e-0", 1, 0},
        {"1e000000000000000000000000003", 1, 3},
        /* The exponent is an int64 truncated to int32. */
        {"1e4294967296", 1, 0},
        {"1e4294967299", 1, 3},
        {"1e-4294967295", 1, 1},
        {"1e9223372036854775807", 1, -1},
        {"1e-9223372036854775808", 1, 0},
        /* Nano rounding with digits above and below the boundary. */
        {"1.0000000001", 1000000001, -9},
        {"1.0000000000000000001Ki", 1024000000001, -9},
        {"0.0000000000000000000000000000000000000000000000001", 1, -9},
        {"1e-100", 1, -9},
        {"999999999.9999999999", 1, 9},
        /* Decimal values are not capped, binary ones are; 8Ei is 2^63. */
        {"1e100", 1, 100},
        {"9223372036854775808", 9223372036854775808ULL, 0},
        {"8Ei", INT64_MAX, 0},
        {"7.99999999999999999999Ei", INT64_MAX, 0},
        {"9223372036854775807.000000001Ki", INT64_MAX, 0},
        /* 2^63 - 2^50/10^15 = 9223372036854775806.874100093157376, rounded up to nano units */
        {"8191.999999999999999Pi", WIDE(922337203, 6854775806874100094), -9},
        /* More than 38 significant digits: rounded up in magnitude to 38. */
        {"12345678901234567890123456789012345678901234567890", WIDE(1234567890123456789, 123456789012345679),
         12},
        {"123456789012345678901234567890.123456789", WIDE(1234567890123456789, 123456789012345679), -8},
        {"99999999999999999999999999999999999999.5", 1, 38},
};

static void check_case_with_signs(const char *in, u128 mantissa, int exp10) {
        char buf[128];

        check_exact(in, false, mantissa, exp10);

        /* As TestQuantityParse does: every case again with an explicit '-' and '+'. Zero has no
         * sign. */
        snprintf(buf, sizeof(buf), "-%s", in);
        check_exact(buf, mantissa != 0, mantissa, exp10);
        snprintf(buf, sizeof(buf), "+%s", in);
        check_exact(buf, false, mantissa, exp10);
}

static void test_parse_k8s_table(void **state) {
        for (__typeof__(&k8s_parse_cases[0]) c = k8s_parse_cases;
             c < k8s_parse_cases + ELEMENTSOF(k8s_parse_cases); c++)
                check_case_with_signs(c->in, c->mantissa, c->exp10);
}

static void test_parse_quirks(void **state) {
        for (__typeof__(&quirk_parse_cases[0]) c = quirk_parse_cases;
             c < quirk_parse_cases + ELEMENTSOF(quirk_parse_cases); c++)
                check_case_with_signs(c->in, c->mantissa, c->exp10);

        /* A sign on its own, or on nothing but a point, is a number without digits, i.e. 0. */
        check_exact("-", false, 0, 0);
        check_exact("+", false, 0, 0);
        check_exact("-.", false, 0, 0);
        check_exact("-0", false, 0, 0);
        check_exact("-000.000", false, 0, 0);
}

typedef struct InvalidCase {
        const char *in;
        const char *reason_prefix;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
        /* TestQuantityParse's invalid list */
        {"", "must not be empty"},
        {"1.1.M", "must be a number"},
        {"1+1.0M", "must be a number"},
        {"0.1mi", "unknown suffix"},
        {"0.1am", "must be a number"},
        {"aoeu", "must be a number"},
        {".5i", "unknown suffix"},
        {"1i", "unknown suffix"},
        {"-3.01i", "unknown suffix"},
        {"-3.01e-", "unknown suffix"},
        {" 1", "must be a number"},
        {"1 ", "must be a number"},
        /* Others */
        {"1Gb", "must be a number"},
        {"1GB", "must be a number"},
        {"1KB", "must be a number"},
        {"1gi", "must be a number"},
        {"1 Mi", "must be a number"},
        {"1.2.3", "must be a number"},
        {"1e5e", "must be a number"},
        {"1e3.5", "must be a number"},
        {"0x10", "must be a number"},
        {"1,5", "must be a number"},
        {"1\n", "must be a number"},
        {"\xd9\xa1", "must be a number"}, /* ARABIC-INDIC DIGIT ONE */
        {"1e", "unknown suffix"},
        {"1ee", "unknown suffix"},
        {"1e-", "unknown suffix"},
        {"1e+", "unknown suffix"},
        {"1Ee3", "unknown suffix"},
        {"1k5", "unknown suffix"},
        {"1Mi5", "unknown suffix"},
        {"1mM", "unknown suffix"},
        {"1-", "unknown suffix"},
        {"1+5", "unknown suffix"},
        {"--1", "unknown suffix"},
        {"+-1", "unknown suffix"},
        {"1e99999999999999999999", "exponent out of range"},
        {"1e9223372036854775808", "exponent out of range"},
        {"1e-9223372036854775809", "exponent out of range"},
        /* Digit-less numbers where Kubernetes takes its inf.Dec path */
        {"Pi", "number has no digits"},
        {"Ei", "number has no digits"},
        {"-Pi", "number has no digits"},
        {".Ei", "number has no digits"},
        {"e-10", "number has no digits"},
        {".e-10", "number has no digits"},
};

static void test_parse_invalid(void **state) {
        for (__typeof__(&invalid_cases[0]) c = invalid_cases; c < invalid_cases + ELEMENTSOF(invalid_cases);
             c++) {
                Quantity q = {.mantissa = 4242, .exp10 = 7};
                const char *reason = NULL;
                int r;

                r = quantity_parse(c->in, &q, &reason);
                if (r != -EINVAL)
                        fail_msg("\"%s\": got %d, want -EINVAL", c->in, r);
                if (!reason || strncmp(reason, c->reason_prefix, strlen(c->reason_prefix)) != 0)
                        fail_msg("\"%s\": reason \"%s\", want \"%s…\"", c->in, reason ?: "(null)",
                                 c->reason_prefix);
                /* ret is written only on success */
                assert_true(q.mantissa == 4242 && q.exp10 == 7);

                /* ret_reason is optional */
                assert_int_equal(quantity_parse(c->in, &q, NULL), -EINVAL);
        }
}

typedef struct ValueCase {
        const char *in;
        int64_t value;
        int64_t milli;
} ValueCase;

static const ValueCase value_cases[] = {
        {"0", 0, 0},
        {"1", 1, 1000},
        {"1.5Gi", 1610612736, 1610612736000},
        {"500m", 1, 500},
        {"0.5", 1, 500},
        {"1e3", 1000, 1000000},
        {"1G", 1000000000, 1000000000000},
        {"128Mi", 134217728, 134217728000},
        {"0.1m", 1, 1},
        {"1Ki", 1024, 1024000},
        {"1.1Ki", 1127, 1126400},
        {"100m", 1, 100},
        {"1001m", 2, 1001},
        {"1n", 1, 1},
        {"3.001n", 1, 1},
        {"1e-3", 1, 1},
        {"1.0001", 2, 1001},
        {"4Pi", 4503599627370496, 4503599627370496000},
        {"8Pi", 9007199254740992, 9007199254740992000},
        {"1000000000000000000e-17", 10, 10000},
        {"1e4294967296", 1, 1000},
        /* Negative values round away from zero, as int64Amount.AsScaledInt64() does. */
        {"-1", -1, -1000},
        {"-1.5", -2, -1500},
        {"-0.0001", -1, -1},
        {"-1001m", -2, -1001},
        {"-1e-100", -1, -1},
        {"1e-100", 1, 1},
        /* Saturation */
        {"9223372036854775807", INT64_MAX, INT64_MAX},
        {"9223372036854775808", INT64_MAX, INT64_MAX},
        {"9223372036854775807.5", INT64_MAX, INT64_MAX},
        {"-9223372036854775808", INT64_MIN, INT64_MIN},
        {"-9223372036854775809", INT64_MIN, INT64_MIN},
        {"9223372036854775.807", 9223372036854776, INT64_MAX},
        {"9223372036854775.8071", 9223372036854776, INT64_MAX},
        {"9223372036854775.806", 9223372036854776, 9223372036854775806},
        {"-9223372036854775.808", -9223372036854776, INT64_MIN},
        {"9Pi", 10133099161583616, INT64_MAX},
        {"1e18", 1000000000000000000, INT64_MAX},
        {"10E", INT64_MAX, INT64_MAX},
        {"-10E", INT64_MIN, INT64_MIN},
        {"1e100", INT64_MAX, INT64_MAX},
        {"-1e100", INT64_MIN, INT64_MIN},
        /* Binary values are capped at 2^63-1 when parsed, on both sides. */
        {"8Ei", INT64_MAX, INT64_MAX},
        {"-8Ei", -INT64_MAX, INT64_MIN},
        {"12345678901234567890123456789012345678901234567890", INT64_MAX, INT64_MAX},
};

static void test_value_and_milli(void **state) {
        for (__typeof__(&value_cases[0]) c = value_cases; c < value_cases + ELEMENTSOF(value_cases); c++) {
                Quantity q = parse_ok(c->in);
                int64_t v = quantity_value(&q), mv = quantity_milli_value(&q);

                if (v != c->value)
                        fail_msg("\"%s\": value %" PRId64 ", want %" PRId64, c->in, v, c->value);
                if (mv != c->milli)
                        fail_msg("\"%s\": milli %" PRId64 ", want %" PRId64, c->in, mv, c->milli);
        }
}

/* TestScaledValue: 1 at one scale, read at another, rounds up. */
static void test_scaled_value(void **state) {
        static const struct {
                const char *in;
                int64_t value, milli;
        } cases[] = {
                {"1n", 1, 1},   {"1u", 1, 1},         {"1m", 1, 1},
                {"1", 1, 1000}, {"1e2", 100, 100000}, {"1e-2", 1, 10},
        };

        for (__typeof__(&cases[0]) c = cases; c < cases + ELEMENTSOF(cases); c++) {
                Quantity q = parse_ok(c->in);

                assert_int_equal(quantity_value(&q), c->value);
                assert_int_equal(quantity_milli_value(&q), c->milli);
        }
}

typedef struct CmpCase {
        const char *a, *b;
        int expect;
} CmpCase;

static const CmpCase cmp_cases[] = {
        /* TestQuantityCmp */
        {"0", "0", 0},
        {"100m", "50m", 1},
        {"50m", "100m", -1},
        {"10000T", "100Gi", 1},
        /* TestQuantityCmpInt64AndDec, written as strings */
        {"9.01", "9.01", 0},
        {"9.0", "9.01", -1},
        {"9.01", "9.00", 1},
        {"0e1", "0e-1", 0},
        {"800m", "1", -1},
        {"800m", "0.79", 1},
        {"9223372036854775807", "0.1", 1},
        {"9223372036854775807e1", "1", 1},
        {"9223372036854775807e1", "1e1", 1},
        {"9223372036854775807e-16", "1e3", -1},
        {"-9223372036854775808", "0", -1},
        {"-9223372036854775808e-18", "-1", -1},
        {"-9223372036854775808e-19", "-1", 1},
        {"1000000000000000000e-17", "1e1", 0},
        {"1000000000000000000e-17", "-10", 1},
        {"-1000000000000000000e-17", "-10", 0},
        {"1000000000000000000e-17", "1", 1},
        {"1000000000000000001e-17", "1e1", 1},
        /* Unlike the int64Amount in the Kubernetes table, a parsed 9.99999999999999999 is rounded up
         * to nano units first, which makes it 10. */
        {"999999999999999999e-17", "1e1", 0},
        {"9.999999999", "1e1", -1},
        /* Others */
        {"1Ki", "1024", 0},
        {"1k", "1Ki", -1},
        {"1.5Gi", "1536Mi", 0},
        {"1Gi", "1024Mi", 0},
        {"1000M", "1G", 0},
        {".001Ki", "1024m", 0},
        {".000000001Ki", "1024n", 0},
        {".000000000001Ki", "2n", 0},
        {"-1", "1", -1},
        {"-2", "-1", -1},
        {"-0", "0", 0},
        {"-1m", "0", -1},
        {"1", "-1e100", 1},
        {"9Ei", "9223372036854775807", 0},
        {"9Ei", "8Ei", 0},
        {"-9Ei", "-8Ei", 0},
        {"1e19", "9Ei", 1},
        {"1E", "1e18", 0},
        {"0.1n", "1n", 0},
        {"1e100", "1e99", 1},
        {"-1e100", "-1e99", -1},
        {"1e-2147483648", "1n", 0},
        {"0.9", "1", -1},
        {"10", "9.99999", 1},
        {"1.5", "1.50000", 0},
        {"123", "1.23e2", 0},
        {"1", "1.000000001", -1},
        {"1", "1.0000000001", -1},
        {"1.0000000001", "1.000000001", 0},
        {"Mi", "0", 0},
        {"12345678901234567890123456789012345678901234567890",
         "12345678901234567890123456789012345679000000000000", 0},
        {"12345678901234567890123456789012345678901234567890", "1.2345678901234567890123456789012345678e49",
         1},
};

static void test_cmp(void **state) {
        for (__typeof__(&cmp_cases[0]) c = cmp_cases; c < cmp_cases + ELEMENTSOF(cmp_cases); c++) {
                Quantity a = parse_ok(c->a), b = parse_ok(c->b);
                int r1 = quantity_cmp(&a, &b), r2 = quantity_cmp(&b, &a);

                if ((r1 > 0) - (r1 < 0) != c->expect)
                        fail_msg("cmp(%s, %s) = %d, want %d", c->a, c->b, r1, c->expect);
                if ((r2 > 0) - (r2 < 0) != -c->expect)
                        fail_msg("cmp(%s, %s) = %d, want %d", c->b, c->a, r2, -c->expect);
                assert_int_equal(quantity_cmp(&a, &a), 0);
        }
}

static void test_is_zero(void **state) {
        static const char *const zero[] = {"0", "-0", "+0", "0Ki", "0.0", "0e100", "Mi", "-", "."};
        static const char *const nonzero[] = {"1n", "0.0000000001", "-1", "1e-100", "-1e-100", "1Ei"};

        for (__typeof__(&zero[0]) s = zero; s < zero + ELEMENTSOF(zero); s++) {
                Quantity q = parse_ok(*s);

                if (!quantity_is_zero(&q))
                        fail_msg("\"%s\" should be zero", *s);
                assert_false(q.negative);
        }
        for (__typeof__(&nonzero[0]) s = nonzero; s < nonzero + ELEMENTSOF(nonzero); s++) {
                Quantity q = parse_ok(*s);

                if (quantity_is_zero(&q))
                        fail_msg("\"%s\" should not be zero", *s);
        }
}

/* Hand-built values may use exp2; the functions fold it in exactly. */
static void test_exp2(void **state) {
        Quantity mi64 = {.mantissa = 64, .exp2 = 20};
        Quantity half = {.mantissa = 1, .exp2 = -1};
        Quantity three_fifths = {.mantissa = 3, .exp10 = -1, .exp2 = 1};
        Quantity neg_gi = {.negative = true, .mantissa = 3, .exp2 = 29}; /* -1.5Gi */
        Quantity huge = {.mantissa = 1, .exp2 = 200};
        Quantity tiny = {.mantissa = 1, .exp2 = -200};
        Quantity q;

        assert_int_equal(quantity_value(&mi64), 67108864);
        q = parse_ok("64Mi");
        assert_int_equal(quantity_cmp(&mi64, &q), 0);

        assert_int_equal(quantity_value(&half), 1);
        assert_int_equal(quantity_milli_value(&half), 500);
        q = parse_ok("500m");
        assert_int_equal(quantity_cmp(&half, &q), 0);

        assert_int_equal(quantity_value(&three_fifths), 1);
        assert_int_equal(quantity_milli_value(&three_fifths), 600);

        q = parse_ok("-1.5Gi");
        assert_int_equal(quantity_cmp(&neg_gi, &q), 0);
        assert_int_equal(quantity_value(&neg_gi), -1610612736);

        assert_int_equal(quantity_value(&huge), INT64_MAX);
        q = parse_ok("1e60");
        assert_true(quantity_cmp(&huge, &q) > 0); /* 2^200 ~ 1.6e60 */
        q = parse_ok("2e60");
        assert_true(quantity_cmp(&huge, &q) < 0);

        assert_int_equal(quantity_value(&tiny), 1);
        assert_int_equal(quantity_milli_value(&tiny), 1);
        /* 2^-200 ~ 6.2e-61; parsing cannot produce that (it would round to 1n), so build the bounds. */
        q = (Quantity){.mantissa = 6, .exp10 = -61};
        assert_true(quantity_cmp(&tiny, &q) > 0);
        q = (Quantity){.mantissa = 623, .exp10 = -63};
        assert_true(quantity_cmp(&tiny, &q) < 0);
        q = (Quantity){.mantissa = 622, .exp10 = -63};
        assert_true(quantity_cmp(&tiny, &q) > 0);
        assert_false(quantity_is_zero(&tiny));
}

static void test_bad_arguments(void **state) {
        Quantity q;

        assert_int_equal(quantity_parse(NULL, &q, NULL), -EINVAL);
        assert_int_equal(quantity_parse("1", NULL, NULL), -EINVAL);
}

/* Long inputs go through the exact arithmetic without losing anything that matters. */
static void test_long_inputs(void **state) {
        char buf[4096];
        Quantity q;

        /* 1 followed by 3000 zeros after the point, then 1: rounds up to 1.000000001. */
        memset(buf, '0', sizeof(buf));
        memcpy(buf, "1.", 2);
        buf[3002] = '1';
        buf[3003] = 0;
        check_exact(buf, false, 1000000001, -9);

        /* 3000 nines of fraction: just below 1, rounds up to 1 exactly. */
        memset(buf, '9', sizeof(buf));
        memcpy(buf, "0.", 2);
        buf[3002] = 0;
        check_exact(buf, false, 1, 0);

        /* 4000 integer digits: far beyond int64, rounded to 38 significant digits. */
        memset(buf, '1', sizeof(buf));
        buf[4000] = 0;
        q = parse_ok(buf);
        assert_true(q.mantissa == WIDE(1111111111111111111, 1111111111111111112));
        assert_int_equal(q.exp10, 4000 - 38);
        assert_int_equal(quantity_value(&q), INT64_MAX);

        /* Same with a binary suffix: capped. */
        strcpy(buf + 3000, "Ki");
        check_exact(buf, false, INT64_MAX, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_k8s_table), cmocka_unit_test(test_parse_quirks),
                cmocka_unit_test(test_parse_invalid),   cmocka_unit_test(test_value_and_milli),
                cmocka_unit_test(test_scaled_value),    cmocka_unit_test(test_cmp),
                cmocka_unit_test(test_is_zero),         cmocka_unit_test(test_exp2),
                cmocka_unit_test(test_bad_arguments),   cmocka_unit_test(test_long_inputs),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
