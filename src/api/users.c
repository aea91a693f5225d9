/* GET/PATCH /api/users/me and POST /api/users/me/password. */
#include <string.h>

#include "api/api.h"
#include "auth/audit.h"
#include "auth/sessions.h"
#include "core/clock.h"

void api_users_me(http_req *req, http_res *res)
{
    principal who;
    user u;
    if (api_authenticate_user(req, res, &who, &u))
        http_res_json(res, 200, api_user_json(&u));
}

void api_users_me_update(http_req *req, http_res *res)
{
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    em_error err = {0};
    json_t *name = json_object_get(body, "display_name");
    json_t *email = json_object_get(body, "email");
    char norm[EMAIL_MAX + 1];
    if (!json_is_object(body) || (name == NULL && email == NULL)) {
        http_res_error(res, 422, "validation_error", "give display_name and/or email");
        goto out;
    }
    if (name != NULL && (!json_is_string(name) || strlen(json_string_value(name)) > USER_NAME_MAX)) {
        http_res_error(res, 422, "validation_error", "display_name must be a string of at most %d bytes",
                       USER_NAME_MAX);
        goto out;
    }
    if (email != NULL && (!json_is_string(email) || email_normalize(json_string_value(email), norm, &err) != EM_OK)) {
        http_res_error(res, 422, "validation_error", "%s", err.msg[0] ? err.msg : "email must be a string");
        goto out;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        goto out;
    int rc = users_update_profile(d, who.user_id, name ? json_string_value(name) : NULL, email ? norm : NULL, &err);
    user u;
    if (rc == EM_OK)
        rc = users_get_by_id(d, who.user_id, &u, &err);
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        goto out;
    }
    if (email != NULL)
        audit_record(d, "email_changed", u.id, NULL, http_req_client_ip(req), NULL);
    http_res_json(res, 200, api_user_json(&u));
out:
    json_decref(body);
}

void api_users_me_password(http_req *req, http_res *res)
{
    app *a = req->app;
    principal who;
    if (!api_authenticate(req, res, &who))
        return;
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    em_error err = {0};
    const char *current = json_string_value(json_object_get(body, "current_password"));
    const char *next = json_string_value(json_object_get(body, "new_password"));
    if (current == NULL || next == NULL) {
        http_res_error(res, 422, "validation_error", "current_password and new_password are required");
        goto out;
    }
    /* Guessing the current password through this endpoint is limited like logins. */
    if (api_rate_limited(req, res, "password", who.user_id))
        goto out;
    db *d = api_db(req, res);
    if (d == NULL)
        goto out;
    user u;
    int rc = users_get_by_id(d, who.user_id, &u, &err);
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        goto out;
    }
    if (u.password_hash[0] == '\0' || !password_verify(u.password_hash, current)) {
        audit_record(d, "password_change_failed", u.id, NULL, http_req_client_ip(req), NULL);
        http_res_error(res, 400, "invalid_credentials", "the current password is not correct");
        goto out;
    }
    if (password_check_policy(next, u.email, &err) != EM_OK) {
        http_res_error(res, 422, "weak_password", "%s", err.msg);
        goto out;
    }
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(next, a->pw_cost, hash) != EM_OK) {
        http_res_error(res, 503, "busy", "the server cannot hash passwords right now");
        goto out;
    }
    /* New password and the end of every session, together. */
    rc = db_begin(d, &err);
    if (rc == EM_OK)
        rc = users_set_password(d, u.id, hash, &err);
    if (rc == EM_OK)
        rc = session_revoke_user(d, u.id, clock_now_ms(), &err);
    if (rc == EM_OK)
        rc = db_commit(d, &err);
    if (rc != EM_OK) {
        db_rollback(d);
        api_db_error(res, rc, &err);
        goto out;
    }
    audit_record(d, "password_changed", u.id, NULL, http_req_client_ip(req), NULL);
    api_set_auth_cookies(req, res, NULL, NULL);
    http_res_body(res, 204, NULL, NULL, 0);
out:
    json_decref(body);
}
