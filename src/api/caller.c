/* caller: who is calling. The site's authenticator (access tokens from the
 * Authorization header or the web UI's cookies, the CSRF check for cookie
 * sessions, admin-only routes), and the session cookies themselves. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api/api.h"
#include "auth/ratelimit.h"
#include "core/clock.h"

/* State-changing methods need the CSRF header when the session is a cookie. */
static bool changes_state(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "OPTIONS") != 0;
}

bool api_csrf_ok(http_req *req)
{
    const char *cookie = http_req_cookie(req, API_COOKIE_CSRF);
    const char *header = http_req_header(req, "X-CSRF-Token");
    if (cookie == NULL || header == NULL)
        return false;
    size_t n = strlen(cookie);
    return n >= 16 && n == strlen(header) && sodium_memcmp(cookie, header, n) == 0;
}

static bool unauthorized(http_res *res, const char *challenge, const char *msg)
{
    http_res_header(res, "WWW-Authenticate", challenge);
    http_res_error(res, 401, "unauthorized", "%s", msg);
    return false;
}

/* Count a metered call against the account; false with the 429 written when
 * its budget for the window is spent. */
static bool within_budget(api_ctx *c, http_req *req, http_res *res, const char *user_id)
{
    int64_t now = c->now_ms != NULL ? c->now_ms() : clock_now_ms();
    char key[64];
    snprintf(key, sizeof key, "work:%s", user_id);
    int wait_s = 0;
    if (ratelimit_hit(c->work_meter, key, now, &wait_s))
        return true;
    char secs[16];
    snprintf(secs, sizeof secs, "%d", wait_s);
    http_res_header(res, "Retry-After", secs);
    http_res_error(res, 429, "rate_limited",
                   "too many requests that make the server work (answers, quizzes, plans, uploads) "
                   "from this account: try again in %d s",
                   wait_s);
    return false;
}

bool api_authenticate(void *ctx, http_req *req, http_res *res, http_access access, unsigned route_flags)
{
    api_ctx *c = ctx;
    const char *token = http_req_bearer(req);
    bool from_cookie = false;
    if (token == NULL && http_req_header(req, "Authorization") == NULL) {
        token = http_req_cookie(req, API_COOKIE_ACCESS);
        from_cookie = token != NULL;
    }
    if (token == NULL)
        return unauthorized(res, "Bearer", "authentication required");
    api_caller *caller = arena_calloc(req->arena, sizeof *caller);
    db *d = api_db(req, res);
    if (d == NULL)
        return false;
    em_error err = {0};
    int rc = accounts_authenticate(c->accounts, d, token, &caller->who, &caller->account, &err);
    if (rc == EM_E_DENIED)
        return unauthorized(res, "Bearer error=\"invalid_token\"", err.msg);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return false;
    }
    if (from_cookie && changes_state(req->method) && !api_csrf_ok(req)) {
        http_res_error(res, 403, "csrf_failed", "missing or wrong X-CSRF-Token header");
        return false;
    }
    if (access == HTTP_ADMIN && strcmp(caller->who.role, "admin") != 0) {
        http_res_error(res, 404, "not_found", "no route for %s %s", req->method, req->path);
        return false;
    }
    if ((route_flags & ROUTE_METERED) && c->work_meter != NULL &&
        !within_budget(c, req, res, caller->who.user_id))
        return false;
    caller->via_cookie = from_cookie;
    req->caller = caller;
    return true;
}

const api_caller *api_caller_of(const http_req *req)
{
    return req->caller;
}

void api_set_auth_cookies(http_req *req, http_res *res, const char *access, const char *refresh)
{
    api_ctx *c = req->ctx;
    const accounts_settings *s = accounts_settings_of(c->accounts);
    bool clear = access == NULL;
    char csrf[REFRESH_TOKEN_LEN + 1] = "";
    if (!clear)
        token_new_csrf(csrf);
    http_cookie_opts access_opts = {.max_age_s = clear ? -1 : s->access_ttl_s, .http_only = true,
                                    .secure = c->secure_cookies, .same_site = "Lax", .path = "/"};
    http_cookie_opts refresh_opts = {.max_age_s = clear ? -1 : s->refresh_ttl_days * 86400, .http_only = true,
                                     .secure = c->secure_cookies, .same_site = "Lax", .path = "/api/auth"};
    /* The CSRF cookie is readable by the page's script, which echoes it in the
     * X-CSRF-Token header: a cross-site form cannot read it, so cannot echo it. */
    http_cookie_opts csrf_opts = {.max_age_s = clear ? -1 : s->refresh_ttl_days * 86400, .http_only = false,
                                  .secure = c->secure_cookies, .same_site = "Lax", .path = "/"};
    http_res_set_cookie(res, API_COOKIE_ACCESS, clear ? "" : access, &access_opts);
    http_res_set_cookie(res, API_COOKIE_REFRESH, clear ? "" : refresh, &refresh_opts);
    http_res_set_cookie(res, API_COOKIE_CSRF, csrf, &csrf_opts);
}
