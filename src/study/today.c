/* today: see today.h. */
#include "study/today.h"

#include <assert.h>
#include <string.h>

#include "core/tz.h"

static int load_zone(const char *zone_name, tz_zone **zone, em_error *err)
{
    em_error why = {0};
    if (zone_name == NULL || zone_name[0] == '\0' || strcmp(zone_name, "UTC") == 0) {
        *zone = tz_utc();
        return EM_OK;
    }
    if (tz_load(zone_name, zone, &why) != EM_OK)
        return em_error_set(err, EM_E_INTERNAL, "the time zone %s cannot be read", zone_name);
    return EM_OK;
}

/* Seconds, rounded down, of a millisecond instant. */
static int64_t floor_secs(int64_t ms)
{
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

int today_local_date(const char *zone_name, int64_t now_ms, civil_date *out, em_error *err)
{
    tz_zone *zone = NULL;
    int rc = load_zone(zone_name, &zone, err);
    if (rc != EM_OK)
        return rc;
    rc = tz_local_date(zone, floor_secs(now_ms), out);
    tz_free(zone);
    return rc == EM_OK ? EM_OK : em_error_set(err, EM_E_INVAL, "today is outside the calendar");
}

int today_local_dates(const char *zone_name, const int64_t *ms, size_t n, civil_date *out, em_error *err)
{
    tz_zone *zone = NULL;
    int rc = load_zone(zone_name, &zone, err);
    for (size_t i = 0; rc == EM_OK && i < n; i++)
        if (tz_local_date(zone, floor_secs(ms[i]), &out[i]) != EM_OK)
            rc = em_error_set(err, EM_E_INVAL, "a date is outside the calendar");
    tz_free(zone);
    return rc;
}

int today_review_day(const char *zone_name, int rollover_hour, int64_t now_ms, civil_date *day,
                     int64_t *ends_ms, em_error *err)
{
    assert(day != NULL && ends_ms != NULL);
    if (rollover_hour < 0 || rollover_hour > 23)
        return em_error_set(err, EM_E_INVAL, "the day rollover hour must be 0 to 23");
    tz_zone *zone = NULL;
    int rc = load_zone(zone_name, &zone, err);
    if (rc != EM_OK)
        return rc;
    int64_t now_s = floor_secs(now_ms);
    int64_t shifted = now_s - (int64_t)rollover_hour * 3600;
    /* The local wall clock shifted back by the rollover hour gives the day. */
    int64_t local = shifted + tz_utc_offset(zone, shifted, NULL);
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    if (!civil_days_in_range(days) || !civil_days_in_range(days + 1)) {
        tz_free(zone);
        return em_error_set(err, EM_E_INVAL, "today is outside the calendar");
    }
    *day = civil_from_days(days);
    /* The next rollover: the following day at rollover_hour, local time. The
     * offset is the one in effect then (read twice: the first guess uses the
     * offset now, which a daylight saving change in between makes wrong). */
    int64_t wall = (days + 1) * 86400 + (int64_t)rollover_hour * 3600;
    int64_t end = wall - tz_utc_offset(zone, now_s, NULL);
    end = wall - tz_utc_offset(zone, end, NULL);
    if (end <= now_s) /* a skipped hour: never end before now */
        end = now_s + 1;
    tz_free(zone);
    *ends_ms = end * 1000;
    return EM_OK;
}
