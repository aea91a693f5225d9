/* api: the HTTP handlers, one file per resource, and the table that routes to
 * them. Handlers are thin: parse, authorize, call the domain, respond. They reach
 * the application context as (app *)req->app. */
#ifndef EM_API_API_H
#define EM_API_API_H

#include "app/app.h"
#include "http/router.h"

/* Register every route. Returns 0 or the first router_add error. */
int api_register(router *r, const config *cfg);

/* ---- handlers (api/health.c) ---- */
void api_health(http_req *req, http_res *res);
void api_health_check(http_req *req, http_res *res);
void api_health_database(http_req *req, http_res *res);

/* ---- handlers (api/topics.c) ---- */
void api_topics_list(http_req *req, http_res *res);
void api_topics_create(http_req *req, http_res *res);

/* The calling thread's database connection, or an error response already
 * written (503) and NULL returned. */
db *api_db(http_req *req, http_res *res);

#endif
