/* libFuzzer target: wordnet_open_mem over arbitrary bytes, then sister
 * lookups. The input is index.noun, a NUL byte, data.noun (no NUL: the
 * whole input is both). Words looked up: fixed ones and the first field of
 * the first lines of the index. Besides the sanitizers' findings, a broken
 * promise aborts: a refusal other than EM_E_INVAL or EM_E_TOO_LARGE, more
 * sisters than asked for, an empty one, one holding an underscore or a line
 * break, the same one twice.
 *
 * Run: ./fuzz_wordnet -max_total_time=60 fuzz/corpus/wordnet */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/wordnet.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void look_up(const wordnet *wn, const char *word)
{
    char *out[8];
    size_t n = wordnet_sisters(wn, word, out, 8);
    if (n > 8)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (out[i] == NULL || out[i][0] == '\0' || strchr(out[i], '_') != NULL ||
            strchr(out[i], '\n') != NULL)
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(out[i], out[j]) == 0)
                abort();
    }
    for (size_t i = 0; i < n; i++)
        free(out[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *bytes = (const char *)data;
    const char *nul = memchr(bytes, '\0', size);
    size_t ilen = nul != NULL ? (size_t)(nul - bytes) : size;
    const char *d = nul != NULL ? nul + 1 : bytes;
    size_t dlen = nul != NULL ? size - ilen - 1 : size;
    wordnet *wn = NULL;
    em_error err = {0};
    int rc = wordnet_open_mem(bytes, ilen, d, dlen, &wn, &err);
    if (rc != EM_OK) {
        if ((rc != EM_E_INVAL && rc != EM_E_TOO_LARGE) || wn != NULL)
            abort();
        return 0;
    }
    static const char *const fixed[] = {"dog", "boxes", "ribosomes",  "shopping bag",
                                        "a",   "zzz",   "cell nuclei"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        look_up(wn, fixed[i]);
    /* the first field of the first few lines */
    size_t p = 0;
    for (int k = 0; k < 6 && p < ilen; k++) {
        size_t e = p;
        while (e < ilen && bytes[e] != '\n' && bytes[e] != ' ' && e - p < 100)
            e++;
        char word[101];
        memcpy(word, bytes + p, e - p);
        word[e - p] = '\0';
        look_up(wn, word);
        const char *nl = memchr(bytes + p, '\n', ilen - p);
        if (nl == NULL)
            break;
        p = (size_t)(nl - bytes) + 1;
    }
    wordnet_free(wn);
    return 0;
}
