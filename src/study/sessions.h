/* sessions: study sessions, the materials each covers, and who may see and
 * change them (the `study_sessions` and `session_materials` tables).
 *
 * A session belongs to a student. It is visible by the one rule
 * (auth/authz.h): to its owner, the owner's tutors and admins; only its owner
 * changes it. Everyone else gets EM_E_NOT_FOUND "no such session", as for a
 * session that does not exist, so no one learns what exists. */
#ifndef EM_STUDY_SESSIONS_H
#define EM_STUDY_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"

/* ---- a session's materials ---- */

/* The session's owner and its material ids, when the caller may see the session by the
 * one rule (authz). write=true: only the owner (tutors and admins read, never write a
 * student's session). EM_E_NOT_FOUND "no such session" otherwise (also for a malformed id).
 * *material_ids is owned (free with session_ids_free), in the order the student gave them. */
int session_materials(db *d, const principal *who, const char *session_id, bool write,
                      char owner_id[37] /* OUT */, char ***material_ids /* OUT, owned */, size_t *n /* OUT */,
                      em_error *err);
/* Free ids[0..n) and ids; (NULL, 0) is a no-op. */
void session_ids_free(char **ids, size_t n);

/* ---- inside the study area ---- */

/* The session's owner when `who` may see it (write: when `who` owns it), else
 * EM_E_NOT_FOUND "no such session" (also for a malformed or NULL id). */
int sessions__owner(db *d, const principal *who, const char *session_id, bool write,
                    char owner_id[37] /* OUT */, em_error *err);

#endif
