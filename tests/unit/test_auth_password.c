/* auth/password: argon2id hashing, the password policy, email normalisation.
 * Hashes use the cheapest cost ({1, 8192}) except in the one case that checks
 * the production default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "auth/password.h"
#include "core/err.h"

static const password_cost fast = {1, 8192};

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- one hash a core at most ---- */

#define FLOOD_THREADS 12
#define FLOOD_HASHES 3

static void *hash_flood(void *arg)
{
    int *failures = arg;
    password_cost cheap = {.ops = 1, .mem_kb = 8192};
    char h[PASSWORD_HASH_MAX];
    for (int i = 0; i < FLOOD_HASHES; i++) {
        if (password_hash("a flood of logins", cheap, h) != EM_OK || !password_verify(h, "a flood of logins"))
            (*failures)++;
    }
    return NULL;
}

/* Many threads hashing at once: never more than one a core runs, each gets
 * its answer, and none is left running. */
static void password_hashes_wait_their_turn(void **state)
{
    (void)state;
    long most = password_hashes_at_once();
    assert_true(most >= 1);
    pthread_t th[FLOOD_THREADS];
    int failures[FLOOD_THREADS] = {0};
    for (int i = 0; i < FLOOD_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hash_flood, &failures[i]), 0);
    long seen = 0;
    for (int k = 0; k < 400; k++) { /* sample while they run */
        long n = password_hashes_running();
        seen = n > seen ? n : seen;
        struct timespec ts = {0, 250 * 1000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < FLOOD_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(failures[i], 0);
    }
    assert_true(seen >= 1); /* the sampling saw them run */
    assert_true(seen <= most);
    assert_int_equal(password_hashes_running(), 0);
}

static void password_hash_then_verify(void **state)
{
    char h[PASSWORD_HASH_MAX];
    assert_int_equal(password_init(), EM_OK);
    assert_int_equal(password_init(), EM_OK); /* idempotent */
    assert_int_equal(password_hash("correct horse battery staple", fast, h), EM_OK);
    assert_true(starts_with(h, "$argon2id$v=19$m=8192,t=1,p=1$"));
    assert_true(strlen(h) < PASSWORD_HASH_MAX);
    assert_true(password_verify(h, "correct horse battery staple"));
    assert_false(password_verify(h, "correct horse battery staplE"));
    assert_false(password_verify(h, "correct horse battery stapl"));
    assert_false(password_verify(h, ""));
    assert_false(password_verify(h, NULL));
}

static void password_hash_is_salted(void **state)
{
    char a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash("same password twice", fast, a), EM_OK);
    assert_int_equal(password_hash("same password twice", fast, b), EM_OK);
    assert_string_not_equal(a, b);
    assert_true(password_verify(a, "same password twice"));
    assert_true(password_verify(b, "same password twice"));
}

static void password_hash_limits(void **state)
{
    char h[PASSWORD_HASH_MAX];
    char longest[PASSWORD_MAX_BYTES + 2];
    memset(longest, 'x', sizeof longest);
    longest[PASSWORD_MAX_BYTES] = '\0';
    assert_int_equal(password_hash(longest, fast, h), EM_OK);
    assert_true(password_verify(h, longest));
    longest[PASSWORD_MAX_BYTES] = 'x';
    longest[PASSWORD_MAX_BYTES + 1] = '\0';
    assert_int_equal(password_hash(longest, fast, h), EM_E_INVAL);
    assert_false(password_verify(h, longest));

    /* The empty password hashes (the policy, not the hash, refuses it). */
    assert_int_equal(password_hash("", fast, h), EM_OK);
    assert_true(password_verify(h, ""));

    password_cost bad_ops = {0, 8192}, bad_mem = {1, 4096};
    assert_int_equal(password_hash("whatever it is", bad_ops, h), EM_E_INVAL);
    assert_int_equal(password_hash("whatever it is", bad_mem, h), EM_E_INVAL);
}

static void password_default_cost_round_trips(void **state)
{
    password_cost def = password_cost_default();
    char h[PASSWORD_HASH_MAX];
    assert_true(def.ops >= 2);
    assert_true(def.mem_kb >= 64 * 1024);
    assert_int_equal(password_hash("a long and good passphrase", def, h), EM_OK);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "$argon2id$v=19$m=%zu,t=%llu,p=1$", def.mem_kb, def.ops);
    assert_true(starts_with(h, prefix));
    assert_true(password_verify(h, "a long and good passphrase"));
    assert_false(password_needs_rehash(h, def));
    assert_true(password_needs_rehash(h, fast));
}

static void password_needs_rehash_compares_cost(void **state)
{
    char h[PASSWORD_HASH_MAX];
    password_cost more_ops = {2, 8192}, more_mem = {1, 16384};
    assert_int_equal(password_hash("rehash me when it changes", fast, h), EM_OK);
    assert_false(password_needs_rehash(h, fast));
    assert_true(password_needs_rehash(h, more_ops));
    assert_true(password_needs_rehash(h, more_mem));
    assert_true(password_needs_rehash("garbage", fast));
    assert_true(password_needs_rehash(NULL, fast));
}

static void password_malformed_hash_does_not_verify(void **state)
{
    char h[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash("a password to damage", fast, h), EM_OK);
    const char *bad[] = {
        "",
        "garbage",
        "$argon2id$",
        "$argon2id$v=19$m=8192,t=1,p=1$",
        "$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$",
        "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2i$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$2b$12$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
        "a password to damage",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(password_verify(bad[i], "a password to damage"));
    assert_false(password_verify(NULL, "a password to damage"));

    /* Truncated and bit-flipped copies of a real hash. */
    char t[PASSWORD_HASH_MAX];
    memcpy(t, h, sizeof t);
    t[strlen(t) - 5] = '\0';
    assert_false(password_verify(t, "a password to damage"));
    memcpy(t, h, sizeof t);
    t[strlen(t) - 3] = t[strlen(t) - 3] == 'A' ? 'B' : 'A';
    assert_false(password_verify(t, "a password to damage"));

    /* Longer than any hash: refused without reading past PASSWORD_HASH_MAX. */
    char *big = malloc(600);
    assert_non_null(big);
    memset(big, 'a', 599);
    memcpy(big, h, strlen(h));
    big[599] = '\0';
    assert_false(password_verify(big, "a password to damage"));
    assert_true(password_needs_rehash(big, fast));
    free(big);
}

/* Checks the policy refuses `pw` with EM_E_INVAL and a message that does not
 * contain it. */
static void expect_refused(const char *pw, const char *email, const char *msg_part)
{
    em_error err = {0};
    assert_int_equal(password_check_policy(pw, email, &err), EM_E_INVAL);
    assert_int_equal(err.code, EM_E_INVAL);
    assert_true(err.msg[0] != '\0');
    if (pw != NULL && pw[0] != '\0')
        assert_null(strstr(err.msg, pw));
    if (msg_part != NULL && strstr(err.msg, msg_part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg_part);
}

static void expect_accepted(const char *pw, const char *email)
{
    em_error err = {0};
    int rc = password_check_policy(pw, email, &err);
    if (rc != EM_OK)
        fail_msg("refused (%d): %s", rc, err.msg);
}

static void password_policy_length(void **state)
{
    expect_refused(NULL, NULL, "required");
    expect_refused("", NULL, "required");
    expect_refused("abc12", NULL, "at least 10");
    expect_refused("Tr0ub4dor", NULL, "at least 10"); /* 9 */
    expect_accepted("Tr0ub4dor&", NULL);              /* 10 */
    /* Characters, not bytes: 9 code points in 27 bytes is too short. */
    expect_refused("日本語のパスワード", NULL, "at least 10");
    expect_accepted("日本語のパスワードです", NULL);
    expect_accepted("żółta łódź pływa", NULL);

    char big[PASSWORD_MAX_BYTES + 2];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('a' + (i * 7) % 26);
    big[PASSWORD_MAX_BYTES] = '\0';
    expect_accepted(big, NULL);
    big[PASSWORD_MAX_BYTES] = 'q';
    big[PASSWORD_MAX_BYTES + 1] = '\0';
    expect_refused(big, NULL, "at most 256");
}

static void password_policy_common(void **state)
{
    const char *common[] = {"password123",    "Password123",   "PASSWORD123",  "qwertyuiop",
                            "QwertyUiop",     "1234567890",    "1q2w3e4r5t",   "iloveyou12",
                            "changemeplease", "1qaz2wsx3edc",  "zaq12wsxcde3", "letmein123",
                            "welcome123",     "administrator", "trustno1234",  "passwordpassword",
                            "0987654321",     "123123123123",  "qwerty12345"};
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) {
        assert_true(password_is_common(common[i]));
        expect_refused(common[i], NULL, "too common");
    }
    /* Short classics are on the list too (the length rule catches them first). */
    const char *classic[] = {"1111111111", "123456",   "password", "qwerty",   "dragon",
                             "monkey",     "letmein",  "trustno1", "iloveyou", "1qaz2wsx",
                             "football",   "!@#$%^&*", "0000",     "zxcvbnm"};
    for (size_t i = 0; i < sizeof classic / sizeof classic[0]; i++)
        assert_true(password_is_common(classic[i]));
    assert_false(password_is_common("correct horse battery staple"));
    assert_false(password_is_common("password1234567"));
    assert_false(password_is_common(""));
    assert_false(password_is_common(NULL));
}

/* The list must stay sorted (strcmp order), unique and lowercase, or the
 * bsearch silently misses entries: check the source itself. */
static void password_common_list_is_sorted(void **state)
{
    char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    assert_non_null(slash);
    snprintf(path, sizeof path, "%.*s/../../src/auth/common_passwords.c", (int)(slash - __FILE__), __FILE__);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    char line[512], prev[64] = "", entry[64];
    size_t count = 0;
    bool in_array = false;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strstr(line, "static const char *const common[]") != NULL) {
            in_array = true;
            continue;
        }
        if (!in_array)
            continue;
        if (line[0] == '}')
            break;
        for (const char *p = strchr(line, '"'); p != NULL; p = strchr(p, '"')) {
            const char *end = strchr(p + 1, '"');
            assert_non_null(end);
            size_t n = (size_t)(end - p - 1);
            assert_true(n > 0 && n < sizeof entry);
            memcpy(entry, p + 1, n);
            entry[n] = '\0';
            for (size_t i = 0; i < n; i++)
                assert_true(entry[i] > 0x20 && entry[i] < 0x7f && !(entry[i] >= 'A' && entry[i] <= 'Z'));
            if (count > 0 && strcmp(prev, entry) >= 0)
                fail_msg("common_passwords.c: \"%s\" is not after \"%s\"", entry, prev);
            assert_true(password_is_common(entry));
            memcpy(prev, entry, n + 1);
            count++;
            p = end + 1;
        }
    }
    fclose(f);
    assert_true(count >= 1000);
}

static void password_policy_email(void **state)
{
    expect_refused("Alice.Smith@Example.com", "alice.smith@example.com", "email");
    expect_refused("ALICE.SMITH@EXAMPLE.COM", "alice.smith@example.com", "email");
    expect_refused("Alice.Smith", "alice.smith@example.com", "email"); /* local part */
    expect_refused("alice.smith", "alice.smith@example.com", "email");
    expect_accepted("alice.smith2", "alice.smith@example.com");
    expect_accepted("alice.smith", "bob.jones@example.com");
    expect_accepted("alice.smith", NULL);
    expect_accepted("alice.smith", "");
}

static void password_policy_characters(void **state)
{
    expect_refused("good passphrase\x01x", NULL, "control");
    expect_refused("good\tpassphrase", NULL, "control");
    expect_refused("good passphrase\n", NULL, "control");
    expect_refused("good passphrase\x7f", NULL, "control");
    expect_refused("good passphrase\xc2\x85", NULL, "control"); /* U+0085, C1 */
    expect_refused("good passphrase\xff\xfe", NULL, "UTF-8");
    expect_refused("good passphrase\xc0\xaf", NULL, "UTF-8");         /* overlong '/' */
    expect_refused("good passphrase\xe2\x82", NULL, "UTF-8");         /* truncated */
    expect_refused("good passphrase\xed\xa0\x80", NULL, "UTF-8");     /* surrogate */
    expect_refused("good passphrase\xf4\x90\x80\x80", NULL, "UTF-8"); /* > U+10FFFF */
    expect_refused("good passphrase\x80", NULL, "UTF-8");             /* stray continuation */
    expect_refused("aaaaaaaaaaaaaaa", NULL, "repeated");
    expect_refused("ééééééééééé", NULL, "repeated");
    expect_refused("             ", NULL, "repeated");
    expect_accepted("correct horse battery staple", "alice@example.com");
    expect_accepted("sœurs jumelles à Zürich 🎉", NULL);
}

static void expect_email(const char *in, const char *want)
{
    char out[EMAIL_MAX + 1];
    em_error err = {0};
    int rc = email_normalize(in, out, &err);
    if (rc != EM_OK)
        fail_msg("\"%s\" refused: %s", in, err.msg);
    assert_string_equal(out, want);
}

static void expect_bad_email(const char *in)
{
    char out[EMAIL_MAX + 1];
    em_error err = {0};
    memset(out, 'z', sizeof out);
    if (email_normalize(in, out, &err) != EM_E_INVAL)
        fail_msg("\"%s\" accepted", in != NULL ? in : "(null)");
    assert_int_equal(err.code, EM_E_INVAL);
    assert_true(err.msg[0] != '\0');
    assert_string_equal(out, "");
}

static void email_normalize_trims_and_lowercases(void **state)
{
    expect_email("  Alice@Example.COM ", "alice@example.com");
    expect_email("\tBOB.Jones+exam@Mail.Example.co.uk\r\n", "bob.jones+exam@mail.example.co.uk");
    expect_email("a@b.co", "a@b.co");
    expect_email("first_last-1@sub-domain.example.org", "first_last-1@sub-domain.example.org");
    expect_email("o'brien@example.ie", "o'brien@example.ie");
}

static void email_normalize_rejects_bad_shapes(void **state)
{
    const char *bad[] = {NULL,
                         "",
                         "   ",
                         "no-at",
                         "a@b",
                         "@x.com",
                         "a@",
                         "a@@b.com",
                         "a@b@c.com",
                         "a b@c.com",
                         "a@b..com",
                         "a@.b.com",
                         "a@b.com.",
                         "a@b .com",
                         "a@-b.com",
                         "a@b-.com",
                         "a@b_c.com",
                         "a@[127.0.0.1]",
                         "ü@example.com",
                         "a\x01@b.com",
                         "é@example.com",
                         "a@exämple.com",
                         "a@b.com\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_bad_email(bad[i]);
}

static void email_normalize_enforces_lengths(void **state)
{
    char addr[300];
    /* 254 bytes: a 64-byte local part, '@', and a 189-byte domain. */
    memset(addr, 'a', 64);
    addr[64] = '@';
    size_t n = 65;
    for (int label = 0; label < 3; label++) {
        memset(addr + n, 'b', 61);
        n += 61;
        addr[n++] = '.';
    }
    memcpy(addr + n, "com", 3);
    n += 3;
    addr[n] = '\0';
    assert_int_equal(n, 254);
    expect_email(addr, addr);

    /* 255 bytes. */
    memmove(addr + 1, addr, n + 1);
    addr[0] = 'a';
    assert_int_equal(strlen(addr), 255);
    expect_bad_email(addr); /* also a 65-byte local part, but the length fails first */

    /* 65-byte local part in a short address. */
    memset(addr, 'a', 65);
    snprintf(addr + 65, sizeof addr - 65, "@example.com");
    expect_bad_email(addr);
    /* A 64-character label. */
    snprintf(addr, sizeof addr, "a@%.*s.com", 64,
             "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    expect_bad_email(addr);

    /* Surrounding white space does not count towards the limit. */
    char padded[400];
    memset(addr, 'a', 64);
    snprintf(addr + 64, sizeof addr - 64, "@example.com");
    snprintf(padded, sizeof padded, "      %s      ", addr);
    expect_email(padded, addr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_hashes_wait_their_turn),
        cmocka_unit_test(password_hash_then_verify),
        cmocka_unit_test(password_hash_is_salted),
        cmocka_unit_test(password_hash_limits),
        cmocka_unit_test(password_default_cost_round_trips),
        cmocka_unit_test(password_needs_rehash_compares_cost),
        cmocka_unit_test(password_malformed_hash_does_not_verify),
        cmocka_unit_test(password_policy_length),
        cmocka_unit_test(password_policy_common),
        cmocka_unit_test(password_common_list_is_sorted),
        cmocka_unit_test(password_policy_email),
        cmocka_unit_test(password_policy_characters),
        cmocka_unit_test(email_normalize_trims_and_lowercases),
        cmocka_unit_test(email_normalize_rejects_bad_shapes),
        cmocka_unit_test(email_normalize_enforces_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
