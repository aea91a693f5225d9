/* refresh: see refresh.h. Timestamps are bound as ISO-8601 text, the form
 * both backends compare in time order. */
#include "auth/refresh.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"

/* Insert one token of a family, returning its text in token. */
static int insert_token(db *d, const char *user_id, const char *family, int64_t now_ms, int ttl_days,
                        char token[REFRESH_TOKEN_LEN + 1], em_error *err)
{
    char id[ID_UUID_LEN + 1], hash[REFRESH_HASH_LEN + 1], created[32], expires[32];
    id_uuid7(id);
    token_new_refresh(token);
    token_hash_refresh(token, hash);
    clock_iso8601(now_ms, created);
    clock_iso8601(now_ms + (int64_t)ttl_days * 86400 * 1000, expires);
    const char *params[] = {id, user_id, family, hash, created, expires};
    int rc = db_run(d,
                    "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
                    params, 6, err);
    return rc == DB_DONE ? EM_OK : rc;
}

int refresh_start(db *d, const char *user_id, int64_t now_ms, int ttl_days,
                  char token[REFRESH_TOKEN_LEN + 1], char family_out[37], em_error *err)
{
    char family[ID_UUID_LEN + 1];
    id_uuid7(family);
    if (family_out != NULL)
        snprintf(family_out, 37, "%s", family);
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = insert_token(d, user_id, family, now_ms, ttl_days, token, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

/* Run "UPDATE refresh_tokens SET revoked_at = $1 WHERE <col> = $2 AND revoked_at IS NULL". */
static int revoke_where(db *d, const char *column_sql, const char *value, int64_t now_ms, em_error *err)
{
    char now[32];
    clock_iso8601(now_ms, now);
    char sql[160];
    snprintf(sql, sizeof sql,
             "UPDATE refresh_tokens SET revoked_at = $1 WHERE %s = $2 AND revoked_at IS NULL", column_sql);
    const char *params[] = {now, value};
    int rc = db_run(d, sql, params, 2, err);
    return rc == DB_DONE ? EM_OK : rc;
}

/* The row of a presented token, inside the caller's transaction. */
typedef struct token_row {
    char id[37], user_id[37], family[37];
    char expires_at[40];
    bool used, revoked;
} token_row;

static int find_token(db *d, const char *presented, token_row *row, em_error *err)
{
    char hash[REFRESH_HASH_LEN + 1];
    token_hash_refresh(presented, hash);
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "SELECT id, user_id, family_id, expires_at, used_at IS NOT NULL, "
                        "revoked_at IS NOT NULL FROM refresh_tokens WHERE token_hash = $1",
                        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, hash);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        snprintf(row->id, sizeof row->id, "%s", db_column_text(st, 0));
        snprintf(row->user_id, sizeof row->user_id, "%s", db_column_text(st, 1));
        snprintf(row->family, sizeof row->family, "%s", db_column_text(st, 2));
        snprintf(row->expires_at, sizeof row->expires_at, "%s", db_column_text(st, 3));
        row->used = db_column_bool(st, 4);
        row->revoked = db_column_bool(st, 5);
        rc = EM_OK;
    } else if (rc == DB_DONE) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "invalid refresh token");
    }
    db_finalize(st);
    return rc;
}

/* Both backends give timestamps as ISO-8601 UTC text of one shape, so text
 * order is time order. */
static bool expired(const token_row *row, int64_t now_ms)
{
    char now[32];
    clock_iso8601(now_ms, now);
    return strcmp(row->expires_at, now) <= 0;
}

int refresh_rotate(db *d, const char *presented, int64_t now_ms, int ttl_days,
                   char new_token[REFRESH_TOKEN_LEN + 1], char user_id[37], char family[37], em_error *err)
{
    token_row row;
    if (strlen(presented) != REFRESH_TOKEN_LEN)
        return em_error_set(err, EM_E_NOT_FOUND, "invalid refresh token");
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = find_token(d, presented, &row, err);
    if (rc != EM_OK)
        goto fail;
    snprintf(user_id, 37, "%s", row.user_id);
    if (family != NULL)
        snprintf(family, 37, "%s", row.family);
    if (row.revoked || expired(&row, now_ms)) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "invalid refresh token");
        goto fail;
    }
    if (!row.used) {
        /* Claim it; a concurrent exchange of the same token finds it used. */
        char now[32];
        clock_iso8601(now_ms, now);
        const char *params[] = {now, row.id};
        rc = db_run(d, "UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL", params, 2, err);
        if (rc != DB_DONE)
            goto fail;
        row.used = db_changes(d) == 0;
        if (!row.used) {
            rc = insert_token(d, row.user_id, row.family, now_ms, ttl_days, new_token, err);
            if (rc == EM_OK)
                rc = db_commit(d, err);
            if (rc != EM_OK)
                goto fail;
            return EM_OK;
        }
    }
    /* Reuse: revoke the family, keep that, and report it. */
    rc = revoke_where(d, "family_id", row.family, now_ms, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        goto fail;
    return em_error_set(err, EM_E_CONFLICT, "refresh token reuse detected: the session was revoked");
fail:
    db_rollback(d);
    return rc;
}

int refresh_owner(db *d, const char *presented, char user_id[37], em_error *err)
{
    token_row row;
    int rc = find_token(d, presented, &row, err);
    if (rc == EM_OK)
        snprintf(user_id, 37, "%s", row.user_id);
    return rc;
}

int refresh_revoke(db *d, const char *presented, int64_t now_ms, char user_id[37], em_error *err)
{
    token_row row;
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = find_token(d, presented, &row, err);
    if (rc == EM_OK)
        rc = revoke_where(d, "family_id", row.family, now_ms, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK) {
        db_rollback(d);
        return rc;
    }
    if (user_id != NULL)
        snprintf(user_id, 37, "%s", row.user_id);
    return EM_OK;
}

int refresh_revoke_user(db *d, const char *user_id, int64_t now_ms, em_error *err)
{
    /* One statement is atomic by itself; it needs no level of its own. */
    return revoke_where(d, "user_id", user_id, now_ms, err);
}

int refresh_revoke_user_except(db *d, const char *user_id, const char *keep_family, int64_t now_ms, em_error *err)
{
    char now[32];
    clock_iso8601(now_ms, now);
    const char *params[] = {now, user_id, keep_family != NULL ? keep_family : ""};
    int rc = db_run(d,
                    "UPDATE refresh_tokens SET revoked_at = $1 "
                    "WHERE user_id = $2 AND family_id <> $3 AND revoked_at IS NULL",
                    params, 3, err);
    return rc == DB_DONE ? EM_OK : rc;
}

int refresh_purge(db *d, int64_t now_ms, int keep_days, int64_t *deleted, em_error *err)
{
    char cutoff[32];
    clock_iso8601(now_ms - (int64_t)keep_days * 86400 * 1000, cutoff);
    const char *params[] = {cutoff};
    int rc = db_run(d,
                    "DELETE FROM refresh_tokens WHERE expires_at < $1 OR used_at < $1 OR revoked_at < $1",
                    params, 1, err);
    if (rc != DB_DONE)
        return rc;
    if (deleted != NULL)
        *deleted = db_changes(d);
    return EM_OK;
}
