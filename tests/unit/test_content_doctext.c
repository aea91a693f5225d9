/* test_content_doctext: plain text and Markdown into pages and headings
 * (doc_text_from_plain): ATX and setext headings, code fences, front
 * matter, numbered plain-text headings, UTF-8 checks, BOM, form feeds and
 * line ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/chunk.h"
#include "content/doctext.h"
#include "fixtures.h"

/* ---- helpers ---- */

static doc_text parse(const char *text, bool markdown)
{
    doc_text d;
    em_error err = {0};
    int rc = doc_text_from_plain(text, strlen(text), markdown, &d, &err);
    if (rc != EM_OK)
        fail_msg("doc_text_from_plain = %d: %s", rc, err.msg);
    return d;
}

static int parse_error(const char *text, size_t len, bool markdown, em_error *err)
{
    doc_text d;
    int rc = doc_text_from_plain(text, len, markdown, &d, err);
    assert_null(d.pages);
    assert_int_equal(d.n_pages, 0);
    assert_null(d.headings);
    assert_null(d.title);
    return rc;
}

/* Check heading i: title, level, page, and that its offset is the start of
 * a line holding the title. */
static void check_heading(const doc_text *d, size_t i, const char *title, int level, int page)
{
    assert_true(i < d->n_headings);
    const chunk_heading *h = &d->headings[i];
    assert_string_equal(h->title, title);
    assert_int_equal(h->level, level);
    assert_int_equal(h->page, page);
    const chunk_page *p = &d->pages[page - 1];
    assert_true(h->offset < p->len);
    assert_true(h->offset == 0 || p->text[h->offset - 1] == '\n');
    assert_memory_equal(p->text + h->offset, title, strlen(title));
}

/* ---- Markdown ---- */

static void content_doctext_markdown_fixture(void **state)
{
    (void)state;
    doc_text d = parse(fixture_notes_md, true);
    assert_int_equal(d.n_pages, 1);
    assert_int_equal(d.page_count, 1);
    assert_int_equal(d.n_headings, fixture_notes_n_headings);
    for (size_t i = 0; i < fixture_notes_n_headings; i++)
        check_heading(&d, i, fixture_notes_headings[i].title, fixture_notes_headings[i].level, 1);
    assert_string_equal(d.title, "Photosynthesis Revision");
    const char *t = d.pages[0].text;
    /* Heading lines lose their markers, setext underlines go, code stays. */
    assert_true(strncmp(t, "Photosynthesis Revision\n\nPhotosynthesis is", 42) == 0);
    assert_null(strstr(t, "## "));
    assert_null(strstr(t, "----"));
    assert_null(strstr(t, "Cycle ##"));
    assert_non_null(strstr(t, "```python\n# a comment in code, not a heading\n"));
    assert_non_null(strstr(t, "*rubisco*"));
    doc_text_cleanup(&d);
}

static void content_doctext_atx_rules(void **state)
{
    (void)state;
    doc_text d = parse("#Not a heading\n"
                       "####### Seven is too many\n"
                       "   ### Indented three ###   \n"
                       "    # Indented four is code\n"
                       "#\n"
                       "###### Six\n"
                       "# Title with # inside\n"
                       "## Closing #not a closer\n",
                       true);
    assert_int_equal(d.n_headings, 4);
    check_heading(&d, 0, "Indented three", 3, 1);
    check_heading(&d, 1, "Six", 6, 1);
    check_heading(&d, 2, "Title with # inside", 1, 1);
    check_heading(&d, 3, "Closing #not a closer", 2, 1);
    assert_string_equal(d.title, "Title with # inside");
    assert_string_equal(d.pages[0].text, "#Not a heading\n"
                                         "####### Seven is too many\n"
                                         "Indented three\n"
                                         "    # Indented four is code\n"
                                         "\n"
                                         "Six\n"
                                         "Title with # inside\n"
                                         "Closing #not a closer");
    doc_text_cleanup(&d);
}

static void content_doctext_setext(void **state)
{
    (void)state;
    doc_text d = parse("Main Title\n"
                       "==========\n"
                       "\n"
                       "Some prose here.\n"
                       "\n"
                       "Section Two\n"
                       "---\n"
                       "\n"
                       "- a list item\n"
                       "---\n"
                       "\n"
                       "First line of a paragraph\n"
                       "second line of it\n"
                       "===\n",
                       true);
    assert_int_equal(d.n_headings, 2);
    check_heading(&d, 0, "Main Title", 1, 1);
    check_heading(&d, 1, "Section Two", 2, 1);
    assert_string_equal(d.title, "Main Title");
    assert_string_equal(d.pages[0].text, "Main Title\n"
                                         "\n"
                                         "Some prose here.\n"
                                         "\n"
                                         "Section Two\n"
                                         "\n"
                                         "- a list item\n"
                                         "---\n"
                                         "\n"
                                         "First line of a paragraph\n"
                                         "second line of it\n"
                                         "===");
    doc_text_cleanup(&d);
}

static void content_doctext_fences(void **state)
{
    (void)state;
    doc_text d = parse("~~~~\n"
                       "# not a heading\n"
                       "~~~\n"
                       "# still code: the fence needs four\n"
                       "~~~~~\n"
                       "# After\n"
                       "```\n"
                       "Setext in code\n"
                       "===\n"
                       "```\n",
                       true);
    assert_int_equal(d.n_headings, 1);
    check_heading(&d, 0, "After", 1, 1);
    doc_text_cleanup(&d);
}

static void content_doctext_front_matter(void **state)
{
    (void)state;
    doc_text d = parse("---\n"
                       "title: Secret\n"
                       "tags: [a, b]\n"
                       "---\n"
                       "# Real Title\n"
                       "Body.\n",
                       true);
    assert_string_equal(d.pages[0].text, "Real Title\nBody.");
    assert_int_equal(d.n_headings, 1);
    check_heading(&d, 0, "Real Title", 1, 1);
    doc_text_cleanup(&d);
    /* Plain text has no front matter. */
    d = parse("---\ntitle: x\n---", false);
    assert_string_equal(d.pages[0].text, "---\ntitle: x\n---");
    doc_text_cleanup(&d);
}

/* ---- plain text ---- */

static void content_doctext_plain_headings(void **state)
{
    (void)state;
    doc_text d = parse("Physics Revision Notes\n"
                       "\n"
                       "1 Introduction\n"
                       "Forces make things move.\n"
                       "\n"
                       "2.3 Forces and Motion\n"
                       "Newton's laws.\n"
                       "\n"
                       "Chapter 4 Waves\n"
                       "\n"
                       "1. What is the unit of force?\n"
                       "\n"
                       "1. B  2. D  3. A\n"
                       "\n"
                       "12 Lines about this topic are here to make the line much too long for a heading\n"
                       "\n"
                       "3 Energy.\n"
                       "\n"
                       "4 apples\n"
                       "5 Momentum\n"
                       "\n"
                       "  6.1.2 Deep Section  \n",
                       false);
    assert_int_equal(d.n_headings, 4);
    check_heading(&d, 0, "1 Introduction", 1, 1);
    check_heading(&d, 1, "2.3 Forces and Motion", 2, 1);
    check_heading(&d, 2, "Chapter 4 Waves", 1, 1);
    assert_string_equal(d.headings[3].title, "6.1.2 Deep Section");
    assert_int_equal(d.headings[3].level, 3);
    assert_string_equal(d.title, "1 Introduction");
    /* Plain text is kept as it is. */
    assert_non_null(strstr(d.pages[0].text, "  6.1.2 Deep Section  "));
    doc_text_cleanup(&d);
    /* The same text as Markdown has none of these headings. */
    d = parse("Notes\n\n1 Introduction\nText.\n", true);
    assert_int_equal(d.n_headings, 0);
    assert_null(d.title);
    doc_text_cleanup(&d);
}

/* ---- bytes, pages and line ends ---- */

static void content_doctext_utf8(void **state)
{
    (void)state;
    em_error err = {0};
    assert_int_equal(parse_error("caf\xe9 au lait", 12, false, &err), EM_E_UNSUPPORTED);
    assert_string_equal(err.msg, "text is not UTF-8");
    assert_int_equal(parse_error("overlong \xc0\xaf", 11, true, &err), EM_E_UNSUPPORTED);
    assert_int_equal(parse_error("surrogate \xed\xa0\x80", 13, false, &err), EM_E_UNSUPPORTED);
    assert_int_equal(parse_error("cut \xe2\x82", 6, false, &err), EM_E_UNSUPPORTED);
    assert_int_equal(parse_error("nul\0byte", 8, false, &err), EM_E_UNSUPPORTED);
    assert_string_equal(err.msg, "the text contains NUL bytes");
    doc_text d = parse("\xef\xbb\xbf# Caf\xc3\xa9 \xf0\x9f\x98\x80\n", true);
    assert_string_equal(d.pages[0].text, "Caf\xc3\xa9 \xf0\x9f\x98\x80");
    check_heading(&d, 0, "Caf\xc3\xa9 \xf0\x9f\x98\x80", 1, 1);
    doc_text_cleanup(&d);
}

static void content_doctext_empty(void **state)
{
    (void)state;
    em_error err = {0};
    assert_int_equal(parse_error("", 0, false, &err), EM_E_INVAL);
    assert_string_equal(err.msg, "the document has no text");
    assert_int_equal(parse_error(" \n\t\r\n\f  \f", 9, true, &err), EM_E_INVAL);
    assert_int_equal(parse_error("\xef\xbb\xbf", 3, false, &err), EM_E_INVAL);
    assert_int_equal(parse_error("---\nfront: matter\n---\n", 22, true, &err), EM_E_INVAL);
    assert_int_equal(parse_error(NULL, 5, false, &err), EM_E_INVAL);
}

static void content_doctext_form_feeds(void **state)
{
    (void)state;
    doc_text d = parse("Page one text.\f\n1 Second Page Heading\nMore.\f\fLast page.\f", false);
    assert_int_equal(d.n_pages, 4);
    assert_int_equal(d.page_count, 4);
    assert_string_equal(d.pages[0].text, "Page one text.");
    assert_string_equal(d.pages[1].text, "\n1 Second Page Heading\nMore.");
    assert_string_equal(d.pages[2].text, "");
    assert_string_equal(d.pages[3].text, "Last page.");
    for (size_t i = 0; i < d.n_pages; i++) {
        assert_int_equal(d.pages[i].number, (int)i + 1);
        assert_int_equal(d.pages[i].len, strlen(d.pages[i].text));
    }
    assert_int_equal(d.n_headings, 1);
    check_heading(&d, 0, "1 Second Page Heading", 1, 2);
    doc_text_cleanup(&d);
}

static void content_doctext_line_ends(void **state)
{
    (void)state;
    doc_text d = parse("# Title\r\n\r\nLine one\rLine two\r\n\r\nSub\r\n---\r\n", true);
    assert_string_equal(d.pages[0].text, "Title\n\nLine one\nLine two\n\nSub");
    assert_int_equal(d.n_headings, 2);
    check_heading(&d, 1, "Sub", 2, 1);
    doc_text_cleanup(&d);
    d = parse("Intro\r\n\r\n1 Windows Heading\r\ntext\r\n", false);
    assert_string_equal(d.pages[0].text, "Intro\n\n1 Windows Heading\ntext");
    check_heading(&d, 0, "1 Windows Heading", 1, 1);
    doc_text_cleanup(&d);
}

static void content_doctext_chunks(void **state)
{
    (void)state;
    doc_text d = parse(fixture_notes_md, true);
    chunk_list l;
    em_error err = {0};
    chunk_limits limits = {.target_words = 20, .max_words = 40};
    assert_int_equal(chunk_document(d.pages, d.n_pages, d.headings, d.n_headings, limits, &l, &err), EM_OK);
    bool found = false;
    for (size_t i = 0; i < l.n; i++) {
        if (strstr(l.items[i].text, "rubisco") != NULL) {
            assert_string_equal(l.items[i].section, "The Calvin Cycle");
            found = true;
        }
    }
    assert_true(found);
    chunk_list_cleanup(&l);
    doc_text_cleanup(&d);
    doc_text_cleanup(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_doctext_markdown_fixture),
        cmocka_unit_test(content_doctext_atx_rules),
        cmocka_unit_test(content_doctext_setext),
        cmocka_unit_test(content_doctext_fences),
        cmocka_unit_test(content_doctext_front_matter),
        cmocka_unit_test(content_doctext_plain_headings),
        cmocka_unit_test(content_doctext_utf8),
        cmocka_unit_test(content_doctext_empty),
        cmocka_unit_test(content_doctext_form_feeds),
        cmocka_unit_test(content_doctext_line_ends),
        cmocka_unit_test(content_doctext_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
