/* performance: the analysis of a student's answers (POST
 * /api/analyze/performance, the seeds' name): per-topic mastery, accuracy
 * and speed and their trends, the weakest topics, and the misconceptions the
 * answers show, which are stored (study/misconceptions.h) as after a quiz.
 * The tutor engine's provider analyses (llm/provider.h; the built-in one:
 * learn/performance.h and learn/misconceptions.h).
 *
 * The student, the student's tutors and admins may ask (the one rule); for a
 * session, whoever may see the session. */
#ifndef EM_STUDY_PERFORMANCE_H
#define EM_STUDY_PERFORMANCE_H

#include <jansson.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"
#include "llm/provider.h"

#define PERFORMANCE_ATTEMPTS 1000 /* latest answers analysed */

/* fields: {"session_id"?: only that session's quizzes, "user_id"?: whose
 * (default: the caller; with a session, its student)}. *out (owned):
 * {"user_id", "session_id", "attempts", "correct", "accuracy",
 * "accuracy_trend", "mean_seconds", "speed_trend", "topics": [{"topic",
 * "mastery", "model_mastery", "mastered", "attempts", "correct", "accuracy",
 * "accuracy_trend", "mean_seconds", "speed_trend"}], "weakest": [topic...],
 * "misconceptions": {"open": [...], "detected": [...], "resolved": [...]},
 * "daily": [{"date", "answered", "correct", "accuracy"}], "time_zone",
 * "engine"}. mastery is the stored one the planner reads; model_mastery what
 * these answers alone give. daily is accuracy over time for charts: the
 * answers analysed, per local date ("YYYY-MM-DD" in the student's time zone,
 * time_zone), oldest first, days without answers left out. */
int performance_analyze(db *d, const llm_provider *llm, const principal *who, const json_t *fields,
                        int64_t now_ms, json_t **out /* OUT */, em_error *err);

#endif
