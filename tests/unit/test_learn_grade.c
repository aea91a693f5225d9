/* grade: short answers (case, punctuation, plurals, one typo and not two, a
 * swap, numbers exact, synonyms, extra words, lists and hedges, negations,
 * opposites and programming keywords, keys of stop words, other accepted
 * answers); multiple choice by letter in every form and by text, wrong, and
 * naming no option; true/false; refused answers and keys; the feedback;
 * grade_normalize; the synonym table and its stems; grading from several
 * threads at once. Every expected value is written by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"
#include "core/words.h"
#include "learn/grade.h"
#include "learn/synonyms.h"

/* ---- test tools --------------------------------------------------------- */

static grade_result grade_ok(const grade_key *k, const char *given)
{
    grade_result r;
    em_error err = {0};
    int rc = grade_answer(k, given, strlen(given), &r, &err);
    if (rc != EM_OK)
        fail_msg("grade_answer(\"%s\"): %d %s", given, rc, err.msg);
    return r;
}

static grade_key short_key(const char *answer)
{
    return (grade_key){GRADE_SHORT, answer, NULL, 0, NULL, 0};
}

/* The short answer given is right for key, with the flags and feedback expected. */
static void assert_short(const char *key, const char *given, bool correct, bool typo, bool synonym,
                         const char *feedback)
{
    grade_key k = short_key(key);
    grade_result r = grade_ok(&k, given);
    if (r.correct != correct || r.typo_forgiven != typo || r.synonym != synonym)
        fail_msg("key \"%s\", answer \"%s\": correct %d typo %d synonym %d (%s)", key, given, r.correct,
                 r.typo_forgiven, r.synonym, r.feedback);
    assert_int_equal(r.option, -1);
    if (feedback != NULL)
        assert_string_equal(r.feedback, feedback);
}

static void assert_right(const char *key, const char *given)
{
    assert_short(key, given, true, false, false, "Correct.");
}

static void assert_wrong(const char *key, const char *given)
{
    assert_short(key, given, false, false, false, NULL);
}

static void assert_typo(const char *key, const char *given)
{
    assert_short(key, given, true, true, false, NULL);
}

static void assert_refused(const grade_key *k, const char *given, size_t len, int code)
{
    grade_result r;
    em_error err = {0};
    assert_int_equal(grade_answer(k, given, len, &r, &err), code);
    assert_int_equal(err.code, code);
    assert_true(err.msg[0] != '\0');
    assert_false(r.correct);
    assert_int_equal(r.option, -1);
}

/* ---- short answers ------------------------------------------------------- */

static void grade_short_case_punctuation_plurals(void **state)
{
    (void)state;
    assert_right("mitochondria", "Mitochondria");
    assert_right("mitochondria", "the mitochondria!");
    assert_right("mitochondria", "  \"MITOCHONDRIA.\"  ");
    /* "cells" and "cell" share the stem "cell"; "Walls" and "wall" "wall" */
    assert_right("cell", "Cells.");
    assert_right("cell walls", "the cell's wall");
    assert_right("cell membrane", "membrane of the cell"); /* any order, stop words dropped */
    /* "mitochondrion" stems to itself, not to "mitochondria", and is two edits away
       (a -> o, then n added) */
    assert_short("mitochondria", "mitochondrion", false, false, false,
                 "Not quite: the answer is 'mitochondria'.");
    assert_wrong("mitochondria", "ribosome");
    assert_wrong("cell membrane", "membrane"); /* every key word is needed */
    assert_wrong("mitochondria", "...");       /* no word at all */
}

static void grade_short_one_typo(void **state)
{
    (void)state;
    /* one letter dropped, added, changed: distance 1 */
    assert_short("mitochondria", "mitocondria", true, true, false, "Correct (spelling: 'mitochondria').");
    assert_typo("nucleus", "nucleuss");
    assert_typo("ribosome", "ribosone");
    assert_typo("Mitochondria", "mitochondira"); /* "ri" swapped: a transposition is one typo */
    assert_short("Mitochondria", "mitochondira", true, true, false, "Correct (spelling: 'Mitochondria').");
    assert_typo("mitochondria", "imtochondria"); /* the first two swapped */
    /* a plural ending is not a typo: "ribosme" is "ribosomes" without its s and with o dropped,
       "mitocondrias" "mitochondria" with h dropped and an s, "ribsoomes" "ribosome" with "os"
       swapped and an s */
    assert_typo("ribosomes", "ribosme");
    assert_typo("mitochondria", "mitocondrias");
    assert_typo("ribosome", "ribsoomes");
    /* one typo in each of two words: each word has its own */
    assert_short("cell membrane", "cel membrain", false, false, false, NULL); /* "membrain": 2 edits */
    assert_short("cell membrane", "cel membane", true, true, false,
                 "Correct (spelling: 'cell', 'membrane').");
    /* "cell" has 4 letters, the least that forgives: "cel" is accepted above, "ion" -> "ian" not */
    assert_wrong("ion", "ian");
    assert_wrong("DNA", "DNB");
}

static void grade_short_two_typos(void **state)
{
    (void)state;
    /* "mitocondira": h dropped and "ri" swapped: distance 2 */
    assert_short("mitochondria", "mitocondira", false, false, false,
                 "Not quite: the answer is 'mitochondria'.");
    assert_wrong("photosynthesis", "fotosinthesis"); /* p -> f, y -> i */
    assert_wrong("ribosome", "ribsoone");            /* "os" swapped, m -> n */
    /* "membrain": n -> i, e -> n (or i added, e dropped). Its stem is "membrain", one edit from
       the stem "membran" of "membrane", which is why typos are not counted on stems */
    assert_wrong("membrane", "membrain");
    assert_wrong("membrane", "membrains");
    /* "ss" is no plural ending: "gla" is two letters off "glass" */
    assert_wrong("glass", "gla");
}

static void grade_short_first_letter(void **state)
{
    (void)state;
    /* one edit away but another word: the first letter must stay */
    assert_wrong("symmetric", "asymmetric");
    assert_wrong("biotic", "abiotic");
    assert_wrong("effect", "affect");
    assert_wrong("mitochondria", "nitochondria");
}

static void grade_short_numbers(void **state)
{
    (void)state;
    assert_wrong("1547", "1548"); /* numbers have no typos */
    assert_wrong("1547", "1457");
    assert_right("1547", "In 1547.");
    assert_right("1547", "1,547"); /* thousands commas */
    assert_right("1,547,000", "1547000");
    assert_wrong("1547", "1, 547"); /* a list, not a number */
    /* numbers keep the key's order: a ratio, a decimal */
    assert_right("3:1", "3 : 1");
    assert_wrong("3:1", "1:3");
    assert_wrong("3.14", "14.3");
    assert_wrong("H2O", "H20"); /* a word with a digit is exact too */
    assert_right("H2O", "h2o");
}

static void grade_short_synonyms(void **state)
{
    (void)state;
    assert_short("start", "begin", true, false, true, "Correct (the expected word: 'start').");
    /* "terminates" has the stem "termin", "ends" "end": both in {end, finish, terminate, complete};
       "loops" and "loop" share "loop" */
    assert_short("terminate the loop", "it ends loops", true, false, true,
                 "Correct (the expected word: 'terminate').");
    /* a synonym and a typo in one answer */
    assert_short("delete the directory", "erase the folder", true, false, true,
                 "Correct (the expected word: 'delete', 'directory').");
    assert_short("delete the directory", "erase the directroy", true, true, true,
                 "Correct (spelling: 'directory'; the expected word: 'delete').");
    /* not transitive: "end" and "halt" share no group ("terminate" is in both of theirs) */
    assert_wrong("end", "halt");
    assert_wrong("start", "finish");
}

static void grade_short_extra_words(void **state)
{
    (void)state;
    /* at most as many extra content words as the key has: 1 here */
    assert_right("mitochondria", "the mitochondria organelle");
    assert_right("Paris", "Paris, France");
    assert_short("mitochondria", "mitochondria ribosomes nucleus", false, false, false,
                 "Not quite: the answer is just 'mitochondria'.");
    /* 2 key words: 2 extra allowed, not 3 */
    assert_right("cell membrane", "outer layer of the cell membrane");
    assert_wrong("cell membrane", "thin outer lipid layer of the cell membrane");
    /* a list or a choice adds nothing: "and"/"or" where the key has none, and an extra word */
    assert_short("mitochondria", "mitochondria and ribosomes and nucleus", false, false, false,
                 "Not quite: give one answer, not a list or a choice; the answer is 'mitochondria'.");
    assert_wrong("mitochondria", "mitochondria or ribosomes");
    assert_wrong("mitochondria", "ribosomes or mitochondria");
    assert_right("mitochondria", "the mitochondria and"); /* a conjunction alone adds no word */
    assert_right("salt and pepper", "pepper and salt");   /* the key has "and" */
}

static void grade_short_negations_opposites_keywords(void **state)
{
    (void)state;
    assert_wrong("mitosis", "not mitosis"); /* "not" is a stop word, yet it turns the answer */
    assert_wrong("mitosis", "isn't mitosis");
    assert_right("not soluble", "It is not soluble");
    assert_wrong("not soluble", "soluble");
    assert_wrong("before the war", "after the war");
    assert_right("before the war", "before the war started"); /* one extra word */
    assert_wrong("more oxygen", "less oxygen");
    assert_wrong("with oxygen", "without oxygen");
    assert_right("in the nucleus", "nucleus");
    /* a keyword before the same word: "for" and "while" are stop words, "loop" matches */
    assert_wrong("for loop", "while loop");
    assert_wrong("if statement", "a while-statement");
    assert_right("for loop", "a for-loop");
    assert_right("if statement", "an if statement for branching");
    assert_wrong("in the nucleus", "out of the nucleus");
}

static void grade_short_stop_words_only(void **state)
{
    (void)state;
    /* a key of stop words only is compared on all its words */
    assert_right("up", "Up.");
    assert_wrong("up", "down");
    assert_right("to be", "To be");
    assert_wrong("to be", "to me");
    /* a key without any word is compared as text */
    assert_right("+", " + ");
    assert_wrong("+", "-");
}

static void grade_short_also_accepted(void **state)
{
    (void)state;
    const char *also[] = {"water", NULL, "dihydrogen monoxide"};
    grade_key k = {GRADE_SHORT, "H2O", NULL, 0, also, 3};
    grade_result r = grade_ok(&k, "Water");
    assert_true(r.correct);
    assert_string_equal(r.feedback, "Correct.");
    r = grade_ok(&k, "dihydrogen monoxyde");
    assert_true(r.correct);
    assert_true(r.typo_forgiven);
    assert_string_equal(r.feedback, "Correct (spelling: 'monoxide').");
    r = grade_ok(&k, "oil");
    assert_false(r.correct);
    assert_string_equal(r.feedback, "Not quite: the answer is 'H2O'."); /* the first key */
    /* the best match wins: "color" is a typo of the key "colour" (u dropped) and exactly the
       other accepted answer */
    const char *also2[] = {"color"};
    grade_key k2 = {GRADE_SHORT, "colour", NULL, 0, also2, 1};
    r = grade_ok(&k2, "Color");
    assert_true(r.correct);
    assert_false(r.typo_forgiven);
    assert_string_equal(r.feedback, "Correct.");
}

static void grade_short_long_words(void **state)
{
    (void)state;
    /* over WORDS_MAX (64) bytes: compared as raw bytes, ASCII case aside */
    char key[100], given[100];
    memset(key, 'a', 70);
    key[70] = '\0';
    memset(given, 'A', 70);
    given[70] = '\0';
    assert_right(key, given);
    given[69] = 'b';
    assert_wrong(key, given);
}

/* ---- multiple choice ------------------------------------------------------ */

static const char *const capitals[] = {"London", "Paris", "Berlin", "New  York"};

static void grade_choice_by_letter(void **state)
{
    (void)state;
    grade_key k = {GRADE_CHOICE, "Paris", capitals, 4, NULL, 0};
    const char *forms[] = {"B",   "b",    "(b)",      "(B)",      "B)",         "b.",
                           " b ", "(B).", "B) Paris", "b. paris", "(b)  PARIS."};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        grade_result r = grade_ok(&k, forms[i]);
        if (!r.correct || r.option != 1)
            fail_msg("\"%s\": correct %d option %d", forms[i], r.correct, r.option);
        assert_string_equal(r.feedback, "Correct.");
    }
    /* the key may be a letter, as worksheets write it */
    grade_key kl = {GRADE_CHOICE, "B", capitals, 4, NULL, 0};
    grade_result r = grade_ok(&kl, "paris");
    assert_true(r.correct);
    assert_int_equal(r.option, 1);
}

static void grade_choice_by_text(void **state)
{
    (void)state;
    grade_key k = {GRADE_CHOICE, "Paris", capitals, 4, NULL, 0};
    const char *forms[] = {"Paris", "paris", "PARIS", "  Paris. ", "\xc2\xa0Paris\t"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        grade_result r = grade_ok(&k, forms[i]);
        if (!r.correct || r.option != 1)
            fail_msg("\"%s\": correct %d option %d", forms[i], r.correct, r.option);
    }
    /* runs of white space inside are one space, on both sides */
    grade_key ny = {GRADE_CHOICE, "New York", capitals, 4, NULL, 0};
    grade_result r = grade_ok(&ny, "new york");
    assert_true(r.correct);
    assert_int_equal(r.option, 3);
    r = grade_ok(&ny, "New \n York.");
    assert_true(r.correct);
}

/* An option's text in another form of its words (plural, singular: the
 * same Snowball stems) names it, unless two options share the stems. */
static void grade_choice_by_stems(void **state)
{
    (void)state;
    const char *git[] = {"entry", "commits", "branch", "merge request"};
    grade_key k = {GRADE_CHOICE, "entry", git, 4, NULL, 0};
    grade_result r = grade_ok(&k, "entries");
    assert_true(r.correct);
    assert_int_equal(r.option, 0);
    r = grade_ok(&k, "Commit");
    assert_false(r.correct);
    assert_int_equal(r.option, 1);
    assert_int_equal(grade_ok(&k, "merge requests").option, 3);
    assert_int_equal(grade_ok(&k, "branches.").option, 2);
    /* "Pari" has the stem of "Paris" */
    grade_key paris = {GRADE_CHOICE, "Paris", capitals, 4, NULL, 0};
    assert_true(grade_ok(&paris, "Pari").correct);
    /* two options with the same stems: the text names neither */
    const char *twins[] = {"organ", "organs", "tissue", "cell"};
    grade_key t = {GRADE_CHOICE, "organ", twins, 4, NULL, 0};
    assert_int_equal(grade_ok(&t, "organ").option, 0); /* the exact text still names its option */
    assert_int_equal(grade_ok(&t, "Organ's").option, -1);
}

static void grade_choice_wrong(void **state)
{
    (void)state;
    grade_key k = {GRADE_CHOICE, "Paris", capitals, 4, NULL, 0};
    grade_result r = grade_ok(&k, "a");
    assert_false(r.correct);
    assert_int_equal(r.option, 0);
    assert_string_equal(r.feedback, "Not quite: the answer is B, 'Paris'.");
    r = grade_ok(&k, "berlin");
    assert_false(r.correct);
    assert_int_equal(r.option, 2);
}

static void grade_choice_no_option(void **state)
{
    (void)state;
    grade_key k = {GRADE_CHOICE, "Paris", capitals, 4, NULL, 0};
    const char *none[] = {"E", "Rome", "Par", "B) London", "B Paris", "option b", "bb", "(b", "."};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        grade_result r = grade_ok(&k, none[i]);
        if (r.correct || r.option != -1)
            fail_msg("\"%s\": correct %d option %d", none[i], r.correct, r.option);
        assert_string_equal(r.feedback,
                            "Not one of the options: answer with a letter A-D or an option's text.");
    }
    const char *one[] = {"Yes"};
    grade_key k1 = {GRADE_CHOICE, "Yes", one, 1, NULL, 0};
    grade_result r = grade_ok(&k1, "B");
    assert_int_equal(r.option, -1);
    assert_string_equal(r.feedback, "Not one of the options: answer with the letter A or the option's text.");
}

static void grade_choice_text_before_letter(void **state)
{
    (void)state;
    /* "C" is the text of option B and the letter of option C: the text wins; "(c)" is a letter */
    const char *langs[] = {"Python", "C", "Java", "Rust"};
    grade_key k = {GRADE_CHOICE, "C", langs, 4, NULL, 0};
    grade_result r = grade_ok(&k, "c");
    assert_true(r.correct);
    assert_int_equal(r.option, 1);
    r = grade_ok(&k, "(c)");
    assert_false(r.correct);
    assert_int_equal(r.option, 2);
    assert_string_equal(r.feedback, "Not quite: the answer is B, 'C'.");
}

/* ---- true/false ------------------------------------------------------------ */

static void grade_true_false(void **state)
{
    (void)state;
    grade_key k = {GRADE_TRUE_FALSE, "True", NULL, 0, NULL, 0};
    const char *yes[] = {"true", "True", "TRUE.", "t", "T", "yes", "Y", " true "};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        grade_result r = grade_ok(&k, yes[i]);
        if (!r.correct || r.option != 0)
            fail_msg("\"%s\": correct %d option %d", yes[i], r.correct, r.option);
        assert_string_equal(r.feedback, "Correct.");
    }
    const char *no[] = {"false", "F", "no", "N", "False."};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        grade_result r = grade_ok(&k, no[i]);
        if (r.correct || r.option != 1)
            fail_msg("\"%s\": correct %d option %d", no[i], r.correct, r.option);
        assert_string_equal(r.feedback, "Not quite: the answer is 'True'.");
    }
    const char *neither[] = {"maybe", "tru", "A", "true false", "1"};
    for (size_t i = 0; i < sizeof neither / sizeof neither[0]; i++) {
        grade_result r = grade_ok(&k, neither[i]);
        if (r.correct || r.option != -1)
            fail_msg("\"%s\": correct %d option %d", neither[i], r.correct, r.option);
        assert_string_equal(r.feedback, "Not one of the options: answer True or False.");
    }
    grade_key kf = {GRADE_TRUE_FALSE, "false", NULL, 0, NULL, 0};
    grade_result r = grade_ok(&kf, "F");
    assert_true(r.correct);
    assert_int_equal(r.option, 1);
}

/* ---- refused answers and keys ---------------------------------------------- */

static void grade_refuses_bad_answers(void **state)
{
    (void)state;
    grade_key kinds[] = {
        short_key("mitochondria"),
        {GRADE_CHOICE, "Paris", capitals, 4, NULL, 0},
        {GRADE_TRUE_FALSE, "True", NULL, 0, NULL, 0},
    };
    for (size_t i = 0; i < 3; i++) {
        const grade_key *k = &kinds[i];
        assert_refused(k, "", 0, EM_E_INVAL);
        assert_refused(k, NULL, 0, EM_E_INVAL);
        assert_refused(k, NULL, 3, EM_E_INVAL);
        assert_refused(k, " \t\r\n ", 5, EM_E_INVAL);
        assert_refused(k, "\xc2\xa0\xe3\x80\x80", 5, EM_E_INVAL); /* no-break and ideographic spaces */
        assert_refused(k, "caf\xe9", 4, EM_E_INVAL);              /* Latin-1, not UTF-8 */
        assert_refused(k, "\xc0\xaf", 2, EM_E_INVAL);             /* overlong "/" */
        assert_refused(k, "ab\xe2\x82", 4, EM_E_INVAL);           /* cut short */
        char big[GRADE_ANSWER_MAX + 2];
        memset(big, 'a', sizeof big);
        big[GRADE_ANSWER_MAX + 1] = '\0';
        assert_refused(k, big, GRADE_ANSWER_MAX + 1, EM_E_TOO_LARGE);
        /* GRADE_ANSWER_MAX bytes exactly is graded */
        grade_result r;
        em_error err = {0};
        assert_int_equal(grade_answer(k, big, GRADE_ANSWER_MAX, &r, &err), EM_OK);
        assert_false(r.correct);
    }
}

static void grade_refuses_bad_keys(void **state)
{
    (void)state;
    grade_key none = short_key(NULL);
    assert_refused(&none, "x", 1, EM_E_INVAL);
    grade_key not_option = {GRADE_CHOICE, "Rome", capitals, 4, NULL, 0};
    assert_refused(&not_option, "B", 1, EM_E_INVAL);
    grade_key no_options = {GRADE_CHOICE, "Paris", NULL, 0, NULL, 0};
    assert_refused(&no_options, "B", 1, EM_E_INVAL);
    grade_key letter_past = {GRADE_CHOICE, "E", capitals, 4, NULL, 0};
    assert_refused(&letter_past, "B", 1, EM_E_INVAL);
    grade_key maybe = {GRADE_TRUE_FALSE, "maybe", NULL, 0, NULL, 0};
    assert_refused(&maybe, "true", 4, EM_E_INVAL);
    grade_key unknown = {(grade_kind)7, "x", NULL, 0, NULL, 0};
    assert_refused(&unknown, "x", 1, EM_E_INVAL);
}

/* ---- feedback ------------------------------------------------------------- */

static void grade_feedback_long_key(void **state)
{
    (void)state;
    /* a key of 100 words "word " (500 bytes) is quoted cut short with an ellipsis, and the
       sentence still ends and fits */
    char key[501];
    for (int i = 0; i < 100; i++)
        memcpy(key + 5 * i, "word ", 5);
    key[500] = '\0';
    grade_key k = short_key(key);
    grade_result r = grade_ok(&k, "nothing");
    assert_false(r.correct);
    size_t n = strlen(r.feedback);
    assert_true(n < sizeof r.feedback);
    assert_true(utf8_validate(r.feedback, n, NULL));
    assert_memory_equal(r.feedback, "Not quite: the answer is 'word word", 35);
    assert_string_equal(r.feedback + n - 5, "\xe2\x80\xa6'.");

    /* a key that is not UTF-8 (Latin-1 "café") still gives a valid sentence */
    grade_key latin1 = short_key("caf\xe9");
    r = grade_ok(&latin1, "tea");
    assert_string_equal(r.feedback, "Not quite: the answer is 'caf?'.");
}

/* ---- grade_normalize ------------------------------------------------------- */

static void assert_normal(const char *text, size_t n, const char *want)
{
    char out[256];
    assert_true(n <= sizeof out);
    size_t len = grade_normalize(text, strlen(text), out, n);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
}

static void grade_normalize_examples(void **state)
{
    (void)state;
    assert_normal("The Mitochondria.", 256, "mitochondria");
    assert_normal("Cells' walls", 256, "cell wall");
    assert_normal("Running quickly, the dogs", 256, "run quick dog");
    assert_normal("membrane of the cell", 256, "membran cell"); /* in order */
    assert_normal("1,547 apples", 256, "1547 appl");
    assert_normal("To be", 256, "to be"); /* stop words only: all of them, as written */
    assert_normal("?!", 256, "");
    /* cut before a word that does not fit: "cell membran" is 12 bytes and a NUL */
    assert_normal("cell membrane", 13, "cell membran");
    assert_normal("cell membrane", 12, "cell");
    assert_normal("cell membrane", 4, "");
    char out[4] = "xyz";
    assert_int_equal(grade_normalize("cell", 4, out, 0), 0);
    assert_string_equal(out, "xyz"); /* n 0: nothing written */
    assert_int_equal(grade_normalize(NULL, 0, out, sizeof out), 0);
    assert_string_equal(out, "");
}

/* ---- the synonym table ----------------------------------------------------- */

static void synonyms_stems_are_snowball(void **state)
{
    (void)state;
    em_error err = {0};
    words_stemmer *st = words_stemmer_new(&err);
    assert_non_null(st);
    size_t words = 0;
    for (size_t g = 0; g < synonyms_count(); g++) {
        const char *const *w = synonyms_group(g);
        const char *const *s = synonyms_group_stems(g);
        assert_non_null(w);
        assert_non_null(s);
        size_t k = 0;
        for (; w[k] != NULL; k++, words++) {
            char stem[WORDS_STEM_MAX + 1];
            size_t sl;
            assert_int_equal(words_stem(st, w[k], strlen(w[k]), stem, &sl), EM_OK);
            assert_non_null(s[k]);
            if (strcmp(stem, s[k]) != 0)
                fail_msg("group %zu: \"%s\" stems to \"%s\", the table says \"%s\"", g, w[k], stem, s[k]);
        }
        assert_null(s[k]);
        assert_true(k >= 2);
    }
    words_stemmer_free(st);
    /* the table as moved from retrieve.c: 56 groups, 8 of 2 words, 28 of 3, 18 of 4 and 2 of 5:
       16 + 84 + 72 + 10 = 182 words */
    assert_int_equal(synonyms_count(), 56);
    assert_int_equal(words, 182);
    assert_null(synonyms_group(56));
    assert_null(synonyms_group_stems(56));
    assert_string_equal(synonyms_group(0)[1], "start");
}

static bool eq(const char *a, const char *b)
{
    return synonyms_equivalent(a, strlen(a), b, strlen(b));
}

static void synonyms_equivalence(void **state)
{
    (void)state;
    assert_true(eq("begin", "start"));
    assert_true(eq("start", "commenc")); /* a stem matches its entry */
    assert_true(eq("folder", "directori"));
    assert_false(eq("started", "begin")); /* a word matches only itself: pass stems */
    assert_false(eq("begin", "end"));
    assert_true(eq("terminate", "halt"));
    assert_true(eq("terminate", "finish"));
    assert_false(eq("halt", "finish")); /* not transitive */
    assert_true(eq("start", "start"));
    assert_false(eq("cat", "cat")); /* not in the table */
    assert_false(synonyms_equivalent("begin", 0, "begin", 5));
    assert_true(synonyms_equivalent("beginning", 5, "start", 5)); /* lengths bound the words */
}

/* ---- threads --------------------------------------------------------------- */

typedef struct job {
    int wrong; /* OUT: results that differed from the expected */
} job;

static void *grade_many(void *arg)
{
    job *j = arg;
    grade_key k = short_key("terminate the loop");
    grade_key c = {GRADE_CHOICE, "Paris", capitals, 4, NULL, 0};
    for (int i = 0; i < 300; i++) {
        grade_result r;
        em_error err = {0};
        if (grade_answer(&k, "it ends loops", 13, &r, &err) != EM_OK || !r.correct || !r.synonym)
            j->wrong++;
        if (grade_answer(&k, "terminate the lop", 17, &r, &err) != EM_OK || !r.correct || !r.typo_forgiven)
            j->wrong++; /* "lop": "loop" with an o dropped */
        if (grade_answer(&c, "(b)", 3, &r, &err) != EM_OK || !r.correct)
            j->wrong++;
        char out[64];
        if (grade_normalize("Cells' walls", 12, out, sizeof out) != 9 || strcmp(out, "cell wall") != 0)
            j->wrong++;
    }
    return NULL;
}

static void grade_from_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    job jobs[4] = {{0}};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, grade_many, &jobs[i]), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(jobs[i].wrong, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grade_short_case_punctuation_plurals),
        cmocka_unit_test(grade_short_one_typo),
        cmocka_unit_test(grade_short_two_typos),
        cmocka_unit_test(grade_short_first_letter),
        cmocka_unit_test(grade_short_numbers),
        cmocka_unit_test(grade_short_synonyms),
        cmocka_unit_test(grade_short_extra_words),
        cmocka_unit_test(grade_short_negations_opposites_keywords),
        cmocka_unit_test(grade_short_stop_words_only),
        cmocka_unit_test(grade_short_also_accepted),
        cmocka_unit_test(grade_short_long_words),
        cmocka_unit_test(grade_choice_by_letter),
        cmocka_unit_test(grade_choice_by_text),
        cmocka_unit_test(grade_choice_by_stems),
        cmocka_unit_test(grade_choice_wrong),
        cmocka_unit_test(grade_choice_no_option),
        cmocka_unit_test(grade_choice_text_before_letter),
        cmocka_unit_test(grade_true_false),
        cmocka_unit_test(grade_refuses_bad_answers),
        cmocka_unit_test(grade_refuses_bad_keys),
        cmocka_unit_test(grade_feedback_long_key),
        cmocka_unit_test(grade_normalize_examples),
        cmocka_unit_test(synonyms_stems_are_snowball),
        cmocka_unit_test(synonyms_equivalence),
        cmocka_unit_test(grade_from_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
