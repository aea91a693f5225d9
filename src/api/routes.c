#include "api/api.h"

typedef struct route {
    const char *method;
    const char *pattern;
    http_handler handler;
    bool local_only; /* served only with ENVIRONMENT=local (see api/topics.c) */
} route;

static const route routes[] = {
    {"GET", "/health", api_health, false},
    {"GET", "/api/v1/utils/health-check", api_health_check, false},
    {"GET", "/api/health/database", api_health_database, false},
    {"GET", "/api/topics", api_topics_list, true},
    {"POST", "/api/topics", api_topics_create, true},
};

int api_register(router *r, const config *cfg)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (routes[i].local_only && cfg->environment != ENV_LOCAL)
            continue;
        int rc = router_add(r, routes[i].method, routes[i].pattern, routes[i].handler);
        if (rc != EM_OK)
            return rc;
    }
    return EM_OK;
}

db *api_db(http_req *req, http_res *res)
{
    app *a = req->app;
    db *d = NULL;
    em_error err = {0};
    if (dbpool_get(a->db, &d, &err) != EM_OK) {
        http_res_error(res, 503, "database_unavailable", "%s", err.msg[0] ? err.msg : "database unavailable");
        return NULL;
    }
    return d;
}
