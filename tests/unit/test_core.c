/* core: bounded buffers, arenas, ids, clock formatting, log levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/inflight.h"
#include "core/log.h"

static void core_buf_enforces_max(void **state)
{
    buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_append_str(&b, "12345"), EM_OK);
    assert_int_equal(buf_printf(&b, "%d", 6789), EM_OK);
    assert_int_equal(b.len, 9);
    assert_int_equal(buf_append_str(&b, "ab"), EM_E_TOO_LARGE);
    assert_string_equal(b.data, "123456789"); /* unchanged by the refused append */
    assert_int_equal(buf_append_str(&b, "a"), EM_OK);
    assert_int_equal(buf_printf(&b, "x"), EM_E_TOO_LARGE);
    char *s = buf_steal(&b);
    assert_string_equal(s, "123456789a");
    free(s);
    assert_int_equal(b.len, 0);
    buf_cleanup(&b);
}

static void core_buf_grows_to_large_sizes(void **state)
{
    buf b;
    buf_init(&b, 1 << 20);
    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    size_t total = 0;
    while (buf_append(&b, chunk, sizeof chunk) == EM_OK)
        total += sizeof chunk;
    assert_int_equal(total, ((1 << 20) / 1000) * 1000);
    assert_int_equal(b.len, total);
    assert_int_equal(b.data[b.len], '\0');
    buf_cleanup(&b);
}

static void core_arena_allocates_aligned_and_frees(void **state)
{
    arena *a = arena_new(64);
    for (int i = 0; i < 1000; i++) {
        void *p = arena_alloc(a, (size_t)(i % 97) + 1);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, (size_t)(i % 97) + 1);
    }
    char *s = arena_sprintf(a, "%s-%d", "topic", 42);
    assert_string_equal(s, "topic-42");
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    char *big = arena_alloc(a, 1 << 16); /* bigger than any chunk so far */
    memset(big, 1, 1 << 16);
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
    assert_string_equal(arena_strdup(a, "again"), "again");
    arena_free(a);
    arena_free(NULL);
}

static void core_uuid7_is_canonical_and_ordered(void **state)
{
    char a[ID_UUID_LEN + 1], b[ID_UUID_LEN + 1];
    id_uuid7(a);
    usleep(2000);
    id_uuid7(b);
    assert_true(id_is_uuid(a));
    assert_int_equal(a[14], '7');
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_true(strcmp(a, b) < 0); /* time-ordered across milliseconds */
    /* a burst within one millisecond stays in creation order */
    char prev[ID_UUID_LEN + 1], next[ID_UUID_LEN + 1];
    id_uuid7(prev);
    for (int i = 0; i < 20000; i++) {
        id_uuid7(next);
        if (strcmp(prev, next) >= 0)
            fail_msg("id %d out of order: %s then %s", i, prev, next);
        assert_int_equal(next[14], '7');
        memcpy(prev, next, sizeof prev);
    }
    assert_false(id_is_uuid("not-a-uuid"));
    assert_false(id_is_uuid("0190000000007000800000000000000000000"));
    assert_false(id_is_uuid("01900000-0000-7000-8000-0000000000001"));
    assert_true(id_is_uuid("01900000-0000-7000-8000-00000000000A"));
}

#define IDS_PER_THREAD 5000
static char thread_ids[4][IDS_PER_THREAD][ID_UUID_LEN + 1];

static void *make_ids(void *arg)
{
    char(*mine)[ID_UUID_LEN + 1] = arg;
    for (int i = 0; i < IDS_PER_THREAD; i++)
        id_uuid7(mine[i]);
    return NULL;
}

static int cmp_ids(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Ids from several threads are unique, and each thread's are increasing. */
static void core_uuid7_unique_across_threads(void **state)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, make_ids, thread_ids[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++)
        for (int k = 1; k < IDS_PER_THREAD; k++)
            assert_true(strcmp(thread_ids[i][k - 1], thread_ids[i][k]) < 0);
    qsort(thread_ids, 4 * IDS_PER_THREAD, ID_UUID_LEN + 1, cmp_ids);
    char(*all)[ID_UUID_LEN + 1] = thread_ids[0];
    for (int k = 1; k < 4 * IDS_PER_THREAD; k++)
        assert_true(strcmp(all[k - 1], all[k]) != 0);
}

static void core_clock_formats_utc(void **state)
{
    char out[32];
    clock_iso8601(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    clock_iso8601(1795305600123LL, out);
    assert_string_equal(out, "2026-11-22T00:00:00.123Z");
}

static void core_clock_parses_iso8601(void **state)
{
    int64_t ms = 0;
    assert_int_equal(clock_parse_iso8601("2026-11-22T00:00:00.123Z", &ms), EM_OK);
    assert_true(ms == 1795305600123LL);
    assert_int_equal(clock_parse_iso8601("2026-11-22T00:00:00Z", &ms), EM_OK);
    assert_true(ms == 1795305600000LL);
    assert_int_equal(clock_parse_iso8601("2026-11-22 00:00:00.1239Z", &ms), EM_OK);
    assert_true(ms == 1795305600123LL); /* past the millisecond is dropped */
    /* 13:00 in New Zealand daylight time is midnight UTC */
    assert_int_equal(clock_parse_iso8601("2026-11-22T13:00:00+13:00", &ms), EM_OK);
    assert_true(ms == 1795305600000LL);
    assert_int_equal(clock_parse_iso8601("2026-11-21T19:00:00-0500", &ms), EM_OK);
    assert_true(ms == 1795305600000LL);
    assert_int_equal(clock_parse_iso8601("1970-01-01T00:00:00Z", &ms), EM_OK);
    assert_true(ms == 0);
    const char *bad[] = {"",
                         "2026-11-22",
                         "2026-11-22T00:00:00",
                         "2026-02-30T00:00:00Z",
                         "2026-11-22T24:00:00Z",
                         "2026-11-22T00:00:00.Z",
                         "2026-11-22T00:00:00Zjunk",
                         "2026-11-22T00:00:00+25:00",
                         "2O26-11-22T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(clock_parse_iso8601(bad[i], &ms), EM_E_INVAL);
    assert_int_equal(clock_parse_iso8601(NULL, &ms), EM_E_INVAL);
}

static void core_log_levels_and_lines(void **state)
{
    log_level lv;
    assert_int_equal(log_level_parse("WARNING", &lv), EM_OK);
    assert_int_equal(lv, LOG_WARN);
    assert_int_equal(log_level_parse("verbose", &lv), EM_E_INVAL);
    char path[] = "/tmp/em-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    log_configure(LOG_INFO, fd);
    log_msg(LOG_DEBUG, "hidden");
    log_emit(LOG_INFO, "shown", json_pack("{s:i}", "n", 7));
    log_configure(LOG_INFO, 1);
    close(fd);
    FILE *f = fopen(path, "r");
    char line[512] = {0};
    assert_non_null(fgets(line, sizeof line, f));
    assert_null(fgets(line + strlen(line), 10, f)); /* exactly one line */
    fclose(f);
    unlink(path);
    json_error_t e;
    json_t *j = json_loads(line, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "msg")), "shown");
    assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
    assert_int_equal(json_integer_value(json_object_get(j, "n")), 7);
    json_decref(j);
}

static void core_error_set_and_strerror(void **state)
{
    em_error err = {0};
    assert_int_equal(em_error_set(&err, EM_E_CONFLICT, "email %s taken", "a@b"), EM_E_CONFLICT);
    assert_string_equal(err.msg, "email a@b taken");
    assert_string_equal(em_strerror(EM_E_TOO_LARGE), "too large");
    assert_string_equal(em_strerror(-999), "unknown error");
    em_error_clear(&err);
    assert_int_equal(err.code, EM_OK);
    assert_int_equal(em_error_set(NULL, EM_E_IO, "ignored"), EM_E_IO);
}

/* buf_read_file: whole files, the buffer's maximum, and clear failures that
 * leave the buffer as it was. */
static void core_buf_read_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/em-buf-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/f.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 5000; i++)
        fputs("0123456789", f); /* 50,000 bytes: several reads */
    fclose(f);
    em_error err = {0};
    buf b;
    buf_init(&b, 100000);
    buf_append_str(&b, "head:");
    assert_int_equal(buf_read_file(&b, path, &err), EM_OK);
    assert_int_equal(b.len, 5 + 50000);
    assert_memory_equal(b.data + 5 + 49990, "0123456789", 10);
    buf_cleanup(&b);
    buf_init(&b, 1000);
    buf_append_str(&b, "kept");
    assert_int_equal(buf_read_file(&b, path, &err), EM_E_TOO_LARGE);
    assert_string_equal(b.data, "kept");
    assert_non_null(strstr(err.msg, "f.txt"));
    char missing[80];
    snprintf(missing, sizeof missing, "%s/none", dir);
    assert_int_equal(buf_read_file(&b, missing, &err), EM_E_NOT_FOUND);
    assert_int_equal(buf_read_file(&b, dir, &err), EM_E_IO); /* a directory */
    assert_string_equal(b.data, "kept");
    buf_cleanup(&b);
    unlink(path);
    rmdir(dir);
}

/* inflight: a key at its cap is refused until one of its runs leaves; other
 * keys are not; a full table refuses new keys and frees a slot on leaving. */
static void core_inflight_caps_each_key(void **state)
{
    (void)state;
    inflight *t = inflight_new(2, 2);
    assert_true(inflight_enter(t, "alice"));
    assert_true(inflight_enter(t, "alice"));
    assert_false(inflight_enter(t, "alice"));
    assert_true(inflight_enter(t, "bob"));
    assert_false(inflight_enter(t, "carol")); /* the table is full */
    inflight_leave(t, "bob");
    assert_true(inflight_enter(t, "carol"));
    inflight_leave(t, "alice");
    assert_true(inflight_enter(t, "alice"));
    assert_false(inflight_enter(t, "alice"));
    inflight_leave(t, "alice");
    inflight_leave(t, "alice");
    inflight_leave(t, "carol");
    assert_true(inflight_enter(t, "dave"));
    assert_true(inflight_enter(t, "erin"));
    inflight_leave(t, "dave");
    inflight_leave(t, "erin");
    inflight_free(t);
    inflight_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_buf_enforces_max),
        cmocka_unit_test(core_buf_grows_to_large_sizes),
        cmocka_unit_test(core_buf_read_file),
        cmocka_unit_test(core_arena_allocates_aligned_and_frees),
        cmocka_unit_test(core_uuid7_is_canonical_and_ordered),
        cmocka_unit_test(core_uuid7_unique_across_threads),
        cmocka_unit_test(core_clock_formats_utc),
        cmocka_unit_test(core_clock_parses_iso8601),
        cmocka_unit_test(core_log_levels_and_lines),
        cmocka_unit_test(core_error_set_and_strerror),
        cmocka_unit_test(core_inflight_caps_each_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
