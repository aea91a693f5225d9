/* reviews: see reviews.h. */
#include "study/reviews.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/users.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/mem.h"
#include "study/attempts.h"
#include "study/mastery.h"
#include "study/today.h"

static const char *const grade_names[] = {NULL, "again", "hard", "good", "easy"};

const char *reviews_grade_name(fsrs_grade g)
{
    return g >= FSRS_AGAIN && g <= FSRS_EASY ? grade_names[g] : NULL;
}

int reviews_parse_grade(const json_t *v, fsrs_grade *out, em_error *err)
{
    if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 4) {
        *out = (fsrs_grade)json_integer_value(v);
        return EM_OK;
    }
    for (int g = FSRS_AGAIN; json_is_string(v) && g <= FSRS_EASY; g++) {
        if (strcmp(json_string_value(v), grade_names[g]) == 0) {
            *out = (fsrs_grade)g;
            return EM_OK;
        }
    }
    return em_error_set(err, EM_E_INVAL, "grade must be again, hard, good or easy (or 1 to 4)");
}

int reviews__params(db *d, const char *user_id, fsrs_params *out, em_error *err)
{
    fsrs_default_params(out);
    user u;
    int rc = users_get_by_id(d, user_id, &u, err);
    if (rc == EM_OK && u.desired_retention > 0)
        out->request_retention = u.desired_retention;
    return rc;
}

/* The interval fuzz's seed: the card and how often it was reviewed, so a
 * preview and the grading that follows it agree. FNV-1a. */
static uint64_t fuzz_seed(const char *card_id, int reps)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = card_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return (h ^ (uint64_t)reps) * 1099511628211ULL;
}

/* ---- card rows ---- */

#define CARD_COLUMNS                                                                                         \
    "c.id, c.question_id, c.topic, c.state, c.stability, c.difficulty, c.reps, c.lapses, c.scheduled_days, " \
    "c.elapsed_days, c.due_at, c.last_review_at"

static int64_t iso_ms(const char *s)
{
    int64_t ms = 0;
    return s != NULL && clock_parse_iso8601(s, &ms) == EM_OK ? ms : 0;
}

static void read_card(db_stmt *st, fsrs_card *c)
{
    memset(c, 0, sizeof *c);
    c->state = (fsrs_state)db_column_int64(st, 3);
    c->stability = db_column_double(st, 4);
    c->difficulty = db_column_double(st, 5);
    c->reps = (int32_t)db_column_int64(st, 6);
    c->lapses = (int32_t)db_column_int64(st, 7);
    c->scheduled_days = (int32_t)db_column_int64(st, 8);
    c->elapsed_days = (int32_t)db_column_int64(st, 9);
    c->due_ms = iso_ms(db_column_text(st, 10));
    c->last_review_ms = iso_ms(db_column_text(st, 11));
}

/* c's state bound at $first..$first+8: state, stability, difficulty, reps,
 * lapses, scheduled_days, elapsed_days, due_at, last_review_at. */
static int bind_state(db_stmt *st, int first, const fsrs_card *c)
{
    char due[32], last[32];
    clock_iso8601(c->due_ms, due);
    clock_iso8601(c->last_review_ms, last);
    db_bind_int64(st, first, c->state);
    db_bind_double(st, first + 1, c->stability);
    db_bind_double(st, first + 2, c->difficulty);
    db_bind_int64(st, first + 3, c->reps);
    db_bind_int64(st, first + 4, c->lapses);
    db_bind_int64(st, first + 5, c->scheduled_days);
    db_bind_int64(st, first + 6, c->elapsed_days);
    db_bind_text(st, first + 7, due);
    return db_bind_text(st, first + 8, last);
}

/* c written over the card as it was read, with seen_reps reviews; *written
 * false (and no error) when it was reviewed since. */
static int write_card(db *d, const char *card_id, int32_t seen_reps, const fsrs_card *c, bool *written,
                      em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d,
        "UPDATE review_cards SET state = $1, stability = $2, difficulty = $3, reps = $4, "
        "lapses = $5, scheduled_days = $6, elapsed_days = $7, due_at = $8, last_review_at = $9 "
        "WHERE id = $10 AND reps = $11",
        &st, err);
    if (rc == EM_OK)
        rc = bind_state(st, 1, c);
    if (rc == EM_OK)
        rc = db_bind_text(st, 10, card_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 11, seen_reps);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    rc = rc == DB_DONE ? EM_OK : rc;
    *written = rc == EM_OK && db_changes(d) == 1;
    return rc;
}

static int write_log(db *d, const char *card_id, const char *user_id, fsrs_grade g, const char *source,
                     double retrievability, const fsrs_card *after, int64_t now_ms, em_error *err)
{
    char id[ID_UUID_LEN + 1], at[32];
    id_uuid7(id);
    clock_iso8601(now_ms, at);
    db_stmt *st = NULL;
    int rc =
        db_prepare_cached(d,
                          "INSERT INTO review_logs (id, card_id, user_id, grade, source, retrievability, "
                          "stability, difficulty, scheduled_days, state, reviewed_at) "
                          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                          &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, card_id);
        db_bind_text(st, 3, user_id);
        db_bind_int64(st, 4, g);
        db_bind_text(st, 5, source);
        retrievability >= 0 ? db_bind_double(st, 6, retrievability) : db_bind_null(st, 6);
        db_bind_double(st, 7, after->stability);
        db_bind_double(st, 8, after->difficulty);
        db_bind_int64(st, 9, after->scheduled_days);
        db_bind_int64(st, 10, after->state);
        rc = db_bind_text(st, 11, at);
    }
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

/* The review of a card at now_ms with grade g, worked out from its row
 * alone: *read as read (NULL: the question has no card yet, one is made with
 * the id already in out->card_id). out->card_id, question_id and topic are
 * the caller's. */
static int plan_review(const fsrs_params *p, const fsrs_card *read, fsrs_grade g, int64_t now_ms,
                       review_plan *out, em_error *err)
{
    fsrs_card c = read != NULL ? *read : (fsrs_card){.state = FSRS_NEW};
    out->made = read == NULL;
    out->seen_reps = c.reps;
    out->grade = g;
    out->now_ms = now_ms;
    if (c.state == FSRS_NEW)
        fsrs_card_init(&c, now_ms);
    out->retrievability = c.state == FSRS_NEW ? -1 : fsrs_retrievability(p, &c, now_ms);
    /* a clock that went back: review as of the last review */
    out->review_ms = now_ms < c.last_review_ms ? c.last_review_ms : now_ms;
    return fsrs_review(p, &c, out->review_ms, g, fuzz_seed(out->card_id, c.reps), &out->after, err);
}

/* The planned card written as a new row; false (and no error) when the
 * question got its card in between. */
static int insert_planned_card(db *d, const char *user_id, const review_plan *r, bool *written, em_error *err)
{
    char now[32];
    clock_iso8601(r->now_ms, now);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d,
        "INSERT INTO review_cards (id, user_id, question_id, topic, state, stability, difficulty, reps, "
        "lapses, scheduled_days, elapsed_days, due_at, last_review_at, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
        "ON CONFLICT (user_id, question_id) DO NOTHING",
        &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, r->card_id);
        db_bind_text(st, 2, user_id);
        db_bind_text(st, 3, r->question_id);
        db_bind_text(st, 4, r->topic);
        bind_state(st, 5, &r->after);
        rc = db_bind_text(st, 14, now);
    }
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    rc = rc == DB_DONE ? EM_OK : rc;
    *written = rc == EM_OK && db_changes(d) == 1;
    return rc;
}

/* A planned review stored: the card inserted (a made one) or written over
 * the row it was planned from, and the review logged. *written false, and
 * nothing stored, when the card changed since it was read. */
static int store_review(db *d, const char *user_id, const review_plan *r, const char *source, bool *written,
                        em_error *err)
{
    int rc = r->made ? insert_planned_card(d, user_id, r, written, err)
                     : write_card(d, r->card_id, r->seen_reps, &r->after, written, err);
    if (rc == EM_OK && *written)
        rc = write_log(d, r->card_id, user_id, r->grade, source, r->retrievability, &r->after, r->review_ms,
                       err);
    return rc;
}

/* A review planned from a row read in this very transaction, stored. */
static int store_review_now(db *d, const char *user_id, const review_plan *r, const char *source,
                            em_error *err)
{
    bool written = false;
    int rc = store_review(d, user_id, r, source, &written, err);
    if (rc == EM_OK && !written)
        rc = em_error_set(err, EM_E_INTERNAL, "a review card changed inside its transaction");
    return rc;
}

/* Review user_id's card of question_id at now_ms with grade g inside the
 * caller's transaction, making the card when the question has none: what a
 * planned review falls back on when its card changed in between. */
static int review_in_transaction(db *d, const char *user_id, const fsrs_params *p, const char *question_id,
                                 const char *topic, fsrs_grade g, const char *source, int64_t now_ms,
                                 em_error *err)
{
    review_plan r = {.question_id = question_id, .topic = topic};
    char now[32];
    id_uuid7(r.card_id);
    clock_iso8601(now_ms, now);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d,
        "INSERT INTO review_cards (id, user_id, question_id, topic, due_at, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $5) "
        /* the card as it is, new or not: a no-op update so that it is returned either way */
        "ON CONFLICT (user_id, question_id) DO UPDATE SET user_id = excluded.user_id "
        "RETURNING id, question_id, topic, state, stability, difficulty, reps, lapses, scheduled_days, "
        "elapsed_days, due_at, last_review_at",
        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, r.card_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, question_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 4, topic);
    if (rc == EM_OK)
        rc = db_bind_text(st, 5, now);
    fsrs_card c;
    bool found = false;
    if (db_next(st, &rc, err)) {
        snprintf(r.card_id, sizeof r.card_id, "%s", db_column_text(st, 0));
        read_card(st, &c);
        found = true;
    }
    db_finalize(st);
    if (rc == EM_OK && !found)
        rc = em_error_set(err, EM_E_INTERNAL, "a review card vanished");
    if (rc == EM_OK)
        rc = plan_review(p, &c, g, now_ms, &r, err);
    if (rc == EM_OK)
        rc = store_review_now(d, user_id, &r, source, err);
    return rc;
}

int reviews__plan(db *d, const char *user_id, const fsrs_params *p, const char *question_id,
                  const char *topic, fsrs_grade g, int64_t now_ms, review_plan *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    out->question_id = question_id;
    out->topic = topic;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT " CARD_COLUMNS " FROM review_cards c "
                               "WHERE c.user_id = $1 AND c.question_id = $2",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, question_id);
    fsrs_card c;
    bool found = false;
    if (db_next(st, &rc, err)) {
        snprintf(out->card_id, sizeof out->card_id, "%s", db_column_text(st, 0));
        read_card(st, &c);
        found = true;
    }
    db_finalize(st);
    if (rc != EM_OK)
        return rc;
    if (!found)
        id_uuid7(out->card_id);
    return plan_review(p, found ? &c : NULL, g, now_ms, out, err);
}

int reviews__apply(db *d, const char *user_id, const fsrs_params *p, const review_plan *r, const char *source,
                   em_error *err)
{
    bool written = false;
    int rc = store_review(d, user_id, r, source, &written, err);
    if (rc == EM_OK && !written) /* the card changed since it was read: review it as it is now */
        rc = review_in_transaction(d, user_id, p, r->question_id, r->topic, r->grade, source, r->now_ms, err);
    return rc;
}

/* ---- the review day ---- */

static int review_day(db *d, const char *user_id, int64_t now_ms, civil_date *day, int64_t *ends_ms,
                      em_error *err)
{
    user u;
    int rc = users_get_by_id(d, user_id, &u, err);
    if (rc == EM_OK)
        rc = today_review_day(u.time_zone, u.day_rollover_hour, now_ms, day, ends_ms, err);
    return rc;
}

int reviews__counts(db *d, const char *user_id, int64_t now_ms, int *due, int *overdue, em_error *err)
{
    *due = *overdue = 0;
    civil_date day;
    int64_t ends = 0;
    int rc = review_day(d, user_id, now_ms, &day, &ends, err);
    if (rc != EM_OK)
        return rc;
    char end_text[32], start_text[32];
    clock_iso8601(ends, end_text);
    clock_iso8601(ends - 86400000LL, start_text);
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT count(*), coalesce(sum(CASE WHEN due_at < $3 THEN 1 ELSE 0 END), 0) "
                           "FROM review_cards WHERE user_id = $1 AND due_at < $2",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, end_text);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, start_text);
    if (db_next(st, &rc, err)) {
        *due = (int)db_column_int64(st, 0);
        *overdue = (int)db_column_int64(st, 1);
    }
    db_finalize(st);
    return rc;
}

/* What each grade would do to c now: {"again": {"due_at", "scheduled_days"}, ...}. */
static json_t *preview(const fsrs_params *p, const char *card_id, const fsrs_card *c, int64_t now_ms)
{
    json_t *o = json_object();
    fsrs_card base = *c;
    if (base.state == FSRS_NEW)
        fsrs_card_init(&base, now_ms);
    for (int g = FSRS_AGAIN; g <= FSRS_EASY; g++) {
        fsrs_card next;
        em_error e = {0};
        if (fsrs_review(p, &base, now_ms < base.last_review_ms ? base.last_review_ms : now_ms, (fsrs_grade)g,
                        fuzz_seed(card_id, base.reps), &next, &e) != EM_OK)
            continue;
        char due[32];
        clock_iso8601(next.due_ms, due);
        json_object_set_new(
            o, grade_names[g],
            json_pack("{s:s, s:i}", "due_at", due, "scheduled_days", (json_int_t)next.scheduled_days));
    }
    return o;
}

static const char *state_name(fsrs_state s)
{
    static const char *const names[] = {"new", "learning", "review", "relearning"};
    return s >= FSRS_NEW && s <= FSRS_RELEARNING ? names[s] : "new";
}

int reviews_due(db *d, const principal *who, int limit, int64_t now_ms, json_t **out, em_error *err)
{
    *out = NULL;
    if (limit < 1 || limit > REVIEWS_DUE_MAX)
        return em_error_set(err, EM_E_INVAL, "limit must be a whole number from 1 to %d", REVIEWS_DUE_MAX);
    civil_date day;
    int64_t ends = 0;
    int rc = review_day(d, who->user_id, now_ms, &day, &ends, err);
    fsrs_params p;
    if (rc == EM_OK)
        rc = reviews__params(d, who->user_id, &p, err);
    int due = 0, overdue = 0;
    if (rc == EM_OK)
        rc = reviews__counts(d, who->user_id, now_ms, &due, &overdue, err);
    if (rc != EM_OK)
        return rc;
    char end_text[32], start_text[32], day_text[CIVIL_TEXT_MAX];
    clock_iso8601(ends, end_text);
    clock_iso8601(ends - 86400000LL, start_text);
    civil_format(day, day_text);
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT " CARD_COLUMNS ", q.stem, q.options, COALESCE(q.format, q.type) "
                           "FROM review_cards c JOIN questions q ON q.id = c.question_id "
                           "WHERE c.user_id = $1 AND c.due_at < $2 AND q.review_status = 'approved' "
                           "ORDER BY c.due_at, c.id LIMIT $3",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, who->user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, end_text);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 3, limit);
    json_t *cards = json_array();
    while (db_next(st, &rc, err)) {
        fsrs_card c;
        read_card(st, &c);
        const char *id = db_column_text(st, 0);
        json_t *options = json_loads(db_column_text(st, 13), 0, NULL);
        const char *due_at = db_column_text(st, 10);
        double r = c.state == FSRS_NEW ? 1.0 : fsrs_retrievability(&p, &c, now_ms);
        json_array_append_new(
            cards,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:b, s:s, s:f, s:f, s:f, s:i, s:i, s:o}", "id", id,
                      "question_id", db_column_text(st, 1), "topic", db_column_text(st, 2), "type",
                      db_column_text(st, 14), "stem", db_column_text(st, 12), "options",
                      json_is_array(options) ? options : json_array(), "due_at", due_at, "overdue",
                      strcmp(due_at, start_text) < 0, "state", state_name(c.state), "stability", c.stability,
                      "difficulty", c.difficulty, "retrievability", r, "reps", (json_int_t)c.reps, "lapses",
                      (json_int_t)c.lapses, "next", preview(&p, id, &c, now_ms)));
        if (!json_is_array(options))
            json_decref(options);
    }
    db_finalize(st);
    if (rc != EM_OK) {
        json_decref(cards);
        return rc;
    }
    *out = json_pack("{s:s, s:s, s:i, s:i, s:o}", "day", day_text, "ends_at", end_text, "due_count",
                     (json_int_t)due, "overdue_count", (json_int_t)overdue, "cards", cards);
    return EM_OK;
}

int reviews_grade(db *d, const principal *who, const char *card_id, fsrs_grade g, int64_t now_ms,
                  json_t **out, em_error *err)
{
    *out = NULL;
    if (card_id == NULL || !id_is_uuid(card_id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such card");
    fsrs_params p;
    int rc = reviews__params(d, who->user_id, &p, err);
    if (rc != EM_OK)
        return rc;
    rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = mastery__lock_student(d, who->user_id, err); /* first: the student, then the card */
    if (rc != EM_OK) {
        db_rollback(d);
        return rc;
    }
    /* The card is read locked: two grades of one card at once are two
       reviews, one after the other. SQLite's transaction is the one writer
       already; PostgreSQL would otherwise let both read the same state and
       the second find the card changed under it. */
    static const char card_sql[] =
        "SELECT " CARD_COLUMNS ", q.answer FROM review_cards c "
        "JOIN questions q ON q.id = c.question_id WHERE c.id = $1 AND c.user_id = $2";
    static const char card_sql_locked[] = "SELECT " CARD_COLUMNS ", q.answer FROM review_cards c "
                                          "JOIN questions q ON q.id = c.question_id "
                                          "WHERE c.id = $1 AND c.user_id = $2 FOR UPDATE OF c";
    db_stmt *st = NULL;
    rc = db_prepare_cached(d, db_dialect_of(d) == DB_POSTGRES ? card_sql_locked : card_sql, &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, card_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, who->user_id);
    fsrs_card c;
    char question_id[37] = "", *topic = NULL, *answer = NULL;
    bool found = false;
    if (db_next(st, &rc, err)) {
        read_card(st, &c);
        snprintf(question_id, sizeof question_id, "%s", db_column_text(st, 1));
        topic = db_column_strdup(st, 2);
        answer = db_column_strdup(st, 12);
        found = true;
    }
    db_finalize(st);
    if (rc == EM_OK && !found)
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such card");
    double before = 0, after = 0;
    review_plan rv = {.question_id = question_id, .topic = topic};
    snprintf(rv.card_id, sizeof rv.card_id, "%s", card_id);
    if (rc == EM_OK)
        rc = plan_review(&p, &c, g, now_ms, &rv, err);
    if (rc == EM_OK)
        rc = store_review_now(d, who->user_id, &rv, "review", err);
    c = rv.after;
    double r = rv.retrievability;
    if (rc == EM_OK) {
        attempt_row a = {.position = -1,
                         .question_id = question_id,
                         .topic = topic,
                         .kind = "review",
                         .given = grade_names[g],
                         .given_option = -1,
                         .expected = answer != NULL ? answer : "",
                         .correct = g > FSRS_AGAIN,
                         .seconds = -1,
                         .at_ms = now_ms};
        rc = attempts__insert(d, who->user_id, &a, err);
    }
    if (rc == EM_OK)
        rc = mastery_observe(d, who->user_id, topic, g > FSRS_AGAIN, &before, &after, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK) {
        db_rollback(d);
        free(topic);
        free(answer);
        return rc;
    }
    civil_date day;
    int64_t ends = 0;
    char due[32], due_day[CIVIL_TEXT_MAX] = "";
    clock_iso8601(c.due_ms, due);
    /* the review day the card falls due on, in the student's calendar */
    if (review_day(d, who->user_id, c.due_ms, &day, &ends, err) == EM_OK)
        civil_format(day, due_day);
    *out = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:f, s:o, s:s, s:i, s:i, s:{s:s, s:f, s:f}}", "card_id",
                     card_id, "grade", grade_names[g], "due_at", due, "due_day", due_day, "scheduled_days",
                     (json_int_t)c.scheduled_days, "stability", c.stability, "difficulty", c.difficulty,
                     "retrievability", r >= 0 ? json_real(r) : json_null(), "state", state_name(c.state),
                     "reps", (json_int_t)c.reps, "lapses", (json_int_t)c.lapses, "mastery", "topic", topic,
                     "before", before, "after", after);
    free(topic);
    free(answer);
    return EM_OK;
}
