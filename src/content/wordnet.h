/* wordnet: sister terms of an English noun, read from the WordNet 3.0 database.
 *
 * Quiz questions need wrong options of the same kind as the right one; when a
 * material has too few terms of its own, WordNet's noun hierarchy gives them:
 * the sisters (co-hyponyms) of "mitochondrion" are the other kinds of its
 * hypernym "organelle" ("chloroplast", "ribosome", ...). Only the noun files
 * are read: index.noun (one line per lemma, sorted by byte order) and
 * data.noun (one line per synset, addressed by its byte offset), as Debian's
 * wordnet-base installs them in /usr/share/wordnet (format: wndb(5WN)).
 *
 * Nothing is read at open but the first lines of each file (to refuse
 * something that is not WordNet): both files are mapped read-only and each
 * lookup binary-searches index.noun and jumps to offsets in data.noun, so
 * opening takes well under a millisecond and memory is the page cache's.
 * An opened wordnet is never written again: wordnet_sisters may be called on
 * the same one from any number of threads at once. noun.exc (irregular
 * plurals: "mitochondria mitochondrion") is mapped too when present. Malformed lines found by
 * a lookup are skipped (they give fewer sisters, never a crash). */
#ifndef EM_CONTENT_WORDNET_H
#define EM_CONTENT_WORDNET_H

#include <stddef.h>

#include "core/err.h"

#define WORDNET_DEFAULT_DIR "/usr/share/wordnet" /* Debian's wordnet-base */
#define WORDNET_FILE_MAX ((size_t)64 << 20)      /* bytes of either file (data.noun is 15 MB) */
#define WORDNET_WORD_MAX 128                     /* bytes of a looked-up word */

typedef struct wordnet wordnet;

/* Open the WordNet noun database in dir (NULL: WORDNET_DEFAULT_DIR) into an
 * owned *out, free with wordnet_free. EM_E_NOT_FOUND when index.noun or
 * data.noun is absent (callers then work without WordNet), EM_E_INVAL when
 * either is empty or does not read as WordNet, EM_E_TOO_LARGE past
 * WORDNET_FILE_MAX, EM_E_IO when it cannot be read. */
int wordnet_open(const char *dir, wordnet **out /* OUT */, em_error *err);
/* The same over the two files' bytes, borrowed: they must stay unchanged
 * until wordnet_free (for tests and the fuzz target). */
int wordnet_open_mem(const char *index_noun, size_t index_len, const char *data_noun, size_t data_len,
                     wordnet **out /* OUT */, em_error *err);
/* NULL is a no-op. */
void wordnet_free(wordnet *wn);

/* Sister terms of the noun word (any case; spaces or underscores between
 * the words of a compound; a plural is read as its singular by noun.exc
 * and WordNet's regular endings): the
 * first lemma of every other hyponym of each hypernym of word's first (most
 * common) sense, in the database's order, underscores turned to spaces. The
 * word itself and the other lemmas of its sense are left out, and so are
 * repeats. Owned strings into out[0..return), at most max; free each with
 * free(). 0 for an unknown word, a word over WORDNET_WORD_MAX bytes, or
 * wn NULL. Time: at most a few hundred line reads (hypernyms and their
 * hyponyms are capped). */
size_t wordnet_sisters(const wordnet *wn, const char *word, char **out /* OUT */, size_t max);

#endif
