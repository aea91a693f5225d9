/* `exammentor check-config` and `exammentor version`. */
#include "app/app.h"
#include "cli/cli.h"

/* Print the config_check verdict: one line per problem, then the summary.
 * Returns the number of fatal problems. */
static size_t report_config(const config *cfg, FILE *out)
{
    config_problem problems[CONFIG_MAX_PROBLEMS];
    size_t fatal = 0;
    size_t n = app_check_config(cfg, problems, CONFIG_MAX_PROBLEMS, &fatal);
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

static const char check_usage[] =
    "Usage: exammentor check-config\n"
    "\n"
    "Read the configuration (environment, then .env) and print the same verdict\n"
    "`serve` acts on, naming every offending variable. Exit status 0 when the\n"
    "server would start, 1 when it would refuse.\n";

int cmd_check_config(int argc, char **argv)
{
    int done = 0;
    int rc = cli_no_options(argc, argv, check_usage, &done);
    if (rc != CLI_OK || done)
        return rc;
    em_error err = {0};
    config cfg;
    if (app_load_config(&cfg, &err) != EM_OK) {
        printf("error: %s\n", err.msg);
        return CLI_FAIL;
    }
    size_t fatal = report_config(&cfg, stdout);
    config_cleanup(&cfg);
    return fatal > 0 ? CLI_FAIL : CLI_OK;
}

static const char version_usage[] = "Usage: exammentor version\n\nPrint the version.\n";

int cmd_version(int argc, char **argv)
{
    int done = 0;
    int rc = cli_no_options(argc, argv, version_usage, &done);
    if (rc != CLI_OK || done)
        return rc;
    printf("exammentor %s\n", EM_VERSION);
    return CLI_OK;
}
