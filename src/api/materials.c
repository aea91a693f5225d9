/* Study material: upload (202 + extraction job), list, detail, delete, topics,
 * signed download links and the download they lead to.
 *
 * Materials belong to a user; the one authorization rule (auth/authz.h)
 * decides who else sees them, and everyone else gets the same 404 as for a
 * material that does not exist. The download itself needs no session: the
 * signed link is the permission, checked before anything is read. */
#include "api/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/authz.h"
#include "content/signed_url.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "http/multipart.h"
#include "materials/material.h"
#include "materials/submit.h"
#include "materials/tags.h"

#define MATERIALS_PAGE_MAX 100
#define MATERIALS_MAX_PARTS 16
#define MATERIAL_JSON_MAX (4 * 1024 * 1024)
#define SIGNED_TOKEN_MAX 128


/* ---- JSON ---- */

static void material_fields(jsonw *w, const material *m)
{
    jsonw_key(w, "id");
    jsonw_string(w, m->id);
    jsonw_key(w, "owner_id");
    jsonw_string(w, m->user_id);
    jsonw_key(w, "title");
    jsonw_string(w, m->title);
    jsonw_key(w, "filename");
    jsonw_string(w, m->filename);
    jsonw_key(w, "kind");
    jsonw_string(w, m->kind);
    jsonw_key(w, "mime");
    jsonw_string(w, m->mime);
    jsonw_key(w, "size_bytes");
    jsonw_int(w, m->size_bytes);
    jsonw_key(w, "sha256");
    jsonw_string(w, m->sha256);
    jsonw_key(w, "is_worksheet");
    jsonw_bool(w, m->is_worksheet);
    jsonw_key(w, "tags");
    jsonw_raw(w, m->tags_json != NULL ? m->tags_json : "[]");
    jsonw_key(w, "status");
    jsonw_string(w, m->status);
    jsonw_key(w, "error");
    jsonw_string(w, m->error);
    jsonw_key(w, "page_count");
    jsonw_int(w, m->page_count);
    jsonw_key(w, "pages_done");
    jsonw_int(w, m->pages_done);
    jsonw_key(w, "section_count");
    jsonw_int(w, m->section_count);
    jsonw_key(w, "chunk_count");
    jsonw_int(w, m->chunk_count);
    jsonw_key(w, "question_count");
    jsonw_int(w, m->question_count);
    jsonw_key(w, "job_id");
    jsonw_string(w, m->job_id);
    jsonw_key(w, "created_at");
    jsonw_string(w, m->created_at);
    jsonw_key(w, "updated_at");
    jsonw_string(w, m->updated_at);
    jsonw_key(w, "ready_at");
    jsonw_string(w, m->ready_at[0] ? m->ready_at : NULL);
}

/* ---- shared steps ---- */

/* The material of the {id} path parameter when `who` may see it; false with
 * 404/400/503 written otherwise. Free *m with material_cleanup on true. */
static bool load_visible(http_req *req, http_res *res, db *d, const principal *who, material *m)
{
    const char *id = http_req_param(req, "id");
    if (id == NULL || !id_is_uuid(id)) {
        http_res_error(res, 404, "not_found", "no such material");
        return false;
    }
    em_error err = {0};
    int rc = material_get(d, id, m, &err);
    if (rc == EM_E_NOT_FOUND) {
        http_res_error(res, 404, "not_found", "no such material");
        return false;
    }
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        return false;
    }
    bool allowed = false;
    rc = authz_can_view(d, who, m->user_id, &allowed, &err);
    if (rc != EM_OK || !allowed) {
        if (rc != EM_OK)
            api_db_error(res, rc, &err);
        else
            http_res_error(res, 404, "not_found", "no such material");
        material_cleanup(m);
        return false;
    }
    return true;
}

static bool parse_bool_field(const char *v, bool *out)
{
    if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "on") == 0 ||
        strcasecmp(v, "yes") == 0) {
        *out = true;
        return true;
    }
    if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcasecmp(v, "off") == 0 ||
        strcasecmp(v, "no") == 0 || v[0] == '\0') {
        *out = false;
        return true;
    }
    return false;
}

/* ---- POST /api/materials ---- */

/* What an upload carries, whichever form it came in. Strings borrowed from
 * the request (arena) or from `json`. */
typedef struct upload {
    const char *data;
    size_t len;
    const char *filename;
    const char *title;
    bool is_worksheet;
    char *tags_json;       /* owned */
    json_t *json;          /* owned, the JSON body */
} upload;

/* A multipart field's value as a NUL-terminated string in the arena. */
static const char *part_text(http_req *req, const mp_part *p)
{
    return arena_strndup(req->arena, p->data, p->len);
}

static bool read_multipart(http_req *req, http_res *res, const char *ct, upload *u)
{
    mp_part parts[MATERIALS_MAX_PARTS];
    size_t n = 0;
    em_error err = {0};
    int rc = multipart_parse(ct, req->body, req->body_len, req->arena, parts, MATERIALS_MAX_PARTS, &n, &err);
    if (rc != EM_OK) {
        http_res_error(res, rc == EM_E_TOO_LARGE ? 413 : 400, "invalid_multipart", "%s", err.msg);
        return false;
    }
    const char *tags = NULL;
    bool have_file = false;
    for (size_t i = 0; i < n; i++) {
        const mp_part *p = &parts[i];
        if (strcmp(p->name, "file") == 0) {
            if (have_file) {
                http_res_error(res, 422, "validation_error", "send one file per upload");
                return false;
            }
            have_file = true;
            u->data = p->data;
            u->len = p->len;
            u->filename = p->filename;
        } else if (strcmp(p->name, "title") == 0) {
            u->title = part_text(req, p);
        } else if (strcmp(p->name, "worksheet") == 0) {
            if (!parse_bool_field(part_text(req, p), &u->is_worksheet)) {
                http_res_error(res, 422, "validation_error", "worksheet must be true or false");
                return false;
            }
        } else if (strcmp(p->name, "tags") == 0) {
            tags = part_text(req, p);
        }
    }
    if (!have_file) {
        http_res_error(res, 422, "validation_error", "a file part named \"file\" is required");
        return false;
    }
    if (tags != NULL && tags_parse(tags, NULL, &u->tags_json, &err) != EM_OK) {
        http_res_error(res, 422, "validation_error", "%s", err.msg);
        return false;
    }
    return true;
}

static bool read_json_upload(http_req *req, http_res *res, upload *u)
{
    if (http_req_json(req, &u->json, res) != EM_OK)
        return false;
    if (!json_is_object(u->json)) {
        http_res_error(res, 422, "validation_error", "the body must be a JSON object");
        return false;
    }
    json_t *text = json_object_get(u->json, "text");
    if (!json_is_string(text) || json_string_length(text) == 0) {
        http_res_error(res, 422, "validation_error", "text must be a non-empty string");
        return false;
    }
    u->data = json_string_value(text);
    u->len = json_string_length(text);
    json_t *title = json_object_get(u->json, "title");
    if (title != NULL && !json_is_null(title)) {
        if (!json_is_string(title)) {
            http_res_error(res, 422, "validation_error", "title must be a string");
            return false;
        }
        u->title = json_string_value(title);
    }
    json_t *format = json_object_get(u->json, "format");
    const char *fmt = json_string_value(format);
    if (format != NULL && (fmt == NULL || (strcmp(fmt, "markdown") != 0 && strcmp(fmt, "text") != 0))) {
        http_res_error(res, 422, "validation_error", "format must be \"markdown\" or \"text\"");
        return false;
    }
    /* The format only tells Markdown from plain text; the content decides the rest. */
    u->filename = fmt != NULL && strcmp(fmt, "markdown") == 0 ? "text.md" : "text.txt";
    json_t *ws = json_object_get(u->json, "worksheet");
    if (ws != NULL && !json_is_boolean(ws)) {
        http_res_error(res, 422, "validation_error", "worksheet must be true or false");
        return false;
    }
    u->is_worksheet = json_is_true(ws);
    json_t *tags = json_object_get(u->json, "tags");
    em_error err = {0};
    if (tags != NULL && !json_is_null(tags) &&
        tags_parse(json_is_string(tags) ? json_string_value(tags) : NULL, json_is_string(tags) ? NULL : tags,
                   &u->tags_json, &err) != EM_OK) {
        http_res_error(res, 422, "validation_error", "%s", err.msg);
        return false;
    }
    return true;
}

void api_materials_upload(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    const char *ct = http_req_header(req, "Content-Type");
    upload u = {0};
    bool ok;
    if (ct != NULL && strncasecmp(ct, "multipart/form-data", 19) == 0) {
        ok = read_multipart(req, res, ct, &u);
    } else if (ct != NULL && strncasecmp(ct, "application/json", 16) == 0) {
        ok = read_json_upload(req, res, &u);
    } else {
        http_res_error(res, 415, "unsupported_media_type",
                       "send multipart/form-data with a \"file\" part, or JSON with \"text\"");
        ok = false;
    }
    db *d = ok ? api_db(req, res) : NULL;
    if (d != NULL) {
        app *a = req->app;
        submit_input in = {
            .user_id = who.user_id,
            .data = u.data,
            .len = u.len,
            .filename = u.filename,
            .title = u.title,
            .is_worksheet = u.is_worksheet,
            .tags_json = u.tags_json,
            .enqueue = true,
        };
        submit_output out;
        em_error err = {0};
        int rc = material_submit(d, a->files, &in, &out, &err);
        if (rc == EM_E_INVAL) {
            http_res_error(res, 422, "validation_error", "%s", err.msg);
        } else if (rc != EM_OK) {
            api_db_error(res, rc, &err);
        } else {
            app_wake_worker(a);
            char location[96];
            snprintf(location, sizeof location, "/api/materials/%s", out.material_id);
            http_res_header(res, "Location", location);
            http_res_json(res, 202,
                          json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "id", out.material_id, "status", "pending",
                                    "kind", out.kind, "mime", out.mime, "job_id", out.job_id, "is_worksheet",
                                    u.is_worksheet));
        }
    }
    free(u.tags_json);
    json_decref(u.json);
}

/* ---- GET /api/materials ---- */

void api_materials_list(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    const char *owner = http_req_query(req, "user_id");
    if (owner == NULL)
        owner = who.user_id;
    long limit = api_query_long(req, "limit", 1, MATERIALS_PAGE_MAX, 20);
    long offset = api_query_long(req, "offset", 0, 1000000, 0);
    if (!id_is_uuid(owner) || limit < 0 || offset < 0) {
        http_res_error(res, 400, "invalid_request",
                       "user_id must be a user id, limit 1-%d and offset 0 or more", MATERIALS_PAGE_MAX);
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    em_error err = {0};
    bool allowed = false;
    int rc = authz_can_view(d, &who, owner, &allowed, &err);
    if (rc != EM_OK || !allowed) {
        if (rc != EM_OK)
            api_db_error(res, rc, &err);
        else
            http_res_error(res, 404, "not_found", "no such user");
        return;
    }
    material *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    rc = material_list(d, owner, (int)limit, (int)offset, &items, &n, &total, &err);
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        return;
    }
    buf out;
    buf_init(&out, MATERIAL_JSON_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    jsonw_key(&w, "items");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jsonw_object_begin(&w);
        material_fields(&w, &items[i]);
        jsonw_object_end(&w);
        material_cleanup(&items[i]);
    }
    free(items);
    jsonw_array_end(&w);
    jsonw_key(&w, "total");
    jsonw_int(&w, total);
    jsonw_key(&w, "limit");
    jsonw_int(&w, limit);
    jsonw_key(&w, "offset");
    jsonw_int(&w, offset);
    jsonw_object_end(&w);
    http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}

/* ---- GET /api/materials/{id} ---- */

static int write_sections(db *d, const char *id, jsonw *w, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d, "SELECT title, level, page FROM material_sections WHERE material_id = $1 ORDER BY position", &st, err);
    if (rc != EM_OK)
        return rc;
    db_bind_text(st, 1, id);
    jsonw_array_begin(w);
    while (db_next(st, &rc, err)) {
        jsonw_object_begin(w);
        jsonw_key(w, "title");
        jsonw_string(w, db_column_text(st, 0));
        jsonw_key(w, "level");
        jsonw_int(w, db_column_int64(st, 1));
        jsonw_key(w, "page");
        jsonw_int(w, db_column_int64(st, 2));
        jsonw_object_end(w);
    }
    jsonw_array_end(w);
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

void api_materials_get(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    db *d = api_db(req, res);
    material m;
    if (d == NULL || !load_visible(req, res, d, &who, &m))
        return;
    buf out;
    buf_init(&out, MATERIAL_JSON_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    material_fields(&w, &m);
    jsonw_key(&w, "sections");
    em_error err = {0};
    int rc = write_sections(d, m.id, &w, &err);
    jsonw_object_end(&w);
    if (rc != EM_OK)
        api_db_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
    material_cleanup(&m);
}

/* ---- DELETE /api/materials/{id} ---- */

void api_materials_delete(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    db *d = api_db(req, res);
    material m;
    if (d == NULL || !load_visible(req, res, d, &who, &m))
        return;
    em_error err = {0};
    int rc = material_delete(d, m.id, &err);
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
    } else {
        app *a = req->app;
        em_error serr = {0};
        /* The rows are gone; a file that cannot be removed now is logged with
         * its key for the operator (it is unreachable: no row points at it). */
        if (storage_delete(a->files, m.storage_key, &serr) != EM_OK)
            log_msg(LOG_ERROR, "material %s deleted but its file %s was not removed: %s", m.id, m.storage_key,
                    serr.msg);
        http_res_body(res, 204, NULL, NULL, 0);
    }
    material_cleanup(&m);
}

/* ---- GET /api/materials/{id}/topics ---- */

void api_materials_topics(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    db *d = api_db(req, res);
    material m;
    if (d == NULL || !load_visible(req, res, d, &who, &m))
        return;
    db_stmt *st = NULL;
    em_error err = {0};
    int rc = db_prepare_cached(d,
                               "SELECT name, slug, source, page, weight FROM material_topics "
                               "WHERE material_id = $1 ORDER BY position",
                               &st, &err);
    buf out;
    buf_init(&out, MATERIAL_JSON_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    jsonw_key(&w, "material_id");
    jsonw_string(&w, m.id);
    jsonw_key(&w, "status");
    jsonw_string(&w, m.status);
    jsonw_key(&w, "items");
    jsonw_array_begin(&w);
    int64_t count = 0;
    if (rc == EM_OK) {
        db_bind_text(st, 1, m.id);
        while (db_next(st, &rc, &err)) {
            jsonw_object_begin(&w);
            jsonw_key(&w, "name");
            jsonw_string(&w, db_column_text(st, 0));
            jsonw_key(&w, "slug");
            jsonw_string(&w, db_column_text(st, 1));
            jsonw_key(&w, "source");
            jsonw_string(&w, db_column_text(st, 2));
            jsonw_key(&w, "page");
            jsonw_int(&w, db_column_int64(st, 3));
            jsonw_key(&w, "weight");
            jsonw_double(&w, db_column_double(st, 4));
            jsonw_object_end(&w);
            count++;
        }
        db_finalize(st);
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    jsonw_array_end(&w);
    jsonw_key(&w, "count");
    jsonw_int(&w, count);
    jsonw_object_end(&w);
    if (rc != EM_OK)
        api_db_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
    material_cleanup(&m);
}

/* ---- signed downloads ---- */

void api_materials_download_url(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    app *a = req->app;
    long ttl = api_query_long(req, "expires_in", 60, a->cfg.download_url_ttl_s, a->cfg.download_url_ttl_s);
    if (ttl < 0) {
        http_res_error(res, 400, "invalid_request", "expires_in must be 60 to %d seconds",
                       a->cfg.download_url_ttl_s);
        return;
    }
    db *d = api_db(req, res);
    material m;
    if (d == NULL || !load_visible(req, res, d, &who, &m))
        return;
    int64_t expires = clock_now_ms() / 1000 + ttl;
    char token[SIGNED_TOKEN_MAX];
    if (signed_url_make(a->cfg.secret_key, m.id, expires, token, sizeof token) != EM_OK) {
        http_res_error(res, 500, "internal", "the link could not be signed");
    } else {
        char url[256], expires_at[32];
        snprintf(url, sizeof url, "/api/materials/%s/download?token=%s", m.id, token);
        clock_iso8601(expires * 1000, expires_at);
        http_res_json(res, 200, json_pack("{s:s, s:s, s:I}", "url", url, "expires_at", expires_at,
                                          "expires_in", (json_int_t)ttl));
    }
    material_cleanup(&m);
}

/* Content-Disposition with a file name safe inside the quotes. */
static void disposition(const material *m, char *out, size_t cap)
{
    char name[200];
    const char *src = m->filename != NULL && m->filename[0] ? m->filename : m->title;
    size_t k = 0;
    for (size_t i = 0; src[i] != '\0' && k + 1 < sizeof name; i++) {
        unsigned char c = (unsigned char)src[i];
        name[k++] = (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) ? '_' : (char)c;
    }
    name[k] = '\0';
    snprintf(out, cap, "attachment; filename=\"%s\"", k > 0 ? name : "material");
}

void api_materials_download(http_req *req, http_res *res)
{
    app *a = req->app;
    const char *id = http_req_param(req, "id");
    const char *token = http_req_query(req, "token");
    if (id == NULL || token == NULL || !id_is_uuid(id)) {
        http_res_error(res, 403, "invalid_link", "the download link is invalid");
        return;
    }
    int rc = signed_url_verify(a->cfg.secret_key, id, token, clock_now_ms() / 1000);
    if (rc == EM_E_TIMEOUT) {
        http_res_error(res, 403, "link_expired", "the download link has expired");
        return;
    }
    if (rc != EM_OK) {
        http_res_error(res, 403, "invalid_link", "the download link is invalid");
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    material m;
    em_error err = {0};
    rc = material_get(d, id, &m, &err);
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        return;
    }
    void *data = NULL;
    size_t len = 0;
    rc = storage_get(a->files, m.storage_key, &data, &len, (size_t)a->cfg.max_upload_mb * 1024 * 1024, &err);
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
    } else {
        char cd[256];
        disposition(&m, cd, sizeof cd);
        http_res_header(res, "Content-Disposition", cd);
        http_res_header(res, "Cache-Control", "private, no-store");
        http_res_body(res, 200, m.mime, data, len);
    }
    free(data);
    material_cleanup(&m);
}
