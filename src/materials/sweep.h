/* sweep: removes stored originals that no material refers to.
 *
 * An upload stores its file first and then writes its rows (submit.h); a
 * process killed in between leaves a file with no row, and a deletion whose
 * file could not be removed leaves one too. Nothing can reach such a file
 * any more. The sweep lists the objects under "materials/" and removes those
 * that are older than a minimum age (an hour: an upload still on its way has
 * stored its file a moment ago and is about to write its row) and that no
 * material row names. It runs as the job kind SWEEP_JOB_KIND, hourly
 * (SWEEP_CRON; SCHEDULE_MATERIALS_SWEEP_ORPHANS overrides it). */
#ifndef EM_MATERIALS_SWEEP_H
#define EM_MATERIALS_SWEEP_H

#include <stdint.h>

#include "content/storage.h"
#include "core/err.h"
#include "db/db.h"
#include "jobs/worker.h"

#define SWEEP_JOB_KIND "materials.sweep_orphans"
#define SWEEP_CRON "41 * * * *" /* hourly, at minute 41 */
#define SWEEP_MIN_AGE_S 3600    /* files younger than this are left alone */
#define SWEEP_PREFIX "materials/"
#define SWEEP_MAX_PER_RUN 10000 /* files removed per run at most; the rest next time */

typedef struct sweep_result {
    int64_t seen;    /* objects listed under SWEEP_PREFIX */
    int64_t orphans; /* of those: old enough and named by no material */
    int64_t removed; /* orphans removed */
    int64_t failed;  /* orphans whose removal failed (logged; tried again next run) */
} sweep_result;

/* Remove the objects under SWEEP_PREFIX of `files` that were last written
 * more than min_age_s before now_s and that no material's storage_key names
 * (at most SWEEP_MAX_PER_RUN). A file that cannot be removed is logged and
 * counted, and the sweep goes on; listing and database errors are returned
 * (the job is retried). */
int sweep_orphans(db *d, storage *files, int64_t now_s, int64_t min_age_s, sweep_result *out /* OUT */,
                  em_error *err);

/* The job's handler: payload {"min_age_s": N} (default SWEEP_MIN_AGE_S),
 * env the materials area's extraction_env (its storage). */
int sweep_job_run(job_ctx *ctx, em_error *err);

#endif
