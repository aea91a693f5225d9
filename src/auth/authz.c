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
    db_stmt *st = NULL;
    int rc = db_prepare(d, "SELECT 1 FROM tutor_students WHERE tutor_id = $1 AND student_id = $2", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, who->user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, owner_id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc < 0)
        return rc;
    *allowed = rc == DB_ROW;
    return EM_OK;
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
    db_stmt *st = NULL;
    rc = db_prepare(d,
                    "INSERT INTO tutor_students (tutor_id, student_id) VALUES ($1, $2) "
                    "ON CONFLICT (tutor_id, student_id) DO NOTHING",
                    &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, tutor_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, student_id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    *created = db_changes(d) > 0;
    return EM_OK;
}
