/* civil: day numbers against known dates, weekdays, leap years, arithmetic
 * across month and year ends, and the text form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/civil.h"
#include "core/err.h"

static civil_date d(int y, int m, int dd)
{
    return (civil_date){y, m, dd};
}

static void assert_date(civil_date got, int y, int m, int dd)
{
    if (got.year != y || got.month != m || got.day != dd)
        fail_msg("got %04d-%02d-%02d, want %04d-%02d-%02d", got.year, got.month, got.day, y, m, dd);
}

static void core_civil_day_numbers(void **state)
{
    assert_int_equal(civil_to_days(d(1970, 1, 1)), 0);
    assert_int_equal(civil_to_days(d(1969, 12, 31)), -1);
    assert_int_equal(civil_to_days(d(2000, 3, 1)), 11017);
    /* 2026-12-06T00:00:00Z is Unix time 1796515200 */
    assert_int_equal(civil_to_days(d(2026, 12, 6)) * 86400, 1796515200);
    assert_int_equal(civil_to_days(d(1, 1, 1)), -719162);
    assert_int_equal(civil_to_days(d(9999, 12, 31)), 2932896);
    /* every day of 0001..9999 goes there and back */
    for (int64_t z = -719162; z <= 2932896; z++) {
        civil_date c = civil_from_days(z);
        if (!civil_valid(c) || civil_to_days(c) != z)
            fail_msg("day %lld", (long long)z);
    }
}

static void core_civil_weekdays_and_leap_years(void **state)
{
    assert_int_equal(civil_weekday(d(1970, 1, 1)), 4);  /* Thursday */
    assert_int_equal(civil_weekday(d(2026, 12, 6)), 0); /* Sunday */
    assert_int_equal(civil_weekday(d(2027, 1, 12)), 2); /* Tuesday */
    assert_int_equal(civil_weekday(d(1969, 12, 28)), 0);
    assert_int_equal(civil_weekday(d(1, 1, 1)), 1);     /* Monday, proleptic */
    assert_true(civil_is_leap(2000));
    assert_false(civil_is_leap(1900));
    assert_true(civil_is_leap(2028));
    assert_int_equal(civil_days_in_month(2027, 2), 28);
    assert_int_equal(civil_days_in_month(2028, 2), 29);
    assert_int_equal(civil_days_in_month(2028, 13), 0);
    assert_false(civil_valid(d(2027, 2, 29)));
    assert_false(civil_valid(d(2026, 4, 31)));
    assert_false(civil_valid(d(0, 12, 31)));
    assert_true(civil_valid(d(2028, 2, 29)));
}

static void core_civil_arithmetic(void **state)
{
    assert_date(civil_add_days(d(2026, 12, 31), 1), 2027, 1, 1);
    assert_date(civil_add_days(d(2028, 2, 28), 1), 2028, 2, 29);
    assert_date(civil_add_days(d(2027, 2, 28), 1), 2027, 3, 1);
    assert_date(civil_add_days(d(2027, 1, 1), -1), 2026, 12, 31);
    assert_date(civil_add_days(d(2026, 12, 6), 37), 2027, 1, 12);
    assert_int_equal(civil_days_between(d(2026, 12, 6), d(2027, 1, 12)), 37);
    assert_int_equal(civil_days_between(d(2027, 1, 12), d(2026, 12, 6)), -37);
    assert_int_equal(civil_days_between(d(2024, 1, 1), d(2025, 1, 1)), 366);
    assert_true(civil_cmp(d(2026, 12, 6), d(2027, 1, 1)) < 0);
    assert_true(civil_cmp(d(2027, 1, 2), d(2027, 1, 1)) > 0);
    assert_int_equal(civil_cmp(d(2027, 1, 1), d(2027, 1, 1)), 0);
}

static void core_civil_text(void **state)
{
    char out[CIVIL_TEXT_MAX];
    civil_format(d(2027, 1, 12), out);
    assert_string_equal(out, "2027-01-12");
    civil_format(d(5, 3, 9), out);
    assert_string_equal(out, "0005-03-09");
    civil_date c;
    assert_int_equal(civil_parse("2028-02-29", 10, &c), EM_OK);
    assert_date(c, 2028, 2, 29);
    const char *bad[] = {"2027-02-29", "2027-1-12", "2027-01-12x", "20270112", "2027/01/12",
                         "0000-01-01", "2027-13-01", "+027-01-12", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (civil_parse(bad[i], strlen(bad[i]), &c) != EM_E_INVAL)
            fail_msg("\"%s\" parsed", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_civil_day_numbers),
        cmocka_unit_test(core_civil_weekdays_and_leap_years),
        cmocka_unit_test(core_civil_arithmetic),
        cmocka_unit_test(core_civil_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
