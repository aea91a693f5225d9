/* server: the HTTP/1.1 server on libmicrohttpd (thread pool + epoll).
 *
 * Around every handler it applies, in order: request id (X-Request-Id in and
 * out), body limit (413), CORS (preflight answered here), routing (404, 405 with
 * Allow), the route's access (the site's authenticator), security headers on
 * every response, and one JSON access-log line per request (method, path,
 * status, bytes, duration_ms, request_id). */
#ifndef EM_HTTP_SERVER_H
#define EM_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "http/router.h"

typedef struct http_server http_server;

typedef struct http_server_options {
    const char *host;          /* address to bind, e.g. "127.0.0.1" or "0.0.0.0" */
    int port;                  /* 0: any free port (see http_server_port) */
    int threads;               /* worker threads in the pool (>= 1) */
    size_t max_body;           /* largest request body accepted, bytes */
    size_t max_upload;         /* the same for ROUTE_UPLOAD routes (0: max_body) */
    const char *spool_dir;     /* ROUTE_UPLOAD bodies are written to unlinked temporary files
                                  here as they arrive (req->body_fd); NULL: $TMPDIR, else /tmp */
    int shutdown_grace_s;      /* how long http_server_stop waits for in-flight requests */
    const http_site *site;     /* borrowed, read-only while running: routes, CORS, HSTS, authenticator */
    bool trust_proxy;          /* take the client address from X-Forwarded-For (TRUST_PROXY) */
    /* Called once on each pool thread before it exits with the site's ctx,
     * e.g. to release thread-local resources (may be NULL). */
    void (*on_thread_exit)(void *ctx);
} http_server_options;

/* Bind and start serving. EM_E_UNAVAILABLE when the address cannot be bound.
 * Free with http_server_stop. */
int http_server_start(const http_server_options *opts, http_server **out /* OUT */, em_error *err);
/* The bound port (useful with port 0). */
int http_server_port(const http_server *s);
/* Graceful stop: stop accepting, let in-flight requests finish for up to the
 * grace period, then close everything and free. NULL is a no-op. */
void http_server_stop(http_server *s);

#endif
