/* fsrs: first reviews of each grade (S0 = w[G-1], D0 formula), reviews after
 * whole calendar days, same-day reviews, lapses, the interval order and the
 * maximum-interval clamp, fuzz (deterministic, within its range, off gives the
 * plain interval), retrievability, JavaScript rounding, parameter checks,
 * weight parsing, log lines and times, and the metrics on hand-computed
 * predictions. Expected values were worked out from the formulas in
 * docs/internals/fsrs.md (the arithmetic is in the comments) and agree with
 * ts-fsrs 5.2.3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "learn/fsrs.h"

/* a and b within eps of each other (cmocka 1.1 has no double comparison). */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

#define DAY FSRS_DAY_MS
#define HOUR 3600000LL
/* 2024-01-01T10:00:00Z */
#define T0 1704103200000LL

static fsrs_params plain(void)
{
    fsrs_params p;
    fsrs_default_params(&p);
    p.enable_fuzz = false;
    return p;
}

static fsrs_card review(const fsrs_params *p, const fsrs_card *c, int64_t at, fsrs_grade g)
{
    fsrs_card out;
    em_error err = {0};
    assert_int_equal(fsrs_review(p, c, at, g, 0, &out, &err), EM_OK);
    return out;
}

static fsrs_card first(const fsrs_params *p, fsrs_grade g)
{
    fsrs_card c;
    fsrs_card_init(&c, T0);
    return review(p, &c, T0, g);
}

/* ---- the scheduler ---- */

static void learn_fsrs_defaults(void **state)
{
    (void)state;
    fsrs_params p;
    fsrs_default_params(&p);
    assert_near(p.w[0], 0.212, 0);
    assert_near(p.w[20], 0.1542, 0);
    assert_near(p.request_retention, 0.9, 0);
    assert_int_equal(p.maximum_interval, 36500);
    assert_true(p.enable_fuzz);
    assert_int_equal(fsrs_params_check(&p, NULL), EM_OK);
}

static void learn_fsrs_first_review_each_grade(void **state)
{
    (void)state;
    fsrs_params p = plain();
    /* S0(G) = w[G-1]: 0.212, 1.2931, 2.3065, 8.2956.
     * D0(G) = w4 - e^(w5 (G-1)) + 1, rounded to 8 places, clamped to 1..10:
     *   again 6.4133 - e^0 + 1 = 6.4133
     *   hard  6.4133 - e^0.8334 + 1 = 6.4133 - 2.30112929 + 1 = 5.11217071
     *   good  6.4133 - e^1.6668 + 1 = 6.4133 - 5.29519603 + 1 = 2.11810397
     *   easy  6.4133 - e^2.5002 + 1 = -4.7716... -> 1
     * Intervals at retention 0.9 are S days (I(0.9) = 1) rounded, at least 1:
     * 1, 1, 2, 8; kept in order again < hard < good < easy: 1, 2, 3, 8. */
    static const double s0[] = {0, 0.212, 1.2931, 2.3065, 8.2956};
    static const double d0[] = {0, 6.4133, 5.11217071, 2.11810397, 1};
    static const int days[] = {0, 1, 2, 3, 8};
    for (int g = FSRS_AGAIN; g <= FSRS_EASY; g++) {
        fsrs_card c = first(&p, (fsrs_grade)g);
        assert_near(c.stability, s0[g], 1e-12);
        assert_near(c.difficulty, d0[g], 1e-9);
        assert_int_equal(c.scheduled_days, days[g]);
        assert_int_equal(c.due_ms, T0 + days[g] * DAY);
        assert_int_equal(c.last_review_ms, T0);
        assert_int_equal(c.state, FSRS_REVIEW);
        assert_int_equal(c.reps, 1);
        assert_int_equal(c.lapses, 0); /* a first again is no lapse */
        assert_int_equal(c.elapsed_days, 0);
    }
}

static void learn_fsrs_review_after_calendar_days(void **state)
{
    (void)state;
    fsrs_params p = plain();
    fsrs_card c = first(&p, FSRS_GOOD);
    /* 2 days 23 hours later, but on the third calendar day (UTC): t = 3.
     * FACTOR = 0.9^(-1/0.1542) - 1 = 0.98034649;
     * R = (1 + 0.98034649 * 3 / 2.3065)^-0.1542 = 0.88094796;
     * S' = S (1 + e^w8 (11 - D) S^-w9 (e^(w10 (1 - R)) - 1))
     *    = 2.3065 (1 + 6.50260 * 8.88189603 * 0.87001 * 0.09939) = 13.82690327;
     * D' = w7 D0(4) + (1 - w7) D (good: no change before mean reversion)
     *    = 0.001 * -4.77164 + 0.999 * 2.11810397 = 2.11121424; 14 days. */
    int64_t at = T0 + 3 * DAY - HOUR;
    assert_int_equal(fsrs_days_between(T0, at), 3);
    assert_near(fsrs_retrievability(&p, &c, at), 0.88094796, 1e-9);
    fsrs_card n = review(&p, &c, at, FSRS_GOOD);
    assert_near(n.stability, 13.82690327, 1e-8);
    assert_near(n.difficulty, 2.11121424, 1e-8);
    assert_int_equal(n.elapsed_days, 3);
    assert_int_equal(n.scheduled_days, 14);
    assert_int_equal(n.due_ms, at + 14 * DAY);
    assert_int_equal(n.reps, 2);
}

static void learn_fsrs_lapse(void **state)
{
    (void)state;
    fsrs_params p = plain();
    fsrs_card c = first(&p, FSRS_GOOD);
    /* Again 30 days on: D' = 0.001 D0(4) + 0.999 (D + w6 * 2 (10 - D) / 9)
     *   = 0.001 * -4.77164 + 0.999 * (2.11810397 + 6.0388 * 7.88189603 / 9) = 7.39450274;
     * S' = min(S, w11 D^-w12 ((S+1)^w13 - 1) e^(w14 (1-R))) = 0.90534683: 1 day. */
    fsrs_card n = review(&p, &c, T0 + 30 * DAY, FSRS_AGAIN);
    assert_near(n.stability, 0.90534683, 1e-8);
    assert_near(n.difficulty, 7.39450274, 1e-8);
    assert_int_equal(n.scheduled_days, 1);
    assert_int_equal(n.lapses, 1);
    assert_int_equal(n.state, FSRS_REVIEW);
}

static void learn_fsrs_same_day(void **state)
{
    (void)state;
    fsrs_params p = plain();
    fsrs_card c = first(&p, FSRS_GOOD);
    /* Two hours later: t = 0, R = 1, so e^(w10 (1 - R)) - 1 = 0 and S stays
     * 2.3065 for hard, good and easy; their intervals 2, 2, 2 become 2, 3, 4
     * after again (min(S, S'f) = 0.52337685: 1 day). */
    int64_t at = T0 + 2 * HOUR;
    assert_near(fsrs_retrievability(&p, &c, at), 1.0, 0);
    static const double s[] = {0, 0.52337685, 2.3065, 2.3065, 2.3065};
    static const double d[] = {0, 7.39450274, 4.75285849, 2.11121424, 1};
    static const int days[] = {0, 1, 2, 3, 4};
    for (int g = FSRS_AGAIN; g <= FSRS_EASY; g++) {
        fsrs_card n = review(&p, &c, at, (fsrs_grade)g);
        assert_near(n.stability, s[g], 1e-8);
        assert_near(n.difficulty, d[g], 1e-8);
        assert_int_equal(n.scheduled_days, days[g]);
        assert_int_equal(n.elapsed_days, 0);
    }
}

static void learn_fsrs_out_may_equal_card(void **state)
{
    (void)state;
    fsrs_params p = plain();
    fsrs_card c = first(&p, FSRS_GOOD);
    em_error err = {0};
    assert_int_equal(fsrs_review(&p, &c, T0 + 3 * DAY, FSRS_GOOD, 0, &c, &err), EM_OK);
    assert_near(c.stability, 13.82690327, 1e-8);
}

static void learn_fsrs_maximum_interval(void **state)
{
    (void)state;
    fsrs_params p = plain();
    fsrs_card c = first(&p, FSRS_GOOD);
    c.stability = 400;
    c.difficulty = 5;
    c.due_ms = T0 + 400 * DAY;
    /* Reviewed when due (R = 0.9): hard, good and easy give S' of 686.6,
     * 876.5 and 1292.5 days; with maximum_interval 100 each is cut to 100,
     * then the order again < hard < good < easy makes them 100, 101, 102 (as
     * ts-fsrs does: the order wins over the cap by up to two days). */
    p.maximum_interval = 100;
    assert_int_equal(review(&p, &c, T0 + 400 * DAY, FSRS_AGAIN).scheduled_days, 6);
    assert_int_equal(review(&p, &c, T0 + 400 * DAY, FSRS_HARD).scheduled_days, 100);
    assert_int_equal(review(&p, &c, T0 + 400 * DAY, FSRS_GOOD).scheduled_days, 101);
    assert_int_equal(review(&p, &c, T0 + 400 * DAY, FSRS_EASY).scheduled_days, 102);
    /* Stability itself stops at 36500 days, and so does the interval. */
    p.maximum_interval = FSRS_MAX_INTERVAL_DAYS;
    c.stability = 36000;
    fsrs_card n = review(&p, &c, T0 + 36000 * DAY, FSRS_HARD);
    assert_near(n.stability, 36500, 0);
    assert_int_equal(n.scheduled_days, 36500);
}

static void learn_fsrs_retention_changes_intervals(void **state)
{
    (void)state;
    fsrs_params p = plain();
    /* I(r) = (r^(1/DECAY) - 1) / FACTOR: at r = 0.8,
     * (0.8^(-1/0.1542) - 1) / 0.98034649 = 3.25097 / 0.98034649 = 3.31613;
     * easy: 8.2956 * 3.31613 = 27.51 -> 28 days. */
    p.request_retention = 0.8;
    assert_int_equal(first(&p, FSRS_EASY).scheduled_days, 28);
    p.request_retention = 0.9;
    assert_int_equal(first(&p, FSRS_EASY).scheduled_days, 8);
}

static void learn_fsrs_fuzz(void **state)
{
    (void)state;
    int32_t lo, hi;
    /* 14 days, 3 elapsed: delta = 1 + 0.15 (7 - 2.5) + 0.1 (14 - 7) = 2.375;
     * min = max(2, round(11.625)) = 12, max = round(16.375) = 16. */
    fsrs_fuzz_range(14, 3, 36500, &lo, &hi);
    assert_int_equal(lo, 12);
    assert_int_equal(hi, 16);
    /* 100 days: delta = 1 + 0.675 + 1.3 + 0.05 * 80 = 6.975 -> 93..107. */
    fsrs_fuzz_range(100, 10, 36500, &lo, &hi);
    assert_int_equal(lo, 93);
    assert_int_equal(hi, 107);
    /* Under 2.5 days there is no fuzz; at the cap the range stops there. */
    fsrs_fuzz_range(36500, 0, 36500, &lo, &hi);
    assert_int_equal(hi, 36500);

    fsrs_params p;
    fsrs_default_params(&p);
    fsrs_card c = first(&p, FSRS_GOOD); /* 3 days, under fuzz too: 2.3065 -> 2 < 2.5 */
    assert_int_equal(c.scheduled_days, 3);
    int64_t at = T0 + 3 * DAY;
    bool seen[17] = {false};
    for (uint64_t seed = 0; seed < 500; seed++) {
        fsrs_card a, b;
        assert_int_equal(fsrs_review(&p, &c, at, FSRS_GOOD, seed, &a, NULL), EM_OK);
        assert_int_equal(fsrs_review(&p, &c, at, FSRS_GOOD, seed, &b, NULL), EM_OK);
        assert_int_equal(a.scheduled_days, b.scheduled_days); /* same seed, same interval */
        assert_in_range(a.scheduled_days, 12, 16);            /* plain: 14 */
        assert_int_equal(a.due_ms, at + a.scheduled_days * DAY);
        assert_near(a.stability, 13.82690327, 1e-8); /* fuzz moves the date only */
        seen[a.scheduled_days] = true;
    }
    for (int d = 12; d <= 16; d++)
        assert_true(seen[d]);
    p.enable_fuzz = false;
    for (uint64_t seed = 0; seed < 50; seed++) {
        fsrs_card a;
        assert_int_equal(fsrs_review(&p, &c, at, FSRS_GOOD, seed, &a, NULL), EM_OK);
        assert_int_equal(a.scheduled_days, 14);
    }
}

static void learn_fsrs_retrievability(void **state)
{
    (void)state;
    fsrs_params p = plain();
    fsrs_card c;
    fsrs_card_init(&c, T0);
    assert_near(fsrs_retrievability(&p, &c, T0 + DAY), 0, 0); /* new */
    c = first(&p, FSRS_GOOD);
    c.stability = 10;
    /* R(S, S) = (1 + FACTOR)^DECAY = 0.9 by the choice of FACTOR. */
    assert_near(fsrs_retrievability(&p, &c, T0 + 10 * DAY), 0.9, 1e-7);
    /* Falls with time; never above 1 (a time before the review reads as 0 days). */
    assert_true(fsrs_retrievability(&p, &c, T0 + 20 * DAY) < 0.9);
    assert_near(fsrs_retrievability(&p, &c, T0 - DAY), 1.0, 0);
}

static void learn_fsrs_bad_reviews(void **state)
{
    (void)state;
    fsrs_params p = plain();
    fsrs_card c = first(&p, FSRS_GOOD), out;
    em_error err = {0};
    assert_int_equal(fsrs_review(&p, &c, T0 + DAY, (fsrs_grade)0, 0, &out, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "grade"));
    assert_int_equal(fsrs_review(&p, &c, T0 + DAY, (fsrs_grade)5, 0, &out, &err), EM_E_INVAL);
    assert_int_equal(fsrs_review(&p, &c, T0 - 1, FSRS_GOOD, 0, &out, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "before"));
    p.request_retention = 1;
    assert_int_equal(fsrs_review(&p, &c, T0 + DAY, FSRS_GOOD, 0, &out, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "request_retention"));
}

/* ---- arithmetic, parameters, input ---- */

static void learn_fsrs_round_fixed8(void **state)
{
    (void)state;
    /* 1/512 = 0.001953125 exactly: a true tie at the 9th place, away from zero
     * as JavaScript's toFixed rounds it (printf would round it to even). */
    assert_near(fsrs_round_fixed8(0.001953125), 0.00195313, 0);
    assert_near(fsrs_round_fixed8(-0.001953125), -0.00195313, 0);
    /* 1.000000005 is stored as 1.00000000499999991...: down. */
    assert_near(fsrs_round_fixed8(1.000000005), 1.0, 0);
    assert_near(fsrs_round_fixed8(2.1181039700000004), 2.11810397, 0);
    assert_near(fsrs_round_fixed8(36499.999999996), 36500, 0);
    assert_near(fsrs_round_fixed8(0), 0, 0);
}

static void learn_fsrs_params_check(void **state)
{
    (void)state;
    fsrs_params p = plain();
    em_error err = {0};
    p.w[4] = 0.5; /* D0 base below 1 */
    assert_int_equal(fsrs_params_check(&p, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "w[4]"));
    p = plain();
    p.w[20] = NAN;
    assert_int_equal(fsrs_params_check(&p, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "w[20]"));
    p = plain();
    p.w[0] = 0;
    assert_int_equal(fsrs_params_check(&p, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "w[0]"));
    static const double bad_retention[] = {0, 1, -0.5, 1.5};
    for (size_t i = 0; i < 4; i++) {
        p = plain();
        p.request_retention = bad_retention[i];
        assert_int_equal(fsrs_params_check(&p, &err), EM_E_INVAL);
        assert_non_null(strstr(err.msg, "request_retention"));
    }
    p = plain();
    p.request_retention = NAN;
    assert_int_equal(fsrs_params_check(&p, &err), EM_E_INVAL);
    p = plain();
    p.maximum_interval = 0;
    assert_int_equal(fsrs_params_check(&p, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "maximum_interval"));
    p.maximum_interval = 36501;
    assert_int_equal(fsrs_params_check(&p, &err), EM_E_INVAL);
    p.maximum_interval = 1;
    assert_int_equal(fsrs_params_check(&p, &err), EM_OK);
}

static void learn_fsrs_parse_weights(void **state)
{
    (void)state;
    double w[FSRS_PARAMS];
    em_error err = {0};
    assert_int_equal(
        fsrs_parse_weights("0.4,0.9,3.1,10.5,7.1,0.6,2.5,0.02,1.5,0.2,1.1,1.9,0.09,0.3,2.1,0.4,2.5,"
                           "0.4,0.2,0.1,0.35",
                           w, &err),
        EM_OK);
    assert_near(w[0], 0.4, 0);
    assert_near(w[3], 10.5, 0);
    assert_near(w[20], 0.35, 0);
    assert_int_equal(fsrs_parse_weights("1, 2 ,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,2e-1", w, &err),
                     EM_OK);
    assert_near(w[20], 0.2, 0);
    static const char *bad[] = {
        "",
        "1,2,3",
        "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20",
        "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22",
        "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,",
        "nan,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21",
        "inf,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21",
        "1e999,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21",
        "0x1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21",
        "1;2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(fsrs_parse_weights(bad[i], w, &err), EM_E_INVAL);
    assert_int_equal(fsrs_parse_weights(NULL, w, &err), EM_E_INVAL);
}

static void learn_fsrs_times(void **state)
{
    (void)state;
    int64_t ms = 0;
    char text[FSRS_TIME_TEXT_MAX];
    static const char *same[] = {
        "2024-01-01T10:00:00Z", "2024-01-01T10:00:00.000Z",  "2024-01-01t10:00:00z",
        "2024-01-01 10:00:00Z", "2024-01-01T12:00:00+02:00", "2024-01-01T05:30:00.0000009-04:30",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        assert_int_equal(fsrs_parse_time(same[i], strlen(same[i]), &ms), EM_OK);
        assert_int_equal(ms, T0);
    }
    assert_int_equal(fsrs_parse_time("2024-02-29T23:59:59.9876Z", 25, &ms), EM_OK);
    fsrs_format_time(ms, text);
    assert_string_equal(text, "2024-02-29T23:59:59.987Z");
    fsrs_format_time(0, text);
    assert_string_equal(text, "1970-01-01T00:00:00.000Z");
    static const char *bad[] = {
        "2024-01-01",
        "2024-01-01T10:00:00",
        "2023-02-29T10:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T10:60:00Z",
        "2024-01-01T10:00:60Z",
        "1969-12-31T23:59:59Z",
        "9900-01-01T00:00:00Z",
        "2024-01-01T10:00:00.Z",
        "2024-01-01T10:00:00+0200",
        "2024-1-01T10:00:00Z",
        "2024-01-01T10:00:00Zx",
        "1970-01-01T00:00:00+00:01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(fsrs_parse_time(bad[i], strlen(bad[i]), &ms), EM_E_PARSE);
}

static void learn_fsrs_log_lines(void **state)
{
    (void)state;
    fsrs_log_entry e;
    em_error err = {0};
    const char *ok =
        "{\"card\":\"q\\u00e9-1\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":4,\"extra\":[1]}";
    assert_int_equal(fsrs_log_parse_line(ok, strlen(ok), &e, &err), EM_OK);
    assert_string_equal(e.card, "q\xc3\xa9-1");
    assert_int_equal(e.card_len, 5);
    assert_int_equal(e.review_ms, T0);
    assert_int_equal(e.grade, FSRS_EASY);

    static const struct {
        const char *line;
        int rc;
        const char *says;
    } bad[] = {
        {"{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\"", EM_E_PARSE, "malformed JSON"},
        {"[1,2]", EM_E_PARSE, "object"},
        {"{\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}", EM_E_PARSE, "card"},
        {"{\"card\":7,\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}", EM_E_PARSE, "card"},
        {"{\"card\":\"\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}", EM_E_PARSE, "empty"},
        {"{\"card\":\"a\",\"grade\":3}", EM_E_PARSE, "review_at"},
        {"{\"card\":\"a\",\"review_at\":\"yesterday\",\"grade\":3}", EM_E_PARSE, "ISO-8601"},
        {"{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\"}", EM_E_PARSE, "grade"},
        {"{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":0}", EM_E_PARSE, "grade"},
        {"{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":5}", EM_E_PARSE, "grade"},
        {"{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3.5}", EM_E_PARSE, "grade"},
        {"{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":\"3\"}", EM_E_PARSE, "grade"},
        {"{\"card\":\"a\",\"card\":\"b\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}", EM_E_PARSE,
         "JSON"},
        {"{\"card\":\"a\\u0000b\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}", EM_E_PARSE, "JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(fsrs_log_parse_line(bad[i].line, strlen(bad[i].line), &e, &err), bad[i].rc);
        assert_non_null(strstr(err.msg, bad[i].says));
    }
    /* A card id of 200 bytes is taken, 201 is too large. */
    char line[512];
    char id[FSRS_CARD_ID_MAX + 2];
    memset(id, 'x', sizeof id - 1);
    id[FSRS_CARD_ID_MAX] = '\0';
    int n = snprintf(line, sizeof line,
                     "{\"card\":\"%s\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}", id);
    assert_int_equal(fsrs_log_parse_line(line, (size_t)n, &e, &err), EM_OK);
    assert_int_equal(e.card_len, FSRS_CARD_ID_MAX);
    id[FSRS_CARD_ID_MAX] = 'x';
    id[FSRS_CARD_ID_MAX + 1] = '\0';
    n = snprintf(line, sizeof line, "{\"card\":\"%s\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}",
                 id);
    assert_int_equal(fsrs_log_parse_line(line, (size_t)n, &e, &err), EM_E_TOO_LARGE);
    assert_int_equal(fsrs_log_parse_line(line, FSRS_LINE_MAX + 1, &e, &err), EM_E_TOO_LARGE);
}

/* ---- metrics ---- */

static void learn_fsrs_metrics_hand_computed(void **state)
{
    (void)state;
    /* Four predictions (r, recalled, elapsed days, i, lapses). */
    fsrs_prediction p[] = {
        {0.9, true, 1, 2, 0},
        {0.8, true, 1, 2, 0},
        {0.6, false, 5, 3, 0},
        {0.5, true, 5, 3, 0},
    };
    fsrs_metrics m;
    assert_int_equal(fsrs_metrics_compute(p, 4, &m, NULL), EM_OK);
    assert_int_equal(m.n, 4);
    /* log loss = -(ln 0.9 + ln 0.8 + ln 0.4 + ln 0.5) / 4
     *          = (0.1053605 + 0.2231436 + 0.9162907 + 0.6931472) / 4 = 0.4844855 */
    assert_near(m.log_loss, 0.48448551, 1e-7);
    /* Bins: elapsed 1 -> floor(ln 1 / ln 3.62) = 0, elapsed 5 -> floor(1.251) = 1;
     * i 2 -> floor(ln 2 / ln 1.89) = floor(1.089) = 1, i 3 -> floor(1.726) = 1;
     * no lapses. So {0.9, 0.8 | both recalled} and {0.6, 0.5 | one recalled}:
     * (1 - 0.85)^2 * 2 + (0.5 - 0.55)^2 * 2 = 0.045 + 0.005 = 0.05;
     * RMSE(bins) = sqrt(0.05 / 4) = 0.1118034 */
    assert_near(m.rmse_bins, 0.11180340, 1e-7);
    /* AUC: recalled {0.9, 0.8, 0.5} against forgotten {0.6}: 0.9 and 0.8 rank
     * above it, 0.5 below: 2 of 3 pairs. */
    assert_near(m.auc, 2.0 / 3.0, 1e-12);

    /* Ties share ranks: all predictions alike give an AUC of 0.5. */
    fsrs_prediction t[] = {{0.7, true, 1, 2, 0}, {0.7, false, 1, 2, 0}, {0.7, true, 1, 2, 0}};
    assert_int_equal(fsrs_metrics_compute(t, 3, &m, NULL), EM_OK);
    assert_near(m.auc, 0.5, 1e-12);
    /* One bin, mean outcome 2/3 against 0.7: RMSE(bins) = |2/3 - 0.7|. */
    assert_near(m.rmse_bins, 0.7 - 2.0 / 3.0, 1e-12);

    /* Lapses bin apart: the same predictions with 1 lapse and with none are
     * two bins, each exact (outcome 1 against 1, 0 against 0). */
    fsrs_prediction l[] = {{1.0, true, 3, 2, 0}, {0.0, false, 3, 2, 1}};
    assert_int_equal(fsrs_metrics_compute(l, 2, &m, NULL), EM_OK);
    assert_near(m.rmse_bins, 0, 1e-12);
    assert_near(m.auc, 1, 1e-12);
    /* Log loss clips p to [eps, 1 - eps]: -ln(1 - eps) is about 2.2e-16. */
    assert_true(m.log_loss < 1e-15);

    /* All recalled: no AUC. None at all: nothing. */
    fsrs_prediction a[] = {{0.9, true, 1, 2, 0}, {0.3, true, 1, 2, 0}};
    assert_int_equal(fsrs_metrics_compute(a, 2, &m, NULL), EM_OK);
    assert_true(isnan(m.auc));
    assert_int_equal(fsrs_metrics_compute(NULL, 0, &m, NULL), EM_OK);
    assert_int_equal(m.n, 0);
    assert_true(isnan(m.log_loss) && isnan(m.rmse_bins) && isnan(m.auc));
    fsrs_prediction bad[] = {{1.5, true, 1, 2, 0}};
    assert_int_equal(fsrs_metrics_compute(bad, 1, &m, NULL), EM_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(learn_fsrs_defaults),
        cmocka_unit_test(learn_fsrs_first_review_each_grade),
        cmocka_unit_test(learn_fsrs_review_after_calendar_days),
        cmocka_unit_test(learn_fsrs_lapse),
        cmocka_unit_test(learn_fsrs_same_day),
        cmocka_unit_test(learn_fsrs_out_may_equal_card),
        cmocka_unit_test(learn_fsrs_maximum_interval),
        cmocka_unit_test(learn_fsrs_retention_changes_intervals),
        cmocka_unit_test(learn_fsrs_fuzz),
        cmocka_unit_test(learn_fsrs_retrievability),
        cmocka_unit_test(learn_fsrs_bad_reviews),
        cmocka_unit_test(learn_fsrs_round_fixed8),
        cmocka_unit_test(learn_fsrs_params_check),
        cmocka_unit_test(learn_fsrs_parse_weights),
        cmocka_unit_test(learn_fsrs_times),
        cmocka_unit_test(learn_fsrs_log_lines),
        cmocka_unit_test(learn_fsrs_metrics_hand_computed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
