/* misconceptions: see misconceptions.h; docs/internals/model.md has the rules' reasons.
 *
 * Each attempt's answer and key are first reduced to their compared form
 * (stems of the words that are not stop words, joined by one space). The
 * rules then work on arrays of pointers to the attempts sorted by (topic,
 * answer, key, position), so every rule is a pass over runs of equal
 * entries plus binary searches: O(n log n) whatever the input. */
#include "learn/misconceptions.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "learn/grade.h"

const char *mc_kind_name(mc_kind k)
{
    switch (k) {
    case MC_REPEATED_WRONG_OPTION: return "repeated_wrong_option";
    case MC_SWAPPED_TERMS: return "swapped_terms";
    case MC_FORGOTTEN_AFTER_MASTERY: return "forgotten_after_mastery";
    case MC_OTHER_QUESTIONS_KEY: return "other_questions_key";
    }
    return "unknown";
}

static void found_cleanup(mc_found *f)
{
    free(f->topic);
    free(f->description);
    free(f->advice);
    free(f->key);
    *f = (mc_found){0};
}

void mc_list_cleanup(mc_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        found_cleanup(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

void mc_list_keep_since(mc_list *l, size_t first)
{
    size_t kept = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i].latest >= first)
            l->items[kept++] = l->items[i];
        else
            found_cleanup(&l->items[i]);
    }
    l->n = kept;
}

/* ---- compared forms ---- */

/* The compared form of an answer or key into *out: owned, or NULL when it
 * has no words. `norm` is its form as given (stored with it), used as is;
 * without one the form is worked out from `text`. */
static char *compared_form(const char *norm, const char *text)
{
    if (norm != NULL)
        return norm[0] != '\0' ? em_strdup(norm) : NULL;
    if (text == NULL)
        return NULL;
    char form[GRADE_NORM_MAX];
    size_t len = grade_normalize(text, strlen(text), form, sizeof form);
    return len > 0 ? em_strdup(form) : NULL;
}

/* s quoted for the student: at most MC_QUOTE_MAX bytes (cut on a character,
 * "..." added), control characters as spaces. Owned. */
static char *quote(const char *s)
{
    if (s == NULL)
        s = "";
    size_t len = strlen(s);
    size_t cut = utf8_cut(s, len, MC_QUOTE_MAX);
    char *q = em_malloc(cut + 4);
    for (size_t i = 0; i < cut; i++) {
        unsigned char c = (unsigned char)s[i];
        q[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    if (cut < len) {
        memcpy(q + cut, "...", 4);
    } else {
        q[cut] = '\0';
    }
    return q;
}

/* ---- the attempts as the rules see them ---- */

typedef struct att {
    const mc_attempt *a; /* borrowed */
    size_t i;            /* position in the input */
    char *g, *e;         /* owned compared forms of the answer and the key; NULL: none */
} att;

typedef struct keyc {
    const mc_key *k; /* borrowed */
    char *c;         /* owned compared form of the key */
} keyc;

/* NULL sorts first. */
static int cmp_str(const char *x, const char *y)
{
    if (x == NULL || y == NULL)
        return (x != NULL) - (y != NULL);
    return strcmp(x, y);
}

/* (topic, answer, key) of two attempts. */
static int cmp_tge(const att *x, const att *y)
{
    int c = strcmp(x->a->topic, y->a->topic);
    if (c == 0)
        c = cmp_str(x->g, y->g);
    if (c == 0)
        c = cmp_str(x->e, y->e);
    return c;
}

static int cmp_tge_i(const void *pa, const void *pb)
{
    const att *x = *(const att *const *)pa, *y = *(const att *const *)pb;
    int c = cmp_tge(x, y);
    if (c == 0)
        c = (x->i > y->i) - (x->i < y->i);
    return c;
}

static int cmp_topic_i(const void *pa, const void *pb)
{
    const att *x = *(const att *const *)pa, *y = *(const att *const *)pb;
    int c = strcmp(x->a->topic, y->a->topic);
    if (c == 0)
        c = (x->i > y->i) - (x->i < y->i);
    return c;
}

static int cmp_key(const void *pa, const void *pb)
{
    const keyc *x = pa, *y = pb;
    return strcmp(x->c, y->c);
}

/* The position of the first of v[0..n) (sorted by cmp_tge_i) whose (topic,
 * answer, key) is (topic, g, e), or n when there is none. */
static size_t find_tge(att *const *v, size_t n, const char *topic, const char *g, const char *e)
{
    const mc_attempt probe_a = {.topic = topic};
    const att probe = {.a = &probe_a, .g = (char *)g, .e = (char *)e};
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_tge(v[mid], &probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && cmp_tge(v[lo], &probe) == 0 ? lo : n;
}

/* The latest attempt of the run of equal (topic, answer, key) starting at
 * v[s] (sorted by cmp_tge_i: the run's last). */
static size_t run_latest(att *const *v, size_t n, size_t s)
{
    size_t e = s;
    while (e + 1 < n && cmp_tge(v[e + 1], v[s]) == 0)
        e++;
    return v[e]->i;
}

/* ---- findings of one rule, ordered by the attempt that completes each ---- */

typedef struct pend {
    size_t order;
    mc_found f;
} pend;

typedef struct pending {
    pend *v;
    size_t n, cap;
} pending;

/* order: the attempt completing the finding (findings come out in that
 * order); latest: the latest attempt of its evidence (mc_found.latest). */
static void pending_push(pending *p, size_t order, size_t latest, mc_kind kind, const char *topic,
                         char *description, char *advice, char *key)
{
    if (p->n == p->cap) {
        p->cap = p->cap == 0 ? 8 : 2 * p->cap;
        p->v = em_realloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n++] = (pend){order, {kind, em_strdup(topic), description, advice, key, latest}};
}

static int cmp_pend(const void *pa, const void *pb)
{
    const pend *x = pa, *y = pb;
    return (x->order > y->order) - (x->order < y->order);
}

/* Moves p's findings to the end of out in order; p is empty afterwards. */
static void pending_flush(pending *p, mc_list *out)
{
    if (p->n > 0) {
        qsort(p->v, p->n, sizeof *p->v, cmp_pend);
        out->items = em_realloc(out->items, (out->n + p->n) * sizeof *out->items);
        for (size_t i = 0; i < p->n; i++)
            out->items[out->n++] = p->v[i].f;
    }
    free(p->v);
    *p = (pending){0};
}

/* The text to show for an attempt's answer. */
static const char *given_shown(const mc_attempt *a)
{
    return a->given_text != NULL ? a->given_text : a->given_norm;
}

static const char *times(size_t n, char tmp[32])
{
    if (n == 2)
        return "twice";
    snprintf(tmp, 32, "%zu times", n);
    return tmp;
}

/* ---- the rules ---- */

/* The same wrong option text chosen MC_REPEAT_MIN or more times in a topic.
 * v: wrong choice attempts with an answer, sorted by cmp_tge_i. */
static void rule_repeated(att *const *v, size_t n, pending *out)
{
    for (size_t s = 0; s < n;) {
        size_t e = s + 1;
        while (e < n && strcmp(v[e]->a->topic, v[s]->a->topic) == 0 && strcmp(v[e]->g, v[s]->g) == 0)
            e++;
        size_t count = e - s;
        if (count >= MC_REPEAT_MIN) {
            /* The attempt completing the pattern: the MC_REPEAT_MIN-th by position. */
            size_t first[MC_REPEAT_MIN];
            size_t nf = 0;
            for (size_t j = s; j < e; j++) {
                size_t at = v[j]->i, k = nf < MC_REPEAT_MIN ? nf++ : MC_REPEAT_MIN;
                while (k > 0 && first[k - 1] > at) {
                    if (k < MC_REPEAT_MIN)
                        first[k] = first[k - 1];
                    k--;
                }
                if (k < MC_REPEAT_MIN)
                    first[k] = at;
            }
            /* The distinct keys (runs of equal e within the group), three named at most. */
            const char *shown[3];
            size_t n_keys = 0;
            for (size_t j = s; j < e; j++)
                if (v[j]->e != NULL && (j == s || cmp_str(v[j]->e, v[j - 1]->e) != 0)) {
                    if (n_keys < 3)
                        shown[n_keys] = v[j]->a->expected_text;
                    n_keys++;
                }
            const mc_attempt *a = v[s]->a;
            char *g = quote(given_shown(a)), *t = quote(a->topic), tmp[32];
            buf d;
            buf_init(&d, 4096);
            buf_printf(&d, "You chose '%s' %s in '%s'", g, times(count, tmp), t);
            for (size_t k = 0; k < n_keys && k < 3; k++) {
                char *q = quote(shown[k]);
                const char *lead = k == 0
                                       ? (n_keys == 1 ? " where the answer was" : " where the answers were")
                                   : (k + 1 == n_keys && n_keys <= 3) ? " and"
                                                                      : ",";
                buf_printf(&d, "%s '%s'", lead, q);
                free(q);
            }
            if (n_keys > 3)
                buf_printf(&d, " and %zu more", n_keys - 3);
            buf_append_str(&d, ".");
            char *advice;
            if (n_keys > 0) {
                char *k0 = quote(shown[0]);
                advice = em_asprintf("Reread '%s' and compare '%s' with '%s': what makes '%s' the answer?", t,
                                     g, k0, k0);
                free(k0);
            } else {
                advice = em_asprintf("Reread '%s' and check what '%s' means before choosing it again.", t, g);
            }
            char *key = em_asprintf("%s|%s|%s", mc_kind_name(MC_REPEATED_WRONG_OPTION), v[s]->g, a->topic);
            size_t latest = 0;
            for (size_t j = s; j < e; j++)
                latest = v[j]->i > latest ? v[j]->i : latest;
            pending_push(out, first[MC_REPEAT_MIN - 1], latest, MC_REPEATED_WRONG_OPTION, a->topic,
                         buf_steal(&d), advice, key);
            buf_cleanup(&d);
            free(g);
            free(t);
        }
        s = e;
    }
}

/* Two terms of a topic swapped both ways. v: wrong attempts with an answer
 * and a key that differ, sorted by cmp_tge_i. */
static void rule_swapped(att *const *v, size_t n, pending *out)
{
    for (size_t s = 0; s < n; s++) {
        if (s > 0 && cmp_tge(v[s], v[s - 1]) == 0)
            continue; /* the first of each run only */
        if (strcmp(v[s]->g, v[s]->e) >= 0)
            continue; /* each pair once, from its smaller side */
        size_t b = find_tge(v, n, v[s]->a->topic, v[s]->e, v[s]->g);
        if (b == n)
            continue;
        const att *back = v[b];
        const mc_attempt *a = v[s]->a;
        char *x = quote(given_shown(a)), *y = quote(a->expected_text), *t = quote(a->topic);
        char *description = em_asprintf(
            "You answered '%s' where the answer was '%s', and '%s' where the answer was '%s'.", x, y, y, x);
        char *advice = em_asprintf("Reread '%s' and '%s' in '%s' side by side and write down one difference "
                                   "between them.",
                                   x, y, t);
        char *key = em_asprintf("%s|%s|%s|%s", mc_kind_name(MC_SWAPPED_TERMS), v[s]->g, v[s]->e, a->topic);
        size_t order = v[s]->i > back->i ? v[s]->i : back->i;
        size_t here = run_latest(v, n, s), there = run_latest(v, n, b);
        pending_push(out, order, here > there ? here : there, MC_SWAPPED_TERMS, a->topic, description, advice,
                     key);
        free(x);
        free(y);
        free(t);
    }
}

/* A topic answered wrong MC_FORGOTTEN_WRONG times in a row after its BKT
 * mastery reached BKT_MASTERED. v: all attempts sorted by cmp_topic_i. */
static void rule_forgotten(const bkt_params *p, att *const *v, size_t n, pending *out)
{
    for (size_t s = 0; s < n;) {
        size_t e = s + 1;
        while (e < n && strcmp(v[e]->a->topic, v[s]->a->topic) == 0)
            e++;
        double k = p->prior;
        bool mastered = false;
        int wrong = 0;
        for (size_t j = s; j < e; j++) {
            bool ok = v[j]->a->correct;
            k = bkt_update(p, k, ok);
            if (mastered) {
                wrong = ok ? 0 : wrong + 1;
                if (wrong == MC_FORGOTTEN_WRONG) {
                    const char *topic = v[j]->a->topic;
                    char *t = quote(topic);
                    char *description = em_asprintf(
                        "You had mastered '%s', then answered %d questions on it wrong in a row.", t, wrong);
                    char *advice = em_asprintf("Go over '%s' again now: a short review brings it back faster "
                                               "than learning it anew later.",
                                               t);
                    char *key = em_asprintf("%s|%s", mc_kind_name(MC_FORGOTTEN_AFTER_MASTERY), topic);
                    pending_push(out, v[j]->i, v[j]->i, MC_FORGOTTEN_AFTER_MASTERY, topic, description,
                                 advice, key);
                    free(t);
                    break;
                }
            } else if (bkt_mastered(k)) {
                mastered = true;
            }
        }
        s = e;
    }
}

/* A written wrong answer that is another question's key. w: the written
 * attempts of all (the swapped rule's input, also sorted by cmp_tge_i);
 * keys sorted by cmp_key. */
static void rule_other_key(att *const *all, size_t n_all, att *const *w, size_t n, const keyc *keys,
                           size_t n_keys, pending *out)
{
    for (size_t s = 0; s < n; s++) {
        if (s > 0 && cmp_tge(w[s], w[s - 1]) == 0)
            continue;
        const mc_attempt *a = w[s]->a;
        if (find_tge(all, n_all, a->topic, w[s]->e, w[s]->g) != n_all)
            continue; /* swapped both ways: the swapped rule names it */
        size_t lo = 0, hi = n_keys;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(keys[mid].c, w[s]->g) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        const mc_key *hit = NULL;
        for (size_t j = lo; j < n_keys && strcmp(keys[j].c, w[s]->g) == 0; j++) {
            const char *qk = keys[j].k->question_id;
            if (qk == NULL || a->question_id == NULL || strcmp(qk, a->question_id) != 0) {
                hit = keys[j].k;
                break;
            }
        }
        if (hit == NULL)
            continue;
        /* where the other question is: its topic when it is another one
           (its key term is the very answer written, no news to the student) */
        const char *elsewhere = hit->topic != NULL && strcmp(hit->topic, a->topic) != 0 ? hit->topic : NULL;
        char *x = quote(given_shown(a)), *y = quote(a->expected_text), *t = quote(a->topic);
        char *description;
        if (elsewhere != NULL) {
            char *q = quote(elsewhere);
            description =
                em_asprintf("You wrote '%s' where the answer was '%s'; '%s' is the answer to another "
                            "question, in '%s'.",
                            x, y, x, q);
            free(q);
        } else {
            description =
                em_asprintf("You wrote '%s' where the answer was '%s'; '%s' is the answer to another "
                            "question on this topic.",
                            x, y, x);
        }
        char *advice = em_asprintf(
            "Look up '%s' and '%s' in '%s' and note what each one means: they are not the same.", x, y, t);
        char *key =
            em_asprintf("%s|%s|%s|%s", mc_kind_name(MC_OTHER_QUESTIONS_KEY), w[s]->g, w[s]->e, a->topic);
        pending_push(out, w[s]->i, run_latest(w, n, s), MC_OTHER_QUESTIONS_KEY, a->topic, description, advice,
                     key);
        free(x);
        free(y);
        free(t);
    }
}

/* ---- detection ---- */

int mc_detect(const bkt_params *p, const mc_attempt *a, size_t n, const mc_key *keys, size_t n_keys,
              mc_list *out, em_error *err)
{
    assert(p != NULL && out != NULL);
    assert(n == 0 || a != NULL);
    assert(n_keys == 0 || keys != NULL);
    *out = (mc_list){0};
    int rc = bkt_params_check(p, err);
    if (rc != EM_OK)
        return rc;
    if (n > MC_MAX_ATTEMPTS)
        return em_error_set(err, EM_E_TOO_LARGE, "too many attempts (at most %d)", MC_MAX_ATTEMPTS);
    if (n_keys > MC_MAX_KEYS)
        return em_error_set(err, EM_E_TOO_LARGE, "too many question keys (at most %d)", MC_MAX_KEYS);
    for (size_t i = 0; i < n; i++)
        if (a[i].topic == NULL)
            return em_error_set(err, EM_E_INVAL, "attempt %zu has no topic", i + 1);
    if (n == 0)
        return EM_OK;

    /* Taken in stages; everything below is freed at the end. */
    att *at = em_calloc(n, sizeof *at);
    keyc *kc = em_calloc(n_keys == 0 ? 1 : n_keys, sizeof *kc);
    att **by_topic = em_calloc(n, sizeof *by_topic);
    att **choice = em_calloc(n, sizeof *choice);
    att **wrong = em_calloc(n, sizeof *wrong);
    att **written = em_calloc(n, sizeof *written);
    size_t n_kc = 0, n_choice = 0, n_wrong = 0, n_written = 0;
    pending found = {0};

    for (size_t i = 0; i < n; i++) {
        at[i].a = &a[i];
        at[i].i = i;
        by_topic[i] = &at[i];
        if (a[i].correct)
            continue; /* only wrong answers are compared */
        at[i].g = compared_form(a[i].given_norm, given_shown(&a[i]));
        at[i].e = compared_form(a[i].expected_norm, a[i].expected_text);
        if (at[i].g == NULL)
            continue;
        if (a[i].choice)
            choice[n_choice++] = &at[i];
        if (at[i].e != NULL && strcmp(at[i].g, at[i].e) != 0)
            wrong[n_wrong++] = &at[i];
    }
    for (size_t i = 0; i < n_keys; i++) {
        char *c = compared_form(keys[i].key_norm, keys[i].key_text);
        if (c != NULL)
            kc[n_kc++] = (keyc){&keys[i], c};
    }
    qsort(by_topic, n, sizeof *by_topic, cmp_topic_i);
    qsort(choice, n_choice, sizeof *choice, cmp_tge_i);
    qsort(wrong, n_wrong, sizeof *wrong, cmp_tge_i);
    qsort(kc, n_kc, sizeof *kc, cmp_key);
    for (size_t i = 0; i < n_wrong; i++)
        if (!wrong[i]->a->choice)
            written[n_written++] = wrong[i];

    rule_repeated(choice, n_choice, &found);
    pending_flush(&found, out);
    rule_swapped(wrong, n_wrong, &found);
    pending_flush(&found, out);
    rule_forgotten(p, by_topic, n, &found);
    pending_flush(&found, out);
    rule_other_key(wrong, n_wrong, written, n_written, kc, n_kc, &found);
    pending_flush(&found, out);

    for (size_t i = 0; i < n; i++) {
        free(at[i].g);
        free(at[i].e);
    }
    for (size_t i = 0; i < n_kc; i++)
        free(kc[i].c);
    free(written);
    free(wrong);
    free(choice);
    free(by_topic);
    free(kc);
    free(at);
    return rc;
}

bool mc_resolved(const bkt_params *p, const char *topic, int64_t detected_ms, double mastery_at_detection,
                 const mc_attempt *a, size_t n)
{
    assert(p != NULL && bkt_params_check(p, NULL) == EM_OK);
    assert(n == 0 || a != NULL);
    if (topic == NULL)
        return false;
    double k = mastery_at_detection;
    if (!(k >= 0.0)) /* NaN too */
        k = 0.0;
    if (k > 1.0)
        k = 1.0;
    int correct = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i].topic == NULL || a[i].at_ms <= detected_ms || strcmp(a[i].topic, topic) != 0)
            continue;
        k = bkt_update(p, k, a[i].correct);
        correct += a[i].correct;
    }
    return correct >= MC_RESOLVE_CORRECT && bkt_mastered(k);
}
