/* db_int: what db.c needs from a backend, and what the backends share.
 *
 * db.c owns the public handles (`db`, `db_stmt`) and the pool; each backend
 * (db_sqlite.c, db_pg.c) owns one connection object and one statement object of
 * its own, seen by db.c only as `void *`. db.c checks arguments and statement
 * state before it calls in, so the backends may assume: a non-NULL connection or
 * statement, a bind index >= 1, and a column index inside the current row.
 *
 * Error detail: backends fill `em_error` with a message safe to show to users
 * (never SQL text, never a URL) and send the full detail to the log. */
#ifndef EM_DB_DB_INT_H
#define EM_DB_DB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

/* The operations of one backend. `conn` and `stmt` are the backend's own objects. */
typedef struct db_backend {
    const char *name; /* "sqlite" or "postgres", for logs */
    db_dialect dialect;

    /* Open a connection described by `target` (SQLite: a file path or
     * ":memory:"; PostgreSQL: the whole URL). *conn is owned, free with close. */
    int (*open)(const char *target, const db_options *opts, void **conn /* OUT */, em_error *err);
    void (*close)(void *conn);
    int (*exec)(void *conn, const char *sql, em_error *err);
    /* Liveness beyond a query: SQLite checks its file is still there, PostgreSQL
     * re-establishes a lost connection (outside a transaction). */
    int (*check)(void *conn, em_error *err);
    /* True when a transaction is open (or aborted and not yet rolled back). */
    bool (*in_tx)(void *conn);
    int (*begin)(void *conn, em_error *err);
    int (*commit)(void *conn, em_error *err);
    void (*rollback)(void *conn);
    int64_t (*changes)(void *conn);
    /* Copy what the WAL holds back into the database without waiting for
     * readers or writers (SQLite); NULL where there is nothing to do. */
    int (*checkpoint)(void *conn, em_error *err);
    /* The whole database into a new file / replaced by one (db_snapshot,
     * db_restore); NULL where the database server has tools of its own. */
    int (*snapshot)(void *conn, const char *path, em_error *err);
    int (*restore)(void *conn, const char *path, em_error *err);

    /* *stmt is owned, free with finalize. */
    int (*prepare)(void *conn, const char *sql, void **stmt /* OUT */, em_error *err);
    void (*finalize)(void *stmt);
    /* The statement will run many times on this connection (db_prepare_cached):
     * PostgreSQL prepares it on the server once; may be NULL. */
    void (*make_persistent)(void *stmt);
    void (*reset)(void *stmt);
    /* True when $idx appears in the statement's SQL. */
    bool (*has_param)(void *stmt, int idx);
    int (*bind_text)(void *stmt, int idx, const char *value);
    int (*bind_int64)(void *stmt, int idx, int64_t value);
    int (*bind_double)(void *stmt, int idx, double value);
    int (*bind_null)(void *stmt, int idx);
    int (*bind_bool)(void *stmt, int idx, bool value);
    /* DB_ROW, DB_DONE or a negative code. */
    int (*step)(void *stmt, em_error *err);
    int (*column_count)(void *stmt);
    const char *(*column_name)(void *stmt, int col);
    const char *(*column_text)(void *stmt, int col);
    int64_t (*column_int64)(void *stmt, int col);
    double (*column_double)(void *stmt, int col);
    bool (*column_bool)(void *stmt, int col);
    bool (*column_is_null)(void *stmt, int col);
} db_backend;

extern const db_backend db__sqlite_backend;
extern const db_backend db__pg_backend;

/* The user-safe message that goes with each code the backends return. */
const char *db__safe_message(int rc);

/* True for "t"/"true" (any case) and non-zero numbers: booleans as PostgreSQL
 * and SQLite spell them. */
bool db__text_is_true(const char *s);

/* Whether `table` exists (in the search path on PostgreSQL). */
int db__table_exists(db *d, const char *table, bool *exists /* OUT */, em_error *err);

#endif
