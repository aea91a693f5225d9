/* libFuzzer target: terms_key_terms and terms_stem_words on arbitrary bytes.
 * The first byte chooses how many terms to ask for (0-31), the second how many
 * documents (1-8); the rest is cut into that many documents at arbitrary byte
 * positions (so UTF-8 sequences get split), each copied to a buffer of its
 * exact size. Besides the sanitizers' findings, a broken promise aborts: at
 * most top_n terms, sorted by score (highest first) then term, scores positive
 * and finite, counts and document numbers in range, no ASCII uppercase in a
 * term, a space in a term exactly when there is one in its stem; stems of
 * words are non-empty and without spaces.
 *
 * Run: ./fuzz_terms -max_total_time=60 fuzz/corpus/fuzz_terms */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/terms.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t spaces(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += *s == ' ';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 1 << 16)
        return 0;
    size_t top_n = data[0] % 32;
    size_t n_docs = 1 + data[1] % 8;
    const uint8_t *text = data + 2;
    size_t len = size - 2;

    char *docs[8];
    size_t lens[8];
    for (size_t i = 0; i < n_docs; i++) {
        size_t from = len * i / n_docs, to = len * (i + 1) / n_docs;
        lens[i] = to - from;
        docs[i] = malloc(lens[i] > 0 ? lens[i] : 1);
        if (lens[i] > 0)
            memcpy(docs[i], text + from, lens[i]);
    }

    key_term *t = NULL;
    size_t n = 0;
    em_error err = {0};
    if (terms_key_terms((const char *const *)docs, lens, n_docs, top_n, &t, &n, &err) != EM_OK)
        abort();
    if (n > top_n || (n == 0) != (t == NULL))
        abort();
    for (size_t i = 0; i < n; i++) {
        const key_term *k = &t[i];
        if (k->term[0] == '\0' || k->stem[0] == '\0' || k->count < 1 || k->docs < 1 ||
            (size_t)k->docs > n_docs || k->first_doc >= n_docs || !(k->score > 0) || !isfinite(k->score))
            abort();
        for (const char *p = k->term; *p != '\0'; p++) {
            if (*p >= 'A' && *p <= 'Z')
                abort();
        }
        size_t ts = spaces(k->term), ss = spaces(k->stem);
        if (ts > 1 || ts != ss || (ts == 1 && k->count < 2))
            abort();
        if (i > 0) {
            const key_term *p = &t[i - 1];
            if (p->score < k->score || (p->score == k->score && strcmp(p->term, k->term) >= 0))
                abort();
        }
    }
    key_terms_free(t, n);

    char **stems = NULL;
    size_t ns = 0;
    if (terms_stem_words((const char *)text, len, &stems, &ns, &err) != EM_OK)
        abort();
    for (size_t i = 0; i < ns; i++) {
        if (stems[i][0] == '\0' || strchr(stems[i], ' ') != NULL)
            abort();
    }
    terms_stems_free(stems, ns);
    for (size_t i = 0; i < n_docs; i++)
        free(docs[i]);
    return 0;
}
