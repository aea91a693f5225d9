/* The web UI: its files under /assets/<bundle hash>/<path> (cached for good
 * when compiled in, gzip when the client takes it, ETag and 304), and
 * index.html for / and for every other GET path that is not the API's, so
 * the UI's History API routes (/materials/12) load the app. In index.html
 * "/assets/" becomes "/assets/<bundle hash>/", so the page always names the
 * files of the bundle it came with. */
#include <string.h>

#include "api/api.h"
#include "core/buf.h"
#include "web/negotiate.h"
#include "web/store.h"

#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define CACHE_REVALIDATE "no-cache"
/* Largest index.html after rewriting (the page is a shell of a few KiB). */
#define PAGE_MAX (4u << 20)

/* The answer of a route that does not exist, word for word (pipeline.c). */
static void no_route(http_req *req, http_res *res)
{
    http_res_error(res, 404, "not_found", "no route for %s %s", req->method, req->path);
}

/* A file the store does not have (the route itself exists). */
static void no_file(http_res *res)
{
    http_res_error(res, 404, "not_found", "no such file");
}

/* Whether `path` is `prefix` itself or under it ("/api", "/api/..."). */
static bool under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

void api_web_asset(http_req *req, http_res *res)
{
    const api_ctx *c = req->ctx;
    const char *hash = http_req_param(req, "hash");
    /* Another bundle's hash is a 404, never this bundle's file: a page of
     * an older build must not run with newer scripts cached for good. */
    if (c->web == NULL || hash == NULL || strcmp(hash, webstore_hash(c->web)) != 0) {
        no_file(res);
        return;
    }
    asset a;
    em_error err = {0};
    int rc = webstore_get(c->web, http_req_param(req, "path"), req->arena, &a, &err);
    if (rc == EM_E_NOT_FOUND) {
        no_file(res);
        return;
    }
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    bool gz = a.gz != NULL && negotiate_accepts_gzip(http_req_header(req, "Accept-Encoding"));
    const char *etag = gz ? a.etag_gz : a.etag;
    http_res_header(res, "Cache-Control", webstore_immutable(c->web) ? CACHE_IMMUTABLE : CACHE_REVALIDATE);
    http_res_header(res, "ETag", etag);
    if (a.gz != NULL)
        http_res_header(res, "Vary", "Accept-Encoding");
    if (negotiate_etag_matches(http_req_header(req, "If-None-Match"), etag)) {
        http_res_body(res, 304, NULL, NULL, 0);
        return;
    }
    if (gz) {
        http_res_header(res, "Content-Encoding", "gzip");
        http_res_body(res, 200, a.content_type, (const char *)a.gz, a.gz_len);
    } else {
        http_res_body(res, 200, a.content_type, (const char *)a.data, a.len);
    }
}

void api_web_page(http_req *req, http_res *res)
{
    const api_ctx *c = req->ctx;
    if (under(req->path, "/api") || under(req->path, "/assets")) {
        no_route(req, res);
        return;
    }
    if (c->web == NULL) {
        http_res_error(res, 404, "not_found", "no web UI is served here");
        return;
    }
    asset a;
    em_error err = {0};
    int rc = webstore_get(c->web, "index.html", req->arena, &a, &err);
    if (rc == EM_E_NOT_FOUND) { /* a build without the UI */
        http_res_error(res, 404, "not_found", "no web UI is served here (no index.html)");
        return;
    }
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    const char *prefix = arena_sprintf(req->arena, "/assets/%s/", webstore_hash(c->web));
    buf page;
    buf_init(&page, PAGE_MAX);
    const char *p = (const char *)a.data, *end = p + a.len;
    rc = EM_OK;
    while (rc == EM_OK && p < end) {
        const char *hit = memmem(p, (size_t)(end - p), "/assets/", 8);
        if (hit == NULL) {
            rc = buf_append(&page, p, (size_t)(end - p));
            break;
        }
        rc = buf_append(&page, p, (size_t)(hit - p));
        if (rc == EM_OK)
            rc = buf_append_str(&page, prefix);
        p = hit + 8;
    }
    if (rc != EM_OK) {
        buf_cleanup(&page);
        http_res_error(res, 500, "internal", "index.html is too large");
        return;
    }
    http_res_header(res, "Cache-Control", CACHE_REVALIDATE);
    http_res_body(res, 200, a.content_type, page.data, page.len);
    buf_cleanup(&page);
}
