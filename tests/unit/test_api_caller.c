/* Handler tests for src/api/caller.c: who is calling. The Bearer token and
 * the web UI's em_access cookie (the header wins, and a malformed header is
 * not replaced by the cookie), the 401 answers and their WWW-Authenticate,
 * the double-submit CSRF check of cookie sessions, the account read on every
 * request (a role change or a deactivation counts at once), the session
 * cookies a login sets and a logout clears, and a database that cannot be
 * reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "auth/ratelimit.h"

/* GET /api/users/me with these headers: the caller's email, or NULL when the
 * answer was not 200 (*status receives it). */
static char *whoami(api_fx *t, const char *const *h, int *status)
{
    http_fake *f = call_raw(t, "GET", "/api/users/me", h, NULL, 0);
    *status = http_fake_status(f);
    char *email = NULL;
    if (*status == 200) {
        json_t *j = fake_json(f);
        email = strdup(jstr(j, "email"));
        json_decref(j);
    }
    http_fake_free(f);
    return email;
}

static void expect_unauthorized(http_fake *f, const char *challenge)
{
    expect_error(f, 401, "unauthorized");
    assert_string_equal(http_fake_header(f, "WWW-Authenticate"), challenge);
}

static void api_caller_bearer_or_cookie(void **state)
{
    api_fx *t = api_fx_of(state);
    int status = 0;
    /* The cookie alone is a session. */
    const char *cookie_only[] = {"Cookie", t->acct[WHO_ADMIN].cookie, NULL};
    char *email = whoami(t, cookie_only, &status);
    assert_int_equal(status, 200);
    assert_string_equal(email, "admin@example.org");
    free(email);
    /* With both, the Authorization header speaks. */
    const char *both[] = {"Authorization", t->acct[WHO_STUDENT].bearer, "Cookie", t->acct[WHO_ADMIN].cookie,
                          NULL};
    email = whoami(t, both, &status);
    assert_int_equal(status, 200);
    assert_string_equal(email, "student@example.org");
    free(email);
    /* The scheme is case-insensitive. */
    char lower[ACCESS_TOKEN_MAX + 16];
    snprintf(lower, sizeof lower, "bearer %s", t->acct[WHO_TUTOR].access);
    const char *lowercase[] = {"Authorization", lower, NULL};
    email = whoami(t, lowercase, &status);
    assert_string_equal(email, "tutor@example.org");
    free(email);

    /* No credential at all. */
    http_fake *f = call(t, "GET", "/api/users/me", WHO_ANON, NULL);
    expect_unauthorized(f, "Bearer");
    assert_string_equal(error_message(f), "authentication required");
    http_fake_free(f);
    /* Another scheme, or a malformed Bearer header, is no credential, and the
     * cookie does not stand in for it. */
    static const char *const bad_headers[] = {"Basic YWRtaW46c2VjcmV0", "Bearer", "Bearer a b",
                                              "Bearerx abc"};
    for (size_t i = 0; i < sizeof bad_headers / sizeof bad_headers[0]; i++) {
        const char *h[] = {"Authorization", bad_headers[i], "Cookie", t->acct[WHO_ADMIN].cookie, NULL};
        f = call_raw(t, "GET", "/api/users/me", h, NULL, 0);
        expect_unauthorized(f, "Bearer");
        http_fake_free(f);
    }
    /* A well-formed token that is not ours. */
    const char *garbage[] = {"Authorization", "Bearer abc.def.ghi", NULL};
    f = call_raw(t, "GET", "/api/users/me", garbage, NULL, 0);
    expect_unauthorized(f, "Bearer error=\"invalid_token\"");
    http_fake_free(f);
    const char *bad_cookie[] = {"Cookie", "em_access=abc.def.ghi", NULL};
    f = call_raw(t, "GET", "/api/users/me", bad_cookie, NULL, 0);
    expect_unauthorized(f, "Bearer error=\"invalid_token\"");
    http_fake_free(f);
    /* A cookie of another name is not the session cookie. */
    char other[ACCESS_TOKEN_MAX + 32];
    snprintf(other, sizeof other, "xem_access=%s", t->acct[WHO_ADMIN].access);
    const char *renamed[] = {"Cookie", other, NULL};
    f = call_raw(t, "GET", "/api/users/me", renamed, NULL, 0);
    expect_unauthorized(f, "Bearer");
    http_fake_free(f);
}

static const char *display_name(api_fx *t, api_who w)
{
    static char name[USER_NAME_MAX + 1];
    json_t *j = call_json(t, "GET", "/api/users/me", w, NULL, 200);
    snprintf(name, sizeof name, "%s", jstr(j, "display_name"));
    json_decref(j);
    return name;
}

/* Cookie sessions must echo em_csrf in X-CSRF-Token to change anything;
 * Bearer callers need not (a cross-site form cannot send the header). */
static void api_caller_csrf_double_submit(void **state)
{
    api_fx *t = api_fx_of(state);
    const char *body = "{\"display_name\":\"Changed\"}";
    http_fake *f = call_cookie(t, "PATCH", "/api/users/me", WHO_STUDENT, body, false);
    expect_error(f, 403, "csrf_failed");
    http_fake_free(f);
    assert_string_equal(display_name(t, WHO_STUDENT), "Student One");

    char cookie[ACCESS_TOKEN_MAX + 64];
    /* The header without the cookie to compare it with. */
    snprintf(cookie, sizeof cookie, "em_access=%s", t->acct[WHO_STUDENT].access);
    const char *no_csrf_cookie[] = {"Cookie",           cookie, "X-CSRF-Token", API_FX_CSRF, "Content-Type",
                                    "application/json", NULL};
    f = call_raw(t, "PATCH", "/api/users/me", no_csrf_cookie, body, strlen(body));
    expect_error(f, 403, "csrf_failed");
    http_fake_free(f);
    /* Equal but too short to be a token of ours. */
    snprintf(cookie, sizeof cookie, "em_access=%s; em_csrf=short", t->acct[WHO_STUDENT].access);
    const char *short_csrf[] = {"Cookie",           cookie, "X-CSRF-Token", "short", "Content-Type",
                                "application/json", NULL};
    f = call_raw(t, "PATCH", "/api/users/me", short_csrf, body, strlen(body));
    expect_error(f, 403, "csrf_failed");
    http_fake_free(f);
    /* Same length, one character off. */
    char wrong[] = API_FX_CSRF;
    wrong[0] = wrong[0] == 'c' ? 'd' : 'c';
    const char *off_by_one[] = {
        "Cookie", t->acct[WHO_STUDENT].cookie, "X-CSRF-Token", wrong, "Content-Type", "application/json",
        NULL};
    f = call_raw(t, "PATCH", "/api/users/me", off_by_one, body, strlen(body));
    expect_error(f, 403, "csrf_failed");
    http_fake_free(f);
    assert_string_equal(display_name(t, WHO_STUDENT), "Student One");

    f = call_cookie(t, "PATCH", "/api/users/me", WHO_STUDENT, body, true);
    expect_status(f, 200);
    http_fake_free(f);
    assert_string_equal(display_name(t, WHO_STUDENT), "Changed");
    /* Bearer: no CSRF header needed, even with an em_csrf cookie around. */
    const char *bearer[] = {"Authorization", t->acct[WHO_STUDENT].bearer, "Cookie", "em_csrf=" API_FX_CSRF,
                            "Content-Type",  "application/json",          NULL};
    const char *again = "{\"display_name\":\"Again\"}";
    f = call_raw(t, "PATCH", "/api/users/me", bearer, again, strlen(again));
    expect_status(f, 200);
    http_fake_free(f);
    assert_string_equal(display_name(t, WHO_STUDENT), "Again");
}

/* The token names an account; what it may do is read from the account now. */
static void api_caller_account_read_each_request(void **state)
{
    api_fx *t = api_fx_of(state);
    char target[128];
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, WHO_STUDENT2));
    call_error(t, "GET", "/api/admin/users", WHO_STUDENT2, NULL, 404, "not_found");
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"role\":\"admin\"}", 200));
    /* The token issued to a student now opens the admin routes... */
    json_t *j = call_json(t, "GET", "/api/admin/users", WHO_STUDENT2, NULL, 200);
    assert_int_equal(jint(j, "total"), 4);
    json_decref(j);
    j = call_json(t, "GET", "/api/users/me", WHO_STUDENT2, NULL, 200);
    assert_string_equal(jstr(j, "role"), "admin");
    json_decref(j);
    /* ...and closes them again when the role goes. */
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"role\":\"student\"}", 200));
    call_error(t, "GET", "/api/admin/users", WHO_STUDENT2, NULL, 404, "not_found");

    /* Disabled: the unexpired token is refused; enabled again: still refused,
     * since disabling ended the account's sessions. */
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"is_active\":false}", 200));
    http_fake *f = call(t, "GET", "/api/users/me", WHO_STUDENT2, NULL);
    expect_unauthorized(f, "Bearer error=\"invalid_token\"");
    assert_string_equal(error_message(f), "the account is not active");
    http_fake_free(f);
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"is_active\":true}", 200));
    f = call(t, "GET", "/api/users/me", WHO_STUDENT2, NULL);
    expect_unauthorized(f, "Bearer error=\"invalid_token\"");
    assert_string_equal(error_message(f), "the session has ended");
    http_fake_free(f);
}

/* The Set-Cookie line for `name` (fails when absent). */
static const char *cookie_line(http_fake *f, const char *name)
{
    const char *line = set_cookie_of(f, name);
    if (line == NULL)
        fail_msg("no Set-Cookie for %s", name);
    return line;
}

/* The value of a Set-Cookie line, into out. */
static void cookie_value(const char *line, char *out, size_t cap)
{
    const char *eq = strchr(line, '=');
    const char *end = strchr(line, ';');
    assert_non_null(eq);
    assert_non_null(end);
    snprintf(out, cap, "%.*s", (int)(end - eq - 1), eq + 1);
}

static http_fake *login(api_fx *t, api_who w)
{
    char body[EMAIL_MAX + 128];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", t->acct[w].u.email,
             t->acct[w].password);
    return call(t, "POST", "/api/auth/login", WHO_ANON, body);
}

/* What a login hands the browser, and that it is a working session. */
static void api_caller_session_cookies(void **state)
{
    api_fx *t = api_fx_of(state);
    http_fake *f = login(t, WHO_STUDENT);
    expect_status(f, 200);
    const char *all[8];
    assert_int_equal(set_cookies(f, all, 8), 3);
    json_t *j = fake_json(f);
    char want[ACCESS_TOKEN_MAX + 128];
    snprintf(want, sizeof want, "em_access=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax",
             jstr(j, "access_token"), API_FX_ACCESS_TTL_S);
    assert_string_equal(cookie_line(f, "em_access"), want);
    snprintf(want, sizeof want, "em_refresh=%s; Path=/api/auth; Max-Age=%d; HttpOnly; SameSite=Lax",
             jstr(j, "refresh_token"), API_FX_REFRESH_DAYS * 86400);
    assert_string_equal(cookie_line(f, "em_refresh"), want);
    json_decref(j);
    /* The CSRF cookie is for the page's script: not HttpOnly. */
    const char *csrf_line = cookie_line(f, "em_csrf");
    char csrf[128], access[ACCESS_TOKEN_MAX + 1];
    cookie_value(csrf_line, csrf, sizeof csrf);
    assert_int_equal(strlen(csrf), REFRESH_TOKEN_LEN);
    snprintf(want, sizeof want, "em_csrf=%s; Path=/; Max-Age=%d; SameSite=Lax", csrf,
             API_FX_REFRESH_DAYS * 86400);
    assert_string_equal(csrf_line, want);
    cookie_value(cookie_line(f, "em_access"), access, sizeof access);
    http_fake_free(f);

    /* The browser sends them back and echoes em_csrf: a working session. */
    char cookie[ACCESS_TOKEN_MAX + 256];
    snprintf(cookie, sizeof cookie, "em_access=%s; em_csrf=%s", access, csrf);
    const char *h[] = {"Cookie", cookie, "X-CSRF-Token", csrf, "Content-Type", "application/json", NULL};
    const char *body = "{\"display_name\":\"From the browser\"}";
    f = call_raw(t, "PATCH", "/api/users/me", h, body, strlen(body));
    expect_status(f, 200);
    http_fake_free(f);
    assert_string_equal(display_name(t, WHO_STUDENT), "From the browser");
    /* Each login draws a new CSRF value. */
    f = login(t, WHO_STUDENT);
    char csrf2[128];
    cookie_value(cookie_line(f, "em_csrf"), csrf2, sizeof csrf2);
    assert_string_not_equal(csrf, csrf2);
    http_fake_free(f);

    /* Outside local the cookies are Secure. */
    t->ctx.secure_cookies = true;
    f = login(t, WHO_TUTOR);
    expect_status(f, 200);
    assert_non_null(strstr(cookie_line(f, "em_access"), "; HttpOnly; Secure; SameSite=Lax"));
    assert_non_null(strstr(cookie_line(f, "em_refresh"), "; HttpOnly; Secure; SameSite=Lax"));
    assert_non_null(strstr(cookie_line(f, "em_csrf"), "; Secure; SameSite=Lax"));
    assert_null(strstr(cookie_line(f, "em_csrf"), "HttpOnly"));
    http_fake_free(f);

    /* Logout clears all three. */
    char logout[128];
    snprintf(logout, sizeof logout, "{\"refresh_token\":\"%s\"}", t->acct[WHO_TUTOR].refresh);
    f = call(t, "POST", "/api/auth/logout", WHO_ANON, logout);
    expect_status(f, 204);
    assert_string_equal(cookie_line(f, "em_access"),
                        "em_access=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
    assert_string_equal(cookie_line(f, "em_refresh"),
                        "em_refresh=; Path=/api/auth; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
    assert_non_null(strstr(cookie_line(f, "em_csrf"), "; Max-Age=0; Secure; SameSite=Lax"));
    http_fake_free(f);
}

/* The database behind the authenticator is gone: 503, not 401. */
/* Calls that start work (ROUTE_METERED: here POST /api/sessions) count
 * against the account's budget: past it 429 rate_limited with Retry-After
 * and nothing created; calls that do not start work, and other accounts,
 * go on. */
static void api_caller_work_meter(void **state)
{
    api_fx *t = api_fx_of(state);
    t->ctx.work_meter = ratelimit_new(2, 60, 16);
    const char *body = "{\"title\":\"Exam\",\"exam_date\":\"2027-06-01\"}";
    json_decref(call_json(t, "POST", "/api/sessions", WHO_STUDENT, body, 201));
    json_decref(call_json(t, "POST", "/api/sessions", WHO_STUDENT, body, 201));
    http_fake *f = call(t, "POST", "/api/sessions", WHO_STUDENT, body);
    expect_error(f, 429, "rate_limited");
    const char *wait = http_fake_header(f, "Retry-After");
    assert_non_null(wait);
    long secs = strtol(wait, NULL, 10);
    assert_true(secs >= 1 && secs <= 60);
    http_fake_free(f);
    json_t *list = call_json(t, "GET", "/api/sessions", WHO_STUDENT, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 2);
    json_decref(list);
    json_decref(call_json(t, "POST", "/api/sessions", WHO_STUDENT2, body, 201));
    ratelimit_free(t->ctx.work_meter);
    t->ctx.work_meter = NULL;
}

static void api_caller_database_unavailable(void **state)
{
    api_fx *t = api_fx_of(state);
    char url[128];
    snprintf(url, sizeof url, "sqlite://%s/gone/exammentor.db", t->dir);
    db_options o = {.timeout_ms = 100};
    em_error err = {0};
    dbpool *lost = NULL;
    assert_int_equal(dbpool_new(url, &o, &lost, &err), EM_OK);
    api_ctx ctx = t->ctx;
    ctx.db = lost;
    http_site site = t->site;
    site.ctx = &ctx;
    http_fake *f = http_fake_new("GET", "/api/users/me", t->acct[WHO_STUDENT].h_bearer[0], NULL, 0);
    http_fake_run(f, &site);
    expect_error(f, 503, "database_unavailable");
    assert_null(http_fake_header(f, "WWW-Authenticate"));
    http_fake_free(f);
    /* Without a credential it is still 401: nothing was looked up. */
    f = http_fake_new("GET", "/api/users/me", NULL, NULL, 0);
    http_fake_run(f, &site);
    expect_error(f, 401, "unauthorized");
    http_fake_free(f);
    dbpool_free(lost);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_caller_bearer_or_cookie),          API_BOTH(api_caller_csrf_double_submit),
        API_BOTH(api_caller_account_read_each_request), API_BOTH(api_caller_session_cookies),
        API_BOTH(api_caller_database_unavailable),      API_BOTH(api_caller_work_meter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
