#include "core/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

void buf_init(buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_cleanup(buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_reset(buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/* Make room for `extra` more bytes plus the NUL, within max. */
static int reserve(buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return EM_E_TOO_LARGE;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return EM_OK;
    size_t cap = b->cap == 0 ? 64 : b->cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    b->data = em_realloc(b->data, cap);
    b->cap = cap;
    return EM_OK;
}

int buf_reserve(buf *b, size_t n)
{
    return reserve(b, n);
}

int buf_append(buf *b, const void *p, size_t n)
{
    int rc = reserve(b, n);
    if (rc != EM_OK)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return EM_OK;
}

int buf_append_str(buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return EM_E_INVAL;
    int rc = reserve(b, (size_t)n);
    if (rc != EM_OK)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return EM_OK;
}

int buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *buf_steal(buf *b)
{
    char *s = b->data;
    if (s == NULL)
        s = em_strdup("");
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return s;
}

int buf_read_file(buf *b, const char *path, em_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        return em_error_set(err, e == ENOENT ? EM_E_NOT_FOUND : EM_E_IO, "cannot open %s: %s", path, strerror(e));
    }
    size_t before = b->len;
    int rc = EM_OK;
    char piece[16384];
    size_t got;
    while (rc == EM_OK && (got = fread(piece, 1, sizeof piece, f)) > 0) {
        if (buf_append(b, piece, got) != EM_OK)
            rc = em_error_set(err, EM_E_TOO_LARGE, "%s is larger than %zu bytes", path, b->max);
    }
    if (rc == EM_OK && ferror(f))
        rc = em_error_set(err, EM_E_IO, "cannot read %s: %s", path, strerror(errno));
    fclose(f);
    if (rc != EM_OK && b->data != NULL) {
        b->len = before;
        b->data[before] = '\0';
    }
    return rc;
}
