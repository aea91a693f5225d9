/* ops_jobs: the operator's periodic work as jobs: ops.backup makes a backup
 * (ops/backup.h) into BACKUP_DIR and keeps the newest BACKUP_KEEP, daily at
 * 03:30 (SCHEDULE_OPS_BACKUP: another cron expression, or "off"). */
#ifndef EM_OPS_OPS_JOBS_H
#define EM_OPS_OPS_JOBS_H

#include <stddef.h>

#include "jobs/queue.h"
#include "jobs/schedule.h"
#include "jobs/worker.h"
#include "ops/backup.h"

#define OPS_BACKUP_KIND "ops.backup"

/* The kinds into out[0..max), with `backup` as their env (borrowed; NULL: the
 * kind fails, for listings that run nothing); returns how many there are. */
size_t ops_job_kinds(const backup_options *backup, job_kind *out /* OUT */, size_t max);
/* Ask for a backup now: an ops.backup job on the default queue, whichever
 * worker takes it first makes it. job_id receives its id. */
int ops_request_backup(db *d, char job_id[JOB_ID_LEN + 1] /* OUT */, em_error *err);

/* The schedules into out[0..max); returns how many there are. */
size_t ops_schedules(schedule_def *out /* OUT */, size_t max);

#endif
