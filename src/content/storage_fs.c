/* storage_fs: the local-directory backend of storage.h.
 *
 * An object is the file <dir>/<key>; a key's '/' makes subdirectories (mode
 * 0700). A write goes to "<dir of the file>/.<name>~XXXXXX" ('~' is not allowed
 * in keys, so a temporary file never has a key's name), is fsync'd, renamed
 * over the target, and the directory is fsync'd so the rename survives a crash.
 * Deleting removes the file and then any directories left empty up to the
 * root; a writer that loses a directory to such a removal between making it
 * and creating its temporary file in it makes it again. There is no shared state
 * besides the root path, so any number of threads may use one handle. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "content/storage_int.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"

/* How often a write makes its directories again after losing them to a
 * concurrent delete. */
#define FS_MKDIR_ATTEMPTS 16

typedef struct fs_store {
    char *root; /* owned, no trailing '/' */
} fs_store;

/* mkdir -p for path[0..n), mode 0700. 0 or an errno value. */
static int make_dirs(const char *path, size_t n)
{
    char *p = em_strndup(path, n);
    int e = 0;
    for (size_t i = 1; i <= n && e == 0; i++) {
        if (i < n && p[i] != '/')
            continue;
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            e = errno;
        if (i < n)
            p[i] = '/';
    }
    if (e == 0) {
        struct stat st;
        if (stat(p, &st) != 0)
            e = errno;
        else if (!S_ISDIR(st.st_mode))
            e = ENOTDIR;
    }
    free(p);
    return e;
}

static int fs_io_error(em_error *err, const char *what, const char *path, int e)
{
    log_msg(LOG_ERROR, "storage: %s %s: %s", what, path, strerror(e));
    return em_error_set(err, EM_E_IO, "storage: cannot %s the file", what);
}

static int fs_put(void *impl, const char *key, const void *data, size_t len, const char *content_type,
                  em_error *err)
{
    fs_store *fs = impl;
    int rc = EM_OK;
    char *path = em_asprintf("%s/%s", fs->root, key);
    const char *slash = strrchr(path, '/');
    size_t dir_len = (size_t)(slash - path);
    char *tmp = em_asprintf("%.*s/.%s~XXXXXX", (int)dir_len, path, slash + 1);
    char *dir = em_strndup(path, dir_len);
    int fd = -1, dfd = -1;
    bool have_tmp = false; /* the temporary file exists and is ours to remove */

    /* make the directories, then the temporary file; again if a concurrent
     * delete removed an (empty) directory on the way */
    for (int attempt = 0;; attempt++) {
        int e = make_dirs(path, dir_len);
        if (e == 0) {
            memcpy(tmp + strlen(tmp) - 6, "XXXXXX", 6);
            fd = mkostemp(tmp, O_CLOEXEC);
            if (fd >= 0) {
                have_tmp = true;
                break;
            }
            e = errno;
        }
        if (e != ENOENT || attempt == FS_MKDIR_ATTEMPTS) {
            rc = fs_io_error(err, "create the directory of", path, e);
            goto out;
        }
    }

    const unsigned char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = fs_io_error(err, "write", tmp, w < 0 ? errno : EIO);
            goto out;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        rc = fs_io_error(err, "write", tmp, errno);
        goto out;
    }
    int cfd = fd;
    fd = -1;
    if (close(cfd) != 0) {
        rc = fs_io_error(err, "write", tmp, errno);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = fs_io_error(err, "write", path, errno);
        goto out;
    }
    have_tmp = false; /* renamed: nothing to remove */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0 && fsync(dfd) != 0)
        log_msg(LOG_WARN, "storage: fsync %s: %s", dir, strerror(errno));

out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    if (have_tmp)
        unlink(tmp);
    free(dir);
    free(tmp);
    free(path);
    return rc;
}

static int fs_get(void *impl, const char *key, void **data, size_t *len, size_t max_len, em_error *err)
{
    fs_store *fs = impl;
    int rc = EM_OK;
    char *path = em_asprintf("%s/%s", fs->root, key);
    unsigned char *d = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            rc = em_error_set(err, EM_E_NOT_FOUND, "storage: no such object");
        else
            rc = fs_io_error(err, "read", path, errno);
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = fs_io_error(err, "read", path, errno);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "storage: no such object");
        goto out;
    }
    if ((uint64_t)st.st_size > max_len) {
        rc = em_error_set(err, EM_E_TOO_LARGE, "storage: object is larger than %zu bytes", max_len);
        goto out;
    }
    size_t size = (size_t)st.st_size, got = 0;
    d = em_malloc(size + 1);
    while (got < size) {
        ssize_t r = read(fd, d + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = fs_io_error(err, "read", path, errno);
            goto out;
        }
        if (r == 0)
            break; /* shorter than fstat said: take what is there */
        got += (size_t)r;
    }
    d[got] = '\0';
    *data = d;
    *len = got;
    d = NULL;

out:
    if (fd >= 0)
        close(fd);
    free(d);
    free(path);
    return rc;
}

static int fs_del(void *impl, const char *key, em_error *err)
{
    fs_store *fs = impl;
    int rc = EM_OK;
    char *path = em_asprintf("%s/%s", fs->root, key);
    if (unlink(path) != 0 && errno != ENOENT && errno != ENOTDIR) {
        rc = fs_io_error(err, "delete", path, errno);
        goto out;
    }
    /* remove directories left empty, up to (not including) the root */
    size_t root_len = strlen(fs->root);
    for (char *slash = strrchr(path, '/'); slash != NULL && (size_t)(slash - path) > root_len;
         slash = strrchr(path, '/')) {
        *slash = '\0';
        if (rmdir(path) != 0)
            break;
    }

out:
    free(path);
    return rc;
}

static void fs_close(void *impl)
{
    fs_store *fs = impl;
    if (fs == NULL)
        return;
    free(fs->root);
    free(fs);
}

static const storage__ops fs_ops = {"local", fs_put, fs_get, fs_del, fs_close};

int storage__fs_open(storage *s, const char *dir, em_error *err)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    int e = make_dirs(dir, n);
    if (e != 0) {
        log_msg(LOG_ERROR, "storage: create %.*s: %s", (int)n, dir, strerror(e));
        return em_error_set(err, EM_E_IO, "storage: cannot create the storage directory");
    }
    fs_store *fs = em_calloc(1, sizeof *fs);
    fs->root = em_strndup(dir, n);
    s->ops = &fs_ops;
    s->impl = fs;
    return EM_OK;
}
