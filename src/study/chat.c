/* chat: see chat.h. */
#include "study/chat.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/mem.h"
#include "study/sessions.h"

/* One message row. */
static int insert_message(db *d, const char *session_id, const char *user_id, const char *role,
                          const char *content, const char *citations_json, bool answerable, em_error *err)
{
    char id[ID_UUID_LEN + 1];
    id_uuid7(id);
    db_stmt *st = NULL;
    int rc =
        db_prepare_cached(d,
                          "INSERT INTO chat_messages (id, session_id, user_id, role, content, citations, "
                          "answerable) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                          &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, session_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 4, role);
    if (rc == EM_OK)
        rc = db_bind_text(st, 5, content);
    if (rc == EM_OK)
        rc = db_bind_text(st, 6, citations_json);
    if (rc == EM_OK)
        rc = db_bind_bool(st, 7, answerable);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc == EM_E_CONFLICT) /* the session went away meanwhile */
        return em_error_set(err, EM_E_NOT_FOUND, "no such session");
    return rc == DB_DONE ? EM_OK : rc;
}

static int check_text(const char *what, const char *s, em_error *err)
{
    size_t len = s != NULL ? strlen(s) : 0;
    if (len == 0 || len > CHAT_TEXT_MAX)
        return em_error_set(err, EM_E_INVAL, "%s must be text of 1 to %d bytes", what, CHAT_TEXT_MAX);
    return EM_OK;
}

static int check_citations(const char *citations_json, em_error *err)
{
    if (strlen(citations_json) > CHAT_CITATIONS_MAX)
        return em_error_set(err, EM_E_INVAL, "citations must be at most %d bytes", CHAT_CITATIONS_MAX);
    json_t *v = json_loads(citations_json, JSON_REJECT_DUPLICATES, NULL);
    bool ok = json_is_array(v);
    json_decref(v);
    return ok ? EM_OK : em_error_set(err, EM_E_INVAL, "citations must be a JSON array");
}

/* Drop the session's messages older than its latest CHAT_KEPT_MAX (ids are
 * UUIDv7: their order is the order of storing). A session's history is
 * what follow-up questions and the autopilot read, its newest end; without
 * a bound a loop of questions would grow it until the disk is full. */
static int drop_oldest(db *d, const char *session_id, em_error *err)
{
    char keep[16];
    snprintf(keep, sizeof keep, "%d", CHAT_KEPT_MAX - 1);
    const char *p[] = {session_id, keep};
    int rc = db_run_cached(d,
                           "DELETE FROM chat_messages WHERE session_id = $1 AND id < (SELECT id FROM "
                           "chat_messages WHERE session_id = $1 ORDER BY id DESC LIMIT 1 OFFSET "
                           "CAST($2 AS INTEGER))",
                           p, 2, err);
    return rc == DB_DONE ? EM_OK : rc;
}

int chat_append(db *d, const principal *who, const char *session_id, const char *question, const char *answer,
                const char *citations_json, bool answerable, em_error *err)
{
    if (citations_json == NULL)
        citations_json = "[]";
    int rc = check_text("the question", question, err);
    if (rc == EM_OK)
        rc = check_text("the answer", answer, err);
    if (rc == EM_OK)
        rc = check_citations(citations_json, err);
    if (rc != EM_OK)
        return rc;
    rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    char owner[37];
    rc = sessions__owner(d, who, session_id, true, owner, err);
    if (rc == EM_OK)
        rc = insert_message(d, session_id, owner, "user", question, "[]", true, err);
    if (rc == EM_OK)
        rc = insert_message(d, session_id, owner, "assistant", answer, citations_json, answerable, err);
    if (rc == EM_OK)
        rc = drop_oldest(d, session_id, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

int chat_recent_questions(db *d, const principal *who, const char *session_id, int n, char ***questions,
                          size_t *count, em_error *err)
{
    *questions = NULL;
    *count = 0;
    if (n < 1 || n > CHAT_RECENT_MAX)
        return em_error_set(err, EM_E_INVAL, "n must be a whole number from 1 to %d", CHAT_RECENT_MAX);
    char owner[37];
    int rc = sessions__owner(d, who, session_id, false, owner, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT content FROM chat_messages WHERE session_id = $1 AND role = 'user' "
                           "ORDER BY id DESC LIMIT $2",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, n);
    char **q = em_calloc((size_t)n, sizeof *q);
    size_t got = 0;
    while (db_next(st, &rc, err) && got < (size_t)n)
        q[got++] = db_column_strdup(st, 0);
    db_finalize(st);
    if (rc != EM_OK) {
        session_ids_free(q, got);
        return rc;
    }
    /* newest first from the query: turn it around */
    for (size_t i = 0; i < got / 2; i++) {
        char *t = q[i];
        q[i] = q[got - 1 - i];
        q[got - 1 - i] = t;
    }
    *questions = q;
    *count = got;
    return EM_OK;
}

int chat_list(db *d, const principal *who, const char *session_id, int limit, const char *before,
              void (*visit)(void *ctx, const chat_message *m), void *ctx, size_t *count, bool *more,
              em_error *err)
{
    *count = 0;
    *more = false;
    if (limit < 1 || limit > CHAT_PAGE_MAX)
        return em_error_set(err, EM_E_INVAL, "limit must be a whole number from 1 to %d", CHAT_PAGE_MAX);
    if (before != NULL && !id_is_uuid(before))
        return em_error_set(err, EM_E_INVAL, "before must be a message id (UUID)");
    char owner[37];
    int rc = sessions__owner(d, who, session_id, false, owner, err);
    if (rc != EM_OK)
        return rc;
    /* The newest `limit` before the cursor, visited oldest first; then
     * whether anything older than the first of them remains. */
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT id, role, content, citations, answerable, created_at FROM ("
                           "SELECT id, role, content, citations, answerable, created_at FROM chat_messages "
                           "WHERE session_id = $1 AND (CAST($2 AS TEXT) IS NULL OR id < CAST($2 AS TEXT)) "
                           "ORDER BY id DESC LIMIT $3"
                           ") AS page ORDER BY id",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    if (rc == EM_OK)
        rc = before != NULL ? db_bind_text(st, 2, before) : db_bind_null(st, 2);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 3, limit);
    char oldest[ID_UUID_LEN + 1] = "";
    while (db_next(st, &rc, err)) {
        chat_message m = {
            .id = db_column_text(st, 0),
            .role = db_column_text(st, 1),
            .content = db_column_text(st, 2),
            .citations_json = db_column_text(st, 3),
            .answerable = db_column_bool(st, 4),
            .created_at = db_column_text(st, 5),
        };
        if (*count == 0)
            snprintf(oldest, sizeof oldest, "%s", m.id);
        visit(ctx, &m);
        (*count)++;
    }
    db_finalize(st);
    if (rc != EM_OK || *count == 0)
        return rc;
    const char *p[] = {session_id, oldest};
    rc = db_run_cached(d, "SELECT 1 FROM chat_messages WHERE session_id = $1 AND id < $2 LIMIT 1", p, 2, err);
    if (rc < 0)
        return rc;
    *more = rc == DB_ROW;
    return EM_OK;
}

int chat__asked_since(db *d, const char *session_id, int64_t since_ms, size_t max, int64_t **times, size_t *n,
                      em_error *err)
{
    *times = NULL;
    *n = 0;
    db_stmt *st = NULL;
    int rc =
        db_prepare_cached(d,
                          "SELECT created_at FROM chat_messages WHERE session_id = $1 AND role = 'user' "
                          "ORDER BY id DESC LIMIT $2" /* by chat_messages_session_id_idx, newest first */,
                          &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, (int64_t)max);
    int64_t *t = em_calloc(max + 1, sizeof *t);
    size_t got = 0;
    while (db_next(st, &rc, err)) {
        int64_t at = 0;
        if (got < max && clock_parse_iso8601(db_column_text(st, 0), &at) == EM_OK && at >= since_ms)
            t[got++] = at;
    }
    db_finalize(st);
    if (rc != EM_OK || got == 0) {
        free(t);
        return rc;
    }
    for (size_t i = 0; i < got / 2; i++) { /* newest first from the query: turn it around */
        int64_t x = t[i];
        t[i] = t[got - 1 - i];
        t[got - 1 - i] = x;
    }
    *times = t;
    *n = got;
    return EM_OK;
}
