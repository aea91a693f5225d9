/* worker: see worker.h.
 *
 * Threads: `concurrency` runners (claim a batch, run it, record it) and one
 * keeper (every lease/3: renew the leases of running jobs and write the
 * heartbeat; every second: tick the scheduler). Stopping sets a flag and wakes
 * sleepers; runners finish the batch in hand. If the grace period passes first,
 * the jobs still held are released back to the queue, and the process, which is
 * exiting, does not wait for the runners. */
#include "jobs/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/mem.h"

#define WORKER_NAME_MAX 128
#define BATCH_MAX 256

struct worker {
    worker_options opts;            /* copy; the arrays it points to are borrowed */
    char name[WORKER_NAME_MAX];
    char queues_text[512];          /* "a,b" for the workers table */
    const char **queues;            /* owned array of borrowed names */
    size_t n_queues;
    job_kind_set kind_set;          /* opts.kinds, for the hooks */
    queue_hooks hooks;              /* the kinds' gave-up and requeued steps */
    dbpool *pool;                   /* borrowed */
    pthread_t *runners;
    int n_runners;
    pthread_t keeper;
    bool keeper_started;
    atomic_bool stopping;
    atomic_int active;              /* runners still in their loop */
    pthread_mutex_t mu;             /* guards the condition below */
    pthread_cond_t wake;            /* signalled on stop and by worker_wake */
    bool kicked;                    /* worker_wake was called since a runner last looked (mu) */
};

/* Sleep up to ms, returning early when the worker is stopping or, for a
 * runner (`kickable`), woken by worker_wake (a wake that came just before the
 * nap counts too). The keeper naps without taking wakes: they are for the
 * runners, and a keeper that cleared `kicked` left the runner asleep. */
static void nap(worker *w, int64_t ms, bool kickable)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!atomic_load(&w->stopping) && !(kickable && w->kicked)) {
        if (pthread_cond_timedwait(&w->wake, &w->mu, &until) == ETIMEDOUT)
            break;
    }
    if (kickable)
        w->kicked = false;
    pthread_mutex_unlock(&w->mu);
}

void worker_wake(worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->kicked = true;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->mu);
}

static const job_kind *find_in(const job_kind_set *set, const char *kind)
{
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->kinds[i].kind, kind) == 0)
            return &set->kinds[i];
    }
    return NULL;
}

static const job_kind *find_kind(const worker *w, const char *kind)
{
    return find_in(&w->kind_set, kind);
}

/* ---- the kinds' steps as queue hooks ---- */

/* The job's payload for a step: parsed, or an empty object (owned). */
static json_t *step_payload(const job *j)
{
    json_t *p = json_loads(j->payload != NULL ? j->payload : "{}", 0, NULL);
    return p != NULL ? p : json_object();
}

static int hook_gave_up(void *ctx, db *d, const job *j, const char *reason, em_error *err)
{
    const job_kind *k = find_in(ctx, j->kind);
    if (k == NULL || k->gave_up == NULL)
        return EM_OK;
    json_t *payload = step_payload(j);
    job_ctx jc = {.job = j, .payload = payload, .db = d, .env = k->env};
    int rc = k->gave_up(&jc, reason, err);
    json_decref(payload);
    if (rc == EM_OK)
        log_emit(LOG_INFO, "job gave up",
                 json_pack("{s:s, s:s, s:i, s:s}", "job_id", j->id, "kind", j->kind, "attempts", j->attempts,
                           "reason", reason));
    return rc;
}

static int hook_requeued(void *ctx, db *d, const job *j, em_error *err)
{
    const job_kind *k = find_in(ctx, j->kind);
    if (k == NULL || k->requeued == NULL)
        return EM_OK;
    json_t *payload = step_payload(j);
    job_ctx jc = {.job = j, .payload = payload, .db = d, .env = k->env};
    int rc = k->requeued(&jc, err);
    json_decref(payload);
    return rc;
}

queue_hooks job_kind_hooks(const job_kind_set *set)
{
    return (queue_hooks){.gave_up = hook_gave_up, .requeued = hook_requeued, .ctx = (void *)set};
}

/* Run one job; the outcome goes to *r (error text owned by `msg`). */
static void run_one(worker *w, db *d, const job *j, job_result *r, char *msg, size_t msg_len)
{
    r->id = j->id;
    r->attempts = j->attempts;
    r->max_attempts = j->max_attempts;
    r->started_ms = clock_now_ms();
    r->ok = false;
    r->error = msg;
    msg[0] = '\0';
    const job_kind *k = find_kind(w, j->kind);
    json_error_t jerr;
    json_t *payload = k != NULL ? json_loads(j->payload, 0, &jerr) : NULL;
    if (k == NULL) {
        snprintf(msg, msg_len, "no handler for the kind \"%s\" in this worker", j->kind);
    } else if (payload == NULL) {
        snprintf(msg, msg_len, "the payload is not JSON: %s", jerr.text);
    } else {
        em_error err = {0};
        job_ctx ctx = {.job = j, .payload = payload, .db = d, .env = k->env};
        int rc = k->run(&ctx, &err);
        if (rc == EM_OK)
            r->ok = true;
        else
            snprintf(msg, msg_len, "%s", err.msg[0] ? err.msg : em_strerror(rc));
    }
    json_decref(payload);
    r->finished_ms = clock_now_ms();
    if (!r->ok)
        log_emit(LOG_WARN, "job failed",
                 json_pack("{s:s, s:s, s:i, s:i, s:s}", "job_id", j->id, "kind", j->kind, "attempt", j->attempts,
                           "max_attempts", j->max_attempts, "error", msg));
}

static void *runner_main(void *arg)
{
    worker *w = arg;
    int batch = w->opts.batch < 1 ? 1 : w->opts.batch > BATCH_MAX ? BATCH_MAX : w->opts.batch;
    job *jobs = em_calloc((size_t)batch, sizeof *jobs);
    job_result *results = em_calloc((size_t)batch, sizeof *results);
    char (*msgs)[512] = em_calloc((size_t)batch, sizeof *msgs);
    int64_t backoff = 0; /* after a database error */
    while (!atomic_load(&w->stopping)) {
        em_error err = {0};
        db *d = NULL;
        size_t n = 0;
        int rc = dbpool_get(w->pool, &d, &err);
        if (rc == EM_OK)
            rc = queue_claim(d, w->name, w->queues, w->n_queues, batch, w->opts.lease_ms, &w->hooks, jobs, &n,
                             &err);
        if (rc != EM_OK) {
            backoff = backoff == 0 ? 200 : backoff * 2 > 5000 ? 5000 : backoff * 2;
            log_msg(LOG_WARN, "worker %s: cannot claim jobs: %s (retrying in %lld ms)", w->name,
                    err.msg[0] ? err.msg : em_strerror(rc), (long long)backoff);
            nap(w, backoff, true);
            continue;
        }
        backoff = 0;
        if (n == 0) {
            nap(w, w->opts.idle_poll_ms, true);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            run_one(w, d, &jobs[i], &results[i], msgs[i], sizeof msgs[i]);
        size_t stale = 0;
        /* The outcome must be recorded: retry a failing write a few times
         * (a lost outcome means the job runs again after its lease). */
        for (int tries = 0; tries < 5; tries++) {
            rc = queue_finish(d, w->name, results, n, w->opts.retry_base_ms, &w->hooks, &stale, &err);
            if (rc == EM_OK)
                break;
            log_msg(LOG_WARN, "worker %s: cannot record %zu outcomes: %s", w->name, n, err.msg);
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (stale > 0)
            log_msg(LOG_WARN, "worker %s: %zu job(s) had been taken over after their lease expired", w->name, stale);
        for (size_t i = 0; i < n; i++)
            job_cleanup(&jobs[i]);
    }
    free(jobs);
    free(results);
    free(msgs);
    atomic_fetch_sub(&w->active, 1);
    return NULL;
}

static void *keeper_main(void *arg)
{
    worker *w = arg;
    int64_t renew_every = w->opts.lease_ms / 3 > 0 ? w->opts.lease_ms / 3 : 1000;
    int64_t last_renew = 0, last_tick = 0;
    /* Slots older than the start are not replayed (schedule.h). */
    int64_t since = clock_now_ms() - 1000;
    while (!atomic_load(&w->stopping)) {
        int64_t now = clock_now_ms();
        em_error err = {0};
        db *d = NULL;
        if (dbpool_get(w->pool, &d, &err) == EM_OK) {
            if (now - last_renew >= renew_every) {
                if (queue_renew(d, w->name, w->opts.lease_ms, &err) != EM_OK ||
                    queue_worker_beat(d, w->name, w->queues_text, w->opts.concurrency, now, &err) != EM_OK)
                    log_msg(LOG_WARN, "worker %s: heartbeat failed: %s", w->name, err.msg);
                last_renew = now;
            }
            if (w->opts.n_schedules > 0 && now - last_tick >= 1000) {
                int fired = 0;
                if (schedule_tick(d, w->opts.schedules, w->opts.crons, w->opts.n_schedules, now, since, &fired,
                                  &err) != EM_OK)
                    log_msg(LOG_WARN, "worker %s: scheduler: %s", w->name, err.msg);
                last_tick = now;
            }
        } else {
            log_msg(LOG_WARN, "worker %s: no database: %s", w->name, err.msg);
        }
        nap(w, 250, false);
    }
    return NULL;
}

static void default_name(char out[WORKER_NAME_MAX])
{
    char host[64] = "host";
    gethostname(host, sizeof host);
    host[sizeof host - 1] = '\0';
    unsigned char r[3];
    id_random_bytes(r, sizeof r);
    snprintf(out, WORKER_NAME_MAX, "%s:%d:%02x%02x%02x", host, (int)getpid(), r[0], r[1], r[2]);
}

int worker_start(dbpool *pool, const worker_options *opts, worker **out, em_error *err)
{
    *out = NULL;
    if (opts->concurrency < 1 || opts->lease_ms < 1000 || opts->n_kinds == 0)
        return em_error_set(err, EM_E_INVAL, "a worker needs handlers, at least one thread and a lease of 1 s or more");
    worker *w = em_calloc(1, sizeof *w);
    w->opts = *opts;
    w->kind_set = (job_kind_set){opts->kinds, opts->n_kinds};
    w->hooks = job_kind_hooks(&w->kind_set);
    if (w->opts.idle_poll_ms <= 0)
        w->opts.idle_poll_ms = 100;
    w->pool = pool;
    if (opts->name != NULL)
        snprintf(w->name, sizeof w->name, "%s", opts->name);
    else
        default_name(w->name);
    static const char *const default_queue[] = {"default"};
    const char *const *queues = opts->n_queues > 0 ? opts->queues : default_queue;
    w->n_queues = opts->n_queues > 0 ? opts->n_queues : 1;
    w->queues = em_calloc(w->n_queues, sizeof *w->queues);
    size_t o = 0;
    for (size_t i = 0; i < w->n_queues; i++) {
        if (!queue_name_valid(queues[i])) {
            free(w->queues);
            free(w);
            return em_error_set(err, EM_E_INVAL, "invalid queue name \"%.64s\"", queues[i]);
        }
        w->queues[i] = queues[i];
        o += (size_t)snprintf(w->queues_text + o, sizeof w->queues_text - o, "%s%s", i ? "," : "", queues[i]);
        if (o >= sizeof w->queues_text)
            o = sizeof w->queues_text - 1;
    }
    /* Say hello before the first claim: a worker that holds jobs is always in
     * the workers table (the keeper only renews the heartbeat). */
    db *d = NULL;
    em_error berr = {0};
    if (dbpool_get(pool, &d, &berr) != EM_OK ||
        queue_worker_beat(d, w->name, w->queues_text, opts->concurrency, clock_now_ms(), &berr) != EM_OK)
        log_msg(LOG_WARN, "worker %s: first heartbeat failed: %s", w->name, berr.msg);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->wake, NULL);
    w->runners = em_calloc((size_t)opts->concurrency, sizeof *w->runners);
    for (int i = 0; i < opts->concurrency; i++) {
        atomic_fetch_add(&w->active, 1);
        if (pthread_create(&w->runners[i], NULL, runner_main, w) != 0) {
            atomic_fetch_sub(&w->active, 1);
            break;
        }
        w->n_runners++;
    }
    w->keeper_started = pthread_create(&w->keeper, NULL, keeper_main, w) == 0;
    if (w->n_runners == 0 || !w->keeper_started) {
        worker_stop(w);
        return em_error_set(err, EM_E_INTERNAL, "cannot start the worker's threads");
    }
    log_emit(LOG_INFO, "worker started",
             json_pack("{s:s, s:s, s:i, s:i}", "worker", w->name, "queues", w->queues_text, "concurrency",
                       opts->concurrency, "lease_ms", (int)opts->lease_ms));
    *out = w;
    return EM_OK;
}

void worker_stop(worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stopping, true);
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->mu);
    int64_t deadline = clock_now_ms() + (int64_t)(w->opts.shutdown_grace_s > 0 ? w->opts.shutdown_grace_s : 0) * 1000;
    while (atomic_load(&w->active) > 0 && clock_now_ms() < deadline) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    bool all_done = atomic_load(&w->active) == 0;
    if (w->keeper_started)
        pthread_join(w->keeper, NULL);
    em_error err = {0};
    db *d = NULL;
    if (dbpool_get(w->pool, &d, &err) == EM_OK) {
        if (!all_done) {
            /* Runners still in a handler past the grace period: give their jobs
             * back now (the attempt stays counted: a job in its last attempt is
             * buried) rather than leave them to expire. */
            if (queue_release(d, w->name, &w->hooks, &err) == EM_OK)
                log_msg(LOG_WARN, "worker %s: grace period over; running jobs released to the queue", w->name);
        }
        queue_worker_stopped(d, w->name, &err);
    }
    log_emit(LOG_INFO, "worker stopped", json_pack("{s:s, s:b}", "worker", w->name, "drained", all_done));
    if (!all_done)
        return; /* runners may still touch w: the process is exiting, leave it */
    for (int i = 0; i < w->n_runners; i++)
        pthread_join(w->runners[i], NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->wake);
    free(w->runners);
    free(w->queues);
    free(w);
}

const char *worker_name(const worker *w)
{
    return w->name;
}
