/* Handler tests for src/api/quizzes.c through the real route table in
 * process, over a section of the Debian Reference extracted as the worker
 * would: a quiz of generated questions, each citing the passage it comes
 * from, with no near-duplicates; its submission once (409 after), with every
 * result's source; the 400s of bad answers; review cards due and graded; the
 * analysis and misconceptions; the autopilot; and who may do what. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ctype.h>
#include <pthread.h>

#include "api_fixture.h"
#include "core/buf.h"
#include "learn/qgen.h"

static void stock_reference(api_fx *t, char id[MATERIAL_ID_LEN + 1])
{
    char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(path, sizeof path, "%.*s/../fixtures/qgen/unix_filesystem.md", (int)(slash - __FILE__),
             __FILE__);
    buf b;
    buf_init(&b, 1 << 20);
    em_error err = {0};
    assert_int_equal(buf_read_file(&b, path, &err), EM_OK);
    json_t *j =
        json_pack("{s:s, s:s, s:s}", "title", "Debian Reference 1.2", "format", "markdown", "text", b.data);
    char *body = json_dumps(j, JSON_COMPACT);
    upload_json(t, WHO_STUDENT, body, id);
    free(body);
    json_decref(j);
    buf_cleanup(&b);
    ingest_ready(t, id);
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t k = 0;
        while (k < n && p[k] && tolower((unsigned char)p[k]) == tolower((unsigned char)needle[k]))
            k++;
        if (k == n)
            return true;
    }
    return false;
}

/* POST /api/quiz/generate for the material: the quiz, with the status checked. */
static json_t *new_quiz(api_fx *t, api_who w, const char *mat, int count, int status)
{
    char body[256];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"],\"count\":%d}", mat, count);
    return call_json(t, "POST", "/api/quiz/generate", w, body, status);
}

static void api_quiz_generated_cites_its_sources(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1];
    stock_reference(t, mat);
    json_t *quiz = new_quiz(t, WHO_STUDENT, mat, 12, 201);
    json_t *qs = json_object_get(quiz, "questions");
    size_t n = json_array_size(qs);
    assert_true(n >= 8);
    assert_true(n <= 12);
    for (size_t i = 0; i < n; i++) {
        json_t *q = json_array_get(qs, i);
        const char *type = jstr(q, "type");
        assert_true(strcmp(type, "cloze") == 0 || strcmp(type, "multiple_choice") == 0 ||
                    strcmp(type, "true_false") == 0 || strcmp(type, "definition") == 0);
        if (strcmp(type, "cloze") != 0)
            assert_true(json_array_size(json_object_get(q, "options")) >= 2);
        assert_null(json_object_get(q, "answer"));
        /* no near-duplicates in one quiz */
        for (size_t k = 0; k < i; k++) {
            const char *a = jstr(q, "stem"), *b = jstr(json_array_get(qs, k), "stem");
            assert_true(qgen_similarity(a, strlen(a), b, strlen(b)) < QGEN_NEAR_DUPLICATE);
        }
    }
    /* answer every question with its first option (or a word) */
    json_t *answers = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *q = json_array_get(qs, i);
        json_t *opts = json_object_get(q, "options");
        json_array_append_new(answers,
                              json_pack("{s:s, s:s, s:i}", "question_id", jstr(q, "id"), "answer",
                                        opts != NULL ? json_string_value(json_array_get(opts, 0)) : "tree",
                                        "seconds", 10));
    }
    json_t *sub = json_pack("{s:o}", "answers", answers);
    char *body = json_dumps(sub, JSON_COMPACT);
    char target[128];
    snprintf(target, sizeof target, "/api/quiz/%s/submit", jstr(quiz, "id"));
    json_t *out = call_json(t, "POST", target, WHO_STUDENT, body, 200);
    json_t *results = json_object_get(out, "results");
    assert_int_equal(json_array_size(results), n);
    /* the answers move the material's own topics, named as the planner names
       them ("Filesystem permissions", not "1.2.3. Filesystem permissions") */
    char topics_target[128];
    snprintf(topics_target, sizeof topics_target, "/api/materials/%s/topics", mat);
    json_t *topics = call_json(t, "GET", topics_target, WHO_STUDENT, NULL, 200);
    json_t *moved = json_object_get(out, "mastery");
    assert_true(json_array_size(moved) > 0);
    for (size_t i = 0; i < json_array_size(moved); i++) {
        const char *name = jstr(json_array_get(moved, i), "topic");
        bool listed = false;
        json_t *items = json_object_get(topics, "items");
        for (size_t k = 0; k < json_array_size(items) && !listed; k++)
            listed = strcmp(jstr(json_array_get(items, k), "name"), name) == 0;
        if (!listed)
            fail_msg("the answers moved \"%s\", not one of the material's topics", name);
    }
    json_decref(topics);
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(results, i), *q = json_array_get(qs, i);
        json_t *src = json_object_get(r, "source");
        assert_string_equal(jstr(src, "material_id"), mat);
        const char *quote = jstr(src, "quote");
        const char *expected = jstr(r, "expected");
        const char *type = jstr(q, "type");
        /* the key stands in its quoted source, and is an option of a choice */
        if (strcmp(type, "true_false") != 0)
            assert_true(contains_ci(quote, expected));
        if (strcmp(type, "cloze") != 0) {
            bool listed = false;
            json_t *opts = json_object_get(q, "options");
            for (size_t k = 0; k < json_array_size(opts); k++)
                listed = listed || strcmp(json_string_value(json_array_get(opts, k)), expected) == 0;
            assert_true(listed);
        }
        assert_true(strlen(jstr(r, "feedback")) > 0);
    }
    json_decref(out);
    /* once only */
    call_error(t, "POST", target, WHO_STUDENT, body, 409, "conflict");
    free(body);
    json_decref(sub);
    /* the student's next quiz brings other questions */
    json_t *again = new_quiz(t, WHO_STUDENT, mat, 12, 201);
    json_t *qs2 = json_object_get(again, "questions");
    for (size_t i = 0; i < json_array_size(qs2); i++)
        for (size_t k = 0; k < n; k++)
            assert_string_not_equal(jstr(json_array_get(qs2, i), "id"), jstr(json_array_get(qs, k), "id"));
    json_decref(again);
    /* a quiz on one topic by the name the plan shows */
    char on_topic[256];
    snprintf(on_topic, sizeof on_topic,
             "{\"material_ids\":[\"%s\"],\"topic\":\"Filesystem permissions\",\"count\":3}", mat);
    json_t *focused = call_json(t, "POST", "/api/quiz/generate", WHO_STUDENT, on_topic, 201);
    assert_true(json_array_size(json_object_get(focused, "questions")) > 0);
    json_decref(focused);
    json_decref(quiz);
}

/* A quiz outlives the material it was made from: once the material (and the
 * bank's questions from it) is deleted, the quiz still shows every question
 * with an id and takes its answers. */
static void api_quiz_outlives_its_material(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1];
    stock_reference(t, mat);
    json_t *quiz = new_quiz(t, WHO_STUDENT, mat, 4, 201);
    char target[160];
    snprintf(target, sizeof target, "/api/materials/%s", mat);
    http_fake_free(call(t, "DELETE", target, WHO_STUDENT, NULL));
    snprintf(target, sizeof target, "/api/quiz/%s", jstr(quiz, "id"));
    json_t *shown = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    json_t *qs = json_object_get(shown, "questions");
    assert_true(json_array_size(qs) > 0);
    json_t *answers = json_array();
    for (size_t i = 0; i < json_array_size(qs); i++) {
        json_t *q = json_array_get(qs, i);
        assert_true(strlen(jstr(q, "id")) > 0);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(jstr(q, "id"), jstr(json_array_get(qs, k), "id"));
        json_t *opts = json_object_get(q, "options");
        json_array_append_new(answers,
                              json_pack("{s:s, s:s}", "question_id", jstr(q, "id"), "answer",
                                        opts != NULL ? json_string_value(json_array_get(opts, 0)) : "tree"));
    }
    json_t *sub = json_pack("{s:o}", "answers", answers);
    char *body = json_dumps(sub, JSON_COMPACT);
    snprintf(target, sizeof target, "/api/quiz/%s/submit", jstr(quiz, "id"));
    json_t *out = call_json(t, "POST", target, WHO_STUDENT, body, 200);
    assert_int_equal(json_array_size(json_object_get(out, "results")), json_array_size(qs));
    for (size_t i = 0; i < json_array_size(qs); i++)
        assert_string_equal(jstr(json_array_get(json_object_get(out, "results"), i), "question_id"),
                            jstr(json_array_get(qs, i), "id"));
    json_decref(out);
    free(body);
    json_decref(sub);
    json_decref(shown);
    json_decref(quiz);
}

static void api_quiz_refusals_and_access(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1];
    stock_reference(t, mat);
    /* another student's mat, and the student's tutor: 404 as if absent */
    char body[256];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"]}", mat);
    call_error(t, "POST", "/api/quiz/generate", WHO_STUDENT2, body, 404, "not_found");
    call_error(t, "POST", "/api/quiz/generate", WHO_TUTOR, body, 404, "not_found");
    call_error(t, "POST", "/api/quiz/generate", WHO_ANON, body, 401, "unauthorized");
    call_error(t, "POST", "/api/quiz/generate", WHO_STUDENT, "{\"count\":0}", 400, "invalid_request");
    call_error(t, "POST", "/api/quiz/generate", WHO_STUDENT, "not json", 400, "invalid_json");
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"],\"topic\":\"Quantum chromodynamics\"}", mat);
    call_error(t, "POST", "/api/quiz/generate", WHO_STUDENT, body, 422, "validation_error");

    json_t *quiz = new_quiz(t, WHO_STUDENT, mat, 3, 201);
    const char *qid = jstr(json_array_get(json_object_get(quiz, "questions"), 0), "id");
    char target[128];
    snprintf(target, sizeof target, "/api/quiz/%s", jstr(quiz, "id"));
    json_t *got = call_json(t, "GET", target, WHO_TUTOR, NULL, 200);
    json_decref(got);
    got = call_json(t, "GET", target, WHO_ADMIN, NULL, 200);
    json_decref(got);
    call_error(t, "GET", target, WHO_STUDENT2, NULL, 404, "not_found");
    call_error(t, "GET", "/api/quiz/not-a-quiz", WHO_STUDENT, NULL, 404, "not_found");

    snprintf(target, sizeof target, "/api/quiz/%s/submit", jstr(quiz, "id"));
    char *big = malloc(2000);
    memset(big, 'x', 1999);
    big[1999] = '\0';
    json_t *bad[] = {
        json_pack("{s:[{s:s, s:s}]}", "answers", "question_id", qid, "answer", ""),
        json_pack("{s:[{s:s, s:s}]}", "answers", "question_id", qid, "answer", big),
        json_pack("{s:[{s:s}]}", "answers", "question_id", qid),
        json_pack("{s:s}", "answers", qid),
        json_pack("{s:[]}", "answers"), /* nothing answered: the quiz stays open */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *text = json_dumps(bad[i], JSON_COMPACT);
        call_error(t, "POST", target, WHO_STUDENT, text, 400, "invalid_request");
        free(text);
        json_decref(bad[i]);
    }
    char *b = malloc(4096);
    snprintf(b, 4096, "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"tree\"}]}", qid);
    call_error(t, "POST", target, WHO_TUTOR, b, 404, "not_found");
    json_t *out = call_json(t, "POST", target, WHO_STUDENT, b, 200);
    json_decref(out);
    call_error(t, "POST", target, WHO_STUDENT, b, 409, "conflict");
    free(b);
    free(big);
    json_decref(quiz);
}

static void api_reviews_analysis_and_autopilot(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1];
    stock_reference(t, mat);
    json_t *quiz = new_quiz(t, WHO_STUDENT, mat, 5, 201);
    json_t *qs = json_object_get(quiz, "questions");
    json_t *answers = json_array();
    for (size_t i = 0; i < json_array_size(qs); i++)
        json_array_append_new(answers,
                              json_pack("{s:s, s:s}", "question_id", jstr(json_array_get(qs, i), "id"),
                                        "answer", "none of these"));
    json_t *sub = json_pack("{s:o}", "answers", answers);
    char *body = json_dumps(sub, JSON_COMPACT);
    char target[160];
    snprintf(target, sizeof target, "/api/quiz/%s/submit", jstr(quiz, "id"));
    json_t *out = call_json(t, "POST", target, WHO_STUDENT, body, 200);
    json_decref(out);
    free(body);
    json_decref(sub);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM review_cards"), (int64_t)json_array_size(qs));

    /* the cards are the student's: listed with their grades' next dates */
    json_t *due = call_json(t, "GET", "/api/reviews/due?limit=10", WHO_STUDENT, NULL, 200);
    assert_non_null(json_object_get(due, "cards"));
    assert_non_null(json_object_get(due, "day"));
    json_decref(due);
    due = call_json(t, "GET", "/api/reviews/due", WHO_STUDENT2, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(due, "cards")), 0);
    json_decref(due);
    call_error(t, "GET", "/api/reviews/due?limit=0", WHO_STUDENT, NULL, 400, "invalid_request");
    db_stmt *st = NULL;
    em_error err = {0};
    assert_int_equal(db_prepare(api_fx_db(t), "SELECT id FROM review_cards LIMIT 1", &st, &err), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    char card[64];
    snprintf(card, sizeof card, "%s", db_column_text(st, 0));
    db_finalize(st);
    snprintf(target, sizeof target, "/api/reviews/%s/grade", card);
    call_error(t, "POST", target, WHO_STUDENT, "{\"grade\":\"meh\"}", 400, "invalid_request");
    call_error(t, "POST", target, WHO_STUDENT, "{\"grade\":5}", 400, "invalid_request");
    call_error(t, "POST", target, WHO_STUDENT2, "{\"grade\":\"good\"}", 404, "not_found");
    call_error(t, "POST", target, WHO_TUTOR, "{\"grade\":\"good\"}", 404, "not_found");
    json_t *g = call_json(t, "POST", target, WHO_STUDENT, "{\"grade\":\"good\"}", 200);
    assert_non_null(json_object_get(g, "due_at"));
    assert_true(jint(g, "scheduled_days") >= 1);
    json_decref(g);

    /* the analysis: for the student, by the student's tutor; not by another */
    json_t *a = call_json(t, "POST", "/api/analyze/performance", WHO_STUDENT, "{}", 200);
    assert_int_equal(jint(a, "attempts"), (json_int_t)json_array_size(qs));
    assert_true(json_array_size(json_object_get(a, "topics")) >= 1);
    json_decref(a);
    char who[128];
    snprintf(who, sizeof who, "{\"user_id\":\"%s\"}", api_fx_id(t, WHO_STUDENT));
    a = call_json(t, "POST", "/api/analyze/performance", WHO_TUTOR, who, 200);
    json_decref(a);
    call_error(t, "POST", "/api/analyze/performance", WHO_STUDENT2, who, 404, "not_found");
    json_t *m = call_json(t, "GET", "/api/misconceptions?status=all", WHO_STUDENT, NULL, 200);
    assert_non_null(json_object_get(m, "items"));
    json_decref(m);
    call_error(t, "GET", "/api/misconceptions?status=sometimes", WHO_STUDENT, NULL, 400, "invalid_request");

    /* the autopilot of a session: the student's to drive */
    char sbody[256];
    snprintf(
        sbody, sizeof sbody,
        "{\"title\":\"Unix\",\"exam_date\":\"2027-06-01\",\"daily_minutes\":45,\"material_ids\":[\"%s\"]}",
        mat);
    json_t *session = call_json(t, "POST", "/api/sessions", WHO_STUDENT, sbody, 201);
    snprintf(target, sizeof target, "/api/sessions/%s/autopilot/next", jstr(session, "id"));
    json_t *next = call_json(t, "POST", target, WHO_STUDENT, NULL, 200);
    assert_true(strlen(jstr(next, "reason")) > 0);
    assert_true(strlen(jstr(next, "activity")) > 0);
    json_decref(next);
    call_error(t, "POST", target, WHO_TUTOR, NULL, 404, "not_found");
    call_error(t, "POST", target, WHO_STUDENT2, NULL, 404, "not_found");
    json_decref(session);
    json_decref(quiz);
}

/* One quiz is made at a time per student: while one is being made (the
 * gate held here, as a request running would hold it), another of the same
 * student is 429 with Retry-After and makes nothing; other students are not
 * held up; once it is done the student makes the next. */
static void api_quiz_one_at_a_time_per_student(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1];
    stock_reference(t, mat);
    assert_true(inflight_enter(t->ctx.quiz_gate, api_fx_id(t, WHO_STUDENT)));
    char body[256];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"],\"count\":3}", mat);
    http_fake *f = call(t, "POST", "/api/quiz/generate", WHO_STUDENT, body);
    expect_error(f, 429, "rate_limited");
    assert_string_equal(http_fake_header(f, "Retry-After"), "1");
    http_fake_free(f);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM quizzes"), 0);
    /* the second student's request runs (and is refused for its own reason) */
    call_error(t, "POST", "/api/quiz/generate", WHO_STUDENT2, "{}", 422, "validation_error");
    inflight_leave(t->ctx.quiz_gate, api_fx_id(t, WHO_STUDENT));
    json_decref(call_json(t, "POST", "/api/quiz/generate", WHO_STUDENT, body, 201));
    /* and the gate is free again after it */
    json_decref(call_json(t, "POST", "/api/quiz/generate", WHO_STUDENT, body, 201));
}

/* A student's answers to quiz `quiz` (every question, "none of these"),
 * submitted: 200. */
static void submit_wrong(api_fx *t, const json_t *quiz)
{
    json_t *qs = json_object_get(quiz, "questions");
    json_t *answers = json_array();
    for (size_t i = 0; i < json_array_size(qs); i++)
        json_array_append_new(answers,
                              json_pack("{s:s, s:s}", "question_id", jstr(json_array_get(qs, i), "id"),
                                        "answer", "none of these"));
    json_t *sub = json_pack("{s:o}", "answers", answers);
    char *body = json_dumps(sub, JSON_COMPACT);
    char target[160];
    snprintf(target, sizeof target, "/api/quiz/%s/submit", jstr(quiz, "id"));
    json_decref(call_json(t, "POST", target, WHO_STUDENT, body, 200));
    free(body);
    json_decref(sub);
}

#define GRADERS 8

/* One of GRADERS requests sent at once: POST target with body as the student. */
typedef struct grader {
    api_fx *t;
    const char *target, *request;
    pthread_barrier_t *go;
    int status;
    char body[256];
} grader;

static void *grade_once(void *arg)
{
    grader *g = arg;
    pthread_barrier_wait(g->go);
    http_fake *f = call(g->t, "POST", g->target, WHO_STUDENT, g->request);
    g->status = http_fake_status(f);
    size_t len = 0;
    const char *b = http_fake_body(f, &len);
    snprintf(g->body, sizeof g->body, "%.*s", (int)len, b != NULL ? b : "");
    http_fake_free(f);
    dbpool_release(g->t->pool);
    return NULL;
}

/* Grades of one card sent at once (two tabs, a double click) are reviews one
 * after the other: every one answered 200, every one logged, none lost. */
static void api_reviews_grades_at_once(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1];
    stock_reference(t, mat);
    json_t *quiz = new_quiz(t, WHO_STUDENT, mat, 1, 201);
    submit_wrong(t, quiz);
    json_decref(quiz);
    db_stmt *st = NULL;
    em_error err = {0};
    assert_int_equal(db_prepare(api_fx_db(t), "SELECT id FROM review_cards LIMIT 1", &st, &err), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    char card[64], target[160];
    snprintf(card, sizeof card, "%s", db_column_text(st, 0));
    db_finalize(st);
    snprintf(target, sizeof target, "/api/reviews/%s/grade", card);
    for (int round = 0; round < 3; round++) {
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, GRADERS);
        grader g[GRADERS];
        pthread_t th[GRADERS];
        for (int i = 0; i < GRADERS; i++) {
            g[i] = (grader){.t = t, .target = target, .request = "{\"grade\":\"good\"}", .go = &go};
            assert_int_equal(pthread_create(&th[i], NULL, grade_once, &g[i]), 0);
        }
        for (int i = 0; i < GRADERS; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
        for (int i = 0; i < GRADERS; i++)
            if (g[i].status != 200)
                fail_msg("round %d, grade %d: %d %s", round, i, g[i].status, g[i].body);
    }
    /* the quiz's review and every grade: each its log row and its step */
    assert_int_equal(sql_int(t, "SELECT count(*) FROM review_logs"), 1 + 3 * GRADERS);
    assert_int_equal(sql_int(t, "SELECT reps FROM review_cards"), 1 + 3 * GRADERS);
}

/* The autopilot asked from several tabs at once: every decision answered is
 * one recorded in the session's history, none lost to another's write. */
static void api_autopilot_decisions_at_once(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1];
    stock_reference(t, mat);
    char sbody[256], target[160];
    snprintf(
        sbody, sizeof sbody,
        "{\"title\":\"Unix\",\"exam_date\":\"2027-06-01\",\"daily_minutes\":45,\"material_ids\":[\"%s\"]}",
        mat);
    json_t *session = call_json(t, "POST", "/api/sessions", WHO_STUDENT, sbody, 201);
    snprintf(target, sizeof target, "/api/sessions/%s/autopilot/next", jstr(session, "id"));
    char count_sql[200];
    snprintf(count_sql, sizeof count_sql, "SELECT agent_history FROM study_sessions WHERE id = '%s'",
             jstr(session, "id"));
    json_decref(session);
    for (int round = 0; round < 3; round++) {
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, GRADERS);
        grader g[GRADERS];
        pthread_t th[GRADERS];
        for (int i = 0; i < GRADERS; i++) {
            g[i] = (grader){.t = t, .target = target, .request = NULL, .go = &go};
            assert_int_equal(pthread_create(&th[i], NULL, grade_once, &g[i]), 0);
        }
        for (int i = 0; i < GRADERS; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
        for (int i = 0; i < GRADERS; i++)
            if (g[i].status != 200)
                fail_msg("round %d, request %d: %d %s", round, i, g[i].status, g[i].body);
    }
    db_stmt *st = NULL;
    em_error err = {0};
    assert_int_equal(db_prepare(api_fx_db(t), count_sql, &st, &err), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    json_t *history = json_loads(db_column_text(st, 0), 0, NULL);
    db_finalize(st);
    assert_int_equal(json_array_size(history), 3 * GRADERS);
    json_decref(history);
}

/* One student's quizzes submitted at once (several tabs): each answered 200,
 * and the topics they first answer get one row each, not one per submission
 * that raced to make it. */
static void api_quiz_submissions_at_once(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1];
    stock_reference(t, mat);
    enum { QUIZZES = 4 };
    char targets[QUIZZES][160];
    char *bodies[QUIZZES];
    for (int i = 0; i < QUIZZES; i++) {
        json_t *quiz = new_quiz(t, WHO_STUDENT, mat, 3, 201);
        json_t *qs = json_object_get(quiz, "questions");
        json_t *answers = json_array();
        for (size_t k = 0; k < json_array_size(qs); k++)
            json_array_append_new(answers, json_pack("{s:s, s:s}", "question_id",
                                                     jstr(json_array_get(qs, k), "id"), "answer", "none"));
        json_t *sub = json_pack("{s:o}", "answers", answers);
        bodies[i] = json_dumps(sub, JSON_COMPACT);
        json_decref(sub);
        snprintf(targets[i], sizeof targets[i], "/api/quiz/%s/submit", jstr(quiz, "id"));
        json_decref(quiz);
    }
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, QUIZZES);
    grader g[QUIZZES];
    pthread_t th[QUIZZES];
    for (int i = 0; i < QUIZZES; i++) {
        g[i] = (grader){.t = t, .target = targets[i], .request = bodies[i], .go = &go};
        assert_int_equal(pthread_create(&th[i], NULL, grade_once, &g[i]), 0);
    }
    for (int i = 0; i < QUIZZES; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < QUIZZES; i++) {
        if (g[i].status != 200)
            fail_msg("submission %d: %d %s", i, g[i].status, g[i].body);
        free(bodies[i]);
    }
    assert_int_equal(sql_int(t, "SELECT count(*) FROM (SELECT user_id, name FROM topics WHERE session_id IS "
                                "NULL GROUP BY user_id, name HAVING count(*) > 1) AS twice"),
                     0);
}

/* A material whose generated questions wait for a tutor: no quiz until the
 * tutor approves some, then those and only those. */
static void api_quiz_waits_for_review(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1];
    stock_reference(t, mat);
    char target[160];
    snprintf(target, sizeof target, "/api/materials/%s", mat);
    json_t *m = call_json(t, "PATCH", target, WHO_TUTOR, "{\"review_generated\":true}", 200);
    assert_true(json_is_true(json_object_get(m, "review_generated")));
    json_decref(m);
    char body[256];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"],\"count\":10}", mat);
    http_fake *f = call(t, "POST", "/api/quiz/generate", WHO_STUDENT, body);
    expect_error(f, 422, "validation_error");
    json_t *e = fake_json(f);
    assert_non_null(strstr(jstr(json_object_get(e, "error"), "message"), "review"));
    json_decref(e);
    http_fake_free(f);
    /* the student sees none of them; the tutor sees them waiting */
    snprintf(target, sizeof target, "/api/questions?material_id=%s&review_status=pending", mat);
    json_t *mine = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(mine, "items")), 0);
    json_decref(mine);
    json_t *pending = call_json(t, "GET", target, WHO_TUTOR, NULL, 200);
    json_t *items = json_object_get(pending, "items");
    assert_true(json_array_size(items) >= 5);
    const char *approved[3];
    for (size_t i = 0; i < 3; i++) {
        approved[i] = jstr(json_array_get(items, i), "id");
        assert_string_equal(jstr(json_array_get(items, i), "source"), "generated");
        char review[160];
        snprintf(review, sizeof review, "/api/questions/%s/review", approved[i]);
        json_t *r = call_json(t, "POST", review, WHO_TUTOR, "{\"decision\":\"approve\"}", 200);
        json_decref(r);
    }
    json_t *quiz = call_json(t, "POST", "/api/quiz/generate", WHO_STUDENT, body, 201);
    json_t *qs = json_object_get(quiz, "questions");
    assert_int_equal(json_array_size(qs), 3);
    for (size_t i = 0; i < 3; i++) {
        const char *id = jstr(json_array_get(qs, i), "id");
        assert_true(strcmp(id, approved[0]) == 0 || strcmp(id, approved[1]) == 0 ||
                    strcmp(id, approved[2]) == 0);
    }
    assert_true(jint(quiz, "pending_review") >= 1);
    json_decref(quiz);
    json_decref(pending);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* clang-format off */
        API_BOTH(api_quiz_generated_cites_its_sources),
        API_BOTH(api_quiz_outlives_its_material),
        API_BOTH(api_quiz_refusals_and_access),
        API_BOTH(api_reviews_analysis_and_autopilot),
        API_BOTH(api_reviews_grades_at_once),
        API_BOTH(api_quiz_one_at_a_time_per_student),
        API_BOTH(api_autopilot_decisions_at_once),
        API_BOTH(api_quiz_submissions_at_once),
        API_BOTH(api_quiz_waits_for_review),
        /* clang-format on */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
