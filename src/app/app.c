/* app: see app.h. */
#include "app/app.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/files.h"
#include "auth/ratelimit.h"
#include "net/redis.h"
#include "core/inflight.h"
#include "core/log.h"
#include "db/migrate.h"
#include "jobs/worker.h"
#include "llm/provider.h"
#include "content/wordnet.h"
#include "web/store.h"
#include "materials/passages.h"
#include "net/http_client.h"

extern char **environ;

/* How often the serving pool copies SQLite's WAL back: often enough that the
 * WAL stays small (a few hundred pages at full write load). */
#define APP_CHECKPOINT_MS 100
/* How long a Redis command may take before the caller goes on without it. */
#define APP_REDIS_TIMEOUT_MS 500

int app_load_config(config *cfg, em_error *err)
{
    const char *path = getenv("EXAMMENTOR_ENV_FILE");
    return config_load(cfg, environ, path != NULL ? path : ".env", err);
}

/* Append a finding the way config_check does. */
static void add_finding(config_problem *out, size_t max, size_t *n, size_t *fatal, const char *variable,
                        bool is_fatal, const char *message)
{
    if (*n < max) {
        out[*n].variable = variable;
        out[*n].fatal = is_fatal;
        snprintf(out[*n].message, sizeof out[*n].message, "%s", message);
    }
    (*n)++;
    if (is_fatal)
        (*fatal)++;
}

size_t app_check_config(const config *cfg, config_problem *out, size_t max, size_t *fatal)
{
    size_t n = config_check(cfg, out, max, fatal);
    bool strict = cfg->environment != ENV_LOCAL;
    char email[EMAIL_MAX + 1] = "";
    char msg[sizeof out[0].message];
    em_error e = {0};
    if (cfg->first_superuser != NULL && email_normalize(cfg->first_superuser, email, &e) != EM_OK) {
        snprintf(msg, sizeof msg, "FIRST_SUPERUSER is not an email address: %.150s", e.msg);
        add_finding(out, max, &n, fatal, "FIRST_SUPERUSER", strict, msg);
    }
    /* The first admin is an account like any other: the password policy
     * applies (a generated password passes it by construction). */
    em_error pe = {0};
    if (cfg->first_superuser_password != NULL && !cfg->first_superuser_password_generated &&
        password_check_policy(cfg->first_superuser_password, email[0] != '\0' ? email : NULL, &pe) != EM_OK) {
        snprintf(msg, sizeof msg, "FIRST_SUPERUSER_PASSWORD does not pass the password policy: %.130s",
                 pe.msg);
        add_finding(out, max, &n, fatal, "FIRST_SUPERUSER_PASSWORD", strict, msg);
    }
    bool named = false;
    for (size_t i = 0; i < n && i < max; i++)
        named = named || strcmp(out[i].variable, "LLM_PROVIDER") == 0;
    const llm_provider *llm = NULL;
    if (!named && llm_provider_from_config(cfg->llm_provider, &llm, &e) != EM_OK) {
        snprintf(msg, sizeof msg, "%.190s", e.msg);
        add_finding(out, max, &n, fatal, "LLM_PROVIDER", true, msg);
    }
    return n;
}

static void wake_worker(void *ctx)
{
    app *a = ctx;
    worker_wake(a->worker);
}

/* What each part gets from the configuration. */
static void build_settings(app *a)
{
    const config *c = &a->cfg;
    a->extraction = (extraction_env){
        .files = a->files,
        .limits = {.max_pages = c->max_pdf_pages,
                   .timeout_s = c->extraction_timeout_s,
                   .threads = c->extraction_threads,
                   .max_file_bytes = (size_t)c->max_upload_mb * 1024 * 1024,
                   .max_memory_bytes = (size_t)c->extraction_memory_mb * 1024 * 1024},
    };
    a->backup = (backup_options){
        .dir = c->backup_dir, .keep = c->backup_keep, .database_url = c->database_url, .files = a->files};
    size_t nk = jobs_table_kinds(a->job_kinds, JOBS_TABLE_MAX, &a->extraction, &a->backup);
    a->n_job_kinds = nk < JOBS_TABLE_MAX ? nk : JOBS_TABLE_MAX;
    a->api = (api_ctx){
        .db = a->db,
        .accounts = a->accounts,
        .secure_cookies = c->environment != ENV_LOCAL,
        .files = a->files,
        .links = {.secret = c->secret_key, .max_ttl_s = c->download_url_ttl_s},
        .max_download = (size_t)c->max_upload_mb * 1024 * 1024,
        .worker_alive_s = c->job_lease_s,
        .upload_limits = {.data_dir = c->data_dir,
                          .min_free_bytes = (int64_t)c->min_free_disk_mb * 1024 * 1024,
                          .user_quota_bytes = (int64_t)c->user_storage_mb * 1024 * 1024,
                          .max_materials = c->user_materials_max,
                          .max_pending = c->max_pending_extractions},
        .job_kinds = a->job_kinds,
        .n_job_kinds = a->n_job_kinds,
        .wake_worker = wake_worker,
        .wake_ctx = a,
        .llm = a->llm,
        .passages = a->passages,
        .wordnet = a->wordnet,
        .tutor = a->tutor,
        .quiz_gate = a->quiz_gate,
        .tutor_gate = a->tutor_gate,
        .work_meter = a->work_meter,
        .redis = a->redis,
        .backup_dir = c->backup_dir,
        .web = a->web,
    };
}

/* Whether anything configured talks HTTP to the outside (S3 storage, an LLM
 * provider, mail): only then is libcurl set up, with the OpenSSL it loads
 * (about 2 MB of resident memory a local-only server does without). */
static bool needs_outbound(const config *c)
{
    return (c->storage_url != NULL && strncmp(c->storage_url, "s3://", 5) == 0) ||
           (c->llm_provider != NULL && strcmp(c->llm_provider, "builtin") != 0) || c->smtp_host != NULL;
}

/* WordNet gives quizzes distractors where a material has too few terms of
 * a kind; without it quizzes still work, with fewer choice questions. */
static void open_wordnet(app *a)
{
    const char *dir = a->cfg.wordnet_dir;
    if (dir != NULL && strcmp(dir, "none") == 0)
        return;
    em_error e = {0};
    int rc = wordnet_open(dir != NULL && dir[0] ? dir : NULL, &a->wordnet, &e);
    if (rc != EM_OK)
        log_msg(rc == EM_E_NOT_FOUND ? LOG_INFO : LOG_WARN, "WordNet not used for quiz distractors: %s",
                e.msg);
}

int app_init(app *a, config *cfg, em_error *err)
{
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    a->started_ms = clock_now_ms();
    const config *c = &a->cfg;
    /* Redis first: the limits below keep their windows there when it is set. */
    if (c->redis_url != NULL && c->redis_url[0] != '\0') {
        int rrc = redis_open(c->redis_url, APP_REDIS_TIMEOUT_MS, &a->redis, err);
        if (rrc != EM_OK) {
            config_cleanup(&a->cfg);
            memset(a, 0, sizeof *a);
            return rrc;
        }
        em_error perr = {0};
        if (redis_ping(a->redis, &perr) != EM_OK) /* not fatal: limits fall back to this process */
            log_emit(LOG_WARN, "Redis does not answer yet", json_pack("{s:s}", "error", perr.msg));
    }
    accounts_settings as = {
        .secret_key = c->secret_key,
        .access_ttl_s = c->access_token_minutes * 60,
        .refresh_ttl_days = c->refresh_token_days,
        .cost = {.ops = (unsigned long long)c->argon2_ops, .mem_kb = (size_t)c->argon2_mem_kb},
        .rate_limit = c->auth_rate_limit,
        .rate_window_s = c->auth_rate_window_s,
        .shared = a->redis,
    };
    storage_options so = {
        .url = c->storage_url,
        .data_dir = c->data_dir,
        .s3_endpoint = c->s3_endpoint,
        .s3_region = c->s3_region,
        .s3_access_key = c->s3_access_key_id,
        .s3_secret_key = c->s3_secret_access_key,
    };
    /* SQLite's WAL is copied back by the pool's own thread, never by a commit
     * that answers a request (db.h, checkpoint_ms). */
    db_options dbo = {.timeout_ms = c->db_timeout_ms,
                      .sqlite_sync_normal = c->sqlite_sync_normal,
                      .checkpoint_ms = APP_CHECKPOINT_MS};
    /* Before any thread exists: libcurl's global set-up must not race its users. */
    if (needs_outbound(c) && net_global_init() != EM_OK) {
        config_cleanup(&a->cfg);
        memset(a, 0, sizeof *a);
        return em_error_set(err, EM_E_INTERNAL, "the HTTP client library could not start");
    }
    int rc = llm_provider_from_config(c->llm_provider, &a->llm, err);
    if (rc != EM_OK)
        goto fail_config;
    rc = accounts_new(&as, &a->accounts, err);
    if (rc != EM_OK)
        goto fail_config; /* nothing else taken yet */
    rc = dbpool_new(c->database_url, &dbo, &a->db, err);
    if (rc != EM_OK)
        goto fail_accounts;
    rc = storage_open(&so, &a->files, err);
    if (rc != EM_OK)
        goto fail_pool;
    /* Uploads are spooled on disk beside the data, never in a RAM-backed /tmp. */
    snprintf(a->spool_dir, sizeof a->spool_dir, "%s/tmp", c->data_dir);
    int e = files_mkdirs(a->spool_dir, strlen(a->spool_dir));
    if (e != 0) {
        rc = em_error_set(err, EM_E_IO, "cannot make the upload spool directory DATA_DIR/tmp: %s",
                          strerror(e));
        goto fail_storage;
    }
    if (c->web_dir != NULL && c->web_dir[0] != '\0') {
        rc = webstore_open_dir(c->web_dir, &a->web, err);
        if (rc != EM_OK)
            goto fail_storage;
        log_emit(LOG_INFO, "web UI read from a directory per request (no caching)",
                 json_pack("{s:s}", "web_dir", c->web_dir));
    } else {
        a->web = webstore_new_embedded();
    }
    a->passages = passages_cache_new((size_t)c->tutor_index_cache_mb * 1024 * 1024);
    open_wordnet(a);
    a->tutor = api_tutor_new(a->db, c->tutor_threads, c->tutor_max_streams);
    a->quiz_gate = inflight_new(1, API_QUIZ_GATE_KEYS);
    a->tutor_gate =
        inflight_new(c->tutor_streams_per_user, (size_t)c->tutor_max_streams + API_QUIZ_GATE_KEYS);
    a->work_meter = ratelimit_new(c->user_rate_limit, c->user_rate_window_s, API_METER_KEYS);
    if (a->redis != NULL)
        ratelimit_share(a->work_meter, a->redis, "work");
    build_settings(a);
    return EM_OK;

fail_storage:
    storage_close(a->files);
fail_pool:
    dbpool_free(a->db);
fail_accounts:
    accounts_free(a->accounts);
fail_config:
    redis_close(a->redis);
    config_cleanup(&a->cfg);
    memset(a, 0, sizeof *a);
    return rc;
}

void app_cleanup(app *a)
{
    api_tutor_free(a->tutor); /* waits for producers still finishing */
    inflight_free(a->quiz_gate);
    inflight_free(a->tutor_gate);
    ratelimit_free(a->work_meter);
    redis_close(a->redis);
    passages_cache_free(a->passages);
    wordnet_free(a->wordnet);
    webstore_free(a->web);
    storage_close(a->files);
    dbpool_free(a->db);
    accounts_free(a->accounts);
    config_cleanup(&a->cfg);
    memset(a, 0, sizeof *a);
}

int app_connect(const config *cfg, db **out, em_error *err)
{
    db_options opts = {.timeout_ms = cfg->db_timeout_ms, .sqlite_sync_normal = cfg->sqlite_sync_normal};
    return db_open(cfg->database_url, &opts, out, err);
}

void app_disconnect(db *d)
{
    db_close(d);
}

int app_migrate(const app *a, em_error *err)
{
    db *d = NULL;
    int rc = app_connect(&a->cfg, &d, err);
    if (rc != EM_OK)
        return rc;
    int applied = 0;
    rc = migrate_up(d, 0, &applied, err);
    if (rc == EM_OK && applied > 0)
        log_msg(LOG_INFO, "applied %d migration%s", applied, applied == 1 ? "" : "s");
    app_disconnect(d);
    return rc;
}

/* Write a generated password once to the terminal the server was started
 * from: the controlling terminal, else stderr when it is one. Never the log
 * (it may be a file or a journal). False when there is no terminal. */
static bool show_on_terminal(const char *email, const char *password)
{
    int fd = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 && isatty(STDERR_FILENO))
        fd = dup(STDERR_FILENO);
    if (fd < 0)
        return false;
    char text[768];
    int n =
        snprintf(text, sizeof text,
                 "\n  The first admin account was created:\n"
                 "      email     %s\n"
                 "      password  %s\n"
                 "  It is shown only this once. Change it after logging in, or set FIRST_SUPERUSER_PASSWORD\n"
                 "  before the first start. `exammentor users set-password %s` sets a new one.\n\n",
                 email, password, email);
    bool ok = n > 0 && write(fd, text, (size_t)n) == n;
    close(fd);
    return ok;
}

int app_prepare_logins(app *a, em_error *err)
{
    return accounts_prepare_logins(a->accounts, err);
}

int app_ensure_superuser(app *a, em_error *err)
{
    const config *c = &a->cfg;
    if (c->first_superuser == NULL || c->first_superuser_password == NULL)
        return EM_OK; /* config_check refuses this outside local */
    db *d = NULL;
    int rc = app_connect(c, &d, err);
    if (rc != EM_OK)
        return rc;
    bool generated = c->first_superuser_password_generated;
    superuser_state state = SUPERUSER_EXISTS;
    rc = accounts_ensure_superuser(a->accounts, d, c->first_superuser, c->first_superuser_password,
                                   !generated, &state, err);
    app_disconnect(d);
    if (rc != EM_OK)
        return rc;
    const char *email = c->first_superuser;
    switch (state) {
    case SUPERUSER_CREATED:
        log_emit(LOG_INFO, "first superuser created", json_pack("{s:s}", "email", email));
        if (generated && show_on_terminal(email, c->first_superuser_password))
            log_msg(LOG_WARN,
                    "the first superuser's password was generated and shown once on the terminal "
                    "(not in this log); `exammentor users set-password %s` sets another",
                    email);
        else if (generated)
            log_msg(LOG_WARN,
                    "the first superuser's password was generated and there is no terminal to show "
                    "it on: set one with `exammentor users set-password %s`",
                    email);
        break;
    case SUPERUSER_PASSWORD_DIFFERS:
        log_msg(LOG_WARN,
                "FIRST_SUPERUSER_PASSWORD does not match the existing account %s: the variable only "
                "creates the first admin and is ignored now; `exammentor users set-password %s` "
                "changes the password",
                email, email);
        break;
    case SUPERUSER_NOT_ADMIN:
        log_msg(LOG_WARN,
                "FIRST_SUPERUSER %s is an account without the admin role: "
                "`exammentor users set-role %s admin` makes it one",
                email, email);
        break;
    case SUPERUSER_EXISTS:
        if (generated)
            log_msg(LOG_INFO,
                    "the first superuser %s exists; FIRST_SUPERUSER_PASSWORD is not set, so its "
                    "password is unchanged (`exammentor users set-password %s` sets one)",
                    email, email);
        break;
    }
    return EM_OK;
}

void app_site(app *a, const router *routes, http_site *out)
{
    *out = (http_site){
        .routes = routes,
        .cors_origins = (const char *const *)a->cfg.cors_origins,
        .n_cors_origins = a->cfg.cors_count,
        .cors_any = a->cfg.cors_wildcard,
        .hsts = a->cfg.environment != ENV_LOCAL,
        .authenticate = api_authenticate,
        .ctx = &a->api,
    };
}

int app_start_worker(app *a, const char *queues, int concurrency, em_error *err)
{
    int rc = jobs_table_build(&a->jobs, &a->extraction, &a->backup, &a->cfg, queues, err);
    if (rc != EM_OK)
        return rc;
    worker_options wo = {
        .queues = a->jobs.queues,
        .n_queues = a->jobs.n_queues,
        .concurrency = concurrency > 0 ? concurrency : a->cfg.worker_concurrency,
        .batch = a->cfg.worker_batch,
        .lease_ms = (int64_t)a->cfg.job_lease_s * 1000,
        .retry_base_ms = a->cfg.job_retry_base_ms,
        .idle_poll_ms = 50,
        .shutdown_grace_s = a->cfg.worker_shutdown_s,
        .kinds = a->jobs.kinds,
        .n_kinds = a->jobs.n_kinds,
        .schedules = a->jobs.defs,
        .crons = a->jobs.crons,
        .n_schedules = a->jobs.n_schedules,
    };
    return worker_start(a->db, &wo, &a->worker, err);
}

void app_stop_worker(app *a)
{
    worker *w = a->worker;
    a->worker = NULL;
    worker_stop(w);
}
