/* bkt: see bkt.h; the arithmetic is in docs/internals/model.md. */
#include "learn/bkt.h"

#include <assert.h>
#include <math.h>

bkt_params bkt_default_params(void)
{
    return (bkt_params){.prior = 0.3, .learn = 0.1, .slip = 0.1, .guess = 0.2};
}

static bool open_unit(double x)
{
    return isfinite(x) && x > 0.0 && x < 1.0;
}

int bkt_params_check(const bkt_params *p, em_error *err)
{
    assert(p != NULL);
    const struct {
        const char *name;
        double v;
    } each[] = {{"prior", p->prior}, {"learn", p->learn}, {"slip", p->slip}, {"guess", p->guess}};
    for (size_t i = 0; i < sizeof each / sizeof each[0]; i++)
        if (!open_unit(each[i].v))
            return em_error_set(err, EM_E_INVAL, "BKT %s must be between 0 and 1 (exclusive)", each[i].name);
    if (p->slip + p->guess >= 1.0)
        return em_error_set(err, EM_E_INVAL, "BKT slip + guess must be below 1");
    return EM_OK;
}

/* p_known held to [0, 1]; NaN (a stored value gone wrong) is the prior. */
static double clamp_known(const bkt_params *p, double k)
{
    if (isnan(k))
        return p->prior;
    if (k < 0.0)
        return 0.0;
    if (k > 1.0)
        return 1.0;
    return k;
}

double bkt_update(const bkt_params *p, double p_known, bool correct)
{
    assert(p != NULL && bkt_params_check(p, NULL) == EM_OK);
    double k = clamp_known(p, p_known);
    double known, unknown; /* the joint probabilities of the observation with each state */
    if (correct) {
        known = k * (1.0 - p->slip);
        unknown = (1.0 - k) * p->guess;
    } else {
        known = k * p->slip;
        unknown = (1.0 - k) * (1.0 - p->guess);
    }
    /* With slip and guess in (0, 1) and k in [0, 1] the sum is positive:
     * one of k and 1-k is. */
    assert(known + unknown > 0.0);
    double post = known / (known + unknown);
    return post + (1.0 - post) * p->learn;
}

double bkt_start(const bkt_params *p, double stored, bool found)
{
    assert(p != NULL);
    return found && stored != 0.0 ? stored : p->prior;
}

double bkt_predict(const bkt_params *p, double p_known)
{
    assert(p != NULL);
    double k = clamp_known(p, p_known);
    return k * (1.0 - p->slip) + (1.0 - k) * p->guess;
}

bool bkt_mastered(double p_known)
{
    return p_known >= BKT_MASTERED;
}
