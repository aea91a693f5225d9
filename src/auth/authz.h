/* authz: the one authorization rule of the product, in one place.
 *
 * A resource owned by a user is visible to that user, to the tutors assigned to
 * that user (tutor_students), and to admins; to nobody else. Handlers answer
 * 404 when the rule says no, the same as for a resource that does not exist, so
 * no one learns what exists. The rule reads the caller's role as it is now
 * (principal.role is the stored role, looked up on every request), so a tutor
 * who is no longer a tutor sees no student's work.
 *
 * It has two forms and no third: authz_can_view for one owner, and
 * AUTHZ_VISIBLE_SQL for queries over many owners' rows. Stores that read or
 * change owned rows take the caller and apply one of them; handlers never
 * decide visibility themselves. */
#ifndef EM_AUTH_AUTHZ_H
#define EM_AUTH_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"

/* Whether `who` may see (and act on) what `owner_id` owns. */
int authz_can_view(db *d, const principal *who, const char *owner_id, bool *allowed /* OUT */,
                   em_error *err);
/* The same as a refusal: EM_OK when visible, else EM_E_NOT_FOUND with
 * "no such <what>" (the answer for things that do not exist). */
int authz_require_view(db *d, const principal *who, const char *owner_id, const char *what, em_error *err);

/* The rule as an SQL condition over an owner column, for queries that list
 * many owners' rows: `owner` is the column ("q.user_id"), `id` and `role` the
 * placeholders ("$1", "$2") bound to the caller's user id and current role.
 * A string literal, so statements built with it can be cached. */
#define AUTHZ_VISIBLE_SQL(owner, id, role)                                                              \
    "(" role " = 'admin' OR " owner " = " id " OR (" role " = 'tutor' AND " owner " IN "                \
    "(SELECT student_id FROM tutor_students WHERE tutor_id = " id ")))"
/* True for admins (admin-only endpoints answer 404 to everyone else). */
bool authz_is_admin(const principal *who);

/* Assign a student to a tutor (idempotent). EM_E_NOT_FOUND when either account
 * is missing, EM_E_INVAL when the tutor's role is not tutor or the student's is
 * not student. */
int authz_assign_student(db *d, const char *tutor_id, const char *student_id, bool *created /* OUT */,
                         em_error *err);
/* End an assignment; EM_E_NOT_FOUND when there is none. */
int authz_unassign_student(db *d, const char *tutor_id, const char *student_id, em_error *err);
/* What a role change does to assignments: an account that stops being a tutor
 * loses its students, one that stops being a student loses its tutors (a
 * tutor's or admin's work is not a student's). *removed counts the rows. */
int authz_role_changed(db *d, const char *user_id, const char *old_role, const char *new_role, int64_t *removed /* OUT */,
                       em_error *err);

#endif
