/* performance: see performance.h. Attempts are grouped by topic through one
 * array of pointers sorted by (topic, position); each group is then one pass. */
#include "learn/performance.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void perf_report_cleanup(perf_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_topics; i++)
        free(r->topics[i].topic);
    free(r->topics);
    free(r->weakest);
    *r = (perf_report){0};
}

/* ---- counting a sequence of attempts ---- */

typedef struct tally {
    int n, correct; /* attempts, correct ones */
    int timed;      /* attempts with a known time */
    double seconds; /* their sum */
} tally;

static bool known_seconds(double s)
{
    return isfinite(s) && s >= 0.0;
}

static void tally_add(tally *t, const mc_attempt *a)
{
    t->n++;
    t->correct += a->correct;
    if (known_seconds(a->seconds)) {
        t->timed++;
        t->seconds += a->seconds;
    }
}

/* The figures of a sequence v[0..k) (pointers, in time order) into the
 * fields of a topic or of the report. */
typedef struct figures {
    int attempts, correct;
    double accuracy, accuracy_trend, mean_seconds, speed_trend;
} figures;

static figures figures_of(const mc_attempt *const *v, size_t k)
{
    tally all = {0}, early = {0}, late = {0};
    size_t half = k / 2;
    for (size_t j = 0; j < k; j++) {
        tally_add(&all, v[j]);
        if (j < half)
            tally_add(&early, v[j]);
        else if (j >= k - half)
            tally_add(&late, v[j]);
    }
    figures f = {.attempts = all.n, .correct = all.correct, .mean_seconds = -1.0};
    if (all.n > 0)
        f.accuracy = (double)all.correct / all.n;
    if (half > 0)
        f.accuracy_trend = (double)late.correct / late.n - (double)early.correct / early.n;
    if (all.timed > 0)
        f.mean_seconds = all.seconds / all.timed;
    if (early.timed > 0 && late.timed > 0)
        f.speed_trend = late.seconds / late.timed - early.seconds / early.timed;
    return f;
}

/* ---- sorting ---- */

typedef struct ref {
    const mc_attempt *a;
    size_t i; /* position in the input */
} ref;

static int cmp_ref(const void *pa, const void *pb)
{
    const ref *x = pa, *y = pb;
    int c = strcmp(x->a->topic, y->a->topic);
    if (c == 0)
        c = (x->i > y->i) - (x->i < y->i);
    return c;
}

typedef struct group {
    size_t from, to; /* [from, to) in the sorted refs */
    size_t first;    /* position of its first attempt */
} group;

static int cmp_group(const void *pa, const void *pb)
{
    const group *x = pa, *y = pb;
    return (x->first > y->first) - (x->first < y->first);
}

typedef struct start_ref {
    const perf_start *s;
    size_t i;
} start_ref;

static int cmp_start(const void *pa, const void *pb)
{
    const start_ref *x = pa, *y = pb;
    int c = strcmp(x->s->topic, y->s->topic);
    if (c == 0)
        c = (x->i > y->i) - (x->i < y->i);
    return c;
}

/* The start mastery of topic from v[0..n) (sorted by cmp_start), or the prior. */
static double start_of(const bkt_params *p, const start_ref *v, size_t n, const char *topic)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].s->topic, topic) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(v[lo].s->topic, topic) == 0 ? bkt_start(p, v[lo].s->mastery, true) : p->prior;
}

/* Weakest first: lower mastery, then lower accuracy, then earlier first attempt (index). */
typedef struct weak {
    const perf_topic *t;
    size_t i;
} weak;

static int cmp_weak(const void *pa, const void *pb)
{
    const weak *x = pa, *y = pb;
    if (x->t->mastery != y->t->mastery)
        return x->t->mastery < y->t->mastery ? -1 : 1;
    if (x->t->accuracy != y->t->accuracy)
        return x->t->accuracy < y->t->accuracy ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* ---- the analysis ---- */

int perf_analyze_from(const bkt_params *p, const mc_attempt *a, size_t n, const perf_start *start,
                      size_t n_start, perf_report *out, em_error *err)
{
    assert(p != NULL && out != NULL);
    assert(n == 0 || a != NULL);
    assert(n_start == 0 || start != NULL);
    *out = (perf_report){.mean_seconds = -1.0};
    int rc = bkt_params_check(p, err);
    if (rc != EM_OK)
        return rc;
    if (n > PERF_MAX_ATTEMPTS)
        return em_error_set(err, EM_E_TOO_LARGE, "too many attempts (at most %d)", PERF_MAX_ATTEMPTS);
    for (size_t i = 0; i < n; i++)
        if (a[i].topic == NULL)
            return em_error_set(err, EM_E_INVAL, "attempt %zu has no topic", i + 1);
    for (size_t i = 0; i < n_start; i++) {
        if (start[i].topic == NULL)
            return em_error_set(err, EM_E_INVAL, "start mastery %zu has no topic", i + 1);
        if (!(start[i].mastery >= 0.0 && start[i].mastery <= 1.0))
            return em_error_set(err, EM_E_INVAL, "start mastery %zu is outside 0..1", i + 1);
    }
    if (n == 0)
        return EM_OK;

    ref *refs = em_malloc(n * sizeof *refs);
    const mc_attempt **seq = em_malloc(n * sizeof *seq);
    group *groups = em_malloc(n * sizeof *groups);
    start_ref *starts = em_malloc((n_start == 0 ? 1 : n_start) * sizeof *starts);
    for (size_t i = 0; i < n; i++)
        refs[i] = (ref){&a[i], i};
    qsort(refs, n, sizeof *refs, cmp_ref);
    for (size_t i = 0; i < n_start; i++)
        starts[i] = (start_ref){&start[i], i};
    qsort(starts, n_start, sizeof *starts, cmp_start);

    size_t n_groups = 0;
    for (size_t s = 0; s < n;) {
        size_t e = s + 1;
        while (e < n && strcmp(refs[e].a->topic, refs[s].a->topic) == 0)
            e++;
        groups[n_groups++] = (group){s, e, refs[s].i};
        s = e;
    }
    qsort(groups, n_groups, sizeof *groups, cmp_group);

    out->topics = em_calloc(n_groups, sizeof *out->topics);
    out->n_topics = n_groups;
    for (size_t g = 0; g < n_groups; g++) {
        size_t k = groups[g].to - groups[g].from;
        double mastery = start_of(p, starts, n_start, refs[groups[g].from].a->topic);
        for (size_t j = 0; j < k; j++) {
            seq[j] = refs[groups[g].from + j].a;
            mastery = bkt_update(p, mastery, seq[j]->correct);
        }
        figures f = figures_of(seq, k);
        out->topics[g] = (perf_topic){
            .topic = em_strdup(seq[0]->topic),
            .mastery = mastery,
            .mastered = bkt_mastered(mastery),
            .attempts = f.attempts,
            .correct = f.correct,
            .accuracy = f.accuracy,
            .accuracy_trend = f.accuracy_trend,
            .mean_seconds = f.mean_seconds,
            .speed_trend = f.speed_trend,
        };
    }

    for (size_t i = 0; i < n; i++)
        seq[i] = &a[i];
    figures all = figures_of(seq, n);
    out->attempts = all.attempts;
    out->correct = all.correct;
    out->accuracy = all.accuracy;
    out->accuracy_trend = all.accuracy_trend;
    out->mean_seconds = all.mean_seconds;
    out->speed_trend = all.speed_trend;

    weak *w = em_malloc(n_groups * sizeof *w);
    size_t n_w = 0;
    for (size_t g = 0; g < n_groups; g++)
        if (!out->topics[g].mastered)
            w[n_w++] = (weak){&out->topics[g], g};
    qsort(w, n_w, sizeof *w, cmp_weak);
    out->n_weakest = n_w < PERF_WEAKEST_MAX ? n_w : PERF_WEAKEST_MAX;
    out->weakest = em_malloc((out->n_weakest == 0 ? 1 : out->n_weakest) * sizeof *out->weakest);
    for (size_t i = 0; i < out->n_weakest; i++)
        out->weakest[i] = w[i].i;

    free(w);
    free(starts);
    free(groups);
    free(seq);
    free(refs);
    return EM_OK;
}

int perf_analyze(const bkt_params *p, const mc_attempt *a, size_t n, perf_report *out, em_error *err)
{
    return perf_analyze_from(p, a, n, NULL, 0, out, err);
}
