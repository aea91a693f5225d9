/* chunk: split extracted text into sections and retrieval chunks.
 *
 * Input is the text of a document as pages (each page's text in reading order,
 * as the PDF extractor or the text/Markdown reader gives it) plus the headings
 * found on them. Output is chunks of a few hundred words that never split a
 * sentence, each with the page it starts on, the page it ends on, and the
 * heading of the section it belongs to. A sentence longer than the maximum is
 * the one exception: it is cut at a word boundary. Pure functions: no I/O. */
#ifndef EM_CONTENT_CHUNK_H
#define EM_CONTENT_CHUNK_H

#include <stddef.h>

#include "content/deadline.h"
#include "core/err.h"

typedef struct chunk_page {
    int number;             /* 1-based page number */
    const char *text;       /* UTF-8, borrowed */
    size_t len;
} chunk_page;

typedef struct chunk_heading {
    int page;               /* the page it is on */
    size_t offset;          /* byte offset in that page's text where it starts */
    int level;              /* 1 = chapter, 2 = section, ... */
    const char *title;      /* borrowed */
} chunk_heading;

typedef struct chunk_limits {
    int target_words;       /* aim for chunks of about this many words (default 250) */
    int max_words;          /* never more, except inside one overlong sentence (default 400) */
} chunk_limits;

typedef struct text_chunk {
    /* owned, whole sentences; line breaks, paragraph breaks ("\n\n") and the
     * indentation of lines kept, wrapped prose joined and other white space
     * one space (chunk.c) */
    char *text;
    int page_start, page_end;
    int words;
    char *section;          /* owned title of the enclosing heading, NULL before the first */
    int index;              /* 0-based position in the document */
} text_chunk;

typedef struct chunk_list {
    text_chunk *items;      /* owned */
    size_t n;
} chunk_list;

/* Chunk a document. headings must be in document order (may be NULL/0). A
 * heading starts a new chunk. Limits of 0 mean the defaults. EM_E_INVAL for
 * limits out of range (target 20..2000, max >= target); EM_E_TOO_LARGE past
 * 100,000 chunks. Free the list with chunk_list_cleanup. */
int chunk_document(const chunk_page *pages, size_t n_pages, const chunk_heading *headings, size_t n_headings,
                   chunk_limits limits, chunk_list *out /* OUT */, em_error *err);
/* The same under a deadline (deadline.h; NULL: none), checked every few
 * bytes and sentences: past it EM_E_TIMEOUT (deadline_error) and the list is
 * empty. Chunking is linear in the text and the headings; at its peak it
 * holds about twice the pages' text besides the pages (see chunk.c). */
int chunk_document_until(const chunk_page *pages, size_t n_pages, const chunk_heading *headings,
                         size_t n_headings, chunk_limits limits, deadline *dl, chunk_list *out /* OUT */,
                         em_error *err);
void chunk_list_cleanup(chunk_list *l);

/* The byte length of the sentence starting at text (to and including its
 * terminal punctuation and closing quotes/brackets, or the end). Abbreviations
 * ("e.g.", "Dr.", "Fig. 3"), decimals ("3.14"), initials ("J. R. R.") and
 * ellipses inside a sentence do not end it. Exposed for tests. */
size_t chunk_sentence_len(const char *text, size_t len);

#endif
