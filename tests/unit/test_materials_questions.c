/* questions: the question bank on SQLite and PostgreSQL: listing with its
 * filters (a tag and everything under it, words of the stem taken literally,
 * one material, a review status), pages in material/number/id order,
 * visibility by the one rule (a demoted tutor included), get, and
 * corrections: each field, checked first, the tag set replaced, all in one
 * transaction, so a refused or failed correction leaves the question as it
 * was. Review: students see approved questions only, in every read; tutors
 * and admins see and review them all, the owner is refused. Versions: every
 * edit of the text keeps the text it replaced, numbered one after the other,
 * also when two connections edit at once. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include "auth/authz.h"
#include "materials/material.h"
#include "materials/questions.h"
#include "materials/tags.h"

#include "area_fixture.h"

#define NOBODY "01900000-0000-7000-8000-00000000dead"

/* The bank: the owner's questions q[0..5) on materials m1 (q0-q2) and m2
 * (q3, q4), and one of the stranger's, q[5], on m3. */
typedef struct bank {
    char owner[37], tutor[37], idle_tutor[37], stranger[37], admin[37];
    char m1[37], m2[37], m3[37];
    char q[6][37];
} bank;

static void add_material(db *d, const char *user_id, char id[37])
{
    id_uuid7(id);
    material_new m = {.user_id = user_id,
                      .title = "Worksheet",
                      .kind = "text",
                      .mime = "text/plain",
                      .sha256 = "00",
                      .storage_key = "materials/x/original",
                      .size_bytes = 1,
                      .is_worksheet = true};
    em_error err = {0};
    if (material_create(d, id, &m, false, NULL, &err) != EM_OK)
        fail_msg("material_create: %s", err.msg);
}

/* A question; tags: comma-separated, stored as given. */
static void add_question(db *d, const char *owner, const char *material_id, const char *number,
                         const char *stem, const char *options, const char *answer, const char *tags,
                         char id[37])
{
    id_uuid7(id);
    const char *p[] = {
        id,   owner,   material_id, number, strcmp(options, "[]") == 0 ? "short_answer" : "multiple_choice",
        stem, options, answer};
    area_run(d,
             "INSERT INTO questions (id, user_id, material_id, number, page, type, stem, options, answer) "
             "VALUES ($1, $2, $3, CAST($4 AS INTEGER), 1, $5, $6, $7, $8)",
             p, 8);
    char copy[256];
    snprintf(copy, sizeof copy, "%s", tags);
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        const char *tp[] = {t, id};
        area_run(d, "INSERT INTO question_tags (tag, question_id) VALUES ($1, $2)", tp, 2);
    }
}

static void make_bank(db *d, bank *b)
{
    area_user(d, "owner@example.org", "student", b->owner);
    area_user(d, "tutor@example.org", "tutor", b->tutor);
    area_user(d, "idle@example.org", "tutor", b->idle_tutor);
    area_user(d, "stranger@example.org", "student", b->stranger);
    area_user(d, "admin@example.org", "admin", b->admin);
    em_error err = {0};
    bool created = false;
    assert_int_equal(authz_assign_student(d, b->tutor, b->owner, &created, &err), EM_OK);
    add_material(d, b->owner, b->m1);
    add_material(d, b->owner, b->m2);
    add_material(d, b->stranger, b->m3);
    /* inserted out of order: the list orders them */
    add_question(d, b->owner, b->m1, "2", "What is 500 of 10?", "[\"50\",\"5000\"]", "A",
                 "math.algebra.linear", b->q[1]);
    add_question(d, b->owner, b->m1, "1", "What is 50% of 10?", "[\"5\",\"50\"]", "A", "math.algebra",
                 b->q[0]);
    add_question(d, b->owner, b->m1, "3", "Solve x_1 + 2 = 3.", "[]", NULL, "math.algebraic", b->q[2]);
    add_question(d, b->owner, b->m2, "1", "Name the organelle of photosynthesis.", "[]", "chloroplast",
                 "math,biology.cells", b->q[3]);
    add_question(d, b->owner, b->m2, "2", "Which PHOTOSYNTHESIS stage uses light? Think!", "[]", NULL, "",
                 b->q[4]);
    add_question(d, b->stranger, b->m3, "1", "What is 50% of 20?", "[\"10\",\"20\"]", "A", "math.algebra",
                 b->q[5]);
}

/* ---- what a listing visits ---- */

typedef struct seen {
    char ids[QUESTIONS_PAGE_MAX][37];
    size_t n;
} seen;

static void collect(void *ctx, const question *q)
{
    seen *s = ctx;
    assert_true(s->n < QUESTIONS_PAGE_MAX);
    snprintf(s->ids[s->n++], 37, "%s", q->id);
}

static int list(db *d, const principal *who, const char *tag, const char *text, const char *material_id,
                int limit, int offset, seen *s, em_error *err)
{
    memset(s, 0, sizeof *s);
    question_query q = {
        .tag = tag, .text = text, .material_id = material_id, .limit = limit, .offset = offset};
    size_t count = 99;
    int rc = questions_list(d, who, &q, collect, s, &count, err);
    assert_int_equal(count, rc == EM_OK ? s->n : 0);
    return rc;
}

/* The listing is exactly the questions whose indexes are in want[0..n). */
static void expect_list(db *d, const principal *who, const bank *b, const char *tag, const char *text,
                        const char *material_id, int limit, int offset, const int *want, size_t n)
{
    seen s;
    em_error err = {0};
    if (list(d, who, tag, text, material_id, limit, offset, &s, &err) != EM_OK)
        fail_msg("list tag=%s q=%s: %s", tag ? tag : "-", text ? text : "-", err.msg);
    if (s.n != n)
        fail_msg("list tag=%s q=%s offset=%d: %zu questions, want %zu", tag ? tag : "-", text ? text : "-",
                 offset, s.n, n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s.ids[i], b->q[want[i]]) != 0)
            fail_msg("list tag=%s q=%s: item %zu is not q%d", tag ? tag : "-", text ? text : "-", i, want[i]);
    }
}

#define WANT(...) (const int[]){__VA_ARGS__}, sizeof((const int[]){__VA_ARGS__}) / sizeof(int)
#define NONE NULL, 0

static void materials_questions_list_filters_and_pages(void **state)
{
    fixture *f = area_db(state);
    bank b;
    make_bank(f->d, &b);
    principal owner = area_principal(b.owner, "student");
    /* everything of the owner's, by material, number and id */
    expect_list(f->d, &owner, &b, NULL, NULL, NULL, 50, 0, WANT(0, 1, 2, 3, 4));
    /* a tag and everything under it, not its siblings; any case */
    expect_list(f->d, &owner, &b, "math.algebra", NULL, NULL, 50, 0, WANT(0, 1));
    expect_list(f->d, &owner, &b, "MATH.Algebra", NULL, NULL, 50, 0, WANT(0, 1));
    expect_list(f->d, &owner, &b, "math", NULL, NULL, 50, 0, WANT(0, 1, 2, 3));
    expect_list(f->d, &owner, &b, "math.algebra.linear", NULL, NULL, 50, 0, WANT(1));
    expect_list(f->d, &owner, &b, "math.algebraic", NULL, NULL, 50, 0, WANT(2));
    expect_list(f->d, &owner, &b, "biology", NULL, NULL, 50, 0, WANT(3));
    expect_list(f->d, &owner, &b, "math.alg", NULL, NULL, 50, 0, NONE);
    expect_list(f->d, &owner, &b, "physics", NULL, NULL, 50, 0, NONE);
    /* words of the stem: any case, LIKE's wildcards and escape taken literally */
    expect_list(f->d, &owner, &b, NULL, "50%", NULL, 50, 0, WANT(0));
    expect_list(f->d, &owner, &b, NULL, "5_0", NULL, 50, 0, NONE);
    expect_list(f->d, &owner, &b, NULL, "x_1", NULL, 50, 0, WANT(2));
    expect_list(f->d, &owner, &b, NULL, "photosynthesis", NULL, 50, 0, WANT(3, 4));
    expect_list(f->d, &owner, &b, NULL, "think!", NULL, 50, 0, WANT(4));
    expect_list(f->d, &owner, &b, NULL, "what is", NULL, 50, 0, WANT(0, 1));
    /* one material, and the filters together */
    expect_list(f->d, &owner, &b, NULL, NULL, b.m2, 50, 0, WANT(3, 4));
    expect_list(f->d, &owner, &b, "math", NULL, b.m2, 50, 0, WANT(3));
    expect_list(f->d, &owner, &b, "math", "what", b.m1, 50, 0, WANT(0, 1));
    expect_list(f->d, &owner, &b, NULL, NULL, b.m3, 50, 0, NONE); /* the stranger's */
    /* pages */
    expect_list(f->d, &owner, &b, NULL, NULL, NULL, 2, 0, WANT(0, 1));
    expect_list(f->d, &owner, &b, NULL, NULL, NULL, 2, 2, WANT(2, 3));
    expect_list(f->d, &owner, &b, NULL, NULL, NULL, 2, 4, WANT(4));
    expect_list(f->d, &owner, &b, NULL, NULL, NULL, 2, 10, NONE);
    expect_list(f->d, &owner, &b, "math", NULL, NULL, 3, 1, WANT(1, 2, 3));
    expect_list(f->d, &owner, &b, NULL, NULL, NULL, QUESTIONS_PAGE_MAX, 0, WANT(0, 1, 2, 3, 4));
    /* malformed queries */
    seen s;
    em_error err = {0};
    assert_int_equal(list(f->d, &owner, NULL, NULL, NULL, 0, 0, &s, &err), EM_E_INVAL);
    assert_int_equal(list(f->d, &owner, NULL, NULL, NULL, QUESTIONS_PAGE_MAX + 1, 0, &s, &err), EM_E_INVAL);
    assert_int_equal(list(f->d, &owner, NULL, NULL, NULL, 10, -1, &s, &err), EM_E_INVAL);
    assert_int_equal(list(f->d, &owner, "math..algebra", NULL, NULL, 10, 0, &s, &err), EM_E_INVAL);
    assert_int_equal(list(f->d, &owner, "math algebra", NULL, NULL, 10, 0, &s, &err), EM_E_INVAL);
    assert_int_equal(list(f->d, &owner, "", NULL, NULL, 10, 0, &s, &err), EM_E_INVAL);
    char long_tag[TAG_MAX_LEN + 2];
    memset(long_tag, 'a', sizeof long_tag - 1);
    long_tag[sizeof long_tag - 1] = '\0';
    assert_int_equal(list(f->d, &owner, long_tag, NULL, NULL, 10, 0, &s, &err), EM_E_INVAL);
    assert_int_equal(list(f->d, &owner, NULL, "", NULL, 10, 0, &s, &err), EM_E_INVAL);
    char long_text[QUESTION_SEARCH_MAX + 2];
    memset(long_text, 'w', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_int_equal(list(f->d, &owner, NULL, long_text, NULL, 10, 0, &s, &err), EM_E_INVAL);
    long_text[QUESTION_SEARCH_MAX] = '\0';
    assert_int_equal(list(f->d, &owner, NULL, long_text, NULL, 10, 0, &s, &err), EM_OK);
    assert_int_equal(list(f->d, &owner, NULL, NULL, "m1", 10, 0, &s, &err), EM_E_INVAL);
    assert_int_equal(s.n, 0);
}

/* The stem filter folds the case of ASCII letters only, and alike on both
 * databases (whatever PostgreSQL's locale would make of lower()). */
static void materials_questions_text_filter_same_on_both(void **state)
{
    fixture *f = area_db(state);
    bank b;
    make_bank(f->d, &b);
    char extra[37];
    add_question(f->d, b.owner, b.m2, "3", "\xC3\x89nergie cin\xC3\xA9tique d'un OBJET", "[]", NULL, "",
                 extra);
    principal owner = area_principal(b.owner, "student");
    static const struct {
        const char *q;
        bool found;
    } cases[] = {
        {"objet", true},
        {"\xC3\x89NERGIE", true}, /* ASCII letters fold */
        {"\xC3\x89nergie CIN\xC3\xA9tique", true},
        {"cin\xC3\xA9tique", true},
        {"\xC3\xA9nergie", false}, /* other letters are compared as given */
        {"CIN\xC3\x89TIQUE", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        seen s;
        em_error err = {0};
        assert_int_equal(list(f->d, &owner, NULL, cases[i].q, NULL, 50, 0, &s, &err), EM_OK);
        if (s.n != (cases[i].found ? 1u : 0u))
            fail_msg("q=%s: %zu questions, want %d", cases[i].q, s.n, cases[i].found);
        if (cases[i].found)
            assert_string_equal(s.ids[0], extra);
    }
}

static void materials_questions_visibility(void **state)
{
    fixture *f = area_db(state);
    bank b;
    make_bank(f->d, &b);
    principal stranger = area_principal(b.stranger, "student");
    principal tutor = area_principal(b.tutor, "tutor");
    principal idle = area_principal(b.idle_tutor, "tutor");
    principal demoted = area_principal(b.tutor, "student"); /* the tutor's role now */
    principal admin = area_principal(b.admin, "admin");
    expect_list(f->d, &stranger, &b, NULL, NULL, NULL, 50, 0, WANT(5));
    expect_list(f->d, &stranger, &b, "math.algebra", NULL, NULL, 50, 0, WANT(5));
    expect_list(f->d, &stranger, &b, NULL, NULL, b.m1, 50, 0, NONE);
    expect_list(f->d, &tutor, &b, NULL, NULL, NULL, 50, 0, WANT(0, 1, 2, 3, 4));
    expect_list(f->d, &tutor, &b, "math.algebra", "50%", NULL, 50, 0, WANT(0));
    expect_list(f->d, &idle, &b, NULL, NULL, NULL, 50, 0, NONE);
    expect_list(f->d, &demoted, &b, NULL, NULL, NULL, 50, 0, NONE);
    /* the admin sees everyone's, in the same order (m1 < m2 < m3) */
    expect_list(f->d, &admin, &b, NULL, NULL, NULL, 50, 0, WANT(0, 1, 2, 3, 4, 5));
    expect_list(f->d, &admin, &b, "math.algebra", NULL, NULL, 50, 0, WANT(0, 1, 5));
    /* get answers invisible like missing */
    seen s = {0};
    em_error err = {0};
    const principal *refused[] = {&stranger, &idle, &demoted};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(questions_get(f->d, refused[i], b.q[0], collect, &s, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such question");
    }
    assert_int_equal(s.n, 0);
    assert_int_equal(questions_get(f->d, &tutor, b.q[0], collect, &s, &err), EM_OK);
    assert_int_equal(questions_get(f->d, &admin, b.q[5], collect, &s, &err), EM_OK);
    assert_int_equal(questions_get(f->d, &stranger, b.q[5], collect, &s, &err), EM_OK);
    assert_int_equal(s.n, 3);
}

/* ---- one question ---- */

typedef struct snapshot {
    int visits;
    char text[4096]; /* every field but the id, in one line */
    char updated_at[40];
    json_t *options, *tags;
    char type[32];
    bool has_answer, has_explanation;
    char answer[256], explanation[256], stem[256];
} snapshot;

static void take(void *ctx, const question *q)
{
    snapshot *s = ctx;
    s->visits++;
    snprintf(s->text, sizeof s->text, "%s|%s|%s|%lld|%lld|%s|%s|%s|%s|%s|%s|%s|%s|%s", q->id, q->owner_id,
             q->material_id ? q->material_id : "-", (long long)q->number, (long long)q->page, q->type,
             q->stem, q->options_json, q->answer ? q->answer : "(null)",
             q->explanation ? q->explanation : "(null)", q->source, q->created_at, q->updated_at,
             q->tags_json);
    snprintf(s->updated_at, sizeof s->updated_at, "%s", q->updated_at);
    snprintf(s->type, sizeof s->type, "%s", q->type);
    snprintf(s->stem, sizeof s->stem, "%s", q->stem);
    s->has_answer = q->answer != NULL;
    snprintf(s->answer, sizeof s->answer, "%s", q->answer ? q->answer : "");
    s->has_explanation = q->explanation != NULL;
    snprintf(s->explanation, sizeof s->explanation, "%s", q->explanation ? q->explanation : "");
    s->options = json_loads(q->options_json, 0, NULL);
    s->tags = json_loads(q->tags_json, 0, NULL);
    assert_non_null(s->options);
    assert_non_null(s->tags);
}

static void release(snapshot *s)
{
    json_decref(s->options);
    json_decref(s->tags);
}

static snapshot snap(db *d, const principal *who, const char *id)
{
    snapshot s;
    memset(&s, 0, sizeof s);
    em_error err = {0};
    if (questions_get(d, who, id, take, &s, &err) != EM_OK)
        fail_msg("questions_get: %s", err.msg);
    assert_int_equal(s.visits, 1);
    return s;
}

static void materials_questions_get(void **state)
{
    fixture *f = area_db(state);
    bank b;
    make_bank(f->d, &b);
    principal owner = area_principal(b.owner, "student");
    snapshot s = snap(f->d, &owner, b.q[0]);
    assert_non_null(strstr(s.text, b.q[0]));
    char want_prefix[160];
    snprintf(want_prefix, sizeof want_prefix, "%s|%s|%s|1|1|multiple_choice|What is 50%% of 10?|", b.q[0],
             b.owner, b.m1);
    assert_memory_equal(s.text, want_prefix, strlen(want_prefix));
    assert_int_equal(json_array_size(s.options), 2);
    assert_string_equal(json_string_value(json_array_get(s.options, 1)), "50");
    assert_string_equal(s.answer, "A");
    assert_false(s.has_explanation);
    assert_non_null(strstr(s.text, "|worksheet|"));
    assert_int_equal(strlen(s.updated_at), 24);
    assert_int_equal(json_array_size(s.tags), 1);
    release(&s);
    /* tags sorted, an unknown answer NULL */
    s = snap(f->d, &owner, b.q[3]);
    assert_int_equal(json_array_size(s.tags), 2);
    assert_string_equal(json_string_value(json_array_get(s.tags, 0)), "biology.cells");
    assert_string_equal(json_string_value(json_array_get(s.tags, 1)), "math");
    assert_string_equal(s.type, "short_answer");
    release(&s);
    s = snap(f->d, &owner, b.q[4]);
    assert_false(s.has_answer);
    assert_int_equal(json_array_size(s.tags), 0);
    release(&s);
    /* missing, malformed */
    snapshot none;
    memset(&none, 0, sizeof none);
    em_error err = {0};
    assert_int_equal(questions_get(f->d, &owner, NOBODY, take, &none, &err), EM_E_NOT_FOUND);
    assert_int_equal(questions_get(f->d, &owner, "not-a-uuid", take, &none, &err), EM_E_NOT_FOUND);
    assert_int_equal(questions_get(f->d, &owner, NULL, take, &none, &err), EM_E_NOT_FOUND);
    assert_int_equal(none.visits, 0);
}

/* ---- corrections ---- */

static int update(db *d, const principal *who, const char *id, const question_patch *p, em_error *err)
{
    em_error_clear(err);
    return questions_update(d, who, id, p, err);
}

static void materials_questions_update_each_field(void **state)
{
    fixture *f = area_db(state);
    bank b;
    make_bank(f->d, &b);
    principal owner = area_principal(b.owner, "student");
    principal tutor = area_principal(b.tutor, "tutor");
    principal admin = area_principal(b.admin, "admin");
    em_error err = {0};
    snapshot before = snap(f->d, &owner, b.q[0]);
    /* the stem alone */
    question_patch p = {.has_stem = true, .stem = "What is 50% of 12?"};
    assert_int_equal(update(f->d, &owner, b.q[0], &p, &err), EM_OK);
    snapshot s = snap(f->d, &owner, b.q[0]);
    assert_string_equal(s.stem, "What is 50% of 12?");
    assert_string_equal(s.answer, "A");
    assert_true(json_equal(s.options, before.options));
    assert_true(json_equal(s.tags, before.tags));
    assert_true(strcmp(s.updated_at, before.updated_at) >= 0);
    release(&s);
    /* answer and explanation: set, then cleared (by a tutor, then an admin) */
    p = (question_patch){
        .has_answer = true, .answer = "B", .has_explanation = true, .explanation = "Half of 12."};
    assert_int_equal(update(f->d, &tutor, b.q[0], &p, &err), EM_OK);
    s = snap(f->d, &owner, b.q[0]);
    assert_string_equal(s.answer, "B");
    assert_string_equal(s.explanation, "Half of 12.");
    release(&s);
    p = (question_patch){.has_answer = true, .answer = NULL, .has_explanation = true, .explanation = NULL};
    assert_int_equal(update(f->d, &admin, b.q[0], &p, &err), EM_OK);
    s = snap(f->d, &owner, b.q[0]);
    assert_false(s.has_answer);
    assert_false(s.has_explanation);
    assert_string_equal(s.stem, "What is 50% of 12?");
    release(&s);
    /* options decide the type */
    json_t *opts = json_pack("[s, s, s]", "5", "6", "7");
    p = (question_patch){.options = opts};
    assert_int_equal(update(f->d, &owner, b.q[2], &p, &err), EM_OK);
    json_decref(opts);
    s = snap(f->d, &owner, b.q[2]);
    assert_string_equal(s.type, "multiple_choice");
    assert_int_equal(json_array_size(s.options), 3);
    assert_string_equal(json_string_value(json_array_get(s.options, 2)), "7");
    release(&s);
    opts = json_array();
    p = (question_patch){.options = opts};
    assert_int_equal(update(f->d, &owner, b.q[2], &p, &err), EM_OK);
    json_decref(opts);
    s = snap(f->d, &owner, b.q[2]);
    assert_string_equal(s.type, "short_answer");
    assert_int_equal(json_array_size(s.options), 0);
    release(&s);
    /* the tag set is replaced: normalised, deduplicated, sorted when read */
    json_t *tags = json_pack("[s, s, s]", "Physics.Waves", "math.geometry", "physics.waves");
    p = (question_patch){.tags = tags};
    assert_int_equal(update(f->d, &owner, b.q[0], &p, &err), EM_OK);
    json_decref(tags);
    s = snap(f->d, &owner, b.q[0]);
    assert_int_equal(json_array_size(s.tags), 2);
    assert_string_equal(json_string_value(json_array_get(s.tags, 0)), "math.geometry");
    assert_string_equal(json_string_value(json_array_get(s.tags, 1)), "physics.waves");
    release(&s);
    expect_list(f->d, &owner, &b, "math.algebra", NULL, NULL, 50, 0, WANT(1));
    expect_list(f->d, &owner, &b, "physics", NULL, NULL, 50, 0, WANT(0));
    tags = json_array();
    p = (question_patch){.tags = tags};
    assert_int_equal(update(f->d, &owner, b.q[0], &p, &err), EM_OK);
    json_decref(tags);
    s = snap(f->d, &owner, b.q[0]);
    assert_int_equal(json_array_size(s.tags), 0);
    release(&s);
    /* an empty correction changes nothing */
    snapshot q1 = snap(f->d, &owner, b.q[1]);
    p = (question_patch){0};
    assert_int_equal(update(f->d, &owner, b.q[1], &p, &err), EM_OK);
    s = snap(f->d, &owner, b.q[1]);
    assert_string_equal(s.text, q1.text);
    release(&s);
    release(&q1);
    release(&before);
}

/* A refused correction: the code, the validation reason, a message naming
 * `field`, and the question exactly as before. */
static void expect_refused(db *d, const principal *who, const char *id, const question_patch *p, int code,
                           const char *field)
{
    principal admin = area_principal("01900000-0000-7000-8000-0000000000ad", "admin");
    snapshot before = snap(d, &admin, id);
    em_error err = {0};
    int rc = update(d, who, id, p, &err);
    if (rc != code)
        fail_msg("%s: %d (%s), want %d", field, rc, err.msg, code);
    if (code == EM_E_INVAL) {
        assert_non_null(err.reason);
        assert_string_equal(err.reason, EM_REASON_VALIDATION);
    }
    if (strstr(err.msg, field) == NULL)
        fail_msg("\"%s\" does not name %s", err.msg, field);
    assert_false(db_in_transaction(d));
    snapshot after = snap(d, &admin, id);
    assert_string_equal(after.text, before.text);
    release(&before);
    release(&after);
}

/* Make the database refuse one tag, so a correction fails after it began
 * writing (the stem and the old tags are already changed by then). */
static void refuse_tag(db *d, const char *tag)
{
    char sql[512];
    if (db_dialect_of(d) == DB_SQLITE)
        snprintf(sql, sizeof sql,
                 "CREATE TRIGGER refuse_tag BEFORE INSERT ON question_tags WHEN NEW.tag = '%s' "
                 "BEGIN SELECT RAISE(ABORT, 'refused'); END",
                 tag);
    else
        snprintf(sql, sizeof sql,
                 "CREATE FUNCTION refuse_tag() RETURNS trigger LANGUAGE plpgsql AS "
                 "$$ BEGIN RAISE EXCEPTION 'refused'; END $$; "
                 "CREATE TRIGGER refuse_tag BEFORE INSERT ON question_tags FOR EACH ROW "
                 "WHEN (NEW.tag = '%s') EXECUTE FUNCTION refuse_tag()",
                 tag);
    area_exec(d, sql);
}

static void materials_questions_refused_corrections_change_nothing(void **state)
{
    fixture *f = area_db(state);
    bank b;
    make_bank(f->d, &b);
    principal owner = area_principal(b.owner, "student");
    const char *id = b.q[0];
    char long_stem[QUESTION_STEM_MAX + 2];
    memset(long_stem, 's', sizeof long_stem - 1);
    long_stem[sizeof long_stem - 1] = '\0';
    char long_answer[QUESTION_EXPLANATION_MAX + 2];
    memset(long_answer, 'a', sizeof long_answer - 1);
    long_answer[sizeof long_answer - 1] = '\0';
    /* every patch but the bad field is fine: nothing of it is applied */
    json_t *good_tags = json_pack("[s]", "physics");
    question_patch p = {.has_stem = true, .stem = "", .tags = good_tags};
    expect_refused(f->d, &owner, id, &p, EM_E_INVAL, "stem");
    p = (question_patch){.has_stem = true, .stem = NULL, .tags = good_tags};
    expect_refused(f->d, &owner, id, &p, EM_E_INVAL, "stem");
    p = (question_patch){.has_stem = true, .stem = long_stem, .tags = good_tags};
    expect_refused(f->d, &owner, id, &p, EM_E_INVAL, "stem");
    p = (question_patch){.has_stem = true, .stem = "Fine stem", .has_answer = true, .answer = ""};
    expect_refused(f->d, &owner, id, &p, EM_E_INVAL, "answer");
    long_answer[QUESTION_ANSWER_MAX + 1] = '\0';
    p = (question_patch){.has_stem = true, .stem = "Fine stem", .has_answer = true, .answer = long_answer};
    expect_refused(f->d, &owner, id, &p, EM_E_INVAL, "answer");
    memset(long_answer, 'a', sizeof long_answer - 1);
    p = (question_patch){
        .has_stem = true, .stem = "Fine stem", .has_explanation = true, .explanation = long_answer};
    expect_refused(f->d, &owner, id, &p, EM_E_INVAL, "explanation");
    json_t *bad[] = {json_string("A"),
                     json_pack("[s, s, s, s, s, s, s, s, s]", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                     json_pack("[s, s]", "fine", ""), json_pack("[s, i]", "fine", 3), json_object()};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = (question_patch){.has_stem = true, .stem = "Fine stem", .options = bad[i], .tags = good_tags};
        expect_refused(f->d, &owner, id, &p, EM_E_INVAL, "options");
        json_decref(bad[i]);
    }
    json_t *bad_tags = json_pack("[s, s]", "fine", "not fine");
    p = (question_patch){.has_stem = true, .stem = "Fine stem", .tags = bad_tags};
    expect_refused(f->d, &owner, id, &p, EM_E_INVAL, "\"not fine\"");
    json_decref(bad_tags);
    bad_tags = json_string("math");
    p = (question_patch){.has_stem = true, .stem = "Fine stem", .tags = bad_tags};
    expect_refused(f->d, &owner, id, &p, EM_E_INVAL, "tags");
    json_decref(bad_tags);
    /* callers who may not see it: like a question that does not exist */
    principal idle = area_principal(b.idle_tutor, "tutor");
    principal stranger = area_principal(b.stranger, "student");
    principal demoted = area_principal(b.tutor, "student");
    p = (question_patch){.has_stem = true, .stem = "Fine stem", .tags = good_tags};
    expect_refused(f->d, &idle, id, &p, EM_E_NOT_FOUND, "no such question");
    expect_refused(f->d, &stranger, id, &p, EM_E_NOT_FOUND, "no such question");
    expect_refused(f->d, &demoted, id, &p, EM_E_NOT_FOUND, "no such question");
    em_error err = {0};
    assert_int_equal(update(f->d, &owner, NOBODY, &p, &err), EM_E_NOT_FOUND);
    assert_int_equal(update(f->d, &owner, "nope", &p, &err), EM_E_NOT_FOUND);
    /* the database fails half-way: the stem and the tags stay as they were */
    refuse_tag(f->d, "boom");
    json_t *boom = json_pack("[s, s]", "physics", "boom");
    json_t *opts = json_pack("[s]", "only");
    p = (question_patch){.has_stem = true,
                         .stem = "Fine stem",
                         .has_answer = true,
                         .answer = "C",
                         .options = opts,
                         .tags = boom};
    principal admin = area_principal(b.admin, "admin");
    snapshot before = snap(f->d, &admin, id);
    assert_int_not_equal(update(f->d, &owner, id, &p, &err), EM_OK);
    assert_false(db_in_transaction(f->d));
    snapshot after = snap(f->d, &admin, id);
    assert_string_equal(after.text, before.text);
    assert_string_equal(after.stem, "What is 50% of 10?");
    expect_list(f->d, &owner, &b, "math.algebra", NULL, NULL, 50, 0, WANT(0, 1));
    release(&before);
    release(&after);
    json_decref(boom);
    /* and the same correction without the refused tag goes through */
    p.tags = good_tags;
    assert_int_equal(update(f->d, &owner, id, &p, &err), EM_OK);
    json_decref(opts);
    snapshot done = snap(f->d, &admin, id);
    assert_string_equal(done.stem, "Fine stem");
    assert_string_equal(done.answer, "C");
    assert_string_equal(json_string_value(json_array_get(done.tags, 0)), "physics");
    release(&done);
    json_decref(good_tags);
}

/* ---- review ---- */

/* A generated question of owner's on material_id, waiting with `status`,
 * tagged `tag`, with what a generated question says of itself. */
static void add_generated(db *d, const char *owner, const char *material_id, const char *number,
                          const char *stem, const char *status, const char *tag, char id[37])
{
    id_uuid7(id);
    const char *p[] = {id, owner, material_id, number, stem, status};
    area_run(d,
             "INSERT INTO questions (id, user_id, material_id, number, type, stem, options, answer, source, "
             "review_status, format, topic, term, section, quote, difficulty, fingerprint) "
             "VALUES ($1, $2, $3, CAST($4 AS INTEGER), 'short_answer', $5, '[]', 'ATP', 'generated', $6, "
             "'cloze', 'Cells', 'mitochondrion', 'Organelles', 'Mitochondria make ATP.', 0.25, $1)",
             p, 6);
    const char *tp[] = {tag, id};
    area_run(d, "INSERT INTO question_tags (tag, question_id) VALUES ($1, $2)", tp, 2);
}

/* What a get says of one question's review and generation. */
typedef struct review_view {
    int visits;
    char status[16], format[16], topic[32], quote[64];
    int64_t version;
    bool has_difficulty;
    double difficulty;
    char stem[256];
    char updated_at[40];
} review_view;

static void take_review(void *ctx, const question *q)
{
    review_view *v = ctx;
    v->visits++;
    snprintf(v->status, sizeof v->status, "%s", q->review_status);
    snprintf(v->format, sizeof v->format, "%s", q->format ? q->format : "-");
    snprintf(v->topic, sizeof v->topic, "%s", q->topic ? q->topic : "-");
    snprintf(v->quote, sizeof v->quote, "%s", q->quote ? q->quote : "-");
    v->version = q->version;
    v->has_difficulty = q->has_difficulty;
    v->difficulty = q->difficulty;
    snprintf(v->stem, sizeof v->stem, "%s", q->stem);
    snprintf(v->updated_at, sizeof v->updated_at, "%s", q->updated_at);
}

static review_view view(db *d, const principal *who, const char *id)
{
    review_view v;
    memset(&v, 0, sizeof v);
    em_error err = {0};
    if (questions_get(d, who, id, take_review, &v, &err) != EM_OK)
        fail_msg("questions_get: %s", err.msg);
    return v;
}

/* The ids listed for who with a review status filter (NULL: none). */
static size_t list_status(db *d, const principal *who, const char *status, const char *tag, seen *s)
{
    memset(s, 0, sizeof *s);
    question_query q = {.tag = tag, .review_status = status, .limit = 50};
    size_t count = 0;
    em_error err = {0};
    if (questions_list(d, who, &q, collect, s, &count, &err) != EM_OK)
        fail_msg("list: %s", err.msg);
    return count;
}

static bool listed(const seen *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], id) == 0)
            return true;
    return false;
}

static int review(db *d, const principal *who, const char *id, question_decision decision,
                  const question_patch *edit, em_error *err)
{
    em_error_clear(err);
    return questions_review(d, who, id, decision, edit, err);
}

static void materials_questions_students_see_approved_only(void **state)
{
    fixture *f = area_db(state);
    bank b;
    make_bank(f->d, &b);
    char pending[37], doomed[37];
    add_generated(f->d, b.owner, b.m1, "4", "Mitochondria make ____.", "pending", "math.algebra", pending);
    add_generated(f->d, b.owner, b.m1, "5", "Ribosomes make ____.", "pending", "math.algebra", doomed);
    principal owner = area_principal(b.owner, "student");
    principal tutor = area_principal(b.tutor, "tutor");
    principal admin = area_principal(b.admin, "admin");
    principal stranger = area_principal(b.stranger, "student");
    principal idle = area_principal(b.idle_tutor, "tutor");
    principal demoted = area_principal(b.tutor, "student");
    em_error err = {0};
    seen s;
    /* the owner: not in the list, by tag, by material, nor by status; get is 404 */
    expect_list(f->d, &owner, &b, NULL, NULL, NULL, 50, 0, WANT(0, 1, 2, 3, 4));
    expect_list(f->d, &owner, &b, "math.algebra", NULL, NULL, 50, 0, WANT(0, 1));
    expect_list(f->d, &owner, &b, NULL, NULL, b.m1, 50, 0, WANT(0, 1, 2));
    expect_list(f->d, &owner, &b, NULL, "make", NULL, 50, 0, NONE);
    assert_int_equal(list_status(f->d, &owner, "pending", NULL, &s), 0);
    assert_int_equal(list_status(f->d, &owner, "approved", NULL, &s), 5);
    review_view v = {0};
    assert_int_equal(questions_get(f->d, &owner, pending, take_review, &v, &err), EM_E_NOT_FOUND);
    assert_string_equal(err.msg, "no such question");
    assert_int_equal(v.visits, 0);
    /* nor may the owner change what they cannot see */
    question_patch p = {.has_stem = true, .stem = "Mitochondria make what?"};
    em_error_clear(&err);
    assert_int_equal(questions_update(f->d, &owner, pending, &p, &err), EM_E_NOT_FOUND);
    assert_int_equal(questions_confirm_tag(f->d, &owner, pending, "math.algebra", &err), EM_E_NOT_FOUND);
    /* the tutor and the admin see it everywhere, with what it says of itself */
    assert_int_equal(list_status(f->d, &tutor, NULL, NULL, &s), 7);
    assert_true(listed(&s, pending) && listed(&s, doomed));
    assert_int_equal(list_status(f->d, &tutor, NULL, "math.algebra", &s), 4);
    assert_true(listed(&s, pending));
    assert_int_equal(list_status(f->d, &tutor, "pending", NULL, &s), 2);
    assert_int_equal(list_status(f->d, &admin, "pending", NULL, &s), 2);
    assert_int_equal(list_status(f->d, &tutor, "rejected", NULL, &s), 0);
    v = view(f->d, &tutor, pending);
    assert_string_equal(v.status, "pending");
    assert_string_equal(v.format, "cloze");
    assert_string_equal(v.topic, "Cells");
    assert_string_equal(v.quote, "Mitochondria make ATP.");
    assert_int_equal(v.version, 1);
    assert_true(v.has_difficulty);
    assert_true(v.difficulty == 0.25);
    v = view(f->d, &owner, b.q[0]); /* a worksheet question: approved, nothing generated */
    assert_string_equal(v.status, "approved");
    assert_string_equal(v.format, "-");
    assert_false(v.has_difficulty);
    /* a status that is not one */
    question_query bad = {.review_status = "waiting", .limit = 10};
    size_t count = 0;
    assert_int_equal(questions_list(f->d, &tutor, &bad, collect, &s, &count, &err), EM_E_INVAL);
    /* those the one rule refuses see nothing of it */
    assert_int_equal(list_status(f->d, &idle, "pending", NULL, &s), 0);
    assert_int_equal(list_status(f->d, &demoted, NULL, NULL, &s), 0);
    assert_int_equal(list_status(f->d, &stranger, "pending", NULL, &s), 0);
    /* review: the owner is refused, those who cannot see it are told it is missing */
    assert_int_equal(review(f->d, &owner, pending, QUESTION_APPROVE, NULL, &err), EM_E_FORBIDDEN);
    assert_int_equal(review(f->d, &owner, b.q[0], QUESTION_REJECT, NULL, &err), EM_E_FORBIDDEN);
    const principal *refused[] = {&stranger, &idle, &demoted};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(review(f->d, refused[i], pending, QUESTION_APPROVE, NULL, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such question");
    }
    assert_int_equal(review(f->d, &tutor, NOBODY, QUESTION_APPROVE, NULL, &err), EM_E_NOT_FOUND);
    assert_int_equal(review(f->d, &tutor, "nope", QUESTION_APPROVE, NULL, &err), EM_E_NOT_FOUND);
    assert_string_equal(view(f->d, &tutor, pending).status, "pending");
    /* approved by the tutor: the owner sees it, in the list and by tag */
    assert_int_equal(review(f->d, &tutor, pending, QUESTION_APPROVE, NULL, &err), EM_OK);
    v = view(f->d, &owner, pending);
    assert_string_equal(v.status, "approved");
    assert_int_equal(v.version, 1); /* a decision is not an edit */
    assert_int_equal(list_status(f->d, &owner, NULL, "math.algebra", &s), 3);
    assert_true(listed(&s, pending));
    /* approving again changes nothing, not even updated_at */
    assert_int_equal(review(f->d, &admin, pending, QUESTION_APPROVE, NULL, &err), EM_OK);
    review_view again = view(f->d, &owner, pending);
    assert_string_equal(again.updated_at, v.updated_at);
    /* rejected by the admin: the owner never sees it, the tutor does */
    assert_int_equal(review(f->d, &admin, doomed, QUESTION_REJECT, NULL, &err), EM_OK);
    assert_int_equal(questions_get(f->d, &owner, doomed, take_review, &v, &err), EM_E_NOT_FOUND);
    assert_int_equal(list_status(f->d, &owner, NULL, NULL, &s), 6);
    assert_false(listed(&s, doomed));
    assert_int_equal(list_status(f->d, &owner, "rejected", NULL, &s), 0);
    assert_int_equal(list_status(f->d, &tutor, "rejected", NULL, &s), 1);
    assert_string_equal(s.ids[0], doomed);
    assert_string_equal(view(f->d, &tutor, doomed).status, "rejected");
    /* and an approved question can be rejected (and comes back when approved) */
    assert_int_equal(review(f->d, &tutor, pending, QUESTION_REJECT, NULL, &err), EM_OK);
    assert_int_equal(questions_get(f->d, &owner, pending, take_review, &v, &err), EM_E_NOT_FOUND);
    assert_int_equal(review(f->d, &tutor, pending, QUESTION_APPROVE, NULL, &err), EM_OK);
    assert_string_equal(view(f->d, &owner, pending).status, "approved");
}

/* ---- versions ---- */

typedef struct versions_seen {
    size_t n;
    int64_t version[16];
    char stem[16][128], edited_by[16][37], answer[16][32];
    char edited_at[16][40];
} versions_seen;

static void collect_version(void *ctx, const question_version *v)
{
    versions_seen *s = ctx;
    assert_true(s->n < 16);
    s->version[s->n] = v->version;
    snprintf(s->stem[s->n], sizeof s->stem[0], "%s", v->stem);
    snprintf(s->edited_by[s->n], sizeof s->edited_by[0], "%s", v->edited_by ? v->edited_by : "-");
    snprintf(s->answer[s->n], sizeof s->answer[0], "%s", v->answer ? v->answer : "(null)");
    snprintf(s->edited_at[s->n], sizeof s->edited_at[0], "%s", v->edited_at);
    s->n++;
}

static versions_seen versions_of(db *d, const principal *who, const char *id)
{
    versions_seen s;
    memset(&s, 0, sizeof s);
    size_t count = 99;
    em_error err = {0};
    if (questions_versions(d, who, id, QUESTIONS_PAGE_MAX, 0, collect_version, &s, &count, &err) != EM_OK)
        fail_msg("questions_versions: %s", err.msg);
    assert_int_equal(count, s.n);
    return s;
}

static int64_t version_rows(db *d, const char *id)
{
    const char *p[] = {id};
    return area_int(d, "SELECT count(*) FROM question_versions WHERE question_id = $1", p, 1);
}

static void materials_questions_edits_keep_versions(void **state)
{
    fixture *f = area_db(state);
    bank b;
    make_bank(f->d, &b);
    char pending[37];
    add_generated(f->d, b.owner, b.m1, "4", "Mitochondria make ____.", "pending", "math.algebra", pending);
    principal owner = area_principal(b.owner, "student");
    principal tutor = area_principal(b.tutor, "tutor");
    principal admin = area_principal(b.admin, "admin");
    principal stranger = area_principal(b.stranger, "student");
    em_error err = {0};
    /* a correction of the stem: version 1 kept with the old text, by the owner */
    assert_int_equal(versions_of(f->d, &owner, b.q[0]).n, 0);
    question_patch p = {.has_stem = true, .stem = "What is 50% of 12?"};
    assert_int_equal(update(f->d, &owner, b.q[0], &p, &err), EM_OK);
    review_view v = view(f->d, &owner, b.q[0]);
    assert_int_equal(v.version, 2);
    versions_seen vs = versions_of(f->d, &owner, b.q[0]);
    assert_int_equal(vs.n, 1);
    assert_int_equal(vs.version[0], 1);
    assert_string_equal(vs.stem[0], "What is 50% of 10?");
    assert_string_equal(vs.answer[0], "A");
    assert_string_equal(vs.edited_by[0], b.owner);
    assert_int_equal(strlen(vs.edited_at[0]), 24);
    /* tags alone are not the text: no version */
    json_t *tags = json_pack("[s]", "physics");
    p = (question_patch){.tags = tags};
    assert_int_equal(update(f->d, &owner, b.q[0], &p, &err), EM_OK);
    json_decref(tags);
    assert_int_equal(view(f->d, &owner, b.q[0]).version, 2);
    assert_int_equal(version_rows(f->d, b.q[0]), 1);
    /* the tutor's correction of the answer: version 2 kept, newest first */
    p = (question_patch){.has_answer = true, .answer = "B"};
    assert_int_equal(update(f->d, &tutor, b.q[0], &p, &err), EM_OK);
    vs = versions_of(f->d, &admin, b.q[0]);
    assert_int_equal(vs.n, 2);
    assert_int_equal(vs.version[0], 2);
    assert_int_equal(vs.version[1], 1);
    assert_string_equal(vs.stem[0], "What is 50% of 12?");
    assert_string_equal(vs.answer[0], "A");
    assert_string_equal(vs.edited_by[0], b.tutor);
    assert_int_equal(view(f->d, &owner, b.q[0]).version, 3);
    /* a review's edit: the pending question corrected and approved, its text kept */
    json_t *opts = json_pack("[s, s]", "ATP", "DNA");
    p = (question_patch){.has_stem = true, .stem = "What do mitochondria make?", .options = opts};
    assert_int_equal(review(f->d, &tutor, pending, QUESTION_EDIT, &p, &err), EM_OK);
    json_decref(opts);
    v = view(f->d, &owner, pending);
    assert_string_equal(v.status, "approved");
    assert_string_equal(v.stem, "What do mitochondria make?");
    assert_int_equal(v.version, 2);
    vs = versions_of(f->d, &owner, pending);
    assert_int_equal(vs.n, 1);
    assert_int_equal(vs.version[0], 1);
    assert_string_equal(vs.stem[0], "Mitochondria make ____.");
    assert_string_equal(vs.edited_by[0], b.tutor);
    /* an approved question may be edited through review too */
    p = (question_patch){.has_explanation = true, .explanation = "They make ATP."};
    assert_int_equal(review(f->d, &admin, pending, QUESTION_EDIT, &p, &err), EM_OK);
    vs = versions_of(f->d, &tutor, pending);
    assert_int_equal(vs.n, 2);
    assert_int_equal(vs.version[0], 2);
    assert_string_equal(vs.stem[0], "What do mitochondria make?");
    assert_string_equal(vs.edited_by[0], b.admin);
    /* refused edits change nothing and keep no version */
    p = (question_patch){.has_stem = true, .stem = ""};
    assert_int_equal(review(f->d, &tutor, pending, QUESTION_EDIT, &p, &err), EM_E_INVAL);
    assert_string_equal(err.reason, EM_REASON_VALIDATION);
    tags = json_pack("[s]", "physics");
    p = (question_patch){.has_stem = true, .stem = "Fine", .tags = tags};
    assert_int_equal(review(f->d, &tutor, pending, QUESTION_EDIT, &p, &err), EM_E_INVAL);
    json_decref(tags);
    p = (question_patch){0};
    assert_int_equal(review(f->d, &tutor, pending, QUESTION_EDIT, &p, &err), EM_E_INVAL);
    p = (question_patch){.has_stem = true, .stem = "Fine"};
    assert_int_equal(review(f->d, &owner, pending, QUESTION_EDIT, &p, &err), EM_E_FORBIDDEN);
    assert_int_equal(version_rows(f->d, pending), 2);
    assert_int_equal(view(f->d, &tutor, pending).version, 3);
    assert_string_equal(view(f->d, &tutor, pending).stem, "What do mitochondria make?");
    /* a correction the database fails half-way keeps no version either */
    refuse_tag(f->d, "boom");
    json_t *boom = json_pack("[s]", "boom");
    p = (question_patch){.has_stem = true, .stem = "Lost stem", .tags = boom};
    assert_int_not_equal(update(f->d, &owner, b.q[0], &p, &err), EM_OK);
    json_decref(boom);
    assert_false(db_in_transaction(f->d));
    assert_int_equal(version_rows(f->d, b.q[0]), 2);
    assert_int_equal(view(f->d, &owner, b.q[0]).version, 3);
    /* who may read versions: whoever sees the question */
    size_t count = 0;
    versions_seen none;
    memset(&none, 0, sizeof none);
    assert_int_equal(questions_versions(f->d, &stranger, b.q[0], 10, 0, collect_version, &none, &count, &err),
                     EM_E_NOT_FOUND);
    assert_int_equal(questions_versions(f->d, &owner, NOBODY, 10, 0, collect_version, &none, &count, &err),
                     EM_E_NOT_FOUND);
    assert_int_equal(questions_versions(f->d, &owner, b.q[0], 0, 0, collect_version, &none, &count, &err),
                     EM_E_INVAL);
    assert_int_equal(none.n, 0);
    /* pages, newest first */
    assert_int_equal(questions_versions(f->d, &owner, b.q[0], 1, 1, collect_version, &none, &count, &err),
                     EM_OK);
    assert_int_equal(count, 1);
    assert_int_equal(none.version[0], 1);
    /* a student sees no versions of a question that is not approved */
    assert_int_equal(review(f->d, &tutor, pending, QUESTION_REJECT, NULL, &err), EM_OK);
    assert_int_equal(questions_versions(f->d, &owner, pending, 10, 0, collect_version, &none, &count, &err),
                     EM_E_NOT_FOUND);
    assert_int_equal(versions_of(f->d, &tutor, pending).n, 2);
}

/* Two connections edit one question at once, each EDITS times: every edit
 * keeps the text it replaced under its own number, so the versions are 1..2
 * EDITS and their texts with the current one are the first text and every
 * text written, each once. */
#define EDITS 12

typedef struct editor {
    const char *url, *question, *user_id;
    char tag; /* 'a' or 'b': its texts are "<tag> <i>" */
    int failures;
    char msg[512];
} editor;

static void *edit_loop(void *arg)
{
    editor *e = arg;
    db *d = NULL;
    em_error err = {0};
    if (db_open(e->url, NULL, &d, &err) != EM_OK) {
        e->failures = EDITS;
        snprintf(e->msg, sizeof e->msg, "open: %s", err.msg);
        return NULL;
    }
    principal who = area_principal(e->user_id, "student");
    for (int i = 0; i < EDITS; i++) {
        char stem[16];
        snprintf(stem, sizeof stem, "%c %d", e->tag, i);
        question_patch p = {.has_stem = true, .stem = stem};
        em_error_clear(&err);
        int rc = questions_update(d, &who, e->question, &p, &err);
        for (int tries = 0; rc == EM_E_BUSY && tries < 100; tries++)
            rc = questions_update(d, &who, e->question, &p, &err);
        if (rc != EM_OK) {
            e->failures++;
            snprintf(e->msg, sizeof e->msg, "%s: %d %s", stem, rc, err.msg);
        }
    }
    db_close(d);
    return NULL;
}

static void materials_questions_concurrent_edits_number_versions(void **state)
{
    fixture *f = area_db(state);
    bank b;
    make_bank(f->d, &b);
    editor e[2] = {{.url = f->url, .question = b.q[0], .user_id = b.owner, .tag = 'a'},
                   {.url = f->url, .question = b.q[0], .user_id = b.owner, .tag = 'b'}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, edit_loop, &e[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 2; i++)
        if (e[i].failures != 0)
            fail_msg("editor %c: %d failures, last %s", e[i].tag, e[i].failures, e[i].msg);
    principal owner = area_principal(b.owner, "student");
    /* 2 * EDITS = 24 edits: the question is at version 25, versions 1..24 kept */
    review_view v = view(f->d, &owner, b.q[0]);
    assert_int_equal(v.version, 2 * EDITS + 1);
    const char *p[] = {b.q[0]};
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM question_versions WHERE question_id = $1", p, 1),
                     2 * EDITS);
    assert_int_equal(
        area_int(f->d, "SELECT count(DISTINCT version) FROM question_versions WHERE question_id = $1", p, 1),
        2 * EDITS);
    assert_int_equal(
        area_int(f->d, "SELECT min(version) FROM question_versions WHERE question_id = $1", p, 1), 1);
    assert_int_equal(
        area_int(f->d, "SELECT max(version) FROM question_versions WHERE question_id = $1", p, 1), 2 * EDITS);
    /* no edit was lost: the kept texts and the current one are the first text and each written one, once */
    assert_int_equal(area_int(f->d,
                              "SELECT count(DISTINCT stem) FROM question_versions WHERE question_id = $1 "
                              "AND stem <> 'What is 50% of 10?'",
                              p, 1),
                     2 * EDITS - 1);
    const char *first[] = {b.q[0], "What is 50% of 10?"};
    assert_int_equal(area_int(f->d,
                              "SELECT version FROM question_versions WHERE question_id = $1 AND stem = $2",
                              first, 2),
                     1);
    const char *current[] = {b.q[0], v.stem};
    assert_int_equal(area_int(f->d,
                              "SELECT count(*) FROM question_versions WHERE question_id = $1 AND stem = $2",
                              current, 2),
                     0);
    /* each editor's texts follow one another in its own order */
    for (int t = 0; t < 2; t++) {
        int64_t last = 0;
        for (int i = 0; i < EDITS; i++) {
            char stem[16];
            snprintf(stem, sizeof stem, "%c %d", e[t].tag, i);
            if (strcmp(stem, v.stem) == 0)
                continue; /* the current text */
            const char *q[] = {b.q[0], stem};
            int64_t at = area_int(
                f->d, "SELECT version FROM question_versions WHERE question_id = $1 AND stem = $2", q, 2);
            assert_true(at > last);
            last = at;
        }
    }
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(materials_questions_list_filters_and_pages),
        BOTH(materials_questions_text_filter_same_on_both),
        BOTH(materials_questions_visibility),
        BOTH(materials_questions_get),
        BOTH(materials_questions_update_each_field),
        BOTH(materials_questions_refused_corrections_change_nothing),
        BOTH(materials_questions_students_see_approved_only),
        BOTH(materials_questions_edits_keep_versions),
        BOTH(materials_questions_concurrent_edits_number_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
