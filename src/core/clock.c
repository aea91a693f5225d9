#include "core/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/civil.h"
#include "core/err.h"

int64_t clock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void clock_iso8601(int64_t epoch_ms, char out[32])
{
    time_t secs = (time_t)(epoch_ms / 1000);
    unsigned ms = (unsigned)(epoch_ms % 1000 + 1000) % 1000u;
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03uZ", ms);
}

/* Exactly `n` ASCII digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int clock_parse_iso8601(const char *s, int64_t *epoch_ms)
{
    *epoch_ms = 0;
    if (s == NULL || strlen(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return EM_E_INVAL;
    civil_date d = {digits(s, 4), digits(s + 5, 2), digits(s + 8, 2)};
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (d.year < 0 || !civil_valid(d) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
        return EM_E_INVAL;
    const char *p = s + 19;
    int ms = 0;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 3)
                ms = ms * 10 + (*p - '0');
        if (n == 0)
            return EM_E_INVAL;
        for (; n < 3; n++)
            ms *= 10;
    }
    int offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = digits(p + 1, 2), om = p[3] == ':' ? digits(p + 4, 2) : digits(p + 3, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return EM_E_INVAL;
        offset_s = (*p == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        p += p[3] == ':' ? 6 : 5;
    } else {
        return EM_E_INVAL;
    }
    if (*p != '\0')
        return EM_E_INVAL;
    int64_t secs = civil_to_days(d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    *epoch_ms = secs * 1000 + ms;
    return EM_OK;
}
