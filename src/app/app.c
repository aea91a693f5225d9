#include "app/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "app/jobs_table.h"
#include "auth/users.h"
#include "core/mem.h"
#include "db/migrate.h"
#include "materials/ingest.h"

extern char **environ;

int app_load_config(config *cfg, em_error *err)
{
    const char *path = getenv("EXAMMENTOR_ENV_FILE");
    return config_load(cfg, environ, path != NULL ? path : ".env", err);
}

size_t app_report_config(const config *cfg, FILE *out)
{
    config_problem problems[CONFIG_MAX_PROBLEMS];
    size_t fatal = 0;
    size_t n = config_check(cfg, problems, CONFIG_MAX_PROBLEMS, &fatal);
    for (size_t i = 0; i < n && i < CONFIG_MAX_PROBLEMS; i++)
        fprintf(out, "%s: %s: %s\n", problems[i].fatal ? "error" : "warning", problems[i].variable,
                problems[i].message);
    if (fatal > 0)
        fprintf(out, "configuration refused for ENVIRONMENT=%s: %zu problem%s must be fixed\n",
                config_env_name(cfg->environment), fatal, fatal == 1 ? "" : "s");
    else
        fprintf(out, "configuration ok for ENVIRONMENT=%s%s\n", config_env_name(cfg->environment),
                n > 0 ? " (with warnings)" : "");
    return fatal;
}

int app_init(app *a, config *cfg, em_error *err)
{
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    a->started_ms = clock_now_ms();
    a->pw_cost = (password_cost){.ops = (unsigned long long)a->cfg.argon2_ops,
                                 .mem_kb = (size_t)a->cfg.argon2_mem_kb};
    if (password_init() != EM_OK) {
        config_cleanup(&a->cfg);
        return em_error_set(err, EM_E_INTERNAL, "the cryptography library could not start");
    }
    /* Keys are "<action>:ip:<address>" and "<action>:acct:<email>"; 64k of them
     * bound the table at a few MiB whatever a client sends. */
    a->auth_limits = ratelimit_new(a->cfg.auth_rate_limit, a->cfg.auth_rate_window_s, 65536);
    db_options opts = {.timeout_ms = a->cfg.db_timeout_ms};
    int rc = dbpool_new(a->cfg.database_url, &opts, &a->db, err);
    if (rc == EM_OK) {
        storage_options so = {
            .url = a->cfg.storage_url,
            .data_dir = a->cfg.data_dir,
            .s3_endpoint = a->cfg.s3_endpoint,
            .s3_region = a->cfg.s3_region,
            .s3_access_key = a->cfg.s3_access_key_id,
            .s3_secret_key = a->cfg.s3_secret_access_key,
        };
        rc = storage_open(&so, &a->files, err);
        if (rc != EM_OK)
            dbpool_free(a->db);
    }
    if (rc != EM_OK) {
        ratelimit_free(a->auth_limits);
        config_cleanup(&a->cfg);
        return rc;
    }
    return EM_OK;
}

void app_ingest_options(const app *a, ingest_options *o)
{
    *o = (ingest_options){
        .max_pages = a->cfg.max_pdf_pages,
        .timeout_s = a->cfg.extraction_timeout_s,
        .threads = a->cfg.extraction_threads,
        .max_file_bytes = (size_t)a->cfg.max_upload_mb * 1024 * 1024,
    };
}

void app_cleanup(app *a)
{
    storage_close(a->files);
    a->files = NULL;
    dbpool_free(a->db);
    a->db = NULL;
    ratelimit_free(a->auth_limits);
    a->auth_limits = NULL;
    free(a->worker_setup);
    a->worker_setup = NULL;
    config_cleanup(&a->cfg);
}

int app_migrate(const app *a, em_error *err)
{
    db_options opts = {.timeout_ms = a->cfg.db_timeout_ms};
    db *d = NULL;
    int rc = db_open(a->cfg.database_url, &opts, &d, err);
    if (rc != EM_OK)
        return rc;
    int applied = 0;
    rc = migrate_up(d, 0, &applied, err);
    if (rc == EM_OK && applied > 0)
        log_msg(LOG_INFO, "applied %d migration%s", applied, applied == 1 ? "" : "s");
    db_close(d);
    return rc;
}

int app_ensure_superuser(app *a, em_error *err)
{
    if (a->cfg.first_superuser == NULL || a->cfg.first_superuser_password == NULL)
        return EM_OK; /* config_check refuses this outside local */
    db_options opts = {.timeout_ms = a->cfg.db_timeout_ms};
    db *d = NULL;
    int rc = db_open(a->cfg.database_url, &opts, &d, err);
    if (rc != EM_OK)
        return rc;
    bool created = false;
    rc = users_ensure_superuser(d, a->cfg.first_superuser, a->cfg.first_superuser_password, a->pw_cost,
                                &created, err);
    if (rc == EM_OK && created) {
        log_emit(LOG_INFO, "first superuser created", json_pack("{s:s}", "email", a->cfg.first_superuser));
        if (a->cfg.first_superuser_password_generated)
            log_msg(LOG_WARN, "the first superuser's password was generated for this run and is not shown: "
                              "set FIRST_SUPERUSER_PASSWORD to log in as %s", a->cfg.first_superuser);
    }
    db_close(d);
    return rc;
}

/* The worker's options point into these: one set per process is enough. */
typedef struct worker_setup {
    char queues_text[512];
    const char *queues[32];
    schedule_def defs[JOBS_TABLE_MAX_SCHEDULES];
    cron crons[JOBS_TABLE_MAX_SCHEDULES];
} worker_setup;

int app_start_worker(app *a, const char *queues, int concurrency, struct worker **out, em_error *err)
{
    /* Owned by the app for its lifetime (the worker borrows the arrays). */
    worker_setup *ws = a->worker_setup != NULL ? a->worker_setup : em_calloc(1, sizeof *ws);
    a->worker_setup = ws;
    snprintf(ws->queues_text, sizeof ws->queues_text, "%s", queues != NULL ? queues : a->cfg.worker_queues);
    size_t nq = 0;
    char *save = NULL;
    for (char *q = strtok_r(ws->queues_text, ",", &save); q != NULL && nq < 32; q = strtok_r(NULL, ",", &save)) {
        while (*q == ' ')
            q++;
        if (*q != '\0')
            ws->queues[nq++] = q;
    }
    if (nq == 0)
        return em_error_set(err, EM_E_CONFIG, "WORKER_QUEUES names no queue");
    size_t nsched = 0;
    int rc = jobs_table_schedules(&a->cfg, ws->defs, ws->crons, &nsched, err);
    if (rc != EM_OK)
        return rc;
    size_t nkinds = 0;
    const job_kind *kinds = jobs_table_kinds(&nkinds);
    worker_options wo = {
        .queues = ws->queues,
        .n_queues = nq,
        .concurrency = concurrency > 0 ? concurrency : a->cfg.worker_concurrency,
        .batch = a->cfg.worker_batch,
        .lease_ms = (int64_t)a->cfg.job_lease_s * 1000,
        .retry_base_ms = a->cfg.job_retry_base_ms,
        .idle_poll_ms = 50,
        .shutdown_grace_s = a->cfg.worker_shutdown_s,
        .kinds = kinds,
        .n_kinds = nkinds,
        .schedules = ws->defs,
        .crons = ws->crons,
        .n_schedules = nsched,
        .app = a,
    };
    rc = worker_start(a->db, &wo, (worker **)out, err);
    if (rc == EM_OK)
        a->worker = *out;
    return rc;
}

void app_stop_worker(app *a)
{
    worker *w = a->worker;
    a->worker = NULL;
    worker_stop(w);
}

void app_wake_worker(app *a)
{
    worker_wake(a->worker);
}
