/* reviews: spaced repetition of what a student has answered. Every answered
 * question becomes the student's review card (review_cards), scheduled by
 * FSRS-6 (learn/fsrs.h) with the student's desired retention and interval
 * fuzz on; each review is logged (review_logs) with the recall FSRS predicted
 * for it, so the logs can be replayed and evaluated (the `fsrs` commands).
 * A card is due on the student's review day (study/today.h: the local day,
 * rolling over at the student's hour). Recalling a card is also an answer:
 * it moves the topic's mastery (study/mastery.h) and is stored as an
 * attempt.
 *
 * Cards are their student's own: only the student lists and grades them;
 * anyone else gets EM_E_NOT_FOUND "no such card". */
#ifndef EM_STUDY_REVIEWS_H
#define EM_STUDY_REVIEWS_H

#include <jansson.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"
#include "learn/fsrs.h"

#define REVIEWS_DUE_MAX 200 /* cards one request lists */

/* A grade as the API takes it: "again", "hard", "good", "easy" or 1..4.
 * EM_E_INVAL otherwise. */
int reviews_parse_grade(const json_t *v, fsrs_grade *out /* OUT */, em_error *err);
/* "again".."easy" for 1..4 (static). */
const char *reviews_grade_name(fsrs_grade g);

/* The caller's cards due by the end of their review day at now_ms, most
 * overdue first, at most limit (1..REVIEWS_DUE_MAX): {"day", "ends_at",
 * "due_count", "cards": [{"id", "question_id", "topic", "type", "stem",
 * "options", "due_at", "overdue", "state", "stability", "difficulty",
 * "retrievability", "reps", "lapses", "next": {"again": {"due_at",
 * "scheduled_days"}, ...}}]}. *out is owned. */
int reviews_due(db *d, const principal *who, int limit, int64_t now_ms, json_t **out /* OUT */,
                em_error *err);

/* Grade the caller's card at now_ms, in one transaction: the card's next
 * state, its log, the attempt and the topic's mastery. *out (owned):
 * {"card_id", "grade", "due_at", "due_day", "scheduled_days", "stability",
 * "difficulty", "retrievability" (the recall predicted when graded), "state",
 * "reps", "lapses", "mastery"}. */
int reviews_grade(db *d, const principal *who, const char *card_id, fsrs_grade g, int64_t now_ms,
                  json_t **out /* OUT */, em_error *err);

/* ---- inside the study area ---- */

/* Review user_id's card of question_id at now_ms with grade g inside the
 * caller's transaction, making the card when the question has none; source
 * "quiz" or "review"; p: the student's parameters (reviews__params). *card
 * (may be NULL) receives the state after. */
int reviews__record(db *d, const char *user_id, const fsrs_params *p, const char *question_id,
                    const char *topic, fsrs_grade g, const char *source, int64_t now_ms,
                    fsrs_card *card /* OUT */, em_error *err);
/* user_id's FSRS parameters: the defaults with the student's retention. */
int reviews__params(db *d, const char *user_id, fsrs_params *out /* OUT */, em_error *err);
/* How many of user_id's cards are due by the end of the review day at
 * now_ms (*due), and of those, due before it started (*overdue). */
int reviews__counts(db *d, const char *user_id, int64_t now_ms, int *due /* OUT */, int *overdue /* OUT */,
                    em_error *err);

#endif
