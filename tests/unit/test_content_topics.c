/* topics: names from headings, levels, weights, merging, the cap, the key
 * term fallback, tag slugs; time on many headings and the deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "content/chunk.h"
#include "content/deadline.h"
#include "content/topics.h"
#include "core/err.h"
#include "core/mem.h"

/* ---- helpers ------------------------------------------------------------ */

static void assert_clean(const char *title, const char *want)
{
    char out[TOPICS_NAME_MAX + 1];
    int rc = topics_clean_name(title, out, sizeof out);
    if (rc != EM_OK || strcmp(out, want) != 0)
        fail_msg("name of \"%s\": got \"%s\" (rc %d), want \"%s\"", title, out, rc, want);
}

static void assert_slug(const char *name, const char *want)
{
    char out[128];
    int rc = topics_tag_slug(name, out, sizeof out);
    if (rc != EM_OK || strcmp(out, want) != 0)
        fail_msg("slug of \"%s\": got \"%s\" (rc %d), want \"%s\"", name, out, rc, want);
}

static void assert_near(double got, double want)
{
    if (fabs(got - want) > 1e-9)
        fail_msg("got %f, want %f", got, want);
}

/* A chunk as chunk_document would make it; text is borrowed for the test. */
static text_chunk mk_chunk(const char *section, int words, int page, const char *text)
{
    text_chunk c = {0};
    c.text = (char *)text;
    c.section = (char *)section;
    c.words = words;
    c.page_start = c.page_end = page;
    return c;
}

static topic_list extract(const chunk_heading *h, size_t nh, const text_chunk *c, size_t nc)
{
    topic_list l;
    em_error err = {0};
    int rc = topics_extract(h, nh, c, nc, &l, &err);
    if (rc != EM_OK)
        fail_msg("topics_extract: %d %s", rc, err.msg);
    return l;
}

/* ---- names and slugs ------------------------------------------------------ */

static void content_topics_clean_names(void **state)
{
    assert_clean("1.2 Cell Structure", "Cell Structure");
    assert_clean("1.2. Cell Structure", "Cell Structure");
    assert_clean("1.2.3 Deep Section", "Deep Section");
    assert_clean("1. Introduction", "Introduction");
    assert_clean("2) Methods", "Methods");
    assert_clean("3: Results", "Results");
    assert_clean("4 - Discussion", "Discussion");
    assert_clean("12 Angry Men", "Angry Men");
    assert_clean("IV. Results", "Results");
    assert_clean("Chapter 3: Genetics", "Genetics");
    assert_clean("CHAPTER 3 - Genetics", "Genetics");
    assert_clean("chapter 3. Genetics", "Genetics");
    assert_clean("Chapter 3 Genetics", "Genetics");
    assert_clean("Part II \xe2\x80\x93 Evolution", "Evolution");
    assert_clean("Section 2.1: Forces", "Forces");
    assert_clean("Unit 4 \xe2\x80\x94 Waves", "Waves");
    assert_clean("Appendix A: Tables", "Tables");
    assert_clean("E.1 System names: device", "System names: device"); /* an appendix's section */
    assert_clean("B.2.3 Reserved words", "Reserved words");
    assert_clean("C.elegans", "C.elegans");
    assert_clean("Lesson 5) Fractions", "Fractions");
    /* not numbering */
    assert_clean("2020 Olympics", "2020 Olympics");
    assert_clean("3D Printing", "3D Printing");
    assert_clean("Chapter Review", "Chapter Review");
    assert_clean("Unit Cell Structure", "Unit Cell Structure");
    assert_clean("Section Dynamics", "Section Dynamics");
    assert_clean("Introduction", "Introduction");
    assert_clean("Vectors", "Vectors");
    /* nothing but numbering: the title stays */
    assert_clean("Chapter 3", "Chapter 3");
    assert_clean("1.2", "1.2");
    /* white space and a trailing colon */
    assert_clean("  Key \n\t terms:  ", "Key terms");
    assert_clean("Summary:", "Summary");

    char out[TOPICS_NAME_MAX + 1];
    assert_int_equal(topics_clean_name("", out, sizeof out), EM_E_INVAL);
    assert_string_equal(out, "");
    assert_int_equal(topics_clean_name(" \t\n", out, sizeof out), EM_E_INVAL);
    assert_int_equal(topics_clean_name(NULL, out, sizeof out), EM_E_INVAL);
    assert_int_equal(topics_clean_name("x", out, 0), EM_E_INVAL);

    /* long names are cut at a character boundary */
    char title[600];
    for (size_t i = 0; i < 200; i++)
        memcpy(title + 2 * i, "\xc3\xa9", 2); /* é */
    title[400] = '\0';
    assert_int_equal(topics_clean_name(title, out, sizeof out), EM_OK);
    assert_int_equal(strlen(out), TOPICS_NAME_MAX);
    char small[6];
    assert_int_equal(topics_clean_name(title, small, sizeof small), EM_OK);
    assert_string_equal(small, "\xc3\xa9\xc3\xa9");
}

static void content_topics_slugs(void **state)
{
    assert_slug("Photosynthesis and Respiration", "photosynthesis-and-respiration");
    assert_slug("  --Hello,   World!--  ", "hello-world");
    assert_slug("C++ & Java", "c-java");
    assert_slug("Cell Structure (Part 2)", "cell-structure-part-2");
    assert_slug("\xc3\x9c"
                "ber Caf\xc3\xa9",
                "ber-caf");
    assert_slug("already-a-slug", "already-a-slug");

    char out[128];
    assert_int_equal(topics_tag_slug("", out, sizeof out), EM_E_INVAL);
    assert_string_equal(out, "");
    assert_int_equal(topics_tag_slug("!!! \xc3\xa9", out, sizeof out), EM_E_INVAL);
    assert_string_equal(out, "");
    assert_int_equal(topics_tag_slug(NULL, out, sizeof out), EM_E_INVAL);
    assert_int_equal(topics_tag_slug("abc", out, 0), EM_E_INVAL);

    /* at most 64 bytes, never ending in '-' */
    char name[200];
    memset(name, 'a', 100);
    name[100] = '\0';
    assert_int_equal(topics_tag_slug(name, out, sizeof out), EM_OK);
    assert_int_equal(strlen(out), TOPICS_SLUG_MAX);
    memset(name, 'b', 63);
    memcpy(name + 63, " cde", 5);
    assert_int_equal(topics_tag_slug(name, out, sizeof out), EM_OK);
    assert_int_equal(strlen(out), 63);
    assert_int_not_equal(out[62], '-');
    /* and at most len - 1 */
    char tiny[5];
    assert_int_equal(topics_tag_slug("abc def", tiny, sizeof tiny), EM_OK);
    assert_string_equal(tiny, "abc");
}

/* ---- topics from headings ------------------------------------------------- */

static void content_topics_top_level(void **state)
{
    chunk_heading h[] = {
        {1, 0, 1, "1 Cells"},
        {1, 50, 2, "1.1 Membranes"},
        {3, 0, 1, "2 Genetics"},
        {5, 0, 1, "3 Evolution"},
    };
    text_chunk c[] = {
        mk_chunk(NULL, 10, 1, "preface"),
        mk_chunk("1 Cells", 20, 1, "cells"),
        mk_chunk("1.1 Membranes", 30, 2, "membranes"),
        mk_chunk("2 Genetics", 25, 3, "genetics"),
        mk_chunk("3 Evolution", 15, 5, "evolution"),
    };
    topic_list l = extract(h, 4, c, 5);
    /* every level down to the third is a topic: the subsection too */
    assert_int_equal(l.n, 4);
    assert_string_equal(l.items[0].name, "Cells");
    assert_string_equal(l.items[0].source, "heading");
    assert_int_equal(l.items[0].page, 1);
    assert_near(l.items[0].weight, 0.2); /* its own words; its subsection has its own */
    assert_string_equal(l.items[1].name, "Membranes");
    assert_int_equal(l.items[1].page, 1);
    assert_near(l.items[1].weight, 0.3);
    assert_string_equal(l.items[2].name, "Genetics");
    assert_int_equal(l.items[2].page, 3);
    assert_near(l.items[2].weight, 0.25);
    assert_string_equal(l.items[3].name, "Evolution");
    assert_int_equal(l.items[3].page, 5);
    assert_near(l.items[3].weight, 0.15);
    topic_list_cleanup(&l);
    assert_null(l.items);
    assert_int_equal(l.n, 0);
}

static void content_topics_title_heading_dropped(void **state)
{
    chunk_heading h[] = {
        {1, 0, 1, "Biology Notes"},
        {1, 20, 2, "Cells"},
        {2, 0, 2, "Genetics"},
        {2, 90, 3, "Dominance"},
    };
    text_chunk c[] = {
        mk_chunk("Biology Notes", 10, 1, "a"),
        mk_chunk("Cells", 40, 1, "b"),
        mk_chunk("Genetics", 30, 2, "c"),
        mk_chunk("Dominance", 20, 2, "d"),
    };
    topic_list l = extract(h, 4, c, 4);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0].name, "Cells");
    assert_near(l.items[0].weight, 0.4);
    assert_string_equal(l.items[1].name, "Genetics");
    assert_int_equal(l.items[1].page, 2);
    assert_near(l.items[1].weight, 0.3);
    assert_string_equal(l.items[2].name, "Dominance");
    assert_int_equal(l.items[2].page, 2);
    assert_near(l.items[2].weight, 0.2);
    topic_list_cleanup(&l);
}

/* A title page sets each line in a size of its own, so each is a lone
 * heading at a level of its own above the chapters (groff's pdfmark
 * manual: "Portable Document Format Publishing with GNU Troff", "Keith
 * Marshall", "A G N U M A N U A L"): none is a topic, and the chapters and
 * their sections are, not the chapters alone. */
static void content_topics_title_page_dropped(void **state)
{
    (void)state;
    chunk_heading h[] = {
        {1, 0, 1, "Portable Document Format Publishing with GNU Troff"},
        {1, 60, 2, "Keith Marshall"},
        {1, 80, 3, "A G N U M A N U A L"},
        {3, 0, 5, "1. Introduction"},
        {4, 0, 5, "2. Exploiting PDF Document Features"},
        {4, 90, 6, "2.1. The pdfmark Operator"},
        {5, 0, 6, "2.2. Selecting an Initial Document View"},
    };
    text_chunk c[] = {
        mk_chunk("Keith Marshall", 2, 1, "a"),
        mk_chunk("A G N U M A N U A L", 3, 1, "b"),
        mk_chunk("1. Introduction", 40, 3, "c"),
        mk_chunk("2. Exploiting PDF Document Features", 10, 4, "d"),
        mk_chunk("2.1. The pdfmark Operator", 25, 4, "e"),
        mk_chunk("2.2. Selecting an Initial Document View", 20, 5, "f"),
    };
    topic_list l = extract(h, 7, c, 6);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.items[0].name, "Introduction");
    assert_string_equal(l.items[1].name, "Exploiting PDF Document Features");
    assert_string_equal(l.items[2].name, "The pdfmark Operator");
    assert_string_equal(l.items[3].name, "Selecting an Initial Document View");
    topic_list_cleanup(&l);
}

/* The Debian Reference's front matter as its PDF sets it: the title at the
 * chapters' size, the author, "COLLABORATORS", then the contents. Whatever
 * comes before a table of contents near the start is the title page's: the
 * title names no topic. A table of contents at the end (groff's -ms sets it
 * there) marks nothing: the headings before it are the document's. */
static void content_topics_title_before_contents(void **state)
{
    (void)state;
    chunk_heading h[] = {
        {1, 0, 1, "Debian Reference"},
        {1, 20, 3, "Osamu Aoki"},
        {2, 0, 1, "COLLABORATORS"},
        {3, 0, 1, "Contents"},
        {20, 0, 1, "Preface"},
        {21, 0, 1, "GNU/Linux tutorials"},
        {21, 40, 2, "Console basics"},
        {23, 0, 2, "Unix-like filesystem"},
        {40, 0, 1, "Package management"},
    };
    text_chunk c[] = {
        mk_chunk("Osamu Aoki", 40, 1, "Debian Reference is intended to provide a broad overview."),
        mk_chunk("COLLABORATORS", 16, 2, "TITLE: Debian Reference WRITTEN BY Osamu Aoki"),
        mk_chunk("Contents", 200, 3, "1 GNU/Linux tutorials . . . . 1"),
        mk_chunk("Preface", 60, 20, "p"),
        mk_chunk("Console basics", 200, 21, "c"),
        mk_chunk("Unix-like filesystem", 300, 23, "u"),
        mk_chunk("Package management", 300, 40, "m"),
    };
    topic_list l = extract(h, 9, c, 7);
    for (size_t i = 0; i < l.n; i++)
        if (strcmp(l.items[i].name, "Debian Reference") == 0 || strcmp(l.items[i].name, "COLLABORATORS") == 0)
            fail_msg("\"%s\", on the title page, is a topic", l.items[i].name);
    bool console = false, packages = false;
    for (size_t i = 0; i < l.n; i++) {
        console = console || strcmp(l.items[i].name, "Console basics") == 0;
        packages = packages || strcmp(l.items[i].name, "Package management") == 0;
    }
    assert_true(console && packages);
    topic_list_cleanup(&l);

    /* the contents at the end: the headings before it stay topics */
    chunk_heading g[] = {{1, 0, 1, "Introduction"},
                         {2, 0, 1, "Installation"},
                         {3, 0, 1, "Configuration"},
                         {4, 0, 1, "Table of Contents"}};
    text_chunk d[] = {
        mk_chunk("Introduction", 100, 1, "i"),
        mk_chunk("Installation", 100, 2, "n"),
        mk_chunk("Configuration", 100, 3, "c"),
        mk_chunk("Table of Contents", 30, 4, "Introduction . . . . 1"),
    };
    l = extract(g, 4, d, 4);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0].name, "Introduction");
    topic_list_cleanup(&l);
}

/* The Debian Reference's title page: the title, then the author's name as a
 * heading of its own over "Copyright © 2013-2021 Osamu Aoki". The author
 * names no topic; the chapters and their sections do. */
static void content_topics_author_on_title_page(void **state)
{
    (void)state;
    chunk_heading h[] = {
        {2, 0, 2, "Debian Reference"},     {2, 20, 3, "Osamu Aoki"},      {24, 0, 1, "Preface"},
        {29, 0, 1, "GNU/Linux tutorials"}, {29, 40, 2, "Console basics"}, {31, 0, 2, "Unix-like filesystem"},
    };
    text_chunk c[] = {
        mk_chunk("Osamu Aoki", 40, 2,
                 "Debian Reference\n\nOsamu Aoki\nCopyright \xc2\xa9 2013-2021 Osamu Aoki\n\nThis Debian "
                 "Reference is intended to provide a broad overview of the Debian system."),
        mk_chunk("Preface", 60, 24, "p"),
        mk_chunk("Console basics", 200, 29, "c"),
        mk_chunk("Unix-like filesystem", 300, 31, "u"),
    };
    topic_list l = extract(h, 6, c, 4);
    for (size_t i = 0; i < l.n; i++)
        if (strcmp(l.items[i].name, "Osamu Aoki") == 0)
            fail_msg("the author is a topic");
    bool console = false;
    for (size_t i = 0; i < l.n; i++)
        console = console || strcmp(l.items[i].name, "Console basics") == 0;
    assert_true(console);
    topic_list_cleanup(&l);

    /* a subject named in a copyright line, not as its holder, stays a topic */
    chunk_heading g[] = {{1, 0, 1, "Introduction"},
                         {2, 0, 1, "Copyright law"},
                         {3, 0, 2, "Fair use"},
                         {4, 0, 1, "Trademarks"}};
    text_chunk d[] = {
        mk_chunk("Introduction", 100, 1, "Copyright law protects works. Copyright (c) 2020 Law Press."),
        mk_chunk("Copyright law", 100, 2, "c"),
        mk_chunk("Fair use", 100, 3, "f"),
        mk_chunk("Trademarks", 100, 4, "t"),
    };
    l = extract(g, 4, d, 4);
    bool law = false;
    for (size_t i = 0; i < l.n; i++)
        law = law || strcmp(l.items[i].name, "Copyright law") == 0;
    assert_true(law);
    topic_list_cleanup(&l);
}

static void content_topics_two_levels(void **state)
{
    chunk_heading h[] = {
        {1, 0, 1, "Part I: Plants"},   {1, 30, 2, "Roots"},   {2, 0, 2, "Leaves"},
        {3, 0, 1, "Part II: Animals"}, {3, 40, 2, "Mammals"}, {4, 0, 3, "Whales"},
    };
    text_chunk c[] = {
        mk_chunk("Part I: Plants", 10, 1, "a"), mk_chunk("Roots", 10, 1, "b"),
        mk_chunk("Leaves", 20, 2, "c"),         mk_chunk("Part II: Animals", 10, 3, "d"),
        mk_chunk("Mammals", 30, 3, "e"),        mk_chunk("Whales", 20, 4, "f"),
    };
    topic_list l = extract(h, 6, c, 6);
    const char *want[] = {"Plants", "Roots", "Leaves", "Animals", "Mammals", "Whales"};
    const double weights[] = {0.1, 0.1, 0.2, 0.1, 0.3, 0.2};
    const int pages[] = {1, 1, 2, 3, 3, 4};
    assert_int_equal(l.n, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(l.items[i].name, want[i]);
        assert_near(l.items[i].weight, weights[i]);
        assert_int_equal(l.items[i].page, pages[i]);
    }
    topic_list_cleanup(&l);
}

/* Levels down to the third are topics; a heading with no text under it
 * is none, a part whose text all sits in its sections is one; past
 * TOPICS_MAX topics, fewer levels. */
static void content_topics_levels(void **state)
{
    chunk_heading h[] = {
        {1, 0, 1, "Part One"}, {1, 10, 2, "Section A"},     {1, 20, 3, "Detail A1"}, {1, 30, 4, "Fine print"},
        {2, 0, 1, "Part Two"}, {2, 10, 2, "Empty Section"}, {3, 0, 1, "Part Three"}, {3, 10, 2, "Section B"},
    };
    text_chunk c[] = {
        mk_chunk("Section A", 10, 1, "a"),  mk_chunk("Detail A1", 20, 1, "b"),
        mk_chunk("Fine print", 10, 1, "c"), mk_chunk("Part Three", 10, 3, "d"),
        mk_chunk("Section B", 50, 3, "e"),
    };
    topic_list l = extract(h, 8, c, 5);
    const char *want[] = {"Part One", "Section A", "Detail A1", "Part Three", "Section B"};
    h[7].title = "See also"; /* a label is no topic: its words stay with the part */
    topic_list lab = extract(h, 8, c, 5);
    assert_int_equal(lab.n, 4);
    assert_string_equal(lab.items[3].name, "Part Three");
    assert_near(lab.items[3].weight, 0.6);
    topic_list_cleanup(&lab);
    const double weights[] = {0.0, 0.1, 0.3, 0.1, 0.5}; /* "Fine print" (level 4) counts for its parent */
    assert_int_equal(l.n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(l.items[i].name, want[i]);
        assert_near(l.items[i].weight, weights[i]);
    }
    topic_list_cleanup(&l);

    /* 110 chapters of 3 sections: 440 topics would pass TOPICS_MAX, so the
     * chapters alone */
    enum { CH = 110, SEC = 3, N = CH * (SEC + 1) };
    chunk_heading many[N];
    text_chunk mc[N];
    char titles[N][32];
    for (int i = 0, k = 0; i < CH; i++) {
        for (int j = 0; j <= SEC; j++, k++) {
            snprintf(titles[k], sizeof titles[k], j == 0 ? "Chapter %d" : "Section %d.%d", i + 1, j);
            many[k] = (chunk_heading){i + 1, (size_t)j * 10, j == 0 ? 1 : 2, titles[k]};
            mc[k] = mk_chunk(titles[k], 5, i + 1, "x");
        }
    }
    l = extract(many, N, mc, N);
    assert_int_equal(l.n, CH);
    assert_string_equal(l.items[1].name, "Chapter 2");
    assert_near(l.items[1].weight, 1.0 / CH);
    topic_list_cleanup(&l);
}

static void content_topics_merge_case_insensitive(void **state)
{
    chunk_heading h[] = {
        {1, 0, 1, "Summary"},
        {2, 0, 1, "Intro"},
        {3, 0, 1, "1. SUMMARY"},
        {4, 0, 1, "Cells"},
    };
    text_chunk c[] = {
        mk_chunk("Summary", 10, 1, "a"),
        mk_chunk("Intro", 20, 2, "b"),
        mk_chunk("1. SUMMARY", 30, 3, "c"),
        mk_chunk("Cells", 40, 4, "d"),
    };
    topic_list l = extract(h, 4, c, 4);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0].name, "Summary");
    assert_int_equal(l.items[0].page, 1);
    assert_near(l.items[0].weight, 0.4);
    assert_string_equal(l.items[1].name, "Intro");
    assert_string_equal(l.items[2].name, "Cells");
    assert_near(l.items[2].weight, 0.4);
    topic_list_cleanup(&l);
}

static void content_topics_repeated_titles(void **state)
{
    /* two sections called "Exercises": the chunks go to the right one by page */
    chunk_heading h[] = {
        {1, 0, 1, "Forces"},    {2, 0, 1, "Exercises"}, {3, 0, 1, "Energy"},
        {4, 0, 1, "Exercises"}, {5, 0, 1, "Waves"},
    };
    text_chunk c[] = {
        mk_chunk("Forces", 10, 1, "a"),    mk_chunk("Exercises", 5, 2, "b"), mk_chunk("Energy", 10, 3, "c"),
        mk_chunk("Exercises", 15, 4, "d"), mk_chunk("Exercises", 5, 4, "e"), mk_chunk("Waves", 5, 5, "f"),
    };
    topic_list l = extract(h, 5, c, 6);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.items[1].name, "Exercises");
    assert_near(l.items[1].weight, 25.0 / 50);
    assert_string_equal(l.items[2].name, "Energy");
    assert_near(l.items[2].weight, 10.0 / 50);
    topic_list_cleanup(&l);
}

/* A Texinfo manual as the PDF reader gives it (libtasn1's): its author line,
 * table of contents, licence appendix and indexes with their letter groups
 * are no topics, and the words of all but the author line are no topic's:
 * the licence, a third of the manual, does not become the plan's biggest
 * block, nor go to the chapter before it. */
static void content_topics_document_apparatus(void **state)
{
    chunk_heading h[] = {
        {1, 0, 1, "Libtasn1"},
        {1, 20, 3, "Fabio Fiorina Simon Josefsson Nikos Mavrogiannopoulos (help-libtasn1@gnu.org)"},
        {3, 0, 2, "Table of Contents"},
        {4, 0, 2, "1 Introduction"},
        {5, 0, 2, "2 ASN.1 structure handling"},
        {5, 30, 3, "2.1 ASN.1 syntax"},
        {6, 0, 3, "2.2 Naming"},
        {27, 0, 2, "Appendix A Copying Information"},
        {27, 10, 3, "A.1 GNU Free Documentation License"},
        {34, 0, 3, "ADDENDUM: How to use this License for your documents"},
        {35, 0, 2, "Concept Index"},
        {35, 10, 3, "A"},
        {35, 20, 3, "F"},
        {36, 0, 2, "Function and Data Index"},
    };
    text_chunk c[] = {
        mk_chunk("Libtasn1", 10, 1, "a"),
        mk_chunk(h[1].title, 20, 1, "b"),
        mk_chunk("Table of Contents", 100, 3, "c"),
        mk_chunk("1 Introduction", 50, 4, "d"),
        mk_chunk("2.1 ASN.1 syntax", 60, 5, "e"),
        mk_chunk("2.2 Naming", 40, 6, "f"),
        mk_chunk("A.1 GNU Free Documentation License", 300, 27, "g"),
        mk_chunk("ADDENDUM: How to use this License for your documents", 20, 34, "h"),
        mk_chunk("Concept Index", 5, 35, "i"),
        mk_chunk("A", 10, 35, "j"),
        mk_chunk("F", 10, 35, "k"),
        mk_chunk("Function and Data Index", 100, 36, "l"),
    };
    topic_list l = extract(h, 14, c, 12);
    const char *want[] = {"Introduction", "ASN.1 structure handling", "ASN.1 syntax", "Naming"};
    const double weights[] = {50.0 / 725, 0.0, 60.0 / 725, 40.0 / 725};
    assert_int_equal(l.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(l.items[i].name, want[i]);
        assert_near(l.items[i].weight, weights[i]);
    }
    topic_list_cleanup(&l);

    /* Markdown notes whose contents sit between the chapters, at their
     * level: the contents' lines are nobody's, "Index structures" is a
     * chapter */
    chunk_heading md[] = {
        {1, 0, 1, "Contents"},
        {1, 50, 1, "Index structures"},
        {2, 0, 1, "Index"},
        {2, 40, 1, "Query plans"},
    };
    text_chunk mc[] = {
        mk_chunk("Contents", 30, 1, "a"),
        mk_chunk("Index structures", 40, 1, "b"),
        mk_chunk("Index", 10, 2, "c"),
        mk_chunk("Query plans", 20, 2, "d"),
    };
    l = extract(md, 4, mc, 4);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].name, "Index structures");
    assert_near(l.items[0].weight, 0.4);
    assert_string_equal(l.items[1].name, "Query plans");
    assert_near(l.items[1].weight, 0.2);
    topic_list_cleanup(&l);
}

/* A heading of one character or an author's line is no topic but its words
 * stay with the topic before it, as a box's label's do; a licence takes
 * its clauses with it, and a part that holds nothing but licences is no
 * topic either. */
static void content_topics_apparatus_words(void **state)
{
    chunk_heading h[] = {
        {1, 0, 1, "Languages"},
        {1, 30, 2, "Python"},
        {2, 0, 2, "C"},
        {3, 0, 1, "Articles"},
        {3, 10, 2, "On proofs"},
        {3, 20, 3, "Jane Doe <jane@uni.example.org>"},
        {4, 0, 1, "Licences"},
        {4, 10, 2, "GNU General Public License"},
        {4, 20, 3, "Preamble"},
        {5, 0, 3, "TERMS AND CONDITIONS"},
        {6, 0, 2, "Apache terms"},
    };
    text_chunk c[] = {
        mk_chunk("Languages", 10, 1, "a"),
        mk_chunk("Python", 20, 1, "b"),
        mk_chunk("C", 30, 2, "c"),
        mk_chunk("On proofs", 10, 3, "d"),
        mk_chunk(h[5].title, 30, 3, "e"),
        mk_chunk("Preamble", 50, 4, "f"),
        mk_chunk("TERMS AND CONDITIONS", 50, 5, "g"),
    };
    topic_list l = extract(h, 11, c, 7);
    const char *want[] = {"Languages", "Python", "Articles", "On proofs"};
    const double weights[] = {0.05, 0.25, 0.0, 0.2};
    assert_int_equal(l.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(l.items[i].name, want[i]);
        assert_near(l.items[i].weight, weights[i]);
    }
    topic_list_cleanup(&l);
}

static void content_topics_cap(void **state)
{
    enum { N = TOPICS_MAX + 10 };
    chunk_heading h[N];
    char titles[N][32];
    text_chunk c[N];
    for (int i = 0; i < N; i++) {
        snprintf(titles[i], sizeof titles[i], "Heading %d", i);
        h[i] = (chunk_heading){i + 1, 0, 1, titles[i]};
        c[i] = mk_chunk(titles[i], 1, i + 1, "x");
    }
    topic_list l = extract(h, N, c, N);
    assert_int_equal(l.n, TOPICS_MAX);
    assert_string_equal(l.items[0].name, "Heading 0");
    char last[32];
    snprintf(last, sizeof last, "Heading %d", TOPICS_MAX - 1);
    assert_string_equal(l.items[TOPICS_MAX - 1].name, last);
    assert_near(l.items[TOPICS_MAX - 1].weight, 1.0 / N);
    topic_list_cleanup(&l);
}

static void content_topics_from_chunker(void **state)
{
    const char *p1 = "Cells\nCells are the units of life. Every cell has a membrane.";
    const char *p2 = "Genetics\nGenes carry traits from parents to offspring.";
    chunk_page pages[] = {{1, p1, strlen(p1)}, {2, p2, strlen(p2)}};
    chunk_heading h[] = {{1, 0, 1, "Cells"}, {2, 0, 1, "Genetics"}};
    chunk_list cl;
    em_error err = {0};
    chunk_limits lim = {20, 40};
    assert_int_equal(chunk_document(pages, 2, h, 2, lim, &cl, &err), EM_OK);
    topic_list l = extract(h, 2, cl.items, cl.n);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].name, "Cells");
    assert_string_equal(l.items[1].name, "Genetics");
    assert_int_equal(l.items[1].page, 2);
    assert_true(l.items[0].weight > l.items[1].weight);
    assert_near(l.items[0].weight + l.items[1].weight, 1.0);
    topic_list_cleanup(&l);
    chunk_list_cleanup(&cl);
}

/* ---- topics from key terms -------------------------------------------------- */

static void content_topics_from_terms(void **state)
{
    chunk_heading h[] = {{1, 0, 1, "Only Heading"}, {1, 5, 2, "   "}};
    text_chunk c[] = {
        mk_chunk(NULL, 6, 1, "Mitochondria make energy for the cell."),
        mk_chunk(NULL, 5, 2, "Ribosomes make proteins. Ribosomes read RNA."),
        mk_chunk(NULL, 6, 4, "Proteins fold. Mitochondria and ribosomes everywhere: ribosomes!"),
    };
    topic_list l = extract(h, 2, c, 3);
    assert_true(l.n > 3 && l.n <= TOPICS_MAX_TERMS);
    assert_string_equal(l.items[0].name, "ribosomes");
    assert_string_equal(l.items[0].source, "terms");
    assert_int_equal(l.items[0].page, 2);
    double sum = 0;
    for (size_t i = 0; i < l.n; i++) {
        sum += l.items[i].weight;
        if (i > 0)
            assert_true(l.items[i - 1].weight >= l.items[i].weight);
        if (strcmp(l.items[i].name, "mitochondria") == 0)
            assert_int_equal(l.items[i].page, 1);
        if (strcmp(l.items[i].name, "proteins") == 0)
            assert_int_equal(l.items[i].page, 2);
    }
    assert_near(sum, 1.0);
    topic_list_cleanup(&l);
}

static void content_topics_empty_and_invalid(void **state)
{
    topic_list l = extract(NULL, 0, NULL, 0);
    assert_int_equal(l.n, 0);
    assert_null(l.items);
    topic_list_cleanup(&l);
    topic_list_cleanup(NULL);

    /* headings but no chunks: topics with no weight */
    chunk_heading h[] = {{1, 0, 1, "Alpha"}, {2, 0, 1, "Beta"}};
    l = extract(h, 2, NULL, 0);
    assert_int_equal(l.n, 2);
    assert_near(l.items[0].weight, 0.0);
    topic_list_cleanup(&l);

    em_error err = {0};
    assert_int_equal(topics_extract(NULL, 2, NULL, 0, &l, &err), EM_E_INVAL);
    assert_int_equal(err.code, EM_E_INVAL);
    assert_int_equal(topics_extract(h, 2, NULL, 3, &l, &err), EM_E_INVAL);
    assert_int_equal(l.n, 0);
}

/* ---- time ------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n headings of distinct names, and n chunks of which every other names a
 * section no heading has (as a worksheet's chunks under its answer key do,
 * whose heading is left out of the topics): counting the distinct names
 * and looking for the missing section each scanned every heading. */
static void content_topics_many_headings(void **state)
{
    (void)state;
    size_t n = 100000;
    chunk_heading *h = em_calloc(n, sizeof *h);
    text_chunk *c = em_calloc(n, sizeof *c);
    char **names = em_calloc(n, sizeof *names);
    for (size_t i = 0; i < n; i++) {
        names[i] = em_asprintf("Section %zu", i);
        h[i] = (chunk_heading){.page = 1 + (int)i / 10, .offset = i % 10, .level = 1, .title = names[i]};
        c[i] = (text_chunk){.text = "Words of the section.",
                            .page_start = h[i].page,
                            .page_end = h[i].page,
                            .words = 4,
                            .section = i % 2 == 0 ? names[i] : "Answer Key",
                            .index = (int)i};
    }
    topic_list l;
    em_error err = {0};
    double t0 = now_s();
    assert_int_equal(topics_extract(h, n, c, n, &l, &err), EM_OK);
    double t = now_s() - t0;
    print_message("100,000 headings and chunks: %.2f s\n", t);
    assert_int_equal(l.n, TOPICS_MAX);
    assert_string_equal(l.items[0].name, "Section 0");
    topic_list_cleanup(&l);
    assert_true(t < 5);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(c);
    free(h);
}

/* Past the deadline, EM_E_TIMEOUT and no topics, by headings or by terms. */
static void content_topics_deadline(void **state)
{
    (void)state;
    chunk_heading h[] = {{1, 0, 1, "Cells"}, {2, 0, 1, "Energy"}};
    text_chunk c[] = {{"Cells divide.", 1, 1, 2, "Cells", 0}, {"Energy flows.", 2, 2, 2, "Energy", 1}};
    topic_list l;
    em_error err = {0};
    deadline past = deadline_at(clock_mono_us() - 1);
    assert_int_equal(topics_extract_until(h, 2, c, 2, &past, &l, &err), EM_E_TIMEOUT);
    assert_string_equal(err.reason, DEADLINE_REASON);
    assert_null(l.items);
    assert_int_equal(l.n, 0);
    past = deadline_at(clock_mono_us() - 1);
    assert_int_equal(topics_extract_until(NULL, 0, c, 2, &past, &l, &err), EM_E_TIMEOUT);
    assert_null(l.items);
    deadline later = deadline_in_ms(60000);
    assert_int_equal(topics_extract_until(h, 2, c, 2, &later, &l, &err), EM_OK);
    assert_int_equal(l.n, 2);
    topic_list_cleanup(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_topics_clean_names),
        cmocka_unit_test(content_topics_slugs),
        cmocka_unit_test(content_topics_top_level),
        cmocka_unit_test(content_topics_title_heading_dropped),
        cmocka_unit_test(content_topics_title_page_dropped),
        cmocka_unit_test(content_topics_two_levels),
        cmocka_unit_test(content_topics_merge_case_insensitive),
        cmocka_unit_test(content_topics_repeated_titles),
        cmocka_unit_test(content_topics_document_apparatus),
        cmocka_unit_test(content_topics_apparatus_words),
        cmocka_unit_test(content_topics_cap),
        cmocka_unit_test(content_topics_levels),
        cmocka_unit_test(content_topics_from_chunker),
        cmocka_unit_test(content_topics_from_terms),
        cmocka_unit_test(content_topics_empty_and_invalid),
        cmocka_unit_test(content_topics_many_headings),
        cmocka_unit_test(content_topics_author_on_title_page),
        cmocka_unit_test(content_topics_title_before_contents),
        cmocka_unit_test(content_topics_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
