/* autopilot: each rung of the priority (taking away the one above lets the
 * next one choose), that every move taken is in the table, finished is
 * final, refused snapshots and stored state names, topics cut on a
 * character, and the table's Markdown (and the README's copy of it when the
 * README carries one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/utf8.h"
#include "learn/autopilot.h"

/* ---- test tools --------------------------------------------------------- */

/* A snapshot where every rung has something to say. */
static ap_snapshot everything(void)
{
    return (ap_snapshot){
        .state = AP_STATE_LEARNING,
        .due_reviews = 4,
        .overdue_reviews = 2,
        .misconception_topic = "Cell division",
        .misconception_description =
            "You chose 'Mitosis' twice in 'Cell division' where the answer was 'Meiosis'.",
        .planned_topic = "Photosynthesis",
        .learned_topic = "Organelles",
        .minutes_today = 90,
        .daily_minutes = 60,
        .exam_over = true,
        .weakest_topic = "Genetics",
    };
}

static bool in_table(ap_state from, ap_activity on, ap_state to)
{
    size_t n;
    const ap_transition *t = autopilot_transitions(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i].from == from && t[i].on == on && t[i].to == to)
            return true;
    return false;
}

static ap_decision decide(const ap_snapshot *s)
{
    ap_decision d;
    em_error err = {0};
    int rc = autopilot_next(s, &d, &err);
    if (rc != EM_OK)
        fail_msg("autopilot_next: %d %s", rc, err.msg);
    if (!in_table(s->state, d.activity, d.next_state))
        fail_msg("%s on %s -> %s is not in the table", ap_state_name(s->state), ap_activity_name(d.activity),
                 ap_state_name(d.next_state));
    size_t bad;
    assert_true(utf8_validate(d.reason, strlen(d.reason), &bad));
    assert_true(utf8_validate(d.topic, strlen(d.topic), &bad));
    assert_true(d.reason[0] != '\0');
    return d;
}

/* ---- the priority ------------------------------------------------------- */

static void test_priority_ladder(void **state)
{
    (void)state;
    ap_snapshot s = everything();

    /* 2. exam over -> done (finished) */
    ap_decision d = decide(&s);
    assert_int_equal(d.activity, AP_DONE);
    assert_int_equal(d.next_state, AP_STATE_FINISHED);
    assert_string_equal(d.topic, "");

    /* 3. 90 of 60 minutes -> break (resting) */
    s.exam_over = false;
    d = decide(&s);
    assert_int_equal(d.activity, AP_BREAK);
    assert_int_equal(d.next_state, AP_STATE_RESTING);
    assert_non_null(strstr(d.reason, "90 minutes"));
    s.minutes_today = 60; /* exactly the budget: spent too */
    assert_int_equal(decide(&s).activity, AP_BREAK);

    /* 4. overdue reviews -> review, before the misconception */
    s.minutes_today = 59;
    d = decide(&s);
    assert_int_equal(d.activity, AP_REVIEW);
    assert_int_equal(d.next_state, AP_STATE_REVIEWING);
    assert_string_equal(d.reason,
                        "2 reviews are overdue: cards past their due date are being forgotten, so they "
                        "come first.");

    /* 5. open misconception -> remediating, its topic and description in the reason */
    s.overdue_reviews = 0;
    d = decide(&s);
    assert_int_equal(d.activity, AP_MISCONCEPTION);
    assert_int_equal(d.next_state, AP_STATE_REMEDIATING);
    assert_string_equal(d.topic, "Cell division");
    assert_non_null(strstr(d.reason, "'Cell division': You chose 'Mitosis' twice"));

    /* 6. learned since its last quiz -> quiz on it */
    s.misconception_topic = NULL;
    d = decide(&s);
    assert_int_equal(d.activity, AP_QUIZ);
    assert_int_equal(d.next_state, AP_STATE_QUIZZING);
    assert_string_equal(d.topic, "Organelles");

    /* 7. today's planned topic -> learn */
    s.learned_topic = NULL;
    d = decide(&s);
    assert_int_equal(d.activity, AP_LEARN);
    assert_int_equal(d.next_state, AP_STATE_LEARNING);
    assert_string_equal(d.topic, "Photosynthesis");
    assert_string_equal(d.reason, "'Photosynthesis' is next in today's plan: learn it with the tutor.");

    /* 8. due (not overdue) reviews -> review */
    s.planned_topic = NULL;
    d = decide(&s);
    assert_int_equal(d.activity, AP_REVIEW);
    assert_string_equal(d.topic, "");
    assert_non_null(strstr(d.reason, "4 reviews due today"));

    /* 9. the weakest topic -> quiz on it */
    s.due_reviews = 0;
    d = decide(&s);
    assert_int_equal(d.activity, AP_QUIZ);
    assert_string_equal(d.topic, "Genetics");

    /* 10. nothing left -> break */
    s.weakest_topic = NULL;
    d = decide(&s);
    assert_int_equal(d.activity, AP_BREAK);
    assert_int_equal(d.next_state, AP_STATE_RESTING);
}

/* The ladder gives the same choice from every live state. */
static void test_every_live_state(void **state)
{
    (void)state;
    for (int st = AP_STATE_CREATED; st < AP_STATE_FINISHED; st++) {
        ap_snapshot s = {.state = (ap_state)st, .daily_minutes = 30, .planned_topic = "Photosynthesis"};
        ap_decision d = decide(&s);
        assert_int_equal(d.activity, AP_LEARN);
        assert_int_equal(d.next_state, AP_STATE_LEARNING);
        s.minutes_today = 30;
        assert_int_equal(decide(&s).next_state, AP_STATE_RESTING);
    }
}

/* 1. A finished session stays finished whatever else the snapshot says. */
static void test_finished_is_final(void **state)
{
    (void)state;
    ap_snapshot s = everything();
    s.state = AP_STATE_FINISHED;
    s.exam_over = false;
    s.minutes_today = 0;
    ap_decision d = decide(&s);
    assert_int_equal(d.activity, AP_DONE);
    assert_int_equal(d.next_state, AP_STATE_FINISHED);
    ap_state to;
    for (int a = AP_REVIEW; a < AP_DONE; a++)
        assert_false(autopilot_step(AP_STATE_FINISHED, (ap_activity)a, &to));
    assert_true(autopilot_step(AP_STATE_FINISHED, AP_DONE, &to));
    assert_int_equal(to, AP_STATE_FINISHED);
}

static void test_refused_snapshots(void **state)
{
    (void)state;
    const ap_snapshot ok = {.state = AP_STATE_CREATED, .daily_minutes = 30};
    ap_snapshot bad[] = {ok, ok, ok, ok, ok};
    bad[0].state = (ap_state)99;
    bad[1].due_reviews = -1;
    bad[2].overdue_reviews = -3;
    bad[3].minutes_today = -1;
    bad[4].daily_minutes = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ap_decision d;
        em_error err = {0};
        assert_int_equal(autopilot_next(&bad[i], &d, &err), EM_E_INVAL);
        assert_true(err.msg[0] != '\0');
        assert_string_equal(d.reason, "");
    }
}

static void test_state_names(void **state)
{
    (void)state;
    const char *names[] = {"created",  "reviewing", "remediating", "learning",
                           "quizzing", "resting",   "finished"};
    for (int i = 0; i < AP_STATES; i++) {
        ap_state s = AP_STATE_FINISHED;
        assert_string_equal(ap_state_name((ap_state)i), names[i]);
        assert_int_equal(ap_state_parse(names[i], &s), EM_OK);
        assert_int_equal(s, i);
    }
    /* Stored text is outside input: anything else is refused, *out untouched. */
    const char *bad[] = {"Finished", "", "resting ", "idle", "quizzing\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ap_state s = AP_STATE_LEARNING;
        assert_int_equal(ap_state_parse(bad[i], &s), EM_E_INVAL);
        assert_int_equal(s, AP_STATE_LEARNING);
    }
    ap_state s;
    assert_int_equal(ap_state_parse(NULL, &s), EM_E_INVAL);
    const char *acts[] = {"review", "misconception", "learn", "quiz", "break", "done"};
    for (int i = 0; i < AP_ACTIVITIES; i++)
        assert_string_equal(ap_activity_name((ap_activity)i), acts[i]);
}

/* A topic of 300 two-byte characters: the decision's topic is cut to 254
 * bytes (127 characters, not half of one), the reason's copy shorter still. */
static void test_long_topic_cut_on_a_character(void **state)
{
    (void)state;
    char topic[601];
    for (int i = 0; i < 300; i++)
        memcpy(topic + 2 * i, "\xc3\xa9", 2); /* é */
    topic[600] = '\0';
    ap_snapshot s = {.state = AP_STATE_CREATED, .daily_minutes = 30, .planned_topic = topic};
    ap_decision d = decide(&s);
    assert_int_equal(strlen(d.topic), 254);
    assert_int_equal(memcmp(d.topic, topic, 254), 0);
    assert_true(strlen(d.reason) < sizeof d.reason - 1);
}

/* ---- the table ---------------------------------------------------------- */

static const char TABLE_MD[] =
    "| state / activity | review | misconception | learn | quiz | break | done |\n"
    "| --- | --- | --- | --- | --- | --- | --- |\n"
    "| `created` | `reviewing` | `remediating` | `learning` | `quizzing` | `resting` | `finished` |\n"
    "| `reviewing` | `reviewing` | `remediating` | `learning` | `quizzing` | `resting` | `finished` |\n"
    "| `remediating` | `reviewing` | `remediating` | `learning` | `quizzing` | `resting` | `finished` |\n"
    "| `learning` | `reviewing` | `remediating` | `learning` | `quizzing` | `resting` | `finished` |\n"
    "| `quizzing` | `reviewing` | `remediating` | `learning` | `quizzing` | `resting` | `finished` |\n"
    "| `resting` | `reviewing` | `remediating` | `learning` | `quizzing` | `resting` | `finished` |\n"
    "| `finished` | - | - | - | - | - | `finished` |\n";

static void test_table(void **state)
{
    (void)state;
    size_t n;
    const ap_transition *t = autopilot_transitions(&n);
    /* 6 live states x 6 activities, and finished on done. */
    assert_int_equal(n, 37);
    for (size_t i = 0; i < n; i++) {
        ap_state to;
        assert_true(autopilot_step(t[i].from, t[i].on, &to));
        assert_int_equal(to, t[i].to);
        for (size_t j = 0; j < i; j++)
            assert_false(t[j].from == t[i].from && t[j].on == t[i].on); /* one row per move */
    }
    char *md = autopilot_transitions_markdown();
    assert_string_equal(md, TABLE_MD);
    free(md);
}

/* When the README carries the table (after a line holding the marker
 * below), its copy must be the generated one. The README is found from
 * this file's path (tests/unit/ in the source tree). */
#define README_MARKER "<!-- autopilot-transitions -->"

static void test_readme_table(void **state)
{
    (void)state;
    const char *here = __FILE__;
    const char *cut = strstr(here, "tests/unit/test_learn_autopilot.c");
    if (cut == NULL)
        skip();
    char path[4096];
    int len = snprintf(path, sizeof path, "%.*sREADME.md", (int)(cut - here), here);
    if (len < 0 || (size_t)len >= sizeof path)
        skip();
    buf b;
    buf_init(&b, 4u << 20);
    em_error err = {0};
    if (buf_read_file(&b, path, &err) != EM_OK) {
        buf_cleanup(&b);
        skip(); /* no README beside the sources */
    }
    const char *m = strstr(b.data, README_MARKER);
    if (m == NULL) {
        buf_cleanup(&b);
        skip(); /* the README does not show the table (yet) */
    }
    /* The table: the lines starting with '|' after the marker's line. */
    const char *p = strchr(m, '\n');
    p = p == NULL ? m + strlen(m) : p + 1;
    while (*p == '\n')
        p++;
    const char *e = p;
    while (*e == '|') {
        const char *nl = strchr(e, '\n');
        e = nl == NULL ? e + strlen(e) : nl + 1;
    }
    char *md = autopilot_transitions_markdown();
    if (strlen(md) != (size_t)(e - p) || memcmp(md, p, (size_t)(e - p)) != 0)
        fail_msg("README.md's transition table differs from autopilot_transitions_markdown():\n%s", md);
    free(md);
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priority_ladder),
        cmocka_unit_test(test_every_live_state),
        cmocka_unit_test(test_finished_is_final),
        cmocka_unit_test(test_refused_snapshots),
        cmocka_unit_test(test_state_names),
        cmocka_unit_test(test_long_topic_cut_on_a_character),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_readme_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
