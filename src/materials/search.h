/* search: ranked passages from a user's materials, one function over both
 * databases: SQLite FTS5 (bm25, snippet()) and PostgreSQL tsvector/GIN
 * (ts_rank_cd, ts_headline). The query language is content/query.h's, parsed
 * once and rendered for the engine, so a query means the same on both and no
 * engine syntax error can reach the database. */
#ifndef EM_MATERIALS_SEARCH_H
#define EM_MATERIALS_SEARCH_H

#include <stddef.h>
#include <stdint.h>

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

/* Up to `limit` passages of user_id's materials (only material_id's when not
 * NULL), best first, from `offset`. Free with search_hits_free. */
int search_passages(db *d, const char *user_id, const search_query *q, const char *material_id, int limit,
                    int offset, search_hit **hits /* OUT */, size_t *n /* OUT */, em_error *err);
void search_hits_free(search_hit *hits, size_t n);

/* HTML for a snippet whose matches are wrapped in U+FDD0 ... U+FDD1: the text
 * escaped (& < > " '), the markers turned into <mark> and </mark>. Owned.
 * Exposed for tests. */
char *search_snippet_html(const char *marked);

#endif
