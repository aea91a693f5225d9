/* server: the HTTP/1.1 server on libmicrohttpd (thread pool + epoll).
 *
 * Around every handler it applies, in order: request id (X-Request-Id in and
 * out), body framing (400/501), body limit (413), CORS (preflight answered
 * here), routing (404, 405 with Allow), the route's access (the site's
 * authenticator), security headers on every response, and one JSON access-log
 * line per request (method, path, status, bytes, duration_ms, request_id).
 *
 * Before any of that it protects itself from clients that hold connections:
 * a connection limit sized from the open-file limit, a limit per client
 * address, and deadlines for a request's headers and for the whole request
 * (docs/internals/http.md, "Connection limits and request deadlines"). */
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
    int max_connections_per_ip; /* open connections per TCP peer address (MAX_CONNECTIONS_PER_IP;
                                  0: no limit); more are closed as soon as they are accepted. At
                                  most 3/4 of a pool thread's share of the connection limit:
                                  lowered to that when larger (http_server_get_limits) */
    int request_header_timeout_s; /* a request's headers must be in within this many seconds of
                                  the connection's start, or of the previous response's end on a
                                  keep-alive connection (REQUEST_HEADER_TIMEOUT_SECONDS; 0: none) */
    int request_timeout_s;     /* and the whole request, headers and body, within this
                                  (REQUEST_TIMEOUT_SECONDS; 0: none); past either deadline the
                                  connection is closed. Answers are never cut by them. */
    /* Called once on each pool thread before it exits with the site's ctx,
     * e.g. to release thread-local resources (may be NULL). */
    void (*on_thread_exit)(void *ctx);
} http_server_options;

/* What a started server admits. */
typedef struct http_server_limits {
    unsigned connections;      /* most open connections, shared by the pool threads */
    unsigned per_ip;           /* most open connections per client address (0: no limit) */
    bool per_ip_lowered;       /* per_ip is below max_connections_per_ip (see above) */
    long fd_limit;             /* the open-file limit they were sized from (-1: unknown) */
} http_server_limits;

/* Raise the process's soft RLIMIT_NOFILE to its hard limit, since every
 * connection takes a descriptor (the usual soft limit, 1024, would cap the
 * server far below its connection limit). Call it once at start, before
 * http_server_start, which sizes its connection limit from the soft limit then
 * in force. Returns that limit, or -1 when it cannot be read. */
long http_server_raise_fd_limit(void);

/* Bind and start serving. EM_E_UNAVAILABLE when the address cannot be bound.
 * Free with http_server_stop. */
int http_server_start(const http_server_options *opts, http_server **out /* OUT */, em_error *err);
/* The bound port (useful with port 0). */
int http_server_port(const http_server *s);
/* The limits the server started with. */
void http_server_get_limits(const http_server *s, http_server_limits *out /* OUT */);
/* Graceful stop: stop accepting, let in-flight requests finish for up to the
 * grace period, then close everything and free. NULL is a no-op. */
void http_server_stop(http_server *s);

#endif
