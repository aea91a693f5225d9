/* queue: see queue.h. Timestamps are bound as ISO-8601 UTC text, which both
 * backends compare as time (SQLite as text of one fixed shape, PostgreSQL by
 * casting to timestamptz). */
#include "jobs/queue.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/mem.h"

#define PAYLOAD_MAX (256 * 1024)
#define BACKOFF_CAP_MS (3600 * 1000)
/* An owned job queues this long after its owner's latest unfinished one: long
 * enough that owners take turns whatever their backlogs (queue.h). */
#define QUEUE_FAIR_QUANTUM_MS ((int64_t)3600 * 1000)

bool queue_name_valid(const char *name)
{
    if (name == NULL)
        return false;
    size_t n = strlen(name);
    if (n == 0 || n > JOB_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static void iso(int64_t ms, char out[32])
{
    clock_iso8601(ms, out);
}

/* Epoch ms of an ISO-8601 UTC text of our one shape ("2026-11-21T23:52:11.123Z",
 * what both backends hand out); false when it is not one. */
static bool iso_ms(const char *t, int64_t *out)
{
    struct tm tm = {0};
    int ms = 0;
    if (t == NULL || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm) * 1000 + ms;
    return true;
}

/* ---- producing ---- */

static bool owner_valid(const char *owner)
{
    size_t n = strlen(owner);
    if (n == 0 || n > JOB_OWNER_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (owner[i] <= 0x20 || owner[i] >= 0x7f)
            return false;
    }
    return true;
}

static int check_spec(const job_spec *s, em_error *err)
{
    if (s->queue != NULL && !queue_name_valid(s->queue))
        return em_error_set(err, EM_E_INVAL, "queue names are 1-%d characters of a-z 0-9 . _ -", JOB_NAME_MAX);
    if (!queue_name_valid(s->kind))
        return em_error_set(err, EM_E_INVAL, "job kinds are 1-%d characters of a-z 0-9 . _ -", JOB_NAME_MAX);
    if (s->max_attempts < 0 || s->max_attempts > 100)
        return em_error_set(err, EM_E_INVAL, "max_attempts must be 1-100");
    if (s->payload != NULL) {
        size_t n = strlen(s->payload);
        if (n > PAYLOAD_MAX)
            return em_error_set(err, EM_E_TOO_LARGE, "a job payload is at most %d KiB", PAYLOAD_MAX / 1024);
        json_error_t jerr;
        json_t *j = json_loadb(s->payload, n, JSON_REJECT_DUPLICATES, &jerr);
        if (j == NULL)
            return em_error_set(err, EM_E_INVAL, "the payload is not JSON: %s", jerr.text);
        json_decref(j);
    }
    if (s->unique_key != NULL && (s->unique_key[0] == '\0' || strlen(s->unique_key) > 200))
        return em_error_set(err, EM_E_INVAL, "unique_key must be 1-200 bytes");
    if (s->owner != NULL && !owner_valid(s->owner))
        return em_error_set(err, EM_E_INVAL, "an owner is 1-%d printable ASCII characters", JOB_OWNER_MAX);
    return EM_OK;
}

/* The owner's latest unfinished job: what the next one queues behind. */
static const char owner_last_sql[] =
    "SELECT max(fair_at) FROM jobs WHERE owner_id = $1 AND status IN ('queued', 'running', 'failed')";

/* Where a job goes in the claim order (queue.h, "Fairness"): when it may run,
 * or, for an owned job, one quantum after the owner's latest unfinished job
 * if that is later. */
static int fair_at_of(db *d, const job_spec *s, int64_t run_at_ms, char out[32], em_error *err)
{
    int64_t fair = run_at_ms;
    if (s->owner != NULL) {
        db_stmt *st = NULL;
        int rc = db_prepare_cached(d, owner_last_sql, &st, err);
        if (rc == EM_OK)
            rc = db_bind_text(st, 1, s->owner);
        int64_t last = 0;
        if (db_next(st, &rc, err) && iso_ms(db_column_text(st, 0), &last) &&
            last + QUEUE_FAIR_QUANTUM_MS > fair)
            fair = last + QUEUE_FAIR_QUANTUM_MS;
        db_finalize(st);
        if (rc != EM_OK && rc != DB_DONE)
            return rc;
    }
    iso(fair, out);
    return EM_OK;
}

/* Insert one job with a prepared statement (reused by enqueue_many). */
static int insert_job(db *d, db_stmt *st, const job_spec *s, int64_t now_ms, char id[JOB_ID_LEN + 1],
                      em_error *err)
{
    char run_at[32], now[32], fair_at[32];
    int64_t run_at_ms = s->run_at_ms > 0 ? s->run_at_ms : now_ms;
    id_uuid7(id);
    iso(run_at_ms, run_at);
    iso(now_ms, now);
    int rc = fair_at_of(d, s, run_at_ms, fair_at, err);
    if (rc != EM_OK)
        return rc;
    db_reset(st);
    rc = db_bind_text(st, 1, id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, s->queue ? s->queue : "default");
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, s->kind);
    if (rc == EM_OK)
        rc = db_bind_text(st, 4, s->payload ? s->payload : "{}");
    if (rc == EM_OK)
        rc = db_bind_int64(st, 5, s->priority);
    if (rc == EM_OK)
        rc = db_bind_text(st, 6, run_at);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 7, s->max_attempts > 0 ? s->max_attempts : 5);
    if (rc == EM_OK)
        rc = s->unique_key ? db_bind_text(st, 8, s->unique_key) : db_bind_null(st, 8);
    if (rc == EM_OK)
        rc = db_bind_text(st, 9, now);
    if (rc == EM_OK)
        rc = s->owner ? db_bind_text(st, 10, s->owner) : db_bind_null(st, 10);
    if (rc == EM_OK)
        rc = db_bind_text(st, 11, fair_at);
    if (rc == EM_OK)
        rc = db_step(st, err);
    return rc == DB_DONE ? EM_OK : rc;
}

static const char insert_sql[] =
    "INSERT INTO jobs (id, queue, kind, payload, priority, run_at, max_attempts, unique_key, created_at, "
    "updated_at, owner_id, fair_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11) "
    "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING";

int queue_enqueue(db *d, const job_spec *spec, char id_out[JOB_ID_LEN + 1], em_error *err)
{
    int rc = check_spec(spec, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    char id[JOB_ID_LEN + 1];
    rc = db_prepare_cached(d, insert_sql, &st, err);
    if (rc == EM_OK)
        rc = insert_job(d, st, spec, clock_now_ms(), id, err);
    db_finalize(st);
    if (rc != EM_OK)
        return rc;
    if (spec->unique_key != NULL && db_changes(d) == 0) {
        /* already there: report the existing job */
        rc = db_prepare(d, "SELECT id FROM jobs WHERE unique_key = $1", &st, err);
        if (rc == EM_OK)
            rc = db_bind_text(st, 1, spec->unique_key);
        if (db_next(st, &rc, err))
            snprintf(id, sizeof id, "%s", db_column_text(st, 0));
        else if (rc == EM_OK)
            rc = em_error_set(err, EM_E_INTERNAL, "a job with that unique_key vanished");
        db_finalize(st);
    }
    if (rc == EM_OK && id_out != NULL)
        memcpy(id_out, id, sizeof id);
    return rc;
}

int queue_enqueue_many(db *d, const job_spec *specs, size_t n, em_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = check_spec(&specs[i], err);
        if (rc != EM_OK)
            return rc;
    }
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d, insert_sql, &st, err);
    int64_t now = clock_now_ms();
    for (size_t i = 0; rc == EM_OK && i < n; i++) {
        char id[JOB_ID_LEN + 1];
        rc = insert_job(d, st, &specs[i], now, id, err);
    }
    db_finalize(st);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

int queue_count_unfinished(db *d, const char *owner, const char *kind, int64_t *n, em_error *err)
{
    *n = 0;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT count(*) FROM jobs WHERE owner_id = $1 AND kind = $2 "
                               "AND status IN ('queued', 'running', 'failed')",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, owner);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, kind);
    if (db_next(st, &rc, err))
        *n = db_column_int64(st, 0);
    db_finalize(st);
    return rc;
}

/* ---- consuming ---- */

void job_cleanup(job *j)
{
    if (j != NULL) {
        free(j->payload);
        j->payload = NULL;
    }
}

/* The claim's queue list: a JSON array for SQLite's json_each, an array literal
 * for PostgreSQL's ANY (names are validated, so neither needs escaping). */
static int queue_list_param(db_dialect dialect, const char *const *queues, size_t n, buf *out, em_error *err)
{
    buf_append_str(out, dialect == DB_SQLITE ? "[" : "{");
    for (size_t i = 0; i < n; i++) {
        if (!queue_name_valid(queues[i]))
            return em_error_set(err, EM_E_INVAL, "invalid queue name");
        if (buf_printf(out, dialect == DB_SQLITE ? "%s\"%s\"" : "%s%s", i ? "," : "", queues[i]) != EM_OK)
            return em_error_set(err, EM_E_TOO_LARGE, "too many queues");
    }
    buf_append_str(out, dialect == DB_SQLITE ? "]" : "}");
    return EM_OK;
}

/* Why the queue itself ended an attempt, as last_error; a gave-up step passes
 * them on to users, so they say what happened in their terms. */
#define LOST_ATTEMPT "the worker running it stopped responding (its lease expired) during the attempt"
#define LOST_LAST_ATTEMPT                                                                                    \
    "the worker running it stopped responding (its lease expired) during its last attempt"
#define RELEASED_LAST_ATTEMPT "the worker running it was shut down during its last attempt"
#define DELETED_BY_OPERATOR "its job was deleted by an operator before it finished"

/* ---- giving up (queue.h, "Giving up") ---- */

/* A job's row as the hooks see it: columns id, queue, kind, payload, attempts,
 * max_attempts, and last_error (owned into *why, NULL when none). */
#define JOB_ROW_COLUMNS "id, queue, kind, payload, attempts, max_attempts, last_error"

static void read_job(db_stmt *st, job *j, char **why)
{
    memset(j, 0, sizeof *j);
    const char *t;
    snprintf(j->id, sizeof j->id, "%s", db_column_text(st, 0));
    snprintf(j->queue, sizeof j->queue, "%s", db_column_text(st, 1));
    snprintf(j->kind, sizeof j->kind, "%s", db_column_text(st, 2));
    j->payload = em_strdup((t = db_column_text(st, 3)) != NULL ? t : "{}");
    j->attempts = (int)db_column_int64(st, 4);
    j->max_attempts = (int)db_column_int64(st, 5);
    *why = db_column_strdup(st, 6);
}

static const char load_job_sql[] = "SELECT " JOB_ROW_COLUMNS " FROM jobs WHERE id = $1";

/* Job `id` as the hooks see it; free with job_cleanup and free(*why). */
static int load_job(db *d, const char *id, job *j, char **why, em_error *err)
{
    memset(j, 0, sizeof *j);
    *why = NULL;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, load_job_sql, &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, id);
    if (db_next(st, &rc, err))
        read_job(st, j, why);
    else if (rc == EM_OK)
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such job");
    db_finalize(st);
    return rc;
}

/* Run the gave-up step of buried job j, in a level of its own, and clear
 * what it owed (without hooks it stays owed). When the step fails, its level is undone and the step is
 * postponed by QUEUE_GAVE_UP_RETRY_MS: the burial stands and a later claim
 * tries again. An error returned is the database's, for the caller's
 * transaction to roll back (the burial with it, so nothing is lost then
 * either). */
static int give_up(db *d, const queue_hooks *h, const job *j, const char *reason, em_error *err)
{
    if (h == NULL)
        return EM_OK; /* owed, for a caller with hooks */
    em_error serr = {0};
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    if (h->gave_up != NULL)
        rc = h->gave_up(h->ctx, d, j, reason != NULL ? reason : "it will never finish", &serr);
    if (rc == EM_OK) {
        const char *p[] = {j->id};
        rc = db_run_cached(d, "UPDATE jobs SET gave_up_due = NULL WHERE id = $1", p, 1, &serr);
    }
    if (rc == EM_OK)
        rc = db_commit(d, &serr);
    if (rc == EM_OK)
        return EM_OK;
    db_rollback(d);
    log_emit(LOG_WARN, "job gave-up step failed",
             json_pack("{s:s, s:s, s:s, s:i}", "job_id", j->id, "kind", j->kind, "error",
                       serr.msg[0] ? serr.msg : em_strerror(rc), "retry_in_s",
                       QUEUE_GAVE_UP_RETRY_MS / 1000));
    char later[32];
    iso(clock_now_ms() + QUEUE_GAVE_UP_RETRY_MS, later);
    const char *p[] = {later, j->id};
    return db_run_cached(d, "UPDATE jobs SET gave_up_due = $1 WHERE id = $2", p, 2, err);
}

/* give_up for the job with this id, read back first (it was just buried). */
static int give_up_id(db *d, const queue_hooks *h, const char *id, em_error *err)
{
    if (h == NULL)
        return EM_OK;
    job j;
    char *why = NULL;
    int rc = load_job(d, id, &j, &why, err);
    if (rc == EM_OK)
        rc = give_up(d, h, &j, why, err);
    job_cleanup(&j);
    free(why);
    return rc;
}

#define OWED_BATCH 16
#define OWED_HEAD "SELECT " JOB_ROW_COLUMNS " FROM jobs WHERE gave_up_due IS NOT NULL AND gave_up_due <= $2 "
static const char owed_sqlite_one[] = OWED_HEAD "AND queue = $1 ORDER BY gave_up_due LIMIT 16";
static const char owed_sqlite_many[] =
    OWED_HEAD "AND queue IN (SELECT value FROM json_each($1)) ORDER BY gave_up_due LIMIT 16";
static const char owed_pg_one[] =
    OWED_HEAD "AND queue = $1 ORDER BY gave_up_due LIMIT 16 FOR UPDATE SKIP LOCKED";
static const char owed_pg_many[] =
    OWED_HEAD "AND queue = ANY($1::text[]) ORDER BY gave_up_due LIMIT 16 FOR UPDATE SKIP LOCKED";

/* Run the gave-up steps owed now by dead jobs of the claimer's queues
 * (`queue` is queues[0] or the list parameter), a few at a time: those the
 * reclaim just buried, and those whose step failed before. */
static int settle_owed(db *d, const queue_hooks *h, bool one, const char *queue, const char *now,
                       em_error *err)
{
    bool sqlite = db_dialect_of(d) == DB_SQLITE;
    job owed[OWED_BATCH];
    char *why[OWED_BATCH];
    size_t n = 0;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d, one ? (sqlite ? owed_sqlite_one : owed_pg_one) : (sqlite ? owed_sqlite_many : owed_pg_many), &st,
        err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, queue);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, now);
    while (db_next(st, &rc, err)) {
        if (n < OWED_BATCH) {
            read_job(st, &owed[n], &why[n]);
            n++;
        }
    }
    db_finalize(st);
    for (size_t i = 0; rc == EM_OK && i < n; i++)
        rc = give_up(d, h, &owed[i], why[i], err);
    for (size_t i = 0; i < n; i++) {
        job_cleanup(&owed[i]);
        free(why[i]);
    }
    return rc;
}

/* Jobs whose worker vanished (lease passed): their attempt is lost; retry them
 * now, or bury them when it was their last (their gave-up step owed now).
 * *buried counts those. */
static int reclaim_expired(db *d, const char *now, int64_t *buried, em_error *err)
{
    const char *params[] = {now};
    int rc =
        db_run_cached(d,
                      "UPDATE jobs SET status = 'dead', finished_at = $1, updated_at = $1, gave_up_due = $1, "
                      "locked_by = NULL, lease_expires_at = NULL, last_error = '" LOST_LAST_ATTEMPT "' "
                      "WHERE status = 'running' AND lease_expires_at < $1 AND attempts >= max_attempts",
                      params, 1, err);
    *buried = rc == EM_OK ? db_changes(d) : 0;
    if (rc == EM_OK)
        rc = db_run_cached(
            d,
            "UPDATE jobs SET status = 'failed', run_at = $1, updated_at = $1, locked_by = NULL, "
            "lease_expires_at = NULL, last_error = '" LOST_ATTEMPT "' "
            "WHERE status = 'running' AND lease_expires_at < $1",
            params, 1, err);
    return rc;
}

/* Is anything runnable or any lease expired (first column), and is a
 * gave-up step of these queues due (second; NULL, read as false, when none
 * is owed)? A read, before taking a lock, in one round trip; a claim looks
 * for owed steps only when one is due. The earliest due time is compared
 * after the min(), which walks the small partial index of owed jobs
 * whatever the parameters, so PostgreSQL keeps one generic plan for the
 * prepared probe (a `gave_up_due <= $2` inside made its generic plan scan
 * the whole table on every poll). */
#define PROBE_OWED(queue_is)                                                                                 \
    ", (SELECT min(gave_up_due) FROM jobs WHERE gave_up_due IS NOT NULL AND " queue_is ") <= $2"
static const char probe_one[] =
    "SELECT EXISTS (SELECT 1 FROM jobs WHERE (status IN ('queued', 'failed') AND queue = $1 AND run_at <= $2) "
    "OR (status = 'running' AND lease_expires_at < $2))" PROBE_OWED("queue = $1");
static const char probe_sqlite_many[] =
    "SELECT EXISTS (SELECT 1 FROM jobs WHERE (status IN ('queued', 'failed') AND queue IN (SELECT value FROM "
    "json_each($1)) AND run_at <= $2) OR (status = 'running' AND lease_expires_at < $2))"
    PROBE_OWED("queue IN (SELECT value FROM json_each($1))");
static const char probe_pg_many[] =
    "SELECT EXISTS (SELECT 1 FROM jobs WHERE (status IN ('queued', 'failed') AND queue = ANY($1::text[]) "
    "AND run_at <= $2) OR (status = 'running' AND lease_expires_at < $2))" PROBE_OWED("queue = ANY($1::text[])");

/* The claims. The candidates are the first `max` runnable jobs in the partial
 * index's own order (queue, priority DESC, fair_at), so a claim reads `max`
 * index entries instead of sorting every runnable job; of those, each owner's
 * first is taken (a job without an owner is its own). PostgreSQL locks the
 * candidates with SKIP LOCKED, so concurrent claimers take disjoint jobs.
 * With one queue (the usual case) the condition is `queue = $4`; with several
 * the database merges them. */
#define CLAIM_HEAD                                                                                           \
    "UPDATE jobs SET status = 'running', locked_by = $1, lease_expires_at = $2, attempts = attempts + 1, "   \
    "updated_at = $3 WHERE status IN ('queued', 'failed') AND id IN (SELECT id FROM (SELECT id, "            \
    "row_number() OVER (PARTITION BY coalesce(owner_id, id) ORDER BY priority DESC, fair_at) AS turn "       \
    "FROM (SELECT id, owner_id, priority, fair_at FROM jobs WHERE status IN ('queued', 'failed') "           \
    "AND run_at <= $3 "
#define CLAIM_TAIL ") AS candidates) AS turns WHERE turn = 1) RETURNING id, queue, kind, "
#define CLAIM_ORDER "ORDER BY priority DESC, fair_at LIMIT $5"

static const char claim_sqlite_one[] =
    CLAIM_HEAD "AND queue = $4 " CLAIM_ORDER CLAIM_TAIL "payload, attempts, max_attempts, priority, fair_at";
static const char claim_sqlite_many[] =
    CLAIM_HEAD "AND queue IN (SELECT value FROM json_each($4)) " CLAIM_ORDER CLAIM_TAIL
               "payload, attempts, max_attempts, priority, fair_at";
static const char claim_pg_one[] =
    CLAIM_HEAD "AND queue = $4 " CLAIM_ORDER " FOR UPDATE SKIP LOCKED" CLAIM_TAIL
               "payload::text, attempts, max_attempts, priority, fair_at";
static const char claim_pg_many[] =
    CLAIM_HEAD "AND queue = ANY($4::text[]) " CLAIM_ORDER " FOR UPDATE SKIP LOCKED" CLAIM_TAIL
               "payload::text, attempts, max_attempts, priority, fair_at";

/* A claimed job with its place in the claim order. */
typedef struct claimed {
    job j;
    int priority;
    char fair_at[40];
} claimed;

static int cmp_claimed(const void *a, const void *b)
{
    const claimed *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    return strcmp(x->fair_at, y->fair_at);
}

int queue_claim(db *d, const char *worker, const char *const *queues, size_t n_queues, int max,
                int64_t lease_ms, const queue_hooks *hooks, job *out, size_t *n, em_error *err)
{
    *n = 0;
    if (max < 1 || n_queues == 0)
        return em_error_set(err, EM_E_INVAL, "nothing to claim from");
    db_dialect dialect = db_dialect_of(d);
    buf qlist;
    buf_init(&qlist, 4096);
    int rc = queue_list_param(dialect, queues, n_queues, &qlist, err);
    if (rc != EM_OK) {
        buf_cleanup(&qlist);
        return rc;
    }
    const char *qparam = n_queues == 1 ? queues[0] : qlist.data;
    int64_t now_ms = clock_now_ms();
    char now[32], lease[32];
    iso(now_ms, now);
    iso(now_ms + lease_ms, lease);
    db_stmt *st = NULL;
    claimed *got = NULL;
    size_t k = 0;
    /* A read first: idle workers polling an empty queue must not take the
     * write lock (SQLite has one per database) every poll. */
    bool work = false, owed = false;
    rc = db_prepare_cached(d,
                           n_queues == 1          ? probe_one
                           : dialect == DB_SQLITE ? probe_sqlite_many
                                                  : probe_pg_many,
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, qparam);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, now);
    if (db_next(st, &rc, err)) {
        work = db_column_bool(st, 0);
        owed = hooks != NULL && db_column_bool(st, 1);
    }
    db_finalize(st);
    st = NULL;
    if (rc != EM_OK || (!work && !owed))
        goto out; /* the error, or nothing to do */
    rc = db_begin(d, err);
    if (rc != EM_OK)
        goto out;
    int64_t buried = 0;
    rc = reclaim_expired(d, now, &buried, err);
    if (rc == EM_OK && hooks != NULL && (owed || buried > 0))
        rc = settle_owed(d, hooks, n_queues == 1, qparam, now, err);
    if (rc == EM_OK)
        rc = db_prepare_cached(d,
                               n_queues == 1 ? (dialect == DB_SQLITE ? claim_sqlite_one : claim_pg_one)
                                             : (dialect == DB_SQLITE ? claim_sqlite_many : claim_pg_many),
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, worker);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, lease);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, now);
    if (rc == EM_OK)
        rc = db_bind_text(st, 4, qparam);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 5, max);
    got = em_calloc((size_t)max, sizeof *got);
    while (db_next(st, &rc, err)) {
        if (k >= (size_t)max)
            continue; /* cannot happen (LIMIT); keep the statement draining */
        claimed *c = &got[k++];
        const char *t;
        snprintf(c->j.id, sizeof c->j.id, "%s", db_column_text(st, 0));
        snprintf(c->j.queue, sizeof c->j.queue, "%s", db_column_text(st, 1));
        snprintf(c->j.kind, sizeof c->j.kind, "%s", db_column_text(st, 2));
        c->j.payload = em_strdup((t = db_column_text(st, 3)) != NULL ? t : "{}");
        c->j.attempts = (int)db_column_int64(st, 4);
        c->j.max_attempts = (int)db_column_int64(st, 5);
        c->priority = (int)db_column_int64(st, 6);
        snprintf(c->fair_at, sizeof c->fair_at, "%s", (t = db_column_text(st, 7)) != NULL ? t : "");
    }
    db_finalize(st);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK) {
        db_rollback(d);
        for (size_t i = 0; i < k; i++)
            job_cleanup(&got[i].j);
        goto out;
    }
    /* RETURNING comes in no particular order: run them in the claim's. */
    qsort(got, k, sizeof *got, cmp_claimed);
    for (size_t i = 0; i < k; i++)
        out[i] = got[i].j;
    *n = k;
out:
    free(got);
    buf_cleanup(&qlist);
    return rc;
}

int64_t queue_backoff_ms(int attempts, int64_t base_ms, double random01)
{
    if (attempts < 1)
        attempts = 1;
    if (attempts > 40)
        attempts = 40; /* past the cap long before; keeps pow() finite */
    double delay = (double)base_ms * pow(2.0, (double)(attempts - 1));
    if (delay > BACKOFF_CAP_MS)
        delay = BACKOFF_CAP_MS;
    if (random01 < 0.0)
        random01 = 0.0;
    if (random01 > 1.0)
        random01 = 1.0;
    return (int64_t)(delay * (0.75 + 0.5 * random01));
}

/* A uniform number in [0, 1) for jitter. */
static double jitter01(void)
{
    uint32_t r = 0;
    id_random_bytes(&r, sizeof r);
    return (double)r / 4294967296.0;
}

int queue_finish(db *d, const char *worker, const job_result *results, size_t n, int64_t retry_base_ms,
                 const queue_hooks *hooks, size_t *stale, em_error *err)
{
    size_t lost = 0;
    int64_t now_ms = clock_now_ms();
    char now[32];
    iso(now_ms, now);
    db_stmt *ok = NULL, *bad = NULL, *run = NULL;
    const char **buried = em_calloc(n > 0 ? n : 1, sizeof *buried);
    size_t n_buried = 0;
    int rc = db_begin(d, err);
    if (rc != EM_OK) {
        free(buried);
        return rc;
    }
    rc = db_prepare_cached(d,
                    "UPDATE jobs SET status = 'succeeded', locked_by = NULL, lease_expires_at = NULL, "
                    "last_error = NULL, finished_at = $3, updated_at = $3 "
                    "WHERE id = $1 AND locked_by = $2 AND status = 'running'",
                    &ok, err);
    if (rc == EM_OK)
        rc =
            db_prepare_cached(d,
                              "UPDATE jobs SET status = $6, finished_at = $7, gave_up_due = $7, run_at = $4, "
                              "last_error = $5, locked_by = NULL, lease_expires_at = NULL, updated_at = $3 "
                              "WHERE id = $1 AND locked_by = $2 AND status = 'running'",
                              &bad, err);
    if (rc == EM_OK)
        rc = db_prepare_cached(d,
                        "INSERT INTO job_runs (id, job_id, attempt, worker, status, error, started_at, finished_at, "
                        "duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        &run, err);
    for (size_t i = 0; rc == EM_OK && i < n; i++) {
        const job_result *r = &results[i];
        char error[JOB_ERROR_MAX + 1] = "";
        if (!r->ok)
            snprintf(error, sizeof error, "%s", r->error != NULL && r->error[0] ? r->error : "failed");
        db_stmt *st = r->ok ? ok : bad;
        /* The last attempt buries the job; otherwise it waits for its retry. */
        bool dead = !r->ok && r->attempts >= r->max_attempts;
        db_reset(st);
        rc = db_bind_text(st, 1, r->id);
        if (rc == EM_OK)
            rc = db_bind_text(st, 2, worker);
        if (rc == EM_OK)
            rc = db_bind_text(st, 3, now);
        if (rc == EM_OK && !r->ok) {
            char retry_at[32];
            iso(now_ms + queue_backoff_ms(r->attempts, retry_base_ms, jitter01()), retry_at);
            rc = db_bind_text(st, 4, retry_at);
            if (rc == EM_OK)
                rc = db_bind_text(st, 5, error);
            if (rc == EM_OK)
                rc = db_bind_text(st, 6, dead ? "dead" : "failed");
            if (rc == EM_OK)
                rc = dead ? db_bind_text(st, 7, now) : db_bind_null(st, 7);
        }
        if (rc == EM_OK)
            rc = db_step(st, err);
        if (rc != DB_DONE)
            break;
        if (db_changes(d) == 0) {
            lost++; /* not ours any more: its lease expired and it moved on */
            continue;
        }
        if (dead)
            buried[n_buried++] = r->id;
        char run_id[JOB_ID_LEN + 1], started[32], finished[32];
        id_uuid7(run_id);
        iso(r->started_ms, started);
        iso(r->finished_ms, finished);
        db_reset(run);
        rc = db_bind_text(run, 1, run_id);
        if (rc == EM_OK)
            rc = db_bind_text(run, 2, r->id);
        if (rc == EM_OK)
            rc = db_bind_int64(run, 3, r->attempts);
        if (rc == EM_OK)
            rc = db_bind_text(run, 4, worker);
        if (rc == EM_OK)
            rc = db_bind_text(run, 5, r->ok ? "succeeded" : "failed");
        if (rc == EM_OK)
            rc = r->ok ? db_bind_null(run, 6) : db_bind_text(run, 6, error);
        if (rc == EM_OK)
            rc = db_bind_text(run, 7, started);
        if (rc == EM_OK)
            rc = db_bind_text(run, 8, finished);
        if (rc == EM_OK)
            rc = db_bind_double(run, 9, (double)(r->finished_ms - r->started_ms));
        if (rc == EM_OK)
            rc = db_step(run, err);
    }
    db_finalize(ok);
    db_finalize(bad);
    db_finalize(run);
    /* The buried jobs' kinds give up in the same transaction. */
    for (size_t i = 0; rc == EM_OK && i < n_buried; i++)
        rc = give_up_id(d, hooks, buried[i], err);
    free(buried);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK) {
        db_rollback(d);
        return rc;
    }
    if (stale != NULL)
        *stale = lost;
    return EM_OK;
}

int queue_renew(db *d, const char *worker, int64_t lease_ms, em_error *err)
{
    char lease[32];
    iso(clock_now_ms() + lease_ms, lease);
    const char *params[] = {lease, worker};
    int rc = db_run(d, "UPDATE jobs SET lease_expires_at = $1 WHERE locked_by = $2 AND status = 'running'", params, 2,
                    err);
    return rc == DB_DONE ? EM_OK : rc;
}

int queue_release(db *d, const char *worker, const queue_hooks *hooks, em_error *err)
{
    char now[32];
    iso(clock_now_ms(), now);
    char **buried = NULL;
    size_t n_buried = 0, cap = 0;
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    /* The claim counted the attempt and it stays counted: a job that was in
     * its last attempt is buried, the others go back to the queue. */
    db_stmt *st = NULL;
    rc = db_prepare(d,
                    "UPDATE jobs SET status = 'dead', finished_at = $1, updated_at = $1, gave_up_due = $1, "
                    "locked_by = NULL, lease_expires_at = NULL, last_error = '" RELEASED_LAST_ATTEMPT "' "
                    "WHERE locked_by = $2 AND status = 'running' AND attempts >= max_attempts RETURNING id",
                    &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, now);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, worker);
    while (db_next(st, &rc, err)) {
        if (n_buried == cap) {
            cap = cap > 0 ? 2 * cap : 8;
            buried = em_realloc(buried, cap * sizeof *buried);
        }
        buried[n_buried++] = em_strdup(db_column_text(st, 0));
    }
    db_finalize(st);
    if (rc == EM_OK) {
        const char *params[] = {now, worker};
        rc = db_run(
            d,
            "UPDATE jobs SET status = 'queued', locked_by = NULL, lease_expires_at = NULL, run_at = $1, "
            "updated_at = $1 WHERE locked_by = $2 AND status = 'running'",
            params, 2, err);
    }
    for (size_t i = 0; rc == EM_OK && i < n_buried; i++)
        rc = give_up_id(d, hooks, buried[i], err);
    for (size_t i = 0; i < n_buried; i++)
        free(buried[i]);
    free(buried);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

/* ---- operators ---- */

#define INFO_COLUMNS                                                                                         \
    "id, queue, kind, status, priority, attempts, max_attempts, run_at, created_at, updated_at, "            \
    "finished_at, "                                                                                          \
    "locked_by, lease_expires_at, payload, last_error, owner_id, gave_up_due IS NOT NULL"

static void read_info(db_stmt *st, job_info *j)
{
    memset(j, 0, sizeof *j);
    const char *t;
    snprintf(j->id, sizeof j->id, "%s", db_column_text(st, 0));
    snprintf(j->queue, sizeof j->queue, "%s", db_column_text(st, 1));
    snprintf(j->kind, sizeof j->kind, "%s", db_column_text(st, 2));
    snprintf(j->status, sizeof j->status, "%s", db_column_text(st, 3));
    j->priority = (int)db_column_int64(st, 4);
    j->attempts = (int)db_column_int64(st, 5);
    j->max_attempts = (int)db_column_int64(st, 6);
    snprintf(j->run_at, sizeof j->run_at, "%s", (t = db_column_text(st, 7)) ? t : "");
    snprintf(j->created_at, sizeof j->created_at, "%s", (t = db_column_text(st, 8)) ? t : "");
    snprintf(j->updated_at, sizeof j->updated_at, "%s", (t = db_column_text(st, 9)) ? t : "");
    snprintf(j->finished_at, sizeof j->finished_at, "%s", (t = db_column_text(st, 10)) ? t : "");
    snprintf(j->locked_by, sizeof j->locked_by, "%s", (t = db_column_text(st, 11)) ? t : "");
    snprintf(j->lease_expires_at, sizeof j->lease_expires_at, "%s", (t = db_column_text(st, 12)) ? t : "");
    j->payload = em_strdup((t = db_column_text(st, 13)) ? t : "{}");
    j->last_error = db_column_strdup(st, 14);
    snprintf(j->owner_id, sizeof j->owner_id, "%s", (t = db_column_text(st, 15)) ? t : "");
    j->gave_up_owed = db_column_bool(st, 16);
}

void job_info_cleanup(job_info *j)
{
    if (j != NULL) {
        free(j->payload);
        free(j->last_error);
        j->payload = j->last_error = NULL;
    }
}

int queue_get(db *d, const char *id, job_info *out, em_error *err)
{
    if (!id_is_uuid(id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such job");
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "SELECT " INFO_COLUMNS " FROM jobs WHERE id = $1",
                        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_info(st, out);
        rc = EM_OK;
    } else if (rc == DB_DONE) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such job");
    }
    db_finalize(st);
    return rc;
}

int queue_list(db *d, const char *status, const char *queue, int limit, int offset, job_info *out, size_t max,
               size_t *n, em_error *err)
{
    *n = 0;
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "SELECT " INFO_COLUMNS " FROM jobs WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) "
                        "AND (CAST($2 AS TEXT) IS NULL OR queue = $2) ORDER BY id DESC LIMIT $3 OFFSET $4",
                        &st, err);
    if (rc == EM_OK)
        rc = status ? db_bind_text(st, 1, status) : db_bind_null(st, 1);
    if (rc == EM_OK)
        rc = queue ? db_bind_text(st, 2, queue) : db_bind_null(st, 2);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 3, limit);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 4, offset);
    while (db_next(st, &rc, err)) {
        if (*n < max)
            read_info(st, &out[(*n)++]);
    }
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

int queue_count(db *d, const char *status, const char *queue, int64_t *n, em_error *err)
{
    *n = 0;
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "SELECT count(*) FROM jobs WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) "
                        "AND (CAST($2 AS TEXT) IS NULL OR queue = $2)",
                        &st, err);
    if (rc == EM_OK)
        rc = status ? db_bind_text(st, 1, status) : db_bind_null(st, 1);
    if (rc == EM_OK)
        rc = queue ? db_bind_text(st, 2, queue) : db_bind_null(st, 2);
    if (db_next(st, &rc, err))
        *n = db_column_int64(st, 0);
    db_finalize(st);
    return rc;
}

/* EM_E_CONFLICT when the job exists (it was in the wrong state), else EM_E_NOT_FOUND. */
static int why_unchanged(db *d, const char *id, const char *doing, em_error *err)
{
    int rc = db_run(d, "SELECT 1 FROM jobs WHERE id = $1", &id, 1, err);
    if (rc == DB_ROW)
        return em_error_set(err, EM_E_CONFLICT, "the job cannot be %s in its current state", doing);
    if (rc == DB_DONE)
        return em_error_set(err, EM_E_NOT_FOUND, "no such job");
    return rc;
}

int queue_retry(db *d, const char *id, const queue_hooks *hooks, em_error *err)
{
    if (!id_is_uuid(id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such job");
    char now[32];
    iso(clock_now_ms(), now);
    const char *params[] = {now, id};
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    /* Alive again: a gave-up step still owed no longer applies, and it queues
     * now, behind nobody's backlog. */
    rc =
        db_run(d,
               "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $1, fair_at = $1, updated_at = $1, "
               "finished_at = NULL, gave_up_due = NULL WHERE id = $2 AND status IN ('failed', 'dead')",
               params, 2, err);
    bool changed = rc == EM_OK && db_changes(d) > 0;
    if (changed && hooks != NULL && hooks->requeued != NULL) {
        job j;
        char *why = NULL;
        rc = load_job(d, id, &j, &why, err);
        if (rc == EM_OK)
            rc = hooks->requeued(hooks->ctx, d, &j, err);
        job_cleanup(&j);
        free(why);
    }
    if (rc == EM_OK && changed)
        rc = db_commit(d, err);
    else
        db_rollback(d);
    if (rc != EM_OK)
        return rc;
    return changed ? EM_OK : why_unchanged(d, id, "retried", err);
}

/* What a deletion returns of the row: whether the job had finished, and the
 * job as the hooks see it. */
static const char delete_sql[] =
    "DELETE FROM jobs WHERE id = $1 AND status <> 'running' RETURNING " JOB_ROW_COLUMNS ", "
    "status IN ('queued', 'failed') OR gave_up_due IS NOT NULL";

int queue_delete(db *d, const char *id, const queue_hooks *hooks, em_error *err)
{
    if (!id_is_uuid(id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such job");
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    job j;
    char *why = NULL;
    bool deleted = false, unfinished = false;
    memset(&j, 0, sizeof j);
    rc = db_prepare(d, delete_sql, &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, id);
    if (db_next(st, &rc, err)) {
        deleted = true;
        read_job(st, &j, &why);
        unfinished = db_column_bool(st, 7);
    }
    db_finalize(st);
    /* It will never finish now: its kind gives up first, or nothing is removed. */
    if (rc == EM_OK && unfinished && hooks != NULL && hooks->gave_up != NULL)
        rc = hooks->gave_up(hooks->ctx, d, &j, DELETED_BY_OPERATOR, err);
    job_cleanup(&j);
    free(why);
    if (rc == EM_OK && deleted)
        rc = db_commit(d, err);
    else
        db_rollback(d);
    if (rc != EM_OK)
        return rc;
    return deleted ? EM_OK : why_unchanged(d, id, "deleted", err);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0.0;
    size_t rank = (size_t)ceil(p * (double)n);
    return v[rank == 0 ? 0 : rank - 1];
}

#define STATS_SAMPLE_MAX 100000

int queue_stats_all(db *d, int64_t now_ms, queue_stats *out, size_t max, size_t *n, em_error *err)
{
    *n = 0;
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "SELECT queue, "
                        "SUM(CASE WHEN status = 'queued' THEN 1 ELSE 0 END), "
                        "SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END), "
                        "SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END), "
                        "SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), "
                        "SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) "
                        "FROM jobs GROUP BY queue ORDER BY queue",
                        &st, err);
    while (db_next(st, &rc, err)) {
        if (*n >= max)
            continue;
        queue_stats *q = &out[(*n)++];
        memset(q, 0, sizeof *q);
        snprintf(q->queue, sizeof q->queue, "%s", db_column_text(st, 0));
        q->queued = db_column_int64(st, 1);
        q->running = db_column_int64(st, 2);
        q->succeeded = db_column_int64(st, 3);
        q->failed = db_column_int64(st, 4);
        q->dead = db_column_int64(st, 5);
    }
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    /* run times of the last hour, per queue, sorted: percentiles in C so both
     * backends compute them the same way */
    char hour_ago[32], five_ago[32];
    iso(now_ms - 3600 * 1000, hour_ago);
    iso(now_ms - 300 * 1000, five_ago);
    double *sample = em_malloc(sizeof *sample * STATS_SAMPLE_MAX);
    for (size_t i = 0; i < *n; i++) {
        queue_stats *q = &out[i];
        size_t m = 0;
        int64_t recent = 0;
        rc = db_prepare(d,
                        "SELECT r.duration_ms, r.finished_at >= $3 FROM job_runs r JOIN jobs j ON j.id = r.job_id "
                        "WHERE j.queue = $1 AND r.finished_at >= $2 AND r.status = 'succeeded' "
                        "ORDER BY r.finished_at DESC LIMIT 100000",
                        &st, err);
        if (rc == EM_OK)
            rc = db_bind_text(st, 1, q->queue);
        if (rc == EM_OK)
            rc = db_bind_text(st, 2, hour_ago);
        if (rc == EM_OK)
            rc = db_bind_text(st, 3, five_ago);
        while (db_next(st, &rc, err)) {
            sample[m++] = db_column_double(st, 0);
            recent += db_column_bool(st, 1);
        }
        db_finalize(st);
        if (rc != DB_DONE)
            break;
        rc = EM_OK;
        qsort(sample, m, sizeof *sample, cmp_double);
        q->p50_ms = percentile(sample, m, 0.50);
        q->p95_ms = percentile(sample, m, 0.95);
        q->throughput_per_min = (double)recent / 5.0;
    }
    free(sample);
    return rc;
}

/* ---- workers ---- */

int queue_worker_beat(db *d, const char *worker, const char *queues, int concurrency, int64_t now_ms, em_error *err)
{
    char now[32];
    iso(now_ms, now);
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "INSERT INTO workers (id, queues, concurrency, started_at, heartbeat_at) "
                        "VALUES ($1, $2, $3, $4, $4) ON CONFLICT (id) DO UPDATE SET heartbeat_at = $4, "
                        "stopped_at = NULL",
                        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, worker);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, queues);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 3, concurrency);
    if (rc == EM_OK)
        rc = db_bind_text(st, 4, now);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

int queue_worker_stopped(db *d, const char *worker, em_error *err)
{
    char now[32];
    iso(clock_now_ms(), now);
    const char *params[] = {now, worker};
    int rc = db_run(d, "UPDATE workers SET stopped_at = $1 WHERE id = $2", params, 2, err);
    return rc == DB_DONE ? EM_OK : rc;
}

/* Seconds between two ISO-8601 UTC texts of our one shape. */
static double iso_age_s(const char *then, int64_t now_ms)
{
    int64_t t = 0;
    if (!iso_ms(then, &t))
        return -1.0;
    return (double)(now_ms - t) / 1000.0;
}

int queue_workers(db *d, int64_t now_ms, int window_s, worker_info *out, size_t max, size_t *n, em_error *err)
{
    *n = 0;
    char since[32];
    iso(now_ms - (int64_t)window_s * 1000, since);
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "SELECT id, queues, concurrency, started_at, heartbeat_at, stopped_at IS NOT NULL "
                        "FROM workers WHERE heartbeat_at >= $1 ORDER BY heartbeat_at DESC",
                        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, since);
    while (db_next(st, &rc, err)) {
        if (*n >= max)
            continue;
        worker_info *w = &out[(*n)++];
        snprintf(w->id, sizeof w->id, "%s", db_column_text(st, 0));
        snprintf(w->queues, sizeof w->queues, "%s", db_column_text(st, 1));
        w->concurrency = (int)db_column_int64(st, 2);
        snprintf(w->started_at, sizeof w->started_at, "%s", db_column_text(st, 3));
        snprintf(w->heartbeat_at, sizeof w->heartbeat_at, "%s", db_column_text(st, 4));
        w->stopped = db_column_bool(st, 5);
        w->heartbeat_age_s = iso_age_s(w->heartbeat_at, now_ms);
    }
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}
