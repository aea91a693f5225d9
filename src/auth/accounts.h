/* accounts: the account use cases, what a person does with an account and what
 * an admin or operator does to one: register, log in, refresh and log out,
 * authenticate a request, change profile or password, change a role, assign
 * students to a tutor, and the first superuser.
 *
 * Each use case is one transaction (db.h's nesting rule) with its audit record
 * (audit.h), and owns its policy: the password rules, the attempt limits per
 * address and per account (AUTH_RATE_LIMIT), and the timing equaliser that
 * makes a login for an unknown email cost one password check like a known one
 * (its hash is made once, by accounts_prepare_logins). The HTTP layer only
 * parses and answers.
 *
 * Refusals carry an em_error reason the API answers as its error code:
 * ACCOUNTS_VALIDATION, ACCOUNTS_WEAK_PASSWORD, ACCOUNTS_INVALID_CREDENTIALS,
 * ACCOUNTS_DISABLED, ACCOUNTS_INVALID_TOKEN, ACCOUNTS_TOKEN_REUSED; a limited
 * attempt is EM_E_RATE_LIMITED with retry_after_s. A handle is safe to share
 * between threads. */
#ifndef EM_AUTH_ACCOUNTS_H
#define EM_AUTH_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/password.h"
#include "auth/token.h"
#include "auth/users.h"
#include "core/err.h"
#include "db/db.h"

/* em_error reasons (static strings; the API's error codes). */
#define ACCOUNTS_VALIDATION EM_REASON_VALIDATION           /* EM_E_INVAL: a field is malformed */
#define ACCOUNTS_WEAK_PASSWORD "weak_password"             /* EM_E_INVAL: the password policy says no */
#define ACCOUNTS_INVALID_CREDENTIALS "invalid_credentials" /* EM_E_DENIED: email or password wrong */
#define ACCOUNTS_DISABLED "account_disabled"               /* EM_E_FORBIDDEN */
#define ACCOUNTS_INVALID_TOKEN "invalid_token"             /* EM_E_DENIED: unknown or expired refresh token */
#define ACCOUNTS_TOKEN_REUSED "token_reused" /* EM_E_DENIED: a spent refresh token; its family is revoked */

/* What the use cases are configured with (borrowed strings must outlive the
 * handle). */
typedef struct accounts_settings {
    const char *secret_key; /* SECRET_KEY: signs access tokens */
    int access_ttl_s;       /* ACCESS_TOKEN_MINUTES * 60 */
    int refresh_ttl_days;   /* REFRESH_TOKEN_DAYS */
    password_cost cost;     /* ARGON2_OPSLIMIT, ARGON2_MEMLIMIT_KB */
    int rate_limit;         /* AUTH_RATE_LIMIT: attempts per window, per address and per account */
    int rate_window_s;
    struct redis *shared; /* REDIS_URL: the attempt windows shared by every process (may be NULL) */
} accounts_settings;

typedef struct accounts accounts;

/* Make the handle: starts libsodium, sizes the attempt table. Free with
 * accounts_free (NULL is a no-op). */
int accounts_new(const accounts_settings *s, accounts **out /* OUT */, em_error *err);
/* Hash the timing equaliser's random password, once per handle (later calls
 * return at once): an argon2id hash at ARGON2_* cost, so a server calls it
 * before it listens (and learns then that the cost can be paid: EM_E_NOMEM
 * otherwise), and commands that log nobody in never pay it. A login for an
 * unknown email makes it when nobody has. */
int accounts_prepare_logins(accounts *a, em_error *err);
void accounts_free(accounts *a);
const accounts_settings *accounts_settings_of(const accounts *a);

/* A signed-in session: what register, login and refresh hand the client. */
typedef struct account_tokens {
    user user;                         /* the account as stored now */
    char access[ACCESS_TOKEN_MAX + 1]; /* JWT, valid access_ttl_s */
    char refresh[REFRESH_TOKEN_LEN + 1];
    char family[37]; /* the session: the refresh family both belong to */
    int expires_in;  /* seconds */
} account_tokens;

/* ---- a person and their account ---- */

/* A new student account, signed in. Email normalised and unique (EM_E_CONFLICT),
 * display name at most USER_NAME_MAX bytes, password by the policy. Limited
 * per address and per email. */
int accounts_register(accounts *a, db *d, const char *email, const char *password, const char *display_name,
                      const char *ip, account_tokens *out /* OUT */, em_error *err);
/* Email and password to a session. A wrong email or password is the same
 * refusal at the same cost; a disabled account is ACCOUNTS_DISABLED (only
 * once the password is right). Re-hashes a password made with an older cost. */
int accounts_login(accounts *a, db *d, const char *email, const char *password, const char *ip,
                   account_tokens *out /* OUT */, em_error *err);
/* Exchange a refresh token for a new pair (refresh.h's rotation and reuse
 * detection). Limited per address and per the token's owner. */
int accounts_refresh(accounts *a, db *d, const char *refresh_token, const char *ip,
                     account_tokens *out /* OUT */, em_error *err);
/* End the session of a refresh token. An unknown token is not an error
 * (logging out is idempotent). */
int accounts_logout(accounts *a, db *d, const char *refresh_token, const char *ip, em_error *err);
/* Who an access token speaks for, as the account and its session are now: a
 * disabled or deleted account, and a session that ended (logout, a password
 * change, a disabled account: its refresh family revoked or expired), are
 * ACCOUNTS_INVALID_TOKEN even while the token is unexpired, and the role is
 * the current one. *account (may be NULL) receives the row. */
int accounts_authenticate(accounts *a, db *d, const char *access_token, principal *who /* OUT */,
                          user *account /* OUT */, em_error *err);
/* Change display name, email and/or time zone (NULL keeps a field). A new
 * email needs the current password (ACCOUNTS_INVALID_CREDENTIALS with
 * EM_E_INVAL when it is wrong or missing; limited like password changes) and
 * ends every other session of the account (all but `keep_family`, the
 * caller's). A time zone is an IANA name that names a zone of the system's
 * tzdata (core/tz.h); anything else is EM_E_INVAL without a reason (400
 * invalid_request), its message naming the field. *out receives the row. */
int accounts_update_profile(accounts *a, db *d, const char *user_id, const char *display_name,
                            const char *email, const char *time_zone, const char *current_password,
                            const char *keep_family, const char *ip, user *out /* OUT */, em_error *err);

#define ACCOUNTS_RETENTION_MIN 0.7
#define ACCOUNTS_RETENTION_MAX 0.99
/* What a user may change of their own account; every member may be left as it is. */
typedef struct account_changes {
    const char *display_name, *email, *time_zone; /* NULL: keep */
    double desired_retention; /* 0: keep; else ACCOUNTS_RETENTION_MIN..MAX: the recall reviews aim for */
    int day_rollover_hour;    /* -1: keep; else 0..23: the local hour a review day starts */
} account_changes;
/* accounts_update_profile with the review settings too, in one transaction; a
 * setting out of its range is EM_E_INVAL without a reason, naming it. */
int accounts_update(accounts *a, db *d, const char *user_id, const account_changes *ch,
                    const char *current_password, const char *keep_family, const char *ip,
                    user *out /* OUT */, em_error *err);
/* Change the password knowing the current one, ending every session. Limited
 * per address and per account. A wrong current password is
 * ACCOUNTS_INVALID_CREDENTIALS with EM_E_INVAL (400: the caller is signed in). */
int accounts_change_password(accounts *a, db *d, const char *user_id, const char *current, const char *next,
                             const char *ip, em_error *err);

/* ---- admins ---- */

/* Change a user's role (NULL keeps it) and/or activity (-1 keeps it); disabling
 * ends the account's sessions. An admin cannot change their own (EM_E_CONFLICT:
 * nobody might be left to undo it). A role change ends the assignments the old
 * role had (authz_role_changed): a former tutor keeps no students, a former
 * student no tutors. */
int accounts_admin_update(accounts *a, db *d, const principal *admin, const char *user_id, const char *role,
                          int active, const char *ip, user *out /* OUT */, em_error *err);
/* Assign students to a tutor, all or none. *added counts new assignments.
 * ACCOUNTS_VALIDATION when an account has the wrong role; EM_E_NOT_FOUND when
 * one is missing. */
int accounts_assign_students(accounts *a, db *d, const principal *admin, const char *tutor_id,
                             const char *const *student_ids, size_t n, const char *ip, int *added /* OUT */,
                             em_error *err);

/* A page of the students assigned to tutor_id, newest account first (as
 * users_list). EM_E_NOT_FOUND for no such account, EM_E_INVAL (reason
 * ACCOUNTS_VALIDATION) for an account that is not a tutor. */
int accounts_tutor_students(db *d, const char *tutor_id, int limit, int offset, user *out /* OUT */,
                            size_t max, size_t *n /* OUT */, int64_t *total /* OUT */, em_error *err);
/* End a tutor's assignment to a student; EM_E_NOT_FOUND when there is none. */
int accounts_unassign_student(accounts *a, db *d, const principal *admin, const char *tutor_id,
                              const char *student_id, const char *ip, em_error *err);

/* ---- operators ---- */

typedef enum superuser_state {
    SUPERUSER_CREATED, /* the account was made now, with the given password */
    SUPERUSER_EXISTS,  /* an admin with that email exists and the password matches (or was not compared) */
    SUPERUSER_PASSWORD_DIFFERS, /* an admin with that email exists; the given password is not its password */
    SUPERUSER_NOT_ADMIN         /* an account with that email exists and is not an admin */
} superuser_state;

/* The first admin from FIRST_SUPERUSER / FIRST_SUPERUSER_PASSWORD: created
 * when no account has that email (the password's strength is the
 * configuration check's business: config.h). With compare_password, an
 * existing admin's password is checked against the given one, so the operator
 * learns that the variable is ignored. */
int accounts_ensure_superuser(accounts *a, db *d, const char *email, const char *password,
                              bool compare_password, superuser_state *state /* OUT */, em_error *err);
/* An account with a role, made by an operator (`exammentor users create`). */
int accounts_create(accounts *a, db *d, const char *email, const char *password, const char *display_name,
                    const char *role, user *out /* OUT */, em_error *err);
/* Set a password by email (an operator's recovery), ending every session. */
int accounts_set_password(accounts *a, db *d, const char *email, const char *password, em_error *err);
/* Set a role by email (an operator's recovery); assignments as for
 * accounts_admin_update. */
int accounts_set_role(accounts *a, db *d, const char *email, const char *role, user *out /* OUT */,
                      em_error *err);

#endif
