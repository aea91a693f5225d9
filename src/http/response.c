/* response: the response half of http.h (JSON, error and raw bodies, headers,
 * the em_err -> status mapping).
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
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/http.h"
#include "http/http_int.h"

/* ---- the response object ---- */

void http__res_init(http_res *res, arena *a)
{
    memset(res, 0, sizeof *res);
    res->tail = &res->headers;
    res->arena = a;
    res->file_fd = -1;
}

/* Let go of a file body that was not sent. */
static void drop_file(http_res *res)
{
    if (res->file_fd >= 0)
        close(res->file_fd);
    res->file_fd = -1;
    res->file_size = 0;
}

/* Let go of the response's stream: closed for its producer, the request's
 * hold released. */
static void drop_stream(http_res *res)
{
    if (res->stream == NULL)
        return;
    http__stream_detach(res->stream);
    http__stream_release(res->stream);
    res->stream = NULL;
}

void http__res_cleanup(http_res *res)
{
    free(res->body);
    res->body = NULL;
    res->body_len = 0;
    drop_stream(res);
    drop_file(res);
}

char *http__res_take_body(http_res *res, size_t *len)
{
    char *b = res->body;
    *len = res->body_len;
    res->body = NULL;
    res->body_len = 0;
    return b;
}

/* Replace the status and body; `body` (owned, may be NULL) is taken over. A
 * stream started before is replaced too (its producer sees it closed). */
static void set_body(http_res *res, int status, const char *content_type, char *body, size_t len)
{
    drop_stream(res);
    drop_file(res);
    free(res->body);
    res->status = status;
    res->content_type = content_type;
    res->body = body;
    res->body_len = body != NULL ? len : 0;
}

void http_res_file(http_res *res, int status, const char *content_type, int fd, uint64_t size)
{
    set_body(res, status, content_type != NULL ? arena_strdup(res->arena, content_type) : NULL, NULL, 0);
    res->file_fd = fd;
    res->file_size = size;
}

/* Bodies built as jansson values are small documents; this bounds a runaway. */
#define HTTP_JSON_BODY_MAX (64 * 1024 * 1024)

void http_res_json(http_res *res, int status, json_t *body)
{
    /* Written by jsonw rather than json_dumps, so numbers read as they were
     * meant (0.4, not 0.40000000000000002). */
    buf out;
    buf_init(&out, HTTP_JSON_BODY_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    if (body != NULL)
        jsonw_value(&w, body);
    json_decref(body);
    if (body == NULL || jsonw_finish(&w) != EM_OK) {
        buf_cleanup(&out);
        log_msg(LOG_ERROR, "http: a response body could not be serialised");
        http_res_error(res, 500, "internal", "internal error");
        return;
    }
    size_t len = out.len;
    set_body(res, status, "application/json", buf_steal(&out), len);
}

void http_res_jsonw(http_res *res, int status, jsonw *w)
{
    int rc = jsonw_finish(w);
    if (rc != EM_OK) {
        log_msg(LOG_ERROR, "http: a streamed JSON body is incomplete: %s", em_strerror(rc));
        http_res_error(res, 500, "internal", "internal error");
        return;
    }
    size_t len = w->out->len;
    set_body(res, status, "application/json", buf_steal(w->out), len);
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
    o += json_escape(body + o, cap - o, code, clen, NULL);
    memcpy(body + o, p2, sizeof p2 - 1);
    o += sizeof p2 - 1;
    o += json_escape(body + o, cap - o, msg, mlen, NULL);
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
    case EM_E_CANCELED: status = 503; c = "canceled"; break;
    case EM_E_DENIED: status = 401; c = "unauthorized"; break;
    case EM_E_FORBIDDEN: status = 403; c = "forbidden"; break;
    case EM_E_RATE_LIMITED: status = 429; c = "rate_limited"; break;
    default: status = 500; c = "internal"; break;
    }
    if (code != NULL)
        *code = c;
    return status;
}
