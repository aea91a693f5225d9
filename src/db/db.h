/* db: the one database interface, with two backends chosen once by URL:
 * SQLite (sqlite:///path, the embedded default) and PostgreSQL through libpq
 * (postgres://... or postgresql://...).
 *
 * SQL is written once in PostgreSQL's placeholder style, $1 $2 ..., and the
 * SQLite backend binds those same numbers, so callers never build SQL from input.
 * Dialect differences that placeholders cannot hide live in the migrations
 * (one set per dialect) and in the few queries that ask db_dialect_of.
 *
 * A `db` is one connection and is used by one thread at a time. A `dbpool` hands
 * each thread its own connection (opened on first use and kept until
 * dbpool_free): SQLite connections are opened with WAL, synchronous=FULL
 * (unless asked for NORMAL), foreign keys on and a busy timeout; a PostgreSQL connection that was lost is
 * re-established on the next dbpool_get. */
#ifndef EM_DB_DB_H
#define EM_DB_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

typedef struct db db;
typedef struct db_stmt db_stmt;
typedef struct dbpool dbpool;

typedef enum db_dialect { DB_SQLITE = 1, DB_POSTGRES = 2 } db_dialect;

/* Results of db_step besides errors (negative). */
#define DB_DONE 0
#define DB_ROW 1

/* Options for opening connections. */
typedef struct db_options {
    int timeout_ms;          /* SQLite busy timeout; PostgreSQL connect timeout (rounded up to s) */
    bool sqlite_sync_normal; /* SQLite: synchronous=NORMAL (WAL's fast mode: a power cut may lose the
                                last commits) instead of FULL (every acknowledged commit is on disk) */
    bool must_exist;         /* SQLite: fail instead of creating a missing database file. The pool
                                sets it: the file is made once at start (migrations), so a file that
                                is gone later is a lost database, not a new empty one. */
    int checkpoint_ms;       /* SQLite: > 0 takes WAL checkpoints out of the commits that answer
                                requests: a pool made with it checkpoints from a thread of its own
                                every checkpoint_ms, and a commit checkpoints only when the WAL
                                has grown past DB_WAL_BACKSTOP_PAGES (the thread fell behind).
                                0: SQLite's default, the commit that fills 1,000 pages copies
                                them back while its caller waits. */
} db_options;

/* The WAL size (pages) at which a commit checkpoints anyway when checkpoints
 * are moved off the commits (db_options.checkpoint_ms). */
#define DB_WAL_BACKSTOP_PAGES 20000

/* ---- connections ---- */

/* Open one connection. url: "sqlite:///abs/path", "sqlite://relative/path",
 * "sqlite::memory:", "postgres://..." / "postgresql://...". The SQLite file's
 * directory is created when missing. Errors: EM_E_INVAL (bad URL),
 * EM_E_UNAVAILABLE (cannot connect/open), with a message safe to show.
 * Free with db_close; db_close(NULL) is a no-op. */
int db_open(const char *url, const db_options *opts, db **out /* OUT */, em_error *err);
void db_close(db *d);
db_dialect db_dialect_of(const db *d);
/* Parse only the scheme: DB_SQLITE, DB_POSTGRES, or EM_E_INVAL. */
int db_dialect_of_url(const char *url);
/* A copy of `url` fit for logs and messages: a postgres URL's password (in the
 * user-info part or a password= parameter) becomes "***". Owned, free with
 * free(); never NULL. */
char *db_url_redact(const char *url);

/* Run SQL text without parameters (may hold several statements; used for
 * migrations and pragmas). */
int db_exec(db *d, const char *sql, em_error *err);

/* ---- whole-database copies (backups) ---- */

/* Copy the whole database into a new file at path (which must not exist), one
 * consistent snapshot taken while other connections go on reading and
 * writing: SQLite's online backup, the copy in rollback-journal mode so that
 * it is one self-contained file. Not inside a transaction. EM_E_UNSUPPORTED on
 * PostgreSQL (pg_dump's job: db_pg_environment); EM_E_CONFLICT when path
 * exists; EM_E_IO / EM_E_DB when the copy fails (the partial file is removed). */
int db_snapshot(db *d, const char *path, em_error *err);
/* Replace the whole database with the SQLite file at path (a db_snapshot), in
 * one step that other connections see as one commit. Not inside a transaction.
 * EM_E_UNSUPPORTED on PostgreSQL; EM_E_NOT_FOUND when path is missing;
 * EM_E_BUSY when the database stayed locked past the busy timeout. */
int db_restore(db *d, const char *path, em_error *err);
/* Whether the SQLite file at path (a db_snapshot) is a whole database:
 * opened read-only, SQLite's integrity check says "ok". EM_E_INVAL saying
 * what it found otherwise; the file is never written. */
int db_snapshot_check(const char *path, em_error *err);
/* The libpq environment that names the database of a postgres:// URL, for
 * PostgreSQL's own tools (pg_dump, pg_restore), so that no password appears on
 * a command line: "PGHOST=...", "PGPORT=...", "PGUSER=...", "PGPASSWORD=...",
 * "PGDATABASE=...", "PGOPTIONS=...", "PGSSLMODE=..." for what the URL sets.
 * *env (owned: free each string, then the array) holds *n strings and a NULL.
 * EM_E_INVAL for a URL libpq cannot read (the message does not repeat it). */
int db_pg_environment(const char *url, char ***env /* OUT */, size_t *n /* OUT */, em_error *err);

/* Cheap liveness check that runs a real query ("SELECT 1" and a read of
 * schema_migrations when it exists). EM_E_UNAVAILABLE when the server is gone. */
int db_ping(db *d, em_error *err);

/* ---- transactions ----
 * The one transaction rule: whatever must happen atomically is wrapped in
 * db_begin ... db_commit (or db_rollback on failure) by the function that
 * needs it, and transactions nest. The outermost db_begin starts a write
 * transaction (SQLite: BEGIN IMMEDIATE, so writers queue on the busy timeout);
 * a db_begin inside it is a savepoint. So a store that writes several rows
 * wraps itself, and a use case that calls several stores wraps them all: the
 * inner levels then commit into the outer one, and nothing is durable until
 * the outermost db_commit. Every db_begin is paired, in the same function,
 * with exactly one db_commit or db_rollback. */
int db_begin(db *d, em_error *err);
/* Close the innermost level: the outermost commits; an inner one releases its
 * savepoint into the enclosing level. EM_E_INVAL without a level open;
 * EM_E_DB when the database had already ended the transaction. After a
 * failure call db_rollback, as after any other failure inside the level: it
 * closes whatever is still open of it and never touches the outer levels. */
int db_commit(db *d, em_error *err);
/* Undo what happened since the matching db_begin and close that level (the
 * outer levels stay open and usable). Safe to call after any failure; does
 * nothing without an open level. */
void db_rollback(db *d);
/* True inside db_begin ... db_commit. */
bool db_in_transaction(const db *d);
/* Reads that belong together, on one snapshot of the database: what a
 * request reads before it decides what to write (and writes with
 * db_write_grouped, after db_read_end). On SQLite the statements between also
 * share the connection's page cache, which a commit by any other connection
 * empties at the start of each read otherwise. No write, db_begin or
 * db_write_grouped inside (refused). Inside an open transaction both calls do
 * nothing. db_read_end never fails: reads have nothing to keep. */
int db_read_begin(db *d, em_error *err);
void db_read_end(db *d);

/* ---- group commit ----
 * A write that must be durable before its caller answers, and is short and
 * frequent (a quiz submission), can share its commit with the writes that
 * arrive meanwhile: db_write_grouped runs fn(d', ctx, err) in a transaction
 * level of its own (a savepoint) inside one transaction that holds every
 * write queued on the pool at that moment, and one commit (one WAL fsync, and
 * each page the group changes written once) makes them all durable. fn may
 * run on another thread and connection (d' is the one to use: never the
 * caller's db, its thread's state, or anything but ctx); it is called once.
 * It returns EM_OK (its writes are kept) or an error (its writes alone are
 * undone: the others go on). The call returns when the group is committed:
 * fn's result, or the commit's error when the group could not be committed
 * (then nothing of fn is kept, though fn returned EM_OK). At most
 * DB_GROUP_MAX writes share a commit.
 * SQLite connections of a pool only; elsewhere (PostgreSQL, which takes
 * concurrent writers itself; a connection opened alone) and inside an open
 * transaction, fn runs at once on d in db_begin ... db_commit. */
typedef int (*db_work_fn)(db *d, void *ctx, em_error *err);
#define DB_GROUP_MAX 64
int db_write_grouped(db *d, db_work_fn fn, void *ctx, em_error *err);

/* ---- statements ---- */
/* Prepare `sql` (placeholders $1..$N). The statement belongs to `d` and must be
 * finalized before db_close. Free with db_finalize; db_finalize(NULL) is a no-op. */
int db_prepare(db *d, const char *sql, db_stmt **out /* OUT */, em_error *err);
void db_finalize(db_stmt *st);
/* The same for statements run again and again (hot paths): the statement is
 * kept by the connection, keyed by the address of `sql` (which must be a
 * string with static storage), and handed out reset; db_finalize gives it back
 * instead of freeing it. PostgreSQL prepares it on the server once per
 * connection. When the same SQL is already in use on this connection (nested
 * use), a fresh statement is prepared as db_prepare would. */
int db_prepare_cached(db *d, const char *sql, db_stmt **out /* OUT */, em_error *err);
/* Clear results and bindings so the statement can run again. */
void db_reset(db_stmt *st);

/* Bind parameter $idx (1-based). Text is copied. */
int db_bind_text(db_stmt *st, int idx, const char *value);
int db_bind_int64(db_stmt *st, int idx, int64_t value);
int db_bind_double(db_stmt *st, int idx, double value);
int db_bind_null(db_stmt *st, int idx);
int db_bind_bool(db_stmt *st, int idx, bool value);

/* Run or advance: DB_ROW when a row is available, DB_DONE when finished, a
 * negative code on error (EM_E_CONFLICT for unique/foreign-key violations,
 * EM_E_BUSY when locked past the timeout, EM_E_UNAVAILABLE when the connection
 * was lost, EM_E_DB otherwise). */
int db_step(db_stmt *st, em_error *err);

/* Row loops: advance to the next row when *rc is EM_OK. True when a row is
 * available (and *rc stays EM_OK); false when the statement is done (*rc
 * EM_OK) or failed (*rc the error). Does nothing and returns false when *rc is
 * already an error, so setup errors fall through:
 *     int rc = db_prepare(...); ... binds ...
 *     while (db_next(st, &rc, err)) { ...columns... }
 *     db_finalize(st);  // rc: EM_OK or the first error */
bool db_next(db_stmt *st, int *rc, em_error *err);

/* Column accessors for the current row (0-based). Text is borrowed and valid
 * until the next db_step/db_reset/db_finalize; NULL for SQL NULL. Without a
 * current row (before the first DB_ROW, after DB_DONE) or out of range, values
 * read as NULL/0/false. Count and names are known after the first db_step on
 * every backend (SQLite knows them from db_prepare on). PostgreSQL timestamptz
 * values read as ISO-8601 UTC text, like SQLite's stored text; booleans read
 * alike ("t"/"f" and 1/0 both work with db_column_bool/db_column_int64). */
int db_column_count(db_stmt *st);
const char *db_column_name(db_stmt *st, int col);
const char *db_column_text(db_stmt *st, int col);
int64_t db_column_int64(db_stmt *st, int col);
double db_column_double(db_stmt *st, int col);
bool db_column_bool(db_stmt *st, int col);
bool db_column_is_null(db_stmt *st, int col);
/* The column's text as an owned copy (free with free()), NULL for NULL. */
char *db_column_strdup(db_stmt *st, int col);

/* One statement with text parameters, stepped once: prepare `sql`, bind
 * params[0..n) as $1..$n (a NULL entry binds SQL NULL), step, finalize.
 * Returns DB_ROW when the statement produced a row (an existence check),
 * DB_DONE when it finished without one (a write), or a negative error. For
 * statements whose row, if any, the caller does not need to read. */
int db_run(db *d, const char *sql, const char *const *params, int n, em_error *err);
/* db_run through db_prepare_cached: `sql` must have static storage. */
int db_run_cached(db *d, const char *sql, const char *const *params, int n, em_error *err);

/* Rows changed by the last completed statement on this connection. */
int64_t db_changes(db *d);

/* ---- per-thread pool ---- */
/* A pool opens nothing until a thread asks (its checkpoint thread, when
 * opts->checkpoint_ms > 0 on SQLite, opens its own connection on its first
 * round). Free with dbpool_free, after every thread that used it has stopped;
 * dbpool_free(NULL) is a no-op. */
int dbpool_new(const char *url, const db_options *opts, dbpool **out /* OUT */, em_error *err);
void dbpool_free(dbpool *p);
/* The calling thread's connection (borrowed; valid until dbpool_free). A
 * PostgreSQL connection found broken is reset first. EM_E_UNAVAILABLE when it
 * cannot be opened. */
int dbpool_get(dbpool *p, db **out /* OUT */, em_error *err);
/* Close the calling thread's connection now (before the thread ends), so a
 * pool used by many short-lived threads does not keep one connection per dead
 * thread until dbpool_free. No-op when the thread has none. */
void dbpool_release(dbpool *p);
/* The pool's URL as given, password included (borrowed; use db_url_redact
 * before logging it). */
const char *dbpool_url(const dbpool *p);
db_dialect dbpool_dialect(const dbpool *p);

#endif
