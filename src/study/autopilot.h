/* autopilot: the next best thing for a student to do in a study session,
 * now (the seeds' session orchestration). It looks at the student's day (due
 * and overdue review cards, open misconceptions on the session's topics,
 * today's planned topics, what the autopilot sent the student to learn,
 * whether the student then asked the tutor and whether a quiz followed, the
 * minutes spent against the daily budget, whether the exam is over), asks
 * learn/autopilot.h for the activity and the reason, and moves the session's
 * state machine: current_state, current_context (the decision) and
 * agent_history (every decision, newest last, at most AUTOPILOT_HISTORY_MAX).
 *
 * Only the session's student drives it; anyone else gets EM_E_NOT_FOUND "no
 * such session". */
#ifndef EM_STUDY_AUTOPILOT_H
#define EM_STUDY_AUTOPILOT_H

#include <jansson.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"

#define AUTOPILOT_HISTORY_MAX 200
/* Decisions tried when other requests keep storing theirs in between. */
#define AUTOPILOT_RACE_TRIES 8
#define AUTOPILOT_LEARN_MINUTES 20 /* a learning step when the plan gives no length */
#define AUTOPILOT_MISCONCEPTIONS_READ                                                                        \
    64 /* open misconceptions looked through for one of the session's topics */

/* Decide and record the next activity of session_id at now_ms. *out (owned):
 * {"session_id", "activity", "topic", "reason", "state", "previous_state",
 * "due_reviews", "overdue_reviews", "minutes_today", "daily_minutes",
 * "next": {"method", "path", "body"}} where next is the request that starts
 * the activity (none for a break or when the exam is over). */
int autopilot_session_next(db *d, const principal *who, const char *session_id, int64_t now_ms,
                           json_t **out /* OUT */, em_error *err);

#endif
