/* jobs_table: see jobs_table.h. */
#include "app/jobs_table.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth_jobs.h"
#include "jobs/builtin_jobs.h"

static int build_queues(jobs_table *t, const char *list, em_error *err)
{
    snprintf(t->queues_text, sizeof t->queues_text, "%s", list);
    char *save = NULL;
    t->n_queues = 0;
    for (char *q = strtok_r(t->queues_text, ",", &save); q != NULL && t->n_queues < JOBS_TABLE_MAX_QUEUES;
         q = strtok_r(NULL, ",", &save)) {
        while (*q == ' ')
            q++;
        if (*q != '\0')
            t->queues[t->n_queues++] = q;
    }
    if (t->n_queues == 0)
        return em_error_set(err, EM_E_CONFIG, "WORKER_QUEUES names no queue");
    return EM_OK;
}

/* Keep the schedules in t->defs[0..n) that are not switched off, with their
 * expressions as configured. */
static int apply_overrides(jobs_table *t, size_t n, const config *cfg, em_error *err)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        char var[96];
        schedule_override_name(t->defs[i].name, var, sizeof var);
        const char *expr = config_lookup(cfg, var);
        if (expr == NULL)
            expr = t->defs[i].cron;
        if (strcmp(expr, "off") == 0)
            continue;
        em_error perr = {0};
        if (cron_parse(expr, &t->crons[kept], &perr) != EM_OK)
            return em_error_set(err, EM_E_CONFIG, "%s: %s", var, perr.msg);
        t->defs[kept] = t->defs[i];
        t->defs[kept].cron = expr;
        kept++;
    }
    t->n_schedules = kept;
    return EM_OK;
}

size_t jobs_table_kinds(job_kind *out, size_t max, extraction_env *extraction, const backup_options *backup)
{
    size_t n = 0;
    n += builtin_job_kinds(out + n, max - n);
    if (n < max)
        n += auth_job_kinds(out + n, max - n);
    if (n < max)
        n += materials_job_kinds(extraction, out + n, max - n);
    if (n < max)
        n += ops_job_kinds(backup, out + n, max - n);
    return n;
}

int jobs_table_build(jobs_table *t, extraction_env *extraction, const backup_options *backup,
                     const config *cfg, const char *queues, em_error *err)
{
    memset(t, 0, sizeof *t);
    size_t n = jobs_table_kinds(t->kinds, JOBS_TABLE_MAX, extraction, backup);
    if (n > JOBS_TABLE_MAX)
        return em_error_set(err, EM_E_INTERNAL, "more than %d job kinds", JOBS_TABLE_MAX);
    t->n_kinds = n;
    size_t ns = auth_schedules(t->defs, JOBS_TABLE_MAX);
    if (ns < JOBS_TABLE_MAX)
        ns += materials_schedules(t->defs + ns, JOBS_TABLE_MAX - ns);
    if (ns < JOBS_TABLE_MAX)
        ns += ops_schedules(t->defs + ns, JOBS_TABLE_MAX - ns);
    if (ns > JOBS_TABLE_MAX)
        return em_error_set(err, EM_E_INTERNAL, "more than %d schedules", JOBS_TABLE_MAX);
    int rc = apply_overrides(t, ns, cfg, err);
    if (rc == EM_OK)
        rc = build_queues(t, queues != NULL ? queues : cfg->worker_queues, err);
    return rc;
}
