/* civil: see civil.h.
 *
 * The day-number conversions shift the year to start on 1 March, so that the
 * leap day is the last day of the shifted year, and count in eras of 400
 * years (146097 days, the Gregorian cycle). Every step is integer arithmetic
 * on values far from overflow for the supported years. */
#include "core/civil.h"

#include <assert.h>
#include <stdio.h>

#include "core/err.h"

bool civil_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int civil_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && civil_is_leap(year))
        return 29;
    return days[month - 1];
}

bool civil_valid(civil_date d)
{
    return d.year >= CIVIL_YEAR_MIN && d.year <= CIVIL_YEAR_MAX && d.month >= 1 && d.month <= 12 &&
           d.day >= 1 && d.day <= civil_days_in_month(d.year, d.month);
}

int64_t civil_to_days(civil_date d)
{
    assert(civil_valid(d));
    int64_t y = d.year - (d.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                         /* 0..399 */
    int64_t mp = (d.month + 9) % 12;                                     /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d.day - 1;                        /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                 /* 0..146096 */
    return era * 146097 + doe - 719468;
}

/* 0001-01-01 and 9999-12-31 as day numbers. */
#define CIVIL_DAYS_MIN (-719162)
#define CIVIL_DAYS_MAX 2932896

bool civil_days_in_range(int64_t days)
{
    return days >= CIVIL_DAYS_MIN && days <= CIVIL_DAYS_MAX;
}

civil_date civil_from_days(int64_t days)
{
    assert(civil_days_in_range(days));
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* 0..146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;                                    /* 0..11 */
    civil_date d;
    d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.year = (int)(yoe + era * 400 + (d.month <= 2));
    return d;
}

int64_t civil_days_between(civil_date a, civil_date b)
{
    return civil_to_days(b) - civil_to_days(a);
}

civil_date civil_add_days(civil_date d, int64_t n)
{
    return civil_from_days(civil_to_days(d) + n);
}

int civil_weekday(civil_date d)
{
    /* 1970-01-01 was a Thursday (4) */
    int64_t w = (civil_to_days(d) + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int civil_cmp(civil_date a, civil_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

void civil_format(civil_date d, char out[CIVIL_TEXT_MAX])
{
    assert(civil_valid(d));
    snprintf(out, CIVIL_TEXT_MAX, "%04d-%02d-%02d", d.year, d.month, d.day);
}

/* The decimal value of s[0..n), all digits; -1 otherwise. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int civil_parse(const char *s, size_t len, civil_date *out)
{
    assert(out != NULL);
    if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-')
        return EM_E_INVAL;
    civil_date d = {digits(s, 4), digits(s + 5, 2), digits(s + 8, 2)};
    if (!civil_valid(d))
        return EM_E_INVAL;
    *out = d;
    return EM_OK;
}
