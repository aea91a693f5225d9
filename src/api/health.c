/* Health endpoints, as the seeds expose them: liveness (/health), the template's
 * /api/v1/utils/health-check, and a readiness check that runs a real query. */
#include "api/api.h"

#include "core/clock.h"
#include "db/migrate.h"

void api_health(http_req *req, http_res *res)
{
    static const char body[] = "{\"status\":\"ok\"}";
    http_res_body(res, 200, "application/json", body, sizeof body - 1);
}

/* The FastAPI template these deployments come from answers a bare `true`. */
void api_health_check(http_req *req, http_res *res)
{
    http_res_body(res, 200, "application/json", "true", 4);
}

void api_health_database(http_req *req, http_res *res)
{
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    em_error err = {0};
    int64_t t0 = clock_mono_us();
    int rc = db_ping(d, &err);
    int version = 0;
    if (rc == EM_OK)
        rc = migrate_current(d, &version, &err);
    if (rc != EM_OK) {
        http_res_error(res, 503, "database_unavailable", "database unavailable: %s",
                       err.msg[0] ? err.msg : em_strerror(rc));
        return;
    }
    json_t *body = json_pack("{s:s, s:s, s:i, s:i, s:f}", "status", "ok", "backend",
                             db_dialect_of(d) == DB_SQLITE ? "sqlite" : "postgresql",
                             "schema_version", version, "latest_version",
                             migrate_latest(db_dialect_of(d)),
                             "latency_ms", (double)(clock_mono_us() - t0) / 1000.0);
    http_res_json(res, 200, body);
}
