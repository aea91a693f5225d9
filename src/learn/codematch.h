/* codematch: which codes of a curriculum standard a question is about.
 *
 * The codes (a code, its title, its description and the titles of its
 * ancestors) become the passages of a retrieve.h index: one passage per code,
 * its title as the passage's section (so title words weigh more), the
 * ancestors' titles after the description (so "loops" under "Control flow"
 * matches a question on control flow). A question's stem, options and
 * section are the query, as a learner's question is for the tutor: stemmed
 * words, stop words dropped, synonyms at a lower weight.
 *
 * A suggestion must cover at least CODEMATCH_MIN_COVERAGE of the question's
 * content words and score at least CODEMATCH_MIN_RELATIVE of the best hit;
 * at most k are kept, best first. The score is retrieve's (BM25 plus title
 * and proximity boosts): higher is better, comparable within one question.
 *
 * Use: codematch_new over the codes, any number of codematch_suggest calls
 * (safe from several threads at once), codematch_free. Pure: no I/O. */
#ifndef EM_LEARN_CODEMATCH_H
#define EM_LEARN_CODEMATCH_H

#include <stddef.h>

#include "core/err.h"

#define CODEMATCH_MIN_COVERAGE 0.15  /* share of the question's content a suggestion covers */
#define CODEMATCH_MIN_RELATIVE 0.6  /* a suggestion's score over the best one's */
#define CODEMATCH_K_MAX 10          /* most suggestions one call returns */
#define CODEMATCH_CODES_MAX 20000   /* codes in one index */

/* One code as the caller gives it; copied by codematch_new. */
typedef struct codematch_code {
    const char *title;       /* required */
    const char *description; /* may be NULL */
    const char *context;     /* its ancestors' titles, may be NULL */
} codematch_code;

typedef struct codematch codematch;

/* An index over codes[0..n) (n <= CODEMATCH_CODES_MAX, else EM_E_TOO_LARGE).
 * *out is owned: free with codematch_free (NULL is a no-op). */
int codematch_new(const codematch_code *codes, size_t n, codematch **out /* OUT */, em_error *err);
void codematch_free(codematch *m);

typedef struct codematch_hit {
    size_t code;     /* index into the codes given to codematch_new */
    double score;    /* retrieve's score */
    double coverage; /* 0..1 */
} codematch_hit;

/* The best codes for the question text (its bytes past RETRIEVE_QUESTION_MAX
 * are not read), at most k (<= CODEMATCH_K_MAX, else EM_E_INVAL) into
 * hits[0..*n_hits), best first, each above the thresholds. No hit is not an
 * error. */
int codematch_suggest(const codematch *m, const char *text, size_t len, size_t k, codematch_hit *hits /* OUT */,
                      size_t *n_hits /* OUT */, em_error *err);

#endif
