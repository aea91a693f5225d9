/* verify: checks any study plan against the inputs it was made for.
 *
 * Written apart from plan.c and sharing none of its scheduling code, so a
 * plan from the planner, from a language model or edited by hand is held to
 * the same rules: one check per constraint, each either passed or a list of
 * violations naming the day and the topic. It trusts nothing in the plan:
 * indices out of range, dates that are not dates, minutes that are not
 * positive are violations, never crashes. Pure functions: no I/O. */
#ifndef EM_LEARN_VERIFY_H
#define EM_LEARN_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/civil.h"
#include "core/err.h"
#include "learn/plan.h"

#define VERIFY_MAX_VIOLATIONS 100 /* kept per check; the rest are only counted */

typedef enum verify_rule {
    VERIFY_COVERAGE, /* every topic studied (a mastered one at least reviewed) */
    VERIFY_BUDGET,   /* no day over the daily budget; every item's minutes positive */
    VERIFY_CALENDAR, /* days from today to before the exam, on study weekdays, not on
                        free dates, each date once and in order */
    VERIFY_REVIEWS,  /* reviews after the topic's study and before the exam */
    VERIFY_REVISION, /* every topic revised before the exam, after its study and after
                        the plan's last first study */
    VERIFY_ORDER,    /* within a material, first study in document order */
    VERIFY_RULES     /* the number of checks */
} verify_rule;

typedef struct verify_violation {
    bool has_date;    /* whether the violation is about a day */
    civil_date date;  /* that day (as the plan has it; may be invalid when the
                         violation is that it is not a date) */
    long material;    /* the topic's material, -1 when not about a topic */
    long topic;       /* the topic within it, -1 when not about a topic */
    char what[256];   /* in words, safe to show; topic names cut to 60 bytes */
} verify_violation;

typedef struct verify_check {
    const char *name;    /* static: "coverage", "budget", "calendar", "reviews",
                            "revision", "order" */
    bool ok;
    verify_violation *v; /* owned; the first VERIFY_MAX_VIOLATIONS */
    size_t n;
    size_t n_total;      /* how many were found */
} verify_check;

typedef struct verify_report {
    verify_check checks[VERIFY_RULES]; /* indexed by verify_rule */
    bool ok;                           /* every check passed */
} verify_report;

/* Checks p against in into *out (free with verify_report_cleanup). EM_OK
 * whatever the plan holds; EM_E_INVAL (report empty) only when in itself is
 * out of its ranges (dates that are not dates, a budget outside
 * 1..PLAN_DAY_MINUTES, too many topics). */
int verify_plan(const plan_input *in, const plan *p, verify_report *out /* OUT */, em_error *err);
void verify_report_cleanup(verify_report *r);

/* The check's name for a rule ("coverage" ...). */
const char *verify_rule_name(verify_rule rule);

#endif
