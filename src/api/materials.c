/* Study material: upload (202 + extraction job), list, detail, settings
 * (PATCH: review_generated), delete, topics, signed download links and the
 * download they lead to.
 *
 * Materials belong to a user; the one authorization rule (auth/authz.h),
 * applied by the materials area, decides who else sees them, and everyone
 * else gets the same 404 as for a material that does not exist. The download
 * itself needs no session: the signed link is the permission, checked before
 * anything is read (materials/links.h). */
#include "api/api.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/multipart.h"
#include "materials/links.h"
#include "materials/material.h"
#include "materials/passages.h"
#include "materials/remove.h"
#include "materials/submit.h"
#include "materials/tags.h"

#define MATERIALS_MAX_PARTS 16
/* Form fields (title, worksheet, tags) are read in memory up to this size. */
#define MATERIALS_FIELD_MAX (64 * 1024)
#define MATERIAL_JSON_MAX (4 * 1024 * 1024)


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
    jsonw_key(w, "review_generated");
    jsonw_bool(w, m->review_generated);
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

/* The material of the {id} path parameter when the caller may see it; false
 * with 404 (or the error) written otherwise. Free *m with material_cleanup on
 * true. */
static bool load_visible(http_req *req, http_res *res, db *d, material *m)
{
    em_error err = {0};
    int rc = material_get_visible(d, &api_caller_of(req)->who, http_req_param(req, "id"), m, &err);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    return rc == EM_OK;
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
    const char *data;      /* the file in memory, or NULL: a range of fd */
    int fd;                /* the spooled body the file part is in (borrowed), or -1 */
    off_t offset;
    size_t len;
    const char *filename;
    const char *title;
    bool is_worksheet;
    char *tags_json;       /* owned */
    json_t *json;          /* owned, the JSON body */
} upload;

/* A multipart field's value as a NUL-terminated string in the arena; NULL
 * (with 422 written) when it was too long to be kept in memory. */
static const char *part_text(http_req *req, http_res *res, const mp_part *p)
{
    if (p->data == NULL) {
        http_res_error(res, 422, "validation_error", "%s is too long", p->name);
        return NULL;
    }
    return arena_strndup(req->arena, p->data, p->len);
}

static bool read_multipart(http_req *req, http_res *res, upload *u)
{
    mp_part parts[MATERIALS_MAX_PARTS];
    size_t n = 0;
    em_error err = {0};
    mp_options o = {.max_parts = MATERIALS_MAX_PARTS, .max_value = MATERIALS_FIELD_MAX};
    int rc = multipart_parse_body(req, &o, parts, &n, &err);
    if (rc == EM_E_IO) {
        http_res_error(res, 500, "internal", "internal error");
        return false;
    }
    if (rc != EM_OK) {
        http_res_error(res, rc == EM_E_TOO_LARGE ? 413 : 400, "invalid_multipart", "%s", err.msg);
        return false;
    }
    const char *tags = NULL;
    const mp_part *file = NULL;
    for (size_t i = 0; i < n; i++) {
        const mp_part *p = &parts[i];
        if (strcmp(p->name, "file") == 0) {
            if (file != NULL) {
                http_res_error(res, 422, "validation_error", "send one file per upload");
                return false;
            }
            file = p;
            u->filename = p->filename;
        } else if (strcmp(p->name, "title") == 0) {
            u->title = part_text(req, res, p);
            if (u->title == NULL)
                return false;
        } else if (strcmp(p->name, "worksheet") == 0) {
            const char *v = part_text(req, res, p);
            if (v == NULL)
                return false;
            if (!parse_bool_field(v, &u->is_worksheet)) {
                http_res_error(res, 422, "validation_error", "worksheet must be true or false");
                return false;
            }
        } else if (strcmp(p->name, "tags") == 0) {
            tags = part_text(req, res, p);
            if (tags == NULL)
                return false;
        }
    }
    if (file == NULL) {
        http_res_error(res, 422, "validation_error", "a file part named \"file\" is required");
        return false;
    }
    /* A spooled body leaves the file in the temporary file: read its range
     * for material_submit, which takes the bytes in memory. */
    u->len = file->len;
    u->data = file->data;
    if (u->data == NULL) { /* in the spooled body: handed to storage from there */
        u->fd = req->body_fd;
        u->offset = (off_t)file->offset;
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
    if (format != NULL && (fmt == NULL || (strcmp(fmt, "markdown") != 0 && strcmp(fmt, "text") != 0 &&
                                           strcmp(fmt, "html") != 0))) {
        http_res_error(res, 422, "validation_error", "format must be \"markdown\", \"text\" or \"html\"");
        return false;
    }
    /* The format is a name's hint (Markdown, plain text or a page); the content decides the rest. */
    u->filename = fmt == NULL                    ? "text.txt"
                  : strcmp(fmt, "markdown") == 0 ? "text.md"
                  : strcmp(fmt, "html") == 0     ? "text.html"
                                                 : "text.txt";
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
    api_ctx *c = req->ctx;
    const char *ct = http_req_header(req, "Content-Type");
    upload u = {.fd = -1};
    bool ok;
    if (ct != NULL && strncasecmp(ct, "multipart/form-data", 19) == 0) {
        ok = read_multipart(req, res, &u);
    } else if (ct != NULL && strncasecmp(ct, "application/json", 16) == 0) {
        ok = read_json_upload(req, res, &u);
    } else {
        http_res_error(res, 415, "unsupported_media_type",
                       "send multipart/form-data with a \"file\" part, or JSON with \"text\"");
        ok = false;
    }
    db *d = ok ? api_db(req, res) : NULL;
    if (d != NULL) {
        submit_input in = {
            .user_id = api_caller_of(req)->who.user_id,
            .data = u.data,
            .fd = u.fd,
            .offset = u.offset,
            .len = u.len,
            .filename = u.filename,
            .title = u.title,
            .is_worksheet = u.is_worksheet,
            .tags_json = u.tags_json,
            .enqueue = true,
            .limits = &c->upload_limits,
        };
        submit_output out;
        em_error err = {0};
        int rc = material_submit(d, c->files, &in, &out, &err);
        if (rc != EM_OK) {
            api_error(res, rc, &err);
        } else {
            if (c->wake_worker != NULL)
                c->wake_worker(c->wake_ctx);
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
    const api_caller *me = api_caller_of(req);
    const char *owner = http_req_query(req, "user_id");
    api_page pg;
    if (!api_page_read(req, res, MATERIALS_PAGE_MAX, 20, &pg))
        return;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    material *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    em_error err = {0};
    int rc = material_list_visible(d, &me->who, owner != NULL ? owner : me->who.user_id, (int)pg.limit,
                                   (int)pg.offset, &items, &n, &total, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    buf out;
    buf_init(&out, MATERIAL_JSON_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    api_page_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jsonw_object_begin(&w);
        material_fields(&w, &items[i]);
        jsonw_object_end(&w);
        material_cleanup(&items[i]);
    }
    free(items);
    api_page_end(&w, &pg, total, n);
    http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}

/* ---- GET /api/materials/{id} ---- */

static void write_section(void *ctx, const material_section *sec)
{
    jsonw *w = ctx;
    jsonw_object_begin(w);
    jsonw_key(w, "title");
    jsonw_string(w, sec->title);
    jsonw_key(w, "level");
    jsonw_int(w, sec->level);
    jsonw_key(w, "page");
    jsonw_int(w, sec->page);
    jsonw_object_end(w);
}

void api_materials_get(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    material m;
    if (d == NULL || !load_visible(req, res, d, &m))
        return;
    buf out;
    buf_init(&out, MATERIAL_JSON_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    material_fields(&w, &m);
    jsonw_key(&w, "sections");
    jsonw_array_begin(&w);
    em_error err = {0};
    int rc = material_sections(d, m.id, write_section, &w, &err);
    jsonw_array_end(&w);
    jsonw_object_end(&w);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
    material_cleanup(&m);
}

/* ---- PATCH /api/materials/{id} ---- */

/* The settings in a PATCH body: unknown members are ignored, at least one
 * known one is needed; false after answering 400. */
static bool read_settings(http_res *res, json_t *body, material_settings *s)
{
    if (!json_is_object(body)) {
        http_res_error(res, 400, "invalid_request", "the body must be a JSON object");
        return false;
    }
    json_t *review = json_object_get(body, "review_generated");
    if (review == NULL) {
        http_res_error(res, 400, "invalid_request", "nothing to change: the settings are review_generated");
        return false;
    }
    if (!json_is_boolean(review)) {
        http_res_error(res, 400, "invalid_request", "review_generated must be true or false");
        return false;
    }
    s->has_review_generated = true;
    s->review_generated = json_is_true(review);
    return true;
}

void api_materials_update(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    material_settings s = {0};
    db *d = NULL;
    material m;
    if (read_settings(res, body, &s) && (d = api_db(req, res)) != NULL) {
        em_error err = {0};
        int rc = material_update_settings(d, &api_caller_of(req)->who, http_req_param(req, "id"), &s, &err);
        if (rc != EM_OK) {
            api_error(res, rc, &err);
        } else if (load_visible(req, res, d, &m)) {
            buf out;
            buf_init(&out, MATERIAL_JSON_MAX);
            jsonw w;
            jsonw_init(&w, &out);
            jsonw_object_begin(&w);
            material_fields(&w, &m);
            jsonw_object_end(&w);
            http_res_jsonw(res, 200, &w);
            buf_cleanup(&out);
            material_cleanup(&m);
        }
    }
    json_decref(body);
}

/* ---- DELETE /api/materials/{id} ---- */

void api_materials_delete(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    em_error err = {0};
    int rc = material_remove(d, c->files, &api_caller_of(req)->who, http_req_param(req, "id"), &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    passages_cache_forget(c->passages, http_req_param(req, "id")); /* its index's memory, now */
    http_res_body(res, 204, NULL, NULL, 0);
}

/* ---- GET /api/materials/{id}/topics ---- */

static void write_topic(void *ctx, const material_topic *t)
{
    jsonw *w = ctx;
    jsonw_object_begin(w);
    jsonw_key(w, "name");
    jsonw_string(w, t->name);
    jsonw_key(w, "slug");
    jsonw_string(w, t->slug);
    jsonw_key(w, "source");
    jsonw_string(w, t->source);
    jsonw_key(w, "page");
    jsonw_int(w, t->page);
    jsonw_key(w, "weight");
    jsonw_double(w, t->weight);
    jsonw_object_end(w);
}

void api_materials_topics(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    material m;
    if (d == NULL || !load_visible(req, res, d, &m))
        return;
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
    size_t count = 0;
    em_error err = {0};
    int rc = material_topics(d, m.id, write_topic, &w, &count, &err);
    jsonw_array_end(&w);
    jsonw_key(&w, "count");
    jsonw_int(&w, (int64_t)count);
    jsonw_object_end(&w);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
    material_cleanup(&m);
}

/* ---- signed downloads ---- */

void api_materials_download_url(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    long ttl = api_query_long(req, "expires_in", LINKS_MIN_TTL_S, c->links.max_ttl_s, c->links.max_ttl_s);
    if (ttl < 0) {
        http_res_error(res, 400, "invalid_request", "expires_in must be %d to %d seconds", LINKS_MIN_TTL_S,
                       c->links.max_ttl_s);
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    char url[LINKS_URL_MAX], expires_at[32];
    int64_t expires = 0;
    em_error err = {0};
    int rc = links_make(d, &c->links, &api_caller_of(req)->who, http_req_param(req, "id"), (int)ttl,
                        clock_now_ms() / 1000, url, &expires, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    clock_iso8601(expires * 1000, expires_at);
    http_res_json(res, 200,
                  json_pack("{s:s, s:s, s:I}", "url", url, "expires_at", expires_at, "expires_in", (json_int_t)ttl));
}

/* A remote original streamed to the client from its own thread: the handler
 * (a slow-pool thread) does not wait for the transfer. */
typedef struct download {
    storage *files;
    char key[STORAGE_KEY_MAX + 1];
    size_t max;
    http_stream *stream;
} download;

static int download_sink(void *ctx, const void *data, size_t n)
{
    return http_stream_write(ctx, data, n);
}

static void *download_main(void *arg)
{
    download *dl = arg;
    em_error err = {0};
    int rc = storage_read(dl->files, dl->key, dl->max, download_sink, dl->stream, &err);
    if (rc != EM_OK && rc != EM_E_CANCELED)
        log_msg(LOG_WARN, "download of %s cut short: %s", dl->key, err.msg[0] ? err.msg : em_strerror(rc));
    http_stream_end(dl->stream, rc == EM_OK);
    free(dl);
    return NULL;
}

static void stream_original(http_req *req, http_res *res, storage *files, const material *m, size_t max)
{
    download *dl = em_calloc(1, sizeof *dl);
    dl->files = files;
    snprintf(dl->key, sizeof dl->key, "%s", m->storage_key);
    dl->max = max;
    dl->stream = http_res_stream(req, res, 200, m->mime, NULL);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    bool started = pthread_create(&t, &attr, download_main, dl) == 0;
    pthread_attr_destroy(&attr);
    if (!started) {
        http_stream_end(dl->stream, false);
        free(dl);
        http_res_error(res, 503, "unavailable", "the download cannot start right now");
    }
}

void api_materials_download(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    material m;
    em_error err = {0};
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    int rc = links_open(d, &c->links, http_req_param(req, "id"), http_req_query(req, "token"),
                        clock_now_ms() / 1000, &m, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    int fd = -1;
    uint64_t size = 0;
    rc = links_open_original(c->files, &m, c->max_download, &fd, &size, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
    } else {
        char cd[256];
        links_disposition(&m, cd, sizeof cd);
        http_res_header(res, "Content-Disposition", cd);
        http_res_header(res, "Cache-Control", "private, no-store");
        if (fd >= 0)
            http_res_file(res, 200, m.mime, fd, size);
        else
            stream_original(req, res, c->files, &m, c->max_download);
    }
    material_cleanup(&m);
}
