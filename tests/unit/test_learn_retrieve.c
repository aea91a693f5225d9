/* learn/retrieve: words and offsets, queries (question and frame words,
 * synonyms, follow-ups), BM25 ordering, the title boost, proximity and
 * phrase order, coverage, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/words.h"
#include "learn/retrieve.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct doc {
    const char *section;
    const char *text;
} doc;

static retrieve_index *index_of(const doc *docs, size_t n)
{
    retrieve_index *ix = retrieve_index_new((retrieve_limits){0});
    em_error err = {0};
    for (size_t i = 0; i < n; i++) {
        retrieve_passage p = {docs[i].text, strlen(docs[i].text), "m1", docs[i].section,
                              (int)i + 1,   (int)i + 1,           false};
        assert_int_equal(retrieve_index_add(ix, &p, &err), EM_OK);
    }
    assert_int_equal(retrieve_index_build(ix, &err), EM_OK);
    return ix;
}

static size_t search(const retrieve_index *ix, const char *question, retrieve_hit *hits, size_t k)
{
    size_t n = 0;
    em_error err = {0};
    assert_int_equal(retrieve_question(ix, question, strlen(question), k, hits, &n, &err), EM_OK);
    return n;
}

static const retrieve_term *term_of(const retrieve_query *q, const char *stem)
{
    for (size_t i = 0; i < q->n; i++) {
        if (strcmp(q->terms[i].stem, stem) == 0)
            return &q->terms[i];
    }
    return NULL;
}

static retrieve_query query_of(const char *question, const char *const *history, size_t n_history)
{
    retrieve_query q;
    em_error err = {0};
    assert_int_equal(retrieve_query_build(question, strlen(question), history, n_history, &q, &err), EM_OK);
    return q;
}

/* ---- words -------------------------------------------------------------- */

static void learn_retrieve_words_offsets(void **state)
{
    (void)state;
    const char *text = "  Cells' walls, don't-stop!";
    words_tokenizer t = words_tokenizer_make(text, strlen(text));
    words_word w;
    const char *want[] = {"cells", "walls", "don't", "stop"};
    size_t starts[] = {2, 9, 16, 22};
    for (size_t i = 0; i < 4; i++) {
        assert_true(words_next(&t, &w));
        assert_string_equal(w.text, want[i]);
        assert_int_equal(w.start, starts[i]);
        assert_int_equal(w.end, starts[i] + strlen(want[i])); /* not the trailing ' */
    }
    assert_true(w.joined); /* "don't-stop" */
    assert_false(words_next(&t, &w));

    em_error err = {0};
    words_stemmer *st = words_stemmer_new(&err);
    assert_non_null(st);
    char out[WORDS_STEM_MAX + 1];
    size_t n;
    assert_int_equal(words_stem(st, "looping", 7, out, &n), EM_OK);
    assert_string_equal(out, "loop");
    words_stemmer_free(st);
    words_stemmer_free(NULL);
    assert_true(words_is_stop("how", 3));
    assert_true(words_is_stop("i", 1));
    assert_false(words_is_stop("loop", 4));
}

/* ---- queries ------------------------------------------------------------ */

static void learn_retrieve_query_question_words(void **state)
{
    (void)state;
    retrieve_query q = query_of("How do I explain why loops end early?", NULL, 0);
    /* how, do, I, why: stop words; explain: a frame word */
    assert_null(term_of(&q, "how"));
    assert_null(term_of(&q, "i"));
    const retrieve_term *e = term_of(&q, "explain");
    assert_non_null(e);
    assert_int_equal(e->origin, RETRIEVE_FRAME);
    assert_int_equal(e->group, -1);
    assert_true(e->weight < 0.5);
    const retrieve_term *l = term_of(&q, "loop");
    assert_non_null(l);
    assert_int_equal(l->origin, RETRIEVE_ASKED);
    assert_true(l->weight == 1.0);
    /* synonyms of "end" and "loop" share their word's group, at a lower weight */
    const retrieve_term *f = term_of(&q, "finish");
    assert_non_null(f);
    assert_int_equal(f->origin, RETRIEVE_SYNONYM);
    assert_int_equal(f->group, term_of(&q, "end")->group);
    assert_true(f->weight < 1.0);
    const retrieve_term *r = term_of(&q, "repeat");
    assert_non_null(r);
    assert_int_equal(r->group, l->group);
    assert_false(q.follow_up);
}

/* Two asked words one after the other are looked for written as one too,
 * covering both: "file system" finds the passage on filesystems. */
static void learn_retrieve_query_joined_words(void **state)
{
    (void)state;
    retrieve_query q = query_of("How do I check a file system?", NULL, 0);
    const retrieve_term *j = term_of(&q, "filesystem");
    assert_non_null(j);
    assert_int_equal(j->origin, RETRIEVE_JOINED);
    assert_int_equal(j->group, term_of(&q, "file")->group);
    assert_int_equal(j->group2, term_of(&q, "system")->group);
    assert_int_equal(term_of(&q, "file")->group2, -1);
    /* short words and words not side by side are not joined */
    q = query_of("Is a set up of the system a file?", NULL, 0);
    assert_null(term_of(&q, "setup"));
    assert_null(term_of(&q, "systemfil"));

    const doc docs[] = {
        {"Files", "Every file has an owner. A file is read by its owner and the group of the owner."},
        {"Checks", "Check a filesystem with fsck before you mount it."},
        {"Systems", "The system starts many services at boot."},
    };
    retrieve_index *ix = index_of(docs, 3);
    q = query_of("How do I check a file system?", NULL, 0);
    retrieve_hit hits[3];
    size_t n = 0;
    em_error err = {0};
    assert_int_equal(retrieve_search(ix, &q, 3, hits, &n, &err), EM_OK);
    assert_true(n >= 1);
    assert_int_equal(hits[0].passage, 1);
    assert_true(hits[0].coverage > 0.99);
    retrieve_index_free(ix);
}

static void learn_retrieve_query_follow_up(void **state)
{
    (void)state;
    const char *history[] = {"What is the capital of France?", "How do cells make energy from glucose?"};
    /* short, with a leading "and": the last question's words come along,
       the one before at half that */
    retrieve_query q = query_of("and in plants?", history, 2);
    assert_true(q.follow_up);
    assert_true(term_of(&q, "plant")->weight == 1.0);
    const retrieve_term *c = term_of(&q, "cell");
    assert_non_null(c);
    assert_int_equal(c->origin, RETRIEVE_CARRIED);
    assert_true(fabs(c->weight - 0.5) < 1e-9);
    const retrieve_term *f = term_of(&q, "franc");
    assert_non_null(f);
    assert_true(fabs(f->weight - 0.25) < 1e-9);

    /* a pronoun carries too, even in a longer question */
    q = query_of("Why does it need sunlight and water and carbon dioxide?", history, 2);
    assert_true(q.follow_up);
    assert_non_null(term_of(&q, "glucos"));

    /* a full question of its own does not */
    q = query_of("How does photosynthesis store sunlight as chemical energy?", history, 2);
    assert_false(q.follow_up);
    assert_null(term_of(&q, "glucos"));

    /* nor does a short one that opens as a question: only a fragment leans
       on the question before */
    q = query_of("What is a runlevel?", history, 2);
    assert_false(q.follow_up);
    assert_null(term_of(&q, "glucos"));
    q = query_of("Define osmosis", history, 2);
    assert_false(q.follow_up);
    q = query_of("In plants?", history, 2);
    assert_true(q.follow_up);
    assert_non_null(term_of(&q, "glucos"));
    q = query_of("Why?", history, 2);
    assert_true(q.follow_up);
    q = query_of("What about mitochondria?", history, 2);
    assert_true(q.follow_up);

    /* a word asked again keeps its full weight */
    q = query_of("and energy?", history, 2);
    assert_true(term_of(&q, "energi")->weight == 1.0);
    assert_int_equal(term_of(&q, "energi")->origin, RETRIEVE_ASKED);

    /* only the latest RETRIEVE_HISTORY_MAX are read */
    const char *many[] = {"zebras", "a", "b", "c", "cells"};
    q = query_of("and those?", many, 5);
    assert_null(term_of(&q, "zebra"));
    assert_non_null(term_of(&q, "cell"));
}

static void learn_retrieve_query_limits(void **state)
{
    (void)state;
    char big[RETRIEVE_QUESTION_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    retrieve_query q;
    em_error err = {0};
    assert_int_equal(retrieve_query_build(big, strlen(big), NULL, 0, &q, &err), EM_E_TOO_LARGE);
    const char *history[] = {big};
    assert_int_equal(retrieve_query_build("and it?", 7, history, 1, &q, &err), EM_E_TOO_LARGE);
    /* many distinct words: the query stops at its limit */
    char many[RETRIEVE_QUESTION_MAX];
    size_t o = 0;
    for (int i = 0; i < 150 && o + 16 < sizeof many; i++)
        o += (size_t)snprintf(many + o, sizeof many - o, "word%dx ", i);
    assert_int_equal(retrieve_query_build(many, o, NULL, 0, &q, &err), EM_OK);
    assert_int_equal(q.n, RETRIEVE_QUERY_TERMS_MAX);
    /* nothing but question words */
    assert_int_equal(retrieve_query_build("how do I?", 9, NULL, 0, &q, &err), EM_OK);
    assert_int_equal(q.n, 0);
}

/* ---- ranking ------------------------------------------------------------ */

static void learn_retrieve_bm25_order(void **state)
{
    (void)state;
    const doc docs[] = {
        {"Gardens", "Tomatoes grow in gardens. Gardens need water and sun."},
        {"Volcanoes", "A volcano erupts when magma rises. Magma is molten rock; magma cools into basalt."},
        {"Rocks", "Basalt is a rock. Granite is a rock too. Rocks are everywhere."},
        {"Oceans", "Oceans cover most of the planet and hold salt water."},
    };
    retrieve_index *ix = index_of(docs, 4);
    retrieve_hit hits[4];
    size_t n = search(ix, "what happens when magma comes up?", hits, 4);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].passage, 1);
    assert_true(hits[0].bm25 > 0);

    /* more occurrences of a rare word rank higher; a passage without any
       query word is no hit */
    n = search(ix, "basalt rock", hits, 4);
    assert_int_equal(n, 2);
    assert_int_equal(hits[0].passage, 2);
    assert_int_equal(hits[1].passage, 1);
    assert_true(hits[0].score >= hits[1].score);

    /* the rarer word matters more: water is in two passages, salt in one */
    n = search(ix, "salt water", hits, 4);
    assert_int_equal(hits[0].passage, 3);
    assert_true(hits[0].coverage > 0.99);
    assert_true(hits[1].coverage < 0.5);

    /* k bounds the hits */
    n = search(ix, "rock water", hits, 1);
    assert_int_equal(n, 1);
    em_error err = {0};
    retrieve_hit many[RETRIEVE_K_MAX + 1];
    assert_int_equal(retrieve_question(ix, "rock", 4, RETRIEVE_K_MAX + 1, many, &n, &err), EM_E_INVAL);
    /* a word no passage has */
    n = search(ix, "photosynthesis", hits, 4);
    assert_int_equal(n, 0);
    retrieve_index_free(ix);
}

static void learn_retrieve_title_boost(void **state)
{
    (void)state;
    const doc docs[] = {
        {"Lists", "A list keeps values in order; a loop may walk over a list."},
        {"Loops", "Do the commands for each value in order."},
        {"Strings", "Text is kept in strings."},
    };
    retrieve_index *ix = index_of(docs, 3);
    retrieve_hit hits[3];
    size_t n = search(ix, "loop", hits, 3);
    assert_int_equal(n, 2);
    /* the section about loops, though its text never says "loop" */
    assert_int_equal(hits[0].passage, 1);
    assert_true(hits[0].title > 0);
    assert_true(hits[0].bm25 == 0);
    assert_true(hits[0].coverage > 0.99); /* a word in the title covers */
    retrieve_index_free(ix);
}

static void learn_retrieve_proximity(void **state)
{
    (void)state;
    /* same words, same lengths; only how close they stand differs */
    const doc docs[] = {
        {NULL, "The exit status is kept. Other words fill this sentence up nicely here. Then code follows."},
        {NULL, "The exit word is kept. Other words fill this sentence up nicely here. Then status follows."},
    };
    retrieve_index *ix = index_of(docs, 2);
    retrieve_hit hits[3];
    size_t n = search(ix, "exit status", hits, 3);
    assert_int_equal(n, 2);
    assert_int_equal(hits[0].passage, 0);
    assert_true(hits[0].proximity > 0);
    assert_true(hits[1].proximity == 0); /* more than PROX_WINDOW words apart */
    assert_true(hits[0].bm25 > hits[1].bm25 - 1e-9 && hits[0].bm25 < hits[1].bm25 + 1e-9);
    retrieve_index_free(ix);

    /* order: adjacent in the question's order beats adjacent reversed */
    const doc docs2[] = {
        {NULL, "We keep the status exit here, and more words follow to pad it out well."},
        {NULL, "We keep the exit status here, and more words follow to pad it out well."},
        {NULL, "Exit is here, and more words follow to pad the text out so status is far."},
    };
    ix = index_of(docs2, 3);
    n = search(ix, "exit status", hits, 3);
    assert_int_equal(n, 3);
    assert_int_equal(hits[0].passage, 1); /* in order, adjacent */
    assert_int_equal(hits[1].passage, 0); /* adjacent, reversed */
    assert_int_equal(hits[2].passage, 2); /* far apart: no bonus */
    assert_true(hits[0].proximity > hits[1].proximity);
    assert_true(hits[2].proximity == 0);
    retrieve_index_free(ix);
}

static void learn_retrieve_coverage_and_idf(void **state)
{
    (void)state;
    const doc docs[] = {
        {NULL, "Photosynthesis turns light into sugar in the leaves."},
        {NULL, "Leaves fall in autumn."},
        {NULL, "Roots take up water."},
    };
    retrieve_index *ix = index_of(docs, 3);
    assert_true(retrieve_idf(ix, "photosynthesi") > retrieve_idf(ix, "leav"));
    assert_true(retrieve_idf(ix, "nosuchstem") > retrieve_idf(ix, "photosynthesi"));
    retrieve_hit hits[3];
    size_t n = search(ix, "how do leaves make sugar from light?", hits, 3);
    assert_true(n >= 1);
    assert_int_equal(hits[0].passage, 0);
    assert_true(hits[0].coverage > 0.6);
    /* a question about something else covers little */
    n = search(ix, "why do leaves of trees in cities turn red?", hits, 3);
    assert_true(n >= 1);
    assert_true(hits[0].coverage < 0.3);

    retrieve_query q = query_of("sugar from light", NULL, 0);
    const char *s = "Light makes sugar.";
    assert_true(retrieve_coverage_of_text(ix, &q, s, strlen(s)) > 0.99);
    assert_true(retrieve_coverage_of_text(ix, &q, "Roots.", 6) == 0);
    retrieve_index_free(ix);
}

static void learn_retrieve_index_limits(void **state)
{
    (void)state;
    em_error err = {0};
    retrieve_index *ix = retrieve_index_new((retrieve_limits){.max_passages = 2, .max_bytes = 40});
    retrieve_passage p = {"twenty bytes of text", 20, NULL, NULL, 1, 1, false};
    assert_int_equal(retrieve_index_add(ix, &p, &err), EM_OK);
    assert_int_equal(retrieve_index_add(ix, &p, &err), EM_OK);
    assert_int_equal(retrieve_index_add(ix, &p, &err), EM_E_TOO_LARGE);
    assert_int_equal(retrieve_index_count(ix), 2);
    retrieve_hit hits[1];
    size_t n;
    assert_int_equal(retrieve_question(ix, "text", 4, 1, hits, &n, &err), EM_E_INVAL); /* not built */
    assert_int_equal(retrieve_index_build(ix, &err), EM_OK);
    assert_int_equal(retrieve_index_add(ix, &p, &err), EM_E_INVAL);
    assert_int_equal(retrieve_index_build(ix, &err), EM_E_INVAL);
    assert_int_equal(retrieve_question(ix, "text", 4, 1, hits, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(retrieve_index_passage(ix, 0)->text, "twenty bytes of text");
    retrieve_index_free(ix);

    ix = retrieve_index_new((retrieve_limits){.max_bytes = 10});
    assert_int_equal(retrieve_index_add(ix, &p, &err), EM_E_TOO_LARGE);
    retrieve_passage nul = {"a\0b", 3, NULL, NULL, 1, 1, false};
    assert_int_equal(retrieve_index_add(ix, &nul, &err), EM_E_INVAL);
    assert_int_equal(retrieve_index_count(ix), 0);
    /* an empty index answers nothing */
    assert_int_equal(retrieve_index_build(ix, &err), EM_OK);
    assert_int_equal(retrieve_question(ix, "text", 4, 1, hits, &n, &err), EM_OK);
    assert_int_equal(n, 0);
    retrieve_index_free(ix);
    retrieve_index_free(NULL);
}

/* A passage that lists the document (a table of contents) keeps its number,
 * so later passages keep theirs, but no question finds it, however often it
 * names the words asked. */
static void learn_retrieve_listing_never_found(void **state)
{
    (void)state;
    retrieve_index *ix = retrieve_index_new((retrieve_limits){0});
    em_error err = {0};
    const char *toc = "Network setup . . . 96\nThe modern network configuration . . . 99\n"
                      "The low level network configuration . . . 101";
    const char *body = "The modern network configuration is done by systemd-networkd.";
    retrieve_passage a = {toc, strlen(toc), "m1", "Contents", 5, 5, true};
    retrieve_passage b = {body, strlen(body), "m1", "5.3 Network configuration", 128, 128, false};
    assert_int_equal(retrieve_index_add(ix, &a, &err), EM_OK);
    assert_int_equal(retrieve_index_add(ix, &b, &err), EM_OK);
    assert_int_equal(retrieve_index_build(ix, &err), EM_OK);
    assert_int_equal(retrieve_index_count(ix), 2);
    assert_true(retrieve_index_passage(ix, 0)->listing);
    retrieve_hit hits[4];
    size_t n = search(ix, "what is the modern network configuration", hits, 4);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].passage, 1);
    assert_int_equal(search(ix, "low level", hits, 4), 0); /* words only the contents hold */
    retrieve_index_free(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(learn_retrieve_words_offsets),
        cmocka_unit_test(learn_retrieve_query_question_words),
        cmocka_unit_test(learn_retrieve_query_joined_words),
        cmocka_unit_test(learn_retrieve_query_follow_up),
        cmocka_unit_test(learn_retrieve_query_limits),
        cmocka_unit_test(learn_retrieve_bm25_order),
        cmocka_unit_test(learn_retrieve_title_boost),
        cmocka_unit_test(learn_retrieve_proximity),
        cmocka_unit_test(learn_retrieve_coverage_and_idf),
        cmocka_unit_test(learn_retrieve_index_limits),
        cmocka_unit_test(learn_retrieve_listing_never_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
