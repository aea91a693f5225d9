/* Unit tests for src/http/limits.c and the request deadlines of
 * src/http/watch.c: a real server on 127.0.0.1 (port 0) with short deadlines
 * (headers 1 s, whole request 3 s) and a small limit per client address,
 * spoken to over plain sockets. Attacking clients bind their sockets to
 * 127.0.0.5 (all of 127.0.0.0/8 is loopback on Linux), so the server sees
 * them as another address than the 127.0.0.1 that checks /health meanwhile.
 * Cuts are expected from just before a deadline to SLACK_MS after it (the
 * watcher looks every 250 ms; the rest is for a loaded machine); the whole
 * file takes about 35 s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "http/http.h"
#include "http/http_int.h"
#include "http/router.h"
#include "http/server.h"

#define ATTACKER "127.0.0.5"
#define OTHER "127.0.0.6"
#define HEADER_S 1
#define TOTAL_S 3
#define PER_IP 16
/* Connections the kernel completed are accepted by the server a moment later:
 * long enough a wait for that before counting on them (ms). */
#define ACCEPTED_MS 300
/* How late after its deadline a connection may be cut (ms). */
#define SLACK_MS 1200
/* A big answer that a slow reader takes seconds to read. */
#define BIG_LEN (2 * 1024 * 1024)

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t ms_since(int64_t t0_us)
{
    return (clock_mono_us() - t0_us) / 1000;
}

/* ---- handlers ---- */

static void h_health(http_req *req, http_res *res)
{
    (void)req;
    http_res_json(res, 200, json_pack("{s:s}", "status", "ok"));
}

static void h_echo(http_req *req, http_res *res)
{
    http_res_body(res, 200, "text/plain", req->body, req->body_len);
}

/* Longer than the whole request's deadline: handling is not arriving. */
static void h_slow(http_req *req, http_res *res)
{
    (void)req;
    sleep_ms(TOTAL_S * 1000 + 500);
    http_res_body(res, 200, "text/plain", "done", 4);
}

static void h_big(http_req *req, http_res *res)
{
    (void)req;
    char *body = malloc(BIG_LEN);
    memset(body, 'b', BIG_LEN);
    http_res_body(res, 200, "application/octet-stream", body, BIG_LEN);
    free(body);
}

/* A stream that lasts longer than the whole request's deadline: a line
 * every 100 ms for a second more than it. */
#define STREAM_LINES ((TOTAL_S + 1) * 10)
typedef struct streamer {
    http_stream *s;
    pthread_t thread;
    bool running;
} streamer;

static void *stream_lines(void *arg)
{
    http_stream *s = arg;
    for (int i = 0; i < STREAM_LINES && !http_stream_closed(s); i++) {
        char line[32];
        int n = snprintf(line, sizeof line, "line %d\n", i);
        if (http_stream_write(s, line, (size_t)n) != EM_OK)
            break;
        sleep_ms(100);
    }
    http_stream_end(s, true);
    return NULL;
}

static void h_stream(http_req *req, http_res *res)
{
    streamer *st = req->ctx;
    st->s = http_res_stream(req, res, 200, "text/plain", NULL);
    st->running = pthread_create(&st->thread, NULL, stream_lines, st->s) == 0;
    if (!st->running) {
        http_stream_end(st->s, false);
        http_res_error(res, 500, "internal", "no thread");
    }
}

/* ---- fixture ---- */

typedef struct fixture {
    router *r;
    http_site site;
    streamer st;
    http_server *s;
    int port;
} fixture;

static void start(fixture *f, int per_ip, int header_s, int total_s)
{
    http_server_options o = {
        .host = "127.0.0.1",
        .port = 0,
        .threads = 2,
        .max_body = 1024,
        .shutdown_grace_s = 5,
        .site = &f->site,
        .max_connections_per_ip = per_ip,
        .request_header_timeout_s = header_s,
        .request_timeout_s = total_s,
    };
    em_error err;
    assert_int_equal(http_server_start(&o, &f->s, &err), EM_OK);
    f->port = http_server_port(f->s);
}

static void stop(fixture *f)
{
    http_server_stop(f->s);
    f->s = NULL;
    if (f->st.running)
        pthread_join(f->st.thread, NULL);
    f->st.running = false;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->r = router_new();
    assert_int_equal(router_add(f->r, "GET", "/health", h_health), 0);
    assert_int_equal(router_add(f->r, "POST", "/echo", h_echo), 0);
    assert_int_equal(router_add(f->r, "GET", "/slow", h_slow), 0);
    assert_int_equal(router_add(f->r, "GET", "/big", h_big), 0);
    assert_int_equal(router_add(f->r, "GET", "/stream", h_stream), 0);
    const http_route slow = {"GET", "/slow-off", h_slow, HTTP_PUBLIC, ROUTE_SLOW};
    assert_int_equal(router_add_route(f->r, &slow), 0);
    f->site = (http_site){.routes = f->r, .ctx = &f->st};
    start(f, PER_IP, HEADER_S, TOTAL_S);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    stop(f);
    router_free(f->r);
    free(f);
    return 0;
}

/* ---- a raw client ---- */

/* A connection to the server from address `from`, blocking, with a 5 s
 * receive timeout. rcvbuf > 0 shrinks the receive buffer (a slow reader). */
static int connect_from(const char *from, int port, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, from, &sa.sin_addr), 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    sa.sin_port = htons((uint16_t)port);
    assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr), 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static bool send_str(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        s += w;
        n -= (size_t)w;
    }
    return true;
}

/* Whether the server closed fd (EOF or reset) within timeout_ms; bytes that
 * arrive meanwhile are counted into *got (may be NULL). */
static bool closed_within(int fd, int timeout_ms, size_t *got)
{
    int64_t t0 = clock_mono_us();
    for (;;) {
        int left = timeout_ms - (int)ms_since(t0);
        if (left < 0)
            left = 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, left);
        if (n == 0)
            return false;
        char chunk[4096];
        ssize_t r = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
            return true;
        if (r > 0 && got != NULL)
            *got += (size_t)r;
    }
}

/* One whole response on a connection (headers, then Content-Length bytes):
 * its status, or 0 when the connection ended first. */
static int read_response(int fd)
{
    char text[8192];
    size_t len = 0;
    char *end = NULL;
    while (end == NULL) {
        if (len == sizeof text - 1)
            return 0;
        ssize_t r = recv(fd, text + len, sizeof text - 1 - len, 0);
        if (r <= 0)
            return 0;
        len += (size_t)r;
        text[len] = '\0';
        end = strstr(text, "\r\n\r\n");
    }
    int status = 0;
    if (strncmp(text, "HTTP/1.1 ", 9) == 0)
        status = (int)strtol(text + 9, NULL, 10);
    const char *cl = strcasestr(text, "\r\nContent-Length:");
    size_t want = cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
    size_t have = len - (size_t)(end + 4 - text);
    while (have < want) {
        ssize_t r = recv(fd, text, sizeof text, 0);
        if (r <= 0)
            return 0;
        have += (size_t)r;
    }
    return status;
}

/* GET /health on a new connection from `from`: the status, and the time in
 * ms through *took. */
static int health_from(const char *from, int port, int64_t *took)
{
    int64_t t0 = clock_mono_us();
    int fd = connect_from(from, port, 0);
    send_str(fd, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    int status = read_response(fd);
    close(fd);
    if (took != NULL)
        *took = ms_since(t0);
    return status;
}

/* ---- sizing ---- */

static void test_limits_sized_from_the_file_limit(void **state)
{
    (void)state;
    http_server_limits l;
    /* a roomy limit: two descriptors per connection after a reserve */
    http__limits_size(20000, 2, 256, &l);
    assert_int_equal(l.connections, (20000 - 256) / 2);
    assert_int_equal(l.per_ip, 256);
    assert_false(l.per_ip_lowered);
    assert_int_equal(l.fd_limit, 20000);
    /* never more than 16384, however large the limit */
    http__limits_size(1048576, 4, 256, &l);
    assert_int_equal(l.connections, 16384);
    http__limits_size(LONG_MAX, 4, 0, &l);
    assert_int_equal(l.connections, 16384);
    assert_int_equal(l.per_ip, 0);
    http__limits_size(-1, 2, 256, &l); /* unknown */
    assert_int_equal(l.connections, 16384);
    /* Debian's default soft limit: 384 connections, 192 per pool thread; one
     * address gets at most 3/4 of a thread's share */
    http__limits_size(1024, 2, 256, &l);
    assert_int_equal(l.connections, 384);
    assert_int_equal(l.per_ip, 144);
    assert_true(l.per_ip_lowered);
    /* a tiny limit still gives each thread a few connections */
    http__limits_size(100, 4, 1, &l);
    assert_int_equal(l.connections, 32);
    assert_int_equal(l.per_ip, 1);
    assert_false(l.per_ip_lowered);
}

static void test_limits_raise_fd_limit(void **state)
{
    (void)state;
    struct rlimit was;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
    if (was.rlim_max == RLIM_INFINITY || was.rlim_max <= 256)
        skip();
    struct rlimit low = {.rlim_cur = 256, .rlim_max = was.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    assert_int_equal(http__fd_limit(), 256);
    long now = http_server_raise_fd_limit();
    assert_int_equal(now, (long)was.rlim_max);
    struct rlimit after;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &after), 0);
    assert_int_equal(after.rlim_cur, was.rlim_max);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
}

/* With a small file limit the per-address limit is lowered, and an address
 * at that limit still leaves room: /health from elsewhere answers. */
static void test_limits_lowered_per_ip_leaves_room(void **state)
{
    fixture *f = *state;
    struct rlimit was;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
    if (was.rlim_max != RLIM_INFINITY && was.rlim_max < 400)
        skip();
    stop(f);
    struct rlimit low = {.rlim_cur = 400, .rlim_max = was.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    start(f, 1000, 0, 0); /* no deadlines: the connections are held */
    http_server_limits l;
    http_server_get_limits(f->s, &l);
    assert_int_equal(l.fd_limit, 400);
    assert_int_equal(l.connections, 72); /* (400 - 256) / 2, 36 per thread */
    assert_int_equal(l.per_ip, 27);      /* 36 - 36 / 4 */
    assert_true(l.per_ip_lowered);
    int held[27];
    for (int i = 0; i < 27; i++) {
        held[i] = connect_from(ATTACKER, f->port, 0);
        assert_true(send_str(held[i], "GET /health HTTP/1.1\r\n"));
    }
    sleep_ms(ACCEPTED_MS);
    int extra = connect_from(ATTACKER, f->port, 0);
    send_str(extra, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(closed_within(extra, 1000, NULL));
    close(extra);
    int64_t took = 0;
    assert_int_equal(health_from("127.0.0.1", f->port, &took), 200);
    assert_true(took < 1000);
    for (int i = 0; i < 27; i++)
        close(held[i]);
    stop(f);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
    start(f, PER_IP, HEADER_S, TOTAL_S);
}

/* ---- the limit per address ---- */

static void test_limits_per_ip(void **state)
{
    fixture *f = *state;
    stop(f);
    start(f, PER_IP, 0, 0); /* no deadlines: the connections are held */
    int held[PER_IP];
    for (int i = 0; i < PER_IP; i++) {
        held[i] = connect_from(ATTACKER, f->port, 0);
        assert_true(send_str(held[i], "GET /health HTTP/1.1\r\nX-Slow: "));
    }
    sleep_ms(ACCEPTED_MS);
    for (int i = 0; i < PER_IP; i++)
        assert_false(closed_within(held[i], 0, NULL));
    /* one more from the same address: closed at once, without an answer */
    for (int i = 0; i < 5; i++) {
        int64_t t0 = clock_mono_us();
        int fd = connect_from(ATTACKER, f->port, 0);
        send_str(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        size_t got = 0;
        assert_true(closed_within(fd, 2000, &got));
        assert_int_equal(got, 0);
        assert_true(ms_since(t0) < 1000);
        close(fd);
    }
    /* others are served */
    int64_t took = 0;
    assert_int_equal(health_from("127.0.0.1", f->port, &took), 200);
    assert_true(took < 1000);
    assert_int_equal(health_from(OTHER, f->port, NULL), 200);
    /* one of the address's connections ends: it may open another */
    close(held[0]);
    int status = 0;
    for (int i = 0; i < 100 && status != 200; i++) {
        status = health_from(ATTACKER, f->port, NULL);
        if (status != 200)
            sleep_ms(20);
    }
    assert_int_equal(status, 200);
    for (int i = 1; i < PER_IP; i++)
        close(held[i]);
}

/* ---- deadlines ---- */

/* Send a byte every 100 ms on fd until the server closes it (or 5 s): the
 * time until it did, in ms, or -1. */
static int64_t trickle_until_closed(int fd, const char *byte, int64_t t0)
{
    while (ms_since(t0) < 5000) {
        if (closed_within(fd, 100, NULL))
            return ms_since(t0);
        send_str(fd, byte);
    }
    return -1;
}

/* Headers that trickle in are cut at the header deadline; so is a
 * connection that sends nothing, and requests whose lines end in a bare CR
 * (libmicrohttpd 0.9.75 waits for a line feed that never comes). */
static void test_limits_header_deadline(void **state)
{
    fixture *f = *state;
    const char *starts[] = {
        "GET /health HTTP/1.1\r\n",           /* then X-Trickle lines, a byte at a time */
        "",                                   /* nothing at all */
        "GET /health HTTP/1.1\r",             /* a bare CR */
        "GET /health HTTP/1.1\rHost: x\r\r",  /* CR-only line endings */
    };
    const char *bytes[] = {"X", "", "", ""};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        int64_t t0 = clock_mono_us();
        int fd = connect_from(ATTACKER, f->port, 0);
        send_str(fd, starts[i]);
        int64_t cut = trickle_until_closed(fd, bytes[i], t0);
        close(fd);
        if (cut < HEADER_S * 1000 - 100 || cut > HEADER_S * 1000 + SLACK_MS)
            fail_msg("case %zu: cut after %lld ms, want about %d", i, (long long)cut, HEADER_S * 1000);
    }
    /* headers that are in before the deadline are answered */
    int fd = connect_from(ATTACKER, f->port, 0);
    send_str(fd, "GET /health HTTP/1.1\r\n");
    sleep_ms(HEADER_S * 1000 / 2);
    send_str(fd, "Host: x\r\nConnection: close\r\n\r\n");
    assert_int_equal(read_response(fd), 200);
    close(fd);
}

/* A body that trickles in is cut at the whole request's deadline, not at the
 * header deadline (its headers were in at once); with Content-Length and
 * chunked. */
static void test_limits_body_deadline(void **state)
{
    fixture *f = *state;
    const char *heads[] = {
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 500\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    const char *bytes[] = {"x", "1\r\nx\r\n"};
    for (size_t i = 0; i < 2; i++) {
        int64_t t0 = clock_mono_us();
        int fd = connect_from(ATTACKER, f->port, 0);
        send_str(fd, heads[i]);
        int64_t cut = trickle_until_closed(fd, bytes[i], t0);
        close(fd);
        if (cut < TOTAL_S * 1000 - 100 || cut > TOTAL_S * 1000 + SLACK_MS)
            fail_msg("case %zu: cut after %lld ms, want about %d", i, (long long)cut, TOTAL_S * 1000);
    }
}

/* On a keep-alive connection both clocks start again when a response ends:
 * requests 700 ms apart go on past both deadlines counted from the start;
 * an idle connection is closed at the header deadline after its last answer. */
static void test_limits_keep_alive_clock(void **state)
{
    fixture *f = *state;
    int fd = connect_from(ATTACKER, f->port, 0);
    int64_t t0 = clock_mono_us();
    for (int i = 0; i < 2 + TOTAL_S * 10 / 7; i++) {
        if (i > 0)
            sleep_ms(700);
        assert_true(send_str(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert_int_equal(read_response(fd), 200);
    }
    assert_true(ms_since(t0) > TOTAL_S * 1000);
    int64_t t1 = clock_mono_us();
    assert_true(closed_within(fd, 3000, NULL));
    int64_t idle = ms_since(t1);
    close(fd);
    if (idle < HEADER_S * 1000 - 100 || idle > HEADER_S * 1000 + SLACK_MS)
        fail_msg("idle connection closed after %lld ms", (long long)idle);
}

/* Answers are never cut by the deadlines: a handler slower than the whole
 * request's deadline (on the I/O thread and in the slow pool), a stream that
 * lasts longer, and a client that reads a big answer slowly. */
static void test_limits_answers_not_cut(void **state)
{
    fixture *f = *state;
    const char *slow[] = {"/slow", "/slow-off"};
    for (int i = 0; i < 2; i++) {
        int fd = connect_from(ATTACKER, f->port, 0);
        char req[128];
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", slow[i]);
        send_str(fd, req);
        assert_int_equal(read_response(fd), 200);
        close(fd);
    }

    int fd = connect_from(ATTACKER, f->port, 0);
    int64_t t0 = clock_mono_us();
    send_str(fd, "GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    char *all = calloc(1, 65536);
    size_t len = 0;
    for (;;) {
        ssize_t r = recv(fd, all + len, 65535 - len, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    assert_true(ms_since(t0) > TOTAL_S * 1000);
    char last[32];
    snprintf(last, sizeof last, "line %d\n", STREAM_LINES - 1);
    assert_non_null(strstr(all, last));
    assert_non_null(strstr(all, "\r\n0\r\n\r\n")); /* the terminating chunk: ended, not cut */
    free(all);

    fd = connect_from(ATTACKER, f->port, 4096);
    t0 = clock_mono_us();
    send_str(fd, "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    char piece[8192];
    size_t total = 0;
    for (;;) {
        ssize_t r = recv(fd, piece, sizeof piece, 0);
        if (r <= 0)
            break;
        total += (size_t)r;
        if (ms_since(t0) < TOTAL_S * 1000 + 500)
            sleep_ms(10); /* slowly, for longer than the deadline */
    }
    close(fd);
    assert_true(total > BIG_LEN);
    assert_true(ms_since(t0) > TOTAL_S * 1000);
}

/* ---- a siege ---- */

typedef struct attacker {
    int fd;
    int64_t start_us;
    int64_t cut_ms;     /* when the server closed it (-1: not yet) */
    bool body;          /* its headers went in at once; it trickles a body */
} attacker;

/* PER_IP connections from one address, half trickling headers and half a
 * body, and then more that are refused; meanwhile /health from 127.0.0.1
 * answers promptly every time, and the trickling ones are cut at their
 * deadlines. */
static void test_limits_health_under_siege(void **state)
{
    fixture *f = *state;
    attacker a[PER_IP];
    for (int i = 0; i < PER_IP; i++) {
        a[i].body = i % 2 == 1;
        a[i].fd = connect_from(ATTACKER, f->port, 0);
        a[i].start_us = clock_mono_us();
        a[i].cut_ms = -1;
        send_str(a[i].fd, a[i].body ? "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n"
                                    : "GET /health HTTP/1.1\r\n");
    }
    sleep_ms(ACCEPTED_MS);
    int refused = 0;
    for (int i = 0; i < PER_IP; i++) {
        int fd = connect_from(ATTACKER, f->port, 0);
        send_str(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        refused += closed_within(fd, 1000, NULL);
        close(fd);
    }
    assert_int_equal(refused, PER_IP);
    int64_t worst = 0;
    int probes = 0;
    int64_t t0 = clock_mono_us();
    for (int left = PER_IP; left > 0 && ms_since(t0) < (TOTAL_S + 4) * 1000;) {
        int64_t took = 0;
        assert_int_equal(health_from("127.0.0.1", f->port, &took), 200);
        probes++;
        if (took > worst)
            worst = took;
        for (int i = 0; i < PER_IP; i++) {
            if (a[i].cut_ms >= 0)
                continue;
            if (closed_within(a[i].fd, 0, NULL)) {
                a[i].cut_ms = ms_since(a[i].start_us);
                left--;
            } else {
                send_str(a[i].fd, "x");
            }
        }
        sleep_ms(50);
    }
    for (int i = 0; i < PER_IP; i++) {
        close(a[i].fd);
        int want = a[i].body ? TOTAL_S * 1000 : HEADER_S * 1000;
        if (a[i].cut_ms < want - 100 || a[i].cut_ms > want + SLACK_MS)
            fail_msg("connection %d (%s) cut after %lld ms, want about %d", i, a[i].body ? "body" : "headers",
                     (long long)a[i].cut_ms, want);
    }
    assert_true(probes >= 20);
    if (worst > 500)
        fail_msg("/health took %lld ms during the siege", (long long)worst);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_sized_from_the_file_limit),
        cmocka_unit_test(test_limits_raise_fd_limit),
        T(test_limits_lowered_per_ip_leaves_room),
        T(test_limits_per_ip),
        T(test_limits_header_deadline),
        T(test_limits_body_deadline),
        T(test_limits_keep_alive_clock),
        T(test_limits_answers_not_cut),
        T(test_limits_health_under_siege),
    };
#undef T
    log_configure(LOG_ERROR, 1);
    return cmocka_run_group_tests_name("http_limits", tests, NULL, NULL);
}
