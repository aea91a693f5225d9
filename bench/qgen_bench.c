/* bench/qgen_bench.c: qgen_generate on a 300-page material. The fixture
 * text (tests/fixtures/qgen/unix_filesystem.md, about 3,100 words) is laid
 * down COPIES times, each copy its own sections, one passage per paragraph
 * (a 300-page textbook: about 150,000 words in about 3,000 passages); key
 * terms by terms_key_terms (top 200). Prints the median time of ITERS calls
 * for 20 and for 100 questions, and what WordNet costs (open, one lookup)
 * when Debian's wordnet-base is installed. Built and run by bench/qgen.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "content/terms.h"
#include "content/wordnet.h"
#include "core/buf.h"
#include "learn/qgen.h"
#include "learn/retrieve.h"

#define ITERS 21

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static size_t wn_sisters(void *ctx, const char *term, char **out, size_t max)
{
    return wordnet_sisters(ctx, term, out, max);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "tests/fixtures/qgen/unix_filesystem.md";
    int copies = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 48;
    buf b;
    buf_init(&b, 1 << 20);
    em_error err = {0};
    if (buf_read_file(&b, path, &err) != EM_OK) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        return 1;
    }
    /* paragraphs of the fixture */
    const char *para[400];
    size_t plen[400], np = 0;
    const char *p = b.data, *end = b.data + b.len;
    while (p < end && np < 400) {
        while (p < end && *p == '\n')
            p++;
        if (p >= end)
            break;
        const char *e = strstr(p, "\n\n");
        if (e == NULL || e > end)
            e = end;
        para[np] = p;
        plen[np++] = (size_t)(e - p);
        p = e;
    }
    retrieve_index *ix = retrieve_index_new((retrieve_limits){0});
    const char **docs = calloc(np * (size_t)copies, sizeof *docs);
    size_t *lens = calloc(np * (size_t)copies, sizeof *lens);
    size_t nd = 0, words = 0;
    char section[64];
    for (int c = 0; c < copies; c++) {
        for (size_t i = 0; i < np; i++) {
            if (para[i][0] == '#')
                snprintf(section, sizeof section, "part %d: %.40s", c, para[i]);
            retrieve_passage rp = {para[i], plen[i], "bench", section, c * 6 + 1, c * 6 + 6};
            if (retrieve_index_add(ix, &rp, &err) != EM_OK) {
                fprintf(stderr, "add: %s\n", err.msg);
                return 1;
            }
            docs[nd] = para[i];
            lens[nd++] = plen[i];
            words_tokenizer t = words_tokenizer_make(para[i], plen[i]);
            words_word w;
            while (words_next(&t, &w))
                words++;
        }
    }
    double t0 = now_ms();
    if (retrieve_index_build(ix, &err) != EM_OK)
        return 1;
    double t1 = now_ms();
    key_term *kt;
    size_t nk;
    if (terms_key_terms(docs, lens, nd, 200, &kt, &nk, &err) != EM_OK)
        return 1;
    double t2 = now_ms();
    const char **terms = calloc(nk, sizeof *terms);
    for (size_t i = 0; i < nk; i++)
        terms[i] = kt[i].term;
    printf("material: %zu passages, %zu words; index build %.0f ms, key terms (%zu) %.0f ms\n", nd, words,
           t1 - t0, nk, t2 - t1);

    wordnet *wn = NULL;
    double w0 = now_ms();
    int wrc = wordnet_open(NULL, &wn, &err);
    double w1 = now_ms();
    if (wrc == EM_OK) {
        char *out[16];
        double s0 = now_ms();
        size_t n = 0;
        for (int i = 0; i < 1000; i++) {
            n = wordnet_sisters(wn, i % 2 ? "directory" : "kernel", out, 16);
            for (size_t k = 0; k < n; k++)
                free(out[k]);
        }
        double s1 = now_ms();
        printf("wordnet: open %.3f ms, one sisters lookup %.1f us\n", w1 - w0, (s1 - s0) * 1000.0 / 1000);
    } else {
        printf("wordnet: not installed (%s)\n", err.msg);
    }

    size_t wants[] = {20, 100};
    for (size_t k = 0; k < 2; k++) {
        double ms[ITERS];
        size_t got = 0;
        for (int i = 0; i < ITERS; i++) {
            qgen_input in = {.ix = ix,
                             .terms = terms,
                             .n_terms = nk,
                             .max = wants[k],
                             .seed = (uint64_t)i,
                             .sisters = wn != NULL ? wn_sisters : NULL,
                             .sisters_ctx = wn};
            qgen_set s;
            double a = now_ms();
            if (qgen_generate(&in, &s, &err) != EM_OK) {
                fprintf(stderr, "qgen: %s\n", err.msg);
                return 1;
            }
            ms[i] = now_ms() - a;
            got = s.n;
            qgen_set_cleanup(&s);
        }
        qsort(ms, ITERS, sizeof *ms, by_value);
        printf("qgen_generate %zu questions (got %zu): median %.1f ms, min %.1f, max %.1f (%d runs)\n",
               wants[k], got, ms[ITERS / 2], ms[0], ms[ITERS - 1], ITERS);
    }
    /* one section of the material */
    {
        qgen_input in = {.ix = ix, .terms = terms, .n_terms = nk, .max = 20, .seed = 1, .section = section};
        qgen_set s;
        double a = now_ms();
        qgen_generate(&in, &s, &err);
        printf("qgen_generate 20 questions from one section (got %zu): %.1f ms\n", s.n, now_ms() - a);
        qgen_set_cleanup(&s);
    }
    wordnet_free(wn);
    key_terms_free(kt, nk);
    free(terms);
    free(docs);
    free(lens);
    retrieve_index_free(ix);
    buf_cleanup(&b);
    return 0;
}
