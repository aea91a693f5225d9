/* utf8: decoding checked exhaustively against the byte table of RFC 3629
 * (every string of up to three bytes, every lead byte of four-byte forms),
 * every scalar value encoded and decoded back, and validation offsets,
 * counting and cutting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "core/utf8.h"

/* ---- the oracle: RFC 3629, section 4, as a table ---- */

/* UTF8-2, UTF8-3 and UTF8-4 of the RFC's ABNF: a range of lead bytes, the
 * range of the byte after it, and the length; the bytes after the second are
 * any of 80..BF. */
static const struct rfc_row {
    unsigned char lead_lo, lead_hi, second_lo, second_hi;
    size_t len;
} rfc_rows[] = {
    {0xc2, 0xdf, 0x80, 0xbf, 2}, {0xe0, 0xe0, 0xa0, 0xbf, 3}, {0xe1, 0xec, 0x80, 0xbf, 3},
    {0xed, 0xed, 0x80, 0x9f, 3}, {0xee, 0xef, 0x80, 0xbf, 3}, {0xf0, 0xf0, 0x90, 0xbf, 4},
    {0xf1, 0xf3, 0x80, 0xbf, 4}, {0xf4, 0xf4, 0x80, 0x8f, 4},
};

/* The length of the well-formed sequence at s[0..n) by the table, or 0. */
static size_t rfc_len(const unsigned char *s, size_t n)
{
    if (s[0] <= 0x7f)
        return 1;
    for (size_t r = 0; r < sizeof rfc_rows / sizeof rfc_rows[0]; r++) {
        const struct rfc_row *row = &rfc_rows[r];
        if (s[0] < row->lead_lo || s[0] > row->lead_hi)
            continue;
        if (n < row->len || s[1] < row->second_lo || s[1] > row->second_hi)
            return 0;
        for (size_t i = 2; i < row->len; i++)
            if (s[i] < 0x80 || s[i] > 0xbf)
                return 0;
        return row->len;
    }
    return 0;
}

/* Decode s[0..n) and check length and code point against the oracle: a
 * well-formed sequence must encode back to the same bytes. */
static void check_against_rfc(const unsigned char *s, size_t n)
{
    uint32_t cp = 0;
    size_t want = rfc_len(s, n);
    size_t got = utf8_decode((const char *)s, n, &cp);
    if (got != want)
        fail_msg("%02x %02x %02x %02x (n %zu): length %zu, want %zu", s[0], n > 1 ? s[1] : 0,
                 n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n, got, want);
    /* plain checks: this runs some 23 million times */
    if (got == 0) {
        if (cp != UTF8_REPLACEMENT)
            fail_msg("%02x: invalid, but the code point is %x", s[0], cp);
        return;
    }
    char back[UTF8_MAX_LEN];
    if (utf8_encode(cp, back) != got || memcmp(back, s, got) != 0)
        fail_msg("%02x %02x: U+%04X does not encode back to the same bytes", s[0], n > 1 ? s[1] : 0, cp);
    if (utf8_decode((const char *)s, n, NULL) != got)
        fail_msg("%02x: another length without a code point", s[0]);
}

static void core_utf8_decode_matches_rfc3629(void **state)
{
    unsigned char s[4];
    /* every string of one, two and three bytes, each also cut short */
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (unsigned char)a;
        check_against_rfc(s, 1);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            check_against_rfc(s, 2);
            for (unsigned c = 0; c < 256; c++) {
                s[2] = (unsigned char)c;
                check_against_rfc(s, 3);
            }
        }
    }
    /* four bytes: every lead byte from F0 with every second and third byte,
     * and a fourth byte on both sides of each edge of the continuation range */
    static const unsigned char fourth[] = {0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xff};
    for (unsigned a = 0xf0; a < 256; a++) {
        s[0] = (unsigned char)a;
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            for (unsigned c = 0; c < 256; c++) {
                s[2] = (unsigned char)c;
                for (size_t d = 0; d < sizeof fourth; d++) {
                    s[3] = fourth[d];
                    check_against_rfc(s, 4);
                }
            }
        }
    }
}

static void core_utf8_encode_every_scalar_value(void **state)
{
    char out[UTF8_MAX_LEN];
    for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
        size_t n = utf8_encode(cp, out);
        if (cp >= 0xd800 && cp <= 0xdfff) {
            assert_int_equal(n, 0);
            continue;
        }
        size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        assert_int_equal(n, want);
        uint32_t back = 0;
        assert_int_equal(utf8_decode(out, n, &back), n);
        assert_int_equal(back, cp);
    }
    assert_int_equal(utf8_encode(0x110000, out), 0);
    assert_int_equal(utf8_encode(UINT32_MAX, out), 0);
    assert_int_equal(utf8_encode(UTF8_REPLACEMENT, out), 3);
    assert_memory_equal(out, UTF8_REPLACEMENT_STR, 3);
}

static void core_utf8_validate_reports_first_bad_byte(void **state)
{
    size_t bad = 99;
    assert_true(utf8_validate("", 0, &bad));
    const char *ok = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
    assert_true(utf8_validate(ok, strlen(ok), &bad));
    assert_int_equal(bad, 99); /* untouched when valid */
    assert_true(utf8_validate("a\0b", 3, NULL)); /* NUL is a character */
    static const struct {
        const char *s;
        size_t bad;
    } cases[] = {
        {"ab\xff" "cd", 2},           /* never occurs */
        {"a\xe2\x82", 1},             /* cut short by the end */
        {"\xc3\xa9\x80", 2},          /* stray continuation */
        {"xy\xc0\xaf", 2},            /* overlong '/' */
        {"\xe0\x80\xaf", 0},          /* overlong, three bytes */
        {"ok\xed\xa0\x80", 2},        /* surrogate */
        {"\xf4\x90\x80\x80", 0},      /* past U+10FFFF */
        {"\xe2\x82" "a", 0},          /* cut short by an ASCII byte */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad = 99;
        assert_false(utf8_validate(cases[i].s, strlen(cases[i].s), &bad));
        assert_int_equal(bad, cases[i].bad);
        assert_false(utf8_validate(cases[i].s, strlen(cases[i].s), NULL));
    }
}

static void core_utf8_count(void **state)
{
    assert_int_equal(utf8_count("", 0), 0);
    assert_int_equal(utf8_count("h\xc3\xa9llo", 6), 5);
    assert_int_equal(utf8_count("\xf0\x9f\x98\x80", 4), 1);
    assert_int_equal(utf8_count("a\0b", 3), 3);
    /* each byte that starts no character counts once, like its U+FFFD */
    assert_int_equal(utf8_count("\xff\xfe", 2), 2);
    assert_int_equal(utf8_count("\xe2\x82", 2), 2);
    assert_int_equal(utf8_count("\xed\xa0\x80z", 4), 4);
}

static void core_utf8_cut(void **state)
{
    const char *s = "a\xc3\xa9\xf0\x9f\x98\x80z"; /* a é 😀 z: 8 bytes */
    assert_int_equal(utf8_cut(s, 8, 0), 0);
    assert_int_equal(utf8_cut(s, 8, 1), 1);
    assert_int_equal(utf8_cut(s, 8, 2), 1); /* inside é */
    assert_int_equal(utf8_cut(s, 8, 3), 3);
    assert_int_equal(utf8_cut(s, 8, 4), 3); /* inside the emoji, at each byte */
    assert_int_equal(utf8_cut(s, 8, 5), 3);
    assert_int_equal(utf8_cut(s, 8, 6), 3);
    assert_int_equal(utf8_cut(s, 8, 7), 7);
    assert_int_equal(utf8_cut(s, 8, 8), 8);
    assert_int_equal(utf8_cut(s, 8, 100), 8);
    assert_int_equal(utf8_cut(s + 1, 2, 1), 0); /* back to the start, no further */
    /* stray continuation bytes: at most three are walked back over */
    assert_int_equal(utf8_cut("a\x80\x80\x80\x80\x80", 6, 5), 2);
    assert_int_equal(utf8_cut("\x80\x80", 2, 1), 0);
}

/* Windows-1252: ASCII and Latin-1 as they are, its own characters in
 * 0x80..0x9F (the euro sign, curly quotes, dashes), U+FFFD for its holes. */
static void core_utf8_cp1252(void **state)
{
    (void)state;
    assert_int_equal(utf8_cp1252_code_point('A'), 'A');
    assert_int_equal(utf8_cp1252_code_point(0xe9), 0xe9); /* e acute */
    assert_int_equal(utf8_cp1252_code_point(0xa0), 0xa0);
    assert_int_equal(utf8_cp1252_code_point(0x80), 0x20ac);
    assert_int_equal(utf8_cp1252_code_point(0x93), 0x201c);
    assert_int_equal(utf8_cp1252_code_point(0x96), 0x2013);
    assert_int_equal(utf8_cp1252_code_point(0x9f), 0x178);
    const unsigned char holes[] = {0x81, 0x8d, 0x8f, 0x90, 0x9d};
    for (size_t i = 0; i < sizeof holes; i++)
        assert_int_equal(utf8_cp1252_code_point(holes[i]), UTF8_REPLACEMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_utf8_decode_matches_rfc3629),
        cmocka_unit_test(core_utf8_encode_every_scalar_value),
        cmocka_unit_test(core_utf8_validate_reports_first_bad_byte),
        cmocka_unit_test(core_utf8_count),
        cmocka_unit_test(core_utf8_cut),
        cmocka_unit_test(core_utf8_cp1252),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
