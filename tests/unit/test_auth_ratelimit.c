/* Unit tests for src/auth/ratelimit.c: the sliding window (limit, retry-after,
 * release, refused hits not counted), independent keys, reset, the bounded
 * table under a flood of keys, concurrent hits on one key, and "N/S" parsing.
 * Time is given explicitly (now_ms), so nothing here sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ratelimit.h"
#include "core/config.h"
#include "core/err.h"

/* An arbitrary epoch time to start from. */
#define T0 1700000000000LL

static void test_ratelimit_limit_and_retry_after(void **state)
{
    (void)state;
    ratelimit *rl = ratelimit_new(3, 10, 64);
    int retry = -1;
    assert_true(ratelimit_hit(rl, "k", T0, &retry));
    assert_int_equal(retry, 0);
    assert_true(ratelimit_hit(rl, "k", T0 + 1000, &retry));
    assert_true(ratelimit_hit(rl, "k", T0 + 2000, NULL));
    assert_false(ratelimit_hit(rl, "k", T0 + 2500, &retry));
    assert_true(retry >= 1 && retry <= 10);
    assert_int_equal(retry, 8); /* the first hit leaves the window at T0 + 10 s: 7.5 s, rounded up */

    /* A hit is allowed again exactly when the oldest leaves the window ... */
    assert_false(ratelimit_hit(rl, "k", T0 + 9999, &retry));
    assert_int_equal(retry, 1);
    assert_true(ratelimit_hit(rl, "k", T0 + 10000, NULL));
    /* ... and the window slides: the hits of T0+1 s and T0+2 s still count. */
    assert_false(ratelimit_hit(rl, "k", T0 + 10500, &retry));
    assert_int_equal(retry, 1);
    assert_true(ratelimit_hit(rl, "k", T0 + 11000, NULL));

    /* After a whole quiet window everything is allowed again. */
    assert_true(ratelimit_hit(rl, "k", T0 + 30000, NULL));
    assert_true(ratelimit_hit(rl, "k", T0 + 30000, NULL));
    assert_true(ratelimit_hit(rl, "k", T0 + 30000, NULL));
    assert_false(ratelimit_hit(rl, "k", T0 + 30000, &retry));
    assert_int_equal(retry, 10);
    ratelimit_free(rl);
    ratelimit_free(NULL);
}

static void test_ratelimit_refused_hits_not_counted(void **state)
{
    (void)state;
    ratelimit *rl = ratelimit_new(3, 10, 64);
    for (int i = 0; i < 3; i++)
        assert_true(ratelimit_hit(rl, "ip:1", T0, NULL));
    /* Hammering while blocked, every 100 ms for the whole window. */
    int retry;
    for (int64_t t = T0 + 100; t < T0 + 10000; t += 100) {
        assert_false(ratelimit_hit(rl, "ip:1", t, &retry));
        assert_true(retry >= 1 && retry <= 10);
    }
    /* Released when the window of the counted hits has passed. */
    assert_true(ratelimit_hit(rl, "ip:1", T0 + 10000, NULL));
    assert_true(ratelimit_hit(rl, "ip:1", T0 + 10000, NULL));
    assert_true(ratelimit_hit(rl, "ip:1", T0 + 10000, NULL));
    assert_false(ratelimit_hit(rl, "ip:1", T0 + 10000, NULL));
    ratelimit_free(rl);
}

static void test_ratelimit_keys_independent_and_reset(void **state)
{
    (void)state;
    ratelimit *rl = ratelimit_new(2, 60, 64);
    assert_true(ratelimit_hit(rl, "login:ip:1.2.3.4", T0, NULL));
    assert_true(ratelimit_hit(rl, "login:ip:1.2.3.4", T0, NULL));
    assert_false(ratelimit_hit(rl, "login:ip:1.2.3.4", T0, NULL));
    assert_true(ratelimit_hit(rl, "login:ip:1.2.3.5", T0, NULL));
    assert_true(ratelimit_hit(rl, "login:acct:a@b.c", T0, NULL));
    assert_true(ratelimit_hit(rl, "login:acct:a@b.c", T0, NULL));
    assert_false(ratelimit_hit(rl, "login:acct:a@b.c", T0, NULL));
    /* A key that is a prefix of another is another key. */
    assert_true(ratelimit_hit(rl, "login:ip:1.2.3.", T0, NULL));
    assert_int_equal(ratelimit_size(rl), 4);

    ratelimit_reset(rl, "login:acct:a@b.c");
    assert_int_equal(ratelimit_size(rl), 3);
    assert_true(ratelimit_hit(rl, "login:acct:a@b.c", T0, NULL));
    assert_false(ratelimit_hit(rl, "login:ip:1.2.3.4", T0, NULL)); /* untouched */
    ratelimit_reset(rl, "never-seen");
    ratelimit_reset(rl, "login:ip:1.2.3.4");
    assert_true(ratelimit_hit(rl, "login:ip:1.2.3.4", T0, NULL));
    ratelimit_free(rl);
}

static void test_ratelimit_large_limit_grows(void **state)
{
    (void)state;
    /* The ring grows past its first few slots and wraps around correctly. */
    ratelimit *rl = ratelimit_new(100, 10, 16);
    for (int i = 0; i < 100; i++)
        assert_true(ratelimit_hit(rl, "k", T0 + i * 10, NULL));
    assert_false(ratelimit_hit(rl, "k", T0 + 1000, NULL));
    /* Slide by 50 hits' worth: exactly 50 more are allowed. */
    int allowed = 0;
    for (int i = 0; i < 80; i++)
        allowed += ratelimit_hit(rl, "k", T0 + 10000 + 490, NULL);
    assert_int_equal(allowed, 50);
    ratelimit_free(rl);
}

static void test_ratelimit_clock_steps_back(void **state)
{
    (void)state;
    ratelimit *rl = ratelimit_new(2, 10, 16);
    assert_true(ratelimit_hit(rl, "k", T0 + 3600000, NULL));
    assert_true(ratelimit_hit(rl, "k", T0 + 3600000, NULL));
    /* The clock goes back an hour: the key stays blocked one window, not an hour. */
    int retry;
    assert_false(ratelimit_hit(rl, "k", T0, &retry));
    assert_int_equal(retry, 10);
    assert_true(ratelimit_hit(rl, "k", T0 + 10000, NULL));
    ratelimit_free(rl);
}

static void test_ratelimit_table_bounded(void **state)
{
    (void)state;
    const size_t max_keys = 64;
    ratelimit *rl = ratelimit_new(2, 60, max_keys);
    char key[64];
    /* A blocked key: its window holds two hits. */
    assert_true(ratelimit_hit(rl, "victim", T0, NULL));
    assert_true(ratelimit_hit(rl, "victim", T0, NULL));
    /* A flood of distinct keys, all inside one window (nothing to sweep):
     * the table fills, then new keys are refused (fail closed) with the wait
     * until the oldest key frees, and memory never grows past max_keys. */
    size_t admitted = 0;
    int retry = 0;
    for (size_t i = 0; i < 10 * max_keys; i++) {
        snprintf(key, sizeof key, "flood:%zu", i);
        if (ratelimit_hit(rl, key, T0 + 1000 + (int64_t)i, &retry))
            admitted++;
        else
            assert_true(retry >= 1 && retry <= 60);
        assert_true(ratelimit_size(rl) <= max_keys);
    }
    assert_int_equal(admitted, max_keys - 1);
    assert_int_equal(ratelimit_size(rl), max_keys);
    /* The flood pushed nothing out: the victim is still limited, and keys
     * already in keep working. */
    assert_false(ratelimit_hit(rl, "victim", T0 + 2000, &retry));
    assert_true(ratelimit_hit(rl, "flood:0", T0 + 2000, NULL));
    assert_false(ratelimit_hit(rl, "flood:0", T0 + 2000, NULL));
    /* Once the window has passed, new keys sweep the idle ones. */
    assert_true(ratelimit_hit(rl, "late", T0 + 2000 + 60000, NULL));
    assert_true(ratelimit_size(rl) <= 2);
    ratelimit_free(rl);
}

/* One attempt against the address and the account: both or neither. A
 * refused attempt counts for no key and creates none, so refused requests
 * cannot fill the table. */
static void test_ratelimit_hit_all_is_all_or_nothing(void **state)
{
    (void)state;
    ratelimit *rl = ratelimit_new(2, 60, 16);
    const char *ip_a[] = {"login:ip:1", "login:acct:a"};
    const char *ip_b[] = {"login:ip:1", "login:acct:b"};
    int retry = 0;
    assert_true(ratelimit_hit_all(rl, ip_a, 2, T0, NULL));
    assert_true(ratelimit_hit_all(rl, ip_a, 2, T0 + 1, NULL));
    assert_int_equal(ratelimit_size(rl), 2);
    /* The address is spent: a new account's attempt is refused and leaves
     * nothing behind. */
    for (int i = 0; i < 100; i++)
        assert_false(ratelimit_hit_all(rl, ip_b, 2, T0 + 10 + i, &retry));
    assert_int_equal(ratelimit_size(rl), 2);
    assert_true(retry >= 59 && retry <= 60);
    /* The account is spent, from a fresh address: refused, and the fresh
     * address's key is not created either. */
    const char *ip2_a[] = {"login:ip:2", "login:acct:a"};
    assert_false(ratelimit_hit_all(rl, ip2_a, 2, T0 + 200, NULL));
    assert_int_equal(ratelimit_size(rl), 2);
    /* After the window, both are free again. */
    assert_true(ratelimit_hit_all(rl, ip2_a, 2, T0 + 60001, NULL));
    /* The spent address's key has been swept; the account's, emptied by the
     * passing window, counts this one hit, and so does the new address's. */
    assert_int_equal(ratelimit_size(rl), 2);
    assert_true(ratelimit_hit_all(rl, ip2_a, 2, T0 + 60002, NULL));
    assert_false(ratelimit_hit_all(rl, ip2_a, 2, T0 + 60003, NULL));
    ratelimit_free(rl);
}

static void test_ratelimit_long_keys(void **state)
{
    (void)state;
    ratelimit *rl = ratelimit_new(1, 60, 16);
    char *a = malloc(RATELIMIT_KEY_MAX + 100);
    memset(a, 'a', RATELIMIT_KEY_MAX + 99);
    a[RATELIMIT_KEY_MAX + 99] = '\0';
    assert_true(ratelimit_hit(rl, a, T0, NULL));
    /* Cut at RATELIMIT_KEY_MAX: a key differing only past it shares the limit. */
    a[RATELIMIT_KEY_MAX + 10] = 'b';
    assert_false(ratelimit_hit(rl, a, T0, NULL));
    a[RATELIMIT_KEY_MAX - 1] = 'b';
    assert_true(ratelimit_hit(rl, a, T0, NULL));
    free(a);
    ratelimit_free(rl);
}

/* ---- concurrency ---- */

#define THREADS 4
#define PHASES 4
#define HITS_PER_PHASE 2000

typedef struct shared {
    ratelimit *rl;
    pthread_barrier_t barrier;
    atomic_int allowed[PHASES];
} shared;

/* Each phase all threads hammer one key together, a hit per (simulated)
 * millisecond for 2 s, inside one 10 s window; phases are 20 s apart, so each
 * starts with an empty window. The threads' clocks differ by a few ms, as
 * real ones would. */
static void *hammer(void *arg)
{
    shared *sh = arg;
    for (int w = 0; w < PHASES; w++) {
        pthread_barrier_wait(&sh->barrier);
        int64_t base = T0 + (int64_t)w * 20000;
        for (int i = 0; i < HITS_PER_PHASE; i++) {
            if (ratelimit_hit(sh->rl, "shared", base + i, NULL))
                atomic_fetch_add(&sh->allowed[w], 1);
            if (i % 64 == 0) { /* other keys in between, to move the table around */
                char key[32];
                snprintf(key, sizeof key, "other:%d", i);
                ratelimit_hit(sh->rl, key, base + i, NULL);
            }
        }
    }
    return NULL;
}

static void test_ratelimit_concurrent_one_key(void **state)
{
    (void)state;
    shared *sh = calloc(1, sizeof *sh);
    sh->rl = ratelimit_new(7, 10, 32);
    assert_int_equal(pthread_barrier_init(&sh->barrier, NULL, THREADS), 0);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, sh), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    /* Exactly `limit` per window across the threads: never more, and the
     * 8000 attempts surely fill it. */
    for (int w = 0; w < PHASES; w++)
        assert_int_equal(atomic_load(&sh->allowed[w]), 7);
    assert_true(ratelimit_size(sh->rl) <= 32);
    pthread_barrier_destroy(&sh->barrier);
    ratelimit_free(sh->rl);
    free(sh);
}

/* ---- parsing ---- */

/* The Redis of the tests (EM_TEST_REDIS_URL), or NULL with the case skipped
 * (a failure with EM_REQUIRE_REDIS=1). */
static redis *test_redis(void)
{
    const char *url = getenv("EM_TEST_REDIS_URL");
    if (url == NULL || url[0] == '\0') {
        const char *req = getenv("EM_REQUIRE_REDIS");
        if (req != NULL && strcmp(req, "1") == 0)
            fail_msg("EM_REQUIRE_REDIS=1 but EM_TEST_REDIS_URL is not set");
        return NULL;
    }
    redis *r = NULL;
    em_error err = {0};
    assert_int_equal(redis_open(url, 1000, &r, &err), EM_OK);
    if (redis_ping(r, &err) != EM_OK)
        fail_msg("the tests' Redis does not answer: %s", err.msg);
    return r;
}

/* Two processes' tables sharing Redis hold a client to one limit: hits on
 * either count for both, a refusal counts for none, retry_after follows the
 * oldest hit, and a reset on one frees the key for both. */
static void test_ratelimit_shared_through_redis(void **state)
{
    (void)state;
    redis *r = test_redis();
    if (r == NULL) {
        skip();
        return;
    }
    char name[32];
    snprintf(name, sizeof name, "t%08x", (unsigned)rand());
    ratelimit *a = ratelimit_new(3, 60, 16), *b = ratelimit_new(3, 60, 16);
    ratelimit_share(a, r, name);
    ratelimit_share(b, r, name);
    int64_t t = 1000000;
    int retry = -1;
    assert_true(ratelimit_hit(a, "login:ip:10.0.0.1", t, &retry));
    assert_true(ratelimit_hit(b, "login:ip:10.0.0.1", t + 1000, &retry));
    assert_true(ratelimit_hit(a, "login:ip:10.0.0.1", t + 2000, &retry));
    assert_false(ratelimit_hit(b, "login:ip:10.0.0.1", t + 3000, &retry));
    assert_int_equal(retry, 57); /* the first hit leaves the window at t + 60 s */
    assert_false(ratelimit_hit(a, "login:ip:10.0.0.1", t + 4000, &retry));
    assert_true(ratelimit_hit(b, "login:ip:10.0.0.2", t + 4000, &retry)); /* keys apart */
    /* all keys of a hit or none */
    const char *both[] = {"login:ip:10.0.0.3", "login:ip:10.0.0.1"};
    assert_false(ratelimit_hit_all(a, both, 2, t + 5000, &retry));
    assert_true(ratelimit_hit(b, "login:ip:10.0.0.3", t + 5000, &retry));
    assert_true(ratelimit_hit(b, "login:ip:10.0.0.3", t + 5000, &retry));
    /* the window slides: the first hit is out after 60 s */
    assert_true(ratelimit_hit(b, "login:ip:10.0.0.1", t + 60000, &retry));
    assert_false(ratelimit_hit(a, "login:ip:10.0.0.1", t + 60001, &retry));
    ratelimit_reset(a, "login:ip:10.0.0.1");
    assert_true(ratelimit_hit(b, "login:ip:10.0.0.1", t + 60002, &retry));
    ratelimit_free(a);
    ratelimit_free(b);
    redis_close(r);
}

/* Redis gone (nothing listens on the port): each table limits on its own. */
static void test_ratelimit_shared_falls_back(void **state)
{
    (void)state;
    redis *gone = NULL;
    em_error err = {0};
    assert_int_equal(redis_open("redis://127.0.0.1:1/0", 200, &gone, &err), EM_OK);
    ratelimit *a = ratelimit_new(2, 60, 16);
    ratelimit_share(a, gone, "fallback");
    int retry = 0;
    assert_true(ratelimit_hit(a, "k", 1000, &retry));
    assert_true(ratelimit_hit(a, "k", 1001, &retry));
    assert_false(ratelimit_hit(a, "k", 1002, &retry));
    assert_true(retry >= 59);
    ratelimit_free(a);
    redis_close(gone);
}

static void test_config_parse_rate(void **state)
{
    (void)state;
    int n = -1, w = -1;
    assert_int_equal(config_parse_rate("10/60", &n, &w), EM_OK);
    assert_int_equal(n, 10);
    assert_int_equal(w, 60);
    assert_int_equal(config_parse_rate("1/1", &n, &w), EM_OK);
    assert_int_equal(config_parse_rate("100000/86400", &n, &w), EM_OK);
    assert_int_equal(n, 100000);
    assert_int_equal(w, 86400);

    static const char *const bad[] = {"0/60",
                                      "10/0",
                                      "x/60",
                                      "10/",
                                      "10/60s",
                                      "",
                                      "/60",
                                      "10",
                                      "10/60/1",
                                      " 10/60",
                                      "10/60 ",
                                      "10 /60",
                                      "-1/60",
                                      "+1/60",
                                      "10/-60",
                                      "100001/60",
                                      "10/86401",
                                      "99999999999999999999/60",
                                      "10/99999999999999",
                                      "1e3/60",
                                      "10//60",
                                      "10/6x0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = w = -7;
        if (config_parse_rate(bad[i], &n, &w) != EM_E_INVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(n, -7); /* outputs untouched on failure */
        assert_int_equal(w, -7);
    }
    assert_int_equal(config_parse_rate(NULL, &n, &w), EM_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratelimit_limit_and_retry_after),
        cmocka_unit_test(test_ratelimit_refused_hits_not_counted),
        cmocka_unit_test(test_ratelimit_keys_independent_and_reset),
        cmocka_unit_test(test_ratelimit_large_limit_grows),
        cmocka_unit_test(test_ratelimit_clock_steps_back),
        cmocka_unit_test(test_ratelimit_table_bounded),
        cmocka_unit_test(test_ratelimit_hit_all_is_all_or_nothing),
        cmocka_unit_test(test_ratelimit_long_keys),
        cmocka_unit_test(test_ratelimit_concurrent_one_key),
        cmocka_unit_test(test_ratelimit_shared_through_redis),
        cmocka_unit_test(test_ratelimit_shared_falls_back),
        cmocka_unit_test(test_config_parse_rate),
    };
    return cmocka_run_group_tests_name("auth_ratelimit", tests, NULL, NULL);
}
