/* query_model: what query_to_fts5 and query_to_tsquery may write, as a
 * reference model of the search language's output kept apart from
 * src/content/query.c, so that the unit test (tests/unit/test_content_query.c)
 * and the fuzz target (fuzz/fuzz_query.c) check query.c against rules it did
 * not write itself. Nothing here calls query.c or shares its tables; the
 * UTF-8 underneath is core/utf8's, which has its own tests against RFC 3629.
 *
 * The grammar of a rendering:
 *   FTS5     "w w"[*] strings (words separated by single spaces), ( ), and
 *            AND / OR / NOT between operands
 *   tsquery  words with an optional :*, ( ), ! before an operand, and
 *            & / | / <-> between operands
 * where a word is one or more of a-z, 0-9 and well-formed non-ASCII UTF-8
 * that is neither Unicode white space (PostgreSQL splits tsquery operands at
 * what iswspace calls space) nor a C1 control. */
#ifndef EM_TESTS_QUERY_MODEL_H
#define EM_TESTS_QUERY_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the word at the start of the NUL-terminated s, 0 when there
 * is none. */
size_t query_model_word_len(const char *s);

/* Whether s is one whole word, as query_word hands them out. */
bool query_model_word_ok(const char *s);

/* Whether s follows the FTS5 grammar above, as query_to_fts5 writes it. */
bool query_model_fts5_ok(const char *s);

/* Whether s follows the tsquery grammar above, as query_to_tsquery writes it. */
bool query_model_tsquery_ok(const char *s);

#endif
