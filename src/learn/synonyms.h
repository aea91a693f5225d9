/* synonyms: the one table of common English synonym groups.
 *
 * Everyday English words grouped with the word a learner reaches for beside
 * the one a textbook uses ("leave", "exit", "quit", "break"). General
 * language only: nothing here is about one subject. learn/retrieve widens a
 * question with the other words of a group; learn/grade accepts a short
 * answer that says a key word's synonym. A word may sit in more than one
 * group ("terminate", "failure"); being synonyms is not transitive.
 *
 * Each word comes with its Snowball English stem (what core/words'
 * words_stem gives), written into the table so that matching inflected words
 * costs no stemming; test_learn_grade checks every one against the stemmer.
 * Everything here is static and read-only: pure and safe from any thread. */
#ifndef EM_LEARN_SYNONYMS_H
#define EM_LEARN_SYNONYMS_H

#include <stdbool.h>
#include <stddef.h>

/* ---- the table ---- */

/* The number of groups. */
size_t synonyms_count(void);

/* The words of group g, lowercase, as a NULL-terminated list, or NULL when g
 * is past the last group. Static: borrowed for the life of the program. */
const char *const *synonyms_group(size_t g);

/* The Snowball English stems of group g's words, in the same order and
 * NULL-terminated, or NULL past the last group. Static, as above. */
const char *const *synonyms_group_stems(size_t g);

/* ---- matching ---- */

/* Whether the lowercase words a[0..alen) and b[0..blen) share a group. A
 * word matches a table entry when it is the entry's word or the entry's
 * stem, so callers may pass words ("terminate") or their stems ("termin");
 * pass stems to match inflections ("started" has the stem "start", which
 * matches; the word "started" itself matches nothing). A word the table does
 * not hold is nobody's synonym, not even its own: callers compare words for
 * equality first. */
bool synonyms_equivalent(const char *a, size_t alen, const char *b, size_t blen);

#endif
