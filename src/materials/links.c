/* links: see links.h. */
#include "materials/links.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "content/signed_url.h"
#include "core/ids.h"

int links_make(db *d, const links_settings *s, const principal *who, const char *id, int ttl_s, int64_t now_s,
               char url[LINKS_URL_MAX], int64_t *expires_at_s, em_error *err)
{
    if (ttl_s == 0)
        ttl_s = s->max_ttl_s;
    if (ttl_s < LINKS_MIN_TTL_S || ttl_s > s->max_ttl_s)
        return em_error_set(err, EM_E_INVAL, "expires_in must be %d to %d seconds", LINKS_MIN_TTL_S, s->max_ttl_s);
    material m;
    int rc = material_get_visible(d, who, id, &m, err);
    if (rc != EM_OK)
        return rc;
    int64_t expires = now_s + ttl_s;
    char token[SIGNED_URL_TOKEN_MAX + 1];
    if (signed_url_make(s->secret, m.id, expires, token, sizeof token) != EM_OK) {
        rc = em_error_set(err, EM_E_INTERNAL, "the link could not be signed");
    } else {
        snprintf(url, LINKS_URL_MAX, "/api/materials/%s/download?token=%s", m.id, token);
        *expires_at_s = expires;
    }
    material_cleanup(&m);
    return rc;
}

int links_open(db *d, const links_settings *s, const char *id, const char *token, int64_t now_s, material *m,
               em_error *err)
{
    memset(m, 0, sizeof *m);
    if (id == NULL || token == NULL || !id_is_uuid(id))
        return em_error_refuse(err, EM_E_FORBIDDEN, LINKS_INVALID, "the download link is invalid");
    int rc = signed_url_verify(s->secret, id, token, now_s);
    if (rc == EM_E_TIMEOUT)
        return em_error_refuse(err, EM_E_FORBIDDEN, LINKS_EXPIRED, "the download link has expired");
    if (rc != EM_OK)
        return em_error_refuse(err, EM_E_FORBIDDEN, LINKS_INVALID, "the download link is invalid");
    return material_get(d, id, m, err);
}

int links_open_original(storage *files, const material *m, size_t max_len, int *fd, uint64_t *size, em_error *err)
{
    *fd = -1;
    *size = 0;
    char path[4096];
    if (storage_local_path(files, m->storage_key, path, sizeof path) == EM_OK) {
        int f = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (f < 0)
            return em_error_set(err, errno == ENOENT ? EM_E_NOT_FOUND : EM_E_IO, "the material's file is %s",
                                errno == ENOENT ? "gone" : "unreadable");
        if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(f);
            return em_error_set(err, EM_E_IO, "the material's file is unreadable");
        }
        if ((uint64_t)st.st_size > max_len) {
            close(f);
            return em_error_set(err, EM_E_TOO_LARGE, "the material's file is larger than the download limit");
        }
        *fd = f;
        *size = (uint64_t)st.st_size;
        return EM_OK;
    }
    int rc = storage_size(files, m->storage_key, size, err);
    if (rc == EM_OK && *size > max_len)
        rc = em_error_set(err, EM_E_TOO_LARGE, "the material's file is larger than the download limit");
    return rc;
}

void links_disposition(const material *m, char *out, size_t cap)
{
    char name[200];
    const char *src = m->filename != NULL && m->filename[0] ? m->filename : m->title;
    size_t k = 0;
    for (size_t i = 0; src != NULL && src[i] != '\0' && k + 1 < sizeof name; i++) {
        unsigned char c = (unsigned char)src[i];
        name[k++] = (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) ? '_' : (char)c;
    }
    name[k] = '\0';
    snprintf(out, cap, "attachment; filename=\"%s\"", k > 0 ? name : "material");
}
