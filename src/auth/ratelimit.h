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
 * passed are swept; a key whose window still holds a hit is never dropped, so
 * when the table is full of live keys a new key is refused (fail closed: its
 * attempt waits until a key frees) rather than letting a flood of distinct keys
 * push out the limit of a key under attack. Memory never grows past max_keys.
 * A refused attempt records nothing and creates no key. Keys are hashed with SipHash
 * under a random key, so chosen keys cannot pile into one bucket. Thread-safe
 * (one mutex; the critical section is a hash lookup). One process only, unless
 * shared (ratelimit_share): then the windows live in Redis (REDIS_URL), one
 * sorted set of hit times per key updated by one script, so that several
 * exammentor processes behind a load balancer hold a client to one limit, not
 * one each; when Redis cannot answer, this table decides. `now_ms` is the caller's clock; if it steps back,
 * hits recorded "in the future" count as made now. */
#ifndef EM_AUTH_RATELIMIT_H
#define EM_AUTH_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "net/redis.h"

typedef struct ratelimit ratelimit;

/* Longest key kept (bytes); longer keys are cut. */
#define RATELIMIT_KEY_MAX 512

/* Free with ratelimit_free; ratelimit_free(NULL) is a no-op. limit >= 1,
 * window_s >= 1, max_keys >= 16. */
ratelimit *ratelimit_new(int limit, int window_s, size_t max_keys);
void ratelimit_free(ratelimit *rl);

/* Count a hit for `key` at now_ms. Returns true when allowed; false when the key
 * is over its limit (or is new and the table is full of live keys), with
 * *retry_after_s (may be NULL) set to the whole seconds until a hit would be
 * allowed again (1 .. window_s). A refused hit is not counted. */
bool ratelimit_hit(ratelimit *rl, const char *key, int64_t now_ms, int *retry_after_s /* OUT */);

/* Most keys one attempt may count against. */
#define RATELIMIT_MAX_KEYS_PER_HIT 4
/* One attempt counted against several keys at once (the client's address and
 * the account): allowed only when every key allows it, and then counted for
 * every key; refused, it is counted for none and creates no key. *retry_after_s
 * is the longest wait of the refusing keys. */
bool ratelimit_hit_all(ratelimit *rl, const char *const *keys, size_t n, int64_t now_ms,
                       int *retry_after_s /* OUT */);
/* Keep the windows in Redis from now on, under keys "em:rl:<name>:<key>"
 * (name tells the tables apart: "auth", "work"). Call before the table is
 * used; r is borrowed and must outlive it. Same semantics as the table:
 * exact sliding windows, all keys of a hit or none counted, a refused hit
 * not counted. Times are the callers' clocks (keep the machines' clocks
 * synchronised). */
void ratelimit_share(ratelimit *rl, redis *r, const char *name);

/* Forget a key (e.g. the account's failures after a successful login). */
void ratelimit_reset(ratelimit *rl, const char *key);


/* ---- for tests ---- */

/* How many keys the table holds now (never more than max_keys). */
size_t ratelimit_size(ratelimit *rl);

#endif
