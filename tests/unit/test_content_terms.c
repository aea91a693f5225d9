/* terms: tokenising, stop words, stems, key terms with tf-idf, two-word terms,
 * ties, limits; memory on millions of distinct words, the deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "content/deadline.h"
#include "content/terms.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "fixtures.h"

/* ---- helpers ------------------------------------------------------------ */

/* Stems of text joined by single spaces, as an owned string. */
static char *stems_of(const char *text)
{
    char **stems = NULL;
    size_t n = 0;
    em_error err = {0};
    assert_int_equal(terms_stem_words(text, strlen(text), &stems, &n, &err), EM_OK);
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(stems[i]) + 1;
    char *out = em_malloc(total);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(stems[i]);
        if (i > 0)
            out[o++] = ' ';
        memcpy(out + o, stems[i], l);
        o += l;
    }
    out[o] = '\0';
    terms_stems_free(stems, n);
    return out;
}

static void assert_stems(const char *text, const char *want)
{
    char *got = stems_of(text);
    if (strcmp(got, want) != 0)
        fail_msg("stems of \"%s\": got \"%s\", want \"%s\"", text, got, want);
    free(got);
}

/* Key terms of the NULL-terminated documents. */
static key_term *key_terms(const char *const *docs, size_t top_n, size_t *n)
{
    size_t n_docs = 0;
    while (docs[n_docs] != NULL)
        n_docs++;
    size_t *lens = em_malloc((n_docs + 1) * sizeof *lens);
    for (size_t i = 0; i < n_docs; i++)
        lens[i] = strlen(docs[i]);
    key_term *t = NULL;
    em_error err = {0};
    assert_int_equal(terms_key_terms(docs, lens, n_docs, top_n, &t, n, &err), EM_OK);
    free(lens);
    return t;
}

static const key_term *find_term(const key_term *t, size_t n, const char *term)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].term, term) == 0)
            return &t[i];
    }
    return NULL;
}

/* ---- stop words --------------------------------------------------------- */

static void content_terms_stop_words(void **state)
{
    size_t n;
    const char *const *list = terms_stop_words(&n);
    assert_true(n >= 170 && n <= 200);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(list[i - 1], list[i]) >= 0)
            fail_msg("stop words out of order at \"%s\"", list[i]);
        assert_true(terms_is_stop_word(list[i], strlen(list[i])));
    }
    assert_true(terms_is_stop_word("the", 3));
    assert_true(terms_is_stop_word("theirs", 6));
    assert_true(terms_is_stop_word("them!", 4)); /* a prefix of the buffer */
    assert_false(terms_is_stop_word("th", 2));
    assert_false(terms_is_stop_word("The", 3)); /* callers lowercase */
    assert_false(terms_is_stop_word("photosynthesis", 14));
    assert_false(terms_is_stop_word("", 0));
}

/* ---- tokenising and stemming ---------------------------------------------- */

static void content_terms_stem_words_basic(void **state)
{
    assert_stems("", "");
    assert_stems("The and of", "");
    assert_stems("Photosynthesis converts light", "photosynthesi convert light");
    /* ASCII is lowercased; numbers and short words stay in queries */
    assert_stems("pH 7 in 1945", "ph 7 1945");
    assert_stems("H2O and CO2", "h2o co2");
    /* punctuation separates */
    assert_stems("cells,membranes;(divide)", "cell membran divid");
}

static void content_terms_apostrophes_and_hyphens(void **state)
{
    /* contractions are stop words, with either apostrophe */
    assert_stems("don't DON'T don\xe2\x80\x99t", "");
    /* possessives and trailing apostrophes go */
    assert_stems("the cell's wall", "cell wall");
    assert_stems("the cell\xe2\x80\x99s wall", "cell wall");
    assert_stems("the cells' walls", "cell wall");
    /* an inner apostrophe stays */
    assert_stems("o'clock", "o'clock");
    /* leading and lone apostrophes are punctuation */
    assert_stems("'quoted' words", "quot word");
    /* hyphens split */
    assert_stems("cell-membrane well\xe2\x80\x90known", "cell membran well known");
    assert_stems("x - y", "x y");
}

static void content_terms_unicode(void **state)
{
    /* non-ASCII letters are kept as they are, not lowercased */
    char *s = stems_of("\xc3\x89mile na\xc3\xafve");
    assert_true(strncmp(s, "\xc3\x89mil", 5) == 0);
    assert_non_null(strstr(s, " na\xc3\xafv"));
    free(s);
    /* Greek and Cyrillic words are words */
    s = stems_of("\xce\xb1\xce\xb2\xce\xb3 \xd0\xb4\xd0\xbe\xd0\xbc");
    assert_string_equal(s, "\xce\xb1\xce\xb2\xce\xb3 \xd0\xb4\xd0\xbe\xd0\xbc");
    free(s);
    /* punctuation, symbols and spaces outside ASCII separate */
    assert_stems("alpha\xe2\x80\x94"
                 "beta\xc2\xa0gamma\xe2\x80\xa6"
                 "delta\xc2\xbb"
                 "epsilon\xf0\x9f\x98\x80zeta",
                 "alpha beta gamma delta epsilon zeta");
    /* a soft hyphen inside a word is dropped */
    assert_stems("photo\xc2\xadsynthesis", "photosynthesi");
    /* invalid UTF-8 separates and is never copied */
    assert_stems("abc\xff"
                 "def\xc3",
                 "abc def");
    assert_stems("\xed\xa0\x80surrogate", "surrog");
}

static void content_terms_overlong_words(void **state)
{
    char text[300];
    memset(text, 'a', 200);
    memcpy(text + 200, " short", 7);
    assert_stems(text, "short");
    /* exactly TERMS_WORD_MAX bytes is still a word */
    memset(text, 'b', TERMS_WORD_MAX);
    text[TERMS_WORD_MAX] = '\0';
    char *s = stems_of(text);
    assert_int_equal(strlen(s), TERMS_WORD_MAX);
    free(s);
}

static void content_terms_stem_words_invalid(void **state)
{
    char **stems = (char **)1;
    size_t n = 99;
    em_error err = {0};
    assert_int_equal(terms_stem_words(NULL, 3, &stems, &n, &err), EM_E_INVAL);
    assert_null(stems);
    assert_int_equal(n, 0);
    assert_int_equal(terms_stem_words(NULL, 0, &stems, &n, &err), EM_OK);
    assert_int_equal(n, 0);
    terms_stems_free(NULL, 0);
}

/* ---- key terms ------------------------------------------------------------ */

static void content_terms_frequency_and_surface(void **state)
{
    const char *docs[] = {
        "Photosynthesis happens in chloroplasts. Photosynthesis needs light. "
        "Plants use photosynthesis; a chloroplast holds chlorophyll. Lights matter.",
        NULL,
    };
    size_t n;
    key_term *t = key_terms(docs, 10, &n);
    assert_true(n >= 4);
    assert_string_equal(t[0].term, "photosynthesis");
    assert_string_equal(t[0].stem, "photosynthesi");
    assert_int_equal(t[0].count, 3);
    assert_int_equal(t[0].docs, 1);
    assert_int_equal(t[0].first_doc, 0);
    /* then the two-count terms, alphabetically; "chloroplasts" and
     * "chloroplast" (once each) share a stem and show as the first by strcmp */
    assert_string_equal(t[1].term, "chloroplast");
    assert_string_equal(t[1].stem, "chloroplast");
    assert_int_equal(t[1].count, 2);
    assert_string_equal(t[2].term, "light");
    assert_true(t[0].score > t[1].score);
    assert_true(t[1].score == t[2].score);
    /* tf = 3 of 14 term words, idf = ln(2 / 2) + 1 */
    assert_true(t[0].score > 3.0 / 14 - 1e-12 && t[0].score < 3.0 / 14 + 1e-12);
    /* stop words are never terms */
    assert_null(find_term(t, n, "in"));
    for (size_t i = 1; i < n; i++)
        assert_true(t[i - 1].score >= t[i].score);
    key_terms_free(t, n);
}

static void content_terms_most_frequent_surface(void **state)
{
    const char *docs[] = {"cells cells cell Cells CELL", NULL};
    size_t n;
    key_term *t = key_terms(docs, 5, &n);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].term, "cells");
    assert_int_equal(t[0].count, 5);
    key_terms_free(t, n);
    /* a tie between surfaces goes to the first by strcmp */
    const char *docs2[] = {"running runs", NULL};
    t = key_terms(docs2, 5, &n);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].stem, "run");
    assert_string_equal(t[0].term, "running");
    key_terms_free(t, n);
}

static void content_terms_idf(void **state)
{
    /* "enzyme" is in every document, "ribosome" in one: same count, but the
     * rarer term scores higher */
    const char *docs[] = {
        "enzyme ribosome ribosome ribosome",
        "enzyme catalysis",
        "enzyme substrate",
        NULL,
    };
    size_t n;
    key_term *t = key_terms(docs, 10, &n);
    assert_string_equal(t[0].term, "ribosome");
    const key_term *e = find_term(t, n, "enzyme");
    assert_non_null(e);
    assert_int_equal(e->count, 3);
    assert_int_equal(e->docs, 3);
    assert_true(t[0].score > e->score);
    const key_term *s = find_term(t, n, "substrate");
    assert_non_null(s);
    assert_int_equal(s->first_doc, 2);
    assert_int_equal(s->docs, 1);
    key_terms_free(t, n);
}

static void content_terms_bigrams(void **state)
{
    const char *docs[] = {
        "The cell membrane surrounds the cell. A cell membrane is thin.",
        "Water crosses the cell membrane.",
        NULL,
    };
    size_t n;
    key_term *t = key_terms(docs, 10, &n);
    const key_term *b = find_term(t, n, "cell membrane");
    assert_non_null(b);
    assert_string_equal(b->stem, "cell membran");
    assert_int_equal(b->count, 3);
    assert_int_equal(b->docs, 2);
    /* "membrane" only occurs inside the pair: left out for it */
    assert_null(find_term(t, n, "membrane"));
    /* "cell" also occurs alone: kept */
    const key_term *c = find_term(t, n, "cell");
    assert_non_null(c);
    assert_int_equal(c->count, 4);
    /* pairs seen once are not terms */
    assert_null(find_term(t, n, "membrane surrounds"));
    key_terms_free(t, n);
}

static void content_terms_bigram_boundaries(void **state)
{
    /* a stop word, punctuation or a blank line between two words keeps them
     * apart; a hyphen or a single line break does not */
    const char *docs[] = {
        "plasma of membrane. plasma of membrane. "
        "plasma, membrane; plasma, membrane "
        "plasma\n\nmembrane plasma\n\nmembrane",
        NULL,
    };
    size_t n;
    key_term *t = key_terms(docs, 20, &n);
    assert_null(find_term(t, n, "plasma membrane"));
    key_terms_free(t, n);

    const char *docs2[] = {"plasma-membrane x plasma\nmembrane", NULL};
    t = key_terms(docs2, 20, &n);
    const key_term *b = find_term(t, n, "plasma membrane");
    assert_non_null(b);
    assert_int_equal(b->count, 2);
    key_terms_free(t, n);
}

static void content_terms_filters(void **state)
{
    const char *docs[] = {"1st 2nd 3rd 21st 1945 3.14 ab ok the and 4th", NULL};
    size_t n = 7;
    key_term *t = key_terms(docs, 10, &n);
    assert_int_equal(n, 0);
    assert_null(t);
    /* letters and digits together are terms */
    const char *docs2[] = {"h2o h2o co2", NULL};
    t = key_terms(docs2, 10, &n);
    assert_int_equal(n, 2);
    assert_string_equal(t[0].term, "h2o");
    assert_string_equal(t[1].term, "co2");
    key_terms_free(t, n);
}

static void content_terms_top_n_and_empty(void **state)
{
    const char *docs[] = {"alpha, beta, gamma, delta, epsilon, alpha, beta, gamma, alpha, beta, alpha", NULL};
    size_t n;
    key_term *t = key_terms(docs, 2, &n);
    assert_int_equal(n, 2);
    assert_string_equal(t[0].term, "alpha");
    assert_string_equal(t[1].term, "beta");
    key_terms_free(t, n);
    t = key_terms(docs, 0, &n);
    assert_int_equal(n, 0);
    assert_null(t);

    const char *none[] = {NULL};
    t = key_terms(none, 5, &n);
    assert_int_equal(n, 0);

    /* a NULL document counts as empty but still counts for idf */
    const char *docs3[] = {NULL, "zebra"};
    size_t lens[] = {0, 5};
    em_error err = {0};
    assert_int_equal(terms_key_terms(docs3, lens, 2, 5, &t, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(t[0].first_doc, 1);
    key_terms_free(t, n);

    assert_int_equal(terms_key_terms(NULL, NULL, 2, 5, &t, &n, &err), EM_E_INVAL);
    assert_int_equal(err.code, EM_E_INVAL);
    key_terms_free(NULL, 0);
}

static void content_terms_too_many_words(void **state)
{
    /* TERMS_MAX_TOKENS term words are fine, one more is not */
    size_t words = TERMS_MAX_TOKENS;
    size_t len = (words + 1) * 4;
    char *text = em_malloc(len + 1);
    for (size_t i = 0; i < words + 1; i++)
        memcpy(text + 4 * i, "abc ", 4);
    text[len] = '\0';
    const char *docs[] = {text};
    size_t lens[] = {words * 4};
    key_term *t;
    size_t n;
    em_error err = {0};
    assert_int_equal(terms_key_terms(docs, lens, 1, 3, &t, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(t[0].count, (int)words);
    key_terms_free(t, n);
    lens[0] = len;
    assert_int_equal(terms_key_terms(docs, lens, 1, 3, &t, &n, &err), EM_E_TOO_LARGE);
    assert_int_equal(err.code, EM_E_TOO_LARGE);
    assert_null(t);
    assert_int_equal(n, 0);
    free(text);
}

/* ---- bounds ---------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n distinct made-up words ("qab...", the index in base 26), with
 * "photosynthesis" after every 50th and "chlorophyll" after every 200th.
 * Owned; *len is its length. */
static char *distinct_words(size_t n, size_t *len)
{
    buf b;
    buf_init(&b, n * 16 + 64);
    char w[16];
    for (size_t i = 0; i < n; i++) {
        size_t k = 0, v = i;
        w[k++] = 'q';
        do {
            w[k++] = (char)('a' + v % 26);
            v /= 26;
        } while (v > 0);
        w[k++] = 'x'; /* no stemmer suffix ends it */
        buf_append(&b, w, k);
        buf_append(&b, " ", 1);
        if (i % 50 == 49)
            buf_append_str(&b, "photosynthesis. ");
        if (i % 200 == 199)
            buf_append_str(&b, "chlorophyll. ");
    }
    *len = b.len;
    return buf_steal(&b);
}

typedef struct words_arg {
    const char *text;
    size_t len;
} words_arg;

/* Whether the key terms of a->text are what distinct_words put in it. No
 * cmocka assertion: it also runs in a child process. */
static bool key_terms_right(const words_arg *a)
{
    const char *docs[] = {a->text};
    key_term *t = NULL;
    size_t n = 0;
    em_error err = {0};
    if (terms_key_terms(docs, &a->len, 1, 12, &t, &n, &err) != EM_OK)
        return false;
    bool ok = n >= 2 && strcmp(t[0].term, "photosynthesis") == 0 && t[0].count == 3000000 / 50 &&
              strcmp(t[1].term, "chlorophyll") == 0;
    key_terms_free(t, n);
    return ok;
}

static void key_terms_in_child(void *arg)
{
    (void)key_terms_right(arg);
}

/* Three million distinct words (about 27 MB) took gigabytes: every distinct
 * term and form had its own allocations, unbounded. Counting now stops
 * taking new terms at TERMS_MAX_DISTINCT while the known ones go on being
 * counted, so the frequent words still come out right, and the memory is
 * bounded whatever the text. Not under ASan. */
static void content_terms_memory_bounded(void **state)
{
    (void)state;
    size_t len;
    char *text = distinct_words(3000000, &len);
    words_arg a = {text, len};
    double t0 = now_s();
    assert_true(key_terms_right(&a));
    print_message("3,000,000 distinct words (%zu MB): %.2f s\n", len >> 20, now_s() - t0);
    if (!fixture_sanitized()) {
        long growth_kb = 0;
        em_error err = {0};
        if (fixture_rss_growth_kb(key_terms_in_child, &a, &growth_kb, &err) != EM_OK)
            fail_msg("%s", err.msg);
        print_message("resident memory grew by %ld KiB\n", growth_kb);
        assert_true(growth_kb < (160L << 10));
    }
    free(text);
}

/* The tables are keyed afresh on every call: the results do not depend on
 * it. */
static void content_terms_same_every_call(void **state)
{
    (void)state;
    const char *docs[] = {"Enzymes speed up reactions. Enzymes have an active site.",
                          "The active site fits the substrate. Substrate binds.",
                          "Temperature changes enzymes.", NULL};
    size_t n1, n2;
    key_term *a = key_terms(docs, 10, &n1);
    key_term *b = key_terms(docs, 10, &n2);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_string_equal(a[i].term, b[i].term);
        assert_string_equal(a[i].stem, b[i].stem);
        assert_true(a[i].score == b[i].score);
    }
    key_terms_free(a, n1);
    key_terms_free(b, n2);
}

/* Past the deadline, EM_E_TIMEOUT and nothing returned. */
static void content_terms_deadline(void **state)
{
    (void)state;
    const char *docs[] = {"Photosynthesis makes glucose from light."};
    size_t lens[] = {strlen(docs[0])};
    key_term *t = NULL;
    size_t n = 0;
    em_error err = {0};
    deadline past = deadline_at(clock_mono_us() - 1);
    assert_int_equal(terms_key_terms_until(docs, lens, 1, 5, &past, &t, &n, &err), EM_E_TIMEOUT);
    assert_string_equal(err.reason, DEADLINE_REASON);
    assert_null(t);
    assert_int_equal(n, 0);
    deadline later = deadline_in_ms(60000);
    assert_int_equal(terms_key_terms_until(docs, lens, 1, 5, &later, &t, &n, &err), EM_OK);
    assert_true(n > 0);
    key_terms_free(t, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_terms_stop_words),
        cmocka_unit_test(content_terms_stem_words_basic),
        cmocka_unit_test(content_terms_apostrophes_and_hyphens),
        cmocka_unit_test(content_terms_unicode),
        cmocka_unit_test(content_terms_overlong_words),
        cmocka_unit_test(content_terms_stem_words_invalid),
        cmocka_unit_test(content_terms_frequency_and_surface),
        cmocka_unit_test(content_terms_most_frequent_surface),
        cmocka_unit_test(content_terms_idf),
        cmocka_unit_test(content_terms_bigrams),
        cmocka_unit_test(content_terms_bigram_boundaries),
        cmocka_unit_test(content_terms_filters),
        cmocka_unit_test(content_terms_top_n_and_empty),
        cmocka_unit_test(content_terms_too_many_words),
        cmocka_unit_test(content_terms_memory_bounded),
        cmocka_unit_test(content_terms_same_every_call),
        cmocka_unit_test(content_terms_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
