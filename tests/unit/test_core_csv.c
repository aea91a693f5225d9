/* csv: RFC 4180 records as spreadsheets write them: quoting, doubled quotes,
 * line breaks inside quotes, CRLF and LF, a byte order mark, blank lines; and
 * every refusal naming its line: ragged records, stray or unclosed quotes,
 * NUL bytes, fields and records past the limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/err.h"

/* All records of text as "a|b|c" lines joined by "\n" (fields joined by
 * '|'), and the start line of each, into out; the return of the last
 * csv_next (CSV_DONE or the error) and its message in msg. */
static int read_all(const char *text, size_t len, char *out, size_t cap, char *msg, size_t msg_cap)
{
    csv_reader r;
    csv_reader_init(&r, text, len);
    csv_row row;
    em_error err = {0};
    size_t k = 0;
    int rc;
    out[0] = '\0';
    msg[0] = '\0';
    while ((rc = csv_next(&r, &row, &err)) == CSV_ROW) {
        k += (size_t)snprintf(out + k, cap - k, "%s%zu:", k > 0 ? "\n" : "", row.line);
        for (size_t i = 0; i < row.n; i++) {
            assert_int_equal(strlen(row.field[i]), row.field_len[i]);
            k += (size_t)snprintf(out + k, cap - k, "%s%s", i > 0 ? "|" : "", row.field[i]);
        }
    }
    if (rc != CSV_DONE)
        snprintf(msg, msg_cap, "%s", err.msg);
    csv_reader_cleanup(&r);
    return rc;
}

static void expect_rows(const char *text, const char *want)
{
    char out[4096], msg[256];
    int rc = read_all(text, strlen(text), out, sizeof out, msg, sizeof msg);
    if (rc != CSV_DONE)
        fail_msg("%s: refused: %s", text, msg);
    assert_string_equal(out, want);
}

static void expect_refused(const char *text, size_t len, int code, const char *needle)
{
    char out[4096], msg[256];
    int rc = read_all(text, len, out, sizeof out, msg, sizeof msg);
    assert_int_equal(rc, code);
    if (strstr(msg, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
}

static void core_csv_plain_records(void **state)
{
    expect_rows("code,title\na.b,Loops\nc,Arrays\n", "1:code|title\n2:a.b|Loops\n3:c|Arrays");
    expect_rows("code,title\na,b", "1:code|title\n2:a|b");                /* no final newline */
    expect_rows("x,y,z\n,,\n", "1:x|y|z\n2:||");                         /* empty fields */
    expect_rows("", "");
    expect_rows("\n\n", "");
    expect_rows("a,b\n\n\nc,d\n", "1:a|b\n4:c|d"); /* blank lines skipped, lines still counted */
}

static void core_csv_quoting(void **state)
{
    expect_rows("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n", "1:a|b\n2:x, y|say \"hi\"");
    expect_rows("a,b\n\"\",\"\"\"\"\n", "1:a|b\n2:|\"");
    /* a line break inside quotes belongs to the field; the next record's line counts it */
    expect_rows("a,b\n\"one\ntwo\",x\nc,d\n", "1:a|b\n2:one\ntwo|x\n4:c|d");
}

static void core_csv_crlf_and_bom(void **state)
{
    expect_rows("a,b\r\nc,d\r\n", "1:a|b\n2:c|d");
    expect_rows("\xEF\xBB\xBF" "code,title\r\nx,y", "1:code|title\n2:x|y");
    expect_rows("a,b\rc,d\r", "1:a|b\n2:c|d"); /* lone CR */
    expect_rows("a,b\r\n\"1\r\n2\",z\r\n", "1:a|b\n2:1\r\n2|z");
}

static void core_csv_ragged_rows_refused(void **state)
{
    expect_refused("code,title,description\na,b,c\nd,e\n", 33, EM_E_PARSE, "line 3: 2 fields where the header has 3");
    expect_refused("a,b\nc,d,e\n", 10, EM_E_PARSE, "line 2");
    /* the line of a record after a quoted line break */
    expect_refused("a,b\n\"x\ny\",z\nq\n", 14, EM_E_PARSE, "line 4");
}

static void core_csv_bad_quotes_refused(void **state)
{
    const char *t1 = "a,b\nx\"y,z\n";
    expect_refused(t1, strlen(t1), EM_E_PARSE, "line 2: a quote inside");
    const char *t2 = "a,b\n\"x\"y,z\n";
    expect_refused(t2, strlen(t2), EM_E_PARSE, "line 2: text after a closing quote");
    const char *t3 = "a,b\nc,d\n\"never\nclosed,x\n";
    expect_refused(t3, strlen(t3), EM_E_PARSE, "line 3: a quoted field is never closed");
    const char nul[] = "a,b\nc,d\0e\n";
    expect_refused(nul, sizeof nul - 1, EM_E_PARSE, "line 2: a NUL byte");
}

static void core_csv_limits(void **state)
{
    size_t n = CSV_FIELD_MAX + 10;
    char *big = malloc(n + 8);
    memcpy(big, "a\n", 2);
    memset(big + 2, 'x', n);
    expect_refused(big, n + 2, EM_E_TOO_LARGE, "line 2: a field is longer");
    free(big);
    char wide[CSV_FIELDS_MAX * 2 + 8];
    size_t k = 0;
    for (int i = 0; i <= CSV_FIELDS_MAX; i++) {
        wide[k++] = 'x';
        wide[k++] = i < CSV_FIELDS_MAX ? ',' : '\n';
    }
    expect_refused(wide, k, EM_E_TOO_LARGE, "line 1: more than");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_csv_plain_records),     cmocka_unit_test(core_csv_quoting),
        cmocka_unit_test(core_csv_crlf_and_bom),      cmocka_unit_test(core_csv_ragged_rows_refused),
        cmocka_unit_test(core_csv_bad_quotes_refused), cmocka_unit_test(core_csv_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
