/* libFuzzer target: plain text and Markdown reading (doc_text_from_plain).
 *
 * The first byte picks the mode (odd: Markdown). Checks what callers rely
 * on: pages numbered from 1 with their lengths right, no NUL in the text,
 * headings inside their page in document order with a level of 1..6 and a
 * non-empty title, a title that is a level-1 heading's; errors leave
 * nothing allocated. Leaks show up under ASan. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/doctext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool markdown = data[0] & 1;
    doc_text d;
    em_error err = {0};
    int rc = doc_text_from_plain((const char *)data + 1, size - 1, markdown, &d, &err);
    if (rc != EM_OK) {
        if (d.pages != NULL || d.headings != NULL || d.title != NULL || err.code != rc)
            abort();
        if (rc != EM_E_UNSUPPORTED && rc != EM_E_INVAL)
            abort();
        return 0;
    }
    if (d.n_pages == 0 || (int)d.n_pages != d.page_count)
        abort();
    for (size_t i = 0; i < d.n_pages; i++)
        if (d.pages[i].number != (int)i + 1 || strlen(d.pages[i].text) != d.pages[i].len)
            abort();
    for (size_t i = 0; i < d.n_headings; i++) {
        const chunk_heading *h = &d.headings[i];
        if (h->page < 1 || h->page > (int)d.n_pages || h->offset > d.pages[h->page - 1].len || h->level < 1 ||
            h->level > 6 || h->title == NULL || h->title[0] == '\0')
            abort();
        if (i > 0 && (h->page < d.headings[i - 1].page ||
                      (h->page == d.headings[i - 1].page && h->offset <= d.headings[i - 1].offset)))
            abort();
    }
    if (d.title != NULL) {
        bool found = false;
        for (size_t i = 0; i < d.n_headings && !found; i++)
            found = d.headings[i].level == 1 && strcmp(d.headings[i].title, d.title) == 0;
        if (!found)
            abort();
    }
    doc_text_cleanup(&d);
    return 0;
}
