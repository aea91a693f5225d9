/* Handler tests for src/api/curricula.c and the curricula area behind it
 * (materials/curricula.h), through the real route table in process: imports
 * from CSV and JSON and every refusal (malformed files, a missing code or
 * title, duplicate codes, an unknown parent, a cycle) naming its line or
 * index and leaving nothing written; a re-import that updates a standard and
 * keeps confirmed tags; the list and the tree; who may import, read and link;
 * suggestions for a material's questions, confirming one, a tutor's tags,
 * and the ?tag= prefix query over them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/ids.h"
#include "fixtures_curriculum.h"
#include "materials/curricula.h"

#define IMPORT_CS1 "/api/admin/curricula?title=Introductory%20programming&slug=cs1&version=2026"

/* Two questions a programming worksheet asks. */
#define WORKSHEET_PROGRAMMING                                                                                \
    "{\"title\":\"Practice\",\"worksheet\":true,"                                                            \
    "\"text\":\"Practice questions.\\n\\n"                                                                   \
    "1. Which keyword leaves a loop early?\\nA. break\\nB. return\\nC. stop\\n\\n"                           \
    "2. Which structure stores pairs of keys and values?\\nA. list\\nB. dictionary\\nC. tuple\\n\\n"         \
    "Answer Key\\n1. A\\n2. B\\n\"}"

/* POST a CSV body as `w` to target. */
static http_fake *post_csv(api_fx *t, api_who w, const char *target, const char *csv, size_t len)
{
    static const char *h[WHO_COUNT][5];
    h[w][0] = "Authorization";
    h[w][1] = t->acct[w].bearer;
    h[w][2] = "Content-Type";
    h[w][3] = "text/csv; charset=utf-8";
    h[w][4] = NULL;
    return call_raw(t, "POST", target, h[w], csv, len);
}

static json_t *import_csv(api_fx *t, const char *csv, int status)
{
    http_fake *f = post_csv(t, WHO_ADMIN, IMPORT_CS1, csv, strlen(csv));
    expect_status(f, status);
    json_t *j = fake_json(f);
    http_fake_free(f);
    return j;
}

/* A refused CSV import: status, code, and a message holding `needle`. */
static void csv_refused(api_fx *t, const char *csv, int status, const char *code, const char *needle)
{
    http_fake *f = post_csv(t, WHO_ADMIN, IMPORT_CS1, csv, strlen(csv));
    expect_error(f, status, code);
    if (strstr(error_message(f), needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", error_message(f), needle);
    http_fake_free(f);
}

static void json_refused(api_fx *t, const char *body, int status, const char *code, const char *needle)
{
    http_fake *f = call(t, "POST", "/api/admin/curricula", WHO_ADMIN, body);
    expect_error(f, status, code);
    if (needle != NULL && strstr(error_message(f), needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", error_message(f), needle);
    http_fake_free(f);
}

static json_int_t curricula_total(api_fx *t)
{
    json_t *j = call_json(t, "GET", "/api/curricula", WHO_STUDENT, NULL, 200);
    json_int_t n = jint(j, "total");
    json_decref(j);
    return n;
}

/* The child of node (or of the root list) with that code. */
static json_t *child(json_t *list, const char *code)
{
    for (size_t i = 0; i < json_array_size(list); i++)
        if (strcmp(jstr(json_array_get(list, i), "code"), code) == 0)
            return json_array_get(list, i);
    fail_msg("no code %s", code);
    return NULL;
}

static void api_curricula_import_and_read(void **state)
{
    api_fx *t = api_fx_of(state);
    json_t *rep = import_csv(t, fixture_cs1_csv, 201);
    assert_true(json_is_true(json_object_get(rep, "created")));
    assert_string_equal(jstr(rep, "slug"), "cs1");
    assert_int_equal(jint(rep, "codes"), FIXTURE_CS1_CODES);
    assert_int_equal(jint(rep, "added"), FIXTURE_CS1_CODES);
    char id[ID_UUID_LEN + 1];
    snprintf(id, sizeof id, "%s", jstr(rep, "id"));
    json_decref(rep);

    /* every signed-in user lists and reads */
    json_t *list = call_json(t, "GET", "/api/curricula?limit=10", WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(list, "total"), 1);
    json_t *item = json_array_get(json_object_get(list, "items"), 0);
    assert_string_equal(jstr(item, "id"), id);
    assert_string_equal(jstr(item, "title"), "Introductory programming");
    assert_string_equal(jstr(item, "version"), "2026");
    assert_int_equal(jint(item, "code_count"), FIXTURE_CS1_CODES);
    json_decref(list);

    char target[128];
    snprintf(target, sizeof target, "/api/curricula/%s", id);
    json_t *c = call_json(t, "GET", target, WHO_TUTOR, NULL, 200);
    json_t *roots = json_object_get(c, "codes");
    assert_int_equal(json_array_size(roots), 1);
    json_t *top = child(roots, "cs1");
    json_t *kids = json_object_get(top, "children");
    const char *const order[] = {"cs1.basics",     "cs1.control",  "cs1.functions", "cs1.data",
                                 "cs1.algorithms", "cs1.practice", "cs1.oop",       "cs1.files"};
    assert_int_equal(json_array_size(kids), 8);
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(jstr(json_array_get(kids, i), "code"), order[i]);
    json_t *loops = child(json_object_get(child(kids, "cs1.control"), "children"), "cs1.control.loops");
    assert_string_equal(jstr(loops, "title"), "Loops");
    assert_non_null(strstr(jstr(loops, "description"), "for and while loops"));
    assert_int_equal(json_array_size(json_object_get(loops, "children")), 0);
    json_decref(c);

    call_error(t, "GET", "/api/curricula/0190a0a0-0000-7000-8000-000000000000", WHO_STUDENT, NULL, 404,
               "not_found");

    /* the same standard from JSON, under another slug: a second standard */
    json_t *r2 = call_json(
        t, "POST", "/api/admin/curricula", WHO_ADMIN,
        "{\"title\":\"Tiny\",\"codes\":[{\"code\":\"Tiny.A\",\"title\":\"A\"},"
        "{\"code\":\"tiny.a.b\",\"title\":\"B\",\"description\":\"bee\",\"parent_code\":\"tiny.a\"}]}",
        201);
    assert_string_equal(jstr(r2, "slug"), "tiny");
    assert_int_equal(jint(r2, "codes"), 2);
    json_decref(r2);
    assert_int_equal(curricula_total(t), 2);
}

static void api_curricula_import_refused(void **state)
{
    api_fx *t = api_fx_of(state);
    csv_refused(t, "code,title\na,A\n\"b,B\n", 400, "invalid_csv", "line 3");
    csv_refused(t, "code,title,description\na,A,x\nb,B\n", 400, "invalid_csv", "line 3");
    csv_refused(t, "code,name\na,A\n", 400, "invalid_csv", "line 1");
    csv_refused(t, "", 400, "invalid_csv", "empty");
    csv_refused(t, "code,title\na,A\nb,\n", 422, "validation_error", "line 3: title is missing");
    csv_refused(t, "code,title\na,A\n,B\n", 422, "validation_error", "line 3: code is missing");
    csv_refused(t, "code,title\na,A\nNot A Code,B\n", 422, "validation_error", "line 3: code");
    csv_refused(t, "code,title\na.b,A\nc,C\na.b,Again\n", 422, "validation_error",
                "line 4: code a.b appears again (first at line 2)");
    csv_refused(t, "code,title,parent_code\na,A,\nb,B,zzz\n", 422, "validation_error",
                "line 3: parent_code zzz is not a code");
    csv_refused(t, "code,title,parent_code\nr,Root,\na,A,c\nb,B,a\nc,C,b\n", 422, "validation_error",
                "cycle");
    csv_refused(t, "code,title,parent_code\na,A,a\n", 422, "validation_error",
                "line 2: code a is its own ancestor");
    /* the line of a record after a quoted line break */
    csv_refused(t, "code,title,description\na,A,\"two\nlines\"\nb,,\n", 422, "validation_error",
                "line 4: title is missing");
    http_fake *f = post_csv(t, WHO_ADMIN, "/api/admin/curricula", "code,title\na,A\n", 14); /* no ?title= */
    expect_error(f, 422, "validation_error");
    assert_non_null(strstr(error_message(f), "?title="));
    http_fake_free(f);
    json_refused(
        t, "{\"title\":\"T\",\"codes\":[{\"code\":\"a\",\"title\":\"A\"},{\"code\":\"a\",\"title\":\"B\"}]}",
        422, "validation_error", "codes[1]: code a appears again (first at codes[0])");
    json_refused(t, "{\"title\":\"T\",\"codes\":[{\"title\":\"A\"}]}", 422, "validation_error",
                 "codes[0]: code is missing");
    json_refused(t, "{\"title\":\"T\",\"codes\":[{\"code\":\"a\",\"title\":\"A\",\"parent_code\":\"b\"}]}",
                 422, "validation_error", "codes[0]: parent_code b");
    json_refused(t, "{\"title\":\"T\",\"codes\":[]}", 422, "validation_error", "at least one code");
    json_refused(t, "{\"title\":\"T\",\"codes\":[", 400, "invalid_json", NULL);
    /* nothing was written by any of them */
    assert_int_equal(curricula_total(t), 0);
}

static void api_curricula_access(void **state)
{
    api_fx *t = api_fx_of(state);
    /* only admins import: the admin routes do not exist for anyone else */
    for (api_who w = WHO_STUDENT; w <= WHO_TUTOR; w++) {
        http_fake *f = post_csv(t, w, IMPORT_CS1, fixture_cs1_csv, strlen(fixture_cs1_csv));
        expect_status(f, 404);
        http_fake_free(f);
    }
    call_error(t, "POST", "/api/admin/curricula", WHO_ANON, "{}", 401, "unauthorized");
    assert_int_equal(curricula_total(t), 0);
    json_t *rep = import_csv(t, fixture_cs1_csv, 201);
    char target[128];
    snprintf(target, sizeof target, "/api/curricula/%s", jstr(rep, "id"));
    json_decref(rep);
    /* everyone signed in reads; nobody else */
    for (api_who w = WHO_STUDENT; w < WHO_COUNT; w++) {
        json_decref(call_json(t, "GET", "/api/curricula", w, NULL, 200));
        json_decref(call_json(t, "GET", target, w, NULL, 200));
    }
    call_error(t, "GET", "/api/curricula", WHO_ANON, NULL, 401, "unauthorized");
    call_error(t, "GET", target, WHO_ANON, NULL, 401, "unauthorized");
}

/* The question of `material` with that number, as `w` sees it. */
static json_t *question_n(api_fx *t, api_who w, const char *mat, int number)
{
    char target[160];
    snprintf(target, sizeof target, "/api/questions?material_id=%s", mat);
    json_t *j = call_json(t, "GET", target, w, NULL, 200);
    json_t *items = json_object_get(j, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (jint(json_array_get(items, i), "number") == number) {
            json_t *q = json_incref(json_array_get(items, i));
            json_decref(j);
            return q;
        }
    fail_msg("no question %d", number);
    return NULL;
}

/* The tag_details entry of q for tag, or NULL. */
static json_t *detail(json_t *q, const char *tag)
{
    json_t *d = json_object_get(q, "tag_details");
    for (size_t i = 0; i < json_array_size(d); i++)
        if (strcmp(jstr(json_array_get(d, i), "tag"), tag) == 0)
            return json_array_get(d, i);
    return NULL;
}

static void link_to(api_fx *t, api_who w, const char *mat, const char *curriculum, int status)
{
    char target[160], body[160];
    snprintf(target, sizeof target, "/api/materials/%s/curricula", mat);
    snprintf(body, sizeof body, "{\"curriculum_ids\":[\"%s\"]}", curriculum);
    http_fake *f = call(t, "PUT", target, w, body);
    expect_status(f, status);
    http_fake_free(f);
}

static void api_curricula_link_suggest_confirm(void **state)
{
    api_fx *t = api_fx_of(state);
    json_t *rep = import_csv(t, fixture_cs1_csv, 201);
    char cs1[ID_UUID_LEN + 1], mat[MATERIAL_ID_LEN + 1], theirs[MATERIAL_ID_LEN + 1];
    snprintf(cs1, sizeof cs1, "%s", jstr(rep, "id"));
    json_decref(rep);
    upload_json(t, WHO_STUDENT, WORKSHEET_PROGRAMMING, mat);
    ingest_ready(t, mat);
    upload_json(t, WHO_STUDENT2, WORKSHEET_PROGRAMMING, theirs);
    ingest_ready(t, theirs);

    /* linking follows the material's rule: owner, the owner's tutor, admins */
    link_to(t, WHO_STUDENT2, mat, cs1, 404);
    link_to(t, WHO_TUTOR, theirs, cs1, 404);
    link_to(t, WHO_TUTOR, mat, cs1, 200);
    link_to(t, WHO_ADMIN, mat, cs1, 200);
    link_to(t, WHO_STUDENT, mat, "0190a0a0-0000-7000-8000-000000000000", 422);
    char target[160];
    snprintf(target, sizeof target, "/api/materials/%s/curricula", mat);
    call_error(t, "PUT", target, WHO_STUDENT, "{\"curriculum_ids\":\"x\"}", 422, "validation_error");
    call_error(t, "PUT", target, WHO_STUDENT, "{\"ids\":[]}", 422, "validation_error");
    snprintf(target, sizeof target, "/api/materials/%s/curricula", mat);
    char body[160];
    snprintf(body, sizeof body, "{\"curriculum_ids\":[\"%s\"]}", cs1);
    json_t *j = call_json(t, "PUT", target, WHO_STUDENT, body, 200);
    assert_true(jint(j, "suggested") >= 2);
    json_decref(j);

    /* the suggestions, with their scores; the top one is the teacher's code */
    json_t *q1 = question_n(t, WHO_STUDENT, mat, 1), *q2 = question_n(t, WHO_STUDENT, mat, 2);
    json_t *loops = detail(q1, "cs1.control.loops"), *dicts = detail(q2, "cs1.data.dictionaries");
    assert_non_null(loops);
    assert_non_null(dicts);
    assert_string_equal(jstr(loops, "source"), "suggested");
    assert_true(json_real_value(json_object_get(loops, "score")) > 0);
    assert_true(json_is_false(json_object_get(loops, "confirmed")));
    char q1_id[ID_UUID_LEN + 1], q2_id[ID_UUID_LEN + 1];
    snprintf(q1_id, sizeof q1_id, "%s", jstr(q1, "id"));
    snprintf(q2_id, sizeof q2_id, "%s", jstr(q2, "id"));
    json_decref(q1);
    json_decref(q2);

    /* ?tag= finds suggested tags by prefix; only visible questions */
    j = call_json(t, "GET", "/api/questions?tag=cs1.control", WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(j, "count"), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "id"), q1_id);
    json_decref(j);

    /* a quiz asked for a code serves questions tagged with it or a code under it */
    char qbody[200];
    snprintf(qbody, sizeof qbody, "{\"material_ids\":[\"%s\"],\"code\":\"cs1.control\"}", mat);
    j = call_json(t, "POST", "/api/quiz/generate", WHO_STUDENT, qbody, 201);
    json_t *served = json_object_get(j, "questions");
    assert_true(json_array_size(served) >= 1);
    bool has_q1 = false;
    for (size_t i = 0; i < json_array_size(served); i++) {
        const char *id = jstr(json_array_get(served, i), "id");
        has_q1 = has_q1 || strcmp(id, q1_id) == 0;
        char qt[120];
        snprintf(qt, sizeof qt, "/api/questions/%s", id);
        json_t *q = call_json(t, "GET", qt, WHO_STUDENT, NULL, 200);
        bool under = false;
        json_t *tags = json_object_get(q, "tags");
        for (size_t k = 0; k < json_array_size(tags); k++)
            under = under || strncmp(json_string_value(json_array_get(tags, k)), "cs1.control", 11) == 0;
        assert_true(under);
        json_decref(q);
    }
    assert_true(has_q1);
    json_decref(j);
    snprintf(qbody, sizeof qbody, "{\"material_ids\":[\"%s\"],\"code\":\"cs1.nowhere\"}", mat);
    call_error(t, "POST", "/api/quiz/generate", WHO_STUDENT, qbody, 422, "validation_error");

    /* the tutor confirms a suggestion; a stranger cannot; a missing tag is 404 */
    char confirm[200];
    snprintf(confirm, sizeof confirm, "/api/questions/%s/tags/cs1.control.loops/confirm", q1_id);
    call_error(t, "POST", confirm, WHO_STUDENT2, NULL, 404, "not_found");
    j = call_json(t, "POST", confirm, WHO_TUTOR, NULL, 200);
    assert_true(json_is_true(json_object_get(detail(j, "cs1.control.loops"), "confirmed")));
    assert_string_equal(jstr(detail(j, "cs1.control.loops"), "source"), "suggested");
    json_decref(j);
    snprintf(confirm, sizeof confirm, "/api/questions/%s/tags/cs1.files/confirm", q1_id);
    call_error(t, "POST", confirm, WHO_TUTOR, NULL, 404, "not_found");

    /* the tutor sets q2's tags: kept ones are confirmed as they were, new ones are the tutor's */
    char patch[200];
    snprintf(patch, sizeof patch, "/api/questions/%s", q2_id);
    j = call_json(t, "PATCH", patch, WHO_TUTOR, "{\"tags\":[\"cs1.data.dictionaries\",\"exam.unit-3\"]}",
                  200);
    assert_int_equal(json_array_size(json_object_get(j, "tag_details")), 2);
    assert_string_equal(jstr(detail(j, "cs1.data.dictionaries"), "source"), "suggested");
    assert_true(json_is_true(json_object_get(detail(j, "cs1.data.dictionaries"), "confirmed")));
    assert_string_equal(jstr(detail(j, "exam.unit-3"), "source"), "tutor");
    assert_true(json_is_true(json_object_get(detail(j, "exam.unit-3"), "confirmed")));
    assert_true(json_is_null(json_object_get(detail(j, "exam.unit-3"), "score")));
    json_decref(j);

    /* suggestions run again: confirmed tags stay, unconfirmed ones come back */
    link_to(t, WHO_STUDENT, mat, cs1, 200);
    q1 = question_n(t, WHO_STUDENT, mat, 1);
    assert_true(json_is_true(json_object_get(detail(q1, "cs1.control.loops"), "confirmed")));
    json_decref(q1);
    q2 = question_n(t, WHO_STUDENT, mat, 2);
    /* the tutor's two, unchanged (a suggestion the tutor removed may be made again: rejections are not kept)
     */
    assert_true(json_is_true(json_object_get(detail(q2, "cs1.data.dictionaries"), "confirmed")));
    assert_string_equal(jstr(detail(q2, "exam.unit-3"), "source"), "tutor");
    json_decref(q2);

    /* a re-import without cs1.control.loops and with a changed title: an update,
     * the confirmed tag kept and reported */
    const char *cut = strstr(fixture_cs1_csv, "cs1.control.loops,");
    const char *end = strstr(cut, "\r\n") + 2;
    char *csv = malloc(strlen(fixture_cs1_csv) + 1);
    snprintf(csv, strlen(fixture_cs1_csv) + 1, "%.*s%s", (int)(cut - fixture_cs1_csv), fixture_cs1_csv, end);
    char *files = strstr(csv, "cs1.files,Files,");
    memcpy(files + strlen("cs1.files,"), "FILES", 5);
    rep = import_csv(t, csv, 200);
    assert_true(json_is_false(json_object_get(rep, "created")));
    assert_string_equal(jstr(rep, "id"), cs1);
    assert_int_equal(jint(rep, "codes"), FIXTURE_CS1_CODES - 1);
    assert_int_equal(jint(rep, "added"), 0);
    assert_int_equal(jint(rep, "changed"), 1);
    assert_int_equal(jint(rep, "removed"), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(rep, "removed_codes"), 0)),
                        "cs1.control.loops");
    assert_int_equal(jint(rep, "confirmed_tags_kept"), 1);
    assert_int_equal(jint(rep, "materials_resuggested"), 1);
    json_decref(rep);
    q1 = question_n(t, WHO_STUDENT, mat, 1);
    assert_true(json_is_true(json_object_get(detail(q1, "cs1.control.loops"), "confirmed")));
    json_decref(q1);
    /* a refused re-import changes nothing */
    csv_refused(t, "code,title,parent_code\na,A,b\nb,B,a\n", 422, "validation_error", "cycle");
    snprintf(target, sizeof target, "/api/curricula/%s", cs1);
    j = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(j, "code_count"), FIXTURE_CS1_CODES - 1);
    json_decref(j);
    free(csv);

    /* unlinking removes the unconfirmed suggestions only */
    snprintf(target, sizeof target, "/api/materials/%s/curricula", mat);
    json_decref(call_json(t, "PUT", target, WHO_STUDENT, "{\"curriculum_ids\":[]}", 200));
    q1 = question_n(t, WHO_STUDENT, mat, 1);
    json_t *d = json_object_get(q1, "tag_details");
    for (size_t i = 0; i < json_array_size(d); i++) {
        json_t *td = json_array_get(d, i);
        assert_false(strcmp(jstr(td, "source"), "suggested") == 0 &&
                     json_is_false(json_object_get(td, "confirmed")));
    }
    assert_non_null(detail(q1, "cs1.control.loops"));
    json_decref(q1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_curricula_import_and_read),
        API_BOTH(api_curricula_import_refused),
        API_BOTH(api_curricula_access),
        API_BOTH(api_curricula_link_suggest_confirm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
