/* plan: coverage, the budget, free dates and study weekdays, review spacing,
 * topic order, mastery weighting, the revision block, long topics in parts;
 * infeasible inputs with their computed fixes; invalid inputs; the same plan
 * twice; "today" from the student's time zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/civil.h"
#include "core/err.h"
#include "core/tz.h"
#include "learn/plan.h"
#include "learn/verify.h"

/* ---- test tools --------------------------------------------------------- */

static civil_date D(int y, int m, int d)
{
    return (civil_date){y, m, d};
}

static void dump(const plan *p)
{
    for (size_t i = 0; i < p->n_days; i++) {
        char ds[CIVIL_TEXT_MAX];
        civil_format(p->days[i].date, ds);
        fprintf(stderr, "  %s %3d:", ds, p->days[i].minutes);
        for (size_t j = 0; j < p->days[i].n_items; j++) {
            const plan_item *it = &p->days[i].items[j];
            fprintf(stderr, " %c%zu.%zu#%d/%d", "?SRV"[it->kind], it->material, it->topic, it->seq, it->minutes);
        }
        fprintf(stderr, "\n");
    }
}

static plan make(const plan_input *in)
{
    plan p;
    plan_infeasible why;
    em_error err = {0};
    int rc = plan_make(in, &p, &why, &err);
    if (rc != EM_OK)
        fail_msg("plan_make: %d %s", rc, err.msg);
    return p;
}

/* The verifier finds nothing wrong with p. */
static void assert_verified(const plan_input *in, const plan *p)
{
    verify_report r;
    em_error err = {0};
    assert_int_equal(verify_plan(in, p, &r, &err), EM_OK);
    if (!r.ok) {
        for (int k = 0; k < VERIFY_RULES; k++)
            for (size_t v = 0; v < r.checks[k].n; v++)
                fprintf(stderr, "  %s: %s\n", r.checks[k].name, r.checks[k].v[v].what);
        dump(p);
        verify_report_cleanup(&r);
        fail_msg("the verifier refused the plan");
    }
    verify_report_cleanup(&r);
}

/* The dates and minutes of topic (m, t)'s items of one kind; returns how many. */
static size_t items_of(const plan *p, size_t m, size_t t, plan_kind kind, civil_date *dates, int *minutes,
                       size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_days; i++)
        for (size_t j = 0; j < p->days[i].n_items; j++) {
            const plan_item *it = &p->days[i].items[j];
            if (it->material != m || it->topic != t || it->kind != kind)
                continue;
            if (n < max) {
                dates[n] = p->days[i].date;
                minutes[n] = it->minutes;
            }
            n++;
        }
    return n;
}

static int sum(const int *v, size_t n)
{
    int s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

static void assert_date_eq(civil_date got, civil_date want)
{
    if (civil_cmp(got, want) != 0)
        fail_msg("got %04d-%02d-%02d, want %04d-%02d-%02d", got.year, got.month, got.day, want.year, want.month,
                 want.day);
}

/* The position of topic (m, t)'s first study item: day index * 1000 + item. */
static long first_study(const plan *p, size_t m, size_t t)
{
    for (size_t i = 0; i < p->n_days; i++)
        for (size_t j = 0; j < p->days[i].n_items; j++) {
            const plan_item *it = &p->days[i].items[j];
            if (it->material == m && it->topic == t && (it->kind == PLAN_STUDY || it->seq == 0))
                return (long)(i * 1000 + j);
        }
    return -1;
}

/* Two materials, weekdays Monday..Friday, Christmas Eve and Day free. */
static const plan_topic bio[] = {
    {"Cells", 3000, 0.0}, {"Membranes", 2500, 0.3}, {"Energy", 6000, 0.5}, {"DNA", 1200, 0.96},
};
static const plan_topic chem[] = {{"Atoms", 4000, 0.2}, {"Bonds", 1800, 0.0}};
static const plan_material two_materials[] = {{"Biology", bio, 4}, {"Chemistry", chem, 2}};
static const civil_date christmas[] = {{2026, 12, 24}, {2026, 12, 25}};
#define WEEKDAYS_MON_FRI 0x3e

static plan_input school_term(void)
{
    plan_input in = {D(2026, 12, 7), D(2027, 1, 12), 60, WEEKDAYS_MON_FRI, christmas, 2, two_materials, 2};
    return in;
}

/* ---- what a plan holds ------------------------------------------------------ */

static void learn_plan_covers_every_topic_within_the_calendar(void **state)
{
    plan_input in = school_term();
    plan p = make(&in);
    civil_date dates[64];
    int minutes[64];
    /* every topic studied for its estimate, mastered DNA reviewed once instead */
    for (size_t m = 0; m < 2; m++)
        for (size_t t = 0; t < two_materials[m].n_topics; t++) {
            const plan_topic *pt = &two_materials[m].topics[t];
            size_t n = items_of(&p, m, t, PLAN_STUDY, dates, minutes, 64);
            if (pt->mastery >= PLAN_MASTERED) {
                assert_int_equal(n, 0);
                assert_int_equal(items_of(&p, m, t, PLAN_REVIEW, dates, minutes, 64), 1);
                assert_int_equal(minutes[0], plan_review_minutes(pt));
            } else if (n == 0 || sum(minutes, n) != plan_study_minutes(pt)) {
                dump(&p);
                fail_msg("%s: %zu study items, %d minutes", pt->name, n, n ? sum(minutes, n) : 0);
            }
            assert_int_equal(items_of(&p, m, t, PLAN_REVISION, dates, minutes, 64), 1);
        }
    /* every day: within the budget, between today and the exam, a weekday, not free */
    for (size_t i = 0; i < p.n_days; i++) {
        const plan_day *d = &p.days[i];
        int total = 0;
        for (size_t j = 0; j < d->n_items; j++)
            total += d->items[j].minutes;
        assert_int_equal(total, d->minutes);
        assert_true(d->minutes > 0 && d->minutes <= 60);
        assert_true(civil_cmp(d->date, in.today) >= 0 && civil_cmp(d->date, in.exam) < 0);
        int wd = civil_weekday(d->date);
        assert_true(wd >= 1 && wd <= 5);
        assert_true(civil_cmp(d->date, christmas[0]) != 0 && civil_cmp(d->date, christmas[1]) != 0);
        if (i > 0)
            assert_true(civil_cmp(p.days[i - 1].date, d->date) < 0);
    }
    /* study starts today */
    assert_date_eq(p.days[0].date, in.today);
    assert_int_equal(p.study_minutes, 45 + 30 + 60 + 5 + 52 + 27);
    assert_verified(&in, &p);
    plan_cleanup(&p);
    plan_cleanup(&p); /* a cleaned plan is empty */
}

static void learn_plan_mastery_weighting(void **state)
{
    /* 3000 words: 30 minutes of reading */
    plan_topic t = {"T", 3000, 0.0};
    assert_int_equal(plan_study_minutes(&t), 45); /* new: reading and practice, 1.5x */
    t.mastery = 0.5;
    assert_int_equal(plan_study_minutes(&t), 30);
    t.mastery = 0.94;
    assert_int_equal(plan_study_minutes(&t), 17); /* ceil(30 * 0.56) */
    t.mastery = 0.95;
    assert_int_equal(plan_study_minutes(&t), 8); /* a review only: a quarter of the reading */
    assert_int_equal(plan_review_minutes(&t), 8);
    t.words = 0;
    t.mastery = 0.0;
    assert_int_equal(plan_study_minutes(&t), PLAN_MIN_STUDY);
    assert_int_equal(plan_review_minutes(&t), PLAN_MIN_REVIEW);

    /* the same length, three levels: the weak topic gets the most time, the
       mastered one a single review and no spaced reviews */
    const plan_topic topics[] = {{"weak", 3000, 0.1}, {"half", 3000, 0.5}, {"known", 3000, 0.97}};
    const plan_material mat = {"M", topics, 3};
    plan_input in = {D(2027, 2, 1), D(2027, 3, 1), 120, 0, NULL, 0, &mat, 1};
    plan p = make(&in);
    civil_date dates[32];
    int minutes[32];
    size_t n = items_of(&p, 0, 0, PLAN_STUDY, dates, minutes, 32);
    int weak = sum(minutes, n);
    n = items_of(&p, 0, 1, PLAN_STUDY, dates, minutes, 32);
    int half = sum(minutes, n);
    assert_int_equal(weak, 42);
    assert_int_equal(half, 30);
    assert_int_equal(items_of(&p, 0, 2, PLAN_STUDY, dates, minutes, 32), 0);
    assert_int_equal(items_of(&p, 0, 2, PLAN_REVIEW, dates, minutes, 32), 1);
    assert_int_equal(minutes[0], 8);
    /* the weak and half topics get spaced reviews */
    assert_true(items_of(&p, 0, 0, PLAN_REVIEW, dates, minutes, 32) >= 3);
    assert_true(items_of(&p, 0, 1, PLAN_REVIEW, dates, minutes, 32) >= 3);
    assert_verified(&in, &p);
    plan_cleanup(&p);
}

static void learn_plan_review_spacing(void **state)
{
    /* one topic, every day a study day: study on day 0, reviews 1, 3, 7, 14
       and 30 days later; the one due after 60 days falls on the revision day */
    const plan_topic topic = {"Optics", 2000, 0.0};
    const plan_material mat = {"Physics", &topic, 1};
    plan_input in = {D(2027, 3, 1), D(2027, 5, 1), 60, 0, NULL, 0, &mat, 1};
    plan p = make(&in);
    civil_date dates[16];
    int minutes[16];
    assert_int_equal(items_of(&p, 0, 0, PLAN_STUDY, dates, minutes, 16), 1);
    assert_date_eq(dates[0], D(2027, 3, 1));
    assert_int_equal(minutes[0], 30);
    size_t n = items_of(&p, 0, 0, PLAN_REVIEW, dates, minutes, 16);
    assert_int_equal(n, 5);
    const civil_date want[] = {D(2027, 3, 2), D(2027, 3, 4), D(2027, 3, 8), D(2027, 3, 15), D(2027, 3, 31)};
    for (size_t i = 0; i < n; i++) {
        assert_date_eq(dates[i], want[i]);
        assert_int_equal(minutes[i], 5);
    }
    /* the review numbers count up */
    for (size_t i = 0, k = 0; i < p.n_days; i++)
        for (size_t j = 0; j < p.days[i].n_items; j++)
            if (p.days[i].items[j].kind == PLAN_REVIEW)
                assert_int_equal(p.days[i].items[j].seq, (int)++k);
    assert_int_equal(items_of(&p, 0, 0, PLAN_REVISION, dates, minutes, 16), 1);
    assert_date_eq(dates[0], D(2027, 4, 30));
    assert_int_equal(p.reviews_skipped, 0);
    plan_cleanup(&p);

    /* studied on a Friday with weekends off: the first review waits for
       Monday, the second is on Tuesday, after it */
    in.today = D(2027, 3, 5); /* a Friday */
    in.weekdays = WEEKDAYS_MON_FRI;
    p = make(&in);
    n = items_of(&p, 0, 0, PLAN_REVIEW, dates, minutes, 16);
    assert_true(n >= 2);
    assert_date_eq(dates[0], D(2027, 3, 8));
    assert_date_eq(dates[1], D(2027, 3, 9));
    assert_verified(&in, &p);
    plan_cleanup(&p);

    /* an exam close by: only the reviews that fit before it */
    in.today = D(2027, 3, 1);
    in.exam = D(2027, 3, 6);
    in.weekdays = 0;
    p = make(&in);
    n = items_of(&p, 0, 0, PLAN_REVIEW, dates, minutes, 16);
    assert_int_equal(n, 2);
    assert_date_eq(dates[0], D(2027, 3, 2));
    assert_date_eq(dates[1], D(2027, 3, 4));
    assert_int_equal(items_of(&p, 0, 0, PLAN_REVISION, dates, minutes, 16), 1);
    assert_date_eq(dates[0], D(2027, 3, 5));
    plan_cleanup(&p);
}

static void learn_plan_topic_order(void **state)
{
    plan_input in = school_term();
    plan p = make(&in);
    /* within each material, first study in document order */
    for (size_t m = 0; m < 2; m++)
        for (size_t t = 1; t < two_materials[m].n_topics; t++)
            if (first_study(&p, m, t) <= first_study(&p, m, t - 1)) {
                dump(&p);
                fail_msg("material %zu: topic %zu first studied before topic %zu", m, t, t - 1);
            }
    /* the materials progress together: chemistry starts before biology ends */
    assert_true(first_study(&p, 1, 0) < first_study(&p, 0, 3));
    plan_cleanup(&p);

    /* ten topics in one material, a tight budget: still in order */
    plan_topic many[10];
    for (int i = 0; i < 10; i++)
        many[i] = (plan_topic){NULL, 1000 + 700 * (i % 4), 0.1 * (i % 3)};
    const plan_material mat = {"M", many, 10};
    plan_input tight = {D(2027, 1, 4), D(2027, 1, 20), 40, 0, NULL, 0, &mat, 1};
    p = make(&tight);
    for (size_t t = 1; t < 10; t++)
        assert_true(first_study(&p, 0, t) > first_study(&p, 0, t - 1));
    assert_verified(&tight, &p);
    plan_cleanup(&p);
}

static void learn_plan_revision_block(void **state)
{
    /* twelve topics, 8 minutes of revision each: 96 minutes, more than one
       day's 60; the day before the exam is free, so the block is the two
       study days before it, the last one full */
    plan_topic topics[12];
    for (int i = 0; i < 12; i++)
        topics[i] = (plan_topic){NULL, 3000, 0.5};
    const plan_material mat = {"M", topics, 12};
    const civil_date free_day = {2027, 1, 11};
    plan_input in = {D(2026, 12, 7), D(2027, 1, 12), 60, 0, &free_day, 1, &mat, 1};
    plan p = make(&in);
    int per_day[3] = {0};
    const civil_date block[3] = {D(2027, 1, 8), D(2027, 1, 9), D(2027, 1, 10)};
    civil_date last_study = D(1970, 1, 1);
    for (size_t i = 0; i < p.n_days; i++)
        for (size_t j = 0; j < p.days[i].n_items; j++) {
            const plan_item *it = &p.days[i].items[j];
            if (it->kind == PLAN_STUDY && civil_cmp(p.days[i].date, last_study) > 0)
                last_study = p.days[i].date;
            if (it->kind != PLAN_REVISION)
                continue;
            int k = 0;
            while (k < 3 && civil_cmp(block[k], p.days[i].date) != 0)
                k++;
            if (k == 3) {
                dump(&p);
                fail_msg("revision outside the last study days");
            }
            per_day[k] += it->minutes;
        }
    assert_int_equal(per_day[0], 0);
    assert_int_equal(per_day[1], 36);
    assert_int_equal(per_day[2], 60);
    assert_int_equal(p.revision_minutes, 96);
    assert_true(civil_cmp(last_study, D(2027, 1, 9)) < 0);
    /* each topic revised in full, in order */
    civil_date dates[8];
    int minutes[8];
    for (size_t t = 0; t < 12; t++) {
        size_t n = items_of(&p, 0, t, PLAN_REVISION, dates, minutes, 8);
        assert_true(n >= 1);
        assert_int_equal(sum(minutes, n), 8);
    }
    assert_verified(&in, &p);
    plan_cleanup(&p);
}

static void learn_plan_long_topic_in_parts(void **state)
{
    /* 20000 words, new: 300 minutes of study with a 60-minute budget */
    const plan_topic topics[] = {{"Thermodynamics", 20000, 0.0}, {"Waves", 1500, 0.0}};
    const plan_material mat = {"Physics", topics, 2};
    plan_input in = {D(2027, 6, 1), D(2027, 6, 20), 60, 0, NULL, 0, &mat, 1};
    plan p = make(&in);
    civil_date dates[16];
    int minutes[16];
    size_t n = items_of(&p, 0, 0, PLAN_STUDY, dates, minutes, 16);
    assert_true(n >= 5);
    assert_int_equal(sum(minutes, n), 300);
    for (size_t i = 0; i < n; i++) {
        assert_true(minutes[i] >= PLAN_MIN_STUDY);
        if (i > 0)
            assert_true(civil_cmp(dates[i - 1], dates[i]) < 0);
    }
    civil_date end = dates[n - 1];
    /* parts are numbered, and reviews come after the last one */
    for (size_t i = 0, k = 0; i < p.n_days; i++)
        for (size_t j = 0; j < p.days[i].n_items; j++) {
            const plan_item *it = &p.days[i].items[j];
            if (it->topic == 0 && it->kind == PLAN_STUDY)
                assert_int_equal(it->seq, (int)++k);
        }
    n = items_of(&p, 0, 0, PLAN_REVIEW, dates, minutes, 16);
    assert_true(n >= 1);
    assert_true(civil_cmp(dates[0], end) > 0);
    assert_verified(&in, &p);
    plan_cleanup(&p);
}

static void learn_plan_is_deterministic(void **state)
{
    plan_input in = school_term();
    plan a = make(&in), b = make(&in);
    assert_int_equal(a.n_days, b.n_days);
    for (size_t i = 0; i < a.n_days; i++) {
        assert_int_equal(civil_cmp(a.days[i].date, b.days[i].date), 0);
        assert_int_equal(a.days[i].n_items, b.days[i].n_items);
        assert_memory_equal(a.days[i].items, b.days[i].items, a.days[i].n_items * sizeof *a.days[i].items);
    }
    plan_cleanup(&a);
    plan_cleanup(&b);
}

/* ---- infeasible inputs ---------------------------------------------------------- */

/* 19 topics of 4000 words at half mastery: 40 minutes of study and 10 of
   revision each, 950 minutes in all. */
static plan_topic nineteen[19];
static const plan_material nineteen_mat = {"M", nineteen, 19};

static plan_input needs_950(civil_date exam, int budget)
{
    for (int i = 0; i < 19; i++)
        nineteen[i] = (plan_topic){NULL, 4000, 0.5};
    plan_input in = {D(2026, 12, 7), exam, budget, 0, NULL, 0, &nineteen_mat, 1};
    return in;
}

static int refuse(const plan_input *in, plan_infeasible *why, em_error *err)
{
    plan p;
    em_error_clear(err);
    int rc = plan_make(in, &p, why, err);
    assert_null(p.days);
    assert_int_equal(p.n_days, 0);
    return rc;
}

static void learn_plan_budget_too_small(void **state)
{
    plan_infeasible why;
    em_error err;
    /* ten days to the exam at 26 minutes: needs 95 a day, or 37 days of 26 */
    plan_input in = needs_950(D(2026, 12, 17), 26);
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_string_equal(err.reason, PLAN_REASON_INFEASIBLE);
    assert_int_equal(why.problem, PLAN_BUDGET_TOO_SMALL);
    assert_int_equal(why.needed_minutes, 950);
    assert_int_equal(why.min_daily_minutes, 95);
    assert_true(why.has_earliest_exam);
    assert_date_eq(why.earliest_exam, D(2027, 1, 13));
    assert_string_equal(why.msg, "needs at least 95 minutes a day, or an exam date after 2027-01-12");
    assert_string_equal(err.msg, why.msg);

    /* both fixes are exact: each works, one minute or one day less does not */
    in.daily_minutes = 95;
    plan p = make(&in);
    assert_verified(&in, &p);
    for (size_t i = 0; i < p.n_days; i++)
        assert_true(p.days[i].minutes <= 95);
    plan_cleanup(&p);
    in.daily_minutes = 94;
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_int_equal(why.min_daily_minutes, 95);
    in = needs_950(D(2027, 1, 13), 26);
    p = make(&in);
    assert_verified(&in, &p);
    plan_cleanup(&p);
    in = needs_950(D(2027, 1, 12), 26);
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_int_equal(why.problem, PLAN_BUDGET_TOO_SMALL);
    assert_int_equal(why.min_daily_minutes, 27); /* 950 over 36 days */
    assert_date_eq(why.earliest_exam, D(2027, 1, 13));

    /* weekdays and free dates count: Monday..Friday, Christmas free */
    in = needs_950(D(2026, 12, 17), 26);
    in.weekdays = WEEKDAYS_MON_FRI;
    in.free_dates = christmas;
    in.n_free_dates = 2;
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    /* 12-07..12-16: 8 weekdays; 37 weekdays of 26 minutes from 12-07 without
       Christmas end on 2027-01-28 */
    assert_int_equal(why.min_daily_minutes, 119);
    assert_date_eq(why.earliest_exam, D(2027, 1, 29));
    assert_string_equal(why.msg, "needs at least 119 minutes a day, or an exam date after 2027-01-28");
}

static void learn_plan_infeasible_dates_and_topics(void **state)
{
    plan_infeasible why;
    em_error err;
    /* the exam today, or past: names today and the first date that fits */
    plan_input in = needs_950(D(2026, 12, 7), 100);
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_int_equal(why.problem, PLAN_EXAM_NOT_AHEAD);
    assert_date_eq(why.earliest_exam, D(2026, 12, 17));
    assert_string_equal(why.msg,
                        "the exam date 2026-12-07 is not after today (2026-12-07): needs an exam date after 2026-12-16");
    in.exam = D(2025, 6, 1);
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_int_equal(why.problem, PLAN_EXAM_NOT_AHEAD);

    /* nothing to study: no materials, or materials without topics */
    in = needs_950(D(2027, 1, 1), 60);
    in.n_materials = 0;
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_int_equal(why.problem, PLAN_NO_TOPICS);
    assert_string_equal(err.reason, PLAN_REASON_INFEASIBLE);
    const plan_material empty[2] = {{"A", NULL, 0}, {"B", NULL, 0}};
    in.materials = empty;
    in.n_materials = 2;
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_int_equal(why.problem, PLAN_NO_TOPICS);

    /* Saturdays only, exam on Friday 2026-12-11: no study day before it */
    const plan_topic one = {"Cells", 3000, 0.0}; /* 45 + 8 minutes */
    const plan_material mat = {"Biology", &one, 1};
    plan_input sat = {D(2026, 12, 7), D(2026, 12, 11), 30, 1u << 6, NULL, 0, &mat, 1};
    assert_int_equal(refuse(&sat, &why, &err), EM_E_INVAL);
    assert_int_equal(why.problem, PLAN_NO_STUDY_DAY);
    /* 53 minutes at 30 a day: two Saturdays, 12-12 and 12-19 */
    assert_date_eq(why.earliest_exam, D(2026, 12, 20));
    assert_string_equal(why.msg, "the study weekdays and free dates leave no study day before the exam on "
                                 "2026-12-11: needs an exam date after 2026-12-19");
    /* every day free before the exam */
    const civil_date all_free[] = {{2026, 12, 7}, {2026, 12, 8}, {2026, 12, 9}, {2026, 12, 10}};
    plan_input busy = {D(2026, 12, 7), D(2026, 12, 11), 60, 0, all_free, 4, &mat, 1};
    assert_int_equal(refuse(&busy, &why, &err), EM_E_INVAL);
    assert_int_equal(why.problem, PLAN_NO_STUDY_DAY);
    assert_date_eq(why.earliest_exam, D(2026, 12, 12));
    /* why may be NULL */
    plan p;
    assert_int_equal(plan_make(&busy, &p, NULL, &err), EM_E_INVAL);
}

static void learn_plan_invalid_input(void **state)
{
    plan_topic t = {"T", 1000, 0.5};
    const plan_material mat = {"M", &t, 1};
    plan_input base = {D(2027, 1, 4), D(2027, 2, 1), 60, 0, NULL, 0, &mat, 1};
    plan_infeasible why;
    em_error err;
    plan_input in = base;
    in.daily_minutes = 0;
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_string_equal(err.reason, EM_REASON_VALIDATION);
    in.daily_minutes = PLAN_DAY_MINUTES + 1;
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    in = base;
    in.exam = D(2027, 2, 30);
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_string_equal(err.reason, EM_REASON_VALIDATION);
    in.exam = D(2037, 2, 1); /* more than ten years */
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_string_equal(err.msg, "the exam is more than ten years away");
    in.exam = D(9999, 12, 31); /* a date, past the planner's years */
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_string_equal(err.msg, "the exam is more than ten years away");
    in = base;
    in.weekdays = 0x80;
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    t.mastery = 1.5;
    assert_int_equal(refuse(&base, &why, &err), EM_E_INVAL);
    assert_string_equal(err.msg, "a topic's mastery is not within 0 to 1");
    t.mastery = NAN;
    assert_int_equal(refuse(&base, &why, &err), EM_E_INVAL);
    t.mastery = 0.5;
    t.words = -1;
    assert_int_equal(refuse(&base, &why, &err), EM_E_INVAL);
    t.words = 1000;
    const civil_date bad_free = {2027, 13, 1};
    in = base;
    in.free_dates = &bad_free;
    in.n_free_dates = 1;
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    plan p = make(&base); /* base itself is fine */
    plan_cleanup(&p);
}

/* ---- many inputs -------------------------------------------------------------- */

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* Made-up inputs: every plan made passes the verifier, and every budget that
   was refused works at its suggested minimum and with its suggested exam
   date, and not one minute below. */
static void learn_plan_random_inputs_verify(void **state)
{
    uint64_t seed = 42;
    int made = 0, refused = 0;
    for (int round = 0; round < 300; round++) {
        plan_topic topics[3][8];
        plan_material mats[3];
        civil_date frees[6];
        size_t n_mat = 1 + lcg(&seed) % 3;
        for (size_t m = 0; m < n_mat; m++) {
            size_t nt = 1 + lcg(&seed) % 8;
            for (size_t t = 0; t < nt; t++)
                topics[m][t] = (plan_topic){NULL, (int)(lcg(&seed) % 12000), (double)(lcg(&seed) % 101) / 100.0};
            mats[m] = (plan_material){NULL, topics[m], nt};
        }
        civil_date today = civil_add_days(D(2026, 12, 1), (int64_t)(lcg(&seed) % 400));
        civil_date exam = civil_add_days(today, 1 + (int64_t)(lcg(&seed) % 60));
        size_t n_free = lcg(&seed) % 7;
        for (size_t i = 0; i < n_free; i++)
            frees[i] = civil_add_days(today, (int64_t)(lcg(&seed) % 30));
        unsigned weekdays = (unsigned)(lcg(&seed) % 4 == 0 ? 0 : 1 + lcg(&seed) % 127);
        int budget = 15 + (int)(lcg(&seed) % 120);
        plan_input in = {today, exam, budget, weekdays, frees, n_free, mats, n_mat};
        plan p;
        plan_infeasible why;
        em_error err = {0};
        int rc = plan_make(&in, &p, &why, &err);
        if (rc == EM_OK) {
            assert_verified(&in, &p);
            plan_cleanup(&p);
            made++;
            continue;
        }
        assert_int_equal(rc, EM_E_INVAL);
        assert_string_equal(err.reason, PLAN_REASON_INFEASIBLE);
        refused++;
        if (why.problem != PLAN_BUDGET_TOO_SMALL)
            continue;
        if (why.min_daily_minutes <= PLAN_DAY_MINUTES) {
            plan_input fix = in;
            fix.daily_minutes = why.min_daily_minutes;
            p = make(&fix);
            assert_verified(&fix, &p);
            plan_cleanup(&p);
            fix.daily_minutes--;
            assert_int_equal(plan_make(&fix, &p, NULL, &err), EM_E_INVAL);
        }
        if (why.has_earliest_exam) {
            plan_input fix = in;
            fix.exam = why.earliest_exam;
            p = make(&fix);
            assert_verified(&fix, &p);
            plan_cleanup(&p);
            fix.exam = civil_add_days(why.earliest_exam, -1);
            assert_int_equal(plan_make(&fix, &p, NULL, &err), EM_E_INVAL);
        }
    }
    /* both outcomes were exercised */
    assert_true(made > 50);
    assert_true(refused > 20);
}

/* ---- local today ------------------------------------------------------------- */

static void learn_plan_today_in_the_students_zone(void **state)
{
    /* 2026-12-06T11:30:00Z: already Monday the 7th in Auckland (UTC+13),
       still Sunday the 6th in Los Angeles (UTC-8) */
    int64_t now = civil_to_days(D(2026, 12, 6)) * 86400 + 11 * 3600 + 30 * 60;
    tz_zone *nz = NULL, *la = NULL;
    em_error err = {0};
    assert_int_equal(tz_load("Pacific/Auckland", &nz, &err), EM_OK);
    assert_int_equal(tz_load("America/Los_Angeles", &la, &err), EM_OK);
    const plan_topic t = {"Cells", 3000, 0.0};
    const plan_material mat = {"Biology", &t, 1};
    plan_input in = {D(1970, 1, 1), D(2026, 12, 7), 90, 0, NULL, 0, &mat, 1};

    assert_int_equal(tz_local_date(la, now, &in.today), EM_OK);
    plan p = make(&in); /* one study day: the 6th */
    assert_int_equal(p.n_days, 1);
    assert_date_eq(p.days[0].date, D(2026, 12, 6));
    plan_cleanup(&p);

    assert_int_equal(tz_local_date(nz, now, &in.today), EM_OK);
    plan_infeasible why;
    assert_int_equal(refuse(&in, &why, &err), EM_E_INVAL);
    assert_int_equal(why.problem, PLAN_EXAM_NOT_AHEAD); /* the exam is today there */
    tz_free(nz);
    tz_free(la);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(learn_plan_covers_every_topic_within_the_calendar),
        cmocka_unit_test(learn_plan_mastery_weighting),
        cmocka_unit_test(learn_plan_review_spacing),
        cmocka_unit_test(learn_plan_topic_order),
        cmocka_unit_test(learn_plan_revision_block),
        cmocka_unit_test(learn_plan_long_topic_in_parts),
        cmocka_unit_test(learn_plan_is_deterministic),
        cmocka_unit_test(learn_plan_budget_too_small),
        cmocka_unit_test(learn_plan_infeasible_dates_and_topics),
        cmocka_unit_test(learn_plan_invalid_input),
        cmocka_unit_test(learn_plan_random_inputs_verify),
        cmocka_unit_test(learn_plan_today_in_the_students_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
