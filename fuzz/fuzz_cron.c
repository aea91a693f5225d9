/* libFuzzer target: cron_parse on arbitrary bytes, then cron_next/cron_prev on
 * what parses, at a few fixed instants (an ordinary day, a leap day's last
 * millisecond, and both ends of the supported range). Besides the sanitizers'
 * findings, a broken invariant aborts: prev <= now < next, both due, and each
 * search agreeing with the other. schedule_override_name gets the bytes too. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs/schedule.h"

/* Due by the definition (fields and cron's day rule), independent of the searches. */
static bool due(const cron *c, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    bool md = c->mdays >> tm.tm_mday & 1, wd = c->wdays >> tm.tm_wday & 1;
    bool day = c->mday_any || c->wday_any ? md && wd : md || wd;
    return ms % 1000 == 0 && (c->seconds >> tm.tm_sec & 1) && (c->minutes >> tm.tm_min & 1) &&
           (c->hours >> tm.tm_hour & 1) && (c->months >> (tm.tm_mon + 1) & 1) && day;
}

static void check(const cron *c, int64_t now)
{
    int64_t next = cron_next(c, now), prev = cron_prev(c, now);
    if (next >= 0 && (next <= now || !due(c, next)))
        abort();
    if (prev >= 0 && (prev > now || !due(c, prev)))
        abort();
    if (prev > 0 && cron_next(c, prev - 1) != prev)
        abort();
    if (next >= 0 && cron_prev(c, next) != next)
        abort();
    /* the searches look 366 days ahead or back: prev's next is next when that close */
    if (next >= 0 && prev >= 0 && next - prev <= 366LL * 86400 * 1000 && cron_next(c, prev) != next)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t nows[] = {
        1777629600500LL,   /* 2026-05-01T10:00:00.500Z */
        1835481599999LL,   /* 2028-02-29T23:59:59.999Z */
        0,                 /* 1970-01-01T00:00:00Z */
        253402300799999LL, /* 9999-12-31T23:59:59.999Z */
    };
    char text[CRON_MAX * 2 + 1];
    if (size > sizeof text - 1)
        size = sizeof text - 1;
    memcpy(text, data, size);
    text[size] = '\0';

    char var[64];
    schedule_override_name(text, var, sizeof var);

    cron c;
    em_error err = {0};
    if (cron_parse(text, &c, &err) != EM_OK) {
        if (err.code != EM_E_INVAL || err.msg[0] == '\0')
            abort();
        return 0;
    }
    for (size_t i = 0; i < sizeof nows / sizeof nows[0]; i++)
        check(&c, nows[i]);
    return 0;
}
