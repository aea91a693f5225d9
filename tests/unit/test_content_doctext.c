/* test_content_doctext: plain text and Markdown into pages and headings
 * (doc_text_from_plain): ATX and setext headings, code fences, front
 * matter, numbered plain-text headings, UTF-8 checks, BOM, form feeds and
 * line ends; and the limits of a text's whole way to chunks and topics:
 * time on documents of many headings, the deadline, memory on 24 MB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "content/chunk.h"
#include "content/deadline.h"
#include "content/doctext.h"
#include "content/topics.h"
#include "core/buf.h"
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
    /* The text is what the document reads as: headings without their
     * markers, no setext underlines, code without its fences, emphasis
     * without its stars. */
    assert_true(strncmp(t, "Photosynthesis Revision\n\nPhotosynthesis is", 42) == 0);
    assert_null(strstr(t, "## "));
    assert_null(strstr(t, "----"));
    assert_null(strstr(t, "Cycle ##"));
    assert_null(strstr(t, "```"));
    assert_non_null(strstr(t, "\n# a comment in code, not a heading\n"));
    assert_non_null(strstr(t, "rubisco"));
    assert_null(strstr(t, "*rubisco*"));
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
    /* blocks apart by a blank line; the indented code without its indent */
    assert_string_equal(d.pages[0].text, "#Not a heading\n"
                                         "####### Seven is too many\n"
                                         "\n"
                                         "Indented three\n"
                                         "\n"
                                         "# Indented four is code\n"
                                         "\n"
                                         "Six\n"
                                         "\n"
                                         "Title with # inside\n"
                                         "\n"
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
    /* CommonMark: "---" under a list item is a thematic break, and a
     * paragraph of two lines underlined is one heading */
    assert_int_equal(d.n_headings, 3);
    check_heading(&d, 0, "Main Title", 1, 1);
    check_heading(&d, 1, "Section Two", 2, 1);
    check_heading(&d, 2, "First line of a paragraph second line of it", 1, 1);
    assert_string_equal(d.title, "Main Title");
    assert_string_equal(d.pages[0].text, "Main Title\n"
                                         "\n"
                                         "Some prose here.\n"
                                         "\n"
                                         "Section Two\n"
                                         "\n"
                                         "- a list item\n"
                                         "\n"
                                         "First line of a paragraph second line of it");
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
    assert_string_equal(d.pages[0].text, "Real Title\n\nBody.");
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
    /* A table of contents lists headings; its lines head nothing (man-db's
     * manual as text, its contents at the end). */
    d = parse("7.4 Credits\n"
              "Thanks to all.\n"
              "\n"
              "                                     Contents\n"
              "1.  Introduction ........................................................    1\n"
              "    1.1  man-db .........................................................    1\n"
              "\n"
              "2.  The specifics of Sections ...........................................    5\n"
              "    3.5.3  Viewing ASCII pages formatted for latin1 output device\n"
              "         ................................................................   11\n"
              "\n"
              "6.4  Limitations . . . . . . . . . . . . . . . . . . . . 22\n",
              false);
    assert_int_equal(d.n_headings, 1);
    check_heading(&d, 0, "7.4 Credits", 2, 1);
    assert_non_null(strstr(d.pages[0].text, "1.  Introduction ......"));
    doc_text_cleanup(&d);
    /* The same text as Markdown has none of these headings. */
    d = parse("Notes\n\n1 Introduction\nText.\n", true);
    assert_int_equal(d.n_headings, 0);
    assert_null(d.title);
    doc_text_cleanup(&d);
}

/* Text converted from HTML (w3m's rendering of the Debian Reference,
 * debian-reference-en's debian-reference.en.txt, excerpts): the number and
 * the title of a section are joined by a no-break space, paragraphs are
 * indented four columns (some lines by no-break spaces), lists further.
 * The sections are the headings; the list items, the numbered list that
 * right-aligns "10." at the body's column and the list of tables are not. */
static void content_doctext_plain_converted_html(void **state)
{
    (void)state;
    doc_text d = parse("List of Tables\n"
                       "\n"
                       "1.1. List of interesting text-mode program packages\n"
                       "1.2. List of informative documentation packages\n"
                       "\n"
                       "Chapter\u00a01.\u00a0GNU/Linux tutorials\n"
                       "\n"
                       "    I think learning a computer system is like learning a new foreign\n"
                       "\u00a0\u00a0\u00a0 language. Although tutorial books and documentation are helpful,\n"
                       "    you have to practice it yourself.\n"
                       "\n"
                       "1.1.\u00a0Console basics\n"
                       "\n"
                       "1.1.1.\u00a0The shell prompt\n"
                       "\n"
                       "    The simple command is a sequence of components, and the shell\n"
                       "    reads them in order: the assignments, the name and the\n"
                       "    arguments of the command, then its redirections.\n"
                       "\n"
                       "     1. Variable assignments (optional)\n"
                       "\n"
                       "     2. Command name\n"
                       "\n"
                       "     9. Restart aptitude in interactive mode and mark needed packages\n"
                       "        as \"m\".\n"
                       "\n"
                       "    10. Restart \"apt-get -s autoremove|less\" as root to recheck\n"
                       "        REMOVED contain only expected packages.\n"
                       "\n"
                       "    The shell expands the words of the command.\n",
                       false);
    assert_int_equal(d.n_headings, 3);
    check_heading(&d, 0, "Chapter 1. GNU/Linux tutorials", 1, 1);
    check_heading(&d, 1, "1.1. Console basics", 2, 1);
    check_heading(&d, 2, "1.1.1. The shell prompt", 3, 1);
    /* no-break spaces read as spaces */
    assert_non_null(strstr(d.pages[0].text, "\n    language. Although"));
    assert_null(strstr(d.pages[0].text, "\u00a0"));
    doc_text_cleanup(&d);
}

/* A manual page as man writes it for a terminal (bash(1), excerpt): the
 * numbered items of a list wrap under their text, justified; none is a
 * heading (each was one, "2. If the command does not terminate due to
 * SIGINT, the program" the largest topic of the manual). */
static void content_doctext_plain_wrapped_items(void **state)
{
    (void)state;
    doc_text d = parse("       When  bash  is  waiting for an asynchronous command via the wait\n"
                       "       builtin, the reception of a signal will cause it to return.\n"
                       "\n"
                       "       1.     If the command terminates due to the SIGINT, bash concludes that\n"
                       "              the user meant to end the entire script, and acts on the  SIGINT\n"
                       "              (e.g., by killing itself).\n"
                       "\n"
                       "       2.     If  the  command  does  not terminate due to SIGINT, the program\n"
                       "              handled the SIGINT itself and did not treat it as a  fatal  sig\u2010\n"
                       "              nal.\n"
                       "\n"
                       "       3.     Redirections are performed as described above under REDIRECTION.\n"
                       "\n",
                       false);
    assert_int_equal(d.n_headings, 0);
    doc_text_cleanup(&d);
}

/* A manual page as text (bash(1) through "man -P cat", excerpt): sections
 * at the margin, sub-sections three columns in, the text at seven, a list's
 * terms at seven with their text at fourteen. The sections and
 * sub-sections are the headings; the page header, a term and a line the
 * text does not follow are not. Text converted from HTML (GCC's NEWS
 * through w3m) leaves a blank line under each heading. */
static void content_doctext_plain_margin_headings(void **state)
{
    (void)state;
    doc_text d = parse("BASH(1)                     General Commands Manual                    BASH(1)\n"
                       "\n"
                       "NAME\n"
                       "       bash - GNU Bourne-Again SHell\n"
                       "\n"
                       "SHELL GRAMMAR\n"
                       "       This section describes the syntax of the various forms of shell\n"
                       "       commands.\n"
                       "\n"
                       "   Simple Commands\n"
                       "       A  simple  command  is a sequence of optional variable assignments\n"
                       "       followed by blank-separated words and redirections.\n"
                       "\n"
                       "   Pipelines\n"
                       "       A pipeline is a sequence of one or more commands separated by\n"
                       "       one of the control operators.\n"
                       "\n"
                       "       BASH_COMPAT\n"
                       "              The value is used to set the shell's compatibility level.\n"
                       "              See SHELL COMPATIBILITY MODE below.\n"
                       "\n"
                       "Lone line at the margin\n"
                       "\n"
                       "Another line at the margin\n",
                       false);
    assert_int_equal(d.n_headings, 4);
    check_heading(&d, 0, "NAME", 1, 1);
    check_heading(&d, 1, "SHELL GRAMMAR", 1, 1);
    /* the offset is the line's, indentation included */
    assert_string_equal(d.headings[2].title, "Simple Commands");
    assert_int_equal(d.headings[2].level, 2);
    assert_string_equal(d.headings[3].title, "Pipelines");
    assert_int_equal(d.headings[3].level, 2);
    doc_text_cleanup(&d);

    d = parse("Caveats\n"
              "\n"
              "    * An ABI incompatibility between C and C++ when passing or returning by\n"
              "      value certain aggregates containing zero width bit-fields has been\n"
              "      discovered on various targets.\n"
              "\n"
              "General Improvements\n"
              "\n"
              "    * Vectorization is enabled at -O2 which is now equivalent to the original\n"
              "      -O2 -ftree-vectorize -fvect-cost-model=very-cheap.\n"
              "\n"
              "    Some code that compiled successfully with older GCC versions might\n"
              "    require source changes, see Porting to GCC 12 for details.\n"
              "\n"
              "Table of Contents\n"
              "\n"
              "Preface\n"
              "    1. Disclaimer\n"
              "    2. What is Debian\n",
              false);
    assert_int_equal(d.n_headings, 2);
    check_heading(&d, 0, "Caveats", 1, 1);
    check_heading(&d, 1, "General Improvements", 1, 1);
    doc_text_cleanup(&d);
}

/* ---- bytes, pages and line ends ---- */

static void assert_stripped(const char *in, const char *want)
{
    size_t len = strlen(in);
    char out[256];
    assert_true(len < sizeof out);
    size_t n = doc_text_strip_terminal(in, len, out);
    out[n] = '\0';
    if (strcmp(out, want) != 0)
        fail_msg("stripped \"%s\": got \"%s\", want \"%s\"", in, out, want);
    /* in place, as well */
    char copy[256];
    memcpy(copy, in, len + 1);
    n = doc_text_strip_terminal(copy, len, copy);
    copy[n] = '\0';
    assert_string_equal(copy, want);
}

/* A manual page saved from a terminal reads as its words: nroff's overstrike
 * (bold, underline, bullets) and man's SGR escapes are gone. */
static void content_doctext_terminal_text(void **state)
{
    (void)state;
    assert_stripped("N\bNA\bAM\bME\bE", "NAME");        /* bold */
    assert_stripped("_\bm_\ba_\bn", "man");             /* underline */
    assert_stripped("b\b_o\b_x\b_", "box");             /* underline, struck after */
    assert_stripped("+\bo file names", "o file names"); /* a bullet */
    assert_stripped("B\bB\bBold", "Bold");              /* struck three times */
    assert_stripped("_\b_", "_");
    assert_stripped("\xc3\xa9\b\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"); /* é in bold: one character */
    assert_stripped("_\b\xc3\xa9", "\xc3\xa9");
    assert_stripped("\bstart", "start");           /* nothing to strike */
    assert_stripped("line\n\bnext", "line\nnext"); /* never past a line break */
    assert_stripped("end\b", "end");
    assert_stripped("\x1b[1mman-db\x1b[0m - the database", "man-db - the database");
    assert_stripped("\x1b[4mGraeme\x1b[24m \x1b[22m\x1b[38;5;12mW.\x1b[m", "Graeme W.");
    assert_stripped("see \x1b]8;;https://example.org/\x1b\\the site\x1b]8;;\x1b\\.", "see the site.");
    assert_stripped("bell \x1b]0;title\x07"
                    "ends",
                    "bell ends");
    assert_stripped("\x1b(Bplain\x1b=", "plain");
    assert_stripped("broken \x1b]8;;no end\nnext line", "broken \nnext line");
    assert_stripped("lone\x1b", "lone");
    assert_stripped("Plain text, tabs\tand all.", "Plain text, tabs\tand all.");

    /* man-db's manual as man and nroff write it: its numbered headings are
     * bold, and found */
    const char *page = "\n"
                       "               \x1b[1mman-db - the database cached manual pager suite\x1b[0m\n"
                       "\n"
                       "                      \x1b[4mColin\x1b[24m \x1b[4mWatson\x1b[24m\n"
                       "\n"
                       "\x1b[1m1.  Introduction\x1b[0m\n"
                       "\n"
                       "\x1b[1m1\b1.\b.1\b1.\b.  T\bTh\bhe\be c\bco\bon\bnc\bce\bep\bpt\bt\x1b[0m\n"
                       "\n"
                       "The  following  manual pages are provided: \x1b[1mman\x1b[22m(1).\n"
                       " +\bo program names in \x1b[1mbold\x1b[22m\n";
    doc_text d = parse(page, false);
    assert_int_equal(d.n_headings, 2);
    check_heading(&d, 0, "1.  Introduction", 1, 1);
    check_heading(&d, 1, "1.1.  The concept", 2, 1);
    assert_non_null(strstr(d.pages[0].text, "man-db - the database cached manual pager suite\n"));
    assert_non_null(strstr(d.pages[0].text, "provided: man(1).\n o program names in bold"));
    assert_null(strchr(d.pages[0].text, '\b'));
    assert_null(strchr(d.pages[0].text, '\x1b'));
    doc_text_cleanup(&d);
}

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

/* ---- limits ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "# H0\n# H1\n..." up to `count` headings or `bytes` bytes, whichever
 * comes first. Owned; *len is its length. */
static char *heading_lines(size_t count, size_t bytes, size_t *len)
{
    buf b;
    buf_init(&b, bytes + 64);
    for (size_t i = 0; i < count && b.len + 24 < bytes; i++)
        buf_printf(&b, "# H%zu\n", i);
    *len = b.len;
    return buf_steal(&b);
}

/* Read, chunk and find topics, as ingest does (no database); the time it
 * took. The steps must succeed. */
static double whole_way(const char *text, size_t len, bool markdown, size_t *n_headings, size_t *n_topics)
{
    double t0 = now_s();
    doc_text d;
    chunk_list l;
    topic_list tl;
    em_error err = {0};
    chunk_limits lim = {0};
    if (doc_text_from_plain(text, len, markdown, &d, &err) != EM_OK)
        fail_msg("doc_text_from_plain: %s", err.msg);
    if (chunk_document(d.pages, d.n_pages, d.headings, d.n_headings, lim, &l, &err) != EM_OK)
        fail_msg("chunk_document: %s", err.msg);
    if (topics_extract(d.headings, d.n_headings, l.items, l.n, &tl, &err) != EM_OK)
        fail_msg("topics_extract: %s", err.msg);
    double t = now_s() - t0;
    *n_headings = d.n_headings;
    *n_topics = tl.n;
    topic_list_cleanup(&tl);
    chunk_list_cleanup(&l);
    doc_text_cleanup(&d);
    return t;
}

/* Whether t_big, for an input `scale` times the size of the one that took
 * t_small, grew like the input and not like its square. A ratio of two runs
 * on the same machine, so a loaded machine or a sanitizer slows both; the
 * bound (three times linear, plus a second for noise on short runs) is far
 * below quadratic (scale times linear). Speed itself is measured in bench/. */
static bool grew_linearly(double t_small, double t_big, double scale)
{
    return t_big < 3 * scale * t_small + 1.0;
}

/* 80,000 headings took 13 s (distinct headings were counted by comparing
 * each with all before it, quadratic); 10,000 and 80,000 headings must take
 * time in proportion. */
static void content_doctext_many_headings(void **state)
{
    (void)state;
    size_t len, n_headings, n_topics;
    char *text = heading_lines(10000, SIZE_MAX / 2, &len);
    double t_small = whole_way(text, len, true, &n_headings, &n_topics);
    assert_int_equal(n_headings, 10000);
    free(text);
    text = heading_lines(80000, SIZE_MAX / 2, &len);
    double t = whole_way(text, len, true, &n_headings, &n_topics);
    print_message("10,000 headings: %.2f s; 80,000 headings: %.2f s\n", t_small, t);
    assert_int_equal(n_headings, 80000);
    assert_true(n_topics > 0 && n_topics <= TOPICS_MAX);
    assert_true(grew_linearly(t_small, t, 8));
    free(text);
}

/* 24 MB of "# H<n>" lines, 3.3 million headings, ran for hours; past
 * DOC_MAX_HEADINGS the reader stops at once. 24 MB of prose under 70,000
 * headings goes the whole way. */
static void content_doctext_24mb(void **state)
{
    (void)state;
    size_t len, n_headings, n_topics;
    /* refused as soon as the headings pass the limit: 3 MB and 24 MB of
       them take about the same time */
    char *text = heading_lines(SIZE_MAX, 3u << 20, &len);
    em_error err = {0};
    double t0 = now_s();
    assert_int_equal(parse_error(text, len, true, &err), EM_E_TOO_LARGE);
    double t_small = now_s() - t0;
    free(text);
    text = heading_lines(SIZE_MAX, 24u << 20, &len);
    t0 = now_s();
    assert_int_equal(parse_error(text, len, true, &err), EM_E_TOO_LARGE);
    double t = now_s() - t0;
    assert_string_equal(err.msg, "the document has more than 100000 headings");
    print_message("headings past the limit: 3 MB refused in %.2f s, 24 MB in %.2f s\n", t_small, t);
    assert_true(grew_linearly(t_small, t, 1));
    free(text);

    text = fixture_prose(3u << 20, 3, ". ", &len);
    t_small = whole_way(text, len, true, &n_headings, &n_topics);
    free(text);
    text = fixture_prose(24u << 20, 3, ". ", &len);
    t = whole_way(text, len, true, &n_headings, &n_topics);
    print_message("prose: 3 MB in %.2f s; 24 MB under %zu headings in %.2f s\n", t_small, n_headings, t);
    assert_true(n_headings > 60000 && n_headings <= DOC_MAX_HEADINGS);
    assert_int_equal(n_topics, TOPICS_MAX);
    assert_true(grew_linearly(t_small, t, 8));
    free(text);
}

/* Past the deadline the reader stops with EM_E_TIMEOUT and leaves nothing. */
static void content_doctext_deadline(void **state)
{
    (void)state;
    size_t len;
    char *text = fixture_prose(1u << 20, 5, ". ", &len);
    doc_text d;
    em_error err = {0};
    deadline past = deadline_at(clock_mono_us() - 1);
    assert_int_equal(doc_text_from_plain_until(text, len, true, &past, &d, &err), EM_E_TIMEOUT);
    assert_string_equal(err.reason, DEADLINE_REASON);
    assert_null(d.pages);
    assert_null(d.headings);
    assert_int_equal(d.n_pages, 0);
    deadline later = deadline_in_ms(60000);
    assert_int_equal(doc_text_from_plain_until(text, len, true, &later, &d, &err), EM_OK);
    doc_text_cleanup(&d);
    free(text);
}

typedef struct blob_arg {
    const char *text;
    size_t len;
} blob_arg;

/* whole_way without cmocka assertions, for a child process. */
static void whole_way_in_child(void *arg)
{
    const blob_arg *a = arg;
    doc_text d;
    chunk_list l = {0};
    topic_list tl = {0};
    em_error err = {0};
    chunk_limits lim = {0};
    if (doc_text_from_plain(a->text, a->len, false, &d, &err) == EM_OK &&
        chunk_document(d.pages, d.n_pages, d.headings, d.n_headings, lim, &l, &err) == EM_OK)
        topics_extract(d.headings, d.n_headings, l.items, l.n, &tl, &err);
    topic_list_cleanup(&tl);
    chunk_list_cleanup(&l);
    doc_text_cleanup(&d);
}

/* 24 MB of text without headings (topics from key terms) took 2.2 GB; the
 * way holds at most three copies of the text (while chunking) and key terms
 * a bounded table (about 80 MB at most). Not under ASan. */
static void content_doctext_memory(void **state)
{
    (void)state;
    if (fixture_sanitized())
        skip();
    blob_arg a;
    size_t len;
    char *text = fixture_prose(24u << 20, 0, ". ", &len);
    a.text = text;
    a.len = len;
    long growth_kb = 0;
    em_error err = {0};
    if (fixture_rss_growth_kb(whole_way_in_child, &a, &growth_kb, &err) != EM_OK)
        fail_msg("%s", err.msg);
    long text_kb = (long)(len >> 10);
    print_message("24 MB of text: resident memory grew by %ld KiB, %.1f times the text\n", growth_kb,
                  (double)growth_kb / (double)text_kb);
    assert_true(growth_kb < 4 * text_kb + (100L << 10));
    free(text);
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
        cmocka_unit_test(content_doctext_terminal_text),
        cmocka_unit_test(content_doctext_utf8),
        cmocka_unit_test(content_doctext_empty),
        cmocka_unit_test(content_doctext_form_feeds),
        cmocka_unit_test(content_doctext_plain_converted_html),
        cmocka_unit_test(content_doctext_plain_wrapped_items),
        cmocka_unit_test(content_doctext_plain_margin_headings),
        cmocka_unit_test(content_doctext_line_ends),
        cmocka_unit_test(content_doctext_chunks),
        cmocka_unit_test(content_doctext_many_headings),
        cmocka_unit_test(content_doctext_24mb),
        cmocka_unit_test(content_doctext_deadline),
        cmocka_unit_test(content_doctext_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
