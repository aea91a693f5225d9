/* sessions: study sessions, the materials each covers, its topics, and who
 * may see and change them (the `study_sessions` and `session_materials`
 * tables; the topics live in study/mastery.h's table).
 *
 * A session belongs to a student. It is visible by the one rule
 * (auth/authz.h): to its owner, the owner's tutors and admins; only its owner
 * changes it. Everyone else gets EM_E_NOT_FOUND "no such session", as for a
 * session that does not exist, so no one learns what exists.
 *
 * What a student gives (title, exam type and date, daily minutes, study
 * weekdays, free dates, materials) arrives as the JSON object of the request
 * and is checked here, every field with a message naming it: EM_E_INVAL
 * without a reason (400 invalid_request) for a malformed field; a material
 * the caller cannot see is EM_E_NOT_FOUND "no such material", one the caller
 * sees but does not own (a tutor naming a student's) EM_E_INVAL with reason
 * EM_REASON_VALIDATION (422). Unknown fields are ignored, as elsewhere in
 * the API. Dates are civil "YYYY-MM-DD" (core/civil.h); weekdays are the
 * bits of learn/plan.h (bit 0 Sunday .. bit 6 Saturday). */
#ifndef EM_STUDY_SESSIONS_H
#define EM_STUDY_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/civil.h"
#include "core/err.h"
#include "db/db.h"
#include "materials/passages.h"

#define SESSION_TITLE_MAX 200     /* bytes */
#define SESSION_EXAM_TYPE_MAX 100 /* bytes */
/* What the tutor and a quiz may draw on at once (materials/passages.h's
 * PASSAGES_MATERIALS_MAX), so that every session's tutor and quizzes work;
 * learn/plan.h takes more (PLAN_MAX_MATERIALS). */
#define SESSION_MATERIALS_MAX PASSAGES_MATERIALS_MAX
#define SESSION_FREE_DATES_MAX 1000
#define SESSION_DEFAULT_MINUTES 60
#define SESSION_ALL_DAYS 127u /* every weekday */
#define SESSION_PAGE_MAX 100
#define SESSIONS_PER_USER_MAX                                                                                \
    200 /* sessions one account may keep: each holds a plan, a chat and its                                  \
           topics, so an endless loop of creations would fill the disk */

/* ---- sessions ---- */

typedef struct session {
    char id[37];
    char user_id[37];
    char *title;                    /* owned */
    char *exam_type;                /* owned */
    char exam_date[CIVIL_TEXT_MAX]; /* "YYYY-MM-DD", "" when none */
    int daily_minutes;              /* 1..1440 */
    unsigned study_days;            /* weekday bits, 1..127 */
    char *free_dates_json;          /* owned: a JSON array of "YYYY-MM-DD" */
    char **material_ids;            /* owned, in the student's order */
    size_t n_materials;
    char created_at[40], updated_at[40];
    char plan_id[37]; /* its newest plan (GET /api/sessions/{id}/plan), "" when none yet */
} session;
void session_cleanup(session *s);

/* "sun" .. "sat" for 0..6 (static); NULL otherwise. */
const char *session_weekday_name(int day);

/* Create a session of `who`'s own from the JSON object `fields` (title and
 * exam_date required; exam_type "", daily_minutes SESSION_DEFAULT_MINUTES,
 * study_days every day, free_dates and material_ids none by default), with
 * its topics (mastery.h), in one transaction. *out (may be NULL) receives it.
 * EM_E_CONFLICT when `who` has SESSIONS_PER_USER_MAX sessions already. */
int session_create(db *d, const principal *who, const json_t *fields, session *out /* OUT */, em_error *err);
/* owner_id's sessions, newest first (limit 1..SESSION_PAGE_MAX, offset >= 0,
 * else EM_E_INVAL), when `who` may see them (else EM_E_NOT_FOUND "no such
 * user"). *items is owned: session_cleanup each, then free the array. */
int session_list(db *d, const principal *who, const char *owner_id, int limit, int offset,
                 session **items /* OUT */, size_t *n /* OUT */, int64_t *total /* OUT */, em_error *err);
/* Change the fields `fields` names (at least one; material_ids replaces the
 * set and the topics follow), owner only, in one transaction. *out (may be
 * NULL) receives the session as it is now. */
int session_update(db *d, const principal *who, const char *session_id, const json_t *fields,
                   session *out /* OUT */, em_error *err);
/* Delete the session, owner only: its materials list, topics, plans, cached
 * plans and chat history go with it (foreign keys). */
int session_delete(db *d, const principal *who, const char *session_id, em_error *err);

/* ---- a session's topics ---- */

/* A topic of a session: a topic of one of its ready materials, with its
 * mastery (0 and id "" until the topic has its row). Borrowed for the visit. */
typedef struct session_topic {
    const char *topic_id; /* the topics row, "" when none yet */
    const char *material_id;
    const char *name;
    const char *source; /* "heading" or "terms" */
    int64_t words;      /* its length, for plans */
    double mastery;     /* 0..1 */
} session_topic;
/* Visit the topics of the session's ready materials, materials in the
 * student's order and each one's topics in document order, when `who` may
 * see the session. A topic's words: those of the material's chunks whose
 * section is its name; a topic of key terms (or a heading whose chunks carry
 * another section title, a numbered one) gets its weight's share of the
 * material's words instead. */
int session_topics(db *d, const principal *who, const char *session_id,
                   void (*visit)(void *ctx, const session_topic *t), void *ctx, em_error *err);

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

/* The session when `who` may see it and, when visit is not NULL, its topics
 * as session_topics visits them. Free *out with session_cleanup. */
int session_get(db *d, const principal *who, const char *session_id, session *out /* OUT */,
                void (*visit)(void *ctx, const session_topic *t), void *ctx, em_error *err);

/* ---- inside the study area ---- */

/* The session's owner when `who` may see it (write: when `who` owns it), else
 * EM_E_NOT_FOUND "no such session" (also for a malformed or NULL id). */
int sessions__owner(db *d, const principal *who, const char *session_id, bool write,
                    char owner_id[37] /* OUT */, em_error *err);
/* Bring the session's topic rows in line with its ready materials' topics
 * (mastery_sync_session); user_id is the session's owner. */
int sessions__sync_topics(db *d, const char *user_id, const char *session_id, em_error *err);
/* session_topics without a caller (the session's visibility already checked). */
int sessions__topics(db *d, const char *session_id, void (*visit)(void *ctx, const session_topic *t),
                     void *ctx, em_error *err);
/* The session row without a caller ("no such session" when absent). */
int sessions__get(db *d, const char *session_id, session *out /* OUT */, em_error *err);

/* The autopilot's state machine as stored (the seeds' current_state and
 * agent_history, a JSON array; *history_json owned). */
#define SESSION_STATE_MAX 32
int sessions__agent_state(db *d, const char *session_id, char state[SESSION_STATE_MAX + 1] /* OUT */,
                          char **history_json /* OUT */, em_error *err);
/* Store a new state, context (a JSON object) and history (a JSON array), if
 * the stored history is still seen_history (as sessions__agent_state read
 * it; NULL: none): EM_E_CONFLICT, and nothing stored, when another write came
 * in between; EM_E_NOT_FOUND when the session is gone. */
int sessions__set_agent_state(db *d, const char *session_id, const char *seen_history, const char *state,
                              const char *context_json, const char *history_json, int64_t now_ms,
                              em_error *err);

#endif
