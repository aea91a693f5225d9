/* builtin_jobs: see builtin_jobs.h. */
#include "jobs/builtin_jobs.h"

#include <time.h>

static int run_noop(job_ctx *ctx, em_error *err)
{
    (void)ctx;
    (void)err;
    return EM_OK;
}

static int run_sleep(job_ctx *ctx, em_error *err)
{
    json_int_t ms = json_integer_value(json_object_get(ctx->payload, "ms"));
    if (ms < 0 || ms > 600000)
        return em_error_set(err, EM_E_INVAL, "ms must be 0-600000");
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return EM_OK;
}

/* With fail_times >= max_attempts it is a poison job that ends dead. */
static int run_flaky(job_ctx *ctx, em_error *err)
{
    json_int_t n = json_integer_value(json_object_get(ctx->payload, "fail_times"));
    if (ctx->job->attempts <= n)
        return em_error_set(err, EM_E_UNAVAILABLE, "failing on purpose (attempt %d of the first %lld)",
                            ctx->job->attempts, (long long)n);
    return EM_OK;
}

size_t builtin_job_kinds(job_kind *out, size_t max)
{
    static const job_kind kinds[] = {
        {.kind = "system.noop", .run = run_noop},
        {.kind = "debug.sleep", .run = run_sleep},
        {.kind = "debug.flaky", .run = run_flaky},
    };
    size_t n = sizeof kinds / sizeof kinds[0];
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = kinds[i];
    return n;
}
