/* tz: see tz.h.
 *
 * A TZif file (RFC 8536) is a 44-byte header, a data block, and for version 2
 * and later a second header, a second data block with 64-bit times and a
 * footer "\n<POSIX TZ string>\n". A data block holds, in this order, the
 * transition times, one type index per transition, the local time types (6
 * bytes: offset, DST flag, abbreviation index), the abbreviations, the leap
 * second records and two indicator arrays. The header's six counts give the
 * sizes; their total is computed in 64 bits and checked against what is left
 * of the file before anything is read.
 *
 * Local time at t: before the first transition, time type 0; from the last
 * transition on, the footer's rule when there is one; in between, the type of
 * the latest transition at or before t (binary search). With no transitions
 * at all the footer, else type 0, holds for every instant. */
#include "core/tz.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

/* Offsets a file may give, from RFC 8536 section 3.2 (-25h < offset < 26h). */
#define TZ_OFFSET_MIN (-89999)
#define TZ_OFFSET_MAX 93599
#define TZ_TYPES_MAX 256 /* type indices are one byte */

/* Unix time of 0001-01-01T00:00:00Z and of 9999-12-31T23:59:59Z. */
#define TZ_T_MIN (-62135596800LL)
#define TZ_T_MAX 253402300799LL

typedef struct tz_type {
    int32_t utoff; /* seconds east of UTC */
    bool isdst;
} tz_type;

/* One end of a daylight saving period in a footer rule. */
typedef struct tz_when {
    char kind;    /* 'J': day n of 1..365, Feb 29 never counted; 'N': day n of 0..365;
                     'M': month m, week w (5: the last), weekday d */
    int n, m, w, d;
    int32_t secs; /* local time of day it happens at: -167h..167h (RFC 8536 3.3.1) */
} tz_when;

typedef struct tz_rule {
    bool present;  /* a non-empty footer */
    bool has_dst;  /* std only when false */
    int32_t std_off, dst_off; /* seconds east of UTC */
    tz_when start, end;       /* start in standard time, end in daylight time */
} tz_rule;

struct tz_zone {
    char name[TZ_NAME_MAX + 1];
    int64_t *trans;  /* owned; n_trans strictly increasing Unix times */
    uint8_t *idx;    /* owned; the type of each transition */
    size_t n_trans;
    tz_type types[TZ_TYPES_MAX];
    size_t n_types;  /* >= 1 */
    tz_rule rule;
};

/* ---- names ------------------------------------------------------------------ */

int tz_name_check(const char *name, em_error *err)
{
    if (name == NULL || name[0] == '\0')
        return em_error_set(err, EM_E_INVAL, "a time zone name is empty");
    size_t len = strnlen(name, TZ_NAME_MAX + 1);
    if (len > TZ_NAME_MAX)
        return em_error_set(err, EM_E_INVAL, "a time zone name is longer than %d bytes", TZ_NAME_MAX);
    if (strstr(name, "..") != NULL)
        return em_error_set(err, EM_E_INVAL, "time zone \"%s\": \"..\" is not allowed", name);
    if (name[0] == '/')
        return em_error_set(err, EM_E_INVAL, "time zone \"%s\": it must not start with '/'", name);
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '+' || c == '-' || c == '/';
        if (!ok)
            return em_error_set(err, EM_E_INVAL,
                                "a time zone name has a character other than letters, digits and _ + - /");
        if (c == '/' && (name[i + 1] == '/' || name[i + 1] == '\0'))
            return em_error_set(err, EM_E_INVAL, "time zone \"%s\": a part of the name is empty", name);
    }
    return EM_OK;
}

/* ---- the footer's POSIX TZ string -------------------------------------------- */

typedef struct cursor {
    const char *s;
    size_t i, n;
} cursor;

static int peek(const cursor *c)
{
    return c->i < c->n ? (unsigned char)c->s[c->i] : -1;
}

static bool is_alpha(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* A zone abbreviation: three or more letters, or <...> of letters, digits, + and -. */
static bool parse_abbr(cursor *c)
{
    size_t start = c->i;
    if (peek(c) == '<') {
        c->i++;
        start = c->i;
        while (is_alpha(peek(c)) || is_digit(peek(c)) || peek(c) == '+' || peek(c) == '-')
            c->i++;
        if (peek(c) != '>' || c->i - start < 3)
            return false;
        c->i++;
        return true;
    }
    while (is_alpha(peek(c)))
        c->i++;
    return c->i - start >= 3;
}

/* A number of at most `max_digits` digits, 0..max. */
static bool parse_num(cursor *c, int max_digits, int max, int *out)
{
    int v = 0, k = 0;
    while (is_digit(peek(c)) && k < max_digits) {
        v = v * 10 + (peek(c) - '0');
        c->i++;
        k++;
    }
    if (k == 0 || v > max)
        return false;
    *out = v;
    return true;
}

/* [+-]hh[:mm[:ss]] with hours 0..max_hours, as signed seconds. */
static bool parse_hms(cursor *c, int max_hours, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;
    if (peek(c) == '+' || peek(c) == '-') {
        sign = peek(c) == '-' ? -1 : 1;
        c->i++;
    }
    if (!parse_num(c, 3, max_hours, &h))
        return false;
    if (peek(c) == ':') {
        c->i++;
        if (!parse_num(c, 2, 59, &m))
            return false;
        if (peek(c) == ':') {
            c->i++;
            if (!parse_num(c, 2, 59, &s))
                return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return true;
}

/* ",Jn[/time]", ",n[/time]" or ",Mm.w.d[/time]"; the time defaults to 02:00. */
static bool parse_when(cursor *c, tz_when *w)
{
    memset(w, 0, sizeof *w);
    if (peek(c) != ',')
        return false;
    c->i++;
    if (peek(c) == 'J') {
        c->i++;
        w->kind = 'J';
        if (!parse_num(c, 3, 365, &w->n) || w->n < 1)
            return false;
    } else if (peek(c) == 'M') {
        c->i++;
        w->kind = 'M';
        if (!parse_num(c, 2, 12, &w->m) || w->m < 1 || peek(c) != '.')
            return false;
        c->i++;
        if (!parse_num(c, 1, 5, &w->w) || w->w < 1 || peek(c) != '.')
            return false;
        c->i++;
        if (!parse_num(c, 1, 6, &w->d))
            return false;
    } else {
        w->kind = 'N';
        if (!parse_num(c, 3, 365, &w->n))
            return false;
    }
    w->secs = 2 * 3600;
    if (peek(c) == '/') {
        c->i++;
        if (!parse_hms(c, 167, &w->secs))
            return false;
    }
    return true;
}

/* std offset [dst [offset] ,start[/time],end[/time]]; empty is no rule. POSIX
 * offsets count west of UTC, so they are negated here. */
static bool parse_rule(const char *s, size_t n, tz_rule *r)
{
    memset(r, 0, sizeof *r);
    if (n == 0)
        return true;
    cursor c = {s, 0, n};
    int32_t off;
    if (!parse_abbr(&c) || !parse_hms(&c, 24, &off))
        return false;
    r->present = true;
    r->std_off = -off;
    if (peek(&c) == -1)
        return true;
    if (!parse_abbr(&c))
        return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (peek(&c) != ',') {
        if (!parse_hms(&c, 24, &off))
            return false;
        r->dst_off = -off;
    }
    /* a rule is required: tzcode always writes one, and the POSIX default is
       implementation-defined */
    return parse_when(&c, &r->start) && parse_when(&c, &r->end) && peek(&c) == -1;
}

/* ---- the binary data ------------------------------------------------------ */

typedef struct header {
    char version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} header;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

#define TZ_HEADER_LEN 44

/* The header at p (len bytes left): EM_OK, EM_E_NOT_FOUND without the magic. */
static int read_header(const unsigned char *p, size_t len, header *h)
{
    if (len < TZ_HEADER_LEN || memcmp(p, "TZif", 4) != 0)
        return EM_E_NOT_FOUND;
    h->version = (char)p[4];
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return EM_OK;
}

/* Bytes of the data block after h with times of tsize bytes (64-bit sum of
 * 32-bit counts: cannot overflow). */
static uint64_t block_len(const header *h, unsigned tsize)
{
    return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
           (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* The data block at p described by h into z. */
static int read_block(const unsigned char *p, const header *h, unsigned tsize, tz_zone *z,
                      const char *name, em_error *err)
{
    if (h->typecnt == 0 || h->typecnt > TZ_TYPES_MAX || h->charcnt == 0 ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) || (h->isutcnt != 0 && h->isutcnt != h->typecnt))
        return em_error_set(err, EM_E_PARSE, "time zone \"%s\": the file's counts are inconsistent", name);
    if (h->leapcnt != 0)
        return em_error_set(err, EM_E_UNSUPPORTED,
                            "time zone \"%s\" counts leap seconds; use the zone without \"right/\"", name);
    z->n_trans = h->timecnt;
    if (z->n_trans > 0) {
        z->trans = em_malloc(z->n_trans * sizeof *z->trans);
        z->idx = em_malloc(z->n_trans);
    }
    const unsigned char *q = p;
    for (size_t i = 0; i < z->n_trans; i++, q += tsize) {
        z->trans[i] = tsize == 8 ? be64(q) : (int64_t)(int32_t)be32(q);
        if (i > 0 && z->trans[i] <= z->trans[i - 1])
            return em_error_set(err, EM_E_PARSE, "time zone \"%s\": transitions out of order", name);
    }
    for (size_t i = 0; i < z->n_trans; i++, q++) {
        if (*q >= h->typecnt)
            return em_error_set(err, EM_E_PARSE, "time zone \"%s\": a transition has no such type", name);
        z->idx[i] = *q;
    }
    z->n_types = h->typecnt;
    for (size_t i = 0; i < z->n_types; i++, q += 6) {
        int32_t off = (int32_t)be32(q);
        if (off < TZ_OFFSET_MIN || off > TZ_OFFSET_MAX || q[4] > 1 || q[5] >= h->charcnt)
            return em_error_set(err, EM_E_PARSE, "time zone \"%s\": a local time type is out of range", name);
        z->types[i].utoff = off;
        z->types[i].isdst = q[4] == 1;
    }
    return EM_OK;
}

void tz_free(tz_zone *tz)
{
    if (tz == NULL)
        return;
    free(tz->trans);
    free(tz->idx);
    free(tz);
}

static tz_zone *zone_new(const char *name)
{
    tz_zone *z = em_calloc(1, sizeof *z);
    snprintf(z->name, sizeof z->name, "%s", name != NULL ? name : "");
    return z;
}

tz_zone *tz_utc(void)
{
    tz_zone *z = zone_new("UTC");
    z->n_types = 1;
    return z;
}

int tz_parse(const unsigned char *data, size_t len, const char *name, tz_zone **out, em_error *err)
{
    assert(out != NULL);
    *out = NULL;
    if (name == NULL)
        name = "";
    if (len > TZ_FILE_MAX)
        return em_error_set(err, EM_E_TOO_LARGE, "time zone \"%s\": the file is larger than %d bytes",
                            name, TZ_FILE_MAX);
    header h;
    if (data == NULL || read_header(data, len, &h) != EM_OK)
        return em_error_set(err, EM_E_NOT_FOUND, "time zone \"%s\" is not a time zone file", name);
    int rc;
    tz_zone *z = zone_new(name);
    size_t pos = TZ_HEADER_LEN;
    uint64_t need = block_len(&h, 4);
    if (need > len - pos) {
        rc = em_error_set(err, EM_E_PARSE, "time zone \"%s\": the file is cut short", name);
        goto fail;
    }
    if (h.version == '\0') {
        /* version 1: 32-bit times, no footer */
        rc = read_block(data + pos, &h, 4, z, name, err);
        if (rc != EM_OK)
            goto fail;
        *out = z;
        return EM_OK;
    }
    /* version 2+: skip the 32-bit block, read the 64-bit one and the footer */
    pos += (size_t)need;
    if (read_header(data + pos, len - pos, &h) != EM_OK) {
        rc = em_error_set(err, EM_E_PARSE, "time zone \"%s\": the second header is missing", name);
        goto fail;
    }
    pos += TZ_HEADER_LEN;
    need = block_len(&h, 8);
    /* the footer takes at least two newlines */
    if (need > len - pos || len - pos - need < 2) {
        rc = em_error_set(err, EM_E_PARSE, "time zone \"%s\": the file is cut short", name);
        goto fail;
    }
    rc = read_block(data + pos, &h, 8, z, name, err);
    if (rc != EM_OK)
        goto fail;
    pos += (size_t)need;
    const char *foot = (const char *)data + pos + 1;
    size_t left = len - pos - 1;
    const char *nl = memchr(foot, '\n', left < TZ_FOOTER_MAX + 1 ? left : TZ_FOOTER_MAX + 1);
    if (data[pos] != '\n' || nl == NULL || !parse_rule(foot, (size_t)(nl - foot), &z->rule)) {
        rc = em_error_set(err, EM_E_PARSE, "time zone \"%s\": the footer's rule is malformed", name);
        goto fail;
    }
    *out = z;
    return EM_OK;
fail:
    tz_free(z);
    return rc;
}

int tz_load_from(const char *dir, const char *name, tz_zone **out, em_error *err)
{
    assert(dir != NULL && out != NULL);
    *out = NULL;
    if (name == NULL || name[0] == '\0') {
        *out = tz_utc();
        return EM_OK;
    }
    int rc = tz_name_check(name, err);
    if (rc != EM_OK)
        return rc;
    char path[4096];
    int pn = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (pn < 0 || (size_t)pn >= sizeof path)
        return em_error_set(err, EM_E_INVAL, "time zone \"%s\": the path is too long", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return em_error_set(err, EM_E_NOT_FOUND, "unknown time zone \"%s\"", name);
        return em_error_set(err, EM_E_IO, "time zone \"%s\" could not be read", name);
    }
    unsigned char *data = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = em_error_set(err, EM_E_IO, "time zone \"%s\" could not be read", name);
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "unknown time zone \"%s\"", name);
        goto done;
    }
    if (st.st_size > TZ_FILE_MAX) {
        rc = em_error_set(err, EM_E_TOO_LARGE, "time zone \"%s\": the file is larger than %d bytes", name,
                          TZ_FILE_MAX);
        goto done;
    }
    /* one byte more than fstat said: a file that grew since is seen to have
       (and is then cut short, or past the limit, for tz_parse to refuse) */
    size_t cap = (size_t)st.st_size + 1;
    data = em_malloc(cap);
    size_t len = 0;
    while (len < cap) {
        ssize_t r = read(fd, data + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = em_error_set(err, EM_E_IO, "time zone \"%s\" could not be read", name);
            goto done;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    rc = tz_parse(data, len, name, out, err);
done:
    free(data);
    close(fd);
    return rc;
}

int tz_load(const char *name, tz_zone **out, em_error *err)
{
    return tz_load_from(TZ_DIR, name, out, err);
}

const char *tz_name(const tz_zone *tz)
{
    return tz->name;
}

/* ---- local time -------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The day number of a rule's day in year y. */
static int64_t when_day(const tz_when *w, int y)
{
    int64_t jan1 = civil_to_days((civil_date){y, 1, 1});
    if (w->kind == 'J')
        return jan1 + w->n - 1 + (civil_is_leap(y) && w->n >= 60 ? 1 : 0);
    if (w->kind == 'N')
        return jan1 + w->n;
    civil_date first = {y, w->m, 1};
    int day = 1 + (w->d - civil_weekday(first) + 7) % 7 + (w->w - 1) * 7;
    int dim = civil_days_in_month(y, w->m);
    while (day > dim)
        day -= 7;
    return civil_to_days((civil_date){y, w->m, day});
}

/* The footer rule's offset at t (within TZ_T_MIN..TZ_T_MAX). */
static int32_t rule_offset(const tz_rule *r, int64_t t, bool *is_dst)
{
    *is_dst = false;
    if (!r->has_dst)
        return r->std_off;
    int64_t local_days = floor_div(t + r->std_off, 86400);
    if (!civil_days_in_range(local_days))
        local_days = local_days < 0 ? civil_to_days((civil_date){CIVIL_YEAR_MIN, 1, 1})
                                    : civil_to_days((civil_date){CIVIL_YEAR_MAX, 12, 31});
    int y = civil_from_days(local_days).year;
    int64_t start = when_day(&r->start, y) * 86400 + r->start.secs - r->std_off;
    int64_t end = when_day(&r->end, y) * 86400 + r->end.secs - r->dst_off;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    *is_dst = dst;
    return dst ? r->dst_off : r->std_off;
}

int32_t tz_utc_offset(const tz_zone *tz, int64_t t, bool *is_dst)
{
    assert(tz != NULL && tz->n_types >= 1);
    bool dst = false;
    int32_t off;
    if (t < TZ_T_MIN)
        t = TZ_T_MIN;
    if (t > TZ_T_MAX)
        t = TZ_T_MAX;
    if (tz->rule.present && (tz->n_trans == 0 || t >= tz->trans[tz->n_trans - 1])) {
        off = rule_offset(&tz->rule, t, &dst);
    } else if (tz->n_trans == 0 || t < tz->trans[0]) {
        off = tz->types[0].utoff;
        dst = tz->types[0].isdst;
    } else {
        /* the latest transition at or before t */
        size_t lo = 0, hi = tz->n_trans; /* trans[lo] <= t < trans[hi] */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (tz->trans[mid] <= t)
                lo = mid;
            else
                hi = mid;
        }
        const tz_type *ty = &tz->types[tz->idx[lo]];
        off = ty->utoff;
        dst = ty->isdst;
    }
    if (is_dst != NULL)
        *is_dst = dst;
    return off;
}

int tz_local_date(const tz_zone *tz, int64_t t, civil_date *out)
{
    assert(out != NULL);
    if (t < TZ_T_MIN || t > TZ_T_MAX)
        return EM_E_INVAL;
    int64_t days = floor_div(t + tz_utc_offset(tz, t, NULL), 86400);
    if (!civil_days_in_range(days))
        return EM_E_INVAL;
    *out = civil_from_days(days);
    return EM_OK;
}
