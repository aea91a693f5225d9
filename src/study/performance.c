/* performance: see performance.h. */
#include "study/performance.h"

#include <stdio.h>
#include <string.h>

#include "auth/authz.h"
#include "auth/users.h"
#include "core/mem.h"
#include "core/ids.h"
#include "learn/bkt.h"
#include "study/attempts.h"
#include "study/mastery.h"
#include "study/misconceptions.h"
#include "study/sessions.h"
#include "study/today.h"

static json_t *number_or_null(double v)
{
    return v < 0 ? json_null() : json_real(v);
}

static json_t *topic_json(db *d, const char *user_id, const perf_topic *t)
{
    double stored = 0;
    bool found = false;
    em_error e = {0};
    if (mastery_of(d, user_id, t->topic, &stored, &found, &e) != EM_OK)
        found = false;
    double mastery = found ? stored : t->mastery;
    return json_pack("{s:s, s:f, s:f, s:b, s:i, s:i, s:f, s:f, s:o, s:f}", "topic", t->topic, "mastery",
                     mastery, "model_mastery", t->mastery, "mastered", mastery >= BKT_MASTERED, "attempts",
                     (json_int_t)t->attempts, "correct", (json_int_t)t->correct, "accuracy", t->accuracy,
                     "accuracy_trend", t->accuracy_trend, "mean_seconds", number_or_null(t->mean_seconds),
                     "speed_trend", t->speed_trend);
}

/* The answers of h per local date of the student's zone, oldest first:
 * [{"date", "answered", "correct", "accuracy"}] (owned). History comes oldest
 * first, so one day's answers are consecutive. */
static int daily_json(const char *zone, const attempt_history *h, json_t **out, em_error *err)
{
    *out = NULL;
    int64_t *at = em_calloc(h->n + 1, sizeof *at);
    civil_date *days = em_calloc(h->n + 1, sizeof *days);
    for (size_t i = 0; i < h->n; i++)
        at[i] = h->items[i].at_ms;
    int rc = today_local_dates(zone, at, h->n, days, err);
    json_t *list = json_array();
    for (size_t i = 0; rc == EM_OK && i < h->n;) {
        size_t j = i;
        json_int_t correct = 0;
        for (; j < h->n && civil_cmp(days[j], days[i]) == 0; j++)
            correct += h->items[j].correct;
        char date[CIVIL_TEXT_MAX];
        civil_format(days[i], date);
        json_array_append_new(list,
                              json_pack("{s:s, s:I, s:I, s:f}", "date", date, "answered", (json_int_t)(j - i),
                                        "correct", correct, "accuracy", (double)correct / (double)(j - i)));
        i = j;
    }
    free(at);
    free(days);
    if (rc != EM_OK) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return EM_OK;
}

int performance_analyze(db *d, const llm_provider *llm, const principal *who, const json_t *fields,
                        int64_t now_ms, json_t **out, em_error *err)
{
    *out = NULL;
    if (!json_is_object(fields))
        return em_error_set(err, EM_E_INVAL, "the body must be a JSON object");
    const char *session_id = json_string_value(json_object_get(fields, "session_id"));
    const char *user_id = json_string_value(json_object_get(fields, "user_id"));
    if ((json_object_get(fields, "session_id") != NULL && session_id == NULL) ||
        (json_object_get(fields, "user_id") != NULL && (user_id == NULL || !id_is_uuid(user_id))))
        return em_error_set(err, EM_E_INVAL, "session_id and user_id must be ids");
    char owner[37];
    int rc = EM_OK;
    if (session_id != NULL) {
        rc = sessions__owner(d, who, session_id, false, owner, err);
        if (rc == EM_OK && user_id != NULL && strcmp(user_id, owner) != 0)
            rc = em_error_set(err, EM_E_INVAL, "the session is not that user's");
    } else {
        snprintf(owner, sizeof owner, "%s", user_id != NULL ? user_id : who->user_id);
        rc = authz_require_view(d, who, owner, "user", err);
    }
    if (rc != EM_OK)
        return rc;

    bkt_params p = bkt_default_params();
    attempt_history h = {0};
    key_history keys = {0};
    perf_report report = {0};
    mc_list found = {0};
    json_t *added = NULL, *resolved = NULL, *open = NULL, *daily = NULL;
    user student;
    rc = attempts__history(d, owner, session_id, PERFORMANCE_ATTEMPTS, &h, err);
    if (rc == EM_OK)
        rc = users_get_by_id(d, owner, &student, err);
    if (rc == EM_OK)
        rc = daily_json(student.time_zone, &h, &daily, err);
    if (rc == EM_OK)
        rc = attempts__keys(d, owner, 1000, &keys, err);
    if (rc == EM_OK) {
        llm_performance_input in = {&p, h.items, h.n, keys.items, keys.n};
        rc = llm->analyze_performance(llm, &in, &report, &found, err);
    }
    bool began = false;
    if (rc == EM_OK && (rc = db_begin(d, err)) == EM_OK)
        began = true;
    if (rc == EM_OK)
        rc = misconceptions__update(d, owner, &p, &found, &h, NULL, 0, now_ms, &added, &resolved, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK && began)
        db_rollback(d);
    if (rc == EM_OK)
        rc = misconceptions_list(d, who, owner, "open", 200, &open, err);
    if (rc == EM_OK) {
        json_t *topics = json_array(), *weakest = json_array();
        for (size_t i = 0; i < report.n_topics; i++)
            json_array_append_new(topics, topic_json(d, owner, &report.topics[i]));
        for (size_t i = 0; i < report.n_weakest; i++)
            json_array_append_new(weakest, json_string(report.topics[report.weakest[i]].topic));
        *out = json_pack(
            "{s:s, s:o, s:i, s:i, s:f, s:f, s:o, s:f, s:o, s:o, s:{s:o, s:o, s:o}, s:s}", "user_id", owner,
            "session_id", session_id != NULL ? json_string(session_id) : json_null(), "attempts",
            (json_int_t)report.attempts, "correct", (json_int_t)report.correct, "accuracy", report.accuracy,
            "accuracy_trend", report.accuracy_trend, "mean_seconds", number_or_null(report.mean_seconds),
            "speed_trend", report.speed_trend, "topics", topics, "weakest", weakest, "misconceptions", "open",
            open, "detected", added, "resolved", resolved, "engine", llm->name);
        json_object_set_new(*out, "daily", daily);
        json_object_set_new(*out, "time_zone",
                            json_string(student.time_zone[0] != '\0' ? student.time_zone : "UTC"));
        open = added = resolved = daily = NULL;
    }
    json_decref(daily);
    json_decref(open);
    json_decref(added);
    json_decref(resolved);
    perf_report_cleanup(&report);
    mc_list_cleanup(&found);
    attempt_history_cleanup(&h);
    key_history_cleanup(&keys);
    return rc;
}
