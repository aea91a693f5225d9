/* ascii: case folding and comparison touch A-Z and a-z only, whatever the
 * byte, and compare like strcasecmp does in the C locale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/ascii.h"

static void core_ascii_case_of_every_byte(void **state)
{
    for (int c = -128; c < 256; c++) {
        int lower = c >= 'A' && c <= 'Z' ? c + 32 : c;
        int upper = c >= 'a' && c <= 'z' ? c - 32 : c;
        assert_int_equal(ascii_tolower(c), lower);
        assert_int_equal(ascii_toupper(c), upper);
    }
    assert_int_equal(ascii_tolower(-1), -1); /* EOF passes through */
}

static void core_ascii_lower_ranges(void **state)
{
    /* "Ça VA, ÉCOLE 42!" in UTF-8: only the ASCII letters change */
    const char src[] = "\xc3\x87" "a VA, \xc3\x89" "COLE 42!";
    const char want[] = "\xc3\x87" "a va, \xc3\x89" "cole 42!";
    char copy[sizeof src];
    memset(copy, 'x', sizeof copy);
    ascii_lower_copy(copy, src, sizeof src - 1);
    assert_memory_equal(copy, want, sizeof src - 1);
    assert_int_equal(copy[sizeof src - 1], 'x'); /* no NUL added */

    char in_place[] = "MiXeD\0CASE";
    ascii_lower(in_place, 5);
    assert_memory_equal(in_place, "mixed\0CASE", 11); /* only the range */
    ascii_lower(in_place, sizeof in_place - 1);
    assert_memory_equal(in_place, "mixed\0case", 11); /* NUL is a byte like any other */
    ascii_lower(NULL, 0);
}

static void core_ascii_case_insensitive_compare(void **state)
{
    assert_int_equal(ascii_casecmp("", ""), 0);
    assert_int_equal(ascii_casecmp("Untitled", "untitled"), 0);
    assert_int_equal(ascii_casecmp("TRUE", "true"), 0);
    assert_true(ascii_casecmp("a", "B") < 0);
    assert_true(ascii_casecmp("b", "A") > 0);
    assert_true(ascii_casecmp("ab", "AB c") < 0); /* a prefix sorts first */
    assert_true(ascii_casecmp("AB c", "ab") > 0);
    /* '_' (0x5f) lies between 'Z' and 'a': letters compare as lowercase */
    assert_true(ascii_casecmp("_", "a") < 0);
    assert_true(ascii_casecmp("_", "A") < 0);
    /* bytes past ASCII are unsigned and never folded: É is not é */
    assert_true(ascii_casecmp("\xc3\x89", "\xc3\xa9") < 0);
    assert_true(ascii_casecmp("z", "\xc3\xa9") < 0);

    assert_int_equal(ascii_ncasecmp("Chapter 3", "CHAPTER", 7), 0);
    assert_int_equal(ascii_ncasecmp("Chapter 3", "chapters", 7), 0);
    assert_true(ascii_ncasecmp("Chapter 3", "chapters", 8) < 0);
    assert_int_equal(ascii_ncasecmp("abc", "ABC", 10), 0); /* stops at the NUL */
    assert_true(ascii_ncasecmp("ab", "abc", 10) < 0);
    assert_int_equal(ascii_ncasecmp("x", "y", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_ascii_case_of_every_byte),
        cmocka_unit_test(core_ascii_lower_ranges),
        cmocka_unit_test(core_ascii_case_insensitive_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
