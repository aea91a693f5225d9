/* csv: a reader of comma-separated values as RFC 4180 writes them, for files
 * people make in spreadsheets: fields separated by commas, records by CRLF or
 * LF (a lone CR also ends a record), a field in double quotes may hold commas,
 * line breaks and doubled quotes (""), a UTF-8 byte order mark at the start is
 * skipped, blank lines are skipped. Every record must have as many fields as
 * the first one (the header): a ragged record is refused with its line.
 *
 * Refusals are EM_E_PARSE (a quote inside an unquoted field, text after a
 * closing quote, a quote never closed, a NUL byte, a ragged record) or
 * EM_E_TOO_LARGE (a field over CSV_FIELD_MAX bytes, a record over
 * CSV_FIELDS_MAX fields), with a message that names the line (1-based, the
 * line a record starts on; a quoted line break counts as a line).
 *
 * Use: csv_reader_init over the bytes (borrowed, not copied), csv_next until
 * it returns CSV_DONE or an error, csv_reader_cleanup. Pure: no I/O. */
#ifndef EM_CORE_CSV_H
#define EM_CORE_CSV_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define CSV_FIELD_MAX (64 * 1024) /* bytes of one field */
#define CSV_FIELDS_MAX 64         /* fields of one record */

#define CSV_DONE 0 /* csv_next: no more records */
#define CSV_ROW 1  /* csv_next: a record was read */

typedef struct csv_reader {
    const char *data; /* borrowed: the whole input */
    size_t len, pos;
    size_t line;      /* the line pos is on, 1-based */
    size_t width;     /* fields of the first record (0 before it) */
    buf fields;       /* the fields of the current record, each NUL-terminated */
    size_t offsets[CSV_FIELDS_MAX];
} csv_reader;

/* One record. Pointers are borrowed from the reader until the next csv_next. */
typedef struct csv_row {
    size_t n;                             /* fields */
    const char *field[CSV_FIELDS_MAX];    /* NUL-terminated (a field holding NUL is refused) */
    size_t field_len[CSV_FIELDS_MAX];
    size_t line;                          /* where the record starts */
} csv_row;

/* Caller-owned reader over data[0..len) (borrowed until cleanup). */
void csv_reader_init(csv_reader *r, const char *data, size_t len);
void csv_reader_cleanup(csv_reader *r);

/* The next record into *row: CSV_ROW, CSV_DONE at the end, or a negative
 * error with err set (stop reading then: later calls promise nothing). */
int csv_next(csv_reader *r, csv_row *row /* OUT */, em_error *err);

#endif
