/* sniff: what kind of document an upload is, from its content.
 *
 * The type comes from the bytes (libmagic's MIME type), never from the file
 * name: a PNG renamed "notes.pdf" is an image. The name is only a hint to
 * tell Markdown from plain text once the content is known to be text.
 *
 * libmagic is not thread-safe, so each thread keeps its own handle, loaded
 * from the system's compiled magic database on the thread's first call and
 * closed when the thread exits (sniff_thread_cleanup closes it earlier). */
#ifndef EM_CONTENT_SNIFF_H
#define EM_CONTENT_SNIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

typedef enum content_type {
    CONTENT_UNSUPPORTED = 0,
    CONTENT_PDF,
    CONTENT_TEXT,
    CONTENT_MARKDOWN,
    CONTENT_HTML
} content_type;

/* Classify data[0..len).
 *
 *   application/pdf, or a "%PDF-" header within the first 1024 bytes of
 *   data that starts with '%' or that libmagic cannot name -> CONTENT_PDF;
 *   text (text/... or content libmagic cannot name that is plain text) that
 *   is valid UTF-8 (control bytes: see sniff_text_piece), or that libmagic
 *   names text in another encoding (read
 *   later as Windows-1252, of which ISO-8859-1 is a part; see
 *   sniff_text_piece_8bit) -> CONTENT_HTML when libmagic names it text/html,
 *   it starts like a page (content/html.h html_looks_like) or filename_hint
 *   ends in ".html", ".htm" or ".xhtml"; CONTENT_MARKDOWN when filename_hint
 *   ends in ".md" or ".markdown", or when the hint is not ".txt"/".text"
 *   and the text looks like Markdown (ATX headings, fenced code, setext
 *   underlines, or several links, list items and emphasis); CONTENT_TEXT
 *   otherwise;
 *   anything else -> CONTENT_UNSUPPORTED, still EM_OK.
 *
 * mime (mime_len bytes, may be NULL/0) receives the MIME type found, e.g.
 * "image/png" ("application/pdf", "text/plain", "text/markdown" or
 * "text/html" for what is accepted; text in another encoding keeps its
 * charset, "text/plain; charset=iso-8859-1"), cut to
 * fit and NUL-terminated, so the caller can name it when it refuses the
 * upload. filename_hint may be NULL. Empty data is
 * EM_E_INVAL; a magic database that cannot be loaded is EM_E_INTERNAL. */
int sniff_content(const void *data, size_t len, const char *filename_hint, content_type *type /* OUT */,
                  char *mime, size_t mime_len, em_error *err);

/* The text rule sniff_content applies to the whole of what it accepts as
 * text, for checking a file too large to hold in pieces: true when data[0..len)
 * has no control bytes but tab, newlines, form and vertical feed, backspace
 * and escape (a manual page saved from a terminal: overstrike and SGR
 * escapes, which doc_text_from_plain strips), and is valid UTF-8. Feed
 * pieces cut at character boundaries (core/utf8.h utf8_cut). */
bool sniff_text_piece(const void *data, size_t len);
/* The same rule for a text in an 8-bit encoding (read as Windows-1252 when
 * it is not UTF-8 throughout): no control bytes but those; any other byte is
 * a character. What an upload is checked with to its end. */
bool sniff_text_piece_8bit(const void *data, size_t len);
/* How much of the start of a file sniff_content looks at for its type. */
#define SNIFF_PREFIX (256u * 1024)

/* "pdf", "text", "markdown", "html", or "unsupported". Static strings. */
const char *content_type_name(content_type t);

/* Close the calling thread's libmagic handle now (it is reopened on the next
 * call). Threads that exit need not call it. */
void sniff_thread_cleanup(void);

#endif
