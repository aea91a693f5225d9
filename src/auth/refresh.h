/* refresh: refresh tokens, kept as families that rotate on every use.
 *
 * A login starts a family with one token. Presenting a token exchanges it for a
 * new one in the same family and marks the old one used. Presenting a token
 * that was already used means two parties hold the same token (it leaked), so
 * the whole family is revoked and both lose the session: the reuse detection of
 * OAuth 2.0 security best practice. Only SHA-256 hashes of tokens are stored.
 * Every call that writes is atomic: it wraps itself in db_begin/db_commit,
 * which nests (a savepoint) inside a caller's transaction (db.h). */
#ifndef EM_AUTH_REFRESH_H
#define EM_AUTH_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"

/* Start a family for user_id; the new token goes to `token`, the family's id
 * to `family` (may be NULL). */
int refresh_start(db *d, const char *user_id, int64_t now_ms, int ttl_days,
                  char token[REFRESH_TOKEN_LEN + 1] /* OUT */, char family[37] /* OUT */, em_error *err);

/* Exchange `presented` for a new token. On success the new token is in
 * new_token, its owner in user_id and its family in `family` (may be NULL). EM_E_NOT_FOUND: unknown, expired or
 * revoked. EM_E_CONFLICT: reuse of a used token; the family is now revoked and
 * user_id names its owner (for the audit log). */
int refresh_rotate(db *d, const char *presented, int64_t now_ms, int ttl_days,
                   char new_token[REFRESH_TOKEN_LEN + 1] /* OUT */, char user_id[37] /* OUT */,
                   char family[37] /* OUT */, em_error *err);

/* The rule for a live session, as an SQL condition over three bound parameters
 * (the user's id, the family's id, now as ISO-8601 text): the family belongs
 * to the user, and one of its tokens is neither revoked nor expired. An access
 * token issued with a family is good only while this holds; it is checked
 * inside the account lookup every authenticated request makes
 * (users_get_session), so it costs no query of its own. */
#define REFRESH_SESSION_ALIVE_SQL(user_ph, family_ph, now_ph)                                                 \
    "EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = " family_ph " AND user_id = " user_ph           \
    " AND revoked_at IS NULL AND expires_at > " now_ph ")"

/* The owner of `presented` whatever its state (used, revoked, expired), for
 * per-account limits before any change is made; EM_E_NOT_FOUND when unknown. */
int refresh_owner(db *d, const char *presented, char user_id[37] /* OUT */, em_error *err);

/* Logout: revoke the family of `presented` (EM_E_NOT_FOUND if it is unknown);
 * user_id (may be NULL) receives the owner. */
int refresh_revoke(db *d, const char *presented, int64_t now_ms, char user_id[37] /* OUT */,
                   em_error *err);
/* Revoke every family of a user (password change, deactivation). */
int refresh_revoke_user(db *d, const char *user_id, int64_t now_ms, em_error *err);
/* Revoke every family of a user but `keep_family` (the session making the
 * change: an email change ends the others). */
int refresh_revoke_user_except(db *d, const char *user_id, const char *keep_family, int64_t now_ms, em_error *err);

/* Delete refresh tokens that expired, or were used or revoked, more than
 * keep_days ago (maintenance; the periodic job auth.purge_refresh_tokens).
 * *deleted (may be NULL) receives the count. */
int refresh_purge(db *d, int64_t now_ms, int keep_days, int64_t *deleted /* OUT */, em_error *err);

#endif
