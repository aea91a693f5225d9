/* libFuzzer target: query_parse on arbitrary bytes, then both renderings.
 * Besides the sanitizers' findings, a broken invariant aborts: a failure is
 * EM_E_PARSE or EM_E_TOO_LARGE with a message and no query; a parsed query has
 * positive words, renders for both engines into QUERY_RENDER_MAX bytes, and
 * each rendering follows its grammar (checked here, apart from query.c):
 *   FTS5     "w w"[*] strings, ( ), and AND / OR / NOT between operands
 *   tsquery  words with an optional :*, ( ), ! before an operand, and
 *            & / | / <-> between operands
 * where a word is a-z, 0-9 and well-formed non-ASCII UTF-8 that is neither
 * Unicode white space nor a C1 control.
 *
 * Run: ./fuzz_query -max_total_time=60 fuzz/corpus/fuzz_query */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/query.h"
#include "core/buf.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The code point of the UTF-8 sequence at s (n bytes left), its length in
 * *len, or -1 when it is not well-formed. */
static long decode_utf8(const unsigned char *s, size_t n, size_t *len)
{
    unsigned char c = s[0];
    size_t k;
    long cp, min;
    if (c < 0x80) {
        *len = 1;
        return c;
    } else if (c >= 0xc2 && c <= 0xdf) {
        k = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (n < k)
        return -1;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *len = k;
    return cp;
}

static bool word_char(const unsigned char *s, size_t n, size_t *len)
{
    long cp = decode_utf8(s, n, len);
    if (cp < 0)
        return false;
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
    return !(cp <= 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
             cp == 0x202f || cp == 0x205f || cp == 0x3000);
}

/* The length of the word at s (0 when there is none). */
static size_t word_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, k;
    while (i < n && word_char(u + i, n - i, &k))
        i += k;
    return i;
}

static bool starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool fts5_ok(const char *s)
{
    int depth = 0;
    bool want_operand = true;
    while (*s != '\0') {
        if (*s == '"' && want_operand) {
            s++;
            for (;;) {
                size_t n = word_len(s);
                if (n == 0)
                    return false;
                s += n;
                if (*s != ' ')
                    break;
                s++;
            }
            if (*s++ != '"')
                return false;
            if (*s == '*')
                s++;
            want_operand = false;
        } else if (*s == '(' && want_operand) {
            depth++, s++;
        } else if (*s == ')' && !want_operand && depth > 0) {
            depth--, s++;
        } else if (!want_operand && (starts(s, " AND ") || starts(s, " NOT "))) {
            s += 5, want_operand = true;
        } else if (!want_operand && starts(s, " OR ")) {
            s += 4, want_operand = true;
        } else {
            return false;
        }
    }
    return depth == 0 && !want_operand;
}

static bool tsquery_ok(const char *s)
{
    int depth = 0;
    bool want_operand = true;
    while (*s != '\0') {
        size_t n = want_operand ? word_len(s) : 0;
        if (n > 0) {
            s += n;
            if (starts(s, ":*"))
                s += 2;
            want_operand = false;
        } else if ((*s == '(' || *s == '!') && want_operand) {
            depth += *s == '(';
            s++;
        } else if (*s == ')' && !want_operand && depth > 0) {
            depth--, s++;
        } else if (!want_operand && (starts(s, " & ") || starts(s, " | "))) {
            s += 3, want_operand = true;
        } else if (!want_operand && starts(s, " <-> ")) {
            s += 5, want_operand = true;
        } else {
            return false;
        }
    }
    return depth == 0 && !want_operand;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    search_query *q = NULL;
    em_error err = {0};
    int rc = query_parse((const char *)data, size, &q, &err);
    if (rc != EM_OK) {
        if ((rc != EM_E_PARSE && rc != EM_E_TOO_LARGE) || q != NULL || err.code != rc || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (size > QUERY_MAX_BYTES || query_word_count(q) == 0)
        abort();
    for (size_t i = 0; i < query_word_count(q); i++) {
        const char *w = query_word(q, i, NULL);
        if (w[0] == '\0' || word_len(w) != strlen(w))
            abort();
    }
    buf b;
    buf_init(&b, QUERY_RENDER_MAX);
    if (query_to_fts5(q, &b) != EM_OK || !fts5_ok(b.data))
        abort();
    buf_reset(&b);
    if (query_to_tsquery(q, &b) != EM_OK || !tsquery_ok(b.data))
        abort();
    buf_cleanup(&b);
    query_free(q);
    return 0;
}
