/* words: the one reading of text as words, stop words and English stems.
 *
 * Text is UTF-8 and is cut into words: runs of letters and digits (ASCII, and
 * any non-ASCII character that is not known punctuation, a symbol or a space).
 * An apostrophe (' ’ ʼ) between two word characters stays inside the word
 * ("don't", "o'clock"); a trailing one, and a possessive "'s", goes ("cell's"
 * and "cells'" give "cell" and "cells"). A hyphen between two word characters
 * splits the word, but the parts stay neighbours ("cell-membrane" gives
 * "cell" and "membrane", the second joined to the first). ASCII letters are
 * lowercased; other characters are kept as they are. A soft hyphen inside a
 * word is dropped. Invalid UTF-8 is punctuation.
 *
 * Stems come from the Snowball "english" stemmer (libstemmer). A stemmer is
 * not thread-safe: each caller makes its own (words_stemmer_new) and uses it
 * from one thread. Everything else here is a pure function of its input.
 * content/terms (key terms) and learn/retrieve (passage retrieval) both read
 * words through this module, so a word means the same thing in both. */
#ifndef EM_CORE_WORDS_H
#define EM_CORE_WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define WORDS_MAX 64                   /* longest word kept, in bytes */
#define WORDS_STEM_MAX (2 * WORDS_MAX) /* longest stem, in bytes */

/* ---- tokenizer ---- */

/* A position in a text; make one with words_tokenizer_make. The text is
 * borrowed and must outlive the tokenizer. */
typedef struct words_tokenizer {
    const unsigned char *s; /* borrowed */
    size_t len, pos;
    bool started; /* a word was handed out */
} words_tokenizer;

typedef struct words_word {
    char text[WORDS_MAX + 1]; /* lowercased ASCII, apostrophes as ', NUL-terminated */
    size_t len;               /* bytes of text */
    size_t chars;             /* characters of text */
    size_t start, end;        /* where the word lies in the input: [start, end) */
    bool has_letter;          /* not only ASCII digits */
    bool joined;              /* only white space (one line break at most) or one
                                 hyphen between two word characters separates it
                                 from the previous word */
    bool overlong;            /* longer than WORDS_MAX bytes: text is empty */
} words_word;

static inline words_tokenizer words_tokenizer_make(const char *s, size_t len)
{
    return (words_tokenizer){(const unsigned char *)s, s == NULL ? 0 : len, 0, false};
}

/* The next word into *w, or false at the end of the text. Each byte is
 * looked at a bounded number of times. */
bool words_next(words_tokenizer *t, words_word *w /* OUT */);

/* ---- stop words ---- */

/* Whether the lowercase word w[0..len) is one of the English stop words: the
 * usual list of articles, pronouns, auxiliaries, conjunctions, prepositions
 * and their contractions (see words_stop_list). */
bool words_is_stop(const char *w, size_t len);
/* The stop word list, sorted by strcmp (exposed for tests and docs). */
const char *const *words_stop_list(size_t *n /* OUT */);

/* ---- stems ---- */

typedef struct words_stemmer words_stemmer;

/* A Snowball English stemmer; NULL with err set (EM_E_INTERNAL) when
 * libstemmer has none. Free with words_stemmer_free (NULL is a no-op). */
words_stemmer *words_stemmer_new(em_error *err);
void words_stemmer_free(words_stemmer *st);

/* The stem of the lowercase word w[0..len) (len <= WORDS_MAX) into out,
 * NUL-terminated, its length in *out_len. EM_E_NOMEM when the stemmer
 * cannot allocate, EM_E_INTERNAL for a stem past WORDS_STEM_MAX. */
int words_stem(words_stemmer *st, const char *w, size_t len, char out[WORDS_STEM_MAX + 1],
               size_t *out_len /* OUT */);

#endif
