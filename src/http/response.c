/* response: the response half of http.h (JSON, error and raw bodies, headers,
 * the em_err -> status mapping) and the JSON-string escaping and UTF-8
 * sanitising the server uses for error bodies and log lines.
 *
 * Bodies are malloc'd and owned by the response until the server hands them to
 * libmicrohttpd (which frees them: no copy); headers are copied into the
 * request arena. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/http.h"
#include "http/http_int.h"

/* ---- UTF-8 and JSON text ---- */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    }
    return len;
}

static const char REPLACEMENT[] = "\xef\xbf\xbd"; /* U+FFFD */

size_t http__utf8_sanitize(char *dst, size_t cap, const char *s, size_t n)
{
    assert(cap > 0);
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < n) {
        size_t len = utf8_seq_len(u + i, n - i);
        const char *src = s + i;
        size_t out_len = len;
        if (len == 0 || u[i] == 0) {
            src = REPLACEMENT;
            out_len = 3;
            len = 1;
        }
        if (cap - 1 - o < out_len)
            break;
        memcpy(dst + o, src, out_len);
        o += out_len;
        i += len;
    }
    dst[o] = '\0';
    return o;
}

size_t http__json_escape(char *dst, size_t cap, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    assert(cap > 0);
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < n) {
        char esc[8];
        const char *src;
        size_t out_len;
        size_t len = utf8_seq_len(u + i, n - i);
        if (len == 0) {
            src = REPLACEMENT;
            out_len = 3;
            len = 1;
        } else if (len == 1 && (u[i] < 0x20 || u[i] == '"' || u[i] == '\\')) {
            esc[0] = '\\';
            out_len = 2;
            switch (u[i]) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            default:
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[u[i] >> 4];
                esc[5] = hex[u[i] & 15];
                out_len = 6;
                break;
            }
            src = esc;
        } else {
            src = s + i;
            out_len = len;
        }
        if (cap - 1 - o < out_len)
            break;
        memcpy(dst + o, src, out_len);
        o += out_len;
        i += len;
    }
    dst[o] = '\0';
    return o;
}

/* ---- the response object ---- */

void http__res_init(http_res *res, arena *a)
{
    memset(res, 0, sizeof *res);
    res->tail = &res->headers;
    res->arena = a;
}

void http__res_cleanup(http_res *res)
{
    free(res->body);
    res->body = NULL;
    res->body_len = 0;
}

char *http__res_take_body(http_res *res, size_t *len)
{
    char *b = res->body;
    *len = res->body_len;
    res->body = NULL;
    res->body_len = 0;
    return b;
}

/* Replace the status and body; `body` (owned, may be NULL) is taken over. */
static void set_body(http_res *res, int status, const char *content_type, char *body, size_t len)
{
    free(res->body);
    res->status = status;
    res->content_type = content_type;
    res->body = body;
    res->body_len = body != NULL ? len : 0;
}

void http_res_json(http_res *res, int status, json_t *body)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) {
        log_msg(LOG_ERROR, "http: a response body could not be serialised");
        http_res_error(res, 500, "internal", "internal error");
        return;
    }
    set_body(res, status, "application/json", text, strlen(text));
}

void http_res_error(http_res *res, int status, const char *code, const char *fmt, ...)
{
    char msg[HTTP_ERROR_MSG_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t mlen = m < 0 ? 0 : (size_t)m < sizeof msg ? (size_t)m : sizeof msg - 1;
    msg[mlen] = '\0';

    static const char p1[] = "{\"error\":{\"code\":\"";
    static const char p2[] = "\",\"message\":\"";
    static const char p3[] = "\"}}";
    size_t clen = strlen(code);
    /* Escaping grows a byte to at most 6 ("\u00XX"). */
    size_t cap = sizeof p1 + sizeof p2 + sizeof p3 + 6 * (clen + mlen) + 1;
    char *body = em_malloc(cap);
    size_t o = 0;
    memcpy(body + o, p1, sizeof p1 - 1);
    o += sizeof p1 - 1;
    o += http__json_escape(body + o, cap - o, code, clen);
    memcpy(body + o, p2, sizeof p2 - 1);
    o += sizeof p2 - 1;
    o += http__json_escape(body + o, cap - o, msg, mlen);
    memcpy(body + o, p3, sizeof p3); /* with its NUL */
    o += sizeof p3 - 1;
    set_body(res, status, "application/json", body, o);
}

void http_res_body(http_res *res, int status, const char *content_type, const char *data, size_t len)
{
    char *copy = NULL;
    if (len > 0) {
        copy = em_malloc(len);
        memcpy(copy, data, len);
    }
    set_body(res, status, content_type != NULL ? arena_strdup(res->arena, content_type) : NULL,
             copy, len);
}

/* RFC 9110 token characters, for header names. */
static bool is_token(const char *s)
{
    if (*s == '\0')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", *p) != NULL)
            return false;
    }
    return true;
}

/* A header value may hold visible characters, spaces, tabs and obs-text, but
 * never CR, LF or other controls (no header injection). */
static bool is_header_value(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    }
    return true;
}

void http__res_header_static(http_res *res, const char *name, const char *value)
{
    http__header *h = arena_alloc(res->arena, sizeof *h);
    h->name = name;
    h->value = value;
    h->next = NULL;
    *res->tail = h;
    res->tail = &h->next;
}

void http_res_header(http_res *res, const char *name, const char *value)
{
    if (!is_token(name) || !is_header_value(value)) {
        log_msg(LOG_ERROR, "http: refused a malformed response header");
        return;
    }
    if (strcasecmp(name, "Content-Type") == 0) {
        res->content_type = arena_strdup(res->arena, value);
        return;
    }
    if (strcasecmp(name, "Cache-Control") == 0)
        res->has_cache_control = true;
    http__res_header_static(res, arena_strdup(res->arena, name), arena_strdup(res->arena, value));
}

const char *http__res_header_get(const http_res *res, const char *name)
{
    for (const http__header *h = res->headers; h != NULL; h = h->next) {
        if (strcasecmp(h->name, name) == 0)
            return h->value;
    }
    return NULL;
}

int http_res_status(const http_res *res)
{
    return res->status;
}

int http_status_for(int rc, const char **code)
{
    int status;
    const char *c;
    switch (rc) {
    case EM_OK: status = 200; c = "ok"; break;
    case EM_E_INVAL: status = 400; c = "invalid_request"; break;
    case EM_E_PARSE: status = 400; c = "invalid_json"; break;
    case EM_E_TOO_LARGE: status = 413; c = "payload_too_large"; break;
    case EM_E_NOT_FOUND: status = 404; c = "not_found"; break;
    case EM_E_CONFLICT: status = 409; c = "conflict"; break;
    case EM_E_UNAVAILABLE: status = 503; c = "unavailable"; break;
    case EM_E_BUSY: status = 503; c = "busy"; break;
    case EM_E_TIMEOUT: status = 504; c = "timeout"; break;
    case EM_E_UNSUPPORTED: status = 415; c = "unsupported_media_type"; break;
    default: status = 500; c = "internal"; break;
    }
    if (code != NULL)
        *code = c;
    return status;
}
