/* Handler tests for src/api/passages.c (GET /api/materials/{id}/passages and
 * /api/materials/{id}/passages/{n}) through the real route table in process,
 * over a material extracted as the worker would: a search hit opens its
 * whole passage by the position it carries, a citation's page finds the
 * passages that cover it, and the one rule decides who reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"

/* Two headed sections; the second long enough to make several passages. */
static void stock(api_fx *t, char id[MATERIAL_ID_LEN + 1])
{
    char text[8192];
    size_t k =
        (size_t)snprintf(text, sizeof text,
                         "# Cells\n\nMitochondria make ATP for the cell. The nucleus holds the DNA.\n\n"
                         "# Plants\n\n");
    for (int i = 0; i < 60; i++)
        k += (size_t)snprintf(text + k, sizeof text - k,
                              "Sentence %d of the plants: chlorophyll absorbs light in the leaves. ", i);
    snprintf(text + k, sizeof text - k, "Stomata let carbon dioxide in.\n");
    json_t *j = json_pack("{s:s, s:s, s:s}", "title", "Biology", "format", "markdown", "text", text);
    char *body = json_dumps(j, JSON_COMPACT);
    upload_json(t, WHO_STUDENT, body, id);
    free(body);
    json_decref(j);
    ingest_ready(t, id);
}

static void api_passages_open_a_search_hit(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1], target[256];
    stock(t, mat);
    /* a search hit carries its passage's position, first page and a short snippet */
    json_t *s = call_json(t, "GET", "/api/search?q=stomata", WHO_STUDENT, NULL, 200);
    json_t *hit = json_array_get(json_object_get(s, "items"), 0);
    assert_non_null(hit);
    snprintf(target, sizeof target, "/api/materials/%s/passages/%lld", mat, (long long)jint(hit, "position"));
    json_t *p = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    /* the whole passage: the hit's words and its neighbours, as stored */
    assert_string_equal(jstr(p, "material_id"), mat);
    assert_int_equal(jint(p, "position"), jint(hit, "position"));
    assert_int_equal(jint(p, "chunk_id"), jint(hit, "chunk_id"));
    assert_string_equal(jstr(p, "section"), jstr(hit, "section"));
    assert_int_equal(jint(p, "page_start"), jint(hit, "page"));
    assert_int_equal(jint(p, "page_end"), jint(hit, "page_end"));
    const char *text = jstr(p, "text");
    assert_non_null(strstr(text, "Stomata let carbon dioxide in."));
    assert_non_null(strstr(text, "chlorophyll absorbs light"));
    assert_true(jint(p, "words") > 10);
    json_decref(p);
    json_decref(s);

    /* the passages in order: as many as extraction made, the first the Cells one */
    snprintf(target, sizeof target, "/api/materials/%s", mat);
    json_t *m = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    json_int_t chunks = jint(m, "chunk_count");
    assert_true(chunks >= 2);
    json_decref(m);
    snprintf(target, sizeof target, "/api/materials/%s/passages?limit=50", mat);
    json_t *l = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), chunks);
    json_t *items = json_object_get(l, "items");
    assert_int_equal(json_array_size(items), (size_t)chunks);
    assert_string_equal(jstr(json_array_get(items, 0), "section"), "Cells");
    assert_non_null(strstr(jstr(json_array_get(items, 0), "text"), "Mitochondria make ATP"));
    for (size_t i = 0; i < json_array_size(items); i++)
        assert_int_equal(jint(json_array_get(items, i), "position"), (json_int_t)i);
    json_decref(l);
    /* by the page a citation names: a text material is one page, so all of them */
    snprintf(target, sizeof target, "/api/materials/%s/passages?page=1&limit=1&offset=1", mat);
    l = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), chunks);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    assert_int_equal(jint(json_array_get(json_object_get(l, "items"), 0), "position"), 1);
    json_decref(l);
    /* and the section a citation names */
    snprintf(target, sizeof target, "/api/materials/%s/passages?page=1&section=Cells", mat);
    l = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(l, "items"), 0), "section"), "Cells");
    json_decref(l);
    snprintf(target, sizeof target, "/api/materials/%s/passages?section=Plants&limit=50", mat);
    l = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), chunks - 1);
    assert_int_equal(jint(json_array_get(json_object_get(l, "items"), 0), "position"), 1);
    json_decref(l);
    snprintf(target, sizeof target, "/api/materials/%s/passages?section=Animals", mat);
    l = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), 0);
    json_decref(l);
    snprintf(target, sizeof target, "/api/materials/%s/passages?page=2", mat);
    l = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), 0);
    json_decref(l);
}

static void api_passages_access_and_refusals(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1], target[256];
    stock(t, mat);
    snprintf(target, sizeof target, "/api/materials/%s/passages/0", mat);
    /* the one rule: the owner, the owner's tutor, admins */
    for (api_who w = WHO_STUDENT; w < WHO_COUNT; w++) {
        if (w == WHO_STUDENT2) {
            call_error(t, "GET", target, w, NULL, 404, "not_found");
            continue;
        }
        json_t *p = call_json(t, "GET", target, w, NULL, 200);
        assert_int_equal(jint(p, "position"), 0);
        json_decref(p);
    }
    call_error(t, "GET", target, WHO_ANON, NULL, 401, "unauthorized");
    snprintf(target, sizeof target, "/api/materials/%s/passages", mat);
    call_error(t, "GET", target, WHO_STUDENT2, NULL, 404, "not_found");
    json_decref(call_json(t, "GET", target, WHO_TUTOR, NULL, 200));
    /* no passage there, or no position at all */
    snprintf(target, sizeof target, "/api/materials/%s/passages/9999", mat);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    snprintf(target, sizeof target, "/api/materials/%s/passages/-1", mat);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    snprintf(target, sizeof target, "/api/materials/%s/passages/first", mat);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    call_error(t, "GET", "/api/materials/not-an-id/passages/0", WHO_STUDENT, NULL, 404, "not_found");
    /* bad pages */
    snprintf(target, sizeof target, "/api/materials/%s/passages?limit=51", mat);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 400, "invalid_request");
    snprintf(target, sizeof target, "/api/materials/%s/passages?page=0", mat);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 400, "invalid_request");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_passages_open_a_search_hit),
        API_BOTH(api_passages_access_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
