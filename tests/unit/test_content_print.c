/* What a reader of a printed manual checks in its extracted text: the print
 * fixtures (tests/fixtures/print, made by tests/fixtures/mk_print_fixtures.sh:
 * a Python manual chapter with shaded code boxes, notes, "See also" and
 * footnotes, printed by Chromium with its header and footer, in one column,
 * in two, in two pages; and its Markdown source) read, chunked and made
 * topics of, as ingestion does; plus PDFs written here whose drawing order
 * is not their reading order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "content/chunk.h"
#include "content/codeline.h"
#include "content/doctext.h"
#include "content/pdf.h"
#include "content/topics.h"
#include "content/worksheet.h"
#include "core/buf.h"
#include "core/mem.h"

/* The manual's headings, in order, as every form of it must give them. */
static const struct {
    const char *title;
    int level;
} manual_headings[] = {
    {"Classes and Objects in Python", 1},
    {"Defining a class", 2},
    {"Creating instances", 3},
    {"Class attributes", 3},
    {"Methods and state", 2},
    {"Loops over objects", 3},
    {"Properties", 3},
    {"Inheritance", 2},
    {"Method resolution order", 3},
    {"Special methods", 2},
    {"String representations", 3},
    {"Comparing objects", 3},
};
#define N_MANUAL_HEADINGS (sizeof manual_headings / sizeof manual_headings[0])

/* A document read as ingestion reads it: its text, chunks and topics. */
typedef struct read_doc {
    doc_text doc;
    chunk_list chunks;
    topic_list topics;
} read_doc;

static char *fixture_path(const char *name)
{
    const char *slash = strrchr(__FILE__, '/');
    assert_non_null(slash);
    char *path = em_malloc(4096);
    snprintf(path, 4096, "%.*s/../fixtures/print/%s", (int)(slash - __FILE__), __FILE__, name);
    return path;
}

static unsigned char *slurp(const char *name, size_t *len)
{
    char *path = fixture_path(name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    buf b;
    buf_init(&b, (size_t)64 << 20);
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        assert_int_equal(buf_append(&b, tmp, n), 0);
    fclose(f);
    free(path);
    *len = b.len;
    return (unsigned char *)buf_steal(&b);
}

static void read_bytes(const void *data, size_t len, const char *kind, read_doc *r)
{
    em_error err = {0};
    memset(r, 0, sizeof *r);
    int rc = strcmp(kind, "pdf") == 0
                 ? pdf_extract(data, len, NULL, &r->doc, &err)
                 : doc_text_from_plain(data, len, strcmp(kind, "markdown") == 0, &r->doc, &err);
    if (rc != EM_OK)
        fail_msg("reading: %s", err.msg);
    chunk_limits lim = {0};
    assert_int_equal(chunk_document(r->doc.pages, r->doc.n_pages, r->doc.headings, r->doc.n_headings, lim,
                                    &r->chunks, &err),
                     EM_OK);
    assert_int_equal(
        topics_extract(r->doc.headings, r->doc.n_headings, r->chunks.items, r->chunks.n, &r->topics, &err),
        EM_OK);
}

static void read_fixture(const char *name, read_doc *r)
{
    size_t len;
    unsigned char *data = slurp(name, &len);
    read_bytes(data, len, strstr(name, ".pdf") != NULL ? "pdf" : "markdown", r);
    free(data);
}

static void read_doc_cleanup(read_doc *r)
{
    topic_list_cleanup(&r->topics);
    chunk_list_cleanup(&r->chunks);
    doc_text_cleanup(&r->doc);
}

/* The chunk holding s; fails when none does. */
static const text_chunk *chunk_with(const read_doc *r, const char *s)
{
    for (size_t i = 0; i < r->chunks.n; i++)
        if (strstr(r->chunks.items[i].text, s) != NULL)
            return &r->chunks.items[i];
    fail_msg("no chunk holds \"%s\"", s);
    return NULL;
}

/* a comes before b in the chunk's text. */
static void assert_before(const text_chunk *c, const char *a, const char *b)
{
    const char *pa = strstr(c->text, a), *pb = strstr(c->text, b);
    if (pa == NULL || pb == NULL || pa >= pb)
        fail_msg("\"%s\" is not before \"%s\" in:\n%s", a, b, c->text);
}

static void assert_manual_headings(const read_doc *r)
{
    assert_int_equal(r->doc.n_headings, N_MANUAL_HEADINGS);
    for (size_t i = 0; i < N_MANUAL_HEADINGS; i++) {
        assert_string_equal(r->doc.headings[i].title, manual_headings[i].title);
        assert_int_equal(r->doc.headings[i].level, manual_headings[i].level);
    }
}

/* What every form of the manual must give: the code boxes in their
 * sections, after the sentence that introduces them and before the one
 * that follows, with their lines and indentation; no label or code line as
 * a section. */
static void assert_manual_chunks(const read_doc *r)
{
    const text_chunk *c = chunk_with(r, "class Dog:");
    assert_string_equal(c->section, "Defining a class");
    assert_before(c, "the methods the objects will share:", "class Dog:");
    assert_before(c, "says woof\"", "The method __init__ runs");
    assert_non_null(strstr(c->text, "class Dog:\n    \"\"\"A dog that knows its name.\"\"\""));
    assert_non_null(strstr(c->text, "    def __init__(self, name):\n        self.name = name"));

    c = chunk_with(r, "for i in range(3):");
    assert_string_equal(c->section, "Loops over objects");
    assert_non_null(strstr(c->text, "for i in range(3):\n    print(i, dogs[i].bark())"));
    assert_before(c, "sees that object as self:", "dogs = [Dog(");

    c = chunk_with(r, "import inspect");
    assert_string_equal(c->section, "Method resolution order");
    assert_non_null(strstr(c->text, "print(Puppy.__mro__)\nprint(inspect.getmro(Puppy))"));

    c = chunk_with(r, "A mutable class attribute");
    assert_string_equal(c->section, "Class attributes");
    c = chunk_with(r, "The chapter on data classes");
    assert_string_equal(c->section, "Comparing objects");
    c = chunk_with(r, "The name self is only a convention");
    assert_string_equal(c->section, "Comparing objects");

    for (size_t i = 0; i < r->doc.n_headings; i++) {
        const char *t = r->doc.headings[i].title;
        assert_false(codeline_is_code(t, strlen(t)));
        assert_false(codeline_is_label(t, strlen(t)));
    }
    for (size_t i = 0; i < r->chunks.n; i++) {
        const char *s = r->chunks.items[i].section;
        if (s == NULL)
            continue;
        assert_false(codeline_is_code(s, strlen(s)));
        assert_false(codeline_is_label(s, strlen(s)));
    }
}

/* No chunk holds the browser's print header or footer. */
static void assert_no_print_furniture(const read_doc *r)
{
    for (size_t i = 0; i < r->chunks.n; i++) {
        const char *t = r->chunks.items[i].text;
        if (strstr(t, "Python Course Manual") != NULL || strstr(t, "file://") != NULL ||
            strstr(t, "manual.html") != NULL || strstr(t, " PM") != NULL || strstr(t, " AM") != NULL)
            fail_msg("print header or footer in chunk %zu:\n%s", i, t);
        /* "12/6/26" and "3/4": a number, '/', a number */
        for (const char *p = t; (p = strchr(p, '/')) != NULL; p++)
            if (p > t && p[-1] >= '0' && p[-1] <= '9' && p[1] >= '0' && p[1] <= '9')
                fail_msg("a date or page count in chunk %zu:\n%s", i, t);
    }
}

/* ---- the printed manual ---- */

static void content_print_pdf_code_boxes_in_reading_order(void **state)
{
    (void)state;
    read_doc r;
    read_fixture("manual.pdf", &r);
    assert_int_equal(r.doc.page_count, 4);
    assert_manual_headings(&r);
    assert_manual_chunks(&r);
    read_doc_cleanup(&r);
}

static void content_print_pdf_no_running_header(void **state)
{
    (void)state;
    static const char *const names[] = {"manual.pdf", "manual_2col.pdf", "manual_short.pdf"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        read_doc r;
        read_fixture(names[k], &r);
        assert_no_print_furniture(&r);
        read_doc_cleanup(&r);
    }
}

static void content_print_pdf_two_pages(void **state)
{
    (void)state;
    read_doc r;
    read_fixture("manual_short.pdf", &r);
    assert_int_equal(r.doc.page_count, 2);
    assert_no_print_furniture(&r);
    const text_chunk *c = chunk_with(&r, "class Dog:");
    assert_string_equal(c->section, "Defining a class");
    read_doc_cleanup(&r);
}

static void content_print_pdf_two_columns(void **state)
{
    (void)state;
    read_doc r;
    read_fixture("manual_2col.pdf", &r);
    assert_manual_headings(&r);
    assert_manual_chunks(&r);
    /* the left column's end, then the right column's top */
    const text_chunk *c = chunk_with(&r, "fido.bark()");
    assert_before(c, "fido.bark()", "Two instances never share");
    read_doc_cleanup(&r);
}

static void content_print_markdown_reads_as_the_page(void **state)
{
    (void)state;
    read_doc r;
    read_fixture("manual.md", &r);
    assert_manual_headings(&r);
    assert_manual_chunks(&r);
    for (size_t i = 0; i < r.chunks.n; i++) {
        const char *t = r.chunks.items[i].text;
        if (strstr(t, "```") != NULL || strchr(t, '`') != NULL || strstr(t, "## ") != NULL)
            fail_msg("Markdown syntax in chunk %zu:\n%s", i, t);
        /* "**" around words is emphasis; "x ** 2" in code is Python's power */
        for (const char *p = t; (p = strstr(p, "**")) != NULL; p += 2)
            if ((p > t && p[-1] != ' ') || p[2] != ' ')
                fail_msg("emphasis in chunk %zu:\n%s", i, t);
    }
    assert_non_null(strstr(chunk_with(&r, "live in the object")->text,
                           "unchanged. Instance attributes live in the object's own namespace"));
    read_doc_cleanup(&r);
}

/* Every heading under the title is a topic, sub-levels too, and every
 * chunk's section is a topic's name. */
static void content_print_subheadings_are_topics(void **state)
{
    (void)state;
    static const char *const names[] = {"manual.pdf", "manual.md", "manual_2col.pdf"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        read_doc r;
        read_fixture(names[k], &r);
        assert_int_equal(r.topics.n, N_MANUAL_HEADINGS - 1);
        for (size_t i = 1; i < N_MANUAL_HEADINGS; i++)
            assert_string_equal(r.topics.items[i - 1].name, manual_headings[i].title);
        double sum = 0;
        for (size_t i = 0; i < r.topics.n; i++) {
            assert_true(r.topics.items[i].weight > 0);
            sum += r.topics.items[i].weight;
        }
        assert_true(sum > 0.8 && sum <= 1.0 + 1e-9); /* the title's introduction is no topic's */
        for (size_t i = 0; i < r.chunks.n; i++) {
            const char *s = r.chunks.items[i].section;
            if (s == NULL || strcmp(s, manual_headings[0].title) == 0)
                continue;
            bool found = false;
            for (size_t t = 0; t < r.topics.n && !found; t++)
                found = strcmp(r.topics.items[t].name, s) == 0;
            if (!found)
                fail_msg("%s: section \"%s\" is no topic", names[k], s);
        }
        read_doc_cleanup(&r);
    }
}

/* ---- drawn out of order ---- */

/* A one-page PDF (612 x 792, Helvetica F1, Courier F2) drawing `contents`. */
static unsigned char *make_pdf(const char *contents, size_t *len)
{
    buf b;
    buf_init(&b, 1 << 20);
    size_t off[7];
    assert_int_equal(buf_append_str(&b, "%PDF-1.4\n"), 0);
    const char *objs[6] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        NULL,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
    };
    for (int i = 0; i < 6; i++) {
        off[i] = b.len;
        if (i == 3)
            assert_int_equal(buf_printf(&b, "4 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n",
                                        strlen(contents) + 1, contents),
                             0);
        else
            assert_int_equal(buf_printf(&b, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]), 0);
    }
    off[6] = b.len;
    assert_int_equal(buf_printf(&b, "xref\n0 7\n0000000000 65535 f \n"), 0);
    for (int i = 0; i < 6; i++)
        assert_int_equal(buf_printf(&b, "%010zu 00000 n \n", off[i]), 0);
    assert_int_equal(buf_printf(&b, "trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", off[6]),
                     0);
    *len = b.len;
    return (unsigned char *)buf_steal(&b);
}

static char *page_text_of(const char *contents)
{
    size_t len;
    unsigned char *pdf = make_pdf(contents, &len);
    doc_text d;
    em_error err = {0};
    pdf_options opt = {.threads = 1};
    if (pdf_extract(pdf, len, &opt, &d, &err) != EM_OK)
        fail_msg("extracting: %s", err.msg);
    free(pdf);
    assert_int_equal(d.n_pages, 1);
    char *t = em_strdup(d.pages[0].text);
    doc_text_cleanup(&d);
    return t;
}

static void assert_order(const char *text, const char *const *parts)
{
    const char *p = text;
    for (size_t i = 0; parts[i] != NULL; i++) {
        const char *q = strstr(p, parts[i]);
        if (q == NULL)
            fail_msg("\"%s\" missing or out of order in:\n%s", parts[i], text);
        p = q + strlen(parts[i]);
    }
}

/* The box is drawn after the text around it (as browsers draw shaded
 * boxes): it is read where it sits, with its indentation. */
static void content_print_pdf_box_drawn_last(void **state)
{
    (void)state;
    char *t = page_text_of("BT /F1 11 Tf 72 700 Td (To define a class, write the statement:) Tj ET\n"
                           "BT /F1 11 Tf 72 600 Td (The method bark returns a string.) Tj ET\n"
                           "BT /F2 10 Tf 80 670 Td (class Dog:) Tj 0 -12 Td (    def bark\\(self\\):) Tj "
                           "0 -12 Td (        return 1) Tj ET\n");
    static const char *const order[] = {
        "To define a class, write the statement:", "class Dog:\n    def bark(self):\n        return 1",
        "The method bark returns a string.", NULL};
    assert_order(t, order);
    free(t);
}

/* Two columns under a title across both, the right column drawn first:
 * the title, the left column, the right. */
static void content_print_pdf_columns_drawn_right_first(void **state)
{
    (void)state;
    buf c;
    buf_init(&c, 1 << 16);
    assert_int_equal(buf_append_str(&c, "BT /F1 20 Tf 72 740 Td (A Title Across The Page) Tj ET\n"), 0);
    for (int col = 1; col >= 0; col--) {
        assert_int_equal(buf_printf(&c, "BT /F1 11 Tf %d 700 Td 14 TL\n", col == 0 ? 72 : 330), 0);
        for (int i = 0; i < 8; i++)
            assert_int_equal(buf_printf(&c, "(%s column line %d) Tj T*\n", col == 0 ? "Left" : "Right", i),
                             0);
        assert_int_equal(buf_append_str(&c, "ET\n"), 0);
    }
    char *t = page_text_of(c.data);
    static const char *const order[] = {"A Title Across The Page", "Left column line 0",
                                        "Left column line 7",      "Right column line 0",
                                        "Right column line 7",     NULL};
    assert_order(t, order);
    free(t);
    buf_cleanup(&c);
}

/* ---- worksheets in Markdown ---- */

/* Bold question numbers lose their markers and the options stay lines. */
static void content_print_markdown_worksheet_numbers(void **state)
{
    (void)state;
    static const char md[] = "# Cell Quiz\n\n"
                             "**1.** Which organelle makes ATP?\n"
                             "A. Nucleus\nB. Mitochondrion\nC. Ribosome\n\n"
                             "**2.** Which organelle holds the DNA?\n"
                             "A. Nucleus\nB. Vacuole\n";
    doc_text d;
    em_error err = {0};
    assert_int_equal(doc_text_from_plain(md, sizeof md - 1, true, &d, &err), EM_OK);
    assert_non_null(strstr(d.pages[0].text, "1. Which organelle makes ATP?\nA. Nucleus\nB. Mitochondrion"));
    assert_null(strstr(d.pages[0].text, "**"));
    ws_list qs;
    assert_int_equal(worksheet_parse(d.pages, d.n_pages, &qs, &err), EM_OK);
    assert_int_equal(qs.n, 2);
    assert_string_equal(qs.items[0].stem, "Which organelle makes ATP?");
    assert_int_equal(qs.items[0].n_options, 3);
    assert_string_equal(qs.items[0].options[1], "Mitochondrion");
    assert_int_equal(qs.items[1].n_options, 2);
    ws_list_cleanup(&qs);
    doc_text_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_print_pdf_code_boxes_in_reading_order),
        cmocka_unit_test(content_print_pdf_no_running_header),
        cmocka_unit_test(content_print_pdf_two_pages),
        cmocka_unit_test(content_print_pdf_two_columns),
        cmocka_unit_test(content_print_markdown_reads_as_the_page),
        cmocka_unit_test(content_print_subheadings_are_topics),
        cmocka_unit_test(content_print_pdf_box_drawn_last),
        cmocka_unit_test(content_print_pdf_columns_drawn_right_first),
        cmocka_unit_test(content_print_markdown_worksheet_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
