/* Workers and jobs for operators (admin routes: 404 to anyone else):
 * GET /api/workers/health, /api/workers/stats, /api/workers/dashboard (a
 * redirect to the web UI's /admin/workers), POST /api/admin/jobs/{id}/retry,
 * DELETE /api/admin/jobs/{id}. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/audit.h"
#include "core/clock.h"
#include "jobs/queue.h"
#include "jobs/worker.h"

#define MAX_WORKERS 256
#define MAX_QUEUES 64
/* Workers whose last heartbeat is older than this many seconds are listed as
 * not alive (heartbeats come every lease/3, i.e. every 10 s by default). */
#define WORKERS_WINDOW_S 3600

/* A worker is alive when its heartbeat is within one lease of now. Workers
 * stamp heartbeats with their own clocks, so one on a machine whose clock runs
 * ahead of this server's has a negative age: that is a recent heartbeat too. */
static bool alive(const api_ctx *c, const worker_info *w)
{
    return !w->stopped && w->heartbeat_age_s > -c->worker_alive_s && w->heartbeat_age_s < c->worker_alive_s;
}

void api_workers_health(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    worker_info *list = arena_calloc(req->arena, sizeof *list * MAX_WORKERS);
    size_t n = 0;
    em_error err = {0};
    int rc = queue_workers(d, clock_now_ms(), WORKERS_WINDOW_S, list, MAX_WORKERS, &n, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    json_t *items = json_array();
    int live = 0;
    for (size_t i = 0; i < n; i++) {
        bool ok = alive(c, &list[i]);
        live += ok;
        json_array_append_new(items, json_pack("{s:s, s:s, s:i, s:s, s:s, s:f, s:b}", "id", list[i].id, "queues",
                                               list[i].queues, "concurrency", list[i].concurrency, "started_at",
                                               list[i].started_at, "heartbeat_at", list[i].heartbeat_at,
                                               "heartbeat_age_s", list[i].heartbeat_age_s, "alive", ok));
    }
    if (live == 0) {
        json_decref(items);
        http_res_error(res, 503, "no_workers", "no worker has sent a heartbeat in the last %d s", c->worker_alive_s);
        return;
    }
    http_res_json(res, 200, json_pack("{s:s, s:i, s:o}", "status", "ok", "alive", live, "workers", items));
}

/* Per-queue figures, or false with the response written. */
static bool load_stats(http_req *req, http_res *res, queue_stats *stats, size_t *n)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return false;
    em_error err = {0};
    int rc = queue_stats_all(d, clock_now_ms(), stats, MAX_QUEUES, n, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return false;
    }
    return true;
}

void api_workers_stats(http_req *req, http_res *res)
{
    queue_stats *stats = arena_calloc(req->arena, sizeof *stats * MAX_QUEUES);
    size_t n = 0;
    if (!load_stats(req, res, stats, &n))
        return;
    json_t *queues = json_array();
    for (size_t i = 0; i < n; i++) {
        const queue_stats *q = &stats[i];
        json_array_append_new(queues, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f}", "queue", q->queue,
                                                "queued", (json_int_t)q->queued, "running", (json_int_t)q->running,
                                                "succeeded", (json_int_t)q->succeeded, "failed",
                                                (json_int_t)q->failed, "dead", (json_int_t)q->dead,
                                                "throughput_per_min", q->throughput_per_min, "p50_ms", q->p50_ms,
                                                "p95_ms", q->p95_ms));
    }
    char now[32];
    clock_iso8601(clock_now_ms(), now);
    http_res_json(res, 200, json_pack("{s:s, s:o}", "generated_at", now, "queues", queues));
}

/* The page of workers and queues is the web UI's /admin/workers now; the old
 * address sends there (303, so a bookmark's GET stays a GET). */
void api_workers_dashboard(http_req *req, http_res *res)
{
    http_res_header(res, "Location", "/admin/workers");
    http_res_body(res, 303, NULL, NULL, 0);
}

/* What an operator's retry or delete runs: the kinds' steps (a deleted
 * extraction job fails its material, a retried one makes it pending). */
static queue_hooks kind_hooks(const api_ctx *c, job_kind_set *set)
{
    *set = (job_kind_set){c->job_kinds, c->n_job_kinds};
    return job_kind_hooks(set);
}

void api_admin_job_retry(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    const principal *who = &api_caller_of(req)->who;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    const char *id = http_req_param(req, "id");
    em_error err = {0};
    job_kind_set set;
    queue_hooks hooks = kind_hooks(c, &set);
    int rc = queue_retry(d, id, &hooks, &err);
    job_info j;
    if (rc == EM_OK)
        rc = queue_get(d, id, &j, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    audit_record(d, "job_retried", NULL, who->user_id, http_req_client_ip(req), json_pack("{s:s}", "job_id", id));
    http_res_json(res, 200, json_pack("{s:s, s:s, s:s, s:s, s:i}", "id", j.id, "queue", j.queue, "kind", j.kind,
                                      "status", j.status, "attempts", j.attempts));
    job_info_cleanup(&j);
}

void api_admin_job_delete(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    const principal *who = &api_caller_of(req)->who;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    const char *id = http_req_param(req, "id");
    em_error err = {0};
    job_kind_set set;
    queue_hooks hooks = kind_hooks(c, &set);
    int rc = queue_delete(d, id, &hooks, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    audit_record(d, "job_deleted", NULL, who->user_id, http_req_client_ip(req), json_pack("{s:s}", "job_id", id));
    http_res_body(res, 204, NULL, NULL, 0);
}
