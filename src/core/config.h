/* config: the process configuration, read once at start from the environment and
 * an optional .env file (the environment wins), then validated.
 *
 * Names follow the seeds (DESIGN.md, "Configuration"). Outside ENVIRONMENT=local
 * weak secrets and wildcard CORS are refused; in local, missing secrets are
 * generated for the process's lifetime with a warning. config_check gives the
 * same verdict `exammentor check-config` prints and `serve` acts on. */
#ifndef EM_CORE_CONFIG_H
#define EM_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

typedef enum env_kind { ENV_LOCAL = 0, ENV_STAGING = 1, ENV_PRODUCTION = 2 } env_kind;

#define CONFIG_MAX_CORS 32
#define CONFIG_MAX_EXTRA 64

typedef struct config {
    env_kind environment;
    char *host;                       /* HOST, default 127.0.0.1 in local, 0.0.0.0 elsewhere */
    int port;                         /* PORT, default 8000 */
    char *database_url;               /* DATABASE_URL, default sqlite:///<DATA_DIR>/exammentor.db */
    char *data_dir;                   /* DATA_DIR, default ./data */
    char *backup_dir;                 /* BACKUP_DIR: where backups go, default <DATA_DIR>/backups */
    int backup_keep;                  /* BACKUP_KEEP: backups kept, the newest, default 7; 0: all */
    char *secret_key;                 /* SECRET_KEY */
    bool secret_key_generated;        /* true when generated for local use */
    char *first_superuser;            /* FIRST_SUPERUSER (email) */
    char *first_superuser_password;   /* FIRST_SUPERUSER_PASSWORD */
    bool first_superuser_password_generated;
    char *cors_origins[CONFIG_MAX_CORS]; /* CORS_ORIGINS / BACKEND_CORS_ORIGINS, comma-separated */
    size_t cors_count;
    bool cors_wildcard;               /* "*" was given */
    char *log_level;                  /* LOG_LEVEL, default info */
    long max_upload_mb;               /* MAX_UPLOAD_MB, default 25 */
    long max_body_kb;                 /* MAX_BODY_KB: JSON request bodies, default 1024 */
    int http_threads;                 /* HTTP_THREADS, default: 4 a core, at least 8 */
    int shutdown_grace_s;             /* SHUTDOWN_GRACE_SECONDS, default 10 */
    int db_timeout_ms;                /* DB_TIMEOUT_MS: busy timeout / connect timeout, default 5000 */
    int access_token_minutes;         /* ACCESS_TOKEN_MINUTES: JWT lifetime, default 15 */
    int refresh_token_days;           /* REFRESH_TOKEN_DAYS: refresh token lifetime, default 30 */
    int auth_rate_limit;              /* AUTH_RATE_LIMIT "N/S": N attempts per S seconds, per IP */
    int auth_rate_window_s;           /*   and per account, on login/register/refresh; default 10/60 */
    int user_rate_limit;    /* USER_RATE_LIMIT "N/S": calls that start work (tutor answers, quizzes, */
    int user_rate_window_s; /*   plans, sessions, uploads, analyses) per account; default 300/60 */
    long argon2_ops;                  /* ARGON2_OPSLIMIT: password hashing passes, default 4 */
    long argon2_mem_kb;               /* ARGON2_MEMLIMIT_KB: its memory, default 65536 (64 MiB) */
    bool trust_proxy;                 /* TRUST_PROXY: client address from X-Forwarded-For */
    int worker_concurrency;           /* WORKER_CONCURRENCY: job threads per worker, default 2 */
    int worker_batch;                 /* WORKER_BATCH: jobs claimed per transaction, default 16 */
    int job_lease_s;                  /* JOB_LEASE_SECONDS: lease per claim, default 30 */
    int worker_shutdown_s;            /* WORKER_SHUTDOWN_SECONDS: grace for running jobs, default 30 */
    int job_retry_base_ms;            /* JOB_RETRY_BASE_MS: first retry delay, doubling; default 2000 */
    char *worker_queues;              /* WORKER_QUEUES: comma-separated, default "default" */
    char *wordnet_dir;                /* WORDNET_DIR: WordNet's database for quiz distractors, default
                                         Debian's wordnet-base; "none" to do without */
    char *web_dir;                    /* WEB_DIR: serve the web UI from this directory, read per request,
                                         instead of the compiled-in one (serve --web-dir); NULL: compiled-in */
    char *storage_url;                /* STORAGE_URL: "" = DATA_DIR/files, file:///dir, or s3://bucket[/prefix] */
    char *s3_endpoint;                /* S3_ENDPOINT: e.g. http://127.0.0.1:9000 (path-style requests) */
    char *s3_region;                  /* S3_REGION, default us-east-1 */
    char *s3_access_key_id;           /* S3_ACCESS_KEY_ID (alias AWS_ACCESS_KEY_ID) */
    char *s3_secret_access_key;       /* S3_SECRET_ACCESS_KEY (alias AWS_SECRET_ACCESS_KEY) */
    int max_pdf_pages;                /* MAX_PDF_PAGES: longer PDFs fail extraction, default 2000 */
    int extraction_timeout_s;         /* EXTRACTION_TIMEOUT_SECONDS: per document, default 120 */
    int extraction_threads;           /* EXTRACTION_THREADS: pages extracted in parallel, default cores */
    int download_url_ttl_s;           /* DOWNLOAD_URL_TTL_SECONDS: signed link lifetime, default 7 days */
    long extraction_memory_mb;        /* EXTRACTION_MEMORY_MB: MuPDF's budget per document, default 256 */
    long user_storage_mb;             /* USER_STORAGE_MB: originals a user may keep, default 2048; 0: no quota */
    int user_materials_max; /* USER_MATERIALS_MAX: materials a user may keep, default 2000; 0: no cap */
    int max_pending_extractions;      /* MAX_PENDING_EXTRACTIONS: unfinished extraction jobs per user, default 20 */
    long min_free_disk_mb;            /* MIN_FREE_DISK_MB: uploads refused (507) below this, default 512 */
    int max_connections_per_ip;       /* MAX_CONNECTIONS_PER_IP: open connections per client address, default 256 */
    int request_header_timeout_s;     /* REQUEST_HEADER_TIMEOUT_SECONDS: a request's headers must arrive within, default 10 */
    int request_timeout_s;            /* REQUEST_TIMEOUT_SECONDS: the whole request (headers and body) within, default 300 */
    bool sqlite_sync_normal;          /* SQLITE_SYNCHRONOUS=normal: faster commits a power cut may lose; default full */
    char *llm_provider;               /* LLM_PROVIDER: builtin|openai|gemini|anthropic */
    long tutor_index_cache_mb;        /* TUTOR_INDEX_CACHE_MB: built material indexes kept for the tutor, default 64 */
    int tutor_threads;                /* TUTOR_THREADS: threads producing tutor streams, default cores */
    int tutor_max_streams;            /* TUTOR_MAX_STREAMS: tutor streams queued or being produced, default 128 */
    int tutor_streams_per_user; /* TUTOR_STREAMS_PER_USER: of those, one account's (and its explanations),
                                   default 3 */
    char *openai_api_key, *openai_base_url, *openai_model;
    char *gemini_api_key, *gemini_model;
    char *anthropic_api_key;
    char *redis_url;
    char *smtp_host;
    int smtp_port;
    char *smtp_user, *smtp_password;
    bool smtp_tls;
    char *emails_from_email;
    /* Variables read by name later (SCHEDULE_<NAME> overrides): kept as given. */
    char *extra_names[CONFIG_MAX_EXTRA];
    char *extra_values[CONFIG_MAX_EXTRA];
    size_t extra_count;
} config;

/* One finding of config_check. */
typedef struct config_problem {
    const char *variable;   /* the variable's name (static string) */
    bool fatal;             /* refuses to start; otherwise a warning */
    char message[200];
} config_problem;

#define CONFIG_MAX_PROBLEMS 32

/* Load from `envp` (NULL-terminated "NAME=value" strings, as environ) and from the
 * file at `dotenv_path` when it exists (NULL: no file). A missing file is not an
 * error; an unreadable or malformed one is (EM_E_PARSE, with file and line in
 * err). Values that do not parse (PORT=abc) are EM_E_CONFIG naming the variable.
 * On success the caller owns *c and frees it with config_cleanup; on failure *c
 * holds nothing to free. */
int config_load(config *c /* OUT */, char *const *envp, const char *dotenv_path, em_error *err);
void config_cleanup(config *c);

/* Validate for the configured environment. Fills up to `max` problems and
 * returns how many were found in all; the count of fatal ones goes to *fatal. */
size_t config_check(const config *c, config_problem *problems /* OUT */, size_t max,
                    size_t *fatal /* OUT */);

/* Parse .env text (len bytes, need not be NUL-terminated), calling entry for
 * each NAME=value in order; `origin` names the source in error messages
 * ("path:line: reason"). Stops at the first malformed line with EM_E_PARSE;
 * EM_E_TOO_LARGE past 256 KiB. The strings given to entry are borrowed for the
 * call only. */
int config_parse_dotenv(const char *text, size_t len, const char *origin,
                        void (*entry)(void *ctx, const char *name, const char *value), void *ctx,
                        em_error *err);

/* Parse a rate "N/S" (N hits per S seconds, e.g. "10/60"): digits only,
 * 1..100000 hits, 1..86400 s. EM_E_INVAL when malformed or out of range. */
int config_parse_rate(const char *spec, int *limit /* OUT */, int *window_s /* OUT */);

/* The value of a kept variable (names starting with SCHEDULE_), or NULL.
 * Borrowed from c. */
const char *config_lookup(const config *c, const char *name);

/* Name of an environment ("local", "staging", "production"). */
const char *config_env_name(env_kind e);


#endif
