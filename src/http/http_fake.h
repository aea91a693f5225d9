/* http_fake: in-process fake requests for handler tests (STYLE rule 20, first
 * layer): no sockets, no threads, the same request and response types and the
 * same middleware as the real server.
 *
 * Make a request with http_fake_new, then either call a handler directly with
 * http_fake_req/http_fake_res, or run the whole pipeline (request id, CORS,
 * routing, handler, common headers) with http_fake_run; inspect the result with
 * http_fake_status/_body/_header. Everything belongs to the fake and is freed
 * by http_fake_free. */
#ifndef EM_HTTP_HTTP_FAKE_H
#define EM_HTTP_HTTP_FAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "http/http.h"
#include "http/router.h"

typedef struct http_fake http_fake;

/* ---- making and freeing ---- */

/* `target` is the path with an optional query ("/api/x?page=2"). `headers` is
 * NULL or a NULL-terminated list of name, value pairs, borrowed until
 * http_fake_free. `body` (may be NULL) is copied. X-Request-Id among the
 * headers is used as the request id when well-formed, as the server does.
 * Free with http_fake_free; http_fake_free(NULL) is a no-op. */
http_fake *http_fake_new(const char *method, const char *target, const char *const *headers,
                         const char *body, size_t body_len);
void http_fake_free(http_fake *f);

/* Borrowed, valid until http_fake_free. */
http_req *http_fake_req(http_fake *f);
http_res *http_fake_res(http_fake *f);

/* The TCP peer http_req_client_ip sees (copied, at most 45 characters; NULL or
 * "": unknown). A new fake's peer is "127.0.0.1". */
void http_fake_set_peer(http_fake *f, const char *ip);
/* Run as a server with trust_proxy would: http_req_client_ip then takes the
 * right-most X-Forwarded-For address. Off in a new fake. */
void http_fake_set_trust_proxy(http_fake *f, bool on);

/* Move the body to an unlinked temporary file, as the server does for
 * ROUTE_UPLOAD routes: then req->body_fd holds it and req->body is "" (see
 * http_req). Closed by http_fake_free. EM_E_IO when no file can be made. */
int http_fake_spool_body(http_fake *f);

/* ---- running ---- */

/* What the server does once the body is read: CORS, routing, the route's
 * access, the handler and the common headers, for `site` (borrowed). As the
 * server does, a non-empty body for a ROUTE_UPLOAD route is spooled first
 * (http_fake_spool_body). */
void http_fake_run(http_fake *f, const http_site *site);

/* ---- inspecting ---- */

/* 0 when no response was set. */
int http_fake_status(const http_fake *f);
/* The response body, NUL-terminated ("" when none); for a stream, what was
 * written so far (safe while the producer writes). Borrowed until
 * http_fake_free. */
const char *http_fake_body(http_fake *f, size_t *len /* OUT, may be NULL */);
/* A response header (case-insensitive; Content-Type included), or NULL. */
const char *http_fake_header(const http_fake *f, const char *name);

/* ---- streams ----
 *
 * A handler that streams (http_res_stream) on a fake request gets a stream
 * whose client takes everything at once: writes go to a buffer (up to 64
 * MiB) that http_fake_body reads, and never wait. The ownership rules are the
 * server's: the producer ends the stream exactly once; http_fake_free is the
 * request ending (the stream is then closed for a producer still running,
 * which still ends it). Heartbeats are not sent to fake requests. */

/* Whether the response is a stream. */
bool http_fake_streamed(const http_fake *f);
/* Wait up to timeout_ms for the producer's http_stream_end: EM_OK with *ok
 * as it passed it, EM_E_TIMEOUT, or EM_E_INVAL when the response is not a
 * stream. */
int http_fake_wait_stream(http_fake *f, int timeout_ms, bool *ok /* OUT, may be NULL */);
/* The client goes away: from now on http_stream_closed is true and writes
 * fail with EM_E_CANCELED. No-op when the response is not a stream. */
void http_fake_disconnect(http_fake *f);

#endif
