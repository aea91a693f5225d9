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

#endif
