/* Handler tests for src/api/questions.c: GET /api/questions, GET and PATCH
 * /api/questions/{id} through the real route table in process, over
 * worksheets extracted here as the worker would: the question as stored, the
 * list filters (tag prefix, words in the stem, material), pages, corrections
 * field by field and every refused one (leaving the question as it was), and
 * the one rule: the owner, the owner's tutor and admins see a question; a
 * stranger gets the 404 of a question that does not exist, and so does a tutor
 * whose role was taken away. Review: a pending question is not there for its
 * student (list, filters, get) until the tutor approves it; the student may
 * not review (403); versions of every edit, newest first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <unistd.h>

#include "api_fixture.h"
#include "content/worksheet.h"
#include "core/ids.h"
#include "materials/questions.h"
#include "materials/tags.h"

/* Two questions tagged biology.cells and exam.unit-2. */
#define WORKSHEET_CELLS                                                                                      \
    "{\"title\":\"Cells\",\"worksheet\":true,\"tags\":[\"biology.cells\",\"exam.unit-2\"],"                  \
    "\"text\":\"Mitochondria make ATP for the cell.\\n\\n"                                                   \
    "1. Which organelle makes ATP?\\nA. Ribosome\\nB. Mitochondrion\\nC. Nucleus\\n\\n"                      \
    "2. What does the nucleus hold?\\nA. DNA\\nB. Water\\n\\nAnswer Key\\n1. B\\n2. A\\n\"}"
/* One question tagged math.algebra. */
#define WORKSHEET_ALGEBRA                                                                                    \
    "{\"title\":\"Algebra\",\"worksheet\":true,\"tags\":\"math.algebra\","                                   \
    "\"text\":\"Equations.\\n\\n1. Solve 2x = 4 for x (100% sure_ness).\\nA. 1\\nB. 2\\n\\nAnswer Key\\n1. " \
    "B\\n\"}"

typedef struct bank {
    char cells[MATERIAL_ID_LEN + 1], algebra[MATERIAL_ID_LEN + 1], theirs[MATERIAL_ID_LEN + 1];
    char atp[MATERIAL_ID_LEN + 1];     /* cells #1, the student's */
    char nucleus[MATERIAL_ID_LEN + 1]; /* cells #2 */
    char solve[MATERIAL_ID_LEN + 1];   /* algebra #1 */
    char other[MATERIAL_ID_LEN + 1];   /* student2's one question */
} bank;

/* The question ids of a list answer, comma-separated, into out. */
static void ids_of(const json_t *j, char *out, size_t cap)
{
    json_t *items = json_object_get(j, "items");
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(items); i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s", i > 0 ? "," : "",
                              jstr(json_array_get(items, i), "id"));
}

/* The id of the question with that number in a material's list. */
static void question_of(api_fx *t, api_who w, const char *material_id, int number,
                        char out[MATERIAL_ID_LEN + 1])
{
    char target[128];
    snprintf(target, sizeof target, "/api/questions?material_id=%s", material_id);
    json_t *j = call_json(t, "GET", target, w, NULL, 200);
    json_t *items = json_object_get(j, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (jint(json_array_get(items, i), "number") == number)
            snprintf(out, MATERIAL_ID_LEN + 1, "%s", jstr(json_array_get(items, i), "id"));
    json_decref(j);
}

static void stock(api_fx *t, bank *b)
{
    upload_json(t, WHO_STUDENT, WORKSHEET_CELLS, b->cells);
    ingest_ready(t, b->cells);
    upload_json(t, WHO_STUDENT, WORKSHEET_ALGEBRA, b->algebra);
    ingest_ready(t, b->algebra);
    upload_json(t, WHO_STUDENT2, API_FX_WORKSHEET, b->theirs);
    ingest_ready(t, b->theirs);
    question_of(t, WHO_STUDENT, b->cells, 1, b->atp);
    question_of(t, WHO_STUDENT, b->cells, 2, b->nucleus);
    question_of(t, WHO_STUDENT, b->algebra, 1, b->solve);
    question_of(t, WHO_STUDENT2, b->theirs, 1, b->other);
    assert_true(id_is_uuid(b->atp) && id_is_uuid(b->nucleus) && id_is_uuid(b->solve) && id_is_uuid(b->other));
}

/* "a,b,c" of bank ids, in order. */
static const char *list3(char *out, size_t cap, const char *a, const char *b, const char *c)
{
    snprintf(out, cap, "%s%s%s%s%s", a, b != NULL ? "," : "", b != NULL ? b : "", c != NULL ? "," : "",
             c != NULL ? c : "");
    return out;
}

/* GET target as w: the listed ids must be `want`. */
static void expect_listed(api_fx *t, api_who w, const char *target, const char *want)
{
    json_t *j = call_json(t, "GET", target, w, NULL, 200);
    char got[512];
    ids_of(j, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("GET %s: expected [%s], got [%s]", target, want, got);
    assert_int_equal(jint(j, "count"), (json_int_t)json_array_size(json_object_get(j, "items")));
    json_decref(j);
}

static json_t *get_question(api_fx *t, api_who w, const char *id)
{
    char target[128];
    snprintf(target, sizeof target, "/api/questions/%s", id);
    return call_json(t, "GET", target, w, NULL, 200);
}

static void expect_strings(const json_t *arr, const char *const *want, size_t n)
{
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(json_string_value(json_array_get(arr, i)), want[i]);
}

static void api_questions_list_and_get(void **state)
{
    api_fx *t = api_fx_of(state);
    bank b;
    stock(t, &b);
    char want[512];
    /* Ordered by material, then number; only the caller's. */
    json_t *j = call_json(t, "GET", "/api/questions", WHO_STUDENT, NULL, 200);
    char got[512];
    ids_of(j, got, sizeof got);
    assert_string_equal(got, list3(want, sizeof want, b.atp, b.nucleus, b.solve));
    assert_int_equal(jint(j, "count"), 3);
    assert_int_equal(jint(j, "limit"), 50);
    assert_int_equal(jint(j, "offset"), 0);
    json_t *q = json_array_get(json_object_get(j, "items"), 0);
    assert_int_equal(json_object_size(q), 17); /* a worksheet question says nothing of generation */
    assert_string_equal(jstr(q, "review_status"), "approved");
    assert_int_equal(jint(q, "version"), 1);
    /* every tag with where it comes from: the uploader's, the headings' (topic.*) */
    json_t *details = json_object_get(q, "tag_details");
    assert_int_equal(json_array_size(details), json_array_size(json_object_get(q, "tags")));
    for (size_t i = 0; i < json_array_size(details); i++) {
        json_t *td = json_array_get(details, i);
        const char *tag = jstr(td, "tag");
        assert_string_equal(tag, json_string_value(json_array_get(json_object_get(q, "tags"), i)));
        assert_string_equal(jstr(td, "source"), strncmp(tag, "topic.", 6) == 0 ? "heading" : "uploader");
        assert_true(json_is_null(json_object_get(td, "score")));
        assert_true(json_is_false(json_object_get(td, "confirmed")));
    }
    assert_string_equal(jstr(q, "owner_id"), api_fx_id(t, WHO_STUDENT));
    assert_string_equal(jstr(q, "material_id"), b.cells);
    assert_int_equal(jint(q, "number"), 1);
    assert_int_equal(jint(q, "page"), 1);
    assert_string_equal(jstr(q, "type"), "multiple_choice");
    assert_string_equal(jstr(q, "stem"), "Which organelle makes ATP?");
    static const char *const options[] = {"Ribosome", "Mitochondrion", "Nucleus"};
    expect_strings(json_object_get(q, "options"), options, 3);
    assert_string_equal(jstr(q, "answer"), "B");
    assert_true(json_is_null(json_object_get(q, "explanation")));
    assert_string_equal(jstr(q, "source"), "worksheet");
    static const char *const tags[] = {"biology.cells", "exam.unit-2"};
    expect_strings(json_object_get(q, "tags"), tags, 2);
    assert_string_equal(jstr(q, "created_at"), jstr(q, "updated_at"));

    /* One question alone is the same object. */
    json_t *one = get_question(t, WHO_STUDENT, b.atp);
    assert_true(json_equal(one, q));
    json_decref(one);
    json_decref(j);
    one = get_question(t, WHO_STUDENT, b.solve);
    assert_string_equal(jstr(one, "stem"), "Solve 2x = 4 for x (100% sure_ness).");
    static const char *const algebra_tags[] = {"math.algebra"};
    expect_strings(json_object_get(one, "tags"), algebra_tags, 1);
    json_decref(one);

    char ghost[ID_UUID_LEN + 1], target[128];
    id_uuid7(ghost);
    snprintf(target, sizeof target, "/api/questions/%s", ghost);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    call_error(t, "GET", "/api/questions/not-an-id", WHO_STUDENT, NULL, 404, "not_found");

    /* Pages. */
    expect_listed(t, WHO_STUDENT, "/api/questions?limit=1&offset=1", b.nucleus);
    expect_listed(t, WHO_STUDENT, "/api/questions?limit=2", list3(want, sizeof want, b.atp, b.nucleus, NULL));
    expect_listed(t, WHO_STUDENT, "/api/questions?offset=3", "");
    json_decref(call_json(t, "GET", "/api/questions?limit=200", WHO_STUDENT, NULL, 200));
    static const char *const bad[] = {"/api/questions?limit=0", "/api/questions?limit=201",
                                      "/api/questions?limit=x", "/api/questions?offset=-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        call_error(t, "GET", bad[i], WHO_STUDENT, NULL, 400, "invalid_request");
}

static void api_questions_list_filters(void **state)
{
    api_fx *t = api_fx_of(state);
    bank b;
    stock(t, &b);
    char want[512], target[256];
    const char *cells = list3(want, sizeof want, b.atp, b.nucleus, NULL);
    /* A tag covers itself and everything under it, whole segments only, in any case. */
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=biology", cells);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=biology.cells", cells);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=Biology.Cells", cells);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=exam", cells);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=math", b.solve);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=bio", "");
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=biology.cells.membranes", "");
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=biology.cell", "");
    /* Words of the stem, in any case, taken literally. */
    expect_listed(t, WHO_STUDENT, "/api/questions?q=organelle", b.atp);
    expect_listed(t, WHO_STUDENT, "/api/questions?q=ORGANELLE", b.atp);
    expect_listed(t, WHO_STUDENT, "/api/questions?q=nucleus", b.nucleus); /* the stem, not the options */
    expect_listed(t, WHO_STUDENT, "/api/questions?q=100%25", b.solve);
    expect_listed(t, WHO_STUDENT, "/api/questions?q=%25", b.solve);
    expect_listed(t, WHO_STUDENT, "/api/questions?q=s_re", "");        /* "_" is no wildcard... */
    expect_listed(t, WHO_STUDENT, "/api/questions?q=e_ness", b.solve); /* ...but itself */
    expect_listed(t, WHO_STUDENT, "/api/questions?q=makes%20ATP", b.atp);
    expect_listed(t, WHO_STUDENT, "/api/questions?q=ATP%20makes", "");
    /* One material; someone else's has nothing to show. */
    snprintf(target, sizeof target, "/api/questions?material_id=%s", b.cells);
    expect_listed(t, WHO_STUDENT, target, cells);
    snprintf(target, sizeof target, "/api/questions?material_id=%s", b.algebra);
    expect_listed(t, WHO_STUDENT, target, b.solve);
    snprintf(target, sizeof target, "/api/questions?material_id=%s", b.theirs);
    expect_listed(t, WHO_STUDENT, target, "");
    /* Together. */
    snprintf(target, sizeof target, "/api/questions?tag=biology&q=hold&material_id=%s", b.cells);
    expect_listed(t, WHO_STUDENT, target, b.nucleus);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=math&q=organelle", "");

    char letters[QUESTION_SEARCH_MAX + TAG_MAX_LEN], long_tag[sizeof letters + 32],
        long_q[sizeof letters + 32];
    memset(letters, 'a', TAG_MAX_LEN + 1);
    letters[TAG_MAX_LEN + 1] = '\0';
    snprintf(long_tag, sizeof long_tag, "/api/questions?tag=%s", letters);
    memset(letters, 'a', QUESTION_SEARCH_MAX + 1);
    letters[QUESTION_SEARCH_MAX + 1] = '\0';
    snprintf(long_q, sizeof long_q, "/api/questions?q=%s", letters);
    const char *bad[] = {"/api/questions?tag=Not%20A%20Tag!",
                         "/api/questions?tag=",
                         "/api/questions?tag=math..x",
                         long_tag,
                         "/api/questions?q=",
                         long_q,
                         "/api/questions?material_id=not-a-uuid"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_fake *f = call(t, "GET", bad[i], WHO_STUDENT, NULL);
        if (http_fake_status(f) != 400)
            fail_msg("GET %.80s: expected 400, got %d %s", bad[i], http_fake_status(f),
                     http_fake_body(f, NULL));
        expect_error(f, 400, "invalid_request");
        http_fake_free(f);
    }
}

/* Words of the stem beyond ASCII: the stem's own spelling finds it, on both
 * databases alike (ASCII letters match in any case, other letters as
 * written). */
static void api_questions_text_filter_beyond_ascii(void **state)
{
    api_fx *t = api_fx_of(state);
    char material_id[MATERIAL_ID_LEN + 1], id[MATERIAL_ID_LEN + 1];
    upload_json(t, WHO_STUDENT,
                "{\"worksheet\":true,\"text\":\"Umwelt.\\n\\n1. Was ist \\u00d6kologie, \\u00e9tude?\\nA. "
                "Eins\\nB. Zwei"
                "\\n\\nAnswer Key\\n1. B\\n\"}",
                material_id);
    ingest_ready(t, material_id);
    question_of(t, WHO_STUDENT, material_id, 1, id);
    json_t *q = get_question(t, WHO_STUDENT, id);
    assert_string_equal(jstr(q, "stem"), "Was ist \xc3\x96kologie, \xc3\xa9tude?");
    json_decref(q);
    expect_listed(t, WHO_STUDENT, "/api/questions?q=%C3%96kologie", id); /* "Ökologie", as written */
    expect_listed(t, WHO_STUDENT, "/api/questions?q=%C3%A9tude", id);    /* "étude", as written */
    expect_listed(t, WHO_STUDENT, "/api/questions?q=WAS%20IST%20%C3%96KOLOGIE", id);
    expect_listed(t, WHO_STUDENT, "/api/questions?q=%C3%B6kologie", ""); /* "ökologie": not folded... */
    expect_listed(t, WHO_STUDENT, "/api/questions?q=%C3%89TUDE", "");    /* ..."ÉTUDE" neither, anywhere */
}

/* PATCH as w: the answer (the question as stored now), status asserted. */
static json_t *patch(api_fx *t, api_who w, const char *id, const char *body, int status)
{
    char target[128];
    snprintf(target, sizeof target, "/api/questions/%s", id);
    return call_json(t, "PATCH", target, w, body, status);
}

static void api_questions_patch_fields(void **state)
{
    api_fx *t = api_fx_of(state);
    bank b;
    stock(t, &b);
    json_t *before = get_question(t, WHO_STUDENT, b.atp);
    usleep(5000); /* so updated_at moves */

    /* Each field on its own; the answer is the question as stored now. */
    json_t *j = patch(t, WHO_STUDENT, b.atp, "{\"stem\":\"Which organelle makes most of the ATP?\"}", 200);
    assert_string_equal(jstr(j, "stem"), "Which organelle makes most of the ATP?");
    assert_string_equal(jstr(j, "answer"), "B");
    assert_true(json_equal(json_object_get(j, "options"), json_object_get(before, "options")));
    assert_true(strcmp(jstr(j, "updated_at"), jstr(before, "updated_at")) > 0);
    assert_string_equal(jstr(j, "created_at"), jstr(before, "created_at"));
    json_t *now = get_question(t, WHO_STUDENT, b.atp);
    assert_true(json_equal(now, j));
    json_decref(now);
    json_decref(j);

    j = patch(t, WHO_STUDENT, b.atp, "{\"answer\":\"C\"}", 200);
    assert_string_equal(jstr(j, "answer"), "C");
    json_decref(j);
    j = patch(t, WHO_STUDENT, b.atp, "{\"answer\":null}", 200);
    assert_true(json_is_null(json_object_get(j, "answer")));
    json_decref(j);
    j = patch(t, WHO_STUDENT, b.atp, "{\"explanation\":\"Mitochondria are where respiration happens.\"}",
              200);
    assert_string_equal(jstr(j, "explanation"), "Mitochondria are where respiration happens.");
    json_decref(j);
    j = get_question(t, WHO_STUDENT, b.atp);
    assert_string_equal(jstr(j, "explanation"), "Mitochondria are where respiration happens.");
    json_decref(j);
    j = patch(t, WHO_STUDENT, b.atp, "{\"explanation\":null}", 200);
    assert_true(json_is_null(json_object_get(j, "explanation")));
    json_decref(j);

    /* Options: no options makes it a short answer, options a choice again. */
    j = patch(t, WHO_STUDENT, b.atp, "{\"options\":[]}", 200);
    assert_string_equal(jstr(j, "type"), "short_answer");
    assert_int_equal(json_array_size(json_object_get(j, "options")), 0);
    json_decref(j);
    j = patch(t, WHO_STUDENT, b.atp, "{\"options\":[\"Golgi\",\"Mitochondrion\"],\"answer\":\"B\"}", 200);
    assert_string_equal(jstr(j, "type"), "multiple_choice");
    static const char *const options[] = {"Golgi", "Mitochondrion"};
    expect_strings(json_object_get(j, "options"), options, 2);
    assert_string_equal(jstr(j, "answer"), "B");
    json_decref(j);

    /* Tags are replaced as a set: normalised, sorted, and what the filter sees. */
    j = patch(t, WHO_STUDENT, b.atp, "{\"tags\":[\"Review.Week-1\",\"biology.cells\",\"review.week-1\"]}",
              200);
    static const char *const tags[] = {"biology.cells", "review.week-1"};
    expect_strings(json_object_get(j, "tags"), tags, 2);
    json_decref(j);
    char want[256];
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=review", b.atp);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=exam", b.nucleus);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=biology",
                  list3(want, sizeof want, b.atp, b.nucleus, NULL));
    j = patch(t, WHO_STUDENT, b.atp, "{\"tags\":[]}", 200);
    assert_int_equal(json_array_size(json_object_get(j, "tags")), 0);
    json_decref(j);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=biology", b.nucleus);

    /* Everything at once; the other questions never moved. */
    j = patch(t, WHO_STUDENT, b.atp,
              "{\"stem\":\"Name the powerhouse.\",\"options\":[],\"answer\":\"Mitochondrion\","
              "\"explanation\":\"It makes ATP.\",\"tags\":[\"biology\"]}",
              200);
    assert_string_equal(jstr(j, "stem"), "Name the powerhouse.");
    assert_string_equal(jstr(j, "type"), "short_answer");
    assert_string_equal(jstr(j, "answer"), "Mitochondrion");
    assert_string_equal(jstr(j, "explanation"), "It makes ATP.");
    static const char *const one[] = {"biology"};
    expect_strings(json_object_get(j, "tags"), one, 1);
    assert_int_equal(jint(j, "number"), 1);
    assert_string_equal(jstr(j, "material_id"), b.cells);
    json_decref(j);
    j = get_question(t, WHO_STUDENT, b.nucleus);
    assert_string_equal(jstr(j, "stem"), "What does the nucleus hold?");
    static const char *const cells_tags[] = {"biology.cells", "exam.unit-2"};
    expect_strings(json_object_get(j, "tags"), cells_tags, 2);
    assert_string_equal(jstr(j, "created_at"), jstr(j, "updated_at"));
    json_decref(j);
    json_decref(before);
}

static void api_questions_patch_refused(void **state)
{
    api_fx *t = api_fx_of(state);
    bank b;
    stock(t, &b);
    json_t *before = get_question(t, WHO_STUDENT, b.atp);
    char big[QUESTION_EXPLANATION_MAX + 64];
    char body[QUESTION_EXPLANATION_MAX + 128];
    static const struct {
        const char *field;
        size_t len;
    } too_long[] = {
        {"stem", QUESTION_STEM_MAX + 1},
        {"answer", QUESTION_ANSWER_MAX + 1},
        {"explanation", QUESTION_EXPLANATION_MAX + 1},
    };
    for (size_t i = 0; i < sizeof too_long / sizeof too_long[0]; i++) {
        memset(big, 'x', too_long[i].len);
        big[too_long[i].len] = '\0';
        snprintf(body, sizeof body, "{\"%s\":\"%s\"}", too_long[i].field, big);
        json_decref(patch(t, WHO_STUDENT, b.atp, body, 422));
        /* One byte less is fine... on another question, to keep this one intact. */
        big[too_long[i].len - 1] = '\0';
        snprintf(body, sizeof body, "{\"%s\":\"%s\"}", too_long[i].field, big);
        json_decref(patch(t, WHO_STUDENT, b.nucleus, body, 200));
    }
    memset(big, 'o', QUESTION_OPTION_MAX + 1);
    big[QUESTION_OPTION_MAX + 1] = '\0';
    snprintf(body, sizeof body, "{\"options\":[\"%s\"]}", big);
    call_error(t, "PATCH", "/api/questions/x", WHO_STUDENT, "{}", 422, "validation_error"); /* shape first */
    char too_many_options[256] = "{\"options\":[";
    for (int i = 0; i <= WORKSHEET_MAX_OPTIONS; i++)
        snprintf(too_many_options + strlen(too_many_options),
                 sizeof too_many_options - strlen(too_many_options), "%s\"o%d\"", i > 0 ? "," : "", i);
    snprintf(too_many_options + strlen(too_many_options), sizeof too_many_options - strlen(too_many_options),
             "]}");
    char too_many_tags[512] = "{\"tags\":[";
    for (int i = 0; i <= TAGS_MAX; i++)
        snprintf(too_many_tags + strlen(too_many_tags), sizeof too_many_tags - strlen(too_many_tags),
                 "%s\"t%d\"", i > 0 ? "," : "", i);
    snprintf(too_many_tags + strlen(too_many_tags), sizeof too_many_tags - strlen(too_many_tags), "]}");
    const char *invalid[] = {
        "{}",
        "[]",
        "[{\"stem\":\"x\"}]",
        "{\"number\":3}",
        "{\"stem\":\"ok\",\"type\":\"essay\"}",
        "{\"stem\":\"\"}",
        "{\"stem\":5}",
        "{\"stem\":null}",
        "{\"answer\":5}",
        "{\"answer\":\"\"}",
        "{\"explanation\":\"\"}",
        "{\"explanation\":[]}",
        "{\"options\":\"A\"}",
        "{\"options\":[\"\"]}",
        "{\"options\":[1]}",
        "{\"options\":null}",
        body,
        too_many_options,
        "{\"tags\":[\"Bad Tag\"]}",
        "{\"tags\":\"biology\"}",
        "{\"tags\":[5]}",
        too_many_tags,
        /* A bad field refuses the whole correction. */
        "{\"stem\":\"A new stem\",\"tags\":[\"Bad Tag\"]}",
        "{\"answer\":\"A\",\"options\":[\"\"]}",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char target[128];
        snprintf(target, sizeof target, "/api/questions/%s", b.atp);
        http_fake *f = call(t, "PATCH", target, WHO_STUDENT, invalid[i]);
        if (http_fake_status(f) != 422)
            fail_msg("PATCH %.100s: expected 422, got %d %s", invalid[i], http_fake_status(f),
                     http_fake_body(f, NULL));
        expect_error(f, 422, "validation_error");
        http_fake_free(f);
    }
    json_decref(patch(t, WHO_STUDENT, b.atp, "{\"stem\":", 400));
    char target[128];
    snprintf(target, sizeof target, "/api/questions/%s", b.atp);
    const char *text[] = {"Authorization", t->acct[WHO_STUDENT].bearer, "Content-Type", "text/plain", NULL};
    http_fake *f = call_raw(t, "PATCH", target, text, "stem=x", 6);
    expect_error(f, 415, "unsupported_media_type");
    http_fake_free(f);
    /* A good correction of a question that is not there. */
    char ghost[ID_UUID_LEN + 1];
    id_uuid7(ghost);
    json_decref(patch(t, WHO_STUDENT, ghost, "{\"stem\":\"Anything\"}", 404));
    json_decref(patch(t, WHO_STUDENT, "not-an-id", "{\"stem\":\"Anything\"}", 404));

    /* Exactly as it was. */
    json_t *after = get_question(t, WHO_STUDENT, b.atp);
    if (!json_equal(before, after)) {
        char *x = json_dumps(before, 0), *y = json_dumps(after, 0);
        fail_msg("the question changed: %s -> %s", x, y);
    }
    json_decref(after);
    json_decref(before);
}

/* The one rule, and a tutor whose role is taken away. */
static void api_questions_visibility(void **state)
{
    api_fx *t = api_fx_of(state);
    bank b;
    stock(t, &b);
    char want[512], students[512], target[128], missing[128], ghost[ID_UUID_LEN + 1];
    list3(students, sizeof students, b.atp, b.nucleus, b.solve);

    /* A stranger: their own only; the student's are missing ones. */
    expect_listed(t, WHO_STUDENT2, "/api/questions", b.other);
    snprintf(target, sizeof target, "/api/questions?material_id=%s", b.cells);
    expect_listed(t, WHO_STUDENT2, target, "");
    expect_listed(t, WHO_STUDENT2, "/api/questions?tag=biology", b.other); /* their own is tagged so too */
    id_uuid7(ghost);
    snprintf(target, sizeof target, "/api/questions/%s", b.atp);
    snprintf(missing, sizeof missing, "/api/questions/%s", ghost);
    http_fake *f = call(t, "GET", target, WHO_STUDENT2, NULL);
    http_fake *g = call(t, "GET", missing, WHO_STUDENT2, NULL);
    expect_error(f, 404, "not_found");
    assert_string_equal(http_fake_body(f, NULL), http_fake_body(g, NULL));
    http_fake_free(f);
    http_fake_free(g);
    f = call(t, "PATCH", target, WHO_STUDENT2, "{\"stem\":\"hijacked\"}");
    g = call(t, "PATCH", missing, WHO_STUDENT2, "{\"stem\":\"hijacked\"}");
    expect_error(f, 404, "not_found");
    assert_string_equal(http_fake_body(f, NULL), http_fake_body(g, NULL));
    http_fake_free(f);
    http_fake_free(g);
    json_t *j = get_question(t, WHO_STUDENT, b.atp);
    assert_string_equal(jstr(j, "stem"), "Which organelle makes ATP?");
    json_decref(j);

    /* The owner's tutor sees and corrects; the owner sees the correction. */
    expect_listed(t, WHO_TUTOR, "/api/questions", students);
    expect_listed(t, WHO_TUTOR, "/api/questions?tag=biology",
                  list3(want, sizeof want, b.atp, b.nucleus, NULL));
    j = get_question(t, WHO_TUTOR, b.atp);
    json_decref(j);
    json_decref(patch(t, WHO_TUTOR, b.atp, "{\"explanation\":\"Checked by the tutor.\"}", 200));
    j = get_question(t, WHO_STUDENT, b.atp);
    assert_string_equal(jstr(j, "explanation"), "Checked by the tutor.");
    json_decref(j);
    snprintf(target, sizeof target, "/api/questions/%s", b.other);
    call_error(t, "GET", target, WHO_TUTOR, NULL, 404, "not_found");

    /* Admins see everyone's. */
    json_t *all = call_json(t, "GET", "/api/questions", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(all, "count"), 4);
    json_decref(all);
    json_decref(get_question(t, WHO_ADMIN, b.other));

    /* The tutor becomes a student: the student's questions are gone from the
     * list and by id, and cannot be corrected. */
    char account[128];
    snprintf(account, sizeof account, "/api/admin/users/%s", api_fx_id(t, WHO_TUTOR));
    json_decref(call_json(t, "PATCH", account, WHO_ADMIN, "{\"role\":\"student\"}", 200));
    expect_listed(t, WHO_TUTOR, "/api/questions", "");
    expect_listed(t, WHO_TUTOR, "/api/questions?tag=biology", "");
    snprintf(target, sizeof target, "/api/questions?material_id=%s", b.cells);
    expect_listed(t, WHO_TUTOR, target, "");
    snprintf(target, sizeof target, "/api/questions/%s", b.atp);
    call_error(t, "GET", target, WHO_TUTOR, NULL, 404, "not_found");
    call_error(t, "PATCH", target, WHO_TUTOR, "{\"explanation\":\"After the demotion.\"}", 404, "not_found");
    j = get_question(t, WHO_STUDENT, b.atp);
    assert_string_equal(jstr(j, "explanation"), "Checked by the tutor.");
    json_decref(j);
    /* A tutor again: the demotion ended the assignment, so still nothing
     * until an admin assigns the student again. */
    json_decref(call_json(t, "PATCH", account, WHO_ADMIN, "{\"role\":\"tutor\"}", 200));
    expect_listed(t, WHO_TUTOR, "/api/questions", "");
    char assign[128], body[128];
    snprintf(assign, sizeof assign, "/api/admin/tutors/%s/students", api_fx_id(t, WHO_TUTOR));
    snprintf(body, sizeof body, "{\"student_id\":\"%s\"}", api_fx_id(t, WHO_STUDENT));
    json_decref(call_json(t, "POST", assign, WHO_ADMIN, body, 201));
    expect_listed(t, WHO_TUTOR, "/api/questions", students);
}

/* ---- review and versions ---- */

/* A generated question of the student's on material_id, `status`, tagged
 * biology.cells (a test writes it as the quiz generator will). */
static void add_generated(api_fx *t, const char *material_id, const char *stem, const char *status,
                          char id[MATERIAL_ID_LEN + 1])
{
    id_uuid7(id);
    const char *p[] = {id, api_fx_id(t, WHO_STUDENT), material_id, stem, status};
    em_error err = {0};
    db *d = api_fx_db(t);
    if (db_run(d,
               "INSERT INTO questions (id, user_id, material_id, type, stem, options, answer, source, "
               "review_status, format, topic, term, section, quote, difficulty) "
               "VALUES ($1, $2, $3, 'short_answer', $4, '[]', 'ATP', 'generated', $5, 'cloze', 'Cells', "
               "'mitochondrion', 'Organelles', 'Mitochondria make ATP for the cell.', 0.5)",
               p, 5, &err) < 0)
        fail_msg("insert: %s", err.msg);
    const char *tp[] = {id};
    if (db_run(d, "INSERT INTO question_tags (tag, question_id) VALUES ('biology.cells', $1)", tp, 1, &err) <
        0)
        fail_msg("insert tag: %s", err.msg);
}

static json_t *review_call(api_fx *t, api_who w, const char *id, const char *body, int status)
{
    char target[128];
    snprintf(target, sizeof target, "/api/questions/%s/review", id);
    return call_json(t, "POST", target, w, body, status);
}

static void review_error(api_fx *t, api_who w, const char *id, const char *body, int status, const char *code)
{
    char target[128];
    snprintf(target, sizeof target, "/api/questions/%s/review", id);
    call_error(t, "POST", target, w, body, status, code);
}

static void api_questions_review_flow(void **state)
{
    api_fx *t = api_fx_of(state);
    bank b;
    stock(t, &b);
    char pending[MATERIAL_ID_LEN + 1], doomed[MATERIAL_ID_LEN + 1], want[512], target[128];
    add_generated(t, b.cells, "Mitochondria make ____.", "pending", pending);
    add_generated(t, b.cells, "Ribosomes make ____.", "pending", doomed);
    const char *students = list3(want, sizeof want, b.atp, b.nucleus, b.solve);

    /* The student: not listed (nor by tag, material or status), and missing by id. */
    expect_listed(t, WHO_STUDENT, "/api/questions", students);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=biology.cells",
                  list3(want, sizeof want, b.atp, b.nucleus, NULL));
    snprintf(target, sizeof target, "/api/questions?material_id=%s", b.cells);
    expect_listed(t, WHO_STUDENT, target, list3(want, sizeof want, b.atp, b.nucleus, NULL));
    expect_listed(t, WHO_STUDENT, "/api/questions?review_status=pending", "");
    snprintf(target, sizeof target, "/api/questions/%s", pending);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    call_error(t, "PATCH", target, WHO_STUDENT, "{\"stem\":\"Changed\"}", 404, "not_found");
    call_error(t, "GET", "/api/questions?review_status=waiting", WHO_TUTOR, NULL, 400, "invalid_request");

    /* The tutor: listed, with the review status and what the generator said. */
    json_t *j = call_json(t, "GET", "/api/questions?review_status=pending", WHO_TUTOR, NULL, 200);
    assert_int_equal(jint(j, "count"), 2);
    json_decref(j);
    j = get_question(t, WHO_TUTOR, pending);
    assert_string_equal(jstr(j, "review_status"), "pending");
    assert_int_equal(jint(j, "version"), 1);
    assert_string_equal(jstr(j, "source"), "generated");
    assert_string_equal(jstr(j, "format"), "cloze");
    assert_string_equal(jstr(j, "topic"), "Cells");
    assert_string_equal(jstr(j, "term"), "mitochondrion");
    assert_string_equal(jstr(j, "section"), "Organelles");
    assert_string_equal(jstr(j, "quote"), "Mitochondria make ATP for the cell.");
    assert_true(json_real_value(json_object_get(j, "difficulty")) == 0.5);
    json_decref(j);
    j = call_json(t, "GET", "/api/questions?tag=biology.cells", WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(j, "count"), 5); /* the student's 2 + 2 pending, student2's 1 */
    json_decref(j);

    /* Who may review: the student is refused, the stranger is told it is missing. */
    review_error(t, WHO_STUDENT, pending, "{\"decision\":\"approve\"}", 403, "forbidden");
    review_error(t, WHO_STUDENT, b.atp, "{\"decision\":\"reject\"}", 403, "forbidden");
    char ghost[ID_UUID_LEN + 1];
    id_uuid7(ghost);
    snprintf(target, sizeof target, "/api/questions/%s/review", pending);
    char missing[128];
    snprintf(missing, sizeof missing, "/api/questions/%s/review", ghost);
    http_fake *f = call(t, "POST", target, WHO_STUDENT2, "{\"decision\":\"approve\"}");
    http_fake *g = call(t, "POST", missing, WHO_STUDENT2, "{\"decision\":\"approve\"}");
    expect_error(f, 404, "not_found");
    assert_string_equal(http_fake_body(f, NULL), http_fake_body(g, NULL));
    http_fake_free(f);
    http_fake_free(g);
    /* Bad decisions and bodies. */
    static const char *const bad[] = {
        "{\"decision\":\"maybe\"}",
        "{\"decision\":true}",
        "{}",
        "[\"approve\"]",
        "{\"decision\":\"edit\"}",
        "{\"decision\":\"edit\",\"stem\":3}",
        "{\"decision\":\"edit\",\"options\":\"A\"}",
        "{\"decision\":\"edit\",\"stem\":\"Fine\",\"tags\":[\"x\"]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        review_error(t, WHO_TUTOR, pending, bad[i], 400, "invalid_request");
    review_error(t, WHO_TUTOR, pending, "{\"decision\":", 400, "invalid_json");
    review_error(t, WHO_TUTOR, pending, "{\"decision\":\"edit\",\"stem\":\"\"}", 422, "validation_error");
    j = get_question(t, WHO_TUTOR, pending);
    assert_string_equal(jstr(j, "review_status"), "pending");
    assert_string_equal(jstr(j, "stem"), "Mitochondria make ____.");
    json_decref(j);

    /* Approved by the tutor: the answer is the question as it is now, and the student sees it. */
    j = review_call(t, WHO_TUTOR, pending, "{\"decision\":\"approve\"}", 200);
    assert_string_equal(jstr(j, "id"), pending);
    assert_string_equal(jstr(j, "review_status"), "approved");
    json_decref(j);
    j = get_question(t, WHO_STUDENT, pending);
    assert_string_equal(jstr(j, "review_status"), "approved");
    json_decref(j);
    expect_listed(t, WHO_STUDENT, "/api/questions?tag=biology.cells",
                  list3(want, sizeof want, b.atp, b.nucleus, pending));
    json_decref(review_call(t, WHO_ADMIN, pending, "{\"decision\":\"approve\"}", 200)); /* again: no error */

    /* Rejected: never the student's to see. */
    j = review_call(t, WHO_ADMIN, doomed, "{\"decision\":\"reject\"}", 200);
    assert_string_equal(jstr(j, "review_status"), "rejected");
    json_decref(j);
    snprintf(target, sizeof target, "/api/questions/%s", doomed);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    expect_listed(t, WHO_STUDENT, "/api/questions?review_status=rejected", "");
    expect_listed(t, WHO_TUTOR, "/api/questions?review_status=rejected", doomed);
}

static void api_questions_versions_listed(void **state)
{
    api_fx *t = api_fx_of(state);
    bank b;
    stock(t, &b);
    char pending[MATERIAL_ID_LEN + 1], target[128];
    add_generated(t, b.cells, "Mitochondria make ____.", "pending", pending);
    snprintf(target, sizeof target, "/api/questions/%s/versions", b.atp);
    json_t *j = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(j, "count"), 0);
    json_decref(j);

    /* A correction by the student, then one by the tutor: two versions, newest first. */
    json_decref(patch(t, WHO_STUDENT, b.atp, "{\"stem\":\"Which organelle makes most ATP?\"}", 200));
    j = patch(t, WHO_TUTOR, b.atp, "{\"answer\":\"Mitochondrion\",\"tags\":[\"biology.cells\"]}", 200);
    assert_int_equal(jint(j, "version"), 3);
    json_decref(j);
    json_decref(patch(t, WHO_STUDENT, b.atp, "{\"tags\":[\"biology\"]}", 200)); /* tags alone: no version */
    j = call_json(t, "GET", target, WHO_TUTOR, NULL, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *v2 = json_array_get(items, 0), *v1 = json_array_get(items, 1);
    assert_int_equal(jint(v2, "version"), 2);
    assert_string_equal(jstr(v2, "stem"), "Which organelle makes most ATP?");
    assert_string_equal(jstr(v2, "answer"), "B");
    assert_string_equal(jstr(v2, "edited_by"), api_fx_id(t, WHO_TUTOR));
    assert_int_equal(jint(v1, "version"), 1);
    assert_string_equal(jstr(v1, "stem"), "Which organelle makes ATP?");
    assert_int_equal(json_array_size(json_object_get(v1, "options")), 3);
    assert_string_equal(jstr(v1, "edited_by"), api_fx_id(t, WHO_STUDENT));
    assert_true(json_is_null(json_object_get(v1, "explanation")));
    assert_true(strcmp(jstr(v1, "edited_at"), jstr(v2, "edited_at")) <= 0);
    assert_int_equal(json_object_size(v1), 7);
    json_decref(j);
    j = get_question(t, WHO_STUDENT, b.atp);
    assert_int_equal(jint(j, "version"), 3);
    json_decref(j);
    snprintf(target, sizeof target, "/api/questions/%s/versions?limit=1&offset=1", b.atp);
    j = call_json(t, "GET", target, WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "version"), 1);
    json_decref(j);

    /* A review's edit corrects and approves, with a version of the generated text. */
    j = review_call(
        t, WHO_TUTOR, pending,
        "{\"decision\":\"edit\",\"stem\":\"What do mitochondria make?\",\"options\":[\"ATP\",\"DNA\"],"
        "\"answer\":\"A\",\"explanation\":null}",
        200);
    assert_string_equal(jstr(j, "review_status"), "approved");
    assert_string_equal(jstr(j, "type"), "multiple_choice");
    assert_string_equal(jstr(j, "stem"), "What do mitochondria make?");
    assert_int_equal(jint(j, "version"), 2);
    json_decref(j);
    snprintf(target, sizeof target, "/api/questions/%s/versions", pending);
    j = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(jstr(json_array_get(items, 0), "stem"), "Mitochondria make ____.");
    assert_string_equal(jstr(json_array_get(items, 0), "answer"), "ATP");
    assert_string_equal(jstr(json_array_get(items, 0), "edited_by"), api_fx_id(t, WHO_TUTOR));
    json_decref(j);

    /* Who may read them: whoever sees the question. */
    call_error(t, "GET", target, WHO_STUDENT2, NULL, 404, "not_found");
    json_decref(review_call(t, WHO_TUTOR, pending, "{\"decision\":\"reject\"}", 200));
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    json_decref(call_json(t, "GET", target, WHO_TUTOR, NULL, 200));
    call_error(t, "GET", "/api/questions/not-an-id/versions", WHO_ADMIN, NULL, 404, "not_found");
    snprintf(target, sizeof target, "/api/questions/%s/versions?limit=0", b.atp);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 400, "invalid_request");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_questions_list_and_get),
        API_BOTH(api_questions_list_filters),
        API_BOTH(api_questions_text_filter_beyond_ascii),
        API_BOTH(api_questions_patch_fields),
        API_BOTH(api_questions_patch_refused),
        API_BOTH(api_questions_visibility),
        API_BOTH(api_questions_review_flow),
        API_BOTH(api_questions_versions_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
