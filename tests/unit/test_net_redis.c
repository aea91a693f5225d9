/* test_net_redis: the Redis client. Replies parsed as RESP2 says, in pieces
 * as they arrive, and refused past the limits; URLs checked; and, against
 * the tests' Redis (EM_TEST_REDIS_URL), commands, errors, credentials, and a
 * reconnect after the server dropped the connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/redis.h"

static redis_reply parse_ok(const char *text, size_t *used)
{
    redis_reply r;
    em_error err = {0};
    int rc = redis_parse_reply(text, strlen(text), used, &r, &err);
    if (rc != EM_OK)
        fail_msg("\"%s\": %d %s", text, rc, err.msg);
    return r;
}

static void expect_parse(const char *text, int want)
{
    redis_reply r;
    size_t used = 99;
    em_error err = {0};
    int rc = redis_parse_reply(text, strlen(text), &used, &r, &err);
    if (rc != want)
        fail_msg("\"%s\": %d, want %d (%s)", text, rc, want, err.msg);
    assert_int_equal(used, 0);
}

static void net_redis_parse_replies(void **state)
{
    (void)state;
    size_t used = 0;
    redis_reply r = parse_ok("+PONG\r\n", &used);
    assert_int_equal(r.type, REDIS_STATUS);
    assert_string_equal(r.str, "PONG");
    assert_int_equal(used, 7);
    redis_reply_cleanup(&r);
    r = parse_ok("-ERR wrong number of arguments\r\n", &used);
    assert_int_equal(r.type, REDIS_ERROR);
    assert_string_equal(r.str, "ERR wrong number of arguments");
    redis_reply_cleanup(&r);
    r = parse_ok(":-42\r\n", &used);
    assert_int_equal(r.type, REDIS_INTEGER);
    assert_int_equal(r.integer, -42);
    redis_reply_cleanup(&r);
    r = parse_ok("$5\r\nhe\r\no\r\n", &used); /* binary-safe: a CRLF inside */
    assert_int_equal(r.type, REDIS_STRING);
    assert_int_equal(r.len, 5);
    assert_memory_equal(r.str, "he\r\no", 5);
    redis_reply_cleanup(&r);
    {
        /* a NUL inside is kept (the fuzz target found one cut short) */
        static const char nul[] = "$3\r\na\0b\r\n";
        em_error err = {0};
        assert_int_equal(redis_parse_reply(nul, sizeof nul - 1, &used, &r, &err), EM_OK);
        assert_int_equal(r.len, 3);
        assert_memory_equal(r.str, "a\0b", 4);
        redis_reply_cleanup(&r);
        static const char nul_error[] = "-\0 1\r\n";
        assert_int_equal(redis_parse_reply(nul_error, sizeof nul_error - 1, &used, &r, &err), EM_OK);
        assert_int_equal(r.len, 3);
        assert_int_equal(r.str[3], '\0');
        redis_reply_cleanup(&r);
    }
    r = parse_ok("$-1\r\n", &used);
    assert_int_equal(r.type, REDIS_NIL);
    redis_reply_cleanup(&r);
    r = parse_ok("*3\r\n:1\r\n$3\r\nabc\r\n*1\r\n+x\r\n+next\r\n", &used);
    assert_int_equal(r.type, REDIS_ARRAY);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.elems[0].integer, 1);
    assert_string_equal(r.elems[1].str, "abc");
    assert_int_equal(r.elems[2].type, REDIS_ARRAY);
    assert_string_equal(r.elems[2].elems[0].str, "x");
    assert_int_equal(used, strlen("*3\r\n:1\r\n$3\r\nabc\r\n*1\r\n+x\r\n")); /* the next reply is left */
    redis_reply_cleanup(&r);

    /* the start of a reply asks for more */
    expect_parse("", REDIS_INCOMPLETE);
    expect_parse("+PON", REDIS_INCOMPLETE);
    expect_parse("$5\r\nhel", REDIS_INCOMPLETE);
    expect_parse("*2\r\n:1\r\n", REDIS_INCOMPLETE);
    /* what is no reply */
    expect_parse("?\r\n", EM_E_PARSE);
    expect_parse(":12a\r\n", EM_E_PARSE);
    expect_parse("$3\r\nabcd\r\n", EM_E_PARSE);
    expect_parse("$-2\r\n", EM_E_PARSE);
    expect_parse(":99999999999999999999\r\n", EM_E_PARSE);
    /* past the limits */
    expect_parse("*1025\r\n", EM_E_PARSE);
    expect_parse("$2000000\r\n", EM_E_PARSE);
    expect_parse("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", EM_E_PARSE);
}

static void net_redis_urls(void **state)
{
    (void)state;
    const char *good[] = {"redis://localhost", "redis://127.0.0.1:6380", "redis://:secret@h:1/2",
                          "redis://user:pw@h/15"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        redis *r = NULL;
        em_error err = {0};
        if (redis_open(good[i], 100, &r, &err) != EM_OK)
            fail_msg("%s: %s", good[i], err.msg);
        redis_close(r);
    }
    const char *bad[] = {"http://h",     "redis://",       "redis://h:port",
                         "redis://h/db", "redis://user@h", "redis://h:123456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        redis *r = NULL;
        em_error err = {0};
        if (redis_open(bad[i], 100, &r, &err) != EM_E_CONFIG)
            fail_msg("%s was taken", bad[i]);
        assert_non_null(strstr(err.msg, "REDIS_URL"));
        assert_null(r);
    }
    /* nothing listens: unavailable, quickly */
    redis *r = NULL;
    em_error err = {0};
    assert_int_equal(redis_open("redis://127.0.0.1:1", 200, &r, &err), EM_OK);
    assert_int_equal(redis_ping(r, &err), EM_E_UNAVAILABLE);
    redis_close(r);
}

static void net_redis_against_a_server(void **state)
{
    (void)state;
    const char *url = getenv("EM_TEST_REDIS_URL");
    if (url == NULL || url[0] == '\0') {
        const char *req = getenv("EM_REQUIRE_REDIS");
        if (req != NULL && strcmp(req, "1") == 0)
            fail_msg("EM_REQUIRE_REDIS=1 but EM_TEST_REDIS_URL is not set");
        skip();
        return;
    }
    redis *r = NULL;
    em_error err = {0};
    assert_int_equal(redis_open(url, 1000, &r, &err), EM_OK);
    assert_int_equal(redis_ping(r, &err), EM_OK);
    char key[32];
    snprintf(key, sizeof key, "em:test:%08x", (unsigned)rand());
    const char *set[] = {"SET", key, "a\r\nb"};
    size_t set_lens[] = {3, strlen(key), 4};
    redis_reply rep;
    assert_int_equal(redis_command(r, 3, set, set_lens, &rep, &err), EM_OK);
    assert_int_equal(rep.type, REDIS_STATUS);
    redis_reply_cleanup(&rep);
    const char *get[] = {"GET", key};
    assert_int_equal(redis_command(r, 2, get, NULL, &rep, &err), EM_OK);
    assert_int_equal(rep.type, REDIS_STRING);
    assert_int_equal(rep.len, 4);
    assert_memory_equal(rep.str, "a\r\nb", 4);
    redis_reply_cleanup(&rep);
    /* an error reply is an answer */
    const char *bad[] = {"INCR", key};
    assert_int_equal(redis_command(r, 2, bad, NULL, &rep, &err), EM_OK);
    assert_int_equal(rep.type, REDIS_ERROR);
    redis_reply_cleanup(&rep);
    /* the server drops every client: the next command connects again */
    const char *kill[] = {"CLIENT", "KILL", "TYPE", "normal"};
    redis_command(r, 4, kill, NULL, &rep, &err);
    redis_reply_cleanup(&rep);
    assert_int_equal(redis_ping(r, &err), EM_OK);
    const char *del[] = {"DEL", key};
    assert_int_equal(redis_command(r, 2, del, NULL, &rep, &err), EM_OK);
    redis_reply_cleanup(&rep);
    /* wrong credentials are said so */
    redis_close(r);
    char wrong[600];
    const char *host = strstr(url, "://");
    snprintf(wrong, sizeof wrong, "redis://:not-the-password@%s", host != NULL ? host + 3 : "127.0.0.1");
    assert_int_equal(redis_open(wrong, 1000, &r, &err), EM_OK);
    assert_int_equal(redis_ping(r, &err), EM_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "credentials"));
    redis_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(net_redis_parse_replies),
        cmocka_unit_test(net_redis_urls),
        cmocka_unit_test(net_redis_against_a_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
