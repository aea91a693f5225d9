/* verify: see verify.h.
 *
 * One pass over the plan gathers, per topic, where its first study is (day,
 * then place in the day), the day its study ends and whether it is revised;
 * the checks then compare. Items whose day is not a date or whose topic is
 * not in the materials are reported once and left out of the other checks. */
#include "learn/verify.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"

static const char *const rule_names[VERIFY_RULES] = {
    "coverage", "budget", "calendar", "reviews", "revision", "order",
};

const char *verify_rule_name(verify_rule rule)
{
    assert(rule >= 0 && rule < VERIFY_RULES);
    return rule_names[rule];
}

static const char *const weekday_names[7] = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};

/* Where an item is: the day number, then the day's and the item's places. */
typedef struct place {
    int64_t day;
    size_t i, j;
} place;

static int place_cmp(place a, place b)
{
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    if (a.i != b.i)
        return a.i < b.i ? -1 : 1;
    return a.j < b.j ? -1 : a.j > b.j;
}

typedef struct topic_state {
    bool studied;        /* a first study item (or, mastered, a review) */
    bool has_study;      /* a PLAN_STUDY item */
    place first;         /* of the first study */
    int64_t study_end;   /* day of the last PLAN_STUDY item */
    bool revised;        /* a revision before the exam */
} topic_state;

typedef struct ctx {
    const plan_input *in;
    verify_report *r;
    size_t *offset;      /* flat index of each material's first topic */
    topic_state *ts;
} ctx;

static void add(ctx *c, verify_rule rule, const civil_date *date, long material, long topic, const char *fmt,
                ...) __attribute__((format(printf, 6, 7)));

static void add(ctx *c, verify_rule rule, const civil_date *date, long material, long topic, const char *fmt, ...)
{
    verify_check *ch = &c->r->checks[rule];
    ch->ok = false;
    c->r->ok = false;
    ch->n_total++;
    if (ch->n == VERIFY_MAX_VIOLATIONS)
        return;
    if (ch->v == NULL)
        ch->v = em_calloc(VERIFY_MAX_VIOLATIONS, sizeof *ch->v);
    verify_violation *v = &ch->v[ch->n++];
    v->has_date = date != NULL;
    if (date != NULL)
        v->date = *date;
    v->material = material;
    v->topic = topic;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->what, sizeof v->what, fmt, ap);
    va_end(ap);
}

/* The topic's name for messages, into buf. */
static const char *topic_name(const ctx *c, size_t m, size_t t, char *buf, size_t len)
{
    const char *name = c->in->materials[m].topics[t].name;
    if (name != NULL) /* at most 60 bytes, cut at a character */
        snprintf(buf, len, "\"%.*s\"", (int)utf8_cut(name, strnlen(name, 4096), 60), name);
    else
        snprintf(buf, len, "topic %zu of material %zu", t + 1, m + 1);
    return buf;
}

static const char *kind_word(plan_kind k)
{
    return k == PLAN_STUDY ? "study" : k == PLAN_REVIEW ? "review" : "revision";
}

static bool mastered(const ctx *c, size_t m, size_t t)
{
    return c->in->materials[m].topics[t].mastery >= PLAN_MASTERED;
}

static int check_input(const plan_input *in, em_error *err)
{
    if (!civil_valid(in->today) || !civil_valid(in->exam) || in->daily_minutes < 1 ||
        in->daily_minutes > PLAN_DAY_MINUTES || in->weekdays > 0x7f ||
        in->n_free_dates > PLAN_MAX_FREE_DATES || (in->n_free_dates > 0 && in->free_dates == NULL) ||
        in->n_materials > PLAN_MAX_MATERIALS || (in->n_materials > 0 && in->materials == NULL))
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "the plan's inputs are out of range");
    size_t total = 0;
    for (size_t i = 0; i < in->n_free_dates; i++)
        if (!civil_valid(in->free_dates[i]))
            return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "a free date is not a date");
    for (size_t m = 0; m < in->n_materials; m++) {
        const plan_material *pm = &in->materials[m];
        if (pm->n_topics > PLAN_MAX_TOPICS - total || (pm->n_topics > 0 && pm->topics == NULL))
            return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "too many topics");
        total += pm->n_topics;
        for (size_t t = 0; t < pm->n_topics; t++)
            if (!(pm->topics[t].mastery >= 0.0 && pm->topics[t].mastery <= 1.0))
                return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "a mastery is not within 0 to 1");
    }
    return EM_OK;
}

static bool is_free(const plan_input *in, civil_date d)
{
    for (size_t i = 0; i < in->n_free_dates; i++)
        if (civil_cmp(in->free_dates[i], d) == 0)
            return true;
    return false;
}

/* Whether item j of day i names a topic of the materials and a known kind;
 * reports it under coverage when not. */
static bool item_known(ctx *c, const plan_day *d, const plan_item *it, const civil_date *date)
{
    if (it->material >= c->in->n_materials || it->topic >= c->in->materials[it->material].n_topics) {
        add(c, VERIFY_COVERAGE, date, -1, -1, "an item names topic %zu of material %zu, which is not in the materials",
            it->topic + 1, it->material + 1);
        return false;
    }
    if (it->kind != PLAN_STUDY && it->kind != PLAN_REVIEW && it->kind != PLAN_REVISION) {
        add(c, VERIFY_COVERAGE, date, (long)it->material, (long)it->topic, "an item is of no known kind");
        return false;
    }
    (void)d;
    return true;
}

/* The calendar and budget checks of one day, and what it tells about topics. */
static void scan_day(ctx *c, const plan *p, size_t i, int64_t *prev_day, int64_t *last_first_study)
{
    const plan_input *in = c->in;
    const plan_day *d = &p->days[i];
    const civil_date *date = &d->date;
    char ds[CIVIL_TEXT_MAX], name[96];
    if (d->n_items == 0)
        return;
    if (d->items == NULL) {
        add(c, VERIFY_CALENDAR, date, -1, -1, "a day says it has %zu items and holds none", d->n_items);
        return;
    }
    if (!civil_valid(*date)) {
        add(c, VERIFY_CALENDAR, date, -1, -1, "a day of the plan is not a date (%d-%d-%d)", date->year,
            date->month, date->day);
        return;
    }
    civil_format(*date, ds);
    int64_t day = civil_to_days(*date);
    if (*prev_day != INT64_MIN && day <= *prev_day) {
        char ps[CIVIL_TEXT_MAX];
        civil_format(civil_from_days(*prev_day), ps);
        add(c, VERIFY_CALENDAR, date, -1, -1, "%s comes after %s in the plan: days must be in date order, once each",
            ds, ps);
    }
    *prev_day = day > *prev_day ? day : *prev_day;

    const char *why = NULL;
    char wbuf[64];
    unsigned mask = in->weekdays == 0 ? 0x7f : in->weekdays;
    if (civil_cmp(*date, in->today) < 0)
        why = "before today";
    else if (civil_cmp(*date, in->exam) >= 0)
        why = civil_cmp(*date, in->exam) == 0 ? "on the exam day" : "after the exam";
    else if (is_free(in, *date))
        why = "on a free date";
    else if (!(mask >> civil_weekday(*date) & 1)) {
        snprintf(wbuf, sizeof wbuf, "on a %s, not a study weekday", weekday_names[civil_weekday(*date)]);
        why = wbuf;
    }

    int64_t total = 0;
    for (size_t j = 0; j < d->n_items; j++) {
        const plan_item *it = &d->items[j];
        if (it->minutes <= 0)
            add(c, VERIFY_BUDGET, date, -1, -1, "an item on %s has %d minutes", ds, it->minutes);
        else
            total += it->minutes;
        if (!item_known(c, d, it, date))
            continue;
        size_t m = it->material, t = it->topic;
        topic_name(c, m, t, name, sizeof name);
        if (why != NULL)
            add(c, VERIFY_CALENDAR, date, (long)m, (long)t, "%s of %s on %s: %s", kind_word(it->kind), name, ds, why);
        topic_state *s = &c->ts[c->offset[m] + t];
        place here = {day, i, j};
        bool first_study = it->kind == PLAN_STUDY || (it->kind == PLAN_REVIEW && mastered(c, m, t));
        if (first_study && (!s->studied || place_cmp(here, s->first) < 0)) {
            s->first = here;
            s->studied = true;
        }
        if (it->kind == PLAN_STUDY) {
            s->has_study = true;
            if (day > s->study_end)
                s->study_end = day;
            if (day > *last_first_study)
                *last_first_study = day;
        }
    }
    if (total > in->daily_minutes)
        add(c, VERIFY_BUDGET, date, -1, -1, "%s holds %lld minutes, over the daily budget of %d", ds,
            (long long)total, in->daily_minutes);
}

/* Reviews and revision items against what scan_day gathered. */
static void check_after_study(ctx *c, const plan *p, int64_t last_first_study)
{
    const plan_input *in = c->in;
    int64_t exam = civil_to_days(in->exam);
    char ds[CIVIL_TEXT_MAX], es[CIVIL_TEXT_MAX], name[96];
    for (size_t i = 0; i < p->n_days; i++) {
        const plan_day *d = &p->days[i];
        if (d->n_items == 0 || d->items == NULL || !civil_valid(d->date))
            continue;
        int64_t day = civil_to_days(d->date);
        civil_format(d->date, ds);
        for (size_t j = 0; j < d->n_items; j++) {
            const plan_item *it = &d->items[j];
            if (it->material >= in->n_materials || it->topic >= in->materials[it->material].n_topics)
                continue;
            size_t m = it->material, t = it->topic;
            topic_state *s = &c->ts[c->offset[m] + t];
            topic_name(c, m, t, name, sizeof name);
            if (it->kind == PLAN_REVIEW) {
                if (day >= exam)
                    add(c, VERIFY_REVIEWS, &d->date, (long)m, (long)t, "review of %s on %s: not before the exam",
                        name, ds);
                if (!s->has_study && !mastered(c, m, t))
                    add(c, VERIFY_REVIEWS, &d->date, (long)m, (long)t,
                        "review of %s on %s, which is never studied", name, ds);
                else if (s->has_study && day <= s->study_end) {
                    civil_format(civil_from_days(s->study_end), es);
                    add(c, VERIFY_REVIEWS, &d->date, (long)m, (long)t,
                        "review of %s on %s: not after its study, which ends on %s", name, ds, es);
                }
            } else if (it->kind == PLAN_REVISION) {
                if (day >= exam) {
                    add(c, VERIFY_REVISION, &d->date, (long)m, (long)t, "revision of %s on %s: not before the exam",
                        name, ds);
                    continue;
                }
                s->revised = true;
                if (s->has_study && day < s->study_end) {
                    civil_format(civil_from_days(s->study_end), es);
                    add(c, VERIFY_REVISION, &d->date, (long)m, (long)t,
                        "revision of %s on %s: before its study ends on %s", name, ds, es);
                } else if (day < last_first_study) {
                    civil_format(civil_from_days(last_first_study), es);
                    add(c, VERIFY_REVISION, &d->date, (long)m, (long)t,
                        "revision of %s on %s: before the last study day, %s; the revision comes last", name, ds,
                        es);
                }
            }
        }
    }
}

void verify_report_cleanup(verify_report *r)
{
    if (r == NULL)
        return;
    for (int k = 0; k < VERIFY_RULES; k++)
        free(r->checks[k].v);
    memset(r, 0, sizeof *r);
}

int verify_plan(const plan_input *in, const plan *p, verify_report *out, em_error *err)
{
    assert(in != NULL && p != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    int rc = check_input(in, err);
    if (rc != EM_OK)
        return rc;
    out->ok = true;
    for (int k = 0; k < VERIFY_RULES; k++) {
        out->checks[k].name = rule_names[k];
        out->checks[k].ok = true;
    }
    ctx c = {in, out, NULL, NULL};
    size_t n = 0;
    c.offset = em_calloc(in->n_materials + 1, sizeof *c.offset);
    for (size_t m = 0; m < in->n_materials; m++) {
        c.offset[m] = n;
        n += in->materials[m].n_topics;
    }
    c.ts = em_calloc(n + 1, sizeof *c.ts);
    for (size_t k = 0; k < n; k++)
        c.ts[k].study_end = INT64_MIN;

    int64_t prev_day = INT64_MIN, last_first_study = INT64_MIN;
    if (p->n_days > 0 && p->days == NULL)
        add(&c, VERIFY_CALENDAR, NULL, -1, -1, "the plan says it has %zu days and holds none", p->n_days);
    else
        for (size_t i = 0; i < p->n_days; i++)
            scan_day(&c, p, i, &prev_day, &last_first_study);
    if (p->days != NULL)
        check_after_study(&c, p, last_first_study);

    char name[96], ds[CIVIL_TEXT_MAX], es[CIVIL_TEXT_MAX];
    for (size_t m = 0; m < in->n_materials; m++) {
        const topic_state *latest = NULL; /* the earlier topic first studied last so far */
        size_t latest_t = 0;
        for (size_t t = 0; t < in->materials[m].n_topics; t++) {
            const topic_state *s = &c.ts[c.offset[m] + t];
            topic_name(&c, m, t, name, sizeof name);
            if (!s->studied) {
                add(&c, VERIFY_COVERAGE, NULL, (long)m, (long)t, "%s is never %s", name,
                    mastered(&c, m, t) ? "studied or reviewed" : "studied");
            }
            if (!s->revised)
                add(&c, VERIFY_REVISION, NULL, (long)m, (long)t, "%s is not revised before the exam", name);
            if (!s->studied)
                continue;
            if (latest != NULL && place_cmp(s->first, latest->first) < 0) {
                char other[96];
                civil_format(civil_from_days(s->first.day), ds);
                civil_format(civil_from_days(latest->first.day), es);
                add(&c, VERIFY_ORDER, &p->days[s->first.i].date, (long)m, (long)t,
                    "%s is first studied on %s, before %s, which comes earlier in the material (%s)", name, ds,
                    topic_name(&c, m, latest_t, other, sizeof other), es);
            } else {
                latest = s;
                latest_t = t;
            }
        }
    }
    free(c.ts);
    free(c.offset);
    return EM_OK;
}
