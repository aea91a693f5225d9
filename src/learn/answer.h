/* answer: an extractive answer to a question, quoted from the materials.
 *
 * From the best passages retrieve_search finds, the answer is the sentences
 * that cover the most of the question's content, each quoted exactly as the
 * passage has it and cited (material, section, pages, where in the passage).
 * Within a passage quotes keep their order in the text; passages keep their
 * rank. Lines of code keep their line breaks: in a passage that has line
 * breaks, a run of lines that look like code is one unit, quoted whole, and
 * it scores at least 0.9 of the prose sentence next to it (an example goes
 * with the sentence that introduces or explains it).
 *
 * When the best evidence covers too little of the question (coverage below
 * ANSWER_MIN_COVERAGE, see retrieve_hit.coverage) the answer is not
 * answerable and gives instead the titles of the sections that came
 * closest, so the caller can say "not in your materials" and point at them.
 * The threshold is a share of the question's content words (weighted by how
 * rare each is in the materials), not a raw score, so it means the same on a
 * small handout and on a textbook. A question mostly about names the
 * materials never use (words asked with a capital letter past its first
 * word, see retrieve_term.named) is refused however well its other words
 * match, and so is one whose answering passages hold fewer than half of the
 * names it asks about (held elsewhere in the materials is not enough).
 * Pure: no I/O. */
#ifndef EM_LEARN_ANSWER_H
#define EM_LEARN_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "learn/retrieve.h"

#define ANSWER_PASSAGES 3          /* best passages quoted from */
#define ANSWER_SECTIONS 3          /* closest section titles of a refusal */
#define ANSWER_DEFAULT_SENTENCES 3 /* answer_limits.max_sentences when 0 */
#define ANSWER_DEFAULT_CHARS 700   /* answer_limits.max_chars when 0 */
#define ANSWER_MAX_SENTENCES 20    /* the most a caller may ask for */
#define ANSWER_MAX_CHARS 8000
#define ANSWER_MIN_COVERAGE 0.4 /* default refusal threshold on coverage */

typedef struct answer_limits {
    int max_sentences;   /* quotes (sentences or code blocks); 0: default */
    size_t max_chars;    /* bytes of all quotes together; 0: default */
    double min_coverage; /* 0: ANSWER_MIN_COVERAGE; negative: never refuse */
} answer_limits;

typedef struct answer_quote {
    char *text;              /* owned: the exact bytes of the passage quoted
                                (cut at a character boundary, and truncated set,
                                only when one unit is longer than max_chars) */
    size_t passage;          /* number of the passage in the index */
    size_t offset, len;      /* where text lies in the passage: [offset, offset + len) */
    const char *material_id; /* borrowed from the index, may be NULL */
    const char *section;     /* borrowed from the index, may be NULL */
    int page_start, page_end;
    double score; /* the unit's coverage of the question times its passage's rank weight */
    bool code;    /* lines of code, line breaks kept */
    bool truncated;
} answer_quote;

typedef struct answer {
    bool answerable;
    double coverage;      /* the best coverage among the passages looked at */
    answer_quote *quotes; /* owned, n_quotes of them (none when not answerable) */
    size_t n_quotes;
    char **sections; /* owned: when not answerable, the closest section
                        titles (distinct, best first) */
    size_t n_sections;
    retrieve_hit hits[ANSWER_PASSAGES]; /* the passages looked at */
    size_t n_hits;
} answer;

/* Answer q from the built index ix. *out is owned: free with answer_cleanup
 * (also on failure, when it is empty). EM_E_INVAL for limits out of range
 * (max_sentences over ANSWER_MAX_SENTENCES, max_chars over ANSWER_MAX_CHARS,
 * min_coverage over 1). */
int answer_build(const retrieve_index *ix, const retrieve_query *q, answer_limits limits,
                 answer *out /* OUT */, em_error *err);
void answer_cleanup(answer *a);

/* Whether a line (without its line break) looks like code: indented by a tab
 * or four spaces, a shell prompt ("$ "), a "#!" line, or ending in one of
 * ; { } \ after other text. Exposed for tests. */
bool answer_line_is_code(const char *line, size_t len);

#endif
