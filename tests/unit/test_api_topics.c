/* Handler tests for src/api/topics.c: GET and POST /api/topics through the
 * real route table in process: a student's own topics, the one rule for
 * someone else's (the owner's tutor and admins; everyone else the 404 of a
 * user that does not exist), the page size, and every refusal with the list
 * unchanged after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/ids.h"

/* GET /api/topics[?user_id=] as w: the answer (200 asserted). */
static json_t *list_of(api_fx *t, api_who w, api_who owner)
{
    char target[128];
    if (owner == WHO_ANON)
        snprintf(target, sizeof target, "/api/topics");
    else
        snprintf(target, sizeof target, "/api/topics?user_id=%s", api_fx_id(t, owner));
    json_t *j = call_json(t, "GET", target, w, NULL, 200);
    assert_int_equal(jint(j, "count"), (json_int_t)json_array_size(json_object_get(j, "items")));
    return j;
}

static size_t count_of(api_fx *t, api_who owner)
{
    json_t *j = list_of(t, owner, WHO_ANON);
    size_t n = json_array_size(json_object_get(j, "items"));
    json_decref(j);
    return n;
}

static void api_topics_own_list_and_create(void **state)
{
    api_fx *t = api_fx_of(state);
    http_fake *f = call(t, "GET", "/api/topics", WHO_STUDENT, NULL);
    expect_status(f, 200);
    assert_string_equal(http_fake_body(f, NULL), "{\"items\":[],\"count\":0}");
    http_fake_free(f);

    json_t *a =
        call_json(t, "POST", "/api/topics", WHO_STUDENT, "{\"name\":\"Algebra\",\"mastery\":0.25}", 201);
    assert_int_equal(json_object_size(a), 5);
    assert_true(id_is_uuid(jstr(a, "id")));
    assert_string_equal(jstr(a, "user_id"), api_fx_id(t, WHO_STUDENT));
    assert_string_equal(jstr(a, "name"), "Algebra");
    assert_true(json_number_value(json_object_get(a, "mastery")) == 0.25);
    assert_true(json_is_null(json_object_get(a, "next_review_at")));
    json_t *b =
        call_json(t, "POST", "/api/topics", WHO_STUDENT, "{\"name\":\"Cell biology\",\"mastery\":null}", 201);
    assert_true(json_number_value(json_object_get(b, "mastery")) == 0.0);
    json_decref(call_json(t, "POST", "/api/topics", WHO_STUDENT, "{\"name\":\"Optics\",\"mastery\":1}", 201));

    /* Oldest first, as created. */
    json_t *l = list_of(t, WHO_STUDENT, WHO_ANON);
    json_t *items = json_object_get(l, "items");
    assert_int_equal(json_array_size(items), 3);
    json_t *first = json_array_get(items, 0);
    assert_int_equal(json_object_size(first), 5);
    assert_string_equal(jstr(first, "id"), jstr(a, "id"));
    assert_string_equal(jstr(first, "name"), "Algebra");
    assert_string_equal(jstr(first, "user_id"), api_fx_id(t, WHO_STUDENT));
    assert_true(json_number_value(json_object_get(first, "mastery")) == 0.25);
    assert_true(json_is_null(json_object_get(first, "next_review_at")));
    assert_string_equal(jstr(json_array_get(items, 1), "id"), jstr(b, "id"));
    assert_string_equal(jstr(json_array_get(items, 2), "name"), "Optics");
    json_decref(l);
    /* The same with the caller's own id named. */
    l = list_of(t, WHO_STUDENT, WHO_STUDENT);
    assert_int_equal(jint(l, "count"), 3);
    json_decref(l);
    json_decref(a);
    json_decref(b);

    l = call_json(t, "GET", "/api/topics?limit=2", WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "count"), 2);
    assert_string_equal(jstr(json_array_get(json_object_get(l, "items"), 1), "name"), "Cell biology");
    json_decref(l);
    static const char *const bad[] = {"/api/topics?limit=0", "/api/topics?limit=201", "/api/topics?limit=ten",
                                      "/api/topics?user_id=not-a-uuid"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        call_error(t, "GET", bad[i], WHO_STUDENT, NULL, 400, "invalid_request");
    /* Nobody else's list grew. */
    assert_int_equal(count_of(t, WHO_STUDENT2), 0);
}

/* 50 by default, at most 200. */
static void api_topics_page_size(void **state)
{
    api_fx *t = api_fx_of(state);
    for (int i = 0; i < 51; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"name\":\"Topic %02d\"}", i);
        json_decref(call_json(t, "POST", "/api/topics", WHO_STUDENT2, body, 201));
    }
    assert_int_equal(count_of(t, WHO_STUDENT2), 50);
    json_t *l = call_json(t, "GET", "/api/topics?limit=200", WHO_STUDENT2, NULL, 200);
    assert_int_equal(jint(l, "count"), 51);
    assert_string_equal(jstr(json_array_get(json_object_get(l, "items"), 50), "name"), "Topic 50");
    json_decref(l);
}

/* The one rule: the owner, the owner's tutors, admins; everyone else gets
 * what a user who does not exist gets. */
static void api_topics_visibility(void **state)
{
    api_fx *t = api_fx_of(state);
    char body[256], target[128], ghost[ID_UUID_LEN + 1];
    /* The tutor keeps a topic for the assigned student. */
    snprintf(body, sizeof body, "{\"user_id\":\"%s\",\"name\":\"Set by the tutor\",\"mastery\":0.5}",
             api_fx_id(t, WHO_STUDENT));
    json_t *j = call_json(t, "POST", "/api/topics", WHO_TUTOR, body, 201);
    assert_string_equal(jstr(j, "user_id"), api_fx_id(t, WHO_STUDENT));
    json_decref(j);
    j = list_of(t, WHO_STUDENT, WHO_ANON);
    assert_int_equal(jint(j, "count"), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "name"), "Set by the tutor");
    json_decref(j);
    j = list_of(t, WHO_TUTOR, WHO_STUDENT);
    assert_int_equal(jint(j, "count"), 1);
    json_decref(j);
    j = list_of(t, WHO_ADMIN, WHO_STUDENT);
    assert_int_equal(jint(j, "count"), 1);
    json_decref(j);
    /* The tutor's own list is the tutor's. */
    assert_int_equal(count_of(t, WHO_TUTOR), 0);

    /* Not the tutor's student, another student: 404, like nobody at all. */
    id_uuid7(ghost);
    snprintf(target, sizeof target, "/api/topics?user_id=%s", ghost);
    http_fake *missing = call(t, "GET", target, WHO_TUTOR, NULL);
    expect_error(missing, 404, "not_found");
    snprintf(target, sizeof target, "/api/topics?user_id=%s", api_fx_id(t, WHO_STUDENT2));
    http_fake *f = call(t, "GET", target, WHO_TUTOR, NULL);
    expect_error(f, 404, "not_found");
    assert_string_equal(http_fake_body(f, NULL), http_fake_body(missing, NULL));
    http_fake_free(f);
    snprintf(target, sizeof target, "/api/topics?user_id=%s", api_fx_id(t, WHO_STUDENT));
    f = call(t, "GET", target, WHO_STUDENT2, NULL);
    expect_error(f, 404, "not_found");
    assert_string_equal(http_fake_body(f, NULL), http_fake_body(missing, NULL));
    http_fake_free(f);
    http_fake_free(missing);
    snprintf(body, sizeof body, "{\"user_id\":\"%s\",\"name\":\"Intruder\"}", api_fx_id(t, WHO_STUDENT2));
    call_error(t, "POST", "/api/topics", WHO_STUDENT, body, 404, "not_found");
    call_error(t, "POST", "/api/topics", WHO_TUTOR, body, 404, "not_found");
    assert_int_equal(count_of(t, WHO_STUDENT2), 0);

    /* An admin keeps topics for anyone who exists. */
    j = call_json(t, "POST", "/api/topics", WHO_ADMIN, body, 201);
    assert_string_equal(jstr(j, "user_id"), api_fx_id(t, WHO_STUDENT2));
    json_decref(j);
    assert_int_equal(count_of(t, WHO_STUDENT2), 1);
    snprintf(body, sizeof body, "{\"user_id\":\"%s\",\"name\":\"Nobody's\"}", ghost);
    call_error(t, "POST", "/api/topics", WHO_ADMIN, body, 404, "not_found");

    /* A tutor demoted to student no longer sees the student's topics (the assignment stays). */
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, WHO_TUTOR));
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"role\":\"student\"}", 200));
    snprintf(target, sizeof target, "/api/topics?user_id=%s", api_fx_id(t, WHO_STUDENT));
    call_error(t, "GET", target, WHO_TUTOR, NULL, 404, "not_found");
}

static void api_topics_create_refused(void **state)
{
    api_fx *t = api_fx_of(state);
    char name[260], body[400];
    memset(name, 'n', 201);
    name[201] = '\0';
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    call_error(t, "POST", "/api/topics", WHO_STUDENT, body, 422, "validation_error");
    name[200] = '\0'; /* 200 bytes is the most */
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    json_decref(call_json(t, "POST", "/api/topics", WHO_STUDENT, body, 201));
    static const char *const invalid[] = {
        "{}",
        "{\"name\":\"\"}",
        "{\"name\":7}",
        "{\"name\":\"Algebra\",\"mastery\":1.5}",
        "{\"name\":\"Algebra\",\"mastery\":-0.1}",
        "{\"name\":\"Algebra\",\"mastery\":\"high\"}",
        "{\"name\":\"Algebra\",\"user_id\":5}",
        "{\"name\":\"Algebra\",\"user_id\":\"not-a-uuid\"}",
        "[{\"name\":\"Algebra\"}]",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        http_fake *f = call(t, "POST", "/api/topics", WHO_STUDENT, invalid[i]);
        if (http_fake_status(f) != 422)
            fail_msg("POST %s: expected 422, got %d %s", invalid[i], http_fake_status(f),
                     http_fake_body(f, NULL));
        expect_error(f, 422, "validation_error");
        http_fake_free(f);
    }
    call_error(t, "POST", "/api/topics", WHO_STUDENT, "{\"name\":", 400, "invalid_json");
    const char *text[] = {"Authorization", t->acct[WHO_STUDENT].bearer, "Content-Type", "text/plain", NULL};
    http_fake *f = call_raw(t, "POST", "/api/topics", text, "Algebra", 7);
    expect_error(f, 415, "unsupported_media_type");
    http_fake_free(f);
    assert_int_equal(count_of(t, WHO_STUDENT), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_topics_own_list_and_create),
        API_BOTH(api_topics_page_size),
        API_BOTH(api_topics_visibility),
        API_BOTH(api_topics_create_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
