/* libFuzzer target: the web UI's request headers and paths over arbitrary
 * bytes. The input is split at its first NUL: the part before is given as
 * Accept-Encoding, as If-None-Match and as a path under web/; the part after
 * is the ETag compared against. Besides the sanitizers' findings, a broken
 * promise aborts: a path asset_path_ok accepts has no empty or dot-led
 * segment, no '\\' and no control byte; an ETag always matches itself in a
 * list and never a prefix of itself; "*" always matches.
 *
 * Run: ./fuzz_web_negotiate -max_total_time=60 fuzz/corpus/web_negotiate */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/asset.h"
#include "web/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The promise of asset_path_ok, checked the slow way. */
static int path_sound(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > ASSET_PATH_MAX || p[0] == '/' || p[n - 1] == '/')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            return 0;
        if (c == '/' && p[i + 1] == '/')
            return 0;
        if (c == '.' && (i == 0 || p[i - 1] == '/'))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t first = strlen(text);
    const char *etag = first < size ? text + first + 1 : "\"0123456789abcdef\"";

    (void)negotiate_accepts_gzip(text);
    (void)negotiate_etag_matches(text, etag);
    if (asset_path_ok(text) != path_sound(text))
        abort();

    /* A well-formed tag (no quote inside) matches itself, in a list too. */
    if (strchr(etag, '"') == NULL && strlen(etag) < 1000) {
        char tag[1024], list[2100];
        snprintf(tag, sizeof tag, "\"%s\"", etag);
        snprintf(list, sizeof list, "\"a\", W/%s , \"b\"", tag);
        if (!negotiate_etag_matches(tag, tag) || !negotiate_etag_matches(list, tag) ||
            !negotiate_etag_matches("*", tag))
            abort();
        if (strlen(etag) > 0) {
            char shorter[1024];
            snprintf(shorter, sizeof shorter, "\"%.*s\"", (int)strlen(etag) - 1, etag);
            if (negotiate_etag_matches(shorter, tag))
                abort();
        }
    }
    free(text);
    return 0;
}
