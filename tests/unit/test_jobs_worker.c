/* worker: the job threads on SQLite and PostgreSQL: jobs run with their kind's
 * env and the running thread's connection; failures retry with backoff, then
 * the job is dead; an unknown kind fails with a clear error; worker_wake
 * beats the idle poll; stop waits for a running job, and releases one still
 * running past the grace period; leases are renewed and heartbeats written;
 * schedules fire through the keeper thread; a kind's gave-up step runs when a
 * job dies at its last failure, with its lost worker (found by the next
 * claim), or released at shutdown during its last attempt. Waits poll for the expected state
 * with generous limits; values (leases, polls, backoff) are small so the file
 * stays fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "jobs/queue.h"
#include "jobs/schedule.h"
#include "jobs/worker.h"

#include "area_fixture.h"

#define WAIT_MS 20000 /* the longest any state is waited for */

/* What a kind's handler gets as its env, and what it tells the test. */
typedef struct env {
    const char *name;
    int sleep_ms; /* test.slow: how long a run takes */
    atomic_int runs;
    atomic_int started, finished;
    atomic_bool release; /* test.block: let the running job go */
    atomic_int gave_up;  /* the gave-up step ran */
    char reason[512];    /* what it was told (the last call) */
} env;

/* The gave-up step: a mark written in the queue's transaction, and a count. */
static int h_gave_up(job_ctx *ctx, const char *reason, em_error *err)
{
    env *e = ctx->env;
    const char *p[] = {ctx->job->id, "gave_up", ctx->job->kind};
    int rc = db_run(ctx->db, "INSERT INTO marks (job_id, env, kind) VALUES ($1, $2, $3)", p, 3, err);
    if (rc != EM_OK)
        return rc;
    snprintf(e->reason, sizeof e->reason, "%s", reason);
    atomic_fetch_add(&e->gave_up, 1);
    return EM_OK;
}

/* Write a mark (the job, the env's name) with the running thread's connection. */
static int h_mark(job_ctx *ctx, em_error *err)
{
    env *e = ctx->env;
    atomic_fetch_add(&e->runs, 1);
    if (!json_is_object(ctx->payload))
        return em_error_set(err, EM_E_INVAL, "payload is not an object");
    const char *p[] = {ctx->job->id, e->name, ctx->job->kind};
    int rc = db_run(ctx->db, "INSERT INTO marks (job_id, env, kind) VALUES ($1, $2, $3)", p, 3, err);
    return rc == DB_DONE ? EM_OK : rc;
}

static int h_fail(job_ctx *ctx, em_error *err)
{
    env *e = ctx->env;
    atomic_fetch_add(&e->runs, 1);
    return em_error_set(err, EM_E_IO, "disk on fire (attempt %d)", ctx->job->attempts);
}

static int h_slow(job_ctx *ctx, em_error *err)
{
    (void)err;
    env *e = ctx->env;
    atomic_store(&e->started, 1);
    area_sleep_ms(e->sleep_ms);
    atomic_fetch_add(&e->runs, 1);
    atomic_store(&e->finished, 1);
    return EM_OK;
}

static int h_block(job_ctx *ctx, em_error *err)
{
    (void)err;
    env *e = ctx->env;
    atomic_store(&e->started, 1);
    int64_t until = clock_now_ms() + 60000;
    while (!atomic_load(&e->release) && clock_now_ms() < until)
        area_sleep_ms(5);
    atomic_fetch_add(&e->runs, 1);
    atomic_store(&e->finished, 1);
    return EM_OK;
}

/* ---- the case's worker ---- */

typedef struct rig {
    fixture *f;
    dbpool *pool;
    env alpha, beta, fail, slow, block;
    job_kind kinds[5];
    worker_options o;
} rig;

static void rig_init(rig *r, void **state)
{
    memset(r, 0, sizeof *r);
    r->f = area_db(state);
    area_exec(r->f->d, "CREATE TABLE marks (job_id TEXT NOT NULL, env TEXT NOT NULL, kind TEXT NOT NULL)");
    em_error err = {0};
    db_options dbo = {.timeout_ms = 10000};
    if (dbpool_new(r->f->url, &dbo, &r->pool, &err) != EM_OK)
        fail_msg("dbpool_new: %s", err.msg);
    r->alpha.name = "alpha";
    r->beta.name = "beta";
    r->fail.name = "fail";
    r->slow.name = "slow";
    r->block.name = "block";
    r->kinds[0] = (job_kind){.kind = "test.alpha", .run = h_mark, .env = &r->alpha};
    r->kinds[1] = (job_kind){.kind = "test.beta", .run = h_mark, .env = &r->beta};
    r->kinds[2] = (job_kind){.kind = "test.fail", .run = h_fail, .env = &r->fail, .gave_up = h_gave_up};
    r->kinds[3] = (job_kind){.kind = "test.slow", .run = h_slow, .env = &r->slow, .gave_up = h_gave_up};
    r->kinds[4] = (job_kind){.kind = "test.block", .run = h_block, .env = &r->block, .gave_up = h_gave_up};
    r->o = (worker_options){.name = "test-worker",
                            .concurrency = 1,
                            .batch = 4,
                            .lease_ms = 30000,
                            .retry_base_ms = 100,
                            .idle_poll_ms = 20,
                            .shutdown_grace_s = 10,
                            .kinds = r->kinds,
                            .n_kinds = 5};
}

static worker *rig_start(rig *r)
{
    worker *w = NULL;
    em_error err = {0};
    if (worker_start(r->pool, &r->o, &w, &err) != EM_OK)
        fail_msg("worker_start: %s", err.msg);
    return w;
}

static void rig_cleanup(rig *r)
{
    dbpool_free(r->pool);
}

static void enqueue(db *d, const char *kind, const char *payload, int max_attempts, char id[37])
{
    em_error err = {0};
    job_spec s = {.kind = kind, .payload = payload, .max_attempts = max_attempts};
    if (queue_enqueue(d, &s, id, &err) != EM_OK)
        fail_msg("enqueue %s: %s", kind, err.msg);
}

static job_info info(db *d, const char *id)
{
    job_info j;
    em_error err = {0};
    if (queue_get(d, id, &j, &err) != EM_OK)
        fail_msg("queue_get %s: %s", id, err.msg);
    return j;
}

/* Waiting for a job's status. */
typedef struct status_wait {
    db *d;
    const char *id, *status;
} status_wait;

static bool has_status(void *ctx)
{
    status_wait *s = ctx;
    job_info j = info(s->d, s->id);
    bool done = strcmp(j.status, s->status) == 0;
    job_info_cleanup(&j);
    return done;
}

static void wait_status(db *d, const char *id, const char *status)
{
    status_wait s = {d, id, status};
    if (!area_wait(has_status, &s, WAIT_MS)) {
        job_info j = info(d, id);
        fail_msg("job %s is %s (%s), not %s after %d ms", id, j.status, j.last_error ? j.last_error : "-",
                 status, WAIT_MS);
    }
}

static bool flag_set(void *ctx)
{
    return atomic_load((atomic_int *)ctx) != 0;
}

/* "2026-11-21T23:52:11.123Z" as epoch ms. */
static int64_t iso_ms(const char *t)
{
    struct tm tm = {0};
    int ms = 0;
    if (sscanf(t, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec, &ms) != 7)
        fail_msg("not a timestamp: %s", t);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

/* ---- cases ---- */

static void jobs_worker_start_checks_options(void **state)
{
    rig r;
    rig_init(&r, state);
    worker *w = (worker *)1;
    em_error err = {0};
    worker_options o = r.o;
    o.concurrency = 0;
    assert_int_equal(worker_start(r.pool, &o, &w, &err), EM_E_INVAL);
    assert_null(w);
    o = r.o;
    o.lease_ms = 999;
    assert_int_equal(worker_start(r.pool, &o, &w, &err), EM_E_INVAL);
    o = r.o;
    o.n_kinds = 0;
    assert_int_equal(worker_start(r.pool, &o, &w, &err), EM_E_INVAL);
    const char *const bad_queues[] = {"default", "Not A Queue"};
    o = r.o;
    o.queues = bad_queues;
    o.n_queues = 2;
    assert_int_equal(worker_start(r.pool, &o, &w, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "Not A Queue"));
    worker_stop(NULL);
    worker_wake(NULL);
    /* a name of its own when none is given: host:pid:random */
    o = r.o;
    o.name = NULL;
    assert_int_equal(worker_start(r.pool, &o, &w, &err), EM_OK);
    const char *name = worker_name(w);
    assert_non_null(strchr(name, ':'));
    char pid[32];
    snprintf(pid, sizeof pid, ":%d:", (int)getpid());
    assert_non_null(strstr(name, pid));
    worker_stop(w);
    rig_cleanup(&r);
}

static void jobs_worker_runs_jobs_with_their_kinds_env(void **state)
{
    rig r;
    rig_init(&r, state);
    char a1[37], a2[37], b1[37];
    enqueue(r.f->d, "test.alpha", "{\"n\":1}", 0, a1);
    enqueue(r.f->d, "test.beta", NULL, 0, b1);
    enqueue(r.f->d, "test.alpha", "{\"n\":2}", 0, a2);
    r.o.concurrency = 2;
    r.o.batch = 2;
    worker *w = rig_start(&r);
    assert_string_equal(worker_name(w), "test-worker");
    wait_status(r.f->d, a1, "succeeded");
    wait_status(r.f->d, a2, "succeeded");
    wait_status(r.f->d, b1, "succeeded");
    worker_stop(w);
    assert_int_equal(atomic_load(&r.alpha.runs), 2);
    assert_int_equal(atomic_load(&r.beta.runs), 1);
    /* each mark names the env of its job's kind, written on the running
     * thread's connection */
    const char *pa[] = {a1}, *pb[] = {b1};
    char *e = area_text(r.f->d, "SELECT env FROM marks WHERE job_id = $1", pa, 1);
    assert_string_equal(e, "alpha");
    free(e);
    e = area_text(r.f->d, "SELECT env FROM marks WHERE job_id = $1", pb, 1);
    assert_string_equal(e, "beta");
    free(e);
    assert_int_equal(area_int(r.f->d, "SELECT count(*) FROM marks", NULL, 0), 3);
    assert_int_equal(
        area_int(r.f->d, "SELECT count(*) FROM marks WHERE kind = 'test.alpha' AND env <> 'alpha'", NULL, 0),
        0);
    /* one succeeded run each, by this worker */
    assert_int_equal(
        area_int(r.f->d,
                 "SELECT count(*) FROM job_runs WHERE status = 'succeeded' AND worker = 'test-worker'", NULL,
                 0),
        3);
    job_info j = info(r.f->d, a1);
    assert_int_equal(j.attempts, 1);
    assert_true(j.finished_at[0] != '\0');
    assert_string_equal(j.locked_by, "");
    job_info_cleanup(&j);
    rig_cleanup(&r);
}

static void jobs_worker_retries_with_backoff_then_buries(void **state)
{
    rig r;
    rig_init(&r, state);
    char id[37];
    enqueue(r.f->d, "test.fail", NULL, 3, id);
    worker *w = rig_start(&r);
    wait_status(r.f->d, id, "dead");
    worker_stop(w);
    assert_int_equal(atomic_load(&r.fail.runs), 3);
    job_info j = info(r.f->d, id);
    assert_int_equal(j.attempts, 3);
    assert_non_null(j.last_error);
    assert_string_equal(j.last_error, "disk on fire (attempt 3)");
    assert_false(j.gave_up_owed);
    job_info_cleanup(&j);
    /* its kind gave up once, told why, in the transaction that buried it */
    assert_int_equal(atomic_load(&r.fail.gave_up), 1);
    assert_string_equal(r.fail.reason, "disk on fire (attempt 3)");
    const char *pid[] = {id};
    assert_int_equal(
        area_int(r.f->d, "SELECT count(*) FROM marks WHERE job_id = $1 AND env = 'gave_up'", pid, 1), 1);
    /* three failed runs, each after the backoff of the one before: 100 ms,
     * then 200 ms, each -25% at worst */
    em_error err = {0};
    db_stmt *st = NULL;
    assert_int_equal(db_prepare(r.f->d,
                                "SELECT attempt, status, error, started_at, finished_at FROM job_runs "
                                "WHERE job_id = $1 ORDER BY attempt",
                                &st, &err),
                     EM_OK);
    db_bind_text(st, 1, id);
    int rc = EM_OK, n = 0;
    int64_t prev_finished = 0;
    while (db_next(st, &rc, &err)) {
        n++;
        assert_int_equal(db_column_int64(st, 0), n);
        assert_string_equal(db_column_text(st, 1), "failed");
        char want[64];
        snprintf(want, sizeof want, "disk on fire (attempt %d)", n);
        assert_string_equal(db_column_text(st, 2), want);
        int64_t started = iso_ms(db_column_text(st, 3));
        if (n > 1) {
            int64_t gap = started - prev_finished, floor_ms = 75 << (n - 2);
            if (gap < floor_ms - 2)
                fail_msg("attempt %d started %lld ms after attempt %d, before its backoff (%lld ms)", n,
                         (long long)gap, n - 1, (long long)floor_ms);
        }
        prev_finished = iso_ms(db_column_text(st, 4));
    }
    db_finalize(st);
    assert_int_equal(rc, EM_OK);
    assert_int_equal(n, 3);
    rig_cleanup(&r);
}

static void jobs_worker_unknown_kind_fails_clearly(void **state)
{
    rig r;
    rig_init(&r, state);
    char id[37], ok[37];
    enqueue(r.f->d, "test.nobody-runs-this", NULL, 1, id);
    enqueue(r.f->d, "test.alpha", NULL, 0, ok);
    worker *w = rig_start(&r);
    wait_status(r.f->d, id, "dead");
    wait_status(r.f->d, ok, "succeeded"); /* the worker carries on */
    worker_stop(w);
    job_info j = info(r.f->d, id);
    assert_non_null(j.last_error);
    assert_non_null(strstr(j.last_error, "no handler"));
    assert_non_null(strstr(j.last_error, "\"test.nobody-runs-this\""));
    job_info_cleanup(&j);
    rig_cleanup(&r);
}

static void jobs_worker_wake_beats_the_idle_poll(void **state)
{
    rig r;
    rig_init(&r, state);
    r.o.idle_poll_ms = 60000;
    char first[37], second[37];
    enqueue(r.f->d, "test.alpha", NULL, 0, first);
    worker *w = rig_start(&r);
    /* the first job is taken at start; then the only runner naps a minute */
    wait_status(r.f->d, first, "succeeded");
    area_sleep_ms(300);
    enqueue(r.f->d, "test.alpha", NULL, 0, second);
    area_sleep_ms(300);
    job_info j = info(r.f->d, second);
    assert_string_equal(j.status, "queued"); /* asleep: nobody looked */
    job_info_cleanup(&j);
    int64_t t0 = clock_now_ms();
    worker_wake(w);
    wait_status(r.f->d, second, "succeeded");
    int64_t took = clock_now_ms() - t0;
    if (took >= 10000)
        fail_msg("the woken worker took %lld ms", (long long)took);
    /* stopping wakes it too: no minute-long wait */
    t0 = clock_now_ms();
    worker_stop(w);
    assert_true(clock_now_ms() - t0 < 10000);
    assert_int_equal(atomic_load(&r.alpha.runs), 2);
    rig_cleanup(&r);
}

static void jobs_worker_stop_waits_for_a_running_job(void **state)
{
    rig r;
    rig_init(&r, state);
    r.slow.sleep_ms = 400;
    char id[37];
    enqueue(r.f->d, "test.slow", NULL, 0, id);
    worker *w = rig_start(&r);
    assert_true(area_wait(flag_set, &r.slow.started, WAIT_MS));
    worker_stop(w); /* 10 s of grace: the job finishes first */
    assert_int_equal(atomic_load(&r.slow.finished), 1);
    job_info j = info(r.f->d, id);
    assert_string_equal(j.status, "succeeded");
    assert_int_equal(j.attempts, 1);
    job_info_cleanup(&j);
    /* the worker said goodbye */
    worker_info wi[4];
    size_t n = 0;
    em_error err = {0};
    assert_int_equal(queue_workers(r.f->d, clock_now_ms(), 60, wi, 4, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(wi[0].id, "test-worker");
    assert_true(wi[0].stopped);
    rig_cleanup(&r);
}

/* Threads of this process, from /proc. */
static int thread_count(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    assert_non_null(fp);
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, fp) != NULL) {
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    }
    fclose(fp);
    return n;
}

typedef struct threads_wait {
    int want;
} threads_wait;

static bool threads_back(void *ctx)
{
    return thread_count() <= ((threads_wait *)ctx)->want;
}

/* worker_stop leaves a worker whose runner outlived the grace period (the
 * process is exiting); kept here so the leak checker sees it reachable. */
static worker *abandoned[4];
static size_t n_abandoned;

static void jobs_worker_releases_a_job_running_past_the_grace(void **state)
{
    rig r;
    rig_init(&r, state);
    r.o.shutdown_grace_s = 1;
    char id[37];
    enqueue(r.f->d, "test.block", NULL, 0, id);
    threads_wait before = {thread_count()};
    worker *w = rig_start(&r);
    assert_true(area_wait(flag_set, &r.block.started, WAIT_MS));
    int64_t t0 = clock_now_ms();
    worker_stop(w);
    int64_t took = clock_now_ms() - t0;
    assert_true(n_abandoned < 4);
    abandoned[n_abandoned++] = w;
    if (took < 900 || took > 10000)
        fail_msg("stop took %lld ms with 1 s of grace", (long long)took);
    /* the job is back in the queue, its attempt counted, while its handler
     * still runs */
    assert_int_equal(atomic_load(&r.block.finished), 0);
    job_info j = info(r.f->d, id);
    assert_string_equal(j.status, "queued");
    assert_int_equal(j.attempts, 1);
    assert_string_equal(j.locked_by, "");
    job_info_cleanup(&j);
    /* the handler ends late: its outcome is stale and changes nothing */
    atomic_store(&r.block.release, true);
    assert_true(area_wait(flag_set, &r.block.finished, WAIT_MS));
    assert_true(area_wait(threads_back, &before, WAIT_MS));
    j = info(r.f->d, id);
    assert_string_equal(j.status, "queued");
    assert_int_equal(j.attempts, 1);
    job_info_cleanup(&j);
    assert_int_equal(area_int(r.f->d, "SELECT count(*) FROM job_runs", NULL, 0), 0);
    /* another worker runs it again from the start */
    atomic_store(&r.block.started, 0);
    atomic_store(&r.block.finished, 0);
    r.o.name = "test-worker-2";
    w = rig_start(&r);
    wait_status(r.f->d, id, "succeeded");
    worker_stop(w);
    j = info(r.f->d, id);
    assert_int_equal(j.attempts, 2);
    job_info_cleanup(&j);
    rig_cleanup(&r);
}

typedef struct beat_wait {
    db *d;
    char seen[40]; /* the first heartbeat seen */
    bool second;   /* wait for a later one than seen */
} beat_wait;

static bool beat_landed(void *ctx)
{
    beat_wait *b = ctx;
    worker_info wi[4];
    size_t n = 0;
    em_error err = {0};
    if (queue_workers(b->d, clock_now_ms(), 60, wi, 4, &n, &err) != EM_OK || n == 0)
        return false;
    if (!b->second) {
        snprintf(b->seen, sizeof b->seen, "%s", wi[0].heartbeat_at);
        return true;
    }
    return strcmp(wi[0].heartbeat_at, b->seen) > 0;
}

static void jobs_worker_renews_leases_and_beats(void **state)
{
    rig r;
    rig_init(&r, state);
    /* a job running longer than its lease: renewed, it is never taken over */
    r.o.lease_ms = 1000;
    r.o.concurrency = 2;
    r.slow.sleep_ms = 1600;
    static const char *const queues[] = {"default", "other"};
    r.o.queues = queues;
    r.o.n_queues = 2;
    char id[37];
    enqueue(r.f->d, "test.slow", NULL, 0, id);
    worker *w = rig_start(&r);
    beat_wait b = {.d = r.f->d};
    assert_true(area_wait(beat_landed, &b, WAIT_MS));
    worker_info wi[4];
    size_t n = 0;
    em_error err = {0};
    assert_int_equal(queue_workers(r.f->d, clock_now_ms(), 60, wi, 4, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(wi[0].id, "test-worker");
    assert_string_equal(wi[0].queues, "default,other");
    assert_int_equal(wi[0].concurrency, 2);
    assert_false(wi[0].stopped);
    assert_true(wi[0].heartbeat_age_s < 5);
    b.second = true;
    assert_true(area_wait(beat_landed, &b, WAIT_MS)); /* and again, every lease/3 */
    wait_status(r.f->d, id, "succeeded");
    worker_stop(w);
    assert_int_equal(atomic_load(&r.slow.runs), 1);
    job_info j = info(r.f->d, id);
    assert_int_equal(j.attempts, 1);
    job_info_cleanup(&j);
    const char *p[] = {id};
    assert_int_equal(area_int(r.f->d, "SELECT count(*) FROM job_runs WHERE job_id = $1", p, 1), 1);
    rig_cleanup(&r);
}

typedef struct fired_wait {
    db *d;
} fired_wait;

static bool schedule_ran(void *ctx)
{
    fired_wait *fw = ctx;
    return area_int(fw->d,
                    "SELECT count(*) FROM schedule_runs s JOIN jobs j ON j.id = s.job_id "
                    "WHERE s.name = 'test.every-second' AND j.status = 'succeeded'",
                    NULL, 0) > 0;
}

static void jobs_worker_fires_schedules(void **state)
{
    rig r;
    rig_init(&r, state);
    schedule_def defs[] = {
        {.name = "test.every-second",
         .cron = "* * * * * *",
         .queue = "default",
         .kind = "test.beta",
         .payload = "{\"from\":\"schedule\"}"},
        {.name = "test.never",
         .cron = "0 0 30 2 *",
         .queue = "default",
         .kind = "test.alpha",
         .payload = "{}"},
    };
    cron crons[2];
    em_error err = {0};
    assert_int_equal(cron_parse(defs[0].cron, &crons[0], &err), EM_OK);
    assert_int_equal(cron_parse(defs[1].cron, &crons[1], &err), EM_OK);
    r.o.schedules = defs;
    r.o.crons = crons;
    r.o.n_schedules = 2;
    worker *w = rig_start(&r);
    fired_wait fw = {r.f->d};
    assert_true(area_wait(schedule_ran, &fw, WAIT_MS));
    worker_stop(w);
    /* the slot's job ran with its kind's env; the other schedule never fired */
    assert_true(atomic_load(&r.beta.runs) >= 1);
    assert_int_equal(atomic_load(&r.alpha.runs), 0);
    assert_int_equal(
        area_int(r.f->d, "SELECT count(*) FROM schedule_runs WHERE name = 'test.never'", NULL, 0), 0);
    /* each slot fired once: as many jobs as slots */
    assert_int_equal(
        area_int(r.f->d, "SELECT count(*) FROM schedule_runs WHERE name = 'test.every-second'", NULL, 0),
        area_int(r.f->d, "SELECT count(*) FROM jobs WHERE kind = 'test.beta'", NULL, 0));
    rig_cleanup(&r);
}

/* A worker killed during a job's last attempt leaves it running with a lease
 * that expires: the next claim (by any worker of its queue, with nothing else
 * to do) buries it and its kind gives up, so whatever waited on it is told. */
static void jobs_worker_gives_up_for_a_lost_worker(void **state)
{
    rig r;
    rig_init(&r, state);
    char id[37];
    enqueue(r.f->d, "test.slow", NULL, 1, id);
    /* the worker that dies: it claimed with a lease that runs out at once */
    job got;
    size_t n = 0;
    em_error err = {0};
    assert_int_equal(
        queue_claim(r.f->d, "killed-worker", (const char *const[]){"default"}, 1, 1, 1, NULL, &got, &n, &err),
        EM_OK);
    assert_int_equal(n, 1);
    job_cleanup(&got);
    area_sleep_ms(20);
    worker *w = rig_start(&r);
    wait_status(r.f->d, id, "dead");
    assert_true(area_wait(flag_set, &r.slow.gave_up, WAIT_MS));
    worker_stop(w);
    assert_int_equal(atomic_load(&r.slow.gave_up), 1);
    assert_int_equal(atomic_load(&r.slow.runs), 0);
    assert_non_null(strstr(r.slow.reason, "lease expired"));
    job_info j = info(r.f->d, id);
    assert_false(j.gave_up_owed);
    assert_int_equal(j.attempts, 1);
    job_info_cleanup(&j);
    rig_cleanup(&r);
}

/* A job still running when the grace period ends, in its last attempt: it is
 * buried, not queued to outlive every worker again, and its kind gives up. */
static void jobs_worker_release_at_the_last_attempt_gives_up(void **state)
{
    rig r;
    rig_init(&r, state);
    r.o.shutdown_grace_s = 1;
    char id[37];
    enqueue(r.f->d, "test.block", NULL, 1, id);
    threads_wait before = {thread_count()};
    worker *w = rig_start(&r);
    assert_true(area_wait(flag_set, &r.block.started, WAIT_MS));
    worker_stop(w);
    assert_true(n_abandoned < 4);
    abandoned[n_abandoned++] = w;
    job_info j = info(r.f->d, id);
    assert_string_equal(j.status, "dead");
    assert_int_equal(j.attempts, 1);
    assert_false(j.gave_up_owed);
    job_info_cleanup(&j);
    assert_int_equal(atomic_load(&r.block.gave_up), 1);
    assert_non_null(strstr(r.block.reason, "shut down"));
    atomic_store(&r.block.release, true);
    assert_true(area_wait(flag_set, &r.block.finished, WAIT_MS));
    assert_true(area_wait(threads_back, &before, WAIT_MS));
    /* its late outcome changes nothing */
    j = info(r.f->d, id);
    assert_string_equal(j.status, "dead");
    job_info_cleanup(&j);
    rig_cleanup(&r);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(jobs_worker_start_checks_options),
        BOTH(jobs_worker_runs_jobs_with_their_kinds_env),
        BOTH(jobs_worker_retries_with_backoff_then_buries),
        BOTH(jobs_worker_unknown_kind_fails_clearly),
        BOTH(jobs_worker_wake_beats_the_idle_poll),
        BOTH(jobs_worker_stop_waits_for_a_running_job),
        BOTH(jobs_worker_releases_a_job_running_past_the_grace),
        BOTH(jobs_worker_renews_leases_and_beats),
        BOTH(jobs_worker_fires_schedules),
        BOTH(jobs_worker_gives_up_for_a_lost_worker),
        BOTH(jobs_worker_release_at_the_last_attempt_gives_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
