/* POST /api/tutor/stream and POST /api/tutor/explain: questions to the tutor
 * about the caller's own materials (tutor/tutor.h).
 *
 * Both take {"question": "..."} or {"topic": "..."} (exactly one, at most
 * 2,000 bytes), with optional "session_id" and "material_ids". The stream
 * answers 200 application/x-ndjson at once with a "start" line, written
 * before any database read, and queues the work for the producer threads
 * (api_tutor below), so no I/O thread waits on retrieval; "delta" and
 * "citation" lines follow as the provider writes them, then "done" (or
 * "error"). The explain route gives the same answer as one document: it runs
 * the same use case with a sink that collects, so its answer is the stream's
 * deltas put together. The body is checked before the stream starts (400);
 * what needs the database (a session or a material that is not the caller's,
 * a material not ready) comes after the start line, as an "error" line with
 * the code the explain route answers as its status. docs/internals/llm.md has the protocol. */
#include "api/api.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/inflight.h"
#include "core/log.h"
#include "core/mem.h"
#include "materials/passages.h"
#include "tutor/tutor.h"

#define TUTOR_HEARTBEAT_MS 10000
#define TUTOR_EXPLAIN_MAX (TUTOR_ANSWER_MAX * 4)

/* One question, copied out of the request (a producer outlives it). */
typedef struct ask {
    api_ctx *ctx;
    principal who;
    char request_id[HTTP_REQUEST_ID_MAX + 1];
    char *text;
    size_t len;
    bool topic;
    char *session_id;
    char **ids;
    size_t n_ids;
    http_stream *stream;
    int64_t t0_us;
    bool gated; /* counted in ctx->tutor_gate: let go when the ask is freed */
} ask;

static void ask_free(ask *a)
{
    if (a == NULL)
        return;
    if (a->gated)
        inflight_leave(a->ctx->tutor_gate, a->who.user_id);
    free(a->text);
    free(a->session_id);
    for (size_t i = 0; i < a->n_ids; i++)
        free(a->ids[i]);
    free(a->ids);
    free(a);
}

/* ---- the producers ----
 *
 * A fixed set of threads, started with the first stream, takes the streams
 * from a bounded queue: a flood of questions neither starts threads without
 * end nor opens a database connection per question (each thread keeps its
 * own from the pool until it exits). */
struct api_tutor {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a stream was queued, or stopping */
    dbpool *db;          /* the threads' connections are released at exit */
    pthread_t *threads;
    int n_threads, started;
    ask **queue; /* a ring of cap entries */
    size_t head, count, cap;
    size_t busy; /* streams being produced */
    bool stopping;
};

static void produce(ask *a);

static void *producer_main(void *arg)
{
    api_tutor *t = arg;
    for (;;) {
        pthread_mutex_lock(&t->lock);
        while (t->count == 0 && !t->stopping)
            pthread_cond_wait(&t->work, &t->lock);
        if (t->count == 0) { /* stopping, and the queue is drained */
            pthread_mutex_unlock(&t->lock);
            break;
        }
        ask *a = t->queue[t->head];
        t->head = (t->head + 1) % t->cap;
        t->count--;
        t->busy++;
        pthread_mutex_unlock(&t->lock);
        produce(a);
        pthread_mutex_lock(&t->lock);
        t->busy--;
        pthread_mutex_unlock(&t->lock);
    }
    dbpool_release(t->db);
    return NULL;
}

api_tutor *api_tutor_new(dbpool *pool, int threads, int max_streams)
{
    api_tutor *t = em_calloc(1, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->work, NULL);
    t->db = pool;
    t->n_threads = threads > 0 ? threads : 1;
    t->threads = em_calloc((size_t)t->n_threads, sizeof *t->threads);
    t->cap = max_streams > 0 ? (size_t)max_streams : 1;
    t->queue = em_calloc(t->cap, sizeof *t->queue);
    return t;
}

void api_tutor_free(api_tutor *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_broadcast(&t->work);
    pthread_mutex_unlock(&t->lock);
    for (int i = 0; i < t->started; i++)
        pthread_join(t->threads[i], NULL);
    pthread_cond_destroy(&t->work);
    pthread_mutex_destroy(&t->lock);
    free(t->queue);
    free(t->threads);
    free(t);
}

/* Queue a for a producer: false when the queue is full (or no producer
 * could start), and then a is still the caller's. */
static bool producer_submit(api_tutor *t, ask *a)
{
    pthread_mutex_lock(&t->lock);
    while (t->started < t->n_threads && !t->stopping) {
        if (pthread_create(&t->threads[t->started], NULL, producer_main, t) != 0)
            break;
        t->started++;
    }
    bool ok = t->started > 0 && !t->stopping && t->count + t->busy < t->cap;
    if (ok) {
        t->queue[(t->head + t->count) % t->cap] = a;
        t->count++;
        pthread_cond_signal(&t->work);
    }
    pthread_mutex_unlock(&t->lock);
    return ok;
}

/* The body as an ask, or a 400 written and NULL. */
static ask *parse(http_req *req, http_res *res)
{
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return NULL;
    ask *a = NULL;
    const char *bad = NULL;
    json_t *q = json_object_get(body, "question"), *t = json_object_get(body, "topic");
    json_t *sid = json_object_get(body, "session_id"), *ids = json_object_get(body, "material_ids");
    if (!json_is_object(body))
        bad = "the body must be a JSON object";
    else if ((q == NULL) == (t == NULL))
        bad = "give either question or topic";
    else if (!json_is_string(q != NULL ? q : t))
        bad = q != NULL ? "question must be a string" : "topic must be a string";
    else if (sid != NULL && !json_is_null(sid) && !json_is_string(sid))
        bad = "session_id must be a string";
    else if (ids != NULL && !json_is_null(ids) && !json_is_array(ids))
        bad = "material_ids must be an array of material ids";
    for (size_t i = 0; bad == NULL && json_is_array(ids) && i < json_array_size(ids); i++)
        if (!json_is_string(json_array_get(ids, i)))
            bad = "material_ids must be an array of material ids";
    if (bad != NULL) {
        http_res_error(res, 400, "invalid_request", "%s", bad);
        goto done;
    }
    json_t *text = q != NULL ? q : t;
    tutor_request rq = {.text = json_string_value(text),
                        .len = json_string_length(text),
                        .topic = t != NULL,
                        .n_material_ids = json_is_array(ids) ? json_array_size(ids) : 0};
    em_error err = {0};
    if (tutor_request_check(&rq, &err) != EM_OK) {
        http_res_error(res, 400, "invalid_request", "%s", err.msg);
        goto done;
    }
    a = em_calloc(1, sizeof *a);
    a->ctx = req->ctx;
    a->who = api_caller_of(req)->who;
    snprintf(a->request_id, sizeof a->request_id, "%s", req->request_id);
    a->text = em_malloc(rq.len + 1);
    memcpy(a->text, rq.text, rq.len + 1);
    a->len = rq.len;
    a->topic = rq.topic;
    a->session_id = json_is_string(sid) ? em_strdup(json_string_value(sid)) : NULL;
    a->n_ids = rq.n_material_ids;
    a->ids = em_calloc(a->n_ids > 0 ? a->n_ids : 1, sizeof *a->ids);
    for (size_t i = 0; i < a->n_ids; i++)
        a->ids[i] = em_strdup(json_string_value(json_array_get(ids, i)));
    a->t0_us = clock_mono_us();
done:
    json_decref(body);
    return a;
}

/* The use case for a, through sink, on the calling thread's connection. */
static int run(ask *a, const llm_sink *sink, llm_explain_result *out, em_error *err)
{
    db *d = NULL;
    int rc = dbpool_get(a->ctx->db, &d, err);
    if (rc != EM_OK)
        return rc;
    tutor_env env = {.llm = a->ctx->llm, .cache = a->ctx->passages};
    tutor_request rq = {
        .text = a->text,
        .len = a->len,
        .topic = a->topic,
        .session_id = a->session_id,
        .material_ids = (const char *const *)a->ids,
        .n_material_ids = a->n_ids,
    };
    return tutor_ask(d, &env, &a->who, &rq, sink, out, err);
}

/* A citation's fields (after "type" when the stream writes it). */
static void citation_fields(json_t *o, const llm_citation *c)
{
    json_object_set_new(o, "n", json_integer(c->n));
    json_object_set_new(o, "material_id", json_string(c->material_id));
    json_object_set_new(o, "material_title", json_string(c->material_title));
    json_object_set_new(o, "section", c->section != NULL ? json_string(c->section) : json_null());
    json_object_set_new(o, "page_start", json_integer(c->page_start));
    json_object_set_new(o, "page_end", json_integer(c->page_end));
    json_object_set_new(o, "position", json_integer(c->position));
    json_object_set_new(o, "quote", json_string(c->quote));
}

static json_t *timings(const llm_explain_result *r, int64_t t0_us)
{
    return json_pack("{s:f, s:f, s:f}", "retrieval_ms", r->retrieval_ms, "answer_ms", r->answer_ms,
                     "total_ms", (double)(clock_mono_us() - t0_us) / 1000.0);
}

/* ---- the stream ---- */

static bool stream_delta(void *ctx, const char *text, size_t len)
{
    http_stream *s = ctx;
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("delta"));
    json_object_set_new(o, "text", json_stringn(text, len));
    return http_stream_json(s, o) != EM_OK || http_stream_closed(s);
}

static bool stream_citation(void *ctx, const llm_citation *c)
{
    http_stream *s = ctx;
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("citation"));
    citation_fields(o, c);
    return http_stream_json(s, o) != EM_OK || http_stream_closed(s);
}

/* Answer one stream, on a producer thread. */
static void produce(ask *a)
{
    http_stream *s = a->stream;
    llm_sink sink = {.on_delta = stream_delta, .on_citation = stream_citation, .ctx = s};
    llm_explain_result r;
    em_error err = {0};
    int rc = http_stream_closed(s) ? EM_E_CANCELED : run(a, &sink, &r, &err);
    bool ok = true;
    if (rc == EM_OK) {
        json_t *done = json_object();
        json_object_set_new(done, "type", json_string("done"));
        json_object_set_new(done, "answerable", json_boolean(r.answerable));
        json_object_set_new(done, "timings", timings(&r, a->t0_us));
        ok = http_stream_json(s, done) == EM_OK;
    } else if (rc == EM_E_CANCELED || http_stream_closed(s)) {
        ok = false;
    } else {
        json_t *e = json_pack("{s:s, s:{s:s, s:s}}", "type", "error", "error", "code",
                              api_error_code(rc, &err), "message", err.msg[0] ? err.msg : em_strerror(rc));
        ok = http_stream_json(s, e) == EM_OK;
        if (http_status_for(rc, NULL) >= 500)
            log_msg(LOG_WARN, "tutor stream %s failed: %s", a->request_id,
                    err.msg[0] ? err.msg : em_strerror(rc));
    }
    ask_free(a); /* first: the account's place is free once the client sees the end */
    http_stream_end(s, ok);
}

/* Count a against its account's answers at once (TUTOR_STREAMS_PER_USER,
 * streams and explanations): false, with the 429 written and a freed, when
 * the account has that many under way. One account then cannot fill the
 * producers' queue and keep every other student's question waiting. */
static bool gate(ask *a, http_res *res)
{
    a->gated = inflight_enter(a->ctx->tutor_gate, a->who.user_id);
    if (!a->gated) {
        ask_free(a);
        http_res_header(res, "Retry-After", "1");
        http_res_error(res, 429, "rate_limited",
                       "you have questions to the tutor under way; ask again when one is answered");
        return false;
    }
    return true;
}

void api_tutor_stream(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    ask *a = parse(req, res);
    if (a == NULL || !gate(a, res))
        return;
    /* a session that is not the caller's is refused before the stream starts */
    db *d = NULL;
    em_error err = {0};
    int rc = dbpool_get(c->db, &d, &err);
    if (rc == EM_OK)
        rc = tutor_session_check(d, &a->who, a->session_id, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        ask_free(a);
        return;
    }
    http_stream_options o = {.heartbeat_ms = TUTOR_HEARTBEAT_MS};
    a->stream = http_res_stream(req, res, 200, "application/x-ndjson", &o);
    (void)http_stream_json(a->stream, json_pack("{s:s, s:s, s:s}", "type", "start", "engine", c->llm->name,
                                                "request_id", req->request_id));
    http_stream *s = a->stream;
    if (!producer_submit(c->tutor, a)) {
        ask_free(a);
        http_stream_end(s, false);
        /* Replaces the stream: nothing of it was sent yet. */
        http_res_header(res, "Retry-After", "1");
        http_res_error(res, 503, "busy", "too many questions at once; try again in a moment");
    }
}

/* ---- one document ---- */

typedef struct collect {
    buf answer;
    json_t *citations;
} collect;

static bool collect_delta(void *ctx, const char *text, size_t len)
{
    collect *k = ctx;
    return buf_append(&k->answer, text, len) != EM_OK;
}

static bool collect_citation(void *ctx, const llm_citation *c)
{
    collect *k = ctx;
    json_t *o = json_object();
    citation_fields(o, c);
    json_array_append_new(k->citations, o);
    return false;
}

void api_tutor_explain(http_req *req, http_res *res)
{
    ask *a = parse(req, res);
    if (a == NULL || !gate(a, res))
        return;
    collect k = {.citations = json_array()};
    buf_init(&k.answer, TUTOR_EXPLAIN_MAX);
    llm_sink sink = {.on_delta = collect_delta, .on_citation = collect_citation, .ctx = &k};
    llm_explain_result r;
    em_error err = {0};
    int rc = run(a, &sink, &r, &err);
    if (rc == EM_OK) {
        json_t *o = json_object();
        json_object_set_new(o, "answer", json_string(k.answer.data != NULL ? k.answer.data : ""));
        json_object_set_new(o, "citations", json_incref(k.citations));
        json_object_set_new(o, "answerable", json_boolean(r.answerable));
        json_object_set_new(o, "engine", json_string(r.engine));
        json_object_set_new(o, "timings", timings(&r, a->t0_us));
        http_res_json(res, 200, o);
    } else {
        api_error(res, rc, &err);
    }
    json_decref(k.citations);
    buf_cleanup(&k.answer);
    ask_free(a);
}
