/* Study sessions: create, list, detail (with topics and their mastery),
 * change, delete, and the chat history, over study/sessions.h and
 * study/chat.h. The study area applies the one rule: the owner changes a
 * session; the owner, the owner's tutors and admins read it; everyone else
 * gets the 404 of a session that does not exist. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "content/topics.h"
#include "core/jsonw.h"
#include "study/chat.h"
#include "study/plans.h"
#include "study/sessions.h"

#define SESSIONS_DEFAULT_LIMIT 20
#define CHAT_DEFAULT_LIMIT 50
#define SESSION_JSON_MAX (4 * 1024 * 1024) /* a session's own fields */
/* Its topics: at most SESSION_MATERIALS_MAX materials of TOPICS_MAX topics
 * each, an object of ids, numbers and a name of TOPICS_NAME_MAX bytes (six
 * bytes a byte escaped, at worst). 200 textbooks of 400 sections make a text
 * far past the session's own 4 MB, and must still be answered. */
#define SESSION_TOPIC_JSON_MAX (6 * TOPICS_NAME_MAX + 256)
#define SESSION_TOPICS_JSON_MAX ((size_t)SESSION_MATERIALS_MAX * TOPICS_MAX * SESSION_TOPIC_JSON_MAX)
/* CHAT_PAGE_MAX messages of at most CHAT_TEXT_MAX bytes, escaped, and citations */
#define CHAT_JSON_MAX (128 * 1024 * 1024)

/* ---- JSON ---- */

static void session_fields(jsonw *w, const session *s)
{
    jsonw_key(w, "id");
    jsonw_string(w, s->id);
    jsonw_key(w, "user_id");
    jsonw_string(w, s->user_id);
    jsonw_key(w, "title");
    jsonw_string(w, s->title);
    jsonw_key(w, "exam_type");
    jsonw_string(w, s->exam_type);
    jsonw_key(w, "exam_date");
    jsonw_string(w, s->exam_date[0] ? s->exam_date : NULL);
    jsonw_key(w, "daily_minutes");
    jsonw_int(w, s->daily_minutes);
    jsonw_key(w, "study_days");
    jsonw_array_begin(w);
    for (int k = 1; k <= 7; k++) { /* Monday first */
        int day = k % 7;
        if (s->study_days & (1u << day))
            jsonw_string(w, session_weekday_name(day));
    }
    jsonw_array_end(w);
    jsonw_key(w, "free_dates");
    jsonw_raw(w, s->free_dates_json != NULL ? s->free_dates_json : "[]");
    jsonw_key(w, "material_ids");
    jsonw_array_begin(w);
    for (size_t i = 0; i < s->n_materials; i++)
        jsonw_string(w, s->material_ids[i]);
    jsonw_array_end(w);
    jsonw_key(w, "created_at");
    jsonw_string(w, s->created_at);
    jsonw_key(w, "updated_at");
    jsonw_string(w, s->updated_at);
    jsonw_key(w, "plan_id");
    jsonw_string(w, s->plan_id[0] ? s->plan_id : NULL);
}

/* What GET /api/sessions/{id}?include=plan adds: the current plan, or none. */
typedef struct plan_part {
    bool asked;
    const plan_record *plan; /* NULL: no plan yet */
} plan_part;

/* Answer one session (and its topics' JSON array text, when given; and its
 * current plan when asked). */
static void respond_session(http_res *res, int status, const session *s, const char *topics_json,
                            const plan_part *with)
{
    buf out;
    buf_init(&out, SESSION_JSON_MAX + (topics_json != NULL ? strlen(topics_json) : 0) +
                       (with != NULL && with->asked ? 2 * PLANS_JSON_MAX + 64 : 0));
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    session_fields(&w, s);
    if (topics_json != NULL) {
        jsonw_key(&w, "topics");
        jsonw_raw(&w, topics_json);
    }
    if (with != NULL && with->asked) {
        /* as GET /api/sessions/{id}/plan answers it, null before the first */
        jsonw_key(&w, "current_plan");
        if (with->plan == NULL) {
            jsonw_null(&w);
        } else {
            jsonw_object_begin(&w);
            jsonw_key(&w, "plan");
            jsonw_raw(&w, with->plan->plan_json);
            jsonw_key(&w, "verification");
            jsonw_raw(&w, with->plan->report_json);
            jsonw_object_end(&w);
        }
    }
    jsonw_object_end(&w);
    http_res_jsonw(res, status, &w);
    buf_cleanup(&out);
}

static void write_topic(void *ctx, const session_topic *t)
{
    jsonw *w = ctx;
    jsonw_object_begin(w);
    jsonw_key(w, "id");
    jsonw_string(w, t->topic_id[0] ? t->topic_id : NULL);
    jsonw_key(w, "name");
    jsonw_string(w, t->name);
    jsonw_key(w, "material_id");
    jsonw_string(w, t->material_id);
    jsonw_key(w, "source");
    jsonw_string(w, t->source);
    jsonw_key(w, "words");
    jsonw_int(w, t->words);
    jsonw_key(w, "mastery");
    jsonw_double(w, t->mastery);
    jsonw_object_end(w);
}

/* ---- handlers ---- */

void api_sessions_create(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    db *d = api_db(req, res);
    if (d != NULL) {
        session s;
        em_error err = {0};
        int rc = session_create(d, &api_caller_of(req)->who, body, &s, &err);
        if (rc != EM_OK) {
            api_error(res, rc, &err);
        } else {
            respond_session(res, 201, &s, NULL, NULL);
            session_cleanup(&s);
        }
    }
    json_decref(body);
}

void api_sessions_list(http_req *req, http_res *res)
{
    const api_caller *me = api_caller_of(req);
    const char *owner = http_req_query(req, "user_id");
    api_page pg;
    if (!api_page_read(req, res, SESSION_PAGE_MAX, SESSIONS_DEFAULT_LIMIT, &pg))
        return;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    session *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    em_error err = {0};
    int rc = session_list(d, &me->who, owner != NULL ? owner : me->who.user_id, (int)pg.limit, (int)pg.offset,
                          &items, &n, &total, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    buf out;
    buf_init(&out, SESSION_JSON_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    api_page_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jsonw_object_begin(&w);
        session_fields(&w, &items[i]);
        jsonw_object_end(&w);
        session_cleanup(&items[i]);
    }
    free(items);
    api_page_end(&w, &pg, total, n);
    http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}

void api_sessions_get(http_req *req, http_res *res)
{
    const char *include = http_req_query(req, "include");
    if (include != NULL && strcmp(include, "plan") != 0) {
        http_res_error(res, 400, "invalid_request", "include must be plan");
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    /* The topics go into a text of their own while the session is read. */
    buf topics;
    buf_init(&topics, SESSION_TOPICS_JSON_MAX);
    jsonw tw;
    jsonw_init(&tw, &topics);
    jsonw_array_begin(&tw);
    session s;
    em_error err = {0};
    int rc = session_get(d, &api_caller_of(req)->who, http_req_param(req, "id"), &s, write_topic, &tw, &err);
    jsonw_array_end(&tw);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
    } else if (jsonw_finish(&tw) != EM_OK) {
        http_res_error(res, 500, "internal", "the session is too large to answer");
        session_cleanup(&s);
    } else {
        plan_record r = {0};
        plan_part part = {.asked = include != NULL};
        if (part.asked) {
            rc = plans_latest(d, &api_caller_of(req)->who, s.id, &r, &err);
            part.plan = rc == EM_OK ? &r : NULL;
            rc = rc == EM_E_NOT_FOUND ? EM_OK : rc;
        }
        if (rc != EM_OK)
            api_error(res, rc, &err);
        else
            respond_session(res, 200, &s, topics.data, &part);
        plan_record_cleanup(&r);
        session_cleanup(&s);
    }
    buf_cleanup(&topics);
}

void api_sessions_update(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    db *d = api_db(req, res);
    if (d != NULL) {
        session s;
        em_error err = {0};
        int rc = session_update(d, &api_caller_of(req)->who, http_req_param(req, "id"), body, &s, &err);
        if (rc != EM_OK) {
            api_error(res, rc, &err);
        } else {
            respond_session(res, 200, &s, NULL, NULL);
            session_cleanup(&s);
        }
    }
    json_decref(body);
}

void api_sessions_delete(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    em_error err = {0};
    int rc = session_delete(d, &api_caller_of(req)->who, http_req_param(req, "id"), &err);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_body(res, 204, NULL, NULL, 0);
}

/* ---- GET /api/sessions/{id}/chat ---- */

typedef struct chat_page {
    jsonw *w;
    char first[37]; /* the oldest message of the page: the next page's `before` */
} chat_page;

static void write_message(void *ctx, const chat_message *m)
{
    chat_page *p = ctx;
    jsonw *w = p->w;
    if (p->first[0] == '\0')
        snprintf(p->first, sizeof p->first, "%s", m->id);
    jsonw_object_begin(w);
    jsonw_key(w, "id");
    jsonw_string(w, m->id);
    jsonw_key(w, "role");
    jsonw_string(w, m->role);
    jsonw_key(w, "content");
    jsonw_string(w, m->content);
    jsonw_key(w, "citations");
    jsonw_raw(w, m->citations_json != NULL ? m->citations_json : "[]");
    jsonw_key(w, "answerable");
    jsonw_bool(w, m->answerable);
    jsonw_key(w, "created_at");
    jsonw_string(w, m->created_at);
    jsonw_object_end(w);
}

void api_sessions_chat(http_req *req, http_res *res)
{
    long limit = api_query_long(req, "limit", 1, CHAT_PAGE_MAX, CHAT_DEFAULT_LIMIT);
    if (limit < 0) {
        http_res_error(res, 400, "invalid_request", "limit must be a whole number from 1 to %d",
                       CHAT_PAGE_MAX);
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    buf out;
    buf_init(&out, CHAT_JSON_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_object_begin(&w);
    jsonw_key(&w, "items");
    jsonw_array_begin(&w);
    chat_page page = {.w = &w};
    size_t count = 0;
    bool more = false;
    em_error err = {0};
    int rc = chat_list(d, &api_caller_of(req)->who, http_req_param(req, "id"), (int)limit,
                       http_req_query(req, "before"), write_message, &page, &count, &more, &err);
    jsonw_array_end(&w);
    jsonw_key(&w, "count");
    jsonw_int(&w, (int64_t)count);
    jsonw_key(&w, "has_more");
    jsonw_bool(&w, more);
    jsonw_key(&w, "next_before");
    jsonw_string(&w, more ? page.first : NULL);
    jsonw_object_end(&w);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_jsonw(res, 200, &w);
    buf_cleanup(&out);
}
