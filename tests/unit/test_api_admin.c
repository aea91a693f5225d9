/* Handler tests for src/api/admin.c: GET /api/admin/users, PATCH
 * /api/admin/users/{id} and GET, POST /api/admin/tutors/{tutor_id}/students
 * through the real route table in process: pages and filters, role and
 * activity changes and what they do to the account's sessions, assignments
 * and the visibility they give, every refusal with the state unchanged after
 * it. (Who may call these routes at all is test_api_routes' business.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/ids.h"

/* The emails of a page's items, comma-separated, into out. */
static void page_emails(const json_t *page, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    json_t *items = json_object_get(page, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s", i > 0 ? "," : "",
                              jstr(json_array_get(items, i), "email"));
}

static void expect_page(api_fx *t, const char *target, const char *emails, json_int_t total, json_int_t limit,
                        json_int_t offset)
{
    json_t *j = call_json(t, "GET", target, WHO_ADMIN, NULL, 200);
    char got[512];
    page_emails(j, got, sizeof got);
    if (strcmp(got, emails) != 0)
        fail_msg("GET %s: expected %s, got %s", target, emails, got);
    assert_int_equal(jint(j, "total"), total);
    assert_int_equal(jint(j, "limit"), limit);
    assert_int_equal(jint(j, "offset"), offset);
    json_t *items = json_object_get(j, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *u = json_array_get(items, i);
        assert_int_equal(json_object_size(u), 10);
        assert_null(json_object_get(u, "password_hash"));
    }
    json_decref(j);
}

#define ALL "admin@example.org,tutor@example.org,student2@example.org,student@example.org"

static void api_admin_users_list_pages(void **state)
{
    api_fx *t = api_fx_of(state);
    /* Newest first. */
    expect_page(t, "/api/admin/users", ALL, 4, 50, 0);
    expect_page(t, "/api/admin/users?role=tutor", "tutor@example.org", 1, 50, 0);
    expect_page(t, "/api/admin/users?role=student", "student2@example.org,student@example.org", 2, 50, 0);
    expect_page(t, "/api/admin/users?role=admin", "admin@example.org", 1, 50, 0);
    expect_page(t, "/api/admin/users?limit=2", "admin@example.org,tutor@example.org", 4, 2, 0);
    expect_page(t, "/api/admin/users?limit=2&offset=2", "student2@example.org,student@example.org", 4, 2, 2);
    expect_page(t, "/api/admin/users?offset=10", "", 4, 50, 10);
    expect_page(t, "/api/admin/users?limit=200&role=student&offset=1", "student@example.org", 2, 200, 1);
    json_t *j = call_json(t, "GET", "/api/admin/users?limit=1", WHO_ADMIN, NULL, 200);
    json_t *u = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(jstr(u, "id"), api_fx_id(t, WHO_ADMIN));
    assert_string_equal(jstr(u, "role"), "admin");
    assert_string_equal(jstr(u, "display_name"), "Admin");
    assert_true(json_is_true(json_object_get(u, "is_active")));
    json_decref(j);

    static const char *const bad[] = {
        "/api/admin/users?role=teacher", "/api/admin/users?role=",     "/api/admin/users?limit=0",
        "/api/admin/users?limit=201",    "/api/admin/users?limit=abc", "/api/admin/users?limit=2x",
        "/api/admin/users?offset=-1",    "/api/admin/users?limit=",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_fake *f = call(t, "GET", bad[i], WHO_ADMIN, NULL);
        if (http_fake_status(f) != 400)
            fail_msg("GET %s: expected 400, got %d %s", bad[i], http_fake_status(f), http_fake_body(f, NULL));
        expect_error(f, 400, "invalid_request");
        http_fake_free(f);
    }
}

static void patch_user(api_fx *t, api_who w, const char *body, int status, const char *code)
{
    char target[128];
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, w));
    if (code != NULL) {
        call_error(t, "PATCH", target, WHO_ADMIN, body, status, code);
    } else {
        json_t *j = call_json(t, "PATCH", target, WHO_ADMIN, body, status);
        assert_string_equal(jstr(j, "id"), api_fx_id(t, w));
        json_decref(j);
    }
}

static void refresh_expect(api_fx *t, api_who w, int status)
{
    char body[128];
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", t->acct[w].refresh);
    http_fake *f = call(t, "POST", "/api/auth/refresh", WHO_ANON, body);
    expect_status(f, status);
    if (status == 200) {
        json_t *j = fake_json(f);
        snprintf(t->acct[w].refresh, sizeof t->acct[w].refresh, "%s", jstr(j, "refresh_token"));
        json_decref(j);
    }
    http_fake_free(f);
}

static void api_admin_users_update_role_and_activity(void **state)
{
    api_fx *t = api_fx_of(state);
    char target[128];
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, WHO_STUDENT2));
    json_t *j = call_json(t, "PATCH", target, WHO_ADMIN, "{\"role\":\"tutor\"}", 200);
    assert_string_equal(jstr(j, "role"), "tutor");
    assert_string_equal(jstr(j, "email"), "student2@example.org");
    assert_true(json_is_true(json_object_get(j, "is_active")));
    assert_int_equal(json_object_size(j), 10);
    json_decref(j);
    expect_page(t, "/api/admin/users?role=tutor", "tutor@example.org,student2@example.org", 2, 50, 0);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'role_changed'"), 1);
    j = call_json(t, "GET", "/api/users/me", WHO_STUDENT2, NULL, 200);
    assert_string_equal(jstr(j, "role"), "tutor");
    json_decref(j);

    /* Disabled: no login, no token, no session; the sessions stay ended. */
    j = call_json(t, "PATCH", target, WHO_ADMIN, "{\"is_active\":false}", 200);
    assert_false(json_is_true(json_object_get(j, "is_active")));
    assert_string_equal(jstr(j, "role"), "tutor");
    json_decref(j);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'account_disabled'"), 1);
    call_error(t, "POST", "/api/auth/login", WHO_ANON,
               "{\"email\":\"student2@example.org\",\"password\":\"student two studies late\"}", 403,
               "account_disabled");
    call_error(t, "GET", "/api/users/me", WHO_STUDENT2, NULL, 401, "unauthorized");
    refresh_expect(t, WHO_STUDENT2, 401);
    j = call_json(t, "PATCH", target, WHO_ADMIN, "{\"is_active\":true,\"role\":\"student\"}", 200);
    assert_true(json_is_true(json_object_get(j, "is_active")));
    assert_string_equal(jstr(j, "role"), "student");
    json_decref(j);
    refresh_expect(t, WHO_STUDENT2, 401);
    /* Enabled again, the old access token stays dead: its session ended with the deactivation. */
    call_error(t, "GET", "/api/users/me", WHO_STUDENT2, NULL, 401, "unauthorized");
    json_decref(call_json(t, "POST", "/api/auth/login", WHO_ANON,
                          "{\"email\":\"student2@example.org\",\"password\":\"student two studies late\"}",
                          200));
    /* Other accounts' sessions were never touched. */
    refresh_expect(t, WHO_STUDENT, 200);
    /* Re-enabling an active account changes nothing. */
    patch_user(t, WHO_STUDENT, "{\"is_active\":true}", 200, NULL);
    refresh_expect(t, WHO_STUDENT, 200);
}

static void api_admin_users_update_refused(void **state)
{
    api_fx *t = api_fx_of(state);
    /* Nobody may lock themself out. */
    patch_user(t, WHO_ADMIN, "{\"role\":\"student\"}", 409, "conflict");
    patch_user(t, WHO_ADMIN, "{\"is_active\":false}", 409, "conflict");
    static const char *const invalid[] = {
        "{\"role\":\"superuser\"}", "{\"role\":5}", "{\"role\":null}",          "{\"is_active\":\"no\"}",
        "{\"is_active\":0}",        "{}",           "{\"display_name\":\"x\"}", "[\"role\",\"admin\"]",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        patch_user(t, WHO_STUDENT, invalid[i], 422, "validation_error");
    patch_user(t, WHO_STUDENT, "{\"role\":", 400, "invalid_json");
    char target[128], ghost[ID_UUID_LEN + 1];
    id_uuid7(ghost);
    snprintf(target, sizeof target, "/api/admin/users/%s", ghost);
    call_error(t, "PATCH", target, WHO_ADMIN, "{\"role\":\"tutor\"}", 404, "not_found");
    call_error(t, "PATCH", "/api/admin/users/not-an-id", WHO_ADMIN, "{\"role\":\"tutor\"}", 404, "not_found");
    /* Everyone as they were. */
    expect_page(t, "/api/admin/users?role=admin", "admin@example.org", 1, 50, 0);
    expect_page(t, "/api/admin/users?role=student", "student2@example.org,student@example.org", 2, 50, 0);
    json_t *j = call_json(t, "GET", "/api/users/me", WHO_STUDENT, NULL, 200);
    assert_string_equal(jstr(j, "updated_at"), t->acct[WHO_STUDENT].u.updated_at);
    json_decref(j);
    assert_int_equal(
        sql_int(t, "SELECT count(*) FROM audit_log WHERE event IN ('role_changed', 'account_disabled')"), 0);
}

/* Whether the tutor sees student2's topics (the one rule, through an endpoint). */
static int tutor_sees_student2(api_fx *t)
{
    char target[128];
    snprintf(target, sizeof target, "/api/topics?user_id=%s", api_fx_id(t, WHO_STUDENT2));
    http_fake *f = call(t, "GET", target, WHO_TUTOR, NULL);
    int status = http_fake_status(f);
    http_fake_free(f);
    return status;
}

static void api_admin_tutor_students_assign(void **state)
{
    api_fx *t = api_fx_of(state);
    char target[128], body[256], ghost[ID_UUID_LEN + 1];
    id_uuid7(ghost);
    snprintf(target, sizeof target, "/api/admin/tutors/%s/students", api_fx_id(t, WHO_TUTOR));
    assert_int_equal(tutor_sees_student2(t), 404);

    /* All or none: one missing student refuses the lot. */
    snprintf(body, sizeof body, "{\"student_ids\":[\"%s\",\"%s\"]}", api_fx_id(t, WHO_STUDENT2), ghost);
    call_error(t, "POST", target, WHO_ADMIN, body, 404, "not_found");
    assert_int_equal(tutor_sees_student2(t), 404);

    snprintf(body, sizeof body, "{\"student_id\":\"%s\"}", api_fx_id(t, WHO_STUDENT2));
    json_t *j = call_json(t, "POST", target, WHO_ADMIN, body, 201);
    assert_string_equal(jstr(j, "tutor_id"), api_fx_id(t, WHO_TUTOR));
    assert_int_equal(jint(j, "added"), 1);
    json_t *ids = json_object_get(j, "student_ids");
    assert_int_equal(json_array_size(ids), 1);
    assert_string_equal(json_string_value(json_array_get(ids, 0)), api_fx_id(t, WHO_STUDENT2));
    json_decref(j);
    assert_int_equal(tutor_sees_student2(t), 200);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'tutor_assigned'"), 2);
    /* Again: nothing new, 200. */
    j = call_json(t, "POST", target, WHO_ADMIN, body, 200);
    assert_int_equal(jint(j, "added"), 0);
    json_decref(j);
    snprintf(body, sizeof body, "{\"student_ids\":[\"%s\",\"%s\"]}", api_fx_id(t, WHO_STUDENT),
             api_fx_id(t, WHO_STUDENT2));
    j = call_json(t, "POST", target, WHO_ADMIN, body, 200);
    assert_int_equal(jint(j, "added"), 0);
    assert_int_equal(json_array_size(json_object_get(j, "student_ids")), 2);
    json_decref(j);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM tutor_students"), 2);
}

/* GET lists a tutor's students as the admin's user list does (newest
 * first, paged), following assignments as they come and go; a user who is
 * not a tutor is 422, no such user 404. */
static void api_admin_tutor_students_listed(void **state)
{
    api_fx *t = api_fx_of(state);
    char target[160], body[256], ghost[ID_UUID_LEN + 1];
    snprintf(target, sizeof target, "/api/admin/tutors/%s/students", api_fx_id(t, WHO_TUTOR));
    expect_page(t, target, "student@example.org", 1, 50, 0);
    snprintf(body, sizeof body, "{\"student_id\":\"%s\"}", api_fx_id(t, WHO_STUDENT2));
    json_decref(call_json(t, "POST", target, WHO_ADMIN, body, 201));
    expect_page(t, target, "student2@example.org,student@example.org", 2, 50, 0);
    char paged[200];
    snprintf(paged, sizeof paged, "%s?limit=1&offset=1", target);
    expect_page(t, paged, "student@example.org", 2, 1, 1);
    char one[256];
    snprintf(one, sizeof one, "%s/%s", target, api_fx_id(t, WHO_STUDENT));
    http_fake *f = call(t, "DELETE", one, WHO_ADMIN, NULL);
    expect_status(f, 204);
    http_fake_free(f);
    expect_page(t, target, "student2@example.org", 1, 50, 0);

    snprintf(target, sizeof target, "/api/admin/tutors/%s/students", api_fx_id(t, WHO_STUDENT));
    call_error(t, "GET", target, WHO_ADMIN, NULL, 422, "validation_error");
    id_uuid7(ghost);
    snprintf(target, sizeof target, "/api/admin/tutors/%s/students", ghost);
    call_error(t, "GET", target, WHO_ADMIN, NULL, 404, "not_found");
    snprintf(target, sizeof target, "/api/admin/tutors/%s/students?limit=0", api_fx_id(t, WHO_TUTOR));
    call_error(t, "GET", target, WHO_ADMIN, NULL, 400, "invalid_request");
}

/* A tutor's status code for GET /api/topics?user_id=<the first student>. */
static int tutor_sees_student(api_fx *t)
{
    char target[128];
    snprintf(target, sizeof target, "/api/topics?user_id=%s", api_fx_id(t, WHO_STUDENT));
    http_fake *f = call(t, "GET", target, WHO_TUTOR, NULL);
    int status = http_fake_status(f);
    http_fake_free(f);
    return status;
}

/* DELETE ends one assignment (404 when there is none, to non-admins too),
 * audited; the tutor no longer sees the student's work. */
static void api_admin_tutor_students_unassign(void **state)
{
    api_fx *t = api_fx_of(state);
    char target[256];
    snprintf(target, sizeof target, "/api/admin/tutors/%s/students/%s", api_fx_id(t, WHO_TUTOR),
             api_fx_id(t, WHO_STUDENT));
    assert_int_equal(tutor_sees_student(t), 200);
    call_error(t, "DELETE", target, WHO_TUTOR, NULL, 404, "not_found");
    call_error(t, "DELETE", target, WHO_STUDENT, NULL, 404, "not_found");
    http_fake *f = call(t, "DELETE", target, WHO_ADMIN, NULL);
    expect_status(f, 204);
    http_fake_free(f);
    assert_int_equal(tutor_sees_student(t), 404);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM tutor_students"), 0);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'tutor_unassigned'"), 1);
    call_error(t, "DELETE", target, WHO_ADMIN, NULL, 404, "not_found");
}

/* A role change ends what the old role had: a tutor made a student keeps no
 * students (and made a tutor again, still none); a student made a tutor is
 * nobody's student. */
static void api_admin_role_change_ends_assignments(void **state)
{
    api_fx *t = api_fx_of(state);
    char target[128], body[128];
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, WHO_TUTOR));
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"role\":\"student\"}", 200));
    assert_int_equal(sql_int(t, "SELECT count(*) FROM tutor_students"), 0);
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"role\":\"tutor\"}", 200));
    assert_int_equal(tutor_sees_student(t), 404);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'role_changed' "
                                "AND replace(CAST(detail AS TEXT), ' ', '') LIKE '%assignments_ended\":1%'"),
                     1);

    /* assign again, then make the student a tutor */
    snprintf(target, sizeof target, "/api/admin/tutors/%s/students", api_fx_id(t, WHO_TUTOR));
    snprintf(body, sizeof body, "{\"student_id\":\"%s\"}", api_fx_id(t, WHO_STUDENT));
    json_decref(call_json(t, "POST", target, WHO_ADMIN, body, 201));
    assert_int_equal(sql_int(t, "SELECT count(*) FROM tutor_students"), 1);
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, WHO_STUDENT));
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"role\":\"tutor\"}", 200));
    assert_int_equal(sql_int(t, "SELECT count(*) FROM tutor_students"), 0);
    /* a change of activity only leaves assignments as they are */
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"role\":\"student\"}", 200));
    snprintf(target, sizeof target, "/api/admin/tutors/%s/students", api_fx_id(t, WHO_TUTOR));
    json_decref(call_json(t, "POST", target, WHO_ADMIN, body, 201));
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, WHO_STUDENT));
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"is_active\":false}", 200));
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"is_active\":true}", 200));
    assert_int_equal(sql_int(t, "SELECT count(*) FROM tutor_students"), 1);
}

static void api_admin_tutor_students_refused(void **state)
{
    api_fx *t = api_fx_of(state);
    char target[128], body[256], ghost[ID_UUID_LEN + 1];
    id_uuid7(ghost);
    snprintf(target, sizeof target, "/api/admin/tutors/%s/students", api_fx_id(t, WHO_TUTOR));
    /* Roles: the tutor must be a tutor, the students students. */
    snprintf(body, sizeof body, "{\"student_id\":\"%s\"}", api_fx_id(t, WHO_TUTOR));
    call_error(t, "POST", target, WHO_ADMIN, body, 422, "validation_error");
    snprintf(body, sizeof body, "{\"student_id\":\"%s\"}", api_fx_id(t, WHO_ADMIN));
    call_error(t, "POST", target, WHO_ADMIN, body, 422, "validation_error");
    char as_student[128];
    snprintf(as_student, sizeof as_student, "/api/admin/tutors/%s/students", api_fx_id(t, WHO_STUDENT));
    snprintf(body, sizeof body, "{\"student_id\":\"%s\"}", api_fx_id(t, WHO_STUDENT2));
    call_error(t, "POST", as_student, WHO_ADMIN, body, 422, "validation_error");
    char no_tutor[128];
    snprintf(no_tutor, sizeof no_tutor, "/api/admin/tutors/%s/students", ghost);
    call_error(t, "POST", no_tutor, WHO_ADMIN, body, 404, "not_found");
    snprintf(body, sizeof body, "{\"student_id\":\"%s\"}", ghost);
    call_error(t, "POST", target, WHO_ADMIN, body, 404, "not_found");

    static const char *const invalid[] = {
        "{}",
        "{\"student_ids\":[]}",
        "{\"student_ids\":[1]}",
        "{\"student_ids\":\"abc\"}",
        "{\"student_id\":5}",
        "[\"a\"]",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        call_error(t, "POST", target, WHO_ADMIN, invalid[i], 422, "validation_error");
    call_error(t, "POST", target, WHO_ADMIN, "{\"student_ids\":[", 400, "invalid_json");
    /* At most 1000 at once. */
    size_t cap = 1001 * 48 + 64, k = 0;
    char *many = malloc(cap);
    k += (size_t)snprintf(many + k, cap - k, "{\"student_ids\":[");
    for (int i = 0; i < 1001; i++)
        k += (size_t)snprintf(many + k, cap - k, "%s\"%s\"", i > 0 ? "," : "", api_fx_id(t, WHO_STUDENT2));
    snprintf(many + k, cap - k, "]}");
    call_error(t, "POST", target, WHO_ADMIN, many, 422, "validation_error");
    free(many);
    /* Nothing was assigned but the fixture's one. */
    assert_int_equal(sql_int(t, "SELECT count(*) FROM tutor_students"), 1);
    assert_int_equal(tutor_sees_student2(t), 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_admin_users_list_pages),
        API_BOTH(api_admin_users_update_role_and_activity),
        API_BOTH(api_admin_users_update_refused),
        API_BOTH(api_admin_tutor_students_assign),
        API_BOTH(api_admin_tutor_students_refused),
        API_BOTH(api_admin_tutor_students_unassign),
        API_BOTH(api_admin_role_change_ends_assignments),
        API_BOTH(api_admin_tutor_students_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
