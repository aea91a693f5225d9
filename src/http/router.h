/* router: maps method + path to a handler, with path parameters.
 *
 * Patterns are literal segments and "{name}" segments ("/api/users/{id}"); a
 * parameter matches one non-empty segment. Literal segments win over parameters
 * when both match. A path that matches a pattern under another method gives
 * ROUTE_METHOD_NOT_ALLOWED with the Allow list. GET routes also answer HEAD.
 * A router is built at start and read-only afterwards (safe across threads). */
#ifndef EM_HTTP_ROUTER_H
#define EM_HTTP_ROUTER_H

#include <stddef.h>

#include "http/http.h"

typedef struct router router;

typedef enum route_result {
    ROUTE_FOUND = 0,
    ROUTE_NOT_FOUND = 1,
    ROUTE_METHOD_NOT_ALLOWED = 2
} route_result;

/* Free with router_free; router_free(NULL) is a no-op. */
router *router_new(void);
void router_free(router *r);

/* Register; EM_E_INVAL for a malformed pattern, EM_E_CONFLICT for a duplicate. */
int router_add(router *r, const char *method, const char *pattern, http_handler handler);

/* Route flags. ROUTE_SLOW: the handler holds its thread for long (password
 * hashing, ~70 ms of CPU); the server runs it on a separate pool so the other
 * connections of its I/O thread are not held up behind it. */
#define ROUTE_SLOW 1u
/* ROUTE_UPLOAD: the route takes file uploads; its body limit is the server's
 * max_upload (MAX_UPLOAD_MB) instead of max_body. */
#define ROUTE_UPLOAD 2u
int router_add_flags(router *r, const char *method, const char *pattern, http_handler handler,
                     unsigned flags);
/* The flags of the route `method path` resolves to; 0 when it resolves to none. */
unsigned router_flags(const router *r, const char *method, const char *path);

/* Match `path` (already percent-decoded per segment by the caller or not: the
 * router decodes each parameter value into `a`). On ROUTE_FOUND *handler and the
 * params are set; on ROUTE_METHOD_NOT_ALLOWED `allow` receives "GET, HEAD, POST"
 * style text. Paths longer than 2048 bytes or with more than 32 segments are
 * ROUTE_NOT_FOUND. */
route_result router_match(const router *r, const char *method, const char *path, arena *a,
                          http_handler *handler /* OUT */, http_param *params /* OUT */,
                          int *nparams /* OUT */, char *allow /* OUT */, size_t allow_len);

#endif
