/* Handler tests for src/api/roster.c (GET /api/tutor/students and
 * /api/tutor/students/{id}) through the real route table in process, with
 * "now" fixed (api_ctx.now_ms) and scripted data: sessions made through the
 * API, topics, answers and misconceptions written as the study area stores
 * them. What a tutor's room shows per student (last activity, sessions, the
 * next exam, mean and weakest mastery, open misconceptions, due reviews), the
 * at-risk rule as the clock moves towards the exam, and who may ask. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "api_fixture.h"
#include "core/ids.h"
#include "study/mastery.h"

/* The handlers' clock. */
static int64_t fake_now_ms;
static int64_t fake_clock(void)
{
    return fake_now_ms;
}

#define DEC_07_NOON 1796644800000LL /* 2026-12-07T12:00:00Z */
#define DEC_12_NOON 1797076800000LL /* 2026-12-12T12:00:00Z */

/* Run one statement with text parameters on the handlers' connection. */
static void sql_run(api_fx *t, const char *sql, const char *const *params, int n)
{
    em_error err = {0};
    int rc = db_run(api_fx_db(t), sql, params, n, &err);
    if (rc < 0)
        fail_msg("%s: %s", sql, err.msg);
}

/* One quiz answer of user_id on `topic` at `at` (ISO-8601). */
static void answer(api_fx *t, const char *user_id, const char *name, bool correct, const char *at)
{
    char id[ID_UUID_LEN + 1];
    id_uuid7(id);
    const char *p[] = {id, user_id, name, correct ? "1" : "0", at};
    sql_run(t,
            "INSERT INTO attempts (id, user_id, topic, kind, given, expected, correct, answered_at) "
            "VALUES ($1, $2, $3, 'quiz', 'x', 'y', $4, $5)",
            p, 5);
}

/* A misconception of user_id, open when resolved_at is NULL. */
static void misconception(api_fx *t, const char *user_id, const char *name, const char *resolved_at)
{
    char id[ID_UUID_LEN + 1];
    id_uuid7(id);
    const char *p[] = {id, user_id, name, id, resolved_at};
    sql_run(
        t,
        "INSERT INTO misconceptions (id, user_id, topic, kind, description, key, detected_at, resolved_at) "
        "VALUES ($1, $2, $3, 'confusion', 'mixes things up', $4, '2026-11-01T00:00:00.000Z', $5)",
        p, 5);
}

static void add_topic(api_fx *t, const char *user_id, const char *name, double mastery)
{
    char id[ID_UUID_LEN + 1];
    em_error err = {0};
    if (mastery_insert(api_fx_db(t), user_id, name, mastery, NULL, id, &err) != EM_OK)
        fail_msg("mastery_insert: %s", err.msg);
}

static void new_session(api_fx *t, api_who w, const char *title, const char *exam_date)
{
    char body[256];
    snprintf(body, sizeof body, "{\"title\":\"%s\",\"exam_date\":\"%s\"}", title, exam_date);
    json_decref(call_json(t, "POST", "/api/sessions", w, body, 201));
}

/* The first student's scripted term: two sessions (exams on 17 and 30
 * December), four topics by name (Cells twice: the higher row counts), the
 * last answer on 28 November, two open misconceptions and a resolved one. */
static void script_student(api_fx *t)
{
    const char *s = api_fx_id(t, WHO_STUDENT);
    new_session(t, WHO_STUDENT, "Biology", "2026-12-17");
    new_session(t, WHO_STUDENT, "Chemistry", "2026-12-30");
    add_topic(t, s, "Ecology", 0.1);
    add_topic(t, s, "Cells", 0.2);
    add_topic(t, s, "Cells", 0.25);
    add_topic(t, s, "Energy", 0.3);
    add_topic(t, s, "Genetics", 0.6);
    answer(t, s, "Cells", true, "2026-11-20T09:00:00.000Z");
    answer(t, s, "Energy", false, "2026-11-28T12:00:00.000Z");
    misconception(t, s, "Cells", NULL);
    misconception(t, s, "Energy", NULL);
    misconception(t, s, "Energy", "2026-11-30T00:00:00.000Z");
}

/* The student `id` among a list's items (fails when absent). */
static json_t *find_student(json_t *items, const char *id)
{
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(jstr(json_array_get(items, i), "id"), id) == 0)
            return json_array_get(items, i);
    fail_msg("student %s not listed", id);
    return NULL;
}

static json_t *roster_of(api_fx *t, api_who w, const char *id)
{
    char target[128];
    snprintf(target, sizeof target, "/api/tutor/students/%s", id);
    return call_json(t, "GET", target, w, NULL, 200);
}

/* The codes of a student's risk reasons, comma-separated, into out. */
static const char *reasons(const json_t *s, char out[256])
{
    out[0] = '\0';
    json_t *r = json_object_get(s, "risk_reasons");
    size_t k = 0;
    for (size_t i = 0; i < json_array_size(r); i++) {
        json_t *o = json_array_get(r, i);
        assert_true(strlen(jstr(o, "message")) > 0);
        k += (size_t)snprintf(out + k, 256 - k, "%s%s", i ? "," : "", jstr(o, "code"));
    }
    return out;
}

static void api_roster_shows_each_students_figures(void **state)
{
    api_fx *t = api_fx_of(state);
    fake_now_ms = DEC_07_NOON;
    t->ctx.now_ms = fake_clock;
    script_student(t);

    json_t *j = call_json(t, "GET", "/api/tutor/students", WHO_TUTOR, NULL, 200);
    /* the tutor's one student, not the other */
    assert_int_equal(jint(j, "total"), 1);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *s = json_array_get(items, 0);
    assert_string_equal(jstr(s, "id"), api_fx_id(t, WHO_STUDENT));
    assert_string_equal(jstr(s, "email"), "student@example.org");
    assert_string_equal(jstr(s, "full_name"), "Student One");
    assert_true(json_is_true(json_object_get(s, "is_active")));
    /* the latest answer */
    assert_string_equal(jstr(s, "last_activity"), "2026-11-28T12:00:00.000Z");
    assert_int_equal(jint(s, "session_count"), 2);
    /* the soonest exam: 17 December, 10 days after the 7th */
    assert_string_equal(jstr(s, "next_exam_date"), "2026-12-17");
    assert_int_equal(jint(s, "days_to_exam"), 10);
    /* by name, Cells at its higher row: (0.1 + 0.25 + 0.3 + 0.6) / 4 = 0.3125 */
    assert_true(fabs(json_real_value(json_object_get(s, "mean_mastery")) - 0.3125) < 1e-9);
    json_t *weak = json_object_get(s, "weakest_topics");
    assert_int_equal(json_array_size(weak), 3);
    assert_string_equal(jstr(json_array_get(weak, 0), "name"), "Ecology");
    assert_string_equal(jstr(json_array_get(weak, 1), "name"), "Cells");
    assert_true(fabs(json_real_value(json_object_get(json_array_get(weak, 1), "mastery")) - 0.25) < 1e-9);
    assert_string_equal(jstr(json_array_get(weak, 2), "name"), "Energy");
    assert_int_equal(jint(s, "open_misconceptions"), 2);
    assert_int_equal(jint(s, "due_reviews"), 0);
    /* 9 days idle with the exam in 10 (<= 21): at risk; mastery 0.3125 < 0.4
     * but the exam is more than 7 days away; 2 misconceptions < 5 */
    char codes[256];
    assert_true(json_is_true(json_object_get(s, "at_risk")));
    assert_string_equal(reasons(s, codes), "idle_before_exam");
    json_decref(j);

    /* five days on, the exam is 5 days away: low mastery counts too */
    fake_now_ms = DEC_12_NOON;
    j = roster_of(t, WHO_TUTOR, api_fx_id(t, WHO_STUDENT));
    assert_int_equal(jint(j, "days_to_exam"), 5);
    assert_string_equal(reasons(j, codes), "idle_before_exam,low_mastery_before_exam");
    json_decref(j);

    /* an answer today ends the idleness; three more open misconceptions make five */
    answer(t, api_fx_id(t, WHO_STUDENT), "Cells", true, "2026-12-12T08:00:00.000Z");
    for (int i = 0; i < 3; i++)
        misconception(t, api_fx_id(t, WHO_STUDENT), "Genetics", NULL);
    j = roster_of(t, WHO_TUTOR, api_fx_id(t, WHO_STUDENT));
    assert_string_equal(jstr(j, "last_activity"), "2026-12-12T08:00:00.000Z");
    assert_int_equal(jint(j, "open_misconceptions"), 5);
    assert_string_equal(reasons(j, codes), "low_mastery_before_exam,many_misconceptions");
    /* the detail: sessions newest first, every topic weakest first */
    json_t *sessions = json_object_get(j, "sessions");
    assert_int_equal(json_array_size(sessions), 2);
    assert_string_equal(jstr(json_array_get(sessions, 0), "title"), "Chemistry");
    assert_string_equal(jstr(json_array_get(sessions, 0), "exam_date"), "2026-12-30");
    assert_string_equal(jstr(json_array_get(sessions, 1), "title"), "Biology");
    json_t *topics = json_object_get(j, "topics");
    assert_int_equal(json_array_size(topics), 4);
    assert_string_equal(jstr(json_array_get(topics, 3), "name"), "Genetics");
    json_decref(j);

    /* past both exams: no exam ahead, so only the misconceptions remain */
    fake_now_ms = DEC_12_NOON + 20 * 86400000LL; /* 1 January 2027 */
    j = roster_of(t, WHO_ADMIN, api_fx_id(t, WHO_STUDENT));
    assert_true(json_is_null(json_object_get(j, "next_exam_date")));
    assert_true(json_is_null(json_object_get(j, "days_to_exam")));
    assert_string_equal(reasons(j, codes), "many_misconceptions");
    json_decref(j);
}

static void api_roster_admin_sees_every_student(void **state)
{
    api_fx *t = api_fx_of(state);
    fake_now_ms = DEC_07_NOON;
    t->ctx.now_ms = fake_clock;
    script_student(t);
    /* the second student uploads a worksheet (activity) and has a card due */
    char mat[MATERIAL_ID_LEN + 1], q[MATERIAL_ID_LEN + 1], card[ID_UUID_LEN + 1];
    worksheet_ready(t, WHO_STUDENT2, mat, q);
    id_uuid7(card);
    const char *p[] = {card, api_fx_id(t, WHO_STUDENT2), q};
    sql_run(t,
            "INSERT INTO review_cards (id, user_id, question_id, topic, due_at, created_at) "
            "VALUES ($1, $2, $3, 'Cells', '2026-12-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')",
            p, 3);
    char target[128];
    snprintf(target, sizeof target, "/api/materials/%s", mat);
    json_t *m = call_json(t, "GET", target, WHO_STUDENT2, NULL, 200);

    json_t *j = call_json(t, "GET", "/api/tutor/students", WHO_ADMIN, NULL, 200);
    /* students only (not the tutor or the admin), by name */
    assert_int_equal(jint(j, "total"), 2);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(jstr(json_array_get(items, 0), "full_name"), "Student One");
    json_t *s2 = find_student(items, api_fx_id(t, WHO_STUDENT2));
    assert_string_equal(jstr(s2, "full_name"), "Student Two");
    assert_string_equal(jstr(s2, "last_activity"), jstr(m, "created_at"));
    assert_int_equal(jint(s2, "session_count"), 0);
    assert_true(json_is_null(json_object_get(s2, "next_exam_date")));
    assert_true(json_is_null(json_object_get(s2, "mean_mastery")));
    assert_int_equal(json_array_size(json_object_get(s2, "weakest_topics")), 0);
    assert_int_equal(jint(s2, "open_misconceptions"), 0);
    assert_int_equal(jint(s2, "due_reviews"), 1);
    assert_true(json_is_false(json_object_get(s2, "at_risk")));
    assert_int_equal(json_array_size(json_object_get(s2, "risk_reasons")), 0);
    json_decref(j);
    json_decref(m);

    /* pages */
    j = call_json(t, "GET", "/api/tutor/students?limit=1&offset=1", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "total"), 2);
    assert_int_equal(jint(j, "limit"), 1);
    assert_int_equal(jint(j, "offset"), 1);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "full_name"), "Student Two");
    json_decref(j);
    call_error(t, "GET", "/api/tutor/students?limit=0", WHO_ADMIN, NULL, 400, "invalid_request");
    call_error(t, "GET", "/api/tutor/students?limit=201", WHO_ADMIN, NULL, 400, "invalid_request");
}

static void api_roster_access(void **state)
{
    api_fx *t = api_fx_of(state);
    char target[128];
    /* signed in only */
    call_error(t, "GET", "/api/tutor/students", WHO_ANON, NULL, 401, "unauthorized");
    /* a student has no roster, not even themselves */
    call_error(t, "GET", "/api/tutor/students", WHO_STUDENT, NULL, 403, "forbidden");
    snprintf(target, sizeof target, "/api/tutor/students/%s", api_fx_id(t, WHO_STUDENT));
    call_error(t, "GET", target, WHO_STUDENT, NULL, 403, "forbidden");
    /* a tutor: another tutor's (nobody's) student is as absent as none */
    snprintf(target, sizeof target, "/api/tutor/students/%s", api_fx_id(t, WHO_STUDENT2));
    call_error(t, "GET", target, WHO_TUTOR, NULL, 404, "not_found");
    json_decref(call_json(t, "GET", target, WHO_ADMIN, NULL, 200));
    /* accounts that are not students are nobody's students */
    snprintf(target, sizeof target, "/api/tutor/students/%s", api_fx_id(t, WHO_TUTOR));
    call_error(t, "GET", target, WHO_TUTOR, NULL, 404, "not_found");
    call_error(t, "GET", target, WHO_ADMIN, NULL, 404, "not_found");
    call_error(t, "GET", "/api/tutor/students/not-an-id", WHO_ADMIN, NULL, 404, "not_found");
    /* a tutor with no students yet: an empty room */
    snprintf(target, sizeof target, "/api/admin/tutors/%s/students/%s", api_fx_id(t, WHO_TUTOR),
             api_fx_id(t, WHO_STUDENT));
    http_fake *f = call(t, "DELETE", target, WHO_ADMIN, NULL);
    expect_status(f, 204);
    http_fake_free(f);
    json_t *j = call_json(t, "GET", "/api/tutor/students", WHO_TUTOR, NULL, 200);
    assert_int_equal(jint(j, "total"), 0);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    snprintf(target, sizeof target, "/api/tutor/students/%s", api_fx_id(t, WHO_STUDENT));
    call_error(t, "GET", target, WHO_TUTOR, NULL, 404, "not_found");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_roster_shows_each_students_figures),
        API_BOTH(api_roster_admin_sees_every_student),
        API_BOTH(api_roster_access),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
