/* `exammentor jobs list|show|retry|delete|enqueue`: the queue for operators.
 * retry and delete run the job kinds' steps (a deleted extraction job fails
 * its material; a retried one makes it pending again), so they start the
 * application's parts the kinds need; the other actions only open the
 * database. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/jobs_table.h"
#include "cli/cli.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/migrate.h"
#include "jobs/queue.h"
#include "jobs/worker.h"

static const char usage[] =
    "Usage: exammentor jobs list [--status S] [--queue Q] [--limit N]\n"
    "       exammentor jobs show ID\n"
    "       exammentor jobs retry ID\n"
    "       exammentor jobs delete ID\n"
    "       exammentor jobs enqueue KIND [--payload JSON] [--queue Q] [--count N]\n"
    "                              [--per-transaction N] [--priority N] [--max-attempts N]\n"
    "\n"
    "  list     newest jobs first (status: queued, running, succeeded, failed, dead)\n"
    "  show     one job with its payload and last error, as JSON\n"
    "  retry    put a failed or dead job back in its queue now (its material, for an\n"
    "           extraction, waits again)\n"
    "  delete   remove a job that is not running; one that had not finished gives up\n"
    "           (an extraction's material is marked failed)\n"
    "  enqueue  add jobs of KIND (COUNT of them, default 1); prints the id of one,\n"
    "           or the count of many, committed N at a time (default: all at once)\n";

/* Whether a worker of this application runs jobs of `kind`. */
static bool known_kind(const char *kind)
{
    job_kind kinds[JOBS_TABLE_MAX];
    size_t n = jobs_table_kinds(kinds, JOBS_TABLE_MAX, NULL, NULL);
    for (size_t i = 0; i < n && i < JOBS_TABLE_MAX; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return true;
    return false;
}

/* The kinds a worker runs, comma-separated (static storage). */
static const char *kind_names(void)
{
    static char names[1024];
    job_kind kinds[JOBS_TABLE_MAX];
    size_t n = jobs_table_kinds(kinds, JOBS_TABLE_MAX, NULL, NULL), used = 0;
    names[0] = '\0';
    for (size_t i = 0; i < n && i < JOBS_TABLE_MAX && used < sizeof names; i++) {
        int w = snprintf(names + used, sizeof names - used, "%s%s", i > 0 ? ", " : "", kinds[i].kind);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return names;
}

static json_t *info_json(const job_info *j)
{
    json_error_t e;
    json_t *payload = json_loads(j->payload, 0, &e);
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:o, s:s?}", "id", j->id,
                     "queue", j->queue, "kind", j->kind, "status", j->status, "priority", j->priority, "attempts",
                     j->attempts, "max_attempts", j->max_attempts, "run_at", j->run_at, "created_at", j->created_at,
                     "updated_at", j->updated_at, "finished_at", j->finished_at[0] ? j->finished_at : NULL,
                     "locked_by", j->locked_by[0] ? j->locked_by : NULL, "lease_expires_at",
                     j->lease_expires_at[0] ? j->lease_expires_at : NULL, "payload",
                     payload ? payload : json_string(j->payload), "last_error", j->last_error);
}

/* Open the configured database with the schema up to date; with `a`, start
 * the application too (for the job kinds' steps). */
static int open_db(app *a, db **d, em_error *err)
{
    config cfg;
    int rc = app_load_config(&cfg, err);
    if (rc != EM_OK)
        return rc;
    log_configure(LOG_WARN, 2);
    if (a != NULL) {
        rc = app_init(a, &cfg, err);
        if (rc == EM_OK)
            rc = app_connect(&a->cfg, d, err);
    } else {
        rc = app_connect(&cfg, d, err);
        config_cleanup(&cfg);
    }
    if (rc == EM_OK)
        rc = migrate_up(*d, 0, NULL, err);
    return rc;
}

int cmd_jobs(int argc, char **argv)
{
    static const struct option opts[] = {
        {"status", required_argument, NULL, 's'},     {"queue", required_argument, NULL, 'q'},
        {"limit", required_argument, NULL, 'l'},      {"payload", required_argument, NULL, 'p'},
        {"count", required_argument, NULL, 'n'},      {"priority", required_argument, NULL, 'P'},
        {"max-attempts", required_argument, NULL, 'm'}, {"per-transaction", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *status = NULL, *queue = NULL, *payload = NULL;
    long limit = 50, count = 1, priority = 0, max_attempts = 0, per_tx = 0;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 's': status = optarg; break;
        case 'q': queue = optarg; break;
        case 'p': payload = optarg; break;
        case 'l':
            if ((limit = cli_parse_count(optarg, 10000)) < 0)
                return cli_usage_error("jobs", "--limit must be 1-10000");
            break;
        case 'n':
            if ((count = cli_parse_count(optarg, 1000000)) < 0)
                return cli_usage_error("jobs", "--count must be 1-1000000");
            break;
        case 'P':
            if ((priority = cli_parse_count(optarg, 1000)) < 0)
                return cli_usage_error("jobs", "--priority must be 1-1000");
            break;
        case 'm':
            if ((max_attempts = cli_parse_count(optarg, 100)) < 0)
                return cli_usage_error("jobs", "--max-attempts must be 1-100");
            break;
        case 't':
            if ((per_tx = cli_parse_count(optarg, 1000000)) < 0)
                return cli_usage_error("jobs", "--per-transaction must be 1-1000000");
            break;
        case 'h':
            fputs(usage, stdout);
            return CLI_OK;
        case ':':
            return cli_usage_error("jobs", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("jobs", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("jobs", "expected list, show, retry, delete or enqueue");
    const char *action = argv[optind];
    const char *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
    bool operates = strcmp(action, "retry") == 0 || strcmp(action, "delete") == 0;
    bool needs_arg = strcmp(action, "show") == 0 || operates || strcmp(action, "enqueue") == 0;
    if (strcmp(action, "list") != 0 && !needs_arg)
        return cli_usage_error("jobs", "unknown action '%s' (expected list, show, retry, delete or enqueue)",
                               action);
    if (needs_arg && arg == NULL)
        return cli_usage_error("jobs", "%s needs %s", action, strcmp(action, "enqueue") == 0 ? "a KIND" : "a job ID");
    if (optind + (needs_arg ? 2 : 1) < argc)
        return cli_usage_error("jobs", "unexpected argument '%s'", argv[optind + (needs_arg ? 2 : 1)]);
    if (strcmp(action, "enqueue") == 0 && !known_kind(arg))
        return cli_usage_error("jobs", "unknown job kind '%s' (no worker would run it): expected one of %s",
                               arg, kind_names());
    if (status != NULL && strcmp(status, "queued") != 0 && strcmp(status, "running") != 0 &&
        strcmp(status, "succeeded") != 0 && strcmp(status, "failed") != 0 && strcmp(status, "dead") != 0)
        return cli_usage_error("jobs", "--status must be queued, running, succeeded, failed or dead");

    em_error err = {0};
    db *d = NULL;
    app a;
    memset(&a, 0, sizeof a);
    int rc = open_db(operates ? &a : NULL, &d, &err);
    job_kind_set kinds = {a.job_kinds, a.n_job_kinds};
    queue_hooks hooks = job_kind_hooks(&kinds);
    if (rc == EM_OK && strcmp(action, "list") == 0) {
        job_info *rows = em_calloc((size_t)limit, sizeof *rows);
        size_t n = 0;
        rc = queue_list(d, status, queue, (int)limit, 0, rows, (size_t)limit, &n, &err);
        for (size_t i = 0; rc == EM_OK && i < n; i++) {
            printf("%s  %-9s  %-12s  %-28s  %d/%d  %s\n", rows[i].id, rows[i].status, rows[i].queue, rows[i].kind,
                   rows[i].attempts, rows[i].max_attempts, rows[i].run_at);
        }
        for (size_t i = 0; i < n; i++)
            job_info_cleanup(&rows[i]);
        free(rows);
    } else if (rc == EM_OK && strcmp(action, "show") == 0) {
        job_info j;
        rc = queue_get(d, arg, &j, &err);
        if (rc == EM_OK) {
            json_t *o = info_json(&j);
            char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            printf("%s\n", text);
            free(text);
            json_decref(o);
            job_info_cleanup(&j);
        }
    } else if (rc == EM_OK && strcmp(action, "retry") == 0) {
        rc = queue_retry(d, arg, &hooks, &err);
        if (rc == EM_OK)
            printf("job %s queued again\n", arg);
    } else if (rc == EM_OK && strcmp(action, "delete") == 0) {
        rc = queue_delete(d, arg, &hooks, &err);
        if (rc == EM_OK)
            printf("job %s deleted\n", arg);
    } else if (rc == EM_OK) {
        job_spec spec = {.queue = queue, .kind = arg, .payload = payload, .priority = (int)priority,
                         .max_attempts = (int)max_attempts};
        if (count == 1) {
            char id[JOB_ID_LEN + 1];
            rc = queue_enqueue(d, &spec, id, &err);
            if (rc == EM_OK)
                printf("%s\n", id);
        } else {
            long chunk = per_tx > 0 ? per_tx : count;
            job_spec *specs = em_calloc((size_t)chunk, sizeof *specs);
            for (long i = 0; i < chunk; i++)
                specs[i] = spec;
            for (long done = 0; rc == EM_OK && done < count; done += chunk) {
                long n = count - done < chunk ? count - done : chunk;
                rc = n == 1 ? queue_enqueue(d, &spec, NULL, &err) : queue_enqueue_many(d, specs, (size_t)n, &err);
            }
            free(specs);
            if (rc == EM_OK)
                printf("enqueued %ld jobs\n", count);
        }
    }
    if (rc != EM_OK)
        fprintf(stderr, "exammentor jobs: %s\n", err.msg[0] ? err.msg : em_strerror(rc));
    app_disconnect(d);
    if (operates && a.db != NULL)
        app_cleanup(&a);
    return rc == EM_OK ? CLI_OK : CLI_FAIL;
}
