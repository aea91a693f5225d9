/* common: what every handler uses: the thread's database connection, query
 * numbers, and the one mapping from a use case's error to an HTTP answer. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/num.h"
#include "study/plans.h"

db *api_db(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    db *d = NULL;
    em_error err = {0};
    if (dbpool_get(c->db, &d, &err) != EM_OK) {
        http_res_error(res, 503, "database_unavailable", "%s", err.msg[0] ? err.msg : "database unavailable");
        return NULL;
    }
    return d;
}

long api_query_long(const http_req *req, const char *name, long lo, long hi, long fallback)
{
    const char *s = http_req_query(req, name);
    int64_t n = 0;
    if (s == NULL)
        return fallback;
    if (num_parse_int64(s, strlen(s), NUM_SIGNED, lo, hi, &n) != EM_OK)
        return -1;
    return (long)n;
}

bool api_page_read(const http_req *req, http_res *res, long max, long dflt, api_page *out)
{
    out->limit = api_query_long(req, "limit", 1, max, dflt);
    out->offset = api_query_long(req, "offset", 0, API_OFFSET_MAX, 0);
    if (out->limit < 0 || out->offset < 0) {
        http_res_error(res, 400, "invalid_request", "limit must be 1-%ld and offset 0-%d", max,
                       API_OFFSET_MAX);
        return false;
    }
    return true;
}

void api_page_begin(jsonw *w)
{
    jsonw_object_begin(w);
    jsonw_key(w, "items");
    jsonw_array_begin(w);
}

void api_page_end(jsonw *w, const api_page *p, int64_t total, size_t count)
{
    jsonw_array_end(w);
    if (total >= 0) {
        jsonw_key(w, "total");
        jsonw_int(w, total);
    } else {
        jsonw_key(w, "count");
        jsonw_int(w, (int64_t)count);
    }
    jsonw_key(w, "limit");
    jsonw_int(w, p->limit);
    jsonw_key(w, "offset");
    jsonw_int(w, p->offset);
    jsonw_object_end(w);
}

void api_page_respond(http_res *res, const api_page *p, json_t *items, int64_t total)
{
    http_res_json(res, 200,
                  json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)total, "limit",
                            (json_int_t)p->limit, "offset", (json_int_t)p->offset));
}

/* Reasons answered with another status than their code's. */
static int reason_status(const char *reason, int status)
{
    static const struct {
        const char *reason;
        int status;
    } table[] = {
        {EM_REASON_VALIDATION, 422},
        {ACCOUNTS_WEAK_PASSWORD, 422},
        {SUBMIT_QUOTA_EXCEEDED, 413},       /* over the user's storage quota */
        {SUBMIT_INSUFFICIENT_STORAGE, 507}, /* the server's disk is (nearly) full */
        {PLANS_INFEASIBLE, 422},            /* a session that cannot have a plan, and why */
        {PLANS_EXAM_PAST, 422},
        {PLANS_NO_MATERIAL, 422},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(reason, table[i].reason) == 0)
            return table[i].status;
    }
    return status;
}

void api_error(http_res *res, int rc, const em_error *err)
{
    const char *code = NULL;
    int status = http_status_for(rc, &code);
    if (err != NULL && err->reason != NULL) {
        code = err->reason;
        status = reason_status(err->reason, status);
    }
    if ((rc == EM_E_RATE_LIMITED || rc == EM_E_BUSY) && err != NULL && err->retry_after_s > 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", err->retry_after_s);
        http_res_header(res, "Retry-After", secs);
    }
    if (rc == EM_E_DENIED)
        http_res_header(res, "WWW-Authenticate", "Bearer");
    http_res_error(res, status, code, "%s", err != NULL && err->msg[0] ? err->msg : em_strerror(rc));
}

const char *api_error_code(int rc, const em_error *err)
{
    const char *code = NULL;
    (void)http_status_for(rc, &code);
    return err != NULL && err->reason != NULL ? err->reason : code;
}

int64_t api_now_ms(const http_req *req)
{
    const api_ctx *c = req->ctx;
    return c != NULL && c->now_ms != NULL ? c->now_ms() : clock_now_ms();
}

json_t *api_user_json(const user *u)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:f, s:i, s:s, s:s}", "id", u->id, "email", u->email,
                     "display_name", u->display_name, "role", u->role, "is_active", u->is_active, "time_zone",
                     u->time_zone[0] ? u->time_zone : "UTC", "desired_retention", u->desired_retention,
                     "day_rollover_hour", u->day_rollover_hour, "created_at", u->created_at, "updated_at",
                     u->updated_at);
}
