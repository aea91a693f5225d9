/* Handler tests for the web UI's routes (src/api/web.c over src/web/store.c)
 * through the real route table and pipeline in process: the bundle of
 * tests/fixtures/web, compiled in by the same embedder as web/ (its arrays
 * are fixture_web_*), and the same directory read per request as
 * `serve --web-dir` does. No database: the routes are public and touch none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "api/api.h"
#include "core/buf.h"
#include "core/log.h"
#include "http/http_fake.h"
#include "http/router.h"
#include "web/asset.h"
#include "web/store.h"

/* The fixture bundle (generated from tests/fixtures/web by cmake/web_embed.c). */
extern const asset fixture_web_files[];
extern const size_t fixture_web_count;
extern const char fixture_web_hash[];

/* The files of tests/fixtures/web that are served, in strcmp order: the
 * dotfiles (.hidden, views/.draft.js) are left out. */
static const char *const served[] = {"app.js",     "bad/inline.html", "img/dot.png",
                                     "index.html", "styles.css",      "views/page.js"};
#define N_SERVED (sizeof served / sizeof served[0])

typedef struct fx {
    router *routes;
    api_ctx ctx;
    http_site site;
    webstore *bundle; /* the compiled-in fixture */
    webstore *dir;    /* tests/fixtures/web read per request */
} fx;

static int setup(void **state)
{
    log_configure(LOG_WARN, STDOUT_FILENO);
    fx *t = calloc(1, sizeof *t);
    assert_non_null(t);
    size_t n = 0;
    const http_route *table = api_routes(&n);
    t->routes = router_new();
    assert_int_equal(router_add_table(t->routes, table, n), EM_OK);
    t->bundle = webstore_new_table(fixture_web_files, fixture_web_count, fixture_web_hash);
    em_error err = {0};
    assert_int_equal(webstore_open_dir(EM_WEB_FIXTURE_DIR, &t->dir, &err), EM_OK);
    t->ctx.web = t->bundle;
    t->site = (http_site){.routes = t->routes, .authenticate = api_authenticate, .ctx = &t->ctx};
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    fx *t = *state;
    webstore_free(t->bundle);
    webstore_free(t->dir);
    router_free(t->routes);
    free(t);
    return 0;
}

/* `method target` with the headers (NULL-terminated name, value pairs). */
static http_fake *get(fx *t, const char *method, const char *target, const char *const *headers)
{
    http_fake *f = http_fake_new(method, target, headers, NULL, 0);
    http_fake_run(f, &t->site);
    return f;
}

/* The file as it is on disk (owned: free). */
static char *read_fixture(const char *path, size_t *len)
{
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", EM_WEB_FIXTURE_DIR, path);
    buf b;
    buf_init(&b, 1u << 20);
    em_error err = {0};
    if (buf_read_file(&b, full, &err) != EM_OK)
        fail_msg("read %s: %s", full, err.msg);
    *len = b.len;
    return buf_steal(&b);
}

static void expect_error_404(http_fake *f, const char *message)
{
    if (http_fake_status(f) != 404)
        fail_msg("expected 404, got %d %s", http_fake_status(f), http_fake_body(f, NULL));
    assert_non_null(strstr(http_fake_header(f, "Content-Type"), "application/json"));
    json_t *j = json_loads(http_fake_body(f, NULL), 0, NULL);
    assert_non_null(j);
    json_t *e = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "not_found");
    if (message != NULL)
        assert_string_equal(json_string_value(json_object_get(e, "message")), message);
    json_decref(j);
}

/* The bundle holds the served files and their hash is the one asset.h
 * defines, computed here from the files on disk. */
static void api_web_bundle_is_the_fixture_dir(void **state)
{
    fx *t = *state;
    assert_int_equal(webstore_count(t->bundle), N_SERVED);
    asset_hasher h;
    asset_hasher_init(&h);
    for (size_t i = 0; i < N_SERVED; i++) {
        size_t len = 0;
        char *data = read_fixture(served[i], &len);
        asset_hasher_add(&h, served[i], (const unsigned char *)data, len);
        asset a;
        em_error err = {0};
        assert_int_equal(webstore_get(t->bundle, served[i], NULL, &a, &err), EM_OK);
        assert_int_equal(a.len, len);
        assert_memory_equal(a.data, data, len);
        free(data);
    }
    char want[ASSET_HASH_HEX + 1];
    asset_hasher_final(&h, want);
    assert_string_equal(fixture_web_hash, want);
    assert_int_equal(strlen(webstore_hash(t->bundle)), 12);
    assert_string_equal(webstore_hash(t->dir), "dev");
}

/* A hashed asset: its bytes, its type, cached for good, an ETag. */
static void api_web_asset_hashed(void **state)
{
    fx *t = *state;
    char target[256];
    snprintf(target, sizeof target, "/assets/%s/app.js", fixture_web_hash);
    http_fake *f = get(t, "GET", target, NULL);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_header(f, "Content-Type"), "text/javascript; charset=utf-8");
    assert_string_equal(http_fake_header(f, "Cache-Control"), "public, max-age=31536000, immutable");
    assert_null(http_fake_header(f, "Content-Encoding"));
    assert_string_equal(http_fake_header(f, "Vary"), "Accept-Encoding");
    const char *etag = http_fake_header(f, "ETag");
    assert_non_null(etag);
    assert_int_equal(strlen(etag), 18); /* '"' + 16 hex + '"' */
    size_t len = 0, want_len = 0;
    const char *body = http_fake_body(f, &len);
    char *want = read_fixture("app.js", &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(body, want, len);
    free(want);
    http_fake_free(f);

    /* A module under a folder, by the bundle's relative path; CSS; an image. */
    const struct {
        const char *path, *type;
    } more[] = {{"views/page.js", "text/javascript; charset=utf-8"},
                {"styles.css", "text/css; charset=utf-8"},
                {"img/dot.png", "image/png"}};
    for (size_t i = 0; i < 3; i++) {
        snprintf(target, sizeof target, "/assets/%s/%s", fixture_web_hash, more[i].path);
        f = get(t, "GET", target, NULL);
        assert_int_equal(http_fake_status(f), 200);
        assert_string_equal(http_fake_header(f, "Content-Type"), more[i].type);
        http_fake_free(f);
    }
}

/* gzip when the client takes it, and only then; never for a PNG. */
static void api_web_asset_gzip(void **state)
{
    fx *t = *state;
    char target[256];
    snprintf(target, sizeof target, "/assets/%s/app.js", fixture_web_hash);
    const char *gz[] = {"Accept-Encoding", "br, gzip;q=0.5", NULL};
    http_fake *f = get(t, "GET", target, gz);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_header(f, "Content-Encoding"), "gzip");
    assert_string_equal(http_fake_header(f, "Vary"), "Accept-Encoding");
    const char *etag = http_fake_header(f, "ETag");
    assert_int_equal(strlen(etag), 21); /* '"' + 16 hex + "-gz" + '"' */
    assert_memory_equal(etag + 17, "-gz\"", 4);
    size_t len = 0, want_len = 0;
    const unsigned char *body = (const unsigned char *)http_fake_body(f, &len);
    char *want = read_fixture("app.js", &want_len);
    assert_true(len < want_len);
    /* Inflate it back: the same bytes as the file. */
    unsigned char out[4096];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = (Bytef *)body;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = sizeof out;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, want_len);
    assert_memory_equal(out, want, want_len);
    inflateEnd(&zs);
    free(want);
    http_fake_free(f);

    const char *refused[] = {"Accept-Encoding", "gzip;q=0, identity", NULL};
    f = get(t, "GET", target, refused);
    assert_int_equal(http_fake_status(f), 200);
    assert_null(http_fake_header(f, "Content-Encoding"));
    http_fake_free(f);

    snprintf(target, sizeof target, "/assets/%s/img/dot.png", fixture_web_hash);
    f = get(t, "GET", target, gz);
    assert_int_equal(http_fake_status(f), 200);
    assert_null(http_fake_header(f, "Content-Encoding"));
    assert_null(http_fake_header(f, "Vary"));
    http_fake_free(f);
}

/* If-None-Match with the ETag sent: 304 without a body; another: 200. */
static void api_web_asset_not_modified(void **state)
{
    fx *t = *state;
    char target[256];
    snprintf(target, sizeof target, "/assets/%s/styles.css", fixture_web_hash);
    http_fake *f = get(t, "GET", target, NULL);
    char etag[64];
    snprintf(etag, sizeof etag, "%s", http_fake_header(f, "ETag"));
    http_fake_free(f);
    char list[128];
    snprintf(list, sizeof list, "\"0000000000000000\", W/%s", etag);
    const char *inm[] = {"If-None-Match", list, NULL};
    f = get(t, "GET", target, inm);
    assert_int_equal(http_fake_status(f), 304);
    size_t len = 1;
    http_fake_body(f, &len);
    assert_int_equal(len, 0);
    assert_string_equal(http_fake_header(f, "ETag"), etag);
    assert_string_equal(http_fake_header(f, "Cache-Control"), "public, max-age=31536000, immutable");
    http_fake_free(f);
    /* The gzip copy has its own tag: the plain one does not match it. */
    const char *inm_gz[] = {"If-None-Match", etag, "Accept-Encoding", "gzip", NULL};
    f = get(t, "GET", target, inm_gz);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_header(f, "Content-Encoding"), "gzip");
    http_fake_free(f);
    const char *other[] = {"If-None-Match", "\"0000000000000000\"", NULL};
    f = get(t, "GET", target, other);
    assert_int_equal(http_fake_status(f), 200);
    http_fake_free(f);
}

/* Another bundle's hash, a file not in the bundle, a dotfile: 404. */
static void api_web_asset_unknown(void **state)
{
    fx *t = *state;
    char target[256];
    const char *wrong[] = {"000000000000", "dev", "app.js"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(target, sizeof target, "/assets/%s/app.js", wrong[i]);
        http_fake *f = get(t, "GET", target, NULL);
        expect_error_404(f, "no such file");
        http_fake_free(f);
    }
    const char *missing[] = {"nope.js", "views", "views/", ".hidden", "views/.draft.js", "index.html/x"};
    for (size_t i = 0; i < 6; i++) {
        snprintf(target, sizeof target, "/assets/%s/%s", fixture_web_hash, missing[i]);
        http_fake *f = get(t, "GET", target, NULL);
        assert_int_equal(http_fake_status(f), 404);
        http_fake_free(f);
    }
}

/* Nothing outside the bundle's files: dot segments, escaped or not, and
 * (for a directory) links that point out of it. */
static void api_web_traversal_refused(void **state)
{
    fx *t = *state;
    const char *paths[] = {"../index.html",       "%2e%2e/%2e%2e/CMakeLists.txt", "views/..%2f..%2fapp.js",
                           "views/%2e%2e/app.js", "..%2f..%2f..%2fetc%2fpasswd",  "%2fetc%2fpasswd",
                           "views%5c..%5capp.js"};
    webstore *stores[] = {t->bundle, t->dir};
    for (size_t s = 0; s < 2; s++) {
        t->ctx.web = stores[s];
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
            char target[256];
            snprintf(target, sizeof target, "/assets/%s/%s", webstore_hash(stores[s]), paths[i]);
            http_fake *f = get(t, "GET", target, NULL);
            if (http_fake_status(f) != 404)
                fail_msg("%s: expected 404, got %d", target, http_fake_status(f));
            http_fake_free(f);
        }
    }
    t->ctx.web = t->bundle;

    /* A directory with a link to a file outside it and a link inside. */
    char dir[] = "/tmp/em_web_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p[512], outside[512];
    snprintf(outside, sizeof outside, "%s.secret", dir);
    FILE *o = fopen(outside, "w");
    assert_non_null(o);
    fputs("secret\n", o);
    fclose(o);
    snprintf(p, sizeof p, "%s/app.js", dir);
    o = fopen(p, "w");
    assert_non_null(o);
    fputs("export {};\n", o);
    fclose(o);
    snprintf(p, sizeof p, "%s/leak.js", dir);
    assert_int_equal(symlink(outside, p), 0);
    snprintf(p, sizeof p, "%s/alias.js", dir);
    assert_int_equal(symlink("app.js", p), 0);
    webstore *d = NULL;
    em_error err = {0};
    assert_int_equal(webstore_open_dir(dir, &d, &err), EM_OK);
    t->ctx.web = d;
    http_fake *f = get(t, "GET", "/assets/dev/leak.js", NULL);
    assert_int_equal(http_fake_status(f), 404);
    assert_null(strstr(http_fake_body(f, NULL), "secret"));
    http_fake_free(f);
    f = get(t, "GET", "/assets/dev/alias.js", NULL);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_body(f, NULL), "export {};\n");
    http_fake_free(f);
    t->ctx.web = t->bundle;
    webstore_free(d);
    unlink(p);
    snprintf(p, sizeof p, "%s/leak.js", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/app.js", dir);
    unlink(p);
    rmdir(dir);
    unlink(outside);

    /* The directory itself: no "..", and it must be one. */
    d = NULL;
    assert_int_equal(webstore_open_dir(EM_WEB_FIXTURE_DIR "/../web", &d, &err), EM_E_INVAL);
    assert_null(d);
    assert_int_equal(webstore_open_dir(EM_WEB_FIXTURE_DIR "/index.html", &d, &err), EM_E_NOT_FOUND);
    assert_int_equal(webstore_open_dir("/nonexistent/web", &d, &err), EM_E_NOT_FOUND);
}

/* index.html for / and UI paths, with the bundle's asset URLs, never cached
 * without asking. */
static void api_web_index_fallback(void **state)
{
    fx *t = *state;
    char href[128], src[128];
    snprintf(href, sizeof href, "href=\"/assets/%s/styles.css\"", fixture_web_hash);
    snprintf(src, sizeof src, "src=\"/assets/%s/app.js\"", fixture_web_hash);
    const char *paths[] = {"/", "/materials/12", "/login", "/admin/workers", "/health-report"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        http_fake *f = get(t, "GET", paths[i], NULL);
        if (http_fake_status(f) != 200)
            fail_msg("%s: expected 200, got %d %s", paths[i], http_fake_status(f), http_fake_body(f, NULL));
        assert_string_equal(http_fake_header(f, "Content-Type"), "text/html; charset=utf-8");
        assert_string_equal(http_fake_header(f, "Cache-Control"), "no-cache");
        assert_non_null(http_fake_header(f, "Content-Security-Policy"));
        const char *page = http_fake_body(f, NULL);
        assert_true(strncmp(page, "<!doctype html>", 15) == 0);
        assert_non_null(strstr(page, href));
        assert_non_null(strstr(page, src));
        assert_null(strstr(page, "\"/assets/styles.css\""));
        assert_null(strstr(page, "\"/assets/app.js\""));
        http_fake_free(f);
    }
    /* A query string does not change the page. */
    http_fake *f = get(t, "GET", "/sessions/new?material=3", NULL);
    assert_int_equal(http_fake_status(f), 200);
    http_fake_free(f);
}

/* The API's paths stay the API's: JSON 404s as for any missing route. */
static void api_web_api_paths_stay_json(void **state)
{
    fx *t = *state;
    const char *paths[] = {"/api/nope", "/api", "/api/materials/12/nope", "/assets", "/assets/app.js"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        http_fake *f = get(t, "GET", paths[i], NULL);
        char msg[128];
        snprintf(msg, sizeof msg, "no route for GET %s", paths[i]);
        expect_error_404(f, msg);
        http_fake_free(f);
    }
    /* A route of the API still answers as itself. */
    http_fake *f = get(t, "GET", "/health", NULL);
    assert_int_equal(http_fake_status(f), 200);
    assert_non_null(strstr(http_fake_header(f, "Content-Type"), "application/json"));
    http_fake_free(f);
}

/* HEAD answers as GET does (the server leaves the body out). */
static void api_web_head(void **state)
{
    fx *t = *state;
    char target[256];
    snprintf(target, sizeof target, "/assets/%s/app.js", fixture_web_hash);
    http_fake *f = get(t, "HEAD", target, NULL);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_header(f, "Content-Type"), "text/javascript; charset=utf-8");
    assert_string_equal(http_fake_header(f, "Cache-Control"), "public, max-age=31536000, immutable");
    assert_non_null(http_fake_header(f, "ETag"));
    http_fake_free(f);
    f = get(t, "HEAD", "/materials", NULL);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_header(f, "Cache-Control"), "no-cache");
    http_fake_free(f);
    f = get(t, "HEAD", "/api/nope", NULL);
    assert_int_equal(http_fake_status(f), 404);
    http_fake_free(f);
}

/* serve --web-dir: files read at each request under "dev", revalidated
 * every time, without gzip; edits show at once. */
static void api_web_dir_dev(void **state)
{
    fx *t = *state;
    t->ctx.web = t->dir;
    const char *gz[] = {"Accept-Encoding", "gzip", NULL};
    http_fake *f = get(t, "GET", "/assets/dev/app.js", gz);
    assert_int_equal(http_fake_status(f), 200);
    assert_string_equal(http_fake_header(f, "Content-Type"), "text/javascript; charset=utf-8");
    assert_string_equal(http_fake_header(f, "Cache-Control"), "no-cache");
    assert_null(http_fake_header(f, "Content-Encoding"));
    char etag[64];
    snprintf(etag, sizeof etag, "%s", http_fake_header(f, "ETag"));
    http_fake_free(f);
    /* The same tag as the compiled-in copy: both hash the same bytes. */
    asset a;
    em_error err = {0};
    assert_int_equal(webstore_get(t->bundle, "app.js", NULL, &a, &err), EM_OK);
    assert_string_equal(etag, a.etag);
    const char *inm[] = {"If-None-Match", etag, NULL};
    f = get(t, "GET", "/assets/dev/app.js", inm);
    assert_int_equal(http_fake_status(f), 304);
    http_fake_free(f);
    f = get(t, "GET", "/assets/dev/.hidden", NULL);
    assert_int_equal(http_fake_status(f), 404);
    http_fake_free(f);
    char other[256];
    snprintf(other, sizeof other, "/assets/%s/app.js", fixture_web_hash);
    f = get(t, "GET", other, NULL);
    assert_int_equal(http_fake_status(f), 404);
    http_fake_free(f);
    f = get(t, "GET", "/materials/12", NULL);
    assert_int_equal(http_fake_status(f), 200);
    assert_non_null(strstr(http_fake_body(f, NULL), "src=\"/assets/dev/app.js\""));
    http_fake_free(f);

    /* An edit shows at the next request. */
    char dir[] = "/tmp/em_webdev_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p[512];
    snprintf(p, sizeof p, "%s/index.html", dir);
    FILE *o = fopen(p, "w");
    assert_non_null(o);
    fputs("<!doctype html><title>one</title>", o);
    fclose(o);
    webstore *d = NULL;
    assert_int_equal(webstore_open_dir(dir, &d, &err), EM_OK);
    t->ctx.web = d;
    f = get(t, "GET", "/", NULL);
    assert_non_null(strstr(http_fake_body(f, NULL), "one"));
    http_fake_free(f);
    o = fopen(p, "w");
    assert_non_null(o);
    fputs("<!doctype html><title>two</title>", o);
    fclose(o);
    f = get(t, "GET", "/", NULL);
    assert_non_null(strstr(http_fake_body(f, NULL), "two"));
    http_fake_free(f);
    /* Without index.html: a 404 that says so. */
    unlink(p);
    f = get(t, "GET", "/", NULL);
    expect_error_404(f, "no web UI is served here (no index.html)");
    http_fake_free(f);
    t->ctx.web = t->bundle;
    webstore_free(d);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(api_web_bundle_is_the_fixture_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(api_web_asset_hashed, setup, teardown),
        cmocka_unit_test_setup_teardown(api_web_asset_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(api_web_asset_not_modified, setup, teardown),
        cmocka_unit_test_setup_teardown(api_web_asset_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(api_web_traversal_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(api_web_index_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(api_web_api_paths_stay_json, setup, teardown),
        cmocka_unit_test_setup_teardown(api_web_head, setup, teardown),
        cmocka_unit_test_setup_teardown(api_web_dir_dev, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
