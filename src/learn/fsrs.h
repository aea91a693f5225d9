/* fsrs: the FSRS-6 spaced-repetition scheduler (Free Spaced Repetition
 * Scheduler, the one Anki ships), its review-log line parser and the metrics
 * that say how well it predicts recall.
 *
 * A card carries a memory state (stability S: the days until recall drops to
 * 90%; difficulty D in 1..10) and a due time. Reviewing it with a grade
 * (again, hard, good, easy) at a time moves the state with the 21 weights of
 * FSRS-6 and schedules the next review a whole number of days later so that
 * recall is expected to be request_retention then. The formulas, rounding and
 * day arithmetic are those of ts-fsrs 5.2.3 with enable_short_term off (the
 * long-term scheduler: no learning steps, every review schedules whole days),
 * so a replayed log gives the same stabilities, difficulties and due dates;
 * docs/internals/fsrs.md gives each formula with its source. Pure functions:
 * no I/O, no clock, no global state. */
#ifndef EM_LEARN_FSRS_H
#define EM_LEARN_FSRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* ---- parameters ---- */

#define FSRS_PARAMS 21
#define FSRS_DEFAULT_RETENTION 0.9
#define FSRS_MAX_INTERVAL_DAYS 36500
#define FSRS_DAY_MS 86400000LL

typedef enum fsrs_grade { FSRS_AGAIN = 1, FSRS_HARD = 2, FSRS_GOOD = 3, FSRS_EASY = 4 } fsrs_grade;
typedef enum fsrs_state { FSRS_NEW = 0, FSRS_LEARNING = 1, FSRS_REVIEW = 2, FSRS_RELEARNING = 3 } fsrs_state;

typedef struct fsrs_params {
    double w[FSRS_PARAMS];
    double request_retention; /* desired retention, (0,1) exclusive; 0.7..0.99 sensible */
    int maximum_interval;     /* days, 1..36500 */
    bool enable_fuzz;         /* interval fuzz (product: on; replays: off) */
} fsrs_params;

/* FSRS-6 defaults (the published weights), retention 0.9, 36500 days, fuzz on. */
void fsrs_default_params(fsrs_params *out /* OUT */);
/* EM_OK, or EM_E_INVAL naming the bad field: a weight that is not finite or
 * lies outside the range ts-fsrs clamps it to (w[0..3] 0.001..100, w[4]
 * 1..10, ... w[20] 0.1..0.8; fsrs.c lists them all), a retention outside
 * (0,1), a maximum interval outside 1..36500. */
int fsrs_params_check(const fsrs_params *p, em_error *err);
/* Parse "w0,w1,...,w20" (exactly 21 finite numbers) into w. EM_E_INVAL otherwise.
 * Plain decimals, spaces allowed around the commas; w is written only on success;
 * the range of each weight is fsrs_params_check's business. */
int fsrs_parse_weights(const char *text, double w[FSRS_PARAMS] /* OUT */, em_error *err);

/* ---- cards and reviews ---- */

typedef struct fsrs_card {
    double stability, difficulty; /* 0 for a new card */
    int64_t due_ms;               /* Unix ms */
    int64_t last_review_ms;       /* 0: never reviewed */
    int32_t scheduled_days, elapsed_days;
    int32_t reps, lapses;
    fsrs_state state;
} fsrs_card;

void fsrs_card_init(fsrs_card *c /* OUT */, int64_t now_ms); /* a new card, due now */
/* Review c at now_ms with grade g (1..4) using the long-term scheduler (no learning
 * steps: every review schedules whole days), writing the card after it to *out
 * (out may equal c). fuzz_seed feeds the interval fuzz when p->enable_fuzz (same seed,
 * same interval). EM_E_INVAL for a grade out of range, now_ms before the last review,
 * or bad params. */
int fsrs_review(const fsrs_params *p, const fsrs_card *c, int64_t now_ms, fsrs_grade g, uint64_t fuzz_seed,
                fsrs_card *out /* OUT */, em_error *err);
/* Probability of recall of c at now_ms (0 for a new card): the forgetting
 * curve at the whole UTC calendar days since the last review, rounded to 8
 * decimals, the very R that fsrs_review feeds its stability update. */
double fsrs_retrievability(const fsrs_params *p, const fsrs_card *c, int64_t now_ms);
/* JavaScript's +x.toFixed(8): x rounded to 8 decimals, a tie away from zero,
 * exactly as ts-fsrs rounds its memory states (no binary-to-decimal drift). */
double fsrs_round_fixed8(double x);
/* Whole UTC calendar days from a to b (b's date minus a's date; negative
 * when b is on an earlier day): the elapsed days of a review. */
int64_t fsrs_days_between(int64_t a_ms, int64_t b_ms);
/* The fuzz range of an interval: a fuzzed interval is min..max inclusive
 * (ts-fsrs get_fuzz_range; an interval under 2.5 days is never fuzzed). */
void fsrs_fuzz_range(double interval, int32_t elapsed_days, int maximum_interval, int32_t *min_ivl /* OUT */,
                     int32_t *max_ivl /* OUT */);

/* ---- review-log lines ---- */

#define FSRS_CARD_ID_MAX 200  /* bytes of a card id */
#define FSRS_LINE_MAX 65536   /* bytes of one log line, newline excluded */
#define FSRS_YEAR_MIN 1970    /* review times: years FSRS_YEAR_MIN..FSRS_YEAR_MAX, */
#define FSRS_YEAR_MAX 9899    /* so a due date 100 years on still has four digits */
#define FSRS_TIME_TEXT_MAX 25 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" and its NUL */

/* One line of a review log: {"card":"ID","review_at":"ISO-8601","grade":1-4}
 * (other members are ignored). card is copied into the struct. */
typedef struct fsrs_log_entry {
    char card[FSRS_CARD_ID_MAX + 1]; /* NUL-terminated, 1..FSRS_CARD_ID_MAX bytes, no NUL inside */
    size_t card_len;
    int64_t review_ms; /* Unix ms */
    fsrs_grade grade;
} fsrs_log_entry;

/* Parse line[0..len) (no newline; need not be NUL-terminated). EM_OK with *out
 * set; EM_E_TOO_LARGE for a line over FSRS_LINE_MAX or a card id over
 * FSRS_CARD_ID_MAX bytes; EM_E_PARSE for malformed JSON, a missing or mistyped
 * member, a grade outside 1..4 or a time that fsrs_parse_time refuses. The
 * message says which, without the line number (the caller knows it). */
int fsrs_log_parse_line(const char *line, size_t len, fsrs_log_entry *out /* OUT */, em_error *err);
/* ISO-8601 / RFC 3339 time "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM)"
 * (a space may stand for the T; fractions past milliseconds are cut, as
 * JavaScript's Date does) within years FSRS_YEAR_MIN..FSRS_YEAR_MAX, UTC:
 * EM_OK with *out_ms set, else EM_E_PARSE. */
int fsrs_parse_time(const char *s, size_t len, int64_t *out_ms /* OUT */);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ", as JavaScript's Date.toISOString writes it
 * (ms within years 1970..9999). */
void fsrs_format_time(int64_t ms, char out[FSRS_TIME_TEXT_MAX] /* OUT */);

/* ---- metrics ---- */

/* One prediction: the recall probability a card had at a review, and what
 * the review showed. elapsed_days, i and lapses place it in an RMSE(bins)
 * bin as the srs-benchmark does (docs/internals/fsrs.md). */
typedef struct fsrs_prediction {
    double r;             /* predicted recall, 0..1 */
    bool recalled;        /* grade > again */
    int32_t elapsed_days; /* whole days since the card's previous review */
    int32_t i;            /* 1 + the card's reviews so far, this one included, after a whole day or more */
    int32_t lapses; /* the card's earlier again grades given a whole day or more after the review before */
} fsrs_prediction;

typedef struct fsrs_metrics {
    size_t n;         /* predictions */
    double log_loss;  /* mean -(y ln p + (1-y) ln(1-p)), p clipped to [eps, 1-eps] */
    double rmse_bins; /* RMSE(bins) */
    double auc;       /* ROC AUC; NAN when all outcomes are alike (or n = 0) */
} fsrs_metrics;

/* Metrics of preds[0..n) as the open-spaced-repetition srs-benchmark computes
 * them. preds is borrowed and may be reordered (it is sorted for the AUC).
 * n = 0 gives all-NAN metrics. EM_OK, or EM_E_INVAL for a prediction with r
 * outside 0..1. */
int fsrs_metrics_compute(fsrs_prediction *preds, size_t n, fsrs_metrics *out /* OUT */, em_error *err);

#endif
