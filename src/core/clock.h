/* clock: wall-clock and monotonic time, and ISO-8601 formatting (always UTC). */
#ifndef EM_CORE_CLOCK_H
#define EM_CORE_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch (wall clock). */
int64_t clock_now_ms(void);
/* Microseconds from an arbitrary fixed point (monotonic; for durations). */
int64_t clock_mono_us(void);
/* "2026-11-21T23:52:11.123Z" into out (at least 32 bytes). */
void clock_iso8601(int64_t epoch_ms, char out[32]);
/* The instant of an ISO-8601 date and time with its zone ("2026-11-21T23:52:11Z",
 * "...T23:52:11.123456Z", "...T12:00:00+13:00"; a space for the T is accepted)
 * into *epoch_ms (past the millisecond is dropped). EM_E_INVAL (core/err.h) for
 * anything else, a time without a zone among it. */
int clock_parse_iso8601(const char *s, int64_t *epoch_ms /* OUT */);

#endif
