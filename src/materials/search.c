#include "materials/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/html.h"
#include "core/ids.h"
#include "core/mem.h"
#include "materials/material.h"

/* Both engines list the chunks that teach before those that list the
 * document (a table of contents, an index: material_chunks.listing), each
 * group by relevance: "network configuration" finds its section first, and
 * the contents' line naming it after. */

/* The highlight markers handed to the engines: noncharacters, stripped from
 * stored text (material.c), so they can only come from the engine. */
#define MARK_OPEN "\xEF\xB7\x90"  /* U+FDD0 */
#define MARK_CLOSE "\xEF\xB7\x91" /* U+FDD1 */
#define SNIPPET_MAX (64 * 1024)
#define ENGINE_QUERY_MAX 8192

static const char sqlite_sql[] =
    "SELECT c.material_id, m.title, c.id, c.position, c.section, c.page_start, c.page_end, "
    "snippet(material_chunks_fts, 0, '" MARK_OPEN "', '" MARK_CLOSE "', ' … ', 32), "
    "-bm25(material_chunks_fts, 1.0, 0.5) "
    "FROM material_chunks_fts JOIN material_chunks c ON c.id = material_chunks_fts.rowid "
    "JOIN materials m ON m.id = c.material_id "
    "WHERE material_chunks_fts MATCH $1 AND c.user_id = $2 "
    "AND (CAST($3 AS TEXT) IS NULL OR c.material_id = $3) "
    "ORDER BY c.listing, bm25(material_chunks_fts, 1.0, 0.5), c.id LIMIT $4 OFFSET $5";

/* ts_headline runs only on the rows that survive the LIMIT (PostgreSQL
 * postpones costly output expressions past the sort). */
static const char pg_sql[] =
    "SELECT c.material_id, m.title, c.id, c.position, c.section, c.page_start, c.page_end, "
    "ts_headline('english', c.body, q.q, 'StartSel=" MARK_OPEN ", StopSel=" MARK_CLOSE
    ", MaxWords=40, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"'), "
    "ts_rank_cd(c.tsv, q.q) "
    "FROM (SELECT to_tsquery('english', $1) AS q) q, material_chunks c "
    "JOIN materials m ON m.id = c.material_id "
    "WHERE c.tsv @@ q.q AND c.user_id = $2 AND (CAST($3 AS TEXT) IS NULL OR c.material_id = $3) "
    "ORDER BY c.listing, ts_rank_cd(c.tsv, q.q) DESC, c.id LIMIT $4 OFFSET $5";

char *search_snippet_html(const char *marked)
{
    buf b;
    buf_init(&b, SNIPPET_MAX);
    const char *p = marked;
    int rc = EM_OK;
    while (rc == EM_OK && *p != '\0') {
        const char *open = strstr(p, MARK_OPEN), *close = strstr(p, MARK_CLOSE);
        const char *mark = open == NULL ? close : close == NULL || open < close ? open : close;
        size_t n = mark != NULL ? (size_t)(mark - p) : strlen(p);
        rc = html_append_text(&b, p, n);
        if (rc != EM_OK || mark == NULL)
            break;
        rc = buf_append_str(&b, mark == open ? "<mark>" : "</mark>");
        p = mark + 3; /* both markers are three bytes of UTF-8 */
    }
    /* A snippet is short; past the cap it is cut where it stood. */
    if (b.len == 0) {
        buf_cleanup(&b);
        return em_strdup("");
    }
    return buf_steal(&b);
}

void search_hits_free(search_hit *hits, size_t n)
{
    for (size_t i = 0; hits != NULL && i < n; i++) {
        free(hits[i].material_title);
        free(hits[i].section);
        free(hits[i].snippet);
    }
    free(hits);
}

/* Whose chunks to search: the caller's own, or, with a material filter, the
 * owner of that material when the caller may see it. */
static int search_owner(db *d, const principal *who, const char *material_id, char owner[ID_UUID_LEN + 1],
                        em_error *err)
{
    if (material_id == NULL) {
        snprintf(owner, ID_UUID_LEN + 1, "%s", who->user_id);
        return EM_OK;
    }
    material m;
    int rc = material_get_visible(d, who, material_id, &m, err);
    if (rc == EM_OK)
        snprintf(owner, ID_UUID_LEN + 1, "%s", m.user_id);
    material_cleanup(&m);
    return rc;
}

/* One page of the engine's answer to q, into out (room for limit hits). */
static int run_query(db *d, const search_query *q, const char *owner, const char *material_id, int limit,
                     int offset, search_hit *out, size_t *n, em_error *err)
{
    *n = 0;
    bool sqlite = db_dialect_of(d) == DB_SQLITE;
    buf expr;
    buf_init(&expr, ENGINE_QUERY_MAX);
    int rc = sqlite ? query_to_fts5(q, &expr) : query_to_tsquery(q, &expr);
    if (rc != EM_OK || expr.data == NULL) {
        buf_cleanup(&expr);
        return em_error_set(err, EM_E_TOO_LARGE, "the query is too long");
    }
    db_stmt *st = NULL;
    rc = db_prepare_cached(d, sqlite ? sqlite_sql : pg_sql, &st, err);
    if (rc != EM_OK) {
        buf_cleanup(&expr);
        return rc;
    }
    db_bind_text(st, 1, expr.data);
    db_bind_text(st, 2, owner);
    if (material_id != NULL)
        db_bind_text(st, 3, material_id);
    else
        db_bind_null(st, 3);
    db_bind_int64(st, 4, limit);
    db_bind_int64(st, 5, offset);
    size_t k = 0;
    while (k < (size_t)limit && db_next(st, &rc, err)) {
        search_hit *h = &out[k++];
        const char *t = db_column_text(st, 0);
        snprintf(h->material_id, sizeof h->material_id, "%s", t != NULL ? t : "");
        t = db_column_text(st, 1);
        h->material_title = em_strdup(t != NULL ? t : "");
        h->chunk_id = db_column_int64(st, 2);
        h->position = (int)db_column_int64(st, 3);
        h->section = db_column_strdup(st, 4);
        h->page_start = (int)db_column_int64(st, 5);
        h->page_end = (int)db_column_int64(st, 6);
        t = db_column_text(st, 7);
        h->snippet = search_snippet_html(t != NULL ? t : "");
        h->score = db_column_double(st, 8);
    }
    db_finalize(st);
    buf_cleanup(&expr);
    *n = k;
    return rc == DB_DONE || rc == DB_ROW ? EM_OK : rc;
}

int search_passages(db *d, const principal *who, const search_query *q, const char *material_id, int limit,
                    int offset, search_hit **hits, size_t *n, em_error *err)
{
    *hits = NULL;
    *n = 0;
    if (limit < 1 || limit > SEARCH_LIMIT_MAX || offset < 0 || offset > SEARCH_OFFSET_MAX)
        return em_error_set(err, EM_E_INVAL, "limit must be 1-%d and offset 0-%d", SEARCH_LIMIT_MAX,
                            SEARCH_OFFSET_MAX);
    char owner[ID_UUID_LEN + 1];
    int rc = search_owner(d, who, material_id, owner, err);
    if (rc != EM_OK)
        return rc;
    search_hit *out = em_calloc((size_t)limit, sizeof *out);
    size_t k = 0;
    rc = run_query(d, q, owner, material_id, limit, offset, out, &k, err);
    /* A prefix that found nothing may be longer than the stems it should
     * match (query_widened): the query is asked again with the prefixes cut
     * back, but only when the query as typed finds nothing at all, so that
     * its pages never mix the two. */
    search_query *wide = rc == EM_OK && k == 0 ? query_widened(q) : NULL;
    if (wide != NULL && offset > 0) {
        search_hit *first = em_calloc(1, sizeof *first);
        size_t any = 0;
        rc = run_query(d, q, owner, material_id, 1, 0, first, &any, err);
        search_hits_free(first, any);
        if (rc != EM_OK || any > 0) {
            query_free(wide);
            wide = NULL;
        }
    }
    if (wide != NULL)
        rc = run_query(d, wide, owner, material_id, limit, offset, out, &k, err);
    query_free(wide);
    if (rc != EM_OK) {
        search_hits_free(out, k);
        return rc;
    }
    *hits = out;
    *n = k;
    return EM_OK;
}
