/* mem: allocation wrappers with the project's one out-of-memory policy.
 *
 * The policy: running out of memory is not recoverable in a server that must not
 * leave half-written state, so the wrappers log one line to stderr and abort().
 * Callers therefore never check for NULL from em_malloc and friends. Limits on
 * input sizes (buf, arena) keep outside input from driving the process there. */
#ifndef EM_CORE_MEM_H
#define EM_CORE_MEM_H

#include <stddef.h>

/* Owned memory, free with free(). Never return NULL (abort on exhaustion). */
void *em_malloc(size_t n);
void *em_calloc(size_t count, size_t size);
void *em_realloc(void *p, size_t n);
char *em_strdup(const char *s);
char *em_strndup(const char *s, size_t n);
/* printf into a new owned string; free with free(). */
char *em_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
