/* net/http_client against a small HTTP server run by the test itself (a thread
 * per connection on 127.0.0.1, one request per connection): status, headers
 * and body; the size limit from Content-Length and while reading; bodies of
 * failed answers kept and cut; timeouts; streamed answers and stopping them;
 * cancellation mid-transfer and while the server is silent; bodies from memory
 * and from a file range; refused connections; malformed requests; redirects;
 * and AWS Signature Version 4 against the fake S3 server of
 * tests/fixtures/fixtures_s3.h, which checks every signature itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"
#include "fixtures_s3.h"
#include "net/http_client.h"

/* ---- the test server ------------------------------------------------------------ */

#define SRV_HEAD_MAX 16384
#define SRV_BODY_MAX (8 << 20)
#define SRV_WAIT_STEPS 500 /* of 20 ms: how long /hang and /drip last at most */

typedef struct srv_conn {
    struct srv *s;
    int fd;
    pthread_t thread;
    atomic_bool done;
    struct srv_conn *next;
} srv_conn;

typedef struct srv {
    int fd;
    int port;
    pthread_t thread;
    atomic_bool stop;
    srv_conn *conns;   /* the accepting thread's alone */
    atomic_int served; /* requests read */
} srv;

static void send_all(int c, const void *p, size_t n)
{
    const char *b = p;
    while (n > 0) {
        ssize_t w = send(c, b, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        b += w;
        n -= (size_t)w;
    }
}

static void send_str(int c, const char *s)
{
    send_all(c, s, strlen(s));
}

static unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 7 + 3);
}

/* Wait until the client closes the connection or the server stops. */
static void wait_for_close(srv *s, int c)
{
    for (int i = 0; i < SRV_WAIT_STEPS && !atomic_load(&s->stop); i++) {
        struct pollfd p = {c, POLLIN, 0};
        if (poll(&p, 1, 20) > 0) {
            char b[256];
            if (recv(c, b, sizeof b, MSG_DONTWAIT) <= 0)
                return;
        }
    }
}

/* The value of header name in head (lowercase name), into out; false if absent. */
static bool head_value(const char *head, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            snprintf(out, cap, "%.*s", (int)strcspn(v, "\r\n"), v);
            return true;
        }
    }
    return false;
}

static void serve(srv *s, int c)
{
    char head[SRV_HEAD_MAX];
    size_t n = 0;
    char *end = NULL;
    while (end == NULL) {
        if (n == sizeof head - 1)
            return;
        ssize_t r = recv(c, head + n, sizeof head - 1 - n, 0);
        if (r <= 0)
            return;
        n += (size_t)r;
        head[n] = '\0';
        end = strstr(head, "\r\n\r\n");
    }
    atomic_fetch_add(&s->served, 1);
    size_t head_len = (size_t)(end - head) + 4;
    char method[16], target[1024];
    if (sscanf(head, "%15s %1023s", method, target) != 2)
        return;
    char v[1024];
    if (head_value(head, "expect", v, sizeof v) && strcasecmp(v, "100-continue") == 0 && n == head_len)
        send_str(c, "HTTP/1.1 100 Continue\r\n\r\n");
    size_t len = head_value(head, "content-length", v, sizeof v) ? strtoul(v, NULL, 10) : 0;
    if (len > SRV_BODY_MAX)
        return;
    unsigned char *body = em_malloc(len + 1);
    size_t have = n - head_len < len ? n - head_len : len;
    memcpy(body, head + head_len, have);
    while (have < len) {
        ssize_t r = recv(c, body + have, len - have, 0);
        if (r <= 0) {
            free(body);
            return;
        }
        have += (size_t)r;
    }

    char line[2048];
    size_t num = 0;
    if (sscanf(target, "/bytes/%zu", &num) == 1 || sscanf(target, "/nolen/%zu", &num) == 1) {
        bool with_len = strncmp(target, "/bytes/", 7) == 0;
        snprintf(line, sizeof line, "HTTP/1.1 200 OK\r\nConnection: close\r\nX-Test:  Hello There \r\n");
        send_str(c, line);
        if (with_len) {
            snprintf(line, sizeof line, "Content-Length: %zu\r\n", num);
            send_str(c, line);
        }
        send_str(c, "\r\n");
        if (strcmp(method, "HEAD") != 0) {
            unsigned char *b = em_malloc(num + 1);
            for (size_t i = 0; i < num; i++)
                b[i] = pattern(i);
            send_all(c, b, num);
            free(b);
        }
    } else if (sscanf(target, "/status/%zu", &num) == 1) {
        char b[64];
        int bl = snprintf(b, sizeof b, "status %zu", num);
        snprintf(line, sizeof line, "HTTP/1.1 %zu X\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
                 num, bl, b);
        send_str(c, line);
    } else if (strcmp(target, "/bigerror") == 0) {
        size_t big = 100000;
        snprintf(line, sizeof line, "HTTP/1.1 500 X\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n",
                 big);
        send_str(c, line);
        unsigned char *b = em_malloc(big);
        memset(b, 'e', big);
        send_all(c, b, big);
        free(b);
    } else if (strcmp(target, "/pieces") == 0) {
        send_str(c, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        for (int i = 0; i < 5; i++) {
            snprintf(line, sizeof line, "piece%d;", i);
            send_str(c, line);
            usleep(30000);
        }
    } else if (strcmp(target, "/drip") == 0) {
        send_str(c, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        for (int i = 0; i < SRV_WAIT_STEPS && !atomic_load(&s->stop); i++) {
            if (send(c, "x", 1, MSG_NOSIGNAL) != 1)
                break;
            usleep(20000);
        }
    } else if (strcmp(target, "/hang") == 0) {
        wait_for_close(s, c);
    } else if (strcmp(target, "/echo") == 0) {
        char ct[256] = "", ex[256] = "", xa[256] = "";
        head_value(head, "content-type", ct, sizeof ct);
        head_value(head, "expect", ex, sizeof ex);
        head_value(head, "x-a", xa, sizeof xa);
        snprintf(line, sizeof line,
                 "HTTP/1.1 200 OK\r\nConnection: close\r\nX-Method: %s\r\nX-Content-Type: %s\r\n"
                 "X-Expect: %s\r\nX-Got-A: %s\r\nContent-Length: %zu\r\n\r\n",
                 method, ct, ex, xa, len);
        send_str(c, line);
        send_all(c, body, len);
    } else if (strcmp(target, "/redirect") == 0) {
        send_str(c, "HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: /bytes/10\r\nContent-Length: "
                    "5\r\n\r\nmoved");
    } else if (strcmp(target, "/redirect-ftp") == 0) {
        send_str(c, "HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: "
                    "ftp://127.0.0.1/x\r\nContent-Length: 0\r\n\r\n");
    } else {
        send_str(c, "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 9\r\n\r\nnot found");
    }
    free(body);
}

static void *conn_run(void *arg)
{
    srv_conn *k = arg;
    serve(k->s, k->fd);
    shutdown(k->fd, SHUT_RDWR);
    atomic_store(&k->done, true);
    return NULL;
}

static void conns_reap(srv *s, bool all)
{
    srv_conn **pp = &s->conns;
    while (*pp != NULL) {
        srv_conn *k = *pp;
        if (!all && !atomic_load(&k->done)) {
            pp = &k->next;
            continue;
        }
        pthread_join(k->thread, NULL);
        close(k->fd);
        *pp = k->next;
        free(k);
    }
}

static void *srv_run(void *arg)
{
    srv *s = arg;
    while (!atomic_load(&s->stop)) {
        conns_reap(s, false);
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 20) <= 0)
            continue;
        int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        srv_conn *k = em_calloc(1, sizeof *k);
        k->s = s;
        k->fd = c;
        atomic_init(&k->done, false);
        if (pthread_create(&k->thread, NULL, conn_run, k) != 0) {
            close(c);
            free(k);
            continue;
        }
        k->next = s->conns;
        s->conns = k;
    }
    conns_reap(s, true);
    return NULL;
}

static srv *srv_start(void)
{
    srv *s = em_calloc(1, sizeof *s);
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, 64), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    atomic_init(&s->stop, false);
    atomic_init(&s->served, 0);
    assert_int_equal(pthread_create(&s->thread, NULL, srv_run, s), 0);
    return s;
}

static void srv_stop(srv *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    close(s->fd);
    free(s);
}

static char *url(const srv *s, const char *path)
{
    return em_asprintf("http://127.0.0.1:%d%s", s->port, path);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Perform req and expect rc; res is left for the caller to look at and clean. */
static void perform_expect(const net_request *req, net_response *res, int want)
{
    em_error err = {0};
    int rc = net_perform(req, res, &err);
    if (rc != want)
        fail_msg("%s %s: got %d (%s), want %d", req->method != NULL ? req->method : "GET", req->url, rc,
                 err.msg, want);
    assert_int_equal(err.code, want);
}

/* ---- answers ---------------------------------------------------------------------- */

static void net_http_client_status_and_body(void **state)
{
    srv *s = srv_start();
    char *u = url(s, "/bytes/100000");
    net_request req = {.url = u};
    net_response res;
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.body.len, 100000);
    for (size_t i = 0; i < res.body.len; i++) {
        if ((unsigned char)res.body.data[i] != pattern(i))
            fail_msg("byte %zu differs", i);
    }
    /* headers by any case, values trimmed */
    assert_string_equal(net_response_header(&res, "x-test"), "Hello There");
    assert_string_equal(net_response_header(&res, "X-TEST"), "Hello There");
    assert_null(net_response_header(&res, "x-absent"));
    uint64_t cl;
    assert_int_equal(net_response_content_length(&res, &cl), EM_OK);
    assert_int_equal(cl, 100000);
    assert_false(res.body_cut);
    net_response_cleanup(&res);
    free(u);

    /* an error status is an answer like any other */
    u = url(s, "/status/404");
    req.url = u;
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 404);
    assert_string_equal(res.body.data, "status 404");
    net_response_cleanup(&res);
    free(u);

    /* HEAD: the length without a body */
    u = url(s, "/bytes/123456");
    req = (net_request){.method = "HEAD", .url = u, .max_body = 10};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.body.len, 0);
    assert_int_equal(net_response_content_length(&res, &cl), EM_OK);
    assert_int_equal(cl, 123456);
    net_response_cleanup(&res);
    free(u);

    /* an answer without Content-Length ends with the connection */
    u = url(s, "/nolen/5000");
    req = (net_request){.url = u};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.body.len, 5000);
    assert_int_equal(net_response_content_length(&res, &cl), EM_E_NOT_FOUND);
    net_response_cleanup(&res);
    free(u);
    srv_stop(s);
}

static int count_data(void *ctx, const void *data, size_t n)
{
    *(size_t *)ctx += n;
    return 0;
}

static void net_http_client_size_limit(void **state)
{
    srv *s = srv_start();
    net_response res;
    /* refused from Content-Length: nothing is delivered */
    char *u = url(s, "/bytes/5000");
    size_t delivered = 0;
    net_request req = {.url = u, .max_body = 4999, .on_data = count_data, .cb_ctx = &delivered};
    perform_expect(&req, &res, EM_E_TOO_LARGE);
    assert_int_equal(res.status, 200);
    assert_int_equal(delivered, 0);
    net_response_cleanup(&res);
    req.on_data = NULL;
    perform_expect(&req, &res, EM_E_TOO_LARGE);
    assert_int_equal(res.body.len, 0);
    net_response_cleanup(&res);
    req.max_body = 5000; /* exactly at the limit */
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.body.len, 5000);
    net_response_cleanup(&res);
    free(u);

    /* no Content-Length: stopped as soon as it goes past, never more kept */
    u = url(s, "/nolen/200000");
    req = (net_request){.url = u, .max_body = 100000, .on_data = count_data, .cb_ctx = &delivered};
    perform_expect(&req, &res, EM_E_TOO_LARGE);
    assert_true(delivered <= 100000);
    net_response_cleanup(&res);
    req.on_data = NULL;
    perform_expect(&req, &res, EM_E_TOO_LARGE);
    assert_int_equal(res.body.len, 0);
    net_response_cleanup(&res);
    free(u);

    /* the default limit */
    u = url(s, "/bytes/1048577");
    req = (net_request){.url = u};
    perform_expect(&req, &res, EM_E_TOO_LARGE);
    net_response_cleanup(&res);
    free(u);

    /* a failed answer's body is kept up to NET_ERROR_BODY_MAX and not read further,
     * whatever max_body says */
    u = url(s, "/bigerror");
    req = (net_request){.url = u, .max_body = 10};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 500);
    assert_int_equal(res.body.len, NET_ERROR_BODY_MAX);
    assert_true(res.body_cut);
    net_response_cleanup(&res);
    free(u);
    /* ... and a small one whole, even past a small max_body */
    u = url(s, "/status/503");
    req = (net_request){.url = u, .max_body = 2};
    perform_expect(&req, &res, EM_OK);
    assert_string_equal(res.body.data, "status 503");
    assert_false(res.body_cut);
    net_response_cleanup(&res);
    free(u);
    srv_stop(s);
}

static void net_http_client_timeout(void **state)
{
    srv *s = srv_start();
    net_response res;
    char *u = url(s, "/hang");
    net_request req = {.url = u, .timeout_ms = 300};
    long t0 = now_ms();
    perform_expect(&req, &res, EM_E_TIMEOUT);
    long took = now_ms() - t0;
    assert_true(took >= 250);
    assert_true(took < 2000);
    assert_int_equal(res.status, 0);
    net_response_cleanup(&res);
    free(u);

    /* a body that keeps coming past the total time */
    u = url(s, "/drip");
    req = (net_request){.url = u, .timeout_ms = 300};
    perform_expect(&req, &res, EM_E_TIMEOUT);
    assert_int_equal(res.body.len, 0); /* nothing half-received is handed back */
    net_response_cleanup(&res);
    free(u);
    srv_stop(s);
}

/* ---- streaming ---------------------------------------------------------------------- */

typedef struct pieces {
    char text[256];
    size_t len;
    int calls;
    int stop_after; /* 0: never stop */
    int stop_rc;
    long status_at_head;
    const char *x_test_at_head;
    int heads;
} pieces;

static int on_piece(void *ctx, const void *data, size_t n)
{
    pieces *p = ctx;
    assert_true(p->len + n < sizeof p->text);
    memcpy(p->text + p->len, data, n);
    p->len += n;
    p->text[p->len] = '\0';
    p->calls++;
    if (p->stop_after > 0 && p->calls >= p->stop_after)
        return p->stop_rc;
    return 0;
}

static int on_head(void *ctx, const net_response *res)
{
    pieces *p = ctx;
    p->heads++;
    p->status_at_head = res->status;
    p->x_test_at_head = net_response_header(res, "x-test");
    assert_int_equal(p->len, 0); /* before any body */
    return p->stop_rc != 0 && p->stop_after == 0 ? p->stop_rc : 0;
}

static void net_http_client_streaming(void **state)
{
    srv *s = srv_start();
    net_response res;
    char *u = url(s, "/pieces");
    pieces p = {0};
    net_request req = {.url = u, .on_data = on_piece, .on_head = on_head, .cb_ctx = &p};
    perform_expect(&req, &res, EM_OK);
    assert_string_equal(p.text, "piece0;piece1;piece2;piece3;piece4;");
    assert_true(p.calls >= 2); /* they came as they were sent */
    assert_int_equal(p.heads, 1);
    assert_int_equal(p.status_at_head, 200);
    assert_int_equal(res.body.len, 0); /* streamed, not buffered */
    net_response_cleanup(&res);

    /* the receiver stops it: its code comes back */
    p = (pieces){.stop_after = 1, .stop_rc = EM_E_IO};
    perform_expect(&req, &res, EM_E_IO);
    assert_int_equal(p.calls, 1);
    net_response_cleanup(&res);
    p = (pieces){.stop_after = 1, .stop_rc = -1234};
    perform_expect(&req, &res, -1234);
    net_response_cleanup(&res);
    free(u);

    /* on_head sees the status and headers; stopping there delivers nothing */
    u = url(s, "/bytes/1000");
    req.url = u;
    p = (pieces){.stop_rc = EM_E_CONFLICT};
    perform_expect(&req, &res, EM_E_CONFLICT);
    assert_int_equal(p.heads, 1);
    assert_string_equal(p.x_test_at_head, "Hello There");
    assert_int_equal(p.len, 0);
    net_response_cleanup(&res);
    free(u);

    /* a failed answer is not streamed: its body is in res */
    u = url(s, "/status/502");
    req.url = u;
    p = (pieces){0};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 502);
    assert_int_equal(p.calls, 0);
    assert_string_equal(res.body.data, "status 502");
    net_response_cleanup(&res);
    free(u);

    /* a large answer in pieces of at most 64 KiB */
    u = url(s, "/bytes/3000000");
    size_t total = 0;
    req = (net_request){.url = u, .max_body = 3000000, .on_data = count_data, .cb_ctx = &total};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(total, 3000000);
    net_response_cleanup(&res);
    free(u);
    srv_stop(s);
}

/* ---- cancellation ------------------------------------------------------------------------ */

typedef struct canceller {
    atomic_bool flag;
    int after_ms;
} canceller;

static void *cancel_later(void *arg)
{
    canceller *c = arg;
    usleep((useconds_t)c->after_ms * 1000);
    atomic_store(&c->flag, true);
    return NULL;
}

static bool cancel_fn(void *ctx)
{
    return atomic_load((atomic_bool *)ctx);
}

/* Run req while another thread cancels it after 200 ms; it must end soon after. */
static void cancel_mid_transfer(net_request *req, bool use_fn)
{
    canceller c = {.after_ms = 200};
    atomic_init(&c.flag, false);
    if (use_fn) {
        req->cancel_fn = cancel_fn;
        req->cancel_ctx = &c.flag;
    } else {
        req->cancel = &c.flag;
    }
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cancel_later, &c), 0);
    long t0 = now_ms();
    net_response res;
    perform_expect(req, &res, EM_E_CANCELED);
    long took = now_ms() - t0;
    pthread_join(t, NULL);
    if (took < 180 || took > 200 + NET_CANCEL_POLL_MS + 500)
        fail_msg("canceled after %ld ms", took);
    net_response_cleanup(&res);
}

static void net_http_client_cancel(void **state)
{
    srv *s = srv_start();
    char *drip = url(s, "/drip"), *hang = url(s, "/hang");
    /* while the body comes, and while the server says nothing at all */
    net_request req = {.url = drip, .timeout_ms = 20000};
    cancel_mid_transfer(&req, false);
    req = (net_request){.url = hang, .timeout_ms = 20000};
    cancel_mid_transfer(&req, false);
    req = (net_request){.url = hang, .timeout_ms = 20000};
    cancel_mid_transfer(&req, true);
    /* while streaming */
    size_t n = 0;
    req = (net_request){.url = drip, .timeout_ms = 20000, .on_data = count_data, .cb_ctx = &n};
    cancel_mid_transfer(&req, true);
    assert_true(n > 0);

    /* canceled before it starts: nothing is sent */
    atomic_bool yes;
    atomic_init(&yes, true);
    int before = atomic_load(&s->served);
    req = (net_request){.url = hang, .cancel = &yes};
    net_response res;
    perform_expect(&req, &res, EM_E_CANCELED);
    net_response_cleanup(&res);
    usleep(50000);
    assert_int_equal(atomic_load(&s->served), before);
    free(drip);
    free(hang);
    srv_stop(s);
}

/* ---- request bodies ---------------------------------------------------------------------- */

static void net_http_client_bodies(void **state)
{
    srv *s = srv_start();
    char *u = url(s, "/echo");
    net_response res;

    /* from memory, with headers */
    static const char json[] = "{\"q\":\"hello\"}";
    net_header hs[] = {{"Content-Type", "application/json"}, {"X-A", "one"}};
    net_request req = {.method = "POST",
                       .url = u,
                       .headers = hs,
                       .n_headers = 2,
                       .body_kind = NET_BODY_MEM,
                       .body = json,
                       .body_len = strlen(json)};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body.data, json);
    assert_string_equal(net_response_header(&res, "x-method"), "POST");
    assert_string_equal(net_response_header(&res, "x-content-type"), "application/json");
    assert_string_equal(net_response_header(&res, "x-got-a"), "one");
    assert_string_equal(net_response_header(&res, "x-expect"), ""); /* no waiting for 100-continue */
    net_response_cleanup(&res);

    /* no Content-Type is made up for a POST */
    req.n_headers = 0;
    perform_expect(&req, &res, EM_OK);
    assert_string_equal(net_response_header(&res, "x-content-type"), "");
    net_response_cleanup(&res);

    /* from a file range: 300000 bytes from offset 12345 of a 1 MB file */
    char path[] = "/tmp/em_net_body_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    size_t flen = 1 << 20;
    unsigned char *file = em_malloc(flen);
    randombytes_buf(file, flen);
    assert_int_equal(write(fd, file, flen), (ssize_t)flen);
    assert_int_equal(lseek(fd, 7, SEEK_SET), 7);
    req = (net_request){.method = "PUT",
                        .url = u,
                        .body_kind = NET_BODY_FD,
                        .body_fd = fd,
                        .body_offset = 12345,
                        .body_len = 300000};
    perform_expect(&req, &res, EM_OK);
    assert_string_equal(net_response_header(&res, "x-method"), "PUT");
    assert_int_equal(res.body.len, 300000);
    assert_memory_equal(res.body.data, file + 12345, 300000);
    net_response_cleanup(&res);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 7); /* the file offset was left alone */

    /* the same with PATCH, and the whole file */
    req.method = "PATCH";
    req.body_offset = 0;
    req.body_len = flen;
    req.max_body = flen;
    perform_expect(&req, &res, EM_OK);
    assert_string_equal(net_response_header(&res, "x-method"), "PATCH");
    assert_int_equal(res.body.len, flen);
    assert_memory_equal(res.body.data, file, flen);
    net_response_cleanup(&res);

    /* a range past the end of the file */
    req.body_offset = (off_t)flen - 10;
    req.body_len = 100;
    perform_expect(&req, &res, EM_E_IO);
    net_response_cleanup(&res);
    close(fd);

    /* DELETE without a body, POST with an empty one */
    req = (net_request){.method = "DELETE", .url = u};
    perform_expect(&req, &res, EM_OK);
    assert_string_equal(net_response_header(&res, "x-method"), "DELETE");
    net_response_cleanup(&res);
    req = (net_request){.method = "POST", .url = u};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.body.len, 0);
    net_response_cleanup(&res);
    free(file);
    free(u);
    srv_stop(s);
}

/* ---- failures before any answer ------------------------------------------------------------ */

static void net_http_client_connection_refused(void **state)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    char u[64], port[16];
    snprintf(port, sizeof port, "%d", ntohs(a.sin_port));
    snprintf(u, sizeof u, "http://127.0.0.1:%s/x?key=secret", port);
    net_request req = {.url = u};
    net_response res;
    em_error err = {0};
    assert_int_equal(net_perform(&req, &res, &err), EM_E_UNAVAILABLE);
    assert_int_equal(res.status, 0);
    assert_null(strstr(err.msg, port)); /* no address in the message */
    assert_null(strstr(err.msg, "127.0.0.1"));
    net_response_cleanup(&res);
}

static void net_http_client_invalid_requests(void **state)
{
    net_response res;
    em_error err = {0};
    net_request bad[] = {
        {.url = NULL},
        {.url = "ftp://127.0.0.1/x"},
        {.url = "file:///etc/passwd"},
        {.url = "http://127.0.0.1/a b"},
        {.url = "http://127.0.0.1/", .method = "get"},
        {.url = "http://127.0.0.1/", .method = "GE T"},
        {.url = "http://127.0.0.1/", .body_kind = NET_BODY_MEM, .body = "x", .body_len = 1},
        {.url = "http://127.0.0.1/", .method = "HEAD", .body_kind = NET_BODY_MEM, .body = "x", .body_len = 1},
        {.url = "http://127.0.0.1/",
         .method = "POST",
         .body_kind = NET_BODY_MEM,
         .body = NULL,
         .body_len = 1},
        {.url = "http://127.0.0.1/", .method = "PUT", .body_kind = NET_BODY_FD, .body_fd = -1},
        {.url = "http://127.0.0.1/", .n_headers = 1, .headers = NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (net_perform(&bad[i], &res, &err) != EM_E_INVAL)
            fail_msg("request %zu accepted", i);
        assert_int_equal(err.code, EM_E_INVAL);
        net_response_cleanup(&res);
    }
    net_header headers[][1] = {
        {{"X-Bad", "a\r\nInjected: 1"}}, {{"X Bad", "v"}}, {{"", "v"}}, {{NULL, "v"}}, {{"X-Bad:", "v"}},
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        net_request r = {.url = "http://127.0.0.1/", .headers = headers[i], .n_headers = 1};
        if (net_perform(&r, &res, &err) != EM_E_INVAL)
            fail_msg("header %zu accepted", i);
        net_response_cleanup(&res);
    }
    /* signing: a header libcurl would sign but not send, or sign wrongly */
    net_sigv4 sig = {"AK", "SK", "us-east-1", "s3"};
    net_header empty[] = {{"X-E", ""}}, removed[] = {{"Accept", NULL}};
    net_request r = {.url = "http://127.0.0.1/", .headers = empty, .n_headers = 1, .sigv4 = &sig};
    assert_int_equal(net_perform(&r, &res, &err), EM_E_INVAL);
    net_response_cleanup(&res);
    r.headers = removed;
    assert_int_equal(net_perform(&r, &res, &err), EM_E_INVAL);
    net_response_cleanup(&res);
    net_sigv4 bad_sig[] = {
        {"A K", "SK", "us-east-1", "s3"}, {"AK", "", "us-east-1", "s3"}, {"AK", "SK", "US_EAST", "s3"},
        {"AK", "SK", "a:b", "s3"},        {"AK", "SK", "us-east-1", ""}, {"A,K", "SK", "us-east-1", "s3"},
    };
    for (size_t i = 0; i < sizeof bad_sig / sizeof bad_sig[0]; i++) {
        net_request q = {.url = "http://127.0.0.1/", .sigv4 = &bad_sig[i]};
        if (net_perform(&q, &res, &err) != EM_E_INVAL)
            fail_msg("signing parameters %zu accepted", i);
        net_response_cleanup(&res);
    }
}

static void net_http_client_redirects(void **state)
{
    srv *s = srv_start();
    char *u = url(s, "/redirect");
    net_request req = {.url = u};
    net_response res;
    perform_expect(&req, &res, EM_OK); /* not followed unless asked */
    assert_int_equal(res.status, 302);
    assert_string_equal(net_response_header(&res, "location"), "/bytes/10");
    assert_string_equal(res.body.data, "moved");
    net_response_cleanup(&res);
    req.follow_redirects = true;
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.body.len, 10);
    assert_null(net_response_header(&res, "location")); /* the final answer's headers only */
    net_response_cleanup(&res);
    free(u);
    /* never to another protocol */
    u = url(s, "/redirect-ftp");
    req.url = u;
    em_error err = {0};
    assert_int_not_equal(net_perform(&req, &res, &err), EM_OK);
    net_response_cleanup(&res);
    free(u);
    srv_stop(s);
}

/* Several threads at once, each with its own requests. */
static void *concurrent_worker(void *arg)
{
    const srv *s = arg;
    char *u = url(s, "/bytes/20000");
    intptr_t failures = 0;
    for (int i = 0; i < 20; i++) {
        net_request req = {.url = u};
        net_response res;
        em_error err;
        if (net_perform(&req, &res, &err) != EM_OK || res.status != 200 || res.body.len != 20000)
            failures++;
        net_response_cleanup(&res);
    }
    free(u);
    return (void *)failures;
}

static void net_http_client_concurrent(void **state)
{
    srv *s = srv_start();
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, concurrent_worker, s), 0);
    for (int i = 0; i < 4; i++) {
        void *failures;
        pthread_join(t[i], &failures);
        assert_int_equal((intptr_t)failures, 0);
    }
    srv_stop(s);
}

/* ---- AWS Signature Version 4 (libcurl's) against the fake S3 ----------------------------- */

/* An access key and a secret with bytes that URLs and headers treat specially. */
#define SIG_KEY "AKID:with%odd@chars"
#define SIG_SECRET "s3cr:t/with+odd%20chars@=&?"
#define SIG_REGION "eu-test-1"

static void assert_none_rejected(fake_s3 *f)
{
    if (fake_s3_rejected(f) != 0) {
        char why[1200];
        fake_s3_last_error(f, why, sizeof why);
        fail_msg("the fake S3 refused %d request(s), the last: %s", fake_s3_rejected(f), why);
    }
}

static void net_http_client_sigv4(void **state)
{
    fake_s3 *f = fake_s3_start(SIG_KEY, SIG_SECRET, SIG_REGION);
    assert_non_null(f);
    net_sigv4 sig = {SIG_KEY, SIG_SECRET, SIG_REGION, "s3"};
    /* a key whose path needed encoding, in AWS's canonical form */
    char *obj = em_asprintf("http://127.0.0.1:%d/bucket/dir%%20one/f%%2Bile%%C3%%A9~x.bin", fake_s3_port(f));
    const char *stored_as = "/bucket/dir%20one/f%2Bile%C3%A9~x.bin";
    net_response res;

    /* PUT from memory, with a signed Content-Type */
    net_header ct[] = {{"Content-Type", "application/pdf"}};
    net_request req = {.method = "PUT",
                       .url = obj,
                       .headers = ct,
                       .n_headers = 1,
                       .body_kind = NET_BODY_MEM,
                       .body = "hello",
                       .body_len = 5,
                       .sigv4 = &sig};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 200);
    net_response_cleanup(&res);
    assert_none_rejected(f);
    void *data;
    size_t len;
    assert_true(fake_s3_get(f, stored_as, &data, &len));
    assert_int_equal(len, 5);
    free(data);

    /* PUT from a file range (the hash from a first pass), with Expect: 100-continue */
    char path[] = "/tmp/em_net_sig_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    size_t flen = 700000;
    unsigned char *file = em_malloc(flen);
    randombytes_buf(file, flen);
    assert_int_equal(write(fd, file, flen), (ssize_t)flen);
    req = (net_request){.method = "PUT",
                        .url = obj,
                        .body_kind = NET_BODY_FD,
                        .body_fd = fd,
                        .body_offset = 1000,
                        .body_len = 600000,
                        .sigv4 = &sig};
    long t0 = now_ms();
    perform_expect(&req, &res, EM_OK);
    assert_true(now_ms() - t0 < 1000); /* the 100 Continue came: libcurl did not wait 1 s for it */
    assert_int_equal(res.status, 200);
    net_response_cleanup(&res);
    assert_none_rejected(f);

    /* GET, HEAD, DELETE */
    req = (net_request){.url = obj, .max_body = flen, .sigv4 = &sig};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.body.len, 600000);
    assert_memory_equal(res.body.data, file + 1000, 600000);
    net_response_cleanup(&res);
    req.method = "HEAD";
    perform_expect(&req, &res, EM_OK);
    uint64_t cl;
    assert_int_equal(net_response_content_length(&res, &cl), EM_OK);
    assert_int_equal(cl, 600000);
    net_response_cleanup(&res);
    req.method = "DELETE";
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 204);
    net_response_cleanup(&res);
    req.method = "GET";
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 404);
    assert_non_null(strstr(res.body.data, "NoSuchKey"));
    net_response_cleanup(&res);
    assert_none_rejected(f);

    /* a canonical query, signed as given */
    char *q = em_asprintf("http://127.0.0.1:%d/bucket/k?a=1&b=x%%20y", fake_s3_port(f));
    req = (net_request){
        .method = "PUT", .url = q, .body_kind = NET_BODY_MEM, .body = "q", .body_len = 1, .sigv4 = &sig};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 200);
    net_response_cleanup(&res);
    assert_none_rejected(f);
    free(q);

    /* what the fake refuses: a wrong secret, a hash that is not the body's
     * (also UNSIGNED-PAYLOAD: it insists on the hash), a wrong region */
    net_sigv4 wrong = sig;
    wrong.secret_key = "not-the-secret";
    req = (net_request){
        .method = "PUT", .url = obj, .body_kind = NET_BODY_MEM, .body = "x", .body_len = 1, .sigv4 = &wrong};
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 403);
    assert_non_null(strstr(res.body.data, "SignatureDoesNotMatch"));
    net_response_cleanup(&res);
    wrong = sig;
    wrong.region = "us-east-1";
    req.sigv4 = &wrong;
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 403);
    net_response_cleanup(&res);
    net_header lie[] = {
        {"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}};
    req.sigv4 = &sig;
    req.headers = lie;
    req.n_headers = 1;
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 403);
    assert_non_null(strstr(res.body.data, "XAmzContentSHA256Mismatch"));
    net_response_cleanup(&res);
    net_header unsigned_payload[] = {{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}};
    req.headers = unsigned_payload;
    perform_expect(&req, &res, EM_OK);
    assert_int_equal(res.status, 403);
    net_response_cleanup(&res);
    assert_int_equal(fake_s3_rejected(f), 4);

    close(fd);
    free(file);
    free(obj);
    fake_s3_stop(f);
}

int main(void)
{
    if (net_global_init() != EM_OK) {
        fprintf(stderr, "net_global_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(net_http_client_status_and_body),
        cmocka_unit_test(net_http_client_size_limit),
        cmocka_unit_test(net_http_client_timeout),
        cmocka_unit_test(net_http_client_streaming),
        cmocka_unit_test(net_http_client_cancel),
        cmocka_unit_test(net_http_client_bodies),
        cmocka_unit_test(net_http_client_connection_refused),
        cmocka_unit_test(net_http_client_invalid_requests),
        cmocka_unit_test(net_http_client_redirects),
        cmocka_unit_test(net_http_client_concurrent),
        cmocka_unit_test(net_http_client_sigv4),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    net_global_cleanup();
    return failed;
}
