/* links: signed download links for a material's original file, and the
 * download they lead to. A link needs no session: it names the material and
 * an expiry, signed with the server's secret (content/signed_url.h), so it can
 * be handed to a browser or a download manager. Making one needs the one rule
 * (auth/authz.h); following one needs only a genuine, unexpired signature. */
#ifndef EM_MATERIALS_LINKS_H
#define EM_MATERIALS_LINKS_H

#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "content/storage.h"
#include "core/err.h"
#include "db/db.h"
#include "materials/material.h"

/* em_error reasons of a refused download (EM_E_FORBIDDEN). */
#define LINKS_INVALID "invalid_link"
#define LINKS_EXPIRED "link_expired"

/* What links are made with. */
typedef struct links_settings {
    const char *secret;        /* SECRET_KEY (borrowed) */
    int max_ttl_s;             /* DOWNLOAD_URL_TTL_SECONDS: the longest and the default lifetime */
} links_settings;

#define LINKS_MIN_TTL_S 60
#define LINKS_URL_MAX 256

/* A link to material `id` for `who` (EM_E_NOT_FOUND when not visible), valid
 * ttl_s seconds (0: the maximum; LINKS_MIN_TTL_S..max_ttl_s, else EM_E_INVAL)
 * from now_s. The URL is relative ("/api/materials/<id>/download?token=...").
 * *expires_at_s receives the expiry. */
int links_make(db *d, const links_settings *s, const principal *who, const char *id, int ttl_s, int64_t now_s,
               char url[LINKS_URL_MAX] /* OUT */, int64_t *expires_at_s /* OUT */, em_error *err);

/* Check a link's token for material `id` at now_s and load the material:
 * EM_E_FORBIDDEN with LINKS_INVALID or LINKS_EXPIRED; EM_E_NOT_FOUND when the
 * material is gone. Free *m with material_cleanup. */
int links_open(db *d, const links_settings *s, const char *id, const char *token, int64_t now_s,
               material *m /* OUT */, em_error *err);

/* How to send a material's original: a local file opened for reading (*fd >=
 * 0, owned by the caller, with its size: send it as it is), or, for remote
 * storage, *fd == -1 with its size known to exist (stream it with
 * storage_read). EM_E_NOT_FOUND when the file is gone, EM_E_TOO_LARGE past
 * max_len. */
int links_open_original(storage *files, const material *m, size_t max_len, int *fd /* OUT */,
                        uint64_t *size /* OUT */, em_error *err);

/* A Content-Disposition value naming the material's file safely inside the
 * quotes ("attachment; filename=\"...\""). */
void links_disposition(const material *m, char *out, size_t cap);

#endif
