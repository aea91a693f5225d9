/* builtin_jobs: the job kinds the queue itself offers, for operators and
 * tests: system.noop (does nothing: benchmarks and liveness probes),
 * debug.sleep {"ms": N} (holds a worker thread up to 10 minutes: leases,
 * shutdown, crash recovery) and debug.flaky {"fail_times": N} (fails its first
 * N attempts: retries and dead jobs). Only code and operators (the jobs CLI)
 * enqueue jobs, so none is reachable from outside. */
#ifndef EM_JOBS_BUILTIN_JOBS_H
#define EM_JOBS_BUILTIN_JOBS_H

#include <stddef.h>

#include "jobs/worker.h"

/* Copy the kinds into out[0..max); returns how many there are (at most max copied). */
size_t builtin_job_kinds(job_kind *out /* OUT */, size_t max);

#endif
