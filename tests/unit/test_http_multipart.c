/* multipart: boundaries, parts and their headers, line endings, preamble and
 * epilogue, file names, and every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "http/multipart.h"

#define MAXP 8

typedef struct parsed {
    arena *a;
    mp_part parts[MAXP];
    size_t n;
    em_error err;
    int rc;
} parsed;

static parsed parse_n(const char *ct, const char *body, size_t len, size_t max_parts)
{
    parsed p = {0};
    p.a = arena_new(0);
    p.rc = multipart_parse(ct, body, len, p.a, p.parts, max_parts, &p.n, &p.err);
    if (p.rc != EM_OK) {
        assert_int_equal(p.err.code, p.rc);
        assert_int_equal(p.n, 0);
    }
    return p;
}

static parsed parse(const char *ct, const char *body)
{
    return parse_n(ct, body, strlen(body), MAXP);
}

static void done(parsed *p)
{
    arena_free(p->a);
}

static void assert_data(const mp_part *part, const char *want)
{
    if (part->len != strlen(want) || memcmp(part->data, want, part->len) != 0)
        fail_msg("data \"%.*s\", want \"%s\"", (int)part->len, part->data, want);
}

static void assert_fails(const char *ct, const char *body, int code, const char *msg_part)
{
    parsed p = parse(ct, body);
    if (p.rc != code)
        fail_msg("got %d (%s), want %d for body \"%s\"", p.rc, p.err.msg, code, body);
    if (msg_part != NULL && strstr(p.err.msg, msg_part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", p.err.msg, msg_part);
    done(&p);
}

static const char *const CT = "multipart/form-data; boundary=XyZ";

/* ---- boundaries ------------------------------------------------------------ */

static void http_multipart_boundary_param(void **state)
{
    char b[MULTIPART_BOUNDARY_MAX + 1];
    em_error err = {0};
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", b, &err), EM_OK);
    assert_string_equal(b, "abc");
    assert_int_equal(multipart_boundary("Multipart/Form-Data;BOUNDARY=abc", b, &err), EM_OK);
    assert_string_equal(b, "abc");
    assert_int_equal(multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"a b:c\"", b, &err),
                     EM_OK);
    assert_string_equal(b, "a b:c");
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"q\\\"x\"", b, &err), EM_E_PARSE);
    assert_int_equal(
        multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", b, &err),
        EM_OK);
    assert_string_equal(b, "----WebKitFormBoundary7MA4YWxkTrZu0gW");
    /* the first boundary parameter counts */
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=one; boundary=two", b, &err), EM_OK);
    assert_string_equal(b, "one");

    char seventy[80], line[128];
    memset(seventy, 'b', 70);
    seventy[70] = '\0';
    snprintf(line, sizeof line, "multipart/form-data; boundary=%s", seventy);
    assert_int_equal(multipart_boundary(line, b, &err), EM_OK);
    snprintf(line, sizeof line, "multipart/form-data; boundary=%sb", seventy);
    assert_int_equal(multipart_boundary(line, b, &err), EM_E_PARSE);

    const char *bad[] = {
        "multipart/form-data",
        "multipart/form-data;",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"ends with space \"",
        "multipart/form-data; boundary=a{b}",
        "multipart/form-data; boundary=\"unterminated",
        "multipart/form-data; =x",
        "multipart/form-data; boundary",
        "multipart/form-data garbage; boundary=x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = multipart_boundary(bad[i], b, &err);
        if (rc != EM_E_PARSE && rc != EM_E_UNSUPPORTED)
            fail_msg("\"%s\" gave %d", bad[i], rc);
        assert_int_equal(err.code, rc);
    }
    assert_int_equal(multipart_boundary("multipart/form-data", b, &err), EM_E_PARSE);
    assert_non_null(strstr(err.msg, "boundary"));
    assert_int_equal(multipart_boundary(NULL, b, &err), EM_E_UNSUPPORTED);
    assert_int_equal(multipart_boundary("application/json", b, &err), EM_E_UNSUPPORTED);
    assert_int_equal(multipart_boundary("multipart/mixed; boundary=x", b, &err), EM_E_UNSUPPORTED);
}

/* ---- parts ------------------------------------------------------------------- */

static void http_multipart_basic(void **state)
{
    const char *body = "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"title\"\r\n"
                       "\r\n"
                       "Cell biology\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"file\"; filename=\"notes.pdf\"\r\n"
                       "Content-Type: application/pdf\r\n"
                       "\r\n"
                       "%PDF-1.7\r\n\r\nbinary\r\n"
                       "--XyZ--\r\n";
    parsed p = parse(CT, body);
    assert_int_equal(p.rc, EM_OK);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.parts[0].name, "title");
    assert_null(p.parts[0].filename);
    assert_null(p.parts[0].content_type);
    assert_data(&p.parts[0], "Cell biology");
    assert_string_equal(p.parts[1].name, "file");
    assert_string_equal(p.parts[1].filename, "notes.pdf");
    assert_string_equal(p.parts[1].content_type, "application/pdf");
    assert_data(&p.parts[1], "%PDF-1.7\r\n\r\nbinary");
    /* data points into the body */
    assert_true(p.parts[1].data > body && p.parts[1].data < body + strlen(body));
    done(&p);
}

static void http_multipart_binary_data(void **state)
{
    /* NUL bytes, CR and LF, and the boundary text inside the data */
    static const char body[] = "--XyZ\r\n"
                               "Content-Disposition: form-data; name=\"b\"\r\n\r\n"
                               "a\0b\r\n--XyZa\r\n--XyZ-x\n\r\n--XyZ\r\n" /* only the last is a boundary */
                               "Content-Disposition: form-data; name=\"c\"\r\n\r\n"
                               "\r\n"
                               "--XyZ--";
    parsed p = parse_n(CT, body, sizeof body - 1, MAXP);
    assert_int_equal(p.rc, EM_OK);
    assert_int_equal(p.n, 2);
    static const char want[] = "a\0b\r\n--XyZa\r\n--XyZ-x\n";
    assert_int_equal(p.parts[0].len, sizeof want - 1);
    assert_memory_equal(p.parts[0].data, want, sizeof want - 1);
    assert_int_equal(p.parts[1].len, 0);
    done(&p);
}

static void http_multipart_line_endings(void **state)
{
    /* bare LF throughout, blanks after the boundary */
    parsed p = parse(CT, "--XyZ \t\n"
                         "content-disposition: FORM-DATA; NAME=a\n"
                         "\n"
                         "one\n"
                         "two\n"
                         "--XyZ\n"
                         "Content-Disposition: form-data; name=b\n"
                         "\n"
                         "three\n"
                         "--XyZ--");
    assert_int_equal(p.rc, EM_OK);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.parts[0].name, "a");
    assert_data(&p.parts[0], "one\ntwo");
    assert_data(&p.parts[1], "three");
    done(&p);
}

static void http_multipart_preamble_epilogue(void **state)
{
    parsed p = parse(CT, "This is the preamble.\r\nIt mentions --XyZ inline.\r\n"
                         "--XyZ\r\n"
                         "Content-Disposition: form-data; name=\"x\"\r\n\r\n"
                         "1\r\n"
                         "--XyZ--\r\n"
                         "epilogue --XyZ\r\n garbage");
    assert_int_equal(p.rc, EM_OK);
    assert_int_equal(p.n, 1);
    assert_data(&p.parts[0], "1");
    done(&p);

    /* no parts at all */
    p = parse(CT, "--XyZ--\r\n");
    assert_int_equal(p.rc, EM_OK);
    assert_int_equal(p.n, 0);
    done(&p);
}

static void http_multipart_empty_parts(void **state)
{
    /* strict: the blank line, then the CRLF of the delimiter; lenient: the
     * delimiter right after the blank line */
    parsed p = parse(CT, "--XyZ\r\n"
                         "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
                         "\r\n--XyZ\r\n"
                         "Content-Disposition: form-data; name=\"b\"\r\n\r\n"
                         "--XyZ--");
    assert_int_equal(p.rc, EM_OK);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.parts[0].len, 0);
    assert_int_equal(p.parts[1].len, 0);
    done(&p);
}

static void http_multipart_filenames(void **state)
{
    parsed p =
        parse(CT, "--XyZ\r\n"
                  "Content-Disposition: form-data; name=\"f1\"; filename=\"say \\\"hi\\\".txt\"\r\n\r\n"
                  "x\r\n--XyZ\r\n"
                  "Content-Disposition: form-data; name=\"f2\"; filename=\"C:\\Users\\a.txt\"\r\n\r\n"
                  "x\r\n--XyZ\r\n"
                  "Content-Disposition: form-data; name=\"f3\"; filename=\"fallback.txt\"; "
                  "filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.txt\r\n\r\n"
                  "x\r\n--XyZ\r\n"
                  "Content-Disposition: form-data; name=\"f4\"; filename*=utf-8'en'a%2Fb\r\n\r\n"
                  "x\r\n--XyZ\r\n"
                  "Content-Disposition: form-data; name=\"f5\"; filename=\"ok.txt\"; "
                  "filename*=ISO-8859-1''caf%E9.txt\r\n\r\n"
                  "x\r\n--XyZ\r\n"
                  "Content-Disposition: form-data; name=\"f6\"; filename=\"ok2.txt\"; "
                  "filename*=UTF-8''bad%zz\r\n\r\n"
                  "x\r\n--XyZ\r\n"
                  "Content-Disposition: form-data; name=\"f7\"; filename*=UTF-8''nul%00\r\n\r\n"
                  "x\r\n--XyZ\r\n"
                  "Content-Disposition: form-data; name=\"f8\"; filename=\"\"\r\n\r\n"
                  "x\r\n--XyZ--");
    assert_int_equal(p.rc, EM_OK);
    assert_int_equal(p.n, 8);
    assert_string_equal(p.parts[0].filename, "say \"hi\".txt");
    assert_string_equal(p.parts[1].filename, "C:\\Users\\a.txt");
    assert_string_equal(p.parts[2].filename, "na\xc3\xaf"
                                             "ve r\xc3\xa9sum\xc3\xa9.txt");
    assert_string_equal(p.parts[3].filename, "a/b");
    assert_string_equal(p.parts[4].filename, "ok.txt");  /* not UTF-8: ignored */
    assert_string_equal(p.parts[5].filename, "ok2.txt"); /* bad escape: ignored */
    assert_null(p.parts[6].filename);                    /* a NUL: ignored */
    assert_string_equal(p.parts[7].filename, "");
    done(&p);
}

static void http_multipart_headers(void **state)
{
    parsed p = parse(CT, "--XyZ\r\n"
                         "X-Other: whatever\r\n"
                         "CONTENT-TYPE:   text/plain; charset=utf-8  \r\n"
                         "Content-Disposition: form-data;\r\n"
                         "\tname=\"folded\"\r\n"
                         "Content-Disposition: form-data; name=\"second-ignored\"\r\n"
                         "\r\n"
                         "v\r\n--XyZ\r\n"
                         "Content-Disposition:form-data;name=tok_en.1;filename=plain.txt\r\n"
                         "\r\n"
                         "w\r\n--XyZ--");
    assert_int_equal(p.rc, EM_OK);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.parts[0].name, "folded");
    assert_string_equal(p.parts[0].content_type, "text/plain; charset=utf-8");
    assert_string_equal(p.parts[1].name, "tok_en.1");
    assert_string_equal(p.parts[1].filename, "plain.txt");
    done(&p);
}

/* ---- refusals ---------------------------------------------------------------- */

static void http_multipart_refusals(void **state)
{
    assert_fails("text/plain", "--XyZ--", EM_E_UNSUPPORTED, "multipart/form-data");
    assert_fails(NULL, "--XyZ--", EM_E_UNSUPPORTED, NULL);
    assert_fails("multipart/form-data", "--XyZ--", EM_E_PARSE, "boundary");
    assert_fails(CT, "", EM_E_PARSE, "boundary");
    assert_fails(CT, "no boundary here", EM_E_PARSE, "boundary");
    assert_fails(CT, "--XyZx\r\n", EM_E_PARSE, "boundary");
    /* no closing delimiter */
    assert_fails(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ndata", EM_E_PARSE,
                 "closing");
    assert_fails(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ndata\r\n--XyZ", EM_E_PARSE,
                 "closing");
    /* headers never end */
    assert_fails(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n", EM_E_PARSE, "headers");
    /* no Content-Disposition, not form-data, no name */
    assert_fails(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--", EM_E_PARSE, "form-data name");
    assert_fails(CT, "--XyZ\r\n\r\nx\r\n--XyZ--", EM_E_PARSE, "form-data name");
    assert_fails(CT, "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--", EM_E_PARSE,
                 "form-data name");
    assert_fails(CT, "--XyZ\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n--XyZ--",
                 EM_E_PARSE, "form-data name");
    /* malformed header lines and parameters */
    assert_fails(CT, "--XyZ\r\nno colon\r\n\r\nx\r\n--XyZ--", EM_E_PARSE, "malformed");
    assert_fails(CT, "--XyZ\r\n: empty name\r\n\r\nx\r\n--XyZ--", EM_E_PARSE, "malformed");
    assert_fails(CT, "--XyZ\r\n folded first\r\n\r\nx\r\n--XyZ--", EM_E_PARSE, "malformed");
    assert_fails(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--", EM_E_PARSE,
                 "Content-Disposition");
    assert_fails(CT, "--XyZ\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--XyZ--", EM_E_PARSE,
                 "Content-Disposition");
    assert_fails(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\" junk\r\n\r\nx\r\n--XyZ--",
                 EM_E_PARSE, "Content-Disposition");
    /* a NUL in a header line */
    static const char nul[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\0b\"\r\n\r\nx\r\n--XyZ--";
    parsed p = parse_n(CT, nul, sizeof nul - 1, MAXP);
    assert_int_equal(p.rc, EM_E_PARSE);
    done(&p);
}

static void http_multipart_limits(void **state)
{
    buf b;
    buf_init(&b, 1 << 20);

    /* a header line of exactly MULTIPART_LINE_MAX bytes is fine, one more is not */
    for (int extra = 0; extra < 2; extra++) {
        buf_reset(&b);
        const char *start = "Content-Disposition: form-data; name=\"";
        size_t fill = MULTIPART_LINE_MAX - strlen(start) - 1 + (size_t)extra;
        buf_append_str(&b, "--XyZ\r\n");
        buf_append_str(&b, start);
        for (size_t i = 0; i < fill; i++)
            buf_append(&b, "n", 1);
        buf_append_str(&b, "\"\r\n\r\nx\r\n--XyZ--");
        parsed p = parse_n(CT, b.data, b.len, MAXP);
        if (extra == 0) {
            assert_int_equal(p.rc, EM_OK);
            assert_int_equal(strlen(p.parts[0].name), fill);
        } else {
            assert_int_equal(p.rc, EM_E_PARSE);
            assert_non_null(strstr(p.err.msg, "too long"));
        }
        done(&p);
    }
    /* a long line without any line feed */
    buf_reset(&b);
    buf_append_str(&b, "--XyZ\r\n");
    for (int i = 0; i < 5000; i++)
        buf_append(&b, "h", 1);
    parsed p = parse_n(CT, b.data, b.len, MAXP);
    assert_int_equal(p.rc, EM_E_PARSE);
    assert_non_null(strstr(p.err.msg, "too long"));
    done(&p);

    /* folded lines count together */
    buf_reset(&b);
    buf_append_str(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"");
    for (int i = 0; i < 3; i++) {
        buf_append_str(&b, "\r\n ");
        for (int k = 0; k < 400; k++)
            buf_append(&b, "x", 1);
    }
    buf_append_str(&b, "\r\n\r\nx\r\n--XyZ--");
    p = parse_n(CT, b.data, b.len, MAXP);
    assert_int_equal(p.rc, EM_E_PARSE);
    done(&p);

    /* too many header lines */
    buf_reset(&b);
    buf_append_str(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n");
    for (int i = 0; i < MULTIPART_HEADERS_MAX; i++)
        buf_append_str(&b, "X-Pad: 1\r\n");
    buf_append_str(&b, "\r\nx\r\n--XyZ--");
    p = parse_n(CT, b.data, b.len, MAXP);
    assert_int_equal(p.rc, EM_E_PARSE);
    done(&p);

    /* max_parts */
    buf_reset(&b);
    for (int i = 0; i < 3; i++)
        buf_printf(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"p%d\"\r\n\r\n%d\r\n", i, i);
    buf_append_str(&b, "--XyZ--");
    p = parse_n(CT, b.data, b.len, 3);
    assert_int_equal(p.rc, EM_OK);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.parts[2].name, "p2");
    done(&p);
    p = parse_n(CT, b.data, b.len, 2);
    assert_int_equal(p.rc, EM_E_TOO_LARGE);
    assert_non_null(strstr(p.err.msg, "more than 2 parts"));
    done(&p);
    p = parse_n(CT, b.data, b.len, 0);
    assert_int_equal(p.rc, EM_E_TOO_LARGE);
    done(&p);
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http_multipart_boundary_param),    cmocka_unit_test(http_multipart_basic),
        cmocka_unit_test(http_multipart_binary_data),       cmocka_unit_test(http_multipart_line_endings),
        cmocka_unit_test(http_multipart_preamble_epilogue), cmocka_unit_test(http_multipart_empty_parts),
        cmocka_unit_test(http_multipart_filenames),         cmocka_unit_test(http_multipart_headers),
        cmocka_unit_test(http_multipart_refusals),          cmocka_unit_test(http_multipart_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
