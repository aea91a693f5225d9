/* tz: IANA time zones read from the system's TZif files, for local dates.
 *
 * glibc's localtime_r follows the process-wide TZ variable, so it cannot
 * answer "what date is it in Pacific/Auckland" for one request while another
 * asks about America/Los_Angeles. This module reads the zone's compiled file
 * (/usr/share/zoneinfo/<Name>, RFC 8536 "TZif", from Debian's tzdata) into a
 * read-only value and answers from it: the 64-bit transition table of a
 * version 2+ file (the 32-bit one of a version 1 file), and for instants after
 * the last transition the POSIX TZ string of the footer with its daylight
 * saving rules (Jn, n and Mm.w.d, with a time of day). A loaded zone is never
 * changed, so one zone may be shared by threads.
 *
 * Everything read is bounded: files of at most TZ_FILE_MAX bytes, every count
 * of the header checked against the bytes that are there, transitions in
 * strictly increasing order, type indices and offsets in range. Files with
 * leap second records (the "right/" zones) are refused: their clock is not
 * Unix time. */
#ifndef EM_CORE_TZ_H
#define EM_CORE_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/civil.h"
#include "core/err.h"

#define TZ_DIR "/usr/share/zoneinfo" /* where tz_load looks */
#define TZ_NAME_MAX 64               /* bytes of a zone name ("America/Argentina/ComodRivadavia" is 32) */
#define TZ_FILE_MAX (256 * 1024)     /* bytes of a TZif file; the largest of tzdata is under 4 KiB */
#define TZ_FOOTER_MAX 128            /* bytes of the footer's TZ string */

typedef struct tz_zone tz_zone;

/* ---- loading ---- */

/* Whether name may name a zone: 1..TZ_NAME_MAX bytes of [A-Za-z0-9_+-/], no
 * leading '/', no "..", no empty part ("a//b", a trailing '/'). EM_OK, or
 * EM_E_INVAL with a message saying what is wrong. */
int tz_name_check(const char *name, em_error *err);

/* The zone `name` from TZ_DIR; NULL or "" is UTC (no file read). *out is an
 * owned zone, free with tz_free; NULL on failure. Errors: EM_E_INVAL (the
 * name, see tz_name_check), EM_E_NOT_FOUND (no such zone: no file, not a
 * regular file, or not a TZif file), EM_E_TOO_LARGE (past TZ_FILE_MAX),
 * EM_E_PARSE (a malformed TZif file), EM_E_UNSUPPORTED (leap seconds),
 * EM_E_IO (reading failed). */
int tz_load(const char *name, tz_zone **out /* OUT */, em_error *err);
/* The same from another directory (dir borrowed; tests use their own). */
int tz_load_from(const char *dir, const char *name, tz_zone **out /* OUT */, em_error *err);
/* A zone from the bytes of a TZif file (borrowed; nothing of them is kept).
 * name is only what tz_name reports and error messages say (may be NULL).
 * Errors as tz_load's, with EM_E_NOT_FOUND for bytes that are not TZif. */
int tz_parse(const unsigned char *data, size_t len, const char *name, tz_zone **out /* OUT */,
             em_error *err);
/* UTC: an owned zone, free with tz_free. */
tz_zone *tz_utc(void);
void tz_free(tz_zone *tz);

/* The zone's name ("UTC" for tz_utc); borrowed from tz. */
const char *tz_name(const tz_zone *tz);

/* ---- local time ---- */

/* The offset from UTC in seconds (east positive: +46800 for New Zealand
 * daylight time) in effect at Unix time t; *is_dst (may be NULL) says
 * whether it is daylight saving time. Instants outside the years of civil.h
 * are taken as the nearest one inside. */
int32_t tz_utc_offset(const tz_zone *tz, int64_t t, bool *is_dst /* OUT */);

/* The local civil date at Unix time t: EM_OK, or EM_E_INVAL when that date
 * is outside the years of civil.h. */
int tz_local_date(const tz_zone *tz, int64_t t, civil_date *out /* OUT */);

#endif
