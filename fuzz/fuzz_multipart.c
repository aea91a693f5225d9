/* libFuzzer target: the multipart parser on arbitrary bytes. The input up to
 * the first '\n' is the request's Content-Type, the rest the body (copied to a
 * buffer of its exact size, so reads past it are caught). Besides the
 * sanitizers' findings, a broken promise aborts: on failure the code is one of
 * the documented ones, err carries it and no parts are reported; on success
 * every part has a name, its data lies inside the body, parts come in body
 * order without overlapping, strings are within the header line limit, and
 * parsing again with one part less allowed fails with EM_E_TOO_LARGE. Then
 * the same body is fed to the incremental parser in pieces of random sizes
 * (drawn from a generator seeded by the input): the answer, its message and
 * every part's name, file name, content type, offset and length must be the
 * whole parse's, and a kept value must be the body's bytes at that range.
 *
 * Run: ./fuzz_multipart -max_total_time=30 fuzz/corpus/multipart */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/log.h"
#include "http/multipart.h"

#define MAX_PARTS 16
#define MAX_VALUE 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_configure(LOG_ERROR, 2);
    return 0;
}

static void check_string(const char *s)
{
    if (s != NULL && strlen(s) > MULTIPART_LINE_MAX)
        abort();
}

static bool same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Feed body in pieces whose sizes come from an xorshift generator seeded by
 * the input, and compare with the whole parse (rc, err, parts[0..n)). */
static void check_pieces(const char *ct, const char *body, size_t body_len, uint64_t seed, int rc,
                         const em_error *err, const mp_part *parts, size_t n)
{
    arena *a = arena_new(0);
    mp_part got[MAX_PARTS];
    mp_parser *mp = NULL;
    em_error e = {0};
    size_t m = 99;
    mp_options o = {.max_parts = MAX_PARTS, .max_value = MAX_VALUE};
    int r = multipart_parser_new(ct, &o, a, got, &mp, &e);
    if (r != EM_OK) {
        /* only the Content-Type can be refused before the body */
        if (r != rc || strcmp(e.msg, err->msg) != 0)
            abort();
        arena_free(a);
        return;
    }
    uint64_t x = seed | 1;
    size_t max_piece = 1 + (size_t)(seed % 97);
    for (size_t at = 0; at < body_len && r == EM_OK;) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t k = (size_t)(x % (max_piece + 1));
        if (k == 0) { /* an empty piece now and then, then at least one byte */
            r = multipart_parser_feed(mp, body + at, 0, &e);
            k = 1;
        }
        if (k > body_len - at)
            k = body_len - at;
        if (r == EM_OK)
            r = multipart_parser_feed(mp, body + at, k, &e);
        at += k;
    }
    /* after a failed feed, finish must give the same error again */
    int fr = multipart_parser_finish(mp, &m, &e);
    if (r != EM_OK && fr != r)
        abort();
    r = fr;
    if (r != rc || (r != EM_OK && (strcmp(e.msg, err->msg) != 0 || e.code != r || m != 0)))
        abort();
    if (r == EM_OK) {
        if (m != n)
            abort();
        for (size_t i = 0; i < n; i++) {
            const mp_part *g = &got[i], *w = &parts[i];
            if (strcmp(g->name, w->name) != 0 || !same_string(g->filename, w->filename) ||
                !same_string(g->content_type, w->content_type) || g->offset != w->offset || g->len != w->len ||
                w->data != body + w->offset)
                abort();
            bool kept = g->filename == NULL && g->len <= MAX_VALUE;
            if (kept != (g->data != NULL))
                abort();
            if (kept && (memcmp(g->data, w->data, g->len) != 0 || g->data[g->len] != '\0'))
                abort();
        }
    }
    arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ct_len = nl != NULL ? (size_t)(nl - data) : size;
    char *ct = malloc(ct_len + 1);
    memcpy(ct, data, ct_len);
    ct[ct_len] = '\0';
    size_t body_len = nl != NULL ? size - ct_len - 1 : 0;
    char *body = malloc(body_len > 0 ? body_len : 1);
    if (body_len > 0)
        memcpy(body, nl + 1, body_len);

    arena *a = arena_new(0);
    mp_part parts[MAX_PARTS];
    size_t n = 99;
    em_error err = {0};
    int rc = multipart_parse(ct, body, body_len, a, parts, MAX_PARTS, &n, &err);
    if (rc != EM_OK) {
        if (rc != EM_E_PARSE && rc != EM_E_UNSUPPORTED && rc != EM_E_TOO_LARGE)
            abort();
        if (err.code != rc || n != 0 || err.msg[0] == '\0')
            abort();
    } else {
        if (n > MAX_PARTS)
            abort();
        const char *prev_end = body;
        for (size_t i = 0; i < n; i++) {
            const mp_part *p = &parts[i];
            if (p->name == NULL || p->data == NULL)
                abort();
            if (p->data < prev_end || p->data > body + body_len ||
                p->len > (size_t)(body + body_len - p->data))
                abort();
            prev_end = p->data + p->len;
            check_string(p->name);
            check_string(p->filename);
            check_string(p->content_type);
        }
        char boundary[MULTIPART_BOUNDARY_MAX + 1];
        if (multipart_boundary(ct, boundary, &err) != EM_OK || strlen(boundary) == 0 ||
            strlen(boundary) > MULTIPART_BOUNDARY_MAX)
            abort();
        if (n > 0) {
            size_t m = 99;
            em_error e2 = {0};
            mp_part fewer[MAX_PARTS];
            if (multipart_parse(ct, body, body_len, a, fewer, n - 1, &m, &e2) != EM_E_TOO_LARGE || m != 0)
                abort();
        }
    }
    uint64_t seed = 1469598103934665603ULL; /* FNV-1a of the input */
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ data[i]) * 1099511628211ULL;
    check_pieces(ct, body, body_len, seed, rc, &err, parts, n);
    arena_free(a);
    free(body);
    free(ct);
    return 0;
}
