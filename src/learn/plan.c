/* plan: see plan.h.
 *
 * The days: every study day from today to the day before the exam, each
 * holding the daily budget. The work: each topic's first study and its
 * revision must fit; its reviews fit where there is room.
 *
 * 1. Order. The topics of all materials are merged into one sequence that
 *    keeps each material's document order and lets the materials progress
 *    together: the next topic comes from the material with the smallest share
 *    of its study minutes done so far (ties: the earlier material).
 * 2. Revision. Every topic's revision minutes fill the days from the last one
 *    backwards, so the block takes the fewest last days; its items are then
 *    laid out forwards in sequence order.
 * 3. Study. The minutes left each day before the block take the first study
 *    in sequence order, paced to finish in about two thirds of those days
 *    (more when the budget needs it), so that reviews have room after it: a
 *    day takes topics while its quota (the study minutes over the pacing
 *    days) is not reached, and at least what the later days could not hold,
 *    so everything that fits in total is placed. A topic that fits the day's
 *    room goes whole; a longer one runs over several days in parts of the
 *    quota (at least PLAN_MIN_STUDY), and a new topic is not started on less
 *    than PLAN_MIN_STUDY minutes unless it must be.
 * 4. Reviews. Each studied topic is due for reviews PLAN_REVIEW_OFFSETS days
 *    after the day its study ended; a review goes on the first study day on
 *    or after that (and after the topic's previous review) with room: that
 *    day, or one after it before the next review is due, and always before
 *    the revision block (the revision is the last review). All reviews are placed
 *    in the order of their due day, so none crowds out one due earlier. */
#include "learn/plan.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static const int review_offsets[] = PLAN_REVIEW_OFFSETS;
#define N_OFFSETS (sizeof review_offsets / sizeof review_offsets[0])

/* ---- estimates ------------------------------------------------------------- */

static int reading_minutes(const plan_topic *t)
{
    return (t->words + PLAN_WORDS_PER_MINUTE - 1) / PLAN_WORDS_PER_MINUTE;
}

int plan_review_minutes(const plan_topic *t)
{
    int v = (reading_minutes(t) + PLAN_REVIEW_SHARE - 1) / PLAN_REVIEW_SHARE;
    return v < PLAN_MIN_REVIEW ? PLAN_MIN_REVIEW : v;
}

int plan_study_minutes(const plan_topic *t)
{
    if (t->mastery >= PLAN_MASTERED)
        return plan_review_minutes(t);
    /* 1.5 times the reading time for a new topic, down to 0.55 times just
       below mastered: reading, plus practice for what is not known yet */
    int v = (int)ceil(reading_minutes(t) * (1.5 - t->mastery) - 1e-9);
    return v < PLAN_MIN_STUDY ? PLAN_MIN_STUDY : v;
}

/* ---- the calendar -------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

bool plan_is_study_day(const plan_input *in, civil_date date)
{
    unsigned mask = in->weekdays == 0 ? 0x7f : in->weekdays;
    if (!(mask >> civil_weekday(date) & 1))
        return false;
    for (size_t i = 0; i < in->n_free_dates; i++)
        if (civil_cmp(in->free_dates[i], date) == 0)
            return false;
    return true;
}

typedef struct calendar {
    unsigned mask;    /* study weekdays */
    int64_t *free;    /* owned; sorted day numbers */
    size_t n_free;
} calendar;

static bool cal_study_day(const calendar *c, int64_t day)
{
    if (!(c->mask >> civil_weekday(civil_from_days(day)) & 1))
        return false;
    return bsearch(&day, c->free, c->n_free, sizeof *c->free, cmp_i64) == NULL;
}

/* The last of the study days from `from` on whose budgets add up to `needed`
 * minutes, searching up to PLAN_MAX_DAYS days: true with *last set, or false. */
static bool last_needed_day(const calendar *c, int64_t from, int budget, int64_t needed, int64_t *last)
{
    int64_t have = 0;
    for (int64_t d = from; d < from + PLAN_MAX_DAYS; d++) {
        if (!cal_study_day(c, d))
            continue;
        have += budget;
        if (have >= needed) {
            *last = d;
            return true;
        }
    }
    return false;
}

/* ---- validation ---------------------------------------------------------------- */

static int invalid(em_error *err, const char *what)
{
    return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s", what);
}

static int validate(const plan_input *in, em_error *err)
{
    if (!civil_valid(in->today) || in->today.year > CIVIL_YEAR_MAX - 30)
        return invalid(err, "today is not a date");
    if (!civil_valid(in->exam))
        return invalid(err, "the exam date is not a date");
    if (in->exam.year > CIVIL_YEAR_MAX - 30 || civil_days_between(in->today, in->exam) > PLAN_MAX_DAYS)
        return invalid(err, "the exam is more than ten years away");
    if (in->daily_minutes < 1 || in->daily_minutes > PLAN_DAY_MINUTES)
        return invalid(err, "the daily budget must be 1 to 1440 minutes");
    if (in->weekdays > 0x7f)
        return invalid(err, "the study weekdays are not weekdays");
    if (in->n_free_dates > PLAN_MAX_FREE_DATES || (in->n_free_dates > 0 && in->free_dates == NULL))
        return invalid(err, "too many free dates");
    for (size_t i = 0; i < in->n_free_dates; i++)
        if (!civil_valid(in->free_dates[i]))
            return invalid(err, "a free date is not a date");
    if (in->n_materials > PLAN_MAX_MATERIALS || (in->n_materials > 0 && in->materials == NULL))
        return invalid(err, "too many materials");
    size_t total = 0;
    for (size_t m = 0; m < in->n_materials; m++) {
        const plan_material *pm = &in->materials[m];
        if (pm->n_topics > PLAN_MAX_TOPICS - total || (pm->n_topics > 0 && pm->topics == NULL))
            return invalid(err, "too many topics");
        total += pm->n_topics;
        for (size_t t = 0; t < pm->n_topics; t++) {
            const plan_topic *pt = &pm->topics[t];
            if (pt->words < 0 || pt->words > PLAN_MAX_WORDS)
                return invalid(err, "a topic's length is out of range");
            if (!(pt->mastery >= 0.0 && pt->mastery <= 1.0))
                return invalid(err, "a topic's mastery is not within 0 to 1");
        }
    }
    return EM_OK;
}

/* ---- infeasible inputs -------------------------------------------------------- */

static int infeasible(plan_infeasible *why, em_error *err, plan_infeasible *w)
{
    if (why != NULL)
        *why = *w;
    return em_error_refuse(err, EM_E_INVAL, PLAN_REASON_INFEASIBLE, "%s", w->msg);
}

/* Where the exam could be, as " after YYYY-MM-DD" of the last needed day. */
static void set_earliest(plan_infeasible *w, bool has, int64_t last, char after[CIVIL_TEXT_MAX])
{
    w->has_earliest_exam = has;
    after[0] = '\0';
    if (has) {
        w->earliest_exam = civil_from_days(last + 1);
        civil_format(civil_from_days(last), after);
    }
}

/* ---- making the plan --------------------------------------------------------------- */

typedef struct work_topic {
    size_t material, topic;
    int study, review;   /* minutes of the first study (or a mastered topic's review), of a review */
    bool mastered;
    size_t done;         /* the day (index into days) its study ended */
} work_topic;

typedef struct work_day {
    int64_t day;         /* day number */
    int used;            /* minutes given */
    int revision;        /* minutes kept for the revision */
    plan_item *items;
    size_t n, cap;
} work_day;

static void push(work_day *d, const work_topic *t, plan_kind kind, int minutes, int seq)
{
    if (d->n == d->cap) {
        d->cap = d->cap == 0 ? 8 : d->cap * 2;
        d->items = em_realloc(d->items, d->cap * sizeof *d->items);
    }
    d->items[d->n++] = (plan_item){t->material, t->topic, kind, minutes, seq};
    d->used += minutes;
}

/* The topics of all materials merged (see 1. above) into *out (owned). */
static work_topic *merge_topics(const plan_input *in, size_t n)
{
    work_topic *out = em_calloc(n, sizeof *out);
    size_t *next = em_calloc(in->n_materials, sizeof *next);
    int64_t *done = em_calloc(in->n_materials, sizeof *done);
    int64_t *total = em_calloc(in->n_materials, sizeof *total);
    for (size_t m = 0; m < in->n_materials; m++)
        for (size_t t = 0; t < in->materials[m].n_topics; t++)
            total[m] += plan_study_minutes(&in->materials[m].topics[t]);
    for (size_t k = 0; k < n; k++) {
        size_t best = SIZE_MAX;
        for (size_t m = 0; m < in->n_materials; m++) {
            if (next[m] == in->materials[m].n_topics)
                continue;
            /* done[m] / total[m] < done[best] / total[best] */
            if (best == SIZE_MAX || done[m] * total[best] < done[best] * total[m])
                best = m;
        }
        assert(best != SIZE_MAX);
        const plan_topic *pt = &in->materials[best].topics[next[best]];
        out[k].material = best;
        out[k].topic = next[best]++;
        out[k].study = plan_study_minutes(pt);
        out[k].review = plan_review_minutes(pt);
        out[k].mastered = pt->mastery >= PLAN_MASTERED;
        done[best] += out[k].study;
    }
    free(next);
    free(done);
    free(total);
    return out;
}

/* Step 3: the first study of every topic, days[0..n_days). */
static void place_study(work_day *days, size_t n_days, int budget, work_topic *tp, size_t n)
{
    int64_t remaining = 0;
    for (size_t k = 0; k < n; k++)
        remaining += tp[k].study;
    /* what each day from i on can still take, and how many days take study */
    int64_t *suffix = em_calloc(n_days + 1, sizeof *suffix);
    size_t learning = 0;
    for (size_t i = n_days; i-- > 0;) {
        suffix[i] = suffix[i + 1] + (budget - days[i].revision);
        learning += days[i].revision < budget;
    }
    int64_t pace_days = (int64_t)(2 * learning + 2) / 3;
    if (pace_days < 1)
        pace_days = 1;
    int64_t quota = (remaining + pace_days - 1) / pace_days;

    size_t cur = 0;
    int left = n > 0 ? tp[0].study : 0; /* minutes of topic cur still to place */
    int part = 0;                       /* parts of topic cur placed */
    for (size_t i = 0; i < n_days && remaining > 0; i++) {
        work_day *d = &days[i];
        int64_t room = budget - d->revision;
        int64_t must = remaining - suffix[i + 1];
        int64_t allot = quota > must ? quota : must;
        if (allot > room)
            allot = room;
        int64_t placed = 0;
        while (placed < allot && remaining > 0) {
            /* a topic that fits the day's room goes whole; one that does not
               is cut at the day's quota (at least PLAN_MIN_STUDY) */
            int64_t piece = left;
            if (piece > room - placed) {
                int64_t want = allot - placed > PLAN_MIN_STUDY ? allot - placed : PLAN_MIN_STUDY;
                piece = want < room - placed ? want : room - placed;
            }
            /* no new topic on a sliver of the day, unless the minutes must go here */
            if (part == 0 && piece < left && piece < PLAN_MIN_STUDY && placed >= must)
                break;
            push(d, &tp[cur], tp[cur].mastered ? PLAN_REVIEW : PLAN_STUDY, (int)piece,
                 tp[cur].mastered ? 0 : part + 1);
            placed += piece;
            remaining -= piece;
            left -= (int)piece;
            part++;
            if (left == 0) {
                tp[cur].done = i;
                cur++;
                part = 0;
                left = cur < n ? tp[cur].study : 0;
            }
        }
    }
    assert(remaining == 0 && cur == n);
    free(suffix);
}

/* Step 2's second half: the revision items into the minutes kept for them. */
static void place_revision(work_day *days, size_t n_days, const work_topic *tp, size_t n)
{
    size_t i = 0;
    while (i < n_days && days[i].revision == 0)
        i++;
    int room = i < n_days ? days[i].revision : 0;
    for (size_t k = 0; k < n; k++) {
        int left = tp[k].review, part = 0;
        while (left > 0) {
            while (room == 0) {
                i++;
                assert(i < n_days);
                room = days[i].revision;
            }
            int piece = left < room ? left : room;
            push(&days[i], &tp[k], PLAN_REVISION, piece, ++part);
            left -= piece;
            room -= piece;
        }
    }
}

typedef struct review_due {
    int64_t from, until; /* due day number, and the next review's */
    size_t topic;        /* index into the merged topics */
} review_due;

static int cmp_due(const void *a, const void *b)
{
    const review_due *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->topic < y->topic ? -1 : x->topic > y->topic;
}

/* Step 4: reviews on days[0..first_revision); returns the number skipped. */
static int place_reviews(work_day *days, size_t first_revision, int budget, const work_topic *tp, size_t n)
{
    review_due *due = em_calloc(n * N_OFFSETS + 1, sizeof *due);
    size_t n_due = 0;
    for (size_t k = 0; k < n; k++) {
        if (tp[k].mastered)
            continue;
        int64_t end = days[tp[k].done].day;
        for (size_t o = 0; o < N_OFFSETS; o++) {
            int64_t next = o + 1 < N_OFFSETS ? review_offsets[o + 1] : 2 * review_offsets[o];
            due[n_due++] = (review_due){end + review_offsets[o], end + next, k};
        }
    }
    if (n_due > 1)
        qsort(due, n_due, sizeof *due, cmp_due);
    int *count = em_calloc(n + 1, sizeof *count);
    int64_t *last = em_calloc(n + 1, sizeof *last); /* each topic's latest review or study day */
    for (size_t k = 0; k < n; k++)
        last[k] = days[tp[k].done].day;
    int skipped = 0;
    int64_t block = days[first_revision].day; /* the revision's first day */
    for (size_t r = 0; r < n_due; r++) {
        size_t k = due[r].topic;
        int64_t from = due[r].from > last[k] ? due[r].from : last[k] + 1;
        /* the first study day on or after from */
        size_t lo = 0, hi = first_revision;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (days[mid].day < from)
                lo = mid + 1;
            else
                hi = mid;
        }
        /* that day, and the next ones before the next review is due */
        bool placed = false;
        for (size_t i = lo; i < first_revision && (i == lo || days[i].day < due[r].until); i++) {
            if (budget - days[i].used >= tp[k].review) {
                push(&days[i], &tp[k], PLAN_REVIEW, tp[k].review, ++count[k]);
                last[k] = days[i].day;
                placed = true;
                break;
            }
        }
        if (!placed && from < block)
            skipped++;
    }
    free(last);
    free(count);
    free(due);
    return skipped;
}

void plan_cleanup(plan *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_days; i++)
        free(p->days[i].items);
    free(p->days);
    memset(p, 0, sizeof *p);
}

int plan_make(const plan_input *in, plan *out, plan_infeasible *why, em_error *err)
{
    assert(in != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    if (why != NULL)
        memset(why, 0, sizeof *why);
    int rc = validate(in, err);
    if (rc != EM_OK)
        return rc;

    calendar cal = {in->weekdays == 0 ? 0x7f : in->weekdays, NULL, in->n_free_dates};
    cal.free = em_calloc(cal.n_free + 1, sizeof *cal.free);
    for (size_t i = 0; i < cal.n_free; i++)
        cal.free[i] = civil_to_days(in->free_dates[i]);
    if (cal.n_free > 1)
        qsort(cal.free, cal.n_free, sizeof *cal.free, cmp_i64);

    size_t n = 0;
    int64_t needed = 0;
    for (size_t m = 0; m < in->n_materials; m++) {
        n += in->materials[m].n_topics;
        for (size_t t = 0; t < in->materials[m].n_topics; t++)
            needed += plan_study_minutes(&in->materials[m].topics[t]) +
                      plan_review_minutes(&in->materials[m].topics[t]);
    }
    int64_t today = civil_to_days(in->today), exam = civil_to_days(in->exam);
    int budget = in->daily_minutes;
    work_topic *tp = NULL;
    work_day *days = NULL;
    size_t n_days = 0;
    plan_infeasible w = {0};
    char after[CIVIL_TEXT_MAX], date1[CIVIL_TEXT_MAX], date2[CIVIL_TEXT_MAX];
    int64_t last = 0;

    if (n == 0) {
        w.problem = PLAN_NO_TOPICS;
        snprintf(w.msg, sizeof w.msg, "there is nothing to study: add material with at least one topic");
        rc = infeasible(why, err, &w);
        goto done;
    }
    bool fits = last_needed_day(&cal, today, budget, needed, &last);
    set_earliest(&w, fits, last, after);
    if (exam <= today) {
        w.problem = PLAN_EXAM_NOT_AHEAD;
        civil_format(in->exam, date1);
        civil_format(in->today, date2);
        snprintf(w.msg, sizeof w.msg, "the exam date %s is not after today (%s): %s%s", date1, date2,
                 fits ? "needs an exam date after " : "needs a later exam date", after);
        rc = infeasible(why, err, &w);
        goto done;
    }
    for (int64_t d = today; d < exam; d++)
        n_days += cal_study_day(&cal, d);
    if (n_days == 0) {
        w.problem = PLAN_NO_STUDY_DAY;
        civil_format(in->exam, date1);
        snprintf(w.msg, sizeof w.msg,
                 "the study weekdays and free dates leave no study day before the exam on %s: %s%s", date1,
                 fits ? "needs an exam date after " : "needs more study weekdays or fewer free dates", after);
        rc = infeasible(why, err, &w);
        goto done;
    }
    if (needed > (int64_t)n_days * budget) {
        w.problem = PLAN_BUDGET_TOO_SMALL;
        w.needed_minutes = (int)needed;
        w.min_daily_minutes = (int)((needed + (int64_t)n_days - 1) / (int64_t)n_days);
        int len = snprintf(w.msg, sizeof w.msg, "needs at least %d minutes a day", w.min_daily_minutes);
        if (fits && len > 0 && (size_t)len < sizeof w.msg)
            snprintf(w.msg + len, sizeof w.msg - (size_t)len, ", or an exam date after %s", after);
        rc = infeasible(why, err, &w);
        goto done;
    }

    /* the study days, the revision block from the last one backwards */
    days = em_calloc(n_days, sizeof *days);
    for (int64_t d = today, i = 0; d < exam; d++)
        if (cal_study_day(&cal, d))
            days[i++].day = d;
    tp = merge_topics(in, n);
    int64_t revision = 0;
    for (size_t k = 0; k < n; k++)
        revision += tp[k].review;
    size_t first_revision = n_days;
    for (size_t i = n_days; i-- > 0 && revision > 0;) {
        days[i].revision = (int)(revision < budget ? revision : budget);
        revision -= days[i].revision;
        first_revision = i;
    }
    place_study(days, n_days, budget, tp, n);
    out->reviews_skipped = place_reviews(days, first_revision, budget, tp, n);
    place_revision(days, n_days, tp, n);

    /* the days with items, in date order */
    out->days = em_calloc(n_days, sizeof *out->days);
    for (size_t i = 0; i < n_days; i++) {
        if (days[i].n == 0)
            continue;
        plan_day *pd = &out->days[out->n_days++];
        pd->date = civil_from_days(days[i].day);
        pd->items = days[i].items;
        pd->n_items = days[i].n;
        days[i].items = NULL;
        for (size_t j = 0; j < pd->n_items; j++) {
            const plan_item *it = &pd->items[j];
            pd->minutes += it->minutes;
            if (it->kind == PLAN_STUDY || (it->kind == PLAN_REVIEW && it->seq == 0))
                out->study_minutes += it->minutes;
            else if (it->kind == PLAN_REVIEW)
                out->review_minutes += it->minutes;
            else
                out->revision_minutes += it->minutes;
        }
    }
    rc = EM_OK;
done:
    if (days != NULL)
        for (size_t i = 0; i < n_days; i++)
            free(days[i].items);
    free(days);
    free(tp);
    free(cal.free);
    return rc;
}
