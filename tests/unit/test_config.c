/* config: loading from the environment and .env, and the start-up verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

static const char strong[] = "0123456789abcdef0123456789abcdef-strong";

/* Write text to a new temporary file; returns its owned path. */
static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/em-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static bool has_problem(const config_problem *p, size_t n, const char *var, bool fatal)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].variable, var) == 0 && p[i].fatal == fatal)
            return true;
    return false;
}

static void config_defaults_local(void **state)
{
    char *env[] = {NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, NULL, &err), EM_OK);
    assert_int_equal(c.environment, ENV_LOCAL);
    assert_int_equal(c.port, 8000);
    assert_string_equal(c.data_dir, "./data");
    assert_string_equal(c.database_url, "sqlite://./data/exammentor.db");
    assert_true(c.secret_key_generated);
    assert_true(strlen(c.secret_key) >= 32);
    assert_string_equal(c.llm_provider, "builtin");
    assert_int_equal(c.access_token_minutes, 15);
    assert_int_equal(c.auth_rate_limit, 10);
    assert_int_equal(c.user_rate_limit, 300);
    assert_int_equal(c.user_rate_window_s, 60);
    assert_int_equal(c.auth_rate_window_s, 60);
    assert_int_equal(c.argon2_mem_kb, 65536);
    assert_false(c.trust_proxy);
    config_problem p[CONFIG_MAX_PROBLEMS];
    size_t fatal = 99;
    size_t n = config_check(&c, p, CONFIG_MAX_PROBLEMS, &fatal);
    assert_int_equal(fatal, 0);
    assert_true(has_problem(p, n, "SECRET_KEY", false)); /* a warning about the generated key */
    config_cleanup(&c);
}

static void config_env_wins_over_dotenv(void **state)
{
    char *path = write_temp("# comment\n"
                            "export PORT=9001\n"
                            "LOG_LEVEL = debug   # trailing comment\n"
                            "SECRET_KEY=\"from file with \\\"quotes\\\" and # hash\"\n"
                            "DATA_DIR='/srv/em data'\n"
                            "\n");
    char *env[] = {"PORT=9100",
                   "OTHER=1",
                   "AUTH_RATE_LIMIT=5/30",
                   "USER_RATE_LIMIT=20/10",
                   "TRUST_PROXY=yes",
                   "SCHEDULE_AUTH_PURGE=*/5 * * * *",
                   NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, path, &err), EM_OK);
    assert_int_equal(c.port, 9100);
    assert_int_equal(c.auth_rate_limit, 5);
    assert_int_equal(c.auth_rate_window_s, 30);
    assert_int_equal(c.user_rate_limit, 20);
    assert_int_equal(c.user_rate_window_s, 10);
    assert_true(c.trust_proxy);
    assert_string_equal(config_lookup(&c, "SCHEDULE_AUTH_PURGE"), "*/5 * * * *");
    assert_null(config_lookup(&c, "SCHEDULE_OTHER"));
    assert_null(config_lookup(&c, "PORT")); /* only SCHEDULE_ names are kept */
    assert_int_equal(c.worker_concurrency, 2);
    assert_string_equal(c.worker_queues, "default");
    assert_string_equal(c.log_level, "debug");
    assert_string_equal(c.secret_key, "from file with \"quotes\" and # hash");
    assert_false(c.secret_key_generated);
    assert_string_equal(c.data_dir, "/srv/em data");
    assert_string_equal(c.database_url, "sqlite:///srv/em data/exammentor.db");
    config_cleanup(&c);
    unlink(path);
    free(path);
}

static void config_missing_dotenv_is_fine(void **state)
{
    char *env[] = {NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, "/nonexistent/.env", &err), EM_OK);
    config_cleanup(&c);
}

static void config_malformed_dotenv_names_line(void **state)
{
    char *path = write_temp("PORT=1\nthis is not an assignment\n");
    char *env[] = {NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, path, &err), EM_E_PARSE);
    assert_non_null(strstr(err.msg, ":2:"));
    unlink(path);
    free(path);

    path = write_temp("SECRET_KEY=\"never closed\n");
    assert_int_equal(config_load(&c, env, path, &err), EM_E_PARSE);
    assert_non_null(strstr(err.msg, "unterminated"));
    unlink(path);
    free(path);
}

static void config_bad_numbers_name_variable(void **state)
{
    const char *cases[][2] = {{"PORT=abc", "PORT"},       {"PORT=70000", "PORT"},
                              {"PORT=80x", "PORT"},       {"MAX_UPLOAD_MB=0", "MAX_UPLOAD_MB"},
                              {"HTTP_THREADS=-1", "HTTP_THREADS"}, {"SMTP_TLS=maybe", "SMTP_TLS"},
                              {"ENVIRONMENT=prod", "ENVIRONMENT"},
                              {"AUTH_RATE_LIMIT=10", "AUTH_RATE_LIMIT"},
                              {"AUTH_RATE_LIMIT=0/60", "AUTH_RATE_LIMIT"},
                              {"AUTH_RATE_LIMIT=10/60s", "AUTH_RATE_LIMIT"},
                              {"ARGON2_MEMLIMIT_KB=1024", "ARGON2_MEMLIMIT_KB"},
                              {"ACCESS_TOKEN_MINUTES=0", "ACCESS_TOKEN_MINUTES"},
                              /* digits only: no spaces, no sign, no overflow */
                              {"PORT= 8000", "PORT"},     {"PORT=+8000", "PORT"},
                              {"PORT=-0", "PORT"},        {"PORT=8000 ", "PORT"},
                              {"MAX_BODY_KB=18446744073709551617", "MAX_BODY_KB"},
                              {"AUTH_RATE_LIMIT=+10/60", "AUTH_RATE_LIMIT"},
                              {"AUTH_RATE_LIMIT=10/ 60", "AUTH_RATE_LIMIT"},
                              {"AUTH_RATE_LIMIT=10/60/60", "AUTH_RATE_LIMIT"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *env[] = {(char *)cases[i][0], NULL};
        config c;
        em_error err = {0};
        int rc = config_load(&c, env, NULL, &err);
        assert_true(rc == EM_E_CONFIG);
        assert_non_null(strstr(err.msg, cases[i][1]));
    }
}

static void config_production_refuses_weak_secrets(void **state)
{
    char *env[] = {"ENVIRONMENT=production", "SECRET_KEY=changethis",
                   "FIRST_SUPERUSER=admin@example.org", "FIRST_SUPERUSER_PASSWORD=short",
                   "CORS_ORIGINS=*", NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, NULL, &err), EM_OK);
    assert_false(c.secret_key_generated);
    config_problem p[CONFIG_MAX_PROBLEMS];
    size_t fatal = 0;
    size_t n = config_check(&c, p, CONFIG_MAX_PROBLEMS, &fatal);
    assert_int_equal(fatal, 3);
    assert_true(has_problem(p, n, "SECRET_KEY", true));
    assert_true(has_problem(p, n, "FIRST_SUPERUSER_PASSWORD", true));
    assert_true(has_problem(p, n, "CORS_ORIGINS", true));
    config_cleanup(&c);
}

/* Long enough and still guessable: refused outside local, naming the
 * variable; the same values are warnings in local. */
static void config_production_refuses_guessable_secrets(void **state)
{
    (void)state;
    static const char *const guessable[] = {
        "SECRET_KEY=                                ",                 /* 32 spaces */
        "SECRET_KEY=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",          /* one character */
        "SECRET_KEY=abababababababababababababababab",                 /* two */
        "SECRET_KEY=changethischangethischangethischangethis",          /* a short text repeated */
        "SECRET_KEY=0123456789abcdef0123456789abcdef0123456789abcdef",  /* also a repeat */
        "SECRET_KEY=Xk2-ChangeThis-qQ9_vv8-Lm3-Zt7-Pw1-Rr5",             /* the default inside it */
    };
    char pw[128];
    snprintf(pw, sizeof pw, "FIRST_SUPERUSER_PASSWORD=%s", strong);
    for (size_t i = 0; i < sizeof guessable / sizeof guessable[0]; i++) {
        for (int production = 0; production <= 1; production++) {
            char *env[] = {production ? "ENVIRONMENT=production" : "ENVIRONMENT=local", (char *)guessable[i], pw,
                           "FIRST_SUPERUSER=admin@example.org", NULL};
            config c;
            em_error err = {0};
            assert_int_equal(config_load(&c, env, NULL, &err), EM_OK);
            config_problem p[CONFIG_MAX_PROBLEMS];
            size_t fatal = 9;
            size_t n = config_check(&c, p, CONFIG_MAX_PROBLEMS, &fatal);
            if (!has_problem(p, n, "SECRET_KEY", production == 1))
                fail_msg("%s not judged in %s", guessable[i], production ? "production" : "local");
            assert_int_equal(fatal, production ? 1 : 0);
            config_cleanup(&c);
        }
    }
    /* What a real random key looks like passes. */
    char *env[] = {"ENVIRONMENT=production", "SECRET_KEY=q3J9vF0cX7nB2mL8kZ4wR1tY6uH5eS0a", pw,
                   "FIRST_SUPERUSER=admin@example.org", NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, NULL, &err), EM_OK);
    config_problem p[CONFIG_MAX_PROBLEMS];
    size_t fatal = 9;
    assert_int_equal(config_check(&c, p, CONFIG_MAX_PROBLEMS, &fatal), 0);
    assert_int_equal(fatal, 0);
    config_cleanup(&c);
}

/* "Origin: null" comes from sandboxed frames and local files: allowing it
 * with credentials allows them all. An empty ENVIRONMENT is refused, not
 * taken for local. */
static void config_refuses_null_origin_and_empty_environment(void **state)
{
    (void)state;
    char key[128], pw[128];
    snprintf(key, sizeof key, "SECRET_KEY=%s", strong);
    snprintf(pw, sizeof pw, "FIRST_SUPERUSER_PASSWORD=%s", strong);
    char *env[] = {"ENVIRONMENT=production", key, pw, "FIRST_SUPERUSER=admin@example.org",
                   "CORS_ORIGINS=https://app.example.org,null", NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, NULL, &err), EM_OK);
    config_problem p[CONFIG_MAX_PROBLEMS];
    size_t fatal = 0;
    size_t n = config_check(&c, p, CONFIG_MAX_PROBLEMS, &fatal);
    assert_true(has_problem(p, n, "CORS_ORIGINS", true));
    assert_int_equal(fatal, 1);
    config_cleanup(&c);

    char *empty[] = {"ENVIRONMENT=", NULL};
    assert_int_equal(config_load(&c, empty, NULL, &err), EM_E_CONFIG);
    assert_non_null(strstr(err.msg, "ENVIRONMENT"));
}

static void config_staging_refuses_missing_secrets(void **state)
{
    char *env[] = {"ENVIRONMENT=staging", NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, NULL, &err), EM_OK);
    assert_null(c.secret_key);
    config_problem p[CONFIG_MAX_PROBLEMS];
    size_t fatal = 0;
    size_t n = config_check(&c, p, CONFIG_MAX_PROBLEMS, &fatal);
    assert_true(has_problem(p, n, "SECRET_KEY", true));
    assert_true(has_problem(p, n, "FIRST_SUPERUSER_PASSWORD", true));
    assert_true(has_problem(p, n, "FIRST_SUPERUSER", true));
    assert_int_equal(fatal, 3);
    assert_string_equal(c.host, "0.0.0.0");
    config_cleanup(&c);
}

static void config_production_accepts_strong_config(void **state)
{
    char key[128], pw[128];
    snprintf(key, sizeof key, "SECRET_KEY=%s", strong);
    snprintf(pw, sizeof pw, "FIRST_SUPERUSER_PASSWORD=%s", strong);
    char *env[] = {"ENVIRONMENT=production", key, pw, "FIRST_SUPERUSER=admin@example.org",
                   "BACKEND_CORS_ORIGINS=[\"https://app.example.org/\", \"https://admin.example.org\"]",
                   NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, NULL, &err), EM_OK);
    config_problem p[CONFIG_MAX_PROBLEMS];
    size_t fatal = 7;
    assert_int_equal(config_check(&c, p, CONFIG_MAX_PROBLEMS, &fatal), 0);
    assert_int_equal(fatal, 0);
    assert_int_equal(c.cors_count, 2);
    /* The trailing '/' is dropped: browsers send origins without it. */
    assert_string_equal(c.cors_origins[0], "https://app.example.org");
    assert_string_equal(c.cors_origins[1], "https://admin.example.org");
    config_cleanup(&c);
}

static void config_cors_origins_wins_over_alias(void **state)
{
    char *env[] = {"CORS_ORIGINS=http://a.test", "BACKEND_CORS_ORIGINS=http://b.test", NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, NULL, &err), EM_OK);
    assert_int_equal(c.cors_count, 1);
    assert_string_equal(c.cors_origins[0], "http://a.test");
    config_cleanup(&c);
}

static void config_llm_provider_needs_key(void **state)
{
    char *env[] = {"LLM_PROVIDER=openai", NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, env, NULL, &err), EM_OK);
    config_problem p[CONFIG_MAX_PROBLEMS];
    size_t fatal = 0;
    size_t n = config_check(&c, p, CONFIG_MAX_PROBLEMS, &fatal);
    assert_true(has_problem(p, n, "OPENAI_API_KEY", true));
    config_cleanup(&c);
}

/* The limits that protect the server: defaults, values in range, and what is refused. */
static void config_limits_and_sqlite_sync(void **state)
{
    (void)state;
    char *defaults[] = {NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, defaults, NULL, &err), EM_OK);
    assert_int_equal(c.extraction_memory_mb, 256);
    assert_int_equal(c.user_storage_mb, 2048);
    assert_int_equal(c.max_pending_extractions, 20);
    assert_int_equal(c.user_materials_max, 2000);
    assert_int_equal(c.backup_keep, 7);
    assert_non_null(strstr(c.backup_dir, "/backups"));
    assert_int_equal(c.min_free_disk_mb, 512);
    assert_int_equal(c.max_connections_per_ip, 256);
    assert_int_equal(c.request_header_timeout_s, 10);
    assert_int_equal(c.request_timeout_s, 300);
    assert_false(c.sqlite_sync_normal); /* acknowledged means on disk */
    config_cleanup(&c);

    char *set[] = {"EXTRACTION_MEMORY_MB=64",
                   "USER_STORAGE_MB=0",
                   "MAX_PENDING_EXTRACTIONS=3",
                   "MIN_FREE_DISK_MB=0",
                   "MAX_CONNECTIONS_PER_IP=8",
                   "REQUEST_HEADER_TIMEOUT_SECONDS=2",
                   "REQUEST_TIMEOUT_SECONDS=30",
                   "SQLITE_SYNCHRONOUS=NORMAL",
                   "USER_MATERIALS_MAX=0",
                   "BACKUP_DIR=/srv/backups",
                   "BACKUP_KEEP=0",
                   NULL};
    assert_int_equal(config_load(&c, set, NULL, &err), EM_OK);
    assert_int_equal(c.extraction_memory_mb, 64);
    assert_int_equal(c.user_storage_mb, 0);
    assert_int_equal(c.user_materials_max, 0);
    assert_string_equal(c.backup_dir, "/srv/backups");
    assert_int_equal(c.backup_keep, 0);
    assert_int_equal(c.max_pending_extractions, 3);
    assert_int_equal(c.max_connections_per_ip, 8);
    assert_int_equal(c.request_header_timeout_s, 2);
    assert_int_equal(c.request_timeout_s, 30);
    assert_true(c.sqlite_sync_normal);
    config_cleanup(&c);

    const char *bad[] = {"EXTRACTION_MEMORY_MB=8",   "MAX_PENDING_EXTRACTIONS=0",
                         "MAX_CONNECTIONS_PER_IP=0", "REQUEST_TIMEOUT_SECONDS=-1",
                         "SQLITE_SYNCHRONOUS=off",   "USER_STORAGE_MB=lots",
                         "USER_MATERIALS_MAX=-1",    "USER_RATE_LIMIT=0/60",
                         "BACKUP_KEEP=many",         NULL};
    for (size_t i = 0; bad[i] != NULL; i++) {
        char *env[] = {(char *)bad[i], NULL};
        em_error e = {0};
        assert_int_equal(config_load(&c, env, NULL, &e), EM_E_CONFIG);
        size_t name_len = strcspn(bad[i], "=");
        assert_memory_equal(e.msg, bad[i], name_len); /* the message names the variable */
    }
}

/* The tutor's index cache and its streams at once. */
static void config_tutor_limits(void **state)
{
    (void)state;
    char *defaults[] = {NULL};
    config c;
    em_error err = {0};
    assert_int_equal(config_load(&c, defaults, NULL, &err), EM_OK);
    assert_int_equal(c.tutor_index_cache_mb, 64);
    assert_int_equal(c.tutor_max_streams, 128);
    assert_int_equal(c.tutor_streams_per_user, 3);
    assert_true(c.tutor_threads >= 1);
    config_cleanup(&c);
    char *set[] = {"TUTOR_INDEX_CACHE_MB=0", "TUTOR_MAX_STREAMS=4", "TUTOR_THREADS=3",
                   "TUTOR_STREAMS_PER_USER=2", NULL};
    assert_int_equal(config_load(&c, set, NULL, &err), EM_OK);
    assert_int_equal(c.tutor_index_cache_mb, 0);
    assert_int_equal(c.tutor_max_streams, 4);
    assert_int_equal(c.tutor_threads, 3);
    assert_int_equal(c.tutor_streams_per_user, 2);
    config_cleanup(&c);
    const char *bad[] = {"TUTOR_INDEX_CACHE_MB=-1",
                         "TUTOR_INDEX_CACHE_MB=lots",
                         "TUTOR_MAX_STREAMS=0",
                         "TUTOR_STREAMS_PER_USER=0",
                         "TUTOR_THREADS=0",
                         "TUTOR_THREADS=65",
                         NULL};
    for (size_t i = 0; bad[i] != NULL; i++) {
        char *env[] = {(char *)bad[i], NULL};
        em_error e = {0};
        assert_int_equal(config_load(&c, env, NULL, &e), EM_E_CONFIG);
        assert_memory_equal(e.msg, bad[i], strcspn(bad[i], "="));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_limits_and_sqlite_sync),
        cmocka_unit_test(config_tutor_limits),
        cmocka_unit_test(config_defaults_local),
        cmocka_unit_test(config_env_wins_over_dotenv),
        cmocka_unit_test(config_missing_dotenv_is_fine),
        cmocka_unit_test(config_malformed_dotenv_names_line),
        cmocka_unit_test(config_bad_numbers_name_variable),
        cmocka_unit_test(config_production_refuses_weak_secrets),
        cmocka_unit_test(config_production_refuses_guessable_secrets),
        cmocka_unit_test(config_refuses_null_origin_and_empty_environment),
        cmocka_unit_test(config_staging_refuses_missing_secrets),
        cmocka_unit_test(config_production_accepts_strong_config),
        cmocka_unit_test(config_cors_origins_wins_over_alias),
        cmocka_unit_test(config_llm_provider_needs_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
