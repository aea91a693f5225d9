/* The HTTP edge against the real binary: error shapes, 404/405/413/400/415,
 * CORS, security headers, request ids and the access log; clients that hold
 * connections (the limit per address, the request deadlines) and ambiguous
 * body framing, over raw sockets. */
#include "it_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void http_unknown_route_is_json_404(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, NULL);
    it_response r;
    /* Under /api/ (any other GET path is the web UI's page). */
    it_http(&s, "GET", "/api/nope", NULL, NULL, 0, &r);
    it_assert_error(&r, 404, "not_found");
    char v[256];
    assert_non_null(it_header(&r, "Content-Type", v, sizeof v));
    assert_non_null(strstr(v, "application/json"));
    it_response_free(&r);
    it_http(&s, "GET", "/health/", NULL, NULL, 0, &r); /* strict: no trailing-slash alias */
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    /* The UI's catch-all page is for GET: another method on a path nothing
     * routes is not found, not "GET only". */
    const char *const json[] = {"Content-Type: application/json", NULL};
    it_http(&s, "POST", "/api/nope", json, "{}", 2, &r);
    it_assert_error(&r, 404, "not_found");
    assert_null(it_header(&r, "Allow", v, sizeof v));
    it_response_free(&r);
    it_http(&s, "DELETE", "/materials/12", NULL, NULL, 0, &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void http_wrong_method_is_405_with_allow(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, NULL);
    it_response r;
    it_http(&s, "DELETE", "/health", NULL, NULL, 0, &r);
    it_assert_error(&r, 405, "method_not_allowed");
    char v[256];
    assert_non_null(it_header(&r, "Allow", v, sizeof v));
    assert_string_equal(v, "GET, HEAD, OPTIONS");
    it_response_free(&r);
    it_http(&s, "PUT", "/api/topics", NULL, NULL, 0, &r);
    it_assert_error(&r, 405, "method_not_allowed");
    assert_non_null(it_header(&r, "Allow", v, sizeof v));
    assert_string_equal(v, "GET, HEAD, POST, OPTIONS");
    it_response_free(&r);
    it_http(&s, "HEAD", "/health", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void http_body_limit_is_413(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    const char *env[] = {"MAX_BODY_KB=1", NULL};
    it_server_start(&s, &b, env);
    size_t n = 4096;
    char *big = malloc(n);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    const char *json[] = {"Content-Type: application/json", NULL};
    it_response r;
    it_http(&s, "POST", "/api/auth/login", json, big, n, &r);
    it_assert_error(&r, 413, "payload_too_large");
    it_response_free(&r);
    /* Just under the limit goes through to validation. */
    it_http(&s, "POST", "/api/auth/login", json, big, 1000, &r);
    assert_true(r.status == 400 || r.status == 422);
    it_response_free(&r);
    /* A chunked body that grows past the limit is cut off the same way. */
    const char *chunked[] = {"Content-Type: application/json", "Transfer-Encoding: chunked", NULL};
    it_http(&s, "POST", "/api/auth/login", chunked, big, n, &r);
    it_assert_error(&r, 413, "payload_too_large");
    it_response_free(&r);
    free(big);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void http_malformed_json_names_line_and_column(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, NULL);
    const char *json[] = {"Content-Type: application/json", NULL};
    const char *bad = "{\n  \"email\": \"x@example.org\",\n  \"password\": oops\n}";
    it_response r;
    it_http(&s, "POST", "/api/auth/login", json, bad, strlen(bad), &r);
    it_assert_error(&r, 400, "invalid_json");
    assert_non_null(strstr(r.body, "line 3"));
    assert_non_null(strstr(r.body, "column"));
    it_response_free(&r);
    it_http(&s, "POST", "/api/auth/login", json, "", 0, &r);
    it_assert_error(&r, 400, "invalid_json");
    it_response_free(&r);
    const char *text[] = {"Content-Type: text/plain", NULL};
    it_http(&s, "POST", "/api/auth/login", text, "{}", 2, &r);
    it_assert_error(&r, 415, "unsupported_media_type");
    it_response_free(&r);
    it_http(&s, "POST", "/api/auth/login", json, "[1,2]", 5, &r);
    it_assert_error(&r, 422, "validation_error");
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void http_security_headers_and_request_id(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, NULL);
    char v[512];
    it_response r;
    const char *rid[] = {"X-Request-Id: trace-abc_123.4", NULL};
    it_http(&s, "GET", "/health", rid, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    assert_non_null(it_header(&r, "X-Request-Id", v, sizeof v));
    assert_string_equal(v, "trace-abc_123.4");
    assert_non_null(it_header(&r, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    assert_non_null(it_header(&r, "X-Content-Type-Options", v, sizeof v));
    assert_string_equal(v, "nosniff");
    assert_non_null(it_header(&r, "Referrer-Policy", v, sizeof v));
    assert_null(it_header(&r, "Strict-Transport-Security", v, sizeof v)); /* local: plain HTTP */
    it_response_free(&r);
    /* A malformed id is replaced with a generated UUID, never echoed. */
    const char *bad[] = {"X-Request-Id: <script>", NULL};
    it_http(&s, "GET", "/nope", bad, NULL, 0, &r);
    assert_non_null(it_header(&r, "X-Request-Id", v, sizeof v));
    assert_int_equal(strlen(v), 36);
    assert_null(strstr(v, "<"));
    assert_non_null(it_header(&r, "X-Content-Type-Options", v, sizeof v)); /* on errors too */
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);

    /* One JSON access-log line per request with the fields operators read. */
    char *log = it_server_log(&s);
    const char *line = strstr(log, "trace-abc_123.4");
    assert_non_null(line);
    while (line > log && line[-1] != '\n')
        line--;
    json_error_t e;
    json_t *j = json_loadb(line, strcspn(line, "\n"), 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(j, "path")), "/health");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "bytes")), 15);
    assert_true(json_is_number(json_object_get(j, "duration_ms")));
    assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
    assert_non_null(json_object_get(j, "ts"));
    json_decref(j);
    free(log);
    it_backend_teardown(&b);
}

static void http_cors_preflight_and_simple(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    const char *env[] = {"CORS_ORIGINS=https://app.example.org,https://admin.example.org", NULL};
    it_server_start(&s, &b, env);
    char v[512];
    it_response r;
    const char *ok[] = {"Origin: https://app.example.org", "Access-Control-Request-Method: POST",
                        "Access-Control-Request-Headers: content-type, authorization", NULL};
    it_http(&s, "OPTIONS", "/api/topics", ok, NULL, 0, &r);
    assert_int_equal(r.status, 204);
    assert_non_null(it_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    assert_string_equal(v, "https://app.example.org");
    assert_non_null(it_header(&r, "Access-Control-Allow-Methods", v, sizeof v));
    assert_non_null(strstr(v, "POST"));
    assert_non_null(it_header(&r, "Access-Control-Allow-Headers", v, sizeof v));
    assert_non_null(strcasestr(v, "content-type"));
    assert_non_null(it_header(&r, "Vary", v, sizeof v));
    assert_non_null(strstr(v, "Origin"));
    it_response_free(&r);

    const char *evil[] = {"Origin: https://evil.example.org", "Access-Control-Request-Method: POST", NULL};
    it_http(&s, "OPTIONS", "/api/topics", evil, NULL, 0, &r);
    it_assert_error(&r, 403, "cors_forbidden");
    assert_null(it_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    it_response_free(&r);

    const char *simple[] = {"Origin: https://admin.example.org", NULL};
    it_http(&s, "GET", "/health", simple, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(it_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    assert_string_equal(v, "https://admin.example.org");
    it_response_free(&r);
    const char *other[] = {"Origin: https://evil.example.org", NULL};
    it_http(&s, "GET", "/health", other, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_null(it_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

/* ---- raw sockets: clients that misbehave ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection to the server from address `from` (any of 127.0.0.0/8). */
static int raw_connect(const it_server *s, const char *from)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, from, &sa.sin_addr), 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    sa.sin_port = htons((uint16_t)s->port);
    assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr), 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void raw_send(int fd, const char *text)
{
    size_t n = strlen(text);
    while (n > 0) {
        ssize_t w = send(fd, text, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* closed: the caller finds out by reading */
        text += w;
        n -= (size_t)w;
    }
}

/* Whether the server closed fd within timeout_ms (bytes that come first are
 * appended to out, which holds cap bytes, when given). */
static bool raw_closed_within(int fd, int timeout_ms, char *out, size_t cap)
{
    size_t len = out != NULL ? strlen(out) : 0;
    int64_t end = now_ms() + timeout_ms;
    for (;;) {
        int64_t left = end - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left > 0 ? (int)left : 0) == 0)
            return false;
        char chunk[4096];
        ssize_t r = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
            return true;
        if (r > 0 && out != NULL && len + (size_t)r < cap) {
            memcpy(out + len, chunk, (size_t)r);
            len += (size_t)r;
            out[len] = '\0';
        }
    }
}

/* A request sent whole on a new connection: the raw answer, read until the
 * server closes (within 2 s, or the test fails: "at once"). */
static void raw_refused(const it_server *s, const char *request, const char *status_line, const char *code)
{
    char answer[8192] = "";
    int fd = raw_connect(s, "127.0.0.1");
    int64_t t0 = now_ms();
    raw_send(fd, request);
    bool closed = raw_closed_within(fd, 2000, answer, sizeof answer);
    close(fd);
    if (!closed || strncmp(answer, status_line, strlen(status_line)) != 0)
        fail_msg("%s: closed=%d after %lld ms, answer: %.200s", request, closed, (long long)(now_ms() - t0),
                 answer);
    assert_non_null(strstr(answer, code)); /* our JSON error */
    assert_non_null(strcasestr(answer, "\r\nConnection: close\r\n"));
}

/* The limit per address and the request deadlines, from outside: with
 * MAX_CONNECTIONS_PER_IP=20 and REQUEST_HEADER_TIMEOUT_SECONDS=2, twenty
 * connections from 127.0.0.5 that trickle their headers are held, the
 * twenty-first is closed at once, /health from 127.0.0.1 answers meanwhile,
 * and the twenty are cut at about 2 s; a trickled body at
 * REQUEST_TIMEOUT_SECONDS=5; ambiguous framing is refused at once. The
 * bounds on when a connection is cut leave 1.3 s for a loaded machine. */
static void http_slow_clients_are_limited_and_cut(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    const char *env[] = {"MAX_CONNECTIONS_PER_IP=20", "REQUEST_HEADER_TIMEOUT_SECONDS=2",
                         "REQUEST_TIMEOUT_SECONDS=5", NULL};
    it_server_start(&s, &b, env);
    char *log = it_server_log(&s);
    assert_non_null(strstr(log, "\"per_ip\":20"));
    free(log);

    int held[20];
    int64_t t0 = now_ms();
    for (int i = 0; i < 20; i++) {
        held[i] = raw_connect(&s, "127.0.0.5");
        raw_send(held[i], "GET /health HTTP/1.1\r\n");
    }
    int body = raw_connect(&s, "127.0.0.6"); /* a body that trickles, from another address */
    int64_t body_t0 = now_ms();
    raw_send(body, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: 200\r\n\r\n{");
    poll(NULL, 0, 300); /* the server accepts what the kernel completed a moment later */
    for (int i = 0; i < 3; i++) {
        int extra = raw_connect(&s, "127.0.0.5");
        raw_send(extra, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        char answer[256] = "";
        assert_true(raw_closed_within(extra, 1000, answer, sizeof answer));
        assert_string_equal(answer, ""); /* closed without an answer */
        close(extra);
    }
    int64_t h0 = now_ms();
    it_response r;
    it_http(&s, "GET", "/health", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    it_response_free(&r);
    assert_true(now_ms() - h0 < 1000);

    /* the held ones trickle on (a byte every 200 ms) until they are cut */
    int64_t cut_at[20];
    int left = 20;
    for (int i = 0; i < 20; i++)
        cut_at[i] = -1;
    while (left > 0 && now_ms() - t0 < 8000) {
        for (int i = 0; i < 20; i++) {
            if (cut_at[i] >= 0)
                continue;
            if (raw_closed_within(held[i], 0, NULL, 0)) {
                cut_at[i] = now_ms() - t0;
                left--;
            } else {
                raw_send(held[i], "X");
            }
        }
        raw_send(body, " ");
        poll(NULL, 0, 200);
    }
    for (int i = 0; i < 20; i++) {
        close(held[i]);
        if (cut_at[i] < 1800 || cut_at[i] > 3300)
            fail_msg("connection %d cut after %lld ms, want about 2000", i, (long long)cut_at[i]);
    }
    int64_t body_cut = -1;
    while (body_cut < 0 && now_ms() - body_t0 < 9000) {
        if (raw_closed_within(body, 200, NULL, 0))
            body_cut = now_ms() - body_t0;
        else
            raw_send(body, " ");
    }
    close(body);
    if (body_cut < 4800 || body_cut > 6300)
        fail_msg("the trickled body was cut after %lld ms, want about 5000", (long long)body_cut);
    /* the address may connect again */
    it_http(&s, "GET", "/health", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    it_response_free(&r);

    /* framing that a proxy in front could read otherwise: refused at once */
    raw_refused(&s,
                "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 2\r\nContent-Length: 30\r\n\r\n{}",
                "HTTP/1.1 400", "invalid_request");
    raw_refused(&s,
                "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                "HTTP/1.1 501", "not_implemented");
    /* a request line ended by a bare CR: libmicrohttpd waits for the line
     * feed; the header deadline closes it */
    int cr = raw_connect(&s, "127.0.0.1");
    int64_t cr0 = now_ms();
    raw_send(cr, "GET /health HTTP/1.1\r");
    assert_true(raw_closed_within(cr, 5000, NULL, 0));
    int64_t cr_cut = now_ms() - cr0;
    close(cr);
    if (cr_cut < 1800 || cr_cut > 3300)
        fail_msg("a bare CR request line was closed after %lld ms, want about 2000", (long long)cr_cut);

    assert_int_equal(it_server_stop(&s), 0);
    log = it_server_log(&s);
    assert_non_null(strstr(log, "\"waiting_for\":\"headers\""));
    assert_non_null(strstr(log, "\"waiting_for\":\"body\""));
    free(log);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(http_unknown_route_is_json_404),
        IT_BOTH(http_wrong_method_is_405_with_allow),
        IT_BOTH(http_body_limit_is_413),
        IT_BOTH(http_malformed_json_names_line_and_column),
        IT_BOTH(http_security_headers_and_request_id),
        IT_BOTH(http_cors_preflight_and_simple),
        IT_BOTH(http_slow_clients_are_limited_and_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
