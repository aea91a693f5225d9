/* builtin: the offline provider. Retrieval (learn/retrieve) finds the
 * passages that answer the question in each material; the material whose best
 * passage covers the most of the question answers it, with the sentences
 * learn/answer picks, quoted exactly, one delta per sentence; each passage is
 * cited after its sentences, numbered in the order the answer uses them. When
 * the evidence covers too little of the question, the answer says it is not
 * in the student's materials and names the sections that came closest.
 * Plans are learn/plan's, checked by learn/verify. */
#include "llm/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"
#include "learn/answer.h"

#define REFUSAL_MAX 1024
#define CITE_QUOTE_MAX (ANSWER_MAX_CHARS + 64)

static double ms_since(int64_t t0_us)
{
    return (double)(clock_mono_us() - t0_us) / 1000.0;
}

/* The source whose best passage covers q best (ties: the higher score, then
 * the earlier source), or -1 when no passage of any source holds a word of q. */
static int best_source(const llm_explain_input *in, const retrieve_query *q, em_error *err, int *rc)
{
    int best = -1;
    double best_cov = -1, best_score = -1;
    *rc = EM_OK;
    for (size_t i = 0; i < in->n_sources; i++) {
        retrieve_hit hit;
        size_t n = 0;
        *rc = retrieve_search(in->sources[i].index, q, 1, &hit, &n, err);
        if (*rc != EM_OK)
            return -1;
        if (n == 0)
            continue;
        if (hit.coverage > best_cov || (hit.coverage == best_cov && hit.score > best_score)) {
            best = (int)i;
            best_cov = hit.coverage;
            best_score = hit.score;
        }
    }
    return best;
}

/* What separates quote i from the one before it: nothing before the first,
 * a space between sentences of one passage, a blank line between passages
 * and around code. */
static const char *separator(const answer *a, size_t i)
{
    if (i == 0)
        return "";
    const answer_quote *prev = &a->quotes[i - 1], *cur = &a->quotes[i];
    if (prev->passage == cur->passage && !prev->code && !cur->code)
        return " ";
    return "\n\n";
}

/* What joins quote i to the one before it in a citation's quote, which
 * shows the passage's own words: the answer's separator when the two are
 * next to each other in the passage (white space apart), " … " when words of
 * the passage were left out between them. */
static const char *quote_separator(const answer *a, size_t i, const char *sep)
{
    const answer_quote *prev = &a->quotes[i - 1], *cur = &a->quotes[i];
    size_t prev_end = prev->offset + prev->len;
    /* sentences of one paragraph or a paragraph break apart: at most a few
       bytes of white space between them */
    bool next_to = cur->offset >= prev_end && cur->offset - prev_end <= 3 && !prev->truncated;
    return next_to ? sep : " \xe2\x80\xa6 ";
}

static bool emit_delta(const llm_sink *sink, const char *sep, const char *text)
{
    size_t ls = strlen(sep), lt = strlen(text);
    if (ls == 0)
        return sink->on_delta(sink->ctx, text, lt);
    char *both = em_malloc(ls + lt + 1);
    memcpy(both, sep, ls);
    memcpy(both + ls, text, lt + 1);
    bool stop = sink->on_delta(sink->ctx, both, ls + lt);
    free(both);
    return stop;
}

/* The answer's sentences as deltas, each passage cited after its sentences
 * (quotes of one passage are consecutive: learn/answer keeps passages in
 * rank order and a passage's quotes in text order). */
static int write_answer(const llm_source *src, const answer *a, const llm_sink *sink)
{
    int n = 0;
    buf quote;
    buf_init(&quote, CITE_QUOTE_MAX);
    int rc = EM_OK;
    for (size_t i = 0; i < a->n_quotes && rc == EM_OK; i++) {
        const answer_quote *qt = &a->quotes[i];
        const char *sep = separator(a, i);
        if (emit_delta(sink, sep, qt->text)) {
            rc = EM_E_CANCELED;
            break;
        }
        if (i > 0 && a->quotes[i - 1].passage == qt->passage)
            (void)buf_append_str(&quote, quote_separator(a, i, sep));
        (void)buf_append_str(&quote, qt->text); /* past the cap the quote is cut: it is a reminder */
        bool last_of_passage = i + 1 == a->n_quotes || a->quotes[i + 1].passage != qt->passage;
        if (!last_of_passage)
            continue;
        llm_citation c = {
            .n = ++n,
            .material_id = src->material_id,
            .material_title = src->material_title,
            .section = qt->section,
            .page_start = qt->page_start,
            .page_end = qt->page_end,
            /* the index holds the material's chunks in position order */
            .position = (int)qt->passage,
            .quote = quote.data != NULL ? quote.data : "",
        };
        if (sink->on_citation(sink->ctx, &c))
            rc = EM_E_CANCELED;
        buf_reset(&quote);
    }
    buf_cleanup(&quote);
    return rc;
}

/* "Not in your materials", sentence by sentence, with the closest sections. */
static int write_refusal(const llm_explain_input *in, const answer *a, const llm_sink *sink)
{
    const char *first = in->n_sources == 0 ? "You have no ready materials to answer from."
                        : in->topic        ? "That topic is not in your materials."
                                           : "That is not in your materials.";
    if (sink->on_delta(sink->ctx, first, strlen(first)))
        return EM_E_CANCELED;
    if (a == NULL || a->n_sections == 0)
        return EM_OK;
    buf b;
    buf_init(&b, REFUSAL_MAX);
    (void)buf_append_str(&b, a->n_sections == 1 ? " The closest section is " : " The closest sections are ");
    for (size_t i = 0; i < a->n_sections; i++) {
        if (i > 0)
            (void)buf_append_str(&b, i + 1 == a->n_sections ? " and " : ", ");
        (void)buf_append_str(&b, "\"");
        (void)buf_append_str(&b, a->sections[i]);
        (void)buf_append_str(&b, "\"");
    }
    (void)buf_append_str(&b, ".");
    bool stop = b.data != NULL && sink->on_delta(sink->ctx, b.data, b.len);
    buf_cleanup(&b);
    return stop ? EM_E_CANCELED : EM_OK;
}

static int builtin_explain(const llm_provider *p, const llm_explain_input *in, const llm_sink *sink,
                           llm_explain_result *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->engine, sizeof out->engine, "%s", p->name);
    if (in->text == NULL || in->len == 0)
        return em_error_set(err, EM_E_INVAL, "nothing to explain");
    if (in->len > LLM_QUESTION_MAX)
        return em_error_set(err, EM_E_TOO_LARGE, "a question is at most %d bytes", LLM_QUESTION_MAX);
    int64_t t0 = clock_mono_us();
    retrieve_query q;
    /* A topic stands alone: the session's questions do not steer it. */
    int rc = retrieve_query_build(in->text, in->len, in->topic ? NULL : in->history,
                                  in->topic ? 0 : in->n_history, &q, err);
    if (rc != EM_OK)
        return rc;
    int best = best_source(in, &q, err, &rc);
    if (rc != EM_OK)
        return rc;
    out->retrieval_ms = ms_since(t0);
    int64_t t1 = clock_mono_us();
    answer a = {0};
    if (best >= 0) {
        rc = answer_build(in->sources[best].index, &q, (answer_limits){0}, &a, err);
        if (rc != EM_OK) {
            answer_cleanup(&a);
            return rc;
        }
    }
    out->answerable = best >= 0 && a.answerable;
    if (out->answerable)
        rc = write_answer(&in->sources[best], &a, sink);
    else
        rc = write_refusal(in, best >= 0 ? &a : NULL, sink);
    answer_cleanup(&a);
    out->answer_ms = ms_since(t1);
    if (rc == EM_E_CANCELED)
        return em_error_set(err, EM_E_CANCELED, "the client went away");
    return rc;
}

static int builtin_draft_plan(const llm_provider *p, const plan_input *in, plan *out, plan_infeasible *why,
                              em_error *err)
{
    (void)p;
    return plan_make(in, out, why, err);
}

static int builtin_generate_questions(const llm_provider *p, const llm_quiz_input *in, qgen_set *out,
                                      em_error *err)
{
    (void)p;
    qgen_input q = {
        .ix = in->source->index,
        .terms = in->terms,
        .n_terms = in->n_terms,
        .section = in->section,
        .focus_terms = in->focus_terms,
        .n_focus = in->n_focus,
        .max = in->max,
        .seed = in->seed,
        .sisters = in->sisters,
        .sisters_ctx = in->sisters_ctx,
    };
    return qgen_generate(&q, out, err);
}

static int builtin_analyze_performance(const llm_provider *p, const llm_performance_input *in,
                                       perf_report *report, mc_list *found, em_error *err)
{
    (void)p;
    memset(report, 0, sizeof *report);
    memset(found, 0, sizeof *found);
    int rc = perf_analyze(in->bkt, in->attempts, in->n_attempts, report, err);
    if (rc == EM_OK)
        rc = mc_detect(in->bkt, in->attempts, in->n_attempts, in->keys, in->n_keys, found, err);
    return rc;
}

const llm_provider llm_builtin = {
    .name = "builtin",
    .explain = builtin_explain,
    .draft_plan = builtin_draft_plan,
    .generate_questions = builtin_generate_questions,
    .analyze_performance = builtin_analyze_performance,
};
