/* store: the compiled-in bundle, or a directory read per request. */
#include "web/store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "web/embedded_int.h"

struct webstore {
    char *dir;          /* owned: the directory's real path (no links, no trailing '/'); NULL: a table */
    const asset *files; /* borrowed: the table, in strcmp order of paths */
    size_t count;
    const char *hash; /* borrowed: the table's bundle hash */
};

webstore *webstore_new_table(const asset *files, size_t count, const char *hash)
{
    assert(hash != NULL && (files != NULL || count == 0));
    for (size_t i = 1; i < count; i++)
        assert(strcmp(files[i - 1].path, files[i].path) < 0);
    webstore *s = em_calloc(1, sizeof *s);
    s->files = files;
    s->count = count;
    s->hash = hash;
    return s;
}

webstore *webstore_new_embedded(void)
{
    return webstore_new_table(web__embedded, web__embedded_count, web__embedded_hash);
}

/* Whether `dir` has a ".." component. */
static bool has_dotdot(const char *dir)
{
    const char *p = dir;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return true;
        p += n;
        while (*p == '/')
            p++;
    }
    return false;
}

int webstore_open_dir(const char *dir, webstore **out, em_error *err)
{
    assert(dir != NULL && out != NULL);
    *out = NULL;
    if (dir[0] == '\0' || has_dotdot(dir))
        return em_error_set(err, EM_E_INVAL, "web directory %s (WEB_DIR, --web-dir): give it without '..'",
                            dir);
    char *real = realpath(dir, NULL);
    struct stat st;
    if (real == NULL || stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
        free(real);
        return em_error_set(err, EM_E_NOT_FOUND, "web directory %s (WEB_DIR, --web-dir): not a directory",
                            dir);
    }
    webstore *s = em_calloc(1, sizeof *s);
    s->dir = real;
    *out = s;
    return EM_OK;
}

void webstore_free(webstore *s)
{
    if (s == NULL)
        return;
    free(s->dir);
    free(s);
}

const char *webstore_hash(const webstore *s)
{
    return s->dir != NULL ? WEBSTORE_DEV_HASH : s->hash;
}

bool webstore_immutable(const webstore *s)
{
    return s->dir == NULL;
}

size_t webstore_count(const webstore *s)
{
    return s->dir != NULL ? 0 : s->count;
}

/* Binary search of the table (strcmp order). */
static const asset *table_find(const webstore *s, const char *path)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, s->files[mid].path);
        if (c == 0)
            return &s->files[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Read the regular file `path` under s->dir into `a`. */
static int dir_get(const webstore *s, const char *path, arena *a, asset *out, em_error *err)
{
    char *full = arena_sprintf(a, "%s/%s", s->dir, path);
    /* Resolve every link: what is served must still be inside the directory. */
    char *real = realpath(full, NULL);
    if (real == NULL)
        return em_error_set(err, EM_E_NOT_FOUND, "no such file");
    size_t dl = strlen(s->dir);
    bool inside = strncmp(real, s->dir, dl) == 0 && real[dl] == '/';
    int fd = inside ? open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
    free(real);
    if (fd < 0)
        return em_error_set(err, EM_E_NOT_FOUND, "no such file");
    int rc = EM_OK;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such file");
        goto out;
    }
    if ((uint64_t)st.st_size > WEBSTORE_MAX_FILE) {
        rc = em_error_set(err, EM_E_TOO_LARGE, "file larger than %u bytes", WEBSTORE_MAX_FILE);
        goto out;
    }
    size_t len = (size_t)st.st_size;
    unsigned char *data = arena_alloc(a, len + 1);
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, data + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got != len) {
        log_msg(LOG_ERROR, "web: reading %s: %s", full, got < len ? "short read" : strerror(errno));
        rc = em_error_set(err, EM_E_IO, "cannot read the file");
        goto out;
    }
    data[len] = '\0';
    char *etag = arena_alloc(a, ASSET_ETAG_MAX);
    asset_etag(data, len, false, etag);
    *out = (asset){.path = arena_strdup(a, path),
                   .content_type = asset_content_type(path),
                   .data = data,
                   .len = len,
                   .etag = etag};
out:
    close(fd);
    return rc;
}

int webstore_get(const webstore *s, const char *path, arena *a, asset *out, em_error *err)
{
    assert(s != NULL && out != NULL);
    if (!asset_path_ok(path))
        return em_error_set(err, EM_E_NOT_FOUND, "no such file");
    if (s->dir != NULL)
        return dir_get(s, path, a, out, err);
    const asset *f = table_find(s, path);
    if (f == NULL)
        return em_error_set(err, EM_E_NOT_FOUND, "no such file");
    *out = *f;
    return EM_OK;
}
