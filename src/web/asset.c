/* asset: content types, ETags and the bundle hash of the web UI's files. */
#include "web/asset.h"

#include <assert.h>
#include <string.h>

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".txt", "text/plain; charset=utf-8"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
};

const char *asset_content_type(const char *path)
{
    assert(path != NULL);
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t e = strlen(types[i].ext);
        if (n > e && strcmp(path + n - e, types[i].ext) == 0)
            return types[i].type;
    }
    return "application/octet-stream";
}

bool asset_compressible(const char *content_type)
{
    return strncmp(content_type, "text/", 5) == 0 || strncmp(content_type, "application/json", 16) == 0 ||
           strncmp(content_type, "application/manifest+json", 25) == 0 ||
           strncmp(content_type, "image/svg+xml", 13) == 0;
}

bool asset_path_ok(const char *path)
{
    if (path == NULL)
        return false;
    size_t n = strnlen(path, ASSET_PATH_MAX + 1);
    if (n == 0 || n > ASSET_PATH_MAX)
        return false;
    bool seg_start = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            return false;
        if (c == '/') {
            if (seg_start)
                return false; /* an empty segment: leading '/', "//" */
            seg_start = true;
            continue;
        }
        if (seg_start && c == '.')
            return false; /* ".", "..", dotfiles */
        seg_start = false;
    }
    return !seg_start; /* no trailing '/' */
}

void asset_etag(const unsigned char *data, size_t len, bool gz, char out[ASSET_ETAG_MAX])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; i < ASSET_ETAG_HEX / 2; i++) {
        out[o++] = hex[digest[i] >> 4];
        out[o++] = hex[digest[i] & 15];
    }
    if (gz) {
        memcpy(out + o, "-gz", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
    assert(o < ASSET_ETAG_MAX);
}

void asset_hasher_init(asset_hasher *h)
{
    crypto_hash_sha256_init(&h->st);
}

void asset_hasher_add(asset_hasher *h, const char *path, const unsigned char *data, size_t len)
{
    crypto_hash_sha256_update(&h->st, (const unsigned char *)path, strlen(path) + 1);
    unsigned char le[8];
    uint64_t v = (uint64_t)len;
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(v >> (8 * i));
    crypto_hash_sha256_update(&h->st, le, sizeof le);
    crypto_hash_sha256_update(&h->st, data, len);
}

void asset_hasher_final(asset_hasher *h, char out[ASSET_HASH_HEX + 1])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h->st, digest);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < ASSET_HASH_HEX / 2; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[ASSET_HASH_HEX] = '\0';
}
