/* libFuzzer target: html_to_markdown on arbitrary bytes, then the Markdown
 * reader (doc_text_from_plain) on what it writes, as an HTML upload goes.
 * Besides the sanitizers' findings, a broken invariant aborts: the page is
 * always read (EM_OK: malformed markup is text), the Markdown is at most
 * HTML_MARKDOWN_MAX of the page, html_looks_like never reads
 * past its input, and the reader refuses the Markdown of a page in UTF-8
 * without NUL for nothing but its size or its lack of text.
 *
 * Run: ./fuzz_html -max_total_time=60 fuzz/corpus/html */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/doctext.h"
#include "content/html.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *page = (const char *)data;
    (void)html_looks_like(page, size);
    buf md;
    buf_init(&md, HTML_MARKDOWN_MAX(size) + 1);
    em_error err = {0};
    if (html_to_markdown(page, size, NULL, &md, &err) != EM_OK)
        abort();
    if (md.len > HTML_MARKDOWN_MAX(size))
        abort();
    doc_text d;
    int rc = doc_text_from_plain(md.data != NULL ? md.data : "", md.len, true, &d, &err);
    /* the reader refuses text that is not UTF-8 or holds NUL (the page's own
       bytes: an upload is made UTF-8 before), text that is only white space and
       too many headings or pages */
    if (rc == EM_OK)
        doc_text_cleanup(&d);
    else if (rc != EM_E_INVAL && rc != EM_E_TOO_LARGE && rc != EM_E_UNSUPPORTED)
        abort();
    else if (rc == EM_E_UNSUPPORTED && utf8_validate(page, size, NULL) && memchr(page, 0, size) == NULL)
        abort();
    buf_cleanup(&md);
    return 0;
}
