/* credentials: what a request says about who sends it (the bearer token of
 * Authorization, cookies) and where it comes from (the client's IP address),
 * and the Set-Cookie header that hands a credential out.
 *
 * The parsers work in place on the header text (no allocation), so they can
 * be fuzzed alone; the accessors copy what they find into the request arena.
 * Header values are bounded by libmicrohttpd's per-connection memory (32 KiB
 * by default), and what the parsers accept is bounded again here: a bearer
 * token at 2048 bytes, a cookie value at 4096 (a browser's own limit). */
#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/log.h"
#include "http/http.h"
#include "http/http_int.h"

/* Longest bearer token accepted (bytes, '=' padding included). Our access
 * tokens are JWTs of a few hundred bytes. */
#define BEARER_TOKEN_MAX 2048
/* Longest cookie name + value, read or written (RFC 6265 section 6.1: what
 * browsers keep at least). */
#define COOKIE_MAX 4096

/* ---- character classes ---- */

static bool is_ows(char ch)
{
    return ch == ' ' || ch == '\t';
}

static bool is_alnum(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* RFC 9110 tchar: what an auth-scheme or a cookie name is made of. */
static bool is_tchar(unsigned char ch)
{
    return ch != '\0' && (is_alnum(ch) || strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* RFC 6750 b64token characters, without the trailing '=' padding. */
static bool is_b64token_char(unsigned char ch)
{
    return ch != '\0' && (is_alnum(ch) || strchr("-._~+/", ch) != NULL);
}

/* RFC 6265 cookie-octet: visible ASCII except DQUOTE , ; and backslash. */
static bool is_cookie_octet(unsigned char ch)
{
    return ch >= 0x21 && ch <= 0x7e && ch != '"' && ch != ',' && ch != ';' && ch != '\\';
}

static bool is_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_tchar((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* ---- Authorization: Bearer ---- */

int http_parse_bearer(const char *header, const char **token, size_t *len)
{
    assert(token != NULL && len != NULL);
    *token = NULL;
    *len = 0;
    if (header == NULL)
        return EM_E_NOT_FOUND;
    /* Leading and trailing white space is not part of a field value (RFC 9110
     * section 5.5); libmicrohttpd strips it, fake requests may not. */
    const char *p = header;
    while (is_ows(*p))
        p++;
    const char *scheme = p;
    while (is_tchar((unsigned char)*p))
        p++;
    if (p - scheme != 6 || strncasecmp(scheme, "Bearer", 6) != 0)
        return EM_E_NOT_FOUND; /* absent, or another scheme ("Basic", "Bearerx") */
    if (*p != ' ')
        return EM_E_INVAL; /* "Bearer", "Bearer\ttok", "Bearer,tok" */
    while (*p == ' ')
        p++;
    const char *start = p;
    while (is_b64token_char((unsigned char)*p))
        p++;
    if (p == start)
        return EM_E_INVAL; /* "Bearer ", "Bearer =x", "Bearer \"x\"" */
    while (*p == '=')
        p++;
    size_t n = (size_t)(p - start);
    while (is_ows(*p))
        p++;
    if (*p != '\0' || n > BEARER_TOKEN_MAX)
        return EM_E_INVAL; /* something after the token ("a b", "a;b"), or too long */
    *token = start;
    *len = n;
    return EM_OK;
}

const char *http_req_bearer(const http_req *req)
{
    const char *token;
    size_t len;
    if (http_parse_bearer(http_req_header(req, "Authorization"), &token, &len) != EM_OK)
        return NULL;
    return arena_strndup(req->arena, token, len);
}

/* ---- Cookie ---- */

/* One "name=value" pair of a Cookie header. */
typedef struct cookie_pair {
    const char *name;
    size_t name_len;   /* 0 when the pair has no '=' */
    const char *value; /* quotes excluded */
    size_t value_len;
} cookie_pair;

enum { PAIR_OK, PAIR_EMPTY, PAIR_MALFORMED };

/* Split s[0..n) (one pair, without its ';') into name and value. PAIR_EMPTY
 * for white space only; PAIR_MALFORMED when there is no '=', the name is not a
 * token, or the value is not cookie-octets (optionally in double quotes) of
 * bounded length. The name is filled in even when the value is malformed, so
 * the caller can tell whether the pair was the one it looked for. */
static int cookie_split(const char *s, size_t n, cookie_pair *out /* OUT */)
{
    memset(out, 0, sizeof *out);
    while (n > 0 && is_ows(*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_ows(s[n - 1]))
        n--;
    if (n == 0)
        return PAIR_EMPTY;
    const char *eq = memchr(s, '=', n);
    if (eq == NULL)
        return PAIR_MALFORMED; /* "a": a nameless cookie, or garbage */
    size_t name_len = (size_t)(eq - s);
    while (name_len > 0 && is_ows(s[name_len - 1]))
        name_len--;
    if (!is_token(s, name_len))
        return PAIR_MALFORMED;
    out->name = s;
    out->name_len = name_len;

    const char *v = eq + 1;
    size_t vlen = (size_t)(s + n - v);
    while (vlen > 0 && is_ows(*v)) {
        v++;
        vlen--;
    }
    if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
        v++;
        vlen -= 2;
    }
    if (name_len + vlen > COOKIE_MAX)
        return PAIR_MALFORMED;
    for (size_t i = 0; i < vlen; i++) {
        if (!is_cookie_octet((unsigned char)v[i]))
            return PAIR_MALFORMED;
    }
    out->value = v;
    out->value_len = vlen;
    return PAIR_OK;
}

/* The search does not stop at a malformed pair: a stray cookie that another
 * application on the same site set (or a client's garbage) must not hide ours,
 * or anyone who can set one cookie on the domain could log users out. So
 * EM_E_INVAL means "not found, and the header had malformed pairs", or that
 * the first pair with this name is itself malformed. */
int http_parse_cookie(const char *header, const char *name, const char **value, size_t *len)
{
    assert(name != NULL && value != NULL && len != NULL);
    *value = NULL;
    *len = 0;
    if (header == NULL)
        return EM_E_NOT_FOUND;
    size_t name_len = strlen(name);
    bool malformed = false;
    const char *p = header;
    while (*p != '\0') {
        size_t n = strcspn(p, ";");
        cookie_pair pair;
        int kind = cookie_split(p, n, &pair);
        p += n;
        if (*p == ';')
            p++;
        if (kind == PAIR_EMPTY)
            continue;
        /* Names compare exactly (case-sensitive, RFC 6265 section 5.4), so
         * "xem_access" is not "em_access". */
        bool match = pair.name_len == name_len && name_len > 0 && memcmp(pair.name, name, name_len) == 0;
        if (match && kind == PAIR_OK) {
            *value = pair.value;
            *len = pair.value_len;
            return EM_OK;
        }
        if (match)
            return EM_E_INVAL; /* the first occurrence wins, even when malformed */
        if (kind == PAIR_MALFORMED)
            malformed = true;
    }
    return malformed ? EM_E_INVAL : EM_E_NOT_FOUND;
}

const char *http_req_cookie(const http_req *req, const char *name)
{
    const char *value;
    size_t len;
    if (http_parse_cookie(http_req_header(req, "Cookie"), name, &value, &len) != EM_OK)
        return NULL;
    return arena_strndup(req->arena, value, len);
}

/* ---- the client's address ---- */

/* Format an IPv6 address, IPv4-mapped ones (::ffff:a.b.c.d, what a dual-stack
 * socket reports for an IPv4 client) as plain IPv4, so one client has one
 * text whatever socket it came through. */
static void format_in6(const struct in6_addr *a, char out[HTTP_IP_TEXT_MAX])
{
    const char *ok;
    if (IN6_IS_ADDR_V4MAPPED(a))
        ok = inet_ntop(AF_INET, &a->s6_addr[12], out, HTTP_IP_TEXT_MAX);
    else
        ok = inet_ntop(AF_INET6, a, out, HTTP_IP_TEXT_MAX);
    if (ok == NULL)
        out[0] = '\0';
}

void http__peer_format(const struct sockaddr *sa, char out[HTTP_IP_TEXT_MAX])
{
    out[0] = '\0';
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        if (inet_ntop(AF_INET, &in->sin_addr, out, HTTP_IP_TEXT_MAX) == NULL)
            out[0] = '\0';
    } else if (sa->sa_family == AF_INET6) {
        format_in6(&((const struct sockaddr_in6 *)sa)->sin6_addr, out);
    }
}

/* Parse s[0..n) as an IPv4 or IPv6 address and write its canonical text (the
 * same a peer would get) into out. False when it is not an address (host
 * names, ports, zone ids and "unknown" are not). Canonical text matters: rate
 * limits are keyed by it, and "2001:db8::1" and "2001:DB8:0::1" are one client. */
static bool ip_canonical(const char *s, size_t n, char out[HTTP_IP_TEXT_MAX] /* OUT */)
{
    char text[HTTP_IP_TEXT_MAX];
    struct in_addr a4;
    struct in6_addr a6;
    if (n == 0 || n >= sizeof text)
        return false;
    memcpy(text, s, n);
    text[n] = '\0';
    if (inet_pton(AF_INET, text, &a4) == 1)
        return inet_ntop(AF_INET, &a4, out, HTTP_IP_TEXT_MAX) != NULL;
    if (inet_pton(AF_INET6, text, &a6) == 1) {
        format_in6(&a6, out);
        return out[0] != '\0';
    }
    return false;
}

/* Behind a reverse proxy the TCP peer is the proxy, and the client is the
 * address the proxy appended to X-Forwarded-For: the right-most entry. Entries
 * to its left were written by the client and prove nothing, so they are never
 * used; when the right-most is not an address, the peer is the best we know. */
const char *http_req_client_ip(const http_req *req)
{
    const http__conn *c = req->conn;
    if (c == NULL)
        return "unknown";
    if (c->trust_proxy) {
        const char *xff = http__req_header_last(req, "X-Forwarded-For");
        if (xff != NULL) {
            const char *comma = strrchr(xff, ',');
            const char *s = comma != NULL ? comma + 1 : xff;
            size_t n = strlen(s);
            while (n > 0 && is_ows(*s)) {
                s++;
                n--;
            }
            while (n > 0 && is_ows(s[n - 1]))
                n--;
            char ip[HTTP_IP_TEXT_MAX];
            if (ip_canonical(s, n, ip))
                return arena_strdup(req->arena, ip);
        }
    }
    return c->peer[0] != '\0' ? c->peer : "unknown";
}

/* ---- Set-Cookie ---- */

/* A cookie path: starts with '/', visible ASCII without ';' (RFC 6265
 * path-value, kept to ASCII). */
static bool is_cookie_path(const char *s)
{
    if (s[0] != '/')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x21 || *p > 0x7e || *p == ';')
            return false;
    }
    return true;
}

/* Whether a Set-Cookie with these parts is well-formed and will be kept by
 * browsers (they drop SameSite=None without Secure). */
static bool cookie_ok(const char *name, const char *value, const char *path, const http_cookie_opts *o)
{
    size_t nlen = strlen(name), vlen = strlen(value);
    if (!is_token(name, nlen) || nlen + vlen > COOKIE_MAX || !is_cookie_path(path))
        return false;
    for (size_t i = 0; i < vlen; i++) {
        if (!is_cookie_octet((unsigned char)value[i]))
            return false;
    }
    if (o->same_site == NULL)
        return true;
    if (strcmp(o->same_site, "None") == 0)
        return o->secure;
    return strcmp(o->same_site, "Lax") == 0 || strcmp(o->same_site, "Strict") == 0;
}

void http_res_set_cookie(http_res *res, const char *name, const char *value, const http_cookie_opts *opts)
{
    static const http_cookie_opts session = {0}; /* opts NULL: session cookie, Path=/ */
    const http_cookie_opts *o = opts != NULL ? opts : &session;
    assert(name != NULL && value != NULL);
    const char *path = o->path != NULL ? o->path : "/";
    bool ok = cookie_ok(name, value, path, o);
    assert(ok && "Set-Cookie with an unsafe name, value, path or SameSite");
    if (!ok) { /* NDEBUG builds: never emit a header that could be split */
        log_msg(LOG_ERROR, "http: refused a malformed Set-Cookie header");
        return;
    }
    char age[32] = "";
    if (o->max_age_s != 0)
        snprintf(age, sizeof age, "; Max-Age=%d", o->max_age_s > 0 ? o->max_age_s : 0);
    const char *line =
        arena_sprintf(res->arena, "%s=%s; Path=%s%s%s%s%s%s", name, value, path, age,
                      o->http_only ? "; HttpOnly" : "", o->secure ? "; Secure" : "",
                      o->same_site != NULL ? "; SameSite=" : "", o->same_site != NULL ? o->same_site : "");
    http__res_header_static(res, "Set-Cookie", line);
}
