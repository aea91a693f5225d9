/* http_client: the one outbound HTTP client of the process, on libcurl.
 *
 * Everything that calls another service over HTTP goes through net_perform:
 * S3 storage today; LLM providers (with streamed answers), OpenID Connect and
 * mail relays later. A request says everything that may happen to it: how long
 * connecting and the whole exchange may take, how large the answer may be (no
 * more is ever buffered or delivered; going past it aborts the transfer),
 * whether the body is streamed to a callback as it arrives, when to give up
 * because the caller no longer wants the answer, and whether it is signed with
 * AWS Signature Version 4. Only http and https are spoken; redirects are
 * followed only when the request asks for it. Each call runs on its own
 * libcurl handles, so any number of threads may call net_perform at once with
 * nothing shared between them.
 *
 * Error messages are safe to show to a user: they never hold the URL, the host
 * or libcurl's text, which go to the log (without the URL's query, which may
 * carry an API key). */
#ifndef EM_NET_HTTP_CLIENT_H
#define EM_NET_HTTP_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/err.h"

#define NET_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define NET_DEFAULT_TIMEOUT_MS 30000
#define NET_DEFAULT_MAX_BODY (1024 * 1024) /* bytes of a successful answer */
#define NET_ERROR_BODY_MAX 16384           /* bytes kept of an answer that is not 2xx */
#define NET_HEADERS_MAX 32768              /* bytes of response headers kept */
#define NET_MAX_REQUEST_HEADERS 64
#define NET_MAX_REDIRECTS 5
#define NET_CANCEL_POLL_MS 100 /* how often cancellation is checked, at most */

/* ---- process lifecycle ---- */

/* Initialise libcurl (curl_global_init) and libsodium. Call once at process
 * start, before any thread that may use this module exists; later calls do
 * nothing. EM_OK or EM_E_INTERNAL. Nothing else may call curl_global_init. */
int net_global_init(void);
/* Release libcurl's global state at exit, after every request has ended. */
void net_global_cleanup(void);

/* ---- requests ---- */

typedef struct net_header {
    const char *name;  /* a token: letters, digits, "!#$%&'*+-.^_`|~" */
    const char *value; /* no CR, LF or NUL; "" sends an empty header; NULL removes a header
                          libcurl would add (Accept, Expect, ...) */
} net_header;

typedef enum net_body_kind {
    NET_BODY_NONE = 0, /* no body */
    NET_BODY_MEM,      /* body_len bytes at body */
    NET_BODY_FD,       /* body_len bytes of body_fd from body_offset, read with pread */
} net_body_kind;

typedef struct net_response net_response;

/* Called once the final answer's status and headers are in, before any of its
 * body. 0 to go on; anything else stops the transfer and net_perform returns
 * it unchanged (use a negative em_err code). */
typedef int (*net_head_fn)(void *ctx, const net_response *res);
/* Called with each piece of a 2xx answer's body as it arrives (a few KiB at a
 * time, never more than 64 KiB). Same return convention as net_head_fn. */
typedef int (*net_data_fn)(void *ctx, const void *data, size_t n);
/* Whether the caller has given up on the request. Called from the thread
 * running net_perform, at least every NET_CANCEL_POLL_MS. */
typedef bool (*net_cancel_fn)(void *ctx);

/* AWS Signature Version 4 (libcurl's CURLOPT_AWS_SIGV4). Every request header
 * is signed, with Host and X-Amz-Date, over the payload hash that
 * x-amz-content-sha256 carries: the caller's header when it gives one (a hex
 * SHA-256 or "UNSIGNED-PAYLOAD"), else the SHA-256 of the body, which
 * net_perform computes (for NET_BODY_FD in a first pass over the range). The
 * URL's path and query must already be in AWS canonical form: path segments
 * URI-encoded once (A-Z a-z 0-9 - _ . ~ as they are, every other byte %XX in
 * uppercase hex), query parameters sorted, each with '='. */
typedef struct net_sigv4 {
    const char *access_key; /* printable, no blanks, ',' or '/' */
    const char *secret_key; /* not empty */
    const char *region;     /* "us-east-1": 1..64 of a-z 0-9 - */
    const char *service;    /* "s3": 1..64 of a-z 0-9 - */
} net_sigv4;

/* What to send and what may happen. Zero-initialise, then fill in; every
 * pointer is borrowed until net_perform returns. */
typedef struct net_request {
    const char *method;        /* "GET" (also NULL), "HEAD", "POST", "PUT", "PATCH", "DELETE", ...:
                                  1..16 uppercase letters; GET and HEAD take no body */
    const char *url;           /* "http://..." or "https://..." */
    const net_header *headers; /* n_headers of them, sent in this order */
    size_t n_headers;          /* at most NET_MAX_REQUEST_HEADERS */
    net_body_kind body_kind;
    const void *body;          /* NET_BODY_MEM */
    int body_fd;               /* NET_BODY_FD: a regular file; its file offset is not used or moved */
    off_t body_offset;         /* NET_BODY_FD: where the range starts */
    size_t body_len;           /* NET_BODY_MEM, NET_BODY_FD: bytes sent (Content-Length) */
    int connect_timeout_ms;    /* <= 0: NET_DEFAULT_CONNECT_TIMEOUT_MS */
    int timeout_ms;            /* the whole exchange; <= 0: NET_DEFAULT_TIMEOUT_MS */
    size_t max_body;           /* largest 2xx body, buffered or streamed; 0: NET_DEFAULT_MAX_BODY */
    net_head_fn on_head;       /* optional */
    net_data_fn on_data;       /* optional: a 2xx body goes here instead of res->body */
    void *cb_ctx;              /* for on_head and on_data */
    const atomic_bool *cancel; /* optional: true when the caller gives up */
    net_cancel_fn cancel_fn;   /* optional, the same as a callback */
    void *cancel_ctx;          /* for cancel_fn */
    bool follow_redirects;  /* at most NET_MAX_REDIRECTS, to http(s) only; default: not */
    const net_sigv4 *sigv4; /* optional: sign the request */
} net_request;

/* The answer. Caller-owned: net_perform initialises it, net_response_cleanup
 * frees it whatever net_perform returned. */
struct net_response {
    long status;   /* the final answer's status; 0 when none arrived */
    buf body;      /* a 2xx body when on_data is NULL (at most max_body bytes); the body of
                      any other answer, at most NET_ERROR_BODY_MAX bytes */
    bool body_cut; /* an answer that was not 2xx had more than NET_ERROR_BODY_MAX bytes:
                      the rest was not read */
    buf headers;   /* the final answer's headers as "name\0value\0" pairs; read them
                      with net_response_header */
};

/* Send the request and take in the answer. EM_OK when an answer arrived,
 * whatever its status (see res->status; res->body holds it unless streamed).
 * Otherwise nothing usable arrived, and err says why:
 *   EM_E_INVAL        the request is malformed (nothing was sent)
 *   EM_E_TIMEOUT      connecting or the whole exchange took too long
 *   EM_E_UNAVAILABLE  the service cannot be reached or broke the connection
 *   EM_E_TOO_LARGE    a 2xx body is longer than max_body: refused from its
 *                     Content-Length before any of it is delivered, else as
 *                     soon as it goes past
 *   EM_E_CANCELED     the caller gave up (req->cancel, req->cancel_fn)
 *   EM_E_IO           the body could not be read from body_fd, or the file
 *                     ended before body_len bytes
 *   a callback's non-zero return, unchanged
 *   EM_E_NOMEM, EM_E_INTERNAL. */
int net_perform(const net_request *req, net_response *res /* OUT */, em_error *err);

/* ---- answers ---- */

void net_response_init(net_response *res);
void net_response_cleanup(net_response *res);
/* The value of the final answer's first header called name (any case), or
 * NULL. Borrowed from res, valid until net_response_cleanup. */
const char *net_response_header(const net_response *res, const char *name);
/* The answer's Content-Length: EM_OK, or EM_E_NOT_FOUND when it has none (or
 * not a number). */
int net_response_content_length(const net_response *res, uint64_t *out /* OUT */);

#endif
