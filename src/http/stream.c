/* stream: streaming response bodies (see http.h for the producer's side and
 * http_int.h for the server's).
 *
 * A stream is a bounded byte queue between one producer thread and one
 * connection. The producer copies bytes in (http_stream_write waits while the
 * queue is full); the server's content reader takes them out
 * (http__stream_pull) and, when there is nothing to take, suspends the
 * connection instead of returning "no data" in a busy loop; whoever puts
 * something in next (a write, a heartbeat, the end, a close) resumes it.
 * Suspending and resuming happen under the stream's lock and strictly
 * alternate, so a connection is resumed once per suspension, while it is
 * still alive (libmicrohttpd never drops a suspended connection).
 *
 * Lock order: the watcher's lock, then a stream's, then libmicrohttpd's own
 * (inside MHD_suspend_connection/MHD_resume_connection); libmicrohttpd calls
 * the content reader holding only the response's lock, which nothing of
 * ours takes.
 *
 * A stream of a fake request has no connection: writes are collected in a
 * buffer that tests read, and nothing is ever suspended. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/http.h"
#include "http/http_int.h"

/* The first allocation of a queue; it doubles up to the stream's maximum. */
#define STREAM_QUEUE_FIRST (16 * 1024)
/* What a fake request's stream collects at most. */
#define STREAM_FAKE_MAX (64 * 1024 * 1024)

typedef enum stream_sink {
    SINK_NONE,  /* not connected yet, or the request is over */
    SINK_CONN,  /* a libmicrohttpd connection takes the bytes (http__stream_pull) */
    SINK_FAKE   /* a fake request: writes are collected */
} stream_sink;

struct http_stream {
    pthread_mutex_t mu;
    pthread_cond_t room;       /* a writer waiting for room, or for the close */
    pthread_cond_t ended_cv;   /* fake requests: waiting for http_stream_end */
    int holds;                 /* producer, request, connection; freed at 0 */
    /* the queue: a ring of qsize bytes, growing up to qmax */
    char *q;
    size_t qsize, qmax;
    size_t qhead, qlen;        /* where the oldest byte is, bytes queued */
    atomic_bool closed;        /* the client went away or the server stops: writes fail */
    bool ended, end_ok;        /* http_stream_end was called, and how */
    bool writing;              /* a write waits for room halfway (no heartbeat now) */
    int64_t last_write_us;     /* the last write or heartbeat (monotonic) */
    int heartbeat_ms;          /* 0: none */
    char *heartbeat;           /* owned */
    size_t heartbeat_len;
    uint64_t sent;             /* bytes the connection took */
    /* the consumer */
    stream_sink sink;
    void (*suspend)(void *conn);
    void (*resume)(void *conn);
    void *conn;                /* borrowed: the connection, while SINK_CONN */
    bool suspended;            /* the connection is suspended waiting for bytes */
    buf collected;             /* SINK_FAKE: everything written */
};

/* ---- holds ---- */

static void stream_free(http_stream *s)
{
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->room);
    pthread_cond_destroy(&s->ended_cv);
    free(s->q);
    free(s->heartbeat);
    buf_cleanup(&s->collected);
    free(s);
}

void http__stream_release(http_stream *s)
{
    pthread_mutex_lock(&s->mu);
    assert(s->holds > 0);
    bool last = --s->holds == 0;
    pthread_mutex_unlock(&s->mu);
    if (last)
        stream_free(s);
}

/* ---- the queue (the lock held) ---- */

/* Resume the connection if it waits for bytes (see the file comment). */
static void wake_consumer(http_stream *s)
{
    if (s->suspended) {
        s->suspended = false;
        s->resume(s->conn);
    }
}

/* Append n bytes; the caller made sure qlen + n <= qmax. */
static void queue_put(http_stream *s, const char *p, size_t n)
{
    if (s->qsize - s->qlen < n) {
        size_t size = s->qsize > 0 ? s->qsize : STREAM_QUEUE_FIRST;
        while (size < s->qlen + n)
            size *= 2;
        if (size > s->qmax)
            size = s->qmax;
        char *nq = em_malloc(size);
        /* unwrap what is queued to the start of the new ring */
        size_t first = s->qsize - s->qhead < s->qlen ? s->qsize - s->qhead : s->qlen;
        if (s->qlen > 0) {
            memcpy(nq, s->q + s->qhead, first);
            memcpy(nq + first, s->q, s->qlen - first);
        }
        free(s->q);
        s->q = nq;
        s->qsize = size;
        s->qhead = 0;
    }
    size_t tail = (s->qhead + s->qlen) % s->qsize;
    size_t k = s->qsize - tail < n ? s->qsize - tail : n;
    memcpy(s->q + tail, p, k);
    memcpy(s->q, p + k, n - k);
    s->qlen += n;
}

/* Take n <= qlen bytes into dst. */
static void queue_take(http_stream *s, char *dst, size_t n)
{
    size_t k = s->qsize - s->qhead < n ? s->qsize - s->qhead : n;
    memcpy(dst, s->q + s->qhead, k);
    memcpy(dst + k, s->q, n - k);
    s->qhead = (s->qhead + n) % s->qsize;
    s->qlen -= n;
    if (s->qlen == 0)
        s->qhead = 0;
}

/* ---- the producer's side ---- */

http_stream *http_res_stream(http_req *req, http_res *res, int status, const char *content_type,
                             const http_stream_options *o)
{
    assert(res->stream == NULL);
    if (res->stream != NULL) { /* asserts off: the first stream is replaced, as by any answer */
        http__stream_detach(res->stream);
        http__stream_release(res->stream);
        res->stream = NULL;
    }
    http_stream *s = em_calloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->room, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->ended_cv, &ca);
    pthread_condattr_destroy(&ca);
    s->holds = 2; /* the producer's and the request's */
    atomic_init(&s->closed, false);
    s->qmax = HTTP_STREAM_QUEUE_DEFAULT;
    if (o != NULL && o->queue_bytes > 0) {
        s->qmax = o->queue_bytes;
        if (s->qmax < HTTP_STREAM_QUEUE_MIN)
            s->qmax = HTTP_STREAM_QUEUE_MIN;
        if (s->qmax > HTTP_STREAM_QUEUE_MAX)
            s->qmax = HTTP_STREAM_QUEUE_MAX;
    }
    if (o != NULL && o->heartbeat_ms > 0) {
        const char *hb = o->heartbeat != NULL ? o->heartbeat : HTTP_STREAM_NDJSON_HEARTBEAT;
        s->heartbeat_len = strlen(hb);
        assert(s->heartbeat_len > 0 && s->heartbeat_len <= s->qmax);
        if (s->heartbeat_len > 0 && s->heartbeat_len <= s->qmax) {
            s->heartbeat = em_strdup(hb);
            s->heartbeat_ms = o->heartbeat_ms;
        }
    }
    s->last_write_us = clock_mono_us();
    const http__conn *c = req->conn;
    if (c == NULL || c->mhd == NULL) {
        s->sink = SINK_FAKE;
        buf_init(&s->collected, STREAM_FAKE_MAX);
    }

    /* The response: no body of its own; the stream is the body. */
    free(res->body);
    res->body = NULL;
    res->body_len = 0;
    res->status = status;
    res->content_type = content_type != NULL ? arena_strdup(res->arena, content_type) : NULL;
    res->stream = s;
    /* Reverse proxies (nginx) must pass the bytes on as they come. */
    http__res_header_static(res, "X-Accel-Buffering", "no");
    return s;
}

int http_stream_write(http_stream *s, const void *data, size_t n)
{
    const char *p = data;
    int rc = EM_OK;
    pthread_mutex_lock(&s->mu);
    assert(!s->ended);
    if (s->sink == SINK_FAKE) {
        if (atomic_load(&s->closed))
            rc = EM_E_CANCELED;
        else if (buf_append(&s->collected, p, n) != EM_OK)
            rc = EM_E_TOO_LARGE;
        else
            s->last_write_us = clock_mono_us();
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    while (n > 0) {
        if (atomic_load(&s->closed)) {
            rc = EM_E_CANCELED;
            break;
        }
        size_t room = s->qmax - s->qlen;
        if (room == 0) {
            s->writing = true;
            pthread_cond_wait(&s->room, &s->mu);
            continue;
        }
        size_t k = n < room ? n : room;
        queue_put(s, p, k);
        p += k;
        n -= k;
        s->last_write_us = clock_mono_us();
        wake_consumer(s);
    }
    s->writing = false;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int http_stream_json(http_stream *s, json_t *obj)
{
    buf line;
    buf_init(&line, HTTP_STREAM_JSON_MAX);
    jsonw w;
    jsonw_init(&w, &line);
    if (obj != NULL)
        jsonw_value(&w, obj);
    else
        jsonw_null(&w);
    json_decref(obj);
    int rc = http_stream_jsonw(s, &w);
    buf_cleanup(&line);
    return rc;
}

int http_stream_jsonw(http_stream *s, jsonw *w)
{
    int rc = jsonw_finish(w);
    if (rc == EM_OK)
        rc = buf_append(w->out, "\n", 1);
    if (rc == EM_OK)
        rc = http_stream_write(s, w->out->data, w->out->len);
    buf_reset(w->out);
    jsonw_init(w, w->out);
    return rc;
}

bool http_stream_closed(const http_stream *s)
{
    return atomic_load(&s->closed);
}

void http_stream_end(http_stream *s, bool ok)
{
    pthread_mutex_lock(&s->mu);
    assert(!s->ended);
    s->ended = true;
    s->end_ok = ok;
    wake_consumer(s);
    pthread_cond_broadcast(&s->ended_cv);
    pthread_mutex_unlock(&s->mu);
    http__stream_release(s); /* the producer's hold */
}

/* ---- the server's side ---- */

void http__stream_attach(http_stream *s, void (*suspend)(void *conn), void (*resume)(void *conn), void *conn)
{
    pthread_mutex_lock(&s->mu);
    assert(s->sink == SINK_NONE);
    s->sink = SINK_CONN;
    s->suspend = suspend;
    s->resume = resume;
    s->conn = conn;
    s->holds++; /* the connection's */
    pthread_mutex_unlock(&s->mu);
}

long http__stream_pull(http_stream *s, char *dst, size_t max)
{
    long r;
    pthread_mutex_lock(&s->mu);
    assert(s->sink == SINK_CONN && !s->suspended);
    s->suspended = false; /* libmicrohttpd calls the reader only on a running connection */
    if (atomic_load(&s->closed)) {
        r = HTTP__PULL_ABORT;
    } else if (s->qlen > 0) {
        size_t k = s->qlen < max ? s->qlen : max;
        queue_take(s, dst, k);
        s->sent += k;
        pthread_cond_broadcast(&s->room);
        r = (long)k;
    } else if (s->ended) {
        r = s->end_ok ? HTTP__PULL_END : HTTP__PULL_ABORT;
    } else {
        /* Nothing to send: park the connection until something arrives. */
        s->suspended = true;
        s->suspend(s->conn);
        r = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return r;
}

void http__stream_close(http_stream *s)
{
    pthread_mutex_lock(&s->mu);
    atomic_store(&s->closed, true);
    pthread_cond_broadcast(&s->room);
    if (s->sink == SINK_CONN)
        wake_consumer(s); /* the reader then cuts the connection */
    pthread_mutex_unlock(&s->mu);
}

void http__stream_detach(http_stream *s)
{
    pthread_mutex_lock(&s->mu);
    /* libmicrohttpd reports a request over only for a connection that is not
     * suspended; a suspended one here would be resumed by nobody. */
    assert(!s->suspended);
    atomic_store(&s->closed, true);
    pthread_cond_broadcast(&s->room);
    if (s->sink == SINK_CONN) {
        s->sink = SINK_NONE;
        s->conn = NULL;
    }
    pthread_mutex_unlock(&s->mu);
}

uint64_t http__stream_sent(http_stream *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t n = s->sink == SINK_FAKE ? s->collected.len : s->sent;
    pthread_mutex_unlock(&s->mu);
    return n;
}

int64_t http__stream_heartbeat_due(http_stream *s)
{
    pthread_mutex_lock(&s->mu);
    int64_t due = -1;
    if (s->heartbeat_ms > 0 && !s->ended && !atomic_load(&s->closed))
        due = s->last_write_us + (int64_t)s->heartbeat_ms * 1000;
    pthread_mutex_unlock(&s->mu);
    return due;
}

void http__stream_heartbeat(http_stream *s, int64_t now_us)
{
    pthread_mutex_lock(&s->mu);
    if (s->heartbeat_ms > 0 && !s->ended && !atomic_load(&s->closed) &&
        now_us - s->last_write_us >= (int64_t)s->heartbeat_ms * 1000) {
        /* Bytes still waiting to be sent keep the connection busy already;
         * a writer halfway through a write must not see a heartbeat inside
         * its bytes. */
        if (s->qlen == 0 && !s->writing && s->sink == SINK_CONN) {
            queue_put(s, s->heartbeat, s->heartbeat_len);
            wake_consumer(s);
        }
        s->last_write_us = now_us;
    }
    pthread_mutex_unlock(&s->mu);
}

/* ---- fake requests ---- */

int http__stream_wait_end(http_stream *s, int timeout_ms, bool *ok)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (!s->ended) {
        if (pthread_cond_timedwait(&s->ended_cv, &s->mu, &deadline) != 0 && !s->ended)
            break; /* timed out */
    }
    bool ended = s->ended;
    if (ok != NULL)
        *ok = ended && s->end_ok;
    pthread_mutex_unlock(&s->mu);
    return ended ? EM_OK : EM_E_TIMEOUT;
}

const char *http__stream_collected(http_stream *s, arena *a, size_t *len)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->collected.len;
    char *copy = arena_alloc(a, n + 1);
    if (n > 0)
        memcpy(copy, s->collected.data, n);
    copy[n] = '\0';
    pthread_mutex_unlock(&s->mu);
    if (len != NULL)
        *len = n;
    return copy;
}
