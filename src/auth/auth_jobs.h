/* auth_jobs: the job kinds and schedules of the accounts area:
 * auth.purge_refresh_tokens {"keep_days": N} deletes refresh tokens that
 * expired, or were used or revoked, more than N days ago (default 7), hourly
 * at minute 17 (override with SCHEDULE_AUTH_PURGE_REFRESH_TOKENS). */
#ifndef EM_AUTH_AUTH_JOBS_H
#define EM_AUTH_AUTH_JOBS_H

#include <stddef.h>

#include "jobs/schedule.h"
#include "jobs/worker.h"

/* Copy the kinds / schedules into out[0..max); each returns how many there are. */
size_t auth_job_kinds(job_kind *out /* OUT */, size_t max);
size_t auth_schedules(schedule_def *out /* OUT */, size_t max);

#endif
