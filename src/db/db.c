/* db: the public database interface. This file parses URLs, checks arguments and
 * statement state, dispatches to the backend chosen at db_open (db_sqlite.c or
 * db_pg.c, see db_int.h) and holds the per-thread connection pool. */
#include "db/db.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db_int.h"

/* The longest URL accepted; also bounds the redacted copy made for logs. */
#define DB_URL_MAX 4096
/* Busy timeout (SQLite) / connect timeout (PostgreSQL) when none is given. */
#define DB_DEFAULT_TIMEOUT_MS 5000

/* Statements kept by a connection for db_prepare_cached. */
#define DB_CACHE_MAX 48

typedef struct cached_stmt {
    const char *sql; /* the key: the caller's static string */
    db_stmt *st;     /* owned by the connection */
    bool busy;       /* handed out and not yet given back */
} cached_stmt;

struct db {
    const db_backend *be; /* chosen once at open, never changes */
    void *conn;           /* owned by the backend, freed with be->close */
    int open_stmts;       /* statements not yet finalized (must be 0 at close) */
    int tx_depth;         /* open db_begin levels: 1 the transaction, more its savepoints */
    bool reading;         /* inside db_read_begin ... db_read_end */
    cached_stmt cache[DB_CACHE_MAX];
    int ncache;
    /* SQLite connections of one pool share the pool's writer lock: the
     * outermost db_begin takes it before BEGIN IMMEDIATE and the end of the
     * transaction gives it back, so the pool's writers queue on a mutex
     * (woken the moment the writer before them ends) instead of polling
     * SQLite's lock in the busy handler. NULL elsewhere. */
    pthread_mutex_t *writer;
    bool holds_writer;
    struct dbpool *pool; /* SQLite connections of a pool: where db_write_grouped queues */
};

static void tx_ended(db *d);

/* A statement moves READY -> ROWS -> DONE; db_reset brings it back to READY. */
enum { STMT_READY = 0, STMT_ROWS = 1, STMT_DONE = 2 };

struct db_stmt {
    db *d;          /* borrowed; outlives the statement */
    void *impl;     /* owned by the backend, freed with be->finalize */
    int state;      /* STMT_READY, STMT_ROWS or STMT_DONE */
    int last_rc;    /* DB_DONE or the error that ended the run */
    int cache_slot; /* index in d->cache, or -1 */
};

struct dbpool {
    char *url; /* owned copy of the URL */
    db_options opts;
    db_dialect dialect;
    pthread_key_t key;  /* the calling thread's db *, or NULL */
    pthread_mutex_t mu; /* guards conns/n/cap */
    db **conns;         /* owned: every connection opened through the pool */
    size_t n, cap;
    /* The checkpoint thread (SQLite with opts.checkpoint_ms > 0). */
    bool checkpointing;  /* the thread runs */
    bool stopping;       /* guarded by mu: dbpool_free asks the thread to end */
    pthread_cond_t wake; /* signalled on stopping (CLOCK_MONOTONIC waits) */
    pthread_t checkpointer;
    pthread_mutex_t writer; /* SQLite: the writer lock of the pool's connections (struct db) */
    /* db_write_grouped's queue (SQLite): writes wait here for a leader, a
     * writer of the pool that takes every queued write into its transaction. */
    pthread_mutex_t group_mu;
    pthread_cond_t group_done; /* broadcast when a group is committed */
    struct group_job *group_head, **group_tail;
    bool group_leading; /* a leader is running a group */
    /* The connection every group runs on, whichever thread leads it (the
     * leader's alone while it leads): its page cache stays warm, where a
     * connection that another one wrote after must read its pages again. */
    db *group_conn;
};

/* ---- helpers shared with the backends ---- */

const char *db__safe_message(int rc)
{
    switch (rc) {
    case EM_E_CONFLICT: return "the record conflicts with an existing one";
    case EM_E_BUSY: return "the database is busy, try again";
    case EM_E_UNAVAILABLE: return "database unavailable";
    case EM_E_INVAL: return "invalid database request";
    case EM_E_TOO_LARGE: return "value too large for the database";
    case EM_E_IO: return "database storage error";
    case EM_E_NOMEM: return "out of memory";
    default: return "database error";
    }
}

bool db__text_is_true(const char *s)
{
    if (s == NULL)
        return false;
    if (strcasecmp(s, "t") == 0 || strcasecmp(s, "true") == 0)
        return true;
    return strtod(s, NULL) != 0.0;
}

/* ---- URLs ---- */

static bool has_prefix_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

int db_dialect_of_url(const char *url)
{
    if (url == NULL)
        return EM_E_INVAL;
    if (has_prefix_ci(url, "sqlite:"))
        return DB_SQLITE;
    if (has_prefix_ci(url, "postgres://") || has_prefix_ci(url, "postgresql://"))
        return DB_POSTGRES;
    return EM_E_INVAL;
}

/* The SQLite target of a sqlite: URL: "sqlite:///abs" -> "/abs", "sqlite://rel" ->
 * "rel", "sqlite::memory:" -> ":memory:". Borrowed from `url`; NULL when malformed. */
static const char *sqlite_target(const char *url)
{
    const char *rest = url + strlen("sqlite:");
    if (strcmp(rest, ":memory:") == 0)
        return rest;
    if (strncmp(rest, "//", 2) != 0)
        return NULL;
    rest += 2;
    if (rest[0] == '\0' || strchr(rest, '?') != NULL || strchr(rest, '#') != NULL)
        return NULL;
    if (rest[0] == '/' && rest[1] == '\0')
        return NULL;
    return rest;
}

/* Replace the value of every "password=" query parameter with "***". */
static int redact_query(buf *out, const char *q)
{
    int rc = EM_OK;
    while (*q != '\0' && rc == EM_OK) {
        size_t n = strcspn(q, "&");
        if (n >= 9 && strncasecmp(q, "password=", 9) == 0)
            rc = buf_append_str(out, "password=***");
        else
            rc = buf_append(out, q, n);
        q += n;
        if (*q == '&') {
            if (rc == EM_OK)
                rc = buf_append(out, "&", 1);
            q++;
        }
    }
    return rc;
}

/* A copy of a database URL fit for logs: the password of a postgres URL, in
 * the user-info part or a password= parameter, is replaced by "***". */
char *db_url_redact(const char *url)
{
    buf out;
    buf_init(&out, DB_URL_MAX + 16);
    if (url == NULL)
        return buf_steal(&out);
    if (db_dialect_of_url(url) != DB_POSTGRES || strlen(url) > DB_URL_MAX) {
        if (strlen(url) > DB_URL_MAX)
            buf_append_str(&out, "(url too long)");
        else
            buf_append_str(&out, url);
        return buf_steal(&out);
    }
    const char *auth = strstr(url, "://") + 3;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < auth_len; i++) {
        if (auth[i] == '@')
            at = auth + i;
    }
    buf_append(&out, url, (size_t)(auth - url));
    if (at != NULL) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        if (colon != NULL) {
            buf_append(&out, auth, (size_t)(colon - auth));
            buf_append_str(&out, ":***");
        } else {
            buf_append(&out, auth, (size_t)(at - auth));
        }
        buf_append(&out, at, (size_t)(auth + auth_len - at));
    } else {
        buf_append(&out, auth, auth_len);
    }
    const char *rest = auth + auth_len;
    const char *q = strchr(rest, '?');
    if (q == NULL) {
        buf_append_str(&out, rest);
    } else {
        buf_append(&out, rest, (size_t)(q + 1 - rest));
        redact_query(&out, q + 1);
    }
    return buf_steal(&out);
}

/* ---- connections ---- */

int db_open(const char *url, const db_options *opts, db **out, em_error *err)
{
    int rc = EM_OK;
    const db_backend *be = NULL;
    const char *target = NULL;
    void *conn = NULL;
    db *d = NULL;
    db_options defaults = {.timeout_ms = DB_DEFAULT_TIMEOUT_MS};

    assert(out != NULL);
    *out = NULL;
    if (opts == NULL || opts->timeout_ms <= 0)
        opts = &defaults;
    if (url == NULL || strlen(url) > DB_URL_MAX) {
        rc = em_error_set(err, EM_E_INVAL, "invalid database URL");
        goto done;
    }
    switch (db_dialect_of_url(url)) {
    case DB_SQLITE:
        be = &db__sqlite_backend;
        target = sqlite_target(url);
        if (target == NULL) {
            rc = em_error_set(err, EM_E_INVAL,
                              "invalid SQLite URL: use sqlite:///absolute/path, "
                              "sqlite://relative/path or sqlite::memory:");
            goto done;
        }
        break;
    case DB_POSTGRES:
        be = &db__pg_backend;
        target = url;
        break;
    default:
        rc = em_error_set(err, EM_E_INVAL, "unsupported database URL: expected sqlite: or postgres://");
        goto done;
    }
    rc = be->open(target, opts, &conn, err);
    if (rc != EM_OK)
        goto done;
    d = em_calloc(1, sizeof *d);
    d->be = be;
    d->conn = conn;
    *out = d;
done:
    return rc;
}

void db_close(db *d)
{
    if (d == NULL)
        return;
    for (int i = 0; i < d->ncache; i++) {
        assert(!d->cache[i].busy && "finalize every statement before db_close");
        d->cache[i].st->cache_slot = -1;
        db_finalize(d->cache[i].st);
    }
    d->ncache = 0;
    assert(d->open_stmts == 0 && "finalize every statement before db_close");
    tx_ended(d); /* closing ends a transaction left open */
    d->be->close(d->conn);
    free(d);
}

db_dialect db_dialect_of(const db *d)
{
    assert(d != NULL);
    return d->be->dialect;
}

int db_exec(db *d, const char *sql, em_error *err)
{
    assert(d != NULL && sql != NULL);
    return d->be->exec(d->conn, sql, err);
}

int db_snapshot(db *d, const char *path, em_error *err)
{
    assert(d != NULL && path != NULL);
    if (d->be->snapshot == NULL)
        return em_error_set(err, EM_E_UNSUPPORTED, "%s copies its databases with its own tools", d->be->name);
    if (d->be->in_tx(d->conn))
        return em_error_set(err, EM_E_INVAL, "a snapshot cannot be taken inside a transaction");
    return d->be->snapshot(d->conn, path, err);
}

int db_restore(db *d, const char *path, em_error *err)
{
    assert(d != NULL && path != NULL);
    if (d->be->restore == NULL)
        return em_error_set(err, EM_E_UNSUPPORTED, "%s restores its databases with its own tools",
                            d->be->name);
    if (d->be->in_tx(d->conn))
        return em_error_set(err, EM_E_INVAL, "a database cannot be restored inside a transaction");
    /* The pool's writers queue on its mutex: the restore is one of them. */
    if (d->writer != NULL)
        pthread_mutex_lock(d->writer);
    int rc = d->be->restore(d->conn, path, err);
    if (d->writer != NULL)
        pthread_mutex_unlock(d->writer);
    return rc;
}

/* Run a query that returns at most one row and tell whether it gave a row with
 * a true first column. */
static int query_flag(db *d, const char *sql, bool *flag /* OUT */, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare(d, sql, &st, err);
    if (rc != EM_OK)
        return rc;
    *flag = false;
    rc = db_step(st, err);
    if (rc == DB_ROW) {
        *flag = !db_column_is_null(st, 0) && db_column_bool(st, 0);
        rc = EM_OK;
    }
    db_finalize(st);
    return rc;
}

int db__table_exists(db *d, const char *table, bool *exists, em_error *err)
{
    db_stmt *st = NULL;
    const char *sql = d->be->dialect == DB_SQLITE
                          ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
                          : "SELECT to_regclass($1) IS NOT NULL";
    int rc = db_prepare(d, sql, &st, err);
    if (rc != EM_OK)
        return rc;
    *exists = false;
    rc = db_bind_text(st, 1, table);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        *exists = db_column_bool(st, 0);
        rc = EM_OK;
    }
    db_finalize(st);
    return rc;
}

int db_ping(db *d, em_error *err)
{
    bool ok = false;
    bool exists = false;
    assert(d != NULL);
    int rc = d->be->check(d->conn, err);
    if (rc == EM_OK)
        rc = query_flag(d, "SELECT 1", &ok, err);
    if (rc == EM_OK)
        rc = db__table_exists(d, "schema_migrations", &exists, err);
    if (rc == EM_OK && exists)
        rc = query_flag(d, "SELECT count(*) >= 0 FROM schema_migrations", &ok, err);
    return rc;
}

int64_t db_changes(db *d)
{
    assert(d != NULL);
    return d->be->changes(d->conn);
}

/* ---- transactions ---- */

/* Levels beyond the first are savepoints "em_sp_<level>". A level whose
 * transaction the engine has already ended (SQLite rolls a transaction back by
 * itself after some errors, and a lost PostgreSQL connection takes it along)
 * only unwinds the count. */
#define DB_MAX_TX_DEPTH 32

static int savepoint(db *d, const char *verb, int level, em_error *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "%s em_sp_%d", verb, level);
    return d->be->exec(d->conn, sql, err);
}

/* The transaction is over (tx_depth 0): give the writer lock back. */
static void tx_ended(db *d)
{
    if (d->holds_writer) {
        d->holds_writer = false;
        pthread_mutex_unlock(d->writer);
    }
}

int db_begin(db *d, em_error *err)
{
    assert(d != NULL);
    if (d->reading)
        return em_error_set(err, EM_E_INTERNAL, "a write begun inside reads (db_read_end first)");
    if (d->tx_depth == 0) {
        if (d->be->in_tx(d->conn))
            return em_error_set(err, EM_E_INVAL, "a transaction is already open outside db_begin");
        if (d->writer != NULL) {
            pthread_mutex_lock(d->writer);
            d->holds_writer = true;
        }
        int rc = d->be->begin(d->conn, err);
        if (rc == EM_OK)
            d->tx_depth = 1;
        else
            tx_ended(d);
        return rc;
    }
    if (d->tx_depth >= DB_MAX_TX_DEPTH)
        return em_error_set(err, EM_E_INTERNAL, "transactions nested too deep");
    if (!d->be->in_tx(d->conn))
        return em_error_set(err, EM_E_DB, "the transaction was ended by the database");
    int rc = savepoint(d, "SAVEPOINT", d->tx_depth + 1, err);
    if (rc == EM_OK)
        d->tx_depth++;
    return rc;
}

int db_commit(db *d, em_error *err)
{
    assert(d != NULL);
    if (d->tx_depth == 0)
        return em_error_set(err, EM_E_INVAL, "no transaction is open");
    if (!d->be->in_tx(d->conn))
        return em_error_set(err, EM_E_DB, "the transaction was ended by the database");
    int level = d->tx_depth;
    int rc = level > 1 ? savepoint(d, "RELEASE SAVEPOINT", level, err) : d->be->commit(d->conn, err);
    /* A failed COMMIT has usually ended the transaction (PostgreSQL always,
     * SQLite unless it was busy); whatever is still open of this level is left
     * for the caller's db_rollback. */
    if (rc == EM_OK || !d->be->in_tx(d->conn))
        d->tx_depth = level - 1;
    if (d->tx_depth == 0)
        tx_ended(d);
    return rc;
}

void db_rollback(db *d)
{
    if (d == NULL || d->tx_depth == 0)
        return;
    int level = d->tx_depth--;
    if (!d->be->in_tx(d->conn)) {
        d->tx_depth = 0;
        tx_ended(d);
        return;
    }
    if (level == 1) {
        d->be->rollback(d->conn);
        tx_ended(d);
        return;
    }
    /* Back to the savepoint, then drop it: the outer levels go on. */
    em_error e = {0};
    if (savepoint(d, "ROLLBACK TO SAVEPOINT", level, &e) != EM_OK ||
        savepoint(d, "RELEASE SAVEPOINT", level, &e) != EM_OK)
        log_msg(LOG_WARN, "db: rollback to savepoint %d failed: %s", level, e.msg);
}

bool db_in_transaction(const db *d)
{
    return d != NULL && d->tx_depth > 0;
}

int db_read_begin(db *d, em_error *err)
{
    assert(d != NULL);
    if (d->tx_depth > 0) /* inside a transaction: its reads are one snapshot already */
        return EM_OK;
    if (d->reading)
        return em_error_set(err, EM_E_INTERNAL, "reads begun twice");
    if (d->be->in_tx(d->conn))
        return em_error_set(err, EM_E_INVAL, "a transaction is already open outside db_begin");
    /* SQLite: a deferred transaction, whose first read takes the snapshot and
       whose statements share the page cache; PostgreSQL: one snapshot for all */
    int rc = d->be->exec(d->conn,
                         db_dialect_of(d) == DB_POSTGRES ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                                                         : "BEGIN DEFERRED",
                         err);
    if (rc == EM_OK)
        d->reading = true;
    return rc;
}

void db_read_end(db *d)
{
    if (d == NULL || !d->reading)
        return;
    d->reading = false;
    if (!d->be->in_tx(d->conn))
        return;
    em_error e = {0};
    if (d->be->exec(d->conn, "COMMIT", &e) != EM_OK) {
        log_msg(LOG_WARN, "db: ending reads failed: %s", e.msg);
        d->be->rollback(d->conn);
    }
}

/* ---- group commit ---- */

typedef struct group_job {
    db_work_fn fn;
    void *ctx;
    em_error *err;
    int rc;
    bool done; /* guarded by the pool's group_mu */
    struct group_job *next;
} group_job;

/* fn in a transaction level of its own on d. */
static int run_level(db *d, db_work_fn fn, void *ctx, em_error *err)
{
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = fn(d, ctx, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

static void job_failed(group_job *j, int rc, const em_error *e)
{
    j->rc = rc;
    if (j->err != NULL)
        *j->err = *e;
}

/* One group on the leader's connection: one transaction, a savepoint each. */
static void run_group(db *d, group_job *group)
{
    em_error e = {0};
    int rc = db_begin(d, &e);
    for (group_job *j = group; j != NULL; j = j->next) {
        if (rc != EM_OK)
            job_failed(j, rc, &e);
        else
            j->rc = run_level(d, j->fn, j->ctx, j->err);
    }
    if (rc == EM_OK)
        rc = db_commit(d, &e);
    if (rc == EM_OK)
        return;
    db_rollback(d);
    for (group_job *j = group; j != NULL; j = j->next)
        if (j->rc == EM_OK) /* written, then lost with the group */
            job_failed(j, rc, &e);
}

/* The pool's group connection, opened on first use; d (the leader's own)
 * when it cannot be opened. Called by the leader alone. */
static db *group_connection(dbpool *p, db *d)
{
    if (p->group_conn == NULL) {
        db_options opts = p->opts;
        opts.must_exist = true;
        em_error e = {0};
        if (db_open(p->url, &opts, &p->group_conn, &e) != EM_OK) {
            log_msg(LOG_WARN, "db: cannot open the group commit connection: %s", e.msg);
            return d;
        }
        p->group_conn->writer = &p->writer;
    }
    return p->group_conn;
}

int db_write_grouped(db *d, db_work_fn fn, void *ctx, em_error *err)
{
    assert(d != NULL && fn != NULL);
    if (d->reading)
        return em_error_set(err, EM_E_INTERNAL, "a write begun inside reads (db_read_end first)");
    dbpool *p = d->pool;
    if (p == NULL || d->tx_depth > 0)
        return run_level(d, fn, ctx, err);
    group_job j = {.fn = fn, .ctx = ctx, .err = err, .rc = EM_OK};
    pthread_mutex_lock(&p->group_mu);
    *p->group_tail = &j;
    p->group_tail = &j.next;
    while (!j.done) {
        if (p->group_leading) {
            pthread_cond_wait(&p->group_done, &p->group_mu);
            continue;
        }
        /* lead: take what is queued (this write among it, unless the queue
           is longer than a group) */
        p->group_leading = true;
        group_job *group = p->group_head, **cut = &p->group_head;
        for (size_t n = 0; *cut != NULL && n < DB_GROUP_MAX; n++)
            cut = &(*cut)->next;
        p->group_head = *cut;
        *cut = NULL;
        if (p->group_head == NULL)
            p->group_tail = &p->group_head;
        pthread_mutex_unlock(&p->group_mu);
        run_group(group_connection(p, d), group);
        pthread_mutex_lock(&p->group_mu);
        /* a waiter leaves (and its job with its stack) once it sees done: read
           next first */
        for (group_job *g = group; g != NULL;) {
            group_job *next = g->next;
            g->done = true;
            g = next;
        }
        p->group_leading = false;
        pthread_cond_broadcast(&p->group_done);
    }
    pthread_mutex_unlock(&p->group_mu);
    return j.rc;
}

/* ---- statements ---- */

int db_prepare(db *d, const char *sql, db_stmt **out, em_error *err)
{
    void *impl = NULL;
    assert(d != NULL && sql != NULL && out != NULL);
    *out = NULL;
    int rc = d->be->prepare(d->conn, sql, &impl, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = em_calloc(1, sizeof *st);
    st->d = d;
    st->impl = impl;
    st->state = STMT_READY;
    st->cache_slot = -1;
    d->open_stmts++;
    *out = st;
    return EM_OK;
}

int db_prepare_cached(db *d, const char *sql, db_stmt **out, em_error *err)
{
    assert(d != NULL && sql != NULL && out != NULL);
    for (int i = 0; i < d->ncache; i++) {
        if (d->cache[i].sql == sql && !d->cache[i].busy) {
            d->cache[i].busy = true;
            *out = d->cache[i].st;
            return EM_OK;
        }
    }
    int rc = db_prepare(d, sql, out, err);
    if (rc != EM_OK || d->ncache == DB_CACHE_MAX)
        return rc; /* a full cache: an ordinary statement */
    for (int i = 0; i < d->ncache; i++) {
        if (d->cache[i].sql == sql)
            return EM_OK; /* in use (nested): this copy stays ordinary */
    }
    int slot = d->ncache++;
    d->cache[slot] = (cached_stmt){.sql = sql, .st = *out, .busy = true};
    (*out)->cache_slot = slot;
    if (d->be->make_persistent != NULL)
        d->be->make_persistent((*out)->impl);
    return EM_OK;
}

void db_finalize(db_stmt *st)
{
    if (st == NULL)
        return;
    if (st->cache_slot >= 0) { /* a cached statement goes back, reset */
        db_reset(st);
        st->d->cache[st->cache_slot].busy = false;
        return;
    }
    st->d->be->finalize(st->impl);
    st->d->open_stmts--;
    free(st);
}

void db_reset(db_stmt *st)
{
    assert(st != NULL);
    st->d->be->reset(st->impl);
    st->state = STMT_READY;
    st->last_rc = DB_DONE;
}

/* Binding is allowed before the first db_step (or after db_reset), and only to
 * a placeholder the SQL has. */
static int bind_check(db_stmt *st, int idx)
{
    assert(st != NULL);
    if (st->state != STMT_READY) {
        log_msg(LOG_WARN, "db: bind to a statement already run; call db_reset first");
        return EM_E_INVAL;
    }
    if (idx < 1 || !st->d->be->has_param(st->impl, idx))
        return EM_E_INVAL;
    return EM_OK;
}

int db_bind_text(db_stmt *st, int idx, const char *value)
{
    int rc = bind_check(st, idx);
    if (rc != EM_OK)
        return rc;
    if (value == NULL)
        return st->d->be->bind_null(st->impl, idx);
    return st->d->be->bind_text(st->impl, idx, value);
}

int db_bind_int64(db_stmt *st, int idx, int64_t value)
{
    int rc = bind_check(st, idx);
    return rc != EM_OK ? rc : st->d->be->bind_int64(st->impl, idx, value);
}

int db_bind_double(db_stmt *st, int idx, double value)
{
    int rc = bind_check(st, idx);
    return rc != EM_OK ? rc : st->d->be->bind_double(st->impl, idx, value);
}

int db_bind_null(db_stmt *st, int idx)
{
    int rc = bind_check(st, idx);
    return rc != EM_OK ? rc : st->d->be->bind_null(st->impl, idx);
}

int db_bind_bool(db_stmt *st, int idx, bool value)
{
    int rc = bind_check(st, idx);
    return rc != EM_OK ? rc : st->d->be->bind_bool(st->impl, idx, value);
}

/* Once a run has ended (done or failed), further steps repeat its outcome
 * instead of running the statement again: both backends behave alike. */
int db_step(db_stmt *st, em_error *err)
{
    assert(st != NULL);
    if (st->state == STMT_DONE) {
        if (st->last_rc < 0)
            return em_error_set(err, st->last_rc, "%s", db__safe_message(st->last_rc));
        return DB_DONE;
    }
    int rc = st->d->be->step(st->impl, err);
    if (rc == DB_ROW) {
        st->state = STMT_ROWS;
    } else {
        st->state = STMT_DONE;
        st->last_rc = rc;
    }
    return rc;
}

int db_column_count(db_stmt *st)
{
    assert(st != NULL);
    return st->d->be->column_count(st->impl);
}

const char *db_column_name(db_stmt *st, int col)
{
    if (col < 0 || col >= db_column_count(st))
        return NULL;
    return st->d->be->column_name(st->impl, col);
}

/* Column values exist only while a row is current. */
static bool on_row(db_stmt *st, int col)
{
    assert(st != NULL);
    return st->state == STMT_ROWS && col >= 0 && col < st->d->be->column_count(st->impl);
}

const char *db_column_text(db_stmt *st, int col)
{
    return on_row(st, col) ? st->d->be->column_text(st->impl, col) : NULL;
}

char *db_column_strdup(db_stmt *st, int col)
{
    const char *t = db_column_text(st, col);
    return t != NULL ? em_strdup(t) : NULL;
}

int64_t db_column_int64(db_stmt *st, int col)
{
    return on_row(st, col) ? st->d->be->column_int64(st->impl, col) : 0;
}

double db_column_double(db_stmt *st, int col)
{
    return on_row(st, col) ? st->d->be->column_double(st->impl, col) : 0.0;
}

bool db_column_bool(db_stmt *st, int col)
{
    return on_row(st, col) ? st->d->be->column_bool(st->impl, col) : false;
}

bool db_column_is_null(db_stmt *st, int col)
{
    return on_row(st, col) ? st->d->be->column_is_null(st->impl, col) : true;
}

/* ---- per-thread pool ---- */

/* ---- the checkpoint thread ----
 * Commits leave the WAL to grow (up to DB_WAL_BACKSTOP_PAGES); this thread
 * copies it back into the database every checkpoint_ms with a connection of
 * its own, so no request waits for a checkpoint. */

static void *checkpointer_main(void *arg)
{
    dbpool *p = arg;
    db *d = NULL;
    bool warned = false;
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        int64_t ns = until.tv_nsec + (int64_t)p->opts.checkpoint_ms * 1000000;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        while (!p->stopping && pthread_cond_timedwait(&p->wake, &p->mu, &until) != ETIMEDOUT) {
        }
        if (p->stopping)
            break;
        pthread_mutex_unlock(&p->mu);
        em_error err = {0};
        int rc = EM_OK;
        if (d == NULL) {
            db_options opts = p->opts;
            opts.must_exist = true;
            rc = db_open(p->url, &opts, &d, &err);
        }
        if (rc == EM_OK)
            rc = d->be->checkpoint(d->conn, &err);
        if (rc != EM_OK && !warned) /* once: the next rounds retry */
            log_msg(LOG_WARN, "db: background checkpoint failed: %s", err.msg);
        warned = warned || rc != EM_OK;
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    db_close(d);
    return NULL;
}

static int checkpointer_start(dbpool *p, em_error *err)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return em_error_set(err, EM_E_INTERNAL, "cannot create the connection pool");
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int prc = pthread_cond_init(&p->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (prc != 0)
        return em_error_set(err, EM_E_INTERNAL, "cannot create the connection pool");
    if (pthread_create(&p->checkpointer, NULL, checkpointer_main, p) != 0) {
        pthread_cond_destroy(&p->wake);
        return em_error_set(err, EM_E_INTERNAL, "cannot start the checkpoint thread");
    }
    p->checkpointing = true;
    return EM_OK;
}

int dbpool_new(const char *url, const db_options *opts, dbpool **out, em_error *err)
{
    int rc = EM_OK;
    assert(out != NULL);
    *out = NULL;
    if (url == NULL || strlen(url) > DB_URL_MAX)
        return em_error_set(err, EM_E_INVAL, "invalid database URL");
    int dialect = db_dialect_of_url(url);
    if (dialect < 0)
        return em_error_set(err, EM_E_INVAL, "unsupported database URL: expected sqlite: or postgres://");
    if (dialect == DB_SQLITE && sqlite_target(url) == NULL)
        return em_error_set(err, EM_E_INVAL,
                            "invalid SQLite URL: use sqlite:///absolute/path, "
                            "sqlite://relative/path or sqlite::memory:");

    dbpool *p = em_calloc(1, sizeof *p);
    if (pthread_key_create(&p->key, NULL) != 0) {
        rc = em_error_set(err, EM_E_INTERNAL, "cannot create the connection pool");
        goto fail_key; /* nothing but p to free */
    }
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        rc = em_error_set(err, EM_E_INTERNAL, "cannot create the connection pool");
        goto fail_mutex; /* the key exists */
    }
    if (pthread_mutex_init(&p->writer, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        rc = em_error_set(err, EM_E_INTERNAL, "cannot create the connection pool");
        goto fail_mutex;
    }
    if (pthread_mutex_init(&p->group_mu, NULL) != 0) {
        pthread_mutex_destroy(&p->writer);
        pthread_mutex_destroy(&p->mu);
        rc = em_error_set(err, EM_E_INTERNAL, "cannot create the connection pool");
        goto fail_mutex;
    }
    if (pthread_cond_init(&p->group_done, NULL) != 0) {
        pthread_mutex_destroy(&p->group_mu);
        pthread_mutex_destroy(&p->writer);
        pthread_mutex_destroy(&p->mu);
        rc = em_error_set(err, EM_E_INTERNAL, "cannot create the connection pool");
        goto fail_mutex;
    }
    p->group_tail = &p->group_head;
    p->url = em_strdup(url);
    p->dialect = (db_dialect)dialect;
    if (opts != NULL)
        p->opts = *opts;
    if (p->dialect == DB_SQLITE && p->opts.checkpoint_ms > 0 && strcmp(sqlite_target(url), ":memory:") != 0) {
        rc = checkpointer_start(p, err);
        if (rc != EM_OK)
            goto fail_thread;
    }
    *out = p;
    return EM_OK;

fail_thread:
    free(p->url);
    pthread_cond_destroy(&p->group_done);
    pthread_mutex_destroy(&p->group_mu);
    pthread_mutex_destroy(&p->writer);
    pthread_mutex_destroy(&p->mu);
fail_mutex:
    pthread_key_delete(p->key);
fail_key:
    free(p);
    return rc;
}

void dbpool_free(dbpool *p)
{
    if (p == NULL)
        return;
    if (p->checkpointing) {
        pthread_mutex_lock(&p->mu);
        p->stopping = true;
        pthread_cond_signal(&p->wake);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->checkpointer, NULL);
        pthread_cond_destroy(&p->wake);
    }
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->n; i++)
        db_close(p->conns[i]);
    free(p->conns);
    p->conns = NULL;
    p->n = p->cap = 0;
    pthread_mutex_unlock(&p->mu);
    db_close(p->group_conn);
    pthread_cond_destroy(&p->group_done);
    pthread_mutex_destroy(&p->group_mu);
    pthread_mutex_destroy(&p->writer);
    pthread_mutex_destroy(&p->mu);
    pthread_setspecific(p->key, NULL);
    pthread_key_delete(p->key);
    free(p->url);
    free(p);
}

static void pool_register(dbpool *p, db *d)
{
    pthread_mutex_lock(&p->mu);
    if (p->n == p->cap) {
        p->cap = p->cap == 0 ? 8 : p->cap * 2;
        p->conns = em_realloc(p->conns, p->cap * sizeof *p->conns);
    }
    p->conns[p->n++] = d;
    pthread_mutex_unlock(&p->mu);
}

static void pool_unregister(dbpool *p, db *d)
{
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->n; i++) {
        if (p->conns[i] == d) {
            p->conns[i] = p->conns[--p->n];
            break;
        }
    }
    pthread_mutex_unlock(&p->mu);
}

/* The thread's connection, opened on first use. A connection handed back with
 * a transaction still open (a caller forgot to end it) is rolled back first, and
 * a lost PostgreSQL connection is re-established by the backend's check. */
int dbpool_get(dbpool *p, db **out, em_error *err)
{
    int rc = EM_OK;
    assert(p != NULL && out != NULL);
    *out = NULL;
    db *d = pthread_getspecific(p->key);
    if (d == NULL) {
        db_options opts = p->opts;
        opts.must_exist = true;
        rc = db_open(p->url, &opts, &d, err);
        if (rc != EM_OK)
            return rc;
        if (p->dialect == DB_SQLITE) {
            d->writer = &p->writer;
            /* each connection to :memory: is a database of its own: its
               writes are never another connection's to run */
            if (strcmp(sqlite_target(p->url), ":memory:") != 0)
                d->pool = p;
        }
        pool_register(p, d);
        if (pthread_setspecific(p->key, d) != 0) {
            pool_unregister(p, d);
            db_close(d);
            return em_error_set(err, EM_E_INTERNAL, "cannot keep the thread's connection");
        }
        *out = d;
        return EM_OK;
    }
    if (d->tx_depth > 0 || d->be->in_tx(d->conn)) {
        log_msg(LOG_WARN, "db: a pooled connection still had a transaction open; rolled back");
        d->tx_depth = 0;
        d->reading = false;
        d->be->rollback(d->conn);
        tx_ended(d);
    }
    rc = d->be->check(d->conn, err);
    if (rc != EM_OK)
        return rc;
    *out = d;
    return EM_OK;
}

void dbpool_release(dbpool *p)
{
    if (p == NULL)
        return;
    db *d = pthread_getspecific(p->key);
    if (d == NULL)
        return;
    pthread_setspecific(p->key, NULL);
    pool_unregister(p, d);
    db_close(d);
}

const char *dbpool_url(const dbpool *p)
{
    assert(p != NULL);
    return p->url;
}

db_dialect dbpool_dialect(const dbpool *p)
{
    assert(p != NULL);
    return p->dialect;
}

/* Bind text parameters, step once, give the statement back. */
static int run_prepared(db_stmt *st, int rc, const char *const *params, int n, em_error *err)
{
    for (int i = 0; rc == EM_OK && i < n; i++)
        rc = params[i] != NULL ? db_bind_text(st, i + 1, params[i]) : db_bind_null(st, i + 1);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    return rc;
}

int db_run_cached(db *d, const char *sql, const char *const *params, int n, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, sql, &st, err);
    return rc == EM_OK ? run_prepared(st, rc, params, n, err) : rc;
}

int db_run(db *d, const char *sql, const char *const *params, int n, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare(d, sql, &st, err);
    return rc == EM_OK ? run_prepared(st, rc, params, n, err) : rc;
}

bool db_next(db_stmt *st, int *rc, em_error *err)
{
    if (*rc != EM_OK)
        return false;
    int step = db_step(st, err);
    *rc = step == DB_ROW ? EM_OK : step; /* DB_DONE is EM_OK */
    return step == DB_ROW;
}
