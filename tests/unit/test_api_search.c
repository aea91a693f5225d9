/* Handler tests for src/api/search.c: GET /api/search through the real route
 * table in process, over materials extracted here as the worker would: ranked
 * passages with their material, section and highlighted snippet, the query
 * language (all words, OR, -word, "phrases", prefix*), pages, the scope (the
 * caller's own materials, or one material the caller may see), and the
 * refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/ids.h"

typedef struct library {
    char cells[MATERIAL_ID_LEN + 1];  /* the student's */
    char water[MATERIAL_ID_LEN + 1];  /* the student's */
    char secret[MATERIAL_ID_LEN + 1]; /* student2's */
} library;

static void stock(api_fx *t, library *l)
{
    upload_json(
        t, WHO_STUDENT,
        "{\"title\":\"Cells\",\"format\":\"markdown\",\"text\":\"# Cells\\n\\nMitochondria make ATP for the "
        "cell. The nucleus holds the DNA.\\n\\n# Plants\\n\\nChlorophyll absorbs light in the leaves.\\n\"}",
        l->cells);
    upload_json(
        t, WHO_STUDENT,
        "{\"title\":\"Water\",\"format\":\"markdown\",\"text\":\"# Water\\n\\nOsmosis moves water across a "
        "membrane. Light warms the pond. Diffusion spreads heat.\\n\"}",
        l->water);
    upload_json(t, WHO_STUDENT2,
                "{\"title\":\"Secret\",\"text\":\"Chlorophyll is green and absorbs light.\"}", l->secret);
    ingest_ready(t, l->cells);
    ingest_ready(t, l->water);
    ingest_ready(t, l->secret);
}

/* GET target as w (200 asserted): the items' material ids, comma-separated,
 * into out; the answer is returned. */
static json_t *search(api_fx *t, api_who w, const char *target, char *out, size_t cap)
{
    json_t *j = call_json(t, "GET", target, w, NULL, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(jint(j, "count"), (json_int_t)json_array_size(items));
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(items); i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s", i > 0 ? "," : "",
                              jstr(json_array_get(items, i), "material_id"));
    return j;
}

/* The ids a search finds, as w. */
static void expect_found(api_fx *t, api_who w, const char *target, const char *want)
{
    char got[256];
    json_decref(search(t, w, target, got, sizeof got));
    if (strcmp(got, want) != 0)
        fail_msg("GET %s: expected [%s], got [%s]", target, want, got);
}

static void api_search_ranked_passages(void **state)
{
    api_fx *t = api_fx_of(state);
    library l;
    stock(t, &l);
    char got[256];
    json_t *j = search(t, WHO_STUDENT, "/api/search?q=chlorophyll", got, sizeof got);
    assert_string_equal(got, l.cells); /* not student2's */
    assert_string_equal(jstr(j, "query"), "chlorophyll");
    assert_int_equal(jint(j, "limit"), 10);
    assert_int_equal(jint(j, "offset"), 0);
    assert_int_equal(json_object_size(j), 5);
    json_t *hit = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(json_object_size(hit), 9);
    assert_string_equal(jstr(hit, "material_title"), "Cells");
    assert_string_equal(jstr(hit, "section"), "Plants");
    assert_true(jint(hit, "page") >= 1);
    assert_true(jint(hit, "page_end") >= jint(hit, "page"));
    jint(hit, "chunk_id");
    jint(hit, "position");
    assert_true(json_is_number(json_object_get(hit, "score")));
    const char *snippet = jstr(hit, "snippet");
    if (strstr(snippet, "<mark>Chlorophyll</mark>") == NULL)
        fail_msg("snippet without the highlighted word: %s", snippet);
    json_decref(j);

    /* The query language, the same on both databases. */
    j = search(t, WHO_STUDENT, "/api/search?q=light", got, sizeof got); /* both, in rank order */
    assert_int_equal(jint(j, "count"), 2);
    assert_non_null(strstr(got, l.cells));
    assert_non_null(strstr(got, l.water));
    json_decref(j);
    expect_found(t, WHO_STUDENT, "/api/search?q=light%20-osmosis", l.cells);
    expect_found(t, WHO_STUDENT, "/api/search?q=light%20pond", l.water);
    expect_found(t, WHO_STUDENT, "/api/search?q=%22moves%20water%22", l.water);
    expect_found(t, WHO_STUDENT, "/api/search?q=%22water%20moves%22", "");
    expect_found(t, WHO_STUDENT, "/api/search?q=mitochon*", l.cells);
    expect_found(t, WHO_STUDENT, "/api/search?q=xylophone", "");
    /* a prefix longer than the stem the engines store ("diffus"), on both
       databases; not widened past the first page of a query that finds */
    expect_found(t, WHO_STUDENT, "/api/search?q=diffusi*", l.water);
    expect_found(t, WHO_STUDENT, "/api/search?q=diffusi*&offset=1", "");
    expect_found(t, WHO_STUDENT, "/api/search?q=mitochondri*", l.cells);
    j = search(t, WHO_STUDENT, "/api/search?q=osmosis%20OR%20mitochondria", got, sizeof got);
    assert_int_equal(jint(j, "count"), 2);
    json_decref(j);

    /* Pages. */
    j = search(t, WHO_STUDENT, "/api/search?q=light&limit=1", got, sizeof got);
    assert_int_equal(jint(j, "count"), 1);
    assert_int_equal(jint(j, "limit"), 1);
    char first[256];
    snprintf(first, sizeof first, "%s", got);
    json_decref(j);
    j = search(t, WHO_STUDENT, "/api/search?q=light&limit=1&offset=1", got, sizeof got);
    assert_int_equal(jint(j, "count"), 1);
    assert_int_equal(jint(j, "offset"), 1);
    assert_string_not_equal(got, first);
    json_decref(j);
    expect_found(t, WHO_STUDENT, "/api/search?q=light&offset=2", "");
}

/* The caller's own materials, or one material the caller may see. */
static void api_search_scope(void **state)
{
    api_fx *t = api_fx_of(state);
    library l;
    stock(t, &l);
    char target[256], missing[256], ghost[ID_UUID_LEN + 1];
    expect_found(t, WHO_STUDENT2, "/api/search?q=chlorophyll", l.secret);
    /* The tutor has no materials; the student's are one material_id away. */
    expect_found(t, WHO_TUTOR, "/api/search?q=chlorophyll", "");
    snprintf(target, sizeof target, "/api/search?q=chlorophyll&material_id=%s", l.cells);
    expect_found(t, WHO_TUTOR, target, l.cells);
    expect_found(t, WHO_ADMIN, target, l.cells);
    expect_found(t, WHO_STUDENT, target, l.cells);
    snprintf(target, sizeof target, "/api/search?q=light&material_id=%s", l.water);
    expect_found(t, WHO_STUDENT, target, l.water);
    /* Someone else's material: the 404 of one that does not exist. */
    snprintf(target, sizeof target, "/api/search?q=chlorophyll&material_id=%s", l.cells);
    id_uuid7(ghost);
    snprintf(missing, sizeof missing, "/api/search?q=chlorophyll&material_id=%s", ghost);
    http_fake *f = call(t, "GET", target, WHO_STUDENT2, NULL);
    http_fake *g = call(t, "GET", missing, WHO_STUDENT2, NULL);
    expect_error(f, 404, "not_found");
    expect_error(g, 404, "not_found");
    assert_string_equal(http_fake_body(f, NULL), http_fake_body(g, NULL));
    http_fake_free(f);
    http_fake_free(g);
    snprintf(target, sizeof target, "/api/search?q=chlorophyll&material_id=%s", l.secret);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    call_error(t, "GET", "/api/search?q=chlorophyll&material_id=not-an-id", WHO_STUDENT, NULL, 404,
               "not_found");
    /* A material not extracted yet has nothing to find. */
    char pending[MATERIAL_ID_LEN + 1];
    upload_json(t, WHO_STUDENT, "{\"text\":\"Zygotes divide.\"}", pending);
    expect_found(t, WHO_STUDENT, "/api/search?q=zygotes", "");
    ingest_ready(t, pending);
    expect_found(t, WHO_STUDENT, "/api/search?q=zygotes", pending);
    /* Deleted: gone from search. */
    snprintf(target, sizeof target, "/api/materials/%s", pending);
    f = call(t, "DELETE", target, WHO_STUDENT, NULL);
    expect_status(f, 204);
    http_fake_free(f);
    expect_found(t, WHO_STUDENT, "/api/search?q=zygotes", "");
}

/* A table of contents names every section: a search for a section's subject
 * finds the section first, its line in the contents after (the contents'
 * passage holds the word more often, and would rank first on words alone). */
static void api_search_contents_after(void **state)
{
    api_fx *t = api_fx_of(state);
    char id[MATERIAL_ID_LEN + 1];
    upload_json(t, WHO_STUDENT,
                "{\"title\":\"Membranes\",\"format\":\"markdown\",\"text\":\"# Contents\\n\\n"
                "Osmosis . . . . . . 2\\n\\nOsmosis in plants . . . . . . 3\\n\\n"
                "Osmosis in animals . . . . . . 4\\n\\nOsmotic pressure . . . . . . 5\\n\\n"
                "# Osmosis\\n\\nOsmosis moves water across a membrane from the dilute side to the "
                "concentrated side. Cells swell or shrink by it.\\n\"}",
                id);
    ingest_ready(t, id);
    json_t *j = call_json(t, "GET", "/api/search?q=osmosis", WHO_STUDENT, NULL, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(jstr(json_array_get(items, 0), "section"), "Osmosis");
    assert_string_equal(jstr(json_array_get(items, 1), "section"), "Contents");
    json_decref(j);
}

static void api_search_refused(void **state)
{
    api_fx *t = api_fx_of(state);
    http_fake *f = call(t, "GET", "/api/search", WHO_STUDENT, NULL);
    expect_error(f, 400, "invalid_query");
    assert_string_equal(error_message(f), "q is required");
    http_fake_free(f);
    static const char *const queries[] = {"/api/search?q=", "/api/search?q=%22unbalanced", "/api/search?q=OR",
                                          "/api/search?q=-alone"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        f = call(t, "GET", queries[i], WHO_STUDENT, NULL);
        if (http_fake_status(f) != 400)
            fail_msg("GET %s: expected 400, got %d %s", queries[i], http_fake_status(f),
                     http_fake_body(f, NULL));
        expect_error(f, 400, "invalid_query");
        http_fake_free(f);
    }
    static const char *const pages[] = {"/api/search?q=a&limit=0", "/api/search?q=a&limit=51",
                                        "/api/search?q=a&limit=x", "/api/search?q=a&offset=1001",
                                        "/api/search?q=a&offset=-1"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        call_error(t, "GET", pages[i], WHO_STUDENT, NULL, 400, "invalid_request");
    /* The most allowed is fine. */
    json_decref(call_json(t, "GET", "/api/search?q=a&limit=50&offset=1000", WHO_STUDENT, NULL, 200));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_search_ranked_passages),
        API_BOTH(api_search_scope),
        API_BOTH(api_search_contents_after),
        API_BOTH(api_search_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
