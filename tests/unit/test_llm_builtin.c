/* llm/builtin: the offline provider through the provider interface: deltas
 * that put together are the answer, sentence by sentence; citations numbered
 * in the order the answer uses them, after their sentences; the material that
 * answers best among several; refusals that name the closest sections; a
 * follow-up read in the light of the earlier question; a sink that stops the
 * provider mid-answer; the registry. */
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
#include "llm/provider.h"

typedef struct doc {
    const char *section;
    int page;
    const char *text;
} doc;

static const doc biology[] = {
    {"Light and leaves", 12,
     "Photosynthesis turns light energy into chemical energy stored in glucose. It happens in the "
     "chloroplasts "
     "of leaf cells. Farmers sell the crops at markets."},
    {"Energy in cells", 14,
     "Cells release energy from glucose by respiration. Respiration uses oxygen and gives off carbon "
     "dioxide."},
    {"Soil", 20, "Soil holds water and minerals for the roots. Worms mix the soil."},
};

static const doc chemistry[] = {
    {"Sour substances", 3, "Acids have a pH below seven. Vinegar is a weak acid and lemon juice is another."},
    {"Bitter substances", 5, "Bases have a pH above seven. Soap is a base."},
};

static retrieve_index *index_of(const char *material, const doc *docs, size_t n)
{
    retrieve_index *ix = retrieve_index_new((retrieve_limits){0});
    em_error err = {0};
    for (size_t i = 0; i < n; i++) {
        retrieve_passage p = {docs[i].text, strlen(docs[i].text), material, docs[i].section,
                              docs[i].page, docs[i].page + 1,     false};
        assert_int_equal(retrieve_index_add(ix, &p, &err), EM_OK);
    }
    assert_int_equal(retrieve_index_build(ix, &err), EM_OK);
    return ix;
}

/* What a sink saw, in order: "D:<text>" and "C<n>:<material>|<section>|<pages>|<quote>". */
typedef struct seen {
    char answer[8192];
    char events[32][1024];
    int n_events, n_deltas, n_citations;
    int stop_after; /* stop at this event (1-based); 0: never */
} seen;

static bool note(seen *s, const char *line)
{
    if (s->n_events < 32)
        snprintf(s->events[s->n_events], sizeof s->events[0], "%s", line);
    s->n_events++;
    return s->stop_after > 0 && s->n_events >= s->stop_after;
}

static bool on_delta(void *ctx, const char *text, size_t len)
{
    seen *s = ctx;
    assert_true(len > 0);
    size_t k = strlen(s->answer);
    assert_true(k + len < sizeof s->answer);
    memcpy(s->answer + k, text, len);
    s->answer[k + len] = '\0';
    s->n_deltas++;
    char line[1024];
    snprintf(line, sizeof line, "D:%.*s", (int)len, text);
    return note(s, line);
}

static bool on_citation(void *ctx, const llm_citation *c)
{
    seen *s = ctx;
    s->n_citations++;
    char line[1024];
    snprintf(line, sizeof line, "C%d:%s|%s|%s|%d-%d|%s", c->n, c->material_id, c->material_title,
             c->section != NULL ? c->section : "", c->page_start, c->page_end, c->quote);
    return note(s, line);
}

static int explain(const llm_source *src, size_t n_src, const char *question, const char *const *history,
                   size_t n_history, bool topic, seen *s, llm_explain_result *r)
{
    llm_sink sink = {on_delta, on_citation, s};
    llm_explain_input in = {question, strlen(question), topic, history, n_history, src, n_src};
    em_error err = {0};
    return llm_builtin.explain(&llm_builtin, &in, &sink, r, &err);
}

static void llm_builtin_deltas_make_the_answer(void **state)
{
    (void)state;
    retrieve_index *bio = index_of("m-bio", biology, 3);
    llm_source src[] = {{"m-bio", "Biology", bio}};
    seen s = {0};
    llm_explain_result r;
    assert_int_equal(
        explain(src, 1, "How do plants turn light energy into chemical energy?", NULL, 0, false, &s, &r),
        EM_OK);
    assert_true(r.answerable);
    assert_string_equal(r.engine, "builtin");
    assert_true(r.retrieval_ms >= 0 && r.answer_ms >= 0);
    /* The first sentence is quoted exactly, first, as its own delta. */
    assert_string_equal(s.events[0],
                        "D:Photosynthesis turns light energy into chemical energy stored in glucose.");
    assert_non_null(
        strstr(s.answer, "Photosynthesis turns light energy into chemical energy stored in glucose."));
    assert_null(strstr(s.answer, "Farmers sell"));
    /* Each delta is one sentence: the deltas put together are the answer
     * learn/answer gives, sentences of one passage joined by a space. */
    retrieve_query q;
    em_error err = {0};
    const char *question = "How do plants turn light energy into chemical energy?";
    assert_int_equal(retrieve_query_build(question, strlen(question), NULL, 0, &q, &err), EM_OK);
    answer a;
    assert_int_equal(answer_build(bio, &q, (answer_limits){0}, &a, &err), EM_OK);
    assert_int_equal(s.n_deltas, (int)a.n_quotes);
    answer_cleanup(&a);
    /* One citation per passage used, after its sentences, with the words quoted. */
    assert_true(s.n_citations >= 1);
    const char *last = s.events[s.n_events - 1];
    assert_true(strncmp(last, "C", 1) == 0);
    bool found = false;
    for (int i = 0; i < s.n_events && i < 32; i++)
        if (strncmp(s.events[i], "C1:m-bio|Biology|Light and leaves|12-13|Photosynthesis turns light", 64) ==
            0)
            found = true;
    assert_true(found);
    retrieve_index_free(bio);
}

/* A citation quotes the passage's own words: sentences the answer takes
 * from one passage with others left out between them are joined by " … ",
 * never run together as if the passage said them in a row. */
static void llm_builtin_quote_marks_what_it_leaves_out(void **state)
{
    (void)state;
    static const doc plants[] = {
        {"Leaves", 4,
         "Photosynthesis makes glucose from light. Farmers sell the crops at markets in town. "
         "Photosynthesis needs chlorophyll and light."},
    };
    retrieve_index *ix = index_of("m-plants", plants, 1);
    llm_source src[] = {{"m-plants", "Plants", ix}};
    seen s = {0};
    llm_explain_result r;
    assert_int_equal(explain(src, 1, "What does photosynthesis make and what does photosynthesis need?", NULL,
                             0, false, &s, &r),
                     EM_OK);
    assert_true(r.answerable);
    assert_null(strstr(s.answer, "Farmers"));
    assert_string_equal(s.events[s.n_events - 1],
                        "C1:m-plants|Plants|Leaves|4-5|Photosynthesis makes glucose from light. \xe2\x80\xa6 "
                        "Photosynthesis needs chlorophyll and light.");
    retrieve_index_free(ix);
}

/* Citations are numbered 1, 2, ... in the order the answer uses them, each
 * right after the sentences it covers. */
static void llm_builtin_citations_in_order(void **state)
{
    (void)state;
    retrieve_index *bio = index_of("m-bio", biology, 3);
    llm_source src[] = {{"m-bio", "Biology", bio}};
    seen s = {0};
    llm_explain_result r;
    assert_int_equal(
        explain(src, 1, "How do cells get energy from glucose and light?", NULL, 0, false, &s, &r), EM_OK);
    assert_true(r.answerable);
    int next = 1;
    bool delta_since = false;
    for (int i = 0; i < s.n_events; i++) {
        if (s.events[i][0] == 'D') {
            delta_since = true;
            continue;
        }
        int n = (int)strtol(s.events[i] + 1, NULL, 10);
        assert_int_equal(n, next++);
        assert_true(delta_since); /* a citation follows the sentences it covers */
        delta_since = false;
    }
    assert_false(delta_since); /* the last sentences are cited too */
    assert_int_equal(next - 1, s.n_citations);
    retrieve_index_free(bio);
}

/* Among several materials, the one that covers the question answers it. */
static void llm_builtin_best_material_answers(void **state)
{
    (void)state;
    retrieve_index *bio = index_of("m-bio", biology, 3), *chem = index_of("m-chem", chemistry, 2);
    llm_source src[] = {{"m-bio", "Biology", bio}, {"m-chem", "Chemistry", chem}};
    seen s = {0};
    llm_explain_result r;
    assert_int_equal(explain(src, 2, "What pH do acids have?", NULL, 0, false, &s, &r), EM_OK);
    assert_true(r.answerable);
    assert_non_null(strstr(s.answer, "Acids have a pH below seven."));
    assert_non_null(strstr(s.events[s.n_events - 1], "m-chem|Chemistry|Sour substances|3-4|"));
    retrieve_index_free(bio);
    retrieve_index_free(chem);
}

/* Off the subject: "not in your materials", and the closest sections. */
static void llm_builtin_refuses_off_subject(void **state)
{
    (void)state;
    retrieve_index *bio = index_of("m-bio", biology, 3);
    llm_source src[] = {{"m-bio", "Biology", bio}};
    seen s = {0};
    llm_explain_result r;
    assert_int_equal(explain(src, 1, "Who won the football world cup in 1966?", NULL, 0, false, &s, &r),
                     EM_OK);
    assert_false(r.answerable);
    assert_int_equal(s.n_citations, 0);
    assert_string_equal(s.answer, "That is not in your materials.");

    /* Near the subject but not answered: the closest section is named. */
    memset(&s, 0, sizeof s);
    assert_int_equal(explain(src, 1, "Which fertiliser minerals do roots of wheat need in winter frost?",
                             NULL, 0, false, &s, &r),
                     EM_OK);
    assert_false(r.answerable);
    assert_int_equal(s.n_citations, 0);
    if (strncmp(s.answer, "That is not in your materials. The closest section", 50) != 0 ||
        strstr(s.answer, "\"Soil\"") == NULL)
        fail_msg("refusal: %s", s.answer);

    /* No materials at all. */
    memset(&s, 0, sizeof s);
    assert_int_equal(explain(src, 0, "What is photosynthesis?", NULL, 0, false, &s, &r), EM_OK);
    assert_false(r.answerable);
    assert_string_equal(s.answer, "You have no ready materials to answer from.");
    retrieve_index_free(bio);
}

/* A follow-up borrows the earlier question's words; a topic does not. */
static void llm_builtin_follow_up(void **state)
{
    (void)state;
    retrieve_index *chem = index_of("m-chem", chemistry, 2);
    llm_source src[] = {{"m-chem", "Chemistry", chem}};
    const char *history[] = {"Tell me about soap"};
    seen s = {0};
    llm_explain_result r;
    assert_int_equal(explain(src, 1, "What is its pH?", history, 1, false, &s, &r), EM_OK);
    assert_true(r.answerable);
    assert_non_null(strstr(s.answer, "Soap is a base."));
    assert_null(strstr(s.answer, "Acids"));
    /* Alone, the same words ask about every pH. */
    memset(&s, 0, sizeof s);
    assert_int_equal(explain(src, 1, "What is its pH?", NULL, 0, false, &s, &r), EM_OK);
    assert_non_null(strstr(s.answer, "Acids have a pH below seven."));
    /* A topic stands alone, whatever was asked before. */
    memset(&s, 0, sizeof s);
    assert_int_equal(explain(src, 1, "What is its pH?", history, 1, true, &s, &r), EM_OK);
    assert_non_null(strstr(s.answer, "Acids have a pH below seven."));
    retrieve_index_free(chem);
}

/* A sink that asks to stop gets nothing more, and the provider says so. */
static void llm_builtin_stops_when_asked(void **state)
{
    (void)state;
    retrieve_index *bio = index_of("m-bio", biology, 3);
    llm_source src[] = {{"m-bio", "Biology", bio}};
    seen full = {0};
    llm_explain_result r;
    const char *question = "How do cells get energy from glucose and light?";
    assert_int_equal(explain(src, 1, question, NULL, 0, false, &full, &r), EM_OK);
    assert_true(full.n_events >= 3);
    for (int stop = 1; stop < full.n_events; stop++) {
        seen s = {.stop_after = stop};
        assert_int_equal(explain(src, 1, question, NULL, 0, false, &s, &r), EM_E_CANCELED);
        assert_int_equal(s.n_events, stop);
    }
    retrieve_index_free(bio);
}

static void llm_builtin_rejects_bad_input(void **state)
{
    (void)state;
    seen s = {0};
    llm_explain_result r;
    char big[LLM_QUESTION_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(explain(NULL, 0, big, NULL, 0, false, &s, &r), EM_E_TOO_LARGE);
    assert_int_equal(explain(NULL, 0, "", NULL, 0, false, &s, &r), EM_E_INVAL);
    assert_int_equal(s.n_events, 0);
}

static void llm_builtin_draft_plan_passes_verification(void **state)
{
    (void)state;
    plan_topic topics[] = {{"Cells", 2000, 0.1}, {"Plants", 3000, 0.0}};
    plan_material m = {"Biology", topics, 2};
    plan_input in = {
        .today = {2026, 3, 2}, .exam = {2026, 3, 30}, .daily_minutes = 60, .materials = &m, .n_materials = 1};
    plan p;
    verify_report v;
    plan_infeasible why;
    em_error err = {0};
    assert_int_equal(llm_builtin.draft_plan(&llm_builtin, &in, &p, &why, &err), EM_OK);
    assert_true(p.n_days > 0);
    assert_int_equal(verify_plan(&in, &p, &v, &err), EM_OK);
    assert_true(v.ok);
    plan_cleanup(&p);
    verify_report_cleanup(&v);
}

static void llm_provider_registry(void **state)
{
    (void)state;
    assert_ptr_equal(llm_provider_get("builtin"), &llm_builtin);
    assert_null(llm_provider_get("openai"));
    const llm_provider *p = NULL;
    em_error err = {0};
    assert_int_equal(llm_provider_from_config(NULL, &p, &err), EM_OK);
    assert_ptr_equal(p, &llm_builtin);
    assert_int_equal(llm_provider_from_config("gpt-9", &p, &err), EM_E_CONFIG);
    assert_non_null(strstr(err.msg, "LLM_PROVIDER=gpt-9"));
    assert_non_null(strstr(err.msg, "builtin"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llm_builtin_deltas_make_the_answer),
        cmocka_unit_test(llm_builtin_quote_marks_what_it_leaves_out),
        cmocka_unit_test(llm_builtin_citations_in_order),
        cmocka_unit_test(llm_builtin_best_material_answers),
        cmocka_unit_test(llm_builtin_refuses_off_subject),
        cmocka_unit_test(llm_builtin_follow_up),
        cmocka_unit_test(llm_builtin_stops_when_asked),
        cmocka_unit_test(llm_builtin_rejects_bad_input),
        cmocka_unit_test(llm_builtin_draft_plan_passes_verification),
        cmocka_unit_test(llm_provider_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
