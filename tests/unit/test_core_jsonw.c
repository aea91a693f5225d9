/* jsonw: escaping, sanitising and the streaming writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/jsonw.h"

/* Write one document with `fill`, check it is complete, return the text. */
static char *write_doc(void (*fill)(jsonw *w), size_t max)
{
    buf b;
    buf_init(&b, max);
    jsonw w;
    jsonw_init(&w, &b);
    fill(&w);
    assert_int_equal(jsonw_finish(&w), EM_OK);
    return buf_steal(&b);
}

static void fill_rows(jsonw *w)
{
    jsonw_object_begin(w);
    jsonw_key(w, "items");
    jsonw_array_begin(w);
    for (int i = 0; i < 3; i++) {
        jsonw_object_begin(w);
        jsonw_key(w, "id");
        jsonw_int(w, i);
        jsonw_key(w, "name");
        jsonw_string(w, i == 1 ? "quote \" back \\ nl \n tab \t bell \x07 é ✓" : "plain");
        jsonw_key(w, "none");
        jsonw_string(w, NULL);
        jsonw_key(w, "ok");
        jsonw_bool(w, i % 2 == 0);
        jsonw_object_end(w);
    }
    jsonw_array_end(w);
    jsonw_key(w, "empty");
    jsonw_array_begin(w);
    jsonw_array_end(w);
    jsonw_key(w, "obj");
    jsonw_object_begin(w);
    jsonw_object_end(w);
    jsonw_object_end(w);
}

static void core_jsonw_writes_what_jansson_reads(void **state)
{
    char *text = write_doc(fill_rows, 4096);
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (j == NULL)
        fail_msg("invalid JSON (%s): %s", e.text, text);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "name")),
                        "quote \" back \\ nl \n tab \t bell \x07 é ✓");
    assert_true(json_is_null(json_object_get(json_array_get(items, 0), "none")));
    assert_true(json_is_true(json_object_get(json_array_get(items, 2), "ok")));
    assert_int_equal(json_array_size(json_object_get(j, "empty")), 0);
    assert_int_equal(json_object_size(json_object_get(j, "obj")), 0);
    json_decref(j);
    assert_non_null(strstr(text, "\\u0007")); /* control characters escaped */
    free(text);
}

static double g_value;
static void fill_double(jsonw *w)
{
    jsonw_double(w, g_value);
}

static void core_jsonw_doubles_round_trip_and_stay_short(void **state)
{
    const struct { double v; const char *text; } cases[] = {
        {0.11, "0.11"}, {0.5, "0.5"}, {0.0, "0.0"}, {1.0, "1.0"}, {-2.25, "-2.25"},
        {87.5, "87.5"}, {0.000001, "0.000001"}, {123456.789, "123456.789"}, {0.1, "0.1"},
        {1e300, "1e+300"}, {1.0 / 3.0, "0.3333333333333333"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        g_value = cases[i].v;
        char *text = write_doc(fill_double, 64);
        assert_string_equal(text, cases[i].text);
        assert_true(strtod(text, NULL) == cases[i].v);
        free(text);
    }
    /* many values read back exactly */
    for (int i = 0; i < 20000; i++) {
        g_value = (double)(i * 7919 % 100003) / 997.0 - 50.0;
        char *text = write_doc(fill_double, 64);
        assert_true(strtod(text, NULL) == g_value);
        free(text);
    }
    g_value = NAN;
    char *text = write_doc(fill_double, 64);
    assert_string_equal(text, "null");
    free(text);
}

static void core_jsonw_errors_are_sticky(void **state)
{
    buf b;
    jsonw w;
    /* too large */
    buf_init(&b, 16);
    jsonw_init(&w, &b);
    jsonw_array_begin(&w);
    for (int i = 0; i < 10; i++)
        jsonw_string(&w, "abcdef");
    jsonw_array_end(&w);
    assert_int_equal(jsonw_finish(&w), EM_E_TOO_LARGE);
    buf_cleanup(&b);
    /* a value without a key inside an object */
    buf_init(&b, 1024);
    jsonw_init(&w, &b);
    jsonw_object_begin(&w);
    jsonw_int(&w, 1);
    jsonw_object_end(&w);
    assert_int_equal(jsonw_finish(&w), EM_E_INVAL);
    buf_cleanup(&b);
    /* unbalanced */
    buf_init(&b, 1024);
    jsonw_init(&w, &b);
    jsonw_array_begin(&w);
    assert_int_equal(jsonw_finish(&w), EM_E_INVAL);
    jsonw_object_end(&w); /* wrong closer */
    assert_int_equal(jsonw_finish(&w), EM_E_INVAL);
    buf_cleanup(&b);
    /* nothing written, or two top-level values */
    buf_init(&b, 1024);
    jsonw_init(&w, &b);
    assert_int_equal(jsonw_finish(&w), EM_E_INVAL);
    jsonw_int(&w, 1);
    jsonw_int(&w, 2);
    assert_int_equal(jsonw_finish(&w), EM_E_INVAL);
    buf_cleanup(&b);
    /* too deep */
    buf_init(&b, 4096);
    jsonw_init(&w, &b);
    for (int i = 0; i < JSONW_MAX_DEPTH + 2; i++)
        jsonw_array_begin(&w);
    assert_int_equal(jsonw_finish(&w), EM_E_INVAL);
    buf_cleanup(&b);
}

/* A jansson document through jsonw_value: the same document back, member
 * order kept, doubles short (0.4, not jansson's 0.40000000000000002), strings
 * with NUL escaped, too deep refused. */
static json_t *g_json;
static void fill_value(jsonw *w)
{
    jsonw_value(w, g_json);
}

static void core_jsonw_value_writes_jansson_documents(void **state)
{
    json_error_t e;
    g_json = json_pack("{s:f, s:f, s:I, s:[b, b, n, s], s:{s:s#}, s:f}", "mastery", 0.4, "latency_ms", 0.081,
                        "big", (json_int_t)9007199254740993LL, "list", 1, 0, "x", "nested", "nul", "a\0b", 3,
                        "third", 1.0 / 3.0);
    char *text = write_doc(fill_value, 4096);
    assert_string_equal(text, "{\"mastery\":0.4,\"latency_ms\":0.081,\"big\":9007199254740993,"
                              "\"list\":[true,false,null,\"x\"],\"nested\":{\"nul\":\"a\\u0000b\"},"
                              "\"third\":0.3333333333333333}");
    json_t *back = json_loads(text, JSON_ALLOW_NUL, &e);
    assert_non_null(back);
    assert_true(json_equal(back, g_json));
    json_decref(back);
    json_decref(g_json);
    free(text);

    /* Nesting past the writer's depth is an error, not a truncated document. */
    g_json = json_array();
    json_t *inner = g_json;
    for (int i = 0; i < JSONW_MAX_DEPTH + 2; i++) {
        json_t *next = json_array();
        json_array_append_new(inner, next);
        inner = next;
    }
    buf b;
    buf_init(&b, 4096);
    jsonw w;
    jsonw_init(&w, &b);
    jsonw_value(&w, g_json);
    assert_int_equal(jsonw_finish(&w), EM_E_INVAL);
    buf_cleanup(&b);
    json_decref(g_json);
}

static void core_json_escape_and_sanitize(void **state)
{
    char out[64];
    size_t used = 0;
    size_t n = json_escape(out, sizeof out, "a\"b\xff" "c", 5, &used);
    assert_string_equal(out, "a\\\"b\xef\xbf\xbd" "c");
    assert_int_equal(n, strlen(out));
    assert_int_equal(used, 5);
    /* a full destination stops before an escape, and says how far it got */
    n = json_escape(out, 4, "ab\"cd", 5, &used);
    assert_string_equal(out, "ab");
    assert_int_equal(used, 2);
    n = json_utf8_sanitize(out, sizeof out, "ok\xc3(\x00z", 6);
    assert_string_equal(out, "ok\xef\xbf\xbd(\xef\xbf\xbdz");
    assert_int_equal(n, strlen(out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_jsonw_writes_what_jansson_reads),
        cmocka_unit_test(core_jsonw_doubles_round_trip_and_stay_short),
        cmocka_unit_test(core_jsonw_errors_are_sticky),
        cmocka_unit_test(core_jsonw_value_writes_jansson_documents),
        cmocka_unit_test(core_json_escape_and_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
