/* csv: see csv.h. One pass over the bytes; a record's fields are copied into
 * one buffer (quotes undone) so that each can end with a NUL. */
#include "core/csv.h"

#include <string.h>

void csv_reader_init(csv_reader *r, const char *data, size_t len)
{
    memset(r, 0, sizeof *r);
    r->data = data;
    r->len = data != NULL ? len : 0;
    r->line = 1;
    /* CSV_FIELDS_MAX fields of CSV_FIELD_MAX bytes and their NULs. */
    buf_init(&r->fields, (size_t)CSV_FIELDS_MAX * (CSV_FIELD_MAX + 1));
    if (r->len >= 3 && memcmp(r->data, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
}

void csv_reader_cleanup(csv_reader *r)
{
    buf_cleanup(&r->fields);
}

/* At a record end (CRLF, LF or a lone CR) at pos: its length, else 0. */
static size_t newline_at(const csv_reader *r, size_t pos)
{
    if (pos >= r->len)
        return 0;
    if (r->data[pos] == '\n')
        return 1;
    if (r->data[pos] == '\r')
        return pos + 1 < r->len && r->data[pos + 1] == '\n' ? 2 : 1;
    return 0;
}

static int append_byte(csv_reader *r, size_t field_start, char c, size_t line, em_error *err)
{
    if (r->fields.len - field_start >= CSV_FIELD_MAX)
        return em_error_set(err, EM_E_TOO_LARGE, "line %zu: a field is longer than %d bytes", line,
                            CSV_FIELD_MAX);
    return buf_append(&r->fields, &c, 1) == EM_OK ? EM_OK : em_error_set(err, EM_E_TOO_LARGE, "line %zu: record too large", line);
}

/* One field starting at r->pos, appended to r->fields with its NUL. Leaves
 * pos on the separator, the newline or the end. */
static int read_field(csv_reader *r, size_t start_line, em_error *err)
{
    size_t field_start = r->fields.len;
    int rc = EM_OK;
    if (r->pos < r->len && r->data[r->pos] == '"') {
        size_t open_line = r->line;
        r->pos++;
        for (;;) {
            if (r->pos >= r->len)
                return em_error_set(err, EM_E_PARSE, "line %zu: a quoted field is never closed", open_line);
            char c = r->data[r->pos];
            if (c == '\0')
                return em_error_set(err, EM_E_PARSE, "line %zu: a NUL byte", r->line);
            if (c == '"') {
                if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"') {
                    rc = append_byte(r, field_start, '"', start_line, err);
                    r->pos += 2;
                } else {
                    r->pos++;
                    break;
                }
            } else {
                size_t nl = newline_at(r, r->pos);
                if (nl > 0) {
                    /* kept as written (CRLF stays CRLF) */
                    for (size_t i = 0; i < nl && rc == EM_OK; i++)
                        rc = append_byte(r, field_start, r->data[r->pos + i], start_line, err);
                    r->pos += nl;
                    r->line++;
                } else {
                    rc = append_byte(r, field_start, c, start_line, err);
                    r->pos++;
                }
            }
            if (rc != EM_OK)
                return rc;
        }
        if (r->pos < r->len && r->data[r->pos] != ',' && newline_at(r, r->pos) == 0)
            return em_error_set(err, EM_E_PARSE, "line %zu: text after a closing quote (write a quote inside a quoted field as \"\")",
                                r->line);
    } else {
        while (r->pos < r->len && r->data[r->pos] != ',' && newline_at(r, r->pos) == 0) {
            char c = r->data[r->pos];
            if (c == '"')
                return em_error_set(err, EM_E_PARSE,
                                    "line %zu: a quote inside a field that does not start with one (quote the whole field)",
                                    r->line);
            if (c == '\0')
                return em_error_set(err, EM_E_PARSE, "line %zu: a NUL byte", r->line);
            rc = append_byte(r, field_start, c, start_line, err);
            if (rc != EM_OK)
                return rc;
            r->pos++;
        }
    }
    return buf_append(&r->fields, "", 1) == EM_OK ? EM_OK : em_error_set(err, EM_E_TOO_LARGE, "line %zu: record too large", start_line);
}

int csv_next(csv_reader *r, csv_row *row, em_error *err)
{
    row->n = 0;
    /* blank lines are skipped */
    for (;;) {
        size_t nl = newline_at(r, r->pos);
        if (nl == 0)
            break;
        r->pos += nl;
        r->line++;
    }
    if (r->pos >= r->len)
        return CSV_DONE;
    buf_reset(&r->fields);
    size_t start_line = r->line, n = 0;
    for (;;) {
        if (n == CSV_FIELDS_MAX)
            return em_error_set(err, EM_E_TOO_LARGE, "line %zu: more than %d fields", start_line, CSV_FIELDS_MAX);
        r->offsets[n] = r->fields.len;
        int rc = read_field(r, start_line, err);
        if (rc != EM_OK)
            return rc;
        n++;
        if (r->pos < r->len && r->data[r->pos] == ',') {
            r->pos++;
            continue;
        }
        size_t nl = newline_at(r, r->pos);
        r->pos += nl;
        if (nl > 0)
            r->line++;
        break;
    }
    if (r->width == 0)
        r->width = n;
    else if (n != r->width)
        return em_error_set(err, EM_E_PARSE, "line %zu: %zu field%s where the header has %zu", start_line, n,
                            n == 1 ? "" : "s", r->width);
    row->n = n;
    row->line = start_line;
    for (size_t i = 0; i < n; i++) {
        row->field[i] = r->fields.data + r->offsets[i];
        size_t end = i + 1 < n ? r->offsets[i + 1] - 1 : r->fields.len - 1;
        row->field_len[i] = end - r->offsets[i];
    }
    return CSV_ROW;
}
