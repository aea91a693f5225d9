/* authz: see authz.h. authz_can_view answers the common cases (the owner, an
 * admin, anyone but a tutor) without a query; only a tutor's visit asks
 * tutor_students, as AUTHZ_VISIBLE_SQL does. test_auth_authz checks that the
 * two forms agree. */
#include "auth/authz.h"

#include <string.h>

#include "auth/users.h"

bool authz_is_admin(const principal *who)
{
    return strcmp(who->role, "admin") == 0;
}

int authz_can_view(db *d, const principal *who, const char *owner_id, bool *allowed, em_error *err)
{
    *allowed = false;
    if (owner_id == NULL)
        return EM_OK;
    if (strcmp(who->user_id, owner_id) == 0 || authz_is_admin(who)) {
        *allowed = true;
        return EM_OK;
    }
    if (strcmp(who->role, "tutor") != 0)
        return EM_OK;
    const char *params[] = {who->user_id, owner_id};
    int rc = db_run_cached(d, "SELECT 1 FROM tutor_students WHERE tutor_id = $1 AND student_id = $2", params, 2, err);
    if (rc < 0)
        return rc;
    *allowed = rc == DB_ROW;
    return EM_OK;
}

int authz_require_view(db *d, const principal *who, const char *owner_id, const char *what, em_error *err)
{
    bool allowed = false;
    int rc = authz_can_view(d, who, owner_id, &allowed, err);
    if (rc != EM_OK)
        return rc;
    return allowed ? EM_OK : em_error_set(err, EM_E_NOT_FOUND, "no such %s", what);
}

int authz_assign_student(db *d, const char *tutor_id, const char *student_id, bool *created, em_error *err)
{
    *created = false;
    user tutor, student;
    int rc = users_get_by_id(d, tutor_id, &tutor, err);
    if (rc == EM_OK)
        rc = users_get_by_id(d, student_id, &student, err);
    if (rc != EM_OK)
        return rc;
    if (strcmp(tutor.role, "tutor") != 0)
        return em_error_set(err, EM_E_INVAL, "the account %s is not a tutor", tutor_id);
    if (strcmp(student.role, "student") != 0)
        return em_error_set(err, EM_E_INVAL, "the account %s is not a student", student_id);
    const char *params[] = {tutor_id, student_id};
    rc = db_run(d,
                "INSERT INTO tutor_students (tutor_id, student_id) VALUES ($1, $2) "
                "ON CONFLICT (tutor_id, student_id) DO NOTHING",
                params, 2, err);
    if (rc != DB_DONE)
        return rc;
    *created = db_changes(d) > 0;
    return EM_OK;
}

int authz_unassign_student(db *d, const char *tutor_id, const char *student_id, em_error *err)
{
    const char *params[] = {tutor_id, student_id};
    int rc = db_run(d, "DELETE FROM tutor_students WHERE tutor_id = $1 AND student_id = $2", params, 2, err);
    if (rc != DB_DONE)
        return rc;
    return db_changes(d) > 0 ? EM_OK : em_error_set(err, EM_E_NOT_FOUND, "no such assignment");
}

int authz_role_changed(db *d, const char *user_id, const char *old_role, const char *new_role, int64_t *removed,
                       em_error *err)
{
    *removed = 0;
    if (strcmp(old_role, new_role) == 0)
        return EM_OK;
    const char *sql = NULL;
    if (strcmp(old_role, "tutor") == 0)
        sql = "DELETE FROM tutor_students WHERE tutor_id = $1";
    else if (strcmp(old_role, "student") == 0)
        sql = "DELETE FROM tutor_students WHERE student_id = $1";
    if (sql == NULL)
        return EM_OK;
    int rc = db_run(d, sql, &user_id, 1, err);
    if (rc != DB_DONE)
        return rc;
    *removed = db_changes(d);
    return EM_OK;
}
