/* The question bank: GET /api/questions?tag=&q=&material_id= (tag prefix match
 * on the tag index), GET /api/questions/{id}, and PATCH /api/questions/{id} for
 * fixing a stem, options, answer, explanation or tags.
 *
 * A question belongs to the user who uploaded its worksheet; by the one
 * authorization rule its assigned tutors and admins see and fix it too, and
 * everyone else gets 404. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/jsonw.h"
#include "materials/tags.h"
#include "content/worksheet.h"

#define QUESTIONS_PAGE_MAX 200
#define QUESTIONS_BODY_MAX (8 * 1024 * 1024)
#define QUESTION_STEM_MAX 4000
#define QUESTION_OPTION_MAX 1000
#define QUESTION_ANSWER_MAX 1000
#define QUESTION_EXPLANATION_MAX 8000
#define QUESTION_SEARCH_MAX 200

/* The tags of q.id as a JSON array, per dialect. */
#define TAGS_SQLITE "(SELECT json_group_array(tag) FROM (SELECT tag FROM question_tags WHERE question_id = q.id ORDER BY tag))"
#define TAGS_PG "(SELECT coalesce(json_agg(tag ORDER BY tag), '[]'::json) FROM question_tags WHERE question_id = q.id)"

#define QUESTION_COLUMNS(tags)                                                                          \
    "SELECT q.id, q.user_id, q.material_id, q.number, q.page, q.type, q.stem, q.options, q.answer, "    \
    "q.explanation, q.source, q.created_at, q.updated_at, " tags " FROM questions q "

/* Visible to the caller: their own, their students' (tutors), everything (admins: $1 = 'admin'). */
#define QUESTION_FILTER                                                                                  \
    "WHERE ($1 = 'admin' OR q.user_id = $2 OR q.user_id IN "                                             \
    "(SELECT student_id FROM tutor_students WHERE tutor_id = $2)) "                                      \
    "AND (CAST($3 AS TEXT) IS NULL OR q.id IN (SELECT question_id FROM question_tags "                   \
    "WHERE tag = $3 OR (tag >= $4 AND tag < $5))) "                                                      \
    "AND (CAST($6 AS TEXT) IS NULL OR lower(q.stem) LIKE $6 ESCAPE '!') "                                \
    "AND (CAST($7 AS TEXT) IS NULL OR q.material_id = $7) "                                              \
    "ORDER BY q.material_id, q.number, q.id LIMIT $8 OFFSET $9"

static const char list_sqlite[] = QUESTION_COLUMNS(TAGS_SQLITE) QUESTION_FILTER;
static const char list_pg[] = QUESTION_COLUMNS(TAGS_PG) QUESTION_FILTER;
static const char get_sqlite[] = QUESTION_COLUMNS(TAGS_SQLITE) "WHERE q.id = $1";
static const char get_pg[] = QUESTION_COLUMNS(TAGS_PG) "WHERE q.id = $1";

static void question_json(jsonw *w, db_stmt *st)
{
    jsonw_object_begin(w);
    jsonw_key(w, "id");
    jsonw_string(w, db_column_text(st, 0));
    jsonw_key(w, "owner_id");
    jsonw_string(w, db_column_text(st, 1));
    jsonw_key(w, "material_id");
    jsonw_string(w, db_column_text(st, 2));
    jsonw_key(w, "number");
    if (db_column_is_null(st, 3))
        jsonw_null(w);
    else
        jsonw_int(w, db_column_int64(st, 3));
    jsonw_key(w, "page");
    if (db_column_is_null(st, 4))
        jsonw_null(w);
    else
        jsonw_int(w, db_column_int64(st, 4));
    jsonw_key(w, "type");
    jsonw_string(w, db_column_text(st, 5));
    jsonw_key(w, "stem");
    jsonw_string(w, db_column_text(st, 6));
    jsonw_key(w, "options");
    jsonw_raw(w, db_column_text(st, 7)); /* a JSON column the program wrote */
    jsonw_key(w, "answer");
    jsonw_string(w, db_column_text(st, 8));
    jsonw_key(w, "explanation");
    jsonw_string(w, db_column_text(st, 9));
    jsonw_key(w, "source");
    jsonw_string(w, db_column_text(st, 10));
    jsonw_key(w, "created_at");
    jsonw_string(w, db_column_text(st, 11));
    jsonw_key(w, "updated_at");
    jsonw_string(w, db_column_text(st, 12));
    jsonw_key(w, "tags");
    const char *tags = db_column_text(st, 13);
    jsonw_raw(w, tags != NULL ? tags : "[]");
    jsonw_object_end(w);
}

/* "%text%" for LIKE, lowercased (ASCII), with '!' escaping LIKE's wildcards. */
static char *like_pattern(http_req *req, const char *text)
{
    size_t n = strlen(text);
    char *p = arena_alloc(req->arena, n * 2 + 3);
    size_t k = 0;
    p[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == '%' || c == '_' || c == '!')
            p[k++] = '!';
        p[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    p[k++] = '%';
    p[k] = '\0';
    return p;
}

void api_questions_list(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    const char *tag = http_req_query(req, "tag");
    const char *text = http_req_query(req, "q");
    const char *material_id = http_req_query(req, "material_id");
    long limit = api_query_long(req, "limit", 1, QUESTIONS_PAGE_MAX, 50);
    long offset = api_query_long(req, "offset", 0, 1000000, 0);
    if (limit < 0 || offset < 0) {
        http_res_error(res, 400, "invalid_request", "limit must be 1-%d and offset 0 or more", QUESTIONS_PAGE_MAX);
        return;
    }
    char tag_lc[TAG_MAX_LEN + 1], lo[TAG_MAX_LEN + 2], hi[TAG_MAX_LEN + 2];
    if (tag != NULL) {
        size_t n = strlen(tag);
        for (size_t i = 0; i < n && i < TAG_MAX_LEN; i++)
            tag_lc[i] = (tag[i] >= 'A' && tag[i] <= 'Z') ? (char)(tag[i] - 'A' + 'a') : tag[i];
        tag_lc[n < TAG_MAX_LEN ? n : TAG_MAX_LEN] = '\0';
        if (n > TAG_MAX_LEN || !tag_valid(tag_lc)) {
            http_res_error(res, 400, "invalid_request",
                           "tag must be a curriculum tag such as math.algebra (dotted lowercase words)");
            return;
        }
        tags_child_range(tag_lc, lo, hi, sizeof lo);
    }
    if (text != NULL && (strlen(text) == 0 || strlen(text) > QUESTION_SEARCH_MAX)) {
        http_res_error(res, 400, "invalid_request", "q must be 1 to %d characters", QUESTION_SEARCH_MAX);
        return;
    }
    if (material_id != NULL && !id_is_uuid(material_id)) {
        http_res_error(res, 400, "invalid_request", "material_id must be a material id");
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    db_stmt *st = NULL;
    em_error err = {0};
    int rc = db_prepare_cached(d, db_dialect_of(d) == DB_SQLITE ? list_sqlite : list_pg, &st, &err);
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        return;
    }
    db_bind_text(st, 1, authz_is_admin(&who) ? "admin" : "user");
    db_bind_text(st, 2, who.user_id);
    if (tag != NULL) {
        db_bind_text(st, 3, tag_lc);
        db_bind_text(st, 4, lo);
        db_bind_text(st, 5, hi);
    } else {
        db_bind_null(st, 3);
        db_bind_null(st, 4);
        db_bind_null(st, 5);
    }
    if (text != NULL)
        db_bind_text(st, 6, like_pattern(req, text));
    else
        db_bind_null(st, 6);
    if (material_id != NULL)
        db_bind_text(st, 7, material_id);
    else
        db_bind_null(st, 7);
    db_bind_int64(st, 8, limit);
    db_bind_int64(st, 9, offset);
    buf out;
    buf_init(&out, QUESTIONS_BODY_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    jsonw_key(&w, "items");
    jsonw_array_begin(&w);
    int64_t count = 0;
    while (db_next(st, &rc, &err)) {
        question_json(&w, st);
        count++;
    }
    db_finalize(st);
    jsonw_array_end(&w);
    jsonw_key(&w, "count");
    jsonw_int(&w, count);
    jsonw_key(&w, "limit");
    jsonw_int(&w, limit);
    jsonw_key(&w, "offset");
    jsonw_int(&w, offset);
    jsonw_object_end(&w);
    if (rc != DB_DONE)
        api_db_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}

/* The owner of question {id} when the caller may see it; false with 404 (or
 * the error) written. */
static bool visible_question(http_req *req, http_res *res, db *d, const principal *who, char owner[64])
{
    const char *id = http_req_param(req, "id");
    if (id == NULL || !id_is_uuid(id)) {
        http_res_error(res, 404, "not_found", "no such question");
        return false;
    }
    db_stmt *st = NULL;
    em_error err = {0};
    int rc = db_prepare_cached(d, "SELECT user_id FROM questions WHERE id = $1", &st, &err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, id);
        rc = db_step(st, &err);
        if (rc == DB_ROW)
            snprintf(owner, 64, "%s", db_column_text(st, 0));
        db_finalize(st);
    }
    if (rc == DB_DONE) {
        http_res_error(res, 404, "not_found", "no such question");
        return false;
    }
    if (rc != DB_ROW) {
        api_db_error(res, rc, &err);
        return false;
    }
    bool allowed = false;
    rc = authz_can_view(d, who, owner, &allowed, &err);
    if (rc != EM_OK)
        api_db_error(res, rc, &err);
    else if (!allowed)
        http_res_error(res, 404, "not_found", "no such question");
    return rc == EM_OK && allowed;
}

static void respond_question(http_req *req, http_res *res, db *d, int status)
{
    db_stmt *st = NULL;
    em_error err = {0};
    int rc = db_prepare_cached(d, db_dialect_of(d) == DB_SQLITE ? get_sqlite : get_pg, &st, &err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, http_req_param(req, "id"));
        rc = db_step(st, &err);
    }
    buf out;
    buf_init(&out, QUESTIONS_BODY_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    if (rc == DB_ROW)
        question_json(&w, st);
    db_finalize(st);
    if (rc == DB_ROW)
        http_res_jsonw(res, status, &w);
    else if (rc == DB_DONE)
        http_res_error(res, 404, "not_found", "no such question");
    else
        api_db_error(res, rc, &err);
    buf_cleanup(&out);
}

void api_questions_get(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    db *d = api_db(req, res);
    char owner[64];
    if (d == NULL || !visible_question(req, res, d, &who, owner))
        return;
    respond_question(req, res, d, 200);
}

/* A string field of the PATCH body: absent (*present false), null (allowed
 * only when nullable), or a string of 1..max bytes. False with 422 written. */
static bool string_field(http_res *res, json_t *body, const char *name, size_t max, bool nullable,
                         const char **value, bool *present)
{
    json_t *v = json_object_get(body, name);
    *present = v != NULL;
    *value = NULL;
    if (v == NULL)
        return true;
    if (json_is_null(v) && nullable)
        return true;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max) {
        http_res_error(res, 422, "validation_error", "%s must be a string of 1 to %zu characters%s", name, max,
                       nullable ? ", or null" : "");
        return false;
    }
    *value = json_string_value(v);
    return true;
}

typedef struct question_patch {
    const char *stem, *answer, *explanation;
    bool has_stem, has_answer, has_explanation;
    char *options_json;   /* owned, NULL when not given */
    char *tags_json;      /* owned, NULL when not given */
} question_patch;

static bool patch_valid(http_res *res, json_t *body, question_patch *p)
{
    if (!json_is_object(body) || json_object_size(body) == 0) {
        http_res_error(res, 422, "validation_error",
                       "the body must be a JSON object with stem, options, answer, explanation or tags");
        return false;
    }
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val) {
        if (strcmp(key, "stem") != 0 && strcmp(key, "options") != 0 && strcmp(key, "answer") != 0 &&
            strcmp(key, "explanation") != 0 && strcmp(key, "tags") != 0) {
            http_res_error(res, 422, "validation_error", "unknown field \"%.40s\"", key);
            return false;
        }
    }
    if (!string_field(res, body, "stem", QUESTION_STEM_MAX, false, &p->stem, &p->has_stem) ||
        !string_field(res, body, "answer", QUESTION_ANSWER_MAX, true, &p->answer, &p->has_answer) ||
        !string_field(res, body, "explanation", QUESTION_EXPLANATION_MAX, true, &p->explanation,
                      &p->has_explanation))
        return false;
    json_t *opts = json_object_get(body, "options");
    if (opts != NULL) {
        bool ok = json_is_array(opts) && json_array_size(opts) <= WORKSHEET_MAX_OPTIONS;
        size_t i;
        json_t *o;
        json_array_foreach(opts, i, o) {
            ok = ok && json_is_string(o) && json_string_length(o) > 0 &&
                 json_string_length(o) <= QUESTION_OPTION_MAX;
        }
        if (!ok) {
            http_res_error(res, 422, "validation_error",
                           "options must be an array of at most %d strings of 1 to %d characters",
                           WORKSHEET_MAX_OPTIONS, QUESTION_OPTION_MAX);
            return false;
        }
        p->options_json = json_dumps(opts, JSON_COMPACT);
    }
    json_t *tags = json_object_get(body, "tags");
    if (tags != NULL) {
        em_error err = {0};
        if (tags_parse(NULL, tags, &p->tags_json, &err) != EM_OK) {
            http_res_error(res, 422, "validation_error", "%s", err.msg);
            return false;
        }
    }
    return true;
}

static int run_update(db *d, const char *sql, const char *value, const char *now, const char *id, em_error *err)
{
    const char *params[] = {value, now, id};
    int rc = db_run(d, sql, params, 3, err);
    return rc == DB_DONE ? EM_OK : rc;
}

/* Apply the patch in one transaction: one UPDATE per given field (a column
 * assignment types its parameter on both databases), then the tag set. */
static int apply_patch(db *d, const char *id, const question_patch *p, em_error *err)
{
    char now[32];
    clock_iso8601(clock_now_ms(), now);
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    if (p->has_stem)
        rc = run_update(d, "UPDATE questions SET stem = $1, updated_at = $2 WHERE id = $3", p->stem, now, id, err);
    if (rc == EM_OK && p->has_answer)
        rc = run_update(d, "UPDATE questions SET answer = $1, updated_at = $2 WHERE id = $3", p->answer, now, id,
                        err);
    if (rc == EM_OK && p->has_explanation)
        rc = run_update(d, "UPDATE questions SET explanation = $1, updated_at = $2 WHERE id = $3", p->explanation,
                        now, id, err);
    if (rc == EM_OK && p->options_json != NULL) {
        rc = run_update(d, "UPDATE questions SET options = $1, updated_at = $2 WHERE id = $3", p->options_json,
                        now, id, err);
        if (rc == EM_OK)
            rc = run_update(d, "UPDATE questions SET type = $1, updated_at = $2 WHERE id = $3",
                            strcmp(p->options_json, "[]") == 0 ? "short_answer" : "multiple_choice", now, id,
                            err);
    }
    if (rc == EM_OK && p->tags_json != NULL) {
        rc = db_run(d, "DELETE FROM question_tags WHERE question_id = $1", &id, 1, err);
        rc = rc == DB_DONE ? EM_OK : rc;
        json_t *arr = json_loads(p->tags_json, 0, NULL);
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) {
            if (rc != EM_OK)
                break;
            const char *params[] = {json_string_value(v), id};
            rc = db_run(d, "INSERT INTO question_tags (tag, question_id) VALUES ($1, $2)", params, 2, err);
            rc = rc == DB_DONE ? EM_OK : rc;
        }
        json_decref(arr);
        if (rc == EM_OK) {
            const char *params[] = {now, id};
            rc = db_run(d, "UPDATE questions SET updated_at = $1 WHERE id = $2", params, 2, err);
            rc = rc == DB_DONE ? EM_OK : rc;
        }
    }
    if (rc == EM_OK)
        rc = db_commit(d, err);
    else
        db_rollback(d);
    return rc;
}

void api_questions_update(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    question_patch p = {0};
    db *d = NULL;
    char owner[64];
    if (patch_valid(res, body, &p) && (d = api_db(req, res)) != NULL &&
        visible_question(req, res, d, &who, owner)) {
        em_error err = {0};
        int rc = apply_patch(d, http_req_param(req, "id"), &p, &err);
        if (rc != EM_OK)
            api_db_error(res, rc, &err);
        else
            respond_question(req, res, d, 200);
    }
    free(p.options_json);
    free(p.tags_json);
    json_decref(body);
}
