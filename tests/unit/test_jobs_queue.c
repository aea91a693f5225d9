/* queue: enqueue, claim, finish, leases, retries, dead jobs, operators' calls,
 * on SQLite and PostgreSQL; backoff arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/migrate.h"
#include "jobs/queue.h"

#include "db_fixture.h"

static const char *const default_q[] = {"default"};

static void migrated(fixture *f)
{
    em_error err = {0};
    if (migrate_up(f->d, 0, NULL, &err) != EM_OK)
        fail_msg("migrate: %s", err.msg);
}

static void enqueue(db *d, const char *kind, const char *payload, int priority, int max_attempts, char id[37])
{
    em_error err = {0};
    job_spec s = {.kind = kind, .payload = payload, .priority = priority, .max_attempts = max_attempts};
    if (queue_enqueue(d, &s, id, &err) != EM_OK)
        fail_msg("enqueue: %s", err.msg);
}

static const char *status_of(db *d, const char *id, job_info *j)
{
    em_error err = {0};
    assert_int_equal(queue_get(d, id, j, &err), EM_OK);
    return j->status;
}

static void jobs_claim_orders_by_priority_and_finishes(void **state)
{
    fixture *f = fx(state);
    migrated(f);
    char low[37], high[37], other[37];
    enqueue(f->d, "system.noop", NULL, 0, 0, low);
    enqueue(f->d, "system.noop", "{\"n\":1}", 5, 0, high);
    em_error err = {0};
    job_spec elsewhere = {.queue = "extraction", .kind = "system.noop"};
    assert_int_equal(queue_enqueue(f->d, &elsewhere, other, &err), EM_OK);
    job got[4];
    size_t n = 0;
    assert_int_equal(queue_claim(f->d, "w1", default_q, 1, 1, 30000, got, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(got[0].id, high); /* priority first */
    assert_non_null(strstr(got[0].payload, "\"n\""));
    assert_int_equal(got[0].attempts, 1);
    job_info j;
    assert_string_equal(status_of(f->d, high, &j), "running");
    assert_string_equal(j.locked_by, "w1");
    job_info_cleanup(&j);
    /* the other queue is not served from "default" */
    size_t m = 0;
    assert_int_equal(queue_claim(f->d, "w2", default_q, 1, 4, 30000, got + 1, &m, &err), EM_OK);
    assert_int_equal(m, 1);
    assert_string_equal(got[1].id, low);
    job_result r[2] = {{.id = high, .attempts = 1, .ok = true, .started_ms = clock_now_ms(), .finished_ms = clock_now_ms()},
                       {.id = low, .attempts = 1, .ok = true}};
    size_t stale = 9;
    assert_int_equal(queue_finish(f->d, "w1", r, 1, 2000, &stale, &err), EM_OK);
    assert_int_equal(stale, 0);
    /* w1 cannot finish w2's job */
    assert_int_equal(queue_finish(f->d, "w1", r + 1, 1, 2000, &stale, &err), EM_OK);
    assert_int_equal(stale, 1);
    assert_string_equal(status_of(f->d, low, &j), "running");
    job_info_cleanup(&j);
    assert_string_equal(status_of(f->d, high, &j), "succeeded");
    assert_true(j.finished_at[0] != '\0');
    job_info_cleanup(&j);
    for (size_t i = 0; i < 2; i++)
        job_cleanup(&got[i]);
    /* nothing left in default */
    assert_int_equal(queue_claim(f->d, "w1", default_q, 1, 4, 30000, got, &n, &err), EM_OK);
    assert_int_equal(n, 0);
}

static void jobs_failures_retry_then_die(void **state)
{
    fixture *f = fx(state);
    migrated(f);
    char id[37];
    enqueue(f->d, "debug.flaky", NULL, 0, 2, id);
    em_error err = {0};
    job got;
    size_t n = 0;
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, &got, &n, &err), EM_OK);
    job_result r = {.id = id, .attempts = got.attempts, .max_attempts = got.max_attempts, .ok = false, .error = "boom"};
    job_cleanup(&got);
    assert_int_equal(queue_finish(f->d, "w", &r, 1, 60000, NULL, &err), EM_OK);
    job_info j;
    assert_string_equal(status_of(f->d, id, &j), "failed");
    assert_string_equal(j.last_error, "boom");
    job_info_cleanup(&j);
    /* its retry is in the future: not claimable now */
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, &got, &n, &err), EM_OK);
    assert_int_equal(n, 0);
    /* make it due, fail again: that was the last attempt */
    const char *p[] = {id};
    int rc = db_run(f->d, "UPDATE jobs SET run_at = '2000-01-01T00:00:00.000Z' WHERE id = $1", p, 1, &err);
    if (rc != DB_DONE)
        fail_msg("update: %d %s", rc, err.msg);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, &got, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(got.attempts, 2);
    r.attempts = 2;
    r.error = "boom again";
    job_cleanup(&got);
    assert_int_equal(queue_finish(f->d, "w", &r, 1, 60000, NULL, &err), EM_OK);
    assert_string_equal(status_of(f->d, id, &j), "dead");
    job_info_cleanup(&j);
    /* an operator retries it */
    assert_int_equal(queue_retry(f->d, id, &err), EM_OK);
    assert_string_equal(status_of(f->d, id, &j), "queued");
    assert_int_equal(j.attempts, 0);
    job_info_cleanup(&j);
    /* two failed runs recorded */
    assert_int_equal(db_run(f->d, "SELECT 1 FROM job_runs WHERE job_id = $1 AND status = 'failed' "
                                  "GROUP BY job_id HAVING count(*) = 2",
                            p, 1, &err),
                     DB_ROW);
}

static void jobs_expired_lease_is_reclaimed(void **state)
{
    fixture *f = fx(state);
    migrated(f);
    char id[37];
    enqueue(f->d, "debug.sleep", NULL, 0, 3, id);
    em_error err = {0};
    job got;
    size_t n = 0;
    /* a 1 ms lease: the claimer "dies" holding it */
    assert_int_equal(queue_claim(f->d, "dead-worker", default_q, 1, 1, 1, &got, &n, &err), EM_OK);
    job_cleanup(&got);
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(queue_claim(f->d, "survivor", default_q, 1, 1, 30000, &got, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(got.id, id);
    assert_int_equal(got.attempts, 2); /* the lost attempt counts */
    job_result r = {.id = id, .attempts = 2, .ok = true};
    assert_int_equal(queue_finish(f->d, "survivor", &r, 1, 2000, NULL, &err), EM_OK);
    job_cleanup(&got);
    /* the dead worker's late outcome is ignored */
    size_t stale = 0;
    r.attempts = 1;
    assert_int_equal(queue_finish(f->d, "dead-worker", &r, 1, 2000, &stale, &err), EM_OK);
    assert_int_equal(stale, 1);
    job_info j;
    assert_string_equal(status_of(f->d, id, &j), "succeeded");
    job_info_cleanup(&j);
}

static void jobs_renew_release_and_operators(void **state)
{
    fixture *f = fx(state);
    migrated(f);
    char id[37], done_id[37];
    enqueue(f->d, "system.noop", NULL, 0, 0, id);
    em_error err = {0};
    job got;
    size_t n = 0;
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 1000, &got, &n, &err), EM_OK);
    job_cleanup(&got);
    assert_int_equal(queue_renew(f->d, "w", 60000, &err), EM_OK);
    job_info j;
    status_of(f->d, id, &j);
    char later[32];
    clock_iso8601(clock_now_ms() + 30000, later);
    assert_true(strcmp(j.lease_expires_at, later) > 0);
    job_info_cleanup(&j);
    /* running jobs cannot be retried or deleted */
    assert_int_equal(queue_retry(f->d, id, &err), EM_E_CONFLICT);
    assert_int_equal(queue_delete(f->d, id, &err), EM_E_CONFLICT);
    /* release gives it back without counting the attempt */
    assert_int_equal(queue_release(f->d, "w", &err), EM_OK);
    assert_string_equal(status_of(f->d, id, &j), "queued");
    assert_int_equal(j.attempts, 0);
    job_info_cleanup(&j);
    assert_int_equal(queue_delete(f->d, id, &err), EM_OK);
    assert_int_equal(queue_get(f->d, id, &j, &err), EM_E_NOT_FOUND);
    assert_int_equal(queue_delete(f->d, id, &err), EM_E_NOT_FOUND);
    assert_int_equal(queue_retry(f->d, "not-a-uuid", &err), EM_E_NOT_FOUND);
    /* unique keys make enqueue idempotent */
    job_spec s = {.kind = "system.noop", .unique_key = "nightly@2026-11-22"};
    char a[37], b[37];
    assert_int_equal(queue_enqueue(f->d, &s, a, &err), EM_OK);
    assert_int_equal(queue_enqueue(f->d, &s, b, &err), EM_OK);
    assert_string_equal(a, b);
    /* bad specs */
    job_spec bad_kind = {.kind = "Bad Kind"};
    assert_int_equal(queue_enqueue(f->d, &bad_kind, NULL, &err), EM_E_INVAL);
    job_spec bad_payload = {.kind = "system.noop", .payload = "{nope"};
    assert_int_equal(queue_enqueue(f->d, &bad_payload, NULL, &err), EM_E_INVAL);
    job_spec bad_queue = {.queue = "", .kind = "system.noop"};
    assert_int_equal(queue_enqueue(f->d, &bad_queue, NULL, &err), EM_E_INVAL);
    /* list and stats */
    enqueue(f->d, "system.noop", NULL, 0, 0, done_id);
    job_info rows[8];
    size_t m = 0;
    assert_int_equal(queue_list(f->d, "queued", NULL, 8, 0, rows, 8, &m, &err), EM_OK);
    assert_int_equal(m, 2);
    for (size_t i = 0; i < m; i++)
        job_info_cleanup(&rows[i]);
    queue_stats st[4];
    assert_int_equal(queue_stats_all(f->d, clock_now_ms(), st, 4, &m, &err), EM_OK);
    assert_int_equal(m, 1);
    assert_string_equal(st[0].queue, "default");
    assert_int_equal(st[0].queued, 2);
    /* workers */
    assert_int_equal(queue_worker_beat(f->d, "w", "default", 2, clock_now_ms(), &err), EM_OK);
    assert_int_equal(queue_worker_beat(f->d, "w", "default", 2, clock_now_ms(), &err), EM_OK);
    worker_info wi[2];
    assert_int_equal(queue_workers(f->d, clock_now_ms(), 60, wi, 2, &m, &err), EM_OK);
    assert_int_equal(m, 1);
    assert_false(wi[0].stopped);
    assert_true(wi[0].heartbeat_age_s >= 0 && wi[0].heartbeat_age_s < 5);
    assert_int_equal(queue_worker_stopped(f->d, "w", &err), EM_OK);
    assert_int_equal(queue_workers(f->d, clock_now_ms(), 60, wi, 2, &m, &err), EM_OK);
    assert_true(wi[0].stopped);
}

/* Two claimers at once never get the same job. */
typedef struct claimer {
    const char *url;
    const char *name;
    int taken;
} claimer;

static void *claim_all(void *arg)
{
    claimer *c = arg;
    db *d = NULL;
    em_error err = {0};
    db_options o = {.timeout_ms = 10000};
    if (db_open(c->url, &o, &d, &err) != EM_OK)
        return NULL;
    for (;;) {
        job got[16];
        size_t n = 0;
        if (queue_claim(d, c->name, default_q, 1, 16, 30000, got, &n, &err) != EM_OK || n == 0)
            break;
        job_result r[16];
        for (size_t i = 0; i < n; i++)
            r[i] = (job_result){.id = got[i].id, .attempts = got[i].attempts, .ok = true};
        if (queue_finish(d, c->name, r, n, 2000, NULL, &err) != EM_OK)
            break;
        c->taken += (int)n;
        for (size_t i = 0; i < n; i++)
            job_cleanup(&got[i]);
    }
    db_close(d);
    return NULL;
}

static void jobs_concurrent_claims_are_disjoint(void **state)
{
    fixture *f = fx(state);
    migrated(f);
    em_error err = {0};
    job_spec specs[500];
    for (int i = 0; i < 500; i++)
        specs[i] = (job_spec){.kind = "system.noop"};
    assert_int_equal(queue_enqueue_many(f->d, specs, 500, &err), EM_OK);
    claimer c[3] = {{f->url, "a", 0}, {f->url, "b", 0}, {f->url, "c", 0}};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, claim_all, &c[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(c[0].taken + c[1].taken + c[2].taken, 500);
    assert_int_equal(db_run(f->d,
                            "SELECT 1 WHERE (SELECT count(*) FROM job_runs) = 500 "
                            "AND (SELECT count(DISTINCT job_id) FROM job_runs) = 500",
                            NULL, 0, &err),
                     DB_ROW);
    assert_int_equal(db_run(f->d, "SELECT 1 FROM jobs WHERE status <> 'succeeded' OR attempts <> 1", NULL, 0, &err),
                     DB_DONE);
}

static void jobs_backoff_doubles_with_jitter_and_cap(void **state)
{
    assert_int_equal(queue_backoff_ms(1, 2000, 0.5), 2000);
    assert_int_equal(queue_backoff_ms(2, 2000, 0.5), 4000);
    assert_int_equal(queue_backoff_ms(3, 2000, 0.5), 8000);
    assert_int_equal(queue_backoff_ms(1, 2000, 0.0), 1500);  /* -25% */
    assert_int_equal(queue_backoff_ms(1, 2000, 1.0), 2500);  /* +25% */
    assert_int_equal(queue_backoff_ms(30, 2000, 0.5), 3600 * 1000); /* capped at an hour */
    assert_int_equal(queue_backoff_ms(1000, 2000, 0.5), 3600 * 1000);
    assert_int_equal(queue_backoff_ms(0, 100, 0.5), 100);
    assert_true(queue_name_valid("extraction"));
    assert_true(queue_name_valid("auth.purge_refresh-tokens"));
    assert_false(queue_name_valid("Upper"));
    assert_false(queue_name_valid(""));
    assert_false(queue_name_valid("a b"));
}

#define BOTH(fn)                                                                       \
    {"sqlite_" #fn, fn, setup, teardown, (void *)&kind_sqlite},                        \
    {"pg_" #fn, fn, setup, teardown, (void *)&kind_pg}

int main(void)
{
    log_configure(getenv("EM_TEST_LOG") != NULL ? LOG_DEBUG : LOG_ERROR, getenv("EM_TEST_LOG") != NULL ? 2 : -1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jobs_backoff_doubles_with_jitter_and_cap),
        BOTH(jobs_claim_orders_by_priority_and_finishes),
        BOTH(jobs_failures_retry_then_die),
        BOTH(jobs_expired_lease_is_reclaimed),
        BOTH(jobs_renew_release_and_operators),
        BOTH(jobs_concurrent_claims_are_disjoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
