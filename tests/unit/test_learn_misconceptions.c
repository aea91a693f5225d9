/* misconceptions: each rule on scripted attempts, with the cases that must
 * not count (one wrong option once, one direction of a swap, failures
 * without mastery first, a choice question's distractor); one finding per
 * key; resolution after later mastery and not before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "learn/bkt.h"
#include "learn/misconceptions.h"

/* ---- test tools --------------------------------------------------------- */

/* A written (choice false) or multiple-choice attempt. */
static mc_attempt W(const char *qid, const char *topic, bool correct, const char *given, const char *expected,
                    int64_t at)
{
    return (mc_attempt){.question_id = qid,
                        .topic = topic,
                        .correct = correct,
                        .choice = false,
                        .option = -1,
                        .given_text = given,
                        .expected_text = expected,
                        .at_ms = at,
                        .seconds = -1};
}

static mc_attempt C(const char *qid, const char *topic, bool correct, int option, const char *given,
                    const char *expected, int64_t at)
{
    mc_attempt a = W(qid, topic, correct, given, expected, at);
    a.choice = true;
    a.option = option;
    return a;
}

static mc_list detect(const mc_attempt *a, size_t n, const mc_key *keys, size_t n_keys)
{
    bkt_params p = bkt_default_params();
    mc_list l;
    em_error err = {0};
    int rc = mc_detect(&p, a, n, keys, n_keys, &l, &err);
    if (rc != EM_OK)
        fail_msg("mc_detect: %d %s", rc, err.msg);
    return l;
}

static size_t count_kind(const mc_list *l, mc_kind k)
{
    size_t c = 0;
    for (size_t i = 0; i < l->n; i++)
        c += l->items[i].kind == k;
    return c;
}

static void dump(const mc_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        fprintf(stderr, "  %s [%s] %s / %s\n", mc_kind_name(l->items[i].kind), l->items[i].key,
                l->items[i].description, l->items[i].advice);
}

#define N(x) (sizeof(x) / sizeof((x)[0]))
#define CELL "Cell division"

/* ---- repeated wrong option ---------------------------------------------- */

static void test_repeated_wrong_option(void **state)
{
    (void)state;
    /* The same wrong option twice in one topic (spelt differently: compared
     * by stems), with a right answer between. */
    mc_attempt a[] = {
        C("q1", CELL, false, 1, "Mitosis", "Meiosis", 1000),
        C("q2", CELL, true, 0, "Cytokinesis", "Cytokinesis", 2000),
        C("q3", CELL, false, 2, "mitosis.", "Meiosis", 3000),
    };
    mc_list l = detect(a, N(a), NULL, 0);
    if (l.n != 1)
        dump(&l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].kind, MC_REPEATED_WRONG_OPTION);
    assert_string_equal(l.items[0].topic, CELL);
    assert_string_equal(l.items[0].description,
                        "You chose 'Mitosis' twice in 'Cell division' where the answer was 'Meiosis'.");
    assert_non_null(strstr(l.items[0].advice, "'Meiosis'"));
    assert_string_equal(l.items[0].key, "repeated_wrong_option|mitosi|Cell division");
    mc_list_cleanup(&l);

    /* Three times, against two different keys: one finding naming both. */
    mc_attempt b[] = {
        C("q1", CELL, false, 1, "Mitosis", "Meiosis", 1000),
        C("q4", CELL, false, 0, "Mitosis", "Cytokinesis", 2000),
        C("q1", CELL, false, 3, "Mitosis", "Meiosis", 3000),
    };
    l = detect(b, N(b), NULL, 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].description, "You chose 'Mitosis' 3 times in 'Cell division' where the "
                                                "answers were 'Cytokinesis' and 'Meiosis'.");
    mc_list_cleanup(&l);
}

static void test_repeated_wrong_option_negative(void **state)
{
    (void)state;
    /* Once is not a pattern. */
    mc_attempt once[] = {C("q1", CELL, false, 1, "Mitosis", "Meiosis", 1000),
                         C("q2", CELL, false, 0, "Anaphase", "Telophase", 2000)};
    mc_list l = detect(once, N(once), NULL, 0);
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);

    /* Twice, but in two topics. */
    mc_attempt topics[] = {C("q1", CELL, false, 1, "Mitosis", "Meiosis", 1000),
                           C("q9", "Genetics", false, 0, "Mitosis", "Crossing over", 2000)};
    l = detect(topics, N(topics), NULL, 0);
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);

    /* Twice, but chosen rightly the second time. */
    mc_attempt right[] = {C("q1", CELL, false, 1, "Mitosis", "Meiosis", 1000),
                          C("q5", CELL, true, 1, "Mitosis", "Mitosis", 2000)};
    l = detect(right, N(right), NULL, 0);
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);

    /* Twice, but written answers, not options. */
    mc_attempt written[] = {W("q1", CELL, false, "Mitosis", "Meiosis", 1000),
                            W("q1", CELL, false, "Mitosis", "Meiosis", 2000)};
    l = detect(written, N(written), NULL, 0);
    assert_int_equal(count_kind(&l, MC_REPEATED_WRONG_OPTION), 0);
    mc_list_cleanup(&l);
}

/* ---- swapped terms ------------------------------------------------------ */

static void test_swapped_terms(void **state)
{
    (void)state;
    mc_key keys[] = {
        {"q1", CELL, "Meiosis", "Meiosis", NULL},
        {"q2", CELL, "Mitosis", "Mitosis", NULL},
    };
    /* Both directions, written: one swapped_terms, and no other_questions_key
     * for the same pair although each answer is the other question's key. */
    mc_attempt a[] = {
        W("q1", CELL, false, "mitosis", "Meiosis", 1000),
        W("q2", CELL, false, "meiosis", "Mitosis", 2000),
    };
    mc_list l = detect(a, N(a), keys, N(keys));
    if (l.n != 1)
        dump(&l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].kind, MC_SWAPPED_TERMS);
    assert_string_equal(l.items[0].description, "You answered 'meiosis' where the answer was 'Mitosis', and "
                                                "'Mitosis' where the answer was 'meiosis'.");
    assert_string_equal(l.items[0].key, "swapped_terms|meiosi|mitosi|Cell division");
    mc_list_cleanup(&l);

    /* The same swap seen again (choice questions this time): still one. */
    mc_attempt twice[] = {
        W("q1", CELL, false, "mitosis", "Meiosis", 1000),
        W("q2", CELL, false, "meiosis", "Mitosis", 2000),
        C("q3", CELL, false, 0, "Mitosis", "Meiosis", 3000),
        C("q4", CELL, false, 1, "Meiosis", "Mitosis", 4000),
    };
    l = detect(twice, N(twice), keys, N(keys));
    assert_int_equal(count_kind(&l, MC_SWAPPED_TERMS), 1);
    mc_list_cleanup(&l);
}

static void test_swapped_terms_negative(void **state)
{
    (void)state;
    /* One direction only (choice: a distractor picked once): nothing. */
    mc_attempt one[] = {C("q1", CELL, false, 1, "Mitosis", "Meiosis", 1000),
                        C("q2", CELL, true, 0, "Mitosis", "Mitosis", 2000)};
    mc_list l = detect(one, N(one), NULL, 0);
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);

    /* Both directions, but in two topics: not a swap within a topic. */
    mc_attempt apart[] = {C("q1", CELL, false, 1, "Mitosis", "Meiosis", 1000),
                          C("q2", "Genetics", false, 0, "Meiosis", "Mitosis", 2000)};
    l = detect(apart, N(apart), NULL, 0);
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);
}

/* ---- forgotten after mastery -------------------------------------------- */

static void test_forgotten_after_mastery(void **state)
{
    (void)state;
    /* BKT from 0.3: right 0.69268, right 0.91923, right 0.98276 >= 0.95
     * (mastered), then wrong, wrong: 2 in a row after mastery. Attempts of
     * another topic in between do not break the row. */
    mc_attempt a[] = {
        W("q1", "Photosynthesis", true, "chlorophyll", "chlorophyll", 1000),
        W("q2", "Photosynthesis", true, "glucose", "glucose", 2000),
        W("q3", "Photosynthesis", true, "stroma", "stroma", 3000),
        W("q4", "Photosynthesis", false, "oxygen", "carbon dioxide", 4000),
        W("q9", CELL, true, "Meiosis", "Meiosis", 4500),
        W("q5", "Photosynthesis", false, "nucleus", "thylakoid", 5000),
    };
    mc_list l = detect(a, N(a), NULL, 0);
    if (l.n != 1)
        dump(&l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].kind, MC_FORGOTTEN_AFTER_MASTERY);
    assert_string_equal(l.items[0].topic, "Photosynthesis");
    assert_string_equal(l.items[0].key, "forgotten_after_mastery|Photosynthesis");
    assert_non_null(strstr(l.items[0].description, "'Photosynthesis'"));

    /* A further failure later: still one finding for the topic. */
    mc_list_cleanup(&l);
    mc_attempt more[N(a) + 3];
    memcpy(more, a, sizeof a);
    more[N(a)] = W("q1", "Photosynthesis", true, "chlorophyll", "chlorophyll", 6000);
    more[N(a) + 1] = W("q2", "Photosynthesis", false, "sucrose", "glucose", 7000);
    more[N(a) + 2] = W("q3", "Photosynthesis", false, "grana", "stroma", 8000);
    l = detect(more, N(more), NULL, 0);
    assert_int_equal(count_kind(&l, MC_FORGOTTEN_AFTER_MASTERY), 1);
    mc_list_cleanup(&l);
}

static void test_forgotten_needs_mastery_first(void **state)
{
    (void)state;
    /* Two right answers reach 0.91923 < 0.95: the two wrong ones after are
     * not a forgotten mastery. */
    mc_attempt a[] = {
        W("q1", "Photosynthesis", true, "chlorophyll", "chlorophyll", 1000),
        W("q2", "Photosynthesis", true, "glucose", "glucose", 2000),
        W("q4", "Photosynthesis", false, "oxygen", "carbon dioxide", 4000),
        W("q5", "Photosynthesis", false, "nucleus", "thylakoid", 5000),
    };
    mc_list l = detect(a, N(a), NULL, 0);
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);

    /* Mastered, then wrong, right, wrong: not in a row. */
    mc_attempt b[] = {
        W("q1", "Photosynthesis", true, "chlorophyll", "chlorophyll", 1000),
        W("q2", "Photosynthesis", true, "glucose", "glucose", 2000),
        W("q3", "Photosynthesis", true, "stroma", "stroma", 3000),
        W("q4", "Photosynthesis", false, "oxygen", "carbon dioxide", 4000),
        W("q3", "Photosynthesis", true, "stroma", "stroma", 4500),
        W("q5", "Photosynthesis", false, "nucleus", "thylakoid", 5000),
    };
    l = detect(b, N(b), NULL, 0);
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);
}

/* ---- another question's key --------------------------------------------- */

static void test_other_questions_key(void **state)
{
    (void)state;
    mc_key keys[] = {
        {"q7", "Organelles", "Golgi apparatus", "the Golgi apparatus", NULL},
        {"q8", "Organelles", "Ribosome", "ribosomes", NULL},
    };
    /* Written "Golgi apparatus" where the key was "endoplasmic reticulum":
     * it is q7's key. Written twice: one finding. */
    mc_attempt a[] = {
        W("q5", "Organelles", false, "Golgi apparatus", "endoplasmic reticulum", 1000),
        W("q5", "Organelles", false, "golgi apparatus", "endoplasmic reticulum", 2000),
    };
    mc_list l = detect(a, N(a), keys, N(keys));
    if (l.n != 1)
        dump(&l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].kind, MC_OTHER_QUESTIONS_KEY);
    assert_string_equal(l.items[0].description,
                        "You wrote 'Golgi apparatus' where the answer was 'endoplasmic reticulum'; 'Golgi "
                        "apparatus' is the answer to another question on this topic.");
    assert_string_equal(l.items[0].key, "other_questions_key|golgi apparatus|endoplasm reticulum|Organelles");
    mc_list_cleanup(&l);

    /* the key of a question in another topic: that topic is named */
    mc_key elsewhere[] = {{"q9", "Cell division", "spindle", "the spindle", NULL}};
    mc_attempt e[] = {W("q5", "Organelles", false, "spindle", "centrosome", 1000)};
    l = detect(e, N(e), elsewhere, N(elsewhere));
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].description,
                        "You wrote 'spindle' where the answer was 'centrosome'; 'spindle' "
                        "is the answer to another question, in 'Cell division'.");
    mc_list_cleanup(&l);

    /* From the normalised form when there is no text: "ribosom" matches "ribosomes". */
    mc_attempt n[] = {{.question_id = "q6",
                       .topic = "Organelles",
                       .given_norm = "ribosom",
                       .expected_text = "lysosome",
                       .option = -1,
                       .seconds = -1}};
    l = detect(n, N(n), keys, N(keys));
    assert_int_equal(count_kind(&l, MC_OTHER_QUESTIONS_KEY), 1);
    mc_list_cleanup(&l);
}

static void test_other_questions_key_negative(void **state)
{
    (void)state;
    mc_key keys[] = {{"q7", "Organelles", "Golgi apparatus", "Golgi apparatus", NULL}};
    /* A choice question's distractor is another key by construction. */
    mc_attempt choice[] = {C("q5", "Organelles", false, 2, "Golgi apparatus", "endoplasmic reticulum", 1000)};
    mc_list l = detect(choice, N(choice), keys, N(keys));
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);

    /* The key is the same question's: not another question's key. */
    mc_attempt same[] = {W("q7", "Organelles", false, "Golgi apparatus", "Golgi body", 1000)};
    l = detect(same, N(same), keys, N(keys));
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);

    /* A wrong answer that is nobody's key. */
    mc_attempt none[] = {W("q5", "Organelles", false, "vacuole", "endoplasmic reticulum", 1000)};
    l = detect(none, N(none), keys, N(keys));
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);
}

/* ---- several at once, errors -------------------------------------------- */

static void test_rules_in_order(void **state)
{
    (void)state;
    mc_key keys[] = {{"q7", "Organelles", "Golgi apparatus", "Golgi apparatus", NULL}};
    mc_attempt a[] = {
        W("q5", "Organelles", false, "Golgi apparatus", "endoplasmic reticulum", 500),
        C("q1", CELL, false, 1, "Mitosis", "Meiosis", 1000),
        C("q3", CELL, false, 2, "Mitosis", "Meiosis", 3000),
    };
    mc_list l = detect(a, N(a), keys, N(keys));
    assert_int_equal(l.n, 2);
    assert_int_equal(l.items[0].kind, MC_REPEATED_WRONG_OPTION);
    assert_int_equal(l.items[1].kind, MC_OTHER_QUESTIONS_KEY);
    assert_string_not_equal(l.items[0].key, l.items[1].key);
    mc_list_cleanup(&l);
    mc_list_cleanup(&l); /* twice is fine */
}

static void test_errors(void **state)
{
    (void)state;
    bkt_params p = bkt_default_params();
    mc_list l;
    em_error err = {0};
    mc_attempt a[] = {W("q1", NULL, false, "x", "y", 1)};
    assert_int_equal(mc_detect(&p, a, N(a), NULL, 0, &l, &err), EM_E_INVAL);
    assert_int_equal(l.n, 0);
    bkt_params bad = {0.3, 0.1, 0.6, 0.6};
    mc_attempt ok[] = {W("q1", CELL, false, "x", "y", 1)};
    assert_int_equal(mc_detect(&bad, ok, N(ok), NULL, 0, &l, &err), EM_E_INVAL);
    /* Nothing in, nothing out. */
    assert_int_equal(mc_detect(&p, NULL, 0, NULL, 0, &l, &err), EM_OK);
    assert_int_equal(l.n, 0);
    assert_string_equal(mc_kind_name(MC_SWAPPED_TERMS), "swapped_terms");
    assert_string_equal(mc_kind_name(MC_FORGOTTEN_AFTER_MASTERY), "forgotten_after_mastery");
}

/* ---- resolution --------------------------------------------------------- */

static void test_resolved_after_mastery_not_before(void **state)
{
    (void)state;
    bkt_params p = bkt_default_params();
    /* Detected at t=1000 with mastery 0.3. Before it, five right answers
     * that do not count; another topic's answers do not count. */
    mc_attempt a[] = {
        W("q1", CELL, true, "Meiosis", "Meiosis", 100),  W("q1", CELL, true, "Meiosis", "Meiosis", 200),
        W("q1", CELL, true, "Meiosis", "Meiosis", 300),  W("q1", CELL, true, "Meiosis", "Meiosis", 400),
        W("q1", CELL, true, "Meiosis", "Meiosis", 1000), W("q9", "Genetics", true, "allele", "allele", 1500),
        W("q1", CELL, true, "Meiosis", "Meiosis", 2000), W("q2", CELL, true, "Mitosis", "Mitosis", 3000),
        W("q1", CELL, true, "Meiosis", "Meiosis", 4000),
    };
    assert_false(mc_resolved(&p, CELL, 1000, 0.3, a, 5)); /* nothing after detection */
    /* After 2000 and 3000: 0.3 -> 0.69268 -> 0.91923 < 0.95, two right: not yet. */
    assert_false(mc_resolved(&p, CELL, 1000, 0.3, a, 8));
    /* After 4000: 0.91923 -> 0.98276 >= 0.95 with three right: resolved. */
    assert_true(mc_resolved(&p, CELL, 1000, 0.3, a, 9));
    /* The same attempts, another topic: not resolved. */
    assert_false(mc_resolved(&p, "Genetics", 1000, 0.3, a, 9));

    /* From 0.7: right: known 0.63, unknown 0.06, posterior 0.91304, learn
     * 0.92174; right: known 0.82957, unknown 0.01565, posterior 0.98148,
     * learn 0.98333 >= 0.95 with two right: resolved. */
    assert_true(mc_resolved(&p, CELL, 1000, 0.7, a + 6, 2));
    /* From 0.95 one right gives 0.98960, but one right answer is not enough. */
    assert_false(mc_resolved(&p, CELL, 1000, 0.95, a + 6, 1));
    /* Mastered, then wrong at the end: 0.98276 -> wrong: known 0.09828,
     * unknown 0.01379, posterior 0.87695, learn 0.88926 < 0.95: not resolved. */
    mc_attempt again[] = {a[6], a[7], a[8], W("q1", CELL, false, "Mitosis", "Meiosis", 5000)};
    assert_false(mc_resolved(&p, CELL, 1000, 0.3, again, N(again)));
}

/* What a submission keeps: the findings its new answers complete or confirm
 * (latest), not those older answers made (stored already). */
static void test_latest_and_keep_since(void **state)
{
    (void)state;
    mc_attempt a[] = {
        C("q1", CELL, false, 1, "Mitosis", "Meiosis", 1000),     /* 0 */
        C("q1", CELL, false, 1, "Mitosis", "Meiosis", 2000),     /* 1: repeated, complete */
        W("q5", "Osmosis", false, "diffusion", "osmosis", 3000), /* 2 */
        C("q1", CELL, false, 2, "mitosis", "Meiosis", 4000),     /* 3: repeated again */
        W("q6", "Osmosis", false, "osmosis", "diffusion", 5000), /* 4: swapped, complete */
    };
    mc_list l = detect(a, N(a), NULL, 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.items[0].kind, MC_REPEATED_WRONG_OPTION);
    assert_int_equal(l.items[0].latest, 3); /* its third choice of 'Mitosis' */
    assert_int_equal(l.items[1].kind, MC_SWAPPED_TERMS);
    assert_int_equal(l.items[1].latest, 4);
    /* a submission whose new answers are 4 only: the swap, not the repetition */
    mc_list_keep_since(&l, 4);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].kind, MC_SWAPPED_TERMS);
    mc_list_keep_since(&l, 5);
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);
}

/* A normalised form given with an attempt or key is compared as it is (no
 * stemming of the text again), so stored forms decide. */
static void test_given_norms_are_used(void **state)
{
    (void)state;
    mc_attempt a[] = {
        C("q1", CELL, false, 1, "Mitosis", "Meiosis", 1000),
        C("q2", CELL, false, 0, "Binary fission", "Meiosis", 2000),
    };
    /* the texts differ, the stored forms say they are the same answer */
    a[0].given_norm = "x";
    a[1].given_norm = "x";
    mc_list l = detect(a, N(a), NULL, 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].key, "repeated_wrong_option|x|Cell division");
    mc_list_cleanup(&l);
    /* an empty form is an answer without words: compared with nothing */
    a[0].given_norm = "";
    a[1].given_norm = "";
    l = detect(a, N(a), NULL, 0);
    assert_int_equal(l.n, 0);
    mc_list_cleanup(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repeated_wrong_option),
        cmocka_unit_test(test_repeated_wrong_option_negative),
        cmocka_unit_test(test_swapped_terms),
        cmocka_unit_test(test_swapped_terms_negative),
        cmocka_unit_test(test_forgotten_after_mastery),
        cmocka_unit_test(test_forgotten_needs_mastery_first),
        cmocka_unit_test(test_other_questions_key),
        cmocka_unit_test(test_other_questions_key_negative),
        cmocka_unit_test(test_rules_in_order),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_resolved_after_mastery_not_before),
        cmocka_unit_test(test_latest_and_keep_since),
        cmocka_unit_test(test_given_norms_are_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
