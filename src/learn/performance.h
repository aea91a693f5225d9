/* performance: how a student is doing, per topic and overall, from the attempts.
 *
 * The analysis behind POST /api/analyze/performance. Attempts (the same
 * mc_attempt as misconceptions.h, in time order) go in; out come, for each
 * topic in the order of its first attempt, its BKT mastery (bkt.h) after the
 * attempts, its accuracy and answer time, and whether each is getting
 * better; the same overall; and the weakest topics to work on. Pure: no I/O.
 *
 * Trends compare halves: of a topic's k attempts, the later k/2 against the
 * earlier k/2 (rounded down; the middle one of an odd count is in neither).
 * accuracy_trend is the later half's accuracy minus the earlier half's
 * (positive: improving; 0 with fewer than 2 attempts). speed_trend is the
 * later half's mean known answer time minus the earlier half's, in seconds
 * (negative: faster; 0 when either half has no known time). An answer time
 * is known when finite and >= 0. */
#ifndef EM_LEARN_PERFORMANCE_H
#define EM_LEARN_PERFORMANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "learn/bkt.h"
#include "learn/misconceptions.h"

#define PERF_MAX_ATTEMPTS 100000 /* per call (EM_E_TOO_LARGE beyond) */
#define PERF_WEAKEST_MAX 5       /* topics named as weakest */

typedef struct perf_topic {
    char *topic;    /* owned */
    double mastery; /* BKT over the topic's attempts, from the prior (or its start mastery) */
    bool mastered;  /* mastery >= BKT_MASTERED */
    int attempts, correct;
    double accuracy;       /* correct/attempts */
    double accuracy_trend; /* later half's accuracy minus the earlier half's (see above) */
    double mean_seconds;   /* over the attempts with a known time; -1 when none */
    double speed_trend;    /* later half's mean seconds minus the earlier half's; negative = faster */
} perf_topic;

typedef struct perf_report {
    perf_topic *topics; /* owned, in order of first attempt */
    size_t n_topics;
    size_t *weakest; /* owned; indexes into topics, weakest first: unmastered topics by lowest
                        mastery, then lowest accuracy, then first attempt; at most
                        PERF_WEAKEST_MAX */
    size_t n_weakest;
    int attempts, correct;                                      /* overall, */
    double accuracy, accuracy_trend, mean_seconds, speed_trend; /* as for a topic, over all attempts
                                                                   (accuracy 0 with none) */
} perf_report;

/* A topic's mastery before the attempts, when known (borrowed topic). */
typedef struct perf_start {
    const char *topic;
    double mastery; /* 0..1 */
} perf_start;

/* The analysis of a[0..n) into *out (free with perf_report_cleanup; empty
 * on failure), each topic's mastery starting at the prior. EM_OK (n == 0
 * gives an empty report: no topics, overall zeros, mean_seconds -1);
 * EM_E_INVAL for params that fail bkt_params_check or an attempt without a
 * topic; EM_E_TOO_LARGE past PERF_MAX_ATTEMPTS. Time O(n log n). */
int perf_analyze(const bkt_params *p, const mc_attempt *a, size_t n, perf_report *out /* OUT */,
                 em_error *err);

/* The same with start[0..n_start) giving topics' mastery before the
 * attempts (a topic not listed, or listed at 0, starts at the prior: bkt_start; a topic listed twice
 * takes the first). EM_E_INVAL also for a start mastery outside 0..1 or a
 * start without a topic. */
int perf_analyze_from(const bkt_params *p, const mc_attempt *a, size_t n, const perf_start *start,
                      size_t n_start, perf_report *out /* OUT */, em_error *err);

/* Frees what the report owns; the report is empty afterwards. */
void perf_report_cleanup(perf_report *r);

#endif
