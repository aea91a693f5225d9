/* study/today: the local date and the review day with its rollover hour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/civil.h"
#include "study/today.h"

/* 2026-12-07T02:30:00Z in Unix ms: 2026-12-07 is day 20794 since 1970-01-01
 * (civil_to_days), 20794 * 86400 = 1796601600; + 2.5 h = 1796610600. */
#define DEC7_0230Z 1796610600000LL

static void assert_day(civil_date d, const char *want)
{
    char text[CIVIL_TEXT_MAX];
    civil_format(d, text);
    assert_string_equal(text, want);
}

static void today_review_day_rolls_over_at_the_hour(void **state)
{
    (void)state;
    assert_int_equal(civil_to_days((civil_date){2026, 12, 7}), 20794);
    civil_date day;
    int64_t ends = 0;
    em_error err = {0};
    /* 02:30 UTC with a 4 o'clock rollover is still the 6th, which ends at 04:00 on the 7th. */
    assert_int_equal(today_review_day("UTC", 4, DEC7_0230Z, &day, &ends, &err), EM_OK);
    assert_day(day, "2026-12-06");
    assert_true(ends == DEC7_0230Z + 90 * 60 * 1000LL);
    /* With a midnight rollover it is the 7th, ending at midnight. */
    assert_int_equal(today_review_day("UTC", 0, DEC7_0230Z, &day, &ends, &err), EM_OK);
    assert_day(day, "2026-12-07");
    assert_true(ends == (20795LL * 86400) * 1000);
    /* Auckland is at +13:00 in December: 15:30 local on the 7th, ending 04:00 local on
     * the 8th = 15:00 UTC on the 7th. */
    assert_int_equal(today_review_day("Pacific/Auckland", 4, DEC7_0230Z, &day, &ends, &err), EM_OK);
    assert_day(day, "2026-12-07");
    assert_true(ends == (20794LL * 86400 + 15 * 3600) * 1000);
    assert_int_equal(today_local_date("Pacific/Auckland", DEC7_0230Z, &day, &err), EM_OK);
    assert_day(day, "2026-12-07");
    assert_int_equal(today_local_date("America/Los_Angeles", DEC7_0230Z, &day, &err), EM_OK);
    assert_day(day, "2026-12-06"); /* 18:30 on the 6th */
}

static void today_refuses_bad_input(void **state)
{
    (void)state;
    civil_date day;
    int64_t ends = 0;
    em_error err = {0};
    assert_int_equal(today_review_day("UTC", 24, DEC7_0230Z, &day, &ends, &err), EM_E_INVAL);
    assert_int_equal(today_review_day("UTC", -1, DEC7_0230Z, &day, &ends, &err), EM_E_INVAL);
    assert_int_equal(today_review_day("Nowhere/Atlantis", 4, DEC7_0230Z, &day, &ends, &err), EM_E_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(today_review_day_rolls_over_at_the_hour),
        cmocka_unit_test(today_refuses_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
