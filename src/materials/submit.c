#include "materials/submit.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "content/sniff.h"
#include "core/ids.h"
#include "core/jsonw.h"
#include "core/log.h"

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

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
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
    rc = sniff_content(in->data, in->len, in->filename, &type, out->mime, sizeof out->mime, err);
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
    sha256_hex(in->data, in->len, sha);
    id_uuid7(out->material_id);
    char key[128];
    material_storage_key(out->material_id, key, sizeof key);

    rc = storage_put(files, key, in->data, in->len, out->mime, err);
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
