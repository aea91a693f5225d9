/* Verified study plans: POST /api/plan/generate-verified (make one for a
 * session, or take it from the cache), GET /api/plans/{id}, the session's
 * newest plan as JSON and as an iCalendar, over study/plans.h. */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/civil.h"
#include "core/ics.h"
#include "core/jsonw.h"
#include "study/plans.h"

/* {"plan": ..., "verification": ..., ["cached": ...]} */
static void respond_plan(http_res *res, int status, const plan_record *r, bool with_cached)
{
    buf out;
    buf_init(&out, 2 * PLANS_JSON_MAX + 64);
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    jsonw_key(&w, "plan");
    jsonw_raw(&w, r->plan_json);
    jsonw_key(&w, "verification");
    jsonw_raw(&w, r->report_json);
    if (with_cached) {
        jsonw_key(&w, "cached");
        jsonw_bool(&w, r->cached);
    }
    jsonw_object_end(&w);
    http_res_jsonw(res, status, &w);
    buf_cleanup(&out);
}

/* 422 plan_infeasible with the numbers of the fix next to the message. */
static void respond_infeasible(http_res *res, const em_error *err, const plan_infeasible *why)
{
    json_t *e = json_pack("{s:s, s:s}", "code", PLANS_INFEASIBLE, "message", err->msg);
    if (why->problem == PLAN_BUDGET_TOO_SMALL) {
        json_object_set_new(e, "min_daily_minutes", json_integer(why->min_daily_minutes));
        json_object_set_new(e, "needed_minutes", json_integer(why->needed_minutes));
    }
    if (why->has_earliest_exam) {
        char date[CIVIL_TEXT_MAX];
        civil_format(why->earliest_exam, date);
        json_object_set_new(e, "earliest_exam_date", json_string(date));
    }
    http_res_json(res, 422, json_pack("{s:o}", "error", e));
}

void api_plans_generate(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    json_t *sid = json_object_get(body, "session_id");
    db *d = NULL;
    if (!json_is_object(body) || !json_is_string(sid)) {
        http_res_error(res, 400, "invalid_request", "session_id must be a session id (UUID)");
    } else if ((d = api_db(req, res)) != NULL) {
        plan_record r;
        plan_infeasible why;
        em_error err = {0};
        const api_ctx *c = req->ctx;
        int rc = plans_generate(d, c->llm, &api_caller_of(req)->who, json_string_value(sid), api_now_ms(req), &r,
                                &why, &err);
        if (rc == EM_E_INVAL && err.reason != NULL && strcmp(err.reason, PLANS_INFEASIBLE) == 0) {
            respond_infeasible(res, &err, &why);
        } else if (rc != EM_OK) {
            api_error(res, rc, &err);
        } else {
            respond_plan(res, r.cached ? 200 : 201, &r, true);
            plan_record_cleanup(&r);
        }
    }
    json_decref(body);
}

void api_plans_get(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    plan_record r;
    em_error err = {0};
    int rc = plans_get(d, &api_caller_of(req)->who, http_req_param(req, "id"), &r, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    respond_plan(res, 200, &r, false);
    plan_record_cleanup(&r);
}

void api_sessions_plan(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    plan_record r;
    em_error err = {0};
    int rc = plans_latest(d, &api_caller_of(req)->who, http_req_param(req, "id"), &r, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    respond_plan(res, 200, &r, false);
    plan_record_cleanup(&r);
}

void api_sessions_plan_ics(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    buf out;
    buf_init(&out, PLANS_ICS_MAX);
    em_error err = {0};
    int rc =
        plans_calendar(d, &api_caller_of(req)->who, http_req_param(req, "id"), api_now_ms(req), &out, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
    } else {
        http_res_header(res, "Content-Disposition", "inline; filename=\"study-plan.ics\"");
        http_res_body(res, 200, ICS_CONTENT_TYPE, out.data, out.len);
    }
    buf_cleanup(&out);
}
