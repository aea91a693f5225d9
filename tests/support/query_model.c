/* query_model: see query_model.h. */
#include "query_model.h"

#include <stdint.h>
#include <string.h>

#include "core/utf8.h"

/* Whether the character at s (n bytes left) may stand in a word, with its
 * length in *len. */
static bool word_char(const char *s, size_t n, size_t *len /* OUT */)
{
    uint32_t cp;
    *len = utf8_decode(s, n, &cp);
    if (*len == 0)
        return false;
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
    return !(cp <= 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
             cp == 0x202f || cp == 0x205f || cp == 0x3000);
}

size_t query_model_word_len(const char *s)
{
    size_t n = strlen(s), i = 0, k;
    while (i < n && word_char(s + i, n - i, &k))
        i += k;
    return i;
}

bool query_model_word_ok(const char *s)
{
    return s[0] != '\0' && query_model_word_len(s) == strlen(s);
}

static bool starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

bool query_model_fts5_ok(const char *s)
{
    int depth = 0;
    bool want_operand = true;
    while (*s != '\0') {
        if (*s == '"' && want_operand) {
            s++;
            for (;;) {
                size_t n = query_model_word_len(s);
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

bool query_model_tsquery_ok(const char *s)
{
    int depth = 0;
    bool want_operand = true;
    while (*s != '\0') {
        size_t n = want_operand ? query_model_word_len(s) : 0;
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
