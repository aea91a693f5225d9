/* qgen: quiz questions from a material's passages (see qgen.h).
 *
 * One pass reads every usable sentence of the chosen passages into words,
 * each word's stem interned once (a cache from word to stem id), and finds
 * the key terms in them through a table from a term's first stem to the
 * terms starting with it: linear in the text, not passages times terms.
 * Each term keeps its few best sentences (definitional ones first). Then the
 * terms are taken in order (focus first, then best first shuffled among
 * neighbours by the seed), a sentence and a kind of question chosen for
 * each, the question written, checked against its quote and kept unless it
 * near-duplicates one already kept. */
#include "learn/qgen.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/sentence.h"
#include "core/words.h"
#include "learn/answer.h"

#define MIN_WORDS 6 /* words of a usable sentence */
#define MAX_WORDS 60
#define MIN_CONTENT 3    /* content words of a usable sentence besides the term */
#define TERM_WORDS_MAX 3 /* words of a term */
#define CANDS 6          /* sentences kept per term */
#define MAX_OCC                                                                                              \
    2 /* occurrences of a term in a sentence it is asked from (a third blank reads as a puzzle)              \
       */
#define N_DISTRACTORS 3  /* wrong options of a choice or definition question */
#define SISTERS_ASKED 16 /* sister terms asked of the caller's function */
#define DEF_MIN_WORDS 4  /* words of a definition after "is" */
#define BLANK "_____"
#define TF_PREFIX "True or false: "
#define DEF_PREFIX "Which term matches this definition? "
#define SCAN_BUDGET ((size_t)96 << 10) /* bytes of sentences read from a big material (about 40 pages) */
#define FOCUS_PASSAGES 8               /* passages read first for each focus term of a big material */
#define ANAPHORA_PENALTY 0.75          /* score taken from a sentence opening with a pronoun */
#define NEIGHBOURS 6.0                 /* seeded shuffle: a term moves among about this many neighbours */
#define RUNIN_LABEL_MAX 48             /* bytes: a first line this short, over a sentence, is its label */

/* ---- seeded randomness (splitmix64) ---- */

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A number in [0, 1) from a seed and two values. */
static double unit(uint64_t seed, uint64_t a, uint64_t b)
{
    return (double)(mix(seed ^ mix(a ^ mix(b))) >> 11) / 9007199254740992.0;
}

/* ---- interned strings ---- */

/* A map from byte strings to ids 0..n-1 (open addressing, FNV-1a). */
typedef struct smap {
    uint32_t *slots;     /* owned; entry number + 1, 0 empty */
    size_t cap;          /* power of two */
    uint32_t *off, *len; /* owned; of each entry's key in pool */
    int32_t *val;        /* owned; each entry's value */
    size_t n, ecap;
    char *pool; /* owned */
    size_t pool_len, pool_cap;
} smap;

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void smap_cleanup(smap *m)
{
    free(m->slots);
    free(m->off);
    free(m->len);
    free(m->val);
    free(m->pool);
    memset(m, 0, sizeof *m);
}

/* The slot of key: holding it, or the empty one where it goes. */
static size_t smap_slot(const smap *m, const char *key, size_t n)
{
    size_t i = (size_t)fnv(key, n) & (m->cap - 1);
    while (m->slots[i] != 0) {
        uint32_t e = m->slots[i] - 1;
        if (m->len[e] == n && memcmp(m->pool + m->off[e], key, n) == 0)
            return i;
        i = (i + 1) & (m->cap - 1);
    }
    return i;
}

/* The entry number of key, or -1. */
static long smap_find(const smap *m, const char *key, size_t n)
{
    if (m->cap == 0)
        return -1;
    size_t i = smap_slot(m, key, n);
    return m->slots[i] == 0 ? -1 : (long)m->slots[i] - 1;
}

/* The entry number of key, added with val when absent. */
static size_t smap_put(smap *m, const char *key, size_t n, int32_t val)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap == 0 ? 1024 : 2 * m->cap;
        uint32_t *old = m->slots;
        size_t old_cap = m->cap;
        m->slots = em_calloc(cap, sizeof *m->slots);
        m->cap = cap;
        for (size_t i = 0; i < old_cap; i++) {
            if (old[i] == 0)
                continue;
            uint32_t e = old[i] - 1;
            size_t j = (size_t)fnv(m->pool + m->off[e], m->len[e]) & (cap - 1);
            while (m->slots[j] != 0)
                j = (j + 1) & (cap - 1);
            m->slots[j] = old[i];
        }
        free(old);
    }
    size_t i = smap_slot(m, key, n);
    if (m->slots[i] != 0)
        return m->slots[i] - 1;
    if (m->n == m->ecap) {
        m->ecap = m->ecap == 0 ? 512 : 2 * m->ecap;
        m->off = em_realloc(m->off, m->ecap * sizeof *m->off);
        m->len = em_realloc(m->len, m->ecap * sizeof *m->len);
        m->val = em_realloc(m->val, m->ecap * sizeof *m->val);
    }
    while (m->pool_len + n + 1 > m->pool_cap) {
        m->pool_cap = m->pool_cap == 0 ? 8192 : 2 * m->pool_cap;
        m->pool = em_realloc(m->pool, m->pool_cap);
    }
    memcpy(m->pool + m->pool_len, key, n);
    m->pool[m->pool_len + n] = '\0';
    m->off[m->n] = (uint32_t)m->pool_len;
    m->len[m->n] = (uint32_t)n;
    m->val[m->n] = val;
    m->pool_len += n + 1;
    m->slots[i] = (uint32_t)(m->n + 1);
    return m->n++;
}

/* ---- words to stem ids ---- */

/* Words read through one stemmer, each distinct word stemmed once. */
typedef struct lexicon {
    words_stemmer *st; /* owned */
    smap stems;        /* stem -> id (the entry number) */
    smap words;        /* lowercase word -> stem id, -1 for a stop word */
} lexicon;

/* The stem id of the lowercase word w (-1 for a stop word or an unstemmable
 * one). */
static int32_t lex_id(lexicon *lx, const char *w, size_t n)
{
    long e = smap_find(&lx->words, w, n);
    if (e >= 0)
        return lx->words.val[e];
    int32_t id = -1;
    char stem[WORDS_STEM_MAX + 1];
    size_t sl;
    if (!words_is_stop(w, n) && words_stem(lx->st, w, n, stem, &sl) == EM_OK)
        id = (int32_t)smap_put(&lx->stems, stem, sl, 0);
    smap_put(&lx->words, w, n, id);
    return id;
}

/* ---- terms ---- */

typedef enum kind { K_NOUN, K_ADJ, K_ADV, K_PAST, K_ING } kind;

/* How a term is written mid-sentence: options of one question, and a term
 * swapped for another, are written alike. */
typedef enum style {
    ST_LOWER,   /* a common noun: "inode" */
    ST_CAPITAL, /* capitalised mostly but also lowercase: "Document", "License" */
    ST_NAME,    /* capitalised and never lowercase: "Josefsson", "Linux", "GitHub" */
    ST_ACRONYM  /* all capitals: "DER", "TSC", "ASN1" */
} style;

typedef enum pattern {
    P_USE,    /* the term used in a sentence */
    P_CALLED, /* "... called X", "known as X", "named X", "termed X" */
    P_IS      /* "X is ...", "X are ...", "X refers to ...", "X means ..." */
} pattern;

/* A sentence a term can be asked from. */
typedef struct cand {
    size_t passage, off, len; /* the sentence: passage text [off, off + len) */
    double score;
    pattern pat;
    size_t def_off; /* P_IS: where the definition starts in the passage text */
} cand;

typedef struct qterm {
    const char *surface;          /* borrowed from the input */
    int32_t stem[TERM_WORDS_MAX]; /* stem ids of its words */
    int n_words;
    bool number; /* digits only */
    kind kind;
    bool focus;
    size_t rank;                /* place in the input (focus terms not among them: after) */
    int caps, lower, det;       /* mid-sentence capitalised and lowercase occurrences;
                                   occurrences after a determiner */
    int head, det_head;         /* occurrences heading their phrase (see stands_as_head);
                                   of those, after a determiner */
    style style;                /* set after the scan */
    int next;                   /* next term with the same first stem, -1 */
    size_t s_passage, s_a, s_b; /* a capitalised mid-sentence occurrence (s_b > s_a when one) */
    size_t h_passage, h_a, h_b; /* an occurrence used as a noun (after a determiner, heading its
                                   phrase) written otherwise than surface (h_b > h_a when one) */
    bool surface_noun;          /* surface itself is so used somewhere */
    cand cands[CANDS];          /* best first */
    size_t n_cands;
    int uses; /* questions asked on it so far */
} qterm;

static bool ends_with(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n > k + 2 && memcmp(s + n - k, suf, k) == 0;
}

/* The word class a term's last word looks like by its ending. */
static kind kind_of(const char *w, size_t n)
{
    if (ends_with(w, n, "ly"))
        return K_ADV;
    if (ends_with(w, n, "ed"))
        return K_PAST;
    if (ends_with(w, n, "ing"))
        return K_ING;
    static const char *const adj[] = {"ous", "ive", "ful", "able", "ible", "less", "ical", "ish", "ular"};
    for (size_t i = 0; i < sizeof adj / sizeof adj[0]; i++)
        if (ends_with(w, n, adj[i]))
            return K_ADJ;
    return K_NOUN;
}

/* Read surface into t; false when it is no usable term (empty, over
 * TERM_WORDS_MAX words, only stop words). */
static bool term_read(lexicon *lx, const char *surface, qterm *t)
{
    memset(t, 0, sizeof *t);
    t->surface = surface;
    t->next = -1;
    words_tokenizer tk = words_tokenizer_make(surface, strlen(surface));
    words_word w;
    bool digits = true;
    while (words_next(&tk, &w)) {
        if (w.overlong || t->n_words == TERM_WORDS_MAX)
            return false;
        int32_t id = lex_id(lx, w.text, w.len);
        if (id < 0)
            return false;
        t->stem[t->n_words++] = id;
        digits = digits && !w.has_letter;
        t->kind = kind_of(w.text, w.len);
        if (w.len < 2)
            return false;
    }
    t->number = digits;
    return t->n_words > 0;
}

/* Whether two terms read as the same words. */
static bool same_stems(const qterm *a, const qterm *b)
{
    if (a->n_words != b->n_words)
        return false;
    for (int i = 0; i < a->n_words; i++)
        if (a->stem[i] != b->stem[i])
            return false;
    return true;
}

/* ---- sentences ---- */

/* A word of a sentence. */
typedef struct tok {
    size_t start, end; /* in the passage text */
    int32_t stem;      /* -1: stop word */
    bool joined;       /* see words_word */
    bool cap;          /* starts with an ASCII capital */
} tok;

/* Where the word t ends in the text, a possessive "'s" or "’s" left out
 * ("user" of "the user's choice"): a blank or a swap goes before it. */
static size_t word_end(const char *text, const tok *t)
{
    size_t e = t->end;
    if (e - t->start > 2 && text[e - 1] == 's' && text[e - 2] == '\'')
        return e - 2;
    if (e - t->start > 4 && text[e - 1] == 's' && (unsigned char)text[e - 2] == 0x99 &&
        (unsigned char)text[e - 3] == 0x80 && (unsigned char)text[e - 4] == 0xe2)
        return e - 4;
    return e;
}

/* Whether text[s, e) is the lowercase ASCII word w (case-insensitively). */
static bool word_is(const char *text, const tok *t, const char *w)
{
    char c0 = text[t->start];
    if (c0 >= 'A' && c0 <= 'Z')
        c0 = (char)(c0 - 'A' + 'a');
    if (c0 != w[0]) /* most words of a list differ at once */
        return false;
    size_t n = strlen(w);
    if (t->end - t->start != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = text[t->start + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return false;
    }
    return true;
}

static bool word_in(const char *text, const tok *t, const char *const *list)
{
    for (; *list; list++)
        if (word_is(text, t, *list))
            return true;
    return false;
}

static const char *const DETERMINERS[] = {"a",    "an",  "the", "each", "every", "its",
                                          "your", "our", "his", "her",  "their", NULL};

/* Read text[from, to) (one sentence) into toks; its word count, or
 * MAX_WORDS + 1 when it has more than MAX_WORDS (the caller refuses it).
 * With seen not NULL, each word read goes into it as written (lowercase):
 * what the material writes. */
static size_t read_words(lexicon *lx, const char *text, size_t from, size_t to, tok *toks, smap *seen)
{
    words_tokenizer tk = words_tokenizer_make(text + from, to - from);
    words_word w;
    size_t n = 0;
    while (words_next(&tk, &w)) {
        if (n == MAX_WORDS + 1)
            return MAX_WORDS + 1;
        if (seen != NULL && !w.overlong)
            smap_put(seen, w.text, w.len, 0);
        char c = text[from + w.start];
        toks[n] = (tok){from + w.start, from + w.end, w.overlong ? -1 : lex_id(lx, w.text, w.len), w.joined,
                        c >= 'A' && c <= 'Z'};
        n++;
    }
    return n;
}

/* Whether s[0, n) holds needle (lowercase ASCII, not empty) at i,
 * ignoring ASCII case. */
static bool at_ci(const char *s, size_t n, size_t i, const char *needle, size_t k)
{
    if (i + k > n)
        return false;
    for (size_t j = 0; j < k; j++) {
        char c = s[i + j];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != needle[j])
            return false;
    }
    return true;
}

/* Whether s[0, n) holds needle (lowercase ASCII, not empty), ignoring
 * ASCII case. The first byte is sought with memchr in each case: every
 * sentence is searched for a dozen marks (boilerplate_sentence). */
static bool contains_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    char first[2] = {needle[0],
                     needle[0] >= 'a' && needle[0] <= 'z' ? (char)(needle[0] - 'a' + 'A') : needle[0]};
    for (int v = 0; v < (first[1] != first[0] ? 2 : 1); v++) {
        for (const char *p = memchr(s, first[v], n); p != NULL;
             p = memchr(p + 1, first[v], n - (size_t)(p + 1 - s))) {
            if (at_ci(s, n, (size_t)(p - s), needle, k))
                return true;
        }
    }
    return false;
}

/* Whether s[0, n) contains any of the NULL-ended marks, ASCII case aside. */
static bool contains_any_ci(const char *s, size_t n, const char *const *marks)
{
    for (const char *const *m = marks; *m; m++)
        if (contains_ci(s, n, *m))
            return true;
    return false;
}

/* Whether c is an ASCII letter or digit. */
static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Whether c is an ASCII capital or digit: how a sentence may open. */
static bool is_upper_or_digit(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The byte length of the quotation mark opening s[0, n) (" ' “ ‘), or 0. */
static size_t opening_quote(const char *s, size_t n)
{
    if (n >= 1 && (s[0] == '"' || s[0] == '\''))
        return 1;
    if (n >= 3 && (unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
        ((unsigned char)s[2] == 0x9c || (unsigned char)s[2] == 0x98))
        return 3;
    return 0;
}

/* Whether a sentence opens like one: with a capital letter or a digit (not
 * a list item's letter, "C. State ..."), a letter of another script, or a
 * quotation mark around a phrase that opens with a capital or a digit and
 * is not the first item of a list of quotations ("\"OpenDocument
 * Spreadsheet\", \"GEnealogical ...\", and ...") nor a label before a
 * capitalised fragment ("'BASH_LINENO' An array variable whose ...", an
 * entry of a definition list). A sentence opening in lowercase or with
 * other punctuation ("'gzip compressed data') and ...") is the tail of
 * one cut in two. */
static bool starts_like_sentence(const char *s, size_t n)
{
    if (n < 2)
        return false;
    unsigned char c0 = (unsigned char)s[0];
    if (is_upper_or_digit(c0))
        return !(c0 >= 'A' && c0 <= 'Z' && (s[1] == '.' || s[1] == ')') && n > 2 && s[2] == ' ');
    if (c0 >= 0xc3 && c0 <= 0xdf)
        return true; /* a letter beyond ASCII: Latin, Greek, Cyrillic */
    size_t q = opening_quote(s, n);
    if (q == 0 || q >= n || !is_upper_or_digit((unsigned char)s[q]))
        return false;
    /* the quotation's end: the same mark for " and ', else ” or ’ */
    for (size_t i = q; i < n; i++) {
        size_t close = 0;
        if (q == 1 && s[i] == s[0])
            close = 1;
        else if (q == 3 && i + 2 < n && (unsigned char)s[i] == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
                 (unsigned char)s[i + 2] == (unsigned char)s[2] + 1)
            close = 3;
        if (close > 0) {
            /* a quoted name labelling what follows, "'BASH_LINENO' An array variable whose ..." */
            size_t k = i + close;
            while (k < n && (unsigned char)s[k] <= ' ')
                k++;
            bool label = k > i + close && k < n && s[k] >= 'A' && s[k] <= 'Z';
            return i + close < n && s[i + close] != ',' && s[i + close] != ';' && !label;
        }
    }
    return false;
}

/* Whether the quotation marks and brackets of a sentence are whole: an even
 * number of ", as many ” as “, a ’ closing every ‘ (a ’ inside a word is an
 * apostrophe), as many ) as ( and ] as [. A sentence that opens or closes
 * inside a quotation or a bracket is a piece of a longer one. */
static bool quotes_balanced(const char *s, size_t n)
{
    size_t straight = 0;
    long curly = 0, single = 0, paren = 0, bracket = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            straight++;
        else if (c == '(')
            paren++;
        else if (c == ')')
            paren--;
        else if (c == '[')
            bracket++;
        else if (c == ']')
            bracket--;
        else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80) {
            unsigned char d = (unsigned char)s[i + 2];
            bool in_word = i > 0 && word_char(s[i - 1]) && i + 3 < n && word_char(s[i + 3]);
            if (d == 0x9c)
                curly++;
            else if (d == 0x9d)
                curly--;
            else if (d == 0x98)
                single++;
            else if (d == 0x99 && !in_word && single > 0)
                single--;
            i += 2;
        }
        if (paren < 0 || bracket < 0)
            return false;
    }
    return straight % 2 == 0 && curly == 0 && single == 0 && paren == 0 && bracket == 0;
}

/* Whether a sentence opens with a label: a colon after its first word or
 * two ("Returns: the type ...", "OBJECT IDENTIFIER: VALUE must ..."). What
 * follows a label is a fragment of a reference entry, not a sentence. */
static bool label_led(const char *s, size_t n)
{
    size_t words = 0;
    bool in_word = false;
    for (size_t i = 0; i < n && words <= 2; i++) {
        bool w = word_char(s[i]) || (unsigned char)s[i] >= 0x80;
        if (w && !in_word)
            words++;
        in_word = w;
        if (s[i] == ':' && i + 1 < n && (unsigned char)s[i + 1] <= ' ')
            return words <= 2;
    }
    return false;
}

/* Whether a sentence holds a control character (an escape sequence of a
 * terminal's bold, a backspace of overstriking): text extracted from a
 * formatted manual that would show as noise. */
static bool has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < ' ' && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return true;
    }
    return false;
}

/* Whether a word of four or more lowercase letters has one or two digits
 * glued to its end ("capable6", "whatis2"): a footnote mark that extraction
 * joined to the word. It cannot be told safely from a name with a version
 * ("latin1", "python3"), so the sentence is not asked from at all; shorter
 * stems with digits ("utf8", "ipv6", "ext4", "asn1") are names and stay. */
static bool footnote_glued(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (!word_char(s[i]) && (unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t a = i, letters = 0, digits = 0;
        while (i < n && s[i] >= 'a' && s[i] <= 'z') {
            letters++;
            i++;
        }
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            digits++;
            i++;
        }
        bool ends = i == n || (!word_char(s[i]) && (unsigned char)s[i] < 0x80);
        if (ends && i - a == letters + digits && letters >= 4 && digits >= 1 && digits <= 2)
            return true;
        while (i < n && (word_char(s[i]) || (unsigned char)s[i] >= 0x80))
            i++;
    }
    return false;
}

/* Whether a sentence is two run together: a full stop inside it followed
 * by a lowercase word ("... through this pointer. flags: flags controlling
 * ...", "... an integer. if len=0 ..."), where core/sentence, rightly, did
 * not cut. A stop after an abbreviation ("e.g. a string", "etc. and") or
 * an initial does not count. */
static bool run_together(const char *s, size_t n)
{
    static const char *const abbreviations[] = {"etc", "vs",   "cf",  "al",  "approx", "ca",  "resp",
                                                "viz", "incl", "esp", "fig", "eq",     "sec", "ch",
                                                "vol", "no",   "pp",  "ed",  NULL};
    for (size_t i = 1; i + 2 < n; i++) {
        if (s[i] != '.' || (unsigned char)s[i + 1] > ' ')
            continue;
        size_t next = i + 1;
        while (next < n && (unsigned char)s[next] <= ' ')
            next++;
        if (next == n || !(s[next] >= 'a' && s[next] <= 'z'))
            continue;
        size_t w = i;
        while (w > 0 && (word_char(s[w - 1]) || s[w - 1] == '.'))
            w--;
        size_t len = i - w;
        if (len <= 1 || memchr(s + w, '.', len) != NULL)
            continue; /* an initial, "e.g." */
        bool abbreviation = false;
        for (const char *const *a = abbreviations; *a && !abbreviation; a++)
            abbreviation = strlen(*a) == len && contains_ci(s + w, len, *a);
        if (!abbreviation)
            return true;
    }
    return false;
}

/* Whether a sentence that opens like one (prose_shape) reads whole (see
 * the functions above): its quotations and brackets are whole, it is not
 * two run together, opens with no label and holds no control character or
 * glued footnote mark. */
static bool whole_sentence(const char *s, size_t n)
{
    return quotes_balanced(s, n) && !run_together(s, n) && !label_led(s, n) && !has_control(s, n) &&
           !footnote_glued(s, n);
}

/* Words that open a sentence to link it to the one before ("However,",
 * "Thus the ..."): no subject, no verb, no noun phrase. */
static const char *const CONNECTIVES[] = {
    "however",       "thus",          "therefore",    "otherwise",   "also",          "hence",
    "instead",       "meanwhile",     "moreover",     "furthermore", "nevertheless",  "nonetheless",
    "still",         "yet",           "again",        "finally",     "first",         "second",
    "third",         "besides",       "consequently", "indeed",      "now",           "then",
    "today",         "next",          "later",        "similarly",   "likewise",      "conversely",
    "alternatively", "additionally",  "afterwards",   "sometimes",   "often",         "usually",
    "normally",      "traditionally", "historically", "ideally",     "unfortunately", "fortunately",
    "here",          "there",         "so",           NULL};

/* Whether the word t links its sentence to the one before: a connective or
 * an adverb in -ly ("Secondly", "Specifically"). */
static bool connective(const char *text, const tok *t)
{
    size_t l = t->end - t->start;
    return word_in(text, t, CONNECTIVES) || (l > 3 && text[t->end - 2] == 'l' && text[t->end - 1] == 'y');
}

/* Whether a sentence is the tail of one cut in two: its first comma comes
 * after one to three content words that are not a connective ("However,",
 * "Secondly,", "Here,") and is followed by a determiner or a pronoun ("XML
 * file, these rules allow ..."): the words before it end a clause that
 * began in the sentence before. */
static bool cut_tail(const char *text, const tok *toks, size_t n)
{
    static const char *const openers[] = {"the", "a",   "an", "these", "this", "those", "that",  "it", "they",
                                          "we",  "you", "he", "she",   "its",  "their", "there", NULL};
    for (size_t k = 0; k + 1 < n && k < 3; k++) {
        if (toks[k].stem < 0)
            return false;
        bool comma = memchr(text + toks[k].end, ',', toks[k + 1].start - toks[k].end) != NULL;
        if (!comma)
            continue;
        return !connective(text, &toks[0]) && word_in(text, &toks[k + 1], openers);
    }
    return false;
}

/* Whether a sentence has the shape of prose to ask from: opening like a
 * sentence, ending in a full stop, and few symbols prose does not use (its
 * words are counted after). */
static bool prose_shape(const char *s, size_t len)
{
    if (len < 2 || !starts_like_sentence(s, len))
        return false;
    size_t e = len;
    while (e > 0 && (s[e - 1] == '"' || s[e - 1] == ')' || s[e - 1] == '\''))
        e--;
    if (e == 0 || s[e - 1] != '.' || (e >= 2 && s[e - 2] == '.'))
        return false;
    /* a word lost in extraction leaves its punctuation behind: "and ." ", , ," "a ( )" */
    for (size_t i = 0; i + 2 < len; i++)
        if (s[i + 1] == ' ' && (s[i] == ',' || s[i] == '(') &&
            (s[i + 2] == ',' || s[i + 2] == '.' || s[i + 2] == ')'))
            return false;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == ' ' && (s[i + 1] == '.' || s[i + 1] == ',') && (i + 2 == len || s[i + 2] == ' '))
            return false;
    size_t symbols = 0;
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '{':
        case '}':
        case '[':
        case ']':
        case '<':
        case '>':
        case '=':
        case '|':
        case '$':
        case '`':
        case '\\':
        case ';':
        case '*':
        case '#':
        case '@':
        case '~':
        case '^':
        case '&':
        case '_': symbols++; break;
        default: break;
        }
    }
    return symbols * 40 <= len; /* at most one in 40 bytes */
}

/* ---- boilerplate ---- */

/* Whether s[0, n) holds an e-mail address: word characters, "@", word
 * characters (or dots, hyphens) with a dot among them ("help-libtasn1@gnu.org"). */
static bool has_email(const char *s, size_t n)
{
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] != '@' || !word_char(s[i - 1]))
            continue;
        size_t j = i + 1;
        bool dot = false;
        while (j < n &&
               (word_char(s[j]) || s[j] == '-' || (s[j] == '.' && j + 1 < n && word_char(s[j + 1])))) {
            dot = dot || s[j] == '.';
            j++;
        }
        if (dot && j > i + 3)
            return true;
    }
    return false;
}

/* Whether a sentence is licence or copyright boilerplate, or an author line:
 * "Copyright", a copyright sign (also as PDFs draw it: "c" and a combining
 * circle), "(c) 2001", "All rights reserved", "Permission is granted", a
 * licence named ("GNU Free Documentation License", "General Public
 * License", "Creative Commons", "licensed under"), a licence's version
 * ("License version 3.0 or later"), or an e-mail address.
 * It says nothing of the subject a student studies. */
static bool boilerplate_sentence(const char *s, size_t n)
{
    static const char *const marks[] = {"copyright",
                                        "\xc2\xa9",      /* © */
                                        "c\xe2\x83\x9d", /* c and U+20DD, a PDF's © */
                                        "all rights reserved",
                                        "permission is granted",
                                        "permission to use, copy",
                                        "free documentation license",
                                        "general public license",
                                        "creative commons",
                                        "licensed under",
                                        NULL};
    if (contains_any_ci(s, n, marks))
        return true;
    /* a licence's version line: "License version 3.0 or later" */
    if ((contains_ci(s, n, "license") || contains_ci(s, n, "licence")) &&
        (contains_ci(s, n, "or later") || contains_ci(s, n, "any later version")))
        return true;
    for (size_t i = 0; i + 4 < n; i++)
        if (s[i] == '(' && (s[i + 1] == 'c' || s[i + 1] == 'C') && s[i + 2] == ')' && s[i + 3] == ' ' &&
            s[i + 4] >= '0' && s[i + 4] <= '9')
            return true;
    return has_email(s, n);
}

/* Whether the author speaks in the first person singular: "I" followed by
 * a verb of speaking, hoping or doing ("I would be interested in hearing
 * ...", "I hope to document them", "I think they work ok", "I tried pretty
 * hard"), or before any lowercase word at the sentence's start or after a
 * comma ("Before introducing classes, I first have to tell you ..."), or a
 * contraction ("I've", "I'm"). Such a remark is the author's,
 * not the subject's. "Type I error" and "phase I trials" are no such
 * thing: elsewhere the word after "I" must be one of the verbs. */
static bool author_speaks(const char *s, size_t n)
{
    static const char *const verbs[] = {
        "would", "will",  "think",  "hope",   "believe", "tried",  "try",    "suggest", "recommend",
        "know",  "guess", "expect", "feel",   "wrote",   "want",   "am",     "have",    "had",
        "was",   "do",    "did",    "don't",  "can",     "could",  "should", "must",    "might",
        "may",   "also",  "really", "intend", "plan",    "regret", "prefer", NULL};
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != 'I' || (i > 0 && (unsigned char)s[i - 1] > ' '))
            continue;
        if (s[i + 1] == '\'' && i + 2 < n && strchr("vmdl", s[i + 2]) != NULL)
            return true; /* I've, I'm, I'd, I'll */
        if (s[i + 1] != ' ')
            continue;
        size_t a = i + 2, b = a;
        while (b < n && ((s[b] >= 'a' && s[b] <= 'z') || s[b] == '\''))
            b++;
        /* at the sentence's start or after a comma, before a lowercase word,
           "I" is the pronoun ("Before introducing classes, I first have to
           tell you ...") */
        if (b > a && (i == 0 || (i >= 2 && s[i - 2] == ',')))
            return true;
        for (const char *const *v = verbs; *v; v++)
            if (strlen(*v) == b - a && memcmp(s + a, *v, b - a) == 0)
                return true;
    }
    return false;
}

/* Whether a sentence speaks of the document itself rather than its subject:
 * "this document", "this book", "In this chapter", "Please file bug reports
 * ... on this document", "This Debian Reference (version 2.100) is intended
 * to provide ...", "The sections below describe ...", and a sentence that
 * points at the page ("as described above", "In the above example"): it
 * leans on what stands around it. A student is not examined on the document's own
 * purpose. */
static bool about_the_document(const char *s, size_t n)
{
    static const char *const marks[] = {
        "this document", "this book", "this guide", "this manual", "this tutorial", "this handbook",
        "this chapter", "this section", "this appendix", "this article", "this paper", "this course",
        "this edition", "the present document", "you are reading", "is intended to provide", "of the manual ",
        "of the manual,", "the manual is ", "sections below", "section below", "chapters below",
        "chapter below", "following sections", "following section ", "following chapter", "next section",
        "next chapter", "previous section", "previous chapter",
        /* pointing at the page: the sentence
           leans on what stands around it */
        "described above", "described below", "mentioned above", "shown above", "shown below", "listed above",
        "listed below", "the above example", "the example above", "the example below", NULL};
    return contains_any_ci(s, n, marks) || author_speaks(s, n);
}

/* Whether a section's title says it is a licence appendix or a title
 * page's author line: it holds an e-mail address, "copying" or
 * "copyright", or "license"/"licence" with a licence's name or "this"
 * ("A.1 GNU Free Documentation License", "ADDENDUM: How to use this License
 * for your documents", "Copying Information"). A chapter on licences as a
 * subject ("Software licences") keeps its questions. */
static bool boilerplate_section(const char *title)
{
    if (title == NULL)
        return false;
    size_t n = strlen(title);
    if (has_email(title, n) || contains_ci(title, n, "copying") || contains_ci(title, n, "copyright"))
        return true;
    if (!contains_ci(title, n, "license") && !contains_ci(title, n, "licence"))
        return false;
    static const char *const names[] = {
        "gnu",       "free documentation", "general public", "creative commons", "apache",
        "mit licen", "bsd licen",          "mozilla public", "this licen",       NULL};
    return contains_any_ci(title, n, names);
}

/* ---- the scan ---- */

typedef struct gen {
    const qgen_input *in;
    lexicon lx;
    qterm *terms; /* owned */
    size_t n_terms;
    smap first;     /* stem id (as 4 bytes) -> first term with that first stem (val) */
    smap seen;      /* the lowercase words of its prose sentences (not boilerplate): what the
                       material writes */
    smap pairs;     /* two stem ids (8 bytes) of neighbouring content words in those sentences */
    size_t scanned; /* bytes of sentences read */
} gen;

/* Whether the material writes the content word of stem a right before that
 * of stem b ("return status"). */
static bool pair_seen(const gen *g, int32_t a, int32_t b)
{
    int32_t pair[2] = {a, b};
    return smap_find(&g->pairs, (const char *)pair, sizeof pair) >= 0;
}

/* Whether every word of s (an option) is written in the material as it
 * stands in s, in that form: a plural made by rule ("magics", "globs"),
 * a singular cut from a name ("nodej" of "nodejs") or a word only ever
 * read inside a longer one is not. */
static bool written_in_material(const gen *g, const char *s)
{
    words_tokenizer tk = words_tokenizer_make(s, strlen(s));
    words_word w;
    size_t n = 0;
    while (words_next(&tk, &w)) {
        if (w.overlong || smap_find(&g->seen, w.text, w.len) < 0)
            return false;
        n++;
    }
    return n > 0;
}

static long first_term(const gen *g, int32_t stem)
{
    long e = smap_find(&g->first, (const char *)&stem, sizeof stem);
    return e < 0 ? -1 : g->first.val[e];
}

/* Keep c among t's best CANDS sentences. */
static void cand_offer(qterm *t, const cand *c)
{
    size_t i = t->n_cands;
    if (i == CANDS) {
        if (c->score <= t->cands[CANDS - 1].score)
            return;
        i = CANDS - 1;
    } else {
        t->n_cands++;
    }
    while (i > 0 && t->cands[i - 1].score < c->score) {
        t->cands[i] = t->cands[i - 1];
        i--;
    }
    t->cands[i] = *c;
}

/* Whether the name given by "called X", "known as X" ends where the term
 * toks[..b) does: the sentence ends, punctuation follows ("called a
 * forest, and ..."), or a word that opens another clause or phrase ("and",
 * "which", "when", "in", ...). "could be called a bug of the library
 * though" names no bug: the phrase goes on ("of the library"), so the term
 * is only a part of what is said and the sentence defines nothing. */
static bool name_ends_clause(const char *text, const tok *toks, size_t n, size_t b)
{
    static const char *const openers[] = {"and",   "or",    "but",     "which", "that", "when",
                                          "where", "while", "because", "since", "if",   "in",
                                          "by",    "after", "before",  "for",   NULL};
    if (b >= n)
        return true;
    for (size_t i = toks[b - 1].end; i < toks[b].start; i++)
        if (strchr(",;:()[]\"", text[i]) != NULL)
            return true;
    return word_in(text, &toks[b], openers);
}

/* The definitional pattern of term occurrence toks[a, b) in a sentence of
 * n words, and where a P_IS definition starts (*def, a word number). */
static pattern pattern_of(const char *text, const tok *toks, size_t n, size_t a, size_t b, size_t *def)
{
    static const char *const called[] = {"called", "termed", "dubbed", NULL};
    static const char *const be[] = {"is", "are", "means", "denotes", NULL};
    size_t c = a; /* "called an inode": past a determiner */
    if (c >= 1 && word_in(text, &toks[c - 1], DETERMINERS))
        c--;
    if (c >= 1 && word_in(text, &toks[c - 1], called))
        return name_ends_clause(text, toks, n, b) ? P_CALLED : P_USE;
    if (c >= 2 && word_is(text, &toks[c - 1], "as") &&
        (word_is(text, &toks[c - 2], "known") || word_is(text, &toks[c - 2], "referred")))
        return name_ends_clause(text, toks, n, b) ? P_CALLED : P_USE;
    /* "X is ...", "The X is ...", "A X refers to ..." at the sentence's start */
    bool at_start = a == 0 || (a == 1 && word_in(text, &toks[0], DETERMINERS));
    if (!at_start || b >= n)
        return P_USE;
    static const char *const article[] = {"a", "an", "the", "one", "any", NULL};
    size_t d = 0;
    /* "X is a ...", "X are the ...": a definition; "X are inserted ..." only
     * says something of X */
    if (word_in(text, &toks[b], be) && b + 1 < n &&
        (!(word_is(text, &toks[b], "is") || word_is(text, &toks[b], "are")) ||
         word_in(text, &toks[b + 1], article)))
        d = b + 1;
    else if (b + 1 < n && word_is(text, &toks[b], "refers") && word_is(text, &toks[b + 1], "to"))
        d = b + 2;
    if (d == 0 || n - d < DEF_MIN_WORDS)
        return P_USE;
    *def = d;
    return P_IS;
}

/* Whether the byte before a word, c, leaves it standing apart: white space,
 * an opening bracket or quotation mark, or punctuation beyond ASCII
 * (dashes, curly quotes); not a symbol or a digit ("$HOME", "*pointer",
 * "5-node"), a hyphen, slash or dot ("pseudo-filesystem", ".so"). */
static bool apart_before(char c)
{
    return (unsigned char)c <= ' ' || (unsigned char)c >= 0x80 || c == '(' || c == '[' || c == '"' ||
           c == '\'';
}

/* The same for the byte after a word: white space, closing punctuation, a
 * quotation mark or punctuation beyond ASCII; not a symbol or a digit
 * ("LEN=5", "pointer+4"), a hyphen, slash or underscore, nor a dot inside
 * a name ("us.map"). */
static bool apart_after(const char *text, size_t e, size_t to)
{
    char c = text[e];
    if (c == '.')
        return e + 1 >= to || (unsigned char)text[e + 1] <= ' ' || strchr("\"')", text[e + 1]) != NULL;
    return (unsigned char)c <= ' ' || (unsigned char)c >= 0x80 || strchr(",;:!?)]\"'", c) != NULL;
}

/* Whether the occurrence toks[a, b) of a term of class k in the sentence
 * text[from, to) stands alone: no symbol, digit, hyphen, slash or dot
 * joins it to a neighbour (a blank put there would read "$_____" or
 * "_____=5"), and its last word has the term's ending class. */
static bool plain_occurrence(const char *text, size_t from, size_t to, const tok *toks, size_t n_toks,
                             size_t a, size_t b, kind k)
{
    size_t s = toks[a].start, e = toks[b - 1].end;
    if (s > from && !apart_before(text[s - 1]))
        return false;
    if (e < to && !apart_after(text, e, to))
        return false;
    /* "is read", "to link", "can access": a verb; "links the": a verb */
    static const char *const before_verb[] = {"to",     "is",    "are",  "was",   "were", "be",    "been",
                                              "can",    "could", "will", "would", "may",  "might", "must",
                                              "should", "not",   "does", "do",    "did",  NULL};
    static const char *const object[] = {"the", "a", "an", "it", "them", NULL};
    if (b - a == 1 && a > 0 && word_in(text, &toks[a - 1], before_verb))
        return false;
    if (b - a == 1 && b < n_toks && word_in(text, &toks[b], object))
        return false;
    char w[WORDS_MAX + 1];
    size_t n = toks[b - 1].end - toks[b - 1].start;
    if (n > WORDS_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = text[toks[b - 1].start + i];
        w[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    return kind_of(w, n) == k;
}

/* Whether the occurrence of a term ending with word toks[b - 1] of the
 * sentence text[.., to) heads its phrase: what follows it is the
 * sentence's end, closing punctuation (. , ; : ! ? ) ] quotation marks,
 * a dash) or a stop word other than a conjunction ("the proposal.", "a
 * collaborator of", "the file is"), not a content word it would qualify
 * ("the public issue", "a new collaborator"), a conjunction joining it to
 * another qualifier ("the Optional but recommended steps") nor an opening
 * bracket ("the read (r) permission"). A noun heads its phrase somewhere in
 * a material; an adjective or a word used only to qualify others does not. */
static bool stands_as_head(const char *text, size_t to, const tok *toks, size_t n, size_t b)
{
    size_t e = toks[b - 1].end;
    while (e < to && (text[e] == ' ' || text[e] == '\t' || text[e] == '\n' || text[e] == '\r'))
        e++;
    if (e >= to)
        return true;
    unsigned char c = (unsigned char)text[e];
    if (strchr(".,;:!?)]\"'", (char)c) != NULL && c != '\0')
        return true;
    if (c == 0xe2 && e + 2 < to && (unsigned char)text[e + 1] == 0x80) {
        unsigned char d = (unsigned char)text[e + 2];
        return d == 0x9d || d == 0x99 || d == 0x93 || d == 0x94; /* ” ’ – — */
    }
    /* a stop word, but not "and", "or", "but": "the Optional but recommended steps", "the
     * public and private keys" coordinate adjectives before their noun */
    static const char *const conjunctions[] = {"and", "or", "but", "nor", NULL};
    return b < n && toks[b].start == e && toks[b].stem < 0 && !word_in(text, &toks[b], conjunctions);
}

/* Whether text[0, n) reads as s: the same letters in any ASCII case, any
 * white space for a space. */
static bool written_as(const char *text, size_t n, const char *s)
{
    if (strlen(s) != n)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = text[k], d = s[k];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (d >= 'A' && d <= 'Z')
            d = (char)(d - 'A' + 'a');
        if (c != d && !((unsigned char)c <= ' ' && (unsigned char)d <= ' '))
            return false;
    }
    return true;
}

/* Verbs that open an instruction ("Refer to ...", "Use ..."): such a
 * sentence states nothing to be true or false, and a blank in it tests the
 * reader's grammar more than the material. Not asked from at all. */
static const char *const IMPERATIVES[] = {
    "refer",  "see",      "use",     "type",  "enter",    "press",   "click",   "run",     "try",
    "note",   "consider", "display", "print", "list",     "set",     "add",     "remove",  "delete",
    "insert", "select",   "make",    "read",  "write",    "check",   "open",    "close",   "move",
    "turn",   "let",      "do",      "don't", "remember", "imagine", "suppose", "install", "edit",
    "save",   "copy",     "define",  "give",  NULL};

/* More verbs and words that open an instruction or a plea ("Refrain from
 * ...", "Extract a ...", "Please note ..."): a sentence opening with one is
 * still asked with a blank, but is no claim for a true/false statement. */
static const char *const ORDERS[] = {"refrain", "avoid",  "ensure", "please",  "never",  "always", "fill",
                                     "specify", "follow", "decode", "extract", "create", "take",   "keep",
                                     "search",  "find",   "look",   "ask",     "pass",   "call",   NULL};

/* Note that term q is used as a noun as text[a, b) of passage p writes it:
 * whether that is its surface form, else the first other form so used
 * ("locale" for the surface "local": one stem, and the surface the
 * adjective). */
static void note_noun_form(qterm *q, size_t p, const char *text, size_t a, size_t b)
{
    if (written_as(text + a, b - a, q->surface)) {
        q->surface_noun = true;
    } else if (q->h_b == 0) {
        q->h_passage = p;
        q->h_a = a;
        q->h_b = b;
    }
}

/* Offer the sentence text[from, to) of passage p to the terms it holds. */
static void scan_sentence(gen *g, size_t p, const char *text, size_t from, size_t to)
{
    if (!prose_shape(text + from, to - from) || !whole_sentence(text + from, to - from) ||
        boilerplate_sentence(text + from, to - from))
        return;
    if (about_the_document(text + from, to - from))
        return;
    tok toks[MAX_WORDS + 2];
    size_t n = read_words(&g->lx, text, from, to, toks, &g->seen);
    if (n < MIN_WORDS || n > MAX_WORDS || cut_tail(text, toks, n))
        return;
    for (size_t i = 0; i + 1 < n; i++) {
        if (toks[i].stem >= 0 && toks[i + 1].stem >= 0 && toks[i + 1].joined) {
            int32_t pair[2] = {toks[i].stem, toks[i + 1].stem};
            smap_put(&g->pairs, (const char *)pair, sizeof pair, 0);
        }
    }
    g->scanned += to - from;
    size_t content = 0;
    for (size_t i = 0; i < n; i++)
        content += toks[i].stem >= 0;
    /* the terms found, longest at each place */
    struct hit {
        int term;
        size_t a, b;
    } hits[MAX_WORDS];
    size_t n_hits = 0;
    for (size_t i = 0; i < n; i++) {
        if (toks[i].stem < 0)
            continue;
        int best = -1, best_len = 0;
        for (long t = first_term(g, toks[i].stem); t >= 0; t = g->terms[t].next) {
            const qterm *q = &g->terms[t];
            if (q->n_words <= best_len || i + (size_t)q->n_words > n)
                continue;
            bool ok = true;
            for (int k = 1; k < q->n_words && ok; k++)
                ok = toks[i + (size_t)k].joined && toks[i + (size_t)k].stem == q->stem[k];
            if (ok) {
                best = (int)t;
                best_len = q->n_words;
            }
        }
        if (best < 0)
            continue;
        hits[n_hits++] = (struct hit){best, i, i + (size_t)best_len};
        qterm *q = &g->terms[best];
        /* a capital and a determiner count where the term stands alone: "Node" of
         * "Node.js" is no name of its own */
        bool plain = plain_occurrence(text, from, to, toks, n, i, i + (size_t)best_len, q->kind);
        if (i > 0) {
            if (toks[i].cap && plain) {
                q->caps++;
                if (q->s_b == 0) {
                    q->s_passage = p;
                    q->s_a = toks[i].start;
                    q->s_b = word_end(text, &toks[i + (size_t)best_len - 1]);
                }
            } else if (!toks[i].cap) {
                q->lower++;
            }
        }
        bool det = i > 0 && word_in(text, &toks[i - 1], DETERMINERS);
        bool head = stands_as_head(text, to, toks, n, i + (size_t)best_len);
        if (plain) {
            q->det += det;
            q->head += head;
            q->det_head += det && head;
            if (det && head)
                note_noun_form(q, p, text, toks[i].start, word_end(text, &toks[i + (size_t)best_len - 1]));
        }
        i += (size_t)best_len - 1;
    }
    /* "It is ...", "This ...": a sentence leaning on the one before reads worse alone */
    static const char *const pronouns[] = {"it",    "it's", "its", "this", "these", "they", "that",
                                           "those", "he",   "she", "such", "there", "here", NULL};
    bool anaphoric = word_in(text, &toks[0], pronouns);
    /* an instruction (IMPERATIVES) */
    if (word_in(text, &toks[0], IMPERATIVES))
        return;
    /* a term standing inside a compound ("pseudo-filesystem", "GNU/Linux")
     * or in another word class ("linked" for "link") anywhere in the
     * sentence is not asked from it */
    for (size_t h = 0; h < n_hits; h++) {
        if (hits[h].term < 0 ||
            plain_occurrence(text, from, to, toks, n, hits[h].a, hits[h].b, g->terms[hits[h].term].kind))
            continue;
        int bad = hits[h].term;
        for (size_t k = 0; k < n_hits; k++)
            if (hits[k].term == bad)
                hits[k].term = -1;
    }
    for (size_t h = 0; h < n_hits; h++) {
        int t = hits[h].term;
        if (t < 0)
            continue;
        size_t occ = 0;
        bool first = true;
        for (size_t k = 0; k < n_hits; k++) {
            if (hits[k].term == t) {
                occ++;
                first = first && k >= h;
            }
        }
        if (!first || occ > MAX_OCC)
            continue;
        qterm *q = &g->terms[t];
        if (content < (size_t)q->n_words * occ + MIN_CONTENT)
            continue;
        size_t def = 0;
        pattern pat = pattern_of(text, toks, n, hits[h].a, hits[h].b, &def);
        /* definitional sentences first, then sentences of about 18 words */
        double len_fit = 1.0 - fabs((double)n - 18.0) / 42.0;
        double base = pat == P_IS ? 3.0 : pat == P_CALLED ? 2.5 : 1.0;
        double score =
            base + len_fit + 0.5 * unit(g->in->seed, p, from) - (anaphoric ? ANAPHORA_PENALTY : 0.0);
        cand c = {p, from, to - from, score, pat, pat == P_IS ? toks[def].start : 0};
        cand_offer(q, &c);
    }
}

/* Whether a line is a heading, a list item or code: never prose to ask
 * from. */
static bool skip_line(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == n)
        return true;
    if (s[i] == '#' || s[i] == '-' || s[i] == '*' || s[i] == '+' || s[i] == '|' || s[i] == '>')
        return true;
    if ((unsigned char)s[i] == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
        (unsigned char)s[i + 2] == 0xa2) /* a bullet */
        return true;
    size_t d = i;
    while (d < n && s[d] >= '0' && s[d] <= '9')
        d++;
    if (d > i && d < n && (s[d] == '.' || s[d] == ')') && (d + 1 == n || s[d + 1] == ' '))
        return true; /* "1. " "2) " */
    /* "Tip", "Warning", "2.7.8" over the sentence they introduce */
    return answer_line_is_code(s, n) || sentence_line_is_label(s, n);
}

/* Whether the line text[from, e), the first of a block, is a run-in label
 * over the sentence on the next line: a term of a definition list set on a
 * line of its own ("Recovery from key compromise" / "If an attacker
 * compromises the generator's key, ..."), which a PDF keeps as a line
 * without the layout that told it apart. It is short (at most
 * RUNIN_LABEL_MAX bytes: a line of prose that wraps is longer), ends no
 * sentence, ends in a word that is no stop word (a wrapped line ends mid-
 * phrase, "... by means of the" / "FC_DEBUG ..."), and the next line starts
 * with a capital letter or a digit, as a sentence does. Such a line
 * glued to the sentence made stems such as "Recovery from key compromise
 * If an attacker compromises the _____'s key". */
static bool runin_label(const char *text, size_t from, size_t e, size_t len)
{
    size_t b = e;
    while (b > from && (unsigned char)text[b - 1] <= ' ')
        b--;
    if (b == from || b - from > RUNIN_LABEL_MAX || e >= len)
        return false;
    size_t a = b;
    while (a > from &&
           ((text[a - 1] >= 'a' && text[a - 1] <= 'z') || (text[a - 1] >= 'A' && text[a - 1] <= 'Z')))
        a--;
    if (a == b || b - a > WORDS_STEM_MAX)
        return false; /* ends in punctuation, a digit or a symbol */
    char last[WORDS_STEM_MAX + 1];
    for (size_t i = a; i < b; i++)
        last[i - a] = (char)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
    if (words_is_stop(last, b - a))
        return false;
    size_t next = e + 1;
    while (next < len && (text[next] == ' ' || text[next] == '\t'))
        next++;
    return next < len &&
           ((text[next] >= 'A' && text[next] <= 'Z') || (text[next] >= '0' && text[next] <= '9'));
}

/* Whether passage text has at least MIN_WORDS words outside headings:
 * empty, one-word and heading-only passages give no questions. */
static bool passage_usable(const char *text, size_t len, const char *section)
{
    if (len == 0)
        return false;
    size_t words = 0, p = 0;
    while (p < len && words < MIN_WORDS) {
        const char *nl = memchr(text + p, '\n', len - p);
        size_t e = nl != NULL ? (size_t)(nl - text) : len;
        size_t i = p;
        while (i < e && (text[i] == ' ' || text[i] == '\t'))
            i++;
        bool heading = i < e && text[i] == '#';
        if (section != NULL && !heading) {
            size_t sl = strlen(section), le = e;
            while (le > i && (text[le - 1] == ' ' || text[le - 1] == '\r'))
                le--;
            heading = le - i == sl && memcmp(text + i, section, sl) == 0;
        }
        if (!heading) {
            words_tokenizer tk = words_tokenizer_make(text + i, e - i);
            words_word w;
            while (words < MIN_WORDS && words_next(&tk, &w))
                words++;
        }
        p = e + 1;
    }
    return words >= MIN_WORDS;
}

/* Offer every prose sentence of passage p: its lines are grouped into
 * blocks of prose (blank lines, headings, list items and code lines end a
 * block), each block cut by core/sentence. */
static void scan_passage(gen *g, size_t p, const char *text, size_t len)
{
    size_t p0 = 0, block = SIZE_MAX;
    while (p0 <= len) {
        const char *nl = p0 < len ? memchr(text + p0, '\n', len - p0) : NULL;
        size_t e = nl != NULL ? (size_t)(nl - text) : len;
        bool skip = skip_line(text + p0, e - p0) || (block == SIZE_MAX && runin_label(text, p0, e, len));
        if (!skip && block == SIZE_MAX)
            block = p0;
        if (skip || e == len) {
            size_t bend = skip ? p0 : len;
            if (block != SIZE_MAX && bend > block) {
                size_t s = block;
                while (s < bend) {
                    while (s < bend && (unsigned char)text[s] <= ' ')
                        s++;
                    if (s >= bend)
                        break;
                    size_t n = sentence_len(text + s, bend - s);
                    if (n == 0)
                        n = bend - s;
                    size_t t = s + n;
                    while (t > s && (unsigned char)text[t - 1] <= ' ')
                        t--;
                    scan_sentence(g, p, text, s, t);
                    s += n;
                }
            }
            block = SIZE_MAX;
        }
        if (nl == NULL)
            break;
        p0 = e + 1;
    }
}

static size_t gcd(size_t a, size_t b)
{
    while (b != 0) {
        size_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Scan passage p unless done or outside the section asked for. */
static void scan_one(gen *g, size_t p, bool *done)
{
    if (done[p])
        return;
    done[p] = true;
    const retrieve_passage *rp = retrieve_index_passage(g->in->ix, p);
    if (rp->listing)
        return;
    if (g->in->section != NULL && (rp->section == NULL || strcmp(rp->section, g->in->section) != 0))
        return;
    if (boilerplate_section(rp->section) || !passage_usable(rp->text, rp->len, rp->section))
        return;
    scan_passage(g, p, rp->text, rp->len);
}

/* ---- writing questions ---- */

/* A growable string. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = em_realloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* Append text[from, to) with runs of white space as one space. */
static void sb_text(sbuf *b, const char *text, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        if ((unsigned char)text[i] <= ' ') {
            if (b->n > 0 && b->s[b->n - 1] != ' ')
                sb_add(b, " ", 1);
        } else {
            sb_add(b, text + i, 1);
        }
    }
}

/* Where the term stands in a sentence: its occurrences as [a, b) byte
 * ranges of the passage text. */
typedef struct occs {
    size_t a[MAX_OCC], b[MAX_OCC];
    size_t n;
    bool at_start;         /* the first one opens the sentence */
    bool heads;            /* each one heads its phrase (stands_as_head) */
    int32_t next[MAX_OCC]; /* the stem id of the content word right after each, -1 */
} occs;

static void find_occs(gen *g, const qterm *t, const char *text, const cand *c, occs *o)
{
    tok toks[MAX_WORDS + 2];
    size_t n = read_words(&g->lx, text, c->off, c->off + c->len, toks, NULL);
    o->n = 0;
    o->at_start = false;
    o->heads = true;
    for (size_t i = 0; i + (size_t)t->n_words <= n && o->n < MAX_OCC; i++) {
        bool ok = true;
        for (int k = 0; k < t->n_words && ok; k++)
            ok = toks[i + (size_t)k].stem == t->stem[k] && (k == 0 || toks[i + (size_t)k].joined);
        if (!ok)
            continue;
        if (!plain_occurrence(text, c->off, c->off + c->len, toks, n, i, i + (size_t)t->n_words, t->kind)) {
            o->n = 0; /* inside a longer term's compound ("linux-doc" for "linux"): not asked */
            return;
        }
        if (o->n == 0)
            o->at_start = i == 0;
        o->heads = o->heads && stands_as_head(text, c->off + c->len, toks, n, i + (size_t)t->n_words);
        size_t after = i + (size_t)t->n_words;
        o->next[o->n] = after < n && toks[after].joined ? toks[after].stem : -1;
        o->a[o->n] = toks[i].start;
        o->b[o->n] = word_end(text, &toks[i + (size_t)t->n_words - 1]);
        o->n++;
        i += (size_t)t->n_words - 1;
    }
}

/* Whether the stems of words (a term or option) stand in a row in the
 * sentence text[from, to). */
static bool holds(gen *g, const char *text, size_t from, size_t to, const char *words)
{
    int32_t want[TERM_WORDS_MAX + 2];
    size_t nw = 0;
    words_tokenizer tk = words_tokenizer_make(words, strlen(words));
    words_word w;
    while (words_next(&tk, &w)) {
        if (nw == TERM_WORDS_MAX + 2)
            return false;
        int32_t id = w.overlong ? -1 : lex_id(&g->lx, w.text, w.len);
        if (id >= 0)
            want[nw++] = id;
    }
    if (nw == 0)
        return false;
    tok toks[MAX_WORDS + 2];
    size_t n = read_words(&g->lx, text, from, to, toks, NULL);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (toks[i].stem < 0)
            continue;
        if (toks[i].stem == want[k]) {
            if (++k == nw)
                return true;
        } else {
            k = toks[i].stem == want[0] ? 1 : 0;
        }
    }
    return false;
}

/* The stem ids of words (stop words left out) into ids; how many. */
static size_t stems_of(gen *g, const char *words, int32_t ids[TERM_WORDS_MAX + 2])
{
    size_t n = 0;
    words_tokenizer tk = words_tokenizer_make(words, strlen(words));
    words_word w;
    while (words_next(&tk, &w)) {
        if (n == TERM_WORDS_MAX + 2)
            return 0;
        int32_t id = w.overlong ? -1 : lex_id(&g->lx, w.text, w.len);
        if (id >= 0)
            ids[n++] = id;
    }
    return n;
}

/* The options a question is built with: the key first. */
typedef struct opts {
    char *text[1 + N_DISTRACTORS]; /* owned */
    int32_t ids[1 + N_DISTRACTORS][TERM_WORDS_MAX + 2];
    size_t n_ids[1 + N_DISTRACTORS];
    size_t n;
} opts;

static void opts_cleanup(opts *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->text[i]);
    o->n = 0;
}

/* Whether two options (their words' stem ids, stop words left out) are
 * too close to stand in one question, as both may then be right:
 *   - the words of one all stand in the other ("page", "manual page"; the
 *     same words);
 *   - both have two or more words and share the first ("cat page", "cat
 *     file"): a material names one thing in other words this way as often
 *     as not, and when it does not the two are different kinds of thing
 *     ("file system", "file name") and no fair set anyway.
 * Options sharing their last word, the head, are kinds of one thing ("TCP
 * header", "IP header", "UDP header") and stay: that is the set a question
 * on one of them needs. */
static bool near_synonyms(const int32_t *a, size_t na, const int32_t *b, size_t nb)
{
    if (na >= 2 && nb >= 2 && a[0] == b[0])
        return true;
    const int32_t *s = na <= nb ? a : b, *l = na <= nb ? b : a;
    size_t ns = na <= nb ? na : nb, nl = na <= nb ? nb : na;
    for (size_t i = 0; i < ns; i++) {
        bool found = false;
        for (size_t j = 0; j < nl && !found; j++)
            found = s[i] == l[j];
        if (!found)
            return false;
    }
    return ns > 0;
}

/* Whether a candidate option reads as the same words as one already in o,
 * or too close to one (near_synonyms). */
static bool opts_clash(const opts *o, const int32_t *ids, size_t n)
{
    for (size_t i = 0; i < o->n; i++)
        if (near_synonyms(o->ids[i], o->n_ids[i], ids, n))
            return true;
    /* a candidate sharing a word with the key is too close to it */
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < o->n_ids[0]; j++)
            if (ids[k] == o->ids[0][j] && n == 1)
                return true;
    return false;
}

static void opts_add(opts *o, char *text, const int32_t *ids, size_t n)
{
    assert(o->n < 1 + N_DISTRACTORS);
    o->text[o->n] = text;
    memcpy(o->ids[o->n], ids, n * sizeof *ids);
    o->n_ids[o->n] = n;
    o->n++;
}

/* Whether a term reads as a noun in the material: a determiner stands
 * before it somewhere, and it heads its phrase somewhere (stands_as_head).
 * A one-word term needs both at once at least once ("the proposal.", "a
 * socket is"; not "the public issue", "a new collaborator", which use
 * adjectives), and a determiner before at least one in six of its
 * occurrences (not "allows", "write"). */
static bool noun_use(const qterm *q)
{
    if (q->det == 0 || q->head == 0)
        return false;
    return q->n_words > 1 || (q->det_head > 0 && 6 * q->det >= q->caps + q->lower);
}

/* Whether a one-word term is a word of framing rather than of the subject
 * ("example", "first", "following"), of the document's own apparatus
 * ("see Section 9.1.4", "Table 5.1") or of how it presents its subject
 * ("as discussed in the description of --max-stackframe", "the
 * introduction of association specifications"): never asked, never
 * offered. */
static bool vague(gen *g, const qterm *q)
{
    static const char *const words[] = {
        "first",      "second",      "third",     "last",        "next",         "other",    "example",
        "instance",   "following",   "way",       "case",        "thing",        "lot",      "kind",
        "sort",       "part",        "use",       "number",      "section",      "chapter",  "table",
        "figure",     "page",        "appendix",  "note",        "tip",          "warning",  "caution",
        "listing",    "item",        "paragraph", "description", "introduction", "overview", "summary",
        "discussion", "explanation", NULL};
    if (q->n_words != 1)
        return false;
    for (const char *const *w = words; *w; w++)
        if (lex_id(&g->lx, *w, strlen(*w)) == q->stem[0])
            return true;
    return false;
}

/* Whether term u can stand in for t as a wrong option in a sentence: same
 * kind (words, number or not, word class, proper name or not and written
 * alike: see style; noun-like), other words, and absent from the
 * sentence. */
static bool same_kind(const qterm *t, const qterm *u)
{
    bool tp = t->caps > t->lower, up = u->caps > u->lower;
    return u->n_words == t->n_words && u->number == t->number && u->kind == t->kind && tp == up &&
           t->style == u->style && (noun_use(u) || up);
}

/* How a term is written as an option: a proper name as the material
 * writes it mid-sentence; anything else as its surface form (its most
 * frequent), unless the material never uses that form as a noun but uses
 * another one so: then that one, lowercased ("locale", not "local"). */
static char *option_text(const gen *g, const qterm *q)
{
    bool proper = q->caps > q->lower && q->s_b != 0;
    if (!proper && (q->surface_noun || q->h_b == 0))
        return em_strdup(q->surface);
    size_t p = proper ? q->s_passage : q->h_passage, a = proper ? q->s_a : q->h_a,
           b = proper ? q->s_b : q->h_b;
    const retrieve_passage *rp = retrieve_index_passage(g->in->ix, p);
    char *s = em_strndup(rp->text + a, b - a);
    for (char *c = s; *c; c++) {
        if ((unsigned char)*c < ' ')
            *c = ' ';
        else if (!proper && *c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    }
    return s;
}

/* Whether the letters of s are all capitals, two or more of them ("DER",
 * "ASN1", "TCP header" is not). */
static bool all_capitals(const char *s)
{
    size_t letters = 0;
    for (const char *c = s; *c; c++) {
        if (*c >= 'a' && *c <= 'z')
            return false;
        letters += *c >= 'A' && *c <= 'Z';
    }
    return letters >= 2;
}

/* How term q is written (see style): lowercase unless mostly capitalised
 * mid-sentence; then all capitals, never lowercase (a name) or
 * capitalised common noun. */
static style style_of(const gen *g, const qterm *q)
{
    if (q->caps <= q->lower)
        return ST_LOWER;
    char *s = option_text(g, q);
    bool acronym = all_capitals(s);
    free(s);
    return acronym ? ST_ACRONYM : q->lower == 0 ? ST_NAME : ST_CAPITAL;
}

/* The same for a word from elsewhere (a WordNet lemma): all capitals, a
 * name when capitalised, else lowercase. */
static style text_style(const char *s)
{
    if (all_capitals(s))
        return ST_ACRONYM;
    return s[0] >= 'A' && s[0] <= 'Z' ? ST_NAME : ST_LOWER;
}

/* Whether the last word of s looks plural: it ends in "s" but not in
 * "ss", "us" or "is" ("cells", not "class", "nucleus", "analysis"). */
static bool looks_plural(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (n < 3 || (s[n - 1] != 's' && s[n - 1] != 'S'))
        return false;
    char b = s[n - 2];
    return b != 's' && b != 'u' && b != 'i' && b != 'S' && b != 'U' && b != 'I' && b != '\'';
}

/* A singular noun (a WordNet lemma) made plural by the regular rules. */
static char *pluralize(const char *s)
{
    size_t n = strlen(s);
    sbuf b = {0};
    sb_str(&b, s);
    if (n >= 2 && s[n - 1] == 'y' && strchr("aeiou", s[n - 2]) == NULL) {
        b.n--;
        sb_str(&b, "ies");
    } else if ((n >= 1 && strchr("sxz", s[n - 1]) != NULL) ||
               (n >= 2 && (memcmp(s + n - 2, "ch", 2) == 0 || memcmp(s + n - 2, "sh", 2) == 0))) {
        sb_str(&b, "es");
    } else {
        sb_str(&b, "s");
    }
    return b.s;
}

/* A plural noun made singular by the regular rules ("libraries", "boxes",
 * "files"), or NULL when its ending gives no safe singular. */
static char *singularize(const char *s)
{
    size_t n = strlen(s);
    if (n >= 4 && strcmp(s + n - 3, "ies") == 0) {
        char *out = em_malloc(n);
        memcpy(out, s, n - 3);
        memcpy(out + n - 3, "y", 2);
        return out;
    }
    if (n >= 4 && (strcmp(s + n - 3, "xes") == 0 || strcmp(s + n - 4, "ches") == 0 ||
                   strcmp(s + n - 4, "shes") == 0 || strcmp(s + n - 4, "sses") == 0))
        return em_strndup(s, n - 2);
    if (n >= 3 && s[n - 1] == 's')
        return em_strndup(s, n - 1);
    return NULL;
}

/* Whether an option (its stem ids) would fit the blank by the material's
 * own words: where the key qualifies the word after it ("an _____ status"),
 * an option the material writes before that word ("return status" beside
 * "exit status") makes a phrase the material uses, and may be as right as
 * the key. */
static bool fits_by_material(const gen *g, const occs *oc, const int32_t *ids, size_t n)
{
    for (size_t k = 0; k < oc->n && n > 0; k++)
        if (oc->next[k] >= 0 && pair_seen(g, ids[n - 1], oc->next[k]))
            return true;
    return false;
}

/* Up to want distractors for t in sentence c (the term standing there at
 * oc) into o (after the key): terms of the material of the same kind,
 * nearest in rank first with a seeded shuffle; then, when fewer than want,
 * the caller's sister terms. None fits the blank by the material's own
 * words (fits_by_material). */
static void pick_distractors(gen *g, size_t ti, const char *text, const cand *c, const occs *oc, size_t want,
                             bool material_only, uint64_t salt, opts *o)
{
    const qterm *t = &g->terms[ti];
    bool plural = looks_plural(o->text[0]); /* wrong options agree with the key in number */
    /* candidates ordered by rank distance plus jitter: a small sort over at most all terms */
    typedef struct pick {
        double key;
        size_t term;
    } pick;
    pick best[16];
    size_t nb = 0;
    for (size_t u = 0; u < g->n_terms; u++) {
        const qterm *q = &g->terms[u];
        if (u == ti || !same_kind(t, q) || same_stems(t, q) || q->caps + q->lower == 0 || vague(g, q))
            continue;
        double d = fabs((double)q->rank - (double)t->rank) + 8.0 * unit(g->in->seed ^ salt, ti, u);
        if (nb < 16) {
            best[nb++] = (pick){d, u};
        } else {
            size_t worst = 0;
            for (size_t k = 1; k < nb; k++)
                if (best[k].key > best[worst].key)
                    worst = k;
            if (d >= best[worst].key)
                continue;
            best[worst] = (pick){d, u};
        }
    }
    while (o->n < 1 + want && nb > 0) {
        size_t m = 0;
        for (size_t k = 1; k < nb; k++)
            if (best[k].key < best[m].key || (best[k].key == best[m].key && best[k].term < best[m].term))
                m = k;
        const qterm *q = &g->terms[best[m].term];
        best[m] = best[--nb];
        int32_t ids[TERM_WORDS_MAX + 2];
        size_t n = stems_of(g, q->surface, ids);
        if (n == 0 || opts_clash(o, ids, n) || holds(g, text, c->off, c->off + c->len, q->surface) ||
            fits_by_material(g, oc, ids, n))
            continue;
        char *text_u = option_text(g, q);
        bool proper = q->caps > q->lower;
        if (!written_in_material(g, text_u)) {
            free(text_u);
            continue;
        }
        if (looks_plural(text_u) != plural) {
            /* a common noun takes the key's number when the material writes it so; a name is
             * left as it is */
            char *fixed = proper ? NULL : plural ? pluralize(text_u) : singularize(text_u);
            free(text_u);
            if (fixed == NULL || !written_in_material(g, fixed)) {
                free(fixed);
                continue;
            }
            text_u = fixed;
            n = stems_of(g, text_u, ids);
            if (n == 0 || opts_clash(o, ids, n) || holds(g, text, c->off, c->off + c->len, text_u) ||
                fits_by_material(g, oc, ids, n)) {
                free(text_u);
                continue;
            }
        }
        opts_add(o, text_u, ids, n);
    }
    if (o->n >= 1 + want || material_only || g->in->sisters == NULL)
        return;
    char *sis[SISTERS_ASKED];
    size_t ns = g->in->sisters(g->in->sisters_ctx, t->surface, sis, SISTERS_ASKED);
    if (ns > SISTERS_ASKED)
        ns = SISTERS_ASKED;
    /* those the material writes first, in WordNet's order: they belong to its subject */
    size_t front = 0;
    for (size_t k = 0; k < ns; k++) {
        if (sis[k] != NULL && written_in_material(g, sis[k])) {
            char *tmp = sis[k];
            memmove(&sis[front + 1], &sis[front], (k - front) * sizeof *sis);
            sis[front++] = tmp;
        }
    }
    for (size_t k = 0; k < ns; k++) {
        int32_t ids[TERM_WORDS_MAX + 2];
        size_t n = sis[k] != NULL ? stems_of(g, sis[k], ids) : 0;
        size_t words = 0;
        if (n > 0) {
            words_tokenizer tk = words_tokenizer_make(sis[k], strlen(sis[k]));
            words_word w;
            while (words_next(&tk, &w))
                words++;
        }
        /* as many words as the key, written alike (a name only for a name) */
        bool fits = n > 0 && words == (size_t)t->n_words && text_style(sis[k]) == t->style;
        if (o->n < 1 + want && fits && !looks_plural(sis[k]) && !opts_clash(o, ids, n) &&
            !holds(g, text, c->off, c->off + c->len, sis[k]) && !fits_by_material(g, oc, ids, n)) {
            char *sister = sis[k];
            if (plural) {
                /* a plural only as the material writes it: WordNet gives no number */
                sister = pluralize(sis[k]);
                free(sis[k]);
                if (!written_in_material(g, sister)) {
                    free(sister);
                    continue;
                }
            }
            opts_add(o, sister, ids, n);
            continue;
        }
        free(sis[k]);
    }
}

/* Whether the key as a sentence writes it is a form the material uses as a
 * noun, so that nouns can stand beside it as options: any form when the
 * term's surface is used so, else only the form that is ("locale", not
 * "local" in "a local filesystem": one stem, two words). */
static bool key_form_fits(const gen *g, const qterm *t, const char *key)
{
    if (t->surface_noun || t->h_b == 0)
        return true;
    const retrieve_passage *rp = retrieve_index_passage(g->in->ix, t->h_passage);
    return written_as(rp->text + t->h_a, t->h_b - t->h_a, key);
}

/* The key as the sentence writes it: lowercase unless a proper name. */
static char *key_text(const qterm *t, const char *text, const occs *oc)
{
    char *k = em_strndup(text + oc->a[0], oc->b[0] - oc->a[0]);
    if (t->caps <= t->lower)
        for (char *p = k; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    for (char *p = k; *p; p++)
        if ((unsigned char)*p < ' ')
            *p = ' ';
    return k;
}

/* The sentence with each occurrence of the term replaced by with (a blank
 * or another term), white space runs as one space, and an "a"/"an" right
 * before a replaced occurrence agreeing with the new word. */
static char *replace_occs(const char *text, const cand *c, const occs *oc, const char *with, bool capital)
{
    sbuf b = {0};
    size_t p = c->off;
    for (size_t i = 0; i < oc->n; i++) {
        sb_text(&b, text, p, oc->a[i]);
        if (with[0] != '_' && b.n >= 2) {
            /* "a inode" -> "an inode" and back */
            bool vowel = strchr("aeiouAEIOU", with[0]) != NULL;
            bool was_an = b.n >= 3 && (b.n == 3 || b.s[b.n - 4] == ' ') &&
                          (memcmp(b.s + b.n - 3, "an ", 3) == 0 || memcmp(b.s + b.n - 3, "An ", 3) == 0);
            bool was_a = !was_an && (b.n == 2 || b.s[b.n - 3] == ' ') &&
                         (memcmp(b.s + b.n - 2, "a ", 2) == 0 || memcmp(b.s + b.n - 2, "A ", 2) == 0);
            if (was_an && !vowel) {
                b.s[b.n - 2] = ' ';
                b.n--;
                b.s[b.n] = '\0';
            } else if (was_a && vowel) {
                b.n--;
                sb_str(&b, "n ");
            }
        }
        size_t at = b.n;
        sb_str(&b, with);
        if (capital && i == 0 && oc->at_start && b.s[at] >= 'a' && b.s[at] <= 'z')
            b.s[at] = (char)(b.s[at] - 'a' + 'A');
        p = oc->b[i];
    }
    sb_text(&b, text, p, c->off + c->len);
    return b.s;
}

/* A question being written, its options still in opts (key first). */
static void shuffle_options(gen *g, opts *o, qgen_question *q, uint64_t salt)
{
    size_t perm[1 + N_DISTRACTORS];
    for (size_t i = 0; i < o->n; i++)
        perm[i] = i;
    for (size_t i = o->n; i > 1; i--) {
        size_t j = (size_t)(unit(g->in->seed, salt, i) * (double)i);
        size_t tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }
    q->options = em_calloc(o->n, sizeof *q->options);
    q->n_options = o->n;
    for (size_t i = 0; i < o->n; i++) {
        q->options[i] = o->text[perm[i]];
        o->text[perm[i]] = NULL;
    }
    for (size_t i = 0; i < o->n; i++)
        if (perm[i] == 0)
            q->answer = em_strdup(q->options[i]);
    o->n = 0;
}

static void question_cleanup(qgen_question *q)
{
    free(q->stem);
    for (size_t i = 0; i < q->n_options; i++)
        free(q->options[i]);
    free(q->options);
    free(q->answer);
    free(q->term);
    memset(q, 0, sizeof *q);
}

/* Whether a question's stem still shows its key: the term's words (any
 * case, any form with the same stems) stand in it in a row. A blank that
 * hides one occurrence while another stays in sight gives the answer
 * away; so does a false statement that kept the term. A true statement is
 * the sentence itself and holds the term by design. */
static bool key_in_stem(gen *g, const qgen_question *q)
{
    if (q->type == QGEN_TRUE_FALSE && strcmp(q->answer, "True") == 0)
        return false;
    /* the words of the question's frame ("Which term matches this definition?") are not the stem's */
    const char *prefix = q->type == QGEN_TRUE_FALSE   ? TF_PREFIX
                         : q->type == QGEN_DEFINITION ? DEF_PREFIX
                                                      : "";
    size_t skip = strncmp(q->stem, prefix, strlen(prefix)) == 0 ? strlen(prefix) : 0;
    return holds(g, q->stem, skip, strlen(q->stem), q->term);
}

/* Whether words (a swapped-in term) bring a word the sentence text[a, b)
 * does not hold: a false statement made only of the sentence's own words
 * rearranged ("the source file of a cat file" from "the source file of a
 * manual page ... no cat page") reads as a trick, not as a claim to weigh. */
static bool brings_new_word(gen *g, const char *text, size_t a, size_t b, const char *words)
{
    int32_t ids[TERM_WORDS_MAX + 2];
    size_t n = stems_of(g, words, ids);
    tok toks[MAX_WORDS + 2];
    size_t nt = read_words(&g->lx, text, a, b, toks, NULL);
    for (size_t i = 0; i < n; i++) {
        bool held = false;
        for (size_t k = 0; k < nt && !held; k++)
            held = toks[k].stem == ids[i];
        if (!held)
            return true;
    }
    return false;
}

/* The key check: the cited sentence lies in its passage, the key's stems
 * stand in it and nowhere else in the stem, every wrong option's do not
 * stand in the sentence, the options differ and the answer is one of them
 * once. A true/false statement's swapped-in term is absent from the
 * sentence and brings a word of its own. */
static bool check(gen *g, const qgen_question *q, const char *text, size_t len, const char *swapped)
{
    if (q->quote_offset > len || q->quote_len > len - q->quote_offset || q->quote_len == 0)
        return false;
    size_t a = q->quote_offset, b = a + q->quote_len;
    if (!holds(g, text, a, b, q->term) || key_in_stem(g, q))
        return false;
    if (q->type == QGEN_TRUE_FALSE) {
        if (q->n_options != 2)
            return false;
        return swapped == NULL ? strcmp(q->answer, "True") == 0
                               : strcmp(q->answer, "False") == 0 && !holds(g, text, a, b, swapped) &&
                                     brings_new_word(g, text, a, b, swapped);
    }
    if (!holds(g, text, a, b, q->answer))
        return false;
    if (q->type == QGEN_CLOZE)
        return q->n_options == 0;
    size_t answers = 0;
    for (size_t i = 0; i < q->n_options; i++) {
        if (strcmp(q->options[i], q->answer) == 0) {
            answers++;
            continue;
        }
        if (holds(g, text, a, b, q->options[i]))
            return false;
    }
    return answers == 1 && q->n_options == 1 + N_DISTRACTORS;
}

/* Whether the sentence c states something that can be true or false: it
 * holds a finite verb. A heuristic, not a parse:
 *   - a sentence opening with a content word and then an article or
 *     determiner ("Returns the value ...", "Extract a length field ...",
 *     "Search the structure that is defined ...") is a reference entry's
 *     summary or an instruction, not a claim, whatever follows; so is one
 *     opening with a word of ORDERS ("Refrain from ...", "Please note
 *     ...");
 *   - otherwise a form of "be", "have" or "do" or a modal ("is", "are",
 *     "was", "has", "can", "must", "does", "should", ...) counts, and so
 *     does a word past the first ending in -s (not -ss, -us, -is) right
 *     after a content word or a subject pronoun ("the kernel keeps", "it
 *     holds"), or in -ed right after a subject pronoun ("they created");
 *   - but not right after a relative pronoun ("that", "which", "who"):
 *     "Function that generates a C structure ..." names a thing and says
 *     nothing of it.
 * A plural noun after another noun ("DER encoding rules") passes for a
 * verb: some phrases without one are let through, which the other checks
 * (a whole sentence, a noun swapped) keep rare. */
static bool is_claim(gen *g, const char *text, const cand *c)
{
    static const char *const finite[] = {
        "is",      "are",      "was",       "were",    "has",    "have",   "had",     "does",
        "do",      "did",      "can",       "could",   "may",    "might",  "must",    "shall",
        "should",  "will",     "would",     "isn't",   "aren't", "wasn't", "weren't", "hasn't",
        "haven't", "hadn't",   "doesn't",   "don't",   "didn't", "can't",  "cannot",  "couldn't",
        "won't",   "wouldn't", "shouldn't", "mustn't", NULL};
    static const char *const relative[] = {"that", "which", "who", "whom", "whose", NULL};
    static const char *const subjects[] = {"it",   "he",         "she",      "they",   "we",      "i",
                                           "you",  "one",        "everyone", "anyone", "someone", "nobody",
                                           "this", "everything", "nothing",  NULL};
    static const char *const articles[] = {"the", "a",     "an",   "each",  "every", "all", "any",
                                           "its", "their", "this", "these", "those", NULL};
    tok toks[MAX_WORDS + 2];
    size_t n = read_words(&g->lx, text, c->off, c->off + c->len, toks, NULL);
    if (n < 2)
        return false;
    if (toks[0].stem >= 0 && !connective(text, &toks[0]) && word_in(text, &toks[1], articles))
        return false;
    if (word_in(text, &toks[0], ORDERS) || word_in(text, &toks[0], IMPERATIVES))
        return false;
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && word_in(text, &toks[k - 1], relative))
            continue;
        if (word_in(text, &toks[k], finite))
            return true;
        if (k == 0)
            continue;
        const char *w = text + toks[k].start;
        size_t l = toks[k].end - toks[k].start;
        char last = (char)(w[l - 1] | 0x20), before = l >= 2 ? (char)(w[l - 2] | 0x20) : ' ';
        bool after_subject = word_in(text, &toks[k - 1], subjects);
        bool after_content = toks[k - 1].stem >= 0;
        if (l >= 3 && last == 's' && before != 's' && before != 'u' && before != 'i' && before != '\'' &&
            (after_subject || after_content))
            return true;
        if (l >= 4 && last == 'd' && before == 'e' && after_subject)
            return true;
    }
    return false;
}

/* The difficulty of a question, 0..1: 0.4 for its kind (true/false 0.1,
 * choice 0.4, definition 0.6, cloze 0.9: recognising is easier than
 * recalling), 0.3 for the term's rarity (its place among the key terms,
 * best first), 0.2 for the sentence's length (6 words 0, 46 or more 1) and
 * 0.1 when the sentence uses the term without defining it. */
static double difficulty(const gen *g, const qterm *t, qgen_type type, const cand *c, size_t n_words)
{
    static const double kind_w[] = {
        [QGEN_CLOZE] = 0.9, [QGEN_CHOICE] = 0.4, [QGEN_TRUE_FALSE] = 0.1, [QGEN_DEFINITION] = 0.6};
    double rarity = g->n_terms > 1 ? (double)t->rank / (double)(g->n_terms - 1) : 0.0;
    if (rarity > 1)
        rarity = 1;
    double len = ((double)n_words - MIN_WORDS) / 40.0;
    len = len < 0 ? 0 : len > 1 ? 1 : len;
    double d = 0.4 * kind_w[type] + 0.3 * rarity + 0.2 * len + (c->pat == P_USE ? 0.1 : 0.0);
    return round(d * 100.0) / 100.0;
}

/* Write a question of the given type on term ti from sentence c into q;
 * false when the sentence or the material cannot give that type. */
static bool write_question(gen *g, size_t ti, const cand *c, qgen_type type, uint64_t salt, qgen_question *q)
{
    qterm *t = &g->terms[ti];
    const retrieve_passage *rp = retrieve_index_passage(g->in->ix, c->passage);
    const char *text = rp->text;
    occs oc;
    find_occs(g, t, text, c, &oc);
    if (oc.n == 0)
        return false;
    memset(q, 0, sizeof *q);
    q->type = type;
    q->passage = c->passage;
    q->quote_offset = c->off;
    q->quote_len = c->len;
    char *key = key_text(t, text, &oc);
    q->term = em_strdup(key);
    const char *swapped = NULL;
    opts o = {0};
    int32_t ids[TERM_WORDS_MAX + 2];
    size_t nk = stems_of(g, key, ids);
    opts_add(&o, key, ids, nk);
    bool ok = true;
    switch (type) {
    case QGEN_CLOZE:
        q->stem = replace_occs(text, c, &oc, BLANK, false);
        q->answer = em_strdup(key);
        break;
    case QGEN_CHOICE:
    case QGEN_DEFINITION:
        if (type == QGEN_DEFINITION) {
            if (c->pat == P_USE)
                ok = false;
            else if (c->pat == P_IS && c->def_off > oc.b[oc.n - 1]) {
                /* the definition: what follows "is", its first letter lowered */
                sbuf b = {0};
                sb_str(&b, DEF_PREFIX);
                sb_add(&b, "\"", 1);
                size_t e = c->off + c->len;
                while (e > c->def_off && (text[e - 1] == '.' || text[e - 1] == ' '))
                    e--;
                sb_text(&b, text, c->def_off, e);
                sb_add(&b, "\"", 1);
                q->stem = b.s;
                if (oc.n > 1)
                    ok = false; /* the term again inside its definition */
            } else if (oc.n > 1) {
                ok = false; /* the term used again: the sentence describes, it does not define */
            } else {
                char *blanked = replace_occs(text, c, &oc, BLANK, false);
                sbuf b = {0};
                sb_str(&b, DEF_PREFIX);
                sb_add(&b, "\"", 1);
                sb_str(&b, blanked);
                sb_add(&b, "\"", 1);
                free(blanked);
                q->stem = b.s;
            }
        } else {
            q->stem = replace_occs(text, c, &oc, BLANK, false);
        }
        if (ok && !key_form_fits(g, t, key))
            ok = false;
        if (ok) {
            pick_distractors(g, ti, text, c, &oc, N_DISTRACTORS, false, salt, &o);
            ok = o.n == 1 + N_DISTRACTORS;
        }
        if (ok)
            shuffle_options(g, &o, q, salt);
        break;
    case QGEN_TRUE_FALSE: {
        if (!is_claim(g, text, c)) {
            ok = false;
            break;
        }
        /* a swap only where the term heads its phrase: in "the structure field" another
         * term would name another thing, not state a falsehood */
        bool want_false = unit(g->in->seed, salt, 7) < 0.5 && oc.heads;
        if (want_false) {
            pick_distractors(g, ti, text, c, &oc, 1, true, salt, &o);
            want_false = o.n == 2;
        }
        sbuf b = {0};
        sb_str(&b, TF_PREFIX);
        if (want_false) {
            swapped = o.text[1];
            char *s = replace_occs(text, c, &oc, swapped, true);
            sb_str(&b, s);
            free(s);
        } else {
            sb_text(&b, text, c->off, c->off + c->len);
        }
        q->stem = b.s;
        q->options = em_calloc(2, sizeof *q->options);
        q->options[0] = em_strdup("True");
        q->options[1] = em_strdup("False");
        q->n_options = 2;
        q->answer = em_strdup(want_false ? "False" : "True");
        break;
    }
    }
    if (ok) {
        tok toks[MAX_WORDS + 2];
        size_t n = read_words(&g->lx, text, c->off, c->off + c->len, toks, NULL);
        q->difficulty = difficulty(g, t, type, c, n);
        ok = check(g, q, text, rp->len, swapped);
    }
    opts_cleanup(&o);
    if (!ok)
        question_cleanup(q);
    return ok;
}

/* ---- similarity ---- */

static int cmp_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The sorted distinct stem ids of text's content words (owned array). */
static int32_t *stem_set(lexicon *lx, const char *text, size_t len, size_t *n)
{
    size_t cap = 16, k = 0;
    int32_t *ids = em_malloc(cap * sizeof *ids);
    words_tokenizer tk = words_tokenizer_make(text, len);
    words_word w;
    while (words_next(&tk, &w)) {
        int32_t id = w.overlong ? -1 : lex_id(lx, w.text, w.len);
        if (id < 0)
            continue;
        if (k == cap) {
            cap *= 2;
            ids = em_realloc(ids, cap * sizeof *ids);
        }
        ids[k++] = id;
    }
    qsort(ids, k, sizeof *ids, cmp_id);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (m == 0 || ids[m - 1] != ids[i])
            ids[m++] = ids[i];
    *n = m;
    return ids;
}

static double overlap(const int32_t *a, size_t na, const int32_t *b, size_t nb)
{
    size_t i = 0, j = 0, both = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) {
            both++;
            i++;
            j++;
        } else if (a[i] < b[j]) {
            i++;
        } else {
            j++;
        }
    }
    size_t m = na < nb ? na : nb;
    return m == 0 ? 0.0 : (double)both / (double)m;
}

double qgen_similarity(const char *a, size_t alen, const char *b, size_t blen)
{
    if (a == NULL)
        alen = 0;
    if (b == NULL)
        blen = 0;
    lexicon lx = {0};
    lx.st = words_stemmer_new(NULL);
    if (lx.st == NULL)
        return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0) ? 1.0 : 0.0;
    size_t na, nb;
    int32_t *sa = stem_set(&lx, a, alen, &na), *sb = stem_set(&lx, b, blen, &nb);
    double s;
    if (na == 0 && nb == 0)
        s = alen == blen && (alen == 0 || memcmp(a, b, alen) == 0) ? 1.0 : 0.0;
    else
        s = overlap(sa, na, sb, nb);
    free(sa);
    free(sb);
    smap_cleanup(&lx.stems);
    smap_cleanup(&lx.words);
    words_stemmer_free(lx.st);
    return s;
}

/* ---- generation ---- */

const char *qgen_type_name(qgen_type t)
{
    switch (t) {
    case QGEN_CLOZE: return "cloze";
    case QGEN_CHOICE: return "multiple_choice";
    case QGEN_TRUE_FALSE: return "true_false";
    case QGEN_DEFINITION: return "definition";
    }
    return "unknown";
}

void qgen_set_cleanup(qgen_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        question_cleanup(&s->items[i]);
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

/* Add surface to the terms unless it reads as one already there (then a
 * focus term marks that one). */
static void add_term(gen *g, const char *surface, bool focus, size_t rank)
{
    if (surface == NULL || g->n_terms == QGEN_TERMS_MAX)
        return;
    qterm t;
    if (!term_read(&g->lx, surface, &t))
        return;
    t.focus = focus;
    t.rank = rank;
    for (long u = first_term(g, t.stem[0]); u >= 0; u = g->terms[u].next) {
        if (same_stems(&g->terms[u], &t)) {
            g->terms[u].focus = g->terms[u].focus || focus;
            return;
        }
    }
    long e = smap_find(&g->first, (const char *)&t.stem[0], sizeof t.stem[0]);
    if (e < 0) {
        e = (long)smap_put(&g->first, (const char *)&t.stem[0], sizeof t.stem[0], -1);
    }
    t.next = g->first.val[e];
    g->first.val[e] = (int32_t)g->n_terms;
    g->terms[g->n_terms++] = t;
}

/* Read the passages (of the section asked for) into the terms'
 * candidate sentences: all of them when they hold at most SCAN_BUDGET
 * bytes; else first the passages retrieve ranks best for each focus term,
 * then the others in a seeded order (a random start and a stride prime to
 * their number, so the sample spreads over the whole material) until
 * SCAN_BUDGET bytes of sentences were read. */
static void scan(gen *g)
{
    const qgen_input *in = g->in;
    size_t np = retrieve_index_count(in->ix);
    if (g->n_terms == 0 || np == 0)
        return;
    size_t total = 0;
    for (size_t p = 0; p < np && total <= SCAN_BUDGET; p++) {
        const retrieve_passage *rp = retrieve_index_passage(in->ix, p);
        if (!rp->listing &&
            (in->section == NULL || (rp->section != NULL && strcmp(rp->section, in->section) == 0)))
            total += rp->len;
    }
    bool *done = em_calloc(np, sizeof *done);
    for (size_t t = 0; t < g->n_terms && total > SCAN_BUDGET; t++) {
        if (!g->terms[t].focus)
            continue;
        retrieve_hit hits[FOCUS_PASSAGES];
        size_t n_hits = 0;
        const char *q = g->terms[t].surface;
        if (retrieve_question(in->ix, q, strlen(q), FOCUS_PASSAGES, hits, &n_hits, NULL) != EM_OK)
            continue;
        for (size_t h = 0; h < n_hits; h++)
            scan_one(g, hits[h].passage, done);
    }
    size_t start = (size_t)(mix(in->seed ^ 0x5ca9) % np), stride = 1;
    if (total > SCAN_BUDGET) {
        /* a stride near the golden section of np, prime to it */
        stride = (size_t)((double)np * 0.6180339887) | 1;
        while (stride > 1 && gcd(stride, np) != 1)
            stride += 2;
        if (stride >= np)
            stride = 1;
    }
    size_t budget = total > SCAN_BUDGET ? g->scanned + SCAN_BUDGET : SIZE_MAX;
    for (size_t k = 0, p = start; k < np && g->scanned < budget; k++, p = (p + stride) % np)
        scan_one(g, p, done);
    free(done);
}

typedef struct order {
    double key;
    size_t term;
} order;

static int by_key(const void *a, const void *b)
{
    const order *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->term > y->term) - (x->term < y->term);
}

typedef struct kept {
    int32_t *ids; /* owned stem set of its stem */
    size_t n;
} kept;

int qgen_generate(const qgen_input *in, qgen_set *out, em_error *err)
{
    assert(out != NULL);
    out->items = NULL;
    out->n = 0;
    if (in == NULL || in->ix == NULL)
        return em_error_set(err, EM_E_INVAL, "no passages to write questions from");
    if (in->max < 1 || in->max > QGEN_MAX)
        return em_error_set(err, EM_E_INVAL, "questions wanted must be 1..%d", QGEN_MAX);
    if ((in->terms == NULL && in->n_terms > 0) || (in->focus_terms == NULL && in->n_focus > 0))
        return em_error_set(err, EM_E_INVAL, "terms missing");
    gen g = {0};
    g.in = in;
    g.lx.st = words_stemmer_new(err);
    if (g.lx.st == NULL)
        return EM_E_INTERNAL;
    size_t cap = in->n_terms + in->n_focus;
    if (cap > QGEN_TERMS_MAX)
        cap = QGEN_TERMS_MAX;
    g.terms = em_calloc(cap + 1, sizeof *g.terms);
    for (size_t i = 0; i < in->n_terms; i++)
        add_term(&g, in->terms[i], false, i);
    for (size_t i = 0; i < in->n_focus; i++)
        add_term(&g, in->focus_terms[i], true, in->n_terms + i);

    scan(&g);
    for (size_t t = 0; t < g.n_terms; t++)
        g.terms[t].style = style_of(&g, &g.terms[t]);

    /* the order terms are asked in: focus first, then rank shuffled among neighbours */
    order *ord = em_calloc(g.n_terms + 1, sizeof *ord);
    size_t n_ord = 0;
    for (size_t t = 0; t < g.n_terms; t++) {
        const qterm *q = &g.terms[t];
        bool noun_like = q->kind == K_NOUN && !vague(&g, q) && (noun_use(q) || q->caps > q->lower);
        if (q->n_cands == 0 || (!noun_like && !q->focus))
            continue;
        double key = (double)q->rank + NEIGHBOURS * unit(in->seed, 0x7e57, t);
        ord[n_ord++] = (order){q->focus ? key - 1e9 : key, t};
    }
    qsort(ord, n_ord, sizeof *ord, by_key);

    out->items = em_calloc(in->max, sizeof *out->items);
    kept *ks = em_calloc(in->max, sizeof *ks);
    /* sentences used: (passage, offset) pairs of the kept questions */
    static const qgen_type rotation[4] = {QGEN_CHOICE, QGEN_CLOZE, QGEN_TRUE_FALSE, QGEN_DEFINITION};
    size_t turn = (size_t)(mix(in->seed) & 3);
    for (int round = 0; round < CANDS && out->n < in->max; round++) {
        for (size_t k = 0; k < n_ord && out->n < in->max; k++) {
            qterm *t = &g.terms[ord[k].term];
            if (t->uses != round || t->n_cands == 0)
                continue;
            /* a sentence: a seeded pick among the term's best three not used yet, among its
             * definitional ones when the best is one */
            size_t left = t->n_cands < 3 ? t->n_cands : 3;
            while (left > 1 && t->cands[0].pat != P_USE && t->cands[left - 1].pat == P_USE)
                left--;
            size_t pick = (size_t)(unit(in->seed, ord[k].term, (uint64_t)round) * (double)left);
            cand chosen = t->cands[pick];
            /* move it past the ones still to use */
            memmove(&t->cands[pick], &t->cands[pick + 1], (t->n_cands - pick - 1) * sizeof *t->cands);
            t->n_cands--;
            bool used = false;
            for (size_t j = 0; j < out->n && !used; j++)
                used = out->items[j].passage == chosen.passage && out->items[j].quote_offset == chosen.off;
            if (used)
                continue;
            qgen_question q;
            bool ok = false;
            /* the rotation's type first; a definitional sentence prefers a definition */
            qgen_type first = rotation[turn % 4];
            if (chosen.pat != P_USE && unit(in->seed, ord[k].term, 99) < 0.7)
                first = QGEN_DEFINITION;
            for (size_t a = 0; a < 4 && !ok; a++) {
                qgen_type ty = a == 0 ? first : rotation[(turn + a) % 4];
                if (a > 0 && ty == first)
                    ty = rotation[turn % 4];
                ok = write_question(&g, ord[k].term, &chosen, ty, mix(in->seed ^ (out->n * 31 + a)), &q);
            }
            if (!ok)
                continue;
            size_t nq;
            int32_t *ids = stem_set(&g.lx, q.stem, strlen(q.stem), &nq);
            bool dup = false;
            for (size_t j = 0; j < out->n && !dup; j++)
                dup = overlap(ids, nq, ks[j].ids, ks[j].n) >= QGEN_NEAR_DUPLICATE;
            if (dup) {
                free(ids);
                question_cleanup(&q);
                continue;
            }
            ks[out->n] = (kept){ids, nq};
            out->items[out->n++] = q;
            t->uses++;
            turn++;
        }
        /* terms that found no question this round may still have sentences: let them catch up */
        for (size_t k = 0; k < n_ord; k++) {
            qterm *t = &g.terms[ord[k].term];
            if (t->uses == round)
                t->uses = round + 1;
        }
    }
    for (size_t j = 0; j < out->n; j++)
        free(ks[j].ids);
    free(ks);
    free(ord);
    if (out->n == 0) {
        free(out->items);
        out->items = NULL;
    }
    free(g.terms);
    smap_cleanup(&g.first);
    smap_cleanup(&g.seen);
    smap_cleanup(&g.pairs);
    smap_cleanup(&g.lx.stems);
    smap_cleanup(&g.lx.words);
    words_stemmer_free(g.lx.st);
    return EM_OK;
}
