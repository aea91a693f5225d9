/* roster: see roster.h. */
#include "study/roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "auth/users.h"
#include "core/civil.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/mem.h"
#include "study/reviews.h"
#include "study/sessions.h"
#include "study/today.h"

#define DAY_MS 86400000LL

/* ---- the at-risk rule ---- */

unsigned roster_risk(const roster_facts *f, int64_t now_ms)
{
    unsigned r = 0;
    bool idle = f->last_activity_ms < 0 || now_ms - f->last_activity_ms >= ROSTER_IDLE_DAYS * DAY_MS;
    bool exam = f->exam_in_days >= 0;
    if (idle && exam && f->exam_in_days <= ROSTER_IDLE_EXAM_DAYS)
        r |= ROSTER_IDLE_BEFORE_EXAM;
    if (f->mean_mastery >= 0 && f->mean_mastery < ROSTER_LOW_MASTERY && exam &&
        f->exam_in_days <= ROSTER_LOW_MASTERY_EXAM_DAYS)
        r |= ROSTER_LOW_MASTERY_BEFORE_EXAM;
    if (f->open_misconceptions >= ROSTER_MISCONCEPTIONS)
        r |= ROSTER_MANY_MISCONCEPTIONS;
    return r;
}

const char *roster_reason_code(unsigned reason)
{
    switch (reason) {
    case ROSTER_IDLE_BEFORE_EXAM: return "idle_before_exam";
    case ROSTER_LOW_MASTERY_BEFORE_EXAM: return "low_mastery_before_exam";
    case ROSTER_MANY_MISCONCEPTIONS: return "many_misconceptions";
    default: return NULL;
    }
}

/* What a reason means for this student, for a tutor to read. Owned JSON. */
static json_t *reason_json(unsigned reason, const roster_facts *f, int64_t now_ms)
{
    char msg[200];
    switch (reason) {
    case ROSTER_IDLE_BEFORE_EXAM:
        if (f->last_activity_ms < 0)
            snprintf(msg, sizeof msg, "no activity yet, with an exam in %lld days",
                     (long long)f->exam_in_days);
        else
            snprintf(msg, sizeof msg, "no activity for %lld days, with an exam in %lld days",
                     (long long)((now_ms - f->last_activity_ms) / DAY_MS), (long long)f->exam_in_days);
        break;
    case ROSTER_LOW_MASTERY_BEFORE_EXAM:
        snprintf(msg, sizeof msg, "mean mastery %.2f (below %.2f), with an exam in %lld days",
                 f->mean_mastery, ROSTER_LOW_MASTERY, (long long)f->exam_in_days);
        break;
    default:
        snprintf(msg, sizeof msg, "%lld open misconceptions (%d or more)", (long long)f->open_misconceptions,
                 ROSTER_MISCONCEPTIONS);
        break;
    }
    return json_pack("{s:s, s:s}", "code", roster_reason_code(reason), "message", msg);
}

/* ---- one student's figures ---- */

/* The latest answer (quiz or review), chat question or upload, "" when none. */
static int last_activity(db *d, const char *user_id, char out[40], em_error *err)
{
    out[0] = '\0';
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT max(t) FROM ("
                               "SELECT max(answered_at) AS t FROM attempts WHERE user_id = $1 "
                               "UNION ALL SELECT max(created_at) FROM chat_messages "
                               "WHERE user_id = $1 AND role = 'user' "
                               "UNION ALL SELECT max(created_at) FROM materials WHERE user_id = $1) AS a",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (db_next(st, &rc, err) && !db_column_is_null(st, 0))
        snprintf(out, 40, "%s", db_column_text(st, 0));
    db_finalize(st);
    return rc;
}

/* How many sessions, and the soonest exam on or after `today` ("" when none). */
static int sessions_and_exam(db *d, const char *user_id, const char *today, int64_t *count,
                             char exam[CIVIL_TEXT_MAX], em_error *err)
{
    *count = 0;
    exam[0] = '\0';
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT count(*), min(CASE WHEN exam_date >= $2 THEN exam_date END) "
                               "FROM study_sessions WHERE user_id = $1",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, today);
    if (db_next(st, &rc, err)) {
        *count = db_column_int64(st, 0);
        if (!db_column_is_null(st, 1))
            snprintf(exam, CIVIL_TEXT_MAX, "%.10s", db_column_text(st, 1));
    }
    db_finalize(st);
    return rc;
}

static int open_misconceptions(db *d, const char *user_id, int64_t *n, em_error *err)
{
    *n = 0;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d, "SELECT count(*) FROM misconceptions WHERE user_id = $1 AND resolved_at IS NULL", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (db_next(st, &rc, err))
        *n = db_column_int64(st, 0);
    db_finalize(st);
    return rc;
}

/* The student's topics by name (a name's mastery is the highest of its rows,
 * study/mastery.h's rule), weakest first, into `topics` (a JSON array); their
 * mean into *mean (-1 without topics). */
static int topics_by_name(db *d, const char *user_id, json_t *topics, double *mean, em_error *err)
{
    *mean = -1;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT name, max(mastery_score) AS m FROM topics WHERE user_id = $1 "
                               "GROUP BY name ORDER BY m, name",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    double sum = 0;
    size_t n = 0;
    while (db_next(st, &rc, err)) {
        double m = db_column_double(st, 1);
        sum += m;
        n++;
        json_array_append_new(topics, json_pack("{s:s, s:f}", "name", db_column_text(st, 0), "mastery", m));
    }
    db_finalize(st);
    if (rc == EM_OK && n > 0)
        *mean = sum / (double)n;
    return rc;
}

/* Student u's roster entry; *topics_out (may be NULL) receives every topic. */
static int student_json(db *d, const user *u, int64_t now_ms, json_t **out, json_t **topics_out,
                        em_error *err)
{
    *out = NULL;
    civil_date today;
    char today_text[CIVIL_TEXT_MAX], last[40], exam[CIVIL_TEXT_MAX];
    int64_t sessions = 0;
    int due = 0, overdue = 0;
    roster_facts f = {.last_activity_ms = -1, .exam_in_days = -1, .mean_mastery = -1};
    json_t *topics = json_array();
    int rc = today_local_date(u->time_zone, now_ms, &today, err);
    if (rc == EM_OK) {
        civil_format(today, today_text);
        rc = last_activity(d, u->id, last, err);
    }
    if (rc == EM_OK)
        rc = sessions_and_exam(d, u->id, today_text, &sessions, exam, err);
    if (rc == EM_OK)
        rc = topics_by_name(d, u->id, topics, &f.mean_mastery, err);
    if (rc == EM_OK)
        rc = open_misconceptions(d, u->id, &f.open_misconceptions, err);
    if (rc == EM_OK)
        rc = reviews__counts(d, u->id, now_ms, &due, &overdue, err);
    if (rc != EM_OK) {
        json_decref(topics);
        return rc;
    }
    if (last[0] != '\0' && clock_parse_iso8601(last, &f.last_activity_ms) != EM_OK)
        f.last_activity_ms = -1;
    civil_date exam_date;
    if (exam[0] != '\0' && civil_parse(exam, strlen(exam), &exam_date) == EM_OK)
        f.exam_in_days = civil_days_between(today, exam_date);
    unsigned risk = roster_risk(&f, now_ms);
    json_t *reasons = json_array(), *weakest = json_array();
    for (unsigned bit = 1; bit <= ROSTER_MANY_MISCONCEPTIONS; bit <<= 1)
        if (risk & bit)
            json_array_append_new(reasons, reason_json(bit, &f, now_ms));
    for (size_t i = 0; i < json_array_size(topics) && i < ROSTER_WEAKEST; i++)
        json_array_append(weakest, json_array_get(topics, i));
    *out =
        json_pack("{s:s, s:s, s:s, s:b, s:o, s:I, s:o, s:o, s:o, s:o, s:I, s:i, s:b, s:o}", "id", u->id,
                  "email", u->email, "full_name", u->display_name, "is_active", u->is_active, "last_activity",
                  last[0] != '\0' ? json_string(last) : json_null(), "session_count", (json_int_t)sessions,
                  "next_exam_date", f.exam_in_days >= 0 ? json_string(exam) : json_null(), "days_to_exam",
                  f.exam_in_days >= 0 ? json_integer(f.exam_in_days) : json_null(), "mean_mastery",
                  f.mean_mastery >= 0 ? json_real(f.mean_mastery) : json_null(), "weakest_topics", weakest,
                  "open_misconceptions", (json_int_t)f.open_misconceptions, "due_reviews", due, "at_risk",
                  risk != 0, "risk_reasons", reasons);
    if (topics_out != NULL)
        *topics_out = topics;
    else
        json_decref(topics);
    return EM_OK;
}

/* ---- the use cases ---- */

static bool has_students(const principal *who)
{
    return strcmp(who->role, "tutor") == 0 || strcmp(who->role, "admin") == 0;
}

#define ROSTER_VISIBLE "role = 'student' AND " AUTHZ_VISIBLE_SQL("id", "$1", "$2")

int roster_list(db *d, const principal *who, int limit, int offset, int64_t now_ms, json_t **items,
                int64_t *total, em_error *err)
{
    *items = NULL;
    *total = 0;
    if (!has_students(who))
        return em_error_set(err, EM_E_FORBIDDEN, "only tutors and admins have students");
    if (limit < 1 || limit > ROSTER_PAGE_MAX || offset < 0)
        return em_error_set(err, EM_E_INVAL, "limit must be a whole number from 1 to %d, offset 0 or more",
                            ROSTER_PAGE_MAX);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT count(*) FROM users WHERE " ROSTER_VISIBLE, &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, who->user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, who->role);
    if (db_next(st, &rc, err))
        *total = db_column_int64(st, 0);
    db_finalize(st);
    if (rc != EM_OK)
        return rc;
    /* the page's ids first: one statement at a time on the connection */
    char(*ids)[ID_UUID_LEN + 1] = em_calloc((size_t)limit, sizeof *ids);
    size_t n = 0;
    rc = db_prepare_cached(d,
                           "SELECT id FROM users WHERE " ROSTER_VISIBLE
                           " ORDER BY display_name, email, id LIMIT $3 OFFSET $4",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, who->user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, who->role);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 3, limit);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 4, offset);
    while (db_next(st, &rc, err))
        if (n < (size_t)limit)
            snprintf(ids[n++], sizeof ids[0], "%s", db_column_text(st, 0));
    db_finalize(st);
    json_t *list = json_array();
    for (size_t i = 0; rc == EM_OK && i < n; i++) {
        user u;
        json_t *one = NULL;
        rc = users_get_by_id(d, ids[i], &u, err);
        if (rc == EM_OK)
            rc = student_json(d, &u, now_ms, &one, NULL, err);
        if (rc == EM_OK)
            json_array_append_new(list, one);
    }
    free(ids);
    if (rc != EM_OK) {
        json_decref(list);
        return rc;
    }
    *items = list;
    return EM_OK;
}

/* A session as the roster lists it. */
static json_t *session_json(const session *s)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:s}", "id", s->id, "title", s->title, "exam_type", s->exam_type,
                     "exam_date", s->exam_date[0] != '\0' ? json_string(s->exam_date) : json_null(),
                     "created_at", s->created_at);
}

int roster_get(db *d, const principal *who, const char *student_id, int64_t now_ms, json_t **out,
               em_error *err)
{
    *out = NULL;
    if (!has_students(who))
        return em_error_set(err, EM_E_FORBIDDEN, "only tutors and admins have students");
    if (student_id == NULL || !id_is_uuid(student_id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such student");
    user u;
    int rc = authz_require_view(d, who, student_id, "student", err);
    if (rc == EM_OK)
        rc = users_get_by_id(d, student_id, &u, err);
    if (rc == EM_E_NOT_FOUND || (rc == EM_OK && strcmp(u.role, "student") != 0))
        return em_error_set(err, EM_E_NOT_FOUND, "no such student");
    if (rc != EM_OK)
        return rc;
    json_t *one = NULL, *topics = NULL;
    rc = student_json(d, &u, now_ms, &one, &topics, err);
    if (rc != EM_OK)
        return rc;
    session *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    rc = session_list(d, who, student_id, SESSION_PAGE_MAX, 0, &items, &n, &total, err);
    json_t *sessions = json_array();
    for (size_t i = 0; i < n; i++) {
        if (rc == EM_OK)
            json_array_append_new(sessions, session_json(&items[i]));
        session_cleanup(&items[i]);
    }
    free(items);
    if (rc != EM_OK) {
        json_decref(sessions);
        json_decref(topics);
        json_decref(one);
        return rc;
    }
    json_object_set_new(one, "sessions", sessions);
    json_object_set_new(one, "topics", topics);
    *out = one;
    return EM_OK;
}
