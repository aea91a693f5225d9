/* signed_url: expiring download links that need no session.
 *
 * A token names one object id and an expiry time and carries an HMAC-SHA256
 * over both under a server secret, so a link can be handed to a browser or a
 * download manager and checked without a database look-up:
 *
 *   token = "<expires unix seconds>.<base64url(HMAC-SHA256(secret, "download:" id ":" expires))>"
 *
 * base64url is without padding (43 characters). The expiry is decimal with no
 * sign and no leading zeros. Pure functions, thread-safe. */
#ifndef EM_CONTENT_SIGNED_URL_H
#define EM_CONTENT_SIGNED_URL_H

#include <stddef.h>
#include <stdint.h>

/* The longest token: 19 digits, '.', 43 characters of signature. */
#define SIGNED_URL_TOKEN_MAX 63

/* Write the token for id and expires_unix into out (out_len bytes including
 * the NUL; SIGNED_URL_TOKEN_MAX + 1 always suffices). EM_OK; EM_E_INVAL for an
 * empty secret or id or a negative time; EM_E_TOO_LARGE when out is too small
 * (out is "" then). */
int signed_url_make(const char *secret, const char *id, int64_t expires_unix, char *out, size_t out_len);

/* Check a token for id at time now_unix. EM_OK; EM_E_INVAL when the token is
 * malformed or its signature does not match (compared in constant time);
 * EM_E_TIMEOUT when it is genuine but expired (now_unix > expires). The
 * signature is checked first, so a forged expiry is never reported as
 * expired. */
int signed_url_verify(const char *secret, const char *id, const char *token, int64_t now_unix);

#endif
