/* libFuzzer target: the worksheet parser (worksheet_parse) on arbitrary bytes.
 *
 * The first byte chooses where the rest is split into two pages (or not at
 * all), so questions and keys crossing page breaks get explored. Checks the
 * invariants callers rely on: numbers 1..9999 strictly increasing, pages as
 * given, at most eight options, every string present, valid UTF-8 and
 * NUL-terminated, answers within their 64 bytes. Leaks show up under ASan. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/worksheet.h"
#include "core/utf8.h"

/* Abort unless s is valid UTF-8 (what the parser promises for its output). */
static void check_utf8(const char *s)
{
    if (!utf8_validate(s, strlen(s), NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    size_t split = len == 0 ? 0 : (size_t)data[0] * len / 255;
    chunk_page pages[2] = {
        {.number = 1, .text = text, .len = split},
        {.number = 2, .text = text + split, .len = len - split},
    };
    size_t n_pages = data[0] == 255 ? 1 : 2;
    if (n_pages == 1)
        pages[0].len = len;

    ws_list l;
    em_error err = {0};
    int rc = worksheet_parse(pages, n_pages, &l, &err);
    if (rc != EM_OK) {
        if (rc != EM_E_TOO_LARGE || l.n != 0 || l.items != NULL)
            abort();
        return 0;
    }
    int prev = 0;
    for (size_t i = 0; i < l.n; i++) {
        const ws_question *q = &l.items[i];
        if (q->number <= prev || q->number > 9999 || q->page < 1 || q->page > (int)n_pages)
            abort();
        prev = q->number;
        if (q->n_options < 0 || q->n_options > WORKSHEET_MAX_OPTIONS || q->stem == NULL)
            abort();
        check_utf8(q->stem);
        for (int j = 0; j < q->n_options; j++) {
            if (q->options[j] == NULL)
                abort();
            check_utf8(q->options[j]);
        }
        if (memchr(q->answer, '\0', sizeof q->answer) == NULL)
            abort();
        check_utf8(q->answer);
    }
    ws_list_cleanup(&l);
    return 0;
}
