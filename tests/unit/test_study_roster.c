/* study/roster: the at-risk rule (roster_risk) at its edges: how long idle,
 * how near the exam, how low the mean mastery, how many open
 * misconceptions; and the reasons' codes. The figures it reads are tested
 * through the API in test_api_roster.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "study/roster.h"

#define DAY_MS 86400000LL
#define NOW 1796644800000LL /* 2026-12-07T12:00:00Z */

/* A student doing well: active an hour ago, exam in 5 days, mean 0.8, no misconceptions. */
static roster_facts fine(void)
{
    return (roster_facts){.last_activity_ms = NOW - 3600000LL,
                          .exam_in_days = 5,
                          .mean_mastery = 0.8,
                          .open_misconceptions = 0};
}

static void roster_risk_idle_before_an_exam(void **state)
{
    (void)state;
    roster_facts f = fine();
    assert_int_equal(roster_risk(&f, NOW), 0);
    /* idle 7 days exactly (ROSTER_IDLE_DAYS) counts; a minute less does not */
    f.last_activity_ms = NOW - 7 * DAY_MS;
    assert_int_equal(roster_risk(&f, NOW), ROSTER_IDLE_BEFORE_EXAM);
    f.last_activity_ms = NOW - 7 * DAY_MS + 60000;
    assert_int_equal(roster_risk(&f, NOW), 0);
    /* never active is idle */
    f.last_activity_ms = -1;
    assert_int_equal(roster_risk(&f, NOW), ROSTER_IDLE_BEFORE_EXAM);
    /* the exam 21 days away (ROSTER_IDLE_EXAM_DAYS) still counts, 22 not, today does */
    f.exam_in_days = 21;
    assert_int_equal(roster_risk(&f, NOW), ROSTER_IDLE_BEFORE_EXAM);
    f.exam_in_days = 22;
    assert_int_equal(roster_risk(&f, NOW), 0);
    f.exam_in_days = 0;
    assert_int_equal(roster_risk(&f, NOW), ROSTER_IDLE_BEFORE_EXAM);
    /* no exam ahead: idleness alone is no risk */
    f.exam_in_days = -1;
    assert_int_equal(roster_risk(&f, NOW), 0);
}

static void roster_risk_low_mastery_near_an_exam(void **state)
{
    (void)state;
    roster_facts f = fine();
    /* below 0.4 (ROSTER_LOW_MASTERY) with the exam within 7 days */
    f.mean_mastery = 0.39;
    f.exam_in_days = 7;
    assert_int_equal(roster_risk(&f, NOW), ROSTER_LOW_MASTERY_BEFORE_EXAM);
    f.exam_in_days = 8;
    assert_int_equal(roster_risk(&f, NOW), 0);
    f.exam_in_days = 7;
    f.mean_mastery = 0.4;
    assert_int_equal(roster_risk(&f, NOW), 0);
    /* no topics (mean unknown) is not low */
    f.mean_mastery = -1;
    assert_int_equal(roster_risk(&f, NOW), 0);
    /* with no exam ahead, nothing presses */
    f.mean_mastery = 0.1;
    f.exam_in_days = -1;
    assert_int_equal(roster_risk(&f, NOW), 0);
}

static void roster_risk_many_misconceptions_and_codes(void **state)
{
    (void)state;
    roster_facts f = fine();
    f.open_misconceptions = ROSTER_MISCONCEPTIONS - 1;
    assert_int_equal(roster_risk(&f, NOW), 0);
    f.open_misconceptions = ROSTER_MISCONCEPTIONS;
    f.exam_in_days = -1;
    assert_int_equal(roster_risk(&f, NOW), ROSTER_MANY_MISCONCEPTIONS);
    /* all three at once */
    f.exam_in_days = 3;
    f.mean_mastery = 0.2;
    f.last_activity_ms = -1;
    assert_int_equal(roster_risk(&f, NOW),
                     ROSTER_IDLE_BEFORE_EXAM | ROSTER_LOW_MASTERY_BEFORE_EXAM | ROSTER_MANY_MISCONCEPTIONS);
    assert_string_equal(roster_reason_code(ROSTER_IDLE_BEFORE_EXAM), "idle_before_exam");
    assert_string_equal(roster_reason_code(ROSTER_LOW_MASTERY_BEFORE_EXAM), "low_mastery_before_exam");
    assert_string_equal(roster_reason_code(ROSTER_MANY_MISCONCEPTIONS), "many_misconceptions");
    assert_null(roster_reason_code(0));
    assert_null(roster_reason_code(ROSTER_IDLE_BEFORE_EXAM | ROSTER_MANY_MISCONCEPTIONS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roster_risk_idle_before_an_exam),
        cmocka_unit_test(roster_risk_low_mastery_near_an_exam),
        cmocka_unit_test(roster_risk_many_misconceptions_and_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
