/* storage_fs: the local-directory backend of storage.h.
 *
 * An object is the file <dir>/<key>; a key's '/' makes subdirectories (mode
 * 0700). A write goes to "<dir of the file>/.<name>~XXXXXX" ('~' is not allowed
 * in keys, so a temporary file never has a key's name), is fsync'd, renamed
 * over the target, and the directory is fsync'd so the rename survives a crash.
 * The data comes from memory or from a range of another file, which is
 * copied with copy_file_range (in the kernel, no copy through user space;
 * shared blocks where the file system can) or, where that is refused (another
 * file system, an old kernel), with pread and write through a 64 KiB buffer.
 * Reading streams the file to the sink through a 64 KiB buffer. Listing walks
 * the directories under the prefix (fstatat without following links), taking
 * regular files whose names are keys: a temporary file has a '~', which a
 * key never has.
 * Deleting removes the file and then any directories left empty up to the
 * root; a writer that loses a directory to such a removal between making it
 * and creating its temporary file in it makes it again. There is no shared state
 * besides the root path, so any number of threads may use one handle. */
#include <dirent.h>
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
#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"

/* How often a write makes its directories again after losing them to a
 * concurrent delete. */
#define FS_MKDIR_ATTEMPTS 16
#define FS_CHUNK (64 * 1024) /* bytes per read and write */
#define FS_PATH_MAX 4096     /* the walk's path buffer: root, '/', a key */

typedef struct fs_store {
    char *root; /* owned, no trailing '/' */
} fs_store;

static int fs_io_error(em_error *err, const char *what, const char *path, int e)
{
    log_msg(LOG_ERROR, "storage: %s %s: %s", what, path, strerror(e));
    return em_error_set(err, EM_E_IO, "storage: cannot %s the file", what);
}

/* Write all of p[0..n) to fd. 0 or an errno value. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copy src's range to the end of out. 0, an errno value, or -1 when the
 * source ends before the range does. */
static int copy_range(const storage__src *src, int out)
{
    off_t pos = src->offset;
    size_t left = src->len;
    bool in_kernel = true;
    unsigned char *chunk = NULL;
    int e = 0;
    while (left > 0 && in_kernel) {
        size_t want = left < (size_t)1 << 30 ? left : (size_t)1 << 30;
        ssize_t n = copy_file_range(src->fd, &pos, out, NULL, want, 0);
        if (n > 0) {
            left -= (size_t)n;
        } else if (n == 0) {
            e = -1; /* the source ended */
            goto out;
        } else if (errno != EINTR) {
            if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP &&
                errno != EPERM && errno != ETXTBSY && errno != EBADF) {
                e = errno;
                goto out;
            }
            in_kernel = false; /* refused here: copy through user space from where it stopped */
        }
    }
    if (left > 0)
        chunk = em_malloc(FS_CHUNK);
    while (left > 0) {
        ssize_t n = pread(src->fd, chunk, left < FS_CHUNK ? left : FS_CHUNK, pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e = n < 0 ? errno : -1;
            goto out;
        }
        e = write_all(out, chunk, (size_t)n);
        if (e != 0)
            goto out;
        pos += n;
        left -= (size_t)n;
    }

out:
    free(chunk);
    return e;
}

static int fs_put(void *impl, const char *key, const storage__src *src, const char *content_type,
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
        int e = files_mkdirs(path, dir_len);
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

    int e = src->fd < 0 ? write_all(fd, src->data, src->len) : copy_range(src, fd);
    if (e == -1) {
        rc = em_error_set(err, EM_E_IO, "storage: the source file is shorter than the range to store");
        goto out;
    }
    if (e != 0) {
        rc = fs_io_error(err, "write", tmp, e);
        goto out;
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

static int fs_read(void *impl, const char *key, size_t max_len, storage_sink sink, void *ctx, em_error *err)
{
    fs_store *fs = impl;
    int rc = EM_OK;
    char *path = em_asprintf("%s/%s", fs->root, key);
    unsigned char *chunk = NULL;
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
    /* Until the end of the file: a file is replaced by rename, never
     * rewritten in place, so the one open here keeps its size. */
    chunk = em_malloc(FS_CHUNK);
    for (size_t got = 0;;) {
        ssize_t r = read(fd, chunk, FS_CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = fs_io_error(err, "read", path, errno);
            goto out;
        }
        if (r == 0)
            break;
        if ((size_t)r > max_len - got) {
            rc = em_error_set(err, EM_E_TOO_LARGE, "storage: object is larger than %zu bytes", max_len);
            goto out;
        }
        got += (size_t)r;
        rc = sink(ctx, chunk, (size_t)r);
        if (rc != 0) {
            em_error_set(err, rc, "storage: the read was stopped");
            goto out;
        }
    }

out:
    if (fd >= 0)
        close(fd);
    free(chunk);
    free(path);
    return rc;
}

static int fs_size(void *impl, const char *key, uint64_t *size, em_error *err)
{
    fs_store *fs = impl;
    int rc = EM_OK;
    char *path = em_asprintf("%s/%s", fs->root, key);
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            rc = em_error_set(err, EM_E_NOT_FOUND, "storage: no such object");
        else
            rc = fs_io_error(err, "read", path, errno);
    } else if (!S_ISREG(st.st_mode)) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "storage: no such object");
    } else {
        *size = (uint64_t)st.st_size;
    }
    free(path);
    return rc;
}

static int fs_local_path(void *impl, const char *key, char *out, size_t cap)
{
    fs_store *fs = impl;
    int n = snprintf(out, cap, "%s/%s", fs->root, key);
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return EM_E_TOO_LARGE;
    }
    return EM_OK;
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

/* The state of one listing: the path of the directory being read, where the
 * keys start in it, and what to visit. */
typedef struct fs_walk {
    char path[FS_PATH_MAX];
    size_t root_len; /* path[root_len] is the '/' before a key */
    const char *prefix;
    size_t prefix_len;
    storage_list_fn visit;
    void *ctx;
    em_error *err;
} fs_walk;

/* Whether directory `dir` (a key's leading segments) can hold keys that start
 * with prefix: prefix goes through it, or ends inside its name. */
static bool dir_may_match(const char *dir, const char *prefix, size_t prefix_len)
{
    size_t dl = strlen(dir);
    if (prefix_len > dl)
        return strncmp(prefix, dir, dl) == 0 && prefix[dl] == '/';
    return strncmp(dir, prefix, prefix_len) == 0;
}

/* Read the directory w->path (len bytes long), visiting its files and
 * walking its subdirectories; depth bounds the recursion (a key has at most
 * STORAGE_KEY_MAX / 2 segments). */
static int fs_walk_dir(fs_walk *w, size_t len, int depth)
{
    DIR *dir = opendir(w->path);
    if (dir == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return EM_OK; /* nothing (any more) under the prefix */
        return fs_io_error(w->err, "list", w->path, errno);
    }
    int rc = EM_OK;
    while (rc == EM_OK) {
        errno = 0;
        struct dirent *e = readdir(dir);
        if (e == NULL) {
            if (errno != 0)
                rc = fs_io_error(w->err, "list", w->path, errno);
            break;
        }
        const char *name = e->d_name;
        size_t nl = strlen(name);
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '~') != NULL ||
            len + 1 + nl >= sizeof w->path)
            continue; /* a temporary file, or deeper than any key */
        struct stat st;
        if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) /* removed meanwhile: not there */
                rc = fs_io_error(w->err, "list", w->path, errno);
            continue;
        }
        w->path[len] = '/';
        memcpy(w->path + len + 1, name, nl + 1);
        const char *key = w->path + w->root_len + 1;
        if (S_ISDIR(st.st_mode)) {
            if (depth < STORAGE_KEY_MAX / 2 && dir_may_match(key, w->prefix, w->prefix_len))
                rc = fs_walk_dir(w, len + 1 + nl, depth + 1);
        } else if (S_ISREG(st.st_mode) && strncmp(key, w->prefix, w->prefix_len) == 0 &&
                   storage_check_key(key, NULL) == EM_OK) {
            rc = w->visit(w->ctx, key, (uint64_t)st.st_size, (int64_t)st.st_mtime);
            if (rc != 0)
                em_error_set(w->err, rc, "storage: the listing was stopped");
        }
        w->path[len] = '\0';
    }
    closedir(dir);
    return rc;
}

static int fs_list(void *impl, const char *prefix, storage_list_fn visit, void *ctx, em_error *err)
{
    fs_store *fs = impl;
    fs_walk *w = em_calloc(1, sizeof *w);
    w->prefix = prefix;
    w->prefix_len = strlen(prefix);
    w->visit = visit;
    w->ctx = ctx;
    w->err = err;
    w->root_len = strlen(fs->root);
    /* Start in the deepest directory the prefix names whole ("materials/"
     * starts in root/materials, "materials/01" too). */
    const char *slash = strrchr(prefix, '/');
    size_t start = slash != NULL ? (size_t)(slash - prefix) : 0;
    int rc = EM_OK;
    int n = snprintf(w->path, sizeof w->path, "%s%s%.*s", fs->root, start > 0 ? "/" : "", (int)start, prefix);
    if (n < 0 || (size_t)n >= sizeof w->path)
        rc = em_error_set(err, EM_E_INVAL, "storage prefix is too long");
    else
        rc = fs_walk_dir(w, (size_t)n, 0);
    free(w);
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

static const storage__ops fs_ops = {
    .kind = "local",
    .put = fs_put,
    .read = fs_read,
    .size = fs_size,
    .del = fs_del,
    .list = fs_list,
    .local_path = fs_local_path,
    .close = fs_close,
};

int storage__fs_open(storage *s, const char *dir, em_error *err)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    int e = files_mkdirs(dir, n);
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
