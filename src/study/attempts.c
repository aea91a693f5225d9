/* attempts: see attempts.h. */
#include "study/attempts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/mem.h"
#include "learn/grade.h"

/* s's stems (learn/grade.h) into out, unless `given` already holds them. */
static const char *stems(const char *given, const char *s, char *out, size_t cap)
{
    if (given != NULL && given[0] != '\0')
        return given;
    grade_normalize(s, strlen(s), out, cap);
    return out;
}

int attempts__insert(db *d, const char *user_id, const attempt_row *a, em_error *err)
{
    char id[ID_UUID_LEN + 1], at[32];
    id_uuid7(id);
    clock_iso8601(a->at_ms, at);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d,
        "INSERT INTO attempts (id, user_id, quiz_id, position, question_id, topic, term, kind, "
        "given, given_option, expected, correct, seconds, answered_at, given_norm, chosen, choice, "
        "expected_norm) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, user_id);
        a->quiz_id != NULL ? db_bind_text(st, 3, a->quiz_id) : db_bind_null(st, 3);
        a->position >= 0 ? db_bind_int64(st, 4, a->position) : db_bind_null(st, 4);
        a->question_id != NULL ? db_bind_text(st, 5, a->question_id) : db_bind_null(st, 5);
        db_bind_text(st, 6, a->topic);
        a->term != NULL ? db_bind_text(st, 7, a->term) : db_bind_null(st, 7);
        db_bind_text(st, 8, a->kind);
        db_bind_text(st, 9, a->given);
        db_bind_int64(st, 10, a->given_option);
        db_bind_text(st, 11, a->expected);
        db_bind_bool(st, 12, a->correct);
        a->seconds >= 0 ? db_bind_double(st, 13, a->seconds) : db_bind_null(st, 13);
        db_bind_text(st, 14, at);
        /* stemmed once, when stored, so the model reads answers and keys back
           without stemming them again; a choice answered by its letter is
           compared by the option's text */
        char given_norm[ATTEMPTS_NORM_MAX], expected_norm[ATTEMPTS_NORM_MAX];
        db_bind_text(
            st, 15,
            stems(a->given_norm, a->chosen != NULL ? a->chosen : a->given, given_norm, sizeof given_norm));
        a->chosen != NULL ? db_bind_text(st, 16, a->chosen) : db_bind_null(st, 16);
        db_bind_bool(st, 17, a->choice);
        rc = db_bind_text(st, 18, stems(a->expected_norm, a->expected, expected_norm, sizeof expected_norm));
    }
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

/* ---- reading back ---- */

/* Keep a copy of s (NULL stays NULL) in the list of owned strings. */
static const char *keep(char ***owned, size_t *n, size_t *cap, const char *s)
{
    if (s == NULL)
        return NULL;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *owned = em_realloc(*owned, *cap * sizeof **owned);
    }
    char *c = em_strdup(s);
    (*owned)[(*n)++] = c;
    return c;
}

static void free_strings(char **owned, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(owned);
}

void attempt_history_cleanup(attempt_history *h)
{
    if (h == NULL)
        return;
    free(h->items);
    free_strings(h->owned, h->n_owned);
    memset(h, 0, sizeof *h);
}

void key_history_cleanup(key_history *h)
{
    if (h == NULL)
        return;
    free(h->items);
    free_strings(h->owned, h->n_owned);
    memset(h, 0, sizeof *h);
}

/* ISO-8601 text (as the database hands it out) to Unix ms, 0 when unreadable. */
static int64_t iso_ms(const char *s)
{
    int64_t ms = 0;
    return clock_parse_iso8601(s, &ms) == EM_OK ? ms : 0;
}

/* What the model reads of an answer (attempts a), in read_attempt's order. */
#define HISTORY_COLUMNS                                                                                      \
    "a.question_id, a.topic, a.term, a.correct, a.given_option, a.given, a.expected, a.answered_at, "        \
    "a.seconds, a.choice, a.chosen, a.given_norm, a.expected_norm"

/* The current row (HISTORY_COLUMNS) appended to out. */
static void read_attempt(db_stmt *st, attempt_history *out, size_t *cap_items, size_t *cap_owned)
{
    if (out->n == *cap_items) {
        *cap_items = *cap_items ? *cap_items * 2 : 64;
        out->items = em_realloc(out->items, *cap_items * sizeof *out->items);
    }
    mc_attempt *a = &out->items[out->n++];
    memset(a, 0, sizeof *a);
    /* a choice is read as the option chosen */
    const char *given = db_column_text(st, 10) != NULL ? db_column_text(st, 10) : db_column_text(st, 5);
    const char *norm = db_column_text(st, 11); /* stemmed when stored */
    const char *key_norm = db_column_text(st, 12);
    a->question_id = keep(&out->owned, &out->n_owned, cap_owned, db_column_text(st, 0));
    a->topic = keep(&out->owned, &out->n_owned, cap_owned, db_column_text(st, 1));
    a->term = keep(&out->owned, &out->n_owned, cap_owned, db_column_text(st, 2));
    a->correct = db_column_bool(st, 3);
    a->option = (int)db_column_int64(st, 4);
    a->choice = db_column_bool(st, 9);
    a->given_text = keep(&out->owned, &out->n_owned, cap_owned, given);
    a->given_norm = keep(&out->owned, &out->n_owned, cap_owned, norm != NULL ? norm : "");
    a->expected_text = keep(&out->owned, &out->n_owned, cap_owned, db_column_text(st, 6));
    /* the key's stems as stored with the answer; NULL (worked out from the
       text) for an answer stored without them */
    a->expected_norm = key_norm != NULL && key_norm[0] != '\0'
                           ? keep(&out->owned, &out->n_owned, cap_owned, key_norm)
                           : NULL;
    a->at_ms = iso_ms(db_column_text(st, 7));
    a->seconds = db_column_is_null(st, 8) ? -1 : db_column_double(st, 8);
}

static void reverse(mc_attempt *a, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        mc_attempt t = a[i];
        a[i] = a[n - 1 - i];
        a[n - 1 - i] = t;
    }
}

int attempts__history(db *d, const char *user_id, const char *session_id, size_t limit, attempt_history *out,
                      em_error *err)
{
    memset(out, 0, sizeof *out);
    if (limit < 1 || limit > ATTEMPTS_HISTORY_MAX)
        return em_error_set(err, EM_E_INVAL, "limit must be 1 to %d", ATTEMPTS_HISTORY_MAX);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d,
        "SELECT " HISTORY_COLUMNS " FROM attempts a "
        "WHERE a.user_id = $1 AND a.kind = 'quiz' AND (CAST($2 AS TEXT) IS NULL OR a.quiz_id IN "
        "(SELECT id FROM quizzes WHERE session_id = $2)) "
        /* the index's order: no sort of the whole history */
        "ORDER BY a.answered_at DESC LIMIT $3",
        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = session_id != NULL ? db_bind_text(st, 2, session_id) : db_bind_null(st, 2);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 3, (int64_t)limit);
    size_t cap_items = 0, cap_owned = 0;
    while (db_next(st, &rc, err))
        read_attempt(st, out, &cap_items, &cap_owned);
    db_finalize(st);
    if (rc != EM_OK) {
        attempt_history_cleanup(out);
        return rc;
    }
    /* newest first from the query: turn to time order */
    reverse(out->items, out->n);
    return EM_OK;
}

/* The current row (question_id, topic, term, answer, answer_norm of
 * quiz_items) appended to out. */
static void read_key(db_stmt *st, key_history *out, size_t *cap_items, size_t *cap_owned)
{
    if (out->n == *cap_items) {
        *cap_items = *cap_items ? *cap_items * 2 : 64;
        out->items = em_realloc(out->items, *cap_items * sizeof *out->items);
    }
    mc_key *k = &out->items[out->n++];
    const char *norm = db_column_text(st, 4); /* stemmed when the quiz was made */
    k->question_id = keep(&out->owned, &out->n_owned, cap_owned, db_column_text(st, 0));
    k->topic = keep(&out->owned, &out->n_owned, cap_owned, db_column_text(st, 1));
    k->term = keep(&out->owned, &out->n_owned, cap_owned, db_column_text(st, 2));
    k->key_text = keep(&out->owned, &out->n_owned, cap_owned, db_column_text(st, 3));
    k->key_norm = keep(&out->owned, &out->n_owned, cap_owned, norm != NULL ? norm : "");
}

int attempts__keys(db *d, const char *user_id, size_t limit, key_history *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    db_stmt *st = NULL;
    int rc =
        db_prepare_cached(d,
                          "SELECT i.question_id, i.topic, i.term, i.answer, i.answer_norm FROM quiz_items i "
                          /* the latest quizzes first, through their index: never every quiz
                             the student ever took */
                          "WHERE i.quiz_id IN (SELECT id FROM quizzes WHERE user_id = $1 "
                          "ORDER BY created_at DESC LIMIT $3) LIMIT $2",
                          &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, (int64_t)limit);
    if (rc == EM_OK) /* quizzes have at most QUIZ_MAX_QUESTIONS; a few questions each is usual */
        rc = db_bind_int64(st, 3, (int64_t)limit / 2 + 1);
    size_t cap_items = 0, cap_owned = 0;
    while (db_next(st, &rc, err))
        read_key(st, out, &cap_items, &cap_owned);
    db_finalize(st);
    if (rc != EM_OK)
        key_history_cleanup(out);
    return rc;
}

/* Attempts in time order, ties in the order read: mc_detect's input. */
typedef struct {
    mc_attempt a;
    size_t seq;
} timed;

static int cmp_timed(const void *x, const void *y)
{
    const timed *a = x, *b = y;
    if (a->a.at_ms != b->a.at_ms)
        return a->a.at_ms < b->a.at_ms ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int attempts__topic_history(db *d, const char *user_id, const char *const *topics, size_t n_topics,
                            size_t per_topic, attempt_history *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    if (per_topic < 1 || per_topic > ATTEMPTS_HISTORY_MAX)
        return em_error_set(err, EM_E_INVAL, "limit must be 1 to %d", ATTEMPTS_HISTORY_MAX);
    size_t cap_items = 0, cap_owned = 0;
    int rc = EM_OK;
    for (size_t t = 0; rc == EM_OK && t < n_topics; t++) {
        bool again = false; /* a topic named twice is read once */
        for (size_t u = 0; u < t && !again; u++)
            again = strcmp(topics[u], topics[t]) == 0;
        if (again)
            continue;
        db_stmt *st = NULL;
        size_t first = out->n;
        rc = db_prepare_cached(d,
                               "SELECT " HISTORY_COLUMNS " FROM attempts a "
                               "WHERE a.user_id = $1 AND a.topic = $2 AND a.kind = 'quiz' "
                               /* attempts_user_topic_idx, newest first */
                               "ORDER BY a.answered_at DESC LIMIT $3",
                               &st, err);
        if (rc == EM_OK)
            rc = db_bind_text(st, 1, user_id);
        if (rc == EM_OK)
            rc = db_bind_text(st, 2, topics[t]);
        if (rc == EM_OK)
            rc = db_bind_int64(st, 3, (int64_t)per_topic);
        while (db_next(st, &rc, err))
            read_attempt(st, out, &cap_items, &cap_owned);
        db_finalize(st);
        reverse(out->items + first, out->n - first);
    }
    if (rc != EM_OK) {
        attempt_history_cleanup(out);
        return rc;
    }
    /* the topics' answers interleaved in time order (a topic's own order kept
       where the clock ties, as within one quiz) */
    timed *v = em_calloc(out->n + 1, sizeof *v);
    for (size_t i = 0; i < out->n; i++)
        v[i] = (timed){out->items[i], i};
    qsort(v, out->n, sizeof *v, cmp_timed);
    for (size_t i = 0; i < out->n; i++)
        out->items[i] = v[i].a;
    free(v);
    return EM_OK;
}

int attempts__keys_matching(db *d, const char *user_id, const char *const *norms,
                            const char *const *question_ids, size_t n, size_t per_norm, key_history *out,
                            em_error *err)
{
    memset(out, 0, sizeof *out);
    size_t cap_items = 0, cap_owned = 0;
    int rc = EM_OK;
    for (size_t i = 0; rc == EM_OK && i < n; i++) {
        if (norms[i] == NULL || norms[i][0] == '\0')
            continue;
        db_stmt *st = NULL;
        rc = db_prepare_cached(d,
                               "SELECT question_id, topic, term, answer, answer_norm FROM quiz_items "
                               /* quiz_items_user_key_idx: one lookup */
                               "WHERE user_id = $1 AND answer_norm = $2 "
                               "AND (question_id IS NULL OR question_id <> $3) LIMIT $4",
                               &st, err);
        if (rc == EM_OK)
            rc = db_bind_text(st, 1, user_id);
        if (rc == EM_OK)
            rc = db_bind_text(st, 2, norms[i]);
        if (rc == EM_OK) /* no id: nothing to leave out ('' is no question's id) */
            rc = db_bind_text(st, 3, question_ids != NULL && question_ids[i] != NULL ? question_ids[i] : "");
        if (rc == EM_OK)
            rc = db_bind_int64(st, 4, (int64_t)per_norm);
        while (db_next(st, &rc, err))
            read_key(st, out, &cap_items, &cap_owned);
        db_finalize(st);
    }
    if (rc != EM_OK)
        key_history_cleanup(out);
    return rc;
}

int attempts__since(db *d, const char *user_id, const char *topic, int64_t since_ms, int64_t *count,
                    double *minutes, em_error *err)
{
    char since[32];
    clock_iso8601(since_ms, since);
    *count = 0;
    if (minutes != NULL)
        *minutes = 0;
    db_stmt *st = NULL;
    /* an answer without a time counts as a minute */
    int rc = db_prepare_cached(
        d,
        "SELECT count(*), coalesce(sum(coalesce(seconds, 60)), 0) FROM attempts "
        "WHERE user_id = $1 AND answered_at >= $2 AND (CAST($3 AS TEXT) IS NULL OR topic = $3)",
        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, since);
    if (rc == EM_OK)
        rc = topic != NULL ? db_bind_text(st, 3, topic) : db_bind_null(st, 3);
    if (db_next(st, &rc, err)) {
        *count = db_column_int64(st, 0);
        if (minutes != NULL)
            *minutes = db_column_double(st, 1) / 60.0;
    }
    db_finalize(st);
    return rc;
}
