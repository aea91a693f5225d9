/* Unit tests for src/http/credentials.c: the bearer and cookie parsers alone,
 * the accessors and Set-Cookie through fake requests, and the client address
 * (peer, X-Forwarded-For with and without trust_proxy), once through a real
 * server on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "http/http.h"
#include "http/http_fake.h"
#include "http/http_int.h"
#include "http/router.h"
#include "http/server.h"

/* ---- bearer ---- */

/* The token http_parse_bearer finds, as a string in out ("" with its rc when
 * none). */
static int bearer(const char *header, char *out, size_t cap)
{
    const char *t = NULL;
    size_t n = 99;
    int rc = http_parse_bearer(header, &t, &n);
    out[0] = '\0';
    if (rc == EM_OK) {
        assert_non_null(t);
        assert_true(n < cap);
        memcpy(out, t, n);
        out[n] = '\0';
    } else {
        assert_null(t);
        assert_int_equal(n, 0);
    }
    return rc;
}

static void test_credentials_bearer_ok(void **state)
{
    (void)state;
    char tok[4096];
    assert_int_equal(bearer("Bearer abc.def.ghi", tok, sizeof tok), EM_OK);
    assert_string_equal(tok, "abc.def.ghi");
    assert_int_equal(bearer("bearer   tok", tok, sizeof tok), EM_OK);
    assert_string_equal(tok, "tok");
    assert_int_equal(bearer("BEARER a-b_c~d+e/f==", tok, sizeof tok), EM_OK);
    assert_string_equal(tok, "a-b_c~d+e/f==");
    /* White space around the field value is not part of it. */
    assert_int_equal(bearer("  Bearer tok \t", tok, sizeof tok), EM_OK);
    assert_string_equal(tok, "tok");
}

static void test_credentials_bearer_not_found(void **state)
{
    (void)state;
    char tok[64];
    assert_int_equal(bearer(NULL, tok, sizeof tok), EM_E_NOT_FOUND);
    assert_int_equal(bearer("", tok, sizeof tok), EM_E_NOT_FOUND);
    assert_int_equal(bearer("Basic xyz", tok, sizeof tok), EM_E_NOT_FOUND);
    assert_int_equal(bearer("Bearerx tok", tok, sizeof tok), EM_E_NOT_FOUND);
    assert_int_equal(bearer("Beare tok", tok, sizeof tok), EM_E_NOT_FOUND);
}

static void test_credentials_bearer_invalid(void **state)
{
    (void)state;
    char tok[4096];
    static const char *const bad[] = {"Bearer",           "Bearer ",     "Bearer   ",   "Bearer a b",
                                      "Bearer a\tb",      "Bearer\ttok", "Bearer a;b",  "Bearer \"tok\"",
                                      "Bearer tok\"",     "Bearer =abc", "Bearer ab=c", "Bearer a,b",
                                      "Bearer a\xc3\xa9", "Bearer,tok"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bearer(bad[i], tok, sizeof tok) != EM_E_INVAL)
            fail_msg("accepted: \"%s\"", bad[i]);
    }
    /* 2048 bytes is the most; 2049 is refused. */
    char h[8 + 2050];
    memcpy(h, "Bearer ", 7);
    memset(h + 7, 'a', 2048);
    h[7 + 2048] = '\0';
    assert_int_equal(bearer(h, tok, sizeof tok), EM_OK);
    assert_int_equal(strlen(tok), 2048);
    h[7 + 2048] = 'a';
    h[7 + 2049] = '\0';
    assert_int_equal(bearer(h, tok, sizeof tok), EM_E_INVAL);
}

static void test_credentials_req_bearer(void **state)
{
    (void)state;
    const char *const h1[] = {"Authorization", "Bearer abc.def", NULL};
    http_fake *f = http_fake_new("GET", "/", h1, NULL, 0);
    assert_string_equal(http_req_bearer(http_fake_req(f)), "abc.def");
    http_fake_free(f);

    const char *const h2[] = {"Authorization", "Basic dXNlcjpwYXNz", NULL};
    f = http_fake_new("GET", "/", h2, NULL, 0);
    assert_null(http_req_bearer(http_fake_req(f)));
    http_fake_free(f);

    f = http_fake_new("GET", "/", NULL, NULL, 0);
    assert_null(http_req_bearer(http_fake_req(f)));
    http_fake_free(f);
}

/* ---- cookies ---- */

/* The value http_parse_cookie finds for `name`, as a string in out. */
static int cookie(const char *header, const char *name, char *out, size_t cap)
{
    const char *v = NULL;
    size_t n = 99;
    int rc = http_parse_cookie(header, name, &v, &n);
    out[0] = '\0';
    if (rc == EM_OK) {
        assert_non_null(v);
        assert_true(n < cap);
        memcpy(out, v, n);
        out[n] = '\0';
    } else {
        assert_null(v);
        assert_int_equal(n, 0);
    }
    return rc;
}

static void test_credentials_cookie_found(void **state)
{
    (void)state;
    char v[256];
    assert_int_equal(cookie("a=1; em_access=tok; b=2", "em_access", v, sizeof v), EM_OK);
    assert_string_equal(v, "tok");
    assert_int_equal(cookie("em_access=tok", "em_access", v, sizeof v), EM_OK);
    assert_string_equal(v, "tok");
    assert_int_equal(cookie("a=1;b=2", "b", v, sizeof v), EM_OK); /* no space after ';' */
    assert_string_equal(v, "2");
    assert_int_equal(cookie("a=1; b = 2 ;c=3", "b", v, sizeof v), EM_OK);
    assert_string_equal(v, "2");
    /* Quotes are removed. */
    assert_int_equal(cookie("a=\"x.y-z\"; b=2", "a", v, sizeof v), EM_OK);
    assert_string_equal(v, "x.y-z");
    assert_int_equal(cookie("a=\"\"", "a", v, sizeof v), EM_OK);
    assert_string_equal(v, "");
    /* The first occurrence wins. */
    assert_int_equal(cookie("em_access=first; em_access=second", "em_access", v, sizeof v), EM_OK);
    assert_string_equal(v, "first");
    /* A name that ends with the wanted one is another cookie. */
    assert_int_equal(cookie("xem_access=1; em_access=2", "em_access", v, sizeof v), EM_OK);
    assert_string_equal(v, "2");
    assert_int_equal(cookie("em_access_x=1; em_access=2", "em_access", v, sizeof v), EM_OK);
    assert_string_equal(v, "2");
    /* Names are case-sensitive. */
    assert_int_equal(cookie("EM_ACCESS=1; em_access=2", "em_access", v, sizeof v), EM_OK);
    assert_string_equal(v, "2");
    /* Empty value. */
    assert_int_equal(cookie("a=; b=2", "a", v, sizeof v), EM_OK);
    assert_string_equal(v, "");
    /* Values may hold '=' (base64 padding). */
    assert_int_equal(cookie("t=ab==; u=1", "t", v, sizeof v), EM_OK);
    assert_string_equal(v, "ab==");
}

static void test_credentials_cookie_missing_and_malformed(void **state)
{
    (void)state;
    char v[64];
    assert_int_equal(cookie(NULL, "a", v, sizeof v), EM_E_NOT_FOUND);
    assert_int_equal(cookie("", "a", v, sizeof v), EM_E_NOT_FOUND);
    assert_int_equal(cookie("a=1; b=2", "em_access", v, sizeof v), EM_E_NOT_FOUND);
    assert_int_equal(cookie(";;", "a", v, sizeof v), EM_E_NOT_FOUND);
    assert_int_equal(cookie(" ; ; ", "a", v, sizeof v), EM_E_NOT_FOUND);
    /* Malformed pairs: reported when nothing is found ... */
    assert_int_equal(cookie("=x", "a", v, sizeof v), EM_E_INVAL);
    assert_int_equal(cookie("a", "a", v, sizeof v), EM_E_INVAL);
    assert_int_equal(cookie("b=1; junk", "a", v, sizeof v), EM_E_INVAL);
    assert_int_equal(cookie("b=\"unterminated", "a", v, sizeof v), EM_E_INVAL);
    assert_int_equal(cookie("b\x01=1", "a", v, sizeof v), EM_E_INVAL);
    /* ... but never hide a later well-formed pair. */
    assert_int_equal(cookie("=x; ;; a; b c=2; em_access=tok", "em_access", v, sizeof v), EM_OK);
    assert_string_equal(v, "tok");
    /* The wanted cookie itself malformed: not used, and no later one either. */
    assert_int_equal(cookie("a=x y; a=2", "a", v, sizeof v), EM_E_INVAL);
    assert_int_equal(cookie("a=\"x; a=2", "a", v, sizeof v), EM_E_INVAL);
    assert_int_equal(cookie("a=x\\y", "a", v, sizeof v), EM_E_INVAL);
    assert_int_equal(cookie("a=x,y", "a", v, sizeof v), EM_E_INVAL);
    /* An empty name never matches. */
    assert_int_equal(cookie("=x; a=1", "", v, sizeof v), EM_E_INVAL);
    assert_int_equal(cookie("a=1", "", v, sizeof v), EM_E_NOT_FOUND);
    /* Over 4096 bytes (name + value) is refused. */
    char *big = malloc(5000);
    memcpy(big, "a=", 2);
    memset(big + 2, 'v', 4095);
    big[2 + 4095] = '\0';
    const char *val;
    size_t n;
    assert_int_equal(http_parse_cookie(big, "a", &val, &n), EM_OK);
    assert_int_equal(n, 4095);
    big[2 + 4095] = 'v';
    big[2 + 4096] = '\0';
    assert_int_equal(http_parse_cookie(big, "a", &val, &n), EM_E_INVAL);
    free(big);
}

static void test_credentials_req_cookie(void **state)
{
    (void)state;
    const char *const h[] = {"Cookie", "sid=abc; em_access=\"tok.en\"", NULL};
    http_fake *f = http_fake_new("GET", "/", h, NULL, 0);
    assert_string_equal(http_req_cookie(http_fake_req(f), "em_access"), "tok.en");
    assert_string_equal(http_req_cookie(http_fake_req(f), "sid"), "abc");
    assert_null(http_req_cookie(http_fake_req(f), "other"));
    http_fake_free(f);

    f = http_fake_new("GET", "/", NULL, NULL, 0);
    assert_null(http_req_cookie(http_fake_req(f), "sid"));
    http_fake_free(f);
}

/* ---- Set-Cookie ---- */

/* The Set-Cookie values of a response, in order, into out[]. */
static int set_cookies(http_fake *f, const char **out, int max)
{
    int n = 0;
    for (const http__header *h = http_fake_res(f)->headers; h != NULL && n < max; h = h->next) {
        if (strcmp(h->name, "Set-Cookie") == 0)
            out[n++] = h->value;
    }
    return n;
}

static void test_credentials_set_cookie(void **state)
{
    (void)state;
    http_fake *f = http_fake_new("POST", "/login", NULL, NULL, 0);
    http_res *res = http_fake_res(f);

    http_cookie_opts all = {.max_age_s = 900, .http_only = true, .secure = true, .same_site = "Lax"};
    http_res_set_cookie(res, "em_access", "abc.def", &all);
    assert_string_equal(http_fake_header(f, "Set-Cookie"),
                        "em_access=abc.def; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Lax");

    http_cookie_opts del = {.max_age_s = -1, .http_only = true, .path = "/api/auth"};
    http_res_set_cookie(res, "em_refresh", "", &del);
    http_cookie_opts session = {.same_site = "Strict"};
    http_res_set_cookie(res, "csrf", "xyz", &session);
    http_res_set_cookie(res, "plain", "1", NULL);
    http_cookie_opts none = {.max_age_s = 60, .secure = true, .same_site = "None"};
    http_res_set_cookie(res, "x", "y", &none);

    const char *got[8];
    assert_int_equal(set_cookies(f, got, 8), 5);
    assert_string_equal(got[1], "em_refresh=; Path=/api/auth; Max-Age=0; HttpOnly");
    assert_string_equal(got[2], "csrf=xyz; Path=/; SameSite=Strict");
    assert_string_equal(got[3], "plain=1; Path=/");
    assert_string_equal(got[4], "x=y; Path=/; Max-Age=60; Secure; SameSite=None");
    http_fake_free(f);
}

#ifdef NDEBUG
/* With asserts off, a cookie that could split the header is refused, not sent. */
static void test_credentials_set_cookie_refused(void **state)
{
    (void)state;
    http_fake *f = http_fake_new("POST", "/login", NULL, NULL, 0);
    http_res *res = http_fake_res(f);
    http_cookie_opts bad_site = {.same_site = "None"}; /* None needs Secure */
    http_cookie_opts bad_path = {.path = "/a;b"};
    http_cookie_opts odd_site = {.same_site = "Lax\r\nX: y"};
    http_res_set_cookie(res, "a", "x\r\nSet-Cookie: evil=1", NULL);
    http_res_set_cookie(res, "a b", "x", NULL);
    http_res_set_cookie(res, "", "x", NULL);
    http_res_set_cookie(res, "a", "x y", NULL);
    http_res_set_cookie(res, "a", "x", &bad_site);
    http_res_set_cookie(res, "a", "x", &bad_path);
    http_res_set_cookie(res, "a", "x", &odd_site);
    assert_null(http_fake_header(f, "Set-Cookie"));
    http_fake_free(f);
}
#endif

static void h_login(http_req *req, http_res *res)
{
    (void)req;
    http_cookie_opts o = {.max_age_s = 3600, .http_only = true, .same_site = "Lax"};
    http_res_set_cookie(res, "em_access", "a.b.c", &o);
    http_res_set_cookie(res, "em_csrf", "k", NULL);
    http_res_body(res, 204, NULL, NULL, 0);
}

static void test_credentials_set_cookie_pipeline(void **state)
{
    (void)state;
    router *r = router_new();
    assert_int_equal(router_add(r, "POST", "/login", h_login), 0);
    http_fake *f = http_fake_new("POST", "/login", NULL, NULL, 0);
    http_site site = {.routes = r};
    http_fake_run(f, &site);
    assert_int_equal(http_fake_status(f), 204);
    const char *got[4];
    assert_int_equal(set_cookies(f, got, 4), 2);
    assert_string_equal(got[0], "em_access=a.b.c; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
    assert_string_equal(got[1], "em_csrf=k; Path=/");
    assert_non_null(http_fake_header(f, "X-Request-Id")); /* the common headers are there too */
    http_fake_free(f);
    router_free(r);
}

/* ---- the client's address ---- */

static const char *client_ip(const char *peer, bool trust, const char *const *headers, char *out, size_t cap)
{
    http_fake *f = http_fake_new("GET", "/", headers, NULL, 0);
    http_fake_set_peer(f, peer);
    http_fake_set_trust_proxy(f, trust);
    snprintf(out, cap, "%s", http_req_client_ip(http_fake_req(f)));
    http_fake_free(f);
    return out;
}

static void test_credentials_client_ip_peer(void **state)
{
    (void)state;
    char ip[64];
    assert_string_equal(client_ip("203.0.113.9", false, NULL, ip, sizeof ip), "203.0.113.9");
    assert_string_equal(client_ip("2001:db8::1", false, NULL, ip, sizeof ip), "2001:db8::1");
    assert_string_equal(client_ip(NULL, false, NULL, ip, sizeof ip), "unknown");
    assert_string_equal(client_ip("", true, NULL, ip, sizeof ip), "unknown");
    /* A new fake is a local client. */
    http_fake *f = http_fake_new("GET", "/", NULL, NULL, 0);
    assert_string_equal(http_req_client_ip(http_fake_req(f)), "127.0.0.1");
    http_fake_free(f);
}

static void test_credentials_client_ip_forwarded(void **state)
{
    (void)state;
    char ip[64];
    const char *const two[] = {"X-Forwarded-For", "198.51.100.1, 203.0.113.7", NULL};
    assert_string_equal(client_ip("10.0.0.2", true, two, ip, sizeof ip), "203.0.113.7");
    /* Without trust_proxy the header is ignored. */
    assert_string_equal(client_ip("10.0.0.2", false, two, ip, sizeof ip), "10.0.0.2");

    const char *const one[] = {"x-forwarded-for", "  198.51.100.1  ", NULL};
    assert_string_equal(client_ip("10.0.0.2", true, one, ip, sizeof ip), "198.51.100.1");
    /* IPv6, in canonical form; IPv4-mapped as IPv4. */
    const char *const v6[] = {"X-Forwarded-For", "1.2.3.4,2001:DB8:0:0::1", NULL};
    assert_string_equal(client_ip("10.0.0.2", true, v6, ip, sizeof ip), "2001:db8::1");
    const char *const mapped[] = {"X-Forwarded-For", "::ffff:192.0.2.5", NULL};
    assert_string_equal(client_ip("10.0.0.2", true, mapped, ip, sizeof ip), "192.0.2.5");
    /* Two header lines: the proxy's (the last) counts. */
    const char *const lines[] = {"X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "198.51.100.3", NULL};
    assert_string_equal(client_ip("10.0.0.2", true, lines, ip, sizeof ip), "198.51.100.3");

    /* Junk in the right-most place: the peer. */
    static const char *const junk[] = {"",
                                       "unknown",
                                       "203.0.113.7, ",
                                       "203.0.113.7,junk",
                                       "example.com",
                                       "1.2.3.4:80",
                                       "[2001:db8::1]",
                                       "fe80::1%eth0",
                                       "1.2.3",
                                       "01.2.3.4",
                                       "256.1.1.1",
                                       "1.2.3.4 5.6.7.8",
                                       "2001:db8:0:0:0:0:0:0:1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        const char *const h[] = {"X-Forwarded-For", junk[i], NULL};
        if (strcmp(client_ip("10.0.0.2", true, h, ip, sizeof ip), "10.0.0.2") != 0)
            fail_msg("X-Forwarded-For \"%s\" gave %s", junk[i], ip);
    }
}

static void test_credentials_peer_format(void **state)
{
    (void)state;
    char out[HTTP_IP_TEXT_MAX];
    struct sockaddr_in a4;
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, "198.51.100.20", &a4.sin_addr), 1);
    http__peer_format((struct sockaddr *)&a4, out);
    assert_string_equal(out, "198.51.100.20");

    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, "::ffff:203.0.113.9", &a6.sin6_addr), 1);
    http__peer_format((struct sockaddr *)&a6, out);
    assert_string_equal(out, "203.0.113.9"); /* IPv4-mapped: shown as IPv4 */
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:0:0:0:0:0:ff", &a6.sin6_addr), 1);
    http__peer_format((struct sockaddr *)&a6, out);
    assert_string_equal(out, "2001:db8::ff");
    assert_int_equal(inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &a6.sin6_addr), 1);
    http__peer_format((struct sockaddr *)&a6, out);
    assert_string_equal(out, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"); /* the longest fits */

    struct sockaddr other;
    memset(&other, 0, sizeof other);
    other.sa_family = AF_UNIX;
    http__peer_format(&other, out);
    assert_string_equal(out, "");
    http__peer_format(NULL, out);
    assert_string_equal(out, "");
}

/* ---- through a real server ---- */

static void h_ip(http_req *req, http_res *res)
{
    const char *ip = http_req_client_ip(req);
    http_res_body(res, 200, "text/plain", ip, strlen(ip));
}

/* One request to 127.0.0.1:port with extra header lines; the body into out. */
static int get_body(int port, const char *extra, char *out, size_t cap)
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
    char req[512];
    int n = snprintf(req, sizeof req, "GET /ip HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n", extra);
    assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    char raw[4096];
    size_t len = 0;
    for (;;) {
        ssize_t got = recv(fd, raw + len, sizeof raw - 1 - len, 0);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    raw[len] = '\0';
    int status = 0;
    if (len >= 12 && strncmp(raw, "HTTP/1.1 ", 9) == 0)
        status = (raw[9] - '0') * 100 + (raw[10] - '0') * 10 + (raw[11] - '0');
    const char *body = strstr(raw, "\r\n\r\n");
    snprintf(out, cap, "%s", body != NULL ? body + 4 : "");
    return status;
}

static void test_credentials_client_ip_server(void **state)
{
    (void)state;
    router *r = router_new();
    assert_int_equal(router_add(r, "GET", "/ip", h_ip), 0);
    http_site site = {.routes = r};
    http_server_options o = {.host = "127.0.0.1",
                             .port = 0,
                             .threads = 2,
                             .max_body = 1024,
                             .shutdown_grace_s = 1,
                             .site = &site};
    http_server *s = NULL;
    em_error err;
    char body[256];

    assert_int_equal(http_server_start(&o, &s, &err), EM_OK);
    assert_int_equal(get_body(http_server_port(s), "", body, sizeof body), 200);
    assert_string_equal(body, "127.0.0.1");
    assert_int_equal(get_body(http_server_port(s), "X-Forwarded-For: 203.0.113.7\r\n", body, sizeof body),
                     200);
    assert_string_equal(body, "127.0.0.1"); /* not trusted */
    http_server_stop(s);

    o.trust_proxy = true;
    assert_int_equal(http_server_start(&o, &s, &err), EM_OK);
    assert_int_equal(
        get_body(http_server_port(s), "X-Forwarded-For: 198.51.100.1, 203.0.113.7\r\n", body, sizeof body),
        200);
    assert_string_equal(body, "203.0.113.7");
    /* Several lines: the last one's right-most entry. */
    assert_int_equal(get_body(http_server_port(s),
                              "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 198.51.100.1, 203.0.113.8\r\n",
                              body, sizeof body),
                     200);
    assert_string_equal(body, "203.0.113.8");
    assert_int_equal(get_body(http_server_port(s), "X-Forwarded-For: nonsense\r\n", body, sizeof body), 200);
    assert_string_equal(body, "127.0.0.1");
    http_server_stop(s);
    router_free(r);
}

static void test_credentials_client_ip_server_ipv6(void **state)
{
    (void)state;
    router *r = router_new();
    assert_int_equal(router_add(r, "GET", "/ip", h_ip), 0);
    http_site site = {.routes = r};
    http_server_options o = {.host = "::1", .port = 0, .threads = 1, .max_body = 1024, .site = &site};
    http_server *s = NULL;
    em_error err;
    if (http_server_start(&o, &s, &err) != EM_OK) {
        router_free(r);
        skip(); /* no IPv6 loopback here */
    }
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons((uint16_t)http_server_port(s));
    sa.sin6_addr = in6addr_loopback;
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    const char req[] = "GET /ip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(send(fd, req, sizeof req - 1, MSG_NOSIGNAL), (ssize_t)(sizeof req - 1));
    char raw[4096];
    size_t len = 0;
    for (;;) {
        ssize_t got = recv(fd, raw + len, sizeof raw - 1 - len, 0);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    raw[len] = '\0';
    const char *body = strstr(raw, "\r\n\r\n");
    assert_non_null(body);
    assert_string_equal(body + 4, "::1");
    http_server_stop(s);
    router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credentials_bearer_ok),
        cmocka_unit_test(test_credentials_bearer_not_found),
        cmocka_unit_test(test_credentials_bearer_invalid),
        cmocka_unit_test(test_credentials_req_bearer),
        cmocka_unit_test(test_credentials_cookie_found),
        cmocka_unit_test(test_credentials_cookie_missing_and_malformed),
        cmocka_unit_test(test_credentials_req_cookie),
        cmocka_unit_test(test_credentials_set_cookie),
        cmocka_unit_test(test_credentials_set_cookie_pipeline),
#ifdef NDEBUG
        cmocka_unit_test(test_credentials_set_cookie_refused),
#endif
        cmocka_unit_test(test_credentials_client_ip_peer),
        cmocka_unit_test(test_credentials_client_ip_forwarded),
        cmocka_unit_test(test_credentials_peer_format),
        cmocka_unit_test(test_credentials_client_ip_server),
        cmocka_unit_test(test_credentials_client_ip_server_ipv6),
    };
    log_configure(LOG_ERROR, 2);
    return cmocka_run_group_tests_name("http_credentials", tests, NULL, NULL);
}
