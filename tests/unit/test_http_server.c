/* Unit tests for src/http/server.c: a real server on 127.0.0.1 (port 0) spoken
 * to over plain sockets: routing answers, body limits (Content-Length and
 * chunked), uploads spooled to temporary files, CORS, security headers,
 * request ids, access log, graceful stop and the thread-exit hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/log.h"
#include "http/http.h"
#include "http/router.h"
#include "http/server.h"

#define MAX_BODY 1024
#define MAX_UPLOAD (20 * 1024 * 1024)

typedef struct test_app {
    atomic_int thread_exits;
    atomic_int slow_started;   /* set by h_slow before it sleeps */
} test_app;

static void h_health(http_req *req, http_res *res)
{
    (void)req;
    http_res_json(res, 200, json_pack("{s:s}", "status", "ok"));
}

static void h_echo(http_req *req, http_res *res)
{
    json_t *v = NULL;
    if (http_req_json(req, &v, res) != EM_OK)
        return;
    http_res_json(res, 200, v);
}

static void h_slow(http_req *req, http_res *res)
{
    test_app *app = req->ctx;
    atomic_store(&app->slow_started, 1);
    struct timespec ts = {0, 500 * 1000000L};
    nanosleep(&ts, NULL);
    http_res_body(res, 200, "text/plain", "done", 4);
}

static void h_query(http_req *req, http_res *res)
{
    http_res_json(res, 200, json_pack("{s:s?,s:s}", "v", http_req_query(req, "v"), "path", req->path));
}

/* FNV-1a, 64 bits: a checksum both ends of an upload compute. */
static uint64_t fnv_update(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}
#define FNV_START 1469598103934665603ULL

/* An upload route's handler: reports whether the body was spooled (and never
 * put in memory), its length, the checksum of the bytes read back from the
 * file and the file's name as the kernel shows it. */
static void h_upload(http_req *req, http_res *res)
{
    char link[512] = "";
    uint64_t h = FNV_START;
    if (req->body_fd >= 0) {
        char chunk[16384]; /* on the stack: the check itself must not hold the body */
        for (size_t off = 0; off < req->body_len;) {
            size_t want = req->body_len - off < sizeof chunk ? req->body_len - off : sizeof chunk;
            ssize_t got = pread(req->body_fd, chunk, want, (off_t)off);
            if (got <= 0)
                break;
            h = fnv_update(h, chunk, (size_t)got);
            off += (size_t)got;
        }
        char fdpath[64];
        snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", req->body_fd);
        ssize_t n = readlink(fdpath, link, sizeof link - 1);
        link[n > 0 ? n : 0] = '\0';
    }
    char sum[32];
    snprintf(sum, sizeof sum, "%016llx", (unsigned long long)h);
    http_res_json(res, 200,
                  json_pack("{s:b,s:b,s:I,s:s,s:s}", "spooled", req->body_fd >= 0, "body_empty", req->body[0] == '\0',
                            "len", (json_int_t)req->body_len, "sum", sum, "file", link));
}

/* A JSON body sent to an upload route: spooled, and still read whole by
 * http_req_json; "max" bounds http_req_body_bytes. */
static void h_upload_json(http_req *req, http_res *res)
{
    const char *max = http_req_query(req, "max");
    if (max != NULL) {
        const char *data;
        size_t len;
        if (http_req_body_bytes(req, (size_t)strtoul(max, NULL, 10), &data, &len, res) != EM_OK)
            return;
    }
    json_t *v = NULL;
    if (http_req_json(req, &v, res) != EM_OK)
        return;
    http_res_json(res, 200, json_pack("{s:b,s:o}", "spooled", req->body_fd >= 0, "echo", v));
}

/* 40000 bytes of a known pattern from an unlinked file, by http_res_file;
 * ?replace=1 sets the file, then answers an error instead (the fd must be
 * closed, not leaked). */
#define FILE_BODY_LEN 40000
static char file_byte(size_t i)
{
    return (char)('a' + (i * 7 + i / 13) % 26);
}

static void h_file(http_req *req, http_res *res)
{
    char path[] = "/tmp/em-file-body-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        http_res_error(res, 500, "internal", "no temp file");
        return;
    }
    unlink(path);
    char chunk[4000];
    for (size_t at = 0; at < FILE_BODY_LEN; at += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = file_byte(at + i);
        if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) {
            close(fd);
            http_res_error(res, 500, "internal", "short write");
            return;
        }
    }
    char type[32];
    snprintf(type, sizeof type, "text/plain");
    http_res_header(res, "Cache-Control", "private, no-store");
    http_res_file(res, 200, type, fd, FILE_BODY_LEN);
    type[0] = 'X'; /* the content type was copied */
    const char *replace = http_req_query(req, "replace");
    if (replace != NULL && strcmp(replace, "1") == 0)
        http_res_error(res, 409, "conflict", "changed my mind");
}

/* Open file descriptors of this process. */
static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 4096; fd++)
        n += fcntl(fd, F_GETFD) != -1;
    return n;
}

static void on_thread_exit(void *app)
{
    test_app *a = app;
    atomic_fetch_add(&a->thread_exits, 1);
}

typedef struct fixture {
    router *r;
    http_site site;
    const char *origins[1];
    test_app app;
    http_server *s;
    int port;
    char spool[64];    /* the server's spool directory (empty: removed by teardown) */
} fixture;

static void start(fixture *f, int threads)
{
    http_server_options o = {
        .host = "127.0.0.1",
        .port = 0,
        .threads = threads,
        .max_body = MAX_BODY,
        .max_upload = MAX_UPLOAD,
        .spool_dir = f->spool,
        .shutdown_grace_s = 5,
        .site = &f->site,
        .on_thread_exit = on_thread_exit,
    };
    em_error err;
    assert_int_equal(http_server_start(&o, &f->s, &err), EM_OK);
    f->port = http_server_port(f->s);
    assert_true(f->port > 0);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->r = router_new();
    assert_int_equal(router_add(f->r, "GET", "/health", h_health), 0);
    assert_int_equal(router_add(f->r, "POST", "/echo", h_echo), 0);
    assert_int_equal(router_add(f->r, "GET", "/slow", h_slow), 0);
    assert_int_equal(router_add(f->r, "GET", "/q/{x}", h_query), 0);
    assert_int_equal(router_add(f->r, "GET", "/file", h_file), 0);
    const http_route slow = {"GET", "/slow-off", h_slow, HTTP_PUBLIC, ROUTE_SLOW};
    assert_int_equal(router_add_route(f->r, &slow), 0);
    const http_route uploads[] = {
        {"POST", "/upload", h_upload, HTTP_PUBLIC, ROUTE_UPLOAD},
        {"POST", "/upload-slow", h_upload, HTTP_PUBLIC, ROUTE_UPLOAD | ROUTE_SLOW},
        {"POST", "/upload-json", h_upload_json, HTTP_PUBLIC, ROUTE_UPLOAD},
    };
    assert_int_equal(router_add_table(f->r, uploads, 3), 0);
    snprintf(f->spool, sizeof f->spool, "/tmp/em_spool_XXXXXX");
    assert_non_null(mkdtemp(f->spool));
    f->origins[0] = "https://app.example";
    f->site = (http_site){.routes = f->r, .cors_origins = f->origins, .n_cors_origins = 1, .ctx = &f->app};
    atomic_init(&f->app.thread_exits, 0);
    atomic_init(&f->app.slow_started, 0);
    start(f, 2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    http_server_stop(f->s);
    router_free(f->r);
    assert_int_equal(rmdir(f->spool), 0); /* nothing was left in it */
    free(f);
    return 0;
}

/* ---- a tiny HTTP client ---- */

typedef struct response {
    char raw[65536];
    size_t len;
    int status;
    const char *body;  /* into raw */
    size_t body_len;
} response;

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Send everything we can; the server may close early (413), which is fine. */
static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* Read until the peer closes (requests say Connection: close), then split. */
static void read_response(int fd, response *r)
{
    r->len = 0;
    for (;;) {
        ssize_t got = recv(fd, r->raw + r->len, sizeof r->raw - 1 - r->len, 0);
        if (got <= 0)
            break;
        r->len += (size_t)got;
        if (r->len == sizeof r->raw - 1)
            break;
    }
    r->raw[r->len] = '\0';
    r->status = 0;
    r->body = NULL;
    r->body_len = 0;
    if (r->len >= 12 && strncmp(r->raw, "HTTP/1.1 ", 9) == 0)
        r->status = (r->raw[9] - '0') * 100 + (r->raw[10] - '0') * 10 + (r->raw[11] - '0');
    char *end = strstr(r->raw, "\r\n\r\n");
    if (end != NULL) {
        r->body = end + 4;
        r->body_len = r->len - (size_t)(r->body - r->raw);
    }
}

static void do_request(int port, const char *req, size_t n, response *r)
{
    int fd = connect_to(port);
    send_all(fd, req, n);
    read_response(fd, r);
    close(fd);
}

static void do_str(int port, const char *req, response *r)
{
    do_request(port, req, strlen(req), r);
}

/* The value of a response header (case-insensitive name), copied into out. */
static const char *header(const response *r, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = strstr(r->raw, "\r\n");
    const char *end = r->body != NULL ? r->body - 2 : r->raw + r->len;
    while (p != NULL && p < end) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t vl = (size_t)(e - v);
            if (vl >= cap)
                vl = cap - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

static void assert_error_code(const response *r, const char *code)
{
    json_t *v = json_loadb(r->body, r->body_len, 0, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "error"), "code")), code);
    json_decref(v);
}

/* ---- tests ---- */

static void test_server_health_and_security_headers(void **state)
{
    fixture *f = *state;
    response r;
    char v[512];
    do_str(f->port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, strlen("{\"status\":\"ok\"}"));
    assert_memory_equal(r.body, "{\"status\":\"ok\"}", r.body_len);
    assert_string_equal(header(&r, "Content-Type", v, sizeof v), "application/json");
    assert_string_equal(header(&r, "Content-Security-Policy", v, sizeof v),
                        "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'");
    assert_string_equal(header(&r, "X-Content-Type-Options", v, sizeof v), "nosniff");
    assert_string_equal(header(&r, "Referrer-Policy", v, sizeof v), "strict-origin-when-cross-origin");
    assert_string_equal(header(&r, "X-Frame-Options", v, sizeof v), "DENY");
    assert_string_equal(header(&r, "Cross-Origin-Opener-Policy", v, sizeof v), "same-origin");
    assert_string_equal(header(&r, "Cache-Control", v, sizeof v), "no-store");
    assert_null(header(&r, "Strict-Transport-Security", v, sizeof v));
    assert_true(id_is_uuid(header(&r, "X-Request-Id", v, sizeof v)));
}

static void test_server_head(void **state)
{
    fixture *f = *state;
    response r;
    char v[64];
    do_str(f->port, "HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(header(&r, "Content-Length", v, sizeof v), "15");
}

static void test_server_404_405(void **state)
{
    fixture *f = *state;
    response r;
    char v[128];
    do_str(f->port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    assert_int_equal(r.body_len, strlen("{\"error\":{\"code\":\"not_found\",\"message\":\"no route for GET /nope\"}}"));
    assert_memory_equal(r.body, "{\"error\":{\"code\":\"not_found\",\"message\":\"no route for GET /nope\"}}",
                        r.body_len);
    assert_non_null(header(&r, "X-Frame-Options", v, sizeof v));

    do_str(f->port, "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(header(&r, "Allow", v, sizeof v), "GET, HEAD, OPTIONS");
    assert_error_code(&r, "method_not_allowed");

    do_str(f->port, "BREW /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    do_str(f->port, "BREW /coffee HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 404);

    /* The raw path is routed: a query does not change the route, %-escapes in literals do. */
    do_str(f->port, "GET /health?x=%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    do_str(f->port, "GET /heal%74h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    do_str(f->port, "GET /health/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
}

static void test_server_echo_bodies(void **state)
{
    fixture *f = *state;
    response r;
    const char cl[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: 9\r\nConnection: close\r\n\r\n{\"a\":[1]}";
    do_str(f->port, cl, &r);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "{\"a\":[1]}", 9);

    const char chunked[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                           "4\r\n{\"b\"\r\n5\r\n:true\r\n1\r\n}\r\n0\r\n\r\n";
    do_str(f->port, chunked, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 10);
    assert_memory_equal(r.body, "{\"b\":true}", 10);

    const char bad[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 5\r\nConnection: close\r\n\r\n{\"a\":";
    do_str(f->port, bad, &r);
    assert_int_equal(r.status, 400);
    assert_error_code(&r, "invalid_json");

    /* Exactly the limit is accepted. */
    char *req = malloc(MAX_BODY + 512);
    int n = snprintf(req, 512, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               "Content-Length: %d\r\nConnection: close\r\n\r\n", MAX_BODY);
    req[n] = '[';
    memset(req + n + 1, ' ', MAX_BODY - 2);
    req[n + MAX_BODY - 1] = ']';
    do_request(f->port, req, (size_t)n + MAX_BODY, &r);
    assert_int_equal(r.status, 200);
    free(req);
}

static void test_server_413_content_length(void **state)
{
    fixture *f = *state;
    response r;
    char v[128];
    /* No body is sent: the answer must come from the header alone. */
    int64_t t0 = clock_mono_us();
    do_str(f->port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 10000000\r\nX-Request-Id: big-1\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 413);
    assert_error_code(&r, "payload_too_large");
    assert_string_equal(header(&r, "X-Request-Id", v, sizeof v), "big-1");
    assert_true(clock_mono_us() - t0 < 2000000);

    /* One byte over, with Expect: 100-continue: no 100 is sent. */
    char req[512];
    snprintf(req, sizeof req, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: %d\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
             MAX_BODY + 1);
    do_str(f->port, req, &r);
    assert_int_equal(r.status, 413);
}

static void test_server_413_chunked(void **state)
{
    fixture *f = *state;
    response r;
    char req[8192];
    int n = snprintf(req, sizeof req, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    /* Four chunks of 400 bytes: past the limit on the third. */
    for (int i = 0; i < 4; i++) {
        n += snprintf(req + n, sizeof req - (size_t)n, "190\r\n");
        memset(req + n, 'x', 400);
        n += 400;
        n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
    }
    n += snprintf(req + n, sizeof req - (size_t)n, "0\r\n\r\n");
    do_request(f->port, req, (size_t)n, &r);
    assert_int_equal(r.status, 413);
    assert_error_code(&r, "payload_too_large");
}

static void test_server_chunked_flood_is_cut(void **state)
{
    fixture *f = *state;
    /* Far past the limit (and the 1 MiB the server drops before giving up):
     * the connection is closed, the server keeps serving. */
    size_t chunk = 64 * 1024, total = 3 * 1024 * 1024;
    char *piece = malloc(chunk + 32);
    int hl = snprintf(piece, 32, "%zx\r\n", chunk);
    memset(piece + hl, 'x', chunk);
    memcpy(piece + hl + chunk, "\r\n", 2);
    int fd = connect_to(f->port);
    const char head[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    send_all(fd, head, sizeof head - 1);
    for (size_t sent = 0; sent < total; sent += chunk)
        send_all(fd, piece, (size_t)hl + chunk + 2);
    response *r = malloc(sizeof *r);
    read_response(fd, r);
    close(fd);
    assert_int_not_equal(r->status, 200);
    do_str(f->port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", r);
    assert_int_equal(r->status, 200);
    free(r);
    free(piece);
}

/* A request whose body framing is ambiguous is refused at once, with our
 * JSON error and the connection closed, never read on a guess: two
 * Content-Length headers (a proxy reading the other one would see a
 * different request: smuggling), Content-Length with Transfer-Encoding, and a
 * Transfer-Encoding other than exactly "chunked" (libmicrohttpd would wait
 * for the connection to close to end such a body). The server's idle timeout
 * is 30 s, so "at once" is well under it. */
static void assert_refused_at_once(int port, const char *req, int status, const char *code)
{
    response *r = malloc(sizeof *r);
    char v[64];
    int64_t t0 = clock_mono_us();
    do_str(port, req, r); /* reads until the server closes */
    int64_t took = clock_mono_us() - t0;
    if (r->status != status)
        fail_msg("expected %d, got %d for %s", status, r->status, req);
    assert_error_code(r, code);
    assert_true(took < 2000000);
    assert_non_null(header(r, "Connection", v, sizeof v));
    assert_string_equal(v, "close");
    assert_true(id_is_uuid(header(r, "X-Request-Id", v, sizeof v))); /* our answer, with our headers */
    free(r);
}

static void test_server_framing_refused(void **state)
{
    fixture *f = *state;
    /* no Connection: close: the server must close by itself */
    assert_refused_at_once(f->port,
                           "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
                           400, "invalid_request");
    assert_refused_at_once(f->port,
                           "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: 2\r\ncontent-length: 2\r\n\r\n{}",
                           400, "invalid_request");
    assert_refused_at_once(f->port,
                           "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                           400, "invalid_request");
    assert_refused_at_once(f->port,
                           "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                           501, "not_implemented");
    assert_refused_at_once(f->port,
                           "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Transfer-Encoding: identity\r\n\r\n{}",
                           501, "not_implemented");
    assert_refused_at_once(f->port,
                           "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                           501, "not_implemented");
    /* on an upload route too (its body would go to a spool file) */
    assert_refused_at_once(f->port,
                           "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nxx",
                           501, "not_implemented");
    /* and on a route without a body */
    assert_refused_at_once(f->port,
                           "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n",
                           400, "invalid_request");

    /* What stays accepted: exactly "chunked" in any case, one Content-Length. */
    response r;
    do_str(f->port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: Chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    do_str(f->port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 2\r\nConnection: close\r\n\r\n{}", &r);
    assert_int_equal(r.status, 200);
}

static void test_server_raw_target(void **state)
{
    fixture *f = *state;
    response r;
    /* The handler sees the path as sent and the query decoded by us ('+' is a space). */
    do_str(f->port, "GET /q/a%2Fb?v=a+b%26c%3D&w=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    const char want[] = "{\"v\":\"a b&c=\",\"path\":\"/q/a%2Fb\"}";
    assert_int_equal(r.body_len, sizeof want - 1);
    assert_memory_equal(r.body, want, sizeof want - 1);
}

static void test_server_cors(void **state)
{
    fixture *f = *state;
    response r;
    char v[256];
    do_str(f->port, "OPTIONS /echo HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n"
                    "Access-Control-Request-Method: POST\r\n"
                    "Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 204);
    assert_string_equal(header(&r, "Access-Control-Allow-Origin", v, sizeof v), "https://app.example");
    assert_string_equal(header(&r, "Access-Control-Allow-Credentials", v, sizeof v), "true");
    assert_string_equal(header(&r, "Access-Control-Allow-Methods", v, sizeof v),
                        "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    assert_string_equal(header(&r, "Access-Control-Allow-Headers", v, sizeof v),
                        "Authorization, Content-Type, X-Request-Id, X-CSRF-Token");
    assert_string_equal(header(&r, "Access-Control-Max-Age", v, sizeof v), "600");
    assert_string_equal(header(&r, "Vary", v, sizeof v), "Origin");

    do_str(f->port, "OPTIONS /echo HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n"
                    "Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 403);
    assert_error_code(&r, "cors_forbidden");
    assert_null(header(&r, "Access-Control-Allow-Origin", v, sizeof v));

    do_str(f->port, "GET /health HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Access-Control-Allow-Origin", v, sizeof v), "https://app.example");

    do_str(f->port, "OPTIONS /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 204);
    assert_string_equal(header(&r, "Allow", v, sizeof v), "GET, HEAD, OPTIONS");
}

static void test_server_request_id(void **state)
{
    fixture *f = *state;
    response r;
    char v[256];
    do_str(f->port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace.ABC-123_x\r\nConnection: close\r\n\r\n", &r);
    assert_string_equal(header(&r, "X-Request-Id", v, sizeof v), "trace.ABC-123_x");
    do_str(f->port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad id <script>\r\nConnection: close\r\n\r\n", &r);
    assert_true(id_is_uuid(header(&r, "X-Request-Id", v, sizeof v)));
    /* Every answer carries one, including those made before routing. */
    do_str(f->port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_true(id_is_uuid(header(&r, "X-Request-Id", v, sizeof v)));
}

static void test_server_keep_alive(void **state)
{
    fixture *f = *state;
    int fd = connect_to(f->port);
    const char two[] = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    send_all(fd, two, sizeof two - 1);
    response r;
    read_response(fd, &r);
    close(fd);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.raw, "HTTP/1.1 404"));
}

static void test_server_access_log(void **state)
{
    fixture *f = *state;
    char path[] = "/tmp/em_http_log_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    log_configure(LOG_INFO, fd);
    response r;
    do_str(f->port, "GET /a\xff\xfe/b HTTP/1.1\r\nHost: x\r\nX-Request-Id: log-test-1\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    do_str(f->port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: log-test-2\r\nConnection: close\r\n\r\n", &r);
    /* The line is written when the response is done; give the server a moment. */
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    log_configure(LOG_ERROR, 1);
    char text[8192];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    text[n] = '\0';
    int lines = 0;
    for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        json_t *v = json_loads(line, 0, NULL);
        assert_non_null(v); /* every line is valid JSON, even with a bad path */
        if (strcmp(json_string_value(json_object_get(v, "msg")), "request") == 0) {
            const char *rid = json_string_value(json_object_get(v, "request_id"));
            if (strcmp(rid, "log-test-1") == 0) {
                assert_int_equal(json_integer_value(json_object_get(v, "status")), 404);
                assert_string_equal(json_string_value(json_object_get(v, "path")),
                                    "/a\xef\xbf\xbd\xef\xbf\xbd/b");
                lines++;
            } else if (strcmp(rid, "log-test-2") == 0) {
                assert_int_equal(json_integer_value(json_object_get(v, "status")), 200);
                assert_int_equal(json_integer_value(json_object_get(v, "bytes")), 15);
                assert_string_equal(json_string_value(json_object_get(v, "method")), "GET");
                assert_true(json_is_number(json_object_get(v, "duration_ms")));
                lines++;
            }
        }
        json_decref(v);
    }
    assert_int_equal(lines, 2);
}

/* ---- uploads ---- */

/* The peak resident size of this process, in KiB (VmHWM); reset_peak first
 * lowers it to the current size. */
static long peak_rss_kb(bool reset_peak)
{
    if (reset_peak) {
        FILE *c = fopen("/proc/self/clear_refs", "w");
        if (c == NULL)
            return -1;
        fputs("5", c);
        fclose(c);
    }
    FILE *st = fopen("/proc/self/status", "r");
    if (st == NULL)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, st) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    }
    fclose(st);
    return kb;
}

/* The i-th piece of a test upload (deterministic, not compressible by eye). */
static void fill_piece(char *p, size_t n, size_t i)
{
    for (size_t k = 0; k < n; k++)
        p[k] = (char)((i * 131 + k * 7 + (k >> 9)) & 0xff);
}

/* Send `total` bytes to `path` with Content-Length (or chunked), generated
 * piece by piece so the client holds no more than one piece; returns the
 * checksum of what was sent. */
static uint64_t send_upload(int fd, const char *path, size_t total, bool chunked)
{
    char head[512];
    int hl;
    if (chunked)
        hl = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                                          "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", path);
    else
        hl = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                                          "Content-Length: %zu\r\nConnection: close\r\n\r\n", path, total);
    send_all(fd, head, (size_t)hl);
    static char piece[65536];
    uint64_t h = FNV_START;
    for (size_t sent = 0, i = 0; sent < total; i++) {
        size_t n = total - sent < sizeof piece ? total - sent : sizeof piece;
        fill_piece(piece, n, i);
        h = fnv_update(h, piece, n);
        if (chunked) {
            char size_line[32];
            int sl = snprintf(size_line, sizeof size_line, "%zx\r\n", n);
            send_all(fd, size_line, (size_t)sl);
        }
        send_all(fd, piece, n);
        if (chunked)
            send_all(fd, "\r\n", 2);
        sent += n;
    }
    if (chunked)
        send_all(fd, "0\r\n\r\n", 5);
    return h;
}

static void assert_spooled(const fixture *f, const response *r, size_t total, uint64_t sum)
{
    assert_int_equal(r->status, 200);
    json_t *v = json_loadb(r->body, r->body_len, 0, NULL);
    assert_non_null(v);
    assert_true(json_is_true(json_object_get(v, "spooled")));
    assert_true(json_is_true(json_object_get(v, "body_empty"))); /* never in memory */
    assert_int_equal(json_integer_value(json_object_get(v, "len")), (json_int_t)total);
    char want[32];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)sum);
    assert_string_equal(json_string_value(json_object_get(v, "sum")), want);
    /* in the spool directory, and without a name there */
    const char *file = json_string_value(json_object_get(v, "file"));
    assert_true(strncmp(file, f->spool, strlen(f->spool)) == 0);
    assert_non_null(strstr(file, "(deleted)"));
    json_decref(v);
}

/* Uploads of several MB go to an unlinked file in the spool directory as they
 * arrive: the handler gets body_fd and body_len (body stays ""), the bytes
 * read back are the bytes sent, and the process's peak memory barely moves. */
static void test_server_upload_spooled(void **state)
{
    fixture *f = *state;
    response *r = malloc(sizeof *r);
    const size_t total = 16 * 1024 * 1024;
    long before = peak_rss_kb(true);
    int fd = connect_to(f->port);
    uint64_t sum = send_upload(fd, "/upload", total, false);
    read_response(fd, r);
    close(fd);
    long after = peak_rss_kb(false);
    assert_spooled(f, r, total, sum);
    if (before > 0 && after > 0) /* the body never sat in memory: far less than its 16 MB */
        assert_true(after - before < 6 * 1024);

    /* chunked, and through the slow pool */
    fd = connect_to(f->port);
    sum = send_upload(fd, "/upload", 3 * 1024 * 1024 + 17, true);
    read_response(fd, r);
    close(fd);
    assert_spooled(f, r, 3 * 1024 * 1024 + 17, sum);
    fd = connect_to(f->port);
    sum = send_upload(fd, "/upload-slow", 5 * 1024 * 1024, false);
    read_response(fd, r);
    close(fd);
    assert_spooled(f, r, 5 * 1024 * 1024, sum);

    /* an empty body is not spooled */
    do_str(f->port, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", r);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->body, "\"spooled\":false"));
    free(r);
}

/* The upload limit applies to spooled bodies as to others: 413 on the
 * Content-Length at once, and at the end of a chunked body that goes past. */
static void test_server_upload_limits(void **state)
{
    fixture *f = *state;
    response *r = malloc(sizeof *r);
    char req[256];
    snprintf(req, sizeof req, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
             MAX_UPLOAD + 1);
    do_str(f->port, req, r);
    assert_int_equal(r->status, 413);
    assert_non_null(strstr(r->body, "exceeds 20 MB"));

    int fd = connect_to(f->port);
    send_upload(fd, "/upload", MAX_UPLOAD + 300 * 1024, true);
    read_response(fd, r);
    close(fd);
    assert_int_equal(r->status, 413);
    assert_error_code(r, "payload_too_large");
    /* and exactly the limit is fine */
    fd = connect_to(f->port);
    uint64_t sum = send_upload(fd, "/upload", MAX_UPLOAD, true);
    read_response(fd, r);
    close(fd);
    assert_spooled(f, r, MAX_UPLOAD, sum);
    free(r);
}

/* A JSON body to an upload route is spooled too, and http_req_json reads it
 * whole; http_req_body_bytes can bound it further. */
static void test_server_upload_json(void **state)
{
    fixture *f = *state;
    response r;
    const char body[] = "{\"text\":\"# Notes\\nCells.\",\"n\":1.5}";
    char req[512];
    snprintf(req, sizeof req, "POST /upload-json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", sizeof body - 1, body);
    do_str(f->port, req, &r);
    assert_int_equal(r.status, 200);
    const char want[] = "{\"spooled\":true,\"echo\":{\"text\":\"# Notes\\nCells.\",\"n\":1.5}}";
    assert_int_equal(r.body_len, sizeof want - 1);
    assert_memory_equal(r.body, want, sizeof want - 1);

    snprintf(req, sizeof req, "POST /upload-json?max=10 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", sizeof body - 1, body);
    do_str(f->port, req, &r);
    assert_int_equal(r.status, 413);
    assert_error_code(&r, "payload_too_large");
}

typedef struct slow_call {
    int port;
    response r;
} slow_call;

static void *slow_client(void *arg)
{
    slow_call *c = arg;
    do_str(c->port, "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &c->r);
    return NULL;
}

static void test_server_graceful_stop(void **state)
{
    fixture *f = *state;
    slow_call *c = calloc(1, sizeof *c);
    c->port = f->port;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, slow_client, c), 0);
    /* Wait until the handler is running (it then sleeps 500 ms). */
    for (int i = 0; i < 5000 && atomic_load(&f->app.slow_started) == 0; i++) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&f->app.slow_started), 1);
    int64_t t0 = clock_mono_us();
    http_server_stop(f->s);
    int64_t took = clock_mono_us() - t0;
    f->s = NULL;
    pthread_join(t, NULL);
    assert_int_equal(c->r.status, 200);
    assert_int_equal(c->r.body_len, 4);
    assert_memory_equal(c->r.body, "done", 4);
    assert_true(took >= 400000);  /* it waited for the handler */
    assert_true(took < 4000000);  /* and not for the whole grace period */
    /* The pool thread that served it ran the exit hook. */
    assert_true(atomic_load(&f->app.thread_exits) >= 1);
    assert_true(atomic_load(&f->app.thread_exits) <= 2);
    /* New connections are refused after stop. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)f->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_not_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
    free(c);
}

typedef struct path_call {
    int port;
    const char *path;
    response r;
} path_call;

static void *path_client(void *arg)
{
    path_call *c = arg;
    char req[128];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", c->path);
    do_str(c->port, req, &c->r);
    return NULL;
}

/* With one I/O thread: how long /health takes while `slow_path` is running. */
static int64_t health_during(fixture *f, const char *slow_path, response *slow_out)
{
    http_server_stop(f->s);
    atomic_store(&f->app.slow_started, 0);
    start(f, 1);
    path_call *c = calloc(1, sizeof *c);
    c->port = f->port;
    c->path = slow_path;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, path_client, c), 0);
    for (int i = 0; i < 5000 && atomic_load(&f->app.slow_started) == 0; i++) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&f->app.slow_started), 1);
    int64_t t0 = clock_mono_us();
    response r;
    do_str(f->port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    int64_t took = clock_mono_us() - t0;
    assert_int_equal(r.status, 200);
    pthread_join(t, NULL);
    *slow_out = c->r;
    free(c);
    return took;
}

/* A ROUTE_SLOW handler runs off the I/O thread: the thread's other connections
 * are answered meanwhile; the same handler without the flag holds them up. */
static void test_server_slow_routes_run_off_the_io_thread(void **state)
{
    fixture *f = *state;
    response slow;
    int64_t offloaded = health_during(f, "/slow-off", &slow);
    assert_int_equal(slow.status, 200);
    assert_int_equal(slow.body_len, 4);
    assert_memory_equal(slow.body, "done", 4);
    assert_true(offloaded < 250000);
    int64_t inline_us = health_during(f, "/slow", &slow);
    assert_int_equal(slow.status, 200);
    assert_true(inline_us >= 250000); /* the contrast: it waited for the handler */
}

/* A slow request in flight when the server stops still gets its answer. */
static void test_server_slow_route_survives_stop(void **state)
{
    fixture *f = *state;
    path_call *c = calloc(1, sizeof *c);
    c->port = f->port;
    c->path = "/slow-off";
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, path_client, c), 0);
    for (int i = 0; i < 5000 && atomic_load(&f->app.slow_started) == 0; i++) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    http_server_stop(f->s);
    f->s = NULL;
    pthread_join(t, NULL);
    assert_int_equal(c->r.status, 200);
    assert_memory_equal(c->r.body, "done", 4);
    free(c);
}

/* A file body goes out whole, with its length, type and the common headers;
 * HEAD gets the length and no body; a file replaced by another answer is
 * closed; and nothing stays open afterwards. */
static void test_server_file_bodies(void **state)
{
    fixture *f = *state;
    int fds_before = open_fds();
    response r;
    char v[128];
    do_str(f->port, "GET /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, FILE_BODY_LEN);
    for (size_t i = 0; i < FILE_BODY_LEN; i++) {
        if (r.body[i] != file_byte(i))
            fail_msg("byte %zu differs", i);
    }
    assert_string_equal(header(&r, "Content-Length", v, sizeof v), "40000");
    assert_string_equal(header(&r, "Content-Type", v, sizeof v), "text/plain");
    assert_string_equal(header(&r, "Cache-Control", v, sizeof v), "private, no-store");
    assert_string_equal(header(&r, "X-Content-Type-Options", v, sizeof v), "nosniff");
    do_str(f->port, "HEAD /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(header(&r, "Content-Length", v, sizeof v), "40000");
    do_str(f->port, "GET /file?replace=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 409);
    assert_error_code(&r, "conflict");
    /* The server's fds settle once the connections are gone. */
    int fds_after = open_fds();
    for (int i = 0; i < 200 && fds_after > fds_before; i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
        fds_after = open_fds();
    }
    assert_int_equal(fds_after, fds_before);
}

static void test_server_start_errors(void **state)
{
    fixture *f = *state;
    http_server *s = NULL;
    em_error err;
    http_server_options o = {.host = "127.0.0.1", .port = f->port, .threads = 1, .max_body = 10,
                             .shutdown_grace_s = 1, .site = &f->site};
    /* The port is taken by the fixture's server. */
    assert_int_equal(http_server_start(&o, &s, &err), EM_E_UNAVAILABLE);
    assert_null(s);
    o.host = "not-an-address";
    assert_int_equal(http_server_start(&o, &s, &err), EM_E_INVAL);
    o.host = "::1x";
    assert_int_equal(http_server_start(&o, &s, &err), EM_E_INVAL);
    o.host = "127.0.0.1";
    o.threads = 0;
    assert_int_equal(http_server_start(&o, &s, &err), EM_E_INVAL);
    http_server_stop(NULL);
}

static void test_server_ipv6_single_thread(void **state)
{
    fixture *f = *state;
    http_server *s = NULL;
    em_error err;
    http_server_options o = {.host = "::1", .port = 0, .threads = 1, .max_body = 10,
                             .shutdown_grace_s = 1, .site = &f->site};
    int rc = http_server_start(&o, &s, &err);
    if (rc == EM_E_UNAVAILABLE) {
        skip(); /* no IPv6 loopback in this environment */
    }
    assert_int_equal(rc, EM_OK);
    int port = http_server_port(s);
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons((uint16_t)port);
    sa.sin6_addr = in6addr_loopback;
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    const char req[] = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    send_all(fd, req, sizeof req - 1);
    response *r = malloc(sizeof *r);
    read_response(fd, r);
    close(fd);
    assert_int_equal(r->status, 200);
    free(r);
    http_server_stop(s);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_server_health_and_security_headers),
        T(test_server_head),
        T(test_server_404_405),
        T(test_server_echo_bodies),
        T(test_server_413_content_length),
        T(test_server_413_chunked),
        T(test_server_chunked_flood_is_cut),
        T(test_server_framing_refused),
        T(test_server_upload_spooled),
        T(test_server_upload_limits),
        T(test_server_upload_json),
        T(test_server_raw_target),
        T(test_server_cors),
        T(test_server_request_id),
        T(test_server_keep_alive),
        T(test_server_access_log),
        T(test_server_graceful_stop),
        T(test_server_slow_routes_run_off_the_io_thread),
        T(test_server_slow_route_survives_stop),
        T(test_server_file_bodies),
        T(test_server_start_errors),
        T(test_server_ipv6_single_thread),
    };
#undef T
    log_configure(LOG_ERROR, 1);
    return cmocka_run_group_tests_name("http_server", tests, NULL, NULL);
}
