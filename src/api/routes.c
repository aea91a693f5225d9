#include "api/api.h"

typedef struct route {
    const char *method;
    const char *pattern;
    http_handler handler;
} route;

static const route routes[] = {
    {"GET", "/health", api_health},
    {"GET", "/api/v1/utils/health-check", api_health_check},
    {"GET", "/api/health/database", api_health_database},
    {"POST", "/api/auth/register", api_auth_register},
    {"POST", "/api/auth/login", api_auth_login},
    {"POST", "/api/auth/refresh", api_auth_refresh},
    {"POST", "/api/auth/logout", api_auth_logout},
    {"GET", "/api/users/me", api_users_me},
    {"PATCH", "/api/users/me", api_users_me_update},
    {"POST", "/api/users/me/password", api_users_me_password},
    {"GET", "/api/admin/users", api_admin_users_list},
    {"PATCH", "/api/admin/users/{id}", api_admin_users_update},
    {"POST", "/api/admin/tutors/{tutor_id}/students", api_admin_tutor_students},
    {"POST", "/api/admin/jobs/{id}/retry", api_admin_job_retry},
    {"DELETE", "/api/admin/jobs/{id}", api_admin_job_delete},
    {"GET", "/api/workers/health", api_workers_health},
    {"GET", "/api/workers/stats", api_workers_stats},
    {"GET", "/api/workers/dashboard", api_workers_dashboard},
    {"GET", "/api/topics", api_topics_list},
    {"POST", "/api/topics", api_topics_create},
};

int api_register(router *r, const config *cfg)
{
    (void)cfg;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
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
