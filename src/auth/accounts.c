/* accounts: see accounts.h. Each public function is one use case: check the
 * limits, validate, then do the work in one transaction and record what
 * happened in the audit log. Audit records of refusals are written outside
 * any transaction, so a rollback never takes them along. */
#include "auth/accounts.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/authz.h"
#include "auth/ratelimit.h"
#include "auth/refresh.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/tz.h"

/* Distinct attempt keys kept: "<action>:ip:<address>" and
 * "<action>:acct:<email or id>"; 64k of them bound the table at a few MiB
 * whatever clients send. */
#define ACCOUNTS_RATE_KEYS 65536

struct accounts {
    accounts_settings s;
    ratelimit *limits;        /* owned */
    pthread_mutex_t dummy_mu; /* guards the two below */
    bool dummy_ready;
    char dummy_hash[PASSWORD_HASH_MAX]; /* a random password's hash: the timing equaliser */
};

int accounts_new(const accounts_settings *s, accounts **out, em_error *err)
{
    *out = NULL;
    if (s == NULL || s->secret_key == NULL || s->access_ttl_s <= 0 || s->refresh_ttl_days <= 0 ||
        s->rate_limit < 1 || s->rate_window_s < 1)
        return em_error_set(err, EM_E_INVAL, "invalid account settings");
    if (password_init() != EM_OK)
        return em_error_set(err, EM_E_INTERNAL, "the cryptography library could not start");
    accounts *a = em_calloc(1, sizeof *a);
    a->s = *s;
    if (pthread_mutex_init(&a->dummy_mu, NULL) != 0) {
        free(a);
        return em_error_set(err, EM_E_INTERNAL, "cannot create a mutex");
    }
    a->limits = ratelimit_new(s->rate_limit, s->rate_window_s, ACCOUNTS_RATE_KEYS);
    if (s->shared != NULL)
        ratelimit_share(a->limits, s->shared, "auth");
    *out = a;
    return EM_OK;
}

int accounts_prepare_logins(accounts *a, em_error *err)
{
    int rc = EM_OK;
    pthread_mutex_lock(&a->dummy_mu);
    if (!a->dummy_ready) {
        char random_pw[REFRESH_TOKEN_LEN + 1];
        token_new_refresh(random_pw);
        if (password_hash(random_pw, a->s.cost, a->dummy_hash) == EM_OK)
            a->dummy_ready = true;
        else
            rc = em_error_set(err, EM_E_NOMEM, "cannot hash passwords with ARGON2_MEMLIMIT_KB=%zu",
                              a->s.cost.mem_kb);
    }
    pthread_mutex_unlock(&a->dummy_mu);
    return rc;
}

void accounts_free(accounts *a)
{
    if (a == NULL)
        return;
    ratelimit_free(a->limits);
    pthread_mutex_destroy(&a->dummy_mu);
    free(a);
}

const accounts_settings *accounts_settings_of(const accounts *a)
{
    return &a->s;
}

/* ---- shared steps ---- */

/* Count an attempt of `action` from `ip` and, when given, for `account`;
 * EM_E_RATE_LIMITED with retry_after_s when either is over the limit. */
static int limit_attempt(accounts *a, const char *action, const char *ip, const char *account, em_error *err)
{
    char by_ip[EMAIL_MAX + 64], by_account[EMAIL_MAX + 64];
    const char *keys[2] = {by_ip, by_account};
    int retry = 0;
    snprintf(by_ip, sizeof by_ip, "%s:ip:%s", action, ip != NULL ? ip : "unknown");
    snprintf(by_account, sizeof by_account, "%s:acct:%s", action, account != NULL ? account : "");
    size_t n = account != NULL && account[0] != '\0' ? 2 : 1;
    /* Both or neither: a refused attempt leaves no key behind for a flood to fill the table with. */
    if (ratelimit_hit_all(a->limits, keys, n, clock_now_ms(), &retry))
        return EM_OK;
    em_error_set(err, EM_E_RATE_LIMITED, "too many attempts; try again in %d s", retry);
    err->retry_after_s = retry;
    return EM_E_RATE_LIMITED;
}

static void forget_attempts(accounts *a, const char *action, const char *account)
{
    char key[EMAIL_MAX + 64];
    snprintf(key, sizeof key, "%s:acct:%s", action, account);
    ratelimit_reset(a->limits, key);
}

/* Issue an access token for `u` in the session out->family, starting one (a
 * refresh family, its token to out->refresh) when `start` is true; fills *out. */
static int hand_out_tokens(accounts *a, db *d, const user *u, bool start, account_tokens *out, em_error *err)
{
    int64_t now = clock_now_ms();
    if (start) {
        int rc = refresh_start(d, u->id, now, a->s.refresh_ttl_days, out->refresh, out->family, err);
        if (rc != EM_OK)
            return rc;
    }
    char *access = NULL;
    int rc = token_issue_access(a->s.secret_key, u->id, u->role, out->family, now / 1000, a->s.access_ttl_s,
                                &access, err);
    if (rc != EM_OK) {
        log_msg(LOG_ERROR, "auth: cannot issue an access token: %s", err->msg);
        return em_error_set(err, EM_E_INTERNAL, "internal error");
    }
    snprintf(out->access, sizeof out->access, "%s", access);
    free(access);
    out->user = *u;
    out->expires_in = a->s.access_ttl_s;
    return EM_OK;
}

static int normalize_email(const char *raw, char out[EMAIL_MAX + 1], em_error *err)
{
    em_error e = {0};
    if (raw == NULL || email_normalize(raw, out, &e) != EM_OK)
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION, "%s",
                               e.msg[0] ? e.msg : "email is required");
    return EM_OK;
}

static int check_policy(const char *password, const char *email, em_error *err)
{
    em_error e = {0};
    if (password_check_policy(password, email, &e) != EM_OK)
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_WEAK_PASSWORD, "%s", e.msg);
    return EM_OK;
}

static int hash_password(accounts *a, const char *password, char hash[PASSWORD_HASH_MAX], em_error *err)
{
    if (password_hash(password, a->s.cost, hash) != EM_OK)
        return em_error_set(err, EM_E_BUSY, "the server cannot hash passwords right now");
    return EM_OK;
}

/* A new password for the account `email`: by the policy, then hashed. */
static int new_password(accounts *a, const char *password, const char *email, char hash[PASSWORD_HASH_MAX],
                        em_error *err)
{
    int rc = check_policy(password, email, err);
    return rc == EM_OK ? hash_password(a, password, hash, err) : rc;
}

/* End the level a use case began: commit when its work went well, else roll
 * back (also when the commit itself failed). Returns the final rc. */
static int finish(db *d, int rc, em_error *err)
{
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

/* ---- a person and their account ---- */

int accounts_register(accounts *a, db *d, const char *raw_email, const char *password,
                      const char *display_name, const char *ip, account_tokens *out, em_error *err)
{
    char email[EMAIL_MAX + 1];
    int rc = normalize_email(raw_email, email, err);
    if (rc == EM_OK)
        rc = limit_attempt(a, "register", ip, email, err);
    if (rc != EM_OK)
        return rc;
    if (display_name != NULL && strlen(display_name) > USER_NAME_MAX)
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION, "display_name is longer than %d bytes",
                               USER_NAME_MAX);
    if (password == NULL)
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION, "password is required");
    char hash[PASSWORD_HASH_MAX];
    rc = new_password(a, password, email, hash, err);
    if (rc == EM_OK)
        rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    user u;
    rc = users_create(d, email, hash, display_name, "student", &u, err);
    if (rc == EM_OK)
        rc = hand_out_tokens(a, d, &u, true, out, err);
    if (rc == EM_OK)
        audit_record(d, "register", u.id, NULL, ip, NULL);
    return finish(d, rc, err);
}

int accounts_login(accounts *a, db *d, const char *raw_email, const char *password, const char *ip,
                   account_tokens *out, em_error *err)
{
    char email[EMAIL_MAX + 1];
    em_error e = {0};
    if (raw_email == NULL || password == NULL)
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION, "email and password are required");
    if (email_normalize(raw_email, email, &e) != EM_OK)
        snprintf(email, sizeof email, "%.*s", EMAIL_MAX, raw_email); /* still limited per "account" */
    int rc = limit_attempt(a, "login", ip, email, err);
    if (rc != EM_OK)
        return rc;
    user u;
    int found = users_get_by_email(d, email, &u, err);
    if (found != EM_OK && found != EM_E_NOT_FOUND)
        return found;
    bool ok;
    if (found == EM_OK && u.password_hash[0] != '\0') {
        ok = password_verify(u.password_hash, password);
    } else {
        /* The same cost as a real check (made at start by a server, which
         * calls accounts_prepare_logins before it listens). */
        rc = accounts_prepare_logins(a, err);
        if (rc != EM_OK)
            return rc;
        password_verify(a->dummy_hash, password);
        ok = false;
    }
    if (!ok) {
        audit_record(d, "login_failed", found == EM_OK ? u.id : NULL, NULL, ip,
                     json_pack("{s:s, s:s}", "email", email, "reason",
                               found == EM_OK ? "wrong password" : "unknown email"));
        return em_error_refuse(err, EM_E_DENIED, ACCOUNTS_INVALID_CREDENTIALS, "incorrect email or password");
    }
    if (!u.is_active) {
        audit_record(d, "login_failed", u.id, NULL, ip, json_pack("{s:s}", "reason", "account disabled"));
        return em_error_refuse(err, EM_E_FORBIDDEN, ACCOUNTS_DISABLED, "this account is disabled");
    }
    forget_attempts(a, "login", email);
    rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    if (password_needs_rehash(u.password_hash, a->s.cost)) {
        char hash[PASSWORD_HASH_MAX];
        em_error re = {0};
        /* Best effort: the login stands either way (savepoint so a failure
         * leaves the rest of the transaction intact). */
        if (password_hash(password, a->s.cost, hash) == EM_OK && db_begin(d, &re) == EM_OK)
            finish(d, users_set_password(d, u.id, hash, &re), &re);
    }
    rc = hand_out_tokens(a, d, &u, true, out, err);
    if (rc == EM_OK)
        audit_record(d, "login_ok", u.id, NULL, ip, NULL);
    return finish(d, rc, err);
}

int accounts_refresh(accounts *a, db *d, const char *presented, const char *ip, account_tokens *out,
                     em_error *err)
{
    char user_id[37] = "";
    if (presented == NULL || presented[0] == '\0')
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION, "refresh_token is required");
    /* Limited per address and per the token's owner, before anything changes. */
    int known = refresh_owner(d, presented, user_id, err);
    if (known != EM_OK && known != EM_E_NOT_FOUND)
        return known;
    int rc = limit_attempt(a, "refresh", ip, known == EM_OK ? user_id : NULL, err);
    if (rc != EM_OK)
        return rc;
    int64_t now = clock_now_ms();
    rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = refresh_rotate(d, presented, now, a->s.refresh_ttl_days, out->refresh, user_id, out->family, err);
    if (rc == EM_E_CONFLICT) {
        /* The family's revocation stands: commit it, then refuse. */
        audit_record(d, "token_reuse", user_id, NULL, ip, NULL);
        rc = finish(d, EM_OK, err);
        if (rc != EM_OK)
            return rc;
        return em_error_refuse(err, EM_E_DENIED, ACCOUNTS_TOKEN_REUSED,
                               "this refresh token was already used: the session is revoked");
    }
    if (rc == EM_E_NOT_FOUND) {
        db_rollback(d);
        return em_error_refuse(err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN, "invalid or expired refresh token");
    }
    user u;
    if (rc == EM_OK) {
        rc = users_get_by_id(d, user_id, &u, err);
        if (rc == EM_E_NOT_FOUND || (rc == EM_OK && !u.is_active)) {
            rc = refresh_revoke_user(d, user_id, now, err);
            rc = finish(d, rc, err);
            if (rc != EM_OK)
                return rc;
            return em_error_refuse(err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN, "the account is not active");
        }
    }
    if (rc == EM_OK)
        rc = hand_out_tokens(a, d, &u, false, out, err);
    return finish(d, rc, err);
}

int accounts_logout(accounts *a, db *d, const char *presented, const char *ip, em_error *err)
{
    (void)a;
    char user_id[37] = "";
    if (presented == NULL || presented[0] == '\0')
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION, "refresh_token is required");
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = refresh_revoke(d, presented, clock_now_ms(), user_id, err);
    if (rc == EM_OK)
        audit_record(d, "logout", user_id, NULL, ip, NULL);
    if (rc == EM_E_NOT_FOUND) {
        db_rollback(d);
        return EM_OK;
    }
    return finish(d, rc, err);
}

int accounts_authenticate(accounts *a, db *d, const char *token, principal *who, user *account, em_error *err)
{
    principal claimed;
    user row;
    user *u = account != NULL ? account : &row;
    em_error e = {0};
    if (token_verify_access(a->s.secret_key, token, clock_now_ms() / 1000, &claimed, &e) != EM_OK)
        return em_error_refuse(err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN, "%s",
                               e.msg[0] ? e.msg : "invalid token");
    /* The account as it is now: a deactivation or a role change takes effect at
     * once, not when the token expires. And the session as it is now: a token
     * outlives neither its logout, nor a password change, nor the account's
     * deactivation (each revokes families), even after the account is enabled
     * again. One lookup answers both. */
    bool alive = false;
    int rc = users_get_session(d, claimed.user_id, claimed.family, clock_now_ms(), u, &alive, err);
    if (rc == EM_E_NOT_FOUND || (rc == EM_OK && !u->is_active))
        return em_error_refuse(err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN, "the account is not active");
    if (rc != EM_OK)
        return rc;
    if (!alive)
        return em_error_refuse(err, EM_E_DENIED, ACCOUNTS_INVALID_TOKEN, "the session has ended");
    *who = claimed;
    snprintf(who->role, sizeof who->role, "%s", u->role);
    return EM_OK;
}

/* Files of the system's zoneinfo directory that load as zones but are not
 * IANA names: the host's own zone (whatever the machine is set to, and may
 * be set to tomorrow), the rules file, and the directories that copy every
 * zone (with and without leap seconds). */
static bool system_zone_file(const char *name)
{
    static const char *const files[] = {"localtime", "posixrules"};
    static const char *const dirs[] = {"posix/", "right/"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (strcmp(name, files[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (strncmp(name, dirs[i], strlen(dirs[i])) == 0)
            return true;
    return false;
}

/* A time zone a user may choose: a well-formed IANA name whose zone the
 * system's tzdata holds and that loads. */
static int check_time_zone(const char *name, em_error *err)
{
    em_error why = {0};
    int rc = system_zone_file(name) ? EM_E_INVAL : tz_name_check(name, &why);
    if (rc == EM_OK && strcmp(name, "UTC") != 0) {
        tz_zone *zone = NULL;
        rc = tz_load(name, &zone, &why);
        tz_free(zone);
    }
    if (rc != EM_OK)
        return em_error_set(err, EM_E_INVAL, "time_zone must be an IANA time zone name such as Europe/Paris");
    return EM_OK;
}

int accounts_update_profile(accounts *a, db *d, const char *user_id, const char *display_name,
                            const char *raw_email, const char *time_zone, const char *current_password,
                            const char *keep_family, const char *ip, user *out, em_error *err)
{
    account_changes ch = {display_name, raw_email, time_zone, 0, -1};
    return accounts_update(a, d, user_id, &ch, current_password, keep_family, ip, out, err);
}

int accounts_update(accounts *a, db *d, const char *user_id, const account_changes *ch,
                    const char *current_password, const char *keep_family, const char *ip, user *out,
                    em_error *err)
{
    char email[EMAIL_MAX + 1];
    const char *display_name = ch->display_name, *raw_email = ch->email, *time_zone = ch->time_zone;
    bool review = ch->desired_retention != 0 || ch->day_rollover_hour != -1;
    if (display_name == NULL && raw_email == NULL && time_zone == NULL && !review)
        return em_error_refuse(
            err, EM_E_INVAL, ACCOUNTS_VALIDATION,
            "give display_name, email, time_zone, desired_retention and/or day_rollover_hour");
    if (ch->desired_retention != 0 &&
        !(ch->desired_retention >= ACCOUNTS_RETENTION_MIN && ch->desired_retention <= ACCOUNTS_RETENTION_MAX))
        return em_error_set(err, EM_E_INVAL, "desired_retention must be a number from %.2f to %.2f",
                            ACCOUNTS_RETENTION_MIN, ACCOUNTS_RETENTION_MAX);
    if (ch->day_rollover_hour != -1 && (ch->day_rollover_hour < 0 || ch->day_rollover_hour > 23))
        return em_error_set(err, EM_E_INVAL, "day_rollover_hour must be a whole number from 0 to 23");
    if (display_name != NULL && strlen(display_name) > USER_NAME_MAX)
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION,
                               "display_name must be a string of at most %d bytes", USER_NAME_MAX);
    if (time_zone != NULL && check_time_zone(time_zone, err) != EM_OK)
        return EM_E_INVAL;
    int rc = raw_email != NULL ? normalize_email(raw_email, email, err) : EM_OK;
    if (rc != EM_OK)
        return rc;
    if (raw_email != NULL) {
        /* Whoever holds a session must not be able to move the account away
         * from its owner: the email is the account's name and its recovery. */
        if (current_password == NULL)
            return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION,
                                   "changing the email needs current_password");
        rc = limit_attempt(a, "password", ip, user_id, err);
        if (rc != EM_OK)
            return rc;
        user me;
        rc = users_get_by_id(d, user_id, &me, err);
        if (rc != EM_OK)
            return rc;
        if (me.password_hash[0] == '\0' || !password_verify(me.password_hash, current_password)) {
            audit_record(d, "email_change_failed", user_id, NULL, ip, NULL);
            return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_INVALID_CREDENTIALS,
                                   "the current password is not correct");
        }
    }
    rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    if (display_name != NULL || raw_email != NULL)
        rc = users_update_profile(d, user_id, display_name, raw_email != NULL ? email : NULL, err);
    if (rc == EM_OK && time_zone != NULL)
        rc = users_set_time_zone(d, user_id, time_zone, err);
    if (rc == EM_OK && review)
        rc = users_set_review_settings(d, user_id, ch->desired_retention, ch->day_rollover_hour, err);
    if (rc == EM_OK && raw_email != NULL)
        rc = refresh_revoke_user_except(d, user_id, keep_family, clock_now_ms(), err);
    if (rc == EM_OK)
        rc = users_get_by_id(d, user_id, out, err);
    if (rc == EM_OK && raw_email != NULL)
        audit_record(d, "email_changed", user_id, NULL, ip, NULL);
    return finish(d, rc, err);
}

int accounts_change_password(accounts *a, db *d, const char *user_id, const char *current, const char *next,
                             const char *ip, em_error *err)
{
    if (current == NULL || next == NULL)
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION,
                               "current_password and new_password are required");
    /* Guessing the current password this way is limited like logins. */
    int rc = limit_attempt(a, "password", ip, user_id, err);
    if (rc != EM_OK)
        return rc;
    user u;
    rc = users_get_by_id(d, user_id, &u, err);
    if (rc != EM_OK)
        return rc;
    if (u.password_hash[0] == '\0' || !password_verify(u.password_hash, current)) {
        audit_record(d, "password_change_failed", u.id, NULL, ip, NULL);
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_INVALID_CREDENTIALS,
                               "the current password is not correct");
    }
    char hash[PASSWORD_HASH_MAX];
    rc = new_password(a, next, u.email, hash, err);
    if (rc == EM_OK)
        rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    /* The new password and the end of every session, together. */
    rc = users_set_password(d, u.id, hash, err);
    if (rc == EM_OK)
        rc = refresh_revoke_user(d, u.id, clock_now_ms(), err);
    if (rc == EM_OK)
        audit_record(d, "password_changed", u.id, NULL, ip, NULL);
    return finish(d, rc, err);
}

/* ---- admins ---- */

int accounts_admin_update(accounts *a, db *d, const principal *admin, const char *user_id, const char *role,
                          int active, const char *ip, user *out, em_error *err)
{
    (void)a;
    if (role == NULL && active < 0)
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION, "give role and/or is_active");
    if (role != NULL && !users_role_valid(role))
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION,
                               "role must be student, tutor or admin; is_active a boolean");
    if (strcmp(user_id, admin->user_id) == 0)
        return em_error_set(err, EM_E_CONFLICT, "admins cannot change their own role or status");
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    user before;
    rc = users_get_by_id(d, user_id, &before, err);
    if (rc == EM_OK)
        rc = users_set_role_active(d, user_id, role, active, err);
    if (rc == EM_OK && active == 0)
        rc = refresh_revoke_user(d, user_id, clock_now_ms(), err);
    if (rc == EM_OK)
        rc = users_get_by_id(d, user_id, out, err);
    int64_t dropped = 0;
    if (rc == EM_OK)
        rc = authz_role_changed(d, user_id, before.role, out->role, &dropped, err);
    if (rc == EM_OK && strcmp(before.role, out->role) != 0)
        audit_record(d, "role_changed", user_id, admin->user_id, ip,
                     json_pack("{s:s, s:s, s:I}", "from", before.role, "to", out->role, "assignments_ended",
                               (json_int_t)dropped));
    if (rc == EM_OK && before.is_active != out->is_active)
        audit_record(d, out->is_active ? "account_enabled" : "account_disabled", user_id, admin->user_id, ip,
                     NULL);
    return finish(d, rc, err);
}

int accounts_assign_students(accounts *a, db *d, const principal *admin, const char *tutor_id,
                             const char *const *student_ids, size_t n, const char *ip, int *added,
                             em_error *err)
{
    (void)a;
    *added = 0;
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    json_t *ids = json_array();
    for (size_t i = 0; i < n && rc == EM_OK; i++) {
        bool created = false;
        rc = authz_assign_student(d, tutor_id, student_ids[i], &created, err);
        if (rc == EM_E_INVAL)
            err->reason = ACCOUNTS_VALIDATION;
        *added += created;
        json_array_append_new(ids, json_string(student_ids[i]));
    }
    if (rc == EM_OK)
        audit_record(d, "tutor_assigned", tutor_id, admin->user_id, ip,
                     json_pack("{s:o}", "student_ids", ids));
    else
        json_decref(ids);
    rc = finish(d, rc, err);
    if (rc != EM_OK)
        *added = 0;
    return rc;
}

int accounts_tutor_students(db *d, const char *tutor_id, int limit, int offset, user *out, size_t max,
                            size_t *n, int64_t *total, em_error *err)
{
    *n = 0;
    *total = 0;
    user tutor;
    int rc = users_get_by_id(d, tutor_id, &tutor, err);
    if (rc == EM_OK && strcmp(tutor.role, "tutor") != 0) {
        rc = em_error_set(err, EM_E_INVAL, "the account %s is not a tutor", tutor_id);
        err->reason = ACCOUNTS_VALIDATION;
    }
    if (rc == EM_OK)
        rc = users_list(d, &(users_filter){.tutor_id = tutor_id}, limit, offset, out, max, n, total, err);
    return rc;
}

int accounts_unassign_student(accounts *a, db *d, const principal *admin, const char *tutor_id,
                              const char *student_id, const char *ip, em_error *err)
{
    (void)a;
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = authz_unassign_student(d, tutor_id, student_id, err);
    if (rc == EM_OK)
        audit_record(d, "tutor_unassigned", tutor_id, admin->user_id, ip,
                     json_pack("{s:s}", "student_id", student_id));
    return finish(d, rc, err);
}

/* ---- operators ---- */

int accounts_ensure_superuser(accounts *a, db *d, const char *raw_email, const char *password,
                              bool compare_password, superuser_state *state, em_error *err)
{
    char email[EMAIL_MAX + 1];
    int rc = normalize_email(raw_email, email, err);
    if (rc != EM_OK)
        return rc;
    user u;
    rc = users_get_by_email(d, email, &u, err);
    if (rc == EM_OK) {
        if (strcmp(u.role, "admin") != 0)
            *state = SUPERUSER_NOT_ADMIN;
        else if (compare_password &&
                 (u.password_hash[0] == '\0' || !password_verify(u.password_hash, password)))
            *state = SUPERUSER_PASSWORD_DIFFERS;
        else
            *state = SUPERUSER_EXISTS;
        return EM_OK;
    }
    if (rc != EM_E_NOT_FOUND)
        return rc;
    char hash[PASSWORD_HASH_MAX];
    rc = hash_password(a, password, hash, err);
    if (rc == EM_OK)
        rc = users_create(d, email, hash, "Administrator", "admin", &u, err);
    if (rc == EM_E_CONFLICT) { /* another instance created it at the same moment */
        *state = SUPERUSER_EXISTS;
        return EM_OK;
    }
    if (rc == EM_OK) {
        *state = SUPERUSER_CREATED;
        audit_record(d, "superuser_created", u.id, NULL, NULL, NULL);
    }
    return rc;
}

int accounts_create(accounts *a, db *d, const char *raw_email, const char *password, const char *display_name,
                    const char *role, user *out, em_error *err)
{
    char email[EMAIL_MAX + 1];
    char hash[PASSWORD_HASH_MAX];
    if (!users_role_valid(role))
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION, "role must be student, tutor or admin");
    int rc = normalize_email(raw_email, email, err);
    if (rc == EM_OK)
        rc = new_password(a, password, email, hash, err);
    if (rc == EM_OK)
        rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = users_create(d, email, hash, display_name, role, out, err);
    if (rc == EM_OK)
        audit_record(d, "account_created", out->id, NULL, NULL, json_pack("{s:s}", "role", role));
    return finish(d, rc, err);
}

int accounts_set_password(accounts *a, db *d, const char *raw_email, const char *password, em_error *err)
{
    char email[EMAIL_MAX + 1];
    char hash[PASSWORD_HASH_MAX];
    user u;
    int rc = normalize_email(raw_email, email, err);
    if (rc == EM_OK)
        rc = new_password(a, password, email, hash, err);
    if (rc == EM_OK)
        rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = users_get_by_email(d, email, &u, err);
    if (rc == EM_OK)
        rc = users_set_password(d, u.id, hash, err);
    if (rc == EM_OK)
        rc = refresh_revoke_user(d, u.id, clock_now_ms(), err);
    if (rc == EM_OK)
        audit_record(d, "password_set", u.id, NULL, NULL, json_pack("{s:s}", "by", "operator"));
    return finish(d, rc, err);
}

int accounts_set_role(accounts *a, db *d, const char *raw_email, const char *role, user *out, em_error *err)
{
    (void)a;
    char email[EMAIL_MAX + 1];
    user before;
    if (!users_role_valid(role))
        return em_error_refuse(err, EM_E_INVAL, ACCOUNTS_VALIDATION, "role must be student, tutor or admin");
    int rc = normalize_email(raw_email, email, err);
    if (rc == EM_OK)
        rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = users_get_by_email(d, email, &before, err);
    if (rc == EM_OK)
        rc = users_set_role_active(d, before.id, role, -1, err);
    if (rc == EM_OK)
        rc = users_get_by_id(d, before.id, out, err);
    int64_t dropped = 0;
    if (rc == EM_OK)
        rc = authz_role_changed(d, before.id, before.role, role, &dropped, err);
    if (rc == EM_OK && strcmp(before.role, role) != 0)
        audit_record(d, "role_changed", before.id, NULL, NULL,
                     json_pack("{s:s, s:s, s:s, s:I}", "from", before.role, "to", role, "by", "operator",
                               "assignments_ended", (json_int_t)dropped));
    return finish(d, rc, err);
}
