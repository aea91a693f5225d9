/* Handler tests for src/api/users.c: GET and PATCH /api/users/me and POST
 * /api/users/me/password through the real route table in process: the
 * account as its owner sees it, profile changes and every refusal (with the
 * account unchanged after it), and the password change that ends every
 * session, with its attempt limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"

static json_t *me(api_fx *t, api_who w)
{
    return call_json(t, "GET", "/api/users/me", w, NULL, 200);
}

static void api_users_me_shows_account(void **state)
{
    api_fx *t = api_fx_of(state);
    json_t *j = me(t, WHO_STUDENT);
    assert_int_equal(json_object_size(j), 10);
    assert_string_equal(jstr(j, "id"), api_fx_id(t, WHO_STUDENT));
    assert_string_equal(jstr(j, "time_zone"), "UTC");
    assert_true(json_real_value(json_object_get(j, "desired_retention")) == 0.9);
    assert_int_equal(json_integer_value(json_object_get(j, "day_rollover_hour")), 4);
    assert_string_equal(jstr(j, "email"), "student@example.org");
    assert_string_equal(jstr(j, "display_name"), "Student One");
    assert_string_equal(jstr(j, "role"), "student");
    assert_true(json_is_true(json_object_get(j, "is_active")));
    assert_string_equal(jstr(j, "created_at"), t->acct[WHO_STUDENT].u.created_at);
    assert_non_null(jstr(j, "updated_at"));
    assert_null(json_object_get(j, "password_hash"));
    json_decref(j);
    j = me(t, WHO_TUTOR);
    assert_string_equal(jstr(j, "role"), "tutor");
    assert_string_equal(jstr(j, "email"), "tutor@example.org");
    json_decref(j);
}

/* Spaced repetition settings: the recall reviews aim for and the hour a
 * review day starts, each in its range, changed together or alone. */
static void api_users_me_review_settings(void **state)
{
    api_fx *t = api_fx_of(state);
    json_t *j = call_json(t, "PATCH", "/api/users/me", WHO_STUDENT,
                          "{\"desired_retention\":0.85,\"day_rollover_hour\":0}", 200);
    assert_true(json_real_value(json_object_get(j, "desired_retention")) == 0.85);
    assert_int_equal(json_integer_value(json_object_get(j, "day_rollover_hour")), 0);
    json_decref(j);
    j = call_json(t, "PATCH", "/api/users/me", WHO_STUDENT, "{\"day_rollover_hour\":23}", 200);
    assert_true(json_real_value(json_object_get(j, "desired_retention")) == 0.85);
    assert_int_equal(json_integer_value(json_object_get(j, "day_rollover_hour")), 23);
    json_decref(j);
    const char *bad[] = {"{\"desired_retention\":0.5}",      "{\"desired_retention\":1}",
                         "{\"desired_retention\":\"high\"}", "{\"desired_retention\":0}",
                         "{\"day_rollover_hour\":24}",       "{\"day_rollover_hour\":-1}",
                         "{\"day_rollover_hour\":4.5}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = call_json(t, "PATCH", "/api/users/me", WHO_STUDENT, bad[i], 400);
        assert_string_equal(jstr(json_object_get(j, "error"), "code"), "invalid_request");
        json_decref(j);
    }
    j = me(t, WHO_STUDENT); /* nothing half-changed */
    assert_true(json_real_value(json_object_get(j, "desired_retention")) == 0.85);
    assert_int_equal(json_integer_value(json_object_get(j, "day_rollover_hour")), 23);
    json_decref(j);
}

static void api_users_me_update_changes(void **state)
{
    api_fx *t = api_fx_of(state);
    json_t *j = call_json(t, "PATCH", "/api/users/me", WHO_STUDENT, "{\"display_name\":\"Renamed\"}", 200);
    assert_string_equal(jstr(j, "display_name"), "Renamed");
    assert_string_equal(jstr(j, "email"), "student@example.org");
    json_decref(j);
    j = me(t, WHO_STUDENT);
    assert_string_equal(jstr(j, "display_name"), "Renamed");
    json_decref(j);

    /* A second session of the same account, to see it end. */
    j = call_json(t, "POST", "/api/auth/login", WHO_ANON,
                  "{\"email\":\"student@example.org\",\"password\":\"student one studies hard\"}", 200);
    char other[ACCESS_TOKEN_MAX + 16];
    snprintf(other, sizeof other, "Bearer %s", jstr(j, "access_token"));
    json_decref(j);
    const char *other_h[] = {"Authorization", other, NULL};

    /* The email needs the current password. */
    call_error(t, "PATCH", "/api/users/me", WHO_STUDENT, "{\"email\":\"new.address@example.org\"}", 422,
               "validation_error");
    call_error(t, "PATCH", "/api/users/me", WHO_STUDENT,
               "{\"email\":\"new.address@example.org\",\"current_password\":\"a wrong password\"}", 400,
               "invalid_credentials");
    j = me(t, WHO_STUDENT);
    assert_string_equal(jstr(j, "email"), "student@example.org");
    json_decref(j);

    /* The email as typed is stored normalised, and is the login from now on;
     * the account's other sessions end, this one goes on. */
    j = call_json(t, "PATCH", "/api/users/me", WHO_STUDENT,
                  "{\"email\":\"  New.Address@Example.ORG\",\"display_name\":\"Both\","
                  "\"current_password\":\"student one studies hard\"}",
                  200);
    assert_string_equal(jstr(j, "email"), "new.address@example.org");
    assert_string_equal(jstr(j, "display_name"), "Both");
    json_decref(j);
    json_decref(me(t, WHO_STUDENT));
    http_fake *gone = call_raw(t, "GET", "/api/users/me", other_h, NULL, 0);
    expect_error(gone, 401, "unauthorized");
    http_fake_free(gone);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'email_changed'"), 1);
    json_decref(call_json(t, "POST", "/api/auth/login", WHO_ANON,
                          "{\"email\":\"new.address@example.org\",\"password\":\"student one studies hard\"}",
                          200));
    call_error(t, "POST", "/api/auth/login", WHO_ANON,
               "{\"email\":\"student@example.org\",\"password\":\"student one studies hard\"}", 401,
               "invalid_credentials");

    /* A role is not the owner's to change: the field is not read. */
    j = call_json(t, "PATCH", "/api/users/me", WHO_STUDENT, "{\"display_name\":\"Still\",\"role\":\"admin\"}",
                  200);
    assert_string_equal(jstr(j, "role"), "student");
    json_decref(j);
    call_error(t, "GET", "/api/admin/users", WHO_STUDENT, NULL, 404, "not_found");
}

/* Every refusal, and the account as it was after each. */
static void api_users_me_update_refused(void **state)
{
    api_fx *t = api_fx_of(state);
    char long_name[300];
    memset(long_name, 'x', 201);
    long_name[201] = '\0';
    char too_long[400];
    snprintf(too_long, sizeof too_long, "{\"display_name\":\"%s\"}", long_name);
    static const struct {
        const char *body;
        int status;
        const char *code;
    } cases[] = {
        {"{\"email\":\"Tutor@example.org\",\"current_password\":\"student one studies hard\"}", 409,
         "conflict"},
        {"{\"email\":\"not an email\",\"current_password\":\"student one studies hard\"}", 422,
         "validation_error"},
        {"{\"email\":\"other@example.org\"}", 422, "validation_error"},
        {"{\"email\":\"other@example.org\",\"current_password\":\"wrong one here\"}", 400,
         "invalid_credentials"},
        {"{}", 422, "validation_error"},
        {"{\"role\":\"admin\"}", 422, "validation_error"},
        {"{\"display_name\":5}", 422, "validation_error"},
        {"{\"email\":null}", 422, "validation_error"},
        {"{\"display_name\":\"ok\",\"email\":[\"a@example.org\"]}", 422, "validation_error"},
        {"[\"display_name\"]", 422, "validation_error"},
        {"{\"display_name\":", 400, "invalid_json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_fake *f = call(t, "PATCH", "/api/users/me", WHO_STUDENT, cases[i].body);
        if (http_fake_status(f) != cases[i].status)
            fail_msg("PATCH %s: expected %d, got %d %s", cases[i].body, cases[i].status, http_fake_status(f),
                     http_fake_body(f, NULL));
        expect_error(f, cases[i].status, cases[i].code);
        http_fake_free(f);
    }
    call_error(t, "PATCH", "/api/users/me", WHO_STUDENT, too_long, 422, "validation_error");
    const char *text[] = {"Authorization", t->acct[WHO_STUDENT].bearer, "Content-Type", "text/plain", NULL};
    http_fake *f = call_raw(t, "PATCH", "/api/users/me", text, "display_name=x", 14);
    expect_error(f, 415, "unsupported_media_type");
    http_fake_free(f);

    json_t *j = me(t, WHO_STUDENT);
    assert_string_equal(jstr(j, "email"), "student@example.org");
    assert_string_equal(jstr(j, "display_name"), "Student One");
    assert_string_equal(jstr(j, "updated_at"), t->acct[WHO_STUDENT].u.updated_at);
    json_decref(j);
    j = me(t, WHO_TUTOR);
    assert_string_equal(jstr(j, "email"), "tutor@example.org");
    json_decref(j);
}

/* The time zone: an IANA name of the system's tzdata, kept and shown; any
 * other value is 400 invalid_request naming the field, and changes nothing. */
static void api_users_me_time_zone(void **state)
{
    api_fx *t = api_fx_of(state);
    json_t *j =
        call_json(t, "PATCH", "/api/users/me", WHO_STUDENT, "{\"time_zone\":\"Pacific/Auckland\"}", 200);
    assert_string_equal(jstr(j, "time_zone"), "Pacific/Auckland");
    assert_string_equal(jstr(j, "display_name"), "Student One");
    json_decref(j);
    j = me(t, WHO_STUDENT);
    assert_string_equal(jstr(j, "time_zone"), "Pacific/Auckland");
    json_decref(j);
    /* with another field, in one change */
    j = call_json(t, "PATCH", "/api/users/me", WHO_STUDENT,
                  "{\"time_zone\":\"America/Los_Angeles\",\"display_name\":\"West\"}", 200);
    assert_string_equal(jstr(j, "time_zone"), "America/Los_Angeles");
    assert_string_equal(jstr(j, "display_name"), "West");
    json_decref(j);
    static const char *const bad[] = {
        "{\"time_zone\":\"Mars/Olympus_Mons\"}",
        "{\"time_zone\":\"../../etc/passwd\"}",
        "{\"time_zone\":\"\"}",
        "{\"time_zone\":\"Europe\"}",
        "{\"time_zone\":5}",
        "{\"time_zone\":null}",
        "{\"time_zone\":\"/usr/share/zoneinfo/UTC\"}",
        "{\"time_zone\":\"Pacific/Auckland\",\"display_name\":7}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_fake *f = call(t, "PATCH", "/api/users/me", WHO_STUDENT, bad[i]);
        int want = strstr(bad[i], "display_name") != NULL ? 422 : 400;
        expect_error(f, want, want == 400 ? "invalid_request" : "validation_error");
        if (want == 400 && strstr(error_message(f), "time_zone") == NULL)
            fail_msg("%s: the message does not name time_zone: %s", bad[i], error_message(f));
        http_fake_free(f);
    }
    j = me(t, WHO_STUDENT);
    assert_string_equal(jstr(j, "time_zone"), "America/Los_Angeles");
    assert_string_equal(jstr(j, "display_name"), "West");
    json_decref(j);
    /* each account its own */
    j = me(t, WHO_STUDENT2);
    assert_string_equal(jstr(j, "time_zone"), "UTC");
    json_decref(j);
}

static void api_users_me_password_changes(void **state)
{
    api_fx *t = api_fx_of(state);
    /* The current password must be right. */
    http_fake *f =
        call(t, "POST", "/api/users/me/password", WHO_STUDENT,
             "{\"current_password\":\"not my password\",\"new_password\":\"a brand new password\"}");
    expect_error(f, 400, "invalid_credentials");
    http_fake_free(f);
    static const struct {
        const char *body;
        int status;
        const char *code;
    } cases[] = {
        {"{\"current_password\":\"student one studies hard\",\"new_password\":\"short\"}", 422,
         "weak_password"},
        {"{\"current_password\":\"student one studies hard\",\"new_password\":\"password123\"}", 422,
         "weak_password"},
        {"{\"current_password\":\"student one studies hard\",\"new_password\":\"student@example.org\"}", 422,
         "weak_password"},
        {"{\"current_password\":\"student one studies hard\"}", 422, "validation_error"},
        {"{\"new_password\":\"a brand new password\"}", 422, "validation_error"},
        {"{\"current_password\":1,\"new_password\":\"a brand new password\"}", 422, "validation_error"},
        {"{\"current_password\"", 400, "invalid_json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f = call(t, "POST", "/api/users/me/password", WHO_STUDENT, cases[i].body);
        if (http_fake_status(f) != cases[i].status)
            fail_msg("password %s: expected %d, got %d %s", cases[i].body, cases[i].status,
                     http_fake_status(f), http_fake_body(f, NULL));
        expect_error(f, cases[i].status, cases[i].code);
        http_fake_free(f);
    }
    /* Nothing changed: the session refreshes. */
    char body[128];
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", t->acct[WHO_STUDENT2].refresh);
    json_decref(call_json(t, "POST", "/api/auth/refresh", WHO_ANON, body, 200));

    f = call(t, "POST", "/api/users/me/password", WHO_STUDENT,
             "{\"current_password\":\"student one studies hard\",\"new_password\":\"a brand new password\"}");
    expect_status(f, 204);
    size_t len = 1;
    http_fake_body(f, &len);
    assert_int_equal(len, 0);
    assert_non_null(strstr(set_cookie_of(f, "em_access"), "em_access=; Path=/; Max-Age=0"));
    http_fake_free(f);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'password_changed'"), 1);
    /* Every session is over; the new password is the one. */
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", t->acct[WHO_STUDENT].refresh);
    call_error(t, "POST", "/api/auth/refresh", WHO_ANON, body, 401, "invalid_token");
    call_error(t, "POST", "/api/auth/login", WHO_ANON,
               "{\"email\":\"student@example.org\",\"password\":\"student one studies hard\"}", 401,
               "invalid_credentials");
    json_decref(call_json(t, "POST", "/api/auth/login", WHO_ANON,
                          "{\"email\":\"student@example.org\",\"password\":\"a brand new password\"}", 200));
}

/* A password change from `ip` as `w`. */
static http_fake *change_from(api_fx *t, api_who w, const char *ip, const char *body)
{
    http_fake *f =
        http_fake_new("POST", "/api/users/me/password", t->acct[w].h_bearer[1], body, strlen(body));
    http_fake_set_peer(f, ip);
    http_fake_run(f, &t->site);
    return f;
}

/* Guessing the current password is limited like logins. */
static void api_users_me_password_rate_limited(void **state)
{
    api_fx *t = api_fx_of(state);
    const char *wrong = "{\"current_password\":\"guess\",\"new_password\":\"a brand new password\"}";
    const char *right =
        "{\"current_password\":\"student one studies hard\",\"new_password\":\"a brand new password\"}";
    for (int i = 0; i < API_FX_RATE_LIMIT; i++) {
        http_fake *f = change_from(t, WHO_STUDENT, "198.51.100.7", wrong);
        expect_error(f, 400, "invalid_credentials");
        http_fake_free(f);
    }
    http_fake *f = change_from(t, WHO_STUDENT, "198.51.100.7", right);
    expect_error(f, 429, "rate_limited");
    const char *after = http_fake_header(f, "Retry-After");
    assert_non_null(after);
    long s = strtol(after, NULL, 10);
    assert_true(s >= 1 && s <= API_FX_RATE_WINDOW_S);
    http_fake_free(f);
    /* The account is limited from another address too; another account is not. */
    f = change_from(t, WHO_STUDENT, "198.51.100.8", right);
    expect_error(f, 429, "rate_limited");
    http_fake_free(f);
    f = change_from(
        t, WHO_STUDENT2, "198.51.100.8",
        "{\"current_password\":\"student two studies late\",\"new_password\":\"a brand new password\"}");
    expect_status(f, 204);
    http_fake_free(f);
    /* The limited account's password did not change. */
    json_decref(call_json(t, "POST", "/api/auth/login", WHO_ANON,
                          "{\"email\":\"student@example.org\",\"password\":\"student one studies hard\"}",
                          200));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_users_me_shows_account),         API_BOTH(api_users_me_update_changes),
        API_BOTH(api_users_me_update_refused),        API_BOTH(api_users_me_password_changes),
        API_BOTH(api_users_me_password_rate_limited), API_BOTH(api_users_me_time_zone),
        API_BOTH(api_users_me_review_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
