/* Health endpoints, as the seeds expose them: liveness (/health), the template's
 * /api/v1/utils/health-check, and a readiness check that runs a real query. */
#include "api/api.h"

#include "core/clock.h"
#include "db/migrate.h"
#include "net/redis.h"

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
    migrate_readiness r;
    int rc = migrate_check_ready(d, &r, &err);
    if (rc != EM_OK) {
        http_res_error(res, 503, "database_unavailable", "database unavailable: %s",
                       err.msg[0] ? err.msg : em_strerror(rc));
        return;
    }
    http_res_json(res, 200,
                  json_pack("{s:s, s:s, s:i, s:i, s:f}", "status", "ok", "backend", r.backend, "schema_version",
                            r.schema_version, "latest_version", r.latest_version, "latency_ms", r.latency_ms));
}

void api_health_redis(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    if (c->redis == NULL) {
        /* nothing to reach: one process keeps its own limits */
        http_res_json(res, 200,
                      json_pack("{s:s, s:s}", "status", "not_configured", "detail",
                                "REDIS_URL is not set; rate limits are kept per process"));
        return;
    }
    int64_t t0 = clock_mono_us();
    em_error err = {0};
    if (redis_ping(c->redis, &err) != EM_OK) {
        http_res_error(res, 503, "redis_unavailable", "redis unavailable: %s", err.msg);
        return;
    }
    http_res_json(
        res, 200,
        json_pack("{s:s, s:f}", "status", "ok", "latency_ms", (double)(clock_mono_us() - t0) / 1000.0));
}
