/* Unit tests for src/http/request.c and response.c with in-process fake
 * requests: http_req_json, error bodies, http_status_for, queries, headers,
 * and the JSON/UTF-8 text helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/jsonw.h"
#include "http/http.h"
#include "http/http_fake.h"
#include "http/http_int.h"

static const char *const JSON_HEADERS[] = {"Content-Type", "application/json", NULL};

/* Parse an error body and check it is exactly {"error":{"code","message"}}. */
static void assert_error_body(http_fake *f, int status, const char *code, const char *message)
{
    assert_int_equal(http_fake_status(f), status);
    assert_string_equal(http_fake_header(f, "Content-Type"), "application/json");
    size_t len;
    const char *body = http_fake_body(f, &len);
    json_error_t jerr;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(v);
    assert_int_equal(json_object_size(v), 1);
    json_t *e = json_object_get(v, "error");
    assert_true(json_is_object(e));
    assert_int_equal(json_object_size(e), 2);
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    if (message != NULL)
        assert_string_equal(json_string_value(json_object_get(e, "message")), message);
    else
        assert_true(json_is_string(json_object_get(e, "message")));
    json_decref(v);
}

static int parse(http_fake *f, json_t **out)
{
    return http_req_json(http_fake_req(f), out, http_fake_res(f));
}

static void test_http_json_valid(void **state)
{
    (void)state;
    const char body[] = "{\"name\":\"Ada\",\"tags\":[1,2,3],\"nested\":{\"ok\":true}}";
    http_fake *f = http_fake_new("POST", "/x", JSON_HEADERS, body, sizeof body - 1);
    json_t *v = NULL;
    assert_int_equal(parse(f, &v), EM_OK);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "name")), "Ada");
    assert_int_equal(json_array_size(json_object_get(v, "tags")), 3);
    assert_int_equal(http_fake_status(f), 0); /* no response set on success */
    json_decref(v);
    http_fake_free(f);
}

static void test_http_json_content_type_variants(void **state)
{
    (void)state;
    static const char *const ok[] = {"application/json", "application/json; charset=utf-8",
                                     "Application/JSON;charset=UTF-8", " application/json ; x=y"};
    static const char *const bad[] = {"text/plain", "application/jsonx", "application/json-patch+json",
                                      "application/x-www-form-urlencoded", ""};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *h[] = {"content-type", ok[i], NULL};
        http_fake *f = http_fake_new("POST", "/x", h, "{}", 2);
        json_t *v = NULL;
        assert_int_equal(parse(f, &v), EM_OK);
        json_decref(v);
        http_fake_free(f);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *h[] = {"Content-Type", bad[i], NULL};
        http_fake *f = http_fake_new("POST", "/x", h, "{}", 2);
        json_t *v = NULL;
        assert_int_equal(parse(f, &v), EM_E_PARSE);
        assert_null(v);
        assert_error_body(f, 415, "unsupported_media_type", "request body must be application/json");
        http_fake_free(f);
    }
}

static void test_http_json_missing_content_type(void **state)
{
    (void)state;
    http_fake *f = http_fake_new("POST", "/x", NULL, "{}", 2);
    json_t *v = NULL;
    assert_int_equal(parse(f, &v), EM_E_PARSE);
    assert_error_body(f, 415, "unsupported_media_type", NULL);
    http_fake_free(f);
}

static void test_http_json_empty_body(void **state)
{
    (void)state;
    http_fake *f = http_fake_new("POST", "/x", JSON_HEADERS, NULL, 0);
    json_t *v = NULL;
    assert_int_equal(parse(f, &v), EM_E_PARSE);
    assert_null(v);
    assert_error_body(f, 400, "invalid_json", "request body is empty");
    /* The exact bytes, to pin the shape and key order. */
    assert_string_equal(http_fake_body(f, NULL),
                        "{\"error\":{\"code\":\"invalid_json\",\"message\":\"request body is empty\"}}");
    http_fake_free(f);
}

static void test_http_json_malformed_line_column(void **state)
{
    (void)state;
    const char body[] = "{\n  \"a\": 1,\n  \"b\": tru\n}";
    http_fake *f = http_fake_new("POST", "/x", JSON_HEADERS, body, sizeof body - 1);
    json_t *v = NULL;
    assert_int_equal(parse(f, &v), EM_E_PARSE);
    assert_null(v);
    assert_error_body(f, 400, "invalid_json",
                      "malformed JSON at line 3, column 10: invalid token near 'tru'");
    http_fake_free(f);

    /* Columns count characters, not bytes. */
    const char utf[] = "{\"\xc3\xa9\xc3\xa9\": x}";
    f = http_fake_new("POST", "/x", JSON_HEADERS, utf, sizeof utf - 1);
    assert_int_equal(parse(f, &v), EM_E_PARSE);
    assert_error_body(f, 400, "invalid_json", "malformed JSON at line 1, column 8: invalid token near 'x'");
    http_fake_free(f);

    const char trunc[] = "[1,2";
    f = http_fake_new("POST", "/x", JSON_HEADERS, trunc, sizeof trunc - 1);
    assert_int_equal(parse(f, &v), EM_E_PARSE);
    assert_error_body(f, 400, "invalid_json",
                      "malformed JSON at line 1, column 4: ']' expected near end of file");
    http_fake_free(f);
}

static void test_http_json_rejects_duplicates_and_junk(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "{\"a\":1,\"a\":2}", "{\"a\":1} x", "   ", "\"just a string\"", "{\"a\":\"\xff\"}",
        "{\"a\":\"\\u0000\"}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        http_fake *f = http_fake_new("POST", "/x", JSON_HEADERS, bodies[i], strlen(bodies[i]));
        json_t *v = NULL;
        assert_int_equal(parse(f, &v), EM_E_PARSE);
        assert_null(v);
        assert_error_body(f, 400, "invalid_json", NULL);
        http_fake_free(f);
    }
    /* Raw bytes after a NUL in the body are still seen (body_len, not strlen). */
    const char nul[] = "{\"a\":1}\0{";
    http_fake *f = http_fake_new("POST", "/x", JSON_HEADERS, nul, sizeof nul - 1);
    json_t *v = NULL;
    assert_int_equal(parse(f, &v), EM_E_PARSE);
    http_fake_free(f);
}

static void test_http_json_deep_nesting(void **state)
{
    (void)state;
    /* jansson caps the depth; the parse fails cleanly instead of overflowing. */
    size_t n = 100000;
    char *body = malloc(n);
    memset(body, '[', n);
    http_fake *f = http_fake_new("POST", "/x", JSON_HEADERS, body, n);
    json_t *v = NULL;
    assert_int_equal(parse(f, &v), EM_E_PARSE);
    assert_error_body(f, 400, "invalid_json", NULL);
    http_fake_free(f);
    free(body);
}

static void test_http_error_body_escaping(void **state)
{
    (void)state;
    http_fake *f = http_fake_new("GET", "/x", NULL, NULL, 0);
    http_res_error(http_fake_res(f), 404, "not_found", "no route for GET %s", "/\"q\"\\\n\x01\xff\xc3");
    assert_error_body(f, 404, "not_found",
                      "no route for GET /\"q\"\\\n\x01\xef\xbf\xbd\xef\xbf\xbd");
    /* A very long message is cut, and stays valid JSON. */
    char big[4000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    http_res_error(http_fake_res(f), 400, "invalid_request", "%s", big);
    assert_error_body(f, 400, "invalid_request", NULL);
    http_fake_free(f);
}

static void test_http_res_json_and_body(void **state)
{
    (void)state;
    http_fake *f = http_fake_new("GET", "/x", NULL, NULL, 0);
    http_res *res = http_fake_res(f);
    http_res_json(res, 201, json_pack("{s:s,s:i}", "id", "abc", "n", 3));
    assert_int_equal(http_res_status(res), 201);
    assert_string_equal(http_fake_body(f, NULL), "{\"id\":\"abc\",\"n\":3}");
    assert_string_equal(http_fake_header(f, "content-type"), "application/json");

    /* NULL body (a failed json_pack) becomes a 500. */
    http_res_json(res, 200, NULL);
    assert_error_body(f, 500, "internal", NULL);

    const char raw[] = "a\0b";
    size_t len;
    http_res_body(res, 200, "application/octet-stream", raw, 3);
    const char *b = http_fake_body(f, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(b, raw, 3);
    assert_string_equal(http_fake_header(f, "Content-Type"), "application/octet-stream");

    http_res_header(res, "X-Thing", "1");
    http_res_header(res, "Content-Type", "text/plain; charset=utf-8");
    http_res_header(res, "X-Bad", "a\r\nSet-Cookie: x=1"); /* refused */
    http_res_header(res, "Bad Name", "v");                  /* refused */
    assert_string_equal(http_fake_header(f, "x-thing"), "1");
    assert_string_equal(http_fake_header(f, "Content-Type"), "text/plain; charset=utf-8");
    assert_null(http_fake_header(f, "X-Bad"));
    assert_null(http_fake_header(f, "Set-Cookie"));
    assert_null(http_fake_header(f, "Bad Name"));
    http_fake_free(f);
}

static void test_http_status_for(void **state)
{
    (void)state;
    static const struct { int rc; int status; const char *code; } map[] = {
        {EM_E_INVAL, 400, "invalid_request"},
        {EM_E_PARSE, 400, "invalid_json"},
        {EM_E_TOO_LARGE, 413, "payload_too_large"},
        {EM_E_NOT_FOUND, 404, "not_found"},
        {EM_E_CONFLICT, 409, "conflict"},
        {EM_E_UNAVAILABLE, 503, "unavailable"},
        {EM_E_BUSY, 503, "busy"},
        {EM_E_TIMEOUT, 504, "timeout"},
        {EM_E_UNSUPPORTED, 415, "unsupported_media_type"},
        {EM_E_NOMEM, 500, "internal"},
        {EM_E_IO, 500, "internal"},
        {EM_E_DB, 500, "internal"},
        {EM_E_CONFIG, 500, "internal"},
        {EM_E_INTERNAL, 500, "internal"},
        {-999, 500, "internal"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const char *code = NULL;
        assert_int_equal(http_status_for(map[i].rc, &code), map[i].status);
        assert_string_equal(code, map[i].code);
    }
    assert_int_equal(http_status_for(EM_E_NOT_FOUND, NULL), 404);
}

static void test_http_query(void **state)
{
    (void)state;
    http_fake *f = http_fake_new("GET", "/search?q=hello+world&page=2&empty=&flag&enc=%41%2b%zz&"
                                        "q=second&nul=a%00b&%00=x&=novalue&&last=%E2%82%AC",
                                 NULL, NULL, 0);
    http_req *req = http_fake_req(f);
    assert_string_equal(req->path, "/search");
    assert_string_equal(http_req_query(req, "q"), "hello world"); /* the first one */
    assert_string_equal(http_req_query(req, "page"), "2");
    assert_string_equal(http_req_query(req, "empty"), "");
    assert_string_equal(http_req_query(req, "flag"), "");
    assert_string_equal(http_req_query(req, "enc"), "A+%zz");
    assert_string_equal(http_req_query(req, "last"), "\xe2\x82\xac");
    assert_null(http_req_query(req, "nul"));
    assert_null(http_req_query(req, "missing"));
    assert_null(http_req_query(req, ""));
    http_fake_free(f);

    f = http_fake_new("GET", "/nothing", NULL, NULL, 0);
    assert_null(http_req_query(http_fake_req(f), "q"));
    http_fake_free(f);
}

static void test_http_query_bounded(void **state)
{
    (void)state;
    char target[2048] = "/x?";
    size_t o = 3;
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(target + o, sizeof target - o, "k%d=%d&", i, i);
    http_fake *f = http_fake_new("GET", target, NULL, NULL, 0);
    assert_string_equal(http_req_query(http_fake_req(f), "k0"), "0");
    assert_string_equal(http_req_query(http_fake_req(f), "k63"), "63");
    assert_null(http_req_query(http_fake_req(f), "k64")); /* past HTTP_MAX_QUERY */
    http_fake_free(f);
}

static void test_http_req_header_and_param(void **state)
{
    (void)state;
    const char *h[] = {"X-One", "1", "Authorization", "Bearer t", NULL};
    http_fake *f = http_fake_new("GET", "/x", h, NULL, 0);
    http_req *req = http_fake_req(f);
    assert_string_equal(http_req_header(req, "x-one"), "1");
    assert_string_equal(http_req_header(req, "AUTHORIZATION"), "Bearer t");
    assert_null(http_req_header(req, "X-Two"));
    assert_null(http_req_param(req, "id"));
    assert_string_equal(req->body, "");
    assert_int_equal(req->body_len, 0);
    http_fake_free(f);
}

static void test_http_text_helpers(void **state)
{
    (void)state;
    char out[64];
    /* Valid multi-byte text passes; overlongs, surrogates, stray bytes become U+FFFD. */
    const char in[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\x80";
    size_t n = json_utf8_sanitize(out, sizeof out, in, sizeof in - 1);
    assert_int_equal(n, strlen(out));
    assert_string_equal(out, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xef\xbf\xbd\xef\xbf\xbd|"
                             "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                             "\xef\xbf\xbd|\xef\xbf\xbd");
    /* NUL is replaced too (the output is a C string). */
    n = json_utf8_sanitize(out, sizeof out, "a\0b", 3);
    assert_int_equal(n, 5);
    assert_string_equal(out, "a\xef\xbf\xbd" "b");
    /* Never split a character at the end of the room. */
    n = json_utf8_sanitize(out, 3, "\xc3\xa9\xc3\xa9", 4);
    assert_string_equal(out, "\xc3\xa9");

    n = json_escape(out, sizeof out, "q\"\\\n\t\x1f/\x7f", 8, NULL);
    assert_string_equal(out, "q\\\"\\\\\\n\\t\\u001f/\x7f");
    assert_int_equal(n, strlen(out));
    /* An escape is never cut in half. */
    n = json_escape(out, 5, "ab\x01", 3, NULL);
    assert_string_equal(out, "ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_json_valid),
        cmocka_unit_test(test_http_json_content_type_variants),
        cmocka_unit_test(test_http_json_missing_content_type),
        cmocka_unit_test(test_http_json_empty_body),
        cmocka_unit_test(test_http_json_malformed_line_column),
        cmocka_unit_test(test_http_json_rejects_duplicates_and_junk),
        cmocka_unit_test(test_http_json_deep_nesting),
        cmocka_unit_test(test_http_error_body_escaping),
        cmocka_unit_test(test_http_res_json_and_body),
        cmocka_unit_test(test_http_status_for),
        cmocka_unit_test(test_http_query),
        cmocka_unit_test(test_http_query_bounded),
        cmocka_unit_test(test_http_req_header_and_param),
        cmocka_unit_test(test_http_text_helpers),
    };
    return cmocka_run_group_tests_name("http_json", tests, NULL, NULL);
}
