/* accounts: every use case of auth/accounts.h on SQLite and PostgreSQL: what it
 * does, how it refuses (code and reason), what it leaves behind after a
 * refusal, its audit_log rows, its attempt limits, and that it joins a
 * caller's transaction. Passwords are hashed at argon2id's minimum cost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include "auth/accounts.h"
#include "auth/authz.h"
#include "auth/refresh.h"
#include "auth/users.h"

#include "area_fixture.h"

#define SECRET "unit-test-secret-key-0123456789abcdef"
#define PASSWORD "correct horse battery"
#define PASSWORD2 "another long passphrase"
#define IP "192.0.2.1"

static const password_cost fast_cost = {1, 8192};

static accounts *new_accounts(password_cost cost, int rate_limit)
{
    accounts_settings s = {.secret_key = SECRET,
                           .access_ttl_s = 900,
                           .refresh_ttl_days = 30,
                           .cost = cost,
                           .rate_limit = rate_limit,
                           .rate_window_s = 60};
    accounts *a = NULL;
    em_error err = {0};
    if (accounts_new(&s, &a, &err) != EM_OK)
        fail_msg("accounts_new: %s", err.msg);
    return a;
}

/* A refusal: its code, and its reason (NULL: none expected). */
static void expect_refusal(int rc, const em_error *err, int code, const char *reason)
{
    assert_int_equal(rc, code);
    assert_int_equal(err->code, code);
    if (reason == NULL) {
        assert_null(err->reason);
    } else {
        if (err->reason == NULL)
            fail_msg("expected reason %s, got none (%s)", reason, err->msg);
        assert_string_equal(err->reason, reason);
    }
    assert_true(err->msg[0] != '\0');
}

/* ---- what the database holds ---- */

/* audit_log rows of `event` about user_id (NULL: about nobody). */
static int64_t audits(db *d, const char *event, const char *user_id)
{
    const char *p[] = {event, user_id};
    return area_int(d,
                    "SELECT count(*) FROM audit_log WHERE event = $1 AND "
                    "((CAST($2 AS TEXT) IS NULL AND user_id IS NULL) OR user_id = $2)",
                    p, 2);
}

static int64_t audits_all(db *d)
{
    return area_int(d, "SELECT count(*) FROM audit_log", NULL, 0);
}

/* The detail of the latest `event` row about user_id (NULL: about nobody),
 * parsed; its actor to actor (may be NULL). */
static json_t *audit_detail(db *d, const char *event, const char *user_id, char actor[37])
{
    const char *p[] = {event, user_id};
    const char *where =
        "FROM audit_log WHERE event = $1 AND "
        "((CAST($2 AS TEXT) IS NULL AND user_id IS NULL) OR user_id = $2) ORDER BY id DESC LIMIT 1";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT detail %s", where);
    char *text = area_text(d, sql, p, 2);
    if (text == NULL)
        fail_msg("no audit row %s", event);
    if (actor != NULL) {
        snprintf(sql, sizeof sql, "SELECT actor_id %s", where);
        char *a = area_text(d, sql, p, 2);
        snprintf(actor, 37, "%s", a != NULL ? a : "");
        free(a);
    }
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(j);
    return j;
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

static int64_t users_count(db *d)
{
    return area_int(d, "SELECT count(*) FROM users", NULL, 0);
}

/* Refresh tokens of user_id still usable (not used, not revoked). */
static int64_t live_tokens(db *d, const char *user_id)
{
    const char *p[] = {user_id};
    return area_int(
        d,
        "SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL",
        p, 1);
}

static user get_user(db *d, const char *id)
{
    user u;
    em_error err = {0};
    if (users_get_by_id(d, id, &u, &err) != EM_OK)
        fail_msg("user %s: %s", id, err.msg);
    return u;
}

/* An account made by the operator use case (tested below), for the other cases. */
static user make_account(accounts *a, db *d, const char *email, const char *role)
{
    user u;
    em_error err = {0};
    if (accounts_create(a, d, email, PASSWORD, "Someone", role, &u, &err) != EM_OK)
        fail_msg("create %s: %s", email, err.msg);
    return u;
}

static account_tokens login(accounts *a, db *d, const char *email, const char *password)
{
    account_tokens t;
    em_error err = {0};
    if (accounts_login(a, d, email, password, IP, &t, &err) != EM_OK)
        fail_msg("login %s: %s", email, err.msg);
    return t;
}

/* ---- settings ---- */

/* The timing equaliser's hash is made once, when a server prepares for
 * logins or at the first login that needs it; a handle that cannot make it
 * refuses such logins rather than answering them faster than a real check. */
static void auth_accounts_prepare_logins(void **state)
{
    fixture *f = area_db(state);
    em_error err = {0};
    accounts *a = new_accounts(fast_cost, 100);
    assert_int_equal(accounts_prepare_logins(a, &err), EM_OK);
    assert_int_equal(accounts_prepare_logins(a, &err), EM_OK); /* once: the second returns at once */
    accounts_free(a);

    accounts *broken = new_accounts((password_cost){0, 8192}, 100); /* 0 passes: argon2id refuses */
    account_tokens out;
    int rc = accounts_login(broken, f->d, "nobody@example.com", "some password 123", "10.0.0.1", &out, &err);
    assert_int_equal(rc, EM_E_NOMEM);
    assert_non_null(strstr(err.msg, "ARGON2_MEMLIMIT_KB"));
    assert_int_equal(accounts_prepare_logins(broken, &err), EM_E_NOMEM);
    accounts_free(broken);
}

static void auth_accounts_new_checks_settings(void **state)
{
    (void)state;
    accounts *a = (accounts *)1;
    em_error err = {0};
    accounts_settings s = {.secret_key = SECRET,
                           .access_ttl_s = 900,
                           .refresh_ttl_days = 30,
                           .cost = fast_cost,
                           .rate_limit = 10,
                           .rate_window_s = 60};
    accounts_settings bad = s;
    bad.secret_key = NULL;
    assert_int_equal(accounts_new(&bad, &a, &err), EM_E_INVAL);
    assert_null(a);
    bad = s;
    bad.access_ttl_s = 0;
    assert_int_equal(accounts_new(&bad, &a, &err), EM_E_INVAL);
    bad = s;
    bad.refresh_ttl_days = 0;
    assert_int_equal(accounts_new(&bad, &a, &err), EM_E_INVAL);
    bad = s;
    bad.rate_limit = 0;
    assert_int_equal(accounts_new(&bad, &a, &err), EM_E_INVAL);
    bad = s;
    bad.rate_window_s = 0;
    assert_int_equal(accounts_new(&bad, &a, &err), EM_E_INVAL);
    assert_int_equal(accounts_new(NULL, &a, &err), EM_E_INVAL);
    assert_int_equal(accounts_new(&s, &a, &err), EM_OK);
    assert_non_null(a);
    assert_int_equal(accounts_settings_of(a)->access_ttl_s, 900);
    accounts_free(a);
    accounts_free(NULL);
}

/* ---- register ---- */

static void auth_accounts_register_signs_in_a_student(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    account_tokens t;
    assert_int_equal(accounts_register(a, f->d, "  Alice@Example.ORG ", PASSWORD, "Alice", IP, &t, &err),
                     EM_OK);
    assert_string_equal(t.user.email, "alice@example.org");
    assert_string_equal(t.user.role, "student");
    assert_string_equal(t.user.display_name, "Alice");
    assert_true(t.user.is_active);
    assert_int_equal(t.expires_in, 900);
    assert_int_equal(strlen(t.refresh), REFRESH_TOKEN_LEN);
    assert_true(t.access[0] != '\0');
    /* the access token speaks for the new account */
    principal who;
    user row;
    assert_int_equal(accounts_authenticate(a, f->d, t.access, &who, &row, &err), EM_OK);
    assert_string_equal(who.user_id, t.user.id);
    assert_string_equal(who.role, "student");
    assert_string_equal(row.email, "alice@example.org");
    /* the password is stored hashed and verifies */
    user u = get_user(f->d, t.user.id);
    assert_null(strstr(u.password_hash, PASSWORD));
    assert_true(password_verify(u.password_hash, PASSWORD));
    /* one session started, one audit row, without secrets */
    assert_int_equal(live_tokens(f->d, t.user.id), 1);
    assert_int_equal(audits(f->d, "register", t.user.id), 1);
    char *detail = area_text(f->d, "SELECT detail FROM audit_log WHERE event = 'register'", NULL, 0);
    assert_null(strstr(detail, PASSWORD));
    assert_null(strstr(detail, t.refresh));
    free(detail);
    /* a NULL display name is an empty one */
    assert_int_equal(accounts_register(a, f->d, "bob@example.org", PASSWORD, NULL, IP, &t, &err), EM_OK);
    assert_string_equal(t.user.display_name, "");
    accounts_free(a);
}

static void auth_accounts_register_refusals_leave_nothing(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    account_tokens t;
    int rc = accounts_register(a, f->d, "not an email", PASSWORD, NULL, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_register(a, f->d, NULL, PASSWORD, NULL, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_register(a, f->d, "c@example.org", NULL, NULL, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    char long_name[USER_NAME_MAX + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    rc = accounts_register(a, f->d, "c@example.org", PASSWORD, long_name, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    long_name[USER_NAME_MAX] = '\0'; /* exactly the maximum is fine */
    assert_int_equal(accounts_register(a, f->d, "max@example.org", PASSWORD, long_name, IP, &t, &err), EM_OK);
    /* the password policy: too short, common, the email itself */
    rc = accounts_register(a, f->d, "c@example.org", "short", NULL, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_WEAK_PASSWORD);
    rc = accounts_register(a, f->d, "c@example.org", "0123456789", NULL, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_WEAK_PASSWORD);
    assert_null(strstr(err.msg, "0123456789")); /* never quoted back */
    rc = accounts_register(a, f->d, "longlocalpart@example.org", "longlocalpart@example.org", NULL, IP, &t,
                           &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_WEAK_PASSWORD);
    assert_int_equal(users_count(f->d), 1);
    /* a taken email, whatever its case and spacing */
    rc = accounts_register(a, f->d, " MAX@example.org", PASSWORD, NULL, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_CONFLICT, NULL);
    assert_int_equal(users_count(f->d), 1);
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM refresh_tokens", NULL, 0), 1);
    assert_int_equal(audits_all(f->d), 1); /* the one registration */
    accounts_free(a);
}

static void auth_accounts_attempts_are_limited(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 2);
    em_error err = {0};
    account_tokens t;
    /* per address: two registrations from one address, the third waits */
    assert_int_equal(accounts_register(a, f->d, "a@example.org", PASSWORD, NULL, "10.0.0.1", &t, &err),
                     EM_OK);
    user ua = t.user;
    assert_int_equal(accounts_register(a, f->d, "b@example.org", PASSWORD, NULL, "10.0.0.1", &t, &err),
                     EM_OK);
    user ub = t.user;
    int rc = accounts_register(a, f->d, "c@example.org", PASSWORD, NULL, "10.0.0.1", &t, &err);
    expect_refusal(rc, &err, EM_E_RATE_LIMITED, NULL);
    assert_true(err.retry_after_s >= 1 && err.retry_after_s <= 60);
    assert_int_equal(users_count(f->d), 2);
    /* per account: the same email from two more addresses */
    rc = accounts_register(a, f->d, "a@example.org", PASSWORD, NULL, "10.0.0.2", &t, &err);
    assert_int_equal(rc, EM_E_CONFLICT);
    rc = accounts_register(a, f->d, "A@example.org", PASSWORD, NULL, "10.0.0.3", &t, &err);
    expect_refusal(rc, &err, EM_E_RATE_LIMITED, NULL);
    assert_true(err.retry_after_s >= 1);

    /* logins: two wrong passwords from two addresses, then even the right one
     * waits (per account), and nothing is recorded as a success */
    rc = accounts_login(a, f->d, "a@example.org", "wrong password!", "10.1.0.1", &t, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_CREDENTIALS);
    rc = accounts_login(a, f->d, "a@example.org", "wrong password!", "10.1.0.2", &t, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_CREDENTIALS);
    rc = accounts_login(a, f->d, "a@example.org", PASSWORD, "10.1.0.3", &t, &err);
    expect_refusal(rc, &err, EM_E_RATE_LIMITED, NULL);
    assert_true(err.retry_after_s >= 1 && err.retry_after_s <= 60);
    assert_int_equal(audits(f->d, "login_ok", ua.id), 0);
    /* ... and per address, whatever the account */
    assert_int_equal(accounts_login(a, f->d, "b@example.org", "wrong password!", "10.2.0.1", &t, &err),
                     EM_E_DENIED);
    assert_int_equal(accounts_login(a, f->d, "nobody@example.org", "wrong password!", "10.2.0.1", &t, &err),
                     EM_E_DENIED);
    rc = accounts_login(a, f->d, "b@example.org", PASSWORD, "10.2.0.1", &t, &err);
    expect_refusal(rc, &err, EM_E_RATE_LIMITED, NULL);

    /* refresh: limited per the token's owner before anything changes */
    user ur = make_account(a, f->d, "r@example.org", "student");
    account_tokens s = login(a, f->d, "r@example.org", PASSWORD);
    account_tokens n1, n2;
    assert_int_equal(accounts_refresh(a, f->d, s.refresh, "10.3.0.1", &n1, &err), EM_OK);
    assert_int_equal(accounts_refresh(a, f->d, n1.refresh, "10.3.0.2", &n2, &err), EM_OK);
    int64_t rows = area_int(f->d, "SELECT count(*) FROM refresh_tokens", NULL, 0);
    account_tokens n3;
    rc = accounts_refresh(a, f->d, n2.refresh, "10.3.0.3", &n3, &err);
    expect_refusal(rc, &err, EM_E_RATE_LIMITED, NULL);
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM refresh_tokens", NULL, 0), rows);
    assert_int_equal(live_tokens(f->d, ur.id), 1); /* n2 is still good */

    /* password changes: guessing the current one is limited per account */
    rc = accounts_change_password(a, f->d, ub.id, "not my password", PASSWORD2, "10.4.0.1", &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_INVALID_CREDENTIALS);
    rc = accounts_change_password(a, f->d, ub.id, "not my password", PASSWORD2, "10.4.0.2", &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_INVALID_CREDENTIALS);
    rc = accounts_change_password(a, f->d, ub.id, PASSWORD, PASSWORD2, "10.4.0.3", &err);
    expect_refusal(rc, &err, EM_E_RATE_LIMITED, NULL);
    assert_true(password_verify(get_user(f->d, ub.id).password_hash, PASSWORD));

    /* a successful login forgets the account's failed attempts */
    make_account(a, f->d, "z@example.org", "student");
    assert_int_equal(accounts_login(a, f->d, "z@example.org", "wrong password!", "10.5.0.1", &t, &err),
                     EM_E_DENIED);
    assert_int_equal(accounts_login(a, f->d, "z@example.org", PASSWORD, "10.5.0.2", &t, &err), EM_OK);
    assert_int_equal(accounts_login(a, f->d, "z@example.org", "wrong password!", "10.5.0.3", &t, &err),
                     EM_E_DENIED);
    assert_int_equal(accounts_login(a, f->d, "z@example.org", PASSWORD, "10.5.0.4", &t, &err), EM_OK);
    accounts_free(a);
}

/* The audit's attack: an account's failed logins lock it; 70,000 refused
 * logins for distinct emails from a second address must not push that lock
 * out of the attempt table (they create no keys), so guessing does not start
 * again. */
static void auth_accounts_refused_flood_keeps_a_lock(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 10);
    em_error err = {0};
    account_tokens t;
    make_account(a, f->d, "victim@example.org", "student");
    for (int i = 0; i < 10; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.9.%d.1", i);
        assert_int_equal(accounts_login(a, f->d, "victim@example.org", "wrong password!", ip, &t, &err),
                         EM_E_DENIED);
    }
    assert_int_equal(accounts_login(a, f->d, "victim@example.org", PASSWORD, "10.9.99.1", &t, &err),
                     EM_E_RATE_LIMITED);
    /* the flood: the second address's first ten go through (wrong emails), the
     * rest are refused before any work */
    int refused = 0;
    for (int i = 0; i < 70000; i++) {
        char email[64];
        snprintf(email, sizeof email, "guess-%d@example.org", i);
        int rc = accounts_login(a, f->d, email, "wrong password!", "198.51.100.7", &t, &err);
        refused += rc == EM_E_RATE_LIMITED;
    }
    assert_int_equal(refused, 70000 - 10);
    int rc = accounts_login(a, f->d, "victim@example.org", "wrong password!", "10.9.100.1", &t, &err);
    expect_refusal(rc, &err, EM_E_RATE_LIMITED, NULL);
    accounts_free(a);
}

/* ---- login ---- */

static void auth_accounts_login_reasons_and_audit(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user u = make_account(a, f->d, "carol@example.org", "student");
    account_tokens t;
    /* an unknown email and a wrong password are the same refusal */
    int rc = accounts_login(a, f->d, "nobody@example.org", PASSWORD, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_CREDENTIALS);
    char unknown_msg[sizeof err.msg];
    snprintf(unknown_msg, sizeof unknown_msg, "%s", err.msg);
    rc = accounts_login(a, f->d, "carol@example.org", "wrong password!", IP, &t, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_CREDENTIALS);
    assert_string_equal(err.msg, unknown_msg);
    /* ... but the audit log tells them apart, without the password */
    assert_int_equal(audits(f->d, "login_failed", NULL), 1);
    json_t *j = audit_detail(f->d, "login_failed", NULL, NULL);
    assert_string_equal(jstr(j, "reason"), "unknown email");
    assert_string_equal(jstr(j, "email"), "nobody@example.org");
    json_decref(j);
    assert_int_equal(audits(f->d, "login_failed", u.id), 1);
    j = audit_detail(f->d, "login_failed", u.id, NULL);
    assert_string_equal(jstr(j, "reason"), "wrong password");
    json_decref(j);
    /* missing fields */
    rc = accounts_login(a, f->d, NULL, PASSWORD, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_login(a, f->d, "carol@example.org", NULL, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    /* a disabled account: only a right password learns that it is disabled */
    assert_int_equal(users_set_role_active(f->d, u.id, NULL, 0, &err), EM_OK);
    rc = accounts_login(a, f->d, "carol@example.org", "wrong password!", IP, &t, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_CREDENTIALS);
    rc = accounts_login(a, f->d, "carol@example.org", PASSWORD, IP, &t, &err);
    expect_refusal(rc, &err, EM_E_FORBIDDEN, ACCOUNTS_DISABLED);
    j = audit_detail(f->d, "login_failed", u.id, NULL);
    assert_string_equal(jstr(j, "reason"), "account disabled");
    json_decref(j);
    assert_int_equal(audits(f->d, "login_failed", u.id), 3);
    assert_int_equal(live_tokens(f->d, u.id), 0);
    /* enabled again: the email is normalised, a session starts */
    assert_int_equal(users_set_role_active(f->d, u.id, NULL, 1, &err), EM_OK);
    assert_int_equal(accounts_login(a, f->d, "  CAROL@example.org ", PASSWORD, IP, &t, &err), EM_OK);
    assert_string_equal(t.user.id, u.id);
    assert_int_equal(t.expires_in, 900);
    assert_int_equal(live_tokens(f->d, u.id), 1);
    assert_int_equal(audits(f->d, "login_ok", u.id), 1);
    /* no audit row ever holds a password or a token */
    char token_like[REFRESH_TOKEN_LEN + 3];
    snprintf(token_like, sizeof token_like, "%%%s%%", t.refresh);
    const char *p[] = {"%" PASSWORD "%", "%wrong password!%", token_like};
    assert_int_equal(area_int(f->d,
                              "SELECT count(*) FROM audit_log WHERE CAST(detail AS TEXT) LIKE $1 "
                              "OR CAST(detail AS TEXT) LIKE $2 OR CAST(detail AS TEXT) LIKE $3",
                              p, 3),
                     0);
    accounts_free(a);
}

static void auth_accounts_login_rehashes_an_older_cost(void **state)
{
    fixture *f = area_db(state);
    password_cost old_cost = {2, 8192};
    accounts *before = new_accounts(old_cost, 100);
    accounts *now = new_accounts(fast_cost, 100);
    user u = make_account(before, f->d, "dave@example.org", "student");
    char old_hash[PASSWORD_HASH_MAX];
    snprintf(old_hash, sizeof old_hash, "%s", get_user(f->d, u.id).password_hash);
    assert_true(password_needs_rehash(old_hash, fast_cost));
    /* the login with the current cost stands, and the hash is made again */
    account_tokens t = login(now, f->d, "dave@example.org", PASSWORD);
    assert_string_equal(t.user.id, u.id);
    char new_hash[PASSWORD_HASH_MAX];
    snprintf(new_hash, sizeof new_hash, "%s", get_user(f->d, u.id).password_hash);
    assert_string_not_equal(new_hash, old_hash);
    assert_false(password_needs_rehash(new_hash, fast_cost));
    assert_true(password_verify(new_hash, PASSWORD));
    /* a hash of the current cost is left alone */
    login(now, f->d, "dave@example.org", PASSWORD);
    assert_string_equal(get_user(f->d, u.id).password_hash, new_hash);
    accounts_free(before);
    accounts_free(now);
}

/* ---- refresh and logout ---- */

static void auth_accounts_refresh_rotates_and_detects_reuse(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user u = make_account(a, f->d, "erin@example.org", "student");
    account_tokens first = login(a, f->d, "erin@example.org", PASSWORD);
    account_tokens other = login(a, f->d, "erin@example.org", PASSWORD); /* a second device */
    account_tokens second, third, again;
    assert_int_equal(accounts_refresh(a, f->d, first.refresh, IP, &second, &err), EM_OK);
    assert_string_not_equal(second.refresh, first.refresh);
    assert_string_equal(second.user.id, u.id);
    assert_int_equal(second.expires_in, 900);
    principal who;
    assert_int_equal(accounts_authenticate(a, f->d, second.access, &who, NULL, &err), EM_OK);
    assert_string_equal(who.user_id, u.id);
    assert_int_equal(accounts_refresh(a, f->d, second.refresh, IP, &third, &err), EM_OK);
    /* the spent first token again: the family is revoked and the reuse audited */
    int rc = accounts_refresh(a, f->d, first.refresh, IP, &again, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_TOKEN_REUSED);
    assert_int_equal(audits(f->d, "token_reuse", u.id), 1);
    rc = accounts_refresh(a, f->d, third.refresh, IP, &again, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    /* the other device's family is untouched */
    assert_int_equal(live_tokens(f->d, u.id), 1);
    assert_int_equal(accounts_refresh(a, f->d, other.refresh, IP, &again, &err), EM_OK);
    /* unknown and missing tokens */
    char unknown[REFRESH_TOKEN_LEN + 1];
    token_new_refresh(unknown);
    rc = accounts_refresh(a, f->d, unknown, IP, &again, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    rc = accounts_refresh(a, f->d, "garbage", IP, &again, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    rc = accounts_refresh(a, f->d, "", IP, &again, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_refresh(a, f->d, NULL, IP, &again, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    assert_int_equal(audits(f->d, "token_reuse", u.id), 1);
    accounts_free(a);
}

static void auth_accounts_refresh_refuses_a_disabled_or_deleted_owner(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user u = make_account(a, f->d, "frank@example.org", "student");
    account_tokens t = login(a, f->d, "frank@example.org", PASSWORD);
    login(a, f->d, "frank@example.org", PASSWORD);
    /* disabled behind the use cases' back (no sessions ended): refresh refuses
     * and ends every session of the account */
    assert_int_equal(users_set_role_active(f->d, u.id, NULL, 0, &err), EM_OK);
    account_tokens n;
    int rc = accounts_refresh(a, f->d, t.refresh, IP, &n, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    assert_int_equal(live_tokens(f->d, u.id), 0);
    assert_int_equal(users_set_role_active(f->d, u.id, NULL, 1, &err), EM_OK);
    assert_int_not_equal(accounts_refresh(a, f->d, t.refresh, IP, &n, &err), EM_OK);
    /* deleted: its tokens go with it */
    t = login(a, f->d, "frank@example.org", PASSWORD);
    const char *p[] = {u.id};
    area_run(f->d, "DELETE FROM users WHERE id = $1", p, 1);
    rc = accounts_refresh(a, f->d, t.refresh, IP, &n, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    accounts_free(a);
}

static void auth_accounts_logout_is_idempotent(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user u = make_account(a, f->d, "gina@example.org", "student");
    account_tokens t = login(a, f->d, "gina@example.org", PASSWORD);
    account_tokens kept = login(a, f->d, "gina@example.org", PASSWORD);
    account_tokens n;
    assert_int_equal(accounts_refresh(a, f->d, t.refresh, IP, &n, &err), EM_OK);
    /* logging out with the current token ends that session only */
    assert_int_equal(accounts_logout(a, f->d, n.refresh, IP, &err), EM_OK);
    assert_int_equal(audits(f->d, "logout", u.id), 1);
    account_tokens after;
    int rc = accounts_refresh(a, f->d, n.refresh, IP, &after, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    assert_int_equal(live_tokens(f->d, u.id), 1);
    /* again, and with a token nobody knows: still fine */
    assert_int_equal(accounts_logout(a, f->d, t.refresh, IP, &err), EM_OK);
    char unknown[REFRESH_TOKEN_LEN + 1];
    token_new_refresh(unknown);
    int64_t before = audits_all(f->d);
    assert_int_equal(accounts_logout(a, f->d, unknown, IP, &err), EM_OK);
    assert_int_equal(audits_all(f->d), before);
    rc = accounts_logout(a, f->d, "", IP, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_logout(a, f->d, NULL, IP, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    assert_int_equal(accounts_refresh(a, f->d, kept.refresh, IP, &n, &err), EM_OK);
    accounts_free(a);
}

/* ---- authenticate ---- */

static void auth_accounts_authenticate_reads_the_account_now(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user u = make_account(a, f->d, "hank@example.org", "tutor");
    account_tokens t = login(a, f->d, "hank@example.org", PASSWORD);
    principal who;
    user row;
    assert_int_equal(accounts_authenticate(a, f->d, t.access, &who, &row, &err), EM_OK);
    assert_string_equal(who.user_id, u.id);
    assert_string_equal(who.role, "tutor");
    assert_true(who.expires_at > clock_now_ms() / 1000);
    assert_string_equal(row.email, "hank@example.org");
    /* a role change takes effect at once, whatever the token says */
    user changed;
    assert_int_equal(accounts_set_role(a, f->d, "hank@example.org", "student", &changed, &err), EM_OK);
    assert_int_equal(accounts_authenticate(a, f->d, t.access, &who, NULL, &err), EM_OK);
    assert_string_equal(who.role, "student");
    /* a disabled account: its unexpired token no longer works, and enabling
     * the account again does not bring the token back (its session ended) */
    assert_int_equal(users_set_role_active(f->d, u.id, NULL, 0, &err), EM_OK);
    int rc = accounts_authenticate(a, f->d, t.access, &who, NULL, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    assert_int_equal(users_set_role_active(f->d, u.id, NULL, 1, &err), EM_OK);
    assert_int_equal(accounts_authenticate(a, f->d, t.access, &who, NULL, &err), EM_OK); /* the store alone */
    principal boss = {0};
    snprintf(boss.user_id, sizeof boss.user_id, "01900000-0000-7000-8000-0000000000b0");
    snprintf(boss.role, sizeof boss.role, "admin");
    user after;
    assert_int_equal(accounts_admin_update(a, f->d, &boss, u.id, NULL, 0, IP, &after, &err), EM_OK);
    assert_int_equal(accounts_admin_update(a, f->d, &boss, u.id, NULL, 1, IP, &after, &err), EM_OK);
    rc = accounts_authenticate(a, f->d, t.access, &who, NULL, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    /* a logout ends that session's access tokens at once; another session's stay */
    account_tokens t2 = login(a, f->d, "hank@example.org", PASSWORD);
    account_tokens t3 = login(a, f->d, "hank@example.org", PASSWORD);
    assert_int_equal(accounts_logout(a, f->d, t2.refresh, IP, &err), EM_OK);
    rc = accounts_authenticate(a, f->d, t2.access, &who, NULL, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    assert_int_equal(accounts_authenticate(a, f->d, t3.access, &who, NULL, &err), EM_OK);
    t = t3;
    /* a token signed with another key, one that expired, and garbage */
    char *forged = NULL;
    int64_t now_s = clock_now_ms() / 1000;
    assert_int_equal(
        token_issue_access("another-secret-key-0123456789abcdef", u.id, "admin", t.family, now_s, 900, &forged,
                           &err),
        EM_OK);
    rc = accounts_authenticate(a, f->d, forged, &who, NULL, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    free(forged);
    char *old = NULL;
    assert_int_equal(token_issue_access(SECRET, u.id, "student", t.family, now_s - 7200, 600, &old, &err), EM_OK);
    rc = accounts_authenticate(a, f->d, old, &who, NULL, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    free(old);
    rc = accounts_authenticate(a, f->d, "not.a.token", &who, NULL, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    /* a well-signed token for an account that was deleted */
    const char *p[] = {u.id};
    area_run(f->d, "DELETE FROM users WHERE id = $1", p, 1);
    rc = accounts_authenticate(a, f->d, t.access, &who, NULL, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    accounts_free(a);
}

/* ---- profile and password ---- */

static void auth_accounts_update_profile(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user u = make_account(a, f->d, "ivy@example.org", "student");
    make_account(a, f->d, "taken@example.org", "student");
    user out;
    /* the name alone: no email audit */
    account_tokens mine = login(a, f->d, "ivy@example.org", PASSWORD);
    account_tokens other = login(a, f->d, "ivy@example.org", PASSWORD);
    assert_int_equal(
        accounts_update_profile(a, f->d, u.id, "Ivy Green", NULL, NULL, NULL, mine.family, IP, &out, &err),
        EM_OK);
    assert_string_equal(out.display_name, "Ivy Green");
    assert_string_equal(out.email, "ivy@example.org");
    assert_int_equal(audits(f->d, "email_changed", u.id), 0);
    /* the email needs the current password */
    int rc = accounts_update_profile(a, f->d, u.id, NULL, "ivy.green@example.org", NULL, NULL, mine.family,
                                     IP, &out, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_update_profile(a, f->d, u.id, NULL, "ivy.green@example.org", NULL, "not the password",
                                 mine.family, IP, &out, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_INVALID_CREDENTIALS);
    assert_int_equal(audits(f->d, "email_change_failed", u.id), 1);
    assert_string_equal(get_user(f->d, u.id).email, "ivy@example.org");
    /* the email, normalised and audited; every other session ends */
    assert_int_equal(accounts_update_profile(a, f->d, u.id, NULL, "  Ivy.Green@Example.org", NULL, PASSWORD,
                                             mine.family, IP, &out, &err),
                     EM_OK);
    principal who;
    assert_int_equal(accounts_authenticate(a, f->d, mine.access, &who, NULL, &err), EM_OK);
    rc = accounts_authenticate(a, f->d, other.access, &who, NULL, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    assert_string_equal(out.email, "ivy.green@example.org");
    assert_string_equal(out.display_name, "Ivy Green");
    assert_int_equal(audits(f->d, "email_changed", u.id), 1);
    login(a, f->d, "ivy.green@example.org", PASSWORD);
    /* refusals change nothing */
    rc = accounts_update_profile(a, f->d, u.id, "New Name", "TAKEN@example.org", NULL, PASSWORD, mine.family,
                                 IP, &out, &err);
    expect_refusal(rc, &err, EM_E_CONFLICT, NULL);
    rc = accounts_update_profile(a, f->d, u.id, "New Name", "no at sign", NULL, PASSWORD, mine.family, IP,
                                 &out, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_update_profile(a, f->d, u.id, NULL, NULL, NULL, NULL, mine.family, IP, &out, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    char long_name[USER_NAME_MAX + 2];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    rc = accounts_update_profile(a, f->d, u.id, long_name, NULL, NULL, NULL, mine.family, IP, &out, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    user now = get_user(f->d, u.id);
    assert_string_equal(now.email, "ivy.green@example.org");
    assert_string_equal(now.display_name, "Ivy Green");
    assert_int_equal(audits(f->d, "email_changed", u.id), 1);
    /* nobody */
    rc = accounts_update_profile(a, f->d, "01900000-0000-7000-8000-00000000dead", "X", NULL, NULL, NULL, NULL,
                                 IP, &out, &err);
    assert_int_equal(rc, EM_E_NOT_FOUND);
    accounts_free(a);
}

static void auth_accounts_update_time_zone(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user u = make_account(a, f->d, "kim@example.org", "student");
    assert_string_equal(u.time_zone, "UTC");
    account_tokens mine = login(a, f->d, "kim@example.org", PASSWORD);
    user out;
    assert_int_equal(accounts_update_profile(a, f->d, u.id, NULL, NULL, "Pacific/Auckland", NULL, mine.family,
                                             IP, &out, &err),
                     EM_OK);
    assert_string_equal(out.time_zone, "Pacific/Auckland");
    assert_string_equal(out.display_name, u.display_name);
    assert_string_equal(get_user(f->d, u.id).time_zone, "Pacific/Auckland");
    assert_int_equal(
        accounts_update_profile(a, f->d, u.id, NULL, NULL, "UTC", NULL, mine.family, IP, &out, &err), EM_OK);
    assert_string_equal(out.time_zone, "UTC");
    /* a name that is not a zone of the system: 400, naming the field */
    static const char *const bad[] = {
        "Mars/Olympus_Mons", "../etc/passwd", "",          "Europe",     "/etc/localtime",
        "America//New_York", "posixrules/x",  "localtime", "posixrules", "posix/Europe/Paris",
        "right/UTC"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        int rc = accounts_update_profile(a, f->d, u.id, "Changed", NULL, bad[i], NULL, mine.family, IP, &out,
                                         &err);
        expect_refusal(rc, &err, EM_E_INVAL, NULL);
        assert_non_null(strstr(err.msg, "time_zone"));
    }
    user now = get_user(f->d, u.id);
    assert_string_equal(now.time_zone, "UTC");
    assert_string_equal(now.display_name, u.display_name);
    accounts_free(a);
}

static void auth_accounts_change_password_ends_every_session(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user u = make_account(a, f->d, "jack@example.org", "student");
    account_tokens one = login(a, f->d, "jack@example.org", PASSWORD);
    account_tokens two = login(a, f->d, "jack@example.org", PASSWORD);
    /* a wrong current password: 400-style, audited, nothing changes */
    int rc = accounts_change_password(a, f->d, u.id, "not the password", PASSWORD2, IP, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_INVALID_CREDENTIALS);
    assert_int_equal(audits(f->d, "password_change_failed", u.id), 1);
    /* a weak new one */
    rc = accounts_change_password(a, f->d, u.id, PASSWORD, "0123456789", IP, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_WEAK_PASSWORD);
    rc = accounts_change_password(a, f->d, u.id, PASSWORD, NULL, IP, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    assert_int_equal(live_tokens(f->d, u.id), 2);
    assert_true(password_verify(get_user(f->d, u.id).password_hash, PASSWORD));
    /* the change ends both sessions */
    assert_int_equal(accounts_change_password(a, f->d, u.id, PASSWORD, PASSWORD2, IP, &err), EM_OK);
    assert_int_equal(audits(f->d, "password_changed", u.id), 1);
    assert_int_equal(live_tokens(f->d, u.id), 0);
    account_tokens n;
    rc = accounts_refresh(a, f->d, one.refresh, IP, &n, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    rc = accounts_refresh(a, f->d, two.refresh, IP, &n, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN);
    rc = accounts_login(a, f->d, "jack@example.org", PASSWORD, IP, &n, &err);
    expect_refusal(rc, &err, EM_E_DENIED, ACCOUNTS_INVALID_CREDENTIALS);
    login(a, f->d, "jack@example.org", PASSWORD2);
    /* an account that is gone */
    rc = accounts_change_password(a, f->d, "01900000-0000-7000-8000-00000000dead", PASSWORD2, PASSWORD, IP,
                                  &err);
    assert_int_equal(rc, EM_E_NOT_FOUND);
    accounts_free(a);
}

/* ---- admins ---- */

static void auth_accounts_admin_update(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user admin = make_account(a, f->d, "root@example.org", "admin");
    user u = make_account(a, f->d, "kim@example.org", "student");
    principal as_admin = area_principal(admin.id, "admin");
    user out;
    /* an admin cannot change themself */
    int rc = accounts_admin_update(a, f->d, &as_admin, admin.id, "student", -1, IP, &out, &err);
    expect_refusal(rc, &err, EM_E_CONFLICT, NULL);
    rc = accounts_admin_update(a, f->d, &as_admin, admin.id, NULL, 0, IP, &out, &err);
    assert_int_equal(rc, EM_E_CONFLICT);
    user still = get_user(f->d, admin.id);
    assert_string_equal(still.role, "admin");
    assert_true(still.is_active);
    /* malformed */
    rc = accounts_admin_update(a, f->d, &as_admin, u.id, NULL, -1, IP, &out, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_admin_update(a, f->d, &as_admin, u.id, "superuser", -1, IP, &out, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_admin_update(a, f->d, &as_admin, "01900000-0000-7000-8000-00000000dead", "tutor", -1, IP,
                               &out, &err);
    assert_int_equal(rc, EM_E_NOT_FOUND);
    assert_int_equal(audits(f->d, "role_changed", u.id), 0);
    /* a role change, audited with its actor */
    assert_int_equal(accounts_admin_update(a, f->d, &as_admin, u.id, "tutor", -1, IP, &out, &err), EM_OK);
    assert_string_equal(out.role, "tutor");
    assert_true(out.is_active);
    char actor[37];
    json_t *j = audit_detail(f->d, "role_changed", u.id, actor);
    assert_string_equal(jstr(j, "from"), "student");
    assert_string_equal(jstr(j, "to"), "tutor");
    assert_string_equal(actor, admin.id);
    json_decref(j);
    /* the same role again changes nothing and records nothing */
    assert_int_equal(accounts_admin_update(a, f->d, &as_admin, u.id, "tutor", -1, IP, &out, &err), EM_OK);
    assert_int_equal(audits(f->d, "role_changed", u.id), 1);
    /* disabling ends the sessions and the access token's use */
    account_tokens t = login(a, f->d, "kim@example.org", PASSWORD);
    assert_int_equal(accounts_admin_update(a, f->d, &as_admin, u.id, NULL, 0, IP, &out, &err), EM_OK);
    assert_false(out.is_active);
    assert_string_equal(out.role, "tutor");
    assert_int_equal(live_tokens(f->d, u.id), 0);
    principal who;
    assert_int_equal(accounts_authenticate(a, f->d, t.access, &who, NULL, &err), EM_E_DENIED);
    account_tokens n;
    assert_int_equal(accounts_refresh(a, f->d, t.refresh, IP, &n, &err), EM_E_DENIED);
    j = audit_detail(f->d, "account_disabled", u.id, actor);
    assert_string_equal(actor, admin.id);
    json_decref(j);
    /* enabling again, and both at once */
    assert_int_equal(accounts_admin_update(a, f->d, &as_admin, u.id, "student", 1, IP, &out, &err), EM_OK);
    assert_true(out.is_active);
    assert_string_equal(out.role, "student");
    assert_int_equal(audits(f->d, "account_enabled", u.id), 1);
    assert_int_equal(audits(f->d, "role_changed", u.id), 2);
    login(a, f->d, "kim@example.org", PASSWORD);
    accounts_free(a);
}

static int64_t assignments(db *d, const char *tutor_id)
{
    const char *p[] = {tutor_id};
    return area_int(d, "SELECT count(*) FROM tutor_students WHERE tutor_id = $1", p, 1);
}

static void auth_accounts_assign_students_all_or_nothing(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user admin = make_account(a, f->d, "root@example.org", "admin");
    user tutor = make_account(a, f->d, "tutor@example.org", "tutor");
    user tutor2 = make_account(a, f->d, "tutor2@example.org", "tutor");
    user s1 = make_account(a, f->d, "s1@example.org", "student");
    user s2 = make_account(a, f->d, "s2@example.org", "student");
    principal as_admin = area_principal(admin.id, "admin");
    int added = 7;
    /* one missing student: none is assigned */
    const char *missing[] = {s1.id, "01900000-0000-7000-8000-00000000dead", s2.id};
    int rc = accounts_assign_students(a, f->d, &as_admin, tutor.id, missing, 3, IP, &added, &err);
    expect_refusal(rc, &err, EM_E_NOT_FOUND, NULL);
    assert_int_equal(added, 0);
    assert_int_equal(assignments(f->d, tutor.id), 0);
    /* one account that is not a student: none either */
    const char *wrong_role[] = {s1.id, s2.id, tutor2.id};
    rc = accounts_assign_students(a, f->d, &as_admin, tutor.id, wrong_role, 3, IP, &added, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    assert_int_equal(added, 0);
    assert_int_equal(assignments(f->d, tutor.id), 0);
    /* a "tutor" who is not one */
    const char *one[] = {s2.id};
    rc = accounts_assign_students(a, f->d, &as_admin, s1.id, one, 1, IP, &added, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    assert_int_equal(audits(f->d, "tutor_assigned", tutor.id), 0);
    assert_int_equal(audits(f->d, "tutor_assigned", s1.id), 0);
    /* all good: both, audited with the ids */
    const char *both[] = {s1.id, s2.id};
    assert_int_equal(accounts_assign_students(a, f->d, &as_admin, tutor.id, both, 2, IP, &added, &err),
                     EM_OK);
    assert_int_equal(added, 2);
    assert_int_equal(assignments(f->d, tutor.id), 2);
    char actor[37];
    json_t *j = audit_detail(f->d, "tutor_assigned", tutor.id, actor);
    assert_string_equal(actor, admin.id);
    json_t *ids = json_object_get(j, "student_ids");
    assert_int_equal(json_array_size(ids), 2);
    assert_string_equal(json_string_value(json_array_get(ids, 0)), s1.id);
    assert_string_equal(json_string_value(json_array_get(ids, 1)), s2.id);
    json_decref(j);
    /* again: idempotent, nothing new */
    assert_int_equal(accounts_assign_students(a, f->d, &as_admin, tutor.id, both, 2, IP, &added, &err),
                     EM_OK);
    assert_int_equal(added, 0);
    assert_int_equal(assignments(f->d, tutor.id), 2);
    accounts_free(a);
}

/* ---- operators ---- */

static void auth_accounts_ensure_superuser_states(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    superuser_state st = SUPERUSER_NOT_ADMIN;
    assert_int_equal(accounts_ensure_superuser(a, f->d, " Root@Example.org ", PASSWORD, true, &st, &err),
                     EM_OK);
    assert_int_equal(st, SUPERUSER_CREATED);
    user root;
    assert_int_equal(users_get_by_email(f->d, "root@example.org", &root, &err), EM_OK);
    assert_string_equal(root.role, "admin");
    assert_int_equal(audits(f->d, "superuser_created", root.id), 1);
    login(a, f->d, "root@example.org", PASSWORD);
    /* it exists: the same password, another one compared, another one not */
    assert_int_equal(accounts_ensure_superuser(a, f->d, "root@example.org", PASSWORD, true, &st, &err),
                     EM_OK);
    assert_int_equal(st, SUPERUSER_EXISTS);
    assert_int_equal(accounts_ensure_superuser(a, f->d, "root@example.org", PASSWORD2, true, &st, &err),
                     EM_OK);
    assert_int_equal(st, SUPERUSER_PASSWORD_DIFFERS);
    assert_int_equal(accounts_ensure_superuser(a, f->d, "root@example.org", PASSWORD2, false, &st, &err),
                     EM_OK);
    assert_int_equal(st, SUPERUSER_EXISTS);
    /* the variable only creates: the password is not changed */
    assert_true(password_verify(get_user(f->d, root.id).password_hash, PASSWORD));
    assert_int_equal(users_count(f->d), 1);
    assert_int_equal(audits(f->d, "superuser_created", root.id), 1);
    /* an account with that email that is not an admin stays as it is */
    user s = make_account(a, f->d, "student@example.org", "student");
    assert_int_equal(accounts_ensure_superuser(a, f->d, "student@example.org", PASSWORD, true, &st, &err),
                     EM_OK);
    assert_int_equal(st, SUPERUSER_NOT_ADMIN);
    assert_string_equal(get_user(f->d, s.id).role, "student");
    /* a malformed email */
    int rc = accounts_ensure_superuser(a, f->d, "root", PASSWORD, true, &st, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    accounts_free(a);
}

static void auth_accounts_operator_create_set_password_set_role(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user u;
    assert_int_equal(accounts_create(a, f->d, " Lee@Example.org", PASSWORD, "Lee", "tutor", &u, &err), EM_OK);
    assert_string_equal(u.email, "lee@example.org");
    assert_string_equal(u.role, "tutor");
    assert_string_equal(u.display_name, "Lee");
    json_t *j = audit_detail(f->d, "account_created", u.id, NULL);
    assert_string_equal(jstr(j, "role"), "tutor");
    json_decref(j);
    /* refusals */
    user x;
    int rc = accounts_create(a, f->d, "m@example.org", PASSWORD, NULL, "owner", &x, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_create(a, f->d, "m@example.org", "0123456789", NULL, "student", &x, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_WEAK_PASSWORD);
    rc = accounts_create(a, f->d, "m@", PASSWORD, NULL, "student", &x, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_create(a, f->d, "LEE@example.org", PASSWORD, NULL, "student", &x, &err);
    expect_refusal(rc, &err, EM_E_CONFLICT, NULL);
    assert_int_equal(users_count(f->d), 1);
    assert_int_equal(audits(f->d, "account_created", NULL) + audits(f->d, "account_created", u.id), 1);

    /* set_password ends every session and is audited as the operator's */
    account_tokens t = login(a, f->d, "lee@example.org", PASSWORD);
    assert_int_equal(accounts_set_password(a, f->d, "LEE@example.org", PASSWORD2, &err), EM_OK);
    assert_int_equal(live_tokens(f->d, u.id), 0);
    account_tokens n;
    assert_int_equal(accounts_refresh(a, f->d, t.refresh, IP, &n, &err), EM_E_DENIED);
    login(a, f->d, "lee@example.org", PASSWORD2);
    j = audit_detail(f->d, "password_set", u.id, NULL);
    assert_string_equal(jstr(j, "by"), "operator");
    json_decref(j);
    rc = accounts_set_password(a, f->d, "nobody@example.org", PASSWORD2, &err);
    assert_int_equal(rc, EM_E_NOT_FOUND);
    rc = accounts_set_password(a, f->d, "lee@example.org", "short", &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_WEAK_PASSWORD);
    assert_true(password_verify(get_user(f->d, u.id).password_hash, PASSWORD2));

    /* set_role */
    user out;
    assert_int_equal(accounts_set_role(a, f->d, "lee@example.org", "admin", &out, &err), EM_OK);
    assert_string_equal(out.role, "admin");
    j = audit_detail(f->d, "role_changed", u.id, NULL);
    assert_string_equal(jstr(j, "from"), "tutor");
    assert_string_equal(jstr(j, "to"), "admin");
    assert_string_equal(jstr(j, "by"), "operator");
    json_decref(j);
    assert_int_equal(accounts_set_role(a, f->d, "lee@example.org", "admin", &out, &err), EM_OK);
    assert_int_equal(audits(f->d, "role_changed", u.id), 1); /* no change, no record */
    rc = accounts_set_role(a, f->d, "lee@example.org", "root", &out, &err);
    expect_refusal(rc, &err, EM_E_INVAL, ACCOUNTS_VALIDATION);
    rc = accounts_set_role(a, f->d, "nobody@example.org", "tutor", &out, &err);
    assert_int_equal(rc, EM_E_NOT_FOUND);
    assert_string_equal(get_user(f->d, u.id).role, "admin");
    accounts_free(a);
}

/* ---- the caller's transaction ---- */

static void auth_accounts_use_cases_join_the_callers_transaction(void **state)
{
    fixture *f = area_db(state);
    accounts *a = new_accounts(fast_cost, 100);
    em_error err = {0};
    user admin = make_account(a, f->d, "root@example.org", "admin");
    user s = make_account(a, f->d, "nina@example.org", "student");
    principal as_admin = area_principal(admin.id, "admin");
    int64_t audit_rows = audits_all(f->d);
    /* everything a use case wrote goes with the caller's rollback */
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    account_tokens t;
    assert_int_equal(accounts_register(a, f->d, "owen@example.org", PASSWORD, NULL, IP, &t, &err), EM_OK);
    user out;
    assert_int_equal(accounts_admin_update(a, f->d, &as_admin, s.id, "tutor", 0, IP, &out, &err), EM_OK);
    assert_int_equal(accounts_set_password(a, f->d, "nina@example.org", PASSWORD2, &err), EM_OK);
    superuser_state st;
    assert_int_equal(accounts_ensure_superuser(a, f->d, "first@example.org", PASSWORD, true, &st, &err),
                     EM_OK);
    assert_int_equal(st, SUPERUSER_CREATED);
    assert_true(db_in_transaction(f->d));
    db_rollback(f->d);
    assert_false(db_in_transaction(f->d));
    user gone;
    assert_int_equal(users_get_by_email(f->d, "owen@example.org", &gone, &err), EM_E_NOT_FOUND);
    assert_int_equal(users_get_by_email(f->d, "first@example.org", &gone, &err), EM_E_NOT_FOUND);
    user kept = get_user(f->d, s.id);
    assert_string_equal(kept.role, "student");
    assert_true(kept.is_active);
    assert_true(password_verify(kept.password_hash, PASSWORD));
    assert_int_equal(audits_all(f->d), audit_rows);
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM refresh_tokens", NULL, 0), 0);
    /* a use case that fails inside the caller's transaction undoes only its
     * own part: the caller's work before and after it commits */
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    assert_int_equal(accounts_create(a, f->d, "p1@example.org", PASSWORD, NULL, "student", &out, &err),
                     EM_OK);
    assert_int_equal(accounts_register(a, f->d, "p1@example.org", PASSWORD, NULL, IP, &t, &err),
                     EM_E_CONFLICT);
    assert_int_equal(accounts_create(a, f->d, "p2@example.org", PASSWORD, NULL, "student", &out, &err),
                     EM_OK);
    assert_int_equal(db_commit(f->d, &err), EM_OK);
    assert_int_equal(users_get_by_email(f->d, "p1@example.org", &out, &err), EM_OK);
    assert_int_equal(users_get_by_email(f->d, "p2@example.org", &out, &err), EM_OK);
    assert_int_equal(audits(f->d, "account_created", out.id), 1);
    accounts_free(a);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auth_accounts_new_checks_settings),
        BOTH(auth_accounts_prepare_logins),
        BOTH(auth_accounts_register_signs_in_a_student),
        BOTH(auth_accounts_register_refusals_leave_nothing),
        BOTH(auth_accounts_attempts_are_limited),
        BOTH(auth_accounts_refused_flood_keeps_a_lock),
        BOTH(auth_accounts_login_reasons_and_audit),
        BOTH(auth_accounts_login_rehashes_an_older_cost),
        BOTH(auth_accounts_refresh_rotates_and_detects_reuse),
        BOTH(auth_accounts_refresh_refuses_a_disabled_or_deleted_owner),
        BOTH(auth_accounts_logout_is_idempotent),
        BOTH(auth_accounts_authenticate_reads_the_account_now),
        BOTH(auth_accounts_update_profile),
        BOTH(auth_accounts_update_time_zone),
        BOTH(auth_accounts_change_password_ends_every_session),
        BOTH(auth_accounts_admin_update),
        BOTH(auth_accounts_assign_students_all_or_nothing),
        BOTH(auth_accounts_ensure_superuser_states),
        BOTH(auth_accounts_operator_create_set_password_set_role),
        BOTH(auth_accounts_use_cases_join_the_callers_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
