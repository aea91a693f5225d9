/* libFuzzer target: multipart_parse on arbitrary bytes. The input up to the
 * first '\n' is the request's Content-Type, the rest the body (copied to a
 * buffer of its exact size, so reads past it are caught). Besides the
 * sanitizers' findings, a broken promise aborts: on failure the code is one of
 * the documented ones, err carries it and no parts are reported; on success
 * every part has a name, its data lies inside the body, parts come in body
 * order without overlapping, strings are within the header line limit, and
 * parsing again with one part less allowed fails with EM_E_TOO_LARGE.
 *
 * Run: ./fuzz_multipart -max_total_time=30 fuzz/corpus/fuzz_multipart */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/log.h"
#include "http/multipart.h"

#define MAX_PARTS 16

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
            if (multipart_parse(ct, body, body_len, a, parts, n - 1, &m, &err) != EM_E_TOO_LARGE || m != 0)
                abort();
        }
    }
    arena_free(a);
    free(body);
    free(ct);
    return 0;
}
