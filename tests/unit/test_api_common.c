/* Handler tests for src/api/common.c, what every handler shares: the
 * thread's database connection (503 when it cannot be had), query numbers,
 * the one mapping from a use case's refusal to an HTTP answer (status, code,
 * message, Retry-After, WWW-Authenticate), and the public view of an account.
 * Called directly on fake requests; the connection case on both databases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"

static void api_common_query_long(void **state)
{
    (void)state;
    http_fake *f = http_fake_new(
        "GET", "/x?n=5&zero=0&neg=-3&big=99999999999999999999&empty=&junk=5x&hex=0x10", NULL, NULL, 0);
    http_req *r = http_fake_req(f);
    assert_int_equal(api_query_long(r, "absent", 1, 10, 7), 7);
    assert_int_equal(api_query_long(r, "n", 1, 10, 7), 5);
    assert_int_equal(api_query_long(r, "n", 5, 5, 7), 5);   /* bounds included */
    assert_int_equal(api_query_long(r, "n", 6, 10, 7), -1); /* below */
    assert_int_equal(api_query_long(r, "n", 1, 4, 7), -1);  /* above */
    assert_int_equal(api_query_long(r, "zero", 0, 10, 7), 0);
    assert_int_equal(api_query_long(r, "zero", 1, 10, 7), -1);
    assert_int_equal(api_query_long(r, "neg", 0, 10, 7), -1);
    assert_int_equal(api_query_long(r, "big", 0, 100, 7), -1); /* overflow */
    assert_int_equal(api_query_long(r, "empty", 0, 100, 7), -1);
    assert_int_equal(api_query_long(r, "junk", 0, 100, 7), -1);
    assert_int_equal(api_query_long(r, "hex", 0, 100, 7), -1);
    http_fake_free(f);
}

/* api_error on a fresh response: its status, code and message. */
static http_fake *answer(int rc, const char *reason, const char *msg, int retry_after)
{
    http_fake *f = http_fake_new("GET", "/x", NULL, NULL, 0);
    em_error err = {0};
    if (msg != NULL)
        em_error_refuse(&err, rc, reason, "%s", msg);
    err.retry_after_s = retry_after;
    api_error(http_fake_res(f), rc, msg != NULL || reason != NULL ? &err : NULL);
    return f;
}

static void api_common_error_mapping(void **state)
{
    (void)state;
    static const struct {
        int rc;
        const char *reason;
        int status;
        const char *code;
    } map[] = {
        {EM_E_INVAL, NULL, 400, "invalid_request"},
        {EM_E_INVAL, EM_REASON_VALIDATION, 422, "validation_error"},
        {EM_E_INVAL, ACCOUNTS_WEAK_PASSWORD, 422, "weak_password"},
        {EM_E_INVAL, ACCOUNTS_INVALID_CREDENTIALS, 400, "invalid_credentials"},
        {EM_E_PARSE, NULL, 400, "invalid_json"},
        {EM_E_NOT_FOUND, NULL, 404, "not_found"},
        {EM_E_CONFLICT, NULL, 409, "conflict"},
        {EM_E_TOO_LARGE, NULL, 413, "payload_too_large"},
        {EM_E_UNSUPPORTED, NULL, 415, "unsupported_media_type"},
        {EM_E_DENIED, NULL, 401, "unauthorized"},
        {EM_E_DENIED, ACCOUNTS_INVALID_CREDENTIALS, 401, "invalid_credentials"},
        {EM_E_DENIED, ACCOUNTS_TOKEN_REUSED, 401, "token_reused"},
        {EM_E_FORBIDDEN, NULL, 403, "forbidden"},
        {EM_E_FORBIDDEN, ACCOUNTS_DISABLED, 403, "account_disabled"},
        {EM_E_FORBIDDEN, "invalid_link", 403, "invalid_link"},
        {EM_E_RATE_LIMITED, NULL, 429, "rate_limited"},
        {EM_E_UNAVAILABLE, NULL, 503, "unavailable"},
        {EM_E_BUSY, NULL, 503, "busy"},
        {EM_E_TIMEOUT, NULL, 504, "timeout"},
        {EM_E_INTERNAL, NULL, 500, "internal"},
        {EM_E_DB, NULL, 500, "internal"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        http_fake *f = answer(map[i].rc, map[i].reason, "what the use case said", 0);
        if (http_fake_status(f) != map[i].status)
            fail_msg("rc %d reason %s: expected %d, got %d", map[i].rc, map[i].reason ? map[i].reason : "-",
                     map[i].status, http_fake_status(f));
        expect_error(f, map[i].status, map[i].code);
        assert_string_equal(error_message(f), "what the use case said");
        /* Only a refusal of who is asking carries a challenge. */
        if (map[i].rc == EM_E_DENIED)
            assert_string_equal(http_fake_header(f, "WWW-Authenticate"), "Bearer");
        else
            assert_null(http_fake_header(f, "WWW-Authenticate"));
        assert_null(http_fake_header(f, "Retry-After"));
        http_fake_free(f);
    }
    /* Without a message: the code's own text. */
    http_fake *f = answer(EM_E_NOT_FOUND, NULL, NULL, 0);
    expect_error(f, 404, "not_found");
    assert_string_equal(error_message(f), em_strerror(EM_E_NOT_FOUND));
    http_fake_free(f);
    /* When to come back. */
    f = answer(EM_E_RATE_LIMITED, NULL, "too many attempts; try again in 7 s", 7);
    expect_error(f, 429, "rate_limited");
    assert_string_equal(http_fake_header(f, "Retry-After"), "7");
    http_fake_free(f);
    f = answer(EM_E_BUSY, NULL, "the server is busy", 3);
    expect_error(f, 503, "busy");
    assert_string_equal(http_fake_header(f, "Retry-After"), "3");
    http_fake_free(f);
    f = answer(EM_E_CONFLICT, NULL, "a conflict", 3); /* not a matter of waiting */
    assert_null(http_fake_header(f, "Retry-After"));
    http_fake_free(f);
}

static void api_common_user_json_public_view(void **state)
{
    (void)state;
    user u = {.is_active = false};
    snprintf(u.id, sizeof u.id, "01900000-0000-7000-8000-000000000001");
    snprintf(u.email, sizeof u.email, "someone@example.org");
    snprintf(u.display_name, sizeof u.display_name, "Some \"One\"");
    snprintf(u.role, sizeof u.role, "tutor");
    snprintf(u.created_at, sizeof u.created_at, "2026-01-02T03:04:05.006Z");
    snprintf(u.updated_at, sizeof u.updated_at, "2026-01-02T03:04:05.007Z");
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$v=19$secret");
    json_t *j = api_user_json(&u);
    assert_int_equal(json_object_size(j), 10);
    assert_string_equal(jstr(j, "time_zone"), "UTC"); /* none stored: the default */
    assert_string_equal(jstr(j, "id"), u.id);
    assert_string_equal(jstr(j, "email"), "someone@example.org");
    assert_string_equal(jstr(j, "display_name"), "Some \"One\"");
    assert_string_equal(jstr(j, "role"), "tutor");
    assert_true(json_is_false(json_object_get(j, "is_active")));
    assert_string_equal(jstr(j, "created_at"), u.created_at);
    assert_string_equal(jstr(j, "updated_at"), u.updated_at);
    char *text = json_dumps(j, 0);
    assert_null(strstr(text, "argon2"));
    free(text);
    json_decref(j);
    snprintf(u.time_zone, sizeof u.time_zone, "Pacific/Auckland");
    j = api_user_json(&u);
    assert_string_equal(jstr(j, "time_zone"), "Pacific/Auckland");
    json_decref(j);
}

/* The handlers' connection is the thread's from the pool; a pool that cannot
 * open one is a 503 written for the handler. */
static void api_common_db_connection(void **state)
{
    api_fx *t = api_fx_of(state);
    http_fake *f = http_fake_new("GET", "/x", NULL, NULL, 0);
    http_req *r = http_fake_req(f);
    r->ctx = &t->ctx;
    db *d = api_db(r, http_fake_res(f));
    assert_ptr_equal(d, api_fx_db(t));
    assert_int_equal(http_fake_status(f), 0); /* nothing written */
    http_fake_free(f);

    char url[128];
    snprintf(url, sizeof url, "sqlite://%s/gone/exammentor.db", t->dir);
    db_options o = {.timeout_ms = 100};
    em_error err = {0};
    dbpool *lost = NULL;
    assert_int_equal(dbpool_new(url, &o, &lost, &err), EM_OK);
    api_ctx ctx = t->ctx;
    ctx.db = lost;
    f = http_fake_new("GET", "/x", NULL, NULL, 0);
    r = http_fake_req(f);
    r->ctx = &ctx;
    assert_null(api_db(r, http_fake_res(f)));
    expect_error(f, 503, "database_unavailable");
    assert_null(strstr(error_message(f), t->dir)); /* no path for the client */
    http_fake_free(f);
    dbpool_free(lost);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(api_common_query_long),
        cmocka_unit_test(api_common_error_mapping),
        cmocka_unit_test(api_common_user_json_public_view),
        API_BOTH(api_common_db_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
