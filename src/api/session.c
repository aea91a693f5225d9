/* Who is calling: access tokens from the Authorization header or the web UI's
 * cookies, the CSRF check for cookie sessions, the auth cookies themselves, and
 * the per-IP / per-account attempt limits of the auth endpoints. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api/api.h"
#include "auth/authz.h"
#include "auth/users.h"
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

bool api_authenticate(http_req *req, http_res *res, principal *who)
{
    user u;
    return api_authenticate_user(req, res, who, &u);
}

bool api_authenticate_user(http_req *req, http_res *res, principal *who, user *account)
{
    app *a = req->app;
    const char *token = http_req_bearer(req);
    bool from_cookie = false;
    if (token == NULL && http_req_header(req, "Authorization") == NULL) {
        token = http_req_cookie(req, API_COOKIE_ACCESS);
        from_cookie = token != NULL;
    }
    if (token == NULL) {
        http_res_header(res, "WWW-Authenticate", "Bearer");
        http_res_error(res, 401, "unauthorized", "authentication required");
        return false;
    }
    em_error err = {0};
    principal claimed;
    if (token_verify_access(a->cfg.secret_key, token, clock_now_ms() / 1000, &claimed, &err) != EM_OK) {
        http_res_header(res, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        http_res_error(res, 401, "unauthorized", "%s", err.msg[0] ? err.msg : "invalid token");
        return false;
    }
    if (from_cookie && changes_state(req->method) && !api_csrf_ok(req)) {
        http_res_error(res, 403, "csrf_failed", "missing or wrong X-CSRF-Token header");
        return false;
    }
    /* The account as it is now: a deactivation or a role change takes effect at
     * once, not when the token expires. */
    db *d = api_db(req, res);
    if (d == NULL)
        return false;
    user *u = account;
    int rc = users_get_by_id(d, claimed.user_id, u, &err);
    if (rc == EM_E_NOT_FOUND || (rc == EM_OK && !u->is_active)) {
        http_res_header(res, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        http_res_error(res, 401, "unauthorized", "the account is not active");
        return false;
    }
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        return false;
    }
    *who = claimed;
    snprintf(who->role, sizeof who->role, "%s", u->role);
    return true;
}

bool api_require_admin(http_req *req, http_res *res, principal *who)
{
    if (!api_authenticate(req, res, who))
        return false;
    if (!authz_is_admin(who)) {
        http_res_error(res, 404, "not_found", "no route for %s %s", req->method, req->path);
        return false;
    }
    return true;
}

bool api_rate_limited(http_req *req, http_res *res, const char *action, const char *account)
{
    app *a = req->app;
    char key[EMAIL_MAX + 64];
    int retry = 0, wait = 0;
    int64_t now = clock_now_ms();
    snprintf(key, sizeof key, "%s:ip:%s", action, http_req_client_ip(req));
    bool limited = !ratelimit_hit(a->auth_limits, key, now, &retry);
    if (account != NULL && account[0] != '\0') {
        snprintf(key, sizeof key, "%s:acct:%s", action, account);
        if (!ratelimit_hit(a->auth_limits, key, now, &wait)) {
            limited = true;
            retry = wait > retry ? wait : retry;
        }
    }
    if (!limited)
        return false;
    char secs[16];
    snprintf(secs, sizeof secs, "%d", retry);
    http_res_header(res, "Retry-After", secs);
    http_res_error(res, 429, "rate_limited", "too many attempts; try again in %d s", retry);
    return true;
}

void api_rate_reset(http_req *req, const char *action, const char *account)
{
    app *a = req->app;
    char key[EMAIL_MAX + 64];
    snprintf(key, sizeof key, "%s:acct:%s", action, account);
    ratelimit_reset(a->auth_limits, key);
}

void api_set_auth_cookies(http_req *req, http_res *res, const char *access, const char *refresh)
{
    app *a = req->app;
    bool secure = a->cfg.environment != ENV_LOCAL;
    bool clear = access == NULL;
    char csrf[REFRESH_TOKEN_LEN + 1] = "";
    if (!clear)
        token_new_csrf(csrf);
    http_cookie_opts access_opts = {.max_age_s = clear ? -1 : a->cfg.access_token_minutes * 60,
                                    .http_only = true, .secure = secure, .same_site = "Lax", .path = "/"};
    http_cookie_opts refresh_opts = {.max_age_s = clear ? -1 : a->cfg.refresh_token_days * 86400,
                                     .http_only = true, .secure = secure, .same_site = "Lax",
                                     .path = "/api/auth"};
    /* The CSRF cookie is readable by the page's script, which echoes it in the
     * X-CSRF-Token header: a cross-site form cannot read it, so cannot echo it. */
    http_cookie_opts csrf_opts = {.max_age_s = clear ? -1 : a->cfg.refresh_token_days * 86400,
                                  .http_only = false, .secure = secure, .same_site = "Lax", .path = "/"};
    http_res_set_cookie(res, API_COOKIE_ACCESS, clear ? "" : access, &access_opts);
    http_res_set_cookie(res, API_COOKIE_REFRESH, clear ? "" : refresh, &refresh_opts);
    http_res_set_cookie(res, API_COOKIE_CSRF, csrf, &csrf_opts);
}

void api_db_error(http_res *res, int rc, const em_error *err)
{
    const char *code = NULL;
    int status = http_status_for(rc, &code);
    http_res_error(res, status, code, "%s", err != NULL && err->msg[0] ? err->msg : em_strerror(rc));
}
