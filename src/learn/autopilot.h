/* autopilot: what a study session does next, and the states it moves through.
 *
 * A study session keeps a state (study_sessions.current_state: created,
 * reviewing, remediating, learning, quizzing, resting, finished). Given a
 * snapshot of where the student stands today (reviews due and overdue, the
 * oldest open misconception, the plan's next topic, what was learned since
 * its last quiz, the minutes spent against the daily budget, whether the
 * exam is over), autopilot_next chooses the next best activity and the state
 * it leads to, with the reason in words for the student. The choice goes by
 * a fixed priority, first match wins:
 *
 *   1. the session is finished                  -> done
 *   2. the exam date has passed                 -> done
 *   3. today's minutes reach the daily budget   -> break
 *   4. reviews overdue (due before today)       -> review
 *   5. an open misconception                    -> misconception (remediation)
 *   6. a topic learned since its last quiz      -> quiz on it
 *   7. today's next planned topic               -> learn it with the tutor
 *   8. reviews due today                        -> review
 *   9. an unmastered weakest topic              -> quiz on it
 *  10. otherwise                                -> break (nothing left today)
 *
 * Every move is checked against one static table (state x activity -> next
 * state, or illegal): each activity leads to its own state from any state
 * but finished, which is final. autopilot_transitions exposes the table and
 * autopilot_transitions_markdown renders it for the README. Pure functions:
 * no I/O, no clock. docs/internals/model.md says why this order. */
#ifndef EM_LEARN_AUTOPILOT_H
#define EM_LEARN_AUTOPILOT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

typedef enum ap_state {
    AP_STATE_CREATED,
    AP_STATE_REVIEWING,
    AP_STATE_REMEDIATING,
    AP_STATE_LEARNING,
    AP_STATE_QUIZZING,
    AP_STATE_RESTING,
    AP_STATE_FINISHED
} ap_state;
#define AP_STATES 7

typedef enum ap_activity { AP_REVIEW, AP_MISCONCEPTION, AP_LEARN, AP_QUIZ, AP_BREAK, AP_DONE } ap_activity;
#define AP_ACTIVITIES 6

/* "created", "reviewing", "remediating", "learning", "quizzing", "resting",
 * "finished"; static ("unknown" out of range). */
const char *ap_state_name(ap_state s);
/* The state named exactly `name` (a stored text, so outside input) into
 * *out; EM_E_INVAL for NULL or an unknown name (*out untouched). */
int ap_state_parse(const char *name, ap_state *out /* OUT */);
/* "review", "misconception", "learn", "quiz", "break", "done"; static. */
const char *ap_activity_name(ap_activity a);

/* Where the student stands; strings borrowed for the call. */
typedef struct ap_snapshot {
    ap_state state;
    int due_reviews;                       /* cards due today (student's local day), >= 0 */
    int overdue_reviews;                   /* cards whose due date is before today, >= 0 */
    const char *misconception_topic;       /* the oldest open misconception, NULL none */
    const char *misconception_description; /* its description, may be NULL */
    const char *planned_topic;             /* today's next planned topic not yet studied today, NULL none */
    const char *learned_topic;             /* a topic studied (tutor) since the last quiz on it, NULL none */
    int minutes_today;                     /* study minutes spent today (tutor, quizzes, reviews), >= 0 */
    int daily_minutes;                     /* the session's budget, >= 1 */
    bool exam_over;                        /* the exam date has passed */
    const char *weakest_topic;             /* the unmastered topic of lowest mastery, NULL none */
} ap_snapshot;

typedef struct ap_decision {
    ap_activity activity;
    ap_state next_state;
    char topic[256];  /* the topic it is about, "" when none (cut on a character) */
    char reason[400]; /* in words, for the student: why this now */
} ap_decision;

/* The next activity for s into *out, by the priority above, and the state
 * it leads to by the table. EM_E_INVAL (out cleared) for a state out of
 * range, negative counts or minutes, or a budget below 1 minute. */
int autopilot_next(const ap_snapshot *s, ap_decision *out /* OUT */, em_error *err);

/* ---- the transition table ---- */

typedef struct ap_transition {
    ap_state from;
    ap_activity on;
    ap_state to;
} ap_transition;

/* The legal transitions (static, *n of them), by state then activity. */
const ap_transition *autopilot_transitions(size_t *n /* OUT */);

/* Whether `on` is legal from `from`; if so the state it leads to into *to. */
bool autopilot_step(ap_state from, ap_activity on, ap_state *to /* OUT */);

/* The table as Markdown: a row per state, a column per activity, each cell
 * the next state in backquotes or "-" when illegal; lines end in "\n".
 * Owned string, free with free(). */
char *autopilot_transitions_markdown(void);

#endif
