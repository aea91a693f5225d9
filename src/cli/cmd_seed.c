/* `exammentor seed-data`: demo users, each with a list of topics, for trying the
 * product and for the benchmarks. Refused outside ENVIRONMENT=local. Running it
 * again adds nothing for users that already exist (emails are the key). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "auth/password.h"
#include "cli/cli.h"
#include "core/log.h"
#include "db/migrate.h"
#include "study/demo.h"

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

static void print_id(void *ctx, const char *user_id)
{
    (void)ctx;
    printf("%s\n", user_id);
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
    db *d = NULL;
    int rc = app_connect(&cfg, &d, &err);
    config_cleanup(&cfg);
    if (rc == EM_OK)
        rc = migrate_up(d, 0, NULL, &err);
    long created_users = 0;
    if (rc == EM_OK)
        rc = demo_seed_students(d, users, topics, password != NULL ? hash : NULL, print_id, NULL, &created_users,
                                &err);
    if (rc != EM_OK)
        fprintf(stderr, "exammentor seed-data: %s\n", err.msg[0] ? err.msg : em_strerror(rc));
    else
        fprintf(stderr, "seeded %ld new student%s (%ld already present)\n", created_users,
                created_users == 1 ? "" : "s", users - created_users);
    app_disconnect(d);
    return rc == EM_OK ? CLI_OK : CLI_FAIL;
}
