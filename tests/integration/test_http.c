/* The HTTP edge against the real binary: error shapes, 404/405/413/400/415,
 * CORS, security headers, request ids and the access log. */
#include "it_common.h"

#include <stdio.h>

static void http_unknown_route_is_json_404(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, NULL);
    it_response r;
    it_http(&s, "GET", "/nope", NULL, NULL, 0, &r);
    it_assert_error(&r, 404, "not_found");
    char v[256];
    assert_non_null(it_header(&r, "Content-Type", v, sizeof v));
    assert_non_null(strstr(v, "application/json"));
    it_response_free(&r);
    it_http(&s, "GET", "/health/", NULL, NULL, 0, &r); /* strict: no trailing-slash alias */
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void http_wrong_method_is_405_with_allow(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, NULL);
    it_response r;
    it_http(&s, "DELETE", "/health", NULL, NULL, 0, &r);
    it_assert_error(&r, 405, "method_not_allowed");
    char v[256];
    assert_non_null(it_header(&r, "Allow", v, sizeof v));
    assert_string_equal(v, "GET, HEAD, OPTIONS");
    it_response_free(&r);
    it_http(&s, "PUT", "/api/topics", NULL, NULL, 0, &r);
    it_assert_error(&r, 405, "method_not_allowed");
    assert_non_null(it_header(&r, "Allow", v, sizeof v));
    assert_string_equal(v, "GET, HEAD, POST, OPTIONS");
    it_response_free(&r);
    it_http(&s, "HEAD", "/health", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void http_body_limit_is_413(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    const char *env[] = {"MAX_BODY_KB=1", NULL};
    it_server_start(&s, &b, env);
    size_t n = 4096;
    char *big = malloc(n);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    const char *json[] = {"Content-Type: application/json", NULL};
    it_response r;
    it_http(&s, "POST", "/api/auth/login", json, big, n, &r);
    it_assert_error(&r, 413, "payload_too_large");
    it_response_free(&r);
    /* Just under the limit goes through to validation. */
    it_http(&s, "POST", "/api/auth/login", json, big, 1000, &r);
    assert_true(r.status == 400 || r.status == 422);
    it_response_free(&r);
    /* A chunked body that grows past the limit is cut off the same way. */
    const char *chunked[] = {"Content-Type: application/json", "Transfer-Encoding: chunked", NULL};
    it_http(&s, "POST", "/api/auth/login", chunked, big, n, &r);
    it_assert_error(&r, 413, "payload_too_large");
    it_response_free(&r);
    free(big);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void http_malformed_json_names_line_and_column(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, NULL);
    const char *json[] = {"Content-Type: application/json", NULL};
    const char *bad = "{\n  \"email\": \"x@example.org\",\n  \"password\": oops\n}";
    it_response r;
    it_http(&s, "POST", "/api/auth/login", json, bad, strlen(bad), &r);
    it_assert_error(&r, 400, "invalid_json");
    assert_non_null(strstr(r.body, "line 3"));
    assert_non_null(strstr(r.body, "column"));
    it_response_free(&r);
    it_http(&s, "POST", "/api/auth/login", json, "", 0, &r);
    it_assert_error(&r, 400, "invalid_json");
    it_response_free(&r);
    const char *text[] = {"Content-Type: text/plain", NULL};
    it_http(&s, "POST", "/api/auth/login", text, "{}", 2, &r);
    it_assert_error(&r, 415, "unsupported_media_type");
    it_response_free(&r);
    it_http(&s, "POST", "/api/auth/login", json, "[1,2]", 5, &r);
    it_assert_error(&r, 422, "validation_error");
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void http_security_headers_and_request_id(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, NULL);
    char v[512];
    it_response r;
    const char *rid[] = {"X-Request-Id: trace-abc_123.4", NULL};
    it_http(&s, "GET", "/health", rid, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    assert_non_null(it_header(&r, "X-Request-Id", v, sizeof v));
    assert_string_equal(v, "trace-abc_123.4");
    assert_non_null(it_header(&r, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    assert_non_null(it_header(&r, "X-Content-Type-Options", v, sizeof v));
    assert_string_equal(v, "nosniff");
    assert_non_null(it_header(&r, "Referrer-Policy", v, sizeof v));
    assert_null(it_header(&r, "Strict-Transport-Security", v, sizeof v)); /* local: plain HTTP */
    it_response_free(&r);
    /* A malformed id is replaced with a generated UUID, never echoed. */
    const char *bad[] = {"X-Request-Id: <script>", NULL};
    it_http(&s, "GET", "/nope", bad, NULL, 0, &r);
    assert_non_null(it_header(&r, "X-Request-Id", v, sizeof v));
    assert_int_equal(strlen(v), 36);
    assert_null(strstr(v, "<"));
    assert_non_null(it_header(&r, "X-Content-Type-Options", v, sizeof v)); /* on errors too */
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);

    /* One JSON access-log line per request with the fields operators read. */
    char *log = it_server_log(&s);
    const char *line = strstr(log, "trace-abc_123.4");
    assert_non_null(line);
    while (line > log && line[-1] != '\n')
        line--;
    json_error_t e;
    json_t *j = json_loadb(line, strcspn(line, "\n"), 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(j, "path")), "/health");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "bytes")), 15);
    assert_true(json_is_number(json_object_get(j, "duration_ms")));
    assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
    assert_non_null(json_object_get(j, "ts"));
    json_decref(j);
    free(log);
    it_backend_teardown(&b);
}

static void http_cors_preflight_and_simple(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    const char *env[] = {"CORS_ORIGINS=https://app.example.org,https://admin.example.org", NULL};
    it_server_start(&s, &b, env);
    char v[512];
    it_response r;
    const char *ok[] = {"Origin: https://app.example.org", "Access-Control-Request-Method: POST",
                        "Access-Control-Request-Headers: content-type, authorization", NULL};
    it_http(&s, "OPTIONS", "/api/topics", ok, NULL, 0, &r);
    assert_int_equal(r.status, 204);
    assert_non_null(it_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    assert_string_equal(v, "https://app.example.org");
    assert_non_null(it_header(&r, "Access-Control-Allow-Methods", v, sizeof v));
    assert_non_null(strstr(v, "POST"));
    assert_non_null(it_header(&r, "Access-Control-Allow-Headers", v, sizeof v));
    assert_non_null(strcasestr(v, "content-type"));
    assert_non_null(it_header(&r, "Vary", v, sizeof v));
    assert_non_null(strstr(v, "Origin"));
    it_response_free(&r);

    const char *evil[] = {"Origin: https://evil.example.org", "Access-Control-Request-Method: POST", NULL};
    it_http(&s, "OPTIONS", "/api/topics", evil, NULL, 0, &r);
    it_assert_error(&r, 403, "cors_forbidden");
    assert_null(it_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    it_response_free(&r);

    const char *simple[] = {"Origin: https://admin.example.org", NULL};
    it_http(&s, "GET", "/health", simple, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(it_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    assert_string_equal(v, "https://admin.example.org");
    it_response_free(&r);
    const char *other[] = {"Origin: https://evil.example.org", NULL};
    it_http(&s, "GET", "/health", other, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_null(it_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(http_unknown_route_is_json_404),
        IT_BOTH(http_wrong_method_is_405_with_allow),
        IT_BOTH(http_body_limit_is_413),
        IT_BOTH(http_malformed_json_names_line_and_column),
        IT_BOTH(http_security_headers_and_request_id),
        IT_BOTH(http_cors_preflight_and_simple),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
