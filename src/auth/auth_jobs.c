/* auth_jobs: see auth_jobs.h. */
#include "auth/auth_jobs.h"

#include "auth/refresh.h"
#include "core/clock.h"
#include "core/log.h"

#define PURGE_KIND "auth.purge_refresh_tokens"

static int run_purge_refresh(job_ctx *ctx, em_error *err)
{
    json_t *k = json_object_get(ctx->payload, "keep_days");
    int keep = k != NULL ? (int)json_integer_value(k) : 7;
    int64_t deleted = 0;
    int rc = refresh_purge(ctx->db, clock_now_ms(), keep, &deleted, err);
    if (rc == EM_OK && deleted > 0)
        log_emit(LOG_INFO, "refresh tokens purged", json_pack("{s:I}", "deleted", (json_int_t)deleted));
    return rc;
}

size_t auth_job_kinds(job_kind *out, size_t max)
{
    if (max >= 1)
        out[0] = (job_kind){.kind = PURGE_KIND, .run = run_purge_refresh};
    return 1;
}

size_t auth_schedules(schedule_def *out, size_t max)
{
    if (max >= 1)
        out[0] = (schedule_def){PURGE_KIND, "17 * * * *", "default", PURGE_KIND, "{\"keep_days\":7}"};
    return 1;
}
