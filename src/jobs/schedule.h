/* schedule: cron-like schedules and their slots (the seeds' Celery Beat).
 *
 * An expression is the five cron fields "minute hour day-of-month month
 * day-of-week", or six with a leading seconds field; each field is *, a number,
 * a range a-b, a list a,b,c, or a step (every n: star-slash-n, or a-b/n). Times are UTC. A slot is
 * the instant a schedule is due; the scheduler fires each slot exactly once,
 * even with several worker processes, by inserting (name, slot) into
 * schedule_runs together with the job in one transaction: the insert that
 * conflicts fires nothing. */
#ifndef EM_JOBS_SCHEDULE_H
#define EM_JOBS_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

#define CRON_MAX 128   /* longest expression */

typedef struct cron {
    uint64_t seconds;   /* bit s: second s (0..59) allowed */
    uint64_t minutes;   /* 0..59 */
    uint32_t hours;     /* 0..23 */
    uint32_t mdays;     /* 1..31 */
    uint16_t months;    /* 1..12 */
    uint8_t wdays;      /* 0..6, Sunday 0 (7 is accepted as Sunday) */
    bool mday_any, wday_any; /* '*' given: cron's "either day field" rule */
} cron;

/* ---- expressions ---- */

/* Parse an expression; EM_E_INVAL with the field named in err ("hour: 24 is out
 * of range 0-23"). Fields are separated by spaces or tabs; at most CRON_MAX
 * bytes. A step without a range, "N/S", runs from N to the field's top (for
 * day-of-week Saturday; 7 is only an alias of Sunday). mday_any / wday_any are
 * set only for a field that is exactly "*": when both day fields are
 * restricted a day matches if either does (so "0 0 13 * 5" is the 13th and
 * every Friday). On failure *out is zeroed, and a zeroed cron is never due.
 * Pure and thread-safe, like the searches. */
int cron_parse(const char *text, cron *out /* OUT */, em_error *err);
/* The latest due instant <= now_ms (epoch ms, whole seconds), or -1 when none
 * in the past 366 days (or now_ms outside 1970..9999). */
int64_t cron_prev(const cron *c, int64_t now_ms);
/* The next due instant > now_ms, or -1 when none in the next 366 days (a
 * day that never comes, "0 0 30 2 *"). */
int64_t cron_next(const cron *c, int64_t now_ms);

/* ---- schedules ---- */

/* A periodic job declared in code. */
typedef struct schedule_def {
    const char *name;      /* also the config override: SCHEDULE_<NAME> with [.-] as _ uppercased */
    const char *cron;      /* default expression; the override may say "off" */
    const char *queue;
    const char *kind;
    const char *payload;   /* JSON */
} schedule_def;

/* Fire the due slot of each schedule if nobody has: for each schedule whose
 * latest slot is after `since_ms` (missed slots older than that are skipped:
 * a stopped system does not replay a backlog), insert (name, slot) and enqueue
 * its job in one transaction. *fired (may be NULL) counts jobs enqueued.
 * Names are 1-64 characters of a-z 0-9 . _ - (like queue names); the job's
 * unique_key is "<name>@<slot ISO-8601>" and schedule_runs.job_id holds its id.
 * Each slot is its own transaction (db.h nesting applies). A schedule that
 * fails (bad spec, database error) does not stop the others: the first error
 * is returned with the schedule's name in err, and its slot is tried again on
 * the next tick. */
int schedule_tick(db *d, const schedule_def *defs, const cron *crons, size_t n, int64_t now_ms,
                  int64_t since_ms, int *fired /* OUT */, em_error *err);

/* The configuration variable that overrides a schedule's expression:
 * "SCHEDULE_" + name uppercased with '.' and '-' as '_'
 * ("auth.purge_refresh_tokens" -> "SCHEDULE_AUTH_PURGE_REFRESH_TOKENS") into
 * out[0..n). EM_E_INVAL for a name that is empty or holds other characters
 * than letters, digits, '.', '_', '-'; EM_E_TOO_LARGE when out is too small
 * (out is then ""). */
int schedule_override_name(const char *name, char *out /* OUT */, size_t n);

#endif
