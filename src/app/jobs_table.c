#include "app/jobs_table.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "auth/sessions.h"
#include "core/ids.h"
#include "materials/ingest.h"
#include "materials/material.h"
#include "core/clock.h"
#include "core/log.h"

/* system.noop: does nothing; benchmarks and liveness probes of the queue. */
static int run_noop(job_ctx *ctx, em_error *err)
{
    return EM_OK;
}

/* debug.sleep {"ms": N}: holds a worker thread for N ms (at most 10 minutes);
 * for checking leases, shutdown and crash recovery. Only code and operators
 * (the jobs CLI) can enqueue jobs, so it is not reachable from outside. */
static int run_sleep(job_ctx *ctx, em_error *err)
{
    json_int_t ms = json_integer_value(json_object_get(ctx->payload, "ms"));
    if (ms < 0 || ms > 600000)
        return em_error_set(err, EM_E_INVAL, "ms must be 0-600000");
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return EM_OK;
}

/* debug.flaky {"fail_times": N}: fails its first N attempts, then succeeds;
 * with N >= max_attempts it is a poison job that ends dead. */
static int run_flaky(job_ctx *ctx, em_error *err)
{
    json_int_t n = json_integer_value(json_object_get(ctx->payload, "fail_times"));
    if (ctx->job->attempts <= n)
        return em_error_set(err, EM_E_UNAVAILABLE, "failing on purpose (attempt %d of the first %lld)",
                            ctx->job->attempts, (long long)n);
    return EM_OK;
}

/* auth.purge_refresh_tokens {"keep_days": N}: delete spent refresh tokens. */
static int run_purge_refresh(job_ctx *ctx, em_error *err)
{
    json_t *k = json_object_get(ctx->payload, "keep_days");
    int keep = k != NULL ? (int)json_integer_value(k) : 7;
    int64_t deleted = 0;
    int rc = session_purge(ctx->db, clock_now_ms(), keep, &deleted, err);
    if (rc == EM_OK && deleted > 0)
        log_emit(LOG_INFO, "refresh tokens purged", json_pack("{s:I}", "deleted", (json_int_t)deleted));
    return rc;
}

/* extraction {"material_id": ID}: extract an uploaded material (materials/ingest.h).
 * What is wrong with the file fails the material at once; storage or database
 * trouble fails the attempt so the queue retries it, and the last attempt
 * marks the material failed so it never stays "processing". */
static int run_extraction(job_ctx *ctx, em_error *err)
{
    const char *id = json_string_value(json_object_get(ctx->payload, "material_id"));
    if (id == NULL || !id_is_uuid(id))
        return em_error_set(err, EM_E_INVAL, "payload needs material_id");
    app *a = ctx->app;
    ingest_options o;
    app_ingest_options(a, &o);
    ingest_outcome out;
    int64_t t0 = clock_mono_us();
    int rc = ingest_material(ctx->db, a->files, id, &o, &out, err);
    if (rc != EM_OK) {
        if (ctx->job->attempts >= ctx->job->max_attempts) {
            char reason[300];
            snprintf(reason, sizeof reason, "extraction failed after %d attempts: %s", ctx->job->attempts,
                     err->msg[0] ? err->msg : em_strerror(rc));
            em_error ferr = {0};
            material_set_failed(ctx->db, id, reason, &ferr);
        }
        return rc;
    }
    static const char *const names[] = {"ready", "failed", "gone"};
    log_emit(LOG_INFO, "material extracted",
             json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:f}", "material_id", id, "status",
                       names[out.status], "pages", out.page_count, "sections", out.section_count, "chunks",
                       out.chunk_count, "topics", out.topic_count, "questions", out.question_count, "ms",
                       (double)(clock_mono_us() - t0) / 1000.0));
    return EM_OK;
}

static const job_kind kinds[] = {
    {MATERIAL_JOB_KIND, run_extraction},
    {"system.noop", run_noop},
    {"debug.sleep", run_sleep},
    {"debug.flaky", run_flaky},
    {"auth.purge_refresh_tokens", run_purge_refresh},
};

const job_kind *jobs_table_kinds(size_t *n)
{
    *n = sizeof kinds / sizeof kinds[0];
    return kinds;
}

static const schedule_def schedules[] = {
    {"auth.purge_refresh_tokens", "17 * * * *", "default", "auth.purge_refresh_tokens", "{\"keep_days\":7}"},
};

int jobs_table_schedules(const config *cfg, schedule_def *defs, cron *crons, size_t *n, em_error *err)
{
    *n = 0;
    for (size_t i = 0; i < sizeof schedules / sizeof schedules[0] && i < JOBS_TABLE_MAX_SCHEDULES; i++) {
        char var[96];
        schedule_override_name(schedules[i].name, var, sizeof var);
        const char *expr = config_lookup(cfg, var);
        if (expr == NULL)
            expr = schedules[i].cron;
        if (strcmp(expr, "off") == 0)
            continue;
        em_error perr = {0};
        if (cron_parse(expr, &crons[*n], &perr) != EM_OK)
            return em_error_set(err, EM_E_CONFIG, "%s: %s", var, perr.msg);
        defs[*n] = schedules[i];
        defs[*n].cron = expr;
        (*n)++;
    }
    return EM_OK;
}
