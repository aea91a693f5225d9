#include "api/api.h"

#include <errno.h>
#include <stdlib.h>

typedef struct route {
    const char *method;
    const char *pattern;
    http_handler handler;
    unsigned flags; /* ROUTE_SLOW: holds its thread (password hashing, file storage), run off the I/O
                       threads; ROUTE_UPLOAD: body limit MAX_UPLOAD_MB instead of MAX_BODY_KB */
} route;

static const route routes[] = {
    {"GET", "/health", api_health, 0},
    {"GET", "/api/v1/utils/health-check", api_health_check, 0},
    {"GET", "/api/health/database", api_health_database, 0},
    {"POST", "/api/auth/register", api_auth_register, ROUTE_SLOW},
    {"POST", "/api/auth/login", api_auth_login, ROUTE_SLOW},
    {"POST", "/api/auth/refresh", api_auth_refresh, 0},
    {"POST", "/api/auth/logout", api_auth_logout, 0},
    {"GET", "/api/users/me", api_users_me, 0},
    {"PATCH", "/api/users/me", api_users_me_update, 0},
    {"POST", "/api/users/me/password", api_users_me_password, ROUTE_SLOW},
    {"GET", "/api/admin/users", api_admin_users_list, 0},
    {"PATCH", "/api/admin/users/{id}", api_admin_users_update, 0},
    {"POST", "/api/admin/tutors/{tutor_id}/students", api_admin_tutor_students, 0},
    {"POST", "/api/admin/jobs/{id}/retry", api_admin_job_retry, 0},
    {"DELETE", "/api/admin/jobs/{id}", api_admin_job_delete, 0},
    {"GET", "/api/workers/health", api_workers_health, 0},
    {"GET", "/api/workers/stats", api_workers_stats, 0},
    {"GET", "/api/workers/dashboard", api_workers_dashboard, 0},
    {"GET", "/api/topics", api_topics_list, 0},
    {"POST", "/api/topics", api_topics_create, 0},
    {"POST", "/api/materials", api_materials_upload, ROUTE_SLOW | ROUTE_UPLOAD},
    {"GET", "/api/materials", api_materials_list, 0},
    {"GET", "/api/materials/{id}", api_materials_get, 0},
    {"DELETE", "/api/materials/{id}", api_materials_delete, ROUTE_SLOW},
    {"GET", "/api/materials/{id}/topics", api_materials_topics, 0},
    {"GET", "/api/materials/{id}/download-url", api_materials_download_url, 0},
    {"GET", "/api/materials/{id}/download", api_materials_download, ROUTE_SLOW},
    {"GET", "/api/search", api_search, 0},
    {"GET", "/api/questions", api_questions_list, 0},
    {"GET", "/api/questions/{id}", api_questions_get, 0},
    {"PATCH", "/api/questions/{id}", api_questions_update, 0},
};

int api_register(router *r, const config *cfg)
{
    (void)cfg;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int rc = router_add_flags(r, routes[i].method, routes[i].pattern, routes[i].handler, routes[i].flags);
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

long api_query_long(const http_req *req, const char *name, long lo, long hi, long fallback)
{
    const char *s = http_req_query(req, name);
    if (s == NULL)
        return fallback;
    char *end = NULL;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n < lo || n > hi)
        return -1;
    return n;
}
