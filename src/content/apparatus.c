/* apparatus: see apparatus.h.
 *
 * Each rule is a scan of the trimmed title: whole-title phrases ("Table of
 * Contents"), phrases found anywhere ("GNU Free Documentation License"),
 * titles made only of words from a short list around "Index" or after
 * "List of", one character, an e-mail address; a table-of-contents entry
 * is read backwards from its page number over its leader. */
#include "content/apparatus.h"

#include <string.h>

#include "content/codeline.h"
#include "content/text.h"
#include "core/ascii.h"
#include "core/utf8.h"

/* Titles that are a table of contents, whole. */
static const char *const contents_titles[] = {
    "contents",      "table of contents", "short contents",       "brief contents",
    "full contents", "detailed contents", "contents at a glance", "summary of contents",
};

/* A book's front and back matter, titles whole: about the book, not its
 * subject ("Introduction" and "Conventions" can be either, and stay). */
static const char *const matter_titles[] = {
    "preface",           "foreword",         "disclaimer",       "about this document", "about this book",
    "about this manual", "about this guide", "acknowledgements", "acknowledgments",     "dedication",
    "colophon",          "revision history", "document history", "copyright history",   "about the author",
    "about the authors", "collaborators",
};

/* Phrases that name a licence, or an addendum to one, anywhere in a title
 * ("A.1 GNU Free Documentation License"); "licen" takes both spellings. */
static const char *const licence_phrases[] = {
    "gnu free documentation licen",
    "general public licen", /* GNU General, Lesser, Library, Affero General Public License */
    "how to use this licen",
    "how to apply these terms to your new programs",
};

/* Titles of the Texinfo appendix that holds a manual's licence, whole. */
static const char *const licence_titles[] = {"copying this manual", "copying information"};

/* What an index lists: the words of "Concept Index", "Function and Data
 * Index", "Index of Names" (a plural 's' or "es" is allowed). "Body Mass
 * Index" or "Clustered Index" has a word not here: a subject. */
static const char *const index_words[] = {
    "alphabetical", "author",   "class",   "combined",  "command",   "concept",  "constant", "data",
    "file",         "function", "general", "key",       "keystroke", "keyword",  "library",  "macro",
    "member",       "method",   "module",  "name",      "namespace", "operator", "option",   "procedure",
    "program",      "subject",  "symbol",  "structure", "term",      "topic",    "type",     "variable",
};

/* What a list at the front of a book lists: "List of Figures", "List of
 * Tables and Figures". */
static const char *const list_words[] = {
    "abbreviation", "acronym",      "algorithm", "box", "chart", "example", "exhibit",
    "figure",       "illustration", "listing",   "map", "plate", "symbol",  "table",
};

static bool equals_ci(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(end - p) == n && ascii_ncasecmp(p, s, n) == 0;
}

static bool contains_ci(const char *p, const char *end, const char *s)
{
    return ascii_contains_ci(p, (size_t)(end - p), s);
}

static bool any_equal(const char *p, const char *end, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (equals_ci(p, end, list[i]))
            return true;
    return false;
}

/* Whether the word p..end is one of list[0..n), or one of them with 's'
 * or "es" added. */
static bool word_in(const char *p, const char *end, const char *const *list, size_t n)
{
    if (any_equal(p, end, list, n))
        return true;
    if (end - p > 1 && (end[-1] == 's' || end[-1] == 'S') && any_equal(p, end - 1, list, n))
        return true;
    return end - p > 2 && ascii_ncasecmp(end - 2, "es", 2) == 0 && any_equal(p, end - 2, list, n);
}

/* Whether every word of p..end (blank separated, a trailing ',' dropped;
 * "and" and "&" join) is in list[0..n), and there is at least one. */
static bool all_words_in(const char *p, const char *end, const char *const *list, size_t n)
{
    size_t words = 0;
    for (;;) {
        p = text_skip_blanks(p, end);
        if (p == end)
            return words > 0;
        const char *w = p;
        while (p < end && !text_is_blank(*p))
            p++;
        const char *we = p;
        if (we > w && we[-1] == ',')
            we--;
        if (we == w || equals_ci(w, we, "and") || equals_ci(w, we, "&"))
            continue;
        if (!word_in(w, we, list, n))
            return false;
        words++;
    }
}

/* "Index", "Concept Index", "Function and Data Index", "Index of Names". */
static bool is_index(const char *p, const char *end)
{
    static const size_t n = sizeof index_words / sizeof index_words[0];
    if (equals_ci(p, end, "index"))
        return true;
    if (text_starts_with_ci(p, end, "index of "))
        return all_words_in(p + 9, end, index_words, n);
    return end - p > 6 && ascii_ncasecmp(end - 6, " index", 6) == 0 &&
           all_words_in(p, end - 6, index_words, n);
}

static bool is_list(const char *p, const char *end)
{
    return text_starts_with_ci(p, end, "list of ") &&
           all_words_in(p + 8, end, list_words, sizeof list_words / sizeof list_words[0]);
}

static bool is_licence(const char *p, const char *end)
{
    for (size_t i = 0; i < sizeof licence_phrases / sizeof licence_phrases[0]; i++)
        if (contains_ci(p, end, licence_phrases[i]))
            return true;
    return any_equal(p, end, licence_titles, sizeof licence_titles / sizeof licence_titles[0]);
}

/* A copyright notice: "Copyright" followed by a sign or a year ("Copyright
 * \u00a9 2013-2021 Osamu Aoki", "Copyright (C) 1989 ...", "Copyright 2004
 * ..."), or the sign first ("\u00a9 2021 ..."). "Copyright law" and
 * "Copyright and patents" are subjects. */
static bool is_copyright_notice(const char *p, const char *end)
{
    if (end - p >= 2 && (unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa9)
        return true;
    if (!text_starts_with_ci(p, end, "copyright "))
        return false;
    const char *q = text_skip_blanks(p + 10, end);
    if (end - q >= 2 && (unsigned char)q[0] == 0xc2 && (unsigned char)q[1] == 0xa9)
        return true;
    if (text_starts_with_ci(q, end, "(c)"))
        return true;
    int digits = 0;
    while (q + digits < end && text_is_digit(q[digits]))
        digits++;
    return digits == 4;
}

/* A bare appendix label, "Appendix A" or "Appendix 2": Texinfo's contents
 * set it bold on a line of its own above the appendix's title (GnuCOBOL's
 * manual), and it names nothing; nor does "Appendix" or "Appendices" alone,
 * the part that holds a book's appendices (DocBook's). ("Chapter 3" alone
 * stays: a novel's chapters have no other names.) */
static bool is_bare_appendix(const char *p, const char *end)
{
    if (equals_ci(p, end, "appendix") || equals_ci(p, end, "appendices"))
        return true;
    if (!text_starts_with_ci(p, end, "appendix "))
        return false;
    const char *q = text_skip_blanks(p + 9, end);
    if (end - q == 1 && text_is_alpha(*q))
        return true; /* "A" */
    const char *t = q;
    while (t < end && text_is_digit(*t))
        t++;
    if (t == q)
        while (t < end && strchr("IVXivx", *t) != NULL)
            t++;
    return t == end && t > q; /* "2", "IV" */
}

static bool email_byte(char c)
{
    return text_is_alpha(c) || text_is_digit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* An e-mail address somewhere in p..end: a local part, '@', and a domain
 * with a dot followed by a letter ("help-libtasn1@gnu.org"). "@property"
 * has no local part, "user@host" no dot. */
static bool has_email(const char *p, const char *end)
{
    for (const char *at = p; at < end; at++) {
        if (*at != '@' || at == p || !email_byte(at[-1]))
            continue;
        const char *d = at + 1;
        bool dot = false;
        for (; d < end && (text_is_alpha(*d) || text_is_digit(*d) || *d == '-' || *d == '.'); d++)
            dot |= *d == '.' && d > at + 1 && d + 1 < end && text_is_alpha(d[1]);
        if (dot)
            return true;
    }
    return false;
}

static bool is_roman_letter(char c)
{
    return c != '\0' && strchr("ivxlcIVXLC", c) != NULL;
}

bool apparatus_is_toc_entry(const char *line, size_t len)
{
    const char *p = line, *end = line + len;
    while (end > p && (text_is_blank(end[-1]) || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    /* the page number */
    const char *q = end;
    while (q > p && text_is_digit(q[-1]))
        q--;
    if (q == end) {
        while (q > p && is_roman_letter(q[-1]))
            q--;
        if (q == end || end - q > 7)
            return false;
    } else if (end - q > 4) {
        return false;
    }
    /* the leader: dots, middle dots (U+00B7), one- and two-dot leaders
     * (U+2024, U+2025) and ellipses (U+2026), with blanks among them */
    int dots = 0;
    while (q > p) {
        const unsigned char *u = (const unsigned char *)q;
        if (q[-1] == '.') {
            dots++;
            q--;
        } else if (text_is_blank(q[-1])) {
            q--;
        } else if (q - p >= 2 && u[-2] == 0xc2 && u[-1] == 0xb7) {
            dots++;
            q -= 2;
        } else if (q - p >= 3 && u[-3] == 0xe2 && u[-2] == 0x80 && u[-1] >= 0xa4 && u[-1] <= 0xa6) {
            dots += u[-1] - 0xa3; /* one, two or three dots */
            q -= 3;
        } else {
            break;
        }
    }
    return dots >= 3;
}

bool apparatus_is_contents(const char *title, size_t len)
{
    if (title == NULL)
        return false;
    const char *p = text_skip_blanks(title, title + len), *end = title + len;
    while (end > p && (text_is_blank(end[-1]) || end[-1] == ':'))
        end--;
    return any_equal(p, end, contents_titles, sizeof contents_titles / sizeof contents_titles[0]);
}

/* A passage that is mostly a table of contents: at least TOC_LINES_MIN of
 * its lines are entries, and they are at least TOC_SHARE_PERCENT of its
 * lines with words (a PDF sets an entry's number, and a long title's first
 * part, on lines of their own). */
#define TOC_LINES_MIN 3
#define TOC_SHARE_PERCENT 40

static bool mostly_toc(const char *text, size_t len)
{
    size_t entries = 0, lines = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl != NULL ? nl : end;
        const char *q = text_skip_blanks(p, e);
        bool number_only = true;
        for (const char *r = q; r < e && number_only; r++)
            number_only = text_is_digit(*r) || *r == '.' || text_is_blank(*r);
        if (q < e && !number_only) {
            lines++;
            entries += apparatus_is_toc_entry(q, (size_t)(e - q));
        }
        p = e + (nl != NULL);
    }
    return entries >= TOC_LINES_MIN && entries * 100 >= lines * TOC_SHARE_PERCENT;
}

bool apparatus_is_listing(const char *section, const char *text, size_t len)
{
    if (section != NULL) {
        apparatus_kind kind = apparatus_heading(section, strlen(section));
        if (kind == APPARATUS_LIST || kind == APPARATUS_LICENCE)
            return true;
    }
    return text != NULL && mostly_toc(text, len);
}

apparatus_kind apparatus_heading(const char *title, size_t len)
{
    if (title == NULL)
        return APPARATUS_NONE;
    if (codeline_is_label(title, len))
        return APPARATUS_LABEL;
    const char *p = text_skip_blanks(title, title + len), *end = title + len;
    while (end > p && (text_is_blank(end[-1]) || end[-1] == ':'))
        end--;
    if (p == end)
        return APPARATUS_NONE;
    if (apparatus_is_toc_entry(p, (size_t)(end - p)))
        return APPARATUS_LIST;
    if (is_licence(p, end))
        return APPARATUS_LICENCE;
    if (any_equal(p, end, contents_titles, sizeof contents_titles / sizeof contents_titles[0]) ||
        any_equal(p, end, matter_titles, sizeof matter_titles / sizeof matter_titles[0]) ||
        is_index(p, end) || is_list(p, end) || is_copyright_notice(p, end))
        return APPARATUS_LIST;
    if (utf8_count(p, (size_t)(end - p)) == 1 || has_email(p, end) || is_bare_appendix(p, end))
        return APPARATUS_LABEL;
    return APPARATUS_NONE;
}
