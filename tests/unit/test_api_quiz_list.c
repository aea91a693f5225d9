/* Handler tests for src/api/quiz_list.c (GET /api/quizzes) and the daily
 * accuracy of POST /api/analyze/performance, through the real route table in
 * process with "now" fixed (api_ctx.now_ms): a student's quizzes newest first
 * with score, question count, topics and session, filtered by session and
 * paged; what a tutor may list by the one rule; and the answers per local
 * day of the student's time zone, for charts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "api_fixture.h"
#include "core/ids.h"

static int64_t fake_now_ms;
static int64_t fake_clock(void)
{
    return fake_now_ms;
}

#define DEC_07_NOON 1796644800000LL /* 2026-12-07T12:00:00Z */

static void sql_run(api_fx *t, const char *sql, const char *const *params, int n)
{
    em_error err = {0};
    if (db_run(api_fx_db(t), sql, params, n, &err) < 0)
        fail_msg("%s: %s", sql, err.msg);
}

/* A quiz of the student's as the study area stores one: one item per topic
 * of topics[0..n), created at `at`, in session_id (may be NULL), not submitted. */
static void stored_quiz(api_fx *t, const char *session_id, const char *at, const char *const *topics, int n,
                        char id[ID_UUID_LEN + 1])
{
    id_uuid7(id);
    char count[16];
    snprintf(count, sizeof count, "%d", n);
    const char *q[] = {id, api_fx_id(t, WHO_STUDENT), session_id, count, at};
    sql_run(t,
            "INSERT INTO quizzes (id, user_id, session_id, question_count, created_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            q, 5);
    for (int i = 0; i < n; i++) {
        char pos[16];
        snprintf(pos, sizeof pos, "%d", i);
        const char *p[] = {id, pos, topics[i]};
        sql_run(t,
                "INSERT INTO quiz_items (quiz_id, position, type, stem, answer, topic) "
                "VALUES ($1, $2, 'short_answer', 'What?', 'this', $3)",
                p, 3);
    }
}

/* The ids of a list's items, comma-separated, into out. */
static const char *ids_of(const json_t *j, char *out, size_t cap)
{
    json_t *items = json_object_get(j, "items");
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(items); i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? "," : "", jstr(json_array_get(items, i), "id"));
    return out;
}

static void api_quizzes_list_newest_first(void **state)
{
    api_fx *t = api_fx_of(state);
    fake_now_ms = DEC_07_NOON;
    t->ctx.now_ms = fake_clock;
    json_t *s = call_json(t, "POST", "/api/sessions", WHO_STUDENT,
                          "{\"title\":\"Biology\",\"exam_date\":\"2026-12-20\"}", 201);
    char session[ID_UUID_LEN + 1];
    snprintf(session, sizeof session, "%s", jstr(s, "id"));
    json_decref(s);
    /* two stored quizzes: one of the session (three items on two topics), one not */
    char q1[ID_UUID_LEN + 1], q2[ID_UUID_LEN + 1], q0[ID_UUID_LEN + 1];
    const char *t1[] = {"Cells", "Energy", "Cells"}, *t2[] = {"Genetics"};
    stored_quiz(t, session, "2026-12-01T10:00:00.000Z", t1, 3, q1);
    stored_quiz(t, NULL, "2026-12-02T10:00:00.000Z", t2, 1, q2);
    /* and one made and taken through the API today, from a worksheet */
    char mat[MATERIAL_ID_LEN + 1], question[MATERIAL_ID_LEN + 1], body[512];
    worksheet_ready(t, WHO_STUDENT, mat, question);
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"],\"count\":1}", mat);
    json_t *quiz = call_json(t, "POST", "/api/quiz/generate", WHO_STUDENT, body, 201);
    snprintf(q0, sizeof q0, "%s", jstr(quiz, "id"));
    json_t *item = json_array_get(json_object_get(quiz, "questions"), 0);
    char first_topic[256];
    snprintf(first_topic, sizeof first_topic, "%s", jstr(item, "topic"));
    snprintf(body, sizeof body, "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"Mitochondrion\"}]}",
             jstr(item, "id"));
    json_decref(quiz);
    char target[256];
    snprintf(target, sizeof target, "/api/quiz/%s/submit", q0);
    json_t *sub = call_json(t, "POST", target, WHO_STUDENT, body, 200);
    double score = json_real_value(json_object_get(sub, "score"));
    json_decref(sub);

    json_t *j = call_json(t, "GET", "/api/quizzes", WHO_STUDENT, NULL, 200);
    char got[512], want[512];
    snprintf(want, sizeof want, "%s,%s,%s", q0, q2, q1);
    assert_string_equal(ids_of(j, got, sizeof got), want);
    assert_int_equal(jint(j, "total"), 3);
    assert_int_equal(jint(j, "limit"), 20);
    assert_int_equal(jint(j, "offset"), 0);
    json_t *items = json_object_get(j, "items");
    /* the one taken: submitted, scored, its topic */
    json_t *a = json_array_get(items, 0);
    assert_string_equal(jstr(a, "created_at"), "2026-12-07T12:00:00.000Z");
    assert_string_equal(jstr(a, "submitted_at"), "2026-12-07T12:00:00.000Z");
    assert_true(json_is_real(json_object_get(a, "score")));
    assert_true(fabs(json_real_value(json_object_get(a, "score")) - score) < 1e-9);
    assert_int_equal(jint(a, "question_count"), 1);
    assert_int_equal(json_array_size(json_object_get(a, "topics")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "topics"), 0)), first_topic);
    assert_true(json_is_null(json_object_get(a, "session_id")));
    /* the session's: not submitted, its topics once each in the order asked */
    json_t *c = json_array_get(items, 2);
    assert_string_equal(jstr(c, "session_id"), session);
    assert_true(json_is_null(json_object_get(c, "submitted_at")));
    assert_true(json_is_null(json_object_get(c, "score")));
    assert_int_equal(jint(c, "question_count"), 3);
    json_t *tc = json_object_get(c, "topics");
    assert_int_equal(json_array_size(tc), 2);
    assert_string_equal(json_string_value(json_array_get(tc, 0)), "Cells");
    assert_string_equal(json_string_value(json_array_get(tc, 1)), "Energy");
    json_decref(j);

    /* one session's, and pages */
    snprintf(target, sizeof target, "/api/quizzes?session_id=%s", session);
    j = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_string_equal(ids_of(j, got, sizeof got), q1);
    assert_int_equal(jint(j, "total"), 1);
    json_decref(j);
    j = call_json(t, "GET", "/api/quizzes?limit=1&offset=1", WHO_STUDENT, NULL, 200);
    assert_string_equal(ids_of(j, got, sizeof got), q2);
    assert_int_equal(jint(j, "total"), 3);
    json_decref(j);
    call_error(t, "GET", "/api/quizzes?limit=101", WHO_STUDENT, NULL, 400, "invalid_request");

    /* the tutor: the student's by user_id or by session, none of their own */
    snprintf(target, sizeof target, "/api/quizzes?user_id=%s", api_fx_id(t, WHO_STUDENT));
    j = call_json(t, "GET", target, WHO_TUTOR, NULL, 200);
    assert_string_equal(ids_of(j, got, sizeof got), want);
    json_decref(j);
    json_decref(call_json(t, "GET", target, WHO_ADMIN, NULL, 200));
    snprintf(target, sizeof target, "/api/quizzes?session_id=%s", session);
    j = call_json(t, "GET", target, WHO_TUTOR, NULL, 200);
    assert_string_equal(ids_of(j, got, sizeof got), q1);
    json_decref(j);
    j = call_json(t, "GET", "/api/quizzes", WHO_TUTOR, NULL, 200);
    assert_int_equal(jint(j, "total"), 0);
    json_decref(j);

    /* everyone else: as if there were nothing */
    snprintf(target, sizeof target, "/api/quizzes?user_id=%s", api_fx_id(t, WHO_STUDENT));
    call_error(t, "GET", target, WHO_STUDENT2, NULL, 404, "not_found");
    snprintf(target, sizeof target, "/api/quizzes?session_id=%s", session);
    call_error(t, "GET", target, WHO_STUDENT2, NULL, 404, "not_found");
    snprintf(target, sizeof target, "/api/quizzes?user_id=%s", api_fx_id(t, WHO_STUDENT2));
    call_error(t, "GET", target, WHO_TUTOR, NULL, 404, "not_found");
    /* a session that is not that user's */
    snprintf(target, sizeof target, "/api/quizzes?session_id=%s&user_id=%s", session,
             api_fx_id(t, WHO_STUDENT2));
    call_error(t, "GET", target, WHO_ADMIN, NULL, 404, "not_found");
    call_error(t, "GET", "/api/quizzes?user_id=someone", WHO_TUTOR, NULL, 400, "invalid_request");
    call_error(t, "GET", "/api/quizzes", WHO_ANON, NULL, 401, "unauthorized");
    j = call_json(t, "GET", "/api/quizzes", WHO_STUDENT2, NULL, 200);
    assert_int_equal(jint(j, "total"), 0);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
}

/* One quiz answer of the student at `at`. */
static void answer(api_fx *t, bool correct, const char *at)
{
    char id[ID_UUID_LEN + 1];
    id_uuid7(id);
    const char *p[] = {id, api_fx_id(t, WHO_STUDENT), correct ? "1" : "0", at};
    sql_run(t,
            "INSERT INTO attempts (id, user_id, topic, kind, given, expected, correct, answered_at) "
            "VALUES ($1, $2, 'Cells', 'quiz', 'x', 'y', $3, $4)",
            p, 4);
}

/* "date:answered/correct,..." of an analysis' daily series, into out. */
static const char *daily_of(const json_t *j, char *out, size_t cap)
{
    json_t *d = json_object_get(j, "daily");
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(d); i++) {
        json_t *o = json_array_get(d, i);
        double acc = json_real_value(json_object_get(o, "accuracy"));
        assert_true(fabs(acc - (double)jint(o, "correct") / (double)jint(o, "answered")) < 1e-9);
        k += (size_t)snprintf(out + k, cap - k, "%s%s:%lld/%lld", i ? "," : "", jstr(o, "date"),
                              (long long)jint(o, "answered"), (long long)jint(o, "correct"));
    }
    return out;
}

static void api_performance_daily_in_the_students_zone(void **state)
{
    api_fx *t = api_fx_of(state);
    fake_now_ms = DEC_07_NOON;
    t->ctx.now_ms = fake_clock;
    /* Auckland is UTC+13 in December: 10:30Z is 23:30 on the 6th there,
     * 11:30Z 00:30 on the 7th, 20:00Z 09:00 on the 7th, and 12:00Z on the
     * 7th 01:00 on the 8th. */
    answer(t, true, "2026-12-06T10:30:00.000Z");
    answer(t, false, "2026-12-06T11:30:00.000Z");
    answer(t, true, "2026-12-06T20:00:00.000Z");
    answer(t, true, "2026-12-07T12:00:00.000Z");
    json_decref(
        call_json(t, "PATCH", "/api/users/me", WHO_STUDENT, "{\"time_zone\":\"Pacific/Auckland\"}", 200));
    json_t *j = call_json(t, "POST", "/api/analyze/performance", WHO_STUDENT, "{}", 200);
    char got[256];
    assert_string_equal(daily_of(j, got, sizeof got), "2026-12-06:1/1,2026-12-07:2/1,2026-12-08:1/1");
    assert_string_equal(jstr(j, "time_zone"), "Pacific/Auckland");
    assert_int_equal(jint(j, "attempts"), 4);
    json_decref(j);
    /* the tutor sees the same series, in the student's zone */
    char body[128];
    snprintf(body, sizeof body, "{\"user_id\":\"%s\"}", api_fx_id(t, WHO_STUDENT));
    j = call_json(t, "POST", "/api/analyze/performance", WHO_TUTOR, body, 200);
    assert_string_equal(daily_of(j, got, sizeof got), "2026-12-06:1/1,2026-12-07:2/1,2026-12-08:1/1");
    json_decref(j);
    /* in UTC the first three fall on the 6th */
    json_decref(call_json(t, "PATCH", "/api/users/me", WHO_STUDENT, "{\"time_zone\":\"UTC\"}", 200));
    j = call_json(t, "POST", "/api/analyze/performance", WHO_STUDENT, "{}", 200);
    assert_string_equal(daily_of(j, got, sizeof got), "2026-12-06:3/2,2026-12-07:1/1");
    assert_string_equal(jstr(j, "time_zone"), "UTC");
    json_decref(j);
    /* no answers, no days */
    j = call_json(t, "POST", "/api/analyze/performance", WHO_STUDENT2, "{}", 200);
    assert_int_equal(json_array_size(json_object_get(j, "daily")), 0);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_quizzes_list_newest_first),
        API_BOTH(api_performance_daily_in_the_students_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
