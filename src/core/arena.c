#include "core/arena.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_CHUNK 4096

typedef struct chunk {
    struct chunk *next;
    size_t size;  /* usable bytes in data */
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} chunk;

struct arena {
    chunk *head;       /* current chunk, newest first */
    chunk *first;      /* the chunk kept across arena_reset */
    size_t used;       /* total bytes handed out */
};

static chunk *chunk_new(size_t size)
{
    chunk *c = em_malloc(sizeof *c + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

arena *arena_new(size_t first_chunk)
{
    arena *a = em_malloc(sizeof *a);
    a->first = chunk_new(first_chunk == 0 ? ARENA_DEFAULT_CHUNK : first_chunk);
    a->head = a->first;
    a->used = 0;
    return a;
}

static void free_chunks_until(chunk *c, const chunk *stop)
{
    while (c != NULL && c != stop) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
}

void arena_free(arena *a)
{
    if (a == NULL)
        return;
    free_chunks_until(a->head, NULL);
    free(a);
}

void arena_reset(arena *a)
{
    free_chunks_until(a->head, a->first);
    a->head = a->first;
    a->first->used = 0;
    a->first->next = NULL;
    a->used = 0;
}

void *arena_alloc(arena *a, size_t n)
{
    assert(a != NULL);
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n)
        abort(); /* overflow: a caller bug, sizes come from limited buffers */
    chunk *c = a->head;
    if (c->size - c->used < need) {
        size_t size = c->size * 2;
        if (size < need)
            size = need;
        chunk *nc = chunk_new(size);
        nc->next = c;
        a->head = nc;
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used += n;
    return p;
}

void *arena_calloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = arena_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_vsprintf(arena *a, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return arena_strdup(a, "");
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_sprintf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vsprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

size_t arena_used(const arena *a)
{
    return a->used;
}
