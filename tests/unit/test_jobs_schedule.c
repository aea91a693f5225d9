/* test_jobs_schedule: cron expressions (parse, next, prev) and schedule_tick.
 *
 * The cron cases need no database. The schedule_tick cases run on SQLite and
 * on PostgreSQL (db_fixture.h: EM_TEST_PG_URL, EM_REQUIRE_PG=1), each on a
 * freshly migrated database; one of them ticks the same slots from two threads
 * with their own connections, as two worker processes would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"
#include "jobs/queue.h"
#include "jobs/schedule.h"

#include "db_fixture.h"

/* ---- helpers ---- */

/* Epoch ms of a UTC calendar time. */
static int64_t at(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
    return (int64_t)timegm(&tm) * 1000;
}

static cron parse_ok(const char *expr)
{
    cron c;
    em_error err = {0};
    int rc = cron_parse(expr, &c, &err);
    if (rc != EM_OK)
        fail_msg("cron_parse(\"%s\") = %d: %s", expr, rc, err.msg);
    return c;
}

/* Compare instants as ISO text, so a failure shows readable times. */
static void assert_time(int64_t got, int64_t want)
{
    char g[32] = "-1", w[32] = "-1";
    if (got >= 0)
        clock_iso8601(got, g);
    if (want >= 0)
        clock_iso8601(want, w);
    assert_string_equal(g, w);
}

static void expect_next(const char *expr, int64_t now, int64_t want)
{
    cron c = parse_ok(expr);
    assert_time(cron_next(&c, now), want);
}

static void expect_prev(const char *expr, int64_t now, int64_t want)
{
    cron c = parse_ok(expr);
    assert_time(cron_prev(&c, now), want);
}

/* The definition of "due", straight from the fields: what the searches must
 * agree with. */
static bool due(const cron *c, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    bool md = c->mdays >> tm.tm_mday & 1, wd = c->wdays >> tm.tm_wday & 1;
    bool day = c->mday_any || c->wday_any ? md && wd : md || wd;
    return ms % 1000 == 0 && (c->seconds >> tm.tm_sec & 1) && (c->minutes >> tm.tm_min & 1) &&
           (c->hours >> tm.tm_hour & 1) && (c->months >> (tm.tm_mon + 1) & 1) && day;
}

/* ---- parsing ---- */

static void test_jobs_schedule_parse_valid(void **state)
{
    (void)state;
    cron c = parse_ok("* * * * *");
    assert_true(c.seconds == 1); /* five fields: second 0 only */
    assert_true(c.minutes == (1ULL << 60) - 1);
    assert_true(c.hours == (1U << 24) - 1);
    assert_true(c.mdays == ((1U << 31) - 1) << 1);
    assert_true(c.months == ((1U << 12) - 1) << 1);
    assert_true(c.wdays == 0x7f);
    assert_true(c.mday_any && c.wday_any);

    c = parse_ok("*/15 9-17 * * 1-5");
    assert_true(c.minutes == (1ULL << 0 | 1ULL << 15 | 1ULL << 30 | 1ULL << 45));
    assert_true(c.hours == ((1U << 9) - 1) << 9);
    assert_true(c.wdays == 0x3e);
    assert_true(c.mday_any);
    assert_false(c.wday_any);

    c = parse_ok("0 0 1 1 *");
    assert_true(c.minutes == 1 && c.hours == 1 && c.mdays == 2 && c.months == 2);

    c = parse_ok("30 2 * * 0,6");
    assert_true(c.minutes == 1ULL << 30 && c.hours == 1U << 2 && c.wdays == (1 | 1 << 6));

    c = parse_ok("*/2 * * * * *");
    assert_true(c.seconds == 0x555555555555555ULL);
    assert_true(c.minutes == (1ULL << 60) - 1);

    assert_true(parse_ok("0 12 * * 7").wdays == 1); /* 7 is Sunday */
    assert_true(parse_ok("0 12 * * 5-7").wdays == (1 | 1 << 5 | 1 << 6));
    assert_true(parse_ok("10-20/5 * * * *").minutes == (1ULL << 10 | 1ULL << 15 | 1ULL << 20));
    assert_true(parse_ok("50/3 * * * *").minutes == (1ULL << 50 | 1ULL << 53 | 1ULL << 56 | 1ULL << 59));
    assert_true(parse_ok("0 0 * * 1/2").wdays == (1 << 1 | 1 << 3 | 1 << 5));
    assert_true(parse_ok("1,2,3,58 * * * *").minutes == (0xeULL | 1ULL << 58));
    assert_true(parse_ok(" \t0  0\t1 * *  ").mdays == 2); /* spaces and tabs around fields */
    assert_true(parse_ok("05 * * * *").minutes == 1ULL << 5);
    /* a restricted day field, even *|/1, is not '*' */
    c = parse_ok("0 0 */1 * 1");
    assert_false(c.mday_any);
    assert_false(c.wday_any);
}

static void test_jobs_schedule_parse_invalid(void **state)
{
    (void)state;
    char longest[CRON_MAX + 1], too_long[201];
    memset(longest, ' ', CRON_MAX);
    memcpy(longest, "* * * * *", 9);
    longest[CRON_MAX] = '\0';
    memset(too_long, ' ', 200);
    memcpy(too_long, "* * * * *", 9);
    too_long[200] = '\0';
    assert_int_equal(cron_parse(longest, &(cron){0}, NULL), EM_OK);

    struct {
        const char *expr;
        const char *msg; /* a part of the message */
    } cases[] = {
        {"", "empty"},
        {"   ", "empty"},
        {"* * * *", "5 or 6 fields, not 4"},
        {"* * * * * * *", "5 or 6 fields, not more"},
        {"* * * * * * * * * * *", "5 or 6 fields, not more"},
        {"60 * * * *", "minute: 60 is out of range 0-59"},
        {"* 24 * * *", "hour: 24 is out of range 0-23"},
        {"* * 0 * *", "day-of-month: 0 is out of range 1-31"},
        {"* * 32 * *", "day-of-month: 32 is out of range 1-31"},
        {"* * * 13 *", "month: 13 is out of range 1-12"},
        {"* * * 0 *", "month: 0 is out of range 1-12"},
        {"* * * * 8", "day-of-week: 8 is out of range 0-7"},
        {"60 * * * * *", "second: 60 is out of range 0-59"},
        {"*/0 * * * *", "minute: step 0 is out of range 1-60"},
        {"*/61 * * * *", "minute: step 61 is out of range 1-60"},
        {"5-1 * * * *", "minute: range 5-1 is reversed"},
        {"1,,2 * * * *", "minute: empty list item"},
        {"1, * * * *", "minute: empty list item"},
        {",1 * * * *", "minute: empty list item"},
        {"a * * * *", "minute: expected a number, got 'a'"},
        {"* * * * * x", "day-of-week: expected a number, got 'x'"},
        {"* * * JAN *", "month: expected a number, got 'J'"},
        {"1- * * * *", "minute: expected a number at the end"},
        {"1-2- * * * *", "minute: expected ',' or the end of the field, got '-'"},
        {"*/ * * * *", "minute: expected a number at the end"},
        {"*/2/3 * * * *", "minute: expected ',' or the end of the field, got '/'"},
        {"** * * * *", "minute: expected ',' or the end of the field, got '*'"},
        {"-1 * * * *", "minute: expected a number, got '-'"},
        {"99999999999999999999 * * * *", "minute: 99999999999999999999 is out of range 0-59"},
        {"*/99999999999 * * * *", "minute: step 99999999999 is out of range 1-60"},
        {"* * * * 1/0", "day-of-week: step 0 is out of range 1-7"},
        {"* 024 * * *", "hour: 024 is out of range 0-23"},
        {"1\x01 * * * *", "minute: expected ',' or the end of the field, got byte 0x01"},
        {"* * * * *\n", "day-of-week: expected ',' or the end of the field, got byte 0x0a"},
        {too_long, "at most 128 characters"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cron c;
        memset(&c, 0xab, sizeof c);
        em_error err = {0};
        int rc = cron_parse(cases[i].expr, &c, &err);
        if (rc != EM_E_INVAL || strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("cron_parse(\"%s\") = %d \"%s\", want EM_E_INVAL \"%s\"", cases[i].expr, rc, err.msg,
                     cases[i].msg);
        assert_int_equal(err.code, EM_E_INVAL);
        /* a failed parse leaves a cron that is never due */
        assert_int_equal(cron_next(&c, at(2026, 1, 1, 0, 0, 0)), -1);
    }
    em_error err = {0};
    assert_int_equal(cron_parse(NULL, &(cron){0}, &err), EM_E_INVAL);
}

/* ---- next / prev ---- */

static void test_jobs_schedule_next_prev_exact(void **state)
{
    (void)state;
    /* month ends: the 1st, and the 31st that skips short months */
    expect_next("0 0 1 * *", at(2026, 1, 31, 12, 0, 0), at(2026, 2, 1, 0, 0, 0));
    expect_prev("0 0 1 * *", at(2026, 1, 31, 12, 0, 0), at(2026, 1, 1, 0, 0, 0));
    expect_next("0 0 31 * *", at(2026, 4, 15, 0, 0, 0), at(2026, 5, 31, 0, 0, 0));
    expect_prev("0 0 31 * *", at(2026, 4, 15, 0, 0, 0), at(2026, 3, 31, 0, 0, 0));
    expect_prev("0 0 31 * *", at(2026, 3, 1, 0, 0, 0), at(2026, 1, 31, 0, 0, 0));
    expect_next("59 23 28-31 2 *", at(2026, 2, 1, 0, 0, 0), at(2026, 2, 28, 23, 59, 0));
    expect_next("59 23 28-31 2 *", at(2026, 2, 28, 23, 59, 0), at(2027, 2, 28, 23, 59, 0));

    /* leap years */
    expect_next("0 0 29 2 *", at(2027, 3, 1, 0, 0, 0), at(2028, 2, 29, 0, 0, 0));
    expect_next("0 0 29 2 *", at(2027, 2, 28, 0, 0, 1), at(2028, 2, 29, 0, 0, 0)); /* 366 days - 1 s away */
    expect_prev("0 0 29 2 *", at(2028, 3, 1, 0, 0, 0), at(2028, 2, 29, 0, 0, 0));
    expect_next("0 0 29 2 *", at(2028, 3, 1, 0, 0, 0), -1); /* 2032 is past the horizon */
    expect_prev("0 0 29 2 *", at(2027, 6, 1, 0, 0, 0), -1);
    expect_next("0 12 * 2 *", at(2028, 2, 28, 13, 0, 0), at(2028, 2, 29, 12, 0, 0));
    expect_next("0 12 * 2 *", at(2027, 2, 28, 13, 0, 0), at(2028, 2, 1, 12, 0, 0));
    expect_prev("0 12 * 2 *", at(2028, 3, 1, 0, 0, 0), at(2028, 2, 29, 12, 0, 0));

    /* year end */
    expect_next("0 0 1 1 *", at(2026, 12, 31, 23, 59, 59) + 500, at(2027, 1, 1, 0, 0, 0));
    expect_prev("0 0 1 1 *", at(2027, 1, 1, 0, 0, 0), at(2027, 1, 1, 0, 0, 0)); /* prev may be now */
    expect_prev("0 0 1 1 *", at(2027, 1, 1, 0, 0, 0) - 1, at(2026, 1, 1, 0, 0, 0));
    /* strictly after now */
    expect_next("59 23 31 12 *", at(2026, 12, 31, 23, 59, 0), at(2027, 12, 31, 23, 59, 0));
    expect_prev("59 23 31 12 *", at(2027, 1, 1, 0, 0, 0), at(2026, 12, 31, 23, 59, 0));
    expect_next("0 0 * * 1", at(2026, 12, 30, 0, 0, 0), at(2027, 1, 4, 0, 0, 0));
    expect_prev("0 0 * * 1", at(2027, 1, 3, 0, 0, 0), at(2026, 12, 28, 0, 0, 0));

    /* day-of-month OR day-of-week: the 13th and every Friday */
    const int64_t fri13[] = {at(2026, 3, 6, 0, 0, 0),  at(2026, 3, 13, 0, 0, 0), at(2026, 3, 20, 0, 0, 0),
                             at(2026, 3, 27, 0, 0, 0), at(2026, 4, 3, 0, 0, 0),  at(2026, 4, 10, 0, 0, 0),
                             at(2026, 4, 13, 0, 0, 0), at(2026, 4, 17, 0, 0, 0)};
    cron c = parse_ok("0 0 13 * 5");
    int64_t t = at(2026, 3, 1, 0, 0, 0);
    for (size_t i = 0; i < sizeof fri13 / sizeof fri13[0]; i++) {
        t = cron_next(&c, t);
        assert_time(t, fri13[i]);
    }
    assert_time(cron_prev(&c, at(2026, 4, 16, 0, 0, 0)), at(2026, 4, 13, 0, 0, 0));
    /* a '*' day field restricts nothing: only the other one counts */
    expect_next("0 0 13 * *", at(2026, 3, 1, 0, 0, 0), at(2026, 3, 13, 0, 0, 0));
    expect_next("0 0 * * 5", at(2026, 3, 1, 0, 0, 0), at(2026, 3, 6, 0, 0, 0));

    /* every two seconds; milliseconds in now */
    expect_next("*/2 * * * * *", at(2026, 5, 1, 12, 0, 0), at(2026, 5, 1, 12, 0, 2));
    expect_next("*/2 * * * * *", at(2026, 5, 1, 12, 0, 1) + 999, at(2026, 5, 1, 12, 0, 2));
    expect_prev("*/2 * * * * *", at(2026, 5, 1, 12, 0, 1) + 999, at(2026, 5, 1, 12, 0, 0));
    expect_next("*/2 * * * * *", at(2026, 5, 1, 23, 59, 58) + 1, at(2026, 5, 2, 0, 0, 0));
    expect_prev("*/2 * * * * *", at(2026, 5, 2, 0, 0, 1), at(2026, 5, 2, 0, 0, 0));
    expect_prev("*/2 * * * * *", at(2026, 5, 2, 0, 0, 0) - 1, at(2026, 5, 1, 23, 59, 58));

    /* working hours: Friday evening to Monday morning */
    expect_next("*/15 9-17 * * 1-5", at(2026, 5, 1, 17, 50, 0), at(2026, 5, 4, 9, 0, 0));
    expect_prev("*/15 9-17 * * 1-5", at(2026, 5, 4, 8, 59, 59), at(2026, 5, 1, 17, 45, 0));
    expect_next("30 2 * * 0,6", at(2026, 5, 1, 0, 0, 0), at(2026, 5, 2, 2, 30, 0));
    expect_next("0 12 * * 7", at(2026, 5, 1, 0, 0, 0), at(2026, 5, 3, 12, 0, 0));

    /* a day that never comes; a cron that allows nothing */
    expect_next("0 0 30 2 *", at(2026, 1, 1, 0, 0, 0), -1);
    expect_prev("0 0 30 2 *", at(2026, 1, 1, 0, 0, 0), -1);
    expect_next("0 0 31 4,6,9,11 *", at(2026, 1, 1, 0, 0, 0), -1);
    cron none = {0};
    assert_int_equal(cron_next(&none, at(2026, 1, 1, 0, 0, 0)), -1);
    assert_int_equal(cron_prev(&none, at(2026, 1, 1, 0, 0, 0)), -1);
    /* times outside 1970..9999 */
    c = parse_ok("* * * * *");
    assert_int_equal(cron_next(&c, -5000), -1);
    assert_int_equal(cron_prev(&c, INT64_MAX), -1);
    assert_int_equal(cron_prev(&c, 59999), 0);
    assert_int_equal(cron_prev(&c, 0), 0);
    assert_int_equal(cron_next(&c, 0), 60000);
}

/* For many expressions and times: prev <= now < next, both due, nothing due
 * between them (checked by brute force where the gap is small), and
 * next(prev) == next. */
static void test_jobs_schedule_next_prev_properties(void **state)
{
    (void)state;
    const char *exprs[] = {"* * * * *",         "*/2 * * * * *",   "*/7 */5 * * * *", "0 0 13 * 5",
                           "*/15 9-17 * * 1-5", "30 2 * * 0,6",    "0 0 1 1 *",       "0 0 29 2 *",
                           "0 12 * * 7",        "5 4 31 * *",      "0-10/3 23 * * *", "1,59 0,23 1,31 * 1",
                           "59 59 23 31 12 *",  "0 0 */10 */2 2-4"};
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
        cron c = parse_ok(exprs[e]);
        for (int i = 0; i < 60; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            int64_t now = at(2025, 1, 1, 0, 0, 0) + (int64_t)(seed >> 33) % (4LL * 365 * 86400 * 1000);
            int64_t next = cron_next(&c, now), prev = cron_prev(&c, now);
            if (next >= 0) {
                assert_true(next > now);
                assert_true(due(&c, next));
            }
            if (prev >= 0) {
                assert_true(prev <= now);
                assert_true(due(&c, prev));
                assert_time(cron_next(&c, prev - 1), prev);
                if (next >= 0 && next - prev <= 366LL * 86400 * 1000) /* within the horizon */
                    assert_time(cron_next(&c, prev), next);
            }
            if (next >= 0 && prev >= 0 && next - prev <= 3LL * 86400 * 1000) {
                int64_t step = c.seconds == 1 ? 60000 : 1000;
                for (int64_t t = prev + step; t < next; t += step)
                    if (due(&c, t))
                        fail_msg("%s: %lld is due between prev and next", exprs[e], (long long)t);
            }
        }
    }
}

/* The searches jump by fields: a year of "never" costs little. */
static void test_jobs_schedule_search_is_fast(void **state)
{
    (void)state;
    cron never = parse_ok("0 0 30 2 *"), rare = parse_ok("59 59 23 31 12 *");
    int64_t t0 = clock_mono_us();
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(cron_next(&never, at(2026, 1, 1, 0, 0, 0) + i * 1000LL), -1);
        assert_true(cron_prev(&rare, at(2026, 12, 31, 0, 0, 0) + i * 1000LL) > 0);
    }
    int64_t us = clock_mono_us() - t0;
    /* a second-by-second scan would take minutes; generous for sanitizers and valgrind */
    assert_true(us < 20 * 1000 * 1000);
}

static void test_jobs_schedule_override_name(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(schedule_override_name("auth.purge_refresh_tokens", out, sizeof out), EM_OK);
    assert_string_equal(out, "SCHEDULE_AUTH_PURGE_REFRESH_TOKENS");
    assert_int_equal(schedule_override_name("a-b.C9", out, sizeof out), EM_OK);
    assert_string_equal(out, "SCHEDULE_A_B_C9");
    assert_int_equal(schedule_override_name("", out, sizeof out), EM_E_INVAL);
    assert_int_equal(schedule_override_name(NULL, out, sizeof out), EM_E_INVAL);
    assert_int_equal(schedule_override_name("a b", out, sizeof out), EM_E_INVAL);
    assert_int_equal(schedule_override_name("a=b", out, sizeof out), EM_E_INVAL);
    char small[11];
    assert_int_equal(schedule_override_name("ab", small, sizeof small), EM_E_TOO_LARGE);
    assert_string_equal(small, "");
    assert_int_equal(schedule_override_name("a", small, sizeof small), EM_OK); /* exactly fits */
    assert_string_equal(small, "SCHEDULE_A");
}

/* ---- schedule_tick on both backends ---- */

static const schedule_def every_second = {"test.every_second", "* * * * * *", "reports", "test.tick",
                                          "{\"n\": 1, \"s\": \"x\"}"};

static fixture *migrated(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    int rc = migrate_up(f->d, 0, NULL, &err);
    if (rc != EM_OK)
        fail_msg("migrate_up: %d %s", rc, err.msg);
    return f;
}

static int64_t count_rows(db *d, const char *sql)
{
    db_stmt *st = NULL;
    em_error err = {0};
    assert_int_equal(db_prepare(d, sql, &st, &err), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    int64_t v = db_column_int64(st, 0);
    db_finalize(st);
    return v;
}

static int tick(db *d, const schedule_def *defs, const cron *crons, size_t n, int64_t now, int64_t since)
{
    int fired = -1;
    em_error err = {0};
    int rc = schedule_tick(d, defs, crons, n, now, since, &fired, &err);
    if (rc != EM_OK)
        fail_msg("schedule_tick: %d %s", rc, err.msg);
    return fired;
}

/* The schedule_runs row of a slot joined to its job: checks that the job is
 * the schedule's and that job_id points at it. */
static void check_slot(db *d, const schedule_def *def, int64_t slot_ms)
{
    char slot[32], key[128];
    clock_iso8601(slot_ms, slot);
    snprintf(key, sizeof key, "%s@%s", def->name, slot);
    db_stmt *st = NULL;
    em_error err = {0};
    /* PostgreSQL's JSONB comes back as text only when asked */
    const char *sql =
        db_dialect_of(d) == DB_SQLITE
            ? "SELECT j.queue, j.kind, j.payload, j.unique_key, j.status, r.fired_at "
              "FROM schedule_runs r JOIN jobs j ON j.id = r.job_id WHERE r.name = $1 AND r.slot = $2"
            : "SELECT j.queue, j.kind, j.payload::text, j.unique_key, j.status, r.fired_at "
              "FROM schedule_runs r JOIN jobs j ON j.id = r.job_id WHERE r.name = $1 AND r.slot = $2";
    assert_int_equal(db_prepare(d, sql, &st, &err), EM_OK);
    assert_int_equal(db_bind_text(st, 1, def->name), EM_OK);
    assert_int_equal(db_bind_text(st, 2, slot), EM_OK);
    int rc = db_step(st, &err);
    if (rc != DB_ROW)
        fail_msg("no schedule_runs row joined to a job for %s at %s (%d %s)", def->name, slot, rc, err.msg);
    assert_string_equal(db_column_text(st, 0), def->queue);
    assert_string_equal(db_column_text(st, 1), def->kind);
    json_t *got = json_loads(db_column_text(st, 2), 0, NULL), *want = json_loads(def->payload, 0, NULL);
    assert_non_null(got);
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    assert_string_equal(db_column_text(st, 3), key);
    assert_string_equal(db_column_text(st, 4), "queued");
    assert_false(db_column_is_null(st, 5));
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_finalize(st);
}

static void test_jobs_schedule_tick_once_per_slot(void **state)
{
    fixture *f = migrated(state);
    cron c = parse_ok(every_second.cron);
    int64_t now = at(2026, 5, 1, 10, 0, 0) + 300;
    int64_t since = now - 5000;

    assert_int_equal(tick(f->d, &every_second, &c, 1, now, since), 1);
    assert_int_equal(tick(f->d, &every_second, &c, 1, now, since), 0);       /* same slot: nothing */
    assert_int_equal(tick(f->d, &every_second, &c, 1, now + 600, since), 0); /* still the same second */
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM jobs"), 1);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM schedule_runs WHERE job_id IS NOT NULL"), 1);
    check_slot(f->d, &every_second, at(2026, 5, 1, 10, 0, 0));

    assert_int_equal(tick(f->d, &every_second, &c, 1, now + 1000, since), 1); /* the next second */
    check_slot(f->d, &every_second, at(2026, 5, 1, 10, 0, 1));
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM jobs"), 2);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM schedule_runs"), 2);

    /* fired may be NULL */
    em_error err = {0};
    assert_int_equal(schedule_tick(f->d, &every_second, &c, 1, now + 2000, since, NULL, &err), EM_OK);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM jobs"), 3);
    /* nothing to do: no schedules */
    assert_int_equal(tick(f->d, NULL, NULL, 0, now, since), 0);
}

static void test_jobs_schedule_tick_since_skips_old_slots(void **state)
{
    fixture *f = migrated(state);
    const schedule_def hourly = {"test.hourly", "0 0 * * * *", "default", "test.hourly", "{}"};
    cron c = parse_ok(hourly.cron);
    int64_t slot = at(2026, 5, 1, 10, 0, 0);
    int64_t now = slot + 25 * 60 * 1000; /* 10:25, the slot was 10:00 */

    assert_int_equal(tick(f->d, &hourly, &c, 1, now, slot), 0);     /* slot == since: already handled */
    assert_int_equal(tick(f->d, &hourly, &c, 1, now, slot + 1), 0); /* started after the slot */
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM schedule_runs"), 0);
    assert_int_equal(tick(f->d, &hourly, &c, 1, now, slot - 1), 1); /* the latest slot only... */
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM jobs"), 1);
    check_slot(f->d, &hourly, slot);

    /* a system stopped for a day fires the current slot once, not the 24 it missed */
    int64_t later = now + 86400 * 1000LL;
    assert_int_equal(tick(f->d, &hourly, &c, 1, later, now), 1);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM jobs"), 2);
    check_slot(f->d, &hourly, slot + 86400 * 1000LL);

    /* a schedule that is never due (a zeroed cron) is skipped */
    cron none = {0};
    assert_int_equal(tick(f->d, &hourly, &none, 1, later + 3600 * 1000LL, 0), 0);
}

/* A broken schedule reports its name and does not stop the others; its slot
 * is left unclaimed so a fixed definition could still fire it. */
static void test_jobs_schedule_tick_errors(void **state)
{
    fixture *f = migrated(state);
    const schedule_def defs[] = {
        {"test.bad_kind", "* * * * * *", "default", "Not A Kind", "{}"},
        {"test.bad_payload", "* * * * * *", "default", "test.kind", "{not json"},
        every_second,
        {"Bad Name", "* * * * * *", "default", "test.kind", "{}"},
    };
    cron c[4];
    for (int i = 0; i < 4; i++)
        c[i] = parse_ok(defs[i].cron);
    int64_t now = at(2026, 5, 1, 10, 0, 0);
    int fired = -1;
    em_error err = {0};
    int rc = schedule_tick(f->d, defs, c, 4, now, 0, &fired, &err);
    assert_int_equal(rc, EM_E_INVAL);
    assert_int_equal(err.code, EM_E_INVAL);
    assert_non_null(strstr(err.msg, "schedule test.bad_kind: job kinds are"));
    assert_int_equal(fired, 1);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM schedule_runs"), 1);
    check_slot(f->d, &every_second, now);

    /* fixed, the bad schedule's slot still fires */
    schedule_def fixed = defs[0];
    fixed.kind = "test.kind";
    assert_int_equal(tick(f->d, &fixed, &c[0], 1, now, 0), 1);
    check_slot(f->d, &fixed, now);

    /* inside a caller's transaction the slot is part of it (transactions
     * nest, db.h): it goes away with the caller's rollback */
    int64_t before = count_rows(f->d, "SELECT count(*) FROM schedule_runs");
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    rc = schedule_tick(f->d, &every_second, &c[2], 1, now + 1000, 0, &fired, &err);
    assert_int_equal(rc, EM_OK);
    assert_int_equal(fired, 1);
    db_rollback(f->d);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM schedule_runs"), before);
}

/* Two "processes" (threads with their own connections) tick the same slots at
 * the same moments: each slot gets exactly one job and one schedule_runs row. */
#define RACE_SLOTS 25

typedef struct racer {
    const char *url;
    pthread_barrier_t *barrier;
    int64_t base;
    cron c;    /* every_second's */
    int fired; /* total this racer fired */
    int rc;    /* first failure */
    char msg[256];
} racer;

static void *race_main(void *arg)
{
    racer *r = arg;
    db *d = NULL;
    em_error err = {0};
    r->rc = db_open(r->url, &(db_options){.timeout_ms = 20000}, &d, &err);
    for (int k = 0; k < RACE_SLOTS; k++) {
        pthread_barrier_wait(r->barrier); /* both start every slot together, even after a failure */
        if (r->rc != EM_OK)
            continue;
        int fired = 0;
        r->rc = schedule_tick(d, &every_second, &r->c, 1, r->base + k * 1000LL + 7, 0, &fired, &err);
        r->fired += fired;
    }
    if (r->rc != EM_OK)
        snprintf(r->msg, sizeof r->msg, "%s", err.msg);
    db_close(d);
    return NULL;
}

static void test_jobs_schedule_tick_concurrent(void **state)
{
    fixture *f = migrated(state);
    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
    racer r[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        r[i] = (racer){.url = f->url,
                       .barrier = &barrier,
                       .base = at(2026, 5, 1, 10, 0, 0),
                       .c = parse_ok(every_second.cron)};
        assert_int_equal(pthread_create(&th[i], NULL, race_main, &r[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (int i = 0; i < 2; i++)
        if (r[i].rc != EM_OK)
            fail_msg("racer %d: %d %s", i, r[i].rc, r[i].msg);
    assert_int_equal(r[0].fired + r[1].fired, RACE_SLOTS);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM jobs"), RACE_SLOTS);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM schedule_runs"), RACE_SLOTS);
    assert_int_equal(count_rows(f->d, "SELECT count(DISTINCT r.job_id) FROM schedule_runs r JOIN jobs j "
                                      "ON j.id = r.job_id"),
                     RACE_SLOTS);
    for (int k = 0; k < RACE_SLOTS; k++)
        check_slot(f->d, &every_second, r[0].base + k * 1000LL);
    print_message("racers fired %d and %d\n", r[0].fired, r[1].fired);
}

#define BOTH(fn)                                                                                             \
    {"sqlite_" #fn, fn, setup, teardown, (void *)&kind_sqlite},                                              \
    {                                                                                                        \
        "pg_" #fn, fn, setup, teardown, (void *)&kind_pg                                                     \
    }

int main(void)
{
    if (getenv("EM_TEST_LOG") != NULL)
        log_configure(LOG_DEBUG, 2);
    else
        log_configure(LOG_DEBUG, -1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_schedule_parse_valid),
        cmocka_unit_test(test_jobs_schedule_parse_invalid),
        cmocka_unit_test(test_jobs_schedule_next_prev_exact),
        cmocka_unit_test(test_jobs_schedule_next_prev_properties),
        cmocka_unit_test(test_jobs_schedule_search_is_fast),
        cmocka_unit_test(test_jobs_schedule_override_name),
        BOTH(test_jobs_schedule_tick_once_per_slot),
        BOTH(test_jobs_schedule_tick_since_skips_old_slots),
        BOTH(test_jobs_schedule_tick_errors),
        BOTH(test_jobs_schedule_tick_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
