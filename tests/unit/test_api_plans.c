/* Handler tests for src/api/plans.c: POST /api/plan/generate-verified,
 * GET /api/plans/{id}, GET /api/sessions/{id}/plan and .../plan.ics through
 * the real route table in process, with "now" fixed (api_ctx.now_ms): the
 * plan and its verification, the cache (same inputs: the same plan with
 * cached true; a changed budget: a new one), 422s that say what would fit,
 * the student's local today in Pacific/Auckland and America/Los_Angeles
 * around midnight UTC, the iCalendar parsed back, and the one rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "study/plans.h"
#include "core/ics.h"
#include "core/ids.h"

/* The handlers' clock. */
static int64_t fake_now_ms;
static int64_t fake_clock(void)
{
    return fake_now_ms;
}

#define NOON_UTC 1796558400000LL /* 2026-12-06T12:00:00Z */
#define HOUR_MS 3600000LL

/* Three headed sections of `words` words each, as a Markdown upload. */
static void ready_material(api_fx *t, api_who w, int words, char id[MATERIAL_ID_LEN + 1])
{
    static const char *const names[] = {"Cells", "Membranes", "Mitosis"};
    size_t cap = (size_t)words * 3 * 10 + 512;
    char *body = malloc(cap);
    assert_non_null(body);
    size_t n = (size_t)snprintf(body, cap, "{\"title\":\"Biology\",\"format\":\"markdown\",\"text\":\"");
    for (int s = 0; s < 3; s++) {
        n += (size_t)snprintf(body + n, cap - n, "# %s\\n\\n", names[s]);
        for (int k = 0; k < words; k++)
            n += (size_t)snprintf(body + n, cap - n, "%s%s", k % 12 == 11 ? "cell. " : "word ",
                                  k == words - 1 ? "end.\\n\\n" : "");
    }
    snprintf(body + n, cap - n, "\"}");
    upload_json(t, w, body, id);
    free(body);
    ingest_ready(t, id);
}

/* A session of w's over material m: its id. */
static void session_of(api_fx *t, api_who w, const char *m, const char *exam, int minutes, char id[64])
{
    char body[256];
    snprintf(
        body, sizeof body,
        "{\"title\":\"Biology final\",\"exam_date\":\"%s\",\"daily_minutes\":%d,\"material_ids\":[\"%s\"]}",
        exam, minutes, m);
    json_t *s = call_json(t, "POST", "/api/sessions", w, body, 201);
    snprintf(id, 64, "%s", jstr(s, "id"));
    json_decref(s);
}

static json_t *generate(api_fx *t, api_who w, const char *session_id, int status)
{
    char body[128];
    snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", session_id);
    return call_json(t, "POST", "/api/plan/generate-verified", w, body, status);
}

static void api_plans_generate_verify_and_cache(void **state)
{
    api_fx *t = api_fx_of(state);
    fake_now_ms = NOON_UTC;
    t->ctx.now_ms = fake_clock;
    char m[MATERIAL_ID_LEN + 1], id[64];
    ready_material(t, WHO_STUDENT, 600, m);
    session_of(t, WHO_STUDENT, m, "2027-01-20", 60, id);
    /* the session says whether it has a plan: none yet */
    char session_path[160];
    snprintf(session_path, sizeof session_path, "/api/sessions/%s", id);
    json_t *before = call_json(t, "GET", session_path, WHO_STUDENT, NULL, 200);
    assert_true(json_is_null(json_object_get(before, "plan_id")));
    assert_null(json_object_get(before, "current_plan")); /* only when asked */
    json_decref(before);
    char with_plan[200];
    snprintf(with_plan, sizeof with_plan, "%s?include=plan", session_path);
    before = call_json(t, "GET", with_plan, WHO_STUDENT, NULL, 200);
    json_t *none = json_object_get(before, "current_plan");
    assert_true(none != NULL && json_is_null(none)); /* asked, none yet: null, not a 404 */
    json_decref(before);
    call_error(t, "GET", "/api/sessions/x?include=everything", WHO_STUDENT, NULL, 400, "invalid_request");

    json_t *a = generate(t, WHO_STUDENT, id, 201);
    assert_int_equal(json_object_size(a), 3);
    assert_true(json_is_false(json_object_get(a, "cached")));
    json_t *jplan = json_object_get(a, "plan");
    const char *plan_id = jstr(jplan, "id");
    assert_true(id_is_uuid(plan_id));
    assert_string_equal(jstr(jplan, "session_id"), id);
    json_t *after = call_json(t, "GET", session_path, WHO_STUDENT, NULL, 200);
    assert_string_equal(jstr(after, "plan_id"), plan_id);
    json_decref(after);
    /* with the plan: the current one as GET .../plan answers it, in the same call */
    after = call_json(t, "GET", with_plan, WHO_STUDENT, NULL, 200);
    json_t *current = json_object_get(after, "current_plan");
    assert_string_equal(jstr(json_object_get(current, "plan"), "id"), plan_id);
    assert_true(json_is_true(json_object_get(json_object_get(current, "verification"), "ok")));
    json_decref(after);
    assert_non_null(jstr(jplan, "created_at"));
    assert_string_equal(jstr(jplan, "today"), "2026-12-06");
    json_t *days = json_object_get(jplan, "days");
    assert_true(json_array_size(days) > 0);
    bool kinds[3] = {false, false, false};
    for (size_t i = 0; i < json_array_size(days); i++) {
        json_t *day = json_array_get(days, i);
        assert_non_null(jstr(day, "date"));
        assert_true(jint(day, "minutes") <= 60);
        json_t *items = json_object_get(day, "items");
        for (size_t k = 0; k < json_array_size(items); k++) {
            json_t *it = json_array_get(items, k);
            const char *kind = jstr(it, "kind");
            kinds[0] |= strcmp(kind, "study") == 0;
            kinds[1] |= strcmp(kind, "review") == 0;
            kinds[2] |= strcmp(kind, "revision") == 0;
            assert_string_equal(jstr(it, "material_id"), m);
            assert_non_null(jstr(it, "topic"));
            assert_true(jint(it, "minutes") > 0);
        }
    }
    assert_true(kinds[0] && kinds[1] && kinds[2]);
    /* the verification report: ok, every rule listed and passed */
    json_t *v = json_object_get(a, "verification");
    assert_true(json_is_true(json_object_get(v, "ok")));
    json_t *rules = json_object_get(v, "constraints");
    const char *names[] = {"coverage", "budget", "calendar", "reviews", "revision", "order"};
    assert_int_equal(json_array_size(rules), 6);
    for (size_t i = 0; i < 6; i++) {
        json_t *r = json_array_get(rules, i);
        assert_string_equal(jstr(r, "rule"), names[i]);
        assert_true(json_is_true(json_object_get(r, "ok")));
        assert_true(json_is_array(json_object_get(r, "violations")));
    }

    /* the same inputs later the same day: 200, the same plan, cached */
    fake_now_ms = NOON_UTC + 3 * HOUR_MS;
    json_t *b = generate(t, WHO_STUDENT, id, 200);
    assert_true(json_is_true(json_object_get(b, "cached")));
    assert_string_equal(jstr(json_object_get(b, "plan"), "id"), plan_id);
    json_decref(b);
    /* a new budget: a new plan */
    char target[160];
    snprintf(target, sizeof target, "/api/sessions/%s", id);
    json_decref(call_json(t, "PATCH", target, WHO_STUDENT, "{\"daily_minutes\":90}", 200));
    b = generate(t, WHO_STUDENT, id, 201);
    assert_true(json_is_false(json_object_get(b, "cached")));
    assert_string_not_equal(jstr(json_object_get(b, "plan"), "id"), plan_id);
    char newest[64];
    snprintf(newest, sizeof newest, "%s", jstr(json_object_get(b, "plan"), "id"));
    json_decref(b);

    /* reading: by id, and the session's newest */
    char by_id[128];
    snprintf(by_id, sizeof by_id, "/api/plans/%s", plan_id);
    json_t *g = call_json(t, "GET", by_id, WHO_STUDENT, NULL, 200);
    assert_string_equal(jstr(json_object_get(g, "plan"), "id"), plan_id);
    assert_true(json_is_true(json_object_get(json_object_get(g, "verification"), "ok")));
    json_decref(g);
    snprintf(target, sizeof target, "/api/sessions/%s/plan", id);
    g = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_string_equal(jstr(json_object_get(g, "plan"), "id"), newest);
    json_decref(g);
    json_decref(a);
}

static void api_plans_refusals_say_what_fits(void **state)
{
    api_fx *t = api_fx_of(state);
    fake_now_ms = NOON_UTC;
    t->ctx.now_ms = fake_clock;
    char m[MATERIAL_ID_LEN + 1], id[64], pending[MATERIAL_ID_LEN + 1];
    ready_material(t, WHO_STUDENT, 1500, m);
    session_of(t, WHO_STUDENT, m, "2026-12-09", 10, id);

    char body[128];
    snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", id);
    http_fake *f = call(t, "POST", "/api/plan/generate-verified", WHO_STUDENT, body);
    expect_status(f, 422);
    json_t *j = fake_json(f);
    json_t *e = json_object_get(j, "error");
    assert_string_equal(jstr(e, "code"), "plan_infeasible");
    json_int_t min = jint(e, "min_daily_minutes");
    assert_true(min > 10);
    char want[128];
    snprintf(want, sizeof want, "needs at least %lld minutes a day, or an exam date after ", (long long)min);
    if (strstr(jstr(e, "message"), want) == NULL)
        fail_msg("the message does not name the fix: %s", jstr(e, "message"));
    assert_true(jint(e, "needed_minutes") > 0);
    const char *earliest = jstr(e, "earliest_exam_date");
    assert_int_equal(strlen(earliest), 10);
    json_decref(j);
    http_fake_free(f);
    /* the suggested budget fits */
    char target[160], patch[160];
    snprintf(target, sizeof target, "/api/sessions/%s", id);
    snprintf(patch, sizeof patch, "{\"daily_minutes\":%lld}", (long long)min);
    json_decref(call_json(t, "PATCH", target, WHO_STUDENT, patch, 200));
    json_t *ok = generate(t, WHO_STUDENT, id, 201);
    assert_true(json_is_true(json_object_get(json_object_get(ok, "verification"), "ok")));
    json_decref(ok);

    /* an exam already past, in the student's own calendar */
    json_decref(call_json(t, "PATCH", target, WHO_STUDENT, "{\"exam_date\":\"2026-12-01\"}", 200));
    f = call(t, "POST", "/api/plan/generate-verified", WHO_STUDENT, body);
    expect_error(f, 422, "exam_date_past");
    assert_non_null(strstr(error_message(f), "2026-12-01"));
    http_fake_free(f);
    /* no ready material */
    upload_json(t, WHO_STUDENT, "{\"text\":\"Not extracted yet.\"}", pending);
    snprintf(patch, sizeof patch, "{\"exam_date\":\"2027-03-01\",\"material_ids\":[\"%s\"]}", pending);
    json_decref(call_json(t, "PATCH", target, WHO_STUDENT, patch, 200));
    f = call(t, "POST", "/api/plan/generate-verified", WHO_STUDENT, body);
    expect_error(f, 422, "no_ready_material");
    assert_non_null(strstr(error_message(f), "ready"));
    http_fake_free(f);
    /* the request itself */
    call_error(t, "POST", "/api/plan/generate-verified", WHO_STUDENT, "{}", 400, "invalid_request");
    call_error(t, "POST", "/api/plan/generate-verified", WHO_STUDENT, "{\"session_id\":5}", 400,
               "invalid_request");
    call_error(t, "POST", "/api/plan/generate-verified", WHO_STUDENT, "{\"session_id\":\"x\"}", 404,
               "not_found");
    call_error(t, "POST", "/api/plan/generate-verified", WHO_STUDENT, "{", 400, "invalid_json");
    /* a session without a plan */
    char other[64];
    session_of(t, WHO_STUDENT, m, "2027-05-01", 60, other);
    snprintf(target, sizeof target, "/api/sessions/%s/plan", other);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    snprintf(target, sizeof target, "/api/sessions/%s/plan.ics", other);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
}

/* Every line of an iCalendar: at most 75 octets, CRLF; the count of VEVENTs
 * and their DTSTART dates (YYYYMMDD) into dates. */
static size_t parse_ics(const char *text, size_t len, char dates[][9], size_t max)
{
    size_t start = 0, events = 0;
    bool in_event = false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
            fail_msg("a bare LF at %zu", i);
        if (text[i] != '\r')
            continue;
        assert_true(i + 1 < len && text[i + 1] == '\n');
        size_t n = i - start;
        if (n > ICS_LINE_MAX)
            fail_msg("a line of %zu octets", n);
        const char *line = text + start;
        if (n == 12 && memcmp(line, "BEGIN:VEVENT", 12) == 0) {
            assert_false(in_event);
            in_event = true;
        } else if (n == 10 && memcmp(line, "END:VEVENT", 10) == 0) {
            assert_true(in_event);
            in_event = false;
            events++;
        } else if (n == 27 && memcmp(line, "DTSTART;VALUE=DATE:", 19) == 0 && events < max) {
            memcpy(dates[events], line + 19, 8);
            dates[events][8] = '\0';
        }
        start = i + 2;
        i++;
    }
    assert_int_equal(start, len);
    assert_false(in_event);
    return events;
}

static void api_plans_calendar(void **state)
{
    api_fx *t = api_fx_of(state);
    fake_now_ms = NOON_UTC; /* 2026-12-07 01:00 in Auckland */
    t->ctx.now_ms = fake_clock;
    json_decref(
        call_json(t, "PATCH", "/api/users/me", WHO_STUDENT, "{\"time_zone\":\"Pacific/Auckland\"}", 200));
    char m[MATERIAL_ID_LEN + 1], id[64];
    ready_material(t, WHO_STUDENT, 600, m);
    session_of(t, WHO_STUDENT, m, "2027-01-20", 60, id);
    json_t *a = generate(t, WHO_STUDENT, id, 201);
    json_t *days = json_object_get(json_object_get(a, "plan"), "days");
    assert_string_equal(jstr(json_array_get(days, 0), "date"), "2026-12-07");

    char target[160];
    snprintf(target, sizeof target, "/api/sessions/%s/plan.ics", id);
    http_fake *f = call(t, "GET", target, WHO_TUTOR, NULL);
    expect_status(f, 200);
    assert_string_equal(http_fake_header(f, "Content-Type"), "text/calendar; charset=utf-8");
    size_t len = 0;
    const char *text = http_fake_body(f, &len);
    assert_true(len > 0);
    assert_memory_equal(text, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:", 37);
    assert_non_null(strstr(text, "\r\nCALSCALE:GREGORIAN\r\n"));
    assert_non_null(strstr(text, "\r\nEND:VCALENDAR\r\n"));
    assert_non_null(strstr(text, "\r\nDTSTAMP:20261206T120000Z\r\n"));
    char dates[512][9];
    size_t events = parse_ics(text, len, dates, 512);
    assert_int_equal(events, json_array_size(days));
    for (size_t i = 0; i < events && i < 512; i++) {
        const char *d = jstr(json_array_get(days, i), "date"); /* YYYY-MM-DD, local */
        char want[9] = {d[0], d[1], d[2], d[3], d[5], d[6], d[8], d[9], '\0'};
        assert_string_equal(dates[i], want);
    }
    http_fake_free(f);
    json_decref(a);
}

/* The plan's today for a student in zone at now. */
static void expect_today(api_fx *t, api_who w, const char *session_id, int64_t now, const char *want)
{
    fake_now_ms = now;
    char body[128];
    snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", session_id);
    http_fake *f = call(t, "POST", "/api/plan/generate-verified", w, body);
    int status = http_fake_status(f);
    if (status != 200 && status != 201)
        fail_msg("generate: %d %s", status, http_fake_body(f, NULL));
    json_t *j = fake_json(f);
    json_t *jplan = json_object_get(j, "plan");
    if (strcmp(jstr(jplan, "today"), want) != 0)
        fail_msg("at %lld: today %s, expected %s", (long long)now, jstr(jplan, "today"), want);
    assert_string_equal(jstr(json_array_get(json_object_get(jplan, "days"), 0), "date"), want);
    json_decref(j);
    http_fake_free(f);
}

static void api_plans_local_today(void **state)
{
    api_fx *t = api_fx_of(state);
    t->ctx.now_ms = fake_clock;
    fake_now_ms = NOON_UTC;
    json_decref(
        call_json(t, "PATCH", "/api/users/me", WHO_STUDENT, "{\"time_zone\":\"Pacific/Auckland\"}", 200));
    json_decref(
        call_json(t, "PATCH", "/api/users/me", WHO_STUDENT2, "{\"time_zone\":\"America/Los_Angeles\"}", 200));
    char m1[MATERIAL_ID_LEN + 1], m2[MATERIAL_ID_LEN + 1], nz[64], la[64];
    ready_material(t, WHO_STUDENT, 300, m1);
    ready_material(t, WHO_STUDENT2, 300, m2);
    session_of(t, WHO_STUDENT, m1, "2027-06-30", 120, nz);
    session_of(t, WHO_STUDENT2, m2, "2027-06-30", 120, la);
    int64_t midnight = NOON_UTC + 12 * HOUR_MS; /* 2026-12-07T00:00:00Z */
    /* half an hour before midnight UTC: the 7th in Auckland, the 6th in Los Angeles */
    expect_today(t, WHO_STUDENT, nz, midnight - HOUR_MS / 2, "2026-12-07");
    expect_today(t, WHO_STUDENT2, la, midnight - HOUR_MS / 2, "2026-12-06");
    /* half an hour after: still the 6th in Los Angeles until 08:00 UTC */
    expect_today(t, WHO_STUDENT, nz, midnight + HOUR_MS / 2, "2026-12-07");
    expect_today(t, WHO_STUDENT2, la, midnight + HOUR_MS / 2, "2026-12-06");
    expect_today(t, WHO_STUDENT2, la, midnight + 8 * HOUR_MS, "2026-12-07");
    /* Auckland's midnight is 11:00 UTC in its summer */
    expect_today(t, WHO_STUDENT, nz, midnight - 13 * HOUR_MS - 1, "2026-12-06");
    expect_today(t, WHO_STUDENT, nz, midnight - 13 * HOUR_MS, "2026-12-07");
}

static void api_plans_one_rule(void **state)
{
    api_fx *t = api_fx_of(state);
    fake_now_ms = NOON_UTC;
    t->ctx.now_ms = fake_clock;
    char m[MATERIAL_ID_LEN + 1], id[64];
    ready_material(t, WHO_STUDENT, 300, m);
    session_of(t, WHO_STUDENT, m, "2027-01-20", 60, id);
    json_t *a = generate(t, WHO_STUDENT, id, 201);
    char by_id[128], latest[160], ics[160];
    snprintf(by_id, sizeof by_id, "/api/plans/%s", jstr(json_object_get(a, "plan"), "id"));
    snprintf(latest, sizeof latest, "/api/sessions/%s/plan", id);
    snprintf(ics, sizeof ics, "/api/sessions/%s/plan.ics", id);
    json_decref(a);
    api_who readers[] = {WHO_STUDENT, WHO_TUTOR, WHO_ADMIN};
    for (size_t i = 0; i < 3; i++) {
        json_decref(call_json(t, "GET", by_id, readers[i], NULL, 200));
        json_decref(call_json(t, "GET", latest, readers[i], NULL, 200));
        http_fake *f = call(t, "GET", ics, readers[i], NULL);
        expect_status(f, 200);
        http_fake_free(f);
    }
    /* only the owner makes plans */
    char body[128];
    snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", id);
    call_error(t, "POST", "/api/plan/generate-verified", WHO_TUTOR, body, 404, "not_found");
    call_error(t, "POST", "/api/plan/generate-verified", WHO_ADMIN, body, 404, "not_found");
    call_error(t, "POST", "/api/plan/generate-verified", WHO_STUDENT2, body, 404, "not_found");
    call_error(t, "GET", by_id, WHO_STUDENT2, NULL, 404, "not_found");
    call_error(t, "GET", latest, WHO_STUDENT2, NULL, 404, "not_found");
    call_error(t, "GET", ics, WHO_STUDENT2, NULL, 404, "not_found");
    call_error(t, "GET", by_id, WHO_ANON, NULL, 401, "unauthorized");
    call_error(t, "GET", "/api/plans/not-an-id", WHO_STUDENT, NULL, 404, "not_found");
    assert_int_equal(sql_int(t, "SELECT count(*) FROM plans"), 1);
}

/* A session keeps its PLANS_KEPT_PER_SESSION newest plans: asking again and
 * again with a changed budget does not grow the database without end. The
 * oldest plans and their cache rows go; the newest answers as before. */
static void api_plans_keeps_the_newest(void **state)
{
    api_fx *t = api_fx_of(state);
    fake_now_ms = NOON_UTC;
    t->ctx.now_ms = fake_clock;
    char m[MATERIAL_ID_LEN + 1], id[64], path[160], first[128] = "", last[64] = "";
    ready_material(t, WHO_STUDENT, 300, m);
    session_of(t, WHO_STUDENT, m, "2027-01-20", 60, id);
    snprintf(path, sizeof path, "/api/sessions/%s", id);
    for (int i = 0; i < PLANS_KEPT_PER_SESSION + 3; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"daily_minutes\":%d}", 60 + i);
        json_decref(call_json(t, "PATCH", path, WHO_STUDENT, body, 200));
        json_t *a = generate(t, WHO_STUDENT, id, 201);
        const char *plan_id = jstr(json_object_get(a, "plan"), "id");
        if (i == 0)
            snprintf(first, sizeof first, "/api/plans/%s", plan_id);
        snprintf(last, sizeof last, "%s", plan_id);
        json_decref(a);
    }
    assert_int_equal(sql_int(t, "SELECT count(*) FROM plans"), PLANS_KEPT_PER_SESSION);
    assert_true(sql_int(t, "SELECT count(*) FROM plan_cache") <= PLANS_KEPT_PER_SESSION);
    call_error(t, "GET", first, WHO_STUDENT, NULL, 404, "not_found");
    char latest[160];
    snprintf(latest, sizeof latest, "/api/sessions/%s/plan", id);
    json_t *l = call_json(t, "GET", latest, WHO_STUDENT, NULL, 200);
    assert_string_equal(jstr(json_object_get(l, "plan"), "id"), last);
    json_decref(l);
    /* the newest still answers from the cache */
    json_t *again = generate(t, WHO_STUDENT, id, 200);
    assert_string_equal(jstr(json_object_get(again, "plan"), "id"), last);
    json_decref(again);
}

/* A plan larger than the store takes (thousands of long topic names over
 * ten years) is the session's doing, not the request's: 422 saying what to
 * change, and nothing stored. */
static void api_plans_too_large_says_what_to_change(void **state)
{
    api_fx *t = api_fx_of(state);
    fake_now_ms = NOON_UTC;
    t->ctx.now_ms = fake_clock;
    char m[MATERIAL_ID_LEN + 1], id[64], sql[1024];
    ready_material(t, WHO_STUDENT, 3000, m);
    snprintf(
        sql, sizeof sql,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9000) "
        "INSERT INTO material_topics (material_id, position, name, slug, source, page, weight) "
        "SELECT '%s', 1000 + i, 'Topic ' || i || ' of a long textbook whose section titles go on and on, "
        "as the headings of some manuals do, naming every option and every case they are about, until "
        "they reach the length a topic name may have', 'topic-' || i, 'heading', 1, 0.0001 FROM n",
        m);
    em_error err = {0};
    assert_int_equal(db_exec(api_fx_db(t), sql, &err), EM_OK);
    session_of(t, WHO_STUDENT, m, "2036-11-01", 1440, id);
    char body[128];
    snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", id);
    http_fake *f = call(t, "POST", "/api/plan/generate-verified", WHO_STUDENT, body);
    expect_error(f, 422, "validation_error");
    assert_non_null(strstr(error_message(f), "fewer materials"));
    http_fake_free(f);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM plans"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_plans_generate_verify_and_cache),
        API_BOTH(api_plans_refusals_say_what_fits),
        API_BOTH(api_plans_calendar),
        API_BOTH(api_plans_local_today),
        API_BOTH(api_plans_one_rule),
        API_BOTH(api_plans_keeps_the_newest),
        API_BOTH(api_plans_too_large_says_what_to_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
