/* signed_url: expiring download links that need no session.
 *
 * Verification recomputes the signature over the expiry digits exactly as the
 * token writes them and compares the two base64url texts with sodium_memcmp,
 * so every change to the token, however small, is a mismatch, and the time
 * taken does not depend on where the texts differ. */
#include "content/signed_url.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/num.h"

#define SIG_B64_LEN 43 /* base64url of 32 bytes, no padding */
#define DIGITS_MAX 19  /* INT64_MAX has 19 digits */

/* The base64url signature for id and the expiry digits into sig (at least
 * SIG_B64_LEN + 1 bytes). */
static int sign(const char *secret, const char *id, const char *digits, size_t n_digits, char *sig)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    if (sodium_init() < 0)
        return EM_E_INTERNAL;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"download:", 9);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)":", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)digits, n_digits);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(sig, SIG_B64_LEN + 1, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(&st, sizeof st);
    return EM_OK;
}

int signed_url_make(const char *secret, const char *id, int64_t expires_unix, char *out, size_t out_len)
{
    if (out_len > 0)
        out[0] = '\0';
    if (secret == NULL || secret[0] == '\0' || id == NULL || id[0] == '\0' || expires_unix < 0)
        return EM_E_INVAL;
    char digits[DIGITS_MAX + 1];
    int nd = snprintf(digits, sizeof digits, "%" PRId64, expires_unix);
    if (nd <= 0 || (size_t)nd >= sizeof digits)
        return EM_E_INTERNAL;
    char sig[SIG_B64_LEN + 1];
    int rc = sign(secret, id, digits, (size_t)nd, sig);
    if (rc != EM_OK)
        return rc;
    int n = snprintf(out, out_len, "%s.%s", digits, sig);
    if (n < 0 || (size_t)n >= out_len) {
        if (out_len > 0)
            out[0] = '\0';
        return EM_E_TOO_LARGE;
    }
    return EM_OK;
}

int signed_url_verify(const char *secret, const char *id, const char *token, int64_t now_unix)
{
    if (secret == NULL || secret[0] == '\0' || id == NULL || id[0] == '\0' || token == NULL)
        return EM_E_INVAL;
    size_t tl = strnlen(token, SIGNED_URL_TOKEN_MAX + 1);
    if (tl > SIGNED_URL_TOKEN_MAX)
        return EM_E_INVAL;

    /* expiry: digits as signed_url_make writes them (no leading zero unless
     * it is "0"), within int64_t, then a '.' */
    const char *dot = memchr(token, '.', tl);
    if (dot == NULL)
        return EM_E_INVAL;
    size_t nd = (size_t)(dot - token);
    int64_t expires = 0;
    if ((nd > 1 && token[0] == '0') || num_parse_int64(token, nd, NUM_UNSIGNED, 0, INT64_MAX, &expires) != EM_OK)
        return EM_E_INVAL;
    const char *given = token + nd + 1;
    if (tl - nd - 1 != SIG_B64_LEN)
        return EM_E_INVAL;

    char want[SIG_B64_LEN + 1];
    int rc = sign(secret, id, token, nd, want);
    if (rc != EM_OK)
        return rc;
    if (sodium_memcmp(want, given, SIG_B64_LEN) != 0)
        return EM_E_INVAL;
    return now_unix > expires ? EM_E_TIMEOUT : EM_OK;
}
