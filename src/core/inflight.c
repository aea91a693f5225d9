/* inflight: per-key counts of what runs now, with a cap (inflight.h). */
#include "core/inflight.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

typedef struct slot {
    char key[INFLIGHT_KEY_MAX + 1]; /* "" for a free slot */
    int running;                    /* 1..per_key while key[0] */
} slot;

struct inflight {
    pthread_mutex_t lock;
    int per_key;
    size_t cap;  /* slots */
    slot *slots; /* owned; cap of them */
};

inflight *inflight_new(int per_key, size_t max_keys)
{
    assert(per_key >= 1 && max_keys >= 1);
    inflight *t = em_calloc(1, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    t->per_key = per_key;
    t->cap = max_keys;
    t->slots = em_calloc(max_keys, sizeof *t->slots);
    return t;
}

void inflight_free(inflight *t)
{
    if (t == NULL)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t->slots);
    free(t);
}

/* The slot of key, or NULL; *free_slot (may be NULL) the first free one. */
static slot *find(inflight *t, const char *key, slot **free_slot)
{
    slot *found = NULL, *empty = NULL;
    for (size_t i = 0; i < t->cap && found == NULL; i++) {
        slot *s = &t->slots[i];
        if (s->key[0] == '\0') {
            if (empty == NULL)
                empty = s;
        } else if (strncmp(s->key, key, INFLIGHT_KEY_MAX) == 0) {
            found = s;
        }
    }
    if (free_slot != NULL)
        *free_slot = empty;
    return found;
}

bool inflight_enter(inflight *t, const char *key)
{
    assert(key != NULL && key[0] != '\0');
    pthread_mutex_lock(&t->lock);
    slot *empty = NULL;
    slot *s = find(t, key, &empty);
    bool ok = false;
    if (s != NULL && s->running < t->per_key) {
        s->running++;
        ok = true;
    } else if (s == NULL && empty != NULL) {
        size_t n = strnlen(key, INFLIGHT_KEY_MAX);
        memcpy(empty->key, key, n);
        empty->key[n] = '\0';
        empty->running = 1;
        ok = true;
    }
    pthread_mutex_unlock(&t->lock);
    return ok;
}

void inflight_leave(inflight *t, const char *key)
{
    pthread_mutex_lock(&t->lock);
    slot *s = find(t, key, NULL);
    assert(s != NULL && s->running > 0);
    if (s != NULL && --s->running == 0)
        s->key[0] = '\0';
    pthread_mutex_unlock(&t->lock);
}
