/* The tutor's room: GET /api/tutor/students (the students a tutor teaches;
 * every student for an admin) and GET /api/tutor/students/{id}, over the
 * study area's roster (study/roster.h), which applies the one rule and
 * refuses students (403). */
#include "api/api.h"

#include "study/roster.h"

#define ROSTER_DEFAULT_LIMIT 50

void api_tutor_students_list(http_req *req, http_res *res)
{
    api_page pg;
    if (!api_page_read(req, res, ROSTER_PAGE_MAX, ROSTER_DEFAULT_LIMIT, &pg))
        return;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    json_t *items = NULL;
    int64_t total = 0;
    em_error err = {0};
    int rc = roster_list(d, &api_caller_of(req)->who, (int)pg.limit, (int)pg.offset, api_now_ms(req), &items,
                         &total, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    http_res_json(res, 200,
                  json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total, "limit",
                            (int)pg.limit, "offset", (int)pg.offset));
}

void api_tutor_students_get(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    json_t *out = NULL;
    em_error err = {0};
    int rc = roster_get(d, &api_caller_of(req)->who, http_req_param(req, "id"), api_now_ms(req), &out, &err);
    if (rc != EM_OK)
        api_error(res, rc, &err);
    else
        http_res_json(res, 200, out);
}
