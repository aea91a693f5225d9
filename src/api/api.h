/* api: the HTTP handlers, one file per resource, and the table that routes to
 * them. Handlers are thin: parse, authorize, call the domain, respond. They reach
 * the application context as (app *)req->app. */
#ifndef EM_API_API_H
#define EM_API_API_H

#include "app/app.h"
#include "auth/token.h"
#include "auth/users.h"
#include "http/router.h"

/* Cookies of the web UI's session. */
#define API_COOKIE_ACCESS "em_access"
#define API_COOKIE_REFRESH "em_refresh"
#define API_COOKIE_CSRF "em_csrf"

/* Register every route. Returns 0 or the first router_add error. */
int api_register(router *r, const config *cfg);

/* ---- handlers (api/health.c) ---- */
void api_health(http_req *req, http_res *res);
void api_health_check(http_req *req, http_res *res);
void api_health_database(http_req *req, http_res *res);

/* ---- handlers (api/topics.c) ---- */
void api_topics_list(http_req *req, http_res *res);
void api_topics_create(http_req *req, http_res *res);

/* ---- handlers (api/auth.c, api/users.c, api/admin.c) ---- */
void api_auth_register(http_req *req, http_res *res);
void api_auth_login(http_req *req, http_res *res);
void api_auth_refresh(http_req *req, http_res *res);
void api_auth_logout(http_req *req, http_res *res);
void api_users_me(http_req *req, http_res *res);
void api_users_me_update(http_req *req, http_res *res);
void api_users_me_password(http_req *req, http_res *res);
void api_admin_users_list(http_req *req, http_res *res);
void api_admin_users_update(http_req *req, http_res *res);
void api_admin_tutor_students(http_req *req, http_res *res);

/* ---- handlers (api/materials.c, api/search.c, api/questions.c) ---- */
void api_materials_upload(http_req *req, http_res *res);
void api_materials_list(http_req *req, http_res *res);
void api_materials_get(http_req *req, http_res *res);
void api_materials_delete(http_req *req, http_res *res);
void api_materials_topics(http_req *req, http_res *res);
void api_materials_download_url(http_req *req, http_res *res);
void api_materials_download(http_req *req, http_res *res);
void api_search(http_req *req, http_res *res);
void api_questions_list(http_req *req, http_res *res);
void api_questions_get(http_req *req, http_res *res);
void api_questions_update(http_req *req, http_res *res);

/* ---- handlers (api/workers.c) ---- */
void api_workers_health(http_req *req, http_res *res);
void api_workers_stats(http_req *req, http_res *res);
void api_workers_dashboard(http_req *req, http_res *res);
void api_admin_job_retry(http_req *req, http_res *res);
void api_admin_job_delete(http_req *req, http_res *res);

/* ---- shared by handlers (api/routes.c, api/session.c, api/auth.c) ---- */

/* The public view of an account (no password hash). New reference. */
json_t *api_user_json(const user *u);

/* The calling thread's database connection, or an error response already
 * written (503) and NULL returned. */
db *api_db(http_req *req, http_res *res);
/* A query parameter as a whole number in [lo, hi]: `fallback` when absent,
 * -1 when malformed or out of range. */
long api_query_long(const http_req *req, const char *name, long lo, long hi, long fallback);
/* Answer a domain/database error with its status and code. */
void api_db_error(http_res *res, int rc, const em_error *err);

/* Who is calling. False with the response written: 401 without a valid access
 * token (Authorization: Bearer, or the em_access cookie) of an active account,
 * 403 for a cookie session's state-changing request without the matching
 * X-CSRF-Token header. On success *who has the account's current role. */
bool api_authenticate(http_req *req, http_res *res, principal *who /* OUT */);
/* The same, also handing over the account row it read (no second lookup). */
bool api_authenticate_user(http_req *req, http_res *res, principal *who /* OUT */, user *account /* OUT */);
/* Authenticate and require an admin: anyone else gets 404, as if the admin
 * API did not exist (auth/authz.h). False with the response written. */
bool api_require_admin(http_req *req, http_res *res, principal *who /* OUT */);
/* The double-submit check: X-CSRF-Token equals the em_csrf cookie. */
bool api_csrf_ok(http_req *req);

/* Count an attempt of `action` ("login", "register", ...) from the client's IP
 * and, when given, for `account`; true (429 written, with Retry-After) when
 * either is over AUTH_RATE_LIMIT. */
bool api_rate_limited(http_req *req, http_res *res, const char *action, const char *account);
/* Forget an account's attempts of `action` (after a successful login). */
void api_rate_reset(http_req *req, const char *action, const char *account);
/* Set the session cookies (access, refresh, CSRF); access == NULL clears them. */
void api_set_auth_cookies(http_req *req, http_res *res, const char *access, const char *refresh);

#endif
