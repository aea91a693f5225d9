/* bkt: the defaults, one update after another worked by hand, the
 * prediction, the parameter checks, and where mastery is crossed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "core/err.h"
#include "learn/bkt.h"

#define EPS 1e-9

static void test_defaults_pass_the_check(void **state)
{
    (void)state;
    bkt_params p = bkt_default_params();
    assert_true(fabs(p.prior - 0.3) < EPS);
    assert_true(fabs(p.learn - 0.1) < EPS);
    assert_true(fabs(p.slip - 0.1) < EPS);
    assert_true(fabs(p.guess - 0.2) < EPS);
    em_error err = {0};
    assert_int_equal(bkt_params_check(&p, &err), EM_OK);
}

/* From the prior 0.3 with learn 0.1, slip 0.1, guess 0.2: right, wrong,
 * right, right. */
static void test_updates_by_hand(void **state)
{
    (void)state;
    bkt_params p = bkt_default_params();

    /* 1, right: known 0.3*0.9 = 0.27, unknown 0.7*0.2 = 0.14,
     * posterior 0.27/0.41 = 0.658536585..., learn: + (1-0.658536585)*0.1
     * = 0.692682926829... */
    double k1 = bkt_update(&p, p.prior, true);
    assert_true(fabs(k1 - 0.6926829268292684) < EPS);

    /* 2, wrong: known 0.6926829*0.1 = 0.06926829, unknown 0.3073171*0.8 =
     * 0.24585366, posterior 0.06926829/0.31512195 = 0.21981424, learn:
     * 0.21981424 + 0.78018576*0.1 = 0.29783282 */
    double k2 = bkt_update(&p, k1, false);
    assert_true(fabs(k2 - 0.29783281733746136) < EPS);

    /* 3, right: known 0.29783282*0.9 = 0.26804954, unknown 0.70216718*0.2 =
     * 0.14043344, posterior 0.26804954/0.40848297 = 0.65620737, learn:
     * 0.65620737 + 0.34379263*0.1 = 0.69058663 */
    double k3 = bkt_update(&p, k2, true);
    assert_true(fabs(k3 - 0.6905866302864939) < EPS);

    /* 4, right: known 0.69058663*0.9 = 0.62152797, unknown 0.30941337*0.2 =
     * 0.06188267, posterior 0.62152797/0.68341064 = 0.90945023, learn:
     * 0.90945023 + 0.09054977*0.1 = 0.91850521 */
    double k4 = bkt_update(&p, k3, true);
    assert_true(fabs(k4 - 0.918505210204815) < EPS);
    assert_false(bkt_mastered(k4));
}

/* A topic stored at 0 (a session's topic never answered) starts from the
 * prior, so a right first answer lifts it to 0.6927 and a wrong one to
 * 0.3*0.1/(0.03+0.7*0.8) = 0.0508..., + 0.9492*0.1 = 0.1457: from 0 itself
 * both would give 0.1. Any other stored value is where it starts. */
static void test_start_from_stored(void **state)
{
    (void)state;
    bkt_params p = bkt_default_params();
    assert_true(fabs(bkt_start(&p, 0.0, true) - 0.3) < EPS);
    assert_true(fabs(bkt_start(&p, 0.42, false) - 0.3) < EPS);
    assert_true(fabs(bkt_start(&p, 0.42, true) - 0.42) < EPS);
    double right = bkt_update(&p, bkt_start(&p, 0.0, true), true);
    double wrong = bkt_update(&p, bkt_start(&p, 0.0, true), false);
    assert_true(fabs(right - 0.6926829268292684) < EPS);
    assert_true(fabs(wrong - 0.14576271186440679) < EPS);
    assert_true(fabs(bkt_update(&p, 0.0, true) - bkt_update(&p, 0.0, false)) < EPS);
}

static void test_predict(void **state)
{
    (void)state;
    bkt_params p = bkt_default_params();
    /* 0.3*0.9 + 0.7*0.2 = 0.27 + 0.14 = 0.41 */
    assert_true(fabs(bkt_predict(&p, 0.3) - 0.41) < EPS);
    /* known for sure: 1 - slip = 0.9; not at all: guess = 0.2 */
    assert_true(fabs(bkt_predict(&p, 1.0) - 0.9) < EPS);
    assert_true(fabs(bkt_predict(&p, 0.0) - 0.2) < EPS);
    /* after one right answer: 0.6926829*0.9 + 0.3073171*0.2 = 0.62341463 + 0.06146341 = 0.68487805 */
    assert_true(fabs(bkt_predict(&p, bkt_update(&p, 0.3, true)) - 0.6848780487804879) < EPS);
    /* out of range is clamped: -1 reads as 0, 2 as 1 */
    assert_true(fabs(bkt_predict(&p, -1.0) - 0.2) < EPS);
    assert_true(fabs(bkt_predict(&p, 2.0) - 0.9) < EPS);
}

static void test_params_check(void **state)
{
    (void)state;
    const bkt_params bad[] = {
        {0.0, 0.1, 0.1, 0.2},  /* prior 0 */
        {1.0, 0.1, 0.1, 0.2},  /* prior 1 */
        {0.3, 0.0, 0.1, 0.2},  /* learn 0 */
        {0.3, 0.1, -0.1, 0.2}, /* slip negative */
        {0.3, 0.1, 0.1, 1.2},  /* guess above 1 */
        {0.3, 0.1, 0.5, 0.5},  /* slip + guess = 1: a right answer says nothing */
        {0.3, 0.1, 0.6, 0.5},  /* slip + guess > 1 */
        {NAN, 0.1, 0.1, 0.2},  /* not a number */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        em_error err = {0};
        assert_int_equal(bkt_params_check(&bad[i], &err), EM_E_INVAL);
        assert_true(err.msg[0] != '\0');
    }
    const bkt_params ok = {0.5, 0.5, 0.49, 0.5};
    assert_int_equal(bkt_params_check(&ok, NULL), EM_OK);
}

/* Three right answers from the prior cross BKT_MASTERED, two do not; a
 * wrong answer after mastery drops below it again. */
static void test_mastered_threshold(void **state)
{
    (void)state;
    bkt_params p = bkt_default_params();
    /* 0.3 -> 0.69268293 (as in test_updates_by_hand) -> second right: known
     * 0.69268293*0.9 = 0.62341463, unknown 0.30731707*0.2 = 0.06146341,
     * posterior 0.62341463/0.68487805 = 0.91025641, learn + 0.08974359*0.1
     * = 0.91923077 -> third right: known 0.82730769, unknown 0.01615385,
     * posterior 0.98084815, learn + 0.01915185*0.1 = 0.98276334 */
    double k = p.prior;
    k = bkt_update(&p, k, true);
    k = bkt_update(&p, k, true);
    assert_true(fabs(k - 0.9192307692307693) < EPS);
    assert_false(bkt_mastered(k));
    k = bkt_update(&p, k, true);
    assert_true(fabs(k - 0.9827633378932968) < EPS);
    assert_true(bkt_mastered(k));
    assert_true(k >= BKT_MASTERED);
    /* wrong: known 0.98276334*0.1 = 0.09827633, unknown 0.01723666*0.8 = 0.01378933,
     * posterior 0.09827633/0.11206566 = 0.87695313, learn + 0.12304688*0.1 = 0.88925781 */
    k = bkt_update(&p, k, false);
    assert_false(bkt_mastered(k));
    assert_true(fabs(k - 0.8892578125) < 1e-6);
    assert_true(bkt_mastered(BKT_MASTERED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_pass_the_check),
        cmocka_unit_test(test_updates_by_hand),
        cmocka_unit_test(test_start_from_stored),
        cmocka_unit_test(test_predict),
        cmocka_unit_test(test_params_check),
        cmocka_unit_test(test_mastered_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
