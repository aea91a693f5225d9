/* ics: iCalendar text (RFC 5545) for calendars of all-day events, such as a
 * study plan's days.
 *
 * What is written follows the RFC's rules for content lines: text values
 * escaped (backslash, semicolon and comma get a backslash, a line break
 * becomes \n, other control characters a space), every line ended by CRLF,
 * and lines longer than ICS_LINE_MAX octets folded (CRLF and one space) at a
 * character boundary, never inside a UTF-8 sequence. Bytes that are not
 * UTF-8 are passed through and folded as single bytes. Pure functions: no
 * I/O, no clock; output goes to a caller's buf and its maximum bounds it. */
#ifndef EM_CORE_ICS_H
#define EM_CORE_ICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/civil.h"

#define ICS_LINE_MAX 75 /* octets of a content line, CRLF not counted (RFC 5545 3.1) */
#define ICS_CONTENT_TYPE "text/calendar; charset=utf-8"

/* One all-day event. Strings borrowed. */
typedef struct ics_event {
    civil_date date;         /* the day (DTSTART;VALUE=DATE; DTEND the day after) */
    const char *uid;         /* unique and stable for the same event */
    const char *summary;     /* text (escaped here) */
    const char *description; /* text, NULL for none */
} ics_event;

/* Append text s[0..n) escaped as an iCalendar TEXT value. 0 or EM_E_TOO_LARGE. */
int ics_escape(buf *out, const char *s, size_t n);

/* Append line[0..n) (a whole content line, "NAME;PARAMS:value", already
 * escaped) folded at ICS_LINE_MAX octets and ended by CRLF. 0 or
 * EM_E_TOO_LARGE. */
int ics_fold(buf *out, const char *line, size_t n);

/* "20261206T225500Z" for Unix milliseconds (UTC), into out (17 bytes). */
void ics_utc_stamp(int64_t epoch_ms, char out[17]);

/* A whole VCALENDAR (VERSION:2.0, PRODID prodid, CALSCALE:GREGORIAN,
 * METHOD:PUBLISH, X-WR-CALNAME name when not NULL) with one VEVENT per event
 * (DTSTAMP dtstamp_ms, TRANSP:TRANSPARENT), appended to out. 0 or
 * EM_E_TOO_LARGE (out then holds part of it). */
int ics_calendar(buf *out, const char *prodid, const char *name, int64_t dtstamp_ms, const ics_event *events,
                 size_t n);

#endif
