/* ics: iCalendar text: escaping of TEXT values, folding at 75 octets that
 * never cuts a UTF-8 sequence (two-, three- and four-byte characters at every
 * offset), CRLF line ends, and a whole calendar parsed back line by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/ics.h"
#include "core/utf8.h"

/* Every line of text ends with CRLF, has no other CR or LF, and is at most
 * ICS_LINE_MAX octets; their number. */
static size_t check_lines(const char *text, size_t len)
{
    size_t lines = 0, start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n')
            fail_msg("a bare LF at %zu", i);
        if (text[i] != '\r')
            continue;
        if (i + 1 >= len || text[i + 1] != '\n')
            fail_msg("a CR without LF at %zu", i);
        if (i - start > ICS_LINE_MAX)
            fail_msg("a line of %zu octets: %.*s", i - start, (int)(i - start), text + start);
        lines++;
        i++;
        start = i + 1;
    }
    if (start != len)
        fail_msg("the text does not end with CRLF");
    return lines;
}

/* text with its folds taken out (CRLF followed by one space), owned. */
static char *unfold(const char *text, size_t len)
{
    char *out = malloc(len + 1);
    assert_non_null(out);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' && i + 2 < len && text[i + 1] == '\n' && text[i + 2] == ' ') {
            i += 2;
            continue;
        }
        out[n++] = text[i];
    }
    out[n] = '\0';
    return out;
}

static void core_ics_escapes_text(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 1024);
    const char in[] = "a\\b;c,d\ne\r\nf\rg\x01h\ti";
    assert_int_equal(ics_escape(&b, in, sizeof in - 1), EM_OK);
    assert_string_equal(b.data, "a\\\\b\\;c\\,d\\ne\\nf\\ng h\ti");
    buf_reset(&b);
    assert_int_equal(ics_escape(&b, "plain: text", 11), EM_OK);
    assert_string_equal(b.data, "plain: text"); /* a colon needs no escape in a value */
    buf_reset(&b);
    assert_int_equal(ics_escape(&b, "", 0), EM_OK);
    assert_int_equal(b.len, 0);
    buf_cleanup(&b);
    /* past the buffer's maximum */
    buf_init(&b, 4);
    assert_int_equal(ics_escape(&b, ",,,,", 4), EM_E_TOO_LARGE);
    buf_cleanup(&b);
}

static void core_ics_folds_ascii(void **state)
{
    (void)state;
    char line[301];
    for (int i = 0; i < 300; i++)
        line[i] = (char)('a' + i % 26);
    line[300] = '\0';
    for (size_t len = 0; len <= 300; len++) {
        buf b;
        buf_init(&b, 4096);
        assert_int_equal(ics_fold(&b, line, len), EM_OK);
        size_t lines = check_lines(b.data, b.len);
        /* 75 octets on the first line, 74 after each fold's space */
        size_t want = len <= 75 ? 1 : 1 + (len - 75 + 73) / 74;
        assert_int_equal(lines, want);
        if (len == 75 || len == 76) {
            /* exactly full, and one octet over */
            assert_int_equal(b.data[75], '\r');
        }
        char *back = unfold(b.data, b.len);
        assert_int_equal(strlen(back), len + 2);
        assert_memory_equal(back, line, len);
        free(back);
        buf_cleanup(&b);
    }
}

/* Folding text of one multibyte character repeated, after `lead` ASCII
 * bytes, for every lead: no line cut inside a character. */
static void fold_chars(const char *ch, size_t lead)
{
    char line[600];
    size_t n = 0;
    for (size_t i = 0; i < lead; i++)
        line[n++] = 'x';
    size_t clen = strlen(ch);
    while (n + clen < 500) {
        memcpy(line + n, ch, clen);
        n += clen;
    }
    buf b;
    buf_init(&b, 4096);
    assert_int_equal(ics_fold(&b, line, n), EM_OK);
    check_lines(b.data, b.len);
    /* each physical line is whole UTF-8 by itself */
    size_t start = 0;
    for (size_t i = 0; i + 1 < b.len; i++) {
        if (b.data[i] != '\r')
            continue;
        const char *p = b.data + start;
        size_t len = i - start;
        if (start > 0) { /* the fold's space */
            assert_int_equal(p[0], ' ');
            p++;
            len--;
        }
        size_t bad = 0;
        if (!utf8_validate(p, len, &bad))
            fail_msg("lead %zu, char %s: a line cut inside a character at %zu", lead, ch, start);
        start = i + 2;
        i++;
    }
    char *back = unfold(b.data, b.len);
    assert_memory_equal(back, line, n);
    free(back);
    buf_cleanup(&b);
}

static void core_ics_folds_multibyte_at_boundaries(void **state)
{
    (void)state;
    const char *chars[] = {"\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x93\x9a"}; /* é, 日, 📚 */
    for (size_t c = 0; c < 3; c++)
        for (size_t lead = 0; lead < 8; lead++)
            fold_chars(chars[c], lead);
}

static void core_ics_folds_bytes_that_are_not_utf8(void **state)
{
    (void)state;
    /* 200 continuation bytes: no character start to back off to */
    char line[200];
    memset(line, 0x80, sizeof line);
    buf b;
    buf_init(&b, 4096);
    assert_int_equal(ics_fold(&b, line, sizeof line), EM_OK);
    check_lines(b.data, b.len);
    char *back = unfold(b.data, b.len);
    assert_memory_equal(back, line, sizeof line);
    free(back);
    buf_cleanup(&b);
}

static void core_ics_calendar_parses_back(void **state)
{
    (void)state;
    ics_event ev[3] = {
        {.date = {2026, 12, 30},
         .uid = "p1-20261230@exammentor",
         .summary = "45 min: study Cells, review Genes",
         .description = "study: Cells, 30 min\nreview: Genes, 15 min"},
        {.date = {2026, 12, 31},
         .uid = "p1-20261231@exammentor",
         .summary = "60 min: study Ökologie; Évolution et génétique des populations, révision des chapitres "
                    "1 à 12 📚",
         .description = NULL},
        {.date = {2028, 2, 28}, .uid = "p1-20280228@exammentor", .summary = "leap", .description = "x"},
    };
    buf b;
    buf_init(&b, 1 << 20);
    int64_t stamp = 1796554800123LL; /* 2026-12-06T11:00:00.123Z */
    assert_int_equal(ics_calendar(&b, "-//exammentor//study plan//EN", "Biology, final", stamp, ev, 3),
                     EM_OK);
    check_lines(b.data, b.len);
    char *text = unfold(b.data, b.len);
    /* the logical lines, in order */
    const char *want[] = {
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//exammentor//study plan//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Biology\\, final",
        "BEGIN:VEVENT",
        "UID:p1-20261230@exammentor",
        "DTSTAMP:20261206T110000Z",
        "DTSTART;VALUE=DATE:20261230",
        "DTEND;VALUE=DATE:20261231",
        "SUMMARY:45 min: study Cells\\, review Genes",
        "DESCRIPTION:study: Cells\\, 30 min\\nreview: Genes\\, 15 min",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:p1-20261231@exammentor",
        "DTSTAMP:20261206T110000Z",
        "DTSTART;VALUE=DATE:20261231",
        "DTEND;VALUE=DATE:20270101",
        "SUMMARY:60 min: study Ökologie\\; Évolution et génétique des populations\\, révision des chapitres "
        "1 à "
        "12 📚",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:p1-20280228@exammentor",
        "DTSTAMP:20261206T110000Z",
        "DTSTART;VALUE=DATE:20280228",
        "DTEND;VALUE=DATE:20280229",
        "SUMMARY:leap",
        "DESCRIPTION:x",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    };
    char *save = NULL;
    size_t i = 0;
    for (char *line = strtok_r(text, "\r\n", &save); line != NULL;
         line = strtok_r(NULL, "\r\n", &save), i++) {
        if (i >= sizeof want / sizeof want[0])
            fail_msg("an extra line: %s", line);
        assert_string_equal(line, want[i]);
    }
    assert_int_equal(i, sizeof want / sizeof want[0]);
    /* the long summary was folded */
    assert_non_null(strstr(b.data, "\r\n "));
    free(text);
    buf_cleanup(&b);

    /* too small a buffer */
    buf_init(&b, 64);
    assert_int_equal(ics_calendar(&b, "p", NULL, stamp, ev, 3), EM_E_TOO_LARGE);
    buf_cleanup(&b);
    /* no events: still a calendar */
    buf_init(&b, 4096);
    assert_int_equal(ics_calendar(&b, "p", NULL, stamp, NULL, 0), EM_OK);
    assert_int_equal(check_lines(b.data, b.len), 6);
    assert_null(strstr(b.data, "VEVENT"));
    buf_cleanup(&b);
}

static void core_ics_utc_stamp(void **state)
{
    (void)state;
    char s[17];
    ics_utc_stamp(0, s);
    assert_string_equal(s, "19700101T000000Z");
    ics_utc_stamp(1796554800999LL, s);
    assert_string_equal(s, "20261206T110000Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_ics_escapes_text),
        cmocka_unit_test(core_ics_folds_ascii),
        cmocka_unit_test(core_ics_folds_multibyte_at_boundaries),
        cmocka_unit_test(core_ics_folds_bytes_that_are_not_utf8),
        cmocka_unit_test(core_ics_calendar_parses_back),
        cmocka_unit_test(core_ics_utc_stamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
