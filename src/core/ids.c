#include "core/ids.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "core/clock.h"
#include "core/err.h"

int id_random_bytes(void *buf, unsigned n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0)
            return EM_E_IO;
        p += got;
        n -= (unsigned)got;
    }
    return EM_OK;
}

/* xoshiro256** state per thread, seeded lazily from getrandom. */
static _Thread_local uint64_t rng_state[4];
static _Thread_local int rng_seeded;

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(void)
{
    if (!rng_seeded) {
        if (id_random_bytes(rng_state, sizeof rng_state) != EM_OK || (rng_state[0] | rng_state[1]) == 0) {
            rng_state[0] = (uint64_t)clock_mono_us() | 1;
            rng_state[1] = (uint64_t)clock_now_ms() ^ 0x9e3779b97f4a7c15ULL;
        }
        rng_seeded = 1;
    }
    uint64_t *s = rng_state;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* The last (milliseconds << 12 | counter) handed out by this process. RFC 9562
 * section 6.2, method 1: the 12 rand_a bits count within one millisecond, so
 * ids are strictly increasing across all threads and rows created in a burst
 * sort in creation order. A new millisecond starts the counter at a random
 * value below 2048; running past 4095 carries into the next millisecond. This
 * atomic is the process's one piece of shared mutable state outside
 * configuration: ordering across threads needs exactly one clock. */
static _Atomic uint64_t last_stamp;

static uint64_t next_stamp(uint64_t ms, uint64_t random_bits)
{
    uint64_t prev = atomic_load(&last_stamp);
    uint64_t next;
    do {
        uint64_t fresh = (ms << 12) | (random_bits & 0x7ff);
        next = (ms << 12) > prev ? fresh : prev + 1;
    } while (!atomic_compare_exchange_weak(&last_stamp, &prev, next));
    return next;
}

void id_uuid7(char out[ID_UUID_LEN + 1])
{
    uint64_t stamp = next_stamp((uint64_t)clock_now_ms(), rng_next());
    uint64_t ms = stamp >> 12;
    unsigned counter = (unsigned)(stamp & 0xfff);
    uint64_t tail = rng_next();
    unsigned char b[16];
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | ((counter >> 8) & 0x0f)); /* version 7, counter high bits */
    b[7] = (unsigned char)(counter & 0xff);
    memcpy(b + 8, &tail, 8);
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f)); /* variant 10 */
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = '\0';
}

bool id_is_uuid(const char *s)
{
    for (int i = 0; i < ID_UUID_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!isxdigit((unsigned char)c)) {
            return false;
        }
    }
    return s[ID_UUID_LEN] == '\0';
}
