/* tutor: questions to the tutor about one's own materials. */
#include "tutor/tutor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/mem.h"
#include "core/utf8.h"

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

int tutor_ask(db *d, const tutor_env *env, const principal *who, const tutor_request *rq, const llm_sink *sink,
              llm_explain_result *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->engine, sizeof out->engine, "%s", env->llm->name);
    int rc = tutor_request_check(rq, err);
    if (rc != EM_OK)
        return rc;
    if (rq->session_id != NULL)
        return em_error_set(err, EM_E_NOT_FOUND, "no such session");
    int64_t t0 = clock_mono_us();
    passages_set set = {0};
    rc = passages_load(d, env->cache, who, rq->material_ids, rq->n_material_ids, false, &set, err);
    if (rc != EM_OK)
        return rc;
    double load_ms = (double)(clock_mono_us() - t0) / 1000.0;
    llm_source *sources = em_calloc(set.n > 0 ? set.n : 1, sizeof *sources);
    for (size_t i = 0; i < set.n; i++)
        sources[i] = (llm_source){set.items[i].id, set.items[i].title, set.items[i].index};
    llm_explain_input in = {
        .text = rq->text,
        .len = rq->len,
        .topic = rq->topic,
        .sources = sources,
        .n_sources = set.n,
    };
    rc = env->llm->explain(env->llm, &in, sink, out, err);
    out->retrieval_ms += load_ms;
    free(sources);
    passages_release(env->cache, &set);
    return rc;
}
