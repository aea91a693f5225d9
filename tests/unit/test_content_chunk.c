/* chunk: sentence boundaries, chunk sizes, pages, headings, normalisation,
 * hostile input and limits, time on hostile shapes and the deadline. */
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
#include "core/sentence.h"
#include "content/deadline.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"

/* ---- helpers ------------------------------------------------------------ */

/* The first sentence of s, as an owned string. */
static char *first_sentence(const char *s)
{
    return em_strndup(s, chunk_sentence_len(s, strlen(s)));
}

static void assert_first_sentence(const char *text, const char *want)
{
    char *got = first_sentence(text);
    if (strcmp(got, want) != 0)
        fail_msg("in \"%s\": got \"%s\", want \"%s\"", text, got, want);
    free(got);
}

/* Split s into sentences the way the chunker walks normalised text; return
 * the count and check each against want[] (NULL-terminated). */
static void assert_sentences(const char *s, const char *const *want)
{
    size_t len = strlen(s), pos = 0, k = 0;
    while (pos < len) {
        size_t n = chunk_sentence_len(s + pos, len - pos);
        assert_true(n > 0);
        assert_non_null(want[k]);
        if (strlen(want[k]) != n || memcmp(s + pos, want[k], n) != 0)
            fail_msg("sentence %zu of \"%s\": got \"%.*s\", want \"%s\"", k, s, (int)n, s + pos, want[k]);
        k++;
        pos += n;
        while (pos < len && s[pos] == ' ')
            pos++;
    }
    assert_null(want[k]);
}

static bool is_ws(unsigned char c)
{
    return c <= 0x20 || c == 0x7f;
}

/* Reference normalisation, written independently of chunk.c from the rules,
 * but for the kind of white space (chunk texts keep line breaks and
 * indentation, compared after collapse()): pages joined with '\n';
 * "word-<blanks>\n<blanks>lowercase" joins (the hyphen '-', U+2010 or
 * U+00AD); other white space runs become one space; trimmed. Owned
 * result. */
static char *normalise(const chunk_page *pages, size_t n_pages)
{
    buf raw;
    buf_init(&raw, SIZE_MAX / 4);
    for (size_t i = 0; i < n_pages; i++) {
        if (i > 0)
            assert_int_equal(buf_append(&raw, "\n", 1), 0);
        assert_int_equal(buf_append(&raw, pages[i].text, pages[i].len), 0);
    }
    const unsigned char *r = (const unsigned char *)(raw.data != NULL ? raw.data : "");
    size_t n = raw.len;
    buf out;
    buf_init(&out, n + 1);
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        size_t hy = r[i] == '-'                                          ? 1
                    : i + 2 < n && memcmp(r + i, "\xe2\x80\x90", 3) == 0 ? 3
                    : i + 1 < n && memcmp(r + i, "\xc2\xad", 2) == 0     ? 2
                                                                         : 0;
        if (hy > 0 && i > 0 && !is_ws(r[i - 1]) && r[i - 1] != '-') {
            size_t j = i + hy;
            while (j < n && r[j] != '\n' && is_ws(r[j]))
                j++;
            if (j < n && r[j] == '\n') {
                j++;
                while (j < n && r[j] != '\n' && is_ws(r[j]))
                    j++;
                if (j < n && r[j] >= 'a' && r[j] <= 'z') {
                    i = j - 1;
                    continue;
                }
            }
        }
        if (is_ws(r[i])) {
            space = out.len > 0;
            continue;
        }
        if (space)
            assert_int_equal(buf_append(&out, " ", 1), 0);
        space = false;
        assert_int_equal(buf_append(&out, &r[i], 1), 0);
    }
    buf_cleanup(&raw);
    return buf_steal(&out);
}

/* s with every run of white space one space; owned. */
static char *collapse(const char *s)
{
    char *out = em_malloc(strlen(s) + 1);
    size_t k = 0;
    for (; *s != '\0'; s++) {
        if (is_ws((unsigned char)*s)) {
            if (k > 0 && out[k - 1] != ' ')
                out[k++] = ' ';
        } else {
            out[k++] = *s;
        }
    }
    out[k] = '\0';
    return out;
}

static int count_words(const char *s)
{
    int n = 0;
    bool in = false;
    for (; *s != '\0'; s++) {
        bool w = !is_ws((unsigned char)*s);
        n += w && !in;
        in = w;
    }
    return n;
}

/* What every result must satisfy: 1..max words, counted right, no stray
 * spaces (two only as indentation after a line break, three line breaks
 * never), ordered indexes and pages, and the texts joined with single
 * spaces give back the normalised document, but for the kind of white
 * space (nothing lost, nothing repeated). */
static void check_invariants(const chunk_list *l, const chunk_page *pages, size_t n_pages, int max)
{
    char *norm = normalise(pages, n_pages);
    buf joined;
    buf_init(&joined, SIZE_MAX / 4);
    for (size_t i = 0; i < l->n; i++) {
        const text_chunk *c = &l->items[i];
        assert_int_equal(c->index, (int)i);
        assert_true(c->words >= 1 && c->words <= max);
        assert_int_equal(c->words, count_words(c->text));
        assert_false(is_ws((unsigned char)c->text[0]) || is_ws((unsigned char)c->text[strlen(c->text) - 1]));
        for (const char *p = c->text; (p = strstr(p, "  ")) != NULL; p++) {
            const char *q = p;
            while (q > c->text && q[-1] == ' ')
                q--;
            assert_true(q > c->text && q[-1] == '\n');
        }
        assert_null(strstr(c->text, "\n\n\n"));
        assert_null(strstr(c->text, " \n"));
        for (const char *p = c->text; *p != '\0'; p++)
            assert_true(!is_ws((unsigned char)*p) || *p == ' ' || *p == '\n');
        assert_true(c->page_start <= c->page_end);
        if (i > 0)
            assert_true(l->items[i - 1].page_end <= c->page_start);
        if (i > 0)
            assert_int_equal(buf_append(&joined, " ", 1), 0);
        assert_int_equal(buf_append_str(&joined, c->text), 0);
    }
    char *flat = collapse(joined.data != NULL ? joined.data : "");
    assert_string_equal(flat, norm);
    free(flat);
    buf_cleanup(&joined);
    free(norm);
}

static chunk_page page(int number, const char *text)
{
    chunk_page p = {number, text, strlen(text)};
    return p;
}

static int run(const chunk_page *pages, size_t n_pages, const chunk_heading *h, size_t n_h, int target,
               int max, chunk_list *out)
{
    em_error err = {0};
    chunk_limits lim = {target, max};
    int rc = chunk_document(pages, n_pages, h, n_h, lim, out, &err);
    if (rc == EM_OK)
        check_invariants(out, pages, n_pages, max == 0 ? 400 : max);
    else
        assert_true(err.code == rc && err.msg[0] != '\0');
    return rc;
}

/* ---- sentence boundaries ------------------------------------------------ */

static void content_chunk_sentence_stops(void **state)
{
    static const char *const basic[] = {"One two.", "Three four!", "Five six?", "Seven.", NULL};
    assert_sentences("One two. Three four! Five six? Seven.", basic);
    static const char *const runs[] = {"Really?!", "Yes!!!", "Sure.", NULL};
    assert_sentences("Really?! Yes!!! Sure.", runs);
    /* closing quotes and brackets stay with the sentence they close */
    static const char *const quotes[] = {
        "He said \"Stop.\"", "Then he left.", "(An aside.)", "Done?'", "“Curly.”",
        "‘Single.’",         "«Guillemets.»", "Next.",       NULL};
    assert_sentences(
        "He said \"Stop.\" Then he left. (An aside.) Done?' “Curly.” ‘Single.’ «Guillemets.» Next.", quotes);
    /* what may follow: uppercase, digit, quote, bracket; lowercase may not */
    static const char *const follow[] = {"It ended.",  "2020 began.",     "\"Quoted.\"", "[Bracket.]",
                                         "Élan here.", "Ωmega. ok then.", NULL};
    assert_sentences("It ended. 2020 began. \"Quoted.\" [Bracket.] Élan here. Ωmega. ok then.", follow);
    /* no stop at all: the sentence runs to the end */
    assert_first_sentence("no stop here", "no stop here");
    assert_first_sentence("", "");
    assert_first_sentence("Trailing.   ", "Trailing.");
    assert_first_sentence("a.b. C", "a.b.");
    assert_first_sentence("Stop.Next", "Stop.Next");
}

static void content_chunk_sentence_abbreviations(void **state)
{
    static const char *const abbr[] = {"e.g.",  "i.e.", "etc.", "vs.", "Dr.", "Mr.", "Mrs.", "Ms.",
                                       "Prof.", "Fig.", "Eq.",  "No.", "St.", "cf.", "al.",  "approx."};
    for (size_t i = 0; i < sizeof abbr / sizeof abbr[0]; i++) {
        char text[128], want[128];
        /* followed by an uppercase word and by a digit, both must hold */
        snprintf(text, sizeof text, "We cite %s Smith and more. Next one.", abbr[i]);
        snprintf(want, sizeof want, "We cite %s Smith and more.", abbr[i]);
        assert_first_sentence(text, want);
        snprintf(text, sizeof text, "See (%s 3) today. Next one.", abbr[i]);
        snprintf(want, sizeof want, "See (%s 3) today.", abbr[i]);
        assert_first_sentence(text, want);
    }
    assert_first_sentence("Smith et al. Showed it. Next.", "Smith et al. Showed it.");
    assert_first_sentence("E.g. This one. Next.", "E.g. This one.");
    /* lowercase look-alikes that do end sentences */
    assert_first_sentence("The answer is no. Then we left.", "The answer is no.");
    assert_first_sentence("I met Al. He waved.", "I met Al.");
    assert_first_sentence("Chapter 3. The end.", "Chapter 3.");
}

static void content_chunk_sentence_decimals_initials_ellipsis(void **state)
{
    assert_first_sentence("Pi is 3.14 roughly. Next.", "Pi is 3.14 roughly.");
    assert_first_sentence("It was approx. 2.5 m. Then it grew.", "It was approx. 2.5 m.");
    assert_first_sentence("Version 1.2.3 is out. Next.", "Version 1.2.3 is out.");
    assert_first_sentence("J. R. R. Tolkien wrote it. Next.", "J. R. R. Tolkien wrote it.");
    assert_first_sentence("J.R.R. Tolkien wrote it. Next.", "J.R.R. Tolkien wrote it.");
    assert_first_sentence("Ask Mr. T. Smith now. Next.", "Ask Mr. T. Smith now.");
    assert_first_sentence("So do I. Then we go.", "So do I.");
    /* an ellipsis followed by lowercase is inside the sentence */
    assert_first_sentence("Wait... and then it went. Next.", "Wait... and then it went.");
    assert_first_sentence("Wait… and then it went. Next.", "Wait… and then it went.");
    assert_first_sentence("Wait... Then it went.", "Wait...");
    assert_first_sentence("Hmm…\" Then.", "Hmm…\"");
    /* truncated UTF-8 at the end is opaque, not a stop */
    assert_first_sentence("Cut \xe2\x80", "Cut \xe2\x80");
    assert_first_sentence("Bad \xff\xfe. Next \xc3", "Bad \xff\xfe.");
}

/* ---- chunking ----------------------------------------------------------- */

/* A document of sentences of 3..15 words ("Sk w w w."), several pages. */
static char *make_sentences(int n, unsigned seed)
{
    buf b;
    buf_init(&b, 1 << 20);
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        int words = 3 + (int)(seed >> 16) % 13;
        assert_int_equal(buf_printf(&b, "%sS%d", i > 0 ? "\n" : "", i), 0);
        for (int w = 1; w < words; w++)
            assert_int_equal(buf_printf(&b, "%sw%d", w % 4 == 0 ? "\n  " : " ", w), 0);
        assert_int_equal(buf_append_str(&b, "."), 0);
    }
    return buf_steal(&b);
}

/* Label lines over the sentence they introduce, told from prose and from
 * identifiers that introduce a definition. */
static void content_chunk_label_lines(void **state)
{
    (void)state;
    static const char *const labels[] = {"Tip",
                                         "Warning",
                                         "  Note ",
                                         "2.7.8",
                                         "NAME",
                                         "Table 3",
                                         "Übersicht",
                                         "Table 5.1: List of network configuration tools",
                                         "Figure 2 The cell"};
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
        if (!sentence_line_is_label(labels[i], strlen(labels[i])))
            fail_msg("\"%s\" is a label", labels[i]);
    static const char *const not_labels[] = {
        "",
        "   ",
        "Use it.",
        "See also:",
        "'FILE_RULES'",
        "--verbose",
        "a b",
        "x_y",
        "Three words here",
        "Wait…",
        "A very long heading word beyond",
    };
    for (size_t i = 0; i < sizeof not_labels / sizeof *not_labels; i++)
        if (sentence_line_is_label(not_labels[i], strlen(not_labels[i])))
            fail_msg("\"%s\" is no label", not_labels[i]);
}

static void content_chunk_sizes_near_target(void **state)
{
    char *text = make_sentences(200, 7);
    chunk_page pages[1] = {page(1, text)};
    chunk_list l;
    assert_int_equal(run(pages, 1, NULL, 0, 40, 60, &l), EM_OK);
    assert_true(l.n > 10);
    for (size_t i = 0; i < l.n; i++) {
        const text_chunk *c = &l.items[i];
        /* whole sentences: starts a sentence, ends with its stop */
        assert_true(c->text[0] == 'S');
        assert_true(c->text[strlen(c->text) - 1] == '.');
        assert_true(c->words <= 40);
        /* near the target: the next sentence (at most 15 words) did not fit */
        if (i + 1 < l.n) {
            assert_true(c->words > 40 - 15);
            char *next = first_sentence(l.items[i + 1].text);
            assert_true(c->words + count_words(next) > 40);
            free(next);
        }
        assert_null(c->section);
        assert_int_equal(c->page_start, 1);
        assert_int_equal(c->page_end, 1);
    }
    /* no sentence split: every sentence "Sk ... ." is inside one chunk */
    for (int k = 0; k < 200; k++) {
        char tag[16];
        snprintf(tag, sizeof tag, "S%d ", k);
        int found = 0;
        for (size_t i = 0; i < l.n; i++) {
            const char *p = strstr(l.items[i].text, tag);
            if (p != NULL && (p == l.items[i].text || is_ws((unsigned char)p[-1]))) {
                found++;
                const char *stop = strchr(p, '.');
                assert_non_null(stop);
            }
        }
        assert_int_equal(found, 1);
    }
    chunk_list_cleanup(&l);
    assert_null(l.items);
    assert_int_equal(l.n, 0);

    /* the defaults: short text, one chunk */
    chunk_page one[1] = {page(7, "Just one. Or two sentences.")};
    assert_int_equal(run(one, 1, NULL, 0, 0, 0, &l), EM_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].text, "Just one. Or two sentences.");
    assert_int_equal(l.items[0].words, 5);
    assert_int_equal(l.items[0].page_start, 7);
    chunk_list_cleanup(&l);
    free(text);
}

static void content_chunk_overlong_sentence_is_cut(void **state)
{
    buf b;
    buf_init(&b, 4096);
    assert_int_equal(buf_append_str(&b, "Short one here. Long"), 0);
    for (int i = 1; i < 130; i++)
        assert_int_equal(buf_printf(&b, " l%d", i), 0);
    assert_int_equal(buf_append_str(&b, ". After that. Tail."), 0);
    char *text = buf_steal(&b);
    chunk_page pages[1] = {page(1, text)};
    chunk_list l;
    assert_int_equal(run(pages, 1, NULL, 0, 20, 50, &l), EM_OK);
    assert_int_equal(l.n, 5);
    assert_string_equal(l.items[0].text, "Short one here.");
    assert_int_equal(l.items[1].words, 50);
    assert_true(strncmp(l.items[1].text, "Long l1 ", 8) == 0);
    assert_int_equal(l.items[2].words, 50);
    assert_int_equal(l.items[3].words, 30);
    assert_string_equal(l.items[3].text + strlen(l.items[3].text) - 5, "l129.");
    assert_string_equal(l.items[4].text, "After that. Tail.");
    chunk_list_cleanup(&l);

    /* a sentence between target and max stays whole, alone */
    buf_init(&b, 4096);
    for (int i = 0; i < 45; i++)
        assert_int_equal(buf_printf(&b, "%sm%d", i ? " " : "A ", i), 0);
    assert_int_equal(buf_append_str(&b, ". Next."), 0);
    char *t2 = buf_steal(&b);
    chunk_page p2[1] = {page(1, t2)};
    assert_int_equal(run(p2, 1, NULL, 0, 20, 50, &l), EM_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.items[0].words, 46);
    assert_string_equal(l.items[1].text, "Next.");
    chunk_list_cleanup(&l);

    /* a cut never lands inside a multibyte character: it only cuts at spaces */
    buf_init(&b, 4096);
    for (int i = 0; i < 60; i++)
        assert_int_equal(buf_append_str(&b, "żółw "), 0);
    char *t3 = buf_steal(&b);
    chunk_page p3[1] = {page(1, t3)};
    assert_int_equal(run(p3, 1, NULL, 0, 20, 25, &l), EM_OK);
    assert_int_equal(l.n, 3);
    for (size_t i = 0; i < l.n; i++)
        assert_true(strncmp(l.items[i].text, "żółw", strlen("żółw")) == 0);
    chunk_list_cleanup(&l);
    free(t3);
    free(t2);
    free(text);
}

static void content_chunk_pages(void **state)
{
    /* sentence 1: 15 words on page 3; sentence 2 starts on page 3, ends on 4 */
    chunk_page pages[] = {
        page(3, "One w w w w w w w w w w w w w end. Two w w w w w w w"),
        page(4, "w w w w w w w w end. Three ends here."),
    };
    chunk_list l;
    assert_int_equal(run(pages, 2, NULL, 0, 20, 30, &l), EM_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.items[0].page_start, 3);
    assert_int_equal(l.items[0].page_end, 3);
    assert_true(strncmp(l.items[1].text, "Two ", 4) == 0);
    assert_int_equal(l.items[1].page_start, 3);
    assert_int_equal(l.items[1].page_end, 4);
    chunk_list_cleanup(&l);

    /* empty and blank pages in between are skipped but keep the numbering */
    chunk_page gaps[] = {page(1, "A b c."), page(2, ""), page(3, " \n\t "), page(4, "D e f.")};
    assert_int_equal(run(gaps, 4, NULL, 0, 20, 30, &l), EM_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].text, "A b c.\n\nD e f."); /* blank pages: a paragraph break */
    assert_int_equal(l.items[0].page_start, 1);
    assert_int_equal(l.items[0].page_end, 4);
    chunk_list_cleanup(&l);

    /* a chunk starting on a later page after blank ones */
    chunk_page late[] = {page(1, "   "), page(2, ""), page(3, "Starts late.")};
    assert_int_equal(run(late, 3, NULL, 0, 20, 30, &l), EM_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].page_start, 3);
    assert_int_equal(l.items[0].page_end, 3);
    chunk_list_cleanup(&l);
}

static void content_chunk_headings(void **state)
{
    const char *p1 = "Preface text here.\nIntroduction\nThe cell is small. It has parts.\n";
    const char *p2 = "More on cells.\nMethods\nWe looked. We saw.";
    chunk_page pages[] = {page(1, p1), page(2, p2)};
    chunk_heading h[] = {
        {1, (size_t)(strstr(p1, "Introduction") - p1), 1, "Introduction"},
        {2, (size_t)(strstr(p2, "Methods") - p2), 1, "Methods"},
    };
    chunk_list l;
    assert_int_equal(run(pages, 2, h, 2, 20, 30, &l), EM_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0].text, "Preface text here.");
    assert_null(l.items[0].section);
    assert_string_equal(l.items[1].text, "Introduction\nThe cell is small. It has parts.\n\nMore on cells.");
    assert_string_equal(l.items[1].section, "Introduction");
    assert_int_equal(l.items[1].page_start, 1);
    assert_int_equal(l.items[1].page_end, 2);
    assert_string_equal(l.items[2].text, "Methods\nWe looked. We saw.");
    assert_string_equal(l.items[2].section, "Methods");
    assert_int_equal(l.items[2].page_start, 2);
    chunk_list_cleanup(&l);

    /* a chapter title right before a section title stays with it; the
     * section is the most specific heading */
    const char *t = "Chapter 2\nCells\nCells divide. They grow.\n\nOrgans\nOrgans work.";
    chunk_page one[] = {page(5, t)};
    chunk_heading nested[] = {
        {5, 0, 1, "Chapter 2"},
        {5, (size_t)(strstr(t, "Cells") - t), 2, "Cells"},
        {5, (size_t)(strstr(t, "Organs") - t), 2, "Organs"},
    };
    assert_int_equal(run(one, 1, nested, 3, 20, 30, &l), EM_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].text, "Chapter 2\nCells\nCells divide. They grow.");
    assert_string_equal(l.items[0].section, "Cells");
    assert_string_equal(l.items[1].text, "Organs\nOrgans work.");
    assert_string_equal(l.items[1].section, "Organs");
    chunk_list_cleanup(&l);

    /* titles alone are not closed for size: "Chapter 3" goes with the long
     * first sentence of "Tissues" although together they pass the target */
    const char *w = "Chapter 3\nTissues are made of many cells w w w w w w w w w w w w w w w w w w. Next.";
    chunk_page wp[] = {page(1, w)};
    chunk_heading ch[] = {{1, 0, 1, "Chapter 3"}, {1, (size_t)(strstr(w, "Tissues") - w), 2, "Tissues"}};
    assert_int_equal(run(wp, 1, ch, 2, 20, 30, &l), EM_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.items[0].words, 2 + 24);
    assert_true(strncmp(l.items[0].text, "Chapter 3\nTissues are", 21) == 0);
    assert_string_equal(l.items[0].section, "Tissues");
    assert_string_equal(l.items[1].text, "Next.");
    assert_string_equal(l.items[1].section, "Tissues");
    chunk_list_cleanup(&l);

    /* a heading whose title is not in the text still breaks; an offset in the
     * middle of a word moves to the word's start; a heading at the very end
     * makes no chunk */
    const char *u = "Alpha beta gamma. Delta epsilon zeta. Eta.";
    chunk_page up[] = {page(1, u)};
    chunk_heading odd[] = {
        {1, (size_t)(strstr(u, "Delta") - u) + 2, 1, "Second part"},
        {1, strlen(u), 1, "Appendix"},
    };
    assert_int_equal(run(up, 1, odd, 2, 20, 30, &l), EM_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].text, "Alpha beta gamma.");
    assert_string_equal(l.items[1].text, "Delta epsilon zeta. Eta.");
    assert_string_equal(l.items[1].section, "Second part");
    chunk_list_cleanup(&l);

    /* a heading inside a sentence ends it there */
    const char *v = "Text without a stop Results are here.";
    chunk_page vp[] = {page(1, v)};
    chunk_heading mid[] = {{1, (size_t)(strstr(v, "Results") - v), 2, "Results"}};
    assert_int_equal(run(vp, 1, mid, 1, 20, 30, &l), EM_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].text, "Text without a stop");
    assert_string_equal(l.items[1].text, "Results are here.");
    chunk_list_cleanup(&l);
}

static void content_chunk_hyphenated_line_breaks(void **state)
{
    chunk_page pages[] = {
        page(1, "An exam-\nple of hyphen-  \r\n   ation, well-\nKnown, a -\nb, e-mail, A--\nb and ex-\n\nit. "
                "Ends exam-"),
        page(2, "ple."),
    };
    chunk_list l;
    assert_int_equal(run(pages, 2, NULL, 0, 20, 30, &l), EM_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(
        l.items[0].text,
        "An example of hyphenation, well-\nKnown, a -\nb, e-mail, A--\nb and ex-\n\nit. Ends example.");
    assert_int_equal(l.items[0].page_start, 1);
    assert_int_equal(l.items[0].page_end, 2);
    chunk_list_cleanup(&l);

    /* man and groff break words with U+2010 HYPHEN in a UTF-8 locale (bash(1)
     * through "man -P cat"), and HTML text with a soft hyphen: joined too;
     * one before a capital or a blank line stays */
    chunk_page uni[] = {page(1,
                             "       Bash also incor\u2010\n       porates useful features from the\n"
                             "       Korn shell, a soft\u00ad\nware classic; Ada\u2010\n       Lovelace.")};
    assert_int_equal(run(uni, 1, NULL, 0, 40, 60, &l), EM_OK);
    assert_int_equal(l.n, 1);
    assert_non_null(strstr(l.items[0].text, "incorporates useful"));
    assert_non_null(strstr(l.items[0].text, "software classic"));
    assert_non_null(strstr(l.items[0].text, "Ada\u2010"));
    chunk_list_cleanup(&l);

    /* white space of every kind collapses; control bytes count as space */
    chunk_page ws[] = {page(1, "  \t Lots\n\n\nof \v\f white\x01space \x7f here.\r\n ")};
    assert_int_equal(run(ws, 1, NULL, 0, 20, 30, &l), EM_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].text, "Lots\n\nof white space here."); /* a blank line stays one */
    assert_int_equal(l.items[0].words, 5);
    chunk_list_cleanup(&l);
}

/* Line breaks: wrapped prose is joined, code keeps its lines and their
 * indentation, a blank line stays a paragraph break. */
static void content_chunk_line_breaks(void **state)
{
    chunk_page pages[] = {page(1, "A class is a template for\nobjects, written with the\n"
                                  "class keyword:\n\nclass Dog:\n    def bark(self):\n"
                                  "        return 1\nx = y\nz = 2\nprint(x)\n\n"
                                  "Call it as\nfido.bark() and see.\nIt works.")};
    chunk_list l;
    assert_int_equal(run(pages, 1, NULL, 0, 100, 200, &l), EM_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].text,
                        "A class is a template for objects, written with the class keyword:\n\n"
                        "class Dog:\n    def bark(self):\n        return 1\nx = y\nz = 2\n"
                        "print(x)\n\nCall it as fido.bark() and see.\nIt works.");
    assert_int_equal(l.items[0].words, 33);
    chunk_list_cleanup(&l);

    /* a box's label over its text keeps its line: not a wrapped line */
    chunk_page boxed[] = {
        page(1, "The clock drifts.\nTip\nntptrace(8) in the ntp package traces the\nservers.")};
    assert_int_equal(run(boxed, 1, NULL, 0, 100, 200, &l), EM_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].text,
                        "The clock drifts.\nTip\nntptrace(8) in the ntp package traces the servers.");
    chunk_list_cleanup(&l);
}

static void content_chunk_empty_inputs(void **state)
{
    chunk_list l = {(text_chunk *)&l, 99};
    assert_int_equal(run(NULL, 0, NULL, 0, 0, 0, &l), EM_OK);
    assert_int_equal(l.n, 0);
    assert_null(l.items);
    chunk_list_cleanup(&l);

    chunk_page empty[] = {page(1, ""), page(2, "")};
    assert_int_equal(run(empty, 2, NULL, 0, 0, 0, &l), EM_OK);
    assert_int_equal(l.n, 0);

    chunk_page blank[] = {page(1, " \n\t\r "), page(2, "\n\n")};
    chunk_heading h[] = {{2, 1, 1, "Lonely heading"}};
    assert_int_equal(run(blank, 2, h, 1, 0, 0, &l), EM_OK);
    assert_int_equal(l.n, 0);

    chunk_page nul_text[] = {{1, NULL, 0}};
    assert_int_equal(run(nul_text, 1, NULL, 0, 0, 0, &l), EM_OK);
    assert_int_equal(l.n, 0);
    chunk_list_cleanup(NULL);
}

static void content_chunk_hostile_bytes(void **state)
{
    /* invalid UTF-8 and truncated sequences next to stops and quotes */
    const char *bad =
        "\xff\xfe. \xe2\x80\x9c\xc3. \xe2\x80\xa6 \xe2\x80. \xc2 X. \xe2\x80\x9d. \xed\xa0\x80.";
    chunk_page pages[] = {page(1, bad), page(2, "\xe2"), page(3, "\x80\xa6 Z")};
    chunk_list l;
    assert_int_equal(run(pages, 3, NULL, 0, 20, 20, &l), EM_OK);
    chunk_list_cleanup(&l);

    /* random bytes, with and without NULs, various limits */
    unsigned seed = 12345;
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)(round * 7 % 600);
        char *p = em_malloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned char c = (unsigned char)(seed >> 16);
            /* bias toward the interesting bytes */
            static const char interesting[] = ".!?\"')( \n-aZ9\xe2\x80\xa6";
            if ((seed >> 8) % 3 == 0)
                c = (unsigned char)interesting[(seed >> 4) % (sizeof interesting - 1)];
            if (round % 2 == 0 && c == 0)
                c = 'x';
            p[i] = (char)c;
        }
        p[n] = '\0';
        size_t cut = n / 3;
        chunk_page rp[] = {{1, p, cut}, {2, p + cut, n - cut}};
        chunk_heading rh[] = {{2, (n - cut) / 2, 1, "H"}};
        int target = 20 + round % 11;
        assert_int_equal(run(rp, 2, rh, round % 2, target, target + round % 5, &l), EM_OK);
        chunk_list_cleanup(&l);
        free(p);
    }
}

static void content_chunk_limits(void **state)
{
    chunk_page pages[] = {page(1, "Some text.")};
    chunk_list l;
    em_error err = {0};
    static const chunk_limits bad[] = {{19, 400}, {2001, 4000}, {-1, 0}, {100, 99}, {0, 100}, {30, -5}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(chunk_document(pages, 1, NULL, 0, bad[i], &l, &err), EM_E_INVAL);
        assert_int_equal(err.code, EM_E_INVAL);
        assert_true(err.msg[0] != '\0');
        assert_null(l.items);
        assert_int_equal(l.n, 0);
    }
    static const chunk_limits good[] = {{0, 0}, {20, 20}, {2000, 0}, {2000, 2000}, {20, 1000000}, {300, 0}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(chunk_document(pages, 1, NULL, 0, good[i], &l, &err), EM_OK);
        assert_int_equal(l.n, 1);
        chunk_list_cleanup(&l);
    }

    /* headings that do not fit the document */
    chunk_page two[] = {page(1, "One."), page(2, "Two.")};
    chunk_heading no_page[] = {{9, 0, 1, "X"}};
    chunk_heading past_end[] = {{1, 5, 1, "X"}};
    chunk_heading backwards[] = {{2, 0, 1, "X"}, {1, 0, 1, "Y"}};
    chunk_heading same_page_back[] = {{1, 2, 1, "X"}, {1, 1, 1, "Y"}};
    chunk_limits def = {0, 0};
    assert_int_equal(chunk_document(two, 2, no_page, 1, def, &l, &err), EM_E_INVAL);
    assert_int_equal(chunk_document(two, 2, past_end, 1, def, &l, &err), EM_E_INVAL);
    assert_int_equal(chunk_document(two, 2, backwards, 2, def, &l, &err), EM_E_INVAL);
    assert_int_equal(chunk_document(two, 2, same_page_back, 2, def, &l, &err), EM_E_INVAL);
    assert_int_equal(chunk_document(NULL, 2, NULL, 0, def, &l, &err), EM_E_INVAL);
    assert_int_equal(chunk_document(two, 2, NULL, 1, def, &l, &err), EM_E_INVAL);
    chunk_page null_text[] = {{1, NULL, 3}};
    assert_int_equal(chunk_document(null_text, 1, NULL, 0, def, &l, &err), EM_E_INVAL);
    assert_null(l.items);
    /* the error is cleared on success */
    assert_int_equal(chunk_document(two, 2, NULL, 0, def, &l, &err), EM_OK);
    assert_int_equal(err.code, EM_OK);
    chunk_list_cleanup(&l);
}

/* One heading per word: n chunks of one word each. */
static int one_word_chunks(size_t n, chunk_list *l)
{
    char *text = em_malloc(2 * n + 1);
    chunk_heading *h = em_malloc(n * sizeof *h);
    for (size_t i = 0; i < n; i++) {
        text[2 * i] = 'w';
        text[2 * i + 1] = ' ';
        h[i].page = 1;
        h[i].offset = 2 * i;
        h[i].level = 1;
        h[i].title = "T";
    }
    text[2 * n] = '\0';
    chunk_page p = {1, text, 2 * n};
    em_error err = {0};
    chunk_limits lim = {0, 0};
    int rc = chunk_document(&p, 1, h, n, lim, l, &err);
    if (rc != EM_OK)
        assert_int_equal(err.code, rc);
    free(h);
    free(text);
    return rc;
}

static void content_chunk_too_many_chunks(void **state)
{
    chunk_list l;
    assert_int_equal(one_word_chunks(100000, &l), EM_OK);
    assert_int_equal(l.n, 100000);
    assert_int_equal(l.items[99999].index, 99999);
    chunk_list_cleanup(&l);
    assert_int_equal(one_word_chunks(100001, &l), EM_E_TOO_LARGE);
    assert_null(l.items);
    assert_int_equal(l.n, 0);
}

/* ---- time ------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Chunk one page of text under n headings at the given offsets (NULL: none);
 * the time it took, or fail. */
static double timed_chunks(const char *text, size_t len, const size_t *offsets, size_t n, size_t *n_chunks)
{
    chunk_page p = {1, text, len};
    chunk_heading *h = em_calloc(n + 1, sizeof *h);
    for (size_t i = 0; i < n; i++)
        h[i] = (chunk_heading){.page = 1, .offset = offsets[i], .level = 2, .title = "H"};
    chunk_list l;
    em_error err = {0};
    chunk_limits lim = {0, 0};
    double t0 = now_s();
    int rc = chunk_document(&p, 1, h, n, lim, &l, &err);
    double t = now_s() - t0;
    if (rc != EM_OK)
        fail_msg("chunk_document: %s", err.msg);
    *n_chunks = l.n;
    chunk_list_cleanup(&l);
    free(h);
    return t;
}

/* Lines "a-", "b-", ... are one word once their hyphens join them, and a
 * heading at each line sat inside it: each heading walked back to the
 * word's start (200,000 headings in one word: an hour). */
static void content_chunk_headings_in_one_word(void **state)
{
    (void)state;
    size_t n = 200000;
    char *text = em_malloc(3 * n + 1);
    size_t *offsets = em_malloc(n * sizeof *offsets);
    for (size_t i = 0; i < n; i++) {
        offsets[i] = 3 * i;
        text[3 * i] = (char)('a' + i % 26);
        text[3 * i + 1] = '-';
        text[3 * i + 2] = '\n';
    }
    text[3 * n] = '\0';
    size_t n_chunks;
    double t = timed_chunks(text, 3 * n, offsets, n, &n_chunks);
    print_message("200,000 headings in one word: %.2f s, %zu chunks\n", t, n_chunks);
    assert_true(n_chunks >= 1);
    assert_true(t < 5);
    free(offsets);
    free(text);
}

/* Hostile shapes, each linear: one 24 MB line without a sentence end or a
 * space; 12 million one-letter lines; a line of 8 million periods; numbering
 * repeated a million levels deep. */
static void content_chunk_hostile_shapes(void **state)
{
    (void)state;
    size_t len = 24u << 20, n_chunks;
    char *text = em_malloc(len + 1);
    struct {
        const char *what;
        const char *unit;
    } shapes[] = {{"one 24 MB word", "x"},
                  {"12 million short lines", "a\n"},
                  {"24 MB of periods", "."},
                  {"numbering a million levels deep", "1.1."},
                  {"24 MB of single-letter sentences", "A. "}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        size_t u = strlen(shapes[k].unit);
        for (size_t i = 0; i < len; i++)
            text[i] = shapes[k].unit[i % u];
        text[len] = '\0';
        double t = timed_chunks(text, len, NULL, 0, &n_chunks);
        print_message("%s: %.2f s, %zu chunks\n", shapes[k].what, t, n_chunks);
        assert_true(t < 20);
    }
    free(text);
}

/* Past the deadline chunking stops with EM_E_TIMEOUT and returns nothing. */
static void content_chunk_deadline(void **state)
{
    (void)state;
    const char *text = "A sentence. Another one follows it. And a third.";
    chunk_page p = page(1, text);
    chunk_list l;
    em_error err = {0};
    chunk_limits lim = {0, 0};
    deadline past = deadline_at(clock_mono_us() - 1);
    assert_int_equal(chunk_document_until(&p, 1, NULL, 0, lim, &past, &l, &err), EM_E_TIMEOUT);
    assert_string_equal(err.reason, DEADLINE_REASON);
    assert_null(l.items);
    assert_int_equal(l.n, 0);
    deadline later = deadline_in_ms(60000);
    assert_int_equal(chunk_document_until(&p, 1, NULL, 0, lim, &later, &l, &err), EM_OK);
    assert_int_equal(l.n, 1);
    chunk_list_cleanup(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_chunk_sentence_stops),
        cmocka_unit_test(content_chunk_sentence_abbreviations),
        cmocka_unit_test(content_chunk_sentence_decimals_initials_ellipsis),
        cmocka_unit_test(content_chunk_label_lines),
        cmocka_unit_test(content_chunk_sizes_near_target),
        cmocka_unit_test(content_chunk_overlong_sentence_is_cut),
        cmocka_unit_test(content_chunk_pages),
        cmocka_unit_test(content_chunk_headings),
        cmocka_unit_test(content_chunk_hyphenated_line_breaks),
        cmocka_unit_test(content_chunk_line_breaks),
        cmocka_unit_test(content_chunk_empty_inputs),
        cmocka_unit_test(content_chunk_hostile_bytes),
        cmocka_unit_test(content_chunk_limits),
        cmocka_unit_test(content_chunk_too_many_chunks),
        cmocka_unit_test(content_chunk_headings_in_one_word),
        cmocka_unit_test(content_chunk_hostile_shapes),
        cmocka_unit_test(content_chunk_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
