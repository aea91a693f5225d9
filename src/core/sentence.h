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

#include <stddef.h>

/* The byte length of the sentence starting at text[0..len): to and including
 * its terminal punctuation and closing quotes/brackets, or len. */
size_t sentence_len(const char *text, size_t len);

#endif
