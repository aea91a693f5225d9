/* plans: verified study plans of a session, their cache, and their calendar
 * (the `plans` and `plan_cache` tables).
 *
 * A plan is made from the session as it is now: the student's local today
 * (core/tz.h, the account's time zone), the exam date, the daily budget, the
 * study weekdays and free dates, and the topics of the session's ready
 * materials in document order with their words and mastery
 * (sessions.h's session_topics). learn/plan.h makes it, learn/verify.h
 * checks it, and both are stored as JSON. The key of the cache is a SHA-256
 * over every one of those inputs and PLANS_ALGORITHM_VERSION: the same
 * inputs within PLANS_CACHE_TTL_S give back the stored plan, any change
 * gives a new one. docs/internals/study.md says more.
 *
 * Making a plan is the session owner's (it writes); reading plans follows
 * the one rule (auth/authz.h). Everyone else gets EM_E_NOT_FOUND. */
#ifndef EM_STUDY_PLANS_H
#define EM_STUDY_PLANS_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "learn/plan.h"
#include "llm/provider.h"

#define PLANS_ALGORITHM_VERSION 1     /* part of the cache key: bump when plan_make changes */
#define PLANS_CACHE_TTL_S (24 * 3600) /* how long a plan answers the same inputs */
#define PLANS_KEPT_PER_SESSION 10     /* a session's newest plans kept; older ones are removed */
#define PLANS_JSON_MAX (8 * 1024 * 1024)
#define PLANS_ICS_MAX (8 * 1024 * 1024)

/* em_error reasons of a session that cannot have a plan (EM_E_INVAL; the API
 * answers them 422 with the reason as its error code). */
#define PLANS_INFEASIBLE PLAN_REASON_INFEASIBLE /* why (plan_infeasible) says what would fit */
#define PLANS_EXAM_PAST "exam_date_past"        /* the exam date is before the local today */
#define PLANS_NO_MATERIAL "no_ready_material"   /* no ready material with topics */

/* A stored plan. */
typedef struct plan_record {
    char id[37], session_id[37], user_id[37];
    char created_at[40];
    char *plan_json;   /* owned: {"id","session_id","created_at","time_zone","today","exam_date",
                          "daily_minutes","days":[...],...} */
    char *report_json; /* owned: {"ok","constraints":[{"rule","ok","violations":[{"day","message"}]}]} */
    bool cached;       /* plans_generate: answered from the cache */
} plan_record;
void plan_record_cleanup(plan_record *r);

/* Make (or take from the cache) the verified plan of session_id at now_ms
 * (Unix milliseconds; the local today comes from it), owner only, in one
 * transaction. The provider llm drafts it (its name is part of the cache
 * key) and learn/verify.h checks it here, whoever drafted it. Refusals: EM_E_INVAL with reason
 * PLANS_INFEASIBLE (and *why, may be NULL, filled), PLANS_EXAM_PAST or PLANS_NO_MATERIAL, or
 * EM_REASON_VALIDATION for a session out of the planner's ranges (an exam
 * more than ten years away, too many topics). Free *out with
 * plan_record_cleanup. */
int plans_generate(db *d, const llm_provider *llm, const principal *who, const char *session_id,
                   int64_t now_ms, plan_record *out /* OUT */, plan_infeasible *why /* OUT */, em_error *err);
/* The plan plan_id when `who` may see it ("no such plan" otherwise). */
int plans_get(db *d, const principal *who, const char *plan_id, plan_record *out /* OUT */, em_error *err);
/* The session's newest plan when `who` may see the session; EM_E_NOT_FOUND
 * "no plan for this session yet" when it has none. */
int plans_latest(db *d, const principal *who, const char *session_id, plan_record *out /* OUT */,
                 em_error *err);
/* The session's newest plan as an iCalendar (core/ics.h: one all-day event
 * per day of the plan, on the plan's local dates), appended to out (whose
 * maximum bounds it); DTSTAMP is now_ms. */
int plans_calendar(db *d, const principal *who, const char *session_id, int64_t now_ms, buf *out,
                   em_error *err);

#endif
