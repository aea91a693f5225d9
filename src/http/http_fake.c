/* http_fake: see http_fake.h. A fake request owns one arena holding the
 * request, its strings and the response headers, like a real one. */
#include "http/http_fake.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/mem.h"
#include "core/log.h"
#include "http/http_int.h"

struct http_fake {
    arena *arena;       /* owned */
    http_req req;
    http_res res;
    http__conn conn;
    int spool_fd;       /* owned: the spooled body (http_fake_spool_body), -1 when none */
};

http_fake *http_fake_new(const char *method, const char *target, const char *const *headers,
                         const char *body, size_t body_len)
{
    arena *a = arena_new(0);
    http_fake *f = arena_calloc(a, sizeof *f);
    f->arena = a;
    size_t tlen = strlen(target);
    const char *q = memchr(target, '?', tlen);
    size_t plen = q != NULL ? (size_t)(q - target) : tlen;

    http__conn_init(&f->conn);
    f->conn.fake_headers = headers;
    http_fake_set_peer(f, "127.0.0.1");
    if (q != NULL) {
        f->conn.query_len = tlen - plen - 1;
        f->conn.query = arena_strndup(a, q + 1, f->conn.query_len);
    }
    f->req.method = arena_strdup(a, method);
    f->req.path = arena_strndup(a, target, plen);
    f->req.arena = a;
    char *b = arena_alloc(a, body_len + 1);
    if (body_len > 0)
        memcpy(b, body, body_len);
    b[body_len] = '\0';
    f->req.body = b;
    f->req.body_len = body_len;
    f->req.body_fd = -1;
    f->spool_fd = -1;
    f->req.conn = &f->conn;
    http__request_id(&f->req, http_req_header(&f->req, "X-Request-Id"));
    http__res_init(&f->res, a);
    return f;
}

void http_fake_free(http_fake *f)
{
    if (f == NULL)
        return;
    http__res_cleanup(&f->res);
    if (f->spool_fd >= 0)
        close(f->spool_fd);
    arena_free(f->arena); /* f itself lives in the arena */
}

http_req *http_fake_req(http_fake *f)
{
    return &f->req;
}

http_res *http_fake_res(http_fake *f)
{
    return &f->res;
}

void http_fake_set_peer(http_fake *f, const char *ip)
{
    size_t n = ip != NULL ? strlen(ip) : 0;
    assert(n < sizeof f->conn.peer);
    if (n >= sizeof f->conn.peer)
        n = 0; /* too long to be an address: unknown */
    memcpy(f->conn.peer, ip != NULL ? ip : "", n);
    f->conn.peer[n] = '\0';
}

void http_fake_set_trust_proxy(http_fake *f, bool on)
{
    f->conn.trust_proxy = on;
}

int http_fake_spool_body(http_fake *f)
{
    if (f->spool_fd >= 0)
        return EM_OK;
    char dir[HTTP_SPOOL_DIR_MAX];
    http__spool_dir(NULL, dir);
    int fd = http__spool_open(dir);
    if (fd < 0 || http__spool_write(fd, f->req.body, f->req.body_len) != EM_OK) {
        log_msg(LOG_ERROR, "http_fake: cannot spool a request body in %s: %s", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return EM_E_IO;
    }
    f->spool_fd = fd;
    f->req.body = "";
    f->req.body_fd = fd;
    return EM_OK;
}

/* A file body (http_res_file) is read into the response, as a client would
 * receive it; the fd is closed. Unreadable: the test sees a 500. */
static void take_file_body(http_fake *f)
{
    http_res *res = &f->res;
    if (res->file_fd < 0)
        return;
    int fd = res->file_fd;
    size_t size = (size_t)res->file_size;
    res->file_fd = -1;
    char *data = em_malloc(size > 0 ? size : 1);
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, data + got, size - got, (off_t)got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    free(res->body);
    res->body = data;
    res->body_len = got;
    if (got != size)
        res->status = 500;
}

void http_fake_run(http_fake *f, const http_site *site)
{
    /* As the server does: a body for a ROUTE_UPLOAD route is spooled. */
    const http_route *route = site->routes != NULL ? router_lookup(site->routes, f->req.method, f->req.path) : NULL;
    if (route != NULL && (route->flags & ROUTE_UPLOAD) != 0 && f->req.body_len > 0 &&
        http_fake_spool_body(f) != EM_OK) {
        http_res_error(&f->res, 503, "unavailable", "the request body cannot be stored right now");
        http__finish(site, &f->req, &f->res, false);
        return;
    }
    http__pipeline_run(site, &f->req, &f->res);
    http__finish(site, &f->req, &f->res, false);
    take_file_body(f);
}

int http_fake_status(const http_fake *f)
{
    return f->res.status;
}

const char *http_fake_body(http_fake *f, size_t *len)
{
    if (f->res.stream != NULL)
        return http__stream_collected(f->res.stream, f->arena, len);
    if (len != NULL)
        *len = f->res.body_len;
    if (f->res.body == NULL)
        return "";
    /* The body is not NUL-terminated in general: hand out a terminated copy. */
    char *copy = arena_alloc(f->arena, f->res.body_len + 1);
    memcpy(copy, f->res.body, f->res.body_len);
    copy[f->res.body_len] = '\0';
    return copy;
}

const char *http_fake_header(const http_fake *f, const char *name)
{
    if (strcasecmp(name, "Content-Type") == 0 && f->res.content_type != NULL)
        return f->res.content_type;
    return http__res_header_get(&f->res, name);
}

bool http_fake_streamed(const http_fake *f)
{
    return f->res.stream != NULL;
}

int http_fake_wait_stream(http_fake *f, int timeout_ms, bool *ok)
{
    if (ok != NULL)
        *ok = false;
    if (f->res.stream == NULL)
        return EM_E_INVAL;
    return http__stream_wait_end(f->res.stream, timeout_ms, ok);
}

void http_fake_disconnect(http_fake *f)
{
    if (f->res.stream != NULL)
        http__stream_close(f->res.stream);
}
