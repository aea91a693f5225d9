/* bench/fsrs_bench.c: FSRS scheduling of N cards (default 1,000,000): each a
 * card in review with its own stability (0.5..370 days), difficulty (1..10)
 * and elapsed time (0..399 days), scheduled with a grade from a fixed
 * pattern, then REVIEWS - 1 more times at its due dates (default REVIEWS 1);
 * fuzz off. bench/fsrs_bench.cjs runs the same workload on ts-fsrs. Prints
 * cards and reviews per second and a checksum of the scheduled days, which
 * the node run must match. Built and run by bench/fsrs.sh. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "learn/fsrs.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long cards = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    long reviews = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (cards < 1 || reviews < 1)
        return 2;
    fsrs_params p;
    fsrs_default_params(&p);
    p.enable_fuzz = false;
    const int64_t t0 = 1704103200000LL; /* 2024-01-01T10:00:00Z */
    uint64_t checksum = 0;
    double start = now_s();
    for (long c = 0; c < cards; c++) {
        fsrs_card card;
        fsrs_card_init(&card, t0);
        card.state = FSRS_REVIEW;
        card.stability = 0.5 + (double)(c % 1000) * 0.37;
        card.difficulty = 1 + (double)(c % 91) * 0.1;
        card.last_review_ms = t0;
        card.reps = 1;
        int64_t at = t0 + (c % 400) * FSRS_DAY_MS + (c % 1440) * 60000;
        for (long k = 0; k < reviews; k++) {
            fsrs_grade g = (fsrs_grade)(1 + (c * 7 + k * 3) % 4);
            if (fsrs_review(&p, &card, at, g, 0, &card, NULL) != EM_OK)
                return 1;
            checksum += (uint64_t)card.scheduled_days;
            at = card.due_ms;
        }
    }
    double secs = now_s() - start;
    printf("{\"impl\":\"exammentor\",\"cards\":%ld,\"reviews\":%ld,\"seconds\":%.3f,\"cards_per_s\":%.0f,"
           "\"reviews_per_s\":%.0f,\"checksum\":%" PRIu64 "}\n",
           cards, cards * reviews, secs, (double)cards / secs, (double)(cards * reviews) / secs, checksum);
    return 0;
}
