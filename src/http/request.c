/* request: the request half of http.h (headers, query, path parameters, JSON
 * body) and the percent-decoding shared with the router. The request's strings
 * are borrowed from the request arena or from the server library and live until
 * the response is done. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/err.h"
#include "core/log.h"
#include "http/http.h"
#include "http/http_int.h"
#include "core/ascii.h"

void http__conn_init(http__conn *c)
{
    memset(c, 0, sizeof *c);
    c->nquery = -1;
}

const char *http_req_header(const http_req *req, const char *name)
{
    const http__conn *c = req->conn;
    if (c == NULL)
        return NULL;
    if (c->mhd != NULL)
        return MHD_lookup_connection_value(c->mhd, MHD_HEADER_KIND, name);
    if (c->fake_headers == NULL)
        return NULL;
    for (const char *const *h = c->fake_headers; h[0] != NULL && h[1] != NULL; h += 2) {
        if (strcasecmp(h[0], name) == 0)
            return h[1];
    }
    return NULL;
}

/* MHD_get_connection_values iterator: remember the last value of one header. */
typedef struct last_value {
    const char *name;
    const char *value;   /* OUT: NULL until seen */
} last_value;

static enum MHD_Result keep_last(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    last_value *lv = cls;
    (void)kind;
    if (key != NULL && value != NULL && strcasecmp(key, lv->name) == 0)
        lv->value = value;
    return MHD_YES;
}

const char *http__req_header_last(const http_req *req, const char *name)
{
    const http__conn *c = req->conn;
    last_value lv = {.name = name, .value = NULL};
    if (c == NULL)
        return NULL;
    if (c->mhd != NULL) {
        MHD_get_connection_values(c->mhd, MHD_HEADER_KIND, keep_last, &lv);
        return lv.value;
    }
    if (c->fake_headers == NULL)
        return NULL;
    for (const char *const *h = c->fake_headers; h[0] != NULL && h[1] != NULL; h += 2)
        keep_last(&lv, MHD_HEADER_KIND, h[0], h[1]);
    return lv.value;
}

const char *http_req_param(const http_req *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++) {
        if (strcmp(req->params[i].name, name) == 0)
            return req->params[i].value;
    }
    return NULL;
}

char *http__pct_decode(arena *a, const char *s, size_t n, bool plus_space, bool strict,
                       bool *has_nul)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    bool nul = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '%') {
            int h1 = i + 1 < n ? ascii_hex_value((unsigned char)s[i + 1]) : -1;
            int h2 = i + 2 < n ? ascii_hex_value((unsigned char)s[i + 2]) : -1;
            if (h1 < 0 || h2 < 0) {
                if (strict)
                    return NULL;
                out[o++] = '%';
                continue;
            }
            unsigned char dec = (unsigned char)(h1 * 16 + h2);
            if (dec == 0) {
                if (strict)
                    return NULL;
                nul = true;
            }
            out[o++] = (char)dec;
            i += 2;
        } else if (ch == '+' && plus_space) {
            out[o++] = ' ';
        } else {
            if (ch == 0) {
                if (strict)
                    return NULL;
                nul = true;
            }
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
    if (has_nul != NULL)
        *has_nul = nul;
    return out;
}

int http__query_parse(arena *a, const char *q, size_t n, const char **names, const char **values,
                      int max)
{
    int count = 0;
    size_t i = 0;
    while (i < n && count < max) {
        size_t start = i;
        while (i < n && q[i] != '&')
            i++;
        size_t end = i; /* q[start..end) is one pair */
        i++;            /* skip the '&' (or step past the end) */
        if (end == start)
            continue;
        const char *eq = memchr(q + start, '=', end - start);
        size_t name_len = eq != NULL ? (size_t)(eq - (q + start)) : end - start;
        if (name_len == 0)
            continue;
        bool nul_name = false, nul_value = false;
        char *name = http__pct_decode(a, q + start, name_len, true, false, &nul_name);
        char *value;
        if (eq != NULL)
            value = http__pct_decode(a, eq + 1, (size_t)((q + end) - (eq + 1)), true, false, &nul_value);
        else
            value = arena_strdup(a, "");
        if (nul_name || nul_value || name[0] == '\0')
            continue;
        names[count] = name;
        values[count] = value;
        count++;
    }
    return count;
}

const char *http_req_query(const http_req *req, const char *name)
{
    http__conn *c = req->conn;
    if (c == NULL || c->query == NULL)
        return NULL;
    if (c->nquery < 0) {
        c->qnames = arena_alloc(req->arena, sizeof(char *) * HTTP_MAX_QUERY);
        c->qvalues = arena_alloc(req->arena, sizeof(char *) * HTTP_MAX_QUERY);
        c->nquery = http__query_parse(req->arena, c->query, c->query_len, c->qnames, c->qvalues,
                                      HTTP_MAX_QUERY);
    }
    for (int i = 0; i < c->nquery; i++) {
        if (strcmp(c->qnames[i], name) == 0)
            return c->qvalues[i];
    }
    return NULL;
}

/* True when a Content-Type value names application/json, optionally followed
 * by parameters (";charset=utf-8"); the media type is case-insensitive. */
static bool is_json_type(const char *ct)
{
    static const char json[] = "application/json";
    if (ct == NULL)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, json, sizeof json - 1) != 0)
        return false;
    const char *rest = ct + sizeof json - 1;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return *rest == '\0' || *rest == ';';
}

int http_req_json(http_req *req, json_t **out, http_res *res)
{
    assert(out != NULL);
    *out = NULL;
    if (!is_json_type(http_req_header(req, "Content-Type"))) {
        http_res_error(res, 415, "unsupported_media_type",
                       "request body must be application/json");
        return EM_E_PARSE;
    }
    if (req->body == NULL || req->body_len == 0) {
        http_res_error(res, 400, "invalid_json", "request body is empty");
        return EM_E_PARSE;
    }
    /* The parser needs the text whole: a spooled body is loaded, within the
     * route's limit (the server enforced it while spooling). */
    const char *body = NULL;
    size_t len = 0;
    int rc = http_req_body_bytes(req, 0, &body, &len, res);
    if (rc != EM_OK)
        return rc;
    json_error_t jerr;
    /* Duplicate keys are refused: two readers of the same body must never see
     * different values. Nesting depth is bounded by jansson (2048) and size by
     * the server's body limit. */
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL) {
        http_res_error(res, 400, "invalid_json", "malformed JSON at line %d, column %d: %s",
                       jerr.line, jerr.column, jerr.text);
        return EM_E_PARSE;
    }
    *out = v;
    return EM_OK;
}

/* Read len bytes at offset of a spooled body into dst (pread, retried on
 * EINTR and short reads). */
static int spool_read(int fd, size_t offset, char *dst, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t got = pread(fd, dst + done, len - done, (off_t)(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            log_msg(LOG_ERROR, "http: cannot read a spooled request body: %s",
                    got < 0 ? strerror(errno) : "unexpected end of file");
            return EM_E_IO;
        }
        done += (size_t)got;
    }
    return EM_OK;
}

int http_req_body_read(const http_req *req, size_t offset, void *dst, size_t len)
{
    if (offset > req->body_len || len > req->body_len - offset)
        return EM_E_INVAL;
    if (len == 0)
        return EM_OK;
    if (req->body_fd < 0) {
        memcpy(dst, req->body + offset, len);
        return EM_OK;
    }
    return spool_read(req->body_fd, offset, dst, len);
}

int http_req_body_bytes(http_req *req, size_t max, const char **data, size_t *len, http_res *res)
{
    http__conn *c = req->conn;
    *data = "";
    *len = 0;
    if (max > 0 && req->body_len > max) {
        http_res_error(res, 413, "payload_too_large", "request body exceeds %zu bytes", max);
        return EM_E_TOO_LARGE;
    }
    if (req->body_fd >= 0 && req->body_len > 0 && (c == NULL || !c->body_loaded)) {
        char *copy = arena_alloc(req->arena, req->body_len + 1);
        if (spool_read(req->body_fd, 0, copy, req->body_len) != EM_OK) {
            http_res_error(res, 500, "internal", "the request body could not be read");
            return EM_E_IO;
        }
        copy[req->body_len] = '\0';
        req->body = copy;
        if (c != NULL)
            c->body_loaded = true;
    }
    *data = req->body != NULL ? req->body : "";
    *len = req->body_len;
    return EM_OK;
}

/* ---- spooling ---- */

void http__spool_dir(const char *dir, char out[HTTP_SPOOL_DIR_MAX])
{
    if (dir == NULL || dir[0] == '\0')
        dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0' || strlen(dir) >= HTTP_SPOOL_DIR_MAX - 32)
        dir = "/tmp";
    snprintf(out, HTTP_SPOOL_DIR_MAX, "%s", dir);
}

int http__spool_open(const char *dir)
{
    /* O_TMPFILE: the file never has a name, so nothing is left behind even
     * if the process dies. */
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char path[HTTP_SPOOL_DIR_MAX + 32];
    snprintf(path, sizeof path, "%s/exammentor-body-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        return -1;
    unlink(path);
    return fd;
}

int http__spool_write(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return EM_E_IO;
        }
        p += w;
        n -= (size_t)w;
    }
    return EM_OK;
}
