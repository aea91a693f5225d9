/* The job list for operators: GET /api/admin/jobs (admin-only: 404 to
 * anyone else), over the queue's own listing (jobs/queue.h). ?state= queued,
 * running, failed (waiting for a retry), dead, or done (succeeded); ?queue=
 * one queue. */
#include <string.h>

#include "api/api.h"
#include "jobs/queue.h"

#define JOBS_PAGE_MAX 200
#define JOBS_DEFAULT_LIMIT 50

/* The stored status for a ?state= value, NULL for none; false for an unknown one. */
static bool status_of(const char *state, const char **status)
{
    static const char *const names[][2] = {
        {"queued", "queued"}, {"running", "running"}, {"failed", "failed"},
        {"dead", "dead"},     {"done", "succeeded"},  {"succeeded", "succeeded"},
    };
    *status = NULL;
    if (state == NULL)
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(state, names[i][0]) == 0) {
            *status = names[i][1];
            return true;
        }
    return false;
}

/* Text or null. */
static json_t *text_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* The material a job concerns, when its payload names one (extraction jobs
 * carry {"material_id"}). */
static json_t *material_of(const char *payload)
{
    json_t *p = json_loads(payload != NULL ? payload : "{}", 0, NULL);
    const char *id = json_string_value(json_object_get(p, "material_id"));
    json_t *out = id != NULL ? json_string(id) : json_null();
    json_decref(p);
    return out != NULL ? out : json_null();
}

static json_t *job_json(const job_info *j)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", j->id,
                     "queue", j->queue, "kind", j->kind, "state", j->status, "attempts", j->attempts,
                     "max_attempts", j->max_attempts, "priority", j->priority, "last_error",
                     text_or_null(j->last_error), "created_at", text_or_null(j->created_at), "updated_at",
                     text_or_null(j->updated_at), "run_at", text_or_null(j->run_at), "finished_at",
                     text_or_null(j->finished_at), "owner_id", text_or_null(j->owner_id), "material_id",
                     material_of(j->payload));
}

void api_admin_jobs_list(http_req *req, http_res *res)
{
    const char *status = NULL;
    if (!status_of(http_req_query(req, "state"), &status)) {
        http_res_error(res, 400, "invalid_request", "state must be queued, running, failed, dead or done");
        return;
    }
    const char *queue = http_req_query(req, "queue");
    if (queue != NULL && queue[0] == '\0')
        queue = NULL;
    if (queue != NULL && !queue_name_valid(queue)) {
        http_res_error(res, 400, "invalid_request", "queue must be a queue name ([a-z0-9._-], 1 to %d bytes)",
                       JOB_NAME_MAX);
        return;
    }
    api_page pg;
    if (!api_page_read(req, res, JOBS_PAGE_MAX, JOBS_DEFAULT_LIMIT, &pg))
        return;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    job_info *rows = arena_calloc(req->arena, sizeof *rows * (size_t)pg.limit);
    size_t n = 0;
    int64_t total = 0;
    em_error err = {0};
    int rc = queue_count(d, status, queue, &total, &err);
    if (rc == EM_OK)
        rc = queue_list(d, status, queue, (int)pg.limit, (int)pg.offset, rows, (size_t)pg.limit, &n, &err);
    if (rc != EM_OK) {
        for (size_t i = 0; i < n; i++)
            job_info_cleanup(&rows[i]);
        api_error(res, rc, &err);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(items, job_json(&rows[i]));
        job_info_cleanup(&rows[i]);
    }
    http_res_json(res, 200,
                  json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total, "limit",
                            (int)pg.limit, "offset", (int)pg.offset));
}
