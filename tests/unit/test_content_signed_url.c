/* signed_url: round trip, tampering anywhere, another id or secret, expiry,
 * malformed tokens, buffer sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "content/signed_url.h"
#include "core/err.h"

static const char *const SECRET = "a-server-secret-of-some-length";
static const char *const ID = "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b";

static void content_signed_url_round_trip(void **state)
{
    char tok[SIGNED_URL_TOKEN_MAX + 1];
    assert_int_equal(signed_url_make(SECRET, ID, 1700000000, tok, sizeof tok), EM_OK);
    /* "<digits>.<43 base64url characters>" */
    assert_int_equal(strlen(tok), 10 + 1 + 43);
    assert_memory_equal(tok, "1700000000.", 11);
    for (const char *p = tok + 11; *p != '\0'; p++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
    assert_int_equal(signed_url_verify(SECRET, ID, tok, 1699999999), EM_OK);
    assert_int_equal(signed_url_verify(SECRET, ID, tok, 1700000000), EM_OK); /* the last valid second */
    assert_int_equal(signed_url_verify(SECRET, ID, tok, 0), EM_OK);

    /* deterministic */
    char again[SIGNED_URL_TOKEN_MAX + 1];
    assert_int_equal(signed_url_make(SECRET, ID, 1700000000, again, sizeof again), EM_OK);
    assert_string_equal(tok, again);

    /* the largest expiry fits the documented maximum */
    assert_int_equal(signed_url_make(SECRET, ID, INT64_MAX, tok, sizeof tok), EM_OK);
    assert_int_equal(strlen(tok), SIGNED_URL_TOKEN_MAX);
    assert_int_equal(signed_url_verify(SECRET, ID, tok, INT64_MAX), EM_OK);
    assert_int_equal(signed_url_make(SECRET, ID, 0, tok, sizeof tok), EM_OK);
    assert_int_equal(signed_url_verify(SECRET, ID, tok, 0), EM_OK);
}

static void content_signed_url_tampering(void **state)
{
    char tok[SIGNED_URL_TOKEN_MAX + 1];
    assert_int_equal(signed_url_make(SECRET, ID, 1700000000, tok, sizeof tok), EM_OK);
    size_t n = strlen(tok);
    /* every position, flipped to another character of the same kind and to
     * others: always refused, never "expired" */
    const char *repl = "0123456789AZaz-_.x";
    for (size_t i = 0; i < n; i++) {
        for (const char *r = repl; *r != '\0'; r++) {
            if (*r == tok[i])
                continue;
            char t[SIGNED_URL_TOKEN_MAX + 1];
            memcpy(t, tok, n + 1);
            t[i] = *r;
            int rc = signed_url_verify(SECRET, ID, t, 1600000000);
            if (rc != EM_E_INVAL)
                fail_msg("token with [%zu]='%c' gave %d", i, *r, rc);
        }
    }
    /* truncated, extended */
    char t[SIGNED_URL_TOKEN_MAX + 8];
    memcpy(t, tok, n + 1);
    t[n - 1] = '\0';
    assert_int_equal(signed_url_verify(SECRET, ID, t, 0), EM_E_INVAL);
    memcpy(t, tok, n);
    memcpy(t + n, "A", 2);
    assert_int_equal(signed_url_verify(SECRET, ID, t, 0), EM_E_INVAL);
    /* another expiry with the old signature */
    char other[SIGNED_URL_TOKEN_MAX + 8];
    snprintf(other, sizeof other, "1800000000%s", strchr(tok, '.'));
    assert_int_equal(signed_url_verify(SECRET, ID, other, 0), EM_E_INVAL);
    snprintf(other, sizeof other, "01700000000%s", strchr(tok, '.'));
    assert_int_equal(signed_url_verify(SECRET, ID, other, 0), EM_E_INVAL);
}

static void content_signed_url_other_id_or_secret(void **state)
{
    char tok[SIGNED_URL_TOKEN_MAX + 1];
    assert_int_equal(signed_url_make(SECRET, ID, 1700000000, tok, sizeof tok), EM_OK);
    assert_int_equal(signed_url_verify(SECRET, "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5c", tok, 0), EM_E_INVAL);
    assert_int_equal(signed_url_verify(SECRET, "x", tok, 0), EM_E_INVAL);
    assert_int_equal(signed_url_verify("another-secret", ID, tok, 0), EM_E_INVAL);
    /* id and expiry cannot trade places across the ':' */
    char a[SIGNED_URL_TOKEN_MAX + 1];
    assert_int_equal(signed_url_make(SECRET, "a:1", 2, a, sizeof a), EM_OK);
    char b[SIGNED_URL_TOKEN_MAX + 8];
    snprintf(b, sizeof b, "12%s", strchr(a, '.'));
    assert_int_equal(signed_url_verify(SECRET, "a", b, 0), EM_E_INVAL);
}

static void content_signed_url_expired(void **state)
{
    char tok[SIGNED_URL_TOKEN_MAX + 1];
    assert_int_equal(signed_url_make(SECRET, ID, 1700000000, tok, sizeof tok), EM_OK);
    assert_int_equal(signed_url_verify(SECRET, ID, tok, 1700000001), EM_E_TIMEOUT);
    assert_int_equal(signed_url_verify(SECRET, ID, tok, INT64_MAX), EM_E_TIMEOUT);
    /* a forged token is refused, not reported as expired */
    tok[15] = tok[15] == 'A' ? 'B' : 'A';
    assert_int_equal(signed_url_verify(SECRET, ID, tok, 1700000001), EM_E_INVAL);
}

static void content_signed_url_malformed(void **state)
{
    char sig[64];
    char tok[SIGNED_URL_TOKEN_MAX + 1];
    assert_int_equal(signed_url_make(SECRET, ID, 5, tok, sizeof tok), EM_OK);
    snprintf(sig, sizeof sig, "%s", strchr(tok, '.') + 1);

    const char *bad[] = {
        "",
        ".",
        "1700000000",
        "1700000000.",
        ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "abc.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "-5.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "+5.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        " 5.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "5x.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "99999999999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* > INT64_MAX */
        "9223372036854775808.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "5.AAAA",
        "5..AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = signed_url_verify(SECRET, ID, bad[i], 0);
        if (rc != EM_E_INVAL)
            fail_msg("\"%s\" gave %d", bad[i], rc);
    }
    char buf[512];
    /* the right signature with a bad expiry */
    snprintf(buf, sizeof buf, "05.%s", sig);
    assert_int_equal(signed_url_verify(SECRET, ID, buf, 0), EM_E_INVAL);
    snprintf(buf, sizeof buf, "5.%s=", sig);
    assert_int_equal(signed_url_verify(SECRET, ID, buf, 0), EM_E_INVAL);
    snprintf(buf, sizeof buf, "5.%s", sig);
    assert_int_equal(signed_url_verify(SECRET, ID, buf, 0), EM_OK);
    /* huge */
    memset(buf, '1', sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    assert_int_equal(signed_url_verify(SECRET, ID, buf, 0), EM_E_INVAL);
    /* missing arguments */
    assert_int_equal(signed_url_verify(SECRET, ID, NULL, 0), EM_E_INVAL);
    assert_int_equal(signed_url_verify(NULL, ID, tok, 0), EM_E_INVAL);
    assert_int_equal(signed_url_verify("", ID, tok, 0), EM_E_INVAL);
    assert_int_equal(signed_url_verify(SECRET, "", tok, 0), EM_E_INVAL);
    assert_int_equal(signed_url_verify(SECRET, NULL, tok, 0), EM_E_INVAL);
}

static void content_signed_url_make_errors(void **state)
{
    char tok[SIGNED_URL_TOKEN_MAX + 1];
    assert_int_equal(signed_url_make("", ID, 5, tok, sizeof tok), EM_E_INVAL);
    assert_int_equal(signed_url_make(NULL, ID, 5, tok, sizeof tok), EM_E_INVAL);
    assert_int_equal(signed_url_make(SECRET, "", 5, tok, sizeof tok), EM_E_INVAL);
    assert_int_equal(signed_url_make(SECRET, NULL, 5, tok, sizeof tok), EM_E_INVAL);
    assert_int_equal(signed_url_make(SECRET, ID, -1, tok, sizeof tok), EM_E_INVAL);
    /* "5." and 43 characters need 46 bytes */
    char small[45];
    assert_int_equal(signed_url_make(SECRET, ID, 5, small, sizeof small), EM_E_TOO_LARGE);
    assert_string_equal(small, "");
    char exact[46];
    assert_int_equal(signed_url_make(SECRET, ID, 5, exact, sizeof exact), EM_OK);
    assert_int_equal(signed_url_make(SECRET, ID, 5, NULL, 0), EM_E_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_signed_url_round_trip),
        cmocka_unit_test(content_signed_url_tampering),
        cmocka_unit_test(content_signed_url_other_id_or_secret),
        cmocka_unit_test(content_signed_url_expired),
        cmocka_unit_test(content_signed_url_malformed),
        cmocka_unit_test(content_signed_url_make_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
