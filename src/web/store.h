/* store: where the web UI's files come from. Either the bundle compiled into
 * the binary (web/ at build time: a fixed table, immutable, named by its
 * bundle hash) or a directory read per request (`serve --web-dir DIR`, for
 * working on the UI without rebuilding: named "dev", never cached for long).
 *
 * A store is made at start and read-only afterwards (safe across threads).
 * Lookups take a path under web/ ("app.js", "views/quiz.js"); only paths that
 * asset_path_ok accepts are looked up, and a directory store also refuses
 * anything that resolves outside its directory (a symbolic link pointing
 * out) and anything that is not a regular file. */
#ifndef EM_WEB_STORE_H
#define EM_WEB_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "web/asset.h"

typedef struct webstore webstore;

/* The name a directory store's URLs use in place of a bundle hash. */
#define WEBSTORE_DEV_HASH "dev"
/* Largest file a directory store serves (a bigger one is EM_E_TOO_LARGE). */
#define WEBSTORE_MAX_FILE (32u << 20)

/* ---- making and freeing ---- */

/* The compiled-in bundle (may hold no files: a build without web/). Free
 * with webstore_free. Never fails. */
webstore *webstore_new_embedded(void);
/* A bundle given as a table (tests, tools): `files` in strcmp order of their
 * paths (asserted) and their bundle hash, both borrowed for the store's
 * lifetime. Served as the compiled-in one is (immutable). */
webstore *webstore_new_table(const asset *files, size_t count, const char *hash);
/* A store reading `dir` per request. EM_E_INVAL when `dir` has a ".."
 * component; EM_E_NOT_FOUND when it is not a directory (err names it). On
 * success *out is owned (webstore_free). */
int webstore_open_dir(const char *dir, webstore **out /* OUT */, em_error *err);
/* webstore_free(NULL) is a no-op. */
void webstore_free(webstore *s);

/* ---- reading ---- */

/* The bundle hash in asset URLs ("3f9a0c1d2e4b"; WEBSTORE_DEV_HASH for a
 * directory). Borrowed from the store. */
const char *webstore_hash(const webstore *s);
/* Whether an asset URL's content never changes (the compiled-in bundle):
 * then it may be cached for good; a directory's may change at any time. */
bool webstore_immutable(const webstore *s);
/* How many files a compiled-in or table store holds (0 for a directory
 * store: unknown until asked). */
size_t webstore_count(const webstore *s);

/* Look up `path`. On success *out describes the file: borrowed from the
 * store (compiled-in or a table; `a` may then be NULL) or from `a` (a
 * directory's file, read now, without a gzip copy). EM_E_NOT_FOUND for a path asset_path_ok refuses, a
 * missing file, a directory, a link out of the directory; EM_E_TOO_LARGE past WEBSTORE_MAX_FILE; EM_E_IO on a
 * read error (logged). */
int webstore_get(const webstore *s, const char *path, arena *a, asset *out /* OUT */, em_error *err);

#endif
