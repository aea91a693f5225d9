/* queue: the durable job queue, a table in the application's database (no
 * broker to run). Producers enqueue; workers claim batches atomically, run them
 * under a lease, and record the outcome.
 *
 * Claiming: PostgreSQL uses UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
 * LOCKED), so any number of workers on any number of machines take disjoint
 * jobs; SQLite does the same UPDATE ... RETURNING in one short BEGIN IMMEDIATE
 * transaction. A claimed job is `running`, locked_by the worker, until
 * lease_expires_at; the worker renews leases while it runs them. A job whose
 * lease has expired (its worker died, kill -9) is claimable again, so nothing is
 * lost; handlers are written to be idempotent because of exactly this.
 *
 * Statuses: queued (waiting for run_at), running, succeeded, failed (an attempt
 * failed; it is waiting for its retry at run_at), dead (max_attempts used up,
 * kept for inspection). Retries back off exponentially with jitter.
 * Every finished attempt is a row in job_runs.
 *
 * Attempts: a claim counts one, and nothing gives it back. A job whose worker
 * died (its lease expired), that failed, or that was released at shutdown
 * during its max_attempts-th attempt is dead.
 *
 * Fairness: a job may have an owner (the user it works for). Claims take
 * jobs in (priority, fair_at) order, where fair_at is the enqueue time for a
 * job without an owner and, for an owned one, one quantum (an hour) after the
 * owner's latest unfinished job: owners take turns (a newcomer's job goes
 * before the second of someone else's), whatever order they enqueued in, and
 * since fair_at never moves, no job waits forever. One claim takes at most one
 * job per owner, so nobody's backlog sits in one worker's batch.
 *
 * Giving up: a job that will never finish (buried dead, or deleted by an
 * operator before it finished) may need its kind to say so (an upload's
 * material marked failed). The queue calls queue_hooks.gave_up inside the
 * transaction that buries or deletes it; when that step fails, the burial
 * stands and the step is owed (gave_up_due), tried again by later claims of
 * the job's queue until it succeeds, never lost. */
#ifndef EM_JOBS_QUEUE_H
#define EM_JOBS_QUEUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

#define JOB_ID_LEN 36
#define JOB_NAME_MAX 64      /* queue and kind names: [a-z0-9._-], 1..64 */
#define JOB_ERROR_MAX 1000   /* last_error is cut to this many bytes */
#define JOB_OWNER_MAX 64     /* owner ids: 1..64 printable ASCII bytes */

typedef struct job_spec {
    const char *queue;        /* "default" when NULL */
    const char *kind;         /* the handler's name, required */
    const char *payload;      /* JSON text; "{}" when NULL */
    int priority;             /* higher runs first; default 0 */
    int64_t run_at_ms;        /* not before (epoch ms); 0: now */
    int max_attempts;         /* 1..100; 0: 5 */
    const char *unique_key;   /* optional: a second enqueue with the same key is a no-op */
    const char *owner;        /* optional: the user the job works for; owners take turns */
} job_spec;

/* A claimed job, as a worker sees it. Strings are owned by the struct. */
typedef struct job {
    char id[JOB_ID_LEN + 1];
    char queue[JOB_NAME_MAX + 1];
    char kind[JOB_NAME_MAX + 1];
    char *payload;            /* owned JSON text */
    int attempts;             /* including this one */
    int max_attempts;
} job;

/* A job's full row, for operators (CLI, admin API). */
typedef struct job_info {
    char id[JOB_ID_LEN + 1];
    char queue[JOB_NAME_MAX + 1];
    char kind[JOB_NAME_MAX + 1];
    char status[16];
    char owner_id[JOB_OWNER_MAX + 1]; /* "" when none */
    bool gave_up_owed;                /* dead, and its kind's gave-up step has not run yet */
    int priority, attempts, max_attempts;
    char run_at[40], created_at[40], updated_at[40], finished_at[40]; /* ISO-8601, "" when NULL */
    char locked_by[128];
    char lease_expires_at[40];
    char *payload;            /* owned */
    char *last_error;         /* owned, NULL when none */
} job_info;

/* Per-queue counts and timings for /api/workers/stats. */
typedef struct queue_stats {
    char queue[JOB_NAME_MAX + 1];
    int64_t queued, running, succeeded, failed, dead;
    double throughput_per_min;   /* jobs finished (succeeded) in the last 5 minutes / 5 */
    double p50_ms, p95_ms;       /* run time of attempts finished in the last hour */
} queue_stats;

/* True for a valid queue or kind name. */
bool queue_name_valid(const char *name);

/* ---- what a kind does when its job ends without succeeding ---- */

/* Steps the queue runs for the kind of a job, with the connection and inside
 * the transaction of the operation that calls them (a level of their own:
 * a failure undoes only what the step did). `j` and its strings are borrowed
 * for the call. The worker builds these from its job kinds (worker.h,
 * job_kind_hooks); NULL hooks, or a NULL step, do nothing. */
typedef struct queue_hooks {
    /* The job will never finish: it was buried (dead: its last attempt
     * failed, its worker was lost, or it was released at shutdown during its
     * last attempt) or deleted before it finished. `reason` says why, safe to
     * show (the last error, or "deleted by an operator"). Idempotent: it may
     * run again after a crash. On failure a burial stands and the step is
     * owed (tried again by later claims); a deletion is refused. */
    int (*gave_up)(void *ctx, db *d, const job *j, const char *reason, em_error *err);
    /* An operator sent a failed or dead job back to its queue (queue_retry);
     * on failure the retry is refused. */
    int (*requeued)(void *ctx, db *d, const job *j, em_error *err);
    void *ctx;
} queue_hooks;

/* How long an owed gave-up step waits after a failure before it is tried again. */
#define QUEUE_GAVE_UP_RETRY_MS 60000

/* ---- producing ---- */
/* Enqueue one job; its id goes to id_out (may be NULL). EM_E_INVAL for a bad
 * spec (with a message safe to show). With unique_key, an existing job with the
 * same key means nothing is added and its id is returned. Runs in the caller's
 * transaction when one is open. An owned job's fair_at is read from the
 * owner's unfinished jobs (one indexed read more). */
int queue_enqueue(db *d, const job_spec *spec, char id_out[JOB_ID_LEN + 1] /* OUT */, em_error *err);
/* Enqueue many in one transaction (faster for bulk producers). */
int queue_enqueue_many(db *d, const job_spec *specs, size_t n, em_error *err);
/* How many of owner's jobs of `kind` have not finished: queued, running, or
 * failed and waiting for their retry (an indexed count). */
int queue_count_unfinished(db *d, const char *owner, const char *kind, int64_t *n /* OUT */, em_error *err);

/* ---- consuming ---- */
/* Claim up to `max` runnable jobs of `queues` (n_queues names) for `worker`,
 * leasing them for lease_ms, at most one per owner, in (priority, fair_at)
 * order. Fills out[0..*n) in that order; free each with job_cleanup. In the
 * same transaction, first: jobs whose lease expired (their worker was lost)
 * go back to be retried, or are buried when that was their last attempt; then
 * the gave-up steps owed by dead jobs of `queues` (those just buried among
 * them) run through `hooks` (may be NULL: nothing owed is settled). */
int queue_claim(db *d, const char *worker, const char *const *queues, size_t n_queues, int max,
                int64_t lease_ms, const queue_hooks *hooks, job *out /* OUT */, size_t *n /* OUT */,
                em_error *err);
void job_cleanup(job *j);

/* The outcome of one attempt. */
typedef struct job_result {
    const char *id;           /* the job */
    int attempts;             /* its attempt number (job.attempts) */
    int max_attempts;         /* job.max_attempts: a failure at the last attempt buries the job */
    bool ok;
    const char *error;        /* when !ok: what went wrong (cut to JOB_ERROR_MAX) */
    int64_t started_ms, finished_ms;
} job_result;

/* Record outcomes of jobs `worker` holds, in one transaction: success ->
 * succeeded; failure -> failed with run_at = now + queue_backoff_ms(attempts,
 * retry_base_ms), or dead when attempts == max_attempts, its gave-up step run
 * through `hooks` (may be NULL: owed) in the same transaction. A job no longer
 * locked by `worker` (its lease expired and someone else took it) is left
 * alone: *stale counts those. Each attempt gets a job_runs row. */
int queue_finish(db *d, const char *worker, const job_result *results, size_t n, int64_t retry_base_ms,
                 const queue_hooks *hooks, size_t *stale /* OUT */, em_error *err);
/* Extend the leases of every running job of `worker` to now + lease_ms. */
int queue_renew(db *d, const char *worker, int64_t lease_ms, em_error *err);
/* Give back the running jobs of `worker` (a graceful shutdown that could not
 * finish them), in one transaction: the attempt stays counted, so a job
 * released during its last attempt is buried, with its gave-up step (hooks,
 * may be NULL: owed); the others are queued again now. */
int queue_release(db *d, const char *worker, const queue_hooks *hooks, em_error *err);

/* ---- retry arithmetic ---- */
/* Delay before retry after `attempts` failed attempts: base_ms (2 s by
 * default, JOB_RETRY_BASE_MS) doubling each time, capped at 1 hour, with
 * +/-25% jitter from `random01` (0..1). Pure. */
int64_t queue_backoff_ms(int attempts, int64_t base_ms, double random01);

/* ---- operators ---- */
int queue_get(db *d, const char *id, job_info *out /* OUT */, em_error *err);
void job_info_cleanup(job_info *j);
/* Newest first; status and queue filters may be NULL. */
int queue_list(db *d, const char *status, const char *queue, int limit, int offset, job_info *out /* OUT */,
               size_t max, size_t *n /* OUT */, em_error *err);
/* How many jobs queue_list would list without limit and offset (the same
 * filters, either may be NULL). */
int queue_count(db *d, const char *status, const char *queue, int64_t *n /* OUT */, em_error *err);
/* A failed or dead job back to queued now with attempts reset, and its kind's
 * requeued step (hooks, may be NULL), in one transaction (EM_E_CONFLICT for a
 * queued, running or succeeded one, EM_E_NOT_FOUND when absent; the step's
 * error when it fails, and nothing changes). A gave-up step still owed is
 * dropped: the job is alive again. */
int queue_retry(db *d, const char *id, const queue_hooks *hooks, em_error *err);
/* Remove a job and its runs (EM_E_CONFLICT while running). A job that had not
 * finished (queued, failed, or dead with its gave-up step owed) will now never
 * finish: its kind's gave-up step runs first, in the same transaction, and
 * when it fails nothing is removed. */
int queue_delete(db *d, const char *id, const queue_hooks *hooks, em_error *err);
/* One entry per queue that has jobs; fills out[0..*n). */
int queue_stats_all(db *d, int64_t now_ms, queue_stats *out /* OUT */, size_t max, size_t *n /* OUT */,
                    em_error *err);

/* ---- workers table (heartbeats for /api/workers/health) ---- */
int queue_worker_beat(db *d, const char *worker, const char *queues, int concurrency, int64_t now_ms,
                      em_error *err);
int queue_worker_stopped(db *d, const char *worker, em_error *err);

typedef struct worker_info {
    char id[128];
    char queues[256];
    int concurrency;
    char started_at[40], heartbeat_at[40];
    double heartbeat_age_s;   /* seconds since the last heartbeat */
    bool stopped;             /* said goodbye (graceful stop) */
} worker_info;

/* Workers seen in the last `window_s` seconds (or still marked running),
 * newest heartbeat first. */
int queue_workers(db *d, int64_t now_ms, int window_s, worker_info *out /* OUT */, size_t max, size_t *n /* OUT */,
                  em_error *err);

#endif
