/* Unit tests for src/web/negotiate.c (Accept-Encoding, If-None-Match) and the
 * path gate and content types of src/web/asset.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "web/asset.h"
#include "web/negotiate.h"

static void web_negotiate_gzip(void **state)
{
    (void)state;
    const char *yes[] = {"gzip",   "GZIP", "deflate, gzip, br", "gzip;q=0.5",   "gzip ; q=1.000",
                         "x-gzip", "*",    "br, *;q=0.1",       "gzip;q=0.001", "identity, gzip;level=9"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!negotiate_accepts_gzip(yes[i]))
            fail_msg("expected gzip for \"%s\"", yes[i]);
    const char *no[] = {
        "",       "identity",     "br",         "gzip;q=0",      "gzip;q=0.000", "*;q=0", "gzip;q=0, *",
        "gzipx",  "gzip;q=2",     "gzip;q=abc", "gzip;q=0.5000", "*, gzip;q=0",  ";q=1",  "gzip;",
        "gzip;q", "deflate;q=0.5"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (negotiate_accepts_gzip(no[i]))
            fail_msg("expected no gzip for \"%s\"", no[i]);
    assert_false(negotiate_accepts_gzip(NULL));
}

static void web_negotiate_etag(void **state)
{
    (void)state;
    const char *tag = "\"0123456789abcdef\"";
    const char *yes[] = {"\"0123456789abcdef\"",
                         "W/\"0123456789abcdef\"",
                         "*",
                         " * ",
                         "\"x\", \"0123456789abcdef\"",
                         "\"x\",W/\"0123456789abcdef\" , \"y\""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!negotiate_etag_matches(yes[i], tag))
            fail_msg("expected a match for %s", yes[i]);
    const char *no[] = {"",
                        "\"0123456789abcde\"",
                        "0123456789abcdef",
                        "\"0123456789abcdef",
                        "\"x\" \"0123456789abcdef\"",
                        "*, \"x\"",
                        "\"0123456789abcdef-gz\"",
                        "w/\"0123456789abcdef\""};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (negotiate_etag_matches(no[i], tag))
            fail_msg("expected no match for %s", no[i]);
    assert_false(negotiate_etag_matches(NULL, tag));
}

static void web_asset_path_gate(void **state)
{
    (void)state;
    const char *ok[] = {"app.js", "views/materials.js", "a/b/c/d.css", "x..y.js", "a-b_c~.js"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!asset_path_ok(ok[i]))
            fail_msg("expected \"%s\" to pass", ok[i]);
    const char *bad[] = {
        "",  "/app.js", "app.js/",         "a//b.js", "../app.js", "views/../app.js", "..",
        ".", ".hidden", "views/.draft.js", "a\\b.js", "a\nb.js",   "a\x7f.js",        "views/./x.js"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (asset_path_ok(bad[i]))
            fail_msg("expected \"%s\" to be refused", bad[i]);
    char long_path[ASSET_PATH_MAX + 2];
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[ASSET_PATH_MAX + 1] = '\0';
    assert_false(asset_path_ok(long_path));
    long_path[ASSET_PATH_MAX] = '\0';
    assert_true(asset_path_ok(long_path));
    assert_false(asset_path_ok(NULL));
}

static void web_asset_types(void **state)
{
    (void)state;
    assert_string_equal(asset_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(asset_content_type("views/quiz.js"), "text/javascript; charset=utf-8");
    assert_string_equal(asset_content_type("styles.css"), "text/css; charset=utf-8");
    assert_string_equal(asset_content_type("icon.svg"), "image/svg+xml");
    assert_string_equal(asset_content_type("font.woff2"), "font/woff2");
    assert_string_equal(asset_content_type("js"), "application/octet-stream");
    assert_string_equal(asset_content_type("README"), "application/octet-stream");
    assert_true(asset_compressible("text/javascript; charset=utf-8"));
    assert_true(asset_compressible("image/svg+xml"));
    assert_false(asset_compressible("image/png"));
    assert_false(asset_compressible("font/woff2"));
    /* The ETag of "" is SHA-256("") = e3b0c44298fc1c14..., its first 16 hex. */
    char etag[ASSET_ETAG_MAX];
    asset_etag((const unsigned char *)"", 0, false, etag);
    assert_string_equal(etag, "\"e3b0c44298fc1c14\"");
    asset_etag((const unsigned char *)"", 0, true, etag);
    assert_string_equal(etag, "\"e3b0c44298fc1c14-gz\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(web_negotiate_gzip),
        cmocka_unit_test(web_negotiate_etag),
        cmocka_unit_test(web_asset_path_gate),
        cmocka_unit_test(web_asset_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
