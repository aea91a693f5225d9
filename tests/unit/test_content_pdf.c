/* test_content_pdf: PDF text extraction (pdf_extract) on the fixtures of
 * tests/fixtures, built in memory, and on the real documents of the shared
 * peers/data folder when it is there (those tests skip otherwise): the
 * folder named by EM_PEERS_DATA, else shared/peers/data beside the source
 * tree, else /work/shared/peers/data. The textbook test also prints the
 * extraction speed; it asserts nothing about it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "content/chunk.h"
#include "content/deadline.h"
#include "content/pdf.h"
#include "content/worksheet.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "fixtures.h"

/* ---- helpers ---- */

typedef struct blob {
    unsigned char *data;
    size_t len;
} blob;

static blob fixture(const char *name)
{
    blob b;
    em_error err = {0};
    if (fixture_build(name, &b.data, &b.len, &err) != EM_OK)
        fail_msg("fixture %s: %s", name, err.msg);
    return b;
}

/* A file's bytes, or data NULL when it cannot be read. */
static blob read_file(const char *path)
{
    blob b = {NULL, 0};
    FILE *f = path == NULL ? NULL : fopen(path, "rb");
    if (f == NULL)
        return b;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.data = em_malloc(n > 0 ? (size_t)n : 1);
    b.len = fread(b.data, 1, n > 0 ? (size_t)n : 0, f);
    fclose(f);
    return b;
}

/* The bytes of a file of the peers' data folder (see the top), or data
 * NULL when it is not there. */
static blob read_peer_file(const char *name)
{
    char path[4096];
    const char *dir = getenv("EM_PEERS_DATA");
    if (dir != NULL) {
        snprintf(path, sizeof path, "%s/%s", dir, name);
        return read_file(path);
    }
    /* __FILE__ is <root>/tests/unit/test_content_pdf.c; shared/ sits beside <root>. */
    const char *suffix = "tests/unit/test_content_pdf.c";
    size_t n = strlen(__FILE__), k = strlen(suffix);
    if (n > k && strcmp(__FILE__ + n - k, suffix) == 0) {
        snprintf(path, sizeof path, "%.*s../shared/peers/data/%s", (int)(n - k), __FILE__, name);
        blob b = read_file(path);
        if (b.data != NULL)
            return b;
    }
    snprintf(path, sizeof path, "/work/shared/peers/data/%s", name);
    return read_file(path);
}

static doc_text extract(const blob *b, int threads)
{
    doc_text d;
    em_error err = {0};
    pdf_options opt = {.threads = threads};
    int rc = pdf_extract(b->data, b->len, &opt, &d, &err);
    if (rc != EM_OK)
        fail_msg("pdf_extract = %d: %s", rc, err.msg);
    return d;
}

static int extract_error(const blob *b, const pdf_options *opt, em_error *err)
{
    doc_text d;
    int rc = pdf_extract(b->data, b->len, opt, &d, err);
    assert_null(d.pages);
    assert_null(d.headings);
    assert_null(d.title);
    assert_int_equal(d.n_pages, 0);
    doc_text_cleanup(&d);
    return rc;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* s[0..len) is valid UTF-8 without NULs, and s[len] is its NUL. */
static void assert_utf8(const char *s, size_t len)
{
    assert_null(memchr(s, '\0', len));
    assert_true(utf8_validate(s, len, NULL));
    assert_int_equal(s[len], '\0');
}

/* The pages (1-based, as a bit set) whose text contains word. */
static unsigned pages_with(const doc_text *d, const char *word)
{
    unsigned set = 0;
    for (size_t i = 0; i < d->n_pages; i++)
        if (strstr(d->pages[i].text, word) != NULL)
            set |= 1u << d->pages[i].number;
    return set;
}

static bool same_text(const doc_text *a, const doc_text *b)
{
    if (a->n_pages != b->n_pages || a->n_headings != b->n_headings || a->page_count != b->page_count)
        return false;
    for (size_t i = 0; i < a->n_pages; i++)
        if (a->pages[i].len != b->pages[i].len ||
            memcmp(a->pages[i].text, b->pages[i].text, a->pages[i].len) != 0)
            return false;
    for (size_t i = 0; i < a->n_headings; i++)
        if (a->headings[i].page != b->headings[i].page || a->headings[i].offset != b->headings[i].offset ||
            a->headings[i].level != b->headings[i].level ||
            strcmp(a->headings[i].title, b->headings[i].title) != 0)
            return false;
    return true;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- headings.pdf ---- */

static void content_pdf_headings_pages_and_order(void **state)
{
    (void)state;
    blob b = fixture("headings.pdf");
    doc_text d = extract(&b, 1);
    assert_int_equal(d.page_count, FIXTURE_HEADINGS_PAGES);
    assert_int_equal(d.n_pages, FIXTURE_HEADINGS_PAGES);
    assert_string_equal(d.title, FIXTURE_HEADINGS_TITLE);
    for (size_t i = 0; i < d.n_pages; i++) {
        assert_int_equal(d.pages[i].number, (int)i + 1);
        assert_utf8(d.pages[i].text, d.pages[i].len);
    }
    /* Blocks are separated by a blank line, lines of a block by one break. */
    assert_true(
        starts_with(d.pages[0].text, FIXTURE_HEADINGS_TITLE "\n\n1 Cell Structure\n\nEvery living organism"));
    /* Every block's first words appear on its page, in the order written. */
    const char *prev = NULL;
    int page = 0;
    for (size_t i = 0; i < fixture_headings_n_blocks; i++) {
        const fixture_block *fb = &fixture_headings_blocks[i];
        if (fb->page != page) {
            page = fb->page;
            prev = d.pages[page - 1].text;
        }
        char head[32];
        snprintf(head, sizeof head, "%.24s", fb->text);
        const char *at = strstr(d.pages[page - 1].text, head);
        if (at == NULL || at < prev)
            fail_msg("block \"%s\" missing or out of order on page %d", head, page);
        prev = at;
    }
    /* Distinct vocabulary lands on the right pages. */
    assert_int_equal(pages_with(&d, "chlorophyll"), 1u << 3);
    assert_int_equal(pages_with(&d, "phospholipid"), (1u << 1) | (1u << 2));
    doc_text_cleanup(&d);
    free(b.data);
}

static void content_pdf_headings_levels(void **state)
{
    (void)state;
    blob b = fixture("headings.pdf");
    doc_text d = extract(&b, 1);
    size_t k = 0;
    for (size_t i = 0; i < fixture_headings_n_blocks; i++) {
        const fixture_block *fb = &fixture_headings_blocks[i];
        if (fb->level == 0)
            continue;
        assert_true(k < d.n_headings);
        const chunk_heading *h = &d.headings[k++];
        assert_string_equal(h->title, fb->text);
        assert_int_equal(h->level, fb->level);
        assert_int_equal(h->page, fb->page);
        /* The offset is where the heading's line starts in its page. */
        const chunk_page *pg = &d.pages[h->page - 1];
        assert_true(h->offset < pg->len);
        assert_true(h->offset == 0 || pg->text[h->offset - 1] == '\n');
        assert_true(starts_with(pg->text + h->offset, fb->text));
    }
    assert_int_equal(d.n_headings, k);
    doc_text_cleanup(&d);
    free(b.data);
}

static void content_pdf_footer_is_furniture(void **state)
{
    (void)state;
    blob b = fixture("headings.pdf");
    doc_text d = extract(&b, 1);
    assert_int_equal(pages_with(&d, "Biology Revision"), 0);
    for (size_t i = 0; i < d.n_headings; i++)
        assert_null(strstr(d.headings[i].title, "Biology Revision"));
    doc_text_cleanup(&d);
    free(b.data);
}

static const text_chunk *chunk_with(const chunk_list *l, const char *word)
{
    for (size_t i = 0; i < l->n; i++)
        if (strstr(l->items[i].text, word) != NULL)
            return &l->items[i];
    return NULL;
}

static void content_pdf_chunks_keep_pages(void **state)
{
    (void)state;
    blob b = fixture("headings.pdf");
    doc_text d = extract(&b, 2);
    chunk_list l;
    em_error err = {0};
    chunk_limits limits = {.target_words = 40, .max_words = 80};
    assert_int_equal(chunk_document(d.pages, d.n_pages, d.headings, d.n_headings, limits, &l, &err), EM_OK);
    assert_true(l.n >= d.n_headings);
    int prev_end = 1;
    for (size_t i = 0; i < l.n; i++) {
        assert_true(l.items[i].page_start <= l.items[i].page_end);
        assert_true(l.items[i].page_start >= prev_end);
        prev_end = l.items[i].page_end;
        assert_null(strstr(l.items[i].text, "Biology Revision"));
    }
    const text_chunk *c = chunk_with(&l, "chlorophyll");
    assert_non_null(c);
    assert_int_equal(c->page_start, 3);
    assert_int_equal(c->page_end, 3);
    assert_string_equal(c->section, "2.1 Photosynthesis");
    c = chunk_with(&l, "phospholipid bilayer");
    assert_non_null(c);
    assert_int_equal(c->page_start, 1);
    assert_string_equal(c->section, "1.1 The Membrane");
    c = chunk_with(&l, "lactic acid");
    assert_non_null(c);
    assert_int_equal(c->page_start, 4);
    assert_string_equal(c->section, "2.2 Cellular Respiration");
    chunk_list_cleanup(&l);
    doc_text_cleanup(&d);
    free(b.data);
}

/* ---- worksheet.pdf ---- */

static void content_pdf_worksheet_questions(void **state)
{
    (void)state;
    blob b = fixture("worksheet.pdf");
    doc_text d = extract(&b, 0);
    assert_int_equal(d.page_count, FIXTURE_WORKSHEET_PAGES);
    assert_string_equal(d.title, FIXTURE_WORKSHEET_META_TITLE);
    assert_true(d.n_headings >= 2);
    assert_string_equal(d.headings[0].title, FIXTURE_WORKSHEET_HEADING);
    assert_int_equal(d.headings[d.n_headings - 1].page, 3);
    assert_string_equal(d.headings[d.n_headings - 1].title, "Answer Key");
    ws_list l;
    em_error err = {0};
    assert_int_equal(worksheet_parse(d.pages, d.n_pages, &l, &err), EM_OK);
    assert_int_equal(l.n, FIXTURE_WORKSHEET_QUESTIONS);
    for (size_t i = 0; i < l.n; i++) {
        const fixture_question *fq = &fixture_worksheet_questions[i];
        const ws_question *q = &l.items[i];
        assert_int_equal(q->number, (int)i + 1);
        assert_int_equal(q->page, fq->page);
        assert_string_equal(q->stem, fq->stem);
        assert_int_equal(q->n_options, 4);
        for (int o = 0; o < 4; o++)
            assert_string_equal(q->options[o], fq->options[o]);
        char answer[2] = {fq->answer, '\0'};
        assert_string_equal(q->answer, answer);
    }
    ws_list_cleanup(&l);
    doc_text_cleanup(&d);
    free(b.data);
}

/* Every page starts with "Question N" and ends its options with the same
 * "A. True" / "B. False" at the same height: none of it is furniture, only
 * the "Page N of 4" footer is. */
static void content_pdf_repeated_content_kept(void **state)
{
    (void)state;
    blob b = fixture("quiz.pdf");
    doc_text d = extract(&b, 2);
    assert_int_equal(pages_with(&d, "Page "), 0);
    ws_list l;
    em_error err = {0};
    assert_int_equal(worksheet_parse(d.pages, d.n_pages, &l, &err), EM_OK);
    assert_int_equal(l.n, FIXTURE_QUIZ_QUESTIONS);
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(l.items[i].number, (int)i + 1);
        assert_int_equal(l.items[i].page, (int)i + 1);
        assert_string_equal(l.items[i].stem, fixture_quiz_stems[i]);
        assert_int_equal(l.items[i].n_options, 2);
        assert_string_equal(l.items[i].options[0], "True");
        assert_string_equal(l.items[i].options[1], "False");
    }
    ws_list_cleanup(&l);
    doc_text_cleanup(&d);
    free(b.data);
}

/* ---- running titles and contents, PDFs written here ---- */

/* A PDF of n pages of 612 x 792 points drawing contents[i] on page i + 1,
 * with Helvetica as /F1 and Helvetica-Bold as /F2. */
static blob pages_pdf(char *const *contents, int n)
{
    buf b;
    buf_init(&b, 1 << 22);
    int n_objs = 4 + 2 * n;
    size_t *off = em_malloc(((size_t)n_objs + 1) * sizeof *off);
    assert_int_equal(buf_printf(&b, "%%PDF-1.4\n"), 0);
    off[0] = b.len;
    assert_int_equal(buf_printf(&b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"), 0);
    off[1] = b.len;
    assert_int_equal(buf_printf(&b, "2 0 obj\n<< /Type /Pages /Count %d /Kids [", n), 0);
    for (int i = 0; i < n; i++)
        assert_int_equal(buf_printf(&b, " %d 0 R", 5 + 2 * i), 0);
    assert_int_equal(buf_printf(&b, " ] >>\nendobj\n"), 0);
    off[2] = b.len;
    assert_int_equal(
        buf_printf(&b, "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n"), 0);
    off[3] = b.len;
    assert_int_equal(
        buf_printf(&b, "4 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>\nendobj\n"), 0);
    for (int i = 0; i < n; i++) {
        off[4 + 2 * i] = b.len;
        assert_int_equal(
            buf_printf(&b,
                       "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       "/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>\nendobj\n",
                       5 + 2 * i, 6 + 2 * i),
            0);
        off[5 + 2 * i] = b.len;
        assert_int_equal(buf_printf(&b, "%d 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n",
                                    6 + 2 * i, strlen(contents[i]) + 1, contents[i]),
                         0);
    }
    size_t xref = b.len;
    assert_int_equal(buf_printf(&b, "xref\n0 %d\n0000000000 65535 f \n", n_objs + 1), 0);
    for (int i = 0; i < n_objs; i++)
        assert_int_equal(buf_printf(&b, "%010zu 00000 n \n", off[i]), 0);
    assert_int_equal(
        buf_printf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", n_objs + 1, xref),
        0);
    free(off);
    blob out = {NULL, b.len};
    out.data = (unsigned char *)buf_steal(&b);
    return out;
}

/* A page of a manual: its running header (NULL: none) and page number at
 * the top, a heading (NULL: none) set large and bold, thirty lines of body
 * text. */
static char *manual_page(int page, const char *header, const char *heading)
{
    buf b;
    buf_init(&b, 1 << 16);
    if (header != NULL)
        assert_int_equal(buf_printf(&b, "BT /F1 11 Tf 72 750 Td (%s) Tj ET\n", header), 0);
    assert_int_equal(buf_printf(&b, "BT /F1 11 Tf 530 750 Td (%d) Tj ET\n", page), 0);
    int y = 640;
    if (heading != NULL)
        assert_int_equal(buf_printf(&b, "BT /F2 18 Tf 72 660 Td (%s) Tj ET\n", heading), 0);
    assert_int_equal(buf_printf(&b, "BT /F1 11 Tf 72 %d Td 14 TL\n", heading != NULL ? y - 20 : y), 0);
    for (int i = 0; i < 30; i++)
        assert_int_equal(
            buf_printf(&b, "(Line %d of page %d says what the manual teaches here.) Tj T*\n", i, page), 0);
    assert_int_equal(buf_printf(&b, "ET\n"), 0);
    return buf_steal(&b);
}

/* A Texinfo manual's running header names the current chapter on every
 * page after the chapter's first: "Chapter 2: Structures" on two pages,
 * "Chapter 3: Utilities" on the next two. Each repeats on two pages only,
 * but together they hold the same place on most pages: they are furniture,
 * and the chapters' headings stay. */
static void content_pdf_running_chapter_titles(void **state)
{
    (void)state;
    static const struct {
        const char *header, *heading;
    } layout[] = {
        {NULL, "1 Introduction"},        {NULL, "2 Structures"}, {"Chapter 2: Structures", NULL},
        {"Chapter 2: Structures", NULL}, {NULL, "3 Utilities"},  {"Chapter 3: Utilities", NULL},
        {"Chapter 3: Utilities", NULL},  {NULL, "4 Reference"},  {"Chapter 4: Reference", NULL},
        {"Chapter 4: Reference", NULL},
    };
    enum { N = sizeof layout / sizeof layout[0] };
    char *contents[N];
    for (int i = 0; i < N; i++)
        contents[i] = manual_page(i + 1, layout[i].header, layout[i].heading);
    blob b = pages_pdf(contents, N);
    doc_text d = extract(&b, 2);
    assert_int_equal(d.page_count, N);
    assert_int_equal(pages_with(&d, "Chapter 2:"), 0);
    assert_int_equal(pages_with(&d, "Chapter 3:"), 0);
    assert_int_equal(pages_with(&d, "Chapter 4:"), 0);
    const char *want[] = {"1 Introduction", "2 Structures", "3 Utilities", "4 Reference"};
    assert_int_equal(d.n_headings, 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(d.headings[i].title, want[i]);
    assert_non_null(strstr(d.pages[3].text, "Line 0 of page 4 says"));
    doc_text_cleanup(&d);
    free(b.data);

    /* A chapter of one page more keeps its lone header: one page is no
     * repeat. */
    free(contents[9]);
    contents[9] = manual_page(10, "Chapter 5: Limits", NULL);
    b = pages_pdf(contents, N);
    d = extract(&b, 1);
    assert_int_equal(pages_with(&d, "Chapter 2:") | pages_with(&d, "Chapter 3:"), 0);
    assert_int_equal(pages_with(&d, "Chapter 5: Limits"), 1u << 10);
    doc_text_cleanup(&d);
    free(b.data);
    for (int i = 0; i < N; i++)
        free(contents[i]);
}

/* The running header is the chapter's title, and the chapter's first page
 * sets the same title as its heading in the same place, larger and bold:
 * that first one is the heading, not a repeat of the header. */
static void content_pdf_chapter_title_under_running_header(void **state)
{
    (void)state;
    enum { N = 6 };
    char *contents[N];
    contents[0] = manual_page(1, NULL, "Introduction");
    /* baseline 745 at 16 points: the same top as the header's at 750 at 11 */
    char *body = manual_page(2, NULL, NULL);
    buf b2;
    buf_init(&b2, 1 << 16);
    assert_int_equal(buf_printf(&b2, "BT /F2 16 Tf 72 745 Td (Reference) Tj ET\n%s", body), 0);
    free(body);
    contents[1] = buf_steal(&b2);
    for (int i = 2; i < N; i++)
        contents[i] = manual_page(i + 1, "Reference", NULL);
    blob b = pages_pdf(contents, N);
    doc_text d = extract(&b, 1);
    assert_int_equal(pages_with(&d, "Reference"), 1u << 2);
    assert_int_equal(d.n_headings, 2);
    assert_string_equal(d.headings[1].title, "Reference");
    assert_int_equal(d.headings[1].page, 2);
    doc_text_cleanup(&d);
    free(b.data);
    for (int i = 0; i < N; i++)
        free(contents[i]);
}

/* A table of contents whose chapter entries are set bold, like numbered
 * headings: an entry with its dot leader and page number is no heading.
 * (A leader of spaced dots, ". . . .", is too many words for one.) */
static void content_pdf_contents_entries_no_headings(void **state)
{
    (void)state;
    char *contents[2];
    contents[0] =
        em_strdup("BT /F2 18 Tf 72 700 Td (Table of Contents) Tj ET\n"
                  "BT /F2 11 Tf 72 660 Td (1 Introduction ................................ 2) Tj ET\n"
                  "BT /F1 11 Tf 90 640 Td (1.1 Scope ..................................... 2) Tj ET\n"
                  "BT /F2 11 Tf 72 610 Td (2 Methods ...................................... 2) Tj ET\n");
    contents[1] = manual_page(2, NULL, "1 Introduction");
    blob b = pages_pdf(contents, 2);
    doc_text d = extract(&b, 1);
    assert_non_null(strstr(d.pages[0].text, "2 Methods ......"));
    assert_int_equal(d.n_headings, 2);
    assert_string_equal(d.headings[0].title, "Table of Contents");
    assert_string_equal(d.headings[1].title, "1 Introduction");
    assert_int_equal(d.headings[1].page, 2);
    doc_text_cleanup(&d);
    free(b.data);
    free(contents[0]);
    free(contents[1]);
}

/* DocBook (dblatex) sets a section's number and its title on one baseline
 * with a wide gap, and MuPDF reads them as two lines of one block: "1.1.3"
 * then "The root account" (Debian Reference, debian-reference-en). The
 * number is part of the heading, not a line that spoils it; a number
 * alone on its line above a title is not beside it and stays text. */
static void content_pdf_number_beside_title(void **state)
{
    (void)state;
    char *contents[1];
    contents[0] = em_strdup("BT /F2 14 Tf 72 700 Td (1.1.3) Tj 60 0 Td (The root account) Tj ET\n"
                            "BT /F1 11 Tf 72 670 Td (The root account is also called superuser.) Tj ET\n"
                            "BT /F2 14 Tf 72 620 Td (A.2) Tj 60 0 Td (Copyright history) Tj ET\n"
                            "BT /F1 11 Tf 72 590 Td (The history of the copyright of this book.) Tj ET\n"
                            "BT /F2 14 Tf 72 540 Td (2.4) Tj 0 -20 Td (Under the number) Tj ET\n"
                            "BT /F1 11 Tf 72 490 Td (Text under a number set above its title.) Tj ET\n");
    blob b = pages_pdf(contents, 1);
    doc_text d = extract(&b, 1);
    assert_int_equal(d.n_headings, 2);
    assert_string_equal(d.headings[0].title, "1.1.3 The root account");
    assert_string_equal(d.headings[1].title, "A.2 Copyright history");
    assert_true(d.headings[0].level > d.headings[1].level);
    assert_non_null(strstr(d.pages[0].text, "also called superuser"));
    doc_text_cleanup(&d);
    free(b.data);
    free(contents[0]);

    /* The same book's tables set their header row bold in one block, cell
     * beside cell ("key" | "key binding"), and some list items bold with
     * their bullet: neither is a heading, and the passages after them stay
     * under their section. */
    contents[0] = em_strdup("BT /F2 14 Tf 72 700 Td (1.3.3) Tj 60 0 Td (File manager in MC) Tj ET\n"
                            "BT /F1 11 Tf 72 670 Td (Following are some key bindings.) Tj ET\n"
                            "BT /F2 11 Tf 80 630 Td (key) Tj 150 0 Td (key binding) Tj ET\n"
                            "BT /F1 11 Tf 80 615 Td (F1) Tj 150 0 Td (help menu) Tj ET\n"
                            "BT /F1 11 Tf 72 560 Td (The file types are these.) Tj ET\n"
                            "BT /F2 11 Tf 72 530 Td (\267 Character device) Tj ET\n"
                            "BT /F1 11 Tf 72 500 Td (A device read a character at a time.) Tj ET\n");
    b = pages_pdf(contents, 1);
    d = extract(&b, 1);
    assert_int_equal(d.n_headings, 1);
    assert_string_equal(d.headings[0].title, "1.3.3 File manager in MC");
    assert_non_null(strstr(d.pages[0].text, "Character device"));
    doc_text_cleanup(&d);
    free(b.data);
    free(contents[0]);

    /* Its wider tables set each header cell apart, a long one wrapped over
     * two lines ("apt-get" | "syn-" "tax" | "description"): the last cell
     * is a bold line alone in its block, yet it shares its row with the
     * cell before it, so it is no heading either. */
    contents[0] = em_strdup("BT /F2 14 Tf 72 700 Td (2.2.2) Tj 60 0 Td (Basic package operations) Tj ET\n"
                            "BT /F1 11 Tf 72 670 Td (Here are the basic operations.) Tj ET\n"
                            "BT /F2 11 Tf 80 630 Td (apt) Tj ET\n"
                            "BT /F2 11 Tf 200 642 Td (apt-get) Tj 0 -12 Td (syn-) Tj 0 -12 Td (tax) Tj ET\n"
                            "BT /F2 11 Tf 330 630 Td (description) Tj ET\n"
                            "BT /F1 11 Tf 80 600 Td (apt update) Tj 120 0 Td (apt-get update) Tj 130 0 Td "
                            "(update package archive metadata) Tj ET\n");
    b = pages_pdf(contents, 1);
    d = extract(&b, 1);
    assert_int_equal(d.n_headings, 1);
    assert_string_equal(d.headings[0].title, "2.2.2 Basic package operations");
    assert_non_null(strstr(d.pages[0].text, "description"));
    doc_text_cleanup(&d);
    free(b.data);
    free(contents[0]);
}

/* PassiveTeX (bzip2's manual) ends a justified line with its last words
 * set apart ("... existing output files. Also forces"), which MuPDF makes
 * a block of their own, and the sentence goes on in a new block on the
 * next line ("bzip2 to break hard links ..."): a blank line between them
 * cut the sentence in two ("Also forces" was quoted alone). A block whose
 * last line reaches the right margin without ending a sentence, with the
 * next block's first line right under it, goes on in that block. A
 * paragraph that ends at the margin with a full stop and a block after a
 * gap stay apart. */
static void content_pdf_sentence_across_blocks(void **state)
{
    (void)state;
    char *contents[1];
    contents[0] =
        em_strdup("BT /F1 10 Tf 72 700 Td (Normally the program will not overwrite any of the existing "
                  "output files that it) Tj ET\n"
                  "BT /F1 10 Tf 72 688 Td (finds, and it keeps them in place unless told to.) Tj ET\n"
                  "BT /F1 10 Tf 480 688 Td (Also forces) Tj ET\n"
                  "BT /F1 10 Tf 72 676 Td (the program to break hard links to files, which it otherwise "
                  "would not do.) Tj ET\n"
                  "BT /F1 10 Tf 72 640 Td (The program declines to decompress files which do not have the "
                  "right bytes.) Tj ET\n"
                  "BT /F1 10 Tf 480 640 Td (It says so.) Tj ET\n"
                  "BT /F1 10 Tf 72 628 Td (Another paragraph starts right under the full stop of the one "
                  "before it.) Tj ET\n"
                  "BT /F1 10 Tf 72 592 Td (A last paragraph ends its final line at the margin without any "
                  "stop and) Tj ET\n"
                  "BT /F1 10 Tf 480 592 Td (Then a gap) Tj ET\n"
                  "BT /F1 10 Tf 72 560 Td (the block after the gap is a paragraph of its own.) Tj ET\n");
    blob b = pages_pdf(contents, 1);
    doc_text d = extract(&b, 1);
    const char *t = d.pages[0].text;
    assert_non_null(strstr(t, "Also forces\nthe program to break"));
    assert_non_null(strstr(t, "says so.\n\nAnother paragraph"));
    assert_non_null(strstr(t, "Then a gap\n\nthe block after"));
    doc_text_cleanup(&d);
    free(b.data);
    free(contents[0]);
}

/* TeX with its default (OT1) fonts, and Texinfo, draw an accent as a glyph
 * of its own over its letter: nettle's manual read "r^ole" and "Micha¨el",
 * and no search for "rôle" found it. An accent drawn over a letter makes
 * one accented letter (a dotless i under it is an i); an accent beside a
 * letter ("x^d" in code) stays as it is. Helvetica's standard encoding:
 * \303 circumflex, \310 dieresis, \365 dotless i; TJ moves back by the
 * accent's width so the letter is drawn under it. */
static void content_pdf_accents_over_letters(void **state)
{
    (void)state;
    char *contents[1];
    contents[0] = em_strdup("BT /F1 11 Tf 72 700 Td [(It plays the r\303) 333 (ole of a na\310) 333 "
                            "(\365ve Micha\310) 333 (el key.) ] TJ ET\n"
                            "BT /F1 11 Tf 72 670 Td (The value x^d mod n is computed.) Tj ET\n");
    blob b = pages_pdf(contents, 1);
    doc_text d = extract(&b, 1);
    const char *t = d.pages[0].text;
    assert_non_null(strstr(t, "r\xc3\xb4le of a na\xc3\xafve Micha\xc3\xabl key."));
    assert_non_null(strstr(t, "x^d mod n"));
    doc_text_cleanup(&d);
    free(b.data);
    free(contents[0]);
}

/* A heading wrapped after a hyphen: valgrind's manual sets "Cachegrind: a
 * cache and branch-" over "prediction profiler", and the topic read
 * "branch- prediction". Headings are not hyphenated by the typesetter, so
 * the hyphen stays and the lines join without a space. */
static void content_pdf_heading_wrapped_at_hyphen(void **state)
{
    (void)state;
    char *contents[1];
    contents[0] =
        em_strdup("BT /F2 16 Tf 72 700 Td (Cachegrind: a cache and branch-) Tj 0 -18 Td "
                  "(prediction profiler) Tj ET\n"
                  "BT /F1 11 Tf 72 640 Td (Cachegrind simulates how your program uses the cache.) Tj ET\n"
                  "BT /F2 16 Tf 72 600 Td (Callgrind: a call-graph profiler) Tj ET\n"
                  "BT /F1 11 Tf 72 570 Td (Callgrind records the call history of a program.) Tj ET\n");
    blob b = pages_pdf(contents, 1);
    doc_text d = extract(&b, 1);
    assert_int_equal(d.n_headings, 2);
    assert_string_equal(d.headings[0].title, "Cachegrind: a cache and branch-prediction profiler");
    doc_text_cleanup(&d);
    free(b.data);
    free(contents[0]);
}

/* ---- limits and errors ---- */

static void content_pdf_max_pages(void **state)
{
    (void)state;
    blob b = fixture("headings.pdf");
    em_error err = {0};
    pdf_options opt = {.max_pages = FIXTURE_HEADINGS_PAGES - 1};
    assert_int_equal(extract_error(&b, &opt, &err), EM_E_TOO_LARGE);
    assert_int_equal(err.code, EM_E_TOO_LARGE);
    assert_string_equal(err.msg, "the PDF has 4 pages; the limit is 3");
    doc_text d;
    opt.max_pages = FIXTURE_HEADINGS_PAGES;
    assert_int_equal(pdf_extract(b.data, b.len, &opt, &d, &err), EM_OK);
    doc_text_cleanup(&d);
    free(b.data);
}

static void content_pdf_timeout(void **state)
{
    (void)state;
    blob b = fixture("long.pdf");
    em_error err = {0};
    pdf_options opt = {.timeout_ms = 1, .threads = 2};
    assert_int_equal(extract_error(&b, &opt, &err), EM_E_TIMEOUT);
    assert_string_equal(err.msg, "extraction took longer than 0.001 s");
    opt.threads = 1;
    assert_int_equal(extract_error(&b, &opt, &err), EM_E_TIMEOUT);
    /* With time enough, the same document goes through. */
    doc_text d;
    opt.timeout_ms = 60000;
    assert_int_equal(pdf_extract(b.data, b.len, &opt, &d, &err), EM_OK);
    assert_int_equal(d.page_count, FIXTURE_LONG_PAGES);
    assert_int_equal(d.n_headings, FIXTURE_LONG_PAGES);
    assert_int_equal(pages_with(&d, "Biology Revision"), 0);
    doc_text_cleanup(&d);
    free(b.data);
    b = read_peer_file("textbook_reportlab.pdf");
    if (b.data == NULL)
        return;
    opt.timeout_ms = 1;
    assert_int_equal(extract_error(&b, &opt, &err), EM_E_TIMEOUT);
    free(b.data);
}

static void content_pdf_encrypted(void **state)
{
    (void)state;
    blob b = fixture("encrypted.pdf");
    em_error err = {0};
    assert_int_equal(extract_error(&b, NULL, &err), EM_E_UNSUPPORTED);
    assert_string_equal(err.msg, "the PDF is encrypted (password protected)");
    free(b.data);
}

/* The rule of pdf.h: the document is what MuPDF recovers. Cut in the middle
 * of an object (truncated.pdf), MuPDF 1.21 cannot rebuild it at all; cut
 * after a whole object, it rebuilds the page tree and the pages whose
 * content survived. */
static void content_pdf_truncated(void **state)
{
    (void)state;
    blob b = fixture("truncated.pdf");
    em_error err = {0};
    assert_int_equal(extract_error(&b, NULL, &err), EM_E_PARSE);
    assert_true(starts_with(err.msg, "the PDF cannot be read: "));
    free(b.data);

    blob full = fixture("headings.pdf");
    size_t cut = 0;
    for (size_t i = 0; i + 6 <= full.len / 2; i++)
        if (memcmp(full.data + i, "endobj", 6) == 0)
            cut = i + 6;
    assert_true(cut > 0);
    blob part = {full.data, cut};
    doc_text d = extract(&part, 2);
    assert_int_equal(d.page_count, FIXTURE_HEADINGS_PAGES);
    assert_non_null(strstr(d.pages[0].text, FIXTURE_HEADINGS_TITLE));
    assert_non_null(strstr(d.pages[0].text, "phospholipid"));
    assert_int_equal(d.pages[FIXTURE_HEADINGS_PAGES - 1].len, 0);
    doc_text_cleanup(&d);
    free(full.data);
}

static void content_pdf_not_a_pdf(void **state)
{
    (void)state;
    blob b = fixture("image.pdf");
    em_error err = {0};
    assert_int_equal(extract_error(&b, NULL, &err), EM_E_PARSE);
    assert_true(starts_with(err.msg, "the PDF cannot be read: "));
    free(b.data);
    blob junk = {(unsigned char *)"hello, world", 12};
    assert_int_equal(extract_error(&junk, NULL, &err), EM_E_PARSE);
    blob empty = {(unsigned char *)"", 0};
    assert_int_equal(extract_error(&empty, NULL, &err), EM_E_PARSE);
}

static void content_pdf_no_text(void **state)
{
    (void)state;
    blob b = fixture("empty.pdf");
    em_error err = {0};
    assert_int_equal(extract_error(&b, NULL, &err), EM_E_UNSUPPORTED);
    assert_string_equal(err.msg, "the PDF has no extractable text (scanned pages?)");
    free(b.data);
}

static void content_pdf_bad_arguments(void **state)
{
    (void)state;
    blob b = fixture("headings.pdf");
    em_error err = {0};
    pdf_options opt = {.threads = -1};
    assert_int_equal(extract_error(&b, &opt, &err), EM_E_INVAL);
    opt = (pdf_options){.max_pages = -1};
    assert_int_equal(extract_error(&b, &opt, &err), EM_E_INVAL);
    blob none = {NULL, 10};
    assert_int_equal(extract_error(&none, NULL, &err), EM_E_INVAL);
    free(b.data);
}

/* ---- characters ---- */

static void content_pdf_nonbmp_fixture(void **state)
{
    (void)state;
    blob b = fixture("nonbmp.pdf");
    doc_text d = extract(&b, 1);
    assert_int_equal(d.n_pages, 1);
    assert_string_equal(d.pages[0].text, FIXTURE_NONBMP_TEXT);
    doc_text_cleanup(&d);
    free(b.data);
}

static void content_pdf_nonbmp_peer_file(void **state)
{
    (void)state;
    blob b = read_peer_file("pypdf_fails_nonbmp_tounicode.pdf");
    if (b.data == NULL)
        skip();
    doc_text d = extract(&b, 0);
    bool four_byte = false;
    for (size_t i = 0; i < d.n_pages; i++) {
        assert_utf8(d.pages[i].text, d.pages[i].len);
        for (size_t j = 0; j < d.pages[i].len; j++)
            four_byte |= ((unsigned char)d.pages[i].text[j] & 0xf8) == 0xf0;
    }
    assert_true(four_byte);
    assert_non_null(strstr(d.pages[0].text, "well done \xF0\x9F\x98\x80"));
    assert_null(d.title); /* its metadata title is ReportLab's "untitled" */
    doc_text_cleanup(&d);
    free(b.data);
}

/* ---- threads ---- */

typedef struct progress_log {
    pthread_mutex_t mu;
    int calls;
    int max_done;
    int total;
} progress_log;

static void on_progress(void *ctx, int done, int total)
{
    progress_log *p = ctx;
    pthread_mutex_lock(&p->mu);
    p->calls++;
    if (done > p->max_done)
        p->max_done = done;
    p->total = total;
    pthread_mutex_unlock(&p->mu);
}

static void check_parallel(const blob *b)
{
    doc_text one = extract(b, 1);
    progress_log log = {.calls = 0};
    pthread_mutex_init(&log.mu, NULL);
    pdf_options opt = {.threads = 4, .progress = on_progress, .progress_ctx = &log};
    doc_text four;
    em_error err = {0};
    assert_int_equal(pdf_extract(b->data, b->len, &opt, &four, &err), EM_OK);
    assert_true(same_text(&one, &four));
    assert_int_equal(log.calls, one.page_count);
    assert_int_equal(log.max_done, one.page_count);
    assert_int_equal(log.total, one.page_count);
    pthread_mutex_destroy(&log.mu);
    doc_text_cleanup(&one);
    doc_text_cleanup(&four);
}

/* The tick runs on the calling thread while the pages are extracted, with a
 * count that only grows and never passes the total. */
typedef struct tick_log {
    pthread_t caller;
    int calls, last, total;
    bool wrong_thread, went_back;
} tick_log;

static void on_tick(void *ctx, int done, int total)
{
    tick_log *t = ctx;
    t->calls++;
    t->wrong_thread = t->wrong_thread || !pthread_equal(pthread_self(), t->caller);
    t->went_back = t->went_back || done < t->last || done > total;
    t->last = done;
    t->total = total;
    struct timespec pause = {0, 2 * 1000 * 1000}; /* a slow callee does not stop the workers */
    nanosleep(&pause, NULL);
}

static void content_pdf_tick_on_calling_thread(void **state)
{
    (void)state;
    blob b = fixture("long.pdf");
    tick_log t = {.caller = pthread_self()};
    pdf_options opt = {.threads = 2, .tick = on_tick, .tick_ctx = &t, .tick_ms = 1};
    doc_text d;
    em_error err = {0};
    assert_int_equal(pdf_extract(b.data, b.len, &opt, &d, &err), EM_OK);
    assert_int_equal(d.page_count, FIXTURE_LONG_PAGES);
    assert_true(t.calls >= 1);
    assert_false(t.wrong_thread);
    assert_false(t.went_back);
    assert_int_equal(t.total, FIXTURE_LONG_PAGES);
    doc_text_cleanup(&d);
    free(b.data);
}

static void content_pdf_parallel_identical(void **state)
{
    (void)state;
    static const char *const names[] = {"headings.pdf", "worksheet.pdf", "nonbmp.pdf", "long.pdf"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        blob b = fixture(names[i]);
        check_parallel(&b);
        free(b.data);
    }
    static const char *const files[] = {"textbook_reportlab.pdf", "textbook_groff.pdf"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        blob b = read_peer_file(files[i]);
        if (b.data == NULL)
            continue;
        check_parallel(&b);
        free(b.data);
    }
}

/* ---- hostile files: memory and time ---- */

/* The budget the memory tests give, and what the process may grow by beyond
 * it: the stacks of the page threads, malloc's arenas and what it keeps of
 * freed blocks, and the text copied out. */
#define TEST_BUDGET ((size_t)32 << 20)
#define TEST_RSS_MARGIN_KB (48L << 10)

static const char *const memory_bombs[] = {"bomb_gstate.pdf", "bomb_string.pdf", "bomb_glyphs.pdf",
                                           "bomb_image.pdf"};

/* A hostile PDF fails on its budget with the reason, in one thread or two,
 * and leaves nothing allocated (ASan would say). */
static void content_pdf_memory_budget(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof memory_bombs / sizeof memory_bombs[0]; i++) {
        blob b = fixture(memory_bombs[i]);
        assert_true(b.len < 32 * 1024);
        for (int threads = 1; threads <= 2; threads++) {
            em_error err = {0};
            pdf_options opt = {.threads = threads, .max_memory_bytes = TEST_BUDGET};
            int rc = extract_error(&b, &opt, &err);
            if (rc != EM_E_TOO_LARGE || err.reason == NULL || strcmp(err.reason, PDF_REASON_MEMORY) != 0)
                fail_msg("%s, %d thread(s): %d %s", memory_bombs[i], threads, rc, err.msg);
            assert_string_equal(err.msg, "the PDF needs more than 32 MB of memory to extract");
        }
        free(b.data);
    }
    /* The budget is a budget, not a size: a real document goes through in
     * the same 32 MB. */
    blob b = fixture("long.pdf");
    doc_text d;
    em_error err = {0};
    pdf_options opt = {.threads = 2, .max_memory_bytes = TEST_BUDGET};
    assert_int_equal(pdf_extract(b.data, b.len, &opt, &d, &err), EM_OK);
    assert_int_equal(d.page_count, FIXTURE_LONG_PAGES);
    doc_text_cleanup(&d);
    free(b.data);
}

static void extract_bomb(void *arg)
{
    const blob *b = arg;
    doc_text d;
    em_error err = {0};
    pdf_options opt = {.threads = 2, .max_memory_bytes = TEST_BUDGET};
    if (pdf_extract(b->data, b->len, &opt, &d, &err) == EM_OK)
        doc_text_cleanup(&d);
}

/* While it fails, the process grows by no more than the budget and a margin
 * (each bomb asks MuPDF for gigabytes: 600 MB to 1 GB resident before the
 * budget). Measured in a child process; not under ASan. */
static void content_pdf_memory_budget_resident(void **state)
{
    (void)state;
    if (fixture_sanitized())
        skip();
    for (size_t i = 0; i < sizeof memory_bombs / sizeof memory_bombs[0]; i++) {
        blob b = fixture(memory_bombs[i]);
        long growth_kb = 0;
        em_error err = {0};
        if (fixture_rss_growth_kb(extract_bomb, &b, &growth_kb, &err) != EM_OK)
            fail_msg("%s: %s", memory_bombs[i], err.msg);
        print_message("%s: resident memory grew by %ld KiB (budget %zu KiB)\n", memory_bombs[i], growth_kb,
                      TEST_BUDGET >> 10);
        if (growth_kb > (long)(TEST_BUDGET >> 10) + TEST_RSS_MARGIN_KB)
            fail_msg("%s: grew by %ld KiB", memory_bombs[i], growth_kb);
        free(b.data);
    }
}

/* 16 GiB of white space in compressed content streams gives MuPDF's lexer
 * minutes of work with no operator to check the cookie at; the deadline
 * still ends it, through the file's reader. */
static void content_pdf_deadline_inside_mupdf(void **state)
{
    (void)state;
    blob b = fixture("bomb_blank.pdf");
    for (int threads = 1; threads <= 2; threads++) {
        em_error err = {0};
        pdf_options opt = {.threads = threads, .timeout_ms = 1000};
        double t0 = now_s();
        assert_int_equal(extract_error(&b, &opt, &err), EM_E_TIMEOUT);
        double t = now_s() - t0;
        assert_string_equal(err.msg, "extraction took longer than 1 s");
        if (t > 10)
            fail_msg("the 1 s limit took %.1f s", t);
    }
    free(b.data);
}

/* The caller's deadline (deadline_us) is the one kept, with
 * deadline_error's words and reason. */
static void content_pdf_caller_deadline(void **state)
{
    (void)state;
    blob b = fixture("headings.pdf");
    em_error err = {0};
    pdf_options opt = {.deadline_us = clock_mono_us() - 1, .timeout_ms = 60000};
    assert_int_equal(extract_error(&b, &opt, &err), EM_E_TIMEOUT);
    assert_string_equal(err.reason, DEADLINE_REASON);
    opt.deadline_us = clock_mono_us() + 60 * 1000000LL;
    doc_text d;
    assert_int_equal(pdf_extract(b.data, b.len, &opt, &d, &err), EM_OK);
    doc_text_cleanup(&d);
    free(b.data);
}

/* 30,000 pages in one flat page tree, each line in a font size of its own:
 * MuPDF walked the tree from its root for every page, and the layout pass
 * compared every size and heading level with every other (19 s for 20,000
 * pages before). A generous bound: it takes about a second. */
static void content_pdf_many_pages_and_sizes(void **state)
{
    (void)state;
    blob b = fixture("many_pages.pdf");
    doc_text d;
    em_error err = {0};
    pdf_options opt = {.threads = 2, .max_pages = FIXTURE_MANY_PAGES};
    double t0 = now_s();
    int rc = pdf_extract(b.data, b.len, &opt, &d, &err);
    double t = now_s() - t0;
    if (rc != EM_OK)
        fail_msg("pdf_extract = %d: %s", rc, err.msg);
    print_message("many_pages.pdf: %d pages in %.2f s\n", d.page_count, t);
    assert_int_equal(d.page_count, FIXTURE_MANY_PAGES);
    assert_non_null(strstr(d.pages[FIXTURE_MANY_PAGES - 1].text, "Topic 29999"));
    assert_true(d.n_headings > 1000);
    for (size_t h = 1; h < d.n_headings; h++)
        assert_true(d.headings[h].level >= 1 && d.headings[h].level <= 6);
    /* the largest size is the top level */
    assert_int_equal(d.headings[d.n_headings - 1].level, 1);
    doc_text_cleanup(&d);
    free(b.data);
    if (t > 20)
        fail_msg("took %.1f s", t);
}

/* A real textbook: headings found, no running header left in the text, and
 * the speed printed for one and two threads. */
static void content_pdf_textbook(void **state)
{
    (void)state;
    blob b = read_peer_file("textbook_reportlab.pdf");
    if (b.data == NULL)
        skip();
    for (int threads = 1; threads <= 2; threads++) {
        double best = 0;
        for (int run = 0; run < 3; run++) {
            double t0 = now_s();
            doc_text d = extract(&b, threads);
            double t = now_s() - t0;
            if (best == 0 || t < best)
                best = t;
            assert_int_equal(d.page_count, 250);
            assert_string_equal(d.title, "Study Guide to Python Programming");
            assert_true(d.n_headings > 100);
            assert_string_equal(d.headings[0].title, "Chapter 1. Whetting Your Appetite");
            assert_int_equal(d.headings[0].level, 1);
            assert_int_equal(pages_with(&d, "Study Guide to Python Programming"), 0);
            doc_text_cleanup(&d);
        }
        print_message("textbook_reportlab.pdf, %d thread(s): %.0f pages/s (best of 3, %.1f ms)\n", threads,
                      250 / best, best * 1000);
    }
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_pdf_headings_pages_and_order),
        cmocka_unit_test(content_pdf_headings_levels),
        cmocka_unit_test(content_pdf_footer_is_furniture),
        cmocka_unit_test(content_pdf_chunks_keep_pages),
        cmocka_unit_test(content_pdf_worksheet_questions),
        cmocka_unit_test(content_pdf_repeated_content_kept),
        cmocka_unit_test(content_pdf_running_chapter_titles),
        cmocka_unit_test(content_pdf_chapter_title_under_running_header),
        cmocka_unit_test(content_pdf_contents_entries_no_headings),
        cmocka_unit_test(content_pdf_number_beside_title),
        cmocka_unit_test(content_pdf_sentence_across_blocks),
        cmocka_unit_test(content_pdf_accents_over_letters),
        cmocka_unit_test(content_pdf_heading_wrapped_at_hyphen),
        cmocka_unit_test(content_pdf_max_pages),
        cmocka_unit_test(content_pdf_timeout),
        cmocka_unit_test(content_pdf_encrypted),
        cmocka_unit_test(content_pdf_truncated),
        cmocka_unit_test(content_pdf_not_a_pdf),
        cmocka_unit_test(content_pdf_no_text),
        cmocka_unit_test(content_pdf_bad_arguments),
        cmocka_unit_test(content_pdf_nonbmp_fixture),
        cmocka_unit_test(content_pdf_nonbmp_peer_file),
        cmocka_unit_test(content_pdf_parallel_identical),
        cmocka_unit_test(content_pdf_tick_on_calling_thread),
        cmocka_unit_test(content_pdf_textbook),
        cmocka_unit_test(content_pdf_memory_budget),
        cmocka_unit_test(content_pdf_memory_budget_resident),
        cmocka_unit_test(content_pdf_deadline_inside_mupdf),
        cmocka_unit_test(content_pdf_caller_deadline),
        cmocka_unit_test(content_pdf_many_pages_and_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
