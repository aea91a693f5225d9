/* Health endpoints from the seeds, and 503 when the database is lost. */
#include "it_common.h"

#include <stdio.h>
#include <unistd.h>

static void health_endpoints_answer(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, NULL);
    it_response r;
    it_http(&s, "GET", "/health", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    it_response_free(&r);
    it_http(&s, "GET", "/api/v1/utils/health-check", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "true");
    it_response_free(&r);
    it_http(&s, "GET", "/api/health/database", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    json_t *j = it_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(j, "backend")), IT_PG(state) ? "postgresql" : "sqlite");
    /* serve applied every migration at start */
    assert_true(json_integer_value(json_object_get(j, "schema_version")) >= 3);
    assert_int_equal(json_integer_value(json_object_get(j, "schema_version")),
                     json_integer_value(json_object_get(j, "latest_version")));
    json_decref(j);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

/* The tests' Redis, or NULL with the case skipped (a failure under
 * EM_REQUIRE_REDIS=1). */
static const char *test_redis_url(void)
{
    const char *url = getenv("EM_TEST_REDIS_URL");
    if (url != NULL && url[0] != '\0')
        return url;
    const char *req = getenv("EM_REQUIRE_REDIS");
    if (req != NULL && strcmp(req, "1") == 0)
        fail_msg("EM_REQUIRE_REDIS=1 but EM_TEST_REDIS_URL is not set");
    return NULL;
}

static void get_redis_health(const it_server *s, long status, const char *want)
{
    it_response r;
    it_http(s, "GET", "/api/health/redis", NULL, NULL, 0, &r);
    if (r.status != status)
        fail_msg("/api/health/redis: %ld %s", r.status, r.body);
    if (status == 200) {
        json_t *j = it_json(&r);
        assert_string_equal(json_string_value(json_object_get(j, "status")), want);
        json_decref(j);
    } else {
        it_assert_error(&r, status, want);
    }
    it_response_free(&r);
}

/* GET /api/health/redis (the seeds' name): not configured without REDIS_URL,
 * ok when Redis answers, 503 when nothing answers at REDIS_URL (the server
 * itself runs on: its limits fall back to the process). */
static void health_redis(void **state)
{
    (void)state;
    const char *url = test_redis_url();
    if (url == NULL) {
        skip();
        return;
    }
    it_backend b;
    it_backend_setup(&b, false);
    it_server s;
    it_server_start(&s, &b, NULL);
    get_redis_health(&s, 200, "not_configured");
    assert_int_equal(it_server_stop(&s), 0);
    char with[600];
    snprintf(with, sizeof with, "REDIS_URL=%s", url);
    const char *env_ok[] = {with, NULL};
    it_server_start(&s, &b, env_ok);
    get_redis_health(&s, 200, "ok");
    assert_int_equal(it_server_stop(&s), 0);
    const char *env_gone[] = {"REDIS_URL=redis://127.0.0.1:1/0", NULL};
    it_server_start(&s, &b, env_gone);
    get_redis_health(&s, 503, "redis_unavailable");
    it_response r;
    it_http(&s, "GET", "/health", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

/* Two servers on one database behind a load balancer, sharing Redis: a
 * guesser gets AUTH_RATE_LIMIT attempts in all, not that many per server. */
static void health_redis_shares_login_limits(void **state)
{
    (void)state;
    const char *url = test_redis_url();
    if (url == NULL) {
        skip();
        return;
    }
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    char with[600];
    snprintf(with, sizeof with, "REDIS_URL=%s", url);
    const char *env[] = {IT_FAST_HASH, "AUTH_RATE_LIMIT=3/60", "TRUST_PROXY=true", with, NULL};
    it_server one, two;
    it_server_start(&one, &b, env);
    it_server_start(&two, &b, env);
    char email[80], body[200];
    /* an address and an account of this case alone: Redis outlives the case */
    unsigned tag = (unsigned)getpid() * 2u + (IT_PG(state) ? 1u : 0u);
    snprintf(email, sizeof email, "victim-%u@example.org", tag);
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"guess number one\"}", email);
    char xff[64];
    snprintf(xff, sizeof xff, "X-Forwarded-For: 10.%u.%u.%u", (tag >> 16) & 255u, (tag >> 8) & 255u,
             tag & 255u);
    const char *h[] = {"Content-Type: application/json", xff, NULL};
    const it_server *order[] = {&one, &two, &one, &two};
    for (int i = 0; i < 4; i++) {
        it_response r;
        it_http(order[i], "POST", "/api/auth/login", h, body, strlen(body), &r);
        it_assert_error(&r, i < 3 ? 401 : 429, i < 3 ? "invalid_credentials" : "rate_limited");
        it_response_free(&r);
    }
    assert_int_equal(it_server_stop(&one), 0);
    assert_int_equal(it_server_stop(&two), 0);
    it_backend_teardown(&b);
}

/* SQLite: the database file disappears under the running server. */
static void health_database_lost_sqlite(void **state)
{
    it_backend b;
    it_backend_setup(&b, false);
    it_server s;
    it_server_start(&s, &b, NULL);
    it_response r;
    it_http(&s, "GET", "/api/health/database", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    it_response_free(&r);
    char path[300];
    snprintf(path, sizeof path, "%s/exammentor.db", b.dir);
    assert_int_equal(unlink(path), 0);
    it_http(&s, "GET", "/api/health/database", NULL, NULL, 0, &r);
    it_assert_error(&r, 503, "database_unavailable");
    it_response_free(&r);
    /* liveness is not readiness: /health still answers */
    it_http(&s, "GET", "/health", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

/* PostgreSQL: connections to the database are cut and refused, then allowed
 * again; the server answers 503 meanwhile and recovers by itself. */
static void health_database_lost_postgresql(void **state)
{
    it_backend b;
    it_backend_setup(&b, true);
    it_server s;
    it_server_start(&s, &b, NULL);
    it_response r;
    for (int i = 0; i < 4; i++) { /* touch every pool thread's connection */
        it_http(&s, "GET", "/api/health/database", NULL, NULL, 0, &r);
        assert_int_equal(r.status, 200);
        it_response_free(&r);
    }
    char sql[256];
    snprintf(sql, sizeof sql,
             "ALTER DATABASE %s ALLOW_CONNECTIONS false; "
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'",
             b.pg_db, b.pg_db);
    it_backend_sql(&b, true, sql);
    for (int i = 0; i < 4; i++) {
        it_http(&s, "GET", "/api/health/database", NULL, NULL, 0, &r);
        it_assert_error(&r, 503, "database_unavailable");
        it_response_free(&r);
    }
    snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS true", b.pg_db);
    it_backend_sql(&b, true, sql);
    for (int i = 0; i < 4; i++) {
        it_http(&s, "GET", "/api/health/database", NULL, NULL, 0, &r);
        assert_int_equal(r.status, 200);
        it_response_free(&r);
    }
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

/* serve refuses to start when the database cannot be reached at all. */
static void health_unreachable_database_at_start(void **state)
{
    it_backend b;
    it_backend_setup(&b, false);
    const char *env[] = {"DATABASE_URL=postgres://nobody@127.0.0.1:1/none?connect_timeout=2", NULL};
    char *out = NULL;
    assert_int_equal(it_server_run_to_exit(&b, env, &out), 1);
    assert_non_null(strstr(out, "database"));
    assert_null(strstr(out, "listening"));
    free(out);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(health_endpoints_answer),
        cmocka_unit_test(health_database_lost_sqlite),
        cmocka_unit_test(health_database_lost_postgresql),
        cmocka_unit_test(health_unreachable_database_at_start),
        cmocka_unit_test(health_redis),
        IT_BOTH(health_redis_shares_login_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
