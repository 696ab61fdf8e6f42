#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/macro.h"
#include "play/quantity.h"

typedef unsigned __int128 u128;

#define U128_MAX (~(u128) 0)
#define MANTISSA_DIGITS_MAX 38
/* Kubernetes keeps no precision below 10^-9 (resource.Nano). */
#define NANO_EXP10 (-9)

#define REASON_EMPTY "must not be empty"
#define REASON_FORMAT                                                                                      \
        "must be a number followed by an optional suffix (n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, " \
        "Ei or an exponent such as e3)"
#define REASON_SUFFIX                                                                                     \
        "unknown suffix (expected n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such " \
        "as e3)"
#define REASON_EXPONENT "exponent out of range"
#define REASON_NUMERIC "number has no digits"

static const struct {
        const char *name;
        bool binary;
        int exponent;
} suffixes[] = {
        {"", false, 0},   {"n", false, -9}, {"u", false, -6}, {"m", false, -3},
        {"k", false, 3},  {"M", false, 6},  {"G", false, 9},  {"T", false, 12},
        {"P", false, 15}, {"E", false, 18}, {"Ki", true, 10}, {"Mi", true, 20},
        {"Gi", true, 30}, {"Ti", true, 40}, {"Pi", true, 50}, {"Ei", true, 60},
};

static bool ascii_isdigit(char c) {
        return c >= '0' && c <= '9';
}

static int fail(const char **ret_reason, const char *reason) {
        if (ret_reason)
                *ret_reason = reason;
        return -EINVAL;
}

static u128 pow10_u128(unsigned n) {
        u128 p = 1;

        for (unsigned i = 0; i < n; i++)
                p *= 10;
        return p;
}

static unsigned u128_ndigits(u128 m) {
        unsigned n = 1;

        while (m >= 10) {
                m /= 10;
                n++;
        }
        return n;
}

/* strconv.ParseInt(s, 10, 64): an optional sign, then one or more digits, no other characters. */
static int parse_int64(const char *s, size_t n, int64_t *ret) {
        bool neg = false;
        uint64_t v = 0, limit;
        size_t i = 0;

        if (n > 0 && (s[0] == '+' || s[0] == '-')) {
                neg = s[0] == '-';
                i++;
        }
        if (i == n)
                return -EINVAL;
        limit = neg ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
        for (; i < n; i++) {
                if (!ascii_isdigit(s[i]))
                        return -EINVAL;
                if (v > (limit - (uint64_t) (s[i] - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        *ret = neg ? (int64_t) (0 - v) : (int64_t) v;
        return 0;
}

/* The suffixer's interpret(): the SI tables first, so "E" is exa; only then "e<int>"/"E<int>". */
static int suffix_interpret(const char *s, size_t n, bool *ret_binary, int *ret_exponent,
                            const char **ret_reason) {
        int64_t v;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (strlen(suffixes[i].name) == n && memcmp(suffixes[i].name, s, n) == 0) {
                        *ret_binary = suffixes[i].binary;
                        *ret_exponent = suffixes[i].exponent;
                        return 0;
                }

        if (n < 2 || (s[0] != 'e' && s[0] != 'E'))
                return fail(ret_reason, REASON_SUFFIX);
        r = parse_int64(s + 1, n - 1, &v);
        if (r == -ERANGE)
                return fail(ret_reason, REASON_EXPONENT);
        if (r < 0)
                return fail(ret_reason, REASON_SUFFIX);

        /* Kubernetes parses the exponent as an int64 and then converts it with int32(), which keeps
         * the low 32 bits: "1e4294967296" is 1 there, so it is 1 here. */
        *ret_binary = false;
        *ret_exponent = (int) (int32_t) (uint32_t) (uint64_t) v;
        return 0;
}

/* Adds one unit in the last place of the little-endian digit array d[0..*n), growing it by one digit
 * when the carry runs off the top (the caller leaves room). */
static void digits_increment(uint8_t *d, size_t *n) {
        size_t i = 0;

        while (i < *n && d[i] == 9)
                d[i++] = 0;
        if (i == *n)
                d[(*n)++] = 1;
        else
                d[i]++;
}

/* Drops the k lowest digits of d[0..*n) (k < *n) and reports whether any of them was non-zero. */
static bool digits_drop(uint8_t *d, size_t *n, size_t k) {
        bool sticky = false;

        for (size_t i = 0; i < k; i++)
                sticky = sticky || d[i] != 0;
        memmove(d, d + k, *n - k);
        *n -= k;
        return sticky;
}

/* Whether d[0..n) * 10^e exceeds 2^63-1, the cap ParseQuantity applies to binary SI values. d has no
 * trailing zeros and a non-zero top digit. */
static bool digits_exceed_int64(const uint8_t *d, size_t n, int64_t e) {
        static const char max[] = "9223372036854775807";
        int64_t int_digits = (int64_t) n + e;

        if (int_digits != 19)
                return int_digits > 19;
        for (int64_t p = 18; p >= 0; p--) {
                int digit = p - e >= 0 && p - e < (int64_t) n ? d[p - e] : 0;
                int m = max[18 - p] - '0';

                if (digit != m)
                        return digit > m;
        }
        /* Equal integer parts: anything after the point makes it larger. Trailing zeros were
         * stripped, so a negative exponent means a non-zero fraction. */
        return e < 0;
}

/* ParseQuantity's arithmetic, done on a plain decimal digit array so that the result is exact no
 * matter how many digits the input has: value = digits * 10^(exp - len(denominator)) for decimal
 * suffixes, digits * 10^-len(denominator) * 2^exp for binary ones; then round up to nano units, cap
 * binary values at 2^63-1, and bring the result to at most 38 digits. Kubernetes does this with a
 * fast int64 path and an inf.Dec fallback, which give the same values wherever both apply. */
static int quantity_build(const char *num, size_t num_len, const char *den, size_t den_len, bool negative,
                          bool binary, int exponent, Quantity *ret) {
        _cleanup_free_ uint8_t *d = NULL;
        size_t n = 0, cap, z;
        int64_t e;
        u128 m = 0;

        /* Leading zeros carry no value; with an all-zero integer part the leading zeros of the
         * fraction do not either (their weight is in e). */
        e = (binary ? 0 : (int64_t) exponent) - (int64_t) den_len;
        while (num_len > 0 && num[0] == '0') {
                num++;
                num_len--;
        }
        if (num_len == 0)
                while (den_len > 0 && den[0] == '0') {
                        den++;
                        den_len--;
                }
        if (num_len + den_len == 0) {
                *ret = (Quantity){};
                return 0;
        }

        /* 2^60 < 10^19 adds at most 19 digits, rounding up at most one more. */
        cap = num_len + den_len + 21;
        d = malloc(cap);
        if (!d)
                return -ENOMEM;
        for (size_t i = den_len; i > 0; i--)
                d[n++] = (uint8_t) (den[i - 1] - '0');
        for (size_t i = num_len; i > 0; i--)
                d[n++] = (uint8_t) (num[i - 1] - '0');

        if (binary)
                for (int k = exponent / 10; k > 0; k--) {
                        unsigned carry = 0;

                        for (size_t i = 0; i < n; i++) {
                                unsigned v = d[i] * 1024u + carry;

                                d[i] = (uint8_t) (v % 10);
                                carry = v / 10;
                        }
                        for (; carry > 0; carry /= 10)
                                d[n++] = (uint8_t) (carry % 10);
                }

        /* "If you want some resources, you should get some resources": Kubernetes rounds non-zero
         * values up (in magnitude) to the next nano unit, so 0.1n is 1n, never 0. */
        if (e < NANO_EXP10) {
                int64_t drop = NANO_EXP10 - e;

                if (drop >= (int64_t) n) {
                        d[0] = 1;
                        n = 1;
                } else if (digits_drop(d, &n, (size_t) drop))
                        digits_increment(d, &n);
                e = NANO_EXP10;
        }

        /* Strip trailing zeros; the top digit is non-zero, so this stops inside the array. */
        z = 0;
        while (d[z] == 0)
                z++;
        digits_drop(d, &n, z);
        e += (int64_t) z;

        if (binary && digits_exceed_int64(d, n, e)) {
                *ret = (Quantity){
                        .negative = negative,
                        .mantissa = INT64_MAX,
                };
                return 0;
        }

        if (n > MANTISSA_DIGITS_MAX) {
                size_t drop = n - MANTISSA_DIGITS_MAX;
                bool sticky = digits_drop(d, &n, drop);

                e += (int64_t) drop;
                for (size_t i = n; i > 0; i--)
                        m = m * 10 + d[i - 1];
                if (sticky)
                        m++;
        } else
                for (size_t i = n; i > 0; i--)
                        m = m * 10 + d[i - 1];

        while (m % 10 == 0) {
                m /= 10;
                e++;
        }

        /* Only reachable with more than two billion digits or an exponent near 2^31; such a number
         * saturates everything it is used for anyway. */
        if (e > INT_MAX)
                e = INT_MAX;

        *ret = (Quantity){
                .negative = negative,
                .mantissa = m,
                .exp10 = (int) e,
        };
        return 0;
}

int quantity_parse(const char *s, Quantity *ret, const char **ret_reason) {
        size_t len, pos = 0, num_start, num_end, den_start, den_end, suffix_start;
        bool negative = false, binary = false;
        int exponent = 0, r;

        if (!s || !ret)
                return -EINVAL;

        /* Mirrors parseQuantityString(): sign, digits, optional '.' and digits, then a run of suffix
         * letters, an optional sign and digits, and nothing else. Note that nothing requires a digit
         * before the suffix. */
        len = strlen(s);
        if (len == 0)
                return fail(ret_reason, REASON_EMPTY);
        if (s[0] == '+' || s[0] == '-') {
                negative = s[0] == '-';
                pos++;
        }
        num_start = pos;
        while (pos < len && ascii_isdigit(s[pos]))
                pos++;
        num_end = den_start = den_end = pos;
        if (pos < len && s[pos] == '.') {
                den_start = ++pos;
                while (pos < len && ascii_isdigit(s[pos]))
                        pos++;
                den_end = pos;
        }
        suffix_start = pos;
        while (pos < len && strchr("eEinumkKMGTP", s[pos]))
                pos++;
        if (pos < len && (s[pos] == '+' || s[pos] == '-'))
                pos++;
        while (pos < len && ascii_isdigit(s[pos]))
                pos++;
        if (pos < len)
                return fail(ret_reason, REASON_FORMAT);

        r = suffix_interpret(s + suffix_start, len - suffix_start, &binary, &exponent, ret_reason);
        if (r < 0)
                return r;

        if (num_end == num_start && den_end == den_start) {
                /* A number without digits ("Mi", "-", ".") is 0 on Kubernetes' int64 fast path, which
                 * it takes for decimal scales down to nano and for Ki…Ti; otherwise it falls back to
                 * inf.Dec.SetString(), which wants a digit. */
                if (binary ? exponent > 40 : exponent < NANO_EXP10)
                        return fail(ret_reason, REASON_NUMERIC);
                *ret = (Quantity){};
                return 0;
        }

        return quantity_build(s + num_start, num_end - num_start, s + den_start, den_end - den_start,
                              negative, binary, exponent, ret);
}

/* Folds 2^exp2 into mantissa and exponent; exact unless the result needs more than 38 digits, in
 * which case it is rounded up in magnitude. */
static void quantity_fold(const Quantity *q, u128 *ret_m, int64_t *ret_e) {
        u128 m = q->mantissa;
        int64_t e = q->exp10;
        int exp2 = q->exp2;

        while (m != 0 && exp2 > 0)
                if (m <= U128_MAX / 2) {
                        m *= 2;
                        exp2--;
                } else {
                        m = m / 10 + (m % 10 != 0);
                        e++;
                }
        /* m * 2^-k == m * 5^k * 10^-k */
        while (m != 0 && exp2 < 0)
                if (m <= U128_MAX / 5) {
                        m *= 5;
                        e--;
                        exp2++;
                } else {
                        m = m / 10 + (m % 10 != 0);
                        e++;
                }

        *ret_m = m;
        *ret_e = e;
}

/* ceil(|q| * 10^shift) with q's sign, saturating. */
static int64_t quantity_scaled_value(const Quantity *q, int shift) {
        u128 m, v, limit, p;
        int64_t e;

        quantity_fold(q, &m, &e);
        if (m == 0)
                return 0;
        e += shift;

        /* -2^63 is representable, +2^63 is not. */
        limit = q->negative ? (u128) INT64_MAX + 1 : (u128) INT64_MAX;
        if (e >= 0) {
                if (e > MANTISSA_DIGITS_MAX)
                        v = limit;
                else {
                        p = pow10_u128((unsigned) e);
                        v = m > limit / p ? limit : m * p;
                }
        } else if (-e > MANTISSA_DIGITS_MAX)
                /* m < 10^39, so the value is below 1 in magnitude; it is not zero. */
                v = 1;
        else {
                p = pow10_u128((unsigned) -e);
                v = m / p + (m % p != 0);
        }
        v = MIN(v, limit);

        if (!q->negative)
                return (int64_t) v;
        return v == (u128) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v;
}

int64_t quantity_value(const Quantity *q) {
        return quantity_scaled_value(q, 0);
}

int64_t quantity_milli_value(const Quantity *q) {
        return quantity_scaled_value(q, 3);
}

static int sign_of(const Quantity *q, u128 m) {
        if (m == 0)
                return 0;
        return q->negative ? -1 : 1;
}

int quantity_cmp(const Quantity *a, const Quantity *b) {
        char da[MANTISSA_DIGITS_MAX + 2], db[MANTISSA_DIGITS_MAX + 2];
        u128 ma, mb;
        int64_t ea, eb, na, nb;
        int sa, sb, c = 0;
        size_t la, lb;

        quantity_fold(a, &ma, &ea);
        quantity_fold(b, &mb, &eb);
        sa = sign_of(a, ma);
        sb = sign_of(b, mb);
        if (sa != sb)
                return sa < sb ? -1 : 1;
        if (sa == 0)
                return 0;

        /* Position of the leading digit first; exponents can be far apart, so no scaling. */
        na = (int64_t) u128_ndigits(ma) + ea;
        nb = (int64_t) u128_ndigits(mb) + eb;
        if (na != nb)
                c = na < nb ? -1 : 1;
        else {
                /* Same leading position: compare digit by digit, the shorter padded with zeros. */
                la = u128_ndigits(ma);
                lb = u128_ndigits(mb);
                for (size_t i = la; i > 0; i--, ma /= 10)
                        da[i - 1] = (char) ('0' + (int) (ma % 10));
                for (size_t i = lb; i > 0; i--, mb /= 10)
                        db[i - 1] = (char) ('0' + (int) (mb % 10));
                for (size_t i = 0; c == 0 && i < MAX(la, lb); i++) {
                        char x = i < la ? da[i] : '0', y = i < lb ? db[i] : '0';

                        if (x != y)
                                c = x < y ? -1 : 1;
                }
        }

        return sa > 0 ? c : -c;
}

bool quantity_is_zero(const Quantity *q) {
        return q->mantissa == 0;
}
