/* pdf: the text and headings of a PDF, extracted with MuPDF.
 *
 * Each page's text comes from MuPDF's structured text in reading order, not
 * the order the page draws it (a browser draws a shaded code box after the
 * text around it): blocks top to bottom, left to right at one height; on a
 * page of two columns (a gutter, a vertical band no narrow block crosses, in
 * the middle 40% of the page, at least 8 points wide, with three lines or
 * more on each side beside each other), the blocks between two that run
 * across it (a title, the running header) are read left column first. The
 * lines of a block are joined by '\n', blocks separated by a blank line.
 * A line set mostly in a monospace font (the font's flag, or Mono, Courier,
 * Code, Consolas, Menlo in its name) keeps the spaces that lead it: code
 * keeps its indentation, and its hyphens are never joined.
 *
 * Ligatures are expanded; a hyphen that ends a line after a letter is
 * removed, joining the line to the next, when the next line of the block
 * starts with a lowercase letter ("exam-" "ple"); characters that are not
 * valid Unicode become U+FFFD, control characters become spaces, runs of
 * spaces one space; the text is valid UTF-8 with no NUL bytes.
 * Characters beyond the BMP survive, including those of fonts whose
 * ToUnicode map writes them as bare 5- or 6-digit code points (a common
 * producer bug, repaired in memory before the font is loaded).
 *
 * Running headers and footers are left out of the text. Only lines in the
 * top or bottom 12% of a page can be: those that are just a page number
 * ("7", "- 7 -", "Page 7 of 9", "3/12", "vii"), and those with three
 * letters or more, or two runs of digits (a date, a time), not monospace,
 * repeated on at least three pages at the same height (within 3 points),
 * or on both pages of a document of two.
 * Repeats must be set alike (size, boldness) and be identical, or differ
 * only in their numbers while set smaller than the body or with a number
 * that counts pages ("Biology Revision - page 3"): a chapter's title set as
 * its heading at the top of its first page is not the running header that
 * repeats it on the next pages. Lines that start like a numbered question,
 * section or option ("3.", "Question 3", "B. True") are never furniture.
 * Where furniture, and lines repeated alike on two pages, sit on a quarter
 * of the pages or more (and three at least), at one height and size, those
 * repeated on two pages go too (a Texinfo manual's "Chapter 2: ASN.1
 * structure handling" above the two pages after the chapter's first, then
 * "Chapter 3: Utilities" above the next two), and so do other lines there
 * set smaller than the body (a running header naming a chapter of two
 * pages).
 *
 * Headings come from the look of a line. The body size is the font size that
 * carries the most characters in the document. A line of at most 14 words,
 * not ending in '.' or ',', not monospace, that does not read as code
 * (codeline.h: "class Dog:", "import x", "for i in range(3):"), is not a
 * box's label ("Note", "Warning", "See also", "Footnotes") nor an entry of a
 * table of contents ("1 Introduction . . . . 1": apparatus.h), does not
 * start with a bullet ("• ", "– ") and has no two lines side by side (the
 * cells of a table's header row; a section's number beside its title is
 * part of the heading: "1.1.3" "The root account"), is a heading
 * when its size is at least 1.15 times the body size; or it is bold, at
 * least the body size, and stands alone in its block; or it starts with a
 * section number ("2", "2.3", "Chapter 3") and is bold or larger than the
 * body. Up to three consecutive heading lines of the same style in one
 * block are one heading (a title that wraps); more are a paragraph set
 * large, not a heading. Levels follow the distinct heading sizes, largest
 * first (level 1); within one size, a section number deeper than the
 * shallowest one at that size adds the difference.
 *
 * Pages are extracted in parallel: each thread has its own MuPDF context
 * and its own copy of the document opened from the same bytes, and takes the
 * next page from a shared counter. The result does not depend on the number
 * of threads.
 *
 * Limits. Time: one deadline for the document, checked while MuPDF reads
 * the file (every 64 KiB it takes in), between the operators of a page
 * (MuPDF's cookie) and in every loop of the layout pass, which is n log n
 * in the lines. Memory: one budget (max_memory_bytes) for MuPDF's
 * allocations in all threads and the text kept, each context's cache sized
 * to its share of it.
 *
 * Damaged files: MuPDF rebuilds a broken cross-reference table from the
 * objects it finds, so a truncated file may still give its first pages. The
 * rule is: the document is what MuPDF recovers. A page that cannot be loaded
 * or drawn keeps whatever text was read before the failure (often none); the
 * extraction succeeds when at least one page has text, with page_count the
 * page count of the recovered document, and nothing records that pages were
 * lost. When no page has text and some page failed, the result is EM_E_PARSE
 * "the PDF cannot be read: <reason>"; when no page has text and none failed,
 * EM_E_UNSUPPORTED "the PDF has no extractable text (scanned pages?)". */
#ifndef EM_CONTENT_PDF_H
#define EM_CONTENT_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "content/doctext.h"
#include "core/err.h"

#define PDF_DEFAULT_MAX_PAGES 2000
#define PDF_DEFAULT_TIMEOUT_MS 120000
#define PDF_DEFAULT_MAX_MEMORY ((size_t)256 << 20)
#define PDF_MIN_MEMORY ((size_t)8 << 20)
#define PDF_MAX_THREADS 16

/* em_error.reason of a PDF that needs more memory than max_memory_bytes. */
#define PDF_REASON_MEMORY "memory_limit"

typedef struct pdf_options {
    int max_pages;  /* refuse documents with more pages: EM_E_TOO_LARGE (0 = 2000) */
    int timeout_ms; /* whole-document time limit: EM_E_TIMEOUT (0 = 120000) */
    /* The document's deadline, a clock_mono_us() value, when the caller
     * started its clock earlier (ingest.h: one deadline for every step of a
     * document); 0: timeout_ms from the call. */
    int64_t deadline_us;
    /* The memory budget of the whole extraction (0 = 256 MB, at least 8 MB):
     * every allocation of MuPDF's, in all the threads, and the text kept.
     * An allocation past it is refused, MuPDF gives up on what it was doing,
     * and the extraction fails with EM_E_TOO_LARGE (reason PDF_REASON_MEMORY).
     * The text kept may take a quarter of it. */
    size_t max_memory_bytes;
    int threads;    /* pages extracted in parallel by this many threads (0 = online CPUs,
                       at most 16, never more than the pages) */
    /* Called after each page with the pages done so far; may be NULL. It is
     * called from the extraction threads, possibly at the same time from two
     * of them: the callee serialises itself. Never called after pdf_extract
     * returns. */
    void (*progress)(void *ctx, int pages_done, int pages_total);
    void *progress_ctx; /* passed to progress, borrowed */
    /* Called on the calling thread about every tick_ms (0: 500) while the
     * pages are extracted, with the pages done so far; may be NULL. Unlike
     * progress it may take its time (write the figure to a database): the
     * extraction threads go on meanwhile. */
    void (*tick)(void *ctx, int pages_done, int pages_total);
    void *tick_ctx;
    int tick_ms;
} pdf_options;

/* Extract the text of the PDF in data[0..len). opt may be NULL (all
 * defaults). data is borrowed for the duration of the call.
 *
 * Errors, with a message fit for the user in err:
 *   EM_E_TOO_LARGE   "the PDF has N pages; the limit is M"; "the PDF has more
 *                    than 100000 headings"; or, with reason PDF_REASON_MEMORY,
 *                    "the PDF needs more than N MB of memory to extract" (a
 *                    page that MuPDF could not draw within the budget fails
 *                    the whole document) or "the PDF has more than N MB of
 *                    text" (a quarter of the budget);
 *   EM_E_TIMEOUT     "extraction took longer than N s" (timeout_ms), or
 *                    deadline_error's message (deadline_us);
 *   EM_E_UNSUPPORTED "the PDF is encrypted (password protected)" or "the PDF
 *                    has no extractable text (scanned pages?)";
 *   EM_E_PARSE       "the PDF cannot be read: <reason>";
 *   EM_E_INVAL       bad arguments;
 *   EM_E_INTERNAL    MuPDF could not start (no context could be made).
 * On failure *out is left zeroed. On success free it with doc_text_cleanup. */
int pdf_extract(const void *data, size_t len, const pdf_options *opt, doc_text *out /* OUT */, em_error *err);

#endif
