/* ratelimit: see ratelimit.h for what it promises. Inside:
 *
 *  - a hash table of chained entries, one per key, with at least as many
 *    buckets as max_keys (a power of two), so chains stay around one entry;
 *  - a doubly linked list of the same entries in the order they were last
 *    used (most recent first), for the sweep and the eviction;
 *  - per entry, a ring of the times of its counted hits, oldest first, never
 *    longer than `limit`: a hit is allowed when, after dropping the times that
 *    have left the window, fewer than `limit` remain.
 *
 * Whenever a new key comes in, the least recently used entries whose last hit
 * has left the window are swept from the tail of the list; that is amortised
 * O(1) (each entry is swept once) and keeps the table small when traffic is
 * light. An entry whose window still holds a hit is never dropped: when the
 * table is full of live keys a new key is refused (fail closed) until one
 * frees, so a flood of new keys cannot push out the limit of a key under
 * attack. A refused attempt records nothing and creates no key. */
#include "auth/ratelimit.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/mem.h"

/* Slots a new key's ring starts with; it doubles up to `limit` as needed. */
#define RING_FIRST_CAP 4
typedef struct rl_entry {
    struct rl_entry *next;  /* hash chain */
    struct rl_entry *newer; /* use list: towards the most recently used */
    struct rl_entry *older; /* use list: towards the least recently used */
    uint64_t hash;
    int64_t *hits; /* owned ring of hit times (ms), oldest at `head` */
    int cap;       /* slots in `hits` (<= limit) */
    int head;      /* index of the oldest hit */
    int count;     /* hits in the ring; >= 1 outside ratelimit_hit */
    size_t key_len;
    char key[]; /* NUL-terminated, key_len bytes */
} rl_entry;

struct ratelimit {
    pthread_mutex_t mu; /* guards everything below except the constants */
    int limit;          /* constant: hits allowed per window */
    int window_s;       /* constant */
    int64_t window_ms;  /* constant */
    size_t max_keys;    /* constant */
    size_t mask;        /* constant: buckets - 1 */
    /* constant: the SipHash key, random per table */
    unsigned char seed[crypto_shorthash_KEYBYTES];
    rl_entry **buckets; /* owned, mask + 1 chains */
    size_t count;       /* entries in the table */
    redis *shared;      /* set once before use (ratelimit_share): the windows live there */
    char prefix[64];    /* constant: the table's name in Redis keys */
    uint64_t seq;       /* guarded: makes each shared hit's member unique */
    int64_t warned_ms;  /* guarded: when a Redis failure was last logged */
    rl_entry *newest;   /* head of the use list */
    rl_entry *oldest;   /* tail of the use list */
};

/* ---- life ---- */

ratelimit *ratelimit_new(int limit, int window_s, size_t max_keys)
{
    assert(limit >= 1 && window_s >= 1 && max_keys >= 16 && max_keys <= SIZE_MAX / 4);
    /* Out-of-range values are programming errors (asserted); without asserts
     * they are raised to the smallest legal ones rather than dividing by zero. */
    if (limit < 1)
        limit = 1;
    if (window_s < 1)
        window_s = 1;
    if (max_keys < 16)
        max_keys = 16;
    if (sodium_init() < 0) {
        log_msg(LOG_ERROR, "ratelimit: libsodium cannot start");
        abort(); /* like running out of memory: nothing sensible to do */
    }
    ratelimit *rl = em_calloc(1, sizeof *rl);
    if (pthread_mutex_init(&rl->mu, NULL) != 0) {
        log_msg(LOG_ERROR, "ratelimit: cannot create a mutex");
        abort();
    }
    rl->limit = limit;
    rl->window_s = window_s;
    rl->window_ms = (int64_t)window_s * 1000;
    rl->max_keys = max_keys;
    size_t nb = 16;
    while (nb < max_keys)
        nb <<= 1;
    rl->mask = nb - 1;
    rl->buckets = em_calloc(nb, sizeof *rl->buckets);
    randombytes_buf(rl->seed, sizeof rl->seed);
    return rl;
}

void ratelimit_free(ratelimit *rl)
{
    if (rl == NULL)
        return;
    rl_entry *e = rl->newest;
    while (e != NULL) {
        rl_entry *next = e->older;
        free(e->hits);
        free(e);
        e = next;
    }
    free(rl->buckets);
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

/* ---- the table (callers hold the mutex) ---- */

static uint64_t key_hash(const ratelimit *rl, const char *key, size_t len)
{
    unsigned char out[crypto_shorthash_BYTES];
    uint64_t h;
    crypto_shorthash(out, (const unsigned char *)key, len, rl->seed);
    memcpy(&h, out, sizeof h);
    return h;
}

static rl_entry *entry_find(const ratelimit *rl, uint64_t hash, const char *key, size_t len)
{
    for (rl_entry *e = rl->buckets[hash & rl->mask]; e != NULL; e = e->next) {
        if (e->hash == hash && e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
    return NULL;
}

static void use_unlink(ratelimit *rl, rl_entry *e)
{
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        rl->newest = e->older;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        rl->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void use_push_front(ratelimit *rl, rl_entry *e)
{
    e->newer = NULL;
    e->older = rl->newest;
    if (rl->newest != NULL)
        rl->newest->newer = e;
    rl->newest = e;
    if (rl->oldest == NULL)
        rl->oldest = e;
}

static void entry_remove(ratelimit *rl, rl_entry *e)
{
    rl_entry **pp = &rl->buckets[e->hash & rl->mask];
    while (*pp != e) {
        assert(*pp != NULL);
        pp = &(*pp)->next;
    }
    *pp = e->next;
    use_unlink(rl, e);
    rl->count--;
    free(e->hits);
    free(e);
}

static rl_entry *entry_new(ratelimit *rl, uint64_t hash, const char *key, size_t len)
{
    rl_entry *e = em_calloc(1, sizeof *e + len + 1);
    e->hash = hash;
    e->cap = rl->limit < RING_FIRST_CAP ? rl->limit : RING_FIRST_CAP;
    e->hits = em_malloc(sizeof *e->hits * (size_t)e->cap);
    e->key_len = len;
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    size_t b = hash & rl->mask;
    e->next = rl->buckets[b];
    rl->buckets[b] = e;
    use_push_front(rl, e);
    rl->count++;
    return e;
}

static int64_t entry_newest_hit(const rl_entry *e)
{
    assert(e->count >= 1);
    return e->hits[(e->head + e->count - 1) % e->cap];
}

/* Drop the hits that have left the window (now - window_ms, now]. */
static void entry_prune(const ratelimit *rl, rl_entry *e, int64_t now_ms)
{
    /* The wall clock may step back. Hits later than `now` are moved to `now`
     * (the ring stays in order), so a step back cannot lock a key for longer
     * than one window. */
    if (e->count > 0 && entry_newest_hit(e) > now_ms) {
        for (int i = 0; i < e->count; i++) {
            int64_t *t = &e->hits[(e->head + i) % e->cap];
            if (*t > now_ms)
                *t = now_ms;
        }
    }
    while (e->count > 0 && e->hits[e->head] <= now_ms - rl->window_ms) {
        e->head = (e->head + 1) % e->cap;
        e->count--;
    }
    if (e->count == 0)
        e->head = 0;
}

/* Append a hit; the caller checked count < limit. */
static void entry_push(const ratelimit *rl, rl_entry *e, int64_t now_ms)
{
    assert(e->count < rl->limit);
    if (e->count == e->cap) {
        /* Grow (double, at most `limit`) and unroll the ring, oldest first. */
        int cap = e->cap <= rl->limit / 2 ? e->cap * 2 : rl->limit;
        int64_t *hits = em_malloc(sizeof *hits * (size_t)cap);
        for (int i = 0; i < e->count; i++)
            hits[i] = e->hits[(e->head + i) % e->cap];
        free(e->hits);
        e->hits = hits;
        e->cap = cap;
        e->head = 0;
    }
    e->hits[(e->head + e->count) % e->cap] = now_ms;
    e->count++;
}

/* Sweep the entries whose windows hold no hit any more, oldest use first. */
static void sweep(ratelimit *rl, int64_t now_ms)
{
    while (rl->oldest != NULL && entry_newest_hit(rl->oldest) <= now_ms - rl->window_ms)
        entry_remove(rl, rl->oldest);
}

/* Whole seconds until `at_ms` (1 .. window_s). */
static int seconds_until(const ratelimit *rl, int64_t at_ms, int64_t now_ms)
{
    int64_t s = (at_ms - now_ms + 999) / 1000;
    if (s < 1)
        s = 1;
    if (s > rl->window_s)
        s = rl->window_s;
    return (int)s;
}

/* ---- hits ---- */

void ratelimit_share(ratelimit *rl, redis *r, const char *name)
{
    rl->shared = r;
    snprintf(rl->prefix, sizeof rl->prefix, "em:rl:%s:", name);
}

/* The same window in Redis, for every key at once, atomically (one script):
 * each key's hits older than the window are dropped; when any key holds
 * `limit` hits, the wait until its oldest leaves is returned and nothing is
 * counted; else the hit is added to every key, which expires with its
 * window. */
static const char shared_script[] =
    "local now, win, lim, member = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]\n"
    "local wait = 0\n"
    "for _, k in ipairs(KEYS) do\n"
    "  redis.call('ZREMRANGEBYSCORE', k, '-inf', now - win)\n"
    "  if redis.call('ZCARD', k) >= lim then\n"
    "    local oldest = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')\n"
    "    local w = math.max(1, tonumber(oldest[2]) + win - now)\n"
    "    if w > wait then wait = w end\n"
    "  end\n"
    "end\n"
    "if wait > 0 then return wait end\n"
    "for _, k in ipairs(KEYS) do\n"
    "  redis.call('ZADD', k, now, member)\n"
    "  redis.call('PEXPIRE', k, win)\n"
    "end\n"
    "return 0\n";

/* The shared verdict: EM_OK with *wait_ms (0: allowed, counted); an error
 * when Redis cannot say. */
static int shared_hit(ratelimit *rl, const char *const *keys, size_t n, int64_t now_ms, int64_t *wait_ms,
                      em_error *err)
{
    char names[RATELIMIT_MAX_KEYS_PER_HIT][sizeof rl->prefix + RATELIMIT_KEY_MAX + 1];
    char nkeys[24], now[24], win[24], lim[24], member[64];
    pthread_mutex_lock(&rl->mu);
    uint64_t seq = ++rl->seq;
    pthread_mutex_unlock(&rl->mu);
    snprintf(nkeys, sizeof nkeys, "%zu", n);
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    snprintf(win, sizeof win, "%lld", (long long)rl->window_ms);
    snprintf(lim, sizeof lim, "%d", rl->limit);
    snprintf(member, sizeof member, "%lld-%llu-%08x", (long long)now_ms, (unsigned long long)seq,
             randombytes_random());
    const char *argv[4 + RATELIMIT_MAX_KEYS_PER_HIT + 4];
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = shared_script;
    argv[argc++] = nkeys;
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "%s%.*s", rl->prefix, RATELIMIT_KEY_MAX, keys[i]);
        argv[argc++] = names[i];
    }
    argv[argc++] = now;
    argv[argc++] = win;
    argv[argc++] = lim;
    argv[argc++] = member;
    redis_reply rep;
    int rc = redis_command(rl->shared, argc, argv, NULL, &rep, err);
    if (rc == EM_OK && rep.type != REDIS_INTEGER)
        rc = em_error_set(err, EM_E_UNAVAILABLE, "Redis: %s",
                          rep.type == REDIS_ERROR ? rep.str : "an unexpected reply");
    if (rc == EM_OK)
        *wait_ms = rep.integer;
    redis_reply_cleanup(&rep);
    return rc;
}

static bool local_hit_all(ratelimit *rl, const char *const *keys, size_t n, int64_t now_ms,
                          int *retry_after_s);

bool ratelimit_hit_all(ratelimit *rl, const char *const *keys, size_t n, int64_t now_ms, int *retry_after_s)
{
    assert(rl != NULL && keys != NULL && n <= RATELIMIT_MAX_KEYS_PER_HIT);
    if (rl->shared != NULL && n > 0) {
        int64_t wait_ms = 0;
        em_error err = {0};
        if (shared_hit(rl, keys, n, now_ms, &wait_ms, &err) == EM_OK) {
            if (retry_after_s != NULL)
                *retry_after_s = wait_ms > 0 ? (int)((wait_ms + 999) / 1000) : 0;
            return wait_ms == 0;
        }
        /* Redis cannot say: this process's own table decides (limits per
         * process rather than none), and the operator hears of it once a
         * minute at most. */
        pthread_mutex_lock(&rl->mu);
        bool warn = now_ms - rl->warned_ms >= 60000;
        if (warn)
            rl->warned_ms = now_ms;
        pthread_mutex_unlock(&rl->mu);
        if (warn)
            log_emit(LOG_WARN, "rate limits shared through Redis fall back to this process",
                     json_pack("{s:s, s:s}", "limits", rl->prefix, "error", err.msg));
    }
    return local_hit_all(rl, keys, n, now_ms, retry_after_s);
}

static bool local_hit_all(ratelimit *rl, const char *const *keys, size_t n, int64_t now_ms,
                          int *retry_after_s)
{
    uint64_t hashes[RATELIMIT_MAX_KEYS_PER_HIT];
    size_t lens[RATELIMIT_MAX_KEYS_PER_HIT];
    rl_entry *found[RATELIMIT_MAX_KEYS_PER_HIT];
    for (size_t i = 0; i < n; i++) {
        lens[i] = strnlen(keys[i], RATELIMIT_KEY_MAX);
        hashes[i] = key_hash(rl, keys[i], lens[i]); /* outside the lock: constants only */
    }
    int retry = 0;
    size_t missing = 0;

    pthread_mutex_lock(&rl->mu);
    /* 1. Would every key allow it? Nothing is recorded or created yet. */
    for (size_t i = 0; i < n; i++) {
        rl_entry *e = entry_find(rl, hashes[i], keys[i], lens[i]);
        found[i] = e;
        if (e == NULL) {
            missing++;
            continue;
        }
        entry_prune(rl, e, now_ms);
        if (e->count == 0) {
            /* Its window has passed: it is a new key again, and an entry
             * never stays empty (the sweep reads every entry's newest hit). */
            entry_remove(rl, e);
            found[i] = NULL;
            missing++;
            continue;
        }
        use_unlink(rl, e);
        use_push_front(rl, e);
        if (e->count >= rl->limit) {
            /* Free again when the oldest hit leaves the window. */
            int wait = seconds_until(rl, e->hits[e->head] + rl->window_ms, now_ms);
            retry = wait > retry ? wait : retry;
        }
    }
    /* 2. Room for the new keys, without dropping a live one. */
    if (retry == 0 && missing > 0) {
        sweep(rl, now_ms);
        if (rl->count + missing > rl->max_keys)
            retry = rl->oldest != NULL ? seconds_until(rl, entry_newest_hit(rl->oldest) + rl->window_ms, now_ms)
                                       : rl->window_s;
    }
    /* 3. All or nothing. */
    if (retry == 0) {
        for (size_t i = 0; i < n; i++) {
            rl_entry *e = found[i];
            if (e == NULL) {
                /* A key given twice in one call is found the second time. */
                e = entry_find(rl, hashes[i], keys[i], lens[i]);
                if (e == NULL)
                    e = entry_new(rl, hashes[i], keys[i], lens[i]);
            }
            if (e->count < rl->limit)
                entry_push(rl, e, now_ms);
        }
    }
    pthread_mutex_unlock(&rl->mu);

    if (retry_after_s != NULL)
        *retry_after_s = retry;
    return retry == 0;
}

bool ratelimit_hit(ratelimit *rl, const char *key, int64_t now_ms, int *retry_after_s)
{
    return ratelimit_hit_all(rl, &key, 1, now_ms, retry_after_s);
}

void ratelimit_reset(ratelimit *rl, const char *key)
{
    assert(rl != NULL && key != NULL);
    size_t len = strnlen(key, RATELIMIT_KEY_MAX);
    uint64_t hash = key_hash(rl, key, len);
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = entry_find(rl, hash, key, len);
    if (e != NULL)
        entry_remove(rl, e);
    pthread_mutex_unlock(&rl->mu);
    if (rl->shared != NULL) {
        char name[sizeof rl->prefix + RATELIMIT_KEY_MAX + 1];
        snprintf(name, sizeof name, "%s%.*s", rl->prefix, (int)len, key);
        const char *argv[] = {"DEL", name};
        redis_reply rep;
        em_error err = {0};
        if (redis_command(rl->shared, 2, argv, NULL, &rep, &err) == EM_OK)
            redis_reply_cleanup(&rep);
    }
}

size_t ratelimit_size(ratelimit *rl)
{
    pthread_mutex_lock(&rl->mu);
    size_t n = rl->count;
    pthread_mutex_unlock(&rl->mu);
    return n;
}
