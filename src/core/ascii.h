/* ascii: byte tests and case folding shared by every parser that reads ASCII
 * syntax inside otherwise arbitrary bytes (percent-encoding, PDF hex strings,
 * emails, tags, search words, configuration values).
 *
 * Everything here is ASCII only and independent of the process locale, unlike
 * <ctype.h>'s tolower and <strings.h>'s strcasecmp, which follow LC_CTYPE:
 * bytes outside A-Z and a-z, including every byte of a multi-byte UTF-8
 * character, are never changed and compare only equal to themselves. */
#ifndef EM_CORE_ASCII_H
#define EM_CORE_ASCII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The value of a hexadecimal digit (either case), or -1. */
static inline int ascii_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- case ---- */

/* c with A-Z mapped to a-z; any other value as it is. */
static inline int ascii_tolower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* c with a-z mapped to A-Z; any other value as it is. */
static inline int ascii_toupper(int c)
{
    return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Lowercase s[0..n) in place. */
static inline void ascii_lower(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (char)ascii_tolower(s[i]);
}

/* Copy src[0..n) lowercased to dst (n bytes; no NUL is added). */
static inline void ascii_lower_copy(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)ascii_tolower(src[i]);
}

/* Compare at most n bytes of a and b ignoring ASCII case, stopping at a NUL:
 * <0, 0 or >0 as strncmp does on the lowercased bytes (taken as unsigned). */
static inline int ascii_ncasecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int ca = ascii_tolower((unsigned char)a[i]);
        int cb = ascii_tolower((unsigned char)b[i]);
        if (ca != cb || ca == '\0')
            return ca - cb;
    }
    return 0;
}

/* Whether s[0..n) holds needle, ASCII case aside (an empty needle: false). */
static inline bool ascii_contains_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m > 0 && i + m <= n; i++)
        if (ascii_ncasecmp(s + i, needle, m) == 0)
            return true;
    return false;
}

/* Compare the NUL-terminated a and b ignoring ASCII case, as ascii_ncasecmp. */
static inline int ascii_casecmp(const char *a, const char *b)
{
    return ascii_ncasecmp(a, b, SIZE_MAX);
}

#endif
