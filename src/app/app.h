/* app: the process-wide context handed to every handler and command.
 *
 * It holds the configuration (read once at start) and the database pool; handlers
 * reach it through req->app. There are no other globals (STYLE rule 15). */
#ifndef EM_APP_APP_H
#define EM_APP_APP_H

#include <stdint.h>
#include <stdio.h>

#include "auth/password.h"
#include "auth/ratelimit.h"
#include "content/storage.h"
#include "core/config.h"
#include "db/db.h"

typedef struct app {
    config cfg;          /* owned; read-only once serving */
    dbpool *db;          /* owned; one connection per thread */
    int64_t started_ms;  /* wall clock at start, for uptime */
    ratelimit *auth_limits; /* owned; login/register/refresh attempts per IP and per account */
    password_cost pw_cost;  /* argon2id cost from ARGON2_OPSLIMIT / ARGON2_MEMLIMIT_KB */
    void *worker_setup;     /* owned: what a started worker's options point into (app.c) */
    storage *files;         /* owned: uploaded originals (STORAGE_URL, default DATA_DIR/files) */
    struct worker *worker;  /* the worker running in this process (borrowed), NULL when none */
} app;

/* Load configuration (environment + .env file), returning EM_E_CONFIG etc. with
 * the reason in err. The .env path is $EXAMMENTOR_ENV_FILE, else "./.env". */
int app_load_config(config *cfg /* OUT */, em_error *err);

/* Print the config_check verdict to `out`: one line per problem, "ok" summary.
 * Returns the number of fatal problems. */
size_t app_report_config(const config *cfg, FILE *out);

/* Open the pool for cfg->database_url and the file storage. app takes
 * ownership of *cfg (zeroed). */
int app_init(app *a /* OUT */, config *cfg, em_error *err);
void app_cleanup(app *a);

/* The extraction limits from the configuration (materials/ingest.h). */
struct ingest_options;
void app_ingest_options(const app *a, struct ingest_options *o /* OUT */);

/* Apply pending migrations on a dedicated connection. */
int app_migrate(const app *a, em_error *err);

/* Start a job worker on the app's pool with the configured queues, threads and
 * schedules; `queues` (comma-separated, NULL: WORKER_QUEUES) and `concurrency`
 * (0: WORKER_CONCURRENCY) override the configuration. Stop it with
 * worker_stop before app_cleanup. */
struct worker;
int app_start_worker(app *a, const char *queues, int concurrency, struct worker **out /* OUT */, em_error *err);

/* Stop the worker app_start_worker started (no-op without one). */
void app_stop_worker(app *a);
/* Tell this process's worker, if it runs one, that a job was just enqueued. */
void app_wake_worker(app *a);

/* Create the first admin from FIRST_SUPERUSER / FIRST_SUPERUSER_PASSWORD when
 * no account has that email (the seeds' start-up behaviour). */
int app_ensure_superuser(app *a, em_error *err);

#endif
