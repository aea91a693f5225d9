/* buf: a growable byte buffer with a hard maximum.
 *
 * Every buffer that grows from outside input is created with the largest size it
 * may reach; appending past it fails with EM_E_TOO_LARGE and leaves the buffer as
 * it was. The content is always NUL-terminated (the NUL is not counted in len),
 * so text can be read with data directly. */
#ifndef EM_CORE_BUF_H
#define EM_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data;     /* owned; NULL until the first append */
    size_t len;     /* bytes used, excluding the terminating NUL */
    size_t cap;     /* bytes allocated */
    size_t max;     /* largest len allowed */
} buf;

/* Caller-owned struct; no allocation until the first append. */
void buf_init(buf *b, size_t max);
/* Frees the data; the struct may be reused after buf_init. */
void buf_cleanup(buf *b);
/* Forget the content, keep the allocation. */
void buf_reset(buf *b);

/* Allocate room for `n` more bytes now (a size hint for builders that know
 * roughly how much they will write); 0 or EM_E_TOO_LARGE past max. */
int buf_reserve(buf *b, size_t n);

/* Append; 0 or EM_E_TOO_LARGE (buffer unchanged). */
int buf_append(buf *b, const void *p, size_t n);
int buf_append_str(buf *b, const char *s);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Append the whole content of the file at path (read in pieces, so the
 * buffer's maximum bounds the memory taken). EM_E_NOT_FOUND when it does not
 * exist, EM_E_TOO_LARGE when it goes past the maximum, EM_E_IO otherwise
 * (a directory, a read error); the message names the path. On failure the
 * buffer holds what it held before. */
struct em_error;
int buf_read_file(buf *b, const char *path, struct em_error *err);

/* Hand the content over as an owned string (free with free()); the buffer is
 * empty afterwards. Never NULL: an empty buffer gives "". */
char *buf_steal(buf *b);

#endif
