/* autopilot: see autopilot.h; docs/internals/model.md says why the priority is what it is. */
#include "learn/autopilot.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"

static const char *const STATE_NAMES[AP_STATES] = {"created",  "reviewing", "remediating", "learning",
                                                   "quizzing", "resting",   "finished"};
static const char *const ACTIVITY_NAMES[AP_ACTIVITIES] = {"review", "misconception", "learn",
                                                          "quiz",   "break",         "done"};

/* The one transition table. Each activity has its own state; every state
 * but finished may start any activity, and finished only stays finished. */
#define AP_LIVE(from)                                                                                        \
    {from, AP_REVIEW, AP_STATE_REVIEWING}, {from, AP_MISCONCEPTION, AP_STATE_REMEDIATING},                   \
        {from, AP_LEARN, AP_STATE_LEARNING}, {from, AP_QUIZ, AP_STATE_QUIZZING},                             \
        {from, AP_BREAK, AP_STATE_RESTING},                                                                  \
    {                                                                                                        \
        from, AP_DONE, AP_STATE_FINISHED                                                                     \
    }
static const ap_transition TRANSITIONS[] = {
    AP_LIVE(AP_STATE_CREATED),
    AP_LIVE(AP_STATE_REVIEWING),
    AP_LIVE(AP_STATE_REMEDIATING),
    AP_LIVE(AP_STATE_LEARNING),
    AP_LIVE(AP_STATE_QUIZZING),
    AP_LIVE(AP_STATE_RESTING),
    {AP_STATE_FINISHED, AP_DONE, AP_STATE_FINISHED},
};
#undef AP_LIVE

const char *ap_state_name(ap_state s)
{
    return (unsigned)s < AP_STATES ? STATE_NAMES[s] : "unknown";
}

int ap_state_parse(const char *name, ap_state *out)
{
    assert(out != NULL);
    if (name == NULL)
        return EM_E_INVAL;
    for (int i = 0; i < AP_STATES; i++)
        if (strcmp(name, STATE_NAMES[i]) == 0) {
            *out = (ap_state)i;
            return EM_OK;
        }
    return EM_E_INVAL;
}

const char *ap_activity_name(ap_activity a)
{
    return (unsigned)a < AP_ACTIVITIES ? ACTIVITY_NAMES[a] : "unknown";
}

const ap_transition *autopilot_transitions(size_t *n)
{
    assert(n != NULL);
    *n = sizeof TRANSITIONS / sizeof TRANSITIONS[0];
    return TRANSITIONS;
}

bool autopilot_step(ap_state from, ap_activity on, ap_state *to)
{
    for (size_t i = 0; i < sizeof TRANSITIONS / sizeof TRANSITIONS[0]; i++)
        if (TRANSITIONS[i].from == from && TRANSITIONS[i].on == on) {
            if (to != NULL)
                *to = TRANSITIONS[i].to;
            return true;
        }
    return false;
}

char *autopilot_transitions_markdown(void)
{
    buf b;
    buf_init(&b, 16384);
    int rc = buf_append_str(&b, "| state / activity |");
    for (int a = 0; a < AP_ACTIVITIES; a++)
        rc |= buf_printf(&b, " %s |", ACTIVITY_NAMES[a]);
    rc |= buf_append_str(&b, "\n| --- |");
    for (int a = 0; a < AP_ACTIVITIES; a++)
        rc |= buf_append_str(&b, " --- |");
    rc |= buf_append_str(&b, "\n");
    for (int s = 0; s < AP_STATES; s++) {
        rc |= buf_printf(&b, "| `%s` |", STATE_NAMES[s]);
        for (int a = 0; a < AP_ACTIVITIES; a++) {
            ap_state to;
            if (autopilot_step((ap_state)s, (ap_activity)a, &to))
                rc |= buf_printf(&b, " `%s` |", STATE_NAMES[to]);
            else
                rc |= buf_append_str(&b, " - |");
        }
        rc |= buf_append_str(&b, "\n");
    }
    assert(rc == EM_OK); /* the table is a few hundred bytes */
    (void)rc;
    return buf_steal(&b);
}

/* src into dst[0..cap) cut on a character to at most max bytes (< cap). */
static void copy_cut(char *dst, size_t cap, const char *src, size_t max)
{
    assert(max < cap);
    size_t len = strlen(src);
    size_t cut = utf8_cut(src, len, max);
    memcpy(dst, src, cut);
    dst[cut] = '\0';
}

/* Quoted pieces of a reason are cut so that the reason always fits whole. */
#define AP_QUOTE_TOPIC 100
#define AP_QUOTE_DESCRIPTION 160

static const char *plural(int n)
{
    return n == 1 ? "" : "s";
}

int autopilot_next(const ap_snapshot *s, ap_decision *out, em_error *err)
{
    assert(s != NULL && out != NULL);
    *out = (ap_decision){0};
    if ((unsigned)s->state >= AP_STATES)
        return em_error_set(err, EM_E_INVAL, "unknown session state");
    if (s->due_reviews < 0 || s->overdue_reviews < 0 || s->minutes_today < 0)
        return em_error_set(err, EM_E_INVAL, "review counts and minutes cannot be negative");
    if (s->daily_minutes < 1)
        return em_error_set(err, EM_E_INVAL, "the daily budget must be at least 1 minute");

    char topic[AP_QUOTE_TOPIC + 1] = "", description[AP_QUOTE_DESCRIPTION + 1] = "";
    const char *about = NULL;
    ap_activity act;
    char *r = out->reason;
    size_t rn = sizeof out->reason;
    if (s->state == AP_STATE_FINISHED) {
        act = AP_DONE;
        snprintf(r, rn, "This study session is finished.");
    } else if (s->exam_over) {
        act = AP_DONE;
        snprintf(r, rn, "The exam date has passed, so this study session is complete.");
    } else if (s->minutes_today >= s->daily_minutes) {
        act = AP_BREAK;
        snprintf(r, rn,
                 "You have studied %d minutes today, your budget is %d: take a break and come back "
                 "tomorrow.",
                 s->minutes_today, s->daily_minutes);
    } else if (s->overdue_reviews > 0) {
        act = AP_REVIEW;
        snprintf(r, rn,
                 "%d review%s overdue: cards past their due date are being forgotten, so they come first.",
                 s->overdue_reviews, s->overdue_reviews == 1 ? " is" : "s are");
    } else if (s->misconception_topic != NULL) {
        act = AP_MISCONCEPTION;
        about = s->misconception_topic;
        copy_cut(topic, sizeof topic, about, AP_QUOTE_TOPIC);
        if (s->misconception_description != NULL)
            copy_cut(description, sizeof description, s->misconception_description, AP_QUOTE_DESCRIPTION);
        snprintf(r, rn,
                 "There is a misconception to clear up in '%s'%s%s%s Sorting it out now keeps it from "
                 "setting in.",
                 topic, description[0] != '\0' ? ": " : ".", description,
                 description[0] != '\0' ? (description[strlen(description) - 1] == '.' ? "" : ".") : "");
    } else if (s->learned_topic != NULL) {
        act = AP_QUIZ;
        about = s->learned_topic;
        copy_cut(topic, sizeof topic, about, AP_QUOTE_TOPIC);
        snprintf(r, rn,
                 "You studied '%s' since your last quiz on it: answering questions on it now fixes it in "
                 "memory better than rereading.",
                 topic);
    } else if (s->planned_topic != NULL) {
        act = AP_LEARN;
        about = s->planned_topic;
        copy_cut(topic, sizeof topic, about, AP_QUOTE_TOPIC);
        snprintf(r, rn, "'%s' is next in today's plan: learn it with the tutor.", topic);
    } else if (s->due_reviews > 0) {
        act = AP_REVIEW;
        snprintf(r, rn,
                 "%d review%s due today: doing them on the day keeps the spacing that makes them work.",
                 s->due_reviews, plural(s->due_reviews));
    } else if (s->weakest_topic != NULL) {
        act = AP_QUIZ;
        about = s->weakest_topic;
        copy_cut(topic, sizeof topic, about, AP_QUOTE_TOPIC);
        snprintf(r, rn,
                 "Today's plan is done; '%s' is your weakest topic, so a quiz on it is the best use of the "
                 "time left.",
                 topic);
    } else {
        act = AP_BREAK;
        snprintf(r, rn, "Everything for today is done: take a break.");
    }

    ap_state next;
    if (!autopilot_step(s->state, act, &next)) {
        /* The priority never asks the table for an illegal move. */
        *out = (ap_decision){0};
        return em_error_set(err, EM_E_INTERNAL, "no transition from %s on %s", ap_state_name(s->state),
                            ap_activity_name(act));
    }
    out->activity = act;
    out->next_state = next;
    if (about != NULL)
        copy_cut(out->topic, sizeof out->topic, about, sizeof out->topic - 1);
    return EM_OK;
}
