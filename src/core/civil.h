/* civil: calendar dates of the proleptic Gregorian calendar, without time_t.
 *
 * A civil date is a plain value (year, month, day). Arithmetic on dates goes
 * through a day number, the count of days since 1970-01-01, computed with
 * integer days-from-civil algorithms (Howard Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms"): no mktime, no time zone, no global state, so
 * every function here is pure and thread-safe. Dates handled are those of
 * years CIVIL_YEAR_MIN..CIVIL_YEAR_MAX. */
#ifndef EM_CORE_CIVIL_H
#define EM_CORE_CIVIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CIVIL_YEAR_MIN 1
#define CIVIL_YEAR_MAX 9999
#define CIVIL_TEXT_MAX 11 /* "YYYY-MM-DD" and its NUL */

typedef struct civil_date {
    int year;  /* CIVIL_YEAR_MIN..CIVIL_YEAR_MAX */
    int month; /* 1..12 */
    int day;   /* 1..days in the month */
} civil_date;

/* ---- checks ---- */

bool civil_is_leap(int year);
/* Days in a month of a year (28..31); 0 when month is not 1..12. */
int civil_days_in_month(int year, int month);
/* Whether d is a real date within the supported years. */
bool civil_valid(civil_date d);

/* ---- day numbers ---- */

/* Days since 1970-01-01 (negative before it). d must be valid. */
int64_t civil_to_days(civil_date d);
/* The date of a day number; days must lie within the supported years
 * (civil_days_in_range). */
civil_date civil_from_days(int64_t days);
bool civil_days_in_range(int64_t days);

/* ---- arithmetic ---- */

/* b - a in days (negative when b is before a). */
int64_t civil_days_between(civil_date a, civil_date b);
/* d + n days; the result must stay within the supported years. */
civil_date civil_add_days(civil_date d, int64_t n);
/* Day of the week: 0 Sunday .. 6 Saturday. */
int civil_weekday(civil_date d);
/* <0, 0, >0 as a is before, the same as, after b. */
int civil_cmp(civil_date a, civil_date b);

/* ---- text ---- */

/* "YYYY-MM-DD" into out (CIVIL_TEXT_MAX bytes). */
void civil_format(civil_date d, char out[CIVIL_TEXT_MAX]);
/* Exactly "YYYY-MM-DD" (s[0..len), four-digit year) naming a valid date:
 * EM_OK with *out set, else EM_E_INVAL. */
int civil_parse(const char *s, size_t len, civil_date *out /* OUT */);

#endif
