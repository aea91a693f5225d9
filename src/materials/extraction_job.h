/* extraction_job: the job kind that extracts an uploaded material
 * (MATERIAL_JOB_KIND, payload {"material_id": ID}; enqueued by submit.h).
 *
 * What is wrong with the file fails the material at once (ingest.h) and the
 * job succeeds; storage or database trouble fails the attempt so the queue
 * retries it, and the last attempt marks the material failed, so it never
 * stays "processing". */
#ifndef EM_MATERIALS_EXTRACTION_JOB_H
#define EM_MATERIALS_EXTRACTION_JOB_H

#include <stddef.h>

#include "content/storage.h"
#include "jobs/worker.h"
#include "materials/ingest.h"

/* What the job runs with; it must outlive every worker that runs the kind. */
typedef struct extraction_env {
    storage *files;            /* where originals are (borrowed) */
    ingest_options limits;     /* MAX_PDF_PAGES, EXTRACTION_TIMEOUT_SECONDS, ... (progress unset) */
} extraction_env;

/* Copy the kinds into out[0..max); returns how many there are. */
size_t materials_job_kinds(extraction_env *env, job_kind *out /* OUT */, size_t max);

#endif
