/* Handler tests for src/api/jobs.c (GET /api/admin/jobs) through the real
 * route table in process: the jobs an operator sees, filtered by state and
 * queue, paged, each with the material its payload names; and that nobody
 * but an admin learns the route exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "jobs/queue.h"

static void enqueue(api_fx *t, const char *queue, const char *kind, const char *payload,
                    char id[JOB_ID_LEN + 1])
{
    job_spec s = {.queue = queue, .kind = kind, .payload = payload, .max_attempts = 3};
    em_error err = {0};
    if (queue_enqueue(api_fx_db(t), &s, id, &err) != EM_OK)
        fail_msg("enqueue: %s", err.msg);
}

/* Put job `id` in `status` with `error` as its last error, as the queue leaves it. */
static void set_state(api_fx *t, const char *id, const char *status, int attempts, const char *error)
{
    char n[16];
    snprintf(n, sizeof n, "%d", attempts);
    const char *p[] = {status, n, error, id};
    em_error err = {0};
    if (db_run(api_fx_db(t), "UPDATE jobs SET status = $1, attempts = $2, last_error = $3 WHERE id = $4", p,
               4, &err) < 0)
        fail_msg("update: %s", err.msg);
}

static json_t *find_job(json_t *items, const char *id)
{
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(jstr(json_array_get(items, i), "id"), id) == 0)
            return json_array_get(items, i);
    return NULL;
}

static void api_jobs_list_filters_and_pages(void **state)
{
    api_fx *t = api_fx_of(state);
    /* an upload enqueues its extraction, whose payload names the material */
    char mat[MATERIAL_ID_LEN + 1];
    upload_json(t, WHO_STUDENT, "{\"title\":\"Notes\",\"text\":\"Cells divide.\"}", mat);
    char a[JOB_ID_LEN + 1], b[JOB_ID_LEN + 1], c[JOB_ID_LEN + 1];
    enqueue(t, "mail", "send", "{\"to\":\"x\"}", a);
    enqueue(t, "mail", "send", NULL, b);
    enqueue(t, "reports", "build", NULL, c);
    set_state(t, a, "dead", 3, "smtp refused");
    set_state(t, b, "succeeded", 1, NULL);

    json_t *j = call_json(t, "GET", "/api/admin/jobs", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "total"), 4);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 4);
    /* newest first */
    assert_string_equal(jstr(json_array_get(items, 0), "id"), c);
    json_t *extraction = NULL;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *o = json_array_get(items, i);
        if (json_is_string(json_object_get(o, "material_id")))
            extraction = o;
    }
    assert_non_null(extraction);
    assert_string_equal(jstr(extraction, "material_id"), mat);
    assert_string_equal(jstr(extraction, "state"), "queued");
    json_t *dead = find_job(items, a);
    assert_non_null(dead);
    assert_string_equal(jstr(dead, "queue"), "mail");
    assert_string_equal(jstr(dead, "kind"), "send");
    assert_string_equal(jstr(dead, "state"), "dead");
    assert_int_equal(jint(dead, "attempts"), 3);
    assert_int_equal(jint(dead, "max_attempts"), 3);
    assert_string_equal(jstr(dead, "last_error"), "smtp refused");
    assert_true(json_is_null(json_object_get(dead, "material_id")));
    assert_true(strlen(jstr(dead, "created_at")) >= 20);
    assert_true(strlen(jstr(dead, "updated_at")) >= 20);
    assert_true(json_is_null(json_object_get(find_job(items, c), "last_error")));
    json_decref(j);

    /* by state: done is succeeded */
    j = call_json(t, "GET", "/api/admin/jobs?state=dead", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "total"), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "id"), a);
    json_decref(j);
    j = call_json(t, "GET", "/api/admin/jobs?state=done", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "total"), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "id"), b);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "state"), "succeeded");
    json_decref(j);
    j = call_json(t, "GET", "/api/admin/jobs?state=running", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "total"), 0);
    json_decref(j);
    /* by queue, and both */
    j = call_json(t, "GET", "/api/admin/jobs?queue=mail", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "total"), 2);
    json_decref(j);
    j = call_json(t, "GET", "/api/admin/jobs?queue=mail&state=queued", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "total"), 0);
    json_decref(j);
    /* pages: the total stays the count of all */
    j = call_json(t, "GET", "/api/admin/jobs?limit=2&offset=1", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "total"), 4);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "id"), b);
    json_decref(j);

    call_error(t, "GET", "/api/admin/jobs?state=lost", WHO_ADMIN, NULL, 400, "invalid_request");
    call_error(t, "GET", "/api/admin/jobs?queue=Bad%20Queue", WHO_ADMIN, NULL, 400, "invalid_request");
    call_error(t, "GET", "/api/admin/jobs?limit=0", WHO_ADMIN, NULL, 400, "invalid_request");
}

static void api_jobs_list_admin_only(void **state)
{
    api_fx *t = api_fx_of(state);
    call_error(t, "GET", "/api/admin/jobs", WHO_ANON, NULL, 401, "unauthorized");
    /* as if there were no such route */
    for (api_who w = WHO_STUDENT; w <= WHO_TUTOR; w++) {
        http_fake *f = call(t, "GET", "/api/admin/jobs", w, NULL);
        expect_error(f, 404, "not_found");
        assert_string_equal(error_message(f), "no route for GET /api/admin/jobs");
        http_fake_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_jobs_list_filters_and_pages),
        API_BOTH(api_jobs_list_admin_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
