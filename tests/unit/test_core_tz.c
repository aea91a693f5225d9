/* tz: zone names; local dates in Pacific/Auckland and America/Los_Angeles
 * around midnight UTC, on both sides of real 2026 daylight saving changes, and
 * far in the future where the footer's rule decides; footer rules of every
 * kind from made-up files; files that are cut short, out of order or too big. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/civil.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/tz.h"

/* ---- test tools --------------------------------------------------------- */

/* Unix time of y-m-d h:mi:s UTC. */
static int64_t utc(int y, int m, int d, int h, int mi, int s)
{
    return civil_to_days((civil_date){y, m, d}) * 86400 + h * 3600 + mi * 60 + s;
}

static tz_zone *load(const char *name)
{
    tz_zone *z = NULL;
    em_error err = {0};
    int rc = tz_load(name, &z, &err);
    if (rc != EM_OK)
        fail_msg("tz_load %s: %d %s", name, rc, err.msg);
    return z;
}

static void assert_local(const tz_zone *z, int64_t t, int y, int m, int d)
{
    civil_date c;
    int rc = tz_local_date(z, t, &c);
    if (rc != EM_OK || c.year != y || c.month != m || c.day != d)
        fail_msg("%s at %lld: got %04d-%02d-%02d (rc %d), want %04d-%02d-%02d", tz_name(z), (long long)t,
                 c.year, c.month, c.day, rc, y, m, d);
}

static void assert_offset(const tz_zone *z, int64_t t, int32_t want, bool want_dst)
{
    bool dst;
    int32_t got = tz_utc_offset(z, t, &dst);
    if (got != want || dst != want_dst)
        fail_msg("%s at %lld: offset %d dst %d, want %d dst %d", tz_name(z), (long long)t, got, dst, want,
                 want_dst);
}

/* A version 2 TZif file with no transitions, one type (offset off) and the
 * footer rule; owned, *len its size. */
static unsigned char *tzif_rule_only(int32_t off, const char *rule, size_t *len)
{
    size_t rl = strlen(rule);
    size_t block = 6 + 4; /* one type, "XXX\0" */
    size_t n = 2 * (44 + block) + 2 + rl;
    unsigned char *p = em_calloc(1, n);
    for (int h = 0; h < 2; h++) {
        unsigned char *q = p + h * (44 + block);
        memcpy(q, "TZif2", 5);
        q[39] = 1; /* typecnt */
        q[43] = 4; /* charcnt */
        q[44] = (unsigned char)((uint32_t)off >> 24);
        q[45] = (unsigned char)((uint32_t)off >> 16);
        q[46] = (unsigned char)((uint32_t)off >> 8);
        q[47] = (unsigned char)off;
        memcpy(q + 50, "XXX", 4);
    }
    p[2 * (44 + block)] = '\n';
    memcpy(p + 2 * (44 + block) + 1, rule, rl);
    p[n - 1] = '\n';
    *len = n;
    return p;
}

static tz_zone *parse_rule(const char *rule, int32_t off)
{
    size_t len;
    unsigned char *p = tzif_rule_only(off, rule, &len);
    tz_zone *z = NULL;
    em_error err = {0};
    int rc = tz_parse(p, len, rule, &z, &err);
    free(p);
    if (rc != EM_OK)
        fail_msg("rule \"%s\": %d %s", rule, rc, err.msg);
    return z;
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *p = em_malloc(TZ_FILE_MAX);
    *len = fread(p, 1, TZ_FILE_MAX, f);
    fclose(f);
    return p;
}

/* ---- names -------------------------------------------------------------- */

static void core_tz_names(void **state)
{
    em_error err = {0};
    assert_int_equal(tz_name_check("Pacific/Auckland", &err), EM_OK);
    assert_int_equal(tz_name_check("", &err), EM_E_INVAL);
    assert_int_equal(tz_name_check("Etc/GMT+5", &err), EM_OK);
    assert_int_equal(tz_name_check("America/Port-au-Prince", &err), EM_OK);
    const char *bad[] = {"/etc/passwd", "../../etc/passwd", "America/../../x", "America//Lima",
                         "America/", "Europe/Berlin\n", "Europe Berlin", "zone.tab",
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        em_error_clear(&err);
        tz_zone *z = (tz_zone *)&err; /* must come back NULL */
        if (tz_load(bad[i], &z, &err) != EM_E_INVAL || z != NULL || err.msg[0] == '\0')
            fail_msg("\"%s\" was not refused as a name", bad[i]);
    }
    em_error_clear(&err);
    tz_zone *z = NULL;
    assert_int_equal(tz_load("Mars/Olympus_Mons", &z, &err), EM_E_NOT_FOUND);
    assert_null(z);
    assert_string_equal(err.msg, "unknown time zone \"Mars/Olympus_Mons\"");
    assert_int_equal(tz_load("America", &z, &err), EM_E_NOT_FOUND); /* a directory */
    assert_int_equal(tz_load("right/UTC", &z, &err), EM_E_UNSUPPORTED);
    /* no name is UTC */
    assert_int_equal(tz_load("", &z, &err), EM_OK);
    assert_string_equal(tz_name(z), "UTC");
    tz_free(z);
    assert_int_equal(tz_load(NULL, &z, &err), EM_OK);
    assert_string_equal(tz_name(z), "UTC");
    assert_local(z, utc(2026, 12, 6, 23, 59, 59), 2026, 12, 6);
    assert_local(z, utc(2026, 12, 7, 0, 0, 0), 2026, 12, 7);
    tz_free(z);
    tz_free(NULL);
}

/* ---- real zones ----------------------------------------------------------- */

static void core_tz_auckland(void **state)
{
    tz_zone *z = load("Pacific/Auckland");
    assert_string_equal(tz_name(z), "Pacific/Auckland");
    /* December is summer: NZDT, UTC+13. Local midnight of the 7th is 11:00Z on the 6th. */
    assert_local(z, utc(2026, 12, 6, 10, 59, 59), 2026, 12, 6);
    assert_local(z, utc(2026, 12, 6, 11, 0, 0), 2026, 12, 7);
    assert_local(z, utc(2026, 12, 7, 0, 0, 0), 2026, 12, 7); /* midnight UTC: already the 7th there */
    /* daylight time ends 2026-04-05 03:00 NZDT = 2026-04-04T14:00:00Z */
    assert_offset(z, utc(2026, 4, 4, 13, 59, 59), 46800, true);
    assert_offset(z, utc(2026, 4, 4, 14, 0, 0), 43200, false);
    /* 11:30Z on the 4th is 00:30 on the 5th in NZDT (23:30 on the 4th in NZST);
       11:30Z on the 5th is 23:30 on the 5th in NZST (00:30 on the 6th in NZDT) */
    assert_local(z, utc(2026, 4, 4, 11, 30, 0), 2026, 4, 5);
    assert_local(z, utc(2026, 4, 5, 11, 30, 0), 2026, 4, 5);
    assert_local(z, utc(2026, 4, 5, 12, 0, 0), 2026, 4, 6);
    /* daylight time starts 2026-09-27 02:00 NZST = 2026-09-26T14:00:00Z */
    assert_offset(z, utc(2026, 9, 26, 13, 59, 59), 43200, false);
    assert_offset(z, utc(2026, 9, 26, 14, 0, 0), 46800, true);
    assert_local(z, utc(2026, 9, 26, 11, 30, 0), 2026, 9, 26);
    assert_local(z, utc(2026, 9, 27, 11, 30, 0), 2026, 9, 28);
    /* 2045, past the file's transitions (they end in 2037): the footer
       NZST-12NZDT,M9.5.0,M4.1.0/3 decides; changes on 2045-04-02 and 2045-09-24 */
    assert_offset(z, utc(2045, 4, 1, 13, 59, 59), 46800, true);
    assert_offset(z, utc(2045, 4, 1, 14, 0, 0), 43200, false);
    assert_offset(z, utc(2045, 9, 23, 13, 59, 59), 43200, false);
    assert_offset(z, utc(2045, 9, 23, 14, 0, 0), 46800, true);
    assert_local(z, utc(2045, 7, 8, 11, 30, 0), 2045, 7, 8);
    assert_local(z, utc(2045, 12, 31, 11, 30, 0), 2046, 1, 1);
    tz_free(z);
}

static void core_tz_los_angeles(void **state)
{
    tz_zone *z = load("America/Los_Angeles");
    /* December: PST, UTC-8. Midnight UTC is 16:00 the day before. */
    assert_local(z, utc(2026, 12, 7, 0, 0, 0), 2026, 12, 6);
    assert_local(z, utc(2026, 12, 7, 7, 59, 59), 2026, 12, 6);
    assert_local(z, utc(2026, 12, 7, 8, 0, 0), 2026, 12, 7);
    /* daylight time starts 2026-03-08 02:00 PST = 10:00Z */
    assert_offset(z, utc(2026, 3, 8, 9, 59, 59), -28800, false);
    assert_offset(z, utc(2026, 3, 8, 10, 0, 0), -25200, true);
    assert_local(z, utc(2026, 3, 8, 7, 30, 0), 2026, 3, 7); /* 23:30 PST */
    assert_local(z, utc(2026, 3, 9, 7, 30, 0), 2026, 3, 9); /* 00:30 PDT */
    /* daylight time ends 2026-11-01 02:00 PDT = 09:00Z */
    assert_offset(z, utc(2026, 11, 1, 8, 59, 59), -25200, true);
    assert_offset(z, utc(2026, 11, 1, 9, 0, 0), -28800, false);
    assert_local(z, utc(2026, 11, 1, 7, 30, 0), 2026, 11, 1); /* 00:30 PDT */
    assert_local(z, utc(2026, 11, 2, 7, 30, 0), 2026, 11, 1); /* 23:30 PST */
    /* 2045 from the footer PST8PDT,M3.2.0,M11.1.0: 2045-03-12 and 2045-11-05 */
    assert_offset(z, utc(2045, 3, 12, 9, 59, 59), -28800, false);
    assert_offset(z, utc(2045, 3, 12, 10, 0, 0), -25200, true);
    assert_offset(z, utc(2045, 11, 5, 8, 59, 59), -25200, true);
    assert_offset(z, utc(2045, 11, 5, 9, 0, 0), -28800, false);
    assert_local(z, utc(2045, 7, 1, 6, 59, 59), 2045, 6, 30);
    assert_local(z, utc(2045, 7, 1, 7, 0, 0), 2045, 7, 1);
    /* long before the first transition: local mean time, type 0 */
    assert_offset(z, utc(1800, 1, 1, 0, 0, 0), -28378, false);
    tz_free(z);
}

/* ---- footer rules ----------------------------------------------------------- */

static void core_tz_footer_rules(void **state)
{
    /* no transitions at all: the footer holds for every instant */
    tz_zone *z = parse_rule("NZST-12NZDT,M9.5.0,M4.1.0/3", 43200);
    assert_offset(z, utc(2026, 4, 4, 13, 59, 59), 46800, true);
    assert_offset(z, utc(2026, 4, 4, 14, 0, 0), 43200, false);
    assert_offset(z, utc(2026, 9, 26, 14, 0, 0), 46800, true);
    assert_local(z, utc(2026, 12, 31, 11, 0, 0), 2027, 1, 1);
    tz_free(z);
    /* Jn: day 60 is March 1 even in a leap year; 2028-03-01 02:00 local */
    z = parse_rule("AAA-1BBB,J60,J300", 3600);
    assert_offset(z, utc(2028, 3, 1, 0, 59, 59), 3600, false);
    assert_offset(z, utc(2028, 3, 1, 1, 0, 0), 7200, true);
    tz_free(z);
    /* n: zero-based, Feb 29 counted: day 60 of 2028 is March 1, of 2027 March 2 */
    z = parse_rule("<+01>-1<+02>,60/0,300/0", 3600);
    assert_offset(z, utc(2028, 2, 29, 22, 59, 59), 3600, false);
    assert_offset(z, utc(2028, 2, 29, 23, 0, 0), 7200, true);
    assert_offset(z, utc(2027, 3, 1, 22, 59, 59), 3600, false);
    assert_offset(z, utc(2027, 3, 1, 23, 0, 0), 7200, true);
    tz_free(z);
    /* a fixed offset, and an explicit DST offset with negative hours */
    z = parse_rule("<-03>3", -10800);
    assert_offset(z, utc(2050, 1, 1, 0, 0, 0), -10800, false);
    assert_local(z, utc(2050, 1, 1, 2, 59, 59), 2049, 12, 31);
    tz_free(z);
    /* all year daylight time (RFC 8536's example): EST5EDT,0/0,J365/25 */
    z = parse_rule("EST5EDT,0/0,J365/25", -18000);
    assert_offset(z, utc(2040, 1, 1, 5, 0, 0), -14400, true);
    assert_offset(z, utc(2040, 7, 1, 0, 0, 0), -14400, true);
    assert_offset(z, utc(2040, 12, 31, 23, 0, 0), -14400, true);
    tz_free(z);
    /* Europe/Dublin's daylight time is negative: IST-1GMT0,M10.5.0,M3.5.0/1,
       winter (GMT) is the "DST"; 2045 is past the file's transitions */
    z = load("Europe/Dublin");
    assert_offset(z, utc(2045, 3, 26, 0, 59, 59), 0, true);
    assert_offset(z, utc(2045, 3, 26, 1, 0, 0), 3600, false);
    assert_offset(z, utc(2045, 10, 29, 0, 59, 59), 3600, false);
    assert_offset(z, utc(2045, 10, 29, 1, 0, 0), 0, true);
    assert_local(z, utc(2045, 7, 1, 23, 30, 0), 2045, 7, 2);
    tz_free(z);
    /* "M5" is the last: M10.5.0 in 2026 is October 25 */
    z = parse_rule("CET-1CEST,M3.5.0,M10.5.0/3", 3600);
    assert_offset(z, utc(2026, 10, 25, 0, 59, 59), 7200, true);
    assert_offset(z, utc(2026, 10, 25, 1, 0, 0), 3600, false);
    assert_offset(z, utc(2026, 3, 29, 1, 0, 0), 7200, true);
    tz_free(z);
}

/* ---- malformed files -------------------------------------------------------------- */

static void core_tz_malformed(void **state)
{
    size_t len;
    unsigned char *good = read_all(TZ_DIR "/America/Los_Angeles", &len);
    tz_zone *z = NULL;
    em_error err = {0};
    assert_int_equal(tz_parse(good, len, "la", &z, &err), EM_OK);
    tz_free(z);
    /* every cut is refused, none reads past the end (ASan) */
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *p = em_malloc(cut + 1);
        memcpy(p, good, cut);
        int rc = tz_parse(p, cut, "la", &z, &err);
        free(p);
        if (rc == EM_OK || z != NULL)
            fail_msg("a file cut at %zu bytes was accepted", cut);
    }
    assert_int_equal(tz_parse((const unsigned char *)"not a zone", 10, "x", &z, &err), EM_E_NOT_FOUND);
    assert_int_equal(tz_parse(good, TZ_FILE_MAX + 1, "x", &z, &err), EM_E_TOO_LARGE);
    /* the second header's transition count inflated past the file */
    unsigned char *bad = em_malloc(len);
    memcpy(bad, good, len);



    unsigned char *second = NULL;
    for (size_t i = 4; i + 4 <= len; i++)
        if (memcmp(bad + i, "TZif", 4) == 0) {
            second = bad + i;
            break;
        }
    assert_non_null(second);
    second[32] = 0x7f;
    assert_int_equal(tz_parse(bad, len, "x", &z, &err), EM_E_PARSE);
    assert_null(z);
    /* transitions out of order: swap the first two 64-bit times */
    memcpy(bad, good, len);
    unsigned char tmp[8];
    unsigned char *t0 = second + 44;
    memcpy(tmp, t0, 8);
    memcpy(t0, t0 + 8, 8);
    memcpy(t0 + 8, tmp, 8);
    assert_int_equal(tz_parse(bad, len, "x", &z, &err), EM_E_PARSE);
    assert_string_equal(err.msg, "time zone \"x\": transitions out of order");
    /* a broken footer */
    memcpy(bad, good, len);
    bad[len - 3] = '!';
    assert_int_equal(tz_parse(bad, len, "x", &z, &err), EM_E_PARSE);
    free(bad);
    free(good);
    /* footers that are not rules */
    const char *rules[] = {"AB-1", "AAA", "AAA-1BBB", "AAA-1BBB,M13.1.0,M1.1.0", "AAA-1BBB,M3.6.0,M10.1.0",
                           "AAA-1BBB,J0,J5", "AAA-1BBB,M3.1.0/168,M10.1.0", "AAA25", "<AB>1", "AAA-1x"};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        unsigned char *p = tzif_rule_only(0, rules[i], &len);
        int rc = tz_parse(p, len, "x", &z, &err);
        free(p);
        if (rc != EM_E_PARSE)
            fail_msg("footer \"%s\": rc %d", rules[i], rc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_tz_names),
        cmocka_unit_test(core_tz_auckland),
        cmocka_unit_test(core_tz_los_angeles),
        cmocka_unit_test(core_tz_footer_rules),
        cmocka_unit_test(core_tz_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
