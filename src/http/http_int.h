/* http_int: the internals shared by the files of src/http (not for handlers).
 *
 * It defines the response (struct http_res), the per-request state a request
 * points to through http_req.conn (struct http__conn), and the middleware
 * pipeline that both the libmicrohttpd server (server.c) and the in-process fake
 * requests of tests (http_fake.c) run: request id, CORS, routing, the handler,
 * then the headers every response carries. Nothing here includes
 * <microhttpd.h>: only server.c (and the header lookup in request.c) speak to
 * the library. */
#ifndef EM_HTTP_HTTP_INT_H
#define EM_HTTP_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "http/http.h"
#include "http/router.h"

struct MHD_Connection;
struct sockaddr;

/* Most query parameters parsed from one request; more are ignored. */
#define HTTP_MAX_QUERY 64
/* Longest message http_res_error puts in a body (bytes, before escaping). */
#define HTTP_ERROR_MSG_MAX 512

/* ---- responses ---- */

/* One response header; name and value are borrowed (static strings or copies
 * in the request arena). */
typedef struct http__header {
    const char *name;
    const char *value;
    struct http__header *next;
} http__header;

struct http_res {
    int status;                 /* 0 until a handler (or middleware) sets a response */
    const char *content_type;   /* borrowed (static or arena); NULL: no body type */
    char *body;                 /* owned, malloc'd (free()); NULL when empty */
    size_t body_len;
    http__header *headers;      /* in insertion order */
    http__header **tail;        /* where the next header is linked */
    bool has_cache_control;     /* the handler set Cache-Control itself */
    arena *arena;               /* borrowed: the request's arena */
    http_stream *stream;        /* owned hold (the request's): a streamed body; NULL otherwise */
    int file_fd;                /* owned: a body sent from this open file (http_res_file); -1 otherwise */
    uint64_t file_size;         /* its length in bytes */
};

/* Prepare an empty response whose headers go to `a`. */
void http__res_init(http_res *res, arena *a);
/* Free the owned body (headers live in the arena); a stream is closed (the
 * client is done with it) and the request's hold released. */
void http__res_cleanup(http_res *res);
/* Hand the body over (owned, free with free(); NULL when empty). */
char *http__res_take_body(http_res *res, size_t *len /* OUT */);
/* Add a header whose name and value are static strings (not copied). */
void http__res_header_static(http_res *res, const char *name, const char *value);
/* First header with that name (case-insensitive), or NULL; borrowed. */
const char *http__res_header_get(const http_res *res, const char *name);

/* ---- per-request state behind http_req.conn ---- */

/* Room for an IP address as text with its NUL (INET6_ADDRSTRLEN). */
#define HTTP_IP_TEXT_MAX 46

typedef struct http__conn {
    struct MHD_Connection *mhd;      /* the library's connection; NULL for a fake request */
    const char *const *fake_headers; /* fake requests: name, value, ..., NULL (borrowed) */
    const char *query;               /* raw query string after '?', NULL when none */
    size_t query_len;
    int nquery;                      /* -1 until parsed on first http_req_query */
    const char **qnames;             /* parsed names and values, in the arena */
    const char **qvalues;
    char peer[HTTP_IP_TEXT_MAX];     /* the TCP peer as text, "" when unknown */
    bool trust_proxy;                /* http_req_client_ip may use X-Forwarded-For */
    bool body_loaded;                /* a spooled body was read into req->body (http_req_body_bytes) */
} http__conn;

void http__conn_init(http__conn *c);

/* The last value of a request header that may be sent several times (e.g.
 * X-Forwarded-For, where a proxy's line comes after the client's), or NULL;
 * borrowed. */
const char *http__req_header_last(const http_req *req, const char *name);
/* Write the address of a TCP peer as text into out ("" when `sa` is NULL or
 * not IPv4/IPv6); an IPv4-mapped IPv6 address is written as IPv4. */
void http__peer_format(const struct sockaddr *sa, char out[HTTP_IP_TEXT_MAX] /* OUT */);

/* ---- spooled request bodies ---- */

/* Room for the spool directory's path. */
#define HTTP_SPOOL_DIR_MAX 1024

/* The directory upload bodies are spooled to: `dir` when set, else $TMPDIR,
 * else /tmp, copied into out (read once, at start). */
void http__spool_dir(const char *dir, char out[HTTP_SPOOL_DIR_MAX] /* OUT */);
/* A new unlinked temporary file in dir, open for reading and writing
 * (O_TMPFILE, or mkostemp then unlink where the file system lacks it), or -1
 * with errno set. The caller closes it. */
int http__spool_open(const char *dir);
/* Write all of data to fd (retrying short writes and EINTR); EM_E_IO with
 * errno set on failure. */
int http__spool_write(int fd, const void *data, size_t n);

/* ---- connection limits (limits.c) ---- */

/* The soft RLIMIT_NOFILE now (LONG_MAX when unlimited), or -1. */
long http__fd_limit(void);
/* Size the connection limit from the open-file limit fd_limit (-1: unknown,
 * then the most) for `threads` pool threads, and the per-address limit from
 * the wanted one (0: none), lowered to 3/4 of a thread's share. */
struct http_server_limits;
void http__limits_size(long fd_limit, int threads, int per_ip, struct http_server_limits *out /* OUT */);

/* ---- streams (stream.c) ----
 *
 * A stream has up to three holds: the producer's (released by
 * http_stream_end), the request's (in http_res.stream, released by
 * http__res_cleanup) and the connection's (taken by http__stream_attach,
 * released by the server when libmicrohttpd frees the response). It is freed
 * when the last one goes. A stream made for a fake request (no
 * libmicrohttpd connection) collects what is written instead. */

/* What http__stream_pull returns besides a byte count. */
#define HTTP__PULL_END (-1)    /* ended ok and everything taken: finish the body */
#define HTTP__PULL_ABORT (-2)  /* ended !ok, or closed: cut the connection */

/* Connect a stream to its connection and take the connection's hold.
 * suspend(conn) is called from http__stream_pull when nothing is queued, and
 * resume(conn) when something arrives (a write, a heartbeat, the end, a
 * close); both with the stream's lock held, and only alternately: resume
 * only after suspend, so a connection is resumed exactly once per
 * suspension, while it is known to be alive. */
void http__stream_attach(http_stream *s, void (*suspend)(void *conn), void (*resume)(void *conn), void *conn);
/* Release a hold (the connection's, or the request's after http__stream_detach). */
void http__stream_release(http_stream *s);
/* Take up to max queued bytes into dst: the count, 0 after suspending the
 * connection (nothing queued yet), HTTP__PULL_END or HTTP__PULL_ABORT. Called
 * by the server's content reader. */
long http__stream_pull(http_stream *s, char *dst, size_t max);
/* The client went away or the server stops: the stream is closed (writes
 * fail, a blocked writer wakes), and a suspended connection is resumed so it
 * is cut and cleaned up. */
void http__stream_close(http_stream *s);
/* The request is over (the connection is done or gone): closed, and the
 * connection is forgotten (never resumed again). */
void http__stream_detach(http_stream *s);
/* Body bytes the connection took so far (for the access log). */
uint64_t http__stream_sent(http_stream *s);
/* When a heartbeat is due (monotonic microseconds), or -1 when never. */
int64_t http__stream_heartbeat_due(http_stream *s);
/* At `now_us`: queue the heartbeat if one is due and nothing is waiting to be
 * sent, and resume the connection; moves the next deadline on either way. */
void http__stream_heartbeat(http_stream *s, int64_t now_us);
/* Fake requests: wait up to timeout_ms for http_stream_end. EM_OK (with *ok
 * as given to it) or EM_E_TIMEOUT. */
int http__stream_wait_end(http_stream *s, int timeout_ms, bool *ok /* OUT, may be NULL */);
/* Fake requests: a NUL-terminated copy in `a` of what was written so far. */
const char *http__stream_collected(http_stream *s, arena *a, size_t *len /* OUT, may be NULL */);

/* ---- the disconnect and heartbeat watcher (watch.c) ----
 *
 * One thread per server watches the sockets of its streaming connections
 * (epoll: EPOLLRDHUP, EPOLLHUP, EPOLLERR), since libmicrohttpd does not poll a
 * suspended connection: a client that goes away closes its stream at once.
 * The same thread sends the streams' heartbeats when they are due. */

typedef struct http__watch http__watch;
typedef struct http__watch_entry http__watch_entry;

/* Start the thread. EM_E_INTERNAL when epoll, the eventfd or the thread
 * cannot be made. Free with http__watch_free after http__watch_stop. */
int http__watch_new(http__watch **out /* OUT */);
/* Watch stream s on socket fd until http__watch_remove (which the request
 * must call before its hold on s goes). After http__watch_close_all, s is
 * closed at once. */
http__watch_entry *http__watch_add(http__watch *w, http_stream *s, int fd);
void http__watch_remove(http__watch *w, http__watch_entry *e);
/* The server stops: close every stream watched now or added later. */
void http__watch_close_all(http__watch *w);
/* Join the thread (no heartbeat, close or cut happens afterwards); entries
 * and connections may still be removed. */
void http__watch_stop(http__watch *w);
/* Free; every entry and connection must have been removed. NULL is a no-op. */
void http__watch_free(http__watch *w);

/* ---- request deadlines (watch.c) ----
 *
 * The same thread enforces the request deadlines, since libmicrohttpd's own
 * timeout only measures idleness (a byte every 25 s resets its 30 s). Every
 * connection is tracked from libmicrohttpd's "started" notice to its "closed"
 * one. Its clock starts then, and again when a response ends (keep-alive):
 * until the request's headers are in, the header deadline applies (or the
 * whole request's, if it is shorter); until the body is in, the whole
 * request's; while the request is handled and answered (a slow handler, a
 * stream, a long download, a client reading slowly), none. Past a deadline the
 * thread shuts the socket down (shutdown(2), not close: the descriptor stays
 * libmicrohttpd's, which then closes the connection as if the client had).
 *
 * The phase changes run on the connection's I/O thread and take no lock: one
 * atomic word holds the deadline in force, and the thread claims a connection
 * to cut with a compare-and-swap, so a request that completes at its deadline
 * is either cut before it is handled or handled and never cut. Connections are
 * added and removed under the thread's lock, and a socket is shut down only
 * under it, so the descriptor cannot have been closed and reused meanwhile. */

typedef struct http__watch_conn http__watch_conn;

/* Set the deadlines (seconds; 0: none) before any connection is added. */
void http__watch_deadlines(http__watch *w, int header_s, int request_s);
/* Track a connection on socket fd, its first request's clock starting now;
 * `peer` (its address as text) is copied for the log. NULL when no deadline
 * is set. Remove it with http__watch_conn_remove before the socket closes. */
http__watch_conn *http__watch_conn_add(http__watch *w, int fd, const char *peer);
void http__watch_conn_remove(http__watch *w, http__watch_conn *c);
/* On the connection's I/O thread; NULL is a no-op. A request's line is in: */
void http__watch_conn_request(http__watch_conn *c);
/* its headers are in (the whole request's deadline only, from now on): */
void http__watch_conn_headers(http__watch_conn *c);
/* all of it is in: no deadline until it has been answered: */
void http__watch_conn_arrived(http__watch_conn *c);
/* it was answered, or given up: the next request's clock starts now. */
void http__watch_conn_idle(http__watch_conn *c);

/* ---- the middleware pipeline ---- */

/* Fill req->request_id from the X-Request-Id value `given` when it is 1..128
 * characters of [A-Za-z0-9._-], else with a new UUIDv7. */
void http__request_id(http_req *req, const char *given);
bool http__request_id_valid(const char *s);

/* Run CORS (preflight answered here), routing (404/405/OPTIONS), the route's
 * access (the site's authenticator) and the handler for a request whose body
 * has been read, leaving the response in `res` (a 500 when the handler set
 * none). Does not add the common headers: see http__finish. */
void http__pipeline_run(const http_site *site, http_req *req, http_res *res);

/* Add what every response carries: Content-Type, X-Request-Id, the security
 * headers (HSTS when the site asks), Cache-Control: no-store on JSON, and the
 * CORS headers when the request's Origin is allowed. `closing` adds
 * "Connection: close" (used while the server drains). */
void http__finish(const http_site *site, const http_req *req, http_res *res, bool closing);

/* ---- text helpers ---- */

/* Percent-decode s[0..n) into the arena. `plus_space` turns '+' into ' ' (query
 * strings). With `strict`, a malformed escape or a decoded NUL fails (returns
 * NULL); otherwise malformed escapes are kept literally and pairs decoding to
 * NUL are the caller's business (*has_nul is set). Borrowed result. */
char *http__pct_decode(arena *a, const char *s, size_t n, bool plus_space, bool strict,
                       bool *has_nul /* OUT, may be NULL */);

/* Parse a raw query string into at most `max` name/value pairs allocated in
 * the arena ('&'-separated, '+' is a space, percent-decoded; a pair without
 * '=' has the value ""; pairs whose name or value decode to NUL, and empty
 * names, are dropped). Returns the number of pairs stored. */
int http__query_parse(arena *a, const char *q, size_t n, const char **names /* OUT */,
                      const char **values /* OUT */, int max);

/* Largest access-log line; a longer path is cut (at a character boundary). */
#define HTTP_ACCESS_LINE_MAX 4096

/* Log one access line: msg "request" with method, path, status, bytes,
 * duration_ms (3 decimals) and request_id. Safe for any bytes in method/path. */
void http__access_log(const char *method, const char *path, int status, uint64_t bytes,
                      int64_t duration_us, const char *request_id);

/* Format that line as log_emit would (keys ts, level, msg, then the fields;
 * no newline) into line[cap], cap >= 1024; returns its length. Any bytes in
 * method and path give valid JSON (escaped, invalid UTF-8 as U+FFFD). */
size_t http__access_format(char *line, size_t cap, const char *ts, const char *method,
                           const char *path, int status, uint64_t bytes, int64_t duration_us,
                           const char *request_id);

#endif
