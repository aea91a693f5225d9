/* verify: a good plan passes every check; plans corrupted on purpose (over
 * the budget, a topic missing, study on a free date or a weekend, a review
 * before the study, topics out of order, revision missing or early) fail the
 * right check with the day and the topic; garbage in a plan is reported, not
 * trusted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/civil.h"
#include "core/err.h"
#include "core/mem.h"
#include "learn/plan.h"
#include "learn/verify.h"

/* ---- a hand-made plan ------------------------------------------------------ */

static civil_date D(int y, int m, int d)
{
    return (civil_date){y, m, d};
}

/* Monday 2027-03-01 to the exam on Wednesday 2027-03-10, Monday..Friday,
 * Wednesday the 3rd free; A new, B half known, C mastered. */
static const plan_topic topics[] = {{"A", 2000, 0.0}, {"B", 2000, 0.5}, {"C", 2000, 0.97}};
static const plan_material material = {"Biology", topics, 3};
static const civil_date free_date = {2027, 3, 3};

static plan_input input(void)
{
    plan_input in = {D(2027, 3, 1), D(2027, 3, 10), 60, 0x3e, &free_date, 1, &material, 1};
    return in;
}

typedef struct fixture {
    plan_item d1[2], d2[3], d4[1], d5[3];
    plan_day days[4];
    plan p;
} fixture;

static void good_plan(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->d1[0] = (plan_item){0, 0, PLAN_STUDY, 30, 1};
    f->d1[1] = (plan_item){0, 1, PLAN_STUDY, 20, 1};
    f->d2[0] = (plan_item){0, 0, PLAN_REVIEW, 5, 1};
    f->d2[1] = (plan_item){0, 1, PLAN_REVIEW, 5, 1};
    f->d2[2] = (plan_item){0, 2, PLAN_REVIEW, 5, 0};
    f->d4[0] = (plan_item){0, 0, PLAN_REVIEW, 5, 2};
    f->d5[0] = (plan_item){0, 0, PLAN_REVISION, 5, 1};
    f->d5[1] = (plan_item){0, 1, PLAN_REVISION, 5, 1};
    f->d5[2] = (plan_item){0, 2, PLAN_REVISION, 5, 1};
    f->days[0] = (plan_day){D(2027, 3, 1), 50, f->d1, 2};
    f->days[1] = (plan_day){D(2027, 3, 2), 15, f->d2, 3};
    f->days[2] = (plan_day){D(2027, 3, 4), 5, f->d4, 1};
    f->days[3] = (plan_day){D(2027, 3, 5), 15, f->d5, 3};
    f->p.days = f->days;
    f->p.n_days = 4;
}

static verify_report check(const plan_input *in, const plan *p)
{
    verify_report r;
    em_error err = {0};
    int rc = verify_plan(in, p, &r, &err);
    if (rc != EM_OK)
        fail_msg("verify_plan: %d %s", rc, err.msg);
    return r;
}

static void print_report(const verify_report *r)
{
    for (int k = 0; k < VERIFY_RULES; k++)
        for (size_t v = 0; v < r->checks[k].n; v++)
            fprintf(stderr, "  %s: %s\n", r->checks[k].name, r->checks[k].v[v].what);
}

/* Exactly the checks in `failing` (a bit per verify_rule) fail. */
static void assert_failing(const verify_report *r, unsigned failing)
{
    bool all_ok = true;
    for (int k = 0; k < VERIFY_RULES; k++) {
        bool want_ok = !(failing >> k & 1);
        all_ok = all_ok && want_ok;
        if (r->checks[k].ok != want_ok || (r->checks[k].n == 0) != want_ok) {
            print_report(r);
            fail_msg("check %s: ok %d, want %d", r->checks[k].name, r->checks[k].ok, want_ok);
        }
    }
    assert_int_equal(r->ok, all_ok);
}

/* Violation i of a check: its day, topic and words. */
static void assert_violation(const verify_report *r, verify_rule rule, size_t i, civil_date *date, long topic,
                             const char *what)
{
    const verify_check *c = &r->checks[rule];
    if (i >= c->n)
        fail_msg("%s has %zu violations, want more than %zu", c->name, c->n, i);
    const verify_violation *v = &c->v[i];
    if (date == NULL)
        assert_false(v->has_date);
    else {
        assert_true(v->has_date);
        assert_int_equal(civil_cmp(v->date, *date), 0);
    }
    assert_int_equal(v->topic, topic);
    if (topic >= 0)
        assert_int_equal(v->material, 0);
    assert_string_equal(v->what, what);
}

#define BIT(rule) (1u << (rule))

/* ---- a good plan ----------------------------------------------------------- */

static void learn_verify_accepts_good_plans(void **state)
{
    plan_input in = input();
    fixture f;
    good_plan(&f);
    verify_report r = check(&in, &f.p);
    assert_failing(&r, 0);
    const char *names[] = {"coverage", "budget", "calendar", "reviews", "revision", "order"};
    for (int k = 0; k < VERIFY_RULES; k++) {
        assert_string_equal(r.checks[k].name, names[k]);
        assert_string_equal(verify_rule_name((verify_rule)k), names[k]);
    }
    verify_report_cleanup(&r);
    verify_report_cleanup(&r);

    /* and the planner's own plan for the same input */
    plan p;
    em_error err = {0};
    assert_int_equal(plan_make(&in, &p, NULL, &err), EM_OK);
    r = check(&in, &p);
    assert_failing(&r, 0);
    verify_report_cleanup(&r);
    plan_cleanup(&p);
}

/* ---- corrupted on purpose ------------------------------------------------------- */

static void learn_verify_catches_over_budget(void **state)
{
    plan_input in = input();
    fixture f;
    good_plan(&f);
    f.d1[0].minutes = 50; /* 50 + 20 on Monday */
    verify_report r = check(&in, &f.p);
    assert_failing(&r, BIT(VERIFY_BUDGET));
    civil_date mon = D(2027, 3, 1);
    assert_int_equal(r.checks[VERIFY_BUDGET].n, 1);
    assert_violation(&r, VERIFY_BUDGET, 0, &mon, -1, "2027-03-01 holds 70 minutes, over the daily budget of 60");
    verify_report_cleanup(&r);

    /* the planner's plan, one item stretched past the budget */
    plan p;
    em_error err = {0};
    assert_int_equal(plan_make(&in, &p, NULL, &err), EM_OK);
    p.days[0].items[0].minutes += 60;
    r = check(&in, &p);
    assert_true(!r.checks[VERIFY_BUDGET].ok);
    assert_true(r.checks[VERIFY_BUDGET].v[0].has_date);
    assert_int_equal(civil_cmp(r.checks[VERIFY_BUDGET].v[0].date, p.days[0].date), 0);
    assert_false(r.ok);
    verify_report_cleanup(&r);
    plan_cleanup(&p);
}

static void learn_verify_catches_a_missing_topic(void **state)
{
    plan_input in = input();
    fixture f;
    good_plan(&f);
    /* B's study dropped: B is not covered and its review has nothing before it */
    f.days[0].n_items = 1;
    verify_report r = check(&in, &f.p);
    assert_failing(&r, BIT(VERIFY_COVERAGE) | BIT(VERIFY_REVIEWS));
    assert_int_equal(r.checks[VERIFY_COVERAGE].n, 1);
    assert_violation(&r, VERIFY_COVERAGE, 0, NULL, 1, "\"B\" is never studied");
    civil_date tue = D(2027, 3, 2);
    assert_violation(&r, VERIFY_REVIEWS, 0, &tue, 1, "review of \"B\" on 2027-03-02, which is never studied");
    verify_report_cleanup(&r);

    /* mastered C without its review */
    good_plan(&f);
    f.days[1].n_items = 2;
    r = check(&in, &f.p);
    assert_failing(&r, BIT(VERIFY_COVERAGE));
    assert_violation(&r, VERIFY_COVERAGE, 0, NULL, 2, "\"C\" is never studied or reviewed");
    verify_report_cleanup(&r);

    /* the planner's plan with every item of one topic taken out */
    plan p;
    em_error err = {0};
    assert_int_equal(plan_make(&in, &p, NULL, &err), EM_OK);
    for (size_t i = 0; i < p.n_days; i++) {
        size_t keep = 0;
        for (size_t j = 0; j < p.days[i].n_items; j++)
            if (p.days[i].items[j].topic != 0)
                p.days[i].items[keep++] = p.days[i].items[j];
        p.days[i].n_items = keep;
    }
    r = check(&in, &p);
    assert_false(r.checks[VERIFY_COVERAGE].ok);
    assert_violation(&r, VERIFY_COVERAGE, 0, NULL, 0, "\"A\" is never studied");
    assert_false(r.checks[VERIFY_REVISION].ok);
    assert_violation(&r, VERIFY_REVISION, 0, NULL, 0, "\"A\" is not revised before the exam");
    verify_report_cleanup(&r);
    plan_cleanup(&p);
}

static void learn_verify_catches_study_on_days_off(void **state)
{
    plan_input in = input();
    fixture f;
    good_plan(&f);
    f.days[2].date = free_date; /* Thursday's review on the free Wednesday */
    verify_report r = check(&in, &f.p);
    assert_failing(&r, BIT(VERIFY_CALENDAR));
    civil_date wed = free_date;
    assert_int_equal(r.checks[VERIFY_CALENDAR].n, 1);
    assert_violation(&r, VERIFY_CALENDAR, 0, &wed, 0, "review of \"A\" on 2027-03-03: on a free date");
    verify_report_cleanup(&r);

    /* Friday's revision on Saturday: one violation per item */
    good_plan(&f);
    f.days[3].date = D(2027, 3, 6);
    r = check(&in, &f.p);
    assert_failing(&r, BIT(VERIFY_CALENDAR));
    civil_date sat = D(2027, 3, 6);
    assert_int_equal(r.checks[VERIFY_CALENDAR].n, 3);
    assert_violation(&r, VERIFY_CALENDAR, 2, &sat, 2, "revision of \"C\" on 2027-03-06: on a Saturday, not a study weekday");
    verify_report_cleanup(&r);

    /* the exam day, and before today */
    good_plan(&f);
    f.days[3].date = in.exam;
    r = check(&in, &f.p);
    assert_false(r.checks[VERIFY_CALENDAR].ok);
    assert_false(r.checks[VERIFY_REVISION].ok); /* not before the exam */
    assert_violation(&r, VERIFY_CALENDAR, 0, &in.exam, 0, "revision of \"A\" on 2027-03-10: on the exam day");
    verify_report_cleanup(&r);
    good_plan(&f);
    f.days[0].date = D(2027, 2, 26);
    r = check(&in, &f.p);
    assert_false(r.checks[VERIFY_CALENDAR].ok);
    civil_date before = D(2027, 2, 26);
    assert_violation(&r, VERIFY_CALENDAR, 0, &before, 0, "study of \"A\" on 2027-02-26: before today");
    verify_report_cleanup(&r);
}

static void learn_verify_catches_review_before_study(void **state)
{
    plan_input in = input();
    fixture f;
    good_plan(&f);
    /* A's first study swapped with its second review: A is now reviewed on
       Monday and Tuesday and studied on Thursday */
    f.d1[0] = (plan_item){0, 0, PLAN_REVIEW, 30, 1};
    f.d4[0] = (plan_item){0, 0, PLAN_STUDY, 5, 1};
    verify_report r = check(&in, &f.p);
    assert_failing(&r, BIT(VERIFY_REVIEWS) | BIT(VERIFY_ORDER));
    civil_date mon = D(2027, 3, 1), tue = D(2027, 3, 2);
    assert_int_equal(r.checks[VERIFY_REVIEWS].n, 2);
    assert_violation(&r, VERIFY_REVIEWS, 0, &mon, 0,
                     "review of \"A\" on 2027-03-01: not after its study, which ends on 2027-03-04");
    assert_violation(&r, VERIFY_REVIEWS, 1, &tue, 0,
                     "review of \"A\" on 2027-03-02: not after its study, which ends on 2027-03-04");
    /* and B, later in the material, is now studied before A */
    assert_violation(&r, VERIFY_ORDER, 0, &mon, 1,
                     "\"B\" is first studied on 2027-03-01, before \"A\", which comes earlier in the material "
                     "(2027-03-04)");
    verify_report_cleanup(&r);

    /* a review on the day of the study itself is not after it */
    good_plan(&f);
    f.days[1].date = D(2027, 3, 1);
    r = check(&in, &f.p);
    assert_false(r.checks[VERIFY_REVIEWS].ok);
    assert_false(r.checks[VERIFY_CALENDAR].ok); /* the same date twice */
    verify_report_cleanup(&r);
}

static void learn_verify_catches_order_and_revision(void **state)
{
    plan_input in = input();
    fixture f;
    good_plan(&f);
    /* B before A on Monday */
    plan_item t = f.d1[0];
    f.d1[0] = f.d1[1];
    f.d1[1] = t;
    verify_report r = check(&in, &f.p);
    assert_failing(&r, BIT(VERIFY_ORDER));
    civil_date mon = D(2027, 3, 1);
    assert_violation(&r, VERIFY_ORDER, 0, &mon, 1,
                     "\"B\" is first studied on 2027-03-01, before \"A\", which comes earlier in the material "
                     "(2027-03-01)");
    verify_report_cleanup(&r);

    /* C's revision missing */
    good_plan(&f);
    f.days[3].n_items = 2;
    r = check(&in, &f.p);
    assert_failing(&r, BIT(VERIFY_REVISION));
    assert_violation(&r, VERIFY_REVISION, 0, NULL, 2, "\"C\" is not revised before the exam");
    verify_report_cleanup(&r);

    /* A's revision moved to Tuesday, before a study of C on Thursday */
    good_plan(&f);
    f.d2[0] = (plan_item){0, 0, PLAN_REVISION, 5, 1};
    f.d5[0] = (plan_item){0, 0, PLAN_REVIEW, 5, 3};
    f.d4[0] = (plan_item){0, 2, PLAN_STUDY, 5, 1}; /* C studied on Thursday */
    r = check(&in, &f.p);
    assert_false(r.checks[VERIFY_REVISION].ok);
    civil_date tue = D(2027, 3, 2);
    assert_violation(&r, VERIFY_REVISION, 0, &tue, 0,
                     "revision of \"A\" on 2027-03-02: before the last study day, 2027-03-04; the revision comes "
                     "last");
    verify_report_cleanup(&r);
}

/* ---- garbage ----------------------------------------------------------------- */

static void learn_verify_reports_garbage(void **state)
{
    plan_input in = input();
    fixture f;
    good_plan(&f);
    f.d2[0].material = 7;   /* no such material */
    f.d2[1].kind = 99;      /* no such kind */
    f.d4[0].minutes = -3;
    f.days[3].date = D(2027, 2, 30);
    verify_report r = check(&in, &f.p);
    assert_false(r.ok);
    civil_date tue = D(2027, 3, 2), thu = D(2027, 3, 4);
    assert_violation(&r, VERIFY_COVERAGE, 0, &tue, -1,
                     "an item names topic 1 of material 8, which is not in the materials");
    assert_violation(&r, VERIFY_COVERAGE, 1, &tue, 1, "an item is of no known kind");
    assert_violation(&r, VERIFY_BUDGET, 0, &thu, -1, "an item on 2027-03-04 has -3 minutes");
    assert_int_equal(r.checks[VERIFY_CALENDAR].n, 1);
    assert_string_equal(r.checks[VERIFY_CALENDAR].v[0].what, "a day of the plan is not a date (2027-2-30)");
    verify_report_cleanup(&r);

    /* days out of order */
    good_plan(&f);
    plan_day t = f.days[1];
    f.days[1] = f.days[2];
    f.days[2] = t;
    r = check(&in, &f.p);
    assert_false(r.checks[VERIFY_CALENDAR].ok);
    assert_violation(&r, VERIFY_CALENDAR, 0, &tue, -1,
                     "2027-03-02 comes after 2027-03-04 in the plan: days must be in date order, once each");
    verify_report_cleanup(&r);

    /* a plan that says it has days and holds none */
    plan empty = {NULL, 3, 0, 0, 0, 0};
    r = check(&in, &empty);
    assert_false(r.checks[VERIFY_CALENDAR].ok);
    assert_false(r.checks[VERIFY_COVERAGE].ok);
    verify_report_cleanup(&r);

    /* many violations: the first VERIFY_MAX_VIOLATIONS kept, all counted */
    plan_item *items = em_calloc(150, sizeof *items);
    for (size_t i = 0; i < 150; i++)
        items[i] = (plan_item){0, 0, PLAN_STUDY, 0, 1};
    plan_day day = {D(2027, 3, 1), 0, items, 150};
    plan many = {&day, 1, 0, 0, 0, 0};
    r = check(&in, &many);
    assert_int_equal(r.checks[VERIFY_BUDGET].n, VERIFY_MAX_VIOLATIONS);
    assert_int_equal(r.checks[VERIFY_BUDGET].n_total, 150);
    verify_report_cleanup(&r);
    free(items);

    /* inputs out of range are refused, the report left empty */
    in.daily_minutes = 0;
    em_error err = {0};
    good_plan(&f);
    assert_int_equal(verify_plan(&in, &f.p, &r, &err), EM_E_INVAL);
    assert_null(r.checks[0].v);
}

static void learn_verify_cuts_long_names_at_a_character(void **state)
{
    /* "a" and 30 two-byte characters: 61 bytes, cut to 59, not into a character */
    char name[64] = "a", want[128] = "\"a";
    for (int i = 0; i < 30; i++)
        memcpy(name + 1 + 2 * i, "\xc3\xa9", 3);
    memcpy(want + 2, name + 1, 58);
    snprintf(want + 60, sizeof want - 60, "\" is never studied");
    const plan_topic t = {name, 1000, 0.0};
    const plan_material m = {"M", &t, 1};
    plan_input in = {D(2027, 3, 1), D(2027, 3, 10), 60, 0, NULL, 0, &m, 1};
    plan empty = {0};
    verify_report r = check(&in, &empty);
    assert_violation(&r, VERIFY_COVERAGE, 0, NULL, 0, want);
    verify_report_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(learn_verify_accepts_good_plans),
        cmocka_unit_test(learn_verify_catches_over_budget),
        cmocka_unit_test(learn_verify_catches_a_missing_topic),
        cmocka_unit_test(learn_verify_catches_study_on_days_off),
        cmocka_unit_test(learn_verify_catches_review_before_study),
        cmocka_unit_test(learn_verify_catches_order_and_revision),
        cmocka_unit_test(learn_verify_reports_garbage),
        cmocka_unit_test(learn_verify_cuts_long_names_at_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
