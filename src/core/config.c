#include "core/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <unistd.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/num.h"

/* The largest .env file read, and the longest line in it. */
#define DOTENV_MAX_BYTES (256 * 1024)
#define SECRET_MIN_LEN 32

/* A flat list of NAME=value pairs: the .env entries, then the environment's, so a
 * later lookup that scans from the end finds the environment's value first. */
typedef struct kv {
    char *name;
    char *value;
} kv;

typedef struct kvlist {
    kv *items;
    size_t n, cap;
} kvlist;

static void kv_add(kvlist *l, const char *name, size_t name_len, const char *value)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = em_realloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n].name = em_strndup(name, name_len);
    l->items[l->n].value = em_strdup(value);
    l->n++;
}

static void kv_free(kvlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].value);
    }
    free(l->items);
}

/* The value of `name`, or NULL; later entries win. Empty values count as unset. */
static const char *kv_get(const kvlist *l, const char *name)
{
    for (size_t i = l->n; i > 0; i--) {
        if (strcmp(l->items[i - 1].name, name) == 0)
            return l->items[i - 1].value[0] != '\0' ? l->items[i - 1].value : NULL;
    }
    return NULL;
}

/* True when the variable was given with an empty value (kv_get reads that as
 * unset, which suits most variables but not all). */
static bool kv_given_empty(const kvlist *l, const char *name)
{
    for (size_t i = l->n; i > 0; i--) {
        if (strcmp(l->items[i - 1].name, name) == 0)
            return l->items[i - 1].value[0] == '\0';
    }
    return false;
}

static bool is_name_char(char c, bool first)
{
    return c == '_' || isalpha((unsigned char)c) || (!first && isdigit((unsigned char)c));
}

/* Parse one .env value starting at p (after '='), writing the unquoted value into
 * out. Double quotes allow \n \t \" \\ escapes; single quotes are literal;
 * unquoted values end at " #" or end of line and are trimmed. */
static int dotenv_value(const char *p, buf *out, const char **why)
{
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '"' || *p == '\'') {
        char q = *p++;
        while (*p != q) {
            if (*p == '\0') {
                *why = "unterminated quoted value";
                return EM_E_PARSE;
            }
            char c = *p++;
            if (q == '"' && c == '\\' && *p != '\0') {
                char e = *p++;
                c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
            }
            if (buf_append(out, &c, 1) != EM_OK) {
                *why = "value too long";
                return EM_E_TOO_LARGE;
            }
        }
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '\0' && *p != '#') {
            *why = "unexpected text after the closing quote";
            return EM_E_PARSE;
        }
        return EM_OK;
    }
    const char *end = p;
    while (*end != '\0' && !(*end == '#' && end > p && (end[-1] == ' ' || end[-1] == '\t')))
        end++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    if (buf_append(out, p, (size_t)(end - p)) != EM_OK) {
        *why = "value too long";
        return EM_E_TOO_LARGE;
    }
    return EM_OK;
}

/* Adapter: collect parsed entries into a kvlist. */
static void kv_collect(void *ctx, const char *name, const char *value)
{
    kvlist *l = ctx;
    kv_add(l, name, strlen(name), value);
}

int config_parse_dotenv(const char *text, size_t len, const char *origin,
                        void (*entry)(void *ctx, const char *name, const char *value), void *ctx,
                        em_error *err)
{
    int rc = EM_OK;
    if (len > DOTENV_MAX_BYTES)
        return em_error_set(err, EM_E_TOO_LARGE, "%s is larger than %d KiB", origin, DOTENV_MAX_BYTES / 1024);
    if (memchr(text, '\0', len) != NULL)
        return em_error_set(err, EM_E_PARSE, "%s contains a NUL byte", origin);
    char *copy = em_strndup(text, len); /* lines are cut in place */
    buf value;
    buf_init(&value, DOTENV_MAX_BYTES);
    int lineno = 0;
    char *save = copy;
    while (save != NULL && *save != '\0') {
        char *line = save;
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#' || *p == '\r')
            continue;
        if (strncmp(p, "export ", 7) == 0)
            p += 7;
        while (*p == ' ')
            p++;
        const char *name = p;
        if (!is_name_char(*p, true)) {
            rc = em_error_set(err, EM_E_PARSE, "%s:%d: expected NAME=value", origin, lineno);
            goto out;
        }
        while (is_name_char(*p, false))
            p++;
        size_t name_len = (size_t)(p - name);
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '=') {
            rc = em_error_set(err, EM_E_PARSE, "%s:%d: expected '=' after %.*s", origin, lineno,
                              (int)(name_len > 64 ? 64 : name_len), name);
            goto out;
        }
        const char *why = "";
        buf_reset(&value);
        if (dotenv_value(p + 1, &value, &why) != EM_OK) {
            rc = em_error_set(err, EM_E_PARSE, "%s:%d: %s", origin, lineno, why);
            goto out;
        }
        ((char *)name)[name_len] = '\0'; /* safe: the '=' or blank after the name is consumed */
        entry(ctx, name, value.data ? value.data : "");
    }
out:
    buf_cleanup(&value);
    free(copy);
    return rc;
}

/* Read KEY=VALUE lines from path into l. A missing file is fine. */
static int dotenv_read(const char *path, kvlist *l, em_error *err)
{
    buf text;
    buf_init(&text, DOTENV_MAX_BYTES);
    int rc = buf_read_file(&text, path, err);
    if (rc == EM_E_NOT_FOUND) {
        em_error_clear(err);
        rc = EM_OK;
        goto out;
    }
    if (rc == EM_E_TOO_LARGE)
        em_error_set(err, rc, "%s is larger than %d KiB", path, DOTENV_MAX_BYTES / 1024);
    if (rc != EM_OK)
        goto out;
    rc = config_parse_dotenv(text.data ? text.data : "", text.len, path, kv_collect, l, err);
out:
    buf_cleanup(&text);
    return rc;
}

static char *dup_or(const kvlist *l, const char *name, const char *fallback)
{
    const char *v = kv_get(l, name);
    if (v == NULL)
        v = fallback;
    return v != NULL ? em_strdup(v) : NULL;
}

/* Parse an integer variable within [lo, hi] (digits only); unset keeps *out. */
static int get_long(const kvlist *l, const char *name, long lo, long hi, long *out, em_error *err)
{
    const char *v = kv_get(l, name);
    if (v == NULL)
        return EM_OK;
    int64_t n = 0;
    if (num_parse_int64(v, strlen(v), NUM_UNSIGNED, lo, hi, &n) != EM_OK)
        return em_error_set(err, EM_E_CONFIG, "%s must be a whole number from %ld to %ld (got \"%.40s\")",
                            name, lo, hi, v);
    *out = (long)n;
    return EM_OK;
}

static int get_int(const kvlist *l, const char *name, long lo, long hi, int *out, em_error *err)
{
    long n = *out;
    int rc = get_long(l, name, lo, hi, &n, err);
    *out = (int)n;
    return rc;
}

/* SQLITE_SYNCHRONOUS: "full" (the default: a commit is on disk when it is
 * acknowledged) or "normal" (WAL's faster mode: a power cut may lose the last
 * commits; never corrupts). */
static int get_sync(const kvlist *l, bool *normal, em_error *err)
{
    const char *v = kv_get(l, "SQLITE_SYNCHRONOUS");
    if (v == NULL)
        return EM_OK;
    if (ascii_casecmp(v, "full") == 0)
        *normal = false;
    else if (ascii_casecmp(v, "normal") == 0)
        *normal = true;
    else
        return em_error_set(err, EM_E_CONFIG, "SQLITE_SYNCHRONOUS must be full or normal (got \"%.40s\")", v);
    return EM_OK;
}

static int get_bool(const kvlist *l, const char *name, bool *out, em_error *err)
{
    const char *v = kv_get(l, name);
    if (v == NULL)
        return EM_OK;
    if (ascii_casecmp(v, "1") == 0 || ascii_casecmp(v, "true") == 0 || ascii_casecmp(v, "yes") == 0 ||
        ascii_casecmp(v, "on") == 0) {
        *out = true;
    } else if (ascii_casecmp(v, "0") == 0 || ascii_casecmp(v, "false") == 0 || ascii_casecmp(v, "no") == 0 ||
               ascii_casecmp(v, "off") == 0) {
        *out = false;
    } else {
        return em_error_set(err, EM_E_CONFIG, "%s must be true or false (got \"%.40s\")", name, v);
    }
    return EM_OK;
}

int config_parse_rate(const char *spec, int *limit, int *window_s)
{
    int64_t n = 0, w = 0;
    const char *slash = spec != NULL ? strchr(spec, '/') : NULL;
    if (slash == NULL || num_parse_int64(spec, (size_t)(slash - spec), NUM_UNSIGNED, 1, 100000, &n) != EM_OK ||
        num_parse_int64(slash + 1, strlen(slash + 1), NUM_UNSIGNED, 1, 86400, &w) != EM_OK)
        return EM_E_INVAL;
    *limit = (int)n;
    *window_s = (int)w;
    return EM_OK;
}

/* AUTH_RATE_LIMIT and the like: "N/S", unset keeps the defaults. */
static int get_rate(const kvlist *l, const char *name, int *limit, int *window_s, em_error *err)
{
    const char *v = kv_get(l, name);
    if (v == NULL || config_parse_rate(v, limit, window_s) == EM_OK)
        return EM_OK;
    return em_error_set(err, EM_E_CONFIG,
                        "%s must be N/S: N attempts (1-100000) per S seconds (1-86400), e.g. 10/60 "
                        "(got \"%.40s\")",
                        name, v);
}

/* Split "a, b,c" (optionally a JSON-style ["a","b"] list, as the seeds write it)
 * into c->cors_origins. */
static int parse_cors(config *c, const char *v, em_error *err)
{
    const char *p = v;
    while (*p != '\0') {
        while (*p == ' ' || *p == ',' || *p == '[' || *p == ']' || *p == '"' || *p == '\'')
            p++;
        const char *start = p;
        while (*p != '\0' && *p != ',' && *p != ']' && *p != '"' && *p != '\'')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '/'))
            end--; /* "http://x/" and "http://x" are the same origin */
        if (end == start)
            continue;
        if (end - start == 1 && *start == '*') {
            c->cors_wildcard = true;
            continue;
        }
        if (c->cors_count == CONFIG_MAX_CORS)
            return em_error_set(err, EM_E_CONFIG, "CORS_ORIGINS lists more than %d origins",
                                CONFIG_MAX_CORS);
        c->cors_origins[c->cors_count++] = em_strndup(start, (size_t)(end - start));
    }
    return EM_OK;
}

static char *random_secret(void)
{
    unsigned char raw[32];
    char hex[65];
    if (id_random_bytes(raw, sizeof raw) != EM_OK)
        abort(); /* no kernel randomness: nothing safe to run on */
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return em_strdup(hex);
}

int config_load(config *c, char *const *envp, const char *dotenv_path, em_error *err)
{
    int rc = EM_OK;
    kvlist l = {0};
    memset(c, 0, sizeof *c);
    if (dotenv_path != NULL) {
        rc = dotenv_read(dotenv_path, &l, err);
        if (rc != EM_OK)
            goto fail;
    }
    for (char *const *e = envp; e != NULL && *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        if (eq != NULL && eq != *e)
            kv_add(&l, *e, (size_t)(eq - *e), eq + 1);
    }

    const char *env = kv_get(&l, "ENVIRONMENT");
    if (kv_given_empty(&l, "ENVIRONMENT")) {
        /* Not "local" by default: an empty value is a deployment that meant to say something. */
        rc = em_error_set(err, EM_E_CONFIG, "ENVIRONMENT is empty: set local, staging or production");
        goto fail;
    }
    if (env == NULL || strcmp(env, "local") == 0) {
        c->environment = ENV_LOCAL;
    } else if (strcmp(env, "staging") == 0) {
        c->environment = ENV_STAGING;
    } else if (strcmp(env, "production") == 0) {
        c->environment = ENV_PRODUCTION;
    } else {
        rc = em_error_set(err, EM_E_CONFIG,
                          "ENVIRONMENT must be local, staging or production (got \"%.40s\")", env);
        goto fail;
    }
    bool local = c->environment == ENV_LOCAL;
    c->host = dup_or(&l, "HOST", local ? "127.0.0.1" : "0.0.0.0");
    c->port = 8000;
    c->data_dir = dup_or(&l, "DATA_DIR", "./data");
    const char *backups = kv_get(&l, "BACKUP_DIR");
    c->backup_dir =
        backups != NULL && backups[0] != '\0' ? em_strdup(backups) : em_asprintf("%s/backups", c->data_dir);
    c->backup_keep = 7;
    const char *dburl = kv_get(&l, "DATABASE_URL");
    c->database_url = dburl ? em_strdup(dburl) : em_asprintf("sqlite://%s/exammentor.db", c->data_dir);
    c->secret_key = dup_or(&l, "SECRET_KEY", NULL);
    c->first_superuser = dup_or(&l, "FIRST_SUPERUSER", local ? "admin@example.com" : NULL);
    c->first_superuser_password = dup_or(&l, "FIRST_SUPERUSER_PASSWORD", NULL);
    c->log_level = dup_or(&l, "LOG_LEVEL", "info");
    c->max_upload_mb = 25;
    c->max_body_kb = 1024;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    /* Request threads wait on the database as well as compute (a commit waits
     * for its group, db_write_grouped), so more threads than cores keep the
     * cores busy: four a core, at least 8. Password hashes, the memory-hungry
     * work, run at most one a core whatever the count (auth/password.c). */
    long threads = cores * 4;
    c->http_threads = threads < 8 ? 8 : threads > 256 ? 256 : (int)threads;
    c->shutdown_grace_s = 10;
    c->db_timeout_ms = 5000;
    c->access_token_minutes = 15;
    c->refresh_token_days = 30;
    c->auth_rate_limit = 10;
    c->auth_rate_window_s = 60;
    c->user_rate_limit = 300;
    c->user_rate_window_s = 60;
    c->argon2_ops = 4; /* = password_cost_default() (auth/password.c says why) */
    c->argon2_mem_kb = 65536;
    c->worker_concurrency = 2;
    c->worker_batch = 16;
    c->job_lease_s = 30;
    c->worker_shutdown_s = 30;
    c->job_retry_base_ms = 2000;
    c->worker_queues = dup_or(&l, "WORKER_QUEUES", "default");
    c->wordnet_dir = dup_or(&l, "WORDNET_DIR", NULL);
    c->web_dir = dup_or(&l, "WEB_DIR", NULL);
    c->storage_url = dup_or(&l, "STORAGE_URL", NULL);
    c->s3_endpoint = dup_or(&l, "S3_ENDPOINT", NULL);
    c->s3_region = dup_or(&l, "S3_REGION", "us-east-1");
    c->s3_access_key_id = dup_or(&l, "S3_ACCESS_KEY_ID", kv_get(&l, "AWS_ACCESS_KEY_ID"));
    c->s3_secret_access_key = dup_or(&l, "S3_SECRET_ACCESS_KEY", kv_get(&l, "AWS_SECRET_ACCESS_KEY"));
    c->max_pdf_pages = 2000;
    c->extraction_timeout_s = 120;
    c->extraction_threads = cores > 0 ? (int)cores : 2;
    c->download_url_ttl_s = 7 * 86400;
    c->extraction_memory_mb = 256;
    c->user_storage_mb = 2048;
    c->user_materials_max = 2000;
    c->max_pending_extractions = 20;
    c->min_free_disk_mb = 512;
    c->max_connections_per_ip = 256;
    c->request_header_timeout_s = 10;
    c->request_timeout_s = 300;
    c->llm_provider = dup_or(&l, "LLM_PROVIDER", "builtin");
    c->tutor_index_cache_mb = 64;
    c->tutor_threads = cores > 0 ? (int)cores : 2;
    c->tutor_max_streams = 128;
    c->tutor_streams_per_user = 3;
    c->openai_api_key = dup_or(&l, "OPENAI_API_KEY", NULL);
    c->openai_base_url = dup_or(&l, "OPENAI_BASE_URL", "https://api.openai.com/v1");
    c->openai_model = dup_or(&l, "OPENAI_MODEL", "gpt-4o-mini");
    c->gemini_api_key = dup_or(&l, "GEMINI_API_KEY", NULL);
    c->gemini_model = dup_or(&l, "GEMINI_MODEL", "gemini-1.5-flash");
    c->anthropic_api_key = dup_or(&l, "ANTHROPIC_API_KEY", NULL);
    c->redis_url = dup_or(&l, "REDIS_URL", NULL);
    c->smtp_host = dup_or(&l, "SMTP_HOST", NULL);
    c->smtp_port = 587;
    c->smtp_user = dup_or(&l, "SMTP_USER", NULL);
    c->smtp_password = dup_or(&l, "SMTP_PASSWORD", NULL);
    c->smtp_tls = true;
    c->emails_from_email = dup_or(&l, "EMAILS_FROM_EMAIL", NULL);

    if ((rc = get_int(&l, "PORT", 0, 65535, &c->port, err)) != EM_OK ||
        (rc = get_long(&l, "MAX_UPLOAD_MB", 1, 4096, &c->max_upload_mb, err)) != EM_OK ||
        (rc = get_long(&l, "MAX_BODY_KB", 1, 1024 * 1024, &c->max_body_kb, err)) != EM_OK ||
        (rc = get_int(&l, "HTTP_THREADS", 1, 256, &c->http_threads, err)) != EM_OK ||
        (rc = get_int(&l, "SHUTDOWN_GRACE_SECONDS", 0, 3600, &c->shutdown_grace_s, err)) != EM_OK ||
        (rc = get_int(&l, "DB_TIMEOUT_MS", 1, 600000, &c->db_timeout_ms, err)) != EM_OK ||
        (rc = get_int(&l, "SMTP_PORT", 1, 65535, &c->smtp_port, err)) != EM_OK ||
        (rc = get_bool(&l, "SMTP_TLS", &c->smtp_tls, err)) != EM_OK ||
        (rc = get_int(&l, "ACCESS_TOKEN_MINUTES", 1, 1440, &c->access_token_minutes, err)) != EM_OK ||
        (rc = get_int(&l, "REFRESH_TOKEN_DAYS", 1, 365, &c->refresh_token_days, err)) != EM_OK ||
        (rc = get_rate(&l, "AUTH_RATE_LIMIT", &c->auth_rate_limit, &c->auth_rate_window_s, err)) != EM_OK ||
        (rc = get_rate(&l, "USER_RATE_LIMIT", &c->user_rate_limit, &c->user_rate_window_s, err)) != EM_OK ||
        (rc = get_long(&l, "ARGON2_OPSLIMIT", 1, 10, &c->argon2_ops, err)) != EM_OK ||
        (rc = get_long(&l, "ARGON2_MEMLIMIT_KB", 8192, 4 * 1024 * 1024, &c->argon2_mem_kb, err)) != EM_OK ||
        (rc = get_bool(&l, "TRUST_PROXY", &c->trust_proxy, err)) != EM_OK ||
        (rc = get_int(&l, "WORKER_CONCURRENCY", 1, 256, &c->worker_concurrency, err)) != EM_OK ||
        (rc = get_int(&l, "WORKER_BATCH", 1, 256, &c->worker_batch, err)) != EM_OK ||
        (rc = get_int(&l, "JOB_LEASE_SECONDS", 2, 86400, &c->job_lease_s, err)) != EM_OK ||
        (rc = get_int(&l, "WORKER_SHUTDOWN_SECONDS", 0, 3600, &c->worker_shutdown_s, err)) != EM_OK ||
        (rc = get_int(&l, "JOB_RETRY_BASE_MS", 10, 3600000, &c->job_retry_base_ms, err)) != EM_OK ||
        (rc = get_int(&l, "MAX_PDF_PAGES", 1, 100000, &c->max_pdf_pages, err)) != EM_OK ||
        (rc = get_int(&l, "EXTRACTION_TIMEOUT_SECONDS", 1, 86400, &c->extraction_timeout_s, err)) != EM_OK ||
        (rc = get_int(&l, "EXTRACTION_THREADS", 1, 16, &c->extraction_threads, err)) != EM_OK ||
        (rc = get_int(&l, "DOWNLOAD_URL_TTL_SECONDS", 60, 30 * 86400, &c->download_url_ttl_s, err)) !=
            EM_OK ||
        (rc = get_long(&l, "EXTRACTION_MEMORY_MB", 16, 65536, &c->extraction_memory_mb, err)) != EM_OK ||
        (rc = get_long(&l, "USER_STORAGE_MB", 0, 16 * 1024 * 1024, &c->user_storage_mb, err)) != EM_OK ||
        (rc = get_int(&l, "USER_MATERIALS_MAX", 0, 10000000, &c->user_materials_max, err)) != EM_OK ||
        (rc = get_int(&l, "BACKUP_KEEP", 0, 10000, &c->backup_keep, err)) != EM_OK ||
        (rc = get_int(&l, "MAX_PENDING_EXTRACTIONS", 1, 100000, &c->max_pending_extractions, err)) != EM_OK ||
        (rc = get_long(&l, "MIN_FREE_DISK_MB", 0, 16 * 1024 * 1024, &c->min_free_disk_mb, err)) != EM_OK ||
        (rc = get_int(&l, "MAX_CONNECTIONS_PER_IP", 1, 65536, &c->max_connections_per_ip, err)) != EM_OK ||
        (rc = get_int(&l, "REQUEST_HEADER_TIMEOUT_SECONDS", 1, 3600, &c->request_header_timeout_s, err)) !=
            EM_OK ||
        (rc = get_int(&l, "REQUEST_TIMEOUT_SECONDS", 1, 86400, &c->request_timeout_s, err)) != EM_OK ||
        (rc = get_long(&l, "TUTOR_INDEX_CACHE_MB", 0, 65536, &c->tutor_index_cache_mb, err)) != EM_OK ||
        (rc = get_int(&l, "TUTOR_THREADS", 1, 64, &c->tutor_threads, err)) != EM_OK ||
        (rc = get_int(&l, "TUTOR_MAX_STREAMS", 1, 100000, &c->tutor_max_streams, err)) != EM_OK ||
        (rc = get_int(&l, "TUTOR_STREAMS_PER_USER", 1, 100000, &c->tutor_streams_per_user, err)) != EM_OK ||
        (rc = get_sync(&l, &c->sqlite_sync_normal, err)) != EM_OK)
        goto fail;
    if (c->extraction_threads > 16)
        c->extraction_threads = 16;

    const char *cors = kv_get(&l, "CORS_ORIGINS");
    if (cors == NULL)
        cors = kv_get(&l, "BACKEND_CORS_ORIGINS");
    if (cors == NULL && local)
        cors = "http://localhost:8000,http://127.0.0.1:8000,http://localhost:5173";
    if (cors != NULL && (rc = parse_cors(c, cors, err)) != EM_OK)
        goto fail;

    /* Keep the SCHEDULE_* variables (the latest value of each) for config_lookup. */
    for (size_t i = 0; i < l.n; i++) {
        if (strncmp(l.items[i].name, "SCHEDULE_", 9) != 0)
            continue;
        size_t k = 0;
        while (k < c->extra_count && strcmp(c->extra_names[k], l.items[i].name) != 0)
            k++;
        if (k == c->extra_count) {
            if (k == CONFIG_MAX_EXTRA) {
                rc = em_error_set(err, EM_E_CONFIG, "more than %d SCHEDULE_ variables", CONFIG_MAX_EXTRA);
                goto fail;
            }
            c->extra_names[k] = em_strdup(l.items[i].name);
            c->extra_count++;
        } else {
            free(c->extra_values[k]);
        }
        c->extra_values[k] = em_strdup(l.items[i].value);
    }

    /* Development convenience: local runs get throwaway secrets (config_check
     * warns about them); other environments must configure their own. */
    if (local && c->secret_key == NULL) {
        c->secret_key = random_secret();
        c->secret_key_generated = true;
    }
    if (local && c->first_superuser_password == NULL) {
        c->first_superuser_password = random_secret();
        c->first_superuser_password_generated = true;
    }
    kv_free(&l);
    return EM_OK;
fail:
    kv_free(&l);
    config_cleanup(c);
    return rc;
}

void config_cleanup(config *c)
{
    char **owned[] = {&c->host,
                      &c->database_url,
                      &c->data_dir,
                      &c->backup_dir,
                      &c->secret_key,
                      &c->first_superuser,
                      &c->first_superuser_password,
                      &c->log_level,
                      &c->storage_url,
                      &c->s3_endpoint,
                      &c->s3_region,
                      &c->s3_access_key_id,
                      &c->s3_secret_access_key,
                      &c->llm_provider,
                      &c->openai_api_key,
                      &c->openai_base_url,
                      &c->openai_model,
                      &c->gemini_api_key,
                      &c->gemini_model,
                      &c->anthropic_api_key,
                      &c->redis_url,
                      &c->smtp_host,
                      &c->smtp_user,
                      &c->smtp_password,
                      &c->emails_from_email,
                      &c->worker_queues,
                      &c->wordnet_dir,
                      &c->web_dir};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
        free(*owned[i]);
        *owned[i] = NULL;
    }
    for (size_t i = 0; i < c->cors_count; i++)
        free(c->cors_origins[i]);
    c->cors_count = 0;
    for (size_t i = 0; i < c->extra_count; i++) {
        free(c->extra_names[i]);
        free(c->extra_values[i]);
    }
    c->extra_count = 0;
}

const char *config_lookup(const config *c, const char *name)
{
    for (size_t i = 0; i < c->extra_count; i++) {
        if (strcmp(c->extra_names[i], name) == 0)
            return c->extra_values[i][0] != '\0' ? c->extra_values[i] : NULL;
    }
    return NULL;
}

const char *config_env_name(env_kind e)
{
    switch (e) {
    case ENV_STAGING: return "staging";
    case ENV_PRODUCTION: return "production";
    default: return "local";
    }
}

typedef struct problems {
    config_problem *items;
    size_t max, n, fatal;
} problems;

static void add_problem(problems *p, const char *variable, bool fatal, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_problem(problems *p, const char *variable, bool fatal, const char *fmt, ...)
{
    if (p->n < p->max) {
        config_problem *it = &p->items[p->n];
        va_list ap;
        it->variable = variable;
        it->fatal = fatal;
        va_start(ap, fmt);
        vsnprintf(it->message, sizeof it->message, fmt, ap);
        va_end(ap);
    }
    p->n++;
    if (fatal)
        p->fatal++;
}

/* Fewest different characters a secret must use. */
#define SECRET_MIN_DISTINCT 8

/* Why a long enough secret is still guessable, or NULL: few different
 * characters (32 spaces, 32 times "a"), a short text repeated ("changethis"
 * four times), or the default inside it. */
static const char *guessable(const char *v)
{
    size_t n = strnlen(v, 4096);
    bool seen[256] = {false};
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        distinct += !seen[c];
        seen[c] = true;
    }
    if (distinct < SECRET_MIN_DISTINCT)
        return "uses fewer than 8 different characters";
    for (size_t period = 1; period <= n / 2; period++) {
        size_t i = 0;
        while (i + period < n && v[i] == v[i + period])
            i++;
        if (i + period == n)
            return "is a short text repeated";
    }
    static const char deflt[] = "changethis";
    for (size_t i = 0; i + sizeof deflt - 1 <= n; i++) {
        if (ascii_ncasecmp(v + i, deflt, sizeof deflt - 1) == 0)
            return "contains the default \"changethis\"";
    }
    return NULL;
}

/* A secret is weak when missing, a known default, shorter than 32
 * characters, or guessable. */
static void check_secret(problems *p, bool strict, const char *name, const char *value,
                         bool generated)
{
    const char *why = NULL;
    if (generated) {
        add_problem(p, name, false, "%s is not set: a random one was generated for this run only", name);
    } else if (value == NULL) {
        add_problem(p, name, strict, "%s is not set", name);
    } else if (strcmp(value, "changethis") == 0) {
        add_problem(p, name, strict, "%s is the default \"changethis\"", name);
    } else if (strlen(value) < SECRET_MIN_LEN) {
        add_problem(p, name, strict, "%s is shorter than %d characters", name, SECRET_MIN_LEN);
    } else if ((why = guessable(value)) != NULL) {
        add_problem(p, name, strict, "%s %s: use a random value (e.g. 32 bytes from /dev/urandom, base64)", name,
                    why);
    }
}

size_t config_check(const config *c, config_problem *out, size_t max, size_t *fatal)
{
    problems p = {out, max, 0, 0};
    bool strict = c->environment != ENV_LOCAL;
    check_secret(&p, strict, "SECRET_KEY", c->secret_key, c->secret_key_generated);
    check_secret(&p, strict, "FIRST_SUPERUSER_PASSWORD", c->first_superuser_password,
                 c->first_superuser_password_generated);
    if (strict && c->first_superuser == NULL)
        add_problem(&p, "FIRST_SUPERUSER", true, "FIRST_SUPERUSER is not set");
    if (c->cors_wildcard)
        add_problem(&p, "CORS_ORIGINS", strict, "CORS_ORIGINS allows every origin (\"*\")");
    for (size_t i = 0; i < c->cors_count; i++) {
        /* Sandboxed frames and file:// pages all send "Origin: null": allowing it
         * with credentials allows any of them. */
        if (ascii_casecmp(c->cors_origins[i], "null") == 0)
            add_problem(&p, "CORS_ORIGINS", strict,
                        "CORS_ORIGINS allows the origin \"null\" (any sandboxed or local page)");
    }
    log_level lv;
    if (log_level_parse(c->log_level, &lv) != EM_OK)
        add_problem(&p, "LOG_LEVEL", true, "LOG_LEVEL must be debug, info, warning or error");
    if (strncmp(c->database_url, "sqlite:", 7) != 0 && strncmp(c->database_url, "postgres://", 11) != 0 &&
        strncmp(c->database_url, "postgresql://", 13) != 0)
        add_problem(&p, "DATABASE_URL", true,
                    "DATABASE_URL must start with sqlite:, postgres:// or postgresql://");
    static const char *const providers[] = {"builtin", "openai", "gemini", "anthropic"};
    bool known = false;
    for (size_t i = 0; i < 4; i++)
        known = known || strcmp(c->llm_provider, providers[i]) == 0;
    if (!known)
        add_problem(&p, "LLM_PROVIDER", true, "LLM_PROVIDER must be builtin, openai, gemini or anthropic");
    else if (strcmp(c->llm_provider, "openai") == 0 && c->openai_api_key == NULL)
        add_problem(&p, "OPENAI_API_KEY", true, "LLM_PROVIDER=openai needs OPENAI_API_KEY");
    else if (strcmp(c->llm_provider, "gemini") == 0 && c->gemini_api_key == NULL)
        add_problem(&p, "GEMINI_API_KEY", true, "LLM_PROVIDER=gemini needs GEMINI_API_KEY");
    else if (strcmp(c->llm_provider, "anthropic") == 0 && c->anthropic_api_key == NULL)
        add_problem(&p, "ANTHROPIC_API_KEY", true, "LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY");
    const char *su = c->storage_url;
    if (su != NULL && su[0] != '\0') {
        if (strncmp(su, "s3://", 5) == 0) {
            if (su[5] == '\0' || su[5] == '/')
                add_problem(&p, "STORAGE_URL", true, "STORAGE_URL s3:// needs a bucket name (s3://bucket)");
            if (c->s3_endpoint == NULL)
                add_problem(&p, "S3_ENDPOINT", true, "STORAGE_URL=s3://... needs S3_ENDPOINT");
            if (c->s3_access_key_id == NULL || c->s3_secret_access_key == NULL)
                add_problem(&p, "S3_ACCESS_KEY_ID", true,
                            "STORAGE_URL=s3://... needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY");
        } else if (strncmp(su, "file:///", 8) != 0) {
            add_problem(&p, "STORAGE_URL", true, "STORAGE_URL must be file:///absolute/dir or s3://bucket");
        }
    }
    if (strict && c->smtp_host != NULL && c->smtp_password != NULL && strcmp(c->smtp_password, "changethis") == 0)
        add_problem(&p, "SMTP_PASSWORD", true, "SMTP_PASSWORD is the default \"changethis\"");
    *fatal = p.fatal;
    return p.n;
}
