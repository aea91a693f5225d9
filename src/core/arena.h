/* arena: a region allocator; one per HTTP request, freed when the response is done.
 *
 * Allocations are bump-pointer from chunks and are released all at once by
 * arena_free. Handlers allocate from the request's arena and rarely call free.
 * Memory is 16-byte aligned. An arena is not thread-safe: it belongs to one
 * request on one thread. */
#ifndef EM_CORE_ARENA_H
#define EM_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;

/* New arena whose first chunk holds `first_chunk` bytes (0: a default of 4 KiB).
 * Free with arena_free; arena_free(NULL) is a no-op. */
arena *arena_new(size_t first_chunk);
void arena_free(arena *a);
/* Release everything allocated, keep the first chunk for reuse. */
void arena_reset(arena *a);

/* Borrowed memory valid until arena_free/arena_reset. Never NULL (abort on OOM). */
void *arena_alloc(arena *a, size_t n);
void *arena_calloc(arena *a, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_sprintf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vsprintf(arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Bytes handed out so far (for tests and limits). */
size_t arena_used(const arena *a);

#endif
