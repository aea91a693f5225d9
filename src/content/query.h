/* query: the full-text search language of the search box, parsed once and
 * rendered for the two database engines.
 *
 * What a student types:
 *   photosynthesis light    both words (AND is implicit; an uppercase AND is
 *                           accepted and ignored)
 *   "light reaction"        a phrase; a missing closing quote is an error
 *   cell's  x+2  3.14       word characters joined by punctuation without
 *                           spaces are one term, a phrase of the parts
 *                           ("cell" "s"); other punctuation is white space
 *   photo*  "light re"*     a * right after a term makes it a prefix search
 *                           (on its last word)
 *   mitosis OR meiosis      an OR group; OR is uppercase and stands between
 *                           two terms that are not excluded
 *   -plant  -"cell wall"    excluded terms; a '-' is an exclusion when it
 *                           follows no word character and a word or a quote
 *                           follows it
 * Word characters are ASCII letters and digits, lowercased, and every
 * non-ASCII character except the Unicode white space and C1 controls, which
 * separate words like ASCII white space does. Lowercase "or" and "and" are
 * ordinary words; so is any keyword that is quoted, joined, starred or
 * excluded.
 *
 * The parsed query is an AND of OR groups of terms, plus excluded terms; a
 * term is a phrase of one or more words and a prefix flag. Renderings contain
 * nothing of the input but its words, so neither engine's syntax can be
 * injected through them. Pure functions: no I/O. */
#ifndef EM_CONTENT_QUERY_H
#define EM_CONTENT_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define QUERY_MAX_BYTES 256   /* longest query text accepted */
#define QUERY_MAX_TERMS 24    /* most terms, excluded ones included */
#define QUERY_RENDER_MAX 1024 /* no rendering of a parsed query is longer */

typedef struct search_query search_query;

/* ---- parsing ---- */

/* Parse text[0..len) (UTF-8, need not be NUL-terminated). On success *out is
 * an owned query, free with query_free. Errors, with a message fit to show:
 * EM_E_TOO_LARGE past QUERY_MAX_BYTES or QUERY_MAX_TERMS; EM_E_PARSE for
 * invalid UTF-8, an unbalanced quote, an OR without a term on each side or
 * next to an excluded term, a query of exclusions only, and a query without
 * any term. *out is NULL on failure. */
int query_parse(const char *text, size_t len, search_query **out /* OUT */, em_error *err);
/* NULL is a no-op. */
void query_free(search_query *q);

/* ---- rendering ----
 * Both append to out; on failure (EM_E_TOO_LARGE when out's maximum is too
 * small, which cannot happen with a maximum of QUERY_RENDER_MAX or more) out
 * holds what it held before. */

/* A MATCH expression for an SQLite FTS5 table with the tokenizer
 * 'porter unicode61 remove_diacritics 2': every term a quoted string
 * ("cell s", "photo"*), OR groups in parentheses, AND between groups and
 * " NOT term" for each exclusion:
 *   ("mitosis" OR "meiosis") AND "cell s" NOT "plant"* */
int query_to_fts5(const search_query *q, buf *out);

/* Text for PostgreSQL's to_tsquery('english', $1): words as lexemes, a phrase
 * as (a <-> b), a prefix as word:*, OR as |, AND as &, exclusions as & !term:
 *   (mitosis | meiosis) & (cell <-> s) & !plant:* */
int query_to_tsquery(const search_query *q, buf *out);

/* ---- widening ----
 * Both engines stem what they index ("extension" is stored as "extens",
 * "relativity" as "rel") but match a prefix against those stems as typed, so
 * a prefix longer than the stem of the words it begins finds nothing:
 * extensi* misses "extension". */

/* An owned copy of q whose prefix words (the last word of every term that is
 * not excluded and has a *) are cut back past the end of a possible stem: the
 * trailing ASCII letters that begin a suffix the English stemmers remove
 * ("i" of -ion, "at" of -ation), and one letter of a doubled consonant left at
 * the end (runn -> run), keeping at least 3 letters. Every word the prefix
 * began still begins with the cut one, so the copy finds at least what q
 * finds. NULL when no prefix word changes. Free with query_free. */
search_query *query_widened(const search_query *q);

/* ---- the words ---- */

/* The number of words in the terms that are not excluded, for highlighting. */
size_t query_word_count(const search_query *q);
/* The i-th of those words (i < query_word_count), lowercased, borrowed from q;
 * *prefix (may be NULL) tells whether it ends a prefix term. */
const char *query_word(const search_query *q, size_t i, bool *prefix /* OUT */);

#endif
