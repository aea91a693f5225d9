/* Admin endpoints: GET /api/admin/users, PATCH /api/admin/users/{id},
 * GET and POST /api/admin/tutors/{tutor_id}/students, DELETE
 * /api/admin/tutors/{tutor_id}/students/{student_id}. The route table makes them
 * admin-only (404 to anyone else). */
#include <stdlib.h>

#include "api/api.h"

#define ADMIN_PAGE_MAX 200
#define ADMIN_ASSIGN_MAX 1000

/* A page of users as GET /api/admin/users answers it, or the error. */
static void respond_users(http_res *res, const api_page *pg, int rc, const em_error *err, const user *page,
                          size_t n, int64_t total)
{
    if (rc != EM_OK) {
        api_error(res, rc, err);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, api_user_json(&page[i]));
    api_page_respond(res, pg, items, total);
}

void api_admin_users_list(http_req *req, http_res *res)
{
    const char *role = http_req_query(req, "role");
    if (role != NULL && !users_role_valid(role)) {
        http_res_error(res, 400, "invalid_request", "role must be student, tutor or admin");
        return;
    }
    api_page pg;
    if (!api_page_read(req, res, ADMIN_PAGE_MAX, 50, &pg))
        return;
    long limit = pg.limit, offset = pg.offset;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    user *page = arena_alloc(req->arena, sizeof *page * (size_t)limit);
    size_t n = 0;
    int64_t total = 0;
    em_error err = {0};
    int rc = users_list(d, &(users_filter){.role = role}, (int)limit, (int)offset, page, (size_t)limit, &n,
                        &total, &err);
    respond_users(res, &pg, rc, &err, page, n, total);
}

void api_admin_tutor_students_list(http_req *req, http_res *res)
{
    api_page pg;
    if (!api_page_read(req, res, ADMIN_PAGE_MAX, 50, &pg))
        return;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    user *page = arena_alloc(req->arena, sizeof *page * (size_t)pg.limit);
    size_t n = 0;
    int64_t total = 0;
    em_error err = {0};
    int rc = accounts_tutor_students(d, http_req_param(req, "tutor_id"), (int)pg.limit, (int)pg.offset, page,
                                     (size_t)pg.limit, &n, &total, &err);
    respond_users(res, &pg, rc, &err, page, n, total);
}

void api_admin_users_update(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    json_t *role = json_object_get(body, "role");
    json_t *active = json_object_get(body, "is_active");
    db *d = NULL;
    if (!json_is_object(body) || (role == NULL && active == NULL)) {
        http_res_error(res, 422, "validation_error", "give role and/or is_active");
    } else if ((role != NULL && !json_is_string(role)) || (active != NULL && !json_is_boolean(active))) {
        http_res_error(res, 422, "validation_error",
                       "role must be student, tutor or admin; is_active a boolean");
    } else if ((d = api_db(req, res)) != NULL) {
        user u;
        em_error err = {0};
        int rc = accounts_admin_update(c->accounts, d, &api_caller_of(req)->who, http_req_param(req, "id"),
                                       json_string_value(role), active == NULL ? -1 : json_is_true(active),
                                       http_req_client_ip(req), &u, &err);
        if (rc != EM_OK)
            api_error(res, rc, &err);
        else
            http_res_json(res, 200, api_user_json(&u));
    }
    json_decref(body);
}

void api_admin_tutor_students(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    const char *tutor_id = http_req_param(req, "tutor_id");
    json_t *body = NULL;
    if (http_req_json(req, &body, res) != EM_OK)
        return;
    /* {"student_id": "..."} or {"student_ids": ["...", ...]} */
    json_t *ids = json_object_get(body, "student_ids");
    json_t *one = json_object_get(body, "student_id");
    json_t *list = NULL;
    if (json_is_string(one))
        list = json_pack("[O]", one);
    else if (json_is_array(ids) && json_array_size(ids) > 0 && json_array_size(ids) <= ADMIN_ASSIGN_MAX)
        list = json_incref(ids);
    size_t n = json_array_size(list);
    const char **students = arena_alloc(req->arena, sizeof *students * (n > 0 ? n : 1));
    bool strings = true;
    for (size_t i = 0; i < n; i++) {
        students[i] = json_string_value(json_array_get(list, i));
        strings = strings && students[i] != NULL;
    }
    db *d = NULL;
    if (list == NULL) {
        http_res_error(res, 422, "validation_error", "give student_id or a list student_ids (1 to %d)",
                       ADMIN_ASSIGN_MAX);
    } else if (!strings) {
        http_res_error(res, 422, "validation_error", "student_ids must hold strings");
    } else if ((d = api_db(req, res)) != NULL) {
        int added = 0;
        em_error err = {0};
        int rc = accounts_assign_students(c->accounts, d, &api_caller_of(req)->who, tutor_id, students, n,
                                          http_req_client_ip(req), &added, &err);
        if (rc != EM_OK)
            api_error(res, rc, &err);
        else
            http_res_json(
                res, added > 0 ? 201 : 200,
                json_pack("{s:s, s:O, s:i}", "tutor_id", tutor_id, "student_ids", list, "added", added));
    }
    json_decref(list);
    json_decref(body);
}

void api_admin_tutor_unassign(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    em_error err = {0};
    int rc =
        accounts_unassign_student(c->accounts, d, &api_caller_of(req)->who, http_req_param(req, "tutor_id"),
                                  http_req_param(req, "student_id"), http_req_client_ip(req), &err);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_body(res, 204, NULL, NULL, 0);
}
