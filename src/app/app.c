#include "app/app.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/migrate.h"

extern char **environ;

int app_load_config(config *cfg, em_error *err)
{
    const char *path = getenv("EXAMMENTOR_ENV_FILE");
    return config_load(cfg, environ, path != NULL ? path : ".env", err);
}

size_t app_report_config(const config *cfg, FILE *out)
{
    config_problem problems[CONFIG_MAX_PROBLEMS];
    size_t fatal = 0;
    size_t n = config_check(cfg, problems, CONFIG_MAX_PROBLEMS, &fatal);
    for (size_t i = 0; i < n && i < CONFIG_MAX_PROBLEMS; i++)
        fprintf(out, "%s: %s: %s\n", problems[i].fatal ? "error" : "warning", problems[i].variable,
                problems[i].message);
    if (fatal > 0)
        fprintf(out, "configuration refused for ENVIRONMENT=%s: %zu problem%s must be fixed\n",
                config_env_name(cfg->environment), fatal, fatal == 1 ? "" : "s");
    else
        fprintf(out, "configuration ok for ENVIRONMENT=%s%s\n", config_env_name(cfg->environment),
                n > 0 ? " (with warnings)" : "");
    return fatal;
}

int app_init(app *a, config *cfg, em_error *err)
{
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    a->started_ms = clock_now_ms();
    db_options opts = {.timeout_ms = a->cfg.db_timeout_ms};
    int rc = dbpool_new(a->cfg.database_url, &opts, &a->db, err);
    if (rc != EM_OK) {
        config_cleanup(&a->cfg);
        return rc;
    }
    return EM_OK;
}

void app_cleanup(app *a)
{
    dbpool_free(a->db);
    a->db = NULL;
    config_cleanup(&a->cfg);
}

int app_migrate(const app *a, em_error *err)
{
    db_options opts = {.timeout_ms = a->cfg.db_timeout_ms};
    db *d = NULL;
    int rc = db_open(a->cfg.database_url, &opts, &d, err);
    if (rc != EM_OK)
        return rc;
    int applied = 0;
    rc = migrate_up(d, 0, &applied, err);
    if (rc == EM_OK && applied > 0)
        log_msg(LOG_INFO, "applied %d migration%s", applied, applied == 1 ? "" : "s");
    db_close(d);
    return rc;
}
