/* worksheet: find the questions of a worksheet in its extracted text.
 *
 * A worksheet is numbered questions ("1.", "1)", "Q1.", "Question 1:"), each a
 * stem optionally followed by lettered options ("A.", "a)", "(b)", "B:", one
 * a line or several on a line), and optionally an answer key, either inline
 * ("Answer: C") or in a closing section ("Answer Key", "Answers": "1. C  2. A
 * ...", "1-C, 2-A", "9. C8  10. ValueError", or a table's cells). Page numbers
 * are kept so each question can point at where it came from. Pure functions.
 * The rules are in docs/internals/extraction.md ("Worksheets"). */
#ifndef EM_CONTENT_WORKSHEET_H
#define EM_CONTENT_WORKSHEET_H

#include <stdbool.h>
#include <stddef.h>

#include "content/chunk.h"
#include "content/deadline.h"
#include "core/err.h"

#define WORKSHEET_MAX_OPTIONS 8

typedef struct ws_question {
    int number;                        /* as printed */
    int page;                          /* where its stem starts */
    char *stem;                        /* owned, normalised white space */
    char *options[WORKSHEET_MAX_OPTIONS]; /* owned option texts without their letters */
    int n_options;
    char answer[64];                   /* "C" for a lettered key, else the key's text; "" when none */
} ws_question;

typedef struct ws_list {
    ws_question *items;                /* owned, in number order */
    size_t n;
} ws_list;

/* Parse the pages (chunk_page from chunk.h). Questions are numbered upward
 * from 1, a question or two may be skipped; a number further ahead is text,
 * and a number that goes backwards starts the answer key when the key
 * heading was not found. EM_E_TOO_LARGE past 10,000
 * questions, or a stem or option of more than 64 KiB. Linear in the text;
 * memory: the questions' text (at most the pages' text) and one 64 KiB
 * buffer. Free with ws_list_cleanup. */
int worksheet_parse(const chunk_page *pages, size_t n_pages, ws_list *out /* OUT */, em_error *err);
/* The same under a deadline (deadline.h; NULL: none), checked every few
 * lines: past it EM_E_TIMEOUT (deadline_error) and the list is empty. */
int worksheet_parse_until(const chunk_page *pages, size_t n_pages, deadline *dl, ws_list *out /* OUT */,
                          em_error *err);
void ws_list_cleanup(ws_list *l);

/* Whether a heading is an answer key's ("Answer Key", "Answers:", ...): it
 * names a part of the worksheet, not a topic. */
bool worksheet_is_key_heading(const char *title);

#endif
