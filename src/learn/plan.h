/* plan: a day-by-day study plan from the student's local today to the exam.
 *
 * Input is what the student gave: today and the exam date (civil dates in the
 * student's zone, see core/tz.h), a daily budget in minutes, the study
 * weekdays, free dates, and materials whose topics come in document order,
 * each with its length in words and the student's mastery (0..1). Output is
 * the days that have something to do, each a list of items: the first study of
 * a topic (possibly in parts over several days), its spaced reviews, and the
 * final revision. Study days are today up to the day before the exam, on a
 * study weekday and not a free date; the exam day itself has none.
 *
 * What must fit, the study of every topic and the final revision, fits or the
 * input is refused with a plan_infeasible naming a computed fix; reviews are
 * added where they fit. The same input always gives the same plan. Pure
 * functions: no I/O, no clock. docs/internals/learn.md ("Plans") says why
 * the constants are what they are; learn/verify.h checks any plan. */
#ifndef EM_LEARN_PLAN_H
#define EM_LEARN_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/civil.h"
#include "core/err.h"

/* ---- limits and constants ---- */

#define PLAN_MAX_MATERIALS 200
#define PLAN_MAX_TOPICS 10000      /* over all materials */
#define PLAN_MAX_WORDS 5000000     /* words of one topic */
#define PLAN_MAX_DAYS 3660         /* from today to the exam: ten years */
#define PLAN_MAX_FREE_DATES 3660
#define PLAN_DAY_MINUTES 1440      /* the largest daily budget */

#define PLAN_WORDS_PER_MINUTE 100  /* study reading, notes included */
#define PLAN_MASTERED 0.95         /* from here a topic gets a review only */
#define PLAN_MIN_STUDY 10          /* minutes of the shortest first study */
#define PLAN_REVIEW_SHARE 4        /* a review takes 1/4 of the reading time */
#define PLAN_MIN_REVIEW 5          /* minutes of the shortest review */

/* Days after a topic's study that its reviews are due (each waits for the
 * next study day with room, up to the next one's day). */
#define PLAN_REVIEW_OFFSETS {1, 3, 7, 14, 30, 60}

#define PLAN_REASON_INFEASIBLE "plan_infeasible" /* em_error.reason of an infeasible input */

/* ---- input ---- */

typedef struct plan_topic {
    const char *name; /* borrowed; for messages (NULL: "topic N") */
    int words;        /* length: 0..PLAN_MAX_WORDS */
    double mastery;   /* 0..1 */
} plan_topic;

typedef struct plan_material {
    const char *title;        /* borrowed; may be NULL */
    const plan_topic *topics; /* borrowed; in document order */
    size_t n_topics;
} plan_material;

typedef struct plan_input {
    civil_date today;              /* the student's local date */
    civil_date exam;               /* the exam date: no study on it */
    int daily_minutes;             /* 1..PLAN_DAY_MINUTES */
    unsigned weekdays;             /* bit d set (d: 0 Sunday .. 6 Saturday): a study
                                      weekday; 0 means every day */
    const civil_date *free_dates;  /* borrowed; no study on these; any order */
    size_t n_free_dates;
    const plan_material *materials; /* borrowed */
    size_t n_materials;
} plan_input;

/* ---- output ---- */

typedef enum plan_kind {
    PLAN_STUDY = 1, /* first study (a part of it when split over days) */
    PLAN_REVIEW,    /* a spaced review; the only item of a mastered topic besides revision */
    PLAN_REVISION   /* the final revision before the exam */
} plan_kind;

typedef struct plan_item {
    size_t material, topic; /* indices into plan_input.materials and its topics */
    plan_kind kind;
    int minutes;            /* > 0 */
    int seq;                /* PLAN_STUDY, PLAN_REVISION: part 1, 2, ...; PLAN_REVIEW: review
                               1, 2, ... after the study, 0 for a mastered topic's review */
} plan_item;

typedef struct plan_day {
    civil_date date;
    int minutes;        /* the items' minutes added up */
    plan_item *items;   /* owned; study first, then reviews, then revision */
    size_t n_items;
} plan_day;

typedef struct plan {
    plan_day *days;     /* owned; in date order, only days with items */
    size_t n_days;
    int study_minutes, review_minutes, revision_minutes; /* totals */
    int reviews_skipped; /* reviews due before the revision that found no room */
} plan;

/* Why an input has no plan, and what would give it one. */
typedef enum plan_problem {
    PLAN_FEASIBLE = 0,
    PLAN_EXAM_NOT_AHEAD,   /* the exam is today or past */
    PLAN_NO_TOPICS,        /* nothing to study */
    PLAN_NO_STUDY_DAY,     /* weekdays and free dates leave no day before the exam */
    PLAN_BUDGET_TOO_SMALL  /* study and revision need more minutes than the days hold */
} plan_problem;

typedef struct plan_infeasible {
    plan_problem problem;
    int needed_minutes;      /* BUDGET_TOO_SMALL: the study and revision, in minutes */
    int min_daily_minutes;   /* BUDGET_TOO_SMALL: the smallest budget that fits the dates */
    bool has_earliest_exam;  /* whether earliest_exam is set (within PLAN_MAX_DAYS) */
    civil_date earliest_exam;/* the first exam date that fits everything else as it is */
    char msg[256];           /* the same in words, safe to show */
} plan_infeasible;

/* ---- making a plan ---- */

/* The plan for in into *out (free with plan_cleanup; empty on failure).
 * EM_OK; or EM_E_INVAL with reason PLAN_REASON_INFEASIBLE and *why (may be
 * NULL) saying what would make it feasible, err's message the same as
 * why->msg; or EM_E_INVAL with reason EM_REASON_VALIDATION for an input out
 * of its ranges (a date that is not one, mastery outside 0..1, a budget
 * outside 1..PLAN_DAY_MINUTES, an exam more than PLAN_MAX_DAYS away, too many
 * topics).
 *
 * Time: linear in the days and topics (plus sorting the reviews); memory: a
 * few words per day and per item. */
int plan_make(const plan_input *in, plan *out /* OUT */, plan_infeasible *why /* OUT */, em_error *err);
void plan_cleanup(plan *p);

/* Minutes of a topic's first study (a mastered topic: of its review), and of
 * one review or its revision; the estimates plan_make uses. */
int plan_study_minutes(const plan_topic *t);
int plan_review_minutes(const plan_topic *t);

/* Whether date is a study day of in: a study weekday and not a free date
 * (today and the exam not considered). */
bool plan_is_study_day(const plan_input *in, civil_date date);

#endif
