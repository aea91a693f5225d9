/* server: the libmicrohttpd glue. Everything that touches <microhttpd.h> lives
 * here (and the header lookup in request.c).
 *
 * The life of one request, in libmicrohttpd's callbacks:
 *   on_uri        (URI log callback, once per request, before headers): make the
 *                 request context and its arena, split path and query from the
 *                 raw URI, count the request as in flight;
 *   on_access #1  (headers read): method, request id, thread-exit hook, the
 *                 body's framing (400/501 at once when ambiguous), the
 *                 body limit (max_body, or max_upload for ROUTE_UPLOAD routes;
 *                 413 right away on a too large Content-Length,
 *                 without reading the body; the connection then closes);
 *                 a ROUTE_UPLOAD body gets its spool file;
 *   on_access #n  (body pieces): append within the limit, to memory or to
 *                 the spool file; a chunked body that goes past it is
 *                 dropped from there on and answered 413;
 *   on_access end (body complete, or no body): run the pipeline (pipeline.c)
 *                 and queue the response;
 *   on_completed  (response sent, or connection gone): access-log line, free
 *                 the context, in flight - 1.
 * The response body handed to libmicrohttpd is the malloc'd one the handler
 * built (MHD_RESPMEM_MUST_FREE: no copy), or, for a stream, a content reader
 * over the stream's queue (stream.c) that suspends the connection while the
 * queue is empty; the stream watcher (watch.c) sees clients go away and sends
 * heartbeats meanwhile. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/http_int.h"

/* Idle or slow connections are closed after this many seconds. */
#define SERVER_CONNECTION_TIMEOUT_S 30
/* libmicrohttpd 0.9.75 cannot queue a response while it is reading a body, so
 * a chunked body past max_body is read and dropped until it ends, then 413 is
 * sent; past this many dropped bytes the connection is closed instead. */
#define SERVER_DISCARD_MAX (1024 * 1024)
/* libmicrohttpd's messages: one text at most once per this many seconds. */
#define SERVER_MHD_LOG_REPEAT_S 10
/* How often http_server_stop looks at the in-flight count. */
#define SERVER_DRAIN_POLL_MS 5
/* Bytes libmicrohttpd asks a stream for at a time when it cannot use
 * chunked encoding (HTTP/1.0 clients); with chunked encoding it asks for what
 * fits its write buffer. */
#define SERVER_STREAM_BLOCK (8 * 1024)

/* The pool that runs ROUTE_SLOW requests off the I/O threads. */
typedef struct slow_pool {
    pthread_t *threads;
    int n;
    pthread_mutex_t mu;         /* guards the queue and `stop` */
    pthread_cond_t ready;
    struct reqctx *head, *tail; /* queued requests, oldest first */
    bool stop;                  /* finish the queue, then exit */
} slow_pool;

struct http_server {
    struct MHD_Daemon *daemon;
    slow_pool slow;
    http__watch *watch;         /* the streams' disconnect and heartbeat watcher */
    http_server_options opts;   /* copy; the pointers in it stay borrowed */
    const http_site *site;      /* opts.site */
    int port;                   /* the bound port */
    atomic_int inflight;        /* requests between on_uri and on_completed */
    atomic_bool stopping;       /* set by http_server_stop: answer with Connection: close */
    pthread_key_t thread_key;   /* marks pool threads that served a request */
    bool has_thread_key;
    char spool_dir[HTTP_SPOOL_DIR_MAX]; /* where ROUTE_UPLOAD bodies are spooled */
    http_server_limits limits;  /* connections in all, per address (limits.c) */
    /* libmicrohttpd's messages: the same text is logged at most once per
     * SERVER_MHD_LOG_REPEAT_S, with the number left out (a client refused
     * thousands of times a second must not flood the log). */
    pthread_mutex_t log_mu;
    char log_last[512];         /* the last message logged */
    int64_t log_last_us;        /* when (monotonic) */
    unsigned log_repeats;       /* times it came again since, not logged */
};

/* Everything one request owns; allocated in its own arena. */
typedef struct reqctx {
    arena *arena;           /* owned: freed in on_completed */
    http_req req;
    http_res res;
    http__conn conn;
    int64_t start_us;       /* monotonic time of the request line */
    bool started;           /* on_access has run once */
    bool responded;         /* a response is queued */
    int status;             /* what was queued (0: none) */
    uint64_t bytes;         /* body bytes of the response */
    /* The request body grows as it arrives (memory is committed only for what
     * was received), capped at max_body or at the declared Content-Length. */
    buf body;               /* owned: buf_cleanup in on_completed */
    bool too_large;         /* the body went past its limit: 413 once it ends */
    size_t body_limit;      /* max_body, or max_upload for an upload route */
    size_t discarded;       /* bytes dropped since */
    /* A ROUTE_UPLOAD body goes to an unlinked temporary file as it arrives
     * instead (req->body_fd), within the same limit. */
    int spool_fd;           /* owned: closed in on_completed; -1 when not spooling */
    size_t spool_len;       /* bytes written to it */
    size_t spool_max;       /* the limit: body_limit, or the declared Content-Length */
    bool spool_failed;      /* a write failed (disk full): 503 once the body ends */
    /* A ROUTE_SLOW request: its connection is suspended while the slow pool
     * runs the pipeline, then resumed to send the answer. */
    struct MHD_Connection *mhd;
    struct reqctx *slow_next; /* the slow pool's queue link */
    bool offloaded;
    atomic_bool slow_done;  /* the pool has filled res (release/acquire) */
    /* A streamed response: its connection's socket is watched until the
     * request ends. */
    http__watch_entry *watched;
    /* The connection's request deadlines (NULL: none); it belongs to the
     * connection, which outlives the request. */
    http__watch_conn *deadline;
} reqctx;

/* ---- per-thread exit hook ---- */

/* libmicrohttpd has no thread-exit callback, so a pthread key does it: the
 * first request a pool thread serves stores the server in the key, and the
 * key's destructor runs when that thread exits (inside MHD_stop_daemon, which
 * joins the pool threads before returning). */
static void thread_exit_hook(void *value)
{
    http_server *s = value;
    s->opts.on_thread_exit(s->site->ctx);
}

static void mark_thread(http_server *s)
{
    if (s->has_thread_key && pthread_getspecific(s->thread_key) == NULL)
        pthread_setspecific(s->thread_key, s);
}

/* ---- request context ---- */

static reqctx *ctx_new(http_server *s, struct MHD_Connection *c, const char *uri)
{
    arena *a = arena_new(0);
    reqctx *rc = arena_calloc(a, sizeof *rc);
    rc->arena = a;
    rc->start_us = clock_mono_us();
    if (uri == NULL)
        uri = "";
    size_t ulen = strlen(uri);
    const char *q = memchr(uri, '?', ulen);
    size_t plen = q != NULL ? (size_t)(q - uri) : ulen;

    http__conn_init(&rc->conn);
    rc->conn.mhd = c;
    /* The peer is kept as text for http_req_client_ip (rate limits, logs). */
    const union MHD_ConnectionInfo *ci =
        c != NULL ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    http__peer_format(ci != NULL ? ci->client_addr : NULL, rc->conn.peer);
    rc->conn.trust_proxy = s->opts.trust_proxy;
    if (q != NULL) {
        rc->conn.query_len = ulen - plen - 1;
        rc->conn.query = arena_strndup(a, q + 1, rc->conn.query_len);
    }
    rc->req.method = "";
    rc->req.path = arena_strndup(a, uri, plen);
    rc->req.arena = a;
    rc->req.body = "";
    rc->req.body_len = 0;
    rc->req.body_fd = -1;
    rc->spool_fd = -1;
    rc->req.ctx = s->site->ctx;
    rc->req.conn = &rc->conn;
    buf_init(&rc->body, 0);
    http__res_init(&rc->res, a);
    const union MHD_ConnectionInfo *sc =
        c != NULL ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    rc->deadline = sc != NULL ? sc->socket_context : NULL;
    http__watch_conn_request(rc->deadline);
    atomic_fetch_add(&s->inflight, 1);
    return rc;
}

/* URI log callback: called once per request with the raw request target,
 * before libmicrohttpd unescapes it; its result becomes the request context. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    return ctx_new(cls, c, uri);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server *s = cls;
    reqctx *rc = *req_cls;
    if (rc == NULL)
        return;
    *req_cls = NULL;
    /* The watcher must forget the stream before the request's hold goes. */
    http__watch_remove(s->watch, rc->watched);
    if (rc->res.stream != NULL)
        rc->bytes = http__stream_sent(rc->res.stream); /* what the client got before the end */
    if (rc->started)
        http__access_log(rc->req.method, rc->req.path, rc->status, rc->bytes,
                         clock_mono_us() - rc->start_us, rc->req.request_id);
    http__res_cleanup(&rc->res);
    buf_cleanup(&rc->body);
    if (rc->spool_fd >= 0)
        close(rc->spool_fd);
    /* On a keep-alive connection the next request's clock starts now. */
    http__watch_conn_idle(rc->deadline);
    arena_free(rc->arena);
    atomic_fetch_sub(&s->inflight, 1);
}

/* libmicrohttpd's notices of a connection's start and end (its socket is
 * closed after the end's): its request deadlines are tracked in between. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ad = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        char peer[HTTP_IP_TEXT_MAX];
        http__peer_format(ad != NULL ? ad->client_addr : NULL, peer);
        *socket_context = http__watch_conn_add(s->watch, fd != NULL ? fd->connect_fd : -1, peer);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        http__watch_conn_remove(s->watch, *socket_context);
        *socket_context = NULL;
    }
}

/* ---- streamed responses ---- */

/* libmicrohttpd's content reader: the next bytes of a stream. */
static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    long r = http__stream_pull(cls, out, max);
    if (r == HTTP__PULL_END)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (r == HTTP__PULL_ABORT)
        return MHD_CONTENT_READER_END_WITH_ERROR; /* no terminating chunk: the client sees the cut */
    return (ssize_t)r;
}

/* libmicrohttpd frees the response: the connection's hold on the stream goes. */
static void stream_response_freed(void *cls)
{
    http__stream_release(cls);
}

/* The stream's way to its connection (called with the stream's lock held;
 * suspend only from the content reader, as libmicrohttpd requires). */
static void conn_suspend(void *c)
{
    MHD_suspend_connection(c);
}

static void conn_resume(void *c)
{
    MHD_resume_connection(c);
}

/* The response of a stream: a content reader of unknown size (chunked) over
 * its queue; the socket is watched from now on. */
static struct MHD_Response *stream_response(struct MHD_Connection *c, http_stream *st)
{
    http__stream_attach(st, conn_suspend, conn_resume, c);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SERVER_STREAM_BLOCK, stream_read, st, stream_response_freed);
    if (r == NULL)
        http__stream_release(st); /* the connection's hold: no response will free it */
    return r;
}

/* ---- responses ---- */

/* Add the common headers, turn rc->res into a libmicrohttpd response and queue
 * it. MHD_NO (close the connection) only when libmicrohttpd refuses. */
static enum MHD_Result respond(http_server *s, struct MHD_Connection *c, reqctx *rc)
{
    http__watch_conn_arrived(rc->deadline); /* an answer is never cut by a deadline */
    http__finish(s->site, &rc->req, &rc->res, atomic_load(&s->stopping));
    int status = rc->res.status;
    size_t len = 0;
    char *body = http__res_take_body(&rc->res, &len);
    struct MHD_Response *r;
    uint64_t file_size = rc->res.file_size;
    if (rc->res.stream != NULL) {
        r = stream_response(c, rc->res.stream);
    } else if (rc->res.file_fd >= 0) {
        /* libmicrohttpd takes the fd over once the response exists (it closes
         * it with the response); on failure it stays ours (on_completed). */
        r = MHD_create_response_from_fd64(file_size, rc->res.file_fd);
        if (r != NULL)
            rc->res.file_fd = -1;
        len = (size_t)file_size;
    } else if (body != NULL)
        r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    else
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        free(body);
        log_msg(LOG_ERROR, "http: could not create a response");
        return MHD_NO;
    }
    for (const http__header *h = rc->res.headers; h != NULL; h = h->next) {
        if (MHD_add_response_header(r, h->name, h->value) == MHD_NO)
            log_msg(LOG_ERROR, "http: response header %s refused", h->name);
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned int)status, r);
    MHD_destroy_response(r);
    rc->responded = true;
    rc->status = status;
    rc->bytes = len;
    if (ret == MHD_NO)
        log_msg(LOG_ERROR, "http: could not queue a %d response", status);
    else if (rc->res.stream != NULL) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        rc->watched = http__watch_add(s->watch, rc->res.stream, ci != NULL ? ci->connect_fd : -1);
    }
    return ret;
}

/* The spool file could not be made or written: the body cannot be kept. */
static enum MHD_Result respond_spool_failed(http_server *s, struct MHD_Connection *c, reqctx *rc)
{
    http_res_error(&rc->res, 503, "unavailable", "the request body cannot be stored right now");
    return respond(s, c, rc);
}

static enum MHD_Result respond_too_large(http_server *s, struct MHD_Connection *c, reqctx *rc)
{
    size_t limit = rc->body_limit;
    if (limit >= 1024 * 1024 && limit % (1024 * 1024) == 0)
        http_res_error(&rc->res, 413, "payload_too_large", "request body exceeds %zu MB", limit / (1024 * 1024));
    else
        http_res_error(&rc->res, 413, "payload_too_large", "request body exceeds %zu bytes", limit);
    return respond(s, c, rc);
}

/* Parse a Content-Length value; a malformed or enormous one reads as SIZE_MAX
 * (libmicrohttpd has already refused malformed ones). */
static size_t parse_length(const char *v)
{
    size_t n = 0;
    if (*v == '\0')
        return SIZE_MAX;
    for (; *v != '\0'; v++) {
        if (*v < '0' || *v > '9' || n > (SIZE_MAX - 9) / 10)
            return SIZE_MAX;
        n = n * 10 + (size_t)(*v - '0');
    }
    return n;
}

/* Exactly "chunked", in any case: the one Transfer-Encoding libmicrohttpd
 * decodes (it compares the whole value the same way). */
static bool is_chunked(const char *te)
{
    return te != NULL && strcasecmp(te, "chunked") == 0;
}

/* How many times the headers that frame a body were sent. */
typedef struct framing {
    int content_length;
    int transfer_encoding;
} framing;

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    (void)value;
    framing *f = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        f->content_length++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        f->transfer_encoding++;
    return MHD_YES;
}

/* Refuse a request whose body framing is ambiguous or not ours to decode,
 * writing the answer into rc->res; false when the framing is fine.
 * libmicrohttpd reads only the first Content-Length and the first
 * Transfer-Encoding header, and lets Transfer-Encoding win over
 * Content-Length: a proxy in front that reads the other header would see a
 * different request (smuggling). A Transfer-Encoding other than "chunked" it
 * reads until the client closes the connection, which would hold the
 * connection until a deadline cuts it. */
static bool framing_refused(struct MHD_Connection *c, reqctx *rc, const char *te, const char *cl)
{
    if (te == NULL && cl == NULL)
        return false;
    framing f = {0, 0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
    if (f.content_length > 1)
        http_res_error(&rc->res, 400, "invalid_request", "more than one Content-Length header");
    else if (te != NULL && cl != NULL)
        http_res_error(&rc->res, 400, "invalid_request", "both Content-Length and Transfer-Encoding");
    else if (te != NULL && (f.transfer_encoding > 1 || !is_chunked(te)))
        http_res_error(&rc->res, 501, "not_implemented", "the only Transfer-Encoding supported is chunked");
    else
        return false;
    return true;
}

/* The flags of the route a request resolves to (0 when none). */
static unsigned route_flags(const http_server *s, const char *method, const char *path)
{
    const http_route *r = s->site->routes != NULL ? router_lookup(s->site->routes, method, path) : NULL;
    return r != NULL ? r->flags : 0;
}

/* ---- the slow pool ---- */

static void *slow_main(void *arg)
{
    http_server *s = arg;
    bool served = false;
    pthread_mutex_lock(&s->slow.mu);
    for (;;) {
        while (s->slow.head == NULL && !s->slow.stop)
            pthread_cond_wait(&s->slow.ready, &s->slow.mu);
        reqctx *rc = s->slow.head;
        if (rc == NULL)
            break; /* stopping and the queue is empty */
        s->slow.head = rc->slow_next;
        if (s->slow.head == NULL)
            s->slow.tail = NULL;
        pthread_mutex_unlock(&s->slow.mu);
        http__pipeline_run(s->site, &rc->req, &rc->res);
        served = true;
        atomic_store_explicit(&rc->slow_done, true, memory_order_release);
        MHD_resume_connection(rc->mhd); /* on_access runs again and sends the answer */
        pthread_mutex_lock(&s->slow.mu);
    }
    pthread_mutex_unlock(&s->slow.mu);
    if (served && s->opts.on_thread_exit != NULL)
        s->opts.on_thread_exit(s->site->ctx);
    return NULL;
}

static int slow_start(http_server *s, int n)
{
    pthread_mutex_init(&s->slow.mu, NULL);
    pthread_cond_init(&s->slow.ready, NULL);
    s->slow.threads = em_calloc((size_t)n, sizeof *s->slow.threads);
    for (int i = 0; i < n; i++) {
        if (pthread_create(&s->slow.threads[i], NULL, slow_main, s) != 0)
            break;
        s->slow.n++;
    }
    return s->slow.n > 0 ? EM_OK : EM_E_INTERNAL;
}

/* Let the pool finish what is queued (resuming those connections), then join. */
static void slow_stop(http_server *s)
{
    pthread_mutex_lock(&s->slow.mu);
    s->slow.stop = true;
    pthread_cond_broadcast(&s->slow.ready);
    pthread_mutex_unlock(&s->slow.mu);
    for (int i = 0; i < s->slow.n; i++)
        pthread_join(s->slow.threads[i], NULL);
    free(s->slow.threads);
    s->slow.threads = NULL;
    s->slow.n = 0;
    pthread_mutex_destroy(&s->slow.mu);
    pthread_cond_destroy(&s->slow.ready);
}

/* Suspend the connection and queue the request for the slow pool. */
static enum MHD_Result offload(http_server *s, struct MHD_Connection *c, reqctx *rc)
{
    rc->mhd = c;
    rc->offloaded = true;
    rc->slow_next = NULL;
    MHD_suspend_connection(c);
    pthread_mutex_lock(&s->slow.mu);
    if (s->slow.tail != NULL)
        s->slow.tail->slow_next = rc;
    else
        s->slow.head = rc;
    s->slow.tail = rc;
    pthread_cond_signal(&s->slow.ready);
    pthread_mutex_unlock(&s->slow.mu);
    return MHD_YES;
}

/* Run the pipeline on a complete request and queue its response; slow routes
 * go to the slow pool instead. */
static enum MHD_Result dispatch(http_server *s, struct MHD_Connection *c, reqctx *rc)
{
    /* The request has arrived: from here on no deadline applies (a slow
     * handler, a stream and a slow reader are not arriving). */
    http__watch_conn_arrived(rc->deadline);
    if (rc->spool_fd >= 0) {
        rc->req.body = "";
        rc->req.body_fd = rc->spool_fd;
        rc->req.body_len = rc->spool_len;
    } else if (rc->body.data != NULL) { /* NUL-terminated by buf */
        rc->req.body = rc->body.data;
        rc->req.body_len = rc->body.len;
    }
    if (s->slow.n > 0 && (route_flags(s, rc->req.method, rc->req.path) & ROUTE_SLOW) != 0)
        return offload(s, c, rc);
    http__pipeline_run(s->site, &rc->req, &rc->res);
    return respond(s, c, rc);
}

/* The first call for a request: its headers are in. */
static enum MHD_Result first_call(http_server *s, struct MHD_Connection *c, reqctx *rc,
                                  const char *method)
{
    rc->started = true;
    http__watch_conn_headers(rc->deadline); /* the body's deadline only */
    mark_thread(s);
    rc->req.method = arena_strdup(rc->arena, method);
    http__request_id(&rc->req, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id"));

    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (framing_refused(c, rc, te, cl))
        return respond(s, c, rc); /* early: libmicrohttpd closes the connection after it */
    bool upload = (route_flags(s, method, rc->req.path) & ROUTE_UPLOAD) != 0;
    size_t limit = upload && s->opts.max_upload > 0 ? s->opts.max_upload : s->opts.max_body;
    rc->body_limit = limit;
    bool has_body = is_chunked(te);
    if (!is_chunked(te) && cl != NULL) {
        size_t n = parse_length(cl);
        if (n > limit)
            return respond_too_large(s, c, rc); /* without reading the body */
        limit = n;
        has_body = n > 0;
    }
    if (upload && has_body) {
        /* Uploads go to disk as they arrive: memory holds only what
         * libmicrohttpd hands us at a time. */
        rc->spool_fd = http__spool_open(s->spool_dir);
        if (rc->spool_fd < 0) {
            log_msg(LOG_ERROR, "http: cannot make a spool file in %s: %s", s->spool_dir, strerror(errno));
            return respond_spool_failed(s, c, rc);
        }
        rc->spool_max = limit;
        return MHD_YES;
    }
    buf_init(&rc->body, limit);
    /* Even without a body the answer waits for the next call: a response
     * queued now counts as "early" and libmicrohttpd would close the
     * connection after it, losing keep-alive. */
    return MHD_YES;
}

/* Take one piece of the body. Past the limit (only a chunked body can get
 * there: libmicrohttpd never passes more than Content-Length) the rest is
 * counted and dropped and 413 goes out when it ends; a client that keeps
 * sending far beyond is disconnected (MHD_NO). */
static enum MHD_Result append_body(reqctx *rc, const char *data, size_t n)
{
    if (rc->spool_fd >= 0) {
        if (!rc->too_large && !rc->spool_failed) {
            if (n <= rc->spool_max - rc->spool_len) {
                if (http__spool_write(rc->spool_fd, data, n) == EM_OK) {
                    rc->spool_len += n;
                    return MHD_YES;
                }
                log_msg(LOG_ERROR, "http: cannot write a spooled request body: %s", strerror(errno));
                rc->spool_failed = true;
            } else {
                rc->too_large = true;
            }
            /* nothing kept from here on: give the disk space back now */
            if (ftruncate(rc->spool_fd, 0) != 0)
                log_msg(LOG_WARN, "http: cannot truncate a spool file: %s", strerror(errno));
            rc->spool_len = 0;
        }
        rc->discarded += n;
        return rc->discarded > SERVER_DISCARD_MAX ? MHD_NO : MHD_YES;
    }
    if (!rc->too_large && buf_append(&rc->body, data, n) == EM_OK)
        return MHD_YES;
    if (!rc->too_large) {
        rc->too_large = true;
        buf_cleanup(&rc->body); /* nothing kept from here on */
    }
    rc->discarded += n;
    return rc->discarded > SERVER_DISCARD_MAX ? MHD_NO : MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **req_cls)
{
    http_server *s = cls;
    reqctx *rc = *req_cls;
    if (rc == NULL) { /* no URI callback ran (cannot happen with libmicrohttpd 0.9.75) */
        rc = ctx_new(s, c, url);
        *req_cls = rc;
    }
    if (!rc->started)
        return first_call(s, c, rc, method);
    if (rc->offloaded) { /* called again after the slow pool resumed us */
        if (!rc->responded && atomic_load_explicit(&rc->slow_done, memory_order_acquire))
            return respond(s, c, rc);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rc->responded)
            return MHD_YES; /* discarding the rest of a refused body */
        return append_body(rc, upload_data, n);
    }
    if (rc->responded)
        return MHD_YES;
    if (rc->spool_failed)
        return respond_spool_failed(s, c, rc);
    if (rc->too_large)
        return respond_too_large(s, c, rc);
    return dispatch(s, c, rc);
}

/* Accept policy: once stopping, a new connection is closed as soon as it is
 * accepted (the client sees the connection end without an answer). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addr;
    (void)addrlen;
    http_server *s = cls;
    return atomic_load(&s->stopping) ? MHD_NO : MHD_YES;
}

/* libmicrohttpd's own error messages, into our log. A message that repeats
 * the last one within SERVER_MHD_LOG_REPEAT_S is counted, not logged; the
 * count goes out with the next line logged ("repeated"). */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    http_server *s = cls;
    char raw[512], clean[512];
    int n = vsnprintf(raw, sizeof raw, fmt, ap);
    if (n < 0)
        return;
    size_t len = strnlen(raw, sizeof raw);
    while (len > 0 && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
        len--;
    json_utf8_sanitize(clean, sizeof clean, raw, len);
    int64_t now = clock_mono_us();
    pthread_mutex_lock(&s->log_mu);
    if (strcmp(clean, s->log_last) == 0 &&
        now - s->log_last_us < (int64_t)SERVER_MHD_LOG_REPEAT_S * 1000000) {
        s->log_repeats++;
        pthread_mutex_unlock(&s->log_mu);
        return;
    }
    unsigned repeats = s->log_repeats;
    s->log_repeats = 0;
    s->log_last_us = now;
    snprintf(s->log_last, sizeof s->log_last, "%s", clean);
    pthread_mutex_unlock(&s->log_mu);
    json_t *f = json_object();
    json_object_set_new(f, "detail", json_string(clean));
    if (repeats > 0)
        json_object_set_new(f, "repeated", json_integer(repeats)); /* of the line before, not logged */
    log_emit(LOG_WARN, "libmicrohttpd", f);
}

/* ---- start and stop ---- */

int http_server_start(const http_server_options *opts, http_server **out, em_error *err)
{
    int rc = EM_OK;
    struct sockaddr_in sa4;
    struct sockaddr_in6 sa6;
    struct sockaddr *sa;
    http_server *s = NULL;
    *out = NULL;

    if (opts == NULL || opts->host == NULL || opts->site == NULL || opts->site->routes == NULL || opts->threads < 1 ||
        opts->port < 0 || opts->port > 65535)
        return em_error_set(err, EM_E_INVAL, "invalid server options");

    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                         MHD_ALLOW_SUSPEND_RESUME;
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;
    if (strchr(opts->host, ':') != NULL) {
        memset(&sa6, 0, sizeof sa6);
        sa6.sin6_family = AF_INET6;
        sa6.sin6_port = htons((uint16_t)opts->port);
        if (inet_pton(AF_INET6, opts->host, &sa6.sin6_addr) != 1)
            return em_error_set(err, EM_E_INVAL, "HOST %s is not an IPv6 address", opts->host);
        sa = (struct sockaddr *)&sa6;
        flags |= MHD_USE_IPv6;
    } else {
        memset(&sa4, 0, sizeof sa4);
        sa4.sin_family = AF_INET;
        sa4.sin_port = htons((uint16_t)opts->port);
        if (inet_pton(AF_INET, opts->host, &sa4.sin_addr) != 1)
            return em_error_set(err, EM_E_INVAL, "HOST %s is not an IPv4 address", opts->host);
        sa = (struct sockaddr *)&sa4;
    }

    s = em_calloc(1, sizeof *s);
    s->opts = *opts;
    s->site = opts->site;
    pthread_mutex_init(&s->log_mu, NULL);
    http__spool_dir(opts->spool_dir, s->spool_dir);
    http__limits_size(http__fd_limit(), opts->threads, opts->max_connections_per_ip, &s->limits);
    atomic_init(&s->inflight, 0);
    atomic_init(&s->stopping, false);
    if (opts->on_thread_exit != NULL) {
        if (pthread_key_create(&s->thread_key, thread_exit_hook) != 0) {
            rc = em_error_set(err, EM_E_INTERNAL, "cannot create a thread key");
            goto fail_free; /* nothing else taken yet */
        }
        s->has_thread_key = true;
    }
    /* As many slow-pool threads as I/O threads: slow handlers are CPU-bound. */
    if (slow_start(s, opts->threads) != EM_OK) {
        rc = em_error_set(err, EM_E_INTERNAL, "cannot start the server's threads");
        goto fail_slow;
    }
    if (http__watch_new(&s->watch) != EM_OK) {
        rc = em_error_set(err, EM_E_INTERNAL, "cannot start the server's threads");
        goto fail_slow; /* the watcher is NULL: freeing it is a no-op */
    }
    http__watch_deadlines(s->watch, opts->request_header_timeout_s, opts->request_timeout_s);

    s->daemon = MHD_start_daemon(
        flags, (uint16_t)opts->port, on_accept, s, on_access, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, /* first, so it sees every message */
        MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVER_CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_LIMIT, s->limits.connections,
        /* counted across the pool threads; a connection past it is closed as
         * soon as it is accepted, before on_accept (0: no limit) */
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->limits.per_ip,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        /* A pool of one is no pool (libmicrohttpd warns): then end the list here. */
        opts->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (unsigned int)opts->threads,
        MHD_OPTION_END);
    if (s->daemon == NULL) {
        int e = errno;
        log_msg(LOG_ERROR, "http: cannot listen on %s:%d (%s)", opts->host, opts->port, strerror(e));
        rc = em_error_set(err, EM_E_UNAVAILABLE, "cannot listen on %s:%d", opts->host, opts->port);
        goto fail_slow; /* the pool and the key were taken, the daemon was not */
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL && info->port != 0 ? (int)info->port : opts->port;
    *out = s;
    return EM_OK;

fail_slow:
    http__watch_free(s->watch);
    slow_stop(s);
    if (s->has_thread_key)
        pthread_key_delete(s->thread_key);
fail_free:
    pthread_mutex_destroy(&s->log_mu);
    free(s);
    return rc;
}

int http_server_port(const http_server *s)
{
    return s->port;
}

void http_server_get_limits(const http_server *s, http_server_limits *out)
{
    *out = s->limits;
}

void http_server_stop(http_server *s)
{
    if (s == NULL)
        return;
    /* From here on on_accept closes every new connection at once, and answers
     * say Connection: close. MHD_quiesce_daemon is not used: with epoll and a
     * thread pool, libmicrohttpd 0.9.75 races its workers to remove the
     * listening socket from their epoll sets and aborts the process when it
     * loses ("Failed to remove listen FD from epoll set"). */
    atomic_store(&s->stopping, true);
    /* Open streams end now: their producers see them closed, their
     * connections are resumed and cut; streams started during the grace
     * period are closed as they start. */
    http__watch_close_all(s->watch);
    int64_t deadline = clock_mono_us() + (int64_t)(s->opts.shutdown_grace_s > 0 ? s->opts.shutdown_grace_s : 0) * 1000000;
    while (atomic_load(&s->inflight) > 0 && clock_mono_us() < deadline) {
        struct timespec ts = {0, SERVER_DRAIN_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    int left = atomic_load(&s->inflight);
    if (left > 0)
        log_msg(LOG_WARN, "http: grace period over, closing %d request(s) in flight", left);
    /* Suspended connections must be resumed before MHD_stop_daemon: the slow
     * pool finishes its queue (each request resumes its connection) first,
     * and no stream connection is suspended any more (closed streams are
     * resumed and never suspend again); the watcher stops touching them. */
    slow_stop(s);
    http__watch_stop(s->watch);
    MHD_stop_daemon(s->daemon); /* joins the pool threads, closes the listener: thread_exit_hook runs here */
    http__watch_free(s->watch); /* after the last on_completed removed its entry */
    if (s->has_thread_key)
        pthread_key_delete(s->thread_key);
    pthread_mutex_destroy(&s->log_mu);
    free(s);
}
