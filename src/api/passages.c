/* A material's passages as text, for opening a search hit or a citation:
 * GET /api/materials/{id}/passages (in order; ?page= only those covering a
 * page and ?section= only those of a section, as citations give them) and GET
 * /api/materials/{id}/passages/{n} (the passage at position n, as search hits give it), by the one rule
 * (materials/passages.h). */
#include <string.h>

#include "api/api.h"

#include "core/num.h"
#include "materials/passages.h"

#define PASSAGES_DEFAULT_LIMIT 20
#define PASSAGE_POSITION_MAX 10000000
#define PASSAGE_PAGE_MAX 1000000

static json_t *passage_json(const char *material_id, const passage *p)
{
    return json_pack("{s:s, s:I, s:i, s:o, s:i, s:i, s:i, s:s}", "material_id", material_id, "chunk_id",
                     (json_int_t)p->chunk_id, "position", p->position, "section",
                     p->section != NULL ? json_string(p->section) : json_null(), "page_start", p->page_start,
                     "page_end", p->page_end, "words", p->words, "text", p->text);
}

void api_materials_passages_list(http_req *req, http_res *res)
{
    api_page pg;
    if (!api_page_read(req, res, PASSAGES_PAGE_MAX, PASSAGES_DEFAULT_LIMIT, &pg))
        return;
    long page = api_query_long(req, "page", 1, PASSAGE_PAGE_MAX, 0);
    if (page < 0) {
        http_res_error(res, 400, "invalid_request", "page must be a whole number from 1 to %d",
                       PASSAGE_PAGE_MAX);
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    const char *id = http_req_param(req, "id");
    passage *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    em_error err = {0};
    int rc = passages_list(d, &api_caller_of(req)->who, id, page, http_req_query(req, "section"),
                           (int)pg.limit, (int)pg.offset, &items, &n, &total, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, passage_json(id, &items[i]));
    passages_free(items, n);
    http_res_json(res, 200,
                  json_pack("{s:o, s:I, s:i, s:i}", "items", list, "total", (json_int_t)total, "limit",
                            (int)pg.limit, "offset", (int)pg.offset));
}

void api_materials_passage_get(http_req *req, http_res *res)
{
    const char *n_text = http_req_param(req, "n");
    int64_t n = 0;
    if (n_text == NULL ||
        num_parse_int64(n_text, strlen(n_text), NUM_UNSIGNED, 0, PASSAGE_POSITION_MAX, &n) != EM_OK) {
        http_res_error(res, 404, "not_found", "no such passage");
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    const char *id = http_req_param(req, "id");
    passage p;
    em_error err = {0};
    int rc = passages_get(d, &api_caller_of(req)->who, id, n, &p, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    http_res_json(res, 200, passage_json(id, &p));
    passage_cleanup(&p);
}
