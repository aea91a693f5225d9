/* jobs_table: the job kinds this application runs and its periodic schedules.
 * Handlers live here, in the app, because a handler reaches into whichever
 * area does the work (auth, content, learn); the queue and worker know nothing
 * of them. */
#ifndef EM_APP_JOBS_TABLE_H
#define EM_APP_JOBS_TABLE_H

#include <stddef.h>

#include "core/config.h"
#include "jobs/worker.h"

/* Every job kind, for worker_options.kinds. */
const job_kind *jobs_table_kinds(size_t *n /* OUT */);

/* The schedules with their expressions after configuration overrides
 * (SCHEDULE_<NAME> = "cron expression" or "off"); a schedule switched off is
 * left out. defs/crons must hold JOBS_TABLE_MAX_SCHEDULES entries. EM_E_CONFIG
 * naming the variable when an override does not parse. */
#define JOBS_TABLE_MAX_SCHEDULES 16
int jobs_table_schedules(const config *cfg, schedule_def *defs /* OUT */, cron *crons /* OUT */, size_t *n /* OUT */,
                         em_error *err);

#endif
