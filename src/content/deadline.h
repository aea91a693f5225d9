/* deadline: the time limit of one document's extraction, shared by its steps.
 *
 * Extraction runs in steps (the PDF or text reader, chunking, topics and key
 * terms, worksheet questions), each a loop over lines, words, headings or
 * chunks of the document. One deadline is set when the document's extraction
 * starts and every step checks it in its loops, so a hostile input cannot
 * hold a worker past the limit in any of them: the step stops with
 * EM_E_TIMEOUT (deadline_error) and frees what it made.
 *
 * Checking is cheap enough for any loop: deadline_check reads the clock once
 * every DEADLINE_STRIDE calls and is a decrement otherwise, and once the time
 * is up it stays up. A NULL deadline, or one at 0, never passes. A deadline
 * is changed by checking it, so it belongs to one thread at a time. */
#ifndef EM_CONTENT_DEADLINE_H
#define EM_CONTENT_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"

/* Calls between two readings of the clock. A step's iteration costs well
 * under a microsecond (one line, word or heading), so the clock is read
 * about every millisecond or two; a step whose iterations may be long (a
 * whole page) calls deadline_check_now instead. */
#define DEADLINE_STRIDE 1024u

/* em_error.reason of a step stopped by its deadline. */
#define DEADLINE_REASON "time_limit"

typedef struct deadline {
    int64_t at_us;      /* clock_mono_us() when time is up; 0: never */
    unsigned countdown; /* calls left before the clock is read again */
    bool passed;        /* time was found up (it stays up) */
} deadline;

/* A deadline at clock_mono_us() value at_us (0: none). */
static inline deadline deadline_at(int64_t at_us)
{
    return (deadline){.at_us = at_us, .countdown = 0, .passed = false};
}

/* A deadline ms milliseconds from now (ms <= 0: none). */
static inline deadline deadline_in_ms(int64_t ms)
{
    return deadline_at(ms > 0 ? clock_mono_us() + ms * 1000 : 0);
}

/* Whether time is up, reading the clock now. */
static inline bool deadline_check_now(deadline *d)
{
    if (d == NULL || d->at_us == 0)
        return false;
    if (!d->passed)
        d->passed = clock_mono_us() >= d->at_us;
    d->countdown = DEADLINE_STRIDE;
    return d->passed;
}

/* Whether time is up; reads the clock on every DEADLINE_STRIDE-th call. */
static inline bool deadline_check(deadline *d)
{
    if (d == NULL || d->at_us == 0)
        return false;
    if (d->countdown > 0) {
        d->countdown--;
        return d->passed;
    }
    return deadline_check_now(d);
}

/* Set err for a step stopped by its deadline; returns EM_E_TIMEOUT. The
 * message does not name the limit: the caller that set the deadline knows
 * it (ingest.h words it for the user). */
static inline int deadline_error(em_error *err)
{
    return em_error_refuse(err, EM_E_TIMEOUT, DEADLINE_REASON, "extraction took longer than its time limit");
}

#endif
