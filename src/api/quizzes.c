/* Practice: quizzes (POST /api/quiz/generate, GET /api/quiz/{id}, POST
 * /api/quiz/{id}/submit), review cards (GET /api/reviews/due, POST
 * /api/reviews/{card_id}/grade), the analysis of a student's answers (POST
 * /api/analyze/performance, the seeds' name), misconceptions (GET
 * /api/misconceptions) and the session's autopilot (POST
 * /api/sessions/{id}/autopilot/next), over the study area. */
#include "api/api.h"

#include "core/inflight.h"
#include "study/autopilot.h"
#include "study/misconceptions.h"
#include "study/performance.h"
#include "study/quizzes.h"
#include "study/reviews.h"

#define REVIEWS_DEFAULT_LIMIT 50
#define MISCONCEPTIONS_DEFAULT_LIMIT 50

/* Answer a use case's JSON (owned) or its error. */
static void respond(http_res *res, int rc, int status, json_t *out, const em_error *err)
{
    if (rc != EM_OK)
        api_error(res, rc, err);
    else
        http_res_json(res, status, out);
}

/* Making a quiz indexes and writes questions: seconds of CPU on one of the
 * few threads that serve slow requests. A student makes one at a time, so a
 * student who sends many at once keeps at most one of those threads and
 * everyone else's requests do not wait behind theirs: another while one is
 * being made is 429. */
void api_quiz_generate(http_req *req, http_res *res)
{
    const api_ctx *c = req->ctx;
    const char *me = api_caller_of(req)->who.user_id;
    if (!inflight_enter(c->quiz_gate, me)) {
        http_res_header(res, "Retry-After", "1");
        http_res_error(res, 429, "rate_limited",
                       "a quiz is being made for you already; try again when it is ready");
        return;
    }
    json_t *body = NULL;
    db *d = http_req_json(req, &body, res) == EM_OK ? api_db(req, res) : NULL;
    if (d != NULL) {
        quiz_env env = {c->passages, c->llm, c->wordnet};
        json_t *out = NULL;
        em_error err = {0};
        int rc = quiz_generate(d, &env, &api_caller_of(req)->who, body, api_now_ms(req), &out, &err);
        respond(res, rc, 201, out, &err);
    }
    json_decref(body);
    inflight_leave(c->quiz_gate, me);
}

void api_quiz_get(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    json_t *out = NULL;
    em_error err = {0};
    int rc = quiz_get(d, &api_caller_of(req)->who, http_req_param(req, "id"), &out, &err);
    respond(res, rc, 200, out, &err);
}

void api_quiz_submit(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    db *d = api_db(req, res);
    if (d != NULL) {
        json_t *out = NULL;
        em_error err = {0};
        int rc = quiz_submit(d, &api_caller_of(req)->who, http_req_param(req, "id"), body, api_now_ms(req),
                             &out, &err);
        respond(res, rc, 200, out, &err);
    }
    json_decref(body);
}

void api_reviews_due(http_req *req, http_res *res)
{
    long limit = api_query_long(req, "limit", 1, REVIEWS_DUE_MAX, REVIEWS_DEFAULT_LIMIT);
    if (limit < 0) {
        http_res_error(res, 400, "invalid_request", "limit must be a whole number from 1 to %d",
                       REVIEWS_DUE_MAX);
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    json_t *out = NULL;
    em_error err = {0};
    int rc = reviews_due(d, &api_caller_of(req)->who, (int)limit, api_now_ms(req), &out, &err);
    respond(res, rc, 200, out, &err);
}

void api_reviews_grade(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    fsrs_grade g = FSRS_GOOD;
    em_error err = {0};
    db *d = NULL;
    if (reviews_parse_grade(json_object_get(body, "grade"), &g, &err) != EM_OK) {
        http_res_error(res, 400, "invalid_request", "%s", err.msg);
    } else if ((d = api_db(req, res)) != NULL) {
        json_t *out = NULL;
        int rc = reviews_grade(d, &api_caller_of(req)->who, http_req_param(req, "card_id"), g,
                               api_now_ms(req), &out, &err);
        respond(res, rc, 200, out, &err);
    }
    json_decref(body);
}

void api_analyze_performance(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    db *d = api_db(req, res);
    if (d != NULL) {
        const api_ctx *c = req->ctx;
        json_t *out = NULL;
        em_error err = {0};
        int rc = performance_analyze(d, c->llm, &api_caller_of(req)->who, body, api_now_ms(req), &out, &err);
        respond(res, rc, 200, out, &err);
    }
    json_decref(body);
}

void api_misconceptions_list(http_req *req, http_res *res)
{
    long limit = api_query_long(req, "limit", 1, MISCONCEPTIONS_PAGE_MAX, MISCONCEPTIONS_DEFAULT_LIMIT);
    if (limit < 0) {
        http_res_error(res, 400, "invalid_request", "limit must be a whole number from 1 to %d",
                       MISCONCEPTIONS_PAGE_MAX);
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    json_t *items = NULL;
    em_error err = {0};
    int rc = misconceptions_list(d, &api_caller_of(req)->who, http_req_query(req, "user_id"),
                                 http_req_query(req, "status"), (int)limit, &items, &err);
    respond(res, rc, 200, rc == EM_OK ? json_pack("{s:o}", "items", items) : NULL, &err);
}

void api_sessions_autopilot_next(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    json_t *out = NULL;
    em_error err = {0};
    int rc = autopilot_session_next(d, &api_caller_of(req)->who, http_req_param(req, "id"), api_now_ms(req),
                                    &out, &err);
    respond(res, rc, 200, out, &err);
}
