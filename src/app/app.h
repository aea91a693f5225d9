/* app: the composition root. It reads the configuration once, opens what the
 * process shares (the database pool, file storage, the account use cases),
 * and hands each part only what it needs: the handlers their api_ctx, the
 * HTTP server its site, the job kinds their envs, the workers their table.
 * There are no other globals (STYLE rule 15); nothing below app/ and cli/
 * sees the configuration. */
#ifndef EM_APP_APP_H
#define EM_APP_APP_H

#include <stdint.h>

#include "api/api.h"
#include "app/jobs_table.h"
#include "auth/accounts.h"
#include "content/storage.h"
#include "core/config.h"
#include "db/db.h"
#include "http/router.h"
#include "materials/extraction_job.h"

struct worker;

typedef struct app {
    config cfg;                 /* owned; read by app/ and cli/ only */
    dbpool *db;                 /* owned; one connection per thread */
    storage *files;             /* owned: uploaded originals (STORAGE_URL, default DATA_DIR/files) */
    accounts *accounts;         /* owned: the account use cases */
    extraction_env extraction;  /* the materials area's jobs' env */
    backup_options backup;      /* BACKUP_DIR, BACKUP_KEEP: the backup job's env and the backup command's */
    job_kind job_kinds[JOBS_TABLE_MAX]; /* every area's job kinds (jobs_table_kinds): their steps run
                                           when operators retry or delete jobs */
    size_t n_job_kinds;
    const struct llm_provider *llm; /* the tutor's engine (LLM_PROVIDER), static */
    struct passages_cache *passages; /* owned: built material indexes (TUTOR_INDEX_CACHE_MB) */
    struct wordnet *wordnet;         /* owned, NULL without one: sister terms for quiz distractors (WORDNET_DIR) */
    struct webstore *web;       /* owned: the web UI's files (compiled in, or WEB_DIR / serve --web-dir) */
    api_tutor *tutor;           /* owned: the tutor's stream producers (TUTOR_THREADS, TUTOR_MAX_STREAMS) */
    struct inflight *quiz_gate; /* owned: quizzes being made, one per student at a time */
    struct inflight *tutor_gate; /* owned: tutor answers per account (TUTOR_STREAMS_PER_USER) */
    struct ratelimit *work_meter; /* owned: metered calls per account (USER_RATE_LIMIT) */
    struct redis *redis;          /* owned: REDIS_URL's connection (NULL when unset) */
    api_ctx api;                /* what the handlers get as req->ctx */
    jobs_table jobs;            /* what a started worker runs (its options point in here) */
    struct worker *worker;      /* the worker running in this process, NULL when none */
    char spool_dir[4096];       /* DATA_DIR/tmp: upload bodies on their way in (made at start) */
    int64_t started_ms;         /* wall clock at start */
} app;

/* Load configuration (environment + .env file), returning EM_E_CONFIG etc. with
 * the reason in err. The .env path is $EXAMMENTOR_ENV_FILE, else "./.env". */
int app_load_config(config *cfg /* OUT */, em_error *err);

/* The configuration's verdict for its environment: config_check (core/config.h)
 * and what needs the account rules to judge: FIRST_SUPERUSER must be an email,
 * and FIRST_SUPERUSER_PASSWORD must pass the password policy (fatal outside
 * local, a warning in local). Same contract as config_check; `serve` and
 * `check-config` both judge by it. */
size_t app_check_config(const config *cfg, config_problem *out /* OUT */, size_t max, size_t *fatal /* OUT */);

/* Open the pool for cfg->database_url, the file storage and the account use
 * cases, and build the parts' settings. app takes ownership of *cfg (zeroed).
 * On failure nothing is left to clean up. */
int app_init(app *a /* OUT */, config *cfg, em_error *err);
void app_cleanup(app *a);

/* A dedicated connection for a command or for start-up work (migrations, the
 * first superuser), outside the pool. Close with app_disconnect. */
int app_connect(const config *cfg, db **out /* OUT */, em_error *err);
void app_disconnect(db *d);

/* Apply pending migrations on a dedicated connection. */
int app_migrate(const app *a, em_error *err);

/* Create the first admin from FIRST_SUPERUSER / FIRST_SUPERUSER_PASSWORD when
 * no account has that email. A password generated for a local run is shown
 * once, on the terminal (never in the log); when the account exists and the
 * variable no longer matches it, a warning says the variable is ignored and
 * how to change the password. */
int app_ensure_superuser(app *a, em_error *err);

/* What a server pays before it listens rather than on its first login: the
 * login timing equaliser's password hash (accounts_prepare_logins). Commands
 * that log nobody in skip it (an argon2id hash: ARGON2_MEMLIMIT_KB and about
 * 0.15 s at the defaults). */
int app_prepare_logins(app *a, em_error *err);

/* The site the HTTP server serves: the routes, the configured CORS origins,
 * HSTS outside local, the authenticator and the handlers' context. */
void app_site(app *a, const router *routes, http_site *out /* OUT */);

/* Start a job worker on the app's pool; `queues` (comma-separated, NULL:
 * WORKER_QUEUES) and `concurrency` (0: WORKER_CONCURRENCY) override the
 * configuration. Uploads then wake it. Stop it with app_stop_worker (before
 * app_cleanup). */
int app_start_worker(app *a, const char *queues, int concurrency, em_error *err);
/* Stop the worker app_start_worker started (no-op without one). */
void app_stop_worker(app *a);

#endif
