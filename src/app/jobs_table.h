/* jobs_table: what a worker of this application runs: every area's job kinds
 * (jobs/builtin_jobs.h, auth/auth_jobs.h, materials/extraction_job.h,
 * ops/ops_jobs.h) and their
 * periodic schedules, with the configuration's overrides applied
 * (SCHEDULE_<NAME> = "cron expression" or "off"), and the queues it takes
 * jobs from. The areas own their kinds and their typed envs; this only
 * composes them. */
#ifndef EM_APP_JOBS_TABLE_H
#define EM_APP_JOBS_TABLE_H

#include <stddef.h>

#include "core/config.h"
#include "jobs/schedule.h"
#include "jobs/worker.h"
#include "materials/extraction_job.h"
#include "ops/ops_jobs.h"

#define JOBS_TABLE_MAX 32
#define JOBS_TABLE_MAX_QUEUES 32

/* Everything a worker's options point into; it must outlive the worker. */
typedef struct jobs_table {
    job_kind kinds[JOBS_TABLE_MAX];
    size_t n_kinds;
    schedule_def defs[JOBS_TABLE_MAX];   /* switched-off schedules are left out */
    cron crons[JOBS_TABLE_MAX];
    size_t n_schedules;
    char queues_text[512];
    const char *queues[JOBS_TABLE_MAX_QUEUES];
    size_t n_queues;
} jobs_table;

/* Every area's job kinds into out[0..max); returns how many there are (more
 * than max: some were left out). The kinds' envs are borrowed. */
size_t jobs_table_kinds(job_kind *out /* OUT */, size_t max, extraction_env *extraction,
                        const backup_options *backup);

/* Fill *t. `queues` (comma-separated) names the queues to take jobs from
 * (NULL: WORKER_QUEUES). EM_E_CONFIG naming the variable when an override does
 * not parse or no queue is named. */
int jobs_table_build(jobs_table *t /* OUT */, extraction_env *extraction, const backup_options *backup,
                     const config *cfg, const char *queues, em_error *err);

#endif
