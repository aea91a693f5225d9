/* authz: the one authorization rule of the product, in one place.
 *
 * A resource owned by a user is visible to that user, to the tutors assigned to
 * that user (tutor_students), and to admins; to nobody else. Handlers answer
 * 404 when the rule says no, the same as for a resource that does not exist, so
 * no one learns what exists. Every endpoint that serves an owned resource asks
 * authz_can_view; nothing else decides. */
#ifndef EM_AUTH_AUTHZ_H
#define EM_AUTH_AUTHZ_H

#include <stdbool.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"

/* Whether `who` may see (and act on) what `owner_id` owns. */
int authz_can_view(db *d, const principal *who, const char *owner_id, bool *allowed /* OUT */,
                   em_error *err);
/* True for admins (admin-only endpoints answer 404 to everyone else). */
bool authz_is_admin(const principal *who);

/* Assign a student to a tutor (idempotent). EM_E_NOT_FOUND when either account
 * is missing, EM_E_INVAL when the tutor's role is not tutor or the student's is
 * not student. */
int authz_assign_student(db *d, const char *tutor_id, const char *student_id, bool *created /* OUT */,
                         em_error *err);

#endif
