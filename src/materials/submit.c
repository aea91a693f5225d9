#include "materials/submit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sodium.h>

#include "content/sniff.h"
#include "core/ids.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "jobs/queue.h"

void material_storage_key(const char *material_id, char *out, size_t cap)
{
    snprintf(out, cap, "materials/%s/original", material_id);
}

/* A client's file name without its directories ("C:\\notes\\a.pdf" and
 * "/home/me/a.pdf" are "a.pdf"): only the name is kept. */
static const char *base_name(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *bslash = strrchr(name, '\\');
    if (slash != NULL)
        name = slash + 1;
    if (bslash != NULL && bslash + 1 > name)
        name = bslash + 1;
    return name;
}

/* The title: given, else the file name without directories and extension. */
static int pick_title(const submit_input *in, char *out, size_t cap, em_error *err)
{
    if (in->title != NULL) {
        size_t n = strlen(in->title);
        if (n == 0 || n > SUBMIT_TITLE_MAX)
            return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "title must be 1 to %d characters",
                                   SUBMIT_TITLE_MAX);
        json_utf8_sanitize(out, cap, in->title, n);
        return EM_OK;
    }
    const char *name = in->filename;
    if (name == NULL || name[0] == '\0') {
        snprintf(out, cap, "Untitled material");
        return EM_OK;
    }
    name = base_name(name);
    size_t n = strlen(name);
    const char *dot = strrchr(name, '.');
    if (dot != NULL && dot != name)
        n = (size_t)(dot - name);
    if (n > SUBMIT_TITLE_MAX)
        n = SUBMIT_TITLE_MAX;
    if (n == 0) {
        snprintf(out, cap, "Untitled material");
        return EM_OK;
    }
    json_utf8_sanitize(out, cap, name, n);
    return EM_OK;
}

/* Piece size of the pass over a file. */
#define SUBMIT_PIECE (64 * 1024)

/* Bytes [at, at + n) of the input into dst; EM_E_IO when they cannot all be read. */
static int read_at(const submit_input *in, size_t at, void *dst, size_t n)
{
    if (in->data != NULL) {
        memcpy(dst, (const char *)in->data + at, n);
        return EM_OK;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(in->fd, (char *)dst + got, n - got, in->offset + (off_t)(at + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return EM_E_IO;
        got += (size_t)r;
    }
    return EM_OK;
}

/* One pass over the whole input: its SHA-256, and, for a text, whether it is
 * text to its end (a character split between pieces opens the next one). */
static int scan(const submit_input *in, bool text, char sha[65], em_error *err)
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    unsigned char *piece = em_malloc(SUBMIT_PIECE + 4);
    size_t carry = 0, at = 0;
    int rc = EM_OK;
    while (rc == EM_OK && at < in->len) {
        size_t n = in->len - at < SUBMIT_PIECE ? in->len - at : SUBMIT_PIECE;
        if (read_at(in, at, piece + carry, n) != EM_OK) {
            rc = em_error_set(err, EM_E_IO, "the upload could not be read back");
            break;
        }
        crypto_hash_sha256_update(&h, piece + carry, n);
        at += n;
        size_t have = carry + n;
        size_t whole = at < in->len ? utf8_complete((const char *)piece, have) : have;
        /* The byte order mark was judged by sniff_content. */
        size_t skip = at == n && whole >= 3 && memcmp(piece, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
        /* text in UTF-8, or in an 8-bit encoding read as Windows-1252 when it
           is not UTF-8 throughout (materials/ingest.c): control bytes are
           what is not text */
        if (text && !sniff_text_piece_8bit(piece + skip, whole - skip))
            rc = em_error_set(err, EM_E_UNSUPPORTED,
                              "the text holds control characters (near byte %zu): upload plain text, "
                              "Markdown or HTML",
                              at - n);
        carry = have - whole;
        memmove(piece, piece + whole, carry);
    }
    free(piece);
    if (rc == EM_OK) {
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&h, digest);
        sodium_bin2hex(sha, 65, digest, sizeof digest);
    }
    return rc;
}

/* Sniff the type from the first SNIFF_PREFIX bytes (without a character the
 * rest of the file completes). */
static int sniff(const submit_input *in, submit_output *out, content_type *type, em_error *err)
{
    size_t n = in->len < SNIFF_PREFIX ? in->len : SNIFF_PREFIX;
    const void *prefix = in->data;
    unsigned char *copy = NULL;
    if (prefix == NULL) {
        copy = em_malloc(n);
        if (read_at(in, 0, copy, n) != EM_OK) {
            free(copy);
            return em_error_set(err, EM_E_IO, "the upload could not be read back");
        }
        prefix = copy;
    }
    if (n < in->len && utf8_complete(prefix, n) > 0)
        n = utf8_complete(prefix, n);
    int rc = sniff_content(prefix, n, in->filename, type, out->mime, sizeof out->mime, err);
    free(copy);
    return rc;
}

/* ---- limits ---- */

/* An amount of bytes for people: "512 bytes", "3.2 MB", "2.0 GB". */
static void human_bytes(int64_t n, char out[32])
{
    static const char *const units[] = {"KB", "MB", "GB", "TB"};
    if (n < 1024) {
        snprintf(out, 32, "%" PRId64 " byte%s", n, n == 1 ? "" : "s");
        return;
    }
    double v = (double)n / 1024.0;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(out, 32, "%.1f %s", v, units[u]);
}

/* Enough free space on the disk under DATA_DIR for len more bytes and the
 * reserve? A disk that cannot be asked is logged and let through (the write
 * reports it if it is really gone). */
static int check_disk(const submit_limits *l, size_t len, em_error *err)
{
    if (l->data_dir == NULL || l->min_free_bytes <= 0)
        return EM_OK;
    struct statvfs vfs;
    if (statvfs(l->data_dir, &vfs) != 0) {
        log_msg(LOG_WARN, "uploads: cannot read the free space of DATA_DIR: %s", strerror(errno));
        return EM_OK;
    }
    uint64_t free_bytes = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
    if (free_bytes >= (uint64_t)l->min_free_bytes + len)
        return EM_OK;
    char have[32], keep[32];
    human_bytes((int64_t)(free_bytes > INT64_MAX ? INT64_MAX : free_bytes), have);
    human_bytes(l->min_free_bytes, keep);
    log_msg(LOG_WARN, "uploads refused: %s free on the disk of DATA_DIR, %s kept free (MIN_FREE_DISK_MB)",
            have, keep);
    return em_error_refuse(err, EM_E_UNAVAILABLE, SUBMIT_INSUFFICIENT_STORAGE,
                           "the server is running out of disk space, so it cannot take uploads right now; "
                           "try again later");
}

/* The user's unfinished extraction jobs under the cap, their materials under
 * theirs, and their originals with this one within the quota? */
static int check_user(db *d, const submit_input *in, em_error *err)
{
    const submit_limits *l = in->limits;
    int rc = EM_OK;
    if (in->enqueue && l->max_pending > 0) {
        int64_t pending = 0;
        rc = queue_count_unfinished(d, in->user_id, MATERIAL_JOB_KIND, &pending, err);
        if (rc == EM_OK && pending >= l->max_pending) {
            rc = em_error_set(err, EM_E_RATE_LIMITED,
                              "%" PRId64
                              " of your uploads are still waiting to be processed, and %d is the most "
                              "at a time: try again once some are done",
                              pending, l->max_pending);
            if (err != NULL)
                err->retry_after_s = SUBMIT_RETRY_AFTER_S;
        }
    }
    int64_t used = 0, kept = 0;
    if (rc == EM_OK && (l->user_quota_bytes > 0 || l->max_materials > 0))
        rc = material_user_usage(d, in->user_id, &used, &kept, err);
    if (rc == EM_OK && l->max_materials > 0 && kept >= l->max_materials)
        rc = em_error_refuse(err, EM_E_TOO_LARGE, SUBMIT_QUOTA_EXCEEDED,
                             "you have %" PRId64 " materials, the most one account may keep: delete some "
                             "to add more",
                             kept);
    if (rc == EM_OK && l->user_quota_bytes > 0 && used + (int64_t)in->len > l->user_quota_bytes) {
        int64_t left = used < l->user_quota_bytes ? l->user_quota_bytes - used : 0;
        char quota[32], rest[32], size[32];
        human_bytes(l->user_quota_bytes, quota);
        human_bytes(left, rest);
        human_bytes((int64_t)in->len, size);
        rc = em_error_refuse(err, EM_E_TOO_LARGE, SUBMIT_QUOTA_EXCEEDED,
                             "this upload (%s) does not fit in your storage quota of %s: %s is left; delete "
                             "some of your material to make room",
                             size, quota, rest);
    }
    return rc;
}

/* The rows, inside the limits: the user's row locked (PostgreSQL; SQLite's
 * transaction is the one writer already), the limits checked again, then the
 * material and its job, in one transaction. */
static int create_within_limits(db *d, const submit_input *in, const char *id, const material_new *m,
                                char job_id[JOB_ID_LEN + 1], em_error *err)
{
    bool limited = in->limits != NULL && (in->limits->user_quota_bytes > 0 || in->limits->max_pending > 0 ||
                                          in->limits->max_materials > 0);
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    if (limited && db_dialect_of(d) == DB_POSTGRES) {
        const char *p[] = {in->user_id};
        rc = db_run(d, "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", p, 1, err);
        rc = rc == DB_ROW ? EM_OK : rc;
    }
    if (rc == EM_OK && limited)
        rc = check_user(d, in, err);
    if (rc == EM_OK)
        rc = material_create(d, id, m, in->enqueue, job_id, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

int material_submit(db *d, storage *files, const submit_input *in, submit_output *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    if (in->len == 0)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "the file is empty");
    char title[SUBMIT_TITLE_MAX * 4 + 1];
    int rc = pick_title(in, title, sizeof title, err);
    if (rc != EM_OK)
        return rc;
    /* The limits first: a refused upload costs no pass over the file and
     * stores nothing. */
    if (in->limits != NULL) {
        rc = check_disk(in->limits, in->len, err);
        if (rc == EM_OK)
            rc = check_user(d, in, err);
        if (rc != EM_OK)
            return rc;
    }
    content_type type = CONTENT_UNSUPPORTED;
    rc = sniff(in, out, &type, err);
    if (rc != EM_OK)
        return rc;
    if (type == CONTENT_UNSUPPORTED)
        return em_error_set(err, EM_E_UNSUPPORTED,
                            "this file is not one exammentor can read (its content is %s): upload a PDF, "
                            "plain text, Markdown or HTML file",
                            out->mime[0] ? out->mime : "of no known type");
    /* an HTML page is read as the Markdown written of it (content/html.h);
       its MIME type, text/html, tells ingestion to write it */
    snprintf(out->kind, sizeof out->kind, "%s",
             content_type_name(type == CONTENT_HTML ? CONTENT_MARKDOWN : type));

    char filename[256] = "";
    const char *base = in->filename != NULL ? base_name(in->filename) : NULL;
    if (base != NULL)
        json_utf8_sanitize(filename, sizeof filename, base, strnlen(base, 255));
    char sha[65];
    rc = scan(in, type != CONTENT_PDF, sha, err);
    if (rc != EM_OK)
        return rc;
    id_uuid7(out->material_id);
    char key[128];
    material_storage_key(out->material_id, key, sizeof key);

    if (in->data != NULL)
        rc = storage_put(files, key, in->data, in->len, out->mime, err);
    else
        rc = storage_put_fd(files, key, in->fd, in->offset, in->len, out->mime, err);
    if (rc != EM_OK)
        return rc;
    material_new m = {
        .user_id = in->user_id,
        .title = title,
        .filename = base != NULL && base[0] != '\0' ? filename : NULL,
        .kind = out->kind,
        .mime = out->mime,
        .sha256 = sha,
        .storage_key = key,
        .size_bytes = (int64_t)in->len,
        .is_worksheet = in->is_worksheet,
        .tags_json = in->tags_json != NULL ? in->tags_json : "[]",
    };
    rc = create_within_limits(d, in, out->material_id, &m, out->job_id, err);
    if (rc != EM_OK) {
        em_error derr = {0};
        if (storage_delete(files, key, &derr) != EM_OK)
            log_msg(LOG_ERROR, "material %s: the rows failed and the stored file could not be removed: %s",
                    out->material_id, derr.msg);
    }
    return rc;
}
