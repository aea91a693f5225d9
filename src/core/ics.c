/* ics: see ics.h. */
#include "core/ics.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/err.h"

int ics_escape(buf *out, const char *s, size_t n)
{
    int rc = EM_OK;
    size_t start = 0; /* bytes s[start..i) are copied as they are */
    for (size_t i = 0; i < n && rc == EM_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        if (c == '\\')
            rep = "\\\\";
        else if (c == ';')
            rep = "\\;";
        else if (c == ',')
            rep = "\\,";
        else if (c == '\n')
            rep = "\\n";
        else if (c == '\r')
            rep = i + 1 < n && s[i + 1] == '\n' ? "" : "\\n"; /* CRLF: one line break, at the LF */
        else if (c < 0x20 || c == 0x7f)
            rep = c == '\t' ? "\t" : " ";
        if (rep == NULL)
            continue;
        rc = buf_append(out, s + start, i - start);
        if (rc == EM_OK)
            rc = buf_append_str(out, rep);
        start = i + 1;
    }
    if (rc == EM_OK)
        rc = buf_append(out, s + start, n - start);
    return rc;
}

/* Whether byte c continues a UTF-8 sequence (10xxxxxx). */
static int is_continuation(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

int ics_fold(buf *out, const char *line, size_t n)
{
    int rc = EM_OK;
    size_t pos = 0;
    size_t room = ICS_LINE_MAX; /* the first line; continuations give one octet to the space */
    while (rc == EM_OK && n - pos > room) {
        size_t cut = pos + room;
        /* Back off to the start of the character the cut would split; a run
         * of continuation bytes longer than a line (not UTF-8) is cut as is. */
        size_t back = cut;
        while (back > pos && is_continuation((unsigned char)line[back]))
            back--;
        if (back > pos && cut - back < 4)
            cut = back;
        rc = buf_append(out, line + pos, cut - pos);
        if (rc == EM_OK)
            rc = buf_append(out, "\r\n ", 3);
        pos = cut;
        room = ICS_LINE_MAX - 1;
    }
    if (rc == EM_OK)
        rc = buf_append(out, line + pos, n - pos);
    if (rc == EM_OK)
        rc = buf_append(out, "\r\n", 2);
    return rc;
}

void ics_utc_stamp(int64_t epoch_ms, char out[17])
{
    time_t secs = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) == 0)
        out[0] = '\0';
}

/* Append "name:" and the escaped text as one folded line; `scratch` holds
 * the line while it is built. */
static int text_line(buf *out, buf *scratch, const char *name, const char *text)
{
    buf_reset(scratch);
    int rc = buf_append_str(scratch, name);
    if (rc == EM_OK)
        rc = buf_append(scratch, ":", 1);
    if (rc == EM_OK)
        rc = ics_escape(scratch, text, strlen(text));
    if (rc == EM_OK)
        rc = ics_fold(out, scratch->data, scratch->len);
    return rc;
}

/* A line with no text to escape: "DTSTART;VALUE=DATE:" and "20270112". */
static int plain_line(buf *out, const char *name, const char *value)
{
    char line[128];
    int len = snprintf(line, sizeof line, "%s%s", name, value);
    if (len < 0 || (size_t)len >= sizeof line)
        return EM_E_TOO_LARGE;
    return ics_fold(out, line, (size_t)len);
}

/* "20270112"; a date that is not one is written as the digits it has. */
static void basic_date(civil_date d, char out[9])
{
    unsigned y = (unsigned)d.year % 10000u, m = (unsigned)d.month % 100u, day = (unsigned)d.day % 100u;
    snprintf(out, 9, "%04u%02u%02u", y, m, day);
}

int ics_calendar(buf *out, const char *prodid, const char *name, int64_t dtstamp_ms, const ics_event *events,
                 size_t n)
{
    buf scratch;
    buf_init(&scratch, out->max > 0 ? out->max : 1);
    char stamp[17];
    ics_utc_stamp(dtstamp_ms, stamp);
    int rc = ics_fold(out, "BEGIN:VCALENDAR", 15);
    if (rc == EM_OK)
        rc = ics_fold(out, "VERSION:2.0", 11);
    if (rc == EM_OK)
        rc = text_line(out, &scratch, "PRODID", prodid);
    if (rc == EM_OK)
        rc = ics_fold(out, "CALSCALE:GREGORIAN", 18);
    if (rc == EM_OK)
        rc = ics_fold(out, "METHOD:PUBLISH", 14);
    if (rc == EM_OK && name != NULL)
        rc = text_line(out, &scratch, "X-WR-CALNAME", name);
    for (size_t i = 0; rc == EM_OK && i < n; i++) {
        const ics_event *e = &events[i];
        char start[9], end[9];
        basic_date(e->date, start);
        civil_date next =
            civil_valid(e->date) && e->date.year < CIVIL_YEAR_MAX ? civil_add_days(e->date, 1) : e->date;
        basic_date(next, end);
        rc = ics_fold(out, "BEGIN:VEVENT", 12);
        if (rc == EM_OK)
            rc = text_line(out, &scratch, "UID", e->uid != NULL ? e->uid : "");
        if (rc == EM_OK)
            rc = plain_line(out, "DTSTAMP:", stamp);
        if (rc == EM_OK)
            rc = plain_line(out, "DTSTART;VALUE=DATE:", start);
        if (rc == EM_OK)
            rc = plain_line(out, "DTEND;VALUE=DATE:", end);
        if (rc == EM_OK)
            rc = text_line(out, &scratch, "SUMMARY", e->summary != NULL ? e->summary : "");
        if (rc == EM_OK && e->description != NULL)
            rc = text_line(out, &scratch, "DESCRIPTION", e->description);
        if (rc == EM_OK)
            rc = ics_fold(out, "TRANSP:TRANSPARENT", 18);
        if (rc == EM_OK)
            rc = ics_fold(out, "END:VEVENT", 10);
    }
    if (rc == EM_OK)
        rc = ics_fold(out, "END:VCALENDAR", 13);
    buf_cleanup(&scratch);
    return rc;
}
