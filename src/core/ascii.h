/* ascii: byte tests shared by every parser that reads ASCII syntax inside
 * otherwise arbitrary bytes (percent-encoding, PDF hex strings). */
#ifndef EM_CORE_ASCII_H
#define EM_CORE_ASCII_H

#include <stddef.h>

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

/* ASCII case folding: locale-independent, bytes >= 0x80 unchanged. */
static inline int ascii_tolower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Copy n bytes of src lowercased into dst and NUL-terminate it (dst holds n + 1). */
static inline void ascii_lower_copy(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)ascii_tolower((unsigned char)src[i]);
    dst[n] = '\0';
}

#endif
