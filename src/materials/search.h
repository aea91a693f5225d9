/* search: ranked passages from a user's materials, one function over both
 * databases: SQLite FTS5 (bm25, snippet()) and PostgreSQL tsvector/GIN
 * (ts_rank_cd, ts_headline). The query language is content/query.h's, parsed
 * once and rendered for the engine, so a query means the same on both and no
 * engine syntax error can reach the database. */
#ifndef EM_MATERIALS_SEARCH_H
#define EM_MATERIALS_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "content/query.h"
#include "core/err.h"
#include "db/db.h"

typedef struct search_hit {
    char material_id[37];
    char *material_title;      /* owned */
    int64_t chunk_id;
    int position;              /* the chunk's place in its material */
    char *section;             /* owned, NULL outside any heading */
    int page_start, page_end;
    char *snippet;             /* owned HTML: text escaped, matches in <mark>...</mark> */
    double score;              /* higher is better (engine-specific scale) */
} search_hit;

#define SEARCH_LIMIT_MAX 50
#define SEARCH_OFFSET_MAX 1000

/* Up to `limit` (1..SEARCH_LIMIT_MAX) passages, best first, from `offset`
 * (0..SEARCH_OFFSET_MAX): of the caller's own materials, or of material_id
 * alone when it is not NULL and the caller may see it by the one rule
 * (auth/authz.h; EM_E_NOT_FOUND "no such material" otherwise). Free with
 * search_hits_free. */
int search_passages(db *d, const principal *who, const search_query *q, const char *material_id, int limit,
                    int offset, search_hit **hits /* OUT */, size_t *n /* OUT */, em_error *err);
void search_hits_free(search_hit *hits, size_t n);

/* HTML for a snippet whose matches are wrapped in U+FDD0 ... U+FDD1: the text
 * escaped (& < > " '), the markers turned into <mark> and </mark>. Owned.
 * Exposed for tests. */
char *search_snippet_html(const char *marked);

#endif
