/* chunk: split extracted text into sections and retrieval chunks.
 *
 * The work happens in three passes over the document:
 *
 *   1. Normalise. The pages are read as one text with a line break between
 *      pages. A hyphen ('-', U+2010 or a soft hyphen) that ends a line (after a word character, optionally
 *      followed by blanks) and is followed, after the line break and optional
 *      blanks, by a lowercase ASCII letter is dropped together with the line
 *      break, so "exam-\nple" becomes "example". A run of white space holding
 *      two line breaks or more (a blank line) becomes a paragraph break
 *      "\n\n"; one holding one line break stays a line break, unless it
 *      only wraps prose (see wraps_prose: the line before ends in a letter,
 *      digit or comma, the line after starts with a lowercase letter without
 *      indentation, and neither reads as code, codeline.h), which becomes a
 *      space. After a kept line break the next line keeps its indentation
 *      (code does). Every other run of white space becomes one space, and
 *      leading and trailing white space goes. White space is every byte <=
 *      0x20 and DEL: PDF extractors leave stray control bytes (and NULs would
 *      cut the C strings we hand out); in kept indentation they become spaces.
 *      All other bytes are opaque, so invalid UTF-8 passes through untouched.
 *      While writing we note where each page's first byte and each heading
 *      land in the result.
 *   2. Break points. Each heading forces a sentence break where it starts. If
 *      the text there begins with the heading's title we note where the title
 *      ends: a chunk holding nothing but titles is never closed for size or by
 *      the next heading, so a title never ends up alone in a chunk.
 *   3. Sentences into chunks. chunk_sentence_len (core/sentence) splits each stretch between
 *      break points into sentences, a paragraph break ending a sentence too
 *      (a code box has no full stop); sentences fill a chunk up to target words; a
 *      sentence over max words is cut into pieces of max words, each its own
 *      chunk. Cuts only ever happen at spaces, which are ASCII, so a UTF-8
 *      sequence is never split.
 *
 * Chunk texts are slices of the normalised text without the white space
 * between them: joining all chunk texts with single spaces gives the
 * normalised text, but for the kind of white space at the joins.
 *
 * Each pass walks the text once (a sentence is scanned once, a heading's
 * place found by a pointer that only moves forward), so chunking is linear
 * in the text and the headings. Memory: the joined raw text and the
 * normalised text (each at most the pages' total), then the chunks' copies
 * (at most the normalised text) while the raw text is gone: with the pages
 * themselves, three times the text at the peak, plus a record per page,
 * heading and chunk. */
#include "content/chunk.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/codeline.h"
#include "content/deadline.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/sentence.h"

#define CHUNK_DEFAULT_TARGET 250
#define CHUNK_DEFAULT_MAX 400
#define CHUNK_MIN_TARGET 20
#define CHUNK_MAX_TARGET 2000
#define CHUNK_MAX_CHUNKS 100000

/* Where a page's text starts in the normalised document. Pages that add no
 * text get no mark. */
typedef struct page_mark {
    size_t off; /* normalised offset of the page's first byte */
    int number; /* chunk_page.number */
} page_mark;

/* A forced sentence break in the normalised text: where a heading starts. */
typedef struct forced_break {
    size_t off;                   /* at the start of a word, or the end of text */
    const chunk_heading *heading; /* borrowed */
    size_t title_end;             /* end of the title text in the normalised
                                     text, or off when it is not there */
} forced_break;

/* The normalised document and what was learnt while building it. */
typedef struct doc {
    buf text;         /* normalised text */
    page_mark *marks; /* owned, in order */
    size_t n_marks;
    size_t *heading_off; /* owned, normalised offset of each heading */
} doc;

/* The growing result. */
typedef struct builder {
    const doc *d;      /* borrowed */
    text_chunk *items; /* owned until handed to the caller */
    size_t n, cap;
    deadline *dl; /* borrowed, may be NULL */
} builder;

static bool is_space(unsigned char c)
{
    return c <= 0x20 || c == 0x7f;
}

/* ---- sentence boundaries ---------------------------------------------- */

size_t chunk_sentence_len(const char *text, size_t len)
{
    return sentence_len(text, len);
}

/* ---- normalisation ------------------------------------------------------ */

/* Whether the line [p, e) reads as code for joining: codeline.h's test, but
 * a line ending in a full stop is a sentence that quotes code ("call
 * vars() to see them."). */
static bool line_is_code(const unsigned char *p, const unsigned char *e)
{
    while (e > p && is_space(e[-1]))
        e--;
    return e > p && e[-1] != '.' && codeline_is_code((const char *)p, (size_t)(e - p));
}

/* Whether the single line break between the line [ls, le) and the line
 * starting at raw[r] (after the break, no indentation) only wraps prose and
 * becomes a space. [ls, le) ends before the break's white space. */
static bool wraps_prose(const unsigned char *raw, size_t n, size_t ls, size_t le, size_t r)
{
    if (le <= ls || r >= n || raw[r] < 'a' || raw[r] > 'z')
        return false;
    /* a box's label ("Tip", "Note") over its text is no wrapped line:
       "Tip\nntptrace(8) traces ..." stays two lines */
    if (codeline_is_label((const char *)raw + ls, le - ls))
        return false;
    unsigned char last = raw[le - 1];
    bool open = (last >= 'a' && last <= 'z') || (last >= 'A' && last <= 'Z') ||
                (last >= '0' && last <= '9') || last == ',' || last >= 0x80;
    if (!open)
        return false;
    size_t e = r;
    while (e < n && raw[e] != '\n')
        e++;
    return !line_is_code(raw + ls, raw + le) && !line_is_code(raw + r, raw + e);
}

/* The length of the hyphen at raw[r]: 1 for '-', 3 for U+2010 HYPHEN (man
 * and groff write it where they break a word at the end of a line in a
 * UTF-8 locale: "incor\u2010" / "porates"), 2 for a soft hyphen (U+00AD);
 * 0 when there is none. */
static size_t hyphen_len(const unsigned char *raw, size_t n, size_t r)
{
    if (raw[r] == '-')
        return 1;
    if (raw[r] == 0xe2 && r + 2 < n && raw[r + 1] == 0x80 && raw[r + 2] == 0x90)
        return 3;
    if (raw[r] == 0xc2 && r + 1 < n && raw[r + 1] == 0xad)
        return 2;
    return 0;
}

/* Whether the hyphen at raw[r] (of hyphen_len bytes) is a word broken at
 * the end of a line; if so *next is where the word goes on. */
static bool hyphen_joins(const unsigned char *raw, size_t n, size_t r, size_t *next /* OUT */)
{
    size_t len = hyphen_len(raw, n, r);
    if (len == 0 || r == 0 || is_space(raw[r - 1]) || raw[r - 1] == '-')
        return false;
    size_t j = r + len;
    while (j < n && raw[j] != '\n' && is_space(raw[j]))
        j++;
    if (j >= n || raw[j] != '\n')
        return false;
    j++;
    while (j < n && raw[j] != '\n' && is_space(raw[j]))
        j++;
    if (j >= n || raw[j] < 'a' || raw[j] > 'z')
        return false;
    *next = j;
    return true;
}

/* Copy the pages into one raw text, pages joined by '\n', and find each
 * heading's offset in it. Headings must name a page of the document, lie
 * within it and come in document order. Returns an owned raw text in *raw
 * (free with free()) and owned offsets in *heading_raw. */
static int doc_join(const chunk_page *pages, size_t n_pages, const chunk_heading *headings, size_t n_headings,
                    unsigned char **raw /* OUT */, size_t *raw_len /* OUT */, size_t **page_raw /* OUT */,
                    size_t **heading_raw /* OUT */, em_error *err)
{
    int rc = EM_OK;
    size_t total = 0;
    for (size_t i = 0; i < n_pages; i++) {
        if (pages[i].text == NULL && pages[i].len > 0)
            return em_error_set(err, EM_E_INVAL, "page %zu has no text", i);
        if (pages[i].len > SIZE_MAX / 2 - total - 1)
            return em_error_set(err, EM_E_TOO_LARGE, "document too large");
        total += pages[i].len + 1;
    }
    unsigned char *r = em_malloc(total + 1);
    size_t *pr = em_malloc((n_pages + 1) * sizeof *pr);
    size_t *hr = em_malloc((n_headings + 1) * sizeof *hr);
    size_t at = 0;
    for (size_t i = 0; i < n_pages; i++) {
        pr[i] = at;
        if (pages[i].len > 0)
            memcpy(r + at, pages[i].text, pages[i].len);
        at += pages[i].len;
        if (i + 1 < n_pages)
            r[at++] = '\n';
    }
    pr[n_pages] = at;
    r[at] = '\0';

    /* Pages may repeat a number; a heading belongs to the first page with its
     * number at or after the previous heading's page. */
    size_t p = 0;
    for (size_t h = 0; h < n_headings; h++) {
        while (p < n_pages && pages[p].number != headings[h].page)
            p++;
        if (p == n_pages) {
            rc = em_error_set(err, EM_E_INVAL, "heading %zu: page %d is not in the document or out of order",
                              h, headings[h].page);
            goto fail;
        }
        if (headings[h].offset > pages[p].len) {
            rc = em_error_set(err, EM_E_INVAL, "heading %zu: offset past the end of page %d", h,
                              headings[h].page);
            goto fail;
        }
        hr[h] = pr[p] + headings[h].offset;
        if (h > 0 && hr[h] < hr[h - 1]) {
            rc = em_error_set(err, EM_E_INVAL, "heading %zu is out of document order", h);
            goto fail;
        }
    }
    *raw = r;
    *raw_len = at;
    *page_raw = pr;
    *heading_raw = hr;
    return EM_OK;

fail:
    free(r);
    free(pr);
    free(hr);
    return rc;
}

/* Build the normalised document (see the top of the file). On failure d is
 * left for doc_cleanup. */
static int doc_build(doc *d, const chunk_page *pages, size_t n_pages, const chunk_heading *headings,
                     size_t n_headings, deadline *dl, em_error *err)
{
    unsigned char *raw = NULL;
    size_t n = 0, *page_raw = NULL, *heading_raw = NULL;
    int rc = doc_join(pages, n_pages, headings, n_headings, &raw, &n, &page_raw, &heading_raw, err);
    if (rc != EM_OK)
        return rc;

    /* the normalised text is never longer than the raw one */
    buf_init(&d->text, n);
    d->marks = em_malloc((n_pages + 1) * sizeof *d->marks);
    d->n_marks = 0;
    d->heading_off = em_malloc((n_headings + 1) * sizeof *d->heading_off);

    size_t r = 0, page = 0, h = 0;
    size_t line_start = 0; /* where the raw line holding raw[r] starts */
    bool marked = false;
    while (r < n) {
        if (deadline_check(dl)) {
            rc = deadline_error(err);
            goto out;
        }
        unsigned char c = raw[r];
        size_t next;
        if ((c == '-' || c == 0xe2 || c == 0xc2) && hyphen_joins(raw, n, r, &next)) {
            r = next;
            continue;
        }
        if (is_space(c)) {
            /* The whole run: how many line breaks, and the indentation
             * after the last one. */
            size_t e = r, breaks = 0, last_nl = 0;
            for (; e < n && is_space(raw[e]); e++) {
                if (raw[e] == '\n') {
                    breaks++;
                    last_nl = e;
                }
            }
            if (d->text.len > 0 && e < n) {
                if (breaks == 0 ||
                    (breaks == 1 && e == last_nl + 1 && wraps_prose(raw, n, line_start, r, e))) {
                    rc = buf_append(&d->text, " ", 1);
                } else {
                    rc = buf_append(&d->text, "\n\n", breaks > 1 ? 2 : 1);
                    for (size_t i = last_nl + 1; rc == EM_OK && i < e; i++)
                        rc = buf_append(&d->text, " ", 1);
                }
                if (rc != EM_OK)
                    goto out;
            }
            if (breaks > 0)
                line_start = last_nl + 1;
            r = e;
            continue;
        }
        size_t o = d->text.len;
        /* the page of raw[r] is the last one starting at or before r */
        while (page + 1 < n_pages && page_raw[page + 1] <= r) {
            page++;
            marked = false;
        }
        if (!marked) {
            d->marks[d->n_marks].off = o;
            d->marks[d->n_marks].number = pages[page].number;
            d->n_marks++;
            marked = true;
        }
        while (h < n_headings && heading_raw[h] <= r)
            d->heading_off[h++] = o;
        rc = buf_append(&d->text, &c, 1);
        if (rc != EM_OK)
            goto out;
        r++;
    }
    while (h < n_headings)
        d->heading_off[h++] = d->text.len;

    /* A heading inside a word (an odd offset, or a word joined at a hyphen)
     * moves back to the word's start: chunks only begin at word starts. The
     * offsets come in order, so one walk over the text finds every start
     * (many headings may sit in one long word: "a-" "b-" ... joined). */
    size_t pos = 0, word = 0; /* word: where the word holding text[pos - 1] starts */
    for (h = 0; h < n_headings; h++) {
        size_t o = d->heading_off[h];
        if (o == 0 || o >= d->text.len)
            continue;
        assert(o >= pos);
        for (; pos < o; pos++)
            if (is_space((unsigned char)d->text.data[pos]))
                word = pos + 1;
        d->heading_off[h] = word;
    }

out:
    free(raw);
    free(page_raw);
    free(heading_raw);
    return rc;
}

static void doc_cleanup(doc *d)
{
    buf_cleanup(&d->text);
    free(d->marks);
    free(d->heading_off);
}

/* Where the title ends if the normalised text at off begins with it (white
 * space in the title matching one run of white space of the text), as a
 * whole word sequence; off when it does not. */
static size_t title_end(const doc *d, size_t off, const char *title)
{
    if (title == NULL)
        return off;
    const unsigned char *t = (const unsigned char *)title;
    const char *s = d->text.data;
    size_t len = d->text.len, j = off;
    while (*t != '\0' && is_space(*t))
        t++;
    if (*t == '\0')
        return off;
    while (*t != '\0') {
        if (is_space(*t)) {
            while (*t != '\0' && is_space(*t))
                t++;
            if (*t == '\0')
                break;
            if (j >= len || !is_space((unsigned char)s[j]))
                return off;
            while (j < len && is_space((unsigned char)s[j]))
                j++;
            continue;
        }
        if (j >= len || (unsigned char)s[j] != *t)
            return off;
        j++;
        t++;
    }
    if (j < len && !is_space((unsigned char)s[j]))
        return off;
    return j;
}

/* The forced breaks in order, one per heading; of several at the same place
 * the last, most specific, wins. Returns an owned array. */
static forced_break *breaks_build(const doc *d, const chunk_heading *headings, size_t n_headings,
                                  size_t *n_out /* OUT */)
{
    forced_break *b = em_malloc((n_headings + 1) * sizeof *b);
    size_t n = 0;
    /* title_end reads at most the title's length: linear in the headings'
     * titles. */
    for (size_t h = 0; h < n_headings; h++) {
        size_t off = d->heading_off[h];
        if (n > 0 && b[n - 1].off == off)
            n--;
        b[n].off = off;
        b[n].heading = &headings[h];
        b[n].title_end = title_end(d, off, headings[h].title);
        n++;
    }
    *n_out = n;
    return b;
}

/* ---- building chunks ----------------------------------------------------- */

/* The page the normalised byte at off came from. */
static int page_of(const doc *d, size_t off)
{
    assert(d->n_marks > 0);
    size_t lo = 0, hi = d->n_marks;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->marks[mid].off <= off)
            lo = mid;
        else
            hi = mid;
    }
    return d->marks[lo].number;
}

/* Append the chunk text[start, end). section is borrowed (copied). */
static int builder_emit(builder *b, size_t start, size_t end, size_t words, const char *section)
{
    assert(start < end && words > 0);
    if (b->n >= CHUNK_MAX_CHUNKS)
        return EM_E_TOO_LARGE;
    if (b->n == b->cap) {
        b->cap = b->cap == 0 ? 16 : b->cap * 2;
        b->items = em_realloc(b->items, b->cap * sizeof *b->items);
    }
    text_chunk *c = &b->items[b->n];
    c->text = em_strndup(b->d->text.data + start, end - start);
    c->page_start = page_of(b->d, start);
    c->page_end = page_of(b->d, end - 1);
    c->words = (int)words;
    c->section = section != NULL ? em_strdup(section) : NULL;
    c->index = (int)b->n;
    b->n++;
    return EM_OK;
}

/* Words in text[start, end), which starts and ends with a word. */
static size_t count_words(const char *text, size_t start, size_t end)
{
    size_t n = 1;
    for (size_t i = start + 1; i < end; i++)
        n += !is_space((unsigned char)text[i]) && is_space((unsigned char)text[i - 1]);
    return n;
}

/* Emit a sentence of more than max words as pieces of max words (the last
 * piece shorter), each its own chunk. */
static int emit_cut(builder *b, size_t start, size_t end, size_t max, const char *section)
{
    const char *s = b->d->text.data;
    while (start < end) {
        size_t i = start, words = 1;
        while (i < end && !(is_space((unsigned char)s[i]) && words == max)) {
            words += i > start && !is_space((unsigned char)s[i]) && is_space((unsigned char)s[i - 1]);
            i++;
        }
        int rc = builder_emit(b, start, i, words, section);
        if (rc != EM_OK)
            return rc;
        while (i < end && is_space((unsigned char)s[i]))
            i++;
        start = i;
    }
    return EM_OK;
}

/* Turn the normalised document into chunks (pass 3 above). */
static int chunks_build(builder *b, const forced_break *brk, size_t n_brk, size_t target, size_t max)
{
    const doc *d = b->d;
    const char *s = d->text.data;
    size_t len = d->text.len, pos = 0, bi = 0, title_until = 0;
    size_t para = SIZE_MAX;     /* the next paragraph break after pos, or len; SIZE_MAX: not looked for */
    const char *section = NULL; /* of the text at pos */
    bool open = false;          /* a chunk is being filled */
    bool only_title = false;    /* and holds nothing but heading titles */
    size_t cstart = 0, cend = 0, cwords = 0;
    const char *csection = NULL;
    int rc = EM_OK;

    while (pos < len) {
        if (deadline_check(b->dl))
            return EM_E_TIMEOUT;
        while (bi < n_brk && brk[bi].off <= pos) {
            /* A heading starts a chunk, except that a chunk holding only the
             * title of the heading just before ("Chapter 2" then "2.1 Cells")
             * goes on, so a title never sits alone. */
            if (open && !only_title) {
                rc = builder_emit(b, cstart, cend, cwords, csection);
                if (rc != EM_OK)
                    return rc;
                open = false;
            }
            section = brk[bi].heading->title;
            if (open)
                csection = section;
            title_until = brk[bi].title_end;
            bi++;
        }
        size_t seg_end = bi < n_brk ? brk[bi].off : len;
        assert(seg_end > pos);
        /* A paragraph break ends a sentence; the cursor only moves forward. */
        if (para == SIZE_MAX || para < pos) {
            const char *pb = pos < len ? memmem(s + pos, len - pos, "\n\n", 2) : NULL;
            para = pb != NULL ? (size_t)(pb - s) : len;
        }
        if (para < seg_end)
            seg_end = para;
        size_t end = pos + chunk_sentence_len(s + pos, seg_end - pos);
        while (end > pos && is_space((unsigned char)s[end - 1]))
            end--;
        if (end == pos)
            end = seg_end; /* cannot happen on normalised text; stay safe */
        size_t words = count_words(s, pos, end);
        bool is_title = end <= title_until;

        if (words > max) {
            if (open) {
                rc = builder_emit(b, cstart, cend, cwords, csection);
                if (rc != EM_OK)
                    return rc;
                open = false;
            }
            rc = emit_cut(b, pos, end, max, section);
            if (rc != EM_OK)
                return rc;
        } else {
            /* titles alone stay open for the first body sentence unless
             * even max would be passed */
            if (open && cwords + words > (only_title ? max : target)) {
                rc = builder_emit(b, cstart, cend, cwords, csection);
                if (rc != EM_OK)
                    return rc;
                open = false;
            }
            if (!open) {
                open = true;
                only_title = true;
                cstart = pos;
                cwords = 0;
                csection = section;
            }
            cend = end;
            cwords += words;
            only_title = only_title && is_title;
        }
        pos = end;
        while (pos < len && is_space((unsigned char)s[pos]))
            pos++;
    }
    if (open)
        rc = builder_emit(b, cstart, cend, cwords, csection);
    return rc;
}

int chunk_document(const chunk_page *pages, size_t n_pages, const chunk_heading *headings, size_t n_headings,
                   chunk_limits limits, chunk_list *out, em_error *err)
{
    return chunk_document_until(pages, n_pages, headings, n_headings, limits, NULL, out, err);
}

int chunk_document_until(const chunk_page *pages, size_t n_pages, const chunk_heading *headings,
                         size_t n_headings, chunk_limits limits, deadline *dl, chunk_list *out, em_error *err)
{
    int rc = EM_OK;
    doc d = {0};
    builder b = {0};
    forced_break *brk = NULL;
    size_t n_brk = 0;

    out->items = NULL;
    out->n = 0;
    em_error_clear(err);

    /* 0 takes the default; a large target raises the default maximum with it */
    int target = limits.target_words == 0 ? CHUNK_DEFAULT_TARGET : limits.target_words;
    int max = limits.max_words;
    if (max == 0)
        max = target > CHUNK_DEFAULT_MAX ? target : CHUNK_DEFAULT_MAX;
    if (target < CHUNK_MIN_TARGET || target > CHUNK_MAX_TARGET)
        return em_error_set(err, EM_E_INVAL, "target_words must be between %d and %d", CHUNK_MIN_TARGET,
                            CHUNK_MAX_TARGET);
    if (max < target)
        return em_error_set(err, EM_E_INVAL, "max_words must be at least target_words");
    if ((pages == NULL && n_pages > 0) || (headings == NULL && n_headings > 0))
        return em_error_set(err, EM_E_INVAL, "missing pages or headings");

    rc = doc_build(&d, pages, n_pages, headings, n_headings, dl, err);
    if (rc != EM_OK)
        goto cleanup;
    brk = breaks_build(&d, headings, n_headings, &n_brk);
    b.d = &d;
    b.dl = dl;
    rc = chunks_build(&b, brk, n_brk, (size_t)target, (size_t)max);
    if (rc == EM_E_TOO_LARGE)
        em_error_set(err, rc, "document has more than %d chunks", CHUNK_MAX_CHUNKS);
    else if (rc == EM_E_TIMEOUT)
        deadline_error(err);
    if (rc != EM_OK)
        goto cleanup;

    out->items = b.items;
    out->n = b.n;
    b.items = NULL;
    b.n = 0;

cleanup:
    for (size_t i = 0; i < b.n; i++) {
        free(b.items[i].text);
        free(b.items[i].section);
    }
    free(b.items);
    free(brk);
    doc_cleanup(&d);
    return rc;
}

void chunk_list_cleanup(chunk_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].text);
        free(l->items[i].section);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}
