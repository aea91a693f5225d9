/* schedule: see schedule.h.
 *
 * Expressions become bit sets, one per field. Finding the next (or previous)
 * due instant walks a broken-down UTC time and, at the first field that does
 * not match, jumps straight to the next (previous) value of that field, or to
 * the start (end) of the next (previous) larger unit when the field has none
 * left; timegm then normalises the carry. So a search costs at most a few
 * hundred steps (one per day in the worst case), never a scan of seconds.
 *
 * Firing a slot is one transaction: claim (name, slot) in schedule_runs with
 * ON CONFLICT DO NOTHING, and only the connection whose insert changed a row
 * enqueues the job and records its id. The job's unique_key repeats (name,
 * slot), so even a slot whose schedule_runs row were lost could not enqueue
 * twice. */
#include "jobs/schedule.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/ascii.h"
#include "core/clock.h"
#include "jobs/queue.h"

/* How far cron_next/cron_prev look: a year and a day, so a yearly slot (even
 * Feb 29 seen from Feb 28 of the year before a leap year) is always found. */
#define HORIZON_S (366LL * 86400)
/* The times the search accepts (1970-01-01 .. 9999-12-31T23:59:59Z, in ms):
 * the broken-down year then stays far from int overflow. */
#define TIME_MAX_MS 253402300799999LL

/* ---- parsing ---- */

/* One field of an expression: its name for messages and the values it takes. */
typedef struct field_spec {
    const char *name;
    int min, max; /* numbers accepted */
    int top;      /* the end of '*' and of "N/S" (day-of-week: 6; 7 is an alias of 0) */
} field_spec;

enum { F_SEC, F_MIN, F_HOUR, F_MDAY, F_MONTH, F_WDAY, F_COUNT };

/* clang-format off */
static const field_spec field_specs[F_COUNT] = {
    [F_SEC] = {"second", 0, 59, 59},
    [F_MIN] = {"minute", 0, 59, 59},
    [F_HOUR] = {"hour", 0, 23, 23},
    [F_MDAY] = {"day-of-month", 1, 31, 31},
    [F_MONTH] = {"month", 1, 12, 12},
    [F_WDAY] = {"day-of-week", 0, 7, 6},
};
/* clang-format on */

/* A piece of the input: [p, end). */
typedef struct span {
    const char *p, *end;
} span;

/* Report the byte at *p (or the end) as unexpected, without echoing anything
 * that is not printable: the message may reach an HTTP response. */
static int unexpected(const field_spec *f, const char *p, const char *end, const char *wanted, em_error *err)
{
    if (p == end)
        return em_error_set(err, EM_E_INVAL, "%s: expected %s at the end", f->name, wanted);
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c < 0x7f)
        return em_error_set(err, EM_E_INVAL, "%s: expected %s, got '%c'", f->name, wanted, c);
    return em_error_set(err, EM_E_INVAL, "%s: expected %s, got byte 0x%02x", f->name, wanted, c);
}

/* Read a decimal number at *p, advancing *p, and check it against [min, max];
 * the message quotes the digits as written. Values are capped at 1000000 so
 * that a long run of digits cannot overflow (it is out of range anyway). */
static int read_number(const field_spec *f, const char *what, int min, int max, const char **p,
                       const char *end, int *out /* OUT */, em_error *err)
{
    const char *q = *p;
    int v = 0;
    if (q == end || *q < '0' || *q > '9')
        return unexpected(f, q, end, "a number", err);
    while (q < end && *q >= '0' && *q <= '9') {
        if (v < 1000000)
            v = v * 10 + (*q - '0');
        q++;
    }
    if (v < min || v > max)
        return em_error_set(err, EM_E_INVAL, "%s: %s%.*s is out of range %d-%d", f->name, what, (int)(q - *p),
                            *p, min, max);
    *p = q;
    *out = v;
    return EM_OK;
}

/* Parse one list item at *p, advancing *p: '*', N, A-B, or one of those three
 * with a step /S (N/S runs from N to the top); its values go into *bits. */
static int parse_item(const field_spec *f, const char **p, const char *end, uint64_t *bits, em_error *err)
{
    int lo, hi, step = 1;
    int rc;
    if (*p < end && **p == '*') {
        lo = f->min;
        hi = f->top;
        (*p)++;
    } else {
        rc = read_number(f, "", f->min, f->max, p, end, &lo, err);
        if (rc != EM_OK)
            return rc;
        hi = lo;
        if (*p < end && **p == '-') {
            (*p)++;
            rc = read_number(f, "", f->min, f->max, p, end, &hi, err);
            if (rc != EM_OK)
                return rc;
            if (hi < lo)
                return em_error_set(err, EM_E_INVAL, "%s: range %d-%d is reversed", f->name, lo, hi);
        } else if (*p < end && **p == '/') {
            /* "N/S": from N to the top (day-of-week 7/S stays at 7, i.e. Sunday) */
            hi = lo > f->top ? lo : f->top;
        }
    }
    if (*p < end && **p == '/') {
        (*p)++;
        rc = read_number(f, "step ", 1, f->top - f->min + 1, p, end, &step, err);
        if (rc != EM_OK)
            return rc;
    }
    for (int v = lo; v <= hi; v += step)
        *bits |= 1ULL << (f == &field_specs[F_WDAY] && v == 7 ? 0 : v);
    return EM_OK;
}

/* Parse one field (a comma-separated list of items) into *bits; *any is set
 * when the field is exactly "*". */
static int parse_field(const field_spec *f, span s, uint64_t *bits /* OUT */, bool *any /* OUT */,
                       em_error *err)
{
    const char *p = s.p;
    *bits = 0;
    *any = s.end - s.p == 1 && *s.p == '*';
    for (;;) {
        if (p == s.end || *p == ',')
            return em_error_set(err, EM_E_INVAL, "%s: empty list item", f->name);
        int rc = parse_item(f, &p, s.end, bits, err);
        if (rc != EM_OK)
            return rc;
        if (p == s.end)
            return EM_OK;
        if (*p != ',')
            return unexpected(f, p, s.end, "',' or the end of the field", err);
        p++;
    }
}

int cron_parse(const char *text, cron *out, em_error *err)
{
    span fields[F_COUNT + 1];
    int n = 0;
    assert(out != NULL);
    memset(out, 0, sizeof *out);
    if (text == NULL)
        return em_error_set(err, EM_E_INVAL, "no cron expression");
    size_t len = strnlen(text, CRON_MAX + 1);
    if (len > CRON_MAX)
        return em_error_set(err, EM_E_INVAL, "a cron expression is at most %d characters", CRON_MAX);

    /* Split on spaces and tabs; one slot more than allowed detects too many. */
    const char *p = text, *end = text + len;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end)
            break;
        const char *start = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        if (n == F_COUNT + 1) {
            n++;
            break;
        }
        fields[n].p = start;
        fields[n].end = p;
        n++;
    }
    if (n == 0)
        return em_error_set(err, EM_E_INVAL, "the cron expression is empty");
    if (n > 6)
        return em_error_set(err, EM_E_INVAL, "a cron expression has 5 or 6 fields, not more");
    if (n < 5)
        return em_error_set(err, EM_E_INVAL, "a cron expression has 5 or 6 fields, not %d", n);

    /* Five fields start at the minute; seconds are then {0}. */
    int first = n == 6 ? F_SEC : F_MIN;
    uint64_t bits[F_COUNT] = {[F_SEC] = 1};
    bool any[F_COUNT] = {false};
    for (int i = 0; i < n; i++) {
        int rc = parse_field(&field_specs[first + i], fields[i], &bits[first + i], &any[first + i], err);
        if (rc != EM_OK)
            return rc;
    }
    out->seconds = bits[F_SEC];
    out->minutes = bits[F_MIN];
    out->hours = (uint32_t)bits[F_HOUR];
    out->mdays = (uint32_t)bits[F_MDAY];
    out->months = (uint16_t)bits[F_MONTH];
    out->wdays = (uint8_t)bits[F_WDAY];
    out->mday_any = any[F_MDAY];
    out->wday_any = any[F_WDAY];
    return EM_OK;
}

/* ---- searching ---- */

/* The smallest v in [from, max] with bit v set, or -1. */
static int bit_from(uint64_t set, int from, int max)
{
    for (int v = from < 0 ? 0 : from; v <= max; v++)
        if (set >> v & 1)
            return v;
    return -1;
}

/* The largest v in [min, from] with bit v set, or -1. */
static int bit_down_from(uint64_t set, int from, int min)
{
    for (int v = from > 63 ? 63 : from; v >= min; v--)
        if (set >> v & 1)
            return v;
    return -1;
}

static bool has(uint64_t set, int v)
{
    return set >> v & 1;
}

/* cron's day rule: when either day field is '*', both must match (the '*' one
 * always does); when both are restricted, either may. */
static bool day_matches(const cron *c, const struct tm *tm)
{
    bool md = has(c->mdays, tm->tm_mday);
    bool wd = has(c->wdays, tm->tm_wday);
    if (c->mday_any || c->wday_any)
        return md && wd;
    return md || wd;
}

/* False when some field allows nothing in its range, so no instant can match
 * (a zeroed cron): the searches return -1 at once instead of walking a year. */
static bool can_match(const cron *c)
{
    return bit_from(c->seconds, 0, 59) >= 0 && bit_from(c->minutes, 0, 59) >= 0 &&
           bit_from(c->hours, 0, 23) >= 0 && bit_from(c->months, 1, 12) >= 0 &&
           (bit_from(c->mdays, 1, 31) >= 0 || bit_from(c->wdays, 0, 6) >= 0);
}

/* tm's fields (possibly out of range) to a time, and tm normalised to it. */
static int64_t settle(struct tm *tm, int64_t back_s)
{
    time_t t = timegm(tm) - (time_t)back_s;
    gmtime_r(&t, tm);
    return (int64_t)t;
}

int64_t cron_next(const cron *c, int64_t now_ms)
{
    assert(c != NULL);
    if (now_ms < 0 || now_ms > TIME_MAX_MS || !can_match(c))
        return -1;
    int64_t start = now_ms / 1000 + 1;
    int64_t limit = start + HORIZON_S;
    time_t t0 = (time_t)start;
    struct tm tm;
    gmtime_r(&t0, &tm);
    for (int64_t t = start; t <= limit && t <= TIME_MAX_MS / 1000;) {
        int v;
        if (!has(c->months, tm.tm_mon + 1)) {
            v = bit_from(c->months, tm.tm_mon + 2, 12);
            if (v < 0) {
                tm.tm_year++;
                v = bit_from(c->months, 1, 12);
            }
            tm.tm_mon = v - 1;
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!day_matches(c, &tm)) {
            tm.tm_mday++;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!has(c->hours, tm.tm_hour)) {
            v = bit_from(c->hours, tm.tm_hour + 1, 23);
            if (v < 0) {
                tm.tm_mday++;
                v = 0; /* the day is checked again on the next round */
            }
            tm.tm_hour = v;
            tm.tm_min = tm.tm_sec = 0;
        } else if (!has(c->minutes, tm.tm_min)) {
            v = bit_from(c->minutes, tm.tm_min + 1, 59);
            if (v < 0) {
                tm.tm_hour++;
                v = 0;
            }
            tm.tm_min = v;
            tm.tm_sec = 0;
        } else if (!has(c->seconds, tm.tm_sec)) {
            v = bit_from(c->seconds, tm.tm_sec + 1, 59);
            if (v < 0) {
                tm.tm_min++;
                v = 0;
            }
            tm.tm_sec = v;
        } else {
            return t * 1000;
        }
        t = settle(&tm, 0);
    }
    return -1;
}

/* The mirror of cron_next: at the first field that does not match, go to the
 * last second of its previous allowed value, or to the last second before the
 * current larger unit began (a time one second before a start of unit, which
 * settle() produces with back_s = 1). */
int64_t cron_prev(const cron *c, int64_t now_ms)
{
    assert(c != NULL);
    if (now_ms < 0 || now_ms > TIME_MAX_MS || !can_match(c))
        return -1;
    int64_t start = now_ms / 1000;
    int64_t limit = start - HORIZON_S;
    time_t t0 = (time_t)start;
    struct tm tm;
    gmtime_r(&t0, &tm);
    for (int64_t t = start; t >= limit && t >= 0;) {
        int v;
        int64_t back = 1;
        if (!has(c->months, tm.tm_mon + 1)) {
            v = bit_down_from(c->months, tm.tm_mon, 1);
            if (v < 0) {
                tm.tm_year--;
                v = bit_down_from(c->months, 12, 1);
            }
            tm.tm_mon = v; /* the month after month v (1-based), minus a second */
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!day_matches(c, &tm)) {
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!has(c->hours, tm.tm_hour)) {
            v = bit_down_from(c->hours, tm.tm_hour - 1, 0);
            tm.tm_hour = v < 0 ? 0 : v + 1;
            tm.tm_min = tm.tm_sec = 0;
        } else if (!has(c->minutes, tm.tm_min)) {
            v = bit_down_from(c->minutes, tm.tm_min - 1, 0);
            tm.tm_min = v < 0 ? 0 : v + 1;
            tm.tm_sec = 0;
        } else if (!has(c->seconds, tm.tm_sec)) {
            v = bit_down_from(c->seconds, tm.tm_sec - 1, 0);
            if (v < 0) {
                tm.tm_sec = 0;
            } else {
                tm.tm_sec = v;
                back = 0;
            }
        } else {
            return t * 1000;
        }
        t = settle(&tm, back);
    }
    return -1;
}

/* ---- firing ---- */

static const char insert_run_sql[] =
    "INSERT INTO schedule_runs (name, slot, job_id, fired_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (name, slot) DO NOTHING";
static const char set_job_sql[] = "UPDATE schedule_runs SET job_id = $1 WHERE name = $2 AND slot = $3";

/* Fire one slot of one schedule in one transaction; *won tells whether this
 * call fired it (false: another connection had). */
static int fire_slot(db *d, const schedule_def *def, int64_t slot_ms, int64_t now_ms, bool *won /* OUT */,
                     em_error *err)
{
    char slot[32], fired_at[32], key[JOB_NAME_MAX + 40], job_id[JOB_ID_LEN + 1];
    *won = false;
    clock_iso8601(slot_ms, slot);
    clock_iso8601(now_ms, fired_at);
    snprintf(key, sizeof key, "%s@%s", def->name, slot);
    const char *run[] = {def->name, slot, NULL, fired_at};
    const char *link[] = {job_id, def->name, slot};
    job_spec spec = {.queue = def->queue, .kind = def->kind, .payload = def->payload, .unique_key = key};

    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc; /* nothing to roll back */
    rc = db_run(d, insert_run_sql, run, 4, err);
    if (rc < 0)
        goto rollback;
    if (db_changes(d) != 1) {
        rc = EM_OK; /* someone else fired this slot */
        goto rollback;
    }
    rc = queue_enqueue(d, &spec, job_id, err);
    if (rc != EM_OK)
        goto rollback;
    rc = db_run(d, set_job_sql, link, 3, err);
    if (rc < 0)
        goto rollback;
    rc = db_commit(d, err);
    if (rc != EM_OK)
        goto rollback;
    *won = true;
    return EM_OK;

rollback:
    db_rollback(d);
    return rc;
}

int schedule_tick(db *d, const schedule_def *defs, const cron *crons, size_t n, int64_t now_ms,
                  int64_t since_ms, int *fired, em_error *err)
{
    assert(d != NULL && (n == 0 || (defs != NULL && crons != NULL)));
    int first_rc = EM_OK;
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t slot = cron_prev(&crons[i], now_ms);
        if (slot < 0 || slot <= since_ms)
            continue;
        em_error e = {0};
        bool won = false;
        int rc;
        if (!queue_name_valid(defs[i].name))
            rc = em_error_set(&e, EM_E_INVAL, "schedule names are 1-%d characters of a-z 0-9 . _ -",
                              JOB_NAME_MAX);
        else
            rc = fire_slot(d, &defs[i], slot, now_ms, &won, &e);
        if (rc == EM_OK) {
            count += won;
        } else if (first_rc == EM_OK) {
            first_rc = rc;
            em_error_set(err, rc, "schedule %s: %s", queue_name_valid(defs[i].name) ? defs[i].name : "?",
                         e.msg);
        }
    }
    if (fired != NULL)
        *fired = count;
    return first_rc;
}

int schedule_override_name(const char *name, char *out, size_t n)
{
    static const char prefix[] = "SCHEDULE_";
    size_t len = name != NULL ? strlen(name) : 0;
    if (n > 0)
        out[0] = '\0';
    if (len == 0)
        return EM_E_INVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && ch != '.' && ch != '_' && ch != '-')
            return EM_E_INVAL;
    }
    if (n < sizeof prefix + len)
        return EM_E_TOO_LARGE;
    memcpy(out, prefix, sizeof prefix - 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        out[sizeof prefix - 1 + i] =
            ch == '.' || ch == '-' ? '_' : (char)ascii_toupper(ch);
    }
    out[sizeof prefix - 1 + len] = '\0';
    return EM_OK;
}
