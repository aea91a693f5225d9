/* GET /api/topics (a student's topics with their mastery, 50 by default) and
 * POST /api/topics, over study/mastery.h. */
#include "api/api.h"

#include "core/buf.h"
#include "core/jsonw.h"
#include "study/mastery.h"

#define TOPICS_DEFAULT_LIMIT 50
/* MASTERY_PAGE_MAX rows of at most ~1 KiB each (names are at most 200
 * characters, escaped) */
#define TOPICS_MAX_BODY (512 * 1024)

/* Rows go straight into the response text (see core/jsonw.h for why). */
static void write_topic(void *ctx, const mastery_topic *t)
{
    jsonw *w = ctx;
    jsonw_object_begin(w);
    jsonw_key(w, "id");
    jsonw_string(w, t->id);
    jsonw_key(w, "user_id");
    jsonw_string(w, t->user_id);
    jsonw_key(w, "name");
    jsonw_string(w, t->name);
    jsonw_key(w, "mastery");
    jsonw_double(w, t->mastery);
    jsonw_key(w, "next_review_at");
    jsonw_string(w, t->next_review_at);
    jsonw_object_end(w);
}

void api_topics_list(http_req *req, http_res *res)
{
    const api_caller *me = api_caller_of(req);
    const char *user_id = http_req_query(req, "user_id");
    long limit = api_query_long(req, "limit", 1, MASTERY_PAGE_MAX, TOPICS_DEFAULT_LIMIT);
    if (limit < 0) {
        http_res_error(res, 400, "invalid_request", "limit must be a whole number from 1 to %d", MASTERY_PAGE_MAX);
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    buf out;
    buf_init(&out, TOPICS_MAX_BODY);
    buf_reserve(&out, (size_t)limit * 256); /* a row is about 200 bytes */
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    jsonw_key(&w, "items");
    jsonw_array_begin(&w);
    size_t count = 0;
    em_error err = {0};
    int rc = mastery_list(d, &me->who, user_id != NULL ? user_id : me->who.user_id, (int)limit, write_topic, &w,
                          &count, &err);
    jsonw_array_end(&w);
    jsonw_key(&w, "count");
    jsonw_int(&w, (int64_t)count);
    jsonw_object_end(&w);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}

void api_topics_create(http_req *req, http_res *res)
{
    const api_caller *me = api_caller_of(req);
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    json_t *owner = json_object_get(body, "user_id");
    json_t *name = json_object_get(body, "name");
    json_t *m = json_object_get(body, "mastery");
    db *d = NULL;
    if (!json_is_object(body)) {
        http_res_error(res, 422, "validation_error", "the body must be a JSON object");
    } else if (owner != NULL && !json_is_string(owner)) {
        http_res_error(res, 422, "validation_error", "user_id, when given, must be a user id (UUID)");
    } else if (!json_is_string(name)) {
        http_res_error(res, 422, "validation_error", "name must be a string of 1 to %d characters", MASTERY_NAME_MAX);
    } else if (m != NULL && !json_is_null(m) && !json_is_number(m)) {
        http_res_error(res, 422, "validation_error", "mastery must be a number from 0 to 1");
    } else if ((d = api_db(req, res)) != NULL) {
        const char *user_id = owner != NULL ? json_string_value(owner) : me->who.user_id;
        double mastery = m != NULL && !json_is_null(m) ? json_number_value(m) : 0.0;
        char id[37];
        em_error err = {0};
        int rc = mastery_add(d, &me->who, user_id, json_string_value(name), mastery, id, &err);
        if (rc != EM_OK)
            api_error(res, rc, &err);
        else
            http_res_json(res, 201,
                          json_pack("{s:s, s:s, s:s, s:f, s:n}", "id", id, "user_id", user_id, "name",
                                    json_string_value(name), "mastery", mastery, "next_review_at"));
    }
    json_decref(body);
}
