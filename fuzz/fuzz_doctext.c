/* libFuzzer target: plain text and Markdown reading (doc_text_from_plain),
 * and the steps after it (chunk_document, topics_extract, worksheet_parse)
 * on what it reads, so a Markdown worksheet's path is covered end to end.
 *
 * The first byte picks the mode: bit 0 Markdown; bits 1-2 a deadline for
 * every step: none, already passed, or 0 to 31 microseconds away (so it
 * passes in whichever step is running, as a server's does). Checks what
 * callers rely on: pages numbered from 1 with their lengths right, no NUL
 * in the text nor a terminal's backspace or escape, headings inside their page in document order with a level
 * of 1..6 and a non-empty title, a title that is a level-1 heading's; chunks and topics made from it without
 * error but the deadline; errors leave nothing allocated, EM_E_TIMEOUT only with a deadline. Leaks show up
 * under ASan. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/chunk.h"
#include "content/deadline.h"
#include "content/doctext.h"
#include "content/topics.h"
#include "content/worksheet.h"
#include "core/clock.h"

/* The steps after reading, under the same deadline. */
static void later_steps(const doc_text *d, deadline *dl, bool timed)
{
    chunk_list l;
    topic_list t;
    em_error err = {0};
    chunk_limits lim = {0, 0};
    int rc = chunk_document_until(d->pages, d->n_pages, d->headings, d->n_headings, lim, dl, &l, &err);
    if (rc == EM_E_TIMEOUT && timed) {
        if (l.items != NULL || l.n != 0)
            abort();
        return;
    }
    if (rc == EM_E_TOO_LARGE)
        return; /* more than 100,000 chunks */
    if (rc != EM_OK)
        abort();
    rc = topics_extract_until(d->headings, d->n_headings, l.items, l.n, dl, &t, &err);
    if (rc == EM_OK)
        topic_list_cleanup(&t);
    else if (!(rc == EM_E_TIMEOUT && timed) && rc != EM_E_TOO_LARGE)
        abort();
    else if (t.items != NULL || t.n != 0)
        abort();
    chunk_list_cleanup(&l);
    ws_list w;
    rc = worksheet_parse_until(d->pages, d->n_pages, dl, &w, &err);
    if (rc == EM_OK)
        ws_list_cleanup(&w);
    else if (!(rc == EM_E_TIMEOUT && timed) && rc != EM_E_TOO_LARGE)
        abort();
    else if (w.items != NULL || w.n != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool markdown = data[0] & 1;
    unsigned when = (data[0] >> 1) & 3;
    deadline dl = deadline_at(0);
    if (when == 1)
        dl = deadline_at(clock_mono_us() - 1);
    else if (when >= 2)
        dl = deadline_at(clock_mono_us() + (data[0] >> 3));
    bool timed = when != 0;
    doc_text d;
    em_error err = {0};
    int rc = doc_text_from_plain_until((const char *)data + 1, size - 1, markdown, &dl, &d, &err);
    if (rc != EM_OK) {
        if (d.pages != NULL || d.headings != NULL || d.title != NULL || err.code != rc)
            abort();
        if (rc != EM_E_UNSUPPORTED && rc != EM_E_INVAL && rc != EM_E_TOO_LARGE &&
            !(rc == EM_E_TIMEOUT && timed))
            abort();
        return 0;
    }
    if (d.n_pages == 0 || (int)d.n_pages != d.page_count)
        abort();
    for (size_t i = 0; i < d.n_pages; i++)
        if (d.pages[i].number != (int)i + 1 || strlen(d.pages[i].text) != d.pages[i].len ||
            memchr(d.pages[i].text, '\b', d.pages[i].len) != NULL ||
            memchr(d.pages[i].text, 0x1b, d.pages[i].len) != NULL)
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
    later_steps(&d, &dl, timed);
    doc_text_cleanup(&d);
    return 0;
}
