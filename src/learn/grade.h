/* grade: whether a student's quiz answer is right, and one sentence saying so.
 *
 * Three kinds of question. A multiple choice answer names one option: the
 * option's letter ("B", "b", "(b)", "B)", "b.") or its full text, case
 * (ASCII), surrounding white space, runs of white space inside and one final
 * period aside, or else the one option with the same stemmed words
 * (grade_normalize: "entries" names "entry"; no typo allowed); an answer
 * that names no option is not an error but "not one of the options". A true/false answer is "true", "t",
 * "yes" or "y", or "false", "f", "no" or "n", in any case. A short answer is compared word by word on
 * core/words' Snowball stems, so case, punctuation and plurals do not
 * matter: every content word of the key must be in the answer (in any
 * order), allowing one typo in a word of 4 or more letters, or a synonym
 * from learn/synonyms; the answer may add at most as many content words as
 * the key has, and none when it joins words with "and" or "or" where the key
 * does not (a list or a hedge: "mitochondria or ribosomes"). A negation or
 * an opposite the key does not have ("not", "without", "before" for "after"),
 * or another programming keyword before a key word ("while loop" for "for
 * loop"), makes it wrong. docs/internals/learn.md, "Grading answers", gives every
 * rule and why.
 *
 * Pure and reentrant: no I/O, no globals; each call makes its own stemmer
 * (under a microsecond), so any number of threads may grade at once. */
#ifndef EM_LEARN_GRADE_H
#define EM_LEARN_GRADE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define GRADE_ANSWER_MAX 1000  /* bytes of a given answer */
#define GRADE_FEEDBACK_MAX 240 /* bytes of grade_result.feedback, its NUL included */

/* ---- grading ---- */

typedef enum grade_kind { GRADE_CHOICE, GRADE_TRUE_FALSE, GRADE_SHORT } grade_kind;

/* The key of one question; every pointer is borrowed for the call. */
typedef struct grade_key {
    grade_kind kind;
    const char *answer;         /* NUL-terminated: the correct option's text (a letter, "C", is also taken,
                                   as worksheets write keys; the text of an option wins over a letter),
                                   "True"/"False" (any form a student may give), or the expected short
                                   answer */
    const char *const *options; /* choice: the options in order (A, B, C...); NULL otherwise */
    size_t n_options;
    const char *const *also_accepted; /* short: other accepted answers (NULL entries skipped);
                                         may be NULL */
    size_t n_also;
} grade_key;

typedef struct grade_result {
    bool correct;
    int option;         /* choice/true-false: index of the option the student chose (true/false:
                           0 True, 1 False), -1 when none matched; -1 for short answers */
    bool typo_forgiven; /* short: accepted with one typo in some word */
    bool synonym;       /* short: accepted through a synonym */
    char feedback[GRADE_FEEDBACK_MAX]; /* one sentence for the student, NUL-terminated: "Correct.",
                                          "Correct (spelling: 'mitochondria').", "Not quite: the
                                          answer is 'mitochondria'.", "Not one of the options:
                                          answer with a letter A-D or an option's text." */
} grade_result;

/* Grade `given` (len bytes, UTF-8) against k into *out (always filled:
 * incorrect, option -1 and an empty feedback on an error).
 *
 * EM_E_INVAL (message safe to show) for a missing, empty or white-space-only
 * answer or invalid UTF-8, and for a key that cannot be graded against (no
 * answer; a choice without options or whose answer is neither an option's
 * text nor its letter; a true/false answer that is neither). EM_E_TOO_LARGE
 * over GRADE_ANSWER_MAX bytes. EM_E_INTERNAL when the English stemmer is
 * missing. A choice answer that matches no option is not an error: correct
 * false, option -1, feedback says so. */
int grade_answer(const grade_key *k, const char *given, size_t len, grade_result *out /* OUT */,
                 em_error *err);

/* ---- comparing answers across questions ---- */

/* The normalised form of an answer used to compare answers across questions
 * (for the "answer matches another question's key" misconception check):
 * its content words (all its words when it has no other), lowercase,
 * Snowball-stemmed, in order, space-separated; stop words and numbers as
 * written, words over WORDS_MAX bytes left out. "The Mitochondria." gives
 * "mitochondria", "Cells' walls" gives "cell wall"; "mitochondrion" gives
 * "mitochondrion", another stem.
 *
 * Written into out, NUL-terminated, cut before the first word that does not
 * fit in n bytes (never inside a word); returns its length. Nothing is
 * written when n is 0. text may be NULL when len is 0. Words of invalid
 * UTF-8 are punctuation, as in core/words. */
size_t grade_normalize(const char *text, size_t len, char *out /* OUT */, size_t n);
/* Room for a normalised form as it is stored and compared (bytes, NUL
 * included): longer forms are cut there, alike everywhere. */
#define GRADE_NORM_MAX 512

#endif
