/* migrate: apply and revert the embedded schema migrations (see migrate.h).
 *
 * Each step is its own transaction: read the current version inside it, run one
 * migration's SQL, record or delete its schema_migrations row, commit. Reading
 * the version inside the transaction makes concurrent migrators safe on SQLite
 * (BEGIN IMMEDIATE takes the write lock first); on PostgreSQL a session-level
 * advisory lock held around the whole run does the same. */
#include "db/migrate.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/db_int.h"
#include "db/migrations_int.h"

/* pg_advisory_lock key shared by every exammentor migrator: "emmigrat" in ASCII. */
#define MIGRATE_LOCK_SQL "SELECT pg_advisory_lock(7308604897068083572)"
#define MIGRATE_UNLOCK_SQL "SELECT pg_advisory_unlock(7308604897068083572)"

static const migration_src *list_for(db_dialect dialect, size_t *n /* OUT */)
{
    if (dialect == DB_POSTGRES) {
        *n = migrate__pg_count;
        return migrate__pg_list;
    }
    *n = migrate__sqlite_count;
    return migrate__sqlite_list;
}

int migrate_latest(db_dialect dialect)
{
    size_t n = 0;
    list_for(dialect, &n);
    return (int)n;
}

/* The highest recorded version, 0 when schema_migrations does not exist. */
static int read_version(db *d, int *version, em_error *err)
{
    bool exists = false;
    db_stmt *st = NULL;
    *version = 0;
    int rc = db__table_exists(d, "schema_migrations", &exists, err);
    if (rc != EM_OK || !exists)
        return rc;
    rc = db_prepare(d, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &st, err);
    if (rc != EM_OK)
        return rc;
    rc = db_step(st, err);
    if (rc == DB_ROW) {
        *version = (int)db_column_int64(st, 0);
        rc = EM_OK;
    }
    db_finalize(st);
    return rc;
}

int migrate_current(db *d, int *version, em_error *err)
{
    assert(d != NULL && version != NULL);
    return read_version(d, version, err);
}

/* Serialise migrators on PostgreSQL; SQLite needs nothing beyond BEGIN IMMEDIATE. */
static int take_lock(db *d, em_error *err)
{
    if (db_dialect_of(d) != DB_POSTGRES)
        return EM_OK;
    return db_exec(d, MIGRATE_LOCK_SQL, err);
}

static void drop_lock(db *d)
{
    if (db_dialect_of(d) == DB_POSTGRES)
        db_exec(d, MIGRATE_UNLOCK_SQL, NULL);
}

static int newer_schema(db *d, int current, size_t known, em_error *err)
{
    log_msg(LOG_ERROR,
            "migrate: the database is at schema version %d but this binary knows only %zu",
            current, known);
    return em_error_set(err, EM_E_CONFIG,
                        "the database schema (version %d) is newer than this binary "
                        "supports (version %zu); refusing to run an older binary on a newer "
                        "schema",
                        current, known);
}

/* Log a finished step with its duration. */
static void log_step(db *d, const char *what, const migration_src *m, int64_t start_us)
{
    json_t *f = json_object();
    json_object_set_new(f, "version", json_integer(m->version));
    json_object_set_new(f, "name", json_string(m->name));
    json_object_set_new(f, "dialect",
                        json_string(db_dialect_of(d) == DB_POSTGRES ? "postgres" : "sqlite"));
    json_object_set_new(f, "duration_ms", json_integer((clock_mono_us() - start_us) / 1000));
    log_emit(LOG_INFO, what, f);
}

/* Turn a failed step into "migration 0002_study_topics failed: ..." and log it
 * (the backend has already logged the database's own message). */
static int step_failed(const migration_src *m, const char *direction, int rc,
                       const em_error *cause, em_error *err)
{
    json_t *f = json_object();
    json_object_set_new(f, "version", json_integer(m->version));
    json_object_set_new(f, "name", json_string(m->name));
    json_object_set_new(f, "direction", json_string(direction));
    json_object_set_new(f, "error", json_string(em_strerror(rc)));
    log_emit(LOG_ERROR, "migration failed; rolled back", f);
    return em_error_set(err, rc, "migration %04d_%s failed: %s (details in the log)",
                        m->version, m->name, cause->msg[0] != '\0' ? cause->msg : em_strerror(rc));
}

/* Run one migration's up inside the open transaction and record it. */
static int apply_up(db *d, const migration_src *m, em_error *err)
{
    char now[32];
    db_stmt *st = NULL;
    em_error cause = {0};
    int rc = db_exec(d, m->up, &cause);
    if (rc != EM_OK)
        return step_failed(m, "up", rc, &cause, err);
    rc = db_prepare(d,
                    "INSERT INTO schema_migrations (version, name, applied_at) "
                    "VALUES ($1, $2, $3)",
                    &st, &cause);
    if (rc == EM_OK) {
        clock_iso8601(clock_now_ms(), now);
        db_bind_int64(st, 1, m->version);
        db_bind_text(st, 2, m->name);
        db_bind_text(st, 3, now);
        rc = db_step(st, &cause);
        db_finalize(st);
    }
    if (rc != EM_OK)
        return step_failed(m, "up", rc, &cause, err);
    return EM_OK;
}

/* Delete one migration's row and run its down inside the open transaction. */
static int apply_down(db *d, const migration_src *m, em_error *err)
{
    db_stmt *st = NULL;
    em_error cause = {0};
    int rc = db_prepare(d, "DELETE FROM schema_migrations WHERE version = $1", &st, &cause);
    if (rc == EM_OK) {
        db_bind_int64(st, 1, m->version);
        rc = db_step(st, &cause);
        db_finalize(st);
    }
    if (rc == EM_OK)
        rc = db_exec(d, m->down, &cause);
    if (rc != EM_OK)
        return step_failed(m, "down", rc, &cause, err);
    return EM_OK;
}

static void check_list(const migration_src *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert(list[i].version == (int)i + 1 && list[i].up != NULL && list[i].down != NULL);
    (void)list;
    (void)n;
}

int migrate__up_sources(db *d, const migration_src *list, size_t n, int target, int *applied,
                        em_error *err)
{
    int rc = EM_OK;
    int count = 0;
    int current = 0;
    assert(d != NULL);
    check_list(list, n);
    if (target <= 0)
        target = (int)n;
    if ((size_t)target > n) {
        rc = em_error_set(err, EM_E_INVAL, "there is no migration %d (the latest is %zu)", target,
                          n);
        goto done;
    }
    rc = take_lock(d, err);
    if (rc != EM_OK)
        goto done; /* nothing to release */
    for (;;) {
        rc = db_begin(d, err);
        if (rc != EM_OK)
            goto unlock;
        rc = read_version(d, &current, err);
        if (rc == EM_OK && current > (int)n)
            rc = newer_schema(d, current, n, err);
        if (rc != EM_OK || current >= target) {
            db_rollback(d);
            goto unlock; /* rc is EM_OK when everything up to target is applied */
        }
        const migration_src *m = &list[current];
        int64_t start = clock_mono_us();
        rc = apply_up(d, m, err);
        if (rc == EM_OK)
            rc = db_commit(d, err);
        if (rc != EM_OK) {
            db_rollback(d);
            goto unlock;
        }
        log_step(d, "migration applied", m, start);
        count++;
    }
unlock:
    drop_lock(d);
done:
    if (applied != NULL)
        *applied = count;
    return rc;
}

int migrate__down_sources(db *d, const migration_src *list, size_t n, int steps, int *reverted,
                          em_error *err)
{
    int rc = EM_OK;
    int count = 0;
    int current = 0;
    assert(d != NULL);
    check_list(list, n);
    if (steps < 1) {
        rc = em_error_set(err, EM_E_INVAL, "the number of migrations to revert must be at least 1");
        goto done;
    }
    rc = take_lock(d, err);
    if (rc != EM_OK)
        goto done; /* nothing to release */
    while (count < steps) {
        rc = db_begin(d, err);
        if (rc != EM_OK)
            goto unlock;
        rc = read_version(d, &current, err);
        if (rc == EM_OK && current > (int)n)
            rc = newer_schema(d, current, n, err);
        if (rc != EM_OK || current == 0) {
            db_rollback(d);
            goto unlock; /* rc is EM_OK when nothing is left to revert */
        }
        const migration_src *m = &list[current - 1];
        int64_t start = clock_mono_us();
        rc = apply_down(d, m, err);
        if (rc == EM_OK)
            rc = db_commit(d, err);
        if (rc != EM_OK) {
            db_rollback(d);
            goto unlock;
        }
        log_step(d, "migration reverted", m, start);
        count++;
    }
unlock:
    drop_lock(d);
done:
    if (reverted != NULL)
        *reverted = count;
    return rc;
}

int migrate__status_sources(db *d, const migration_src *list, size_t n, migration_info *out,
                            size_t max, size_t *count, em_error *err)
{
    bool exists = false;
    db_stmt *st = NULL;
    size_t filled = n < max ? n : max;
    assert(d != NULL && count != NULL && (out != NULL || max == 0));
    *count = 0;
    for (size_t i = 0; i < filled; i++) {
        out[i].version = list[i].version;
        out[i].name = list[i].name;
        out[i].applied = false;
        out[i].applied_at[0] = '\0';
    }
    int rc = db__table_exists(d, "schema_migrations", &exists, err);
    if (rc != EM_OK)
        return rc;
    if (exists) {
        rc = db_prepare(d, "SELECT version, applied_at FROM schema_migrations ORDER BY version",
                        &st, err);
        if (rc != EM_OK)
            return rc;
        for (;;) {
            rc = db_step(st, err);
            if (rc != DB_ROW)
                break;
            int64_t v = db_column_int64(st, 0);
            if (v < 1 || (uint64_t)v > filled)
                continue;
            const char *at = db_column_text(st, 1);
            out[v - 1].applied = true;
            snprintf(out[v - 1].applied_at, sizeof out[v - 1].applied_at, "%s",
                     at != NULL ? at : "");
        }
        db_finalize(st);
        if (rc != DB_DONE)
            return rc;
    }
    *count = filled;
    return EM_OK;
}

int migrate_up(db *d, int target, int *applied, em_error *err)
{
    size_t n = 0;
    const migration_src *list = list_for(db_dialect_of(d), &n);
    return migrate__up_sources(d, list, n, target, applied, err);
}

int migrate_down(db *d, int steps, int *reverted, em_error *err)
{
    size_t n = 0;
    const migration_src *list = list_for(db_dialect_of(d), &n);
    return migrate__down_sources(d, list, n, steps, reverted, err);
}

int migrate_status(db *d, migration_info *out, size_t max, size_t *n, em_error *err)
{
    size_t count = 0;
    const migration_src *list = list_for(db_dialect_of(d), &count);
    return migrate__status_sources(d, list, count, out, max, n, err);
}

int migrate_check_ready(db *d, migrate_readiness *out, em_error *err)
{
    int64_t t0 = clock_mono_us();
    int rc = db_ping(d, err);
    if (rc == EM_OK)
        rc = migrate_current(d, &out->schema_version, err);
    if (rc != EM_OK)
        return rc;
    out->backend = db_dialect_of(d) == DB_SQLITE ? "sqlite" : "postgresql";
    out->latest_version = migrate_latest(db_dialect_of(d));
    out->latency_ms = (double)(clock_mono_us() - t0) / 1000.0;
    return EM_OK;
}

int migrate_latest_of(const db *d)
{
    return migrate_latest(db_dialect_of(d));
}
