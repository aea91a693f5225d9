/* Admin endpoints: GET /api/admin/users, PATCH /api/admin/users/{id},
 * POST /api/admin/tutors/{tutor_id}/students. Anyone but an admin gets 404:
 * the admin API does not exist for them (authz.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/audit.h"
#include "auth/authz.h"
#include "auth/sessions.h"
#include "core/clock.h"

#define ADMIN_PAGE_MAX 200


void api_admin_users_list(http_req *req, http_res *res)
{
    principal who;
    if (!api_require_admin(req, res, &who))
        return;
    const char *role = http_req_query(req, "role");
    long limit = api_query_long(req, "limit", 1, ADMIN_PAGE_MAX, 50);
    long offset = api_query_long(req, "offset", 0, 100000000, 0);
    if (role != NULL && !users_role_valid(role)) {
        http_res_error(res, 400, "invalid_request", "role must be student, tutor or admin");
        return;
    }
    if (limit < 0 || offset < 0) {
        http_res_error(res, 400, "invalid_request", "limit must be 1-%d and offset 0 or more", ADMIN_PAGE_MAX);
        return;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    user *page = malloc(sizeof *page * (size_t)limit);
    size_t n = 0;
    int64_t total = 0;
    em_error err = {0};
    int rc = users_list(d, role, (int)limit, (int)offset, page, (size_t)limit, &n, &total, &err);
    if (rc != EM_OK) {
        free(page);
        api_db_error(res, rc, &err);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, api_user_json(&page[i]));
    free(page);
    http_res_json(res, 200, json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total,
                                      "limit", (int)limit, "offset", (int)offset));
}

void api_admin_users_update(http_req *req, http_res *res)
{
    principal who;
    if (!api_require_admin(req, res, &who))
        return;
    const char *id = http_req_param(req, "id");
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    em_error err = {0};
    json_t *role_v = json_object_get(body, "role");
    json_t *active_v = json_object_get(body, "is_active");
    const char *role = json_string_value(role_v);
    if (!json_is_object(body) || (role_v == NULL && active_v == NULL)) {
        http_res_error(res, 422, "validation_error", "give role and/or is_active");
        goto out;
    }
    if ((role_v != NULL && !users_role_valid(role)) || (active_v != NULL && !json_is_boolean(active_v))) {
        http_res_error(res, 422, "validation_error", "role must be student, tutor or admin; is_active a boolean");
        goto out;
    }
    if (strcmp(id, who.user_id) == 0) {
        /* An admin demoting or disabling themself could leave nobody to undo it. */
        http_res_error(res, 409, "conflict", "admins cannot change their own role or status");
        goto out;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        goto out;
    user before, after;
    int rc = users_get_by_id(d, id, &before, &err);
    int active = active_v == NULL ? -1 : json_is_true(active_v);
    if (rc == EM_OK)
        rc = users_set_role_active(d, id, role, active, &err);
    if (rc == EM_OK && active == 0)
        rc = session_revoke_user(d, id, clock_now_ms(), &err);
    if (rc == EM_OK)
        rc = users_get_by_id(d, id, &after, &err);
    if (rc != EM_OK) {
        api_db_error(res, rc, &err);
        goto out;
    }
    const char *ip = http_req_client_ip(req);
    if (strcmp(before.role, after.role) != 0)
        audit_record(d, "role_changed", id, who.user_id, ip,
                     json_pack("{s:s, s:s}", "from", before.role, "to", after.role));
    if (before.is_active != after.is_active)
        audit_record(d, after.is_active ? "account_enabled" : "account_disabled", id, who.user_id, ip, NULL);
    http_res_json(res, 200, api_user_json(&after));
out:
    json_decref(body);
}

void api_admin_tutor_students(http_req *req, http_res *res)
{
    principal who;
    if (!api_require_admin(req, res, &who))
        return;
    const char *tutor_id = http_req_param(req, "tutor_id");
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    em_error err = {0};
    /* {"student_id": "..."} or {"student_ids": ["...", ...]} */
    json_t *ids = json_object_get(body, "student_ids");
    json_t *one = json_object_get(body, "student_id");
    json_t *list = NULL;
    if (json_is_string(one)) {
        list = json_pack("[O]", one);
    } else if (json_is_array(ids) && json_array_size(ids) > 0 && json_array_size(ids) <= 1000) {
        list = json_incref(ids);
    } else {
        http_res_error(res, 422, "validation_error", "give student_id or a list student_ids (1 to 1000)");
        goto out;
    }
    db *d = api_db(req, res);
    if (d == NULL)
        goto out;
    int rc = db_begin(d, &err);
    size_t i;
    json_t *v;
    int added = 0;
    json_array_foreach(list, i, v)
    {
        if (rc != EM_OK)
            break;
        bool created = false;
        if (!json_is_string(v))
            rc = em_error_set(&err, EM_E_INVAL, "student_ids must hold strings");
        else
            rc = authz_assign_student(d, tutor_id, json_string_value(v), &created, &err);
        added += created;
    }
    if (rc == EM_OK)
        rc = db_commit(d, &err);
    if (rc != EM_OK) {
        db_rollback(d);
        if (rc == EM_E_INVAL)
            http_res_error(res, 422, "validation_error", "%s", err.msg);
        else
            api_db_error(res, rc, &err);
        goto out;
    }
    audit_record(d, "tutor_assigned", tutor_id, who.user_id, http_req_client_ip(req),
                 json_pack("{s:O}", "student_ids", list));
    http_res_json(res, added > 0 ? 201 : 200,
                  json_pack("{s:s, s:O, s:i}", "tutor_id", tutor_id, "student_ids", list, "added", added));
out:
    json_decref(list);
    json_decref(body);
}
