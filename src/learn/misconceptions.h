/* misconceptions: patterns of wrong answers that point at a confusion, not a slip.
 *
 * A student's attempts (in time order) and the keys of the other questions
 * the student has seen go in; out come the misconceptions found, each with
 * words for the student (what was confused with what, and what to do about
 * it) and a stable key so the study area stores each one once. Four rules,
 * with the thresholds below:
 *
 * - repeated wrong option: the same wrong option (compared as answers are,
 *   see below) chosen on MC_REPEAT_MIN or more multiple-choice or true/false
 *   attempts of the same topic;
 * - swapped terms: in one topic, term A answered where the key was B, and B
 *   answered where the key was A (both directions must be seen);
 * - forgotten after mastery: along a topic's attempts BKT mastery reached
 *   BKT_MASTERED, then MC_FORGOTTEN_WRONG or more answers in a row were wrong;
 * - another question's key: a written (not multiple-choice) wrong answer that
 *   is the key of another question. Multiple-choice answers are left out:
 *   their distractors are other questions' keys by construction, so one wrong
 *   choice says nothing more than a wrong answer; its repetition is the first
 *   rule. A pair already reported as swapped terms is not reported again here.
 *
 * Answers and keys are compared in learn/grade.h's normalised form (their
 * words' Snowball stems, stop words left out: "The Mitochondria." and
 * "mitochondria" match): the form given with an attempt or key when there is
 * one (stored forms spare the stemming), else worked out from its text.
 * Pure: no I/O. docs/internals/model.md has the reasons. */
#ifndef EM_LEARN_MISCONCEPTIONS_H
#define EM_LEARN_MISCONCEPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "learn/bkt.h"

/* ---- limits and thresholds ---- */

#define MC_MAX_ATTEMPTS 100000 /* attempts per call (EM_E_TOO_LARGE beyond) */
#define MC_MAX_KEYS 100000     /* other questions' keys per call */
#define MC_REPEAT_MIN 2        /* the same wrong option this many times is a pattern */
#define MC_FORGOTTEN_WRONG 2   /* wrong answers in a row after mastery */
#define MC_RESOLVE_CORRECT 2   /* correct answers after detection needed to resolve */
#define MC_QUOTE_MAX 80        /* bytes of an answer or topic quoted in the words */

/* ---- input ---- */

typedef struct mc_attempt {
    const char *question_id; /* borrowed; may be NULL */
    const char *topic;       /* borrowed; the topic the question belongs to (section or key
                                term name); required */
    const char *term;        /* borrowed; the key term tested, may be NULL */
    bool correct;
    bool choice;               /* a multiple-choice (or true/false) question */
    int option;                /* choice: index chosen, -1 none */
    const char *given_text;    /* borrowed; the option text chosen or the answer written, as
                                  given; may be NULL */
    const char *given_norm;    /* borrowed; grade_normalize of the answer shown, may be NULL */
    const char *expected_text; /* borrowed; the key as text; may be NULL */
    const char *expected_norm; /* borrowed; grade_normalize of the key, may be NULL */
    int64_t at_ms;             /* when answered (attempts come in time order) */
    double seconds;            /* time taken, <0 unknown */
} mc_attempt;

/* Other questions' keys (borrowed strings; key_text or key_norm may be NULL,
 * not both for the key to count). */
typedef struct mc_key {
    const char *question_id, *topic, *term, *key_text, *key_norm;
} mc_key;

/* ---- output ---- */

typedef enum mc_kind {
    MC_REPEATED_WRONG_OPTION,
    MC_SWAPPED_TERMS,
    MC_FORGOTTEN_AFTER_MASTERY,
    MC_OTHER_QUESTIONS_KEY
} mc_kind;

/* "repeated_wrong_option", "swapped_terms", "forgotten_after_mastery",
 * "other_questions_key"; static. */
const char *mc_kind_name(mc_kind k);

typedef struct mc_found {
    mc_kind kind;
    char *topic;       /* owned */
    char *description; /* owned: one or two sentences for the student naming the terms, e.g.
                          "You chose 'mitosis' 3 times where the answer was 'meiosis'." */
    char *advice;      /* owned: what to do about it */
    char *key;         /* owned: a stable identity, "<kind>|<topic>|<compared forms of the
                          terms>", so the same misconception is stored once */
    size_t latest;     /* index (in the attempts given) of the latest attempt among its
                          evidence: a caller adding new attempts to a history keeps the
                          findings with latest >= the first new one, as the others were
                          found before */
} mc_found;

typedef struct mc_list {
    mc_found *items; /* owned */
    size_t n;
} mc_list;

/* Frees the items; the list is empty afterwards (cleaning twice is fine). */
void mc_list_cleanup(mc_list *l);
/* Keeps the findings whose evidence reaches attempt `first` or later
 * (mc_found.latest >= first), in order, and frees the others: with `first`
 * the first new attempt, what the new attempts found or confirmed. */
void mc_list_keep_since(mc_list *l, size_t first);

/* ---- detection ---- */

/* The misconceptions in a[0..n) (time order) given keys[0..n_keys) into *out
 * (free with mc_list_cleanup; empty on failure): the rules in the order
 * above, each in the order of the attempt that completes it, no two with the
 * same key. EM_OK (possibly none found); EM_E_INVAL for params that fail
 * bkt_params_check or an attempt without a topic; EM_E_TOO_LARGE past
 * MC_MAX_ATTEMPTS or MC_MAX_KEYS; EM_E_INTERNAL without a stemmer.
 * Time O((n + n_keys) log(n + n_keys)). */
int mc_detect(const bkt_params *p, const mc_attempt *a, size_t n, const mc_key *keys, size_t n_keys,
              mc_list *out /* OUT */, em_error *err);

/* Whether a misconception on `topic` detected at detected_ms is resolved by
 * a[0..n): over the topic's attempts answered after detected_ms, BKT mastery
 * starting at mastery_at_detection (clamped to 0..1) ends at BKT_MASTERED or
 * above, with at least MC_RESOLVE_CORRECT of them correct. The mastery at the
 * end, not at some point on the way: wrong again afterwards is not resolved.
 * p must pass bkt_params_check. */
bool mc_resolved(const bkt_params *p, const char *topic, int64_t detected_ms, double mastery_at_detection,
                 const mc_attempt *a, size_t n);

#endif
