/* db_sqlite: the SQLite backend of db.h (see db_int.h for the contract).
 *
 * One sqlite3 handle per connection, opened without SQLite's own mutexes (a
 * connection is used by one thread at a time), in WAL mode with foreign keys on.
 * Placeholders keep PostgreSQL's spelling: SQLite reads "$1" as a named
 * parameter, so binding looks the name up. "Database lost" (the file deleted or
 * replaced under a running server) is found by comparing the file's device and
 * inode with those recorded at open. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db_int.h"

typedef struct sqlite_conn {
    sqlite3 *h;     /* owned */
    int timeout_ms; /* how long a writer waits for the lock */
    char *path;     /* owned absolute path of the file; NULL for :memory: */
    dev_t dev;      /* device and inode of the file at open */
    ino_t ino;
} sqlite_conn;

typedef struct sqlite_stmt {
    sqlite_conn *c;  /* borrowed */
    sqlite3_stmt *h; /* owned */
    /* SQLite's index of the parameter "$N" at slot[N] (0: the SQL has no $N),
       read once at prepare: binds are the hot path */
    int nslots;
    int *slot; /* owned */
} sqlite_stmt;

/* The longest SQL excerpt copied into a log line. */
#define SQL_LOG_MAX 300

static int map_code(int ext)
{
    switch (ext & 0xff) {
    case SQLITE_CONSTRAINT: return EM_E_CONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return EM_E_BUSY;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_IOERR: return EM_E_UNAVAILABLE;
    case SQLITE_READONLY: return ext == SQLITE_READONLY_DBMOVED ? EM_E_UNAVAILABLE : EM_E_DB;
    case SQLITE_FULL: return EM_E_IO;
    case SQLITE_TOOBIG: return EM_E_TOO_LARGE;
    case SQLITE_NOMEM: return EM_E_NOMEM;
    case SQLITE_RANGE:
    case SQLITE_MISUSE: return EM_E_INVAL;
    default: return EM_E_DB;
    }
}

/* Log the full detail of SQLite's last error on `h` (with an excerpt of the
 * SQL, which holds placeholders, never values) and give the caller the code and
 * a user-safe message. */
static int fail(sqlite3 *h, const char *op, const char *sql, em_error *err)
{
    int ext = h != NULL ? sqlite3_extended_errcode(h) : SQLITE_NOMEM;
    int rc = map_code(ext);
    json_t *f = json_object();
    json_object_set_new(f, "backend", json_string("sqlite"));
    json_object_set_new(f, "op", json_string(op));
    json_object_set_new(f, "sqlite_code", json_integer(ext));
    json_object_set_new(f, "detail", json_string(h != NULL ? sqlite3_errmsg(h) : "no handle"));
    if (sql != NULL)
        json_object_set_new(f, "sql", json_stringn(sql, strnlen(sql, SQL_LOG_MAX)));
    log_emit(rc == EM_E_CONFLICT || rc == EM_E_BUSY ? LOG_WARN : LOG_ERROR, "database error", f);
    return em_error_set(err, rc, "%s", db__safe_message(rc));
}

/* Create every missing directory above the file `path` (mode 0700). */
static int make_parent_dirs(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path)
        return EM_OK; /* the current or root directory: nothing to create */
    int e = files_mkdirs(path, (size_t)(slash - path));
    if (e != 0) {
        log_msg(LOG_ERROR, "db: cannot create the directory of %s: %s", path, strerror(e));
        return EM_E_IO;
    }
    return EM_OK;
}

/* Run a one-row pragma and return its text result in `out` (empty on none). */
static int pragma_text(sqlite3 *h, const char *sql, char *out, size_t outsz)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        return SQLITE_ERROR;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (t != NULL)
            snprintf(out, outsz, "%s", (const char *)t);
        src = SQLITE_OK;
    } else if (src == SQLITE_DONE) {
        src = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return src;
}

/* Process-wide SQLite settings, made once before the first connection:
 * allocation statistics off, since keeping them takes a global mutex on every
 * allocation of every connection (measured: 3.5% of a 50-row read). */
static pthread_once_t sq_once = PTHREAD_ONCE_INIT;

static void sq_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Waiting for the write lock. SQLite's own busy timeout sleeps in steps of
 * milliseconds; with several processes taking short write transactions (job
 * claims, enqueues) most waits are tens of microseconds, so those steps cost
 * more than the work. Sleep 20 us, doubling to at most 1 ms, until the
 * connection's timeout has passed. */
static int sq_busy(void *arg, int count)
{
    sqlite_conn *c = arg;
    static const int64_t step_us[] = {20, 40, 80, 160, 320, 640, 1000};
    int64_t waited = 0;
    for (int i = 0; i < count; i++)
        waited += step_us[i < 6 ? i : 6];
    if (waited >= (int64_t)c->timeout_ms * 1000)
        return 0; /* give up: SQLITE_BUSY */
    int64_t us = step_us[count < 6 ? count : 6];
    struct timespec ts = {0, (long)(us * 1000)};
    nanosleep(&ts, NULL);
    return 1;
}

static int sq_open(const char *target, const db_options *opts, void **out, em_error *err)
{
    pthread_once(&sq_once, sq_configure);
    int rc = EM_OK;
    sqlite_conn *c = em_calloc(1, sizeof *c);
    bool memory = strcmp(target, ":memory:") == 0;
    char mode[32];
    struct stat sb;

    if (!memory && !opts->must_exist) {
        rc = make_parent_dirs(target);
        if (rc != EM_OK) {
            rc = em_error_set(err, EM_E_UNAVAILABLE, "cannot create the database directory");
            goto fail; /* c holds nothing yet */
        }
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (opts->must_exist ? 0 : SQLITE_OPEN_CREATE);
    int src = sqlite3_open_v2(target, &c->h, flags, NULL);
    if (src != SQLITE_OK) {
        log_msg(LOG_ERROR, "db: cannot open SQLite database %s: %s", target,
                c->h != NULL ? sqlite3_errmsg(c->h) : sqlite3_errstr(src));
        rc = em_error_set(err, EM_E_UNAVAILABLE, "cannot open the database");
        goto fail; /* closes c->h if SQLite allocated one */
    }
    sqlite3_extended_result_codes(c->h, 1);
    c->timeout_ms = opts->timeout_ms;
    sqlite3_busy_handler(c->h, sq_busy, c);
    /* FULL: a commit is on disk (WAL fsynced) before it is acknowledged, so a
     * power cut loses nothing that was answered; NORMAL only on request.
     * temp_store MEMORY: temporary files (the journal of a savepoint, as
     * each unit of a group commit has, past 64 KiB; a sort without an index)
     * stay in memory. On files they were created, written and deleted about
     * 15 times a second under a submission load, some under the writer lock;
     * in memory the same load ran 8 % less CPU a request, 14 % more of them. */
#define SQ_PRAGMAS_COMMON "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; "
    if (sqlite3_exec(c->h,
                     opts->sqlite_sync_normal ? SQ_PRAGMAS_COMMON "PRAGMA synchronous = NORMAL;"
                                              : SQ_PRAGMAS_COMMON "PRAGMA synchronous = FULL;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fail(c->h, "open", NULL, NULL);
        rc = em_error_set(err, EM_E_UNAVAILABLE, "cannot open the database");
        goto fail;
    }
    if (pragma_text(c->h, "PRAGMA journal_mode = WAL", mode, sizeof mode) != SQLITE_OK) {
        fail(c->h, "open", NULL, NULL);
        rc = em_error_set(err, EM_E_UNAVAILABLE, "cannot open the database");
        goto fail;
    }
    if (!memory && strcmp(mode, "wal") != 0)
        log_msg(LOG_WARN, "db: SQLite journal mode is %s, not wal", mode);
    if (opts->checkpoint_ms > 0) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA wal_autocheckpoint = %d", DB_WAL_BACKSTOP_PAGES);
        if (sqlite3_exec(c->h, pragma, NULL, NULL, NULL) != SQLITE_OK) {
            fail(c->h, "open", NULL, NULL);
            rc = em_error_set(err, EM_E_UNAVAILABLE, "cannot open the database");
            goto fail;
        }
    }
    if (!memory) {
        c->path = realpath(target, NULL);
        if (c->path == NULL || stat(c->path, &sb) != 0) {
            log_msg(LOG_ERROR, "db: cannot stat SQLite database %s: %s", target, strerror(errno));
            rc = em_error_set(err, EM_E_UNAVAILABLE, "cannot open the database");
            goto fail;
        }
        c->dev = sb.st_dev;
        c->ino = sb.st_ino;
    }
    *out = c;
    return EM_OK;

fail:
    sqlite3_close_v2(c->h);
    free(c->path);
    free(c);
    return rc;
}

static void sq_close(void *conn)
{
    sqlite_conn *c = conn;
    if (c == NULL)
        return;
    if (sqlite3_close_v2(c->h) != SQLITE_OK)
        log_msg(LOG_WARN, "db: closing SQLite: %s", sqlite3_errmsg(c->h));
    free(c->path);
    free(c);
}

static int sq_exec(void *conn, const char *sql, em_error *err)
{
    sqlite_conn *c = conn;
    if (sqlite3_exec(c->h, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(c->h, "exec", sql, err);
    return EM_OK;
}

/* The file must still be the one opened: deleted or replaced means the data
 * this connection writes would be lost, so report the database unavailable. */
static int sq_check(void *conn, em_error *err)
{
    sqlite_conn *c = conn;
    struct stat sb;
    int moved = 0;
    if (c->path == NULL)
        return EM_OK;
    if (stat(c->path, &sb) != 0) {
        log_msg(LOG_ERROR, "db: SQLite database file %s is gone: %s", c->path, strerror(errno));
        return em_error_set(err, EM_E_UNAVAILABLE, "database unavailable");
    }
    if (sb.st_dev != c->dev || sb.st_ino != c->ino) {
        log_msg(LOG_ERROR, "db: SQLite database file %s was replaced", c->path);
        return em_error_set(err, EM_E_UNAVAILABLE, "database unavailable");
    }
    if (sqlite3_file_control(c->h, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved) {
        log_msg(LOG_ERROR, "db: SQLite database file %s has moved", c->path);
        return em_error_set(err, EM_E_UNAVAILABLE, "database unavailable");
    }
    return EM_OK;
}

static bool sq_in_tx(void *conn)
{
    sqlite_conn *c = conn;
    return sqlite3_get_autocommit(c->h) == 0;
}

static int sq_begin(void *conn, em_error *err)
{
    return sq_exec(conn, "BEGIN IMMEDIATE", err);
}

static int sq_commit(void *conn, em_error *err)
{
    return sq_exec(conn, "COMMIT", err);
}

static void sq_rollback(void *conn)
{
    sqlite_conn *c = conn;
    if (sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
        log_msg(LOG_WARN, "db: SQLite rollback: %s", sqlite3_errmsg(c->h));
}

static int64_t sq_changes(void *conn)
{
    sqlite_conn *c = conn;
    return sqlite3_changes64(c->h);
}

/* PASSIVE: copies what no reader still needs and never waits, so it cannot
 * hold up a request; a busy database is no error (the next round catches up). */
static int sq_checkpoint(void *conn, em_error *err)
{
    sqlite_conn *c = conn;
    int src = sqlite3_wal_checkpoint_v2(c->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (src != SQLITE_OK && src != SQLITE_BUSY && src != SQLITE_LOCKED)
        return fail(c->h, "checkpoint", NULL, err);
    return EM_OK;
}

/* Run an online backup from src to dst to its end: a step copies every page
 * at once; a lock held elsewhere is waited for (c's busy timeout), and a
 * write to the source meanwhile makes SQLite start over, as it must. */
static int copy_pages(sqlite_conn *c, sqlite3 *dst, sqlite3 *src, const char *op, em_error *err)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == NULL)
        return fail(dst, op, NULL, err);
    int src_rc, waited_ms = 0;
    while ((src_rc = sqlite3_backup_step(b, -1)) == SQLITE_OK || src_rc == SQLITE_BUSY ||
           src_rc == SQLITE_LOCKED) {
        if (src_rc == SQLITE_OK)
            continue;
        if (waited_ms >= c->timeout_ms)
            break;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
        waited_ms += 5;
    }
    sqlite3_backup_finish(b);
    if (src_rc == SQLITE_DONE)
        return EM_OK;
    log_emit(LOG_ERROR, "sqlite backup failed",
             json_pack("{s:s, s:s}", "op", op, "error", sqlite3_errstr(src_rc)));
    if (src_rc == SQLITE_BUSY || src_rc == SQLITE_LOCKED)
        return em_error_set(err, EM_E_BUSY, "the database stayed locked; try again");
    return em_error_set(err, EM_E_DB, "%s failed: %s", op, sqlite3_errstr(src_rc));
}

static int sq_snapshot(void *conn, const char *path, em_error *err)
{
    sqlite_conn *c = conn;
    struct stat sb;
    if (stat(path, &sb) == 0)
        return em_error_set(err, EM_E_CONFLICT, "%s exists already", path);
    sqlite3 *dst = NULL;
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        sqlite3_close(dst);
        unlink(path);
        return em_error_set(err, EM_E_IO, "cannot create %s", path);
    }
    int rc = copy_pages(c, dst, c->h, "snapshot", err);
    /* The copy carries the source's WAL mode in its header: back to a
     * rollback journal, so that the file alone is the whole database. */
    if (rc == EM_OK && sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK)
        rc = fail(dst, "snapshot", NULL, err);
    if (sqlite3_close(dst) != SQLITE_OK && rc == EM_OK)
        rc = em_error_set(err, EM_E_IO, "cannot close %s", path);
    if (rc != EM_OK)
        unlink(path);
    return rc;
}

static int sq_restore(void *conn, const char *path, em_error *err)
{
    sqlite_conn *c = conn;
    sqlite3 *src = NULL;
    if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(src);
        return em_error_set(err, EM_E_NOT_FOUND, "cannot open %s", path);
    }
    int rc = copy_pages(c, c->h, src, "restore", err);
    sqlite3_close(src);
    /* the restored header says rollback journal: this database stays WAL */
    if (rc == EM_OK && sqlite3_exec(c->h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)
        rc = fail(c->h, "restore", NULL, err);
    return rc;
}

/* The number N of a parameter named "$N", or 0. */
static int param_number(const char *name)
{
    if (name == NULL || name[0] != '$' || name[1] < '1' || name[1] > '9')
        return 0;
    long n = 0;
    for (const char *p = name + 1; *p; p++) {
        if (*p < '0' || *p > '9' || n > 100000)
            return 0;
        n = n * 10 + (*p - '0');
    }
    return (int)n;
}

static void map_params(sqlite_stmt *s)
{
    int count = sqlite3_bind_parameter_count(s->h), max = 0;
    for (int i = 1; i <= count; i++) {
        int n = param_number(sqlite3_bind_parameter_name(s->h, i));
        max = n > max ? n : max;
    }
    s->nslots = max;
    s->slot = em_calloc((size_t)max + 1, sizeof *s->slot);
    for (int i = 1; i <= count; i++) {
        int n = param_number(sqlite3_bind_parameter_name(s->h, i));
        if (n > 0)
            s->slot[n] = i;
    }
}

static int sq_prepare(void *conn, const char *sql, void **out, em_error *err)
{
    sqlite_conn *c = conn;
    sqlite3_stmt *h = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(c->h, sql, -1, &h, &tail) != SQLITE_OK)
        return fail(c->h, "prepare", sql, err);
    if (h == NULL) {
        log_msg(LOG_ERROR, "db: prepare of an empty statement");
        return em_error_set(err, EM_E_INVAL, "%s", db__safe_message(EM_E_INVAL));
    }
    tail += strspn(tail, " \t\r\n;");
    if (*tail != '\0') {
        sqlite3_finalize(h);
        log_msg(LOG_ERROR, "db: prepare of several statements (use db_exec)");
        return em_error_set(err, EM_E_INVAL, "%s", db__safe_message(EM_E_INVAL));
    }
    sqlite_stmt *s = em_calloc(1, sizeof *s);
    s->c = c;
    s->h = h;
    map_params(s);
    *out = s;
    return EM_OK;
}

static void sq_finalize(void *stmt)
{
    sqlite_stmt *s = stmt;
    sqlite3_finalize(s->h);
    free(s->slot);
    free(s);
}

static void sq_reset(void *stmt)
{
    sqlite_stmt *s = stmt;
    sqlite3_reset(s->h);
    sqlite3_clear_bindings(s->h);
}

/* SQLite's index of the parameter named "$idx" (0 when the SQL has none). */
static int param_index(sqlite_stmt *s, int idx)
{
    return idx >= 1 && idx <= s->nslots ? s->slot[idx] : 0;
}

static bool sq_has_param(void *stmt, int idx)
{
    return param_index(stmt, idx) > 0;
}

static int bind_result(sqlite_stmt *s, int src)
{
    if (src == SQLITE_OK)
        return EM_OK;
    return fail(s->c->h, "bind", NULL, NULL);
}

static int sq_bind_text(void *stmt, int idx, const char *value)
{
    sqlite_stmt *s = stmt;
    return bind_result(s, sqlite3_bind_text(s->h, param_index(s, idx), value, -1, SQLITE_TRANSIENT));
}

static int sq_bind_int64(void *stmt, int idx, int64_t value)
{
    sqlite_stmt *s = stmt;
    return bind_result(s, sqlite3_bind_int64(s->h, param_index(s, idx), value));
}

static int sq_bind_double(void *stmt, int idx, double value)
{
    sqlite_stmt *s = stmt;
    return bind_result(s, sqlite3_bind_double(s->h, param_index(s, idx), value));
}

static int sq_bind_null(void *stmt, int idx)
{
    sqlite_stmt *s = stmt;
    return bind_result(s, sqlite3_bind_null(s->h, param_index(s, idx)));
}

static int sq_bind_bool(void *stmt, int idx, bool value)
{
    sqlite_stmt *s = stmt;
    return bind_result(s, sqlite3_bind_int(s->h, param_index(s, idx), value ? 1 : 0));
}

static int sq_step(void *stmt, em_error *err)
{
    sqlite_stmt *s = stmt;
    int src = sqlite3_step(s->h);
    if (src == SQLITE_ROW)
        return DB_ROW;
    if (src == SQLITE_DONE)
        return DB_DONE;
    return fail(s->c->h, "step", sqlite3_sql(s->h), err);
}

static int sq_column_count(void *stmt)
{
    sqlite_stmt *s = stmt;
    return sqlite3_column_count(s->h);
}

static const char *sq_column_name(void *stmt, int col)
{
    sqlite_stmt *s = stmt;
    return sqlite3_column_name(s->h, col);
}

static const char *sq_column_text(void *stmt, int col)
{
    sqlite_stmt *s = stmt;
    return (const char *)sqlite3_column_text(s->h, col);
}

/* Integers as SQLite converts them, plus "t"/"true"/"f"/"false" text as 1/0 so
 * booleans read alike on both backends. */
static int64_t sq_column_int64(void *stmt, int col)
{
    sqlite_stmt *s = stmt;
    if (sqlite3_column_type(s->h, col) == SQLITE_TEXT) {
        const char *t = (const char *)sqlite3_column_text(s->h, col);
        if (strcasecmp(t, "t") == 0 || strcasecmp(t, "true") == 0)
            return 1;
        if (strcasecmp(t, "f") == 0 || strcasecmp(t, "false") == 0)
            return 0;
    }
    return sqlite3_column_int64(s->h, col);
}

static double sq_column_double(void *stmt, int col)
{
    sqlite_stmt *s = stmt;
    return sqlite3_column_double(s->h, col);
}

static bool sq_column_bool(void *stmt, int col)
{
    sqlite_stmt *s = stmt;
    switch (sqlite3_column_type(s->h, col)) {
    case SQLITE_INTEGER: return sqlite3_column_int64(s->h, col) != 0;
    case SQLITE_FLOAT: return sqlite3_column_double(s->h, col) != 0.0;
    case SQLITE_NULL: return false;
    default: return db__text_is_true((const char *)sqlite3_column_text(s->h, col));
    }
}

static bool sq_column_is_null(void *stmt, int col)
{
    sqlite_stmt *s = stmt;
    return sqlite3_column_type(s->h, col) == SQLITE_NULL;
}

const db_backend db__sqlite_backend = {
    .name = "sqlite",
    .dialect = DB_SQLITE,
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .check = sq_check,
    .in_tx = sq_in_tx,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .changes = sq_changes,
    .checkpoint = sq_checkpoint,
    .snapshot = sq_snapshot,
    .restore = sq_restore,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .has_param = sq_has_param,
    .bind_text = sq_bind_text,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_null = sq_bind_null,
    .bind_bool = sq_bind_bool,
    .step = sq_step,
    .column_count = sq_column_count,
    .column_name = sq_column_name,
    .column_text = sq_column_text,
    .column_int64 = sq_column_int64,
    .column_double = sq_column_double,
    .column_bool = sq_column_bool,
    .column_is_null = sq_column_is_null,
};

int db_snapshot_check(const char *path, em_error *err)
{
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(h);
        return em_error_set(err, EM_E_INVAL, "%s is not an SQLite database", path);
    }
    sqlite3_stmt *st = NULL;
    char first[200] = "";
    int src = sqlite3_prepare_v2(h, "PRAGMA integrity_check(1)", -1, &st, NULL);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(first, sizeof first, "%s", t != NULL ? (const char *)t : "");
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    if (strcmp(first, "ok") == 0)
        return EM_OK;
    return em_error_set(err, EM_E_INVAL, "%s is damaged: %s", path, first[0] ? first : sqlite3_errstr(src));
}
