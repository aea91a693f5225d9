/* doctext: the text of an uploaded document, as pages and headings.
 *
 * Every extractor (pdf.h for PDF, doc_text_from_plain here for plain text and
 * Markdown) produces a doc_text: the text of each page in reading order and
 * the headings found on them, in the shapes chunk.h and worksheet.h take, so
 * the result passes straight to chunk_document() and worksheet_parse(). All
 * text in a doc_text is valid UTF-8 without NUL bytes. */
#ifndef EM_CONTENT_DOCTEXT_H
#define EM_CONTENT_DOCTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "content/chunk.h"
#include "content/deadline.h"
#include "core/err.h"

/* Most headings a document may have; past it reading it fails (EM_E_TOO_LARGE).
 * A study text has hundreds; a hundred thousand is a list of lines dressed
 * as headings, and each heading costs every later step (chunks, topics,
 * stored sections) far more than its bytes. */
#define DOC_MAX_HEADINGS 100000
/* Most pages (form-feed separated) of a text; past it EM_E_TOO_LARGE. */
#define DOC_MAX_PAGES 100000

typedef struct doc_text {
    chunk_page *pages; /* owned array; each page's text is owned by the doc_text
                          (NUL-terminated, the NUL not counted in len) */
    size_t n_pages;
    chunk_heading *headings; /* owned array in document order; titles owned */
    size_t n_headings;
    int page_count; /* pages in the source document (PDF page count; for
                       text, the number of form-feed separated pages) */
    char *title;    /* owned, may be NULL: the PDF metadata title, else the
                       first level-1 heading, else NULL */
} doc_text;

/* Free everything a doc_text owns and zero it. Safe on a zeroed struct and
 * on NULL. */
void doc_text_cleanup(doc_text *d);

/* ---- plain text and Markdown ---- */

/* The text of a plain-text (markdown false) or Markdown (markdown true) file.
 *
 * data must be UTF-8 (a leading byte-order mark is skipped): invalid UTF-8
 * is EM_E_UNSUPPORTED "text is not UTF-8", a NUL byte EM_E_UNSUPPORTED "the
 * text contains NUL bytes". Line ends (CRLF, CR) become '\n'. A form feed
 * starts a new page; a form feed at the very end adds no empty page. Text
 * written for a terminal (a manual page saved from man or nroff, with its
 * overstrike and escape sequences) is read as it shows: see
 * doc_text_strip_terminal.
 *
 * Markdown is read as CommonMark (libcmark), and the text is what the
 * document reads as: headings without their '#' markers or setext
 * underlines, paragraphs with their source line breaks, code blocks (fenced
 * or indented) with their lines and indentation but without fences, inline
 * code without backticks, emphasis without its markers, links as their
 * text, images as their description, raw HTML dropped; list items on lines
 * of their own as "- " or "N. " (ordered lists renumbered from their start;
 * two spaces a level of nesting); blocks apart by a blank line (a line
 * break inside a list). Every heading of the tree is a heading, its title
 * its text (line breaks as spaces). A YAML front matter block ("---" on the
 * first line up to the next "---" or "...") is left out of the text.
 *
 * Plain text: a line after a blank line (or at the top of a page) is a
 * heading when it is numbered ("1 Introduction", "2.3 Forces", "4. Energy",
 * "Chapter 4 Waves"), has at most 12 words, has a word of two letters or
 * more after the number, does not end in . , ; ? or ! and is no entry of a
 * table of contents ("1. Introduction ........ 1": apparatus.h). Its level is the
 * depth of the number ("2.3" is 2; "Chapter" is 1). The title keeps the
 * number. A numbered line is an item of a list, not a heading, when the
 * line after it is numbered too (a list of tables, a contents without
 * leaders), or is indented further and goes on with its sentence (starts
 * with a lowercase letter or '(') or hangs under the item's text; and,
 * where most lines of the text are indented (text converted from HTML,
 * manual pages), when it is indented further than they are. No-break
 * spaces (U+00A0) are spaces: "1.1.\u00a0Console basics" is a heading and
 * the text holds a space there.
 *
 * Where most lines of a plain text are indented (a manual page: sections at
 * the margin, sub-sections three columns in, the text at seven; text
 * converted from HTML: headings at the margin, paragraphs at four), a line
 * after a blank line that sits left of them, at most three columns in, is a
 * heading without a number ("SHELL GRAMMAR" level 1 at the margin, "Simple
 * Commands" level 2 indented) when it starts with a capital, has at most 8
 * words, no run of spaces inside (a page header) and no final punctuation,
 * and the next line, or the one after a blank line, is indented further
 * and not numbered (a contents without leaders).
 *
 * A document of nothing but white space is EM_E_INVAL "the document has no
 * text"; one with more than DOC_MAX_HEADINGS headings or DOC_MAX_PAGES
 * pages EM_E_TOO_LARGE "the document has more than N headings" (pages). On
 * failure *out is left zeroed. Free with doc_text_cleanup.
 *
 * Time and memory: one pass over the lines, each byte looked at a bounded
 * number of times; Markdown is first read by the line reader (ATX and
 * setext headings outside fences, as the old reader did), which checks the
 * limits (pages, headings, deadline) before CommonMark builds its tree,
 * whose nodes (some hundred bytes each) are freed page by page. The
 * pages' text takes at most len bytes (each page's buffer reserved once at
 * its input's size, never grown; a Markdown page's at one and a half times
 * its input, for renumbered list markers); the records of pages and
 * headings and the titles (at most 300 bytes) are bounded by DOC_MAX_PAGES
 * and DOC_MAX_HEADINGS, about 40 MB at worst. With the caller's copy of
 * data, the peak is twice len plus those records (and, for Markdown, the
 * tree of the largest page); a text with a backspace or an escape is first
 * copied without its terminal formatting, len bytes more. */
int doc_text_from_plain(const char *data, size_t len, bool markdown, doc_text *out /* OUT */, em_error *err);

/* The same under a deadline (deadline.h; NULL: none), checked every few
 * lines: past it, EM_E_TIMEOUT (deadline_error) and *out is left zeroed. */
int doc_text_from_plain_until(const char *data, size_t len, bool markdown, deadline *dl,
                              doc_text *out /* OUT */, em_error *err);

/* Text written for a terminal as it reads, into out (room for len bytes;
 * out may be data itself): returns the bytes written.
 *
 * Overstrike, as nroff writes bold and underline for a printer, keeps one
 * character: "N\bNA\bAM\bME\bE" is "NAME", "_\bx" and "x\b_" are "x",
 * otherwise the character struck last ("+\bo", a bullet, is "o"); a
 * backspace steps back over one whole UTF-8 character, never past a line
 * break, and one with nothing to strike is dropped. Escape sequences are
 * dropped: CSI ("\x1b[1m", "\x1b[22m", the SGR styles of man's output),
 * OSC and the other strings up to their terminator, BEL or "\x1b\\", or
 * the line's end (a hyperlink's "\x1b]8;;URL\x1b\\" goes, the text it
 * links stays), and
 * the two-byte escapes ("\x1b=", "\x1b(B" with its intermediate). A lone
 * ESC at the end is dropped. Everything else is copied as it is, so valid
 * UTF-8 stays valid. Pure, linear in len. */
size_t doc_text_strip_terminal(const char *data, size_t len, char *out /* OUT */);

#endif
