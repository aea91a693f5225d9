/* Handler tests for src/api/tutor.c: POST /api/tutor/stream and
 * /api/tutor/explain through the real route table in process, over materials
 * extracted here as the worker would (a small one, and the Bash reference
 * manual): every streamed line is a JSON object with a type, the first is
 * "start", the deltas put together are the explain route's answer and the
 * citations the same; refusals; the 400s of bad bodies; another student's
 * materials are 404 (an "error" line in the stream) and sessions 404 (before
 * the stream starts); a material
 * not ready; a client that leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/buf.h"
#include "core/ids.h"

#define STREAM_WAIT_MS 30000

/* A parsed stream: its lines, and the deltas put together. */
typedef struct streamed {
    json_t *lines; /* array of objects */
    char *text;    /* owned */
} streamed;

static void streamed_free(streamed *s)
{
    json_decref(s->lines);
    free(s->text);
}

/* POST the stream route as w with body; 200 and a clean end asserted; every
 * line parsed (each must be a JSON object with a string "type"). */
static streamed stream(api_fx *t, api_who w, const char *body)
{
    http_fake *f = call(t, "POST", "/api/tutor/stream", w, body);
    expect_status(f, 200);
    assert_true(http_fake_streamed(f));
    bool ok = false;
    assert_int_equal(http_fake_wait_stream(f, STREAM_WAIT_MS, &ok), EM_OK);
    assert_true(ok);
    assert_string_equal(http_fake_header(f, "Content-Type"), "application/x-ndjson");
    size_t len = 0;
    const char *b = http_fake_body(f, &len);
    assert_true(len > 0 && b[len - 1] == '\n');
    streamed s = {.lines = json_array()};
    buf text;
    buf_init(&text, 1 << 20);
    const char *p = b;
    while (p < b + len) {
        const char *nl = memchr(p, '\n', (size_t)(b + len - p));
        assert_non_null(nl);
        json_error_t e;
        json_t *o = json_loadb(p, (size_t)(nl - p), 0, &e);
        if (!json_is_object(o) || !json_is_string(json_object_get(o, "type")))
            fail_msg("not a typed JSON line: %.*s", (int)(nl - p), p);
        if (strcmp(jstr(o, "type"), "delta") == 0)
            assert_int_equal(buf_append_str(&text, jstr(o, "text")), EM_OK);
        json_array_append_new(s.lines, o);
        p = nl + 1;
    }
    s.text = strdup(text.data != NULL ? text.data : "");
    buf_cleanup(&text);
    /* The first line is the start, with the engine and the request id. */
    json_t *first = json_array_get(s.lines, 0);
    assert_string_equal(jstr(first, "type"), "start");
    assert_string_equal(jstr(first, "engine"), "builtin");
    assert_string_equal(jstr(first, "request_id"), http_fake_header(f, "X-Request-Id"));
    http_fake_free(f);
    return s;
}

static const char *type_of(const streamed *s, size_t i)
{
    return jstr(json_array_get(s->lines, i), "type");
}

/* The citation lines, without their type: what explain lists. */
static json_t *citations_of(const streamed *s)
{
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(s->lines); i++) {
        if (strcmp(type_of(s, i), "citation") != 0)
            continue;
        json_t *c = json_deep_copy(json_array_get(s->lines, i));
        json_object_del(c, "type");
        json_array_append_new(out, c);
    }
    return out;
}

static void stock_small(api_fx *t, char cells[MATERIAL_ID_LEN + 1])
{
    upload_json(
        t, WHO_STUDENT,
        "{\"title\":\"Cells\",\"format\":\"markdown\",\"text\":\"# Energy\\n\\nMitochondria make ATP for "
        "the cell. The nucleus holds the DNA.\\n\\n# Plants\\n\\nChlorophyll absorbs light in the "
        "leaves. Leaves are green because of it.\\n\"}",
        cells);
    ingest_ready(t, cells);
}

static void stock_bash(api_fx *t, char bash[MATERIAL_ID_LEN + 1])
{
    char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(path, sizeof path, "%.*s/../fixtures/bashref.md", (int)(slash - __FILE__), __FILE__);
    buf b;
    buf_init(&b, 4 << 20);
    em_error err = {0};
    assert_int_equal(buf_read_file(&b, path, &err), EM_OK);
    json_t *j =
        json_pack("{s:s, s:s, s:s}", "title", "Bash Reference Manual", "format", "markdown", "text", b.data);
    char *body = json_dumps(j, JSON_COMPACT);
    upload_json(t, WHO_STUDENT, body, bash);
    free(body);
    json_decref(j);
    buf_cleanup(&b);
    ingest_ready(t, bash);
}

/* The stream's lines, and the same answer from explain. */
static void expect_same_answer(api_fx *t, const char *body, bool answerable)
{
    streamed s = stream(t, WHO_STUDENT, body);
    size_t n = json_array_size(s.lines);
    assert_true(n >= 3);
    json_t *done = json_array_get(s.lines, n - 1);
    assert_string_equal(jstr(done, "type"), "done");
    assert_true(json_is_boolean(json_object_get(done, "answerable")));
    assert_int_equal(json_is_true(json_object_get(done, "answerable")), answerable);
    json_t *tm = json_object_get(done, "timings");
    assert_true(json_is_number(json_object_get(tm, "retrieval_ms")));
    assert_true(json_is_number(json_object_get(tm, "answer_ms")));
    assert_true(json_is_number(json_object_get(tm, "total_ms")));
    /* Between start and done: deltas and citations only, the first a delta. */
    assert_string_equal(type_of(&s, 1), "delta");
    for (size_t i = 1; i + 1 < n; i++)
        if (strcmp(type_of(&s, i), "delta") != 0 && strcmp(type_of(&s, i), "citation") != 0)
            fail_msg("line %zu: %s", i, type_of(&s, i));

    json_t *e = call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT, body, 200);
    if (strcmp(jstr(e, "answer"), s.text) != 0)
        fail_msg("stream [%s]\nexplain [%s]", s.text, jstr(e, "answer"));
    assert_int_equal(json_is_true(json_object_get(e, "answerable")), answerable);
    assert_string_equal(jstr(e, "engine"), "builtin");
    json_t *cs = citations_of(&s);
    assert_true(json_equal(cs, json_object_get(e, "citations")));
    if (answerable)
        assert_true(json_array_size(cs) >= 1);
    else
        assert_int_equal(json_array_size(cs), 0);
    json_decref(cs);
    json_decref(e);
    streamed_free(&s);
}

static void api_tutor_stream_is_the_explained_answer(void **state)
{
    api_fx *t = api_fx_of(state);
    char cells[MATERIAL_ID_LEN + 1];
    stock_small(t, cells);
    expect_same_answer(t, "{\"question\":\"What makes ATP for the cell?\"}", true);
    expect_same_answer(t, "{\"topic\":\"chlorophyll\"}", true);
    expect_same_answer(t, "{\"question\":\"Who won the 1966 football world cup?\"}", false);

    /* What a student reads: the sentence, cited with material, section, pages. */
    json_t *e = call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT,
                          "{\"question\":\"What makes ATP for the cell?\"}", 200);
    assert_non_null(strstr(jstr(e, "answer"), "Mitochondria make ATP for the cell."));
    json_t *c = json_array_get(json_object_get(e, "citations"), 0);
    assert_int_equal(jint(c, "n"), 1);
    assert_string_equal(jstr(c, "material_id"), cells);
    assert_string_equal(jstr(c, "material_title"), "Cells");
    assert_string_equal(jstr(c, "section"), "Energy");
    assert_true(jint(c, "page_start") >= 1 && jint(c, "page_end") >= jint(c, "page_start"));
    assert_non_null(strstr(jstr(c, "quote"), "Mitochondria make ATP"));
    /* the passage it carries is the one quoted: a reader opens it whole */
    char path[160];
    snprintf(path, sizeof path, "/api/materials/%s/passages/%d", cells, (int)jint(c, "position"));
    json_t *opened = call_json(t, "GET", path, WHO_STUDENT, NULL, 200);
    assert_non_null(strstr(jstr(opened, "text"), "Mitochondria make ATP for the cell."));
    assert_string_equal(jstr(opened, "section"), "Energy");
    json_decref(opened);
    json_t *plants =
        call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT, "{\"topic\":\"chlorophyll\"}", 200);
    json_t *pc = json_array_get(json_object_get(plants, "citations"), 0);
    assert_string_equal(jstr(pc, "section"), "Plants");
    snprintf(path, sizeof path, "/api/materials/%s/passages/%d", cells, (int)jint(pc, "position"));
    opened = call_json(t, "GET", path, WHO_STUDENT, NULL, 200);
    assert_non_null(strstr(jstr(opened, "text"), "Chlorophyll absorbs light"));
    json_decref(opened);
    json_decref(plants);
    json_t *tm = json_object_get(e, "timings");
    assert_true(json_is_number(json_object_get(tm, "total_ms")));
    json_decref(e);

    /* Off the subject: refused, no citation. */
    e = call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT,
                  "{\"question\":\"Who won the 1966 football world cup?\"}", 200);
    assert_false(json_is_true(json_object_get(e, "answerable")));
    assert_non_null(strstr(jstr(e, "answer"), "not in your materials"));
    json_decref(e);

    /* Named, the same material answers the same. */
    char body[256];
    snprintf(body, sizeof body, "{\"question\":\"What makes ATP for the cell?\",\"material_ids\":[\"%s\"]}",
             cells);
    expect_same_answer(t, body, true);
}

/* The Bash manual: questions a reader asks, streamed and explained alike. */
static void api_tutor_bash_manual(void **state)
{
    api_fx *t = api_fx_of(state);
    char bash[MATERIAL_ID_LEN + 1];
    stock_bash(t, bash);
    expect_same_answer(t, "{\"question\":\"How do I leave a loop early?\"}", true);
    expect_same_answer(t, "{\"question\":\"What does the exit status of a pipeline mean?\"}", true);
    expect_same_answer(t, "{\"topic\":\"brace expansion\"}", true);
    json_t *e = call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT,
                          "{\"question\":\"How do I leave a loop early?\"}", 200);
    assert_non_null(strstr(jstr(e, "answer"), "break"));
    json_t *c = json_array_get(json_object_get(e, "citations"), 0);
    assert_string_equal(jstr(c, "material_title"), "Bash Reference Manual");
    json_decref(e);
    /* Asked again: the index is cached. */
    passages_stats ps;
    passages_cache_stats(t->ctx.passages, &ps);
    assert_int_equal(ps.misses, 1);
    assert_int_equal(ps.hits, 6);
}

static void api_tutor_bad_bodies(void **state)
{
    api_fx *t = api_fx_of(state);
    char big[2100 + 32];
    memset(big, 'a', sizeof big);
    int k = snprintf(big, sizeof big, "{\"question\":\"");
    memset(big + k, 'w', 2001);
    snprintf(big + k + 2001, sizeof big - (size_t)k - 2001, "\"}");
    const char *bad[] = {
        "[]",
        "{}",
        "{\"question\":\"a\",\"topic\":\"b\"}",
        "{\"question\":42}",
        "{\"topic\":null}",
        "{\"question\":\"\"}",
        "{\"question\":\"   \"}",
        big,
        "{\"question\":\"cells\",\"material_ids\":\"x\"}",
        "{\"question\":\"cells\",\"material_ids\":[1]}",
        "{\"question\":\"cells\",\"session_id\":7}",
    };
    const char *routes[] = {"/api/tutor/stream", "/api/tutor/explain"};
    for (size_t r = 0; r < 2; r++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            http_fake *f = call(t, "POST", routes[r], WHO_STUDENT, bad[i]);
            if (http_fake_status(f) != 400 || http_fake_streamed(f))
                fail_msg("%s %.60s: %d %s", routes[r], bad[i], http_fake_status(f), http_fake_body(f, NULL));
            expect_error(f, 400, "invalid_request");
            http_fake_free(f);
        }
        call_error(t, "POST", routes[r], WHO_STUDENT, "{\"question\":", 400, "invalid_json");
        call_error(t, "POST", routes[r], WHO_STUDENT, "{\"question\":\"a\\u0000b\"}", 400, "invalid_json");
        call_error(t, "POST", routes[r], WHO_ANON, "{\"question\":\"cells\"}", 401, "unauthorized");
    }
    /* 2,000 bytes is allowed. */
    snprintf(big + k + 2000, sizeof big - (size_t)k - 2000, "\"}");
    json_t *e = call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT, big, 200);
    assert_false(json_is_true(json_object_get(e, "answerable")));
    json_decref(e);
}

/* After the start line, the refusal as an "error" line, then the end. */
static void expect_error_line(api_fx *t, api_who w, const char *body, const char *code)
{
    streamed s = stream(t, w, body);
    size_t n = json_array_size(s.lines);
    assert_int_equal(n, 2);
    json_t *line = json_array_get(s.lines, 1);
    assert_string_equal(jstr(line, "type"), "error");
    assert_string_equal(jstr(json_object_get(line, "error"), "code"), code);
    assert_true(strlen(jstr(json_object_get(line, "error"), "message")) > 0);
    streamed_free(&s);
}

/* Another student's materials and sessions are not there; a tutor does not
 * ask about a student's materials either. */
static void api_tutor_other_students_materials(void **state)
{
    api_fx *t = api_fx_of(state);
    char cells[MATERIAL_ID_LEN + 1];
    stock_small(t, cells);
    char body[256];
    snprintf(body, sizeof body, "{\"question\":\"What makes ATP?\",\"material_ids\":[\"%s\"]}", cells);
    api_who others[] = {WHO_STUDENT2, WHO_TUTOR, WHO_ADMIN};
    for (size_t i = 0; i < 3; i++) {
        call_error(t, "POST", "/api/tutor/explain", others[i], body, 404, "not_found");
        expect_error_line(t, others[i], body, "not_found");
    }
    /* Without material_ids, student2 asks about their own (none): refused, not the student's answer. */
    json_t *e =
        call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT2, "{\"question\":\"What makes ATP?\"}", 200);
    assert_false(json_is_true(json_object_get(e, "answerable")));
    assert_null(strstr(jstr(e, "answer"), "Mitochondria"));
    json_decref(e);
    /* A session that is not theirs (or none at all). */
    const char *sess =
        "{\"question\":\"What makes ATP?\",\"session_id\":\"01900000-0000-7000-8000-00000000dead\"}";
    call_error(t, "POST", "/api/tutor/explain", WHO_STUDENT2, sess, 404, "not_found");
    /* refused before the stream starts: a 404, not an error line in a 200 */
    call_error(t, "POST", "/api/tutor/stream", WHO_STUDENT2, sess, 404, "not_found");
    call_error(t, "POST", "/api/tutor/explain", WHO_STUDENT,
               "{\"question\":\"x\",\"material_ids\":[\"nope\"]}", 404, "not_found");
}

/* A named material still being extracted: 422, an error line in the stream. */
static void api_tutor_material_not_ready(void **state)
{
    api_fx *t = api_fx_of(state);
    char pending[MATERIAL_ID_LEN + 1];
    upload_json(t, WHO_STUDENT, "{\"title\":\"Later\",\"text\":\"Not yet extracted.\"}", pending);
    char body[256];
    snprintf(body, sizeof body, "{\"question\":\"What is extracted?\",\"material_ids\":[\"%s\"]}", pending);
    call_error(t, "POST", "/api/tutor/explain", WHO_STUDENT, body, 422, "validation_error");
    expect_error_line(t, WHO_STUDENT, body, "validation_error");
}

/* A client that leaves at once: the producer stops and ends the stream
 * (ASan checks that everything is freed). */
static void api_tutor_client_leaves(void **state)
{
    api_fx *t = api_fx_of(state);
    char bash[MATERIAL_ID_LEN + 1];
    stock_bash(t, bash);
    for (int i = 0; i < 20; i++) {
        http_fake *f = call(t, "POST", "/api/tutor/stream", WHO_STUDENT,
                            "{\"question\":\"How do I leave a loop early?\"}");
        expect_status(f, 200);
        http_fake_disconnect(f);
        assert_int_equal(http_fake_wait_stream(f, STREAM_WAIT_MS, NULL), EM_OK);
        http_fake_free(f);
    }
    /* And one that leaves without waiting for the end. */
    http_fake *f = call(t, "POST", "/api/tutor/stream", WHO_STUDENT, "{\"topic\":\"arrays\"}");
    expect_status(f, 200);
    http_fake_free(f);
    /* The server still answers. */
    json_t *e = call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT,
                          "{\"question\":\"How do I leave a loop early?\"}", 200);
    assert_true(json_is_true(json_object_get(e, "answerable")));
    json_decref(e);
}

/* A study session of w's covering `material` (straight in SQL: the session
 * routes are not this file's); its id to id. */
static void make_session(api_fx *t, api_who w, const char *material_id, char id[ID_UUID_LEN + 1])
{
    id_uuid7(id);
    em_error err = {0};
    const char *p[] = {id, api_fx_id(t, w), material_id};
    if (db_run(api_fx_db(t), "INSERT INTO study_sessions (id, user_id, title) VALUES ($1, $2, 'Revision')", p,
               2, &err) < 0 ||
        db_run(api_fx_db(t),
               "INSERT INTO session_materials (session_id, material_id, user_id, position) VALUES ($1, $3, "
               "$2, 0)",
               p, 3, &err) < 0)
        fail_msg("session: %s", err.msg);
}

static int64_t messages_of(api_fx *t, const char *session)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM chat_messages WHERE session_id = '%s'", session);
    return sql_int(t, sql);
}

/* In a session: its materials by default, its questions for follow-ups, the
 * exchange stored; only its owner asks in it. */
static void api_tutor_session(void **state)
{
    api_fx *t = api_fx_of(state);
    char cells[MATERIAL_ID_LEN + 1], chem[MATERIAL_ID_LEN + 1], sess[ID_UUID_LEN + 1];
    stock_small(t, cells);
    upload_json(t, WHO_STUDENT,
                "{\"title\":\"Chemistry\",\"format\":\"markdown\",\"text\":\"# Sour substances\\n\\nAcids "
                "have a pH below seven. Vinegar is a weak acid and lemon juice is another.\\n\\n# Bitter "
                "substances\\n\\nBases have a pH above seven. Soap is a base.\\n\"}",
                chem);
    ingest_ready(t, chem);
    make_session(t, WHO_STUDENT, chem, sess);
    char body[512];
    /* A question, then a follow-up that leans on it. */
    snprintf(body, sizeof body, "{\"question\":\"Tell me about soap\",\"session_id\":\"%s\"}", sess);
    json_t *e = call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT, body, 200);
    assert_true(json_is_true(json_object_get(e, "answerable")));
    json_decref(e);
    snprintf(body, sizeof body, "{\"question\":\"What is its pH?\",\"session_id\":\"%s\"}", sess);
    streamed s = stream(t, WHO_STUDENT, body);
    if (strstr(s.text, "Soap is a base.") == NULL || strstr(s.text, "Acids") != NULL)
        fail_msg("follow-up: %s", s.text);
    streamed_free(&s);
    assert_int_equal(messages_of(t, sess), 4);
    /* The session's materials only: the cells are not in it. */
    snprintf(body, sizeof body, "{\"question\":\"What makes ATP for the cell?\",\"session_id\":\"%s\"}",
             sess);
    e = call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT, body, 200);
    assert_false(json_is_true(json_object_get(e, "answerable")));
    json_decref(e);
    assert_int_equal(messages_of(t, sess), 6);
    /* Without the session the same words ask about every pH. */
    e = call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT, "{\"question\":\"What is its pH?\"}", 200);
    assert_non_null(strstr(jstr(e, "answer"), "Acids have a pH below seven."));
    json_decref(e);
    /* Named materials win over the session's. */
    snprintf(
        body, sizeof body,
        "{\"question\":\"What makes ATP for the cell?\",\"session_id\":\"%s\",\"material_ids\":[\"%s\"]}",
        sess, cells);
    e = call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT, body, 200);
    assert_true(json_is_true(json_object_get(e, "answerable")));
    json_decref(e);
    assert_int_equal(messages_of(t, sess), 8);
    /* The tutor may read the session, not ask in it; student2 does not see it. */
    snprintf(body, sizeof body, "{\"question\":\"What is its pH?\",\"session_id\":\"%s\"}", sess);
    call_error(t, "POST", "/api/tutor/explain", WHO_TUTOR, body, 404, "not_found");
    call_error(t, "POST", "/api/tutor/explain", WHO_STUDENT2, body, 404, "not_found");
    call_error(t, "POST", "/api/tutor/stream", WHO_TUTOR, body, 404, "not_found");
    assert_int_equal(messages_of(t, sess), 8);
}

/* One account has at most API_FX_TUTOR_PER_USER answers under way (the gate
 * held here as that many running streams would hold it): another stream or
 * explanation is 429 with Retry-After before anything starts, another
 * student is answered, and once one is done the account asks again. The
 * gate is let go however an answer ends. */
static void api_tutor_answers_at_once_per_account(void **state)
{
    api_fx *t = api_fx_of(state);
    char cells[MATERIAL_ID_LEN + 1];
    stock_small(t, cells);
    const char *body = "{\"question\":\"What makes ATP?\"}";
    const char *me = api_fx_id(t, WHO_STUDENT);
    for (int i = 0; i < API_FX_TUTOR_PER_USER; i++)
        assert_true(inflight_enter(t->ctx.tutor_gate, me));
    http_fake *f = call(t, "POST", "/api/tutor/stream", WHO_STUDENT, body);
    expect_error(f, 429, "rate_limited");
    assert_false(http_fake_streamed(f));
    assert_string_equal(http_fake_header(f, "Retry-After"), "1");
    http_fake_free(f);
    f = call(t, "POST", "/api/tutor/explain", WHO_STUDENT, body);
    expect_error(f, 429, "rate_limited");
    http_fake_free(f);
    /* another account is not held up (it has no material: its own answer) */
    streamed other = stream(t, WHO_STUDENT2, body);
    streamed_free(&other);
    inflight_leave(t->ctx.tutor_gate, me);
    for (int round = 0; round < 3; round++) { /* each answer lets its place go */
        streamed s = stream(t, WHO_STUDENT, body);
        assert_string_equal(type_of(&s, json_array_size(s.lines) - 1), "done");
        streamed_free(&s);
        json_decref(call_json(t, "POST", "/api/tutor/explain", WHO_STUDENT, body, 200));
    }
    /* refusals before the stream let it go too */
    for (int round = 0; round < 3; round++)
        call_error(t, "POST", "/api/tutor/stream", WHO_STUDENT,
                   "{\"question\":\"x\",\"session_id\":\"nope\"}", 404, "not_found");
    assert_true(inflight_enter(t->ctx.tutor_gate, me)); /* the third of three: the two held and this */
    assert_false(inflight_enter(t->ctx.tutor_gate, me));
    for (int i = 0; i < API_FX_TUTOR_PER_USER; i++)
        inflight_leave(t->ctx.tutor_gate, me);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_tutor_stream_is_the_explained_answer),
        API_BOTH(api_tutor_bash_manual),
        API_BOTH(api_tutor_bad_bodies),
        API_BOTH(api_tutor_other_students_materials),
        API_BOTH(api_tutor_material_not_ready),
        API_BOTH(api_tutor_client_leaves),
        API_BOTH(api_tutor_session),
        API_BOTH(api_tutor_answers_at_once_per_account),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
