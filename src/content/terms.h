/* terms: words, stems and the key terms of a material.
 *
 * Text is UTF-8 and is cut into words: runs of letters and digits (ASCII, and
 * any non-ASCII character that is not known punctuation, a symbol or a space).
 * An apostrophe (' ’ ʼ) between two word characters stays inside the word
 * ("don't", "o'clock"); a trailing one, and a possessive "'s", goes ("cell's"
 * and "cells'" count as "cell" and "cells"). A hyphen between two word
 * characters splits the word, but the parts stay neighbours for two-word terms
 * ("cell-membrane" gives "cell" and "membrane"). ASCII letters are lowercased;
 * other characters are kept as they are. A soft hyphen inside a word is dropped.
 * Words of more than TERMS_WORD_MAX bytes are ignored.
 *
 * Words and stems are read by core/words (the Snowball "english" stemmer,
 * libstemmer); every call makes its own stemmer: the functions here are
 * reentrant.
 * Pure functions otherwise: no I/O. */
#ifndef EM_CONTENT_TERMS_H
#define EM_CONTENT_TERMS_H

#include <stdbool.h>
#include <stddef.h>

#include "content/deadline.h"
#include "core/err.h"
#include "core/words.h"

#define TERMS_WORD_MAX WORDS_MAX    /* longest word considered, in bytes */
#define TERMS_MAX_TOKENS 5000000    /* words per call; past it EM_E_TOO_LARGE */

/* ---- key terms ---- */

typedef struct key_term {
    char *term;         /* owned; the most frequent surface form of the stem
                           ("photosynthesis"), or two joined by a space */
    char *stem;         /* owned; "photosynthesi", or "cell membran" for two words */
    double score;       /* tf-idf, see terms_key_terms */
    int count;          /* occurrences in all the documents together */
    int docs;           /* documents it occurs in */
    size_t first_doc;   /* index of the first document it occurs in */
} key_term;

/* The top_n key terms of a material given as documents (typically its
 * chunks). Words that are stop words (terms_is_stop_word), shorter than three
 * characters, pure numbers or ordinals ("1st", "21st") are not terms. A term is
 * a stem; its score is tf * idf with tf = its count in the whole material
 * divided by the number of term words there, and idf = ln((1 + n_docs) / (1 +
 * docs)) + 1, so one document ranks by frequency alone. Two-word terms are pairs
 * of neighbouring term words (only white space or a hyphen between them, no
 * stop word) that occur at least twice, scored the same way; a one-word term
 * that only ever occurs inside one such pair is left out in its favour. Sorted
 * by score, highest first, ties by term (strcmp). lens[i] is the byte length of
 * docs[i]; a NULL doc counts as empty. *out is owned (free with
 * key_terms_free) and NULL when *n_out is 0. EM_E_TOO_LARGE past
 * TERMS_MAX_TOKENS words.
 *
 * Time: linear in the text (hash tables with a per-call secret key, then one
 * sort of the distinct terms). Memory: bounded whatever the text: at most
 * 2^19 distinct terms and as many surface forms are counted, holding at
 * most 32 MB of keys, about 80 MB in all; past either limit, terms not yet
 * seen are left out while those already seen go on being counted (a
 * textbook of a million words stays well within them). */
int terms_key_terms(const char *const *docs, const size_t *lens, size_t n_docs, size_t top_n,
                    key_term **out /* OUT */, size_t *n_out /* OUT */, em_error *err);
/* The same under a deadline (deadline.h; NULL: none), checked every few
 * words: past it EM_E_TIMEOUT (deadline_error) and nothing is returned. */
int terms_key_terms_until(const char *const *docs, const size_t *lens, size_t n_docs, size_t top_n,
                          deadline *dl, key_term **out /* OUT */, size_t *n_out /* OUT */, em_error *err);
void key_terms_free(key_term *t, size_t n);

/* ---- words of a query or an answer ---- */

/* The stem of each word of text in order, stop words left out. Unlike key
 * terms, short words and numbers are kept ("pH", "1945"), as they matter in
 * answers. *stems is an owned array of owned strings, free with
 * terms_stems_free; NULL when *n is 0. EM_E_TOO_LARGE past TERMS_MAX_TOKENS. */
int terms_stem_words(const char *text, size_t len, char ***stems /* OUT */, size_t *n /* OUT */,
                     em_error *err);
void terms_stems_free(char **stems, size_t n);

/* ---- stop words ---- */

/* Whether the lowercase word w[0..len) is one of the English stop words. */
bool terms_is_stop_word(const char *w, size_t len);
/* The stop word list, sorted by strcmp (exposed for tests). */
const char *const *terms_stop_words(size_t *n /* OUT */);

#endif
