/* Handler tests for src/api/health.c through the real route table in process:
 * liveness (/health), the template's /api/v1/utils/health-check, and the
 * readiness check that runs a real query (its version fields, and 503 when the
 * database cannot be reached). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"

static void api_health_liveness(void **state)
{
    api_fx *t = api_fx_of(state);
    http_fake *f = call(t, "GET", "/health", WHO_ANON, NULL);
    expect_status(f, 200);
    assert_string_equal(http_fake_body(f, NULL), "{\"status\":\"ok\"}");
    assert_string_equal(http_fake_header(f, "Content-Type"), "application/json");
    assert_string_equal(http_fake_header(f, "Cache-Control"), "no-store");
    assert_non_null(http_fake_header(f, "X-Request-Id"));
    assert_null(http_fake_header(f, "Strict-Transport-Security")); /* local */
    http_fake_free(f);
    /* HEAD answers like GET; other methods are 405 with Allow. */
    f = call(t, "HEAD", "/health", WHO_ANON, NULL);
    expect_status(f, 200);
    http_fake_free(f);
    f = call(t, "POST", "/health", WHO_ANON, "{}");
    expect_error(f, 405, "method_not_allowed");
    assert_string_equal(http_fake_header(f, "Allow"), "GET, HEAD, OPTIONS");
    http_fake_free(f);
    /* A credential changes nothing on a public route, even a bad one. */
    const char *h[] = {"Authorization", "Bearer not-a-token", NULL};
    f = call_raw(t, "GET", "/health", h, NULL, 0);
    expect_status(f, 200);
    http_fake_free(f);
}

static void api_health_check_template(void **state)
{
    api_fx *t = api_fx_of(state);
    http_fake *f = call(t, "GET", "/api/v1/utils/health-check", WHO_STUDENT, NULL);
    expect_status(f, 200);
    assert_string_equal(http_fake_body(f, NULL), "true");
    assert_string_equal(http_fake_header(f, "Content-Type"), "application/json");
    http_fake_free(f);
    /* The request id a client sends comes back. */
    const char *h[] = {"X-Request-Id", "probe-42", NULL};
    f = call_raw(t, "GET", "/api/v1/utils/health-check", h, NULL, 0);
    assert_string_equal(http_fake_header(f, "X-Request-Id"), "probe-42");
    http_fake_free(f);
}

static void api_health_database_ready(void **state)
{
    api_fx *t = api_fx_of(state);
    bool sqlite = t->db->kind == DB_SQLITE;
    int latest = migrate_latest(t->db->kind);
    json_t *j = call_json(t, "GET", "/api/health/database", WHO_ANON, NULL, 200);
    assert_string_equal(jstr(j, "status"), "ok");
    assert_string_equal(jstr(j, "backend"), sqlite ? "sqlite" : "postgresql");
    assert_int_equal(jint(j, "schema_version"), latest);
    assert_int_equal(jint(j, "latest_version"), latest);
    assert_true(json_is_number(json_object_get(j, "latency_ms")));
    assert_true(json_number_value(json_object_get(j, "latency_ms")) >= 0.0);
    assert_int_equal(json_object_size(j), 5);
    json_decref(j);

    /* A schema behind the binary is reported as it is. */
    em_error err = {0};
    int reverted = 0;
    assert_int_equal(migrate_down(api_fx_db(t), 1, &reverted, &err), EM_OK);
    assert_int_equal(reverted, 1);
    j = call_json(t, "GET", "/api/health/database", WHO_ANON, NULL, 200);
    assert_int_equal(jint(j, "schema_version"), latest - 1);
    assert_int_equal(jint(j, "latest_version"), latest);
    json_decref(j);
}

/* A database that cannot be opened: readiness is 503 database_unavailable,
 * liveness still 200. */
static void api_health_database_unavailable(void **state)
{
    api_fx *t = api_fx_of(state);
    char url[128];
    snprintf(url, sizeof url, "sqlite://%s/gone/exammentor.db", t->dir);
    db_options o = {.timeout_ms = 100};
    em_error err = {0};
    dbpool *lost = NULL;
    assert_int_equal(dbpool_new(url, &o, &lost, &err), EM_OK);
    api_ctx ctx = t->ctx;
    ctx.db = lost;
    http_site site = t->site;
    site.ctx = &ctx;
    http_fake *f = http_fake_new("GET", "/api/health/database", NULL, NULL, 0);
    http_fake_run(f, &site);
    expect_error(f, 503, "database_unavailable");
    http_fake_free(f);
    f = http_fake_new("GET", "/health", NULL, NULL, 0);
    http_fake_run(f, &site);
    expect_status(f, 200);
    http_fake_free(f);
    dbpool_free(lost);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_health_liveness),
        API_BOTH(api_health_check_template),
        API_BOTH(api_health_database_ready),
        API_BOTH(api_health_database_unavailable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
