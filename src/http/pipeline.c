/* pipeline: the middleware every request goes through once its body is read,
 * shared by the real server (server.c) and in-process fake requests
 * (http_fake.c), so handler tests see exactly what clients see.
 *
 * Order: request id (done by the caller before the body is read, so early 413s
 * carry it too), CORS preflight, routing (404, 405 + Allow, OPTIONS), the
 * route's access (the site's authenticator, for every route that is not
 * public), the handler, then http__finish adds the headers every response
 * carries. The access-log line is written by the server when the response is
 * done. */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/jsonw.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "http/http.h"
#include "http/http_int.h"
#include "http/router.h"

/* The preflight answer: what browsers may send us cross-origin. */
#define CORS_ALLOW_METHODS "GET, POST, PUT, PATCH, DELETE, OPTIONS"
#define CORS_ALLOW_HEADERS "Authorization, Content-Type, X-Request-Id, X-CSRF-Token"
#define CORS_MAX_AGE "600"

#define SECURITY_CSP "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
#define SECURITY_HSTS "max-age=63072000; includeSubDomains"

/* Room for the Allow list of one path. */
#define ALLOW_MAX 256

bool http__request_id_valid(const char *s)
{
    if (s == NULL)
        return false;
    size_t n = 0;
    for (const char *p = s; *p != '\0'; p++, n++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '.' || ch == '_' || ch == '-';
        if (!ok || n >= HTTP_REQUEST_ID_MAX)
            return false;
    }
    return n >= 1;
}

void http__request_id(http_req *req, const char *given)
{
    if (http__request_id_valid(given)) {
        size_t n = strlen(given);
        memcpy(req->request_id, given, n + 1);
    } else {
        id_uuid7(req->request_id);
    }
}

bool http_site_cors_allows(const http_site *site, const char *origin)
{
    if (site == NULL || origin == NULL || *origin == '\0')
        return false;
    if (site->cors_any)
        return true;
    for (size_t i = 0; i < site->n_cors_origins; i++) {
        if (strcmp(site->cors_origins[i], origin) == 0)
            return true;
    }
    return false;
}

/* Answer a CORS preflight (OPTIONS with Origin and Access-Control-Request-
 * Method): 204 with what we allow, or 403 when the origin is not allowed. The
 * Allow-Origin/Credentials headers themselves are added by http__finish. */
static void preflight(const http_site *site, const char *origin, http_res *res)
{
    if (!http_site_cors_allows(site, origin)) {
        http_res_error(res, 403, "cors_forbidden", "origin not allowed");
        return;
    }
    http_res_body(res, 204, NULL, NULL, 0);
    http__res_header_static(res, "Access-Control-Allow-Methods", CORS_ALLOW_METHODS);
    http__res_header_static(res, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
    http__res_header_static(res, "Access-Control-Max-Age", CORS_MAX_AGE);
}

/* The Allow header's value: the router's list plus OPTIONS, which the server
 * answers itself on every known path. */
static const char *allow_with_options(arena *a, const char *allow)
{
    const char *p = allow;
    while ((p = strstr(p, "OPTIONS")) != NULL) {
        bool start = p == allow || p[-1] == ' ';
        bool end = p[7] == '\0' || p[7] == ',';
        if (start && end)
            return arena_strdup(a, allow);
        p += 7;
    }
    return arena_sprintf(a, "%s, OPTIONS", allow);
}

/* Whether the caller may use the route; false with the answer written. A
 * route that is not public on a site without an authenticator is a wiring
 * mistake: it fails closed. */
static bool access_granted(const http_site *site, const http_route *route, http_req *req, http_res *res)
{
    req->caller = NULL;
    if (route->access == HTTP_PUBLIC)
        return true;
    if (site->authenticate == NULL) {
        log_msg(LOG_ERROR, "http: %s %s needs an authenticator and the site has none", route->method,
                route->pattern);
        http_res_error(res, 500, "internal", "internal error");
        return false;
    }
    if (!site->authenticate(site->ctx, req, res, route->access, route->flags))
        return false;
    assert(req->caller != NULL);
    return true;
}

void http__pipeline_run(const http_site *site, http_req *req, http_res *res)
{
    const char *origin = http_req_header(req, "Origin");
    if (strcmp(req->method, "OPTIONS") == 0 && origin != NULL &&
        http_req_header(req, "Access-Control-Request-Method") != NULL) {
        preflight(site, origin, res);
        return;
    }

    char allow[ALLOW_MAX];
    const http_route *route = NULL;
    route_result rr = ROUTE_NOT_FOUND;
    req->ctx = site->ctx;
    if (site->routes != NULL)
        rr = router_match(site->routes, req->method, req->path, req->arena, &route, req->params,
                          &req->nparams, allow, sizeof allow);
    switch (rr) {
    case ROUTE_FOUND:
        if (!access_granted(site, route, req, res))
            break;
        route->handler(req, res);
        if (res->status == 0) {
            log_msg(LOG_ERROR, "http: handler for %s set no response (request_id %s)",
                    req->method, req->request_id);
            http_res_error(res, 500, "internal", "internal error");
        }
        break;
    case ROUTE_METHOD_NOT_ALLOWED:
        if (strcmp(req->method, "OPTIONS") == 0)
            http_res_body(res, 204, NULL, NULL, 0);
        else
            http_res_error(res, 405, "method_not_allowed", "method %s not allowed for %s",
                           req->method, req->path);
        http__res_header_static(res, "Allow", allow_with_options(req->arena, allow));
        break;
    case ROUTE_NOT_FOUND:
    default:
        http_res_error(res, 404, "not_found", "no route for %s %s", req->method, req->path);
        break;
    }
}

/* JSON bodies (and empty API answers) must not be cached by browsers or
 * proxies; anything else (static files) sets its own Cache-Control. */
static bool wants_no_store(const http_res *res)
{
    if (res->has_cache_control)
        return false;
    const char *ct = res->content_type;
    return ct == NULL || strncasecmp(ct, "application/json", 16) == 0 ||
           strncasecmp(ct, "application/x-ndjson", 20) == 0;
}

void http__finish(const http_site *site, const http_req *req, http_res *res, bool closing)
{
    if (res->content_type != NULL)
        http__res_header_static(res, "Content-Type", res->content_type);
    http__res_header_static(res, "X-Request-Id", req->request_id);
    http__res_header_static(res, "Content-Security-Policy", SECURITY_CSP);
    http__res_header_static(res, "X-Content-Type-Options", "nosniff");
    http__res_header_static(res, "Referrer-Policy", "strict-origin-when-cross-origin");
    http__res_header_static(res, "X-Frame-Options", "DENY");
    http__res_header_static(res, "Cross-Origin-Opener-Policy", "same-origin");
    if (site->hsts)
        http__res_header_static(res, "Strict-Transport-Security", SECURITY_HSTS);
    if (wants_no_store(res))
        http__res_header_static(res, "Cache-Control", "no-store");
    const char *origin = http_req_header(req, "Origin");
    if (origin != NULL) {
        /* The answer depends on Origin even when it is refused. */
        http__res_header_static(res, "Vary", "Origin");
        if (http_site_cors_allows(site, origin)) {
            /* Echo the origin: never "*" together with credentials. */
            http__res_header_static(res, "Access-Control-Allow-Origin", origin);
            http__res_header_static(res, "Access-Control-Allow-Credentials", "true");
        }
    }
    if (closing)
        http__res_header_static(res, "Connection", "close");
}

/* ---- the access log ---- */

/* Room kept after the path for the fixed-size fields that follow it. */
#define ACCESS_TAIL_ROOM 512

/* Append s at line[o], when it fits in cap with its NUL. */
static size_t put(char *line, size_t cap, size_t o, const char *s)
{
    size_t n = strlen(s);
    if (cap - 1 - o < n)
        return o;
    memcpy(line + o, s, n + 1);
    return o + n;
}

size_t http__access_format(char *line, size_t cap, const char *ts, const char *method,
                           const char *path, int status, uint64_t bytes, int64_t duration_us,
                           const char *request_id)
{
    char num[96];
    size_t o = 0;
    assert(cap >= 2 * ACCESS_TAIL_ROOM);
    if (duration_us < 0)
        duration_us = 0;
    line[0] = '\0';
    o = put(line, cap, o, "{\"ts\":\"");
    o += json_escape(line + o, cap - o, ts, strlen(ts), NULL);
    o = put(line, cap, o, "\",\"level\":\"info\",\"msg\":\"request\",\"method\":\"");
    o += json_escape(line + o, 64, method, strlen(method), NULL);
    o = put(line, cap, o, "\",\"path\":\"");
    o += json_escape(line + o, cap - ACCESS_TAIL_ROOM - o, path, strlen(path), NULL);
    snprintf(num, sizeof num, "\",\"status\":%d,\"bytes\":%llu,\"duration_ms\":%lld.%03lld,", status,
             (unsigned long long)bytes, (long long)(duration_us / 1000),
             (long long)(duration_us % 1000));
    o = put(line, cap, o, num);
    o = put(line, cap, o, "\"request_id\":\"");
    /* A request id is at most 128 safe characters (or a UUID). */
    o += json_escape(line + o, cap - 3 - o, request_id, strnlen(request_id, HTTP_REQUEST_ID_MAX), NULL);
    o = put(line, cap, o, "\"}");
    return o;
}

void http__access_log(const char *method, const char *path, int status, uint64_t bytes,
                      int64_t duration_us, const char *request_id)
{
    if (!log_enabled(LOG_INFO))
        return;
    char line[HTTP_ACCESS_LINE_MAX];
    char ts[32];
    clock_iso8601(clock_now_ms(), ts);
    size_t n = http__access_format(line, sizeof line, ts, method, path, status, bytes, duration_us,
                                   request_id);
    log_write_line(LOG_INFO, line, n);
}
