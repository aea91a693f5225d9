/* The question bank (materials/questions.h): GET /api/questions?tag=&q=
 * &material_id=&review_status=&limit=&offset=, GET /api/questions/{id}, PATCH
 * /api/questions/{id} for fixing a stem, options, answer, explanation or
 * tags, POST /api/questions/{id}/tags/{tag}/confirm for confirming one tag (a
 * suggestion), POST /api/questions/{id}/review (a tutor approves, rejects or
 * edits and approves) and GET /api/questions/{id}/versions (the earlier texts,
 * newest first). Who sees what is the area's business: invisible questions
 * are 404. */
#include "api/api.h"

#include <string.h>

#include "core/buf.h"
#include "core/jsonw.h"
#include "materials/questions.h"

#define QUESTIONS_BODY_MAX (8 * 1024 * 1024)

static void write_question(void *ctx, const question *q)
{
    jsonw *w = ctx;
    jsonw_object_begin(w);
    jsonw_key(w, "id");
    jsonw_string(w, q->id);
    jsonw_key(w, "owner_id");
    jsonw_string(w, q->owner_id);
    jsonw_key(w, "material_id");
    jsonw_string(w, q->material_id);
    jsonw_key(w, "number");
    if (q->has_number)
        jsonw_int(w, q->number);
    else
        jsonw_null(w);
    jsonw_key(w, "page");
    if (q->has_page)
        jsonw_int(w, q->page);
    else
        jsonw_null(w);
    jsonw_key(w, "type");
    jsonw_string(w, q->type);
    jsonw_key(w, "stem");
    jsonw_string(w, q->stem);
    jsonw_key(w, "options");
    jsonw_raw(w, q->options_json); /* a JSON column the program wrote */
    jsonw_key(w, "answer");
    jsonw_string(w, q->answer);
    jsonw_key(w, "explanation");
    jsonw_string(w, q->explanation);
    jsonw_key(w, "source");
    jsonw_string(w, q->source);
    jsonw_key(w, "created_at");
    jsonw_string(w, q->created_at);
    jsonw_key(w, "updated_at");
    jsonw_string(w, q->updated_at);
    jsonw_key(w, "tags");
    jsonw_raw(w, q->tags_json);
    jsonw_key(w, "tag_details");
    jsonw_raw(w, q->tag_details_json); /* the database wrote it from stored rows */
    jsonw_key(w, "review_status");
    jsonw_string(w, q->review_status);
    jsonw_key(w, "version");
    jsonw_int(w, q->version);
    /* what a generated question says of itself, when it says it */
    const struct {
        const char *key, *value;
    } extra[] = {{"format", q->format},
                 {"topic", q->topic},
                 {"term", q->term},
                 {"section", q->section},
                 {"quote", q->quote}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        if (extra[i].value != NULL) {
            jsonw_key(w, extra[i].key);
            jsonw_string(w, extra[i].value);
        }
    }
    if (q->has_difficulty) {
        jsonw_key(w, "difficulty");
        jsonw_double(w, q->difficulty);
    }
    jsonw_object_end(w);
}

void api_questions_list(http_req *req, http_res *res)
{
    api_page pg;
    if (!api_page_read(req, res, QUESTIONS_PAGE_MAX, 50, &pg))
        return;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    question_query q = {
        .tag = http_req_query(req, "tag"),
        .text = http_req_query(req, "q"),
        .material_id = http_req_query(req, "material_id"),
        .review_status = http_req_query(req, "review_status"),
        .limit = (int)pg.limit,
        .offset = (int)pg.offset,
    };
    buf out;
    buf_init(&out, QUESTIONS_BODY_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    api_page_begin(&w);
    size_t count = 0;
    em_error err = {0};
    int rc = questions_list(d, &api_caller_of(req)->who, &q, write_question, &w, &count, &err);
    api_page_end(&w, &pg, -1, count);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}

/* Answer with question {id} as stored now. */
static void respond_question(http_req *req, http_res *res, db *d)
{
    buf out;
    buf_init(&out, QUESTIONS_BODY_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    em_error err = {0};
    int rc = questions_get(d, &api_caller_of(req)->who, http_req_param(req, "id"), write_question, &w, &err);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}

void api_questions_get(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d != NULL)
        respond_question(req, res, d);
}

static const char *const patch_fields[] = {"stem", "options", "answer", "explanation", "tags"};

/* The JSON shape of a PATCH body into *p (values are checked by the bank);
 * false with 422 written. */
static bool read_patch(http_res *res, json_t *body, question_patch *p)
{
    if (!json_is_object(body) || json_object_size(body) == 0) {
        http_res_error(res, 422, "validation_error",
                       "the body must be a JSON object with stem, options, answer, explanation or tags");
        return false;
    }
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val) {
        bool known = false;
        for (size_t i = 0; i < sizeof patch_fields / sizeof patch_fields[0]; i++)
            known = known || strcmp(key, patch_fields[i]) == 0;
        if (!known) {
            http_res_error(res, 422, "validation_error", "unknown field \"%.40s\"", key);
            return false;
        }
    }
    json_t *stem = json_object_get(body, "stem");
    json_t *answer = json_object_get(body, "answer");
    json_t *explanation = json_object_get(body, "explanation");
    if ((stem != NULL && !json_is_string(stem)) || (answer != NULL && !json_is_string(answer) && !json_is_null(answer)) ||
        (explanation != NULL && !json_is_string(explanation) && !json_is_null(explanation))) {
        http_res_error(res, 422, "validation_error",
                       "stem must be a string; answer and explanation strings or null");
        return false;
    }
    p->has_stem = stem != NULL;
    p->stem = json_string_value(stem);
    p->has_answer = answer != NULL;
    p->answer = json_string_value(answer);
    p->has_explanation = explanation != NULL;
    p->explanation = json_string_value(explanation);
    p->options = json_object_get(body, "options");
    p->tags = json_object_get(body, "tags");
    return true;
}

void api_questions_update(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    question_patch p = {0};
    db *d = NULL;
    if (read_patch(res, body, &p) && (d = api_db(req, res)) != NULL) {
        em_error err = {0};
        int rc = questions_update(d, &api_caller_of(req)->who, http_req_param(req, "id"), &p, &err);
        if (rc != EM_OK)
            api_error(res, rc, &err);
        else
            respond_question(req, res, d);
    }
    json_decref(body);
}

void api_questions_confirm_tag(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    em_error err = {0};
    int rc = questions_confirm_tag(d, &api_caller_of(req)->who, http_req_param(req, "id"), http_req_param(req, "tag"),
                                   &err);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        respond_question(req, res, d);
}

/* ---- review ---- */

static const char *const review_fields[] = {"decision", "stem", "options", "answer", "explanation"};

/* The decision of a review body into *decision and, for an edit, its
 * corrections into *p; false after answering 400 (a decision that is not one,
 * an edit without anything to change, a member of the wrong type). */
static bool read_review(http_res *res, json_t *body, question_decision *decision, question_patch *p)
{
    const char *d = json_string_value(json_object_get(body, "decision"));
    if (!json_is_object(body) || d == NULL) {
        http_res_error(res, 400, "invalid_request",
                       "the body must be a JSON object with decision: approve, reject or edit");
        return false;
    }
    if (strcmp(d, "approve") == 0) {
        *decision = QUESTION_APPROVE;
        return true;
    }
    if (strcmp(d, "reject") == 0) {
        *decision = QUESTION_REJECT;
        return true;
    }
    if (strcmp(d, "edit") != 0) {
        http_res_error(res, 400, "invalid_request", "decision must be approve, reject or edit");
        return false;
    }
    *decision = QUESTION_EDIT;
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val) {
        bool known = false;
        for (size_t i = 0; i < sizeof review_fields / sizeof review_fields[0]; i++)
            known = known || strcmp(key, review_fields[i]) == 0;
        if (!known) {
            http_res_error(res, 400, "invalid_request", "unknown field \"%.40s\"", key);
            return false;
        }
    }
    json_t *stem = json_object_get(body, "stem");
    json_t *answer = json_object_get(body, "answer");
    json_t *explanation = json_object_get(body, "explanation");
    json_t *options = json_object_get(body, "options");
    if ((stem != NULL && !json_is_string(stem)) ||
        (answer != NULL && !json_is_string(answer) && !json_is_null(answer)) ||
        (explanation != NULL && !json_is_string(explanation) && !json_is_null(explanation)) ||
        (options != NULL && !json_is_array(options))) {
        http_res_error(res, 400, "invalid_request",
                       "stem must be a string, options an array, answer and explanation strings or null");
        return false;
    }
    if (stem == NULL && answer == NULL && explanation == NULL && options == NULL) {
        http_res_error(res, 400, "invalid_request", "an edit sets stem, options, answer or explanation");
        return false;
    }
    p->has_stem = stem != NULL;
    p->stem = json_string_value(stem);
    p->has_answer = answer != NULL;
    p->answer = json_string_value(answer);
    p->has_explanation = explanation != NULL;
    p->explanation = json_string_value(explanation);
    p->options = options;
    return true;
}

void api_questions_review(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    question_decision decision = QUESTION_APPROVE;
    question_patch p = {0};
    db *d = NULL;
    if (read_review(res, body, &decision, &p) && (d = api_db(req, res)) != NULL) {
        em_error err = {0};
        int rc = questions_review(d, &api_caller_of(req)->who, http_req_param(req, "id"), decision, &p, &err);
        if (rc != EM_OK)
            api_error(res, rc, &err);
        else
            respond_question(req, res, d);
    }
    json_decref(body);
}

/* ---- versions ---- */

static void write_version(void *ctx, const question_version *v)
{
    jsonw *w = ctx;
    jsonw_object_begin(w);
    jsonw_key(w, "version");
    jsonw_int(w, v->version);
    jsonw_key(w, "stem");
    jsonw_string(w, v->stem);
    jsonw_key(w, "options");
    jsonw_raw(w, v->options_json); /* a JSON column the program wrote */
    jsonw_key(w, "answer");
    jsonw_string(w, v->answer);
    jsonw_key(w, "explanation");
    jsonw_string(w, v->explanation);
    jsonw_key(w, "edited_by");
    jsonw_string(w, v->edited_by);
    jsonw_key(w, "edited_at");
    jsonw_string(w, v->edited_at);
    jsonw_object_end(w);
}

void api_questions_versions(http_req *req, http_res *res)
{
    api_page pg;
    if (!api_page_read(req, res, QUESTIONS_PAGE_MAX, 50, &pg))
        return;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    buf out;
    buf_init(&out, QUESTIONS_BODY_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    api_page_begin(&w);
    size_t count = 0;
    em_error err = {0};
    int rc = questions_versions(d, &api_caller_of(req)->who, http_req_param(req, "id"), (int)pg.limit,
                                (int)pg.offset, write_version, &w, &count, &err);
    api_page_end(&w, &pg, -1, count);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}
