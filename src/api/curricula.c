/* Curriculum standards (materials/curricula.h): POST /api/admin/curricula
 * imports one (CSV with ?title=&slug=&version=, or JSON), GET /api/curricula
 * lists them, GET /api/curricula/{id} gives one with its codes as a tree,
 * PUT /api/materials/{id}/curricula links a material to standards (and runs
 * its questions' suggestions), POST /api/questions/{id}/tags/{tag}/confirm
 * confirms one tag of a question. */
#include "api/api.h"

#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/jsonw.h"
#include "materials/curricula.h"

#define CURRICULA_BODY_MAX (4 * 1024 * 1024)

static bool is_csv(const http_req *req)
{
    const char *ct = http_req_header(req, "Content-Type");
    return ct != NULL && strncasecmp(ct, "text/csv", 8) == 0 && (ct[8] == '\0' || ct[8] == ';' || ct[8] == ' ');
}

void api_curricula_import(http_req *req, http_res *res)
{
    curriculum_report rep;
    em_error err = {0};
    int rc;
    db *d = NULL;
    if (is_csv(req)) {
        const char *data = NULL;
        size_t len = 0;
        if (http_req_body_bytes(req, 0, &data, &len, res) != EM_OK)
            return;
        curriculum_meta meta = {http_req_query(req, "title"), http_req_query(req, "slug"),
                                http_req_query(req, "version")};
        d = api_db(req, res);
        if (d == NULL)
            return;
        rc = curricula_import_csv(d, &api_caller_of(req)->who, &meta, data, len, &rep, &err);
    } else {
        json_t *body = NULL;
        if (http_req_json(req, &body, res) != EM_OK)
            return;
        d = api_db(req, res);
        if (d == NULL) {
            json_decref(body);
            return;
        }
        rc = curricula_import_json(d, &api_caller_of(req)->who, body, &rep, &err);
        json_decref(body);
    }
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    http_res_json(res, rep.created ? 201 : 200,
                  json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:o, s:I, s:I}", "id", rep.id, "slug", rep.slug,
                            "created", rep.created, "codes", (json_int_t)rep.codes, "added", (json_int_t)rep.added,
                            "changed", (json_int_t)rep.changed, "removed", (json_int_t)rep.removed,
                            "removed_codes", rep.removed_codes, "confirmed_tags_kept",
                            (json_int_t)rep.confirmed_kept, "materials_resuggested", (json_int_t)rep.materials));
}

static void write_curriculum(void *ctx, const curriculum_row *c)
{
    jsonw *w = ctx;
    jsonw_object_begin(w);
    jsonw_key(w, "id");
    jsonw_string(w, c->id);
    jsonw_key(w, "slug");
    jsonw_string(w, c->slug);
    jsonw_key(w, "title");
    jsonw_string(w, c->title);
    jsonw_key(w, "version");
    jsonw_string(w, c->version);
    jsonw_key(w, "code_count");
    jsonw_int(w, c->code_count);
    jsonw_key(w, "created_at");
    jsonw_string(w, c->created_at);
    jsonw_key(w, "updated_at");
    jsonw_string(w, c->updated_at);
    jsonw_object_end(w);
}

void api_curricula_list(http_req *req, http_res *res)
{
    api_page pg;
    if (!api_page_read(req, res, CURRICULA_PAGE_MAX, 50, &pg))
        return;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    buf out;
    buf_init(&out, CURRICULA_BODY_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    api_page_begin(&w);
    int64_t total = 0;
    em_error err = {0};
    int rc = curricula_list(d, (int)pg.limit, (int)pg.offset, write_curriculum, &w, &total, &err);
    api_page_end(&w, &pg, total, 0);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}

void api_curricula_get(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    json_t *c = NULL;
    em_error err = {0};
    int rc = curricula_get(d, http_req_param(req, "id"), &c, &err);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_json(res, 200, c);
}

void api_materials_curricula(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    json_t *ids = json_object_get(body, "curriculum_ids");
    db *d = NULL;
    if (!json_is_object(body) || json_object_size(body) != 1 || ids == NULL) {
        http_res_error(res, 422, "validation_error", "the body must be {\"curriculum_ids\": [...]}");
    } else if ((d = api_db(req, res)) != NULL) {
        size_t suggested = 0;
        em_error err = {0};
        int rc = curricula_link_material(d, &api_caller_of(req)->who, http_req_param(req, "id"), ids, &suggested,
                                         &err);
        if (rc != EM_OK)
            api_error(res, rc, &err);
        else
            http_res_json(res, 200,
                          json_pack("{s:s, s:O, s:I}", "material_id", http_req_param(req, "id"), "curriculum_ids",
                                    ids, "suggested", (json_int_t)suggested));
    }
    json_decref(body);
}
