/* Handler tests for src/api/sessions.c: POST/GET/PATCH/DELETE
 * /api/sessions[/{id}] and GET /api/sessions/{id}/chat through the real
 * route table in process: the shapes a client reads, every field's 400
 * naming it, materials that must be the caller's own, the one rule (the
 * owner writes; the owner's tutor and admins read; everyone else the 404 of
 * a session that does not exist), and the chat history's pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "study/sessions.h"
#include "core/ids.h"
#include "study/chat.h"

#define CELLS_MD                                                                                             \
    "{\"title\":\"Cells\",\"format\":\"markdown\",\"text\":\"# Cells\\n\\nCells are the units of life. "     \
    "Every living thing is made of cells.\\n\\n# Membranes\\n\\nA membrane surrounds each cell and lets "    \
    "some molecules through.\\n\\n# Mitosis\\n\\nMitosis divides one cell into two cells.\\n\"}"

/* w uploads CELLS_MD and it is extracted: its id. */
static void cells_ready(api_fx *t, api_who w, char id[MATERIAL_ID_LEN + 1])
{
    upload_json(t, w, CELLS_MD, id);
    ingest_ready(t, id);
}

/* POST /api/sessions as w with body: 201 asserted, the session. */
static json_t *create(api_fx *t, api_who w, const char *body)
{
    return call_json(t, "POST", "/api/sessions", w, body, 201);
}

static void api_sessions_create_read_change_delete(void **state)
{
    api_fx *t = api_fx_of(state);
    char m[MATERIAL_ID_LEN + 1];
    cells_ready(t, WHO_STUDENT, m);
    char body[512];
    snprintf(body, sizeof body,
             "{\"title\":\"Biology final\",\"exam_type\":\"A-level\",\"exam_date\":\"2027-06-01\","
             "\"daily_minutes\":90,\"study_days\":[\"mon\",\"wed\",\"fri\"],\"free_dates\":[\"2027-01-01\"],"
             "\"material_ids\":[\"%s\"]}",
             m);
    json_t *s = create(t, WHO_STUDENT, body);
    assert_int_equal(json_object_size(s), 12);
    assert_true(json_is_null(json_object_get(s, "plan_id"))); /* none made yet */
    assert_true(id_is_uuid(jstr(s, "id")));
    assert_string_equal(jstr(s, "user_id"), api_fx_id(t, WHO_STUDENT));
    assert_string_equal(jstr(s, "title"), "Biology final");
    assert_string_equal(jstr(s, "exam_type"), "A-level");
    assert_string_equal(jstr(s, "exam_date"), "2027-06-01");
    assert_int_equal(jint(s, "daily_minutes"), 90);
    json_t *days = json_object_get(s, "study_days");
    assert_int_equal(json_array_size(days), 3);
    assert_string_equal(json_string_value(json_array_get(days, 0)), "mon");
    assert_string_equal(json_string_value(json_array_get(days, 2)), "fri");
    assert_string_equal(json_string_value(json_array_get(json_object_get(s, "free_dates"), 0)), "2027-01-01");
    assert_string_equal(json_string_value(json_array_get(json_object_get(s, "material_ids"), 0)), m);
    assert_non_null(jstr(s, "created_at"));
    char id[64], target[128];
    snprintf(id, sizeof id, "%s", jstr(s, "id"));
    json_decref(s);

    /* the detail has the material's topics in document order, each with its mastery */
    snprintf(target, sizeof target, "/api/sessions/%s", id);
    json_t *g = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    json_t *topics = json_object_get(g, "topics");
    assert_int_equal(json_array_size(topics), 3);
    const char *names[] = {"Cells", "Membranes", "Mitosis"};
    for (size_t i = 0; i < 3; i++) {
        json_t *tp = json_array_get(topics, i);
        assert_int_equal(json_object_size(tp), 6);
        assert_string_equal(jstr(tp, "name"), names[i]);
        assert_string_equal(jstr(tp, "material_id"), m);
        assert_string_equal(jstr(tp, "source"), "heading");
        assert_true(id_is_uuid(jstr(tp, "id")));
        assert_true(jint(tp, "words") > 0);
        assert_true(json_number_value(json_object_get(tp, "mastery")) == 0.0);
    }
    json_decref(g);

    /* the list, newest first */
    json_decref(create(t, WHO_STUDENT, "{\"title\":\"Second\",\"exam_date\":\"2027-02-01\"}"));
    json_t *l = call_json(t, "GET", "/api/sessions", WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), 2);
    assert_int_equal(jint(l, "limit"), 20);
    assert_int_equal(jint(l, "offset"), 0);
    json_t *items = json_object_get(l, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(jstr(json_array_get(items, 0), "title"), "Second");
    assert_string_equal(jstr(json_array_get(items, 1), "id"), id);
    json_decref(l);
    l = call_json(t, "GET", "/api/sessions?limit=1&offset=1", WHO_STUDENT, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(l, "items"), 0), "id"), id);
    json_decref(l);
    l = call_json(t, "GET", "/api/sessions", WHO_STUDENT2, NULL, 200);
    assert_int_equal(jint(l, "total"), 0);
    json_decref(l);

    /* a change: the rest stays */
    json_t *p =
        call_json(t, "PATCH", target, WHO_STUDENT, "{\"daily_minutes\":45,\"study_days\":[6,7]}", 200);
    assert_int_equal(jint(p, "daily_minutes"), 45);
    days = json_object_get(p, "study_days");
    assert_int_equal(json_array_size(days), 2);
    assert_string_equal(json_string_value(json_array_get(days, 0)), "sat");
    assert_string_equal(json_string_value(json_array_get(days, 1)), "sun");
    assert_string_equal(jstr(p, "title"), "Biology final");
    json_decref(p);
    p = call_json(t, "PATCH", target, WHO_STUDENT, "{\"material_ids\":[]}", 200);
    assert_int_equal(json_array_size(json_object_get(p, "material_ids")), 0);
    json_decref(p);
    g = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(g, "topics")), 0);
    json_decref(g);

    /* delete: 204, then gone */
    http_fake *f = call(t, "DELETE", target, WHO_STUDENT, NULL);
    expect_status(f, 204);
    http_fake_free(f);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    call_error(t, "DELETE", target, WHO_STUDENT, NULL, 404, "not_found");
}

static void api_sessions_refuses_bad_fields(void **state)
{
    api_fx *t = api_fx_of(state);
    char mine[MATERIAL_ID_LEN + 1], theirs[MATERIAL_ID_LEN + 1];
    upload_json(t, WHO_STUDENT, "{\"text\":\"Osmosis moves water.\"}", mine);
    upload_json(t, WHO_STUDENT2, "{\"text\":\"Osmosis moves water.\"}", theirs);
    static const struct {
        const char *body;
        const char *field;
    } bad[] = {
        {"{\"exam_date\":\"2027-01-01\"}", "title"},
        {"{\"title\":\"\",\"exam_date\":\"2027-01-01\"}", "title"},
        {"{\"title\":\"T\"}", "exam_date"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-02-29\"}", "exam_date"},
        {"{\"title\":\"T\",\"exam_date\":\"01/02/2027\"}", "exam_date"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"exam_type\":1}", "exam_type"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"daily_minutes\":0}", "daily_minutes"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"daily_minutes\":1441}", "daily_minutes"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"daily_minutes\":\"60\"}", "daily_minutes"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"study_days\":[]}", "study_days"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"study_days\":[\"someday\"]}", "study_days"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"free_dates\":[\"tomorrow\"]}", "free_dates"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":\"x\"}", "material_ids"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"x\"]}", "material_ids"},
        {"[1]", "body"},
    };
    /* more materials than the tutor and a quiz may draw on at once: a
       session they could not serve */
    {
        char body[16384];
        int o =
            snprintf(body, sizeof body, "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[");
        for (int k = 0; k <= PASSAGES_MATERIALS_MAX; k++)
            o += snprintf(body + o, sizeof body - (size_t)o, "%s\"01a251a5-fe1a-742b-a972-%012d\"",
                          k > 0 ? "," : "", k);
        snprintf(body + o, sizeof body - (size_t)o, "]}");
        call_error(t, "POST", "/api/sessions", WHO_STUDENT, body, 400, "invalid_request");
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_fake *f = call(t, "POST", "/api/sessions", WHO_STUDENT, bad[i].body);
        expect_error(f, 400, "invalid_request");
        if (strstr(error_message(f), bad[i].field) == NULL)
            fail_msg("%s: the message does not name %s: %s", bad[i].body, bad[i].field, error_message(f));
        http_fake_free(f);
    }
    call_error(t, "POST", "/api/sessions", WHO_STUDENT, "{\"title\":", 400, "invalid_json");
    char body[256];
    snprintf(body, sizeof body, "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"%s\"]}",
             theirs);
    call_error(t, "POST", "/api/sessions", WHO_STUDENT, body, 404, "not_found");
    /* the tutor sees the student's material and still may not build on it */
    snprintf(body, sizeof body, "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"%s\"]}",
             mine);
    call_error(t, "POST", "/api/sessions", WHO_TUTOR, body, 422, "validation_error");
    /* the same checks on a change, and a change of nothing */
    json_t *s = create(t, WHO_STUDENT, "{\"title\":\"T\",\"exam_date\":\"2027-01-01\"}");
    char target[128];
    snprintf(target, sizeof target, "/api/sessions/%s", jstr(s, "id"));
    json_decref(s);
    call_error(t, "PATCH", target, WHO_STUDENT, "{}", 400, "invalid_request");
    call_error(t, "PATCH", target, WHO_STUDENT, "{\"daily_minutes\":-5}", 400, "invalid_request");
    call_error(t, "PATCH", target, WHO_STUDENT, "{\"exam_date\":null}", 400, "invalid_request");
    call_error(t, "GET", "/api/sessions?limit=0", WHO_STUDENT, NULL, 400, "invalid_request");
    call_error(t, "GET", "/api/sessions?limit=101", WHO_STUDENT, NULL, 400, "invalid_request");
    call_error(t, "GET", "/api/sessions?offset=-1", WHO_STUDENT, NULL, 400, "invalid_request");
    call_error(t, "GET", "/api/sessions?user_id=nope", WHO_STUDENT, NULL, 400, "invalid_request");
    call_error(t, "GET", "/api/sessions", WHO_ANON, NULL, 401, "unauthorized");
    /* nothing changed */
    json_t *g = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_string_equal(jstr(g, "exam_date"), "2027-01-01");
    assert_int_equal(jint(g, "daily_minutes"), 60);
    json_decref(g);
    json_t *l = call_json(t, "GET", "/api/sessions", WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), 1);
    json_decref(l);
}

static void api_sessions_one_rule(void **state)
{
    api_fx *t = api_fx_of(state);
    json_t *s = create(t, WHO_STUDENT, "{\"title\":\"Mine\",\"exam_date\":\"2027-01-01\"}");
    char target[128], chat[160], list[160];
    snprintf(target, sizeof target, "/api/sessions/%s", jstr(s, "id"));
    snprintf(chat, sizeof chat, "%s/chat", target);
    snprintf(list, sizeof list, "/api/sessions?user_id=%s", api_fx_id(t, WHO_STUDENT));
    json_decref(s);
    /* the tutor and the admin read */
    api_who readers[] = {WHO_TUTOR, WHO_ADMIN};
    for (size_t i = 0; i < 2; i++) {
        json_t *g = call_json(t, "GET", target, readers[i], NULL, 200);
        assert_string_equal(jstr(g, "title"), "Mine");
        json_decref(g);
        json_decref(call_json(t, "GET", chat, readers[i], NULL, 200));
        json_t *l = call_json(t, "GET", list, readers[i], NULL, 200);
        assert_int_equal(jint(l, "total"), 1);
        json_decref(l);
        /* and never write */
        call_error(t, "PATCH", target, readers[i], "{\"title\":\"Theirs\"}", 404, "not_found");
        call_error(t, "DELETE", target, readers[i], NULL, 404, "not_found");
    }
    /* another student: as if it did not exist */
    call_error(t, "GET", target, WHO_STUDENT2, NULL, 404, "not_found");
    call_error(t, "GET", chat, WHO_STUDENT2, NULL, 404, "not_found");
    call_error(t, "GET", list, WHO_STUDENT2, NULL, 404, "not_found");
    call_error(t, "PATCH", target, WHO_STUDENT2, "{\"title\":\"Theirs\"}", 404, "not_found");
    call_error(t, "DELETE", target, WHO_STUDENT2, NULL, 404, "not_found");
    call_error(t, "GET", "/api/sessions/not-an-id", WHO_STUDENT, NULL, 404, "not_found");
    json_t *g = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_string_equal(jstr(g, "title"), "Mine");
    json_decref(g);
}

static void api_sessions_chat_pages(void **state)
{
    api_fx *t = api_fx_of(state);
    json_t *s = create(t, WHO_STUDENT, "{\"title\":\"Chat\",\"exam_date\":\"2027-01-01\"}");
    char id[64], target[160];
    snprintf(id, sizeof id, "%s", jstr(s, "id"));
    json_decref(s);
    principal owner = {0};
    snprintf(owner.user_id, sizeof owner.user_id, "%s", api_fx_id(t, WHO_STUDENT));
    snprintf(owner.role, sizeof owner.role, "student");
    em_error err = {0};
    for (int i = 1; i <= 3; i++) {
        char q[32], a[32];
        snprintf(q, sizeof q, "question %d", i);
        snprintf(a, sizeof a, "answer %d", i);
        assert_int_equal(chat_append(api_fx_db(t), &owner, id, q, a,
                                     "[{\"material_id\":\"m\",\"page\":2,\"quote\":\"x\"}]", i != 3, &err),
                         EM_OK);
    }
    snprintf(target, sizeof target, "/api/sessions/%s/chat", id);
    json_t *all = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    json_t *items = json_object_get(all, "items");
    assert_int_equal(json_array_size(items), 6);
    assert_int_equal(jint(all, "count"), 6);
    assert_true(json_is_false(json_object_get(all, "has_more")));
    assert_true(json_is_null(json_object_get(all, "next_before")));
    json_t *first = json_array_get(items, 0);
    assert_int_equal(json_object_size(first), 6);
    assert_string_equal(jstr(first, "role"), "user");
    assert_string_equal(jstr(first, "content"), "question 1");
    json_t *last = json_array_get(items, 5);
    assert_string_equal(jstr(last, "role"), "assistant");
    assert_string_equal(jstr(last, "content"), "answer 3");
    assert_true(json_is_false(json_object_get(last, "answerable")));
    json_t *cites = json_object_get(last, "citations");
    assert_true(json_is_array(cites));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cites, 0), "page")), 2);
    assert_non_null(jstr(last, "created_at"));
    json_decref(all);

    /* pages of 4, newest last, then the one before with the cursor */
    char paged[256];
    snprintf(paged, sizeof paged, "%s?limit=4", target);
    json_t *p1 = call_json(t, "GET", paged, WHO_TUTOR, NULL, 200);
    items = json_object_get(p1, "items");
    assert_int_equal(json_array_size(items), 4);
    assert_string_equal(jstr(json_array_get(items, 0), "content"), "question 2");
    assert_string_equal(jstr(json_array_get(items, 3), "content"), "answer 3");
    assert_true(json_is_true(json_object_get(p1, "has_more")));
    snprintf(paged, sizeof paged, "%s?limit=4&before=%s", target, jstr(p1, "next_before"));
    assert_string_equal(jstr(p1, "next_before"), jstr(json_array_get(items, 0), "id"));
    json_decref(p1);
    json_t *p2 = call_json(t, "GET", paged, WHO_ADMIN, NULL, 200);
    items = json_object_get(p2, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(jstr(json_array_get(items, 0), "content"), "question 1");
    assert_string_equal(jstr(json_array_get(items, 1), "content"), "answer 1");
    assert_true(json_is_false(json_object_get(p2, "has_more")));
    json_decref(p2);
    snprintf(paged, sizeof paged, "%s?limit=0", target);
    call_error(t, "GET", paged, WHO_STUDENT, NULL, 400, "invalid_request");
    snprintf(paged, sizeof paged, "%s?limit=201", target);
    call_error(t, "GET", paged, WHO_STUDENT, NULL, 400, "invalid_request");
    snprintf(paged, sizeof paged, "%s?before=yesterday", target);
    call_error(t, "GET", paged, WHO_STUDENT, NULL, 400, "invalid_request");
    /* the history goes with the session */
    snprintf(paged, sizeof paged, "/api/sessions/%s", id);
    http_fake *f = call(t, "DELETE", paged, WHO_STUDENT, NULL);
    expect_status(f, 204);
    http_fake_free(f);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    assert_int_equal(sql_int(t, "SELECT count(*) FROM chat_messages"), 0);
}

/* A session over many long textbooks has a great many topics (200 of them,
 * 400 sections each, are allowed): its detail is answered whole, however far
 * past the session's own few megabytes its topics go. Here one material is
 * given 20,000 topics with long names: about 7 MB of topics. */
static void api_sessions_with_many_topics(void **state)
{
    api_fx *t = api_fx_of(state);
    char m[MATERIAL_ID_LEN + 1], sql[1024], body[256];
    cells_ready(t, WHO_STUDENT, m);
    snprintf(
        sql, sizeof sql,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
        "INSERT INTO material_topics (material_id, position, name, slug, source, page, weight) "
        "SELECT '%s', 1000 + i, 'Topic ' || i || ' of a long textbook whose section titles go on and on, "
        "as the headings of some manuals do, naming every option and every case they are about, until "
        "they reach the length a topic name may have', 'topic-' || i, 'heading', 1, 0.00001 FROM n",
        m);
    em_error err = {0};
    assert_int_equal(db_exec(api_fx_db(t), sql, &err), EM_OK);
    snprintf(body, sizeof body,
             "{\"title\":\"All of it\",\"exam_date\":\"2027-06-01\",\"material_ids\":[\"%s\"]}", m);
    json_t *s = create(t, WHO_STUDENT, body);
    char path[160];
    snprintf(path, sizeof path, "/api/sessions/%s", jstr(s, "id"));
    json_decref(s);
    json_t *got = call_json(t, "GET", path, WHO_STUDENT, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(got, "topics")), 20003);
    json_decref(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_sessions_create_read_change_delete),
        API_BOTH(api_sessions_refuses_bad_fields),
        API_BOTH(api_sessions_one_rule),
        API_BOTH(api_sessions_chat_pages),
        API_BOTH(api_sessions_with_many_topics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
