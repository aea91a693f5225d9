/* tutor: questions to the tutor about one's own materials. */
#include "tutor/tutor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "study/chat.h"
#include "study/sessions.h"

int tutor_request_check(const tutor_request *rq, em_error *err)
{
    const char *what = rq->topic ? "topic" : "question";
    if (rq->text == NULL || rq->len == 0)
        return em_error_set(err, EM_E_INVAL, "the %s is empty", what);
    if (rq->len > TUTOR_QUESTION_MAX)
        return em_error_set(err, EM_E_INVAL, "the %s is longer than %d bytes", what, TUTOR_QUESTION_MAX);
    size_t bad = 0;
    if (memchr(rq->text, '\0', rq->len) != NULL || !utf8_validate(rq->text, rq->len, &bad))
        return em_error_set(err, EM_E_INVAL, "the %s must be text", what);
    size_t blank = 0;
    while (blank < rq->len && (rq->text[blank] == ' ' || rq->text[blank] == '\t' || rq->text[blank] == '\n' ||
                               rq->text[blank] == '\r'))
        blank++;
    if (blank == rq->len)
        return em_error_set(err, EM_E_INVAL, "the %s is empty", what);
    if (rq->n_material_ids > PASSAGES_MATERIALS_MAX)
        return em_error_set(err, EM_E_INVAL, "at most %d material_ids", PASSAGES_MATERIALS_MAX);
    return EM_OK;
}

/* A sink that passes everything on and keeps the answer and its citations
 * for the session's history. */
typedef struct keep {
    const llm_sink *inner;
    buf answer;
    json_t *citations;
} keep;

static bool keep_delta(void *ctx, const char *text, size_t len)
{
    keep *k = ctx;
    (void)buf_append(&k->answer, text, len); /* past CHAT_TEXT_MAX the stored copy is cut */
    return k->inner->on_delta(k->inner->ctx, text, len);
}

static bool keep_citation(void *ctx, const llm_citation *c)
{
    keep *k = ctx;
    json_t *o = json_pack("{s:i, s:s, s:s, s:o, s:i, s:i, s:i, s:s}", "n", c->n, "material_id",
                          c->material_id, "material_title", c->material_title, "section",
                          c->section != NULL ? json_string(c->section) : json_null(), "page_start",
                          c->page_start, "page_end", c->page_end, "position", c->position, "quote", c->quote);
    if (o != NULL)
        json_array_append_new(k->citations, o);
    return k->inner->on_citation(k->inner->ctx, c);
}

/* The session's materials (when none are named) and recent questions. */
typedef struct session_part {
    char **ids;
    size_t n_ids;
    char **history;
    size_t n_history;
} session_part;

static int session_load(db *d, const principal *who, const char *session_id, session_part *sp, em_error *err)
{
    char owner[37];
    int rc = session_materials(d, who, session_id, true, owner, &sp->ids, &sp->n_ids, err);
    if (rc == EM_OK)
        rc = chat_recent_questions(d, who, session_id, LLM_HISTORY_MAX, &sp->history, &sp->n_history, err);
    return rc;
}

int tutor_session_check(db *d, const principal *who, const char *session_id, em_error *err)
{
    if (session_id == NULL)
        return EM_OK;
    char owner[37];
    char **ids = NULL;
    size_t n = 0;
    int rc = session_materials(d, who, session_id, true, owner, &ids, &n, err);
    session_ids_free(ids, n);
    return rc;
}

static void session_part_cleanup(session_part *sp)
{
    session_ids_free(sp->ids, sp->n_ids);
    session_ids_free(sp->history, sp->n_history);
}

int tutor_ask(db *d, const tutor_env *env, const principal *who, const tutor_request *rq,
              const llm_sink *sink, llm_explain_result *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->engine, sizeof out->engine, "%s", env->llm->name);
    int rc = tutor_request_check(rq, err);
    if (rc != EM_OK)
        return rc;
    int64_t t0 = clock_mono_us();
    session_part sp = {0};
    if (rq->session_id != NULL) {
        rc = session_load(d, who, rq->session_id, &sp, err);
        if (rc != EM_OK) {
            session_part_cleanup(&sp);
            return rc;
        }
    }
    /* Named materials, else the session's (those not ready left out), else all. */
    const char *const *ids = rq->material_ids;
    size_t n_ids = rq->n_material_ids;
    bool from_session = n_ids == 0 && sp.n_ids > 0;
    if (from_session) {
        ids = (const char *const *)sp.ids;
        n_ids = sp.n_ids;
    }
    passages_set set = {0};
    rc = passages_load(d, env->cache, who, ids, n_ids, from_session, &set, err);
    if (rc != EM_OK) {
        session_part_cleanup(&sp);
        return rc;
    }
    double load_ms = (double)(clock_mono_us() - t0) / 1000.0;
    llm_source *sources = em_calloc(set.n > 0 ? set.n : 1, sizeof *sources);
    for (size_t i = 0; i < set.n; i++)
        sources[i] = (llm_source){set.items[i].id, set.items[i].title, set.items[i].index};
    llm_explain_input in = {
        .text = rq->text,
        .len = rq->len,
        .topic = rq->topic,
        .history = (const char *const *)sp.history,
        .n_history = sp.n_history,
        .sources = sources,
        .n_sources = set.n,
    };
    keep k = {.inner = sink, .citations = json_array()};
    buf_init(&k.answer, CHAT_TEXT_MAX);
    llm_sink kept = {.on_delta = keep_delta, .on_citation = keep_citation, .ctx = &k};
    rc = env->llm->explain(env->llm, &in, rq->session_id != NULL ? &kept : sink, out, err);
    out->retrieval_ms += load_ms;
    free(sources);
    passages_release(env->cache, &set);
    if (rc == EM_OK && rq->session_id != NULL) {
        char *question = em_malloc(rq->len + 1);
        memcpy(question, rq->text, rq->len);
        question[rq->len] = '\0';
        char *cites = json_dumps(k.citations, JSON_COMPACT);
        rc = chat_append(d, who, rq->session_id, question, k.answer.data != NULL ? k.answer.data : "", cites,
                         out->answerable, err);
        if (rc != EM_OK)
            log_msg(LOG_WARN, "tutor: the exchange was not stored in session %s: %s", rq->session_id,
                    err->msg);
        free(cites);
        free(question);
    }
    json_decref(k.citations);
    buf_cleanup(&k.answer);
    session_part_cleanup(&sp);
    return rc;
}
