/* mastery: see mastery.h. */
#include "study/mastery.h"

#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "core/ids.h"
#include "core/mem.h"
#include "learn/bkt.h"

/* EM_OK when the account user_id exists, else EM_E_NOT_FOUND "no such user"
 * (an admin may name any id; a tutor's students and the caller exist). */
static int require_user(db *d, const char *user_id, em_error *err)
{
    int rc = db_run_cached(d, "SELECT 1 FROM users WHERE id = $1", &user_id, 1, err);
    if (rc == DB_DONE)
        return em_error_set(err, EM_E_NOT_FOUND, "no such user");
    return rc == DB_ROW ? EM_OK : rc;
}

int mastery_list(db *d, const principal *who, const char *user_id, int limit, mastery_visit visit, void *ctx,
                 size_t *count, em_error *err)
{
    *count = 0;
    if (user_id == NULL || !id_is_uuid(user_id))
        return em_error_set(err, EM_E_INVAL, "user_id must be a user id (UUID)");
    if (limit < 1 || limit > MASTERY_PAGE_MAX)
        return em_error_set(err, EM_E_INVAL, "limit must be a whole number from 1 to %d", MASTERY_PAGE_MAX);
    int rc = authz_require_view(d, who, user_id, "user", err);
    if (rc == EM_OK && strcmp(who->user_id, user_id) != 0)
        rc = require_user(d, user_id, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT id, user_id, name, mastery_score, next_review_at FROM topics "
                           "WHERE user_id = $1 ORDER BY id LIMIT $2",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, limit);
    while (db_next(st, &rc, err)) {
        mastery_topic t = {
            .id = db_column_text(st, 0),
            .user_id = db_column_text(st, 1),
            .name = db_column_text(st, 2),
            .mastery = db_column_double(st, 3),
            .next_review_at = db_column_text(st, 4),
        };
        visit(ctx, &t);
        (*count)++;
    }
    db_finalize(st);
    return rc;
}

static int check_topic(const char *name, double mastery, em_error *err)
{
    size_t len = name != NULL ? strlen(name) : 0;
    if (len == 0 || len > MASTERY_NAME_MAX)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                               "name must be a string of 1 to %d characters", MASTERY_NAME_MAX);
    if (!(mastery >= 0.0 && mastery <= 1.0))
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "mastery must be a number from 0 to 1");
    return EM_OK;
}

int mastery_insert(db *d, const char *user_id, const char *name, double mastery, const char *next_review_at,
                   char id_out[37], em_error *err)
{
    int rc = check_topic(name, mastery, err);
    if (rc != EM_OK)
        return rc;
    id_uuid7(id_out);
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "INSERT INTO topics (id, user_id, name, mastery_score, next_review_at) "
                           "VALUES ($1, $2, $3, $4, $5)",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, id_out);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, name);
    if (rc == EM_OK)
        rc = db_bind_double(st, 4, mastery);
    if (rc == EM_OK)
        rc = next_review_at != NULL ? db_bind_text(st, 5, next_review_at) : db_bind_null(st, 5);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc == EM_E_CONFLICT) /* the foreign key: the user is gone */
        return em_error_set(err, EM_E_NOT_FOUND, "no such user");
    return rc == DB_DONE ? EM_OK : rc;
}

/* ---- a study session's topics ---- */

/* Whether names[0..i) holds names[i] already. */
static bool seen_before(const char *const *names, size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (strcmp(names[j], names[i]) == 0)
            return true;
    }
    return false;
}

static int sync_steps(db *d, const char *user_id, const char *session_id, const char *const *names, size_t n,
                      em_error *err)
{
    /* The session's rows, read once: those whose name is gone are removed,
       names without a row get one. */
    char **ids = NULL, **have = NULL;
    size_t n_have = 0;
    db_stmt *st = NULL;
    int rc = db_prepare(d, "SELECT id, name FROM topics WHERE session_id = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    while (db_next(st, &rc, err)) {
        ids = em_realloc(ids, (n_have + 1) * sizeof *ids);
        have = em_realloc(have, (n_have + 1) * sizeof *have);
        ids[n_have] = db_column_strdup(st, 0);
        have[n_have++] = db_column_strdup(st, 1);
    }
    db_finalize(st);
    for (size_t k = 0; rc == EM_OK && k < n_have; k++) {
        bool keep = false;
        for (size_t i = 0; i < n && !keep; i++)
            keep = strcmp(names[i], have[k]) == 0;
        if (!keep) {
            const char *p[] = {ids[k]};
            rc = db_run_cached(d, "DELETE FROM topics WHERE id = $1", p, 1, err);
            rc = rc == DB_DONE ? EM_OK : rc;
        }
    }
    for (size_t i = 0; rc == EM_OK && i < n; i++) {
        size_t len = strlen(names[i]);
        if (seen_before(names, i) || len == 0 || len > MASTERY_NAME_MAX) /* no row can hold it */
            continue;
        bool exists = false;
        for (size_t k = 0; k < n_have && !exists; k++)
            exists = strcmp(have[k], names[i]) == 0;
        if (exists)
            continue;
        char id[37];
        id_uuid7(id);
        const char *q[] = {id, user_id, session_id, names[i]};
        rc = db_run_cached(d,
                           "INSERT INTO topics (id, user_id, session_id, name, mastery_score) "
                           "VALUES ($1, $2, $3, $4, 0)",
                           q, 4, err);
        if (rc == EM_E_CONFLICT) /* the foreign key: the session is gone */
            rc = em_error_set(err, EM_E_NOT_FOUND, "no such session");
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    for (size_t k = 0; k < n_have; k++) {
        free(ids[k]);
        free(have[k]);
    }
    free(ids);
    free(have);
    return rc;
}

int mastery_sync_session(db *d, const char *user_id, const char *session_id, const char *const *names,
                         size_t n, em_error *err)
{
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = sync_steps(d, user_id, session_id, names, n, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

int mastery_session_topics(db *d, const char *session_id, mastery_visit visit, void *ctx, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT id, user_id, name, mastery_score, next_review_at FROM topics "
                               "WHERE session_id = $1 ORDER BY id",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    while (db_next(st, &rc, err)) {
        mastery_topic t = {
            .id = db_column_text(st, 0),
            .user_id = db_column_text(st, 1),
            .name = db_column_text(st, 2),
            .mastery = db_column_double(st, 3),
            .next_review_at = db_column_text(st, 4),
        };
        visit(ctx, &t);
    }
    db_finalize(st);
    return rc;
}

int mastery_set_session_topic(db *d, const char *session_id, const char *name, double mastery, em_error *err)
{
    if (!(mastery >= 0.0 && mastery <= 1.0))
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "mastery must be a number from 0 to 1");
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "UPDATE topics SET mastery_score = $1 WHERE session_id = $2 AND name = $3",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_double(st, 1, mastery);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, session_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, name);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    return db_changes(d) == 0 ? em_error_set(err, EM_E_NOT_FOUND, "no such topic") : EM_OK;
}

int mastery_add(db *d, const principal *who, const char *user_id, const char *name, double mastery,
                char id_out[37], em_error *err)
{
    if (user_id == NULL || !id_is_uuid(user_id))
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                               "user_id, when given, must be a user id (UUID)");
    int rc = check_topic(name, mastery, err);
    if (rc == EM_OK)
        rc = authz_require_view(d, who, user_id, "user", err);
    if (rc != EM_OK)
        return rc;
    rc = require_user(d, user_id, err);
    if (rc != EM_OK)
        return rc;
    return mastery_insert(d, user_id, name, mastery, NULL, id_out, err);
}

/* ---- a student's mastery by topic name ---- */

int mastery_of(db *d, const char *user_id, const char *name, double *mastery, bool *found, em_error *err)
{
    *mastery = 0;
    *found = false;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d, "SELECT max(mastery_score), count(*) FROM topics WHERE user_id = $1 AND name = $2", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, name);
    if (db_next(st, &rc, err) && db_column_int64(st, 1) > 0) {
        *mastery = db_column_double(st, 0);
        *found = true;
    }
    db_finalize(st);
    return rc;
}

int mastery_record(db *d, const char *user_id, const char *name, double mastery, em_error *err)
{
    if (!(mastery >= 0.0 && mastery <= 1.0))
        return em_error_set(err, EM_E_INVAL, "mastery must be a number from 0 to 1");
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "UPDATE topics SET mastery_score = $1 WHERE user_id = $2 AND name = $3",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_double(st, 1, mastery);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, name);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    if (db_changes(d) > 0 || strlen(name) == 0 || strlen(name) > MASTERY_NAME_MAX)
        return EM_OK;
    char id[37];
    return mastery_insert(d, user_id, name, mastery, NULL, id, err);
}

int mastery_user_topics(db *d, const char *user_id, mastery_visit visit, void *ctx, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT id, user_id, name, mastery_score, next_review_at FROM topics "
                               "WHERE user_id = $1 ORDER BY id",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    while (db_next(st, &rc, err)) {
        mastery_topic t = {db_column_text(st, 0), db_column_text(st, 1), db_column_text(st, 2),
                           db_column_double(st, 3), db_column_text(st, 4)};
        visit(ctx, &t);
    }
    db_finalize(st);
    return rc;
}

int mastery__lock_student(db *d, const char *user_id, em_error *err)
{
    if (db_dialect_of(d) != DB_POSTGRES)
        return EM_OK;
    const char *p[] = {user_id};
    int rc = db_run_cached(d, "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", p, 1, err);
    return rc == DB_ROW || rc == DB_DONE ? EM_OK : rc;
}

int mastery_observe(db *d, const char *user_id, const char *name, bool correct, double *before, double *after,
                    em_error *err)
{
    bkt_params p = bkt_default_params();
    double known = 0;
    bool found = false;
    int rc = mastery_of(d, user_id, name, &known, &found, err);
    if (rc != EM_OK)
        return rc;
    known = bkt_start(&p, known, found);
    double next = bkt_update(&p, known, correct);
    if (before != NULL)
        *before = known;
    if (after != NULL)
        *after = next;
    return mastery_record(d, user_id, name, next, err);
}
