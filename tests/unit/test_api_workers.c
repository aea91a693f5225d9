/* Handler tests for src/api/workers.c through the real route table in
 * process, with no worker running: the health of the workers (503
 * no_workers until one has a fresh heartbeat, written here as a worker
 * would), per-queue stats, the old dashboard address (a redirect to the web
 * UI), and retrying and deleting jobs
 * enqueued and moved through their states here with jobs/queue.h; for an
 * upload's extraction job, the kind's steps tell the material (a deleted job
 * fails it, a retried one makes it pending). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/ids.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "materials/extraction_job.h"

#define LEASE_MS 30000

static void enqueue(api_fx *t, const char *queue, const char *kind, int max_attempts, char id[JOB_ID_LEN + 1])
{
    job_spec s = {.queue = queue, .kind = kind, .payload = "{\"n\":1}", .max_attempts = max_attempts};
    em_error err = {0};
    if (queue_enqueue(api_fx_db(t), &s, id, &err) != EM_OK)
        fail_msg("enqueue: %s", err.msg);
}

/* Claim the one runnable job of `queue` as worker "w-test" (it must be `id`). */
static void claim(api_fx *t, const char *queue, const char *id, job *j)
{
    const char *queues[] = {queue};
    size_t n = 0;
    em_error err = {0};
    assert_int_equal(queue_claim(api_fx_db(t), "w-test", queues, 1, 1, LEASE_MS, NULL, j, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(j->id, id);
}

/* Claim job `id` of `queue` and record one attempt's outcome. */
static void run_once(api_fx *t, const char *queue, const char *id, bool ok)
{
    job j;
    claim(t, queue, id, &j);
    int64_t now = clock_now_ms();
    job_result r = {.id = j.id,
                    .attempts = j.attempts,
                    .max_attempts = j.max_attempts,
                    .ok = ok,
                    .error = ok ? NULL : "it broke",
                    .started_ms = now - 20,
                    .finished_ms = now};
    size_t stale = 0;
    em_error err = {0};
    assert_int_equal(queue_finish(api_fx_db(t), "w-test", &r, 1, 60000, NULL, &stale, &err), EM_OK);
    assert_int_equal(stale, 0);
    job_cleanup(&j);
}

static const char *job_status(api_fx *t, const char *id)
{
    static char status[16];
    job_info ji;
    em_error err = {0};
    int rc = queue_get(api_fx_db(t), id, &ji, &err);
    if (rc == EM_E_NOT_FOUND)
        return "gone";
    assert_int_equal(rc, EM_OK);
    snprintf(status, sizeof status, "%s", ji.status);
    job_info_cleanup(&ji);
    return status;
}

static void beat(api_fx *t, const char *name, const char *queues, int64_t age_ms)
{
    em_error err = {0};
    assert_int_equal(queue_worker_beat(api_fx_db(t), name, queues, 2, clock_now_ms() - age_ms, &err), EM_OK);
}

static void api_workers_health_heartbeats(void **state)
{
    api_fx *t = api_fx_of(state);
    http_fake *f = call(t, "GET", "/api/workers/health", WHO_ADMIN, NULL);
    expect_error(f, 503, "no_workers");
    assert_string_equal(error_message(f), "no worker has sent a heartbeat in the last 30 s");
    http_fake_free(f);

    /* One fresh heartbeat: healthy. */
    beat(t, "host-a:101", "default,mail", 1000);
    json_t *j = call_json(t, "GET", "/api/workers/health", WHO_ADMIN, NULL, 200);
    assert_string_equal(jstr(j, "status"), "ok");
    assert_int_equal(jint(j, "alive"), 1);
    json_t *workers = json_object_get(j, "workers");
    assert_int_equal(json_array_size(workers), 1);
    json_t *w = json_array_get(workers, 0);
    assert_int_equal(json_object_size(w), 7);
    assert_string_equal(jstr(w, "id"), "host-a:101");
    assert_string_equal(jstr(w, "queues"), "default,mail");
    assert_int_equal(jint(w, "concurrency"), 2);
    assert_non_null(jstr(w, "started_at"));
    assert_non_null(jstr(w, "heartbeat_at"));
    double age = json_number_value(json_object_get(w, "heartbeat_age_s"));
    assert_true(age >= 0.5 && age < 10.0);
    assert_true(json_is_true(json_object_get(w, "alive")));
    json_decref(j);

    /* A silent one is listed, not counted. */
    beat(t, "host-b:202", "default", 45000);
    j = call_json(t, "GET", "/api/workers/health", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "alive"), 1);
    workers = json_object_get(j, "workers");
    assert_int_equal(json_array_size(workers), 2);
    for (size_t i = 0; i < 2; i++) {
        w = json_array_get(workers, i);
        bool b = strcmp(jstr(w, "id"), "host-b:202") == 0;
        assert_true(json_is_true(json_object_get(w, "alive")) == !b);
    }
    json_decref(j);
    /* One that said goodbye is not alive either: no worker left. */
    em_error err = {0};
    assert_int_equal(queue_worker_stopped(api_fx_db(t), "host-a:101", &err), EM_OK);
    call_error(t, "GET", "/api/workers/health", WHO_ADMIN, NULL, 503, "no_workers");
    /* It comes back. */
    beat(t, "host-a:101", "default,mail", 0);
    j = call_json(t, "GET", "/api/workers/health", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "alive"), 1);
    json_decref(j);
    /* Not for anyone but admins. */
    call_error(t, "GET", "/api/workers/health", WHO_TUTOR, NULL, 404, "not_found");
}

/* Workers on other machines stamp heartbeats with their own clocks: one a
 * little ahead of this server's is as alive as one a little behind. */
static void api_workers_health_clock_ahead(void **state)
{
    api_fx *t = api_fx_of(state);
    beat(t, "host-ahead:7", "default", -2000); /* its clock runs 2 s ahead */
    json_t *j = call_json(t, "GET", "/api/workers/health", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "alive"), 1);
    json_t *w = json_array_get(json_object_get(j, "workers"), 0);
    assert_string_equal(jstr(w, "id"), "host-ahead:7");
    assert_true(json_is_true(json_object_get(w, "alive")));
    assert_true(json_number_value(json_object_get(w, "heartbeat_age_s")) < 0.0);
    json_decref(j);
    /* A stamp a whole lease ahead is no proof of life. */
    em_error err = {0};
    assert_int_equal(queue_worker_stopped(api_fx_db(t), "host-ahead:7", &err), EM_OK);
    beat(t, "host-far-ahead:8", "default", -(API_FX_WORKER_ALIVE_S + 5) * 1000);
    call_error(t, "GET", "/api/workers/health", WHO_ADMIN, NULL, 503, "no_workers");
}

/* The queue entry of a stats answer (fails when absent). */
static json_t *queue_of(json_t *stats, const char *name)
{
    json_t *queues = json_object_get(stats, "queues");
    for (size_t i = 0; i < json_array_size(queues); i++)
        if (strcmp(jstr(json_array_get(queues, i), "queue"), name) == 0)
            return json_array_get(queues, i);
    fail_msg("no queue %s in the stats", name);
    return NULL;
}

static void expect_counts(json_t *q, int queued, int running, int succeeded, int failed, int dead)
{
    assert_int_equal(jint(q, "queued"), queued);
    assert_int_equal(jint(q, "running"), running);
    assert_int_equal(jint(q, "succeeded"), succeeded);
    assert_int_equal(jint(q, "failed"), failed);
    assert_int_equal(jint(q, "dead"), dead);
}

static void api_workers_stats_per_queue(void **state)
{
    api_fx *t = api_fx_of(state);
    json_t *j = call_json(t, "GET", "/api/workers/stats", WHO_ADMIN, NULL, 200);
    assert_int_equal(json_object_size(j), 2);
    assert_int_equal(strlen(jstr(j, "generated_at")), 24);
    assert_int_equal(json_array_size(json_object_get(j, "queues")), 0);
    json_decref(j);

    char a[JOB_ID_LEN + 1], b[JOB_ID_LEN + 1], c[JOB_ID_LEN + 1], m[JOB_ID_LEN + 1];
    enqueue(t, "default", "test.noop", 0, a);
    enqueue(t, "default", "test.noop", 0, b);
    enqueue(t, "default", "test.noop", 0, c);
    enqueue(t, "mail", "test.send", 1, m);
    run_once(t, "default", a, true);
    job running;
    claim(t, "default", b, &running);
    run_once(t, "mail", m, false); /* its only attempt: dead */
    j = call_json(t, "GET", "/api/workers/stats", WHO_ADMIN, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "queues")), 2);
    json_t *q = queue_of(j, "default");
    assert_int_equal(json_object_size(q), 9);
    expect_counts(q, 1, 1, 1, 0, 0);
    assert_true(json_number_value(json_object_get(q, "throughput_per_min")) > 0.0);
    assert_true(json_number_value(json_object_get(q, "p50_ms")) >= 0.0);
    assert_true(json_number_value(json_object_get(q, "p95_ms")) >=
                json_number_value(json_object_get(q, "p50_ms")));
    expect_counts(queue_of(j, "mail"), 0, 0, 0, 0, 1);
    json_decref(j);
    job_cleanup(&running);
}

/* The page of workers and queues is the web UI's /admin/workers: the old
 * address sends admins there (303: a GET stays a GET), and stays hidden from
 * everyone else. */
static void api_workers_dashboard_redirects(void **state)
{
    api_fx *t = api_fx_of(state);
    http_fake *f = call(t, "GET", "/api/workers/dashboard", WHO_ADMIN, NULL);
    expect_status(f, 303);
    assert_string_equal(http_fake_header(f, "Location"), "/admin/workers");
    size_t len = 1;
    http_fake_body(f, &len);
    assert_int_equal(len, 0);
    http_fake_free(f);
    call_error(t, "GET", "/api/workers/dashboard", WHO_STUDENT, NULL, 404, "not_found");
    call_error(t, "GET", "/api/workers/dashboard", WHO_ANON, NULL, 401, "unauthorized");
}

static void job_path(char *out, size_t cap, const char *id, bool retry)
{
    snprintf(out, cap, "/api/admin/jobs/%s%s", id, retry ? "/retry" : "");
}

static void api_admin_jobs_retry_and_delete(void **state)
{
    api_fx *t = api_fx_of(state);
    char queued[JOB_ID_LEN + 1], dead[JOB_ID_LEN + 1], failed[JOB_ID_LEN + 1], running[JOB_ID_LEN + 1],
        done[JOB_ID_LEN + 1], target[128];
    enqueue(t, "q1", "test.noop", 0, queued);
    enqueue(t, "q2", "test.noop", 1, dead);
    enqueue(t, "q3", "test.noop", 3, failed);
    enqueue(t, "q4", "test.noop", 0, running);
    enqueue(t, "q5", "test.noop", 0, done);
    run_once(t, "q2", dead, false);
    run_once(t, "q3", failed, false);
    job held;
    claim(t, "q4", running, &held);
    run_once(t, "q5", done, true);
    assert_string_equal(job_status(t, dead), "dead");
    assert_string_equal(job_status(t, failed), "failed");

    /* A dead or failed job goes back to the queue, attempts reset. */
    job_path(target, sizeof target, dead, true);
    json_t *j = call_json(t, "POST", target, WHO_ADMIN, NULL, 200);
    assert_int_equal(json_object_size(j), 5);
    assert_string_equal(jstr(j, "id"), dead);
    assert_string_equal(jstr(j, "queue"), "q2");
    assert_string_equal(jstr(j, "kind"), "test.noop");
    assert_string_equal(jstr(j, "status"), "queued");
    assert_int_equal(jint(j, "attempts"), 0);
    json_decref(j);
    assert_string_equal(job_status(t, dead), "queued");
    job_path(target, sizeof target, failed, true);
    j = call_json(t, "POST", target, WHO_ADMIN, NULL, 200);
    assert_string_equal(jstr(j, "status"), "queued");
    json_decref(j);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE event = 'job_retried' AND actor_id = '%s'",
             api_fx_id(t, WHO_ADMIN));
    assert_int_equal(sql_int(t, sql), 2);

    /* Queued, running or done: nothing to retry. */
    const char *not_retryable[] = {queued, running, done, dead /* queued again now */};
    for (size_t i = 0; i < sizeof not_retryable / sizeof not_retryable[0]; i++) {
        job_path(target, sizeof target, not_retryable[i], true);
        call_error(t, "POST", target, WHO_ADMIN, NULL, 409, "conflict");
    }
    assert_string_equal(job_status(t, running), "running");
    assert_string_equal(job_status(t, done), "succeeded");

    /* Deleting: anything but a running job. */
    job_path(target, sizeof target, running, false);
    call_error(t, "DELETE", target, WHO_ADMIN, NULL, 409, "conflict");
    assert_string_equal(job_status(t, running), "running");
    const char *deletable[] = {queued, done, dead};
    for (size_t i = 0; i < sizeof deletable / sizeof deletable[0]; i++) {
        job_path(target, sizeof target, deletable[i], false);
        http_fake *f = call(t, "DELETE", target, WHO_ADMIN, NULL);
        expect_status(f, 204);
        size_t len = 1;
        http_fake_body(f, &len);
        assert_int_equal(len, 0);
        http_fake_free(f);
        assert_string_equal(job_status(t, deletable[i]), "gone");
        call_error(t, "DELETE", target, WHO_ADMIN, NULL, 404, "not_found");
        job_path(target, sizeof target, deletable[i], true);
        call_error(t, "POST", target, WHO_ADMIN, NULL, 404, "not_found");
    }
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE event = 'job_deleted' AND actor_id = '%s'",
             api_fx_id(t, WHO_ADMIN));
    assert_int_equal(sql_int(t, sql), 3);
    call_error(t, "DELETE", "/api/admin/jobs/not-a-job", WHO_ADMIN, NULL, 404, "not_found");
    call_error(t, "POST", "/api/admin/jobs/not-a-job/retry", WHO_ADMIN, NULL, 404, "not_found");
    /* Students never reach a job. */
    job_path(target, sizeof target, failed, false);
    call_error(t, "DELETE", target, WHO_STUDENT, NULL, 404, "not_found");
    assert_string_equal(job_status(t, failed), "queued");
    job_cleanup(&held);
}

/* The material's status and error, as its owner sees them. */
static void expect_material(api_fx *t, const char *id, const char *status, const char *error)
{
    char target[128];
    snprintf(target, sizeof target, "/api/materials/%s", id);
    json_t *m = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_string_equal(jstr(m, "status"), status);
    json_t *e = json_object_get(m, "error");
    if (error == NULL)
        assert_true(json_is_null(e));
    else
        assert_string_equal(json_string_value(e), error);
    json_decref(m);
}

/* An operator ends an upload's extraction job: the material is told. */
static void api_admin_jobs_tell_the_material(void **state)
{
    api_fx *t = api_fx_of(state);
    /* the handlers run the steps of the application's kinds */
    extraction_env env = {.files = t->files};
    job_kind kinds[4];
    t->ctx.job_kinds = kinds;
    t->ctx.n_job_kinds = materials_job_kinds(&env, kinds, 4);
    char id[MATERIAL_ID_LEN + 1], target[128];
    upload_json(t, WHO_STUDENT, "{\"text\":\"Osmosis moves water.\"}", id);
    char job_id[JOB_ID_LEN + 1];
    job_info ji;
    em_error err = {0};
    material m;
    assert_int_equal(material_get(api_fx_db(t), id, &m, &err), EM_OK);
    snprintf(job_id, sizeof job_id, "%s", m.job_id);
    material_cleanup(&m);
    assert_int_equal(queue_get(api_fx_db(t), job_id, &ji, &err), EM_OK);
    assert_string_equal(ji.owner_id, api_fx_id(t, WHO_STUDENT));
    job_info_cleanup(&ji);

    /* its attempts used up: dead, then retried: the material waits again */
    for (int i = 0; i < MATERIAL_JOB_ATTEMPTS; i++) {
        run_once(t, "default", job_id, false);
        assert_int_equal(db_exec(api_fx_db(t), "UPDATE jobs SET run_at = '2000-01-01T00:00:00.000Z'", &err),
                         EM_OK);
    }
    assert_string_equal(job_status(t, job_id), "dead");
    job_path(target, sizeof target, job_id, true);
    json_t *j = call_json(t, "POST", target, WHO_ADMIN, NULL, 200);
    json_decref(j);
    expect_material(t, id, "pending", NULL);

    /* deleted before it ran: the material will never be extracted */
    job_path(target, sizeof target, job_id, false);
    http_fake *f = call(t, "DELETE", target, WHO_ADMIN, NULL);
    expect_status(f, 204);
    http_fake_free(f);
    expect_material(t, id, "failed",
                    "extraction did not finish: its job was deleted by an operator before it finished");
    t->ctx.job_kinds = NULL;
    t->ctx.n_job_kinds = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_workers_health_heartbeats),   API_BOTH(api_workers_health_clock_ahead),
        API_BOTH(api_workers_stats_per_queue),     API_BOTH(api_workers_dashboard_redirects),
        API_BOTH(api_admin_jobs_retry_and_delete), API_BOTH(api_admin_jobs_tell_the_material),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
