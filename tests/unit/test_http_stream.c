/* Unit tests for src/http/stream.c and src/http/watch.c: streamed responses
 * through fake requests and through a real server on 127.0.0.1 (port 0)
 * spoken to over plain sockets. A test handler starts a producer thread that
 * writes NDJSON lines as told by the query string; the tests check what the
 * client receives (chunked, cleanly ended or cut), what the producer sees
 * (closed, EM_E_CANCELED) and when, and that one I/O thread keeps serving
 * others while streams are open. Run under ASan, they also check that every
 * stream is freed whichever side finishes first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "http/http.h"
#include "http/http_fake.h"
#include "http/router.h"
#include "http/server.h"

/* ---- the producer ---- */

/* What a producer was told (from the query string) and what it saw. */
typedef struct producer {
    http_stream *s;
    long lines;          /* lines to write; -1: until the stream is closed */
    long every_ms;       /* pause between lines */
    long idle_ms;        /* pause before the first line (watching http_stream_closed) */
    long pad;            /* bytes of padding per line */
    bool fail;           /* end with ok = false */
    atomic_long written; /* lines written */
    atomic_llong bytes;  /* bytes written */
    atomic_int write_rc; /* the failing write's code, 0 when none failed */
    atomic_llong closed_at_us; /* when the producer saw the stream closed (0: never) */
    atomic_bool done;    /* http_stream_end was called */
    pthread_t thread;
    struct producer *next;
} producer;

/* Every producer started, so the fixture can join them. */
typedef struct producers {
    pthread_mutex_t mu;
    producer *head;
    atomic_int started;
} producers;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void saw_closed(producer *p)
{
    long long zero = 0;
    atomic_compare_exchange_strong(&p->closed_at_us, &zero, (long long)clock_mono_us());
}

static void *produce(void *arg)
{
    producer *p = arg;
    for (long waited = 0; waited < p->idle_ms; waited += 5) {
        if (http_stream_closed(p->s)) {
            saw_closed(p);
            break;
        }
        sleep_ms(5);
    }
    char *pad = calloc(1, (size_t)p->pad + 1);
    memset(pad, 'x', (size_t)p->pad);
    for (long i = 0; p->lines < 0 || i < p->lines; i++) {
        if (http_stream_closed(p->s)) {
            saw_closed(p);
            break;
        }
        json_t *line = json_pack("{s:s,s:i,s:f,s:s}", "type", "chunk", "i", (json_int_t)i, "x", 0.1 * (double)i, "pad", pad);
        int rc = http_stream_json(p->s, line);
        if (rc != EM_OK) {
            atomic_store(&p->write_rc, rc);
            saw_closed(p);
            break;
        }
        atomic_fetch_add(&p->written, 1);
        atomic_fetch_add(&p->bytes, (long long)p->pad + 40);
        if (p->every_ms > 0)
            sleep_ms(p->every_ms);
    }
    free(pad);
    if (atomic_load(&p->write_rc) == 0 && !http_stream_closed(p->s) && !p->fail)
        http_stream_json(p->s, json_pack("{s:s}", "type", "done"));
    atomic_store(&p->done, true);
    http_stream_end(p->s, !p->fail);
    return NULL;
}

static long query_long(http_req *req, const char *name, long dflt)
{
    const char *v = http_req_query(req, name);
    return v != NULL ? strtol(v, NULL, 10) : dflt;
}

/* GET /stream?lines=&every=&idle=&pad=&hb=&queue=&fail=1: an NDJSON stream
 * written by a new producer thread. */
static void h_stream(http_req *req, http_res *res)
{
    producers *ps = req->ctx;
    producer *p = calloc(1, sizeof *p);
    p->lines = query_long(req, "lines", 5);
    p->every_ms = query_long(req, "every", 0);
    p->idle_ms = query_long(req, "idle", 0);
    p->pad = query_long(req, "pad", 0);
    p->fail = query_long(req, "fail", 0) != 0;
    http_stream_options o = {
        .queue_bytes = (size_t)query_long(req, "queue", 0),
        .heartbeat_ms = (int)query_long(req, "hb", 0),
    };
    http_res_header(res, "X-Producer", "test");
    p->s = http_res_stream(req, res, 200, "application/x-ndjson", &o);
    pthread_mutex_lock(&ps->mu);
    p->next = ps->head;
    ps->head = p;
    pthread_mutex_unlock(&ps->mu);
    if (pthread_create(&p->thread, NULL, produce, p) != 0)
        abort();
    atomic_fetch_add(&ps->started, 1);
}

/* A handler whose producer cannot start answers with an error instead: the
 * stream it began is replaced, and it ends it itself. */
static void h_stream_then_error(http_req *req, http_res *res)
{
    http_stream *s = http_res_stream(req, res, 200, "application/x-ndjson", NULL);
    http_res_error(res, 503, "busy", "no producer available");
    assert_true(http_stream_closed(s));
    assert_int_equal(http_stream_write(s, "x\n", 2), EM_E_CANCELED);
    http_stream_end(s, false);
}

static void h_health(http_req *req, http_res *res)
{
    (void)req;
    http_res_json(res, 200, json_pack("{s:s}", "status", "ok"));
}

/* The newest producer. */
static producer *last_producer(producers *ps)
{
    pthread_mutex_lock(&ps->mu);
    producer *p = ps->head;
    pthread_mutex_unlock(&ps->mu);
    return p;
}

static void join_producers(producers *ps)
{
    pthread_mutex_lock(&ps->mu);
    producer *p = ps->head;
    ps->head = NULL;
    pthread_mutex_unlock(&ps->mu);
    while (p != NULL) {
        producer *next = p->next;
        pthread_join(p->thread, NULL);
        free(p);
        p = next;
    }
}

/* ---- fixture ---- */

typedef struct fixture {
    router *r;
    http_site site;
    const char *origins[1];
    producers ps;
    http_server *s;
    int port;
} fixture;

static void start(fixture *f, int threads)
{
    http_server_options o = {
        .host = "127.0.0.1",
        .port = 0,
        .threads = threads,
        .max_body = 1024,
        .shutdown_grace_s = 5,
        .site = &f->site,
    };
    em_error err;
    assert_int_equal(http_server_start(&o, &f->s, &err), EM_OK);
    f->port = http_server_port(f->s);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->r = router_new();
    assert_int_equal(router_add(f->r, "GET", "/stream", h_stream), 0);
    assert_int_equal(router_add(f->r, "GET", "/stream-error", h_stream_then_error), 0);
    assert_int_equal(router_add(f->r, "GET", "/health", h_health), 0);
    const http_route slow = {"GET", "/stream-slow", h_stream, HTTP_PUBLIC, ROUTE_SLOW};
    assert_int_equal(router_add_route(f->r, &slow), 0);
    f->origins[0] = "https://app.example";
    pthread_mutex_init(&f->ps.mu, NULL);
    f->site = (http_site){.routes = f->r, .cors_origins = f->origins, .n_cors_origins = 1, .ctx = &f->ps};
    *state = f;
    return 0;
}

static int setup_server(void **state)
{
    setup(state);
    start(*state, 2);
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    http_server_stop(f->s);
    join_producers(&f->ps); /* every producer has ended its stream (closed by the stop at the latest) */
    pthread_mutex_destroy(&f->ps.mu);
    router_free(f->r);
    free(f);
    return 0;
}

/* ---- a tiny HTTP client ---- */

static int connect_to(int port, int timeout_s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {timeout_s, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void send_str(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* A response as read: head, decoded chunked body, and how it ended. */
typedef struct reply {
    buf raw;             /* everything received */
    int status;
    char head[4096];     /* status line and headers */
    buf body;            /* the body, chunks decoded */
    bool terminated;     /* the terminating chunk arrived (a clean end) */
    bool timed_out;      /* the receive timeout struck first */
} reply;

static void reply_init(reply *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->raw, 64 * 1024 * 1024);
    buf_init(&r->body, 64 * 1024 * 1024);
}

static void reply_cleanup(reply *r)
{
    buf_cleanup(&r->raw);
    buf_cleanup(&r->body);
}

/* Decode what r->raw holds: head, then chunks; stops at the terminating
 * chunk or at what is not there yet. Returns the raw bytes the response took
 * when it is complete, else 0. */
static size_t decode(reply *r)
{
    buf_reset(&r->body);
    r->terminated = false;
    const char *raw = r->raw.data != NULL ? r->raw.data : "";
    const char *end = strstr(raw, "\r\n\r\n");
    if (end == NULL)
        return 0;
    size_t hl = (size_t)(end - raw) + 4;
    snprintf(r->head, sizeof r->head, "%.*s", (int)hl, raw);
    if (strncmp(raw, "HTTP/1.", 7) == 0)
        r->status = (int)strtol(raw + 9, NULL, 10);
    size_t pos = hl;
    while (pos < r->raw.len) {
        char *eol = memmem(raw + pos, r->raw.len - pos, "\r\n", 2);
        if (eol == NULL)
            return 0;
        size_t size = strtoul(raw + pos, NULL, 16);
        size_t data = (size_t)(eol - raw) + 2;
        if (size == 0) {
            if (r->raw.len - data >= 2) {
                r->terminated = true;
                return data + 2;
            }
            return 0;
        }
        if (r->raw.len - data < size + 2)
            return 0;
        buf_append(&r->body, raw + data, size);
        pos = data + size + 2;
    }
    return 0;
}

/* Read until the response is complete (stop_at_end), the peer closes, the
 * receive timeout strikes, or `until` (when not NULL) appears in the body. */
static void read_reply(int fd, reply *r, bool stop_at_end, const char *until)
{
    char chunk[16384];
    for (;;) {
        ssize_t got = recv(fd, chunk, sizeof chunk, 0);
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            r->timed_out = true;
        if (got <= 0)
            break;
        buf_append(&r->raw, chunk, (size_t)got);
        size_t complete = decode(r);
        if (stop_at_end && complete > 0)
            break;
        if (until != NULL && r->body.data != NULL && strstr(r->body.data, until) != NULL)
            break;
    }
    decode(r);
}

/* Read until the status line and headers are in. */
static void read_head(int fd, reply *r)
{
    char chunk[4096];
    while (r->raw.data == NULL || strstr(r->raw.data, "\r\n\r\n") == NULL) {
        ssize_t got = recv(fd, chunk, sizeof chunk, 0);
        if (got <= 0)
            break;
        buf_append(&r->raw, chunk, (size_t)got);
    }
    decode(r);
}

/* The value of a response header in r->head, copied into out; NULL when absent. */
static const char *header(const reply *r, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p != NULL; p = strstr(p, "\r\n")) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t vl = e != NULL ? (size_t)(e - v) : strlen(v);
            snprintf(out, cap, "%.*s", (int)vl, v);
            return out;
        }
    }
    return NULL;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay != NULL ? strstr(hay, needle) : NULL; p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Wait (up to ms) until *flag is set. */
static bool wait_flag(atomic_bool *flag, long ms)
{
    for (long t = 0; t < ms && !atomic_load(flag); t += 2)
        sleep_ms(2);
    return atomic_load(flag);
}

/* ---- fake requests ---- */

static void test_stream_fake_collects(void **state)
{
    fixture *f = *state;
    static const char *const origin[] = {"Origin", "https://app.example", NULL};
    http_fake *fk = http_fake_new("GET", "/stream?lines=3&every=10", origin, NULL, 0);
    http_fake_run(fk, &f->site);
    assert_true(http_fake_streamed(fk));
    assert_int_equal(http_fake_status(fk), 200);
    bool ok = false;
    assert_int_equal(http_fake_wait_stream(fk, 5000, &ok), EM_OK);
    assert_true(ok);
    size_t len = 0;
    const char *body = http_fake_body(fk, &len);
    assert_string_equal(body, "{\"type\":\"chunk\",\"i\":0,\"x\":0.0,\"pad\":\"\"}\n"
                              "{\"type\":\"chunk\",\"i\":1,\"x\":0.1,\"pad\":\"\"}\n"
                              "{\"type\":\"chunk\",\"i\":2,\"x\":0.2,\"pad\":\"\"}\n"
                              "{\"type\":\"done\"}\n");
    assert_int_equal(len, strlen(body));
    assert_string_equal(http_fake_header(fk, "Content-Type"), "application/x-ndjson");
    assert_string_equal(http_fake_header(fk, "Cache-Control"), "no-store");
    assert_string_equal(http_fake_header(fk, "X-Producer"), "test");
    assert_string_equal(http_fake_header(fk, "Access-Control-Allow-Origin"), "https://app.example");
    assert_non_null(http_fake_header(fk, "X-Request-Id"));
    http_fake_free(fk);
    join_producers(&f->ps);
    /* not a stream */
    fk = http_fake_new("GET", "/health", NULL, NULL, 0);
    http_fake_run(fk, &f->site);
    assert_false(http_fake_streamed(fk));
    assert_int_equal(http_fake_wait_stream(fk, 10, NULL), EM_E_INVAL);
    http_fake_disconnect(fk);
    http_fake_free(fk);
}

/* The client goes away: the producer sees it closed, its writes fail, and it
 * still ends the stream; freeing the fake before or after that is fine. */
static void test_stream_fake_disconnect(void **state)
{
    fixture *f = *state;
    http_fake *fk = http_fake_new("GET", "/stream?lines=-1&every=5", NULL, NULL, 0);
    http_fake_run(fk, &f->site);
    producer *p = last_producer(&f->ps);
    while (atomic_load(&p->written) < 3)
        sleep_ms(1);
    assert_int_equal(http_fake_wait_stream(fk, 20, NULL), EM_E_TIMEOUT);
    size_t before = 0;
    http_fake_body(fk, &before);
    assert_true(before > 0);
    int64_t t0 = clock_mono_us();
    http_fake_disconnect(fk);
    assert_int_equal(http_fake_wait_stream(fk, 2000, NULL), EM_OK);
    assert_true(atomic_load(&p->closed_at_us) - t0 < 1000000);
    assert_int_equal(atomic_load(&p->write_rc) == 0 ? EM_E_CANCELED : atomic_load(&p->write_rc), EM_E_CANCELED);
    http_fake_free(fk);

    /* the request ends (the fake is freed) while the producer still writes */
    fk = http_fake_new("GET", "/stream?lines=-1&every=5", NULL, NULL, 0);
    http_fake_run(fk, &f->site);
    p = last_producer(&f->ps);
    while (atomic_load(&p->written) < 2)
        sleep_ms(1);
    http_fake_free(fk);
    assert_true(wait_flag(&p->done, 2000));
    join_producers(&f->ps);
}

/* A stream replaced by an error before the handler returns: the error goes
 * out, the stream is closed for its producer. */
static void test_stream_replaced_by_answer(void **state)
{
    fixture *f = *state;
    http_fake *fk = http_fake_new("GET", "/stream-error", NULL, NULL, 0);
    http_fake_run(fk, &f->site);
    assert_false(http_fake_streamed(fk));
    assert_int_equal(http_fake_status(fk), 503);
    assert_non_null(strstr(http_fake_body(fk, NULL), "no producer available"));
    http_fake_free(fk);
}

/* http_stream_json writes doubles in their shortest form; http_stream_jsonw
 * writes a jsonw's document and starts the writer again; what cannot be
 * written is refused whole. */
static void test_stream_json_lines(void **state)
{
    (void)state;
    http_fake *fk = http_fake_new("GET", "/x", NULL, NULL, 0);
    http_stream *s = http_res_stream(http_fake_req(fk), http_fake_res(fk), 200, "application/x-ndjson", NULL);
    assert_int_equal(http_stream_json(s, json_pack("{s:f,s:f,s:[i,b,n],s:{}}", "a", 0.1, "b", 1e300, "c", 7, 1, "d")),
                     EM_OK);
    buf b;
    buf_init(&b, 1024);
    jsonw w;
    jsonw_init(&w, &b);
    jsonw_object_begin(&w);
    jsonw_key(&w, "type");
    jsonw_string(&w, "token");
    jsonw_key(&w, "p");
    jsonw_double(&w, 2.5e-7);
    jsonw_object_end(&w);
    assert_int_equal(http_stream_jsonw(s, &w), EM_OK);
    assert_int_equal(b.len, 0);
    jsonw_array_begin(&w); /* the writer is ready again; an incomplete document is refused */
    assert_int_equal(http_stream_jsonw(s, &w), EM_E_INVAL);
    jsonw_array_begin(&w);
    jsonw_array_end(&w);
    assert_int_equal(http_stream_jsonw(s, &w), EM_OK);
    /* nesting deeper than jsonw allows */
    json_t *deep = json_array();
    for (int i = 0; i < JSONW_MAX_DEPTH + 2; i++)
        deep = json_pack("[o]", deep);
    assert_int_equal(http_stream_json(s, deep), EM_E_INVAL);
    assert_int_equal(http_stream_json(s, NULL), EM_OK);
    assert_false(http_stream_closed(s));
    http_stream_end(s, true);
    bool ok = false;
    assert_int_equal(http_fake_wait_stream(fk, 0, &ok), EM_OK);
    assert_true(ok);
    assert_string_equal(http_fake_body(fk, NULL), "{\"a\":0.1,\"b\":1e+300,\"c\":[7,true,null],\"d\":{}}\n"
                                                  "{\"type\":\"token\",\"p\":2.5e-07}\n"
                                                  "[]\n"
                                                  "null\n");
    buf_cleanup(&b);
    http_fake_free(fk);
}

/* ---- a real server ---- */

/* A stream over HTTP: chunked, the headers at once, every line, a clean end,
 * and the access-log line with the body bytes sent. */
static void test_stream_server_basic(void **state)
{
    fixture *f = *state;
    char path[] = "/tmp/em_stream_log_XXXXXX";
    int logfd = mkstemp(path);
    assert_true(logfd >= 0);
    log_configure(LOG_INFO, logfd);
    int fd = connect_to(f->port, 10);
    send_str(fd, "GET /stream?lines=20&every=10 HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n"
                 "X-Request-Id: stream-1\r\n\r\n");
    reply r;
    reply_init(&r);
    read_reply(fd, &r, true, NULL);
    close(fd);
    assert_int_equal(r.status, 200);
    assert_true(r.terminated);
    char v[256];
    assert_string_equal(header(&r, "Transfer-Encoding", v, sizeof v), "chunked");
    assert_string_equal(header(&r, "Content-Type", v, sizeof v), "application/x-ndjson");
    assert_string_equal(header(&r, "Cache-Control", v, sizeof v), "no-store");
    assert_string_equal(header(&r, "X-Request-Id", v, sizeof v), "stream-1");
    assert_string_equal(header(&r, "X-Producer", v, sizeof v), "test");
    assert_string_equal(header(&r, "X-Content-Type-Options", v, sizeof v), "nosniff");
    assert_string_equal(header(&r, "Access-Control-Allow-Origin", v, sizeof v), "https://app.example");
    assert_null(header(&r, "Content-Length", v, sizeof v));
    assert_int_equal(count(r.body.data, "\"type\":\"chunk\""), 20);
    assert_non_null(strstr(r.body.data, "{\"type\":\"chunk\",\"i\":19,\"x\":1.9000000000000001,\"pad\":\"\"}\n"
                                        "{\"type\":\"done\"}\n"));
    size_t body_len = r.body.len;
    reply_cleanup(&r);

    /* the access line: written when the request is over */
    char text[16384] = "";
    for (int i = 0; i < 200 && strstr(text, "stream-1") == NULL; i++) {
        sleep_ms(5);
        ssize_t n = pread(logfd, text, sizeof text - 1, 0);
        text[n > 0 ? n : 0] = '\0';
    }
    log_configure(LOG_ERROR, 1);
    close(logfd);
    unlink(path);
    char *line = strstr(text, "{\"ts\"");
    json_t *found = NULL;
    for (; line != NULL; line = strstr(line + 1, "{\"ts\"")) {
        json_t *j = json_loadb(line, strcspn(line, "\n"), 0, NULL);
        if (j != NULL && json_string_value(json_object_get(j, "request_id")) != NULL &&
            strcmp(json_string_value(json_object_get(j, "request_id")), "stream-1") == 0) {
            found = j;
            break;
        }
        json_decref(j);
    }
    assert_non_null(found);
    assert_int_equal(json_integer_value(json_object_get(found, "status")), 200);
    assert_int_equal(json_integer_value(json_object_get(found, "bytes")), (json_int_t)body_len);
    assert_true(json_number_value(json_object_get(found, "duration_ms")) >= 150.0); /* 20 lines, 10 ms apart */
    json_decref(found);
}

/* ok = false: what was written arrives, then the connection is cut without the
 * terminating chunk. */
static void test_stream_server_abort(void **state)
{
    fixture *f = *state;
    int fd = connect_to(f->port, 10);
    send_str(fd, "GET /stream?lines=3&fail=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    reply r;
    reply_init(&r);
    read_reply(fd, &r, true, NULL);
    close(fd);
    assert_int_equal(r.status, 200);
    assert_false(r.terminated);
    assert_false(r.timed_out); /* the server closed the connection */
    assert_int_equal(count(r.body.data, "\"type\":\"chunk\""), 3);
    reply_cleanup(&r);
}

/* The producer ends before the client has read anything: the queued bytes
 * still arrive, then a clean end; and the connection serves the next request
 * (keep-alive after a stream). A slow route's stream too. */
static void test_stream_server_producer_first(void **state)
{
    fixture *f = *state;
    int fd = connect_to(f->port, 10);
    send_str(fd, "GET /stream?lines=200&pad=1000&queue=1048576 HTTP/1.1\r\nHost: x\r\n\r\n");
    producer *p = NULL;
    for (int i = 0; i < 2000 && (p = last_producer(&f->ps)) == NULL; i++)
        sleep_ms(1);
    assert_non_null(p);
    assert_true(wait_flag(&p->done, 5000)); /* all of it queued before we read a byte */
    reply r;
    reply_init(&r);
    read_reply(fd, &r, true, NULL);
    assert_true(r.terminated);
    assert_int_equal(count(r.body.data, "\"type\":\"chunk\""), 200);
    assert_non_null(strstr(r.body.data, "{\"type\":\"done\"}\n"));
    reply_cleanup(&r);
    /* the same connection again, through the slow pool this time */
    send_str(fd, "GET /stream-slow?lines=2 HTTP/1.1\r\nHost: x\r\n\r\n");
    reply_init(&r);
    read_reply(fd, &r, true, NULL);
    assert_true(r.terminated);
    assert_int_equal(count(r.body.data, "\"type\":\"chunk\""), 2);
    reply_cleanup(&r);
    close(fd);
}

typedef struct health_load {
    int port;
    int n;
    atomic_int ok;
    int64_t slowest_us;
} health_load;

static void *health_client(void *arg)
{
    health_load *h = arg;
    for (int i = 0; i < h->n; i++) {
        int64_t t0 = clock_mono_us();
        int fd = connect_to(h->port, 10);
        send_str(fd, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        char resp[1024];
        size_t len = 0;
        ssize_t got;
        while (len < sizeof resp - 1 && (got = recv(fd, resp + len, sizeof resp - 1 - len, 0)) > 0)
            len += (size_t)got;
        resp[len] = '\0';
        close(fd);
        int64_t took = clock_mono_us() - t0;
        if (took > h->slowest_us)
            h->slowest_us = took;
        if (strncmp(resp, "HTTP/1.1 200", 12) == 0)
            atomic_fetch_add(&h->ok, 1);
    }
    return NULL;
}

/* A producer writes 50 lines over about 3 s while 200 other requests are
 * served by the same, only, I/O thread: they all complete long before the
 * stream ends, because a stream holds no thread while it waits. */
static void test_stream_server_slow_producer_others_served(void **state)
{
    fixture *f = *state;
    http_server_stop(f->s);
    start(f, 1);
    int fd = connect_to(f->port, 20);
    send_str(fd, "GET /stream?lines=50&every=60 HTTP/1.1\r\nHost: x\r\n\r\n");
    producer *p = NULL;
    for (int i = 0; i < 2000 && (p = last_producer(&f->ps)) == NULL; i++)
        sleep_ms(1);
    assert_non_null(p);
    int64_t t0 = clock_mono_us();
    health_load h[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        h[i] = (health_load){.port = f->port, .n = 50};
        atomic_init(&h[i].ok, 0);
        assert_int_equal(pthread_create(&t[i], NULL, health_client, &h[i]), 0);
    }
    int ok = 0;
    int64_t slowest = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ok += atomic_load(&h[i].ok);
        if (h[i].slowest_us > slowest)
            slowest = h[i].slowest_us;
    }
    int64_t others_us = clock_mono_us() - t0;
    bool stream_still_open = !atomic_load(&p->done);
    reply r;
    reply_init(&r);
    read_reply(fd, &r, true, NULL);
    close(fd);
    int64_t stream_us = clock_mono_us() - t0;
    print_message("200 requests in %.0f ms (slowest %.1f ms) while the stream took %.0f ms\n", others_us / 1e3,
                  slowest / 1e3, stream_us / 1e3);
    assert_int_equal(ok, 200);
    assert_true(stream_still_open);       /* they were served while it was streaming */
    assert_true(others_us < stream_us);
    assert_true(slowest < 1500000);      /* none waited for the stream (generous) */
    assert_true(r.terminated);
    assert_int_equal(count(r.body.data, "\"type\":\"chunk\""), 50);
    reply_cleanup(&r);
}

/* The client goes away mid-stream: the producer sees it within a second,
 * whether it was writing (connection active), idle (connection suspended:
 * only the watcher can tell) or blocked on a full queue (client not reading). */
static void test_stream_server_client_disconnects(void **state)
{
    fixture *f = *state;
    reply r;

    /* writing every 20 ms */
    int fd = connect_to(f->port, 10);
    send_str(fd, "GET /stream?lines=-1&every=20 HTTP/1.1\r\nHost: x\r\n\r\n");
    reply_init(&r);
    read_reply(fd, &r, false, "\"i\":3,");
    producer *p = last_producer(&f->ps);
    assert_non_null(p);
    int64_t t0 = clock_mono_us();
    close(fd);
    assert_true(wait_flag(&p->done, 3000));
    int64_t writing_us = atomic_load(&p->closed_at_us) - t0;
    reply_cleanup(&r);

    /* idle: nothing written for 30 s, so the connection is suspended */
    fd = connect_to(f->port, 10);
    send_str(fd, "GET /stream?lines=1&idle=30000 HTTP/1.1\r\nHost: x\r\n\r\n");
    reply_init(&r);
    read_head(fd, &r);
    assert_int_equal(r.status, 200);
    reply_cleanup(&r);
    for (int i = 0; i < 2000 && ((p = last_producer(&f->ps)) == NULL || p->idle_ms != 30000); i++)
        sleep_ms(1);
    assert_int_equal(p->idle_ms, 30000);
    sleep_ms(100); /* the connection is parked by now */
    t0 = clock_mono_us();
    close(fd);
    assert_true(wait_flag(&p->done, 3000));
    int64_t idle_us = atomic_load(&p->closed_at_us) - t0;

    /* blocked: large lines into a small queue, and the client reads nothing */
    fd = connect_to(f->port, 10);
    send_str(fd, "GET /stream?lines=-1&pad=65536&queue=16384 HTTP/1.1\r\nHost: x\r\n\r\n");
    for (int i = 0; i < 2000 && ((p = last_producer(&f->ps)) == NULL || p->pad != 65536); i++)
        sleep_ms(1);
    long long last = -1;
    for (int i = 0; i < 100; i++) { /* wait until the producer stops making progress */
        sleep_ms(100);
        long long now = atomic_load(&p->bytes);
        if (now == last)
            break;
        last = now;
    }
    assert_false(atomic_load(&p->done));
    t0 = clock_mono_us();
    close(fd);
    assert_true(wait_flag(&p->done, 3000));
    int64_t blocked_us = atomic_load(&p->closed_at_us) - t0;
    assert_int_equal(atomic_load(&p->write_rc), EM_E_CANCELED);

    print_message("producer saw the client gone after %.1f ms (writing), %.1f ms (idle), %.1f ms (blocked)\n",
                  writing_us / 1e3, idle_us / 1e3, blocked_us / 1e3);
    assert_true(writing_us < 1000000);
    assert_true(idle_us < 1000000);
    assert_true(blocked_us < 1000000);
    join_producers(&f->ps);
    /* and the server is fine */
    fd = connect_to(f->port, 10);
    send_str(fd, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    char resp[256] = "";
    ssize_t got = recv(fd, resp, sizeof resp - 1, 0);
    assert_true(got > 12);
    assert_int_equal(strncmp(resp, "HTTP/1.1 200", 12), 0);
    close(fd);
}

/* Heartbeats: a stream with nothing to say for a second gets its heartbeat
 * lines, between (never inside) the producer's lines. */
static void test_stream_server_heartbeats(void **state)
{
    fixture *f = *state;
    int fd = connect_to(f->port, 10);
    send_str(fd, "GET /stream?lines=3&idle=1000&every=300&hb=100 HTTP/1.1\r\nHost: x\r\n\r\n");
    reply r;
    reply_init(&r);
    read_reply(fd, &r, true, NULL);
    close(fd);
    assert_true(r.terminated);
    size_t beats = count(r.body.data, HTTP_STREAM_NDJSON_HEARTBEAT);
    print_message("%zu heartbeats\n", beats);
    assert_true(beats >= 5);
    /* every line is whole: each one parses */
    size_t lines = 0;
    for (char *line = r.body.data, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, NULL);
        assert_non_null(j);
        json_decref(j);
        lines++;
    }
    assert_int_equal(lines, beats + 4);
    reply_cleanup(&r);
}

/* A stream silent for 61 s with a heartbeat every 2 s outlives libmicrohttpd's
 * 30 s connection timeout, and a client that gives up after 10 s without a
 * byte never has to. (About a minute.) */
static void test_stream_server_heartbeat_outlives_timeout(void **state)
{
    fixture *f = *state;
    int fd = connect_to(f->port, 10);
    int64_t t0 = clock_mono_us();
    send_str(fd, "GET /stream?lines=1&idle=61000&hb=2000 HTTP/1.1\r\nHost: x\r\n\r\n");
    reply r;
    reply_init(&r);
    read_reply(fd, &r, true, NULL);
    close(fd);
    int64_t took = clock_mono_us() - t0;
    assert_false(r.timed_out);
    assert_true(r.terminated);
    assert_true(took >= 61000000);
    assert_int_equal(count(r.body.data, "\"type\":\"chunk\""), 1);
    assert_true(count(r.body.data, HTTP_STREAM_NDJSON_HEARTBEAT) >= 25);
    reply_cleanup(&r);
}

/* Stopping the server with streams open: their producers see them closed at
 * once (one writing, one blocked on a full queue), the clients see the
 * transfer cut, the stop does not wait for the grace period, and nothing
 * leaks (ASan). */
static void test_stream_server_stop_with_open_streams(void **state)
{
    fixture *f = *state;
    int fd1 = connect_to(f->port, 10);
    send_str(fd1, "GET /stream?lines=-1&every=20 HTTP/1.1\r\nHost: x\r\n\r\n");
    reply r;
    reply_init(&r);
    read_reply(fd1, &r, false, "\"i\":2,");
    producer *p1 = last_producer(&f->ps);
    int fd2 = connect_to(f->port, 10);
    send_str(fd2, "GET /stream?lines=-1&pad=65536&queue=16384 HTTP/1.1\r\nHost: x\r\n\r\n");
    producer *p2 = NULL;
    for (int i = 0; i < 2000 && ((p2 = last_producer(&f->ps)) == p1 || p2 == NULL); i++)
        sleep_ms(1);
    assert_true(p2 != p1);
    while (atomic_load(&p2->written) < 2)
        sleep_ms(1);
    int64_t t0 = clock_mono_us();
    http_server_stop(f->s);
    f->s = NULL;
    int64_t took = clock_mono_us() - t0;
    assert_true(wait_flag(&p1->done, 2000));
    assert_true(wait_flag(&p2->done, 2000));
    assert_true(atomic_load(&p1->closed_at_us) - t0 < 1000000);
    assert_true(atomic_load(&p2->closed_at_us) - t0 < 1000000);
    assert_true(took < 3000000); /* not the 5 s grace period */
    read_reply(fd1, &r, true, NULL);
    assert_false(r.terminated);
    assert_false(r.timed_out);
    reply_cleanup(&r);
    close(fd1);
    close(fd2);
    print_message("stop with two open streams took %.1f ms\n", took / 1e3);
}

/* HTTP/1.0 has no chunked encoding: the body ends with the connection. */
static void test_stream_server_http10(void **state)
{
    fixture *f = *state;
    int fd = connect_to(f->port, 10);
    send_str(fd, "GET /stream?lines=2 HTTP/1.0\r\nHost: x\r\n\r\n");
    char buf_[8192];
    size_t len = 0;
    ssize_t got;
    while (len < sizeof buf_ - 1 && (got = recv(fd, buf_ + len, sizeof buf_ - 1 - len, 0)) > 0)
        len += (size_t)got;
    buf_[len] = '\0';
    close(fd);
    assert_non_null(strstr(buf_, " 200 "));
    assert_null(strcasestr(buf_, "Transfer-Encoding: chunked"));
    assert_non_null(strstr(buf_, "\r\n\r\n{\"type\":\"chunk\",\"i\":0,"));
    assert_non_null(strstr(buf_, "{\"type\":\"done\"}\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stream_fake_collects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_fake_disconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_replaced_by_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_json_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_server_basic, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_stream_server_abort, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_stream_server_producer_first, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_stream_server_slow_producer_others_served, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_stream_server_client_disconnects, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_stream_server_heartbeats, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_stream_server_stop_with_open_streams, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_stream_server_http10, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_stream_server_heartbeat_outlives_timeout, setup_server, teardown),
    };
    log_configure(LOG_ERROR, 1);
    return cmocka_run_group_tests_name("http_stream", tests, NULL, NULL);
}
