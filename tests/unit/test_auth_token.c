/* auth/token: access tokens (issue, verify, every way a token must be refused)
 * and refresh/CSRF token material. Tokens with arbitrary headers and claims
 * are built by hand here and signed with libsodium's HMAC-SHA256, so each
 * case exercises exactly one defect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <sodium.h>

#include "auth/token.h"
#include "core/err.h"

#define KEY "test-secret-key-0123456789abcdefghijklmnop"
#define USER "0190a5c4-7b3e-7c11-8f00-1234567890ab"
#define FAMILY "0190a5c4-7b3e-7c11-8f00-0000000000fa"
#define NOW ((int64_t)1700000000)
#define TTL 900

/* base64url (no padding) of a text, into an owned string. */
static char *b64url(const void *data, size_t n)
{
    size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(size);
    assert_non_null(out);
    sodium_bin2base64(out, size, data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

/* "b64(header).b64(payload).sig" where sig is the HS256 MAC of the first two
 * parts with `key` (or no signature at all when key is NULL). Owned string. */
static char *forge(const char *header, const char *payload, const char *key)
{
    char *h = b64url(header, strlen(header));
    char *p = b64url(payload, strlen(payload));
    char *sig = NULL;
    size_t n = strlen(h) + strlen(p) + 64;
    char *out = malloc(n);

    assert_non_null(out);
    snprintf(out, n, "%s.%s", h, p);
    if (key != NULL) {
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)out, strlen(out));
        crypto_auth_hmacsha256_final(&st, mac);
        sig = b64url(mac, sizeof mac);
    }
    size_t used = strlen(out);
    snprintf(out + used, n - used, ".%s", sig != NULL ? sig : "");
    free(h);
    free(p);
    free(sig);
    return out;
}

static const char hs256_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* A payload with the given claims; NULL leaves a claim out. */
static char *payload(const char *sub, const char *role, const char *exp, const char *iat, const char *extra)
{
    char buf[1024];
    size_t used = 0;
    /* Every forged payload names a well-formed family: the claim under test is another. */
    used += (size_t)snprintf(buf + used, sizeof buf - used, "{\"jti\":\"x\",\"fam\":\"" FAMILY "\"");
    if (sub != NULL)
        used += (size_t)snprintf(buf + used, sizeof buf - used, ",\"sub\":%s", sub);
    if (role != NULL)
        used += (size_t)snprintf(buf + used, sizeof buf - used, ",\"role\":%s", role);
    if (exp != NULL)
        used += (size_t)snprintf(buf + used, sizeof buf - used, ",\"exp\":%s", exp);
    if (iat != NULL)
        used += (size_t)snprintf(buf + used, sizeof buf - used, ",\"iat\":%s", iat);
    if (extra != NULL)
        used += (size_t)snprintf(buf + used, sizeof buf - used, ",%s", extra);
    snprintf(buf + used, sizeof buf - used, "}");
    char *out = strdup(buf);
    assert_non_null(out);
    return out;
}

/* Verify and expect EM_E_INVAL "invalid token", with *out left alone. */
static void expect_invalid(const char *token, const char *key)
{
    principal p;
    em_error err = {0};
    memset(&p, 0x5a, sizeof p);
    principal before = p;
    assert_int_equal(token_verify_access(key, token, NOW, &p, &err), EM_E_INVAL);
    assert_int_equal(err.code, EM_E_INVAL);
    assert_string_equal(err.msg, "invalid token");
    assert_memory_equal(&p, &before, sizeof p);
}

/* Forge a token from header + claims, signed with KEY, and expect refusal. */
static void expect_forged_invalid(const char *header, char *claims /* freed */)
{
    char *t = forge(header, claims, KEY);
    expect_invalid(t, KEY);
    free(t);
    free(claims);
}

/* Not inlined: GCC 12 at -O2 then takes the returned token for a pointer to
 * the local `t` whose address was passed out (-Wdangling-pointer false
 * positive in the Release build). */
__attribute__((noinline)) static char *issue(const char *role)
{
    char *t = NULL;
    em_error err = {0};
    assert_int_equal(token_issue_access(KEY, USER, role, FAMILY, NOW, TTL, &t, &err), EM_OK);
    assert_non_null(t);
    return t;
}

static void token_issue_then_verify_round_trips(void **state)
{
    const char *roles[] = {"student", "tutor", "admin"};
    for (size_t i = 0; i < 3; i++) {
        char *t = issue(roles[i]);
        principal p;
        em_error err = {0};
        assert_true(strlen(t) < ACCESS_TOKEN_MAX);
        assert_int_equal(token_verify_access(KEY, t, NOW + 10, &p, &err), EM_OK);
        assert_string_equal(p.user_id, USER);
        assert_string_equal(p.role, roles[i]);
        assert_string_equal(p.family, FAMILY);
        assert_int_equal(p.expires_at, NOW + TTL);
        free(t);
    }
}

/* The family (the session a token belongs to) is required and must be an id:
 * a token without one would outlive its logout. */
static void token_family_is_required(void **state)
{
    char *t = NULL;
    em_error err = {0};
    assert_int_equal(token_issue_access(KEY, USER, "student", "not-a-uuid", NOW, TTL, &t, &err), EM_E_INVAL);
    assert_null(t);
    static const char no_fam[] =
        "{\"jti\":\"x\",\"sub\":\"" USER "\",\"role\":\"student\",\"exp\":1700000900,\"iat\":1700000000}";
    expect_forged_invalid(hs256_header, strdup(no_fam));
    static const char bad_fam[] = "{\"jti\":\"x\",\"fam\":\"../x\",\"sub\":\"" USER
                                  "\",\"role\":\"student\",\"exp\":1700000900,\"iat\":1700000000}";
    expect_forged_invalid(hs256_header, strdup(bad_fam));
    static const char num_fam[] = "{\"jti\":\"x\",\"fam\":7,\"sub\":\"" USER
                                  "\",\"role\":\"student\",\"exp\":1700000900,\"iat\":1700000000}";
    expect_forged_invalid(hs256_header, strdup(num_fam));
    /* the same claims with a good family verify: the refusals above are the family's */
    static const char good[] = "{\"jti\":\"x\",\"fam\":\"" FAMILY "\",\"sub\":\"" USER
                               "\",\"role\":\"student\",\"exp\":1700000900,\"iat\":1700000000}";
    char *ok = forge(hs256_header, good, KEY);
    principal p;
    assert_int_equal(token_verify_access(KEY, ok, NOW + 10, &p, &err), EM_OK);
    free(ok);
}

static void token_issue_writes_hs256_header_and_claims(void **state)
{
    char *t = issue("tutor");
    jwt_t *j = NULL;
    assert_int_equal(jwt_decode(&j, t, (const unsigned char *)KEY, (int)strlen(KEY)), 0);
    assert_int_equal(jwt_get_alg(j), JWT_ALG_HS256);
    assert_string_equal(jwt_get_header(j, "typ"), "JWT");
    assert_string_equal(jwt_get_grant(j, "sub"), USER);
    assert_int_equal(jwt_get_grant_int(j, "iat"), NOW);
    assert_int_equal(jwt_get_grant_int(j, "exp"), NOW + TTL);
    const char *jti = jwt_get_grant(j, "jti");
    assert_non_null(jti);
    assert_int_equal(strlen(jti), 22); /* 16 random bytes */
    jwt_free(j);

    /* Two tokens issued in the same second still differ (jti). */
    char *u = issue("tutor");
    assert_string_not_equal(t, u);
    free(t);
    free(u);
}

static void token_issue_refuses_bad_input(void **state)
{
    char *t = (char *)"sentinel";
    em_error err = {0};
    assert_int_equal(token_issue_access("", USER, "student", FAMILY, NOW, TTL, &t, &err), EM_E_INVAL);
    assert_null(t);
    assert_int_equal(token_issue_access(KEY, "not-a-uuid", "student", FAMILY, NOW, TTL, &t, &err), EM_E_INVAL);
    assert_int_equal(token_issue_access(KEY, USER, "root", FAMILY, NOW, TTL, &t, &err), EM_E_INVAL);
    assert_int_equal(token_issue_access(KEY, USER, "student", FAMILY, NOW, 0, &t, &err), EM_E_INVAL);
    assert_null(t);
}

static void token_expiry_has_60s_leeway(void **state)
{
    char *t = issue("student");
    principal p;
    em_error err = {0};
    assert_int_equal(token_verify_access(KEY, t, NOW + TTL, &p, &err), EM_OK);
    assert_int_equal(token_verify_access(KEY, t, NOW + TTL + 60, &p, &err), EM_OK);
    memset(&p, 0, sizeof p);
    assert_int_equal(token_verify_access(KEY, t, NOW + TTL + 61, &p, &err), EM_E_TIMEOUT);
    assert_int_equal(err.code, EM_E_TIMEOUT);
    assert_string_equal(err.msg, "token expired");
    assert_string_equal(p.user_id, ""); /* untouched */
    assert_int_equal(token_verify_access(KEY, t, NOW + 100000, &p, &err), EM_E_TIMEOUT);
    free(t);
}

static void token_tampered_payload_is_invalid(void **state)
{
    char *t = issue("student");
    char *dot1 = strchr(t, '.');
    char *dot2 = strchr(dot1 + 1, '.');
    char *mid = dot1 + (dot2 - dot1) / 2;
    *mid = *mid == 'A' ? 'B' : 'A';
    expect_invalid(t, KEY);
    free(t);

    /* A payload swapped in whole from another valid token (role escalation). */
    char *student = issue("student");
    char *admin = issue("admin");
    char *s1 = strchr(student, '.'), *s2 = strchr(s1 + 1, '.');
    char *a1 = strchr(admin, '.'), *a2 = strchr(a1 + 1, '.');
    char buf[ACCESS_TOKEN_MAX];
    snprintf(buf, sizeof buf, "%.*s%.*s%s", (int)(s1 - student), student, (int)(a2 - a1), a1, s2);
    expect_invalid(buf, KEY);
    free(student);
    free(admin);
}

static void token_tampered_signature_is_invalid(void **state)
{
    char *t = issue("student");
    char *sig = strrchr(t, '.') + 1;
    size_t n = strlen(sig);
    sig[n / 2] = sig[n / 2] == 'A' ? 'B' : 'A';
    expect_invalid(t, KEY);
    sig[n / 2] = '\0'; /* truncated signature */
    expect_invalid(t, KEY);
    sig[0] = '\0'; /* no signature */
    expect_invalid(t, KEY);
    free(t);
}

static void token_wrong_key_is_invalid(void **state)
{
    char *t = issue("admin");
    expect_invalid(t, "another-secret-key-0123456789abcdefghijkl");
    expect_invalid(t, KEY "x");
    expect_invalid(t, ""); /* libjwt alone would skip the signature check */
    expect_invalid(t, NULL);
    free(t);
}

static void token_alg_none_is_invalid(void **state)
{
    char *claims = payload("\"" USER "\"", "\"admin\"", "1700000900", "1700000000", NULL);
    char *t = forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, NULL);
    expect_invalid(t, KEY);
    free(t);
    /* "none" with a MAC attached, and other spellings. */
    expect_forged_invalid("{\"alg\":\"none\",\"typ\":\"JWT\"}", strdup(claims));
    expect_forged_invalid("{\"alg\":\"None\"}", strdup(claims));
    expect_forged_invalid("{\"alg\":\"\"}", strdup(claims));
    expect_forged_invalid("{\"typ\":\"JWT\"}", strdup(claims));
    expect_forged_invalid("{\"alg\":null}", strdup(claims));
    free(claims);
}

static void token_other_algorithms_are_invalid(void **state)
{
    /* HS512 signed by libjwt with the right key: jwt_decode alone accepts it. */
    jwt_t *j = NULL;
    assert_int_equal(jwt_new(&j), 0);
    assert_int_equal(jwt_set_alg(j, JWT_ALG_HS512, (const unsigned char *)KEY, (int)strlen(KEY)), 0);
    assert_int_equal(jwt_add_grant(j, "sub", USER), 0);
    assert_int_equal(jwt_add_grant(j, "role", "admin"), 0);
    assert_int_equal(jwt_add_grant_int(j, "iat", NOW), 0);
    assert_int_equal(jwt_add_grant_int(j, "exp", NOW + TTL), 0);
    char *t = jwt_encode_str(j);
    assert_non_null(t);
    jwt_free(j);
    j = NULL;
    assert_int_equal(jwt_decode(&j, t, (const unsigned char *)KEY, (int)strlen(KEY)), 0);
    assert_int_equal(jwt_get_alg(j), JWT_ALG_HS512);
    jwt_free(j);
    expect_invalid(t, KEY);
    free(t);

    /* Case games libjwt tolerates, and a right MAC under a wrong name. */
    char *claims = payload("\"" USER "\"", "\"admin\"", "1700000900", "1700000000", NULL);
    expect_forged_invalid("{\"alg\":\"hs256\",\"typ\":\"JWT\"}", strdup(claims));
    expect_forged_invalid("{\"alg\":\"HS256\",\"typ\":\"jwt\"}", strdup(claims));
    expect_forged_invalid("{\"alg\":\"HS256\",\"typ\":\"JWS\"}", strdup(claims));
    expect_forged_invalid("{\"alg\":\"HS384\",\"typ\":\"JWT\"}", strdup(claims));
    expect_forged_invalid("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", strdup(claims));
    expect_forged_invalid("{\"alg\":\"HS256\",\"alg\":\"HS256\"}", strdup(claims));
    expect_forged_invalid("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", strdup(claims));

    /* Header says HS256 but the signature is 256 bytes of RS256-sized garbage. */
    char *h = b64url(hs256_header, strlen(hs256_header));
    char *p = b64url(claims, strlen(claims));
    unsigned char garbage[256];
    randombytes_buf(garbage, sizeof garbage);
    char *g = b64url(garbage, sizeof garbage);
    char buf[ACCESS_TOKEN_MAX];
    snprintf(buf, sizeof buf, "%s.%s.%s", h, p, g);
    expect_invalid(buf, KEY);
    free(h);
    free(p);
    free(g);

    /* Without "typ" the same claims are fine: the forge helper is sound. */
    char *ok = forge("{\"alg\":\"HS256\"}", claims, KEY);
    principal pr;
    assert_int_equal(token_verify_access(KEY, ok, NOW, &pr, NULL), EM_OK);
    assert_string_equal(pr.role, "admin");
    free(ok);
    free(claims);
}

static void token_claims_are_required_and_typed(void **state)
{
    const char *u = "\"" USER "\"";
    /* missing sub, non-UUID sub, wrong types */
    expect_forged_invalid(hs256_header, payload(NULL, "\"student\"", "1700000900", "1700000000", NULL));
    expect_forged_invalid(hs256_header,
                          payload("\"alice\"", "\"student\"", "1700000900", "1700000000", NULL));
    expect_forged_invalid(hs256_header,
                          payload("\"" USER "0\"", "\"student\"", "1700000900", "1700000000", NULL));
    expect_forged_invalid(hs256_header, payload("42", "\"student\"", "1700000900", "1700000000", NULL));
    /* unknown or missing role */
    expect_forged_invalid(hs256_header, payload(u, "\"root\"", "1700000900", "1700000000", NULL));
    expect_forged_invalid(hs256_header, payload(u, "\"Admin\"", "1700000900", "1700000000", NULL));
    expect_forged_invalid(hs256_header, payload(u, NULL, "1700000900", "1700000000", NULL));
    expect_forged_invalid(hs256_header, payload(u, "[\"admin\"]", "1700000900", "1700000000", NULL));
    /* exp / iat missing or not integers */
    expect_forged_invalid(hs256_header, payload(u, "\"student\"", NULL, "1700000000", NULL));
    expect_forged_invalid(hs256_header, payload(u, "\"student\"", "1700000900", NULL, NULL));
    expect_forged_invalid(hs256_header, payload(u, "\"student\"", "\"1700000900\"", "1700000000", NULL));
    expect_forged_invalid(hs256_header, payload(u, "\"student\"", "1700000900.5", "1700000000", NULL));
    expect_forged_invalid(hs256_header, payload(u, "\"student\"", "true", "1700000000", NULL));
    /* time: iat in the future, iat after exp, nbf in the future or not a number */
    expect_forged_invalid(hs256_header, payload(u, "\"student\"", "1700009000", "1700000061", NULL));
    expect_forged_invalid(hs256_header, payload(u, "\"student\"", "1700000000", "1700000010", NULL));
    expect_forged_invalid(hs256_header,
                          payload(u, "\"student\"", "1700000900", "1700000000", "\"nbf\":1700000061"));
    expect_forged_invalid(hs256_header,
                          payload(u, "\"student\"", "1700000900", "1700000000", "\"nbf\":\"soon\""));
    /* a duplicated claim */
    expect_forged_invalid(hs256_header,
                          payload(u, "\"student\"", "1700000900", "1700000000", "\"role\":\"admin\""));

    /* Inside the leeway, iat and nbf slightly ahead are accepted; a huge exp too. */
    principal p;
    char *claims = payload(u, "\"tutor\"", "9223372036854775807", "1700000060", "\"nbf\":1700000060");
    char *t = forge(hs256_header, claims, KEY);
    assert_int_equal(token_verify_access(KEY, t, NOW, &p, NULL), EM_OK);
    assert_int_equal(p.expires_at, INT64_MAX);
    free(t);
    free(claims);
}

static void token_garbage_is_invalid(void **state)
{
    const char *garbage[] = {"",
                             ".",
                             "..",
                             "...",
                             "a.b",
                             "a.b.",
                             "a.b.c",
                             "a.b.c.d",
                             "!!!.@@@.###",
                             "eyJhbGciOiJIUzI1NiJ9",
                             "eyJhbGciOiJIUzI1NiJ9..",
                             " eyJ.eyJ.abc",
                             "a b.c.d",
                             "Bearer x.y.z",
                             "e30.e30.",
                             "W10.e30.e30"};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        expect_invalid(garbage[i], KEY);

    char *big = malloc(3001);
    assert_non_null(big);
    memset(big, 'a', 3000);
    big[3000] = '\0';
    expect_invalid(big, KEY);
    /* Just over the limit, with the dots in place. */
    big[1000] = '.';
    big[2000] = '.';
    big[ACCESS_TOKEN_MAX + 1] = '\0';
    expect_invalid(big, KEY);
    free(big);

    /* A header that is base64url but not JSON, with a valid MAC. */
    char *claims = payload("\"" USER "\"", "\"student\"", "1700000900", "1700000000", NULL);
    expect_forged_invalid("not json", strdup(claims));
    expect_forged_invalid("[\"HS256\"]", strdup(claims));
    expect_forged_invalid("\"HS256\"", strdup(claims));
    /* A payload that is not a JSON object. */
    expect_forged_invalid(hs256_header, strdup("not json"));
    expect_forged_invalid(hs256_header, strdup("[1,2,3]"));
    expect_forged_invalid(hs256_header, strdup(""));
    free(claims);

    /* Invalid base64 (non-canonical trailing bits / impossible length). */
    char *t = issue("student");
    char *dot = strchr(t, '.');
    char buf[ACCESS_TOKEN_MAX];
    snprintf(buf, sizeof buf, "%.*sA%s", (int)(dot - t), t, dot); /* header length % 4 == 1 */
    expect_invalid(buf, KEY);
    free(t);

    principal p;
    assert_int_equal(token_verify_access(KEY, NULL, NOW, &p, NULL), EM_E_INVAL);
}

static bool is_b64url(const char *s)
{
    for (; *s != '\0'; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_'))
            return false;
    }
    return true;
}

static void token_refresh_and_csrf_are_random_base64url(void **state)
{
    char a[REFRESH_TOKEN_LEN + 1], b[REFRESH_TOKEN_LEN + 1], c[REFRESH_TOKEN_LEN + 1];
    token_new_refresh(a);
    token_new_refresh(b);
    token_new_csrf(c);
    assert_int_equal(strlen(a), 43);
    assert_int_equal(strlen(b), 43);
    assert_int_equal(strlen(c), 43);
    assert_true(is_b64url(a));
    assert_true(is_b64url(b));
    assert_true(is_b64url(c));
    assert_string_not_equal(a, b);
    assert_string_not_equal(a, c);
    /* It decodes back to 32 bytes. */
    unsigned char bin[64];
    size_t n = 0;
    assert_int_equal(sodium_base642bin(bin, sizeof bin, a, strlen(a), NULL, &n, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    assert_int_equal(n, 32);
}

static void token_hash_refresh_is_sha256_hex(void **state)
{
    char h1[REFRESH_HASH_LEN + 1], h2[REFRESH_HASH_LEN + 1], h3[REFRESH_HASH_LEN + 1];
    token_hash_refresh("abc", h1);
    assert_string_equal(h1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    token_hash_refresh("", h1);
    assert_string_equal(h1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    char t[REFRESH_TOKEN_LEN + 1], u[REFRESH_TOKEN_LEN + 1];
    token_new_refresh(t);
    token_new_refresh(u);
    token_hash_refresh(t, h1);
    token_hash_refresh(t, h2);
    token_hash_refresh(u, h3);
    assert_int_equal(strlen(h1), 64);
    assert_string_equal(h1, h2);
    assert_string_not_equal(h1, h3);
    for (size_t i = 0; i < 64; i++)
        assert_non_null(strchr("0123456789abcdef", h1[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_issue_then_verify_round_trips),
        cmocka_unit_test(token_family_is_required),
        cmocka_unit_test(token_issue_writes_hs256_header_and_claims),
        cmocka_unit_test(token_issue_refuses_bad_input),
        cmocka_unit_test(token_expiry_has_60s_leeway),
        cmocka_unit_test(token_tampered_payload_is_invalid),
        cmocka_unit_test(token_tampered_signature_is_invalid),
        cmocka_unit_test(token_wrong_key_is_invalid),
        cmocka_unit_test(token_alg_none_is_invalid),
        cmocka_unit_test(token_other_algorithms_are_invalid),
        cmocka_unit_test(token_claims_are_required_and_typed),
        cmocka_unit_test(token_garbage_is_invalid),
        cmocka_unit_test(token_refresh_and_csrf_are_random_base64url),
        cmocka_unit_test(token_hash_refresh_is_sha256_hex),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
