/* The job queue end to end with real worker processes, on both backends:
 * exactly-once draining, crash recovery by lease expiry, retries, poison jobs,
 * the scheduler with several workers, graceful shutdown (a job that outlives
 * its workers runs out of attempts), the operators' CLI and endpoints. */
#include "it_common.h"

#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Enqueue through the CLI; returns the new job's id (one job) in id. */
static void enqueue(const it_backend *b, const char *kind, const char *payload, const char *extra, char id[37])
{
    const char *argv[12] = {"x", "jobs", "enqueue", kind};
    int n = 4;
    if (payload != NULL) {
        argv[n++] = "--payload";
        argv[n++] = payload;
    }
    if (extra != NULL) {
        argv[n++] = "--max-attempts";
        argv[n++] = extra;
    }
    argv[n] = NULL;
    char *out = NULL;
    int rc = it_run(argv, b, NULL, &out);
    if (rc != 0)
        fail_msg("enqueue %s: %d %s", kind, rc, out);
    snprintf(id, 37, "%.36s", out);
    free(out);
}

/* Poll until `sql` gives `want` (fails after timeout_ms). */
static void wait_for(const it_backend *b, const char *sql, long long want, int timeout_ms)
{
    long long got = -1;
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        got = it_query_int(b, sql);
        if (got == want)
            return;
        nap_ms(50);
    }
    fail_msg("%s: wanted %lld, still %lld after %d ms", sql, want, got, timeout_ms);
}

/* Copy a worker's log to stderr (a failing test's evidence). */
static void print_log(const it_proc *p)
{
    FILE *f = fopen(p->log_path, "r");
    if (f == NULL)
        return;
    char line[1024];
    fprintf(stderr, "---- %s\n", p->log_path);
    while (fgets(line, sizeof line, f) != NULL)
        fputs(line, stderr);
    fclose(f);
}

/* The periodic jobs of the application, off in these tests unless a case
 * sets one: a slot that falls during a case (the purge at minute 17, the
 * backup at 03:30) would add a job the case's counts do not expect. */
static const char *const schedules_off[] = {"SCHEDULE_AUTH_PURGE_REFRESH_TOKENS=off",
                                            "SCHEDULE_MATERIALS_SWEEP_ORPHANS=off",
                                            "SCHEDULE_OPS_BACKUP=off"};

static void start_worker(it_proc *p, const it_backend *b, const char *const *env, const char *concurrency)
{
    const char *argv[] = {"x", "worker", "--concurrency", concurrency, NULL};
    const char *all[16];
    size_t n = 0;
    for (size_t i = 0; env != NULL && env[i] != NULL && n < 12; i++)
        all[n++] = env[i];
    size_t given = n;
    for (size_t k = 0; k < sizeof schedules_off / sizeof schedules_off[0]; k++) {
        size_t name_len = strcspn(schedules_off[k], "=") + 1;
        bool set = false;
        for (size_t i = 0; i < given && !set; i++)
            set = strncmp(all[i], schedules_off[k], name_len) == 0;
        if (!set)
            all[n++] = schedules_off[k];
    }
    all[n] = NULL;
    it_spawn(p, argv, b, all);
    it_proc_wait_log(p, "worker started", 20000);
}

static void jobs_two_workers_drain_exactly_once(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    char *out = NULL;
    /* a kind no worker runs is refused, naming the kinds there are */
    const char *unknown[] = {"x", "jobs", "enqueue", "nosuchkind", NULL};
    assert_int_equal(it_run(unknown, &b, NULL, &out), 2);
    assert_non_null(strstr(out, "unknown job kind 'nosuchkind'"));
    assert_non_null(strstr(out, "extraction"));
    free(out);
    const char *argv[] = {"x", "jobs", "enqueue", "system.noop", "--count", "10000", NULL};
    assert_int_equal(it_run(argv, &b, NULL, &out), 0);
    assert_non_null(strstr(out, "enqueued 10000 jobs"));
    free(out);
    it_proc w1, w2;
    const char *env[] = {"LOG_LEVEL=info", NULL};
    start_worker(&w1, &b, env, "2");
    start_worker(&w2, &b, env, "2");
    wait_for(&b, "SELECT count(*) FROM jobs WHERE status = 'succeeded'", 10000, 120000);
    it_proc_signal(&w1, SIGTERM);
    it_proc_signal(&w2, SIGTERM);
    assert_int_equal(it_proc_wait(&w1, 30000), 0);
    assert_int_equal(it_proc_wait(&w2, 30000), 0);
    /* each job ran exactly once */
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM job_runs"), 10000);
    assert_int_equal(it_query_int(&b, "SELECT count(DISTINCT job_id) FROM job_runs"), 10000);
    assert_int_equal(it_query_int(&b, "SELECT max(attempts) FROM jobs"), 1);
    /* and both workers took part */
    assert_int_equal(it_query_int(&b, "SELECT count(DISTINCT worker) FROM job_runs"), 2);
    it_backend_teardown(&b);
}

static void jobs_killed_worker_loses_nothing(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    const char *env[] = {"JOB_LEASE_SECONDS=2", NULL};
    char id[37];
    enqueue(&b, "debug.sleep", "{\"ms\":1500}", NULL, id);
    it_proc a;
    start_worker(&a, &b, env, "1");
    wait_for(&b, "SELECT count(*) FROM jobs WHERE status = 'running'", 1, 10000);
    it_proc_signal(&a, SIGKILL); /* mid-job: no goodbye, the lease is left to expire */
    assert_int_equal(it_proc_wait(&a, 10000), 128 + SIGKILL);
    it_proc c;
    start_worker(&c, &b, env, "1");
    wait_for(&b, "SELECT count(*) FROM jobs WHERE status = 'succeeded'", 1, 30000);
    it_proc_signal(&c, SIGTERM);
    assert_int_equal(it_proc_wait(&c, 30000), 0);
    assert_int_equal(it_query_int(&b, "SELECT attempts FROM jobs"), 2);   /* the lost attempt counts */
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM job_runs"), 1); /* completed once */
    it_backend_teardown(&b);
}

static void jobs_retry_then_succeed_and_poison_dies(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    char flaky[37], poison[37];
    enqueue(&b, "debug.flaky", "{\"fail_times\":2}", "5", flaky);
    enqueue(&b, "debug.flaky", "{\"fail_times\":100}", "3", poison);
    const char *env[] = {"JOB_RETRY_BASE_MS=100", NULL};
    it_proc w;
    start_worker(&w, &b, env, "2");
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE id = '%s' AND status = 'succeeded'", flaky);
    wait_for(&b, sql, 1, 30000);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE id = '%s' AND status = 'dead'", poison);
    wait_for(&b, sql, 1, 30000);
    it_proc_signal(&w, SIGTERM);
    assert_int_equal(it_proc_wait(&w, 30000), 0);
    snprintf(sql, sizeof sql, "SELECT attempts FROM jobs WHERE id = '%s'", flaky);
    assert_int_equal(it_query_int(&b, sql), 3);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM job_runs WHERE job_id = '%s' AND status = 'failed'", flaky);
    assert_int_equal(it_query_int(&b, sql), 2);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM job_runs WHERE job_id = '%s' AND status = 'failed'", poison);
    assert_int_equal(it_query_int(&b, sql), 3);
    /* an operator sees why, and sends it back */
    char *out = NULL;
    const char *show[] = {"x", "jobs", "show", poison, NULL};
    assert_int_equal(it_run(show, &b, NULL, &out), 0);
    assert_non_null(strstr(out, "\"status\": \"dead\""));
    assert_non_null(strstr(out, "failing on purpose"));
    free(out);
    const char *list[] = {"x", "jobs", "list", "--status", "dead", NULL};
    assert_int_equal(it_run(list, &b, NULL, &out), 0);
    assert_non_null(strstr(out, poison));
    assert_null(strstr(out, flaky));
    free(out);
    const char *retry[] = {"x", "jobs", "retry", poison, NULL};
    assert_int_equal(it_run(retry, &b, NULL, &out), 0);
    free(out);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE id = '%s' AND status = 'queued' AND attempts = 0", poison);
    assert_int_equal(it_query_int(&b, sql), 1);
    const char *bad[][6] = {{"x", "jobs", "show", "nope", NULL}, {"x", "jobs", "retry", flaky, NULL}};
    assert_int_equal(it_run(bad[0], &b, NULL, &out), 1); /* no such job */
    free(out);
    assert_int_equal(it_run(bad[1], &b, NULL, &out), 1); /* succeeded jobs are not retried */
    free(out);
    /* and deletes it */
    const char *del[] = {"x", "jobs", "delete", poison, NULL};
    assert_int_equal(it_run(del, &b, NULL, &out), 0);
    assert_non_null(strstr(out, "deleted"));
    free(out);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE id = '%s'", poison);
    assert_int_equal(it_query_int(&b, sql), 0);
    assert_int_equal(it_run(del, &b, NULL, &out), 1); /* gone */
    free(out);
    it_backend_teardown(&b);
}

static void jobs_schedule_fires_once_per_slot(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    /* every second, with three worker processes racing for each slot */
    const char *env[] = {"SCHEDULE_AUTH_PURGE_REFRESH_TOKENS=* * * * * *", NULL};
    it_proc w[3];
    for (int i = 0; i < 3; i++)
        start_worker(&w[i], &b, env, "1");
    nap_ms(4500);
    for (int i = 0; i < 3; i++)
        it_proc_signal(&w[i], SIGTERM);
    for (int i = 0; i < 3; i++)
        assert_int_equal(it_proc_wait(&w[i], 30000), 0);
    long long slots = it_query_int(&b, "SELECT count(*) FROM schedule_runs WHERE name = 'auth.purge_refresh_tokens'");
    assert_true(slots >= 3);
    /* Each job is linked from its slot and each slot has its job; when
     * not, the workers' logs say what happened. */
    long long orphan_jobs = it_query_int(&b, "SELECT count(*) FROM jobs j WHERE kind = 'auth.purge_refresh_tokens' "
                                             "AND NOT EXISTS (SELECT 1 FROM schedule_runs r WHERE r.job_id = j.id)");
    long long jobs = it_query_int(&b, "SELECT count(*) FROM jobs WHERE kind = 'auth.purge_refresh_tokens'");
    if (orphan_jobs != 0 || jobs != slots)
        for (int i = 0; i < 3; i++)
            print_log(&w[i]);
    assert_int_equal(orphan_jobs, 0);
    assert_int_equal(jobs, slots);
    /* (the workers run the other schedules too: only this one's slots count) */
    assert_int_equal(it_query_int(&b, "SELECT count(DISTINCT job_id) FROM schedule_runs "
                                      "WHERE name = 'auth.purge_refresh_tokens'"),
                     slots);
    it_backend_teardown(&b);
}

static void jobs_graceful_shutdown(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    /* a short job in hand is finished */
    char quick[37], slow[37];
    enqueue(&b, "debug.sleep", "{\"ms\":800}", NULL, quick);
    it_proc w;
    const char *env[] = {"WORKER_SHUTDOWN_SECONDS=1", NULL};
    start_worker(&w, &b, env, "1");
    wait_for(&b, "SELECT count(*) FROM jobs WHERE status = 'running'", 1, 10000);
    it_proc_signal(&w, SIGTERM);
    assert_int_equal(it_proc_wait(&w, 10000), 0);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM jobs WHERE status = 'succeeded'"), 1);
    /* a long one is given back within the bound, its attempt counted */
    enqueue(&b, "debug.sleep", "{\"ms\":30000}", NULL, slow);
    start_worker(&w, &b, env, "1");
    wait_for(&b, "SELECT count(*) FROM jobs WHERE status = 'running'", 1, 10000);
    time_t t0 = time(NULL);
    it_proc_signal(&w, SIGTERM);
    assert_int_equal(it_proc_wait(&w, 15000), 0);
    assert_true(time(NULL) - t0 <= 5);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM jobs WHERE id = '%s' AND status = 'queued' AND attempts = 1", slow);
    assert_int_equal(it_query_int(&b, sql), 1);
    it_backend_teardown(&b);
}

/* A job that outlives every worker's grace period is released at each
 * shutdown with its attempt counted: after max_attempts releases it is dead,
 * not queued to be run again after every restart forever. */
static void jobs_released_jobs_run_out_of_attempts(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    char id[37], sql[200];
    enqueue(&b, "debug.sleep", "{\"ms\":60000}", "2", id);
    const char *env[] = {"WORKER_SHUTDOWN_SECONDS=1", NULL};
    for (int attempt = 1; attempt <= 2; attempt++) {
        it_proc w;
        start_worker(&w, &b, env, "1");
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM jobs WHERE id = '%s' AND status = 'running' AND attempts = %d", id,
                 attempt);
        wait_for(&b, sql, 1, 10000);
        it_proc_signal(&w, SIGTERM);
        assert_int_equal(it_proc_wait(&w, 15000), 0);
    }
    snprintf(
        sql, sizeof sql,
        "SELECT count(*) FROM jobs WHERE id = '%s' AND status = 'dead' AND attempts = 2 AND last_error LIKE "
        "'%%shut down%%'",
        id);
    assert_int_equal(it_query_int(&b, sql), 1);
    it_backend_teardown(&b);
}

static void jobs_operator_endpoints(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    const char *env[] = {IT_FAST_HASH, "FIRST_SUPERUSER=ops@example.org",
                         "FIRST_SUPERUSER_PASSWORD=operations need a long password", "JOB_RETRY_BASE_MS=100", NULL};
    it_server s;
    it_server_start(&s, &b, env); /* with its embedded worker */
    it_account admin = {0}, student;
    snprintf(admin.email, sizeof admin.email, "ops@example.org");
    snprintf(admin.password, sizeof admin.password, "operations need a long password");
    it_login(&s, &admin);
    it_register(&s, "student@example.org", &student);
    char id[37], parked[37];
    enqueue(&b, "debug.flaky", "{\"fail_times\":100}", "1", id);
    char *out = NULL;
    const char *park[] = {"x", "jobs", "enqueue", "system.noop", "--queue", "parked", NULL};
    assert_int_equal(it_run(park, &b, NULL, &out), 0);
    snprintf(parked, sizeof parked, "%.36s", out);
    free(out);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE id = '%s' AND status = 'dead'", id);
    wait_for(&b, sql, 1, 20000);

    char auth[1100];
    const char *h[] = {it_bearer(&admin, auth, sizeof auth), NULL};
    it_response r;
    it_http(&s, "GET", "/api/workers/health", h, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    json_t *j = it_json(&r);
    assert_true(json_integer_value(json_object_get(j, "alive")) >= 1);
    json_decref(j);
    it_response_free(&r);
    it_http(&s, "GET", "/api/workers/stats", h, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    j = it_json(&r);
    json_t *queues = json_object_get(j, "queues");
    assert_true(json_array_size(queues) >= 2);
    bool saw_dead = false;
    for (size_t i = 0; i < json_array_size(queues); i++) {
        json_t *q = json_array_get(queues, i);
        if (strcmp(json_string_value(json_object_get(q, "queue")), "default") == 0)
            saw_dead = json_integer_value(json_object_get(q, "dead")) >= 1;
    }
    assert_true(saw_dead);
    json_decref(j);
    it_response_free(&r);
    /* The page is the web UI's /admin/workers now: the old address sends there. */
    it_http(&s, "GET", "/api/workers/dashboard", h, NULL, 0, &r);
    assert_int_equal(r.status, 303);
    char v[128];
    assert_non_null(it_header(&r, "Location", v, sizeof v));
    assert_string_equal(v, "/admin/workers");
    it_response_free(&r);

    char path[128];
    snprintf(path, sizeof path, "/api/admin/jobs/%s", parked);
    it_http(&s, "DELETE", path, h, NULL, 0, &r);
    assert_int_equal(r.status, 204);
    it_response_free(&r);
    it_http(&s, "DELETE", path, h, NULL, 0, &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    snprintf(path, sizeof path, "/api/admin/jobs/%s/retry", id);
    it_http(&s, "POST", path, h, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"status\":\"queued\""));
    it_response_free(&r);

    /* students see none of it */
    const char *hs[] = {it_bearer(&student, auth, sizeof auth), NULL};
    const char *paths[] = {"/api/workers/health", "/api/workers/stats", "/api/workers/dashboard", NULL};
    for (size_t i = 0; paths[i] != NULL; i++) {
        it_http(&s, "GET", paths[i], hs, NULL, 0, &r);
        it_assert_error(&r, 404, "not_found");
        it_response_free(&r);
    }
    it_http(&s, "POST", path, hs, NULL, 0, &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

/* serve --no-worker runs no jobs, and its health endpoint says so. */
static void jobs_serve_without_worker(void **state)
{
    it_backend b;
    it_backend_setup(&b, false);
    it_proc p;
    const char *env[] = {IT_FAST_HASH, "FIRST_SUPERUSER=ops@example.org",
                         "FIRST_SUPERUSER_PASSWORD=operations need a long password", "PORT=0", NULL};
    const char *argv[] = {"x", "serve", "--no-worker", NULL};
    it_spawn(&p, argv, &b, env);
    it_proc_wait_log(&p, "\"listening\"", 20000);
    nap_ms(300);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM workers"), 0);
    it_proc_signal(&p, SIGTERM);
    assert_int_equal(it_proc_wait(&p, 15000), 0);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(jobs_two_workers_drain_exactly_once),
        IT_BOTH(jobs_killed_worker_loses_nothing),
        IT_BOTH(jobs_retry_then_succeed_and_poison_dies),
        IT_BOTH(jobs_schedule_fires_once_per_slot),
        IT_BOTH(jobs_graceful_shutdown),
        IT_BOTH(jobs_released_jobs_run_out_of_attempts),
        IT_BOTH(jobs_operator_endpoints),
        cmocka_unit_test(jobs_serve_without_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
