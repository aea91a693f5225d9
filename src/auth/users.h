/* users: the accounts table. Emails are stored normalised (password.h's
 * email_normalize); password hashes never leave this module except to the login
 * check. Everything takes a connection from the caller, so a use case
 * (accounts.h) can group calls in one transaction. */
#ifndef EM_AUTH_USERS_H
#define EM_AUTH_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/password.h"
#include "core/tz.h"
#include "core/err.h"
#include "db/db.h"

#define USER_NAME_MAX 200 /* display name, bytes */

typedef struct user {
    char id[37];
    char email[EMAIL_MAX + 1];
    char display_name[USER_NAME_MAX + 1];
    char role[16]; /* student | tutor | admin */
    bool is_active;
    char created_at[40]; /* ISO-8601 UTC */
    char updated_at[40];
    char time_zone[TZ_NAME_MAX + 1];       /* IANA name ("Pacific/Auckland"); "UTC" by default */
    char password_hash[PASSWORD_HASH_MAX]; /* "" when the account has no password */
    double desired_retention;              /* the recall reviews aim for, 0.7..0.99 (0.9) */
    int day_rollover_hour;                 /* local hour the review day starts at, 0..23 (4) */
} user;

/* True for "student", "tutor", "admin". */
bool users_role_valid(const char *role);

/* Create an account; EM_E_CONFLICT when the email is taken. *out (may be NULL)
 * receives the stored row. */
int users_create(db *d, const char *email, const char *password_hash, const char *display_name,
                 const char *role, user *out /* OUT */, em_error *err);
/* EM_E_NOT_FOUND when absent. */
int users_get_by_email(db *d, const char *email, user *out /* OUT */, em_error *err);
int users_get_by_id(db *d, const char *id, user *out /* OUT */, em_error *err);
/* The account `id` as it is now and whether `family` is one of its live
 * sessions (refresh.h's rule) at now_ms, in one lookup: what every
 * authenticated request needs. EM_E_NOT_FOUND when there is no such account. */
int users_get_session(db *d, const char *id, const char *family, int64_t now_ms, user *out /* OUT */,
                      bool *session_alive /* OUT */, em_error *err);

/* Change display name and/or email (NULL keeps the field). EM_E_CONFLICT for a
 * taken email, EM_E_NOT_FOUND for no such user. */
int users_update_profile(db *d, const char *id, const char *display_name, const char *email, em_error *err);
/* Set the account's time zone (a name already checked, see
 * accounts_update_profile). EM_E_NOT_FOUND for no such user. */
int users_set_time_zone(db *d, const char *id, const char *time_zone, em_error *err);
/* Set the review settings: desired_retention (0 keeps it) and
 * day_rollover_hour (-1 keeps it); the caller checks their ranges (the table
 * refuses others with EM_E_INVAL). */
int users_set_review_settings(db *d, const char *id, double desired_retention, int day_rollover_hour,
                              em_error *err);
int users_set_password(db *d, const char *id, const char *password_hash, em_error *err);
/* Change role (NULL keeps it) and/or is_active (-1 keeps it). */
int users_set_role_active(db *d, const char *id, const char *role, int active, em_error *err);

/* Which users users_list lists: NULL fields do not filter. */
typedef struct users_filter {
    const char *role;     /* of this role */
    const char *tutor_id; /* assigned to this tutor */
} users_filter;

/* A page of users, newest first, as *f selects. *n rows go to out (at most
 * max), *total is the count of all matching rows. */
int users_list(db *d, const users_filter *f, int limit, int offset, user *out /* OUT */, size_t max,
               size_t *n /* OUT */, int64_t *total /* OUT */, em_error *err);

#endif
