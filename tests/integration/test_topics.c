/* Topics read and write path on both backends, as their owner. */
#include "it_common.h"

#include <stdio.h>

static const char *const fast_hash[] = {IT_FAST_HASH, NULL};

/* POST a topic as `a` (for `owner`, NULL: themself); returns the status. */
static long create_topic(const it_server *s, const it_account *a, const char *owner, const char *name,
                         double mastery)
{
    char auth[1100], body[512];
    const char *headers[] = {"Content-Type: application/json", it_bearer(a, auth, sizeof auth), NULL};
    if (owner != NULL)
        snprintf(body, sizeof body, "{\"user_id\":\"%s\",\"name\":\"%s\",\"mastery\":%g}", owner, name, mastery);
    else
        snprintf(body, sizeof body, "{\"name\":\"%s\",\"mastery\":%g}", name, mastery);
    it_response r;
    it_http(s, "POST", "/api/topics", headers, body, strlen(body), &r);
    long status = r.status;
    it_response_free(&r);
    return status;
}

static void topics_list_reads_rows(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, fast_hash);
    it_account a;
    it_register(&s, "reader@example.org", &a);
    for (int i = 0; i < 60; i++) {
        char name[64];
        snprintf(name, sizeof name, "Topic %d of the reader", i);
        assert_int_equal(create_topic(&s, &a, NULL, name, (double)(i % 10) / 10.0), 201);
    }
    char auth[1100];
    const char *headers[] = {it_bearer(&a, auth, sizeof auth), NULL};
    it_response r;
    it_http(&s, "GET", "/api/topics", headers, NULL, 0, &r); /* default: my own */
    assert_int_equal(r.status, 200);
    json_t *j = it_json(&r);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 50); /* default page of 50 out of 60 */
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 50);
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *t = json_array_get(items, i);
        assert_string_equal(json_string_value(json_object_get(t, "user_id")), a.id);
        /* ids are time-ordered, so the page lists topics in creation order */
        char want[48];
        snprintf(want, sizeof want, "Topic %zu of the reader", i);
        assert_string_equal(json_string_value(json_object_get(t, "name")), want);
        assert_true(json_number_value(json_object_get(t, "mastery")) == (double)(i % 10) / 10.0);
    }
    json_decref(j);
    it_response_free(&r);

    char path[160];
    snprintf(path, sizeof path, "/api/topics?user_id=%s&limit=5", a.id);
    it_http(&s, "GET", path, headers, NULL, 0, &r);
    j = it_json(&r);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
    json_decref(j);
    it_response_free(&r);

    const char *bad[] = {"/api/topics?user_id=42", "/api/topics?user_id=%27%20OR%201%3D1", NULL};
    for (size_t i = 0; bad[i] != NULL; i++) {
        it_http(&s, "GET", bad[i], headers, NULL, 0, &r);
        it_assert_error(&r, 400, "invalid_request");
        it_response_free(&r);
    }
    const char *limits[] = {"0", "201", "abc", "5x", NULL};
    for (size_t i = 0; limits[i] != NULL; i++) {
        snprintf(path, sizeof path, "/api/topics?limit=%s", limits[i]);
        it_http(&s, "GET", path, headers, NULL, 0, &r);
        it_assert_error(&r, 400, "invalid_request");
        it_response_free(&r);
    }
    /* without a token: 401 */
    it_http(&s, "GET", "/api/topics", NULL, NULL, 0, &r);
    it_assert_error(&r, 401, "unauthorized");
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void topics_create_validates_and_stores(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, fast_hash);
    it_account a;
    it_register(&s, "writer@example.org", &a);
    char auth[1100];
    const char *json[] = {"Content-Type: application/json", it_bearer(&a, auth, sizeof auth), NULL};
    const char *body = "{\"name\":\"Photosynthèse ✓\",\"mastery\":0.25}";
    it_response r;
    it_http(&s, "POST", "/api/topics", json, body, strlen(body), &r);
    assert_int_equal(r.status, 201);
    json_t *j = it_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "user_id")), a.id);
    char *id = strdup(json_string_value(json_object_get(j, "id")));
    json_decref(j);
    it_response_free(&r);

    it_http(&s, "GET", "/api/topics", json + 1, NULL, 0, &r);
    j = it_json(&r);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *t = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(t, "id")), id);
    assert_string_equal(json_string_value(json_object_get(t, "name")), "Photosynthèse ✓");
    assert_true(json_number_value(json_object_get(t, "mastery")) == 0.25);
    json_decref(j);
    it_response_free(&r);

    /* Numbers read as they were written, in the POST's answer and the GET's:
     * 0.4, not 0.40000000000000002. */
    body = "{\"name\":\"Forty percent\",\"mastery\":0.4}";
    it_http(&s, "POST", "/api/topics", json, body, strlen(body), &r);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.body, "\"mastery\":0.4,"));
    it_response_free(&r);
    it_http(&s, "GET", "/api/topics", json + 1, NULL, 0, &r);
    assert_non_null(strstr(r.body, "\"mastery\":0.4,"));
    it_response_free(&r);

    const char *invalid[] = {"{\"mastery\":0.5}", "{\"user_id\":\"nope\",\"name\":\"x\"}", "{\"name\":\"\"}",
                             "{\"name\":\"x\",\"mastery\":1.5}", "{\"name\":7}", NULL};
    for (size_t i = 0; invalid[i] != NULL; i++) {
        it_http(&s, "POST", "/api/topics", json, invalid[i], strlen(invalid[i]), &r);
        it_assert_error(&r, 422, "validation_error");
        it_response_free(&r);
    }
    /* nothing half-written: still exactly the two topics */
    it_http(&s, "GET", "/api/topics", json + 1, NULL, 0, &r);
    j = it_json(&r);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
    json_decref(j);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    free(id);
    it_backend_teardown(&b);
}

/* Demo data: seed-data with --password gives students who can log in and read
 * their own topics, and nobody else's. */
static void topics_seeded_students(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    char *out = NULL;
    const char *argv[] = {"x", "seed-data", "--users", "2", "--topics", "5", "--password", "demo password 123", NULL};
    const char *fast[] = {IT_FAST_HASH, NULL};
    assert_int_equal(it_run(argv, &b, fast, &out), 0);
    /* stdout's ids, in order (stderr's summary line may come first) */
    char second[37] = "";
    int seen = 0;
    for (const char *line = out; line != NULL && *line != '\0' && seen < 2;) {
        if (strlen(line) >= 36 && line[8] == '-' && line[14] == '7' && ++seen == 2)
            snprintf(second, sizeof second, "%.36s", line);
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
    free(out);
    assert_int_equal(strlen(second), 36);
    it_server s;
    it_server_start(&s, &b, fast_hash);
    it_account a = {0};
    snprintf(a.email, sizeof a.email, "student-1@demo.exammentor.invalid");
    snprintf(a.password, sizeof a.password, "demo password 123");
    it_login(&s, &a);
    char auth[1100], path[128];
    const char *h[] = {it_bearer(&a, auth, sizeof auth), NULL};
    it_response r;
    it_http(&s, "GET", "/api/topics", h, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    json_t *j = it_json(&r);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
    json_decref(j);
    it_response_free(&r);
    snprintf(path, sizeof path, "/api/topics?user_id=%s", second);
    it_http(&s, "GET", path, h, NULL, 0, &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(topics_list_reads_rows),
        IT_BOTH(topics_create_validates_and_stores),
        IT_BOTH(topics_seeded_students),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
