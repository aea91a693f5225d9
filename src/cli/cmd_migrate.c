/* `exammentor migrate up [VERSION] | down [N] | status`. */
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "core/log.h"
#include "db/migrate.h"

static const char usage[] =
    "Usage: exammentor migrate up [VERSION]\n"
    "       exammentor migrate down [N]\n"
    "       exammentor migrate status\n"
    "\n"
    "  up [VERSION]  apply pending migrations (all, or up to VERSION)\n"
    "  down [N]      revert the N most recent migrations (default 1)\n"
    "  status        list every migration and whether it is applied\n"
    "\n"
    "Each migration runs in its own transaction with its schema_migrations row.\n"
    "The database is DATABASE_URL (default sqlite://./data/exammentor.db).\n";

static int print_status(db *d, em_error *err)
{
    migration_info info[256];
    size_t n = 0;
    int rc = migrate_status(d, info, sizeof info / sizeof info[0], &n, err);
    if (rc != EM_OK)
        return rc;
    int current = 0;
    for (size_t i = 0; i < n; i++) {
        printf("%04d  %-32s %s\n", info[i].version, info[i].name,
               info[i].applied ? info[i].applied_at : "pending");
        if (info[i].applied)
            current = info[i].version;
    }
    printf("current version: %d of %d\n", current, migrate_latest_of(d));
    return EM_OK;
}

int cmd_migrate(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("migrate", "expected up, down or status");
    const char *action = argv[1];
    if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return CLI_OK;
        }
        if (argv[i][0] == '-')
            return cli_usage_error("migrate", "unknown option '%s'", argv[i]);
    }
    long count = 0;
    if (strcmp(action, "status") == 0) {
        if (argc > 2)
            return cli_usage_error("migrate", "status takes no argument");
    } else if (strcmp(action, "up") == 0 || strcmp(action, "down") == 0) {
        if (argc > 3)
            return cli_usage_error("migrate", "unexpected argument '%s'", argv[3]);
        if (argc == 3) {
            count = cli_parse_count(argv[2], 100000);
            if (count < 0)
                return cli_usage_error("migrate", "'%s' is not a positive number", argv[2]);
        }
    } else {
        return cli_usage_error("migrate", "unknown action '%s' (expected up, down or status)", action);
    }

    em_error err = {0};
    config cfg;
    if (app_load_config(&cfg, &err) != EM_OK) {
        fprintf(stderr, "exammentor migrate: %s\n", err.msg);
        return CLI_FAIL;
    }
    log_level level = LOG_INFO;
    log_level_parse(cfg.log_level, &level);
    log_configure(level, 2); /* keep stdout for the command's own output */
    db *d = NULL;
    int rc = app_connect(&cfg, &d, &err);
    config_cleanup(&cfg);
    if (rc != EM_OK) {
        fprintf(stderr, "exammentor migrate: %s\n", err.msg);
        return CLI_FAIL;
    }
    int n = 0;
    if (strcmp(action, "status") == 0) {
        rc = print_status(d, &err);
    } else if (strcmp(action, "up") == 0) {
        rc = migrate_up(d, (int)count, &n, &err);
        if (rc == EM_OK)
            printf("applied %d migration%s\n", n, n == 1 ? "" : "s");
    } else {
        rc = migrate_down(d, count > 0 ? (int)count : 1, &n, &err);
        if (rc == EM_OK)
            printf("reverted %d migration%s\n", n, n == 1 ? "" : "s");
    }
    if (rc == EM_OK && strcmp(action, "status") != 0) {
        int version = 0;
        if (migrate_current(d, &version, &err) == EM_OK)
            printf("current version: %d\n", version);
    }
    if (rc != EM_OK)
        fprintf(stderr, "exammentor migrate: %s\n", err.msg[0] ? err.msg : em_strerror(rc));
    app_disconnect(d);
    return rc == EM_OK ? CLI_OK : CLI_FAIL;
}
