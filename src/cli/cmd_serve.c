/* `exammentor serve`: load and check the configuration, apply pending
 * migrations (as the seeds' `alembic upgrade head && start`), serve HTTP until
 * SIGTERM/SIGINT, then shut down gracefully. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/server.h"

static const char usage[] =
    "Usage: exammentor serve [--host ADDR] [--port N] [--web-dir DIR] [--no-worker]\n"
    "\n"
    "Serve the HTTP API, and run background jobs in the same process (one command\n"
    "runs everything on one machine). Pending database migrations are applied first.\n"
    "Stops gracefully on SIGTERM or SIGINT: no new connections, in-flight\n"
    "requests finish within SHUTDOWN_GRACE_SECONDS, the database is closed.\n"
    "\n"
    "Options (override HOST, PORT and WEB_DIR from the configuration):\n"
    "  --host ADDR   address to bind (default 127.0.0.1 in local, else 0.0.0.0)\n"
    "  --port N      port to listen on; 0 picks a free one (default 8000)\n"
    "  --web-dir DIR serve the web UI from DIR, read at every request and never\n"
    "                cached for long (working on the UI without rebuilding), instead\n"
    "                of the copy of web/ compiled into the binary\n"
    "  --no-worker   do not run jobs here (run `exammentor worker` processes instead)\n"
    "  -h, --help    show this help\n";

/* Log every config_check finding; returns the number of fatal ones. */
static size_t log_config_problems(const config *cfg)
{
    config_problem problems[CONFIG_MAX_PROBLEMS];
    size_t fatal = 0;
    size_t n = app_check_config(cfg, problems, CONFIG_MAX_PROBLEMS, &fatal);
    for (size_t i = 0; i < n && i < CONFIG_MAX_PROBLEMS; i++)
        log_emit(problems[i].fatal ? LOG_ERROR : LOG_WARN, problems[i].message,
                 json_pack("{s:s}", "variable", problems[i].variable));
    return fatal;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'p'},
        {"web-dir", required_argument, NULL, 'D'},
        {"no-worker", no_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *host = NULL;
    const char *web_dir = NULL;
    long port = -1;
    bool with_worker = true;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            port = strcmp(optarg, "0") == 0 ? 0 : cli_parse_count(optarg, 65535);
            if (port < 0)
                return cli_usage_error("serve", "--port must be a number from 0 to 65535");
            break;
        case 'D':
            web_dir = optarg;
            break;
        case 'W':
            with_worker = false;
            break;
        case 'h':
            fputs(usage, stdout);
            return CLI_OK;
        case ':':
            return cli_usage_error("serve", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("serve", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);

    em_error err = {0};
    config cfg;
    if (app_load_config(&cfg, &err) != EM_OK) {
        fprintf(stderr, "exammentor serve: %s\n", err.msg);
        return CLI_FAIL;
    }
    if (host != NULL) {
        free(cfg.host);
        cfg.host = em_strdup(host);
    }
    if (port >= 0)
        cfg.port = (int)port;
    if (web_dir != NULL) {
        free(cfg.web_dir);
        cfg.web_dir = em_strdup(web_dir);
    }
    log_level level = LOG_INFO;
    log_level_parse(cfg.log_level, &level);
    log_configure(level, 1);
    if (log_config_problems(&cfg) > 0) {
        log_msg(LOG_ERROR, "configuration refused for ENVIRONMENT=%s; run 'exammentor check-config'",
                config_env_name(cfg.environment));
        config_cleanup(&cfg);
        return CLI_FAIL;
    }

    /* Block the shutdown signals before any thread starts, so every thread
     * inherits the mask and only sigwait below receives them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Every connection takes a descriptor: the soft open-file limit goes up to
     * the hard one before anything opens files, and the server sizes its
     * connection limit from it. */
    long fd_limit = http_server_raise_fd_limit();

    int rc = CLI_FAIL;
    app a;
    router *routes = NULL;
    http_server *server = NULL;
    http_site site;
    size_t n_routes = 0;
    const http_route *table = api_routes(&n_routes);
    if (app_init(&a, &cfg, &err) != EM_OK) {
        log_msg(LOG_ERROR, "cannot start: %s", err.msg);
        return CLI_FAIL;
    }
    if (app_migrate(&a, &err) != EM_OK) {
        log_msg(LOG_ERROR, "migrations failed: %s", err.msg);
        goto out_app;
    }
    if (app_ensure_superuser(&a, &err) != EM_OK) {
        log_msg(LOG_ERROR, "cannot create the first superuser: %s", err.msg);
        goto out_app;
    }
    if (app_prepare_logins(&a, &err) != EM_OK) {
        log_msg(LOG_ERROR, "cannot start: %s", err.msg);
        goto out_app;
    }
    routes = router_new();
    if (router_add_table(routes, table, n_routes) != EM_OK) {
        log_msg(LOG_ERROR, "route table is invalid");
        goto out_routes;
    }
    app_site(&a, routes, &site);
    http_server_options sopts = {
        .host = a.cfg.host,
        .port = a.cfg.port,
        .threads = a.cfg.http_threads,
        .max_body = (size_t)a.cfg.max_body_kb * 1024,
        .max_upload = (size_t)a.cfg.max_upload_mb * 1024 * 1024,
        .shutdown_grace_s = a.cfg.shutdown_grace_s,
        .site = &site,
        .spool_dir = a.spool_dir,
        .trust_proxy = a.cfg.trust_proxy,
        .max_connections_per_ip = a.cfg.max_connections_per_ip,
        .request_header_timeout_s = a.cfg.request_header_timeout_s,
        .request_timeout_s = a.cfg.request_timeout_s,
    };
    /* The worker first: handlers read a.worker (to wake it), so it is set
     * before any handler can run. */
    if (with_worker && app_start_worker(&a, NULL, 0, &err) != EM_OK) {
        log_msg(LOG_ERROR, "cannot start the job worker: %s", err.msg);
        goto out_routes;
    }
    if (http_server_start(&sopts, &server, &err) != EM_OK) {
        log_msg(LOG_ERROR, "cannot listen on %s:%d: %s", a.cfg.host, a.cfg.port, err.msg);
        app_stop_worker(&a);
        goto out_routes;
    }
    http_server_limits limits;
    http_server_get_limits(server, &limits);
    if (limits.per_ip_lowered)
        log_emit(LOG_WARN, "MAX_CONNECTIONS_PER_IP lowered so that one address leaves room for others",
                 json_pack("{s:i, s:i, s:i, s:I}", "configured", a.cfg.max_connections_per_ip, "per_ip",
                           (int)limits.per_ip, "connections", (int)limits.connections, "fd_limit",
                           (json_int_t)fd_limit));
    log_emit(LOG_INFO, "listening",
             json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:i, s:i, s:I}", "host", a.cfg.host, "port",
                       http_server_port(server), "environment", config_env_name(a.cfg.environment),
                       "database", dbpool_dialect(a.db) == DB_SQLITE ? "sqlite" : "postgresql",
                       "threads", a.cfg.http_threads, "version", EM_VERSION, "connections",
                       (int)limits.connections, "per_ip", (int)limits.per_ip, "fd_limit",
                       (json_int_t)limits.fd_limit));
    int sig = 0;
    sigwait(&stop_signals, &sig);
    log_emit(LOG_INFO, "shutting down",
             json_pack("{s:s, s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", "grace_s",
                       a.cfg.shutdown_grace_s));
    http_server_stop(server);
    app_stop_worker(&a);
    rc = CLI_OK;
out_routes:
    router_free(routes);
out_app:
    app_cleanup(&a);
    if (rc == CLI_OK)
        log_msg(LOG_INFO, "stopped");
    return rc;
}
