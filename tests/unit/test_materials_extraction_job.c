/* extraction_job: the extraction job kind's steps on SQLite and PostgreSQL,
 * run by the queue as it ends a job that will never finish: the material is
 * failed with a reason a user can read whether the last attempt failed, its
 * worker was lost during it (a later claim buries it) or an operator deleted
 * the job; an operator's retry makes it pending again. The steps are
 * idempotent, leave a ready material alone, and a deleted material is no
 * error. The job works for the material's owner. Once it has stored a
 * worksheet's questions, they get the codes of the standards their material
 * is linked to as suggested tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "content/storage.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "fixtures_curriculum.h"
#include "materials/curricula.h"
#include "materials/extraction_job.h"
#include "materials/material.h"
#include "materials/submit.h"

#include "area_fixture.h"

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static const char *const default_q[] = {MATERIAL_JOB_QUEUE};

/* The materials area's kinds and the queue hooks that run their steps. */
typedef struct kit {
    fixture *f;
    char user[37];
    extraction_env env;
    job_kind kinds[4];
    job_kind_set set;
    queue_hooks hooks;
} kit;

static void kit_init(kit *k, void **state)
{
    memset(k, 0, sizeof *k);
    k->f = area_db(state);
    area_user(k->f->d, "owner@example.org", "student", k->user);
    size_t n = materials_job_kinds(&k->env, k->kinds, 4);
    assert_int_equal(n, 2);
    k->set = (job_kind_set){k->kinds, n};
    k->hooks = job_kind_hooks(&k->set);
}

/* A material with its extraction job; their ids. */
static void new_material(kit *k, char id[37], char job_id[37])
{
    id_uuid7(id);
    char key[128];
    snprintf(key, sizeof key, "materials/%s/original", id);
    material_new m = {.user_id = k->user,
                      .title = "Notes",
                      .kind = "text",
                      .mime = "text/plain",
                      .sha256 = SHA,
                      .storage_key = key,
                      .size_bytes = 10,
                      .tags_json = "[]"};
    em_error err = {0};
    if (material_create(k->f->d, id, &m, true, job_id, &err) != EM_OK)
        fail_msg("material_create: %s", err.msg);
}

/* The material's status and error (owned, NULL when none). */
static char *status_of(kit *k, const char *id, char **error)
{
    const char *p[] = {id};
    *error = area_text(k->f->d, "SELECT error FROM materials WHERE id = $1", p, 1);
    return area_text(k->f->d, "SELECT status FROM materials WHERE id = $1", p, 1);
}

static void expect_material(kit *k, const char *id, const char *status, const char *error)
{
    char *e = NULL;
    char *s = status_of(k, id, &e);
    if (s == NULL || strcmp(s, status) != 0 || (error == NULL) != (e == NULL) ||
        (error != NULL && strcmp(e, error) != 0))
        fail_msg("material %s is %s (%s), not %s (%s)", id, s ? s : "gone", e ? e : "-", status,
                 error ? error : "-");
    free(s);
    free(e);
}

static size_t claim(kit *k, const char *who, int64_t lease_ms, job *got)
{
    size_t n = 0;
    em_error err = {0};
    assert_int_equal(queue_claim(k->f->d, who, default_q, 1, 4, lease_ms, &k->hooks, got, &n, &err), EM_OK);
    return n;
}

static void extraction_job_is_the_owners(void **state)
{
    kit k;
    kit_init(&k, state);
    char id[37], job_id[37];
    new_material(&k, id, job_id);
    job_info j;
    em_error err = {0};
    assert_int_equal(queue_get(k.f->d, job_id, &j, &err), EM_OK);
    assert_string_equal(j.owner_id, k.user);
    assert_string_equal(j.kind, MATERIAL_JOB_KIND);
    assert_int_equal(j.max_attempts, MATERIAL_JOB_ATTEMPTS);
    job_info_cleanup(&j);
    int64_t n = 0;
    assert_int_equal(queue_count_unfinished(k.f->d, k.user, MATERIAL_JOB_KIND, &n, &err), EM_OK);
    assert_int_equal(n, 1);
}

/* Three workers die in turn during the extraction: the claim after the third
 * buries the job, and the material says why instead of "processing". */
static void extraction_gives_up_when_its_workers_die(void **state)
{
    kit k;
    kit_init(&k, state);
    char id[37], job_id[37];
    new_material(&k, id, job_id);
    job got[4];
    for (int attempt = 1; attempt <= MATERIAL_JOB_ATTEMPTS; attempt++) {
        assert_int_equal(claim(&k, "doomed", 1, got), 1);
        assert_int_equal(got[0].attempts, attempt);
        job_cleanup(&got[0]);
        em_error err = {0};
        assert_int_equal(material_set_processing(k.f->d, id, &err), EM_OK); /* what the run did */
        area_sleep_ms(20);
    }
    assert_int_equal(claim(&k, "survivor", 30000, got), 0);
    expect_material(
        &k, id, "failed",
        "extraction did not finish after 3 attempts: the worker running it stopped responding (its "
        "lease expired) during its last attempt");
    /* idempotent: told again, nothing changes */
    job_info j;
    em_error err = {0};
    assert_int_equal(queue_get(k.f->d, job_id, &j, &err), EM_OK);
    assert_string_equal(j.status, "dead");
    assert_false(j.gave_up_owed);
    job_info_cleanup(&j);
    assert_int_equal(material_give_up(k.f->d, id, "something else", &err), EM_OK);
    expect_material(
        &k, id, "failed",
        "extraction did not finish after 3 attempts: the worker running it stopped responding (its "
        "lease expired) during its last attempt");

    /* an operator's retry: pending again; a deletion of the job then: failed */
    assert_int_equal(queue_retry(k.f->d, job_id, &k.hooks, &err), EM_OK);
    expect_material(&k, id, "pending", NULL);
    assert_int_equal(queue_delete(k.f->d, job_id, &k.hooks, &err), EM_OK);
    expect_material(&k, id, "failed",
                    "extraction did not finish: its job was deleted by an operator before it finished");
}

/* The last attempt fails (storage down): failed with that reason. */
static void extraction_gives_up_at_its_last_failure(void **state)
{
    kit k;
    kit_init(&k, state);
    char id[37], job_id[37];
    new_material(&k, id, job_id);
    job got[4];
    em_error err = {0};
    for (int attempt = 1; attempt <= MATERIAL_JOB_ATTEMPTS; attempt++) {
        assert_int_equal(claim(&k, "w", 30000, got), 1);
        job_result r = {.id = job_id,
                        .attempts = got[0].attempts,
                        .max_attempts = got[0].max_attempts,
                        .ok = false,
                        .error = "storage: S3 is unreachable"};
        assert_int_equal(queue_finish(k.f->d, "w", &r, 1, 1, &k.hooks, NULL, &err), EM_OK);
        job_cleanup(&got[0]);
        expect_material(&k, id, attempt < MATERIAL_JOB_ATTEMPTS ? "pending" : "failed",
                        attempt < MATERIAL_JOB_ATTEMPTS
                            ? NULL
                            : "extraction did not finish after 3 attempts: storage: S3 is unreachable");
        area_sleep_ms(20); /* past the 1 ms backoff */
    }
}

/* A ready material is never failed by a late step; a deleted one is no
 * error; a payload without a material is nothing to do. */
static void extraction_steps_leave_results_alone(void **state)
{
    kit k;
    kit_init(&k, state);
    char id[37], job_id[37], gone[37], gone_job[37];
    new_material(&k, id, job_id);
    const char *p[] = {id};
    area_run(k.f->d, "UPDATE materials SET status = 'ready' WHERE id = $1", p, 1);
    em_error err = {0};
    assert_int_equal(queue_delete(k.f->d, job_id, &k.hooks, &err), EM_OK);
    expect_material(&k, id, "ready", NULL);
    assert_int_equal(material_set_pending(k.f->d, id, &err), EM_OK);
    expect_material(&k, id, "ready", NULL);

    new_material(&k, gone, gone_job);
    assert_int_equal(material_delete(k.f->d, gone, &err), EM_OK);
    assert_int_equal(queue_delete(k.f->d, gone_job, &k.hooks, &err), EM_OK);

    job_spec odd = {.queue = MATERIAL_JOB_QUEUE, .kind = MATERIAL_JOB_KIND, .payload = "{\"other\":1}"};
    char odd_id[37];
    assert_int_equal(queue_enqueue(k.f->d, &odd, odd_id, &err), EM_OK);
    assert_int_equal(queue_delete(k.f->d, odd_id, &k.hooks, &err), EM_OK);
}

static void extraction_suggests_linked_codes(void **state)
{
    kit k;
    kit_init(&k, state);
    area_store st;
    area_store_open(&st);
    k.env.files = st.s;
    k.env.limits = (ingest_options){.max_pages = 100, .timeout_s = 60, .threads = 1, .max_file_bytes = 1u << 20};
    static const char text[] = "Practice.\n\n1. Which keyword leaves a loop early?\nA. break\nB. return\n\n"
                               "Answer Key\n1. A\n";
    submit_input in = {.user_id = k.user, .data = text, .len = sizeof text - 1, .filename = "loops.txt",
                       .is_worksheet = true, .enqueue = true};
    submit_output sub;
    em_error err = {0};
    assert_int_equal(material_submit(k.f->d, st.s, &in, &sub, &err), EM_OK);
    /* a standard, linked before the job runs (nothing to suggest for yet) */
    char admin[37];
    area_user(k.f->d, "admin@example.org", "admin", admin);
    principal a = area_principal(admin, "admin"), o = area_principal(k.user, "student");
    curriculum_meta meta = {"Introductory programming", "cs1", NULL};
    curriculum_report rep;
    assert_int_equal(curricula_import_csv(k.f->d, &a, &meta, fixture_cs1_csv, strlen(fixture_cs1_csv), &rep, &err),
                     EM_OK);
    json_decref(rep.removed_codes);
    json_t *ids = json_pack("[s]", rep.id);
    size_t n = 9;
    assert_int_equal(curricula_link_material(k.f->d, &o, sub.material_id, ids, &n, &err), EM_OK);
    assert_int_equal(n, 0);
    json_decref(ids);
    /* the job stores the question, then its suggestions */
    job j = {0};
    json_t *payload = json_pack("{s:s}", "material_id", sub.material_id);
    job_ctx ctx = {.job = &j, .payload = payload, .db = k.f->d, .env = &k.env};
    if (k.kinds[0].run(&ctx, &err) != EM_OK)
        fail_msg("run: %s", err.msg);
    json_decref(payload);
    expect_material(&k, sub.material_id, "ready", NULL);
    const char *p[] = {sub.material_id};
    assert_int_equal(area_int(k.f->d,
                              "SELECT COUNT(*) FROM question_tags t JOIN questions q ON q.id = t.question_id "
                              "WHERE q.material_id = $1 AND t.tag = 'cs1.control.loops' AND t.source = 'suggested' "
                              "AND t.score > 0 AND NOT t.confirmed",
                              p, 1),
                     1);
    area_store_close(&st);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(extraction_job_is_the_owners),
        BOTH(extraction_gives_up_when_its_workers_die),
        BOTH(extraction_gives_up_at_its_last_failure),
        BOTH(extraction_steps_leave_results_alone),
        BOTH(extraction_suggests_linked_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
