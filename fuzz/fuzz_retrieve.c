/* libFuzzer target: a question (and earlier ones) against passages, all
 * arbitrary bytes, through retrieve_query_build, retrieve_search and
 * answer_build.
 *
 * Layout: byte 0 picks k (0..RETRIEVE_K_MAX + 1, the last one refused),
 * byte 1 the number of earlier questions (0..5), byte 2 the answer's
 * sentence limit (0..ANSWER_MAX_SENTENCES); the rest is cut at 0xff bytes
 * (never part of UTF-8) into the question, the earlier questions, then
 * passages whose sections are their first line. Besides the sanitizers'
 * findings, a broken promise aborts: a query within its limits and weights
 * in (0, 1]; at most k hits, best first, finite scores, coverage in [0, 1];
 * quotes that are the passage's own bytes at their offset, within the
 * limits; refusals with sections and no quotes.
 *
 * Run: ./fuzz_retrieve -max_total_time=60 fuzz/corpus/retrieve */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "learn/answer.h"
#include "learn/retrieve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARTS 40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > 1 << 16)
        return 0;
    size_t k = data[0] % (RETRIEVE_K_MAX + 2);
    size_t n_hist = data[1] % 6;
    int max_sentences = data[2] % (ANSWER_MAX_SENTENCES + 1);
    const char *rest = (const char *)data + 3;
    size_t len = size - 3;

    const char *part[MAX_PARTS];
    size_t part_len[MAX_PARTS], n_parts = 0;
    size_t from = 0;
    for (size_t i = 0; i <= len && n_parts < MAX_PARTS; i++) {
        if (i == len || (unsigned char)rest[i] == 0xff) {
            part[n_parts] = rest + from;
            part_len[n_parts++] = i - from;
            from = i + 1;
        }
    }
    char *hist[5] = {NULL};
    size_t n_h = 0;
    for (size_t i = 1; i < n_parts && n_h < n_hist; i++)
        hist[n_h++] = em_strndup(part[i], part_len[i]); /* a NUL inside shortens it */

    em_error err = {0};
    retrieve_index *ix = retrieve_index_new((retrieve_limits){.max_passages = 32, .max_bytes = 1 << 15});
    for (size_t i = 1 + n_h; i < n_parts; i++) {
        const char *nl = memchr(part[i], '\n', part_len[i]);
        char *section = nl != NULL ? em_strndup(part[i], (size_t)(nl - part[i])) : NULL;
        retrieve_passage p = {part[i], part_len[i], "m", section, (int)i, (int)i, false};
        int rc = retrieve_index_add(ix, &p, &err);
        free(section);
        if (rc != EM_OK && rc != EM_E_TOO_LARGE &&
            !(rc == EM_E_INVAL && memchr(part[i], 0, part_len[i]) != NULL))
            abort();
    }
    if (retrieve_index_build(ix, &err) != EM_OK)
        abort();

    retrieve_query q;
    int rc = retrieve_query_build(part[0], part_len[0], (const char *const *)hist, n_h, &q, &err);
    if (rc != EM_OK) {
        /* only a question, or an earlier one, over the limit is refused */
        bool too_long = part_len[0] > RETRIEVE_QUESTION_MAX;
        for (size_t i = 0; i < n_h; i++)
            too_long = too_long || strlen(hist[i]) > RETRIEVE_QUESTION_MAX;
        if (rc != EM_E_TOO_LARGE || !too_long)
            abort();
        goto done;
    }
    if (q.n > RETRIEVE_QUERY_TERMS_MAX || q.n_groups > (int)q.n)
        abort();
    for (size_t i = 0; i < q.n; i++) {
        const retrieve_term *t = &q.terms[i];
        if (!(t->weight > 0 && t->weight <= 1) || t->stem[0] == '\0' || t->group >= q.n_groups ||
            (t->group < 0) != (t->origin == RETRIEVE_FRAME))
            abort();
    }

    retrieve_hit hits[RETRIEVE_K_MAX + 1];
    size_t n = 0;
    rc = retrieve_search(ix, &q, k, hits, &n, &err);
    if ((rc != EM_OK) != (k > RETRIEVE_K_MAX) || n > k)
        abort();
    for (size_t i = 0; i < n; i++) {
        const retrieve_hit *h = &hits[i];
        if (h->passage >= retrieve_index_count(ix) || !isfinite(h->score) || !(h->score > 0) ||
            !(h->coverage >= 0 && h->coverage <= 1 + 1e-9) || (i > 0 && hits[i - 1].score < h->score))
            abort();
    }

    answer a;
    rc = answer_build(ix, &q, (answer_limits){.max_sentences = max_sentences}, &a, &err);
    if (rc != EM_OK)
        abort();
    if (a.answerable != (a.n_quotes > 0) || (a.answerable && a.n_sections > 0))
        abort();
    size_t total = 0;
    int limit = max_sentences == 0 ? ANSWER_DEFAULT_SENTENCES : max_sentences;
    if (a.n_quotes > (size_t)limit)
        abort();
    for (size_t i = 0; i < a.n_quotes; i++) {
        const answer_quote *x = &a.quotes[i];
        const retrieve_passage *p = retrieve_index_passage(ix, x->passage);
        if (x->offset + x->len > p->len || strlen(x->text) != x->len ||
            memcmp(p->text + x->offset, x->text, x->len) != 0)
            abort();
        total += x->len;
    }
    if (a.n_quotes > 1 && total > ANSWER_DEFAULT_CHARS)
        abort();
    answer_cleanup(&a);

done:
    retrieve_index_free(ix);
    for (size_t i = 0; i < n_h; i++)
        free(hist[i]);
    return 0;
}
