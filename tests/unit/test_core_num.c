/* num: whole decimal integers: their range, their sign, overflow, and
 * everything that is not one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "core/num.h"

/* Parse the NUL-terminated s; *out is left at 7 when parsing fails. */
static int parse(const char *s, num_sign sign, int64_t lo, int64_t hi, int64_t *out)
{
    *out = 7;
    return num_parse_int64(s, strlen(s), sign, lo, hi, out);
}

static void core_num_accepts_whole_numbers(void **state)
{
    int64_t v;
    assert_int_equal(parse("0", NUM_UNSIGNED, 0, 10, &v), EM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(parse("8000", NUM_UNSIGNED, 0, 65535, &v), EM_OK);
    assert_int_equal(v, 8000);
    assert_int_equal(parse("007", NUM_UNSIGNED, 0, 10, &v), EM_OK); /* leading zeros */
    assert_int_equal(v, 7);
    assert_int_equal(parse("-42", NUM_SIGNED, -100, 100, &v), EM_OK);
    assert_int_equal(v, -42);
    assert_int_equal(parse("+42", NUM_SIGNED, -100, 100, &v), EM_OK);
    assert_int_equal(v, 42);
    assert_int_equal(parse("-0", NUM_SIGNED, 0, 0, &v), EM_OK);
    assert_int_equal(v, 0);
    /* the ends of int64_t */
    assert_int_equal(parse("9223372036854775807", NUM_UNSIGNED, 0, INT64_MAX, &v), EM_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(parse("-9223372036854775808", NUM_SIGNED, INT64_MIN, 0, &v), EM_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(parse("-9223372036854775807", NUM_SIGNED, INT64_MIN, 0, &v), EM_OK);
    assert_true(v == -INT64_MAX);
    /* a span of a longer text */
    assert_int_equal(num_parse_int64("10/60", 2, NUM_UNSIGNED, 1, 100, &v), EM_OK);
    assert_int_equal(v, 10);
}

static void core_num_refuses_what_is_not_one(void **state)
{
    static const char *const bad[] = {
        "",   " 1", "1 ", "\t1", "1\n", "1x", "x1", "0x10", "1e3", "1.0", "1,000", "--1", "+", "-",
        "+1", "-1", /* signs where none was asked for */
    };
    int64_t v;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse(bad[i], NUM_UNSIGNED, INT64_MIN, INT64_MAX, &v) != EM_E_INVAL)
            fail_msg("\"%s\" was taken for a number", bad[i]);
        assert_int_equal(v, 7); /* untouched */
    }
    static const char *const bad_signed[] = {"", "+", "-", "+-1", "- 1", " -1", "-1 ", "-x"};
    for (size_t i = 0; i < sizeof bad_signed / sizeof bad_signed[0]; i++) {
        if (parse(bad_signed[i], NUM_SIGNED, INT64_MIN, INT64_MAX, &v) != EM_E_INVAL)
            fail_msg("\"%s\" was taken for a signed number", bad_signed[i]);
    }
    /* an embedded NUL is not a digit */
    assert_int_equal(num_parse_int64("1\0002", 3, NUM_UNSIGNED, 0, 1000, &v), EM_E_INVAL);
    assert_int_equal(num_parse_int64(NULL, 0, NUM_UNSIGNED, 0, 1000, &v), EM_E_INVAL);
}

static void core_num_overflow_and_range(void **state)
{
    int64_t v;
    /* one past each end of int64_t, and far past */
    assert_int_equal(parse("9223372036854775808", NUM_UNSIGNED, 0, INT64_MAX, &v), EM_E_INVAL);
    assert_int_equal(parse("-9223372036854775809", NUM_SIGNED, INT64_MIN, 0, &v), EM_E_INVAL);
    assert_int_equal(parse("18446744073709551617", NUM_UNSIGNED, 0, INT64_MAX, &v), EM_E_INVAL);
    assert_int_equal(parse("99999999999999999999999999999999", NUM_SIGNED, INT64_MIN, INT64_MAX, &v),
                     EM_E_INVAL);
    assert_int_equal(v, 7);
    /* leading zeros do not count toward overflow */
    assert_int_equal(parse("00000000000000000000000042", NUM_UNSIGNED, 0, 100, &v), EM_OK);
    assert_int_equal(v, 42);
    /* the range is inclusive on both ends */
    assert_int_equal(parse("1", NUM_UNSIGNED, 1, 5, &v), EM_OK);
    assert_int_equal(parse("5", NUM_UNSIGNED, 1, 5, &v), EM_OK);
    assert_int_equal(parse("0", NUM_UNSIGNED, 1, 5, &v), EM_E_INVAL);
    assert_int_equal(parse("6", NUM_UNSIGNED, 1, 5, &v), EM_E_INVAL);
    assert_int_equal(parse("-6", NUM_SIGNED, -5, 5, &v), EM_E_INVAL);
    assert_int_equal(v, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_num_accepts_whole_numbers),
        cmocka_unit_test(core_num_refuses_what_is_not_one),
        cmocka_unit_test(core_num_overflow_and_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
