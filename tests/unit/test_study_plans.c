/* plans: verified plans on SQLite and PostgreSQL: a plan made from a session
 * passes its verification; the same inputs give back the cached plan, and a
 * change of budget, of materials, of a mastery, or an expired cache row gives
 * a new one; the refusals (an infeasible budget with its fix, an exam in the
 * past, no ready material, callers who may not write); "today" is the
 * student's local date around midnight UTC and across daylight saving
 * changes in Pacific/Auckland and America/Los_Angeles; reading plans by the
 * one rule; the calendar; and the plans and cache rows going with their
 * session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/civil.h"
#include "study/mastery.h"
#include "study/plans.h"
#include "study/sessions.h"

#include "study_fixture.h"

static const fx_topic cells_topics[] = {{"Cells", 1200}, {"Membranes", 800}, {"Mitosis", 500}};
static const fx_topic genes_topics[] = {{"DNA", 900}, {"Inheritance", 600}};

/* 2026-12-06T12:00:00Z */
#define NOON_UTC 1796558400000LL
#define HOUR_MS 3600000LL

static void set_zone(db *d, const char *user_id, const char *zone)
{
    const char *p[] = {zone, user_id};
    area_run(d, "UPDATE users SET time_zone = $1 WHERE id = $2", p, 2);
}

/* A session of the owner's over `material` (exam 2027-01-20, 60 minutes a day). */
static void session_over(db *d, const cast *c, const char *material, char id[37])
{
    char json[256];
    snprintf(
        json, sizeof json,
        "{\"title\":\"Biology\",\"exam_date\":\"2027-01-20\",\"daily_minutes\":60,\"material_ids\":[\"%s\"]}",
        material);
    make_session(d, &c->p_owner, json, id);
}

static json_t *plan_of(const plan_record *r)
{
    json_t *j = json_loads(r->plan_json, 0, NULL);
    assert_non_null(j);
    return j;
}

static void generate_ok(db *d, const principal *who, const char *session_id, int64_t now_ms, plan_record *r)
{
    em_error err = {0};
    plan_infeasible why;
    int rc = plans_generate(d, &llm_builtin, who, session_id, now_ms, r, &why, &err);
    if (rc != EM_OK)
        fail_msg("plans_generate: %d %s", rc, err.msg);
}

static void study_plans_verified_and_cached(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char cells[37], genes[37], id[37];
    make_material(f->d, c.owner, "Cells", "ready", cells_topics, 3, cells);
    make_material(f->d, c.owner, "Genes", "ready", genes_topics, 2, genes);
    session_over(f->d, &c, cells, id);

    plan_record a;
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &a);
    assert_false(a.cached);
    assert_true(id_is_uuid(a.id));
    assert_string_equal(a.session_id, id);
    assert_string_equal(a.user_id, c.owner);
    /* the plan: every topic studied, days from today in order, within the budget */
    json_t *p = plan_of(&a);
    assert_string_equal(json_string_value(json_object_get(p, "id")), a.id);
    assert_string_equal(json_string_value(json_object_get(p, "today")), "2026-12-06");
    assert_string_equal(json_string_value(json_object_get(p, "time_zone")), "UTC");
    json_t *days = json_object_get(p, "days");
    assert_true(json_array_size(days) > 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(days, 0), "date")), "2026-12-06");
    bool studied[3] = {false, false, false};
    const char *last = "";
    for (size_t i = 0; i < json_array_size(days); i++) {
        json_t *day = json_array_get(days, i);
        const char *date = json_string_value(json_object_get(day, "date"));
        assert_true(strcmp(date, last) > 0);
        assert_true(strcmp(date, "2027-01-20") < 0);
        last = date;
        assert_true(json_integer_value(json_object_get(day, "minutes")) <= 60);
        json_t *items = json_object_get(day, "items");
        for (size_t k = 0; k < json_array_size(items); k++) {
            json_t *it = json_array_get(items, k);
            assert_string_equal(json_string_value(json_object_get(it, "material_id")), cells);
            assert_true(json_integer_value(json_object_get(it, "minutes")) > 0);
            if (strcmp(json_string_value(json_object_get(it, "kind")), "study") != 0)
                continue;
            for (size_t t = 0; t < 3; t++)
                studied[t] |=
                    strcmp(json_string_value(json_object_get(it, "topic")), cells_topics[t].name) == 0;
        }
    }
    assert_true(studied[0] && studied[1] && studied[2]);
    json_decref(p);
    /* the verification: every rule checked and passed */
    json_t *v = json_loads(a.report_json, 0, NULL);
    assert_true(json_is_true(json_object_get(v, "ok")));
    json_t *rules = json_object_get(v, "constraints");
    assert_int_equal(json_array_size(rules), 6);
    for (size_t i = 0; i < 6; i++) {
        assert_true(json_is_true(json_object_get(json_array_get(rules, i), "ok")));
        assert_int_equal(json_array_size(json_object_get(json_array_get(rules, i), "violations")), 0);
    }
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 0), "rule")), "coverage");
    json_decref(v);

    /* the same inputs, an hour later: the cached plan */
    plan_record b;
    generate_ok(f->d, &c.p_owner, id, NOON_UTC + HOUR_MS, &b);
    assert_true(b.cached);
    assert_string_equal(b.id, a.id);
    assert_string_equal(b.created_at, a.created_at);
    plan_record_cleanup(&b);
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM plans WHERE session_id = $1", id), 1);

    /* a new budget: a new plan; back to the old one: the old plan again */
    char prev[37];
    snprintf(prev, sizeof prev, "%s", a.id);
    session s;
    em_error err;
    assert_int_equal(try_session(f->d, &c.p_owner, id, "{\"daily_minutes\":75}", &s, &err), EM_OK);
    session_cleanup(&s);
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &b);
    assert_false(b.cached);
    assert_string_not_equal(b.id, prev);
    char budget75[37];
    snprintf(budget75, sizeof budget75, "%s", b.id);
    plan_record_cleanup(&b);
    assert_int_equal(try_session(f->d, &c.p_owner, id, "{\"daily_minutes\":60}", &s, &err), EM_OK);
    session_cleanup(&s);
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &b);
    assert_true(b.cached);
    assert_string_equal(b.id, prev);
    plan_record_cleanup(&b);

    /* another material: a new plan that covers it */
    char json[256];
    snprintf(json, sizeof json, "{\"material_ids\":[\"%s\",\"%s\"]}", cells, genes);
    assert_int_equal(try_session(f->d, &c.p_owner, id, json, &s, &err), EM_OK);
    session_cleanup(&s);
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &b);
    assert_false(b.cached);
    assert_string_not_equal(b.id, prev);
    assert_string_not_equal(b.id, budget75);
    assert_non_null(strstr(b.plan_json, genes));
    char two[37];
    snprintf(two, sizeof two, "%s", b.id);
    plan_record_cleanup(&b);

    /* a mastery changes: a new plan */
    assert_int_equal(mastery_set_session_topic(f->d, id, "DNA", 0.97, &err), EM_OK);
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &b);
    assert_false(b.cached);
    assert_string_not_equal(b.id, two);
    char mastered[37];
    snprintf(mastered, sizeof mastered, "%s", b.id);
    plan_record_cleanup(&b);
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &b);
    assert_true(b.cached);
    assert_string_equal(b.id, mastered);
    plan_record_cleanup(&b);

    /* an expired cache row: a new plan */
    const char *q[] = {mastered};
    area_run(f->d, "UPDATE plan_cache SET expires_at = '2026-01-01T00:00:00.000Z' WHERE plan_id = $1", q, 1);
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &b);
    assert_false(b.cached);
    assert_string_not_equal(b.id, mastered);
    plan_record_cleanup(&b);
    /* within PLANS_CACHE_TTL_S on the same local date: one plan all day */
    plan_record c1, c2;
    generate_ok(f->d, &c.p_owner, id, NOON_UTC - 12 * HOUR_MS, &c1); /* 00:00 UTC */
    generate_ok(f->d, &c.p_owner, id, NOON_UTC + 11 * HOUR_MS, &c2); /* 23:00 UTC, same day */
    assert_true(c2.cached);
    assert_string_equal(c2.id, c1.id);
    plan_record_cleanup(&c2);
    plan_record_cleanup(&c1);
    plan_record_cleanup(&a);
}

static void study_plans_refusals(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char cells[37], pending[37], id[37], json[256];
    make_material(f->d, c.owner, "Cells", "ready", cells_topics, 3, cells);
    make_material(f->d, c.owner, "Later", "pending", NULL, 0, pending);
    plan_record r;
    plan_infeasible why;
    em_error err = {0};

    /* the budget is too small: the fix in numbers and in words */
    snprintf(json, sizeof json,
             "{\"title\":\"T\",\"exam_date\":\"2026-12-10\",\"daily_minutes\":5,\"material_ids\":[\"%s\"]}",
             cells);
    make_session(f->d, &c.p_owner, json, id);
    assert_int_equal(plans_generate(f->d, &llm_builtin, &c.p_owner, id, NOON_UTC, &r, &why, &err), EM_E_INVAL);
    assert_string_equal(err.reason, PLANS_INFEASIBLE);
    assert_int_equal(why.problem, PLAN_BUDGET_TOO_SMALL);
    assert_true(why.min_daily_minutes > 5);
    char want[64];
    snprintf(want, sizeof want, "needs at least %d minutes a day", why.min_daily_minutes);
    assert_non_null(strstr(err.msg, want));
    assert_true(why.has_earliest_exam);
    assert_non_null(strstr(err.msg, "or an exam date after"));
    /* and that budget works */
    snprintf(json, sizeof json, "{\"daily_minutes\":%d}", why.min_daily_minutes);
    session s;
    assert_int_equal(try_session(f->d, &c.p_owner, id, json, &s, &err), EM_OK);
    session_cleanup(&s);
    plan_record ok;
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &ok);
    plan_record_cleanup(&ok);

    /* an exam date in the past (the local date) */
    assert_int_equal(
        try_session(f->d, &c.p_owner, id, "{\"exam_date\":\"2026-12-05\",\"daily_minutes\":600}", &s, &err),
        EM_OK);
    session_cleanup(&s);
    assert_int_equal(plans_generate(f->d, &llm_builtin, &c.p_owner, id, NOON_UTC, &r, &why, &err), EM_E_INVAL);
    assert_string_equal(err.reason, PLANS_EXAM_PAST);
    assert_non_null(strstr(err.msg, "2026-12-05"));
    assert_non_null(strstr(err.msg, "2026-12-06"));
    /* the exam today: infeasible, with the earliest exam date */
    assert_int_equal(try_session(f->d, &c.p_owner, id, "{\"exam_date\":\"2026-12-06\"}", &s, &err), EM_OK);
    session_cleanup(&s);
    assert_int_equal(plans_generate(f->d, &llm_builtin, &c.p_owner, id, NOON_UTC, &r, &why, &err), EM_E_INVAL);
    assert_string_equal(err.reason, PLANS_INFEASIBLE);
    assert_int_equal(why.problem, PLAN_EXAM_NOT_AHEAD);

    /* no ready material */
    snprintf(json, sizeof json, "{\"exam_date\":\"2027-03-01\",\"material_ids\":[\"%s\"]}", pending);
    assert_int_equal(try_session(f->d, &c.p_owner, id, json, &s, &err), EM_OK);
    session_cleanup(&s);
    assert_int_equal(plans_generate(f->d, &llm_builtin, &c.p_owner, id, NOON_UTC, &r, &why, &err), EM_E_INVAL);
    assert_string_equal(err.reason, PLANS_NO_MATERIAL);
    assert_int_equal(try_session(f->d, &c.p_owner, id, "{\"material_ids\":[]}", &s, &err), EM_OK);
    session_cleanup(&s);
    assert_int_equal(plans_generate(f->d, &llm_builtin, &c.p_owner, id, NOON_UTC, &r, &why, &err), EM_E_INVAL);
    assert_string_equal(err.reason, PLANS_NO_MATERIAL);

    /* only the owner makes plans */
    snprintf(json, sizeof json, "{\"material_ids\":[\"%s\"]}", cells);
    assert_int_equal(try_session(f->d, &c.p_owner, id, json, &s, &err), EM_OK);
    session_cleanup(&s);
    const principal *no_write[] = {&c.p_tutor, &c.p_admin, &c.p_idle, &c.p_stranger};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(plans_generate(f->d, &llm_builtin, no_write[i], id, NOON_UTC, &r, &why, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such session");
    }
    assert_int_equal(plans_generate(f->d, &llm_builtin, &c.p_owner, NOBODY, NOON_UTC, &r, &why, &err), EM_E_NOT_FOUND);
    /* refusals store nothing */
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM plans WHERE session_id = $1", id), 1);
}

/* The plan's today for a student of `zone` at now_ms. */
static void expect_today(db *d, const cast *c, const char *session_id, const char *zone, int64_t now_ms,
                         const char *want)
{
    set_zone(d, c->owner, zone);
    plan_record r;
    generate_ok(d, &c->p_owner, session_id, now_ms, &r);
    json_t *p = plan_of(&r);
    const char *today = json_string_value(json_object_get(p, "today"));
    if (strcmp(today, want) != 0)
        fail_msg("%s at %lld: today is %s, expected %s", zone, (long long)now_ms, today, want);
    assert_string_equal(json_string_value(json_object_get(p, "time_zone")), zone);
    /* the first day of study is that local today */
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(p, "days"), 0), "date")), want);
    json_decref(p);
    plan_record_cleanup(&r);
}

static void study_plans_local_today(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char cells[37], id[37], json[256];
    make_material(f->d, c.owner, "Cells", "ready", cells_topics, 3, cells);
    snprintf(json, sizeof json,
             "{\"title\":\"T\",\"exam_date\":\"2027-06-30\",\"daily_minutes\":300,\"material_ids\":[\"%s\"]}",
             cells);
    make_session(f->d, &c.p_owner, json, id);
    static const struct {
        const char *zone;
        const char *utc; /* the instant, UTC */
        const char *today;
    } cases[] = {
        /* around midnight UTC, 6 to 7 December 2026 (Auckland is UTC+13 in summer, Los Angeles UTC-8) */
        {"UTC", "2026-12-06T23:59:59", "2026-12-06"},
        {"UTC", "2026-12-07T00:00:00", "2026-12-07"},
        {"Pacific/Auckland", "2026-12-06T10:59:59", "2026-12-06"},
        {"Pacific/Auckland", "2026-12-06T11:00:00", "2026-12-07"},
        {"Pacific/Auckland", "2026-12-06T23:59:59", "2026-12-07"},
        {"America/Los_Angeles", "2026-12-07T00:00:00", "2026-12-06"},
        {"America/Los_Angeles", "2026-12-07T07:59:59", "2026-12-06"},
        {"America/Los_Angeles", "2026-12-07T08:00:00", "2026-12-07"},
        /* Los Angeles moves to UTC-7 at 2027-03-14 02:00 local (10:00 UTC): midnight is
         * 08:00 UTC before the change, 07:00 UTC after it */
        {"America/Los_Angeles", "2027-03-14T07:59:59", "2027-03-13"},
        {"America/Los_Angeles", "2027-03-14T08:00:00", "2027-03-14"},
        {"America/Los_Angeles", "2027-03-15T06:59:59", "2027-03-14"},
        {"America/Los_Angeles", "2027-03-15T07:00:00", "2027-03-15"},
        /* Auckland moves back to UTC+12 at 2027-04-04 03:00 local (2027-04-03 14:00 UTC) */
        {"Pacific/Auckland", "2027-04-03T10:59:59", "2027-04-03"},
        {"Pacific/Auckland", "2027-04-03T11:00:00", "2027-04-04"},
        {"Pacific/Auckland", "2027-04-04T11:59:59", "2027-04-04"},
        {"Pacific/Auckland", "2027-04-04T12:00:00", "2027-04-05"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        civil_date day;
        assert_int_equal(civil_parse(cases[i].utc, 10, &day), EM_OK);
        int h = (cases[i].utc[11] - '0') * 10 + (cases[i].utc[12] - '0');
        int m = (cases[i].utc[14] - '0') * 10 + (cases[i].utc[15] - '0');
        int s = (cases[i].utc[17] - '0') * 10 + (cases[i].utc[18] - '0');
        int64_t ms = ((civil_to_days(day) * 86400) + h * 3600 + m * 60 + s) * 1000 + 500;
        expect_today(f->d, &c, id, cases[i].zone, ms, cases[i].today);
    }
    /* the zone is part of the cache key: two zones on the same local date, two plans */
    set_zone(f->d, c.owner, "Europe/Paris");
    plan_record a, b;
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &a);
    set_zone(f->d, c.owner, "Europe/Berlin");
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &b);
    assert_false(b.cached);
    assert_string_not_equal(a.id, b.id);
    plan_record_cleanup(&a);
    plan_record_cleanup(&b);
}

static void study_plans_read_calendar_and_cascade(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char cells[37], id[37];
    make_material(f->d, c.owner, "Cells", "ready", cells_topics, 3, cells);
    session_over(f->d, &c, cells, id);
    plan_record r, got;
    em_error err = {0};
    assert_int_equal(plans_latest(f->d, &c.p_owner, id, &got, &err), EM_E_NOT_FOUND);
    assert_string_equal(err.msg, "no plan for this session yet");
    set_zone(f->d, c.owner, "Pacific/Auckland");
    generate_ok(f->d, &c.p_owner, id, NOON_UTC, &r); /* 2026-12-07 01:00 in Auckland */

    const principal *readers[] = {&c.p_owner, &c.p_tutor, &c.p_admin};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(plans_get(f->d, readers[i], r.id, &got, &err), EM_OK);
        assert_string_equal(got.id, r.id);
        assert_non_null(got.report_json);
        plan_record_cleanup(&got);
        assert_int_equal(plans_latest(f->d, readers[i], id, &got, &err), EM_OK);
        assert_string_equal(got.id, r.id);
        plan_record_cleanup(&got);
    }
    const principal *others[] = {&c.p_idle, &c.p_stranger};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(plans_get(f->d, others[i], r.id, &got, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such plan");
        assert_int_equal(plans_latest(f->d, others[i], id, &got, &err), EM_E_NOT_FOUND);
        buf b;
        buf_init(&b, PLANS_ICS_MAX);
        assert_int_equal(plans_calendar(f->d, others[i], id, NOON_UTC, &b, &err), EM_E_NOT_FOUND);
        buf_cleanup(&b);
    }
    assert_int_equal(plans_get(f->d, &c.p_owner, "nope", &got, &err), EM_E_NOT_FOUND);
    assert_int_equal(plans_get(f->d, &c.p_owner, NOBODY, &got, &err), EM_E_NOT_FOUND);

    /* the calendar: one all-day event per plan day, on its local date */
    json_t *p = plan_of(&r);
    size_t n_days = json_array_size(json_object_get(p, "days"));
    buf b;
    buf_init(&b, PLANS_ICS_MAX);
    assert_int_equal(plans_calendar(f->d, &c.p_tutor, id, NOON_UTC, &b, &err), EM_OK);
    size_t events = 0;
    for (const char *at = b.data; (at = strstr(at, "BEGIN:VEVENT\r\n")) != NULL; at++)
        events++;
    assert_int_equal(events, n_days);
    assert_non_null(strstr(b.data, "DTSTART;VALUE=DATE:20261207\r\n"));
    assert_non_null(strstr(b.data, "DTEND;VALUE=DATE:20261208\r\n"));
    assert_non_null(strstr(b.data, "X-WR-CALNAME:Biology\r\n"));
    char uid[96];
    snprintf(uid, sizeof uid, "UID:%s-20261207@exammentor\r\n", r.id);
    assert_non_null(strstr(b.data, uid));
    buf_cleanup(&b);
    json_decref(p);

    /* plans and cache rows go with their session */
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM plan_cache WHERE plan_id = $1", r.id), 1);
    assert_int_equal(session_delete(f->d, &c.p_owner, id, &err), EM_OK);
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM plans WHERE id = $1", r.id), 0);
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM plan_cache WHERE plan_id = $1", r.id), 0);
    assert_int_equal(plans_get(f->d, &c.p_owner, r.id, &got, &err), EM_E_NOT_FOUND);
    plan_record_cleanup(&r);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(study_plans_verified_and_cached),
        BOTH(study_plans_refusals),
        BOTH(study_plans_local_today),
        BOTH(study_plans_read_calendar_and_cascade),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
