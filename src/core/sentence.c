/* sentence: where a sentence of prose ends (see sentence.h). */
#include "core/sentence.h"

#include <stdbool.h>
#include <string.h>

/* White space: every byte <= 0x20 and DEL. */
static bool is_space(unsigned char c)
{
    return c <= 0x20 || c == 0x7f;
}

/* Length of the sentence terminator at s[i] (. ! ? or U+2026 "…"), or 0. */
static size_t terminator_len(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] == '.' || s[i] == '!' || s[i] == '?')
        return 1;
    if (s[i] == 0xe2 && i + 2 < len && s[i + 1] == 0x80 && s[i + 2] == 0xa6)
        return 3;
    return 0;
}

/* Length of a closing quote or bracket at s[i] (" ' ) ] } ” ’ »), or 0. */
static size_t closer_len(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] == '"' || s[i] == '\'' || s[i] == ')' || s[i] == ']' || s[i] == '}')
        return 1;
    if (s[i] == 0xe2 && i + 2 < len && s[i + 1] == 0x80 && (s[i + 2] == 0x9d || s[i + 2] == 0x99))
        return 3;
    if (s[i] == 0xc2 && i + 1 < len && s[i + 1] == 0xbb)
        return 2;
    return 0;
}

/* Whether the text at s[i] can begin a sentence: an uppercase letter (ASCII,
 * Latin-1, Greek, Cyrillic), a digit, an opening quote or bracket, or the
 * Spanish ¿ ¡. Lowercase after a stop means the stop did not end anything. */
static bool starts_sentence(const unsigned char *s, size_t len, size_t i)
{
    unsigned char c = s[i];
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    if (c == '"' || c == '\'' || c == '(' || c == '[' || c == '{')
        return true;
    if (i + 1 >= len)
        return false;
    unsigned char c1 = s[i + 1];
    if (c == 0xc3 && c1 >= 0x80 && c1 <= 0x9e && c1 != 0x97) /* À..Þ without × */
        return true;
    if (c == 0xc2 && (c1 == 0xab || c1 == 0xbf || c1 == 0xa1)) /* « ¿ ¡ */
        return true;
    if (c == 0xce && c1 >= 0x91 && c1 <= 0xa9) /* Greek capitals */
        return true;
    if (c == 0xd0 && c1 >= 0x80 && c1 <= 0xaf) /* Cyrillic capitals */
        return true;
    if (c == 0xe2 && i + 2 < len && c1 == 0x80 && (s[i + 2] == 0x9c || s[i + 2] == 0x98)) /* “ ‘ */
        return true;
    return false;
}

/* Words that end in a period without ending the sentence. Matched exactly:
 * "no." and "al." end sentences ("The answer is no."; "I met Al."), "No." and
 * "al." (et al.) do not. */
static const char *const abbreviations[] = {
    "e.g",    "E.g", "i.e", "I.e", "etc", "Etc",  "vs",  "Vs",  "cf", "Cf", "al", "approx",
    "Approx", "Dr",  "Mr",  "Mrs", "Ms",  "Prof", "Fig", "fig", "Eq", "No", "St",
};

/* Initials: one uppercase letter, or several joined by periods ("J", "J.R.R").
 * "I" alone is the pronoun, which ends sentences far more often than an
 * initial does. */
static bool is_initials(const unsigned char *w, size_t n)
{
    if (n == 1 && w[0] == 'I')
        return false;
    if (n == 0 || n % 2 == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        bool ok = i % 2 == 0 ? (w[i] >= 'A' && w[i] <= 'Z') : w[i] == '.';
        if (!ok)
            return false;
    }
    return true;
}

/* Whether a lone period at s[dot], followed by white space and a sentence
 * start, really ends the sentence: not when the word before it is an
 * abbreviation or initials. Decimals never get here (no space after the dot). */
static bool period_ends_sentence(const unsigned char *s, size_t dot)
{
    size_t w = dot;
    while (w > 0 && !is_space(s[w - 1]) && s[w - 1] != '(' && s[w - 1] != '[' && s[w - 1] != '{' &&
           s[w - 1] != '"' && s[w - 1] != '\'')
        w--;
    size_t n = dot - w;
    for (size_t i = 0; i < sizeof abbreviations / sizeof abbreviations[0]; i++) {
        if (strlen(abbreviations[i]) == n && memcmp(abbreviations[i], s + w, n) == 0)
            return false;
    }
    return !is_initials(s + w, n);
}

size_t sentence_len(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        size_t t = terminator_len(s, len, i);
        if (t == 0) {
            i++;
            continue;
        }
        /* the whole run of stops ("?!", "...", "…"), then closing quotes */
        size_t run = i, e = i;
        while (e < len && (t = terminator_len(s, len, e)) > 0)
            e += t;
        bool lone_period = e - run == 1 && s[run] == '.';
        while (e < len && (t = closer_len(s, len, e)) > 0)
            e += t;
        size_t j = e;
        while (j < len && is_space(s[j]))
            j++;
        if (j == len)
            return e;
        if (j > e && starts_sentence(s, len, j) && (!lone_period || period_ends_sentence(s, run)))
            return e;
        i = e;
    }
    return len;
}

/* Whether s[a, e) is a caption: "Table 5.1: ...", "Figure 3 ...". */
static bool is_caption(const unsigned char *s, size_t a, size_t e)
{
    static const char *const names[] = {"Table ", "Figure ", "Fig. ", "Listing ", "Example "};
    if (e - a > SENTENCE_CAPTION_BYTES)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t n = strlen(names[i]);
        if (e - a > n && memcmp(s + a, names[i], n) == 0 && s[a + n] >= '0' && s[a + n] <= '9')
            return true;
    }
    return false;
}

bool sentence_line_is_label(const char *line, size_t len)
{
    const unsigned char *s = (const unsigned char *)line;
    size_t a = 0, e = len;
    while (a < e && is_space(s[a]))
        a++;
    while (e > a && is_space(s[e - 1]))
        e--;
    if (a < e && is_caption(s, a, e))
        return true;
    if (a == e || e - a > SENTENCE_LABEL_BYTES)
        return false;
    /* words of letters and digits, "2.7.8" too; quotes, underscores and the
       like make an identifier, whose line introduces a definition instead */
    if (!(s[a] >= 0x80 || (s[a] >= 'A' && s[a] <= 'Z') || (s[a] >= '0' && s[a] <= '9')))
        return false;
    size_t words = 0;
    for (size_t i = a; i < e; i++) {
        unsigned char c = s[i];
        bool word_char = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.';
        if (!word_char && c != ' ')
            return false;
        words += c != ' ' && (i == a || s[i - 1] == ' ');
    }
    if (words > SENTENCE_LABEL_WORDS || s[e - 1] == '.')
        return false;
    /* an ellipsis ends a sentence too */
    return !(e - a >= 3 && s[e - 3] == 0xe2 && s[e - 2] == 0x80 && s[e - 1] == 0xa6);
}
