/* storage: the interface; the backends are storage_fs.c and storage_s3.c.
 *
 * This file picks the backend from STORAGE_URL, checks keys and arguments
 * once for both backends, and dispatches. A backend has one way to write (from
 * a source that is memory or a file range) and one way to read (streaming to
 * a sink); storage_put and storage_get are those with memory at either end. */
#include "content/storage.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "content/storage_int.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"

int storage_check_key(const char *key, em_error *err)
{
    if (key == NULL || key[0] == '\0')
        return em_error_set(err, EM_E_INVAL, "storage key is empty");
    size_t n = strnlen(key, STORAGE_KEY_MAX + 1);
    if (n > STORAGE_KEY_MAX)
        return em_error_set(err, EM_E_INVAL, "storage key is longer than %d bytes", STORAGE_KEY_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '/' || c == '-';
        if (!ok)
            return em_error_set(err, EM_E_INVAL, "storage key has a character outside [A-Za-z0-9._/-]");
    }
    if (strstr(key, "..") != NULL)
        return em_error_set(err, EM_E_INVAL, "storage key contains \"..\"");
    if (key[0] == '/' || key[n - 1] == '/')
        return em_error_set(err, EM_E_INVAL, "storage key starts or ends with '/'");
    /* segments: none empty ("a//b"), none "." */
    const char *seg = key;
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t sl = slash != NULL ? (size_t)(slash - seg) : strlen(seg);
        if (sl == 0 || (sl == 1 && seg[0] == '.'))
            return em_error_set(err, EM_E_INVAL, "storage key has an empty or \".\" segment");
        if (slash == NULL)
            break;
        seg = slash + 1;
    }
    return EM_OK;
}

int storage_open(const storage_options *o, storage **out, em_error *err)
{
    *out = NULL;
    em_error_clear(err);
    storage *s = em_calloc(1, sizeof *s);
    int rc;
    const char *url = o->url != NULL ? o->url : "";
    if (url[0] == '\0') {
        if (o->data_dir == NULL || o->data_dir[0] == '\0') {
            rc = em_error_set(err, EM_E_CONFIG, "DATA_DIR is not set (needed for local storage)");
            goto fail;
        }
        size_t dl = strlen(o->data_dir);
        while (dl > 1 && o->data_dir[dl - 1] == '/')
            dl--;
        char *dir = em_asprintf("%.*s/files", (int)dl, o->data_dir);
        rc = storage__fs_open(s, dir, err);
        free(dir);
    } else if (strncmp(url, "file://", 7) == 0) {
        if (url[7] != '/' || url[8] == '\0') {
            rc = em_error_set(err, EM_E_CONFIG, "STORAGE_URL must be file:///absolute/dir");
            goto fail;
        }
        rc = storage__fs_open(s, url + 7, err);
    } else if (strncmp(url, "s3://", 5) == 0) {
        rc = storage__s3_open(s, url + 5, o, err);
    } else {
        rc = em_error_set(err, EM_E_CONFIG, "STORAGE_URL must be file:///dir or s3://bucket[/prefix]");
    }
    if (rc != EM_OK)
        goto fail;
    *out = s;
    return EM_OK;

fail:
    free(s);
    return rc;
}

void storage_close(storage *s)
{
    if (s == NULL)
        return;
    s->ops->close(s->impl);
    free(s);
}

const char *storage_kind(const storage *s)
{
    return s->ops->kind;
}

int storage_put(storage *s, const char *key, const void *data, size_t len, const char *content_type,
                em_error *err)
{
    em_error_clear(err);
    int rc = storage_check_key(key, err);
    if (rc != EM_OK)
        return rc;
    if (data == NULL && len > 0)
        return em_error_set(err, EM_E_INVAL, "storage: no data");
    storage__src src = {.data = data != NULL ? data : "", .fd = -1, .len = len};
    return s->ops->put(s->impl, key, &src, content_type, err);
}

int storage_put_fd(storage *s, const char *key, int fd, off_t offset, size_t len, const char *content_type,
                   em_error *err)
{
    em_error_clear(err);
    int rc = storage_check_key(key, err);
    if (rc != EM_OK)
        return rc;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return em_error_set(err, EM_E_INVAL, "storage: the source is not a regular file");
    /* the range must fit in off_t, and in the file as it is now */
    if (offset < 0 || (uint64_t)len > (uint64_t)INT64_MAX - (uint64_t)offset)
        return em_error_set(err, EM_E_INVAL, "storage: invalid source range");
    if ((uint64_t)offset + len > (uint64_t)st.st_size)
        return em_error_set(err, EM_E_IO, "storage: the source file is shorter than the range to store");
    storage__src src = {.fd = fd, .offset = offset, .len = len};
    return s->ops->put(s->impl, key, &src, content_type, err);
}

int storage_read(storage *s, const char *key, size_t max_len, storage_sink sink, void *ctx, em_error *err)
{
    em_error_clear(err);
    int rc = storage_check_key(key, err);
    if (rc != EM_OK)
        return rc;
    if (sink == NULL)
        return em_error_set(err, EM_E_INVAL, "storage: no sink");
    return s->ops->read(s->impl, key, max_len, sink, ctx, err);
}

/* storage_get's sink: everything into one buffer of at most max_len bytes. */
static int get_sink(void *ctx, const void *data, size_t n)
{
    return buf_append(ctx, data, n);
}

int storage_get(storage *s, const char *key, void **data, size_t *len, size_t max_len, em_error *err)
{
    *data = NULL;
    *len = 0;
    buf b;
    buf_init(&b, max_len);
    int rc = storage_read(s, key, max_len, get_sink, &b, err);
    if (rc == EM_E_TOO_LARGE) /* from the backend, or from get_sink without a known size */
        em_error_set(err, EM_E_TOO_LARGE, "storage: object is larger than %zu bytes", max_len);
    if (rc == EM_OK) {
        *len = b.len;
        *data = buf_steal(&b);
    }
    buf_cleanup(&b);
    return rc;
}

int storage_size(storage *s, const char *key, uint64_t *size, em_error *err)
{
    *size = 0;
    em_error_clear(err);
    int rc = storage_check_key(key, err);
    if (rc != EM_OK)
        return rc;
    return s->ops->size(s->impl, key, size, err);
}

int storage_delete(storage *s, const char *key, em_error *err)
{
    em_error_clear(err);
    int rc = storage_check_key(key, err);
    if (rc != EM_OK)
        return rc;
    return s->ops->del(s->impl, key, err);
}

/* A listing prefix: "", or what a key may hold, with a trailing '/' allowed
 * (checked as the key without it). */
static int check_prefix(const char *prefix, em_error *err)
{
    if (prefix == NULL)
        return em_error_set(err, EM_E_INVAL, "storage: no prefix");
    size_t n = strnlen(prefix, STORAGE_KEY_MAX + 1);
    if (n == 0)
        return EM_OK;
    if (n > STORAGE_KEY_MAX)
        return em_error_set(err, EM_E_INVAL, "storage prefix is longer than %d bytes", STORAGE_KEY_MAX);
    if (prefix[n - 1] != '/')
        return storage_check_key(prefix, err);
    if (n == 1)
        return em_error_set(err, EM_E_INVAL, "storage prefix is only '/'");
    char *bare = em_strndup(prefix, n - 1);
    int rc = storage_check_key(bare, err);
    free(bare);
    return rc;
}

int storage_list(storage *s, const char *prefix, storage_list_fn visit, void *ctx, em_error *err)
{
    em_error_clear(err);
    int rc = check_prefix(prefix, err);
    if (rc != EM_OK)
        return rc;
    if (visit == NULL)
        return em_error_set(err, EM_E_INVAL, "storage: no visitor");
    return s->ops->list(s->impl, prefix, visit, ctx, err);
}

int storage_local_path(storage *s, const char *key, char *out, size_t cap)
{
    if (cap > 0)
        out[0] = '\0';
    if (storage_check_key(key, NULL) != EM_OK)
        return EM_E_INVAL;
    if (s->ops->local_path == NULL)
        return EM_E_UNSUPPORTED;
    return s->ops->local_path(s->impl, key, out, cap);
}
