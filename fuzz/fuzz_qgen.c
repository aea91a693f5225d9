/* libFuzzer target: quiz questions written from arbitrary passages and key
 * terms, through qgen_generate and qgen_similarity.
 *
 * Layout: byte 0 picks how many questions are asked for (1..24), byte 1 the
 * seed; the rest is cut at 0xff bytes (never part of UTF-8): the first part
 * is the key terms, comma-separated, the others are passages whose sections
 * are their first line. Besides the sanitizers' findings, a broken promise
 * aborts: at most the questions asked for; each cites a passage of the index
 * and a quote inside it that holds its key term (ASCII case aside); a
 * choice's options are distinct and hold its key; a cloze has no options;
 * difficulty within [0, 1]; similarity within [0, 1] and 1 for a stem with
 * itself when it has words.
 *
 * Run: ./fuzz_qgen -max_total_time=60 fuzz/corpus/qgen */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/mem.h"
#include "learn/qgen.h"
#include "learn/retrieve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARTS 40
#define MAX_TERMS 32

static bool holds_ci(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n > 0 && i + n <= len; i++)
        if (strncasecmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 1 << 16)
        return 0;
    size_t max = 1 + data[0] % 24;
    uint64_t seed = data[1];
    const char *rest = (const char *)data + 2;
    size_t len = size - 2;
    const char *part[MAX_PARTS];
    size_t part_len[MAX_PARTS], n_parts = 0, from = 0;
    for (size_t i = 0; i <= len && n_parts < MAX_PARTS; i++) {
        if (i == len || (unsigned char)rest[i] == 0xff) {
            part[n_parts] = rest + from;
            part_len[n_parts++] = i - from;
            from = i + 1;
        }
    }
    char *terms_text = em_strndup(part[0], part_len[0]);
    char *terms[MAX_TERMS];
    size_t n_terms = 0;
    for (char *p = terms_text, *comma; p != NULL && n_terms < MAX_TERMS; p = comma ? comma + 1 : NULL) {
        comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        if (*p != '\0')
            terms[n_terms++] = p;
    }
    em_error err = {0};
    retrieve_index *ix = retrieve_index_new((retrieve_limits){.max_passages = 64, .max_bytes = 1 << 16});
    for (size_t i = 1; i < n_parts; i++) {
        const char *nl = memchr(part[i], '\n', part_len[i]);
        char *section = nl != NULL ? em_strndup(part[i], (size_t)(nl - part[i])) : NULL;
        retrieve_passage p = {part[i], part_len[i], "m", section, (int)i, (int)i, false};
        (void)retrieve_index_add(ix, &p, &err); /* a NUL byte or the limits refuse a passage */
        free(section);
    }
    if (retrieve_index_build(ix, &err) != EM_OK)
        abort();
    qgen_input in = {
        .ix = ix, .terms = (const char *const *)terms, .n_terms = n_terms, .max = max, .seed = seed};
    qgen_set set = {0};
    int rc = qgen_generate(&in, &set, &err);
    if (rc != EM_OK && rc != EM_E_INVAL)
        abort();
    if (set.n > max)
        abort();
    for (size_t i = 0; i < set.n; i++) {
        const qgen_question *q = &set.items[i];
        if (q->passage >= retrieve_index_count(ix) || q->stem == NULL || q->answer == NULL || q->term == NULL)
            abort();
        const retrieve_passage *p = retrieve_index_passage(ix, q->passage);
        if (q->quote_offset > p->len || q->quote_len > p->len - q->quote_offset)
            abort();
        if (!holds_ci(p->text + q->quote_offset, q->quote_len, q->term))
            abort();
        if (!(q->difficulty >= 0 && q->difficulty <= 1))
            abort();
        if (q->type == QGEN_CLOZE) {
            if (q->n_options != 0)
                abort();
        } else {
            bool key = false;
            for (size_t a = 0; a < q->n_options; a++) {
                key = key || strcmp(q->options[a], q->answer) == 0;
                for (size_t b = 0; b < a; b++)
                    if (strcasecmp(q->options[a], q->options[b]) == 0)
                        abort();
            }
            if (!key)
                abort();
        }
        double sim = qgen_similarity(q->stem, strlen(q->stem), q->stem, strlen(q->stem));
        if (!(sim >= 0 && sim <= 1))
            abort();
    }
    if (set.n >= 2) {
        const char *a = set.items[0].stem, *b = set.items[1].stem;
        double sim = qgen_similarity(a, strlen(a), b, strlen(b));
        if (!(sim >= 0 && sim <= 1))
            abort();
    }
    qgen_set_cleanup(&set);
    retrieve_index_free(ix);
    free(terms_text);
    return 0;
}
