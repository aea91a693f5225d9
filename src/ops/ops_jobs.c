/* ops_jobs: see ops_jobs.h. */
#include "ops/ops_jobs.h"

#include "core/clock.h"
#include "core/log.h"

static int run_backup(job_ctx *ctx, em_error *err)
{
    const backup_options *o = ctx->env;
    if (o == NULL)
        return em_error_set(err, EM_E_CONFIG, "backups are not configured in this process");
    char path[BACKUP_PATH_MAX];
    backup_summary s;
    int rc = backup_create(ctx->db, o, clock_now_ms(), path, &s, err);
    if (rc == EM_OK)
        log_emit(LOG_INFO, "backup made",
                 json_pack("{s:s, s:I, s:I, s:I, s:i}", "path", path, "database_bytes",
                           (json_int_t)s.database_bytes, "files", (json_int_t)s.files, "file_bytes",
                           (json_int_t)s.file_bytes, "removed", s.removed));
    return rc;
}

size_t ops_job_kinds(const backup_options *backup, job_kind *out, size_t max)
{
    if (max >= 1)
        out[0] = (job_kind){.kind = OPS_BACKUP_KIND, .run = run_backup, .env = (void *)backup};
    return 1;
}

int ops_request_backup(db *d, char job_id[JOB_ID_LEN + 1], em_error *err)
{
    /* one attempt: a backup that fails says why in the dead jobs, and a
       retry there is the operator's to decide */
    job_spec spec = {.queue = "default", .kind = OPS_BACKUP_KIND, .payload = "{}", .max_attempts = 1};
    return queue_enqueue(d, &spec, job_id, err);
}

size_t ops_schedules(schedule_def *out, size_t max)
{
    if (max >= 1)
        out[0] = (schedule_def){OPS_BACKUP_KIND, "30 3 * * *", "default", OPS_BACKUP_KIND, "{}"};
    return 1;
}
