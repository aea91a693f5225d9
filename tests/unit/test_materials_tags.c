/* tags: the curriculum tag validator, tags_parse from text and from JSON
 * arrays (lowercased, trimmed, deduplicated, in order, limited, errors naming
 * the tag), and tags_child_range checked against a sorted set of tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "materials/tags.h"

static void materials_tags_valid(void **state)
{
    (void)state;
    const char *good[] = {"math", "math.algebra", "math.algebra.linear-equations", "a",
                          "9",    "x1.y_2.z-3",   "topic.photosynthesis",          "a.b.c.d.e.f"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!tag_valid(good[i]))
            fail_msg("should be valid: %s", good[i]);
    }
    const char *bad[] = {"",
                         ".",
                         "math.",
                         ".math",
                         "math..algebra",
                         "Math",
                         "math algebra",
                         "math/algebra",
                         "-math",
                         "math.-x",
                         "math._x",
                         "_x",
                         "math,algebra",
                         "caf\xc3\xa9",
                         "math.algebra\n",
                         "math!"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (tag_valid(bad[i]))
            fail_msg("should be invalid: \"%s\"", bad[i]);
    }
    /* at most TAG_MAX_LEN bytes */
    char t[TAG_MAX_LEN + 2];
    memset(t, 'a', sizeof t);
    t[TAG_MAX_LEN] = '\0';
    assert_true(tag_valid(t));
    t[TAG_MAX_LEN] = 'a';
    t[TAG_MAX_LEN + 1] = '\0';
    assert_false(tag_valid(t));
}

/* tags_parse of text; the JSON it gives, or NULL to expect EM_E_INVAL whose
 * message holds `named`. */
static void expect_text(const char *text, const char *want, const char *named)
{
    char *out = (char *)"untouched";
    em_error err = {0};
    int rc = tags_parse(text, NULL, &out, &err);
    if (want != NULL) {
        if (rc != EM_OK)
            fail_msg("tags_parse(\"%s\"): %s", text, err.msg);
        assert_string_equal(out, want);
        free(out);
    } else {
        assert_int_equal(rc, EM_E_INVAL);
        assert_null(out);
        if (strstr(err.msg, named) == NULL)
            fail_msg("tags_parse(\"%s\"): \"%s\" does not name %s", text, err.msg, named);
    }
}

static void expect_array(const char *json, const char *want, const char *named)
{
    json_t *arr = json_loads(json, JSON_DECODE_ANY, NULL);
    assert_non_null(arr);
    char *out = (char *)"untouched";
    em_error err = {0};
    int rc = tags_parse(NULL, arr, &out, &err);
    json_decref(arr);
    if (want != NULL) {
        if (rc != EM_OK)
            fail_msg("tags_parse(%s): %s", json, err.msg);
        assert_string_equal(out, want);
        free(out);
    } else {
        assert_int_equal(rc, EM_E_INVAL);
        assert_null(out);
        if (strstr(err.msg, named) == NULL)
            fail_msg("tags_parse(%s): \"%s\" does not name %s", json, err.msg, named);
    }
}

static void materials_tags_parse_text(void **state)
{
    (void)state;
    expect_text("math.algebra", "[\"math.algebra\"]", NULL);
    /* lowercased, trimmed, empty items skipped, duplicates dropped, order kept */
    expect_text(" Physics , MATH.Algebra,,math.algebra , biology\t",
                "[\"physics\",\"math.algebra\",\"biology\"]", NULL);
    expect_text("", "[]", NULL);
    expect_text(" , ,", "[]", NULL);
    expect_text("b,a,b,A", "[\"b\",\"a\"]", NULL);
    /* errors name the tag (lowercased, as it would have been kept) */
    expect_text("math, bad tag, physics", NULL, "\"bad tag\"");
    expect_text("math..algebra", NULL, "\"math..algebra\"");
    expect_text("Caf\xc3\xa9", NULL, "\"caf\xc3\xa9\"");
    /* limits: TAG_MAX_LEN bytes a tag, TAGS_MAX tags */
    char text[TAGS_MAX * 8 + TAG_MAX_LEN + 8];
    memset(text, 'x', TAG_MAX_LEN + 1);
    text[TAG_MAX_LEN + 1] = '\0';
    expect_text(text, NULL, "longer than 100");
    text[TAG_MAX_LEN] = '\0';
    char *out = NULL;
    em_error err = {0};
    assert_int_equal(tags_parse(text, NULL, &out, &err), EM_OK);
    free(out);
    size_t k = 0;
    for (int i = 0; i < TAGS_MAX; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "t%d,", i);
    k += (size_t)snprintf(text + k, sizeof text - k, "t0,T19"); /* duplicates do not count */
    assert_int_equal(tags_parse(text, NULL, &out, &err), EM_OK);
    json_t *j = json_loads(out, 0, NULL);
    assert_int_equal(json_array_size(j), TAGS_MAX);
    assert_string_equal(json_string_value(json_array_get(j, 0)), "t0");
    assert_string_equal(json_string_value(json_array_get(j, TAGS_MAX - 1)), "t19");
    json_decref(j);
    free(out);
    snprintf(text + k, sizeof text - k, ",t20");
    expect_text(text, NULL, "at most 20");
}

static void materials_tags_parse_array(void **state)
{
    (void)state;
    expect_array("[\"Math.Algebra\", \" physics \", \"math.algebra\"]", "[\"math.algebra\",\"physics\"]",
                 NULL);
    expect_array("[]", "[]", NULL);
    expect_array("[\"\", \"  \"]", "[]", NULL);
    expect_array("[\"ok\", \"not ok\"]", NULL, "\"not ok\"");
    expect_array("[\"ok\", 3]", NULL, "array of strings");
    expect_array("[\"ok\", null]", NULL, "array of strings");
    expect_array("\"math\"", NULL, "array of strings");
    expect_array("{\"tag\": \"math\"}", NULL, "array of strings");
    /* a comma inside an array element is not a separator */
    expect_array("[\"a,b\"]", NULL, "\"a,b\"");
    json_t *many = json_array();
    for (int i = 0; i <= TAGS_MAX; i++) {
        char t[16];
        snprintf(t, sizeof t, "t%d", i);
        json_array_append_new(many, json_string(t));
    }
    char *out = NULL;
    em_error err = {0};
    assert_int_equal(tags_parse(NULL, many, &out, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "at most 20"));
    assert_null(out);
    json_array_remove(many, TAGS_MAX);
    assert_int_equal(tags_parse(NULL, many, &out, &err), EM_OK);
    free(out);
    json_decref(many);
    /* neither text nor array: no tags */
    assert_int_equal(tags_parse(NULL, NULL, &out, &err), EM_OK);
    assert_string_equal(out, "[]");
    free(out);
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Under `prefix`: equal to it, or inside [lo, hi). */
static bool under(const char *tag, const char *prefix, const char *lo, const char *hi)
{
    return strcmp(tag, prefix) == 0 || (strcmp(tag, lo) >= 0 && strcmp(tag, hi) < 0);
}

static void materials_tags_child_range(void **state)
{
    (void)state;
    const char *tags[] = {"math",
                          "math.algebra",
                          "math.algebra.linear-equations",
                          "math.algebra.x",
                          "math.algebra.z_9.deep",
                          "math.algebra.0",
                          "math.algebraic",
                          "math.algebra-2",
                          "math.algebra_x",
                          "math.algebr",
                          "math.algebrb",
                          "math.geometry",
                          "mathematics.algebra",
                          "physics.algebra",
                          "a"};
    const size_t n = sizeof tags / sizeof tags[0];
    const char *want[] = {"math.algebra", "math.algebra.0", "math.algebra.linear-equations", "math.algebra.x",
                          "math.algebra.z_9.deep"};
    qsort(tags, n, sizeof tags[0], by_bytes);
    char lo[TAG_MAX_LEN + 2], hi[TAG_MAX_LEN + 2];
    tags_child_range("math.algebra", lo, hi, sizeof lo);
    assert_string_equal(lo, "math.algebra.");
    assert_string_equal(hi, "math.algebra/");
    /* exactly the prefix and its children, not its siblings */
    size_t k = 0, first = n, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (!under(tags[i], "math.algebra", lo, hi))
            continue;
        assert_true(k < sizeof want / sizeof want[0]);
        assert_string_equal(tags[i], want[k]);
        k++;
        if (strcmp(tags[i], "math.algebra") != 0) {
            first = i < first ? i : first;
            last = i;
        }
    }
    assert_int_equal(k, sizeof want / sizeof want[0]);
    /* in byte order the children are one run (an index range scan), and the
     * prefix is one more lookup */
    assert_int_equal(last - first + 1, k - 1);
    /* why the prefix is matched on its own: a range starting at it would take
     * siblings that sort between it and its children ('-' < '.') */
    size_t from_prefix = 0;
    for (size_t i = 0; i < n; i++)
        from_prefix += strcmp(tags[i], "math.algebra") >= 0 && strcmp(tags[i], hi) < 0;
    assert_int_equal(from_prefix, k + 1); /* + "math.algebra-2" */
    /* a one-segment prefix */
    tags_child_range("math", lo, hi, sizeof lo);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool in = under(tags[i], "math", lo, hi);
        m += in;
        if (in != (strcmp(tags[i], "math") == 0 || strncmp(tags[i], "math.", 5) == 0))
            fail_msg("math: %s", tags[i]);
    }
    assert_int_equal(m, 12);
    /* cut to cap, NUL-terminated */
    char small_lo[6], small_hi[6];
    tags_child_range("math.algebra", small_lo, small_hi, sizeof small_lo);
    assert_string_equal(small_lo, "math.");
    assert_string_equal(small_hi, "math.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(materials_tags_valid),
        cmocka_unit_test(materials_tags_parse_text),
        cmocka_unit_test(materials_tags_parse_array),
        cmocka_unit_test(materials_tags_child_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
