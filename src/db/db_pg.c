/* db_pg: the PostgreSQL backend of db.h through libpq (see db_int.h).
 *
 * Statements keep their SQL and their parameters as text and run with
 * PQexecParams on the first db_step; the whole result is held and rows are
 * walked from it. Every session runs with TimeZone=UTC and DateStyle=ISO, and
 * timestamptz values are handed out as ISO-8601 ("2026-11-21T23:52:11.123Z"),
 * the same text SQLite stores, so callers read both dialects alike.
 *
 * A lost connection is re-established (PQreset) before the next statement, but
 * never silently inside a transaction: then the statement fails with
 * EM_E_UNAVAILABLE and the caller's db_rollback clears the way. */
#include <assert.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db_int.h"

/* The type OID of timestamptz (pg_type.h is server-side only). */
#define PG_TIMESTAMPTZ_OID 1184
/* PostgreSQL allows at most this many parameters in one statement. */
#define PG_MAX_PARAMS 65535
/* The longest SQL excerpt copied into a log line. */
#define SQL_LOG_MAX 300
/* Session settings every connection carries, even across PQreset. */
#define PG_SESSION_OPTIONS "-c TimeZone=UTC -c DateStyle=ISO,YMD"

typedef struct pg_conn {
    PGconn *h;              /* owned */
    char *safe_url;         /* owned; the URL with its password masked, for logs */
    bool tx_open;           /* db_begin ran, and neither commit nor rollback since */
    int64_t changes;        /* rows changed by the last completed statement */
    unsigned generation;    /* bumped by every PQreset: server-side statements are gone */
    unsigned next_name;     /* for naming server-side prepared statements */
} pg_conn;

typedef struct pg_stmt {
    pg_conn *c;             /* borrowed */
    char *sql;              /* owned copy */
    int nparams;            /* the highest $N in sql */
    bool *used;             /* owned, nparams entries: used[i] when $(i+1) appears */
    char **values;          /* owned, nparams entries: owned texts, NULL for SQL NULL */
    PGresult *res;          /* owned result of the run; NULL before db_step */
    int row;                /* current row of res, -1 before the first */
    char (*iso)[40];        /* owned, one per column: timestamptz values as ISO-8601 */
    bool persistent;        /* prepared on the server (db_prepare_cached) */
    bool prepared;          /* ... and it is, under `name`, for generation prepared_gen */
    unsigned prepared_gen;
    char name[24];
} pg_stmt;

/* ---- errors ---- */

/* The code for a SQLSTATE (NULL when there is none). */
static int map_sqlstate(const char *state)
{
    if (state == NULL || strlen(state) != 5)
        return EM_E_DB;
    if (strncmp(state, "23", 2) == 0)
        return EM_E_CONFLICT; /* integrity constraint violation */
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "55P03") == 0)
        return EM_E_BUSY; /* serialization failure, deadlock, lock not available */
    if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
        strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
        return EM_E_UNAVAILABLE; /* connection exception, server shutting down */
    if (strcmp(state, "54000") == 0)
        return EM_E_TOO_LARGE;
    if (strncmp(state, "22", 2) == 0)
        return EM_E_INVAL; /* data exception: a bound value the column refuses */
    return EM_E_DB;
}

/* Log the detail of a failed statement (`res` may be NULL) and give the caller
 * a code and a user-safe message. The SQL excerpt holds placeholders, never
 * values; the server's DETAIL field, which may quote values, is left out. */
static int fail(pg_conn *c, const PGresult *res, const char *op, const char *sql, em_error *err)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *constraint = res != NULL ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    int rc = PQstatus(c->h) == CONNECTION_BAD ? EM_E_UNAVAILABLE : map_sqlstate(state);
    if (primary == NULL)
        primary = PQerrorMessage(c->h);
    json_t *f = json_object();
    json_object_set_new(f, "backend", json_string("postgres"));
    json_object_set_new(f, "op", json_string(op));
    if (state != NULL)
        json_object_set_new(f, "sqlstate", json_string(state));
    json_object_set_new(f, "detail", json_stringn(primary, strcspn(primary, "\n")));
    if (constraint != NULL)
        json_object_set_new(f, "constraint", json_string(constraint));
    if (sql != NULL)
        json_object_set_new(f, "sql", json_stringn(sql, strnlen(sql, SQL_LOG_MAX)));
    log_emit(rc == EM_E_CONFLICT || rc == EM_E_BUSY ? LOG_WARN : LOG_ERROR, "database error", f);
    return em_error_set(err, rc, "%s", db__safe_message(rc));
}

static int unavailable(pg_conn *c, const char *what, em_error *err)
{
    json_t *f = json_object();
    json_object_set_new(f, "backend", json_string("postgres"));
    json_object_set_new(f, "url", json_string(c->safe_url));
    const char *detail = c->h != NULL ? PQerrorMessage(c->h) : "out of memory";
    json_object_set_new(f, "detail", json_stringn(detail, strcspn(detail, "\n")));
    log_emit(LOG_ERROR, what, f);
    return em_error_set(err, EM_E_UNAVAILABLE, "database unavailable");
}

/* PostgreSQL's NOTICEs ("relation ... already exists, skipping") go to the debug
 * log, not to stderr. */
static void notice_to_log(void *arg, const char *message)
{
    (void)arg;
    if (!log_enabled(LOG_DEBUG))
        return;
    json_t *f = json_object();
    json_object_set_new(f, "backend", json_string("postgres"));
    json_object_set_new(f, "notice", json_stringn(message, strcspn(message, "\n")));
    log_emit(LOG_DEBUG, "database notice", f);
}

/* Before every statement: a broken connection is reset once, unless a
 * transaction was open on it (its work is lost; the caller must roll back).
 * Outside a transaction, a non-blocking read first notices a server that closed
 * the session while we were idle (restart, pg_terminate_backend), so the next
 * statement runs on a fresh connection instead of failing. */
static int ensure(pg_conn *c, em_error *err)
{
    if (PQstatus(c->h) == CONNECTION_OK && !c->tx_open &&
        PQtransactionStatus(c->h) == PQTRANS_IDLE)
        PQconsumeInput(c->h);
    if (PQstatus(c->h) == CONNECTION_OK)
        return EM_OK;
    if (c->tx_open)
        return unavailable(c, "database connection lost inside a transaction", err);
    PQreset(c->h);
    c->generation++;
    if (PQstatus(c->h) != CONNECTION_OK)
        return unavailable(c, "database connection lost; reconnect failed", err);
    log_msg(LOG_WARN, "db: database connection was lost and has been re-established");
    return EM_OK;
}

/* ---- connections ---- */

/* The options string for the session: the URL's own `options` (a search_path in
 * tests, for instance) followed by ours. Owned, free with free(). */
static char *session_options(const char *url, em_error *err)
{
    char *errmsg = NULL;
    PQconninfoOption *parsed = PQconninfoParse(url, &errmsg);
    if (parsed == NULL) {
        log_msg(LOG_ERROR, "db: invalid PostgreSQL URL: %s",
                errmsg != NULL ? errmsg : "out of memory");
        PQfreemem(errmsg);
        em_error_set(err, EM_E_INVAL, "invalid PostgreSQL URL");
        return NULL;
    }
    const char *theirs = NULL;
    for (PQconninfoOption *o = parsed; o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "options") == 0 && o->val != NULL && o->val[0] != '\0')
            theirs = o->val;
    }
    char *out = theirs != NULL ? em_asprintf("%s %s", theirs, PG_SESSION_OPTIONS)
                               : em_strdup(PG_SESSION_OPTIONS);
    PQconninfoFree(parsed);
    return out;
}

static int pg_open(const char *url, const db_options *opts, void **out, em_error *err)
{
    int rc = EM_OK;
    char timeout[16];
    pg_conn *c = em_calloc(1, sizeof *c);
    c->safe_url = db_url_redact(url);

    char *options = session_options(url, err);
    if (options == NULL) {
        rc = EM_E_INVAL;
        goto fail;
    }
    /* Ours first and the URL after, so the URL wins except for options. */
    snprintf(timeout, sizeof timeout, "%d", (opts->timeout_ms + 999) / 1000);
    const char *const keys[] = {"connect_timeout", "application_name", "client_encoding",
                                "dbname", "options", NULL};
    const char *const vals[] = {timeout, "exammentor", "UTF8", url, options, NULL};
    c->h = PQconnectdbParams(keys, vals, 1);
    free(options);
    if (c->h == NULL || PQstatus(c->h) != CONNECTION_OK) {
        rc = unavailable(c, "cannot connect to the database", err);
        goto fail;
    }
    PQsetNoticeProcessor(c->h, notice_to_log, NULL);
    *out = c;
    return EM_OK;

fail:
    PQfinish(c->h);
    free(c->safe_url);
    free(c);
    return rc;
}

static void pg_close(void *conn)
{
    pg_conn *c = conn;
    if (c == NULL)
        return;
    PQfinish(c->h);
    free(c->safe_url);
    free(c);
}

/* Rows changed, from the command tag of a completed statement ("INSERT 0 3");
 * a plain SELECT changes none. */
static void note_changes(pg_conn *c, PGresult *res)
{
    const char *tag = PQcmdStatus(res);
    if (strncmp(tag, "SELECT", 6) == 0 || tag[0] == '\0') {
        c->changes = 0;
        return;
    }
    c->changes = strtoll(PQcmdTuples(res), NULL, 10);
}

static int pg_exec(void *conn, const char *sql, em_error *err)
{
    pg_conn *c = conn;
    int rc = ensure(c, err);
    if (rc != EM_OK)
        return rc;
    PGresult *res = PQexec(c->h, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
        note_changes(c, res);
        rc = EM_OK;
    } else {
        rc = fail(c, res, "exec", sql, err);
    }
    PQclear(res);
    return rc;
}

static int pg_check(void *conn, em_error *err)
{
    return ensure(conn, err);
}

static bool pg_in_tx(void *conn)
{
    pg_conn *c = conn;
    PGTransactionStatusType ts = PQtransactionStatus(c->h);
    return c->tx_open || ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}

static int pg_begin(void *conn, em_error *err)
{
    pg_conn *c = conn;
    int rc = pg_exec(c, "BEGIN", err);
    if (rc == EM_OK)
        c->tx_open = true;
    return rc;
}

/* A COMMIT of a transaction that had already failed answers "ROLLBACK" without
 * an error; report that as the failure it is. */
static int pg_commit(void *conn, em_error *err)
{
    pg_conn *c = conn;
    int rc = EM_OK;
    if (PQstatus(c->h) != CONNECTION_OK) {
        c->tx_open = false;
        return unavailable(c, "database connection lost before commit", err);
    }
    PGresult *res = PQexec(c->h, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = fail(c, res, "commit", NULL, err);
    } else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
        log_msg(LOG_WARN, "db: commit of a failed transaction; it was rolled back");
        rc = em_error_set(err, EM_E_DB, "the transaction failed and was rolled back");
    }
    PQclear(res);
    c->tx_open = PQstatus(c->h) == CONNECTION_OK && PQtransactionStatus(c->h) != PQTRANS_IDLE;
    return rc;
}

static void pg_rollback(void *conn)
{
    pg_conn *c = conn;
    c->tx_open = false;
    if (PQstatus(c->h) != CONNECTION_OK)
        return; /* the server rolled it back when the connection went */
    PGresult *res = PQexec(c->h, "ROLLBACK");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        log_msg(LOG_WARN, "db: rollback failed: %s", PQerrorMessage(c->h));
    PQclear(res);
}

static int64_t pg_changes(void *conn)
{
    pg_conn *c = conn;
    return c->changes;
}

/* ---- statements ---- */

static bool ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || (unsigned char)ch >= 0x80;
}

/* Skip a quoted string or identifier starting at s[i] (the opening quote);
 * `backslash` for E'...' strings. Returns the index after the closing quote. */
static size_t skip_quoted(const char *s, size_t i, char quote, bool backslash)
{
    for (i++; s[i] != '\0'; i++) {
        if (backslash && s[i] == '\\' && s[i + 1] != '\0')
            i++;
        else if (s[i] == quote)
            return i + 1; /* a doubled quote reads as close + reopen */
    }
    return i;
}

/* Find the $N placeholders of `sql` as PostgreSQL's lexer would: not inside
 * quotes, comments or dollar-quoted bodies. Sets *max to the highest N and
 * *used (owned, *max entries) to which appear. EM_E_INVAL past PG_MAX_PARAMS. */
static int scan_params(const char *s, int *max /* OUT */, bool **used /* OUT */)
{
    int cap = 0, n = 0;
    int *found = NULL;
    size_t i = 0;
    *max = 0;
    *used = NULL;
    while (s[i] != '\0') {
        char ch = s[i];
        bool word_start = i == 0 || !(ident_char(s[i - 1]) || s[i - 1] == '$');
        if (ch == '\'') {
            bool e = i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
                     (i == 1 || !ident_char(s[i - 2]));
            i = skip_quoted(s, i, '\'', e);
        } else if (ch == '"') {
            i = skip_quoted(s, i, '"', false);
        } else if (ch == '-' && s[i + 1] == '-') {
            i += strcspn(s + i, "\n");
        } else if (ch == '/' && s[i + 1] == '*') {
            int depth = 1;
            for (i += 2; s[i] != '\0' && depth > 0; i++) {
                if (s[i] == '/' && s[i + 1] == '*') {
                    depth++;
                    i++;
                } else if (s[i] == '*' && s[i + 1] == '/') {
                    depth--;
                    i++;
                }
            }
        } else if (ch == '$' && word_start && s[i + 1] >= '0' && s[i + 1] <= '9') {
            long v = 0;
            for (i++; s[i] >= '0' && s[i] <= '9'; i++) {
                if (v <= PG_MAX_PARAMS)
                    v = v * 10 + (s[i] - '0');
            }
            if (v < 1 || v > PG_MAX_PARAMS) {
                free(found);
                return EM_E_INVAL;
            }
            if (n == cap) {
                cap = cap == 0 ? 8 : cap * 2;
                found = em_realloc(found, (size_t)cap * sizeof *found);
            }
            found[n++] = (int)v;
            if (v > *max)
                *max = (int)v;
        } else if (ch == '$' && word_start) {
            /* Maybe a dollar quote: $tag$ ... $tag$ (the tag may be empty). */
            size_t j = i + 1;
            while (ident_char(s[j]))
                j++;
            if (s[j] == '$') {
                size_t taglen = j - i + 1;
                const char *end = s + j + 1;
                const char *close = NULL;
                for (const char *p = strchr(end, '$'); p != NULL; p = strchr(p + 1, '$')) {
                    if (strncmp(p, s + i, taglen) == 0) {
                        close = p;
                        break;
                    }
                }
                i = close != NULL ? (size_t)(close - s) + taglen : strlen(s);
            } else {
                i++;
            }
        } else {
            i++;
        }
    }
    if (*max > 0) {
        *used = em_calloc((size_t)*max, sizeof **used);
        for (int k = 0; k < n; k++)
            (*used)[found[k] - 1] = true;
    }
    free(found);
    return EM_OK;
}

static int pg_prepare(void *conn, const char *sql, void **out, em_error *err)
{
    pg_conn *c = conn;
    pg_stmt *s = em_calloc(1, sizeof *s);
    if (scan_params(sql, &s->nparams, &s->used) != EM_OK) {
        free(s);
        log_msg(LOG_ERROR, "db: placeholder number out of range in a statement");
        return em_error_set(err, EM_E_INVAL, "%s", db__safe_message(EM_E_INVAL));
    }
    s->c = c;
    s->sql = em_strdup(sql);
    if (s->nparams > 0)
        s->values = em_calloc((size_t)s->nparams, sizeof *s->values);
    s->row = -1;
    *out = s;
    return EM_OK;
}

static void clear_result(pg_stmt *s)
{
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    free(s->iso);
    s->iso = NULL;
}

static void pg_reset(void *stmt)
{
    pg_stmt *s = stmt;
    clear_result(s);
    for (int i = 0; i < s->nparams; i++) {
        free(s->values[i]);
        s->values[i] = NULL;
    }
}

static void pg_finalize(void *stmt)
{
    pg_stmt *s = stmt;
    pg_reset(s);
    free(s->values);
    free(s->used);
    free(s->sql);
    free(s);
}

static void pg_make_persistent(void *stmt)
{
    pg_stmt *s = stmt;
    s->persistent = true;
    snprintf(s->name, sizeof s->name, "em_%u", ++s->c->next_name);
}

/* Run a persistent statement: prepare it on the server when this connection
 * (or this generation of it, after a reconnect) has not yet, then execute. */
static PGresult *exec_prepared(pg_stmt *s)
{
    pg_conn *c = s->c;
    if (!s->prepared || s->prepared_gen != c->generation) {
        PGresult *p = PQprepare(c->h, s->name, s->sql, s->nparams, NULL);
        if (PQresultStatus(p) != PGRES_COMMAND_OK)
            return p; /* the error, reported by the caller */
        PQclear(p);
        s->prepared = true;
        s->prepared_gen = c->generation;
    }
    return PQexecPrepared(c->h, s->name, s->nparams, (const char *const *)s->values, NULL, NULL, 0);
}

static bool pg_has_param(void *stmt, int idx)
{
    pg_stmt *s = stmt;
    return idx >= 1 && idx <= s->nparams && s->used[idx - 1];
}

/* Store `text` (owned, or NULL for SQL NULL) as the value of $idx. */
static int set_value(pg_stmt *s, int idx, char *text)
{
    free(s->values[idx - 1]);
    s->values[idx - 1] = text;
    return EM_OK;
}

static int pg_bind_text(void *stmt, int idx, const char *value)
{
    return set_value(stmt, idx, em_strdup(value));
}

static int pg_bind_int64(void *stmt, int idx, int64_t value)
{
    return set_value(stmt, idx, em_asprintf("%" PRId64, value));
}

/* Doubles as text that reads back to the same value (17 significant digits),
 * with PostgreSQL's spelling of the special values. */
static int pg_bind_double(void *stmt, int idx, double value)
{
    if (isnan(value))
        return set_value(stmt, idx, em_strdup("NaN"));
    if (isinf(value))
        return set_value(stmt, idx, em_strdup(value > 0 ? "Infinity" : "-Infinity"));
    return set_value(stmt, idx, em_asprintf("%.17g", value));
}

static int pg_bind_null(void *stmt, int idx)
{
    return set_value(stmt, idx, NULL);
}

static int pg_bind_bool(void *stmt, int idx, bool value)
{
    return set_value(stmt, idx, em_strdup(value ? "true" : "false"));
}

/* The first step runs the statement and keeps its result; every step then moves
 * to the next row. */
static int pg_step(void *stmt, em_error *err)
{
    pg_stmt *s = stmt;
    pg_conn *c = s->c;
    if (s->res == NULL) {
        int rc = ensure(c, err);
        if (rc != EM_OK)
            return rc;
        PGresult *res = s->persistent ? exec_prepared(s)
                                      : PQexecParams(c->h, s->sql, s->nparams, NULL,
                                                     (const char *const *)s->values, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
            rc = fail(c, res, "step", s->sql, err);
            PQclear(res);
            return rc;
        }
        note_changes(c, res);
        s->res = res;
        s->row = -1;
        int nf = PQnfields(res);
        if (nf > 0)
            s->iso = em_calloc((size_t)nf, sizeof *s->iso);
    }
    if (s->row < PQntuples(s->res))
        s->row++;
    return s->row < PQntuples(s->res) ? DB_ROW : DB_DONE;
}

static int pg_column_count(void *stmt)
{
    pg_stmt *s = stmt;
    return s->res != NULL ? PQnfields(s->res) : 0;
}

static const char *pg_column_name(void *stmt, int col)
{
    pg_stmt *s = stmt;
    return PQfname(s->res, col);
}

static bool pg_column_is_null(void *stmt, int col)
{
    pg_stmt *s = stmt;
    return PQgetisnull(s->res, s->row, col) != 0;
}

static bool digits(const char *p, int n)
{
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
    }
    return true;
}

/* "2026-11-21 23:52:11.123456+00" (UTC, DateStyle ISO) -> "2026-11-21T23:52:11.123Z".
 * Anything else (infinity, BC dates) is copied unchanged. */
static void iso_from_pg(const char *in, char out[40])
{
    size_t len = strlen(in);
    if (len < 22 || !digits(in, 4) || in[4] != '-' || !digits(in + 5, 2) || in[7] != '-' ||
        !digits(in + 8, 2) || in[10] != ' ' || !digits(in + 11, 2) || in[13] != ':' ||
        !digits(in + 14, 2) || in[16] != ':' || !digits(in + 17, 2)) {
        snprintf(out, 40, "%s", in);
        return;
    }
    const char *p = in + 19;
    char frac[4] = "000";
    if (*p == '.') {
        p++;
        for (int k = 0; digits(p, 1); p++, k++) {
            if (k < 3)
                frac[k] = *p;
        }
    }
    if (strcmp(p, "+00") != 0 && strcmp(p, "+00:00") != 0) {
        snprintf(out, 40, "%s", in);
        return;
    }
    snprintf(out, 40, "%.10sT%.8s.%sZ", in, in + 11, frac);
}

static const char *pg_column_text(void *stmt, int col)
{
    pg_stmt *s = stmt;
    if (PQgetisnull(s->res, s->row, col))
        return NULL;
    const char *v = PQgetvalue(s->res, s->row, col);
    if (PQftype(s->res, col) != PG_TIMESTAMPTZ_OID)
        return v;
    iso_from_pg(v, s->iso[col]);
    return s->iso[col];
}

/* Integers parse as such; booleans ("t"/"f") read as 1/0 and decimals truncate,
 * as SQLite does. */
static int64_t pg_column_int64(void *stmt, int col)
{
    pg_stmt *s = stmt;
    if (PQgetisnull(s->res, s->row, col))
        return 0;
    const char *v = PQgetvalue(s->res, s->row, col);
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (end != v && *end == '\0')
        return (int64_t)n;
    if (strcmp(v, "t") == 0)
        return 1;
    if (strcmp(v, "f") == 0)
        return 0;
    double d = strtod(v, NULL);
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return isnan(d) ? 0 : (d > 0 ? INT64_MAX : INT64_MIN);
    return (int64_t)d;
}

static double pg_column_double(void *stmt, int col)
{
    pg_stmt *s = stmt;
    if (PQgetisnull(s->res, s->row, col))
        return 0.0;
    const char *v = PQgetvalue(s->res, s->row, col);
    if (strcmp(v, "t") == 0)
        return 1.0;
    return strtod(v, NULL);
}

static bool pg_column_bool(void *stmt, int col)
{
    pg_stmt *s = stmt;
    if (PQgetisnull(s->res, s->row, col))
        return false;
    return db__text_is_true(PQgetvalue(s->res, s->row, col));
}

const db_backend db__pg_backend = {
    .name = "postgres",
    .dialect = DB_POSTGRES,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .check = pg_check,
    .in_tx = pg_in_tx,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .changes = pg_changes,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .make_persistent = pg_make_persistent,
    .reset = pg_reset,
    .has_param = pg_has_param,
    .bind_text = pg_bind_text,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_null = pg_bind_null,
    .bind_bool = pg_bind_bool,
    .step = pg_step,
    .column_count = pg_column_count,
    .column_name = pg_column_name,
    .column_text = pg_column_text,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_bool = pg_column_bool,
    .column_is_null = pg_column_is_null,
};

int db_pg_environment(const char *url, char ***env, size_t *n, em_error *err)
{
    *env = NULL;
    *n = 0;
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &why);
    if (opts == NULL) {
        PQfreemem(why);
        return em_error_set(err, EM_E_INVAL, "DATABASE_URL is not a connection string PostgreSQL can read");
    }
    size_t count = 0;
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
        count++;
    char **out = em_calloc(count + 1, sizeof *out);
    size_t k = 0;
    /* every option the URL sets has the variable libpq would read it from */
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
        if (o->val != NULL && o->val[0] != '\0' && o->envvar != NULL)
            out[k++] = em_asprintf("%s=%s", o->envvar, o->val);
    PQconninfoFree(opts);
    *env = out;
    *n = k;
    return EM_OK;
}
