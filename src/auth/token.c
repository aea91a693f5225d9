/* token: HS256 access tokens (libjwt 1.10.2) and refresh/CSRF token material
 * (libsodium).
 *
 * libjwt 1.10.2 is used to sign, and to check a token a second time, but it is
 * not trusted to choose what it checks: jwt_decode takes the algorithm from the
 * token's own header, so an "HS512" token signed with our key decodes
 * successfully, it matches algorithm names case-insensitively, and an "alg":
 * "none" token is accepted outright when the key is empty. It also compares
 * signatures with strcmp, which leaks through timing how much of a forged
 * signature is right. token_verify_access therefore does, in order:
 *
 *   1. shape: at most ACCESS_TOKEN_MAX bytes, three base64url segments;
 *   2. header: our own jansson parse; "alg" exactly "HS256", "typ" absent or
 *      exactly "JWT", no "crit";
 *   3. signature: HMAC-SHA256 with libsodium, compared in constant time;
 *   4. jwt_decode with the key, then jwt_get_alg == JWT_ALG_HS256;
 *   5. claims: our own strict parse of the payload (jwt_get_grant_int cannot
 *      tell a missing claim (-1 in this version) or a string (0) from a number).
 *
 * Nothing about a token is logged except why it was refused (at debug level). */
#include "auth/token.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>
#include <sodium.h>

#include "core/ids.h"
#include "core/log.h"

#define LEEWAY_S 60           /* clock skew allowed on exp, iat and nbf */
#define RANDOM_TOKEN_BYTES 32 /* refresh and CSRF tokens */
#define JTI_BYTES 16
#define SIG_B64_LEN 43 /* an HMAC-SHA256 in base64url without padding */

_Static_assert(REFRESH_TOKEN_LEN + 1 ==
                   sodium_base64_ENCODED_LEN(RANDOM_TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
               "REFRESH_TOKEN_LEN must match 32 bytes in base64url");
_Static_assert(REFRESH_HASH_LEN == 2 * crypto_hash_sha256_BYTES, "REFRESH_HASH_LEN must be SHA-256 in hex");
_Static_assert(SIG_B64_LEN + 1 == sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES,
                                                            sodium_base64_VARIANT_URLSAFE_NO_PADDING),
               "SIG_B64_LEN must match HMAC-SHA256 in base64url");

/* The three parts of a compact JWS, borrowed from the token text. */
typedef struct segments {
    const char *head; /* base64url header */
    size_t head_len;
    const char *body; /* base64url payload */
    size_t body_len;
    const char *sig; /* base64url signature */
    size_t sig_len;
} segments;

static bool sodium_ready(void)
{
    /* Thread-safe; 0 the first time, 1 afterwards, -1 on failure. */
    return sodium_init() >= 0;
}

/* For the void functions below: a token that is not random is worse than no
 * token, and libsodium only fails to start when the kernel has no randomness
 * to give, so this follows the out-of-memory policy of core/mem.h. */
static void sodium_ready_or_abort(void)
{
    if (!sodium_ready()) {
        log_msg(LOG_ERROR, "libsodium failed to initialise; cannot make random tokens");
        abort();
    }
}

/* n random bytes as base64url without padding into out (out_size bytes, which
 * must be exactly the encoded length plus the NUL). */
static void random_b64url(char *out, size_t out_size, size_t n)
{
    unsigned char bin[RANDOM_TOKEN_BYTES];

    assert(n <= sizeof bin);
    assert(out_size == sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
    sodium_ready_or_abort();
    randombytes_buf(bin, n);
    sodium_bin2base64(out, out_size, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(bin, sizeof bin);
}

static bool role_is_valid(const char *role)
{
    return strcmp(role, "student") == 0 || strcmp(role, "tutor") == 0 || strcmp(role, "admin") == 0;
}

static bool is_b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Split "head.body.sig" (len bytes): exactly two dots, every other byte from
 * the base64url alphabet, header and payload non-empty. */
static bool split_token(const char *t, size_t len, segments *s /* OUT */)
{
    const char *dot[2];
    int dots = 0;

    for (size_t i = 0; i < len; i++) {
        if (t[i] == '.') {
            if (dots == 2)
                return false;
            dot[dots++] = t + i;
        } else if (!is_b64url_char(t[i])) {
            return false;
        }
    }
    if (dots != 2)
        return false;
    s->head = t;
    s->head_len = (size_t)(dot[0] - t);
    s->body = dot[0] + 1;
    s->body_len = (size_t)(dot[1] - s->body);
    s->sig = dot[1] + 1;
    s->sig_len = (size_t)(t + len - s->sig);
    return s->head_len > 0 && s->body_len > 0;
}

/* Decode one base64url segment and parse it as a JSON object, refusing
 * duplicate keys (two "alg" or two "sub" must not mean different things to
 * us and to libjwt). Returns a new reference, or NULL. */
static json_t *decode_segment(const char *seg, size_t len)
{
    unsigned char bin[ACCESS_TOKEN_MAX]; /* a segment of a bounded token decodes to less */
    size_t bin_len = 0;
    const char *end = NULL;
    json_t *j;

    if (sodium_base642bin(bin, sizeof bin, seg, len, NULL, &bin_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != seg + len)
        return NULL;
    j = json_loadb((const char *)bin, bin_len, JSON_REJECT_DUPLICATES, NULL);
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* "alg" exactly "HS256" (libjwt would take "hs256" too), "typ" absent or
 * exactly "JWT", and no "crit": we understand no header extension, so one
 * that must be understood (RFC 7515, 4.1.11) cannot be honoured. */
static bool header_is_hs256(json_t *h)
{
    json_t *alg = json_object_get(h, "alg");
    json_t *typ = json_object_get(h, "typ");

    if (!json_is_string(alg) || strcmp(json_string_value(alg), "HS256") != 0)
        return false;
    if (typ != NULL && (!json_is_string(typ) || strcmp(json_string_value(typ), "JWT") != 0))
        return false;
    return json_object_get(h, "crit") == NULL;
}

/* HMAC-SHA256 over "head.body" with the key, compared with the decoded
 * signature in constant time, before libjwt (which uses strcmp) sees it. */
static bool signature_is_valid(const char *key, size_t key_len, const segments *s)
{
    unsigned char want[crypto_auth_hmacsha256_BYTES];
    unsigned char got[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    size_t got_len = 0;
    const char *end = NULL;
    bool ok;

    if (s->sig_len != SIG_B64_LEN ||
        sodium_base642bin(got, sizeof got, s->sig, s->sig_len, NULL, &got_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        got_len != sizeof got || end != s->sig + s->sig_len)
        return false;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, key_len);
    /* The signed input is the token text up to the second dot. */
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)s->head, s->head_len + 1 + s->body_len);
    crypto_auth_hmacsha256_final(&st, want);
    ok = sodium_memcmp(want, got, sizeof want) == 0;
    sodium_memzero(&st, sizeof st);
    sodium_memzero(want, sizeof want);
    return ok;
}

/* Check the payload's claims and fill *p. EM_E_INVAL with *why set for a
 * claim that is missing, of the wrong type or out of time; EM_E_TIMEOUT when
 * the token expired more than LEEWAY_S ago. */
static int check_claims(json_t *claims, int64_t now_s, principal *p /* OUT */, const char **why /* OUT */)
{
    json_t *sub = json_object_get(claims, "sub");
    json_t *role = json_object_get(claims, "role");
    json_t *fam = json_object_get(claims, "fam");
    json_t *exp = json_object_get(claims, "exp");
    json_t *iat = json_object_get(claims, "iat");
    json_t *nbf = json_object_get(claims, "nbf");
    json_int_t exp_s, iat_s;

    if (!json_is_string(sub) || !id_is_uuid(json_string_value(sub))) {
        *why = "sub missing or not a UUID";
        return EM_E_INVAL;
    }
    if (!json_is_string(role) || !role_is_valid(json_string_value(role))) {
        *why = "role missing or unknown";
        return EM_E_INVAL;
    }
    if (!json_is_string(fam) || !id_is_uuid(json_string_value(fam))) {
        *why = "fam missing or not a UUID";
        return EM_E_INVAL;
    }
    if (!json_is_integer(exp) || !json_is_integer(iat) || (nbf != NULL && !json_is_integer(nbf))) {
        *why = "exp, iat or nbf missing or not an integer";
        return EM_E_INVAL;
    }
    exp_s = json_integer_value(exp);
    iat_s = json_integer_value(iat);
    /* The arithmetic is on now_s (our clock), never on the token's numbers,
     * so a huge exp cannot overflow. */
    if (iat_s > exp_s || iat_s > now_s + LEEWAY_S) {
        *why = "iat after exp or in the future";
        return EM_E_INVAL;
    }
    if (nbf != NULL && json_integer_value(nbf) > now_s + LEEWAY_S) {
        *why = "not valid yet (nbf)";
        return EM_E_INVAL;
    }
    if (now_s - LEEWAY_S > exp_s) {
        *why = "expired";
        return EM_E_TIMEOUT;
    }
    snprintf(p->user_id, sizeof p->user_id, "%s", json_string_value(sub));
    snprintf(p->role, sizeof p->role, "%s", json_string_value(role));
    snprintf(p->family, sizeof p->family, "%s", json_string_value(fam));
    p->expires_at = exp_s;
    return EM_OK;
}

int token_verify_access(const char *key, const char *token, int64_t now_s, principal *out /* OUT */,
                        em_error *err)
{
    segments seg;
    json_t *header = NULL;
    json_t *claims = NULL;
    jwt_t *jwt = NULL;
    principal p;
    const char *why = "malformed token";
    size_t key_len = 0, len;
    int rc = EM_E_INVAL;

    assert(out != NULL);
    memset(&p, 0, sizeof p);
    /* An empty key would also make libjwt accept "alg":"none". */
    if (key != NULL)
        key_len = strlen(key);
    if (key_len == 0 || key_len > INT_MAX || token == NULL || !sodium_ready()) {
        why = "no key, no token, or libsodium unavailable";
        goto done;
    }
    len = strnlen(token, ACCESS_TOKEN_MAX + 1);
    if (len > ACCESS_TOKEN_MAX) {
        why = "token too long";
        goto done;
    }
    if (!split_token(token, len, &seg))
        goto done;

    header = decode_segment(seg.head, seg.head_len);
    if (header == NULL) {
        why = "header is not base64url JSON";
        goto done;
    }
    if (!header_is_hs256(header)) {
        why = "header does not name HS256/JWT";
        goto done;
    }
    if (!signature_is_valid(key, key_len, &seg)) {
        why = "bad signature";
        goto done;
    }
    if (jwt_decode(&jwt, token, (const unsigned char *)key, (int)key_len) != 0 || jwt == NULL) {
        why = "refused by libjwt";
        goto done;
    }
    if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
        why = "libjwt decoded another algorithm";
        goto done;
    }
    claims = decode_segment(seg.body, seg.body_len);
    if (claims == NULL) {
        why = "payload is not base64url JSON";
        goto done;
    }
    rc = check_claims(claims, now_s, &p, &why);

done:
    jwt_free(jwt);
    json_decref(claims);
    json_decref(header);
    if (rc == EM_OK) {
        *out = p;
        return EM_OK;
    }
    log_msg(LOG_DEBUG, "access token refused: %s", why);
    if (rc == EM_E_TIMEOUT)
        return em_error_set(err, EM_E_TIMEOUT, "token expired");
    return em_error_set(err, EM_E_INVAL, "invalid token");
}

int token_issue_access(const char *key, const char *user_id, const char *role, const char *family, int64_t now_s,
                       int ttl_s, char **out /* OUT */, em_error *err)
{
    char jti[sodium_base64_ENCODED_LEN(JTI_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    jwt_t *jwt = NULL;
    char *s;
    size_t key_len;
    int e;
    int rc = EM_OK;

    assert(key != NULL && user_id != NULL && role != NULL && family != NULL && out != NULL);
    *out = NULL;
    key_len = strlen(key);
    if (key_len == 0 || key_len > INT_MAX)
        return em_error_set(err, EM_E_INVAL, "no key to sign tokens with");
    if (!id_is_uuid(user_id) || !role_is_valid(role) || !id_is_uuid(family))
        return em_error_set(err, EM_E_INVAL, "cannot issue a token for this user id, role or family");
    /* exp goes through libjwt as a long. */
    if (ttl_s <= 0 || now_s < 0 || now_s > (int64_t)LONG_MAX - ttl_s)
        return em_error_set(err, EM_E_INVAL, "invalid token lifetime");
    random_b64url(jti, sizeof jti, JTI_BYTES);

    e = jwt_new(&jwt);
    if (e != 0)
        goto done; /* nothing to free */
    /* libjwt copies the key and scrubs its copy in jwt_free. It also writes
     * "typ":"JWT" and "alg":"HS256" into the header itself. */
    e = jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)key, (int)key_len);
    if (e == 0)
        e = jwt_add_grant(jwt, "sub", user_id);
    if (e == 0)
        e = jwt_add_grant(jwt, "role", role);
    if (e == 0)
        e = jwt_add_grant(jwt, "fam", family);
    if (e == 0)
        e = jwt_add_grant(jwt, "jti", jti);
    if (e == 0)
        e = jwt_add_grant_int(jwt, "iat", (long)now_s);
    if (e == 0)
        e = jwt_add_grant_int(jwt, "exp", (long)(now_s + ttl_s));
    if (e != 0)
        goto done;
    /* malloc'ed by libjwt 1.10.2 (it has no allocator hooks and no
     * jwt_free_str yet), so the caller's free() is the right release. */
    s = jwt_encode_str(jwt);
    if (s == NULL) {
        e = errno != 0 ? errno : EINVAL;
        goto done;
    }
    *out = s;

done:
    jwt_free(jwt);
    if (e != 0) {
        rc = e == ENOMEM ? EM_E_NOMEM : EM_E_INTERNAL;
        log_msg(LOG_ERROR, "token_issue_access: libjwt failed (errno %d)", e);
        em_error_set(err, rc, "could not issue an access token");
    }
    return rc;
}

void token_new_refresh(char out[REFRESH_TOKEN_LEN + 1])
{
    random_b64url(out, REFRESH_TOKEN_LEN + 1, RANDOM_TOKEN_BYTES);
}

void token_new_csrf(char out[REFRESH_TOKEN_LEN + 1])
{
    random_b64url(out, REFRESH_TOKEN_LEN + 1, RANDOM_TOKEN_BYTES);
}

void token_hash_refresh(const char *token, char out[REFRESH_HASH_LEN + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    assert(token != NULL);
    sodium_ready_or_abort();
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, REFRESH_HASH_LEN + 1, h, sizeof h);
}
