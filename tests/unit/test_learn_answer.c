/* learn/answer: which sentences answer, in what order, with what citation;
 * code lines with their line breaks; refusals with the closest sections;
 * limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "learn/answer.h"
#include "learn/retrieve.h"

typedef struct doc {
    const char *material;
    const char *section;
    int page;
    const char *text;
} doc;

static const doc biology[] = {
    {"bio", "Photosynthesis", 12,
     "Photosynthesis Plants are green. Photosynthesis turns light energy into chemical energy stored in "
     "glucose. It happens in the chloroplasts of leaf cells. Farmers sell the crops at markets."},
    {"bio", "Respiration", 14,
     "Cells release energy from glucose by respiration. Respiration uses oxygen and gives off carbon "
     "dioxide."},
    {"bio", "Soil", 20, "Soil holds water and minerals for the roots. Worms mix the soil."},
    {"chem", "Acids", 3, "Acids have a pH below seven. Vinegar is a weak acid."},
};

static retrieve_index *index_of(const doc *docs, size_t n)
{
    retrieve_index *ix = retrieve_index_new((retrieve_limits){0});
    em_error err = {0};
    for (size_t i = 0; i < n; i++) {
        retrieve_passage p = {docs[i].text,
                              strlen(docs[i].text),
                              docs[i].material,
                              docs[i].section,
                              docs[i].page,
                              docs[i].page + 1,
                              false};
        assert_int_equal(retrieve_index_add(ix, &p, &err), EM_OK);
    }
    assert_int_equal(retrieve_index_build(ix, &err), EM_OK);
    return ix;
}

static answer ask(const retrieve_index *ix, const char *question, answer_limits lim)
{
    retrieve_query q;
    em_error err = {0};
    assert_int_equal(retrieve_query_build(question, strlen(question), NULL, 0, &q, &err), EM_OK);
    answer a;
    assert_int_equal(answer_build(ix, &q, lim, &a, &err), EM_OK);
    return a;
}

static void learn_answer_sentences_with_citations(void **state)
{
    (void)state;
    retrieve_index *ix = index_of(biology, 4);
    answer a = ask(ix, "How do plants store light energy as chemical energy?", (answer_limits){0});
    assert_true(a.answerable);
    assert_true(a.n_quotes >= 1);
    const answer_quote *first = &a.quotes[0];
    assert_string_equal(first->text,
                        "Photosynthesis turns light energy into chemical energy stored in glucose.");
    assert_string_equal(first->material_id, "bio");
    assert_string_equal(first->section, "Photosynthesis");
    assert_int_equal(first->page_start, 12);
    assert_int_equal(first->page_end, 13);
    assert_int_equal(first->passage, 0);
    /* the quote is the exact bytes at its offset */
    const retrieve_passage *p = retrieve_index_passage(ix, first->passage);
    assert_memory_equal(p->text + first->offset, first->text, first->len);
    assert_false(first->code);
    /* the unrelated sentence is not quoted, nor the section title */
    for (size_t i = 0; i < a.n_quotes; i++) {
        assert_null(strstr(a.quotes[i].text, "Farmers"));
        assert_true(strncmp(a.quotes[i].text, "Photosynthesis Plants", 21) != 0);
    }
    /* within a passage, document order */
    for (size_t i = 1; i < a.n_quotes; i++) {
        if (a.quotes[i].passage == a.quotes[i - 1].passage)
            assert_true(a.quotes[i].offset > a.quotes[i - 1].offset);
    }
    answer_cleanup(&a);
    retrieve_index_free(ix);
}

/* A manual's page as PDF extraction gives it: a numbered heading left in the
 * text, a "Warning" label over its paragraph, a table's cells one a
 * paragraph. Fragments are not glued to the sentence after them, and a
 * sentence that answers wins over cells holding the same words. */
static const doc manual_page[] = {
    {"ref", "Package management", 98,
     "There is no need to set a pin priority for experimental packages.\n"
     "2.7.8\nAutomatic upgrade of packages\n\n"
     "Warning\nPinning packages by a novice user calls for major troubles.\n\n"
     "apt upgrade\n\naptitude safe-upgrade\n\nupgrade installed packages\n\n"
     "The apt upgrade command installs the newest versions of the installed packages."},
    {"ref", "Networking", 120, "The network is set up by systemd-networkd. Each interface has a file."},
    {"ref", "Network setup", 124,
     "Chapter 5\n\nNetwork setup\n\nTip\nFor a guide to the network, read the handbook.\n\n"
     "The network of a desktop is left to NetworkManager."},
};

static void learn_answer_fragments(void **state)
{
    (void)state;
    retrieve_index *ix = index_of(manual_page, 3);
    answer a =
        ask(ix, "What does apt upgrade do to installed packages?", (answer_limits){.max_sentences = 1});
    assert_true(a.answerable);
    assert_int_equal(a.n_quotes, 1);
    assert_string_equal(a.quotes[0].text,
                        "The apt upgrade command installs the newest versions of the installed packages.");
    answer_cleanup(&a);

    /* the label is not part of the sentence under it, nor the heading of
       the sentence before it */
    a = ask(ix, "Why is pinning packages trouble for a novice user?", (answer_limits){0});
    assert_true(a.answerable);
    assert_string_equal(a.quotes[0].text, "Pinning packages by a novice user calls for major troubles.");
    for (size_t i = 0; i < a.n_quotes; i++)
        assert_null(strstr(a.quotes[i].text, "2.7.8"));
    answer_cleanup(&a);

    /* a topic asked by its title: the title repeated in the text is no answer */
    a = ask(ix, "Network setup", (answer_limits){0});
    assert_true(a.answerable);
    for (size_t i = 0; i < a.n_quotes; i++) {
        assert_string_not_equal(a.quotes[i].text, "Network setup");
        assert_null(strstr(a.quotes[i].text, "Tip"));
    }
    answer_cleanup(&a);
    retrieve_index_free(ix);
}

/* A manual's options as PDF extraction gives them (bzip2's): each option's
 * names a paragraph of their own, its description the paragraph under it.
 * Asked what an option does, the names match the question and the
 * description does not: it goes with them, and is what is quoted. */
static const doc options_page[] = {
    {"bz", "2.4. OPTIONS", 7,
     "-c --stdout\n\nCompress or decompress to standard output.\n\n"
     "-k --keep\n\nKeep (don't delete) input files during compression or decompression.\n\n"
     "-s --small\n\nReduce memory usage, for compression, decompression and testing."},
    {"bz", "2.5. MEMORY MANAGEMENT", 8,
     "Most of the compression comes from the first two or three hundred k of block size. "
     "The flags -1 through -9 specify the block size to be 100,000 bytes through 900,000 bytes."},
};

static void learn_answer_definition_under_its_term(void **state)
{
    (void)state;
    retrieve_index *ix = index_of(options_page, 2);
    answer a = ask(ix, "What does the -k option do?", (answer_limits){0});
    assert_true(a.answerable);
    bool described = false;
    for (size_t i = 0; i < a.n_quotes; i++) {
        described |= strstr(a.quotes[i].text, "Keep (don't delete) input files") != NULL;
        assert_string_not_equal(a.quotes[i].text, "-k --keep");
    }
    assert_true(described);
    answer_cleanup(&a);
    retrieve_index_free(ix);
}

static void learn_answer_limits(void **state)
{
    (void)state;
    retrieve_index *ix = index_of(biology, 4);
    answer a = ask(ix, "glucose energy respiration photosynthesis", (answer_limits){.max_sentences = 1});
    assert_true(a.answerable);
    assert_int_equal(a.n_quotes, 1);
    answer_cleanup(&a);

    /* a single unit longer than max_chars is cut at a character boundary */
    a = ask(ix, "glucose energy respiration photosynthesis", (answer_limits){.max_chars = 20});
    assert_int_equal(a.n_quotes, 1);
    assert_true(a.quotes[0].truncated);
    assert_true(a.quotes[0].len <= 20);
    answer_cleanup(&a);

    retrieve_query q;
    em_error err = {0};
    assert_int_equal(retrieve_query_build("glucose", 7, NULL, 0, &q, &err), EM_OK);
    assert_int_equal(
        answer_build(ix, &q, (answer_limits){.max_sentences = ANSWER_MAX_SENTENCES + 1}, &a, &err),
        EM_E_INVAL);
    assert_int_equal(answer_build(ix, &q, (answer_limits){.max_chars = ANSWER_MAX_CHARS + 1}, &a, &err),
                     EM_E_INVAL);
    answer_cleanup(&a);
    answer_cleanup(NULL);
    retrieve_index_free(ix);
}

static void learn_answer_refusal(void **state)
{
    (void)state;
    retrieve_index *ix = index_of(biology, 4);
    /* "energy" is there, the rest is not */
    answer a =
        ask(ix, "How much energy does a nuclear reactor produce per uranium atom?", (answer_limits){0});
    assert_false(a.answerable);
    assert_int_equal(a.n_quotes, 0);
    assert_true(a.coverage < ANSWER_MIN_COVERAGE);
    assert_true(a.n_sections >= 1);
    /* the closest sections, distinct, best first */
    assert_true(strcmp(a.sections[0], "Photosynthesis") == 0 || strcmp(a.sections[0], "Respiration") == 0);
    for (size_t i = 1; i < a.n_sections; i++)
        assert_string_not_equal(a.sections[i], a.sections[0]);
    answer_cleanup(&a);

    /* nothing matches at all: no sections either */
    a = ask(ix, "Who painted the Mona Lisa?", (answer_limits){0});
    assert_false(a.answerable);
    assert_int_equal(a.n_sections, 0);
    answer_cleanup(&a);

    /* a caller may lower the bar, or never refuse */
    a = ask(ix, "How much energy does a nuclear reactor produce per uranium atom?",
            (answer_limits){.min_coverage = -1});
    assert_true(a.answerable);
    answer_cleanup(&a);
    retrieve_index_free(ix);
}

/* A name the materials never use (written with a capital letter past the
 * question's first word) is what the question is about: matching its other
 * words is not enough. The same words in lower case, and names the
 * materials hold, are judged by coverage as before. */
static void learn_answer_refuses_names_not_held(void **state)
{
    (void)state;
    const doc manual[] = {
        {"man", "Letters", 4,
         "Letters Start each sentence with a capital letter. A capital letter also starts every name."},
        {"man", "Vinegar", 9, "Vinegar from Modena is a weak acid. Its capital use is in salad dressing."},
    };
    retrieve_index *ix = index_of(manual, 2);
    answer a = ask(ix, "What is the capital of Mongolia?", (answer_limits){0});
    assert_false(a.answerable);
    assert_int_equal(a.n_quotes, 0);
    answer_cleanup(&a);
    /* a name the materials hold */
    a = ask(ix, "Where does the vinegar of Modena come from?", (answer_limits){0});
    assert_true(a.answerable);
    assert_string_equal(a.quotes[0].section, "Vinegar");
    answer_cleanup(&a);
    /* the first word is capitalised by writing, not because it is a name */
    a = ask(ix, "Capital letters start what?", (answer_limits){0});
    assert_true(a.answerable);
    answer_cleanup(&a);
    retrieve_index_free(ix);

    /* a name held in the materials, but not by the passages that answer the
       rest of the question: no answer */
    const doc held_elsewhere[] = {
        {"man", "Letters", 4,
         "Letters Start each sentence with a capital letter. A capital letter also starts every name. "
         "Write the capital of a word in the margin."},
        {"man", "Mirrors", 9,
         "Mirrors copy the archive every day. The mirrors of the archive list their countries, such as "
         "Mongolia, in a file of mirrors."},
        {"man", "Archive", 12, "The archive holds every package. Mirrors copy the archive."},
    };
    ix = index_of(held_elsewhere, 3);
    a = ask(ix, "What is the capital of Mongolia?", (answer_limits){0});
    for (size_t i = 0; a.answerable && i < a.n_quotes; i++)
        if (strstr(a.quotes[i].text, "Mongolia") == NULL && strcmp(a.quotes[i].section, "Mirrors") != 0)
            fail_msg("answered without the name: %s", a.quotes[i].text);
    answer_cleanup(&a);
    retrieve_index_free(ix);
}

static void learn_answer_code_lines(void **state)
{
    (void)state;
    const doc code[] = {
        {"sh", "Loops", 5,
         "A for loop runs its body once for each word.\n"
         "    for f in *.txt; do\n"
         "        wc -l \"$f\"\n"
         "    done\n"
         "The loop above counts lines in every text file. Unrelated prose ends here."},
        {"sh", "Quoting", 6, "Quotes keep words together."},
    };
    retrieve_index *ix = index_of(code, 2);
    answer a =
        ask(ix, "how do I count lines in every file with a for loop?", (answer_limits){.max_sentences = 3});
    assert_true(a.answerable);
    bool saw_code = false;
    for (size_t i = 0; i < a.n_quotes; i++) {
        if (a.quotes[i].code) {
            saw_code = true;
            assert_string_equal(a.quotes[i].text, "    for f in *.txt; do\n        wc -l \"$f\"\n    done");
        }
    }
    assert_true(saw_code);
    answer_cleanup(&a);
    retrieve_index_free(ix);

    assert_true(answer_line_is_code("    x = 1", 9));
    assert_true(answer_line_is_code("\tx", 2));
    assert_true(answer_line_is_code("$ ls -l", 7));
    assert_true(answer_line_is_code("#!/bin/sh", 9));
    assert_true(answer_line_is_code("int main(void) {", 16));
    assert_true(answer_line_is_code("x = 1;", 6));
    assert_false(answer_line_is_code("A sentence of prose.", 20));
    assert_false(answer_line_is_code("", 0));
    assert_false(answer_line_is_code("}", 1));
}

static void learn_answer_follow_up(void **state)
{
    (void)state;
    retrieve_index *ix = index_of(biology, 4);
    const char *history[] = {"How do cells release energy from glucose?"};
    retrieve_query q;
    em_error err = {0};
    const char *f = "and what gas does it give off?";
    assert_int_equal(retrieve_query_build(f, strlen(f), history, 1, &q, &err), EM_OK);
    assert_true(q.follow_up);
    answer a;
    assert_int_equal(answer_build(ix, &q, (answer_limits){0}, &a, &err), EM_OK);
    assert_true(a.answerable);
    assert_string_equal(a.quotes[0].section, "Respiration");
    bool dioxide = false;
    for (size_t i = 0; i < a.n_quotes; i++)
        dioxide = dioxide || strstr(a.quotes[i].text, "carbon dioxide") != NULL;
    assert_true(dioxide);
    answer_cleanup(&a);
    retrieve_index_free(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(learn_answer_sentences_with_citations),
        cmocka_unit_test(learn_answer_fragments),
        cmocka_unit_test(learn_answer_definition_under_its_term),
        cmocka_unit_test(learn_answer_limits),
        cmocka_unit_test(learn_answer_refusal),
        cmocka_unit_test(learn_answer_refuses_names_not_held),
        cmocka_unit_test(learn_answer_code_lines),
        cmocka_unit_test(learn_answer_follow_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
