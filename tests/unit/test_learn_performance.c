/* performance: per-topic and overall figures on a scripted sequence
 * (mastery, accuracy and its trend, answer time and its trend), the
 * weakest topics' order and cap, start mastery, unknown times, empty input
 * and refused input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "learn/bkt.h"
#include "learn/performance.h"

#define EPS 1e-6
#define N(x) (sizeof(x) / sizeof((x)[0]))

static mc_attempt T(const char *topic, bool correct, double seconds)
{
    return (mc_attempt){.topic = topic, .correct = correct, .option = -1, .seconds = seconds};
}

static void assert_near(double got, double want)
{
    if (fabs(got - want) > EPS)
        fail_msg("got %.9f, want %.9f", got, want);
}

/* In time order (index: topic, right/wrong, seconds; -1 unknown):
 *   0 A wrong 10   1 B right 20   2 A wrong 8    3 C wrong -   4 A right 6   5 B right -
 *   6 A right 4    7 C wrong -    8 B wrong 40   9 D right 5  10 D right 5  11 D right 5 */
static const mc_attempt SEQ[] = {
    {.topic = "A", .correct = false, .seconds = 10}, {.topic = "B", .correct = true, .seconds = 20},
    {.topic = "A", .correct = false, .seconds = 8},  {.topic = "C", .correct = false, .seconds = -1},
    {.topic = "A", .correct = true, .seconds = 6},   {.topic = "B", .correct = true, .seconds = -1},
    {.topic = "A", .correct = true, .seconds = 4},   {.topic = "C", .correct = false, .seconds = -1},
    {.topic = "B", .correct = false, .seconds = 40}, {.topic = "D", .correct = true, .seconds = 5},
    {.topic = "D", .correct = true, .seconds = 5},   {.topic = "D", .correct = true, .seconds = 5},
};

static perf_report analyze(const mc_attempt *a, size_t n)
{
    bkt_params p = bkt_default_params();
    perf_report r;
    em_error err = {0};
    int rc = perf_analyze(&p, a, n, &r, &err);
    if (rc != EM_OK)
        fail_msg("perf_analyze: %d %s", rc, err.msg);
    return r;
}

static void test_topics(void **state)
{
    (void)state;
    perf_report r = analyze(SEQ, N(SEQ));
    assert_int_equal(r.n_topics, 4);
    /* In order of first attempt: A (0), B (1), C (3), D (9). */
    assert_string_equal(r.topics[0].topic, "A");
    assert_string_equal(r.topics[1].topic, "B");
    assert_string_equal(r.topics[2].topic, "C");
    assert_string_equal(r.topics[3].topic, "D");

    /* A: wrong 10, wrong 8, right 6, right 4. BKT from 0.3 (bkt.h formulas):
     * wrong: 0.03/(0.03+0.56) = 0.05084746 -> +0.09491525 = 0.14576271;
     * wrong: 0.01457627/(0.01457627+0.68338983) = 0.02088392 -> 0.11879553;
     * right: 0.10691598/(0.10691598+0.17624089) = 0.37758567 -> 0.43982711;
     * right: 0.39584440/(0.39584440+0.11203458) = 0.77940694 -> 0.80146624.
     * accuracy 2/4; halves [w, w] 0 and [r, r] 1: trend +1; mean time
     * (10+8+6+4)/4 = 7; halves 9 and 5: speed trend -4 (faster). */
    const perf_topic *a = &r.topics[0];
    assert_int_equal(a->attempts, 4);
    assert_int_equal(a->correct, 2);
    assert_near(a->mastery, 0.80146624);
    assert_false(a->mastered);
    assert_near(a->accuracy, 0.5);
    assert_near(a->accuracy_trend, 1.0);
    assert_near(a->mean_seconds, 7.0);
    assert_near(a->speed_trend, -4.0);

    /* B: right 20, right -, wrong 40. 0.3 -> 0.69268293 -> 0.91923077 ->
     * wrong: 0.09192308/(0.09192308+0.06461538) = 0.58722359 -> 0.62850123.
     * accuracy 2/3; halves of one (the middle one in neither): [right] 1,
     * [wrong] 0: trend -1; mean time of the known (20+40)/2 = 30; speed
     * trend 40 - 20 = +20 (slower). */
    const perf_topic *b = &r.topics[1];
    assert_int_equal(b->attempts, 3);
    assert_near(b->mastery, 0.62850123);
    assert_near(b->accuracy, 2.0 / 3.0);
    assert_near(b->accuracy_trend, -1.0);
    assert_near(b->mean_seconds, 30.0);
    assert_near(b->speed_trend, 20.0);

    /* C: two wrong, times unknown: 0.3 -> 0.14576271 -> 0.11879553;
     * accuracy 0, trend 0 - 0 = 0; mean -1 and speed trend 0 (no time known). */
    const perf_topic *c = &r.topics[2];
    assert_near(c->mastery, 0.11879553);
    assert_near(c->accuracy, 0.0);
    assert_near(c->accuracy_trend, 0.0);
    assert_near(c->mean_seconds, -1.0);
    assert_near(c->speed_trend, 0.0);

    /* D: three right: 0.3 -> 0.69268293 -> 0.91923077 -> 0.98276334, mastered. */
    const perf_topic *d = &r.topics[3];
    assert_near(d->mastery, 0.98276334);
    assert_true(d->mastered);
    assert_near(d->accuracy, 1.0);
    assert_near(d->mean_seconds, 5.0);
    assert_near(d->speed_trend, 0.0);
    perf_report_cleanup(&r);
}

static void test_overall_and_weakest(void **state)
{
    (void)state;
    perf_report r = analyze(SEQ, N(SEQ));
    /* 12 attempts, 7 right (1, 4, 5, 6, 9, 10, 11): 7/12. Halves: 0..5 has
     * 3 right (1, 4, 5) = 1/2, 6..11 has 4 (6, 9, 10, 11) = 2/3: trend
     * +1/6. Known times: 10 20 8 6 | 4 40 5 5 5, mean 103/9 = 11.444444;
     * halves 44/4 = 11 and 59/5 = 11.8: speed trend +0.8. */
    assert_int_equal(r.attempts, 12);
    assert_int_equal(r.correct, 7);
    assert_near(r.accuracy, 7.0 / 12.0);
    assert_near(r.accuracy_trend, 1.0 / 6.0);
    assert_near(r.mean_seconds, 103.0 / 9.0);
    assert_near(r.speed_trend, 0.8);

    /* Unmastered by mastery: C 0.1188, B 0.6285, A 0.8015; D mastered is left out. */
    assert_int_equal(r.n_weakest, 3);
    assert_string_equal(r.topics[r.weakest[0]].topic, "C");
    assert_string_equal(r.topics[r.weakest[1]].topic, "B");
    assert_string_equal(r.topics[r.weakest[2]].topic, "A");
    perf_report_cleanup(&r);
    perf_report_cleanup(&r); /* twice is fine */
}

static void test_start_mastery(void **state)
{
    (void)state;
    bkt_params p = bkt_default_params();
    /* B starts at 0.9: right 0.81/(0.81+0.02) = 0.97590361 -> 0.97831325;
     * right -> 0.99558824; wrong: 0.09955882/(0.09955882+0.00352941) =
     * 0.96576320 -> 0.96918688 >= 0.95: mastered, so not among the weakest.
     * A topic not listed starts at the prior as before. */
    const perf_start start[] = {{"B", 0.9}, {"B", 0.1}, {"Z", 0.5}};
    perf_report r;
    em_error err = {0};
    assert_int_equal(perf_analyze_from(&p, SEQ, N(SEQ), start, N(start), &r, &err), EM_OK);
    assert_near(r.topics[1].mastery, 0.96918688);
    assert_true(r.topics[1].mastered);
    assert_near(r.topics[0].mastery, 0.80146624);
    assert_int_equal(r.n_weakest, 2);
    assert_string_equal(r.topics[r.weakest[0]].topic, "C");
    assert_string_equal(r.topics[r.weakest[1]].topic, "A");
    perf_report_cleanup(&r);

    const perf_start bad[] = {{"B", 1.5}};
    assert_int_equal(perf_analyze_from(&p, SEQ, N(SEQ), bad, N(bad), &r, &err), EM_E_INVAL);
    assert_int_equal(r.n_topics, 0);
}

/* Seven topics each answered wrong once: equal mastery (0.14576271) and
 * accuracy (0), so by first attempt, and five of them only. */
static void test_weakest_capped(void **state)
{
    (void)state;
    const char *names[] = {"t1", "t2", "t3", "t4", "t5", "t6", "t7"};
    mc_attempt a[7];
    for (size_t i = 0; i < 7; i++)
        a[i] = T(names[i], false, -1);
    perf_report r = analyze(a, N(a));
    assert_int_equal(r.n_topics, 7);
    assert_int_equal(r.n_weakest, PERF_WEAKEST_MAX);
    for (size_t i = 0; i < PERF_WEAKEST_MAX; i++)
        assert_int_equal(r.weakest[i], i);
    /* All times unknown: -1 and no speed trend; one attempt each: no accuracy trend. */
    assert_near(r.mean_seconds, -1.0);
    assert_near(r.speed_trend, 0.0);
    assert_near(r.topics[0].accuracy_trend, 0.0);
    perf_report_cleanup(&r);
}

static void test_lower_accuracy_breaks_a_tie(void **state)
{
    (void)state;
    bkt_params p = bkt_default_params();
    /* Equal mastery, unequal accuracy: the lower accuracy is weaker even
     * when its topic came second. Y: wrong, right from the prior 0.3; X:
     * right once from a start of 0.14576271 (what Y has after its wrong). */
    const mc_attempt a[] = {T("X", true, -1), T("Y", false, -1), T("Y", true, -1)};
    /* Y: 0.3 wrong: 0.03/(0.03+0.56) = 0.05084746 -> 0.14576271; right:
     * 0.13118644/(0.13118644+0.17084746) = 0.43434343 -> 0.49090909. X from
     * 0.14576271, right: the same 0.49090909. Accuracy X 1, Y 1/2. */
    const perf_start start[] = {{"X", 0.14576271186440679}};
    perf_report r;
    em_error err = {0};
    assert_int_equal(perf_analyze_from(&p, a, N(a), start, N(start), &r, &err), EM_OK);
    assert_near(r.topics[0].mastery, r.topics[1].mastery);
    assert_int_equal(r.n_weakest, 2);
    assert_string_equal(r.topics[r.weakest[0]].topic, "Y");
    assert_string_equal(r.topics[r.weakest[1]].topic, "X");
    perf_report_cleanup(&r);
}

static void test_empty_and_refused(void **state)
{
    (void)state;
    bkt_params p = bkt_default_params();
    perf_report r;
    em_error err = {0};
    assert_int_equal(perf_analyze(&p, NULL, 0, &r, &err), EM_OK);
    assert_int_equal(r.n_topics, 0);
    assert_int_equal(r.n_weakest, 0);
    assert_int_equal(r.attempts, 0);
    assert_near(r.accuracy, 0.0);
    assert_near(r.mean_seconds, -1.0);
    perf_report_cleanup(&r);

    mc_attempt no_topic[] = {T(NULL, true, 3)};
    assert_int_equal(perf_analyze(&p, no_topic, 1, &r, &err), EM_E_INVAL);
    bkt_params bad = {0.3, 1.0, 0.1, 0.2};
    assert_int_equal(perf_analyze(&bad, SEQ, N(SEQ), &r, &err), EM_E_INVAL);
    /* A time that is not a number counts as unknown. */
    mc_attempt nan_time[] = {T("A", true, NAN), T("A", true, 4)};
    r = analyze(nan_time, 2);
    assert_near(r.topics[0].mean_seconds, 4.0);
    assert_near(r.topics[0].speed_trend, 0.0);
    perf_report_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topics),
        cmocka_unit_test(test_overall_and_weakest),
        cmocka_unit_test(test_start_mastery),
        cmocka_unit_test(test_weakest_capped),
        cmocka_unit_test(test_lower_accuracy_breaks_a_tie),
        cmocka_unit_test(test_empty_and_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
