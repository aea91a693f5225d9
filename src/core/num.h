/* num: whole decimal integers read from text, the one parser behind every
 * number the program takes from outside (configuration variables,
 * command-line arguments, the expiry in a download token).
 *
 * The text must be the number and nothing else: ASCII digits, a sign only
 * where the caller allows one, no white space, no trailing bytes, and no
 * value past int64_t (checked as the digits are read, never wrapped). Unlike
 * strtol it does not skip leading spaces, accept a '+' nobody asked for or
 * depend on errno, so callers have no checks of their own to get right. */
#ifndef EM_CORE_NUM_H
#define EM_CORE_NUM_H

#include <stddef.h>
#include <stdint.h>

typedef enum num_sign {
    NUM_UNSIGNED, /* digits only */
    NUM_SIGNED    /* an optional leading '-' or '+' before the digits */
} num_sign;

/* Parse s[0..len) (need not be NUL-terminated; an embedded NUL is not a
 * digit) as a decimal integer within [lo, hi] (lo <= hi). Leading zeros are
 * accepted. EM_OK with *out set, or EM_E_INVAL with *out untouched. */
int num_parse_int64(const char *s, size_t len, num_sign sign, int64_t lo, int64_t hi, int64_t *out /* OUT */);

#endif
