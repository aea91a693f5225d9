#include "materials/submit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "content/sniff.h"
#include "core/ids.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/utf8.h"

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
        if (text && !sniff_text_piece(piece + skip, whole - skip))
            rc = em_error_set(err, EM_E_UNSUPPORTED,
                              "the text is not UTF-8 throughout (a bad piece near byte %zu): upload it in UTF-8",
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

int material_submit(db *d, storage *files, const submit_input *in, submit_output *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    if (in->len == 0)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "the file is empty");
    char title[SUBMIT_TITLE_MAX * 4 + 1];
    int rc = pick_title(in, title, sizeof title, err);
    if (rc != EM_OK)
        return rc;
    content_type type = CONTENT_UNSUPPORTED;
    rc = sniff(in, out, &type, err);
    if (rc != EM_OK)
        return rc;
    if (type == CONTENT_UNSUPPORTED)
        return em_error_set(err, EM_E_UNSUPPORTED,
                            "unsupported file type %s: upload a PDF, plain text or Markdown file",
                            out->mime[0] ? out->mime : "(unknown)");
    snprintf(out->kind, sizeof out->kind, "%s", content_type_name(type));

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
    rc = material_create(d, out->material_id, &m, in->enqueue, out->job_id, err);
    if (rc != EM_OK) {
        em_error derr = {0};
        if (storage_delete(files, key, &derr) != EM_OK)
            log_msg(LOG_ERROR, "material %s: the rows failed and the stored file could not be removed: %s",
                    out->material_id, derr.msg);
    }
    return rc;
}
