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
#include <stdbool.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "core/ids.h"
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

/* One answer's review of its question's card, worked out before the
 * transaction (reviews__plan reads the card, or picks the id of a new one,
 * and schedules it), so that the transaction only writes it
 * (reviews__apply). */
typedef struct review_plan {
    const char *question_id, *topic; /* borrowed */
    char card_id[ID_UUID_LEN + 1];
    bool made;         /* the question had no card: one is inserted */
    int32_t seen_reps; /* the card's reps as read: the write's guard */
    fsrs_grade grade;
    int64_t now_ms;        /* when it was answered */
    int64_t review_ms;     /* the review's time (not before the last review) */
    double retrievability; /* the recall predicted at the review, -1 for a new card */
    fsrs_card after;       /* the card's state after the review */
} review_plan;

/* Plan the review of user_id's card of question_id with grade g at now_ms;
 * p: the student's parameters (reviews__params). Reads only. */
int reviews__plan(db *d, const char *user_id, const fsrs_params *p, const char *question_id,
                  const char *topic, fsrs_grade g, int64_t now_ms, review_plan *out /* OUT */, em_error *err);
/* Store a planned review inside the caller's transaction, source "quiz" or
 * "review": the card written and its review logged. When the card changed
 * since it was planned (reviewed, or made, by another request), it is
 * reviewed again as it is now, so no review is lost or applied to a stale
 * state. */
int reviews__apply(db *d, const char *user_id, const fsrs_params *p, const review_plan *r, const char *source,
                   em_error *err);
/* user_id's FSRS parameters: the defaults with the student's retention. */
int reviews__params(db *d, const char *user_id, fsrs_params *out /* OUT */, em_error *err);
/* How many of user_id's cards are due by the end of the review day at
 * now_ms (*due), and of those, due before it started (*overdue). */
int reviews__counts(db *d, const char *user_id, int64_t now_ms, int *due /* OUT */, int *overdue /* OUT */,
                    em_error *err);

#endif
