/* Topics read and write path on both backends, with demo data from seed-data. */
#include "it_common.h"

#include <stdio.h>

/* Run seed-data and return the first seeded user id (owned). */
static char *seed(const it_backend *b, const char *users, const char *topics)
{
    char *out = NULL;
    const char *argv[] = {"x", "seed-data", "--users", users, "--topics", topics, NULL};
    int rc = it_run(argv, b, NULL, &out);
    if (rc != 0)
        fail_msg("seed-data failed (%d): %s", rc, out);
    /* stdout has the ids, one per line; stderr's summary may be mixed in */
    for (char *line = out; line != NULL && *line != '\0'; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        char id[37];
        snprintf(id, sizeof id, "%.36s", line);
        if (strlen(id) == 36 && id[8] == '-' && id[14] == '7') {
            free(out);
            return strdup(id);
        }
    }
    fail_msg("seed-data printed no id: %s", out);
    return NULL;
}

static void topics_list_reads_rows(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    char *user = seed(&b, "3", "60");
    it_server s;
    it_server_start(&s, &b, NULL);
    char path[160];
    snprintf(path, sizeof path, "/api/topics?user_id=%s", user);
    it_response r;
    it_http(&s, "GET", path, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    json_t *j = it_json(&r);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 50); /* default page of 50 out of 60 */
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 50);
    const char *prev = "";
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *t = json_array_get(items, i);
        assert_string_equal(json_string_value(json_object_get(t, "user_id")), user);
        const char *id = json_string_value(json_object_get(t, "id"));
        assert_true(strcmp(id, prev) > 0); /* ordered by id */
        prev = id;
        double m = json_number_value(json_object_get(t, "mastery"));
        assert_true(m >= 0.0 && m <= 1.0);
        /* ids are time-ordered, so the page lists topics in creation order */
        char want[32];
        snprintf(want, sizeof want, "Topic %zu of", i);
        const char *name = json_string_value(json_object_get(t, "name"));
        if (strncmp(name, want, strlen(want)) != 0)
            fail_msg("item %zu is \"%s\"", i, name);
    }
    json_decref(j);
    it_response_free(&r);

    snprintf(path, sizeof path, "/api/topics?user_id=%s&limit=5", user);
    it_http(&s, "GET", path, NULL, NULL, 0, &r);
    j = it_json(&r);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
    json_decref(j);
    it_response_free(&r);

    /* an unknown user has no topics */
    it_http(&s, "GET", "/api/topics?user_id=01900000-0000-7000-8000-000000000000", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    j = it_json(&r);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    it_response_free(&r);

    const char *bad[] = {"/api/topics", "/api/topics?user_id=42", "/api/topics?user_id=%27%20OR%201%3D1",
                         NULL};
    for (size_t i = 0; bad[i] != NULL; i++) {
        it_http(&s, "GET", bad[i], NULL, NULL, 0, &r);
        it_assert_error(&r, 400, "invalid_request");
        it_response_free(&r);
    }
    const char *limits[] = {"0", "201", "abc", "5x", NULL};
    for (size_t i = 0; limits[i] != NULL; i++) {
        snprintf(path, sizeof path, "/api/topics?user_id=%s&limit=%s", user, limits[i]);
        it_http(&s, "GET", path, NULL, NULL, 0, &r);
        it_assert_error(&r, 400, "invalid_request");
        it_response_free(&r);
    }
    assert_int_equal(it_server_stop(&s), 0);
    free(user);
    it_backend_teardown(&b);
}

static void topics_create_validates_and_stores(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    char *user = seed(&b, "1", "1");
    it_server s;
    it_server_start(&s, &b, NULL);
    const char *json[] = {"Content-Type: application/json", NULL};
    char body[256];
    snprintf(body, sizeof body, "{\"user_id\":\"%s\",\"name\":\"Photosynthèse ✓\",\"mastery\":0.25}", user);
    it_response r;
    it_http(&s, "POST", "/api/topics", json, body, strlen(body), &r);
    assert_int_equal(r.status, 201);
    json_t *j = it_json(&r);
    char *id = strdup(json_string_value(json_object_get(j, "id")));
    json_decref(j);
    it_response_free(&r);

    char path[160];
    snprintf(path, sizeof path, "/api/topics?user_id=%s", user);
    it_http(&s, "GET", path, NULL, NULL, 0, &r);
    j = it_json(&r);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *last = json_array_get(items, 1);
    assert_string_equal(json_string_value(json_object_get(last, "id")), id);
    assert_string_equal(json_string_value(json_object_get(last, "name")), "Photosynthèse ✓");
    assert_true(json_number_value(json_object_get(last, "mastery")) == 0.25);
    json_decref(j);
    it_response_free(&r);

    const char *invalid[] = {
        "{\"name\":\"x\"}",
        "{\"user_id\":\"nope\",\"name\":\"x\"}",
        NULL,
    };
    for (size_t i = 0; invalid[i] != NULL; i++) {
        it_http(&s, "POST", "/api/topics", json, invalid[i], strlen(invalid[i]), &r);
        it_assert_error(&r, 422, "validation_error");
        it_response_free(&r);
    }
    snprintf(body, sizeof body, "{\"user_id\":\"%s\",\"name\":\"\"}", user);
    it_http(&s, "POST", "/api/topics", json, body, strlen(body), &r);
    it_assert_error(&r, 422, "validation_error");
    it_response_free(&r);
    snprintf(body, sizeof body, "{\"user_id\":\"%s\",\"name\":\"x\",\"mastery\":1.5}", user);
    it_http(&s, "POST", "/api/topics", json, body, strlen(body), &r);
    it_assert_error(&r, 422, "validation_error");
    it_response_free(&r);
    const char *ghost = "{\"user_id\":\"01900000-0000-7000-8000-000000000000\",\"name\":\"x\"}";
    it_http(&s, "POST", "/api/topics", json, ghost, strlen(ghost), &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    /* nothing half-written: still exactly two topics */
    it_http(&s, "GET", path, NULL, NULL, 0, &r);
    j = it_json(&r);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
    json_decref(j);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    free(id);
    free(user);
    it_backend_teardown(&b);
}

/* Outside local the unauthenticated topics routes do not exist. */
static void topics_absent_outside_local(void **state)
{
    it_backend b;
    it_backend_setup(&b, false);
    const char *env[] = {"ENVIRONMENT=production", "SECRET_KEY=0123456789abcdef0123456789abcdef-x",
                         "FIRST_SUPERUSER=admin@example.org",
                         "FIRST_SUPERUSER_PASSWORD=another-long-secret-of-32-chars-min",
                         "CORS_ORIGINS=https://app.example.org", NULL};
    it_server s;
    it_server_start(&s, &b, env);
    it_response r;
    it_http(&s, "GET", "/api/topics?user_id=01900000-0000-7000-8000-000000000000", NULL, NULL, 0, &r);
    it_assert_error(&r, 404, "not_found");
    char v[128];
    assert_non_null(it_header(&r, "Strict-Transport-Security", v, sizeof v));
    it_response_free(&r);
    char *out = NULL;
    const char *argv[] = {"x", "seed-data", NULL};
    assert_int_equal(it_run(argv, &b, env, &out), 1);
    assert_non_null(strstr(out, "refused"));
    free(out);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(topics_list_reads_rows),
        IT_BOTH(topics_create_validates_and_stores),
        cmocka_unit_test(topics_absent_outside_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
