/* area_fixture: what the tests of the area modules (accounts, authz,
 * materials, study, the worker) share on top of db_fixture.h: each case on a
 * migrated database of its own, on SQLite and on PostgreSQL (BOTH), accounts
 * made straight in SQL (so em_jobs' tests need no em_auth), principals, row
 * counts, and polling for a state another thread reaches. Include once per
 * test file, after cmocka.h. */
#ifndef EM_TESTS_AREA_FIXTURE_H
#define EM_TESTS_AREA_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/token.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"

#include "db_fixture.h"

/* A case on each backend; the PostgreSQL one is skipped without EM_TEST_PG_URL. */
#define BOTH(fn)                                                                                             \
    {"sqlite_" #fn, fn, setup, teardown, (void *)&kind_sqlite},                                              \
    {                                                                                                        \
        "pg_" #fn, fn, setup, teardown, (void *)&kind_pg                                                     \
    }

/* Logs on stderr with EM_TEST_LOG=1, else only what breaks (and not shown). */
static inline void area_log_setup(void)
{
    bool on = getenv("EM_TEST_LOG") != NULL;
    log_configure(on ? LOG_DEBUG : LOG_ERROR, on ? 2 : -1);
}

/* The case's fixture (skips the PostgreSQL case without a server), migrated. */
static inline fixture *area_db(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    if (migrate_up(f->d, 0, NULL, &err) != EM_OK)
        fail_msg("migrate: %s", err.msg);
    return f;
}

/* Run SQL without parameters; fails the case on error. */
static inline void area_exec(db *d, const char *sql)
{
    em_error err = {0};
    if (db_exec(d, sql, &err) != EM_OK)
        fail_msg("%s: %s", sql, err.msg);
}

/* Run one statement with text parameters; fails the case on error. */
static inline void area_run(db *d, const char *sql, const char *const *params, int n)
{
    em_error err = {0};
    int rc = db_run(d, sql, params, n, &err);
    if (rc < 0)
        fail_msg("%s: %d %s", sql, rc, err.msg);
}

/* The integer in the first column of the first row of a query with text
 * parameters (a NULL entry binds NULL): counts, flags. */
static inline int64_t area_int(db *d, const char *sql, const char *const *params, int n)
{
    em_error err = {0};
    db_stmt *st = NULL;
    if (db_prepare(d, sql, &st, &err) != EM_OK)
        fail_msg("%s: %s", sql, err.msg);
    for (int i = 0; i < n; i++) {
        if (params[i] != NULL)
            db_bind_text(st, i + 1, params[i]);
        else
            db_bind_null(st, i + 1);
    }
    int rc = db_step(st, &err);
    if (rc != DB_ROW) {
        db_finalize(st);
        fail_msg("%s: %d %s", sql, rc, err.msg);
    }
    int64_t v = db_column_int64(st, 0);
    db_finalize(st);
    return v;
}

/* The text of the first column of the first row (owned, free with free()), or
 * NULL when there is no row or the value is NULL. */
static inline char *area_text(db *d, const char *sql, const char *const *params, int n)
{
    em_error err = {0};
    db_stmt *st = NULL;
    if (db_prepare(d, sql, &st, &err) != EM_OK)
        fail_msg("%s: %s", sql, err.msg);
    for (int i = 0; i < n; i++) {
        if (params[i] != NULL)
            db_bind_text(st, i + 1, params[i]);
        else
            db_bind_null(st, i + 1);
    }
    int rc = db_step(st, &err);
    char *v = rc == DB_ROW ? db_column_strdup(st, 0) : NULL;
    db_finalize(st);
    if (rc < 0)
        fail_msg("%s: %d %s", sql, rc, err.msg);
    return v;
}

/* An account made straight in the users table (no password); its id to id. */
static inline void area_user(db *d, const char *email, const char *role, char id[ID_UUID_LEN + 1])
{
    id_uuid7(id);
    const char *p[] = {id, email, role};
    area_run(d, "INSERT INTO users (id, email, display_name, role) VALUES ($1, $2, $2, $3)", p, 3);
}

/* Who a request speaks for: the user and the role they have now. */
static inline principal area_principal(const char *user_id, const char *role)
{
    principal p;
    memset(&p, 0, sizeof p);
    snprintf(p.user_id, sizeof p.user_id, "%s", user_id);
    snprintf(p.role, sizeof p.role, "%s", role);
    return p;
}

static inline void area_sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Poll `done(ctx)` every 10 ms until it holds or timeout_ms passes; true when it
 * held. Waits for what other threads do are polled, never slept through. */
static inline bool area_wait(bool (*done)(void *ctx), void *ctx, int64_t timeout_ms)
{
    int64_t until = clock_now_ms() + timeout_ms;
    for (;;) {
        if (done(ctx))
            return true;
        if (clock_now_ms() >= until)
            return false;
        area_sleep_ms(10);
    }
}

/* ---- a storage directory of the case's own (tests that include
 * content/storage.h first) ---- */
#ifdef EM_CONTENT_STORAGE_H

typedef struct area_store {
    char dir[64]; /* the directory behind STORAGE_URL file://dir */
    storage *s;
} area_store;

static inline void area_store_open(area_store *st)
{
    snprintf(st->dir, sizeof st->dir, "/tmp/em_store_XXXXXX");
    assert_non_null(mkdtemp(st->dir));
    char url[96];
    snprintf(url, sizeof url, "file://%s", st->dir);
    storage_options o = {.url = url};
    em_error err = {0};
    if (storage_open(&o, &st->s, &err) != EM_OK)
        fail_msg("storage_open: %s", err.msg);
}

static inline void area_store_close(area_store *st)
{
    storage_close(st->s);
    nftw(st->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static size_t area_files_seen;

static inline int area_count_file(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)path;
    (void)sb;
    (void)ftw;
    if (flag == FTW_F)
        area_files_seen++;
    return 0;
}

/* Regular files anywhere under the storage directory. */
static inline size_t area_store_files(const area_store *st)
{
    area_files_seen = 0;
    nftw(st->dir, area_count_file, 16, FTW_PHYS);
    return area_files_seen;
}

#endif /* EM_CONTENT_STORAGE_H */

#endif
