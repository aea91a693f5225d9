/* Unit tests for src/http/pipeline.c through in-process fake requests: routing
 * answers (404, 405, OPTIONS), CORS, security headers, request ids, the
 * missing-response guard, and the access-log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "http/http.h"
#include "http/http_fake.h"
#include "http/http_int.h"
#include "http/router.h"

static void h_item(http_req *req, http_res *res)
{
    json_t *o = json_pack("{s:s,s:s}", "id", http_req_param(req, "id"), "app", (const char *)req->ctx);
    http_res_json(res, 200, o);
}

static void h_forgets(http_req *req, http_res *res)
{
    (void)req;
    (void)res;
}

static void h_page(http_req *req, http_res *res)
{
    (void)req;
    http_res_header(res, "Cache-Control", "public, max-age=60");
    http_res_body(res, 200, "text/html; charset=utf-8", "<p>hi</p>", 9);
}

typedef struct fixture {
    router *r;
    http_site site;
    const char *origins[1];
    int auth_calls;          /* times the authenticator ran */
    http_access last_access; /* what it was asked for */
} fixture;

/* A test authenticator: "Authorization: user" is a signed-in user, "admin"
 * an admin; anything else is 401, and a user on an admin route 404. */
static fixture *g_fx; /* the running test's fixture, for fake_auth's counters */

static bool fake_auth(void *ctx, http_req *req, http_res *res, http_access access, unsigned route_flags)
{
    (void)route_flags;
    fixture *fx = g_fx;
    assert_string_equal((const char *)ctx, "the-app"); /* the site's ctx */
    static const char user[] = "user", admin[] = "admin";
    fx->auth_calls++;
    fx->last_access = access;
    const char *who = http_req_header(req, "Authorization");
    if (who == NULL || (strcmp(who, user) != 0 && strcmp(who, admin) != 0)) {
        http_res_error(res, 401, "unauthorized", "authentication required");
        return false;
    }
    if (access == HTTP_ADMIN && strcmp(who, admin) != 0) {
        http_res_error(res, 404, "not_found", "no route");
        return false;
    }
    req->caller = strcmp(who, admin) == 0 ? admin : user;
    return true;
}

/* Reports where the body is, and echoes it as JSON. */
static void h_body(http_req *req, http_res *res)
{
    json_t *v = NULL;
    if (http_req_json(req, &v, res) != EM_OK)
        return;
    http_res_json(res, 200, json_pack("{s:b,s:o}", "spooled", req->body_fd >= 0, "echo", v));
}

static void h_file(http_req *req, http_res *res)
{
    (void)req;
    FILE *fp = tmpfile();
    fputs("file body", fp);
    fflush(fp);
    http_res_file(res, 200, "text/plain", dup(fileno(fp)), 9);
    fclose(fp);
}

static void h_whoami(http_req *req, http_res *res)
{
    http_res_json(res, 200, json_pack("{s:s}", "caller", req->caller != NULL ? (const char *)req->caller : "none"));
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->r = router_new();
    assert_int_equal(router_add(f->r, "GET", "/api/items/{id}", h_item), 0);
    assert_int_equal(router_add(f->r, "DELETE", "/api/items/{id}", h_item), 0);
    assert_int_equal(router_add(f->r, "GET", "/forgets", h_forgets), 0);
    assert_int_equal(router_add(f->r, "GET", "/page", h_page), 0);
    const http_route guarded[] = {
        {"GET", "/me", h_whoami, HTTP_SIGNED_IN, 0},
        {"POST", "/admin/thing", h_whoami, HTTP_ADMIN, 0},
        {"GET", "/open", h_whoami, HTTP_PUBLIC, 0},
        {"GET", "/file", h_file, HTTP_PUBLIC, 0},
    };
    assert_int_equal(router_add_table(f->r, guarded, 4), 0);
    const http_route bodies[] = {
        {"POST", "/upload", h_body, HTTP_PUBLIC, ROUTE_UPLOAD},
        {"POST", "/plain", h_body, HTTP_PUBLIC, 0},
    };
    assert_int_equal(router_add_table(f->r, bodies, 2), 0);
    f->origins[0] = "https://app.example";
    f->site = (http_site){.routes = f->r, .cors_origins = f->origins, .n_cors_origins = 1,
                          .authenticate = fake_auth, .ctx = (void *)"the-app"};
    g_fx = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    router_free(f->r);
    free(f);
    return 0;
}

static http_fake *run(fixture *fx, const char *method, const char *target, const char *const *headers)
{
    http_fake *f = http_fake_new(method, target, headers, NULL, 0);
    http_fake_run(f, &fx->site);
    return f;
}

static void assert_security_headers(const http_fake *f)
{
    assert_string_equal(http_fake_header(f, "Content-Security-Policy"),
                        "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'");
    assert_string_equal(http_fake_header(f, "X-Content-Type-Options"), "nosniff");
    assert_string_equal(http_fake_header(f, "Referrer-Policy"), "strict-origin-when-cross-origin");
    assert_string_equal(http_fake_header(f, "X-Frame-Options"), "DENY");
    assert_string_equal(http_fake_header(f, "Cross-Origin-Opener-Policy"), "same-origin");
    assert_non_null(http_fake_header(f, "X-Request-Id"));
}

static void test_pipeline_found_with_params_and_app(void **state)
{
    http_fake *f = run(*state, "GET", "/api/items/a%2Fb", NULL);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_body(f, NULL), "{\"id\":\"a/b\",\"app\":\"the-app\"}");
    assert_string_equal(http_fake_header(f, "Cache-Control"), "no-store");
    assert_security_headers(f);
    assert_null(http_fake_header(f, "Strict-Transport-Security")); /* local */
    assert_null(http_fake_header(f, "Vary"));
    assert_null(http_fake_header(f, "Access-Control-Allow-Origin"));
    http_fake_free(f);
}

static void test_pipeline_404(void **state)
{
    http_fake *f = run(*state, "GET", "/x", NULL);
    assert_int_equal(http_fake_status(f), 404);
    assert_string_equal(http_fake_body(f, NULL),
                        "{\"error\":{\"code\":\"not_found\",\"message\":\"no route for GET /x\"}}");
    assert_security_headers(f);
    assert_string_equal(http_fake_header(f, "Cache-Control"), "no-store");
    http_fake_free(f);
    /* Unknown method on an unknown path. */
    f = run(*state, "BREW", "/nope", NULL);
    assert_int_equal(http_fake_status(f), 404);
    http_fake_free(f);
    /* The path is echoed safely whatever its bytes. */
    f = run(*state, "GET", "/bad\xff\"", NULL);
    assert_int_equal(http_fake_status(f), 404);
    json_t *v = json_loads(http_fake_body(f, NULL), 0, NULL);
    assert_non_null(v);
    json_decref(v);
    http_fake_free(f);
}

static void test_pipeline_405(void **state)
{
    http_fake *f = run(*state, "POST", "/api/items/1", NULL);
    assert_int_equal(http_fake_status(f), 405);
    assert_string_equal(http_fake_header(f, "Allow"), "GET, HEAD, DELETE, OPTIONS");
    assert_string_equal(
        http_fake_body(f, NULL),
        "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"method POST not allowed for /api/items/1\"}}");
    http_fake_free(f);
    f = run(*state, "BREW", "/api/items/1", NULL);
    assert_int_equal(http_fake_status(f), 405);
    http_fake_free(f);
}

static void test_pipeline_head(void **state)
{
    http_fake *f = run(*state, "HEAD", "/api/items/7", NULL);
    assert_int_equal(http_fake_status(f), 200); /* the GET handler ran; the server drops the body */
    http_fake_free(f);
}

static void test_pipeline_options_without_preflight(void **state)
{
    http_fake *f = run(*state, "OPTIONS", "/api/items/7", NULL);
    assert_int_equal(http_fake_status(f), 204);
    assert_string_equal(http_fake_header(f, "Allow"), "GET, HEAD, DELETE, OPTIONS");
    size_t len;
    http_fake_body(f, &len);
    assert_int_equal(len, 0);
    http_fake_free(f);
    f = run(*state, "OPTIONS", "/unknown", NULL);
    assert_int_equal(http_fake_status(f), 404);
    http_fake_free(f);
}

static void test_pipeline_cors_preflight_allowed(void **state)
{
    const char *h[] = {"Origin", "https://app.example", "Access-Control-Request-Method", "PATCH", NULL};
    http_fake *f = run(*state, "OPTIONS", "/api/items/7", h);
    assert_int_equal(http_fake_status(f), 204);
    assert_string_equal(http_fake_header(f, "Access-Control-Allow-Origin"), "https://app.example");
    assert_string_equal(http_fake_header(f, "Access-Control-Allow-Credentials"), "true");
    assert_string_equal(http_fake_header(f, "Vary"), "Origin");
    assert_string_equal(http_fake_header(f, "Access-Control-Allow-Methods"),
                        "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    assert_string_equal(http_fake_header(f, "Access-Control-Allow-Headers"),
                        "Authorization, Content-Type, X-Request-Id, X-CSRF-Token");
    assert_string_equal(http_fake_header(f, "Access-Control-Max-Age"), "600");
    assert_security_headers(f);
    http_fake_free(f);
}

static void test_pipeline_cors_preflight_denied(void **state)
{
    const char *h[] = {"Origin", "https://evil.example", "Access-Control-Request-Method", "POST", NULL};
    http_fake *f = run(*state, "OPTIONS", "/api/items/7", h);
    assert_int_equal(http_fake_status(f), 403);
    assert_string_equal(http_fake_body(f, NULL),
                        "{\"error\":{\"code\":\"cors_forbidden\",\"message\":\"origin not allowed\"}}");
    assert_null(http_fake_header(f, "Access-Control-Allow-Origin"));
    assert_null(http_fake_header(f, "Access-Control-Allow-Credentials"));
    assert_string_equal(http_fake_header(f, "Vary"), "Origin");
    http_fake_free(f);
}

static void test_pipeline_cors_simple_requests(void **state)
{
    const char *ok[] = {"Origin", "https://app.example", NULL};
    http_fake *f = run(*state, "GET", "/api/items/1", ok);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_header(f, "Access-Control-Allow-Origin"), "https://app.example");
    assert_string_equal(http_fake_header(f, "Access-Control-Allow-Credentials"), "true");
    http_fake_free(f);
    /* Errors carry CORS too, so the browser can read them. */
    f = run(*state, "GET", "/nope", ok);
    assert_int_equal(http_fake_status(f), 404);
    assert_string_equal(http_fake_header(f, "Access-Control-Allow-Origin"), "https://app.example");
    http_fake_free(f);
    const char *bad[] = {"Origin", "https://app.example.evil", NULL};
    f = run(*state, "GET", "/api/items/1", bad);
    assert_int_equal(http_fake_status(f), 200);
    assert_null(http_fake_header(f, "Access-Control-Allow-Origin"));
    http_fake_free(f);
}

static void test_pipeline_cors_wildcard_echoes(void **state)
{
    fixture *fx = *state;
    fx->site.cors_any = true;
    const char *h[] = {"Origin", "http://localhost:5173", NULL};
    http_fake *f = run(fx, "GET", "/api/items/1", h);
    /* Never "*" with credentials: the origin is echoed. */
    assert_string_equal(http_fake_header(f, "Access-Control-Allow-Origin"), "http://localhost:5173");
    http_fake_free(f);
}

static void test_pipeline_hsts_outside_local(void **state)
{
    fixture *fx = *state;
    fx->site.hsts = true;
    http_fake *f = run(fx, "GET", "/api/items/1", NULL);
    assert_string_equal(http_fake_header(f, "Strict-Transport-Security"),
                        "max-age=63072000; includeSubDomains");
    http_fake_free(f);
    /* A bare site: no CORS origins, no HSTS. */
    http_site bare = {.routes = fx->r, .ctx = (void *)"x"};
    const char *h[] = {"Origin", "https://app.example", NULL};
    f = http_fake_new("GET", "/api/items/1", h, NULL, 0);
    http_fake_run(f, &bare);
    assert_int_equal(http_fake_status(f), 200);
    assert_null(http_fake_header(f, "Strict-Transport-Security"));
    assert_null(http_fake_header(f, "Access-Control-Allow-Origin"));
    http_fake_free(f);
}

/* The access column: the authenticator runs exactly for routes that are not
 * public, before the handler, and its refusal is the answer. */
static void test_pipeline_access_enforced(void **state)
{
    fixture *fx = *state;
    http_fake *f = run(fx, "GET", "/me", NULL);
    assert_int_equal(http_fake_status(f), 401);
    assert_int_equal(fx->auth_calls, 1);
    assert_int_equal(fx->last_access, HTTP_SIGNED_IN);
    http_fake_free(f);

    const char *user[] = {"Authorization", "user", NULL};
    const char *admin[] = {"Authorization", "admin", NULL};
    f = run(fx, "GET", "/me", user);
    assert_int_equal(http_fake_status(f), 200);
    assert_non_null(strstr(http_fake_body(f, NULL), "\"caller\":\"user\""));
    http_fake_free(f);
    f = run(fx, "POST", "/admin/thing", user);
    assert_int_equal(http_fake_status(f), 404);
    assert_int_equal(fx->last_access, HTTP_ADMIN);
    http_fake_free(f);
    f = run(fx, "POST", "/admin/thing", admin);
    assert_int_equal(http_fake_status(f), 200);
    assert_non_null(strstr(http_fake_body(f, NULL), "\"caller\":\"admin\""));
    http_fake_free(f);

    /* Public routes never ask, and see no caller even when credentials came. */
    int before = fx->auth_calls;
    f = run(fx, "GET", "/open", admin);
    assert_int_equal(http_fake_status(f), 200);
    assert_non_null(strstr(http_fake_body(f, NULL), "\"caller\":\"none\""));
    assert_int_equal(fx->auth_calls, before);
    http_fake_free(f);
    /* 404 and 405 come before any authentication. */
    f = run(fx, "DELETE", "/me", NULL);
    assert_int_equal(http_fake_status(f), 405);
    assert_int_equal(fx->auth_calls, before);
    http_fake_free(f);

    /* A guarded route on a site without an authenticator fails closed. */
    fx->site.authenticate = NULL;
    f = run(fx, "GET", "/me", admin);
    assert_int_equal(http_fake_status(f), 500);
    http_fake_free(f);
}

/* A fake request reads a file body as a client would receive it. */
static void test_pipeline_file_body(void **state)
{
    http_fake *f = run(*state, "GET", "/file", NULL);
    assert_int_equal(http_fake_status(f), 200);
    size_t n = 0;
    assert_string_equal(http_fake_body(f, &n), "file body");
    assert_int_equal(n, 9);
    assert_string_equal(http_fake_header(f, "Content-Type"), "text/plain");
    http_fake_free(f);
}

static void test_pipeline_cache_control(void **state)
{
    http_fake *f = run(*state, "GET", "/page", NULL);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_header(f, "Cache-Control"), "public, max-age=60");
    assert_string_equal(http_fake_header(f, "Content-Type"), "text/html; charset=utf-8");
    http_fake_free(f);
}

static void test_pipeline_request_id(void **state)
{
    const char *good[] = {"X-Request-Id", "abc-123_DEF.9", NULL};
    http_fake *f = run(*state, "GET", "/api/items/1", good);
    assert_string_equal(http_fake_header(f, "X-Request-Id"), "abc-123_DEF.9");
    http_fake_free(f);

    char longest[HTTP_REQUEST_ID_MAX + 2];
    memset(longest, 'a', HTTP_REQUEST_ID_MAX);
    longest[HTTP_REQUEST_ID_MAX] = '\0';
    const char *edge[] = {"X-Request-Id", longest, NULL};
    f = run(*state, "GET", "/api/items/1", edge);
    assert_string_equal(http_fake_header(f, "X-Request-Id"), longest);
    http_fake_free(f);

    longest[HTTP_REQUEST_ID_MAX] = 'a';
    longest[HTTP_REQUEST_ID_MAX + 1] = '\0';
    static const char *bad_ids[] = {"", "has space", "semi;colon", "\xc3\xa9", "a/b", NULL};
    bad_ids[5] = longest;
    for (size_t i = 0; i < 6; i++) {
        const char *h[] = {"X-Request-Id", bad_ids[i], NULL};
        f = run(*state, "GET", "/api/items/1", h);
        const char *id = http_fake_header(f, "X-Request-Id");
        assert_true(id_is_uuid(id));
        http_fake_free(f);
    }
    f = run(*state, "GET", "/api/items/1", NULL);
    assert_true(id_is_uuid(http_fake_header(f, "X-Request-Id")));
    assert_string_equal(http_fake_req(f)->request_id, http_fake_header(f, "X-Request-Id"));
    http_fake_free(f);
}

static void test_pipeline_handler_without_response(void **state)
{
    http_fake *f = run(*state, "GET", "/forgets", NULL);
    assert_int_equal(http_fake_status(f), 500);
    assert_string_equal(http_fake_body(f, NULL),
                        "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}");
    http_fake_free(f);
}

/* Capture one access-log line through a pipe and parse it back. */
static json_t *access_line(const char *method, const char *path, int status, uint64_t bytes,
                           int64_t us, const char *rid)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    log_configure(LOG_INFO, fds[1]);
    http__access_log(method, path, status, bytes, us, rid);
    log_configure(LOG_ERROR, 1);
    close(fds[1]);
    char line[8192];
    ssize_t n = read(fds[0], line, sizeof line - 1);
    close(fds[0]);
    assert_true(n > 0);
    line[n] = '\0';
    assert_int_equal(line[n - 1], '\n');
    assert_non_null(strstr(line, "\"msg\":\"request\""));
    json_error_t jerr;
    json_t *v = json_loads(line, 0, &jerr);
    assert_non_null(v);
    return v;
}

static void test_pipeline_access_log_line(void **state)
{
    (void)state;
    json_t *v = access_line("GET", "/a\xff\xfe\"\n/b", 404, 61, 1234, "rid-1");
    assert_string_equal(json_string_value(json_object_get(v, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(v, "msg")), "request");
    assert_non_null(json_object_get(v, "ts"));
    assert_string_equal(json_string_value(json_object_get(v, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(v, "path")),
                        "/a\xef\xbf\xbd\xef\xbf\xbd\"\n/b");
    assert_int_equal(json_integer_value(json_object_get(v, "status")), 404);
    assert_int_equal(json_integer_value(json_object_get(v, "bytes")), 61);
    assert_true(json_is_number(json_object_get(v, "duration_ms")));
    assert_true(json_number_value(json_object_get(v, "duration_ms")) > 1.233 &&
                json_number_value(json_object_get(v, "duration_ms")) < 1.235);
    assert_string_equal(json_string_value(json_object_get(v, "request_id")), "rid-1");
    json_decref(v);

    /* A huge path is cut but the line stays whole. */
    char *big = malloc(20000);
    memset(big, 'p', 19999);
    big[19999] = '\0';
    v = access_line("POST", big, 200, 0, 0, "r");
    assert_int_equal(json_integer_value(json_object_get(v, "status")), 200);
    assert_string_equal(json_string_value(json_object_get(v, "request_id")), "r");
    json_decref(v);
    free(big);
}

static void test_pipeline_access_format(void **state)
{
    (void)state;
    char line[HTTP_ACCESS_LINE_MAX];
    size_t n = http__access_format(line, sizeof line, "2026-01-02T03:04:05.678Z", "GET", "/a\xff\"",
                                   404, 61, 1234, "r1");
    assert_int_equal(n, strlen(line));
    assert_string_equal(line, "{\"ts\":\"2026-01-02T03:04:05.678Z\",\"level\":\"info\",\"msg\":\"request\","
                              "\"method\":\"GET\",\"path\":\"/a\xef\xbf\xbd\\\"\",\"status\":404,"
                              "\"bytes\":61,\"duration_ms\":1.234,\"request_id\":\"r1\"}");
    http__access_format(line, sizeof line, "t", "GET", "/", 200, 0, 5, "r");
    assert_non_null(strstr(line, "\"duration_ms\":0.005,"));
    http__access_format(line, sizeof line, "t", "GET", "/", 200, 0, -3, "r");
    assert_non_null(strstr(line, "\"duration_ms\":0.000,"));

    /* Any path, however long or strange, leaves a whole, valid line. */
    char *big = malloc(20000);
    for (int i = 0; i < 19999; i++)
        big[i] = (char)(i % 255 + 1);
    big[19999] = '\0';
    n = http__access_format(line, sizeof line, "t", "M\x01\xff", big, 599, (uint64_t)INT64_MAX, INT64_MAX, "r");
    assert_true(n < sizeof line);
    json_t *v = json_loads(line, 0, NULL);
    assert_non_null(v);
    assert_int_equal(json_integer_value(json_object_get(v, "status")), 599);
    assert_string_equal(json_string_value(json_object_get(v, "request_id")), "r");
    json_decref(v);
    free(big);
}

/* As the server does, a fake request to a ROUTE_UPLOAD route has its body
 * spooled (body_fd, body ""), and http_req_json still reads it; other routes
 * keep it in memory. */
static void test_pipeline_upload_bodies_spooled(void **state)
{
    fixture *fx = *state;
    static const char *const json[] = {"Content-Type", "application/json", NULL};
    const char body[] = "{\"a\":[1,2]}";
    http_fake *f = http_fake_new("POST", "/upload", json, body, sizeof body - 1);
    http_fake_run(f, &fx->site);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_body(f, NULL), "{\"spooled\":true,\"echo\":{\"a\":[1,2]}}");
    http_req *req = http_fake_req(f);
    assert_true(req->body_fd >= 0);
    assert_int_equal(req->body_len, sizeof body - 1);
    char back[sizeof body];
    assert_int_equal(http_req_body_read(req, 0, back, sizeof body - 1), EM_OK);
    assert_memory_equal(back, body, sizeof body - 1);
    http_fake_free(f);

    f = http_fake_new("POST", "/plain", json, body, sizeof body - 1);
    http_fake_run(f, &fx->site);
    assert_string_equal(http_fake_body(f, NULL), "{\"spooled\":false,\"echo\":{\"a\":[1,2]}}");
    assert_int_equal(http_fake_req(f)->body_fd, -1);
    http_fake_free(f);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_pipeline_found_with_params_and_app),
        T(test_pipeline_404),
        T(test_pipeline_405),
        T(test_pipeline_head),
        T(test_pipeline_options_without_preflight),
        T(test_pipeline_cors_preflight_allowed),
        T(test_pipeline_cors_preflight_denied),
        T(test_pipeline_cors_simple_requests),
        T(test_pipeline_cors_wildcard_echoes),
        T(test_pipeline_hsts_outside_local),
        T(test_pipeline_cache_control),
        T(test_pipeline_request_id),
        T(test_pipeline_handler_without_response),
        T(test_pipeline_access_enforced),
        T(test_pipeline_file_body),
        T(test_pipeline_upload_bodies_spooled),
        cmocka_unit_test(test_pipeline_access_log_line),
        cmocka_unit_test(test_pipeline_access_format),
    };
#undef T
    log_configure(LOG_ERROR, 1);
    return cmocka_run_group_tests_name("http_pipeline", tests, NULL, NULL);
}
