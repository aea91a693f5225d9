/* retrieve: the passages of a student's materials that answer a question.
 *
 * An in-memory index over passages (the chunks of the materials: text,
 * material, section title, pages) ranks them for a question asked in plain
 * words ("how do I leave a loop early?"), not in a search language. Words are
 * read by core/words: lowercased, English stop words dropped (the question
 * words "how", "why", "what", "do", "I" among them), Snowball English stems.
 * A passage's score is BM25 over its text (k1 1.2, b 0.75), plus a boost for
 * the question's words in its section title, plus a bonus for question words
 * that stand close together in it (more when they stand in the question's
 * order, next to each other, as a phrase). Words that frame a question
 * ("difference", "explain", "mean") weigh little; a small built-in table of
 * common English synonyms adds the other words of a synonym group at a lower
 * weight. Every hit says what share of the question's content it covers,
 * which is what learn/answer decides refusals on. docs/internals/learn.md
 * gives the constants and why.
 *
 * Use: retrieve_index_new, retrieve_index_add for each passage,
 * retrieve_index_build once, then any number of retrieve_query_build and
 * retrieve_search calls. A built index is read-only: searching it from
 * several threads at once is safe. Pure: no I/O. */
#ifndef EM_LEARN_RETRIEVE_H
#define EM_LEARN_RETRIEVE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/words.h"

#define RETRIEVE_QUESTION_MAX 2000       /* bytes of a question (and of each earlier one) */
#define RETRIEVE_K_MAX 50                /* most hits one search returns */
#define RETRIEVE_HISTORY_MAX 4           /* earlier questions a follow-up looks back on */
#define RETRIEVE_QUERY_TERMS_MAX 48      /* distinct stems in a query, synonyms and carried ones included */
#define RETRIEVE_DEFAULT_PASSAGES 100000 /* retrieve_limits.max_passages when 0 */
#define RETRIEVE_DEFAULT_BYTES ((size_t)16 << 20) /* retrieve_limits.max_bytes when 0 */

/* ---- the index ---- */

/* One passage as the caller gives it. Everything is copied by
 * retrieve_index_add. */
typedef struct retrieve_passage {
    const char *text;        /* UTF-8 without NUL bytes (invalid bytes are punctuation) */
    size_t len;              /* bytes of text */
    const char *material_id; /* NUL-terminated, may be NULL */
    const char *section;     /* NUL-terminated title of its section, may be NULL */
    int page_start, page_end;
    bool listing; /* lists the document rather than teaches it (a table of
                     contents, an index: content/apparatus.h): kept, so that
                     passage numbers stay the chunks' positions, but never
                     retrieved, quoted or made into a question */
} retrieve_passage;

/* How big an index may grow, set by the caller (0: the default). */
typedef struct retrieve_limits {
    size_t max_passages; /* passages */
    size_t max_bytes;    /* text, titles and material ids together */
} retrieve_limits;

typedef struct retrieve_index retrieve_index;

/* An empty index; free with retrieve_index_free (NULL is a no-op). */
retrieve_index *retrieve_index_new(retrieve_limits limits);
void retrieve_index_free(retrieve_index *ix);

/* Copy p into the index as passage number retrieve_index_count() - 1.
 * EM_E_TOO_LARGE past the limits (the index is unchanged), EM_E_INVAL after
 * retrieve_index_build, for a NULL text with len > 0 or a text holding a
 * NUL byte. */
int retrieve_index_add(retrieve_index *ix, const retrieve_passage *p, em_error *err);

/* Read every passage into words and stems and build the postings; once,
 * after the last add. Time: linear in the text plus one sort of its words'
 * stems (about 1 s per million words). Memory: while building, about 50
 * bytes per word of text; once built, about 12 bytes per word besides the
 * copied text (a 250,000-word textbook: 12 MB building, 3 MB kept). */
int retrieve_index_build(retrieve_index *ix, em_error *err);

size_t retrieve_index_count(const retrieve_index *ix);
/* Passage i as stored: every pointer is borrowed from the index and valid
 * until it is freed. i must be below retrieve_index_count(). */
const retrieve_passage *retrieve_index_passage(const retrieve_index *ix, size_t i);
/* The BM25 inverse document frequency of a stem in a built index: ln(1 + (N
 * - df + 0.5) / (df + 0.5)). A stem no passage holds gets the largest value,
 * so a word the materials never use weighs most against coverage. */
double retrieve_idf(const retrieve_index *ix, const char *stem);
/* True when some passage of a built index holds the stem. */
bool retrieve_holds(const retrieve_index *ix, const char *stem);

/* ---- queries ---- */

/* Where a query term comes from. */
typedef enum retrieve_origin {
    RETRIEVE_ASKED,   /* a content word of the question */
    RETRIEVE_FRAME,   /* a word that frames a question ("explain", "difference") */
    RETRIEVE_SYNONYM, /* another word of an asked word's synonym group */
    RETRIEVE_CARRIED, /* a content word of an earlier question (follow-ups) */
    RETRIEVE_JOINED   /* two asked words written as one ("file system": filesystem) */
} retrieve_origin;

typedef struct retrieve_term {
    char stem[WORDS_STEM_MAX + 1];
    char word[WORDS_MAX + 1]; /* the word it was read from (a synonym: the table's word) */
    double weight;            /* 1 for asked words; see retrieve_query_build */
    retrieve_origin origin;
    int group; /* an asked or carried word and its synonyms share a group;
                  coverage counts each group once; -1 for frame words */
    int group2; /* a joined term covers its second word's group too; else -1 */
    int pos;   /* position of the word in its question, for phrase order */
    bool named; /* asked with a capital letter past the question's first word
                   ("the capital of Mongolia"): a name, which answer.h
                   requires the materials to hold */
} retrieve_term;

typedef struct retrieve_query {
    retrieve_term terms[RETRIEVE_QUERY_TERMS_MAX]; /* distinct stems */
    size_t n;
    int n_groups;
    bool follow_up; /* earlier questions' words were carried */
} retrieve_query;

/* The query for question (len bytes), in the light of up to
 * RETRIEVE_HISTORY_MAX earlier questions history[0..n_history), oldest
 * first (NULL entries are skipped; more are allowed and only the latest
 * RETRIEVE_HISTORY_MAX are read).
 *
 * The question's content words weigh 1, its frame words 0.3 (and count for
 * nothing in coverage), synonyms of a content word 0.5. Two content words
 * asked one after the other are also looked for written as one word ("file
 * system": "filesystem", "data base": "database"), which covers both. A question reads as
 * a follow-up when it has no content word, at most two and does not open as
 * a question of its own ("In plants?", "Give an example"; but not "What is a
 * runlevel?", which opens with a question word, an auxiliary or "explain",
 * "define", "describe", "compare", "summarize"), a pronoun ("it", "this",
 * "they", ...), or opens with "and", "but", "what about" or "how about"; then the content words of the
 * earlier questions are carried at 0.5 for the latest, halved for each one before it, unless the question
 * asks for them itself. Stems past RETRIEVE_QUERY_TERMS_MAX are dropped,
 * carried and synonym ones first. EM_E_TOO_LARGE for a question or an
 * earlier one over RETRIEVE_QUESTION_MAX bytes; a question without content
 * words gives a query of frame words only (or none), which matches nothing
 * it could cover. */
int retrieve_query_build(const char *question, size_t len, const char *const *history, size_t n_history,
                         retrieve_query *out /* OUT */, em_error *err);

/* ---- search ---- */

typedef struct retrieve_hit {
    size_t passage;   /* number of the passage in the index */
    double score;     /* bm25 + title + proximity */
    double bm25;      /* weighted BM25 over the passage text */
    double title;     /* section title boost */
    double proximity; /* closeness and order bonus */
    double coverage;  /* 0..1: the share of the question's content (groups
                         weighted by weight and idf) found in the passage or
                         its title */
} retrieve_hit;

/* The k best passages for q (k <= RETRIEVE_K_MAX, else EM_E_INVAL) into
 * hits[0..k), best first (ties by passage number), *n_hits of them: only
 * passages holding at least one query stem are hits. The index must be
 * built (EM_E_INVAL otherwise). Time: the postings of the query's stems,
 * then the proximity of at most 100 candidates, each bounded. */
int retrieve_search(const retrieve_index *ix, const retrieve_query *q, size_t k, retrieve_hit *hits /* OUT */,
                    size_t *n_hits /* OUT */, em_error *err);

/* retrieve_query_build without history, then retrieve_search. */
int retrieve_question(const retrieve_index *ix, const char *question, size_t len, size_t k,
                      retrieve_hit *hits /* OUT */, size_t *n_hits /* OUT */, em_error *err);

/* Coverage of q by a piece of text (a sentence of a passage): the share of
 * the query's content groups, weighted by weight and idf in ix, found among
 * text's stems. Used by learn/answer; 0 for a query without content. */
double retrieve_coverage_of_text(const retrieve_index *ix, const retrieve_query *q, const char *text,
                                 size_t len);

#endif
