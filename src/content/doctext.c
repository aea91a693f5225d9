/* doctext: see doctext.h.
 *
 * The plain-text reader checks the whole input once (UTF-8, no NULs), then
 * reads it page by page (pages end at form feeds) and line by line, copying
 * each line to the page's text and deciding on the way whether it is a
 * heading. Markdown needs one line of memory: a setext underline ("===")
 * turns the line before it into a heading after that line was written, which
 * is why each page remembers where its previous line starts.
 *
 * Every line is scanned a bounded number of times (each test on it is one
 * pass), so reading is linear in the input; the deadline is checked once a
 * line (deadline_check reads the clock every DEADLINE_STRIDE calls).
 *
 * Markdown is read twice: by the line reader above, as the guard of the
 * limits, whose result is dropped; then page by page by CommonMark
 * (libcmark), whose tree is walked once into the page's text and headings
 * (md_event) and freed before the next page; the deadline is checked at
 * every node. */
#include "content/doctext.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "content/apparatus.h"
#include "content/text.h"

#define MAX_LEVEL 6
#define PLAIN_HEADING_MAX_WORDS 12
/* Longest heading title kept, in bytes; longer ones are cut at a character
 * boundary (a title names a section, it is not text to search). */
#define MAX_TITLE 300

/* The doc_text being built, with the capacity of its arrays. */
typedef struct builder {
    doc_text *d;
    size_t pages_cap;
    size_t headings_cap;
    deadline *dl; /* borrowed, may be NULL */
    em_error *err;
} builder;

/* The state of reading one document. */
typedef struct reader {
    builder *b;
    bool markdown;
    bool in_fence;    /* inside a fenced code block */
    char fence_char;  /* '`' or '~' */
    size_t fence_len; /* length of the opening fence */
    /* per page */
    buf out;         /* the page's text */
    int page;        /* 1-based */
    bool any_line;   /* a line was written to out */
    bool prev_blank; /* the previous line was blank, or there was none */
    bool prev_para;  /* the previous line is paragraph text */
    bool prev_first; /* ... and the first line of its paragraph */
    bool prev_item;  /* ... and starts with a list marker */
    size_t prev_off; /* where the previous line starts in out */
    size_t prev_len;
    /* plain text */
    int body_indent;    /* the indentation most lines of the text have */
    int pending_level;  /* a heading waiting for the next line, or 0 */
    bool pending_margin; /* ... unnumbered, set left of an indented body */
    bool pending_gap;    /* ... and a blank line followed it */
    size_t pending_off; /* ... its title in out */
    size_t pending_len;
} reader;

static const char *trim_end(const char *p, const char *end)
{
    while (end > p && text_is_blank(end[-1]))
        end--;
    return end;
}

/* ---- building the result ---- */

static void add_page(builder *b, char *text, size_t len)
{
    doc_text *d = b->d;
    if (d->n_pages == b->pages_cap) {
        b->pages_cap = b->pages_cap == 0 ? 4 : b->pages_cap * 2;
        d->pages = em_realloc(d->pages, b->pages_cap * sizeof d->pages[0]);
    }
    d->pages[d->n_pages] = (chunk_page){.number = (int)d->n_pages + 1, .text = text, .len = len};
    d->n_pages++;
}

/* Add a heading whose title is [t, te), trimmed and cut to MAX_TITLE bytes.
 * The text is valid UTF-8 (checked on entry), so a cut at a character
 * boundary keeps it valid. EM_E_TOO_LARGE past DOC_MAX_HEADINGS. */
static int add_heading(builder *b, int page, size_t off, int level, const char *t, const char *te)
{
    doc_text *d = b->d;
    if (d->n_headings == DOC_MAX_HEADINGS)
        return em_error_set(b->err, EM_E_TOO_LARGE, "the document has more than %d headings",
                            DOC_MAX_HEADINGS);
    t = text_skip_blanks(t, te);
    te = trim_end(t, te);
    size_t n = utf8_cut(t, (size_t)(te - t), MAX_TITLE);
    if (d->n_headings == b->headings_cap) {
        b->headings_cap = b->headings_cap == 0 ? 8 : b->headings_cap * 2;
        d->headings = em_realloc(d->headings, b->headings_cap * sizeof d->headings[0]);
    }
    d->headings[d->n_headings] = (chunk_heading){.page = page,
                                                 .offset = off,
                                                 .level = level > MAX_LEVEL ? MAX_LEVEL : level,
                                                 .title = em_strndup(t, n)};
    d->n_headings++;
    return EM_OK;
}

void doc_text_cleanup(doc_text *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n_pages; i++)
        free((char *)d->pages[i].text);
    for (size_t i = 0; i < d->n_headings; i++)
        free((char *)d->headings[i].title);
    free(d->pages);
    free(d->headings);
    free(d->title);
    memset(d, 0, sizeof *d);
}

/* ---- Markdown lines ---- */

/* An ATX heading: up to three spaces, 1-6 '#', then a blank or the end of the
 * line. Sets the level and the title without the optional closing '#'s. */
static bool atx_heading(const char *p, const char *end, int *level /* OUT */, const char **ts /* OUT */,
                        const char **te /* OUT */)
{
    const char *q = p;
    for (int i = 0; i < 3 && q < end && *q == ' '; i++)
        q++;
    int n = 0;
    while (q < end && *q == '#' && n < 7) {
        q++;
        n++;
    }
    if (n < 1 || n > MAX_LEVEL || (q < end && !text_is_blank(*q)))
        return false;
    q = text_skip_blanks(q, end);
    const char *e = trim_end(q, end);
    const char *h = e;
    while (h > q && h[-1] == '#')
        h--;
    if (h < e && (h == q || text_is_blank(h[-1])))
        e = trim_end(q, h);
    *level = n;
    *ts = q;
    *te = e;
    return true;
}

/* A code fence: up to three spaces, then three or more '`' or '~'. Sets the
 * character and the length of the run. */
static bool fence_line(const char *p, const char *end, char *c /* OUT */, size_t *n /* OUT */)
{
    const char *q = p;
    for (int i = 0; i < 3 && q < end && *q == ' '; i++)
        q++;
    if (q == end || (*q != '`' && *q != '~'))
        return false;
    const char *r = q;
    while (r < end && *r == *q)
        r++;
    if (r - q < 3)
        return false;
    if (*q == '`' && memchr(r, '`', (size_t)(end - r)) != NULL)
        return false; /* an info string may not hold backticks */
    *c = *q;
    *n = (size_t)(r - q);
    return true;
}

/* The fence that closes the open block: the same character, at least as
 * long, nothing but blanks after it. */
static bool closes_fence(const reader *rd, const char *p, const char *end)
{
    char c;
    size_t n;
    if (!fence_line(p, end, &c, &n) || c != rd->fence_char || n < rd->fence_len)
        return false;
    const char *q = text_skip_blanks(p, end);
    while (q < end && *q == c)
        q++;
    return text_skip_blanks(q, end) == end;
}

/* A setext underline: up to three spaces, a run of '=' (level 1) or '-'
 * (level 2), trailing blanks. 0 when it is not one. */
static int setext_level(const char *p, const char *end)
{
    const char *q = p;
    for (int i = 0; i < 3 && q < end && *q == ' '; i++)
        q++;
    if (q == end || (*q != '=' && *q != '-'))
        return 0;
    char c = *q;
    while (q < end && *q == c)
        q++;
    if (text_skip_blanks(q, end) != end)
        return 0;
    return c == '=' ? 1 : 2;
}

/* A list item marker at the start of a line: "- ", "* ", "+ ", "1. ", "1) ". */
static bool list_item(const char *p, const char *end)
{
    const char *q = text_skip_blanks(p, end);
    if (q < end && (*q == '-' || *q == '*' || *q == '+'))
        return q + 1 == end || text_is_blank(q[1]);
    const char *d = q;
    while (q < end && text_is_digit(*q))
        q++;
    if (q == d || q == end || (*q != '.' && *q != ')'))
        return false;
    return q + 1 == end || text_is_blank(q[1]);
}

/* ---- plain-text headings ---- */

static size_t count_words(const char *p, const char *end)
{
    size_t n = 0;
    bool in_word = false;
    for (; p < end; p++) {
        if (text_is_blank(*p)) {
            in_word = false;
        } else if (!in_word) {
            in_word = true;
            n++;
        }
    }
    return n;
}

/* Two letters in a row (ASCII, or any bytes of non-ASCII characters). */
static bool has_word(const char *p, const char *end)
{
    for (; p + 1 < end; p++) {
        bool a = text_is_alpha(p[0]) || (unsigned char)p[0] >= 0x80;
        bool b = text_is_alpha(p[1]) || (unsigned char)p[1] >= 0x80;
        if (a && b)
            return true;
    }
    return false;
}

/* A numbered heading line of plain text (see doctext.h); returns its level
 * or 0. p..end is the line without its line break. */
static int plain_heading(const char *p, const char *end)
{
    p = text_skip_blanks(p, end);
    end = trim_end(p, end);
    if (p == end || strchr(".,;?!", end[-1]) != NULL || count_words(p, end) > PLAIN_HEADING_MAX_WORDS)
        return 0;
    /* "1. Introduction ........ 1" lists a heading; it heads nothing */
    if (apparatus_is_toc_entry(p, (size_t)(end - p)))
        return 0;
    if (text_starts_with_ci(p, end, "chapter") && p + 7 < end && text_is_blank(p[7])) {
        const char *q = text_skip_blanks(p + 7, end);
        return q < end ? 1 : 0;
    }
    int depth = 0;
    const char *q = text_section_number(p, end, 2, &depth);
    if (q == NULL || depth > MAX_LEVEL)
        return 0;
    if (q == end || !text_is_blank(*q))
        return 0;
    q = text_skip_blanks(q, end);
    unsigned char c = (unsigned char)*q;
    if (!((c >= 'A' && c <= 'Z') || c >= 0xc0) || !has_word(q, end))
        return 0;
    return depth;
}

/* The columns of white space that lead a line: a tab goes to the next
 * multiple of 8, a no-break space (U+00A0) counts as a space. */
static int line_indent(const char *p, const char *end)
{
    int col = 0;
    for (; p < end; p++) {
        if (*p == ' ')
            col++;
        else if (*p == '\t')
            col = (col / 8 + 1) * 8;
        else if ((unsigned char)*p == 0xc2 && p + 1 < end && (unsigned char)p[1] == 0xa0) {
            col++;
            p++;
        } else {
            break;
        }
    }
    return col;
}

#define INDENT_MAX 64
/* The indentation most non-blank lines of the text have: the column where
 * its paragraphs start. A text converted from HTML or written by nroff
 * indents its body (4 or 7 columns) and sets headings at the margin, and a
 * numbered line indented further than the body is a list item. */
static int body_indent(const char *p, const char *end)
{
    size_t count[INDENT_MAX + 1] = {0};
    while (p < end) {
        const char *eol = p;
        while (eol < end && *eol != '\n' && *eol != '\r' && *eol != '\f')
            eol++;
        int col = line_indent(p, eol);
        const char *q = p;
        while (q < eol && (text_is_blank(*q) || (unsigned char)*q == 0xc2 || (unsigned char)*q == 0xa0))
            q++;
        if (q < eol)
            count[col > INDENT_MAX ? INDENT_MAX : col]++;
        p = eol < end ? eol + 1 : end;
    }
    int best = 0;
    for (int i = 1; i <= INDENT_MAX; i++)
        if (count[i] > count[best])
            best = i;
    return best;
}

/* Replace each no-break space (U+00A0, two bytes) of s by a space, in
 * place; returns the new length. Text saved from a browser or converted
 * from HTML (w3m, lynx) writes them where the page had &nbsp;: between a
 * section's number and its title ("1.1.\u00a0Console basics"), and in runs
 * that indent its paragraphs. To a reader they are spaces. */
static size_t nbsp_to_space(char *s, size_t n)
{
    size_t w = 0;
    for (size_t r = 0; r < n; r++) {
        if ((unsigned char)s[r] == 0xc2 && r + 1 < n && (unsigned char)s[r + 1] == 0xa0) {
            s[w++] = ' ';
            r++;
        } else {
            s[w++] = s[r];
        }
    }
    return w;
}

/* Whether a line goes on with the sentence of the line before: it starts,
 * after its indentation, with a lowercase letter or '(' ("...variable
 * assignments" / "(those preceding the command name) and ..."). A numbered
 * line followed by one is a list item that wraps, not a heading. */
static bool continues_sentence(const char *p, const char *end)
{
    p = text_skip_blanks(p, end);
    return p < end && ((*p >= 'a' && *p <= 'z') || *p == '(');
}

/* Whether a line starts with a number like a section's or a list item's
 * ("2.", "3.1", "10)") followed by a blank. */
static bool starts_numbered(const char *p, const char *end)
{
    p = text_skip_blanks(p, end);
    int depth = 0;
    const char *q = text_section_number(p, end, 3, &depth);
    return q != NULL && q < end && text_is_blank(*q);
}

/* The column where the text after a numbered line's number starts
 * ("    10. Restart" 8). */
static int title_column(const char *p, const char *end)
{
    int col = line_indent(p, end);
    const char *q = text_skip_blanks(p, end);
    int depth = 0;
    const char *n = text_section_number(q, end, 3, &depth);
    if (n == NULL)
        return -1;
    col += (int)(n - q);
    for (; n < end && text_is_blank(*n); n++)
        col = *n == '\t' ? (col / 8 + 1) * 8 : col + 1;
    return col;
}

/* Whether the line after a numbered line shows it to be an item of a list,
 * not a heading: it is the next item ("1.1. List of packages" / "1.2. List
 * of directories": a list of tables, a contents without leaders), or it is
 * indented further and goes on with the item's sentence or hangs under the
 * item's text (the way a list item wraps: "    10. Restart apt-get as root
 * to" / "        recheck"). A heading is followed by a blank line or by its
 * text. */
static bool ends_list_item(const char *item, size_t item_len, const char *p, const char *end)
{
    if (text_skip_blanks(p, end) == end)
        return false;
    if (starts_numbered(p, end))
        return true;
    int col = line_indent(p, end);
    if (col <= line_indent(item, item + item_len))
        return false; /* "1 Introduction" / "text under it" */
    return continues_sentence(p, end) || col == title_column(item, item + item_len);
}

#define MARGIN_HEADING_MAX_WORDS 8
#define MARGIN_HEADING_MAX_INDENT 3
/* An unnumbered heading of a text whose body is indented, as a manual page
 * sets its sections ("SHELL GRAMMAR" at the margin, "   Simple Commands"
 * three columns in, the text at seven, the terms of its lists at seven and
 * their text at fourteen): a line left of the body and at most
 * MARGIN_HEADING_MAX_INDENT columns in, of at most
 * MARGIN_HEADING_MAX_WORDS words, starting with a capital and not ending in
 * punctuation, with no run of spaces inside (a page header "BASH(1)
 * General Commands Manual  BASH(1)", a row of a table). Returns its level,
 * 1 at the margin and 2 indented, or 0. The line after it decides (see
 * plain_line): its text must follow, after one blank line at most,
 * further in, and not as a
 * numbered list (a contents without leaders: "Preface" / "    1. Disclaimer"). */
static int margin_heading(const char *p, const char *end, int body)
{
    int indent = line_indent(p, end);
    if (indent >= body || indent > MARGIN_HEADING_MAX_INDENT)
        return 0;
    p = text_skip_blanks(p, end);
    end = trim_end(p, end);
    if (p == end || !(*p >= 'A' && *p <= 'Z') || strchr(".,;:?!", end[-1]) != NULL || !has_word(p, end) ||
        count_words(p, end) > MARGIN_HEADING_MAX_WORDS || apparatus_is_toc_entry(p, (size_t)(end - p)))
        return 0;
    for (const char *q = p; q + 1 < end; q++)
        if (text_is_blank(q[0]) && text_is_blank(q[1]))
            return 0;
    return indent == 0 ? 1 : 2;
}

/* ---- reading ---- */

/* Write a line to the page's text; returns where it starts. The appends
 * cannot fail: a page's text is never longer than the page's input (every
 * line break written stands for at least one byte read), which is the
 * buffer's maximum. */
static size_t emit(reader *rd, const char *p, const char *end)
{
    if (rd->any_line)
        buf_append(&rd->out, "\n", 1);
    rd->any_line = true;
    size_t off = rd->out.len;
    buf_append(&rd->out, p, (size_t)(end - p));
    return off;
}

/* Remember the line just written at off for the next one. */
static void set_prev(reader *rd, size_t off, bool blank, bool para, bool item)
{
    rd->prev_first = para && !rd->prev_para;
    rd->prev_blank = blank;
    rd->prev_para = para;
    rd->prev_item = item;
    rd->prev_off = off;
    rd->prev_len = rd->out.len - off;
}

/* One Markdown line; EM_OK or the error of add_heading. */
static int markdown_line(reader *rd, const char *p, const char *end)
{
    char c;
    size_t n;
    int level;
    const char *ts, *te;
    bool blank = text_skip_blanks(p, end) == end;
    int rc = EM_OK;
    if (rd->in_fence) {
        if (closes_fence(rd, p, end))
            rd->in_fence = false;
        set_prev(rd, emit(rd, p, end), false, false, false);
        return EM_OK;
    }
    if (fence_line(p, end, &c, &n)) {
        rd->in_fence = true;
        rd->fence_char = c;
        rd->fence_len = n;
        set_prev(rd, emit(rd, p, end), false, false, false);
        return EM_OK;
    }
    if (atx_heading(p, end, &level, &ts, &te)) {
        size_t off = emit(rd, ts, te);
        if (ts < te)
            rc = add_heading(rd->b, rd->page, off, level, ts, te);
        set_prev(rd, off, false, false, false);
        return rc;
    }
    level = setext_level(p, end);
    if (level > 0 && rd->prev_para && rd->prev_first && !(level == 2 && rd->prev_item)) {
        const char *t = rd->out.data + rd->prev_off;
        rc = add_heading(rd->b, rd->page, rd->prev_off, level, t, t + rd->prev_len);
        rd->prev_para = false;
        rd->prev_blank = false;
        return rc; /* the underline is not text */
    }
    const char *q = text_skip_blanks(p, end);
    bool indented_code = q - p >= 4 && !rd->prev_para;
    bool para = !blank && !indented_code && level == 0;
    set_prev(rd, emit(rd, p, end), blank, para, para && list_item(p, end));
    return EM_OK;
}

/* Add the heading that waited for the line after it, if any. */
static int flush_pending(reader *rd)
{
    if (rd->pending_level == 0)
        return EM_OK;
    const char *t = rd->out.data + rd->pending_off;
    int rc = add_heading(rd->b, rd->page, rd->pending_off, rd->pending_level, t, t + rd->pending_len);
    rd->pending_level = 0;
    return rc;
}

/* One plain-text line; EM_OK or the error of add_heading. The line is
 * written with its no-break spaces as spaces. A numbered line is a heading
 * only when it is no more indented than the body, where the body is
 * indented (a text whose paragraphs start at the margin may indent its
 * sub-sections), and the next line does
 * not show it to be a list item (ends_list_item), so it waits for that
 * line (or the end of the page). */
static int plain_line(reader *rd, const char *p, const char *end)
{
    int rc = EM_OK;
    size_t off = emit(rd, p, end);
    size_t n = nbsp_to_space(rd->out.data + off, rd->out.len - off);
    rd->out.len = off + n;
    rd->out.data[rd->out.len] = '\0';
    const char *s = rd->out.data + off, *se = s + n;
    bool blank = text_skip_blanks(s, se) == se;
    if (rd->pending_level > 0 && rd->pending_margin && blank && !rd->pending_gap) {
        rd->pending_gap = true; /* one blank line may stand between */
        set_prev(rd, off, blank, false, false);
        return rc;
    }
    if (rd->pending_level > 0 && rd->pending_margin) {
        /* a margin heading heads the text that follows it, further in */
        if (blank || starts_numbered(s, se) ||
            line_indent(s, se) <=
                line_indent(rd->out.data + rd->pending_off, rd->out.data + rd->pending_off + rd->pending_len))
            rd->pending_level = 0;
        else
            rc = flush_pending(rd);
    } else if (rd->pending_level > 0) {
        if (ends_list_item(rd->out.data + rd->pending_off, rd->pending_len, s, se))
            rd->pending_level = 0;
        else
            rc = flush_pending(rd);
    }
    int level = 0;
    if (rc == EM_OK && rd->prev_blank && !blank &&
        (rd->body_indent == 0 || line_indent(s, se) <= rd->body_indent))
        level = plain_heading(s, se);
    rd->pending_margin = false;
    rd->pending_gap = false;
    if (level == 0 && rc == EM_OK && rd->prev_blank && !blank && rd->body_indent > 0) {
        level = margin_heading(s, se, rd->body_indent);
        rd->pending_margin = level > 0;
    }
    if (level > 0) {
        rd->pending_level = level;
        rd->pending_off = off;
        rd->pending_len = n;
    }
    set_prev(rd, off, blank, false, false);
    return rc;
}

/* Read one page, [p, end) without its form feed. The page's text is never
 * longer than its input (see emit), so its buffer is reserved once at that
 * size and never grows. EM_OK, the error of a line, or EM_E_TIMEOUT; the
 * page is added either way, for doc_text_cleanup to free. */
static int read_page(reader *rd, const char *p, const char *end)
{
    int rc = EM_OK;
    buf_init(&rd->out, (size_t)(end - p) + 1);
    if (buf_reserve(&rd->out, (size_t)(end - p)) == EM_OK) /* it is: within the maximum */
        rd->out.data[0] = '\0';
    rd->page = (int)rd->b->d->n_pages + 1;
    rd->any_line = false;
    rd->prev_blank = true;
    rd->prev_para = rd->prev_first = rd->prev_item = false;
    while (p < end && rc == EM_OK) {
        if (deadline_check(rd->b->dl)) {
            rc = deadline_error(rd->b->err);
            break;
        }
        const char *eol = p;
        while (eol < end && *eol != '\n' && *eol != '\r')
            eol++;
        if (rd->markdown)
            rc = markdown_line(rd, p, eol);
        else
            rc = plain_line(rd, p, eol);
        if (eol < end && *eol == '\r' && eol + 1 < end && eol[1] == '\n')
            eol++;
        p = eol < end ? eol + 1 : end;
    }
    if (rc == EM_OK && !rd->pending_margin)
        rc = flush_pending(rd);
    rd->pending_level = 0;
    size_t len = rd->out.len;
    add_page(rd->b, buf_steal(&rd->out), len);
    return rc;
}

/* The end of a YAML front matter block at the start of s: "---" on the first
 * line up to a line "---" or "...", before any form feed. Returns where the
 * text after it starts, or s when there is none. */
static const char *skip_front_matter(const char *s, const char *end)
{
    const char *p = s;
    const char *eol = p;
    while (eol < end && *eol != '\n' && *eol != '\r')
        eol++;
    if (trim_end(p, eol) - p != 3 || memcmp(p, "---", 3) != 0)
        return s;
    while (eol < end) {
        p = eol + (*eol == '\r' && eol + 1 < end && eol[1] == '\n' ? 2 : 1);
        eol = p;
        while (eol < end && *eol != '\n' && *eol != '\r' && *eol != '\f')
            eol++;
        if (eol < end && *eol == '\f')
            return s;
        const char *t = trim_end(p, eol);
        if (t - p == 3 && (memcmp(p, "---", 3) == 0 || memcmp(p, "...", 3) == 0)) {
            if (eol < end)
                eol += (*eol == '\r' && eol + 1 < end && eol[1] == '\n') ? 2 : 1;
            return eol;
        }
    }
    return s;
}

/* 0, or the error for bytes that are not UTF-8 text. */
static int check_text(const char *s, size_t len, em_error *err)
{
    /* Whichever comes first is the error: NUL is valid UTF-8, so a NUL before
     * the first bad byte is found in [0, bad). */
    size_t bad = len;
    bool valid = utf8_validate(s, len, &bad);
    if (bad > 0 && memchr(s, '\0', bad) != NULL)
        return em_error_set(err, EM_E_UNSUPPORTED, "the text contains NUL bytes");
    if (!valid)
        return em_error_set(err, EM_E_UNSUPPORTED, "text is not UTF-8");
    return EM_OK;
}

static bool has_text(const doc_text *d)
{
    for (size_t i = 0; i < d->n_pages; i++)
        for (size_t j = 0; j < d->pages[i].len; j++)
            if (!text_is_blank(d->pages[i].text[j]) && d->pages[i].text[j] != '\n' && d->pages[i].text[j] != '\v')
                return true;
    return false;
}

static int read_lines(const char *data, size_t len, bool markdown, deadline *dl, doc_text *out /* OUT */,
                      em_error *err);

int doc_text_from_plain(const char *data, size_t len, bool markdown, doc_text *out /* OUT */, em_error *err)
{
    return doc_text_from_plain_until(data, len, markdown, NULL, out, err);
}

/* ---- text written for a terminal ---- */

#define ESC 0x1b

/* Where the escape sequence at s[i] (ESC) ends (see doc_text_strip_terminal). */
static size_t escape_end(const char *s, size_t len, size_t i)
{
    const unsigned char *u = (const unsigned char *)s;
    i++;
    if (i >= len)
        return len;
    if (u[i] == '[') { /* CSI: parameters and intermediates, then a final byte */
        i++;
        while (i < len && u[i] >= 0x20 && u[i] <= 0x3f)
            i++;
        return i < len && u[i] >= 0x40 && u[i] <= 0x7e ? i + 1 : i;
    }
    if (u[i] == ']' || u[i] == 'P' || u[i] == 'X' || u[i] == '^' || u[i] == '_') {
        /* OSC, DCS, SOS, PM, APC: a string up to BEL or ESC '\' */
        for (i++; i < len && u[i] != '\n'; i++) {
            if (u[i] == 0x07)
                return i + 1;
            if (u[i] == ESC && i + 1 < len && u[i + 1] == '\\')
                return i + 2;
        }
        return i;
    }
    while (i < len && u[i] >= 0x20 && u[i] <= 0x2f) /* intermediates, then a final byte */
        i++;
    return i < len && u[i] >= 0x30 && u[i] <= 0x7e ? i + 1 : i;
}

/* The length of the UTF-8 character at s[i] (1 for a byte that starts none). */
static size_t char_len(const char *s, size_t len, size_t i)
{
    size_t n = utf8_decode(s + i, len - i, NULL);
    return n > 0 ? n : 1;
}

size_t doc_text_strip_terminal(const char *data, size_t len, char *out)
{
    size_t i = 0, o = 0;
    size_t last = SIZE_MAX; /* where the last character written on this line starts */
    while (i < len) {
        char c = data[i];
        if (c == ESC) {
            i = escape_end(data, len, i);
            continue;
        }
        if (c != '\b') {
            size_t n = char_len(data, len, i);
            last = c == '\n' || c == '\r' || c == '\f' ? SIZE_MAX : o;
            memmove(out + o, data + i, n); /* out may be data: o never passes i */
            o += n;
            i += n;
            continue;
        }
        /* Overstrike: the character after the backspace is struck over the
         * last one written. */
        i++;
        if (last == SIZE_MAX || i >= len || data[i] == '\b' || data[i] == ESC || data[i] == '\n' ||
            data[i] == '\r' || data[i] == '\f')
            continue; /* nothing to strike, or nothing struck over it */
        size_t n = char_len(data, len, i);
        bool next_underscore = n == 1 && data[i] == '_';
        bool last_underscore = o - last == 1 && out[last] == '_';
        if (!next_underscore || last_underscore) {
            memmove(out + last, data + i, n);
            o = last + n;
        }
        i += n;
    }
    return o;
}

/* Whether data holds a backspace or an escape: terminal formatting. */
static bool has_terminal_bytes(const char *data, size_t len)
{
    return data != NULL && len > 0 && (memchr(data, '\b', len) != NULL || memchr(data, ESC, len) != NULL);
}

/* ---- Markdown through CommonMark ---- */

/* Walking one page's CommonMark tree into its text. */
typedef struct md_walk {
    builder *b;
    buf out;         /* the page's text */
    int page;        /* 1-based */
    int list_depth;  /* lists open around the node */
    bool in_heading; /* inside a heading: its text is its title too */
    size_t heading_off;
    int heading_level;
    bool after_marker;              /* a list item's marker was just written: its first
                                       block follows on the same line */
    int item_number[MAX_LEVEL + 1]; /* the next number of each open ordered list */
} md_walk;

/* Start a block: a paragraph break, or a line break inside a list. */
static void md_block(md_walk *w)
{
    if (w->after_marker) {
        w->after_marker = false;
        return;
    }
    size_t want = w->list_depth > 0 ? 1 : 2; /* line breaks before the block */
    size_t have = 0;
    while (have < w->out.len && have < want && w->out.data[w->out.len - 1 - have] == '\n')
        have++;
    if (w->out.len > 0 && have < want)
        buf_append(&w->out, "\n\n", want - have);
}

static void md_text(md_walk *w, const char *s)
{
    if (s != NULL)
        buf_append(&w->out, s, strlen(s));
}

/* One event of the walk; EM_OK or the error of add_heading. */
static int md_event(md_walk *w, cmark_node *node, cmark_event_type ev)
{
    bool enter = ev == CMARK_EVENT_ENTER;
    switch (cmark_node_get_type(node)) {
    case CMARK_NODE_HEADING:
        if (enter) {
            md_block(w);
            w->in_heading = true;
            w->heading_off = w->out.len;
            w->heading_level = cmark_node_get_heading_level(node);
        } else {
            w->in_heading = false;
            if (w->out.len > w->heading_off) { /* (an empty heading may leave the text without a buffer) */
                const char *t = w->out.data + w->heading_off, *te = w->out.data + w->out.len;
                if (text_skip_blanks(t, te) < te) /* "# &#32;" names nothing */
                    return add_heading(w->b, w->page, w->heading_off, w->heading_level, t, te);
            }
        }
        break;
    case CMARK_NODE_PARAGRAPH:
    case CMARK_NODE_THEMATIC_BREAK:
    case CMARK_NODE_BLOCK_QUOTE:
        if (enter)
            md_block(w);
        break;
    case CMARK_NODE_CODE_BLOCK: {
        md_block(w);
        const char *lit = cmark_node_get_literal(node);
        size_t n = lit != NULL ? strlen(lit) : 0;
        while (n > 0 && lit[n - 1] == '\n')
            n--;
        if (n > 0)
            buf_append(&w->out, lit, n);
        break;
    }
    case CMARK_NODE_LIST: {
        int d = w->list_depth < MAX_LEVEL ? w->list_depth : MAX_LEVEL;
        if (enter) {
            if (w->list_depth == 0)
                md_block(w);
            w->list_depth++;
            d = w->list_depth < MAX_LEVEL ? w->list_depth : MAX_LEVEL;
            w->item_number[d] = cmark_node_get_list_start(node);
        } else {
            w->list_depth--;
        }
        break;
    }
    case CMARK_NODE_ITEM:
        if (enter) {
            /* "- " or "N. " after two spaces a level of nesting. */
            int d = w->list_depth < MAX_LEVEL ? w->list_depth : MAX_LEVEL;
            w->after_marker = false;
            if (w->out.len > 0 && w->out.data[w->out.len - 1] != '\n')
                buf_append(&w->out, "\n", 1);
            for (int i = 1; i < w->list_depth && i < MAX_LEVEL; i++)
                buf_append(&w->out, "  ", 2);
            cmark_node *list = cmark_node_parent(node);
            if (list != NULL && cmark_node_get_list_type(list) == CMARK_ORDERED_LIST) {
                char num[24];
                int k = snprintf(num, sizeof num, "%d%c ", w->item_number[d]++,
                                 cmark_node_get_list_delim(list) == CMARK_PAREN_DELIM ? ')' : '.');
                buf_append(&w->out, num, (size_t)k);
            } else {
                buf_append(&w->out, "- ", 2);
            }
            w->after_marker = true;
        }
        break;
    case CMARK_NODE_TEXT:
    case CMARK_NODE_CODE: md_text(w, cmark_node_get_literal(node)); break;
    case CMARK_NODE_SOFTBREAK:
        /* The source's line break: a heading's title goes on with a space;
         * elsewhere the line stays a line (the chunker joins wrapped prose,
         * and a worksheet's options are lines of one paragraph). */
        buf_append(&w->out, w->in_heading ? " " : "\n", 1);
        break;
    case CMARK_NODE_LINEBREAK: buf_append(&w->out, w->in_heading ? " " : "\n", 1); break;
    default:
        /* emphasis, links and images: their text only; raw HTML: nothing */
        break;
    }
    return EM_OK;
}

/* Read one Markdown page [p, end) with CommonMark. EM_OK, the error of a
 * heading, or EM_E_TIMEOUT; the page is added either way. */
static int read_md_page(builder *b, const char *p, const char *end)
{
    int rc = EM_OK;
    md_walk w = {.b = b, .page = (int)b->d->n_pages + 1};
    /* The text holds no more than the page: markup is dropped and every
     * list marker written stands for one at least as long, but for
     * renumbered lists ("1." for "9." or "10." for "1)") and the
     * indentation of nested items: a margin covers those. */
    size_t n = (size_t)(end - p);
    buf_init(&w.out, n + n / 2 + 64);
    cmark_node *doc = cmark_parse_document(p, n, CMARK_OPT_DEFAULT);
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while (rc == EM_OK && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        if (deadline_check(b->dl)) {
            rc = deadline_error(b->err);
            break;
        }
        rc = md_event(&w, cmark_iter_get_node(it), ev);
    }
    cmark_iter_free(it);
    cmark_node_free(doc);
    size_t len = w.out.len;
    add_page(b, w.out.data != NULL ? buf_steal(&w.out) : em_strdup(""), len);
    return rc;
}

/* The pages of a Markdown text (front matter gone, UTF-8 checked). */
static int read_markdown(builder *b, const char *p, const char *end)
{
    while (p < end) {
        if (b->d->n_pages == DOC_MAX_PAGES)
            return em_error_set(b->err, EM_E_TOO_LARGE, "the document has more than %d pages", DOC_MAX_PAGES);
        const char *ff = memchr(p, '\f', (size_t)(end - p));
        const char *stop = ff != NULL ? ff : end;
        int rc = read_md_page(b, p, stop);
        if (rc != EM_OK)
            return rc;
        p = ff != NULL ? ff + 1 : end;
    }
    return EM_OK;
}

static int read_text(const char *data, size_t len, bool markdown, deadline *dl, doc_text *out /* OUT */,
                     em_error *err);

int doc_text_from_plain_until(const char *data, size_t len, bool markdown, deadline *dl,
                              doc_text *out /* OUT */, em_error *err)
{
    if (!has_terminal_bytes(data, len))
        return read_text(data, len, markdown, dl, out, err);
    /* A manual page saved from a terminal: read the text it shows. */
    char *shown = em_malloc(len);
    size_t n = doc_text_strip_terminal(data, len, shown);
    int rc = read_text(shown, n, markdown, dl, out, err);
    free(shown);
    return rc;
}

/* doc_text_from_plain_until on text without terminal formatting. */
static int read_text(const char *data, size_t len, bool markdown, deadline *dl, doc_text *out /* OUT */,
                     em_error *err)
{
    assert(out != NULL);
    if (markdown) {
        /* The line reader first, as the guard: it checks the text, the
         * pages, the headings' number and the deadline in one linear pass
         * with little memory, so CommonMark's tree (some hundred bytes a
         * node) is only ever built for a document within the limits. */
        int rc = read_lines(data, len, true, dl, out, err);
        if (rc != EM_OK)
            return rc;
        doc_text_cleanup(out);
        builder b = {.d = out, .dl = dl, .err = err};
        if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
            data += 3;
            len -= 3;
        }
        const char *p = len == 0 ? "" : data;
        rc = read_markdown(&b, skip_front_matter(p, p + len), p + len);
        if (rc == EM_OK && !has_text(out))
            rc = em_error_set(err, EM_E_INVAL, "the document has no text");
        if (rc != EM_OK) {
            doc_text_cleanup(out);
            return rc;
        }
        out->page_count = (int)out->n_pages;
        for (size_t i = 0; i < out->n_headings; i++) {
            if (out->headings[i].level == 1) {
                out->title = em_strdup(out->headings[i].title);
                break;
            }
        }
        return EM_OK;
    }
    return read_lines(data, len, false, dl, out, err);
}

/* The line reader (see the top): plain text, and the guard of Markdown. */
static int read_lines(const char *data, size_t len, bool markdown, deadline *dl, doc_text *out /* OUT */,
                      em_error *err)
{
    assert(out != NULL);
    int rc = EM_OK;
    builder b = {.d = out, .dl = dl, .err = err};
    reader rd = {.b = &b, .markdown = markdown};
    memset(out, 0, sizeof *out);
    if (data == NULL && len > 0) {
        rc = em_error_set(err, EM_E_INVAL, "no data");
        goto fail;
    }
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3;
        len -= 3;
    }
    rc = check_text(data, len, err);
    if (rc != EM_OK)
        goto fail;
    const char *p = len == 0 ? "" : data;
    const char *end = p + len;
    if (markdown)
        p = skip_front_matter(p, end);
    else
        rd.body_indent = body_indent(p, end);
    while (p < end) {
        if (out->n_pages == DOC_MAX_PAGES) {
            rc = em_error_set(err, EM_E_TOO_LARGE, "the document has more than %d pages", DOC_MAX_PAGES);
            goto fail;
        }
        const char *ff = memchr(p, '\f', (size_t)(end - p));
        const char *stop = ff != NULL ? ff : end;
        rc = read_page(&rd, p, stop);
        if (rc != EM_OK)
            goto fail;
        p = ff != NULL ? ff + 1 : end;
    }
    if (!has_text(out)) {
        rc = em_error_set(err, EM_E_INVAL, "the document has no text");
        goto fail;
    }
    out->page_count = (int)out->n_pages;
    for (size_t i = 0; i < out->n_headings; i++) {
        if (out->headings[i].level == 1) {
            out->title = em_strdup(out->headings[i].title);
            break;
        }
    }
    return EM_OK;

fail:
    doc_text_cleanup(out);
    return rc;
}
