/* libFuzzer target: PDF text extraction (pdf_extract) on arbitrary bytes.
 *
 * At most 8 pages per input, as a server would set for a small upload, and
 * the limits small enough to be reached: the smallest memory budget (8 MB)
 * or twice it, and either a 2 s time limit or, for a quarter of the inputs,
 * a deadline a few milliseconds away, so that extraction is stopped
 * anywhere: while MuPDF opens the file, inside a page, between pages or in
 * the layout pass. The last byte of the input picks these (and one thread
 * or two, which then share the budget), so the corpus files stay PDFs.
 *
 * Checks what callers rely on: on success every page is valid UTF-8
 * without NULs and its length is right, headings point inside their page in
 * document order, and the title is valid UTF-8; on failure the error is set
 * and nothing is left allocated (leaks show up under ASan), and a refused
 * allocation is reported as the memory limit. MuPDF itself is not
 * instrumented; the fuzzer explores our side of it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/deadline.h"
#include "content/pdf.h"
#include "core/clock.h"
#include "core/utf8.h"

/* Abort unless s[0..len) is valid UTF-8 without NULs and s[len] is its NUL. */
static void check_utf8(const char *s, size_t len)
{
    if (s[len] != '\0' || memchr(s, '\0', len) != NULL || !utf8_validate(s, len, NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned mode = size > 0 ? data[size - 1] : 0;
    pdf_options opt = {.max_pages = 8,
                       .timeout_ms = 2000,
                       .threads = 1 + (int)(mode >> 7),
                       .max_memory_bytes = PDF_MIN_MEMORY << ((mode >> 6) & 1)};
    if ((mode & 3) == 0) /* 0 to 3 ms from now */
        opt.deadline_us = clock_mono_us() + (int64_t)((mode >> 2) & 15) * 200;
    doc_text d;
    em_error err = {0};
    int rc = pdf_extract(data, size, &opt, &d, &err);
    if (rc != EM_OK) {
        if (d.pages != NULL || d.headings != NULL || d.title != NULL || err.code != rc || err.msg[0] == '\0')
            abort();
        if (err.reason != NULL && strcmp(err.reason, PDF_REASON_MEMORY) == 0 && rc != EM_E_TOO_LARGE)
            abort();
        if (err.reason != NULL && strcmp(err.reason, DEADLINE_REASON) == 0 && rc != EM_E_TIMEOUT)
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
