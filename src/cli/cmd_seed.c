/* `exammentor seed-data`: demo users, each with a list of topics, for trying the
 * product and for the benchmarks. Refused outside ENVIRONMENT=local. Running it
 * again adds nothing for users that already exist (emails are the key). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "auth/password.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "db/migrate.h"

static const char usage[] =
    "Usage: exammentor seed-data [--users N] [--topics M] [--password PW]\n"
    "\n"
    "Create N demo students (student-<i>@demo.exammentor.invalid) with M topics\n"
    "each, and print their ids, one per line. Only with ENVIRONMENT=local.\n"
    "Pending migrations are applied first.\n"
    "\n"
    "  --users N      number of students (default 100, at most 100000)\n"
    "  --topics M     topics per student (default 60, at most 1000)\n"
    "  --password PW  let the new students log in with PW (hashed once, shared by\n"
    "                 all of them: demo accounts only); without it they cannot log in\n";

static const char *const subjects[] = {"Algebra", "Cell biology", "Thermodynamics",
                                       "Organic chemistry", "European history"};

/* Insert the user if absent; *id receives the stored id either way. */
static int seed_user(db *d, long i, const char *hash, char id[ID_UUID_LEN + 1], int *created, em_error *err)
{
    char email[96];
    snprintf(email, sizeof email, "student-%ld@demo.exammentor.invalid", i);
    char display[48];
    snprintf(display, sizeof display, "Demo student %ld", i);
    id_uuid7(id);
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "INSERT INTO users (id, email, display_name, role, password_hash) "
                        "VALUES ($1, $2, $3, 'student', $4) ON CONFLICT (email) DO NOTHING",
                        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, email);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, display);
    if (rc == EM_OK)
        rc = hash != NULL ? db_bind_text(st, 4, hash) : db_bind_null(st, 4);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc < 0 ? rc : EM_E_DB;
    *created = db_changes(d) > 0;
    if (*created)
        return EM_OK;
    rc = db_prepare(d, "SELECT id FROM users WHERE email = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, email);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        snprintf(id, ID_UUID_LEN + 1, "%s", db_column_text(st, 0));
        rc = EM_OK;
    } else if (rc == DB_DONE) {
        rc = em_error_set(err, EM_E_INTERNAL, "user %s vanished", email);
    }
    db_finalize(st);
    return rc;
}

static int seed_topics(db *d, const char *user_id, long user_index, long count, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "INSERT INTO topics (id, user_id, name, mastery_score, next_review_at) "
                        "VALUES ($1, $2, $3, $4, $5)",
                        &st, err);
    int64_t now = clock_now_ms();
    for (long t = 0; rc == EM_OK && t < count; t++) {
        char id[ID_UUID_LEN + 1], name[96], when[32];
        id_uuid7(id);
        snprintf(name, sizeof name, "Topic %ld of student %ld: %s", t, user_index, subjects[t % 5]);
        clock_iso8601(now + t * 3600 * 1000, when);
        db_reset(st);
        rc = db_bind_text(st, 1, id);
        if (rc == EM_OK)
            rc = db_bind_text(st, 2, user_id);
        if (rc == EM_OK)
            rc = db_bind_text(st, 3, name);
        if (rc == EM_OK)
            rc = db_bind_double(st, 4, (double)((user_index * 7 + t * 13) % 100) / 100.0);
        if (rc == EM_OK)
            rc = db_bind_text(st, 5, when);
        if (rc == EM_OK)
            rc = db_step(st, err);
        if (rc == DB_DONE)
            rc = EM_OK;
    }
    db_finalize(st);
    return rc;
}

int cmd_seed_data(int argc, char **argv)
{
    static const struct option opts[] = {
        {"users", required_argument, NULL, 'u'},
        {"topics", required_argument, NULL, 't'},
        {"password", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long users = 100, topics = 60;
    const char *password = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            users = cli_parse_count(optarg, 100000);
            if (users < 0)
                return cli_usage_error("seed-data", "--users must be a number from 1 to 100000");
            break;
        case 't':
            topics = cli_parse_count(optarg, 1000);
            if (topics < 0)
                return cli_usage_error("seed-data", "--topics must be a number from 1 to 1000");
            break;
        case 'P':
            password = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return CLI_OK;
        case ':':
            return cli_usage_error("seed-data", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("seed-data", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("seed-data", "unexpected argument '%s'", argv[optind]);

    em_error err = {0};
    config cfg;
    if (app_load_config(&cfg, &err) != EM_OK) {
        fprintf(stderr, "exammentor seed-data: %s\n", err.msg);
        return CLI_FAIL;
    }
    if (cfg.environment != ENV_LOCAL) {
        fprintf(stderr, "exammentor seed-data: refused with ENVIRONMENT=%s (demo data is for local use)\n",
                config_env_name(cfg.environment));
        config_cleanup(&cfg);
        return CLI_FAIL;
    }
    log_configure(LOG_WARN, 2);
    char hash[PASSWORD_HASH_MAX];
    if (password != NULL) {
        password_cost cost = {.ops = (unsigned long long)cfg.argon2_ops, .mem_kb = (size_t)cfg.argon2_mem_kb};
        if (password_init() != EM_OK || password_hash(password, cost, hash) != EM_OK) {
            fprintf(stderr, "exammentor seed-data: cannot hash the password\n");
            config_cleanup(&cfg);
            return CLI_FAIL;
        }
    }
    db_options dbopts = {.timeout_ms = cfg.db_timeout_ms};
    db *d = NULL;
    int rc = db_open(cfg.database_url, &dbopts, &d, &err);
    config_cleanup(&cfg);
    if (rc == EM_OK)
        rc = migrate_up(d, 0, NULL, &err);
    if (rc == EM_OK)
        rc = db_begin(d, &err);
    long created_users = 0;
    for (long i = 1; rc == EM_OK && i <= users; i++) {
        char id[ID_UUID_LEN + 1];
        int created = 0;
        rc = seed_user(d, i, password != NULL ? hash : NULL, id, &created, &err);
        if (rc == EM_OK && created) {
            created_users++;
            rc = seed_topics(d, id, i, topics, &err);
        }
        if (rc == EM_OK)
            printf("%s\n", id);
    }
    if (rc == EM_OK)
        rc = db_commit(d, &err);
    else
        db_rollback(d);
    if (rc != EM_OK)
        fprintf(stderr, "exammentor seed-data: %s\n", err.msg[0] ? err.msg : em_strerror(rc));
    else
        fprintf(stderr, "seeded %ld new student%s (%ld already present)\n", created_users,
                created_users == 1 ? "" : "s", users - created_users);
    db_close(d);
    return rc == EM_OK ? CLI_OK : CLI_FAIL;
}
