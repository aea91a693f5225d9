/* Accounts and authentication against the real binary, on both backends: the
 * whole flow, bad tokens, refresh rotation and reuse, cookies with CSRF, rate
 * limits, the first superuser, admin endpoints and the audit log. */
#include "it_common.h"

#include <sodium.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "auth/token.h"
#include "db/db.h"

#define SECRET "integration-test-secret-key-0123456789abcdef"
#define ADMIN_EMAIL "root@example.org"
#define ADMIN_PASSWORD "the first superuser's long password"

static const char *const env[] = {IT_FAST_HASH, "SECRET_KEY=" SECRET, "FIRST_SUPERUSER=" ADMIN_EMAIL,
                                  "FIRST_SUPERUSER_PASSWORD=" ADMIN_PASSWORD, NULL};

static const char *const json_ct[] = {"Content-Type: application/json", NULL};

/* POST a JSON body without credentials. */
static void post(const it_server *s, const char *path, const char *body, it_response *r)
{
    it_http(s, "POST", path, json_ct, body, strlen(body), r);
}

/* GET /api/users/me with `token`; returns the status. */
static long me_with(const it_server *s, const char *token)
{
    char auth[2200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    const char *h[] = {auth, NULL};
    it_response r;
    it_http(s, "GET", "/api/users/me", h, NULL, 0, &r);
    long st = r.status;
    it_response_free(&r);
    return st;
}

/* Count audit rows of `event`. */
static int64_t audit_count(const it_backend *b, const char *event)
{
    db *d = NULL;
    em_error err = {0};
    db_options o = {.timeout_ms = 5000};
    assert_int_equal(db_open(b->database_url, &o, &d, &err), EM_OK);
    db_stmt *st = NULL;
    assert_int_equal(db_prepare(d, "SELECT count(*) FROM audit_log WHERE event = $1", &st, &err), EM_OK);
    db_bind_text(st, 1, event);
    assert_int_equal(db_step(st, &err), DB_ROW);
    int64_t n = db_column_int64(st, 0);
    db_finalize(st);
    db_close(d);
    return n;
}

static void auth_whole_flow(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, env);
    it_account a;
    it_register(&s, "  Alice@Example.ORG ", &a);
    it_response r;
    char auth[1100];
    const char *h[] = {it_bearer(&a, auth, sizeof auth), NULL};
    it_http(&s, "GET", "/api/users/me", h, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    json_t *j = it_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "email")), "alice@example.org");
    assert_string_equal(json_string_value(json_object_get(j, "role")), "student");
    assert_null(json_object_get(j, "password_hash"));
    json_decref(j);
    it_response_free(&r);

    /* the same email again, in another case: 409 */
    post(&s, "/api/auth/register", "{\"email\":\"ALICE@example.org\",\"password\":\"another good passphrase\"}", &r);
    it_assert_error(&r, 409, "conflict");
    it_response_free(&r);
    /* weak passwords */
    post(&s, "/api/auth/register", "{\"email\":\"bob@example.org\",\"password\":\"short\"}", &r);
    it_assert_error(&r, 422, "weak_password");
    it_response_free(&r);
    post(&s, "/api/auth/register", "{\"email\":\"bob@example.org\",\"password\":\"1234567890\"}", &r);
    it_assert_error(&r, 422, "weak_password");
    it_response_free(&r);
    post(&s, "/api/auth/register", "{\"email\":\"not-an-email\",\"password\":\"a fine passphrase\"}", &r);
    it_assert_error(&r, 422, "validation_error");
    it_response_free(&r);

    /* profile */
    const char *hj[] = {"Content-Type: application/json", auth, NULL};
    const char *patch = "{\"display_name\":\"Alice A.\"}";
    it_http(&s, "PATCH", "/api/users/me", hj, patch, strlen(patch), &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "Alice A."));
    it_response_free(&r);

    /* login: wrong password, unknown email: the same 401 */
    post(&s, "/api/auth/login", "{\"email\":\"alice@example.org\",\"password\":\"wrong password here\"}", &r);
    it_assert_error(&r, 401, "invalid_credentials");
    it_response_free(&r);
    post(&s, "/api/auth/login", "{\"email\":\"nobody@example.org\",\"password\":\"wrong password here\"}", &r);
    it_assert_error(&r, 401, "invalid_credentials");
    it_response_free(&r);
    it_login(&s, &a);

    /* refresh rotates: the new pair works, the old refresh token is spent */
    char old_refresh[64];
    snprintf(old_refresh, sizeof old_refresh, "%s", a.refresh);
    char body[256];
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", a.refresh);
    post(&s, "/api/auth/refresh", body, &r);
    assert_int_equal(r.status, 200);
    j = it_json(&r);
    snprintf(a.refresh, sizeof a.refresh, "%s", json_string_value(json_object_get(j, "refresh_token")));
    snprintf(a.access, sizeof a.access, "%s", json_string_value(json_object_get(j, "access_token")));
    json_decref(j);
    it_response_free(&r);
    assert_string_not_equal(a.refresh, old_refresh);
    assert_int_equal(me_with(&s, a.access), 200);
    /* reuse of the spent token revokes the family: the newest token dies too */
    post(&s, "/api/auth/refresh", body, &r);
    it_assert_error(&r, 401, "token_reused");
    it_response_free(&r);
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", a.refresh);
    post(&s, "/api/auth/refresh", body, &r);
    it_assert_error(&r, 401, "invalid_token");
    it_response_free(&r);
    assert_int_equal(audit_count(&b, "token_reuse"), 1);

    /* logout revokes, and its access token stops working at once */
    it_login(&s, &a);
    assert_int_equal(me_with(&s, a.access), 200);
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", a.refresh);
    post(&s, "/api/auth/logout", body, &r);
    assert_int_equal(r.status, 204);
    it_response_free(&r);
    post(&s, "/api/auth/refresh", body, &r);
    it_assert_error(&r, 401, "invalid_token");
    it_response_free(&r);
    assert_int_equal(me_with(&s, a.access), 401);

    /* password change: old password out, sessions revoked, new password in */
    it_login(&s, &a);
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", a.refresh);
    it_bearer(&a, auth, sizeof auth);
    const char *pw_wrong = "{\"current_password\":\"not it at all\",\"new_password\":\"a brand new passphrase\"}";
    it_http(&s, "POST", "/api/users/me/password", hj, pw_wrong, strlen(pw_wrong), &r);
    it_assert_error(&r, 400, "invalid_credentials");
    it_response_free(&r);
    char pw[256];
    snprintf(pw, sizeof pw, "{\"current_password\":\"%s\",\"new_password\":\"a brand new passphrase\"}", a.password);
    char before_change[sizeof a.access];
    snprintf(before_change, sizeof before_change, "%s", a.access);
    it_http(&s, "POST", "/api/users/me/password", hj, pw, strlen(pw), &r);
    assert_int_equal(r.status, 204);
    it_response_free(&r);
    post(&s, "/api/auth/refresh", body, &r);
    it_assert_error(&r, 401, "invalid_token");
    it_response_free(&r);
    assert_int_equal(me_with(&s, before_change), 401); /* the old access token ended with its session */
    post(&s, "/api/auth/login", "{\"email\":\"alice@example.org\",\"password\":\"correct horse battery staple\"}", &r);
    it_assert_error(&r, 401, "invalid_credentials");
    it_response_free(&r);
    snprintf(a.password, sizeof a.password, "a brand new passphrase");
    it_login(&s, &a);

    assert_true(audit_count(&b, "login_ok") >= 4);
    assert_true(audit_count(&b, "login_failed") >= 3);
    assert_int_equal(audit_count(&b, "password_changed"), 1);
    assert_int_equal(audit_count(&b, "register"), 1);
    assert_int_equal(it_server_stop(&s), 0);
    /* failed logins are logged without the password */
    char *log = it_server_log(&s);
    assert_non_null(strstr(log, "login_failed"));
    assert_null(strstr(log, "wrong password here"));
    assert_null(strstr(log, "correct horse battery"));
    free(log);
    it_backend_teardown(&b);
}

/* base64url without padding of n bytes. */
static void b64url(const void *data, size_t n, char *out, size_t cap)
{
    sodium_bin2base64(out, cap, data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void auth_bad_tokens_rejected(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, env);
    it_account a;
    it_register(&s, "mallory@example.org", &a);
    assert_int_equal(me_with(&s, a.access), 200);
    em_error err = {0};
    char *tok = NULL;
    int64_t now = (int64_t)time(NULL);
    /* expired: issued two hours ago for 15 minutes */
    assert_int_equal(token_issue_access(SECRET, a.id, "student", a.id, now - 7200, 900, &tok, &err), EM_OK);
    assert_int_equal(me_with(&s, tok), 401);
    free(tok);
    /* wrong key */
    assert_int_equal(token_issue_access("some-other-secret-key-0123456789abcdef", a.id, "student", a.id, now, 900,
                                        &tok, &err),
                     EM_OK);
    assert_int_equal(me_with(&s, tok), 401);
    free(tok);
    /* tampered: an admin role in a re-encoded payload, old signature kept */
    char *dot1 = strchr(a.access, '.');
    char *dot2 = strchr(dot1 + 1, '.');
    char payload[512], forged[2048];
    snprintf(payload, sizeof payload, "{\"sub\":\"%s\",\"role\":\"admin\",\"iat\":%lld,\"exp\":%lld}", a.id,
             (long long)now, (long long)now + 900);
    char p64[1024];
    b64url(payload, strlen(payload), p64, sizeof p64);
    snprintf(forged, sizeof forged, "%.*s.%s%s", (int)(dot1 - a.access), a.access, p64, dot2);
    assert_int_equal(me_with(&s, forged), 401);
    /* alg none */
    const char *none_header = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
    char h64[128];
    b64url(none_header, strlen(none_header), h64, sizeof h64);
    snprintf(forged, sizeof forged, "%s.%s.", h64, p64);
    assert_int_equal(me_with(&s, forged), 401);
    /* flipped signature byte, garbage, and a missing header */
    snprintf(forged, sizeof forged, "%s", a.access);
    char *last = forged + strlen(forged) - 2;
    *last = *last == 'A' ? 'B' : 'A';
    assert_int_equal(me_with(&s, forged), 401);
    assert_int_equal(me_with(&s, "not.a.token"), 401);
    it_response r;
    it_http(&s, "GET", "/api/users/me", NULL, NULL, 0, &r);
    it_assert_error(&r, 401, "unauthorized");
    char v[128];
    assert_non_null(it_header(&r, "WWW-Authenticate", v, sizeof v));
    it_response_free(&r);
    const char *basic[] = {"Authorization: Basic dXNlcjpwYXNz", NULL};
    it_http(&s, "GET", "/api/users/me", basic, NULL, 0, &r);
    it_assert_error(&r, 401, "unauthorized");
    it_response_free(&r);
    /* a deactivated account's still-valid token stops working at once */
    it_set_role(&b, &a, "student");
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE users SET is_active = %s WHERE id = '%s'", b.pg ? "false" : "0", a.id);
    it_backend_sql(&b, false, sql);
    assert_int_equal(me_with(&s, a.access), 401);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

/* The web UI's session: HttpOnly cookies, and the CSRF header on writes. */
static void auth_cookies_and_csrf(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, env);
    it_account a;
    it_register(&s, "browser@example.org", &a);
    it_response r;
    char body[256];
    snprintf(body, sizeof body, "{\"email\":\"browser@example.org\",\"password\":\"%s\"}", a.password);
    post(&s, "/api/auth/login", body, &r);
    assert_int_equal(r.status, 200);
    /* three Set-Cookie headers: access (HttpOnly), refresh (HttpOnly, /api/auth), csrf (readable) */
    assert_non_null(strstr(r.headers, "em_access="));
    assert_non_null(strstr(r.headers, "em_refresh="));
    assert_non_null(strstr(r.headers, "em_csrf="));
    assert_non_null(strstr(r.headers, "HttpOnly"));
    assert_non_null(strstr(r.headers, "SameSite=Lax"));
    assert_null(strstr(r.headers, "Secure")); /* local runs on plain HTTP */
    char access[1100], csrf[64];
    const char *p = strstr(r.headers, "em_access=") + 10;
    snprintf(access, sizeof access, "%.*s", (int)strcspn(p, ";\r\n"), p);
    p = strstr(r.headers, "em_csrf=") + 8;
    snprintf(csrf, sizeof csrf, "%.*s", (int)strcspn(p, ";\r\n"), p);
    it_response_free(&r);

    char cookie[1300], csrf_h[128];
    snprintf(cookie, sizeof cookie, "Cookie: em_access=%s; em_csrf=%s", access, csrf);
    snprintf(csrf_h, sizeof csrf_h, "X-CSRF-Token: %s", csrf);
    const char *read[] = {cookie, NULL};
    it_http(&s, "GET", "/api/users/me", read, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    it_response_free(&r);
    const char *topic = "{\"name\":\"Cookie topic\"}";
    const char *no_csrf[] = {"Content-Type: application/json", cookie, NULL};
    it_http(&s, "POST", "/api/topics", no_csrf, topic, strlen(topic), &r);
    it_assert_error(&r, 403, "csrf_failed");
    it_response_free(&r);
    const char *wrong_csrf[] = {"Content-Type: application/json", cookie, "X-CSRF-Token: abcdefabcdefabcdefabcdef", NULL};
    it_http(&s, "POST", "/api/topics", wrong_csrf, topic, strlen(topic), &r);
    it_assert_error(&r, 403, "csrf_failed");
    it_response_free(&r);
    const char *with_csrf[] = {"Content-Type: application/json", cookie, csrf_h, NULL};
    it_http(&s, "POST", "/api/topics", with_csrf, topic, strlen(topic), &r);
    assert_int_equal(r.status, 201);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

/* Outside local the cookies are Secure (and HSTS is sent). */
static void auth_cookies_secure_outside_local(void **state)
{
    it_backend b;
    it_backend_setup(&b, false);
    const char *staging[] = {IT_FAST_HASH, "ENVIRONMENT=staging", "SECRET_KEY=" SECRET,
                             "FIRST_SUPERUSER=" ADMIN_EMAIL, "FIRST_SUPERUSER_PASSWORD=" ADMIN_PASSWORD,
                             "CORS_ORIGINS=https://app.example.org", NULL};
    it_server s;
    it_server_start(&s, &b, staging);
    it_response r;
    post(&s, "/api/auth/login", "{\"email\":\"" ADMIN_EMAIL "\",\"password\":\"" ADMIN_PASSWORD "\"}", &r);
    assert_int_equal(r.status, 200);
    int secure = 0;
    for (const char *p = r.headers; (p = strstr(p, "Set-Cookie:")) != NULL; p++) {
        size_t len = strcspn(p, "\r\n");
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)len, p);
        assert_non_null(strstr(line, "; Secure"));
        secure++;
    }
    assert_int_equal(secure, 3);
    char v[128];
    assert_non_null(it_header(&r, "Strict-Transport-Security", v, sizeof v));
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void auth_rate_limit_triggers_and_recovers(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    const char *limited[] = {IT_FAST_HASH, "SECRET_KEY=" SECRET, "AUTH_RATE_LIMIT=3/2", "TRUST_PROXY=true", NULL};
    it_server s;
    it_server_start(&s, &b, limited);
    it_response r;
    const char *bad = "{\"email\":\"victim@example.org\",\"password\":\"guess number one\"}";
    for (int i = 0; i < 3; i++) {
        post(&s, "/api/auth/login", bad, &r);
        it_assert_error(&r, 401, "invalid_credentials");
        it_response_free(&r);
    }
    post(&s, "/api/auth/login", bad, &r);
    it_assert_error(&r, 429, "rate_limited");
    char v[32];
    assert_non_null(it_header(&r, "Retry-After", v, sizeof v));
    long retry = strtol(v, NULL, 10);
    assert_true(retry >= 1 && retry <= 2);
    it_response_free(&r);
    sleep((unsigned)retry + 1);
    post(&s, "/api/auth/login", bad, &r);
    it_assert_error(&r, 401, "invalid_credentials"); /* allowed again */
    it_response_free(&r);
    /* refresh: one account is limited even when every attempt comes from a
     * different address (TRUST_PROXY, X-Forwarded-For), so only the per-account
     * limit can stop the fourth */
    sleep(3);
    it_account a;
    it_register(&s, "refresher@example.org", &a);
    long last = 0;
    for (int i = 0; i < 4; i++) {
        char body[128], xff[64];
        snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", a.refresh);
        snprintf(xff, sizeof xff, "X-Forwarded-For: 203.0.113.%d", 10 + i);
        const char *h[] = {"Content-Type: application/json", xff, NULL};
        it_http(&s, "POST", "/api/auth/refresh", h, body, strlen(body), &r);
        last = r.status;
        if (r.status == 200) {
            json_t *j = it_json(&r);
            snprintf(a.refresh, sizeof a.refresh, "%s", json_string_value(json_object_get(j, "refresh_token")));
            json_decref(j);
        }
        it_response_free(&r);
    }
    assert_int_equal(last, 429);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

static void auth_superuser_and_admin_endpoints(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, env);
    it_account admin = {0};
    snprintf(admin.email, sizeof admin.email, ADMIN_EMAIL);
    snprintf(admin.password, sizeof admin.password, ADMIN_PASSWORD);
    it_login(&s, &admin);
    it_account tutor, student;
    it_register(&s, "tutor@example.org", &tutor);
    it_register(&s, "student@example.org", &student);
    char auth[1100];
    const char *h[] = {"Content-Type: application/json", it_bearer(&admin, auth, sizeof auth), NULL};
    it_response r;
    it_http(&s, "GET", "/api/admin/users?role=admin", h + 1, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    json_t *j = it_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    json_decref(j);
    it_response_free(&r);
    it_http(&s, "GET", "/api/admin/users?limit=2&offset=0", h + 1, NULL, 0, &r);
    j = it_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
    json_decref(j);
    it_response_free(&r);
    it_http(&s, "GET", "/api/admin/users?role=king", h + 1, NULL, 0, &r);
    it_assert_error(&r, 400, "invalid_request");
    it_response_free(&r);

    char path[160];
    snprintf(path, sizeof path, "/api/admin/users/%s", tutor.id);
    const char *make_tutor = "{\"role\":\"tutor\"}";
    it_http(&s, "PATCH", path, h, make_tutor, strlen(make_tutor), &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"role\":\"tutor\""));
    it_response_free(&r);
    assert_int_equal(audit_count(&b, "role_changed"), 1);
    snprintf(path, sizeof path, "/api/admin/users/%s", admin.id);
    it_http(&s, "PATCH", path, h, "{\"role\":\"student\"}", 18, &r);
    it_assert_error(&r, 409, "conflict");
    it_response_free(&r);

    snprintf(path, sizeof path, "/api/admin/tutors/%s/students", tutor.id);
    char body[128];
    snprintf(body, sizeof body, "{\"student_id\":\"%s\"}", student.id);
    it_http(&s, "POST", path, h, body, strlen(body), &r);
    assert_int_equal(r.status, 201);
    it_response_free(&r);
    it_http(&s, "POST", path, h, body, strlen(body), &r); /* again: nothing new */
    assert_int_equal(r.status, 200);
    it_response_free(&r);
    snprintf(path, sizeof path, "/api/admin/tutors/%s/students", student.id); /* not a tutor */
    snprintf(body, sizeof body, "{\"student_id\":\"%s\"}", tutor.id);
    it_http(&s, "POST", path, h, body, strlen(body), &r);
    it_assert_error(&r, 422, "validation_error");
    it_response_free(&r);

    /* disabling an account ends its sessions and its logins */
    snprintf(path, sizeof path, "/api/admin/users/%s", student.id);
    it_http(&s, "PATCH", path, h, "{\"is_active\":false}", 19, &r);
    assert_int_equal(r.status, 200);
    it_response_free(&r);
    assert_int_equal(me_with(&s, student.access), 401);
    char login[256];
    snprintf(login, sizeof login, "{\"email\":\"%s\",\"password\":\"%s\"}", student.email, student.password);
    post(&s, "/api/auth/login", login, &r);
    it_assert_error(&r, 403, "account_disabled");
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    /* a restart does not make a second superuser */
    it_server_start(&s, &b, env);
    it_login(&s, &admin);
    it_http(&s, "GET", "/api/admin/users?role=admin", (const char *const[]){it_bearer(&admin, auth, sizeof auth), NULL},
            NULL, 0, &r);
    j = it_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    json_decref(j);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(auth_whole_flow),
        IT_BOTH(auth_bad_tokens_rejected),
        IT_BOTH(auth_cookies_and_csrf),
        cmocka_unit_test(auth_cookies_secure_outside_local),
        IT_BOTH(auth_rate_limit_triggers_and_recovers),
        IT_BOTH(auth_superuser_and_admin_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
