/* ratelimit: in-process request limits keyed by text ("login:ip:1.2.3.4",
 * "login:acct:a@b.c"), a sliding window of `limit` hits per `window_s` seconds.
 *
 * The window is exact: each key keeps the times of its counted hits (a ring of
 * at most `limit` timestamps, grown as needed), so no `window_s`-long span ever
 * holds more than `limit` allowed hits, and a key is free again `window_s`
 * after its oldest hit. Memory is at most max_keys * (limit * 8 + ~100 bytes
 * + key length); keys longer than RATELIMIT_KEY_MAX bytes are cut there (two
 * such keys then share one limit: stricter, never looser).
 *
 * The table is bounded (`max_keys`): when full, the entries whose windows have
 * passed are swept, and if none have, the least recently used key is dropped,
 * so a flood of distinct keys cannot grow memory. Keys are hashed with SipHash
 * under a random key, so chosen keys cannot pile into one bucket. Thread-safe
 * (one mutex; the critical section is a hash lookup). One process only: several
 * instances share limits through Redis later (REDIS_URL), not through this
 * table. `now_ms` is the caller's clock; if it steps back, hits recorded "in
 * the future" count as made now. */
#ifndef EM_AUTH_RATELIMIT_H
#define EM_AUTH_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct ratelimit ratelimit;

/* Longest key kept (bytes); longer keys are cut. */
#define RATELIMIT_KEY_MAX 512

/* Free with ratelimit_free; ratelimit_free(NULL) is a no-op. limit >= 1,
 * window_s >= 1, max_keys >= 16. */
ratelimit *ratelimit_new(int limit, int window_s, size_t max_keys);
void ratelimit_free(ratelimit *rl);

/* Count a hit for `key` at now_ms. Returns true when allowed; false when the key
 * is over its limit, with *retry_after_s (may be NULL) set to the whole seconds
 * until a hit would be allowed again (at least 1). A refused hit is not counted. */
bool ratelimit_hit(ratelimit *rl, const char *key, int64_t now_ms, int *retry_after_s /* OUT */);
/* Forget a key (e.g. the account's failures after a successful login). */
void ratelimit_reset(ratelimit *rl, const char *key);


/* ---- for tests ---- */

/* How many keys the table holds now (never more than max_keys). */
size_t ratelimit_size(ratelimit *rl);

#endif
