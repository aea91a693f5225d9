/* GET /api/search?q=...&material_id=...: ranked passages from the caller's own
 * materials, or from one material the caller may see, with material, pages
 * and a highlighted snippet. The query language is content/query.h's; a
 * malformed query is 400 invalid_query. */
#include "api/api.h"

#include <string.h>

#include "core/buf.h"
#include "core/jsonw.h"
#include "materials/search.h"

#define SEARCH_BODY_MAX (2 * 1024 * 1024)

void api_search(http_req *req, http_res *res)
{
    const char *text = http_req_query(req, "q");
    if (text == NULL) {
        http_res_error(res, 400, "invalid_query", "q is required");
        return;
    }
    long limit = api_query_long(req, "limit", 1, SEARCH_LIMIT_MAX, 10);
    long offset = api_query_long(req, "offset", 0, SEARCH_OFFSET_MAX, 0);
    if (limit < 0 || offset < 0) {
        http_res_error(res, 400, "invalid_request", "limit must be 1-%d and offset 0-%d", SEARCH_LIMIT_MAX,
                       SEARCH_OFFSET_MAX);
        return;
    }
    search_query *q = NULL;
    em_error err = {0};
    int rc = query_parse(text, strlen(text), &q, &err);
    if (rc != EM_OK) {
        http_res_error(res, 400, "invalid_query", "%s", err.msg);
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL) {
        query_free(q);
        return;
    }
    search_hit *hits = NULL;
    size_t n = 0;
    rc = search_passages(d, &api_caller_of(req)->who, q, http_req_query(req, "material_id"), (int)limit,
                         (int)offset, &hits, &n, &err);
    query_free(q);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    buf out;
    buf_init(&out, SEARCH_BODY_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    jsonw_key(&w, "query");
    jsonw_string(&w, text);
    jsonw_key(&w, "items");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        const search_hit *h = &hits[i];
        jsonw_object_begin(&w);
        jsonw_key(&w, "material_id");
        jsonw_string(&w, h->material_id);
        jsonw_key(&w, "material_title");
        jsonw_string(&w, h->material_title);
        jsonw_key(&w, "chunk_id");
        jsonw_int(&w, h->chunk_id);
        jsonw_key(&w, "position");
        jsonw_int(&w, h->position);
        jsonw_key(&w, "section");
        jsonw_string(&w, h->section);
        jsonw_key(&w, "page");
        jsonw_int(&w, h->page_start);
        jsonw_key(&w, "page_end");
        jsonw_int(&w, h->page_end);
        jsonw_key(&w, "snippet");
        jsonw_string(&w, h->snippet);
        jsonw_key(&w, "score");
        jsonw_double(&w, h->score);
        jsonw_object_end(&w);
    }
    jsonw_array_end(&w);
    jsonw_key(&w, "count");
    jsonw_int(&w, (int64_t)n);
    jsonw_key(&w, "limit");
    jsonw_int(&w, limit);
    jsonw_key(&w, "offset");
    jsonw_int(&w, offset);
    jsonw_object_end(&w);
    http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
    search_hits_free(hits, n);
}
