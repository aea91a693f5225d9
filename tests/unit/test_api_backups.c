/* Handler tests for src/api/backups.c: the admin's list of backups (newest
 * first, from BACKUP_DIR) and "back up now" (an ops.backup job), on both
 * databases; admin-only (404 to anyone else, as if the routes did not exist). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "jobs/queue.h"
#include "ops/backup.h"

static void api_admin_backups(void **state)
{
    api_fx *t = api_fx_of(state);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/backups", t->dir);
    t->ctx.backup_dir = dir;

    json_t *j = call_json(t, "GET", "/api/admin/backups", WHO_ADMIN, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(j, "dir")), dir);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0); /* none yet, no directory yet */
    json_decref(j);

    db *d = api_fx_db(t);
    em_error err = {0};
    if (db_dialect_of(d) == DB_SQLITE) { /* pg_dump needs the URL: test_ops_backup covers it */
        backup_options o = {.dir = dir, .keep = 0, .database_url = NULL, .files = t->files};
        char path[BACKUP_PATH_MAX];
        assert_int_equal(backup_create(d, &o, 1796000000000, path, NULL, &err), EM_OK);
        assert_int_equal(backup_create(d, &o, 1796086400000, path, NULL, &err), EM_OK);
        j = call_json(t, "GET", "/api/admin/backups", WHO_ADMIN, NULL, 200);
        json_t *items = json_object_get(j, "items");
        assert_int_equal(json_array_size(items), 2);
        json_t *newest = json_array_get(items, 0);
        assert_string_equal(json_string_value(json_object_get(newest, "created_at")),
                            "2026-12-01T00:53:20.000Z");
        assert_string_equal(json_string_value(json_object_get(newest, "dialect")), "sqlite");
        assert_true(json_integer_value(json_object_get(newest, "database_bytes")) > 0);
        json_decref(j);
    }

    /* back up now: a job a worker runs */
    j = call_json(t, "POST", "/api/admin/backups", WHO_ADMIN, "{}", 202);
    const char *job_id = json_string_value(json_object_get(j, "job_id"));
    assert_non_null(job_id);
    job_info info;
    assert_int_equal(queue_get(d, job_id, &info, &err), EM_OK);
    assert_string_equal(info.kind, "ops.backup");
    job_info_cleanup(&info);
    json_decref(j);

    /* admins only */
    for (api_who w = WHO_STUDENT; w < WHO_ADMIN; w++) {
        call_error(t, "GET", "/api/admin/backups", w, NULL, 404, "not_found");
        call_error(t, "POST", "/api/admin/backups", w, "{}", 404, "not_found");
    }
    call_error(t, "GET", "/api/admin/backups", WHO_ANON, NULL, 401, "unauthorized");
    t->ctx.backup_dir = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_admin_backups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
