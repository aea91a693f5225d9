/* libFuzzer target: the FSRS review-log reader (fsrs_log_parse_line, and
 * fsrs_parse_time on its own) over arbitrary bytes split into lines, each
 * accepted entry then reviewed on one card. Besides the sanitizers' findings,
 * a broken invariant aborts: an accepted entry has a card id of 1..200 bytes
 * with no NUL inside, a grade 1..4 and a time that formats and parses back to
 * itself; a refusal is EM_E_PARSE or EM_E_TOO_LARGE with a message; a reviewed
 * card keeps stability in 0.001..36500, difficulty in 1..10 and a due date
 * its scheduled days after the review.
 *
 * Run: ./fuzz_fsrs_log -max_total_time=60 fuzz/corpus/fsrs_log */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "learn/fsrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_time(const char *s, size_t n)
{
    int64_t ms = 0, again = 0;
    if (fsrs_parse_time(s, n, &ms) != EM_OK)
        return;
    char text[FSRS_TIME_TEXT_MAX];
    fsrs_format_time(ms, text);
    if (fsrs_parse_time(text, strlen(text), &again) != EM_OK || again != ms)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    check_time(text, size);
    fsrs_params p;
    fsrs_default_params(&p);
    p.enable_fuzz = size % 2 == 0;
    fsrs_card card;
    fsrs_card_init(&card, 0);
    for (size_t start = 0; start <= size;) {
        const char *nl = memchr(text + start, '\n', size - start);
        size_t len = nl ? (size_t)(nl - (text + start)) : size - start;
        fsrs_log_entry e;
        em_error err = {0};
        int rc = fsrs_log_parse_line(text + start, len, &e, &err);
        if (rc == EM_OK) {
            if (e.card_len < 1 || e.card_len > FSRS_CARD_ID_MAX || strlen(e.card) != e.card_len ||
                e.grade < FSRS_AGAIN || e.grade > FSRS_EASY || e.review_ms < 0)
                abort();
            char t[FSRS_TIME_TEXT_MAX];
            int64_t back = 0;
            fsrs_format_time(e.review_ms, t);
            if (fsrs_parse_time(t, strlen(t), &back) != EM_OK || back != e.review_ms)
                abort();
            if (card.state == FSRS_NEW)
                fsrs_card_init(&card, e.review_ms);
            if (card.state == FSRS_NEW || e.review_ms >= card.last_review_ms) {
                if (fsrs_review(&p, &card, e.review_ms, e.grade, (uint64_t)start, &card, &err) != EM_OK)
                    abort();
                if (!(card.stability >= 0.001 && card.stability <= 36500) ||
                    !(card.difficulty >= 1 && card.difficulty <= 10) || card.scheduled_days < 1 ||
                    card.due_ms != e.review_ms + card.scheduled_days * FSRS_DAY_MS)
                    abort();
            }
        } else if ((rc != EM_E_PARSE && rc != EM_E_TOO_LARGE) || err.msg[0] == '\0') {
            abort();
        }
        if (nl == NULL)
            break;
        start += len + 1;
    }
    return 0;
}
