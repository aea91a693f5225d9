/* router: maps method + path to a route (handler, access, flags), with path
 * parameters.
 *
 * Patterns are literal segments and "{name}" segments ("/api/users/{id}"); a
 * parameter matches one non-empty segment. A last segment "{name...}" matches
 * the rest of the path (one or more segments, '/' included): the prefix route
 * that serves files under a directory. Literal segments win over parameters,
 * and parameters over a rest. A path that matches a pattern under another
 * method gives ROUTE_METHOD_NOT_ALLOWED with the Allow list. GET routes also
 * answer HEAD. A router is built at start and read-only afterwards (safe
 * across threads). */
#ifndef EM_HTTP_ROUTER_H
#define EM_HTTP_ROUTER_H

#include <stddef.h>

#include "http/http.h"

typedef enum route_result { ROUTE_FOUND = 0, ROUTE_NOT_FOUND = 1, ROUTE_METHOD_NOT_ALLOWED = 2 } route_result;

/* Free with router_free; router_free(NULL) is a no-op. */
router *router_new(void);
void router_free(router *r);

/* Route flags. ROUTE_SLOW: the handler holds its thread for long (password
 * hashing, ~70 ms of CPU); the server runs it on a separate pool so the other
 * connections of its I/O thread are not held up behind it. */
#define ROUTE_SLOW 1u
/* ROUTE_UPLOAD: the route takes file uploads; its body limit is the server's
 * max_upload (MAX_UPLOAD_MB) instead of max_body. */
#define ROUTE_UPLOAD 2u
/* ROUTE_FALLBACK: a catch-all (the web UI's page for every other GET path)
 * that answers its own method and stays out of the Allow list, so another
 * method on a path nothing else routes is 404, not 405. */
#define ROUTE_FALLBACK 4u
/* ROUTE_METERED: the route starts work the server pays for (a tutor answer, a
 * generated quiz, a plan, an upload's extraction): the site's authenticator
 * counts the call against the caller's budget (USER_RATE_LIMIT), so one
 * account's loop cannot take the server from everyone else. */
#define ROUTE_METERED 8u

/* One row of a route table. */
typedef struct http_route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/api/materials/{id}" */
    http_handler handler;
    http_access access; /* who may call it; HTTP_ACCESS_UNSET is refused */
    unsigned flags;     /* ROUTE_SLOW | ROUTE_UPLOAD | ROUTE_FALLBACK | ROUTE_METERED */
} http_route;

/* Register a route (copied). EM_E_INVAL for a malformed pattern, a missing
 * handler or an unset access; EM_E_CONFLICT for a duplicate. */
int router_add_route(router *r, const http_route *route);
/* Register a table of n routes; stops at the first error and returns it. */
int router_add_table(router *r, const http_route *routes, size_t n);
/* Shorthand for a public route without flags (tests, tools). */
int router_add(router *r, const char *method, const char *pattern, http_handler handler);

/* The route `method path` resolves to, or NULL (borrowed from the router). */
const http_route *router_lookup(const router *r, const char *method, const char *path);

/* Match `path` as sent (escapes kept: the router decodes each parameter value
 * into `a`). On ROUTE_FOUND *route (borrowed from the router) and the params
 * are set; on ROUTE_METHOD_NOT_ALLOWED `allow` receives "GET, HEAD, POST"
 * style text. Paths longer than 2048 bytes or with more than 32 segments are
 * ROUTE_NOT_FOUND. A rest parameter's value is the decoded rest of the path,
 * '/' included: whoever serves files with it checks it. */
route_result router_match(const router *r, const char *method, const char *path, arena *a,
                          const http_route **route /* OUT */, http_param *params /* OUT */,
                          int *nparams /* OUT */, char *allow /* OUT */, size_t allow_len);

#endif
