/* POST /api/auth/register, /login, /refresh, /logout: the account use cases
 * (auth/accounts.h) behind JSON and the web UI's cookies. */
#include <string.h>

#include "api/api.h"

/* The string member `name` of a JSON object, or NULL. */
static const char *member(json_t *body, const char *name)
{
    return json_string_value(json_object_get(body, name));
}

/* Answer with the token pair, the user, and the web UI's cookies. */
static void answer_tokens(http_req *req, http_res *res, const account_tokens *t, int status)
{
    api_set_auth_cookies(req, res, t->access, t->refresh);
    http_res_json(res, status,
                  json_pack("{s:s, s:s, s:i, s:s, s:o}", "access_token", t->access, "token_type", "bearer",
                            "expires_in", t->expires_in, "refresh_token", t->refresh, "user",
                            api_user_json(&t->user)));
}

void api_auth_register(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    const char *email = member(body, "email");
    const char *password = member(body, "password");
    json_t *name = json_object_get(body, "display_name");
    db *d = NULL;
    if (!json_is_object(body) || email == NULL || password == NULL) {
        http_res_error(res, 422, "validation_error", "email and password are required");
    } else if (name != NULL && !json_is_null(name) && !json_is_string(name)) {
        http_res_error(res, 422, "validation_error", "display_name must be a string");
    } else if ((d = api_db(req, res)) != NULL) {
        account_tokens t;
        em_error err = {0};
        int rc = accounts_register(c->accounts, d, email, password, member(body, "display_name"),
                                   http_req_client_ip(req), &t, &err);
        if (rc != EM_OK)
            api_error(res, rc, &err);
        else
            answer_tokens(req, res, &t, 201);
    }
    json_decref(body);
}

void api_auth_login(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    const char *email = member(body, "email");
    const char *password = member(body, "password");
    db *d = NULL;
    if (!json_is_object(body) || email == NULL || password == NULL) {
        http_res_error(res, 422, "validation_error", "email and password are required");
    } else if ((d = api_db(req, res)) != NULL) {
        account_tokens t;
        em_error err = {0};
        int rc = accounts_login(c->accounts, d, email, password, http_req_client_ip(req), &t, &err);
        if (rc != EM_OK)
            api_error(res, rc, &err);
        else
            answer_tokens(req, res, &t, 200);
    }
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
    api_ctx *c = req->ctx;
    json_t *body = NULL;
    const char *presented = presented_refresh(req, res, &body);
    db *d = presented != NULL ? api_db(req, res) : NULL;
    if (d != NULL) {
        account_tokens t;
        em_error err = {0};
        int rc = accounts_refresh(c->accounts, d, presented, http_req_client_ip(req), &t, &err);
        if (rc == EM_OK) {
            answer_tokens(req, res, &t, 200);
        } else {
            /* A reused token has ended the browser's session too. */
            if (err.reason != NULL && strcmp(err.reason, ACCOUNTS_TOKEN_REUSED) == 0)
                api_set_auth_cookies(req, res, NULL, NULL);
            api_error(res, rc, &err);
        }
    }
    json_decref(body);
}

void api_auth_logout(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    json_t *body = NULL;
    const char *presented = presented_refresh(req, res, &body);
    db *d = presented != NULL ? api_db(req, res) : NULL;
    if (d != NULL) {
        em_error err = {0};
        int rc = accounts_logout(c->accounts, d, presented, http_req_client_ip(req), &err);
        if (rc != EM_OK) {
            api_error(res, rc, &err);
        } else {
            /* An unknown token still ends the browser's session: logout is idempotent. */
            api_set_auth_cookies(req, res, NULL, NULL);
            http_res_body(res, 204, NULL, NULL, 0);
        }
    }
    json_decref(body);
}
