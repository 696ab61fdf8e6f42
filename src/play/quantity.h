#pragma once

/* Kubernetes resource quantities ("500m", "0.5", "128Mi", "1G", "1e3", "1.5Gi"), parsed exactly as
 * k8s.io/apimachinery/pkg/api/resource.ParseQuantity does:
 *
 *   ^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$
 *
 * A number (digits with at most one '.', at least one digit) followed by nothing, a decimal SI suffix
 * (n u m k M G T P E), a binary SI suffix (Ki Mi Gi Ti Pi Ei) or a decimal exponent (e3, E-2).
 * Values are kept exactly; precision below 1n (10^-9) is rounded up as Kubernetes does.
 *
 * Kubernetes' own scanner is looser than the regex above in a few places, and we follow the scanner,
 * not the regex, because that is what decides which Pod manifests the API server accepts:
 *   - the number may have no digits at all: "-", "+", ".", "Mi", "k", "e5" all parse as 0. Only when
 *     Kubernetes takes its arbitrary-precision path does a digit-less number fail ("Pi", "Ei",
 *     "e-10"), and so it does here;
 *   - "1." and ".5" are numbers; "1E" is 10^18 (exa), not an exponent; "1e" and "1ee" are errors;
 *   - an exponent is read as an int64 and then truncated to 32 bits, so "1e4294967296" is 1;
 *   - binary SI values are capped at 2^63-1 in magnitude ("9Ei" == "8Ei" == 9223372036854775807),
 *     decimal ones are not capped at all ("1e100" is kept);
 *   - non-zero values are rounded up in magnitude to a whole number of nano units ("0.1n" is 1n,
 *     "-3.001n" is -4n). */

#include <stdbool.h>
#include <stdint.h>

typedef struct Quantity {
        bool negative;
        /* value = mantissa * 10^exp10 * 2^exp2, exactly; mantissa has at most 38 digits.
         * quantity_parse() always returns the canonical form: exp2 == 0 (every binary SI value is a
         * decimal with at most 9 fractional digits once rounded to nano units, so folding 2^exp2 in is
         * exact), no trailing zeros in mantissa, negative == false for zero. Values built by hand may
         * use exp2 (64Mi as { .mantissa = 64, .exp2 = 20 }); the functions below fold it in exactly as
         * long as the result fits 38 digits. A decimal of more than 38 significant digits (only values
         * of 10^29 and more can have that many, since precision stops at 10^-9) is rounded up in
         * magnitude to 38 digits. */
        unsigned __int128 mantissa;
        int exp10;
        int exp2;
} Quantity;

/* Parses s. Returns 0 and fills *ret, -ENOMEM, or -EINVAL with *ret_reason (when not NULL) set to a
 * static English phrase saying what is wrong, to be printed before the offending string:
 *   "must not be empty"
 *   "must be a number followed by an optional suffix (…)"     ("1Gb", "1 Mi", " 1", "1.2.3")
 *   "unknown suffix (…)"                                       ("1i", "0.1mi", "1e", "1ee", "1k5")
 *   "exponent out of range"                                    ("1e99999999999999999999")
 *   "number has no digits"                                     ("Ei", "-Pi", "e-10") */
int quantity_parse(const char *s, Quantity *ret, const char **ret_reason);

/* The value rounded up to a whole number (bytes for memory), as Quantity.Value() does; saturates at
 * INT64_MAX/INT64_MIN. "Up" is in magnitude, away from zero ("-1.5" gives -2), which is what
 * Quantity.Value() documents and does for every value ParseQuantity keeps in its int64 form. */
int64_t quantity_value(const Quantity *q);
/* The value times 1000 rounded up (millicores for cpu), as Quantity.MilliValue() does; saturates.
 * Rounds away from zero like quantity_value(). */
int64_t quantity_milli_value(const Quantity *q);
/* <0, 0, >0 as a is less than, equal to or greater than b (exact). */
int quantity_cmp(const Quantity *a, const Quantity *b);
bool quantity_is_zero(const Quantity *q);
