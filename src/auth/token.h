/* token: access tokens (JWT HS256 signed with SECRET_KEY, through libjwt) and
 * refresh token material (random, stored only as a hash).
 *
 * An access token carries sub (user id), role, fam (the refresh token family
 * it was issued with: the session it belongs to), iat, exp and a random jti. Only
 * HS256 is accepted: a token whose header names another algorithm ("none",
 * HS512, RS256) is rejected before its signature is looked at, as are expired,
 * not-yet-valid, tampered and wrong-key tokens. */
#ifndef EM_AUTH_TOKEN_H
#define EM_AUTH_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define TOKEN_USER_ID_MAX 36
#define TOKEN_ROLE_MAX 15
#define REFRESH_TOKEN_LEN 43    /* 32 random bytes, base64url without padding */
#define REFRESH_HASH_LEN 64     /* SHA-256, lowercase hex */
#define ACCESS_TOKEN_MAX 2048   /* longest Authorization token looked at */

/* Who a verified access token speaks for. */
typedef struct principal {
    char user_id[TOKEN_USER_ID_MAX + 1];
    char role[TOKEN_ROLE_MAX + 1];   /* "student", "tutor" or "admin" */
    char family[TOKEN_USER_ID_MAX + 1]; /* the refresh family (session) the token belongs to */
    int64_t expires_at;              /* exp, seconds since the epoch */
} principal;

/* Issue an access token valid for ttl_s seconds from now_s. *out is owned (free
 * with free()). The key is the raw SECRET_KEY text (at least 32 bytes outside
 * local). */
int token_issue_access(const char *key, const char *user_id, const char *role, const char *family, int64_t now_s,
                       int ttl_s, char **out /* OUT */, em_error *err);
/* Verify signature, algorithm, exp/iat/nbf (60 s leeway for clock skew) and the
 * claims' shape. EM_E_INVAL ("invalid token") or EM_E_TIMEOUT ("token expired")
 * with a message safe to show; *out untouched on failure. */
int token_verify_access(const char *key, const char *token, int64_t now_s, principal *out /* OUT */,
                        em_error *err);

/* A new refresh token (32 bytes from libsodium's CSPRNG, base64url). */
void token_new_refresh(char out[REFRESH_TOKEN_LEN + 1]);
/* The stored form of a refresh token: SHA-256 hex of its text. Only this is
 * kept in the database, so a database leak does not leak usable tokens. */
void token_hash_refresh(const char *token, char out[REFRESH_HASH_LEN + 1]);

/* A random token for CSRF double-submit cookies (same shape as refresh tokens). */
void token_new_csrf(char out[REFRESH_TOKEN_LEN + 1]);

#endif
