/* Handler tests for src/api/auth.c: POST /api/auth/register, /login,
 * /refresh and /logout through the real route table in process. What a
 * client gets (the token pair, the user, the session cookies), every refusal
 * with its status and code (and that it changed nothing), the attempt limit
 * with Retry-After, refresh token rotation and reuse, and the cookie flow with
 * its CSRF header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "core/ids.h"

/* How many accounts the admin sees. */
static json_int_t account_count(api_fx *t)
{
    json_t *j = call_json(t, "GET", "/api/admin/users", WHO_ADMIN, NULL, 200);
    json_int_t n = jint(j, "total");
    json_decref(j);
    return n;
}

/* A 200/201 token answer: its shape, and the user in it. */
static void expect_tokens(http_fake *f, int status, const char *email, const char *role)
{
    expect_status(f, status);
    json_t *j = fake_json(f);
    assert_int_equal(json_object_size(j), 5);
    assert_true(strlen(jstr(j, "access_token")) > 20);
    assert_string_equal(jstr(j, "token_type"), "bearer");
    assert_int_equal(jint(j, "expires_in"), API_FX_ACCESS_TTL_S);
    assert_int_equal(strlen(jstr(j, "refresh_token")), REFRESH_TOKEN_LEN);
    json_t *u = json_object_get(j, "user");
    assert_int_equal(json_object_size(u), 10); /* never the password hash */
    assert_true(id_is_uuid(jstr(u, "id")));
    assert_string_equal(jstr(u, "email"), email);
    assert_string_equal(jstr(u, "role"), role);
    assert_true(json_is_true(json_object_get(u, "is_active")));
    assert_non_null(jstr(u, "created_at"));
    assert_non_null(jstr(u, "updated_at"));
    assert_null(json_object_get(u, "password_hash"));
    json_decref(j);
    /* The web UI's three cookies come with it. */
    const char *cookies[8];
    assert_int_equal(set_cookies(f, cookies, 8), 3);
    assert_non_null(set_cookie_of(f, "em_access"));
    assert_non_null(set_cookie_of(f, "em_refresh"));
    assert_non_null(set_cookie_of(f, "em_csrf"));
}

/* {"refresh_token": token} (a static buffer: one at a time). */
static const char *refresh_body(const char *token)
{
    static char body[128];
    snprintf(body, sizeof body, "{\"refresh_token\":\"%.64s\"}", token);
    return body;
}

/* GET /api/users/me with a raw access token: the email, or "" on 401. */
static void expect_me(api_fx *t, const char *access, const char *email)
{
    char bearer[ACCESS_TOKEN_MAX + 16];
    snprintf(bearer, sizeof bearer, "Bearer %s", access);
    const char *h[] = {"Authorization", bearer, NULL};
    http_fake *f = call_raw(t, "GET", "/api/users/me", h, NULL, 0);
    expect_status(f, 200);
    json_t *j = fake_json(f);
    assert_string_equal(jstr(j, "email"), email);
    json_decref(j);
    http_fake_free(f);
}

static void api_auth_register_signs_in(void **state)
{
    api_fx *t = api_fx_of(state);
    http_fake *f = call(t, "POST", "/api/auth/register", WHO_ANON,
                        "{\"email\":\"  New.Person@Example.ORG \",\"password\":\"a fine long password\","
                        "\"display_name\":\"New Person\"}");
    expect_tokens(f, 201, "new.person@example.org", "student");
    json_t *j = fake_json(f);
    assert_string_equal(jstr(json_object_get(j, "user"), "display_name"), "New Person");
    char access[ACCESS_TOKEN_MAX + 1], refresh[REFRESH_TOKEN_LEN + 1];
    snprintf(access, sizeof access, "%s", jstr(j, "access_token"));
    snprintf(refresh, sizeof refresh, "%s", jstr(j, "refresh_token"));
    json_decref(j);
    http_fake_free(f);
    /* Both tokens work. */
    expect_me(t, access, "new.person@example.org");
    f = call(t, "POST", "/api/auth/refresh", WHO_ANON, refresh_body(refresh));
    expect_tokens(f, 200, "new.person@example.org", "student");
    http_fake_free(f);
    assert_int_equal(account_count(t), 5);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'register'"), 1);
    /* The name is optional (null: not given); the password logs in. */
    f = call(t, "POST", "/api/auth/register", WHO_ANON,
             "{\"email\":\"quiet@example.org\",\"password\":\"another long one\"}");
    expect_tokens(f, 201, "quiet@example.org", "student");
    http_fake_free(f);
    f = call(t, "POST", "/api/auth/register", WHO_ANON,
             "{\"email\":\"null@example.org\",\"password\":\"another long one\",\"display_name\":null}");
    expect_tokens(f, 201, "null@example.org", "student");
    http_fake_free(f);
    f = call(t, "POST", "/api/auth/login", WHO_ANON,
             "{\"email\":\"quiet@example.org\",\"password\":\"another long one\"}");
    expect_tokens(f, 200, "quiet@example.org", "student");
    http_fake_free(f);
}

/* Every refusal of a registration, and none of them leaves an account. */
static void api_auth_register_refused(void **state)
{
    api_fx *t = api_fx_of(state);
    static const struct {
        const char *body;
        int status;
        const char *code;
    } cases[] = {
        {"{\"email\":\" Student@Example.org\",\"password\":\"a fine long password\"}", 409, "conflict"},
        {"{\"email\":\"new@example.org\",\"password\":\"short\"}", 422, "weak_password"},
        {"{\"email\":\"new@example.org\",\"password\":\"password123\"}", 422, "weak_password"},
        {"{\"email\":\"new@example.org\",\"password\":\"aaaaaaaaaaaaaa\"}", 422, "weak_password"},
        {"{\"email\":\"new@example.org\",\"password\":\"new@example.org\"}", 422, "weak_password"},
        {"{\"email\":\"new@example.org\"}", 422, "validation_error"},
        {"{\"password\":\"a fine long password\"}", 422, "validation_error"},
        {"{\"email\":42,\"password\":\"a fine long password\"}", 422, "validation_error"},
        {"{\"email\":\"not-an-email\",\"password\":\"a fine long password\"}", 422, "validation_error"},
        /* A name that is not text is refused, not dropped. */
        {"{\"email\":\"new@example.org\",\"password\":\"a fine long password\",\"display_name\":5}", 422,
         "validation_error"},
        {"{\"email\":\"new@example.org\",\"password\":\"a fine long password\",\"display_name\":[\"New\"]}",
         422, "validation_error"},
        {"[\"new@example.org\",\"a fine long password\"]", 422, "validation_error"},
        {"{\"email\":\"new@example.org\",\"password\":\"a fine long password\",\"email\":\"x@example.org\"}",
         400, "invalid_json"},
        {"{\"email\":", 400, "invalid_json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_fake *f = call(t, "POST", "/api/auth/register", WHO_ANON, cases[i].body);
        if (http_fake_status(f) != cases[i].status)
            fail_msg("register %s: expected %d, got %d %s", cases[i].body, cases[i].status,
                     http_fake_status(f), http_fake_body(f, NULL));
        expect_error(f, cases[i].status, cases[i].code);
        /* No session handed out. */
        assert_null(set_cookie_of(f, "em_access"));
        http_fake_free(f);
    }
    /* A display name longer than 200 bytes. */
    char body[512];
    char name[202];
    memset(name, 'n', 201);
    name[201] = '\0';
    snprintf(body, sizeof body,
             "{\"email\":\"new@example.org\",\"password\":\"a fine long password\",\"display_name\":\"%s\"}",
             name);
    call_error(t, "POST", "/api/auth/register", WHO_ANON, body, 422, "validation_error");
    /* Where the JSON broke. */
    http_fake *f = call(t, "POST", "/api/auth/register", WHO_ANON, "{\n\"email\" \"x\"}");
    expect_error(f, 400, "invalid_json");
    assert_non_null(strstr(error_message(f), "line 2"));
    http_fake_free(f);
    /* Not JSON at all, or nothing. */
    const char *text[] = {"Content-Type", "text/plain", NULL};
    f = call_raw(t, "POST", "/api/auth/register", text, "email=a", 7);
    expect_error(f, 415, "unsupported_media_type");
    http_fake_free(f);
    f = call_raw(t, "POST", "/api/auth/register", NULL, NULL, 0);
    expect_error(f, 415, "unsupported_media_type");
    http_fake_free(f);
    f = call_raw(t, "POST", "/api/auth/register", t->h_json, NULL, 0);
    expect_error(f, 400, "invalid_json");
    http_fake_free(f);

    assert_int_equal(account_count(t), 4);
    f = call(t, "POST", "/api/auth/login", WHO_ANON,
             "{\"email\":\"new@example.org\",\"password\":\"a fine long password\"}");
    expect_error(f, 401, "invalid_credentials");
    http_fake_free(f);
}

static void api_auth_login_answers(void **state)
{
    api_fx *t = api_fx_of(state);
    /* The email as typed: trimmed and case-folded. */
    http_fake *f = call(t, "POST", "/api/auth/login", WHO_ANON,
                        "{\"email\":\" STUDENT@example.org\",\"password\":\"student one studies hard\"}");
    expect_tokens(f, 200, "student@example.org", "student");
    json_t *j = fake_json(f);
    expect_me(t, jstr(j, "access_token"), "student@example.org");
    json_decref(j);
    http_fake_free(f);
    f = call(t, "POST", "/api/auth/login", WHO_ANON,
             "{\"email\":\"admin@example.org\",\"password\":\"the admin keeps order\"}");
    expect_tokens(f, 200, "admin@example.org", "admin");
    http_fake_free(f);

    /* A wrong password and an unknown email are the same answer. */
    f = call(t, "POST", "/api/auth/login", WHO_ANON,
             "{\"email\":\"student@example.org\",\"password\":\"not the password\"}");
    expect_error(f, 401, "invalid_credentials");
    assert_string_equal(http_fake_header(f, "WWW-Authenticate"), "Bearer");
    assert_null(set_cookie_of(f, "em_access"));
    char wrong_password[256];
    snprintf(wrong_password, sizeof wrong_password, "%s", http_fake_body(f, NULL));
    http_fake_free(f);
    f = call(t, "POST", "/api/auth/login", WHO_ANON,
             "{\"email\":\"nobody@example.org\",\"password\":\"not the password\"}");
    expect_error(f, 401, "invalid_credentials");
    assert_string_equal(http_fake_body(f, NULL), wrong_password);
    http_fake_free(f);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'login_failed'"), 2);

    /* Disabled: said only to whoever knows the password. */
    char target[128];
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, WHO_STUDENT2));
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"is_active\":false}", 200));
    call_error(t, "POST", "/api/auth/login", WHO_ANON,
               "{\"email\":\"student2@example.org\",\"password\":\"student two studies late\"}", 403,
               "account_disabled");
    call_error(t, "POST", "/api/auth/login", WHO_ANON,
               "{\"email\":\"student2@example.org\",\"password\":\"not the password\"}", 401,
               "invalid_credentials");

    call_error(t, "POST", "/api/auth/login", WHO_ANON, "{\"email\":\"student@example.org\"}", 422,
               "validation_error");
    call_error(t, "POST", "/api/auth/login", WHO_ANON, "{\"email\":\"student@example.org\",\"password\":7}",
               422, "validation_error");
    call_error(t, "POST", "/api/auth/login", WHO_ANON, "[\"student@example.org\"]", 422, "validation_error");
    /* A bare JSON string is not a request body. */
    call_error(t, "POST", "/api/auth/login", WHO_ANON, "\"student@example.org\"", 400, "invalid_json");
    call_error(t, "POST", "/api/auth/login", WHO_ANON, "{email}", 400, "invalid_json");
}

/* A login from `ip`: the fake, run. */
static http_fake *login_from(api_fx *t, const char *ip, const char *email, const char *password)
{
    char body[256];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    http_fake *f = http_fake_new("POST", "/api/auth/login", t->h_json, body, strlen(body));
    http_fake_set_peer(f, ip);
    http_fake_run(f, &t->site);
    return f;
}

static void expect_limited(http_fake *f)
{
    expect_error(f, 429, "rate_limited");
    const char *after = http_fake_header(f, "Retry-After");
    assert_non_null(after);
    char *end = NULL;
    long s = strtol(after, &end, 10);
    assert_true(*end == '\0');
    assert_true(s >= 1 && s <= API_FX_RATE_WINDOW_S);
}

/* AUTH_RATE_LIMIT attempts per window, per address and per account. */
static void api_auth_login_rate_limited(void **state)
{
    api_fx *t = api_fx_of(state);
    for (int i = 0; i < API_FX_RATE_LIMIT; i++) {
        http_fake *f = login_from(t, "203.0.113.5", "student2@example.org", "not the password");
        expect_error(f, 401, "invalid_credentials");
        http_fake_free(f);
    }
    /* The next one is refused before the password is looked at, right or wrong. */
    http_fake *f = login_from(t, "203.0.113.5", "student2@example.org", "not the password");
    expect_limited(f);
    http_fake_free(f);
    f = login_from(t, "203.0.113.5", "student2@example.org", "student two studies late");
    expect_limited(f);
    http_fake_free(f);
    /* The account is limited from anywhere... */
    f = login_from(t, "203.0.113.6", "student2@example.org", "student two studies late");
    expect_limited(f);
    http_fake_free(f);
    /* ...and the address for any account. */
    f = login_from(t, "203.0.113.5", "tutor@example.org", "the tutor teaches well");
    expect_limited(f);
    http_fake_free(f);
    /* Others are not held up. */
    f = login_from(t, "203.0.113.6", "tutor@example.org", "the tutor teaches well");
    expect_tokens(f, 200, "tutor@example.org", "tutor");
    http_fake_free(f);
}

/* Refresh tokens rotate; presenting a spent one ends the whole session. */
static void api_auth_refresh_rotation(void **state)
{
    api_fx *t = api_fx_of(state);
    char first[REFRESH_TOKEN_LEN + 1], second[REFRESH_TOKEN_LEN + 1];
    snprintf(first, sizeof first, "%s", t->acct[WHO_STUDENT].refresh);
    http_fake *f = call(t, "POST", "/api/auth/refresh", WHO_ANON, refresh_body(first));
    expect_tokens(f, 200, "student@example.org", "student");
    json_t *j = fake_json(f);
    snprintf(second, sizeof second, "%s", jstr(j, "refresh_token"));
    assert_string_not_equal(first, second);
    expect_me(t, jstr(j, "access_token"), "student@example.org");
    json_decref(j);
    http_fake_free(f);

    /* The spent token again: refused, the family revoked, the cookies cleared. */
    f = call(t, "POST", "/api/auth/refresh", WHO_ANON, refresh_body(first));
    expect_error(f, 401, "token_reused");
    assert_string_equal(http_fake_header(f, "WWW-Authenticate"), "Bearer");
    assert_non_null(strstr(set_cookie_of(f, "em_access"), "em_access=; Path=/; Max-Age=0"));
    assert_non_null(strstr(set_cookie_of(f, "em_refresh"), "em_refresh=; Path=/api/auth; Max-Age=0"));
    http_fake_free(f);
    call_error(t, "POST", "/api/auth/refresh", WHO_ANON, refresh_body(second), 401, "invalid_token");
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'token_reuse'"), 1);
    /* Other sessions are not touched. */
    f = call(t, "POST", "/api/auth/refresh", WHO_ANON, refresh_body(t->acct[WHO_STUDENT2].refresh));
    expect_tokens(f, 200, "student2@example.org", "student");
    http_fake_free(f);

    call_error(t, "POST", "/api/auth/refresh", WHO_ANON,
               refresh_body("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401, "invalid_token");
    call_error(t, "POST", "/api/auth/refresh", WHO_ANON, "{}", 422, "validation_error");
    call_error(t, "POST", "/api/auth/refresh", WHO_ANON, "{\"refresh_token\":12}", 422, "validation_error");
    call_error(t, "POST", "/api/auth/refresh", WHO_ANON, "{\"refresh_token\":", 400, "invalid_json");
    f = call_raw(t, "POST", "/api/auth/refresh", NULL, NULL, 0);
    expect_error(f, 422, "validation_error");
    http_fake_free(f);

    /* A disabled account's session does not refresh. */
    char target[128];
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, WHO_TUTOR));
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"is_active\":false}", 200));
    call_error(t, "POST", "/api/auth/refresh", WHO_ANON, refresh_body(t->acct[WHO_TUTOR].refresh), 401,
               "invalid_token");
}

/* The web UI refreshes with the em_refresh cookie, echoing em_csrf. */
static void api_auth_refresh_cookie(void **state)
{
    api_fx *t = api_fx_of(state);
    char cookie[256];
    snprintf(cookie, sizeof cookie, "em_refresh=%s; em_csrf=%s", t->acct[WHO_TUTOR].refresh, API_FX_CSRF);
    const char *no_csrf[] = {"Cookie", cookie, NULL};
    http_fake *f = call_raw(t, "POST", "/api/auth/refresh", no_csrf, NULL, 0);
    expect_error(f, 403, "csrf_failed");
    http_fake_free(f);
    /* Refused before anything was spent: the same cookie with the header works. */
    const char *with_csrf[] = {"Cookie", cookie, "X-CSRF-Token", API_FX_CSRF, NULL};
    f = call_raw(t, "POST", "/api/auth/refresh", with_csrf, NULL, 0);
    expect_tokens(f, 200, "tutor@example.org", "tutor");
    json_t *j = fake_json(f);
    char want[128];
    snprintf(want, sizeof want, "em_refresh=%s;", jstr(j, "refresh_token"));
    assert_true(strncmp(set_cookie_of(f, "em_refresh"), want, strlen(want)) == 0);
    json_decref(j);
    http_fake_free(f);
    /* The cookie is now spent. */
    f = call_raw(t, "POST", "/api/auth/refresh", with_csrf, NULL, 0);
    expect_error(f, 401, "token_reused");
    http_fake_free(f);
}

static void api_auth_logout_ends_session(void **state)
{
    api_fx *t = api_fx_of(state);
    http_fake *f = call(t, "POST", "/api/auth/logout", WHO_ANON, refresh_body(t->acct[WHO_STUDENT].refresh));
    expect_status(f, 204);
    size_t len = 1;
    http_fake_body(f, &len);
    assert_int_equal(len, 0);
    assert_non_null(strstr(set_cookie_of(f, "em_access"), "em_access=; Path=/; Max-Age=0"));
    assert_non_null(strstr(set_cookie_of(f, "em_refresh"), "em_refresh=; Path=/api/auth; Max-Age=0"));
    assert_non_null(strstr(set_cookie_of(f, "em_csrf"), "; Max-Age=0"));
    http_fake_free(f);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM audit_log WHERE event = 'logout'"), 1);
    /* The session is over; logging out again, or with a token nobody has, is
     * still a logout. */
    call_error(t, "POST", "/api/auth/refresh", WHO_ANON, refresh_body(t->acct[WHO_STUDENT].refresh), 401,
               "invalid_token");
    f = call(t, "POST", "/api/auth/logout", WHO_ANON, refresh_body(t->acct[WHO_STUDENT].refresh));
    expect_status(f, 204);
    http_fake_free(f);
    f = call(t, "POST", "/api/auth/logout", WHO_ANON,
             refresh_body("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"));
    expect_status(f, 204);
    http_fake_free(f);
    call_error(t, "POST", "/api/auth/logout", WHO_ANON, "{}", 422, "validation_error");

    /* With the cookie: the CSRF header first. */
    char cookie[256];
    snprintf(cookie, sizeof cookie, "em_refresh=%s; em_csrf=%s", t->acct[WHO_TUTOR].refresh, API_FX_CSRF);
    const char *no_csrf[] = {"Cookie", cookie, NULL};
    f = call_raw(t, "POST", "/api/auth/logout", no_csrf, NULL, 0);
    expect_error(f, 403, "csrf_failed");
    http_fake_free(f);
    const char *with_csrf[] = {"Cookie", cookie, "X-CSRF-Token", API_FX_CSRF, NULL};
    f = call_raw(t, "POST", "/api/auth/logout", with_csrf, NULL, 0);
    expect_status(f, 204);
    http_fake_free(f);
    call_error(t, "POST", "/api/auth/refresh", WHO_ANON, refresh_body(t->acct[WHO_TUTOR].refresh), 401,
               "invalid_token");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_auth_register_signs_in),   API_BOTH(api_auth_register_refused),
        API_BOTH(api_auth_login_answers),       API_BOTH(api_auth_login_rate_limited),
        API_BOTH(api_auth_refresh_rotation),    API_BOTH(api_auth_refresh_cookie),
        API_BOTH(api_auth_logout_ends_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
