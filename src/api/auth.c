/* POST /api/auth/register, /login, /refresh, /logout. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/audit.h"
#include "auth/sessions.h"
#include "auth/users.h"
#include "core/clock.h"
#include "core/log.h"

/* A hash of a random password, so an unknown email costs the same verify time
 * as a known one (no timing oracle for which emails have accounts). Made once. */
static char dummy_hash[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static password_cost dummy_cost;

static void make_dummy_hash(void)
{
    char random_pw[REFRESH_TOKEN_LEN + 1];
    token_new_refresh(random_pw);
    if (password_hash(random_pw, dummy_cost, dummy_hash) != EM_OK)
        dummy_hash[0] = '\0';
}

json_t *api_user_json(const user *u)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "id", u->id, "email", u->email,
                     "display_name", u->display_name, "role", u->role, "is_active", u->is_active,
                     "created_at", u->created_at, "updated_at", u->updated_at);
}

/* Issue an access token and start (or continue) a session, answering with the
 * token pair, the user, and the web UI's cookies. `refresh` is the already
 * rotated token on /refresh, NULL to start a new family. */
static void answer_tokens(http_req *req, http_res *res, db *d, const user *u, const char *refresh, int status)
{
    app *a = req->app;
    em_error err = {0};
    char fresh[REFRESH_TOKEN_LEN + 1];
    int64_t now = clock_now_ms();
    if (refresh == NULL) {
        int rc = session_start(d, u->id, now, a->cfg.refresh_token_days, fresh, &err);
        if (rc != EM_OK) {
            api_db_error(res, rc, &err);
            return;
        }
        refresh = fresh;
    }
    char *access = NULL;
    int ttl = a->cfg.access_token_minutes * 60;
    if (token_issue_access(a->cfg.secret_key, u->id, u->role, now / 1000, ttl, &access, &err) != EM_OK) {
        log_msg(LOG_ERROR, "auth: cannot issue an access token: %s", err.msg);
        http_res_error(res, 500, "internal", "internal error");
        return;
    }
    api_set_auth_cookies(req, res, access, refresh);
    http_res_json(res, status,
                  json_pack("{s:s, s:s, s:i, s:s, s:o}", "access_token", access, "token_type", "bearer",
                            "expires_in", ttl, "refresh_token", refresh, "user", api_user_json(u)));
    free(access);
}

/* The string member `name` of a JSON object, or NULL. */
static const char *member(json_t *body, const char *name)
{
    return json_string_value(json_object_get(body, name));
}

void api_auth_register(http_req *req, http_res *res)
{
    app *a = req->app;
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    em_error err = {0};
    char email[EMAIL_MAX + 1];
    const char *raw_email = member(body, "email");
    const char *password = member(body, "password");
    const char *name = member(body, "display_name");
    if (!json_is_object(body) || raw_email == NULL || password == NULL) {
        http_res_error(res, 422, "validation_error", "email and password are required");
        goto out;
    }
    if (email_normalize(raw_email, email, &err) != EM_OK) {
        http_res_error(res, 422, "validation_error", "%s", err.msg);
        goto out;
    }
    if (api_rate_limited(req, res, "register", email))
        goto out;
    if (name != NULL && strlen(name) > USER_NAME_MAX) {
        http_res_error(res, 422, "validation_error", "display_name is longer than %d bytes", USER_NAME_MAX);
        goto out;
    }
    if (password_check_policy(password, email, &err) != EM_OK) {
        http_res_error(res, 422, "weak_password", "%s", err.msg);
        goto out;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        goto out;
    char hash[PASSWORD_HASH_MAX];
    int rc = password_hash(password, a->pw_cost, hash);
    if (rc != EM_OK) {
        http_res_error(res, 503, "busy", "the server cannot hash passwords right now");
        goto out;
    }
    user u;
    rc = users_create(d, email, hash, name, "student", &u, &err);
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        goto out;
    }
    audit_record(d, "register", u.id, NULL, http_req_client_ip(req), NULL);
    answer_tokens(req, res, d, &u, NULL, 201);
out:
    json_decref(body);
}

void api_auth_login(http_req *req, http_res *res)
{
    app *a = req->app;
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    em_error err = {0};
    const char *raw_email = member(body, "email");
    const char *password = member(body, "password");
    char email[EMAIL_MAX + 1];
    if (!json_is_object(body) || raw_email == NULL || password == NULL) {
        http_res_error(res, 422, "validation_error", "email and password are required");
        goto out;
    }
    if (email_normalize(raw_email, email, &err) != EM_OK)
        snprintf(email, sizeof email, "%.*s", EMAIL_MAX, raw_email); /* still limited per "account" */
    if (api_rate_limited(req, res, "login", email))
        goto out;
    db *d = api_db(req, res);
    if (d == NULL)
        goto out;
    user u;
    int rc = users_get_by_email(d, email, &u, &err);
    if (rc != EM_OK && rc != EM_E_NOT_FOUND) {
        api_db_error(res, rc, &err);
        goto out;
    }
    bool ok;
    if (rc == EM_OK && u.password_hash[0] != '\0') {
        ok = password_verify(u.password_hash, password);
    } else {
        dummy_cost = a->pw_cost;
        pthread_once(&dummy_once, make_dummy_hash);
        password_verify(dummy_hash, password); /* same cost as a real check */
        ok = false;
    }
    const char *ip = http_req_client_ip(req);
    if (!ok) {
        audit_record(d, "login_failed", rc == EM_OK ? u.id : NULL, NULL, ip,
                     json_pack("{s:s, s:s}", "email", email, "reason",
                               rc == EM_OK ? "wrong password" : "unknown email"));
        http_res_header(res, "WWW-Authenticate", "Bearer");
        http_res_error(res, 401, "invalid_credentials", "incorrect email or password");
        goto out;
    }
    if (!u.is_active) {
        audit_record(d, "login_failed", u.id, NULL, ip, json_pack("{s:s}", "reason", "account disabled"));
        http_res_error(res, 403, "account_disabled", "this account is disabled");
        goto out;
    }
    api_rate_reset(req, "login", email);
    if (password_needs_rehash(u.password_hash, a->pw_cost)) {
        char hash[PASSWORD_HASH_MAX];
        if (password_hash(password, a->pw_cost, hash) == EM_OK)
            users_set_password(d, u.id, hash, &err); /* best effort: the login stands either way */
    }
    audit_record(d, "login_ok", u.id, NULL, ip, NULL);
    answer_tokens(req, res, d, &u, NULL, 200);
out:
    json_decref(body);
}

/* The refresh token of a request: the JSON body's "refresh_token", else the
 * em_refresh cookie (which, being sent by the browser on its own, needs the
 * CSRF header). NULL with the response written when neither is usable. */
static const char *presented_refresh(http_req *req, http_res *res, json_t **body)
{
    *body = NULL;
    if (req->body_len > 0) {
        if (http_req_json(req, body, res) != EM_OK)
            return NULL;
        const char *t = member(*body, "refresh_token");
        if (t != NULL)
            return t;
    }
    const char *cookie = http_req_cookie(req, API_COOKIE_REFRESH);
    if (cookie != NULL && cookie[0] != '\0') {
        if (!api_csrf_ok(req)) {
            http_res_error(res, 403, "csrf_failed", "missing or wrong X-CSRF-Token header");
            return NULL;
        }
        return cookie;
    }
    http_res_error(res, 422, "validation_error", "refresh_token is required");
    return NULL;
}

void api_auth_refresh(http_req *req, http_res *res)
{
    app *a = req->app;
    json_t *body = NULL;
    const char *presented = presented_refresh(req, res, &body);
    if (presented == NULL)
        goto out;
    db *d = api_db(req, res);
    if (d == NULL)
        goto out;
    em_error err = {0};
    char fresh[REFRESH_TOKEN_LEN + 1], user_id[37] = "";
    /* Limited per IP and per account (the token's owner, when it has one). */
    int known = session_owner(d, presented, user_id, &err);
    if (known != EM_OK && known != EM_E_NOT_FOUND) {
        api_db_error(res, known, &err);
        goto out;
    }
    if (api_rate_limited(req, res, "refresh", known == EM_OK ? user_id : NULL))
        goto out;
    int64_t now = clock_now_ms();
    int rc = session_rotate(d, presented, now, a->cfg.refresh_token_days, fresh, user_id, &err);
    if (rc == EM_E_CONFLICT) {
        audit_record(d, "token_reuse", user_id, NULL, http_req_client_ip(req), NULL);
        api_set_auth_cookies(req, res, NULL, NULL);
        http_res_error(res, 401, "token_reused", "this refresh token was already used: the session is revoked");
        goto out;
    }
    if (rc == EM_E_NOT_FOUND) {
        http_res_error(res, 401, "invalid_token", "invalid or expired refresh token");
        goto out;
    }
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        goto out;
    }
    user u;
    rc = users_get_by_id(d, user_id, &u, &err);
    if (rc != EM_OK || !u.is_active) {
        session_revoke_user(d, user_id, now, &err);
        http_res_error(res, 401, "invalid_token", "the account is not active");
        goto out;
    }
    answer_tokens(req, res, d, &u, fresh, 200);
out:
    json_decref(body);
}

void api_auth_logout(http_req *req, http_res *res)
{
    json_t *body = NULL;
    const char *presented = presented_refresh(req, res, &body);
    if (presented == NULL)
        goto out;
    db *d = api_db(req, res);
    if (d == NULL)
        goto out;
    em_error err = {0};
    char user_id[37] = "";
    int rc = session_revoke(d, presented, clock_now_ms(), user_id, &err);
    if (rc != EM_OK && rc != EM_E_NOT_FOUND) {
        api_db_error(res, rc, &err);
        goto out;
    }
    if (rc == EM_OK)
        audit_record(d, "logout", user_id, NULL, http_req_client_ip(req), NULL);
    /* An unknown token still ends the browser's session: logout is idempotent. */
    api_set_auth_cookies(req, res, NULL, NULL);
    http_res_body(res, 204, NULL, NULL, 0);
out:
    json_decref(body);
}
