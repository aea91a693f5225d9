/* autopilot: see autopilot.h. */
#include "study/autopilot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/users.h"
#include "core/clock.h"
#include "core/log.h"
#include "learn/autopilot.h"
#include "study/attempts.h"
#include "study/chat.h"
#include "study/misconceptions.h"
#include "study/plans.h"
#include "study/reviews.h"
#include "study/sessions.h"
#include "study/today.h"

/* Today's planned topics from the session's newest plan (an owned JSON array
 * of {"topic", "minutes"}; empty without a plan or a day for today). */
static json_t *planned_today(db *d, const principal *who, const char *session_id, const char *today)
{
    plan_record r = {0};
    em_error e = {0};
    json_t *out = json_array();
    if (plans_latest(d, who, session_id, &r, &e) == EM_OK) {
        json_t *doc = json_loads(r.plan_json, 0, NULL);
        json_t *days = json_object_get(doc, "days");
        for (size_t i = 0; i < json_array_size(days); i++) {
            json_t *day = json_array_get(days, i);
            if (!json_is_string(json_object_get(day, "date")) ||
                strcmp(json_string_value(json_object_get(day, "date")), today) != 0)
                continue;
            json_t *items = json_object_get(day, "items");
            for (size_t k = 0; k < json_array_size(items); k++) {
                json_t *it = json_array_get(items, k);
                if (json_is_string(json_object_get(it, "topic")))
                    json_array_append_new(
                        out, json_pack("{s:O, s:I}", "topic", json_object_get(it, "topic"), "minutes",
                                       (json_int_t)json_integer_value(json_object_get(it, "minutes"))));
            }
        }
        json_decref(doc);
    }
    plan_record_cleanup(&r);
    return out;
}

/* The weakest topics of the session that are not mastered, when it has no
 * plan for today: the same array as planned_today. */
typedef struct weakest {
    json_t *items;
    double worst;
    json_t *names; /* every topic of the session, mastered or not: {name: true} */
} weakest;

static void note_weak(void *ctx, const session_topic *t)
{
    weakest *w = ctx;
    json_object_set_new(w->names, t->name, json_true());
    if (t->mastery >= 0.95)
        return;
    json_t *row = json_pack("{s:s, s:i}", "topic", t->name, "minutes", (json_int_t)AUTOPILOT_LEARN_MINUTES);
    if (t->mastery < w->worst) {
        json_array_insert_new(w->items, 0, row);
        w->worst = t->mastery;
    } else {
        json_array_append_new(w->items, row);
    }
}

/* The student's questions to the tutor in the session, oldest first: a
 * learning step the autopilot suggested counts as taken only when the
 * student asked the tutor something between it and the next step. */
typedef struct asked {
    int64_t *times;
    size_t n;
} asked;

/* When history step i was taken, or -1: its time when it is a "learn" step
 * (on topic, unless NULL) followed by a question before the next step. */
static int64_t learn_taken(json_t *history, size_t i, const char *topic, const asked *q)
{
    json_t *h = json_array_get(history, i);
    const char *act = json_string_value(json_object_get(h, "activity"));
    const char *t = json_string_value(json_object_get(h, "topic"));
    int64_t at = 0, until = INT64_MAX;
    if (act == NULL || strcmp(act, "learn") != 0 || t == NULL || (topic != NULL && strcmp(t, topic) != 0) ||
        clock_parse_iso8601(json_string_value(json_object_get(h, "at")), &at) != EM_OK)
        return -1;
    if (i + 1 < json_array_size(history) &&
        clock_parse_iso8601(json_string_value(json_object_get(json_array_get(history, i + 1), "at")),
                            &until) != EM_OK)
        until = INT64_MAX;
    for (size_t k = 0; k < q->n; k++)
        if (q->times[k] >= at && q->times[k] < until)
            return at;
    return -1;
}

/* Whether a learning step on topic was taken at or after since_ms. */
static bool learned_since(json_t *history, const asked *q, const char *topic, int64_t since_ms)
{
    for (size_t i = 0; i < json_array_size(history); i++)
        if (learn_taken(history, i, topic, q) >= since_ms)
            return true;
    return false;
}

/* Minutes of the learning steps taken since since_ms. */
static double learn_minutes_since(json_t *history, const asked *q, int64_t since_ms)
{
    double m = 0;
    for (size_t i = 0; i < json_array_size(history); i++)
        if (learn_taken(history, i, NULL, q) >= since_ms)
            m += (double)json_integer_value(json_object_get(json_array_get(history, i), "minutes"));
    return m;
}

/* The topic of the newest learning step taken that no answer on it has
 * followed. */
static int learned_unquizzed(db *d, const char *user_id, json_t *history, const asked *q, char *out, size_t n,
                             em_error *err)
{
    out[0] = '\0';
    for (size_t i = json_array_size(history); i-- > 0;) {
        int64_t at = learn_taken(history, i, NULL, q);
        if (at < 0)
            continue;
        const char *t = json_string_value(json_object_get(json_array_get(history, i), "topic"));
        int64_t count = 0;
        int rc = attempts__since(d, user_id, t, at, &count, NULL, err);
        if (rc != EM_OK)
            return rc;
        if (count == 0)
            snprintf(out, n, "%s", t);
        return EM_OK; /* only the newest learning step counts */
    }
    return EM_OK;
}

static json_t *next_request(const ap_decision *dec, const char *session_id)
{
    switch (dec->activity) {
    case AP_REVIEW: return json_pack("{s:s, s:s, s:n}", "method", "GET", "path", "/api/reviews/due", "body");
    case AP_MISCONCEPTION:
    case AP_QUIZ:
        return json_pack("{s:s, s:s, s:{s:s, s:o, s:i}}", "method", "POST", "path", "/api/quiz/generate",
                         "body", "session_id", session_id, "topic",
                         dec->topic[0] ? json_string(dec->topic) : json_null(), "count",
                         (json_int_t)(dec->activity == AP_QUIZ ? 5 : 3));
    case AP_LEARN:
        return json_pack("{s:s, s:s, s:{s:s, s:s}}", "method", "POST", "path", "/api/tutor/stream", "body",
                         "session_id", session_id, "topic", dec->topic);
    default: return json_null();
    }
}

/* One decision from what is stored now. The state and history are written
 * only if they are still those the decision was made from: EM_E_CONFLICT,
 * and nothing written, when another decision was stored meanwhile (two
 * tabs asking at once); the caller then decides again from the new state. */
static int decide_once(db *d, const principal *who, const char *session_id, int64_t now_ms, json_t **out,
                       em_error *err)
{
    *out = NULL;
    char owner[37];
    int rc = sessions__owner(d, who, session_id, true, owner, err);
    session s = {0};
    user u;
    if (rc == EM_OK)
        rc = sessions__get(d, session_id, &s, err);
    if (rc == EM_OK)
        rc = users_get_by_id(d, owner, &u, err);
    if (rc != EM_OK) {
        session_cleanup(&s);
        return rc;
    }
    civil_date today, review_day, exam;
    int64_t day_ends = 0;
    char today_text[CIVIL_TEXT_MAX];
    rc = today_local_date(u.time_zone, now_ms, &today, err);
    if (rc == EM_OK)
        rc = today_review_day(u.time_zone, u.day_rollover_hour, now_ms, &review_day, &day_ends, err);
    civil_format(today, today_text);
    int64_t day_start = day_ends - 86400000LL;
    int due = 0, overdue = 0;
    if (rc == EM_OK)
        rc = reviews__counts(d, owner, now_ms, &due, &overdue, err);
    open_misconception *mis = NULL;
    size_t n_mis = 0;
    if (rc == EM_OK)
        rc = misconceptions__open(d, owner, AUTOPILOT_MISCONCEPTIONS_READ, &mis, &n_mis, err);
    char state_text[SESSION_STATE_MAX + 1] = "";
    char *history_text = NULL;
    if (rc == EM_OK)
        rc = sessions__agent_state(d, session_id, state_text, &history_text, err);
    json_t *history = history_text != NULL ? json_loads(history_text, 0, NULL) : NULL;
    if (!json_is_array(history)) {
        json_decref(history);
        history = json_array();
    }
    ap_state state = AP_STATE_CREATED;
    if (rc == EM_OK && ap_state_parse(state_text, &state) != EM_OK) {
        log_msg(LOG_WARN, "autopilot: session %s had an unknown state; starting again", session_id);
        state = AP_STATE_CREATED;
    }
    /* today's topics: the plan's, else the weakest of the session */
    json_t *planned = rc == EM_OK ? planned_today(d, who, session_id, today_text) : json_array();
    weakest w = {json_array(), 2.0, json_object()};
    if (rc == EM_OK)
        rc = sessions__topics(d, session_id, note_weak, &w, err);
    /* the oldest open misconception on a topic of this session: another
       session's material is no remedy here */
    const open_misconception *remedy = NULL;
    for (size_t i = 0; i < n_mis && remedy == NULL; i++)
        if (json_object_get(w.names, mis[i].topic) != NULL)
            remedy = &mis[i];
    /* the questions put to the tutor since the oldest step remembered */
    asked questions = {0};
    int64_t oldest_step = 0;
    if (rc == EM_OK && json_array_size(history) > 0 &&
        clock_parse_iso8601(json_string_value(json_object_get(json_array_get(history, 0), "at")),
                            &oldest_step) != EM_OK)
        oldest_step = 0;
    if (rc == EM_OK)
        rc = chat__asked_since(d, session_id, oldest_step, AUTOPILOT_HISTORY_MAX, &questions.times,
                               &questions.n, err);
    if (rc == EM_OK && json_array_size(planned) == 0) /* no plan for today: the weakest topics */
        json_array_extend(planned, w.items);
    const char *weakest_topic = json_string_value(json_object_get(json_array_get(w.items, 0), "topic"));
    const char *planned_topic = NULL;
    int planned_minutes = AUTOPILOT_LEARN_MINUTES;
    for (size_t i = 0; rc == EM_OK && i < json_array_size(planned) && planned_topic == NULL; i++) {
        json_t *p = json_array_get(planned, i);
        const char *t = json_string_value(json_object_get(p, "topic"));
        if (t != NULL && !learned_since(history, &questions, t, day_start)) {
            planned_topic = t;
            if (json_integer_value(json_object_get(p, "minutes")) > 0)
                planned_minutes = (int)json_integer_value(json_object_get(p, "minutes"));
        }
    }
    char learned[256] = "";
    if (rc == EM_OK)
        rc = learned_unquizzed(d, owner, history, &questions, learned, sizeof learned, err);
    int64_t answers = 0;
    double answer_minutes = 0;
    if (rc == EM_OK)
        rc = attempts__since(d, owner, NULL, day_start, &answers, &answer_minutes, err);
    bool exam_over =
        civil_parse(s.exam_date, strlen(s.exam_date), &exam) == EM_OK && civil_cmp(exam, today) < 0;
    ap_decision dec = {0};
    int minutes_today = (int)(answer_minutes + learn_minutes_since(history, &questions, day_start) + 0.5);
    if (rc == EM_OK) {
        ap_snapshot snap = {
            .state = state,
            .due_reviews = due,
            .overdue_reviews = overdue,
            .misconception_topic = remedy != NULL ? remedy->topic : NULL,
            .misconception_description = remedy != NULL ? remedy->description : NULL,
            .planned_topic = planned_topic,
            .learned_topic = learned[0] ? learned : NULL,
            .minutes_today = minutes_today,
            .daily_minutes = s.daily_minutes,
            .exam_over = exam_over,
            .weakest_topic = weakest_topic,
        };
        rc = autopilot_next(&snap, &dec, err);
    }
    json_t *next = NULL;
    if (rc == EM_OK) {
        char now[32];
        clock_iso8601(now_ms, now);
        json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "at", now, "from",
                                  ap_state_name(state), "to", ap_state_name(dec.next_state), "activity",
                                  ap_activity_name(dec.activity), "topic", dec.topic, "reason", dec.reason,
                                  "minutes", (json_int_t)(dec.activity == AP_LEARN ? planned_minutes : 0));
        json_array_append(history, entry);
        while (json_array_size(history) > AUTOPILOT_HISTORY_MAX)
            json_array_remove(history, 0);
        char *hist = json_dumps(history, JSON_COMPACT);
        char *ctx = json_dumps(entry, JSON_COMPACT);
        json_decref(entry);
        rc = db_begin(d, err);
        if (rc == EM_OK)
            rc = sessions__set_agent_state(d, session_id, history_text, ap_state_name(dec.next_state), ctx,
                                           hist, now_ms, err);
        if (rc == EM_OK)
            rc = db_commit(d, err);
        else
            db_rollback(d);
        free(hist);
        free(ctx);
        next = next_request(&dec, session_id);
    }
    if (rc == EM_OK)
        *out =
            json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:o}", "session_id", session_id,
                      "activity", ap_activity_name(dec.activity), "topic",
                      dec.topic[0] ? json_string(dec.topic) : json_null(), "reason", dec.reason, "state",
                      ap_state_name(dec.next_state), "previous_state", ap_state_name(state), "due_reviews",
                      (json_int_t)due, "overdue_reviews", (json_int_t)overdue, "minutes_today",
                      (json_int_t)minutes_today, "daily_minutes", (json_int_t)s.daily_minutes, "next", next);
    else
        json_decref(next);
    json_decref(planned);
    json_decref(w.items);
    json_decref(w.names);
    free(questions.times);
    json_decref(history);
    free(history_text);
    misconceptions__free(mis, n_mis);
    session_cleanup(&s);
    return rc;
}

int autopilot_session_next(db *d, const principal *who, const char *session_id, int64_t now_ms, json_t **out,
                           em_error *err)
{
    int rc = EM_E_CONFLICT;
    for (int i = 0; i < AUTOPILOT_RACE_TRIES && rc == EM_E_CONFLICT; i++) {
        em_error why = {0};
        rc = decide_once(d, who, session_id, now_ms, out, &why);
        *err = why;
    }
    if (rc == EM_E_CONFLICT)
        rc = em_error_set(err, EM_E_CONFLICT,
                          "the session's next step is being decided by another request; "
                          "try again");
    return rc;
}
