/* extraction_job: see extraction_job.h. */
#include "materials/extraction_job.h"

#include <stdio.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "materials/curricula.h"
#include "materials/material.h"
#include "materials/sweep.h"

static int run_extraction(job_ctx *ctx, em_error *err)
{
    const extraction_env *env = ctx->env;
    const char *id = json_string_value(json_object_get(ctx->payload, "material_id"));
    if (id == NULL || !id_is_uuid(id))
        return em_error_set(err, EM_E_INVAL, "payload needs material_id");
    ingest_outcome out;
    int64_t t0 = clock_mono_us();
    int rc = ingest_material(ctx->db, env->files, id, &env->limits, &out, err);
    if (rc == EM_OK && out.status == INGEST_READY) /* the stored questions get their linked standards' codes */
        rc = curricula_suggest_material(ctx->db, id, NULL, err);
    if (rc != EM_OK)
        return rc; /* retried; after the last attempt the queue gives up (gave_up_extraction) */
    static const char *const names[] = {"ready", "failed", "gone"};
    log_emit(LOG_INFO, "material extracted",
             json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:f}", "material_id", id, "status",
                       names[out.status], "pages", out.page_count, "sections", out.section_count, "chunks",
                       out.chunk_count, "topics", out.topic_count, "questions", out.question_count, "ms",
                       (double)(clock_mono_us() - t0) / 1000.0));
    return EM_OK;
}

/* The job will never finish (its attempts are used up, its worker was lost
 * or stopped during the last one, or an operator deleted it): the material
 * must not stay "processing". Runs in the queue's transaction. */
static int gave_up_extraction(job_ctx *ctx, const char *reason, em_error *err)
{
    const char *id = json_string_value(json_object_get(ctx->payload, "material_id"));
    if (id == NULL || !id_is_uuid(id))
        return EM_OK; /* no material to tell */
    char why[400];
    if (ctx->job->attempts > 0)
        snprintf(why, sizeof why, "extraction did not finish after %d attempt%s: %s", ctx->job->attempts,
                 ctx->job->attempts == 1 ? "" : "s", reason);
    else
        snprintf(why, sizeof why, "extraction did not finish: %s", reason);
    return material_give_up(ctx->db, id, why, err);
}

/* An operator sent the job back to the queue: the material waits again. */
static int requeued_extraction(job_ctx *ctx, em_error *err)
{
    const char *id = json_string_value(json_object_get(ctx->payload, "material_id"));
    if (id == NULL || !id_is_uuid(id))
        return EM_OK;
    return material_set_pending(ctx->db, id, err);
}

size_t materials_job_kinds(extraction_env *env, job_kind *out, size_t max)
{
    const job_kind kinds[] = {
        {.kind = MATERIAL_JOB_KIND,
         .run = run_extraction,
         .env = env,
         .gave_up = gave_up_extraction,
         .requeued = requeued_extraction},
        {.kind = SWEEP_JOB_KIND, .run = sweep_job_run, .env = env},
    };
    size_t n = sizeof kinds / sizeof kinds[0];
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = kinds[i];
    return n;
}

size_t materials_schedules(schedule_def *out, size_t max)
{
    if (max >= 1)
        out[0] = (schedule_def){.name = SWEEP_JOB_KIND,
                                .cron = SWEEP_CRON,
                                .queue = MATERIAL_JOB_QUEUE,
                                .kind = SWEEP_JOB_KIND,
                                .payload = "{}"};
    return 1;
}
