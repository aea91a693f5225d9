/* worker: runs jobs. A worker is a set of threads in one process (`exammentor
 * worker`, or embedded in `exammentor serve`): each thread claims a small batch
 * from its queues, runs the registered handler of each job's kind, and records
 * the outcomes; one housekeeping thread renews the leases of running jobs,
 * writes the heartbeat, and ticks the periodic scheduler.
 *
 * Handlers are plain functions; they must be idempotent (a job whose worker
 * died mid-run is run again after its lease expires). Stopping is graceful:
 * no new claims, running jobs finish within the grace period or are released
 * back to the queue. */
#ifndef EM_JOBS_WORKER_H
#define EM_JOBS_WORKER_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "db/db.h"
#include "jobs/queue.h"
#include "jobs/schedule.h"

/* What a handler gets: the job, its parsed payload (borrowed), a database
 * connection of the running thread, and its kind's context. */
typedef struct job_ctx {
    const job *job;
    json_t *payload;     /* borrowed */
    db *db;              /* borrowed: this thread's connection */
    void *env;           /* the job_kind's env: what the area that owns the kind gave it */
} job_ctx;

/* 0 on success; a negative code and a message in err to fail the attempt. */
typedef int (*job_handler)(job_ctx *ctx, em_error *err);

/* A kind of job and who runs it. Areas declare their own kinds (and their
 * typed env); the application composes them into a worker's list.
 *
 * The two optional steps run inside the queue's transaction (queue.h,
 * queue_hooks), with ctx->db that transaction's connection and ctx->payload
 * the job's (an empty object when it is not JSON). Both must be idempotent
 * and quick; an error refuses or postpones what the queue was doing, never
 * loses it. */
typedef struct job_kind {
    const char *kind;
    job_handler run;
    void *env; /* borrowed; handed to run (and the steps) as job_ctx.env */
    /* The job will never finish, however that came about: its last attempt
     * failed, its worker died (lease expired) or was shut down during its
     * last attempt, or an operator deleted it before it finished. `reason`
     * is safe to show (the last attempt's error, or what the queue saw).
     * NULL: nothing to do. */
    int (*gave_up)(job_ctx *ctx, const char *reason, em_error *err);
    /* An operator sent the failed or dead job back to its queue (jobs retry).
     * NULL: nothing to do. */
    int (*requeued)(job_ctx *ctx, em_error *err);
} job_kind;

/* A list of kinds, borrowed. */
typedef struct job_kind_set {
    const job_kind *kinds;
    size_t n;
} job_kind_set;

/* The queue hooks (queue.h) that run the gave_up and requeued steps of the
 * kinds in *set; a kind not in the set, or without the step, has nothing to
 * do. *set must outlive every call the hooks are passed to. Operators' calls
 * (queue_retry, queue_delete) take them too, from the application's kinds. */
queue_hooks job_kind_hooks(const job_kind_set *set);

typedef struct worker_options {
    const char *name;              /* NULL: "<host>:<pid>:<random>" */
    const char *const *queues;     /* names; NULL: every queue a handler exists for ("default") */
    size_t n_queues;
    int concurrency;               /* threads running jobs, >= 1 */
    int batch;                     /* jobs claimed per transaction, >= 1 */
    int64_t lease_ms;              /* lease per claim, renewed every lease_ms/3 */
    int64_t retry_base_ms;         /* first retry delay, doubling (queue_backoff_ms) */
    int64_t idle_poll_ms;          /* sleep when nothing is runnable */
    int shutdown_grace_s;          /* how long stop waits for running jobs */
    const job_kind *kinds;         /* the handlers, borrowed */
    size_t n_kinds;
    const schedule_def *schedules; /* periodic jobs (may be NULL), borrowed */
    const cron *crons;             /* their parsed expressions */
    size_t n_schedules;
} worker_options;

typedef struct worker worker;

/* Start the threads; connections come from `pool`. Free with worker_stop. */
int worker_start(dbpool *pool, const worker_options *opts, worker **out /* OUT */, em_error *err);
/* Graceful stop (see above): jobs still running after the grace period are
 * released (queue_release: a job in its last attempt is buried and its kind
 * gives up), then free. NULL is a no-op. */
void worker_stop(worker *w);
/* Look for jobs now instead of at the end of the idle poll: for producers in
 * the same process (an upload's extraction job). NULL is a no-op. */
void worker_wake(worker *w);
const char *worker_name(const worker *w);

#endif
