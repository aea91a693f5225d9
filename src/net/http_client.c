/* http_client: see http_client.h.
 *
 * One call: check the request, build a libcurl easy handle for it, and drive
 * it with a multi handle of its own, so that between two waits of at most
 * NET_CANCEL_POLL_MS the loop can see that the caller gave up, even while the
 * server says nothing (curl_easy_perform waits up to a second between
 * checks). libcurl's progress callback checks too, for transfers that keep the
 * loop busy.
 *
 * Bodies go out through the read callback, from memory or with pread from a
 * file range, always as an "upload" with a known length (CURLOPT_UPLOAD and
 * CURLOPT_CUSTOMREQUEST for methods other than PUT), so libcurl adds no
 * Content-Type of its own. Answers come in through the header callback, which
 * collects the final answer's headers and checks its Content-Length against
 * max_body before any body byte, and the write callback, which keeps counting.
 * Whatever stops a transfer from our side records why in the transfer's
 * stop_rc, which then wins over libcurl's generic "write error" or "aborted by
 * callback".
 *
 * Signing is libcurl's CURLOPT_AWS_SIGV4 (7.88). What it does, and so what
 * the caller must do (checked against tests/fixtures/fixtures_s3.c, which
 * verifies every signature with its own implementation):
 *   - it signs host, x-amz-date and every header in CURLOPT_HTTPHEADER; a
 *     header there that removes one of libcurl's ("Expect:") would be signed
 *     but not sent, so signed requests keep libcurl's Expect: 100-continue on
 *     bodies (S3 answers it) and may not remove headers;
 *   - it hashes CURLOPT_POSTFIELDS only, so for bodies sent through the read
 *     callback we compute the SHA-256 and send it as x-amz-content-sha256,
 *     whose value libcurl then signs as the payload hash;
 *   - it takes the URL's path and query as they are, without encoding or
 *     sorting them;
 *   - it sorts the headers as whole "name:value" lines rather than by name,
 *     and does not join repeated headers: the same as AWS for distinct names
 *     none of which is another's prefix followed by a byte below ':';
 *   - it writes "Credential=..., SignedHeaders=..., Signature=..." with a
 *     blank after each comma, which AWS accepts. */
#include "net/http_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"

#define NET_PIECE_MAX (64 * 1024) /* largest piece given to on_data */
#define NET_HASH_CHUNK (64 * 1024)

/* ---- process lifecycle -------------------------------------------------------- */

/* libcurl's global state is the process's: these record whether it was set
 * up, once, before the threads that use it exist. */
static pthread_once_t net_once = PTHREAD_ONCE_INIT;
static int net_init_rc = EM_E_INTERNAL;
static atomic_bool net_ready;

static void net_init_once(void)
{
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        net_init_rc = EM_E_INTERNAL;
        return;
    }
    net_init_rc = EM_OK;
    atomic_store(&net_ready, true);
}

int net_global_init(void)
{
    pthread_once(&net_once, net_init_once);
    return net_init_rc;
}

void net_global_cleanup(void)
{
    if (atomic_exchange(&net_ready, false))
        curl_global_cleanup();
}

/* ---- answers ---------------------------------------------------------------------- */

void net_response_init(net_response *res)
{
    res->status = 0;
    buf_init(&res->body, NET_ERROR_BODY_MAX);
    res->body_cut = false;
    buf_init(&res->headers, NET_HEADERS_MAX);
}

void net_response_cleanup(net_response *res)
{
    buf_cleanup(&res->body);
    buf_cleanup(&res->headers);
}

const char *net_response_header(const net_response *res, const char *name)
{
    const char *p = res->headers.data, *end = p != NULL ? p + res->headers.len : NULL;
    while (p != NULL && p < end) {
        const char *value = p + strlen(p) + 1;
        if (strcasecmp(p, name) == 0)
            return value;
        p = value + strlen(value) + 1;
    }
    return NULL;
}

int net_response_content_length(const net_response *res, uint64_t *out)
{
    *out = 0;
    const char *v = net_response_header(res, "content-length");
    if (v == NULL || *v < '0' || *v > '9')
        return EM_E_NOT_FOUND;
    uint64_t n = 0;
    for (; *v >= '0' && *v <= '9'; v++) {
        if (n > (UINT64_MAX - 9) / 10)
            return EM_E_NOT_FOUND;
        n = n * 10 + (uint64_t)(*v - '0');
    }
    if (*v != '\0')
        return EM_E_NOT_FOUND;
    *out = n;
    return EM_OK;
}

/* ---- checking a request ---------------------------------------------------------- */

static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool valid_header(const net_header *h, bool signing)
{
    if (h->name == NULL || h->name[0] == '\0' || strlen(h->name) > 128)
        return false;
    for (const char *p = h->name; *p != '\0'; p++) {
        if (!is_tchar(*p))
            return false;
    }
    if (h->value == NULL)
        return !signing; /* a removed header would be signed but not sent */
    if (signing && h->value[0] == '\0')
        return false; /* libcurl would sign "name;" */
    return strlen(h->value) <= 8192 && strpbrk(h->value, "\r\n") == NULL;
}

static bool header_given(const net_request *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0)
            return true;
    }
    return false;
}

/* 1..max of [a-z0-9-]. */
static bool valid_scope_part(const char *s, size_t max)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    }
    return true;
}

static bool valid_access_key(const char *k)
{
    size_t n = k != NULL ? strlen(k) : 0;
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        if (c <= 0x20 || c >= 0x7f || c == ',' || c == '/')
            return false;
    }
    return true;
}

static bool valid_method(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (m[i] < 'A' || m[i] > 'Z')
            return false;
    }
    return true;
}

/* An http(s) URL without blanks or control bytes. */
static bool valid_url(const char *u)
{
    if (u == NULL || (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0))
        return false;
    for (const unsigned char *p = (const unsigned char *)u; *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    }
    return true;
}

static int check_request(const net_request *r, const char *method, em_error *err)
{
    if (!valid_url(r->url))
        return em_error_set(err, EM_E_INVAL, "the URL must be http:// or https://");
    if (!valid_method(method))
        return em_error_set(err, EM_E_INVAL, "invalid HTTP method");
    bool bodiless = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (bodiless && r->body_kind != NET_BODY_NONE)
        return em_error_set(err, EM_E_INVAL, "%s takes no body", method);
    if (r->body_kind == NET_BODY_MEM && r->body == NULL && r->body_len > 0)
        return em_error_set(err, EM_E_INVAL, "no body data");
    if (r->body_kind == NET_BODY_FD && (r->body_fd < 0 || r->body_offset < 0))
        return em_error_set(err, EM_E_INVAL, "invalid body file range");
    if (r->body_kind != NET_BODY_NONE && r->body_kind != NET_BODY_MEM && r->body_kind != NET_BODY_FD)
        return em_error_set(err, EM_E_INVAL, "invalid body kind");
    if (r->n_headers > NET_MAX_REQUEST_HEADERS || (r->n_headers > 0 && r->headers == NULL))
        return em_error_set(err, EM_E_INVAL, "too many request headers");
    for (size_t i = 0; i < r->n_headers; i++) {
        if (!valid_header(&r->headers[i], r->sigv4 != NULL))
            return em_error_set(err, EM_E_INVAL, "invalid request header");
    }
    if (r->sigv4 != NULL) {
        const net_sigv4 *s = r->sigv4;
        if (!valid_access_key(s->access_key) || s->secret_key == NULL || s->secret_key[0] == '\0' ||
            !valid_scope_part(s->region, 64) || !valid_scope_part(s->service, 64))
            return em_error_set(err, EM_E_INVAL, "invalid request signing parameters");
    }
    return EM_OK;
}

/* ---- one transfer ------------------------------------------------------------------ */

typedef struct xfer {
    const net_request *req;
    net_response *res;
    CURL *easy;
    bool head_only; /* HEAD: the answer has no body whatever it says */
    size_t max_body;
    size_t received;             /* bytes of the final 2xx body so far */
    bool in_head;                /* reading an answer's headers */
    bool final;                  /* the head read last is the final answer's */
    bool success;                /* ... and it is 2xx */
    int stop_rc;                 /* why we stopped the transfer; EM_OK: we did not */
    bool cut;                    /* we stopped reading a non-2xx body at NET_ERROR_BODY_MAX */
    const unsigned char *up_mem; /* NET_BODY_MEM */
    size_t up_len;               /* bytes of body to send */
    off_t up_pos;                /* NET_BODY_FD: next byte to read */
    size_t up_done;              /* bytes handed to libcurl */
} xfer;

static bool canceled(const net_request *r)
{
    return (r->cancel != NULL && atomic_load(r->cancel)) ||
           (r->cancel_fn != NULL && r->cancel_fn(r->cancel_ctx));
}

/* Whether the head just read is a redirect libcurl is about to follow. */
static bool following(const xfer *x, long status)
{
    return x->req->follow_redirects &&
           (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) &&
           net_response_header(x->res, "location") != NULL;
}

/* The final answer's head is in: check what it announces. 0 to go on. */
static int head_done(xfer *x, long status)
{
    x->final = true;
    x->res->status = status;
    x->success = status >= 200 && status < 300;
    buf_cleanup(&x->res->body);
    buf_init(&x->res->body, x->success ? x->max_body : NET_ERROR_BODY_MAX);
    uint64_t len;
    if (x->success && !x->head_only && net_response_content_length(x->res, &len) == EM_OK &&
        len > x->max_body)
        return EM_E_TOO_LARGE;
    if (x->req->on_head != NULL)
        return x->req->on_head(x->req->cb_ctx, x->res);
    return EM_OK;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) { /* a new answer: 1xx, redirect or final */
        buf_reset(&x->res->headers);
        x->in_head = true;
        x->final = false;
        return n;
    }
    if (!x->in_head)
        return n; /* trailers */
    size_t len = n;
    while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        len--;
    if (len == 0) { /* the end of a head */
        x->in_head = false;
        long status = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || following(x, status))
            return n;
        int rc = head_done(x, status);
        if (rc != EM_OK) {
            x->stop_rc = rc;
            return 0;
        }
        return n;
    }
    const char *colon = memchr(p, ':', len);
    if (colon == NULL || colon == p || p[0] == ' ' || p[0] == '\t')
        return n; /* not a header line (or an obsolete folded one): skip */
    const char *v = colon + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    buf *h = &x->res->headers;
    size_t before = h->len;
    size_t name_len = (size_t)(colon - p);
    if (memchr(p, '\0', len) != NULL || buf_append(h, p, name_len) != EM_OK ||
        buf_append(h, "", 1) != EM_OK || buf_append(h, v, (size_t)(end - v)) != EM_OK ||
        buf_append(h, "", 1) != EM_OK) {
        h->len = before; /* past NET_HEADERS_MAX (or a NUL in it): dropped */
        if (h->data != NULL)
            h->data[before] = '\0';
    }
    return n;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    size_t n = size * nmemb;
    if (!x->final)
        return n; /* the body of a redirect being followed */
    if (!x->success) {
        size_t room = NET_ERROR_BODY_MAX - x->res->body.len;
        if (n <= room) {
            buf_append(&x->res->body, p, n);
            return n;
        }
        buf_append(&x->res->body, p, room);
        x->res->body_cut = true;
        x->cut = true;
        return 0; /* enough of it: stop reading */
    }
    if (n > x->max_body - x->received) {
        x->stop_rc = EM_E_TOO_LARGE;
        return 0;
    }
    x->received += n;
    if (x->req->on_data == NULL) {
        buf_append(&x->res->body, p, n); /* fits: received <= max_body */
        return n;
    }
    for (size_t off = 0; off < n;) {
        size_t piece = n - off < NET_PIECE_MAX ? n - off : NET_PIECE_MAX;
        int rc = x->req->on_data(x->req->cb_ctx, p + off, piece);
        if (rc != 0) {
            x->stop_rc = rc;
            return 0;
        }
        off += piece;
    }
    return n;
}

static size_t on_read(char *dst, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    const net_request *r = x->req;
    size_t want = size * nmemb, left = x->up_len - x->up_done;
    if (want > left)
        want = left;
    if (want == 0)
        return 0;
    if (r->body_kind == NET_BODY_MEM) {
        memcpy(dst, x->up_mem + x->up_done, want);
        x->up_done += want;
        return want;
    }
    ssize_t got;
    do {
        got = pread(r->body_fd, dst, want, x->up_pos);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
        log_msg(LOG_ERROR, "net: reading the request body: %s",
                got < 0 ? strerror(errno) : "the file ended before the length given");
        x->stop_rc = EM_E_IO;
        return CURL_READFUNC_ABORT;
    }
    x->up_pos += got;
    x->up_done += (size_t)got;
    return (size_t)got;
}

/* libcurl rewinds the body when it must send it again (a reused connection
 * that turned out closed, a 307 being followed). */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
    xfer *x = ud;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > x->up_len)
        return CURL_SEEKFUNC_FAIL;
    x->up_done = (size_t)offset;
    x->up_pos = x->req->body_offset + (off_t)offset;
    return CURL_SEEKFUNC_OK;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    xfer *x = ud;
    if (canceled(x->req)) {
        x->stop_rc = EM_E_CANCELED;
        return 1;
    }
    return 0;
}

/* The hex SHA-256 of the request body, read once through for NET_BODY_FD. */
static int body_sha256(const net_request *r, char hex[2 * crypto_hash_sha256_BYTES + 1], em_error *err)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    if (r->body_kind != NET_BODY_FD) {
        const unsigned char *p = r->body_kind == NET_BODY_MEM && r->body != NULL ? r->body : (const void *)"";
        crypto_hash_sha256(digest, p, r->body_kind == NET_BODY_MEM ? r->body_len : 0);
        sodium_bin2hex(hex, 2 * crypto_hash_sha256_BYTES + 1, digest, sizeof digest);
        return EM_OK;
    }
    int rc = EM_OK;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char *chunk = em_malloc(NET_HASH_CHUNK);
    off_t pos = r->body_offset;
    for (size_t left = r->body_len; left > 0;) {
        size_t want = left < NET_HASH_CHUNK ? left : NET_HASH_CHUNK;
        ssize_t got = pread(r->body_fd, chunk, want, pos);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            log_msg(LOG_ERROR, "net: reading the request body: %s",
                    got < 0 ? strerror(errno) : "the file ended before the length given");
            rc = em_error_set(err, EM_E_IO, "cannot read the request body");
            goto out;
        }
        crypto_hash_sha256_update(&st, chunk, (size_t)got);
        pos += got;
        left -= (size_t)got;
    }
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(hex, 2 * crypto_hash_sha256_BYTES + 1, digest, sizeof digest);

out:
    free(chunk);
    return rc;
}

/* The request's header list: the caller's, the payload hash a signed request
 * needs, and "Expect:" where libcurl would wait for 100-continue. */
static int build_headers(const net_request *r, struct curl_slist **out, em_error *err)
{
    *out = NULL;
    int rc = EM_OK;
    struct curl_slist *hl = NULL;
    buf line;
    buf_init(&line, 16384);
    for (size_t i = 0; i < r->n_headers; i++) {
        const net_header *h = &r->headers[i];
        buf_reset(&line);
        if (h->value == NULL)
            rc = buf_printf(&line, "%s:", h->name);
        else if (h->value[0] == '\0')
            rc = buf_printf(&line, "%s;", h->name);
        else
            rc = buf_printf(&line, "%s: %s", h->name, h->value);
        if (rc != EM_OK)
            goto fail;
        struct curl_slist *next = curl_slist_append(hl, line.data);
        if (next == NULL)
            goto nomem;
        hl = next;
    }
    if (r->sigv4 != NULL && !header_given(r, "x-amz-content-sha256")) {
        char hex[2 * crypto_hash_sha256_BYTES + 1];
        rc = body_sha256(r, hex, err);
        if (rc != EM_OK)
            goto fail_err;
        buf_reset(&line);
        buf_printf(&line, "x-amz-content-sha256: %s", hex);
        struct curl_slist *next = curl_slist_append(hl, line.data);
        if (next == NULL)
            goto nomem;
        hl = next;
    }
    if (r->sigv4 == NULL && !header_given(r, "expect")) {
        struct curl_slist *next = curl_slist_append(hl, "Expect:");
        if (next == NULL)
            goto nomem;
        hl = next;
    }
    buf_cleanup(&line);
    *out = hl;
    return EM_OK;

nomem:
    rc = em_error_set(err, EM_E_NOMEM, "out of memory");
    goto fail_err;
fail:
    rc = em_error_set(err, EM_E_INVAL, "invalid request header");
fail_err:
    curl_slist_free_all(hl);
    buf_cleanup(&line);
    return rc;
}

/* Log a failed transfer with the URL up to its query, which may hold a key. */
static void log_failure(const net_request *r, const char *method, const char *what)
{
    size_t n = strcspn(r->url, "?#");
    log_msg(LOG_WARN, "net: %s %.*s: %s", method, (int)n, r->url, what);
}

/* The result of a finished transfer, from libcurl's code and what we saw. */
static int transfer_result(const xfer *x, CURLcode cc, const char *errbuf, const char *method, em_error *err)
{
    const net_request *r = x->req;
    if (x->stop_rc != EM_OK) {
        switch (x->stop_rc) {
        case EM_E_TOO_LARGE:
            return em_error_set(err, EM_E_TOO_LARGE, "the answer is larger than %zu bytes", x->max_body);
        case EM_E_CANCELED: return em_error_set(err, EM_E_CANCELED, "the request was canceled");
        case EM_E_IO: return em_error_set(err, EM_E_IO, "cannot read the request body");
        default: return em_error_set(err, x->stop_rc, "the transfer was stopped by its receiver");
        }
    }
    if (cc == CURLE_OK || (x->cut && cc == CURLE_WRITE_ERROR))
        return EM_OK;
    log_failure(r, method, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT: return em_error_set(err, EM_E_TIMEOUT, "the request timed out");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return em_error_set(err, EM_E_INVAL, "the URL is not a valid http(s) URL");
    case CURLE_OUT_OF_MEMORY: return em_error_set(err, EM_E_NOMEM, "out of memory");
    case CURLE_TOO_MANY_REDIRECTS: return em_error_set(err, EM_E_UNAVAILABLE, "too many redirects");
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: return em_error_set(err, EM_E_UNAVAILABLE, "cannot connect to the service");
    default: return em_error_set(err, EM_E_UNAVAILABLE, "the connection to the service failed");
    }
}

/* Set an option; a refusal is a bug here (or a libcurl without the feature). */
#define SETOPT(opt, val)                                                                                     \
    do {                                                                                                     \
        if (curl_easy_setopt(easy, opt, val) != CURLE_OK) {                                                  \
            log_msg(LOG_ERROR, "net: libcurl refused option %s", #opt);                                      \
            rc = em_error_set(err, EM_E_INTERNAL, "the HTTP client cannot be set up");                       \
            goto out;                                                                                        \
        }                                                                                                    \
    } while (0)

int net_perform(const net_request *req, net_response *res, em_error *err)
{
    net_response_init(res);
    em_error_clear(err);
    if (!atomic_load(&net_ready))
        return em_error_set(err, EM_E_INTERNAL, "the HTTP client is not initialised");
    const char *method = req->method != NULL ? req->method : "GET";
    int rc = check_request(req, method, err);
    if (rc != EM_OK)
        return rc;
    if (canceled(req))
        return em_error_set(err, EM_E_CANCELED, "the request was canceled");

    CURL *easy = NULL;
    CURLM *multi = NULL;
    bool added = false;
    struct curl_slist *hl = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    char *sigv4 = NULL;
    xfer x = {
        .req = req,
        .res = res,
        .head_only = strcmp(method, "HEAD") == 0,
        .max_body = req->max_body > 0 ? req->max_body : NET_DEFAULT_MAX_BODY,
        .up_mem = req->body,
        .up_len = req->body_kind != NET_BODY_NONE ? req->body_len : 0,
        .up_pos = req->body_offset,
    };

    rc = build_headers(req, &hl, err);
    if (rc != EM_OK)
        goto out;
    easy = curl_easy_init();
    multi = curl_multi_init();
    if (easy == NULL || multi == NULL) {
        rc = em_error_set(err, EM_E_NOMEM, "out of memory");
        goto out;
    }
    x.easy = easy;
    long connect_ms = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : NET_DEFAULT_CONNECT_TIMEOUT_MS;
    long total_ms = req->timeout_ms > 0 ? req->timeout_ms : NET_DEFAULT_TIMEOUT_MS;

    SETOPT(CURLOPT_URL, req->url);
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, total_ms);
    SETOPT(CURLOPT_USERAGENT, "exammentor/" EM_VERSION);
    SETOPT(CURLOPT_HTTPHEADER, hl);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, &x);
    SETOPT(CURLOPT_WRITEFUNCTION, on_write);
    SETOPT(CURLOPT_WRITEDATA, &x);
    if (req->follow_redirects) {
        SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
        SETOPT(CURLOPT_MAXREDIRS, (long)NET_MAX_REDIRECTS);
        SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    } else {
        SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    }
    if (req->cancel != NULL || req->cancel_fn != NULL) {
        SETOPT(CURLOPT_NOPROGRESS, 0L);
        SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
        SETOPT(CURLOPT_XFERINFODATA, &x);
    }

    if (strcmp(method, "GET") == 0) {
        SETOPT(CURLOPT_HTTPGET, 1L);
    } else if (x.head_only) {
        SETOPT(CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(method, "PUT") != 0)
            SETOPT(CURLOPT_CUSTOMREQUEST, method);
        /* DELETE and the like without a body send no Content-Length; POST, PUT
         * and PATCH always do */
        bool upload = req->body_kind != NET_BODY_NONE || strcmp(method, "DELETE") != 0;
        if (upload) {
            SETOPT(CURLOPT_UPLOAD, 1L);
            SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x.up_len);
            SETOPT(CURLOPT_READFUNCTION, on_read);
            SETOPT(CURLOPT_READDATA, &x);
            SETOPT(CURLOPT_SEEKFUNCTION, on_seek);
            SETOPT(CURLOPT_SEEKDATA, &x);
        }
    }

    if (req->sigv4 != NULL) {
        sigv4 = em_asprintf("aws:amz:%s:%s", req->sigv4->region, req->sigv4->service);
        SETOPT(CURLOPT_AWS_SIGV4, sigv4);
        SETOPT(CURLOPT_USERNAME, req->sigv4->access_key);
        SETOPT(CURLOPT_PASSWORD, req->sigv4->secret_key);
    }

    if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
        rc = em_error_set(err, EM_E_INTERNAL, "the HTTP client cannot be set up");
        goto out;
    }
    added = true;
    int running = 1;
    CURLMcode mc = CURLM_OK;
    for (;;) {
        mc = curl_multi_perform(multi, &running);
        if (mc != CURLM_OK || running == 0)
            break;
        if (canceled(req)) {
            x.stop_rc = EM_E_CANCELED;
            break;
        }
        mc = curl_multi_poll(multi, NULL, 0, NET_CANCEL_POLL_MS, NULL);
        if (mc != CURLM_OK)
            break;
    }
    if (mc != CURLM_OK) {
        log_msg(LOG_ERROR, "net: %s", curl_multi_strerror(mc));
        rc = em_error_set(err, EM_E_INTERNAL, "the HTTP client failed");
        goto out;
    }
    CURLcode cc = CURLE_ABORTED_BY_CALLBACK; /* when we stopped it */
    if (running == 0) {
        int left = 0;
        CURLMsg *m = curl_multi_info_read(multi, &left);
        cc = m != NULL && m->msg == CURLMSG_DONE ? m->data.result : CURLE_FAILED_INIT;
    }
    rc = transfer_result(&x, cc, errbuf, method, err);
    if (rc != EM_OK)
        buf_reset(&res->body);

out:
    if (added)
        curl_multi_remove_handle(multi, easy);
    if (easy != NULL)
        curl_easy_cleanup(easy);
    if (multi != NULL)
        curl_multi_cleanup(multi);
    curl_slist_free_all(hl);
    free(sigv4);
    return rc;
}
