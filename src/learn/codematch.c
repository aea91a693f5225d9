/* codematch: see codematch.h. */
#include "learn/codematch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "learn/retrieve.h"

struct codematch {
    retrieve_index *ix;
};

int codematch_new(const codematch_code *codes, size_t n, codematch **out, em_error *err)
{
    *out = NULL;
    if (n > CODEMATCH_CODES_MAX)
        return em_error_set(err, EM_E_TOO_LARGE, "more than %d codes", CODEMATCH_CODES_MAX);
    codematch *m = em_calloc(1, sizeof *m);
    m->ix = retrieve_index_new((retrieve_limits){0});
    int rc = EM_OK;
    buf text;
    buf_init(&text, RETRIEVE_DEFAULT_BYTES);
    for (size_t i = 0; rc == EM_OK && i < n; i++) {
        const codematch_code *c = &codes[i];
        buf_reset(&text);
        rc = buf_printf(&text, "%s. %s. %s", c->title != NULL ? c->title : "",
                        c->description != NULL ? c->description : "", c->context != NULL ? c->context : "");
        if (rc != EM_OK) {
            rc = em_error_set(err, rc, "the codes' text is too large");
            break;
        }
        retrieve_passage p = {.text = text.data, .len = text.len, .section = c->title};
        rc = retrieve_index_add(m->ix, &p, err);
    }
    buf_cleanup(&text);
    if (rc == EM_OK)
        rc = retrieve_index_build(m->ix, err);
    if (rc != EM_OK) {
        codematch_free(m);
        return rc;
    }
    *out = m;
    return EM_OK;
}

void codematch_free(codematch *m)
{
    if (m == NULL)
        return;
    retrieve_index_free(m->ix);
    free(m);
}

int codematch_suggest(const codematch *m, const char *text, size_t len, size_t k, codematch_hit *hits,
                      size_t *n_hits, em_error *err)
{
    *n_hits = 0;
    if (k > CODEMATCH_K_MAX)
        return em_error_set(err, EM_E_INVAL, "at most %d suggestions", CODEMATCH_K_MAX);
    if (k == 0 || retrieve_index_count(m->ix) == 0)
        return EM_OK;
    if (len > RETRIEVE_QUESTION_MAX) {
        len = RETRIEVE_QUESTION_MAX;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--; /* not inside a UTF-8 sequence */
    }
    retrieve_hit found[CODEMATCH_K_MAX];
    size_t n = 0;
    int rc = retrieve_question(m->ix, text, len, k, found, &n, err);
    if (rc != EM_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (found[i].coverage < CODEMATCH_MIN_COVERAGE || found[i].score < CODEMATCH_MIN_RELATIVE * found[0].score)
            continue;
        hits[*n_hits] = (codematch_hit){found[i].passage, found[i].score, found[i].coverage};
        (*n_hits)++;
    }
    return EM_OK;
}
