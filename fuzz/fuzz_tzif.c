/* libFuzzer target: tz_parse on arbitrary bytes (TZif files), then the zone's
 * offsets and local dates at instants around its transitions and far from
 * them. Besides the sanitizers' findings, a broken invariant aborts: a refused
 * file leaves no zone and says why; an accepted one gives offsets within
 * 26 hours and a local date within two days of the UTC date. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/civil.h"
#include "core/tz.h"

static void check(const tz_zone *z, int64_t t)
{
    bool dst;
    int32_t off = tz_utc_offset(z, t, &dst);
    if (off <= -26 * 3600 || off >= 26 * 3600)
        abort();
    civil_date local, at_utc;
    if (tz_local_date(z, t, &local) != EM_OK)
        return;
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    if (!civil_days_in_range(days))
        return;
    at_utc = civil_from_days(days);
    int64_t apart = civil_days_between(at_utc, local);
    if (!civil_valid(local) || apart < -2 || apart > 2)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t instants[] = {
        INT64_MIN, -62135596801LL, -2147483648LL, 0, 1775311199LL, 1775311200LL, 1796554800LL,
        2147483647LL, 2374668000LL, 253402300799LL, 253402300800LL, INT64_MAX,
    };
    tz_zone *z = NULL;
    em_error err = {0};
    if (tz_parse(data, size, "fuzz", &z, &err) != EM_OK) {
        if (z != NULL || err.code == EM_OK || err.msg[0] == '\0')
            abort();
        return 0;
    }
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++)
        for (int64_t d = -86400; d <= 86400; d += 43200)
            if ((d < 0 && instants[i] >= INT64_MIN - d) || (d >= 0 && instants[i] <= INT64_MAX - d))
                check(z, instants[i] + d);
    tz_free(z);
    return 0;
}
