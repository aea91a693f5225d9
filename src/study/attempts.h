/* attempts: every answer a student gave (the `attempts` table), to quizzes
 * and to reviews, with how it was judged; and the history the student model
 * reads back (learn/misconceptions.h's attempts and the keys of the
 * questions the student has seen). The home of that table's SQL. No caller:
 * the quiz, review and analysis use cases decide who may ask. */
#ifndef EM_STUDY_ATTEMPTS_H
#define EM_STUDY_ATTEMPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"
#include "learn/grade.h"
#include "learn/misconceptions.h"

#define ATTEMPTS_HISTORY_MAX 2000        /* answers the model reads back at most */
#define ATTEMPTS_NORM_MAX GRADE_NORM_MAX /* bytes of an answer's stems as stored */

/* One answer to store (everything borrowed). */
typedef struct attempt_row {
    const char *quiz_id;     /* NULL for a review */
    int position;            /* in its quiz, -1 for a review */
    const char *question_id; /* may be NULL */
    const char *topic;
    const char *term; /* may be NULL */
    const char *kind; /* "quiz" or "review" */
    const char *given;
    int given_option;   /* -1: none */
    const char *chosen; /* that option's text, NULL when none */
    bool choice;        /* asked as a choice (multiple choice, true/false, definition) */
    const char *expected;
    const char *given_norm;    /* the stems of chosen (or given), NULL: worked out here */
    const char *expected_norm; /* the stems of expected, NULL: worked out here */
    bool correct;
    double seconds; /* < 0: unknown */
    int64_t at_ms;
} attempt_row;
int attempts__insert(db *d, const char *user_id, const attempt_row *a, em_error *err);

/* A student's answers as the model reads them, oldest first; strings are
 * owned by the list. */
typedef struct attempt_history {
    mc_attempt *items;
    size_t n;
    char **owned; /* every string the items point to */
    size_t n_owned;
} attempt_history;
void attempt_history_cleanup(attempt_history *h);

/* The latest `limit` (1..ATTEMPTS_HISTORY_MAX) quiz answers of user_id, or
 * only those to session_id's quizzes when it is not NULL; oldest first. */
int attempts__history(db *d, const char *user_id, const char *session_id, size_t limit,
                      attempt_history *out /* OUT */, em_error *err);

/* The keys of up to `limit` questions served to user_id in the latest
 * quizzes (the latest limit / 2 + 1 of them). */
typedef struct key_history {
    mc_key *items;
    size_t n;
    char **owned;
    size_t n_owned;
} key_history;
void key_history_cleanup(key_history *h);
int attempts__keys(db *d, const char *user_id, size_t limit, key_history *out /* OUT */, em_error *err);

/* What a quiz submission reads to find misconceptions, by index, instead of
 * the whole history: the latest `per_topic` (1..ATTEMPTS_HISTORY_MAX) quiz
 * answers of user_id on each of topics[0..n_topics) (a topic named twice is
 * read once), together in time order. The misconception rules are about one
 * topic at a time, except "another question's key", which reads the keys
 * below. */
int attempts__topic_history(db *d, const char *user_id, const char *const *topics, size_t n_topics,
                            size_t per_topic, attempt_history *out /* OUT */, em_error *err);
/* The keys of questions served to user_id (in any of their quizzes) whose
 * stems are norms[i], other than question question_ids[i] itself (NULL or a
 * NULL entry: none left out), at most per_norm for each i; empty norms are
 * skipped. What "a wrong answer that is another question's key" compares a
 * written answer with. */
int attempts__keys_matching(db *d, const char *user_id, const char *const *norms,
                            const char *const *question_ids, size_t n, size_t per_norm,
                            key_history *out /* OUT */, em_error *err);

/* How many answers user_id gave since since_ms (on `topic` only, when it is
 * not NULL), and the minutes they took (*minutes may be NULL; an answer
 * without a time counts as one minute). */
int attempts__since(db *d, const char *user_id, const char *topic, int64_t since_ms, int64_t *count /* OUT */,
                    double *minutes /* OUT */, em_error *err);

#endif
