/* multipart: boundaries, parts and their headers, line endings, preamble and
 * epilogue, file names, and every refusal; every input is also parsed
 * incrementally, cut in every place, and must give the whole parse's result;
 * kept values and their bound, bodies in files and request bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "http/http_fake.h"
#include "http/multipart.h"

#define MAXP 8

typedef struct parsed {
    arena *a;
    mp_part parts[MAXP];
    size_t n;
    em_error err;
    int rc;
} parsed;

/* Values up to this size are kept by the incremental parses below. */
#define VALUE_MAX 64

/* Parse body incrementally, cut at the offsets cuts[0..ncuts) (ascending),
 * keeping values up to VALUE_MAX bytes. */
static int parse_cut(const char *ct, const char *body, size_t len, size_t max_parts, const size_t *cuts,
                     size_t ncuts, arena *a, mp_part *parts, size_t *n, em_error *err)
{
    mp_parser *mp = NULL;
    mp_options o = {.max_parts = max_parts, .max_value = VALUE_MAX};
    *n = 0;
    int rc = multipart_parser_new(ct, &o, a, parts, &mp, err);
    size_t from = 0;
    for (size_t i = 0; rc == EM_OK && i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        rc = multipart_parser_feed(mp, body + from, to - from, err);
        from = to;
    }
    if (rc == EM_OK)
        rc = multipart_parser_finish(mp, n, err);
    return rc;
}

/* The incremental result must be the whole parse's: same answer, same
 * message, same parts at the same offsets; small fields' values kept, file
 * parts and longer values left in the body. */
static void assert_same(const parsed *whole, const char *body, int rc, size_t n, const mp_part *parts,
                        const em_error *err, const char *how)
{
    if (rc != whole->rc || n != whole->n)
        fail_msg("%s: got %d (%s) with %zu parts, whole parse %d (%s) with %zu", how, rc, err->msg, n, whole->rc,
                 whole->err.msg, whole->n);
    if (rc != EM_OK) {
        assert_int_equal(err->code, rc);
        assert_string_equal(err->msg, whole->err.msg);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const mp_part *w = &whole->parts[i], *p = &parts[i];
        assert_string_equal(p->name, w->name);
        if ((p->filename == NULL) != (w->filename == NULL) || (p->filename != NULL && strcmp(p->filename, w->filename) != 0))
            fail_msg("%s: part %zu file name differs", how, i);
        if ((p->content_type == NULL) != (w->content_type == NULL) ||
            (p->content_type != NULL && strcmp(p->content_type, w->content_type) != 0))
            fail_msg("%s: part %zu content type differs", how, i);
        assert_int_equal(p->len, w->len);
        assert_int_equal(p->offset, w->offset);
        assert_ptr_equal(w->data, body + w->offset);
        if (p->filename == NULL && p->len <= VALUE_MAX) {
            assert_non_null(p->data);
            assert_memory_equal(p->data, w->data, p->len);
            assert_int_equal(p->data[p->len], '\0');
        } else {
            assert_null(p->data);
        }
    }
}

/* Every way of cutting the body in two, in three (short bodies), and byte by
 * byte gives the whole parse's result. */
static void check_incremental(const parsed *whole, const char *ct, const char *body, size_t len, size_t max_parts)
{
    mp_part parts[MAXP];
    size_t n, cuts[4096];
    em_error err;
    char how[64];
    if (multipart_boundary(ct, (char[MULTIPART_BOUNDARY_MAX + 1]){0}, NULL) != EM_OK)
        return; /* refused before any byte is read */
    arena *a = arena_new(0);
    for (size_t i = 0; i <= len; i++) {
        int rc = parse_cut(ct, body, len, max_parts, &i, 1, a, parts, &n, &err);
        snprintf(how, sizeof how, "cut at %zu", i);
        assert_same(whole, body, rc, n, parts, &err, how);
    }
    if (len <= 300) {
        for (size_t i = 0; i <= len; i++) {
            for (size_t j = i; j <= len; j++) {
                size_t two[2] = {i, j};
                int rc = parse_cut(ct, body, len, max_parts, two, 2, a, parts, &n, &err);
                snprintf(how, sizeof how, "cut at %zu and %zu", i, j);
                assert_same(whole, body, rc, n, parts, &err, how);
            }
            arena_reset(a);
        }
    }
    if (len <= sizeof cuts / sizeof cuts[0]) {
        for (size_t i = 0; i < len; i++)
            cuts[i] = i;
        int rc = parse_cut(ct, body, len, max_parts, cuts, len, a, parts, &n, &err);
        assert_same(whole, body, rc, n, parts, &err, "byte by byte");
    }
    arena_free(a);
}

static parsed parse_n(const char *ct, const char *body, size_t len, size_t max_parts)
{
    parsed p = {0};
    p.a = arena_new(0);
    p.rc = multipart_parse(ct, body, len, p.a, p.parts, max_parts, &p.n, &p.err);
    if (p.rc != EM_OK) {
        assert_int_equal(p.err.code, p.rc);
        assert_int_equal(p.n, 0);
    }
    check_incremental(&p, ct, body, len, max_parts);
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

/* ---- the incremental parser and its callers ----------------------------------- */

static const char UPLOAD[] = "--XyZ\r\n"
                             "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
                             "Cell biology\r\n"
                             "--XyZ\r\n"
                             "Content-Disposition: form-data; name=\"long\"\r\n\r\n"
                             "0123456789abcdef0123\r\n"
                             "--XyZ\r\n"
                             "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
                             "tiny\r\n"
                             "--XyZ--\r\n";

/* Values up to max_value are kept (NUL-terminated, in the arena); a longer
 * field and every file part are left in the body, with their range. */
static void http_multipart_values_bounded(void **state)
{
    arena *a = arena_new(0);
    mp_part parts[MAXP];
    mp_parser *mp = NULL;
    em_error err = {0};
    size_t n = 0;
    mp_options o = {.max_parts = MAXP, .max_value = 20};
    assert_int_equal(multipart_parser_new(CT, &o, a, parts, &mp, &err), EM_OK);
    assert_int_equal(multipart_parser_feed(mp, UPLOAD, sizeof UPLOAD - 1, &err), EM_OK);
    assert_int_equal(multipart_parser_finish(mp, &n, &err), EM_OK);
    assert_int_equal(n, 3);
    assert_string_equal(parts[0].data, "Cell biology");
    assert_int_equal(parts[1].len, 20); /* exactly max_value: kept */
    assert_string_equal(parts[1].data, "0123456789abcdef0123");
    assert_null(parts[2].data);         /* a file: never kept */
    assert_int_equal(parts[2].len, 4);
    assert_memory_equal(UPLOAD + parts[2].offset, "tiny", 4);

    o.max_value = 19; /* one byte short: the second field stays in the body */
    assert_int_equal(multipart_parser_new(CT, &o, a, parts, &mp, &err), EM_OK);
    assert_int_equal(multipart_parser_feed(mp, UPLOAD, sizeof UPLOAD - 1, &err), EM_OK);
    assert_int_equal(multipart_parser_finish(mp, &n, &err), EM_OK);
    assert_non_null(parts[0].data);
    assert_null(parts[1].data);
    assert_int_equal(parts[1].len, 20);
    assert_memory_equal(UPLOAD + parts[1].offset, "0123456789abcdef0123", 20);

    o.max_value = 0; /* nothing kept */
    assert_int_equal(multipart_parser_new(CT, &o, a, parts, &mp, &err), EM_OK);
    assert_int_equal(multipart_parser_feed(mp, UPLOAD, sizeof UPLOAD - 1, &err), EM_OK);
    assert_int_equal(multipart_parser_finish(mp, &n, &err), EM_OK);
    assert_null(parts[0].data);
    arena_free(a);
}

/* An error is final: later feeds and the finish give it again. */
static void http_multipart_errors_are_final(void **state)
{
    arena *a = arena_new(0);
    mp_part parts[1];
    mp_parser *mp = NULL;
    em_error err = {0};
    size_t n = 7;
    mp_options o = {.max_parts = 1, .max_value = 16};
    assert_int_equal(multipart_parser_new(CT, &o, a, parts, &mp, &err), EM_OK);
    const char *two = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XyZ\r\n";
    assert_int_equal(multipart_parser_feed(mp, two, strlen(two), &err), EM_E_TOO_LARGE);
    assert_string_equal(err.msg, "more than 1 parts");
    em_error again = {0};
    assert_int_equal(multipart_parser_feed(mp, "x", 1, &again), EM_E_TOO_LARGE);
    assert_string_equal(again.msg, "more than 1 parts");
    assert_int_equal(multipart_parser_finish(mp, &n, &again), EM_E_TOO_LARGE);
    assert_int_equal(n, 0);
    /* a bad Content-Type is refused before any byte */
    assert_int_equal(multipart_parser_new("text/plain", &o, a, parts, &mp, &err), EM_E_UNSUPPORTED);
    assert_null(mp);
    arena_free(a);
}

/* A body in a file, read in pieces: the same parts, small values kept. */
static void http_multipart_from_file(void **state)
{
    char path[] = "/tmp/em_mp_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    /* a file part larger than the read size, with the boundary text inside */
    buf b;
    buf_init(&b, 1 << 22);
    buf_append_str(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nNotes\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n");
    size_t data_at = b.len, data_len = 200000;
    static const char text[] = "abcdefg", near[] = "\n--XyZx"; /* near misses of the delimiter */
    for (size_t i = 0; i < data_len; i++)
        buf_append(&b, i % 1000 >= 992 ? &near[i % 1000 - 992] : &text[i % 7], 1);
    buf_append_str(&b, "\r\n--XyZ--\r\n");
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);

    arena *a = arena_new(0);
    mp_part parts[MAXP];
    size_t n = 0;
    em_error err = {0};
    mp_options o = {.max_parts = MAXP, .max_value = 100};
    assert_int_equal(multipart_parse_fd(CT, fd, b.len, &o, a, parts, &n, &err), EM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(parts[0].data, "Notes");
    assert_string_equal(parts[1].filename, "big.bin");
    assert_null(parts[1].data);
    assert_int_equal(parts[1].offset, data_at);
    assert_int_equal(parts[1].len, data_len);

    /* a file shorter than announced is an I/O error, not a parse result */
    assert_int_equal(multipart_parse_fd(CT, fd, b.len + 10, &o, a, parts, &n, &err), EM_E_IO);
    assert_int_equal(n, 0);
    close(fd);
    arena_free(a);
    buf_cleanup(&b);
}

/* multipart_parse_body takes a request's body wherever it is. */
static void http_multipart_request_body(void **state)
{
    const char *const headers[] = {"Content-Type", CT, NULL};
    http_fake *f = http_fake_new("POST", "/up", headers, UPLOAD, sizeof UPLOAD - 1);
    http_req *req = http_fake_req(f);
    mp_part parts[MAXP];
    size_t n = 0;
    em_error err = {0};
    mp_options o = {.max_parts = MAXP, .max_value = 8};
    /* in memory: every part points into the body */
    assert_int_equal(multipart_parse_body(req, &o, parts, &n, &err), EM_OK);
    assert_int_equal(n, 3);
    assert_ptr_equal(parts[2].data, req->body + parts[2].offset);
    assert_ptr_equal(parts[0].data, req->body + parts[0].offset);

    /* spooled: offsets, and values within max_value */
    char path[] = "/tmp/em_mp_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, UPLOAD, sizeof UPLOAD - 1), (ssize_t)(sizeof UPLOAD - 1));
    req->body = "";
    req->body_fd = fd;
    assert_int_equal(multipart_parse_body(req, &o, parts, &n, &err), EM_OK);
    assert_int_equal(n, 3);
    assert_null(parts[0].data); /* 12 bytes > 8 */
    assert_null(parts[2].data);
    char tiny[4];
    assert_int_equal(http_req_body_read(req, parts[2].offset, tiny, 4), EM_OK);
    assert_memory_equal(tiny, "tiny", 4);
    assert_int_equal(http_req_body_read(req, sizeof UPLOAD - 2, tiny, 2), EM_E_INVAL);
    req->body_fd = -1;
    close(fd);
    http_fake_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http_multipart_boundary_param),    cmocka_unit_test(http_multipart_basic),
        cmocka_unit_test(http_multipart_binary_data),       cmocka_unit_test(http_multipart_line_endings),
        cmocka_unit_test(http_multipart_preamble_epilogue), cmocka_unit_test(http_multipart_empty_parts),
        cmocka_unit_test(http_multipart_filenames),         cmocka_unit_test(http_multipart_headers),
        cmocka_unit_test(http_multipart_refusals),          cmocka_unit_test(http_multipart_limits),
        cmocka_unit_test(http_multipart_values_bounded),    cmocka_unit_test(http_multipart_errors_are_final),
        cmocka_unit_test(http_multipart_from_file),         cmocka_unit_test(http_multipart_request_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
