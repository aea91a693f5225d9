/* GET /api/topics (a user's topics, 50 by default) and POST /api/topics.
 * Topics belong to a user; the caller sees them when the one authorization rule
 * (auth/authz.h) says so, and otherwise gets the same 404 as for nobody. */
#include "api/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/jsonw.h"

#define TOPICS_DEFAULT_LIMIT 50
#define TOPICS_MAX_LIMIT 200
/* 200 rows of at most ~1 KiB each (names are at most 200 characters, escaped) */
#define TOPICS_MAX_BODY (512 * 1024)

static const char topics_sql[] =
    "SELECT id, user_id, name, mastery_score, next_review_at FROM topics "
    "WHERE user_id = $1 ORDER BY id LIMIT $2";

/* Parse ?limit=; returns -1 when malformed or out of range. */
static long parse_limit(const char *s)
{
    if (s == NULL)
        return TOPICS_DEFAULT_LIMIT;
    char *end = NULL;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n < 1 || n > TOPICS_MAX_LIMIT)
        return -1;
    return n;
}

/* Whether `who` may see what `owner` owns; false with 404 (or the database
 * error) written. */
static bool visible(http_req *req, http_res *res, db *d, const principal *who, const char *owner)
{
    em_error err = {0};
    bool allowed = false;
    int rc = authz_can_view(d, who, owner, &allowed, &err);
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        return false;
    }
    if (!allowed)
        http_res_error(res, 404, "not_found", "no such user");
    return allowed;
}

void api_topics_list(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    const char *user_id = http_req_query(req, "user_id");
    if (user_id == NULL)
        user_id = who.user_id;
    if (!id_is_uuid(user_id)) {
        http_res_error(res, 400, "invalid_request", "user_id must be a user id (UUID)");
        return;
    }
    long limit = parse_limit(http_req_query(req, "limit"));
    if (limit < 0) {
        http_res_error(res, 400, "invalid_request", "limit must be a whole number from 1 to %d",
                       TOPICS_MAX_LIMIT);
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL || !visible(req, res, d, &who, user_id))
        return;
    em_error err = {0};
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, topics_sql, &st, &err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, limit);
    /* Rows go straight into the response text (see core/jsonw.h for why). */
    buf out;
    buf_init(&out, TOPICS_MAX_BODY);
    buf_reserve(&out, (size_t)limit * 256); /* a row is about 200 bytes */
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    jsonw_key(&w, "items");
    jsonw_array_begin(&w);
    int64_t count = 0;
    while (db_next(st, &rc, &err)) {
        jsonw_object_begin(&w);
        jsonw_key(&w, "id");
        jsonw_string(&w, db_column_text(st, 0));
        jsonw_key(&w, "user_id");
        jsonw_string(&w, db_column_text(st, 1));
        jsonw_key(&w, "name");
        jsonw_string(&w, db_column_text(st, 2));
        jsonw_key(&w, "mastery");
        jsonw_double(&w, db_column_double(st, 3));
        jsonw_key(&w, "next_review_at");
        jsonw_string(&w, db_column_text(st, 4));
        jsonw_object_end(&w);
        count++;
    }
    db_finalize(st);
    if (rc != DB_DONE) {
        buf_cleanup(&out);
        api_db_error(res, rc, &err);
        return;
    }
    jsonw_array_end(&w);
    jsonw_key(&w, "count");
    jsonw_int(&w, count);
    jsonw_object_end(&w);
    http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}

/* Validate the body of POST /api/topics; writes 422 and returns false when a
 * field is missing or out of range. */
static bool topic_body_valid(json_t *body, http_res *res, const char **user_id, const char **name,
                             double *mastery)
{
    if (!json_is_object(body)) {
        http_res_error(res, 422, "validation_error", "the body must be a JSON object");
        return false;
    }
    json_t *owner = json_object_get(body, "user_id");
    *user_id = owner == NULL ? NULL : json_string_value(owner);
    if (owner != NULL && (*user_id == NULL || !id_is_uuid(*user_id))) {
        http_res_error(res, 422, "validation_error", "user_id, when given, must be a user id (UUID)");
        return false;
    }
    *name = json_string_value(json_object_get(body, "name"));
    size_t len = *name ? strlen(*name) : 0;
    if (len == 0 || len > 200) {
        http_res_error(res, 422, "validation_error", "name must be a string of 1 to 200 characters");
        return false;
    }
    json_t *m = json_object_get(body, "mastery");
    *mastery = 0.0;
    if (m != NULL && !json_is_null(m)) {
        if (!json_is_number(m) || json_number_value(m) < 0.0 || json_number_value(m) > 1.0) {
            http_res_error(res, 422, "validation_error", "mastery must be a number from 0 to 1");
            return false;
        }
        *mastery = json_number_value(m);
    }
    return true;
}

void api_topics_create(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    const char *user_id, *name;
    double mastery;
    if (!topic_body_valid(body, res, &user_id, &name, &mastery)) {
        json_decref(body);
        return;
    }
    if (user_id == NULL)
        user_id = who.user_id;
    db *d = api_db(req, res);
    if (d == NULL || !visible(req, res, d, &who, user_id)) {
        json_decref(body);
        return;
    }
    em_error err = {0};
    int rc = db_run(d, "SELECT 1 FROM users WHERE id = $1", &user_id, 1, &err);
    if (rc == DB_DONE) {
        http_res_error(res, 404, "not_found", "no such user");
        json_decref(body);
        return;
    }
    rc = rc == DB_ROW ? EM_OK : rc;
    char id[ID_UUID_LEN + 1];
    id_uuid7(id);
    db_stmt *st = NULL;
    if (rc == EM_OK)
        rc = db_prepare(d, "INSERT INTO topics (id, user_id, name, mastery_score) VALUES ($1, $2, $3, $4)",
                        &st, &err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, name);
    if (rc == EM_OK)
        rc = db_bind_double(st, 4, mastery);
    if (rc == EM_OK)
        rc = db_step(st, &err);
    db_finalize(st);
    if (rc != DB_DONE) {
        api_db_error(res, rc, &err);
    } else {
        http_res_json(res, 201,
                      json_pack("{s:s, s:s, s:s, s:f, s:n}", "id", id, "user_id", user_id, "name", name,
                                "mastery", mastery, "next_review_at"));
    }
    json_decref(body);
}
