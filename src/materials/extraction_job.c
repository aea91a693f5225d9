/* extraction_job: see extraction_job.h. */
#include "materials/extraction_job.h"

#include <stdio.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "materials/material.h"

static int run_extraction(job_ctx *ctx, em_error *err)
{
    const extraction_env *env = ctx->env;
    const char *id = json_string_value(json_object_get(ctx->payload, "material_id"));
    if (id == NULL || !id_is_uuid(id))
        return em_error_set(err, EM_E_INVAL, "payload needs material_id");
    ingest_outcome out;
    int64_t t0 = clock_mono_us();
    int rc = ingest_material(ctx->db, env->files, id, &env->limits, &out, err);
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

size_t materials_job_kinds(extraction_env *env, job_kind *out, size_t max)
{
    if (max >= 1)
        out[0] = (job_kind){MATERIAL_JOB_KIND, run_extraction, env};
    return 1;
}
