/* bench/qgen_print.c: the questions the built-in generator writes from one
 * document, printed for reading. The document goes the way an upload does:
 * a PDF through content/pdf, a Markdown (.md) or plain text file through
 * content/doctext; its pages are chunked by content/chunk (default limits),
 * each chunk a passage under its section; its key terms are
 * terms_key_terms over the chunks (the 60 a material keeps); WordNet's
 * sister terms come from /usr/share/wordnet when it is installed. Prints
 * how many questions qgen_generate gave for MAX (default 100) and then each
 * one: its kind, stem, options (the answer starred) and, with -q, the
 * sentence it cites.
 *
 *   qgen_print [-q] FILE [MAX [SEED]]
 *
 * Built with the tests (target qgen_print). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/apparatus.h"
#include "content/chunk.h"
#include "content/doctext.h"
#include "content/pdf.h"
#include "content/terms.h"
#include "content/wordnet.h"
#include "core/buf.h"
#include "learn/qgen.h"
#include "learn/retrieve.h"

#define KEY_TERMS 60 /* as materials/passages keeps */

static size_t wn_sisters(void *ctx, const char *term, char **out, size_t max)
{
    return wordnet_sisters(ctx, term, out, max);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

int main(int argc, char **argv)
{
    bool quotes = argc > 1 && strcmp(argv[1], "-q") == 0;
    int a = quotes ? 2 : 1;
    if (argc <= a) {
        fprintf(stderr, "usage: qgen_print [-q] FILE [MAX [SEED]]\n");
        return 2;
    }
    const char *path = argv[a];
    size_t max = argc > a + 1 ? (size_t)strtoul(argv[a + 1], NULL, 10) : QGEN_MAX;
    uint64_t seed = argc > a + 2 ? strtoull(argv[a + 2], NULL, 10) : 1;
    int rc = 1;
    em_error err = {0};
    buf b;
    buf_init(&b, (size_t)256 << 20);
    doc_text doc = {0};
    chunk_list chunks = {0};
    retrieve_index *ix = NULL;
    key_term *kt = NULL;
    size_t nk = 0;
    const char **docs = NULL, **names = NULL;
    size_t *lens = NULL;
    wordnet *wn = NULL;
    qgen_set set = {0};

    if (buf_read_file(&b, path, &err) != EM_OK)
        goto fail;
    int erc = has_suffix(path, ".pdf")
                  ? pdf_extract(b.data, b.len, NULL, &doc, &err)
                  : doc_text_from_plain(b.data, b.len, has_suffix(path, ".md"), &doc, &err);
    if (erc != EM_OK)
        goto fail;
    if (chunk_document(doc.pages, doc.n_pages, doc.headings, doc.n_headings, (chunk_limits){0}, &chunks,
                       &err) != EM_OK)
        goto fail;
    ix = retrieve_index_new((retrieve_limits){0});
    docs = calloc(chunks.n + 1, sizeof *docs);
    lens = calloc(chunks.n + 1, sizeof *lens);
    for (size_t i = 0; i < chunks.n; i++) {
        const text_chunk *c = &chunks.items[i];
        retrieve_passage p = {c->text,
                              strlen(c->text),
                              "m",
                              c->section,
                              c->page_start,
                              c->page_end,
                              apparatus_is_listing(c->section, c->text, strlen(c->text))};
        if (retrieve_index_add(ix, &p, &err) != EM_OK)
            goto fail;
        docs[i] = c->text;
        lens[i] = strlen(c->text);
    }
    if (retrieve_index_build(ix, &err) != EM_OK)
        goto fail;
    if (terms_key_terms(docs, lens, chunks.n, KEY_TERMS, &kt, &nk, &err) != EM_OK)
        goto fail;
    names = calloc(nk + 1, sizeof *names);
    for (size_t i = 0; i < nk; i++)
        names[i] = kt[i].term;
    if (wordnet_open(NULL, &wn, NULL) != EM_OK)
        wn = NULL;
    qgen_input in = {.ix = ix,
                     .terms = names,
                     .n_terms = nk,
                     .max = max,
                     .seed = seed,
                     .sisters = wn != NULL ? wn_sisters : NULL,
                     .sisters_ctx = wn};
    if (qgen_generate(&in, &set, &err) != EM_OK)
        goto fail;
    printf("%s: %zu chunks, %zu key terms, %zu questions (max %zu, seed %llu)\n", path, chunks.n, nk, set.n,
           max, (unsigned long long)seed);
    for (size_t i = 0; i < set.n; i++) {
        const qgen_question *q = &set.items[i];
        printf("\n%zu. [%s] %s\n", i + 1, qgen_type_name(q->type), q->stem);
        for (size_t k = 0; k < q->n_options; k++)
            printf("     %c %s\n", strcmp(q->options[k], q->answer) == 0 ? '*' : '-', q->options[k]);
        if (q->type == QGEN_CLOZE)
            printf("     * %s\n", q->answer);
        if (quotes) {
            const retrieve_passage *p = retrieve_index_passage(ix, q->passage);
            printf("     < [%s] %.*s\n", p->section != NULL ? p->section : "", (int)q->quote_len,
                   p->text + q->quote_offset);
        }
    }
    rc = 0;
    goto cleanup;
fail:
    fprintf(stderr, "%s: %s\n", path, err.msg);
cleanup:
    qgen_set_cleanup(&set);
    wordnet_free(wn);
    free(names);
    key_terms_free(kt, nk);
    free(docs);
    free(lens);
    retrieve_index_free(ix);
    chunk_list_cleanup(&chunks);
    doc_text_cleanup(&doc);
    buf_cleanup(&b);
    return rc;
}
