/* storage_s3: the S3 backend of storage.h, and AWS Signature Version 4.
 *
 * Requests are path-style (<endpoint>/<bucket>/<prefix><key>), which every
 * S3-compatible server accepts, one libcurl easy handle per call (handles are
 * cheap next to a network round trip and need no locking). Each request
 * carries x-amz-date, x-amz-content-sha256 (the SHA-256 of the body, which S3
 * checks) and an Authorization header signed over the method, the path, the
 * headers host, x-amz-content-sha256, x-amz-date (and content-type on PUT) and
 * the body hash. We set the Host header ourselves so that what is signed is
 * exactly what is sent.
 *
 * Signing (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html):
 *   canonical request = method \n path \n sorted query \n
 *                       lowercase-name:trimmed-value \n ... \n
 *                       signed header names joined by ';' \n payload hash
 *   string to sign    = "AWS4-HMAC-SHA256" \n date-time \n date/region/s3/aws4_request \n
 *                       hex(SHA-256(canonical request))
 *   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region), "s3"), "aws4_request")
 *   signature         = hex(HMAC(signing key, string to sign)) */
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "content/storage_int.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"

#define S3_MAX_HEADERS 32
#define S3_MAX_QUERY 64
#define S3_SIGN_MAX (64 * 1024) /* canonical request and friends */
#define S3_ERROR_BODY_MAX 16384 /* bytes of an error answer kept to find its <Code> */

/* ---- signing ------------------------------------------------------------------- */

int storage_s3_uri_encode(const char *s, bool keep_slash, buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned char c = *p;
        bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
        int rc;
        if (keep) {
            rc = buf_append(out, p, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = buf_append(out, e, 3);
        }
        if (rc != EM_OK)
            return rc;
    }
    return EM_OK;
}

static void to_hex(const unsigned char *b, size_t n, char *out /* 2n + 1 */)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static void hmac(const unsigned char *key, size_t key_len, const char *msg, size_t msg_len,
                 unsigned char out[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, msg_len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);
}

/* A header prepared for the canonical request. */
typedef struct canon_header {
    char name[64]; /* lowercase */
    const char *value;
} canon_header;

static int canon_header_cmp(const void *a, const void *b)
{
    return strcmp(((const canon_header *)a)->name, ((const canon_header *)b)->name);
}

/* One query parameter "k=v" as a span of the query. */
typedef struct qparam {
    const char *p;
    size_t n;  /* whole "k=v" */
    size_t kn; /* length of k */
} qparam;

static int qparam_cmp(const void *a, const void *b)
{
    const qparam *x = a, *y = b;
    size_t k = x->kn < y->kn ? x->kn : y->kn;
    int c = memcmp(x->p, y->p, k);
    if (c != 0)
        return c;
    if (x->kn != y->kn)
        return x->kn < y->kn ? -1 : 1;
    /* same name: by value */
    size_t xv = x->n - x->kn, yv = y->n - y->kn, m = xv < yv ? xv : yv;
    c = memcmp(x->p + x->kn, y->p + y->kn, m);
    return c != 0 ? c : xv < yv ? -1 : xv > yv ? 1 : 0;
}

/* Append a header value trimmed, with inner runs of spaces made one. */
static int append_trimmed(buf *b, const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    bool space = false;
    for (; *v != '\0'; v++) {
        if (*v == ' ' || *v == '\t') {
            space = true;
            continue;
        }
        if (space && buf_append(b, " ", 1) != EM_OK)
            return EM_E_TOO_LARGE;
        space = false;
        if (buf_append(b, v, 1) != EM_OK)
            return EM_E_TOO_LARGE;
    }
    return EM_OK;
}

static bool valid_amz_date(const char *d)
{
    if (d == NULL || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
        return false;
    for (int i = 0; i < 15; i++) {
        if (i != 8 && (d[i] < '0' || d[i] > '9'))
            return false;
    }
    return true;
}

int storage_s3_sign(const storage_s3_request *r, char *out, size_t out_len)
{
    if (out_len > 0)
        out[0] = '\0';
    if (r->method == NULL || r->path == NULL || r->payload_hash == NULL || r->region == NULL ||
        r->access_key == NULL || r->secret_key == NULL || !valid_amz_date(r->amz_date) ||
        r->n_headers > S3_MAX_HEADERS || (r->headers == NULL && r->n_headers > 0))
        return EM_E_INVAL;

    int rc = EM_OK;
    canon_header hs[S3_MAX_HEADERS];
    for (size_t i = 0; i < r->n_headers; i++) {
        const char *name = r->headers[i].name;
        size_t nl = name != NULL ? strlen(name) : 0;
        if (nl == 0 || nl >= sizeof hs[i].name || r->headers[i].value == NULL)
            return EM_E_INVAL;
        for (size_t k = 0; k <= nl; k++)
            hs[i].name[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + ('a' - 'A') : name[k]);
        hs[i].value = r->headers[i].value;
    }
    qsort(hs, r->n_headers, sizeof hs[0], canon_header_cmp);

    qparam qs[S3_MAX_QUERY];
    size_t nq = 0;
    const char *q = r->query != NULL ? r->query : "";
    while (*q != '\0') {
        const char *amp = strchr(q, '&');
        size_t n = amp != NULL ? (size_t)(amp - q) : strlen(q);
        if (n > 0) {
            if (nq == S3_MAX_QUERY)
                return EM_E_INVAL;
            const char *eq = memchr(q, '=', n);
            qs[nq++] = (qparam){q, n, eq != NULL ? (size_t)(eq - q) : n};
        }
        q += n + (amp != NULL);
    }
    qsort(qs, nq, sizeof qs[0], qparam_cmp);

    char date[9];
    memcpy(date, r->amz_date, 8);
    date[8] = '\0';

    buf canon, signed_names, sts;
    buf_init(&canon, S3_SIGN_MAX);
    buf_init(&signed_names, S3_SIGN_MAX);
    buf_init(&sts, S3_SIGN_MAX);

    /* canonical request */
    if (buf_printf(&canon, "%s\n%s\n", r->method, r->path) != EM_OK)
        goto too_large;
    for (size_t i = 0; i < nq; i++) {
        if ((i > 0 && buf_append(&canon, "&", 1) != EM_OK) || buf_append(&canon, qs[i].p, qs[i].n) != EM_OK)
            goto too_large;
        if (qs[i].kn == qs[i].n && buf_append(&canon, "=", 1) != EM_OK)
            goto too_large;
    }
    if (buf_append(&canon, "\n", 1) != EM_OK)
        goto too_large;
    for (size_t i = 0; i < r->n_headers; i++) {
        bool same = i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0;
        if (same) { /* a repeated header: values joined by ',' */
            if (buf_append(&canon, ",", 1) != EM_OK || append_trimmed(&canon, hs[i].value) != EM_OK)
                goto too_large;
            continue;
        }
        if ((i > 0 && buf_append(&canon, "\n", 1) != EM_OK) ||
            buf_printf(&canon, "%s:", hs[i].name) != EM_OK || append_trimmed(&canon, hs[i].value) != EM_OK)
            goto too_large;
        if (buf_printf(&signed_names, "%s%s", signed_names.len > 0 ? ";" : "", hs[i].name) != EM_OK)
            goto too_large;
    }
    /* each header line ends with '\n', then the blank line, names and hash */
    if (buf_printf(&canon, "%s\n%s\n%s", r->n_headers > 0 ? "\n" : "",
                   signed_names.len > 0 ? signed_names.data : "", r->payload_hash) != EM_OK)
        goto too_large;

    /* string to sign */
    unsigned char digest[crypto_hash_sha256_BYTES];
    char digest_hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(digest, (const unsigned char *)canon.data, canon.len);
    to_hex(digest, sizeof digest, digest_hex);
    if (buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s", r->amz_date, date, r->region,
                   digest_hex) != EM_OK)
        goto too_large;

    /* signing key and signature */
    unsigned char k[crypto_auth_hmacsha256_BYTES];
    char *first = em_asprintf("AWS4%s", r->secret_key);
    hmac((const unsigned char *)first, strlen(first), date, 8, k);
    sodium_memzero(first, strlen(first));
    free(first);
    hmac(k, sizeof k, r->region, strlen(r->region), k);
    hmac(k, sizeof k, "s3", 2, k);
    hmac(k, sizeof k, "aws4_request", 12, k);
    unsigned char sig[crypto_auth_hmacsha256_BYTES];
    char sig_hex[2 * crypto_auth_hmacsha256_BYTES + 1];
    hmac(k, sizeof k, sts.data, sts.len, sig);
    sodium_memzero(k, sizeof k);
    to_hex(sig, sizeof sig, sig_hex);

    int n = snprintf(out, out_len,
                     "AWS4-HMAC-SHA256 Credential=%s/%s/%s/s3/aws4_request,SignedHeaders=%s,Signature=%s",
                     r->access_key, date, r->region, signed_names.len > 0 ? signed_names.data : "", sig_hex);
    if (n < 0 || (size_t)n >= out_len) {
        if (out_len > 0)
            out[0] = '\0';
        rc = EM_E_TOO_LARGE;
    }
    goto out;

too_large:
    rc = EM_E_TOO_LARGE;
out:
    buf_cleanup(&canon);
    buf_cleanup(&signed_names);
    buf_cleanup(&sts);
    return rc;
}

/* ---- the backend ------------------------------------------------------------------ */

typedef struct s3_store {
    char *endpoint; /* "https://host[:port]", no trailing '/' */
    char *host;     /* "host[:port]", the Host header */
    char *bucket;
    char *prefix; /* "" or "dir/sub/" */
    char *region;
    char *access_key;
    char *secret_key;
    long timeout_ms;
} s3_store;

/* Process-wide library set-up, done once (libcurl asks for it before any
 * thread uses it). Written once under pthread_once, read-only afterwards. */
static pthread_once_t s3_once = PTHREAD_ONCE_INIT;
static int s3_init_rc = EM_OK;

static void s3_global_init(void)
{
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        s3_init_rc = EM_E_INTERNAL;
}

/* What the write callback collects. */
typedef struct s3_body {
    buf data;      /* max: the larger of the caller's limit and S3_ERROR_BODY_MAX */
    size_t limit;  /* the caller's limit for a successful answer */
    CURL *easy;    /* borrowed */
    bool overflow; /* a successful answer went past limit */
} s3_body;

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    s3_body *b = ud;
    size_t n = size * nmemb;
    long code = 0;
    curl_easy_getinfo(b->easy, CURLINFO_RESPONSE_CODE, &code);
    bool ok = code >= 200 && code < 300;
    if (ok && b->data.len + n > b->limit) {
        b->overflow = true;
        return 0; /* abort the transfer */
    }
    if (buf_append(&b->data, p, n) != EM_OK && ok) {
        b->overflow = true;
        return 0;
    }
    return n; /* an error answer past its cap is cut, not aborted */
}

typedef struct s3_upload {
    const unsigned char *p; /* borrowed */
    size_t left;
} s3_upload;

static size_t on_read(char *dst, size_t size, size_t nmemb, void *ud)
{
    s3_upload *u = ud;
    size_t n = size * nmemb < u->left ? size * nmemb : u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

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

/* Send one request. On EM_OK *status is the HTTP status, whatever it is, and
 * body holds the answer (the caller cleans it up). Transport failures are
 * EM_E_UNAVAILABLE, a successful answer longer than max_len EM_E_TOO_LARGE. */
static int s3_request(s3_store *s, const char *method, const char *key, const void *data, size_t len,
                      const char *content_type, size_t max_len, s3_body *body, long *status /* OUT */,
                      em_error *err)
{
    int rc = EM_OK;
    CURL *easy = NULL;
    struct curl_slist *hl = NULL;
    buf path, url;
    buf_init(&path, 4 * STORAGE_KEY_MAX);
    buf_init(&url, 8 * STORAGE_KEY_MAX);
    *status = 0;
    bool is_put = strcmp(method, "PUT") == 0;

    if (buf_append(&path, "/", 1) != EM_OK || storage_s3_uri_encode(s->bucket, false, &path) != EM_OK ||
        buf_append(&path, "/", 1) != EM_OK || storage_s3_uri_encode(s->prefix, true, &path) != EM_OK ||
        storage_s3_uri_encode(key, true, &path) != EM_OK ||
        buf_printf(&url, "%s%s", s->endpoint, path.data) != EM_OK) {
        rc = em_error_set(err, EM_E_INVAL, "storage: key too long");
        goto out;
    }

    unsigned char digest[crypto_hash_sha256_BYTES];
    char payload_hash[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(digest, data, len);
    to_hex(digest, sizeof digest, payload_hash);

    char amz_date[17];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);

    const char *ct = safe_content_type(content_type);
    storage_s3_header hs[4] = {
        {"host", s->host},
        {"x-amz-content-sha256", payload_hash},
        {"x-amz-date", amz_date},
        {"content-type", ct},
    };
    storage_s3_request sr = {
        .method = method,
        .path = path.data,
        .query = "",
        .headers = hs,
        .n_headers = is_put ? 4 : 3,
        .payload_hash = payload_hash,
        .amz_date = amz_date,
        .region = s->region,
        .access_key = s->access_key,
        .secret_key = s->secret_key,
    };
    char auth[1024];
    if (storage_s3_sign(&sr, auth, sizeof auth) != EM_OK) {
        rc = em_error_set(err, EM_E_INTERNAL, "storage: cannot sign the S3 request");
        goto out;
    }

    char line[1200];
    snprintf(line, sizeof line, "Host: %s", s->host);
    hl = curl_slist_append(hl, line);
    snprintf(line, sizeof line, "x-amz-content-sha256: %s", payload_hash);
    hl = curl_slist_append(hl, line);
    snprintf(line, sizeof line, "x-amz-date: %s", amz_date);
    hl = curl_slist_append(hl, line);
    snprintf(line, sizeof line, "Authorization: %s", auth);
    hl = curl_slist_append(hl, line);
    if (is_put) {
        snprintf(line, sizeof line, "Content-Type: %s", ct);
        hl = curl_slist_append(hl, line);
    }
    hl = curl_slist_append(hl, "Expect:");
    hl = curl_slist_append(hl, "Accept:");
    easy = curl_easy_init();
    if (hl == NULL || easy == NULL) {
        rc = em_error_set(err, EM_E_NOMEM, "storage: out of memory");
        goto out;
    }

    s3_upload up = {data, len};
    body->easy = easy;
    body->limit = max_len;
    curl_easy_setopt(easy, CURLOPT_URL, url.data);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, s->timeout_ms < 10000 ? s->timeout_ms : 10000L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, body);
    if (is_put) {
        curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(easy, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(easy, CURLOPT_READDATA, &up);
        curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
        /* refuse early by Content-Length, leaving room for an error answer;
         * on_write holds a successful answer to max_len exactly */
        size_t early = max_len > S3_ERROR_BODY_MAX ? max_len : S3_ERROR_BODY_MAX;
        if (early < (size_t)INT64_MAX)
            curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)early);
    } else {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    }

    CURLcode cc = curl_easy_perform(easy);
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    bool ok = code >= 200 && code < 300;
    if ((cc == CURLE_FILESIZE_EXCEEDED || (cc == CURLE_WRITE_ERROR && body->overflow)) && (ok || code == 0)) {
        rc = em_error_set(err, EM_E_TOO_LARGE, "storage: object is larger than %zu bytes", max_len);
        goto out;
    }
    if (cc != CURLE_OK && !(code >= 300 && (cc == CURLE_FILESIZE_EXCEEDED || cc == CURLE_WRITE_ERROR))) {
        log_msg(LOG_ERROR, "storage: S3 %s %s: %s", method, url.data, curl_easy_strerror(cc));
        rc = em_error_set(err, EM_E_UNAVAILABLE, "storage: S3 %s",
                          cc == CURLE_OPERATION_TIMEDOUT ? "request timed out" : "is unreachable");
        goto out;
    }
    *status = code;

out:
    if (easy != NULL)
        curl_easy_cleanup(easy);
    curl_slist_free_all(hl);
    buf_cleanup(&path);
    buf_cleanup(&url);
    return rc;
}

/* The error for an answer that was not a success. */
static int s3_status_error(long status, const s3_body *body, const char *method, const char *key,
                           em_error *err)
{
    char code[64];
    s3_error_code(&body->data, code, sizeof code);
    log_msg(status >= 500 ? LOG_ERROR : LOG_WARN, "storage: S3 %s %s: HTTP %ld %s", method, key, status,
            code);
    const char *sep = code[0] != '\0' ? " " : "";
    if (status == 404)
        return em_error_set(err, EM_E_NOT_FOUND, "storage: no such object (S3 404%s%s)", sep, code);
    if (status >= 500)
        return em_error_set(err, EM_E_UNAVAILABLE, "storage: S3 answered %ld%s%s", status, sep, code);
    return em_error_set(err, EM_E_IO, "storage: S3 answered %ld%s%s", status, sep, code);
}

static void s3_body_init(s3_body *b, size_t max_len)
{
    buf_init(&b->data, max_len > S3_ERROR_BODY_MAX ? max_len : S3_ERROR_BODY_MAX);
    b->limit = max_len;
    b->easy = NULL;
    b->overflow = false;
}

static int s3_put(void *impl, const char *key, const void *data, size_t len, const char *content_type,
                  em_error *err)
{
    s3_store *s = impl;
    s3_body body;
    s3_body_init(&body, S3_ERROR_BODY_MAX);
    long status;
    int rc = s3_request(s, "PUT", key, data, len, content_type, S3_ERROR_BODY_MAX, &body, &status, err);
    if (rc == EM_OK && (status < 200 || status >= 300))
        rc = s3_status_error(status, &body, "PUT", key, err);
    buf_cleanup(&body.data);
    return rc;
}

static int s3_get(void *impl, const char *key, void **data, size_t *len, size_t max_len, em_error *err)
{
    s3_store *s = impl;
    s3_body body;
    s3_body_init(&body, max_len);
    long status;
    int rc = s3_request(s, "GET", key, "", 0, NULL, max_len, &body, &status, err);
    if (rc == EM_OK && (status < 200 || status >= 300))
        rc = s3_status_error(status, &body, "GET", key, err);
    if (rc == EM_OK) {
        *len = body.data.len;
        *data = buf_steal(&body.data);
    }
    buf_cleanup(&body.data);
    return rc;
}

static int s3_del(void *impl, const char *key, em_error *err)
{
    s3_store *s = impl;
    s3_body body;
    s3_body_init(&body, S3_ERROR_BODY_MAX);
    long status;
    int rc = s3_request(s, "DELETE", key, "", 0, NULL, S3_ERROR_BODY_MAX, &body, &status, err);
    if (rc == EM_OK && (status < 200 || status >= 300)) {
        char code[64];
        s3_error_code(&body.data, code, sizeof code);
        /* an absent object is fine; an absent bucket is not */
        if (status != 404 || strcmp(code, "NoSuchBucket") == 0)
            rc = s3_status_error(status, &body, "DELETE", key, err);
    }
    buf_cleanup(&body.data);
    return rc;
}

static void s3_close(void *impl)
{
    s3_store *s = impl;
    if (s == NULL)
        return;
    free(s->endpoint);
    free(s->host);
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

static const storage__ops s3_ops = {"s3", s3_put, s3_get, s3_del, s3_close};

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
    st->host = em_strdup(host);

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

    pthread_once(&s3_once, s3_global_init);
    if (s3_init_rc != EM_OK) {
        rc = em_error_set(err, EM_E_INTERNAL, "storage: cannot initialise libcurl");
        goto fail;
    }
    s->ops = &s3_ops;
    s->impl = st;
    return EM_OK;

fail:
    s3_close(st);
    return rc;
}
