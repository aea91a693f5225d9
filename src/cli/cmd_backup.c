/* `exammentor backup`: make, list, check, prune and restore backups of the
 * database and the stored files (ops/backup.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/log.h"
#include "ops/backup.h"

static const char usage[] =
    "Usage: exammentor backup create\n"
    "       exammentor backup list\n"
    "       exammentor backup verify PATH\n"
    "       exammentor backup prune [--keep N]\n"
    "       exammentor backup restore PATH --yes\n"
    "\n"
    "A backup is a directory in BACKUP_DIR (default DATA_DIR/backups) holding the database\n"
    "(SQLite: an online snapshot; PostgreSQL: pg_dump, which must be installed), every stored\n"
    "file, and a manifest with their SHA-256. The server and workers may run while one is made;\n"
    "a worker makes one daily at 03:30 (SCHEDULE_OPS_BACKUP, \"off\" to stop) and keeps the\n"
    "newest BACKUP_KEEP (7).\n"
    "\n"
    "  create   make a backup now, then remove the oldest past BACKUP_KEEP; prints its path\n"
    "  list     the backups, newest first\n"
    "  verify   check every file of a backup against its manifest, and the database copy whole\n"
    "  prune    remove all but the newest N backups (default BACKUP_KEEP)\n"
    "  restore  replace the database and put back the stored files from a backup (checked\n"
    "           first), then apply newer migrations. Stop the server and workers first.\n"
    "           --yes is required: everything written since the backup is lost.\n";

static void print_summary(const backup_summary *s, const char *prefix)
{
    printf("%s%s  %s  %s schema %d  database %lld bytes  %lld files (%lld bytes)\n", prefix, s->name,
           s->created_at, s->dialect, s->schema_version, (long long)s->database_bytes, (long long)s->files,
           (long long)s->file_bytes);
}

static void print_listed(void *ctx, const backup_summary *s)
{
    (void)ctx;
    print_summary(s, "");
}

/* Run one subcommand against the application (configuration, database,
 * storage); `path` and `keep` as the subcommand needs them. */
static int run(const char *sub, const char *path, long keep, bool yes)
{
    em_error err = {0};
    config cfg;
    if (app_load_config(&cfg, &err) != EM_OK) {
        fprintf(stderr, "exammentor backup: %s\n", err.msg);
        return CLI_FAIL;
    }
    log_configure(LOG_WARN, 2);
    if (strcmp(sub, "list") == 0 || strcmp(sub, "verify") == 0 || strcmp(sub, "prune") == 0) {
        /* the backup directory alone: no database, no storage */
        backup_summary s;
        int rc = EM_OK;
        size_t n = 0;
        int removed = 0;
        if (strcmp(sub, "list") == 0) {
            rc = backup_list(cfg.backup_dir, print_listed, NULL, &n, &err);
            if (rc == EM_OK && n == 0)
                printf("no backups in %s\n", cfg.backup_dir);
        } else if (strcmp(sub, "verify") == 0) {
            rc = backup_verify(path, &s, &err);
            if (rc == EM_OK)
                print_summary(&s, "ok  ");
        } else {
            rc = backup_prune(cfg.backup_dir, keep > 0 ? (int)keep : cfg.backup_keep, &removed, &err);
            if (rc == EM_OK)
                printf("removed %d backup%s from %s\n", removed, removed == 1 ? "" : "s", cfg.backup_dir);
        }
        config_cleanup(&cfg);
        if (rc != EM_OK)
            fprintf(stderr, "exammentor backup %s: %s\n", sub, err.msg);
        return rc == EM_OK ? CLI_OK : CLI_FAIL;
    }
    app a;
    if (app_init(&a, &cfg, &err) != EM_OK) {
        fprintf(stderr, "exammentor backup: cannot start: %s\n", err.msg);
        return CLI_FAIL;
    }
    db *d = NULL;
    int rc = dbpool_get(a.db, &d, &err);
    backup_summary s;
    char made[BACKUP_PATH_MAX];
    int applied = 0;
    if (rc == EM_OK && strcmp(sub, "create") == 0) {
        rc = backup_create(d, &a.backup, clock_now_ms(), made, &s, &err);
        if (rc == EM_OK) {
            printf("%s\n", made);
            print_summary(&s, "made  ");
            if (s.removed > 0)
                printf("removed %d older backup%s (BACKUP_KEEP=%d)\n", s.removed, s.removed == 1 ? "" : "s",
                       a.backup.keep);
        }
    } else if (rc == EM_OK) {
        if (!yes) {
            fprintf(stderr,
                    "exammentor backup restore: this replaces the whole database with the backup's; "
                    "everything written since is lost. Stop the server and workers, then run it again "
                    "with --yes.\n");
            rc = EM_E_INVAL;
            err.msg[0] = '\0';
        } else {
            rc = backup_restore(d, &a.backup, path, &s, &applied, &err);
            if (rc == EM_OK) {
                print_summary(&s, "restored  ");
                if (applied > 0)
                    printf("applied %d newer migration%s\n", applied, applied == 1 ? "" : "s");
            }
        }
    }
    if (rc != EM_OK && err.msg[0] != '\0')
        fprintf(stderr, "exammentor backup %s: %s\n", sub, err.msg);
    if (d != NULL)
        dbpool_release(a.db);
    app_cleanup(&a);
    return rc == EM_OK ? CLI_OK : CLI_FAIL;
}

int cmd_backup(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1];
    const char *path = NULL;
    long keep = 0;
    bool yes = false;
    bool takes_path = strcmp(sub, "verify") == 0 || strcmp(sub, "restore") == 0;
    if (!takes_path && strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "prune") != 0)
        return cli_usage_error("backup", "unknown subcommand '%s'", sub);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--yes") == 0 && strcmp(sub, "restore") == 0) {
            yes = true;
        } else if (strcmp(argv[i], "--keep") == 0 && strcmp(sub, "prune") == 0 && i + 1 < argc) {
            keep = cli_parse_count(argv[++i], BACKUP_KEEP_MAX);
            if (keep < 0)
                return cli_usage_error("backup", "--keep needs a whole number from 1 to %d", BACKUP_KEEP_MAX);
        } else if (takes_path && path == NULL && argv[i][0] != '-') {
            path = argv[i];
        } else {
            return cli_usage_error("backup", "unexpected argument '%s'", argv[i]);
        }
    }
    if (takes_path && path == NULL)
        return cli_usage_error("backup", "%s needs the backup's PATH", sub);
    return run(sub, path, keep, yes);
}
