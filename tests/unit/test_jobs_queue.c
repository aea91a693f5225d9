/* queue: enqueue, claim, finish, leases, retries, dead jobs, operators' calls,
 * on SQLite and PostgreSQL; backoff arithmetic; owners taking turns; the
 * gave-up step however a job ends without finishing (its last attempt fails,
 * its worker is lost, it is released at shutdown or deleted), in the same
 * transaction, or owed and settled later; attempts counted at the claim. */
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
    assert_int_equal(queue_claim(f->d, "w1", default_q, 1, 1, 30000, NULL, got, &n, &err), EM_OK);
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
    assert_int_equal(queue_claim(f->d, "w2", default_q, 1, 4, 30000, NULL, got + 1, &m, &err), EM_OK);
    assert_int_equal(m, 1);
    assert_string_equal(got[1].id, low);
    job_result r[2] = {{.id = high, .attempts = 1, .ok = true, .started_ms = clock_now_ms(), .finished_ms = clock_now_ms()},
                       {.id = low, .attempts = 1, .ok = true}};
    size_t stale = 9;
    assert_int_equal(queue_finish(f->d, "w1", r, 1, 2000, NULL, &stale, &err), EM_OK);
    assert_int_equal(stale, 0);
    /* w1 cannot finish w2's job */
    assert_int_equal(queue_finish(f->d, "w1", r + 1, 1, 2000, NULL, &stale, &err), EM_OK);
    assert_int_equal(stale, 1);
    assert_string_equal(status_of(f->d, low, &j), "running");
    job_info_cleanup(&j);
    assert_string_equal(status_of(f->d, high, &j), "succeeded");
    assert_true(j.finished_at[0] != '\0');
    job_info_cleanup(&j);
    for (size_t i = 0; i < 2; i++)
        job_cleanup(&got[i]);
    /* nothing left in default */
    assert_int_equal(queue_claim(f->d, "w1", default_q, 1, 4, 30000, NULL, got, &n, &err), EM_OK);
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
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, NULL, &got, &n, &err), EM_OK);
    job_result r = {.id = id, .attempts = got.attempts, .max_attempts = got.max_attempts, .ok = false, .error = "boom"};
    job_cleanup(&got);
    assert_int_equal(queue_finish(f->d, "w", &r, 1, 60000, NULL, NULL, &err), EM_OK);
    job_info j;
    assert_string_equal(status_of(f->d, id, &j), "failed");
    assert_string_equal(j.last_error, "boom");
    job_info_cleanup(&j);
    /* its retry is in the future: not claimable now */
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, NULL, &got, &n, &err), EM_OK);
    assert_int_equal(n, 0);
    /* make it due, fail again: that was the last attempt */
    const char *p[] = {id};
    int rc = db_run(f->d, "UPDATE jobs SET run_at = '2000-01-01T00:00:00.000Z' WHERE id = $1", p, 1, &err);
    if (rc != DB_DONE)
        fail_msg("update: %d %s", rc, err.msg);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, NULL, &got, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(got.attempts, 2);
    r.attempts = 2;
    r.error = "boom again";
    job_cleanup(&got);
    assert_int_equal(queue_finish(f->d, "w", &r, 1, 60000, NULL, NULL, &err), EM_OK);
    assert_string_equal(status_of(f->d, id, &j), "dead");
    job_info_cleanup(&j);
    /* an operator retries it */
    assert_int_equal(queue_retry(f->d, id, NULL, &err), EM_OK);
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
    assert_int_equal(queue_claim(f->d, "dead-worker", default_q, 1, 1, 1, NULL, &got, &n, &err), EM_OK);
    job_cleanup(&got);
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(queue_claim(f->d, "survivor", default_q, 1, 1, 30000, NULL, &got, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(got.id, id);
    assert_int_equal(got.attempts, 2); /* the lost attempt counts */
    job_result r = {.id = id, .attempts = 2, .ok = true};
    assert_int_equal(queue_finish(f->d, "survivor", &r, 1, 2000, NULL, NULL, &err), EM_OK);
    job_cleanup(&got);
    /* the dead worker's late outcome is ignored */
    size_t stale = 0;
    r.attempts = 1;
    assert_int_equal(queue_finish(f->d, "dead-worker", &r, 1, 2000, NULL, &stale, &err), EM_OK);
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
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 1000, NULL, &got, &n, &err), EM_OK);
    job_cleanup(&got);
    assert_int_equal(queue_renew(f->d, "w", 60000, &err), EM_OK);
    job_info j;
    status_of(f->d, id, &j);
    char later[32];
    clock_iso8601(clock_now_ms() + 30000, later);
    assert_true(strcmp(j.lease_expires_at, later) > 0);
    job_info_cleanup(&j);
    /* running jobs cannot be retried or deleted */
    assert_int_equal(queue_retry(f->d, id, NULL, &err), EM_E_CONFLICT);
    assert_int_equal(queue_delete(f->d, id, NULL, &err), EM_E_CONFLICT);
    /* release gives it back, the attempt still counted */
    assert_int_equal(queue_release(f->d, "w", NULL, &err), EM_OK);
    assert_string_equal(status_of(f->d, id, &j), "queued");
    assert_int_equal(j.attempts, 1);
    job_info_cleanup(&j);
    assert_int_equal(queue_delete(f->d, id, NULL, &err), EM_OK);
    assert_int_equal(queue_get(f->d, id, &j, &err), EM_E_NOT_FOUND);
    assert_int_equal(queue_delete(f->d, id, NULL, &err), EM_E_NOT_FOUND);
    assert_int_equal(queue_retry(f->d, "not-a-uuid", NULL, &err), EM_E_NOT_FOUND);
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

/* ---- owners take turns ---- */

static void enqueue_owned(db *d, const char *owner, int priority, char id[37])
{
    em_error err = {0};
    job_spec s = {.kind = "system.noop", .owner = owner, .priority = priority};
    if (queue_enqueue(d, &s, id, &err) != EM_OK)
        fail_msg("enqueue: %s", err.msg);
}

/* Claim up to max jobs as "w" and finish them at once; their ids in order. */
static size_t claim_finish(db *d, int max, char ids[][37])
{
    job got[16];
    size_t n = 0;
    em_error err = {0};
    assert_int_equal(queue_claim(d, "w", default_q, 1, max, 30000, NULL, got, &n, &err), EM_OK);
    job_result r[16];
    for (size_t i = 0; i < n; i++) {
        memcpy(ids[i], got[i].id, sizeof got[i].id);
        r[i] = (job_result){
            .id = ids[i], .attempts = got[i].attempts, .max_attempts = got[i].max_attempts, .ok = true};
    }
    assert_int_equal(queue_finish(d, "w", r, n, 2000, NULL, NULL, &err), EM_OK);
    for (size_t i = 0; i < n; i++)
        job_cleanup(&got[i]);
    return n;
}

/* One student's 8 uploads queued before another's 1: the other's goes second,
 * not ninth; a claim takes one job per owner; a newcomer later still goes
 * before the backlog; ownerless jobs keep their place by time; priority
 * still comes first. */
static void jobs_owners_take_turns(void **state)
{
    fixture *f = fx(state);
    migrated(f);
    char a[8][37], b1[37], b2[37], sys[37], urgent[37], got[16][37];
    for (int i = 0; i < 8; i++)
        enqueue_owned(f->d, "student-a", 0, a[i]);
    enqueue_owned(f->d, "student-b", 0, b1);
    /* one at a time, as a single busy worker takes them */
    assert_int_equal(claim_finish(f->d, 1, got), 1);
    assert_string_equal(got[0], a[0]);
    assert_int_equal(claim_finish(f->d, 1, got), 1);
    assert_string_equal(got[0], b1);
    assert_int_equal(claim_finish(f->d, 1, got), 1);
    assert_string_equal(got[0], a[1]);
    /* a batch holds one job per owner: A's backlog is not hoarded by one worker */
    enqueue(f->d, "system.noop", NULL, 0, 0, sys);
    enqueue_owned(f->d, "student-b", 0, b2);
    assert_int_equal(claim_finish(f->d, 16, got), 3);
    assert_string_equal(got[0], sys); /* in the order they came */
    assert_string_equal(got[1], b2);
    assert_string_equal(got[2], a[2]); /* A had two turns already */
    /* priority first, whoever the owner */
    enqueue_owned(f->d, "student-c", 5, urgent);
    assert_int_equal(claim_finish(f->d, 16, got), 2);
    assert_string_equal(got[0], urgent);
    assert_string_equal(got[1], a[3]);
    /* the rest of A's, one per claim, in order */
    for (int i = 4; i < 8; i++) {
        assert_int_equal(claim_finish(f->d, 16, got), 1);
        assert_string_equal(got[0], a[i]);
    }
    assert_int_equal(claim_finish(f->d, 16, got), 0);
    job_info j;
    em_error err = {0};
    assert_int_equal(queue_get(f->d, a[0], &j, &err), EM_OK);
    assert_string_equal(j.owner_id, "student-a");
    job_info_cleanup(&j);
    assert_int_equal(queue_get(f->d, sys, &j, &err), EM_OK);
    assert_string_equal(j.owner_id, "");
    job_info_cleanup(&j);
    /* counts of unfinished jobs per owner and kind */
    enqueue_owned(f->d, "student-a", 0, a[0]);
    int64_t n = -1;
    assert_int_equal(queue_count_unfinished(f->d, "student-a", "system.noop", &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(queue_count_unfinished(f->d, "student-a", "extraction", &n, &err), EM_OK);
    assert_int_equal(n, 0);
    job_spec bad = {.kind = "system.noop", .owner = "has space"};
    assert_int_equal(queue_enqueue(f->d, &bad, NULL, &err), EM_E_INVAL);
    bad.owner = "";
    assert_int_equal(queue_enqueue(f->d, &bad, NULL, &err), EM_E_INVAL);
}

/* ---- giving up ---- */

/* What the test's hooks saw; `fail` makes the next steps fail. */
typedef struct steps {
    int gave_up, requeued;
    int fail; /* fail this many calls */
    char last_reason[512];
    char last_job[37];
} steps;

/* The gave-up step writes a mark with the queue's connection: it is in the
 * database exactly when the step's transaction committed. */
static int step_gave_up(void *ctx, db *d, const job *j, const char *reason, em_error *err)
{
    steps *s = ctx;
    const char *p[] = {j->id, reason};
    int rc = db_run(d, "INSERT INTO gave_up_marks (job_id, reason) VALUES ($1, $2)", p, 2, err);
    if (rc != EM_OK)
        return rc;
    if (s->fail > 0) {
        s->fail--;
        return em_error_set(err, EM_E_UNAVAILABLE, "the step could not run");
    }
    s->gave_up++;
    snprintf(s->last_reason, sizeof s->last_reason, "%s", reason);
    snprintf(s->last_job, sizeof s->last_job, "%s", j->id);
    return EM_OK;
}

static int step_requeued(void *ctx, db *d, const job *j, em_error *err)
{
    steps *s = ctx;
    if (s->fail > 0) {
        s->fail--;
        return em_error_set(err, EM_E_UNAVAILABLE, "the step could not run");
    }
    s->requeued++;
    snprintf(s->last_job, sizeof s->last_job, "%s", j->id);
    return EM_OK;
}

static int64_t marks(db *d, const char *id)
{
    em_error err = {0};
    db_stmt *st = NULL;
    assert_int_equal(db_prepare(d, "SELECT count(*) FROM gave_up_marks WHERE job_id = $1", &st, &err), EM_OK);
    db_bind_text(st, 1, id);
    assert_int_equal(db_step(st, &err), DB_ROW);
    int64_t n = db_column_int64(st, 0);
    db_finalize(st);
    return n;
}

static void exec_ok(db *d, const char *sql)
{
    em_error err = {0};
    if (db_exec(d, sql, &err) != EM_OK)
        fail_msg("%s: %s", sql, err.msg);
}

/* Make the job's owed step due now. */
static void owe_now(db *d, const char *id)
{
    const char *p[] = {id};
    em_error err = {0};
    assert_int_equal(
        db_run(d, "UPDATE jobs SET gave_up_due = '2000-01-01T00:00:00.000Z' WHERE id = $1", p, 1, &err),
        EM_OK);
}

static void expect_dead(db *d, const char *id, bool owed, const char *why)
{
    job_info j;
    assert_string_equal(status_of(d, id, &j), "dead");
    if (j.gave_up_owed != owed)
        fail_msg("job %s: its gave-up step is %sowed", id, j.gave_up_owed ? "" : "not ");
    if (why != NULL && (j.last_error == NULL || strstr(j.last_error, why) == NULL))
        fail_msg("last_error %s does not say %s", j.last_error ? j.last_error : "(none)", why);
    job_info_cleanup(&j);
}

/* Every way a job ends for good without finishing runs its kind's gave-up
 * step once, in the transaction that ends it. */
static void jobs_gave_up_however_a_job_dies(void **state)
{
    fixture *f = fx(state);
    migrated(f);
    exec_ok(f->d, "CREATE TABLE gave_up_marks (job_id TEXT NOT NULL, reason TEXT NOT NULL)");
    steps s = {0};
    queue_hooks h = {.gave_up = step_gave_up, .requeued = step_requeued, .ctx = &s};
    em_error err = {0};
    job got[4];
    size_t n = 0;

    /* its last attempt fails */
    char failed[37];
    enqueue(f->d, "system.noop", NULL, 0, 1, failed);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, &h, got, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    job_result r = {.id = failed, .attempts = 1, .max_attempts = 1, .ok = false, .error = "storage is gone"};
    assert_int_equal(queue_finish(f->d, "w", &r, 1, 60000, &h, NULL, &err), EM_OK);
    job_cleanup(&got[0]);
    expect_dead(f->d, failed, false, "storage is gone");
    assert_int_equal(s.gave_up, 1);
    assert_string_equal(s.last_reason, "storage is gone");
    assert_int_equal(marks(f->d, failed), 1);

    /* its worker dies during the last attempt: the next claimer buries it and
     * gives up, though it has nothing else to claim */
    char lost[37];
    enqueue(f->d, "system.noop", NULL, 0, 1, lost);
    assert_int_equal(queue_claim(f->d, "killed", default_q, 1, 1, 1, &h, got, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    job_cleanup(&got[0]);
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(queue_claim(f->d, "survivor", default_q, 1, 4, 30000, &h, got, &n, &err), EM_OK);
    assert_int_equal(n, 0);
    expect_dead(f->d, lost, false, "lease expired");
    assert_int_equal(s.gave_up, 2);
    assert_string_equal(s.last_job, lost);
    assert_int_equal(marks(f->d, lost), 1);
    /* and not twice */
    assert_int_equal(queue_claim(f->d, "survivor", default_q, 1, 4, 30000, &h, got, &n, &err), EM_OK);
    assert_int_equal(marks(f->d, lost), 1);

    /* released at shutdown max_attempts times: the attempt stays counted */
    char released[37];
    enqueue(f->d, "system.noop", NULL, 0, 2, released);
    for (int attempt = 1; attempt <= 2; attempt++) {
        assert_int_equal(queue_claim(f->d, "stopping", default_q, 1, 1, 30000, &h, got, &n, &err), EM_OK);
        assert_int_equal(n, 1);
        assert_int_equal(got[0].attempts, attempt);
        job_cleanup(&got[0]);
        assert_int_equal(queue_release(f->d, "stopping", &h, &err), EM_OK);
        job_info j;
        status_of(f->d, released, &j);
        assert_int_equal(j.attempts, attempt);
        assert_string_equal(j.status, attempt < 2 ? "queued" : "dead");
        job_info_cleanup(&j);
    }
    expect_dead(f->d, released, false, "shut down");
    assert_int_equal(marks(f->d, released), 1);
    assert_int_equal(s.gave_up, 3);
}

/* A step that fails leaves the burial standing and the step owed, tried
 * again by a later claim of the job's queue (a claimer of another queue
 * buries it but leaves its step to that queue's workers), never lost. */
static void jobs_gave_up_owed_until_it_runs(void **state)
{
    fixture *f = fx(state);
    migrated(f);
    exec_ok(f->d, "CREATE TABLE gave_up_marks (job_id TEXT NOT NULL, reason TEXT NOT NULL)");
    steps s = {0};
    queue_hooks h = {.gave_up = step_gave_up, .requeued = step_requeued, .ctx = &s};
    em_error err = {0};
    job got[4];
    size_t n = 0;
    static const char *const other_q[] = {"other"};

    /* lost in another queue: buried by a claimer of "default", settled by
     * one of "other" */
    char id[37];
    job_spec spec = {.queue = "other", .kind = "system.noop", .max_attempts = 1};
    assert_int_equal(queue_enqueue(f->d, &spec, id, &err), EM_OK);
    assert_int_equal(queue_claim(f->d, "killed", other_q, 1, 1, 1, &h, got, &n, &err), EM_OK);
    job_cleanup(&got[0]);
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 4, 30000, &h, got, &n, &err), EM_OK);
    expect_dead(f->d, id, true, "lease expired");
    assert_int_equal(marks(f->d, id), 0);
    /* that queue's claimer fails to run it: still owed, later */
    s.fail = 1;
    assert_int_equal(queue_claim(f->d, "w", other_q, 1, 4, 30000, &h, got, &n, &err), EM_OK);
    assert_int_equal(n, 0);
    expect_dead(f->d, id, true, NULL);
    assert_int_equal(marks(f->d, id), 0); /* the failed step's own writes are undone */
    assert_int_equal(s.gave_up, 0);
    /* not due again at once */
    assert_int_equal(queue_claim(f->d, "w", other_q, 1, 4, 30000, &h, got, &n, &err), EM_OK);
    assert_int_equal(s.gave_up, 0);
    /* due: it runs, once */
    owe_now(f->d, id);
    assert_int_equal(queue_claim(f->d, "w", other_q, 1, 4, 30000, &h, got, &n, &err), EM_OK);
    expect_dead(f->d, id, false, NULL);
    assert_int_equal(s.gave_up, 1);
    assert_int_equal(marks(f->d, id), 1);

    /* a failed step at the last failed attempt: the burial stands, owed */
    char last[37];
    enqueue(f->d, "system.noop", NULL, 0, 1, last);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, &h, got, &n, &err), EM_OK);
    job_cleanup(&got[0]);
    s.fail = 1;
    job_result r = {.id = last, .attempts = 1, .max_attempts = 1, .ok = false, .error = "broken"};
    assert_int_equal(queue_finish(f->d, "w", &r, 1, 60000, &h, NULL, &err), EM_OK);
    expect_dead(f->d, last, true, "broken");
    assert_int_equal(db_run(f->d, "SELECT 1 FROM job_runs WHERE job_id = $1 AND status = 'failed'",
                            (const char *[]){last}, 1, &err),
                     DB_ROW);
    owe_now(f->d, last);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, &h, got, &n, &err), EM_OK);
    expect_dead(f->d, last, false, NULL);
    assert_int_equal(marks(f->d, last), 1);
    /* without hooks nothing owed is settled */
    char quiet[37];
    enqueue(f->d, "system.noop", NULL, 0, 1, quiet);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, NULL, got, &n, &err), EM_OK);
    job_cleanup(&got[0]);
    r.id = quiet;
    assert_int_equal(queue_finish(f->d, "w", &r, 1, 60000, NULL, NULL, &err), EM_OK);
    expect_dead(f->d, quiet, true, NULL);
    owe_now(f->d, quiet);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, NULL, got, &n, &err), EM_OK);
    expect_dead(f->d, quiet, true, NULL);
}

/* Operators: deleting a job that had not finished gives up (or is refused
 * when the step fails); deleting a finished one, or one whose step ran, does
 * not give up again; a retry runs the requeued step (or is refused) and
 * drops a step still owed. */
static void jobs_operators_run_the_steps(void **state)
{
    fixture *f = fx(state);
    migrated(f);
    exec_ok(f->d, "CREATE TABLE gave_up_marks (job_id TEXT NOT NULL, reason TEXT NOT NULL)");
    steps s = {0};
    queue_hooks h = {.gave_up = step_gave_up, .requeued = step_requeued, .ctx = &s};
    em_error err = {0};
    job got[4];
    size_t n = 0;
    job_info j;

    char queued[37], done[37], dead[37], owed[37];
    enqueue(f->d, "system.noop", NULL, 0, 0, queued);
    /* a step that fails refuses the deletion */
    s.fail = 1;
    assert_int_equal(queue_delete(f->d, queued, &h, &err), EM_E_UNAVAILABLE);
    assert_string_equal(err.msg, "the step could not run");
    assert_string_equal(status_of(f->d, queued, &j), "queued");
    job_info_cleanup(&j);
    assert_int_equal(marks(f->d, queued), 0);
    assert_int_equal(queue_delete(f->d, queued, &h, &err), EM_OK);
    assert_int_equal(queue_get(f->d, queued, &j, &err), EM_E_NOT_FOUND);
    assert_int_equal(marks(f->d, queued), 1);
    assert_non_null(strstr(s.last_reason, "deleted by an operator"));

    enqueue(f->d, "system.noop", NULL, 0, 0, done);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, &h, got, &n, &err), EM_OK);
    job_cleanup(&got[0]);
    job_result ok = {.id = done, .attempts = 1, .max_attempts = 5, .ok = true};
    assert_int_equal(queue_finish(f->d, "w", &ok, 1, 60000, &h, NULL, &err), EM_OK);
    assert_int_equal(queue_delete(f->d, done, &h, &err), EM_OK);
    assert_int_equal(marks(f->d, done), 0);

    /* dead, its step run: deleting it does not give up twice; dead with the
     * step owed: deleting it settles the step */
    enqueue(f->d, "system.noop", NULL, 0, 1, dead);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, &h, got, &n, &err), EM_OK);
    job_cleanup(&got[0]);
    job_result bad = {.id = dead, .attempts = 1, .max_attempts = 1, .ok = false, .error = "no"};
    assert_int_equal(queue_finish(f->d, "w", &bad, 1, 60000, &h, NULL, &err), EM_OK);
    assert_int_equal(marks(f->d, dead), 1);
    enqueue(f->d, "system.noop", NULL, 0, 1, owed);
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 1, 30000, &h, got, &n, &err), EM_OK);
    job_cleanup(&got[0]);
    bad.id = owed;
    assert_int_equal(queue_finish(f->d, "w", &bad, 1, 60000, NULL, NULL, &err), EM_OK);
    expect_dead(f->d, owed, true, NULL);

    /* retry: the requeued step, or nothing changes */
    s.fail = 1;
    assert_int_equal(queue_retry(f->d, dead, &h, &err), EM_E_UNAVAILABLE);
    expect_dead(f->d, dead, false, NULL);
    assert_int_equal(queue_retry(f->d, dead, &h, &err), EM_OK);
    assert_int_equal(s.requeued, 1);
    assert_string_equal(s.last_job, dead);
    assert_string_equal(status_of(f->d, dead, &j), "queued");
    assert_int_equal(j.attempts, 0);
    job_info_cleanup(&j);
    assert_int_equal(queue_retry(f->d, owed, &h, &err), EM_OK); /* alive again: nothing owed */
    assert_string_equal(status_of(f->d, owed, &j), "queued");
    assert_false(j.gave_up_owed);
    job_info_cleanup(&j);
    assert_int_equal(marks(f->d, owed), 0);
    assert_int_equal(queue_retry(f->d, owed, &h, &err), EM_E_CONFLICT);

    /* owed again, then deleted: the step runs in the deletion */
    assert_int_equal(queue_claim(f->d, "w", default_q, 1, 4, 30000, &h, got, &n, &err), EM_OK);
    assert_int_equal(n, 2);
    job_result both[2];
    for (size_t i = 0; i < n; i++)
        both[i] =
            (job_result){.id = got[i].id, .attempts = 1, .max_attempts = 1, .ok = false, .error = "again"};
    assert_int_equal(queue_finish(f->d, "w", both, n, 60000, NULL, NULL, &err), EM_OK);
    for (size_t i = 0; i < n; i++)
        job_cleanup(&got[i]);
    expect_dead(f->d, owed, true, NULL);
    assert_int_equal(queue_delete(f->d, owed, &h, &err), EM_OK);
    assert_int_equal(marks(f->d, owed), 1);
    assert_int_equal(marks(f->d, dead), 1); /* dead's step ran before */
    assert_int_equal(queue_delete(f->d, dead, &h, &err), EM_OK);
    assert_int_equal(marks(f->d, dead), 2);
}

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
        if (queue_claim(d, c->name, default_q, 1, 16, 30000, NULL, got, &n, &err) != EM_OK || n == 0)
            break;
        job_result r[16];
        for (size_t i = 0; i < n; i++)
            r[i] = (job_result){.id = got[i].id, .attempts = got[i].attempts, .ok = true};
        if (queue_finish(d, c->name, r, n, 2000, NULL, NULL, &err) != EM_OK)
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
    static const char *const owners[] = {"o1", "o2", "o3", "o4", "o5", "o6", "o7"};
    for (int i = 0; i < 500; i++) /* half of them owned: one per owner per claim */
        specs[i] = (job_spec){.kind = "system.noop", .owner = i % 2 == 0 ? owners[i % 7] : NULL};
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
        BOTH(jobs_owners_take_turns),
        BOTH(jobs_gave_up_however_a_job_dies),
        BOTH(jobs_gave_up_owed_until_it_runs),
        BOTH(jobs_operators_run_the_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
