/* http: the request and response types handlers see, independent of the server
 * library underneath (libmicrohttpd, in server.c).
 *
 * A handler gets a request whose strings are borrowed for the request's lifetime
 * and an arena freed when the response has been sent; it fills the response with
 * one of the http_res_* calls, or starts a stream (http_res_stream) that a
 * producer writes while the handler's thread goes on serving. Errors always go
 * out as {"error":{"code":"...","message":"..."}} through http_res_error. */
#ifndef EM_HTTP_HTTP_H
#define EM_HTTP_HTTP_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/jsonw.h"

#define HTTP_MAX_PARAMS 8
#define HTTP_REQUEST_ID_MAX 128

typedef struct http_param {
    const char *name;    /* borrowed from the route pattern */
    const char *value;   /* percent-decoded, in the request arena */
} http_param;

typedef struct http_res http_res;

/* Who may call a route. Every route states it (router_add_route refuses
 * HTTP_ACCESS_UNSET), and the pipeline enforces it through the site's
 * authenticator before the handler runs, so a handler cannot forget to. */
typedef enum http_access {
    HTTP_ACCESS_UNSET = 0,
    HTTP_PUBLIC,      /* anyone; the handler checks any credential of its own (signed links, refresh tokens) */
    HTTP_SIGNED_IN,   /* a valid session of an active account */
    HTTP_ADMIN        /* an admin; to anyone else the route answers 404, as if it did not exist */
} http_access;

typedef struct http_req {
    const char *method;             /* "GET", "POST", ... */
    const char *path;               /* URL path without the query string */
    arena *arena;                   /* freed when the response is done */
    /* The body. In memory (body_fd -1): a NUL-terminated copy, "" when none.
     * Spooled (body_fd >= 0, ROUTE_UPLOAD routes): the body is in an unlinked
     * temporary file, bytes [0, body_len) of body_fd, and body is "" until
     * http_req_body_bytes loads it: never read body_len bytes of body without
     * checking body_fd. Read a spooled body with pread (or
     * http_req_body_read); the server closes the file when the request ends. */
    const char *body;
    size_t body_len;
    int body_fd;
    http_param params[HTTP_MAX_PARAMS]; /* path parameters from the route pattern */
    int nparams;
    char request_id[HTTP_REQUEST_ID_MAX + 1]; /* X-Request-Id given (if well-formed) or generated */
    void *ctx;                      /* the site's context (http_site.ctx) */
    const void *caller;             /* who is calling, as the site's authenticator set it;
                                       NULL on HTTP_PUBLIC routes */
    void *conn;                     /* internal: the server library's connection */
} http_req;

typedef void (*http_handler)(http_req *req, http_res *res);

/* The site's authenticator, run by the pipeline for every route whose access
 * is not HTTP_PUBLIC, on the thread that then runs the handler, with the
 * route's access and flags (router.h: ROUTE_METERED is counted against the
 * caller). Returns true with req->caller set when the caller may use a route
 * of that access, or false with the response written (401, 403, 404 for
 * HTTP_ADMIN, 429 past a budget, 503). */
typedef bool (*http_authenticator)(void *ctx, http_req *req, http_res *res, http_access access,
                                   unsigned route_flags);

typedef struct router router;

/* What a server (or a fake request) serves: the routes and the site-wide
 * policy the pipeline applies around them. Borrowed by the server for its
 * lifetime. */
typedef struct http_site {
    const router *routes;
    const char *const *cors_origins; /* origins allowed cross-origin with credentials (exact match) */
    size_t n_cors_origins;
    bool cors_any;                   /* any origin (refused outside local by the configuration) */
    bool hsts;                       /* send Strict-Transport-Security (served over HTTPS) */
    http_authenticator authenticate; /* required when a route is not HTTP_PUBLIC: without it such
                                        routes answer 500 (fail closed) */
    void *ctx;                       /* handed to handlers as req->ctx and to authenticate */
} http_site;

/* True when `origin` may call the site cross-origin (CORS). */
bool http_site_cors_allows(const http_site *site, const char *origin);

/* ---- request accessors (results borrowed for the request's lifetime, NULL when absent) ---- */
const char *http_req_header(const http_req *req, const char *name);
const char *http_req_query(const http_req *req, const char *name);
const char *http_req_param(const http_req *req, const char *name);

/* ---- credentials and the client's address ---- */

/* The token of "Authorization: Bearer <token>": scheme case-insensitive, then
 * one or more spaces, then an RFC 6750 b64token (A-Z a-z 0-9 - . _ ~ + / and
 * trailing '=') of at most 2048 bytes, nothing after it. NULL when the header is
 * absent, another scheme, or malformed. Borrowed for the request. */
const char *http_req_bearer(const http_req *req);
/* The value of cookie `name` from the Cookie header (RFC 6265: "a=b; c=d",
 * surrounding double quotes removed; the first occurrence wins), or NULL.
 * Borrowed for the request (arena). */
const char *http_req_cookie(const http_req *req, const char *name);
/* The client's IP address as text: the TCP peer, or, when the server runs with
 * trust_proxy (behind a reverse proxy), the right-most address of
 * X-Forwarded-For when it is a valid IPv4/IPv6 address. Never NULL ("unknown"
 * when neither is available). Borrowed for the request. */
const char *http_req_client_ip(const http_req *req);

/* Pure parsers behind the two accessors above, for tests and fuzzing. */
/* Find the bearer token in an Authorization header value: 0 with *token and *len
 * pointing into `header`, or EM_E_NOT_FOUND / EM_E_INVAL. */
int http_parse_bearer(const char *header, const char **token /* OUT */, size_t *len /* OUT */);
/* Find cookie `name` in a Cookie header value: 0 with *value and *len pointing into
 * `header` (quotes excluded), or EM_E_NOT_FOUND / EM_E_INVAL (not found and a
 * malformed pair was seen, or the first pair with that name is malformed; a
 * malformed pair never hides a later well-formed one). */
int http_parse_cookie(const char *header, const char *name, const char **value /* OUT */,
                      size_t *len /* OUT */);

/* ---- the body ---- */

/* Parse the body as a JSON value (a spooled body is loaded first, see
 * http_req_body_bytes). On success *out is an owned reference (free with
 * json_decref). On failure the response is already filled (400 "invalid_json"
 * with line and column, or 415 when Content-Type is not JSON) and EM_E_PARSE
 * is returned, or the error of loading a spooled body (EM_E_IO, 500). */
int http_req_json(http_req *req, json_t **out /* OUT */, http_res *res);
/* The whole body in memory. A body in memory is given as it is; a spooled one
 * is read into the request arena once, and from then on req->body holds it
 * too. `max` (0: none) bounds it below the route's own limit: a longer body is
 * 413 (EM_E_TOO_LARGE, response written). A read error is EM_E_IO with a 500
 * written. *data is NUL-terminated; borrowed for the request. */
int http_req_body_bytes(http_req *req, size_t max, const char **data /* OUT */, size_t *len /* OUT */,
                        http_res *res);
/* Copy bytes [offset, offset + len) of the body into dst, wherever the body
 * is. EM_E_INVAL when the range is not inside the body, EM_E_IO on a read
 * error (logged). */
int http_req_body_read(const http_req *req, size_t offset, void *dst, size_t len);

/* ---- responses ---- */
/* JSON body; the reference to `body` is stolen. */
void http_res_json(http_res *res, int status, json_t *body);
/* The text a jsonw wrote into its buf, which is emptied (its content becomes
 * the body). An incomplete document (jsonw_finish fails) is logged and answered
 * 500. */
void http_res_jsonw(http_res *res, int status, jsonw *w);
/* {"error":{"code":code,"message":...}}; message is printf-style. */
void http_res_error(http_res *res, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Raw body, copied. */
void http_res_body(http_res *res, int status, const char *content_type, const char *data, size_t len);
/* The first `size` bytes of the open file `fd` as the body, sent by the
 * kernel (sendfile) without passing through memory. The fd is taken over:
 * closed when the response is done, or when the handler replaces this answer
 * with another. */
void http_res_file(http_res *res, int status, const char *content_type, int fd, uint64_t size);
/* Options of a Set-Cookie header. */
typedef struct http_cookie_opts {
    int max_age_s;          /* > 0: Max-Age; 0: session cookie; < 0: delete (Max-Age=0) */
    bool http_only;         /* HttpOnly */
    bool secure;            /* Secure */
    const char *same_site;  /* "Lax", "Strict" or "None"; NULL: omitted */
    const char *path;       /* NULL: "/" */
} http_cookie_opts;
/* Add a Set-Cookie header. Name and value must be cookie-safe (token name;
 * value without ; , " \ or white space; 4096 bytes together), and SameSite=None
 * needs secure: anything else is a programming error (asserted; refused and
 * logged when asserts are off). `opts` NULL: a session cookie for "/". Several
 * cookies may be set on one response. */
void http_res_set_cookie(http_res *res, const char *name, const char *value, const http_cookie_opts *opts);
/* Add a header (name and value copied). */
void http_res_header(http_res *res, const char *name, const char *value);
int http_res_status(const http_res *res);

/* ---- streaming responses ----
 *
 * A handler that answers for long (a tutor's explanation as NDJSON while a
 * model writes it, a large download) starts a stream instead of filling a
 * body, hands the stream to a producer (a thread it starts, a pool it submits
 * to) and returns at once: no thread is held while the producer works. The
 * status and the headers set on `res` before the handler returns (and the
 * common ones: request id, security headers, CORS, Cache-Control: no-store
 * for NDJSON) are sent at once; the body follows with chunked transfer
 * encoding as the producer writes it.
 *
 * Ownership: the stream is shared by the producer and the connection, and
 * freed when both are done with it, whichever finishes first. The producer
 * owns its hold from http_res_stream until its one call to http_stream_end;
 * after that call it must not touch the stream. The stream never refers to
 * the request: the producer must not use req, res or the request's arena
 * once the handler has returned (copy what it needs first). If the handler
 * calls another http_res_* body function before it returns, that answer
 * replaces the stream, which is then closed (the producer still ends it). */

typedef struct http_stream http_stream;

/* What a stream may hold that the client has not taken yet (bytes). */
#define HTTP_STREAM_QUEUE_DEFAULT (256 * 1024)
#define HTTP_STREAM_QUEUE_MIN 1024
#define HTTP_STREAM_QUEUE_MAX (64 * 1024 * 1024)
/* The heartbeat line of an NDJSON stream (the default heartbeat). */
#define HTTP_STREAM_NDJSON_HEARTBEAT "{\"type\":\"heartbeat\"}\n"
/* Longest line http_stream_json writes. */
#define HTTP_STREAM_JSON_MAX (4 * 1024 * 1024)

typedef struct http_stream_options {
    size_t queue_bytes;    /* bytes written and not yet taken by the client, at most (0:
                              HTTP_STREAM_QUEUE_DEFAULT; clamped to QUEUE_MIN..QUEUE_MAX); a
                              write past it waits for the client */
    int heartbeat_ms;      /* after this long without a write the server sends `heartbeat`,
                              keeping proxies with idle timeouts open and finding dead
                              clients (0: never) */
    const char *heartbeat; /* the heartbeat's bytes (copied; at most queue_bytes); NULL:
                              HTTP_STREAM_NDJSON_HEARTBEAT. Sent only between writes, never
                              inside one, so a producer that writes whole lines per call
                              never sees one cut into its lines. */
} http_stream_options;

/* Answer with a stream: status, content_type (copied; e.g.
 * "application/x-ndjson") and the options (NULL: the defaults, no
 * heartbeat). Returns the producer's handle (never NULL), which must be
 * ended with exactly one http_stream_end. Programming errors are asserted:
 * a second stream on one response. */
http_stream *http_res_stream(http_req *req, http_res *res, int status, const char *content_type,
                             const http_stream_options *o);
/* Copy n bytes into the stream's queue. When the queue is full the call
 * waits until the client has taken data. EM_E_CANCELED, at once and for
 * good, when the client has gone away or the server is stopping (bytes of
 * this call may have been queued before); EM_E_TOO_LARGE on a fake request
 * past its 64 MiB. Thread-safe against the server, one producer at a time.
 * The handler itself may write before it returns only what fits in the
 * queue: nothing is sent until it has returned. */
int http_stream_write(http_stream *s, const void *data, size_t n);
/* One NDJSON line: `obj` written compactly (doubles in their shortest
 * round-trip form, as jsonw_double does) and a line feed, in one write. The
 * reference is stolen, also on failure. EM_E_INVAL for a value jsonw cannot
 * write (nesting past JSONW_MAX_DEPTH), EM_E_TOO_LARGE past
 * HTTP_STREAM_JSON_MAX, and http_stream_write's errors. */
int http_stream_json(http_stream *s, json_t *obj);
/* The same for a document written with a jsonw: its text and a line feed
 * are written, then its buf is emptied and the writer started again (ready
 * for the next line). jsonw_finish's error when the document is incomplete
 * (nothing written). */
int http_stream_jsonw(http_stream *s, jsonw *w);
/* True once the client has gone away or the server is stopping: stop
 * producing and end the stream. */
bool http_stream_closed(const http_stream *s);
/* Finish the body and let go of the stream. ok: what was written is sent,
 * then the terminating chunk (a clean end). !ok: what was written is sent,
 * then the connection is cut, so the client sees a truncated transfer
 * rather than a clean end. */
void http_stream_end(http_stream *s, bool ok);

/* Map an em_err code to the HTTP status and error code used for it. */
int http_status_for(int rc, const char **code /* OUT */);

#endif
