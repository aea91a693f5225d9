/* The list of a student's quizzes: GET /api/quizzes (the caller's own;
 * ?user_id= a student the caller may see by the one rule; ?session_id= only
 * that session's), over study/quizzes.h. */
#include "api/api.h"

#include "study/quizzes.h"

#define QUIZZES_DEFAULT_LIMIT 20

void api_quizzes_list(http_req *req, http_res *res)
{
    api_page pg;
    if (!api_page_read(req, res, QUIZ_PAGE_MAX, QUIZZES_DEFAULT_LIMIT, &pg))
        return;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    json_t *items = NULL;
    int64_t total = 0;
    em_error err = {0};
    int rc =
        quiz_list(d, &api_caller_of(req)->who, http_req_query(req, "user_id"),
                  http_req_query(req, "session_id"), (int)pg.limit, (int)pg.offset, &items, &total, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    http_res_json(res, 200,
                  json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total, "limit",
                            (int)pg.limit, "offset", (int)pg.offset));
}
