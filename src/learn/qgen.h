/* qgen: quiz questions generated from a student's own material.
 *
 * The built-in offline engine's question writer. From one material's
 * passages (a built learn/retrieve index) and its key terms (content/terms,
 * best first) it writes four kinds of question, each citing the sentence it
 * was made from and answerable from it alone:
 *   - cloze: the sentence with the key term blanked ("_____"), the term the
 *     answer;
 *   - multiple choice: the same blank with four options, the term and three
 *     distractors of the same kind (other key terms of the material with as
 *     many words, used as nouns in it, written alike: acronyms with acronyms,
 *     names with names, lowercase with lowercase; in the form the material
 *     writes them, never a plural or singular made by rule; WordNet sister
 *     terms through the caller's sisters function only when the material has
 *     fewer than three);
 *   - true/false: "True or false: " and the sentence as it stands, or with the
 *     term swapped for another term of the material of the same kind that
 *     the sentence does not hold, where the term heads its phrase; only from
 *     a sentence that makes a claim (a finite verb, by a heuristic: qgen.md);
 *   - definition: "Which term matches this definition?" over what a
 *     definitional sentence ("X is a ...", "X refers to ...", "... called X")
 *     says of the term, with four options.
 * Sentences are chosen among real prose: whole sentences of 6 to 60 words
 * (opening like one, ending in a full stop, quotations and brackets whole,
 * no label, control character or glued footnote mark), not headings, list
 * items or code lines, not licence or copyright boilerplate, and
 * definitional sentences first. Passages that are empty, one word or only
 * headings, or under a licence appendix's title, give nothing. Options of
 * one question are never near-synonyms (one holding the other's
 * words, or two sharing their first word: "cat page", "cat file"), nor a
 * word the material writes where the blank stands ("return" before
 * "status" beside "exit status"). Before a question is returned its key is
 * checked against its quote (the term's stems stand in it and nowhere else
 * in the stem; no distractor's do), and a question whose stem is a
 * near-duplicate (qgen_similarity >= QGEN_NEAR_DUPLICATE) of one already in
 * the set is dropped. docs/internals/qgen.md gives the rules, the scores,
 * the difficulty estimate and the threshold with their reasons.
 *
 * Pure: no I/O. Reentrant: every call makes its own stemmer; the index and
 * terms are only read, so several threads may generate from one index. */
#ifndef EM_LEARN_QGEN_H
#define EM_LEARN_QGEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "learn/retrieve.h"

#define QGEN_MAX 100 /* questions one call may ask for */
/* Stems at least this similar (qgen_similarity) are near-duplicates: with
 * the overlap measure below, two stems of five or more content words that
 * differ in one word score at least 0.8 (4 of 5), while questions on
 * different facts of one topic share two or three of them (0.3 to 0.6). */
#define QGEN_NEAR_DUPLICATE 0.8
#define QGEN_TERMS_MAX 5000 /* key terms and focus terms read; more are ignored */

typedef enum qgen_type { QGEN_CLOZE, QGEN_CHOICE, QGEN_TRUE_FALSE, QGEN_DEFINITION } qgen_type;

/* "cloze", "multiple_choice", "true_false", "definition"; static. */
const char *qgen_type_name(qgen_type t);

/* Sister terms of term (same kind: co-hyponyms), written as owned strings
 * (qgen frees them with free()) into out[0..return), at most max; e.g.
 * backed by content/wordnet's wordnet_sisters. Called from the thread that
 * called qgen_generate. */
typedef size_t (*qgen_sisters_fn)(void *ctx, const char *term, char **out, size_t max);

typedef struct qgen_input {
    const retrieve_index *ix; /* one material's passages, built; borrowed */
    const char *const *terms; /* its key terms, best first (surface forms); borrowed */
    size_t n_terms;
    const char *section;            /* only passages whose section is this title; NULL: all */
    const char *const *focus_terms; /* terms to test first (weak topics, open misconceptions); may be NULL */
    size_t n_focus;
    size_t max;              /* questions wanted, 1..QGEN_MAX */
    uint64_t seed;           /* variety between calls; same seed, same questions */
    qgen_sisters_fn sisters; /* may be NULL */
    void *sisters_ctx;
} qgen_input;

typedef struct qgen_question {
    qgen_type type;
    char *stem;     /* owned */
    char **options; /* owned, n_options of them; NULL for cloze; {"True","False"} for true/false */
    size_t n_options;
    char *answer;   /* owned: the correct option's text (choice, definition, true/false), the term (cloze) */
    char *term;     /* owned: the key term tested */
    size_t passage; /* the cited passage (number in ix) */
    size_t quote_offset, quote_len; /* the cited sentence inside that passage's text */
    double difficulty;              /* 0 easy .. 1 hard: kind of question, rarity of the term,
                                       length of the sentence, definitional or not (qgen.md) */
} qgen_question;

typedef struct qgen_set {
    qgen_question *items; /* owned */
    size_t n;
} qgen_set;

/* Up to in->max questions into *out (owned; free with qgen_set_cleanup,
 * also on failure): focus terms first, then key terms best first with a
 * seeded shuffle among neighbours, each term once before any term twice.
 * Fewer (even 0) when the material does not give more. The same input and
 * seed give the same set. EM_E_INVAL for bad input (no index, max outside
 * 1..QGEN_MAX, NULL arrays with a count); EM_E_INTERNAL when no stemmer.
 * Time: one pass over the passages' words (a cached stem per distinct
 * word), then work proportional to the questions times the terms; a
 * material of more than 96 KB is read as a seeded sample of 96 KB of
 * sentences (the focus terms' best passages first, by retrieve), so a
 * 300-page book costs about what 40 pages do (qgen.md). */
int qgen_generate(const qgen_input *in, qgen_set *out /* OUT */, em_error *err);
void qgen_set_cleanup(qgen_set *s);

/* Similarity 0..1 of two question stems: the overlap coefficient |A n B| /
 * min(|A|, |B|) of their sets of stemmed content words (stop words left
 * out). Two stems without content words score 1 when their bytes are equal,
 * else 0. Near-duplicates score >= QGEN_NEAR_DUPLICATE; callers compare new
 * questions with a student's recent quizzes with it. */
double qgen_similarity(const char *a, size_t alen, const char *b, size_t blen);

#endif
