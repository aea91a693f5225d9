/* provider: what a tutor engine does, behind one interface, and the registry
 * that picks one at start.
 *
 * A provider explains: given a question (or a topic to explain), the recent
 * questions of the study session (so a follow-up such as "and what about its
 * exit status?" is read in their light) and the student's passages, it writes
 * its answer piece by piece through a sink: text deltas as they are ready, and
 * a citation (material, section, pages, the quoted words) for each source the
 * first time the answer uses it, in that order. Every sink callback returns a
 * stop flag: true means the client is gone, and the provider returns at once
 * with EM_E_CANCELED, writing nothing more. The built-in provider
 * (llm/builtin.c) answers offline from learn/retrieve and learn/answer; a
 * remote model's provider streams its tokens through the same sink, so the
 * HTTP layer, the session history and the tests do not change with it.
 *
 * The passages come as one built retrieval index per material (materials/
 * passages.h caches them): each passage in it carries its text, section,
 * pages and material id (retrieve_index_passage), and the source carries the
 * material's title. A provider that sends text to a model picks what to send
 * with retrieve_search first.
 *
 * A provider also drafts study plans (learn/plan.h). Whoever drafted a plan,
 * the plans use case (study/plans.h) checks it against its constraints
 * (learn/verify.h) before anyone sees it: a provider is not trusted to.
 *
 * A provider writes quiz questions from a material (learn/qgen.h's
 * questions: each cites the sentence of a passage it comes from) and analyses
 * a student's answers (learn/performance.h's report and learn/
 * misconceptions.h's findings). Questions are checked against their passage
 * by the quiz use case (study/quizzes.h) before anyone sees them, whoever
 * wrote them.
 *
 * Providers are immutable values shared by every thread: a call keeps its
 * state on its own stack and heap. */
#ifndef EM_LLM_PROVIDER_H
#define EM_LLM_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "learn/bkt.h"
#include "learn/misconceptions.h"
#include "learn/performance.h"
#include "learn/plan.h"
#include "learn/qgen.h"
#include "learn/retrieve.h"
#include "learn/verify.h"

#define LLM_QUESTION_MAX RETRIEVE_QUESTION_MAX /* bytes of a question or topic */
#define LLM_HISTORY_MAX RETRIEVE_HISTORY_MAX   /* earlier questions a follow-up looks back on */
#define LLM_ENGINE_MAX 32                      /* bytes of an engine name */

/* One material's passages, borrowed for the call. */
typedef struct llm_source {
    const char *material_id;     /* NUL-terminated */
    const char *material_title;  /* NUL-terminated */
    const retrieve_index *index; /* built; its passages' material_id is material_id */
} llm_source;

/* What to explain. Everything is borrowed for the call. */
typedef struct llm_explain_input {
    const char *text;           /* the question, or the topic when `topic` */
    size_t len;                 /* bytes of text, at most LLM_QUESTION_MAX */
    bool topic;                 /* explain a topic rather than answer a question */
    const char *const *history; /* earlier questions of the session, oldest first; may be NULL */
    size_t n_history;
    const llm_source *sources; /* the student's materials */
    size_t n_sources;
} llm_explain_input;

/* A source the answer uses, numbered from 1 in the order of first use. Every
 * pointer is borrowed for the callback only. */
typedef struct llm_citation {
    int n;
    const char *material_id;
    const char *material_title;
    const char *section; /* may be NULL: outside any heading */
    int page_start, page_end;
    int position;      /* the passage's number in its material (GET
                          /api/materials/{id}/passages/{position} gives its text) */
    const char *quote; /* the words of the source the answer quotes */
} llm_citation;

/* Where a provider writes. Each callback returns true to stop the provider
 * (the client went away); text is borrowed for the callback only and is not
 * NUL-terminated. */
typedef struct llm_sink {
    bool (*on_delta)(void *ctx, const char *text, size_t len);
    bool (*on_citation)(void *ctx, const llm_citation *c);
    void *ctx;
} llm_sink;

/* How an explanation went. */
typedef struct llm_explain_result {
    bool answerable;             /* false: the materials do not answer it (the text says so) */
    char engine[LLM_ENGINE_MAX]; /* who answered ("builtin") */
    double retrieval_ms;         /* finding the passages */
    double answer_ms;            /* composing and writing the answer */
} llm_explain_result;

/* What to write quiz questions from: one material. Everything is borrowed
 * for the call. */
typedef struct llm_quiz_input {
    const llm_source *source; /* the material */
    const char *const *terms; /* its key terms, best first */
    size_t n_terms;
    const char *section;            /* only this section's passages; NULL: all */
    const char *const *focus_terms; /* terms to test first (weak topics, misconceptions); may be NULL */
    size_t n_focus;
    size_t max;              /* questions wanted, 1..QGEN_MAX */
    uint64_t seed;           /* variety between quizzes */
    qgen_sisters_fn sisters; /* more distractors of the same kind; may be NULL */
    void *sisters_ctx;
} llm_quiz_input;

/* A student's answers to analyse (learn/misconceptions.h's attempts, in time
 * order) and the keys of the other questions the student has seen. */
typedef struct llm_performance_input {
    const bkt_params *bkt;
    const mc_attempt *attempts;
    size_t n_attempts;
    const mc_key *keys;
    size_t n_keys;
} llm_performance_input;

typedef struct llm_provider llm_provider;

struct llm_provider {
    const char *name; /* static: "builtin" */
    /* Explain in->text from in->sources through sink. EM_OK with *out filled
     * once the whole answer has been written; EM_E_CANCELED as soon as a
     * callback asks to stop (nothing is written after it); EM_E_INVAL or
     * EM_E_TOO_LARGE for an input out of its limits (nothing written); other
     * failures with err's message safe to show. */
    int (*explain)(const llm_provider *p, const llm_explain_input *in, const llm_sink *sink,
                   llm_explain_result *out /* OUT */, em_error *err);
    /* Draft a plan for in into *out (free it with plan_cleanup, also on
     * failure). plan_make's errors: EM_E_INVAL with reason
     * PLAN_REASON_INFEASIBLE and *why filled (why may be NULL). */
    int (*draft_plan)(const llm_provider *p, const plan_input *in, plan *out /* OUT */,
                      plan_infeasible *why /* OUT */, em_error *err);
    /* Up to in->max questions from in->source into *out (free with
     * qgen_set_cleanup, also on failure); fewer, even none, when the material
     * does not give more. */
    int (*generate_questions)(const llm_provider *p, const llm_quiz_input *in, qgen_set *out /* OUT */,
                              em_error *err);
    /* Per-topic mastery, trends and weakest topics into *report, and the
     * misconceptions the answers show into *found (free both, also on
     * failure: perf_report_cleanup, mc_list_cleanup). */
    int (*analyze_performance)(const llm_provider *p, const llm_performance_input *in,
                               perf_report *report /* OUT */, mc_list *found /* OUT */, em_error *err);
};

/* ---- the registry ---- */

/* The provider called `name` (borrowed, static), or NULL when there is none
 * by that name in this build. */
const llm_provider *llm_provider_get(const char *name);
/* The provider LLM_PROVIDER names (NULL or "": the built-in one): EM_OK with
 * *out, or EM_E_CONFIG with a message naming the variable and the providers
 * this build has. Called once at start. */
int llm_provider_from_config(const char *name, const llm_provider **out /* OUT */, em_error *err);
/* The names of the providers this build has, comma-separated (static). */
const char *llm_provider_names(void);

/* ---- the built-in provider (llm/builtin.c) ---- */

extern const llm_provider llm_builtin;

#endif
