/* links: see links.h. */
#include "materials/links.h"

#include <stdio.h>
#include <string.h>

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
