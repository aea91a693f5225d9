/* `exammentor worker`: run jobs until SIGTERM/SIGINT (a process of its own,
 * on as many machines as needed against one PostgreSQL). */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "core/log.h"
#include "jobs/worker.h"

static const char usage[] =
    "Usage: exammentor worker [--queues a,b] [--concurrency N]\n"
    "\n"
    "Run background jobs from the database queue until SIGTERM or SIGINT, and\n"
    "fire the periodic schedules (each slot once, whatever the number of workers).\n"
    "On SIGTERM running jobs finish within WORKER_SHUTDOWN_SECONDS or go back\n"
    "to the queue. Pending migrations are applied first.\n"
    "\n"
    "  --queues a,b      queues to take jobs from (default WORKER_QUEUES, \"default\")\n"
    "  --concurrency N   job threads (default WORKER_CONCURRENCY, 2)\n";

int cmd_worker(int argc, char **argv)
{
    static const struct option opts[] = {
        {"queues", required_argument, NULL, 'q'},
        {"concurrency", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *queues = NULL;
    long concurrency = 0;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'q':
            queues = optarg;
            break;
        case 'c':
            concurrency = cli_parse_count(optarg, 256);
            if (concurrency < 0)
                return cli_usage_error("worker", "--concurrency must be a number from 1 to 256");
            break;
        case 'h':
            fputs(usage, stdout);
            return CLI_OK;
        case ':':
            return cli_usage_error("worker", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("worker", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("worker", "unexpected argument '%s'", argv[optind]);

    em_error err = {0};
    config cfg;
    if (app_load_config(&cfg, &err) != EM_OK) {
        fprintf(stderr, "exammentor worker: %s\n", err.msg);
        return CLI_FAIL;
    }
    log_level level = LOG_INFO;
    log_level_parse(cfg.log_level, &level);
    log_configure(level, 1);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    app a;
    if (app_init(&a, &cfg, &err) != EM_OK) {
        log_msg(LOG_ERROR, "cannot start: %s", err.msg);
        return CLI_FAIL;
    }
    int rc = CLI_FAIL;
    if (app_migrate(&a, &err) != EM_OK) {
        log_msg(LOG_ERROR, "migrations failed: %s", err.msg);
        goto out;
    }
    if (app_start_worker(&a, queues, (int)concurrency, &err) != EM_OK) {
        log_msg(LOG_ERROR, "cannot start the worker: %s", err.msg);
        goto out;
    }
    int sig = 0;
    sigwait(&stop_signals, &sig);
    log_emit(LOG_INFO, "shutting down", json_pack("{s:s}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    app_stop_worker(&a);
    rc = CLI_OK;
out:
    app_cleanup(&a);
    return rc;
}
