/* sweep: orphaned originals on SQLite and PostgreSQL, with the files in a
 * local directory and in S3 (the fake S3 server): an old file no material
 * names is removed; a material's file, a file written less than the minimum
 * age ago (an upload on its way) and anything outside materials/ stay; the
 * job kind does the same with its payload's age; the schedule is declared
 * hourly; a store that cannot be listed fails the run (the queue retries
 * it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "content/storage.h"
#include "jobs/worker.h"
#include "materials/extraction_job.h"
#include "materials/material.h"
#include "materials/sweep.h"
#include "net/http_client.h"

#include "area_fixture.h"
#include "fixtures_s3.h"

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define S3_KEY "AKIDSWEEPTEST"
#define S3_SECRET "sweep-test-secret"
#define OLD ((int64_t)1000000000) /* 2001: long before any minimum age */

/* The case's store: a directory, or a bucket on a fake S3 server. */
typedef struct store {
    bool s3;
    area_store local;
    fake_s3 *fake;
    storage *s;
} store;

static void store_open(store *st, bool s3)
{
    memset(st, 0, sizeof *st);
    st->s3 = s3;
    if (!s3) {
        area_store_open(&st->local);
        st->s = st->local.s;
        return;
    }
    st->fake = fake_s3_start(S3_KEY, S3_SECRET, "us-east-1");
    if (st->fake == NULL)
        fail_msg("fake S3: %s", strerror(errno));
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", fake_s3_port(st->fake));
    storage_options o = {.url = "s3://sweep-bucket/data",
                         .s3_endpoint = endpoint,
                         .s3_access_key = S3_KEY,
                         .s3_secret_key = S3_SECRET};
    em_error err = {0};
    if (storage_open(&o, &st->s, &err) != EM_OK)
        fail_msg("storage_open: %s", err.msg);
}

static void store_close(store *st)
{
    if (!st->s3) {
        area_store_close(&st->local);
        return;
    }
    assert_int_equal(fake_s3_rejected(st->fake), 0);
    storage_close(st->s);
    fake_s3_stop(st->fake);
}

/* Make the object under key last written at mtime. */
static void written_at(store *st, const char *key, int64_t mtime)
{
    if (st->s3) {
        char path[256];
        snprintf(path, sizeof path, "/sweep-bucket/data/%s", key);
        assert_true(fake_s3_set_mtime(st->fake, path, mtime));
        return;
    }
    char path[512];
    assert_int_equal(storage_local_path(st->s, key, path, sizeof path), EM_OK);
    struct timespec t[2] = {{.tv_sec = (time_t)mtime}, {.tv_sec = (time_t)mtime}};
    assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static void put(store *st, const char *key, bool old)
{
    em_error err = {0};
    if (storage_put(st->s, key, "%PDF-1.4 stored", 15, "application/pdf", &err) != EM_OK)
        fail_msg("put %s: %s", key, err.msg);
    if (old)
        written_at(st, key, OLD);
}

static bool exists(store *st, const char *key)
{
    uint64_t size = 0;
    em_error err = {0};
    int rc = storage_size(st->s, key, &size, &err);
    if (rc != EM_OK && rc != EM_E_NOT_FOUND)
        fail_msg("size %s: %s", key, err.msg);
    return rc == EM_OK;
}

/* A material row whose storage_key is key. */
static void material_row(db *d, const char *user, const char *key)
{
    char id[37];
    id_uuid7(id);
    material_new m = {.user_id = user,
                      .title = "Kept",
                      .kind = "pdf",
                      .mime = "application/pdf",
                      .sha256 = SHA,
                      .storage_key = key,
                      .size_bytes = 15,
                      .tags_json = "[]"};
    em_error err = {0};
    if (material_create(d, id, &m, false, NULL, &err) != EM_OK)
        fail_msg("material_create: %s", err.msg);
}

#define KEPT "materials/0190aaaa-0000-7000-8000-000000000001/original"
#define ORPHAN "materials/0190aaaa-0000-7000-8000-000000000002/original"
#define ORPHAN2 "materials/0190aaaa-0000-7000-8000-000000000004/original"
#define YOUNG "materials/0190aaaa-0000-7000-8000-000000000003/original"
#define OUTSIDE "exports/old-report"

static void sweep_case(void **state, bool s3)
{
    fixture *f = area_db(state);
    store st;
    store_open(&st, s3);
    char user[37];
    area_user(f->d, "owner@example.org", "student", user);
    material_row(f->d, user, KEPT);
    put(&st, KEPT, true);
    put(&st, ORPHAN, true);
    put(&st, YOUNG, false);
    put(&st, OUTSIDE, true);
    sweep_result r;
    em_error err = {0};
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(sweep_orphans(f->d, st.s, now, SWEEP_MIN_AGE_S, &r, &err), EM_OK);
    assert_int_equal(r.seen, 3);
    assert_int_equal(r.orphans, 1);
    assert_int_equal(r.removed, 1);
    assert_int_equal(r.failed, 0);
    assert_true(exists(&st, KEPT));
    assert_false(exists(&st, ORPHAN));
    assert_true(exists(&st, YOUNG));
    assert_true(exists(&st, OUTSIDE));
    /* nothing more to do */
    assert_int_equal(sweep_orphans(f->d, st.s, now, SWEEP_MIN_AGE_S, &r, &err), EM_OK);
    assert_int_equal(r.removed, 0);

    /* the job kind, as a worker runs it, with the minimum age of its payload:
     * the young one is old enough now */
    extraction_env env = {.files = st.s};
    job_kind kinds[4];
    assert_int_equal(materials_job_kinds(&env, kinds, 4), 2);
    assert_string_equal(kinds[1].kind, SWEEP_JOB_KIND);
    put(&st, ORPHAN2, true);
    written_at(&st, YOUNG, now - 60);
    json_t *payload = json_pack("{s:i}", "min_age_s", 30);
    job j = {.attempts = 1, .max_attempts = 5};
    job_ctx ctx = {.job = &j, .payload = payload, .db = f->d, .env = &env};
    assert_int_equal(kinds[1].run(&ctx, &err), EM_OK);
    json_decref(payload);
    assert_false(exists(&st, ORPHAN2));
    assert_false(exists(&st, YOUNG));
    assert_true(exists(&st, KEPT));
    assert_true(exists(&st, OUTSIDE));
    payload = json_pack("{s:i}", "min_age_s", -1);
    ctx.payload = payload;
    assert_int_equal(kinds[1].run(&ctx, &err), EM_E_INVAL);
    json_decref(payload);

    /* a store that cannot be listed: the run fails and nothing is removed */
    if (s3) {
        put(&st, ORPHAN, true);
        fake_s3_force_status(st.fake, 503, "SlowDown");
        assert_int_equal(sweep_orphans(f->d, st.s, now, SWEEP_MIN_AGE_S, &r, &err), EM_E_UNAVAILABLE);
        fake_s3_force_status(st.fake, 0, NULL);
        assert_true(exists(&st, ORPHAN));
    }
    store_close(&st);
}

static void materials_sweep_local(void **state)
{
    sweep_case(state, false);
}

static void materials_sweep_s3(void **state)
{
    sweep_case(state, true);
}

static void materials_sweep_is_scheduled_hourly(void **state)
{
    (void)state;
    schedule_def defs[4];
    assert_int_equal(materials_schedules(defs, 4), 1);
    assert_string_equal(defs[0].name, SWEEP_JOB_KIND);
    assert_string_equal(defs[0].kind, SWEEP_JOB_KIND);
    cron c;
    em_error err = {0};
    assert_int_equal(cron_parse(defs[0].cron, &c, &err), EM_OK);
    /* due once an hour */
    int64_t at = cron_next(&c, 0), next = cron_next(&c, at);
    assert_int_equal(next - at, 3600 * 1000);
    char var[96];
    assert_int_equal(schedule_override_name(defs[0].name, var, sizeof var), EM_OK);
    assert_string_equal(var, "SCHEDULE_MATERIALS_SWEEP_ORPHANS");
}

int main(void)
{
    area_log_setup();
    if (net_global_init() != EM_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(materials_sweep_is_scheduled_hourly),
        BOTH(materials_sweep_local),
        BOTH(materials_sweep_s3),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    net_global_cleanup();
    return rc;
}
