/* extraction_job: the job kinds and schedules of the materials area:
 *
 * - `extraction` (MATERIAL_JOB_KIND, payload {"material_id": ID}; enqueued by
 *   submit.h, owned by the material's user). What is wrong with the file
 *   fails the material at once (ingest.h) and the job succeeds; storage or
 *   database trouble fails the attempt so the queue retries it. When the job
 *   will never finish, however that came about (the last attempt failed, its
 *   worker died or was stopped during it, an operator deleted it), its
 *   gave-up step marks the material failed with the reason, so it never stays
 *   "processing"; an operator's retry makes it pending again.
 * - `materials.sweep_orphans` (sweep.h), hourly: originals no material row
 *   names (an upload cut short between its file and its row) are removed. */
#ifndef EM_MATERIALS_EXTRACTION_JOB_H
#define EM_MATERIALS_EXTRACTION_JOB_H

#include <stddef.h>

#include "content/storage.h"
#include "jobs/schedule.h"
#include "jobs/worker.h"
#include "materials/ingest.h"

/* What the area's jobs run with; it must outlive every worker that runs them. */
typedef struct extraction_env {
    storage *files;            /* where originals are (borrowed) */
    ingest_options limits;     /* MAX_PDF_PAGES, EXTRACTION_TIMEOUT_SECONDS, ... (progress unset) */
} extraction_env;

/* Copy the kinds / schedules into out[0..max); each returns how many there are. */
size_t materials_job_kinds(extraction_env *env, job_kind *out /* OUT */, size_t max);
size_t materials_schedules(schedule_def *out /* OUT */, size_t max);

#endif
