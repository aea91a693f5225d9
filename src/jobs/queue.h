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
 * Every finished attempt is a row in job_runs. */
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

typedef struct job_spec {
    const char *queue;        /* "default" when NULL */
    const char *kind;         /* the handler's name, required */
    const char *payload;      /* JSON text; "{}" when NULL */
    int priority;             /* higher runs first; default 0 */
    int64_t run_at_ms;        /* not before (epoch ms); 0: now */
    int max_attempts;         /* 1..100; 0: 5 */
    const char *unique_key;   /* optional: a second enqueue with the same key is a no-op */
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

/* ---- producing ---- */
/* Enqueue one job; its id goes to id_out (may be NULL). EM_E_INVAL for a bad
 * spec (with a message safe to show). With unique_key, an existing job with the
 * same key means nothing is added and its id is returned. Runs in the caller's
 * transaction when one is open. */
int queue_enqueue(db *d, const job_spec *spec, char id_out[JOB_ID_LEN + 1] /* OUT */, em_error *err);
/* Enqueue many in one transaction (faster for bulk producers). */
int queue_enqueue_many(db *d, const job_spec *specs, size_t n, em_error *err);

/* ---- consuming ---- */
/* Claim up to `max` runnable jobs of `queues` (n_queues names) for `worker`,
 * leasing them for lease_ms. Fills out[0..*n); free each with job_cleanup.
 * Expired leases are reclaimed here (their attempt counted). */
int queue_claim(db *d, const char *worker, const char *const *queues, size_t n_queues, int max,
                int64_t lease_ms, job *out /* OUT */, size_t *n /* OUT */, em_error *err);
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
 * retry_base_ms), or dead when attempts == max_attempts. A job no longer locked by `worker`
 * (its lease expired and someone else took it) is left alone: *stale counts
 * those. Each attempt gets a job_runs row. */
int queue_finish(db *d, const char *worker, const job_result *results, size_t n, int64_t retry_base_ms,
                 size_t *stale /* OUT */, em_error *err);
/* Extend the leases of every running job of `worker` to now + lease_ms. */
int queue_renew(db *d, const char *worker, int64_t lease_ms, em_error *err);
/* Give back the running jobs of `worker` without counting their attempt
 * (graceful shutdown that could not finish them). */
int queue_release(db *d, const char *worker, em_error *err);

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
/* A failed or dead job back to queued now with attempts reset (EM_E_CONFLICT
 * for a running or succeeded one, EM_E_NOT_FOUND when absent). */
int queue_retry(db *d, const char *id, em_error *err);
/* Remove a job and its runs (EM_E_CONFLICT while running). */
int queue_delete(db *d, const char *id, em_error *err);
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
