/* mastery: a student's topics and how well the student knows each (the
 * `topics` table: name, mastery_score from 0 to 1, next_review_at). The one
 * home of that table: the study engine writes mastery here from quizzes,
 * reviews and plans, and the API reads it here.
 *
 * A student's topics are visible by the one rule (auth/authz.h); a caller who
 * may not see them gets EM_E_NOT_FOUND "no such user", as for a student who
 * does not exist. Reads hand each row to a visitor with borrowed strings. */
#ifndef EM_STUDY_MASTERY_H
#define EM_STUDY_MASTERY_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"

#define MASTERY_PAGE_MAX 200
#define MASTERY_NAME_MAX 200 /* bytes of a topic name */

/* One topic of a student. Strings borrowed for the visit only. */
typedef struct mastery_topic {
    const char *id, *user_id, *name;
    double mastery;             /* 0..1 */
    const char *next_review_at; /* ISO-8601, NULL when none is due */
} mastery_topic;

typedef void (*mastery_visit)(void *ctx, const mastery_topic *t);

/* Visit up to `limit` (1..MASTERY_PAGE_MAX) of user_id's topics, oldest
 * first; *count receives how many. */
int mastery_list(db *d, const principal *who, const char *user_id, int limit, mastery_visit visit, void *ctx,
                 size_t *count /* OUT */, em_error *err);

/* Add a topic to user_id's list with a starting mastery (0..1) and no review
 * due; its id goes to id_out. EM_E_INVAL for a name of 0 or more than
 * MASTERY_NAME_MAX bytes or a mastery outside 0..1. */
int mastery_add(db *d, const principal *who, const char *user_id, const char *name, double mastery,
                char id_out[37] /* OUT */, em_error *err);

/* The same without a caller, for operators' tools (demo data): next_review_at
 * may be NULL. */
int mastery_insert(db *d, const char *user_id, const char *name, double mastery, const char *next_review_at,
                   char id_out[37] /* OUT */, em_error *err);

/* ---- a study session's topics ----
 *
 * A session's topics are rows of the same table with session_id set, one per
 * distinct topic name of the session's materials, so each has one mastery
 * that quizzes, reviews and plans share. The session area (sessions.h)
 * decides who may ask; these take no caller. */

/* Make session_id's topics exactly names[0..n) (user_id: the session's
 * owner): names missing get a row with mastery 0, rows whose name is still
 * there keep their mastery, rows whose name is gone are removed. Names are
 * matched exactly; duplicates in names count once. One transaction. */
int mastery_sync_session(db *d, const char *user_id, const char *session_id, const char *const *names,
                         size_t n, em_error *err);
/* Visit session_id's topics, oldest first. */
int mastery_session_topics(db *d, const char *session_id, mastery_visit visit, void *ctx, em_error *err);
/* Set the mastery (0..1) of session_id's topic `name`; EM_E_NOT_FOUND when
 * the session has no such topic. */
int mastery_set_session_topic(db *d, const char *session_id, const char *name, double mastery, em_error *err);

/* ---- a student's mastery by topic name ----
 *
 * What the student knows of a topic is one number whichever session lists
 * it: quizzes and reviews write it to every row of the student by that name,
 * and plans read it from the session's row. No caller: the quiz and review
 * use cases have checked who may ask. */

/* The student's mastery of `name` (the highest of its rows); *found false and
 * *mastery 0 when the student has no topic by that name. */
int mastery_of(db *d, const char *user_id, const char *name, double *mastery /* OUT */, bool *found /* OUT */,
               em_error *err);
/* Set the mastery (0..1) of every row of user_id named `name`; when there is
 * none, add one of the student's own (no session), unless the name is empty
 * or longer than MASTERY_NAME_MAX. */
int mastery_record(db *d, const char *user_id, const char *name, double mastery, em_error *err);
/* Inside a transaction that moves the student's mastery, before anything
 * else it locks: on PostgreSQL, lock the student's row, so that one student's
 * answers (quiz submissions, review grades) move mastery one transaction at a
 * time, each reading what the one before wrote, and a topic first answered by
 * two at once gets one row. On SQLite the write transaction is the one writer
 * already: nothing to do. */
int mastery__lock_student(db *d, const char *user_id, em_error *err);
/* One observed answer on `name`: its mastery moves by Bayesian Knowledge
 * Tracing (learn/bkt.h, default parameters) from where it was (the prior
 * when the student has no such topic yet or has never answered it:
 * bkt_start) and is recorded as
 * mastery_record does. *before and *after (may be NULL) receive both. */
int mastery_observe(db *d, const char *user_id, const char *name, bool correct, double *before /* OUT */,
                    double *after /* OUT */, em_error *err);
/* Visit all of user_id's topic rows (every session's and the student's own). */
int mastery_user_topics(db *d, const char *user_id, mastery_visit visit, void *ctx, em_error *err);

#endif
