/* libFuzzer target: csv_next over arbitrary bytes until the end or a
 * refusal. Besides the sanitizers' findings, a broken invariant aborts: every
 * record has as many fields as the first, each field's length is its strlen
 * and at most CSV_FIELD_MAX, lines never go backwards, and a refusal is
 * EM_E_PARSE or EM_E_TOO_LARGE with a message naming a line.
 *
 * Run: ./fuzz_csv -max_total_time=60 fuzz/corpus/csv */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    csv_reader r;
    csv_reader_init(&r, (const char *)data, size);
    csv_row row;
    em_error err = {0};
    size_t width = 0, last_line = 0;
    int rc;
    while ((rc = csv_next(&r, &row, &err)) == CSV_ROW) {
        if (row.n == 0 || row.n > CSV_FIELDS_MAX || row.line < last_line || row.line < 1)
            abort();
        if (width == 0)
            width = row.n;
        if (row.n != width)
            abort();
        for (size_t i = 0; i < row.n; i++)
            if (strlen(row.field[i]) != row.field_len[i] || row.field_len[i] > CSV_FIELD_MAX)
                abort();
        last_line = row.line;
    }
    if (rc != CSV_DONE && ((rc != EM_E_PARSE && rc != EM_E_TOO_LARGE) || strncmp(err.msg, "line ", 5) != 0))
        abort();
    csv_reader_cleanup(&r);
    return 0;
}
