/* storage_int: what the storage backends (storage_fs.c, storage_s3.c) share
 * with storage.c, which checks arguments and dispatches to them. Not for
 * callers of storage.h. */
#ifndef EM_CONTENT_STORAGE_INT_H
#define EM_CONTENT_STORAGE_INT_H

#include <stddef.h>

#include "content/storage.h"
#include "core/err.h"

/* A backend's operations. Keys reach them already checked; outputs are
 * already cleared. */
typedef struct storage__ops {
    const char *kind;
    int (*put)(void *impl, const char *key, const void *data, size_t len, const char *content_type,
               em_error *err);
    int (*get)(void *impl, const char *key, void **data, size_t *len, size_t max_len, em_error *err);
    int (*del)(void *impl, const char *key, em_error *err);
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
