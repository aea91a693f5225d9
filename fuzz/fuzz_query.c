/* libFuzzer target: query_parse on arbitrary bytes, then both renderings.
 * Besides the sanitizers' findings, a broken invariant aborts: a failure is
 * EM_E_PARSE or EM_E_TOO_LARGE with a message and no query; a parsed query has
 * positive words, renders for both engines into QUERY_RENDER_MAX bytes, and
 * each rendering follows its grammar, as the reference model shared with the
 * unit test (tests/support/query_model.h, written apart from query.c) says.
 *
 * Run: ./fuzz_query -max_total_time=60 fuzz/corpus/query */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "content/query.h"
#include "core/buf.h"
#include "core/err.h"
#include "query_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    search_query *q = NULL;
    em_error err = {0};
    int rc = query_parse((const char *)data, size, &q, &err);
    if (rc != EM_OK) {
        if ((rc != EM_E_PARSE && rc != EM_E_TOO_LARGE) || q != NULL || err.code != rc || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (size > QUERY_MAX_BYTES || query_word_count(q) == 0)
        abort();
    for (size_t i = 0; i < query_word_count(q); i++) {
        const char *w = query_word(q, i, NULL);
        if (!query_model_word_ok(w))
            abort();
    }
    buf b;
    buf_init(&b, QUERY_RENDER_MAX);
    if (query_to_fts5(q, &b) != EM_OK || !query_model_fts5_ok(b.data))
        abort();
    buf_reset(&b);
    if (query_to_tsquery(q, &b) != EM_OK || !query_model_tsquery_ok(b.data))
        abort();
    buf_cleanup(&b);
    query_free(q);
    return 0;
}
