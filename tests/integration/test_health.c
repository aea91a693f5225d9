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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
