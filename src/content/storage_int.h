/* storage_int: what the storage backends (storage_fs.c, storage_s3.c) share
 * with storage.c, which checks arguments and dispatches to them. Not for
 * callers of storage.h. */
#ifndef EM_CONTENT_STORAGE_INT_H
#define EM_CONTENT_STORAGE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "content/storage.h"
#include "core/err.h"

/* Where the bytes of a put come from: memory, or a range of a file. */
typedef struct storage__src {
    const void *data; /* fd < 0: len bytes here (never NULL) */
    int fd;           /* >= 0: a regular file, read with pread from offset */
    off_t offset;
    size_t len;
} storage__src;

/* A backend's operations. Keys and sources reach them already checked;
 * outputs are already cleared. */
typedef struct storage__ops {
    const char *kind;
    int (*put)(void *impl, const char *key, const storage__src *src, const char *content_type, em_error *err);
    int (*read)(void *impl, const char *key, size_t max_len, storage_sink sink, void *ctx, em_error *err);
    int (*size)(void *impl, const char *key, uint64_t *size, em_error *err);
    int (*del)(void *impl, const char *key, em_error *err);
    /* prefix already checked (may be "") */
    int (*list)(void *impl, const char *prefix, storage_list_fn visit, void *ctx, em_error *err);
    /* NULL when objects are not files */
    int (*local_path)(void *impl, const char *key, char *out, size_t cap);
    void (*close)(void *impl);
} storage__ops;

struct storage {
    const storage__ops *ops; /* static */
    void *impl;              /* owned by the backend, freed by ops->close */
};

/* Open a backend: fill s->ops and s->impl, or fail leaving them NULL. `dir`
 * is the local directory; `bucket_and_prefix` is what follows "s3://". */
int storage__fs_open(storage *s, const char *dir, em_error *err);
int storage__s3_open(storage *s, const char *bucket_and_prefix, const storage_options *o, em_error *err);

#endif
