/* content/html: pages as Markdown, checked both as the Markdown written and
 * as the Markdown reader (content/doctext) then reads it: headings with
 * their levels and titles, paragraphs, list items, code blocks as written,
 * references decoded, what a page holds besides its text left out, the
 * <title> as the heading of a page without <h1>, markup characters that stay
 * text, and malformed markup read as text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/doctext.h"
#include "content/html.h"

/* The Markdown of page (owned). */
static char *markdown_of(const char *page)
{
    buf b;
    buf_init(&b, 1 << 20);
    em_error err = {0};
    assert_int_equal(html_to_markdown(page, strlen(page), NULL, &b, &err), EM_OK);
    char *s = buf_steal(&b);
    return s != NULL ? s : strdup("");
}

/* page as the Markdown reader reads the Markdown of it. */
static void read_page(const char *page, doc_text *d)
{
    char *md = markdown_of(page);
    em_error err = {0};
    assert_int_equal(doc_text_from_plain(md, strlen(md), true, d, &err), EM_OK);
    free(md);
}

static void assert_has(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("\"%s\" not in:\n%s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
    if (strstr(hay, needle) != NULL)
        fail_msg("\"%s\" in:\n%s", needle, hay);
}

/* All the text the reader kept, pages joined. */
static char *text_of(const doc_text *d)
{
    buf b;
    buf_init(&b, 1 << 20);
    for (size_t i = 0; i < d->n_pages; i++)
        assert_int_equal(buf_append(&b, d->pages[i].text, d->pages[i].len), EM_OK);
    char *s = buf_steal(&b);
    return s != NULL ? s : strdup("");
}

static const char manual[] =
    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\">\n"
    "<html><head><meta charset=\"utf-8\"><title>The Manual</title>\n"
    "<style>body { color: red; }</style><script>var x = \"<h1>no</h1>\";</script></head>\n"
    "<body><div class=\"navheader\"><table><tr><td><a href=\"a.html\">Prev</a></td>"
    "<td>Next</td></tr></table></div>\n"
    "<ul class=\"docnav top\"><li class=\"previous\"><a href=\"a.html\">Previous</a></li></ul>\n"
    "<h1 class=\"title\">Getting   started</h1>\n"
    "<div class=\"toc\"><dl class=\"toc\"><dt><span class=\"section\"><a href=\"#p\">2.1. "
    "Permissions</a></span></dt></dl></div>\n"
    "<p>Files are kept in <b>directories</b>; each\n  directory is a <i>file</i> too.</p>\n"
    "<!-- a note <h2>not a heading</h2> -->\n"
    "<h2>2.1. Permissions &amp; owners</h2>\n"
    "<p>Use <code>chmod</code> to change the mode &ndash; the bits r&#119;x &#x2192; 7.</p>\n"
    "<ul><li>read</li><li>write</li>\n<li>execute</li></ul>\n"
    "<pre class=\"screen\">\n$ ls -l <b>notes</b>\n-rw-r--r-- 1 me me 0 notes\n</pre>\n"
    "<h3>&nbsp;&nbsp;Special *characters*</h3><p>a_b [c] #d 1. e &lt;tag&gt; 10&nbsp;kg</p>\n"
    "<div class=\"navfooter\">Home | Up</div></body></html>\n";

static void html_headings_text_lists_code(void **state)
{
    (void)state;
    doc_text d;
    read_page(manual, &d);
    assert_int_equal(d.n_headings, 3);
    assert_string_equal(d.headings[0].title, "Getting started");
    assert_int_equal(d.headings[0].level, 1);
    assert_string_equal(d.headings[1].title, "2.1. Permissions & owners");
    assert_int_equal(d.headings[1].level, 2);
    assert_string_equal(d.headings[2].title, "Special *characters*");
    assert_int_equal(d.headings[2].level, 3);
    char *text = text_of(&d);
    assert_has(text, "Files are kept in directories; each directory is a file too.");
    assert_has(text, "Use chmod to change the mode \xe2\x80\x93 the bits rwx \xe2\x86\x92 7.");
    assert_has(text, "read");
    assert_has(text, "execute");
    assert_has(text, "$ ls -l notes\n-rw-r--r-- 1 me me 0 notes");
    assert_has(text, "a_b [c] #d 1. e <tag> 10 kg");
    /* left out: head, style, script, navigation, comments */
    assert_lacks(text, "color");
    assert_lacks(text, "var x");
    assert_lacks(text, "Prev");
    /* DocBook's chapter contents and Publican's navigation list (the Debian
     * Administrator's Handbook, debian-handbook) */
    assert_lacks(text, "Previous");
    assert_true(strstr(text, "2.1. Permissions") == strstr(text, "2.1. Permissions & owners"));
    assert_lacks(text, "Home");
    assert_lacks(text, "not a heading");
    free(text);
    doc_text_cleanup(&d);
}

static void html_markdown_written(void **state)
{
    (void)state;
    char *md = markdown_of(manual);
    assert_has(md, "# Getting started\n\n");
    assert_has(md, "## 2\\.1. Permissions \\& owners");
    assert_has(md, "- read\n- write\n- execute");
    assert_has(md, "```\n$ ls -l notes\n-rw-r--r-- 1 me me 0 notes\n```");
    assert_has(md, "a\\_b \\[c\\] \\#d 1. e \\<tag\\>");
    assert_lacks(md, "The Manual"); /* the page has an <h1>: its title is not another heading */
    free(md);
}

/* A page without <h1>: its <title> is its first heading. */
static void html_title_heads_a_page_without_h1(void **state)
{
    (void)state;
    doc_text d;
    read_page("<html><head><title>Unix &amp; Linux</title></head><body><h2>Shells</h2><p>A shell reads "
              "commands.</p></body></html>",
              &d);
    assert_int_equal(d.n_headings, 2);
    assert_string_equal(d.headings[0].title, "Unix & Linux");
    assert_int_equal(d.headings[0].level, 1);
    assert_string_equal(d.headings[1].title, "Shells");
    doc_text_cleanup(&d);
}

/* A code block holding backquote fences keeps them as text. */
static void html_pre_with_fences(void **state)
{
    (void)state;
    char *md = markdown_of("<pre>```\ncode\n```</pre><p>after</p>");
    assert_has(md, "````\n```\ncode\n```\n````");
    free(md);
}

/* What is not a tag is text; references unknown or out of range. */
static void html_malformed_is_text(void **state)
{
    (void)state;
    doc_text d;
    read_page("<p>a < b and c <= d, x<y; 5 &unknown; &#0; &#xD800; &#150; <b", &d);
    char *text = text_of(&d);
    assert_has(text, "a < b and c <= d, x<y; 5 &unknown; \xef\xbf\xbd \xef\xbf\xbd \xe2\x80\x93 <b");
    free(text);
    doc_text_cleanup(&d);
    /* an attribute quote never closed: the rest is text, read once */
    read_page("<p>start <a href=\"x>never closed", &d);
    text = text_of(&d);
    assert_has(text, "start <a href=\"x>never closed");
    free(text);
    doc_text_cleanup(&d);
    /* an unclosed comment or script leaves out the rest, an unclosed <pre> is code to the end */
    char *md = markdown_of("<p>kept</p><!-- open");
    assert_string_equal(md, "kept");
    free(md);
    md = markdown_of("<p>kept</p><script>x = 1");
    assert_string_equal(md, "kept");
    free(md);
}

static void html_looks_like_pages(void **state)
{
    (void)state;
    const char *yes[] = {"<!DOCTYPE html><p>x",
                         "\xef\xbb\xbf  <html lang=en>",
                         "<?xml version=\"1.0\"?>\n<!DOCTYPE html>",
                         "<!-- generated -->\n<HTML>",
                         "<head><title>x</title>",
                         "<body>"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!html_looks_like(yes[i], strlen(yes[i])))
            fail_msg("not taken for HTML: %s", yes[i]);
    const char *no[] = {"# Markdown\n<b>x</b>", "<htmlx>", "text <html>", "<!-- open",
                        "<p>a fragment</p>",    ""};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (html_looks_like(no[i], strlen(no[i])))
            fail_msg("taken for HTML: %s", no[i]);
}

/* A page of many tags that never close, and one of many '<': read in one
 * pass (the deadline would stop a quadratic one; none is set here). */
static void html_hostile_pages_stay_linear(void **state)
{
    (void)state;
    size_t n = 4 << 20;
    char *page = malloc(n + 1);
    for (size_t i = 0; i < n; i += 8)
        memcpy(page + i, "<a b='x ", 8);
    page[n] = '\0';
    buf b;
    buf_init(&b, 64 << 20);
    em_error err = {0};
    deadline dl = deadline_at(clock_mono_us() + 20 * 1000000LL);
    assert_int_equal(html_to_markdown(page, n, &dl, &b, &err), EM_OK);
    buf_cleanup(&b);
    for (size_t i = 0; i < n; i++)
        page[i] = "<h1>"[i % 4];
    buf_init(&b, 64 << 20);
    assert_int_equal(html_to_markdown(page, n, &dl, &b, &err), EM_OK);
    buf_cleanup(&b);
    free(page);
}

/* A page of Python's documentation (Sphinx): navigation bars and a sidebar
 * that are divs with role="navigation", not <nav>, and a permalink "¶"
 * after every heading. Their headings ("Navigation", "Previous topic",
 * "This Page") were topics of every page, and "Iterators¶" one's name. */
static void html_sphinx_navigation_and_permalinks(void **state)
{
    (void)state;
    const char page[] =
        "<html><head><title>9. Classes</title></head><body>\n"
        "<div class=\"related\" role=\"navigation\" aria-label=\"related navigation\">"
        "<h3>Navigation</h3><ul><li><a href=\"i.html\">index</a></li></ul></div>\n"
        "<div class=\"body\" role=\"main\"><section id=\"classes\">"
        "<h1>9. Classes<a class=\"headerlink\" href=\"#classes\" title=\"Permalink\">\xc2\xb6</a></h1>\n"
        "<p>Classes bundle data and functionality together.</p>\n"
        "<section id=\"iterators\"><h2>9.8. Iterators<a class=\"headerlink\" href=\"#iterators\">"
        "\xc2\xb6</a></h2><p>Most container objects can be looped over.</p></section></section></div>\n"
        "<div class=\"sphinxsidebar\" role=\"navigation\" aria-label=\"main navigation\">"
        "<div><h4>Previous topic</h4><p><a href=\"errors.html\">8. Errors</a></p></div>"
        "<div role=\"note\"><h3>This Page</h3><ul><li>Report a Bug</li></ul></div></div>\n"
        "<form role=\"search\" action=\"search.html\"><h3>Quick search</h3></form>\n"
        "</body></html>\n";
    doc_text d;
    read_page(page, &d);
    assert_int_equal(d.n_headings, 2);
    assert_string_equal(d.headings[0].title, "9. Classes");
    assert_string_equal(d.headings[1].title, "9.8. Iterators");
    char *text = text_of(&d);
    assert_has(text, "Most container objects can be looped over.");
    assert_lacks(text, "Navigation");
    assert_lacks(text, "Previous topic");
    assert_lacks(text, "This Page");
    assert_lacks(text, "Quick search");
    assert_lacks(text, "\xc2\xb6");
    free(text);
    doc_text_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_headings_text_lists_code),
        cmocka_unit_test(html_markdown_written),
        cmocka_unit_test(html_title_heads_a_page_without_h1),
        cmocka_unit_test(html_pre_with_fences),
        cmocka_unit_test(html_malformed_is_text),
        cmocka_unit_test(html_sphinx_navigation_and_permalinks),
        cmocka_unit_test(html_looks_like_pages),
        cmocka_unit_test(html_hostile_pages_stay_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
