/* FSRS-6, the long-term scheduler of ts-fsrs 5.2.3 (open-spaced-repetition/
 * ts-fsrs, src/fsrs/algorithm.ts and src/fsrs/impl/long_term_scheduler.ts;
 * the formulas are those of the FSRS wiki "The Algorithm", FSRS-6), made to
 * give bit-for-bit the same memory states and intervals: every place where
 * ts-fsrs rounds a value with toFixed(8) rounds it here the same way
 * (fsrs_round_fixed8), Math.round is round_half_up, and elapsed days are UTC
 * calendar days. docs/internals/fsrs.md lists each formula. */
#include "learn/fsrs.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/civil.h"

#define S_MIN 0.001
#define S_MAX 36500.0
#define INIT_S_MIN 0.1

/* The FSRS-6 default weights (ts-fsrs default_w, the same as fsrs-rs and Anki). */
static const double default_w[FSRS_PARAMS] = {
    0.212,  1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001,  1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
};

/* The range ts-fsrs clamps each weight to (CLAMP_PARAMETERS with
 * enable_short_term false and one relearning step, so w17/w18 stop at 2).
 * A weight outside it would be silently changed there; here it is refused. */
static const double w_range[FSRS_PARAMS][2] = {
    {0.001, 100},  {0.001, 100}, {0.001, 100}, {0.001, 100}, {1, 10},    {0.001, 4},    {0.001, 4},
    {0.001, 0.75}, {0, 4.5},     {0, 0.8},     {0.001, 3.5}, {0.001, 5}, {0.001, 0.25}, {0.001, 0.9},
    {0, 4},        {0, 1},       {1, 6},       {0, 2},       {0, 2},     {0, 0.8},      {0.1, 0.8},
};

/* ---- JavaScript arithmetic ---- */

/* Math.round: the nearest integer, halves up (toward +infinity). */
static double round_half_up(double x)
{
    double f = floor(x);
    return x - f >= 0.5 ? f + 1 : f;
}

/* +x.toFixed(8): the decimal with 8 places nearest to the exact value of x
 * (a tie goes away from zero, ECMA-262 Number.prototype.toFixed), read back
 * as the nearest double. n / 1e8 is that double, since the division is
 * correctly rounded and 1e8 exact. n comes from x * 1e8, whose rounding can
 * only matter when it lands near a half; there the exact decimal expansion
 * of x (glibc prints it exactly) decides. */
double fsrs_round_fixed8(double x)
{
    if (!isfinite(x))
        return x;
    double a = fabs(x);
    if (a >= 1e15)
        return x;
    double y = a * 1e8;
    double fl = floor(y);
    double frac = y - fl;
    double n;
    if (fabs(frac - 0.5) > y * 1e-15 + 1e-300) {
        n = frac > 0.5 ? fl + 1 : fl;
    } else {
        char digits[1200];
        int len = snprintf(digits, sizeof digits, "%.1080f", a);
        const char *dot = len > 0 ? strchr(digits, '.') : NULL;
        assert(dot != NULL && strlen(dot) > 9);
        n = fl + (dot[9] >= '5' ? 1 : 0);
    }
    double r = n / 1e8;
    return x < 0 ? -r : r;
}

static double clampd(double v, double lo, double hi)
{
    return fmin(fmax(v, lo), hi);
}

/* ---- parameters ---- */

void fsrs_default_params(fsrs_params *out)
{
    assert(out != NULL);
    memcpy(out->w, default_w, sizeof default_w);
    out->request_retention = FSRS_DEFAULT_RETENTION;
    out->maximum_interval = FSRS_MAX_INTERVAL_DAYS;
    out->enable_fuzz = true;
}

int fsrs_params_check(const fsrs_params *p, em_error *err)
{
    if (p == NULL)
        return em_error_set(err, EM_E_INVAL, "no parameters");
    for (int i = 0; i < FSRS_PARAMS; i++) {
        if (!isfinite(p->w[i]) || p->w[i] < w_range[i][0] || p->w[i] > w_range[i][1])
            return em_error_set(err, EM_E_INVAL, "weight w[%d] must be a number from %g to %g", i,
                                w_range[i][0], w_range[i][1]);
    }
    if (!(p->request_retention > 0 && p->request_retention < 1))
        return em_error_set(err, EM_E_INVAL, "request_retention must lie strictly between 0 and 1");
    if (p->maximum_interval < 1 || p->maximum_interval > FSRS_MAX_INTERVAL_DAYS)
        return em_error_set(err, EM_E_INVAL, "maximum_interval must be 1-%d days", FSRS_MAX_INTERVAL_DAYS);
    return EM_OK;
}

int fsrs_parse_weights(const char *text, double w[FSRS_PARAMS], em_error *err)
{
    if (text == NULL)
        return em_error_set(err, EM_E_INVAL, "weights: expected %d comma-separated numbers", FSRS_PARAMS);
    double tmp[FSRS_PARAMS];
    const char *s = text;
    for (int i = 0; i < FSRS_PARAMS; i++) {
        while (*s == ' ')
            s++;
        /* strtod would take "nan", "inf", hex and leading white space of any kind:
         * only a plain decimal is a weight. */
        const char *q = s;
        if (*q == '-' || *q == '+')
            q++;
        if (!((*q >= '0' && *q <= '9') || *q == '.'))
            return em_error_set(err, EM_E_INVAL, "weights: item %d is not a number", i + 1);
        for (const char *c = q; *c != '\0' && *c != ',' && *c != ' '; c++) {
            if (!((*c >= '0' && *c <= '9') || *c == '.' || *c == 'e' || *c == 'E' || *c == '-' || *c == '+'))
                return em_error_set(err, EM_E_INVAL, "weights: item %d is not a number", i + 1);
        }
        char *end = NULL;
        double v = strtod(s, &end);
        if (end == s || !isfinite(v))
            return em_error_set(err, EM_E_INVAL, "weights: item %d is not a finite number", i + 1);
        tmp[i] = v;
        s = end;
        while (*s == ' ')
            s++;
        if (i + 1 < FSRS_PARAMS) {
            if (*s != ',')
                return em_error_set(err, EM_E_INVAL, "weights: expected %d comma-separated numbers, got %d",
                                    FSRS_PARAMS, i + 1);
            s++;
        }
    }
    if (*s != '\0')
        return em_error_set(err, EM_E_INVAL, "weights: expected %d comma-separated numbers, got more",
                            FSRS_PARAMS);
    memcpy(w, tmp, sizeof tmp);
    return EM_OK;
}

/* ---- the model ---- */

/* DECAY = -w20 and FACTOR = 0.9^(1/DECAY) - 1, rounded as ts-fsrs
 * computeDecayFactor does, so that R(S, S) = 0.9. */
static void decay_factor(const fsrs_params *p, double *decay, double *factor)
{
    *decay = -p->w[20];
    *factor = fsrs_round_fixed8(exp((1.0 / *decay) * log(0.9)) - 1);
}

/* R(t, S) = (1 + FACTOR * t / S)^DECAY (ts-fsrs forgetting_curve). */
static double forgetting_curve(const fsrs_params *p, double t, double s)
{
    double decay, factor;
    decay_factor(p, &decay, &factor);
    return fsrs_round_fixed8(pow(1 + factor * t / s, decay));
}

/* I(r) = (r^(1/DECAY) - 1) / FACTOR: the interval, as a multiple of S, after
 * which recall falls to r (ts-fsrs calculate_interval_modifier). */
static double interval_modifier(const fsrs_params *p)
{
    double decay, factor;
    decay_factor(p, &decay, &factor);
    return fsrs_round_fixed8((pow(p->request_retention, 1 / decay) - 1) / factor);
}

/* D0(G) = w4 - e^(w5 (G - 1)) + 1 (not yet clamped to 1..10). */
static double init_difficulty(const fsrs_params *p, int g)
{
    return fsrs_round_fixed8(p->w[4] - exp((g - 1) * p->w[5]) + 1);
}

/* S0(G) = w[G-1], at least 0.1. */
static double init_stability(const fsrs_params *p, int g)
{
    return fmax(p->w[g - 1], INIT_S_MIN);
}

/* D' = w7 D0(4) + (1 - w7) (D + dD (10 - D) / 9) with dD = -w6 (G - 3):
 * linear damping, then mean reversion toward D0(4), clamped to 1..10. */
static double next_difficulty(const fsrs_params *p, double d, int g)
{
    double delta_d = -p->w[6] * (g - 3);
    double damped = fsrs_round_fixed8(delta_d * (10 - d) / 9);
    double next_d = d + damped;
    double reverted = fsrs_round_fixed8(p->w[7] * init_difficulty(p, 4) + (1 - p->w[7]) * next_d);
    return clampd(reverted, 1, 10);
}

/* S'r = S (1 + e^w8 (11 - D) S^-w9 (e^(w10 (1 - R)) - 1) hard easy), with
 * hard = w15 for a hard grade and easy = w16 for an easy one. */
static double next_recall_stability(const fsrs_params *p, double d, double s, double r, int g)
{
    double hard_penalty = g == FSRS_HARD ? p->w[15] : 1;
    double easy_bonus = g == FSRS_EASY ? p->w[16] : 1;
    double v = s * (1 + exp(p->w[8]) * (11 - d) * pow(s, -p->w[9]) * (exp((1 - r) * p->w[10]) - 1) *
                            hard_penalty * easy_bonus);
    return fsrs_round_fixed8(clampd(v, S_MIN, S_MAX));
}

/* S'f = w11 D^-w12 ((S + 1)^w13 - 1) e^(w14 (1 - R)): stability after a lapse. */
static double next_forget_stability(const fsrs_params *p, double d, double s, double r)
{
    double v = p->w[11] * pow(d, -p->w[12]) * (pow(s + 1, p->w[13]) - 1) * exp((1 - r) * p->w[14]);
    return fsrs_round_fixed8(clampd(v, S_MIN, S_MAX));
}

void fsrs_fuzz_range(double interval, int32_t elapsed_days, int maximum_interval, int32_t *min_ivl,
                     int32_t *max_ivl)
{
    /* ts-fsrs FUZZ_RANGES: +-15% of the part from 2.5 to 7 days, 10% of 7..20,
     * 5% beyond, plus one day. */
    static const double ranges[3][3] = {{2.5, 7, 0.15}, {7, 20, 0.1}, {20, INFINITY, 0.05}};
    double delta = 1;
    for (int i = 0; i < 3; i++)
        delta += ranges[i][2] * fmax(fmin(interval, ranges[i][1]) - ranges[i][0], 0);
    interval = fmin(interval, maximum_interval);
    double lo = fmax(2, round_half_up(interval - delta));
    double hi = fmin(round_half_up(interval + delta), maximum_interval);
    if (interval > elapsed_days)
        lo = fmax(lo, (double)elapsed_days + 1);
    lo = fmin(lo, hi);
    *min_ivl = (int32_t)lo;
    *max_ivl = (int32_t)hi;
}

/* A uniform double in [0, 1) from a seed (splitmix64's finaliser). */
static double fuzz_factor(uint64_t seed)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

/* The whole days for stability s: I(r) S rounded, 1..maximum_interval, then
 * fuzzed when fuzz is on and the interval is 2.5 days or more. */
static int32_t next_interval(const fsrs_params *p, double modifier, double s, int32_t elapsed, double fuzz)
{
    double ivl = fmin(fmax(1, round_half_up(s * modifier)), p->maximum_interval);
    if (!p->enable_fuzz || ivl < 2.5)
        return (int32_t)ivl;
    int32_t lo, hi;
    fsrs_fuzz_range(ivl, elapsed, p->maximum_interval, &lo, &hi);
    return (int32_t)floor(fuzz * (hi - lo + 1) + lo);
}

int64_t fsrs_days_between(int64_t a_ms, int64_t b_ms)
{
    int64_t da = a_ms / FSRS_DAY_MS - (a_ms % FSRS_DAY_MS < 0 ? 1 : 0);
    int64_t db = b_ms / FSRS_DAY_MS - (b_ms % FSRS_DAY_MS < 0 ? 1 : 0);
    return db - da;
}

void fsrs_card_init(fsrs_card *c, int64_t now_ms)
{
    assert(c != NULL);
    memset(c, 0, sizeof *c);
    c->due_ms = now_ms;
    c->state = FSRS_NEW;
}

int fsrs_review(const fsrs_params *p, const fsrs_card *c, int64_t now_ms, fsrs_grade g, uint64_t fuzz_seed,
                fsrs_card *out, em_error *err)
{
    assert(c != NULL && out != NULL);
    int rc = fsrs_params_check(p, err);
    if (rc != EM_OK)
        return rc;
    if (g < FSRS_AGAIN || g > FSRS_EASY)
        return em_error_set(err, EM_E_INVAL, "grade must be 1-4");
    bool is_new = c->state == FSRS_NEW;
    if (!is_new && now_ms < c->last_review_ms)
        return em_error_set(err, EM_E_INVAL, "a review before the card's last one");
    if (!is_new && !(c->stability >= S_MIN && c->difficulty >= 1 && c->difficulty <= 10))
        return em_error_set(err, EM_E_INVAL, "the card's memory state is out of range");
    if (now_ms > INT64_MAX - (int64_t)FSRS_MAX_INTERVAL_DAYS * FSRS_DAY_MS ||
        now_ms < INT64_MIN + (int64_t)FSRS_MAX_INTERVAL_DAYS * FSRS_DAY_MS)
        return em_error_set(err, EM_E_INVAL, "review time out of range");

    int32_t elapsed = 0;
    if (!is_new) {
        int64_t days = fsrs_days_between(c->last_review_ms, now_ms);
        elapsed = days > INT32_MAX ? INT32_MAX : (int32_t)days;
    }
    /* The four grades' stabilities, then their intervals, which ts-fsrs keeps
     * in order: again < hard < good < easy (each at least one day more). */
    double s[5], d;
    if (is_new) {
        for (int k = FSRS_AGAIN; k <= FSRS_EASY; k++)
            s[k] = init_stability(p, k);
        d = clampd(init_difficulty(p, g), 1, 10);
    } else {
        double r = forgetting_curve(p, elapsed, c->stability);
        s[FSRS_AGAIN] = clampd(c->stability, S_MIN, next_forget_stability(p, c->difficulty, c->stability, r));
        for (int k = FSRS_HARD; k <= FSRS_EASY; k++)
            s[k] = next_recall_stability(p, c->difficulty, c->stability, r, k);
        d = next_difficulty(p, c->difficulty, g);
    }
    double modifier = interval_modifier(p);
    double fuzz = p->enable_fuzz ? fuzz_factor(fuzz_seed) : 0;
    int32_t ivl[5];
    for (int k = FSRS_AGAIN; k <= FSRS_EASY; k++)
        ivl[k] = next_interval(p, modifier, s[k], elapsed, fuzz);
    if (ivl[FSRS_AGAIN] > ivl[FSRS_HARD])
        ivl[FSRS_AGAIN] = ivl[FSRS_HARD];
    for (int k = FSRS_HARD; k <= FSRS_EASY; k++)
        if (ivl[k] < ivl[k - 1] + 1)
            ivl[k] = ivl[k - 1] + 1;

    fsrs_card next = *c;
    next.stability = s[g];
    next.difficulty = d;
    next.scheduled_days = ivl[g];
    next.elapsed_days = elapsed;
    next.due_ms = now_ms + (int64_t)ivl[g] * FSRS_DAY_MS;
    next.last_review_ms = now_ms;
    next.reps = c->reps < INT32_MAX ? c->reps + 1 : INT32_MAX;
    if (!is_new && g == FSRS_AGAIN && next.lapses < INT32_MAX)
        next.lapses++;
    next.state = FSRS_REVIEW;
    *out = next;
    return EM_OK;
}

double fsrs_retrievability(const fsrs_params *p, const fsrs_card *c, int64_t now_ms)
{
    assert(p != NULL && c != NULL);
    if (c->state == FSRS_NEW || !(c->stability > 0))
        return 0;
    int64_t t = fsrs_days_between(c->last_review_ms, now_ms);
    if (t < 0)
        t = 0;
    return forgetting_curve(p, (double)t, c->stability);
}

/* ---- review-log lines ---- */

/* Digits s[0..n) as a number; -1 when any is not a digit. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int fsrs_parse_time(const char *s, size_t len, int64_t *out_ms)
{
    /* YYYY-MM-DDTHH:MM:SS is 19 bytes; a zone (Z or +HH:MM) must follow. */
    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return EM_E_PARSE;
    civil_date date = {digits(s, 4), digits(s + 5, 2), digits(s + 8, 2)};
    int hh = digits(s + 11, 2), mm = digits(s + 14, 2), ss = digits(s + 17, 2);
    if (date.year < FSRS_YEAR_MIN || date.year > FSRS_YEAR_MAX || !civil_valid(date) || hh < 0 || hh > 23 ||
        mm < 0 || mm > 59 || ss < 0 || ss > 59)
        return EM_E_PARSE;
    size_t i = 19;
    int ms = 0;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        size_t nd = i - start;
        if (nd < 1 || nd > 9)
            return EM_E_PARSE;
        for (size_t k = 0; k < 3; k++)
            ms = ms * 10 + (k < nd ? s[start + k] - '0' : 0);
    }
    int offset_min = 0;
    if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return EM_E_PARSE;
        offset_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return EM_E_PARSE;
    }
    int64_t t = civil_to_days(date) * FSRS_DAY_MS + ((int64_t)hh * 3600 + mm * 60 + ss) * 1000 + ms -
                (int64_t)offset_min * 60000;
    if (t < 0)
        return EM_E_PARSE;
    *out_ms = t;
    return EM_OK;
}

void fsrs_format_time(int64_t ms, char out[FSRS_TIME_TEXT_MAX])
{
    assert(ms >= 0);
    int64_t days = ms / FSRS_DAY_MS;
    int64_t rest = ms % FSRS_DAY_MS;
    civil_date d = civil_days_in_range(days) ? civil_from_days(days) : (civil_date){9999, 12, 31};
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day,
             (int)(rest / 3600000), (int)(rest / 60000 % 60), (int)(rest / 1000 % 60), (int)(rest % 1000));
    memcpy(out, tmp, FSRS_TIME_TEXT_MAX - 1);
    out[FSRS_TIME_TEXT_MAX - 1] = '\0';
}

int fsrs_log_parse_line(const char *line, size_t len, fsrs_log_entry *out, em_error *err)
{
    assert(line != NULL || len == 0);
    if (len > FSRS_LINE_MAX)
        return em_error_set(err, EM_E_TOO_LARGE, "line longer than %d bytes", FSRS_LINE_MAX);
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return em_error_set(err, EM_E_PARSE, "malformed JSON: %s", jerr.text);
    int rc = EM_OK;
    json_t *card = json_object_get(root, "card");
    json_t *at = json_object_get(root, "review_at");
    json_t *grade = json_object_get(root, "grade");
    if (!json_is_object(root)) {
        rc = em_error_set(err, EM_E_PARSE, "expected a JSON object");
    } else if (!json_is_string(card)) {
        rc = em_error_set(err, EM_E_PARSE, "\"card\" must be a string");
    } else if (json_string_length(card) == 0) {
        rc = em_error_set(err, EM_E_PARSE, "\"card\" is empty");
    } else if (json_string_length(card) > FSRS_CARD_ID_MAX) {
        rc = em_error_set(err, EM_E_TOO_LARGE, "\"card\" is longer than %d bytes", FSRS_CARD_ID_MAX);
    } else if (!json_is_string(at)) {
        rc = em_error_set(err, EM_E_PARSE, "\"review_at\" must be a string");
    } else if (fsrs_parse_time(json_string_value(at), json_string_length(at), &out->review_ms) != EM_OK) {
        rc = em_error_set(err, EM_E_PARSE,
                          "\"review_at\" is not an ISO-8601 time like 2026-01-31T08:00:00Z (years %d-%d)",
                          FSRS_YEAR_MIN, FSRS_YEAR_MAX);
    } else if (!json_is_integer(grade) || json_integer_value(grade) < FSRS_AGAIN ||
               json_integer_value(grade) > FSRS_EASY) {
        rc = em_error_set(err, EM_E_PARSE, "\"grade\" must be an integer 1-4");
    } else {
        out->card_len = json_string_length(card);
        memcpy(out->card, json_string_value(card), out->card_len);
        out->card[out->card_len] = '\0';
        out->grade = (fsrs_grade)json_integer_value(grade);
    }
    json_decref(root);
    return rc;
}

/* ---- metrics ---- */

/* The srs-benchmark's bins (utils.py rmse_matrix): elapsed days on powers of
 * 3.62 (0 days, read as 1e-6, in a bin of its own), the review number on
 * powers of 1.89, lapses on powers of 1.73 (none in a bin of its own). A bin
 * is named by the exponents. */
typedef struct bin_key {
    int dt, i, lapse;
} bin_key;

static bin_key bin_of(const fsrs_prediction *p)
{
    bin_key k;
    k.dt = (int)floor(log(fmax((double)p->elapsed_days, 1e-6)) / log(3.62));
    k.i = (int)floor(log((double)(p->i < 1 ? 1 : p->i)) / log(1.89));
    k.lapse = p->lapses <= 0 ? -1 : (int)floor(log((double)p->lapses) / log(1.73));
    return k;
}

static int cmp_bin(const void *a, const void *b)
{
    bin_key x = bin_of(a), y = bin_of(b);
    if (x.dt != y.dt)
        return x.dt < y.dt ? -1 : 1;
    if (x.i != y.i)
        return x.i < y.i ? -1 : 1;
    if (x.lapse != y.lapse)
        return x.lapse < y.lapse ? -1 : 1;
    return 0;
}

static int cmp_r(const void *a, const void *b)
{
    double x = ((const fsrs_prediction *)a)->r, y = ((const fsrs_prediction *)b)->r;
    return x < y ? -1 : x > y ? 1 : 0;
}

int fsrs_metrics_compute(fsrs_prediction *preds, size_t n, fsrs_metrics *out, em_error *err)
{
    assert(out != NULL && (preds != NULL || n == 0));
    out->n = n;
    out->log_loss = out->rmse_bins = out->auc = NAN;
    for (size_t k = 0; k < n; k++)
        if (!(preds[k].r >= 0 && preds[k].r <= 1))
            return em_error_set(err, EM_E_INVAL, "prediction %zu is not a probability", k + 1);
    if (n == 0)
        return EM_OK;

    /* Log loss (sklearn log_loss): p clipped to [eps, 1 - eps], eps the
     * double's machine epsilon. */
    double sum = 0;
    for (size_t k = 0; k < n; k++) {
        double p = clampd(preds[k].r, DBL_EPSILON, 1 - DBL_EPSILON);
        sum += preds[k].recalled ? -log(p) : -log(1 - p);
    }
    out->log_loss = sum / (double)n;

    /* RMSE(bins): per bin the mean outcome and the mean prediction, then the
     * root of their squared differences averaged with the bins' counts as
     * weights. */
    qsort(preds, n, sizeof *preds, cmp_bin);
    double sq = 0;
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo + 1;
        while (hi < n && cmp_bin(&preds[lo], &preds[hi]) == 0)
            hi++;
        double ys = 0, ps = 0;
        for (size_t k = lo; k < hi; k++) {
            ys += preds[k].recalled ? 1 : 0;
            ps += preds[k].r;
        }
        double cnt = (double)(hi - lo);
        double diff = ys / cnt - ps / cnt;
        sq += cnt * diff * diff;
        lo = hi;
    }
    out->rmse_bins = sqrt(sq / (double)n);

    /* AUC (sklearn roc_auc_score): the Mann-Whitney statistic, tied
     * predictions sharing their mean rank. */
    qsort(preds, n, sizeof *preds, cmp_r);
    double pos = 0, rank_sum = 0;
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo + 1;
        while (hi < n && preds[hi].r == preds[lo].r)
            hi++;
        double mean_rank = ((double)lo + 1 + (double)hi) / 2;
        for (size_t k = lo; k < hi; k++) {
            if (preds[k].recalled) {
                pos += 1;
                rank_sum += mean_rank;
            }
        }
        lo = hi;
    }
    double neg = (double)n - pos;
    if (pos > 0 && neg > 0)
        out->auc = (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
    return EM_OK;
}
