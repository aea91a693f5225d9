#include "auth/users.h"

#include <stdio.h>
#include <string.h>

#include "auth/refresh.h"
#include "core/clock.h"
#include "core/ids.h"

#define USER_COLUMNS                                                                                         \
    "id, email, display_name, role, is_active, created_at, updated_at, password_hash, time_zone, "           \
    "desired_retention, day_rollover_hour"
#define USER_NCOLUMNS 11 /* the first column after USER_COLUMNS */

bool users_role_valid(const char *role)
{
    return role != NULL &&
           (strcmp(role, "student") == 0 || strcmp(role, "tutor") == 0 || strcmp(role, "admin") == 0);
}

static void copy_text(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src != NULL ? src : "");
}

/* Fill *u from a row selected with USER_COLUMNS. */
static void read_row(db_stmt *st, user *u)
{
    copy_text(u->id, sizeof u->id, db_column_text(st, 0));
    copy_text(u->email, sizeof u->email, db_column_text(st, 1));
    copy_text(u->display_name, sizeof u->display_name, db_column_text(st, 2));
    copy_text(u->role, sizeof u->role, db_column_text(st, 3));
    u->is_active = db_column_bool(st, 4);
    copy_text(u->created_at, sizeof u->created_at, db_column_text(st, 5));
    copy_text(u->updated_at, sizeof u->updated_at, db_column_text(st, 6));
    copy_text(u->password_hash, sizeof u->password_hash, db_column_text(st, 7));
    copy_text(u->time_zone, sizeof u->time_zone, db_column_text(st, 8));
    u->desired_retention = db_column_double(st, 9);
    u->day_rollover_hour = (int)db_column_int64(st, 10);
}

/* Run a one-parameter SELECT of USER_COLUMNS expecting at most one row. */
static int get_one(db *d, const char *sql, const char *param, user *out, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, sql, &st, err); /* sql: a literal (static) */
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, param);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        if (out != NULL)
            read_row(st, out);
        rc = EM_OK;
    } else if (rc == DB_DONE) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such user");
    }
    db_finalize(st);
    return rc;
}

int users_get_by_email(db *d, const char *email, user *out, em_error *err)
{
    return get_one(d, "SELECT " USER_COLUMNS " FROM users WHERE email = $1", email, out, err);
}

int users_get_by_id(db *d, const char *id, user *out, em_error *err)
{
    if (!id_is_uuid(id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such user");
    return get_one(d, "SELECT " USER_COLUMNS " FROM users WHERE id = $1", id, out, err);
}

int users_get_session(db *d, const char *id, const char *family, int64_t now_ms, user *out,
                      bool *session_alive, em_error *err)
{
    if (!id_is_uuid(id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such user");
    char now[32];
    clock_iso8601(now_ms, now);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT " USER_COLUMNS
                               ", " REFRESH_SESSION_ALIVE_SQL("$1", "$2", "$3") " FROM users WHERE id = $1",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, family);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, now);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_row(st, out);
        *session_alive = db_column_bool(st, USER_NCOLUMNS);
        rc = EM_OK;
    } else if (rc == DB_DONE) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such user");
    }
    db_finalize(st);
    return rc;
}

int users_create(db *d, const char *email, const char *password_hash, const char *display_name,
                 const char *role, user *out, em_error *err)
{
    char id[ID_UUID_LEN + 1];
    id_uuid7(id);
    const char *params[] = {id, email, password_hash, display_name != NULL ? display_name : "", role};
    int rc = db_run(d,
                    "INSERT INTO users (id, email, password_hash, display_name, role) "
                    "VALUES ($1, $2, $3, $4, $5)",
                    params, 5, err);
    if (rc == EM_E_CONFLICT)
        return em_error_set(err, EM_E_CONFLICT, "an account with this email already exists");
    if (rc != DB_DONE)
        return rc;
    return out != NULL ? users_get_by_id(d, id, out, err) : EM_OK;
}

/* Run an UPDATE whose last parameter is the user id; EM_E_NOT_FOUND when no row
 * changed. params[0..n) are text (NULL binds NULL). */
static int update(db *d, const char *sql, const char *const *params, int n, em_error *err)
{
    int rc = db_run(d, sql, params, n, err);
    if (rc == EM_E_CONFLICT)
        return em_error_set(err, EM_E_CONFLICT, "an account with this email already exists");
    if (rc != DB_DONE)
        return rc;
    if (db_changes(d) == 0)
        return em_error_set(err, EM_E_NOT_FOUND, "no such user");
    return EM_OK;
}

/* updated_at as the application writes it (the same text on both backends). */
static void now_text(char out[32])
{
    clock_iso8601(clock_now_ms(), out);
}

int users_update_profile(db *d, const char *id, const char *display_name, const char *email, em_error *err)
{
    char now[32];
    now_text(now);
    const char *params[] = {display_name, email, now, id};
    return update(d,
                  "UPDATE users SET display_name = COALESCE($1, display_name), "
                  "email = COALESCE($2, email), updated_at = $3 WHERE id = $4",
                  params, 4, err);
}

int users_set_time_zone(db *d, const char *id, const char *time_zone, em_error *err)
{
    char now[32];
    now_text(now);
    const char *params[] = {time_zone, now, id};
    return update(d, "UPDATE users SET time_zone = $1, updated_at = $2 WHERE id = $3", params, 3, err);
}

int users_set_review_settings(db *d, const char *id, double desired_retention, int day_rollover_hour,
                              em_error *err)
{
    char now[32], retention[32], hour[16];
    now_text(now);
    snprintf(retention, sizeof retention, "%.17g", desired_retention);
    snprintf(hour, sizeof hour, "%d", day_rollover_hour);
    const char *params[] = {desired_retention > 0 ? retention : NULL, day_rollover_hour >= 0 ? hour : NULL,
                            now, id};
    return update(
        d,
        "UPDATE users SET desired_retention = COALESCE(CAST($1 AS DOUBLE PRECISION), desired_retention), "
        "day_rollover_hour = COALESCE(CAST($2 AS INTEGER), day_rollover_hour), updated_at = $3 "
        "WHERE id = $4",
        params, 4, err);
}

int users_set_password(db *d, const char *id, const char *password_hash, em_error *err)
{
    char now[32];
    now_text(now);
    const char *params[] = {password_hash, now, id};
    return update(d, "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", params, 3, err);
}

int users_set_role_active(db *d, const char *id, const char *role, int active, em_error *err)
{
    char now[32];
    now_text(now);
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "UPDATE users SET role = COALESCE($1, role), "
                        "is_active = CASE WHEN $2 < 0 THEN is_active ELSE $2 = 1 END, "
                        "updated_at = $3 WHERE id = $4",
                        &st, err);
    if (rc == EM_OK)
        rc = role != NULL ? db_bind_text(st, 1, role) : db_bind_null(st, 1);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, active);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, now);
    if (rc == EM_OK)
        rc = db_bind_text(st, 4, id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    return db_changes(d) == 0 ? em_error_set(err, EM_E_NOT_FOUND, "no such user") : EM_OK;
}

/* the filter of users_list: $1 a role or NULL, $2 a tutor or NULL */
#define USERS_FILTER                                                                                         \
    "(CAST($1 AS TEXT) IS NULL OR role = $1) AND (CAST($2 AS TEXT) IS NULL OR id IN "                        \
    "(SELECT student_id FROM tutor_students WHERE tutor_id = $2))"

static int bind_filter(db_stmt *st, const users_filter *f)
{
    int rc = f->role != NULL ? db_bind_text(st, 1, f->role) : db_bind_null(st, 1);
    if (rc == EM_OK)
        rc = f->tutor_id != NULL ? db_bind_text(st, 2, f->tutor_id) : db_bind_null(st, 2);
    return rc;
}

int users_list(db *d, const users_filter *f, int limit, int offset, user *out, size_t max, size_t *n,
               int64_t *total, em_error *err)
{
    *n = 0;
    *total = 0;
    db_stmt *st = NULL;
    int rc = db_prepare(d, "SELECT count(*) FROM users WHERE " USERS_FILTER, &st, err);
    if (rc == EM_OK)
        rc = bind_filter(st, f);
    if (db_next(st, &rc, err))
        *total = db_column_int64(st, 0);
    db_finalize(st);
    if (rc != EM_OK)
        return rc;
    rc = db_prepare(
        d, "SELECT " USER_COLUMNS " FROM users WHERE " USERS_FILTER " ORDER BY id DESC LIMIT $3 OFFSET $4",
        &st, err);
    if (rc == EM_OK)
        rc = bind_filter(st, f);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 3, limit);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 4, offset);
    while (db_next(st, &rc, err)) {
        if (*n < max)
            read_row(st, &out[(*n)++]);
    }
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}
