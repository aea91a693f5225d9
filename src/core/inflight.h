/* inflight: how many requests of each key (a user id) are running now, each
 * key held to a cap. A use case that costs a lot of CPU and holds one of the
 * few threads that serve slow requests (making a quiz) enters before it runs
 * and leaves when it is done, so one account sending many of them at once has
 * at most `per_key` running and cannot make everyone else wait behind its
 * queue.
 *
 * The table holds only the keys running now, at most `max_keys` of them; when
 * it is full a new key is refused (fail closed: the caller answers "try again
 * in a moment", as for a key at its cap). Thread-safe (one mutex; entering and
 * leaving scan the keys running now). One process only. */
#ifndef EM_CORE_INFLIGHT_H
#define EM_CORE_INFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct inflight inflight;

/* Longest key told apart (bytes); longer keys are cut there. */
#define INFLIGHT_KEY_MAX 64

/* per_key >= 1, max_keys >= 1. Free with inflight_free; inflight_free(NULL)
 * is a no-op. */
inflight *inflight_new(int per_key, size_t max_keys);
void inflight_free(inflight *t);

/* Count one more running for key: true when allowed (then call
 * inflight_leave with the same key when done); false, and nothing counted,
 * when key has per_key running already or the table is full of other keys. */
bool inflight_enter(inflight *t, const char *key);
/* One fewer running for key (entered before). */
void inflight_leave(inflight *t, const char *key);

#endif
