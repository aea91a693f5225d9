/* query: the search box language, parsed once, rendered for FTS5 and
 * PostgreSQL.
 *
 * Parsing is one pass over the text, which is first checked to be valid UTF-8
 * and short enough. Every character falls in one of four classes: white space,
 * word character, the double quote, and other (ASCII punctuation). A term is
 * either a quoted phrase or a compound: a word, then as long as a run of
 * punctuation is followed directly by another word, that word too. The words
 * of a term are copied, lowercased, into the query's own storage; everything
 * else in the text is syntax or white space and is dropped. So a rendering is
 * built from words made of letters, digits and non-ASCII characters that are
 * not white space, plus the few operators the renderer writes itself.
 *
 * Non-ASCII white space has to separate words because PostgreSQL's tsquery
 * parser splits operands at it (iswspace in a UTF-8 locale): a word holding
 * U+3000 would reach to_tsquery as two operands without an operator between
 * them, a syntax error. FTS5's unicode61 tokenizer treats those characters as
 * separators too, so splitting there changes nothing it would match.
 *
 * The size limits make every bound static. W words of B bytes in all take
 * B + W - 1 <= 256 bytes of text (all but the last are followed by a
 * separator), so W <= 128 and the words with their NULs fit in 257 bytes: the
 * query is one fixed-size allocation. Rendered, the words keep their size;
 * every word after the first of a term adds at most 5 bytes (" <-> ") and
 * every term at most 10 more ("(", ")", ":*", " & !" and its group's
 * parentheses), so no rendering is longer than B + 5W + 10 * 24 <= 257 +
 * 4 * 128 + 240 = 1009 bytes, within QUERY_RENDER_MAX. */
#include "content/query.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/utf8.h"

#define QUERY_MAX_WORDS (QUERY_MAX_BYTES / 2 + 1)

typedef struct q_term {
    uint16_t first; /* index of its first word in search_query.word_off */
    uint16_t n;     /* words in the phrase, >= 1 */
    uint8_t group;  /* positive terms: index of the OR group, nondecreasing */
    bool prefix;    /* the last word is a prefix */
    bool excluded;  /* -term */
} q_term;

struct search_query {
    char text[QUERY_MAX_BYTES + 1];     /* the words, lowercased, each NUL-terminated */
    size_t text_len;                    /* bytes of text used */
    uint16_t word_off[QUERY_MAX_WORDS]; /* where each word starts in text */
    size_t n_words;
    q_term terms[QUERY_MAX_TERMS]; /* in the order typed, excluded ones among them */
    size_t n_terms;
    size_t n_groups;         /* OR groups of the positive terms */
    size_t n_positive_words; /* words in the terms that are not excluded */
};

/* What the previous item of the query was, for the rules around OR. */
typedef enum last_item { LAST_NONE, LAST_TERM, LAST_EXCLUDED, LAST_OR } last_item;

typedef struct parser {
    const unsigned char *s; /* borrowed query text, valid UTF-8 */
    size_t len;
    search_query *q; /* borrowed, being filled */
    em_error *err;
    last_item last;
    bool pending_or; /* an OR was read and its right-hand term is due */
} parser;

/* ---- characters ---------------------------------------------------------- */

typedef enum char_class { CH_SPACE, CH_WORD, CH_QUOTE, CH_PUNCT } char_class;

/* For a code point past ASCII: Unicode White_Space and the C1 controls
 * (U+0080..U+00A0 covers both of those there). */
static bool is_unicode_space(uint32_t cp)
{
    return cp <= 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* The class of the character at s[i] (the text is valid UTF-8) and, in *n,
 * its length in bytes. */
static char_class class_at(const unsigned char *s, size_t len, size_t i, size_t *n /* OUT */)
{
    unsigned char c = s[i];
    if (c >= 0x80) {
        uint32_t cp;
        *n = utf8_decode((const char *)s + i, len - i, &cp);
        assert(*n > 0);
        return is_unicode_space(cp) ? CH_SPACE : CH_WORD;
    }
    *n = 1;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return CH_WORD;
    if (c <= 0x20 || c == 0x7f)
        return CH_SPACE;
    if (c == '"')
        return CH_QUOTE;
    return CH_PUNCT;
}

static bool is_word_at(const unsigned char *s, size_t len, size_t i)
{
    size_t n;
    return i < len && class_at(s, len, i, &n) == CH_WORD;
}

/* Whether the character before s[i] is a word character. */
static bool word_before(const unsigned char *s, size_t len, size_t i)
{
    if (i == 0)
        return false;
    return is_word_at(s, len, utf8_cut((const char *)s, len, i - 1));
}

/* ---- building the query -------------------------------------------------- */

/* Copy the word s[start..end), lowercased, into the query's storage. The
 * bounds in the file comment make room certain. */
static void store_word(search_query *q, const unsigned char *s, size_t start, size_t end)
{
    assert(end > start);
    assert(q->n_words < QUERY_MAX_WORDS);
    assert(q->text_len + (end - start) + 1 <= sizeof q->text);
    q->word_off[q->n_words++] = (uint16_t)q->text_len;
    ascii_lower_copy(q->text + q->text_len, (const char *)s + start, end - start);
    q->text_len += end - start;
    q->text[q->text_len++] = '\0';
}

/* Forget the words from index first on. */
static void drop_words(search_query *q, size_t first)
{
    if (first < q->n_words) {
        q->text_len = q->word_off[first];
        q->n_words = first;
    }
}

/* Add the term made of the words stored from index first on. A term without
 * words (an empty phrase) is no term at all. */
static int add_term(parser *p, size_t first, bool prefix, bool excluded)
{
    search_query *q = p->q;
    if (q->n_words == first)
        return EM_OK;
    if (q->n_terms == QUERY_MAX_TERMS)
        return em_error_set(p->err, EM_E_TOO_LARGE, "the query has too many terms (at most %d)",
                            QUERY_MAX_TERMS);
    q_term *t = &q->terms[q->n_terms++];
    t->first = (uint16_t)first;
    t->n = (uint16_t)(q->n_words - first);
    t->prefix = prefix;
    t->excluded = excluded;
    if (excluded) {
        if (p->pending_or)
            return em_error_set(p->err, EM_E_PARSE, "OR cannot join an excluded term");
        p->last = LAST_EXCLUDED;
        return EM_OK;
    }
    if (!p->pending_or)
        q->n_groups++;
    t->group = (uint8_t)(q->n_groups - 1);
    q->n_positive_words += t->n;
    p->pending_or = false;
    p->last = LAST_TERM;
    return EM_OK;
}

static int add_or(parser *p)
{
    if (p->last == LAST_EXCLUDED)
        return em_error_set(p->err, EM_E_PARSE, "OR cannot join an excluded term");
    if (p->last != LAST_TERM)
        return em_error_set(p->err, EM_E_PARSE, "OR needs a term on both sides");
    p->pending_or = true;
    p->last = LAST_OR;
    return EM_OK;
}

/* ---- reading terms ------------------------------------------------------- */

/* Read the quoted phrase whose opening quote is at s[i]. Its words are the
 * runs of word characters inside; a '*' right after the closing quote makes
 * it a prefix term. Returns the position after it in *next. */
static int read_phrase(parser *p, size_t i, bool excluded, size_t *next /* OUT */)
{
    const unsigned char *s = p->s;
    size_t len = p->len;
    assert(s[i] == '"');
    const unsigned char *close = memchr(s + i + 1, '"', len - i - 1);
    if (close == NULL)
        return em_error_set(p->err, EM_E_PARSE, "unbalanced quote");
    size_t end = (size_t)(close - s);
    size_t first = p->q->n_words;
    size_t k = i + 1;
    while (k < end) {
        size_t n;
        if (class_at(s, len, k, &n) != CH_WORD) {
            k += n;
            continue;
        }
        size_t start = k;
        while (k < end && class_at(s, len, k, &n) == CH_WORD)
            k += n;
        store_word(p->q, s, start, k);
    }
    bool prefix = end + 1 < len && s[end + 1] == '*';
    *next = end + 1 + (prefix ? 1 : 0);
    return add_term(p, first, prefix, excluded);
}

/* Read the compound term whose first word starts at s[i]: words joined by
 * runs of punctuation, then an optional '*'. A lone OR or AND, as typed, is
 * the keyword. Returns the position after it in *next. */
static int read_compound(parser *p, size_t i, bool excluded, size_t *next /* OUT */)
{
    const unsigned char *s = p->s;
    size_t len = p->len;
    size_t first = p->q->n_words;
    size_t k = i, n;
    for (;;) {
        size_t start = k;
        while (k < len && class_at(s, len, k, &n) == CH_WORD)
            k += n;
        store_word(p->q, s, start, k);
        size_t j = k;
        while (j < len && class_at(s, len, j, &n) == CH_PUNCT)
            j++;
        if (j == k || !is_word_at(s, len, j))
            break;
        k = j;
    }
    bool prefix = k < len && s[k] == '*';
    *next = k + (prefix ? 1 : 0);
    if (!excluded && !prefix && p->q->n_words == first + 1) {
        size_t wl = k - i;
        if (wl == 2 && memcmp(s + i, "OR", 2) == 0) {
            drop_words(p->q, first);
            return add_or(p);
        }
        if (wl == 3 && memcmp(s + i, "AND", 3) == 0) {
            drop_words(p->q, first);
            return EM_OK;
        }
    }
    return add_term(p, first, prefix, excluded);
}

static int parse_text(parser *p)
{
    const unsigned char *s = p->s;
    size_t len = p->len;
    size_t i = 0;
    while (i < len) {
        size_t n;
        char_class c = class_at(s, len, i, &n);
        bool excluded = false;
        if (c == CH_PUNCT && s[i] == '-' && i + 1 < len && !word_before(s, len, i) &&
            (s[i + 1] == '"' || is_word_at(s, len, i + 1))) {
            excluded = true;
            i++;
            c = class_at(s, len, i, &n);
        }
        if (c != CH_QUOTE && c != CH_WORD) {
            i += n; /* white space, or punctuation that is */
            continue;
        }
        int rc = c == CH_QUOTE ? read_phrase(p, i, excluded, &i) : read_compound(p, i, excluded, &i);
        if (rc != EM_OK)
            return rc;
    }
    if (p->pending_or)
        return em_error_set(p->err, EM_E_PARSE, "OR needs a term on both sides");
    if (p->q->n_terms == 0)
        return em_error_set(p->err, EM_E_PARSE, "the query is empty");
    if (p->q->n_groups == 0)
        return em_error_set(p->err, EM_E_PARSE, "the query has only exclusions");
    return EM_OK;
}

int query_parse(const char *text, size_t len, search_query **out, em_error *err)
{
    assert(out != NULL);
    assert(text != NULL || len == 0);
    *out = NULL;
    if (len > QUERY_MAX_BYTES)
        return em_error_set(err, EM_E_TOO_LARGE, "the query is too long (at most %d bytes)", QUERY_MAX_BYTES);
    if (!utf8_validate(text, len, NULL))
        return em_error_set(err, EM_E_PARSE, "the query is not valid UTF-8");
    const unsigned char *s = (const unsigned char *)text;
    search_query *q = em_calloc(1, sizeof *q);
    parser p = {.s = s, .len = len, .q = q, .err = err, .last = LAST_NONE, .pending_or = false};
    int rc = parse_text(&p);
    if (rc != EM_OK) {
        free(q);
        return rc;
    }
    *out = q;
    return EM_OK;
}

void query_free(search_query *q)
{
    free(q);
}

/* ---- rendering ----------------------------------------------------------- */

/* Append to b unless an earlier append failed; the first failure stays in *rc. */
static void put(buf *b, const char *str, int *rc)
{
    if (*rc == EM_OK)
        *rc = buf_append_str(b, str);
}

static const char *word_at(const search_query *q, size_t w)
{
    assert(w < q->n_words);
    return q->text + q->word_off[w];
}

/* A term as an FTS5 string: "w1 w2" and * for a prefix. The tokenizer splits
 * the string into the same tokens as the indexed text, so a term of several
 * words is a phrase. Words never hold a double quote; one would be doubled. */
static void fts5_term(const search_query *q, const q_term *t, buf *b, int *rc)
{
    put(b, "\"", rc);
    for (size_t k = 0; k < t->n; k++) {
        if (k > 0)
            put(b, " ", rc);
        const char *w = word_at(q, t->first + k);
        for (const char *c = w; *c != '\0'; c++) {
            if (*c == '"') {
                put(b, "\"\"", rc);
            } else if (*rc == EM_OK) {
                *rc = buf_append(b, c, 1);
            }
        }
    }
    put(b, t->prefix ? "\"*" : "\"", rc);
}

/* A term as a tsquery operand: w, w:*, or (w1 <-> w2 <-> w3:*). */
static void tsquery_term(const search_query *q, const q_term *t, buf *b, int *rc)
{
    if (t->n > 1)
        put(b, "(", rc);
    for (size_t k = 0; k < t->n; k++) {
        if (k > 0)
            put(b, " <-> ", rc);
        put(b, word_at(q, t->first + k), rc);
    }
    if (t->prefix)
        put(b, ":*", rc);
    if (t->n > 1)
        put(b, ")", rc);
}

typedef void (*term_fn)(const search_query *q, const q_term *t, buf *b, int *rc);

/* The syntax that differs between the engines. */
typedef struct dialect {
    term_fn term;
    const char *and_op;  /* between groups */
    const char *or_op;   /* inside a group */
    const char *exclude; /* before each excluded term */
} dialect;

static const dialect fts5_dialect = {fts5_term, " AND ", " OR ", " NOT "};
static const dialect tsquery_dialect = {tsquery_term, " & ", " | ", " & !"};

/* Render the groups joined by and_op, each of several terms in parentheses
 * joined by or_op, then every exclusion. In FTS5 NOT binds tighter than AND
 * and associates to the left, so "a AND b NOT x NOT y" is a AND ((b NOT x)
 * NOT y), which matches what (a AND b) NOT x NOT y does. The text goes to a
 * local buffer first so that out changes only when all of it fits. */
static int render(const search_query *q, const dialect *d, buf *out)
{
    assert(q != NULL && out != NULL);
    buf b;
    buf_init(&b, QUERY_RENDER_MAX);
    int rc = EM_OK;
    for (size_t g = 0; g < q->n_groups; g++) {
        size_t size = 0;
        for (size_t i = 0; i < q->n_terms; i++)
            size += !q->terms[i].excluded && q->terms[i].group == g;
        assert(size > 0);
        if (g > 0)
            put(&b, d->and_op, &rc);
        if (size > 1)
            put(&b, "(", &rc);
        size_t written = 0;
        for (size_t i = 0; i < q->n_terms; i++) {
            const q_term *t = &q->terms[i];
            if (t->excluded || t->group != g)
                continue;
            if (written++ > 0)
                put(&b, d->or_op, &rc);
            d->term(q, t, &b, &rc);
        }
        if (size > 1)
            put(&b, ")", &rc);
    }
    for (size_t i = 0; i < q->n_terms; i++) {
        if (q->terms[i].excluded) {
            put(&b, d->exclude, &rc);
            d->term(q, &q->terms[i], &b, &rc);
        }
    }
    /* The bound in the file comment: the local buffer cannot overflow. */
    assert(rc == EM_OK);
    if (rc == EM_OK)
        rc = buf_append(out, b.data, b.len);
    buf_cleanup(&b);
    return rc;
}

int query_to_fts5(const search_query *q, buf *out)
{
    return render(q, &fts5_dialect, out);
}

int query_to_tsquery(const search_query *q, buf *out)
{
    return render(q, &tsquery_dialect, out);
}

/* ---- widening ----------------------------------------------------------- */

/* The suffixes Porter's stemmer (SQLite's FTS5 'porter') and the Snowball
 * English stemmer (PostgreSQL's 'english') remove or rewrite, from their
 * published rule lists (step 1a to step 5). Only their beginnings matter: a
 * typed prefix can end anywhere inside one. */
static const char *const stem_suffixes[] = {
    "s",       "es",    "ies",   "sses",    "ed",      "eed",   "ing",    "edly",    "ingly",   "eedly",
    "ly",      "y",     "e",     "ational", "tional",  "enci",  "anci",   "izer",    "abli",    "alli",
    "bli",     "entli", "eli",   "ousli",   "ization", "ation", "ator",   "alism",   "iveness", "fulness",
    "ousness", "aliti", "iviti", "biliti",  "logi",    "fulli", "lessli", "li",      "icate",   "ative",
    "alize",   "iciti", "ical",  "ful",     "ness",    "al",    "ance",   "ence",    "er",      "ic",
    "able",    "ible",  "ant",   "ement",   "ment",    "ent",   "ion",    "ou",      "ism",     "ate",
    "iti",     "ous",   "ive",   "ize",     "ise",     "ity",   "ist",    "ization", "isation",
};

/* Whether tail[0..n) begins one of the stemmers' suffixes. */
static bool begins_suffix(const char *tail, size_t n)
{
    for (size_t i = 0; i < sizeof stem_suffixes / sizeof *stem_suffixes; i++)
        if (strlen(stem_suffixes[i]) >= n && strncmp(stem_suffixes[i], tail, n) == 0)
            return true;
    return false;
}

#define WIDEN_KEEP 3 /* letters a widened prefix keeps at least */

/* The length word (NUL-terminated, lowercase) keeps when widened. */
static size_t widened_length(const char *word)
{
    size_t len = strlen(word);
    for (size_t i = 0; i < len; i++)
        if (!(word[i] >= 'a' && word[i] <= 'z'))
            return len; /* digits and non-ASCII: no English suffix to undo */
    size_t keep = len;
    for (size_t cut = WIDEN_KEEP; cut < len; cut++)
        if (begins_suffix(word + cut, len - cut)) {
            keep = cut; /* the earliest cut is the widest */
            break;
        }
    /* runni(ng) is stored as "run": the stemmers undouble a final consonant */
    if (keep < len && keep > WIDEN_KEEP && word[keep - 1] == word[keep - 2] &&
        strchr("aeiouy", word[keep - 1]) == NULL)
        keep--;
    return keep;
}

search_query *query_widened(const search_query *q)
{
    assert(q != NULL);
    search_query *w = em_malloc(sizeof *w);
    memcpy(w, q, sizeof *w);
    bool changed = false;
    for (size_t i = 0; i < w->n_terms; i++) {
        const q_term *t = &w->terms[i];
        if (t->excluded || !t->prefix)
            continue;
        /* the word is cut in place: its NUL moves left, the bytes after it
           are never read (word_off gives each word's start) */
        char *word = w->text + w->word_off[t->first + t->n - 1];
        size_t keep = widened_length(word);
        if (keep < strlen(word)) {
            word[keep] = '\0';
            changed = true;
        }
    }
    if (!changed) {
        free(w);
        return NULL;
    }
    return w;
}

/* ---- the words ----------------------------------------------------------- */

size_t query_word_count(const search_query *q)
{
    assert(q != NULL);
    return q->n_positive_words;
}

const char *query_word(const search_query *q, size_t i, bool *prefix)
{
    assert(q != NULL);
    assert(i < q->n_positive_words);
    for (size_t k = 0; k < q->n_terms; k++) {
        const q_term *t = &q->terms[k];
        if (t->excluded)
            continue;
        if (i < t->n) {
            if (prefix != NULL)
                *prefix = t->prefix && i == (size_t)t->n - 1;
            return word_at(q, t->first + i);
        }
        i -= t->n;
    }
    return NULL;
}
