/* today: a student's calendar day, read in the student's time zone: the local
 * date now (plans' "today"), and the review day, which rolls over at a chosen
 * local hour rather than at midnight (4 by default, as flash card programs do),
 * so reviews done past midnight still count for the evening's day.
 *
 * Zone names are the accounts' IANA names (checked when they were set); "" or
 * "UTC" reads no file. Pure apart from reading the zone file. */
#ifndef EM_STUDY_TODAY_H
#define EM_STUDY_TODAY_H

#include <stddef.h>
#include <stdint.h>

#include "core/civil.h"
#include "core/err.h"

#define TODAY_DEFAULT_ROLLOVER_HOUR 4

/* The local date at now_ms in zone_name. EM_E_INTERNAL when the zone cannot be
 * read, EM_E_INVAL for a date outside the calendar. */
int today_local_date(const char *zone_name, int64_t now_ms, civil_date *out /* OUT */, em_error *err);

/* The local dates of instants ms[0..n) (Unix ms) in zone_name, read once,
 * into out[0..n). Errors as today_local_date. */
int today_local_dates(const char *zone_name, const int64_t *ms, size_t n, civil_date *out /* OUT */,
                      em_error *err);

/* The review day at now_ms: the local date of the instant rollover_hour (0..23)
 * hours earlier, and when it ends (the next local rollover, Unix ms, at or
 * after now_ms; a daylight saving change that skips the hour moves it by the
 * change). */
int today_review_day(const char *zone_name, int rollover_hour, int64_t now_ms, civil_date *day /* OUT */,
                     int64_t *ends_ms /* OUT */, em_error *err);

#endif
