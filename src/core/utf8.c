/* utf8: see utf8.h. */
#include "core/utf8.h"

#include <assert.h>

static inline bool is_continuation(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

/* The lead byte fixes the length and the range of the second byte (RFC 3629,
 * section 4): narrowing that range is what refuses overlong forms (E0, F0),
 * surrogates (ED) and code points past U+10FFFF (F4); the later bytes are any
 * continuation byte. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    assert(n >= 1);
    const unsigned char *u = (const unsigned char *)s;
    unsigned char c = u[0];
    if (c < 0x80) {
        if (cp != NULL)
            *cp = c;
        return 1;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    uint32_t v;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        goto invalid; /* a continuation byte, C0, C1 or F5..FF */
    }
    if (n < len || u[1] < lo || u[1] > hi)
        goto invalid;
    v = v << 6 | (u[1] & 0x3f);
    for (size_t i = 2; i < len; i++) {
        if (!is_continuation(u[i]))
            goto invalid;
        v = v << 6 | (u[i] & 0x3f);
    }
    if (cp != NULL)
        *cp = v;
    return len;
invalid:
    if (cp != NULL)
        *cp = UTF8_REPLACEMENT;
    return 0;
}

size_t utf8_encode(uint32_t cp, char out[UTF8_MAX_LEN])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp >= 0xd800 && cp <= 0xdfff)
        return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    if (cp > 0x10ffff)
        return 0;
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

bool utf8_validate(const char *s, size_t n, size_t *bad)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (u[i] < 0x80) { /* ASCII, the common case, without a call */
            i++;
            continue;
        }
        size_t k = utf8_decode(s + i, n - i, NULL);
        if (k == 0) {
            if (bad != NULL)
                *bad = i;
            return false;
        }
        i += k;
    }
    return true;
}

size_t utf8_count(const char *s, size_t n)
{
    size_t chars = 0, i = 0;
    while (i < n) {
        size_t k = utf8_decode(s + i, n - i, NULL);
        i += k > 0 ? k : 1;
        chars++;
    }
    return chars;
}

size_t utf8_complete(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t lead = n;
    for (int i = 0; i < UTF8_MAX_LEN - 1 && lead > 0 && is_continuation(u[lead - 1]); i++)
        lead--;
    if (lead == 0)
        return n;
    unsigned char c = u[lead - 1];
    size_t want = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 1;
    return n - (lead - 1) < want ? lead - 1 : n;
}

size_t utf8_cut(const char *s, size_t len, size_t n)
{
    if (n >= len)
        return len;
    const unsigned char *u = (const unsigned char *)s;
    for (int i = 0; i < UTF8_MAX_LEN - 1 && n > 0 && is_continuation(u[n]); i++)
        n--;
    return n;
}

uint32_t utf8_cp1252_code_point(unsigned char c)
{
    /* 0x80..0x9F (https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT) */
    static const uint16_t high[32] = {
        0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
        0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
        0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
    };
    return c >= 0x80 && c < 0xa0 ? high[c - 0x80] : c;
}

size_t utf8_from_cp1252(const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c < 0x80)
            out[o++] = (char)c;
        else
            o += utf8_encode(utf8_cp1252_code_point(c), out + o);
    }
    return o;
}
