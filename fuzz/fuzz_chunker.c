/* libFuzzer target: chunk_document on arbitrary bytes. The first four bytes
 * choose the limits (target 20..30, the smallest the contract allows, and max
 * target..target+19), up to two page cuts and maybe a heading; the rest is the
 * text, split into 1-3 pages at those cuts. Besides the sanitizers' findings, a
 * broken invariant aborts: every chunk has 1..max words (the pieces of an
 * overlong sentence are cut to max, so this holds for them too) and the count
 * is right, no chunk begins or ends with white space, white space in a chunk
 * is spaces and line breaks only (two spaces only as the indentation after a
 * line break, no space before one), indexes run 0..n-1, pages run forward
 * with page_start <= page_end, and the chunk texts joined with single spaces
 * are the normalised text (computed here from the rules, independently of
 * chunk.c) but for the kind of white space: chunks keep line breaks and
 * indentation, compared here as one space. chunk_sentence_len gets the raw
 * bytes too.
 *
 * Run: ./fuzz_chunker -max_total_time=60 fuzz/corpus/chunker */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/chunk.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_ws(unsigned char c)
{
    return c <= 0x20 || c == 0x7f;
}

/* The bytes of a hyphen at r[i]: '-', U+2010 HYPHEN, U+00AD SOFT HYPHEN; 0
 * for anything else. */
static size_t hyphen_at(const unsigned char *r, size_t n, size_t i)
{
    if (r[i] == '-')
        return 1;
    if (r[i] == 0xe2 && i + 2 < n && r[i + 1] == 0x80 && r[i + 2] == 0x90)
        return 3;
    if (r[i] == 0xc2 && i + 1 < n && r[i + 1] == 0xad)
        return 2;
    return 0;
}

/* The rules of chunk.h/chunk.c: pages joined with '\n'; a hyphen (any of
 * hyphen_at's) after a word character, then blanks, a line break, blanks and
 * a lowercase ASCII letter disappears with the break; other white space runs
 * become one space; trim. Writes into out (at least n bytes) and returns the
 * length. */
static size_t normalise(const unsigned char *r, size_t n, char *out)
{
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        size_t hl = hyphen_at(r, n, i);
        if (hl > 0 && i > 0 && !is_ws(r[i - 1]) && r[i - 1] != '-') {
            size_t j = i + hl;
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
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = (char)r[i];
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || size > 1 << 16)
        return 0;
    int target = 20 + data[0] % 11;
    int max = target + data[1] % 20;
    const unsigned char *text = data + 4;
    size_t len = size - 4;

    size_t s = chunk_sentence_len((const char *)text, len);
    if (s > len || (len > 0 && s == 0))
        abort();

    /* 1-3 pages at cuts chosen by bytes 2 and 3 */
    size_t a = len * data[2] / 255, b = len * data[3] / 255;
    if (a > b) {
        size_t t = a;
        a = b;
        b = t;
    }
    /* the cut at a is used when byte 2 is odd, the one at b when byte 3 is */
    size_t bounds[4], n_bounds = 0;
    bounds[n_bounds++] = 0;
    if (data[2] & 1)
        bounds[n_bounds++] = a;
    if (data[3] & 1)
        bounds[n_bounds++] = b;
    bounds[n_bounds++] = len;
    chunk_page pages[3];
    size_t n_pages = n_bounds - 1;
    for (size_t i = 0; i < n_pages; i++) {
        pages[i].number = (int)i + 1;
        pages[i].text = (const char *)text + bounds[i];
        pages[i].len = bounds[i + 1] - bounds[i];
    }

    /* a heading in the middle of the last page when byte 1 is odd */
    chunk_heading h = {pages[n_pages - 1].number, pages[n_pages - 1].len / 2, 1, "Heading"};
    size_t n_h = data[1] & 1;

    chunk_list l;
    em_error err = {0};
    chunk_limits lim = {target, max};
    if (chunk_document(pages, n_pages, &h, n_h, lim, &l, &err) != EM_OK)
        abort();

    /* the joined text of the pages, as the chunker sees it */
    unsigned char *joined = malloc(len + n_pages + 1);
    size_t jn = 0;
    for (size_t i = 0; i < n_pages; i++) {
        if (i > 0)
            joined[jn++] = '\n';
        memcpy(joined + jn, pages[i].text, pages[i].len);
        jn += pages[i].len;
    }
    char *norm = malloc(jn + 1);
    size_t nn = normalise(joined, jn, norm);

    size_t at = 0;
    for (size_t i = 0; i < l.n; i++) {
        const text_chunk *c = &l.items[i];
        size_t cl = strlen(c->text);
        if (c->index != (int)i || c->words < 1 || c->words > max || cl == 0)
            abort();
        if (c->page_start > c->page_end || c->page_start < 1 || c->page_end > 3)
            abort();
        if (i > 0 && l.items[i - 1].page_end > c->page_start)
            abort();
        if (is_ws((unsigned char)c->text[0]) || is_ws((unsigned char)c->text[cl - 1]))
            abort();
        /* the text with each run of white space one space */
        char *flat = malloc(cl + 1);
        size_t fl = 0;
        int words = 1;
        bool after_break = false; /* in the indentation after a line break */
        for (size_t k = 0; k < cl; k++) {
            unsigned char ch = (unsigned char)c->text[k];
            if (is_ws(ch) && ch != ' ' && ch != '\n')
                abort();
            if (ch == ' ' && c->text[k + 1] == ' ' && !after_break)
                abort();
            if (ch == ' ' && c->text[k + 1] == '\n')
                abort();
            after_break = ch == '\n' || (after_break && ch == ' ');
            if (is_ws(ch)) {
                if (flat[fl - 1] != ' ')
                    flat[fl++] = ' ';
            } else {
                words += k > 0 && is_ws((unsigned char)c->text[k - 1]);
                flat[fl++] = (char)ch;
            }
        }
        flat[fl] = '\0';
        if (words != c->words)
            abort();
        /* joined with single spaces the chunks are the normalised text */
        if (i > 0) {
            if (at >= nn || norm[at] != ' ')
                abort();
            at++;
        }
        if (at + fl > nn || memcmp(norm + at, flat, fl) != 0)
            abort();
        at += fl;
        free(flat);
        if (c->section != NULL && strcmp(c->section, "Heading") != 0)
            abort();
    }
    if (at != nn)
        abort();
    free(norm);
    free(joined);
    chunk_list_cleanup(&l);
    return 0;
}
