/* num: see num.h. */
#include "core/num.h"

#include <assert.h>
#include <stdbool.h>

#include "core/err.h"

int num_parse_int64(const char *s, size_t len, num_sign sign, int64_t lo, int64_t hi, int64_t *out)
{
    assert(s != NULL || len == 0);
    assert(lo <= hi && out != NULL);
    size_t i = 0;
    bool negative = false;
    if (sign == NUM_SIGNED && len > 0 && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return EM_E_INVAL; /* no digits */
    /* The magnitude is gathered unsigned, so -9223372036854775808 fits. */
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return EM_E_INVAL;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            return EM_E_INVAL; /* past int64_t */
        v = v * 10 + d;
    }
    int64_t n;
    if (!negative)
        n = (int64_t)v;
    else if (v == (uint64_t)INT64_MAX + 1)
        n = INT64_MIN;
    else
        n = -(int64_t)v;
    if (n < lo || n > hi)
        return EM_E_INVAL;
    *out = n;
    return EM_OK;
}
