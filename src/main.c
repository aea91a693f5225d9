/* exammentor: one binary that serves the API, manages its database and runs
 * operator commands. This file sets up the process-wide libraries and
 * dispatches to the subcommands in src/cli/. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "net/http_client.h"

static const char usage[] =
    "Usage: exammentor <command> [options]\n"
    "\n"
    "Commands:\n"
    "  serve          run the HTTP server (applies pending migrations first)\n"
    "  migrate        apply, revert or list database migrations (up | down [N] | status)\n"
    "  check-config   validate the configuration and print the verdict\n"
    "  worker         run background jobs and the periodic schedules\n"
    "  jobs           list, show, retry or enqueue jobs (list | show ID | retry ID | enqueue KIND)\n"
    "  ingest         add study material files (PDF, text, Markdown) and extract them\n"
    "  users          create accounts, set a password or a role, list (create | set-password | set-role | "
    "list)\n"
    "  fsrs           replay or evaluate the FSRS-6 scheduler over a review log (replay | evaluate)\n"
    "  backup         make, list, verify, prune or restore backups (create | list | verify | prune | "
    "restore)\n"
    "  seed-data      create demo users and topics (ENVIRONMENT=local only)\n"
    "  version        print the version\n"
    "\n"
    "Configuration comes from the environment and an optional .env file\n"
    "(path in EXAMMENTOR_ENV_FILE, default ./.env); the environment wins.\n"
    "Run 'exammentor <command> --help' for a command's options.\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"serve", cmd_serve},         {"migrate", cmd_migrate}, {"check-config", cmd_check_config},
    {"worker", cmd_worker},       {"jobs", cmd_jobs},       {"ingest", cmd_ingest},
    {"users", cmd_users},         {"fsrs", cmd_fsrs},       {"backup", cmd_backup},
    {"seed-data", cmd_seed_data}, {"version", cmd_version},
};

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    if (argv[1][0] == '-')
        fprintf(stderr, "exammentor: unknown option '%s'\n", argv[1]);
    else
        fprintf(stderr, "exammentor: unknown command '%s'\n", argv[1]);
    fputs("Run 'exammentor --help' for the list of commands.\n", stderr);
    return CLI_USAGE;
}

int main(int argc, char **argv)
{
    /* libcurl is set up by app_init when the configuration talks to the outside */
    int rc = dispatch(argc, argv);
    net_global_cleanup();
    return rc;
}
