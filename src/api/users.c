/* GET/PATCH /api/users/me and POST /api/users/me/password. */
#include "api/api.h"

void api_users_me(http_req *req, http_res *res)
{
    http_res_json(res, 200, api_user_json(&api_caller_of(req)->account));
}

void api_users_me_update(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    const api_caller *me = api_caller_of(req);
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    json_t *name = json_object_get(body, "display_name");
    json_t *email = json_object_get(body, "email");
    json_t *zone = json_object_get(body, "time_zone");
    json_t *retention = json_object_get(body, "desired_retention");
    json_t *hour = json_object_get(body, "day_rollover_hour");
    db *d = NULL;
    if (!json_is_object(body) ||
        (name == NULL && email == NULL && zone == NULL && retention == NULL && hour == NULL)) {
        http_res_error(res, 422, "validation_error",
                       "give display_name, email, time_zone, desired_retention and/or day_rollover_hour");
    } else if ((name != NULL && !json_is_string(name)) || (email != NULL && !json_is_string(email))) {
        http_res_error(res, 422, "validation_error", "display_name and email must be strings");
    } else if (zone != NULL && !json_is_string(zone)) {
        http_res_error(res, 400, "invalid_request",
                       "time_zone must be an IANA time zone name such as Europe/Paris");
    } else if (retention != NULL && (!json_is_number(retention) || json_number_value(retention) == 0)) {
        http_res_error(res, 400, "invalid_request", "desired_retention must be a number from 0.70 to 0.99");
    } else if (hour != NULL && !json_is_integer(hour)) {
        http_res_error(res, 400, "invalid_request", "day_rollover_hour must be a whole number from 0 to 23");
    } else if ((d = api_db(req, res)) != NULL) {
        user u;
        em_error err = {0};
        json_int_t h = json_integer_value(hour);
        account_changes ch = {json_string_value(name), json_string_value(email), json_string_value(zone),
                              retention != NULL ? json_number_value(retention) : 0,
                              hour == NULL        ? -1
                              : h >= 0 && h <= 23 ? (int)h
                                                  : 99};
        int rc = accounts_update(c->accounts, d, me->who.user_id, &ch,
                                 json_string_value(json_object_get(body, "current_password")), me->who.family,
                                 http_req_client_ip(req), &u, &err);
        if (rc != EM_OK)
            api_error(res, rc, &err);
        else
            http_res_json(res, 200, api_user_json(&u));
    }
    json_decref(body);
}

void api_users_me_password(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    const api_caller *me = api_caller_of(req);
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    db *d = api_db(req, res);
    if (d != NULL) {
        em_error err = {0};
        int rc = accounts_change_password(
            c->accounts, d, me->who.user_id, json_string_value(json_object_get(body, "current_password")),
            json_string_value(json_object_get(body, "new_password")), http_req_client_ip(req), &err);
        if (rc != EM_OK) {
            api_error(res, rc, &err);
        } else {
            api_set_auth_cookies(req, res, NULL, NULL);
            http_res_body(res, 204, NULL, NULL, 0);
        }
    }
    json_decref(body);
}
