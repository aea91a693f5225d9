/* test_db: the db.h interface on both backends.
 *
 * Every case runs twice: on SQLite (a fresh file in a mkdtemp directory) and on
 * PostgreSQL (a fresh schema in the database of EM_TEST_PG_URL, dropped
 * afterwards). Without EM_TEST_PG_URL the PostgreSQL cases are skipped, unless
 * EM_REQUIRE_PG=1, when they fail. EM_TEST_LOG=1 shows the JSON logs on stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/ids.h"
#include "core/log.h"
#include "db/db.h"

/* ---- fixture: one fresh database per case ---- */

#include "db_fixture.h"

static void exec_ok(db *d, const char *sql)
{
    em_error err = {0};
    int rc = db_exec(d, sql, &err);
    if (rc != EM_OK)
        fail_msg("db_exec failed: %d %s", rc, err.msg);
}

static void make_items(db *d)
{
    exec_ok(d, "CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT, x DOUBLE PRECISION, "
               "b BOOLEAN, s TEXT)");
}

/* One-row, one-column query returning an integer. */
static int64_t query_int(db *d, const char *sql)
{
    db_stmt *st = NULL;
    em_error err = {0};
    assert_int_equal(db_prepare(d, sql, &st, &err), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    int64_t v = db_column_int64(st, 0);
    db_finalize(st);
    return v;
}

static int insert_item(db *d, const char *id, int64_t n, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare(d, "INSERT INTO items (id, n) VALUES ($1, $2)", &st, err);
    assert_int_equal(rc, EM_OK);
    assert_int_equal(db_bind_text(st, 1, id), EM_OK);
    assert_int_equal(db_bind_int64(st, 2, n), EM_OK);
    rc = db_step(st, err);
    db_finalize(st);
    return rc;
}

/* ---- cases ---- */

static void test_db_exec_several_statements(void **state)
{
    fixture *f = fx(state);
    exec_ok(f->d, "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);");
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM a"), 2);
    assert_int_equal(db_dialect_of(f->d), f->kind);
    em_error err = {0};
    assert_int_equal(db_exec(f->d, "THIS IS NOT SQL", &err), EM_E_DB);
    assert_int_equal(err.code, EM_E_DB);
    assert_null(strstr(err.msg, "THIS IS NOT SQL"));
}

static void test_db_bind_and_columns(void **state)
{
    fixture *f = fx(state);
    db_stmt *st = NULL;
    em_error err = {0};
    const char *unicode = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac "
                          "\xf0\x9f\x8e\x93 'quoted' \"double\" $1 back\\slash";
    struct {
        const char *id;
        int64_t n;
        double x;
        bool b;
        const char *s;
    } rows[] = {
        {"min", INT64_MIN, -1e300, false, unicode},
        {"max", INT64_MAX, 3.141592653589793, true, ""},
        {"zero", 0, 0.1, true, "plain"},
    };
    make_items(f->d);
    assert_int_equal(
        db_prepare(f->d, "INSERT INTO items (id, n, x, b, s) VALUES ($1, $2, $3, $4, $5)", &st, &err), EM_OK);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(db_bind_text(st, 1, rows[i].id), EM_OK);
        assert_int_equal(db_bind_int64(st, 2, rows[i].n), EM_OK);
        assert_int_equal(db_bind_double(st, 3, rows[i].x), EM_OK);
        assert_int_equal(db_bind_bool(st, 4, rows[i].b), EM_OK);
        assert_int_equal(db_bind_text(st, 5, rows[i].s), EM_OK);
        assert_int_equal(db_step(st, &err), DB_DONE);
        assert_int_equal(db_changes(f->d), 1);
        db_reset(st);
    }
    db_finalize(st);

    assert_int_equal(db_prepare(f->d, "SELECT id, n, x, b, s FROM items WHERE id = $1", &st, &err), EM_OK);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(db_bind_text(st, 1, rows[i].id), EM_OK);
        assert_int_equal(db_step(st, &err), DB_ROW);
        assert_int_equal(db_column_count(st), 5);
        assert_string_equal(db_column_name(st, 0), "id");
        assert_string_equal(db_column_name(st, 4), "s");
        assert_null(db_column_name(st, 5));
        assert_string_equal(db_column_text(st, 0), rows[i].id);
        assert_true(db_column_int64(st, 1) == rows[i].n);
        assert_true(db_column_double(st, 2) == rows[i].x);
        assert_int_equal(db_column_bool(st, 3), rows[i].b);
        assert_int_equal(db_column_int64(st, 3), rows[i].b ? 1 : 0);
        assert_string_equal(db_column_text(st, 4), rows[i].s);
        assert_false(db_column_is_null(st, 4));
        assert_null(db_column_text(st, 9)); /* out of range */
        assert_int_equal(db_step(st, &err), DB_DONE);
        assert_null(db_column_text(st, 0)); /* no current row */
        db_reset(st);
    }
    db_finalize(st);
}

static void test_db_nulls(void **state)
{
    fixture *f = fx(state);
    db_stmt *st = NULL;
    em_error err = {0};
    make_items(f->d);
    assert_int_equal(
        db_prepare(f->d, "INSERT INTO items (id, n, x, b, s) VALUES ($1, $2, $3, $4, $5)", &st, &err), EM_OK);
    assert_int_equal(db_bind_text(st, 1, "n"), EM_OK);
    assert_int_equal(db_bind_null(st, 2), EM_OK);
    assert_int_equal(db_bind_null(st, 3), EM_OK);
    assert_int_equal(db_bind_text(st, 4, NULL), EM_OK); /* NULL text is SQL NULL */
    /* $5 left unbound: NULL as well */
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_finalize(st);

    assert_int_equal(db_prepare(f->d, "SELECT n, x, b, s FROM items", &st, &err), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    for (int c = 0; c < 4; c++) {
        assert_true(db_column_is_null(st, c));
        assert_null(db_column_text(st, c));
    }
    assert_int_equal(db_column_int64(st, 0), 0);
    assert_true(db_column_double(st, 1) == 0.0);
    assert_false(db_column_bool(st, 2));
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_finalize(st);
}

static void test_db_empty_result_and_rerun(void **state)
{
    fixture *f = fx(state);
    db_stmt *st = NULL;
    em_error err = {0};
    make_items(f->d);
    assert_int_equal(db_prepare(f->d, "SELECT id FROM items ORDER BY id", &st, &err), EM_OK);
    assert_int_equal(db_step(st, &err), DB_DONE);
    assert_int_equal(db_step(st, &err), DB_DONE); /* stays done until reset */
    assert_int_equal(insert_item(f->d, "a", 1, &err), DB_DONE);
    assert_int_equal(insert_item(f->d, "b", 2, &err), DB_DONE);
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_reset(st);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_string_equal(db_column_text(st, 0), "a");
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_string_equal(db_column_text(st, 0), "b");
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_finalize(st);
    db_finalize(NULL);
}

static void test_db_placeholder_reuse(void **state)
{
    fixture *f = fx(state);
    db_stmt *st = NULL;
    em_error err = {0};
    make_items(f->d);
    assert_int_equal(db_prepare(f->d, "INSERT INTO items (id, s, n) VALUES ($1, $1, $2)", &st, &err), EM_OK);
    assert_int_equal(db_bind_text(st, 1, "same"), EM_OK);
    assert_int_equal(db_bind_int64(st, 2, 7), EM_OK);
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_finalize(st);
    assert_int_equal(
        db_prepare(f->d, "SELECT count(*) FROM items WHERE id = $1 AND s = $1 AND n = $2", &st, &err), EM_OK);
    assert_int_equal(db_bind_text(st, 1, "same"), EM_OK);
    assert_int_equal(db_bind_int64(st, 2, 7), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_int_equal(db_column_int64(st, 0), 1);
    db_finalize(st);
}

static void test_db_bind_errors(void **state)
{
    fixture *f = fx(state);
    db_stmt *st = NULL;
    em_error err = {0};
    make_items(f->d);
    /* $2 only in a string literal and a comment: not a placeholder. */
    assert_int_equal(db_prepare(f->d, "SELECT id FROM items WHERE id = $1 AND s <> '$2' -- $3", &st, &err),
                     EM_OK);
    assert_int_equal(db_bind_text(st, 0, "x"), EM_E_INVAL);
    assert_int_equal(db_bind_text(st, 2, "x"), EM_E_INVAL);
    assert_int_equal(db_bind_int64(st, 3, 1), EM_E_INVAL);
    assert_int_equal(db_bind_text(st, 1, "x"), EM_OK);
    assert_int_equal(db_step(st, &err), DB_DONE);
    assert_int_equal(db_bind_text(st, 1, "y"), EM_E_INVAL); /* run: reset first */
    db_reset(st);
    assert_int_equal(db_bind_text(st, 1, "y"), EM_OK);
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_finalize(st);

    if (f->kind == DB_POSTGRES) {
        /* Dollar quotes, E'' strings with escapes and nested comments hide $N too. */
        assert_int_equal(db_prepare(f->d,
                                    "SELECT $1::text || $tag$ $3 $tag$ || E'\\' $4' || "
                                    "/* $5 /* nested $6 */ */ $2::text",
                                    &st, &err),
                         EM_OK);
        for (int i = 3; i <= 6; i++)
            assert_int_equal(db_bind_text(st, i, "x"), EM_E_INVAL);
        assert_int_equal(db_bind_text(st, 1, "a"), EM_OK);
        assert_int_equal(db_bind_text(st, 2, "b"), EM_OK);
        assert_int_equal(db_step(st, &err), DB_ROW);
        assert_string_equal(db_column_text(st, 0), "a $3 ' $4b");
        db_finalize(st);
    }

    /* SQLite reports a bad statement at prepare, PostgreSQL at the first step. */
    int rc = db_prepare(f->d, "SELECT nope FROM nowhere", &st, &err);
    if (f->kind == DB_SQLITE) {
        assert_int_equal(rc, EM_E_DB);
        assert_null(st);
    } else {
        assert_int_equal(rc, EM_OK);
        assert_int_equal(db_step(st, &err), EM_E_DB);
        assert_int_equal(db_step(st, &err), EM_E_DB); /* the failure sticks until reset */
        db_finalize(st);
    }
}

static void test_db_unique_violation_is_conflict(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    make_items(f->d);
    assert_int_equal(insert_item(f->d, "dup", 1, &err), DB_DONE);
    assert_int_equal(insert_item(f->d, "dup", 2, &err), EM_E_CONFLICT);
    assert_int_equal(err.code, EM_E_CONFLICT);
    assert_null(strstr(err.msg, "INSERT"));
    assert_null(strstr(err.msg, "items"));
    assert_int_equal(query_int(f->d, "SELECT n FROM items WHERE id = 'dup'"), 1);
}

static void test_db_transactions(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    make_items(f->d);
    db_rollback(f->d); /* nothing open: a no-op */
    assert_int_equal(db_commit(f->d, &err), EM_E_INVAL);

    assert_int_equal(db_begin(f->d, &err), EM_OK);
    assert_true(db_in_transaction(f->d));
    assert_int_equal(insert_item(f->d, "gone", 1, &err), DB_DONE);
    db_rollback(f->d);
    assert_false(db_in_transaction(f->d));
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM items"), 0);

    assert_int_equal(db_begin(f->d, &err), EM_OK);
    assert_int_equal(insert_item(f->d, "kept", 1, &err), DB_DONE);
    assert_int_equal(insert_item(f->d, "kept2", 2, &err), DB_DONE);
    assert_int_equal(db_commit(f->d, &err), EM_OK);
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM items"), 2);

    /* A failing statement, then rollback: nothing of the transaction is left. */
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    assert_int_equal(insert_item(f->d, "new", 3, &err), DB_DONE);
    assert_int_equal(insert_item(f->d, "kept", 4, &err), EM_E_CONFLICT);
    db_rollback(f->d);
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM items"), 2);
    assert_int_equal(db_begin(f->d, &err), EM_OK); /* usable again */
    db_rollback(f->d);
}

/* Transactions nest: an inner level is a savepoint. Rolling it back undoes
 * only its own work, even after a failed statement (which aborts the whole
 * transaction on PostgreSQL until the savepoint is rolled back); committing it
 * hands its work to the outer level, durable only with the outer commit. */
static void test_db_nested_transactions(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    make_items(f->d);
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    assert_int_equal(insert_item(f->d, "outer", 1, &err), DB_DONE);

    assert_int_equal(db_begin(f->d, &err), EM_OK); /* inner: rolled back after a failure */
    assert_int_equal(insert_item(f->d, "inner-gone", 2, &err), DB_DONE);
    assert_int_equal(insert_item(f->d, "outer", 3, &err), EM_E_CONFLICT);
    db_rollback(f->d);
    assert_true(db_in_transaction(f->d));

    assert_int_equal(db_begin(f->d, &err), EM_OK); /* inner: committed into the outer */
    assert_int_equal(insert_item(f->d, "inner-kept", 4, &err), DB_DONE);
    assert_int_equal(db_begin(f->d, &err), EM_OK); /* and a third level */
    assert_int_equal(insert_item(f->d, "deepest", 5, &err), DB_DONE);
    assert_int_equal(db_commit(f->d, &err), EM_OK);
    assert_int_equal(db_commit(f->d, &err), EM_OK);
    assert_true(db_in_transaction(f->d));
    assert_int_equal(db_commit(f->d, &err), EM_OK);
    assert_false(db_in_transaction(f->d));
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM items"), 3);
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM items WHERE id = 'inner-gone'"), 0);

    /* An outer rollback takes the committed inner levels with it. */
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    assert_int_equal(insert_item(f->d, "late", 6, &err), DB_DONE);
    assert_int_equal(db_commit(f->d, &err), EM_OK);
    db_rollback(f->d);
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM items"), 3);
    /* Unbalanced calls are refused, not guessed at. */
    assert_int_equal(db_commit(f->d, &err), EM_E_INVAL);
}

static void test_db_changes(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    make_items(f->d);
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "r%d", i);
        assert_int_equal(insert_item(f->d, id, i, &err), DB_DONE);
    }
    exec_ok(f->d, "UPDATE items SET s = 'x' WHERE n >= 1");
    assert_int_equal(db_changes(f->d), 2);
    exec_ok(f->d, "DELETE FROM items");
    assert_int_equal(db_changes(f->d), 3);
}

static void test_db_timestamps_read_as_iso8601(void **state)
{
    fixture *f = fx(state);
    db_stmt *st = NULL;
    em_error err = {0};
    exec_ok(f->d, "CREATE TABLE ts (id INTEGER PRIMARY KEY, at TIMESTAMPTZ)");
    assert_int_equal(db_prepare(f->d, "INSERT INTO ts (id, at) VALUES ($1, $2)", &st, &err), EM_OK);
    assert_int_equal(db_bind_int64(st, 1, 1), EM_OK);
    assert_int_equal(db_bind_text(st, 2, "2026-11-21T23:52:11.123Z"), EM_OK);
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_finalize(st);
    assert_int_equal(db_prepare(f->d, "SELECT at FROM ts WHERE at >= $1", &st, &err), EM_OK);
    assert_int_equal(db_bind_text(st, 1, "2026-01-01T00:00:00.000Z"), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_string_equal(db_column_text(st, 0), "2026-11-21T23:52:11.123Z");
    db_finalize(st);
}

/* ---- pool ---- */

typedef struct pool_probe {
    dbpool *pool;
    db *got;     /* OUT: the thread's connection */
    int rc;      /* OUT */
    int64_t one; /* OUT: SELECT 1 on it */
} pool_probe;

static void *pool_thread(void *arg)
{
    pool_probe *p = arg;
    em_error err = {0};
    db *again = NULL;
    p->rc = dbpool_get(p->pool, &p->got, &err);
    if (p->rc == EM_OK)
        p->rc = dbpool_get(p->pool, &again, &err);
    if (p->rc == EM_OK && again != p->got)
        p->rc = EM_E_INTERNAL;
    if (p->rc == EM_OK) {
        db_stmt *st = NULL;
        p->rc = db_prepare(p->got, "SELECT 1", &st, &err);
        if (p->rc == EM_OK && db_step(st, &err) == DB_ROW)
            p->one = db_column_int64(st, 0);
        db_finalize(st);
    }
    return NULL;
}

static void test_db_pool_per_thread(void **state)
{
    fixture *f = fx(state);
    dbpool *pool = NULL;
    dbpool *other = NULL;
    db *a = NULL, *b = NULL, *c = NULL;
    em_error err = {0};
    db_options opts = {.timeout_ms = 2000};
    assert_int_equal(dbpool_new(f->url, &opts, &pool, &err), EM_OK);
    assert_int_equal(dbpool_new(f->url, NULL, &other, &err), EM_OK);
    assert_string_equal(dbpool_url(pool), f->url);
    assert_int_equal(dbpool_dialect(pool), f->kind);

    assert_int_equal(dbpool_get(pool, &a, &err), EM_OK);
    assert_int_equal(dbpool_get(pool, &b, &err), EM_OK);
    assert_ptr_equal(a, b);
    assert_int_equal(dbpool_get(other, &c, &err), EM_OK); /* keyed by pool */
    assert_ptr_not_equal(a, c);

    pool_probe probes[2] = {{.pool = pool}, {.pool = pool}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, pool_thread, &probes[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(probes[i].rc, EM_OK);
        assert_int_equal(probes[i].one, 1);
        assert_ptr_not_equal(probes[i].got, a);
    }
    assert_ptr_not_equal(probes[0].got, probes[1].got);

    /* A transaction left open is rolled back when the connection is handed out. */
    assert_int_equal(db_begin(a, &err), EM_OK);
    assert_int_equal(dbpool_get(pool, &b, &err), EM_OK);
    assert_int_equal(db_begin(b, &err), EM_OK);
    db_rollback(b);

    dbpool_release(pool);
    assert_int_equal(dbpool_get(pool, &b, &err), EM_OK); /* reopened */
    dbpool_free(pool);
    dbpool_free(other);
    dbpool_free(NULL);
}

typedef struct writer_probe {
    dbpool *pool;
    int rc;    /* OUT: the second writer's db_begin */
    int64_t n; /* OUT: the rows it saw once in */
} writer_probe;

static void *second_writer(void *arg)
{
    writer_probe *w = arg;
    em_error err = {0};
    db *d = NULL;
    w->rc = dbpool_get(w->pool, &d, &err);
    if (w->rc == EM_OK)
        w->rc = db_begin(d, &err);
    if (w->rc == EM_OK) {
        w->n = query_int(d, "SELECT count(*) FROM t");
        w->rc = db_exec(d, "INSERT INTO t VALUES ('second')", &err);
        if (w->rc == EM_OK)
            w->rc = db_commit(d, &err);
        else
            db_rollback(d);
    }
    return NULL;
}

/* Writers of one SQLite pool queue on the pool's writer lock: a second
 * writer waits for the first to end however long it takes, where SQLite's
 * busy timeout alone (1 ms here) would have refused it. */
static void test_db_pool_writers_queue(void **state)
{
    (void)state;
    char dir[] = "/tmp/em-writers-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[128], path[96], side[128];
    snprintf(path, sizeof path, "%s/w.db", dir);
    snprintf(url, sizeof url, "sqlite://%s", path);
    em_error err = {0};
    db_options o = {.timeout_ms = 1};
    db *creator = NULL;
    assert_int_equal(db_open(url, &o, &creator, &err), EM_OK);
    assert_int_equal(db_exec(creator, "CREATE TABLE t (x TEXT)", &err), EM_OK);
    db_close(creator);

    dbpool *p = NULL;
    assert_int_equal(dbpool_new(url, &o, &p, &err), EM_OK);
    db *d = NULL;
    assert_int_equal(dbpool_get(p, &d, &err), EM_OK);
    assert_int_equal(db_begin(d, &err), EM_OK);
    assert_int_equal(db_exec(d, "INSERT INTO t VALUES ('first')", &err), EM_OK);
    writer_probe w = {.pool = p};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, second_writer, &w), 0);
    struct timespec ts = {0, 50 * 1000 * 1000}; /* the second writer is waiting by now */
    nanosleep(&ts, NULL);
    assert_int_equal(db_commit(d, &err), EM_OK);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(w.rc, EM_OK);
    assert_int_equal(w.n, 1); /* it began after the first committed */
    assert_int_equal(query_int(d, "SELECT count(*) FROM t"), 2);
    /* a rolled-back or failed transaction gives the lock back too */
    assert_int_equal(db_begin(d, &err), EM_OK);
    db_rollback(d);
    assert_int_equal(pthread_create(&th, NULL, second_writer, &w), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(w.rc, EM_OK);
    dbpool_free(p);
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
}

/* ---- group commit ---- */

typedef struct group_row {
    const char *first, *second; /* inserted in turn; a second equal to an earlier row fails */
    int calls;                  /* OUT: how often the unit ran */
} group_row;

static int insert_pair(db *d, void *ctx, em_error *err)
{
    group_row *r = ctx;
    r->calls++;
    const char *a[] = {r->first}, *b[] = {r->second};
    int rc = db_run(d, "INSERT INTO g (x) VALUES ($1)", a, 1, err);
    if (rc == DB_DONE)
        rc = db_run(d, "INSERT INTO g (x) VALUES ($1)", b, 1, err);
    return rc == DB_DONE ? EM_OK : rc;
}

#define GROUP_THREADS 8
#define GROUP_WRITES 40

typedef struct group_thread {
    dbpool *pool;
    int t;
    int ok, conflicts, other; /* OUT: the results */
    int bad_calls;            /* OUT: units not run exactly once */
} group_thread;

/* Each thread writes GROUP_WRITES pairs; every fifth pair's second row is a
 * row written before (by this thread), so that unit fails. */
static void *group_writer(void *arg)
{
    group_thread *g = arg;
    db *d = NULL;
    em_error err = {0};
    if (dbpool_get(g->pool, &d, &err) != EM_OK) {
        g->other = GROUP_WRITES;
        return NULL;
    }
    for (int k = 0; k < GROUP_WRITES; k++) {
        char first[32], second[32];
        snprintf(first, sizeof first, "t%d-%d", g->t, k);
        if (k % 5 == 4)
            snprintf(second, sizeof second, "t%d-0", g->t); /* taken */
        else
            snprintf(second, sizeof second, "t%d-%d-b", g->t, k);
        group_row r = {first, second, 0};
        int rc = db_write_grouped(d, insert_pair, &r, &err);
        g->ok += rc == EM_OK;
        g->conflicts += rc == EM_E_CONFLICT;
        g->other += rc != EM_OK && rc != EM_E_CONFLICT;
        g->bad_calls += r.calls != 1;
    }
    dbpool_release(g->pool);
    return NULL;
}

/* Writes from many threads share commits; each keeps its own outcome: a unit
 * that fails leaves nothing (not even its first row) and the others in its
 * group are kept. Inside an open transaction a unit runs on the spot, as a
 * level of that transaction. */
static void test_db_write_grouped(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    assert_int_equal(db_exec(f->d, "CREATE TABLE g (x TEXT PRIMARY KEY)", &err), EM_OK);
    dbpool *pool = NULL;
    db_options opts = {.timeout_ms = 5000};
    assert_int_equal(dbpool_new(f->url, &opts, &pool, &err), EM_OK);

    group_thread g[GROUP_THREADS];
    pthread_t th[GROUP_THREADS];
    for (int t = 0; t < GROUP_THREADS; t++) {
        g[t] = (group_thread){.pool = pool, .t = t};
        assert_int_equal(pthread_create(&th[t], NULL, group_writer, &g[t]), 0);
    }
    for (int t = 0; t < GROUP_THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    for (int t = 0; t < GROUP_THREADS; t++) {
        assert_int_equal(g[t].ok, GROUP_WRITES * 4 / 5);
        assert_int_equal(g[t].conflicts, GROUP_WRITES / 5);
        assert_int_equal(g[t].other, 0);
        assert_int_equal(g[t].bad_calls, 0);
    }
    /* two rows per unit kept, none of a failed one: seen from another connection */
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM g"), GROUP_THREADS * GROUP_WRITES * 4 / 5 * 2);
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM g WHERE x = 't3-4' OR x = 't0-9'"), 0);
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM g WHERE x = 't3-3-b'"), 1);

    /* inside a transaction: a level of it, undone with it */
    db *d = NULL;
    assert_int_equal(dbpool_get(pool, &d, &err), EM_OK);
    assert_int_equal(db_begin(d, &err), EM_OK);
    group_row r = {"inner-1", "inner-2", 0};
    assert_int_equal(db_write_grouped(d, insert_pair, &r, &err), EM_OK);
    assert_int_equal(query_int(d, "SELECT count(*) FROM g WHERE x LIKE 'inner-%'"), 2);
    db_rollback(d);
    assert_int_equal(query_int(d, "SELECT count(*) FROM g WHERE x LIKE 'inner-%'"), 0);
    /* a failing unit alone: its error, nothing kept */
    group_row bad = {"alone-1", "alone-1", 0};
    assert_int_equal(db_write_grouped(d, insert_pair, &bad, &err), EM_E_CONFLICT);
    assert_int_equal(query_int(d, "SELECT count(*) FROM g WHERE x = 'alone-1'"), 0);
    assert_false(db_in_transaction(d));
    dbpool_free(pool);
}

/* Reads between db_read_begin and db_read_end see one snapshot: a row
 * another connection commits meanwhile appears only after; nothing may be
 * written inside; inside a transaction both calls do nothing. */
static void test_db_read_snapshot(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    make_items(f->d);
    assert_int_equal(insert_item(f->d, "a", 1, &err), DB_DONE);
    db *other = NULL;
    db_options opts = {.timeout_ms = 5000};
    assert_int_equal(db_open(f->url, &opts, &other, &err), EM_OK);

    assert_int_equal(db_read_begin(f->d, &err), EM_OK);
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM items"), 1);
    assert_int_equal(insert_item(other, "b", 2, &err), DB_DONE);
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM items"), 1);
    assert_int_equal(db_read_begin(f->d, &err), EM_E_INTERNAL);
    assert_int_equal(db_begin(f->d, &err), EM_E_INTERNAL);
    group_row r = {"inside-1", "inside-2", 0};
    assert_int_equal(db_write_grouped(f->d, insert_pair, &r, &err), EM_E_INTERNAL);
    assert_false(db_in_transaction(f->d));
    db_read_end(f->d);
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM items"), 2);
    db_read_end(f->d); /* again: nothing */

    /* inside a transaction: its own reads, and its writes go on */
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    assert_int_equal(db_read_begin(f->d, &err), EM_OK);
    assert_int_equal(insert_item(f->d, "c", 3, &err), DB_DONE);
    db_read_end(f->d);
    assert_true(db_in_transaction(f->d));
    assert_int_equal(db_commit(f->d, &err), EM_OK);
    assert_int_equal(query_int(other, "SELECT count(*) FROM items"), 3);
    db_close(other);
}

/* End the server session of `victim` from another connection. */
static void terminate_backend(db *victim)
{
    int64_t pid = query_int(victim, "SELECT pg_backend_pid()");
    db *a = NULL;
    db_stmt *st = NULL;
    em_error err = {0};
    assert_int_equal(db_open(pg_base_url(), NULL, &a, &err), EM_OK);
    assert_int_equal(db_prepare(a, "SELECT pg_terminate_backend($1, 5000)", &st, &err), EM_OK);
    assert_int_equal(db_bind_int64(st, 1, pid), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_true(db_column_bool(st, 0));
    db_finalize(st);
    db_close(a);
}

/* SQLite: the file deleted (or replaced) under an open connection makes
 * db_ping report EM_E_UNAVAILABLE. PostgreSQL: a session the server ended is
 * re-established before the next statement (db_ping, dbpool_get), except inside
 * a transaction, whose statements then fail with EM_E_UNAVAILABLE. */
static void test_db_ping_detects_lost_database(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    assert_int_equal(db_ping(f->d, &err), EM_OK);
    if (f->kind == DB_SQLITE) {
        exec_ok(f->d, "CREATE TABLE schema_migrations (version INTEGER)");
        assert_int_equal(db_ping(f->d, &err), EM_OK);
        assert_int_equal(unlink(f->path), 0);
        assert_int_equal(db_ping(f->d, &err), EM_E_UNAVAILABLE);
        assert_int_equal(err.code, EM_E_UNAVAILABLE);
        assert_string_equal(err.msg, "database unavailable");
        /* A new file at the same path is still not ours. */
        int fd = open(f->path, O_CREAT | O_WRONLY, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(db_ping(f->d, &err), EM_E_UNAVAILABLE);
        return;
    }
    make_items(f->d);
    terminate_backend(f->d);
    assert_int_equal(db_ping(f->d, &err), EM_OK); /* reconnected */
    assert_int_equal(query_int(f->d, "SELECT 41 + 1"), 42);

    assert_int_equal(db_begin(f->d, &err), EM_OK);
    assert_int_equal(insert_item(f->d, "lost", 1, &err), DB_DONE);
    terminate_backend(f->d);
    assert_int_equal(insert_item(f->d, "after", 2, &err), EM_E_UNAVAILABLE);
    assert_string_equal(err.msg, "database unavailable");
    assert_int_equal(insert_item(f->d, "after", 2, &err), EM_E_UNAVAILABLE); /* still in tx */
    assert_int_equal(db_commit(f->d, &err), EM_E_UNAVAILABLE);
    db_rollback(f->d);
    assert_int_equal(query_int(f->d, "SELECT count(*) FROM items"), 0);

    dbpool *pool = NULL;
    db *pd = NULL, *again = NULL;
    assert_int_equal(dbpool_new(f->url, NULL, &pool, &err), EM_OK);
    assert_int_equal(dbpool_get(pool, &pd, &err), EM_OK);
    terminate_backend(pd);
    assert_int_equal(dbpool_get(pool, &again, &err), EM_OK);
    assert_ptr_equal(again, pd);
    assert_int_equal(query_int(again, "SELECT 1"), 1);
    dbpool_free(pool);
}

/* Opening what cannot be opened: EM_E_UNAVAILABLE, a message safe to show, and
 * no password anywhere in the logs. Needs no server: nothing listens on port 1. */
static void test_db_open_failure(void **state)
{
    (void)state;
    db *d = NULL;
    em_error err = {0};
    char logpath[64], dir[64], url[128];
    snprintf(logpath, sizeof logpath, "/tmp/em_test_db_log_XXXXXX");
    snprintf(dir, sizeof dir, "/tmp/em_test_db_XXXXXX");
    int fd = mkstemp(logpath);
    assert_true(fd >= 0);
    assert_non_null(mkdtemp(dir));
    log_configure(LOG_DEBUG, fd);

    snprintf(url, sizeof url, "sqlite://%s", dir); /* a directory where the file should be */
    assert_int_equal(db_open(url, NULL, &d, &err), EM_E_UNAVAILABLE);
    assert_null(d);
    snprintf(url, sizeof url, "sqlite://%s/sub", logpath); /* a file where a directory should be */
    assert_int_equal(db_open(url, NULL, &d, &err), EM_E_UNAVAILABLE);
    assert_null(d);

    db_options opts = {.timeout_ms = 1000};
    assert_int_equal(
        db_open("postgres://someone:Sup3rSecretPw@127.0.0.1:1/x?password=Pw2nd", &opts, &d, &err),
        EM_E_UNAVAILABLE);
    assert_string_equal(err.msg, "database unavailable");
    assert_null(d);

    log_configure(LOG_DEBUG, getenv("EM_TEST_LOG") != NULL ? 2 : -1);
    char text[8192];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    assert_true(n > 0);
    text[n] = '\0';
    assert_non_null(strstr(text, "postgres://someone:***@127.0.0.1:1/x?password=***"));
    assert_null(strstr(text, "Sup3rSecretPw"));
    assert_null(strstr(text, "Pw2nd"));
    close(fd);
    unlink(logpath);
    rmdir(dir);
}

/* Opening a SQLite file creates its missing directories; PostgreSQL connects
 * with the URL's own options kept (the search_path of this case). */
static void test_db_open_creates_dirs(void **state)
{
    fixture *f = fx(state);
    db *d = NULL;
    em_error err = {0};
    if (f->kind == DB_SQLITE) {
        char url[256], path[200];
        struct stat sb;
        snprintf(path, sizeof path, "%s/deep/er/x.db", f->dir);
        snprintf(url, sizeof url, "sqlite://%s", path);
        assert_int_equal(db_open(url, NULL, &d, &err), EM_OK);
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(query_int(d, "SELECT 7"), 7);
        db_stmt *st = NULL;
        assert_int_equal(db_prepare(d, "PRAGMA journal_mode", &st, &err), EM_OK);
        assert_int_equal(db_step(st, &err), DB_ROW);
        assert_string_equal(db_column_text(st, 0), "wal");
        db_finalize(st);
        assert_int_equal(query_int(d, "PRAGMA foreign_keys"), 1);
        db_close(d);

        /* A relative path is taken from the working directory at open, and the
         * connection keeps working (and its file is found) after a chdir. */
        char cwd[512];
        assert_non_null(getcwd(cwd, sizeof cwd));
        assert_int_equal(chdir(f->dir), 0);
        assert_int_equal(db_open("sqlite://rel/y.db", NULL, &d, &err), EM_OK);
        assert_int_equal(chdir(cwd), 0);
        snprintf(path, sizeof path, "%s/rel/y.db", f->dir);
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(db_ping(d, &err), EM_OK);
    } else {
        assert_int_equal(db_open(f->url, NULL, &d, &err), EM_OK);
        db_stmt *st = NULL;
        assert_int_equal(db_prepare(d, "SELECT current_schema()", &st, &err), EM_OK);
        assert_int_equal(db_step(st, &err), DB_ROW);
        assert_string_equal(db_column_text(st, 0), f->schema);
        db_finalize(st);
    }
    db_close(d);
    db_close(NULL);
}

/* An acknowledged commit is on disk: SQLite runs synchronous=FULL (2) unless
 * NORMAL (1) is asked for, on single connections and on the pool's. */
static void test_db_sqlite_synchronous(void **state)
{
    (void)state;
    char dir[] = "/tmp/em-sync-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[128], path[96];
    snprintf(path, sizeof path, "%s/s.db", dir);
    snprintf(url, sizeof url, "sqlite://%s", path);
    em_error err = {0};
    for (int normal = 0; normal <= 1; normal++) {
        db_options o = {.timeout_ms = 1000, .sqlite_sync_normal = normal == 1};
        db *d = NULL;
        assert_int_equal(db_open(url, &o, &d, &err), EM_OK);
        assert_int_equal(query_int(d, "PRAGMA synchronous"), normal ? 1 : 2);
        db_close(d);
        dbpool *p = NULL;
        assert_int_equal(dbpool_new(url, &o, &p, &err), EM_OK);
        assert_int_equal(dbpool_get(p, &d, &err), EM_OK);
        assert_int_equal(query_int(d, "PRAGMA synchronous"), normal ? 1 : 2);
        dbpool_free(p);
    }
    unlink(path);
    char wal[128];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    rmdir(dir);
}

/* checkpoint_ms: the pool's connections leave the WAL alone up to the
 * backstop, and the pool's thread copies it back: rows committed through the
 * pool reach the database file without another commit. */
static void test_db_pool_checkpoints_in_background(void **state)
{
    (void)state;
    char dir[] = "/tmp/em-ckpt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[128], path[96], wal[128], shm[128];
    snprintf(path, sizeof path, "%s/c.db", dir);
    snprintf(url, sizeof url, "sqlite://%s", path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    em_error err = {0};
    db_options o = {.timeout_ms = 1000, .checkpoint_ms = 10};
    db *creator = NULL;
    assert_int_equal(db_open(url, &o, &creator, &err), EM_OK);
    assert_int_equal(query_int(creator, "PRAGMA wal_autocheckpoint"), DB_WAL_BACKSTOP_PAGES);
    assert_int_equal(db_exec(creator, "CREATE TABLE t (x TEXT)", &err), EM_OK);
    db_close(creator);
    struct stat before;
    assert_int_equal(stat(path, &before), 0);

    dbpool *p = NULL;
    assert_int_equal(dbpool_new(url, &o, &p, &err), EM_OK);
    db *d = NULL;
    assert_int_equal(dbpool_get(p, &d, &err), EM_OK);
    /* about 2 MB in one transaction: it all sits in the WAL at commit */
    assert_int_equal(db_exec(d,
                             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                             "INSERT INTO t SELECT printf('%01000d', i) FROM n",
                             &err),
                     EM_OK);
    /* the thread copies it into the file; wait for that, however slow the machine */
    struct stat after = before;
    for (int i = 0; i < 6000 && after.st_size < before.st_size + 2000 * 1000; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
        assert_int_equal(stat(path, &after), 0);
    }
    assert_true(after.st_size >= before.st_size + 2000 * 1000);
    assert_int_equal(query_int(d, "SELECT count(*) FROM t"), 2000);
    dbpool_free(p);
    unlink(path);
    unlink(wal);
    unlink(shm);
    rmdir(dir);
}

/* The pool never creates a SQLite file: a database that is gone is reported as
 * unavailable instead of being replaced by an empty one. */
static void test_db_pool_does_not_create_sqlite_file(void **state)
{
    char dir[] = "/tmp/em-pool-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[128], path[96];
    snprintf(path, sizeof path, "%s/gone.db", dir);
    snprintf(url, sizeof url, "sqlite://%s", path);
    dbpool *p = NULL;
    em_error err = {0};
    db_options opts = {.timeout_ms = 1000};
    assert_int_equal(dbpool_new(url, &opts, &p, &err), EM_OK);
    db *d = NULL;
    assert_int_equal(dbpool_get(p, &d, &err), EM_E_UNAVAILABLE);
    assert_null(d);
    struct stat sb;
    assert_int_equal(stat(path, &sb), -1);
    /* once the file exists (made by a plain db_open, as migrations do), it works */
    db *creator = NULL;
    assert_int_equal(db_open(url, &opts, &creator, &err), EM_OK);
    db_close(creator);
    assert_int_equal(dbpool_get(p, &d, &err), EM_OK);
    assert_int_equal(query_int(d, "SELECT 3"), 3);
    dbpool_free(p);
    unlink(path);
    char side[128];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
}

static const char cached_sql[] = "SELECT $1 || '!'";

/* db_prepare_cached: one statement per SQL per connection, handed out reset;
 * nested use gets its own; on PostgreSQL it survives a reconnection. */
static void test_db_prepare_cached(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    db_stmt *a = NULL, *b = NULL, *c = NULL;
    for (int round = 0; round < 3; round++) {
        assert_int_equal(db_prepare_cached(f->d, cached_sql, &a, &err), EM_OK);
        if (round == 0)
            c = a;
        assert_ptr_equal(a, c); /* the same statement each time */
        char v[8];
        snprintf(v, sizeof v, "r%d", round);
        assert_int_equal(db_bind_text(a, 1, v), EM_OK);
        assert_int_equal(db_step(a, &err), DB_ROW);
        char want[8];
        snprintf(want, sizeof want, "r%d!", round);
        assert_string_equal(db_column_text(a, 0), want);
        if (round == 1) { /* nested: a second user while the first holds it */
            assert_int_equal(db_prepare_cached(f->d, cached_sql, &b, &err), EM_OK);
            assert_ptr_not_equal(a, b);
            assert_int_equal(db_bind_text(b, 1, "n"), EM_OK);
            assert_int_equal(db_step(b, &err), DB_ROW);
            assert_string_equal(db_column_text(b, 0), "n!");
            db_finalize(b);
        }
        db_finalize(a); /* back to the cache, reset */
    }
    if (f->kind == DB_POSTGRES) {
        /* the server forgets its prepared statements when the session ends */
        terminate_backend(f->d);
        assert_int_equal(db_ping(f->d, &err), EM_OK); /* reconnects */
        assert_int_equal(db_prepare_cached(f->d, cached_sql, &a, &err), EM_OK);
        assert_int_equal(db_bind_text(a, 1, "again"), EM_OK);
        int rc = db_step(a, &err);
        if (rc != DB_ROW)
            fail_msg("after reconnect: %d %s", rc, err.msg);
        assert_string_equal(db_column_text(a, 0), "again!");
        db_finalize(a);
    }
    /* db_close finalizes what the cache holds (the fixture closes it) */
}

/* db_next: row loops without assignment in conditions; errors fall through. */
static void test_db_next_loops(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    db_stmt *st = NULL;
    int rc = db_prepare(f->d, "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3", &st, &err);
    int64_t sum = 0;
    int rows = 0;
    while (db_next(st, &rc, &err)) {
        sum += db_column_int64(st, 0);
        rows++;
    }
    db_finalize(st);
    assert_int_equal(rc, EM_OK);
    assert_int_equal(rows, 3);
    assert_int_equal(sum, 6);
    /* an earlier error: no step, the error kept */
    rc = db_prepare(f->d, "SELECT 1", &st, &err);
    assert_int_equal(rc, EM_OK);
    rc = EM_E_INVAL;
    assert_false(db_next(st, &rc, &err));
    assert_int_equal(rc, EM_E_INVAL);
    db_finalize(st);
    /* a failing statement reports its error */
    rc = db_prepare(f->d, "SELECT 1 FROM no_such_table_here", &st, &err);
    if (rc == EM_OK) { /* PostgreSQL prepares lazily: the error comes at the step */
        assert_false(db_next(st, &rc, &err));
        assert_true(rc < 0);
    }
    db_finalize(st);
}

/* ---- URLs (no database needed) ---- */

static void test_db_urls(void **state)
{
    (void)state;
    db *d = NULL;
    em_error err = {0};
    assert_int_equal(db_dialect_of_url("sqlite:///x/y.db"), DB_SQLITE);
    assert_int_equal(db_dialect_of_url("sqlite::memory:"), DB_SQLITE);
    assert_int_equal(db_dialect_of_url("postgres://h/db"), DB_POSTGRES);
    assert_int_equal(db_dialect_of_url("postgresql://h/db"), DB_POSTGRES);
    assert_int_equal(db_dialect_of_url("mysql://h/db"), EM_E_INVAL);
    assert_int_equal(db_dialect_of_url(NULL), EM_E_INVAL);
    assert_int_equal(db_open("mysql://h/db", NULL, &d, &err), EM_E_INVAL);
    assert_int_equal(db_open("sqlite:", NULL, &d, &err), EM_E_INVAL);
    assert_int_equal(db_open("sqlite://", NULL, &d, &err), EM_E_INVAL);
    assert_int_equal(db_open("sqlite:relative", NULL, &d, &err), EM_E_INVAL);
    assert_int_equal(db_open("postgres://h/db?no_such_option=1", NULL, &d, &err), EM_E_INVAL);
    assert_null(d);
    dbpool *p = NULL;
    assert_int_equal(dbpool_new("nope://", NULL, &p, &err), EM_E_INVAL);
    assert_null(p);

    assert_int_equal(db_open("sqlite::memory:", NULL, &d, &err), EM_OK);
    assert_int_equal(query_int(d, "SELECT 5"), 5);
    assert_int_equal(db_ping(d, &err), EM_OK);
    db_close(d);

    struct {
        const char *in, *out;
    } cases[] = {
        {"postgres://u:secret@h:5432/db", "postgres://u:***@h:5432/db"},
        {"postgresql://u@h/db", "postgresql://u@h/db"},
        {"postgres://u:p%40ss@h/db?sslmode=require&password=x&a=b",
         "postgres://u:***@h/db?sslmode=require&password=***&a=b"},
        {"postgres://h/db?password=zz", "postgres://h/db?password=***"},
        {"sqlite:///data/x.db", "sqlite:///data/x.db"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *r = db_url_redact(cases[i].in);
        assert_string_equal(r, cases[i].out);
        free(r);
    }
}

#define BOTH(fn)                                                                                             \
    {"sqlite_" #fn, fn, setup, teardown, (void *)&kind_sqlite},                                              \
    {                                                                                                        \
        "pg_" #fn, fn, setup, teardown, (void *)&kind_pg                                                     \
    }

int main(void)
{
    if (getenv("EM_TEST_LOG") != NULL)
        log_configure(LOG_DEBUG, 2);
    else
        log_configure(LOG_DEBUG, -1); /* exercise the log paths, print nothing */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_urls),
        cmocka_unit_test(test_db_open_failure),
        cmocka_unit_test(test_db_pool_does_not_create_sqlite_file),
        cmocka_unit_test(test_db_sqlite_synchronous),
        cmocka_unit_test(test_db_pool_checkpoints_in_background),
        cmocka_unit_test(test_db_pool_writers_queue),
        BOTH(test_db_exec_several_statements),
        BOTH(test_db_bind_and_columns),
        BOTH(test_db_nulls),
        BOTH(test_db_empty_result_and_rerun),
        BOTH(test_db_placeholder_reuse),
        BOTH(test_db_bind_errors),
        BOTH(test_db_unique_violation_is_conflict),
        BOTH(test_db_transactions),
        BOTH(test_db_nested_transactions),
        BOTH(test_db_changes),
        BOTH(test_db_timestamps_read_as_iso8601),
        BOTH(test_db_pool_per_thread),
        BOTH(test_db_ping_detects_lost_database),
        BOTH(test_db_open_creates_dirs),
        BOTH(test_db_next_loops),
        BOTH(test_db_prepare_cached),
        BOTH(test_db_write_grouped),
        BOTH(test_db_read_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
