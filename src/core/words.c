/* words: tokenizer, stop words and stems (see words.h).
 *
 * The tokenizer walks the UTF-8 text one character at a time and sorts each
 * into a class: word (letters, digits, and non-ASCII characters outside the
 * punctuation and symbol blocks), white space, apostrophe, hyphen, an
 * ignorable (soft hyphen, zero-width joiners) or other punctuation. Invalid
 * UTF-8 is punctuation. The gap before a word decides whether the word is
 * joined to the previous one (words_word.joined). */
#include "core/words.h"

#include <assert.h>
#include <libstemmer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/utf8.h"

/* ---- stop words --------------------------------------------------------- */

/* Sorted by strcmp; words_is_stop searches it with bsearch. */
static const char *const stop_words[] = {
    "a",          "about",   "above",   "after",   "again",     "against", "all",      "also",
    "am",         "an",      "and",     "any",     "are",       "aren't",  "as",       "at",
    "be",         "because", "been",    "before",  "being",     "below",   "between",  "both",
    "but",        "by",      "can",     "can't",   "cannot",    "could",   "couldn't", "did",
    "didn't",     "do",      "does",    "doesn't", "doing",     "don't",   "down",     "during",
    "each",       "few",     "for",     "from",    "further",   "had",     "hadn't",   "has",
    "hasn't",     "have",    "haven't", "having",  "he",        "he'd",    "he'll",    "he's",
    "her",        "here",    "here's",  "hers",    "herself",   "him",     "himself",  "his",
    "how",        "how's",   "i",       "i'd",     "i'll",      "i'm",     "i've",     "if",
    "in",         "into",    "is",      "isn't",   "it",        "it's",    "its",      "itself",
    "just",       "let's",   "may",     "me",      "might",     "more",    "most",     "must",
    "mustn't",    "my",      "myself",  "no",      "nor",       "not",     "of",       "off",
    "on",         "once",    "only",    "or",      "other",     "ought",   "our",      "ours",
    "ourselves",  "out",     "over",    "own",     "same",      "shall",   "shan't",   "she",
    "she'd",      "she'll",  "she's",   "should",  "shouldn't", "so",      "some",     "such",
    "than",       "that",    "that's",  "the",     "their",     "theirs",  "them",     "themselves",
    "then",       "there",   "there's", "these",   "they",      "they'd",  "they'll",  "they're",
    "they've",    "this",    "those",   "through", "thus",      "to",      "too",      "under",
    "until",      "up",      "upon",    "very",    "was",       "wasn't",  "we",       "we'd",
    "we'll",      "we're",   "we've",   "were",    "weren't",   "what",    "what's",   "when",
    "when's",     "where",   "where's", "which",   "while",     "who",     "who's",    "whom",
    "why",        "why's",   "will",    "with",    "won't",     "would",   "wouldn't", "yet",
    "you",        "you'd",   "you'll",  "you're",  "you've",    "your",    "yours",    "yourself",
    "yourselves",
};

#define N_STOP_WORDS (sizeof stop_words / sizeof stop_words[0])

/* bsearch key: a word that is not NUL-terminated */
typedef struct span {
    const char *p;
    size_t n;
} span;

static int stop_cmp(const void *key, const void *elem)
{
    const span *k = key;
    const char *w = *(const char *const *)elem;
    size_t wn = strlen(w);
    int c = memcmp(k->p, w, k->n < wn ? k->n : wn);
    if (c != 0)
        return c;
    return k->n < wn ? -1 : k->n > wn ? 1 : 0;
}

bool words_is_stop(const char *w, size_t len)
{
    span k = {w, len};
    return bsearch(&k, stop_words, N_STOP_WORDS, sizeof stop_words[0], stop_cmp) != NULL;
}

const char *const *words_stop_list(size_t *n)
{
    *n = N_STOP_WORDS;
    return stop_words;
}
/* ---- tokenizer ------------------------------------------------------------ */

typedef enum char_class {
    CC_WORD,    /* letter or digit */
    CC_SPACE,   /* white space */
    CC_NEWLINE, /* '\n' */
    CC_APOS,    /* ' ’ ʼ */
    CC_HYPHEN,  /* - ‐ ‑ */
    CC_IGNORE,  /* soft hyphen, zero-width (non-)joiner: dropped inside a word */
    CC_PUNCT    /* everything else, invalid UTF-8 included */
} char_class;

/* Non-ASCII code points that are punctuation, symbols, spaces or otherwise not
 * part of words: the Latin-1 punctuation, the general punctuation, symbol and
 * arrow blocks, CJK and full-width punctuation, private use, specials, emoji,
 * and the common punctuation of Greek, Armenian, Hebrew, Arabic and Devanagari.
 * Everything else outside ASCII is taken as a letter. */
static char_class class_of_nonascii(uint32_t cp)
{
    if (cp == 0x2019 || cp == 0x02bc)
        return CC_APOS;
    if (cp == 0x2010 || cp == 0x2011)
        return CC_HYPHEN;
    if (cp == 0x00ad || cp == 0x200c || cp == 0x200d || cp == 0x2060 || cp == 0xfeff)
        return CC_IGNORE;
    if (cp == 0x00a0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200b) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x202f || cp == 0x205f || cp == 0x3000)
        return CC_SPACE;
    if (cp < 0xc0) /* Latin-1 controls and punctuation, except ª µ º */
        return cp == 0xaa || cp == 0xb5 || cp == 0xba ? CC_WORD : CC_PUNCT;
    if (cp == 0xd7 || cp == 0xf7)
        return CC_PUNCT;
    if (cp == 0x037e || cp == 0x0387 || (cp >= 0x055a && cp <= 0x055f) || cp == 0x0589 || cp == 0x05be ||
        cp == 0x05c0 || cp == 0x05c3 || cp == 0x05f3 || cp == 0x05f4 || cp == 0x060c || cp == 0x061b ||
        cp == 0x061f || (cp >= 0x066a && cp <= 0x066d) || cp == 0x06d4 || cp == 0x0964 || cp == 0x0965)
        return CC_PUNCT;
    if ((cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x2e00 && cp <= 0x2e7f) || (cp >= 0x3000 && cp <= 0x303f))
        return CC_PUNCT;
    if ((cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfe00 && cp <= 0xfe1f) || (cp >= 0xfe30 && cp <= 0xfe6f))
        return CC_PUNCT;
    if ((cp >= 0xff00 && cp <= 0xff0f) || (cp >= 0xff1a && cp <= 0xff20) || (cp >= 0xff3b && cp <= 0xff40) ||
        (cp >= 0xff5b && cp <= 0xff65) || (cp >= 0xfff0 && cp <= 0xffff))
        return CC_PUNCT;
    if ((cp >= 0x1f000 && cp <= 0x1faff) || cp >= 0xe0000) /* emoji, symbols, tags, private use */
        return CC_PUNCT;
    return CC_WORD;
}

static char_class class_of(uint32_t cp)
{
    if (cp >= 0x80)
        return class_of_nonascii(cp);
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
        return CC_WORD;
    if (cp == '\n')
        return CC_NEWLINE;
    if (cp <= 0x20 || cp == 0x7f)
        return CC_SPACE;
    if (cp == '\'')
        return CC_APOS;
    if (cp == '-')
        return CC_HYPHEN;
    return CC_PUNCT;
}

static char_class class_at(const words_tokenizer *t, size_t pos, size_t *clen /* OUT */,
                           uint32_t *cp /* OUT */)
{
    uint32_t c;
    size_t l = utf8_decode((const char *)t->s + pos, t->len - pos, &c);
    if (l == 0)
        l = 1; /* an invalid byte: U+FFFD, punctuation */
    if (clen != NULL)
        *clen = l;
    if (cp != NULL)
        *cp = c;
    return class_of(c);
}

static bool word_at(const words_tokenizer *t, size_t pos)
{
    return pos < t->len && class_at(t, pos, NULL, NULL) == CC_WORD;
}

bool words_next(words_tokenizer *t, words_word *w)
{
    /* the gap before the word */
    bool joined = t->started;
    bool first_in_gap = true;
    int newlines = 0;
    while (t->pos < t->len) {
        size_t l;
        char_class c = class_at(t, t->pos, &l, NULL);
        if (c == CC_WORD)
            break;
        if (c == CC_NEWLINE) {
            newlines++;
            if (newlines > 1)
                joined = false;
        } else if (c == CC_HYPHEN) {
            /* joins only directly between two word characters */
            if (!first_in_gap || !word_at(t, t->pos + l))
                joined = false;
        } else if (c != CC_SPACE) {
            joined = false;
        }
        first_in_gap = false;
        t->pos += l;
    }
    if (t->pos >= t->len)
        return false;

    w->len = 0;
    w->chars = 0;
    w->has_letter = false;
    w->overlong = false;
    w->joined = joined;
    w->start = t->pos;
    t->started = true;
    while (t->pos < t->len) {
        size_t l;
        uint32_t cp;
        char_class c = class_at(t, t->pos, &l, &cp);
        const unsigned char *p = t->s + t->pos;
        size_t out_l = l; /* bytes written for it */
        if (c == CC_IGNORE && word_at(t, t->pos + l)) {
            t->pos += l;
            continue;
        }
        if (c == CC_APOS && word_at(t, t->pos + l)) {
            p = (const unsigned char *)"'";
            out_l = 1;
        } else if (c != CC_WORD) {
            break;
        }
        t->pos += l;
        if (c == CC_WORD && !(cp >= '0' && cp <= '9'))
            w->has_letter = true;
        if (w->len + out_l > WORDS_MAX) {
            w->overlong = true;
            continue;
        }
        ascii_lower_copy(w->text + w->len, (const char *)p, out_l);
        w->len += out_l;
        w->chars++;
    }
    w->end = t->pos;
    if (w->overlong) {
        w->len = 0;
        w->chars = 0;
    }
    /* possessive 's */
    if (w->len > 2 && w->text[w->len - 2] == '\'' && w->text[w->len - 1] == 's') {
        w->len -= 2;
        w->chars -= 2;
    }
    w->text[w->len] = '\0';
    return true;
}

/* ---- stems ---------------------------------------------------------------- */

struct words_stemmer {
    struct sb_stemmer *sb; /* owned */
};

words_stemmer *words_stemmer_new(em_error *err)
{
    struct sb_stemmer *sb = sb_stemmer_new("english", NULL);
    if (sb == NULL) {
        em_error_set(err, EM_E_INTERNAL, "the English stemmer is not available");
        return NULL;
    }
    words_stemmer *st = em_malloc(sizeof *st);
    st->sb = sb;
    return st;
}

void words_stemmer_free(words_stemmer *st)
{
    if (st == NULL)
        return;
    sb_stemmer_delete(st->sb);
    free(st);
}

int words_stem(words_stemmer *st, const char *w, size_t len, char out[WORDS_STEM_MAX + 1], size_t *out_len)
{
    assert(len <= WORDS_MAX);
    const sb_symbol *s = sb_stemmer_stem(st->sb, (const sb_symbol *)w, (int)len);
    if (s == NULL)
        return EM_E_NOMEM;
    int n = sb_stemmer_length(st->sb);
    if (n < 0 || (size_t)n > WORDS_STEM_MAX)
        return EM_E_INTERNAL;
    memcpy(out, s, (size_t)n);
    out[n] = '\0';
    *out_len = (size_t)n;
    return EM_OK;
}
