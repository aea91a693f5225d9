/* storage: the interface; the backends are storage_fs.c and storage_s3.c.
 *
 * This file picks the backend from STORAGE_URL, checks keys and arguments
 * once for both backends, and dispatches. */
#include "content/storage.h"

#include <stdlib.h>
#include <string.h>

#include "content/storage_int.h"
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
    return s->ops->put(s->impl, key, data != NULL ? data : "", len, content_type, err);
}

int storage_get(storage *s, const char *key, void **data, size_t *len, size_t max_len, em_error *err)
{
    *data = NULL;
    *len = 0;
    em_error_clear(err);
    int rc = storage_check_key(key, err);
    if (rc != EM_OK)
        return rc;
    return s->ops->get(s->impl, key, data, len, max_len, err);
}

int storage_delete(storage *s, const char *key, em_error *err)
{
    em_error_clear(err);
    int rc = storage_check_key(key, err);
    if (rc != EM_OK)
        return rc;
    return s->ops->del(s->impl, key, err);
}
