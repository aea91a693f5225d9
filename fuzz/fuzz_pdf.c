/* libFuzzer target: PDF text extraction (pdf_extract) on arbitrary bytes.
 *
 * One thread, at most 8 pages and 2 s per input, as a server would set for
 * a small upload. Checks what callers rely on: on success every page is
 * valid UTF-8 without NULs and its length is right, headings point inside
 * their page in document order, and the title is valid UTF-8; on failure
 * nothing is left allocated. Leaks show up under ASan. MuPDF itself is not
 * instrumented; the fuzzer explores our side of it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/pdf.h"
#include "core/utf8.h"

/* Abort unless s[0..len) is valid UTF-8 without NULs and s[len] is its NUL. */
static void check_utf8(const char *s, size_t len)
{
    if (s[len] != '\0' || memchr(s, '\0', len) != NULL || !utf8_validate(s, len, NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pdf_options opt = {.max_pages = 8, .timeout_ms = 2000, .threads = 1};
    doc_text d;
    em_error err = {0};
    int rc = pdf_extract(data, size, &opt, &d, &err);
    if (rc != EM_OK) {
        if (d.pages != NULL || d.headings != NULL || d.title != NULL || err.code != rc || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (d.n_pages == 0 || d.n_pages > 8 || (int)d.n_pages != d.page_count)
        abort();
    for (size_t i = 0; i < d.n_pages; i++) {
        if (d.pages[i].number != (int)i + 1 || strlen(d.pages[i].text) != d.pages[i].len)
            abort();
        check_utf8(d.pages[i].text, d.pages[i].len);
    }
    for (size_t i = 0; i < d.n_headings; i++) {
        const chunk_heading *h = &d.headings[i];
        if (h->page < 1 || h->page > (int)d.n_pages || h->offset >= d.pages[h->page - 1].len ||
            h->level < 1 || h->level > 6 || h->title == NULL)
            abort();
        if (i > 0 && (h->page < d.headings[i - 1].page ||
                      (h->page == d.headings[i - 1].page && h->offset <= d.headings[i - 1].offset)))
            abort();
        check_utf8(h->title, strlen(h->title));
    }
    if (d.title != NULL)
        check_utf8(d.title, strlen(d.title));
    doc_text_cleanup(&d);
    return 0;
}
