/* roster: a tutor's view of the students they teach (GET /api/tutor/students
 * and /api/tutor/students/{id}): per student, when they last did anything,
 * their sessions and the soonest exam, how well they know their topics (the
 * mean and the weakest), their open misconceptions and due reviews, and
 * whether they are at risk of going into an exam unprepared, with why.
 *
 * Who sees whom is the one rule (auth/authz.h): a tutor the students assigned
 * to them, an admin every student. A student has no roster: EM_E_FORBIDDEN
 * (the route exists for every signed-in caller, so saying so hides nothing).
 * One student asked for by id who is not visible, or not a student, is
 * EM_E_NOT_FOUND "no such student", as one that does not exist.
 *
 * The at-risk rule is roster_risk below, pure, with its thresholds here. */
#ifndef EM_STUDY_ROSTER_H
#define EM_STUDY_ROSTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"

#define ROSTER_PAGE_MAX 200
#define ROSTER_WEAKEST 3 /* weakest topics listed per student */

/* ---- the at-risk rule ----
 *
 * A student is at risk when any of these holds (each is a reason):
 *   idle_before_exam: nothing done (no answer, chat question or upload) for
 *     ROSTER_IDLE_DAYS days or more, or ever, with an exam within
 *     ROSTER_IDLE_EXAM_DAYS days;
 *   low_mastery_before_exam: mean mastery below ROSTER_LOW_MASTERY with an
 *     exam within ROSTER_LOW_MASTERY_EXAM_DAYS days;
 *   many_misconceptions: ROSTER_MISCONCEPTIONS or more open misconceptions.
 * "Within n days": the exam is today or at most n days after the student's
 * local today. A student with no exam ahead is at risk only by the last. */
#define ROSTER_IDLE_DAYS 7
#define ROSTER_IDLE_EXAM_DAYS 21
#define ROSTER_LOW_MASTERY 0.4
#define ROSTER_LOW_MASTERY_EXAM_DAYS 7
#define ROSTER_MISCONCEPTIONS 5

typedef enum roster_reason {
    ROSTER_IDLE_BEFORE_EXAM = 1u << 0,
    ROSTER_LOW_MASTERY_BEFORE_EXAM = 1u << 1,
    ROSTER_MANY_MISCONCEPTIONS = 1u << 2,
} roster_reason;

/* What the rule reads of one student. */
typedef struct roster_facts {
    int64_t last_activity_ms; /* < 0: never */
    int64_t exam_in_days;     /* days from the local today to the next exam; < 0: no exam ahead */
    double mean_mastery;      /* < 0: no topics */
    int64_t open_misconceptions;
} roster_facts;

/* The reasons (roster_reason bits) that hold for `f` at now_ms; 0: not at
 * risk. Pure. */
unsigned roster_risk(const roster_facts *f, int64_t now_ms);
/* A reason's code ("idle_before_exam", ...; static), NULL for anything but
 * one roster_reason bit. */
const char *roster_reason_code(unsigned reason);

/* ---- reading ---- */

/* The students `who` teaches (admins: every student), by name then email,
 * limit 1..ROSTER_PAGE_MAX from offset >= 0 (else EM_E_INVAL), with *total
 * the count of all of them. *items (owned) is a JSON array of {"id",
 * "email", "full_name", "is_active", "last_activity" (ISO-8601 or null),
 * "session_count", "next_exam_date" ("YYYY-MM-DD" or null), "days_to_exam"
 * (or null), "mean_mastery" (0..1 or null), "weakest_topics": [{"name",
 * "mastery"}] (at most ROSTER_WEAKEST, weakest first), "open_misconceptions",
 * "due_reviews" (as GET /api/reviews/due counts them today), "at_risk",
 * "risk_reasons": [{"code", "message"}]}. */
int roster_list(db *d, const principal *who, int limit, int offset, int64_t now_ms, json_t **items /* OUT */,
                int64_t *total /* OUT */, em_error *err);

/* One student as roster_list shows them, plus "sessions": [{"id", "title",
 * "exam_type", "exam_date", "created_at"}] (newest first, at most
 * SESSION_PAGE_MAX) and "topics": [{"name", "mastery"}] (every topic by
 * name, weakest first). *out is owned. */
int roster_get(db *d, const principal *who, const char *student_id, int64_t now_ms, json_t **out /* OUT */,
               em_error *err);

#endif
