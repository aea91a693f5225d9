/* sentence: where a sentence of prose ends.
 *
 * The one sentence splitter of the project: the chunker (content/chunk) never
 * cuts a chunk inside a sentence, and extractive answers (learn/answer) quote
 * whole sentences, so both must agree on where one ends. A sentence ends after
 * a run of . ! ? or "…" (and any closing quotes or brackets) followed by white
 * space and a sentence start (an uppercase letter, a digit, an opening quote
 * or bracket), or at the end of the text. Abbreviations ("e.g.", "Dr.",
 * "Fig. 3"), decimals ("3.14"), initials ("J. R. R.") and ellipses inside a
 * sentence do not end it. Pure function on caller-owned bytes; bytes other
 * than ASCII punctuation and white space are opaque, so invalid UTF-8 passes. */
#ifndef EM_CORE_SENTENCE_H
#define EM_CORE_SENTENCE_H

#include <stdbool.h>
#include <stddef.h>

/* The byte length of the sentence starting at text[0..len): to and including
 * its terminal punctuation and closing quotes/brackets, or len. */
size_t sentence_len(const char *text, size_t len);

#define SENTENCE_LABEL_WORDS 2  /* most words of a label line */
#define SENTENCE_LABEL_BYTES 24 /* longest label line, white space trimmed */
#define SENTENCE_CAPTION_BYTES 160 /* longest caption line */

/* Whether line[0..len) (no line break) is a label rather than prose: at most
 * SENTENCE_LABEL_WORDS words in at most SENTENCE_LABEL_BYTES (white space
 * trimmed) of letters, digits and dots inside, starting with a capital, a
 * digit or a non-ASCII letter, and not ending with a period or an ellipsis.
 * An identifier ('FILE_RULES', --verbose) is no label: its line introduces a
 * definition, which is not a sentence of its own. A caption is a label too:
 * "Table 5.1: List of network configuration tools", "Figure 3 ...", up to
 * SENTENCE_CAPTION_BYTES.
 * "Tip", "Warning", "2.7.8", a table cell: extracted text keeps them on lines
 * of their own, above the sentence they belong to, and prose wrapped to a
 * width never leaves a line that short but at a sentence's end. */
bool sentence_line_is_label(const char *line, size_t len);

#endif
