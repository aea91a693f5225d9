/* storage_s3: the S3 backend of storage.h.
 *
 * Requests are path-style (<endpoint>/<bucket>/<prefix><key>), which every
 * S3-compatible server accepts, sent through net/http_client, which signs
 * them with AWS Signature Version 4 (libcurl's). Bucket names ([a-z0-9.-]),
 * prefixes and keys ([A-Za-z0-9._/-], see storage_check_key) hold only bytes
 * that AWS's URI encoding keeps as they are, so a request's path is already
 * its canonical URI and is sent without encoding.
 *
 * Every request carries x-amz-content-sha256, the SHA-256 of its body, which
 * S3 checks against the body it receives. A body from a file is therefore read
 * twice: once for the hash (net_perform does it), once to send it. We pay that
 * second read (from the page cache, and SHA-256 at several hundred MB/s)
 * rather than send "UNSIGNED-PAYLOAD", which AWS would take as well: with the
 * hash a body that is cut short or changes on the way is refused instead of
 * stored, also over plain http to a self-hosted store, and every
 * S3-compatible server accepts it.
 *
 * Listing is ListObjectsV2 (GET /<bucket>?list-type=2&prefix=...), page after
 * page through NextContinuationToken. Its query is written in AWS canonical
 * form (parameters sorted, values percent-encoded) so the signature covers it
 * as sent. The answer's XML is read without an XML library: each
 * <Contents>...</Contents> element, in whatever order and spacing its
 * children come, gives <Key> (entities decoded), <Size> and <LastModified>;
 * an element without them, or whose key is not one of ours, is skipped, and
 * an answer that is not a listing is an error rather than an empty one.
 *
 * Timeouts, connection failures and 5xx answers are EM_E_UNAVAILABLE (the
 * store is down or slow: retry later), 404 is EM_E_NOT_FOUND, other answers
 * EM_E_IO with S3's error code. */
#include <sodium.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/storage_int.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/num.h"
#include "net/http_client.h"

#define S3_CONNECT_TIMEOUT_MAX_MS 10000
#define S3_LIST_BODY_MAX (8 * 1024 * 1024) /* one page of a listing (1000 keys) */
#define S3_LIST_PAGES_MAX 1000000          /* a listing that never ends is an error */
#define S3_TOKEN_MAX 4096                  /* a continuation token, decoded */

typedef struct s3_store {
    char *endpoint; /* "https://host[:port]", no trailing '/' */
    char *bucket;
    char *prefix; /* "" or "dir/sub/" */
    char *region;
    char *access_key;
    char *secret_key;
    int timeout_ms;
} s3_store;

/* The <Code> of an S3 XML error answer into out (letters, digits, '.'), or "". */
static void s3_error_code(const buf *body, char *out, size_t out_len)
{
    out[0] = '\0';
    if (body->data == NULL)
        return;
    const char *c = memmem(body->data, body->len, "<Code>", 6);
    if (c == NULL)
        return;
    c += 6;
    size_t o = 0, left = body->len - (size_t)(c - body->data);
    for (size_t i = 0; i < left && o + 1 < out_len; i++) {
        char ch = c[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.'))
            break;
        out[o++] = ch;
    }
    out[o] = '\0';
}

/* A Content-Type that is safe to send as a header, else the default. */
static const char *safe_content_type(const char *ct)
{
    if (ct == NULL || ct[0] == '\0' || strlen(ct) > 200)
        return "application/octet-stream";
    for (const char *p = ct; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "application/octet-stream";
    }
    return ct;
}

/* The error for a request that got no usable answer. */
static int s3_transport_error(int rc, const char *method, const char *key, size_t max_len, em_error *err)
{
    switch (rc) {
    case EM_E_TIMEOUT:
        return em_error_set(err, EM_E_UNAVAILABLE, "storage: S3 request timed out");
    case EM_E_UNAVAILABLE:
        return em_error_set(err, EM_E_UNAVAILABLE, "storage: S3 is unreachable");
    case EM_E_TOO_LARGE:
        return em_error_set(err, EM_E_TOO_LARGE, "storage: object is larger than %zu bytes", max_len);
    case EM_E_IO:
        return em_error_set(err, EM_E_IO, "storage: cannot read the source file");
    default:
        log_msg(LOG_ERROR, "storage: S3 %s %s: %s", method, key, err != NULL ? err->msg : em_strerror(rc));
        return em_error_set(err, rc, "storage: the S3 request failed");
    }
}

/* The error for an answer that was not a success. */
static int s3_status_error(const net_response *res, const char *method, const char *key, em_error *err)
{
    char code[64];
    s3_error_code(&res->body, code, sizeof code);
    log_msg(res->status >= 500 ? LOG_ERROR : LOG_WARN, "storage: S3 %s %s: HTTP %ld %s", method, key,
            res->status, code);
    const char *sep = code[0] != '\0' ? " " : "";
    if (res->status == 404)
        return em_error_set(err, EM_E_NOT_FOUND, "storage: no such object (S3 404%s%s)", sep, code);
    if (res->status >= 500)
        return em_error_set(err, EM_E_UNAVAILABLE, "storage: S3 answered %ld%s%s", res->status, sep, code);
    return em_error_set(err, EM_E_IO, "storage: S3 answered %ld%s%s", res->status, sep, code);
}

static bool success(const net_response *res)
{
    return res->status >= 200 && res->status < 300;
}

/* Send method on key, with src as the body (NULL: none) and content_type
 * (PUT only), a 2xx answer's body to on_data (NULL: into res->body, at most
 * max_body bytes). On EM_OK res holds the answer, whatever its status; the
 * caller cleans res up in every case. */
static int s3_send(const s3_store *s, const char *method, const char *key, const storage__src *src,
                   const char *content_type, size_t max_body, net_data_fn on_data, void *ctx,
                   net_response *res, em_error *err)
{
    char *url = em_asprintf("%s/%s/%s%s", s->endpoint, s->bucket, s->prefix, key);
    net_header hs[1];
    size_t nh = 0;
    if (strcmp(method, "PUT") == 0)
        hs[nh++] = (net_header){"Content-Type", safe_content_type(content_type)};
    net_sigv4 sig = {s->access_key, s->secret_key, s->region, "s3"};
    int connect_ms = s->timeout_ms < S3_CONNECT_TIMEOUT_MAX_MS ? s->timeout_ms : S3_CONNECT_TIMEOUT_MAX_MS;
    net_request req = {
        .method = method,
        .url = url,
        .headers = hs,
        .n_headers = nh,
        .connect_timeout_ms = connect_ms,
        .timeout_ms = s->timeout_ms,
        .max_body = max_body,
        .on_data = on_data,
        .cb_ctx = ctx,
        .sigv4 = &sig,
    };
    if (src != NULL) {
        req.body_kind = src->fd < 0 ? NET_BODY_MEM : NET_BODY_FD;
        req.body = src->data;
        req.body_fd = src->fd;
        req.body_offset = src->offset;
        req.body_len = src->len;
    }
    int rc = net_perform(&req, res, err);
    free(url);
    return rc;
}

static int s3_put(void *impl, const char *key, const storage__src *src, const char *content_type,
                  em_error *err)
{
    s3_store *s = impl;
    net_response res;
    int rc = s3_send(s, "PUT", key, src, content_type, NET_ERROR_BODY_MAX, NULL, NULL, &res, err);
    if (rc != EM_OK)
        rc = s3_transport_error(rc, "PUT", key, NET_ERROR_BODY_MAX, err);
    else if (!success(&res))
        rc = s3_status_error(&res, "PUT", key, err);
    net_response_cleanup(&res);
    return rc;
}

/* What a GET's body goes through on its way to the caller's sink. */
typedef struct s3_reader {
    storage_sink sink;
    void *ctx;
    size_t max_len; /* the caller's, exactly (net cannot be told 0) */
    size_t got;
    int sink_rc;    /* what the sink returned when it stopped the read */
} s3_reader;

static int s3_on_data(void *ud, const void *data, size_t n)
{
    s3_reader *r = ud;
    if (n > r->max_len - r->got)
        return EM_E_TOO_LARGE;
    r->got += n;
    int rc = r->sink(r->ctx, data, n);
    if (rc != 0)
        r->sink_rc = rc;
    return rc;
}

static int s3_read(void *impl, const char *key, size_t max_len, storage_sink sink, void *ctx, em_error *err)
{
    s3_store *s = impl;
    net_response res;
    s3_reader r = {sink, ctx, max_len, 0, 0};
    int rc = s3_send(s, "GET", key, NULL, NULL, max_len > 0 ? max_len : 1, s3_on_data, &r, &res, err);
    if (r.sink_rc != 0)
        rc = em_error_set(err, r.sink_rc, "storage: the read was stopped");
    else if (rc != EM_OK)
        rc = s3_transport_error(rc, "GET", key, max_len, err);
    else if (!success(&res))
        rc = s3_status_error(&res, "GET", key, err);
    net_response_cleanup(&res);
    return rc;
}

static int s3_size(void *impl, const char *key, uint64_t *size, em_error *err)
{
    s3_store *s = impl;
    net_response res;
    int rc = s3_send(s, "HEAD", key, NULL, NULL, 0, NULL, NULL, &res, err);
    if (rc != EM_OK) {
        rc = s3_transport_error(rc, "HEAD", key, 0, err);
    } else if (!success(&res)) {
        rc = s3_status_error(&res, "HEAD", key, err);
    } else if (net_response_content_length(&res, size) != EM_OK) {
        log_msg(LOG_ERROR, "storage: S3 HEAD %s: no Content-Length in the answer", key);
        rc = em_error_set(err, EM_E_IO, "storage: S3 did not give the object's size");
    }
    net_response_cleanup(&res);
    return rc;
}

static int s3_del(void *impl, const char *key, em_error *err)
{
    s3_store *s = impl;
    net_response res;
    int rc = s3_send(s, "DELETE", key, NULL, NULL, NET_ERROR_BODY_MAX, NULL, NULL, &res, err);
    if (rc != EM_OK) {
        rc = s3_transport_error(rc, "DELETE", key, NET_ERROR_BODY_MAX, err);
    } else if (!success(&res)) {
        char code[64];
        s3_error_code(&res.body, code, sizeof code);
        /* an absent object is fine; an absent bucket is not */
        if (res.status != 404 || strcmp(code, "NoSuchBucket") == 0)
            rc = s3_status_error(&res, "DELETE", key, err);
    }
    net_response_cleanup(&res);
    return rc;
}

/* ---- listing ---- */

/* Append s[0..n) to b percent-encoded as AWS canonical query values want:
 * A-Z a-z 0-9 - _ . ~ as they are, every other byte %XX (uppercase). */
static void query_encode(buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.' || c == '~') {
            buf_append(b, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 3);
        }
    }
}

/* The text between <tag> and </tag>, the first pair inside [p, end): *len
 * bytes at the returned pointer, or NULL when there is none. */
static const char *xml_child(const char *p, const char *end, const char *tag, size_t *len)
{
    char open[64], close[64];
    int ol = snprintf(open, sizeof open, "<%s>", tag);
    int cl = snprintf(close, sizeof close, "</%s>", tag);
    const char *a = memmem(p, (size_t)(end - p), open, (size_t)ol);
    if (a == NULL)
        return NULL;
    a += ol;
    const char *b = memmem(a, (size_t)(end - a), close, (size_t)cl);
    if (b == NULL)
        return NULL;
    *len = (size_t)(b - a);
    return a;
}

/* The value of a hexadecimal digit, or -1. */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* XML text with its entities decoded (&amp; &lt; &gt; &quot; &apos; and
 * numeric ones below 128), into out (cap bytes, NUL-terminated). false when
 * it does not fit, or holds an entity we do not take (a key with one is not
 * ours anyway). */
static bool xml_text(const char *s, size_t n, char *out, size_t cap)
{
    static const struct {
        const char *name;
        char c;
    } ents[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '&') {
            size_t k = 0;
            for (; k < sizeof ents / sizeof ents[0]; k++) {
                size_t el = strlen(ents[k].name);
                if (n - i - 1 >= el && memcmp(s + i + 1, ents[k].name, el) == 0) {
                    c = ents[k].c;
                    i += el;
                    break;
                }
            }
            if (k == sizeof ents / sizeof ents[0]) {
                /* a numeric reference, &#NN; or &#xNN;, of an ASCII character */
                const char *semi = memchr(s + i, ';', n - i);
                if (semi == NULL || i + 2 >= n || s[i + 1] != '#')
                    return false;
                bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';
                const char *d = s + i + (hex ? 3 : 2);
                if (d >= semi)
                    return false;
                int v = 0;
                for (; d < semi; d++) {
                    int digit = hex ? hex_digit(*d) : *d >= '0' && *d <= '9' ? *d - '0' : -1;
                    if (digit < 0 || v > 127)
                        return false;
                    v = v * (hex ? 16 : 10) + digit;
                }
                if (v < 1 || v > 127)
                    return false;
                c = (char)v;
                i = (size_t)(semi - s);
            }
        }
        if (o + 1 >= cap)
            return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

/* Seconds since the epoch of an S3 timestamp ("2026-11-21T23:52:11.000Z"). */
static bool s3_time(const char *s, size_t n, int64_t *out)
{
    char t[40];
    if (n == 0 || n >= sizeof t)
        return false;
    memcpy(t, s, n);
    t[n] = '\0';
    struct tm tm = {0};
    if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec) != 6)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm);
    return true;
}

/* Visit the objects of one ListObjectsV2 page; the next page's token goes to
 * token ("" when this was the last page). */
static int s3_list_page(const s3_store *s, const buf *body, storage_list_fn visit, void *ctx, char *token,
                        size_t token_cap, em_error *err)
{
    const char *p = body->data != NULL ? body->data : "";
    const char *end = p + body->len;
    if (memmem(p, body->len, "<ListBucketResult", 17) == NULL) {
        log_msg(LOG_ERROR, "storage: S3 list: the answer is not a ListBucketResult");
        return em_error_set(err, EM_E_IO, "storage: S3 answered the listing with something else");
    }
    size_t pl = strlen(s->prefix);
    char key[2 * STORAGE_KEY_MAX + 2]; /* the store's prefix and a key */
    for (;;) {
        const char *c = memmem(p, (size_t)(end - p), "<Contents>", 10);
        if (c == NULL)
            break;
        const char *ce = memmem(c, (size_t)(end - c), "</Contents>", 11);
        if (ce == NULL)
            return em_error_set(err, EM_E_IO, "storage: S3 sent a listing cut short");
        p = ce + 11;
        size_t kl = 0, sl = 0, ml = 0;
        const char *k = xml_child(c, ce, "Key", &kl);
        const char *sz = xml_child(c, ce, "Size", &sl);
        const char *mt = xml_child(c, ce, "LastModified", &ml);
        int64_t size = 0, mtime = 0;
        if (k == NULL || sz == NULL || mt == NULL || !xml_text(k, kl, key, sizeof key) ||
            num_parse_int64(sz, sl, NUM_UNSIGNED, 0, INT64_MAX, &size) != EM_OK || !s3_time(mt, ml, &mtime) ||
            strncmp(key, s->prefix, pl) != 0 || storage_check_key(key + pl, NULL) != EM_OK)
            continue; /* not one of our objects */
        int rc = visit(ctx, key + pl, (uint64_t)size, mtime);
        if (rc != 0)
            return em_error_set(err, rc, "storage: the listing was stopped");
    }
    token[0] = '\0';
    size_t tl = 0, nl = 0;
    const char *trunc = xml_child(body->data, end, "IsTruncated", &tl);
    if (trunc != NULL && tl == 4 && memcmp(trunc, "true", 4) == 0) {
        const char *next = xml_child(body->data, end, "NextContinuationToken", &nl);
        if (next == NULL || nl == 0 || !xml_text(next, nl, token, token_cap))
            return em_error_set(err, EM_E_IO, "storage: S3 sent a truncated listing without a usable token");
    }
    return EM_OK;
}

static int s3_list(void *impl, const char *prefix, storage_list_fn visit, void *ctx, em_error *err)
{
    s3_store *s = impl;
    char *token = em_calloc(1, S3_TOKEN_MAX);
    /* Room for everything a request can hold (the endpoint, the bucket, a
     * token and two prefixes, each byte encoded as at most 3), so no append
     * below can fail. */
    buf url;
    buf_init(&url, 64 * 1024);
    int rc = EM_OK;
    for (long page = 0; rc == EM_OK; page++) {
        if (page == S3_LIST_PAGES_MAX) {
            rc = em_error_set(err, EM_E_IO, "storage: the S3 listing does not end");
            break;
        }
        /* canonical order: continuation-token, list-type, prefix */
        buf_reset(&url);
        buf_printf(&url, "%s/%s?", s->endpoint, s->bucket);
        if (token[0] != '\0') {
            buf_append_str(&url, "continuation-token=");
            query_encode(&url, token, strlen(token));
            buf_append_str(&url, "&");
        }
        buf_append_str(&url, "list-type=2&prefix=");
        query_encode(&url, s->prefix, strlen(s->prefix));
        query_encode(&url, prefix, strlen(prefix));
        net_sigv4 sig = {s->access_key, s->secret_key, s->region, "s3"};
        int connect_ms =
            s->timeout_ms < S3_CONNECT_TIMEOUT_MAX_MS ? s->timeout_ms : S3_CONNECT_TIMEOUT_MAX_MS;
        net_request req = {
            .method = "GET",
            .url = url.data,
            .connect_timeout_ms = connect_ms,
            .timeout_ms = s->timeout_ms,
            .max_body = S3_LIST_BODY_MAX,
            .sigv4 = &sig,
        };
        net_response res;
        rc = net_perform(&req, &res, err);
        if (rc != EM_OK)
            rc = s3_transport_error(rc, "LIST", prefix, S3_LIST_BODY_MAX, err);
        else if (!success(&res))
            rc = s3_status_error(&res, "LIST", prefix, err);
        else
            rc = s3_list_page(s, &res.body, visit, ctx, token, S3_TOKEN_MAX, err);
        net_response_cleanup(&res);
        if (token[0] == '\0')
            break;
    }
    buf_cleanup(&url);
    free(token);
    return rc;
}

static void s3_close(void *impl)
{
    s3_store *s = impl;
    if (s == NULL)
        return;
    free(s->endpoint);
    free(s->bucket);
    free(s->prefix);
    free(s->region);
    free(s->access_key);
    if (s->secret_key != NULL) {
        sodium_memzero(s->secret_key, strlen(s->secret_key));
        free(s->secret_key);
    }
    free(s);
}

static const storage__ops s3_ops = {
    .kind = "s3",
    .put = s3_put,
    .read = s3_read,
    .size = s3_size,
    .del = s3_del,
    .list = s3_list,
    .local_path = NULL,
    .close = s3_close,
};

static bool printable_token(const char *v)
{
    for (const char *p = v; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == ',' || *p == '/')
            return false;
    }
    return v[0] != '\0';
}

int storage__s3_open(storage *s, const char *bucket_and_prefix, const storage_options *o, em_error *err)
{
    int rc = EM_OK;
    s3_store *st = em_calloc(1, sizeof *st);

    /* bucket: 3-63 of [a-z0-9.-], starting and ending with a letter or digit */
    const char *slash = strchr(bucket_and_prefix, '/');
    size_t bl = slash != NULL ? (size_t)(slash - bucket_and_prefix) : strlen(bucket_and_prefix);
    bool bucket_ok = bl >= 3 && bl <= 63;
    for (size_t i = 0; i < bl && bucket_ok; i++) {
        char c = bucket_and_prefix[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        bucket_ok = alnum || ((c == '.' || c == '-') && i > 0 && i + 1 < bl);
    }
    if (!bucket_ok) {
        rc = em_error_set(err, EM_E_CONFIG, "STORAGE_URL: the S3 bucket name must be 3-63 of a-z 0-9 . -");
        goto fail;
    }
    st->bucket = em_strndup(bucket_and_prefix, bl);

    /* prefix: what follows, slashes at either end dropped, then one added */
    const char *p = slash != NULL ? slash : "";
    while (*p == '/')
        p++;
    size_t pl = strlen(p);
    while (pl > 0 && p[pl - 1] == '/')
        pl--;
    st->prefix = em_strndup(p, pl);
    if (pl > 0) {
        if (pl > STORAGE_KEY_MAX || storage_check_key(st->prefix, NULL) != EM_OK) {
            rc = em_error_set(err, EM_E_CONFIG, "STORAGE_URL: invalid S3 key prefix");
            goto fail;
        }
        char *with_slash = em_asprintf("%s/", st->prefix);
        free(st->prefix);
        st->prefix = with_slash;
    }

    const char *region = o->s3_region != NULL && o->s3_region[0] != '\0' ? o->s3_region : "us-east-1";
    size_t rl = strlen(region);
    bool region_ok = rl <= 32;
    for (size_t i = 0; i < rl && region_ok; i++)
        region_ok = (region[i] >= 'a' && region[i] <= 'z') || (region[i] >= '0' && region[i] <= '9') ||
                    region[i] == '-';
    if (!region_ok) {
        rc = em_error_set(err, EM_E_CONFIG, "S3_REGION must be a region name such as us-east-1");
        goto fail;
    }
    st->region = em_strdup(region);

    if (o->s3_endpoint != NULL && o->s3_endpoint[0] != '\0')
        st->endpoint = em_strdup(o->s3_endpoint);
    else
        st->endpoint = em_asprintf("https://s3.%s.amazonaws.com", region);
    size_t el = strlen(st->endpoint);
    while (el > 0 && st->endpoint[el - 1] == '/')
        st->endpoint[--el] = '\0';
    const char *host = strncmp(st->endpoint, "http://", 7) == 0    ? st->endpoint + 7
                       : strncmp(st->endpoint, "https://", 8) == 0 ? st->endpoint + 8
                                                                   : NULL;
    bool host_ok = host != NULL && host[0] != '\0';
    for (const char *h = host; host_ok && *h != '\0'; h++)
        host_ok = (*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') ||
                  strchr(".-:[]", *h) != NULL;
    if (!host_ok) {
        rc = em_error_set(err, EM_E_CONFIG, "S3_ENDPOINT must be http(s)://host[:port] without a path");
        goto fail;
    }

    if (o->s3_access_key == NULL || o->s3_access_key[0] == '\0') {
        rc = em_error_set(err, EM_E_CONFIG, "S3_ACCESS_KEY_ID is not set");
        goto fail;
    }
    if (!printable_token(o->s3_access_key)) {
        rc = em_error_set(err, EM_E_CONFIG, "S3_ACCESS_KEY_ID has characters that are not allowed");
        goto fail;
    }
    if (o->s3_secret_key == NULL || o->s3_secret_key[0] == '\0') {
        rc = em_error_set(err, EM_E_CONFIG, "S3_SECRET_ACCESS_KEY is not set");
        goto fail;
    }
    st->access_key = em_strdup(o->s3_access_key);
    st->secret_key = em_strdup(o->s3_secret_key);
    st->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : STORAGE_DEFAULT_TIMEOUT_MS;
    s->ops = &s3_ops;
    s->impl = st;
    return EM_OK;

fail:
    s3_close(st);
    return rc;
}
