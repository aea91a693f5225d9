/* text: the byte-level tests every text scanner of content/ uses. ASCII only:
 * bytes of multi-byte UTF-8 sequences are never letters, digits or blanks
 * here, so callers handle them (as word bytes) themselves. */
#ifndef EM_CONTENT_TEXT_H
#define EM_CONTENT_TEXT_H

#include <stdbool.h>
#include <string.h>

#include "core/ascii.h"

static inline bool text_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool text_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Space or tab (not line breaks). */
static inline bool text_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static inline const char *text_skip_blanks(const char *p, const char *end)
{
    while (p < end && text_is_blank(*p))
        p++;
    return p;
}

/* Whether p..end starts with the lowercase ASCII word w, ignoring ASCII case. */
static inline bool text_starts_with_ci(const char *p, const char *end, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(end - p) >= n && ascii_ncasecmp(p, w, n) == 0;
}

/* A section number at p: groups of 1..max_digits digits joined by single
 * dots ("2", "2.3", "10.4.1"), optionally closed by '.' or ')'. Returns the
 * byte after it and its depth (number of groups) in *depth, or NULL when p
 * does not start with one. */
static inline const char *text_section_number(const char *p, const char *end, int max_digits, int *depth)
{
    const char *q = p;
    *depth = 0;
    for (;;) {
        const char *d = q;
        while (q < end && text_is_digit(*q))
            q++;
        if (q == d || q - d > max_digits)
            return NULL;
        (*depth)++;
        if (q + 1 < end && *q == '.' && text_is_digit(q[1]))
            q++;
        else
            break;
    }
    if (q < end && (*q == '.' || *q == ')'))
        q++;
    return q;
}

#endif
