/* bkt: Bayesian Knowledge Tracing, the probability that a student knows a topic.
 *
 * The model of Corbett & Anderson (1995), "Knowledge tracing: modeling the
 * acquisition of procedural knowledge": a topic is either known or not; a
 * student who knows it still answers wrong with probability `slip`, one who
 * does not still answers right with probability `guess`, and after each
 * answer a student who did not know it learns it with probability `learn`.
 * There is no forgetting in the model (misconceptions.h looks for topics
 * failed after mastery instead). P(known) starts at `prior` and moves with
 * each observed answer. Pure functions: no I/O, no state.
 * docs/internals/model.md gives the arithmetic and why the defaults are what
 * they are. */
#ifndef EM_LEARN_BKT_H
#define EM_LEARN_BKT_H

#include <stdbool.h>

#include "core/err.h"

/* From here on a topic counts as mastered (the same bar as PLAN_MASTERED). */
#define BKT_MASTERED 0.95

typedef struct bkt_params {
    double prior; /* P(known) before any answer */
    double learn; /* P(not known -> known) after an answer */
    double slip;  /* P(wrong | known) */
    double guess; /* P(right | not known) */
} bkt_params;

/* The defaults: prior 0.3, learn 0.1, slip 0.1, guess 0.2. These are not
 * fitted values. Slip and guess sit within the bounds Corbett & Anderson
 * (1995) placed on their fits (slip at most 0.1, guess at most 0.3, as Baker,
 * Corbett & Aleven 2008 report them); guess 0.2 is below the 0.25 of a
 * four-option question answered blindly. Prior and learn are round starting
 * values of the kind used before fitting; per-skill fits (pyBKT on the
 * ASSISTments data, for one) spread widely around them. With them three
 * correct answers from the prior reach BKT_MASTERED (see model.md). */
bkt_params bkt_default_params(void);

/* EM_OK when each of prior, learn, slip, guess is in the open interval
 * (0, 1) and slip + guess < 1 (otherwise a right answer would not raise
 * P(known)); else EM_E_INVAL naming the first value refused. */
int bkt_params_check(const bkt_params *p, em_error *err);

/* P(known) after one observed answer: the Bayes posterior given a correct
 * (p(1-slip) / (p(1-slip) + (1-p)guess)) or incorrect (p slip / (p slip +
 * (1-p)(1-guess))) answer, then the learning transition q + (1-q) learn.
 * p_known outside [0, 1] is clamped to it (NaN counts as the prior); p must
 * pass bkt_params_check. */
double bkt_update(const bkt_params *p, double p_known, bool correct);

/* Where the next answer's update starts from a topic's stored mastery:
 * `stored` itself, or the prior when there is no row (found false) or the
 * row holds exactly 0. A topic is stored at 0 before it is answered (a
 * session's topics, a material's), and no answer leaves it there (the
 * learning transition leaves at least `learn`); from 0 the posterior of a
 * first answer would be 0 whatever the answer, so right and wrong would move
 * the topic alike. */
double bkt_start(const bkt_params *p, double stored, bool found);

/* The probability that the next answer is correct: p(1-slip) + (1-p)guess
 * (p_known clamped as above). */
double bkt_predict(const bkt_params *p, double p_known);

/* Whether p_known counts as mastered (>= BKT_MASTERED). */
bool bkt_mastered(double p_known);

#endif
