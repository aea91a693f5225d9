/* asset: one file of the web UI (the files under web/) and the facts about it
 * that both the build-time embedder (cmake/web_embed.c) and the server agree
 * on: its content type, whether it is worth compressing, its ETag and the
 * bundle hash that names a whole set of files in their URLs
 * (/assets/<hash>/<path>).
 *
 * Pure: no files, no HTTP, no allocation. The embedder compiles this file on
 * its own (with libsodium for SHA-256), so it includes nothing of src/core. */
#ifndef EM_WEB_ASSET_H
#define EM_WEB_ASSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

/* Hex digits of the bundle hash in URLs, and of a file's ETag (quotes and the
 * gzip suffix aside). */
#define ASSET_HASH_HEX 12
#define ASSET_ETAG_HEX 16
/* Longest ETag text: '"', hex, "-gz", '"', NUL. */
#define ASSET_ETAG_MAX (ASSET_ETAG_HEX + 7)
/* Longest path under web/ the server looks up. */
#define ASSET_PATH_MAX 1024

/* One file. Everything is borrowed: from the embedded table (static) or from
 * the request's arena (webstore_get on a directory). */
typedef struct asset {
    const char *path;         /* "app.js", "views/materials.js": under web/, '/'-separated */
    const char *content_type; /* "text/javascript; charset=utf-8" */
    const unsigned char *data;
    size_t len;
    const unsigned char *gz; /* gzip of data, or NULL when not kept (binary, or no smaller) */
    size_t gz_len;
    const char *etag;    /* "\"<16 hex of SHA-256(data)>\"" */
    const char *etag_gz; /* the gzip copy's: "\"<same hex>-gz\"" (NULL without gz) */
} asset;

/* ---- facts about a path or content ---- */

/* The Content-Type for a path by its extension (static string);
 * "application/octet-stream" when unknown. */
const char *asset_content_type(const char *path);
/* Whether files of this content type are worth compressing (text, scripts,
 * JSON, SVG; not images or fonts, already compressed). */
bool asset_compressible(const char *content_type);
/* Whether `path` may name a file under web/: 1 to ASSET_PATH_MAX bytes of
 * '/'-separated segments, none empty, none starting with '.' (no "..", no
 * dotfiles), no '\\' and no control bytes. The one gate against traversal
 * for files read from disk. */
bool asset_path_ok(const char *path);
/* Write the ETag of `data` into out: "\"<hex>\"" or, with gz, "\"<hex>-gz\"". */
void asset_etag(const unsigned char *data, size_t len, bool gz, char out[ASSET_ETAG_MAX] /* OUT */);

/* ---- the bundle hash ----
 *
 * SHA-256 over the files in strcmp order of their paths, each as its path,
 * one NUL byte, its length as 8 bytes little-endian, then its bytes; the
 * first ASSET_HASH_HEX hex digits name the bundle. Files must be added in
 * path order (the caller sorts). */
typedef struct asset_hasher {
    crypto_hash_sha256_state st;
} asset_hasher;

void asset_hasher_init(asset_hasher *h);
void asset_hasher_add(asset_hasher *h, const char *path, const unsigned char *data, size_t len);
void asset_hasher_final(asset_hasher *h, char out[ASSET_HASH_HEX + 1] /* OUT */);

#endif
