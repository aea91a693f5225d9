/* grade: grading quiz answers (see grade.h).
 *
 * Choice and true/false answers are compared as normalised text: a view of
 * the bytes with surrounding white space and one final period cut off, runs
 * of white space read as one space and ASCII letters lowercased, walked one
 * byte at a time so nothing is copied that need not be.
 *
 * A short answer and each accepted key are read into word lists (core/words:
 * words, stop words, Snowball stems). The key's counted words (its content
 * words, or all its words when it has no other) are matched to distinct
 * counted words of the answer in three passes: same stem, then synonyms,
 * then one typo. The answer is right when every counted key word is matched,
 * its numbers in the key's order and no other programming keyword before
 * it, the answer adds few enough words, and it has no negation or opposite
 * the key lacks. docs/internals/learn.md,
 * "Grading answers", says why each rule is what it is. */
#include "learn/grade.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "core/words.h"
#include "learn/synonyms.h"

#define TYPO_MIN_CHARS 4        /* shorter key words must be spelt right */
#define LIST_INLINE 16          /* words a list holds before it moves to the heap */
#define QUOTE_MAX 160           /* bytes of a quoted key or option in feedback, NUL included */
#define LETTERS 26              /* options that have a letter: A-Z */
#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, ends a cut quote */

/* ---- white space and normalised views ------------------------------------ */

/* The length of the white space character at s[i] (end bounds it), or 0.
 * White space is ASCII space and control characters, C1 controls and the
 * Unicode spaces (no-break, en/em and the other typographic spaces, line and
 * paragraph separators, ideographic space), zero-width space and the byte
 * order mark: what a phone or a paste puts around an answer. */
static size_t space_at(const char *s, size_t i, size_t end)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80)
        return c <= 0x20 || c == 0x7f ? 1 : 0;
    uint32_t cp;
    size_t n = utf8_decode(s + i, end - i, &cp);
    if (n == 0)
        return 0;
    if (cp <= 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200b) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff)
        return n;
    return 0;
}

/* s[b..e) without the white space at its end. */
static size_t trim_end(const char *s, size_t b, size_t e)
{
    while (e > b) {
        size_t c = e - 1;
        while (c > b && e - c < UTF8_MAX_LEN && ((unsigned char)s[c] & 0xc0) == 0x80)
            c--;
        size_t n = space_at(s, c, e);
        if (n == 0 || c + n != e)
            break;
        e = c;
    }
    return e;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t sp = space_at(s, i, n);
        if (sp == 0)
            return false;
        i += sp;
    }
    return true;
}

/* A normalised reading of text: see the file comment. */
typedef struct view {
    const char *s; /* borrowed */
    size_t pos, end;
    bool lower; /* lowercase ASCII letters */
} view;

static view view_make(const char *s, size_t n, bool lower)
{
    size_t b = 0;
    while (b < n) {
        size_t sp = space_at(s, b, n);
        if (sp == 0)
            break;
        b += sp;
    }
    size_t e = trim_end(s, b, n);
    if (e > b && s[e - 1] == '.')
        e = trim_end(s, b, e - 1);
    return (view){s, b, e, lower};
}

/* The next byte of the view, a run of white space as one ' ', or -1 at its end. */
static int view_next(view *v)
{
    if (v->pos >= v->end)
        return -1;
    size_t sp = space_at(v->s, v->pos, v->end);
    if (sp > 0) {
        while (sp > 0) {
            v->pos += sp;
            sp = v->pos < v->end ? space_at(v->s, v->pos, v->end) : 0;
        }
        return ' ';
    }
    unsigned char c = (unsigned char)v->s[v->pos++];
    return v->lower ? ascii_tolower(c) : c;
}

static bool view_equal(view a, view b)
{
    for (;;) {
        int x = view_next(&a);
        int y = view_next(&b);
        if (x != y)
            return false;
        if (x < 0)
            return true;
    }
}

/* Copy the view into out (cap >= 1 bytes), NUL-terminated; returns the
 * length of the whole view, which is cap or more when it was cut. */
static size_t view_copy(view v, char *out, size_t cap)
{
    assert(cap >= 1);
    size_t n = 0;
    for (int c = view_next(&v); c >= 0; c = view_next(&v)) {
        if (n + 1 < cap)
            out[n] = (char)c;
        n++;
    }
    out[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* s[0..n) as a quote for feedback into q (QUOTE_MAX bytes): normalised
 * without lowercasing, cut at a character with an ellipsis when too long. */
static void quote(char q[QUOTE_MAX], const char *s, size_t n)
{
    size_t len = view_copy(view_make(s, n, false), q, QUOTE_MAX);
    if (len >= QUOTE_MAX) {
        size_t cut = utf8_cut(q, QUOTE_MAX - 1, QUOTE_MAX - 1 - (sizeof ELLIPSIS - 1));
        memcpy(q + cut, ELLIPSIS, sizeof ELLIPSIS);
    }
}

/* ---- multiple choice and true/false --------------------------------------- */

/* The option a letter form names in the normalised s[0..n) ("b", "(b)",
 * "b)", and the same followed by a space and more text, whose start goes
 * in *rest), 0 for a; -1 when s does not start with one. A bare "b." never
 * reaches here: normalising took its period. */
static int letter_form(const char *s, size_t n, size_t *rest /* OUT */)
{
    size_t at = 0, after;
    if (n >= 3 && s[0] == '(' && s[2] == ')') {
        at = 1;
        after = 3;
    } else if (n == 1) {
        after = 1;
    } else if (n >= 2 && (s[1] == ')' || s[1] == '.')) {
        after = 2;
    } else {
        return -1;
    }
    if (s[at] < 'a' || s[at] > 'z')
        return -1;
    if (after == n) {
        *rest = n;
    } else if (s[after] == ' ' && after + 1 < n) {
        *rest = after + 1;
    } else {
        return -1;
    }
    return s[at] - 'a';
}

/* The one option whose stemmed words (grade_normalize) are those of text
 * v: "entries" names the option "entry"; -1 for none, or for two. */
static int option_stemmed(const grade_key *k, view v)
{
    char given[GRADE_NORM_MAX], opt[GRADE_NORM_MAX];
    if (grade_normalize(v.s + v.pos, v.end - v.pos, given, sizeof given) == 0)
        return -1;
    int found = -1;
    for (size_t i = 0; i < k->n_options; i++) {
        grade_normalize(k->options[i], strlen(k->options[i]), opt, sizeof opt);
        if (strcmp(given, opt) != 0)
            continue;
        if (found >= 0)
            return -1;
        found = (int)i;
    }
    return found;
}

/* The option the text v names: an option's whole text first, then a letter
 * form (alone, or followed by that same option's text), then the one option
 * with the same stemmed words (plurals, case and punctuation aside); -1 for
 * none. */
static int option_named(const grade_key *k, view v)
{
    for (size_t i = 0; i < k->n_options; i++) {
        const char *o = k->options[i];
        if (view_equal(v, view_make(o, strlen(o), true)))
            return (int)i;
    }
    char buf[GRADE_ANSWER_MAX + 1];
    size_t n = view_copy(v, buf, sizeof buf);
    if (n >= sizeof buf)
        return -1;
    size_t rest;
    int l = letter_form(buf, n, &rest);
    if (l < 0 || (size_t)l >= k->n_options)
        return option_stemmed(k, v);
    if (rest == n)
        return l;
    const char *o = k->options[l];
    return view_equal(view_make(buf + rest, n - rest, true), view_make(o, strlen(o), true)) ? l : -1;
}

static const char *const trues[] = {"true", "t", "yes", "y"};
static const char *const falses[] = {"false", "f", "no", "n"};

/* 0 for a true, 1 for a false, -1 for neither. */
static int truth_named(view v)
{
    char buf[8];
    size_t n = view_copy(v, buf, sizeof buf);
    if (n >= sizeof buf)
        return -1;
    for (size_t i = 0; i < sizeof trues / sizeof trues[0]; i++) {
        if (strcmp(buf, trues[i]) == 0)
            return 0;
        if (strcmp(buf, falses[i]) == 0)
            return 1;
    }
    return -1;
}

static int grade_choice(const grade_key *k, const char *given, size_t len, grade_result *out, em_error *err)
{
    if (k->options == NULL || k->n_options == 0)
        return em_error_set(err, EM_E_INVAL, "the question has no options");
    for (size_t i = 0; i < k->n_options; i++) {
        if (k->options[i] == NULL)
            return em_error_set(err, EM_E_INVAL, "an option of the question is missing");
    }
    int key = option_named(k, view_make(k->answer, strlen(k->answer), true));
    if (key < 0)
        return em_error_set(err, EM_E_INVAL, "the question's answer is not one of its options");

    out->option = option_named(k, view_make(given, len, true));
    out->correct = out->option == key;
    if (out->correct) {
        snprintf(out->feedback, sizeof out->feedback, "Correct.");
    } else if (out->option < 0) {
        size_t last = k->n_options < LETTERS ? k->n_options - 1 : LETTERS - 1;
        if (last == 0)
            snprintf(out->feedback, sizeof out->feedback,
                     "Not one of the options: answer with the letter A or the option's text.");
        else
            snprintf(out->feedback, sizeof out->feedback,
                     "Not one of the options: answer with a letter A-%c or an option's text.",
                     'A' + (int)last);
    } else {
        char q[QUOTE_MAX];
        quote(q, k->options[key], strlen(k->options[key]));
        if (key < LETTERS)
            snprintf(out->feedback, sizeof out->feedback, "Not quite: the answer is %c, '%s'.", 'A' + key, q);
        else
            snprintf(out->feedback, sizeof out->feedback, "Not quite: the answer is '%s'.", q);
    }
    return EM_OK;
}

static int grade_true_false(const grade_key *k, const char *given, size_t len, grade_result *out,
                            em_error *err)
{
    int key = truth_named(view_make(k->answer, strlen(k->answer), true));
    if (key < 0)
        return em_error_set(err, EM_E_INVAL, "the question's answer is neither true nor false");
    out->option = truth_named(view_make(given, len, true));
    out->correct = out->option == key;
    if (out->correct)
        snprintf(out->feedback, sizeof out->feedback, "Correct.");
    else if (out->option < 0)
        snprintf(out->feedback, sizeof out->feedback, "Not one of the options: answer True or False.");
    else
        snprintf(out->feedback, sizeof out->feedback, "Not quite: the answer is '%s'.",
                 key == 0 ? "True" : "False");
    return EM_OK;
}

/* ---- short answers: word lists -------------------------------------------- */

/* Stop words that turn a statement around, and pairs of opposites (one word
 * of a pair at least a stop word, or a word an answer could add as an extra),
 * which stems and extra-word counting would let through: "not mitosis" for
 * "mitosis", "after the war" for "before the war". */
static const char *const negations[] = {"not", "no", "nor", "never", "cannot", "none"};
static const char *const opposites[][2] = {
    {"before", "after"}, {"above", "below"},    {"up", "down"},        {"on", "off"},     {"in", "out"},
    {"over", "under"},   {"more", "less"},      {"more", "fewer"},     {"most", "least"}, {"with", "without"},
    {"for", "against"},  {"same", "different"}, {"inside", "outside"},
};
#define N_OPPOSITES (sizeof opposites / sizeof opposites[0])
_Static_assert(N_OPPOSITES <= 16, "glist.opposite has two bits per pair");
/* Stop words that name a kind of thing in programming: "for loop" is not a
 * "while loop", though both have the one content word "loop". */
static const char *const keywords[] = {"do", "for", "if", "until", "while"};
#define MARK_MAX 9 /* bytes of the longest word above, "different" */

typedef struct gword {
    char text[WORDS_MAX + 1];      /* as core/words reads it ("" when overlong) */
    char stem[WORDS_STEM_MAX + 1]; /* Snowball stem; stop words and numbers as written */
    size_t len, stem_len, chars;
    size_t start, end; /* where it lies in its text */
    bool stop;         /* an English stop word */
    bool digit;        /* holds an ASCII digit: exact only */
    bool overlong;     /* over WORDS_MAX bytes: compared as raw bytes */
    bool joined;       /* only white space or a hyphen since the word before (words_word.joined) */
    signed char table; /* in the synonym table: 1, 0, -1 not yet looked up */
    bool taken;        /* matching: an answer word matched to a key word, a key word matched */
    size_t match;      /* matching: a key word's answer word */
    int via;           /* matching: the pass that matched a key word */
} gword;

typedef struct glist {
    const char *src; /* borrowed: the text read */
    gword *w;        /* inl, or owned when it outgrew it */
    size_t n, cap;
    size_t n_content;  /* words that are not stop words */
    uint32_t opposite; /* bit 2i: has opposites[i][0]; bit 2i + 1: opposites[i][1] */
    bool negated, has_and, has_or;
    gword inl[LIST_INLINE];
} glist;

static void list_init(glist *l)
{
    l->src = NULL;
    l->w = l->inl;
    l->n = 0;
    l->cap = LIST_INLINE;
    l->n_content = 0;
    l->opposite = 0;
    l->negated = l->has_and = l->has_or = false;
}

static void list_cleanup(glist *l)
{
    if (l->w != l->inl)
        free(l->w);
    l->w = l->inl;
    l->n = 0;
}

static gword *list_push(glist *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap * 2;
        gword *w = em_malloc(cap * sizeof *w);
        memcpy(w, l->w, l->n * sizeof *w);
        if (l->w != l->inl)
            free(l->w);
        l->w = w;
        l->cap = cap;
    }
    gword *g = &l->w[l->n++];
    memset(g, 0, sizeof *g);
    g->table = -1;
    return g;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return n > 0;
}

/* strcmp(a, b) == 0, quicker on the usual first-letter miss. */
static bool same_word(const char *a, const char *b)
{
    return a[0] == b[0] && strcmp(a, b) == 0;
}

/* Note what a word says for the negation, opposite and list rules. */
static void list_mark(glist *l, const char *w, size_t n)
{
    if (n >= 3 && memcmp(w + n - 3, "n't", 3) == 0)
        l->negated = true;
    if (n > MARK_MAX)
        return;
    for (size_t i = 0; i < sizeof negations / sizeof negations[0]; i++)
        l->negated = l->negated || same_word(w, negations[i]);
    for (size_t i = 0; i < N_OPPOSITES; i++) {
        if (same_word(w, opposites[i][0]))
            l->opposite |= (uint32_t)1 << (2 * i);
        if (same_word(w, opposites[i][1]))
            l->opposite |= (uint32_t)1 << (2 * i + 1);
    }
    l->has_and = l->has_and || same_word(w, "and");
    l->has_or = l->has_or || same_word(w, "or");
}

/* Read s[0..len) into l. A number written with thousands commas ("1,547",
 * which core/words reads as "1" and "547") is read as one ("1547"). */
static int list_read(glist *l, words_stemmer *st, const char *s, size_t len)
{
    l->src = s;
    words_tokenizer t = words_tokenizer_make(s, len);
    words_word w;
    while (words_next(&t, &w)) {
        if (!w.overlong)
            list_mark(l, w.text, w.len);
        if (!w.overlong && l->n > 0 && w.len == 3 && all_digits(w.text, w.len)) {
            gword *p = &l->w[l->n - 1];
            if (!p->overlong && all_digits(p->text, p->len) && p->end + 1 == w.start && s[p->end] == ',' &&
                p->len + 3 <= WORDS_MAX) {
                memcpy(p->text + p->len, w.text, 4);
                p->len += 3;
                p->chars += 3;
                memcpy(p->stem, p->text, p->len + 1);
                p->stem_len = p->len;
                p->end = w.end;
                continue;
            }
        }
        gword *g = list_push(l);
        g->start = w.start;
        g->end = w.end;
        g->overlong = w.overlong;
        g->joined = w.joined;
        if (w.overlong) {
            l->n_content++;
            continue;
        }
        memcpy(g->text, w.text, w.len + 1);
        g->len = w.len;
        g->chars = w.chars;
        g->stop = words_is_stop(w.text, w.len);
        for (size_t i = 0; i < w.len; i++)
            g->digit = g->digit || (w.text[i] >= '0' && w.text[i] <= '9');
        if (!g->stop)
            l->n_content++;
        if (g->stop || !w.has_letter) {
            memcpy(g->stem, w.text, w.len + 1);
            g->stem_len = w.len;
        } else {
            int rc = words_stem(st, w.text, w.len, g->stem, &g->stem_len);
            if (rc != EM_OK)
                return rc;
        }
    }
    return EM_OK;
}

/* ---- short answers: matching ---------------------------------------------- */

/* s[0..n) as code points into cp (n of room); an invalid byte becomes a value
 * no character has, distinct per byte. Returns how many. */
static size_t code_points(const char *s, size_t n, uint32_t *cp)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_decode(s + i, n - i, &cp[k]);
        if (l == 0) {
            cp[k] = 0x110000u + (unsigned char)s[i];
            l = 1;
        }
        i += l;
        k++;
    }
    return k;
}

static bool same_cps(const uint32_t *a, const uint32_t *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

/* Whether y[0..ny) is x[0..nx) with one typo: a character inserted,
 * deleted or replaced, or two neighbours swapped (Damerau-Levenshtein
 * distance 1). The first character must stay: a swap of the first two is a
 * typo, but a first letter added, dropped or changed usually makes another
 * word ("asymmetric", "abiotic", "effect"), and misspellings seldom start
 * there. */
static bool one_typo(const uint32_t *x, size_t nx, const uint32_t *y, size_t ny)
{
    if (nx == ny) {
        size_t i = 0;
        while (i < nx && x[i] == y[i])
            i++;
        if (i == nx)
            return false; /* the same word */
        if (same_cps(x + i + 1, y + i + 1, nx - i - 1))
            return i > 0;
        return i + 1 < nx && x[i] == y[i + 1] && x[i + 1] == y[i] &&
               same_cps(x + i + 2, y + i + 2, nx - i - 2);
    }
    if (nx + 1 != ny && ny + 1 != nx)
        return false;
    const uint32_t *lng = nx > ny ? x : y, *sht = nx > ny ? y : x;
    size_t ns = nx > ny ? ny : nx;
    size_t i = 0;
    while (i < ns && lng[i] == sht[i])
        i++;
    return i > 0 && same_cps(lng + i + 1, sht + i, ns - i);
}

/* How long the word w[0..n) (code points) is without a plural ending: n,
 * n - 1 after an "s" (not "ss": "glass"), n - 2 after "es"; forms[] gets
 * them, returns how many. */
static size_t plural_forms(const uint32_t *w, size_t n, size_t forms[3])
{
    size_t k = 0;
    forms[k++] = n;
    if (n > 2 && w[n - 1] == 's' && w[n - 2] != 's')
        forms[k++] = n - 1;
    if (n > 2 && w[n - 1] == 's' && w[n - 2] == 'e')
        forms[k++] = n - 2;
    return k;
}

/* Whether the answer word a[0..an) is one typo away from the key word
 * k[0..kn), either as written or without a plural ending on either
 * ("ribosme" for "ribosomes"): a plural is not a typo. Stems are not
 * compared for typos instead, because the stemmer treats a misspelt word's
 * ending differently (it takes the "e" off "membrane" but nothing off
 * "membrain", which would make two typos one). */
static bool typo_or_plural(const char *k, size_t kn, const char *a, size_t an)
{
    uint32_t x[WORDS_MAX], y[WORDS_MAX];
    assert(kn <= WORDS_MAX && an <= WORDS_MAX);
    size_t nx = code_points(k, kn, x), ny = code_points(a, an, y);
    if (nx > ny + 3 || ny > nx + 3)
        return false; /* two endings off and one typo make at most 3 */
    size_t kf[3], af[3];
    size_t nk = plural_forms(x, nx, kf), na = plural_forms(y, ny, af);
    for (size_t i = 0; i < nk; i++) {
        for (size_t j = 0; j < na; j++) {
            if (one_typo(x, kf[i], y, af[j]))
                return true;
        }
    }
    return false;
}

static bool raw_equal(const glist *kl, const gword *k, const glist *al, const gword *a)
{
    size_t n = k->end - k->start;
    return n == a->end - a->start && ascii_ncasecmp(kl->src + k->start, al->src + a->start, n) == 0;
}

static bool in_table(gword *w)
{
    if (w->table < 0)
        w->table = !w->overlong && synonyms_equivalent(w->stem, w->stem_len, w->stem, w->stem_len);
    return w->table == 1;
}

enum { PASS_SAME, PASS_SYNONYM, PASS_TYPO, N_PASSES };

static bool words_match(int pass, const glist *kl, gword *k, const glist *al, gword *a)
{
    if (k->overlong || a->overlong)
        return pass == PASS_SAME && k->overlong && a->overlong && raw_equal(kl, k, al, a);
    switch (pass) {
    case PASS_SAME: return strcmp(k->stem, a->stem) == 0;
    case PASS_SYNONYM:
        return in_table(k) && in_table(a) && synonyms_equivalent(k->stem, k->stem_len, a->stem, a->stem_len);
    default:
        if (k->digit || a->digit || k->chars < TYPO_MIN_CHARS)
            return false;
        return typo_or_plural(k->text, k->len, a->text, a->len);
    }
}

static bool is_keyword(const gword *w)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        if (same_word(w->text, keywords[i]))
            return true;
    }
    return false;
}

/* Whether key word i stands right after a keyword ("for loop") and its
 * answer word j right after another one ("while loop"). */
static bool keyword_swapped(const glist *kl, size_t i, const glist *al, size_t j)
{
    if (i == 0 || j == 0 || !kl->w[i].joined || !al->w[j].joined)
        return false;
    const gword *kb = &kl->w[i - 1], *ab = &al->w[j - 1];
    return is_keyword(kb) && is_keyword(ab) && strcmp(kb->text, ab->text) != 0;
}

typedef enum verdict_kind {
    V_RIGHT,
    V_MISSING,  /* a key word is not in the answer, or its numbers are out of order */
    V_OPPOSITE, /* a negation or an opposite the key does not have */
    V_CHOICE,   /* joins words with and/or where the key does not, and adds words */
    V_EXTRA     /* adds more words than the key has */
} verdict_kind;

typedef struct verdict {
    verdict_kind kind;
    bool typo, synonym;
} verdict;

/* Judge the answer al against one key kl (the lists' matching marks are reset). */
static verdict judge(glist *kl, glist *al)
{
    verdict v = {V_RIGHT, false, false};
    bool key_all = kl->n_content == 0; /* a key of stop words only: count every word */
    size_t nk = 0, na = 0;
    for (size_t i = 0; i < kl->n; i++) {
        kl->w[i].taken = false;
        nk += key_all || !kl->w[i].stop;
    }
    for (size_t j = 0; j < al->n; j++) {
        al->w[j].taken = false;
        na += key_all || !al->w[j].stop;
    }
    if (na < nk) {
        v.kind = V_MISSING;
        return v;
    }
    for (int pass = 0; pass < N_PASSES; pass++) {
        for (size_t i = 0; i < kl->n; i++) {
            gword *k = &kl->w[i];
            if (k->taken || (!key_all && k->stop))
                continue;
            for (size_t j = 0; j < al->n; j++) {
                gword *a = &al->w[j];
                if (a->taken || (!key_all && a->stop) || !words_match(pass, kl, k, al, a))
                    continue;
                k->taken = a->taken = true;
                k->match = j;
                k->via = pass;
                v.synonym = v.synonym || pass == PASS_SYNONYM;
                v.typo = v.typo || pass == PASS_TYPO;
                break;
            }
        }
    }
    size_t last_number = 0;
    bool numbered = false;
    for (size_t i = 0; i < kl->n; i++) {
        const gword *k = &kl->w[i];
        if (key_all || !k->stop) {
            if (!k->taken) {
                v.kind = V_MISSING;
                return v;
            }
            if (keyword_swapped(kl, i, al, k->match)) {
                v.kind = V_MISSING;
                return v;
            }
            if (k->digit) {
                if (numbered && k->match < last_number) {
                    v.kind = V_MISSING;
                    return v;
                }
                last_number = k->match;
                numbered = true;
            }
        }
    }
    bool opposite = kl->negated != al->negated;
    for (size_t i = 0; i < N_OPPOSITES; i++) {
        uint32_t a = (uint32_t)1 << (2 * i), b = a << 1;
        opposite = opposite || ((kl->opposite & a) && !(kl->opposite & b) && (al->opposite & b)) ||
                   ((kl->opposite & b) && !(kl->opposite & a) && (al->opposite & a));
    }
    bool listing = (al->has_and && !kl->has_and) || (al->has_or && !kl->has_or);
    size_t extra = na - nk;
    if (opposite)
        v.kind = V_OPPOSITE;
    else if (listing && extra > 0)
        v.kind = V_CHOICE;
    else if (extra > nk)
        v.kind = V_EXTRA;
    return v;
}

/* How good a right verdict is: lower is better. */
static int quality(verdict v)
{
    return (v.synonym ? 1 : 0) + (v.typo ? 2 : 0);
}

/* Append to f (cap bytes, len used) as snprintf would, clamping: returns
 * the new length, at most cap - 1. */
static size_t put(char *f, size_t cap, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t put(char *f, size_t cap, size_t len, const char *fmt, ...)
{
    assert(len < cap);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(f + len, cap - len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return len;
    return (size_t)n < cap - len ? len + (size_t)n : cap - 1;
}

/* Append the key words that pass matched ("'mitochondria', 'cell'"), as
 * written in the key, while each fits with reserve bytes left over. */
static size_t feedback_words(char *f, size_t cap, size_t len, const glist *kl, int pass, size_t reserve)
{
    size_t count = 0;
    for (size_t i = 0; i < kl->n; i++) {
        const gword *k = &kl->w[i];
        if (!k->taken || k->via != pass)
            continue;
        size_t n = k->end - k->start;
        if (len + 2 + n + 2 + reserve >= cap)
            break;
        len = put(f, cap, len, "%s'%.*s'", count > 0 ? ", " : "", (int)n, kl->src + k->start);
        count++;
    }
    return len;
}

/* The feedback of a right short answer against key kl: "Correct.", "Correct
 * (spelling: 'mitochondria').", "Correct (the expected word: 'start')." */
static void feedback_right(char *f, size_t cap, verdict v, const glist *kl)
{
    if (!v.typo && !v.synonym) {
        snprintf(f, cap, "Correct.");
        return;
    }
    size_t len = put(f, cap, 0, "Correct (");
    if (v.typo) {
        len = put(f, cap, len, "spelling: ");
        len = feedback_words(f, cap, len, kl, PASS_TYPO, v.synonym ? 40 : 4);
    }
    if (v.synonym) {
        len = put(f, cap, len, "%sthe expected word: ", v.typo ? "; " : "");
        len = feedback_words(f, cap, len, kl, PASS_SYNONYM, 4);
    }
    put(f, cap, len, ").");
}

static void feedback_wrong(char *f, size_t cap, verdict v, const char *key)
{
    char q[QUOTE_MAX];
    quote(q, key, strlen(key));
    if (v.kind == V_CHOICE)
        snprintf(f, cap, "Not quite: give one answer, not a list or a choice; the answer is '%s'.", q);
    else if (v.kind == V_EXTRA)
        snprintf(f, cap, "Not quite: the answer is just '%s'.", q);
    else
        snprintf(f, cap, "Not quite: the answer is '%s'.", q);
}

/* A key without any word ("+", "->") is compared as normalised text. */
static verdict judge_text(const char *key, const char *given, size_t len)
{
    verdict v = {V_RIGHT, false, false};
    if (!view_equal(view_make(key, strlen(key), true), view_make(given, len, true)))
        v.kind = V_MISSING;
    return v;
}

static int grade_short(const grade_key *k, const char *given, size_t len, grade_result *out, em_error *err)
{
    words_stemmer *st = words_stemmer_new(err);
    if (st == NULL)
        return EM_E_INTERNAL;
    int rc = EM_OK;
    glist al, kl;
    list_init(&al);
    list_init(&kl);
    rc = list_read(&al, st, given, len);
    if (rc != EM_OK) {
        em_error_set(err, rc, "the answer could not be read");
        goto done;
    }
    int best = -1;
    for (size_t i = 0; i <= k->n_also && best != 0; i++) {
        const char *key = i == 0 ? k->answer : (k->also_accepted != NULL ? k->also_accepted[i - 1] : NULL);
        if (key == NULL)
            continue;
        list_cleanup(&kl);
        list_init(&kl);
        rc = list_read(&kl, st, key, strlen(key));
        if (rc != EM_OK) {
            em_error_set(err, rc, "the question's answer could not be read");
            goto done;
        }
        verdict v = kl.n == 0 ? judge_text(key, given, len) : judge(&kl, &al);
        if (v.kind == V_RIGHT && (best < 0 || quality(v) < best)) {
            best = quality(v);
            out->correct = true;
            out->typo_forgiven = v.typo;
            out->synonym = v.synonym;
            feedback_right(out->feedback, sizeof out->feedback, v, &kl);
        } else if (i == 0 && v.kind != V_RIGHT) {
            feedback_wrong(out->feedback, sizeof out->feedback, v, key);
        }
    }
done:
    list_cleanup(&kl);
    list_cleanup(&al);
    words_stemmer_free(st);
    return rc;
}

/* Feedback quotes the key's bytes; a key of invalid UTF-8 (or a sentence
 * cut short) must not make the sentence invalid: each byte that does not
 * start a well-formed character becomes '?'. */
static void make_valid(char *f)
{
    size_t n = strlen(f);
    for (size_t i = 0; i < n;) {
        size_t l = utf8_decode(f + i, n - i, NULL);
        if (l == 0) {
            f[i] = '?';
            l = 1;
        }
        i += l;
    }
}

/* ---- the API -------------------------------------------------------------- */

int grade_answer(const grade_key *k, const char *given, size_t len, grade_result *out, em_error *err)
{
    assert(k != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    out->option = -1;
    em_error_clear(err);
    if (given == NULL && len > 0)
        return em_error_set(err, EM_E_INVAL, "the answer is missing");
    if (len > GRADE_ANSWER_MAX)
        return em_error_set(err, EM_E_TOO_LARGE, "the answer is longer than %d bytes", GRADE_ANSWER_MAX);
    if (!utf8_validate(given, len, NULL))
        return em_error_set(err, EM_E_INVAL, "the answer is not valid UTF-8");
    if (blank(given, len))
        return em_error_set(err, EM_E_INVAL, "the answer is empty");
    if (k->answer == NULL)
        return em_error_set(err, EM_E_INVAL, "the question has no answer");

    int rc;
    switch (k->kind) {
    case GRADE_CHOICE: rc = grade_choice(k, given, len, out, err); break;
    case GRADE_TRUE_FALSE: rc = grade_true_false(k, given, len, out, err); break;
    case GRADE_SHORT: rc = grade_short(k, given, len, out, err); break;
    default: rc = em_error_set(err, EM_E_INVAL, "unknown kind of question"); break;
    }
    if (rc != EM_OK) {
        memset(out, 0, sizeof *out);
        out->option = -1;
    }
    make_valid(out->feedback);
    return rc;
}

size_t grade_normalize(const char *text, size_t len, char *out, size_t n)
{
    if (n == 0)
        return 0;
    out[0] = '\0';
    if (text == NULL || len == 0)
        return 0;
    words_stemmer *st = words_stemmer_new(NULL);
    if (st == NULL)
        return 0;
    glist l;
    list_init(&l);
    size_t o = 0;
    if (list_read(&l, st, text, len) == EM_OK) {
        bool all = l.n_content == 0;
        for (size_t i = 0; i < l.n; i++) {
            const gword *w = &l.w[i];
            if (w->overlong || (!all && w->stop))
                continue;
            size_t need = (o > 0 ? 1 : 0) + w->stem_len;
            if (o + need + 1 > n)
                break;
            if (o > 0)
                out[o++] = ' ';
            memcpy(out + o, w->stem, w->stem_len);
            o += w->stem_len;
        }
    }
    out[o] = '\0';
    list_cleanup(&l);
    words_stemmer_free(st);
    return o;
}
